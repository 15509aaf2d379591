//! The form kit. Every HTML form goes through it:
//! - what was typed is kept as text ([`Posted`], or a page's own struct of strings), so that
//!   nothing is lost when a save is refused;
//! - [`read`] turns the text into values, noting each problem under its field's name;
//! - [`FieldBuilder`] makes the field views every template renders the same way, with their
//!   label, hint, error and choices;
//! - [`records`] describes the community and structural records as field lists, read and shown
//!   by the same code; [`profile`] is the returnee's registration form.

use std::collections::{BTreeMap, HashMap};

use domain::{FieldError, ValidationErrors};
use serde::Deserialize;

use crate::i18n::Tr;
use domain::case::{MAX_LONG_TEXT, MAX_SHORT_TEXT};

pub mod imports;
pub mod profile;
pub mod read;
pub mod records;

pub use profile::{HouseholdRow, ProfileForm};

/// A posted form, as typed: name/value pairs in order, repeated names kept.
#[derive(Clone, Debug, Default)]
pub struct Posted(pub Vec<(String, String)>);

impl<'de> Deserialize<'de> for Posted {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Vec::<(String, String)>::deserialize(d).map(Posted)
    }
}

impl Posted {
    pub fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }
    pub fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .collect()
    }
    pub fn set(&mut self, name: &str, value: impl Into<String>) {
        self.0.push((name.to_string(), value.into()));
    }
    /// The free-text fields of `names` that were filled in.
    pub fn details(&self, names: &[&str]) -> BTreeMap<String, String> {
        names
            .iter()
            .map(|n| (n.to_string(), self.get(n).trim().to_string()))
            .filter(|(_, v)| !v.is_empty())
            .collect()
    }
    pub fn version(&self) -> Option<i64> {
        self.get("version").trim().parse().ok()
    }
}

/// One choice of a select or checkbox list.
#[derive(Clone)]
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// A field as the template renders it.
#[derive(Clone)]
pub struct FieldView {
    pub name: String,
    /// The element id after `f-`: the name, unless several forms on one page share names.
    pub id: String,
    pub label: String,
    /// text, email, tel, date, number, textarea, select, checkboxes, checkbox
    pub kind: &'static str,
    pub value: String,
    pub choices: Vec<Choice>,
    pub hint: String,
    pub error: String,
    pub required: bool,
    /// The most characters a long text may have (0: not a long text), for `maxlength` and a
    /// hint naming it.
    pub max_chars: usize,
    /// "Up to 2,000 characters." beside a long text; empty otherwise.
    pub max_hint: String,
    /// What the counter says as one types ("%n of %max characters"), for `counter.js`.
    pub count_template: String,
}

pub struct Fieldset {
    pub legend: String,
    pub fields: Vec<FieldView>,
}

/// Translated messages by field name.
pub fn error_map(tr: &Tr, errors: &ValidationErrors) -> HashMap<String, String> {
    let mut map = HashMap::new();
    for FieldError { field, code } in &errors.0 {
        map.entry(field.clone()).or_insert_with(|| tr.t(code));
    }
    map
}

/// An error summary's links: each field's anchor, and its label with what to fix (WCAG: the
/// link names its field).
pub fn error_summary(
    tr: &Tr,
    errors: &ValidationErrors,
    map: &HashMap<String, String>,
) -> Vec<(String, String)> {
    errors
        .0
        .iter()
        .map(|e| {
            let label = tr.t(&format!("field-{}", e.field.replace('_', "-")));
            let message = map.get(&e.field).cloned().unwrap_or_default();
            (format!("f-{}", e.field), format!("{label}: {message}"))
        })
        .collect()
}

/// An error summary's links for fields shown in this order: each field that needs attention,
/// named by its label (WCAG: the link names its field).
pub fn summary_of<'a>(fields: impl IntoIterator<Item = &'a FieldView>) -> Vec<(String, String)> {
    fields
        .into_iter()
        .filter(|f| !f.error.is_empty())
        .map(|f| (format!("f-{}", f.id), format!("{}: {}", f.label, f.error)))
        .collect()
}

/// Builds field views against one form's values and errors.
pub struct FieldBuilder<'a> {
    pub tr: &'a Tr,
    pub errors: &'a HashMap<String, String>,
}

