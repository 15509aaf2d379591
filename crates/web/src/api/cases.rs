//! Cases through the API.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::audit::FieldChange;
use domain::authz::Action;
use domain::case::{CaseStage, ReturneeProfile};
use domain::consent::ConsentInput;
use domain::{OfficeCode, ValidationErrors};
use serde::{Deserialize, Serialize};
use store::CaseRecord;
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};

use super::ApiJson;
use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::AppError;
use app::cases::CaseFilters;
use app::cases::{audit_view, authorized_case, record_consent_decision};

#[derive(Serialize, ToSchema)]
pub struct CaseJson {
    pub id: String,
    pub case_number: String,
    /// Office code.
    pub office: String,
    pub case_manager: Option<String>,
    pub case_manager_name: Option<String>,
    pub stage: CaseStage,
    pub restricted: bool,
    /// Derived from the date of birth when it is known.
    pub age_at_return: Option<u16>,
    /// Give this back when updating: a change based on an older version is refused.
    pub version: i64,
    #[schema(value_type = String, format = DateTime)]
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[schema(value_type = String, format = DateTime)]
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    pub profile: ReturneeProfile,
}

impl From<CaseRecord> for CaseJson {
    fn from(c: CaseRecord) -> Self {
        CaseJson {
            id: c.id.to_string(),
            case_number: c.number.to_string(),
            office: c.office.code.to_string(),
            case_manager: c.case_manager.map(|u| u.to_string()),
            case_manager_name: c.case_manager_name,
            stage: c.stage,
            restricted: c.profile.is_restricted(),
            age_at_return: c.profile.age_at_return(),
            version: c.version,
            created_at: c.created_at,
            updated_at: c.updated_at,
            profile: c.profile,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct CaseSummaryJson {
    pub id: String,
    pub case_number: String,
    pub given_name: String,
    pub family_name: String,
    pub sex: domain::case::Sex,
    pub age_at_return: Option<u16>,
    pub return_date: String,
    pub return_province: String,
    pub office: String,
    pub case_manager_name: Option<String>,
    pub stage: CaseStage,
    pub restricted: bool,
}

#[derive(Serialize, ToSchema)]
pub struct CasePageJson {
    pub items: Vec<CaseSummaryJson>,
    /// Matching cases, counted up to 10,000.
    pub total: u64,
    /// True when more than 10,000 cases match.
    pub total_capped: bool,
    /// Give it as `after` for the next page; `null` on the last page.
    pub next: Option<String>,
    /// Give it as `before` for the previous page; `null` on the first page.
    pub previous: Option<String>,
    pub per_page: u32,
}

/// Query parameters of the case list; the same filters as the case list page.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct ListParams {
    /// Name words (prefixes, accent-insensitive) or a case number.
    q: Option<String>,
    /// Office id.
    office: Option<String>,
    stage: Option<String>,
    /// Case manager's user id.
    case_manager: Option<String>,
    sex: Option<String>,
    province: Option<String>,
    /// Returned on or after (YYYY-MM-DD).
    returned_from: Option<String>,
    /// Returned on or before (YYYY-MM-DD).
    returned_to: Option<String>,
    /// updated, number, name or return_date.
    sort: Option<String>,
    /// asc or desc.
    order: Option<String>,
    /// The page after this case: the `next` of the page before.
    #[param(format = Uuid)]
    after: Option<String>,
    /// The page before this case: the `previous` of the page after.
    #[param(format = Uuid)]
    before: Option<String>,
    /// 1 to 200; 25 by default.
    #[param(minimum = 1, maximum = 200)]
    per_page: Option<u32>,
}

#[derive(Deserialize)]
pub struct PerPage {
    per_page: Option<String>,
}

/// Lists the cases the caller may read.
#[utoipa::path(get, path = "/api/v1/cases", tag = "cases", params(ListParams),
    responses((status = 200, body = CasePageJson), (status = 401), (status = 403), (status = 422)))]
