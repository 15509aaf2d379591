//! Exporting the records besides the case list: a form's submissions with one sheet per
//! repeat group linked as KoboToolbox links them, with names or with labels in the reader's
//! language; plans and disbursements; referrals; community projects. Each is encrypted, covers
//! the user's office only, and is one audit entry.

use std::io::{Cursor, Read};

use calamine::Reader;
use domain::Role;
use forms::xlsform::{Sheet, Workbook};
use reqwest::multipart::{Form, Part};
use serde_json::json;

use crate::common::*;

const PASSPHRASE: &str = "river lantern cobalt 42";

/// Every sheet of the workbook inside an encrypted export, by name.
fn sheets_of(bytes: &[u8]) -> Vec<(String, Vec<Vec<String>>)> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    assert!(zip.by_index_decrypt(0, b"not the passphrase").is_err());
    let mut inner = Vec::new();
    zip.by_index_decrypt(0, PASSPHRASE.as_bytes())
        .unwrap()
        .read_to_end(&mut inner)
        .unwrap();
    let mut book = calamine::Xlsx::new(Cursor::new(inner)).unwrap();
    book.sheet_names()
        .into_iter()
        .map(|name| {
            let rows = book
                .worksheet_range(&name)
                .unwrap()
                .rows()
                .map(|r| r.iter().map(|c| c.to_string()).collect())
                .collect();
            (name, rows)
        })
        .collect()
}

fn column(rows: &[Vec<String>], header: &str) -> Vec<String> {
    let i = rows[0].iter().position(|h| h == header).expect(header);
    rows[1..]
        .iter()
        .map(|r| r.get(i).cloned().unwrap_or_default())
        .collect()
}

async fn export(
    app: &TestApp,
    token: &str,
    body: serde_json::Value,
    lang: &str,
) -> reqwest::Response {
    reqwest::Client::new()
        .post(app.url("/api/v1/exports/records"))
        .bearer_auth(token)
        .header("accept-language", lang)
        .json(&body)
        .send()
        .await
        .unwrap()
}

/// Two family assessments about `number`, with three household members between them, put in
/// through the survey import.
async fn family_assessments(app: &TestApp, token: &str, number: &str) {
    let day = (today() - time::Duration::days(1)).to_string();
    let sheet = |name: &str, rows: Vec<Vec<&str>>| Sheet {
        name: name.into(),
        rows: rows
            .into_iter()
            .map(|r| r.into_iter().map(str::to_string).collect())
            .collect(),
    };
    let head = vec![
        "assessment_date",
        "returnee_consent",
        "family_situation",
        "family_influence",
        "home_safe",
        "case_number",
        "meta/instanceID",
        "_index",
    ];
    let file = forms::xlsx::write(&Workbook {
        sheets: vec![
            sheet(
                "family_assessment",
                vec![
                    head,
                    vec![
                        &day,
                        "yes",
                        "returned_together",
                        "helps",
                        "yes",
                        number,
                        "uuid:e-1",
                        "1",
                    ],
                    vec![
                        &day,
                        "yes",
                        "stayed_behind",
                        "mixed",
                        "no",
                        number,
                        "uuid:e-2",
                        "2",
                    ],
                ],
            ),
            sheet(
                "household_members",
                vec![
                    vec![
                        "member_name",
                        "member_relationship",
                        "member_age",
                        "_parent_index",
                    ],
                    vec!["Moussa", "child", "7", "1"],
                    vec!["Binta", "spouse_partner", "34", "1"],
                    vec!["Ali", "child", "3", "2"],
                ],
            ),
        ],
    })
    .unwrap();
    let res = reqwest::Client::new()
        .post(app.url("/api/v1/imports/surveys"))
        .bearer_auth(token)
        .multipart(Form::new().part("file", Part::bytes(file).file_name("family.xlsx")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["stored"], 2, "{body}");
}

#[tokio::test]
async fn submissions_come_with_their_repeat_groups_by_name_or_by_label() {
    let app = spawn_app().await;
    let office = app.office("DKR").await;
    let other = app.office("THS").await;
    app.user("cm.dakar", Role::CaseManager, Some(office)).await;
    app.user("pm.dakar", Role::ProgrammeManager, Some(office))
        .await;
    app.user("pm.thies", Role::ProgrammeManager, Some(other))
        .await;
    let cm = app.signed_in("cm.dakar").await;
    let (_, number) = register_named(&app, &cm, "Awa", "female").await;
    let pm = app.signed_in("pm.dakar").await;
    let token = api_token(&pm).await;
    family_assessments(&app, &token, &number).await;

    let by_name = json!({"what": "submissions", "form_id": "family_assessment", "format": "xlsx", "passphrase": PASSPHRASE});
    let res = export(&app, &token, by_name.clone(), "en").await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.headers()["x-export-rows"],
        "5",
        "2 submissions and 3 members"
    );
    let book = sheets_of(&res.bytes().await.unwrap());
    assert_eq!(book[0].0, "family_assessment");
    assert_eq!(book[1].0, "household_members");
    let (main, members) = (&book[0].1, &book[1].1);
    assert_eq!(column(main, "_index"), vec!["1", "2"]);
    assert_eq!(
        column(main, "_subject"),
        vec![number.clone(), number.clone()]
    );
    // Each member points to the row of their submission.
    let situations = column(main, "family_situation");
    let together = situations
        .iter()
        .position(|s| s == "returned_together")
        .unwrap()
        + 1;
    let names = column(members, "member_name");
    let parents = column(members, "_parent_index");
    let with = |name: &str| parents[names.iter().position(|n| n == name).unwrap()].clone();
    assert_eq!(with("Moussa"), together.to_string());
    assert_eq!(with("Binta"), together.to_string());
    assert_ne!(with("Ali"), together.to_string());
    assert_eq!(
        column(members, "_parent_table_name"),
        vec!["family_assessment"; 3]
    );

    // Labels in the reader's language: headers and choices.
    let mut by_label = by_name.clone();
    by_label["labels"] = json!(true);
    let res = export(&app, &token, by_label, "fr").await;
    let book = sheets_of(&res.bytes().await.unwrap());
    let fr = &book[1].1;
    assert_eq!(book[1].0, "Membres du ménage");
    assert!(
        fr[0]
            .iter()
            .any(|h| h == "Lien avec la personne de retour" || h.starts_with("Lien")),
        "{:?}",
        fr[0]
    );
    assert!(fr[1..].iter().flatten().any(|v| v == "Enfant"), "{fr:?}");

    // Another office's manager exports nothing of these; a case manager may not export.
    let thies = app.signed_in("pm.thies").await;
    let res = export(&app, &api_token(&thies).await, by_name.clone(), "en").await;
    assert_eq!(res.headers()["x-export-rows"], "0");
    let res = export(&app, &api_token(&cm).await, by_name.clone(), "en").await;
    assert_eq!(res.status(), 403);
    // Without a passphrase, nothing.
    let res = export(&app, &token, json!({"what": "submissions", "form_id": "family_assessment", "format": "csv", "passphrase": ""}), "en").await;
    assert_eq!(res.status(), 422);
}

