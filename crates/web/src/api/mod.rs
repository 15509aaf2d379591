//! The JSON API under `/api/v1`. It does what the pages do, through the same authorization
//! check and the same store calls. The OpenAPI document is generated from these handlers.

pub mod cases;
pub mod community;
pub mod pathway;
pub mod referrals;
pub mod results;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::header;
use serde::Serialize;
use serde::de::DeserializeOwned;
use utoipa::OpenApi;

use crate::auth::ApiCaller;
use crate::error::{AppError, ErrorKind};

/// A JSON request body. Refusals say what is wrong and where, as JSON.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json"));
        if !is_json {
            return Err(AppError::with_detail(
                ErrorKind::UnsupportedMediaType,
                "send the body as application/json",
            ));
        }
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|_| AppError::new(ErrorKind::PayloadTooLarge))?;
        serde_json::from_slice(&bytes)
            .map(ApiJson)
            .map_err(|e| AppError::with_detail(ErrorKind::BadRequest, e.to_string()))
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Me {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub role: domain::Role,
    /// The office's id, or null for national scope.
    pub office: Option<String>,
}

/// Who the caller is.
#[utoipa::path(get, path = "/api/v1/me", tag = "account",
    responses((status = 200, body = Me), (status = 401, body = crate::error::ApiErrorDetail)))]
pub async fn me(ApiCaller(caller): ApiCaller) -> Json<Me> {
    Json(Me {
        id: caller.user.id.to_string(),
        username: caller.user.username.to_string(),
        display_name: caller.user.display_name,
        role: caller.user.role,
        office: caller.user.office.map(|o| o.to_string()),
    })
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Reintegra API",
        description = "Case management and M&E for reintegration programmes. Authenticate with \
            a personal API token (`Authorization: Bearer …`) or a session cookie; writes made \
            with a session cookie carry the session's CSRF token in `X-CSRF-Token`. Errors are \
            `{\"error\": {\"code\", \"message\", \"fields\"?}}` with a stable code."
    ),
    paths(
        results::programmes,
        results::create_programme,
        results::values,
        results::evaluations,
        results::create_evaluation,
        community::communities,
        community::community,
        community::create_community,
        community::update_community,
        community::ranking,
        community::projects,
        community::project,
        community::create_project,
        community::update_project,
        community::screen_project,
        community::select_project,
        community::project_lifecycle,
        community::participants,
        community::add_participant,
        community::participant_leaves,
        community::visits,
        community::add_visit,
        community::capacity_assessments,
        community::capacity_assessment,
        community::create_capacity_assessment,
        community::update_capacity_assessment,
        community::trainings,
        community::training,
        community::create_training,
        community::update_training,
        community::mechanisms,
        community::mechanism,
        community::create_mechanism,
        community::update_mechanism,
        community::meetings,
        community::create_meeting,
        community::update_meeting,
        community::agreements,
        community::create_agreement,
        community::update_agreement,
        community::capacity_plans,
        community::capacity_plan,
        community::create_capacity_plan,
        community::update_capacity_plan,
        community::policy_tracks,
        community::policy_track,
        community::create_policy_track,
        community::update_policy_track,
        me,
        cases::list,
        cases::create,
        cases::get,
        cases::update,
        cases::consents,
        cases::record_consent,
        cases::audit,
        pathway::pathway,
        pathway::sessions,
        pathway::add_session,
        pathway::assessments,
        pathway::plans,
        pathway::create_plan,
        pathway::update_plan,
        pathway::agree_plan,
        pathway::approve_plan,
        pathway::return_plan,
        pathway::disbursements,
        pathway::disburse,
        pathway::follow_ups,
        pathway::add_follow_up,
        pathway::approvals,
        pathway::closures,
        pathway::request_closure,
        pathway::approve_closure,
        pathway::reopen,
        referrals::providers,
        referrals::provider,
        referrals::create_provider,
        referrals::update_provider,
        referrals::services,
        referrals::service,
        referrals::create_service,
        referrals::update_service,
        referrals::stakeholders,
        referrals::stakeholder,
        referrals::create_stakeholder,
        referrals::update_stakeholder,
        referrals::case_referrals,
        referrals::create_referral,
        referrals::staff_step,
        referrals::create_link,
        referrals::referrals,
        referrals::referral,
        referrals::respond,
    ),
    components(schemas(crate::error::ApiErrorDetail, crate::error::ApiFieldError)),
    modifiers(&BearerAuth),
    security(("bearer" = []))
)]
pub struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

pub async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
