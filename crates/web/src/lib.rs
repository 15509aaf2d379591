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
pub mod community;
pub mod error;
mod forms;
pub mod i18n;
pub mod pages;
pub mod pathway;
mod records;
pub mod referrals;
pub mod routes;
pub mod rss;
mod security;

use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request};
use domain::security::SessionPolicy;
use store::Store;
use tower_http::trace::TraceLayer;

pub use security::MAX_BODY_BYTES;

/// Server settings that affect request handling.
#[derive(Clone, Debug, Default)]
pub struct Config {
    /// Always mark cookies `Secure` (set when the server is only reached over HTTPS).
    pub secure_cookies: bool,
    pub session_policy: SessionPolicy,
    /// Serving the demo programme: every page says so.
    pub demo: bool,
}

#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub i18n: Arc<i18n::I18n>,
    pub config: Arc<Config>,
    /// A hash checked when a sign-in names an unknown user, so that answering takes as long as
    /// for a real one.
    pub dummy_hash: Arc<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Catalogue(#[from] i18n::CatalogueError),
    #[error(transparent)]
    Hash(#[from] auth::HashError),
    #[error("the shipped instrument {0} is invalid: {1}")]
    Instrument(&'static str, String),
    #[error(transparent)]
    Store(#[from] store::StoreError),
}

impl AppState {
    pub async fn new(store: Arc<dyn Store>, config: Config) -> Result<Self, StartError> {
        install_shipped_forms(store.as_ref()).await?;
        store
            .seed_feasibility_grid(
                domain::pathway::feasibility::default_grid(),
                store::AuditContext::system(time::OffsetDateTime::now_utc(), "shipped grid"),
            )
            .await?;
        Ok(Self {
            store,
            i18n: Arc::new(i18n::I18n::load()?),
            config: Arc::new(config),
            dummy_hash: Arc::new(auth::hash_password(auth::random_token()).await?),
        })
    }
}

/// Installs the instruments shipped in `instruments/` as published versions, once per version:
/// a new release that changes an instrument ships it with a new version number.
pub async fn install_shipped_forms(store: &dyn Store) -> Result<usize, StartError> {
    let mut installed = 0;
    for (id, form) in ::forms::shipped::all() {
        let form = form.map_err(|p| {
            StartError::Instrument(
                id,
                p.iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; "),
            )
        })?;
        let definition =
            serde_json::to_string(&form).map_err(|e| StartError::Instrument(id, e.to_string()))?;
        let s = &form.settings;
        let new = store
            .install_shipped_form(
                store::NewFormVersion {
                    form_id: s.form_id.clone(),
                    version: s.version.clone(),
                    title: s.title.clone(),
                    definition,
                    origin: store::FormOrigin::Shipped,
                },
                store::AuditContext::system(time::OffsetDateTime::now_utc(), "shipped instrument"),
            )
            .await?;
        installed += usize::from(new);
    }
    if installed > 0 {
        tracing::info!(installed, "installed shipped instruments");
    }
    Ok(installed)
}

/// The whole application.
pub fn router(state: AppState) -> Router {
    let mut app = Router::new();
    for spec in routes::ROUTES {
        if let Some(h) = routes::handler(spec.name) {
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
        auth::resolve_caller,
    ))
    .layer(axum::middleware::from_fn_with_state(
        state.clone(),
        error::render_errors,
    ))
    .layer(axum::middleware::from_fn(security::security_headers))
    .with_state(state)
}
