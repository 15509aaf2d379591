//! What an answer of each question type must look like, as field clients store it: dates as
//! `YYYY-MM-DD`, times as `HH:MM[:SS]`, points as `latitude longitude [altitude accuracy]`,
//! traces and shapes as points separated by `;`.

use crate::expr::{datetime, parse_date, parse_time, points};
use crate::model::{Kind, Question};

/// Why `value` (trimmed, not empty) is not an answer of `q`'s type; `None` when it is. Choices
/// are checked against the list separately.
pub fn type_problem(q: &Question, value: &str) -> Option<String> {
    let problem = |m: &str| Some(m.to_string());
    match &q.kind {
        Kind::Integer if value.parse::<i64>().is_err() => {
            problem("Enter a whole number, such as 3.")
        }
        Kind::Decimal if !is_number(value) => problem("Enter a number, such as 2.5."),
        Kind::Date if parse_date(value).is_none() => {
            problem("Enter a date as year-month-day, such as 2026-03-14.")
        }
        Kind::Time if !parse_time(value) => {
            problem("Enter a time as hours:minutes, such as 14:30.")
        }
        Kind::DateTime if !value.contains('T') || datetime(value).is_none() => {
            problem("Enter a date and time, such as 2026-03-14T14:30.")
        }
        Kind::GeoPoint => match points(value) {
            Some(p) if p.len() == 1 => None,
            _ => problem(
                "Enter a location as latitude and longitude in degrees, separated by a space, \
                 such as 14.6928 -17.4467.",
            ),
        },
        Kind::GeoTrace => match points(value) {
            Some(p) if p.len() >= 2 => None,
            _ => problem(
                "Enter at least two points, each as latitude and longitude, separated by ';'.",
            ),
        },
        Kind::GeoShape => match points(value) {
            Some(p) if p.len() >= 4 && p.first() == p.last() => None,
            _ => problem(
                "Enter at least three points, each as latitude and longitude, separated by ';', \
                 and end on the first point to close the shape.",
            ),
        },
        Kind::Range => range_problem(q, value),
        Kind::Acknowledge if value != "OK" => problem("Tick the box to confirm."),
        _ => None,
    }
}

fn is_number(value: &str) -> bool {
    value.parse::<f64>().is_ok_and(f64::is_finite)
}

/// A range answer lies between start and end (either order) on a step from start.
fn range_problem(q: &Question, value: &str) -> Option<String> {
    let num = |key: &str, default: f64| {
        q.parameter(key)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(default)
    };
    let (start, end, step) = (num("start", 1.0), num("end", 10.0), num("step", 1.0));
    let Ok(n) = value.parse::<f64>() else {
        return Some("Enter a number on the scale.".into());
    };
    let (lo, hi) = if start <= end {
        (start, end)
    } else {
        (end, start)
    };
    let steps = (n - start) / step;
    if n < lo || n > hi || (steps - steps.round()).abs() > 1e-9 {
        return Some(format!(
            "Choose a value from {} to {} in steps of {}.",
            crate::expr::format_number(start),
            crate::expr::format_number(end),
            crate::expr::format_number(step.abs())
        ));
    }
    None
}
