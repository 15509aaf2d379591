//! Forms and detail lists for the records of the community and structural levels, described once
//! as a list of fields. A record's fields are read from a posted form into the JSON of its
//! `domain` type (every value checked, what was typed kept), shown back in an edit form, and
//! listed on its page — so each record needs a field list, not its own parser and templates.

use std::collections::HashMap;

use axum::http::StatusCode;
use domain::ValidationErrors;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::Posted;
use super::read::parse_date;
use crate::error::{AppError, ErrorKind};
use crate::forms::{Choice, FieldBuilder, FieldView, Fieldset, error_map};
use crate::i18n::Tr;
use crate::pages::services::DetailRow;

/// How a field is entered.
#[derive(Clone, Debug)]
pub enum Input {
    Text,
    Textarea,
    /// A required date.
    Date,
    OptDate,
    /// A whole number from 0 up to the given maximum.
    Number(u64),
    /// 1 to 5.
    Score,
    /// A number with decimals (baselines, targets, reported values).
    Decimal,
    /// One of the named values of a `domain` enum, labelled `<kind>-<value>`.
    Choice(&'static str, Vec<&'static str>),
    /// Any of them, as a list.
    Choices(&'static str, Vec<&'static str>),
    /// One short text per line, as a list.
    Lines,
    /// An organisation of the stakeholder map.
    Stakeholder,
    Stakeholders,
}

#[derive(Clone, Debug)]
pub struct Field {
    pub name: &'static str,
    pub input: Input,
    pub required: bool,
}

pub fn field(name: &'static str, input: Input) -> Field {
    Field {
        name,
        input,
        required: false,
    }
}

pub fn required(name: &'static str, input: Input) -> Field {
    Field {
        name,
        input,
        required: true,
    }
}

