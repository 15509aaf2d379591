//! Case hand-over between instances in the JSON API, through the same use cases as the pages
//! (`app::handover`).

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use domain::consent::ConsentMethod;
use domain::handover::SharedScope;
use serde::{Deserialize, Serialize};
use store::{HandoverRecord, TrustedPartner};
use utoipa::{IntoParams, ToSchema};

use super::ApiJson;
use super::cases::CaseJson;
use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::AppError;

fn date(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// This instance's public key file, as given to partners out of band.
#[utoipa::path(get, path = "/api/v1/handover/key", tag = "handover",
    responses((status = 200, description = "The public key file (JSON)", content_type = "application/json"),
        (status = 403)))]
pub async fn key(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
) -> Result<Response, AppError> {
    let view = app::handover::keys_view(&state, &caller.actor()).await?;
    Ok((
        [(header::CONTENT_TYPE, "application/json")],
        view.public_key_file,
    )
        .into_response())
}

#[derive(Serialize, ToSchema)]
pub struct PartnerJson {
    key_id: String,
    organisation: String,
    added_at: String,
}

fn partner_json(p: &TrustedPartner) -> PartnerJson {
    PartnerJson {
        key_id: p.key_id.clone(),
        organisation: p.organisation.clone(),
        added_at: date(p.added_at),
    }
}

/// The partner instances whose packets this one accepts and to which it sends.
#[utoipa::path(get, path = "/api/v1/handover/partners", tag = "handover",
    responses((status = 200, body = Vec<PartnerJson>), (status = 403)))]
pub async fn partners(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
) -> Result<Json<Vec<PartnerJson>>, AppError> {
    let view = app::handover::keys_view(&state, &caller.actor()).await?;
    Ok(Json(view.partners.iter().map(partner_json).collect()))
}

/// A partner's public key file, as it sent it.
#[derive(Deserialize, ToSchema)]
pub struct KeyFileJson {
    /// `reintegra-instance-key/1`
    format: String,
    organisation: String,
    signing_key: String,
    encryption_key: String,
}

/// Trusts a partner instance from its public key file.
#[utoipa::path(post, path = "/api/v1/handover/partners", tag = "handover",
    request_body = KeyFileJson,
    responses((status = 201, body = PartnerJson), (status = 403), (status = 422)))]
pub async fn trust(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(body): ApiJson<KeyFileJson>,
) -> Result<Response, AppError> {
    let text = serde_json::json!({
        "format": body.format,
        "organisation": body.organisation,
        "signing_key": body.signing_key,
        "encryption_key": body.encryption_key,
    })
    .to_string();
    let partner = app::handover::trust_partner(&state, &caller.actor(), &text).await?;
    Ok((StatusCode::CREATED, Json(partner_json(&partner))).into_response())
}

#[derive(Serialize, ToSchema)]
pub struct HandoverJson {
    id: String,
    partner_key_id: String,
    partner_organisation: String,
    consent_date: String,
    consent_method: ConsentMethod,
    shared: SharedScope,
    recorded_at: String,
    packets_made: i64,
    /// Whether the consent is recent enough for a packet to be made from it (90 days).
    current: bool,
}

fn handover_json(state: &AppState, h: &HandoverRecord) -> HandoverJson {
    HandoverJson {
        id: h.id.to_string(),
        partner_key_id: h.partner_key_id.clone(),
        partner_organisation: h.partner_organisation.clone(),
        consent_date: h.consent.date.to_string(),
        consent_method: h.consent.method,
        shared: h.consent.shared.clone(),
        recorded_at: date(h.recorded_at),
        packets_made: h.packets_made,
        current: domain::handover::consent_current(h.consent.date, state.today()),
    }
}

/// The consents recorded to hand a case over, newest first.
#[utoipa::path(get, path = "/api/v1/cases/{id}/handovers", tag = "handover",
    params(("id" = String, Path, description = "Case id")),
    responses((status = 200, body = Vec<HandoverJson>), (status = 403), (status = 404)))]
