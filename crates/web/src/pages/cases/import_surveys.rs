//! Import survey results from a KoboToolbox or ODK export: upload, choose the form and the
//! column of case numbers, read the dry run, import.

use axum::extract::Multipart;

use super::*;
use app::imports::surveys::{SurveyImport, SurveyOutcome};

/// How many rows the check page lists (the counts cover all of them).
const ROWS_SHOWN: usize = 300;

#[derive(Template)]
#[template(path = "surveys_import.html")]
pub(super) struct SurveyUploadPage {
    pub(super) c: Chrome,
    pub(super) problem: String,
    /// What the last import did.
    pub(super) done: String,
}

/// A row of the dry run as the page lists it.
pub(super) struct SurveyRowView {
    pub(super) row: usize,
    pub(super) case_number: String,
    pub(super) outcome: String,
    pub(super) problems: Vec<String>,
}

#[derive(Template)]
#[template(path = "surveys_import_check.html")]
pub(super) struct SurveyCheckPage {
    pub(super) c: Chrome,
    pub(super) id: String,
    pub(super) file_name: String,
    pub(super) form: crate::forms::FieldView,
    pub(super) case_column: crate::forms::FieldView,
    pub(super) form_id: String,
    pub(super) case_header: String,
    pub(super) column_problems: Vec<String>,
    pub(super) left_out: String,
    pub(super) summary: String,
    pub(super) rows: Vec<SurveyRowView>,
    pub(super) more_rows: String,
    pub(super) can_import: bool,
    pub(super) error: String,
}

fn upload_page(state: &AppState, tr: Tr, caller: &Caller, problem: String) -> SurveyUploadPage {
    SurveyUploadPage {
        c: Chrome::new(state, tr, Some(caller)),
        problem,
        done: String::new(),
    }
}

pub async fn survey_import_form(
    State(state): State<AppState>,
    tr: Tr,
    SignedIn(caller): SignedIn,
) -> Result<Response, AppError> {
    authorize(&caller.actor(), Action::ImportRecords, Resource::Programme)?;
    render(&upload_page(&state, tr, &caller, String::new()))
}

pub async fn survey_import_upload(
    State(state): State<AppState>,
    tr: Tr,
    SignedIn(caller): SignedIn,
    mut multipart: Multipart,
) -> Result<Response, AppError> {
    match super::import::receive_upload(&state, &tr, &caller, &mut multipart, "surveys.csv").await?
    {
        Ok(id) => Ok(Redirect::to(&format!("/imports/surveys/{id}")).into_response()),
        Err((status, problem)) => {
            render_status(status, &upload_page(&state, tr.clone(), &caller, problem))
        }
    }
}

/// The form and the column of case numbers, as the check page's form sends them.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SurveyCheckQuery {
    pub form: String,
    pub case_column: String,
}

fn parse_id(id: &str) -> Result<uuid::Uuid, AppError> {
    id.parse().map_err(|_| AppError::new(ErrorKind::NotFound))
}

