//! Two `reintegra serve` processes on one PostgreSQL database behind nginx, round robin: a
//! user's consecutive requests land on different servers (sign-in on one, the next page on the
//! other), and edits based on the same version are refused by the database whichever server
//! takes them.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};

use crate::postgres_cli::new_database;

struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A server on a free port; its address once it says it listens.
fn serve(data: &std::path::Path, database: &str) -> (Running, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_reintegra"))
        .args(["serve", "--bind", "127.0.0.1:0"])
        .env("REINTEGRA_DATA_DIR", data)
        .env("REINTEGRA_DATABASE_URL", database)
        .env("REINTEGRA_TRUSTED_PROXIES", "127.0.0.1")
        .env_remove("REINTEGRA_DATABASE_KEY")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let out = child.stdout.take().unwrap();
    let running = Running(child);
    for line in BufReader::new(out).lines() {
        let line = line.unwrap();
        if let Some(url) = line.strip_prefix("Reintegra is listening on ") {
            return (running, url.trim_start_matches("http://").to_string());
        }
    }
    panic!("the server stopped before listening");
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// nginx on a free port passing requests to `servers` in turn; its access log names the
/// server that answered each request.
fn nginx(dir: &std::path::Path, servers: &[&str]) -> (Running, String, std::path::PathBuf) {
    let port = free_port();
    let log = dir.join("access.log");
    std::fs::create_dir_all(dir.join("tmp")).unwrap();
    let upstream: String = servers.iter().map(|s| format!("server {s};\n")).collect();
    let conf = dir.join("nginx.conf");
    std::fs::write(
        &conf,
        format!(
            "worker_processes 1;
daemon off;
pid {d}/nginx.pid;
error_log {d}/error.log;
events {{ worker_connections 256; }}
http {{
  log_format upstream '$upstream_addr $status $request';
  access_log {log} upstream;
  client_body_temp_path {d}/tmp;
  proxy_temp_path {d}/tmp;
  fastcgi_temp_path {d}/tmp;
  uwsgi_temp_path {d}/tmp;
  scgi_temp_path {d}/tmp;
  upstream reintegra {{ {upstream} }}
  server {{
    listen 127.0.0.1:{port};
    location / {{
      proxy_pass http://reintegra;
      proxy_set_header Host $host:$server_port;
      proxy_set_header X-Forwarded-For $remote_addr;
    }}
  }}
}}",
            d = dir.display(),
            log = log.display()
        ),
    )
    .unwrap();
    let nginx = ["/usr/sbin/nginx", "nginx"]
        .into_iter()
        .find(|n| Command::new(n).arg("-v").output().is_ok())
        .expect("nginx is installed (scripts/test installs nginx-light)");
    let child = Command::new(nginx)
        .args(["-c", conf.to_str().unwrap(), "-p", dir.to_str().unwrap()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let running = Running(child);
    for _ in 0..200 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return (running, format!("http://127.0.0.1:{port}"), log);
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    panic!("nginx did not start");
}

fn field<'a>(page: &'a str, name: &str) -> &'a str {
    let marker = format!("name=\"{name}\" value=\"");
    let start = page
        .find(&marker)
        .unwrap_or_else(|| panic!("no {name} in {page}"))
        + marker.len();
    page[start..].split('"').next().unwrap()
}

/// Two servers on a fresh PostgreSQL database behind nginx, a case manager signed in through
/// them, and an API token made through the pages.
struct TwoServers {
    url: String,
    log: std::path::PathBuf,
    a: (Running, String),
    b: (Running, String),
    _lb: Running,
    token: String,
    _dir: tempfile::TempDir,
}

async fn two_servers() -> Option<TwoServers> {
    let db = new_database().await?;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut add = Command::new(env!("CARGO_BIN_EXE_reintegra"));
    add.env("REINTEGRA_DATABASE_URL", &db)
        .env("REINTEGRA_DATA_DIR", &data)
        .args(["user", "add", "--password-stdin", "--username", "cm.two"])
        .args(["--role", "case-manager", "--office", "DKR"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null());
    let mut child = add.spawn().unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"a long enough passphrase\n")
        .unwrap();
    assert!(child.wait().unwrap().success());

    let a = serve(&data, &db);
    let b = serve(&data, &db);
    let (lb, url, log) = nginx(&dir.path().join("nginx"), &[&a.1, &b.1]);

    // Signing in: the form from one server, posted to the other.
    let web = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let login = web.get(format!("{url}/login")).send().await.unwrap();
    let page = login.text().await.unwrap();
    let signed_in = web
        .post(format!("{url}/login"))
        .form(&[
            ("_csrf", field(&page, "_csrf")),
            ("username", "cm.two"),
            ("password", "a long enough passphrase"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.status(), 303, "signed in");
    // The session is known to both: an API token made through the pages.
    let account = web
        .get(format!("{url}/account"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let made = web
        .post(format!("{url}/account/tokens"))
        .form(&[("_csrf", field(&account, "_csrf")), ("name", "script")])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let marker = "id=\"new-token\">";
    let token = made[made.find(marker).expect("a new token") + marker.len()..]
        .split('<')
        .next()
        .unwrap()
        .to_string();

    Some(TwoServers {
        url,
        log,
        a,
        b,
        _lb: lb,
        token,
        _dir: dir,
    })
}

fn profile(family: &str) -> Value {
    json!({
        "given_name": "Cheikh", "family_name": family, "sex": "male",
        "date_of_birth": "1990-01-15", "nationality": "Senegal",
        "return_date": "2026-03-01", "returned_from": "Libya",
        "return_type": "forced", "return_country": "Senegal",
        "return_province": "Dakar"
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_journey_across_two_servers_behind_a_load_balancer() {
    let Some(two) = two_servers().await else {
        return;
    };
    let (url, token, log) = (&two.url, &two.token, &two.log);
    let (a, b) = (&two.a.1, &two.b.1);
    let api = reqwest::Client::new();
    let auth = format!("Bearer {token}");
    let created = api
        .post(format!("{url}/api/v1/cases"))
        .header("authorization", &auth)
        .json(&json!({"profile": profile("Mbaye"), "consents": []}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201, "{}", created.text().await.unwrap());
    let case: Value = created.json().await.unwrap();
    let id = case["id"].as_str().unwrap().to_string();
    for _ in 0..2 {
        let found: Value = api
            .get(format!("{url}/api/v1/cases/{id}"))
            .header("authorization", &auth)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(found["version"], 1, "both servers read the new case");
    }

    // Two edits based on version 1, sent together: one is taken, the other refused.
    let edit = |phone: &'static str| {
        let mut p = case["profile"].clone();
        p["phone"] = json!(phone);
        api.put(format!("{url}/api/v1/cases/{id}"))
            .header("authorization", &auth)
            .json(&json!({"version": 1, "profile": p}))
            .send()
    };
    let (first, second) = tokio::join!(edit("+221 78 111 11 11"), edit("+221 78 222 22 22"));
    let mut statuses = [
        first.unwrap().status().as_u16(),
        second.unwrap().status().as_u16(),
    ];
    statuses.sort();
    assert_eq!(statuses, [200, 409]);
    // A third edit from the same stale version is refused too, on whichever server.
    let stale = edit("+221 78 333 33 33").await.unwrap();
    assert_eq!(stale.status(), 409);

    // Both servers answered.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let answered = std::fs::read_to_string(log).unwrap();
    for server in [a, b] {
        assert!(
            answered.lines().any(|l| l.starts_with(server.as_str())),
            "{server} answered nothing:\n{answered}"
        );
    }
}

/// One server is killed (SIGKILL) in the middle of a burst of registrations: every registration
/// that was answered "created" is in the database, readable through the server left.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_killed_mid_burst_loses_no_acknowledged_write() {
    let Some(mut two) = two_servers().await else {
        return;
    };
    let api = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let auth = format!("Bearer {}", two.token);
    let register = |i: usize| {
        api.post(format!("{}/api/v1/cases", two.url))
            .header("authorization", &auth)
            .json(&json!({"profile": profile(&format!("Burst{i:03}")), "consents": [], "confirm_possible_duplicate": true}))
            .send()
    };
    let mut acknowledged = Vec::new();
    for round in 0..20 {
        if round == 5 {
            // SIGKILL: no shutdown, no flushing; requests in flight on it are lost to the client.
            let _ = two.a.0.0.kill();
        }
        let sent: Vec<_> = (0..8)
            .map(|k| tokio::spawn(register(round * 8 + k)))
            .collect();
        let mut replies = Vec::new();
        for s in sent {
            replies.push(s.await.unwrap());
        }
        for reply in replies.into_iter().flatten() {
            if reply.status() == 201 {
                let case: Value = reply.json().await.unwrap();
                acknowledged.push(case["id"].as_str().unwrap().to_string());
            }
        }
    }
    assert!(
        acknowledged.len() >= 100,
        "most registrations were answered: {}",
        acknowledged.len()
    );
    for id in &acknowledged {
        let found = api
            .get(format!("{}/api/v1/cases/{id}", two.url))
            .header("authorization", &auth)
            .send()
            .await
            .unwrap();
        assert_eq!(found.status(), 200, "acknowledged case {id} is missing");
    }
}
