//! Secrets of accounts: password hashes, random tokens and one-time passwords. The session
//! cookie and API tokens are random tokens of which the database holds only the SHA-256.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// 32 random bytes, URL-safe.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A readable one-time password: four groups of four letters and digits, without look-alikes.
pub fn one_time_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    let chars: Vec<char> = bytes
        .iter()
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
        .collect();
    chars
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

pub fn hash_token(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Compares secrets in constant time.
pub fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

#[derive(Debug, thiserror::Error)]
#[error("password hashing failed")]
pub struct HashError;

/// Argon2id with the crate's default (OWASP-recommended) parameters. Runs off the async threads.
pub async fn hash_password(password: String) -> Result<String, HashError> {
    tokio::task::spawn_blocking(move || {
        let mut salt = [0u8; 16];
        rand::rng().fill_bytes(&mut salt);
        let salt = SaltString::encode_b64(&salt).map_err(|_| HashError)?;
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|_| HashError)
    })
    .await
    .map_err(|_| HashError)?
}

pub async fn verify_password(password: String, hash: String) -> bool {
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash).is_ok_and(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
    })
    .await
    .unwrap_or(false)
}

// ---------------------------------------------------------------------------------------------
// Account use cases: the administration page, one's own account page and the command line
// call these.

use domain::authz::{Action, Actor, Resource, authorize};
use domain::{OfficeId, ProviderId, Role, UserId, Username, ValidationErrors};
use store::{AuditContext, NewApiToken, NewUser, StoreError, TokenKind, User};

use crate::{App, Error, ErrorKind};

/// Who changes an account: a signed-in user (authorized), or the operator at the server's
/// command line (who holds the data directory, so is not asked).
#[derive(Clone, Copy, Debug)]
pub enum By<'a> {
    User(&'a Actor),
    Operator(&'static str),
}

impl By<'_> {
    fn audit(self, app: &App) -> AuditContext {
        match self {
            By::User(a) => AuditContext::by(a.user_id, app.now()),
            By::Operator(command) => AuditContext::system(app.now(), command),
        }
    }
}

/// An account to open.
pub struct NewAccount {
    pub username: Username,
    pub display_name: String,
    pub role: Role,
    pub office: Option<OfficeId>,
    /// A partner's organisation (a mapped provider).
    pub organisation: Option<ProviderId>,
    /// The password the operator chose; `None` issues a one-time password that must be changed
    /// at first sign-in.
    pub password: Option<String>,
}

/// Opens an account. Returns the one-time password when one was issued: it is shown once and
/// never stored or logged.
pub async fn create_account(
    app: &App,
    by: By<'_>,
    a: NewAccount,
) -> Result<(User, Option<String>), Error> {
    if let By::User(actor) = by {
        authorize(actor, Action::ManageUsers, Resource::Programme)?;
    }
    let mut errors = ValidationErrors::new();
    let display_name = domain::text::tidy_name(&a.display_name);
    if display_name.is_empty() {
        errors.add("display_name", "error-required");
    } else if let Some(problem) = domain::text::text_problem(&display_name, false) {
        errors.add("display_name", problem);
    }
    if a.role.requires_office() && a.office.is_none() {
        errors.add("office", "error-role-needs-office");
    }
    if a.organisation.is_some() && a.role != Role::Partner {
        errors.add("organisation", "error-organisation-partners-only");
    }
    if let Some(p) = &a.password
        && let Err(code) = domain::security::check_new_password(p, a.username.as_str())
    {
        errors.add("password", code);
    }
    if !errors.is_empty() {
        return Err(Error::validation(errors));
    }
    let (password, issued) = match a.password {
        Some(p) => (p, None),
        None => {
            let p = one_time_password();
            (p.clone(), Some(p))
        }
    };
    let hash = hash_password(password).await.map_err(Error::internal)?;
    let created = app
        .store
        .create_user(
            NewUser {
                username: a.username,
                display_name,
                role: a.role,
                office: a.office,
                password_hash: hash,
                must_change_password: issued.is_some(),
            },
            by.audit(app),
        )
        .await;
    let user = match created {
        Ok(u) => u,
        Err(StoreError::Duplicate(_)) => {
            return Err(Error::invalid("username", "error-username-taken"));
        }
        Err(e) => return Err(e.into()),
    };
    if a.organisation.is_some() {
        app.store
            .set_user_organisation(user.id, a.organisation, by.audit(app))
            .await?;
    }
    Ok((user, issued))
}

