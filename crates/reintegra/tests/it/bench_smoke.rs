//! Keeps the benchmark harness from rotting: `scripts/bench --smoke` must run end to end against
//! the binary under test and report every scenario without errors.

use std::path::Path;
use std::process::Command;

#[test]
fn bench_smoke_run_reports_every_scenario_without_errors() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let work = tempfile::tempdir().unwrap();
    let report = work.path().join("benchmarks.md");
    let out = Command::new(root.join("scripts/bench"))
        .args([
            "--smoke",
            "--sizes",
            "600",
            "--binary",
            env!("CARGO_BIN_EXE_reintegra"),
        ])
        .arg("--data-root")
        .arg(work.path().join("data"))
        .arg("--out")
        .arg(&report)
        .output()
        .expect("scripts/bench runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "scripts/bench --smoke failed:\n{stderr}"
    );

    let report = std::fs::read_to_string(&report).unwrap();
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
}
