//! What the dashboards read: the referrals' answer times (one statement for both engines), and
//! PostgreSQL's forms of the survey summary, the question means and the follow-up facts.
//!
//! SQLite reads those three as scans of whole tables in case order over covering indexes,
//! merged in Rust (`sqlite::me::dashboards`): its planner joins by looking each row up, and a
//! scan streams its rows without holding them. Here the summary is grouped in the database and
//! comes back as a row per round; the question means and the follow-up facts are read a batch
//! of cases at a time over the case indexes, so that only one batch's rows are held at once
//! (each statement's answer is held whole until it is read).

use std::collections::{BTreeMap, HashMap};

use domain::pathway::followup::FollowUpVisit;
use domain::referral::{ReferralStatus, ReferralStep};
use domain::rss::Round;
use domain::{CaseId, OfficeId};

use super::batches::{Kept, in_office, next_cases};
use super::query::named_list;
use crate::Result;
use crate::model::{AnswerTime, FollowUpFacts, ItemMean, RoundMeans, ScoreBin, SurveySummary};
use crate::sql::{Db, args, named};

/// Every sent referral: its provider, when it was first sent and first accepted or declined.
pub(crate) async fn answer_times<D: Db>(
    db: &D,
    office: Option<OfficeId>,
) -> Result<Vec<AnswerTime>> {
    // What answers a referral is `ReferralStep::answers`. Referrals called off before any
    // answer wait for nobody and are left out.
    let sql = format!(
        "SELECT name, sent, answered FROM (
             SELECT p.name AS name, r.status AS status,
                 (SELECT MIN(e.at) FROM referral_events e
                  WHERE e.referral_id = r.id AND e.step = '{send}') AS sent,
                 (SELECT MIN(e.at) FROM referral_events e
                  WHERE e.referral_id = r.id AND e.step IN ({answers})) AS answered
             FROM referrals r JOIN providers p ON p.id = r.provider_id
                 JOIN cases c ON c.id = r.case_id
             WHERE (CAST(?1 AS TEXT) IS NULL OR c.office_id = ?1)) t
         WHERE sent IS NOT NULL AND NOT (answered IS NULL AND status IN ({called_off}))
         ORDER BY name",
        send = ReferralStep::Send.as_str(),
        answers = named_list(
            ReferralStep::ALL,
            ReferralStep::answers,
            ReferralStep::as_str
        ),
        called_off = named_list(
            ReferralStatus::ALL,
            ReferralStatus::is_called_off,
            ReferralStatus::as_str
        ),
    );
    db.rows(&sql, &args![office.map(|o| o.0)])
        .await?
        .iter()
        .map(|r| {
            Ok(AnswerTime {
                provider_name: r.get(0)?,
                sent_at: r.get(1)?,
                answered_at: r.get(2)?,
            })
        })
        .collect()
}

