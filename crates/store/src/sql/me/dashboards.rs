//! What the dashboards read: the referrals' answer times (one statement for both engines), and
//! PostgreSQL's forms of the survey summary, the question means and the follow-up facts.
//!
//! SQLite reads those three as scans of whole tables in case order over covering indexes,
//! merged in Rust (`sqlite::me::dashboards`): its planner joins by looking each row up, and a
//! scan streams its rows without holding them. Here they are set-based, as PostgreSQL's planner
//! prefers: the summary and the means are grouped in the database and come back as a few rows;
//! the follow-up facts, one per open case, are read a batch of cases at a time so that only one
//! batch's rows are held at once.

use std::collections::BTreeMap;

use domain::pathway::followup::FollowUpVisit;
use domain::referral::{ReferralStatus, ReferralStep};
use domain::rss::Round;
use domain::{CaseId, OfficeId};

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
/// in case order): one grouped query with three grouping sets, per round (the surveys, the
/// returnees, the averages), per round and tenth of the composite score, and per round and
/// support band (below `low`, within, above `high`), each counting distinct returnees. A
/// returnee surveyed twice in a round counts once in the round, and once under each tenth and
/// band their scores fell in.
pub(crate) async fn survey_summary<D: Db>(
    db: &D,
    office: Option<OfficeId>,
    (low, high): (f64, f64),
) -> Result<SurveySummary> {
    let sql = format!(
        "SELECT s.round, x.tenth, x.band, GROUPING(x.tenth, x.band), count(*),
             count(DISTINCT s.case_id), avg(s.economic), avg(s.social), avg(s.psychosocial),
             avg(s.composite)
         FROM rss_scores s {cases}
             CROSS JOIN LATERAL (SELECT
                 CASE WHEN s.composite IS NOT NULL
                     THEN CAST(LEAST(GREATEST(floor(s.composite * 10), 0), 9) AS BIGINT) END
                     AS tenth,
                 CASE WHEN s.composite < ?1 THEN 0 WHEN s.composite > ?2 THEN 2
                     WHEN s.composite IS NOT NULL THEN 1 END AS band) x
         GROUP BY GROUPING SETS ((s.round), (s.round, x.tenth), (s.round, x.band))",
        cases = match office {
            None => "",
            Some(_) => "JOIN cases c ON c.id = s.case_id AND c.office_id = ?3",
        },
    );
    let args = match office {
        None => args![low, high].to_vec(),
        Some(o) => args![low, high, o.0].to_vec(),
    };
    #[derive(Default)]
    struct PerRound {
        means: Option<RoundMeans>,
        tenths: BTreeMap<u8, u64>,
        bands: [u64; 3],
    }
    let mut per_round: BTreeMap<Round, PerRound> = BTreeMap::new();
    for r in db.rows(&sql, &args).await? {
        let round = named(0, r.text(0)?, Round::parse)?;
        let at = per_round.entry(round).or_default();
        let returnees = r.get::<u64>(5)?;
        // GROUPING: 3 for the round alone, 1 with the tenth, 2 with the band.
        match r.get::<i64>(3)? {
            3 => {
                at.means = Some(RoundMeans {
                    round,
                    surveys: r.get(4)?,
                    returnees,
                    economic: r.get(6)?,
                    social: r.get(7)?,
                    psychosocial: r.get(8)?,
                    composite: r.get(9)?,
                });
            }
            1 => {
                if let Some(tenth) = r.get::<Option<u8>>(1)? {
                    at.tenths.insert(tenth, returnees);
                }
            }
            _ => {
                if let Some(band) = r.get::<Option<usize>>(2)?
                    && let Some(n) = at.bands.get_mut(band)
                {
                    *n = returnees;
                }
            }
        }
    }
    let mut summary = SurveySummary::default();
    for (round, r) in per_round {
        summary.means.extend(r.means);
        for (tenth, returnees) in r.tenths {
            summary.bins.push(ScoreBin {
                round,
                tenth,
                returnees,
            });
        }
        summary.bands.push((round, r.bands));
    }
    Ok(summary)
}

