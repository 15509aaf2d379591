//! The `reintegra` command as an operator uses it.

use crate::common::{add_user, client, reintegra, serve, sign_in, user_with_token, with_stdin};

#[tokio::test]
async fn first_start_creates_an_admin_with_a_one_time_password() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    let server = serve(&dir, &[]);
    assert!(
        dir.join("reintegra.db").exists(),
        "the data dir and database are created"
    );
    let line = server
        .stdout
        .iter()
        .find(|l| l.contains("password:"))
        .expect("the password is printed");
    let password = line.split_whitespace().nth(1).unwrap().to_string();
    let stderr = std::fs::read_to_string(&server.stderr_path).unwrap();
    assert!(
        !stderr.contains(&password),
        "the password never reaches the log"
    );

    let health = reqwest::get(format!("{}/healthz", server.url))
        .await
        .unwrap();
    assert_eq!(health.text().await.unwrap(), "ok");
    let c = client();
    let res = sign_in(&c, &server.url, "admin", &password).await;
    assert_eq!(
        res.headers()["location"],
        "/account/password",
        "the password must be changed first"
    );

    // Subcommands work while the server runs.
    let out = add_user(
        &dir,
        &[
            "--username",
            "awa",
            "--role",
            "case-manager",
            "--office",
            "zig",
        ],
        "a good long password",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("added awa (case-manager)"));
    let res = sign_in(&client(), &server.url, "awa", "a good long password").await;
    assert_eq!(res.status(), 303);
    drop(server);

    // A second start prints no new password.
    let again = serve(&dir, &[]);
    assert!(!again.stdout.iter().any(|l| l.contains("password:")));
}

#[test]
fn user_add_refuses_bad_input_with_exit_status_2() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    for (args, password, message) in [
        (
            vec!["--username", "x1y", "--role", "boss"],
            "a good long password",
            "unknown role",
        ),
        (
            vec![
                "--username",
                "cm",
                "--role",
                "case-manager",
                "--office",
                "DKR",
            ],
            "a good long password",
            "username",
        ),
        (
            vec!["--username", "cmx", "--role", "case-manager"],
            "a good long password",
            "must belong to an office",
        ),
        (
            vec!["--username", "cmy", "--role", "viewer"],
            "short",
            "not acceptable",
        ),
    ] {
        let out = add_user(dir, &args, password);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(message),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let ok = add_user(
        dir,
        &["--username", "viewer1", "--role", "viewer"],
        "a good long password",
    );
    assert!(ok.status.success());
    let dup = add_user(
        dir,
        &["--username", "viewer1", "--role", "viewer"],
        "a good long password",
    );
    assert_eq!(dup.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&dup.stderr).contains("already exists"));
}

#[tokio::test]
async fn token_create_prints_a_working_api_token() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("d");
    let token = user_with_token(&dir, "analyst", &["--role", "me-officer"]);
    assert!(token.starts_with("rt_"));
    let server = serve(&dir, &[]);
    let me: serde_json::Value = reqwest::Client::new()
        .get(format!("{}/api/v1/me", server.url))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["username"], "analyst");
    assert_eq!(me["role"], "me-officer");
}

#[tokio::test]
async fn demo_loads_a_labelled_programme_only_when_asked() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("demo");
    let server = serve(&dir, &["--demo"]);
    assert!(
        server.stdout.iter().any(|l| l.contains("reintegra-demo")),
        "demo passwords are printed"
    );
    let c = client();
    assert_eq!(
        sign_in(&c, &server.url, "cm.dakar", "reintegra-demo")
            .await
            .status(),
        303
    );
    let page = c
        .get(format!("{}/cases", server.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("Demo programme"),
        "every page says it is a demo"
    );
    let pm = client();
    sign_in(&pm, &server.url, "admin", "reintegra-demo").await;
    let counts = pm
        .get(format!("{}/overview", server.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        counts.contains("Cases in total: 50"),
        "about 50 invented cases"
    );
    drop(server);

    // Without the flag, no demo data and no banner.
    let plain_dir = tmp.path().join("plain");
    let plain = serve(&plain_dir, &[]);
    assert!(!plain.stdout.iter().any(|l| l.contains("reintegra-demo")));
    let login = reqwest::get(format!("{}/login", plain.url))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!login.contains("Demo programme"));
}

