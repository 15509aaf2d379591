//! Indicator figures counted where the records are, and the records behind one figure: one
//! grouped query per indicator, built by [`super::query`].

use domain::CaseId;
use domain::me::{Op, Tally};

use super::query::parts;
use crate::Result;
use crate::model::{TallyQuery, TallyRow};
use crate::sql::{Db, Engine, Value};

/// An indicator's figures per period and group, from one grouped query. On SQLite, survey
/// figures are counted by the merge of `sqlite::me::survey_tallies` instead (a join of millions
/// of surveys to their cases is a lookup per survey there); PostgreSQL's planner joins them by
/// hashing, so there the grouped query serves every source. (Counting each returnee once per
/// cell first and the cells after, to avoid the distinct counts' sorts, measured slower there.)
pub(crate) async fn tallies<D: Db>(db: &D, q: &TallyQuery) -> Result<Vec<TallyRow>> {
    let p = parts(q, db.engine())?;
    let sql = format!(
        "SELECT {period} AS p, {group} AS g, COUNT(DISTINCT {counted}),
             COUNT(DISTINCT CASE WHEN {numerator} THEN {counted} END)
         FROM {tables}
         WHERE {filters}
         GROUP BY p, g
         ORDER BY p, g",
        period = p.period,
        group = p.group,
        counted = p.counted,
        numerator = p.numerator,
        tables = p.tables,
        filters = p.filters.join(" AND "),
    );
    let mut rows = db
        .rows(&sql, &p.params)
        .await?
        .iter()
        .map(|r| {
            Ok(TallyRow {
                period: r.get(0)?,
                group: r.get(1)?,
                tally: Tally {
                    population: r.get::<i64>(2)?.max(0) as u64,
                    numerator: r.get::<i64>(3)?.max(0) as u64,
                },
            })
        })
        .collect::<Result<Vec<_>>>()?;
    // The unknown group first, as SQLite orders NULLs (PostgreSQL puts them last).
    if db.engine() == Engine::Postgres {
        rows.sort_by(|a, b| (&a.period, &a.group).cmp(&(&b.period, &b.group)));
    }
    Ok(rows)
}

/// The cases behind one cell of an indicator (those meeting it, for a percentage), at most
/// `limit`, by case number.
pub(crate) async fn tally_cases<D: Db>(
    db: &D,
    q: &TallyQuery,
    period_label: &str,
    group: Option<&str>,
    limit: u32,
) -> Result<Vec<CaseId>> {
    let mut p = parts(q, db.engine())?;
    let numerator_params: Vec<Value> = {
        // The numerator's parameters come first in `params`; its conditions join the filters.
        let n = q
            .computation
            .numerator
            .iter()
            .map(|c| {
                if c.op == Op::OneOf {
                    c.value.split(',').filter(|v| !v.trim().is_empty()).count()
                } else {
                    1
                }
            })
            .sum::<usize>();
        p.params.drain(..n).collect()
    };
    let mut params = p.params;
    params.extend(numerator_params);
    params.push(Value::Text(period_label.to_string()));
    let group_filter = match group {
        Some(g) => {
            params.push(Value::Text(g.to_string()));
            format!("{} = ?", p.group)
        }
        None if q.axis.is_some() => format!("{} IS NULL", p.group),
        None => "1 = 1".into(),
    };
    params.push(Value::Int(i64::from(limit)));
    let sql = format!(
        "SELECT DISTINCT c.id, c.case_number FROM {tables}
         WHERE {filters} AND {numerator} AND {period} = ? AND {group_filter}
         ORDER BY c.case_number LIMIT ?",
        tables = p.tables,
        filters = p.filters.join(" AND "),
        numerator = p.numerator,
        period = p.period,
    );
    db.rows(&sql, &params)
        .await?
        .iter()
        .map(|r| Ok(CaseId(r.get(0)?)))
        .collect()
}
