//! Answers read back from a table of submissions, as KoboToolbox and ODK Central export them:
//! one row per submission, one column per question, repeat groups on sheets of their own linked
//! to their parent row.
//!
//! Headers name a question by its name, by its path of groups (`group/question` in
//! KoboToolbox, `group-question` in ODK Central) or by its label in any of the form's
//! languages (a "labels" export). Values are choice names or labels; dates may carry a time.
//! The metadata columns those tools add are recognised: the instance id above all, which is
//! how a submission imported twice is known.

use std::collections::HashMap;

use crate::compiled::Compiled;
use crate::engine::{Answer, Answers};
use crate::model::{Kind, Question};

/// What a column of an exported table holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Column {
    /// The answer to a question (its row in the form).
    Answer(usize),
    /// The submission's instance id (`meta/instanceID`, ODK Central's `KEY`), `uuid:…`.
    InstanceId,
    /// KoboToolbox's `_uuid`: the instance id without its `uuid:` prefix.
    Uuid,
    /// The row's number in its sheet, which repeat rows point to (`_index`).
    Index,
    /// The row of the parent sheet a repeat item belongs to (`_parent_index`, `PARENT_KEY`).
    ParentIndex,
    /// What the exporting tool adds about the submission (`_id`, `_submission_time`, …) or
    /// one yes/no column per choice of a multiple choice question: nothing to import.
    Metadata,
    /// Names nothing of the form.
    Unknown,
}

/// Columns the exporting tools add that hold no answer.
const METADATA: &[&str] = &[
    "_id",
    "_submission_time",
    "_validation_status",
    "_notes",
    "_status",
    "_submitted_by",
    "__version__",
    "_version_",
    "_tags",
    "_xform_id_string",
    "_attachments",
    "_geolocation",
    "_parent_table_name",
    "_submission__id",
    "_submission__uuid",
    "_submission__submission_time",
    "_submission__validation_status",
    "_submission__notes",
    "_submission__status",
    "_submission__submitted_by",
    "_submission___version__",
    "_submission__tags",
    "formhub/uuid",
    "submissiondate",
    "submitterid",
    "submittername",
    "attachmentspresent",
    "attachmentsexpected",
    "status",
    "reviewstate",
    "deviceid",
    "edits",
    "formversion",
    // Metadata rows a form may not have, as KoboToolbox names their columns.
    "start",
    "end",
    "today",
    "username",
    "simserial",
    "subscriberid",
    "phonenumber",
    "audit",
];

/// Reads a sheet's headers against the form. `repeat` is the `begin_repeat` row the sheet
/// holds the items of (`None`: the main sheet): only questions directly in it are its answers.
pub fn columns(c: &Compiled, headers: &[String], repeat: Option<usize>) -> Vec<Column> {
    let labels = label_index(c);
    headers
        .iter()
        .map(|h| column(c, h.trim(), repeat, &labels))
        .collect()
}

fn column(
    c: &Compiled,
    header: &str,
    repeat: Option<usize>,
    labels: &HashMap<String, usize>,
) -> Column {
    let lower = header.to_ascii_lowercase();
    let last = lower.rsplit(['/', '-']).next().unwrap_or(&lower);
    match (lower.as_str(), last) {
        (_, "instanceid") | ("key", _) => return Column::InstanceId,
        ("_uuid" | "_submission__uuid", _) => return Column::Uuid,
        ("_index", _) => return Column::Index,
        ("_parent_index" | "parent_key", _) => return Column::ParentIndex,
        _ => {}
    }
    let in_sheet = |i: usize| c.nodes[i].repeats.last().copied() == repeat;
    let holds = |i: usize| c.question(i).kind.holds_value() && in_sheet(i);
    // The name, the last step of a group path, or the path as answer keys write it.
    let found = c
        .named(header)
        .or_else(|| c.index(header))
        .or_else(|| header.rsplit('/').next().and_then(|n| c.named(n)))
        .or_else(|| c.index(&header.replace('/', ":")))
        .or_else(|| {
            // ODK Central joins groups with '-', which names may also hold: the longest tail
            // that names a question.
            header
                .match_indices('-')
                .find_map(|(at, _)| c.named(&header[at + 1..]))
        })
        .or_else(|| labels.get(&fold(header)).copied());
    if let Some(i) = found.filter(|i| holds(*i)) {
        return Column::Answer(i);
    }
    if METADATA.contains(&lower.as_str())
        || lower.starts_with("meta/")
        || lower.starts_with("meta-")
        || lower.starts_with("_submission_")
        || is_choice_column(c, header)
        || found.is_some()
    {
        return Column::Metadata;
    }
    Column::Unknown
}

