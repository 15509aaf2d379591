//! Two-step sign-in: secrets, recovery codes and the second step of a sign-in.

use domain::UserId;
use domain::audit::{AuditAction, FieldChange};
use time::OffsetDateTime;

use super::{Db, args, audit};
use crate::model::*;
use crate::{AuditContext, Result, StoreError, record_type};

pub(crate) async fn two_factor<D: Db>(db: &D, user: UserId) -> Result<Option<TwoFactor>> {
    let Some(r) = db
        .opt(
            "SELECT t.secret, t.enabled_at, t.last_step,
                    (SELECT count(*) FROM recovery_codes r
                     WHERE r.user_id = t.user_id AND r.used_at IS NULL)
             FROM two_factor t WHERE t.user_id = ?1",
            &args![user.0],
        )
        .await?
    else {
        return Ok(None);
    };
    Ok(Some(TwoFactor {
        secret: r.get(0)?,
        enabled_at: r.get(1)?,
        last_step: r.get::<u64>(2).unwrap_or(0),
        recovery_codes_left: r.get(3)?,
    }))
}

pub(crate) async fn begin<D: Db>(
    db: &D,
    user: UserId,
    secret: &str,
    at: OffsetDateTime,
) -> Result<()> {
    db.exec(
        "INSERT INTO two_factor (user_id, secret, created_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (user_id) DO UPDATE SET secret = excluded.secret, created_at = excluded.created_at
         WHERE two_factor.enabled_at IS NULL",
        &args![user.0, secret, at],
    )
    .await?;
    Ok(())
}

async fn audit_change<D: Db>(
    db: &D,
    user: UserId,
    action: AuditAction,
    after: &str,
    audit: &AuditContext,
) -> Result<()> {
    let change = FieldChange {
        field: "two_factor".into(),
        before: None,
        after: Some(after.into()),
    };
    audit::insert(
        db,
        &audit.entry(action, record_type::USER, user.to_string(), vec![change]),
    )
    .await
}

async fn insert_codes<D: Db>(db: &D, user: UserId, hashes: &[String]) -> Result<()> {
    db.exec(
        "DELETE FROM recovery_codes WHERE user_id = ?1",
        &args![user.0],
    )
    .await?;
    for h in hashes {
        db.exec(
            "INSERT INTO recovery_codes (user_id, code_hash) VALUES (?1, ?2)",
            &args![user.0, h],
        )
        .await?;
    }
    Ok(())
}

pub(crate) async fn enable<D: Db>(
    db: &D,
    user: UserId,
    step: u64,
    hashes: &[String],
    audit: &AuditContext,
) -> Result<()> {
    let n = db
        .exec(
            "UPDATE two_factor SET enabled_at = ?2, last_step = ?3
             WHERE user_id = ?1 AND enabled_at IS NULL",
            &args![user.0, audit.at, step],
        )
        .await?;
    if n == 0 {
        return Err(StoreError::Conflict);
    }
    insert_codes(db, user, hashes).await?;
    audit_change(db, user, AuditAction::TwoFactorEnable, "on", audit).await
}

pub(crate) async fn remove<D: Db>(db: &D, user: UserId, audit: &AuditContext) -> Result<()> {
    let n = db
        .exec("DELETE FROM two_factor WHERE user_id = ?1", &args![user.0])
        .await?;
    db.exec(
        "DELETE FROM recovery_codes WHERE user_id = ?1",
        &args![user.0],
    )
    .await?;
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    audit_change(db, user, AuditAction::TwoFactorRemove, "off", audit).await
}

pub(crate) async fn replace_codes<D: Db>(
    db: &D,
    user: UserId,
    hashes: &[String],
    audit: &AuditContext,
) -> Result<()> {
    let on: bool = db
        .value(
            "SELECT EXISTS (SELECT 1 FROM two_factor WHERE user_id = ?1 AND enabled_at IS NOT NULL)",
            &args![user.0],
        )
        .await?;
    if !on {
        return Err(StoreError::NotFound);
    }
    insert_codes(db, user, hashes).await?;
    audit_change(
        db,
        user,
        AuditAction::RecoveryCodesIssue,
        &hashes.len().to_string(),
        audit,
    )
    .await
}

/// Accepts a code's time step once: a code is never good twice (RFC 6238 §5.2).
pub(crate) async fn accept_step<D: Db>(db: &D, user: UserId, step: u64) -> Result<bool> {
    Ok(db
        .exec(
            "UPDATE two_factor SET last_step = ?2 WHERE user_id = ?1 AND last_step < ?2",
            &args![user.0, step],
        )
        .await?
        == 1)
}

pub(crate) async fn use_code<D: Db>(
    db: &D,
    user: UserId,
    hash: &str,
    at: OffsetDateTime,
) -> Result<bool> {
    Ok(db
        .exec(
            "UPDATE recovery_codes SET used_at = ?3
             WHERE user_id = ?1 AND code_hash = ?2 AND used_at IS NULL",
            &args![user.0, hash, at],
        )
        .await?
        == 1)
}

pub(crate) async fn create_second_step<D: Db>(
    db: &D,
    token_hash: &str,
    user: UserId,
    at: OffsetDateTime,
) -> Result<()> {
    db.exec(
        "INSERT INTO second_steps (token_hash, user_id, created_at) VALUES (?1, ?2, ?3)",
        &args![token_hash, user.0, at],
    )
    .await?;
    Ok(())
}

pub(crate) async fn second_step<D: Db>(
    db: &D,
    token_hash: &str,
) -> Result<Option<(UserId, OffsetDateTime)>> {
    let Some(r) = db
        .opt(
            "SELECT user_id, created_at FROM second_steps WHERE token_hash = ?1",
            &args![token_hash],
        )
        .await?
    else {
        return Ok(None);
    };
    Ok(Some((UserId(r.get(0)?), r.get(1)?)))
}

pub(crate) async fn delete_second_step<D: Db>(
    db: &D,
    token_hash: &str,
    now: OffsetDateTime,
) -> Result<()> {
    db.exec(
        "DELETE FROM second_steps WHERE token_hash = ?1 OR created_at < ?2",
        &args![token_hash, now - time::Duration::days(1)],
    )
    .await?;
    Ok(())
}
