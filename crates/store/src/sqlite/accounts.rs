//! Offices, users, sessions, sign-in failures and API tokens.

use domain::audit::{AuditAction, FieldChange};
use domain::{OfficeCode, OfficeId, Role, UserId, Username};
use rusqlite::{Connection, OptionalExtension, Row, params};
use time::OffsetDateTime;

use super::{exec, from_ts, is_unique_violation, parse_named, parse_uuid, q_row, ts};
use crate::model::*;
use crate::{AuditContext, Result, StoreError};

fn office_row(r: &Row<'_>) -> rusqlite::Result<Office> {
    let code: String = r.get(1)?;
    Ok(Office {
        id: OfficeId(parse_uuid(0, &r.get::<_, String>(0)?)?),
        code: parse_named(1, &code, |s| OfficeCode::parse(s).ok())?,
        name: r.get(2)?,
        self_approval: r.get(3)?,
    })
}

pub(crate) fn list_offices(c: &Connection) -> Result<Vec<Office>> {
    let mut stmt =
        c.prepare_cached("SELECT id, code, name, self_approval FROM offices ORDER BY code")?;
    let rows = stmt.query_map([], office_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub(crate) fn office(c: &Connection, id: OfficeId) -> Result<Office> {
    c.prepare_cached("SELECT id, code, name, self_approval FROM offices WHERE id = ?1")?
        .query_row([id.to_string()], office_row)
        .optional()?
        .ok_or(StoreError::NotFound)
}

pub(crate) fn office_by_code(c: &Connection, code: &OfficeCode) -> Result<Option<Office>> {
    Ok(q_row(
        c,
        "SELECT id, code, name, self_approval FROM offices WHERE code = ?1",
        [code.as_str()],
        office_row,
    )
    .optional()?)
}

pub(crate) fn ensure_office(c: &Connection, code: &OfficeCode, name: &str) -> Result<Office> {
    exec(
        c,
        "INSERT INTO offices (id, code, name, created_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (code) DO NOTHING",
        params![
            OfficeId::new().to_string(),
            code.as_str(),
            name,
            ts(OffsetDateTime::now_utc())
        ],
    )?;
    office_by_code(c, code)?.ok_or(StoreError::NotFound)
}

const USER_COLUMNS: &str = "u.id, u.username, u.display_name, u.role, u.office_id, u.password_hash,
     u.must_change_password, u.disabled, u.created_at, u.provider_id, u.preferred_language,
     EXISTS (SELECT 1 FROM two_factor t WHERE t.user_id = u.id AND t.enabled_at IS NOT NULL)";

fn user_row(r: &Row<'_>) -> rusqlite::Result<User> {
    user_row_at(r, 0)
}

/// Reads the user columns starting at column `o`.
fn user_row_at(r: &Row<'_>, o: usize) -> rusqlite::Result<User> {
    let office: Option<String> = r.get(o + 4)?;
    Ok(User {
        id: UserId(parse_uuid(o, &r.get::<_, String>(o)?)?),
        username: parse_named(o + 1, &r.get::<_, String>(o + 1)?, |s| {
            Username::parse(s).ok()
        })?,
        display_name: r.get(o + 2)?,
        role: parse_named(o + 3, &r.get::<_, String>(o + 3)?, |s| {
            s.parse::<Role>().ok()
        })?,
        office: office
            .map(|s| parse_uuid(o + 4, &s).map(OfficeId))
            .transpose()?,
        password_hash: r.get(o + 5)?,
        must_change_password: r.get(o + 6)?,
        disabled: r.get(o + 7)?,
        created_at: from_ts(r.get(o + 8)?),
        organisation: r
            .get::<_, Option<String>>(o + 9)?
            .map(|s| parse_uuid(o + 9, &s).map(domain::ProviderId))
            .transpose()?,
        preferred_language: r.get(o + 10)?,
        two_factor: r.get(o + 11)?,
    })
}

pub(crate) fn count_users(c: &Connection) -> Result<u64> {
    Ok(q_row(c, "SELECT count(*) FROM users", [], |r| r.get(0))?)
}

pub(crate) fn create_user(c: &Connection, u: NewUser, audit: &AuditContext) -> Result<User> {
    let id = UserId::new();
    let inserted = exec(
        c,
        "INSERT INTO users (id, username, display_name, role, office_id, password_hash,
                            must_change_password, disabled, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 0, ?8)",
        params![
            id.to_string(),
            u.username.as_str(),
            u.display_name,
            u.role.as_str(),
            u.office.map(|o| o.to_string()),
            u.password_hash,
            u.must_change_password,
            ts(audit.at)
        ],
    );
    match inserted {
        Err(e) if is_unique_violation(&e) => return Err(StoreError::Duplicate("username")),
        other => other?,
    };
    let office_code = match u.office {
        Some(o) => Some(office(c, o)?.code.to_string()),
        None => None,
    };
    let changes = domain::audit::created(&[
        ("username".into(), u.username.to_string()),
        ("display_name".into(), u.display_name.clone()),
        ("role".into(), u.role.to_string()),
        ("office".into(), office_code.unwrap_or_default()),
    ]);
    super::audit::insert(
        c,
        &audit.entry(
            AuditAction::Create,
            record_type::USER,
            id.to_string(),
            changes,
        ),
    )?;
    user(c, id)
}

pub(crate) fn user(c: &Connection, id: UserId) -> Result<User> {
    c.prepare_cached(&format!(
        "SELECT {USER_COLUMNS} FROM users u WHERE u.id = ?1"
    ))?
    .query_row([id.to_string()], user_row)
    .optional()?
    .ok_or(StoreError::NotFound)
}

pub(crate) fn user_by_username(c: &Connection, username: &Username) -> Result<Option<User>> {
    Ok(q_row(
        c,
        &format!("SELECT {USER_COLUMNS} FROM users u WHERE u.username = ?1"),
        [username.as_str()],
        user_row,
    )
    .optional()?)
}

pub(crate) fn list_users(c: &Connection) -> Result<Vec<User>> {
    let mut stmt = c.prepare_cached(&format!(
        "SELECT {USER_COLUMNS} FROM users u ORDER BY u.username"
    ))?;
    let rows = stmt.query_map([], user_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub(crate) fn case_managers(c: &Connection, office: Option<OfficeId>) -> Result<Vec<User>> {
    let mut stmt = c.prepare_cached(&format!(
        "SELECT {USER_COLUMNS} FROM users u
         WHERE u.role = 'case-manager' AND u.disabled = 0
           AND (?1 IS NULL OR u.office_id = ?1)
         ORDER BY u.display_name"
    ))?;
    let rows = stmt.query_map([office.map(|o| o.to_string())], user_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub(crate) fn set_password(
    c: &Connection,
    id: UserId,
    hash: &str,
    must_change: bool,
    keep_session: Option<&str>,
    audit: &AuditContext,
) -> Result<()> {
    let n = exec(
        c,
        "UPDATE users SET password_hash = ?2, must_change_password = ?3 WHERE id = ?1",
        params![id.to_string(), hash, must_change],
    )?;
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    exec(
        c,
        "DELETE FROM sessions WHERE user_id = ?1 AND token_hash IS NOT ?2",
        params![id.to_string(), keep_session],
    )?;
    let change = FieldChange {
        field: "password".into(),
        before: None,
        after: Some(if must_change { "reset" } else { "changed" }.into()),
    };
    super::audit::insert(
        c,
        &audit.entry(
            AuditAction::PasswordChange,
            record_type::USER,
            id.to_string(),
            vec![change],
        ),
    )
}

pub(crate) fn set_preferred_language(
    c: &Connection,
    id: UserId,
    language: &str,
    audit: &AuditContext,
) -> Result<()> {
    let before: Option<Option<String>> = q_row(
        c,
        "SELECT preferred_language FROM users WHERE id = ?1",
        params![id.to_string()],
        |r| r.get(0),
    )
    .optional()?;
    let Some(before) = before else {
        return Err(StoreError::NotFound);
    };
    if before.as_deref() == Some(language) {
        return Ok(());
    }
    exec(
        c,
        "UPDATE users SET preferred_language = ?2 WHERE id = ?1",
        params![id.to_string(), language],
    )?;
    let change = FieldChange {
        field: "preferred_language".into(),
        before,
        after: Some(language.to_string()),
    };
    super::audit::insert(
        c,
        &audit.entry(
            AuditAction::Update,
            record_type::USER,
            id.to_string(),
            vec![change],
        ),
    )
}

pub(crate) fn create_session(c: &Connection, s: &NewSession) -> Result<()> {
    exec(
        c,
        "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, last_seen_at)
         VALUES (?1, ?2, ?3, ?4, ?4)",
        params![s.token_hash, s.user.to_string(), s.csrf_token, ts(s.at)],
    )?;
    // Sessions that can no longer be live are removed as new ones arrive.
    exec(
        c,
        "DELETE FROM sessions WHERE created_at < ?1",
        [ts(s.at - time::Duration::days(2))],
    )?;
    Ok(())
}

pub(crate) fn session(c: &Connection, token_hash: &str) -> Result<Option<(Session, User)>> {
    Ok(q_row(
        c,
        &format!(
            "SELECT s.token_hash, s.user_id, s.csrf_token, s.created_at, s.last_seen_at,
                        {USER_COLUMNS}
                 FROM sessions s JOIN users u ON u.id = s.user_id
                 WHERE s.token_hash = ?1"
        ),
        [token_hash],
        |r| {
            Ok((
                Session {
                    token_hash: r.get(0)?,
                    user: UserId(parse_uuid(1, &r.get::<_, String>(1)?)?),
                    csrf_token: r.get(2)?,
                    created_at: from_ts(r.get(3)?),
                    last_seen_at: from_ts(r.get(4)?),
                },
                user_row_at(r, 5)?,
            ))
        },
    )
    .optional()?)
}

pub(crate) fn record_login_failure(
    c: &Connection,
    keys: &[String],
    at: OffsetDateTime,
) -> Result<()> {
    for key in keys {
        exec(
            c,
            "INSERT INTO login_failures (key, at) VALUES (?1, ?2)",
            params![key, ts(at)],
        )?;
    }
    exec(
        c,
        "DELETE FROM login_failures WHERE at < ?1",
        [ts(at - time::Duration::days(1))],
    )?;
    Ok(())
}

pub(crate) fn last_login_failure(c: &Connection, key: &str) -> Result<Option<OffsetDateTime>> {
    let at: Option<i64> = q_row(
        c,
        "SELECT max(at) FROM login_failures WHERE key = ?1",
        [key],
        |r| r.get(0),
    )?;
    Ok(at.map(from_ts))
}

pub(crate) fn login_failures_under(
    c: &Connection,
    prefix: &str,
    since: OffsetDateTime,
) -> Result<Vec<(String, OffsetDateTime)>> {
    // A prefix compare rather than LIKE: `_` and `%` may be part of a username.
    let mut stmt = c.prepare_cached(
        "SELECT substr(key, length(?1) + 1), at FROM login_failures
         WHERE substr(key, 1, length(?1)) = ?1 AND at >= ?2 ORDER BY at DESC LIMIT 50",
    )?;
    let rows = stmt
        .query_map(params![prefix, ts(since)], |r| {
            Ok((r.get::<_, String>(0)?, from_ts(r.get::<_, i64>(1)?)))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

pub(crate) fn remember_device(
    c: &Connection,
    user: UserId,
    token_hash: &str,
    at: OffsetDateTime,
) -> Result<()> {
    exec(
        c,
        "INSERT OR IGNORE INTO known_devices (token_hash, user_id, created_at) VALUES (?1, ?2, ?3)",
        params![token_hash, user.to_string(), ts(at)],
    )?;
    Ok(())
}

pub(crate) fn is_known_device(c: &Connection, user: UserId, token_hash: &str) -> Result<bool> {
    Ok(q_row(
        c,
        "SELECT EXISTS (SELECT 1 FROM known_devices WHERE token_hash = ?1 AND user_id = ?2)",
        params![token_hash, user.to_string()],
        |r| r.get(0),
    )?)
}

fn token_row(r: &Row<'_>) -> rusqlite::Result<ApiToken> {
    Ok(ApiToken {
        id: parse_uuid(0, &r.get::<_, String>(0)?)?,
        user: UserId(parse_uuid(1, &r.get::<_, String>(1)?)?),
        name: r.get(2)?,
        created_at: from_ts(r.get(3)?),
        last_used_at: r.get::<_, Option<i64>>(4)?.map(from_ts),
        revoked_at: r.get::<_, Option<i64>>(5)?.map(from_ts),
        kind: TokenKind::parse(&r.get::<_, String>(6)?).unwrap_or(TokenKind::Api),
    })
}

pub(crate) fn create_api_token(
    c: &Connection,
    t: NewApiToken,
    audit: &AuditContext,
) -> Result<ApiToken> {
    let id = uuid::Uuid::new_v4();
    exec(
        c,
        "INSERT INTO api_tokens (id, user_id, name, token_hash, created_at, kind)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            id.to_string(),
            t.user.to_string(),
            t.name,
            t.token_hash,
            ts(audit.at),
            t.kind.as_str()
        ],
    )?;
    super::audit::insert(
        c,
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
    )?;
    Ok(q_row(
        c,
        "SELECT id, user_id, name, created_at, last_used_at, revoked_at, kind FROM api_tokens
         WHERE id = ?1",
        [id.to_string()],
        token_row,
    )?)
}

pub(crate) fn api_tokens(c: &Connection, user: UserId) -> Result<Vec<ApiToken>> {
    let mut stmt = c.prepare_cached(
        "SELECT id, user_id, name, created_at, last_used_at, revoked_at, kind FROM api_tokens
         WHERE user_id = ?1 ORDER BY created_at DESC, name",
    )?;
    let rows = stmt.query_map([user.to_string()], token_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub(crate) fn revoke_api_token(
    c: &Connection,
    user: UserId,
    id: uuid::Uuid,
    audit: &AuditContext,
) -> Result<()> {
    let n = exec(
        c,
        "UPDATE api_tokens SET revoked_at = ?3 WHERE id = ?1 AND user_id = ?2 AND revoked_at IS NULL",
        params![id.to_string(), user.to_string(), ts(audit.at)],
    )?;
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    super::audit::insert(
        c,
        &audit.entry(
            AuditAction::TokenRevoke,
            record_type::API_TOKEN,
            id.to_string(),
            vec![],
        ),
    )
}

pub(crate) fn user_by_api_token(
    c: &Connection,
    token_hash: &str,
    kind: TokenKind,
) -> Result<Option<(uuid::Uuid, Option<OffsetDateTime>, User)>> {
    Ok(q_row(
        c,
        &format!(
            "SELECT t.id, t.last_used_at, {USER_COLUMNS}
                 FROM api_tokens t JOIN users u ON u.id = t.user_id
                 WHERE t.token_hash = ?1 AND t.kind = ?2 AND t.revoked_at IS NULL
                   AND u.disabled = 0"
        ),
        params![token_hash, kind.as_str()],
        |r| {
            Ok((
                parse_uuid(0, &r.get::<_, String>(0)?)?,
                r.get::<_, Option<i64>>(1)?.map(from_ts),
                user_row_at(r, 2)?,
            ))
        },
    )
    .optional()?)
}

pub(crate) fn reply(c: &Connection, user: UserId, key: &str, route: &str) -> Result<Option<Reply>> {
    Ok(q_row(
        c,
        "SELECT status, location, content_type, body FROM replies
         WHERE user_id = ?1 AND once_key = ?2 AND route = ?3",
        params![user.to_string(), key, route],
        |r| {
            Ok(Reply {
                status: r.get(0)?,
                location: r.get(1)?,
                content_type: r.get(2)?,
                body: r.get(3)?,
            })
        },
    )
    .optional()?)
}

pub(crate) fn keep_reply(
    c: &Connection,
    user: UserId,
    key: &str,
    route: &str,
    reply: &Reply,
    at: OffsetDateTime,
) -> Result<()> {
    exec(
        c,
        "INSERT INTO replies (user_id, once_key, route, status, location, content_type, body,
             created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT (user_id, once_key, route) DO NOTHING",
        params![
            user.to_string(),
            key,
            route,
            reply.status,
            reply.location,
            reply.content_type,
            reply.body,
            ts(at)
        ],
    )?;
    exec(
        c,
        "DELETE FROM replies WHERE created_at < ?1",
        [ts(at - time::Duration::days(1))],
    )?;
    Ok(())
}
