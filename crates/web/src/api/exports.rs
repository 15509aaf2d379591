//! Exports through the API: the same use case as the case list's export page.

use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use utoipa::ToSchema;

use super::ApiJson;
use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::AppError;
use app::cases::CaseFilters;

/// What to export. The filters are the case list's (`GET /api/v1/cases`).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CaseExportJson {
    /// `cases` (one row per case, the default) or `rss_scores` (one row per scored survey of
    /// those cases, with its breakdown by indicator).
    #[serde(default)]
    what: Option<String>,
    /// `csv` or `xlsx`.
    format: String,
    /// Leave out names, contacts, exact places and free text; a pseudonym per returnee instead
    /// of the case number; ages as bands; rows of small groups flagged.
    #[serde(default)]
    pseudonymise: bool,
    /// Encrypts the file (an AES-256 ZIP file). Required unless pseudonymised: at least 12
    /// characters, not guessable. Never stored.
    #[serde(default)]
    passphrase: Option<String>,
    /// Files made with the same key give a returnee the same pseudonym.
    #[serde(default)]
    pseudonym_key: Option<String>,
    #[serde(default)]
    filters: Option<CaseExportFilters>,
}

/// The case list's filters.
#[derive(Deserialize, ToSchema, Default)]
#[serde(default, deny_unknown_fields)]
pub struct CaseExportFilters {
    q: String,
    /// Office id.
    office: String,
    stage: String,
    /// Case manager's user id.
    case_manager: String,
    sex: String,
    province: String,
    /// Returned on or after (YYYY-MM-DD).
    returned_from: String,
    /// Returned on or before (YYYY-MM-DD).
    returned_to: String,
}

/// The cases of the list (as filtered) in a file: a CSV or XLSX file, or, when a passphrase is
/// given, a ZIP file holding it encrypted. The number of rows is in `X-Export-Rows`.
#[utoipa::path(post, path = "/api/v1/exports/cases", tag = "exports",
    request_body = CaseExportJson,
    responses(
        (status = 200, content_type = "application/zip", body = Vec<u8>,
            description = "Encrypted (a passphrase was given)"),
        (status = 200, content_type = "text/csv", body = String),
        (status = 200,
            content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            body = Vec<u8>),
        (status = 400), (status = 403), (status = 422)))]
pub async fn cases(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(body): ApiJson<CaseExportJson>,
) -> Result<Response, AppError> {
    let f = body.filters.unwrap_or_default();
    let request = app::exports::CaseExport {
        filters: CaseFilters {
            q: f.q,
            office: f.office,
            stage: f.stage,
            case_manager: f.case_manager,
            sex: f.sex,
            province: f.province,
            returned_from: f.returned_from,
            returned_to: f.returned_to,
            ..CaseFilters::default()
        },
        what: body.what.unwrap_or_default(),
        format: body.format,
        pseudonymise: body.pseudonymise,
        passphrase: body.passphrase,
        pseudonym_key: body.pseudonym_key.unwrap_or_default(),
        progress: None,
    };
    let file = app::exports::export_cases(&state, &caller.actor(), request).await?;
    crate::download::file_response(file).await
}

/// Which records to export.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordsExportJson {
    /// `submissions` (a form's completed submissions, one sheet per repeat group linked by
    /// `_index` and `_parent_index`), `plans` (each case's current plan item by item, and the
    /// disbursements), `referrals`, or `projects` (community projects and participants).
    what: String,
    /// The form, for submissions.
    #[serde(default)]
    form_id: Option<String>,
    /// Headers and choices as labels (in the request's language) instead of names.
    #[serde(default)]
    labels: bool,
    /// `csv` (a ZIP file of CSV files, one per sheet) or `xlsx`.
    format: String,
    /// Encrypts the file (an AES-256 ZIP file): at least 12 characters, not guessable. Never
    /// stored.
    passphrase: String,
}

/// Records the caller may read, in an encrypted ZIP file. The number of rows is in
/// `X-Export-Rows`.
#[utoipa::path(post, path = "/api/v1/exports/records", tag = "exports",
    request_body = RecordsExportJson,
    responses(
        (status = 200, content_type = "application/zip", body = Vec<u8>),
        (status = 400), (status = 403), (status = 422)))]
pub async fn records(
    State(state): State<AppState>,
    tr: crate::i18n::Tr,
    ApiCaller(caller): ApiCaller,
    ApiJson(body): ApiJson<RecordsExportJson>,
) -> Result<Response, AppError> {
    let request = app::exports::RecordsExport {
        what: body.what,
        form_id: body.form_id.unwrap_or_default(),
        labels: body.labels,
        language: tr.lang().to_string(),
        format: body.format,
        passphrase: Some(body.passphrase),
        progress: None,
    };
    let file = app::exports::export_records(&state, &caller.actor(), request).await?;
    crate::download::file_response(file).await
}
