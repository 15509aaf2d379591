//! Cases on a SQLite connection, for SQLite's own bulk loads and M&E reads: the shared SQL in
//! [`crate::sql::cases`], run at once, and a date reader for rusqlite rows.

use rusqlite::Connection;
use time::Date;

use super::{Lite, parse_named};
use crate::model::*;
use crate::sql::{cases, now};
use crate::{AuditContext, Result};

pub(crate) fn date_col(idx: usize, s: &str) -> rusqlite::Result<Date> {
    parse_named(idx, s, domain::case::date::parse)
}

pub(crate) fn insert(c: &Connection, case: &NewCase, audit: &AuditContext) -> Result<()> {
    now(cases::insert(&Lite(c), case, audit))
}
