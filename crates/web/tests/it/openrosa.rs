//! The OpenRosa server as a field client uses it: a case manager's device lists the forms it
//! may fill, downloads one with its manifest and case list, fills an instance built from the
//! XForm as ODK Collect builds it, and sends it (with a photo, whole or split over two posts).
//! Resubmissions, a wrong or revoked token, another's case, an invalid instance and an
//! oversized file are each answered as OpenRosa clients expect, and nothing refused is stored.

use crate::common::*;
use crate::field_forms::{PNG, publish_field_visit};
use domain::Role;
use reqwest::multipart::{Form, Part};
use store::{Subject, SubmissionStatus};

pub(crate) struct Field {
    pub(crate) app: TestApp,
    /// The device address of cm.dakar, who registered the case.
    pub(crate) device: String,
    /// The device address of cm.thies, in another office.
    pub(crate) stranger: String,
    pub(crate) case_id: String,
    pub(crate) case_number: String,
    pub(crate) http: reqwest::Client,
}

async fn device_for(app: &TestApp, username: &str, name: &str) -> Result<String, app::Error> {
    let user = app
        .store
        .user_by_username(&domain::Username::parse(username).unwrap())
        .await
        .unwrap()
        .unwrap();
    let core = app::App::new(app.store.clone());
    let token = app::field::create_device(
        &core,
        app::accounts::By::Operator("test"),
        &user,
        name.into(),
    )
    .await?;
    Ok(app.url(&format!("/openrosa/{token}")))
}

/// A user as the use cases know them.
pub(crate) async fn actor_of(app: &TestApp, username: &str) -> domain::authz::Actor {
    let user = app
        .store
        .user_by_username(&domain::Username::parse(username).unwrap())
        .await
        .unwrap()
        .unwrap();
    domain::authz::Actor {
        user_id: user.id,
        role: user.role,
        office: user.office,
        organisation: user.organisation,
    }
}

pub(crate) async fn start() -> Field {
    let app = spawn_app().await;
    let office = app.office("DKR").await;
    app.user("pm.dakar", Role::ProgrammeManager, Some(office))
        .await;
    app.user("cm.dakar", Role::CaseManager, Some(office)).await;
    app.user("cm.thies", Role::CaseManager, Some(app.office("THS").await))
        .await;
    publish_field_visit(&app).await;
    let cm = app.signed_in("cm.dakar").await;
    let (case_id, case_number) = register_named(&app, &cm, "Awa", "female").await;
    let device = device_for(&app, "cm.dakar", "tablet").await.unwrap();
    let stranger = device_for(&app, "cm.thies", "tablet").await.unwrap();
    Field {
        app,
        device,
        stranger,
        case_id,
        case_number,
        http: reqwest::Client::new(),
    }
}

impl Field {
    async fn get(&self, url: &str) -> (u16, reqwest::header::HeaderMap, String) {
        let res = self
            .http
            .get(url)
            .header("X-OpenRosa-Version", "1.0")
            .send()
            .await
            .unwrap();
        let (status, headers) = (res.status().as_u16(), res.headers().clone());
        (status, headers, res.text().await.unwrap())
    }

    pub(crate) async fn submit(&self, device: &str, form: Form) -> (u16, String) {
        let res = self
            .http
            .post(format!("{device}/submission"))
            .header("X-OpenRosa-Version", "1.0")
            .multipart(form)
            .send()
            .await
            .unwrap();
        let status = res.status().as_u16();
        assert_eq!(res.headers()["x-openrosa-version"], "1.0");
        (status, res.text().await.unwrap())
    }

    pub(crate) async fn xform(&self) -> String {
        let (status, _, xml) = self
            .get(&format!("{}/forms/field_visit/2026.1.xml", self.device))
            .await;
        assert_eq!(status, 200);
        xml
    }

    async fn submissions(&self) -> Vec<store::Submission> {
        self.app
            .store
            .submissions_for(Subject::Case(self.case_id.parse().unwrap()))
            .await
            .unwrap()
    }
}