#[tokio::test]
async fn demo_generates_a_programme_of_the_size_asked_and_only_into_an_empty_dir() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("gen");
    let run = || {
        reintegra()
            .args([
                "demo",
                "--cases",
                "600",
                "--seed",
                "9",
                "--data-dir",
                dir.to_str().unwrap(),
            ])
            .output()
            .unwrap()
    };
    let out = run();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("generated 600 cases"));
    let again = run();
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("already holds a programme"));
    let server = serve(&dir, &[]);
    let c = client();
    sign_in(&c, &server.url, "pm.dakar", "reintegra-demo").await;
    let page = c
        .get(format!("{}/cases", server.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("100 cases match"),
        "600 cases over six offices, 100 in Dakar"
    );
}

#[test]
fn forms_check_summarises_a_valid_xlsform_and_lists_every_problem_of_a_bad_one() {
    let corpus = concat!(env!("CARGO_MANIFEST_DIR"), "/../forms/tests/corpus");
    let ok = reintegra()
        .args([
            "forms",
            "check",
            &format!("{corpus}/valid/returnee_translated.xlsx"),
        ])
        .output()
        .unwrap();
    assert!(ok.status.success());
    let out = String::from_utf8_lossy(&ok.stdout);
    for expected in [
        "returnee_intake",
        "version:   3",
        "questions: 6",
        "English (en), French (fr)",
    ] {
        assert!(out.contains(expected), "{expected} missing from:\n{out}");
    }

    let bad = reintegra()
        .args([
            "forms",
            "check",
            &format!("{corpus}/invalid/unknown_field_in_constraint.xlsx"),
        ])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(err.contains("sheet 'survey', row"), "{err}");
    assert!(err.contains("column 'constraint'"), "{err}");

    // Not a workbook at all, and a file that does not exist: refused, never a crash.
    let not_xlsx = reintegra()
        .args(["forms", "check", &format!("{corpus}/invalid/not_xlsx.xlsx")])
        .output()
        .unwrap();
    assert_eq!(not_xlsx.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&not_xlsx.stderr).contains("not an .xlsx file"));
    let missing = reintegra()
        .args(["forms", "check", "/nonexistent.xlsx"])
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(2));
}

/// The mixed sheet of `docs/scoring.md`.
const MIXED: &str = r#"{"q1": 3, "q2": 3, "q3": 1, "q4": 2, "q5": 3, "q6": 4, "q7": 2, "q8": [2, 6],
 "q9": 1, "q10": [1], "q11": 2, "q12": 3, "q13": 2, "q14": 1, "q15": "dk", "q16": 1, "q17": 3,
 "q18": 1, "q19": 4, "q20": 3, "q22": 2, "q23": 3, "q24": 2, "q25": 2, "q26": 4, "q27": 2,
 "q28": 3, "q29": 1, "q30": 2, "q31": 2, "q32": [1, 2], "notes": "never scored"}"#;

fn rss_score(args: &[&str], input: &str) -> std::process::Output {
    with_stdin(reintegra().args(["rss", "score"]).args(args), input)
}

#[test]
fn rss_score_prints_scores_as_json_and_names_the_question_of_a_bad_sheet() {
    let out = rss_score(&[], MIXED);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let close = |key: &str, want: f64| {
        let got = v[key].as_f64().unwrap();
        assert!((got - want).abs() < 1e-9, "{key}: {got} vs {want}");
    };
    close("economic", 5.25 / 12.0);
    close("social", 5.625 / 9.0);
    close("psychosocial", 6.75 / 13.0);
    close("composite", 15.125 / 28.0);
    assert_eq!(v["dk_dwa_count"], 1);
    assert_eq!(v["low_accuracy"], false);
    assert_eq!(v["bands"]["composite"], "standard");
    assert_eq!(v["model"], "reintegra-default/2026.1");

    // Incomplete, invalid, not JSON: exit status 2 and a message naming the question.
    let missing = MIXED.replace("\"q17\": 3,", "");
    for (input, expected) in [
        (missing.as_str(), "q17"),
        (
            &*MIXED.replace("\"q1\": 3", "\"q1\": 9"),
            "q1: 9 is not an option",
        ),
        (&*MIXED.replace("\"q6\": 4", "\"q6\": \"dwa\""), "q6"),
        ("not json", "not valid JSON"),
    ] {
        let out = rss_score(&[], input);
        assert_eq!(out.status.code(), Some(2), "{expected}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(expected), "{expected}: {err}");
    }

    // Another model, from a file.
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("model.toml");
    std::fs::write(
        &model,
        domain_model().replace("light_above = 0.66", "light_above = 0.5"),
    )
    .unwrap();
    let out = rss_score(&["--model", model.to_str().unwrap(), "--explain"], MIXED);
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["bands"]["composite"], "light");
    assert!(v["breakdown"].as_array().unwrap().len() > 20);
    std::fs::write(&model, "id = 'x'").unwrap();
    let out = rss_score(&["--model", model.to_str().unwrap()], MIXED);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a usable scoring model"));
}

