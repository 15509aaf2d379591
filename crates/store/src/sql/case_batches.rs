//! Cases read many at a time: an export walking a list of any length, and the candidates of a
//! duplicate check (for one registration, or every row of an import file).

use super::case_list::{Plan, where_clause};
use super::cases::{CASE_COLUMNS, CASE_FROM, record, with_children};
use super::{Db, Value};
use crate::{CaseQuery, CaseRecord, Result, StoreError};

/// The most keys one look-up takes.
const MAX_KEYS: usize = 500;

/// Whole records of the cases in `scope`, not anonymised, filed under any of `keys` for the
/// duplicate check (`domain::duplicates`): the candidates of a check for one or many people.
pub(crate) async fn with_match_keys<D: Db>(
    db: &D,
    scope: domain::authz::CaseListScope,
    keys: &[String],
) -> Result<Vec<CaseRecord>> {
    if keys.len() > MAX_KEYS {
        return Err(StoreError::Database(format!(
            "at most {MAX_KEYS} keys at a time"
        )));
    }
    let Some(last) = keys.last() else {
        return Ok(Vec::new());
    };
    let (where_sql, mut args) = where_clause(&CaseQuery::new(scope), Plan::Narrow, db.engine());
    // The list of keys is padded (with the last key again) to a power of two: both engines
    // keep each statement text prepared per connection, and a handful of list lengths keeps
    // that to a handful of statements instead of one per number of keys.
    let slots = keys.len().next_power_of_two().max(8);
    let first = args.len() + 1;
    args.extend(
        keys.iter()
            .chain(std::iter::repeat(last))
            .take(slots)
            .map(Value::from),
    );
    let list: Vec<String> = (first..first + slots).map(|i| format!("?{i}")).collect();
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
    let sql = format!("SELECT {CASE_COLUMNS} {CASE_FROM} {where_sql}");
    let mut cases = db
        .rows(&sql, &args)
        .await?
        .iter()
        .map(record)
        .collect::<Result<Vec<_>>>()?;
    for case in &mut cases {
        with_children(db, case).await?;
    }
    Ok(cases)
}

/// The next `limit` whole case records of a case list query after the case number `after`, in
/// case-number order: an export walks the list with these, never with deep offsets.
pub(crate) async fn export_page<D: Db>(
    db: &D,
    q: &CaseQuery,
    after: Option<&str>,
    limit: u32,
) -> Result<Vec<CaseRecord>> {
    let (where_sql, mut args) = where_clause(q, Plan::Broad, db.engine());
    args.push(after.unwrap_or("").into());
    let after_arg = format!("c.case_number > ?{}", args.len());
    let where_sql = if where_sql.is_empty() {
        format!("WHERE {after_arg}")
    } else {
        format!("{where_sql} AND {after_arg}")
    };
    let sql = format!(
        "SELECT {CASE_COLUMNS} {CASE_FROM}
         {where_sql}
         ORDER BY c.case_number
         LIMIT {}",
        limit.clamp(1, 5_000)
    );
    let mut cases = db
        .rows(&sql, &args)
        .await?
        .iter()
        .map(record)
        .collect::<Result<Vec<_>>>()?;
    for case in &mut cases {
        with_children(db, case).await?;
    }
    Ok(cases)
}
