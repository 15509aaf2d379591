//! A supervisor returns a plan with comments instead of approving it; the case manager sees
//! them, changes the plan and has it agreed again. The same over the API.

use crate::common::*;
use domain::Role;
use serde_json::{Value, json};

async fn agree(cm: &Client, case_path: &str, csrf: &str) {
    let (_, plan) = cm.get_text(&format!("{case_path}/plan")).await;
    let revision = field_value(&plan, "revision");
    let today = crate::common::today().to_string();
    let res = cm
        .post_form(
            &format!("{case_path}/plan/agree"),
            csrf,
            &[
                ("version", "1"),
                ("revision", &revision),
                ("agreed_on", &today),
                ("agreement_method", "signed"),
                ("copy_given", "yes"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
}

#[tokio::test]
async fn a_plan_returned_with_comments_goes_back_to_the_case_manager() {
    let app = spawn_app().await;
    let office = app.office("DKR").await;
    app.user("cm.one", Role::CaseManager, Some(office)).await;
    app.user("pm.one", Role::ProgrammeManager, Some(office))
        .await;
    let cm = app.signed_in("cm.one").await;
    let pm = app.signed_in("pm.one").await;
    let (case_path, csrf) = register_recent_return(&cm).await;
    let res = post_new_plan(
        &cm,
        &case_path,
        &csrf,
        &[
            ("objective_economic", "Open a tailoring workshop"),
            ("immediate", "basic_needs"),
            ("exit_strategy", "Joins the tailors' association"),
            ("best_interests_note", "The income keeps Moussa in school"),
            ("place", "Tambacounda"),
        ],
    )
    .await;
    assert_eq!(res.status(), 303);
    agree(&cm, &case_path, &csrf).await;

    let (_, plan) = pm.get_text(&format!("{case_path}/plan")).await;
    assert!(plan.contains("Return with comments"));
    let pm_csrf = csrf_of(&plan);
    let revision = field_value(&plan, "revision");
    let back = |comments: &'static str| {
        let (path, csrf, revision) = (format!("{case_path}/plan/return"), &pm_csrf, &revision);
        let pm = &pm;
        async move {
            pm.post_form(
                &path,
                csrf,
                &[
                    ("version", "1"),
                    ("revision", revision),
                    ("comments", comments),
                ],
            )
            .await
        }
    };
    assert_eq!(back("  ").await.status(), 422, "comments are required");
    assert_eq!(back("Add the training fees").await.status(), 303);

    let (_, plan) = cm.get_text(&format!("{case_path}/plan")).await;
    assert!(plan.contains("Returned with comments by"), "{plan}");
    assert!(plan.contains("Add the training fees"));
    assert!(
        plan.contains("Record the returnee"),
        "agreed again before it can be approved"
    );
    let (_, plan) = pm.get_text(&format!("{case_path}/plan")).await;
    assert!(!plan.contains("plan/approve"), "nothing to approve now");

    // Agreed again, then returned over the API.
    agree(&cm, &case_path, &csrf).await;
    let token = api_token(&pm).await;
    let case_id = case_path.trim_start_matches("/cases/");
    let plans: Value = pm
        .http
        .get(app.url(&format!("/api/v1/cases/{case_id}/plans")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let revision = plans[0]["revision"].as_i64().unwrap();
    let res = pm
        .http
        .post(app.url(&format!("/api/v1/cases/{case_id}/plans/1/return")))
        .bearer_auth(&token)
        .json(&json!({"revision": revision, "comments": "Name the training centre"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    let plans: Value = pm
        .http
        .get(app.url(&format!("/api/v1/cases/{case_id}/plans")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(plans[0]["returned_comments"], "Name the training centre");
    assert_eq!(plans[0]["status"], "draft");
}

#[tokio::test]
async fn a_closure_awaiting_approval_is_returned_with_comments() {
    let app = spawn_app().await;
    let office = app.office("DKR").await;
    app.user("cm.one", Role::CaseManager, Some(office)).await;
    app.user("pm.one", Role::ProgrammeManager, Some(office))
        .await;
    let cm = app.signed_in("cm.one").await;
    let pm = app.signed_in("pm.one").await;
    let (case_path, csrf) = register_recent_return(&cm).await;
    let today = crate::common::today().to_string();
    let res = cm
        .post_form(
            &format!("{case_path}/closure"),
            &csrf,
            &[
                ("closed_on", today.as_str()),
                ("closure_reason", "planned_end"),
                ("needs_met", "Settled with the family"),
                ("no_final_survey_reason", "Moved before the final round"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let (_, page) = pm.get_text(&format!("{case_path}/closure")).await;
    assert!(page.contains("Return with comments"), "{page}");
    let pm_csrf = csrf_of(&page);
    let res = pm
        .post_form(
            &format!("{case_path}/reopen"),
            &pm_csrf,
            &[(
                "reopen_reason",
                "The final survey is still possible by phone",
            )],
        )
        .await;
    assert_eq!(res.status(), 303);
    let (_, page) = cm.get_text(&format!("{case_path}/closure")).await;
    assert!(page.contains("Returned with comments by"), "{page}");
    assert!(page.contains("The final survey is still possible by phone"));
    assert!(
        page.contains("Close the case"),
        "the closure can be requested again"
    );
}
