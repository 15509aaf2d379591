//! The pathway in the JSON API: the derived stage and what is due, counselling sessions,
//! assessments, plan versions (create, edit, agree, approve), disbursements, follow-ups,
//! approvals waiting, and closure (request, approve, reopen). Same functions as the pages
//! (`app::pathway`), same authorization.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use domain::authz::Action;
use domain::case::CaseStage;
use domain::pathway::closure::Closure;
use domain::pathway::followup::{DueVisit, FollowUpVisit, VisitState};
use domain::pathway::plan::{AgreementMethod, Disbursement, PlanContent, PlanStatus};
use domain::pathway::stage::{Step, missing_steps};
use domain::pathway::{CounsellingSession, UnmetNeed, UrgentReferral};
use serde::{Deserialize, Serialize};
use store::{NewPlanAgreement, SubmissionStatus};
use time::{Date, OffsetDateTime};
use utoipa::ToSchema;

use super::ApiJson;
use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::AppError;
use app::cases::authorized_case;
use app::pathway as pw;

#[derive(Serialize, ToSchema)]
pub struct ScheduledVisitJson {
    #[serde(flatten)]
    pub visit: DueVisit,
    pub state: VisitState,
}

#[derive(Serialize, ToSchema)]
pub struct PathwayJson {
    pub stage: CaseStage,
    /// What is still missing before the case can move on.
    pub missing: Vec<Step>,
    pub plan_status: Option<PlanStatus>,
    /// The plan should be agreed by this date (one month after return).
    #[schema(value_type = String, format = Date)]
    #[serde(with = "domain::case::date")]
    pub plan_target: Date,
    pub plan_late: bool,
    pub visits: Vec<ScheduledVisitJson>,
    pub open_urgent_referrals: usize,
    pub open_tasks: usize,
}

/// Where the case stands: derived stage, what is missing, the follow-up schedule.
#[utoipa::path(get, path = "/api/v1/cases/{id}/pathway", tag = "pathway",
    params(("id" = String, Path, description = "Case id")),
    responses((status = 200, body = PathwayJson), (status = 403), (status = 404)))]