impl FieldBuilder<'_> {
    fn base(&self, name: &str, kind: &'static str, value: &str, required: bool) -> FieldView {
        let label_id = format!("field-{}", name.replace('_', "-"));
        let hint_id = format!("{label_id}-hint");
        FieldView {
            name: name.to_string(),
            id: name.to_string(),
            label: self.tr.t(&label_id),
            kind,
            value: value.to_string(),
            choices: Vec::new(),
            hint: if self.tr.has(&hint_id) {
                self.tr.t(&hint_id)
            } else {
                String::new()
            },
            error: self.error_of(name, kind),
            required,
            max_chars: if kind == "textarea" { MAX_LONG_TEXT } else { 0 },
            count_template: if kind == "textarea" {
                self.tr.t("field-chars-used")
            } else {
                String::new()
            },
            max_hint: if kind == "textarea" {
                self.tr.t1(
                    "field-max-chars",
                    "max",
                    self.tr.number(MAX_LONG_TEXT as i64),
                )
            } else {
                String::new()
            },
        }
    }

    /// The field's message. "Too long" names the limit of the field's kind of text.
    fn error_of(&self, name: &str, kind: &str) -> String {
        let message = self.errors.get(name).cloned().unwrap_or_default();
        if message == self.tr.t("error-too-long") {
            let max = if kind == "textarea" {
                MAX_LONG_TEXT
            } else {
                MAX_SHORT_TEXT
            };
            return self
                .tr
                .t1("error-too-long-max", "max", self.tr.number(max as i64));
        }
        message
    }
    pub fn input(&self, name: &str, kind: &'static str, value: &str, required: bool) -> FieldView {
        self.base(name, kind, value, required)
    }
    /// A select whose options are the named values of `kind` (labels `kind-value`), with an
    /// empty first option unless `required` and already chosen.
    pub fn select(
        &self,
        name: &str,
        value: &str,
        kind: &str,
        values: &[&str],
        required: bool,
    ) -> FieldView {
        let mut f = self.base(name, "select", value, required);
        f.choices.push(Choice {
            value: String::new(),
            label: self.tr.t("choose"),
            selected: value.is_empty(),
        });
        f.choices.extend(values.iter().map(|v| Choice {
            value: v.to_string(),
            label: self.tr.t_of(kind, v),
            selected: *v == value,
        }));
        f
    }
    /// Yes / no / not known.
    pub fn yes_no(&self, name: &str, value: &str) -> FieldView {
        self.select(name, value, "answer", &["yes", "no"], false)
    }
    pub fn checkboxes(
        &self,
        name: &str,
        selected: &[String],
        kind: &str,
        values: &[&str],
    ) -> FieldView {
        let mut f = self.base(name, "checkboxes", "", false);
        f.choices = values
            .iter()
            .map(|v| Choice {
                value: v.to_string(),
                label: self.tr.t_of(kind, v),
                selected: selected.iter().any(|s| s == v),
            })
            .collect();
        f
    }
}

pub fn names<T: Copy>(all: &[T], as_str: impl Fn(T) -> &'static str) -> Vec<&'static str> {
    all.iter().map(|v| as_str(*v)).collect()
}

/// A question's error as the reader reads it: the form's own message as written, the engine's
/// in the reader's language.
pub(crate) fn said(tr: &Tr, e: ::forms::FieldError) -> (String, String) {
    let text = match &e.builtin {
        Some(b) => {
            let args: Vec<(&str, &str)> = b.args.iter().map(|(k, v)| (*k, v.as_str())).collect();
            tr.t_args(b.id, &args)
        }
        None => e.message,
    };
    (e.path, text)
}

/// A posted file's content, read in chunks and cut short as soon as it passes `max` bytes (the
/// use case then refuses it as too large): nothing larger is ever held.
pub(crate) async fn read_part(
    field: &mut axum::extract::multipart::Field<'_>,
    max: usize,
) -> Result<Vec<u8>, crate::error::AppError> {
    let mut bytes = Vec::new();
    while let Some(chunk) = field.chunk().await.map_err(|e| {
        crate::error::AppError::with_detail(crate::error::ErrorKind::BadRequest, e.body_text())
    })? {
        if bytes.len() + chunk.len() > max {
            // One byte past the limit tells the caller the part was larger than it may be.
            let room = max - bytes.len();
            bytes.extend_from_slice(&chunk[..room]);
            bytes.push(0);
            break;
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

/// The file an API client posted as `multipart/form-data` in the part named `file`: its name
/// (or `default_name`) and content, at most `max` bytes. Refuses another media type (415), an
/// unreadable body (400) and a larger file (413); `None` when no such part was sent. `what`
/// names the file in the refusal ("the workbook").
pub(crate) async fn api_file_part(
    headers: &axum::http::HeaderMap,
    request: axum::extract::Request,
    max: usize,
    default_name: &str,
    what: &str,
) -> Result<Option<(String, Vec<u8>)>, crate::error::AppError> {
    use crate::error::{AppError, ErrorKind};
    let is_multipart = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("multipart/form-data"));
    if !is_multipart {
        return Err(AppError::with_detail(
            ErrorKind::UnsupportedMediaType,
            format!("send {what} as multipart/form-data, in a part named file"),
        ));
    }
    let bad = |_| AppError::with_detail(ErrorKind::BadRequest, "the multipart body is unreadable");
    let mut multipart =
        <axum::extract::Multipart as axum::extract::FromRequest<()>>::from_request(request, &())
            .await
            .map_err(|_| AppError::with_detail(ErrorKind::BadRequest, "no multipart body"))?;
    let mut file = None;
    while let Some(mut field) = multipart.next_field().await.map_err(bad)? {
        if field.name() == Some("file") {
            let name = field.file_name().unwrap_or(default_name).to_string();
            let bytes = read_part(&mut field, max).await?;
            if bytes.len() > max {
                return Err(AppError::new(ErrorKind::PayloadTooLarge));
            }
            file = Some((name, bytes));
        }
    }
    Ok(file)
}

/// What a page's upload form posted: its CSRF token and the file in the part named `file` (its
/// name, or `default_name`). A body larger than the route allows fails with 413.
pub(crate) async fn page_upload(
    multipart: &mut axum::extract::Multipart,
    default_name: &str,
) -> Result<(String, Option<(String, axum::body::Bytes)>), axum::extract::multipart::MultipartError>
{
    let mut csrf = String::new();
    let mut file = None;
    while let Some(part) = multipart.next_field().await? {
        match part.name() {
            Some("_csrf") => csrf = part.text().await?,
            Some("file") => {
                let name = part.file_name().unwrap_or(default_name).to_string();
                file = Some((name, part.bytes().await?));
            }
            _ => {}
        }
    }
    Ok((csrf, file))
}
