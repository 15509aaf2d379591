//! A field form over HTTP: a programme manager publishes an XLSForm with a photo, a location, a
//! repeat counted by an answer and a select with `or_other`; its XForm downloads for field
//! clients; a case manager fills it on the case, types the location by hand, attaches a photo
//! (a file that is not one is refused), and the photo is shown only to readers of the case,
//! every opening audited.

use crate::common::*;
use domain::Role;
use reqwest::multipart::{Form, Part};
use store::AuditScope;

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../forms/tests/corpus/valid");

/// A one-pixel PNG: what the photo question takes.
pub(crate) const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89\0\0\0\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\0\x05\0\x01\xff\x89\x99=\x1d\0\0\0\0IEND\xaeB`\x82";
const PDF: &[u8] = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n";

struct Visit {
    app: TestApp,
    cm: Client,
    csrf: String,
    case_path: String,
    sub_path: String,
}

pub(crate) async fn publish_field_visit(app: &TestApp) -> Client {
    publish_corpus_form(app, "field_visit.xlsx", "field_visit", "2026.1").await
}

/// Uploads and publishes one of the forms corpus's valid XLSForms, as pm.dakar.
pub(crate) async fn publish_corpus_form(
    app: &TestApp,
    file: &str,
    form_id: &str,
    version: &str,
) -> Client {
    let pm = app.signed_in("pm.dakar").await;
    let csrf = pm.csrf("/forms").await;
    let path = format!("{CORPUS}/{file}");
    let form = Form::new().text("_csrf", csrf.clone()).part(
        "file",
        Part::bytes(std::fs::read(path).unwrap()).file_name(file.to_string()),
    );
    let res = pm
        .http
        .post(app.url("/forms"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303, "the upload is accepted");
    let res = pm
        .post_form(&format!("/forms/{form_id}/{version}/publish"), &csrf, &[])
        .await;
    assert_eq!(res.status(), 303);
    pm
}

async fn start() -> Visit {
    let app = spawn_app().await;
    let office = app.office("DKR").await;
    app.user("pm.dakar", Role::ProgrammeManager, Some(office))
        .await;
    app.user("cm.dakar", Role::CaseManager, Some(office)).await;
    let other = app.office("THS").await;
    app.user("cm.thies", Role::CaseManager, Some(other)).await;
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
    assert_eq!(res.status(), 303);
    let sub_path = location(&res);
    Visit {
        app,
        cm,
        csrf,
        case_path,
        sub_path,
    }
}

impl Visit {
    /// The draft's row version (none once the submission is complete).
    async fn version(&self) -> String {
        let (_, page) = self.cm.get_text(&self.sub_path).await;
        if page.contains("name=\"_version\"") {
            field_value(&page, "_version")
        } else {
            "0".into()
        }
    }

    async fn post(&self, answers: &[(&str, &str)], action: &str) -> (u16, String) {
        let version = self.version().await;
        let mut fields = vec![
            ("_interview_date", today().to_string()),
            ("_version", version),
            ("_action", action.to_string()),
        ];
        fields.extend(answers.iter().map(|(k, v)| (*k, v.to_string())));
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let res = self.cm.post_form(&self.sub_path, &self.csrf, &fields).await;
        let status = res.status().as_u16();
        (status, res.text().await.unwrap())
    }

    async fn attach(&self, answers: &[(&str, &str)], file: &[u8], name: &str) -> reqwest::Response {
        // Field names as browsers send them (`a:child/0/child_name`), not percent-encoded.
        let mut form = Form::new()
            .percent_encode_noop()
            .text("_csrf", self.csrf.clone())
            .text("_version", self.version().await)
            .text("_interview_date", today().to_string())
            .text("_attach", "a:home_photo");
        for (k, v) in answers {
            form = form.text(k.to_string(), v.to_string());
        }
        form = form.part(
            "file:a:home_photo",
            Part::bytes(file.to_vec()).file_name(name.to_string()),
        );
        self.cm
            .http
            .post(self.app.url(&format!("{}/files", self.sub_path)))
            .multipart(form)
            .send()
            .await
            .unwrap()
    }
}

#[tokio::test]
async fn a_field_form_is_filled_with_a_typed_location_a_counted_repeat_other_and_a_photo() {
    let v = start().await;

    // The XForm field clients download.
    let res = v.cm.get("/forms/field_visit/2026.1/xform").await;
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()[reqwest::header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/xml")
    );
    let xml = res.text().await.unwrap();
    for needle in [
        r#"<data id="field_visit" version="2026.1">"#,
        r#"<bind nodeset="/data/home_location" type="geopoint" required="true()"/>"#,
        r#"<repeat nodeset="/data/child" jr:count=" /data/children ">"#,
        r#"<upload ref="/data/home_photo" mediatype="image/*">"#,
        r#"<bind nodeset="/data/main_support_other" type="string" relevant="selected( /data/main_support , 'other')"/>"#,
        "<name>other</name>",
    ] {
        assert!(xml.contains(needle), "the XForm lacks {needle}:\n{xml}");
    }

    // Two children asked for: two items of the repeat, without add or remove buttons.
    let (status, page) = v
        .post(
            &[("a:main_support", "other"), ("a:children", "2")],
            "refresh",
        )
        .await;
    assert_eq!(status, 200);
    assert!(page.contains("name=\"a:child/0/child_name\""));
    assert!(page.contains("name=\"a:child/1/child_name\""));
    assert!(!page.contains("name=\"a:child/2/child_name\""));
    assert!(
        page.contains("name=\"a:main_support_other\""),
        "'other' asks what it was"
    );
    assert!(
        page.contains("Latitude and longitude in degrees"),
        "the location's format is explained"
    );

    // A location that is not one is refused with what to type, and nothing typed is lost.
    let answers = [
        ("a:main_support", "other"),
        ("a:main_support_other", "Seeds from the cooperative"),
        ("a:children", "2"),
        // The page posts how many items each repeat shows.
        ("n:child", "2"),
        ("a:child/0/child_name", "Awa"),
        ("a:child/1/child_name", "Moussa"),
    ];
    let (_, page) = v.post(&answers, "refresh").await;
    assert!(page.contains("value=\"Moussa\""), "{page}");
    let mut typed = answers.to_vec();
    typed.push(("a:home_location", "near the mosque"));
    let (status, page) = v.post(&typed, "submit").await;
    assert_eq!(status, 422);
    assert!(page.contains("Enter a location as latitude and longitude"));
    assert!(page.contains("Seeds from the cooperative") && page.contains("near the mosque"));
    // The engine's messages are said in the reader's language.
    let res =
        v.cm.post_form("/language", &v.csrf, &[("lang", "fr")])
            .await;
    assert!(res.status().is_redirection() || res.status().is_success());
    let (status, page) = v.post(&typed, "submit").await;
    assert_eq!(status, 422);
    assert!(
        page.contains("Saisissez un lieu en latitude et longitude"),
        "{page}"
    );
    v.cm.post_form("/language", &v.csrf, &[("lang", "en")])
        .await;

    // A PDF is not a photo: refused by its content, whatever its name.
    let mut located = answers.to_vec();
    located.push(("a:home_location", "14.6928 -17.4467"));
    let res = v.attach(&located, PDF, "home.jpg").await;
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(page.contains("This is not a photo"));
    assert!(
        page.contains("Seeds from the cooperative"),
        "what was typed comes back"
    );

    // The photo: attached, the draft saved with everything typed, back on the form.
    let res = v.attach(&located, PNG, "home.png").await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), v.sub_path);
    let (_, page) = v.cm.get_text(&v.sub_path).await;
    assert!(
        page.contains("14.6928 -17.4467") && page.contains("Moussa"),
        "{}",
        &page[page.find("<form").unwrap_or(0)..]
    );
    let photo = field_value(&page, "a:home_photo");
    assert!(
        photo.ends_with(".png"),
        "the answer names the stored photo: {photo}"
    );
    let file_path = format!("{}/files/{photo}", v.sub_path);
    assert!(
        page.contains(&format!("src=\"{file_path}\"")),
        "the photo is shown"
    );

    // An answer naming a file that was never attached is refused.
    let mut forged = located.clone();
    forged.push(("a:home_photo", "0123456789abcdef.png"));
    let (status, page) = v.post(&forged, "submit").await;
    assert_eq!(status, 422);
    assert!(page.contains("This file is not among the form"), "{page}");

    // Submitted: complete, with the photo kept.
    let mut complete = located.clone();
    complete.push(("a:home_photo", &photo));
    let (status, _) = v.post(&complete, "submit").await;
    assert_eq!(status, 303);
    let res = v.cm.get(&file_path).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()[reqwest::header::CONTENT_TYPE], "image/png");
    assert_eq!(res.bytes().await.unwrap().as_ref(), PNG);

    // Every opening is audited on the submission; the attachment too.
    let sub_id = v.sub_path.rsplit('/').next().unwrap();
    let trail = v
        .app
        .store
        .audit_for_record("submission", sub_id, AuditScope::ChangesAndViews)
        .await
        .unwrap();
    let mentions = |action: domain::audit::AuditAction| {
        trail.iter().any(|e| {
            e.action == action
                && e.changes.iter().any(|c| {
                    c.after.as_deref() == Some(photo.as_str())
                        || c.after.as_deref().is_some_and(|a| a.starts_with(&photo))
                })
        })
    };
    assert!(
        mentions(domain::audit::AuditAction::Update),
        "the attachment is audited"
    );
    assert!(
        mentions(domain::audit::AuditAction::View),
        "the opening is audited"
    );

    // A case manager of another office cannot open it, nor learn it exists.
    let stranger = v.app.signed_in("cm.thies").await;
    assert_eq!(stranger.get(&file_path).await.status(), 404);
    // A completed submission takes no more files.
    assert_eq!(v.attach(&located, PNG, "again.png").await.status(), 409);
    let _ = v.case_path;
}
