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
    let file = crate::forms::api_file_part(
        &headers,
        request,
        app::imports::MAX_FILE_BYTES,
        "import.csv",
        "the file",
    )
    .await?;
    let Some((name, bytes)) = file.filter(|(_, b)| !b.is_empty()) else {
        let mut e = domain::ValidationErrors::new();
        e.add("file", "error-required");
        return Err(AppError::validation(e));
    };
    let office = match (
        params.office.as_deref().filter(|o| !o.is_empty()),
        actor.office,
    ) {
        (Some(code), _) => {
            let invalid = || {
                let mut e = domain::ValidationErrors::new();
                e.add("office", "error-choice");
                AppError::validation(e)
            };
            let code = domain::OfficeCode::parse(code).map_err(|_| invalid())?;
            app::lookups::office_by_code(&state, &code)
                .await?
                .ok_or_else(invalid)?
                .id
        }
        (None, Some(own)) => own,
        (None, None) => {
            let mut e = domain::ValidationErrors::new();
            e.add("office", "error-required");
            return Err(AppError::validation(e));
        }
    };
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
