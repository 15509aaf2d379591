//! Signing in and out.

use std::net::SocketAddr;

use askama::Template;
use axum::extract::{ConnectInfo, FromRequestParts, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar};
use serde::Deserialize;

use super::{Chrome, CsrfForm, render_status};
use crate::AppState;
use crate::auth::{
    self, Caller, LOGIN_CSRF_COOKIE, SESSION_COOKIE, random_token, safe_next, same_secret,
};
use crate::error::AppError;
use crate::i18n::Tr;

/// The client's address, for throttling: the peer's, or, when the peer is a trusted reverse
/// proxy, the nearest address in `X-Forwarded-For` that is not one of the trusted proxies.
pub struct ClientAddr(pub String);

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip());
        let Some(peer) = peer else {
            return Ok(ClientAddr("unknown".into()));
        };
        Ok(ClientAddr(
            client_address(peer, &parts.headers, &state.config.trusted_proxies).to_string(),
        ))
    }
}

/// Who a request comes from, given its peer and its `X-Forwarded-For` header.
pub fn client_address(
    peer: std::net::IpAddr,
    headers: &HeaderMap,
    trusted: &[std::net::IpAddr],
) -> std::net::IpAddr {
    if !trusted.contains(&peer) {
        return peer;
    }
    // Each proxy appends the address it received from: read from the right, past our own
    // proxies, to the first address they did not add themselves.
    let forwarded: Vec<std::net::IpAddr> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map_while(|a| a.trim().parse().ok())
        .collect();
    forwarded
        .into_iter()
        .rev()
        .find(|a| !trusted.contains(a))
        .unwrap_or(peer)
}

/// The cookie that lets a browser be recognised as one an account signed in from before.
pub const DEVICE_COOKIE: &str = "reintegra_device";

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    c: Chrome,
    csrf_login: String,
    username: String,
    next: String,
    error: String,
    /// A form posted after the session had ended, carried through signing in again.
    carried: Vec<(String, String)>,
}

/// The prefix of a carried field's name in the sign-in form.
const CARRY: &str = "carry:";

