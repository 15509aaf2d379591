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
    let signed_in = app::accounts::sign_in(
        &state,
        &f.username,
        f.password,
        &addr.to_string(),
        &state.dummy_hash,
    )
    .await?;
    let app::accounts::SignedIn { user, token } = match signed_in {
        Ok(s) => s,
        Err(app::accounts::SignInRefusal::Throttled) => {
            return again(jar, StatusCode::TOO_MANY_REQUESTS, "login-error-throttled");
        }
        Err(app::accounts::SignInRefusal::Wrong) => {
            return again(jar, StatusCode::UNAUTHORIZED, "login-error-wrong");
        }
    };
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
        app::accounts::end_session(&state, token_hash).await?;
    }
    let jar = jar.remove(Cookie::build(SESSION_COOKIE).path("/"));
    Ok((jar, Redirect::to("/login")).into_response())
}
