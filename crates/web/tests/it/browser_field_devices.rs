//! Field collection in the browser: a case manager adds a device on the account page (its QR
//! code and address shown once) and revokes it; a programme manager accepts a visit held for
//! review on the approvals page. axe-core checks both pages.

use crate::browser::sign_in_as;
use crate::browser_languages::{axe_source, axe_violations};
use crate::common::*;
use crate::openrosa::{children, instance_of, post_of, reassign, start, visit_answers};
use crate::webdriver::Browser;
use domain::Role;

#[tokio::test]
async fn a_device_is_added_and_revoked_and_a_held_visit_is_accepted() {
    let axe = axe_source();
    let f = start().await;
    let b = Browser::start().await;

    // The case manager adds a device: the QR code and the address, once.
    sign_in_as(&b, &f.app, "cm.dakar").await;
    b.goto(&f.app.url("/account")).await;
    b.wait_for_text("Field devices").await;
    b.type_into("#device-name", "tablet 3").await;
    b.click("form[action='/account/devices'] button[type=submit]")
        .await;
    b.wait_for_text("The device account is open").await;
    let has_qr = b
        .script(
            "return !!document.querySelector('#devices .qr svg')",
            serde_json::json!([]),
        )
        .await;
    assert_eq!(has_qr, serde_json::json!(true), "the QR code is shown");
    let url = b.text("#new-device-url").await;
    assert!(url.contains("/openrosa/rd_"), "{url}");
    let v = axe_violations(&b, &axe).await;
    assert!(v.is_empty(), "account page with a new device: {v:?}");
    b.screenshot("field-device-added").await;
    let list = f.http.get(format!("{url}/formList")).send().await.unwrap();
    assert_eq!(list.status(), 200, "the address works at once");

    // Revoked from the same list.
    b.goto(&f.app.url("/account")).await;
    b.wait_for_text("tablet 3").await;
    b.click("#devices button[aria-label='Revoke: tablet 3']")
        .await;
    // "Field devices" is on the page before the click too: wait for the revoked row to go.
    b.wait_until(
        "return document.querySelector(\"#devices button[aria-label='Revoke: tablet 3']\") === null",
    )
    .await;
    let list = f.http.get(format!("{url}/formList")).send().await.unwrap();
    assert_eq!(list.status(), 401, "revoked");
    b.click("form[action='/logout'] button").await;

    // A visit about a case reassigned meanwhile waits for the programme manager.
    let office = f.app.office("DKR").await;
    f.app
        .user("cm.other", Role::CaseManager, Some(office))
        .await;
    let pm = f.app.signed_in("pm.dakar").await;
    reassign(&f, &api_token(&pm).await).await;
    let xform = f.xform().await;
    let mut answers = visit_answers(&f.case_number);
    answers.retain(|(k, _)| *k != "home_photo");
    let xml = instance_of(&xform, &answers, &children(), "uuid:browser-held");
    let (status, body) = f.submit(&f.device, post_of(xml)).await;
    assert_eq!(status, 201, "{body}");

    sign_in_as(&b, &f.app, "pm.dakar").await;
    b.goto(&f.app.url("/approvals")).await;
    b.wait_for_text("Field submissions held for review").await;
    assert!(b.text("#held").await.contains(&f.case_number));
    let v = axe_violations(&b, &axe).await;
    assert!(v.is_empty(), "approvals with a held visit: {v:?}");
    b.screenshot("field-held-visit").await;
    b.click("#held form[action$='/accept'] button").await;
    b.wait_until("return !document.querySelector('#held')")
        .await;
    b.goto(&f.app.url(&format!("/cases/{}", f.case_id))).await;
    b.wait_for_text("cm.dakar name").await;
    b.quit().await;
}
