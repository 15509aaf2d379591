//! Import of survey results collected elsewhere: RSS rounds and other instruments exported
//! from KoboToolbox or ODK Central (XLSX or CSV, one row per submission, repeat groups on
//! sheets of their own), matched to cases by case number.
//!
//! Each row goes through what a field client's submission goes through (the form's rules,
//! scoring, what the pathway asks for), so an imported survey is scored exactly as if it had
//! been submitted. A row whose instance id is already stored is recognised and skipped: the
//! same export imported twice, or a submission that also came in from a device, is stored
//! once. The dry run does all of it but the writing.

use std::collections::HashMap;

use domain::audit::{AuditAction, FieldChange};
use domain::authz::{Action, Actor, Resource, authorize};
use forms::tabular::{self, Column};
use forms::{Answers, Compiled, FieldError};
use store::{AuditContext, CaseRecord, InstanceSeen};

use super::{FileFacts, Table};
use crate::field::{Received, Refusal};
use crate::{App, Error};

/// How many sheets of a workbook are read: the submissions and their repeat groups.
pub const MAX_SHEETS: usize = 20;

/// Headers that say which case a row is about, folded, when the form has no question for it.
const CASE_HEADERS: &[&str] = &[
    "case_number",
    "case number",
    "case_no",
    "case",
    "reintegra_case",
    "numero_dossier",
    "numéro de dossier",
    "n° dossier",
];
/// Metadata columns that date the interview when the form has no day of its own, by
/// preference.
const DATE_HEADERS: &[&str] = &[
    "today",
    "start",
    "end",
    "_submission_time",
    "submissiondate",
];

/// What to import.
#[derive(Clone, Debug, Default)]
pub struct SurveyImport {
    pub form_id: String,
    /// The header of the column holding the case number; guessed when empty.
    pub case_column: String,
}

