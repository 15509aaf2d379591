//! The service map, the stakeholder map and referrals in the JSON API. Same functions as the
//! pages (`app::referrals`), same authorization. A partner reading a referral gets only the
//! consented parts of the case, and the read is recorded as a disclosure.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use domain::authz::Action;
use domain::referral::{Disclosure, ReferralContent, ReferralStatus, ReferralStep};
use domain::services::{Provider, Service, ServiceQuery};
use domain::stakeholder::Stakeholder;
use serde::{Deserialize, Serialize};
use store::{ReferralRecord, Via};
use time::{Date, OffsetDateTime};
use utoipa::ToSchema;

use super::ApiJson;
use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::{AppError, ErrorKind};
use app::cases::authorized_case;
use app::referrals::{self as rf, Channel};

#[derive(Serialize, ToSchema)]
pub struct ProviderJson {
    pub id: String,
    pub version: i64,
    #[serde(flatten)]
    pub provider: Provider,
}

fn provider_json(r: store::ProviderRecord) -> ProviderJson {
    ProviderJson {
        id: r.id.to_string(),
        version: r.version,
        provider: r.provider,
    }
}

/// Organisations on the service map.
#[utoipa::path(get, path = "/api/v1/providers", tag = "service map",
    responses((status = 200, body = [ProviderJson]), (status = 403)))]
pub async fn providers(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
) -> Result<Json<Vec<ProviderJson>>, AppError> {
    let all = rf::providers(&state, &caller.actor()).await?;
    Ok(Json(all.into_iter().map(provider_json).collect()))
}

#[utoipa::path(get, path = "/api/v1/providers/{provider}", tag = "service map",
    params(("provider" = String, Path)),
    responses((status = 200, body = ProviderJson), (status = 403), (status = 404)))]
pub async fn provider(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<ProviderJson>, AppError> {
    Ok(Json(provider_json(
        rf::provider(&state, &caller.actor(), &id).await?,
    )))
}

/// Adds an organisation to the service map.
#[utoipa::path(post, path = "/api/v1/providers", tag = "service map", request_body = Provider,
    responses((status = 201, body = ProviderJson), (status = 403), (status = 422)))]
pub async fn create_provider(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(p): ApiJson<Provider>,
) -> Result<(StatusCode, Json<ProviderJson>), AppError> {
    let r = rf::save_provider(&state, &caller.actor(), None, None, p).await?;
    Ok((StatusCode::CREATED, Json(provider_json(r))))
}

#[derive(Deserialize, ToSchema)]
pub struct ProviderUpdate {
    /// The version the change is based on; a stale version is refused with 409.
    pub version: i64,
    pub provider: Provider,
}

#[utoipa::path(put, path = "/api/v1/providers/{provider}", tag = "service map",
    params(("provider" = String, Path)), request_body = ProviderUpdate,
    responses((status = 200, body = ProviderJson), (status = 403), (status = 409), (status = 422)))]
pub async fn update_provider(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
    ApiJson(u): ApiJson<ProviderUpdate>,
) -> Result<Json<ProviderJson>, AppError> {
    let actor = caller.actor();
    let r = rf::save_provider(
        &state,
        &actor,
        Some(rf::parse_id(&id)?),
        Some(u.version),
        u.provider,
    )
    .await?;
    Ok(Json(provider_json(r)))
}

#[derive(Serialize, ToSchema)]
pub struct ServiceJson {
    pub id: String,
    pub provider: String,
    pub provider_name: String,
    pub version: i64,
    pub dimension: domain::pathway::Dimension,
    /// The Annex 7 pattern read from the ratings, once rated.
    pub gap: Option<domain::services::GapPattern>,
    /// Days the service answers a referral in: those agreed, or the default when none were
    /// (`answer_days` is the agreed value, null when not agreed).
    pub effective_answer_days: u16,
    #[schema(value_type = Option<String>, format = Date)]
    #[serde(with = "domain::case::opt_date")]
    pub review_due: Option<Date>,
    #[serde(flatten)]
    pub service: Service,
}

