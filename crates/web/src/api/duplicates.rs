//! The duplicate check in the JSON API: registered cases that may be the same person as a
//! case, with how alike they are and why, through the same use case as registration.

use axum::Json;
use axum::extract::{Path, State};
use serde::Serialize;
use utoipa::ToSchema;

use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::AppError;
use crate::i18n::Tr;

/// One thing two records share, or in which they differ.
#[derive(Serialize, ToSchema)]
pub struct EvidenceJson {
    /// `alike_names`, `same_birth_date`, `close_birth_years`, `near_birth_dates`, `far_birth_years`,
    /// `same_sex`, `other_sex`, `same_nationality`, `other_nationality`, `same_phone` or
    /// `shared_household_member`.
    code: &'static str,
    /// Whether it speaks for the same person (otherwise against).
    supports: bool,
    /// For `alike_names`: how alike the names are, from 0 to 1, once transliterated.
    #[serde(skip_serializing_if = "Option::is_none")]
    similarity: Option<f64>,
}

/// A case that may be the same person.
#[derive(Serialize, ToSchema)]
pub struct PossibleDuplicateJson {
    id: String,
    number: String,
    name: String,
    office: String,
    /// From 0 to 1.
    score: f64,
    /// The strongest first.
    evidence: Vec<EvidenceJson>,
    /// The evidence in words, in the caller's language.
    explanation: String,
}

#[derive(Serialize, ToSchema)]
pub struct PossibleDuplicatesJson {
    case_id: String,
    /// The likeliest first; only cases the caller may read.
    possible_duplicates: Vec<PossibleDuplicateJson>,
}

/// Registered cases likely to be the same person as this one, with the evidence. Names are
/// compared across Latin and Arabic script and common spelling variants.
#[utoipa::path(get, path = "/api/v1/cases/{id}/possible-duplicates", tag = "cases",
    params(("id" = String, Path, description = "Case id")),
    responses((status = 200, body = PossibleDuplicatesJson), (status = 403), (status = 404)))]
pub async fn possible(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    tr: Tr,
    Path(id): Path<String>,
) -> Result<Json<PossibleDuplicatesJson>, AppError> {
    let actor = caller.actor();
    let (case, found) = app::cases::possible_duplicates(&state, &actor, &id).await?;
    Ok(Json(PossibleDuplicatesJson {
        case_id: case.id.to_string(),
        possible_duplicates: found
            .iter()
            .map(|m| PossibleDuplicateJson {
                id: m.case.id.to_string(),
                number: m.case.number.to_string(),
                name: m.case.profile.full_name(),
                office: m.case.office.name.clone(),
                score: m.comparison.score,
                evidence: m
                    .comparison
                    .evidence
                    .iter()
                    .map(|e| EvidenceJson {
                        code: e.code(),
                        supports: e.supports(),
                        similarity: match e {
                            domain::duplicates::Evidence::AlikeNames(s) => Some(*s),
                            _ => None,
                        },
                    })
                    .collect(),
                explanation: tr.duplicate_explanation(&m.comparison),
            })
            .collect(),
    }))
}
