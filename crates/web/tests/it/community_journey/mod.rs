//! The community and structural levels over HTTP: a community made from cases' places, its
//! checklist and ranking, a project screened, selected, staffed and visited, the project on the
//! returnee's case and plan; what a viewer may and may not see; the structural records and the
//! JSON API.

use crate::common::*;
use domain::Role;
use serde_json::json;

mod project_api;
mod projects;
mod selection_criteria;
mod structural;

/// The version a project page's forms are based on.
async fn page_version(c: &Client, path: &str) -> String {
    field_value(&c.get_text(path).await.1, "version")
}

#[tokio::test]
async fn the_community_api_creates_projects_and_participants() {
    let app = spawn_app().await;
    let office = app.office("DKR").await;
    app.user("cm.dkr", Role::CaseManager, Some(office)).await;
    let cm = app.signed_in("cm.dkr").await;
    let (_case, number) = register_named(&app, &cm, "Aminata", "female").await;
    let token = api_token(&cm).await;
    let post = |p: &str, body: serde_json::Value| {
        cm.http
            .post(app.url(p))
            .bearer_auth(token.clone())
            .json(&body)
            .send()
    };
    let res = post(
        "/api/v1/communities",
        json!({"name": "", "province": "Tambacounda"}),
    )
    .await
    .unwrap();
    assert_eq!(res.status(), 422);
    let c: serde_json::Value = post(
        "/api/v1/communities",
        json!({"name": "Goudiry", "province": "Tambacounda"}),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let community = c["id"].as_str().unwrap().to_string();
    let res = cm
        .http
        .put(app.url(&format!("/api/v1/communities/{community}")))
        .bearer_auth(&token)
        .json(&json!({"version": 7, "community": {"name": "Goudiry", "province": "Tambacounda"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 409, "stale version");
    let p: serde_json::Value = post(
        "/api/v1/community-projects",
        json!({"community": community, "project": {"name": "Peer group", "kind": "peer_support", "started_on": "2026-01-01"}}),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(
        p["status"], "proposed",
        "lifecycle fields sent on creation are ignored"
    );
    assert_eq!(p["dimension"], "psychosocial");
    let project = p["id"].as_str().unwrap().to_string();
    let res = post(
        &format!("/api/v1/community-projects/{project}/participants"),
        json!({"kind": "returnee", "case_number": number, "role": "member", "joined": "2026-03-01", "version": 1}),
    )
    .await
    .unwrap();
    assert_eq!(res.status(), 201);
    let list: serde_json::Value = res.json().await.unwrap();
    assert_eq!(list[0]["name"], "Aminata Diallo");
    assert_eq!(list[0]["sex"], "female", "taken from the case");
    let res = post(
        &format!("/api/v1/community-projects/{project}/participants"),
        json!({"kind": "community_member", "name": "Fatou", "role": "member", "joined": "2026-03-01", "version": 1}),
    )
    .await
    .unwrap();
    assert_eq!(res.status(), 409, "the project moved on to version 2");
    let projects: serde_json::Value = cm
        .http
        .get(app.url(&format!("/api/v1/community-projects?community={community}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(projects[0]["mix"]["returnees"], 1);
    assert_eq!(projects[0]["mix_verdict"], "returnees_only");
    let (_, spec) = cm.get_text("/api/v1/openapi.json").await;
    for path in [
        "/api/v1/communities",
        "/api/v1/community-projects/{project}/participants",
        "/api/v1/capacity-assessments",
        "/api/v1/trainings",
        "/api/v1/coordination-mechanisms/{record}/meetings",
        "/api/v1/agreements",
    ] {
        assert!(spec.contains(path), "{path} is documented");
    }
}

/// The first field error's code of a refused API call.
async fn refusal(res: reqwest::Response) -> (u16, String) {
    let status = res.status().as_u16();
    let body: serde_json::Value = res.json().await.unwrap();
    let code = body["error"]["fields"][0]["code"]
        .as_str()
        .unwrap_or_default();
    (status, code.to_string())
}
