//! Checking a filled form for submission: required answers, types, the choices offered and
//! constraints of every shown question, each problem as the form says it or in the engine's
//! own words (translated by the pages).

use std::collections::HashSet;

use serde::Serialize;
use time::Date;

use crate::compiled::{Compiled, Item};
use crate::engine::{Filled, Position, path_of, typed};
use crate::expr::Value;
use crate::model::{Kind, Question, pick};

/// One answer that must be fixed, by field path.
#[derive(Clone, Debug, Eq, Serialize)]
pub struct FieldError {
    pub path: String,
    /// What to fix: the form's own words (its required and constraint messages), or the
    /// English text of one of the engine's messages.
    pub message: String,
    /// One of the engine's messages, for the pages to say in the reader's language.
    #[serde(skip)]
    pub builtin: Option<crate::answer_types::Builtin>,
}

impl FieldError {
    /// The form's own message for a question.
    pub fn new(path: &str, message: &str) -> Self {
        FieldError {
            path: path.to_string(),
            message: message.to_string(),
            builtin: None,
        }
    }

    /// One of the engine's messages for a question.
    pub fn builtin(path: &str, b: crate::answer_types::Builtin) -> Self {
        FieldError {
            path: path.to_string(),
            message: b.english.clone(),
            builtin: Some(b),
        }
    }
}

/// Two errors are the same when they say the same thing about the same question.
impl PartialEq for FieldError {
    fn eq(&self, other: &Self) -> bool {
        self.path == other.path && self.message == other.message
    }
}

/// What a question's check found: the form's own message, or one of the engine's.
enum Finding {
    Custom(String),
    Builtin(crate::answer_types::Builtin),
}

impl Compiled {
    /// Checks a filled form for submission: required answers, types, choices and constraints
    /// of every shown question. `language` picks the messages.
    pub fn validate(&self, filled: &Filled, today: Date, language: &str) -> Vec<FieldError> {
        let mut errors = Vec::new();
        self.check(
            &self.items,
            filled,
            &Position::default(),
            today,
            language,
            &mut errors,
        );
        errors
    }

    fn check(
        &self,
        items: &[Item],
        filled: &Filled,
        pos: &Position,
        today: Date,
        language: &str,
        errors: &mut Vec<FieldError>,
    ) {
        for item in items {
            match item {
                Item::Group(_, ch) => self.check(ch, filled, pos, today, language, errors),
                Item::Repeat(r, ch) => {
                    let path = path_of(self, pos, *r);
                    if !filled.shown.contains(&path) {
                        continue;
                    }
                    let n = self
                        .answers_at(&filled.answers, pos)
                        .instances(self.key(*r))
                        .len();
                    for i in 0..n {
                        let mut inner = pos.clone();
                        inner.repeats.push((*r, i));
                        self.check(ch, filled, &inner, today, language, errors);
                    }
                }
                Item::Field(f) => {
                    let q = self.question(*f);
                    let path = path_of(self, pos, *f);
                    if !q.kind.is_answerable() || !filled.shown.contains(&path) {
                        continue;
                    }
                    let value = self
                        .answers_at(&filled.answers, pos)
                        .text(self.key(*f))
                        .trim()
                        .to_string();
                    match self.check_one(*f, q, &value, filled, pos, today, language) {
                        Some(Finding::Custom(message)) => {
                            errors.push(FieldError::new(&path, &message));
                        }
                        Some(Finding::Builtin(b)) => errors.push(FieldError::builtin(&path, b)),
                        None => {}
                    }
                }
            }
        }
    }

    /// The shown answers to photo, recording and file questions, by path.
    pub fn file_answers(&self, filled: &Filled) -> Vec<(String, String)> {
        let mut out = Vec::new();
        self.collect_files(&self.items, filled, &Position::default(), &mut out);
        out
    }

