//! The survey filled offline: the instance ODK Collect would send for the Reintegration
//! Sustainability Survey, built from the XForm the device downloads, lands on the case with
//! the same answers and the same scores as the same answers given on the page.

use crate::common::*;
use crate::openrosa::instance_of;
use domain::Role;
use store::Subject;

pub(crate) fn profile() -> Vec<(&'static str, &'static str)> {
    vec![
        ("a:p_name", "Aminata Diallo"),
        ("a:p_return_date", "2026-01-01"),
        ("a:p_sex", "female"),
        ("a:p_returned_from", "Libya"),
        ("a:p_vulnerable", "yes"),
        ("a:p_return_country", "Senegal"),
        ("a:p_province", "Tambacounda"),
        ("a:round", "baseline"),
        ("a:interview_location", "office"),
        ("a:private_space", "OK"),
        ("a:consent", "yes"),
        ("a:consent_form", "written"),
    ]
}

/// Fills and submits an RSS survey about the case `case` on its page, with these answers.
pub(crate) async fn survey_on_page(cm: &Client, case: &str, given: &[(&str, &str)]) {
    let csrf = cm.csrf(&format!("/cases/{case}")).await;
    let res = cm
        .post_form(
            &format!("/cases/{case}/submissions"),
            &csrf,
            &[("form_id", "rss")],
        )
        .await;
    let sub_path = location(&res);
    let (_, page) = cm.get_text(&sub_path).await;
    let version = field_value(&page, "_version");
    let today = today().to_string();
    let mut fields = vec![
        ("_action", "submit"),
        ("_version", version.as_str()),
        ("_interview_date", today.as_str()),
    ];
    fields.extend(given.iter().copied());
    let res = cm.post_form(&sub_path, &csrf, &fields).await;
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
}

async fn survey_of(app: &TestApp, case_id: &str) -> (serde_json::Value, store::RssScore) {
    let subs = app
        .store
        .submissions_for(Subject::Case(case_id.parse().unwrap()))
        .await
        .unwrap();
    assert_eq!(subs.len(), 1);
    let answers = serde_json::from_str(&subs[0].answers).unwrap();
    let score = app.store.rss_score(subs[0].id).await.unwrap().unwrap();
    (answers, score)
}

#[tokio::test]
async fn a_survey_sent_from_a_device_is_stored_and_scored_as_on_the_page() {
    let app = spawn_app().await;
    let office = app.office("DKR").await;
    app.user("cm.dakar", Role::CaseManager, Some(office)).await;
    let cm = app.signed_in("cm.dakar").await;
    let (on_page, _) = register_named(&app, &cm, "Awa", "female").await;
    let (offline, offline_number) = register_named(&app, &cm, "Fatou", "female").await;
    let mut given: Vec<(&str, &str)> = profile();
    given.extend(mixed_answers());

    // On the page.
    survey_on_page(&cm, &on_page, &given).await;

    // From a device: the same answers in the instance built from the downloaded XForm.
    let user = app
        .store
        .user_by_username(&domain::Username::parse("cm.dakar").unwrap())
        .await
        .unwrap()
        .unwrap();
    let token = app::field::create_device(
        &app::App::new(app.store.clone()),
        app::accounts::By::Operator("test"),
        &user,
        "tablet".into(),
    )
    .await
    .unwrap();
    let device = app.url(&format!("/openrosa/{token}"));
    let http = reqwest::Client::new();
    let list = http
        .get(format!("{device}/formList"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let rss = &list[list.find("<formID>rss</formID>").unwrap()..];
    let url = rss
        .split("<downloadUrl>")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap();
    let xform = http.get(url).send().await.unwrap().text().await.unwrap();
    // A select-multiple answer is its choices separated by spaces, as XForms write it.
    let mut answers: Vec<(String, String)> = Vec::new();
    for (k, v) in &given {
        let k = k.trim_start_matches("a:").to_string();
        match answers.iter_mut().find(|(name, _)| *name == k) {
            Some((_, value)) => {
                value.push(' ');
                value.push_str(v);
            }
            None => answers.push((k, v.to_string())),
        }
    }
    answers.push(("reintegra_case".into(), offline_number.clone()));
    let answers: Vec<(&str, &str)> = answers
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let xml = instance_of(&xform, &answers, &[], "uuid:offline-survey");
    let form = reqwest::multipart::Form::new().part(
        "xml_submission_file",
        reqwest::multipart::Part::bytes(xml.into_bytes()).file_name("submission.xml"),
    );
    let res = http
        .post(format!("{device}/submission"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());

    // The same answers, the same scores.
    let (page_answers, page_score) = survey_of(&app, &on_page).await;
    let (device_answers, device_score) = survey_of(&app, &offline).await;
    for (k, _) in &answers {
        if *k == "reintegra_case" {
            continue;
        }
        assert_eq!(page_answers[k], device_answers[k], "the answer to {k}");
    }
    assert_eq!(page_score.round, device_score.round);
    assert_eq!(page_score.scores.composite, device_score.scores.composite);
    assert_eq!(page_score.scores.economic, device_score.scores.economic);
    assert_eq!(page_score.scores.social, device_score.scores.social);
    assert_eq!(
        page_score.scores.psychosocial,
        device_score.scores.psychosocial
    );
    assert!(device_score.scores.composite.is_some());
}
