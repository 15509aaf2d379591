//! The store on PostgreSQL: migrations, values on the wire, and the conformance suite's parts
//! that run there so far. Each test makes a schema of its own in the cluster named by
//! `REINTEGRA_TEST_POSTGRES` (scripts/test starts a private one); without it the tests fail
//! and say how to get one, unless it is set to `skip`.

use std::sync::Arc;

use store::{PgStore, ScheduleStore};

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

/// A fresh store in a new schema (its files in a temporary directory, kept alive with it), or
/// `None` when PostgreSQL tests are skipped on purpose.
pub async fn fresh() -> Option<(tempfile::TempDir, PgStore)> {
    let url = url()?;
    let files = tempfile::tempdir().unwrap();
    let store = PgStore::connect_to_new_schema(&url, files.path(), 4)
        .await
        .unwrap();
    Some((files, store))
}

#[tokio::test]
async fn migrations_apply_once_on_a_fresh_schema() {
    let Some((_files, s)) = fresh().await else {
        return;
    };
    assert_eq!(s.migrations_applied().await.unwrap(), 39);
    // A second instance starting on the same schema applies nothing again.
    assert_eq!(s.migrate().await.unwrap(), 0);
}

#[tokio::test]
async fn feedback_conforms() {
    let Some((_files, s)) = fresh().await else {
        return;
    };
    conformance::feedback::run(Arc::new(s)).await;
}

#[tokio::test]
async fn accounts_conform() {
    let Some((_files, s)) = fresh().await else {
        return;
    };
    conformance::accounts::run(Arc::new(s)).await;
}

#[tokio::test]
async fn schedule_conforms() {
    let Some((_files, s)) = fresh().await else {
        return;
    };
    conformance::schedule::run(Arc::new(s)).await;
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

// The conformance module makes its cases through `CaseStore` (`create_case`, `case`).
#[tokio::test]
#[ignore = "needs CaseStore on PostgreSQL"]
async fn pathway_conform() {
    let Some((_files, s)) = fresh().await else {
        return;
    };
    conformance::pathway::run(Arc::new(s)).await;
}

#[tokio::test]
#[ignore = "needs CaseStore on PostgreSQL"]
async fn referrals_conform() {
    let Some((_files, s)) = fresh().await else {
        return;
    };
    conformance::referrals::run(Arc::new(s)).await;
}

#[tokio::test]
#[ignore = "needs CaseStore and FormStore on PostgreSQL"]
async fn documents_conform() {
    let Some((_files, s)) = fresh().await else {
        return;
    };
    conformance::documents::run(Arc::new(s)).await;
}
