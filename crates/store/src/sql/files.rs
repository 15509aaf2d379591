//! Files given as answers and attached to form versions, on both engines: which submission or
//! version holds which file; the content is in [`crate::files::FileStore`].

use domain::UserId;
use domain::audit::{AuditAction, FieldChange};

use super::{Db, args, audit, forms};
use crate::{AuditContext, FormFile, NewSubmissionFile, Result, StoreError, SubmissionFile};

/// Files are added to drafts only: a record that does not exist is not found; a completed or
/// interrupted submission, or a published form version, is final.
fn draft_only(status: Option<String>) -> Result<()> {
    match status.as_deref() {
        None => Err(StoreError::NotFound),
        Some("draft") => Ok(()),
        Some(_) => Err(StoreError::Conflict),
    }
}

pub(crate) async fn add<D: Db>(db: &D, f: &NewSubmissionFile, audit: &AuditContext) -> Result<()> {
    let status = db
        .opt(
            "SELECT status FROM submissions WHERE id = ?1",
            &args![f.submission],
        )
        .await?
        .map(|r| r.get(0))
        .transpose()?;
    draft_only(status)?;
    let added = db
        .exec(
            "INSERT INTO submission_files (submission_id, name, question, media_type, size,
                 sha256, added_by, added_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
             ON CONFLICT (submission_id, name) DO NOTHING",
            &args![
                f.submission,
                &f.name,
                &f.question,
                &f.media_type,
                f.size,
                &f.sha256,
                f.added_by.0,
                f.added_at,
            ],
        )
        .await?;
    if added == 0 {
        return Ok(());
    }
    audit::insert(
        db,
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
    .await
}

pub(crate) async fn of_submission<D: Db>(
    db: &D,
    submission: uuid::Uuid,
) -> Result<Vec<SubmissionFile>> {
    db.rows(
        "SELECT submission_id, name, question, media_type, size, sha256, added_by, added_at
         FROM submission_files WHERE submission_id = ?1 ORDER BY added_at, name",
        &args![submission],
    )
    .await?
    .iter()
    .map(|r| {
        Ok(SubmissionFile {
            submission: r.get(0)?,
            name: r.get(1)?,
            question: r.get(2)?,
            media_type: r.get(3)?,
            size: r.get(4)?,
            sha256: r.get(5)?,
            added_by: UserId(r.get(6)?),
            added_at: r.get(7)?,
        })
    })
    .collect()
}

pub(crate) async fn add_form_file<D: Db>(db: &D, f: &FormFile, audit: &AuditContext) -> Result<()> {
    draft_only(forms::status(db, &f.form_id, &f.version).await?)?;
    let before: Option<String> = db
        .opt(
            "SELECT sha256 FROM form_files WHERE form_id = ?1 AND version = ?2 AND name = ?3",
            &args![&f.form_id, &f.version, &f.name],
        )
        .await?
        .map(|r| r.get(0))
        .transpose()?;
    if before.as_deref() == Some(f.sha256.as_str()) {
        return Ok(());
    }
    db.exec(
        "INSERT INTO form_files (form_id, version, name, media_type, size, sha256, added_by,
             added_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT (form_id, version, name) DO UPDATE SET media_type = excluded.media_type,
             size = excluded.size, sha256 = excluded.sha256, added_by = excluded.added_by,
             added_at = excluded.added_at",
        &args![
            &f.form_id,
            &f.version,
            &f.name,
            &f.media_type,
            f.size,
            &f.sha256,
            f.added_by.0,
            f.added_at,
        ],
    )
    .await?;
    audit::insert(
        db,
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
    .await
}

pub(crate) async fn of_form<D: Db>(db: &D, form_id: &str, version: &str) -> Result<Vec<FormFile>> {
    db.rows(
        "SELECT form_id, version, name, media_type, size, sha256, added_by, added_at
         FROM form_files WHERE form_id = ?1 AND version = ?2 ORDER BY name",
        &args![form_id, version],
    )
    .await?
    .iter()
    .map(|r| {
        Ok(FormFile {
            form_id: r.get(0)?,
            version: r.get(1)?,
            name: r.get(2)?,
            media_type: r.get(3)?,
            size: r.get(4)?,
            sha256: r.get(5)?,
            added_by: UserId(r.get(6)?),
            added_at: r.get(7)?,
        })
    })
    .collect()
}
