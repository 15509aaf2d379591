//! Exporting the case list: a programme manager's file with personal data comes encrypted and
//! holds what the filtered list shows; an M&E officer's pseudonymised file holds nothing that
//! names, reaches or locates a returnee; each export is one audit entry without the passphrase.

use std::io::{Cursor, Read};

use calamine::Reader;
use domain::Role;
use store::{AuditScope, CaseQuery};

use crate::common::*;

const PASSPHRASE: &str = "river lantern cobalt 42";

/// The case numbers a list page shows.
fn numbers_on(page: &str) -> Vec<String> {
    let mut out: Vec<String> = page
        .split("<td role=\"cell\"><a href=\"/cases/")
        .skip(1)
        .filter_map(|s| s.split_once("\">")?.1.split('<').next())
        .map(str::to_string)
        .collect();
    out.sort();
    out
}

/// The one file inside an encrypted export.
fn unzip(bytes: &[u8], passphrase: &str) -> Vec<u8> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    assert_eq!(zip.len(), 1);
    let mut entry = zip.by_index_decrypt(0, passphrase.as_bytes()).unwrap();
    let mut out = Vec::new();
    entry.read_to_end(&mut out).unwrap();
    out
}

fn xlsx_rows(bytes: Vec<u8>) -> Vec<Vec<String>> {
    let mut book = calamine::Xlsx::new(Cursor::new(bytes)).unwrap();
    let range = book.worksheet_range("cases").unwrap();
    range
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect()
}

