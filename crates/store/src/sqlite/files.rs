//! Files given as answers: which submission holds which file; the content is in
//! [`crate::files::FileStore`].

use domain::audit::{AuditAction, FieldChange};
use rusqlite::{Connection, OptionalExtension, params};
use time::OffsetDateTime;

use super::{audit, exec, from_ts, parse_uuid, pathway, q_row, ts};
use crate::{AuditContext, FormFile, NewSubmissionFile, Result, StoreError, SubmissionFile};

/// The setting holding the key files are encrypted with (random, kept in the encrypted
/// database, so rekeying the database leaves the files readable).
const FILES_KEY: &str = crate::files::SECRET_SETTING;

/// The files' key: the one stored, or a new one when the database is encrypted (then true:
/// files already stored in plain are to be sealed). Written without an audit entry: a secret
/// never goes into the audit trail.
/// The key files are encrypted under, when the database is encrypted.
pub(super) fn secret(c: &Connection) -> Result<Option<String>> {
    pathway::setting(c, FILES_KEY)
}

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

/// Files are added to drafts only: a record that does not exist is not found; a completed or
/// interrupted submission, or a published form version, is final.
fn draft_only(status: Option<String>) -> Result<()> {
    match status.as_deref() {
        None => Err(StoreError::NotFound),
        Some("draft") => Ok(()),
        Some(_) => Err(StoreError::Conflict),
    }
}

pub(crate) fn add(c: &Connection, f: &NewSubmissionFile, audit: &AuditContext) -> Result<()> {
    let status: Option<String> = q_row(
        c,
        "SELECT status FROM submissions WHERE id = ?1",
        params![f.submission.to_string()],
        |r| r.get(0),
    )
    .optional()?;
    draft_only(status)?;
    let added = exec(
        c,
        "INSERT INTO submission_files (submission_id, name, question, media_type, size, sha256,
             added_by, added_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT (submission_id, name) DO NOTHING",
        params![
            f.submission.to_string(),
            f.name,
            f.question,
            f.media_type,
            i64::try_from(f.size).unwrap_or(i64::MAX),
            f.sha256,
            f.added_by.to_string(),
            ts(f.added_at)
        ],
    )?;
    if added == 0 {
        return Ok(());
    }
    audit::insert(
        c,
        &audit.entry(
            AuditAction::Update,
            "submission",
            f.submission.to_string(),
            vec![FieldChange {
                field: format!("file {}", f.question),
                before: None,
                after: Some(format!("{} ({}, {} bytes)", f.name, f.media_type, f.size)),
            }],
        ),
    )
}

pub(crate) fn of_submission(c: &Connection, submission: uuid::Uuid) -> Result<Vec<SubmissionFile>> {
    let mut stmt = c.prepare_cached(
        "SELECT submission_id, name, question, media_type, size, sha256, added_by, added_at
         FROM submission_files WHERE submission_id = ?1 ORDER BY added_at, name",
    )?;
    let rows = stmt.query_map(params![submission.to_string()], |r| {
        Ok(SubmissionFile {
            submission: parse_uuid(0, &r.get::<_, String>(0)?)?,
            name: r.get(1)?,
            question: r.get(2)?,
            media_type: r.get(3)?,
            size: u64::try_from(r.get::<_, i64>(4)?).unwrap_or(0),
            sha256: r.get(5)?,
            added_by: domain::UserId(parse_uuid(6, &r.get::<_, String>(6)?)?),
            added_at: from_ts(r.get(7)?),
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

pub(crate) fn add_form_file(c: &Connection, f: &FormFile, audit: &AuditContext) -> Result<()> {
    let status: Option<String> = q_row(
        c,
        "SELECT status FROM form_versions WHERE form_id = ?1 AND version = ?2",
        params![f.form_id, f.version],
        |r| r.get(0),
    )
    .optional()?;
    draft_only(status)?;
    let before: Option<String> = q_row(
        c,
        "SELECT sha256 FROM form_files WHERE form_id = ?1 AND version = ?2 AND name = ?3",
        params![f.form_id, f.version, f.name],
        |r| r.get(0),
    )
    .optional()?;
    if before.as_deref() == Some(f.sha256.as_str()) {
        return Ok(());
    }
    exec(
        c,
        "INSERT INTO form_files (form_id, version, name, media_type, size, sha256, added_by, added_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT (form_id, version, name) DO UPDATE SET media_type = excluded.media_type,
             size = excluded.size, sha256 = excluded.sha256, added_by = excluded.added_by,
             added_at = excluded.added_at",
        params![
            f.form_id,
            f.version,
            f.name,
            f.media_type,
            i64::try_from(f.size).unwrap_or(i64::MAX),
            f.sha256,
            f.added_by.to_string(),
            ts(f.added_at)
        ],
    )?;
    audit::insert(
        c,
        &audit.entry(
            if before.is_some() {
                AuditAction::Update
            } else {
                AuditAction::Create
            },
            "form_version",
            format!("{}@{}", f.form_id, f.version),
            vec![FieldChange {
                field: format!("file {}", f.name),
                before: before.map(|h| h[..16].to_string()),
                after: Some(f.sha256[..16].to_string()),
            }],
        ),
    )
}

pub(crate) fn of_form(c: &Connection, form_id: &str, version: &str) -> Result<Vec<FormFile>> {
    let mut stmt = c.prepare_cached(
        "SELECT form_id, version, name, media_type, size, sha256, added_by, added_at
         FROM form_files WHERE form_id = ?1 AND version = ?2 ORDER BY name",
    )?;
    let rows = stmt.query_map(params![form_id, version], |r| {
        Ok(FormFile {
            form_id: r.get(0)?,
            version: r.get(1)?,
            name: r.get(2)?,
            media_type: r.get(3)?,
            size: u64::try_from(r.get::<_, i64>(4)?).unwrap_or(0),
            sha256: r.get(5)?,
            added_by: domain::UserId(parse_uuid(6, &r.get::<_, String>(6)?)?),
            added_at: from_ts(r.get(7)?),
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}
