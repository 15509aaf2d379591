//! Two-step sign-in: setting it up and turning it off on one's own account, the code asked
//! after the password, recovery codes, and which roles must use it.

use domain::Role;
use domain::audit::FieldChange;
use domain::authz::{Action, Actor, Resource, authorize};
use domain::two_factor as rule;
use rand::RngCore;
use store::{AuditContext, StoreError, User, setting};

use crate::accounts::{
    CurrentPasswordRefusal, SignedIn, attempt_wait, check_current_password, failure_keys,
    hash_token, one_time_password, open_session,
};
use crate::{App, Error, ErrorKind};

/// The roles whose accounts must sign in in two steps (none until an administrator says).
pub async fn required_roles(app: &App) -> Result<Vec<Role>, Error> {
    Ok(app
        .store
        .setting(setting::TWO_FACTOR_ROLES)
        .await?
        .map(|s| rule::parse_required_roles(&s))
        .unwrap_or_default())
}

/// Sets which roles must sign in in two steps. Their members without it are asked to set it
/// up at their next page.
pub async fn set_required_roles(app: &App, actor: &Actor, roles: &[Role]) -> Result<(), Error> {
    authorize(actor, Action::ManageUsers, Resource::Programme)?;
    let value = rule::required_roles_setting(roles);
    if rule::required_roles_setting(&required_roles(app).await?) != value {
        app.store
            .set_setting(
                setting::TWO_FACTOR_ROLES,
                value,
                AuditContext::by(actor.user_id, app.now()),
            )
            .await?;
    }
    Ok(())
}

/// Whether the user must set up two-step sign-in before going on: their role requires it and
/// they have not.
pub async fn must_set_up(app: &App, user: &User) -> Result<bool, Error> {
    Ok(!user.two_factor && required_roles(app).await?.contains(&user.role))
}

fn unix_now(app: &App) -> u64 {
    u64::try_from(app.now().unix_timestamp()).unwrap_or(0)
}

/// What a person needs to add the account to their authenticator app.
pub struct Setup {
    /// The secret in groups of four, to type by hand.
    pub secret: String,
    /// The `otpauth://` address, shown as a QR code.
    pub uri: String,
}

/// Starts setting up two-step sign-in (or shows again the secret being set up).
pub async fn setup(app: &App, user: &User) -> Result<Setup, Error> {
    if user.two_factor {
        return Err(Error::with_detail(
            ErrorKind::Conflict,
            "two-step sign-in is already on",
        ));
    }
    let pending = app.store.two_factor(user.id).await?;
    let secret = match pending.and_then(|p| rule::secret_from_text(&p.secret)) {
        Some(s) => s,
        None => {
            let mut bytes = vec![0u8; rule::SECRET_BYTES];
            rand::rng().fill_bytes(&mut bytes);
            app.store
                .begin_two_factor(user.id, &rule::secret_to_text(&bytes), app.now())
                .await?;
            bytes
        }
    };
    Ok(Setup {
        secret: rule::secret_for_reading(&secret),
        uri: rule::setup_uri(&secret, user.username.as_str()),
    })
}

/// Why a change to one's two-step sign-in was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The current password was wrong, or asked too often.
    Password(CurrentPasswordRefusal),
    /// The code (or recovery code) was wrong or already used.
    Code,
    /// The user's role must use two-step sign-in: it cannot be turned off.
    Required,
}

/// New recovery codes, and the hashes kept of them.
fn recovery_codes() -> (Vec<String>, Vec<String>) {
    let codes: Vec<String> = (0..rule::RECOVERY_CODES)
        .map(|_| one_time_password())
        .collect();
    let hashes = codes
        .iter()
        .map(|c| hash_token(&rule::typed_recovery_code(c)))
        .collect();
    (codes, hashes)
}

/// Turns two-step sign-in on once the person shows the app gives the right code, with their
/// password (so that a session left open cannot tie the account to someone else's phone).
/// Returns the recovery codes, shown once.
pub async fn confirm(
    app: &App,
    user: &User,
    password: String,
    code: &str,
) -> Result<Result<Vec<String>, Refusal>, Error> {
    if let Err(r) = check_current_password(app, user, password).await? {
        return Ok(Err(Refusal::Password(r)));
    }
    let Some(pending) = app.store.two_factor(user.id).await? else {
        return Ok(Err(Refusal::Code));
    };
    let secret = rule::secret_from_text(&pending.secret).unwrap_or_default();
    let Some(step) = rule::accepted_step(&secret, code, unix_now(app), pending.last_step) else {
        return Ok(Err(Refusal::Code));
    };
    let (codes, hashes) = recovery_codes();
    match app
        .store
        .enable_two_factor(user.id, step, hashes, AuditContext::by(user.id, app.now()))
        .await
    {
        Ok(()) => {
            app.sessions.forget_user(user.id);
            Ok(Ok(codes))
        }
        Err(StoreError::Conflict) => Err(Error::with_detail(
            ErrorKind::Conflict,
            "two-step sign-in is already on",
        )),
        Err(e) => Err(e.into()),
    }
}