/// PostgreSQL's form of the survey summary (SQLite's: `sqlite::me::survey_summary`, one pass
/// in case order). The surveys are first grouped per returnee and round (over the index
/// `rss_scores_by_case`, which holds them in case order): how many, the sums and counts of
/// each score, and which tenths of the composite score and which support bands (below `low`,
/// within, above `high`) they fell in, as bits; then per round. So a returnee surveyed twice
/// in a round counts once in the round, and once under each tenth and band their scores fell
/// in, without distinct counts (which sorted every survey once per figure: 3 times slower).
pub(crate) async fn survey_summary<D: Db>(
    db: &D,
    office: Option<OfficeId>,
    (low, high): (f64, f64),
) -> Result<SurveySummary> {
    let tenths: Vec<String> = (0..10)
        .map(|t| format!("count(*) FILTER (WHERE tenths & {} <> 0)", 1 << t))
        .collect();
    let sql = format!(
        "SELECT round, count(*), sum(n), sum(se), sum(ce), sum(ss), sum(cs), sum(sp), sum(cp),
             sum(sc), sum(cc), {tenths},
             count(*) FILTER (WHERE bands & 1 <> 0), count(*) FILTER (WHERE bands & 2 <> 0),
             count(*) FILTER (WHERE bands & 4 <> 0)
         FROM (SELECT s.case_id, s.round, count(*) AS n,
                   sum(s.economic) AS se, count(s.economic) AS ce,
                   sum(s.social) AS ss, count(s.social) AS cs,
                   sum(s.psychosocial) AS sp, count(s.psychosocial) AS cp,
                   sum(s.composite) AS sc, count(s.composite) AS cc,
                   bit_or(CASE WHEN s.composite IS NOT NULL THEN CAST(1 AS BIGINT)
                       << CAST(LEAST(GREATEST(floor(s.composite * 10), 0), 9) AS INTEGER) END)
                       AS tenths,
                   bit_or(CASE WHEN s.composite < ?1 THEN 1 WHEN s.composite > ?2 THEN 4
                       WHEN s.composite IS NOT NULL THEN 2 END) AS bands
               FROM rss_scores s {cases}
               GROUP BY s.case_id, s.round) AS per
         GROUP BY round",
        tenths = tenths.join(", "),
        cases = match office {
            None => "",
            Some(_) => "JOIN cases c ON c.id = s.case_id WHERE c.office_id = ?3",
        },
    );
    let args = match office {
        None => args![low, high].to_vec(),
        Some(o) => args![low, high, o.0].to_vec(),
    };
    let mut rounds = db
        .rows(&sql, &args)
        .await?
        .into_iter()
        .map(|r| Ok((named(0, r.text(0)?, Round::parse)?, r)))
        .collect::<Result<Vec<_>>>()?;
    rounds.sort_by_key(|(round, _)| *round);
    let mut summary = SurveySummary::default();
    for (round, r) in rounds {
        let mean = |sum: usize| -> Result<Option<f64>> {
            let n: i64 = r.get(sum + 1)?;
            Ok(match r.get::<Option<f64>>(sum)? {
                Some(total) if n > 0 => Some(total / n as f64),
                _ => None,
            })
        };
        summary.means.push(RoundMeans {
            round,
            surveys: r.get(2)?,
            returnees: r.get(1)?,
            economic: mean(3)?,
            social: mean(5)?,
            psychosocial: mean(7)?,
            composite: mean(9)?,
        });
        for tenth in 0..10u8 {
            let returnees: u64 = r.get(11 + usize::from(tenth))?;
            if returnees > 0 {
                summary.bins.push(ScoreBin {
                    round,
                    tenth,
                    returnees,
                });
            }
        }
        summary
            .bands
            .push((round, [r.get(21)?, r.get(22)?, r.get(23)?]));
    }
    Ok(summary)
}

/// PostgreSQL's form of the question means (SQLite's: `sqlite::me::item_means`, merged scans
/// then the breakdowns in row order): the cases in scope a batch at a time, and for each batch
/// each returnee's latest survey (the highest date, then the one recorded last), whose
/// breakdown is read here as SQLite's is. A survey scored before breakdowns were kept, or one
/// that does not read, adds nothing. A cell's name is that of its first item in the order
/// SQLite reads them: the surveys by rowid, then the items in order.
pub(crate) async fn item_means<D: Db>(db: &D, office: Option<OfficeId>) -> Result<Vec<ItemMean>> {
    /// The part of a breakdown line read here.
    #[derive(serde::Deserialize)]
    struct Item {
        question: u8,
        #[serde(default)]
        name: String,
        value: Option<f64>,
    }
    /// A cell: where its name was first seen, the name, the sum and count of values, the
    /// returnees.
    type Cell = ((i64, usize), String, f64, u64, u64);
    let office = office.map(|o| o.0.to_string());
    let mut cells: BTreeMap<(u8, String), Cell> = BTreeMap::new();
    let mut after = String::new();
    loop {
        let batch = next_cases(db, "c.id, c.office_id, c.return_province", &after).await?;
        let Some(last) = batch.last() else {
            break;
        };
        let kept = Kept::from(&batch, |r| Ok(in_office(r, 1, office.as_deref())))?;
        if let Some(range) = kept.range() {
            // Each returnee's latest survey (the latest day, then the one recorded last), read
            // over the case index for the batch's range alone. (Written as a join of each
            // case's latest day back to the surveys, PostgreSQL chose to hash every survey of
            // the table at each batch: 200 times 0.45 s at 1,000,000 returnees.)
            let surveys = db
                .rows(
                    "SELECT DISTINCT ON (s.case_id) s.case_id, s.rowid, s.breakdown
                     FROM rss_scores s WHERE s.case_id BETWEEN ?1 AND ?2
                     ORDER BY s.case_id, s.interview_date DESC NULLS LAST, s.rowid DESC",
                    &range,
                )
                .await?;
            // One survey per returnee: each adds to its province's cells (the name kept is
            // the first seen in SQLite's order, whatever the order here).
            for survey in &surveys {
                let Some(i) = kept.at(survey.text(0)?) else {
                    continue;
                };
                let row: i64 = survey.get(1)?;
                let Ok(items) = serde_json::from_str::<Vec<Item>>(survey.text(2)?) else {
                    continue;
                };
                let province: String = kept.rows[i].get(2)?;
                for (pos, item) in items.into_iter().enumerate() {
                    let cell = cells
                        .entry((item.question, province.clone()))
                        .or_insert_with(|| ((row, pos), item.name.clone(), 0.0, 0, 0));
                    if (row, pos) < cell.0 {
                        (cell.0, cell.1) = ((row, pos), item.name);
                    }
                    cell.4 += 1;
                    if let Some(v) = item.value {
                        cell.2 += v;
                        cell.3 += 1;
                    }
                }
            }
        }
        after = last.get(0)?;
    }
    Ok(cells
        .into_iter()
        .map(
            |((question, province), (_, name, sum, answered, returnees))| ItemMean {
                province,
                question,
                name,
                mean: (answered > 0).then(|| sum / answered as f64),
                returnees,
                answered,
            },
        )
        .collect())
}

