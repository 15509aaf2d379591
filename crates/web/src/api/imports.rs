//! Imports through the API: the same use case as the import pages, in one request.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::{AppError, ErrorKind};
use crate::i18n::Tr;
use app::imports::Rows;

/// The file, in the part named `file` (CSV or XLSX; the first row names the columns).
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ImportUpload {
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportParams {
    /// Check and report only; write nothing.
    #[serde(default)]
    dry_run: bool,
    /// The office code the cases join (the caller's own office when omitted).
    #[serde(default)]
    office: Option<String>,
    /// `all` (refused while any row has a problem), `ready` or `ready_new`.
    #[serde(default)]
    rows: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ColumnJson {
    column: String,
    /// The field the column fills; absent when it is left out.
    field: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct RowProblemJson {
    /// The row's number in the file (the header is row 1).
    row: usize,
    column: String,
    code: String,
    message: String,
}

#[derive(Serialize, ToSchema)]
pub struct PossibleMatchJson {
    row: usize,
    /// Registered cases that may be this person.
    cases: Vec<String>,
    /// An earlier row of the file that may be the same person.
    same_as_row: Option<usize>,
}

#[derive(Serialize, ToSchema)]
pub struct ImportJson {
    dry_run: bool,
    columns: Vec<ColumnJson>,
    /// Required fields no column fills.
    missing_columns: Vec<String>,
    rows: usize,
    ready: usize,
    with_problems: usize,
    looking_known: usize,
    problems: Vec<RowProblemJson>,
    possible_matches: Vec<PossibleMatchJson>,
    /// The case numbers created (empty for a dry run).
    imported: Vec<String>,
}

/// The file part of an import request (required), within the import's size limit.
async fn import_file(
    headers: &HeaderMap,
    request: axum::extract::Request,
    default_name: &str,
) -> Result<(String, Vec<u8>), AppError> {
    let file = crate::forms::api_file_part(
        headers,
        request,
        app::imports::MAX_FILE_BYTES,
        default_name,
        "the file",
    )
    .await?;
    file.filter(|(_, b)| !b.is_empty()).ok_or_else(|| {
        let mut e = domain::ValidationErrors::new();
        e.add("file", "error-required");
        AppError::validation(e)
    })
}

/// Checks a file of returnees (`dry_run=true`: 200, nothing written) or imports it (201): the
/// chosen rows in one transaction, or none. Columns are matched to fields as the import page
/// suggests them (the mapping last used for the same headers, or guessed from them).
#[utoipa::path(post, path = "/api/v1/imports/cases", tag = "imports", params(ImportParams),
    request_body(content = ImportUpload, content_type = "multipart/form-data"),
    responses((status = 200, body = ImportJson, description = "The dry run"),
        (status = 201, body = ImportJson, description = "Imported"),
        (status = 400), (status = 403), (status = 413), (status = 415), (status = 422)))]
pub async fn cases(
    State(state): State<AppState>,
    tr: Tr,
    headers: HeaderMap,
    ApiCaller(caller): ApiCaller,
    axum::extract::Query(params): axum::extract::Query<ImportParams>,
    request: axum::extract::Request,
) -> Result<Response, AppError> {
    let actor = caller.actor();
    domain::authz::authorize(
        &actor,
        domain::authz::Action::ImportRecords,
        domain::authz::Resource::Programme,
    )?;
    let Some(rows) = Rows::parse(params.rows.as_deref().unwrap_or("all")) else {
        let mut e = domain::ValidationErrors::new();
        e.add("rows", "error-choice");
        return Err(AppError::validation(e));
    };
    let (name, bytes) = import_file(&headers, request, "import.csv").await?;
    let office =
        app::lookups::office_named_or_own(&state, &actor, params.office.as_deref()).await?;
    let sha256 = app::imports::sha256_hex(&bytes);
    let table = {
        let name = name.clone();
        tokio::task::spawn_blocking(move || app::imports::read_table(&name, &bytes))
            .await
            .map_err(AppError::internal)?
            .map_err(|m| AppError::with_detail(ErrorKind::Validation, m))?
    };
    let mapping = app::imports::suggested_mapping(&state, &table.headers).await?;
    let dry = app::imports::check(&state, &actor, office, &table, &mapping).await?;
    let mut body = ImportJson {
        dry_run: params.dry_run,
        columns: table
            .headers
            .iter()
            .zip(&mapping)
            .map(|(h, m)| ColumnJson {
                column: h.clone(),
                field: m.map(|f| f.as_str().to_string()),
            })
            .collect(),
        missing_columns: dry
            .missing_columns
            .iter()
            .chain(&dry.repeated_columns)
            .map(|f| f.as_str().to_string())
            .collect(),
        rows: dry.rows.len(),
        ready: dry.ready(),
        with_problems: dry.with_problems(),
        looking_known: dry.looking_known(),
        problems: dry
            .rows
            .iter()
            .flat_map(|r| {
                r.problems.iter().map(|p| RowProblemJson {
                    row: r.row,
                    column: p.column.clone(),
                    code: p.code.to_string(),
                    message: tr.t(p.code),
                })
            })
            .collect(),
        possible_matches: dry
            .rows
            .iter()
            .filter(|r| r.looks_known())
            .map(|r| PossibleMatchJson {
                row: r.row,
                cases: r.matches.clone(),
                same_as_row: r.same_as_row,
            })
            .collect(),
        imported: Vec::new(),
    };
    if params.dry_run {
        return Ok(Json(body).into_response());
    }
    let facts = app::imports::FileFacts { name, sha256 };
    let done = app::imports::import(&state, &actor, office, &table, &mapping, &facts, rows).await?;
    body.imported = done.numbers;
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SurveyImportParams {
    /// The form whose results the file holds (`rss`, for instance); guessed from the headers
    /// when omitted.
    #[serde(default)]
    form: Option<String>,
    /// The header of the column holding case numbers; guessed when omitted.
    #[serde(default)]
    case_column: Option<String>,
    /// Check and report only; write nothing.
    #[serde(default)]
    dry_run: bool,
}

#[derive(Serialize, ToSchema)]
pub struct SurveyRowJson {
    /// The row's number in the file (the header is row 1).
    row: usize,
    case_number: String,
    instance_id: String,
    /// `ready`, `already_stored`, `same_as_row` or `problems`.
    outcome: String,
    /// The composite RSS score the survey gets (RSS only).
    composite: Option<f64>,
    /// The earlier row with the same instance id.
    same_as_row: Option<usize>,
    problems: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct SurveyImportJson {
    dry_run: bool,
    form: String,
    version: String,
    case_column: Option<String>,
    /// What keeps every row from being read (no column of case numbers or instance ids).
    missing: Vec<String>,
    /// Columns naming nothing of the form, left out.
    left_out: Vec<String>,
    rows: usize,
    ready: usize,
    already_stored: usize,
    with_problems: usize,
    results: Vec<SurveyRowJson>,
    /// Submissions stored (0 for a dry run).
    stored: usize,
}

/// Checks a KoboToolbox or ODK export of survey results (`dry_run=true`: 200, nothing
/// written) or imports it (201). Rows are matched to cases by case number, checked and scored
/// as a submitted form is, and recognised by instance id when already stored.
#[utoipa::path(post, path = "/api/v1/imports/surveys", tag = "imports",
    params(SurveyImportParams),
    request_body(content = ImportUpload, content_type = "multipart/form-data"),
    responses((status = 200, body = SurveyImportJson, description = "The dry run"),
        (status = 201, body = SurveyImportJson, description = "Imported"),
        (status = 400), (status = 403), (status = 413), (status = 415), (status = 422)))]
pub async fn surveys(
    State(state): State<AppState>,
    tr: Tr,
    headers: HeaderMap,
    ApiCaller(caller): ApiCaller,
    axum::extract::Query(params): axum::extract::Query<SurveyImportParams>,
    request: axum::extract::Request,
) -> Result<Response, AppError> {
    use app::imports::surveys::SurveyOutcome;
    let actor = caller.actor();
    domain::authz::authorize(
        &actor,
        domain::authz::Action::ImportRecords,
        domain::authz::Resource::Programme,
    )?;
    let (name, bytes) = import_file(&headers, request, "surveys.csv").await?;
    let sha256 = app::imports::sha256_hex(&bytes);
    let book = {
        let name = name.clone();
        tokio::task::spawn_blocking(move || {
            app::imports::read_book(&name, &bytes, app::imports::surveys::MAX_SHEETS)
        })
        .await
        .map_err(AppError::internal)?
        .map_err(|m| AppError::with_detail(ErrorKind::Validation, m))?
    };
    let form_id = match params
        .form
        .as_deref()
        .map(str::trim)
        .filter(|f| !f.is_empty())
    {
        Some(f) => f.to_string(),
        None => app::imports::surveys::guess_form(&state, &actor, &book[0])
            .await?
            .unwrap_or_else(|| app::rss::RSS_FORM.to_string()),
    };
    let request = app::imports::surveys::SurveyImport {
        form_id,
        case_column: params.case_column.unwrap_or_default(),
    };
    let facts = app::imports::FileFacts { name, sha256 };
    let dry = if params.dry_run {
        app::imports::surveys::check(&state, &actor, &request, &book, tr.lang()).await?
    } else {
        app::imports::surveys::import(&state, &actor, &request, &book, &facts, tr.lang()).await?
    };
    let stored = if params.dry_run { 0 } else { dry.ready() };
    let body = SurveyImportJson {
        dry_run: params.dry_run,
        form: request.form_id.clone(),
        version: dry.form_version.clone(),
        case_column: dry.case_column.and_then(|i| dry.headers.get(i)).cloned(),
        missing: dry.missing.iter().map(|code| tr.t(code)).collect(),
        left_out: dry.left_out.clone(),
        rows: dry.rows.len(),
        ready: dry.ready(),
        already_stored: dry.already(),
        with_problems: dry.with_problems(),
        results: dry
            .rows
            .iter()
            .map(|r| SurveyRowJson {
                row: r.row,
                case_number: r.case_number.clone(),
                instance_id: r.instance_id.clone(),
                outcome: match r.outcome {
                    SurveyOutcome::Ready { .. } => "ready",
                    SurveyOutcome::AlreadyStored => "already_stored",
                    SurveyOutcome::SameAsRow(_) => "same_as_row",
                    SurveyOutcome::Problems(_) => "problems",
                }
                .to_string(),
                composite: match r.outcome {
                    SurveyOutcome::Ready { composite } => composite,
                    _ => None,
                },
                same_as_row: match r.outcome {
                    SurveyOutcome::SameAsRow(n) => Some(n),
                    _ => None,
                },
                problems: crate::survey_problems(&tr, &r.outcome),
            })
            .collect(),
        stored,
    };
    let status = if params.dry_run {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((status, Json(body)).into_response())
}
