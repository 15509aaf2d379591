//! Attaching a form's choice files in the browser: the version's page lists what is missing,
//! several files are chosen at once, and the preview then offers their choices.

use crate::browser::sign_in_as;
use crate::common::*;
use crate::webdriver::Browser;
use domain::Role;
use reqwest::multipart::{Form, Part};

#[tokio::test]
async fn a_programme_manager_attaches_a_forms_choice_files() {
    let app = spawn_app().await;
    let office = app.office("DKR").await;
    app.user("pm.dakar", Role::ProgrammeManager, Some(office))
        .await;
    let pm = app.signed_in("pm.dakar").await;
    let csrf = pm.csrf("/forms").await;
    let xlsx = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../forms/tests/corpus/valid/villages_from_file.xlsx"
    ))
    .unwrap();
    let upload = Form::new().text("_csrf", csrf).part(
        "file",
        Part::bytes(xlsx).file_name("villages_from_file.xlsx"),
    );
    let res = pm
        .http
        .post(app.url("/forms"))
        .multipart(upload)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);

    let dir = tempfile::tempdir().unwrap();
    let files: [(&str, &[u8]); 4] = [
        ("regions.csv", b"name,label\ndk,Dakar\nth,Thies\n"),
        ("villages.csv", b"name,label,region\npikine,Pikine,dk\nmbour,Mbour,th\n"),
        ("services.xml", b"<root><item><name>clinic</name><label>Clinic</label></item></root>"),
        (
            "health_facilities.geojson",
            br#"{"type":"FeatureCollection","features":[{"type":"Feature","id":"hc1","properties":{"title":"Health centre"},"geometry":null}]}"#,
        ),
    ];
    let mut paths = Vec::new();
    for (name, bytes) in files {
        let p = dir.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        paths.push(p.to_str().unwrap().to_string());
    }

    let b = Browser::start().await;
    sign_in_as(&b, &app, "pm.dakar").await;
    b.goto(&app.url("/forms/villages_from_file/1")).await;
    b.wait_for_text("Files this form uses").await;
    assert_eq!(b.text("main").await.matches("missing").count(), 4);
    // Several files chosen at once, as a file chooser sends them.
    b.type_into("#f-form-files", &paths.join("\n")).await;
    b.click("form[action$='/files'] button[type=submit]").await;
    b.wait_until("return document.querySelectorAll('.badge.restricted').length <= 1")
        .await;
    let main = b.text("main").await;
    assert!(!main.contains("missing"), "{main}");
    assert!(
        main.contains("Dakar"),
        "the preview offers the file's choices: {main}"
    );
    b.screenshot("form-files-attached").await;
    b.quit().await;
}
