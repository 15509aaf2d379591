//! Importing returnees in the browser: choose a file, read the dry run, change what a column
//! fills, import the ready rows and find them in the case list; then open the export page
//! from the filtered list.

use crate::browser::sign_in_as;
use crate::browser_languages::{axe_source, axe_violations};
use crate::common::*;
use crate::webdriver::Browser;
use domain::Role;

#[tokio::test]
async fn a_programme_manager_imports_a_file_after_reading_its_dry_run() {
    let app = spawn_app().await;
    let office = app.office("DKR").await;
    app.user("pm.dakar", Role::ProgrammeManager, Some(office))
        .await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("returnees.csv");
    // The phone column is headed in a way Reintegra does not recognise.
    std::fs::write(
        &file,
        "Prénom,Nom,Sexe,Âge,Nationalité,Date de retour,Pays d'accueil,Type de retour,Province,Portable\n\
         Awa,Ba,F,31,SN,05/01/2026,Libye,RVA,Kolda,+221 77 123 45 67\n\
         Ibou,Fall,?,40,SN,05/01/2026,Libye,RVA,Kolda,\n",
    )
    .unwrap();

    let axe = axe_source();
    let b = Browser::start().await;
    sign_in_as(&b, &app, "pm.dakar").await;
    b.goto(&app.url("/cases")).await;
    b.click("a[href='/cases/import']").await;
    b.wait_for_text("Import returnees from a file").await;
    let v = axe_violations(&b, &axe).await;
    assert!(v.is_empty(), "import page: {v:?}");
    b.type_into("#f-file", file.to_str().unwrap()).await;
    b.click("form[action='/cases/import'] button[type=submit]")
        .await;
    b.wait_for_text("What the import would do").await;
    let main = b.text("main").await;
    assert!(main.contains("2 rows: 1 ready, 1 with problems"), "{main}");
    assert!(main.contains("Sexe: Not a sex Reintegra knows"), "{main}");
    let v = axe_violations(&b, &axe).await;
    assert!(v.is_empty(), "dry run page: {v:?}");

    // Say that "Portable" is the phone, and check again.
    b.script(
        "const s = document.querySelector('select[aria-label*=\"Portable\"]'); s.value = 'phone'; return true;",
        serde_json::json!([]),
    )
    .await;
    b.click("form.import-mapping button[type=submit]").await;
    b.wait_until(
        "return document.querySelector('select[aria-label*=\"Portable\"]').value === 'phone'",
    )
    .await;
    b.click("input[name=rows][value=ready]").await;
    b.click("form.import-confirm button[type=submit]").await;
    b.wait_for_text("Awa Ba").await;
    let list = b.text("main").await;
    assert!(
        !list.contains("Ibou Fall"),
        "the row with a problem was left out"
    );
    let awa = app
        .store
        .export_cases(
            &store::CaseQuery::new(domain::authz::CaseListScope {
                office: None,
                restricted: domain::authz::RestrictedVisibility::All,
            }),
            None,
            10,
        )
        .await
        .unwrap();
    assert_eq!(awa[0].profile.phone.as_deref(), Some("+221 77 123 45 67"));

    // The filtered list offers its export, which keeps the filter.
    b.goto(&app.url("/cases?sex=female")).await;
    b.click("a.export-link").await;
    b.wait_for_text("Export the case list").await;
    let main = b.text("main").await;
    assert!(
        main.contains("Only the cases matching the list's filters"),
        "{main}"
    );
    // Without a passphrase, personal data is refused on the page, with the reason.
    b.click("form.export-form button[type=submit]").await;
    b.wait_for_text("always encrypted").await;
    let v = axe_violations(&b, &axe).await;
    assert!(v.is_empty(), "export page with an error: {v:?}");
    b.screenshot("export-needs-passphrase").await;
    b.quit().await;
}

