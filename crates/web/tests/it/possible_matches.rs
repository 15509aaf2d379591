//! Registering a returnee who may already be known (alike names, across scripts and spellings,
//! with the same birth, phone or household) shows the possible match and why, and asks before
//! creating a second case.

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

    // Someone else with the same name but another birth date, phone and household is not asked
    // about. (With her phone and child, a birth date five years off reads as a typing mistake.)
    let other = unconfirmed(&[
        ("date_of_birth", "1990-01-01"),
        ("phone", "+221 70 111 22 33"),
        ("hh_name", "Ibrahima Sow"),
    ]);
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

/// The same man registered again in Arabic script: the page shows the case he may be and why;
/// the API lists it for either case, to those who may read it; a changed name is filed anew.
#[tokio::test]
async fn a_returnee_registered_again_in_another_script_is_found_with_the_reasons() {
    let app = spawn_app().await;
    let office = app.office("DKR").await;
    let elsewhere = app.office("THS").await;
    app.user("cm.one", Role::CaseManager, Some(office)).await;
    app.user("cm.ths", Role::CaseManager, Some(elsewhere)).await;
    let cm = app.signed_in("cm.one").await;
    let csrf = cm.csrf("/cases/new").await;
    let him = [
        ("given_name", "Mamadou"),
        ("family_name", "Diallo"),
        ("sex", "male"),
        ("phone", "+221 77 123 45 67"),
    ];
    let res = cm.post_form("/cases", &csrf, &unconfirmed(&him)).await;
    assert_eq!(res.status(), 303);
    let first = location(&res);
    let first_id = first.trim_start_matches("/cases/").to_string();

    let again = unconfirmed(&[
        ("given_name", "محمد"),
        ("family_name", "ديالو"),
        ("sex", "male"),
        ("phone", "771234567"),
    ]);
    let res = cm.post_form("/cases", &csrf, &again).await;
    assert_eq!(res.status(), 409);
    let page = res.text().await.unwrap();
    assert!(page.contains(&format!("href=\"{first}\"")), "{page}");
    assert!(
        page.contains("names 100 % alike once transliterated"),
        "{page}"
    );
    assert!(page.contains("same date of birth"), "{page}");
    assert!(page.contains("same phone number"), "{page}");
    assert!(page.contains("value=\"محمد\""), "what was typed is kept");

    // Another office's case manager cannot see him, so is not asked about him.
    let other = app.signed_in("cm.ths").await;
    let other_csrf = other.csrf("/cases/new").await;
    assert_eq!(
        other
            .post_form("/cases", &other_csrf, &unconfirmed(&him))
            .await
            .status(),
        303
    );

    // Registered anyway as someone else: the pair is remembered as two people, so neither
    // case lists the other.
    let mut confirmed = again.clone();
    confirmed.push(("confirm_new", "yes"));
    let res = cm.post_form("/cases", &csrf, &confirmed).await;
    assert_eq!(res.status(), 303);
    let confirmed_id = location(&res).trim_start_matches("/cases/").to_string();
    let token = api_token(&cm).await;
    let duplicates_of = |id: &str, token: &str| {
        cm.http
            .get(app.url(&format!("/api/v1/cases/{id}/possible-duplicates")))
            .bearer_auth(token)
            .send()
    };
    let body: Value = duplicates_of(&confirmed_id, &token)
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["possible_duplicates"], json!([]), "{body}");

    // The same man entered without the check (an older record, another partner's system):
    // each case lists the other, with the evidence.
    let mut profile: domain::case::ReturneeProfile =
        serde_json::from_value(profile_json("محمد", "ديالو")).unwrap();
    profile.sex = domain::case::Sex::Male;
    profile.date_of_birth = Some(time::macros::date!(1995 - 03 - 14));
    profile.nationality = "Senegal".into();
    profile.phone = Some("771234567".into());
    let cm_user = app
        .store
        .user_by_username(&domain::Username::parse("cm.one").unwrap())
        .await
        .unwrap()
        .unwrap();
    let second_id = app
        .store
        .create_case(
            store::NewCase {
                id: domain::CaseId::new(),
                office,
                case_manager: Some(cm_user.id),
                profile,
                stage: domain::case::CaseStage::Intake,
                consents: vec![],
            },
            store::AuditContext::by(cm_user.id, time::OffsetDateTime::now_utc()),
        )
        .await
        .unwrap()
        .id
        .to_string();
    let res = duplicates_of(&second_id, &token).await.unwrap();
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    // Both earlier cases are alike; the first is among them.
    let found: Vec<&Value> = body["possible_duplicates"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["id"] == first_id.as_str())
        .collect();
    assert_eq!(found.len(), 1, "{body}");
    let codes: Vec<&str> = found[0]["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["code"].as_str().unwrap())
        .collect();
    for code in ["alike_names", "same_birth_date", "same_phone", "same_sex"] {
        assert!(codes.contains(&code), "{body}");
    }
    assert_eq!(found[0]["evidence"][0]["similarity"], 1.0);
    assert!(found[0]["score"].as_f64().unwrap() >= 0.7);
    assert!(
        found[0]["explanation"]
            .as_str()
            .unwrap()
            .contains("same phone number")
    );

    // Another office's case manager may not read the case at all.
    let other_token = api_token(&other).await;
    let res = duplicates_of(&first_id, &other_token).await.unwrap();
    assert!(
        matches!(res.status().as_u16(), 403 | 404),
        "{}",
        res.status()
    );

    // His name corrected to another one: the cases no longer look alike.
    let case: Value = cm
        .http
        .get(app.url(&format!("/api/v1/cases/{first_id}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut profile = case["profile"].clone();
    profile["given_name"] = json!("Ousmane");
    let res = cm
        .http
        .put(app.url(&format!("/api/v1/cases/{first_id}")))
        .bearer_auth(&token)
        .json(&json!({"version": case["version"], "profile": profile}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let body: Value = duplicates_of(&second_id, &token)
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        !body.to_string().contains(&first_id),
        "the renamed case is no longer proposed: {body}"
    );
}
