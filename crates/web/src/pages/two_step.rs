//! One's own two-step sign-in: setting it up (QR code or the secret typed by hand, then a
//! code to confirm), new recovery codes, and turning it off.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::{Chrome, CsrfForm, render_status};
use crate::AppState;
use crate::auth::{Caller, SignedIn};
use crate::error::AppError;
use crate::i18n::Tr;

#[derive(Template)]
#[template(path = "two_step.html")]
struct TwoStepPage {
    c: Chrome,
    /// Two-step sign-in is on.
    on: bool,
    /// The role requires it: it cannot be turned off, and the person was sent here.
    required: bool,
    /// Recovery codes not used yet (when on).
    codes_left: u32,
    /// While setting up: the secret to type by hand, and the QR code (SVG) holding it.
    secret: String,
    qr_svg: String,
    /// Recovery codes just issued, shown once.
    new_codes: Vec<String>,
    /// What went wrong: (field, message).
    errors: Vec<(&'static str, String)>,
    notice: String,
}

impl TwoStepPage {
    fn error(&self, field: &str) -> String {
        self.errors
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, m)| m.clone())
            .unwrap_or_default()
    }
}

/// A QR code (of an `otpauth://` address, of a field client's settings), as inline SVG (no
/// image request, no script).
pub(crate) fn qr_svg(uri: &str) -> String {
    match qrcode::QrCode::with_error_correction_level(uri, qrcode::EcLevel::M) {
        Ok(code) => code
            .render::<qrcode::render::svg::Color<'_>>()
            .min_dimensions(200, 200)
            .quiet_zone(true)
            .build(),
        Err(_) => String::new(),
    }
}

async fn two_step_page(state: &AppState, tr: Tr, caller: &Caller) -> Result<TwoStepPage, AppError> {
    let user = &caller.user;
    let required = app::two_factor::required_roles(state)
        .await?
        .contains(&user.role);
    let codes_left = app::two_factor::recovery_codes_left(state, user).await?;
    let (secret, qr) = if user.two_factor {
        (String::new(), String::new())
    } else {
        let setup = app::two_factor::setup(state, user).await?;
        (setup.secret, qr_svg(&setup.uri))
    };
    Ok(TwoStepPage {
        c: Chrome::new(state, tr, Some(caller)),
        on: user.two_factor,
        required,
        codes_left: codes_left.unwrap_or(0),
        secret,
        qr_svg: qr,
        new_codes: Vec::new(),
        errors: Vec::new(),
        notice: String::new(),
    })
}

pub async fn page(
    State(state): State<AppState>,
    tr: Tr,
    SignedIn(caller): SignedIn,
) -> Result<Response, AppError> {
    let p = two_step_page(&state, tr, &caller).await?;
    render_status(StatusCode::OK, &p)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CodeForm {
    password: String,
    code: String,
}

/// The refusal's message, on the field it concerns.
fn refusal_error(tr: &Tr, r: app::two_factor::Refusal) -> (StatusCode, &'static str, String) {
    use app::accounts::CurrentPasswordRefusal as P;
    use app::two_factor::Refusal;
    match r {
        Refusal::Password(P::Wrong) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            "password",
            tr.t("error-password-current"),
        ),
        Refusal::Password(P::Throttled(wait)) => (
            StatusCode::TOO_MANY_REQUESTS,
            "password",
            tr.t1("error-password-wait", "wait", tr.wait(wait)),
        ),
        Refusal::Code => (
            StatusCode::UNPROCESSABLE_ENTITY,
            "code",
            tr.t("error-two-step-code"),
        ),
        Refusal::Required => (
            StatusCode::UNPROCESSABLE_ENTITY,
            "code",
            tr.t("error-two-step-required"),
        ),
    }
}

async fn refused(
    state: &AppState,
    tr: Tr,
    caller: &Caller,
    r: app::two_factor::Refusal,
) -> Result<Response, AppError> {
    let (status, field, message) = refusal_error(&tr, r);
    let mut p = two_step_page(state, tr, caller).await?;
    p.errors.push((field, message));
    render_status(status, &p)
}

/// The page with recovery codes just issued, shown this once.
async fn showing_codes(
    state: &AppState,
    tr: Tr,
    caller: &Caller,
    codes: Vec<String>,
    notice: String,
) -> Result<Response, AppError> {
    let mut p = two_step_page(state, tr, caller).await?;
    p.new_codes = codes;
    p.notice = notice;
    render_status(StatusCode::OK, &p)
}

/// Confirms the setup with the password and a code from the app; shows the recovery codes.
pub async fn turn_on(
    State(state): State<AppState>,
    tr: Tr,
    CsrfForm { caller, form }: CsrfForm<CodeForm>,
) -> Result<Response, AppError> {
    if caller.user.two_factor {
        return Ok(Redirect::to("/account/two-step").into_response());
    }
    match app::two_factor::confirm(&state, &caller.user, form.password, &form.code).await? {
        Ok(codes) => {
            let mut caller = caller;
            caller.user.two_factor = true;
            caller.must_set_up_two_step = false;
            showing_codes(&state, tr.clone(), &caller, codes, tr.t("two-step-now-on")).await
        }
        Err(r) => refused(&state, tr, &caller, r).await,
    }
}

/// New recovery codes, with the password.
pub async fn new_codes(
    State(state): State<AppState>,
    tr: Tr,
    CsrfForm { caller, form }: CsrfForm<CodeForm>,
) -> Result<Response, AppError> {
    if !caller.user.two_factor {
        return Ok(Redirect::to("/account/two-step").into_response());
    }
    match app::two_factor::renew_recovery_codes(&state, &caller.user, form.password).await? {
        Ok(codes) => {
            let notice = tr.t("two-step-new-codes-issued");
            showing_codes(&state, tr, &caller, codes, notice).await
        }
        Err(r) => refused(&state, tr, &caller, r).await,
    }
}

/// Turns two-step sign-in off, with the password and a code.
pub async fn turn_off(
    State(state): State<AppState>,
    tr: Tr,
    CsrfForm { caller, form }: CsrfForm<CodeForm>,
) -> Result<Response, AppError> {
    if !caller.user.two_factor {
        return Ok(Redirect::to("/account/two-step").into_response());
    }
    match app::two_factor::turn_off(&state, &caller.user, form.password, &form.code).await? {
        Ok(()) => Ok(Redirect::to("/account?two_step_off=1").into_response()),
        Err(r) => refused(&state, tr, &caller, r).await,
    }
}