fn service_json(r: store::ServiceRecord) -> ServiceJson {
    ServiceJson {
        id: r.id.to_string(),
        provider: r.provider.to_string(),
        provider_name: r.provider_name,
        version: r.version,
        dimension: r.service.dimension(),
        gap: r.service.ratings.gap(),
        effective_answer_days: r.service.answer_days(),
        review_due: r.service.review_due(),
        service: r.service,
    }
}

/// Searches the service map by category, dimension, place and language.
#[utoipa::path(get, path = "/api/v1/services", tag = "service map", params(ServiceQuery),
    responses((status = 200, body = [ServiceJson]), (status = 403)))]
pub async fn services(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Query(q): Query<ServiceQuery>,
) -> Result<Json<Vec<ServiceJson>>, AppError> {
    let all = rf::services(&state, &caller.actor()).await?;
    Ok(Json(
        all.into_iter()
            .filter(|s| s.service.matches(&q))
            .map(service_json)
            .collect(),
    ))
}

#[utoipa::path(get, path = "/api/v1/services/{service}", tag = "service map",
    params(("service" = String, Path)),
    responses((status = 200, body = ServiceJson), (status = 403), (status = 404)))]
pub async fn service(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<ServiceJson>, AppError> {
    Ok(Json(service_json(
        rf::service(&state, &caller.actor(), &id).await?,
    )))
}

#[derive(Deserialize, ToSchema)]
pub struct NewServiceJson {
    pub provider: String,
    pub service: Service,
}

#[utoipa::path(post, path = "/api/v1/services", tag = "service map", request_body = NewServiceJson,
    responses((status = 201, body = ServiceJson), (status = 403), (status = 422)))]
pub async fn create_service(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(n): ApiJson<NewServiceJson>,
) -> Result<(StatusCode, Json<ServiceJson>), AppError> {
    let r = rf::save_service(&state, &caller.actor(), None, &n.provider, None, n.service).await?;
    Ok((StatusCode::CREATED, Json(service_json(r))))
}

#[derive(Deserialize, ToSchema)]
pub struct ServiceUpdate {
    pub version: i64,
    pub provider: String,
    pub service: Service,
}

#[utoipa::path(put, path = "/api/v1/services/{service}", tag = "service map",
    params(("service" = String, Path)), request_body = ServiceUpdate,
    responses((status = 200, body = ServiceJson), (status = 403), (status = 409), (status = 422)))]
pub async fn update_service(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
    ApiJson(u): ApiJson<ServiceUpdate>,
) -> Result<Json<ServiceJson>, AppError> {
    let actor = caller.actor();
    let r = rf::save_service(
        &state,
        &actor,
        Some(rf::parse_id(&id)?),
        &u.provider,
        Some(u.version),
        u.service,
    )
    .await?;
    Ok(Json(service_json(r)))
}

#[derive(Serialize, ToSchema)]
pub struct StakeholderJson {
    pub id: String,
    pub version: i64,
    pub engagement: domain::stakeholder::EngagementTier,
    /// Whether the sensitive columns were included for this reader.
    pub sensitive_included: bool,
    #[serde(flatten)]
    pub stakeholder: Stakeholder,
}

fn stakeholder_json(r: store::StakeholderRecord, sensitive: bool) -> StakeholderJson {
    StakeholderJson {
        id: r.id.to_string(),
        version: r.version,
        engagement: r.stakeholder.engagement(),
        sensitive_included: sensitive,
        stakeholder: r.stakeholder,
    }
}

/// The stakeholder map. Political and financial interests, reasons for disinclination and the
/// supporter / obstructor stance are left out for readers without `stakeholders.sensitive`.
#[utoipa::path(get, path = "/api/v1/stakeholders", tag = "stakeholder map",
    responses((status = 200, body = [StakeholderJson]), (status = 403)))]
pub async fn stakeholders(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
) -> Result<Json<Vec<StakeholderJson>>, AppError> {
    let (all, sensitive) = rf::stakeholders(&state, &caller.actor()).await?;
    Ok(Json(
        all.into_iter()
            .map(|s| stakeholder_json(s, sensitive))
            .collect(),
    ))
}

