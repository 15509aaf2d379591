//! What the dashboards read of every survey and open case, on SQLite: whole tables scanned in
//! case order (over covering indexes held with `INDEXED BY`) and merged in Rust, a row at a
//! time. PostgreSQL's forms are in `crate::sql::me::dashboards`.

use std::collections::BTreeMap;

use rusqlite::Connection;

use crate::Result;

/// The follow-up facts of the open cases, read in four passes (cases, plans, visits, surveys)
/// rather than case by case.
pub(crate) fn follow_up_facts(
    c: &Connection,
    office: Option<domain::OfficeId>,
) -> Result<Vec<crate::model::FollowUpFacts>> {
    use domain::case::Vulnerability;
    let codes: std::collections::HashMap<String, String> = c
        .prepare_cached("SELECT id, code FROM offices")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    // The open cases in case order, from an index that holds what is needed (`cases_followup`).
    let mut ids: Vec<String> = Vec::new();
    let mut out = Vec::new();
    let mut stmt = c.prepare_cached(
        "SELECT c.id, c.office_id, c.return_date,
             EXISTS (SELECT 1 FROM case_vulnerabilities v
                     WHERE v.case_id = c.id AND v.vulnerability = ?2)
         FROM cases c INDEXED BY cases_followup
         WHERE c.stage != 'closed' AND (?1 IS NULL OR c.office_id = ?1)
         ORDER BY c.id",
    )?;
    let mut rows = stmt.query(rusqlite::params![
        office.map(|o| o.to_string()),
        Vulnerability::TraffickingVictim.as_str()
    ])?;
    while let Some(r) = rows.next()? {
        let id: String = r.get(0)?;
        out.push(crate::model::FollowUpFacts {
            case: domain::CaseId(crate::sqlite::parse_uuid(0, &id)?),
            office_code: codes
                .get(&r.get::<_, String>(1)?)
                .cloned()
                .unwrap_or_default(),
            return_date: crate::sqlite::cases::date_col(2, &r.get::<_, String>(2)?)?,
            trafficking_victim: r.get(3)?,
            plan_agreed: None,
            visits: Vec::new(),
            surveys: Vec::new(),
        });
        ids.push(id);
    }
    // The other passes read their whole tables and keep the rows of the cases found above:
    // joining each row to its case would cost a lookup per row.
    let at = |id: &str| ids.binary_search_by(|x| x.as_str().cmp(id)).ok();
    // The first approved plan's agreement, as the case's pathway reads it.
    let mut stmt = c.prepare_cached(
        "SELECT p.case_id, p.agreed_on FROM plan_versions p
         WHERE p.approved_at IS NOT NULL ORDER BY p.case_id, p.version DESC",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        if let (Some(i), Some(d)) = (
            at(r.get_ref(0)?.as_str().map_err(rusqlite::Error::from)?),
            r.get::<_, Option<String>>(1)?,
        ) {
            out[i].plan_agreed = Some(crate::sqlite::cases::date_col(1, &d)?);
        }
    }
    // Visits are read as the case's pathway reads them: an entry that does not parse is left
    // out rather than failing the whole count.
    let mut stmt = c.prepare_cached(
        "SELECT e.case_id, e.body FROM pathway_entries e WHERE e.kind = 'follow_up'",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        if let (Some(i), Ok(v)) = (
            at(r.get_ref(0)?.as_str().map_err(rusqlite::Error::from)?),
            serde_json::from_str::<domain::pathway::followup::FollowUpVisit>(
                &r.get::<_, String>(1)?,
            ),
        ) {
            out[i].visits.push((v.scheduled, v.date));
        }
    }
    // Surveys in case order, merged with the cases.
    let mut stmt = c.prepare_cached(
        "SELECT s.case_id, s.round, s.interview_date FROM rss_scores s
         INDEXED BY rss_scores_by_case ORDER BY s.case_id",
    )?;
    let mut rows = stmt.query([])?;
    let mut next = 0;
    while let Some(r) = rows.next()? {
        let id = r.get_ref(0)?.as_str().map_err(rusqlite::Error::from)?;
        while next < ids.len() && ids[next].as_str() < id {
            next += 1;
        }
        if next < ids.len() && ids[next] == id {
            let round =
                crate::sqlite::parse_named(1, &r.get::<_, String>(1)?, domain::rss::Round::parse)?;
            out[next].surveys.push((
                round,
                crate::sqlite::cases::date_col(2, &r.get::<_, String>(2)?)?,
            ));
        }
    }
    Ok(out)
}