#[tokio::test]
async fn a_filtered_list_is_exported_encrypted_and_pseudonymised_without_personal_data() {
    let app = spawn_app().await;
    let office = app.office("DKR").await;
    app.user("cm.exp", Role::CaseManager, Some(office)).await;
    let pm_user = app
        .user("pm.exp", Role::ProgrammeManager, Some(office))
        .await;
    app.user("me.exp", Role::MeOfficer, Some(office)).await;
    let cm = app.signed_in("cm.exp").await;
    let pm = app.signed_in("pm.exp").await;
    let me = app.signed_in("me.exp").await;
    for (given, sex) in [
        ("Khadija", "female"),
        ("Moustapha", "male"),
        ("Ramatoulaye", "female"),
    ] {
        register_named(&app, &cm, given, sex).await;
    }

    // The filtered list offers the export, carrying its filter.
    let (_, list) = pm.get_text("/cases?sex=female").await;
    let shown = numbers_on(&list);
    assert_eq!(shown.len(), 2);
    assert!(list.contains("/cases/export?sex=female"), "{list}");
    let (status, form) = pm.get_text("/cases/export?sex=female").await;
    assert_eq!(status, 200);
    assert!(form.contains("name=\"sex\" value=\"female\""));
    let csrf = csrf_of(&form);

    // Personal data without a passphrase, or with a guessable one: refused, choices kept, the
    // passphrase never shown back.
    let post = |fields: Vec<(&'static str, &'static str)>| {
        let (pm, csrf) = (&pm, csrf.clone());
        async move {
            let mut all = vec![("sex", "female")];
            all.extend(fields);
            pm.post_form("/cases/export", &csrf, &all).await
        }
    };
    let res = post(vec![("export_kind", "personal"), ("format", "csv")]).await;
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(page.contains("id=\"error-summary\""));
    assert!(page.contains("always encrypted"), "{page}");
    assert!(page.contains("<option value=\"csv\" selected>"));
    let res = post(vec![
        ("export_kind", "personal"),
        ("format", "csv"),
        ("passphrase", "password1234"),
    ])
    .await;
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(page.contains("guessed quickly"), "{page}");
    assert!(!page.contains("password1234"));

    // With a passphrase: an encrypted ZIP file whose workbook holds the filtered list.
    let res = post(vec![
        ("export_kind", "personal"),
        ("format", "xlsx"),
        ("passphrase", PASSPHRASE),
    ])
    .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/zip");
    assert!(
        res.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains(".zip")
    );
    let bytes = res.bytes().await.unwrap();
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes.to_vec())).unwrap();
    assert!(
        zip.by_index(0).is_err(),
        "the file does not open without the passphrase"
    );
    let rows = xlsx_rows(unzip(&bytes, PASSPHRASE));
    assert_eq!(rows[0][0], "case_number");
    let name_col = rows[0].iter().position(|h| h == "given_name").unwrap();
    let mut exported: Vec<String> = rows[1..].iter().map(|r| r[0].clone()).collect();
    exported.sort();
    assert_eq!(exported, shown, "the file holds what the list shows");
    let names: Vec<&str> = rows[1..].iter().map(|r| r[name_col].as_str()).collect();
    assert!(names.contains(&"Khadija") && names.contains(&"Ramatoulaye"));

    // One audit entry: who, what, how many, which filter; never the passphrase.
    let trail = app
        .store
        .audit_for_record("export", &pm_user.id.to_string(), AuditScope::Changes)
        .await
        .unwrap();
    let entry = trail.last().unwrap();
    let said = |field: &str| {
        entry
            .changes
            .iter()
            .find(|c| c.field == field)
            .and_then(|c| c.after.clone())
            .unwrap_or_default()
    };
    assert_eq!(said("rows"), "2");
    assert_eq!(said("filter"), "sex=female");
    assert_eq!(said("encrypted"), "yes");
    assert!(!format!("{trail:?}").contains(PASSPHRASE));

    // An M&E officer may not export personal data, and case managers export nothing.
    let me_csrf = me.csrf("/cases/export").await;
    let res = me
        .post_form(
            "/cases/export",
            &me_csrf,
            &[
                ("export_kind", "personal"),
                ("format", "csv"),
                ("passphrase", PASSPHRASE),
            ],
        )
        .await;
    assert_eq!(res.status(), 403);
    assert_eq!(cm.get("/cases/export").await.status(), 403);

    // Pseudonymised: every case of the office, none of its personal values.
    let pseudonymised = |key: &'static str| {
        let (me, csrf) = (&me, me_csrf.clone());
        async move {
            let res = me
                .post_form(
                    "/cases/export",
                    &csrf,
                    &[
                        ("export_kind", "pseudonymised"),
                        ("format", "csv"),
                        ("pseudonym_key", key),
                    ],
                )
                .await;
            assert_eq!(res.status(), 200);
            assert!(
                res.headers()["content-type"]
                    .to_str()
                    .unwrap()
                    .starts_with("text/csv")
            );
            res.text().await.unwrap()
        }
    };
    let csv = pseudonymised("2026 analysis").await;
    assert!(csv.starts_with("returnee_id,"), "{csv}");
    assert_eq!(csv.lines().count(), 4, "a header and three cases");
    let everything = CaseQuery::new(domain::authz::CaseListScope {
        office: None,
        restricted: domain::authz::RestrictedVisibility::All,
    });
    let cases = app
        .store
        .export_cases(&everything, None, 100)
        .await
        .unwrap();
    assert_eq!(cases.len(), 3);
    for case in &cases {
        let p = &case.profile;
        let mut personal = vec![
            case.number.to_string(),
            p.given_name.clone(),
            p.family_name.clone(),
            p.date_of_birth.unwrap().to_string(),
        ];
        personal.extend(
            [&p.phone, &p.email, &p.address, &p.return_community]
                .into_iter()
                .flatten()
                .cloned(),
        );
        personal.extend(p.household.iter().map(|m| m.name.clone()));
        for value in personal {
            assert!(
                !csv.contains(&value),
                "{value:?} is in the pseudonymised file"
            );
        }
    }
    // The same key gives the same pseudonyms; another key, others.
    let ids = |csv: &str| -> Vec<String> {
        csv.lines()
            .skip(1)
            .map(|l| l.split(',').next().unwrap().to_string())
            .collect()
    };
    assert_eq!(ids(&pseudonymised("2026 analysis").await), ids(&csv));
    let other = ids(&pseudonymised("another study").await);
    assert!(ids(&csv).iter().all(|p| !other.contains(p)));
    // Three people in one office: every combination is a small group.
    assert!(csv.lines().skip(1).all(|l| l.ends_with(",yes")));
}

