//! Running the `reintegra` binary in tests: commands, a server on a free port, a signed-in
//! client.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

pub(crate) fn reintegra() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_reintegra"));
    c.env_remove("REINTEGRA_DATA_DIR")
        .env_remove("REINTEGRA_BIND")
        .env("RUST_LOG", "info");
    c
}

pub(crate) fn add_user(
    dir: &std::path::Path,
    args: &[&str],
    password: &str,
) -> std::process::Output {
    let mut cmd = reintegra();
    cmd.args([
        "user",
        "add",
        "--data-dir",
        dir.to_str().unwrap(),
        "--password-stdin",
    ])
    .args(args);
    with_stdin(&mut cmd, &format!("{password}\n"))
}

/// Runs a command with `input` on its standard input.
pub(crate) fn with_stdin(cmd: &mut Command, input: &str) -> std::process::Output {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

/// A running server and the lines it printed to standard output.
pub(crate) struct Server {
    pub(crate) child: Child,
    pub(crate) url: String,
    pub(crate) stdout: Vec<String>,
    pub(crate) stderr_path: std::path::PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) fn serve(dir: &std::path::Path, extra: &[&str]) -> Server {
    let stderr_path = dir.with_extension("stderr.log");
    let stderr = std::fs::File::create(&stderr_path).unwrap();
    let mut child = reintegra()
        .args(["serve", "--bind", "127.0.0.1:0"])
        .args(extra)
        .env("REINTEGRA_DATA_DIR", dir)
        .stdout(Stdio::piped())
        .stderr(stderr)
        .spawn()
        .unwrap();
    let out = child.stdout.take().unwrap();
    // Owned by the guard from here on, so the process is reaped whatever happens.
    let mut server = Server {
        child,
        url: String::new(),
        stdout: Vec::new(),
        stderr_path,
    };
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines() {
            if tx.send(line.unwrap()).is_err() {
                break;
            }
        }
    });
    loop {
        let line = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("the server starts within a minute");
        let listening = line
            .strip_prefix("Reintegra is listening on ")
            .map(str::to_string);
        server.stdout.push(line);
        if let Some(url) = listening {
            server.url = url;
            return server;
        }
    }
}

pub(crate) fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

pub(crate) async fn sign_in(
    c: &reqwest::Client,
    url: &str,
    user: &str,
    password: &str,
) -> reqwest::Response {
    let page = c
        .get(format!("{url}/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let marker = "name=\"_csrf\" value=\"";
    let start = page.find(marker).unwrap() + marker.len();
    let csrf = page[start..].split('"').next().unwrap();
    c.post(format!("{url}/login"))
        .form(&[("_csrf", csrf), ("username", user), ("password", password)])
        .send()
        .await
        .unwrap()
}

/// A new data directory `dir` holding one user made with `user add` (`args` after the
/// username), and an API token of theirs made with `token create`.
pub(crate) fn user_with_token(dir: &std::path::Path, username: &str, args: &[&str]) -> String {
    let migrate = reintegra()
        .args(["migrate", "--data-dir", dir.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(migrate.status.success());
    assert!(String::from_utf8_lossy(&migrate.stdout).contains("up to date"));
    let mut user = vec!["--username", username];
    user.extend(args);
    assert!(
        add_user(dir, &user, "a good long password")
            .status
            .success()
    );
    let out = reintegra()
        .args(["token", "create", "--username", username])
        .env("REINTEGRA_DATA_DIR", dir)
        .output()
        .unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}