#[tokio::test]
async fn plans_referrals_and_projects_export_from_the_page_and_the_api() {
    let app = spawn_app().await;
    let office = app.office("DKR").await;
    let cm_user = app.user("cm.dakar", Role::CaseManager, Some(office)).await;
    app.user("pm.dakar", Role::ProgrammeManager, Some(office))
        .await;
    let cm = app.signed_in("cm.dakar").await;
    let (case, number) = register_named(&app, &cm, "Awa", "female").await;
    let cm_token = api_token(&cm).await;
    let content = json!({
        "objectives": {"economic": "Start a bakery"},
        "items": [{"key": 1, "kind": "microbusiness", "details": "Oven", "modality": "in_kind",
                   "responsible": "organisation", "status": "planned", "budget": 600}],
        "exit_strategy": "Bakery self-sufficient after a year",
        "place": "Ziguinchor"
    });
    let res = reqwest::Client::new()
        .post(app.url(&format!("/api/v1/cases/{case}/plans")))
        .bearer_auth(&cm_token)
        .json(&json!({"expected_latest": null, "content": content}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
    let (_, service) = map_service(&app, "Hôpital Principal", "Dakar").await;
    send_referral(&app, case.parse().unwrap(), service, &cm_user).await;

    let pm = app.signed_in("pm.dakar").await;
    let token = api_token(&pm).await;
    let res = export(
        &app,
        &token,
        json!({"what": "plans", "format": "xlsx", "passphrase": PASSPHRASE}),
        "en",
    )
    .await;
    assert_eq!(res.status(), 200);
    let book = sheets_of(&res.bytes().await.unwrap());
    assert_eq!(book[0].0, "plan_items");
    assert_eq!(column(&book[0].1, "case_number"), vec![number.clone()]);
    assert_eq!(column(&book[0].1, "budget"), vec!["600"]);
    assert_eq!(book[1].0, "disbursements");

    let res = export(
        &app,
        &token,
        json!({"what": "referrals", "format": "xlsx", "passphrase": PASSPHRASE}),
        "en",
    )
    .await;
    let book = sheets_of(&res.bytes().await.unwrap());
    assert_eq!(column(&book[0].1, "case_number"), vec![number.clone()]);
    assert_eq!(column(&book[0].1, "status"), vec!["sent"]);

    let res = export(
        &app,
        &token,
        json!({"what": "projects", "format": "xlsx", "passphrase": PASSPHRASE}),
        "en",
    )
    .await;
    let book = sheets_of(&res.bytes().await.unwrap());
    assert_eq!(book[0].0, "projects");
    assert_eq!(book[1].0, "participants");

    // The page: a refused passphrase is said next to its field; a good one gives the file.
    let (status, page) = pm.get_text("/exports").await;
    assert_eq!(status, 200);
    assert!(page.contains("Plans and disbursements"), "{page}");
    let csrf = csrf_of(&page);
    let res = pm
        .post_form(
            "/exports",
            &csrf,
            &[
                ("what", "referrals"),
                ("format", "csv"),
                ("headers", "names"),
                ("passphrase", "short"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    let res = pm
        .post_form(
            "/exports",
            &csrf,
            &[
                ("what", "referrals"),
                ("format", "csv"),
                ("headers", "names"),
                ("passphrase", PASSPHRASE),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/zip");
    let bytes = res.bytes().await.unwrap();
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes.to_vec())).unwrap();
    let mut csv = String::new();
    zip.by_index_decrypt(0, PASSPHRASE.as_bytes())
        .unwrap()
        .read_to_string(&mut csv)
        .unwrap();
    assert!(csv.contains(&number), "{csv}");
    let audit = app
        .store
        .audit_for_record(
            "export",
            &app.store
                .user_by_username(&domain::Username::parse("pm.dakar").unwrap())
                .await
                .unwrap()
                .unwrap()
                .id
                .to_string(),
            store::AuditScope::Changes,
        )
        .await
        .unwrap();
    assert_eq!(audit.len(), 4, "one entry per export");
    assert!(!format!("{audit:?}").contains(PASSPHRASE));
}

#[tokio::test]
async fn a_long_export_shows_its_progress_then_its_file_kept_for_the_one_who_asked() {
    // No wait at all: every export goes on in the background, as a large one would.
    let app = spawn_app_with(web::Config {
        export_wait: Some(std::time::Duration::ZERO),
        ..web::Config::default()
    })
    .await;
    let office = app.office("DKR").await;
    app.user("cm.dakar", Role::CaseManager, Some(office)).await;
    app.user("pm.dakar", Role::ProgrammeManager, Some(office))
        .await;
    app.user("pm.other", Role::ProgrammeManager, Some(office))
        .await;
    let cm = app.signed_in("cm.dakar").await;
    let (_, number) = register_named(&app, &cm, "Awa", "female").await;
    let pm = app.signed_in("pm.dakar").await;
    let csrf = pm.csrf("/cases/export").await;
    let res = pm
        .post_form(
            "/cases/export",
            &csrf,
            &[
                ("export_kind", "personal"),
                ("format", "csv"),
                ("passphrase", PASSPHRASE),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let job = location(&res);
    assert!(job.starts_with("/exports/jobs/"), "{job}");
    let mut page = String::new();
    for _ in 0..100 {
        let (status, text) = pm.get_text(&job).await;
        assert_eq!(status, 200);
        page = text;
        if page.contains("export-download") {
            break;
        }
        assert!(
            page.contains("being written") && page.contains("hx-trigger=\"every 2s\""),
            "{page}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(
        page.contains("<strong>cases</strong>: ready · 1 rows"),
        "{page}"
    );
    let res = pm.get(&format!("{job}/file")).await;
    assert_eq!(res.status(), 200);
    let mut zip = zip::ZipArchive::new(Cursor::new(res.bytes().await.unwrap().to_vec())).unwrap();
    let mut csv = String::new();
    zip.by_index_decrypt(0, PASSPHRASE.as_bytes())
        .unwrap()
        .read_to_string(&mut csv)
        .unwrap();
    assert!(csv.contains(&number));
    // Taking it again is in the audit trail; nobody else may see or take it.
    let pm_id = app
        .store
        .user_by_username(&domain::Username::parse("pm.dakar").unwrap())
        .await
        .unwrap()
        .unwrap()
        .id;
    let audit = app
        .store
        .audit_for_record("export", &pm_id.to_string(), store::AuditScope::Changes)
        .await
        .unwrap();
    assert!(format!("{audit:?}").contains("downloaded"), "{audit:?}");
    let other = app.signed_in("pm.other").await;
    assert_eq!(other.get(&job).await.status(), 404);
    assert_eq!(other.get(&format!("{job}/file")).await.status(), 404);
    // A refused request leaves no export behind: the form says what to fix.
    let res = pm
        .post_form(
            "/cases/export",
            &csrf,
            &[
                ("export_kind", "personal"),
                ("format", "csv"),
                ("passphrase", "short"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    // Two exports still being written: a third waits.
    for _ in 0..2 {
        app.store
            .save_export_job(store::ExportJob {
                id: uuid::Uuid::new_v4(),
                user: pm_id,
                what: "cases".into(),
                status: store::ExportStatus::Running,
                rows: 0,
                file_name: None,
                media_type: None,
                error: None,
                created_at: time::OffsetDateTime::now_utc(),
                finished_at: None,
            })
            .await
            .unwrap();
    }
    let res = pm
        .post_form(
            "/cases/export",
            &csrf,
            &[
                ("export_kind", "personal"),
                ("format", "csv"),
                ("passphrase", PASSPHRASE),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("Two of your exports are still being written")
    );
    // After a day the retention run forgets it and its file.
    let later = app::App::new(app.store.clone()).with_clock(app::Clock::Fixed(
        time::OffsetDateTime::now_utc() + time::Duration::hours(25),
    ));
    app::retention::run(&later).await.unwrap();
    assert_eq!(pm.get(&job).await.status(), 404);
}