pub async fn pathway(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<PathwayJson>, AppError> {
    let p = pw::open(&state, &caller.actor(), &id).await?;
    let ret = p.case.profile.return_date;
    Ok(Json(PathwayJson {
        stage: p.stage(),
        missing: missing_steps(&p.facts()),
        plan_status: p.latest_plan().map(|v| v.status()),
        plan_target: domain::pathway::plan::agreement_target(ret),
        plan_late: domain::pathway::plan::agreement_late(ret, p.first_agreement(), p.today),
        visits: p
            .visits(p.today)
            .into_iter()
            .map(|(visit, state)| ScheduledVisitJson { visit, state })
            .collect(),
        open_urgent_referrals: p.urgent().iter().filter(|(e, _)| e.open).count(),
        open_tasks: p.tasks().iter().filter(|(e, _)| e.open).count(),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct EntryJson<T: ToSchema> {
    pub id: String,
    pub recorded_by: Option<String>,
    #[schema(value_type = String, format = DateTime)]
    #[serde(with = "time::serde::rfc3339")]
    pub recorded_at: OffsetDateTime,
    /// Open urgent referral or task.
    pub open: bool,
    #[serde(flatten)]
    pub body: T,
}

fn entries_json<T: ToSchema>(list: Vec<(&store::Entry, T)>) -> Vec<EntryJson<T>> {
    list.into_iter()
        .map(|(e, body)| EntryJson {
            id: e.id.to_string(),
            recorded_by: e.recorded_by_name.clone(),
            recorded_at: e.recorded_at,
            open: e.open,
            body,
        })
        .collect()
}

/// The counselling log. Sensitive notes only for those allowed to read them.
#[utoipa::path(get, path = "/api/v1/cases/{id}/sessions", tag = "pathway",
    params(("id" = String, Path, description = "Case id")),
    responses((status = 200, body = [CounsellingSession]), (status = 403), (status = 404)))]
pub async fn sessions(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<Vec<EntryJson<CounsellingSession>>>, AppError> {
    let p = pw::open(&state, &caller.actor(), &id).await?;
    let list = p.sessions_seen_by(&caller.actor());
    Ok(Json(entries_json(list)))
}

fn created<T>(v: T) -> (StatusCode, Json<T>) {
    (StatusCode::CREATED, Json(v))
}

#[derive(Serialize, ToSchema)]
pub struct CreatedJson {
    pub id: String,
}

/// Records a counselling session.
#[utoipa::path(post, path = "/api/v1/cases/{id}/sessions", tag = "pathway", request_body = CounsellingSession,
    params(("id" = String, Path, description = "Case id")),
    responses((status = 201, body = CreatedJson), (status = 403), (status = 422)))]
pub async fn add_session(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
    ApiJson(s): ApiJson<CounsellingSession>,
) -> Result<(StatusCode, Json<CreatedJson>), AppError> {
    let case = authorized_case(&state, &caller.actor(), &id, Action::UpdateCase).await?;
    let e = pw::record_session(&state, &caller.actor(), &case, s).await?;
    Ok(created(CreatedJson {
        id: e.id.to_string(),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct AssessmentJson {
    pub submission: String,
    pub form_id: String,
    pub form_version: String,
    pub title: String,
    pub status: String,
    #[schema(value_type = String, format = Date)]
    #[serde(with = "domain::case::date")]
    pub interview_date: Date,
    pub interviewer: String,
}

#[derive(Serialize, ToSchema)]
pub struct AssessmentsJson {
    pub assessments: Vec<AssessmentJson>,
    /// Scored surveys (Reintegration Sustainability Survey), oldest first.
    pub surveys: Vec<SurveyJson>,
    pub urgent_referrals: Vec<EntryJson<UrgentReferral>>,
    pub unmet_needs: Vec<EntryJson<UnmetNeed>>,
}

#[derive(Serialize, ToSchema)]
pub struct SurveyJson {
    pub submission: String,
    /// baseline, intermediate, final, follow_up or ad_hoc.
    #[schema(value_type = String)]
    pub round: domain::rss::Round,
    #[schema(value_type = String, format = Date)]
    #[serde(with = "domain::case::date")]
    pub interview_date: Date,
    pub economic: Option<f64>,
    pub social: Option<f64>,
    pub psychosocial: Option<f64>,
    pub composite: Option<f64>,
}

/// Assessments filled for the case (instruments), scored surveys, urgent referrals and unmet needs.
#[utoipa::path(get, path = "/api/v1/cases/{id}/assessments", tag = "pathway",
    params(("id" = String, Path, description = "Case id")),
    responses((status = 200, body = AssessmentsJson), (status = 403), (status = 404)))]
pub async fn assessments(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<AssessmentsJson>, AppError> {
    let p = pw::open(&state, &caller.actor(), &id).await?;
    Ok(Json(AssessmentsJson {
        assessments: p
            .submissions
            .iter()
            .filter(|s| s.status != SubmissionStatus::Draft)
            .map(|s| AssessmentJson {
                submission: s.id.to_string(),
                form_id: s.form_id.clone(),
                form_version: s.form_version.clone(),
                title: s.form_title.clone(),
                status: s.status.as_str().into(),
                interview_date: s.interview_date,
                interviewer: s.interviewer_name.clone(),
            })
            .collect(),
        surveys: p
            .rss
            .iter()
            .map(|s| SurveyJson {
                submission: s.submission.to_string(),
                round: s.round,
                interview_date: s.interview_date,
                economic: s.scores.economic,
                social: s.scores.social,
                psychosocial: s.scores.psychosocial,
                composite: s.scores.composite,
            })
            .collect(),
        urgent_referrals: entries_json(p.urgent()),
        unmet_needs: entries_json(p.unmet()),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct PlanVersionJson {
    pub version: i64,
    /// Send it back to edit, agree or approve: a stale value is refused with 409.
    pub revision: i64,
    pub status: PlanStatus,
    pub content: PlanContent,
    #[schema(value_type = Option<String>, format = Date)]
    #[serde(with = "domain::case::opt_date")]
    pub agreed_on: Option<Date>,
    pub agreement_method: Option<AgreementMethod>,
    pub copy_given: bool,
    pub approved_by: Option<String>,
    pub self_approved: bool,
    /// The supervisor's comments when the version was last returned instead of approved.
    pub returned_comments: Option<String>,
}

fn plan_json(v: &store::PlanVersionRecord) -> PlanVersionJson {
    PlanVersionJson {
        version: v.version,
        revision: v.revision,
        status: v.status(),
        content: v.content.clone(),
        agreed_on: v.agreement.as_ref().map(|a| a.date),
        agreement_method: v.agreement.as_ref().map(|a| a.method),
        copy_given: v.agreement.as_ref().is_some_and(|a| a.copy_given),
        approved_by: v.approval.as_ref().and_then(|a| a.by_name.clone()),
        self_approved: v.approval.as_ref().is_some_and(|a| a.self_approved),
        returned_comments: v.returned.as_ref().map(|r| r.comments.clone()),
    }
}

/// Every version of the plan, oldest first.
#[utoipa::path(get, path = "/api/v1/cases/{id}/plans", tag = "pathway",
    params(("id" = String, Path, description = "Case id")),
    responses((status = 200, body = [PlanVersionJson]), (status = 403), (status = 404)))]
pub async fn plans(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<Vec<PlanVersionJson>>, AppError> {
    let p = pw::open(&state, &caller.actor(), &id).await?;
    Ok(Json(p.plans.iter().map(plan_json).collect()))
}

#[derive(Deserialize, ToSchema)]
pub struct NewPlanJson {
    /// The newest version the client saw, or null when there is no plan yet.
    pub expected_latest: Option<i64>,
    pub content: PlanContent,
}

/// Starts a new plan version (the first, or an amendment that will need agreement again).
#[utoipa::path(post, path = "/api/v1/cases/{id}/plans", tag = "pathway", request_body = NewPlanJson,
    params(("id" = String, Path, description = "Case id")),
    responses((status = 201, body = PlanVersionJson), (status = 403), (status = 409), (status = 422)))]
pub async fn create_plan(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<NewPlanJson>,
) -> Result<(StatusCode, Json<PlanVersionJson>), AppError> {
    let p = pw::load(&state, &caller.actor(), &id, Action::UpdateCase).await?;
    let v = pw::save_plan(
        &state,
        &caller.actor(),
        &p,
        None,
        body.expected_latest.unwrap_or(0),
        body.content,
    )
    .await?;
    Ok(created(plan_json(&v)))
}

#[derive(Deserialize, ToSchema)]
pub struct PlanEditJson {
    pub revision: i64,
    pub content: PlanContent,
}

/// Replaces the content of a version not yet approved; withdraws any agreement to it.
#[utoipa::path(put, path = "/api/v1/cases/{id}/plans/{plan}", tag = "pathway", request_body = PlanEditJson,
    params(("id" = String, Path, description = "Case id"), ("plan" = i64, Path, description = "Plan version")),
    responses((status = 200, body = PlanVersionJson), (status = 403), (status = 409), (status = 422)))]
pub async fn update_plan(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path((id, version)): Path<(String, i64)>,
    ApiJson(body): ApiJson<PlanEditJson>,
) -> Result<Json<PlanVersionJson>, AppError> {
    let p = pw::load(&state, &caller.actor(), &id, Action::UpdateCase).await?;
    let v = pw::save_plan(
        &state,
        &caller.actor(),
        &p,
        Some(version),
        body.revision,
        body.content,
    )
    .await?;
    Ok(Json(plan_json(&v)))
}

#[derive(Deserialize, ToSchema)]
pub struct PlanAgreementJson {
    pub revision: i64,
    #[schema(value_type = String, format = Date)]
    #[serde(with = "domain::case::date")]
    pub date: Date,
    pub method: AgreementMethod,
    #[serde(default)]
    pub copy_given: bool,
}

/// Records the returnee's agreement to a version.
#[utoipa::path(post, path = "/api/v1/cases/{id}/plans/{plan}/agreement", tag = "pathway", request_body = PlanAgreementJson,
    params(("id" = String, Path, description = "Case id"), ("plan" = i64, Path, description = "Plan version")),
    responses((status = 204), (status = 403), (status = 409), (status = 422)))]
pub async fn agree_plan(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path((id, version)): Path<(String, i64)>,
    ApiJson(body): ApiJson<PlanAgreementJson>,
) -> Result<StatusCode, AppError> {
    let p = pw::load(&state, &caller.actor(), &id, Action::UpdateCase).await?;
    let a = NewPlanAgreement {
        date: body.date,
        method: body.method,
        copy_given: body.copy_given,
    };
    pw::agree_plan(&state, &caller.actor(), &p, version, body.revision, a).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
pub struct RevisionJson {
    pub revision: i64,
}

/// Approves an agreed version (supervisors; case managers where the office allows self-approval).
#[utoipa::path(post, path = "/api/v1/cases/{id}/plans/{plan}/approval", tag = "pathway", request_body = RevisionJson,
    params(("id" = String, Path, description = "Case id"), ("plan" = i64, Path, description = "Plan version")),
    responses((status = 204), (status = 403), (status = 409)))]
pub async fn approve_plan(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path((id, version)): Path<(String, i64)>,
    ApiJson(body): ApiJson<RevisionJson>,
) -> Result<StatusCode, AppError> {
    let p = pw::load(&state, &caller.actor(), &id, Action::ReadCase).await?;
    pw::approve_plan(&state, &caller.actor(), &p, version, body.revision).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
pub struct PlanReturnJson {
    pub revision: i64,
    /// What to change before the version is agreed again.
    pub comments: String,
}

/// Returns an agreed version with comments instead of approving it: the agreement is withdrawn
/// and the case manager changes the version and has it agreed again.
#[utoipa::path(post, path = "/api/v1/cases/{id}/plans/{plan}/return", tag = "pathway", request_body = PlanReturnJson,
    params(("id" = String, Path, description = "Case id"), ("plan" = i64, Path, description = "Plan version")),
    responses((status = 204), (status = 403), (status = 409), (status = 422)))]