/// A repeat's name and its items' answers.
pub(crate) type Repeat<'a> = (&'a str, Vec<Vec<(&'a str, &'a str)>>);

/// The instance ODK Collect would send for an XForm: its main instance with the answers
/// filled in by name, each repeat given as many items as asked (its template dropped), and a
/// fresh instance id.
pub(crate) fn instance_of(
    xform: &str,
    answers: &[(&str, &str)],
    repeats: &[Repeat<'_>],
    instance_id: &str,
) -> String {
    let doc = roxmltree::Document::parse(xform).unwrap();
    let main = doc
        .descendants()
        .find(|n| n.has_tag_name("instance") && n.attribute("id").is_none())
        .unwrap()
        .first_element_child()
        .unwrap();
    let mut out = String::new();
    write_node(main, answers, repeats, instance_id, &mut out);
    out
}

fn write_node(
    node: roxmltree::Node<'_, '_>,
    answers: &[(&str, &str)],
    repeats: &[Repeat<'_>],
    instance_id: &str,
    out: &mut String,
) {
    let name = node.tag_name().name();
    let is_template = node.attributes().any(|a| a.name() == "template");
    if is_template {
        let items = repeats
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, items)| items.clone())
            .unwrap_or_default();
        for item in items {
            write_node_plain(node, &item, repeats, instance_id, out);
        }
        return;
    }
    // The first item pyxform writes beside the template: Collect replaces both.
    let has_template = node
        .prev_sibling_element()
        .is_some_and(|p| p.tag_name().name() == name)
        || node
            .next_sibling_element()
            .is_some_and(|p| p.tag_name().name() == name);
    if has_template {
        return;
    }
    write_node_plain(node, answers, repeats, instance_id, out);
}

fn write_node_plain(
    node: roxmltree::Node<'_, '_>,
    answers: &[(&str, &str)],
    repeats: &[Repeat<'_>],
    instance_id: &str,
    out: &mut String,
) {
    let name = node.tag_name().name();
    out.push('<');
    out.push_str(name);
    for a in ["id", "version"] {
        if let Some(v) = node.attribute(a) {
            out.push_str(&format!(" {a}=\"{v}\""));
        }
    }
    out.push('>');
    let children: Vec<_> = node.children().filter(|n| n.is_element()).collect();
    if children.is_empty() {
        let value = if name == "instanceID" {
            instance_id
        } else {
            answers
                .iter()
                .find(|(k, _)| *k == name)
                .map_or("", |(_, v)| *v)
        };
        out.push_str(value);
    }
    for child in children {
        write_node(child, answers, repeats, instance_id, out);
    }
    out.push_str(&format!("</{name}>"));
}

pub(crate) fn visit_answers(case_number: &str) -> Vec<(&str, &str)> {
    vec![
        ("reintegra_case", case_number),
        ("main_support", "other"),
        ("main_support_other", "Seeds from the cooperative"),
        ("children", "2"),
        ("home_location", "14.69 -17.44 0 5"),
        ("home_photo", "1718.png"),
    ]
}

pub(crate) fn children() -> Vec<Repeat<'static>> {
    vec![(
        "child",
        vec![vec![("child_name", "Awa")], vec![("child_name", "Moussa")]],
    )]
}

pub(crate) fn post_of(xml: String) -> Form {
    Form::new().part(
        "xml_submission_file",
        Part::bytes(xml.into_bytes())
            .file_name("submission.xml")
            .mime_str("text/xml")
            .unwrap(),
    )
}

