//! Bulk imports: many cases in one transaction, and the files uploaded for an import.

use super::{Db, args, audit, cases, retention};
use crate::{AuditContext, ImportFile, NewAuditEntry, NewCase, Result};

/// Registers every case as `create_case` would (number, children, consents, audit entry), and
/// the import's own audit entry: all or nothing. Returns the case numbers, in order.
pub(crate) async fn create_cases<D: Db>(
    db: &D,
    new: &[NewCase],
    audit_context: &AuditContext,
    event: &NewAuditEntry,
) -> Result<Vec<String>> {
    let mut numbers = Vec::with_capacity(new.len());
    for case in new {
        cases::insert(db, case, audit_context).await?;
        numbers.push(
            db.value(
                "SELECT case_number FROM cases WHERE id = ?1",
                &args![case.id.0],
            )
            .await?,
        );
    }
    audit::insert(db, event).await?;
    Ok(numbers)
}

pub(crate) async fn add_file<D: Db>(db: &D, f: &ImportFile) -> Result<()> {
    db.exec(
        "INSERT INTO import_files (id, user_id, file_name, sha256, uploaded_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        &args![f.id, f.user.0, &f.file_name, &f.sha256, f.uploaded_at],
    )
    .await?;
    Ok(())
}

pub(crate) async fn file<D: Db>(db: &D, id: uuid::Uuid) -> Result<Option<ImportFile>> {
    db.opt(
        "SELECT id, user_id, file_name, sha256, uploaded_at FROM import_files WHERE id = ?1",
        &args![id],
    )
    .await?
    .map(|r| {
        Ok(ImportFile {
            id: r.get(0)?,
            user: domain::UserId(r.get(1)?),
            file_name: r.get(2)?,
            sha256: r.get(3)?,
            uploaded_at: r.get(4)?,
        })
    })
    .transpose()
}

pub(crate) async fn set_progress<D: Db>(
    db: &D,
    id: uuid::Uuid,
    checked: u64,
    total: u64,
) -> Result<()> {
    db.exec(
        "UPDATE import_files SET checked_rows = ?2, total_rows = ?3 WHERE id = ?1",
        &args![id, checked, total],
    )
    .await?;
    Ok(())
}

pub(crate) async fn progress<D: Db>(db: &D, id: uuid::Uuid) -> Result<Option<(u64, u64)>> {
    db.opt(
        "SELECT checked_rows, total_rows FROM import_files WHERE id = ?1",
        &args![id],
    )
    .await?
    .map(|r| {
        let n = |i| r.get::<i64>(i).map(|v| v.max(0) as u64);
        Ok((n(0)?, n(1)?))
    })
    .transpose()
}

/// Removes the import file `id` (when given) and those uploaded before `before`; returns the
/// hashes no record names any more, whose content the caller deletes.
pub(crate) async fn remove_files<D: Db>(
    db: &D,
    id: Option<uuid::Uuid>,
    before: time::OffsetDateTime,
) -> Result<Vec<String>> {
    let id = id.map(|i| i.to_string()).unwrap_or_default();
    let hashes = db
        .rows(
            "SELECT DISTINCT sha256 FROM import_files WHERE id = ?1 OR uploaded_at < ?2",
            &args![&id, before],
        )
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect::<Result<Vec<String>>>()?;
    db.exec(
        "DELETE FROM import_files WHERE id = ?1 OR uploaded_at < ?2",
        &args![&id, before],
    )
    .await?;
    retention::unreferenced(db, hashes).await
}