/// Gives a user a new one-time password (they chose theirs and forgot it): every session of
/// theirs ends, and they choose a new one at their next sign-in.
pub async fn reset_password(app: &App, actor: &Actor, id: UserId) -> Result<(User, String), Error> {
    authorize(actor, Action::ManageUsers, Resource::Programme)?;
    let user = app.store.user(id).await?;
    let password = one_time_password();
    let hash = hash_password(password.clone())
        .await
        .map_err(Error::internal)?;
    app.store
        .set_password(
            id,
            hash,
            true,
            None,
            AuditContext::by(actor.user_id, app.now()),
        )
        .await?;
    app.sessions.forget_user(id);
    Ok((user, password))
}

/// Changes one's own password after the checks of the password page; every other session
/// ends (`keep` is the session the change is made from).
pub async fn change_own_password(
    app: &App,
    user: &User,
    new_password: String,
    keep: Option<&str>,
) -> Result<(), Error> {
    if let Err(code) = domain::security::check_new_password(&new_password, user.username.as_str()) {
        return Err(Error::invalid("new", code));
    }
    let hash = hash_password(new_password).await.map_err(Error::internal)?;
    app.store
        .set_password(
            user.id,
            hash,
            false,
            keep,
            AuditContext::by(user.id, app.now()),
        )
        .await?;
    // The session the change is made from is kept, and read again (it no longer has to
    // change its password).
    app.sessions.forget_user(user.id);
    Ok(())
}

/// Records the language a person reads Reintegra in, restored whenever they sign in. Anyone
/// signed in chooses their own; the language must be one Reintegra ships.
pub async fn choose_language(app: &App, user: UserId, language: &str) -> Result<(), Error> {
    if !domain::language::is_shipped(language) {
        return Err(Error::invalid("language", "error-unknown-language"));
    }
    app.store
        .set_preferred_language(user, language, AuditContext::by(user, app.now()))
        .await?;
    app.sessions.forget_user(user);
    Ok(())
}

/// The most characters an API token's name may have.
pub const MAX_TOKEN_NAME: usize = 60;

/// Issues an API token for a user: returned once, only its hash is kept. Users issue their
/// own on the account page; the operator issues one for anyone.
pub async fn issue_api_token(
    app: &App,
    by: By<'_>,
    user: UserId,
    name: String,
) -> Result<String, Error> {
    issue_token(app, by, user, name, TokenKind::Api).await
}

/// Issues a token of `kind` for a user, returned once; only its hash is kept.
pub(crate) async fn issue_token(
    app: &App,
    by: By<'_>,
    user: UserId,
    name: String,
    kind: TokenKind,
) -> Result<String, Error> {
    if let By::User(actor) = by
        && actor.user_id != user
    {
        return Err(Error::new(ErrorKind::Forbidden));
    }
    let name = name.trim().to_string();
    if name.is_empty() {
        return Err(Error::invalid("name", "error-required"));
    }
    if name.chars().count() > MAX_TOKEN_NAME {
        return Err(Error::invalid("name", "error-too-long"));
    }
    let prefix = match kind {
        TokenKind::Api => "rt",
        TokenKind::Device => "rd",
    };
    let token = format!("{prefix}_{}", random_token());
    app.store
        .create_api_token(
            NewApiToken {
                user,
                name,
                token_hash: hash_token(&token),
                kind,
            },
            by.audit(app),
        )
        .await?;
    Ok(token)
}

/// Revokes one of the actor's own API tokens.
pub async fn revoke_api_token(app: &App, actor: &Actor, token: uuid::Uuid) -> Result<(), Error> {
    app.store
        .revoke_api_token(
            actor.user_id,
            token,
            AuditContext::by(actor.user_id, app.now()),
        )
        .await?;
    Ok(())
}

/// Why a sign-in was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignInRefusal {
    /// Too many failures lately for this account or this address: the attempt was not even
    /// checked; try again after this long.
    Throttled(time::Duration),
    /// Unknown user, wrong password or disabled account: the answer never says which.
    Wrong,
}

