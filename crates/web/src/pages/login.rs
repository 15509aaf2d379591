//! Signing in and out.

use std::net::SocketAddr;

use askama::Template;
use axum::extract::{ConnectInfo, FromRequestParts, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar};
use domain::Username;
use domain::audit::AuditAction;
use domain::security::{FAILURE_WINDOW, sign_in_allowed};
use serde::Deserialize;
use store::{AuditContext, NewSession, record_type};
use time::OffsetDateTime;

use super::{Chrome, CsrfForm, render_status};
use crate::AppState;
use crate::auth::{
    self, Caller, LOGIN_CSRF_COOKIE, SESSION_COOKIE, hash_token, random_token, safe_next,
    same_secret,
};
use crate::error::AppError;
use crate::i18n::Tr;

/// The client's address, for throttling. Behind a reverse proxy this is the proxy's address.
pub struct ClientAddr(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientAddr(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip().to_string())
                .unwrap_or_else(|| "unknown".into()),
        ))
    }
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    c: Chrome,
    csrf_login: String,
    username: String,
    next: String,
    error: String,
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

/// What the sign-in form shows again: the name typed, where to go next, what went wrong.
struct Typed {
    username: String,
    next: String,
    error: String,
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
    };
    Ok((jar, render_status(status, &page)?).into_response())
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
    };
    login_page(&state, tr, &headers, jar, StatusCode::OK, typed)
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    next: String,
}

pub async fn submit(
    State(state): State<AppState>,
    tr: Tr,
    headers: HeaderMap,
    jar: CookieJar,
    ClientAddr(addr): ClientAddr,
    axum::Form(f): axum::Form<LoginForm>,
) -> Result<Response, AppError> {
    let next = safe_next(Some(&f.next));
    let typed_name = f.username.trim().to_string();
    let again = |jar: CookieJar, status: StatusCode, msg: &str| {
        let typed = Typed {
            username: typed_name.clone(),
            next: next.clone(),
            error: tr.t(msg),
        };
        login_page(&state, tr.clone(), &headers, jar, status, typed)
    };
    let expected = jar
        .get(LOGIN_CSRF_COOKIE)
        .map(|c| c.value().to_string())
        .unwrap_or_default();
    if expected.is_empty() || !same_secret(&expected, &f.csrf) {
        return again(jar, StatusCode::FORBIDDEN, "login-error-expired");
    }
    let now = OffsetDateTime::now_utc();
    let account_key = format!("account:{}", typed_name.to_lowercase());
    let address_key = format!("address:{addr}");
    let since = now - FAILURE_WINDOW;
    let account_failures = state
        .store
        .count_login_failures(&account_key, since)
        .await?;
    let address_failures = state
        .store
        .count_login_failures(&address_key, since)
        .await?;
    if !sign_in_allowed(account_failures, address_failures) {
        return again(jar, StatusCode::TOO_MANY_REQUESTS, "login-error-throttled");
    }
    let user = match Username::parse(&typed_name) {
        Ok(u) => state.store.user_by_username(&u).await?,
        Err(_) => None,
    };
    // Check a hash even for unknown users, so timing does not reveal which names exist.
    let hash = user
        .as_ref()
        .map(|u| u.password_hash.clone())
        .unwrap_or_else(|| state.dummy_hash.to_string());
    let verified = auth::verify_password(f.password, hash).await;
    let user = match user {
        Some(u) if verified && !u.disabled => u,
        _ => {
            state
                .store
                .record_login_failure(&[account_key, address_key], now)
                .await?;
            return again(jar, StatusCode::UNAUTHORIZED, "login-error-wrong");
        }
    };
    state.store.clear_login_failures(&account_key).await?;
    let token = random_token();
    state
        .store
        .create_session(NewSession {
            token_hash: hash_token(&token),
            user: user.id,
            csrf_token: random_token(),
            at: now,
        })
        .await?;
    state
        .store
        .append_audit(AuditContext::by(user.id, now).entry(
            AuditAction::SignIn,
            record_type::USER,
            user.id.to_string(),
            vec![],
        ))
        .await?;
    let secure = auth::is_secure(&state, &headers);
    let jar = jar
        .remove(Cookie::build(LOGIN_CSRF_COOKIE).path("/login"))
        .add(auth::session_cookie(token, secure));
    let target = if user.must_change_password {
        "/account/password".to_string()
    } else {
        next
    };
    Ok((jar, Redirect::to(&target)).into_response())
}

#[derive(Deserialize)]
pub struct Empty {}

pub async fn logout(
    State(state): State<AppState>,
    jar: CookieJar,
    CsrfForm { caller, .. }: CsrfForm<Empty>,
) -> Result<Response, AppError> {
    if let auth::Via::Session { token_hash, .. } = &caller.via {
        state.store.delete_session(token_hash).await?;
    }
    let jar = jar.remove(Cookie::build(SESSION_COOKIE).path("/"));
    Ok((jar, Redirect::to("/login")).into_response())
}
