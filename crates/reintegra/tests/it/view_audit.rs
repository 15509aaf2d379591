//! An audited read is durable before its answer leaves: a server killed (SIGKILL) right after
//! answering a case's reads has the audit entry of every one of them in the database.

use serde_json::{Value, json};
use store::{AuditScope, CaseStore as _, ResultStore as _};

use crate::common::{serve, user_with_token};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_killed_right_after_a_view_keeps_its_audit_entry() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("d");
    let token = user_with_token(
        &dir,
        "cm.view",
        &["--role", "case-manager", "--office", "DKR"],
    );
    let mut server = serve(&dir, &[]);
    let api = reqwest::Client::new();
    let created: Value = api
        .post(format!("{}/api/v1/cases", server.url))
        .bearer_auth(&token)
        .json(&json!({"profile": {
            "given_name": "Ndeye", "family_name": "Faye", "sex": "female",
            "date_of_birth": "1992-04-02", "nationality": "Senegal",
            "return_date": "2026-03-01", "returned_from": "Libya",
            "return_type": "forced", "return_country": "Senegal", "return_province": "Dakar"
        }, "consents": []}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = created["id"].as_str().unwrap().to_string();
    // Several reads at once, then the server is killed as soon as the last answer is in.
    let mut reads = tokio::task::JoinSet::new();
    for _ in 0..8 {
        let read = api
            .get(format!("{}/api/v1/cases/{id}", server.url))
            .bearer_auth(&token)
            .send();
        reads.spawn(read);
    }
    while let Some(answer) = reads.join_next().await {
        assert_eq!(answer.unwrap().unwrap().status(), 200);
    }
    server.child.kill().unwrap();
    server.child.wait().unwrap();

    let store = store::SqliteStore::open_in(&dir).await.unwrap();
    let views = store
        .audit_for_record("case", &id, AuditScope::ChangesAndViews)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == domain::audit::AuditAction::View)
        .count();
    assert_eq!(views, 8, "every answered read left its audit entry");
    // The tallies of what was written before the kill are in step too.
    assert!(store.verify_tallies().await.unwrap().is_empty());
}
