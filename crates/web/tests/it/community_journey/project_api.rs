//! A community project over the JSON API: communities ranked on their checklist, a collective
//! project screened, selected in order, staffed, started, visited, left and completed, and what
//! a viewer may read of it.

use super::refusal;
use crate::common::*;
use domain::Role;
use serde_json::json;

/// The office's case manager with a personal API token, and two registered returnees' numbers.
struct Api {
    app: TestApp,
    cm: Client,
    first: String,
    second: String,
    token: String,
}

impl Api {
    async fn start() -> Api {
        let app = spawn_app().await;
        let office = app.office("DKR").await;
        app.user("cm.dkr", Role::CaseManager, Some(office)).await;
        app.user("viewer.all", Role::Viewer, None).await;
        let cm = app.signed_in("cm.dkr").await;
        let (_, first) = register_named(&app, &cm, "Aminata", "female").await;
        let (_, second) = register_named(&app, &cm, "Moussa", "male").await;
        let token = api_token(&cm).await;
        Api {
            app,
            cm,
            first,
            second,
            token,
        }
    }

    /// Sends `body` to `p` with the token.
    async fn send(
        &self,
        method: reqwest::Method,
        p: String,
        body: serde_json::Value,
    ) -> reqwest::Result<reqwest::Response> {
        let Api { app, cm, token, .. } = self;
        cm.http
            .request(method, app.url(&p))
            .bearer_auth(token.clone())
            .json(&body)
            .send()
            .await
    }

    /// Posts `body` to `p` with the token.
    async fn post(&self, p: String, body: serde_json::Value) -> reqwest::Result<reqwest::Response> {
        self.send(reqwest::Method::POST, p, body).await
    }

    /// Reads `p` with the token.
    async fn read(&self, p: String) -> reqwest::Result<reqwest::Response> {
        let Api { app, cm, token, .. } = self;
        cm.http
            .get(app.url(&p))
            .bearer_auth(token.clone())
            .send()
            .await
    }
}

/// A collective project, and the day its dates are counted back from.
struct Project<'a> {
    api: &'a Api,
    project: String,
    today: time::Date,
}