/// PostgreSQL's form of the question means (SQLite's: `sqlite::me::item_means`, merged scans):
/// each returnee's latest survey (the highest date, then the one recorded last) found by
/// `DISTINCT ON`, its breakdown expanded with the jsonb functions, and the items grouped per
/// question and province. A breakdown that is not a JSON array (a survey scored before
/// breakdowns were kept) adds nothing, nor does an item without a whole-number question.
pub(crate) async fn item_means<D: Db>(db: &D, office: Option<OfficeId>) -> Result<Vec<ItemMean>> {
    // The cell's name is that of its first item in the order SQLite reads them (the surveys by
    // rowid, then the items in order): the smallest of the rowid and position written out in
    // fixed width before the name, which the first 29 characters of the answer then drop.
    const KEY: usize = 29;
    let sql = format!(
        "WITH latest AS (
             SELECT DISTINCT ON (s.case_id) s.case_id, s.rowid
             FROM rss_scores s {cases}
             ORDER BY s.case_id DESC, s.interview_date DESC, s.rowid DESC),
         items AS (
             SELECT c.return_province AS province, s.rowid AS seq, e.pos AS pos,
                 CASE WHEN jsonb_typeof(e.item -> 'question') = 'number'
                           AND (e.item ->> 'question') ~ '^[0-9]{{1,3}}$'
                     THEN CAST(e.item ->> 'question' AS BIGINT) END AS question,
                 COALESCE(e.item ->> 'name', '') AS name,
                 CASE WHEN jsonb_typeof(e.item -> 'value') = 'number'
                     THEN CAST(e.item ->> 'value' AS DOUBLE PRECISION) END AS value
             FROM latest l JOIN rss_scores s ON s.rowid = l.rowid
                 JOIN cases c ON c.id = l.case_id
                 CROSS JOIN LATERAL jsonb_array_elements(
                     CASE WHEN jsonb_typeof(CAST(s.breakdown AS jsonb)) = 'array'
                         THEN CAST(s.breakdown AS jsonb) ELSE '[]'::jsonb END)
                     WITH ORDINALITY AS e(item, pos))
         SELECT question, province,
             min(lpad(CAST(seq AS TEXT), 19, '0') || lpad(CAST(pos AS TEXT), 10, '0') || name),
             count(*), count(value), avg(value)
         FROM items WHERE question IS NOT NULL
         GROUP BY question, province",
        cases = match office {
            None => "",
            Some(_) => "JOIN cases c ON c.id = s.case_id WHERE c.office_id = ?1",
        },
    );
    let args = match office {
        None => Vec::new(),
        Some(o) => args![o.0].to_vec(),
    };
    let mut cells: BTreeMap<(u8, String), ItemMean> = BTreeMap::new();
    for r in db.rows(&sql, &args).await? {
        // Questions are numbered 1 to 255 (a breakdown line's `question: u8`).
        let Ok(question) = u8::try_from(r.get::<i64>(0)?) else {
            continue;
        };
        let province: String = r.get(1)?;
        let keyed: String = r.get(2)?;
        cells.insert(
            (question, province.clone()),
            ItemMean {
                province,
                question,
                name: keyed.get(KEY..).unwrap_or_default().to_string(),
                mean: r.get(5)?,
                returnees: r.get(3)?,
                answered: r.get(4)?,
            },
        );
    }
    Ok(cells.into_values().collect())
}

/// Open cases read at a time for the follow-up facts.
const FOLLOW_UP_BATCH: i64 = 2_000;

