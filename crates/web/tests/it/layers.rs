//! The layers stay apart: HTTP code reaches the store only through the use cases, and the API
//! and the use cases never borrow from the pages.

use std::path::{Path, PathBuf};

fn sources(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// A file's statements as written, with method chains split over lines (`state\n.store\n.x()`)
/// joined back into one line.
fn logical_lines(text: &str) -> Vec<(usize, String)> {
    let mut out: Vec<(usize, String)> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let t = line.trim();
        match out.last_mut() {
            Some((_, prev)) if t.starts_with('.') => prev.push_str(t),
            _ => out.push((i + 1, t.to_string())),
        }
    }
    out
}

/// Statements of the files under `dir` (relative to the workspace) that `bad` matches.
fn offending(dir: &str, bad: impl Fn(&str) -> bool, except: &[&str]) -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut found = Vec::new();
    for file in sources(&root.join(dir)) {
        let name = file.strip_prefix(&root).unwrap().display().to_string();
        if except.iter().any(|e| name.ends_with(e)) {
            continue;
        }
        let text = std::fs::read_to_string(&file).unwrap();
        for (line, statement) in logical_lines(&text) {
            if !statement.starts_with("//") && bad(&statement) {
                found.push(format!("{name}:{line}: {statement}"));
            }
        }
    }
    found
}

#[test]
fn http_code_reaches_the_store_only_through_the_use_cases() {
    let touches_store = |s: &str| s.contains(".store.") || s.contains("store.as_ref()");
    // lib.rs hands the store to the application once, at start-up.
    let found = offending("crates/web/src", touches_store, &["crates/web/src/lib.rs"]);
    assert!(
        found.is_empty(),
        "web reads or writes the store itself:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_api_and_the_use_cases_never_borrow_from_the_pages() {
    let mut found = offending("crates/web/src/api", |s| s.contains("crate::pages"), &[]);
    found.extend(offending("crates/app/src", |s| s.contains("web::"), &[]));
    assert!(
        found.is_empty(),
        "a page module is used outside the pages:\n{}",
        found.join("\n")
    );
}

#[test]
fn a_chain_split_over_lines_is_read_as_one_statement() {
    let lines = logical_lines("let x = state\n    .store\n    .case(id)\n    .await?;\nlet y = 1;");
    assert_eq!(
        lines[0],
        (1, "let x = state.store.case(id).await?;".to_string())
    );
    assert_eq!(lines[1].0, 5);
}
