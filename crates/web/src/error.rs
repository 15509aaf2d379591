//! Errors and how they reach people. Handlers return [`AppError`]; its response carries the
//! error as an extension, and [`render_errors`] turns it into a translated page or a JSON body
//! with a stable code. Bare errors made by the framework (unknown route, body too large) are
//! rendered the same way.

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use domain::ValidationErrors;
use serde::Serialize;
use store::StoreError;

use crate::AppState;
use crate::i18n::Tr;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    Unauthenticated,
    Forbidden,
    NotFound,
    MethodNotAllowed,
    Conflict,
    /// A registration that may duplicate existing cases, not confirmed as someone else.
    PossibleDuplicate,
    Validation,
    BadRequest,
    UnsupportedMediaType,
    PayloadTooLarge,
    TooManyRequests,
    Csrf,
    PasswordChangeRequired,
    /// The caller's role requires two-step sign-in, not set up yet.
    TwoStepSetupRequired,
    Internal,
}

impl ErrorKind {
    pub fn status(self) -> StatusCode {
        match self {
            ErrorKind::Unauthenticated => StatusCode::UNAUTHORIZED,
            ErrorKind::Forbidden
            | ErrorKind::Csrf
            | ErrorKind::PasswordChangeRequired
            | ErrorKind::TwoStepSetupRequired => StatusCode::FORBIDDEN,
            ErrorKind::NotFound => StatusCode::NOT_FOUND,
            ErrorKind::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ErrorKind::Conflict | ErrorKind::PossibleDuplicate => StatusCode::CONFLICT,
            ErrorKind::Validation => StatusCode::UNPROCESSABLE_ENTITY,
            ErrorKind::BadRequest => StatusCode::BAD_REQUEST,
            ErrorKind::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorKind::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ErrorKind::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            ErrorKind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Stable code for API clients.
    pub fn code(self) -> &'static str {
        match self {
            ErrorKind::Unauthenticated => "unauthenticated",
            ErrorKind::Forbidden => "forbidden",
            ErrorKind::NotFound => "not_found",
            ErrorKind::MethodNotAllowed => "method_not_allowed",
            ErrorKind::Conflict => "conflict",
            ErrorKind::PossibleDuplicate => "possible_duplicate",
            ErrorKind::Validation => "validation_failed",
            ErrorKind::BadRequest => "bad_request",
            ErrorKind::UnsupportedMediaType => "unsupported_media_type",
            ErrorKind::PayloadTooLarge => "payload_too_large",
            ErrorKind::TooManyRequests => "too_many_requests",
            ErrorKind::Csrf => "csrf_failed",
            ErrorKind::PasswordChangeRequired => "password_change_required",
            ErrorKind::TwoStepSetupRequired => "two_step_setup_required",
            ErrorKind::Internal => "internal_error",
        }
    }

    pub(crate) fn message_id(self) -> &'static str {
        match self {
            ErrorKind::Unauthenticated => "error-page-unauthenticated",
            ErrorKind::Forbidden => "error-page-forbidden",
            ErrorKind::NotFound => "error-page-not-found",
            ErrorKind::MethodNotAllowed => "error-page-method",
            ErrorKind::Conflict => "error-page-conflict",
            ErrorKind::PossibleDuplicate => "error-page-possible-duplicate",
            ErrorKind::Validation => "error-page-validation",
            ErrorKind::BadRequest => "error-page-bad-request",
            ErrorKind::UnsupportedMediaType => "error-page-media-type",
            ErrorKind::PayloadTooLarge => "error-page-too-large",
            ErrorKind::TooManyRequests => "error-page-too-many",
            ErrorKind::Csrf => "error-page-csrf",
            ErrorKind::PasswordChangeRequired => "error-page-password-change",
            ErrorKind::TwoStepSetupRequired => "error-page-two-step-setup",
            ErrorKind::Internal => "error-page-internal",
        }
    }

    pub(crate) fn from_status(status: StatusCode) -> Option<Self> {
        Some(match status {
            StatusCode::UNAUTHORIZED => ErrorKind::Unauthenticated,
            StatusCode::FORBIDDEN => ErrorKind::Forbidden,
            StatusCode::NOT_FOUND => ErrorKind::NotFound,
            StatusCode::METHOD_NOT_ALLOWED => ErrorKind::MethodNotAllowed,
            StatusCode::PAYLOAD_TOO_LARGE => ErrorKind::PayloadTooLarge,
            StatusCode::UNSUPPORTED_MEDIA_TYPE => ErrorKind::UnsupportedMediaType,
            StatusCode::UNPROCESSABLE_ENTITY => ErrorKind::Validation,
            StatusCode::BAD_REQUEST => ErrorKind::BadRequest,
            s if s.is_server_error() => ErrorKind::Internal,
            _ => return None,
        })
    }
}

#[derive(Clone, Debug)]
pub struct AppError {
    pub kind: ErrorKind,
    /// A technical detail safe to show (never personal data), for example where a JSON body
    /// could not be read.
    pub detail: Option<String>,
    pub fields: ValidationErrors,
}

impl AppError {
    pub fn new(kind: ErrorKind) -> Self {
        Self {
            kind,
            detail: None,
            fields: ValidationErrors::new(),
        }
    }
    pub fn with_detail(kind: ErrorKind, detail: impl Into<String>) -> Self {
        Self {
            detail: Some(detail.into()),
            ..Self::new(kind)
        }
    }
    pub fn validation(fields: ValidationErrors) -> Self {
        Self {
            fields,
            ..Self::new(ErrorKind::Validation)
        }
    }
    pub fn internal(what: impl std::fmt::Display) -> Self {
        // Store and template errors name tables and columns, never values.
        tracing::error!(error = %what, "internal error");
        Self::new(ErrorKind::Internal)
    }
}