/// PostgreSQL's form of the follow-up facts (SQLite's: `sqlite::me::follow_up_facts`, whole
/// tables read in case order and matched in memory): the open cases a batch at a time in case
/// order, then for that batch's range of case ids the first approved plans, the visits and
/// the surveys, each read over its case index.
pub(crate) async fn follow_up_facts<D: Db>(
    db: &D,
    office: Option<OfficeId>,
) -> Result<Vec<FollowUpFacts>> {
    use domain::case::Vulnerability;
    let office = office.map(|o| o.0.to_string());
    // The cases a batch's range holds that the batch is about.
    const OPEN: &str = "c.stage <> 'closed' AND (CAST(?3 AS TEXT) IS NULL OR c.office_id = ?3)";
    let mut out: Vec<FollowUpFacts> = Vec::new();
    let mut after = String::new();
    loop {
        let cases = db
            .rows(
                &format!(
                    "SELECT c.id, o.code, c.return_date,
                         EXISTS (SELECT 1 FROM case_vulnerabilities v
                                 WHERE v.case_id = c.id AND v.vulnerability = ?2)
                     FROM cases c JOIN offices o ON o.id = c.office_id
                     WHERE c.id > ?1 AND {OPEN}
                     ORDER BY c.id LIMIT {FOLLOW_UP_BATCH}"
                ),
                &args![&after, Vulnerability::TraffickingVictim.as_str(), &office],
            )
            .await?;
        let (Some(first), Some(last)) = (cases.first(), cases.last()) else {
            break;
        };
        let (first, last): (String, String) = (first.get(0)?, last.get(0)?);
        let start = out.len();
        let mut ids: Vec<String> = Vec::with_capacity(cases.len());
        for r in &cases {
            ids.push(r.get(0)?);
            out.push(FollowUpFacts {
                case: CaseId(r.get(0)?),
                office_code: r.get(1)?,
                return_date: r.get(2)?,
                trafficking_victim: r.get(3)?,
                plan_agreed: None,
                visits: Vec::new(),
                surveys: Vec::new(),
            });
        }
        let batch = &mut out[start..];
        let at = |id: &str| ids.binary_search_by(|x| x.as_str().cmp(id)).ok();
        let range = args![&first, &last, &office];
        // The first approved plan's agreement, as the case's pathway reads it.
        for r in db
            .rows(
                &format!(
                    "SELECT DISTINCT ON (p.case_id) p.case_id, p.agreed_on
                     FROM plan_versions p JOIN cases c ON c.id = p.case_id
                     WHERE p.case_id BETWEEN ?1 AND ?2 AND {OPEN}
                         AND p.approved_at IS NOT NULL AND p.agreed_on IS NOT NULL
                     ORDER BY p.case_id, p.version"
                ),
                &range,
            )
            .await?
        {
            if let Some(i) = at(r.text(0)?) {
                batch[i].plan_agreed = r.get(1)?;
            }
        }
        // Visits are read as the case's pathway reads them: an entry that does not parse is
        // left out rather than failing the whole count.
        for r in db
            .rows(
                &format!(
                    "SELECT e.case_id, e.body
                     FROM pathway_entries e JOIN cases c ON c.id = e.case_id
                     WHERE e.case_id BETWEEN ?1 AND ?2 AND {OPEN} AND e.kind = 'follow_up'
                     ORDER BY e.case_id, e.entry_date, e.rowid"
                ),
                &range,
            )
            .await?
        {
            if let (Some(i), Ok(v)) = (
                at(r.text(0)?),
                serde_json::from_str::<FollowUpVisit>(r.text(1)?),
            ) {
                batch[i].visits.push((v.scheduled, v.date));
            }
        }
        for r in db
            .rows(
                &format!(
                    "SELECT s.case_id, s.round, s.interview_date
                     FROM rss_scores s JOIN cases c ON c.id = s.case_id
                     WHERE s.case_id BETWEEN ?1 AND ?2 AND {OPEN}
                     ORDER BY s.case_id, s.interview_date, s.round"
                ),
                &range,
            )
            .await?
        {
            if let Some(i) = at(r.text(0)?) {
                batch[i]
                    .surveys
                    .push((named(1, r.text(1)?, Round::parse)?, r.get(2)?));
            }
        }
        if (cases.len() as i64) < FOLLOW_UP_BATCH {
            break;
        }
        after = last;
    }
    Ok(out)
}