/// A session opened by signing in: the token goes into the session cookie and is kept only as
/// its hash.
pub struct SignedIn {
    pub user: User,
    pub token: String,
    /// The new session's CSRF token, for a form handed back at once (a post kept across an
    /// ended session).
    pub csrf: String,
    /// The browser's device token, to keep in a long-lived cookie: the account now knows it.
    pub device: String,
}

/// What a right password leads to.
pub enum SignInStep {
    /// Signed in.
    Done(Box<SignedIn>),
    /// The account asks for a code too: this token (for the browser to send back with the
    /// code) stands for the accepted password for a few minutes.
    CodeNeeded { second_step: String },
}

/// The keys failures are counted under: the account, the address, and the account from that
/// address.
pub(crate) fn failure_keys(username: &str, address: &str) -> [String; 3] {
    let account = username.trim().to_lowercase();
    [
        format!("account:{account}"),
        format!("address:{address}"),
        format!("pair:{account}|{address}"),
    ]
}

pub(crate) async fn failures(app: &App, key: &str) -> Result<domain::security::Failures, Error> {
    let since = app.now() - domain::security::FAILURE_WINDOW;
    Ok(domain::security::Failures {
        count: app.store.count_login_failures(key, since).await?,
        last: app.store.last_login_failure(key).await?,
    })
}

/// How long before the next attempt at an account may be checked, given its failure keys
/// (account, address, pair) and the browser's device token (see `domain::security::sign_in_wait`).
pub(crate) async fn attempt_wait(
    app: &App,
    user: Option<&User>,
    [account_key, address_key, pair_key]: &[String; 3],
    device: Option<&str>,
) -> Result<Option<time::Duration>, Error> {
    let known_device = match (user, device) {
        (Some(u), Some(d)) => app.store.is_known_device(u.id, &hash_token(d)).await?,
        _ => false,
    };
    Ok(domain::security::sign_in_wait(
        failures(app, pair_key).await?,
        failures(app, address_key).await?,
        failures(app, account_key).await?,
        known_device,
        app.now(),
    ))
}

/// Signs a person in with their username and password from an address, slowed down after
/// failures (see `domain::security::sign_in_wait`): per account from that address, per
/// address, and per account from anywhere but a browser it signed in from before (`device`,
/// the token of the browser's device cookie). A hash is checked even for unknown users
/// (`dummy_hash`) so that timing does not tell which names exist. The sign-in is audited.
/// With two-step sign-in on, the password only leads to the code
/// (`two_factor::finish_sign_in`).
pub async fn sign_in(
    app: &App,
    username: &str,
    password: String,
    address: &str,
    device: Option<&str>,
    dummy_hash: &str,
) -> Result<Result<SignInStep, SignInRefusal>, Error> {
    let now = app.now();
    let [account_key, address_key, pair_key] = failure_keys(username, address);
    let user = match Username::parse(username.trim()) {
        Ok(u) => app.store.user_by_username(&u).await?,
        Err(_) => None,
    };
    let keys = [account_key, address_key, pair_key];
    if let Some(wait) = attempt_wait(app, user.as_ref(), &keys, device).await? {
        return Ok(Err(SignInRefusal::Throttled(wait)));
    }
    let hash = user
        .as_ref()
        .map_or_else(|| dummy_hash.to_string(), |u| u.password_hash.clone());
    let verified = verify_password(password, hash).await;
    let user = match user {
        Some(u) if verified && !u.disabled => u,
        _ => {
            app.store.record_login_failure(&keys, now).await?;
            return Ok(Err(SignInRefusal::Wrong));
        }
    };
    if user.two_factor {
        // Failures are forgiven only once the code is right too: a guessed password must not
        // buy unlimited guesses at the code.
        let second_step = random_token();
        app.store
            .create_second_step(&hash_token(&second_step), user.id, now)
            .await?;
        return Ok(Ok(SignInStep::CodeNeeded { second_step }));
    }
    Ok(Ok(SignInStep::Done(Box::new(
        open_session(app, user, address, device, vec![]).await?,
    ))))
}

