//! The programme's pathway settings, on both engines: the feasibility grid, the settings kept
//! by key, and each office's self-approval. Audited programme-wide, not on a case.

use domain::OfficeId;
use domain::audit::AuditAction;
use domain::pathway::feasibility::GridApproach;

use super::pathway::{change, json};
use super::{Db, args, audit, from_json};
use crate::{AuditContext, Result, StoreError};

pub(crate) async fn grid<D: Db>(db: &D) -> Result<Vec<GridApproach>> {
    db.rows(
        "SELECT body FROM feasibility_grid ORDER BY position, key",
        &[],
    )
    .await?
    .iter()
    .map(|r| from_json(0, r.text(0)?))
    .collect()
}

/// Fills an empty grid; false when a grid was already there.
pub(crate) async fn seed_grid<D: Db>(
    db: &D,
    rows: &[GridApproach],
    audit: &AuditContext,
) -> Result<bool> {
    let count: i64 = db
        .value("SELECT count(*) FROM feasibility_grid", &[])
        .await?;
    if count > 0 {
        return Ok(false);
    }
    for (n, a) in rows.iter().enumerate() {
        db.exec(
            "INSERT INTO feasibility_grid (key, position, body, updated_at) VALUES (?1, ?2, ?3, ?4)",
            &args![&a.key, n, json(a)?, audit.at],
        )
        .await?;
    }
    audit::insert(
        db,
        &audit.entry(
            AuditAction::Create,
            "feasibility_grid",
            "grid".into(),
            vec![change("approaches", None, Some(rows.len().to_string()))],
        ),
    )
    .await?;
    Ok(true)
}

/// Adds an approach at the end, or replaces the one with the same key.
pub(crate) async fn save_grid_approach<D: Db>(
    db: &D,
    a: &GridApproach,
    audit: &AuditContext,
) -> Result<()> {
    let before: Option<String> = db
        .opt(
            "SELECT body FROM feasibility_grid WHERE key = ?1",
            &args![&a.key],
        )
        .await?
        .map(|r| r.get(0))
        .transpose()?;
    db.exec(
        "INSERT INTO feasibility_grid (key, position, body, updated_at, updated_by)
         VALUES (?1, (SELECT coalesce(max(position), -1) + 1 FROM feasibility_grid), ?2, ?3, ?4)
         ON CONFLICT (key) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at,
             updated_by = excluded.updated_by",
        &args![&a.key, json(a)?, audit.at, audit.actor.map(|u| u.0)],
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
            "feasibility_grid",
            a.key.clone(),
            vec![change(
                "approach",
                before.map(|_| a.approach.clone()),
                Some(a.approach.clone()),
            )],
        ),
    )
    .await
}

pub(crate) async fn setting<D: Db>(db: &D, key: &str) -> Result<Option<String>> {
    db.opt(
        "SELECT value FROM programme_settings WHERE key = ?1",
        &args![key],
    )
    .await?
    .map(|r| r.get(0))
    .transpose()
}

pub(crate) async fn set_setting<D: Db>(
    db: &D,
    key: &str,
    value: &str,
    audit: &AuditContext,
) -> Result<()> {
    let before = setting(db, key).await?;
    db.exec(
        "INSERT INTO programme_settings (key, value, updated_at, updated_by) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at,
             updated_by = excluded.updated_by",
        &args![key, value, audit.at, audit.actor.map(|u| u.0)],
    )
    .await?;
    audit::insert(
        db,
        &audit.entry(
            AuditAction::Update,
            "programme_setting",
            key.into(),
            vec![change(key, before, Some(value.into()))],
        ),
    )
    .await
}

pub(crate) async fn replace_setting<D: Db>(
    db: &D,
    key: &str,
    expected: Option<&str>,
    value: &str,
    audit: &AuditContext,
) -> Result<()> {
    if setting(db, key).await?.as_deref() != expected {
        return Err(StoreError::Conflict);
    }
    set_setting(db, key, value, audit).await
}

pub(crate) async fn set_self_approval<D: Db>(
    db: &D,
    office: OfficeId,
    on: bool,
    audit: &AuditContext,
) -> Result<()> {
    let n = db
        .exec(
            "UPDATE offices SET self_approval = ?2 WHERE id = ?1",
            &args![office.0, on],
        )
        .await?;
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    audit::insert(
        db,
        &audit.entry(
            AuditAction::Update,
            "office",
            office.to_string(),
            vec![change("self_approval", None, Some(on.to_string()))],
        ),
    )
    .await
}
