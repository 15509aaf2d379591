//! The service map, stakeholder map and referrals, through the pages and the API as their users
//! use them: what a partner can and cannot see, provider links, consent withdrawal, and the
//! audit entry of every disclosure.

use crate::common::*;
use domain::Role;
use serde_json::{Value, json};
use store::AuditScope;

mod consent_exception;
mod service_map;

fn referral_id_of(location: &str) -> String {
    location.rsplit('/').next().unwrap().to_string()
}

async fn disclosures(app: &TestApp, referral: &str) -> Vec<String> {
    app.store
        .audit_for_record("referral", referral, AuditScope::ChangesAndViews)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == domain::audit::AuditAction::Disclose)
        .map(|e| e.reason.unwrap_or_default())
        .collect()
}

/// The office's case manager with a personal API token, and the programme manager's token.
struct Api {
    app: TestApp,
    cm: Client,
    pm_token: String,
    cm_token: String,
    http: reqwest::Client,
}

impl Api {
    async fn start() -> Api {
        let app = spawn_app().await;
        let a = app.office("DKR").await;
        app.user("pm.dkr", Role::ProgrammeManager, Some(a)).await;
        app.user("cm.dkr", Role::CaseManager, Some(a)).await;
        let pm = app.signed_in("pm.dkr").await;
        let cm = app.signed_in("cm.dkr").await;
        let pm_token = api_token(&pm).await;
        let cm_token = api_token(&cm).await;
        let http = reqwest::Client::new();
        Api {
            app,
            cm,
            pm_token,
            cm_token,
            http,
        }
    }

    /// Calls `path` with `token`; the status and the JSON answer (or null).
    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let Api { app, http, .. } = self;
        let mut r = http.request(method, app.url(path)).bearer_auth(token);
        if let Some(b) = body {
            r = r.json(&b);
        }
        let res = r.send().await.unwrap();
        (
            res.status().as_u16(),
            res.json::<Value>().await.unwrap_or(Value::Null),
        )
    }
}

#[tokio::test]
async fn the_api_maps_services_and_walks_a_referral() {
    let j = Api::start().await;
    let sid = providers_and_services_are_mapped_and_found_through_the_api(&j).await;
    a_referral_without_consent_stays_a_draft_and_a_cancelled_one_gets_no_link(&j, &sid).await;
    the_openapi_document_lists_the_service_map_and_referrals(&j).await;
}

/// A provider and its service are mapped (a nameless one refused, a stale update too) and found.
async fn providers_and_services_are_mapped_and_found_through_the_api(j: &Api) -> String {
    let Api {
        pm_token, cm_token, ..
    } = j;
    let (status, p) = j
        .call(
            reqwest::Method::POST,
            "/api/v1/providers",
            pm_token,
            Some(json!({"name": "Legal aid", "sector": "non_profit"})),
        )
        .await;
    assert_eq!(status, 201);
    let pid = p["id"].as_str().unwrap().to_string();
    let (status, body) = j.call(
        reqwest::Method::POST,
        "/api/v1/services",
        pm_token,
        Some(json!({"provider": pid, "service": {"name": "", "category": "legal_justice", "place": "Dakar"}})),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(body["error"]["fields"][0]["field"], "name");
    let (status, s) = j.call(
        reqwest::Method::POST,
        "/api/v1/services",
        pm_token,
        Some(json!({"provider": pid, "service": {"name": "Free legal advice", "category": "legal_justice", "place": "Dakar", "languages": ["Wolof"], "answer_days": 4}})),
    )
    .await;
    assert_eq!(status, 201);
    assert_eq!(s["dimension"], "social");
    let sid = s["id"].as_str().unwrap().to_string();
    let (status, update) = j.call(
        reqwest::Method::PUT,
        &format!("/api/v1/services/{sid}"),
        pm_token,
        Some(json!({"version": 7, "provider": pid, "service": {"name": "x", "category": "legal_justice", "place": "Dakar"}})),
    )
    .await;
    assert_eq!(status, 409, "{update}");
    let (_, found) = j
        .call(
            reqwest::Method::GET,
            "/api/v1/services?dimension=social&language=wolof",
            cm_token,
            None,
        )
        .await;
    assert_eq!(found.as_array().unwrap().len(), 1);
    let (_, found) = j
        .call(
            reqwest::Method::GET,
            "/api/v1/services?category=health",
            cm_token,
            None,
        )
        .await;
    assert_eq!(found, json!([]));
    sid
}

/// A referral without consent is kept as a draft, cannot be sent, is cancelled, and gets no link.
async fn a_referral_without_consent_stays_a_draft_and_a_cancelled_one_gets_no_link(
    j: &Api,
    sid: &str,
) {
    let Api { cm, cm_token, .. } = j;
    let (case_url, _) = register_recent_return(cm).await;
    let case_id = case_url.trim_start_matches("/cases/");
    let (status, r) = j.call(
        reqwest::Method::POST,
        &format!("/api/v1/cases/{case_id}/referrals"),
        cm_token,
        Some(json!({"service": sid, "content": {"reason": "Needs a birth certificate", "urgency": "routine"}, "send": true})),
    )
    .await;
    assert_eq!(status, 422, "no consent: {r}");
    let (status, r) = j.call(
        reqwest::Method::POST,
        &format!("/api/v1/cases/{case_id}/referrals"),
        cm_token,
        Some(json!({"service": sid, "content": {"reason": "Needs a birth certificate", "urgency": "routine"}})),
    )
    .await;
    assert_eq!(status, 201);
    assert_eq!(r["status"], "draft");
    let rid = r["id"].as_str().unwrap().to_string();
    let (status, _) = j
        .call(
            reqwest::Method::POST,
            &format!("/api/v1/cases/{case_id}/referrals/{rid}/steps"),
            cm_token,
            Some(json!({"step": "send", "version": r["version"]})),
        )
        .await;
    assert_eq!(status, 422, "a draft without consent cannot be sent");
    let (status, r) = j.call(
        reqwest::Method::POST,
        &format!("/api/v1/cases/{case_id}/referrals/{rid}/steps"),
        cm_token,
        Some(json!({"step": "cancel", "note": "Found documents at home", "version": r["version"]})),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(r["status"], "cancelled");
    let (_, list) = j
        .call(
            reqwest::Method::GET,
            &format!("/api/v1/cases/{case_id}/referrals"),
            cm_token,
            None,
        )
        .await;
    assert_eq!(
        list[0]["content"]["sections"],
        json!(["identity", "contact", "reason"])
    );
    let (status, _) = j
        .call(
            reqwest::Method::POST,
            &format!("/api/v1/cases/{case_id}/referrals/{rid}/links"),
            cm_token,
            Some(json!({"days": 5})),
        )
        .await;
    assert_eq!(status, 422, "no link for a cancelled referral");
}

/// The OpenAPI document lists the service map and the referrals.
async fn the_openapi_document_lists_the_service_map_and_referrals(j: &Api) {
    let Api { cm_token, .. } = j;
    let (_, doc) = j
        .call(reqwest::Method::GET, "/api/v1/openapi.json", cm_token, None)
        .await;
    for path in [
        "/api/v1/providers",
        "/api/v1/services/{service}",
        "/api/v1/stakeholders",
        "/api/v1/referrals/{ref}/respond",
        "/api/v1/cases/{id}/referrals/{ref}/links",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path} documented");
    }
}