fn domain_model() -> String {
    std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../instruments/rss/scoring-model.toml"
    ))
    .unwrap()
}

#[test]
fn rss_rescore_recomputes_every_stored_score_under_a_loaded_model() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let demo = reintegra()
        .args(["demo", "--cases", "40", "--data-dir", data])
        .output()
        .unwrap();
    assert!(demo.status.success());
    let model = dir.path().join("other.toml");
    std::fs::write(
        &model,
        domain_model()
            .replace("version = \"2026.1\"", "version = \"other\"")
            .replace("dk = \"exclude\"", "dk = 0.0")
            .replacen(
                "economic = 1, composite = 1",
                "economic = 3, composite = 3",
                1,
            ),
    )
    .unwrap();
    let out = reintegra()
        .args(["rss", "rescore", "--data-dir", data, "--model"])
        .arg(&model)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("under reintegra-default/other"), "{text}");
    let n: usize = text
        .split_whitespace()
        .nth(1)
        .and_then(|w| w.parse().ok())
        .unwrap();
    assert!(n > 20, "{text}");
    assert!(!text.contains("(0 changed"), "{text}");
    // The model stays in force: it is the one printed, and rescoring again changes nothing.
    let shown = reintegra()
        .args(["rss", "model", "--data-dir", data])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&shown.stdout).contains("version = \"other\""));
    let again = reintegra()
        .args(["rss", "rescore", "--data-dir", data])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&again.stdout).contains("(0 changed"));
}

#[test]
fn forms_check_refuses_a_workbook_with_a_far_cell_without_crashing() {
    // A valid little form plus one value in XFD1048576: before, the reader laid out the whole
    // sheet and the process aborted (exit 134).
    let mut rows: Vec<Vec<String>> = vec![
        vec!["type".into(), "name".into(), "label".into()],
        vec!["text".into(), "q1".into(), "Name?".into()],
    ];
    rows.resize(1_048_576, Vec::new());
    let mut last = vec![String::new(); 16_384];
    last[16_383] = "x".into();
    rows[1_048_575] = last;
    let book = forms::xlsform::Workbook {
        sheets: vec![forms::xlsform::Sheet {
            name: "survey".into(),
            rows,
        }],
    };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("far.xlsx");
    std::fs::write(&file, forms::xlsx::write(&book).unwrap()).unwrap();
    let out = reintegra()
        .args(["forms", "check", file.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("row 1048576 and column 16384"), "{err}");
}

#[test]
fn serve_refuses_an_emptied_database_instead_of_starting_afresh() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let made = add_user(
        &data,
        &["--username", "admin", "--role", "admin"],
        "a long enough password",
    );
    assert!(made.status.success(), "{made:?}");
    // An interrupted copy replaced the database with an empty file.
    for companion in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(data.join(format!("reintegra.db{companion}")));
    }
    std::fs::write(data.join("reintegra.db"), b"").unwrap();
    let out = reintegra()
        .args(["serve", "--bind", "127.0.0.1:0", "--data-dir"])
        .arg(&data)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("missing or empty"), "{err}");
    assert_eq!(
        std::fs::metadata(data.join("reintegra.db")).unwrap().len(),
        0
    );
}