/// KoboToolbox adds a yes/no column per choice of a multiple choice question
/// (`question/choice`).
fn is_choice_column(c: &Compiled, header: &str) -> bool {
    let Some((path, _choice)) = header.rsplit_once('/') else {
        return false;
    };
    let name = path.rsplit('/').next().unwrap_or(path);
    c.named(name).is_some_and(|i| {
        matches!(
            c.question(i).kind,
            Kind::SelectMultiple(_) | Kind::SelectMultipleFromFile(_)
        )
    })
}

/// Questions by their label in every language, folded; labels two questions share name
/// neither.
fn label_index(c: &Compiled) -> HashMap<String, usize> {
    let mut seen: HashMap<String, Option<usize>> = HashMap::new();
    for (i, q) in c.form.questions.iter().enumerate() {
        if !q.kind.holds_value() {
            continue;
        }
        for label in q.label.values().map(|l| fold(l)).filter(|l| !l.is_empty()) {
            seen.entry(label)
                .and_modify(|e| {
                    if *e != Some(i) {
                        *e = None
                    }
                })
                .or_insert(Some(i));
        }
    }
    seen.into_iter()
        .filter_map(|(k, v)| v.map(|i| (k, i)))
        .collect()
}

/// Lower case, single spaces, no surrounding space.
fn fold(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// The answers of one row: each answer column's value as the form keeps it (blank cells
/// left unanswered).
pub fn answers(c: &Compiled, columns: &[Column], cells: &[String]) -> Answers {
    let mut out = Answers::default();
    for (column, cell) in columns.iter().zip(cells) {
        let Column::Answer(i) = column else { continue };
        let value = cell.trim();
        if value.is_empty() {
            continue;
        }
        out.0.insert(
            c.key(*i).to_string(),
            Answer::Text(value_for(c, c.question(*i), value)),
        );
    }
    out
}

/// The repeat items of one row: `items` are the rows of the repeat's sheet that belong to it,
/// read with `columns`. Puts them under the repeat's key.
pub fn add_repeat(c: &Compiled, answers: &mut Answers, repeat: usize, items: Vec<Answers>) {
    if !items.is_empty() {
        answers
            .0
            .insert(c.key(repeat).to_string(), Answer::Repeat(items));
    }
}

/// The `begin_repeat` row a sheet named `sheet` holds the items of: the repeat's name
/// (KoboToolbox cuts sheet names to 31 characters).
pub fn repeat_of_sheet(c: &Compiled, sheet: &str) -> Option<usize> {
    let sheet = sheet.trim();
    c.form.questions.iter().position(|q| {
        q.kind == Kind::BeginRepeat
            && (q.name == sheet || (sheet.chars().count() >= 31 && q.name.starts_with(sheet)))
    })
}

/// A value as the form keeps it: choice names for choice labels, a date without the time an
/// export may add.
fn value_for(c: &Compiled, q: &Question, value: &str) -> String {
    match &q.kind {
        Kind::SelectOne(list) => choice_name(c, list, value).unwrap_or(value).to_string(),
        Kind::SelectMultiple(list) | Kind::Rank(list) => {
            if let Some(name) = choice_name(c, list, value) {
                return name.to_string();
            }
            value
                .split_whitespace()
                .map(|v| choice_name(c, list, v).unwrap_or(v))
                .collect::<Vec<_>>()
                .join(" ")
        }
        Kind::Date => match value.split_once(['T', ' ']) {
            Some((day, _)) if day.len() == 10 => day.to_string(),
            _ => value.to_string(),
        },
        _ => value.to_string(),
    }
}

/// The name of the choice of `list` that `value` names, by name or by label.
fn choice_name<'a>(c: &'a Compiled, list: &str, value: &str) -> Option<&'a str> {
    let choices = &c.form.list(list)?.choices;
    if let Some(found) = choices.iter().find(|ch| ch.name == value) {
        return Some(&found.name);
    }
    let folded = fold(value);
    choices
        .iter()
        .find(|ch| ch.label.values().any(|l| fold(l) == folded))
        .map(|ch| ch.name.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xlsform;
    use crate::xlsform::{Sheet, Workbook};

    fn sheet(name: &str, rows: &[&[&str]]) -> Sheet {
        Sheet {
            name: name.into(),
            rows: rows
                .iter()
                .map(|r| r.iter().map(|c| c.to_string()).collect())
                .collect(),
        }
    }

    fn form() -> Compiled {
        let book = Workbook {
            sheets: vec![
                sheet(
                    "survey",
                    &[
                        &[
                            "type",
                            "name",
                            "label::English (en)",
                            "label::Français (fr)",
                        ],
                        &["today", "today", "", ""],
                        &["begin_group", "work", "Work", "Travail"],
                        &[
                            "select_one yn",
                            "has_job",
                            "Do you have a job?",
                            "Avez-vous un emploi ?",
                        ],
                        &[
                            "select_multiple src",
                            "income",
                            "Income sources",
                            "Sources de revenus",
                        ],
                        &["end_group", "", "", ""],
                        &["date", "visit", "Visit day", "Jour de visite"],
                        &["begin_repeat", "members", "Members", "Membres"],
                        &["integer", "age", "Age", "Âge"],
                        &["end_repeat", "", "", ""],
                    ],
                ),
                sheet(
                    "choices",
                    &[
                        &[
                            "list_name",
                            "name",
                            "label::English (en)",
                            "label::Français (fr)",
                        ],
                        &["yn", "yes", "Yes", "Oui"],
                        &["yn", "no", "No", "Non"],
                        &["src", "job", "A job", "Un emploi"],
                        &["src", "family", "Family", "Famille"],
                    ],
                ),
            ],
        };
        let form = xlsform::read(&book, "t").expect("form");
        Compiled::new(form).expect("compiles")
    }

    fn headers(h: &[&str]) -> Vec<String> {
        h.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn kobo_headers_name_questions_metadata_and_choice_columns() {
        let c = form();
        let cols = columns(
            &c,
            &headers(&[
                "today",
                "work/has_job",
                "work/income",
                "work/income/job",
                "visit",
                "meta/instanceID",
                "_uuid",
                "_id",
                "_submission_time",
                "_index",
                "colour",
                "age",
            ]),
            None,
        );
        let at = |n: &str| Column::Answer(c.named(n).expect(n));
        assert_eq!(
            cols,
            vec![
                at("today"),
                at("has_job"),
                at("income"),
                Column::Metadata,
                at("visit"),
                Column::InstanceId,
                Column::Uuid,
                Column::Metadata,
                Column::Metadata,
                Column::Index,
                Column::Unknown,
                // A question of the repeat, on the main sheet: not an answer there.
                Column::Metadata,
            ]
        );
        let repeat = repeat_of_sheet(&c, "members");
        assert_eq!(repeat, c.named("members"));
        assert_eq!(
            columns(&c, &headers(&["age", "_parent_index"]), repeat),
            vec![at("age"), Column::ParentIndex]
        );
    }

    #[test]
    fn odk_central_and_label_headers_and_label_values_read_as_names() {
        let c = form();
        let cols = columns(
            &c,
            &headers(&[
                "SubmissionDate",
                "work-has_job",
                "Sources de revenus",
                "KEY",
            ]),
            None,
        );
        assert_eq!(cols[0], Column::Metadata);
        assert_eq!(cols[1], Column::Answer(c.named("has_job").expect("q")));
        assert_eq!(cols[2], Column::Answer(c.named("income").expect("q")));
        assert_eq!(cols[3], Column::InstanceId);
        let row = answers(
            &c,
            &cols,
            &headers(&["2026-01-02T10:00:00Z", "Oui", "job Famille", "uuid:1"]),
        );
        assert_eq!(row.text("has_job"), "yes");
        assert_eq!(row.text("income"), "job family");
        let dated = answers(
            &c,
            &columns(&c, &headers(&["visit"]), None),
            &headers(&["2026-03-04T00:00:00"]),
        );
        assert_eq!(dated.text("visit"), "2026-03-04");
    }
}
