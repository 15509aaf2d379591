//! Cases on a SQLite connection, for the parts not yet written against [`crate::sql::Db`]:
//! the shared SQL in [`crate::sql::cases`], run at once, and the date reader those parts use.

use domain::case::ReturneeProfile;
use domain::{CaseId, CaseNumber};
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

pub(crate) fn write_children(
    c: &Connection,
    case: CaseId,
    p: &ReturneeProfile,
    number: &CaseNumber,
) -> Result<()> {
    now(cases::write_children(&Lite(c), case, p, number))
}

pub(crate) fn update(c: &Connection, u: &CaseUpdate, audit: &AuditContext) -> Result<()> {
    now(cases::update(&Lite(c), u, audit))
}

pub(crate) fn get(c: &Connection, id: CaseId) -> Result<CaseRecord> {
    now(cases::get(&Lite(c), id))
}

pub(crate) fn id_by_number(c: &Connection, number: &str) -> Result<Option<CaseId>> {
    now(cases::id_by_number(&Lite(c), number))
}
