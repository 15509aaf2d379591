//! Keeps the benchmark harness from rotting: `scripts/bench --smoke` must run end to end against
//! the binary under test and report every scenario without errors.

use std::path::Path;
use std::process::Command;

/// Runs `scripts/bench --smoke` with `args` against the binary under test, its data and report
/// in a temporary directory; answers the report, after checking the run succeeded.
fn smoke_run(args: &[&str]) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let work = tempfile::tempdir().unwrap();
    let report = work.path().join("benchmarks.md");
    let out = Command::new(root.join("scripts/bench"))
        .arg("--smoke")
        .args(args)
        .args(["--binary", env!("CARGO_BIN_EXE_reintegra")])
        .arg("--data-root")
        .arg(work.path().join("data"))
        .arg("--out")
        .arg(&report)
        .output()
        .expect("scripts/bench runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "scripts/bench --smoke {args:?} failed:\n{stderr}"
    );
    std::fs::read_to_string(&report).unwrap()
}

#[test]
fn bench_smoke_run_reports_every_scenario_without_errors() {
    let report = smoke_run(&["--sizes", "600"]);
    assert!(report.contains("Machine:"), "{report}");
    for scenario in [
        "static (nginx)",
        "healthz",
        "case_list",
        "case_page",
        "case_page_en",
        "case_page_ar",
        "write",
        "case_page_plain",
        "case_page_encrypted",
        "write_plain",
        "write_encrypted",
    ] {
        let rows: Vec<&str> = report
            .lines()
            .filter(|l| l.starts_with("| 600 |") && l.contains(&format!("| {scenario} |")))
            .collect();
        assert_eq!(
            rows.len(),
            2,
            "{scenario} at two concurrency levels:\n{report}"
        );
        for row in rows {
            let cells: Vec<&str> = row.split('|').map(str::trim).collect();
            // | cases | scenario | connections | req/s | p50 | p99 | errors | share |
            let rps: f64 = cells[4].replace(',', "").parse().unwrap();
            assert!(rps > 0.0, "{row}");
            assert_eq!(cells[7], "0", "errors under load: {row}");
        }
    }
    assert!(
        report.contains("Arabic's extra server time"),
        "the Arabic case page is compared with the English one:\n{report}"
    );
    assert!(
        report.contains("encryption's extra server time"),
        "the encrypted database is compared with the unencrypted one:\n{report}"
    );
    assert!(
        report.contains("| 600 |") && report.contains(" MB |"),
        "{report}"
    );
    assert!(
        report.contains("| equal to a recount |"),
        "the survey tallies are checked after the run:\n{report}"
    );
}

/// `scripts/bench --database`: the same scenarios on SQLite and on a PostgreSQL copy made by
/// `copy-data`, then one against two PostgreSQL instances behind nginx, all answered without
/// errors, with the M&E pages timed on both engines.
#[test]
fn bench_smoke_compares_sqlite_with_postgresql() {
    let url = std::env::var("REINTEGRA_TEST_POSTGRES").unwrap_or_default();
    if url == "skip" {
        return;
    }
    assert!(
        !url.is_empty(),
        "REINTEGRA_TEST_POSTGRES is not set: run scripts/test (or set it to `skip`)"
    );
    let report = smoke_run(&["--database", &url, "--sizes", "400"]);
    assert!(report.contains("## PostgreSQL beside SQLite"), "{report}");
    let rows = |scenario: &str| -> Vec<Vec<String>> {
        report
            .lines()
            .filter(|l| l.starts_with("| 400 |") && l.contains(&format!("| {scenario} |")))
            .map(|l| l.split('|').map(|c| c.trim().to_string()).collect())
            .collect()
    };
    for scenario in ["case_list", "case_page", "write"] {
        // Engines side by side, then one and two instances: two tables, two concurrencies.
        let found = rows(scenario);
        assert_eq!(found.len(), 4, "{scenario}:\n{report}");
        for cells in found {
            let (a, b): (f64, f64) = (
                cells[4].replace(',', "").parse().unwrap(),
                cells[5].replace(',', "").parse().unwrap(),
            );
            assert!(a > 0.0 && b > 0.0, "{cells:?}");
            assert_eq!(cells[9], "0", "errors under load: {cells:?}");
        }
    }
    for page in ["indicator", "indicator by sex", "dashboard"] {
        let found = rows(page);
        assert_eq!(found.len(), 1, "{page}:\n{report}");
        assert!(found[0][3].ends_with(" ms") && found[0][5].ends_with(" ms"));
    }
    // The copy itself was measured, and the second server answered.
    assert!(report.contains("| 400 | 1,200 |"), "{report}");
}
