//! Offices and users on a SQLite connection, for the parts not yet written against
//! [`crate::sql::Db`]: the shared SQL in [`crate::sql::accounts`], run at once.

use domain::{OfficeId, UserId};
use rusqlite::Connection;

use super::Lite;
use crate::Result;
use crate::model::{Office, User};
use crate::sql::{accounts, now};

pub(crate) fn office(c: &Connection, id: OfficeId) -> Result<Office> {
    now(accounts::office(&Lite(c), id))
}

pub(crate) fn user(c: &Connection, id: UserId) -> Result<User> {
    now(accounts::user(&Lite(c), id))
}
