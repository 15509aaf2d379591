//! Import returnees from a file: upload, match columns to fields, read the dry run, import.

use axum::extract::Multipart;
use domain::import::ImportField;

use super::*;
use crate::auth::csrf_matches;
use app::imports::{DryRun, Rows, Table};

/// How many problem rows the page lists (the counts cover all of them).
const ROWS_SHOWN: usize = 300;

#[derive(Template)]
#[template(path = "cases_import.html")]
pub(super) struct UploadPage {
    pub(super) c: Chrome,
    pub(super) problem: String,
}

/// A column of the file and the field it fills.
pub(super) struct ColumnView {
    pub(super) header: String,
    pub(super) example: String,
    pub(super) choices: Vec<Choice>,
}

/// A row of the dry run as the page lists it.
pub(super) struct RowView {
    pub(super) row: usize,
    pub(super) name: String,
    pub(super) problems: Vec<String>,
    pub(super) known: Vec<String>,
}

#[derive(Template)]
#[template(path = "cases_import_check.html")]
pub(super) struct CheckPage {
    pub(super) c: Chrome,
    pub(super) id: String,
    pub(super) file_name: String,
    pub(super) office: Option<crate::forms::FieldView>,
    pub(super) office_id: String,
    pub(super) columns: Vec<ColumnView>,
    pub(super) column_problems: Vec<String>,
    pub(super) summary: String,
    pub(super) rows: Vec<RowView>,
    pub(super) more_rows: String,
    pub(super) mapping: Vec<String>,
    pub(super) can_import_all: bool,
    pub(super) can_import_ready: bool,
    pub(super) error: String,
}

pub async fn import_form(
    State(state): State<AppState>,
    tr: Tr,
    SignedIn(caller): SignedIn,
) -> Result<Response, AppError> {
    render(&UploadPage {
        c: Chrome::new(&state, tr, Some(&caller)),
        problem: String::new(),
    })
}

pub async fn import_upload(
    State(state): State<AppState>,
    tr: Tr,
    SignedIn(caller): SignedIn,
    mut multipart: Multipart,
) -> Result<Response, AppError> {
    match receive_upload(&state, &tr, &caller, &mut multipart, "import.csv").await? {
        Ok(id) => Ok(Redirect::to(&format!("/cases/import/{id}")).into_response()),
        Err((status, problem)) => render_status(
            status,
            &UploadPage {
                c: Chrome::new(&state, tr.clone(), Some(&caller)),
                problem,
            },
        ),
    }
}

/// Reads an import page's upload and keeps the file: its id, or the status and message the
/// page shows instead (too large, no file, unreadable).
pub(super) async fn receive_upload(
    state: &AppState,
    tr: &Tr,
    caller: &Caller,
    multipart: &mut Multipart,
    default_name: &str,
) -> Result<Result<uuid::Uuid, (StatusCode, String)>, AppError> {
    let (csrf, file) = match crate::forms::page_upload(multipart, default_name).await {
        Ok(read) => read,
        Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            let mb = app::imports::MAX_FILE_BYTES / 1024 / 1024;
            let problem = tr.t1("import-too-large", "mb", mb);
            return Ok(Err((StatusCode::PAYLOAD_TOO_LARGE, problem)));
        }
        Err(e) => return Err(AppError::with_detail(ErrorKind::BadRequest, e.body_text())),
    };
    if csrf.is_empty() || !csrf_matches(&csrf, caller.csrf()) {
        return Err(AppError::new(ErrorKind::Csrf));
    }
    let Some((name, bytes)) = file.filter(|(_, b)| !b.is_empty()) else {
        return Ok(Err((
            StatusCode::UNPROCESSABLE_ENTITY,
            tr.t("import-no-file"),
        )));
    };
    match app::imports::upload(state, &caller.actor(), &name, bytes.to_vec()).await {
        Ok((id, _)) => Ok(Ok(id)),
        Err(e) if e.kind == app::ErrorKind::Validation => Ok(Err((
            StatusCode::UNPROCESSABLE_ENTITY,
            tr.t1("import-unreadable", "why", e.detail.unwrap_or_default()),
        ))),
        Err(e) => Err(e.into()),
    }
}

/// The columns' fields and the office, as the check page's form sends them.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CheckQuery {
    pub office: String,
    pub map: Vec<String>,
    /// Check now (set by the page that shows the check's progress).
    pub ready: String,
}

/// Files longer than this get a page that shows the check's progress while it runs.
const PROGRESS_FROM: usize = 1_000;

#[derive(Template)]
#[template(path = "cases_import_progress.html")]
pub(super) struct ProgressPage {
    pub(super) c: Chrome,
    pub(super) file_name: String,
    pub(super) result_url: String,
    pub(super) bar: ProgressBar,
}

