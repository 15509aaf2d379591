//! The store on PostgreSQL: migrations, values on the wire, and the conformance suite's parts
//! that run there so far. Each test makes a schema of its own in the cluster named by
//! `REINTEGRA_TEST_POSTGRES` (scripts/test starts a private one); without it the tests fail
//! and say how to get one, unless it is set to `skip`.

use std::sync::Arc;

use store::{PageFrom, PgStore, ScheduleStore, Store};

use super::conformance;

/// The test cluster's address, or `None` when PostgreSQL tests are skipped on purpose.
pub fn url() -> Option<String> {
    let url = std::env::var("REINTEGRA_TEST_POSTGRES").unwrap_or_default();
    if url == "skip" {
        eprintln!("PostgreSQL tests skipped (REINTEGRA_TEST_POSTGRES=skip)");
        return None;
    }
    assert!(
        !url.is_empty(),
        "REINTEGRA_TEST_POSTGRES is not set: run scripts/test, or start a cluster with \
         `scripts/pg-cluster start DIR PORT` and export the address it prints \
         (or set it to `skip`)"
    );
    Some(url)
}

/// A fresh store in a new schema (its files in `files/` of a temporary data directory, kept
/// alive with it: exports go beside, in `exports/`), or `None` when PostgreSQL tests are
/// skipped on purpose.
pub async fn fresh() -> Option<(tempfile::TempDir, PgStore)> {
    let url = url()?;
    let data = tempfile::tempdir().unwrap();
    let store = PgStore::connect_to_new_schema(&url, &data.path().join("files"), 4)
        .await
        .unwrap();
    Some((data, store))
}

/// The same, seen as any store, for the conformance suite.
async fn fresh_store() -> Option<(tempfile::TempDir, Arc<dyn Store>)> {
    let (dir, store) = fresh().await?;
    Some((dir, Arc::new(store)))
}

conformance::every_part!(fresh_store);

#[tokio::test]
async fn migrations_apply_once_on_a_fresh_schema() {
    let Some((_files, s)) = fresh().await else {
        return;
    };
    assert_eq!(s.migrations_applied().await.unwrap(), 41);
    // A second instance starting on the same schema applies nothing again.
    assert_eq!(s.migrate().await.unwrap(), 0);
}

/// Two instances on one database: the second waits for the first's start-up work.
#[tokio::test]
async fn start_up_work_is_done_by_one_instance_at_a_time() {
    let Some(url) = url() else { return };
    let schema = PgStore::new_schema(&url).await.unwrap();
    let files = tempfile::tempdir().unwrap();
    let first = PgStore::connect_in(&url, Some(&schema), files.path(), 2)
        .await
        .unwrap();
    let second = PgStore::connect_in(&url, Some(&schema), files.path(), 2)
        .await
        .unwrap();
    let held = first.hold_start_up().await.unwrap();
    let waiting = tokio::spawn(async move { second.hold_start_up().await.map(drop) });
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(!waiting.is_finished(), "the second instance did not wait");
    drop(held);
    tokio::time::timeout(std::time::Duration::from_secs(10), waiting)
        .await
        .expect("the lock was not released")
        .unwrap()
        .unwrap();
}

/// A name search matching many cases walks the list in its order (the broad plan), one
/// matching few collects its matches (the narrow plan): on PostgreSQL, with no planner hints,
/// both give what the list shows.
#[tokio::test]
async fn broad_and_narrow_name_searches_agree() {
    use domain::authz::{CaseListScope, RestrictedVisibility};
    use domain::case::CaseStage;
    use domain::{CaseId, OfficeCode};
    use store::prelude::*;
    use store::{AuditContext, CaseQuery, CaseSort, NewCase};

    let Some((_files, store)) = fresh().await else {
        return;
    };
    let office = store
        .ensure_office(&OfficeCode::parse("BRD").unwrap(), "Broad")
        .await
        .unwrap();
    let now = time::macros::datetime!(2026-11-23 10:00 UTC);
    let start = time::macros::date!(2020 - 01 - 01);
    // 390 Diallos (more than a name search counts: broad) and 15 Sows (narrow), interleaved
    // in return date.
    let cases: Vec<_> = (0..405u32)
        .map(|i| {
            let family = if i % 27 == 0 { "Sow" } else { "Diallo" };
            let mut p = crate::conformance::profile(&format!("Person{i:04}"), family);
            p.return_date = start + time::Duration::days(i64::from(i));
            NewCase {
                id: CaseId::new(),
                office: office.id,
                case_manager: None,
                profile: p,
                stage: CaseStage::Intake,
                consents: vec![],
            }
        })
        .collect();
    let audit = AuditContext::system(now, "test");
    let event = audit.entry(
        domain::audit::AuditAction::Create,
        "import",
        "broad".to_string(),
        vec![],
    );
    store.create_cases(cases, audit, event).await.unwrap();

    let mut q = CaseQuery::new(CaseListScope {
        office: Some(office.id),
        restricted: RestrictedVisibility::All,
    });
    q.sort = CaseSort::ReturnDate;
    q.descending = true;
    q.per_page = 25;
    q.text = Some("diallo".into());
    let broad = store.list_cases(&q).await.unwrap();
    assert_eq!(broad.total, 100);
    assert!(broad.total_capped);
    let diallos = || (0..405u32).rev().filter(|i| i % 27 != 0);
    let names: Vec<_> = broad.items.iter().map(|c| c.given_name.clone()).collect();
    let expected: Vec<String> = diallos()
        .take(25)
        .map(|i| format!("Person{i:04}"))
        .collect();
    assert_eq!(names, expected);
    // The third page, from the second's place.
    q.from = PageFrom::After(broad.next.unwrap());
    let second = store.list_cases(&q).await.unwrap();
    q.from = PageFrom::After(second.next.unwrap());
    let third = store.list_cases(&q).await.unwrap();
    assert_eq!(
        third.items[0].given_name,
        format!("Person{:04}", diallos().nth(50).unwrap())
    );

    q.from = PageFrom::First;
    q.text = Some("sow".into());
    let narrow = store.list_cases(&q).await.unwrap();
    assert_eq!(narrow.total, 15);
    assert!(!narrow.total_capped);
    assert_eq!(narrow.items[0].given_name, "Person0378");
    assert!(narrow.items.iter().all(|c| c.family_name == "Sow"));
}

