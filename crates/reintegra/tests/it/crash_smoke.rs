//! Keeps the crash test from rotting: `scripts/crash-test` must run end to end against the
//! binary under test, kill it twice under write load, and find every acknowledged write.

use std::path::Path;
use std::process::Command;

#[test]
fn crash_test_loses_no_acknowledged_write() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let out = Command::new(root.join("scripts/crash-test"))
        .args([
            "--cycles",
            "2",
            "--writers",
            "2",
            "--cases",
            "60",
            "--binary",
            env!("CARGO_BIN_EXE_reintegra"),
        ])
        .output()
        .expect("scripts/crash-test runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("lost:          0"), "{stdout}");
    assert!(stdout.contains("integrity:     ok"), "{stdout}");
}
