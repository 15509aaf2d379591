//! Spot checks in the JSON API: draw one, list them, read one with its items and rates,
//! record a verification. The same use cases as the pages.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use domain::me::spot_checks::{DiscrepancyRate, SpotKind, SpotOutcome};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::ApiJson;
use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::AppError;
use app::spot_checks::{self as spot, SpotCheckView};

/// A spot check to draw over the caller's office (every office for national staff).
#[derive(Deserialize, ToSchema)]
pub struct SpotDrawJson {
    pub kind: SpotKind,
    /// The share to verify, in percent (1–100), rounded up to a whole item.
    pub share: u32,
    /// How far back "recent" goes, in days (1–365).
    pub days: u32,
}

#[derive(Serialize, ToSchema)]
pub struct SpotItemJson {
    /// The disbursement's journal entry or the survey's submission.
    pub item_id: String,
    pub case_id: String,
    pub case_number: String,
    pub date: String,
    pub recorded_by: Option<String>,
    pub outcome: SpotOutcome,
    pub note: Option<String>,
    pub verified_by: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct SpotCheckJson {
    pub id: String,
    pub office: Option<String>,
    pub kind: SpotKind,
    pub share: u32,
    pub days: u32,
    /// The recent items the check was drawn from.
    pub population: usize,
    /// A decimal string: it exceeds what JSON numbers hold exactly.
    pub seed: String,
    pub created_on: String,
    pub overall: DiscrepancyRate,
    pub by_office: BTreeMap<String, DiscrepancyRate>,
    pub by_recorder: BTreeMap<String, DiscrepancyRate>,
    /// Set when reading one check; empty in the list.
    pub items: Vec<SpotItemJson>,
}

fn json(v: SpotCheckView, with_items: bool) -> SpotCheckJson {
    let r = v.record;
    SpotCheckJson {
        id: r.id.to_string(),
        office: r.office_code,
        kind: r.design.kind,
        share: r.design.share,
        days: r.design.days,
        population: r.population,
        seed: r.seed.to_string(),
        created_on: r.created_on.to_string(),
        overall: v.overall,
        by_office: v.by_office,
        by_recorder: v.by_recorder,
        items: if with_items {
            v.items
                .into_iter()
                .map(|i| SpotItemJson {
                    item_id: i.item.item.to_string(),
                    case_id: i.item.case.to_string(),
                    case_number: i.case_number,
                    date: i.item.date.to_string(),
                    recorded_by: i.recorded_by_name,
                    outcome: i.outcome,
                    note: i.note,
                    verified_by: i.verified_by_name,
                })
                .collect()
        } else {
            Vec::new()
        },
    }
}

#[utoipa::path(get, path = "/api/v1/spot-checks", tag = "spot checks",
    responses((status = 200, body = [SpotCheckJson]), (status = 403)))]
pub async fn list(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
) -> Result<Json<Vec<SpotCheckJson>>, AppError> {
    let all = spot::checks(&state, &caller.actor()).await?;
    Ok(Json(all.into_iter().map(|v| json(v, false)).collect()))
}

#[utoipa::path(post, path = "/api/v1/spot-checks", tag = "spot checks",
    request_body = SpotDrawJson,
    responses((status = 201, body = SpotCheckJson), (status = 403), (status = 422)))]
pub async fn draw(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(d): ApiJson<SpotDrawJson>,
) -> Result<(StatusCode, Json<SpotCheckJson>), AppError> {
    let v = spot::draw(
        &state,
        &caller.actor(),
        d.kind.as_str(),
        &d.share.to_string(),
        &d.days.to_string(),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(json(v, true))))
}

#[utoipa::path(get, path = "/api/v1/spot-checks/{record}", tag = "spot checks",
    params(("record" = String, Path)),
    responses((status = 200, body = SpotCheckJson), (status = 403), (status = 404)))]
pub async fn one(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<SpotCheckJson>, AppError> {
    Ok(Json(json(
        spot::check(&state, &caller.actor(), &id).await?,
        true,
    )))
}

/// What the verifier found.
#[derive(Deserialize, ToSchema)]
pub struct VerifyJson {
    /// `confirmed`, `discrepancy` or `unreachable`.
    pub outcome: String,
    /// Required for a discrepancy: what differs from the record.
    #[serde(default)]
    pub note: String,
}

#[utoipa::path(post, path = "/api/v1/spot-checks/{record}/items/{item}", tag = "spot checks",
    params(("record" = String, Path), ("item" = String, Path)),
    request_body = VerifyJson,
    responses((status = 200, body = SpotCheckJson), (status = 403), (status = 404),
        (status = 409), (status = 422)))]
pub async fn verify(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path((id, item)): Path<(String, String)>,
    ApiJson(v): ApiJson<VerifyJson>,
) -> Result<Json<SpotCheckJson>, AppError> {
    let actor = caller.actor();
    spot::verify(&state, &actor, &id, &item, &v.outcome, &v.note).await?;
    Ok(Json(json(spot::check(&state, &actor, &id).await?, true)))
}