/// A SQLite database holding what the whole conformance suite writes is copied into an empty
/// PostgreSQL database: every table, row for row (the copy checks counts and checksums itself);
/// a second copy into the now full database is refused and changes nothing.
#[tokio::test]
async fn a_sqlite_database_is_copied_whole_and_only_into_an_empty_database() {
    let Some((_files, pg)) = fresh().await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let sqlite = store::SqliteStore::open_in(dir.path()).await.unwrap();
    conformance::run_all(Arc::new(sqlite.clone())).await;
    let copied = pg.copy_from_sqlite(&sqlite).await.unwrap();
    let rows = |t: &str| copied.iter().find(|c| c.table == t).map(|c| c.rows);
    assert!(rows("cases").unwrap() > 10, "{copied:?}");
    assert!(rows("audit_log").unwrap() > 100);
    assert!(
        rows("approved_plan_items").is_some(),
        "trigger-filled tables are checked too"
    );
    assert!(copied.iter().any(|c| c.table == "documents" && c.rows > 0));
    // What the copy holds is what the store reads back.
    use store::prelude::*;
    assert_eq!(
        pg.list_users().await.unwrap().len(),
        sqlite.list_users().await.unwrap().len()
    );
    let again = pg.copy_from_sqlite(&sqlite).await.unwrap_err();
    assert!(again.to_string().contains("already holds data"), "{again}");
    assert_eq!(
        pg.list_users().await.unwrap().len(),
        sqlite.list_users().await.unwrap().len()
    );
}

/// Connections are encrypted when the server offers it, and `sslmode=verify-full` with the
/// server's certificate as `sslrootcert` checks the name: `localhost` passes, the same server
/// reached as 127.0.0.1 is refused (the test cluster's certificate names localhost only).
#[tokio::test]
async fn connections_are_encrypted_and_verify_full_checks_the_certificate() {
    let Some(url) = url() else {
        return;
    };
    let files = tempfile::tempdir().unwrap();
    let files = files.path().join("files");
    let default = PgStore::connect_to_new_schema(&url, &files, 1)
        .await
        .unwrap();
    assert!(
        default.connection_encrypted().await.unwrap(),
        "the test cluster offers TLS (scripts/pg-cluster) and the default takes it"
    );
    // The cluster's own certificate, read over a plain driver connection.
    let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    let certificate: String = client
        .query_one("SELECT current_setting('ssl_cert_file')", &[])
        .await
        .unwrap()
        .get(0);
    let sep = if url.contains('?') { '&' } else { '?' };
    let checked = format!("{url}{sep}sslmode=verify-full&sslrootcert={certificate}");
    let by_name = checked.replacen("127.0.0.1", "localhost", 1);
    let verified = PgStore::connect_to_new_schema(&by_name, &files, 1)
        .await
        .unwrap();
    assert!(verified.connection_encrypted().await.unwrap());
    let wrong_name = PgStore::connect_to_new_schema(&checked, &files, 1)
        .await
        .expect_err("the certificate does not name 127.0.0.1");
    assert!(
        wrong_name
            .to_string()
            .to_lowercase()
            .contains("certificate"),
        "{wrong_name}"
    );
    let off = PgStore::connect_to_new_schema(&format!("{url}{sep}sslmode=disable"), &files, 1)
        .await
        .unwrap();
    assert!(!off.connection_encrypted().await.unwrap());
}
