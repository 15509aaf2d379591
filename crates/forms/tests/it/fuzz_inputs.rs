//! The fuzz targets' seeds and every input a fuzzing run once broke on (`fuzz/regressions`),
//! replayed through the same code as `fuzz/fuzz_targets/` on the stable toolchain: what a
//! fuzzer found stays fixed.

use std::path::{Path, PathBuf};

use forms::expr::{Env, Evaluate, Value};

fn inputs(target: &str) -> Vec<PathBuf> {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz");
    let mut found = Vec::new();
    for dir in ["seeds", "regressions"] {
        let Ok(entries) = std::fs::read_dir(fuzz.join(dir).join(target)) else {
            continue;
        };
        for e in entries.flatten() {
            if e.file_name() != ".keep" {
                found.push(e.path());
            }
        }
    }
    found.sort();
    found
}

struct Same(String);

impl Env for Same {
    fn lookup(&self, _name: &str) -> Value {
        Value::Str(self.0.clone())
    }
    fn current(&self) -> Value {
        Value::Str(self.0.clone())
    }
    fn today(&self) -> time::Date {
        time::macros::date!(2026 - 12 - 06)
    }
}

#[test]
fn workbooks_found_by_fuzzing_are_read_without_a_panic() {
    let files = inputs("xlsx_reader");
    assert!(files.len() >= 10, "the seeds are in fuzz/seeds/xlsx_reader");
    for f in files {
        let data = std::fs::read(&f).unwrap();
        let read = forms::import_xlsx(&data, "fuzz.xlsx");
        if f.to_string_lossy().contains("/regressions/") {
            assert!(read.is_err(), "{}: a damaged file is refused", f.display());
        }
        if let Ok(form) = read {
            let _ = forms::Compiled::new(form);
        }
    }
}

#[test]
fn csv_forms_found_by_fuzzing_are_read_and_filled_without_a_panic() {
    let files = inputs("xlsform_text");
    assert!(!files.is_empty());
    let mut compiled = 0;
    for f in files {
        let data = std::fs::read(&f).unwrap();
        let Ok(text) = std::str::from_utf8(&data) else {
            continue;
        };
        let mut parts = text.splitn(3, '\0');
        let sheets = [
            ("survey", parts.next().unwrap_or_default()),
            ("choices", parts.next().unwrap_or_default()),
            ("settings", parts.next().unwrap_or_default()),
        ];
        let Ok(book) = forms::text::read(&sheets) else {
            continue;
        };
        if let Ok(form) = forms::xlsform::read(&book, "fuzz")
            && let Ok(c) = forms::Compiled::new(form)
        {
            let _ = c.fill(&Default::default(), time::macros::date!(2026 - 12 - 06));
            compiled += 1;
        }
    }
    assert!(compiled >= 3, "the seeds are whole, valid forms");
}

#[test]
fn expressions_found_by_fuzzing_are_parsed_and_evaluated_without_a_panic() {
    let files = inputs("expression");
    assert!(files.len() >= 20);
    for f in files {
        let data = std::fs::read(&f).unwrap();
        let Ok(text) = std::str::from_utf8(&data) else {
            continue;
        };
        let (source, value) = text.split_once('\0').unwrap_or((text, "12"));
        if let Ok(e) = forms::expr::parse(source) {
            let _ = e.eval(&Same(value.to_string()));
        }
    }
}

#[test]
fn instances_found_by_fuzzing_are_read_and_checked_without_a_panic() {
    let files = inputs("instance");
    assert!(files.len() >= 3, "the seeds are in fuzz/seeds/instance");
    let (_, form) = forms::shipped::all()
        .into_iter()
        .find(|(id, _)| *id == "w_model")
        .unwrap();
    let w_model = forms::Compiled::new(form.unwrap()).unwrap();
    let today = time::macros::date!(2026 - 12 - 06);
    let mut read = 0;
    for f in files {
        let data = std::fs::read(&f).unwrap();
        let _ = forms::xform::instance::header(&data);
        let _ = forms::xform::sealed::manifest(&data);
        if let Ok(instance) = forms::xform::instance::read(&w_model, &data) {
            let filled = w_model.fill(&instance.answers, today);
            let _ = w_model.validate(&filled, today, "English (en)");
            read += 1;
        }
    }
    assert!(read >= 2, "the seeds include instances that read");
}
