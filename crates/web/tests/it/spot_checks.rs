//! Spot checks over HTTP and in the browser: a programme manager draws every survey of the
//! last month for verification; confirms one, records a discrepancy (refused without a note,
//! the outcome typed kept), which raises a task the case manager sees in My work; cannot
//! verify a survey they made themselves; the rates per office and recorder follow.

use crate::browser_languages::{axe_source, axe_violations};
use crate::common::*;
use crate::webdriver::Browser;
use domain::Role;
use domain::rss::Round;
use serde_json::{Value, json};

/// Office DKR: three returnees of cm.spot, two surveyed by the case manager and one by the
/// programme manager pm.spot, all this week.
async fn programme(app: &TestApp) {
    let office = app.office("DKR").await;
    let cm = app.user("cm.spot", Role::CaseManager, Some(office)).await;
    let pm = app
        .user("pm.spot", Role::ProgrammeManager, Some(office))
        .await;
    app.user("me.spot", Role::MeOfficer, Some(office)).await;
    crate::what_works::install_survey_form(app).await;
    let client = app.signed_in("cm.spot").await;
    for (given, by) in [("Awa", &cm), ("Binta", &cm), ("Coumba", &pm)] {
        let (id, _) = register_named(app, &client, given, "female").await;
        crate::what_works::scored(app, by, id.parse().unwrap(), Round::Baseline, today(), 0.5)
            .await;
    }
}

