//! Bulk imports: many cases in one transaction, and the files uploaded for an import.

use rusqlite::{Connection, OptionalExtension, params};

use super::{audit, cases, exec, from_ts, parse_uuid, q_row, retention, ts};
use crate::{AuditContext, ImportFile, NewAuditEntry, NewCase, Result};

/// Registers every case as `create_case` would (number, children, consents, audit entry), and
/// the import's own audit entry: all or nothing. Returns the case numbers, in order.
pub(crate) fn create_cases(
    tx: &Connection,
    new: &[NewCase],
    audit_context: &AuditContext,
    event: &NewAuditEntry,
) -> Result<Vec<String>> {
    let mut numbers = Vec::with_capacity(new.len());
    for case in new {
        cases::insert(tx, case, audit_context)?;
        numbers.push(q_row(
            tx,
            "SELECT case_number FROM cases WHERE id = ?1",
            [case.id.to_string()],
            |r| r.get(0),
        )?);
    }
    audit::insert(tx, event)?;
    Ok(numbers)
}

pub(crate) fn add_file(c: &Connection, f: &ImportFile) -> Result<()> {
    exec(
        c,
        "INSERT INTO import_files (id, user_id, file_name, sha256, uploaded_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            f.id.to_string(),
            f.user.to_string(),
            f.file_name,
            f.sha256,
            ts(f.uploaded_at)
        ],
    )?;
    Ok(())
}

pub(crate) fn file(c: &Connection, id: uuid::Uuid) -> Result<Option<ImportFile>> {
    Ok(q_row(
        c,
        "SELECT id, user_id, file_name, sha256, uploaded_at FROM import_files WHERE id = ?1",
        [id.to_string()],
        |r| {
            Ok(ImportFile {
                id: parse_uuid(0, &r.get::<_, String>(0)?)?,
                user: domain::UserId(parse_uuid(1, &r.get::<_, String>(1)?)?),
                file_name: r.get(2)?,
                sha256: r.get(3)?,
                uploaded_at: from_ts(r.get(4)?),
            })
        },
    )
    .optional()?)
}

pub(crate) fn set_progress(c: &Connection, id: uuid::Uuid, checked: u64, total: u64) -> Result<()> {
    let n = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
    exec(
        c,
        "UPDATE import_files SET checked_rows = ?2, total_rows = ?3 WHERE id = ?1",
        params![id.to_string(), n(checked), n(total)],
    )?;
    Ok(())
}

pub(crate) fn progress(c: &Connection, id: uuid::Uuid) -> Result<Option<(u64, u64)>> {
    Ok(q_row(
        c,
        "SELECT checked_rows, total_rows FROM import_files WHERE id = ?1",
        [id.to_string()],
        |r| {
            Ok((
                r.get::<_, i64>(0)?.max(0) as u64,
                r.get::<_, i64>(1)?.max(0) as u64,
            ))
        },
    )
    .optional()?)
}

/// Removes the import file `id` (when given) and those uploaded before `before`; returns the
/// hashes no record names any more, whose content the caller deletes.
pub(crate) fn remove_files(
    tx: &Connection,
    id: Option<uuid::Uuid>,
    before: time::OffsetDateTime,
) -> Result<Vec<String>> {
    let mut stmt =
        tx.prepare("SELECT DISTINCT sha256 FROM import_files WHERE id = ?1 OR uploaded_at < ?2")?;
    let id = id.map(|i| i.to_string()).unwrap_or_default();
    let hashes = stmt
        .query_map(params![id, ts(before)], |r| r.get::<_, String>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    exec(
        tx,
        "DELETE FROM import_files WHERE id = ?1 OR uploaded_at < ?2",
        params![id, ts(before)],
    )?;
    retention::unreferenced(tx, hashes)
}
