//! What works, over HTTP and in the browser: forty returnees surveyed at baseline and final
//! round, half with a cash grant for a microbusiness. The grant adds 15 points for women and
//! nothing for men; the comparison within each sex finds it, adjusted for the baseline, and
//! says the twin group (economic support, always the same people here) cannot be told apart.

use crate::common::*;
use crate::webdriver::Browser;
use domain::Role;
use domain::case::CaseStage;
use domain::pathway::plan::{AgreementMethod, PlanContent};
use domain::rss::{Breakdown, Round, Scores};
use serde_json::Value;
use store::{
    AuditContext, FormOrigin, NewFormVersion, NewPlanAgreement, NewRssScore, NewSubmission,
    SubmissionStatus, SubmissionUpdate, User,
};

/// The form [`scored`] files its surveys under.
pub(crate) async fn install_survey_form(app: &TestApp) {
    app.store
        .install_shipped_form(
            NewFormVersion {
                form_id: "ww.rss".into(),
                version: "1".into(),
                title: "RSS".into(),
                definition: "{}".into(),
                origin: FormOrigin::Shipped,
            },
            AuditContext::system(time::OffsetDateTime::now_utc(), "test"),
        )
        .await
        .unwrap();
}

/// A scored survey of `round`, straight through the store (after [`install_survey_form`]).
pub(crate) async fn scored(
    app: &TestApp,
    by: &User,
    case: domain::CaseId,
    round: Round,
    day: time::Date,
    composite: f64,
) {
    let id = uuid::Uuid::new_v4();
    let ctx = AuditContext::by(by.id, time::OffsetDateTime::now_utc());
    app.store
        .create_submission(
            NewSubmission {
                id,
                form_id: "ww.rss".into(),
                form_version: "1".into(),
                subject: store::Subject::Case(case),
                answers: "{}".into(),
                interviewer: by.id,
                interview_date: day,
            },
            ctx.clone(),
        )
        .await
        .unwrap();
    let scores = Scores {
        economic: Some(composite),
        social: Some(composite),
        psychosocial: Some(composite),
        composite: Some(composite),
        dk_dwa_count: 0,
        low_accuracy: false,
        model: "default/1".into(),
        breakdown: Breakdown(vec![]),
    };
    app.store
        .update_submission(
            SubmissionUpdate {
                follow_on: None,
                id,
                expected_version: 1,
                answers: "{}".into(),
                interview_date: day,
                status: SubmissionStatus::Complete,
                score: Some(NewRssScore {
                    submission: id,
                    case,
                    round,
                    interview_date: day,
                    interviewer: by.id,
                    scores,
                }),
            },
            ctx,
        )
        .await
        .unwrap();
}

/// An approved plan with one cash grant for a microbusiness.
async fn cash_grant(app: &TestApp, by: &User, case: domain::CaseId) {
    let ctx = AuditContext::by(by.id, time::OffsetDateTime::now_utc());
    let content: PlanContent = serde_json::from_value(serde_json::json!({"items": [
        {"key": 1, "kind": "microbusiness", "modality": "cash", "responsible": "returnee",
         "status": "completed", "budget": 300}
    ]}))
    .unwrap();
    app.store
        .create_plan_version(case, None, content, CaseStage::Intake, ctx.clone())
        .await
        .unwrap();
    let agreed = NewPlanAgreement {
        date: time::macros::date!(2025 - 03 - 01),
        method: AgreementMethod::Signed,
        copy_given: true,
    };
    app.store
        .agree_plan(case, 1, 1, agreed, CaseStage::Intake, ctx.clone())
        .await
        .unwrap();
    app.store
        .approve_plan(case, 1, 2, false, CaseStage::Intake, ctx)
        .await
        .unwrap();
}

/// The programme described at the top; returns the M&E officer's API token.
async fn programme(app: &TestApp) {
    let office = app.office("DKR").await;
    let cm = app.user("cm.ww", Role::CaseManager, Some(office)).await;
    app.user("me.ww", Role::MeOfficer, Some(office)).await;
    app.user("viewer.ww", Role::Viewer, None).await;
    install_survey_form(app).await;
    let client = app.signed_in("cm.ww").await;
    for i in 0..40u32 {
        let female = i < 20;
        let with_cash = i % 2 == 0;
        let given = format!("Nom{}", char::from(b'a' + (i % 26) as u8));
        let (id, _) =
            register_named(app, &client, &given, if female { "female" } else { "male" }).await;
        let case: domain::CaseId = id.parse().unwrap();
        if with_cash {
            cash_grant(app, &cm, case).await;
        }
        let baseline = 0.30 + 0.01 * f64::from(i % 7);
        let noise = 0.004 * f64::from(i % 3) - 0.004;
        let effect = if female && with_cash { 0.15 } else { 0.0 };
        let final_score = baseline + 0.05 - 0.1 * (baseline - 0.3) + effect + noise;
        scored(
            app,
            &cm,
            case,
            Round::Baseline,
            time::macros::date!(2025 - 02 - 20),
            baseline,
        )
        .await;
        scored(
            app,
            &cm,
            case,
            Round::Final,
            time::macros::date!(2026 - 03 - 01),
            final_score,
        )
        .await;
    }
}

