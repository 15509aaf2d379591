//! Programme settings on a SQLite connection, for SQLite's own start-up, files secret and
//! backups: the shared SQL in [`crate::sql::programme`], run at once.

use rusqlite::Connection;

use super::Lite;
use crate::sql::{now, programme};
use crate::{AuditContext, Result};

pub(crate) fn setting(c: &Connection, key: &str) -> Result<Option<String>> {
    now(programme::setting(&Lite(c), key))
}

pub(crate) fn set_setting(
    c: &Connection,
    key: &str,
    value: &str,
    audit: &AuditContext,
) -> Result<()> {
    now(programme::set_setting(&Lite(c), key, value, audit))
}
