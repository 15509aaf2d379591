//! Offices, users, sessions, sign-in failures, remembered devices, API tokens and kept replies.

use domain::audit::{AuditAction, FieldChange};
use domain::{OfficeCode, OfficeId, ProviderId, Role, UserId, Username};
use time::OffsetDateTime;

use super::{Db, Row, args, audit, named};
use crate::model::*;
use crate::{AuditContext, Result, StoreError};

const OFFICE_COLUMNS: &str = "id, code, name, self_approval";

fn office_row(r: &Row) -> Result<Office> {
    Ok(Office {
        id: OfficeId(r.get(0)?),
        code: named(1, r.text(1)?, |s| OfficeCode::parse(s).ok())?,
        name: r.get(2)?,
        self_approval: r.get(3)?,
    })
}

pub(crate) async fn list_offices<D: Db>(db: &D) -> Result<Vec<Office>> {
    db.rows(
        &format!("SELECT {OFFICE_COLUMNS} FROM offices ORDER BY code"),
        &[],
    )
    .await?
    .iter()
    .map(office_row)
    .collect()
}

pub(crate) async fn office<D: Db>(db: &D, id: OfficeId) -> Result<Office> {
    office_row(
        &db.one(
            &format!("SELECT {OFFICE_COLUMNS} FROM offices WHERE id = ?1"),
            &args![id.0],
        )
        .await?,
    )
}

pub(crate) async fn office_by_code<D: Db>(db: &D, code: &OfficeCode) -> Result<Option<Office>> {
    db.opt(
        &format!("SELECT {OFFICE_COLUMNS} FROM offices WHERE code = ?1"),
        &args![code.as_str()],
    )
    .await?
    .as_ref()
    .map(office_row)
    .transpose()
}

pub(crate) async fn ensure_office<D: Db>(db: &D, code: &OfficeCode, name: &str) -> Result<Office> {
    db.exec(
        "INSERT INTO offices (id, code, name, created_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (code) DO NOTHING",
        &args![
            OfficeId::new().0,
            code.as_str(),
            name,
            OffsetDateTime::now_utc()
        ],
    )
    .await?;
    office_by_code(db, code).await?.ok_or(StoreError::NotFound)
}

const USER_COLUMNS: &str = "u.id, u.username, u.display_name, u.role, u.office_id, u.password_hash,
     u.must_change_password, u.disabled, u.created_at, u.provider_id, u.preferred_language,
     EXISTS (SELECT 1 FROM two_factor t WHERE t.user_id = u.id AND t.enabled_at IS NOT NULL)";

fn user_row(r: &Row) -> Result<User> {
    user_row_at(r, 0)
}

/// Reads the user columns starting at column `o`.
fn user_row_at(r: &Row, o: usize) -> Result<User> {
    Ok(User {
        id: UserId(r.get(o)?),
        username: named(o + 1, r.text(o + 1)?, |s| Username::parse(s).ok())?,
        display_name: r.get(o + 2)?,
        role: named(o + 3, r.text(o + 3)?, |s| s.parse::<Role>().ok())?,
        office: r.get::<Option<uuid::Uuid>>(o + 4)?.map(OfficeId),
        password_hash: r.get(o + 5)?,
        must_change_password: r.get(o + 6)?,
        disabled: r.get(o + 7)?,
        created_at: r.get(o + 8)?,
        organisation: r.get::<Option<uuid::Uuid>>(o + 9)?.map(ProviderId),
        preferred_language: r.get(o + 10)?,
        two_factor: r.get(o + 11)?,
    })
}

pub(crate) async fn count_users<D: Db>(db: &D) -> Result<u64> {
    db.value("SELECT count(*) FROM users", &[]).await
}