#[tokio::test]
async fn a_device_lists_downloads_and_submits_once() {
    let f = start().await;

    // The form list: the forms about a case the user may fill, with their hash.
    let (status, headers, list) = f.get(&format!("{}/formList", f.device)).await;
    assert_eq!(status, 200);
    assert_eq!(headers["x-openrosa-version"], "1.0");
    assert!(list.contains("<formID>field_visit</formID>"), "{list}");
    assert!(list.contains("<formID>rss</formID>"), "{list}");
    assert!(
        !list.contains("community_"),
        "community forms are not filled offline"
    );
    let xform = f.xform().await;
    let hash = app::field::md5_hex(xform.as_bytes());
    assert!(list.contains(&format!("<hash>md5:{hash}</hash>")), "{list}");
    assert!(list.contains(&format!(
        "<downloadUrl>{}/forms/field_visit/2026.1.xml</downloadUrl>",
        f.device
    )));
    assert!(
        xform.contains("<reintegra_case/>"),
        "the returnee is picked first"
    );
    assert!(xform.contains("cases.csv"));

    // The manifest names the case list; the list holds the user's own cases, first names only.
    let (status, _, manifest) = f
        .get(&format!("{}/forms/field_visit/2026.1/manifest", f.device))
        .await;
    assert_eq!(status, 200);
    assert!(
        manifest.contains("<filename>cases.csv</filename>"),
        "{manifest}"
    );
    let (status, _, cases) = f
        .get(&format!(
            "{}/forms/field_visit/2026.1/files/cases.csv",
            f.device
        ))
        .await;
    assert_eq!(status, 200);
    assert!(cases.starts_with("name,label,first_name,office,due_round,due_visit"));
    assert!(cases.contains(&format!("{},{} Awa,Awa,DKR", f.case_number, f.case_number)));
    assert!(!cases.contains("Diallo"), "no family name leaves: {cases}");
    let (_, _, theirs) = f
        .get(&format!(
            "{}/forms/field_visit/2026.1/files/cases.csv",
            f.stranger
        ))
        .await;
    assert!(!theirs.contains(&f.case_number), "another office's list");

    // HEAD, and a post without a body, answer what a post may carry.
    let res = f
        .http
        .head(format!("{}/submission", f.device))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    assert_eq!(
        res.headers()["x-openrosa-accept-content-length"],
        "16777216"
    );
    let res = f
        .http
        .post(format!("{}/submission", f.device))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);

    // The instance Collect builds from the XForm, with its photo: stored once.
    let answers = visit_answers(&f.case_number);
    let xml = instance_of(&xform, &answers, &children(), "uuid:first");
    let send = || {
        post_of(xml.clone()).part(
            "1718.png",
            Part::bytes(PNG.to_vec())
                .file_name("1718.png")
                .mime_str("image/png")
                .unwrap(),
        )
    };
    let (status, body) = f.submit(&f.device, send()).await;
    assert_eq!(status, 201, "{body}");
    assert!(body.contains("<OpenRosaResponse") && body.contains("received"));
    let (status, body) = f.submit(&f.device, send()).await;
    assert_eq!(status, 202, "{body}");
    let subs = f.submissions().await;
    assert_eq!(subs.len(), 1, "a resubmission stores nothing");
    let sub = &subs[0];
    assert_eq!(sub.status, SubmissionStatus::Complete);
    let stored: serde_json::Value = serde_json::from_str(&sub.answers).unwrap();
    assert_eq!(stored["main_support_other"], "Seeds from the cooperative");
    assert_eq!(stored["child"][1]["child_name"], "Moussa");
    assert!(stored.get("reintegra_case").is_none());
    let files = f.app.store.submission_files(sub.id).await.unwrap();
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].media_type, "image/png");
    assert_eq!(stored["home_photo"], files[0].name.as_str());
    assert_ne!(
        files[0].name, "1718.png",
        "the server names the file it keeps"
    );

    // The case page shows it like any other submission.
    let cm = f.app.signed_in("cm.dakar").await;
    let (_, page) = cm.get_text(&format!("/cases/{}", f.case_id)).await;
    assert!(
        page.contains(&sub.id.to_string()),
        "the case lists the visit"
    );
}

