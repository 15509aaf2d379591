//! The signed-in user's own account: password, API tokens and field devices.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use domain::security::check_new_password;
use serde::Deserialize;
use store::ApiToken;

use super::{Chrome, CsrfForm, render, render_status};
use crate::AppState;
use crate::auth::{self, Caller, SignedIn, Via};
use crate::error::{AppError, ErrorKind};
use crate::i18n::Tr;

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage {
    c: Chrome,
    must_change: bool,
    error_current: String,
    error_new: String,
    error_repeat: String,
}

pub async fn password_form(
    State(state): State<AppState>,
    tr: Tr,
    SignedIn(caller): SignedIn,
) -> Result<Response, AppError> {
    render(&PasswordPage {
        must_change: caller.user.must_change_password,
        c: Chrome::new(&state, tr, Some(&caller)),
        error_current: String::new(),
        error_new: String::new(),
        error_repeat: String::new(),
    })
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current: String,
    #[serde(default)]
    new: String,
    #[serde(default)]
    repeat: String,
}

pub async fn password_submit(
    State(state): State<AppState>,
    tr: Tr,
    CsrfForm { caller, form }: CsrfForm<PasswordForm>,
) -> Result<Response, AppError> {
    let mut page = PasswordPage {
        must_change: caller.user.must_change_password,
        c: Chrome::new(&state, tr.clone(), Some(&caller)),
        error_current: String::new(),
        error_new: String::new(),
        error_repeat: String::new(),
    };
    use app::accounts::CurrentPasswordRefusal;
    match app::accounts::check_current_password(&state, &caller.user, form.current).await? {
        Ok(()) => {}
        Err(CurrentPasswordRefusal::Wrong) => page.error_current = tr.t("error-password-current"),
        Err(CurrentPasswordRefusal::Throttled(wait)) => {
            page.error_current = tr.t1("error-password-wait", "wait", tr.wait(wait));
            return render_status(StatusCode::TOO_MANY_REQUESTS, &page);
        }
    }
    if let Err(code) = check_new_password(&form.new, caller.user.username.as_str()) {
        page.error_new = tr.t(code);
    } else if auth::verify_password(form.new.clone(), caller.user.password_hash.clone()).await {
        page.error_new = tr.t("error-password-unchanged");
    }
    if form.new != form.repeat {
        page.error_repeat = tr.t("error-password-repeat");
    }
    if !(page.error_current.is_empty() && page.error_new.is_empty() && page.error_repeat.is_empty())
    {
        return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
    }
    let keep = match &caller.via {
        Via::Session { token_hash, .. } => Some(token_hash.as_str()),
        Via::ApiToken => None,
    };
    app::accounts::change_own_password(&state, &caller.user, form.new, keep).await?;
    Ok(Redirect::to("/account?changed=1").into_response())
}

pub struct TokenView {
    pub id: String,
    pub name: String,
    pub created: String,
    pub last_used: String,
    pub revoked: bool,
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    c: Chrome,
    username: String,
    office: String,
    tokens: Vec<TokenView>,
    new_token: String,
    token_name: String,
    error: String,
    changed: bool,
    /// Two-step sign-in is on; it was just turned off.
    two_step: bool,
    two_step_off: bool,
    /// Failed sign-ins to this account over the last day: (when, from which address).
    failed_sign_ins: Vec<(String, String)>,
    /// Case managers collect in the field: their device accounts.
    field_work: bool,
    devices: Vec<TokenView>,
    /// A device account just opened: its server address and the QR code ODK Collect scans,
    /// shown once.
    new_device_url: String,
    new_device_qr: String,
    device_name: String,
    device_error: String,
}

fn token_views(tokens: Vec<ApiToken>) -> Vec<TokenView> {
    tokens
        .into_iter()
        .map(|t| TokenView {
            id: t.id.to_string(),
            name: t.name,
            created: t.created_at.date().to_string(),
            last_used: t
                .last_used_at
                .map(|d| d.date().to_string())
                .unwrap_or_default(),
            revoked: t.revoked_at.is_some(),
        })
        .collect()
}