/// The named values of an enum, for [`Input::Choice`].
pub fn values<T: Copy>(all: &[T], f: fn(T) -> &'static str) -> Vec<&'static str> {
    all.iter().map(|x| f(*x)).collect()
}

/// Organisations to choose from: id and name.
pub type Options = [(String, String)];

/// Reads the posted fields into JSON values; what cannot be read is reported by field.
pub fn read(
    fields: &[Field],
    p: &Posted,
    orgs: &Options,
) -> (Map<String, Value>, ValidationErrors) {
    let mut out = Map::new();
    let mut e = ValidationErrors::new();
    for f in fields {
        let raw = p.get(f.name).trim();
        let missing = |e: &mut ValidationErrors| {
            if f.required {
                e.add(f.name, "error-required");
            }
        };
        let value = match &f.input {
            Input::Text | Input::Textarea => {
                if raw.is_empty() {
                    missing(&mut e);
                }
                Value::String(raw.to_string())
            }
            Input::Date | Input::OptDate => match (raw.is_empty(), parse_date(raw)) {
                (true, _) => {
                    if matches!(f.input, Input::Date) {
                        e.add(f.name, "error-required");
                    }
                    Value::Null
                }
                (false, Some(d)) => Value::String(d.to_string()),
                (false, None) => {
                    e.add(f.name, "error-date-format");
                    Value::Null
                }
            },
            Input::Number(max) => match (raw.is_empty(), raw.parse::<u64>()) {
                (true, _) => {
                    missing(&mut e);
                    Value::Null
                }
                (false, Ok(n)) if n <= *max => Value::from(n),
                (false, Ok(_)) => {
                    e.add(f.name, "error-number-too-large");
                    Value::Null
                }
                (false, Err(_)) => {
                    e.add(f.name, "error-number");
                    Value::Null
                }
            },
            Input::Decimal => match raw.replace(',', ".").parse::<f64>() {
                Ok(n) if n.is_finite() && n.abs() < 1e12 => Value::from(n),
                _ if raw.is_empty() => {
                    missing(&mut e);
                    Value::Null
                }
                _ => {
                    e.add(f.name, "error-decimal");
                    Value::Null
                }
            },
            Input::Score => match raw.parse::<u8>() {
                Ok(n) if (1..=5).contains(&n) => Value::from(n),
                _ if raw.is_empty() && !f.required => Value::Null,
                _ => {
                    e.add(f.name, "error-score-1-5");
                    Value::Null
                }
            },
            Input::Choice(_, allowed) => {
                if raw.is_empty() {
                    missing(&mut e);
                    Value::Null
                } else if allowed.contains(&raw) {
                    Value::String(raw.to_string())
                } else {
                    e.add(f.name, "error-choice");
                    Value::Null
                }
            }
            Input::Choices(_, allowed) => {
                let picked = p.all(f.name);
                if picked.iter().any(|v| !allowed.contains(&v.as_str())) {
                    e.add(f.name, "error-choice");
                }
                if picked.is_empty() {
                    missing(&mut e);
                }
                Value::from(
                    picked
                        .into_iter()
                        .filter(|v| allowed.contains(&v.as_str()))
                        .collect::<Vec<_>>(),
                )
            }
            Input::Lines => {
                let lines = lines(raw);
                if lines.is_empty() {
                    missing(&mut e);
                }
                Value::from(lines)
            }
            Input::Stakeholder => {
                if raw.is_empty() {
                    missing(&mut e);
                    Value::Null
                } else if orgs.iter().any(|(id, _)| id == raw) {
                    Value::String(raw.to_string())
                } else {
                    e.add(f.name, "error-choice");
                    Value::Null
                }
            }
            Input::Stakeholders => {
                let picked = p.all(f.name);
                if picked.iter().any(|v| !orgs.iter().any(|(id, _)| id == v)) {
                    e.add(f.name, "error-choice");
                }
                if picked.is_empty() {
                    missing(&mut e);
                }
                Value::from(
                    picked
                        .into_iter()
                        .filter(|v| orgs.iter().any(|(id, _)| id == v))
                        .collect::<Vec<_>>(),
                )
            }
        };
        out.insert(f.name.to_string(), value);
    }
    (out, e)
}

/// Lays `fields` over `base` (the stored record when editing) and reads the result as `T`.
/// Fields were checked one by one before; a record that still does not read is reported on the
/// first field rather than failing the request.
pub fn merge<T: DeserializeOwned>(
    base: Option<&Value>,
    fields: Map<String, Value>,
    first_field: &str,
) -> Result<T, ValidationErrors> {
    let mut obj = base
        .and_then(|b| b.as_object().cloned())
        .unwrap_or_default();
    obj.extend(fields);
    serde_json::from_value(Value::Object(obj)).map_err(|_| {
        let mut e = ValidationErrors::new();
        e.add(first_field, "error-form-invalid");
        e
    })
}

/// A stored record's values as a form shows them, for editing.
pub fn posted(fields: &[Field], value: &Value, version: Option<i64>) -> Posted {
    let mut p = Posted::default();
    for f in fields {
        let v = &value[f.name];
        match v {
            Value::Array(items) => {
                let texts: Vec<String> = items.iter().map(scalar).collect();
                if matches!(f.input, Input::Lines) {
                    p.0.push((f.name.to_string(), texts.join("\n")));
                } else {
                    p.0.extend(texts.into_iter().map(|t| (f.name.to_string(), t)));
                }
            }
            other => p.0.push((f.name.to_string(), scalar(other))),
        }
    }
    if let Some(v) = version {
        p.0.push(("version".into(), v.to_string()));
    }
    p
}

fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// The form fields, ready for `form_field.html`, with element ids prefixed (empty: none) for a
/// page holding several forms with the same field names.
pub fn views_in(
    tr: &Tr,
    prefix: &str,
    fields: &[Field],
    p: &Posted,
    errors: &ValidationErrors,
    orgs: &Options,
) -> Vec<FieldView> {
    let errs: HashMap<String, String> = error_map(tr, errors);
    let fb = FieldBuilder { tr, errors: &errs };
    fields
        .iter()
        .map(|f| {
            let v = p.get(f.name);
            match &f.input {
                Input::Text => fb.input(f.name, "text", v, f.required),
                Input::Textarea => fb.input(f.name, "textarea", v, f.required),
                // One short text per line: each line has the short limit, not the whole.
                Input::Lines => FieldView {
                    max_chars: 0,
                    max_hint: String::new(),
                    count_template: String::new(),
                    ..fb.input(f.name, "textarea", v, f.required)
                },
                Input::Date | Input::OptDate => fb.input(f.name, "date", v, f.required),
                Input::Number(max) => {
                    let mut view = fb.input(f.name, "number", v, f.required);
                    if view.error == tr.t("error-number-too-large") {
                        view.error = tr.t1("error-number-too-large-max", "max", max);
                    }
                    view
                }
                Input::Decimal => fb.input(f.name, "text", v, f.required),
                Input::Score => {
                    fb.select(f.name, v, "score", &["1", "2", "3", "4", "5"], f.required)
                }
                Input::Choice(kind, all) => {
                    let mut view = fb.select(f.name, v, kind, all, f.required);
                    view.label = field_label(tr, f);
                    view
                }
                Input::Choices(kind, all) => fb.checkboxes(f.name, &p.all(f.name), kind, all),
                Input::Stakeholder => {
                    let mut view = fb.select(f.name, v, "score", &[], f.required);
                    view.choices.extend(orgs.iter().map(|(id, name)| Choice {
                        value: id.clone(),
                        label: name.clone(),
                        selected: id == v,
                    }));
                    view
                }
                Input::Stakeholders => {
                    let picked = p.all(f.name);
                    let mut view = fb.checkboxes(f.name, &picked, "score", &[]);
                    view.choices = orgs
                        .iter()
                        .map(|(id, name)| Choice {
                            value: id.clone(),
                            label: name.clone(),
                            selected: picked.contains(id),
                        })
                        .collect();
                    view
                }
            }
        })
        .map(|mut v| {
            if !prefix.is_empty() {
                v.id = format!("{prefix}{}", v.name);
            }
            v
        })
        .collect()
}

pub fn fieldset(
    tr: &Tr,
    legend: String,
    fields: &[Field],
    p: &Posted,
    errors: &ValidationErrors,
    orgs: &Options,
) -> Fieldset {
    fieldset_in(tr, "", legend, fields, p, errors, orgs)
}

/// As [`fieldset`], with element ids prefixed.
pub fn fieldset_in(
    tr: &Tr,
    prefix: &str,
    legend: String,
    fields: &[Field],
    p: &Posted,
    errors: &ValidationErrors,
    orgs: &Options,
) -> Fieldset {
    Fieldset {
        legend,
        fields: views_in(tr, prefix, fields, p, errors, orgs),
    }
}

fn org_name(orgs: &Options, id: &str) -> String {
    orgs.iter()
        .find(|(x, _)| x == id)
        .map(|(_, n)| n.clone())
        .unwrap_or_default()
}

/// A value as the record page shows it.
pub fn show(tr: &Tr, f: &Field, v: &Value, orgs: &Options) -> String {
    let texts: Vec<String> = match v {
        Value::Array(items) => items.iter().map(scalar).collect(),
        Value::Null => vec![],
        other => vec![scalar(other)],
    };
    let shown: Vec<String> = texts
        .iter()
        .filter(|t| !t.is_empty())
        .map(|t| match &f.input {
            Input::Choice(kind, _) | Input::Choices(kind, _) => tr.t_of(kind, t),
            Input::Stakeholder | Input::Stakeholders => org_name(orgs, t),
            // Whole numbers (budgets, populations) in groups of three, as the reader writes them.
            Input::Number(_) => t
                .parse::<i64>()
                .map_or_else(|_| t.clone(), |n| tr.number(n)),
            _ => t.clone(),
        })
        .collect();
    let sep = if matches!(f.input, Input::Lines) {
        "; "
    } else {
        ", "
    };
    shown.join(sep)
}

/// The record's fields, labelled, for a detail list.
pub fn rows(tr: &Tr, fields: &[Field], value: &Value, orgs: &Options) -> Vec<DetailRow> {
    fields
        .iter()
        .map(|f| DetailRow {
            label: field_label(tr, f),
            value: show(tr, f, &value[f.name], orgs),
        })
        .collect()
}

/// The lines of a text, trimmed, without the empty ones.
pub fn lines(s: &str) -> Vec<String> {
    s.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect()
}

pub fn label(tr: &Tr, name: &str) -> String {
    tr.t(&format!("field-{}", name.replace('_', "-")))
}

/// A field's label: a choice of named values is labelled after what it chooses when the
/// catalogue has a label for that (a project's type and a participant's are both fields named
/// `kind`, but they are not the same question).
pub fn field_label(tr: &Tr, f: &Field) -> String {
    match &f.input {
        Input::Choice(kind, _) if tr.has(&format!("field-{kind}")) => {
            tr.t(&format!("field-{kind}"))
        }
        _ => label(tr, f.name),
    }
}

/// What a save came to: the saved record, or the status and the messages to show next to what
/// was typed (errors found reading the form, `domain`'s, or a stale version, reported on
/// `stale_field`). `saved` is `None` when the form could not even be read.
pub fn settle<T>(
    mut read: ValidationErrors,
    saved: Option<Result<T, AppError>>,
    stale_field: &str,
) -> Result<Result<T, (StatusCode, ValidationErrors)>, AppError> {
    match saved {
        Some(Ok(v)) => Ok(Ok(v)),
        None => Ok(Err((StatusCode::UNPROCESSABLE_ENTITY, read))),
        Some(Err(e)) if e.kind == ErrorKind::Validation => {
            read.merge(e.fields);
            Ok(Err((StatusCode::UNPROCESSABLE_ENTITY, read)))
        }
        Some(Err(e)) if e.kind == ErrorKind::Conflict => {
            read.add(stale_field, "error-stale-record");
            Ok(Err((StatusCode::CONFLICT, read)))
        }
        Some(Err(e)) => Err(e),
    }
}

/// Percent-encodes a value for a link's query.
pub fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
