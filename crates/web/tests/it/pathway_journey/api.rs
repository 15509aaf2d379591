//! The same pathway through the JSON API: a case manager, their supervisor and an M&E officer,
//! each with a personal token, walk the plan under the pages' rules.

use crate::common::*;
use domain::Role;
use reqwest::Method as M;
use serde_json::{Value, json};

/// A returnee's case, the API's client and the tokens of the case manager (0), the supervisor
/// (1) and the M&E officer (2).
struct Api {
    app: TestApp,
    http: reqwest::Client,
    id: String,
    tokens: [String; 3],
}

impl Api {
    async fn start() -> Api {
        let app = spawn_app().await;
        let office = app.office("ZIG").await;
        app.user("cm.zig", Role::CaseManager, Some(office)).await;
        app.user("pm.zig", Role::ProgrammeManager, Some(office))
            .await;
        app.user("me.zig", Role::MeOfficer, Some(office)).await;
        let cm = app.signed_in("cm.zig").await;
        let (case_path, _) = register_recent_return(&cm).await;
        let id = case_path.trim_start_matches("/cases/").to_string();
        let http = reqwest::Client::new();
        let tokens = [
            api_token(&cm).await,
            api_token(&app.signed_in("pm.zig").await).await,
            api_token(&app.signed_in("me.zig").await).await,
        ];
        Api {
            app,
            http,
            id,
            tokens,
        }
    }

    /// Calls `/api/v1/cases/{id}{path}` as `who`; the status and the JSON answer (or null).
    async fn call(
        &self,
        who: usize,
        method: reqwest::Method,
        path: String,
        body: Option<Value>,
    ) -> (u16, Value) {
        let Api {
            app,
            http,
            id,
            tokens,
        } = self;
        let mut req = http
            .request(method, app.url(&format!("/api/v1/cases/{id}{path}")))
            .header("authorization", format!("Bearer {}", tokens[who]));
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.unwrap();
        let status = res.status().as_u16();
        let text = res.text().await.unwrap();
        (
            status,
            serde_json::from_str::<Value>(&text).unwrap_or(Value::Null),
        )
    }
}

#[tokio::test]
async fn the_json_api_walks_the_plan_with_the_same_rules() {
    let j = Api::start().await;
    the_pathway_starts_at_intake_missing_the_rapid_screening(&j).await;
    sessions_keep_sensitive_notes_from_m_and_e(&j).await;
    a_plan_is_agreed_then_approved_by_the_supervisor_on_its_latest_revision(&j).await;
    payments_stay_within_the_budget(&j).await;
    closure_needs_consent_for_a_hand_over_then_is_approved_and_reopened(&j).await;
    the_openapi_document_lists_the_pathway(&j).await;
}

/// A new case is at intake, missing its rapid screening.
async fn the_pathway_starts_at_intake_missing_the_rapid_screening(j: &Api) {
    let (status, p) = j.call(0, M::GET, "/pathway".into(), None).await;
    assert_eq!(status, 200);
    assert_eq!(p["stage"], "intake");
    assert_eq!(p["missing"][0], "rapid_screening");
}

/// A session's sensitive notes are for the case manager, not for M&E.
async fn sessions_keep_sensitive_notes_from_m_and_e(j: &Api) {
    let (status, _) = j
        .call(
            0,
            M::POST,
            "/sessions".into(),
            Some(json!({
                "date": crate::common::today().to_string(), "kind": "first", "topics": "Welcome",
                "sensitive_notes": "Fear of the smuggler's family"
            })),
        )
        .await;
    assert_eq!(status, 201);
    let (_, list) = j.call(2, M::GET, "/sessions".into(), None).await;
    assert_eq!(list[0]["topics"], "Welcome");
    assert!(
        list[0]["sensitive_notes"].is_null(),
        "M&E sees no sensitive notes: {list}"
    );
    let (_, list) = j.call(0, M::GET, "/sessions".into(), None).await;
    assert_eq!(list[0]["sensitive_notes"], "Fear of the smuggler's family");
}