#[tokio::test]
async fn a_spot_check_is_drawn_verified_and_a_discrepancy_raises_a_task() {
    let app = spawn_app().await;
    programme(&app).await;
    let pm = app.signed_in("pm.spot").await;
    let (status, page) = pm.get_text("/results/spot-checks").await;
    assert_eq!(status, 200);
    assert!(page.contains("Draw a spot check"));
    let csrf = csrf_of(&page);

    // A design to fix keeps what was typed.
    let res = pm
        .post_form(
            "/results/spot-checks",
            &csrf,
            &[("kind", "survey"), ("share", "0"), ("days", "30")],
        )
        .await;
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(page.contains("Enter a share between 1 and 100."));
    assert!(page.contains("name=\"share\" type=\"text\" value=\"0\""));

    // Every survey of the last 30 days.
    let res = pm
        .post_form(
            "/results/spot-checks",
            &csrf,
            &[("kind", "survey"), ("share", "100"), ("days", "30")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let check = location(&res);
    let check_id = check
        .trim_start_matches("/results/spot-checks/")
        .to_string();
    let token = api_token(&pm).await;
    let http = reqwest::Client::new();
    let get = || async {
        let v: Value = http
            .get(app.url(&format!("/api/v1/spot-checks/{check_id}")))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        v
    };
    let body = get().await;
    let items = body["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 3);
    let by = |name: &str| -> Vec<String> {
        items
            .iter()
            .filter(|i| i["recorded_by"].as_str().unwrap().starts_with(name))
            .map(|i| i["item_id"].as_str().unwrap().to_string())
            .collect()
    };
    let (theirs, own) = (by("cm.spot"), by("pm.spot"));
    assert_eq!((theirs.len(), own.len()), (2, 1));

    // Confirmed.
    let verify = |item: &str| format!("{check}/items/{item}");
    let csrf = pm.csrf(&check).await;
    let res = pm
        .post_form(&verify(&theirs[0]), &csrf, &[("outcome", "confirmed")])
        .await;
    assert_eq!(res.status(), 303);
    // A discrepancy without a note is refused; the choice is kept.
    let res = pm
        .post_form(&verify(&theirs[1]), &csrf, &[("outcome", "discrepancy")])
        .await;
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(page.contains("Say what differs from the record."));
    assert!(page.contains("<option value=\"discrepancy\" selected>"));
    let res = pm
        .post_form(
            &verify(&theirs[1]),
            &csrf,
            &[
                ("outcome", "discrepancy"),
                ("note", "Says the interview never took place"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    // Verifying again is a conflict, not a second record.
    let res = pm
        .post_form(&verify(&theirs[1]), &csrf, &[("outcome", "confirmed")])
        .await;
    assert_eq!(res.status(), 409);
    // Their own survey: someone else must verify it.
    let res = pm
        .post_form(&verify(&own[0]), &csrf, &[("outcome", "confirmed")])
        .await;
    assert_eq!(res.status(), 422);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("You recorded this item: another person must verify it.")
    );

    // The task reaches the case manager's work list.
    let cm = app.signed_in("cm.spot").await;
    let (_, work) = cm.get_text("/my-work").await;
    assert!(
        work.contains("Look into a spot check") && work.contains("correct the record"),
        "{work}"
    );

    // Rates: one discrepancy of two verified, all recorded by the case manager.
    let body = get().await;
    assert_eq!(body["overall"]["confirmed"], 1);
    assert_eq!(body["overall"]["discrepancies"], 1);
    assert_eq!(body["overall"]["pending"], 1);
    assert_eq!(body["overall"]["rate"], 0.5);
    assert_eq!(body["by_office"]["DKR"]["rate"], 0.5);
    let (_, page) = pm.get_text("/results/spot-checks").await;
    assert!(page.contains("50.0 %"), "{page}");

    // Through the API: a verification, and a design refused field by field.
    let res = http
        .post(app.url("/api/v1/spot-checks"))
        .bearer_auth(&token)
        .json(&json!({"kind": "disbursement", "share": 10, "days": 30}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422, "no disbursement recorded");
    let e: Value = res.json().await.unwrap();
    assert!(e["error"]["fields"].to_string().contains("kind"), "{e}");

    // M&E officers and case managers do not draw spot checks.
    let me = app.signed_in("me.spot").await;
    assert_eq!(me.get_text("/results/spot-checks").await.0, 403);
    assert_eq!(cm.get_text(&check).await.0, 403);
}

#[tokio::test]
async fn a_programme_manager_verifies_an_item_in_the_browser() {
    let app = spawn_app().await;
    programme(&app).await;
    let axe = axe_source();
    let b = Browser::start().await;
    crate::browser::sign_in_as(&b, &app, "pm.spot").await;
    b.goto(&app.url("/results")).await;
    b.click("a[href='/results/spot-checks']").await;
    b.wait_for_text("Draw a spot check").await;
    assert_eq!(axe_violations(&b, &axe).await, Vec::<String>::new());
    b.set_value("#f-kind", "survey").await;
    b.clear("#f-share").await;
    b.type_into("#f-share", "100").await;
    b.click("form[action='/results/spot-checks'] button[type=submit]")
        .await;
    b.wait_for_text("Items to verify").await;
    assert_eq!(axe_violations(&b, &axe).await, Vec::<String>::new());
    // The first item recorded by the case manager: a discrepancy, first without a note.
    let index = b
        .script(
            "return [...document.querySelectorAll('ul.spot-items li')].findIndex(li => li.innerText.includes('cm.spot') && li.querySelector('form'))",
            json!([]),
        )
        .await
        .as_i64()
        .unwrap();
    let sel = format!("#f-outcome-{index}");
    b.set_value(&sel, "discrepancy").await;
    b.click(&format!(
        "ul.spot-items li:nth-child({}) button[type=submit]",
        index + 1
    ))
    .await;
    b.wait_for_text("Say what differs from the record.").await;
    assert!(
        b.focused().await.contains("error-summary"),
        "the summary takes the focus"
    );
    b.type_into(&format!("#f-note-{index}"), "Amount differs")
        .await;
    b.click(&format!(
        "ul.spot-items li:nth-child({}) button[type=submit]",
        index + 1
    ))
    .await;
    b.wait_for_text("Amount differs").await;
    b.screenshot("spot-check").await;
    b.quit().await;
}