pub async fn return_plan(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path((id, version)): Path<(String, i64)>,
    ApiJson(body): ApiJson<PlanReturnJson>,
) -> Result<StatusCode, AppError> {
    let p = pw::load(&state, &caller.actor(), &id, Action::ReadCase).await?;
    pw::return_plan(
        &state,
        &caller.actor(),
        &p,
        version,
        body.revision,
        &body.comments,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct DisbursementsJson {
    pub balances: Vec<domain::pathway::plan::ItemBalance>,
    pub disbursements: Vec<EntryJson<Disbursement>>,
}

/// Payments and deliveries, with the balance of each cash and in-kind item of the approved plan.
#[utoipa::path(get, path = "/api/v1/cases/{id}/disbursements", tag = "pathway",
    params(("id" = String, Path, description = "Case id")),
    responses((status = 200, body = DisbursementsJson), (status = 403), (status = 404)))]
pub async fn disbursements(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<DisbursementsJson>, AppError> {
    let p = pw::open(&state, &caller.actor(), &id).await?;
    let list = p.disbursements();
    let paid: Vec<Disbursement> = list.iter().map(|(_, d)| d.clone()).collect();
    Ok(Json(DisbursementsJson {
        balances: p
            .active_plan()
            .map(|a| domain::pathway::plan::balances(&a.content, &paid))
            .unwrap_or_default(),
        disbursements: entries_json(list),
    }))
}

/// Records a payment or delivery against an item of the approved plan (the instalment number
/// is assigned).
#[utoipa::path(post, path = "/api/v1/cases/{id}/disbursements", tag = "pathway", request_body = Disbursement,
    params(("id" = String, Path, description = "Case id")),
    responses((status = 201, body = CreatedJson), (status = 403), (status = 422)))]
