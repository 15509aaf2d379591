//! The key files given as answers are encrypted under, when the database is: SQLite start-up
//! and backups only. The files' records are in [`crate::sql::files`], their content in
//! [`crate::files::FileStore`].

use rusqlite::{Connection, params};
use time::OffsetDateTime;

use super::{exec, pathway, ts};
use crate::Result;

/// The setting holding the key files are encrypted with (random, kept in the encrypted
/// database, so rekeying the database leaves the files readable).
const FILES_KEY: &str = crate::files::SECRET_SETTING;

/// The key files are encrypted under, when the database is encrypted.
pub(super) fn secret(c: &Connection) -> Result<Option<String>> {
    pathway::setting(c, FILES_KEY)
}

/// The files' key: the one stored, or a new one when the database is encrypted (then true:
/// files already stored in plain are to be sealed). Written without an audit entry: a secret
/// never goes into the audit trail.
pub(super) fn files_secret(c: &Connection, encrypted: bool) -> Result<(Option<String>, bool)> {
    if let Some(secret) = pathway::setting(c, FILES_KEY)? {
        return Ok((Some(secret), false));
    }
    if !encrypted {
        return Ok((None, false));
    }
    let bytes: [u8; 32] = rand::random();
    let secret: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    exec(
        c,
        "INSERT INTO programme_settings (key, value, updated_at, updated_by) VALUES (?1, ?2, ?3, NULL)",
        params![FILES_KEY, secret, ts(OffsetDateTime::now_utc())],
    )?;
    Ok((Some(secret), true))
}
