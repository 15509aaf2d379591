//! Monitoring samples over HTTP and in the browser: an M&E officer draws a sample stratified by
//! sex from twelve returnees with consent, sized by the formula; the case manager finds the
//! sampled returnees in My work, records a refusal and an unreachable one, a survey of the
//! round counts as reached by itself; the officer tops the sample up with replacements drawn in
//! the same strata. A double post draws once; another office never sees the sample.

use crate::browser_languages::{axe_source, axe_violations};
use crate::common::*;
use crate::webdriver::Browser;
use domain::Role;
use domain::rss::Round;
use serde_json::{Value, json};

/// Office DKR with twelve returnees of case manager cm.smp (six women, six men), an M&E
/// officer, and a case manager of another office.
async fn programme(app: &TestApp) -> Vec<String> {
    let office = app.office("DKR").await;
    let other = app.office("THS").await;
    app.user("cm.smp", Role::CaseManager, Some(office)).await;
    app.user("me.smp", Role::MeOfficer, Some(office)).await;
    app.user("cm.ths", Role::CaseManager, Some(other)).await;
    crate::what_works::install_survey_form(app).await;
    let cm = app.signed_in("cm.smp").await;
    let mut ids = Vec::new();
    for i in 0..12u8 {
        let given = format!("Sonde{}", char::from(b'a' + i));
        let sex = if i < 6 { "female" } else { "male" };
        ids.push(register_named(app, &cm, &given, sex).await.0);
    }
    ids
}

/// The sample ids and member rows of the sample page.
fn member_rows(page: &str) -> usize {
    page.split("id=\"h-members\"")
        .nth(1)
        .map(|rest| rest.matches("<tr><td><a href=\"/cases/").count())
        .unwrap_or(0)
}