pub async fn list(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Query(filters): Query<CaseFilters>,
    Query(per): Query<PerPage>,
) -> Result<Json<CasePageJson>, AppError> {
    let actor = caller.actor();
    let (mut query, mut problems) = app::cases::list_query(&actor, &filters)?;
    if let Some(p) = per.per_page.filter(|p| !p.is_empty()) {
        match p.parse::<u32>() {
            Ok(n) if (1..=200).contains(&n) => query.per_page = n,
            _ => problems.add("per_page", "error-per-page"),
        }
    }
    if !problems.is_empty() {
        return Err(AppError::validation(problems));
    }
    let page = app::cases::list(&state, &query).await?;
    Ok(Json(CasePageJson {
        items: page
            .items
            .into_iter()
            .map(|s| CaseSummaryJson {
                id: s.id.to_string(),
                case_number: s.number,
                given_name: s.given_name,
                family_name: s.family_name,
                sex: s.sex,
                age_at_return: s.age_at_return,
                return_date: s.return_date.to_string(),
                return_province: s.return_province,
                office: s.office_code,
                case_manager_name: s.case_manager_name,
                stage: s.stage,
                restricted: s.restricted,
            })
            .collect(),
        total: page.total,
        total_capped: page.total_capped,
        next: page.next.map(|c| c.to_string()),
        previous: page.previous.map(|c| c.to_string()),
        per_page: query.per_page,
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct NewCaseJson {
    /// Office code; defaults to the caller's office.
    office: Option<String>,
    /// Case manager's user id. Case managers always register cases to themselves.
    case_manager: Option<String>,
    profile: ReturneeProfile,
    /// Consent recorded at registration.
    #[serde(default)]
    consents: Vec<ConsentInput>,
    /// Register even though cases that may be the same person exist (same name, birth and
    /// nationality); without it such a registration is refused with 409 naming them.
    #[serde(default)]
    confirm_possible_duplicate: bool,
}

/// Registers a returnee. When cases the caller can read may be the same person, nothing is
/// registered: 409 with the code `possible_duplicate` and the matching case numbers, until the
/// request is sent again with `confirm_possible_duplicate`.
#[utoipa::path(post, path = "/api/v1/cases", tag = "cases", request_body = NewCaseJson,
    responses((status = 201, body = CaseJson), (status = 400), (status = 403), (status = 409), (status = 422)))]
pub async fn create(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(body): ApiJson<NewCaseJson>,
) -> Result<Response, AppError> {
    let actor = caller.actor();
    let mut errors = ValidationErrors::new();
    let office = match (&body.office, actor.office) {
        (Some(code), _) => {
            let code = OfficeCode::parse(code).map_err(|_| {
                let mut e = ValidationErrors::new();
                e.add("office", "error-choice");
                AppError::validation(e)
            })?;
            match app::lookups::office_by_code(&state, &code).await? {
                Some(o) => o.id,
                None => {
                    errors.add("office", "error-choice");
                    return Err(AppError::validation(errors));
                }
            }
        }
        (None, Some(own)) => own,
        (None, None) => {
            errors.add("office", "error-required");
            return Err(AppError::validation(errors));
        }
    };
    let case = app::cases::register(
        &state,
        &actor,
        app::cases::Registration {
            office,
            case_manager: body.case_manager.unwrap_or_default(),
            profile: body.profile,
            consents: body.consents,
            confirmed_new: body.confirm_possible_duplicate,
        },
    )
    .await?;
    match case {
        app::cases::Registered::Case(case) => {
            Ok((StatusCode::CREATED, Json(CaseJson::from(*case))).into_response())
        }
        app::cases::Registered::PossibleMatches(matches) => {
            let numbers: Vec<String> = matches.iter().map(|m| m.case.number.to_string()).collect();
            Err(AppError::with_detail(
                crate::error::ErrorKind::PossibleDuplicate,
                format!(
                    "possibly the same person as case {}; send confirm_possible_duplicate: true \
                     to register anyway",
                    numbers.join(", ")
                ),
            ))
        }
    }
}

/// One case. Reading it is recorded in the audit trail.
#[utoipa::path(get, path = "/api/v1/cases/{id}", tag = "cases",
    params(("id" = String, Path, description = "Case id")),
    responses((status = 200, body = CaseJson), (status = 403), (status = 404)))]
