//! Erasure in headless Chromium: a case manager records the returnee's request on the case
//! page, the programme manager finds it among their approvals and approves it; the case page
//! then shows no personal data. axe-core checks the pages on the way.

use crate::browser_languages::{axe_source, axe_violations};
use crate::common::*;
use crate::webdriver::Browser;
use domain::Role;

async fn sign_in(b: &Browser, app: &TestApp, user: &str) {
    b.goto(&app.url("/login")).await;
    b.type_into("#username", user).await;
    b.type_into("#password", PASSWORD).await;
    b.click("main form button[type=submit]").await;
    b.wait_for_text("Sign out").await;
}

#[tokio::test]
async fn a_request_to_erase_is_recorded_then_approved_in_the_browser() {
    let axe = axe_source();
    let app = spawn_app().await;
    let office = app.office("DKR").await;
    app.user("cm.b.erase", Role::CaseManager, Some(office))
        .await;
    app.user("pm.b.erase", Role::ProgrammeManager, Some(office))
        .await;
    let cm = app.signed_in("cm.b.erase").await;
    let (id, number) = register_named(&app, &cm, "Mariama", "female").await;

    let b = Browser::start().await;
    sign_in(&b, &app, "cm.b.erase").await;
    b.goto(&app.url(&format!("/cases/{id}#erasure"))).await;
    b.wait_for_text("Erasing the returnee").await;
    b.type_into(
        "#erasure-reason",
        "She asked at the office to delete her file",
    )
    .await;
    b.click("form[action$='/erasure'] button[type=submit]")
        .await;
    b.wait_for_text("recorded a request to erase").await;
    let v = axe_violations(&b, &axe).await;
    assert!(v.is_empty(), "case page with a request: {v:?}");
    b.click("header form[action='/logout'] button").await;

    sign_in(&b, &app, "pm.b.erase").await;
    b.goto(&app.url("/approvals")).await;
    b.wait_for_text(&number).await;
    b.click(&format!("a[href='/cases/{id}#erasure']")).await;
    b.wait_for_text("Erasing cannot be undone").await;
    b.click("form[action$='/erasure/approve'] button").await;
    b.wait_for_text("This case was anonymised on").await;
    let page = b.text("main").await;
    assert!(!page.contains("Mariama"), "{page}");
    assert!(page.contains("Anonymised returnee"));
    let v = axe_violations(&b, &axe).await;
    assert!(v.is_empty(), "anonymised case page: {v:?}");
    b.screenshot("case-anonymised").await;
    b.quit().await;
}
