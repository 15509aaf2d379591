//! Runs the XLSForms of pyxform's own test suite (../shared/conformance) through Reintegra's
//! importer. Reintegra accepts what the reference converter accepts when it supports every
//! type and feature used; otherwise it refuses with a problem that names the row and what is
//! not supported. It never panics on any of them.

use std::path::Path;

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/conformance");

/// What Reintegra does with each file, and why where it differs from the reference.
fn expected(file: &str) -> Result<(), &'static str> {
    match file {
        // Features Reintegra does not take (docs/forms.md says why).
        "case_insensitivity.xlsx" => Err("'osm' is not supported"),
        "loop.xlsx" => Err("loops are not supported"),
        // The reference refuses these; so does Reintegra.
        "include.xlsx" | "include_json.xlsx" => Err("'include' is not supported"),
        "duplicate_columns.xlsx" => Err("appears twice"),
        // pyxform passes expressions through unread; Reintegra reads them at import. A
        // calculation in plain English, and a choice filter comparing with a bare word (an
        // XPath path to no node, so the filter is always false), are refused here.
        "bad_calc.xlsx" => Err("is never closed"),
        "or_other.xlsx" => Err("has no column 'yes'"),
        _ => Ok(()),
    }
}

#[test]
fn pyxform_examples_are_accepted_or_refused_with_a_located_reason() {
    let table = std::fs::read_to_string(Path::new(ROOT).join("expected.tsv")).unwrap();
    let mut checked = 0;
    let mut failures = Vec::new();
    for line in table.lines().skip(1) {
        let mut cols = line.split('\t');
        let (Some(file), Some(reference)) = (cols.next(), cols.next()) else {
            continue;
        };
        let bytes = std::fs::read(Path::new(ROOT).join("pyxform-examples").join(file)).unwrap();
        let outcome = std::panic::catch_unwind(|| forms::import_xlsx(&bytes, file))
            .unwrap_or_else(|_| panic!("{file}: the importer panicked"));
        checked += 1;
        match (expected(file), outcome) {
            (Ok(()), Ok(form)) => {
                assert_eq!(reference, "accepts", "{file}");
                // What is accepted also survives the XLSForm round trip.
                let mut a = form.clone();
                let mut b = forms::import_xlsx(&forms::export_xlsx(&form).unwrap(), file).unwrap();
                forms::xlsform::renumber(&mut a);
                forms::xlsform::renumber(&mut b);
                if a != b {
                    failures.push(format!("{file}: round trip changed the form"));
                }
            }
            (Ok(()), Err(problems)) => failures.push(format!(
                "{file}: expected to be accepted, refused: {}",
                problems
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; ")
            )),
            (Err(why), Ok(_)) => {
                failures.push(format!("{file}: accepted, expected refusal ({why})"))
            }
            (Err(why), Err(problems)) => {
                let located = problems
                    .iter()
                    .any(|p| p.row.is_some() && p.to_string().contains(why));
                if !located {
                    failures.push(format!(
                        "{file}: no problem with a row mentions {why:?}: {}",
                        problems
                            .iter()
                            .map(ToString::to_string)
                            .collect::<Vec<_>>()
                            .join("; ")
                    ));
                }
            }
        }
    }
    assert!(checked >= 24, "only {checked} files checked");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
