//! PostgreSQL's form of what "what works" reads about each surveyed returnee, and the
//! assistance a range of cases received (which the sampling frame reads too).
//!
//! SQLite's form (`sqlite::me::outcomes`) reads each table whole in case order over a covering
//! index, on two threads, and merges the scans. Here the returnees are read a batch at a time
//! in case order, and for each batch its surveys and assistance over the case indexes: every
//! statement's answer is held until it is read, so batches keep memory to one batch's worth
//! whatever the number of returnees.

use std::collections::BTreeSet;

use domain::OfficeId;
use domain::me::outcomes::{ASSISTANCE_KINDS, ReturneeFacts, SurveyFacts};
use domain::rss::Round;

use super::query::assistance;
use crate::sql::{Db, args, named};
use crate::{Result, StoreError};

/// Returnees read at a time.
const BATCH: i64 = 2_000;

/// The rounds asked for, given as a JSON array in parameter ?3.
const OF_ROUNDS: &str = "s.round IN (SELECT jsonb_array_elements_text(CAST(?3 AS jsonb)))";

/// Each kind of assistance counted, as a bit: its place in [`ASSISTANCE_KINDS`].
fn kind_bit(kind: &str) -> u8 {
    ASSISTANCE_KINDS
        .iter()
        .position(|k| *k == kind)
        .map_or(0, |i| 1 << i)
}

/// Gives `visit` the facts of every returnee (in an office or all) with a scored survey of one
/// of `rounds`, in case order, with those surveys oldest first.
pub(crate) async fn visit_outcome_facts<D: Db>(
    db: &D,
    office: Option<OfficeId>,
    rounds: &[Round],
    visit: &(dyn Fn(ReturneeFacts) -> Result<()> + Sync),
) -> Result<()> {
    let office = office.map(|o| o.0.to_string());
    let rounds = serde_json::to_string(&rounds.iter().map(|r| r.as_str()).collect::<Vec<_>>())
        .map_err(|e| StoreError::Database(e.to_string()))?;
    let mut after = String::new();
    loop {
        let cases = db
            .rows(
                &format!(
                    "SELECT c.id, c.sex, c.age_at_return, c.return_type, c.absence_months,
                         c.return_province,
                         EXISTS (SELECT 1 FROM case_vulnerabilities v WHERE v.case_id = c.id)
                     FROM cases c
                     WHERE c.id > ?1 AND (CAST(?2 AS TEXT) IS NULL OR c.office_id = ?2)
                         AND EXISTS (SELECT 1 FROM rss_scores s
                                     WHERE s.case_id = c.id AND {OF_ROUNDS})
                     ORDER BY c.id LIMIT {BATCH}"
                ),
                &args![&after, &office, &rounds],
            )
            .await?;
        let (Some(first), Some(last)) = (cases.first(), cases.last()) else {
            break;
        };
        let (first, last): (String, String) = (first.get(0)?, last.get(0)?);
        let ids: Vec<&str> = cases.iter().map(|r| r.text(0)).collect::<Result<_>>()?;
        let at = |id: &str| ids.binary_search(&id).ok();
        // Their surveys of those rounds, in case order and by date.
        let mut surveys: Vec<Vec<SurveyFacts>> = vec![Vec::new(); ids.len()];
        for r in db
            .rows(
                &format!(
                    "SELECT s.case_id, s.round, s.interview_date, s.economic, s.social,
                         s.psychosocial, s.composite, s.low_accuracy
                     FROM rss_scores s
                     WHERE s.case_id BETWEEN ?1 AND ?2 AND {OF_ROUNDS}
                     ORDER BY s.case_id, s.interview_date, s.round, s.rowid"
                ),
                &args![&first, &last, &rounds],
            )
            .await?
        {
            if let Some(i) = at(r.text(0)?) {
                surveys[i].push(SurveyFacts {
                    round: named(1, r.text(1)?, Round::parse)?,
                    date: r.get(2)?,
                    economic: r.get(3)?,
                    social: r.get(4)?,
                    psychosocial: r.get(5)?,
                    composite: r.get(6)?,
                    low_accuracy: r.get(7)?,
                });
            }
        }
        let mut received = vec![0u8; ids.len()];
        assistance_between(db, &first, &last, |case, kind| {
            if let Some(i) = at(case) {
                received[i] |= kind_bit(kind);
            }
        })
        .await?;
        for ((r, surveys), received) in cases.iter().zip(surveys).zip(received) {
            if surveys.is_empty() {
                continue; // scored surveys removed since the case was read
            }
            visit(ReturneeFacts {
                sex: named(1, r.text(1)?, domain::case::Sex::parse)?,
                age_at_return: r.get(2)?,
                vulnerable: r.get(6)?,
                return_type: named(3, r.text(3)?, domain::case::ReturnType::parse)?,
                absence_months: r.get(4)?,
                province: r.get(5)?,
                surveys,
                assistance: (0..ASSISTANCE_KINDS.len())
                    .filter(|i| received & (1 << i) != 0)
                    .map(|i| ASSISTANCE_KINDS[i].to_string())
                    .collect::<BTreeSet<_>>(),
            })?;
        }
        if (cases.len() as i64) < BATCH {
            break;
        }
        after = last;
    }
    Ok(())
}

/// Gives `add` each kind of assistance received by the cases whose ids lie between `first` and
/// `last`, as (case id, kind): the items of each case's latest approved plan (by dimension and
/// grant modality), the referrals that went ahead by dimension, and community projects.
pub(crate) async fn assistance_between<D: Db>(
    db: &D,
    first: &str,
    last: &str,
    mut add: impl FnMut(&str, &str),
) -> Result<()> {
    // The items of each case's latest approved plan not cancelled (kept by the triggers of
    // migration 34).
    for r in db
        .rows(
            "SELECT case_id, kind, modality FROM approved_plan_items
             WHERE case_id BETWEEN ?1 AND ?2",
            &args![first, last],
        )
        .await?
    {
        let modality = r.get::<Option<String>>(2)?;
        for kind in domain::pathway::plan::counted_as(r.text(1)?, modality.as_deref()) {
            add(r.text(0)?, kind);
        }
    }
    // The rest, as the indicators count them.
    for r in db
        .rows(
            &format!(
                "SELECT a.case_id, a.kind FROM {} a
                 WHERE a.kind IS NOT NULL AND a.case_id BETWEEN ?1 AND ?2",
                assistance()
            ),
            &args![first, last],
        )
        .await?
    {
        add(r.text(0)?, r.text(1)?);
    }
    Ok(())
}
