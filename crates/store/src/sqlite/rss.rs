//! Survey scores and scoring models on a SQLite connection, for the parts not yet written
//! against [`crate::sql::Db`] (forms and field collection): the shared SQL in
//! [`crate::sql::rss`], run at once.

use domain::CaseId;
use rusqlite::Connection;

use super::Lite;
use crate::model::{NewRssScore, RssScore};
use crate::sql::{now, rss};
use crate::{AuditContext, Result};

pub(crate) fn scores_for_case(c: &Connection, case: CaseId) -> Result<Vec<RssScore>> {
    now(rss::scores_for_case(&Lite(c), case))
}

pub(crate) fn scores_for_cases(c: &Connection, cases: &[CaseId]) -> Result<Vec<RssScore>> {
    now(rss::scores_for_cases(&Lite(c), cases))
}

pub(crate) fn score_of(c: &Connection, submission: uuid::Uuid) -> Result<Option<RssScore>> {
    now(rss::score_of(&Lite(c), submission))
}

pub(crate) fn save(c: &Connection, s: &NewRssScore, audit: &AuditContext) -> Result<bool> {
    now(rss::save(&Lite(c), s, audit))
}

pub(crate) fn completed_submissions(c: &Connection, form_id: &str) -> Result<Vec<uuid::Uuid>> {
    now(rss::completed_submissions(&Lite(c), form_id))
}

pub(crate) fn active_model(c: &Connection) -> Result<Option<String>> {
    now(rss::active_model(&Lite(c)))
}

pub(crate) fn activate_model(
    c: &Connection,
    id: &str,
    version: &str,
    definition: &str,
    audit: &AuditContext,
) -> Result<()> {
    now(rss::activate_model(
        &Lite(c),
        id,
        version,
        definition,
        audit,
    ))
}
