//! Registering a returnee who may already be known (same name, birth and nationality) shows
//! the possible match and asks before creating a second case.

use crate::common::*;
use domain::Role;
use serde_json::{Value, json};

/// The standard registration, not yet confirmed as someone else, with `changes` applied.
fn unconfirmed(changes: &[(&'static str, &'static str)]) -> Vec<(&'static str, &'static str)> {
    let mut fields: Vec<_> = registration()
        .into_iter()
        .filter(|(k, _)| *k != "confirm_new" && !changes.iter().any(|(c, _)| c == k))
        .collect();
    fields.extend_from_slice(changes);
    fields
}

#[tokio::test]
async fn a_possible_match_is_shown_and_registering_anyway_needs_confirmation() {
    let app = spawn_app().await;
    let office = app.office("DKR").await;
    app.user("cm.one", Role::CaseManager, Some(office)).await;
    let cm = app.signed_in("cm.one").await;
    let csrf = cm.csrf("/cases/new").await;
    let res = cm.post_form("/cases", &csrf, &unconfirmed(&[])).await;
    assert_eq!(res.status(), 303, "nobody like her yet");
    let first = location(&res);

    // The same person typed again, name in capitals and without the accent rules mattering.
    let again = unconfirmed(&[("given_name", "AMINATA")]);
    let res = cm.post_form("/cases", &csrf, &again).await;
    assert_eq!(res.status(), 409);
    let page = res.text().await.unwrap();
    assert!(page.contains("id=\"possible-matches\""), "{page}");
    assert!(page.contains("already registered"), "{page}");
    assert!(
        page.contains(&format!("href=\"{first}\"")),
        "a link to the case"
    );
    assert!(page.contains("1995-03-14"));
    assert!(page.contains("value=\"AMINATA\""), "what was typed is kept");
    assert!(page.contains("name=\"confirm_new\""));

    // Someone else with the same name but another birth date is not asked about.
    let other = unconfirmed(&[("date_of_birth", "1990-01-01")]);
    assert_eq!(cm.post_form("/cases", &csrf, &other).await.status(), 303);

    // Confirmed as a different person, the registration goes through.
    let mut confirmed = again.clone();
    confirmed.push(("confirm_new", "yes"));
    let res = cm.post_form("/cases", &csrf, &confirmed).await;
    assert_eq!(res.status(), 303);
    assert_ne!(location(&res), first);
}

#[tokio::test]
async fn the_api_refuses_a_possible_duplicate_until_confirmed() {
    let app = spawn_app().await;
    let office = app.office("DKR").await;
    app.user("cm.one", Role::CaseManager, Some(office)).await;
    let cm = app.signed_in("cm.one").await;
    let token = api_token(&cm).await;
    let post = |body: Value| {
        cm.http
            .post(app.url("/api/v1/cases"))
            .bearer_auth(&token)
            .json(&body)
            .send()
    };
    let first = post(json!({"profile": profile_json("Cheikh", "Mbaye")}))
        .await
        .unwrap();
    assert_eq!(first.status(), 201);
    let number = first.json::<Value>().await.unwrap()["case_number"].clone();
    let res = post(json!({"profile": profile_json("Cheikh", "Mbaye")}))
        .await
        .unwrap();
    assert_eq!(res.status(), 409);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "possible_duplicate");
    let detail = body["error"].to_string();
    assert!(detail.contains(number.as_str().unwrap()), "{body}");
    let res = post(
        json!({"profile": profile_json("Cheikh", "Mbaye"), "confirm_possible_duplicate": true}),
    )
    .await
    .unwrap();
    assert_eq!(res.status(), 201);
}