#[tokio::test]
async fn a_sample_is_drawn_reaches_my_work_is_covered_and_topped_up() {
    let app = spawn_app().await;
    let cases = programme(&app).await;
    let me = app.signed_in("me.smp").await;

    // The form says how many can be sampled and shows the formula.
    let (status, page) = me.get_text("/results/samples").await;
    assert_eq!(status, 200);
    assert!(page.contains("12 returnees can be sampled"), "{page}");
    assert!(page.contains("n = n₀ ÷ (1 + (n₀ − 1) ÷ N)"));

    // A design to fix comes back with what was typed and a message per field.
    let csrf = csrf_of(&page);
    let res = me
        .post_form(
            "/results/samples",
            &csrf,
            &[
                ("label", ""),
                ("round", "intermediate"),
                ("strata", "sex"),
                ("margin", "40"),
                ("confidence", "95"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(page.contains("id=\"error-summary\""));
    assert!(page.contains("Name of the sample: "));
    assert!(page.contains("Enter a margin between 1 and 20 percentage points."));
    assert!(
        page.contains("name=\"margin\" type=\"text\" value=\"40\""),
        "what was typed is kept"
    );

    // Drawn: ±20 points at 95% of 12 is 9 (n₀ = 24.0), five women and four men or so.
    let once = field_value(&page, "_once");
    let fields = [
        ("_once", once.as_str()),
        ("label", "Intermediate round, Dakar"),
        ("round", "intermediate"),
        ("strata", "sex"),
        ("margin", "20"),
        ("confidence", "95"),
    ];
    let res = me.post_form("/results/samples", &csrf, &fields).await;
    assert_eq!(res.status(), 303);
    let sample_path = location(&res);
    assert!(sample_path.starts_with("/results/samples/"));
    // The same post again (a double click) draws nothing more.
    let again = me.post_form("/results/samples", &csrf, &fields).await;
    assert_eq!(location(&again), sample_path);
    let token = api_token(&me).await;
    let http = reqwest::Client::new();
    let list: Value = http
        .get(app.url("/api/v1/monitoring-samples"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");

    let (status, page) = me.get_text(&sample_path).await;
    assert_eq!(status, 200);
    assert!(page.contains("n₀ = 24.0"), "{page}");
    assert!(page.contains("N = 12, so n = 9"));
    assert_eq!(member_rows(&page), 9);
    assert!(page.contains("Female") && page.contains("Male"));

    // The case manager finds them in My work, with the round's survey to start.
    let cm = app.signed_in("cm.smp").await;
    let (_, work) = cm.get_text("/my-work").await;
    assert!(work.contains("Returnees sampled for monitoring"));
    assert_eq!(
        work.matches("Intermediate round, Dakar: Intermediate survey")
            .count(),
        9
    );
    assert_eq!(work.matches("Start the survey").count(), 9);
    // The survey started from there proposes the sample's round, not the schedule's (baseline
    // for these recent returns).
    let start = work
        .split("action=\"")
        .filter_map(|rest| rest.split('"').next())
        .find(|action| action.ends_with("/submissions"))
        .unwrap()
        .to_string();
    assert!(work.contains("name=\"round\" value=\"intermediate\""));
    let csrf = csrf_of(&work);
    let res = cm
        .post_form(
            &start,
            &csrf,
            &[("form_id", "rss"), ("round", "intermediate")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let (_, survey) = cm.get_text(&location(&res)).await;
    assert!(
        survey.contains("value=\"intermediate\" checked"),
        "round proposed"
    );

    // One refused, one not reachable; one surveyed (reached without anyone recording it).
    let sample_id = sample_path.trim_start_matches("/results/samples/");
    let one: Value = http
        .get(app.url(&format!("/api/v1/monitoring-samples/{sample_id}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let members: Vec<(String, String)> = one["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            let field = |k: &str| m[k].as_str().unwrap().to_string();
            (field("case_id"), field("stratum"))
        })
        .collect();
    assert!(members.iter().all(|(m, _)| cases.contains(m)));
    // One of each stratum is lost (each has returnees left to replace them), another woman
    // is surveyed.
    let of = |stratum: &str| -> Vec<String> {
        members
            .iter()
            .filter(|(_, s)| s == stratum)
            .map(|(c, _)| c.clone())
            .collect()
    };
    let (women, men) = (of("female"), of("male"));
    assert_eq!((women.len(), men.len()), (5, 4), "in proportion to 6 and 6");
    let csrf = cm.csrf("/my-work").await;
    for (case, coverage) in [(&women[0], "refused"), (&men[0], "unreachable")] {
        let res = cm
            .post_form(
                &format!("/cases/{case}/samples/{sample_id}/coverage"),
                &csrf,
                &[("coverage", coverage)],
            )
            .await;
        assert_eq!(res.status(), 303);
        assert_eq!(location(&res), "/my-work#samples");
    }
    let cm_user = app
        .store
        .user_by_username(&domain::Username::parse("cm.smp").unwrap())
        .await
        .unwrap()
        .unwrap();
    crate::what_works::scored(
        &app,
        &cm_user,
        women[1].parse().unwrap(),
        Round::Intermediate,
        today(),
        0.6,
    )
    .await;
    let (_, work) = cm.get_text("/my-work").await;
    assert_eq!(work.matches("Start the survey").count(), 6);
    // An unknown outcome is refused, nothing changed.
    let res = cm
        .post_form(
            &format!("/cases/{}/samples/{sample_id}/coverage", men[1]),
            &csrf,
            &[("coverage", "lost")],
        )
        .await;
    assert_eq!(res.status(), 422);

    // The top-up replaces the two lost, in their own strata, from returnees not sampled yet.
    let csrf = me.csrf(&sample_path).await;
    let res = me
        .post_form(&format!("{sample_path}/top-up"), &csrf, &[])
        .await;
    assert_eq!(res.status(), 303);
    let (_, page) = me.get_text(&location(&res)).await;
    assert!(page.contains("2 replacements drawn."), "{page}");
    assert_eq!(member_rows(&page), 11);
    assert!(page.contains("Replacement (top-up 1)"));
    let (_, work) = cm.get_text("/my-work").await;
    assert_eq!(work.matches("Start the survey").count(), 8);
    // Nobody left to replace: a second top-up adds none.
    let res = me
        .post_form(&format!("{sample_path}/top-up"), &csrf, &[])
        .await;
    let (_, page) = me.get_text(&location(&res)).await;
    assert!(page.contains("0 replacements drawn."));

    // The API's view of coverage.
    let one: Value = http
        .get(app.url(&format!("/api/v1/monitoring-samples/{sample_id}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        one["coverage"],
        json!({"pending": 8, "reached": 1, "refused": 1, "unreachable": 1})
    );
    assert_eq!(one["size"], 9);
    assert_eq!(one["population"], 12);

    // Another office's case manager does not know the sample exists.
    let ths = app.signed_in("cm.ths").await;
    let (status, _) = ths.get_text(&sample_path).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn a_client_draws_a_sample_through_the_api() {
    let app = spawn_app().await;
    programme(&app).await;
    let me = app.signed_in("me.smp").await;
    let token = api_token(&me).await;
    let http = reqwest::Client::new();
    let post = |body: Value| {
        http.post(app.url("/api/v1/monitoring-samples"))
            .bearer_auth(&token)
            .json(&body)
            .send()
    };
    let res = post(json!({"label": "Final", "round": "final", "margin": 0.5, "confidence": 97}))
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let body: Value = res.json().await.unwrap();
    let fields = body["error"]["fields"].to_string();
    assert!(
        fields.contains("margin") && fields.contains("confidence"),
        "{body}"
    );

    let res =
        post(json!({"label": "Final round", "round": "final", "margin": 10, "confidence": 90}))
            .await
            .unwrap();
    assert_eq!(res.status(), 201);
    let body: Value = res.json().await.unwrap();
    // n₀ = 1.645² × 0.25 ÷ 0.01 = 67.6; n = 67.6 ÷ (1 + 66.6 ÷ 12) = 10.3, so 11.
    assert_eq!(body["size"], 11);
    assert_eq!(body["members"].as_array().unwrap().len(), 11);
    assert_eq!(body["strata"], "none");
    assert!(body["seed"].as_str().unwrap().parse::<u64>().is_ok());

    // A restricted case is sampled like any other, but an M&E officer (who may not open it)
    // sees neither its number nor its id.
    let cm = app.signed_in("cm.smp").await;
    let csrf = cm.csrf("/cases/new").await;
    let mut fields = registration();
    fields.push(("restricted", "on"));
    let res = cm.post_form("/cases", &csrf, &fields).await;
    assert_eq!(res.status(), 303);
    let res = post(json!({"label": "Everyone", "round": "final", "margin": 1, "confidence": 99}))
        .await
        .unwrap();
    let body: Value = res.json().await.unwrap();
    let members = body["members"].as_array().unwrap();
    assert_eq!(members.len(), 13, "a margin of one point takes everyone");
    let hidden: Vec<&Value> = members
        .iter()
        .filter(|m| m["case_number"].is_null())
        .collect();
    assert_eq!(hidden.len(), 1);
    assert!(hidden[0]["case_id"].is_null());
    let (_, page) = me
        .get_text(&format!(
            "/results/samples/{}",
            body["id"].as_str().unwrap()
        ))
        .await;
    assert!(page.contains("<td>A restricted case</td>"));
    assert_eq!(member_rows(&page), 12);
}

#[tokio::test]
async fn an_me_officer_draws_a_sample_in_the_browser_and_it_reaches_my_work() {
    let app = spawn_app().await;
    programme(&app).await;
    let axe = axe_source();
    let b = Browser::start().await;
    crate::browser::sign_in_as(&b, &app, "me.smp").await;
    b.goto(&app.url("/results")).await;
    b.click("a[href='/results/samples']").await;
    b.wait_for_text("12 returnees can be sampled").await;
    assert_eq!(axe_violations(&b, &axe).await, Vec::<String>::new());
    b.type_into("#f-label", "Final round, Dakar").await;
    b.set_value("#f-round", "final").await;
    b.set_value("#f-strata", "sex").await;
    b.clear("#f-margin").await;
    b.type_into("#f-margin", "20").await;
    b.click("form[action='/results/samples'] button[type=submit]")
        .await;
    b.wait_for_text("so n = 9").await;
    let counted = b
        .script(
            "return document.querySelector('#h-coverage').closest('section').querySelector('tfoot').innerText",
            json!([]),
        )
        .await;
    assert!(counted.as_str().unwrap().contains('9'), "{counted}");
    assert_eq!(axe_violations(&b, &axe).await, Vec::<String>::new());
    b.screenshot("monitoring-sample").await;
    b.quit().await;

    let b = Browser::start().await;
    crate::browser::sign_in_as(&b, &app, "cm.smp").await;
    b.goto(&app.url("/my-work")).await;
    b.wait_for_text("Returnees sampled for monitoring").await;
    assert_eq!(axe_violations(&b, &axe).await, Vec::<String>::new());
    b.click("#samples form[action$='/coverage'] button[value='unreachable']")
        .await;
    // Back on My work with one returnee fewer to reach.
    b.wait_until("return document.querySelectorAll('#samples li').length === 8")
        .await;
    b.quit().await;
}