/// Opens a session for a person who proved who they are: their failures are forgiven, the
/// browser is remembered, and the sign-in is audited (with `how`, the second step if any).
pub(crate) async fn open_session(
    app: &App,
    user: User,
    address: &str,
    device: Option<&str>,
    how: Vec<domain::audit::FieldChange>,
) -> Result<SignedIn, Error> {
    let now = app.now();
    // The owner's own mistakes from here are forgiven; guesses from elsewhere stay on record
    // (and on the account page) until they age out.
    let [account_key, _, pair_key] = failure_keys(user.username.as_str(), address);
    app.store.clear_login_failures(&account_key).await?;
    app.store.clear_login_failures(&pair_key).await?;
    let device = device.map_or_else(random_token, str::to_string);
    app.store
        .remember_device(user.id, &hash_token(&device), now)
        .await?;
    let token = random_token();
    let csrf = random_token();
    app.store
        .create_session(store::NewSession {
            token_hash: hash_token(&token),
            user: user.id,
            csrf_token: csrf.clone(),
            at: now,
        })
        .await?;
    app.store
        .append_audit(AuditContext::by(user.id, now).entry(
            domain::audit::AuditAction::SignIn,
            store::record_type::USER,
            user.id.to_string(),
            how,
        ))
        .await?;
    Ok(SignedIn {
        user,
        token,
        csrf,
        device,
    })
}

/// Failed sign-ins to the user's account over the last day, newest first, with the address
/// each came from: shown on the account page, so that someone guessing is noticed.
pub async fn recent_failed_sign_ins(
    app: &App,
    user: &User,
) -> Result<Vec<(String, time::OffsetDateTime)>, Error> {
    let prefix = format!("pair:{}|", user.username.as_str().to_lowercase());
    Ok(app
        .store
        .login_failures_under(&prefix, app.now() - time::Duration::days(1))
        .await?)
}

/// Why the current password given to change it was not accepted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CurrentPasswordRefusal {
    Wrong,
    /// Too many wrong ones lately: not checked; try again after this long.
    Throttled(time::Duration),
}

/// Checks the current password given on the password page, slowed down after failures like
/// sign-in, so that a session left open does not allow unlimited guesses.
pub async fn check_current_password(
    app: &App,
    user: &User,
    current: String,
) -> Result<Result<(), CurrentPasswordRefusal>, Error> {
    let key = format!("password:{}", user.id);
    if let Some(wait) = domain::security::retry_wait(failures(app, &key).await?, app.now()) {
        return Ok(Err(CurrentPasswordRefusal::Throttled(wait)));
    }
    if verify_password(current, user.password_hash.clone()).await {
        app.store.clear_login_failures(&key).await?;
        Ok(Ok(()))
    } else {
        app.store
            .record_login_failure(std::slice::from_ref(&key), app.now())
            .await?;
        Ok(Err(CurrentPasswordRefusal::Wrong))
    }
}

/// Ends a session (signing out, or a session found expired).
pub async fn end_session(app: &App, token_hash: &str) -> Result<(), Error> {
    app.sessions.forget(token_hash);
    app.store.delete_session(token_hash).await?;
    Ok(())
}

/// The user holding a live API token (its use is recorded), or `None`.
pub async fn user_by_api_token(app: &App, token: &str) -> Result<Option<User>, Error> {
    Ok(app
        .store
        .user_by_api_token(&hash_token(token), TokenKind::Api, app.now())
        .await?
        .map(|(_, user)| user))
}

/// The live session with this token hash and its user. A session past the policy's limits, or
/// of a disabled user, is ended and not returned; a live one is touched at most once a minute.
pub async fn live_session(
    app: &App,
    token_hash: &str,
    policy: domain::security::SessionPolicy,
) -> Result<Option<(store::Session, User)>, Error> {
    let now = app.now();
    let (session, user) = match app.sessions.get(token_hash) {
        Some(kept) => kept,
        None => {
            let Some((session, user)) = app.store.session(token_hash).await? else {
                return Ok(None);
            };
            app.sessions.put(token_hash, session.clone(), user.clone());
            (session, user)
        }
    };
    // Ending and touching sessions is upkeep: a failure to write it must not refuse the request.
    if user.disabled || !policy.is_live(session.created_at, session.last_seen_at, now) {
        app.sessions.forget(token_hash);
        let _ = app.store.delete_session(token_hash).await;
        return Ok(None);
    }
    if policy.needs_touch(session.last_seen_at, now) {
        let _ = app.store.touch_session(token_hash, now).await;
        app.sessions.touched(token_hash, now);
    }
    Ok(Some((session, user)))
}
