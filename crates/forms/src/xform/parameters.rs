//! The `parameters` column as XForm attributes, type by type (pyxform's mapping).

use crate::model::{Kind, Question};

/// Attributes a row's parameters put on its bind and on its body control.
#[derive(Default)]
pub(super) struct Attributes {
    pub bind: Vec<(String, String)>,
    pub control: Vec<(String, String)>,
}

pub(super) fn attributes(q: &Question) -> Attributes {
    let mut out = Attributes::default();
    let p = |key: &str| q.parameter(key).map(str::to_string);
    let mut bind = |attr: &str, key: &str| {
        if let Some(v) = p(key) {
            out.bind.push((attr.to_string(), v));
        }
    };
    match &q.kind {
        Kind::Device(t) if t == "audit" => {
            for key in crate::model::AUDIT_PARAMETERS {
                bind(&format!("odk:{key}"), key);
            }
        }
        Kind::Image => bind("orx:max-pixels", "max-pixels"),
        Kind::Audio => bind("odk:quality", "quality"),
        Kind::GeoPoint | Kind::GeoTrace | Kind::GeoShape => {
            bind("odk:allow-mock-accuracy", "allow-mock-accuracy");
        }
        _ => {}
    }
    match &q.kind {
        Kind::GeoPoint => {
            for (attr, key) in [
                ("accuracyThreshold", "capture-accuracy"),
                ("unacceptableAccuracyThreshold", "warning-accuracy"),
            ] {
                if let Some(v) = p(key) {
                    out.control.push((attr.into(), v));
                }
            }
        }
        Kind::GeoTrace | Kind::GeoShape if p("incremental").is_some() => {
            out.control.push(("incremental".into(), "true".into()));
        }
        Kind::Text => {
            if let Some(v) = p("rows") {
                out.control.push(("rows".into(), v));
            }
        }
        Kind::Range => {
            for (key, default) in [("start", "1"), ("end", "10"), ("step", "1")] {
                out.control
                    .push((key.into(), p(key).unwrap_or_else(|| default.to_string())));
            }
            for (key, value) in
                crate::model::parse_parameters(q.parameters.as_deref().unwrap_or(""))
            {
                let known = ["start", "end", "step", "tick_labelset"];
                if !known.iter().any(|k| k.eq_ignore_ascii_case(key)) {
                    out.control.push((key.to_string(), value.to_string()));
                }
            }
        }
        _ => {}
    }
    out
}

/// `randomize(…)` around a select's choices when its parameters ask for it.
pub(super) fn randomized(q: &Question, nodeset: String, seed: Option<String>) -> String {
    if q.parameter("randomize") != Some("true") {
        return nodeset;
    }
    match seed {
        Some(seed) => format!("randomize({nodeset}, {seed})"),
        None => format!("randomize({nodeset})"),
    }
}
