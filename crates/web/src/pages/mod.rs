//! HTML pages. Each handler parses, authorizes, asks the store, and renders a template from
//! `templates/`; the shared frame of every page is [`Chrome`].

pub mod account;
pub mod admin;
pub mod cases;
pub mod community;
pub mod duplicates;
pub mod feedback;
pub mod handover;
pub mod instruments;
pub mod language;
pub mod login;
pub mod overview;
pub mod pathway;
pub mod referrals;
pub mod results;
pub mod rss;
pub mod services;
pub mod structural;
pub mod two_step;

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request, State};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use axum::response::{Html, IntoResponse, Redirect, Response};
use domain::authz::{Action, Resource, authorize};
use serde::de::DeserializeOwned;

use crate::AppState;
use crate::auth::{CSRF_FIELD, Caller, SignedIn, Via};
use crate::error::{AppError, ErrorKind};
use crate::i18n::Tr;

/// A posted form with no fields but its CSRF token (a button that only acts).
#[derive(serde::Deserialize)]
pub struct Empty {}

/// The reader's language: chosen in this browser (the cookie the language switch and sign-in
/// set), else the browser's `Accept-Language`.
pub fn tr_for(state: &AppState, headers: &HeaderMap) -> Tr {
    let accept = headers
        .get(axum::http::header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok());
    let jar = axum_extra::extract::cookie::CookieJar::from_headers(headers);
    let chosen = jar.get(crate::i18n::LANGUAGE_COOKIE).map(|c| c.value());
    Tr::new(state.i18n.clone(), state.i18n.negotiate(chosen, accept))
}

impl FromRequestParts<AppState> for Tr {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let tr = tr_for(state, &parts.headers);
        if tr.lang() == "ar" {
            refresh_digits(state).await;
        }
        Ok(tr)
    }
}

/// Reads the programme's choice of digits for Arabic afresh: another server sharing the
/// database may have changed it since this one last looked. Only Arabic pages pay for the read.
async fn refresh_digits(state: &AppState) {
    match app::programme::arabic_digits(state).await {
        Ok(digits) => state
            .i18n
            .set_arabic_indic_digits(digits == domain::language::Digits::ArabicIndic),
        // The digits last read stay: a page in the other digits is no reason to fail it.
        Err(e) => tracing::warn!(error = %e, "could not read the programme's digits"),
    }
}

/// The language of a returnee-facing document (the printable plan, the referral slip):
/// `?lang=` when given, so that it can be printed in the returnee's language whatever the
/// screen's; else the reader's. The choice is for this document only.
pub struct DocumentTr {
    pub tr: Tr,
    /// The same document in each shipped language, for links above it.
    pub languages: Vec<DocumentLanguage>,
}

pub struct DocumentLanguage {
    pub href: String,
    pub code: &'static str,
    pub name: &'static str,
    pub current: bool,
}

impl FromRequestParts<AppState> for DocumentTr {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let query: Vec<(String, String)> =
            serde_html_form::from_str(parts.uri.query().unwrap_or_default()).unwrap_or_default();
        let asked = query
            .iter()
            .find(|(k, v)| k == "lang" && crate::i18n::is_shipped(v))
            .map(|(_, v)| v.clone());
        let tr = match asked {
            Some(lang) => Tr::new(state.i18n.clone(), lang),
            None => tr_for(state, &parts.headers),
        };
        let others: Vec<&(String, String)> = query.iter().filter(|(k, _)| k != "lang").collect();
        let languages = crate::i18n::LANGUAGES
            .iter()
            .map(|(code, name)| {
                let mut q: Vec<(&str, &str)> = others
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.as_str()))
                    .collect();
                q.push(("lang", code));
                DocumentLanguage {
                    href: format!(
                        "{}?{}",
                        parts.uri.path(),
                        serde_html_form::to_string(&q).unwrap_or_default()
                    ),
                    code,
                    name,
                    current: *code == tr.lang(),
                }
            })
            .collect();
        Ok(DocumentTr { tr, languages })
    }
}