#[tokio::test]
async fn a_submission_split_over_two_posts_is_stored_whole_at_the_last() {
    let f = start().await;
    let xform = f.xform().await;
    let xml = instance_of(
        &xform,
        &visit_answers(&f.case_number),
        &children(),
        "uuid:split",
    );
    // The first post carries the photo and says more is to come.
    let first = post_of(xml.clone())
        .text("*isIncomplete*", "yes")
        .part("1718.png", Part::bytes(PNG.to_vec()).file_name("1718.png"));
    let (status, body) = f.submit(&f.device, first).await;
    assert_eq!(status, 201, "{body}");
    assert!(f.submissions().await.is_empty(), "nothing half-stored");
    // The last post carries the instance alone.
    let (status, body) = f.submit(&f.device, post_of(xml)).await;
    assert_eq!(status, 201, "{body}");
    let subs = f.submissions().await;
    assert_eq!(subs.len(), 1);
    let files = f.app.store.submission_files(subs[0].id).await.unwrap();
    assert_eq!(
        files.len(),
        1,
        "the photo of the first post is the answer's"
    );
}

#[tokio::test]
async fn refusals_store_nothing_and_say_why() {
    let f = start().await;
    let xform = f.xform().await;

    // A wrong token, and a revoked one.
    let wrong = f.app.url("/openrosa/rd_not-a-token");
    let (status, _, body) = f.get(&format!("{wrong}/formList")).await;
    assert_eq!(status, 401);
    assert!(body.contains("<OpenRosaResponse"), "{body}");
    let core = app::App::new(f.app.store.clone());
    let actor = actor_of(&f.app, "cm.dakar").await;
    let spare = device_for(&f.app, "cm.dakar", "spare tablet")
        .await
        .unwrap();
    let (status, _, _) = f.get(&format!("{spare}/formList")).await;
    assert_eq!(status, 200);
    let devices = app::field::devices(&core, &actor).await.unwrap();
    assert_eq!(devices.len(), 2);
    let spare_id = devices
        .iter()
        .find(|d| d.name == "spare tablet")
        .unwrap()
        .id;
    app::accounts::revoke_api_token(&core, &actor, spare_id)
        .await
        .unwrap();
    let (status, _, _) = f.get(&format!("{spare}/formList")).await;
    assert_eq!(status, 401, "a revoked device is refused");
    let answers = visit_answers(&f.case_number);
    let live = &f.device;

    // A device account is a case manager's.
    let pm_device = device_for(&f.app, "pm.dakar", "tablet").await;
    assert!(pm_device.is_err());

    // A case the user may not work on.
    let xml = instance_of(&xform, &answers, &children(), "uuid:theirs");
    let (status, body) = f.submit(&f.stranger, post_of(xml)).await;
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("not one of your cases"), "{body}");

    // An instance that breaks the form's rules: the reason names the question.
    let mut missing: Vec<(&str, &str)> = answers
        .iter()
        .copied()
        .filter(|(k, _)| *k != "home_location" && *k != "home_photo")
        .collect();
    missing.push(("home_location", "near the mosque"));
    let xml = instance_of(&xform, &missing, &children(), "uuid:invalid");
    let (status, body) = f.submit(live, post_of(xml)).await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("home_location"), "{body}");

    // A file the answers name that never came, and an element the form does not have.
    let xml = instance_of(&xform, &answers, &children(), "uuid:nofile");
    let (status, body) = f.submit(live, post_of(xml)).await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("1718.png"), "{body}");
    let odd = instance_of(&xform, &answers, &children(), "uuid:odd").replacen(
        "<children>",
        "<nickname>x</nickname><children>",
        1,
    );
    let (status, body) = f.submit(live, post_of(odd)).await;
    assert_eq!(status, 400);
    assert!(body.contains("nickname"), "{body}");

    // An attachment over the limit is refused as it streams in.
    let xml = instance_of(&xform, &answers, &children(), "uuid:big");
    let mut big = PNG.to_vec();
    big.resize(app::attachments::MAX_FILE_BYTES + 1, 0);
    let form = post_of(xml).part("1718.png", Part::bytes(big).file_name("1718.png"));
    let (status, body) = f.submit(live, form).await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("<OpenRosaResponse"));

    // A form version that is not published.
    let unknown = instance_of(&xform, &answers, &children(), "uuid:draft").replacen(
        "version=\"2026.1\"",
        "version=\"2099.1\"",
        1,
    );
    let (status, body) = f.submit(live, post_of(unknown)).await;
    assert_eq!(status, 404, "{body}");

    assert!(
        f.submissions().await.is_empty(),
        "nothing refused was stored"
    );
}

