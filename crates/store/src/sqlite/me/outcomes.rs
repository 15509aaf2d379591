//! What "what works" reads about each returnee with a scored survey: the profile, the scored
//! surveys and the kinds of assistance received. Each table is read in one pass in case order
//! and merged, so a returnee's facts are put together without a lookup per case.

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

/// Reads the cases, their surveys, vulnerabilities and assistance as four scans in case order,
/// each over an index that covers it, and puts each returnee's facts together as the scans
/// pass them: a merge, never a lookup per case, and one returnee in memory at a time.
pub(crate) fn visit_outcome_facts(
    c: &Connection,
    office: Option<domain::OfficeId>,
    visit: &mut dyn FnMut(ReturneeFacts),
) -> Result<()> {
    let office = office.map(|o| o.to_string());
    let mut cases = c.prepare(
        "SELECT id, sex, age_at_return, return_type, absence_months, return_province
         FROM cases INDEXED BY cases_facts
         WHERE ?1 IS NULL OR office_id = ?1 ORDER BY id",
    )?;
    let mut cases = cases.query([&office])?;
    let mut surveys = c.prepare(
        "SELECT case_id, round, interview_date, economic, social, psychosocial, composite,
             low_accuracy
         FROM rss_scores INDEXED BY rss_scores_by_case ORDER BY case_id, interview_date",
    )?;
    let mut surveys = Merge::new(surveys.query([])?, |r| {
        Ok(SurveyFacts {
            round: parse_named(1, &r.get::<_, String>(1)?, domain::rss::Round::parse)?,
            date: date_col(2, &r.get::<_, String>(2)?)?,
            economic: r.get(3)?,
            social: r.get(4)?,
            psychosocial: r.get(5)?,
            composite: r.get(6)?,
            low_accuracy: r.get(7)?,
        })
    })?;
    let mut vulnerable =
        c.prepare("SELECT DISTINCT case_id, 1 FROM case_vulnerabilities ORDER BY case_id")?;
    let mut vulnerable = Merge::new(vulnerable.query([])?, |_| Ok(()))?;
    let mut assistance = c.prepare(&format!(
        "SELECT case_id, kind FROM ({}) WHERE kind IS NOT NULL ORDER BY case_id",
        assistance_sql()
    ))?;
    let mut assistance = Merge::new(assistance.query([])?, |r| r.get::<_, String>(1))?;
    while let Some(r) = cases.next()? {
        let id = r.get_ref(0)?.as_str().map_err(rusqlite::Error::from)?;
        let surveys = surveys.take(id)?;
        if surveys.is_empty() {
            // Only returnees with a scored survey are compared; the other scans skip theirs.
            continue;
        }
        visit(ReturneeFacts {
            sex: parse_named(1, &r.get::<_, String>(1)?, domain::case::Sex::parse)?,
            age_at_return: r.get(2)?,
            vulnerable: !vulnerable.take(id)?.is_empty(),
            return_type: parse_named(3, &r.get::<_, String>(3)?, domain::case::ReturnType::parse)?,
            absence_months: r.get(4)?,
            province: r.get(5)?,
            surveys,
            assistance: assistance.take(id)?.into_iter().collect::<BTreeSet<_>>(),
        });
    }
    Ok(())
}

/// One side of a merge: rows ordered by a case id in their first column, handed out a case at
/// a time as the other side reaches it.
struct Merge<'s, T> {
    rows: rusqlite::Rows<'s>,
    read: fn(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    /// The row read ahead: its case id and value.
    next: Option<(String, T)>,
}

impl<'s, T> Merge<'s, T> {
    fn new(
        rows: rusqlite::Rows<'s>,
        read: fn(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<Merge<'s, T>> {
        let mut m = Merge {
            rows,
            read,
            next: None,
        };
        m.advance()?;
        Ok(m)
    }

    fn advance(&mut self) -> Result<()> {
        self.next = match self.rows.next()? {
            Some(r) => Some((r.get(0)?, (self.read)(r)?)),
            None => None,
        };
        Ok(())
    }

    /// The values of case `id`, passing over those of cases before it (cases not read, such
    /// as those of other offices). Ids must be asked in increasing order.
    fn take(&mut self, id: &str) -> Result<Vec<T>> {
        let mut out = Vec::new();
        while let Some((case, _)) = &self.next {
            match case.as_str().cmp(id) {
                std::cmp::Ordering::Less => self.advance()?,
                std::cmp::Ordering::Equal => {
                    if let Some((_, value)) = self.next.take() {
                        out.push(value);
                    }
                    self.advance()?;
                }
                std::cmp::Ordering::Greater => break,
            }
        }
        Ok(out)
    }
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
