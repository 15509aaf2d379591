//! The field-collection commands: `device create` prints a case manager's device address
//! last (and refuses other roles); `forms decrypt` reads the private key and reports what it
//! decrypted, refusing a file that is not a key.

use std::io::Write;
use std::process::{Command, Stdio};

fn reintegra(dir: &std::path::Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_reintegra"));
    c.env_remove("REINTEGRA_BIND")
        .env_remove("REINTEGRA_PUBLIC_URL")
        .env("REINTEGRA_DATA_DIR", dir)
        .env("RUST_LOG", "warn");
    c
}

fn add_user(dir: &std::path::Path, username: &str, role: &str) {
    let mut child = reintegra(dir)
        .args(["user", "add", "--password-stdin", "--username", username])
        .args(["--role", role, "--office", "dkr"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"a good long password\n")
        .unwrap();
    assert!(child.wait().unwrap().success());
}

#[test]
fn a_device_is_opened_for_a_case_manager_and_waiting_submissions_are_decrypted() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("d");
    add_user(&dir, "cm.field", "case-manager");
    add_user(&dir, "pm.field", "programme-manager");

    let out = reintegra(&dir)
        .args([
            "device",
            "create",
            "--username",
            "cm.field",
            "--name",
            "tablet 3",
        ])
        .args(["--url", "https://field.example.org/"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let last = stdout.trim().lines().last().unwrap();
    assert!(
        last.starts_with("https://field.example.org/openrosa/rd_"),
        "{stdout}"
    );
    let out = reintegra(&dir)
        .args(["device", "create", "--username", "pm.field"])
        .output()
        .unwrap();
    assert!(!out.status.success(), "only case managers have devices");

    let key = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../web/tests/it/fixtures/field-form-key.pem"
    );
    let out = reintegra(&dir)
        .args(["forms", "decrypt", "--key", key])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("0 decrypted, 0 still encrypted"));
    let not_a_key = tmp.path().join("notes.txt");
    std::fs::write(&not_a_key, "not a key").unwrap();
    let out = reintegra(&dir)
        .args(["forms", "decrypt", "--key", not_a_key.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not an RSA private key"));
}