/// One problem of one row.
#[derive(Clone, Debug)]
pub enum SurveyProblem {
    /// A cell: the column (as the file names it) and the message id.
    Cell { column: String, code: &'static str },
    /// An answer breaks the form's rules: the column holding it (or the question's path).
    Answer { column: String, error: FieldError },
    /// The answers cannot be scored: why.
    NotScored(String),
    /// Refused for a reason a field client's post could have (not expected of a table's row).
    Refused,
}

/// What the dry run found for one row.
#[derive(Clone, Debug)]
pub enum SurveyOutcome {
    /// Would be stored (was, once imported); the composite score when it is the survey.
    Ready {
        composite: Option<f64>,
    },
    /// Its instance id is stored already: left alone.
    AlreadyStored,
    /// An earlier row of the file has the same instance id: left alone.
    SameAsRow(usize),
    Problems(Vec<SurveyProblem>),
}

/// One row of the file.
#[derive(Clone, Debug)]
pub struct SurveyRow {
    /// The row's number in the file.
    pub row: usize,
    pub case_number: String,
    pub instance_id: String,
    pub outcome: SurveyOutcome,
}

/// The dry run of a survey import.
#[derive(Clone, Debug, Default)]
pub struct SurveyDryRun {
    pub form_title: String,
    pub form_version: String,
    /// The headers of the main sheet.
    pub headers: Vec<String>,
    /// The column the case numbers were read from.
    pub case_column: Option<usize>,
    /// Columns naming nothing of the form: left out.
    pub left_out: Vec<String>,
    /// Sheets that are not a repeat group of the form: left out.
    pub sheets_left_out: Vec<String>,
    /// What keeps any row from being read (message ids): no case number or instance id column.
    pub missing: Vec<&'static str>,
    pub rows: Vec<SurveyRow>,
}

impl SurveyDryRun {
    fn count(&self, f: impl Fn(&SurveyOutcome) -> bool) -> usize {
        self.rows.iter().filter(|r| f(&r.outcome)).count()
    }
    pub fn ready(&self) -> usize {
        self.count(|o| matches!(o, SurveyOutcome::Ready { .. }))
    }
    pub fn already(&self) -> usize {
        self.count(|o| {
            matches!(
                o,
                SurveyOutcome::AlreadyStored | SurveyOutcome::SameAsRow(_)
            )
        })
    }
    pub fn with_problems(&self) -> usize {
        self.count(|o| matches!(o, SurveyOutcome::Problems(_)))
    }
}

/// The forms whose results may be imported: the published forms about a case.
pub async fn importable_forms(
    app: &App,
    actor: &Actor,
) -> Result<Vec<store::FormVersionInfo>, Error> {
    authorize(actor, Action::ImportRecords, Resource::Programme)?;
    let mut forms = crate::forms::published_forms(app, actor).await?;
    forms.retain(|f| crate::field::is_about_a_case(&f.form_id));
    Ok(forms)
}

/// The form a file most likely holds the results of: the one KoboToolbox names
/// (`_xform_id_string`), else the form most of whose questions the headers name.
pub async fn guess_form(app: &App, actor: &Actor, main: &Table) -> Result<Option<String>, Error> {
    let forms = importable_forms(app, actor).await?;
    let named = main
        .headers
        .iter()
        .position(|h| h == "_xform_id_string")
        .and_then(|i| main.rows.first().and_then(|(_, r)| r.get(i)))
        .and_then(|id| forms.iter().find(|f| f.form_id == id.trim()));
    if let Some(f) = named {
        return Ok(Some(f.form_id.clone()));
    }
    let mut best: Option<(usize, String)> = None;
    for f in &forms {
        let version = app.store.latest_published_form(&f.form_id).await?;
        let compiled = crate::forms::compiled(app, &version).await?;
        let answered = tabular::columns(&compiled, &main.headers, None)
            .iter()
            .filter(|c| matches!(c, Column::Answer(_)))
            .count();
        if answered > 0 && best.as_ref().is_none_or(|(n, _)| answered > *n) {
            best = Some((answered, f.form_id.clone()));
        }
    }
    Ok(best.map(|(_, id)| id))
}

/// Checks every row as importing it would, writing nothing.
pub async fn check(
    app: &App,
    actor: &Actor,
    request: &SurveyImport,
    book: &[Table],
    language: &str,
) -> Result<SurveyDryRun, Error> {
    run(app, actor, request, book, language, true).await
}

/// Stores every row without problems, each as a field client's submission is stored (in its
/// own transaction, so an interrupted import is finished by importing the file again: what
/// is stored is recognised), and records the import, naming the file's hash, in the audit
/// trail. Returns the rows as imported: those ready were stored.
pub async fn import(
    app: &App,
    actor: &Actor,
    request: &SurveyImport,
    book: &[Table],
    file: &FileFacts,
    language: &str,
) -> Result<SurveyDryRun, Error> {
    let done = run(app, actor, request, book, language, false).await?;
    if !done.missing.is_empty() {
        return Err(Error::invalid("file", done.missing[0]));
    }
    app.store
        .append_audit(AuditContext::by(actor.user_id, app.now()).entry(
            AuditAction::Import,
            "survey_import",
            file.sha256.clone(),
            vec![
                FieldChange::noted("file", file.name.clone()),
                FieldChange::noted("sha256", file.sha256.clone()),
                FieldChange::noted("form", format!("{} {}", request.form_id, done.form_version)),
                FieldChange::noted("rows", done.rows.len().to_string()),
                FieldChange::noted("stored", done.ready().to_string()),
                FieldChange::noted("already_stored", done.already().to_string()),
                FieldChange::noted("left_out", done.with_problems().to_string()),
            ],
        ))
        .await?;
    Ok(done)
}

async fn run(
    app: &App,
    actor: &Actor,
    request: &SurveyImport,
    book: &[Table],
    language: &str,
    dry_run: bool,
) -> Result<SurveyDryRun, Error> {
    authorize(actor, Action::ImportRecords, Resource::Programme)?;
    if !crate::field::is_about_a_case(&request.form_id) {
        return Err(Error::invalid("form", "error-choice"));
    }
    let version = match app.store.latest_published_form(&request.form_id).await {
        Ok(v) if v.info.published => v,
        Ok(_) | Err(store::StoreError::NotFound) => {
            return Err(Error::invalid("form", "error-choice"));
        }
        Err(e) => return Err(e.into()),
    };
    let compiled = crate::forms::compiled(app, &version).await?;
    let Some(main) = book.first() else {
        return Err(Error::invalid("file", "error-required"));
    };
    let columns = tabular::columns(&compiled, &main.headers, None);
    let mut dry = SurveyDryRun {
        form_title: version.info.title.clone(),
        form_version: version.info.version.clone(),
        headers: main.headers.clone(),
        case_column: case_column(&compiled, &main.headers, &columns, &request.case_column),
        ..SurveyDryRun::default()
    };
    dry.left_out = main
        .headers
        .iter()
        .zip(&columns)
        .enumerate()
        .filter(|(i, (_, c))| **c == Column::Unknown && Some(*i) != dry.case_column)
        .map(|(_, (h, _))| h.clone())
        .collect();
    let id_column = columns
        .iter()
        .position(|c| *c == Column::InstanceId)
        .or_else(|| columns.iter().position(|c| *c == Column::Uuid));
    if dry.case_column.is_none() {
        dry.missing.push("survey-import-no-case-column");
    }
    if id_column.is_none() {
        dry.missing.push("survey-import-no-instance-column");
    }
    let (Some(case_column), Some(id_column)) = (dry.case_column, id_column) else {
        return Ok(dry);
    };
    let repeats = Repeats::read(&compiled, &columns, &book[1..], &mut dry);
    let date_column = DATE_HEADERS.iter().find_map(|d| {
        main.headers
            .iter()
            .zip(&columns)
            .position(|(h, c)| !matches!(c, Column::Answer(_)) && h.eq_ignore_ascii_case(d))
    });
    let mut cases = Cases::default();
    let mut seen_in_file: HashMap<String, usize> = HashMap::new();
    for (number, cells) in &main.rows {
        let cell = |i: usize| cells.get(i).map(|c| c.trim()).unwrap_or_default();
        let case_number = cell(case_column).to_string();
        let instance_id = instance_id(cell(id_column), columns[id_column] == Column::Uuid);
        let mut row = SurveyRow {
            row: *number,
            case_number: case_number.clone(),
            instance_id: instance_id.clone(),
            outcome: SurveyOutcome::Ready { composite: None },
        };
        let problem = |column: usize, code| {
            SurveyOutcome::Problems(vec![SurveyProblem::Cell {
                column: main.headers[column].clone(),
                code,
            }])
        };
        row.outcome = if instance_id.is_empty() {
            problem(id_column, "error-required")
        } else if let Some(earlier) = seen_in_file.get(&instance_id) {
            SurveyOutcome::SameAsRow(*earlier)
        } else if let Some(InstanceSeen::Stored(_)) = app.store.instance_seen(&instance_id).await? {
            SurveyOutcome::AlreadyStored
        } else if case_number.is_empty() {
            problem(case_column, "error-required")
        } else {
            match cases.fillable(app, actor, &case_number).await? {
                None => problem(case_column, "survey-import-unknown-case"),
                Some(case) => {
                    let mut answers = tabular::answers(&compiled, &columns, cells);
                    repeats.add_to(&compiled, &mut answers, cells);
                    let day = date_column.and_then(|i| day_of(cell(i)));
                    let checked = crate::field::import_answers(
                        app,
                        actor,
                        &case,
                        &version,
                        &compiled,
                        answers,
                        instance_id.clone(),
                        day,
                        language,
                        dry_run,
                    )
                    .await?;
                    outcome(checked, &compiled, &main.headers, &columns)
                }
            }
        };
        seen_in_file.entry(instance_id).or_insert(*number);
        dry.rows.push(row);
    }
    Ok(dry)
}

/// The column of case numbers: the one chosen, else the form's question that takes the case
/// number (`prefill` `case.number`, or the device's case question), else a header that says so.
fn case_column(
    c: &Compiled,
    headers: &[String],
    columns: &[Column],
    chosen: &str,
) -> Option<usize> {
    let chosen = chosen.trim();
    if !chosen.is_empty() {
        return headers.iter().position(|h| h == chosen);
    }
    let takes_case_number = |i: usize| {
        let q = c.question(i);
        q.name == crate::field::CASE_QUESTION
            || q.extra
                .get(crate::rss::PREFILL_COLUMN)
                .is_some_and(|p| p.trim() == "case.number")
    };
    columns
        .iter()
        .position(|col| matches!(col, Column::Answer(i) if takes_case_number(*i)))
        .or_else(|| {
            headers.iter().position(|h| {
                let last = h.rsplit('/').next().unwrap_or(h).trim().to_lowercase();
                CASE_HEADERS.contains(&last.as_str())
            })
        })
}

/// An instance id as stored: `uuid:` and the id (KoboToolbox's `_uuid` leaves the prefix out).
fn instance_id(cell: &str, bare: bool) -> String {
    if cell.is_empty() || !bare || cell.contains(':') {
        cell.to_string()
    } else {
        format!("uuid:{cell}")
    }
}

/// The day a date or date-time cell names.
fn day_of(cell: &str) -> Option<time::Date> {
    let day = cell.get(..10)?;
    time::Date::parse(
        day,
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .ok()
}

/// A row's outcome from what checking (or storing) its answers said.
fn outcome(
    checked: Result<(Option<f64>, Option<Received>), Refusal>,
    c: &Compiled,
    headers: &[String],
    columns: &[Column],
) -> SurveyOutcome {
    match checked {
        Ok((_, Some(Received::AlreadyStored(_)))) => SurveyOutcome::AlreadyStored,
        Ok((composite, _)) => SurveyOutcome::Ready { composite },
        Err(Refusal::Invalid(errors)) => SurveyOutcome::Problems(
            errors
                .into_iter()
                .map(|error| SurveyProblem::Answer {
                    column: column_of(c, headers, columns, &error.path),
                    error,
                })
                .collect(),
        ),
        Err(Refusal::NotScored(why)) => {
            SurveyOutcome::Problems(vec![SurveyProblem::NotScored(why)])
        }
        Err(_) => SurveyOutcome::Problems(vec![SurveyProblem::Refused]),
    }
}

/// The header of the column answering the question at `path`, or the path.
fn column_of(c: &Compiled, headers: &[String], columns: &[Column], path: &str) -> String {
    let name = path.rsplit(['/', ':']).next().unwrap_or(path);
    columns
        .iter()
        .position(|col| matches!(col, Column::Answer(i) if c.question(*i).name == name))
        .and_then(|i| headers.get(i))
        .cloned()
        .unwrap_or_else(|| path.to_string())
}

/// Cases by number, read once, when the actor may record answers about them.
#[derive(Default)]
struct Cases {
    by_number: HashMap<String, Option<CaseRecord>>,
}

impl Cases {
    async fn fillable(
        &mut self,
        app: &App,
        actor: &Actor,
        number: &str,
    ) -> Result<Option<CaseRecord>, Error> {
        if let Some(found) = self.by_number.get(number) {
            return Ok(found.clone());
        }
        let case = match app.store.case_by_number(number).await? {
            Some(id) => Some(app.store.case(id).await?),
            None => None,
        };
        // A case the actor may not record on is reported as not found: the import says
        // nothing of cases beyond their reach.
        let case =
            case.filter(|c| authorize(actor, Action::FillForm, Resource::Case(c.access())).is_ok());
        self.by_number.insert(number.to_string(), case.clone());
        Ok(case)
    }
}

/// A repeat group's sheet: the `begin_repeat` row, the sheet's columns, and its rows by the
/// index of the main row they belong to.
type RepeatSheet = (usize, Vec<Column>, HashMap<String, Vec<Vec<String>>>);

/// The repeat groups' sheets, their rows grouped by the main row they belong to.
struct Repeats {
    sheets: Vec<RepeatSheet>,
    /// The main sheet's column of row indexes (`_index`), which repeat rows point to.
    index_column: Option<usize>,
}

impl Repeats {
    fn read(
        c: &Compiled,
        main_columns: &[Column],
        others: &[Table],
        dry: &mut SurveyDryRun,
    ) -> Self {
        let mut sheets = Vec::new();
        for table in others {
            let repeat = tabular::repeat_of_sheet(c, &table.sheet);
            // Only repeats directly in the form's body: nested ones point to their parent
            // repeat's rows, which this import does not link (said on the page).
            let Some(repeat) = repeat.filter(|r| c.nodes[*r].repeats.is_empty()) else {
                dry.sheets_left_out.push(table.sheet.clone());
                continue;
            };
            let columns = tabular::columns(c, &table.headers, Some(repeat));
            let Some(parent) = columns.iter().position(|c| *c == Column::ParentIndex) else {
                dry.sheets_left_out.push(table.sheet.clone());
                continue;
            };
            let mut items: HashMap<String, Vec<Vec<String>>> = HashMap::new();
            for (_, cells) in &table.rows {
                let key = cells.get(parent).map(|s| s.trim()).unwrap_or_default();
                items
                    .entry(key.to_string())
                    .or_default()
                    .push(cells.clone());
            }
            sheets.push((repeat, columns, items));
        }
        Repeats {
            sheets,
            index_column: main_columns.iter().position(|c| *c == Column::Index),
        }
    }

    fn add_to(&self, c: &Compiled, answers: &mut Answers, cells: &[String]) {
        let Some(index) = self.index_column.and_then(|i| cells.get(i)) else {
            return;
        };
        for (repeat, columns, items) in &self.sheets {
            let rows = items
                .get(index.trim())
                .map(Vec::as_slice)
                .unwrap_or_default();
            let read = rows
                .iter()
                .map(|r| tabular::answers(c, columns, r))
                .collect();
            tabular::add_repeat(c, answers, *repeat, read);
        }
    }
}
