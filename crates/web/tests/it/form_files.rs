//! Files attached to a form version over HTTP: a form whose choices come from CSV, XML and
//! GeoJSON files cannot be published without them; a file the form does not name, or one that
//! does not read as the form reads it, is refused with the reason; once attached, the choices
//! are offered and checked when the form is filled, and the version freezes with its files.

use crate::common::*;
use domain::Role;
use reqwest::multipart::{Form, Part};

const VILLAGES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../forms/tests/corpus/valid/villages_from_file.xlsx"
);
const BASE: &str = "/forms/villages_from_file/1";

async fn attach(
    app: &TestApp,
    c: &Client,
    csrf: &str,
    files: &[(&str, &[u8])],
) -> reqwest::Response {
    let mut form = Form::new().text("_csrf", csrf.to_string());
    for (name, bytes) in files {
        form = form.part(
            "files",
            Part::bytes(bytes.to_vec()).file_name(name.to_string()),
        );
    }
    c.http
        .post(app.url(&format!("{BASE}/files")))
        .multipart(form)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn choices_from_files_are_attached_checked_and_offered() {
    let app = spawn_app().await;
    let office = app.office("DKR").await;
    app.user("pm.dakar", Role::ProgrammeManager, Some(office))
        .await;
    app.user("cm.dakar", Role::CaseManager, Some(office)).await;
    let pm = app.signed_in("pm.dakar").await;
    let csrf = pm.csrf("/forms").await;
    let upload = Form::new().text("_csrf", csrf.clone()).part(
        "file",
        Part::bytes(std::fs::read(VILLAGES).unwrap()).file_name("villages_from_file.xlsx"),
    );
    let res = pm
        .http
        .post(app.url("/forms"))
        .multipart(upload)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let (_, page) = pm.get_text(BASE).await;
    assert!(page.contains("Files this form uses"));
    for name in [
        "regions.csv",
        "villages.csv",
        "services.xml",
        "health_facilities.geojson",
    ] {
        assert!(page.contains(name), "the page names {name}");
    }
    assert_eq!(page.matches(">missing<").count(), 4);

    // Not publishable without its choice files.
    let res = pm.post_form(&format!("{BASE}/publish"), &csrf, &[]).await;
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(
        page.contains("Attach the files the form needs before publishing it"),
        "{page}"
    );
    assert!(page.contains("regions.csv"));

    // A file the form does not name, and one that does not read as the form reads it.
    let res = attach(&app, &pm, &csrf, &[("prices.csv", b"name,label\nx,X\n")]).await;
    assert_eq!(res.status(), 422);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("does not use a file of this name")
    );
    let res = attach(
        &app,
        &pm,
        &csrf,
        &[("regions.csv", b"code,title\ndk,Dakar\n")],
    )
    .await;
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(
        page.contains("cannot be read as the form reads it") && page.contains("item 1 has no"),
        "{page}"
    );

    // All four, in one post.
    let geo = br#"{"type":"FeatureCollection","features":[{"type":"Feature","id":"hc1","properties":{"title":"Pikine health centre"},"geometry":null}]}"#;
    let res = attach(
        &app,
        &pm,
        &csrf,
        &[
            ("regions.csv", b"name,label\ndk,Dakar\nth,Thies\n"),
            ("villages.csv", b"name,label,region\npikine,Pikine,dk\nmbour,Mbour,th\n"),
            ("services.xml", b"<root><item><name>clinic</name><label>Clinic</label></item><item><name>school</name><label>School</label></item></root>"),
            ("health_facilities.geojson", geo),
        ],
    )
    .await;
    assert_eq!(res.status(), 303);
    let (_, page) = pm.get_text(BASE).await;
    assert_eq!(page.matches(">missing<").count(), 0);
    assert!(
        page.contains("value=\"dk\"") && page.contains("Dakar"),
        "the preview offers the file's choices"
    );
    let res = pm.get(&format!("{BASE}/files/regions.csv")).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()[reqwest::header::CONTENT_TYPE], "text/csv");
    assert_eq!(
        res.text().await.unwrap(),
        "name,label\ndk,Dakar\nth,Thies\n"
    );

    let res = pm.post_form(&format!("{BASE}/publish"), &csrf, &[]).await;
    assert_eq!(res.status(), 303);
    // Published: its files are frozen with it.
    let res = attach(
        &app,
        &pm,
        &csrf,
        &[("regions.csv", b"name,label\nzg,Ziguinchor\n")],
    )
    .await;
    assert_eq!(res.status(), 409);

    // Filling it: the villages follow the region, and a village outside it is refused.
    let cm = app.signed_in("cm.dakar").await;
    let (case_path, csrf) = register_recent_return(&cm).await;
    let res = cm
        .post_form(
            &format!("{case_path}/submissions"),
            &csrf,
            &[("form_id", "villages_from_file")],
        )
        .await;
    let sub = location(&res);
    let (_, page) = cm.get_text(&sub).await;
    let version = field_value(&page, "_version");
    let today = today().to_string();
    let fields = |village: &'static str| {
        vec![
            ("_interview_date", today.clone()),
            ("_version", version.clone()),
            ("_action", "submit".to_string()),
            ("a:region", "dk".to_string()),
            ("a:village", village.to_string()),
        ]
    };
    let wrong = fields("mbour");
    let wrong: Vec<(&str, &str)> = wrong.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let res = cm.post_form(&sub, &csrf, &wrong).await;
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(
        page.contains("&#39;mbour&#39; is not one of the options"),
        "{page}"
    );
    assert!(page.contains("value=\"pikine\"") && !page.contains("value=\"mbour\""));
}