#[tokio::test]
async fn user_reset_two_step_turns_off_a_lost_phones_second_step() {
    use store::prelude::*;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("d");
    assert!(
        add_user(
            &dir,
            &["--username", "pm.lost", "--role", "programme-manager"],
            "a good long password"
        )
        .status
        .success()
    );
    let username = domain::Username::parse("pm.lost").unwrap();
    {
        let s = store::SqliteStore::open_in(&dir).await.unwrap();
        let user = s.user_by_username(&username).await.unwrap().unwrap();
        let now = time::OffsetDateTime::now_utc();
        s.begin_two_factor(user.id, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", now)
            .await
            .unwrap();
        s.enable_two_factor(user.id, 1, vec![], store::AuditContext::system(now, "test"))
            .await
            .unwrap();
        assert!(s.user(user.id).await.unwrap().two_factor);
    }
    let reset = || {
        reintegra()
            .args(["user", "reset-two-step", "--username", "pm.lost"])
            .env("REINTEGRA_DATA_DIR", &dir)
            .output()
            .unwrap()
    };
    let out = reset();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("turned off for pm.lost"));
    let s = store::SqliteStore::open_in(&dir).await.unwrap();
    let user = s.user_by_username(&username).await.unwrap().unwrap();
    assert!(!user.two_factor);
    // Again: nothing to turn off, and it says so.
    let out = reset();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("does not use two-step sign-in"));
}

#[test]
fn retention_run_says_when_no_period_is_set() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("d");
    let out = reintegra()
        .args(["retention", "--data-dir", dir.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("no retention period is set"));
}

#[tokio::test]
async fn the_database_is_encrypted_rekeyed_and_opened_only_with_its_key() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("d");
    assert!(
        add_user(
            &dir,
            &["--username", "analyst", "--role", "me-officer"],
            "a good long password"
        )
        .status
        .success()
    );
    let key1 = tmp.path().join("key1");
    let key2 = tmp.path().join("key2");
    std::fs::write(&key1, "first key: correct horse battery staple\n").unwrap();
    std::fs::write(&key2, "second key: a different passphrase\n").unwrap();
    let db = dir.join("reintegra.db");
    let d = dir.to_str().unwrap();
    let run = |args: &[&str]| reintegra().args(args).output().unwrap();
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();

    // Encrypting: the file no longer reads as SQLite, nor shows what it holds.
    let out = run(&[
        "database",
        "rekey",
        "--data-dir",
        d,
        "--new-key-file",
        key1.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("encrypted with the new key"));
    let bytes = std::fs::read(&db).unwrap();
    assert!(!bytes.starts_with(b"SQLite format 3\0"));
    assert!(!bytes.windows(7).any(|w| w == b"analyst"));

    // Without the key it says so; with it, everything works, server included.
    let out = run(&["token", "create", "--username", "analyst", "--data-dir", d]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("it is encrypted"),
        "{}",
        text(&out.stderr)
    );
    let with_key1 = [
        "--data-dir",
        d,
        "--database-key-file",
        key1.to_str().unwrap(),
    ];
    let out = run(&[
        &["token", "create", "--username", "analyst"][..],
        &with_key1[..],
    ]
    .concat());
    assert!(out.status.success(), "{}", text(&out.stderr));
    let token = text(&out.stdout).trim().to_string();
    {
        let server = serve(&dir, &["--database-key-file", key1.to_str().unwrap()]);
        let me: serde_json::Value = reqwest::Client::new()
            .get(format!("{}/api/v1/me", server.url))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(me["username"], "analyst");
    }

    // A new key: the old one stops working; the new one works, from a file or the environment.
    let out = run(&[
        &[
            "database",
            "rekey",
            "--new-key-file",
            key2.to_str().unwrap(),
        ][..],
        &with_key1[..],
    ]
    .concat());
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = run(&[
        &["token", "create", "--username", "analyst"][..],
        &with_key1[..],
    ]
    .concat());
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("the key is wrong"),
        "{}",
        text(&out.stderr)
    );
    let out = reintegra()
        .args(["token", "create", "--username", "analyst", "--data-dir", d])
        .env(
            "REINTEGRA_DATABASE_KEY",
            "second key: a different passphrase",
        )
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));

    // And back to no encryption.
    let out = run(&[
        "database",
        "rekey",
        "--data-dir",
        d,
        "--database-key-file",
        key2.to_str().unwrap(),
        "--no-key",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        std::fs::read(&db)
            .unwrap()
            .starts_with(b"SQLite format 3\0")
    );
    let out = run(&["token", "create", "--username", "analyst", "--data-dir", d]);
    assert!(out.status.success(), "{}", text(&out.stderr));
}
