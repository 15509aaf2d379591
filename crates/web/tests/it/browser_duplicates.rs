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
    b.goto(&app.url(&known)).await;
    b.wait_for_text("Mamadou Diallo").await;
    assert!(b.text("h1").await.contains("Mamadou Diallo"));
    b.quit().await;
}