pub(crate) async fn create_user<D: Db>(db: &D, u: &NewUser, audit: &AuditContext) -> Result<User> {
    let id = UserId::new();
    let inserted = db
        .exec(
            "INSERT INTO users (id, username, display_name, role, office_id, password_hash,
                                must_change_password, disabled, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 0, ?8)
             ON CONFLICT (username) DO NOTHING",
            &args![
                id.0,
                u.username.as_str(),
                &u.display_name,
                u.role.as_str(),
                u.office.map(|o| o.0),
                &u.password_hash,
                u.must_change_password,
                audit.at
            ],
        )
        .await?;
    if inserted == 0 {
        return Err(StoreError::Duplicate("username"));
    }
    let office_code = match u.office {
        Some(o) => Some(office(db, o).await?.code.to_string()),
        None => None,
    };
    let changes = domain::audit::created(&[
        ("username".into(), u.username.to_string()),
        ("display_name".into(), u.display_name.clone()),
        ("role".into(), u.role.to_string()),
        ("office".into(), office_code.unwrap_or_default()),
    ]);
    audit::insert(
        db,
        &audit.entry(
            AuditAction::Create,
            record_type::USER,
            id.to_string(),
            changes,
        ),
    )
    .await?;
    user(db, id).await
}

pub(crate) async fn user<D: Db>(db: &D, id: UserId) -> Result<User> {
    user_row(
        &db.one(
            &format!("SELECT {USER_COLUMNS} FROM users u WHERE u.id = ?1"),
            &args![id.0],
        )
        .await?,
    )
}

pub(crate) async fn user_by_username<D: Db>(db: &D, username: &Username) -> Result<Option<User>> {
    db.opt(
        &format!("SELECT {USER_COLUMNS} FROM users u WHERE u.username = ?1"),
        &args![username.as_str()],
    )
    .await?
    .as_ref()
    .map(user_row)
    .transpose()
}

pub(crate) async fn list_users<D: Db>(db: &D) -> Result<Vec<User>> {
    db.rows(
        &format!("SELECT {USER_COLUMNS} FROM users u ORDER BY u.username"),
        &[],
    )
    .await?
    .iter()
    .map(user_row)
    .collect()
}

pub(crate) async fn case_managers<D: Db>(db: &D, office: Option<OfficeId>) -> Result<Vec<User>> {
    db.rows(
        &format!(
            "SELECT {USER_COLUMNS} FROM users u
             WHERE u.role = 'case-manager' AND u.disabled = 0
               AND (CAST(?1 AS TEXT) IS NULL OR u.office_id = ?1)
             ORDER BY u.display_name"
        ),
        &args![office.map(|o| o.0)],
    )
    .await?
    .iter()
    .map(user_row)
    .collect()
}

/// Sets a password and ends the user's other sessions (all of them but `keep_session`).
pub(crate) async fn set_password<D: Db>(
    db: &D,
    id: UserId,
    hash: &str,
    must_change: bool,
    keep_session: Option<&str>,
    audit: &AuditContext,
) -> Result<()> {
    let n = db
        .exec(
            "UPDATE users SET password_hash = ?2, must_change_password = ?3 WHERE id = ?1",
            &args![id.0, hash, must_change],
        )
        .await?;
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    db.exec(
        "DELETE FROM sessions WHERE user_id = ?1 AND token_hash IS DISTINCT FROM CAST(?2 AS TEXT)",
        &args![id.0, keep_session],
    )
    .await?;
    let change = FieldChange {
        field: "password".into(),
        before: None,
        after: Some(if must_change { "reset" } else { "changed" }.into()),
    };
    audit::insert(
        db,
        &audit.entry(
            AuditAction::PasswordChange,
            record_type::USER,
            id.to_string(),
            vec![change],
        ),
    )
    .await
}

pub(crate) async fn set_preferred_language<D: Db>(
    db: &D,
    id: UserId,
    language: &str,
    audit: &AuditContext,
) -> Result<()> {
    let before: Option<String> = db
        .one(
            "SELECT preferred_language FROM users WHERE id = ?1",
            &args![id.0],
        )
        .await?
        .get(0)?;
    if before.as_deref() == Some(language) {
        return Ok(());
    }
    db.exec(
        "UPDATE users SET preferred_language = ?2 WHERE id = ?1",
        &args![id.0, language],
    )
    .await?;
    let change = FieldChange {
        field: "preferred_language".into(),
        before,
        after: Some(language.to_string()),
    };
    audit::insert(
        db,
        &audit.entry(
            AuditAction::Update,
            record_type::USER,
            id.to_string(),
            vec![change],
        ),
    )
    .await
}