#[tokio::test]
async fn the_api_exports_through_the_same_rules() {
    let app = spawn_app().await;
    let office = app.office("DKR").await;
    app.user("cm.api", Role::CaseManager, Some(office)).await;
    app.user("pm.api", Role::ProgrammeManager, Some(office))
        .await;
    let cm = app.signed_in("cm.api").await;
    register_named(&app, &cm, "Binta", "female").await;
    let pm = app.signed_in("pm.api").await;
    let token = api_token(&pm).await;
    let http = reqwest::Client::new();
    let export = |body: serde_json::Value| {
        http.post(app.url("/api/v1/exports/cases"))
            .bearer_auth(&token)
            .json(&body)
            .send()
    };
    let res = export(serde_json::json!({"format": "csv"})).await.unwrap();
    assert_eq!(res.status(), 422);
    let problem: serde_json::Value = res.json().await.unwrap();
    assert_eq!(problem["error"]["fields"][0]["field"], "passphrase");
    let res = export(serde_json::json!({"format": "ods", "passphrase": PASSPHRASE}))
        .await
        .unwrap();
    assert_eq!(res.status(), 422);

    let res = export(serde_json::json!({
        "format": "csv",
        "passphrase": PASSPHRASE,
        "filters": {"sex": "female"}
    }))
    .await
    .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["x-export-rows"], "1");
    let csv = String::from_utf8(unzip(&res.bytes().await.unwrap(), PASSPHRASE)).unwrap();
    assert!(csv.contains("Binta"));

    let cm_token = api_token(&cm).await;
    let res = http
        .post(app.url("/api/v1/exports/cases"))
        .bearer_auth(&cm_token)
        .json(&serde_json::json!({"format": "csv", "pseudonymise": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
}

#[tokio::test]
async fn scored_surveys_are_exported_with_their_breakdown() {
    let app = spawn_app().await;
    let office = app.office("DKR").await;
    app.user("cm.rss", Role::CaseManager, Some(office)).await;
    app.user("me.rss", Role::MeOfficer, Some(office)).await;
    let cm = app.signed_in("cm.rss").await;
    let (case, _) = register_named(&app, &cm, "Awa", "female").await;
    register_named(&app, &cm, "Fatou", "female").await;
    // A baseline survey filled on the page.
    let mut given = crate::openrosa_survey::profile();
    given.extend(mixed_answers());
    crate::openrosa_survey::survey_on_page(&cm, &case, &given).await;
    let score = app.store.rss_scores(case.parse().unwrap()).await.unwrap();
    assert_eq!(score.len(), 1);

    let me = app.signed_in("me.rss").await;
    let csrf = me.csrf("/cases/export").await;
    let res = me
        .post_form(
            "/cases/export",
            &csrf,
            &[
                ("what", "rss_scores"),
                ("export_kind", "pseudonymised"),
                ("format", "csv"),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("rss-scores-pseudonymised")
    );
    let csv = res.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_string)
        .collect();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 1, "one survey, not one row per case: {csv}");
    let col = |name: &str| rows[0][header.iter().position(|h| h == name).unwrap()].to_string();
    assert_eq!(col("round"), "baseline");
    assert_eq!(
        col("composite"),
        format!("{:.4}", score[0].scores.composite.unwrap())
    );
    assert!(header.iter().filter(|h| h.starts_with("ind_")).count() > 20);
    assert_eq!(header.len(), rows[0].len());
    assert!(!csv.contains("Awa"), "pseudonymised: {csv}");
}
