//! What an answer of each question type must look like, as field clients store it: dates as
//! `YYYY-MM-DD`, times as `HH:MM[:SS]`, points as `latitude longitude [altitude accuracy]`,
//! traces and shapes as points separated by `;`.

use crate::expr::{datetime, parse_date, parse_time, points};
use crate::model::{Kind, Question};

/// A message of the engine's own (not the form's): its id in the pages' message catalogues
/// (`form-error-…`), its English text, and the values it names. The pages say it in the
/// reader's language; the English text is for everything else (logs, the command line).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Builtin {
    pub id: &'static str,
    pub english: String,
    pub args: Vec<(&'static str, String)>,
}

impl Builtin {
    pub fn new(id: &'static str, english: &str) -> Self {
        Builtin {
            id,
            english: english.to_string(),
            args: Vec::new(),
        }
    }

    pub fn with(id: &'static str, english: String, args: Vec<(&'static str, String)>) -> Self {
        Builtin { id, english, args }
    }
}

/// Why `value` (trimmed, not empty) is not an answer of `q`'s type; `None` when it is. Choices
/// are checked against the list separately.
pub fn type_problem(q: &Question, value: &str) -> Option<Builtin> {
    let problem = |id, m: &str| Some(Builtin::new(id, m));
    match &q.kind {
        Kind::Integer if value.parse::<i64>().is_err() => {
            problem("form-error-integer", "Enter a whole number, such as 3.")
        }
        Kind::Decimal if !is_number(value) => {
            problem("form-error-decimal", "Enter a number, such as 2.5.")
        }
        Kind::Date if parse_date(value).is_none() => problem(
            "form-error-date",
            "Enter a date as year-month-day, such as 2026-03-14.",
        ),
        Kind::Time if !parse_time(value) => problem(
            "form-error-time",
            "Enter a time as hours:minutes, such as 14:30.",
        ),
        Kind::DateTime if !value.contains('T') || datetime(value).is_none() => problem(
            "form-error-datetime",
            "Enter a date and time, such as 2026-03-14T14:30.",
        ),
        Kind::GeoPoint => match points(value) {
            Some(p) if p.len() == 1 => None,
            _ => problem(
                "form-error-geopoint",
                "Enter a location as latitude and longitude in degrees, separated by a space, \
                 such as 14.6928 -17.4467.",
            ),
        },
        Kind::GeoTrace => match points(value) {
            Some(p) if p.len() >= 2 => None,
            _ => problem(
                "form-error-geotrace",
                "Enter at least two points, each as latitude and longitude, separated by ';'.",
            ),
        },
        Kind::GeoShape => match points(value) {
            Some(p) if p.len() >= 4 && p.first() == p.last() => None,
            _ => problem(
                "form-error-geoshape",
                "Enter at least three points, each as latitude and longitude, separated by ';', \
                 and end on the first point to close the shape.",
            ),
        },
        Kind::Range => range_problem(q, value),
        Kind::Acknowledge if value != "OK" => {
            problem("form-error-acknowledge", "Tick the box to confirm.")
        }
        _ => None,
    }
}

fn is_number(value: &str) -> bool {
    value.parse::<f64>().is_ok_and(f64::is_finite)
}

/// A range answer lies between start and end (either order) on a step from start.
fn range_problem(q: &Question, value: &str) -> Option<Builtin> {
    let num = |key: &str, default: f64| {
        q.parameter(key)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(default)
    };
    let (start, end, step) = (num("start", 1.0), num("end", 10.0), num("step", 1.0));
    let Ok(n) = value.parse::<f64>() else {
        return Some(Builtin::new(
            "form-error-range-number",
            "Enter a number on the scale.",
        ));
    };
    let (lo, hi) = if start <= end {
        (start, end)
    } else {
        (end, start)
    };
    let steps = (n - start) / step;
    if n < lo || n > hi || (steps - steps.round()).abs() > 1e-9 {
        let (start, end, step) = (
            crate::expr::format_number(start),
            crate::expr::format_number(end),
            crate::expr::format_number(step.abs()),
        );
        return Some(Builtin::with(
            "form-error-range",
            format!("Choose a value from {start} to {end} in steps of {step}."),
            vec![("start", start), ("end", end), ("step", step)],
        ));
    }
    None
}

/// What a file given as an answer is, told by its content (never by its name): its media type
/// and the extension its name gets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileType {
    pub media_type: String,
    pub extension: String,
}

/// Checks that `bytes` are a file the question takes: a photo for `image`, a recording for
/// `audio` or `audit` recordings, a video for `video`; for `file`, a document, spreadsheet,
/// image, recording, archive or plain text, never a program. The error is a message code
/// (`file-not-image` …) that the pages translate.
pub fn attachment_type(kind: &Kind, bytes: &[u8]) -> Result<FileType, &'static str> {
    let found = infer::get(bytes);
    let (media_type, extension) = match found {
        Some(t) => (t.mime_type().to_string(), t.extension().to_string()),
        None if is_plain_text(bytes) => ("text/plain".to_string(), "txt".to_string()),
        None => ("application/octet-stream".to_string(), "bin".to_string()),
    };
    let top = media_type.split('/').next().unwrap_or("");
    let wanted = match kind {
        Kind::Image => "image",
        Kind::Audio | Kind::Device(_) => "audio",
        Kind::Video => "video",
        Kind::File => "",
        _ => return Err("file-not-taken"),
    };
    let program = found.is_some_and(|t| t.matcher_type() == infer::MatcherType::App)
        || matches!(
            extension.as_str(),
            "exe" | "dll" | "elf" | "dex" | "class" | "wasm" | "sh"
        );
    let ok = match wanted {
        "" => !program && media_type != "application/octet-stream",
        "audio" if matches!(kind, Kind::Device(t) if t == "audit") => media_type == "text/plain",
        w => top == w,
    };
    if ok {
        Ok(FileType {
            media_type,
            extension,
        })
    } else {
        Err(match wanted {
            "image" => "file-not-image",
            "audio" => "file-not-audio",
            "video" => "file-not-video",
            _ => "file-not-accepted",
        })
    }
}

/// UTF-8 text without control characters other than tabs and line ends.
fn is_plain_text(bytes: &[u8]) -> bool {
    std::str::from_utf8(bytes).is_ok_and(|t| {
        !t.chars()
            .any(|c| c.is_control() && !matches!(c, '\t' | '\r' | '\n'))
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const PNG: &[u8] =
        b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";
    const PDF: &[u8] = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n";
    const ELF: &[u8] = &[
        0x7f, b'E', b'L', b'F', 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0x3e, 0, 1, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0,
    ];

    #[test]
    fn a_file_is_told_by_its_content_not_its_name() {
        assert_eq!(
            attachment_type(&Kind::Image, PNG).unwrap().media_type,
            "image/png"
        );
        assert_eq!(attachment_type(&Kind::Image, PNG).unwrap().extension, "png");
        assert_eq!(
            attachment_type(&Kind::Image, PDF).unwrap_err(),
            "file-not-image"
        );
        assert_eq!(
            attachment_type(&Kind::File, PDF).unwrap().media_type,
            "application/pdf"
        );
        assert!(
            attachment_type(&Kind::File, ELF).is_err(),
            "a program is refused"
        );
        assert!(attachment_type(&Kind::Audio, PNG).is_err());
        assert_eq!(
            attachment_type(&Kind::File, b"plain notes")
                .unwrap()
                .extension,
            "txt"
        );
        assert!(attachment_type(&Kind::Text, PNG).is_err());
    }
}
