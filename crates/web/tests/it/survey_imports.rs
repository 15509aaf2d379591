//! Importing survey results exported from KoboToolbox: a dry run says row by row what would be
//! stored (with the score) or what is wrong, and stores nothing; the import stores and scores
//! each survey as if it had been submitted, on the day it was taken; the same export again
//! stores nothing twice.

use domain::Role;
use forms::xlsform::{Sheet, Workbook};
use reqwest::multipart::{Form, Part};
use store::Subject;

use crate::common::*;
use crate::openrosa_survey::{profile, survey_on_page};

/// A KoboToolbox export's row for a survey with `answers` (as the page posts them: `a:name`,
/// select_multiple answers repeated) about `case_number`.
pub(crate) fn kobo_row(
    answers: &[(&str, &str)],
    case_number: &str,
    uuid: &str,
    taken_on: &str,
) -> Vec<(String, String)> {
    let mut row: Vec<(String, String)> = Vec::new();
    for (key, value) in answers {
        let name = key.trim_start_matches("a:");
        let header = if name.starts_with('p') || name == "round" {
            format!("profile/{name}")
        } else {
            format!("survey/{name}")
        };
        match row.iter_mut().find(|(h, _)| *h == header) {
            Some((_, v)) => *v = format!("{v} {value}"),
            None => row.push((header, value.to_string())),
        }
    }
    row.push(("profile/p_case_number".into(), case_number.into()));
    // What KoboToolbox adds: a yes/no column per choice, metadata, and a column of its own.
    row.push(("survey/q8/animals".into(), "1".into()));
    row.push(("meta/instanceID".into(), format!("uuid:{uuid}")));
    row.push(("_uuid".into(), uuid.into()));
    row.push(("_submission_time".into(), format!("{taken_on}T10:15:00")));
    row.push(("_index".into(), "1".into()));
    row.push(("enumerator_notes".into(), "—".into()));
    row
}

/// The rows as a grid, headers (from the first row) first.
pub(crate) fn kobo_grid(rows: &[Vec<(String, String)>]) -> Vec<Vec<String>> {
    let headers: Vec<String> = rows[0].iter().map(|(h, _)| h.clone()).collect();
    let mut all = vec![headers.clone()];
    for row in rows {
        all.push(
            headers
                .iter()
                .map(|h| {
                    row.iter()
                        .find(|(k, _)| k == h)
                        .map(|(_, v)| v.clone())
                        .unwrap_or_default()
                })
                .collect(),
        );
    }
    all
}

/// The rows as one sheet of a workbook.
fn kobo_xlsx(rows: &[Vec<(String, String)>]) -> Vec<u8> {
    let all = kobo_grid(rows);
    forms::xlsx::write(&Workbook {
        sheets: vec![Sheet {
            name: "RSS".into(),
            rows: all,
        }],
    })
    .unwrap()
}

async fn upload(app: &TestApp, c: &Client, bytes: Vec<u8>) -> reqwest::Response {
    let csrf = c.csrf("/imports/surveys").await;
    let form = Form::new()
        .text("_csrf", csrf)
        .part("file", Part::bytes(bytes).file_name("rss_export.xlsx"));
    c.http
        .post(app.url("/imports/surveys"))
        .multipart(form)
        .send()
        .await
        .unwrap()
}

async fn scores_of(app: &TestApp, case_id: &str) -> Vec<store::RssScore> {
    app.store
        .rss_scores(case_id.parse().unwrap())
        .await
        .unwrap()
}