pub(crate) async fn create_session<D: Db>(db: &D, s: &NewSession) -> Result<()> {
    db.exec(
        "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, last_seen_at)
         VALUES (?1, ?2, ?3, ?4, ?4)",
        &args![&s.token_hash, s.user.0, &s.csrf_token, s.at],
    )
    .await?;
    // Sessions that can no longer be live are removed as new ones arrive.
    db.exec(
        "DELETE FROM sessions WHERE created_at < ?1",
        &args![s.at - time::Duration::days(2)],
    )
    .await?;
    Ok(())
}

pub(crate) async fn session<D: Db>(db: &D, token_hash: &str) -> Result<Option<(Session, User)>> {
    let Some(r) = db
        .opt(
            &format!(
                "SELECT s.token_hash, s.user_id, s.csrf_token, s.created_at, s.last_seen_at,
                        {USER_COLUMNS}
                 FROM sessions s JOIN users u ON u.id = s.user_id
                 WHERE s.token_hash = ?1"
            ),
            &args![token_hash],
        )
        .await?
    else {
        return Ok(None);
    };
    Ok(Some((
        Session {
            token_hash: r.get(0)?,
            user: UserId(r.get(1)?),
            csrf_token: r.get(2)?,
            created_at: r.get(3)?,
            last_seen_at: r.get(4)?,
        },
        user_row_at(&r, 5)?,
    )))
}

pub(crate) async fn record_login_failure<D: Db>(
    db: &D,
    keys: &[String],
    at: OffsetDateTime,
) -> Result<()> {
    for key in keys {
        db.exec(
            "INSERT INTO login_failures (key, at) VALUES (?1, ?2)",
            &args![key, at],
        )
        .await?;
    }
    db.exec(
        "DELETE FROM login_failures WHERE at < ?1",
        &args![at - time::Duration::days(1)],
    )
    .await?;
    Ok(())
}

pub(crate) async fn last_login_failure<D: Db>(db: &D, key: &str) -> Result<Option<OffsetDateTime>> {
    db.value(
        "SELECT max(at) FROM login_failures WHERE key = ?1",
        &args![key],
    )
    .await
}

pub(crate) async fn login_failures_under<D: Db>(
    db: &D,
    prefix: &str,
    since: OffsetDateTime,
) -> Result<Vec<(String, OffsetDateTime)>> {
    // A prefix compare rather than LIKE: `_` and `%` may be part of a username.
    db.rows(
        "SELECT substr(key, length(?1) + 1), at FROM login_failures
         WHERE substr(key, 1, length(?1)) = ?1 AND at >= ?2 ORDER BY at DESC LIMIT 50",
        &args![prefix, since],
    )
    .await?
    .iter()
    .map(|r| Ok((r.get(0)?, r.get(1)?)))
    .collect()
}

pub(crate) async fn remember_device<D: Db>(
    db: &D,
    user: UserId,
    token_hash: &str,
    at: OffsetDateTime,
) -> Result<()> {
    db.exec(
        "INSERT INTO known_devices (token_hash, user_id, created_at) VALUES (?1, ?2, ?3)
         ON CONFLICT DO NOTHING",
        &args![token_hash, user.0, at],
    )
    .await?;
    Ok(())
}

pub(crate) async fn is_known_device<D: Db>(db: &D, user: UserId, token_hash: &str) -> Result<bool> {
    db.value(
        "SELECT EXISTS (SELECT 1 FROM known_devices WHERE token_hash = ?1 AND user_id = ?2)",
        &args![token_hash, user.0],
    )
    .await
}

const TOKEN_COLUMNS: &str = "id, user_id, name, created_at, last_used_at, revoked_at, kind";

fn token_row(r: &Row) -> Result<ApiToken> {
    Ok(ApiToken {
        id: r.get(0)?,
        user: UserId(r.get(1)?),
        name: r.get(2)?,
        created_at: r.get(3)?,
        last_used_at: r.get(4)?,
        revoked_at: r.get(5)?,
        kind: TokenKind::parse(r.text(6)?).unwrap_or(TokenKind::Api),
    })
}