impl<'a> Project<'a> {
    /// A collective project proposed in the community `goudiry`.
    async fn propose(api: &'a Api, goudiry: &serde_json::Value) -> Project<'a> {
        let community = goudiry["id"].as_str().unwrap();
        let p: serde_json::Value = api.post(
        "/api/v1/community-projects".into(),
        json!({"community": community, "project": {"name": "Market garden", "kind": "collective_income"}}),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
        let project = p["id"].as_str().unwrap().to_string();
        let today = crate::common::today();
        Project {
            api,
            project,
            today,
        }
    }

    /// The project's address in the API, then `rest`.
    fn path(&self, rest: &str) -> String {
        let project = &self.project;
        format!("/api/v1/community-projects/{project}{rest}")
    }

    /// The date `back` days before today.
    fn day(&self, back: i64) -> String {
        let today = self.today;
        (today - time::Duration::days(back)).to_string()
    }
}

#[tokio::test]
async fn a_project_is_ranked_screened_selected_run_and_visited_over_the_api() {
    let api = Api::start().await;
    let (goudiry, viewer, viewer_token) = an_assessed_community_is_shortlisted_first(&api).await;
    let project = Project::propose(&api, &goudiry).await;
    let version = the_project_is_screened_then_selected_in_three_stages_in_order(&project).await;
    let version = its_own_fields_change_but_its_kind_no_longer_can(&project, version).await;
    let (version, list) = participants_join_then_the_project_starts(&project, version).await;
    a_monitoring_visit_dated_tomorrow_is_refused_with_the_reason(&project).await;
    let version = a_community_member_leaves_and_the_mix_follows(&project, version, &list).await;
    a_step_sent_on_an_old_version_is_stale(&project, version).await;
    nobody_joins_a_completed_project(&project, version).await;
    viewers_read_the_projects_counts_never_change_it(&project, &viewer, &viewer_token).await;
}

/// Two communities, one assessed on the checklist: it ranks first and is shortlisted.
async fn an_assessed_community_is_shortlisted_first(
    api: &Api,
) -> (serde_json::Value, Client, String) {
    let Api { app, .. } = api;
    let met = json!({"status": "met", "evidence": "Profile of March"});
    let goudiry: serde_json::Value = api
        .post(
            "/api/v1/communities".into(),
            json!({"name": "Goudiry", "province": "Tambacounda", "selection": {
            "high_return_concentration": met, "authorities_motivated": met,
            "basic_infrastructure_security": {"status": "partly_met"}}}),
        )
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let res = api
        .post(
            "/api/v1/communities".into(),
            json!({"name": "Bakel", "province": "Tambacounda"}),
        )
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let ranking: serde_json::Value = api
        .read("/api/v1/communities/ranking".into())
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ranking[0]["name"], "Goudiry");
    assert_eq!(ranking[0]["position"], 1);
    assert_eq!(ranking[0]["met"], 2);
    assert_eq!(ranking[0]["partly_met"], 1);
    // 2.5 of the twelve equally weighted criteria.
    assert_eq!(ranking[0]["score"], 21);
    assert_eq!(ranking[0]["shortlisted"], true);
    assert_eq!(ranking[0]["returnees"], 2, "both registered returnees");
    assert_eq!(ranking[1]["name"], "Bakel");
    assert_eq!(ranking[1]["shortlisted"], false, "nothing met");
    let viewer = app.signed_in("viewer.all").await;
    let viewer_token = api_token(&viewer).await;
    let seen: serde_json::Value = viewer
        .http
        .get(app.url("/api/v1/communities/ranking"))
        .bearer_auth(&viewer_token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(seen[0]["name"], "Goudiry");
    assert!(
        seen[0]["returnees"].is_null(),
        "two is below the small-cell threshold"
    );
    (goudiry, viewer, viewer_token)
}

/// A collective project: screened, then the three selection stages, in order.
async fn the_project_is_screened_then_selected_in_three_stages_in_order(
    project: &Project<'_>,
) -> i64 {
    let Project { api, .. } = project;
    let (status, code) = refusal(
        api.post(
            project.path("/lifecycle"),
            json!({"version": 1, "step": "start", "on": project.day(30)}),
        )
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(
        (status, code.as_str()),
        (422, "error-project-screening-first")
    );
    let mut answers = serde_json::Map::new();
    for k in domain::community::POSITIVE_CRITERIA {
        answers.insert(k.into(), json!(true));
    }
    let (status, code) = refusal(
        api.post(
            project.path("/screening"),
            json!({"version": 1, "on": project.day(60), "answers": answers}),
        )
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(status, 422, "the four drawbacks are not answered");
    assert_eq!(code, "error-required");
    for k in domain::community::NEGATIVE_CRITERIA {
        answers.insert(k.into(), json!(false));
    }
    let p: serde_json::Value = api.post(
        project.path("/screening"),
        json!({"version": 1, "on": project.day(60), "answers": answers, "note": "With the village committee"}),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(p["status"], "screened");
    assert_eq!(p["screening"]["note"], "With the village committee");
    let (status, code) = refusal(
        api.post(
            project.path("/selection"),
            json!({"version": 2, "stage": "final", "passed": true, "on": project.day(50)}),
        )
        .await
        .unwrap(),
    )
    .await;
    assert_eq!((status, code.as_str()), (422, "error-project-stage-order"));
    let (status, code) = refusal(
        api.post(
            project.path("/selection"),
            json!({"version": 2, "stage": "pre_selection", "passed": true, "on": project.day(61)}),
        )
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(
        (status, code.as_str()),
        (422, "error-project-date-order"),
        "decided before the screening"
    );
    let mut version = 2;
    for (stage, back) in [("pre_selection", 50), ("initial", 45), ("final", 40)] {
        let res = api.post(
            project.path("/selection"),
            json!({"version": version, "stage": stage, "passed": true, "on": project.day(back)}),
        )
        .await
        .unwrap();
        assert_eq!(res.status(), 200, "{stage}");
        version += 1;
    }
    let p: serde_json::Value = api
        .read(project.path(""))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(p["status"], "selected");
    assert_eq!(p["version"], version);
    version
}

/// Its own fields change; its kind no longer can; the lifecycle is kept.
async fn its_own_fields_change_but_its_kind_no_longer_can(
    project: &Project<'_>,
    mut version: i64,
) -> i64 {
    let Project { api, .. } = project;
    let (status, code) = refusal(
        api.send(
            reqwest::Method::PUT,
            project.path(""),
            json!({"version": version, "project": {"name": "Market garden", "kind": "mentoring"}}),
        )
        .await
        .unwrap(),
    )
    .await;
    assert_eq!((status, code.as_str()), (422, "error-project-kind-locked"));
    let p: serde_json::Value = api.send(
        reqwest::Method::PUT,
        project.path(""),
        json!({"version": version, "project": {"name": "Goudiry market garden", "kind": "collective_income",
            "budget": 4000, "currency": "xof", "activities": ["Fence the plot", "Buy seeds"], "started_on": null}}),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(p["name"], "Goudiry market garden");
    assert_eq!(p["currency"], "XOF");
    assert_eq!(p["status"], "selected", "selection kept");
    version += 1;
    version
}

/// Two returnees and three community members, then it starts.
async fn participants_join_then_the_project_starts(
    project: &Project<'_>,
    mut version: i64,
) -> (i64, serde_json::Value) {
    let Project { api, .. } = project;
    let Api { first, second, .. } = api;
    let mut people = vec![
        json!({"kind": "returnee", "case_number": first, "role": "leader"}),
        json!({"kind": "returnee", "case_number": second, "role": "member"}),
    ];
    for (name, sex) in [
        ("Fatou Ba", "female"),
        ("Ousmane Sy", "male"),
        ("Awa Ndiaye", "female"),
    ] {
        people
            .push(json!({"kind": "community_member", "name": name, "sex": sex, "role": "member"}));
    }
    let mut list = serde_json::Value::Null;
    for mut person in people {
        person["joined"] = json!(project.day(35));
        person["version"] = json!(version);
        let res = api
            .post(project.path("/participants"), person)
            .await
            .unwrap();
        assert_eq!(res.status(), 201);
        list = res.json().await.unwrap();
        version += 1;
    }
    assert_eq!(list.as_array().unwrap().len(), 5);
    let p: serde_json::Value = api
        .post(
            project.path("/lifecycle"),
            json!({"version": version, "step": "start", "on": project.day(30)}),
        )
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    version += 1;
    assert_eq!(p["status"], "running");
    assert_eq!(p["mix"]["returnees"], 2);
    assert_eq!(p["mix"]["community_members"], 3);
    assert_eq!(p["mix_verdict"], "mixed");
    (version, list)
}

/// A monitoring visit: one dated tomorrow is refused, with the reason.
async fn a_monitoring_visit_dated_tomorrow_is_refused_with_the_reason(project: &Project<'_>) {
    let Project { api, today, .. } = *project;
    let (status, code) = refusal(
        api.post(
            project.path("/visits"),
            json!({"on": (today + time::Duration::days(1)).to_string(), "rating": "on_track", "findings": "Seeds bought"}),
        )
        .await
        .unwrap(),
    )
    .await;
    assert_eq!((status, code.as_str()), (422, "error-date-in-future"));
    let res = api
        .post(
            project.path("/visits"),
            json!({"on": project.day(10), "rating": "some_concerns", "participants_met": 4,
            "findings": "Water pump broken", "follow_up": "Ask the commune for a repair"}),
        )
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let visits: serde_json::Value = api
        .read(project.path("/visits"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(visits.as_array().unwrap().len(), 1);
    assert_eq!(visits[0]["rating"], "some_concerns");
    assert_eq!(visits[0]["findings"], "Water pump broken");
}

/// A community member leaves; the mix follows.
async fn a_community_member_leaves_and_the_mix_follows(
    project: &Project<'_>,
    mut version: i64,
    list: &serde_json::Value,
) -> i64 {
    let Project { api, .. } = project;
    let leaver = list
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["name"] == "Ousmane Sy")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let res = api
        .post(
            project.path(&format!("/participants/{leaver}/leave")),
            json!({"version": version - 1, "on": project.day(5)}),
        )
        .await
        .unwrap();
    assert_eq!(res.status(), 409, "based on an older version");
    let after: serde_json::Value = api
        .post(
            project.path(&format!("/participants/{leaver}/leave")),
            json!({"version": version, "on": project.day(5)}),
        )
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    version += 1;
    let left = after
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["name"] == "Ousmane Sy")
        .unwrap();
    assert_eq!(left["left"], project.day(5));
    let p: serde_json::Value = api
        .read(project.path(""))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(p["mix"]["community_members"], 2);
    version
}

/// A step sent on an old version is stale, even one the project would refuse anyway.
async fn a_step_sent_on_an_old_version_is_stale(project: &Project<'_>, version: i64) {
    let Project { api, .. } = project;
    let res = api
        .post(
            project.path("/lifecycle"),
            json!({"version": version - 1, "step": "start", "on": project.day(1)}),
        )
        .await
        .unwrap();
    assert_eq!(res.status(), 409);
}

/// Completed; nobody joins a completed project.
async fn nobody_joins_a_completed_project(project: &Project<'_>, mut version: i64) {
    let Project { api, .. } = project;
    let p: serde_json::Value = api.post(
        project.path("/lifecycle"),
        json!({"version": version, "step": "complete", "on": project.day(1), "note": "Harvest sold"}),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    version += 1;
    assert_eq!(p["status"], "completed");
    assert_eq!(p["closing"]["note"], "Harvest sold");
    let (status, code) = refusal(
        api.post(
            project.path("/participants"),
            json!({"kind": "community_member", "name": "Late", "role": "member", "joined": project.day(0), "version": version}),
        )
        .await
        .unwrap(),
    )
    .await;
    assert_eq!((status, code.as_str()), (422, "error-project-closed"));
}

/// Viewers read the project's counts, never change it.
async fn viewers_read_the_projects_counts_never_change_it(
    project: &Project<'_>,
    viewer: &Client,
    viewer_token: &str,
) {
    let Project { api, .. } = project;
    let Api { app, .. } = api;
    let res = viewer
        .http
        .post(app.url(&project.path("/visits")))
        .bearer_auth(viewer_token)
        .json(&json!({"on": project.day(1), "rating": "on_track", "findings": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let res = viewer
        .http
        .get(app.url(&project.path("/participants")))
        .bearer_auth(viewer_token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403, "no names for viewers");
    let seen: serde_json::Value = viewer
        .http
        .get(app.url(&project.path("/visits")))
        .bearer_auth(viewer_token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(seen[0]["rating"], "some_concerns");
    assert_eq!(seen[0]["findings"], "", "findings can name people");
    assert!(seen[0]["participants_met"].is_null(), "4 is a small count");
    assert_eq!(seen[0]["follow_up"], "");
}
