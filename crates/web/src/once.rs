//! A post sent twice is answered once. Every page form carries a one-time key (`_once`, drawn
//! afresh for each page shown) and API clients may send an `Idempotency-Key` header; the reply
//! to a post with a key is kept, and the same post again (a double click, the browser
//! resubmitting, a client retrying after a lost answer) gets that reply without the change
//! being made twice. Two copies arriving together, at one server or at two sharing the
//! database, are answered once: the first claims the post in the database, the other waits for
//! its reply.
//!
//! Only replies that made something happen are kept: a redirect, or a JSON answer of the API.
//! A refused post (a form to fix) keeps nothing, so the corrected form goes through.

use std::time::{Duration, Instant};

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use domain::UserId;
use store::{Reply, ReplyClaim};

use crate::AppState;
use crate::auth::Caller;
use crate::security::MAX_BODY_BYTES;

/// The form field carrying a page form's one-time key.
pub const FORM_FIELD: &str = "_once";
/// The header carrying an API client's one-time key.
pub const HEADER: &str = "idempotency-key";
/// The largest API answer kept for a repeat.
const MAX_KEPT_BODY: usize = 256 * 1024;

/// How often a copy waiting for another's reply looks again.
const LOOK_AGAIN: Duration = Duration::from_millis(50);
/// How long a copy waits for another's reply before saying it is still being answered.
const WAIT_AT_MOST: Duration = Duration::from_secs(120);

pub async fn once_only(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let Some(caller) = req.extensions().get::<Caller>().cloned() else {
        return next.run(req).await;
    };
    // Partial redraws of a form (htmx) post the same form many times over, on purpose.
    if req.method() != Method::POST || req.headers().contains_key("hx-request") {
        return next.run(req).await;
    }
    let (req, key) = match key_of(req, &caller).await {
        Ok(found) => found,
        Err(refused) => return refused,
    };
    let Some(key) = key.filter(|k| app::replies::valid_key(k)) else {
        return next.run(req).await;
    };
    let route = format!("{} {}", req.method(), req.uri().path());
    let user = caller.user.id;
    let waiting_since = Instant::now();
    loop {
        match app::replies::claim(&state, user, &key, &route).await {
            Ok(ReplyClaim::Mine) => return answer(&state, user, &key, &route, req, next).await,
            Ok(ReplyClaim::Answered(reply)) => return replay(reply),
            Ok(ReplyClaim::InProgress) if waiting_since.elapsed() < WAIT_AT_MOST => {
                tokio::time::sleep(LOOK_AGAIN).await;
            }
            Ok(ReplyClaim::InProgress) => {
                return crate::error::AppError::new(crate::error::ErrorKind::Conflict)
                    .into_response();
            }
            Err(e) => return crate::error::AppError::from(e).into_response(),
        }
    }
}

/// Gives up the claim of a post that kept no reply, so that a corrected copy is answered.
async fn release(state: &AppState, user: UserId, key: &str, route: &str) {
    if let Err(e) = app::replies::release(state, user, key, route).await {
        // Left claimed, the post can be sent again with a new key (a reloaded form has one).
        tracing::warn!(error = %e, "could not release the claim on a post");
    }
}

async fn answer(
    state: &AppState,
    user: UserId,
    key: &str,
    route: &str,
    req: Request,
    next: Next,
) -> Response {
    let res = next.run(req).await;
    let status = res.status();
    let location = res
        .headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let content_type = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let json = content_type
        .as_deref()
        .is_some_and(|t| t.starts_with("application/json"));
    let (res, body) = if status.is_redirection() && location.is_some() {
        (res, Vec::new())
    } else if status.is_success() && json {
        let (parts, body) = res.into_parts();
        match to_bytes(body, MAX_KEPT_BODY).await {
            Ok(bytes) => {
                let kept = bytes.to_vec();
                (Response::from_parts(parts, Body::from(bytes)), kept)
            }
            Err(_) => {
                release(state, user, key, route).await;
                return StatusCode::INTERNAL_SERVER_ERROR.into_response();
            }
        }
    } else {
        release(state, user, key, route).await;
        return res;
    };
    let reply = Reply {
        status: status.as_u16(),
        location,
        content_type,
        body,
    };
    if let Err(e) = app::replies::remember(state, user, key, route, reply).await {
        // The change is made; failing to keep its reply only loses the protection.
        tracing::warn!(error = %e, "could not keep the reply to a post");
    }
    res
}

/// The one-time key of a post: the header, or the `_once` field of a form (read from the body,
/// which is then handed on untouched). A form's key counts only with the caller's own CSRF
/// token beside it.
async fn key_of(req: Request, caller: &Caller) -> Result<(Request, Option<String>), Response> {
    if let Some(k) = req.headers().get(HEADER).and_then(|v| v.to_str().ok()) {
        let k = k.to_string();
        return Ok((req, Some(k)));
    }
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return Ok((req, None));
    }
    let (parts, body) = req.into_parts();
    let bytes = match to_bytes(body, MAX_BODY_BYTES).await {
        Ok(b) => b,
        Err(_) => return Err(StatusCode::PAYLOAD_TOO_LARGE.into_response()),
    };
    let fields: Vec<(String, String)> = serde_html_form::from_bytes(&bytes).unwrap_or_default();
    let field = |name: &str| fields.iter().find(|(k, _)| k == name).map(|(_, v)| v);
    let key = match (field(FORM_FIELD), field("_csrf")) {
        (Some(k), Some(csrf)) if crate::auth::csrf_matches(csrf, caller.csrf()) => Some(k.clone()),
        _ => None,
    };
    Ok((Request::from_parts(parts, Body::from(bytes)), key))
}

fn replay(reply: Reply) -> Response {
    let status = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::OK);
    let mut res = (status, reply.body).into_response();
    let h = res.headers_mut();
    if let Some(l) = reply.location.and_then(|l| HeaderValue::from_str(&l).ok()) {
        h.insert(header::LOCATION, l);
    }
    if let Some(t) = reply
        .content_type
        .and_then(|t| HeaderValue::from_str(&t).ok())
    {
        h.insert(header::CONTENT_TYPE, t);
    }
    res
}
