//! A field form in the browser: "other" asks what it was, the number of children makes as many
//! items, a location is typed by hand, a photo is chosen and attached without losing what was
//! typed, and it shows on the form.

use crate::browser::sign_in_as;
use crate::common::*;
use crate::field_forms::{PNG, publish_field_visit};
use crate::webdriver::Browser;
use domain::Role;

#[tokio::test]
async fn a_field_visit_is_filled_with_a_photo_a_typed_location_and_counted_children() {
    let app = spawn_app().await;
    let office = app.office("DKR").await;
    app.user("pm.dakar", Role::ProgrammeManager, Some(office))
        .await;
    app.user("cm.dakar", Role::CaseManager, Some(office)).await;
    publish_field_visit(&app).await;
    let cm = app.signed_in("cm.dakar").await;
    let (case_path, csrf) = register_recent_return(&cm).await;
    let res = cm
        .post_form(
            &format!("{case_path}/submissions"),
            &csrf,
            &[("form_id", "field_visit")],
        )
        .await;
    let sub_path = location(&res);
    let photo = tempfile::Builder::new().suffix(".png").tempfile().unwrap();
    std::fs::write(photo.path(), PNG).unwrap();

    let b = Browser::start().await;
    sign_in_as(&b, &app, "cm.dakar").await;
    b.goto(&app.url(&sub_path)).await;
    b.wait_for_text("Main support received since the last visit")
        .await;
    b.click("#q-main_support-other").await;
    b.wait_for_text("Specify other.").await;
    b.type_into("#q-main_support_other", "Seeds from the cooperative")
        .await;
    b.type_into("#q-home_location", "14.6928 -17.4467").await;
    b.type_into("#q-children", "2").await;
    // Leaving the field sends the change: two items of the repeat appear.
    b.press("\u{E004}").await;
    b.wait_until("return !!document.querySelector('#q-child-1-child_name')")
        .await;
    assert_eq!(
        b.script(
            "return document.querySelectorAll('[name$=\"/child_name\"]').length",
            serde_json::json!([])
        )
        .await,
        2
    );
    b.type_into("#q-child-0-child_name", "Awa").await;
    b.type_into("#q-child-1-child_name", "Moussa").await;
    // Choosing the photo, then attaching it: the form comes back with everything kept.
    b.type_into("#q-home_photo", photo.path().to_str().unwrap())
        .await;
    b.click("button[name=_attach]").await;
    b.wait_for_text("Open the file").await;
    b.wait_until("const i = document.querySelector('img.thumb'); return !!i && i.complete && i.naturalWidth === 1").await;
    for (css, value) in [
        ("#q-main_support_other", "Seeds from the cooperative"),
        ("#q-home_location", "14.6928 -17.4467"),
        ("#q-child-1-child_name", "Moussa"),
    ] {
        let typed = b
            .script(
                &format!("return document.querySelector('{css}').value"),
                serde_json::json!([]),
            )
            .await;
        assert_eq!(typed, value, "{css} keeps what was typed");
    }
    b.screenshot("field-visit-photo-attached").await;
    b.click("button[value=submit]").await;
    b.wait_for_text("Complete").await;
    b.wait_until(
        "const i = document.querySelector('img.thumb'); return !!i && i.naturalWidth === 1",
    )
    .await;
    b.quit().await;
}
