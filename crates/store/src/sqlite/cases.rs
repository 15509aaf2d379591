//! Cases on a SQLite connection, for the parts not yet written against [`crate::sql::Db`]:
//! the shared SQL in [`crate::sql::cases`], run at once, and the row readers those parts use.

use domain::CaseId;
use domain::case::{CaseStage, Sex};
use rusqlite::{Connection, Row};
use time::Date;

use super::{Lite, parse_named, parse_uuid};
use crate::model::*;
use crate::sql::{cases, now};
use crate::{AuditContext, Result};

pub(crate) use crate::sql::cases::{SUMMARY_COLUMNS, SUMMARY_FROM};

pub(crate) fn date_col(idx: usize, s: &str) -> rusqlite::Result<Date> {
    parse_named(idx, s, domain::case::date::parse)
}

/// Reads a [`CaseSummary`] from the first twelve columns ([`SUMMARY_COLUMNS`]) of a rusqlite
/// row; the shared SQL reads them with [`crate::sql::cases::summary`].
pub(crate) fn summary_row(r: &Row<'_>) -> rusqlite::Result<CaseSummary> {
    Ok(CaseSummary {
        id: CaseId(parse_uuid(0, &r.get::<_, String>(0)?)?),
        number: r.get(1)?,
        given_name: r.get(2)?,
        family_name: r.get(3)?,
        sex: parse_named(4, &r.get::<_, String>(4)?, Sex::parse)?,
        age_at_return: r.get(5)?,
        return_date: date_col(6, &r.get::<_, String>(6)?)?,
        return_province: r.get(7)?,
        office_code: r.get(8)?,
        case_manager_name: r.get(9)?,
        stage: parse_named(10, &r.get::<_, String>(10)?, CaseStage::parse)?,
        restricted: r.get(11)?,
    })
}

pub(crate) fn insert(c: &Connection, case: &NewCase, audit: &AuditContext) -> Result<()> {
    now(cases::insert(&Lite(c), case, audit))
}
