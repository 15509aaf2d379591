//! One person, one case in the JSON API: the duplicates queue and its scan, pairs found to be
//! different people, merging two cases and undoing a merge, through the same use cases as the
//! pages (`app::merges`).

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use store::{MergeRecord, ScanSummary};
use utoipa::ToSchema;

use super::ApiJson;
use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::AppError;
use crate::i18n::Tr;

fn rfc3339(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// A merge of two cases of one person.
#[derive(Serialize, ToSchema)]
pub struct MergeJson {
    id: String,
    /// The case kept.
    survivor: String,
    /// The case merged into it; while the merge stands, its id and number lead to the survivor.
    merged: String,
    merged_number: String,
    merged_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    undone_at: Option<String>,
    /// Whether it can still be undone (for 90 days, once).
    undoable: bool,
}

fn merge_json(state: &AppState, m: &MergeRecord) -> MergeJson {
    MergeJson {
        id: m.id.to_string(),
        survivor: m.survivor.to_string(),
        merged: m.merged.to_string(),
        merged_number: m.merged_number.clone(),
        merged_at: rfc3339(m.merged_at),
        undone_at: m.undone_at.map(rfc3339),
        undoable: app::merges::undoable(state, m),
    }
}

#[derive(Deserialize, ToSchema)]
pub struct MergeBodyJson {
    /// The id of the case kept.
    into: String,
    /// For each part of the profile that should not take its default, which case's value is
    /// kept: `"survivor"`, `"merged"`, or the id of either case. Parts: `name`, `sex`, `gender`,
    /// `birth`, `nationality`, `return`, `return_place`, `vulnerabilities`, `phone`, `email`,
    /// `address`, `preferred_language`, `household`. By default the kept case's value stays,
    /// unless it has none and the other case has one.
    #[serde(default)]
    fields: BTreeMap<String, String>,
}

/// Merges case `id` into the case `into`, in one transaction: everything attached to `id`
/// moves to the kept case, whose profile takes the chosen values; `id` leaves the case list,
/// and indicators count the person once. Sending the same merge again answers with the merge
/// already made.
#[utoipa::path(post, path = "/api/v1/cases/{id}/merge", tag = "duplicates",
    request_body = MergeBodyJson,
    params(("id" = String, Path, description = "The case merged away")),
    responses((status = 201, body = MergeJson), (status = 400), (status = 403), (status = 404),
        (status = 409), (status = 422)))]
pub async fn merge(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<MergeBodyJson>,
) -> Result<Response, AppError> {
    let record = app::merges::merge(
        &state,
        &caller.actor(),
        app::merges::MergeRequest {
            merged: id,
            into: body.into,
            fields: body.fields,
            versions: None,
        },
    )
    .await?;
    Ok((StatusCode::CREATED, Json(merge_json(&state, &record))).into_response())
}

/// One merge.
#[utoipa::path(get, path = "/api/v1/merges/{merge}", tag = "duplicates",
    params(("merge" = String, Path, description = "Merge id")),
    responses((status = 200, body = MergeJson), (status = 403), (status = 404)))]
pub async fn get(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(merge): Path<String>,
) -> Result<Json<MergeJson>, AppError> {
    let record = app::merges::merge_record(&state, &caller.actor(), &merge).await?;
    Ok(Json(merge_json(&state, &record)))
}

/// Splits a merge back, within 90 days: the merged case returns as it was, with what was moved
/// from it; the kept case gets back the values the merge changed (those edited since stay).
/// Undoing again answers with the undone merge.
#[utoipa::path(post, path = "/api/v1/merges/{merge}/undo", tag = "duplicates",
    params(("merge" = String, Path, description = "Merge id")),
    responses((status = 200, body = MergeJson), (status = 403), (status = 404), (status = 409)))]
pub async fn undo(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(merge): Path<String>,
) -> Result<Json<MergeJson>, AppError> {
    let record = app::merges::undo(&state, &caller.actor(), &merge).await?;
    Ok(Json(merge_json(&state, &record)))
}

#[derive(Deserialize, ToSchema)]
pub struct DistinctBodyJson {
    /// The other case, a different person from this one.
    from: String,
}

/// Records that two cases are different people: the duplicate check and the queue stop
/// proposing the pair.
#[utoipa::path(post, path = "/api/v1/cases/{id}/distinct", tag = "duplicates",
    request_body = DistinctBodyJson,
    params(("id" = String, Path, description = "Case id")),
    responses((status = 204), (status = 400), (status = 403), (status = 404), (status = 422)))]
pub async fn distinct(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<DistinctBodyJson>,
) -> Result<StatusCode, AppError> {
    app::merges::mark_distinct(&state, &caller.actor(), &id, &body.from).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct ScanJson {
    scanned_at: String,
    /// Pairs compared: those sharing a key of the duplicate check.
    compared: u64,
    found: u64,
}

fn scan_json(s: &ScanSummary) -> ScanJson {
    ScanJson {
        scanned_at: rfc3339(s.scanned_at),
        compared: s.compared,
        found: s.found,
    }
}

#[derive(Serialize, ToSchema)]
pub struct QueuedPairJson {
    first: String,
    first_number: String,
    second: String,
    second_number: String,
    /// From 0 to 1.
    score: f64,
    /// The evidence in words, in the caller's language.
    explanation: String,
}

#[derive(Serialize, ToSchema)]
pub struct QueueJson {
    #[serde(skip_serializing_if = "Option::is_none")]
    last_scan: Option<ScanJson>,
    /// The likeliest first; both cases in the caller's offices.
    pairs: Vec<QueuedPairJson>,
}

/// The duplicates queue of the caller's offices, from the last scan (nightly, or asked for).
#[utoipa::path(get, path = "/api/v1/duplicates", tag = "duplicates",
    responses((status = 200, body = QueueJson), (status = 403)))]
pub async fn queue(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    tr: Tr,
) -> Result<Json<QueueJson>, AppError> {
    let q = app::merges::queue(&state, &caller.actor()).await?;
    Ok(Json(QueueJson {
        last_scan: q.last_scan.as_ref().map(scan_json),
        pairs: q
            .pairs
            .iter()
            .map(|p| QueuedPairJson {
                first: p.first.id.to_string(),
                first_number: p.first.number.to_string(),
                second: p.second.id.to_string(),
                second_number: p.second.number.to_string(),
                score: p.comparison.score,
                explanation: tr.duplicate_explanation(&p.comparison),
            })
            .collect(),
    }))
}

/// Scans for likely duplicates now and rebuilds the queue.
#[utoipa::path(post, path = "/api/v1/duplicates/scan", tag = "duplicates",
    responses((status = 200, body = ScanJson), (status = 403)))]
pub async fn scan(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
) -> Result<Json<ScanJson>, AppError> {
    let summary = app::merges::scan_now(&state, &caller.actor()).await?;
    Ok(Json(scan_json(&summary)))
}
