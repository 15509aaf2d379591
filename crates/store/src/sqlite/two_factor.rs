//! Two-step sign-in: secrets, recovery codes and the second step of a sign-in.

use domain::UserId;
use domain::audit::{AuditAction, FieldChange};
use rusqlite::{Connection, OptionalExtension, params};
use time::OffsetDateTime;

use super::{exec, from_ts, q_row, ts};
use crate::model::*;
use crate::{AuditContext, Result, StoreError, record_type};

pub(crate) fn two_factor(c: &Connection, user: UserId) -> Result<Option<TwoFactor>> {
    Ok(q_row(
        c,
        "SELECT t.secret, t.enabled_at, t.last_step,
                (SELECT count(*) FROM recovery_codes r WHERE r.user_id = t.user_id AND r.used_at IS NULL)
         FROM two_factor t WHERE t.user_id = ?1",
        [user.to_string()],
        |r| {
            Ok(TwoFactor {
                secret: r.get(0)?,
                enabled_at: r.get::<_, Option<i64>>(1)?.map(from_ts),
                last_step: u64::try_from(r.get::<_, i64>(2)?).unwrap_or(0),
                recovery_codes_left: r.get(3)?,
            })
        },
    )
    .optional()?)
}

pub(crate) fn begin(c: &Connection, user: UserId, secret: &str, at: OffsetDateTime) -> Result<()> {
    exec(
        c,
        "INSERT INTO two_factor (user_id, secret, created_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (user_id) DO UPDATE SET secret = excluded.secret, created_at = excluded.created_at
         WHERE two_factor.enabled_at IS NULL",
        params![user.to_string(), secret, ts(at)],
    )?;
    Ok(())
}

fn audit_change(
    c: &Connection,
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
    super::audit::insert(
        c,
        &audit.entry(action, record_type::USER, user.to_string(), vec![change]),
    )
}

fn insert_codes(c: &Connection, user: UserId, hashes: &[String]) -> Result<()> {
    exec(
        c,
        "DELETE FROM recovery_codes WHERE user_id = ?1",
        [user.to_string()],
    )?;
    for h in hashes {
        exec(
            c,
            "INSERT INTO recovery_codes (user_id, code_hash) VALUES (?1, ?2)",
            params![user.to_string(), h],
        )?;
    }
    Ok(())
}

pub(crate) fn enable(
    c: &Connection,
    user: UserId,
    step: u64,
    hashes: &[String],
    audit: &AuditContext,
) -> Result<()> {
    let n = exec(
        c,
        "UPDATE two_factor SET enabled_at = ?2, last_step = ?3
         WHERE user_id = ?1 AND enabled_at IS NULL",
        params![
            user.to_string(),
            ts(audit.at),
            i64::try_from(step).unwrap_or(i64::MAX)
        ],
    )?;
    if n == 0 {
        return Err(StoreError::Conflict);
    }
    insert_codes(c, user, hashes)?;
    audit_change(c, user, AuditAction::TwoFactorEnable, "on", audit)
}

pub(crate) fn remove(c: &Connection, user: UserId, audit: &AuditContext) -> Result<()> {
    let n = exec(
        c,
        "DELETE FROM two_factor WHERE user_id = ?1",
        [user.to_string()],
    )?;
    exec(
        c,
        "DELETE FROM recovery_codes WHERE user_id = ?1",
        [user.to_string()],
    )?;
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    audit_change(c, user, AuditAction::TwoFactorRemove, "off", audit)
}

pub(crate) fn replace_codes(
    c: &Connection,
    user: UserId,
    hashes: &[String],
    audit: &AuditContext,
) -> Result<()> {
    let on: bool = q_row(
        c,
        "SELECT EXISTS (SELECT 1 FROM two_factor WHERE user_id = ?1 AND enabled_at IS NOT NULL)",
        [user.to_string()],
        |r| r.get(0),
    )?;
    if !on {
        return Err(StoreError::NotFound);
    }
    insert_codes(c, user, hashes)?;
    audit_change(
        c,
        user,
        AuditAction::RecoveryCodesIssue,
        &hashes.len().to_string(),
        audit,
    )
}

pub(crate) fn accept_step(c: &Connection, user: UserId, step: u64) -> Result<bool> {
    let step = i64::try_from(step).unwrap_or(i64::MAX);
    Ok(exec(
        c,
        "UPDATE two_factor SET last_step = ?2 WHERE user_id = ?1 AND last_step < ?2",
        params![user.to_string(), step],
    )? == 1)
}

pub(crate) fn use_code(
    c: &Connection,
    user: UserId,
    hash: &str,
    at: OffsetDateTime,
) -> Result<bool> {
    Ok(exec(
        c,
        "UPDATE recovery_codes SET used_at = ?3
         WHERE user_id = ?1 AND code_hash = ?2 AND used_at IS NULL",
        params![user.to_string(), hash, ts(at)],
    )? == 1)
}

pub(crate) fn create_second_step(
    c: &Connection,
    token_hash: &str,
    user: UserId,
    at: OffsetDateTime,
) -> Result<()> {
    exec(
        c,
        "INSERT INTO second_steps (token_hash, user_id, created_at) VALUES (?1, ?2, ?3)",
        params![token_hash, user.to_string(), ts(at)],
    )?;
    Ok(())
}

pub(crate) fn second_step(
    c: &Connection,
    token_hash: &str,
) -> Result<Option<(UserId, OffsetDateTime)>> {
    Ok(q_row(
        c,
        "SELECT user_id, created_at FROM second_steps WHERE token_hash = ?1",
        [token_hash],
        |r| {
            let id: String = r.get(0)?;
            Ok((UserId(super::parse_uuid(0, &id)?), from_ts(r.get(1)?)))
        },
    )
    .optional()?)
}

pub(crate) fn delete_second_step(
    c: &Connection,
    token_hash: &str,
    now: OffsetDateTime,
) -> Result<()> {
    exec(
        c,
        "DELETE FROM second_steps WHERE token_hash = ?1 OR created_at < ?2",
        params![token_hash, ts(now - time::Duration::days(1))],
    )?;
    Ok(())
}
