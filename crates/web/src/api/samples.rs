//! Monitoring samples in the JSON API: draw one, list them, read one with its members, top it
//! up. The same use cases as the pages.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use domain::me::samples::{Coverage, CoverageCounts, Strata};
use domain::rss::Round;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::ApiJson;
use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::AppError;
use app::samples::{self as smp, DrawRequest, SampleView};

/// A sample to draw. The size follows from the margin and confidence, over the returnees who
/// can be sampled in the caller's office (every office for national staff).
#[derive(Deserialize, ToSchema)]
pub struct DrawJson {
    pub label: String,
    pub round: Round,
    #[serde(default = "no_strata")]
    pub strata: Strata,
    /// The margin of error in percentage points, 1 to 20 (5 for ±5).
    pub margin: f64,
    /// The confidence level in percent: 90, 95 or 99.
    pub confidence: u32,
}

fn no_strata() -> Strata {
    Strata::None
}

#[derive(Serialize, ToSchema)]
pub struct MemberJson {
    /// `null` for a restricted case the caller may not open.
    pub case_id: Option<String>,
    pub case_number: Option<String>,
    pub stratum: String,
    /// 0 for the first draw, then 1, 2… for each top-up.
    pub draw: u32,
    /// What became of them; a survey of the sample's round since the draw counts as reached.
    pub coverage: Coverage,
}

#[derive(Serialize, ToSchema)]
pub struct SampleJson {
    pub id: String,
    pub label: String,
    /// The office sampled; `null` for every office.
    pub office: Option<String>,
    pub round: Round,
    pub strata: Strata,
    pub margin: f64,
    pub confidence: u32,
    /// The returnees the sample was drawn from.
    pub population: usize,
    /// How many the formula asked for.
    pub size: usize,
    /// Draws the same sample again from the same frame (a decimal string: it exceeds what
    /// JSON numbers hold exactly).
    pub seed: String,
    pub created_on: String,
    pub coverage: CoverageCounts,
    /// Set when reading one sample; empty in the list.
    pub members: Vec<MemberJson>,
}

fn json(s: SampleView, with_members: bool) -> SampleJson {
    let r = s.record;
    SampleJson {
        id: r.id.to_string(),
        label: r.label,
        office: r.office_code,
        round: r.design.round,
        strata: r.design.strata,
        margin: r.design.margin,
        confidence: r.design.confidence,
        population: r.population,
        size: r.size,
        seed: r.seed.to_string(),
        created_on: r.created_on.to_string(),
        coverage: s.coverage,
        members: if with_members {
            s.members
                .into_iter()
                .map(|m| MemberJson {
                    case_id: m.readable.then(|| m.member.case.id.to_string()),
                    case_number: m.readable.then_some(m.member.case.number),
                    stratum: m.member.stratum,
                    draw: m.member.draw,
                    coverage: m.coverage,
                })
                .collect()
        } else {
            Vec::new()
        },
    }
}

#[utoipa::path(get, path = "/api/v1/monitoring-samples", tag = "monitoring samples",
    responses((status = 200, body = [SampleJson]), (status = 403)))]
pub async fn list(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
) -> Result<Json<Vec<SampleJson>>, AppError> {
    let all = smp::samples(&state, &caller.actor()).await?;
    Ok(Json(all.into_iter().map(|s| json(s, false)).collect()))
}

#[utoipa::path(post, path = "/api/v1/monitoring-samples", tag = "monitoring samples",
    request_body = DrawJson,
    responses((status = 201, body = SampleJson), (status = 403), (status = 422)))]
pub async fn draw(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(d): ApiJson<DrawJson>,
) -> Result<(StatusCode, Json<SampleJson>), AppError> {
    let request = DrawRequest {
        label: d.label,
        round: d.round.as_str().into(),
        strata: d.strata.as_str().into(),
        margin: d.margin.to_string(),
        confidence: d.confidence.to_string(),
    };
    let s = smp::draw(&state, &caller.actor(), &request).await?;
    Ok((StatusCode::CREATED, Json(json(s, true))))
}

#[utoipa::path(get, path = "/api/v1/monitoring-samples/{record}", tag = "monitoring samples",
    params(("record" = String, Path)),
    responses((status = 200, body = SampleJson), (status = 403), (status = 404)))]
pub async fn one(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<SampleJson>, AppError> {
    Ok(Json(json(
        smp::sample(&state, &caller.actor(), &id).await?,
        true,
    )))
}

#[utoipa::path(post, path = "/api/v1/monitoring-samples/{record}/top-up", tag = "monitoring samples",
    params(("record" = String, Path)),
    responses((status = 200, body = SampleJson), (status = 403), (status = 404)))]
pub async fn top_up(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<SampleJson>, AppError> {
    let (s, _) = smp::top_up(&state, &caller.actor(), &id).await?;
    Ok(Json(json(s, true)))
}
