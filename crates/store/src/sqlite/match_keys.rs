//! The filing again of the duplicate check's keys that opening a SQLite store does: the shared
//! SQL in [`crate::sql::match_keys`], run at once on the writer connection.

use rusqlite::{Connection, TransactionBehavior};

use super::Lite;
use crate::Result;
use crate::sql::{match_keys, now};

/// Files every case again when the keys follow other rules than these (after the migration
/// that added them, or a change of rules), in one transaction. Returns how many were filed.
/// Run by `SqliteStore::open_with` on the writer connection before the writer thread starts.
pub(crate) fn refile_if_needed(conn: &mut Connection) -> Result<usize> {
    if now(match_keys::up_to_date(&Lite(conn)))? {
        return Ok(0);
    }
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let n = now(match_keys::refile(&Lite(&tx)))?;
    tx.commit()?;
    Ok(n)
}
