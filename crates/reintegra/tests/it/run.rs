//! Running the `reintegra` binary in tests: with standard input given, its output collected.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

/// Runs `reintegra ARGS` with `stdin` on its standard input, on the data directory `dir` when
/// given (and no database key from the environment).
pub fn reintegra_with(dir: Option<&Path>, args: &[&str], stdin: &str) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_reintegra"));
    cmd.env_remove("REINTEGRA_DATA_DIR")
        .env_remove("REINTEGRA_DATABASE_KEY")
        .env("RUST_LOG", "warn");
    if let Some(dir) = dir {
        cmd.env("REINTEGRA_DATA_DIR", dir);
    }
    let mut child = cmd
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

/// What a command printed, standard output then standard error.
pub fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}
