//! The keys of the duplicate check on a SQLite connection: the shared SQL in
//! [`crate::sql::match_keys`], run at once, for the parts not yet written against
//! [`crate::sql::Db`], and the filing again that opening the store does.

use domain::CaseId;
use rusqlite::{Connection, TransactionBehavior};

use super::Lite;
use crate::Result;
use crate::sql::{match_keys, now};

/// Takes a case out of the duplicate check (anonymised: nothing left to match on).
pub(crate) fn forget(c: &Connection, case: CaseId) -> Result<()> {
    now(match_keys::forget(&Lite(c), case))
}

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