/// What every page is drawn with: the application, the reader's language and who is reading.
/// An extractor for handlers that only show a page; handlers that take a posted form (whose
/// extractor already holds the caller) make one with [`Page::of`].
#[derive(Clone)]
pub struct Page {
    pub state: AppState,
    pub tr: Tr,
    pub caller: Caller,
}

impl Page {
    pub fn of(state: &AppState, tr: &Tr, caller: &Caller) -> Self {
        Self {
            state: state.clone(),
            tr: tr.clone(),
            caller: caller.clone(),
        }
    }
}

impl FromRequestParts<AppState> for Page {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let SignedIn(caller) = SignedIn::from_request_parts(parts, state).await?;
        Ok(Self {
            tr: tr_for(state, &parts.headers),
            state: state.clone(),
            caller,
        })
    }
}

pub struct NavLink {
    pub href: &'static str,
    pub label: String,
}

/// The frame around every page: language, who is signed in, navigation, the CSRF token for
/// forms, and where the assets are.
pub struct Chrome {
    pub tr: Tr,
    pub user_name: Option<String>,
    pub role: String,
    pub csrf: String,
    /// The one-time key of the forms of this page, so that a form posted twice is taken once
    /// (see [`crate::once`]).
    pub once: String,
    pub nav: Vec<NavLink>,
    pub assets: String,
    pub demo: bool,
}

