//! Reading what was typed into values. Each reader notes what is wrong under the field's name
//! and returns `None`, so that one pass over a form collects every problem while the typed
//! text stays in the form to be shown again. Every page form reads through these.

use std::str::FromStr;

use domain::ValidationErrors;
use time::Date;

use crate::error::{AppError, ErrorKind};

/// A date as people type it (see `domain::case::date::parse`).
pub fn parse_date(s: &str) -> Option<Date> {
    domain::case::date::parse(s.trim())
}

/// A date: empty is an error only when `required`; anything unreadable always is.
pub fn date(e: &mut ValidationErrors, field: &str, s: &str, required: bool) -> Option<Date> {
    if s.trim().is_empty() {
        if required {
            e.add(field, "error-required");
        }
        return None;
    }
    let d = parse_date(s);
    if d.is_none() {
        e.add(field, "error-date-format");
    }
    d
}

/// One of a list of named values (`parse` is the enum's own).
pub fn choice<T>(
    e: &mut ValidationErrors,
    field: &str,
    s: &str,
    parse: impl Fn(&str) -> Option<T>,
    required: bool,
) -> Option<T> {
    if s.trim().is_empty() {
        if required {
            e.add(field, "error-required");
        }
        return None;
    }
    let v = parse(s.trim());
    if v.is_none() {
        e.add(field, "error-choice");
    }
    v
}

/// "yes", "no", or nothing.
pub fn yes_no(e: &mut ValidationErrors, field: &str, s: &str) -> Option<bool> {
    let parse = |s: &str| match s {
        "yes" => Some(true),
        "no" => Some(false),
        _ => None,
    };
    choice(e, field, s, parse, false)
}

/// A number; nothing typed is `None`.
pub fn number<T: FromStr>(e: &mut ValidationErrors, field: &str, s: &str) -> Option<T> {
    if s.trim().is_empty() {
        return None;
    }
    let n = s.trim().parse().ok();
    if n.is_none() {
        e.add(field, "error-number");
    }
    n
}

/// An amount of money in whole units, with thousands written as people write them
/// ("250 000", "250,000").
pub fn amount(e: &mut ValidationErrors, field: &str, s: &str) -> Option<u64> {
    number(e, field, &s.replace([',', ' ', '\u{a0}', '\u{202f}'], ""))
}

/// `domain` names a record's date `date`; each form gives it its own name.
pub fn date_named(mut e: ValidationErrors, field: &str) -> ValidationErrors {
    for f in &mut e.0 {
        if f.field == "date" {
            f.field = field.into();
        }
    }
    e
}

/// Validation errors from `domain` (through a use case) merged with those found while reading
/// the form, as one `AppError` when there are any.
pub fn validated<T>(
    mut read: ValidationErrors,
    checked: Result<T, AppError>,
) -> Result<T, AppError> {
    match checked {
        Ok(v) if read.is_empty() => Ok(v),
        Ok(_) => Err(AppError::validation(read)),
        Err(mut e) if e.kind == ErrorKind::Validation => {
            read.merge(std::mem::take(&mut e.fields));
            Err(AppError::validation(read))
        }
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readers_note_what_is_wrong_by_field() {
        let mut e = ValidationErrors::new();
        assert_eq!(date(&mut e, "a", "", false), None);
        assert_eq!(date(&mut e, "b", "", true), None);
        assert_eq!(date(&mut e, "c", "31/02/2026", true), None);
        assert_eq!(amount(&mut e, "d", "250 000"), Some(250_000));
        assert_eq!(yes_no(&mut e, "f", "maybe"), None);
        assert_eq!(number::<u16>(&mut e, "g", "70000"), None);
        let fields: Vec<_> = e.0.iter().map(|f| (f.field.as_str(), f.code)).collect();
        assert_eq!(
            fields,
            [
                ("b", "error-required"),
                ("c", "error-date-format"),
                ("f", "error-choice"),
                ("g", "error-number")
            ]
        );
    }
}
