//! PostgreSQL's form of what "what works" reads about each surveyed returnee, and the
//! assistance a range of cases received (which the sampling frame reads too).
//!
//! SQLite's form (`sqlite::me::outcomes`) reads each table whole in case order over a covering
//! index, on two threads, and merges the scans. Here the returnees are read a batch at a time
//! (see [`super::batches`]), and for each batch their surveys, vulnerabilities and assistance.

use std::collections::BTreeSet;

use domain::OfficeId;
use domain::me::outcomes::{ASSISTANCE_KINDS, ReturneeFacts, SurveyFacts};
use domain::rss::Round;

use super::batches::{Kept, in_office, next_cases};
use super::query::assistance;
use crate::sql::{Db, Value, named};
use crate::{Result, StoreError};

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
        let batch = next_cases(
            db,
            "c.id, c.office_id, c.sex, c.age_at_return, c.return_type, c.absence_months,
             c.return_province",
            &after,
        )
        .await?;
        let Some(last) = batch.last() else {
            break;
        };
        let kept = Kept::from(&batch, |r| Ok(in_office(r, 1, office.as_deref())))?;
        if let Some(range) = kept.range() {
            // Their surveys of those rounds by date; surveys of one day in the order SQLite
            // reads them, that of the index rss_scores_by_case (its NULLs first).
            let [first, last] = range.clone();
            let mut surveys: Vec<Vec<SurveyFacts>> = vec![Vec::new(); kept.ids.len()];
            for r in db
                .rows(
                    &format!(
                        "SELECT s.case_id, s.round, s.interview_date, s.economic, s.social,
                             s.psychosocial, s.composite, s.low_accuracy
                         FROM rss_scores s
                         WHERE s.case_id BETWEEN ?1 AND ?2 AND {OF_ROUNDS}
                         ORDER BY s.case_id, s.interview_date, s.round,
                             s.composite NULLS FIRST, s.economic NULLS FIRST,
                             s.social NULLS FIRST, s.psychosocial NULLS FIRST, s.low_accuracy"
                    ),
                    &[first, last, rounds.as_str().into()],
                )
                .await?
            {
                if let Some(i) = kept.at(r.text(0)?) {
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
            let mut vulnerable = vec![false; kept.ids.len()];
            for r in db
                .rows(
                    "SELECT case_id FROM case_vulnerabilities WHERE case_id BETWEEN ?1 AND ?2",
                    &range,
                )
                .await?
            {
                if let Some(i) = kept.at(r.text(0)?) {
                    vulnerable[i] = true;
                }
            }
            let mut received = vec![0u8; kept.ids.len()];
            assistance_between(db, &range, |case, kind| {
                if let Some(i) = kept.at(case) {
                    received[i] |= kind_bit(kind);
                }
            })
            .await?;
            for (i, surveys) in surveys.into_iter().enumerate() {
                if surveys.is_empty() {
                    continue; // no scored survey of those rounds
                }
                let r = kept.rows[i];
                visit(ReturneeFacts {
                    sex: named(2, r.text(2)?, domain::case::Sex::parse)?,
                    age_at_return: r.get(3)?,
                    vulnerable: vulnerable[i],
                    return_type: named(4, r.text(4)?, domain::case::ReturnType::parse)?,
                    absence_months: r.get(5)?,
                    province: r.get(6)?,
                    surveys,
                    assistance: (0..ASSISTANCE_KINDS.len())
                        .filter(|b| received[i] & (1 << b) != 0)
                        .map(|b| ASSISTANCE_KINDS[b].to_string())
                        .collect::<BTreeSet<_>>(),
                })?;
            }
        }
        after = last.get(0)?;
    }
    Ok(())
}

/// Gives `add` each kind of assistance received by the cases whose ids lie in `range` (the
/// first and the last), as (case id, kind): the items of each case's latest approved plan (by
/// dimension and grant modality), the referrals that went ahead by dimension, and community
/// projects.
pub(crate) async fn assistance_between<D: Db>(
    db: &D,
    range: &[Value; 2],
    mut add: impl FnMut(&str, &str),
) -> Result<()> {
    // The items of each case's latest approved plan not cancelled (kept by the triggers of
    // migration 34).
    for r in db
        .rows(
            "SELECT case_id, kind, modality FROM approved_plan_items
             WHERE case_id BETWEEN ?1 AND ?2",
            range,
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
            range,
        )
        .await?
    {
        add(r.text(0)?, r.text(1)?);
    }
    Ok(())
}