/// After signing in again: the form that was posted when the session had ended, with what
/// was typed, ready to send.
#[derive(Template)]
#[template(path = "resume.html")]
struct ResumePage {
    c: Chrome,
    action: String,
    csrf: String,
    carried: Vec<(String, String)>,
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

/// What the sign-in form shows again: the name typed, where to go next, what went wrong, and
/// a form being carried through signing in.
struct Typed {
    username: String,
    next: String,
    error: String,
    carried: Vec<(String, String)>,
}

fn login_page(
    state: &AppState,
    tr: Tr,
    headers: &HeaderMap,
    jar: CookieJar,
    status: StatusCode,
    typed: Typed,
) -> Result<Response, AppError> {
    let token = random_token();
    let jar = jar.add(auth::login_csrf_cookie(
        token.clone(),
        auth::is_secure(state, headers),
    ));
    let page = LoginPage {
        c: Chrome::new(state, tr, None),
        csrf_login: token,
        username: typed.username,
        next: typed.next,
        error: typed.error,
        carried: typed.carried,
    };
    Ok((jar, render_status(status, &page)?).into_response())
}

/// A page form posted after the session ended: the sign-in page, carrying what was typed (in
/// the page itself, never stored or logged) so that it can be sent once signed in again.
pub fn sign_in_keeping(
    state: &AppState,
    tr: Tr,
    headers: &HeaderMap,
    action: &str,
    fields: Vec<(String, String)>,
) -> Result<Response, AppError> {
    let carried = fields
        .into_iter()
        .filter(|(k, _)| k != "_csrf")
        .map(|(k, v)| (format!("{CARRY}{k}"), v))
        .collect();
    let typed = Typed {
        username: String::new(),
        next: safe_next(Some(action)),
        error: tr.t("login-session-ended"),
        carried,
    };
    login_page(
        state,
        tr,
        headers,
        CookieJar::from_headers(headers),
        StatusCode::UNAUTHORIZED,
        typed,
    )
}

pub async fn form(
    State(state): State<AppState>,
    tr: Tr,
    headers: HeaderMap,
    jar: CookieJar,
    caller: Option<axum::Extension<Caller>>,
    Query(q): Query<NextQuery>,
) -> Result<Response, AppError> {
    let next = safe_next(q.next.as_deref());
    if caller.is_some() {
        return Ok(Redirect::to(&next).into_response());
    }
    let typed = Typed {
        username: String::new(),
        next,
        error: String::new(),
        carried: Vec::new(),
    };
    login_page(&state, tr, &headers, jar, StatusCode::OK, typed)
}

/// The sign-in form: its own fields, and those of a form carried through it.
struct LoginForm {
    username: String,
    password: String,
    csrf: String,
    next: String,
    carried: Vec<(String, String)>,
}

impl LoginForm {
    fn from_fields(fields: Vec<(String, String)>) -> Self {
        let mut f = LoginForm {
            username: String::new(),
            password: String::new(),
            csrf: String::new(),
            next: String::new(),
            carried: Vec::new(),
        };
        for (k, v) in fields {
            match k.as_str() {
                "username" => f.username = v,
                "password" => f.password = v,
                "_csrf" => f.csrf = v,
                "next" => f.next = v,
                _ if k.starts_with(CARRY) => f.carried.push((k, v)),
                _ => {}
            }
        }
        f
    }
}

pub async fn submit(
    State(state): State<AppState>,
    tr: Tr,
    headers: HeaderMap,
    jar: CookieJar,
    ClientAddr(addr): ClientAddr,
    axum::Form(fields): axum::Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let f = LoginForm::from_fields(fields);
    let next = safe_next(Some(&f.next));
    let typed_name = f.username.trim().to_string();
    let again = |jar: CookieJar, status: StatusCode, msg: &str| {
        let typed = Typed {
            username: typed_name.clone(),
            next: next.clone(),
            error: msg.to_string(),
            carried: f.carried.clone(),
        };
        login_page(&state, tr.clone(), &headers, jar, status, typed)
    };
    let expected = jar
        .get(LOGIN_CSRF_COOKIE)
        .map(|c| c.value().to_string())
        .unwrap_or_default();
    if expected.is_empty() || !same_secret(&expected, &f.csrf) {
        return again(jar, StatusCode::FORBIDDEN, &tr.t("login-error-expired"));
    }
    let device = jar.get(DEVICE_COOKIE).map(|c| c.value().to_string());
    let signed_in = app::accounts::sign_in(
        &state,
        &f.username,
        f.password,
        &addr.to_string(),
        device.as_deref(),
        &state.dummy_hash,
    )
    .await?;
    let step = match signed_in {
        Ok(s) => s,
        Err(app::accounts::SignInRefusal::Throttled(wait)) => {
            let message = tr.t1("login-error-wait", "wait", tr.wait(wait));
            return again(jar, StatusCode::TOO_MANY_REQUESTS, &message);
        }
        Err(app::accounts::SignInRefusal::Wrong) => {
            return again(jar, StatusCode::UNAUTHORIZED, &tr.t("login-error-wrong"));
        }
    };
    match step {
        app::accounts::SignInStep::Done(signed_in) => {
            signed_in_response(&state, tr, &headers, jar, *signed_in, next, f.carried).await
        }
        app::accounts::SignInStep::CodeNeeded { second_step } => {
            let page = CodePage {
                c: Chrome::new(&state, tr, None),
                csrf_login: f.csrf,
                second_step,
                next,
                error: String::new(),
                carried: f.carried,
            };
            Ok((jar, render_status(StatusCode::OK, &page)?).into_response())
        }
    }
}

/// The second step of signing in: the code from the authenticator app (or a recovery code).
#[derive(Template)]
#[template(path = "login_code.html")]
struct CodePage {
    c: Chrome,
    csrf_login: String,
    second_step: String,
    next: String,
    error: String,
    carried: Vec<(String, String)>,
}

/// The code posted after the password.
pub async fn code_submit(
    State(state): State<AppState>,
    tr: Tr,
    headers: HeaderMap,
    jar: CookieJar,
    ClientAddr(addr): ClientAddr,
    axum::Form(fields): axum::Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let mut code = String::new();
    let mut second_step = String::new();
    let mut rest = Vec::new();
    for (k, v) in fields {
        match k.as_str() {
            "code" => code = v,
            "second_step" => second_step = v,
            _ => rest.push((k, v)),
        }
    }
    let mut f = LoginForm::from_fields(rest);
    let carried = std::mem::take(&mut f.carried);
    let next = safe_next(Some(&f.next));
    let expected = jar
        .get(LOGIN_CSRF_COOKIE)
        .map(|c| c.value().to_string())
        .unwrap_or_default();
    let start_again =
        |jar: CookieJar, status: StatusCode, message: &str, carried: Vec<(String, String)>| {
            let typed = Typed {
                username: String::new(),
                next: next.clone(),
                error: message.to_string(),
                carried,
            };
            login_page(&state, tr.clone(), &headers, jar, status, typed)
        };
    if expected.is_empty() || !same_secret(&expected, &f.csrf) {
        let message = tr.t("login-error-expired");
        return start_again(jar, StatusCode::FORBIDDEN, &message, carried);
    }
    let device = jar.get(DEVICE_COOKIE).map(|c| c.value().to_string());
    use app::two_factor::CodeRefusal;
    let refused = |status: StatusCode, message: String, carried: Vec<(String, String)>| {
        let page = CodePage {
            c: Chrome::new(&state, tr.clone(), None),
            csrf_login: f.csrf.clone(),
            second_step: second_step.clone(),
            next: next.clone(),
            error: message,
            carried,
        };
        render_status(status, &page)
    };
    match app::two_factor::finish_sign_in(&state, &second_step, &code, &addr, device.as_deref())
        .await?
    {
        Ok(signed_in) => {
            signed_in_response(&state, tr, &headers, jar, signed_in, next, carried).await
        }
        Err(CodeRefusal::Wrong) => {
            refused(StatusCode::UNAUTHORIZED, tr.t("login-code-wrong"), carried)
        }
        Err(CodeRefusal::Throttled(wait)) => refused(
            StatusCode::TOO_MANY_REQUESTS,
            tr.t1("login-error-wait", "wait", tr.wait(wait)),
            carried,
        ),
        Err(CodeRefusal::Expired) => {
            let message = tr.t("login-code-expired");
            start_again(jar, StatusCode::UNAUTHORIZED, &message, carried)
        }
    }
}

/// Signed in: the session and device cookies, the account's language, and on to the page
/// asked for (or the password to change, or the form carried through signing in).
async fn signed_in_response(
    state: &AppState,
    tr: Tr,
    headers: &HeaderMap,
    jar: CookieJar,
    signed_in: app::accounts::SignedIn,
    next: String,
    carried: Vec<(String, String)>,
) -> Result<Response, AppError> {
    let app::accounts::SignedIn {
        user,
        token,
        csrf,
        device,
    } = signed_in;
    let secure = auth::is_secure(state, headers);
    let jar = jar
        .remove(Cookie::build(LOGIN_CSRF_COOKIE).path("/login"))
        .add(auth::session_cookie(token, secure))
        .add(
            Cookie::build((DEVICE_COOKIE, device))
                .http_only(true)
                .same_site(axum_extra::extract::cookie::SameSite::Lax)
                .secure(secure)
                .path("/login")
                .max_age(time::Duration::days(365))
                .build(),
        );
    // The account's language follows its owner to every browser; a language chosen on the
    // sign-in page before any was kept becomes the account's.
    let chosen = jar
        .get(crate::i18n::LANGUAGE_COOKIE)
        .map(|c| c.value().to_string())
        .filter(|l| crate::i18n::is_shipped(l));
    let (jar, tr) = match (&user.preferred_language, chosen) {
        (Some(lang), _) if crate::i18n::is_shipped(lang) => (
            jar.add(super::language::language_cookie(lang, secure)),
            Tr::new(state.i18n.clone(), lang.clone()),
        ),
        (None, Some(lang)) => {
            app::accounts::choose_language(state, user.id, &lang).await?;
            (jar, tr)
        }
        _ => (jar, tr),
    };
    if user.must_change_password {
        return Ok((jar, Redirect::to("/account/password")).into_response());
    }
    if !carried.is_empty() && next != "/" {
        let page = ResumePage {
            c: Chrome::new(state, tr.clone(), None),
            action: next,
            csrf: crate::auth::masked_csrf(&csrf),
            carried: carried
                .into_iter()
                .map(|(k, v)| (k[CARRY.len()..].to_string(), v))
                .collect(),
        };
        return Ok((jar, super::render(&page)?).into_response());
    }
    Ok((jar, Redirect::to(&next)).into_response())
}

use super::Empty;

pub async fn logout(
    State(state): State<AppState>,
    jar: CookieJar,
    CsrfForm { caller, .. }: CsrfForm<Empty>,
) -> Result<Response, AppError> {
    if let auth::Via::Session { token_hash, .. } = &caller.via {
        app::accounts::end_session(&state, token_hash).await?;
    }
    let jar = jar.remove(Cookie::build(SESSION_COOKIE).path("/"));
    Ok((jar, Redirect::to("/login")).into_response())
}
