//! Every method of the store's traits is exercised by the conformance suite: a method added to
//! `lib.rs` without a check in `tests/it/conformance/` fails here, by name.

use std::collections::BTreeMap;
use std::path::Path;

/// The traits whose sum is `Store`, as `lib.rs` declares them.
const PARTS: [&str; 15] = [
    "AccountStore",
    "CaseStore",
    "FormStore",
    "FieldStore",
    "PathwayStore",
    "ReferralStore",
    "DocumentStore",
    "ResultStore",
    "ExportStore",
    "SampleStore",
    "SpotCheckStore",
    "FeedbackStore",
    "MergeStore",
    "RetentionStore",
    "HandoverStore",
];

/// Code without its line comments, so a method named in a comment does not count as called.
fn without_comments(text: &str) -> String {
    text.lines()
        .map(|line| match line.find("//") {
            Some(i) => &line[..i],
            None => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The `async fn` names declared in each `pub trait` block of the source, by trait.
fn trait_methods(source: &str) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut current: Option<String> = None;
    let mut depth = 0usize;
    for line in source.lines() {
        let code = line.trim();
        if current.is_none() {
            if let Some(rest) = code.strip_prefix("pub trait ") {
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if code.contains('{') {
                    depth = code.matches('{').count() - code.matches('}').count();
                    if depth > 0 {
                        out.entry(name.clone()).or_default();
                        current = Some(name);
                    }
                }
            }
            continue;
        }
        if let Some(rest) = code.split("async fn ").nth(1) {
            let method: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if let Some(name) = &current {
                out.entry(name.clone()).or_default().push(method);
            }
        }
        depth += code.matches('{').count();
        depth = depth.saturating_sub(code.matches('}').count());
        if depth == 0 {
            current = None;
        }
    }
    out
}

/// Every `.rs` file under a directory, read and stripped of comments.
fn sources_under(dir: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            out.extend(sources_under(&path));
        } else if path.extension().is_some_and(|x| x == "rs") {
            let text = std::fs::read_to_string(&path).unwrap();
            out.push((path.display().to_string(), without_comments(&text)));
        }
    }
    out
}

#[test]
fn the_conformance_suite_calls_every_store_method() {
    // The traits are declared in lib.rs; some parts' in files of their own.
    let lib = [
        "lib.rs",
        "exports.rs",
        "handovers.rs",
        "results.rs",
        "samples.rs",
        "spot_checks.rs",
        "feedback.rs",
        "merges.rs",
        "schedule.rs",
        "field.rs",
    ]
    .iter()
    .map(|f| {
        std::fs::read_to_string(format!("{}/src/{f}", env!("CARGO_MANIFEST_DIR")))
            .expect("store's source")
    })
    .collect::<Vec<_>>()
    .join("\n");
    let methods = trait_methods(&without_comments(&lib));
    for part in PARTS {
        assert!(
            methods.get(part).is_some_and(|m| !m.is_empty()),
            "no methods found for {part} in lib.rs: {methods:?}"
        );
    }
    let suite = sources_under(Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/it/conformance"
    )));
    assert!(suite.len() >= PARTS.len(), "{suite:?}");
    let mut missing = Vec::new();
    let mut total = 0;
    for part in PARTS {
        for method in &methods[part] {
            total += 1;
            let call = format!(".{method}(");
            if !suite.iter().any(|(_, text)| text.contains(&call)) {
                missing.push(format!("{part}::{method}"));
            }
        }
    }
    assert!(total > 100, "only {total} methods found: {methods:?}");
    assert!(
        missing.is_empty(),
        "{} of {total} store methods are never called in tests/it/conformance/: {}",
        missing.len(),
        missing.join(", ")
    );
}

#[test]
fn trait_methods_are_read_from_trait_blocks_only() {
    let source = "
        pub trait Store: A + B {}
        /// Docs.
        #[async_trait]
        pub trait A: Send {
            /// async fn in_a_comment(&self);
            async fn first(&self) -> Result<()>;
            async fn second(
                &self,
                x: u32,
            ) -> Result<Vec<u8>>;
        }
        impl A for X {
            async fn not_declared(&self) {}
        }
        pub async fn open(path: &Path) -> Result<()> { Ok(()) }
    ";
    let found = trait_methods(&without_comments(source));
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found["A"], ["first", "second"]);
}