#[utoipa::path(get, path = "/api/v1/stakeholders/{stakeholder}", tag = "stakeholder map",
    params(("stakeholder" = String, Path)),
    responses((status = 200, body = StakeholderJson), (status = 403), (status = 404)))]
pub async fn stakeholder(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<StakeholderJson>, AppError> {
    let (s, sensitive) = rf::stakeholder(&state, &caller.actor(), &id).await?;
    Ok(Json(stakeholder_json(s, sensitive)))
}

#[utoipa::path(post, path = "/api/v1/stakeholders", tag = "stakeholder map",
    request_body = Stakeholder,
    responses((status = 201, body = StakeholderJson), (status = 403), (status = 422)))]
pub async fn create_stakeholder(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(s): ApiJson<Stakeholder>,
) -> Result<(StatusCode, Json<StakeholderJson>), AppError> {
    let r = rf::save_stakeholder(&state, &caller.actor(), None, None, s).await?;
    Ok((StatusCode::CREATED, Json(stakeholder_json(r, true))))
}

#[derive(Deserialize, ToSchema)]
pub struct StakeholderUpdate {
    pub version: i64,
    pub stakeholder: Stakeholder,
}

#[utoipa::path(put, path = "/api/v1/stakeholders/{stakeholder}", tag = "stakeholder map",
    params(("stakeholder" = String, Path)), request_body = StakeholderUpdate,
    responses((status = 200, body = StakeholderJson), (status = 403), (status = 409), (status = 422)))]
pub async fn update_stakeholder(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
    ApiJson(u): ApiJson<StakeholderUpdate>,
) -> Result<Json<StakeholderJson>, AppError> {
    let actor = caller.actor();
    let r = rf::save_stakeholder(
        &state,
        &actor,
        Some(rf::parse_id(&id)?),
        Some(u.version),
        u.stakeholder,
    )
    .await?;
    Ok(Json(stakeholder_json(r, true)))
}

// Referrals

/// A referral as staff see it.
#[derive(Serialize, ToSchema)]
pub struct ReferralJson {
    pub id: String,
    pub case: String,
    pub service: String,
    pub service_name: String,
    pub provider: String,
    pub provider_name: String,
    pub status: ReferralStatus,
    pub version: i64,
    #[schema(value_type = Option<String>, format = Date)]
    #[serde(with = "domain::case::opt_date")]
    pub sent_on: Option<Date>,
    #[schema(value_type = Option<String>, format = Date)]
    #[serde(with = "domain::case::opt_date")]
    pub answer_due: Option<Date>,
    pub overdue: bool,
    pub content: ReferralContent,
    #[schema(value_type = String, format = DateTime)]
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

fn referral_json(r: ReferralRecord, today: time::Date) -> ReferralJson {
    ReferralJson {
        id: r.id.to_string(),
        case: r.case.to_string(),
        service: r.service.to_string(),
        service_name: r.service_name,
        provider: r.provider.to_string(),
        provider_name: r.provider_name,
        status: r.status,
        version: r.version,
        sent_on: r.sent_on,
        answer_due: r.answer_due,
        overdue: domain::referral::is_overdue(r.status, r.answer_due, today),
        content: r.content,
        updated_at: r.updated_at,
    }
}

/// A referral as the provider sees it: status, service, and only the consented parts of the
/// case (absent once the referral is no longer shared).
#[derive(Serialize, ToSchema)]
// Documented as closed (`additionalProperties: false`), so that a staff view, which has more
// fields, is never read as this one.
#[serde(deny_unknown_fields)]
pub struct PartnerReferralJson {
    pub id: String,
    pub service_name: String,
    pub status: ReferralStatus,
    pub version: i64,
    #[schema(value_type = Option<String>, format = Date)]
    #[serde(with = "domain::case::opt_date")]
    pub sent_on: Option<Date>,
    #[schema(value_type = Option<String>, format = Date)]
    #[serde(with = "domain::case::opt_date")]
    pub answer_due: Option<Date>,
    pub shared: Option<Disclosure>,
}

fn partner_json(r: &ReferralRecord, shared: Option<Disclosure>) -> PartnerReferralJson {
    PartnerReferralJson {
        id: r.id.to_string(),
        service_name: r.service_name.clone(),
        status: r.status,
        version: r.version,
        sent_on: r.sent_on,
        answer_due: r.answer_due,
        shared,
    }
}

/// Either view, by who asks.
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
pub enum AnyReferralJson {
    Staff(Box<ReferralJson>),
    Partner(Box<PartnerReferralJson>),
}

#[utoipa::path(get, path = "/api/v1/cases/{id}/referrals", tag = "referrals",
    params(("id" = String, Path)),
    responses((status = 200, body = [ReferralJson]), (status = 403), (status = 404)))]
