//! A post sent twice (a double click on Save, the browser resubmitting, a client retrying) is
//! taken once, whether the copies come one after the other or together.

use crate::common::*;
use domain::Role;
use serde_json::{Value, json};

/// The registration form as a page shows it: its fields with the page's CSRF token and
/// one-time key.
async fn registration_form(cm: &Client) -> Vec<(String, String)> {
    let (_, page) = cm.get_text("/cases/new").await;
    let mut fields: Vec<(String, String)> = registration()
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    fields.push(("_once".into(), field_value(&page, "_once")));
    fields.push(("_csrf".into(), csrf_of(&page)));
    fields
}

async fn post(app: &TestApp, c: &Client, path: &str, fields: &[(String, String)]) -> (u16, String) {
    let res = c
        .http
        .post(app.url(path))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(serde_html_form::to_string(fields).unwrap())
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), location(&res))
}

async fn cases_named(app: &TestApp, token: &str, name: &str) -> u64 {
    let list: Value = reqwest::Client::new()
        .get(app.url(&format!("/api/v1/cases?q={name}")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    list["total"].as_u64().unwrap()
}

#[tokio::test]
async fn a_registration_posted_twice_registers_one_returnee() {
    let app = spawn_app().await;
    let office = app.office("DKR").await;
    app.user("cm.one", Role::CaseManager, Some(office)).await;
    let cm = app.signed_in("cm.one").await;
    let token = api_token(&cm).await;
    assert!(
        field_value(&cm.get_text("/cases/new").await.1, "_once").len() >= 16,
        "the form carries a one-time key"
    );

    // One after the other: the browser resubmits the form.
    let form = registration_form(&cm).await;
    let first = post(&app, &cm, "/cases", &form).await;
    let again = post(&app, &cm, "/cases", &form).await;
    assert_eq!(first.0, 303);
    assert_eq!(again, first, "the same answer, the same case");
    assert_eq!(cases_named(&app, &token, "Diallo").await, 1);

    // Together: a double click.
    let form = registration_form(&cm).await;
    let (a, b) = tokio::join!(
        post(&app, &cm, "/cases", &form),
        post(&app, &cm, "/cases", &form)
    );
    assert_eq!(a.0, 303);
    assert_eq!(a, b);
    assert_eq!(cases_named(&app, &token, "Diallo").await, 2);

    // A new page shows a new key: registering again on purpose still works.
    let form = registration_form(&cm).await;
    assert_eq!(post(&app, &cm, "/cases", &form).await.0, 303);
    assert_eq!(cases_named(&app, &token, "Diallo").await, 3);
}

#[tokio::test]
async fn a_refused_post_keeps_nothing_so_the_corrected_form_goes_through() {
    let app = spawn_app().await;
    let office = app.office("DKR").await;
    app.user("cm.one", Role::CaseManager, Some(office)).await;
    let cm = app.signed_in("cm.one").await;
    let token = api_token(&cm).await;
    let mut form = registration_form(&cm).await;
    let good_name = form
        .iter()
        .find(|(k, _)| k == "family_name")
        .unwrap()
        .1
        .clone();
    form.iter_mut().find(|(k, _)| k == "family_name").unwrap().1 = String::new();
    let (status, _) = post(&app, &cm, "/cases", &form).await;
    assert_eq!(status, 422);
    form.iter_mut().find(|(k, _)| k == "family_name").unwrap().1 = good_name;
    assert_eq!(post(&app, &cm, "/cases", &form).await.0, 303);
    assert_eq!(cases_named(&app, &token, "Diallo").await, 1);
}

#[tokio::test]
async fn a_session_posted_twice_is_recorded_once() {
    let app = spawn_app().await;
    let office = app.office("DKR").await;
    app.user("cm.one", Role::CaseManager, Some(office)).await;
    let cm = app.signed_in("cm.one").await;
    let (case_path, _) = register_recent_return(&cm).await;
    let (_, page) = cm.get_text(&case_path).await;
    let today = crate::common::today().to_string();
    let form: Vec<(String, String)> = [
        ("_csrf", csrf_of(&page)),
        ("_once", field_value(&page, "_once")),
        ("session_date", today),
        ("session_kind", "planning".to_string()),
        ("topics", "Business idea".to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let path = format!("{case_path}/sessions");
    let (a, b) = tokio::join!(post(&app, &cm, &path, &form), post(&app, &cm, &path, &form));
    assert_eq!(a.0, 303, "{a:?}");
    assert_eq!(a, b);
    let (_, page) = cm.get_text(&case_path).await;
    assert_eq!(page.matches("Business idea").count(), 1, "one session");
}

#[tokio::test]
async fn the_api_takes_a_create_with_the_same_idempotency_key_once() {
    let app = spawn_app().await;
    let office = app.office("DKR").await;
    app.user("cm.one", Role::CaseManager, Some(office)).await;
    let cm = app.signed_in("cm.one").await;
    let token = api_token(&cm).await;
    let create = |key: &'static str| {
        let req = cm
            .http
            .post(app.url("/api/v1/cases"))
            .bearer_auth(&token)
            .json(&json!({"profile": profile_json("Cheikh", "Mbaye")}))
            .header("idempotency-key", key);
        async move {
            let res = req.send().await.unwrap();
            let status = res.status().as_u16();
            (status, res.json::<Value>().await.unwrap())
        }
    };
    let key = "retry-7f3a9c1e-5b2d-4e8f";
    let (first, retried) = tokio::join!(create(key), create(key));
    assert_eq!(first.0, 201);
    assert_eq!(retried.0, 201, "the retry gets the first answer");
    assert_eq!(first.1["id"], retried.1["id"]);
    assert_eq!(cases_named(&app, &token, "Mbaye").await, 1);
    // Without a key, each post is a new create (here confirmed as another person).
    let res = cm
        .http
        .post(app.url("/api/v1/cases"))
        .bearer_auth(&token)
        .json(&json!({"profile": profile_json("Cheikh", "Mbaye"), "confirm_possible_duplicate": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    assert_eq!(cases_named(&app, &token, "Mbaye").await, 2);
}
