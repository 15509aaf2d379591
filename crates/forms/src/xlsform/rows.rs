//! What one survey row must say for its type, and the rows and choices `or_other` adds.

use super::*;

/// Adds the "other" choice that `or_other` implies to each list, once.
pub(super) fn add_other_choices(choices: &mut [ChoiceList], other_lists: &[String]) {
    for list in choices.iter_mut() {
        if other_lists.contains(&list.name) && !list.choices.iter().any(|c| c.name == "other") {
            let languages: BTreeSet<String> = list
                .choices
                .iter()
                .flat_map(|c| c.label.keys().cloned())
                .collect();
            let label = languages
                .into_iter()
                .map(|l| (l, OTHER_CHOICE.to_string()))
                .collect();
            let row = list.choices.last().map_or(0, |c| c.row);
            list.choices.push(Choice {
                name: "other".into(),
                label,
                extra: BTreeMap::new(),
                row,
            });
        }
    }
}

/// What a single row must say for its type.
pub(super) fn check_row(q: &Question, cols: &Columns, problems: &mut Vec<Problem>) {
    let name = &q.name;
    if q.kind == Kind::Calculate && q.calculation.is_none() {
        problems.push(Problem::at(
            "survey",
            q.row,
            "calculation",
            format!("the calculate row '{name}' needs a calculation"),
        ));
    }
    if q.repeat_count.is_some() && q.kind != Kind::BeginRepeat {
        problems.push(Problem::at(
            "survey",
            q.row,
            &cols.header("repeat_count"),
            "only a begin_repeat row can have a repeat_count",
        ));
    }
    if q.trigger.is_some() && q.calculation.is_none() && q.kind != Kind::Calculate {
        problems.push(Problem::at(
            "survey",
            q.row,
            "trigger",
            "a trigger recomputes a calculation: fill in the calculation column",
        ));
    }
    if let Some(cell) = &q.parameters {
        let accepted = accepted_parameters(&q.kind);
        let unknown: Vec<&str> = crate::model::parse_parameters(cell)
            .into_iter()
            .map(|(k, _)| k)
            .filter(|k| !accepted.iter().any(|a| a.eq_ignore_ascii_case(k)))
            .collect();
        if !unknown.is_empty() {
            problems.push(Problem::at(
                "survey",
                q.row,
                "parameters",
                if accepted.is_empty() {
                    format!(
                        "a {} row takes no parameters ({})",
                        q.kind.type_cell(),
                        unknown.join(", ")
                    )
                } else {
                    format!(
                        "{} {} not a parameter of {}; it takes {}",
                        unknown.join(", "),
                        if unknown.len() == 1 { "is" } else { "are" },
                        q.kind.type_cell(),
                        accepted.join(", ")
                    )
                },
            ));
        }
        if q.kind == Kind::Image
            && let Some(px) = q.parameter("max-pixels")
            && px.parse::<u32>().is_err()
        {
            problems.push(Problem::at(
                "survey",
                q.row,
                "parameters",
                format!("max-pixels must be a whole number, not '{px}'"),
            ));
        }
    }
    if q.kind == Kind::Range {
        for key in ["start", "end", "step"] {
            if let Some(v) = q.parameter(key)
                && v.parse::<f64>().is_err()
            {
                problems.push(Problem::at(
                    "survey",
                    q.row,
                    "parameters",
                    format!("the range's {key} must be a number, not '{v}'"),
                ));
            }
        }
        if q.parameter("step").and_then(|s| s.parse::<f64>().ok()) == Some(0.0) {
            problems.push(Problem::at(
                "survey",
                q.row,
                "parameters",
                "the range's step cannot be 0",
            ));
        }
    }
    let needs_label = q.kind.is_answerable() && !matches!(q.kind, Kind::Acknowledge);
    if needs_label && q.label.is_empty() && !q.extra.keys().any(|k| k.starts_with("media::")) {
        // XLSForm tools accept this with a warning; a question nobody can read cannot be
        // answered well, so refuse it.
        problems.push(Problem::at(
            "survey",
            q.row,
            "label",
            format!("the question '{name}' has no label"),
        ));
    }
}

/// The parameter keys each type takes (pyxform's lists).
pub(super) fn accepted_parameters(kind: &Kind) -> &'static [&'static str] {
    match kind {
        Kind::Range => &[
            "start",
            "end",
            "step",
            "placeholder",
            "tick_interval",
            "tick_labelset",
        ],
        Kind::Image => &["max-pixels", "app"],
        Kind::Audio => &["quality"],
        Kind::Text => &["rows"],
        Kind::GeoPoint => &[
            "allow-mock-accuracy",
            "capture-accuracy",
            "warning-accuracy",
            "reference-geometry",
        ],
        Kind::GeoTrace | Kind::GeoShape => {
            &["allow-mock-accuracy", "incremental", "reference-geometry"]
        }
        Kind::SelectOne(_) | Kind::SelectMultiple(_) | Kind::Rank(_) => &["randomize", "seed"],
        Kind::SelectOneFromFile(_) | Kind::SelectMultipleFromFile(_) => {
            &["randomize", "seed", "value", "label"]
        }
        Kind::Device(t) if t == "audit" => crate::model::AUDIT_PARAMETERS,
        Kind::Device(t) if t == "background-audio" => &["quality"],
        _ => &[],
    }
}

/// The text question pyxform adds after a select with `or_other`.
pub(super) fn other_question(asked: &Question) -> Question {
    let mut other = Question::new(Kind::Text, &format!("{}_other", asked.name), asked.row);
    other.label.insert(String::new(), OTHER_PROMPT.into());
    other.relevant = Some(format!("selected(${{{}}}, 'other')", asked.name));
    other
}

/// What pyxform writes for the `or_other` expansion (untranslated, as pyxform does).
pub const OTHER_PROMPT: &str = "Specify other.";
pub const OTHER_CHOICE: &str = "Other";