pub async fn case_referrals(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<Vec<ReferralJson>>, AppError> {
    let case = authorized_case(&state, &caller.actor(), &id, Action::ReadReferral).await?;
    let all = rf::of_case_all(&state, case.id).await?;
    Ok(Json(
        all.into_iter()
            .map(|r| referral_json(r, state.today()))
            .collect(),
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct NewReferralJson {
    pub service: String,
    pub content: ReferralContent,
    /// Send at once (needs consent or the exception); otherwise a draft is kept.
    #[serde(default)]
    pub send: bool,
}

#[utoipa::path(post, path = "/api/v1/cases/{id}/referrals", tag = "referrals",
    params(("id" = String, Path)), request_body = NewReferralJson,
    responses((status = 201, body = ReferralJson), (status = 403), (status = 422)))]
pub async fn create_referral(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
    ApiJson(n): ApiJson<NewReferralJson>,
) -> Result<(StatusCode, Json<ReferralJson>), AppError> {
    let actor = caller.actor();
    let case = authorized_case(&state, &actor, &id, Action::UpdateCase).await?;
    let r = rf::create(&state, &actor, &case, &n.service, n.content, n.send).await?;
    Ok((StatusCode::CREATED, Json(referral_json(r, state.today()))))
}

#[derive(Deserialize, ToSchema)]
pub struct StepJson {
    pub step: ReferralStep,
    /// Required to decline, cancel, withdraw consent and give feedback.
    #[serde(default)]
    pub note: String,
    /// The version the step is based on; a stale one is refused with 409.
    pub version: i64,
}

fn stale(r: &ReferralRecord, version: i64) -> Result<(), AppError> {
    if r.version == version {
        Ok(())
    } else {
        Err(AppError::new(ErrorKind::Conflict))
    }
}

/// Staff steps: send, cancel, record a withdrawal of consent.
#[utoipa::path(post, path = "/api/v1/cases/{id}/referrals/{ref}/steps", tag = "referrals",
    params(("id" = String, Path), ("ref" = String, Path)), request_body = StepJson,
    responses((status = 200, body = ReferralJson), (status = 403), (status = 409), (status = 422)))]
pub async fn staff_step(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path((id, rid)): Path<(String, String)>,
    ApiJson(s): ApiJson<StepJson>,
) -> Result<Json<ReferralJson>, AppError> {
    let actor = caller.actor();
    let case = authorized_case(&state, &actor, &id, Action::UpdateCase).await?;
    let r = rf::of_case(&state, &case, &rid).await?;
    if s.step.by_provider() {
        return Err(AppError::with_detail(
            ErrorKind::BadRequest,
            "the provider's answers go to /api/v1/referrals/{ref}/respond",
        ));
    }
    stale(&r, s.version)?;
    let r = rf::step(&state, &actor, &r, s.step, s.note, Via::Staff).await?;
    Ok(Json(referral_json(r, state.today())))
}

#[derive(Deserialize, ToSchema)]
pub struct LinkRequest {
    /// How many days the link works (1–60).
    pub days: u16,
}

#[derive(Serialize, ToSchema)]
pub struct LinkJson {
    pub id: String,
    /// The path to hand to the provider. Shown once: only its hash is kept.
    pub path: String,
    #[schema(value_type = String, format = DateTime)]
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
}

