//! Reintegra's HTTP layer: pages (askama templates + htmx), the JSON API under `/api/v1`,
//! sessions, authorization glue and security middleware.
//!
//! A request flows: security headers → error rendering → caller resolution → route handler.
//! Handlers parse input, ask `domain::authz::authorize`, let `domain` decide, and hand the
//! result to the store in one call (one transaction with its audit entry).

pub mod api;
mod assets;
pub mod auth;
mod charts;
mod download;
pub mod error;
mod forms;
pub mod i18n;
pub mod once;
mod openrosa;
pub mod pages;
pub mod routes;
mod security;

use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use domain::security::SessionPolicy;
use store::Store;
use tower_http::trace::TraceLayer;

pub use forms::imports::{survey_outcome, survey_problems};
pub use security::MAX_BODY_BYTES;

/// Server settings that affect request handling.
#[derive(Clone, Debug, Default)]
pub struct Config {
    /// Always mark cookies `Secure` (set when the server is only reached over HTTPS).
    pub secure_cookies: bool,
    pub session_policy: SessionPolicy,
    /// Serving the demo programme: every page says so.
    pub demo: bool,
    /// Reverse proxies whose `X-Forwarded-For` names the client: only from these is the header
    /// believed (anyone else could write any address in it).
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// How long an export page waits for the file before showing the export's progress
    /// instead (3 seconds when not set).
    pub export_wait: Option<std::time::Duration>,
}

/// What every handler gets: the application (store and clock) and what HTTP adds to it.
/// Dereferences to [`app::App`], so a handler passes `&state` to a use case.
#[derive(Clone)]
pub struct AppState {
    pub app: app::App,
    pub i18n: Arc<i18n::I18n>,
    pub config: Arc<Config>,
    /// A hash checked when a sign-in names an unknown user, so that answering takes as long as
    /// for a real one.
    pub dummy_hash: Arc<String>,
    /// Feedback left on the public page, per sender's address: five in ten minutes.
    pub feedback_limit: Arc<security::RateLimit>,
}

impl AppState {
    /// The same state for one page whose parts share what they read (see
    /// [`app::App::for_one_page`]).
    pub fn for_one_page(&self) -> AppState {
        AppState {
            app: self.app.for_one_page(),
            ..self.clone()
        }
    }
}

impl std::ops::Deref for AppState {
    type Target = app::App;
    fn deref(&self) -> &app::App {
        &self.app
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Catalogue(#[from] i18n::CatalogueError),
    #[error(transparent)]
    Hash(#[from] auth::HashError),
    #[error(transparent)]
    Install(#[from] app::instruments::InstallError),
    #[error("reading the programme settings: {0}")]
    Settings(#[from] app::Error),
}

impl AppState {
    pub async fn new(store: Arc<dyn Store>, config: Config) -> Result<Self, StartError> {
        Self::with_app(app::App::new(store), config).await
    }

    /// Serves a given application (tests fix its clock).
    pub async fn with_app(app: app::App, config: Config) -> Result<Self, StartError> {
        app::instruments::prepare(app.store.as_ref(), app.now()).await?;
        let i18n = i18n::I18n::load()?;
        let digits = app::programme::arabic_digits(&app).await?;
        i18n.set_arabic_indic_digits(digits == domain::language::Digits::ArabicIndic);
        Ok(Self {
            app,
            i18n: Arc::new(i18n),
            config: Arc::new(config),
            dummy_hash: Arc::new(auth::hash_password(auth::random_token()).await?),
            feedback_limit: Arc::new(security::RateLimit::new(
                5,
                std::time::Duration::from_secs(600),
            )),
        })
    }
}

/// The whole application.
pub fn router(state: AppState) -> Router {
    router_with(state, &routes::ROUTES, routes::handler)
}

/// An application made of the given routes, each behind its declared access (see
/// [`routes::enforce_access`]) and the whole behind the usual middleware. Tests use it to show
/// that a handler which forgets to authorize is still refused.
pub fn router_with(
    state: AppState,
    specs: &[routes::RouteSpec],
    handler: impl Fn(&str) -> Option<axum::routing::MethodRouter<AppState>>,
) -> Router {
    let mut app = Router::new();
    for spec in specs {
        if let Some(h) = handler(spec.name) {
            let access = spec.access;
            let h = h.route_layer(axum::middleware::from_fn_with_state(
                state.clone(),
                move |State(st): State<AppState>, req, next| {
                    routes::enforce_access(st, access, req, next)
                },
            ));
            app = app.route(spec.path, h);
        }
    }
    app.route_layer(
        // Only the method and route template are logged: paths may carry ids, query strings
        // may carry names, and neither belongs in a log.
        TraceLayer::new_for_http().make_span_with(|req: &Request| {
            let route = req
                .extensions()
                .get::<MatchedPath>()
                .map(|p| p.as_str().to_string())
                .unwrap_or_default();
            tracing::info_span!("request", method = %req.method(), route)
        }),
    )
    .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
    .layer(axum::middleware::from_fn_with_state(
        state.clone(),
        once::once_only,
    ))
    .layer(axum::middleware::from_fn_with_state(
        state.clone(),
        auth::resolve_caller,
    ))
    .layer(axum::middleware::from_fn_with_state(
        state.clone(),
        error::render_errors,
    ))
    .layer(axum::middleware::from_fn_with_state(
        state.clone(),
        security::security_headers,
    ))
    // Pages, API answers and OpenRosa lists compressed (brotli or gzip) for clients that take
    // it (slow links).
    // Safe with reflected input: each page carries the session's CSRF key masked afresh.
    .layer(tower_http::compression::CompressionLayer::new().compress_when(compressible))
    .with_state(state)
}

/// Text worth compressing: HTML, JSON and XML of some size. Files (already compressed, or
/// streamed downloads) and assets (gzipped once, in advance) are left as they are.
fn compressible(
    _: axum::http::StatusCode,
    _: axum::http::Version,
    headers: &axum::http::HeaderMap,
    _: &axum::http::Extensions,
) -> bool {
    let kind = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let large = headers
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        .is_none_or(|n| n > 512);
    large
        && [
            "text/html",
            "application/json",
            "text/xml",
            "application/xml",
        ]
        .iter()
        .any(|t| kind.starts_with(t))
}
