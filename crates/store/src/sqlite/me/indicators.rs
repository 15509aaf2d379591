//! Survey figures on SQLite: the surveys and the cases read side by side in case order and
//! merged (PostgreSQL counts them with the grouped query of `crate::sql::me::indicators`).

use std::collections::BTreeMap;

use domain::me::{Axis, Frequency, Source, Tally};
use rusqlite::Connection;

use crate::model::{TallyQuery, TallyRow};
use crate::sql::me::query::{assistance, axis, condition, reach};
use crate::sql::{Engine, Value, now};
use crate::sqlite::Lite;
use crate::{Result, StoreError};

/// An indicator's figures on SQLite: survey figures by the merge below, the others by the
/// grouped query both engines share.
pub(crate) fn tallies(c: &Connection, q: &TallyQuery) -> Result<Vec<TallyRow>> {
    if q.computation.source == Source::Surveys {
        return survey_tallies(c, q);
    }
    now(crate::sql::me::indicators::tallies(&Lite(c), q))
}

/// Whether a piece of SQL reads a column of the cases' table (alias `c`).
fn uses_case(sql: &str) -> bool {
    sql.match_indices("c.").any(|(i, _)| {
        i == 0 || !sql.as_bytes()[i - 1].is_ascii_alphanumeric() && sql.as_bytes()[i - 1] != b'_'
    })
}

/// SQL conditions split by the table they read, each side with its parameters.
#[derive(Default)]
struct Side {
    conditions: Vec<String>,
    params: Vec<Value>,
}

impl Side {
    fn push(&mut self, sql: String, params: Vec<Value>) {
        self.conditions.push(sql);
        self.params.extend(params);
    }

    fn all(&self) -> String {
        if self.conditions.is_empty() {
            "1 = 1".into()
        } else {
            self.conditions.join(" AND ")
        }
    }
}

