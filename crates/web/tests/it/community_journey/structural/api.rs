//! The structural records through the API: the same records read and changed, and names kept
//! from viewers.

use super::{Journey, Records};
use crate::common::*;
use crate::community_journey::refusal;
use serde_json::json;

/// The programme manager's personal API token, and the calls made with it.
pub(super) struct Api<'a> {
    app: &'a TestApp,
    pm: &'a Client,
    token: String,
}

impl<'a> Api<'a> {
    pub(super) async fn new(j: &'a Journey) -> Api<'a> {
        let Journey { app, pm, .. } = j;
        let token = api_token(pm).await;
        Api { app, pm, token }
    }

    /// Reads `p` with the token.
    async fn get(&self, p: String) -> reqwest::Result<reqwest::Response> {
        let Api { app, pm, token } = self;
        pm.http
            .get(app.url(&p))
            .bearer_auth(token.clone())
            .send()
            .await
    }

    /// Replaces `p` with `body`, with the token.
    async fn put(&self, p: String, body: serde_json::Value) -> reqwest::Result<reqwest::Response> {
        let Api { app, pm, token } = self;
        pm.http
            .put(app.url(&p))
            .bearer_auth(token.clone())
            .json(&body)
            .send()
            .await
    }
}

/// The API covers the same records.
pub(super) async fn the_api_covers_the_same_records(
    api: &Api<'_>,
    r: &Records,
) -> (serde_json::Value, serde_json::Value) {
    let Api { app, pm, token } = api;
    let Records {
        ministry,
        mechanism,
        ..
    } = r;
    let trainings: serde_json::Value = api
        .get("/api/v1/trainings".into())
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(trainings[0]["participants"].as_array().unwrap().len(), 2);
    let meetings: serde_json::Value = api
        .get(format!(
            "/api/v1/coordination-mechanisms/{mechanism}/meetings"
        ))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(meetings[0]["action_points"][0]["note"], "Sent");
    let agreements: serde_json::Value = api
        .get("/api/v1/agreements".into())
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let agreement = &agreements[0];
    let res = pm
        .http
        .put(app.url(&format!("/api/v1/agreements/{}", agreement["id"].as_str().unwrap())))
        .bearer_auth(token)
        .json(&json!({"version": 99, "agreement": {"title": "MoU", "kind": "mou", "status": "draft"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 409);
    let res = pm
        .http
        .post(app.url("/api/v1/capacity-assessments"))
        .bearer_auth(token)
        .json(&json!({"stakeholder": ministry, "on": "2026-02-01", "method": "self_assessment", "engagement": 3}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    (trainings, meetings)
}

/// A new action point from a meeting, sent without an id, then marked done.
pub(super) async fn a_new_action_point_is_given_an_id_then_marked_done(
    api: &Api<'_>,
    r: &Records,
    meetings: &serde_json::Value,
) -> String {
    let Api { pm, .. } = api;
    let Records { mechanism, .. } = r;
    let mut meeting_body = meetings[0].clone();
    let meeting_id = meeting_body["id"].as_str().unwrap().to_string();
    let meeting_version = meeting_body["version"].as_i64().unwrap();
    meeting_body["action_points"].as_array_mut().unwrap().push(
        json!({"text": "Share the list of services", "owner": "Binta Camara", "due": "2026-05-01"}),
    );
    meeting_body["other_attendees"] = json!("Moussa Diallo, mayor of Goudiry");
    let mpath = format!("/api/v1/coordination-mechanisms/{mechanism}/meetings/{meeting_id}");
    let changed: serde_json::Value = api
        .put(
            mpath.clone(),
            json!({"version": meeting_version, "meeting": meeting_body}),
        )
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let new_point = &changed["action_points"][1];
    assert!(new_point["id"].as_str().unwrap().len() == 36, "given an id");
    assert!(new_point["done_on"].is_null());
    let mut done = changed.clone();
    done["action_points"][1]["done_on"] = json!("2026-04-28");
    let res = api
        .put(
            mpath.clone(),
            json!({"version": meeting_version, "meeting": done}),
        )
        .await
        .unwrap();
    assert_eq!(res.status(), 409, "based on the version before");
    let mut twice = done.clone();
    twice["action_points"][1]["id"] = twice["action_points"][0]["id"].clone();
    let (status, code) = refusal(
        api.put(
            mpath.clone(),
            json!({"version": changed["version"], "meeting": twice}),
        )
        .await
        .unwrap(),
    )
    .await;
    assert_eq!((status, code.as_str()), (422, "error-duplicate"));
    let res = api
        .put(
            mpath.clone(),
            json!({"version": changed["version"], "meeting": done}),
        )
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let (_, page) = pm
        .get_text(&format!("/registry/meetings/{meeting_id}"))
        .await;
    assert!(
        page.contains("2 of 2 done"),
        "the page sees the API's change"
    );
    let res = api
        .put(
            format!("/api/v1/coordination-mechanisms/{mechanism}/meetings/{mechanism}"),
            json!({"version": 1, "meeting": {"on": "2026-04-02"}}),
        )
        .await
        .unwrap();
    assert_eq!(res.status(), 404, "not a meeting of this mechanism");
    meeting_id
}

/// The mechanism, read and endorsed.
pub(super) async fn the_mechanism_is_read_and_endorsed(api: &Api<'_>, r: &Records) {
    let Api { pm, .. } = api;
    let Records {
        ministry,
        ngo,
        mechanism,
        ..
    } = r;
    let mut m: serde_json::Value = api
        .get(format!("/api/v1/coordination-mechanisms/{mechanism}"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(m["name"], "Reintegration working group");
    let version = m["version"].clone();
    m["endorsed_on"] = json!("2026-04-10");
    m["members"] = json!([ministry, "00000000-0000-4000-8000-000000000000"]);
    let (status, code) = refusal(
        api.put(
            format!("/api/v1/coordination-mechanisms/{mechanism}"),
            json!({"version": version, "mechanism": m}),
        )
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(
        (status, code.as_str()),
        (422, "error-choice"),
        "members come from the stakeholder map"
    );
    m["members"] = json!([ministry, ngo]);
    let res = api
        .put(
            format!("/api/v1/coordination-mechanisms/{mechanism}"),
            json!({"version": version, "mechanism": m}),
        )
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let (_, page) = pm
        .get_text(&format!("/registry/mechanisms/{mechanism}"))
        .await;
    assert!(!page.contains("Not endorsed by the government."));
}

/// The training's scores after it, sent later.
pub(super) async fn the_trainings_scores_after_it_are_sent_later(
    api: &Api<'_>,
    r: &Records,
    trainings: &serde_json::Value,
) {
    let Api { pm, .. } = api;
    let Records {
        training, tpath, ..
    } = r;
    let mut t = trainings[0].clone();
    let version = t["version"].clone();
    t["participants"][1]["post"] = json!(80);
    let t: serde_json::Value = api
        .put(
            format!("/api/v1/trainings/{training}"),
            json!({"version": version, "training": t}),
        )
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(t["participants"][1]["post"], 80);
    let (_, page) = pm.get_text(tpath).await;
    assert!(page.contains("77.5"), "the average after follows");
}

/// A capacity assessment, read and corrected.
pub(super) async fn a_capacity_assessment_is_read_and_corrected(
    api: &Api<'_>,
) -> (String, serde_json::Value) {
    let assessments: serde_json::Value = api
        .get("/api/v1/capacity-assessments".into())
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut a = assessments[0].clone();
    let apath = format!("/api/v1/capacity-assessments/{}", a["id"].as_str().unwrap());
    let read_back: serde_json::Value = api.get(apath.clone()).await.unwrap().json().await.unwrap();
    assert_eq!(read_back["id"], a["id"]);
    let version = a["version"].clone();
    a["engagement"] = json!(9);
    let (status, code) = refusal(
        api.put(apath.clone(), json!({"version": version, "assessment": a}))
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 422, "engagement is 1 to 5: {code}");
    a["engagement"] = json!(3);
    a["gaps"] = json!("No case management staff");
    let a: serde_json::Value = api
        .put(apath.clone(), json!({"version": version, "assessment": a}))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(a["engagement"], 3);
    (apath, a)
}

/// A capacity-building plan whose action point is completed, and a policy track moved on.
pub(super) async fn a_capacity_plan_is_completed_and_a_policy_track_moved_on(
    api: &Api<'_>,
    r: &Records,
) {
    let Api { app, pm, token } = api;
    let Records { ministry, ngo, .. } = r;
    let res = pm
        .http
        .post(app.url("/api/v1/capacity-plans"))
        .bearer_auth(token)
        .json(&json!({"stakeholder": ngo, "title": "Case management skills",
            "activities": ["training"], "action_points": [{"text": "Name a focal point", "due": "2026-05-01"}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let mut plan: serde_json::Value = res.json().await.unwrap();
    let ppath = format!("/api/v1/capacity-plans/{}", plan["id"].as_str().unwrap());
    plan["action_points"][0]["done_on"] = json!("2026-04-30");
    plan["action_points"][0]["note"] = json!("Awa Sow named");
    let plan: serde_json::Value = api
        .put(
            ppath.clone(),
            json!({"version": plan["version"], "plan": plan}),
        )
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(plan["action_points"][0]["done_on"], "2026-04-30");
    let (_, page) = pm
        .get_text(&format!(
            "/registry/capacity-plans/{}",
            plan["id"].as_str().unwrap()
        ))
        .await;
    assert!(page.contains("1 of 1 done"), "the plan's page follows");
    let res = pm
        .http
        .post(app.url("/api/v1/policy-tracks"))
        .bearer_auth(token)
        .json(&json!({"sector": "labour", "framework": "National employment policy", "lead": ministry}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let mut track: serde_json::Value = res.json().await.unwrap();
    let tpath_api = format!("/api/v1/policy-tracks/{}", track["id"].as_str().unwrap());
    let step = json!({"step": "scoping", "status": "done", "on": "2026-03-01"});
    track["steps"] = json!([step, step]);
    let (status, code) = refusal(
        api.put(
            tpath_api.clone(),
            json!({"version": track["version"], "track": track}),
        )
        .await
        .unwrap(),
    )
    .await;
    assert_eq!((status, code.as_str()), (422, "error-duplicate"));
    track["steps"] = json!([step]);
    let res = api
        .put(
            tpath_api.clone(),
            json!({"version": track["version"], "track": track}),
        )
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let track: serde_json::Value = api.get(tpath_api).await.unwrap().json().await.unwrap();
    assert_eq!(track["steps"][0]["status"], "done");
}

/// Names written in meetings stay with staff.
pub(super) async fn names_written_in_meetings_stay_with_staff(
    api: &Api<'_>,
    r: &Records,
    viewer: &Client,
    meeting_id: &str,
    apath: &str,
    a: &serde_json::Value,
) {
    let Api { app, pm, .. } = api;
    let Records { mechanism, .. } = r;
    let (_, page) = pm
        .get_text(&format!("/registry/meetings/{meeting_id}"))
        .await;
    assert!(page.contains("Moussa Diallo") && page.contains("Binta Camara"));
    let (_, page) = viewer
        .get_text(&format!("/registry/meetings/{meeting_id}"))
        .await;
    assert!(page.contains("Share the list of services"));
    assert!(!page.contains("Moussa Diallo") && !page.contains("Binta Camara"));
    let viewer_token = api_token(viewer).await;
    let seen: serde_json::Value = viewer
        .http
        .get(app.url(&format!(
            "/api/v1/coordination-mechanisms/{mechanism}/meetings"
        )))
        .bearer_auth(&viewer_token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        seen[0]["action_points"][1]["text"],
        "Share the list of services"
    );
    assert!(!seen.to_string().contains("Diallo") && !seen.to_string().contains("Binta"));
    let res = viewer
        .http
        .put(app.url(apath))
        .bearer_auth(&viewer_token)
        .json(&json!({"version": a["version"], "assessment": a}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let trainings: serde_json::Value = viewer
        .http
        .get(app.url("/api/v1/trainings"))
        .bearer_auth(&viewer_token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        trainings[0]["participants"],
        json!([]),
        "no names for viewers"
    );
}
