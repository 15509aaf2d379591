//! Cases read many at a time: an export walking a list of any length, and the candidates of a
//! duplicate check (for one registration, or every row of an import file).

use rusqlite::types::Value;
use rusqlite::{Connection, params_from_iter};

use super::cases::{CASE_COLUMNS, Plan, case_row, where_clause, with_children};
use crate::{CaseQuery, CaseRecord, Result};

/// Whole records of the cases in `scope`, not anonymised, filed under any of `keys` for the
/// duplicate check (`domain::duplicates`): the candidates of a check for one or many people.
pub(crate) fn with_match_keys(
    c: &Connection,
    scope: domain::authz::CaseListScope,
    keys: &[String],
) -> Result<Vec<CaseRecord>> {
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    let (where_sql, mut args) = where_clause(&CaseQuery::new(scope), Plan::Narrow);
    let first = args.len() + 1;
    args.extend(keys.iter().map(|k| Value::from(k.clone())));
    let list: Vec<String> = (first..first + keys.len())
        .map(|i| format!("?{i}"))
        .collect();
    let keys_sql = format!(
        "c.id IN (SELECT case_id FROM case_match_keys WHERE key IN ({})) \
         AND c.anonymised_at IS NULL",
        list.join(", ")
    );
    let where_sql = if where_sql.is_empty() {
        format!("WHERE {keys_sql}")
    } else {
        format!("{where_sql} AND {keys_sql}")
    };
    let sql = format!(
        "SELECT {CASE_COLUMNS} FROM cases c
             JOIN offices o ON o.id = c.office_id
             LEFT JOIN users cm ON cm.id = c.case_manager_id
             {where_sql}"
    );
    let mut stmt = c.prepare(&sql)?;
    let mut cases = stmt
        .query_map(params_from_iter(args.iter()), case_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    for case in &mut cases {
        with_children(c, case)?;
    }
    Ok(cases)
}

/// The next `limit` whole case records of a case list query after the case number `after`, in
/// case-number order: an export walks the list with these, never with deep offsets.
pub(crate) fn export_page(
    c: &Connection,
    q: &CaseQuery,
    after: Option<&str>,
    limit: u32,
) -> Result<Vec<CaseRecord>> {
    let (where_sql, mut args) = where_clause(q, Plan::Broad);
    args.push(after.unwrap_or("").to_string().into());
    let after_arg = format!("c.case_number > ?{}", args.len());
    let where_sql = if where_sql.is_empty() {
        format!("WHERE {after_arg}")
    } else {
        format!("{where_sql} AND {after_arg}")
    };
    let sql = format!(
        "SELECT {CASE_COLUMNS} FROM cases c
             JOIN offices o ON o.id = c.office_id
             LEFT JOIN users cm ON cm.id = c.case_manager_id
             {where_sql}
             ORDER BY c.case_number
             LIMIT {}",
        limit.clamp(1, 5_000)
    );
    let mut stmt = c.prepare_cached(&sql)?;
    let mut cases = stmt
        .query_map(params_from_iter(args.iter()), case_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    for case in &mut cases {
        with_children(c, case)?;
    }
    Ok(cases)
}
