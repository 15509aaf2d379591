//! What each question type, setting and extra column becomes in the XForm: bind types,
//! preloads, body controls, external instances and pass-through attributes.

use std::fmt::Write as _;

use super::esc;
use crate::compiled::Item;
use crate::model::*;

/// Where and how a client sends its submissions, when the settings say: the address, the
/// public key that encrypts them, and the automatic send and delete switches.
pub(super) fn submission(settings: &Settings, x: &mut String) {
    let get = |key: &str| {
        settings
            .extra
            .iter()
            .find(|(k, v)| k.eq_ignore_ascii_case(key) && !v.trim().is_empty())
            .map(|(_, v)| v.trim().to_string())
    };
    let mut attrs: Vec<(&str, String)> = Vec::new();
    if let Some(url) = get("submission_url") {
        attrs.push(("action", url));
        attrs.push(("method", "post".into()));
    }
    if let Some(key) = get("public_key") {
        attrs.push(("base64RsaPublicKey", key));
    }
    if let Some(v) = get("auto_send") {
        attrs.push(("orx:auto-send", v));
    }
    if let Some(v) = get("auto_delete") {
        attrs.push(("orx:auto-delete", v));
    }
    if get("client_editable").is_some_and(|v| crate::xlsform::yes(&v) == Some(true)) {
        attrs.push(("odk:client-editable", "true".into()));
    }
    if attrs.is_empty() {
        return;
    }
    x.push_str("<submission");
    for (k, v) in attrs {
        let _ = write!(x, " {k}=\"{}\"", esc(&v));
    }
    x.push_str("/>");
}

/// Columns passed through as XML attributes (`bind::odk:length`, `body::accept`), and the
/// few pyxform places without a prefix.
pub(super) fn prefixed(
    extra: &std::collections::BTreeMap<String, String>,
    prefix: &str,
) -> Vec<(String, String)> {
    let named: &[(&str, &str)] = match prefix {
        "bind::" => &[
            ("noapperrorstring", "jr:noAppErrorString"),
            ("no_app_error_string", "jr:noAppErrorString"),
        ],
        "body::" => &[("autoplay", "autoplay"), ("rows", "rows")],
        _ => &[],
    };
    let plain = extra.iter().filter_map(|(k, v)| {
        named
            .iter()
            .find(|(column, _)| k.eq_ignore_ascii_case(column))
            .map(|(_, attr)| (attr.to_string(), v.clone()))
    });
    extra
        .iter()
        .filter_map(|(k, v)| {
            let rest = k
                .get(prefix.len()..)
                .filter(|_| k[..prefix.len()].eq_ignore_ascii_case(prefix))?;
            valid_attribute(rest).then(|| (rest.to_string(), v.clone()))
        })
        .chain(plain)
        .collect()
}

/// An XML attribute name with at most one namespace prefix.
pub(super) fn valid_attribute(name: &str) -> bool {
    let mut parts = name.split(':');
    let ok = |p: &str| crate::xlsform::valid_name(p);
    match (parts.next(), parts.next(), parts.next()) {
        (Some(a), None, _) => ok(a),
        (Some(a), Some(b), None) => ok(a) && ok(b),
        _ => false,
    }
}

pub(super) fn fields_in(items: &[Item]) -> Vec<usize> {
    let mut out = Vec::new();
    for item in items {
        match item {
            Item::Field(i) => out.push(*i),
            Item::Group(_, ch) => out.extend(fields_in(ch)),
            Item::Repeat(..) => {}
        }
    }
    out
}

/// A default that must be computed (`today()`, `${other}`), set by an event, not written in
/// the instance.
pub(super) fn is_dynamic_default(d: &str) -> bool {
    d.contains("${") || (d.contains('(') && d.trim_end().ends_with(')'))
}

pub(super) fn file_instance(file: &str) -> (String, String) {
    let id = file
        .rsplit_once('.')
        .map_or(file, |(stem, _)| stem)
        .to_string();
    let src = if file.to_ascii_lowercase().ends_with(".csv") {
        format!("jr://file-csv/{file}")
    } else {
        format!("jr://file/{file}")
    };
    (id, src)
}

pub(super) fn bind_type(q: &Question) -> Option<&'static str> {
    Some(match &q.kind {
        Kind::Integer => "int",
        Kind::Decimal => "decimal",
        Kind::Date | Kind::Today => "date",
        Kind::Time => "time",
        Kind::DateTime | Kind::Start | Kind::End => "dateTime",
        Kind::GeoPoint => "geopoint",
        Kind::GeoTrace => "geotrace",
        Kind::GeoShape => "geoshape",
        Kind::Barcode => "barcode",
        Kind::Range => {
            let decimal = ["start", "end", "step"]
                .iter()
                .filter_map(|k| q.parameter(k))
                .any(|v| v.contains('.'));
            if decimal { "decimal" } else { "int" }
        }
        Kind::Rank(_) => "odk:rank",
        Kind::Image | Kind::Audio | Kind::Video | Kind::File => "binary",
        Kind::Device(t) if t == "start-geopoint" => "geopoint",
        Kind::Device(t) if t == "background-audio" || t == "audit" => "binary",
        Kind::BeginGroup | Kind::BeginRepeat | Kind::EndGroup | Kind::EndRepeat => return None,
        _ => "string",
    })
}

pub(super) fn preload(kind: &Kind) -> Option<(&'static str, String)> {
    match kind {
        Kind::Start => Some(("timestamp", "start".into())),
        Kind::End => Some(("timestamp", "end".into())),
        Kind::Today => Some(("date", "today".into())),
        Kind::Device(t)
            if !matches!(t.as_str(), "audit" | "start-geopoint" | "background-audio") =>
        {
            Some(("property", t.clone()))
        }
        _ => None,
    }
}

/// The body element of a question, with its extra attributes; `None` for rows without a
/// control (calculations, hidden values, metadata).
pub(super) fn control_tag(q: &Question) -> Option<(&'static str, Vec<(String, String)>)> {
    let media = |m: &str| vec![("mediatype".to_string(), m.to_string())];
    Some(match &q.kind {
        Kind::SelectOne(_) | Kind::SelectOneFromFile(_) => ("select1", vec![]),
        Kind::SelectMultiple(_) | Kind::SelectMultipleFromFile(_) => ("select", vec![]),
        Kind::Rank(_) => ("odk:rank", vec![]),
        Kind::Acknowledge => ("trigger", vec![]),
        Kind::Image => ("upload", media("image/*")),
        Kind::Audio => ("upload", media("audio/*")),
        Kind::Video => ("upload", media("video/*")),
        Kind::File => ("upload", media("application/*")),
        Kind::Range => ("range", vec![]),
        Kind::Text
        | Kind::Integer
        | Kind::Decimal
        | Kind::Date
        | Kind::Time
        | Kind::DateTime
        | Kind::GeoPoint
        | Kind::GeoTrace
        | Kind::GeoShape
        | Kind::Barcode
        | Kind::Note => ("input", vec![]),
        Kind::Calculate if !q.label.is_empty() => ("input", vec![]),
        _ => return None,
    })
}