pub(crate) async fn create_api_token<D: Db>(
    db: &D,
    t: &NewApiToken,
    audit: &AuditContext,
) -> Result<ApiToken> {
    let id = uuid::Uuid::new_v4();
    db.exec(
        "INSERT INTO api_tokens (id, user_id, name, token_hash, created_at, kind)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        &args![
            id,
            t.user.0,
            &t.name,
            &t.token_hash,
            audit.at,
            t.kind.as_str()
        ],
    )
    .await?;
    audit::insert(
        db,
        &audit.entry(
            AuditAction::TokenCreate,
            record_type::API_TOKEN,
            id.to_string(),
            domain::audit::created(&[
                ("user".into(), t.user.to_string()),
                ("name".into(), t.name.clone()),
                ("kind".into(), t.kind.as_str().into()),
            ]),
        ),
    )
    .await?;
    token_row(
        &db.one(
            &format!("SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE id = ?1"),
            &args![id],
        )
        .await?,
    )
}

pub(crate) async fn api_tokens<D: Db>(db: &D, user: UserId) -> Result<Vec<ApiToken>> {
    db.rows(
        &format!(
            "SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE user_id = ?1
             ORDER BY created_at DESC, name"
        ),
        &args![user.0],
    )
    .await?
    .iter()
    .map(token_row)
    .collect()
}

pub(crate) async fn revoke_api_token<D: Db>(
    db: &D,
    user: UserId,
    id: uuid::Uuid,
    audit: &AuditContext,
) -> Result<()> {
    let n = db
        .exec(
            "UPDATE api_tokens SET revoked_at = ?3
             WHERE id = ?1 AND user_id = ?2 AND revoked_at IS NULL",
            &args![id, user.0, audit.at],
        )
        .await?;
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    audit::insert(
        db,
        &audit.entry(
            AuditAction::TokenRevoke,
            record_type::API_TOKEN,
            id.to_string(),
            vec![],
        ),
    )
    .await
}

pub(crate) async fn user_by_api_token<D: Db>(
    db: &D,
    token_hash: &str,
    kind: TokenKind,
) -> Result<Option<(uuid::Uuid, Option<OffsetDateTime>, User)>> {
    let Some(r) = db
        .opt(
            &format!(
                "SELECT t.id, t.last_used_at, {USER_COLUMNS}
                 FROM api_tokens t JOIN users u ON u.id = t.user_id
                 WHERE t.token_hash = ?1 AND t.kind = ?2 AND t.revoked_at IS NULL
                   AND u.disabled = 0"
            ),
            &args![token_hash, kind.as_str()],
        )
        .await?
    else {
        return Ok(None);
    };
    Ok(Some((r.get(0)?, r.get(1)?, user_row_at(&r, 2)?)))
}

pub(crate) async fn reply<D: Db>(
    db: &D,
    user: UserId,
    key: &str,
    route: &str,
) -> Result<Option<Reply>> {
    let Some(r) = db
        .opt(
            "SELECT status, location, content_type, body FROM replies
             WHERE user_id = ?1 AND once_key = ?2 AND route = ?3 AND status > 0",
            &args![user.0, key, route],
        )
        .await?
    else {
        return Ok(None);
    };
    Ok(Some(Reply {
        status: r.get(0)?,
        location: r.get(1)?,
        content_type: r.get(2)?,
        body: r.get(3)?,
    }))
}

/// A claim is a reply row with status 0 (no HTTP status is 0) until the reply replaces it.
const CLAIMED: i64 = 0;

/// How long a claim holds before it counts as abandoned (its server stopped mid-answer): longer
/// than any request is let run.
const CLAIM_HOLDS: time::Duration = time::Duration::minutes(10);