/// Survey figures, counted as returnees. Joining 3 million surveys to their cases one lookup at
/// a time is what made a large programme slow, so the two tables are read side by side instead,
/// both in case order from covering indexes (`rss_scores_by_case`, `cases_facts`), and merged
/// here; each side's conditions still run in SQL. A returnee counts once per period and group,
/// and in the numerator when any of their surveys there meets it.
fn survey_tallies(c: &Connection, q: &TallyQuery) -> Result<Vec<TallyRow>> {
    let source = Source::Surveys;
    let (mut surveys, mut cases) = (Side::default(), Side::default());
    let (mut hit_surveys, mut hit_cases) = (Side::default(), Side::default());
    let split = |cond: &domain::me::Condition, s: &mut Side, k: &mut Side| -> Result<()> {
        let mut params = Vec::new();
        let sql = condition(source, cond, &mut params)?;
        if uses_case(&sql) {
            k.push(sql, params);
        } else {
            s.push(sql, params);
        }
        Ok(())
    };
    for cond in &q.computation.population {
        split(cond, &mut surveys, &mut cases)?;
    }
    for cond in &q.computation.numerator {
        split(cond, &mut hit_surveys, &mut hit_cases)?;
    }
    for (sql, values) in reach(q, Engine::Sqlite) {
        cases.push(sql, values);
    }
    let group = match q.axis {
        Some(a) => Some(axis(a, source, &q.age_bands).ok_or_else(|| {
            StoreError::Database(format!("no {} breakdown for surveys", a.as_str()))
        })?),
        None => None,
    };
    // Every breakdown but the survey round is a property of the case.
    let group_of_case = group.is_some() && q.axis != Some(Axis::Round);
    let need_cases =
        group_of_case || !cases.conditions.is_empty() || !hit_cases.conditions.is_empty();

    let survey_sql = format!(
        "SELECT s.case_id,
             CAST(substr(s.interview_date, 1, 4) AS INTEGER) * 100
                 + CAST(substr(s.interview_date, 6, 2) AS INTEGER),
             {group}, {hit}
         FROM rss_scores s INDEXED BY rss_scores_by_case
         WHERE s.interview_date >= ? AND s.interview_date <= ? AND {filters}
         ORDER BY s.case_id",
        group = if group_of_case {
            "NULL"
        } else {
            group.as_deref().unwrap_or("NULL")
        },
        hit = hit_surveys.all(),
        filters = surveys.all(),
    );
    let mut survey_params = hit_surveys.params;
    survey_params.push(Value::Text(q.from.to_string()));
    survey_params.push(Value::Text(q.to.to_string()));
    survey_params.extend(surveys.params);
    let case_sql = format!(
        "SELECT c.id, {group}, {hit} FROM cases c INDEXED BY cases_facts {assistance}
         WHERE {filters} ORDER BY c.id",
        assistance = if q.axis == Some(Axis::Assistance) {
            format!("LEFT JOIN {} a ON a.case_id = c.id", assistance())
        } else {
            String::new()
        },
        group = if group_of_case {
            group.as_deref().unwrap_or("NULL")
        } else {
            "NULL"
        },
        hit = hit_cases.all(),
        filters = cases.all(),
    );
    let mut case_params = hit_cases.params;
    case_params.extend(cases.params);

    let mut survey_stmt = c.prepare_cached(&survey_sql)?;
    let mut survey_rows = survey_stmt.query(rusqlite::params_from_iter(survey_params))?;
    let mut case_stmt = c.prepare_cached(&case_sql)?;
    let mut case_rows = if need_cases {
        Some(case_stmt.query(rusqlite::params_from_iter(case_params))?)
    } else {
        None
    };

    // Cells are keyed by the year and first month of their period (yyyymm) until the end.
    let frequency = q.computation.frequency;
    let period_of = |yyyymm: u32| {
        let (year, month) = (yyyymm / 100, yyyymm % 100);
        let first = match frequency {
            Frequency::Monthly => month,
            Frequency::Quarterly => (month.max(1) - 1) / 3 * 3 + 1,
            Frequency::Yearly => 1,
        };
        year * 100 + first
    };
    let label = |key: u32| {
        let start = time::Month::try_from((key % 100) as u8)
            .ok()
            .and_then(|m| time::Date::from_calendar_date((key / 100) as i32, m, 1).ok())
            .unwrap_or(time::Date::MIN);
        domain::me::Period::containing(frequency, start).label()
    };
    let mut out: BTreeMap<(u32, Option<String>), Tally> = BTreeMap::new();
    // The current returnee: their id, whether their case passes (with its group and its part
    // of the numerator), and the cells their surveys fall in.
    let mut current: Vec<u8> = Vec::new();
    // A case has one group, or several for the type of assistance.
    let mut case_side: Option<(Vec<Option<String>>, bool)> = Some((vec![None], true));
    let mut cells: Vec<(u32, Option<String>, bool)> = Vec::new();
    // The case row read ahead of the surveys, if any.
    let mut pending: Option<(Vec<u8>, Option<String>, bool)> = None;
    let flush = |cells: &mut Vec<(u32, Option<String>, bool)>,
                 out: &mut BTreeMap<(u32, Option<String>), Tally>| {
        for (p, g, hit) in cells.drain(..) {
            let t = out.entry((p, g)).or_default();
            t.population += 1;
            t.numerator += u64::from(hit);
        }
    };
    while let Some(r) = survey_rows.next()? {
        let id = r.get_ref(0)?.as_bytes().map_err(rusqlite::Error::from)?;
        if id != current.as_slice() {
            flush(&mut cells, &mut out);
            current.clear();
            current.extend_from_slice(id);
            if let Some(rows) = case_rows.as_mut() {
                // Move the cases forward to this returnee; a case not returned was filtered out.
                case_side = None;
                let mut groups = Vec::new();
                let mut hit = false;
                loop {
                    if pending.is_none() {
                        pending = match rows.next()? {
                            Some(cr) => Some((
                                cr.get_ref(0)?
                                    .as_bytes()
                                    .map_err(rusqlite::Error::from)?
                                    .to_vec(),
                                cr.get(1)?,
                                cr.get::<_, Option<bool>>(2)?.unwrap_or(false),
                            )),
                            None => break,
                        };
                    }
                    let Some((case_id, _, _)) = pending.as_ref() else {
                        break;
                    };
                    match case_id.as_slice().cmp(current.as_slice()) {
                        std::cmp::Ordering::Less => pending = None,
                        std::cmp::Ordering::Equal => {
                            let (_, g, h) = pending.take().unwrap_or_default();
                            groups.push(g);
                            hit = h;
                        }
                        std::cmp::Ordering::Greater => break,
                    }
                }
                if !groups.is_empty() {
                    case_side = Some((groups, hit));
                }
            }
        }
        let Some((case_groups, case_hit)) = case_side.as_ref() else {
            continue;
        };
        let period = period_of(r.get(1)?);
        let hit = *case_hit && r.get::<_, Option<bool>>(3)?.unwrap_or(false);
        let survey_group: [Option<String>; 1] = [if group_of_case { None } else { r.get(2)? }];
        for group in if group_of_case {
            case_groups.as_slice()
        } else {
            &survey_group
        } {
            match cells
                .iter_mut()
                .find(|(p, g, _)| *p == period && g == group)
            {
                Some(cell) => cell.2 |= hit,
                None => cells.push((period, group.clone(), hit)),
            }
        }
    }
    flush(&mut cells, &mut out);
    Ok(out
        .into_iter()
        .map(|((period, group), tally)| TallyRow {
            period: label(period),
            group,
            tally,
        })
        .collect())
}