pub async fn get(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<CaseJson>, AppError> {
    let actor = caller.actor();
    let case = match authorized_case(&state, &actor, &id, Action::ReadCase).await {
        Err(e) if e.kind == app::ErrorKind::NotFound => {
            // A merged case: say where the person's case is now.
            return Err(match app::merges::survivor_of(&state, &actor, &id).await {
                Some(survivor) => AppError::with_detail(
                    crate::error::ErrorKind::NotFound,
                    format!("this case was merged into case {}", survivor.id),
                ),
                None => e.into(),
            });
        }
        other => other?,
    };
    audit_view(&state, &actor, &case).await?;
    Ok(Json(case.into()))
}

#[derive(Deserialize, ToSchema)]
pub struct CaseUpdateJson {
    /// The version this change is based on (from the case as last read).
    version: i64,
    /// Case manager's user id; only programme managers may change it. Leave it out to keep
    /// the current assignment; `null` unassigns.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    case_manager: Option<Option<String>>,
    profile: ReturneeProfile,
}

/// Tells a field sent as `null` (`Some(None)`) from one left out (`None`).
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

/// Replaces a case's profile. Refused with 409 if the case changed since `version`.
#[utoipa::path(put, path = "/api/v1/cases/{id}", tag = "cases", request_body = CaseUpdateJson,
    params(("id" = String, Path, description = "Case id")),
    responses((status = 200, body = CaseJson), (status = 403), (status = 404), (status = 409), (status = 422)))]
pub async fn update(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<CaseUpdateJson>,
) -> Result<Json<CaseJson>, AppError> {
    let actor = caller.actor();
    let case = authorized_case(&state, &actor, &id, Action::UpdateCase).await?;
    // Left out: keep the assignment; null: unassign; an id: assign.
    let choice = body.case_manager.map(|c| c.unwrap_or_default());
    let updated = app::cases::update(
        &state,
        &actor,
        &case,
        body.version,
        choice.as_deref(),
        body.profile,
    )
    .await?;
    Ok(Json(updated.into()))
}

#[derive(Serialize, ToSchema)]
pub struct ConsentJson {
    pub id: String,
    pub purpose: domain::consent::ConsentPurpose,
    pub decision: domain::consent::ConsentDecision,
    pub method: domain::consent::ConsentMethod,
    pub date: String,
    pub notes: Option<String>,
    pub recorded_by: String,
    #[schema(value_type = String, format = DateTime)]
    #[serde(with = "time::serde::rfc3339")]
    pub recorded_at: OffsetDateTime,
}

/// Every consent decision recorded for a case, oldest first.
#[utoipa::path(get, path = "/api/v1/cases/{id}/consents", tag = "consent",
    params(("id" = String, Path, description = "Case id")),
    responses((status = 200, body = [ConsentJson]), (status = 403), (status = 404)))]
pub async fn consents(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<Vec<ConsentJson>>, AppError> {
    let list = app::cases::consents(&state, &caller.actor(), &id).await?;
    Ok(Json(
        list.into_iter()
            .map(|c| ConsentJson {
                id: c.id.to_string(),
                purpose: c.record.purpose,
                decision: c.record.decision,
                method: c.record.method,
                date: c.record.date.to_string(),
                notes: c.record.notes,
                recorded_by: c.recorded_by_name,
                recorded_at: c.record.recorded_at,
            })
            .collect(),
    ))
}

/// Records a consent decision (given, refused or withdrawn). Nothing is ever deleted.
#[utoipa::path(post, path = "/api/v1/cases/{id}/consents", tag = "consent", request_body = ConsentInput,
    params(("id" = String, Path, description = "Case id")),
    responses((status = 201), (status = 403), (status = 404), (status = 422)))]
pub async fn record_consent(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<ConsentInput>,
) -> Result<StatusCode, AppError> {
    let actor = caller.actor();
    let case = authorized_case(&state, &actor, &id, Action::RecordConsent).await?;
    record_consent_decision(&state, &actor, &case, input).await?;
    Ok(StatusCode::CREATED)
}

#[derive(Serialize, ToSchema)]
pub struct AuditJson {
    pub id: i64,
    #[schema(value_type = String, format = DateTime)]
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// Username of who acted, or null for the system.
    pub actor: Option<String>,
    pub action: domain::audit::AuditAction,
    pub changes: Vec<FieldChange>,
    pub reason: Option<String>,
}

/// The audit trail of a case, including who opened it.
#[utoipa::path(get, path = "/api/v1/cases/{id}/audit", tag = "cases",
    params(("id" = String, Path, description = "Case id")),
    responses((status = 200, body = [AuditJson]), (status = 403), (status = 404)))]
pub async fn audit(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<Vec<AuditJson>>, AppError> {
    let (_, entries) = app::cases::audit_trail(&state, &caller.actor(), &id).await?;
    Ok(Json(
        entries
            .into_iter()
            .map(|e| AuditJson {
                id: e.id,
                at: e.at,
                actor: e.actor_name,
                action: e.action,
                changes: e.changes,
                reason: e.reason,
            })
            .collect(),
    ))
}