pub async fn disburse(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
    ApiJson(d): ApiJson<Disbursement>,
) -> Result<(StatusCode, Json<CreatedJson>), AppError> {
    let p = pw::load(&state, &caller.actor(), &id, Action::UpdateCase).await?;
    let e = pw::disburse(&state, &caller.actor(), &p, d).await?;
    Ok(created(CreatedJson {
        id: e.id.to_string(),
    }))
}

/// Follow-up visits recorded.
#[utoipa::path(get, path = "/api/v1/cases/{id}/follow-ups", tag = "pathway",
    params(("id" = String, Path, description = "Case id")),
    responses((status = 200, body = [FollowUpVisit]), (status = 403), (status = 404)))]
pub async fn follow_ups(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<Vec<EntryJson<FollowUpVisit>>>, AppError> {
    let p = pw::open(&state, &caller.actor(), &id).await?;
    Ok(Json(entries_json(p.follow_ups())))
}

/// Records a follow-up visit or contact.
#[utoipa::path(post, path = "/api/v1/cases/{id}/follow-ups", tag = "pathway", request_body = FollowUpVisit,
    params(("id" = String, Path, description = "Case id")),
    responses((status = 201, body = CreatedJson), (status = 403), (status = 422)))]
pub async fn add_follow_up(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
    ApiJson(v): ApiJson<FollowUpVisit>,
) -> Result<(StatusCode, Json<CreatedJson>), AppError> {
    let p = pw::load(&state, &caller.actor(), &id, Action::UpdateCase).await?;
    let e = pw::record_visit(&state, &caller.actor(), &p, v).await?;
    Ok(created(CreatedJson {
        id: e.id.to_string(),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct ApprovalJson {
    pub case: String,
    pub case_number: String,
    /// The plan version waiting, or null for a closure.
    pub plan_version: Option<i64>,
    pub closure: Option<String>,
    #[schema(value_type = String, format = DateTime)]
    #[serde(with = "time::serde::rfc3339")]
    pub since: OffsetDateTime,
}

/// Plans and closures waiting for the caller's approval.
#[utoipa::path(get, path = "/api/v1/approvals", tag = "pathway",
    responses((status = 200, body = [ApprovalJson]), (status = 403)))]
pub async fn approvals(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
) -> Result<Json<Vec<ApprovalJson>>, AppError> {
    let list = pw::pending_approvals(&state, &caller.actor()).await?;
    Ok(Json(
        list.into_iter()
            .map(|a| ApprovalJson {
                case: a.case.id.to_string(),
                case_number: a.case.number,
                plan_version: a.plan_version,
                closure: a.closure.map(|c| c.to_string()),
                since: a.since,
            })
            .collect(),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct ClosureJson {
    pub id: String,
    pub closure: Closure,
    pub requested_by: Option<String>,
    pub approved_by: Option<String>,
    pub self_approved: bool,
    pub reopen_reason: Option<String>,
    /// Not undone by a reopening.
    pub in_force: bool,
}

/// Every closure of the case, reopened ones included, oldest first.
#[utoipa::path(get, path = "/api/v1/cases/{id}/closure", tag = "pathway",
    params(("id" = String, Path, description = "Case id")),
    responses((status = 200, body = [ClosureJson]), (status = 403), (status = 404)))]
pub async fn closures(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<Vec<ClosureJson>>, AppError> {
    let p = pw::open(&state, &caller.actor(), &id).await?;
    Ok(Json(
        p.closures
            .iter()
            .map(|x| ClosureJson {
                id: x.id.to_string(),
                closure: x.closure.clone(),
                requested_by: x.requested_by_name.clone(),
                approved_by: x.approval.as_ref().and_then(|a| a.by_name.clone()),
                self_approved: x.approval.as_ref().is_some_and(|a| a.self_approved),
                reopen_reason: x.reopen_reason.clone(),
                in_force: x.in_force(),
            })
            .collect(),
    ))
}

/// Asks for the case to be closed (a supervisor approves).
#[utoipa::path(post, path = "/api/v1/cases/{id}/closure", tag = "pathway", request_body = Closure,
    params(("id" = String, Path, description = "Case id")),
    responses((status = 201, body = CreatedJson), (status = 403), (status = 409), (status = 422)))]
pub async fn request_closure(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
    ApiJson(c): ApiJson<Closure>,
) -> Result<(StatusCode, Json<CreatedJson>), AppError> {
    let p = pw::load(&state, &caller.actor(), &id, Action::UpdateCase).await?;
    let x = pw::request_closure(&state, &caller.actor(), &p, c).await?;
    Ok(created(CreatedJson {
        id: x.id.to_string(),
    }))
}

/// Approves the closure waiting.
#[utoipa::path(post, path = "/api/v1/cases/{id}/closure/approval", tag = "pathway",
    params(("id" = String, Path, description = "Case id")),
    responses((status = 204), (status = 403), (status = 409)))]
pub async fn approve_closure(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
) -> Result<StatusCode, AppError> {
    let p = pw::load(&state, &caller.actor(), &id, Action::ReadCase).await?;
    pw::approve_closure(&state, &caller.actor(), &p).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
pub struct ReopenJson {
    pub reason: String,
}

/// Reopens a closed (or closing) case; the closure stays in the history.
#[utoipa::path(post, path = "/api/v1/cases/{id}/reopen", tag = "pathway", request_body = ReopenJson,
    params(("id" = String, Path, description = "Case id")),
    responses((status = 204), (status = 403), (status = 409), (status = 422)))]
pub async fn reopen(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ReopenJson>,
) -> Result<StatusCode, AppError> {
    let p = pw::load(&state, &caller.actor(), &id, Action::ReadCase).await?;
    pw::reopen(&state, &caller.actor(), &p, &body.reason).await?;
    Ok(StatusCode::NO_CONTENT)
}
