//! The audit log on a SQLite connection, for the parts not yet written against
//! [`crate::sql::Db`]: the shared SQL in [`crate::sql::audit`], run at once.

use rusqlite::Connection;

use super::Lite;
use crate::Result;
use crate::model::NewAuditEntry;
use crate::sql::{audit, now};

pub(crate) fn insert(c: &Connection, e: &NewAuditEntry) -> Result<()> {
    now(audit::insert(&Lite(c), e))
}
