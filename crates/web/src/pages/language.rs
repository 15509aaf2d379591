//! The language switch on every page: remembered in this browser by a cookie, and for a
//! signed-in person as their account's language, which every later sign-in restores.

use axum::Extension;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use serde::Deserialize;

use crate::AppState;
use crate::auth::{self, Caller, Via, safe_next};
use crate::error::{AppError, ErrorKind};
use crate::i18n::{LANGUAGE_COOKIE, is_shipped};

#[derive(Deserialize)]
pub struct LanguageForm {
    #[serde(default)]
    lang: String,
    #[serde(rename = "_csrf", default)]
    csrf: String,
}

/// The cookie that keeps a chosen language in this browser for a year.
pub fn language_cookie(lang: &str, secure: bool) -> Cookie<'static> {
    Cookie::build((LANGUAGE_COOKIE, lang.to_string()))
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .path("/")
        .max_age(time::Duration::days(365))
        .build()
}

/// Where the switch was pressed, to go back to it: the path of the same-origin `Referer`
/// (the pages' referrer policy sends it), else the start page.
fn back_to(headers: &HeaderMap) -> String {
    let referer = headers
        .get(axum::http::header::REFERER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let path = ["http://", "https://"]
        .iter()
        .find_map(|scheme| referer.strip_prefix(scheme))
        .and_then(|rest| rest.strip_prefix(host))
        .filter(|_| !host.is_empty());
    safe_next(path)
}

pub async fn choose(
    State(state): State<AppState>,
    headers: HeaderMap,
    jar: CookieJar,
    caller: Option<Extension<Caller>>,
    axum::Form(form): axum::Form<LanguageForm>,
) -> Result<Response, AppError> {
    if !is_shipped(&form.lang) {
        return Err(AppError::with_detail(
            ErrorKind::BadRequest,
            "unknown language",
        ));
    }
    if let Some(Extension(caller)) = caller {
        // Signed in: the choice becomes the account's, so the form must come from its pages.
        if let Via::Session { csrf, .. } = &caller.via
            && !auth::csrf_matches(&form.csrf, csrf)
        {
            return Err(AppError::new(ErrorKind::Csrf));
        }
        app::accounts::choose_language(&state, caller.user.id, &form.lang).await?;
    }
    let secure = auth::is_secure(&state, &headers);
    let jar = jar.add(language_cookie(&form.lang, secure));
    Ok((jar, Redirect::to(&back_to(&headers))).into_response())
}
