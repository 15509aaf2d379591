//! Registering someone already known, spelled another way, in headless Chromium: the form
//! says who they may be and why, keeps what was typed, and the case can be opened from it.

use crate::browser::sign_in_as;
use crate::common::*;
use crate::webdriver::Browser;
use domain::Role;

#[tokio::test]
async fn registration_warns_of_a_likely_duplicate_spelled_another_way_and_opens_it() {
    let app = spawn_app().await;
    let office = app.office("DKR").await;
    app.user("awa.diop", Role::CaseManager, Some(office)).await;
    // Registered last year as "Mamadou Diallo".
    let http = app.signed_in("awa.diop").await;
    let csrf = http.csrf("/cases/new").await;
    let mut first: Vec<(&str, &str)> = registration()
        .into_iter()
        .filter(|(k, _)| !["given_name", "family_name", "sex"].contains(k))
        .collect();
    first.extend([
        ("given_name", "Mamadou"),
        ("family_name", "Diallo"),
        ("sex", "male"),
    ]);
    let res = http.post_form("/cases", &csrf, &first).await;
    assert_eq!(res.status(), 303);
    let known = location(&res);

    let b = Browser::start().await;
    sign_in_as(&b, &app, "awa.diop").await;
    b.goto(&app.url("/cases/new")).await;
    b.wait_for_text("Add another household member").await;
    // Now written as the Gambian spelling has it.
    b.type_into("#f-given_name", "Mamadu").await;
    b.type_into("#f-family_name", "Jallow").await;
    b.click("#f-sex option[value=male]").await;
    b.set_value("#f-date_of_birth", "1995-03-14").await;
    b.type_into("#f-nationality", "Senegal").await;
    b.set_value("#f-return_date", "2026-04-02").await;
    b.type_into("#f-returned_from", "Libya").await;
    b.click("#f-return_type option[value=assisted_voluntary]")
        .await;
    b.type_into("#f-return_country", "Senegal").await;
    b.type_into("#f-return_province", "Tambacounda").await;
    b.click("button[value=save]").await;
    b.wait_for_text("may be the same person").await;
    let warning = b.text("#possible-matches").await;
    assert!(warning.contains("Mamadou Diallo"), "{warning}");
    assert!(
        warning.contains("names 100 % alike once transliterated"),
        "{warning}"
    );
    assert!(warning.contains("same date of birth"), "{warning}");
    assert_eq!(
        b.script(
            "return document.querySelector('#f-family_name').value",
            serde_json::json!([])
        )
        .await,
        "Jallow",
        "what was typed is kept"
    );
    b.screenshot("possible-duplicate").await;
    // The known case opens from the warning.
    let href = b
        .script(
            "return document.querySelector('#possible-matches a').getAttribute('href')",
            serde_json::json!([]),
        )
        .await;
    assert_eq!(href, known.as_str());
    // "Same person": nothing new is registered; the known case opens with a task.
    b.click("#possible-matches button[name=same_as]").await;
    b.wait_for_text("Get back in touch").await;
    assert!(b.url().await.ends_with(&known), "{}", b.url().await);
    assert!(b.text("h1").await.contains("Mamadou Diallo"));
    b.quit().await;
}

/// A case made as an import or another office would, without the registration's check.
async fn case_from_elsewhere(
    app: &TestApp,
    office: domain::OfficeId,
    cm: &store::User,
    given: &str,
    phone: Option<&str>,
) -> String {
    let mut profile: domain::case::ReturneeProfile =
        serde_json::from_value(profile_json(given, "Camara")).unwrap();
    profile.phone = phone.map(str::to_string);
    app.store
        .create_case(
            store::NewCase {
                id: domain::CaseId::new(),
                office,
                case_manager: Some(cm.id),
                profile,
                stage: domain::case::CaseStage::Intake,
                consents: vec![],
            },
            store::AuditContext::by(cm.id, time::OffsetDateTime::now_utc()),
        )
        .await
        .unwrap()
        .id
        .to_string()
}

#[tokio::test]
async fn a_programme_manager_merges_a_queued_pair_and_undoes_it() {
    let app = spawn_app().await;
    let office = app.office("DKR").await;
    let cm = app.user("awa.diop", Role::CaseManager, Some(office)).await;
    app.user("pm.one", Role::ProgrammeManager, Some(office))
        .await;
    let first = case_from_elsewhere(&app, office, &cm, "Fatoumata", None).await;
    let second =
        case_from_elsewhere(&app, office, &cm, "Fatimata", Some("+221 78 222 33 44")).await;

    let b = Browser::start().await;
    sign_in_as(&b, &app, "pm.one").await;
    b.goto(&app.url("/duplicates")).await;
    b.wait_for_text("No scan has run yet").await;
    b.click("form[action='/duplicates/scan'] button").await;
    b.wait_for_text("Last scan").await;
    let row = b.text("#pairs tbody tr").await;
    assert!(
        row.contains("Fatoumata Camara") && row.contains("Fatimata Camara"),
        "{row}"
    );
    b.click("#pairs a.button").await;
    b.wait_for_text("Merge two cases of one person").await;
    // Which case is kept depends on the order found; the phone is filled from whichever has it.
    let url = b.url().await;
    let kept = if url.ends_with(&format!("into={first}")) {
        &first
    } else {
        &second
    };
    let gone = if kept == &first { &second } else { &first };
    let gone_name = if gone == &first {
        "Fatoumata Camara"
    } else {
        "Fatimata Camara"
    };
    assert!(
        b.text("#part-phone").await.contains("+221 78 222 33 44"),
        "the phone, side by side"
    );
    b.click("#part-name input[value=merged]").await;
    b.screenshot("merge-cases").await;
    b.click("#merge-form button[type=submit]").await;
    b.wait_for_text("was merged into this case").await;
    assert!(b.url().await.contains(&format!("/cases/{kept}")));
    assert!(b.text("#merges").await.contains("Undo the merge"));
    // The merged case's address leads here.
    b.goto(&app.url(&format!("/cases/{gone}"))).await;
    b.wait_for_text("was merged into this case").await;
    assert!(b.url().await.contains(&format!("/cases/{kept}")));
    b.click("#merges button").await;
    // The kept case took the merged one's name: wait for the merged case's own page.
    b.wait_until(&format!("return location.pathname == '/cases/{gone}'"))
        .await;
    b.wait_for_text(gone_name).await;
    b.goto(&app.url(&format!("/cases/{kept}"))).await;
    b.wait_for_text("the merge was undone").await;
    b.quit().await;
}
