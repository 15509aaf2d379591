//! The account part of the `Store` API (offices, users, sessions, sign-in failures, two-step
//! sign-in, tokens and kept replies) on both engines.

use domain::{OfficeCode, OfficeId, UserId, Username};
use time::OffsetDateTime;

use super::{accounts, now, on_both_engines, two_factor};
use crate::model::*;
use crate::sqlite::Lite;
use crate::{AccountStore, AuditContext, Result};

on_both_engines! {
    impl AccountStore {
        read fn health(&self) -> Result<()> = |db| accounts::health(db);
        read fn list_offices(&self) -> Result<Vec<Office>> = |db| accounts::list_offices(db);
        read fn office(&self, id: OfficeId) -> Result<Office> = |db| accounts::office(db, *id);
        read fn office_by_code(&self, code: &OfficeCode) -> Result<Option<Office>> =
            |db| accounts::office_by_code(db, code);
        write fn ensure_office(&self, code: &OfficeCode, name: &str) -> Result<Office> =
            |db| accounts::ensure_office(db, code, name);
        read fn count_users(&self) -> Result<u64> = |db| accounts::count_users(db);
        write fn create_user(&self, user: NewUser, audit: AuditContext) -> Result<User> =
            |db| accounts::create_user(db, user, audit);
        read fn user(&self, id: UserId) -> Result<User> = |db| accounts::user(db, *id);
        read fn user_by_username(&self, username: &Username) -> Result<Option<User>> =
            |db| accounts::user_by_username(db, username);
        read fn list_users(&self) -> Result<Vec<User>> = |db| accounts::list_users(db);
        read fn case_managers(&self, office: Option<OfficeId>) -> Result<Vec<User>> =
            |db| accounts::case_managers(db, *office);
        write fn set_preferred_language(
            &self,
            user: UserId,
            language: &str,
            audit: AuditContext,
        ) -> Result<()> = |db| accounts::set_preferred_language(db, *user, language, audit);
        write fn create_session(&self, session: NewSession) -> Result<()> =
            |db| accounts::create_session(db, session);
        read fn session(&self, token_hash: &str) -> Result<Option<(Session, User)>> =
            |db| accounts::session(db, token_hash);
        write fn touch_session(&self, token_hash: &str, now: OffsetDateTime) -> Result<()> =
            |db| accounts::touch_session(db, token_hash, *now);
        write fn delete_session(&self, token_hash: &str) -> Result<()> =
            |db| accounts::delete_session(db, token_hash);
        write fn record_login_failure(&self, keys: &[String], at: OffsetDateTime) -> Result<()> =
            |db| accounts::record_login_failure(db, keys, *at);
        read fn count_login_failures(&self, key: &str, since: OffsetDateTime) -> Result<u32> =
            |db| accounts::count_login_failures(db, key, *since);
        write fn clear_login_failures(&self, key: &str) -> Result<()> =
            |db| accounts::clear_login_failures(db, key);
        read fn last_login_failure(&self, key: &str) -> Result<Option<OffsetDateTime>> =
            |db| accounts::last_login_failure(db, key);
        read fn login_failures_under(
            &self,
            prefix: &str,
            since: OffsetDateTime,
        ) -> Result<Vec<(String, OffsetDateTime)>> =
            |db| accounts::login_failures_under(db, prefix, *since);
        write fn remember_device(
            &self,
            user: UserId,
            token_hash: &str,
            at: OffsetDateTime,
        ) -> Result<()> = |db| accounts::remember_device(db, *user, token_hash, *at);
        read fn is_known_device(&self, user: UserId, token_hash: &str) -> Result<bool> =
            |db| accounts::is_known_device(db, *user, token_hash);
        read fn two_factor(&self, user: UserId) -> Result<Option<TwoFactor>> =
            |db| two_factor::two_factor(db, *user);
        write fn begin_two_factor(
            &self,
            user: UserId,
            secret: &str,
            at: OffsetDateTime,
        ) -> Result<()> = |db| two_factor::begin(db, *user, secret, *at);
        write fn enable_two_factor(
            &self,
            user: UserId,
            step: u64,
            recovery_code_hashes: Vec<String>,
            audit: AuditContext,
        ) -> Result<()> =
            |db| two_factor::enable(db, *user, *step, recovery_code_hashes, audit);
        write fn remove_two_factor(&self, user: UserId, audit: AuditContext) -> Result<()> =
            |db| two_factor::remove(db, *user, audit);
        write fn replace_recovery_codes(
            &self,
            user: UserId,
            hashes: Vec<String>,
            audit: AuditContext,
        ) -> Result<()> = |db| two_factor::replace_codes(db, *user, hashes, audit);
        write fn accept_code_step(&self, user: UserId, step: u64) -> Result<bool> =
            |db| two_factor::accept_step(db, *user, *step);
        write fn use_recovery_code(
            &self,
            user: UserId,
            hash: &str,
            at: OffsetDateTime,
        ) -> Result<bool> = |db| two_factor::use_code(db, *user, hash, *at);
        write fn create_second_step(
            &self,
            token_hash: &str,
            user: UserId,
            at: OffsetDateTime,
        ) -> Result<()> = |db| two_factor::create_second_step(db, token_hash, *user, *at);
        read fn second_step(&self, token_hash: &str) -> Result<Option<(UserId, OffsetDateTime)>> =
            |db| two_factor::second_step(db, token_hash);
        write fn delete_second_step(&self, token_hash: &str, now: OffsetDateTime) -> Result<()> =
            |db| two_factor::delete_second_step(db, token_hash, *now);
        write fn create_api_token(&self, token: NewApiToken, audit: AuditContext) -> Result<ApiToken> =
            |db| accounts::create_api_token(db, token, audit);
        read fn api_tokens(&self, user: UserId) -> Result<Vec<ApiToken>> =
            |db| accounts::api_tokens(db, *user);
        write fn revoke_api_token(
            &self,
            user: UserId,
            id: uuid::Uuid,
            audit: AuditContext,
        ) -> Result<()> = |db| accounts::revoke_api_token(db, *user, *id, audit);
        read fn reply(&self, user: UserId, once_key: &str, route: &str) -> Result<Option<Reply>> =
            |db| accounts::reply(db, *user, once_key, route);
        write fn claim_reply(
            &self,
            user: UserId,
            once_key: &str,
            route: &str,
            at: OffsetDateTime,
        ) -> Result<ReplyClaim> = |db| accounts::claim_reply(db, *user, once_key, route, *at);
        write fn release_reply(&self, user: UserId, once_key: &str, route: &str) -> Result<()> =
            |db| accounts::release_reply(db, *user, once_key, route);
        write fn keep_reply(
            &self,
            user: UserId,
            once_key: &str,
            route: &str,
            reply: Reply,
            at: OffsetDateTime,
        ) -> Result<()> = |db| accounts::keep_reply(db, *user, once_key, route, reply, *at);
    }
    sqlite {
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
                now(accounts::set_password(
                    &Lite(tx),
                    user,
                    &hash,
                    must_change,
                    keep.as_deref(),
                    &audit,
                ))
            })
            .await
        }
        async fn user_by_api_token(
            &self,
            token_hash: &str,
            kind: TokenKind,
            at: OffsetDateTime,
        ) -> Result<Option<(uuid::Uuid, User)>> {
            let h = token_hash.to_string();
            let found = self
                .read(move |c| now(accounts::user_by_api_token(&Lite(c), &h, kind)))
                .await?;
            let Some((token, last_used, user)) = found else {
                return Ok(None);
            };
            if accounts::worth_recording_use(last_used, at) {
                self.write(move |tx| now(accounts::token_used(&Lite(tx), token, at)))
                    .await?;
            }
            Ok(Some((token, user)))
        }
    }
    postgres {
        async fn set_password(
            &self,
            user: UserId,
            hash: String,
            must_change: bool,
            keep_session: Option<&str>,
            audit: AuditContext,
        ) -> Result<()> {
            let keep = keep_session.map(str::to_string);
            self.write((hash, keep, audit), move |db, (hash, keep, audit)| {
                Box::pin(accounts::set_password(
                    db,
                    user,
                    hash,
                    must_change,
                    keep.as_deref(),
                    audit,
                ))
            })
            .await
        }
        async fn user_by_api_token(
            &self,
            token_hash: &str,
            kind: TokenKind,
            at: OffsetDateTime,
        ) -> Result<Option<(uuid::Uuid, User)>> {
            let found = self
                .read(token_hash.to_string(), move |db, h| {
                    Box::pin(accounts::user_by_api_token(db, h, kind))
                })
                .await?;
            let Some((token, last_used, user)) = found else {
                return Ok(None);
            };
            if accounts::worth_recording_use(last_used, at) {
                self.write(token, move |db, token| Box::pin(accounts::token_used(db, *token, at)))
                    .await?;
            }
            Ok(Some((token, user)))
        }
    }
}