#[tokio::test]
async fn a_case_manager_adds_and_revokes_a_device_on_the_account_page() {
    let f = start().await;
    let cm = f.app.signed_in("cm.dakar").await;
    let csrf = cm.csrf("/account").await;
    let res = cm
        .post_form("/account/devices", &csrf, &[("name", "tablet 3")])
        .await;
    assert_eq!(res.status(), 200);
    let page = res.text().await.unwrap();
    assert!(page.contains("<svg"), "the QR code ODK Collect scans");
    let marker = "id=\"new-device-url\">";
    let start = page.find(marker).unwrap() + marker.len();
    let url = page[start..].split('<').next().unwrap().to_string();
    assert!(url.starts_with(&f.app.url("/openrosa/rd_")), "{url}");
    let (status, _, list) = f.get(&format!("{url}/formList")).await;
    assert_eq!(status, 200);
    assert!(list.contains("field_visit"));
    // The same address in a browser, for those without Android.
    assert!(
        page.contains(&format!("<a href=\"{url}/web\">open the web forms</a>")),
        "{page}"
    );
    let (status, _, forms) = f.get(&format!("{url}/web")).await;
    assert_eq!(status, 200);
    assert!(forms.contains("Field visit"), "{forms}");
    // Listed (not as an API token), and revoked from the page.
    let (_, page) = cm.get_text("/account").await;
    let devices = &page[page.find("id=\"devices\"").unwrap()..];
    assert!(devices.contains("tablet 3"));
    let row = devices
        .split("<tr>")
        .find(|r| r.contains("<td>tablet 3</td>"))
        .unwrap();
    let action = row
        .split("action=\"")
        .find(|s| s.contains("/revoke"))
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let res = cm.post_form(&action, &csrf, &[]).await;
    assert!(res.status().is_redirection() || res.status().is_success());
    let (status, _, _) = f.get(&format!("{url}/formList")).await;
    assert_eq!(status, 401, "revoked");

    // Other roles have no devices; a name is required.
    let pm = f.app.signed_in("pm.dakar").await;
    let (_, page) = pm.get_text("/account").await;
    assert!(!page.contains("id=\"devices\""));
    let res = cm
        .post_form("/account/devices", &csrf, &[("name", " ")])
        .await;
    assert_eq!(res.status(), 422);
}

