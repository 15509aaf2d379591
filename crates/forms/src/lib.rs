//! Forms as data: XLSForm-compatible form definitions, the expression evaluator, filling and
//! validation, and XLSForm / CSV import and export. No HTTP, no SQL.
//!
//! - [`model`]: the definition (questions, choices, settings), stored as JSON per version;
//! - [`expr`]: the expression language of `relevant`, `constraint`, `calculation` …;
//! - [`Compiled`]: a definition checked and parsed, ready to fill;
//! - [`engine`]: answers, relevance, calculations, validation;
//! - [`xlsform`], [`xlsx`], [`text`]: the spreadsheet format, in `.xlsx` or as CSV files.

pub mod answer_types;
pub mod compiled;
pub mod engine;
pub mod expr;
pub mod external;
pub mod model;
pub mod retention;
pub mod shipped;
pub mod tabular;
pub mod text;
pub mod validate;
pub mod xform;
pub mod xlsform;
pub mod xlsx;

pub use compiled::{Compiled, Item};
pub use engine::{Answer, Answers, Filled, Position, path_of};
pub use model::{Choice, ChoiceList, Form, Kind, Problem, Question, Settings, Text, pick};
pub use validate::FieldError;

/// Reads an uploaded `.xlsx` XLSForm. `file_name` names the form when its settings sheet does
/// not. Returns every problem found.
pub fn import_xlsx(bytes: &[u8], file_name: &str) -> Result<Form, Vec<Problem>> {
    let book = xlsx::read(bytes).map_err(|p| vec![p])?;
    let id = fallback_id(file_name);
    let mut form = xlsform::read(&book, &id)?;
    // Without a title in the settings, the file's name is the title, as written.
    if form.settings.title == id {
        let base = file_name.rsplit(['/', '\\']).next().unwrap_or(file_name);
        let stem = base.rsplit_once('.').map_or(base, |(s, _)| s);
        if !stem.is_empty() && stem != id {
            form.settings.title = stem.to_string();
        }
    }
    Ok(form)
}

/// The form as an `.xlsx` XLSForm.
pub fn export_xlsx(form: &Form) -> Result<Vec<u8>, String> {
    xlsx::write(&xlsform::write(form))
}

/// The form as an ODK XForm, or the problems that keep it from being one.
pub fn export_xform(form: &Form) -> Result<String, Vec<Problem>> {
    Compiled::new(form.clone())?;
    let compiled = Compiled::new(xform::expand_table_lists(form))?;
    Ok(xform::write(&compiled))
}

/// A form id from a file name: `Family assessment (v2).xlsx` → `family_assessment_v2`.
pub fn fallback_id(file_name: &str) -> String {
    let base = file_name.rsplit(['/', '\\']).next().unwrap_or(file_name);
    let stem = match base.len().checked_sub(5) {
        Some(cut) if base.is_char_boundary(cut) && base[cut..].eq_ignore_ascii_case(".xlsx") => {
            &base[..cut]
        }
        _ => base,
    };
    let mut id: String = stem
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    while id.contains("__") {
        id = id.replace("__", "_");
    }
    let id = id.trim_matches('_').to_string();
    if id.is_empty() || !id.starts_with(|c: char| c.is_ascii_alphabetic()) {
        format!("form_{id}")
    } else {
        id
    }
}

/// What `reintegra forms check` and the upload preview report about a valid form.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Summary {
    pub form_id: String,
    pub title: String,
    pub version: String,
    pub questions: usize,
    pub languages: Vec<String>,
}

impl Form {
    pub fn summary(&self) -> Summary {
        Summary {
            form_id: self.settings.form_id.clone(),
            title: self.settings.title.clone(),
            version: self.settings.version.clone(),
            questions: self.question_count(),
            languages: self
                .languages()
                .into_iter()
                .map(|l| {
                    if l.is_empty() {
                        "(no language given)".into()
                    } else {
                        l
                    }
                })
                .collect(),
        }
    }
}