impl Chrome {
    pub fn new(state: &AppState, tr: Tr, caller: Option<&Caller>) -> Self {
        let mut nav = Vec::new();
        if let Some(c) = caller.filter(|c| !c.user.must_change_password) {
            let actor = c.actor();
            let can = |a: Action| authorize(&actor, a, Resource::Programme).is_ok();
            // In the order they appear; each only for those whose role allows it.
            let links: [(Action, &'static str, String); 17] = [
                (Action::ListCases, "/cases", tr.t("nav-cases")),
                (Action::UpdateCase, "/my-work", tr.t("nav-my-work")),
                (Action::ReadReferral, "/referrals", tr.t("nav-referrals")),
                (Action::ReadServices, "/services", tr.t("nav-services")),
                (
                    Action::ReadStakeholders,
                    "/stakeholders",
                    tr.t("nav-stakeholders"),
                ),
                (
                    Action::ReadCommunity,
                    "/communities",
                    tr.t("nav-communities"),
                ),
                (Action::ReadCommunity, "/structural", tr.t("nav-structural")),
                (Action::ApprovePathway, "/approvals", tr.t("nav-approvals")),
                (Action::MergeCases, "/duplicates", tr.t("nav-duplicates")),
                (Action::ManageProgramme, "/programme", tr.t("nav-programme")),
                (Action::ReadForms, "/forms", tr.t("nav-forms")),
                (Action::CreateCase, "/cases/new", tr.t("nav-new-case")),
                (Action::ReadAggregates, "/overview", tr.t("nav-overview")),
                (Action::ReadAggregates, "/results", tr.t("nav-results")),
                (
                    Action::HandleFeedback,
                    "/feedback/inbox",
                    tr.t("nav-feedback"),
                ),
                (Action::ManageUsers, "/admin/users", tr.t("nav-users")),
                (
                    Action::ManageUsers,
                    "/admin/handover",
                    tr.t("nav-handover-admin"),
                ),
            ];
            for (action, href, label) in links {
                if can(action) {
                    nav.push(NavLink { href, label });
                }
            }
            nav.push(NavLink {
                href: "/account",
                label: tr.t("nav-account"),
            });
        }
        Chrome {
            user_name: caller.map(|c| c.user.display_name.clone()),
            role: caller
                .map(|c| tr.t_of("role", c.user.role.as_str()))
                .unwrap_or_default(),
            csrf: caller
                .map(|c| crate::auth::masked_csrf(c.csrf()))
                .unwrap_or_default(),
            once: app::accounts::random_token(),
            tr,
            nav,
            assets: format!("/assets/{}", *crate::assets::VERSION),
            demo: state.config.demo,
        }
    }
}

/// The address this site is reached at, as the request names it (`https://host`): for links
/// printed on paper or sent out.
pub fn site_origin(state: &AppState, headers: &axum::http::HeaderMap) -> String {
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    let scheme = if crate::auth::is_secure(state, headers) {
        "https"
    } else {
        "http"
    };
    format!("{scheme}://{host}")
}

/// The line printed on a plan or a referral slip telling the returnee where to leave feedback
/// or a complaint, with their office's short code.
pub fn feedback_line(
    state: &AppState,
    tr: &Tr,
    headers: &axum::http::HeaderMap,
    office_code: &str,
) -> String {
    tr.t2(
        "print-feedback",
        "url",
        format!("{}/feedback", site_origin(state, headers)),
        "code",
        office_code,
    )
}

pub fn render(t: &impl askama::Template) -> Result<Response, AppError> {
    Ok(Html(t.render()?).into_response())
}

pub fn render_status(
    status: axum::http::StatusCode,
    t: &impl askama::Template,
) -> Result<Response, AppError> {
    Ok((status, Html(t.render()?)).into_response())
}

/// The messages of what the checks found, in one line, to show above a form.
pub fn messages(tr: &Tr, errors: &domain::ValidationErrors) -> String {
    errors
        .0
        .iter()
        .map(|f| tr.t(f.code))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Why a change was refused, as the status and the message to show above the form: based on
/// an old version, or what the checks found. Any other error is not the user's to fix and is
/// passed on.
pub fn refused_change(
    tr: &Tr,
    e: impl Into<AppError>,
) -> Result<(axum::http::StatusCode, String), AppError> {
    let e: AppError = e.into();
    match e.kind {
        ErrorKind::Conflict => Ok((axum::http::StatusCode::CONFLICT, tr.t("error-stale-record"))),
        ErrorKind::Validation => Ok((
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            messages(tr, &e.fields),
        )),
        _ => Err(e),
    }
}

pub async fn health(State(state): State<AppState>) -> Result<&'static str, AppError> {
    app::lookups::health(&state).await?;
    Ok("ok")
}

/// Sends each role to where its work is.
pub async fn home(SignedIn(caller): SignedIn) -> Redirect {
    let actor = caller.actor();
    let can = |a: Action| authorize(&actor, a, Resource::Programme).is_ok();
    // Case managers start from what is due on their cases; others from what they oversee.
    if actor.role == domain::Role::CaseManager {
        Redirect::to("/my-work")
    } else if can(Action::ListCases) {
        Redirect::to("/cases")
    } else if can(Action::ReadReferral) {
        Redirect::to("/referrals")
    } else if can(Action::ReadAggregates) {
        Redirect::to("/overview")
    } else {
        Redirect::to("/account")
    }
}

#[derive(serde::Deserialize)]
struct CsrfOnly {
    #[serde(rename = "_csrf", default)]
    csrf: String,
}

/// A form posted by a signed-in user, with its CSRF token checked against the session.
pub struct CsrfForm<T> {
    pub caller: Caller,
    pub form: T,
}

impl<T: DeserializeOwned> FromRequest<AppState> for CsrfForm<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = req.into_parts();
        let SignedIn(caller) = SignedIn::from_request_parts(&mut parts, state).await?;
        let req = Request::from_parts(parts, body);
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|_| AppError::new(ErrorKind::PayloadTooLarge).into_response())?;
        let sent: CsrfOnly = serde_html_form::from_bytes(&bytes)
            .map_err(|_| AppError::new(ErrorKind::BadRequest).into_response())?;
        let expected = match &caller.via {
            Via::Session { csrf, .. } => csrf.as_str(),
            Via::ApiToken => "",
        };
        if expected.is_empty() || !crate::auth::csrf_matches(&sent.csrf, expected) {
            return Err(AppError::new(ErrorKind::Csrf).into_response());
        }
        let form = serde_html_form::from_bytes(&bytes).map_err(|e| {
            AppError::with_detail(ErrorKind::BadRequest, e.to_string()).into_response()
        })?;
        Ok(CsrfForm { caller, form })
    }
}

/// Names the CSRF field for templates.
pub const CSRF: &str = CSRF_FIELD;
