//! The pathway on a SQLite connection, for the parts not yet written against
//! [`crate::sql::Db`] (spot checks, start-up, files and backups): the shared SQL in
//! [`crate::sql::pathway`] and [`crate::sql::programme`], run at once.

use rusqlite::Connection;

use super::Lite;
use crate::model::{Entry, NewEntry};
use crate::sql::{now, pathway, programme};
use crate::{AuditContext, Result};

pub(crate) fn add_entry(c: &Connection, e: &NewEntry, audit: &AuditContext) -> Result<Entry> {
    now(pathway::add_entry(&Lite(c), e, audit))
}

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
