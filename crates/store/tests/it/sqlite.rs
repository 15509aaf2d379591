//! Runs the backend-agnostic conformance suite against the embedded SQLite store, one part
//! per test on a fresh database, and checks what is particular to SQLite.

use std::sync::Arc;

use crate::conformance;

/// A fresh store in its own temporary directory (kept alive with the store).
async fn fresh() -> Option<(tempfile::TempDir, Arc<dyn store::Store>)> {
    let dir = tempfile::tempdir().unwrap();
    let store = store::SqliteStore::open_in(dir.path()).await.unwrap();
    Some((dir, Arc::new(store)))
}

conformance::every_part!(fresh);

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
    assert_eq!(migrations, 41, "each migration recorded once");
}

/// A common family name among many cases takes the "walk the list order" plan; a rare one takes
/// the "collect the matches" plan. Both must give the same pages, counts and order.
#[tokio::test]
async fn broad_and_narrow_name_searches_agree() {
    use domain::authz::{CaseListScope, RestrictedVisibility};
    use domain::case::CaseStage;
    use domain::{CaseId, OfficeCode};
    use store::prelude::*;
    use store::{AuditContext, CaseQuery, CaseSort, NewCase};

    let dir = tempfile::tempdir().unwrap();
    let store = store::SqliteStore::open_in(dir.path()).await.unwrap();
    let office = store
        .ensure_office(&OfficeCode::parse("BRD").unwrap(), "Broad")
        .await
        .unwrap();
    let now = time::macros::datetime!(2026-11-23 10:00 UTC);
    let start = time::macros::date!(2020 - 01 - 01);
    // 2,400 Diallos (broad) and 30 Sows (narrow), interleaved in return date.
    let cases: Vec<_> = (0..2_430u32)
        .map(|i| {
            let family = if i % 81 == 0 { "Sow" } else { "Diallo" };
            let mut p = crate::conformance::profile(&format!("Person{i:04}"), family);
            p.return_date = start + time::Duration::days(i64::from(i));
            (
                NewCase {
                    id: CaseId::new(),
                    office: office.id,
                    case_manager: None,
                    profile: p,
                    stage: CaseStage::Intake,
                    consents: vec![],
                },
                AuditContext::system(now, "test"),
            )
        })
        .collect();
    store.import_cases(cases).await.unwrap();
    store.analyze().await.unwrap();

    let mut q = CaseQuery::new(CaseListScope {
        office: Some(office.id),
        restricted: RestrictedVisibility::All,
    });
    q.sort = CaseSort::ReturnDate;
    q.descending = true;
    q.per_page = 25;
    q.text = Some("diallo".into());
    let broad = store.list_cases(&q).await.unwrap();
    // Name searches stop counting at 100: the page says "more than 100".
    assert_eq!(broad.total, 100);
    assert!(broad.total_capped);
    assert_eq!(broad.count_cap, 100);
    let names: Vec<_> = broad.items.iter().map(|c| c.given_name.as_str()).collect();
    // Newest return first, skipping the Sows.
    let expected: Vec<String> = (0..2_430u32)
        .rev()
        .filter(|i| i % 81 != 0)
        .take(25)
        .map(|i| format!("Person{i:04}"))
        .collect();
    assert_eq!(names, expected);
    // The third page, from the second's place.
    q.from = store::PageFrom::After(broad.next.unwrap());
    let second = store.list_cases(&q).await.unwrap();
    q.from = store::PageFrom::After(second.next.unwrap());
    let third = store.list_cases(&q).await.unwrap();
    assert_eq!(third.items[0].given_name, {
        let i = (0..2_430u32).rev().filter(|i| i % 81 != 0).nth(50).unwrap();
        format!("Person{i:04}")
    });

    q.from = store::PageFrom::First;
    q.text = Some("sow".into());
    let narrow = store.list_cases(&q).await.unwrap();
    assert_eq!(narrow.total, 30);
    assert!(!narrow.total_capped);
    assert_eq!(narrow.items[0].given_name, "Person2349");
    assert!(narrow.items.iter().all(|c| c.family_name == "Sow"));
}

/// Cases stored before the duplicate check's keys existed (or under other filing rules) are
/// filed when the store next opens, so that an upgraded programme's returnees are found.
#[tokio::test]
async fn cases_stored_before_the_keys_are_filed_on_opening() {
    use domain::authz::{CaseListScope, RestrictedVisibility};
    use domain::case::CaseStage;
    use domain::{CaseId, OfficeCode};
    use store::prelude::*;
    use store::{AuditContext, NewCase};

    let dir = tempfile::tempdir().unwrap();
    let store = store::SqliteStore::open_in(dir.path()).await.unwrap();
    let office = store
        .ensure_office(&OfficeCode::parse("UPG").unwrap(), "Upgraded")
        .await
        .unwrap();
    let profile = crate::conformance::profile("Mamadou", "Diallo");
    let case = NewCase {
        id: CaseId::new(),
        office: office.id,
        case_manager: None,
        profile: profile.clone(),
        stage: CaseStage::Intake,
        consents: vec![],
    };
    let now = time::macros::datetime!(2026-11-23 10:00 UTC);
    store
        .import_cases(vec![(case, AuditContext::system(now, "test"))])
        .await
        .unwrap();
    let path = store.path().to_path_buf();
    drop(store);
    // As a database from before migration 35 would be: no keys, no filing rules.
    let c = rusqlite::Connection::open(&path).unwrap();
    c.execute_batch("DELETE FROM case_match_keys; DELETE FROM case_match_rules;")
        .unwrap();
    drop(c);

    let store = store::SqliteStore::open_in(dir.path()).await.unwrap();
    let scope = CaseListScope {
        office: None,
        restricted: RestrictedVisibility::All,
    };
    let mut spelled_otherwise = crate::conformance::profile("Mamadu", "Jallow");
    spelled_otherwise.date_of_birth = profile.date_of_birth;
    let keys = domain::duplicates::Prepared::of(&spelled_otherwise).lookup_keys();
    let found = store.cases_with_match_keys(scope, keys).await.unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].profile.family_name, "Diallo");
}