/// PostgreSQL's form of the follow-up facts (SQLite's: `sqlite::me::follow_up_facts`, whole
/// tables read in case order and matched in memory): the open cases in scope a batch at a
/// time, and for each batch whether the trafficking timeline applies, the first approved
/// plans, the visits and the surveys.
pub(crate) async fn follow_up_facts<D: Db>(
    db: &D,
    office: Option<OfficeId>,
) -> Result<Vec<FollowUpFacts>> {
    use domain::case::Vulnerability;
    let codes: HashMap<String, String> = db
        .rows("SELECT id, code FROM offices", &[])
        .await?
        .iter()
        .map(|r| Ok((r.get(0)?, r.get(1)?)))
        .collect::<Result<_>>()?;
    let office = office.map(|o| o.0.to_string());
    let mut out: Vec<FollowUpFacts> = Vec::new();
    let mut after = String::new();
    loop {
        let batch = next_cases(db, "c.id, c.office_id, c.stage, c.return_date", &after).await?;
        let Some(last) = batch.last() else {
            break;
        };
        let kept = Kept::from(&batch, |r| {
            Ok(r.text(2)? != "closed" && in_office(r, 1, office.as_deref()))
        })?;
        let start = out.len();
        for r in &kept.rows {
            out.push(FollowUpFacts {
                case: CaseId(r.get(0)?),
                office_code: codes.get(r.text(1)?).cloned().unwrap_or_default(),
                return_date: r.get(3)?,
                trafficking_victim: false,
                plan_agreed: None,
                visits: Vec::new(),
                surveys: Vec::new(),
            });
        }
        let facts = &mut out[start..];
        if let Some(range) = kept.range() {
            let [first, last] = range.clone();
            for r in db
                .rows(
                    "SELECT case_id FROM case_vulnerabilities
                     WHERE case_id BETWEEN ?1 AND ?2 AND vulnerability = ?3",
                    &[
                        first,
                        last,
                        Vulnerability::TraffickingVictim.as_str().into(),
                    ],
                )
                .await?
            {
                if let Some(i) = kept.at(r.text(0)?) {
                    facts[i].trafficking_victim = true;
                }
            }
            // The first approved plan's agreement, as the case's pathway reads it.
            for r in db
                .rows(
                    "SELECT DISTINCT ON (p.case_id) p.case_id, p.agreed_on FROM plan_versions p
                     WHERE p.case_id BETWEEN ?1 AND ?2
                         AND p.approved_at IS NOT NULL AND p.agreed_on IS NOT NULL
                     ORDER BY p.case_id, p.version",
                    &range,
                )
                .await?
            {
                if let Some(i) = kept.at(r.text(0)?) {
                    facts[i].plan_agreed = r.get(1)?;
                }
            }
            // Visits are read as the case's pathway reads them: an entry that does not parse
            // is left out rather than failing the whole count.
            for r in db
                .rows(
                    "SELECT e.case_id, e.body FROM pathway_entries e
                     WHERE e.case_id BETWEEN ?1 AND ?2 AND e.kind = 'follow_up'
                     ORDER BY e.case_id, e.entry_date, e.rowid",
                    &range,
                )
                .await?
            {
                if let (Some(i), Ok(v)) = (
                    kept.at(r.text(0)?),
                    serde_json::from_str::<FollowUpVisit>(r.text(1)?),
                ) {
                    facts[i].visits.push((v.scheduled, v.date));
                }
            }
            for r in db
                .rows(
                    "SELECT s.case_id, s.round, s.interview_date FROM rss_scores s
                     WHERE s.case_id BETWEEN ?1 AND ?2
                     ORDER BY s.case_id, s.interview_date, s.round",
                    &range,
                )
                .await?
            {
                if let Some(i) = kept.at(r.text(0)?) {
                    facts[i]
                        .surveys
                        .push((named(1, r.text(1)?, Round::parse)?, r.get(2)?));
                }
            }
        }
        after = last.get(0)?;
    }
    Ok(out)
}