#[tokio::test]
async fn a_programme_manager_imports_kobo_rss_results_and_sees_the_score_on_the_case() {
    let app = spawn_app().await;
    let office = app.office("DKR").await;
    app.user("cm.dakar", Role::CaseManager, Some(office)).await;
    app.user("pm.dakar", Role::ProgrammeManager, Some(office))
        .await;
    let cm = app.signed_in("cm.dakar").await;
    let (case, number) = register_named(&app, &cm, "Awa", "female").await;
    let mut answers = crate::openrosa_survey::profile();
    answers.extend(mixed_answers());
    let taken_on = (today() - time::Duration::days(2)).to_string();
    let row = crate::survey_imports::kobo_row(&answers, &number, "b-1", &taken_on);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("rss.csv");
    let mut w = csv::Writer::from_path(&file).unwrap();
    for r in crate::survey_imports::kobo_grid(&[row]) {
        w.write_record(&r).unwrap();
    }
    w.flush().unwrap();

    let axe = axe_source();
    let b = Browser::start().await;
    sign_in_as(&b, &app, "pm.dakar").await;
    b.goto(&app.url("/cases")).await;
    b.click("a[href='/imports/surveys']").await;
    b.wait_for_text("Import survey results").await;
    let v = axe_violations(&b, &axe).await;
    assert!(v.is_empty(), "survey import page: {v:?}");
    b.type_into("#f-file", file.to_str().unwrap()).await;
    b.click("form[action='/imports/surveys'] button[type=submit]")
        .await;
    b.wait_for_text("What the import would do").await;
    let main = b.text("main").await;
    assert!(main.contains("1 rows: 1 ready"), "{main}");
    assert!(main.contains("Ready, score"), "{main}");
    let v = axe_violations(&b, &axe).await;
    assert!(v.is_empty(), "survey dry run page: {v:?}");
    b.click("form.import-confirm button[type=submit]").await;
    b.wait_for_text("Done: 1 surveys stored").await;
    let score = app.store.rss_scores(case.parse().unwrap()).await.unwrap();
    b.goto(&app.url(&format!("/cases/{case}"))).await;
    let page = b.text("main").await;
    let shown = format!("{:.2}", score[0].scores.composite.unwrap());
    assert!(page.contains(&shown), "{shown} in {page}");
}

#[tokio::test]
async fn a_long_file_shows_a_progress_bar_then_the_dry_run_by_itself() {
    let app = spawn_app().await;
    let office = app.office("DKR").await;
    app.user("pm.dakar", Role::ProgrammeManager, Some(office))
        .await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("long.csv");
    let mut csv = String::from(
        "given_name,family_name,sex,age,nationality,return_date,returned_from,return_type,province\n",
    );
    for i in 0..3_000 {
        csv.push_str(&format!(
            "Awa{i},Ba{i},F,31,SN,2026-01-05,Libya,AVR,Kolda\n"
        ));
    }
    std::fs::write(&file, csv).unwrap();
    let axe = axe_source();
    let b = Browser::start().await;
    sign_in_as(&b, &app, "pm.dakar").await;
    b.goto(&app.url("/cases/import")).await;
    b.type_into("#f-file", file.to_str().unwrap()).await;
    b.click("form[action='/cases/import'] button[type=submit]")
        .await;
    // The progress page, then the result in its place without a click.
    b.wait_for_text("Check the import").await;
    let v = axe_violations(&b, &axe).await;
    assert!(v.is_empty(), "progress page: {v:?}");
    b.wait_for_text("What the import would do").await;
    let main = b.text("main").await;
    assert!(main.contains("3000 rows: 3000 ready"), "{main}");
    let v = axe_violations(&b, &axe).await;
    assert!(v.is_empty(), "dry run after progress: {v:?}");
}

#[tokio::test]
async fn a_background_export_page_offers_its_file() {
    let app = spawn_app_with(web::Config {
        export_wait: Some(std::time::Duration::ZERO),
        ..web::Config::default()
    })
    .await;
    let office = app.office("DKR").await;
    app.user("pm.dakar", Role::ProgrammeManager, Some(office))
        .await;
    let axe = axe_source();
    let b = Browser::start().await;
    sign_in_as(&b, &app, "pm.dakar").await;
    b.goto(&app.url("/exports")).await;
    b.wait_for_text("Export records").await;
    let v = axe_violations(&b, &axe).await;
    assert!(v.is_empty(), "records export page: {v:?}");
    b.set_value("#f-what", "referrals").await;
    b.type_into("#f-passphrase", "river lantern cobalt 42")
        .await;
    b.click("form.export-form button[type=submit]").await;
    b.wait_for_text("Download the file").await;
    let main = b.text("main").await;
    assert!(main.contains("referrals: ready"), "{main}");
    let v = axe_violations(&b, &axe).await;
    assert!(v.is_empty(), "export page: {v:?}");
}