pub async fn list(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<Vec<HandoverJson>>, AppError> {
    let o = app::handover::options(&state, &caller.actor(), &id).await?;
    Ok(Json(
        o.handovers
            .iter()
            .map(|h| handover_json(&state, h))
            .collect(),
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct NewHandoverJson {
    /// The recipient's key id (from `GET /api/v1/handover/partners`).
    partner: String,
    /// The returnee agreed to this hand-over, to this partner, of what `shared` names.
    agreed: bool,
    #[schema(value_type = String, format = Date)]
    consent_date: String,
    consent_method: ConsentMethod,
    #[serde(default)]
    shared: SharedScope,
}

/// Records the returnee's consent to hand their case over to a trusted partner, naming what is
/// shared (the profile always is; sensitive counselling notes never are).
#[utoipa::path(post, path = "/api/v1/cases/{id}/handovers", tag = "handover",
    request_body = NewHandoverJson,
    params(("id" = String, Path, description = "Case id")),
    responses((status = 201, body = HandoverJson), (status = 403), (status = 404), (status = 409),
        (status = 422)))]
pub async fn create(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<NewHandoverJson>,
) -> Result<Response, AppError> {
    let consent_date = domain::case::date::parse(body.consent_date.trim()).ok_or(());
    let Ok(consent_date) = consent_date else {
        let mut e = domain::ValidationErrors::new();
        e.add("consent_date", "error-date-format");
        return Err(AppError::validation(e));
    };
    let record = app::handover::record_consent(
        &state,
        &caller.actor(),
        &id,
        app::handover::HandoverInput {
            partner: body.partner,
            agreed: body.agreed,
            consent_date: Some(consent_date),
            consent_method: Some(body.consent_method),
            shared: body.shared,
        },
    )
    .await?;
    Ok((StatusCode::CREATED, Json(handover_json(&state, &record))).into_response())
}

/// Makes a packet from a recorded consent: signed by this instance, readable only by the
/// recipient, valid for 30 days. Audited on the case.
#[utoipa::path(post, path = "/api/v1/cases/{id}/handovers/{handover}/packet", tag = "handover",
    params(("id" = String, Path, description = "Case id"),
        ("handover" = String, Path, description = "Hand-over consent id")),
    responses((status = 200, description = "The packet file (JSON)", content_type = "application/json"),
        (status = 403), (status = 404), (status = 409)))]
pub async fn packet(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path((id, handover)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let (name, bytes) = app::handover::make_packet(&state, &caller.actor(), &id, &handover).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/json".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
        .into_response())
}

#[derive(Deserialize, IntoParams)]
pub struct ReceiveParams {
    /// The office taking the case (its code); the caller's own office when left out.
    office: Option<String>,
}

/// A packet as a partner instance made it.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct PacketJson {
    header: serde_json::Value,
    enc: String,
    ciphertext: String,
    signature: String,
}

/// Receives a packet as a new case in intake, with its provenance. Refused (422, on `packet`)
/// when it is addressed to another instance, comes from an untrusted sender, was changed, has
/// expired, or was received before.
#[utoipa::path(post, path = "/api/v1/handovers/receive", tag = "handover", params(ReceiveParams),
    request_body(content = PacketJson, content_type = "application/json"),
    responses((status = 201, body = CaseJson), (status = 403), (status = 413), (status = 422)))]
pub async fn receive(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Query(params): Query<ReceiveParams>,
    body: Bytes,
) -> Result<Response, AppError> {
    let actor = caller.actor();
    let office =
        app::lookups::office_named_or_own(&state, &actor, params.office.as_deref()).await?;
    let case = app::handover::receive(&state, &actor, office, &body).await?;
    Ok((StatusCode::CREATED, Json(CaseJson::from(case))).into_response())
}