/// Checks a code from the app or a recovery code, using it up.
async fn use_code(app: &App, user: &User, typed: &str) -> Result<Option<&'static str>, Error> {
    let Some(tf) = app.store.two_factor(user.id).await? else {
        return Ok(None);
    };
    if tf.enabled_at.is_none() {
        return Ok(None);
    }
    if rule::is_app_code(typed) {
        let secret = rule::secret_from_text(&tf.secret).unwrap_or_default();
        if let Some(step) = rule::accepted_step(&secret, typed, unix_now(app), tf.last_step)
            && app.store.accept_code_step(user.id, step).await?
        {
            return Ok(Some("app"));
        }
        return Ok(None);
    }
    let hash = hash_token(&rule::typed_recovery_code(typed));
    Ok(app
        .store
        .use_recovery_code(user.id, &hash, app.now())
        .await?
        .then_some("recovery_code"))
}

/// Turns one's own two-step sign-in off, with the password and a code; refused when the
/// role requires it.
pub async fn turn_off(
    app: &App,
    user: &User,
    password: String,
    code: &str,
) -> Result<Result<(), Refusal>, Error> {
    if required_roles(app).await?.contains(&user.role) {
        return Ok(Err(Refusal::Required));
    }
    if let Err(r) = check_current_password(app, user, password).await? {
        return Ok(Err(Refusal::Password(r)));
    }
    if use_code(app, user, code).await?.is_none() {
        return Ok(Err(Refusal::Code));
    }
    app.store
        .remove_two_factor(user.id, AuditContext::by(user.id, app.now()))
        .await?;
    app.sessions.forget_user(user.id);
    Ok(Ok(()))
}

/// Replaces one's recovery codes (the old ones stop working), with the password. Returns the
/// new codes, shown once.
pub async fn renew_recovery_codes(
    app: &App,
    user: &User,
    password: String,
) -> Result<Result<Vec<String>, Refusal>, Error> {
    if let Err(r) = check_current_password(app, user, password).await? {
        return Ok(Err(Refusal::Password(r)));
    }
    let (codes, hashes) = recovery_codes();
    app.store
        .replace_recovery_codes(user.id, hashes, AuditContext::by(user.id, app.now()))
        .await?;
    Ok(Ok(codes))
}

/// An administrator turns someone's two-step sign-in off (a lost phone and no recovery code
/// left): they sign in with their password and set it up again.
pub async fn reset(app: &App, actor: &Actor, user: domain::UserId) -> Result<User, Error> {
    authorize(actor, Action::ManageUsers, Resource::Programme)?;
    let target = app.store.user(user).await?;
    match app
        .store
        .remove_two_factor(user, AuditContext::by(actor.user_id, app.now()))
        .await
        .inspect(|()| app.sessions.forget_user(user))
    {
        Ok(()) | Err(StoreError::NotFound) => Ok(target),
        Err(e) => Err(e.into()),
    }
}

/// The operator's reset at the server's command line, for when no administrator can sign in.
pub async fn reset_by_operator(app: &App, user: domain::UserId) -> Result<(), Error> {
    app.store
        .remove_two_factor(
            user,
            AuditContext::system(app.now(), "reintegra user reset-two-step"),
        )
        .await?;
    app.sessions.forget_user(user);
    Ok(())
}

/// Recovery codes the user has left, when two-step sign-in is on.
pub async fn recovery_codes_left(app: &App, user: &User) -> Result<Option<u32>, Error> {
    Ok(app
        .store
        .two_factor(user.id)
        .await?
        .filter(|t| t.enabled_at.is_some())
        .map(|t| t.recovery_codes_left))
}

/// Why the code asked after the password was not accepted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CodeRefusal {
    /// Too many failures lately: not checked; try again after this long.
    Throttled(time::Duration),
    /// Wrong, or already used.
    Wrong,
    /// The password was given too long ago (or never): sign in again.
    Expired,
}

/// The second step of signing in: the code from the app, or a recovery code. Failures count
/// like wrong passwords (the same growing waits), and only a right code forgives them.
pub async fn finish_sign_in(
    app: &App,
    second_step: &str,
    typed: &str,
    address: &str,
    device: Option<&str>,
) -> Result<Result<SignedIn, CodeRefusal>, Error> {
    let now = app.now();
    let step_hash = hash_token(second_step);
    let Some((user_id, since)) = app.store.second_step(&step_hash).await? else {
        return Ok(Err(CodeRefusal::Expired));
    };
    let user = app.store.user(user_id).await?;
    if user.disabled || now - since > rule::SECOND_STEP_LIFETIME {
        app.store.delete_second_step(&step_hash, now).await?;
        return Ok(Err(CodeRefusal::Expired));
    }
    let keys = failure_keys(user.username.as_str(), address);
    if let Some(wait) = attempt_wait(app, Some(&user), &keys, device).await? {
        return Ok(Err(CodeRefusal::Throttled(wait)));
    }
    let Some(how) = use_code(app, &user, typed).await? else {
        app.store.record_login_failure(&keys, now).await?;
        return Ok(Err(CodeRefusal::Wrong));
    };
    app.store.delete_second_step(&step_hash, now).await?;
    let second = FieldChange {
        field: "second_step".into(),
        before: None,
        after: Some(how.into()),
    };
    Ok(Ok(
        open_session(app, user, address, device, vec![second]).await?
    ))
}
