//! The JSON API under `/api/v1`. It does what the pages do, through the same authorization
//! check and the same store calls. The OpenAPI document is generated from these handlers.

pub mod cases;
pub mod community;
pub mod duplicates;
pub mod exports;
pub mod feedback;
pub mod forms;
pub mod handover;
pub mod imports;
pub mod merges;
pub mod pathway;
pub mod referrals;
pub mod results;
pub mod samples;
pub mod spot_checks;
pub mod what_works;

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
        what_works::what_works,
        samples::list,
        samples::draw,
        samples::one,
        samples::top_up,
        spot_checks::list,
        spot_checks::draw,
        spot_checks::one,
        spot_checks::verify,
        feedback::list,
        feedback::one,
        feedback::step,
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
        duplicates::possible,
        merges::queue,
        merges::scan,
        merges::distinct,
        merges::merge,
        merges::get,
        merges::undo,
        handover::key,
        handover::partners,
        handover::trust,
        handover::list,
        handover::create,
        handover::packet,
        handover::receive,
        exports::cases,
        exports::records,
        imports::cases,
        imports::surveys,
        forms::list,
        forms::upload,
        forms::publish,
        forms::xform,
        forms::xlsform,
        forms::form_submissions,
        forms::case_submissions,
        forms::submit,
        forms::case_rss_scores,
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
    modifiers(&BearerAuth, &ErrorResponses, &EitherAgeOrBirth),
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

/// Every error the server may answer, on every operation it may answer it, with the body it
/// sends (`{"error": {...}}`): what the handlers' annotations list is completed here, once,
/// from what the layers in front of every handler do.
struct ErrorResponses;

/// The errors every operation may answer, and those that depend on its shape.
fn error_statuses(path: &str, method: &str, has_body: bool) -> Vec<(&'static str, &'static str)> {
    let mut codes = vec![
        (
            "400",
            "The request could not be read: malformed JSON, a value of the wrong type, or an \
             unreadable or repeated parameter.",
        ),
        (
            "401",
            "No valid token or session: sign in, or send a personal API token.",
        ),
        (
            "403",
            "Not allowed: the role may not do this, a session's write lacks its CSRF token, or \
             the account must first change its password or set up two-step sign-in.",
        ),
    ];
    if path.contains('{') {
        codes.push((
            "404",
            "No such record, or one the caller may not know exists.",
        ));
    }
    if has_body {
        codes.push(("413", "The body is too large."));
        codes.push(("415", "The body is not sent as application/json."));
        codes.push((
            "422",
            "The input breaks a rule: `fields` names each problem.",
        ));
    }
    if method == "put" {
        codes.push((
            "409",
            "The record changed since the version sent: read it again.",
        ));
    }
    codes
}

impl utoipa::Modify for ErrorResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::schema::{ObjectBuilder, Ref};
        use utoipa::openapi::{ContentBuilder, RefOr, ResponseBuilder};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.schemas.insert(
            "ApiError".into(),
            RefOr::T(
                ObjectBuilder::new()
                    .description(Some("The body of every error answer."))
                    .property("error", Ref::from_schema_name("ApiErrorDetail"))
                    .required("error")
                    .into(),
            ),
        );
        for (path, item) in openapi.paths.paths.iter_mut() {
            let operations = [
                ("get", &mut item.get),
                ("put", &mut item.put),
                ("post", &mut item.post),
                ("delete", &mut item.delete),
            ];
            for (method, op) in operations {
                let Some(op) = op else { continue };
                let has_body = op.request_body.is_some();
                for (code, description) in error_statuses(path, method, has_body) {
                    op.responses
                        .responses
                        .entry(code.to_string())
                        .or_insert_with(|| RefOr::T(ResponseBuilder::new().build()));
                    if let Some(RefOr::T(r)) = op.responses.responses.get_mut(code)
                        && r.description.is_empty()
                    {
                        r.description = description.to_string();
                    }
                }
                // Every error carries the same body, whatever the handler's annotation said.
                for (code, response) in op.responses.responses.iter_mut() {
                    if !code.starts_with('4') {
                        continue;
                    }
                    if let RefOr::T(r) = response {
                        if r.description.is_empty() {
                            r.description = "Refused; the body says why.".into();
                        }
                        r.content.clear();
                        r.content.insert(
                            "application/json".into(),
                            ContentBuilder::new()
                                .schema(Some(Ref::from_schema_name("ApiError")))
                                .build(),
                        );
                    }
                }
            }
        }
    }
}

/// A returnee's age is known from the date of birth or, without it, as the age at return: one
/// of the two is required, which the generated schema cannot say by itself.
struct EitherAgeOrBirth;

impl utoipa::Modify for EitherAgeOrBirth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::RefOr;
        use utoipa::openapi::schema::{AllOfBuilder, AnyOfBuilder, ObjectBuilder, Type};
        let Some(components) = openapi.components.as_mut() else {
            return;
        };
        let Some(profile) = components.schemas.remove("ReturneeProfile") else {
            return;
        };
        let given = |field: &str, ty: Type| {
            ObjectBuilder::new()
                .property(field, ObjectBuilder::new().schema_type(ty))
                .required(field)
        };
        let either = AnyOfBuilder::new()
            .item(given("date_of_birth", Type::String))
            .item(given("age_at_return", Type::Integer));
        components.schemas.insert(
            "ReturneeProfile".into(),
            RefOr::T(AllOfBuilder::new().item(profile).item(either).into()),
        );
    }
}

pub async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