#[tokio::test]
async fn kobo_rss_results_are_checked_then_stored_and_scored_as_if_submitted_once() {
    let app = spawn_app().await;
    let office = app.office("DKR").await;
    app.user("cm.dakar", Role::CaseManager, Some(office)).await;
    app.user("pm.dakar", Role::ProgrammeManager, Some(office))
        .await;
    let cm = app.signed_in("cm.dakar").await;
    let (awa, awa_number) = register_named(&app, &cm, "Awa", "female").await;
    let (fatou, fatou_number) = register_named(&app, &cm, "Fatou", "female").await;
    let (on_page, _) = register_named(&app, &cm, "Khady", "female").await;
    let mut answers: Vec<(&str, &str)> = profile();
    answers.extend(mixed_answers());
    // The same answers given on the page, for the score to compare with.
    survey_on_page(&cm, &on_page, &answers).await;

    let taken_on = (today() - time::Duration::days(3)).to_string();
    let mut wrong = answers.clone();
    wrong.retain(|(k, _)| *k != "a:q1");
    wrong.push(("a:q1", "splendid"));
    let good = kobo_row(&answers, &awa_number, "aaaa-1111", &taken_on);
    let file = kobo_xlsx(&[
        good.clone(),
        kobo_row(&wrong, &fatou_number, "bbbb-2222", &taken_on),
        kobo_row(&answers, "DKR-999999", "cccc-3333", &taken_on),
        good,
    ]);

    // Only programme managers import.
    let res = cm.get("/imports/surveys").await;
    assert_eq!(res.status(), 403);
    let pm = app.signed_in("pm.dakar").await;
    let res = upload(&app, &pm, file.clone()).await;
    assert_eq!(res.status(), 303);
    let check = location(&res);

    // The dry run: every row, what would happen, nothing stored.
    let (status, page) = pm.get_text(&check).await;
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains("Sustainability"),
        "the form is recognised: {page}"
    );
    assert!(
        page.contains("4 rows: 1 ready, 1 already stored, 2 with problems."),
        "{page}"
    );
    assert!(page.contains("Ready, score"), "{page}");
    assert!(
        page.contains("survey/q1: "),
        "the column of the wrong answer: {page}"
    );
    assert!(
        page.contains("No case you may record on has this number."),
        "{page}"
    );
    assert!(page.contains("Same instance as row 2"), "{page}");
    assert!(page.contains("enumerator_notes"), "left out: {page}");
    assert!(
        !page.contains("survey/q8/animals,"),
        "a choice column is not left out: {page}"
    );
    assert!(scores_of(&app, &awa).await.is_empty());

    // Import: the ready row is stored and scored, on the day it was taken.
    let form = page.split("class=\"import-confirm\"").nth(1).unwrap();
    let hidden = |name: &str| {
        form.split(&format!("name=\"{name}\" value=\""))
            .nth(1)
            .and_then(|s| s.split('"').next())
            .unwrap()
            .to_string()
    };
    let (once, form_id, case_column) = (hidden("_once"), hidden("form"), hidden("case_column"));
    assert_eq!(
        (form_id.as_str(), case_column.as_str()),
        ("rss", "profile/p_case_number")
    );
    let res = pm
        .post_form(
            &check,
            &csrf_of(&page),
            &[
                ("_once", once.as_str()),
                ("form", form_id.as_str()),
                ("case_column", case_column.as_str()),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
    let done = res.text().await.unwrap();
    assert!(
        done.contains("Done: 1 surveys stored, 1 already there, 2 rows left out."),
        "{done}"
    );
    let imported = scores_of(&app, &awa).await;
    assert_eq!(imported.len(), 1);
    assert_eq!(imported[0].interview_date.to_string(), taken_on);
    let page_score = &scores_of(&app, &on_page).await[0];
    assert_eq!(imported[0].scores.composite, page_score.scores.composite);
    assert_eq!(imported[0].round, page_score.round);
    assert!(scores_of(&app, &fatou).await.is_empty());
    // The case page shows the score.
    let (_, case_page) = pm.get_text(&format!("/cases/{awa}")).await;
    let shown = format!("{:.2}", imported[0].scores.composite.unwrap());
    assert!(case_page.contains(&shown), "{shown} on {case_page}");
    let audit = app
        .store
        .audit_for_record(
            "survey_import",
            &app::imports::sha256_hex(&file),
            store::AuditScope::Changes,
        )
        .await
        .unwrap();
    assert_eq!(audit.len(), 1);

    // The same export through the API: recognised, nothing stored twice.
    let token = api_token(&pm).await;
    let http = reqwest::Client::new();
    let res = http
        .post(app.url("/api/v1/imports/surveys?form=rss"))
        .bearer_auth(&token)
        .multipart(Form::new().part("file", Part::bytes(file).file_name("rss_export.xlsx")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["stored"], 0, "{body}");
    assert_eq!(body["results"][0]["outcome"], "already_stored", "{body}");
    assert_eq!(body["results"][1]["outcome"], "problems", "{body}");
    let subs = app
        .store
        .submissions_for(Subject::Case(awa.parse().unwrap()))
        .await
        .unwrap();
    assert_eq!(subs.len(), 1);
}

#[tokio::test]
async fn a_file_without_case_numbers_or_instance_ids_says_what_is_missing() {
    let app = spawn_app().await;
    let office = app.office("DKR").await;
    app.user("pm.dakar", Role::ProgrammeManager, Some(office))
        .await;
    let pm = app.signed_in("pm.dakar").await;
    let token = api_token(&pm).await;
    let csv = "survey/q1,survey/q2\nok,sometimes\n";
    let res = reqwest::Client::new()
        .post(app.url("/api/v1/imports/surveys?form=rss&dry_run=true"))
        .bearer_auth(&token)
        .multipart(Form::new().part(
            "file",
            Part::bytes(csv.as_bytes().to_vec()).file_name("rss.csv"),
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body: serde_json::Value = res.json().await.unwrap();
    let missing = body["missing"].to_string();
    assert!(missing.contains("No column holds case numbers"), "{body}");
    assert!(missing.contains("no instance id column"), "{body}");
    // Without the form's results, no form is guessed and it says so.
    let res = reqwest::Client::new()
        .post(app.url("/api/v1/imports/surveys?form=nothing&dry_run=true"))
        .bearer_auth(&token)
        .multipart(Form::new().part(
            "file",
            Part::bytes(csv.as_bytes().to_vec()).file_name("rss.csv"),
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
}

#[tokio::test]
async fn repeat_groups_on_their_own_sheets_come_in_with_their_submission() {
    let app = spawn_app().await;
    let office = app.office("DKR").await;
    app.user("cm.dakar", Role::CaseManager, Some(office)).await;
    app.user("pm.dakar", Role::ProgrammeManager, Some(office))
        .await;
    let cm = app.signed_in("cm.dakar").await;
    let (case, number) = register_named(&app, &cm, "Awa", "female").await;
    let day = (today() - time::Duration::days(1)).to_string();
    let sheet = |name: &str, rows: &[&[&str]]| Sheet {
        name: name.into(),
        rows: rows
            .iter()
            .map(|r| r.iter().map(|c| c.to_string()).collect())
            .collect(),
    };
    let main = sheet(
        "family_assessment",
        &[
            &[
                "assessment_date",
                "returnee_consent",
                "family_situation",
                "family_influence",
                "home_safe",
                "case_number",
                "meta/instanceID",
                "_index",
            ],
            &[
                &day,
                "yes",
                "returned_together",
                "helps",
                "yes",
                &number,
                "uuid:fam-1",
                "1",
            ],
            &[
                &day,
                "yes",
                "returned_together",
                "helps",
                "yes",
                &number,
                "uuid:fam-2",
                "2",
            ],
        ],
    );
    let members = sheet(
        "household_members",
        &[
            &[
                "member_name",
                "member_relationship",
                "member_age",
                "_parent_index",
            ],
            &["Moussa", "Child", "7", "1"],
            &["Binta", "spouse_partner", "34", "1"],
            // The second submission's member has no age, which the form requires.
            &["Ali", "child", "", "2"],
        ],
    );
    let file = forms::xlsx::write(&Workbook {
        sheets: vec![main, members],
    })
    .unwrap();
    let pm = app.signed_in("pm.dakar").await;
    let token = api_token(&pm).await;
    let res = reqwest::Client::new()
        .post(app.url("/api/v1/imports/surveys"))
        .bearer_auth(&token)
        .multipart(Form::new().part("file", Part::bytes(file).file_name("family.xlsx")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["form"], "family_assessment", "guessed: {body}");
    assert_eq!(body["left_out"], serde_json::json!([]), "{body}");
    assert_eq!(body["stored"], 1, "{body}");
    assert!(
        body["results"][1]["problems"][0]
            .as_str()
            .unwrap()
            .contains("member_age: This question needs an answer."),
        "{body}"
    );
    let subs = app
        .store
        .submissions_for(Subject::Case(case.parse().unwrap()))
        .await
        .unwrap();
    assert_eq!(subs.len(), 1);
    let answers: serde_json::Value = serde_json::from_str(&subs[0].answers).unwrap();
    let items = answers["household_members"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{answers}");
    assert_eq!(
        items[0]["member_relationship"], "child",
        "a label read as its name"
    );
    assert_eq!(items[1]["member_age"], "34");
}
