//! The instruments shipped with Reintegra: the handbook's assessments, kept in `instruments/` as
//! CSV sheets (reviewable, one line per question) and compiled into the binary, so that a fresh
//! installation has them without any file beside it.

use crate::model::{Form, Problem};
use crate::{text, xlsform};

macro_rules! instrument {
    ($id:literal) => {
        (
            $id,
            [
                (
                    "survey",
                    include_str!(concat!("../../../instruments/", $id, "/survey.csv")),
                ),
                (
                    "choices",
                    include_str!(concat!("../../../instruments/", $id, "/choices.csv")),
                ),
                (
                    "settings",
                    include_str!(concat!("../../../instruments/", $id, "/settings.csv")),
                ),
            ],
        )
    };
}

const SHIPPED: &[(&str, [(&str, &str); 3])] = &[
    instrument!("rapid_vulnerability_screening"),
    instrument!("returnee_background"),
    instrument!("family_assessment"),
    instrument!("skills_assessment"),
    instrument!("counselling_session"),
    instrument!("w_model"),
    instrument!("rss"),
    instrument!("community_profile"),
    instrument!("community_assessment"),
    instrument!("community_needs"),
    instrument!("community_satisfaction"),
];

/// Every shipped instrument, read and checked. A problem here is a defect of Reintegra itself
/// (a test keeps it from shipping).
pub fn all() -> Vec<(&'static str, Result<Form, Vec<Problem>>)> {
    SHIPPED
        .iter()
        .map(|(id, files)| {
            let form = text::read(files)
                .map_err(|e| vec![Problem::workbook(e)])
                .and_then(|book| xlsform::read(&book, id));
            (*id, form)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;
    use crate::model::Text;

    #[test]
    fn every_shipped_instrument_is_valid_and_survives_the_xlsform_round_trip() {
        let all = all();
        assert_eq!(all.len(), 11);
        for (id, form) in all {
            let mut form = form.unwrap_or_else(|p| {
                panic!(
                    "{id}: {}",
                    p.iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join("\n")
                )
            });
            assert_eq!(form.settings.form_id, id);
            assert!(form.question_count() >= 5, "{id}");
            let bytes = crate::export_xlsx(&form).unwrap();
            let mut again = crate::import_xlsx(&bytes, "x.xlsx").unwrap();
            xlsform::renumber(&mut form);
            xlsform::renumber(&mut again);
            assert_eq!(form, again, "{id}: XLSForm round trip");
            // And through the CSV text form.
            let csv = text::write(&xlsform::write(&form)).unwrap();
            let files: Vec<(&str, &str)> =
                csv.iter().map(|(n, t)| (n.as_str(), t.as_str())).collect();
            let mut back = xlsform::read(&text::read(&files).unwrap(), id).unwrap();
            xlsform::renumber(&mut back);
            assert_eq!(form, back, "{id}: CSV round trip");
        }
    }

    /// Every text of every shipped instrument reads in French and Arabic too: labels, hints,
    /// messages and answers, with the question references of the English kept.
    #[test]
    fn every_shipped_instrument_speaks_french_and_arabic() {
        const LANGS: [&str; 3] = ["English (en)", "Français (fr)", "العربية (ar)"];
        fn refs(t: &str) -> Vec<&str> {
            let mut r: Vec<&str> = t
                .match_indices("${")
                .map(|(i, _)| {
                    let rest = &t[i..];
                    &rest[..rest.find('}').map_or(rest.len(), |e| e + 1)]
                })
                .collect();
            r.sort();
            r
        }
        let mut gaps = Vec::new();
        for (id, form) in all() {
            let form = form.unwrap();
            assert_eq!(form.languages(), LANGS, "{id}");
            let mut check = |what: String, text: &Text| {
                let Some(english) = text.get(LANGS[0]).filter(|e| !e.trim().is_empty()) else {
                    return;
                };
                for lang in &LANGS[1..] {
                    match text.get(*lang) {
                        Some(t) if !t.trim().is_empty() && refs(t) == refs(english) => {}
                        _ => gaps.push(format!("{id}: {what} in {lang}")),
                    }
                }
            };
            for q in &form.questions {
                check(format!("{} label", q.name), &q.label);
                check(format!("{} hint", q.name), &q.hint);
                check(format!("{} message", q.name), &q.constraint_message);
                check(format!("{} required message", q.name), &q.required_message);
            }
            for list in &form.choices {
                for c in &list.choices {
                    check(format!("{}/{}", list.name, c.name), &c.label);
                }
            }
        }
        assert!(gaps.is_empty(), "untranslated:\n{}", gaps.join("\n"));
    }
}
