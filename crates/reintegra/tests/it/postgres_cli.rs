//! The command line on PostgreSQL: `--database` (or REINTEGRA_DATABASE_URL) chooses it, the
//! migrations run there, accounts are added there, and what only SQLite's data directory has
//! (backups, the key, the demo generator) is refused with what to do instead.

use std::process::Command;

/// The address of a new, empty schema in the test cluster, or `None` when PostgreSQL tests
/// are skipped on purpose (REINTEGRA_TEST_POSTGRES=skip).
pub async fn new_database() -> Option<String> {
    let url = std::env::var("REINTEGRA_TEST_POSTGRES").unwrap_or_default();
    if url == "skip" {
        return None;
    }
    assert!(
        !url.is_empty(),
        "REINTEGRA_TEST_POSTGRES is not set: run scripts/test, or start a cluster with \
         scripts/pg-cluster and export the address it prints (or set it to `skip`)"
    );
    let schema = store::PgStore::new_schema(&url).await.unwrap();
    let sep = if url.contains('?') { '&' } else { '?' };
    Some(format!("{url}{sep}options=-c%20search_path%3D{schema}"))
}

/// The same, for tests that are not async.
fn fresh_database() -> Option<String> {
    tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(new_database())
}

fn reintegra(dir: &std::path::Path, database: &str, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_reintegra"))
        .env_remove("REINTEGRA_DATA_DIR")
        .env_remove("REINTEGRA_DATABASE_KEY")
        .env("REINTEGRA_DATABASE_URL", database)
        .args(args)
        .args(["--data-dir", dir.to_str().unwrap()])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap()
}

fn with_input(cmd: &mut Command, input: &str) -> std::process::Output {
    use std::io::Write;
    let mut child = cmd
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
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

fn said(o: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn migrate_and_add_an_account_on_postgres_and_refuse_what_is_sqlite_only() {
    let Some(db) = fresh_database() else { return };
    let dir = tempfile::tempdir().unwrap();
    let migrated = reintegra(dir.path(), &db, &["migrate"]);
    assert!(migrated.status.success(), "{}", said(&migrated));
    assert!(said(&migrated).contains("PostgreSQL database is up to date"));
    // Nothing of SQLite's appears in the data directory.
    assert!(!dir.path().join(store::DATABASE_FILE).exists());

    let mut add = Command::new(env!("CARGO_BIN_EXE_reintegra"));
    add.env("REINTEGRA_DATABASE_URL", &db).args([
        "user",
        "add",
        "--data-dir",
        dir.path().to_str().unwrap(),
        "--password-stdin",
        "--username",
        "amina",
        "--role",
        "admin",
    ]);
    let added = with_input(&mut add, "a long enough passphrase\n");
    assert!(added.status.success(), "{}", said(&added));
    assert!(said(&added).contains("added amina"), "{}", said(&added));
    // The same name again is refused by the database's own unique check.
    let again = with_input(&mut add, "a long enough passphrase\n");
    assert!(!again.status.success());
    assert!(said(&again).contains("already exists"), "{}", said(&again));

    for (args, expected) in [
        (&["backup", "x.zip"][..], "pg_dump"),
        (
            &["demo", "--cases", "10"][..],
            "SQLite's data directory only",
        ),
    ] {
        let o = reintegra(dir.path(), &db, args);
        assert!(!o.status.success(), "{args:?}: {}", said(&o));
        assert!(said(&o).contains(expected), "{args:?}: {}", said(&o));
    }
    let not_an_address = reintegra(dir.path(), "mysql://x", &["migrate"]);
    assert!(!not_an_address.status.success());
    assert!(said(&not_an_address).contains("takes a PostgreSQL address"));
}

/// Decrypts the one file of an encrypted export ZIP.
fn exported(path: &std::path::Path, passphrase: &str) -> String {
    use std::io::Read;
    let mut zip = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut text = String::new();
    zip.by_index_decrypt(0, passphrase.as_bytes())
        .unwrap()
        .read_to_string(&mut text)
        .unwrap();
    text
}

/// An office moves: its SQLite data directory is copied into PostgreSQL, and the case list
/// exported from PostgreSQL is the one exported from SQLite; a second copy is refused.
#[test]
fn copy_data_moves_an_office_and_its_export_reads_the_same() {
    let Some(db) = fresh_database() else { return };
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let sqlite = |args: &[&str], input: &str| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_reintegra"));
        c.env_remove("REINTEGRA_DATABASE_URL")
            .env_remove("REINTEGRA_DATABASE_KEY")
            .env("REINTEGRA_DATA_DIR", &data)
            .args(args);
        with_input(&mut c, input)
    };
    let demo = sqlite(&["demo", "--cases", "60"], "");
    assert!(demo.status.success(), "{}", said(&demo));

    let mut copy = Command::new(env!("CARGO_BIN_EXE_reintegra"));
    copy.env_remove("REINTEGRA_DATABASE_URL")
        .env("REINTEGRA_DATA_DIR", &data)
        .env("REINTEGRA_COPY_TO", &db)
        .arg("copy-data");
    let copied = with_input(&mut copy, "");
    assert!(copied.status.success(), "{}", said(&copied));
    let report = said(&copied);
    assert!(
        report.contains("every table checked against the source"),
        "{report}"
    );
    assert!(
        report
            .lines()
            .any(|l| l.starts_with("cases ") && l.contains(" 60 rows")),
        "{report}"
    );
    let again = with_input(&mut copy, "");
    assert!(!again.status.success());
    assert!(
        said(&again).contains("already holds data"),
        "{}",
        said(&again)
    );

    let export = |database: Option<&str>, out: &std::path::Path| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_reintegra"));
        c.env_remove("REINTEGRA_DATABASE_URL")
            .env_remove("REINTEGRA_DATABASE_KEY")
            .env("REINTEGRA_DATA_DIR", &data)
            .args([
                "export",
                "cases",
                "--username",
                "pm.dakar",
                "--format",
                "csv",
            ])
            .args(["--password-stdin", "--out", out.to_str().unwrap()]);
        if let Some(url) = database {
            c.env("REINTEGRA_DATABASE_URL", url);
        }
        let o = with_input(&mut c, "river lantern cobalt 42\n");
        assert!(o.status.success(), "{}", said(&o));
        exported(out, "river lantern cobalt 42")
    };
    let from_sqlite = export(None, &dir.path().join("sqlite.zip"));
    let from_postgres = export(Some(&db), &dir.path().join("postgres.zip"));
    assert!(from_sqlite.lines().count() > 10, "{from_sqlite}");
    assert_eq!(from_postgres, from_sqlite);
}