#[allow(clippy::too_many_arguments)]
async fn check_page(
    state: &AppState,
    tr: &Tr,
    caller: &Caller,
    id: uuid::Uuid,
    file_name: &str,
    book: &[app::imports::Table],
    request: SurveyImport,
    error: String,
) -> Result<SurveyCheckPage, AppError> {
    let actor = caller.actor();
    let forms = app::imports::surveys::importable_forms(state, &actor).await?;
    let empty = HashMap::new();
    let b = FieldBuilder { tr, errors: &empty };
    let mut form = b.input("form", "select", &request.form_id, true);
    form.label = tr.t("survey-import-form");
    form.choices = options(
        forms.iter().map(|f| (f.form_id.clone(), f.title.clone())),
        &request.form_id,
    );
    let dry = app::imports::surveys::check(state, &actor, &request, book, tr.lang()).await?;
    let case_header = dry
        .case_column
        .and_then(|i| dry.headers.get(i))
        .cloned()
        .unwrap_or_default();
    let mut case_column = b.input("case_column", "select", &case_header, true);
    case_column.label = tr.t("survey-import-case-column");
    case_column.choices = options(
        dry.headers.iter().map(|h| (h.clone(), h.clone())),
        &case_header,
    );
    let listed: Vec<_> = dry
        .rows
        .iter()
        .filter(|r| {
            !matches!(r.outcome, SurveyOutcome::Ready { .. }) || dry.rows.len() <= ROWS_SHOWN
        })
        .collect();
    let mut left_out: Vec<String> = dry.left_out.clone();
    left_out.extend(
        dry.sheets_left_out
            .iter()
            .map(|s| tr.t1("survey-import-sheet", "sheet", s)),
    );
    Ok(SurveyCheckPage {
        c: Chrome::new(state, tr.clone(), Some(caller)),
        id: id.to_string(),
        file_name: file_name.to_string(),
        form,
        case_column,
        form_id: request.form_id.clone(),
        case_header,
        column_problems: dry.missing.iter().map(|code| tr.t(code)).collect(),
        left_out: if left_out.is_empty() {
            String::new()
        } else {
            tr.t1("survey-import-left-out", "columns", left_out.join(", "))
        },
        summary: tr.t_args(
            "survey-import-summary",
            &[
                ("rows", &dry.rows.len().to_string()),
                ("ready", &dry.ready().to_string()),
                ("already", &dry.already().to_string()),
                ("problems", &dry.with_problems().to_string()),
            ],
        ),
        more_rows: if listed.len() > ROWS_SHOWN {
            tr.t1("import-more-rows", "n", listed.len() - ROWS_SHOWN)
        } else {
            String::new()
        },
        rows: listed
            .into_iter()
            .take(ROWS_SHOWN)
            .map(|r| SurveyRowView {
                row: r.row,
                case_number: r.case_number.clone(),
                outcome: crate::survey_outcome(tr, &r.outcome),
                problems: crate::survey_problems(tr, &r.outcome),
            })
            .collect(),
        can_import: dry.missing.is_empty() && dry.ready() > 0,
        error,
    })
}

/// A select's options: (value, label) pairs, one of them chosen.
fn options(items: impl Iterator<Item = (String, String)>, selected: &str) -> Vec<Choice> {
    items
        .map(|(value, label)| Choice {
            selected: value == selected,
            value,
            label,
        })
        .collect()
}

/// What was asked, or what the file suggests.
async fn request_of(
    state: &AppState,
    actor: &Actor,
    book: &[app::imports::Table],
    form: &str,
    case_column: &str,
) -> Result<SurveyImport, AppError> {
    let form_id = match form.trim() {
        "" => app::imports::surveys::guess_form(state, actor, &book[0])
            .await?
            .unwrap_or_else(|| app::rss::RSS_FORM.to_string()),
        chosen => chosen.to_string(),
    };
    Ok(SurveyImport {
        form_id,
        case_column: case_column.to_string(),
    })
}

pub async fn survey_import_check(
    State(state): State<AppState>,
    tr: Tr,
    SignedIn(caller): SignedIn,
    Path(id): Path<String>,
    Query(q): Query<SurveyCheckQuery>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let actor = caller.actor();
    let (file, book) =
        app::imports::uploaded_book(&state, &actor, id, app::imports::surveys::MAX_SHEETS).await?;
    let request = request_of(&state, &actor, &book, &q.form, &q.case_column).await?;
    let page = check_page(
        &state,
        &tr,
        &caller,
        id,
        &file.name,
        &book,
        request,
        String::new(),
    )
    .await?;
    render(&page)
}

pub async fn survey_import_confirm(
    State(state): State<AppState>,
    tr: Tr,
    Path(id): Path<String>,
    CsrfForm { caller, form }: CsrfForm<SurveyCheckQuery>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let actor = caller.actor();
    let (file, book) =
        app::imports::uploaded_book(&state, &actor, id, app::imports::surveys::MAX_SHEETS).await?;
    let request = request_of(&state, &actor, &book, &form.form, &form.case_column).await?;
    match app::imports::surveys::import(&state, &actor, &request, &book, &file, tr.lang()).await {
        Ok(done) => {
            app::imports::forget(&state, id).await?;
            let mut page = upload_page(&state, tr.clone(), &caller, String::new());
            page.done = tr.t_args(
                "survey-import-done",
                &[
                    ("stored", &done.ready().to_string()),
                    ("already", &done.already().to_string()),
                    ("left", &done.with_problems().to_string()),
                ],
            );
            render(&page)
        }
        Err(e) if e.kind == app::ErrorKind::Validation => {
            let why = e
                .fields
                .0
                .iter()
                .map(|f| tr.t(f.code))
                .collect::<Vec<_>>()
                .join(" ");
            let page =
                check_page(&state, &tr, &caller, id, &file.name, &book, request, why).await?;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(e.into()),
    }
}