/// A link for a provider without an account: it shows only the consented parts and lets
/// them accept, decline and confirm delivery.
#[utoipa::path(post, path = "/api/v1/cases/{id}/referrals/{ref}/links", tag = "referrals",
    params(("id" = String, Path), ("ref" = String, Path)), request_body = LinkRequest,
    responses((status = 201, body = LinkJson), (status = 403), (status = 422)))]
pub async fn create_link(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path((id, rid)): Path<(String, String)>,
    ApiJson(l): ApiJson<LinkRequest>,
) -> Result<(StatusCode, Json<LinkJson>), AppError> {
    let actor = caller.actor();
    let case = authorized_case(&state, &actor, &id, Action::UpdateCase).await?;
    let r = rf::of_case(&state, &case, &rid).await?;
    let (token, link) = rf::create_link(&state, &actor, &r, l.days).await?;
    Ok((
        StatusCode::CREATED,
        Json(LinkJson {
            id: link.id.to_string(),
            path: format!("/r/{token}"),
            expires_at: link.expires_at,
        }),
    ))
}

/// Referrals the caller may see: a partner's organisation's (without personal data in the
/// list), or those of the cases in the caller's reach.
#[utoipa::path(get, path = "/api/v1/referrals", tag = "referrals",
    responses((status = 200, body = [AnyReferralJson]), (status = 403)))]
pub async fn referrals(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
) -> Result<Json<Vec<AnyReferralJson>>, AppError> {
    let actor = caller.actor();
    let all = rf::visible(&state, &actor).await?;
    Ok(Json(
        all.into_iter()
            .map(|r| {
                if actor.role == domain::Role::Partner {
                    AnyReferralJson::Partner(Box::new(partner_json(&r, None)))
                } else {
                    AnyReferralJson::Staff(Box::new(referral_json(r, state.today())))
                }
            })
            .collect(),
    ))
}

/// One referral. A partner gets the consented parts of the case, and the read is recorded.
#[utoipa::path(get, path = "/api/v1/referrals/{ref}", tag = "referrals",
    params(("ref" = String, Path)),
    responses((status = 200, body = AnyReferralJson), (status = 403), (status = 404)))]
pub async fn referral(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(rid): Path<String>,
) -> Result<Json<AnyReferralJson>, AppError> {
    let actor = caller.actor();
    let r = rf::load(&state, &actor, &rid, Action::ReadReferral).await?;
    if actor.role == domain::Role::Partner {
        let d = rf::disclose(&state, Some(&actor), &r, Channel::PartnerApi).await?;
        Ok(Json(AnyReferralJson::Partner(Box::new(partner_json(
            &r, d,
        )))))
    } else {
        Ok(Json(AnyReferralJson::Staff(Box::new(referral_json(
            r,
            state.today(),
        )))))
    }
}

/// The provider's answer: accept, decline, start, complete, feedback.
#[utoipa::path(post, path = "/api/v1/referrals/{ref}/respond", tag = "referrals",
    params(("ref" = String, Path)), request_body = StepJson,
    responses((status = 200, body = AnyReferralJson), (status = 403), (status = 409), (status = 422)))]
pub async fn respond(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(rid): Path<String>,
    ApiJson(s): ApiJson<StepJson>,
) -> Result<Json<AnyReferralJson>, AppError> {
    let actor = caller.actor();
    let r = rf::load(&state, &actor, &rid, Action::RespondReferral).await?;
    if !s.step.by_provider() {
        return Err(AppError::with_detail(
            ErrorKind::BadRequest,
            "only accept, decline, start, complete and feedback are answers",
        ));
    }
    stale(&r, s.version)?;
    let partner = actor.role == domain::Role::Partner;
    let via = if partner { Via::Partner } else { Via::Staff };
    let r = rf::step(&state, &actor, &r, s.step, s.note, via).await?;
    Ok(Json(if partner {
        AnyReferralJson::Partner(Box::new(partner_json(&r, None)))
    } else {
        AnyReferralJson::Staff(Box::new(referral_json(r, state.today())))
    }))
}
