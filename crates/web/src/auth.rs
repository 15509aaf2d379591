//! Passwords, tokens, sessions and the signed-in caller.
//!
//! The session cookie holds a random token; the database holds only its SHA-256, so a leaked
//! database does not leak live sessions. API tokens work the same way. Each request is resolved
//! once, by [`resolve_caller`], into a [`Caller`] that extractors hand to handlers.

use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use domain::authz::Actor;
use store::User;

use crate::AppState;
use crate::error::{AppError, ErrorKind};

pub const SESSION_COOKIE: &str = "reintegra_session";
pub const LOGIN_CSRF_COOKIE: &str = "reintegra_login";
pub const CSRF_FIELD: &str = "_csrf";
pub const CSRF_HEADER: &str = "x-csrf-token";

pub use app::accounts::{
    HashError, hash_password, hash_token, one_time_password, random_token, same_secret,
    verify_password,
};

/// How the caller proved who they are.
#[derive(Clone, Debug)]
pub enum Via {
    Session { token_hash: String, csrf: String },
    ApiToken,
}

/// The signed-in user of a request.
#[derive(Clone, Debug)]
pub struct Caller {
    pub user: User,
    pub via: Via,
    /// The user's role requires two-step sign-in and they have not set it up: pages send them
    /// to set it up, the API refuses.
    pub must_set_up_two_step: bool,
}

impl Caller {
    pub fn actor(&self) -> Actor {
        Actor {
            user_id: self.user.id,
            role: self.user.role,
            office: self.user.office,
            organisation: self.user.organisation,
        }
    }
    pub fn csrf(&self) -> &str {
        match &self.via {
            Via::Session { csrf, .. } => csrf,
            Via::ApiToken => "",
        }
    }
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

/// Middleware: finds the caller from the session cookie or a bearer token and stores it in the
/// request's extensions. Expired sessions are removed; live ones are touched at most once a
/// minute.
pub async fn resolve_caller(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let mut caller = None;
    if let Some(token) = bearer(req.headers()) {
        match app::accounts::user_by_api_token(&state, token).await {
            Ok(Some(user)) => {
                caller = Some(Caller {
                    user,
                    via: Via::ApiToken,
                    must_set_up_two_step: false,
                })
            }
            Ok(None) => return AppError::new(ErrorKind::Unauthenticated).into_response(),
            Err(e) => return AppError::from(e).into_response(),
        }
    } else if let Some(cookie) = CookieJar::from_headers(req.headers()).get(SESSION_COOKIE) {
        let token_hash = hash_token(cookie.value());
        match app::accounts::live_session(&state, &token_hash, state.config.session_policy).await {
            Ok(Some((session, user))) => {
                caller = Some(Caller {
                    user,
                    via: Via::Session {
                        token_hash,
                        csrf: session.csrf_token,
                    },
                    must_set_up_two_step: false,
                });
            }
            Ok(None) => {}
            Err(e) => return AppError::from(e).into_response(),
        }
    }
    if let Some(c) = &mut caller {
        match app::two_factor::must_set_up(&state, &c.user).await {
            Ok(must) => c.must_set_up_two_step = must,
            Err(e) => return AppError::from(e).into_response(),
        }
        req.extensions_mut().insert(c.clone());
    }
    let mut res = next.run(req).await;
    // The error renderer sits outside this middleware and reads the caller from here.
    if let Some(c) = caller {
        res.extensions_mut().insert(c);
    }
    res
}

/// Paths a user who must change their password may still reach.
const PASSWORD_CHANGE_PATHS: &[&str] = &["/account/password", "/logout"];

/// Paths a user who must set up two-step sign-in may still reach.
const TWO_STEP_SETUP_PATHS: &[&str] = &["/account/two-step", "/logout"];

/// A signed-in caller on a page. Without one, the browser is sent to the sign-in page and
/// brought back afterwards; with a password still to change, to the password page.
pub struct SignedIn(pub Caller);

impl<S: Send + Sync> FromRequestParts<S> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let Some(caller) = parts.extensions.get::<Caller>().cloned() else {
            let next = parts
                .uri
                .path_and_query()
                .map(|p| p.as_str().to_string())
                .unwrap_or_else(|| "/".into());
            let target = format!("/login?next={}", urlencode(&next));
            return Err(Redirect::to(&target).into_response());
        };
        if caller.user.must_change_password && !PASSWORD_CHANGE_PATHS.contains(&parts.uri.path()) {
            return Err(Redirect::to("/account/password").into_response());
        }
        if caller.must_set_up_two_step && !TWO_STEP_SETUP_PATHS.contains(&parts.uri.path()) {
            return Err(Redirect::to("/account/two-step").into_response());
        }
        Ok(SignedIn(caller))
    }
}

/// A caller of the JSON API: 401 without credentials. Writes made with a session cookie must
/// carry the session's CSRF token in the `X-CSRF-Token` header.
pub struct ApiCaller(pub Caller);

impl<S: Send + Sync> FromRequestParts<S> for ApiCaller {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let caller = parts
            .extensions
            .get::<Caller>()
            .cloned()
            .ok_or(AppError::new(ErrorKind::Unauthenticated))?;
        if caller.user.must_change_password {
            return Err(AppError::new(ErrorKind::PasswordChangeRequired));
        }
        if caller.must_set_up_two_step {
            return Err(AppError::new(ErrorKind::TwoStepSetupRequired));
        }
        let safe = matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
        if let (false, Via::Session { csrf, .. }) = (safe, &caller.via) {
            let sent = parts
                .headers
                .get(CSRF_HEADER)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            if !csrf_matches(sent, csrf) {
                return Err(AppError::new(ErrorKind::Csrf));
            }
        }
        Ok(ApiCaller(caller))
    }
}