/// The progress bar, polled while the check runs.
#[derive(Template)]
#[template(path = "cases_import_progress_bar.html")]
pub(super) struct ProgressBar {
    pub(super) url: String,
    pub(super) checked: u64,
    pub(super) total: u64,
    pub(super) text: String,
}

fn progress_bar(tr: &Tr, id: uuid::Uuid, (checked, total): (u64, u64)) -> ProgressBar {
    ProgressBar {
        url: format!("/cases/import/{id}/progress"),
        checked,
        total,
        text: tr.t2(
            "import-progress",
            "checked",
            tr.number(checked as i64),
            "total",
            tr.number(total as i64),
        ),
    }
}

/// The progress of a file's check, as its bar shows it.
pub async fn import_progress(
    State(state): State<AppState>,
    tr: Tr,
    SignedIn(caller): SignedIn,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let progress = app::imports::progress(&state, &caller.actor(), id).await?;
    render(&progress_bar(&tr, id, progress))
}

fn parse_id(id: &str) -> Result<uuid::Uuid, AppError> {
    id.parse().map_err(|_| AppError::new(ErrorKind::NotFound))
}

/// The office the cases join: the actor's own, or the one chosen by a national-scope user.
async fn office_of(
    state: &AppState,
    actor: &Actor,
    chosen: &str,
) -> Result<Option<OfficeId>, AppError> {
    if let Some(own) = actor.office {
        return Ok(Some(own));
    }
    let offices = offices_in_scope(state, actor).await?;
    Ok(offices
        .iter()
        .find(|o| o.id.to_string() == chosen)
        .or(offices.first().filter(|_| offices.len() == 1))
        .map(|o| o.id))
}

#[allow(clippy::too_many_arguments)]
async fn check_page(
    state: &AppState,
    tr: &Tr,
    caller: &Caller,
    id: uuid::Uuid,
    file_name: &str,
    table: &Table,
    mapping: &app::imports::Mapping,
    office: Option<OfficeId>,
    error: String,
) -> Result<CheckPage, AppError> {
    let actor = caller.actor();
    let field_names: Vec<&str> = ImportField::ALL.iter().map(|f| f.as_str()).collect();
    let example = table
        .rows
        .first()
        .map(|(_, r)| r.clone())
        .unwrap_or_default();
    let columns = table
        .headers
        .iter()
        .enumerate()
        .map(|(i, header)| {
            let chosen = mapping.get(i).copied().flatten().map(|f| f.as_str());
            let mut choices = vec![Choice {
                value: String::new(),
                label: tr.t("import-leave-out"),
                selected: chosen.is_none(),
            }];
            choices.extend(field_names.iter().map(|f| Choice {
                value: f.to_string(),
                label: tr.t(&format!("import-field-{}", f.replace('_', "-"))),
                selected: chosen == Some(*f),
            }));
            ColumnView {
                header: header.clone(),
                example: example.get(i).cloned().unwrap_or_default(),
                choices,
            }
        })
        .collect();
    let office_field = if actor.office.is_none() {
        let offices = offices_in_scope(state, &actor).await?;
        let empty = HashMap::new();
        let b = FieldBuilder { tr, errors: &empty };
        let chosen = office.map(|o| o.to_string()).unwrap_or_default();
        let mut f = b.input("office", "select", &chosen, true);
        f.label = tr.t("import-office");
        f.choices = super::choices(
            &offices,
            |o| o.id.to_string(),
            |o| o.name.clone(),
            &chosen,
            tr,
        );
        Some(f)
    } else {
        None
    };
    let mut page = CheckPage {
        c: Chrome::new(state, tr.clone(), Some(caller)),
        id: id.to_string(),
        file_name: file_name.to_string(),
        office: office_field,
        office_id: office.map(|o| o.to_string()).unwrap_or_default(),
        columns,
        column_problems: Vec::new(),
        summary: String::new(),
        rows: Vec::new(),
        more_rows: String::new(),
        mapping: mapping
            .iter()
            .map(|m| m.map(|f| f.as_str().to_string()).unwrap_or_default())
            .collect(),
        can_import_all: false,
        can_import_ready: false,
        error,
    };
    let Some(office) = office else {
        page.summary = tr.t("import-choose-office");
        return Ok(page);
    };
    // Only a long file's page follows the check's progress.
    let dry: DryRun = if table.rows.len() > PROGRESS_FROM {
        app::imports::check_uploaded(state, &actor, office, table, mapping, id).await?
    } else {
        app::imports::check(state, &actor, office, table, mapping).await?
    };
    let label = |f: &ImportField| tr.t(&format!("import-field-{}", f.as_str().replace('_', "-")));
    page.column_problems.extend(
        dry.missing_columns
            .iter()
            .map(|f| tr.t1("import-missing-column", "field", label(f))),
    );
    page.column_problems.extend(
        dry.repeated_columns
            .iter()
            .map(|f| tr.t1("import-repeated-column", "field", label(f))),
    );
    page.summary = tr.t_args(
        "import-summary",
        &[
            ("rows", &dry.rows.len().to_string()),
            ("ready", &dry.ready().to_string()),
            ("problems", &dry.with_problems().to_string()),
            ("known", &dry.looking_known().to_string()),
        ],
    );
    let listed: Vec<_> = dry
        .rows
        .iter()
        .filter(|r| !r.is_ready() || r.looks_known())
        .collect();
    if listed.len() > ROWS_SHOWN {
        page.more_rows = tr.t1("import-more-rows", "n", listed.len() - ROWS_SHOWN);
    }
    page.rows = listed
        .into_iter()
        .take(ROWS_SHOWN)
        .map(|r| RowView {
            row: r.row,
            name: r.name.clone(),
            problems: r
                .problems
                .iter()
                .map(|p| format!("{}: {}", p.column, tr.t(p.code)))
                .collect(),
            known: r
                .matches
                .iter()
                .map(|n| tr.t1("import-known-case", "number", n))
                .chain(r.same_as_row.map(|n| tr.t1("import-same-as-row", "row", n)))
                .collect(),
        })
        .collect();
    page.can_import_all = dry.columns_ok() && dry.with_problems() == 0 && !dry.rows.is_empty();
    page.can_import_ready = dry.columns_ok() && dry.ready() > 0;
    Ok(page)
}