/// Mean value of each question per province, over each returnee's latest survey (of two on
/// one day, the one recorded last). The surveys and the cases are read side by side in case
/// order, as for indicators; only the latest survey of each returnee is then opened.
pub(crate) fn item_means(
    c: &Connection,
    office: Option<domain::OfficeId>,
) -> Result<Vec<crate::model::ItemMean>> {
    /// The part of a breakdown line read here.
    #[derive(serde::Deserialize)]
    struct Item {
        question: u8,
        #[serde(default)]
        name: String,
        value: Option<f64>,
    }
    // Each returnee's latest survey: the highest date, then the highest row id.
    let mut latest: Vec<(Vec<u8>, i64)> = Vec::new();
    {
        let mut stmt = c.prepare_cached(
            "SELECT s.case_id, s.interview_date, s.rowid FROM rss_scores s
             INDEXED BY rss_scores_by_case ORDER BY s.case_id",
        )?;
        let mut rows = stmt.query([])?;
        let mut best: Option<(Vec<u8>, String, i64)> = None;
        while let Some(r) = rows.next()? {
            let id = r.get_ref(0)?.as_bytes().map_err(rusqlite::Error::from)?;
            let date: String = r.get(1)?;
            let rowid: i64 = r.get(2)?;
            match best.as_mut() {
                Some((case, d, row)) if case.as_slice() == id => {
                    if (date.as_str(), rowid) > (d.as_str(), *row) {
                        *d = date;
                        *row = rowid;
                    }
                }
                _ => {
                    if let Some((case, _, row)) = best.take() {
                        latest.push((case, row));
                    }
                    best = Some((id.to_vec(), date, rowid));
                }
            }
        }
        if let Some((case, _, row)) = best {
            latest.push((case, row));
        }
    }
    // Their provinces, for the cases in scope, merged in the same order.
    let mut placed: Vec<(String, i64)> = Vec::new();
    {
        let mut stmt = c.prepare_cached(
            "SELECT c.id, c.return_province FROM cases c INDEXED BY cases_facts
             WHERE ?1 IS NULL OR c.office_id = ?1 ORDER BY c.id",
        )?;
        let mut rows = stmt.query([office.map(|o| o.to_string())])?;
        let mut surveys = latest.iter().peekable();
        while let Some(r) = rows.next()? {
            let id = r.get_ref(0)?.as_bytes().map_err(rusqlite::Error::from)?;
            while surveys.next_if(|(case, _)| case.as_slice() < id).is_some() {}
            if let Some((_, row)) = surveys.next_if(|(case, _)| case.as_slice() == id) {
                placed.push((r.get(1)?, *row));
            }
        }
    }
    // The surveys are read front to back, in row order, keeping the latest ones: a lookup per
    // returnee would cost more than the scan.
    placed.sort_by_key(|(_, row)| *row);
    let mut stmt = c.prepare_cached("SELECT rowid, breakdown FROM rss_scores ORDER BY rowid")?;
    let mut rows = stmt.query([])?;
    let mut wanted = placed.into_iter().peekable();
    // Per province and question: the name, the sum and count of values, the returnees.
    let mut cells: BTreeMap<(u8, String), (String, f64, u64, u64)> = BTreeMap::new();
    while let Some(r) = rows.next()? {
        if wanted.peek().is_none() {
            break;
        }
        let rowid: i64 = r.get(0)?;
        let Some((province, _)) = wanted.next_if(|(_, row)| *row == rowid) else {
            continue;
        };
        // A survey scored before breakdowns were kept, or one that does not read, adds nothing.
        let breakdown = r.get_ref(1)?.as_str().map_err(rusqlite::Error::from)?;
        let Ok(items) = serde_json::from_str::<Vec<Item>>(breakdown) else {
            continue;
        };
        for item in items {
            let cell = cells
                .entry((item.question, province.clone()))
                .or_insert_with(|| (item.name.clone(), 0.0, 0, 0));
            cell.3 += 1;
            if let Some(v) = item.value {
                cell.1 += v;
                cell.2 += 1;
            }
        }
    }
    Ok(cells
        .into_iter()
        .map(
            |((question, province), (name, sum, answered, returnees))| crate::model::ItemMean {
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

/// What the dashboards show of the surveys, in one pass over them in case order (a returnee's
/// surveys side by side, so distinct returnees need no sort): per round, the surveys, the
/// returnees and the average of each score; the returnees per tenth of the composite score (a
/// score of 1 in the last tenth); and the returnees in each support band, `bands` being the
/// scoring model's limits. A returnee surveyed twice in a round counts once in the round, and
/// once under each tenth and band their scores fell in.
pub(crate) fn survey_summary(
    c: &Connection,
    office: Option<domain::OfficeId>,
    (low, high): (f64, f64),
) -> Result<crate::model::SurveySummary> {
    use crate::model::{RoundMeans, ScoreBin};
    use domain::rss::Round;
    let columns = "s.case_id, s.round, s.economic, s.social, s.psychosocial, s.composite";
    let sql = match office {
        None => format!(
            "SELECT {columns} FROM rss_scores s INDEXED BY rss_scores_by_case ORDER BY s.case_id"
        ),
        Some(_) => format!(
            "SELECT {columns} FROM cases c JOIN rss_scores s ON s.case_id = c.id
             WHERE c.office_id = ?1 ORDER BY s.case_id"
        ),
    };
    let mut stmt = c.prepare_cached(&sql)?;
    let mut rows = match office {
        None => stmt.query([])?,
        Some(o) => stmt.query([o.to_string()])?,
    };
    #[derive(Default)]
    struct PerRound {
        surveys: u64,
        returnees: u64,
        sums: [f64; 4],
        counts: [u64; 4],
        tenths: [u64; 10],
        bands: [u64; 3],
    }
    let mut per_round: BTreeMap<Round, PerRound> = BTreeMap::new();
    // The current returnee's rounds, tenths and bands, settled when the next one begins.
    let mut current: Vec<u8> = Vec::new();
    let mut seen: Vec<(Round, Option<usize>, Option<usize>)> = Vec::new();
    let settle = |seen: &mut Vec<(Round, Option<usize>, Option<usize>)>,
                  per_round: &mut BTreeMap<Round, PerRound>| {
        seen.sort();
        seen.dedup();
        let mut last_round = None;
        let mut tenths_seen: Vec<(Round, usize)> = Vec::new();
        let mut bands_seen: Vec<(Round, usize)> = Vec::new();
        for (round, tenth, band) in seen.drain(..) {
            let r = per_round.entry(round).or_default();
            if last_round != Some(round) {
                r.returnees += 1;
                last_round = Some(round);
            }
            if let Some(t) = tenth.filter(|t| !tenths_seen.contains(&(round, *t))) {
                r.tenths[t] += 1;
                tenths_seen.push((round, t));
            }
            if let Some(b) = band.filter(|b| !bands_seen.contains(&(round, *b))) {
                r.bands[b] += 1;
                bands_seen.push((round, b));
            }
        }
    };
    while let Some(row) = rows.next()? {
        let id = row.get_ref(0)?.as_bytes().map_err(rusqlite::Error::from)?;
        if id != current.as_slice() {
            settle(&mut seen, &mut per_round);
            current.clear();
            current.extend_from_slice(id);
        }
        let round = crate::sqlite::parse_named(1, &row.get::<_, String>(1)?, Round::parse)?;
        let r = per_round.entry(round).or_default();
        r.surveys += 1;
        let mut composite = None;
        for i in 0..4 {
            if let Some(v) = row.get::<_, Option<f64>>(2 + i)? {
                r.sums[i] += v;
                r.counts[i] += 1;
                if i == 3 {
                    composite = Some(v);
                }
            }
        }
        let tenth = composite.map(|v| ((v * 10.0).floor().max(0.0) as usize).min(9));
        let band = composite.map(|v| {
            if v < low {
                0
            } else if v > high {
                2
            } else {
                1
            }
        });
        seen.push((round, tenth, band));
    }
    settle(&mut seen, &mut per_round);
    let mut summary = crate::model::SurveySummary::default();
    for (round, r) in per_round {
        let mean = |i: usize| (r.counts[i] > 0).then(|| r.sums[i] / r.counts[i] as f64);
        summary.means.push(RoundMeans {
            round,
            surveys: r.surveys,
            returnees: r.returnees,
            economic: mean(0),
            social: mean(1),
            psychosocial: mean(2),
            composite: mean(3),
        });
        for (tenth, n) in r.tenths.iter().enumerate().filter(|(_, n)| **n > 0) {
            summary.bins.push(ScoreBin {
                round,
                tenth: tenth as u8,
                returnees: *n,
            });
        }
        summary.bands.push((round, r.bands));
    }
    Ok(summary)
}