/// A plan is made once, agreed, and approved by the supervisor on its latest revision only.
async fn a_plan_is_agreed_then_approved_by_the_supervisor_on_its_latest_revision(j: &Api) {
    let content = json!({
        "objectives": {"economic": "Start a bakery"},
        "items": [{"key": 1, "kind": "microbusiness", "details": "Oven", "modality": "in_kind",
                   "responsible": "organisation", "status": "planned", "budget": 600}],
        "exit_strategy": "Bakery self-sufficient after a year",
        "best_interests_note": "Income keeps Moussa at school",
        "place": "Ziguinchor"
    });
    let (status, v) = j
        .call(
            0,
            M::POST,
            "/plans".into(),
            Some(json!({"expected_latest": null, "content": content})),
        )
        .await;
    assert_eq!(status, 201, "{v}");
    assert_eq!(v["status"], "draft");
    let rev = v["revision"].as_i64().unwrap();
    let (status, _) = j
        .call(
            0,
            M::POST,
            "/plans".into(),
            Some(json!({"expected_latest": null, "content": content})),
        )
        .await;
    assert_eq!(status, 409, "a second first version is a conflict");
    let (status, _) = j.call(0, M::POST, "/plans/1/agreement".into(), Some(json!({"revision": rev, "date": crate::common::today().to_string(), "method": "signed", "copy_given": true}))).await;
    assert_eq!(status, 204);
    let (status, _) = j
        .call(
            0,
            M::POST,
            "/plans/1/approval".into(),
            Some(json!({"revision": rev + 1})),
        )
        .await;
    assert_eq!(status, 403, "no self-approval in this office");
    let (status, _) = j
        .call(
            1,
            M::POST,
            "/plans/1/approval".into(),
            Some(json!({"revision": rev})),
        )
        .await;
    assert_eq!(status, 409, "a stale revision is refused");
    let (status, _) = j
        .call(
            1,
            M::POST,
            "/plans/1/approval".into(),
            Some(json!({"revision": rev + 1})),
        )
        .await;
    assert_eq!(status, 204);
    let (_, p) = j.call(0, M::GET, "/pathway".into(), None).await;
    assert_eq!(p["stage"], "implementation");
    assert_eq!(p["visits"][0]["key"], "midterm");
}

/// Payments stay within the item's budget and are numbered.
async fn payments_stay_within_the_budget(j: &Api) {
    let pay = |amount: u64| json!({"item_key": 1, "date": crate::common::today().to_string(), "amount": amount, "instalment": 0});
    let (status, _) = j
        .call(0, M::POST, "/disbursements".into(), Some(pay(400)))
        .await;
    assert_eq!(status, 201);
    let (status, e) = j
        .call(0, M::POST, "/disbursements".into(), Some(pay(201)))
        .await;
    assert_eq!(status, 422);
    assert_eq!(e["error"]["fields"][0]["code"], "error-over-budget");
    let (_, d) = j.call(2, M::GET, "/disbursements".into(), None).await;
    assert_eq!(d["balances"][0]["remaining"], 200);
    assert_eq!(d["disbursements"][0]["instalment"], 1);
}

/// Closure: a hand-over without consent is refused; then requested, approved, reopened.
async fn closure_needs_consent_for_a_hand_over_then_is_approved_and_reopened(j: &Api) {
    let Api {
        app, http, tokens, ..
    } = j;
    let (status, _) = j.call(0, M::POST, "/closure".into(), Some(json!({
        "date": crate::common::today().to_string(), "reason": "planned_end", "needs_met": "Bakery open",
        "handovers": [{"agency": "Microfinance", "purpose": "Loan", "consent": false}],
        "no_final_survey_reason": "Returnee travelling"
    }))).await;
    assert_eq!(status, 422, "hand-over without consent");
    // What is still open comes back by field (`open.<item>`), to settle or carry over.
    let (status, refused) = j.call(0, M::POST, "/closure".into(), Some(json!({
        "date": crate::common::today().to_string(), "reason": "planned_end", "needs_met": "Bakery open",
        "no_final_survey_reason": "Returnee travelling"
    }))).await;
    assert_eq!(status, 422);
    let carried: Vec<serde_json::Value> = refused["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| {
            f["field"]
                .as_str()?
                .strip_prefix("open.")
                .map(str::to_string)
        })
        .map(|item| json!({"item": item, "reason": "The microfinance institution takes it on"}))
        .collect();
    assert!(!carried.is_empty(), "{refused}");
    let (status, _) = j.call(0, M::POST, "/closure".into(), Some(json!({
        "date": crate::common::today().to_string(), "reason": "planned_end", "needs_met": "Bakery open",
        "no_final_survey_reason": "Returnee travelling", "carried_over": carried
    }))).await;
    assert_eq!(status, 201);
    let approvals = http
        .get(app.url("/api/v1/approvals"))
        .header("authorization", format!("Bearer {}", tokens[1]))
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    assert!(
        approvals[0]["plan_version"].is_null() && approvals[0]["closure"].is_string(),
        "{approvals}"
    );
    let (status, _) = j.call(1, M::POST, "/closure/approval".into(), None).await;
    assert_eq!(status, 204);
    let (_, p) = j.call(0, M::GET, "/pathway".into(), None).await;
    assert_eq!(p["stage"], "closed");
    let (status, _) = j
        .call(
            1,
            M::POST,
            "/reopen".into(),
            Some(json!({"reason": "Back"})),
        )
        .await;
    assert_eq!(status, 204);
    let (_, x) = j.call(0, M::GET, "/closure".into(), None).await;
    assert_eq!(x[0]["in_force"], false);
    assert_eq!(x[0]["reopen_reason"], "Back");
}

/// The OpenAPI document lists the pathway.
async fn the_openapi_document_lists_the_pathway(j: &Api) {
    let Api { app, http, .. } = j;
    let doc = http
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for path in [
        "/api/v1/cases/{id}/plans/{plan}/approval",
        "/api/v1/cases/{id}/disbursements",
        "/api/v1/approvals",
    ] {
        assert!(doc.contains(path), "{path}");
    }
}