pub async fn import_check(
    State(state): State<AppState>,
    tr: Tr,
    SignedIn(caller): SignedIn,
    Path(id): Path<String>,
    axum_extra::extract::Query(q): axum_extra::extract::Query<CheckQuery>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let actor = caller.actor();
    let (file, table) = app::imports::uploaded(&state, &actor, id).await?;
    let mapping = if q.map.is_empty() {
        app::imports::suggested_mapping(&state, &table.headers).await?
    } else {
        app::imports::mapping_from(&q.map, table.headers.len())?
    };
    let office = office_of(&state, &actor, &q.office).await?;
    if q.ready.is_empty() && office.is_some() && table.rows.len() > PROGRESS_FROM {
        // A long file: the page shows the check's progress and fetches the result.
        let mut query = vec![
            ("ready".to_string(), "1".to_string()),
            ("office".to_string(), q.office.clone()),
        ];
        query.extend(q.map.iter().map(|m| ("map".to_string(), m.clone())));
        let query: Vec<String> = query
            .iter()
            .map(|(k, v)| format!("{k}={}", crate::auth::urlencode(v)))
            .collect();
        let total = table.rows.len() as u64;
        return render(&ProgressPage {
            c: Chrome::new(&state, tr.clone(), Some(&caller)),
            file_name: file.name.clone(),
            result_url: format!("/cases/import/{id}?{}", query.join("&")),
            bar: progress_bar(&tr, id, (0, total)),
        });
    }
    let page = check_page(
        &state,
        &tr,
        &caller,
        id,
        &file.name,
        &table,
        &mapping,
        office,
        String::new(),
    )
    .await?;
    render(&page)
}

/// What the import button posts.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ImportConfirm {
    pub office: String,
    pub map: Vec<String>,
    pub rows: String,
}

pub async fn import_confirm(
    State(state): State<AppState>,
    tr: Tr,
    Path(id): Path<String>,
    CsrfForm { caller, form }: CsrfForm<ImportConfirm>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let actor = caller.actor();
    let (file, table) = app::imports::uploaded(&state, &actor, id).await?;
    let mapping = app::imports::mapping_from(&form.map, table.headers.len())?;
    let office = office_of(&state, &actor, &form.office)
        .await?
        .ok_or(AppError::new(ErrorKind::NotFound))?;
    let rows = Rows::parse(&form.rows).unwrap_or(Rows::All);
    match app::imports::import(&state, &actor, office, &table, &mapping, &file, rows).await {
        Ok(done) => {
            app::imports::forget(&state, id).await?;
            tracing::info!(cases = done.numbers.len(), "import done");
            // The newest case numbers first: the imported cases head the list.
            Ok(Redirect::to("/cases?sort=number&order=desc").into_response())
        }
        Err(e) if e.kind == app::ErrorKind::Validation => {
            let why = e
                .fields
                .0
                .iter()
                .map(|f| tr.t(f.code))
                .collect::<Vec<_>>()
                .join(" ");
            let page = check_page(
                &state,
                &tr,
                &caller,
                id,
                &file.name,
                &table,
                &mapping,
                Some(office),
                why,
            )
            .await?;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(e.into()),
    }
}
