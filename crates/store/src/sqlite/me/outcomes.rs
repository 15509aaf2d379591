//! What "what works" reads about each returnee with a scored survey: the profile, the scored
//! surveys and the kinds of assistance received. Like the dashboards' facts, each table is read
//! in one pass and matched to its case in memory.

use std::collections::BTreeSet;

use domain::me::outcomes::{ReturneeFacts, SurveyFacts};
use domain::pathway::plan::AssistanceKind;
use rusqlite::Connection;

use super::indicators::assistance;
use crate::Result;
use crate::sqlite::cases::date_col;
use crate::sqlite::parse_named;

/// A plan item's dimension, from its kind (the plan's items of the latest approved version).
fn dimension_of_kind() -> String {
    let mut sql = String::from("(CASE json_extract(i.value, '$.kind')");
    for k in AssistanceKind::ALL {
        sql.push_str(&format!(
            " WHEN '{}' THEN '{}'",
            k.as_str(),
            k.dimension().as_str()
        ));
    }
    sql.push_str(" END)");
    sql
}

pub(crate) fn outcome_facts(
    c: &Connection,
    office: Option<domain::OfficeId>,
) -> Result<Vec<ReturneeFacts>> {
    let office = office.map(|o| o.to_string());
    let mut ids: Vec<String> = Vec::new();
    let mut out = Vec::new();
    let mut stmt = c.prepare_cached(
        "SELECT c.id, c.sex, c.age_at_return,
             EXISTS (SELECT 1 FROM case_vulnerabilities v WHERE v.case_id = c.id),
             c.return_type, c.absence_months, c.return_province
         FROM cases c
         WHERE (?1 IS NULL OR c.office_id = ?1)
           AND EXISTS (SELECT 1 FROM rss_scores s WHERE s.case_id = c.id)
         ORDER BY c.id",
    )?;
    let mut rows = stmt.query([&office])?;
    while let Some(r) = rows.next()? {
        ids.push(r.get(0)?);
        out.push(ReturneeFacts {
            sex: parse_named(1, &r.get::<_, String>(1)?, domain::case::Sex::parse)?,
            age_at_return: r.get(2)?,
            vulnerable: r.get(3)?,
            return_type: parse_named(4, &r.get::<_, String>(4)?, domain::case::ReturnType::parse)?,
            absence_months: r.get(5)?,
            province: r.get(6)?,
            surveys: Vec::new(),
            assistance: BTreeSet::new(),
        });
    }
    let at = |id: &str| ids.binary_search_by(|x| x.as_str().cmp(id)).ok();
    let mut stmt = c.prepare_cached(
        "SELECT case_id, round, interview_date, economic, social, psychosocial, composite,
             low_accuracy
         FROM rss_scores ORDER BY case_id, interview_date",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let Some(i) = at(r.get_ref(0)?.as_str().map_err(rusqlite::Error::from)?) else {
            continue;
        };
        out[i].surveys.push(SurveyFacts {
            round: parse_named(1, &r.get::<_, String>(1)?, domain::rss::Round::parse)?,
            date: date_col(2, &r.get::<_, String>(2)?)?,
            economic: r.get(3)?,
            social: r.get(4)?,
            psychosocial: r.get(5)?,
            composite: r.get(6)?,
            low_accuracy: r.get(7)?,
        });
    }
    assistance_received(c, &ids, |i, kind| {
        out[i].assistance.insert(kind);
    })?;
    Ok(out)
}

/// Gives `add` each kind of assistance received by the cases of `ids` (sorted), as the case's
/// position in `ids`: read in one pass, matched in memory.
pub(super) fn assistance_received(
    c: &Connection,
    ids: &[String],
    mut add: impl FnMut(usize, String),
) -> Result<()> {
    let mut stmt = c.prepare(&assistance_sql())?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let id = r.get_ref(0)?.as_str().map_err(rusqlite::Error::from)?;
        if let (Ok(i), Some(kind)) = (
            ids.binary_search_by(|x| x.as_str().cmp(id)),
            r.get::<_, Option<String>>(1)?,
        ) {
            add(i, kind);
        }
    }
    Ok(())
}

/// Each case with each kind of assistance it received, as rows (case_id, kind): referrals that
/// went ahead and community projects (as the indicators count them), and the items of each
/// case's latest approved plan not cancelled, by dimension and, for grants, by modality.
fn assistance_sql() -> String {
    format!(
        "SELECT case_id, kind FROM {referrals_and_projects}
         UNION
         SELECT p.case_id, {dimension} FROM plan_versions p, json_each(p.content, '$.items') i
         WHERE p.approved_at IS NOT NULL
           AND json_extract(i.value, '$.status') != 'cancelled' AND p.version = (SELECT MAX(q.version)
             FROM plan_versions q WHERE q.case_id = p.case_id AND q.approved_at IS NOT NULL)
         UNION
         SELECT p.case_id, json_extract(i.value, '$.modality')
         FROM plan_versions p, json_each(p.content, '$.items') i
         WHERE p.approved_at IS NOT NULL
           AND json_extract(i.value, '$.status') != 'cancelled'
           AND json_extract(i.value, '$.modality') IN ('cash', 'in_kind')
           AND p.version = (SELECT MAX(q.version)
             FROM plan_versions q WHERE q.case_id = p.case_id AND q.approved_at IS NOT NULL)",
        referrals_and_projects = assistance(),
        dimension = dimension_of_kind(),
    )
}
