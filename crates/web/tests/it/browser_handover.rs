//! Handing a case over in headless Chromium: the case manager records the returnee's consent
//! on the case's hand-over page; at the origin instance a case manager chooses the packet file
//! and lands on the new case, with where it came from. Both pages pass the accessibility rules.

use crate::browser::sign_in_as;
use crate::browser_languages::{axe_source, axe_violations};
use crate::common::*;
use crate::webdriver::Browser;
use domain::Role;

async fn instance(office: &str, organisation: &str) -> (TestApp, Client, Client) {
    let app = spawn_app().await;
    let o = app.office(office).await;
    app.user("admin.one", Role::Admin, None).await;
    app.user("awa.diop", Role::CaseManager, Some(o)).await;
    let admin = app.signed_in("admin.one").await;
    let csrf = admin.csrf("/admin/handover").await;
    admin
        .post_form(
            "/admin/handover/organisation",
            &csrf,
            &[("organisation", organisation)],
        )
        .await;
    let cm = app.signed_in("awa.diop").await;
    (app, admin, cm)
}

async fn trust(from: &Client, to: &Client) {
    let key = from.get("/admin/handover/key").await.text().await.unwrap();
    let csrf = to.csrf("/admin/handover").await;
    let res = to
        .post_form("/admin/handover/partners", &csrf, &[("key_file", &key)])
        .await;
    assert_eq!(res.status(), 303);
}

#[tokio::test]
async fn a_case_manager_hands_a_case_over_and_the_partner_receives_it() {
    let (host, host_admin, host_http) = instance("TRP", "IOM Libya").await;
    let (origin, origin_admin, _) = instance("DKR", "IOM Senegal").await;
    trust(&host_admin, &origin_admin).await;
    trust(&origin_admin, &host_admin).await;
    let (case_path, csrf) = register_recent_return(&host_http).await;
    let axe = axe_source();

    // At the host: the consent, recorded on the case's hand-over page.
    let b = Browser::start().await;
    sign_in_as(&b, &host, "awa.diop").await;
    b.goto(&host.url(&case_path)).await;
    b.click("#handover-link").await;
    b.wait_for_text("Hand the case over to a partner").await;
    let v = axe_violations(&b, &axe).await;
    assert!(v.is_empty(), "{v:?}");
    b.click("#f-partner option:nth-child(2)").await;
    b.click("#f-consent_method option[value=verbal_in_person]")
        .await;
    b.click("#f-shared input[value=consents]").await;
    b.click("#consent-form button[type=submit]").await;
    b.wait_for_text("explicit consent").await;
    assert!(
        b.script(
            "return document.querySelector('#f-shared input[value=consents]').checked",
            serde_json::json!([])
        )
        .await
            == serde_json::json!(true),
        "what was ticked is kept"
    );
    b.click("#f-agreed").await;
    b.click("#consent-form button[type=submit]").await;
    b.wait_for_text("To IOM Senegal: agreed on").await;
    b.screenshot("handover-consent").await;
    b.quit().await;

    // The packet, as the button makes it.
    let case = case_path.trim_start_matches("/cases/").parse().unwrap();
    let handover = host.store.handovers_of(case).await.unwrap()[0].id;
    let res = host_http
        .post_form(
            &format!("{case_path}/handover/{handover}/packet"),
            &csrf,
            &[],
        )
        .await;
    assert_eq!(res.status(), 200);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("handover.json");
    std::fs::write(&file, res.bytes().await.unwrap()).unwrap();

    // At the origin: received from the case list's link.
    let b = Browser::start().await;
    sign_in_as(&b, &origin, "awa.diop").await;
    b.goto(&origin.url("/cases")).await;
    b.click("#receive-link").await;
    b.wait_for_text("Receive a case from a partner").await;
    let v = axe_violations(&b, &axe).await;
    assert!(v.is_empty(), "{v:?}");
    b.type_into("#f-file", file.to_str().unwrap()).await;
    b.click("#receive-form button[type=submit]").await;
    b.wait_for_text("Handed over by IOM Libya").await;
    assert!(b.text("h1").await.contains("Aminata Diallo"));
    let v = axe_violations(&b, &axe).await;
    assert!(v.is_empty(), "{v:?}");
    // The same file again is refused, with the reason.
    b.goto(&origin.url("/handovers/receive")).await;
    b.type_into("#f-file", file.to_str().unwrap()).await;
    b.click("#receive-form button[type=submit]").await;
    b.wait_for_text("received already").await;
    b.quit().await;
}