pub(crate) async fn claim_reply<D: Db>(
    db: &D,
    user: UserId,
    key: &str,
    route: &str,
    at: OffsetDateTime,
) -> Result<ReplyClaim> {
    let claimed = db
        .exec(
            "INSERT INTO replies (user_id, once_key, route, status, location, content_type, body,
                 created_at)
             VALUES (?1, ?2, ?3, ?4, NULL, NULL, ?5, ?6)
             ON CONFLICT (user_id, once_key, route) DO NOTHING",
            &args![user.0, key, route, CLAIMED, Vec::<u8>::new(), at],
        )
        .await?;
    if claimed == 1 {
        return Ok(ReplyClaim::Mine);
    }
    let taken_over = db
        .exec(
            "UPDATE replies SET created_at = ?5
             WHERE user_id = ?1 AND once_key = ?2 AND route = ?3 AND status = ?4
               AND created_at < ?6",
            &args![user.0, key, route, CLAIMED, at, at - CLAIM_HOLDS],
        )
        .await?;
    if taken_over == 1 {
        return Ok(ReplyClaim::Mine);
    }
    Ok(match reply(db, user, key, route).await? {
        Some(kept) => ReplyClaim::Answered(kept),
        None => ReplyClaim::InProgress,
    })
}

pub(crate) async fn release_reply<D: Db>(
    db: &D,
    user: UserId,
    key: &str,
    route: &str,
) -> Result<()> {
    db.exec(
        "DELETE FROM replies WHERE user_id = ?1 AND once_key = ?2 AND route = ?3 AND status = ?4",
        &args![user.0, key, route, CLAIMED],
    )
    .await?;
    Ok(())
}

pub(crate) async fn keep_reply<D: Db>(
    db: &D,
    user: UserId,
    key: &str,
    route: &str,
    reply: &Reply,
    at: OffsetDateTime,
) -> Result<()> {
    db.exec(
        "INSERT INTO replies (user_id, once_key, route, status, location, content_type, body,
             created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT (user_id, once_key, route) DO UPDATE SET status = excluded.status,
             location = excluded.location, content_type = excluded.content_type,
             body = excluded.body, created_at = excluded.created_at
         WHERE replies.status = 0",
        &args![
            user.0,
            key,
            route,
            reply.status,
            &reply.location,
            &reply.content_type,
            &reply.body,
            at
        ],
    )
    .await?;
    db.exec(
        "DELETE FROM replies WHERE created_at < ?1",
        &args![at - time::Duration::days(1)],
    )
    .await?;
    Ok(())
}

pub(crate) async fn touch_session<D: Db>(
    db: &D,
    token_hash: &str,
    at: OffsetDateTime,
) -> Result<()> {
    db.exec(
        "UPDATE sessions SET last_seen_at = ?2 WHERE token_hash = ?1",
        &args![token_hash, at],
    )
    .await?;
    Ok(())
}

pub(crate) async fn delete_session<D: Db>(db: &D, token_hash: &str) -> Result<()> {
    db.exec(
        "DELETE FROM sessions WHERE token_hash = ?1",
        &args![token_hash],
    )
    .await?;
    Ok(())
}

pub(crate) async fn count_login_failures<D: Db>(
    db: &D,
    key: &str,
    since: OffsetDateTime,
) -> Result<u32> {
    db.value(
        "SELECT count(*) FROM login_failures WHERE key = ?1 AND at >= ?2",
        &args![key, since],
    )
    .await
}

pub(crate) async fn clear_login_failures<D: Db>(db: &D, key: &str) -> Result<()> {
    db.exec("DELETE FROM login_failures WHERE key = ?1", &args![key])
        .await?;
    Ok(())
}

pub(crate) async fn token_used<D: Db>(db: &D, id: uuid::Uuid, at: OffsetDateTime) -> Result<()> {
    db.exec(
        "UPDATE api_tokens SET last_used_at = ?2 WHERE id = ?1",
        &args![id, at],
    )
    .await?;
    Ok(())
}

pub(crate) async fn health<D: Db>(db: &D) -> Result<()> {
    db.value::<i64>("SELECT 1", &[]).await.map(|_| ())
}

/// Whether a token's use is worth writing down: recording use is bookkeeping, and once an hour
/// is enough to keep API reads from writing.
pub(crate) fn worth_recording_use(last_used: Option<OffsetDateTime>, now: OffsetDateTime) -> bool {
    last_used.is_none_or(|t| now - t > time::Duration::hours(1))
}