async fn account_page(
    state: &AppState,
    tr: Tr,
    caller: &Caller,
    new_token: String,
    token_name: String,
    error: String,
    changed: bool,
) -> Result<AccountPage, AppError> {
    let office = match caller.user.office {
        Some(o) => {
            let o = app::lookups::office(state, o).await?;
            format!("{} ({})", o.name, o.code)
        }
        None => tr.t("office-national"),
    };
    let failed_sign_ins = app::accounts::recent_failed_sign_ins(state, &caller.user)
        .await?
        .into_iter()
        .map(|(address, at)| {
            let minute = time::macros::format_description!("[hour]:[minute]");
            let time = at.time().format(&minute).unwrap_or_default();
            (
                format!("{} {time} UTC", tr.date(at.date().to_string())),
                address,
            )
        })
        .collect();
    let field_work = caller.user.role == domain::Role::CaseManager;
    let devices = if field_work {
        token_views(app::field::devices(state, &caller.actor()).await?)
    } else {
        Vec::new()
    };
    Ok(AccountPage {
        field_work,
        devices,
        new_device_url: String::new(),
        new_device_qr: String::new(),
        device_name: String::new(),
        device_error: String::new(),
        two_step: caller.user.two_factor,
        two_step_off: false,
        failed_sign_ins,
        username: caller.user.username.to_string(),
        office,
        tokens: token_views(app::lookups::own_api_tokens(state, &caller.actor()).await?),
        c: Chrome::new(state, tr, Some(caller)),
        new_token,
        token_name,
        error,
        changed,
    })
}

#[derive(Deserialize)]
pub struct ChangedQuery {
    changed: Option<String>,
    two_step_off: Option<String>,
}

pub async fn page(
    State(state): State<AppState>,
    tr: Tr,
    SignedIn(caller): SignedIn,
    axum::extract::Query(q): axum::extract::Query<ChangedQuery>,
) -> Result<Response, AppError> {
    let mut p = account_page(
        &state,
        tr,
        &caller,
        String::new(),
        String::new(),
        String::new(),
        q.changed.is_some(),
    )
    .await?;
    p.two_step_off = q.two_step_off.is_some();
    render(&p)
}

#[derive(Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    name: String,
}

pub async fn create_token(
    State(state): State<AppState>,
    tr: Tr,
    CsrfForm { caller, form }: CsrfForm<TokenForm>,
) -> Result<Response, AppError> {
    let token = match app::accounts::issue_api_token(
        &state,
        app::accounts::By::User(&caller.actor()),
        caller.user.id,
        form.name.clone(),
    )
    .await
    {
        Ok(token) => token,
        Err(app::Error {
            kind: app::ErrorKind::Validation,
            fields,
            ..
        }) => {
            let code = fields.0.first().map_or("error-required", |f| f.code);
            let p = account_page(
                &state,
                tr.clone(),
                &caller,
                String::new(),
                form.name,
                tr.t(code),
                false,
            )
            .await?;
            return render_status(StatusCode::UNPROCESSABLE_ENTITY, &p);
        }
        Err(e) => return Err(e.into()),
    };
    // Shown once; only its hash is kept.
    let p = account_page(
        &state,
        tr,
        &caller,
        token,
        String::new(),
        String::new(),
        false,
    )
    .await?;
    render(&p)
}

use super::Empty;

pub async fn revoke_token(
    State(state): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { caller, .. }: CsrfForm<Empty>,
) -> Result<Response, AppError> {
    let id = uuid::Uuid::parse_str(&id).map_err(|_| AppError::new(ErrorKind::NotFound))?;
    app::accounts::revoke_api_token(&state, &caller.actor(), id).await?;
    Ok(Redirect::to("/account").into_response())
}

/// Opens a device account for the signed-in case manager and shows its server address and
/// QR code once.
pub async fn create_device(
    State(state): State<AppState>,
    tr: Tr,
    headers: axum::http::HeaderMap,
    CsrfForm { caller, form }: CsrfForm<TokenForm>,
) -> Result<Response, AppError> {
    let made = app::field::create_device(
        &state,
        app::accounts::By::User(&caller.actor()),
        &caller.user,
        form.name.clone(),
    )
    .await;
    let empty = String::new;
    let mut p = account_page(
        &state,
        tr.clone(),
        &caller,
        empty(),
        empty(),
        empty(),
        false,
    )
    .await?;
    match made {
        Ok(token) => {
            let url = crate::openrosa::server_address(&headers, &state, &token);
            let settings = app::field::collect_settings(&url, form.name.trim());
            p.new_device_qr = super::two_step::qr_svg(&settings);
            p.new_device_url = url;
            // The new device is listed too.
            p.devices = token_views(app::field::devices(&state, &caller.actor()).await?);
            render(&p)
        }
        Err(app::Error {
            kind: app::ErrorKind::Validation,
            fields,
            ..
        }) => {
            let code = fields.0.first().map_or("error-required", |f| f.code);
            p.device_name = form.name;
            p.device_error = tr.t(code);
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &p)
        }
        Err(e) => Err(e.into()),
    }
}
