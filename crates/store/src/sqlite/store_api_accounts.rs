//! The account part of the `Store` API on SQLite: offices, users, sessions, sign-in failures,
//! tokens and kept replies (the other parts are in `store_api.rs`).

use super::*;

#[async_trait]
impl AccountStore for SqliteStore {
    async fn health(&self) -> Result<()> {
        self.read(|c| {
            q_row(c, "SELECT 1", [], |_| Ok(()))?;
            Ok(())
        })
        .await
    }
    async fn list_offices(&self) -> Result<Vec<Office>> {
        self.read(accounts::list_offices).await
    }
    async fn office(&self, id: OfficeId) -> Result<Office> {
        self.read(move |c| accounts::office(c, id)).await
    }
    async fn office_by_code(&self, code: &OfficeCode) -> Result<Option<Office>> {
        let code = code.clone();
        self.read(move |c| accounts::office_by_code(c, &code)).await
    }
    async fn ensure_office(&self, code: &OfficeCode, name: &str) -> Result<Office> {
        let (code, name) = (code.clone(), name.to_string());
        self.write(move |tx| accounts::ensure_office(tx, &code, &name))
            .await
    }
    async fn count_users(&self) -> Result<u64> {
        self.read(accounts::count_users).await
    }
    async fn create_user(&self, user: NewUser, audit: AuditContext) -> Result<User> {
        self.write(move |tx| accounts::create_user(tx, user, &audit))
            .await
    }
    async fn user(&self, id: UserId) -> Result<User> {
        self.read(move |c| accounts::user(c, id)).await
    }
    async fn user_by_username(&self, username: &Username) -> Result<Option<User>> {
        let username = username.clone();
        self.read(move |c| accounts::user_by_username(c, &username))
            .await
    }
    async fn list_users(&self) -> Result<Vec<User>> {
        self.read(accounts::list_users).await
    }
    async fn case_managers(&self, office: Option<OfficeId>) -> Result<Vec<User>> {
        self.read(move |c| accounts::case_managers(c, office)).await
    }
    async fn set_password(
        &self,
        user: UserId,
        hash: String,
        must_change: bool,
        keep_session: Option<&str>,
        audit: AuditContext,
    ) -> Result<()> {
        let keep = keep_session.map(str::to_string);
        self.write(move |tx| {
            accounts::set_password(tx, user, &hash, must_change, keep.as_deref(), &audit)
        })
        .await
    }
    async fn set_preferred_language(
        &self,
        user: UserId,
        language: &str,
        audit: AuditContext,
    ) -> Result<()> {
        let language = language.to_string();
        self.write(move |tx| accounts::set_preferred_language(tx, user, &language, &audit))
            .await
    }
    async fn create_session(&self, session: NewSession) -> Result<()> {
        self.write(move |tx| accounts::create_session(tx, &session))
            .await
    }
    async fn session(&self, token_hash: &str) -> Result<Option<(Session, User)>> {
        let h = token_hash.to_string();
        self.read(move |c| accounts::session(c, &h)).await
    }
    async fn touch_session(&self, token_hash: &str, now: OffsetDateTime) -> Result<()> {
        let h = token_hash.to_string();
        self.write(move |tx| {
            exec(
                tx,
                "UPDATE sessions SET last_seen_at = ?2 WHERE token_hash = ?1",
                rusqlite::params![h, ts(now)],
            )?;
            Ok(())
        })
        .await
    }
    async fn delete_session(&self, token_hash: &str) -> Result<()> {
        let h = token_hash.to_string();
        self.write(move |tx| {
            exec(tx, "DELETE FROM sessions WHERE token_hash = ?1", [h])?;
            Ok(())
        })
        .await
    }
    async fn record_login_failure(&self, keys: &[String], at: OffsetDateTime) -> Result<()> {
        let keys = keys.to_vec();
        self.write(move |tx| accounts::record_login_failure(tx, &keys, at))
            .await
    }
    async fn count_login_failures(&self, key: &str, since: OffsetDateTime) -> Result<u32> {
        let key = key.to_string();
        self.read(move |c| {
            Ok(q_row(
                c,
                "SELECT count(*) FROM login_failures WHERE key = ?1 AND at >= ?2",
                rusqlite::params![key, ts(since)],
                |r| r.get(0),
            )?)
        })
        .await
    }
    async fn clear_login_failures(&self, key: &str) -> Result<()> {
        let key = key.to_string();
        self.write(move |tx| {
            exec(tx, "DELETE FROM login_failures WHERE key = ?1", [key])?;
            Ok(())
        })
        .await
    }
    async fn last_login_failure(&self, key: &str) -> Result<Option<OffsetDateTime>> {
        let key = key.to_string();
        self.read(move |c| accounts::last_login_failure(c, &key))
            .await
    }
    async fn login_failures_under(
        &self,
        prefix: &str,
        since: OffsetDateTime,
    ) -> Result<Vec<(String, OffsetDateTime)>> {
        let prefix = prefix.to_string();
        self.read(move |c| accounts::login_failures_under(c, &prefix, since))
            .await
    }
    async fn remember_device(
        &self,
        user: UserId,
        token_hash: &str,
        at: OffsetDateTime,
    ) -> Result<()> {
        let token_hash = token_hash.to_string();
        self.write(move |tx| accounts::remember_device(tx, user, &token_hash, at))
            .await
    }
    async fn is_known_device(&self, user: UserId, token_hash: &str) -> Result<bool> {
        let token_hash = token_hash.to_string();
        self.read(move |c| accounts::is_known_device(c, user, &token_hash))
            .await
    }
    async fn two_factor(&self, user: UserId) -> Result<Option<TwoFactor>> {
        self.read(move |c| two_factor::two_factor(c, user)).await
    }
    async fn begin_two_factor(&self, user: UserId, secret: &str, at: OffsetDateTime) -> Result<()> {
        let secret = secret.to_string();
        self.write(move |tx| two_factor::begin(tx, user, &secret, at))
            .await
    }
    async fn enable_two_factor(
        &self,
        user: UserId,
        step: u64,
        recovery_code_hashes: Vec<String>,
        audit: AuditContext,
    ) -> Result<()> {
        self.write(move |tx| two_factor::enable(tx, user, step, &recovery_code_hashes, &audit))
            .await
    }
    async fn remove_two_factor(&self, user: UserId, audit: AuditContext) -> Result<()> {
        self.write(move |tx| two_factor::remove(tx, user, &audit))
            .await
    }
    async fn replace_recovery_codes(
        &self,
        user: UserId,
        hashes: Vec<String>,
        audit: AuditContext,
    ) -> Result<()> {
        self.write(move |tx| two_factor::replace_codes(tx, user, &hashes, &audit))
            .await
    }
    async fn accept_code_step(&self, user: UserId, step: u64) -> Result<bool> {
        self.write(move |tx| two_factor::accept_step(tx, user, step))
            .await
    }
    async fn use_recovery_code(
        &self,
        user: UserId,
        hash: &str,
        at: OffsetDateTime,
    ) -> Result<bool> {
        let hash = hash.to_string();
        self.write(move |tx| two_factor::use_code(tx, user, &hash, at))
            .await
    }
    async fn create_second_step(
        &self,
        token_hash: &str,
        user: UserId,
        at: OffsetDateTime,
    ) -> Result<()> {
        let h = token_hash.to_string();
        self.write(move |tx| two_factor::create_second_step(tx, &h, user, at))
            .await
    }
    async fn second_step(&self, token_hash: &str) -> Result<Option<(UserId, OffsetDateTime)>> {
        let h = token_hash.to_string();
        self.read(move |c| two_factor::second_step(c, &h)).await
    }
    async fn delete_second_step(&self, token_hash: &str, now: OffsetDateTime) -> Result<()> {
        let h = token_hash.to_string();
        self.write(move |tx| two_factor::delete_second_step(tx, &h, now))
            .await
    }
    async fn create_api_token(&self, token: NewApiToken, audit: AuditContext) -> Result<ApiToken> {
        self.write(move |tx| accounts::create_api_token(tx, token, &audit))
            .await
    }
    async fn api_tokens(&self, user: UserId) -> Result<Vec<ApiToken>> {
        self.read(move |c| accounts::api_tokens(c, user)).await
    }
    async fn revoke_api_token(
        &self,
        user: UserId,
        id: uuid::Uuid,
        audit: AuditContext,
    ) -> Result<()> {
        self.write(move |tx| accounts::revoke_api_token(tx, user, id, &audit))
            .await
    }
    async fn user_by_api_token(
        &self,
        token_hash: &str,
        kind: TokenKind,
        now: OffsetDateTime,
    ) -> Result<Option<(uuid::Uuid, User)>> {
        let h = token_hash.to_string();
        let found = self
            .read(move |c| accounts::user_by_api_token(c, &h, kind))
            .await?;
        if let Some((token_id, last_used, user)) = found {
            // Recording use is bookkeeping; once an hour is enough and keeps API reads cheap.
            if last_used.is_none_or(|t| now - t > time::Duration::hours(1)) {
                self.write(move |tx| {
                    exec(
                        tx,
                        "UPDATE api_tokens SET last_used_at = ?2 WHERE id = ?1",
                        rusqlite::params![token_id.to_string(), ts(now)],
                    )?;
                    Ok(())
                })
                .await?;
            }
            return Ok(Some((token_id, user)));
        }
        Ok(None)
    }
    async fn reply(&self, user: UserId, once_key: &str, route: &str) -> Result<Option<Reply>> {
        let (key, route) = (once_key.to_string(), route.to_string());
        self.read(move |c| accounts::reply(c, user, &key, &route))
            .await
    }
    async fn keep_reply(
        &self,
        user: UserId,
        once_key: &str,
        route: &str,
        reply: Reply,
        at: OffsetDateTime,
    ) -> Result<()> {
        let (key, route) = (once_key.to_string(), route.to_string());
        self.write(move |tx| accounts::keep_reply(tx, user, &key, &route, &reply, at))
            .await
    }
}
