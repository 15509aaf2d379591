//! A data directory remembers which instance it holds: an empty or foreign database file is
//! refused at start, never taken for a fresh instance.

use store::{DATABASE_FILE, INSTANCE_MARKER, SqliteStore};

#[tokio::test]
async fn the_first_start_marks_the_directory_and_later_starts_check_it() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open_in(dir.path()).await.unwrap();
    let id = store.instance_id().await.unwrap().expect("an instance id");
    drop(store);
    let marker = std::fs::read_to_string(dir.path().join(INSTANCE_MARKER)).unwrap();
    assert_eq!(marker.trim(), id);
    assert!(
        std::fs::metadata(dir.path().join(DATABASE_FILE))
            .unwrap()
            .len()
            > 0,
        "the database file holds its header from the first start"
    );

    let again = SqliteStore::open_in(dir.path()).await.unwrap();
    assert_eq!(again.instance_id().await.unwrap().as_deref(), Some(&*id));
}

#[tokio::test]
async fn an_empty_database_file_is_refused_not_started_afresh() {
    let dir = tempfile::tempdir().unwrap();
    drop(SqliteStore::open_in(dir.path()).await.unwrap());
    // An interrupted copy left a 0-byte file in place of the database.
    for companion in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(dir.path().join(format!("{DATABASE_FILE}{companion}")));
    }
    std::fs::write(dir.path().join(DATABASE_FILE), b"").unwrap();
    let refused = SqliteStore::open_in(dir.path())
        .await
        .err()
        .expect("refused");
    let why = refused.to_string();
    assert!(why.contains("missing or empty"), "{why}");
    assert!(why.contains("Restore the database"), "{why}");
    assert_eq!(
        std::fs::metadata(dir.path().join(DATABASE_FILE))
            .unwrap()
            .len(),
        0,
        "nothing was created in its place"
    );
}

#[tokio::test]
async fn another_instances_database_is_refused() {
    let (one, two) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    drop(SqliteStore::open_in(one.path()).await.unwrap());
    drop(SqliteStore::open_in(two.path()).await.unwrap());
    for companion in ["", "-wal", "-shm"] {
        let name = format!("{DATABASE_FILE}{companion}");
        let _ = std::fs::remove_file(one.path().join(&name));
        if two.path().join(&name).exists() {
            std::fs::copy(two.path().join(&name), one.path().join(&name)).unwrap();
        }
    }
    let why = SqliteStore::open_in(one.path())
        .await
        .err()
        .expect("refused")
        .to_string();
    assert!(why.contains("instance"), "{why}");
    // Removing the marker on purpose adopts the database found.
    std::fs::remove_file(one.path().join(INSTANCE_MARKER)).unwrap();
    assert!(SqliteStore::open_in(one.path()).await.is_ok());
}

#[tokio::test]
async fn an_encrypted_database_opens_only_with_its_key_and_its_backups_stay_encrypted() {
    let dir = tempfile::tempdir().unwrap();
    let key = || store::DatabaseKey::new("a passphrase for the test");
    let s = SqliteStore::open_in_with(dir.path(), key()).await.unwrap();
    let id = s.instance_id().await.unwrap();
    drop(s);
    let bytes = std::fs::read(dir.path().join(store::DATABASE_FILE)).unwrap();
    assert!(!bytes.starts_with(b"SQLite format 3\0"));

    for wrong in [None, store::DatabaseKey::new("another passphrase")] {
        let keyed = wrong.is_some();
        let e = SqliteStore::open_in_with(dir.path(), wrong)
            .await
            .err()
            .unwrap();
        let said = e.to_string();
        assert!(
            said.contains(if keyed {
                "the key is wrong"
            } else {
                "it is encrypted"
            }),
            "{said}"
        );
    }
    let s = SqliteStore::open_in_with(dir.path(), key()).await.unwrap();
    assert_eq!(s.instance_id().await.unwrap(), id);

    // A backup taken with VACUUM INTO from the keyed connection is encrypted with the same key.
    let copy = dir.path().join("copy.db");
    let conn = rusqlite::Connection::open(dir.path().join(store::DATABASE_FILE)).unwrap();
    conn.pragma_update(None, "key", "a passphrase for the test")
        .unwrap();
    conn.execute("VACUUM INTO ?1", [copy.to_str().unwrap()])
        .unwrap();
    drop(conn);
    assert!(
        !std::fs::read(&copy)
            .unwrap()
            .starts_with(b"SQLite format 3\0")
    );
    let restored = SqliteStore::open_with(&copy, key()).await.unwrap();
    assert_eq!(restored.instance_id().await.unwrap(), id);
}
