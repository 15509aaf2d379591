//! Feedback and complaints in the JSON API, for those who handle them: the inbox, one item
//! (its reading audited) and a handling step. Leaving feedback is the public page's.

use axum::Json;
use axum::extract::{Path, State};
use domain::feedback::{ContactWay, FeedbackAbout, FeedbackKind, FeedbackStatus};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::ApiJson;
use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::AppError;
use app::feedback as fb;
use store::FeedbackRecord;

#[derive(Serialize, ToSchema)]
pub struct FeedbackJson {
    pub id: String,
    /// What the person was given to quote.
    pub reference: String,
    /// The office's code; `null` when they did not know it.
    pub office: Option<String>,
    pub kind: FeedbackKind,
    pub about: FeedbackAbout,
    pub message: String,
    /// How they want to be answered; `none` for anonymous.
    pub contact_way: ContactWay,
    /// The only contact to answer through.
    pub contact: Option<String>,
    pub language: String,
    pub status: FeedbackStatus,
    pub referred_to: Option<String>,
    pub response: Option<String>,
    pub received_at: String,
}

fn json(f: FeedbackRecord) -> FeedbackJson {
    FeedbackJson {
        id: f.id.to_string(),
        reference: f.reference,
        office: f.office_code,
        kind: f.feedback.kind,
        about: f.feedback.about,
        message: f.feedback.message,
        contact_way: f.feedback.contact_way,
        contact: f.feedback.contact,
        language: f.language,
        status: f.status,
        referred_to: f.referred_to,
        response: f.response,
        received_at: f
            .received_at
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default(),
    }
}

#[utoipa::path(get, path = "/api/v1/feedback", tag = "feedback",
    responses((status = 200, body = [FeedbackJson]), (status = 403)))]
pub async fn list(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
) -> Result<Json<Vec<FeedbackJson>>, AppError> {
    let all = fb::inbox(&state, &caller.actor()).await?;
    Ok(Json(all.into_iter().map(json).collect()))
}

#[utoipa::path(get, path = "/api/v1/feedback/{record}", tag = "feedback",
    params(("record" = String, Path)),
    responses((status = 200, body = FeedbackJson), (status = 403), (status = 404)))]
pub async fn one(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<FeedbackJson>, AppError> {
    Ok(Json(json(fb::read(&state, &caller.actor(), &id).await?)))
}

/// A handling step.
#[derive(Deserialize, ToSchema)]
pub struct StepJson {
    /// `acknowledge`, `refer` or `resolve`.
    pub step: String,
    /// Where it was referred (required to refer), or the response (required to resolve).
    #[serde(default)]
    pub text: String,
}

#[utoipa::path(post, path = "/api/v1/feedback/{record}/steps", tag = "feedback",
    params(("record" = String, Path)),
    request_body = StepJson,
    responses((status = 200, body = FeedbackJson), (status = 403), (status = 404),
        (status = 409), (status = 422)))]
pub async fn step(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
    ApiJson(s): ApiJson<StepJson>,
) -> Result<Json<FeedbackJson>, AppError> {
    Ok(Json(json(
        fb::step(&state, &caller.actor(), &id, &s.step, &s.text).await?,
    )))
}