impl From<app::ErrorKind> for ErrorKind {
    fn from(k: app::ErrorKind) -> Self {
        match k {
            app::ErrorKind::Forbidden => ErrorKind::Forbidden,
            app::ErrorKind::NotFound => ErrorKind::NotFound,
            app::ErrorKind::Conflict => ErrorKind::Conflict,
            app::ErrorKind::Validation => ErrorKind::Validation,
            app::ErrorKind::BadRequest => ErrorKind::BadRequest,
            app::ErrorKind::Internal => ErrorKind::Internal,
        }
    }
}

/// A use case's refusal, as the pages and the API show it.
impl From<app::Error> for AppError {
    fn from(e: app::Error) -> Self {
        Self {
            kind: e.kind.into(),
            detail: e.detail,
            fields: e.fields,
        }
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => AppError::new(ErrorKind::NotFound),
            StoreError::Conflict => AppError::new(ErrorKind::Conflict),
            StoreError::Duplicate(what) => {
                AppError::with_detail(ErrorKind::Conflict, format!("{what} already exists"))
            }
            StoreError::Database(msg) => AppError::internal(msg),
        }
    }
}

impl From<domain::authz::Forbidden> for AppError {
    fn from(_: domain::authz::Forbidden) -> Self {
        AppError::new(ErrorKind::Forbidden)
    }
}

impl From<askama::Error> for AppError {
    fn from(e: askama::Error) -> Self {
        AppError::internal(e)
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let mut res = self.kind.status().into_response();
        res.extensions_mut().insert(self);
        res
    }
}

#[derive(Serialize)]
struct ApiErrorBody {
    error: ApiErrorDetail,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ApiErrorDetail {
    /// Stable, machine-readable code, for example `conflict` or `validation_failed`.
    code: &'static str,
    /// What happened and what to do, in the caller's language.
    message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    detail: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    fields: Vec<ApiFieldError>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ApiFieldError {
    field: String,
    code: &'static str,
    message: String,
}

#[derive(askama::Template)]
#[template(path = "error.html")]
struct ErrorPage {
    c: crate::pages::Chrome,
    title: String,
    message: String,
    detail: Option<String>,
    sign_in: bool,
}

/// Middleware: renders errors for people (HTML) and programs (JSON, under `/api/`).
pub async fn render_errors(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let is_api = req.uri().path().starts_with("/api/");
    let is_openrosa = req.uri().path().starts_with("/openrosa/");
    let tr = crate::pages::tr_for(&state, req.headers());
    let res = next.run(req).await;
    if is_openrosa {
        return crate::openrosa::as_message(res, &tr);
    }
    let caller = res.extensions().get::<crate::auth::Caller>().cloned();
    let error = match res.extensions().get::<AppError>() {
        Some(e) => e.clone(),
        None => {
            let has_body = res.headers().get(header::CONTENT_TYPE).is_some_and(|v| {
                v.as_bytes().starts_with(b"text/html")
                    || v.as_bytes().starts_with(b"application/json")
            });
            match ErrorKind::from_status(res.status()) {
                Some(kind) if !has_body => AppError::new(kind),
                _ => return res,
            }
        }
    };
    let status = error.kind.status();
    let mut out = if is_api {
        api_error(&tr, &error).into_response()
    } else {
        let page = ErrorPage {
            c: crate::pages::Chrome::new(&state, tr.clone(), caller.as_ref()),
            title: tr.t("error-title"),
            message: tr.t(error.kind.message_id()),
            detail: error.detail.clone(),
            sign_in: error.kind == ErrorKind::Unauthenticated,
        };
        match askama::Template::render(&page) {
            Ok(html) => Html(html).into_response(),
            Err(_) => tr.t(error.kind.message_id()).into_response(),
        }
    };
    *out.status_mut() = status;
    if error.kind == ErrorKind::Unauthenticated && is_api {
        out.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"reintegra\""),
        );
    }
    out
}

/// A 422 answer of the API whose problems are texts rather than catalogue messages (an
/// uploaded workbook's problems, a form's own messages): each with the field it is about and
/// a stable code.
pub(crate) fn api_problems(tr: &Tr, problems: Vec<(String, &'static str, String)>) -> Response {
    let kind = ErrorKind::Validation;
    let body = axum::Json(ApiErrorBody {
        error: ApiErrorDetail {
            code: kind.code(),
            message: tr.t(kind.message_id()),
            detail: None,
            fields: problems
                .into_iter()
                .map(|(field, code, message)| ApiFieldError {
                    field,
                    code,
                    message,
                })
                .collect(),
        },
    });
    (kind.status(), body).into_response()
}

fn api_error(tr: &Tr, e: &AppError) -> axum::Json<ApiErrorBody> {
    axum::Json(ApiErrorBody {
        error: ApiErrorDetail {
            code: e.kind.code(),
            message: tr.t(e.kind.message_id()),
            detail: e.detail.clone(),
            fields: e
                .fields
                .0
                .iter()
                .map(|f| ApiFieldError {
                    field: f.field.clone(),
                    code: f.code,
                    message: tr.t(f.code),
                })
                .collect(),
        },
    })
}
