//! Ordinary input errors name the limit, and long texts say theirs before anyone types.

use crate::common::*;
use domain::Role;

#[tokio::test]
async fn too_long_and_bad_numbers_say_what_is_allowed() {
    let app = spawn_app().await;
    let office = app.office("DKR").await;
    app.user("cm.one", Role::CaseManager, Some(office)).await;
    let cm = app.signed_in("cm.one").await;
    let csrf = cm.csrf("/cases/new").await;

    let long_name = "A".repeat(121);
    let long_details = "x".repeat(2001);
    let mut fields = registration();
    fields.retain(|(k, _)| !["given_name", "age_at_return"].contains(k));
    fields.push(("given_name", &long_name));
    fields.push(("vulnerability_details", &long_details));
    fields.push(("age_at_return", "-3"));
    let res = cm.post_form("/cases", &csrf, &fields).await;
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(
        page.contains("This is too long: use at most 120 characters."),
        "a short text names its limit"
    );
    assert!(
        page.contains("This is too long: use at most 2,000 characters."),
        "a long text names its limit"
    );
    assert!(page.contains("Enter a whole number of 0 or more, in digits."));
    assert!(page.contains(&long_name), "what was typed is kept");

    // Long texts say their limit up front, and the browser holds to it.
    let (_, form) = cm.get_text("/cases/new").await;
    assert!(form.contains("maxlength=\"2000\""));
    assert!(form.contains("Up to 2,000 characters."));
}

/// Names are kept composed and cannot carry invisible tricks: a zero-width space alone, a
/// right-to-left override that makes a name display as another, a NUL.
#[tokio::test]
async fn names_refuse_invisible_and_control_characters_and_lose_direction_overrides() {
    let app = spawn_app().await;
    let office = app.office("DKR").await;
    app.user("cm.one", Role::CaseManager, Some(office)).await;
    let cm = app.signed_in("cm.one").await;
    let csrf = cm.csrf("/cases/new").await;
    let with = |name: &'static str, family: &'static str| {
        let mut f = registration();
        f.retain(|(k, _)| !["given_name", "family_name"].contains(k));
        f.push(("given_name", name));
        f.push(("family_name", family));
        f
    };
    let res = cm
        .post_form("/cases", &csrf, &with("\u{200B}", "Diallo"))
        .await;
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(page.contains("This text holds only invisible characters"));
    let res = cm
        .post_form("/cases", &csrf, &with("Ali\u{0}", "Diallo"))
        .await;
    assert_eq!(res.status(), 422);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("Remove the control characters")
    );

    // An override is taken out; a decomposed accent is stored composed.
    let res = cm
        .post_form(
            "/cases",
            &csrf,
            &with("\u{202E}ilA\u{202C}", "Ame\u{301}lie"),
        )
        .await;
    assert_eq!(res.status(), 303);
    let id: domain::CaseId = location(&res)
        .trim_start_matches("/cases/")
        .parse()
        .unwrap();
    let case = app.store.case(id).await.unwrap();
    assert_eq!(case.profile.given_name, "ilA");
    assert_eq!(case.profile.family_name, "Amélie");

    // The API takes the same path.
    let token = api_token(&cm).await;
    let body = serde_json::json!({"profile": profile_json("\u{2060}\u{FEFF}", "Diallo")});
    let res = cm
        .http
        .post(app.url("/api/v1/cases"))
        .bearer_auth(&token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let problem: serde_json::Value = res.json().await.unwrap();
    assert!(problem.to_string().contains("given_name"), "{problem}");
}

/// The same holds for every record's texts: a community whose name is only a zero-width space,
/// or whose notes carry an escape character, is refused with the field named.
#[tokio::test]
async fn every_records_texts_refuse_invisible_and_control_characters() {
    let app = spawn_app().await;
    let office = app.office("DKR").await;
    app.user("pm.one", Role::ProgrammeManager, Some(office))
        .await;
    let pm = app.signed_in("pm.one").await;
    let csrf = pm.csrf("/communities/new").await;
    let res = pm
        .post_form(
            "/communities",
            &csrf,
            &[("name", "\u{200B}"), ("province", "Tambacounda")],
        )
        .await;
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(
        page.contains("This text holds only invisible characters"),
        "{page}"
    );
    let res = pm
        .post_form(
            "/communities",
            &csrf,
            &[
                ("name", "Goudiry\u{202E}"),
                ("province", "Tamba\u{1b}counda"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("Remove the control characters")
    );
    let res = pm
        .post_form(
            "/communities",
            &csrf,
            &[("name", "Goudiry\u{202E}"), ("province", "Tambacounda")],
        )
        .await;
    assert_eq!(res.status(), 303, "an override is taken out, not refused");
    let (_, page) = pm.get_text(&location(&res)).await;
    assert!(page.contains("Goudiry") && !page.contains('\u{202E}'));
}