fn group<'a>(part: &'a Value, name: &str) -> &'a Value {
    part["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["group"] == name)
        .unwrap_or_else(|| panic!("{name} in {part}"))
}

#[tokio::test]
async fn the_comparison_within_each_sex_finds_what_the_grant_did_for_women() {
    let app = spawn_app().await;
    programme(&app).await;
    let me = app.signed_in("me.ww").await;
    let token = api_token(&me).await;
    let http = reqwest::Client::new();
    let res = http
        .get(app.url("/api/v1/what-works?by=assistance&within=sex&outcome=composite&later=final"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["observations"], 40);
    assert_eq!(body["excluded"]["without_later_survey"], 0);
    let parts = body["parts"].as_array().unwrap();
    assert_eq!(parts.len(), 2);
    let (women, men) = (&parts[0], &parts[1]);
    assert_eq!(
        (women["within"].as_str(), men["within"].as_str()),
        (Some("female"), Some("male"))
    );
    assert_eq!(women["reference"], "none");
    let cash = group(women, "cash");
    assert_eq!(cash["n"], 10);
    let adjusted = &cash["adjusted"];
    let estimate = adjusted["estimate"].as_f64().unwrap();
    assert!((estimate - 0.15).abs() < 0.01, "{cash}");
    assert!(
        adjusted["low"].as_f64().unwrap() > 0.0,
        "clearly above none: {cash}"
    );
    assert_eq!(
        group(women, "economic")["adjusted"],
        Value::Null,
        "the twin of cash here"
    );
    assert_eq!(
        group(women, "none")["adjusted"],
        Value::Null,
        "the reference"
    );
    let for_men = &group(men, "cash")["adjusted"];
    assert!(
        for_men["low"].as_f64().unwrap() < 0.0 && for_men["high"].as_f64().unwrap() > 0.0,
        "{for_men}"
    );
    // Everyone together: the grant's worth is diluted, and said with its interval.
    let res = http
        .get(app.url("/api/v1/what-works"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["by"], "assistance");
    assert!(
        body["method"]
            .as_str()
            .unwrap()
            .contains("Student's t distribution"),
        "{}",
        body["method"]
    );
    // The method in the reader's language.
    let res = http
        .get(app.url("/api/v1/what-works"))
        .bearer_auth(&token)
        .header("accept-language", "fr")
        .send()
        .await
        .unwrap();
    let french: Value = res.json().await.unwrap();
    assert_ne!(french["method"], body["method"]);
    assert!(!french["method"].as_str().unwrap().is_empty());
    let everyone = &body["parts"][0];
    assert_eq!(group(everyone, "cash")["n"], 20);

    // A question that cannot be asked is refused with what to fix.
    let res = http
        .get(app.url("/api/v1/what-works?by=shoe_size&within=assistance"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let text = res.text().await.unwrap();
    assert!(
        text.contains("\"by\"") && text.contains("\"within\""),
        "{text}"
    );
    let (status, page) = me.get_text("/results/what-works?by=shoe_size").await;
    assert_eq!(status, 422);
    assert!(
        page.contains("Compare by: Choose one of the options offered."),
        "{page}"
    );

    // The page, in words.
    let (status, page) = me.get_text("/results/what-works?within=sex").await;
    assert_eq!(status, 200);
    assert!(
        page.contains("Within: Female") && page.contains("Cash grant"),
        "{page}"
    );
    assert!(page.contains("associations, not proof"));
    assert!(page.contains("40 returnees compared."));

    // Viewers see the same groups (none is small here).
    let viewer = app.signed_in("viewer.ww").await;
    let (status, page) = viewer.get_text("/results/what-works?within=sex").await;
    assert_eq!(status, 200);
    assert!(page.contains("Cash grant"));
}

#[tokio::test]
async fn an_me_officer_compares_within_each_sex_on_the_page() {
    let app = spawn_app().await;
    programme(&app).await;
    let b = Browser::start().await;
    crate::browser::sign_in_as(&b, &app, "me.ww").await;
    b.goto(&app.url("/results")).await;
    b.click("a[href='/results/what-works']").await;
    b.wait_for_text("associations, not proof").await;
    b.set_value("#f-within", "sex").await;
    b.click("form.filters button[type=submit]").await;
    b.wait_for_text("Within: Female").await;
    let rows = b
        .script(
            "return [...document.querySelectorAll('section.card')].map(s => \
               [s.querySelector('h2').innerText, [...s.querySelectorAll('tbody tr')].map(r => r.innerText)]);",
            serde_json::json!([]),
        )
        .await;
    let women = rows[0][1].as_array().unwrap();
    let cash = women
        .iter()
        .map(|r| r.as_str().unwrap())
        .find(|r| r.starts_with("Cash grant"))
        .unwrap_or_else(|| panic!("{rows}"));
    assert!(
        cash.contains("+15."),
        "the adjusted difference, in points: {cash}"
    );
    assert!(
        b.script(
            "return document.querySelectorAll('figure.chart circle.estimate').length",
            serde_json::json!([])
        )
        .await
        .as_u64()
        .unwrap()
            >= 4,
        "a dot per group"
    );
    b.screenshot("what-works").await;
    b.quit().await;
}
