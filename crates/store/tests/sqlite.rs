#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Runs the backend-agnostic conformance suite against the embedded SQLite store.

mod conformance;

use std::sync::Arc;

#[tokio::test]
async fn sqlite_store_passes_the_conformance_suite() {
    let dir = tempfile::tempdir().unwrap();
    let store = store::SqliteStore::open_in(dir.path()).await.unwrap();
    conformance::run_all(Arc::new(store)).await;
}

#[tokio::test]
async fn database_is_in_wal_mode_with_foreign_keys_and_reopens_idempotently() {
    let dir = tempfile::tempdir().unwrap();
    let store = store::SqliteStore::open_in(dir.path()).await.unwrap();
    let path = store.path().to_path_buf();
    drop(store);
    // Opening again applies no migration twice.
    let _again = store::SqliteStore::open_in(dir.path()).await.unwrap();
    let c = rusqlite::Connection::open(&path).unwrap();
    let mode: String = c
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    let migrations: i64 = c
        .query_row("SELECT count(*) FROM schema_migrations", [], |r| r.get(0))
        .unwrap();
    assert_eq!(migrations, 2, "each migration recorded once");
}