#[tokio::test]
async fn the_forms_api_uploads_publishes_pulls_and_takes_answers() {
    let f = start().await;
    let pm = f.app.signed_in("pm.dakar").await;
    let pm_token = api_token(&pm).await;
    let cm = f.app.signed_in("cm.dakar").await;
    let cm_token = api_token(&cm).await;
    let api = |token: &str, req: reqwest::RequestBuilder| req.bearer_auth(token.to_string());

    // A workbook with problems: every problem back as JSON.
    let broken = Form::new().part(
        "file",
        Part::bytes(b"not a workbook".to_vec()).file_name("broken.xlsx"),
    );
    let res = api(&pm_token, f.http.post(f.app.url("/api/v1/forms")))
        .multipart(broken)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["error"]["fields"][0]["field"], "file");
    assert!(
        !body["error"]["fields"][0]["message"]
            .as_str()
            .unwrap()
            .is_empty()
    );
    // A case manager may not upload.
    let res = api(&cm_token, f.http.post(f.app.url("/api/v1/forms")))
        .multipart(Form::new().text("file", "x"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);

    // The list, the XForm and the XLSForm of a version.
    let res = api(&cm_token, f.http.get(f.app.url("/api/v1/forms")))
        .send()
        .await
        .unwrap();
    let list: serde_json::Value = res.json().await.unwrap();
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .any(|v| v["form_id"] == "field_visit" && v["published"] == true)
    );
    let res = api(
        &cm_token,
        f.http
            .get(f.app.url("/api/v1/forms/field_visit/versions/2026.1/xform")),
    )
    .send()
    .await
    .unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.text().await.unwrap().contains("<h:html"));

    // Answers sent as JSON: refused with the question named, then stored once.
    let mut answers = serde_json::json!({
        "main_support": "other",
        "main_support_other": "Seeds from the cooperative",
        "children": "1",
        "child": [{"child_name": "Awa"}],
    });
    let submit = |answers: serde_json::Value| {
        api(
            &cm_token,
            f.http.post(
                f.app
                    .url(&format!("/api/v1/cases/{}/submissions", f.case_id)),
            ),
        )
        .json(&serde_json::json!({
            "form_id": "field_visit",
            "answers": answers,
            "instance_id": "uuid:api-1",
        }))
        .send()
    };
    let res = submit(answers.clone()).await.unwrap();
    assert_eq!(res.status(), 422);
    let body: serde_json::Value = res.json().await.unwrap();
    assert!(
        body["error"]["fields"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["field"] == "answers.home_location"),
        "{body}"
    );
    assert!(f.submissions().await.is_empty(), "nothing stored");
    answers["home_location"] = "14.69 -17.44".into();
    let res = submit(answers.clone()).await.unwrap();
    assert_eq!(res.status(), 201);
    let stored: serde_json::Value = res.json().await.unwrap();
    assert_eq!(stored["status"], "complete");
    assert_eq!(stored["answers"]["child"][0]["child_name"], "Awa");
    let res = submit(answers).await.unwrap();
    assert_eq!(res.status(), 200, "the same instance again");
    assert_eq!(f.submissions().await.len(), 1);

    // Pulled by form (paged, incrementally) and by case.
    let res = api(
        &pm_token,
        f.http
            .get(f.app.url("/api/v1/forms/field_visit/submissions?limit=1")),
    )
    .send()
    .await
    .unwrap();
    assert_eq!(res.status(), 200);
    let page: serde_json::Value = res.json().await.unwrap();
    assert_eq!(page["items"][0]["id"], stored["id"]);
    let next = page["next"].as_str().unwrap().to_string();
    let res = api(
        &pm_token,
        f.http.get(f.app.url(&format!(
            "/api/v1/forms/field_visit/submissions?after={next}"
        ))),
    )
    .send()
    .await
    .unwrap();
    let page: serde_json::Value = res.json().await.unwrap();
    assert!(page["items"].as_array().unwrap().is_empty());
    assert!(page["next"].is_null());
    let res = api(
        &pm_token,
        f.http.get(
            f.app
                .url("/api/v1/forms/field_visit/submissions?since=2999-01-01T00:00:00Z"),
        ),
    )
    .send()
    .await
    .unwrap();
    let page: serde_json::Value = res.json().await.unwrap();
    assert!(page["items"].as_array().unwrap().is_empty());
    let res = api(
        &pm_token,
        f.http.get(
            f.app
                .url("/api/v1/forms/field_visit/submissions?since=yesterday"),
        ),
    )
    .send()
    .await
    .unwrap();
    assert_eq!(res.status(), 422);
    let res = api(
        &cm_token,
        f.http.get(
            f.app
                .url(&format!("/api/v1/cases/{}/submissions", f.case_id)),
        ),
    )
    .send()
    .await
    .unwrap();
    let subs: serde_json::Value = res.json().await.unwrap();
    assert_eq!(subs[0]["id"], stored["id"]);
    let res = api(
        &cm_token,
        f.http.get(
            f.app
                .url(&format!("/api/v1/cases/{}/rss-scores", f.case_id)),
        ),
    )
    .send()
    .await
    .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.json::<serde_json::Value>().await.unwrap(),
        serde_json::json!([])
    );
}