/// The session's CSRF key as a page carries it: masked with a fresh random pad each time
/// (`hex(pad) ‖ hex(pad ⊕ key)`), so that no two responses carry the same bytes and
/// compression cannot leak it next to text a page reflects (BREACH).
pub fn masked_csrf(key: &str) -> String {
    if key.is_empty() {
        return String::new();
    }
    let mut pad = Vec::with_capacity(key.len());
    while pad.len() < key.len() {
        pad.extend_from_slice(uuid::Uuid::new_v4().as_bytes());
    }
    pad.truncate(key.len());
    let hex = |bytes: &mut dyn Iterator<Item = u8>| -> String {
        bytes.map(|b| format!("{b:02x}")).collect()
    };
    let masked = hex(&mut key.bytes().zip(&pad).map(|(k, p)| k ^ p));
    format!("{}{masked}", hex(&mut pad.iter().copied()))
}

/// Whether a posted CSRF key is the session's `key`: masked as pages carry it, or as is.
pub fn csrf_matches(sent: &str, key: &str) -> bool {
    if key.is_empty() {
        return false;
    }
    if sent.len() != 4 * key.len() {
        return same_secret(sent, key);
    }
    let bytes: Option<Vec<u8>> = (0..sent.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(sent.get(i..i + 2)?, 16).ok())
        .collect();
    let Some(bytes) = bytes else { return false };
    let (pad, masked) = bytes.split_at(key.len());
    let unmasked: Vec<u8> = pad.iter().zip(masked).map(|(p, m)| p ^ m).collect();
    same_secret(&String::from_utf8_lossy(&unmasked), key)
}

/// Percent-encodes a string for a query parameter.
pub fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Only local paths are followed after sign-in, so a link cannot send people elsewhere. A path
/// is taken only when every character is visible ASCII: browsers drop tabs and newlines from
/// a location (`/\t/evil.example` becomes `//evil.example`, another site), and a control
/// character cannot be sent in a header at all. Anything else goes home.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.contains('\\')
                && n.bytes().all(|b| b.is_ascii_graphic()) =>
        {
            n.to_string()
        }
        _ => "/".to_string(),
    }
}

/// The session cookie. `Secure` when the server is reached over TLS (configured, or announced
/// by the reverse proxy).
pub fn session_cookie(token: String, secure: bool) -> Cookie<'static> {
    Cookie::build((SESSION_COOKIE, token))
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .path("/")
        .build()
}

pub fn login_csrf_cookie(token: String, secure: bool) -> Cookie<'static> {
    form_token_cookie(LOGIN_CSRF_COOKIE, "/login", token, secure)
}

/// The cookie holding the public feedback form's token (no session there either).
pub const FEEDBACK_CSRF_COOKIE: &str = "reintegra_feedback";

pub fn feedback_csrf_cookie(token: String, secure: bool) -> Cookie<'static> {
    form_token_cookie(FEEDBACK_CSRF_COOKIE, "/feedback", token, secure)
}

/// A form's token for a page used without a session, sent back only to that page's path.
fn form_token_cookie(
    name: &'static str,
    path: &'static str,
    token: String,
    secure: bool,
) -> Cookie<'static> {
    Cookie::build((name, token))
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(secure)
        .path(path)
        .build()
}

/// Whether this request arrived over TLS, directly or through a proxy that says so.
pub fn is_secure(state: &AppState, headers: &HeaderMap) -> bool {
    state.config.secure_cookies
        || headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.eq_ignore_ascii_case("https"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_masked_csrf_key_differs_each_time_and_still_matches() {
        let key = app::accounts::random_token();
        let (a, b) = (masked_csrf(&key), masked_csrf(&key));
        assert_ne!(a, b);
        assert!(csrf_matches(&a, &key) && csrf_matches(&b, &key));
        assert!(csrf_matches(&key, &key), "the key as is");
        let mut tampered = a.clone().into_bytes();
        let last = tampered.len() - 1;
        tampered[last] = if tampered[last] == b'0' { b'1' } else { b'0' };
        assert!(!csrf_matches(&String::from_utf8(tampered).unwrap(), &key));
        assert!(!csrf_matches(&masked_csrf("other"), &key));
        assert!(!csrf_matches("", &key) && !csrf_matches(&a, ""));
    }

    #[test]
    fn tokens_are_random_and_hashes_stable() {
        assert_ne!(random_token(), random_token());
        assert_eq!(random_token().len(), 43);
        assert_eq!(hash_token("abc"), hash_token("abc"));
        assert_eq!(hash_token("abc").len(), 64);
        let otp = one_time_password();
        assert_eq!(otp.len(), 19);
        assert!(domain::security::check_new_password(&otp, "admin").is_ok());
    }

    #[test]
    fn next_must_be_a_local_path() {
        assert_eq!(safe_next(Some("/cases?q=a")), "/cases?q=a");
        assert_eq!(safe_next(Some("//evil.example")), "/");
        assert_eq!(safe_next(Some("https://evil.example")), "/");
        assert_eq!(safe_next(None), "/");
        for hostile in [
            "/\t/evil.example",
            "/\n/evil.example",
            "/cases\r\nSet-Cookie: x=1",
            "/\0",
            "/ /evil.example",
            "/\u{3000}/evil.example",
            "/\\evil.example",
        ] {
            assert_eq!(safe_next(Some(hostile)), "/", "{hostile:?}");
        }
    }

    #[tokio::test]
    async fn passwords_verify_only_against_their_hash() {
        let h = hash_password("correct horse battery".into()).await.unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery".into(), h.clone()).await);
        assert!(!verify_password("wrong".into(), h).await);
        assert!(!verify_password("x".into(), "not a hash".into()).await);
    }
}