    fn collect_files(
        &self,
        items: &[Item],
        filled: &Filled,
        pos: &Position,
        out: &mut Vec<(String, String)>,
    ) {
        for item in items {
            match item {
                Item::Group(_, ch) => self.collect_files(ch, filled, pos, out),
                Item::Repeat(r, ch) => {
                    let n = self
                        .answers_at(&filled.answers, pos)
                        .instances(self.key(*r))
                        .len();
                    for i in 0..n {
                        let mut inner = pos.clone();
                        inner.repeats.push((*r, i));
                        self.collect_files(ch, filled, &inner, out);
                    }
                }
                Item::Field(f) => {
                    let path = path_of(self, pos, *f);
                    let value = self
                        .answers_at(&filled.answers, pos)
                        .text(self.key(*f))
                        .trim();
                    if self.question(*f).kind.is_attachment()
                        && !value.is_empty()
                        && filled.shown.contains(&path)
                    {
                        out.push((path, value.to_string()));
                    }
                }
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn check_one(
        &self,
        f: usize,
        q: &Question,
        value: &str,
        filled: &Filled,
        pos: &Position,
        today: Date,
        language: &str,
    ) -> Option<Finding> {
        use crate::answer_types::Builtin;
        let default_lang = self.form.settings.default_language.as_deref();
        if value.is_empty() {
            let required = q.required
                || self.nodes[f].required.as_ref().is_some_and(|e| {
                    self.eval(e, &filled.answers, pos, Value::empty(), today)
                        .to_bool()
                });
            if required {
                let custom = pick(&q.required_message, language, default_lang);
                return Some(if custom.is_empty() {
                    Finding::Builtin(Builtin::new(
                        "form-error-required",
                        "This question needs an answer.",
                    ))
                } else {
                    Finding::Custom(custom.into())
                });
            }
            return None;
        }
        let type_error = match &q.kind {
            // A list of the form, or one read from an attached file.
            k if k.list().is_some() || self.file_choices.contains_key(&f) => {
                let offered = self.choices_for(f, &filled.answers, pos, today);
                let picked: Vec<&str> = value.split_whitespace().collect();
                let unique: HashSet<&str> = picked.iter().copied().collect();
                let single = matches!(k, Kind::SelectOne(_) | Kind::SelectOneFromFile(_));
                if single && picked.len() > 1 {
                    Some(one_choice())
                } else if unique.len() < picked.len() {
                    Some(Builtin::new(
                        "form-error-choice-once",
                        "Each option can be given only once.",
                    ))
                } else {
                    not_offered(&picked, &offered)
                }
            }
            // Choices from a file not attached yet: one value, not checked against a list.
            Kind::SelectOneFromFile(_) if value.split_whitespace().count() > 1 => {
                Some(one_choice())
            }
            _ => crate::answer_types::type_problem(q, value),
        };
        if let Some(b) = type_error {
            return Some(Finding::Builtin(b));
        }
        let constraint = self.nodes[f].constraint.as_ref()?;
        let current = typed(&q.kind, value);
        if self
            .eval(constraint, &filled.answers, pos, current, today)
            .to_bool()
        {
            return None;
        }
        let custom = pick(&q.constraint_message, language, default_lang);
        Some(if custom.is_empty() {
            Finding::Builtin(Builtin::new(
                "form-error-constraint",
                "This answer is outside what the form allows; check it.",
            ))
        } else {
            Finding::Custom(custom.into())
        })
    }
}

fn one_choice() -> crate::answer_types::Builtin {
    crate::answer_types::Builtin::new("form-error-one-choice", "Choose only one option.")
}

/// The first picked name that is not among the choices offered.
fn not_offered(
    picked: &[&str],
    offered: &[&crate::model::Choice],
) -> Option<crate::answer_types::Builtin> {
    picked
        .iter()
        .find(|p| !offered.iter().any(|c| c.name == **p))
        .map(|p| {
            crate::answer_types::Builtin::with(
                "form-error-not-an-option",
                format!("'{p}' is not one of the options; choose from the list."),
                vec![("value", (*p).to_string())],
            )
        })
}