/// Reassigns the case to cm.other through the API, as a programme manager.
pub(crate) async fn reassign(f: &Field, pm_token: &str) {
    let other = f
        .app
        .store
        .user_by_username(&domain::Username::parse("cm.other").unwrap())
        .await
        .unwrap()
        .unwrap();
    let url = f.app.url(&format!("/api/v1/cases/{}", f.case_id));
    let case: serde_json::Value = f
        .http
        .get(&url)
        .bearer_auth(pm_token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let res = f
        .http
        .put(&url)
        .bearer_auth(pm_token)
        .json(&serde_json::json!({
            "version": case["version"],
            "case_manager": other.id.to_string(),
            "profile": case["profile"],
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
}

#[tokio::test]
async fn a_visit_about_a_case_reassigned_meanwhile_waits_for_a_programme_manager() {
    let f = start().await;
    let office = f.app.office("DKR").await;
    f.app
        .user("cm.other", Role::CaseManager, Some(office))
        .await;
    let xform = f.xform().await;
    let pm = f.app.signed_in("pm.dakar").await;
    let pm_token = api_token(&pm).await;
    reassign(&f, &pm_token).await;

    // The visit recorded offline before the change arrives: held, not stored, not lost.
    let answers = visit_answers(&f.case_number);
    let first = instance_of(&xform, &answers, &children(), "uuid:held-1");
    let photo = || Part::bytes(PNG.to_vec()).file_name("1718.png");
    let (status, body) = f
        .submit(&f.device, post_of(first.clone()).part("1718.png", photo()))
        .await;
    assert_eq!(status, 201, "{body}");
    assert!(body.contains("programme manager"), "{body}");
    let (status, _) = f
        .submit(&f.device, post_of(first).part("1718.png", photo()))
        .await;
    assert_eq!(status, 202, "held once");
    assert!(f.submissions().await.is_empty());
    // A case never theirs is still refused.
    let xml = instance_of(&xform, &answers, &children(), "uuid:stranger");
    let (status, _) = f.submit(&f.stranger, post_of(xml)).await;
    assert_eq!(status, 403);

    // The programme manager sees it on the approvals page and accepts it.
    let (_, page) = pm.get_text("/approvals").await;
    let held = &page[page.find("id=\"held\"").expect("the held section")..];
    assert!(held.contains(&f.case_number), "{held}");
    let csrf = csrf_of(&page);
    let accept = held
        .split("action=\"")
        .find(|s| s.contains("/accept"))
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let res = pm.post_form(&accept, &csrf, &[]).await;
    assert!(res.status().is_redirection(), "{}", res.status());
    let subs = f.submissions().await;
    assert_eq!(subs.len(), 1);
    assert_eq!(
        subs[0].interviewer_name, "cm.dakar name",
        "stored as its sender's"
    );
    assert_eq!(
        f.app
            .store
            .submission_files(subs[0].id)
            .await
            .unwrap()
            .len(),
        1,
        "with its photo"
    );
    let (_, page) = pm.get_text("/approvals").await;
    assert!(!page.contains("id=\"held\""));

    // Another is declined: deleted, and audited.
    let second = instance_of(&xform, &answers, &children(), "uuid:held-2");
    let (status, _) = f
        .submit(&f.device, post_of(second).part("1718.png", photo()))
        .await;
    assert_eq!(status, 201);
    let (_, page) = pm.get_text("/approvals").await;
    let decline = page
        .split("action=\"")
        .find(|s| s.contains("/decline"))
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let res = pm.post_form(&decline, &csrf, &[]).await;
    assert!(res.status().is_redirection());
    assert_eq!(f.submissions().await.len(), 1);
    let held_id = decline.split('/').nth(3).unwrap();
    let trail = f
        .app
        .store
        .audit_for_record("held_submission", held_id, store::AuditScope::Changes)
        .await
        .unwrap();
    assert!(
        trail.iter().any(|e| e
            .changes
            .iter()
            .any(|c| c.after.as_deref() == Some("declined"))),
        "the decision is in the audit trail"
    );
    let (_, page) = pm.get_text("/approvals").await;
    assert!(!page.contains("id=\"held\""));
}
