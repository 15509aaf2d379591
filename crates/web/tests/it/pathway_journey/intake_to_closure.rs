//! One returnee from intake to closure and back, through the pages: the stage derived from the
//! data at each step of the way.

use super::{plan_fields, start, submit};
use crate::common::*;
use domain::Role;

/// The office's case manager, supervisor and M&E officer, signed in, and a returnee's case.
struct Journey {
    _app: TestApp,
    cm: Client,
    pm: Client,
    me: Client,
    case_path: String,
    csrf: String,
    today: String,
}

impl Journey {
    async fn start() -> Journey {
        let app = spawn_app().await;
        let office = app.office("TMB").await;
        app.user("cm.tamba", Role::CaseManager, Some(office)).await;
        app.user("pm.tamba", Role::ProgrammeManager, Some(office))
            .await;
        app.user("me.tamba", Role::MeOfficer, Some(office)).await;
        let cm = app.signed_in("cm.tamba").await;
        let pm = app.signed_in("pm.tamba").await;
        let me = app.signed_in("me.tamba").await;
        let (case_path, csrf) = register_recent_return(&cm).await;
        let today = crate::common::today().to_string();
        Journey {
            _app: app,
            cm,
            pm,
            me,
            case_path,
            csrf,
            today,
        }
    }
}

#[tokio::test]
async fn a_returnee_goes_from_intake_to_closure_and_back() {
    let j = Journey::start().await;
    intake_says_what_is_missing(&j).await;
    a_rapid_screening_raises_a_task_and_an_urgent_referral_on_every_page(&j).await;
    let page = a_declined_baseline_survey_moves_the_case_to_planning(&j).await;
    the_urgent_referral_is_resolved(&j, &page).await;
    the_counselling_log_keeps_sensitive_notes_from_m_and_e(&j).await;
    the_plan_is_drafted_from_the_grid_and_a_stale_edit_refused(&j).await;
    the_plan_is_agreed_once_the_child_has_a_best_interests_note(&j).await;
    let pm_csrf = the_supervisor_not_the_case_manager_approves_the_plan(&j).await;
    payments_stay_within_each_items_budget(&j).await;
    follow_up_visits_and_unmet_needs_are_recorded(&j).await;
    my_work_lists_the_follow_up_screening_task(&j).await;
    closure_needs_consent_for_a_hand_over_then_is_approved_and_reopened(&j, &pm_csrf).await;
    amending_the_approved_plan_makes_a_version_to_agree_again(&j).await;
    the_printable_plan_carries_the_signature_lines(&j).await;
}

/// Intake: the case page says what is missing.
async fn intake_says_what_is_missing(j: &Journey) {
    let Journey { cm, case_path, .. } = j;
    let (_, page) = cm.get_text(case_path).await;
    assert!(
        page.contains("<span class=\"badge stage\">Intake</span>"),
        "{page}"
    );
    assert!(page.contains("Rapid vulnerability screening"));
    assert!(page.contains("Plan to be agreed by"));
}

/// A rapid screening with an unsure answer and an emergency: a task and an urgent referral.
async fn a_rapid_screening_raises_a_task_and_an_urgent_referral_on_every_page(j: &Journey) {
    let Journey {
        cm,
        case_path,
        csrf,
        today,
        ..
    } = j;
    let (path, version) = start(cm, case_path, csrf, "rapid_vulnerability_screening").await;
    submit(
        cm,
        &path,
        csrf,
        &version,
        &[
            ("a:screening_date", today),
            ("a:screening_stage", "on_arrival"),
            ("a:screener_trained", "OK"),
            ("a:returnee_age", "31"),
            ("a:health_needs", "no"),
            ("a:trafficking_victim", "no"),
            ("a:violence_exploitation_abuse", "no"),
            ("a:risk_of_violence", "not_sure"),
            ("a:household_vulnerability", "no"),
            ("a:other_vulnerabilities", "none"),
            ("a:urgent_signs", "medical_emergency"),
            ("a:urgent_referral_made", "yes"),
            (
                "a:urgent_referral_details",
                "Taken to the district hospital",
            ),
        ],
    )
    .await;
    let (_, page) = cm.get_text(case_path).await;
    assert!(
        page.contains("<span class=\"badge stage\">Assessment</span>"),
        "{page}"
    );
    assert!(page.contains("Follow-up screenings after a positive rapid screening"));
    assert!(page.contains("id=\"urgent-banner\""));
    assert!(page.contains("Taken to the district hospital"));
    let (_, plan_page) = cm.get_text(&format!("{case_path}/plan")).await;
    assert!(
        plan_page.contains("id=\"urgent-banner\""),
        "the banner is on the plan page too"
    );
    let (_, sub_page) = cm.get_text(&path).await;
    assert!(
        sub_page.contains("id=\"urgent-banner\""),
        "and on the case's form pages"
    );
}

/// The baseline survey declined: assessments are done, the case moves to planning.
async fn a_declined_baseline_survey_moves_the_case_to_planning(j: &Journey) -> String {
    let Journey {
        cm,
        case_path,
        csrf,
        ..
    } = j;
    let (path, version) = start(cm, case_path, csrf, "rss").await;
    submit(
        cm,
        &path,
        csrf,
        &version,
        &[
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
            ("a:consent", "no"),
        ],
    )
    .await;
    let (_, page) = cm.get_text(case_path).await;
    assert!(
        page.contains("<span class=\"badge stage\">Planning</span>"),
        "{page}"
    );
    page
}

/// The urgent referral is resolved and leaves the banner.
async fn the_urgent_referral_is_resolved(j: &Journey, page: &str) {
    let Journey {
        cm,
        case_path,
        csrf,
        ..
    } = j;
    let id = page
        .split("/entries/")
        .nth(1)
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .to_string();
    let res = cm
        .post_form(
            &format!("{case_path}/entries/{id}/close"),
            csrf,
            &[("note", "Treated and discharged")],
        )
        .await;
    assert_eq!(res.status(), 303);
}

/// Counselling log: sensitive notes for the case manager, not for M&E.
async fn the_counselling_log_keeps_sensitive_notes_from_m_and_e(j: &Journey) {
    let Journey {
        cm,
        me,
        case_path,
        csrf,
        today,
        ..
    } = j;
    let res = cm
        .post_form(
            &format!("{case_path}/sessions"),
            csrf,
            &[
                ("session_date", today),
                ("session_kind", "planning"),
                ("participants", "returnee"),
                ("dimensions", "economic"),
                ("topics", "Workshop idea and school for Moussa"),
                ("next_steps", "Draft the plan"),
                ("sensitive_notes", "Spoke about debts to a smuggler"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let (_, page) = cm.get_text(case_path).await;
    assert!(!page.contains("id=\"urgent-banner\""));
    assert!(page.contains("Workshop idea and school for Moussa"));
    assert!(page.contains("Spoke about debts to a smuggler"));
    let (status, page) = me.get_text(case_path).await;
    assert_eq!(status, 200);
    assert!(page.contains("Workshop idea and school for Moussa"));
    assert!(
        !page.contains("Spoke about debts"),
        "M&E never sees sensitive notes"
    );
    // A refused session keeps what was typed.
    let res = cm
        .post_form(
            &format!("{case_path}/sessions"),
            csrf,
            &[("session_date", "2099-01-01"), ("topics", "")],
        )
        .await;
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(page.contains("This date is in the future."));
    assert!(page.contains("value=\"2099-01-01\""));
}

/// The plan: the grid suggests; a draft saves; the same edit from a stale form is refused.
async fn the_plan_is_drafted_from_the_grid_and_a_stale_edit_refused(j: &Journey) {
    let Journey {
        cm,
        case_path,
        csrf,
        ..
    } = j;
    let (status, edit) = cm.get_text(&format!("{case_path}/plan/edit")).await;
    assert_eq!(status, 200);
    assert!(edit.contains("Suggestions from the feasibility grid"));
    assert!(edit.contains("Children concerned: Moussa Diallo"));
    let res = cm
        .post_form(
            &format!("{case_path}/plan/pick"),
            csrf,
            &[("approach", "vocational_training")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let (_, edit) = cm.get_text(&format!("{case_path}/plan/edit")).await;
    assert!(
        edit.contains("value=\"vocational_training\""),
        "the picked approach is an item"
    );
    let expected = field_value(&edit, "expected");
    let res = cm
        .post_form(
            &format!("{case_path}/plan"),
            csrf,
            &plan_fields("1", &expected, ""),
        )
        .await;
    assert_eq!(res.status(), 303);
    // The same edit again, from the now stale form: refused, input kept.
    let res = cm
        .post_form(
            &format!("{case_path}/plan"),
            csrf,
            &plan_fields("1", &expected, "stale text"),
        )
        .await;
    assert_eq!(res.status(), 409);
    let page = res.text().await.unwrap();
    assert!(page.contains("changed by someone else"));
    assert!(page.contains("stale text"));
}

/// The child in the household needs a best-interests note before the plan is agreed.
async fn the_plan_is_agreed_once_the_child_has_a_best_interests_note(j: &Journey) {
    let Journey {
        cm,
        case_path,
        csrf,
        today,
        ..
    } = j;
    let (_, plan) = cm.get_text(&format!("{case_path}/plan")).await;
    assert!(plan.contains("Sewing machine and fabric for the workshop"));
    assert!(
        plan.contains("<td class=\"num\">800</td>"),
        "purchases total"
    );
    let revision = field_value(&plan, "revision");
    let agree = |rev: &str| {
        vec![
            ("version", "1".to_string()),
            ("revision", rev.to_string()),
            ("agreed_on", today.clone()),
            ("agreement_method", "signed".to_string()),
            ("copy_given", "yes".to_string()),
        ]
    };
    let fields = agree(&revision);
    let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let res = cm
        .post_form(&format!("{case_path}/plan/agree"), csrf, &refs)
        .await;
    assert_eq!(res.status(), 422, "no best-interests note yet");
    assert!(res.text().await.unwrap().contains("serves the child"));

    let (_, edit) = cm.get_text(&format!("{case_path}/plan/edit")).await;
    let expected = field_value(&edit, "expected");
    let fields = plan_fields("1", &expected, "School fees keep Moussa in school");
    let res = cm
        .post_form(&format!("{case_path}/plan"), csrf, &fields)
        .await;
    assert_eq!(res.status(), 303);
    let (_, plan) = cm.get_text(&format!("{case_path}/plan")).await;
    let fields = agree(&field_value(&plan, "revision"));
    let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let res = cm
        .post_form(&format!("{case_path}/plan/agree"), csrf, &refs)
        .await;
    assert_eq!(res.status(), 303);
}

/// The case manager cannot approve their own plan; the supervisor sees it waiting and does.
async fn the_supervisor_not_the_case_manager_approves_the_plan(j: &Journey) -> String {
    let Journey {
        cm,
        pm,
        case_path,
        csrf,
        ..
    } = j;
    let (_, plan) = cm.get_text(&format!("{case_path}/plan")).await;
    assert!(!plan.contains("Approve this plan"));
    let (_, pm_plan) = pm.get_text(&format!("{case_path}/plan")).await;
    assert!(pm_plan.contains("Approve this plan"));
    let revision = field_value(&pm_plan, "revision");
    let res = cm
        .post_form(
            &format!("{case_path}/plan/approve"),
            csrf,
            &[("version", "1"), ("revision", &revision)],
        )
        .await;
    assert_eq!(res.status(), 403);
    let (_, approvals) = pm.get_text("/approvals").await;
    assert!(approvals.contains("Plan version 1"), "{approvals}");
    let pm_csrf = pm.csrf("/approvals").await;
    let res = pm
        .post_form(
            &format!("{case_path}/plan/approve"),
            &pm_csrf,
            &[("version", "1"), ("revision", &revision)],
        )
        .await;
    assert_eq!(res.status(), 303);
    let (_, page) = cm.get_text(case_path).await;
    assert!(
        page.contains("<span class=\"badge stage\">Implementation and follow-up</span>"),
        "{page}"
    );
    let (_, approvals) = pm.get_text("/approvals").await;
    assert!(approvals.contains("Nothing is waiting for your approval."));
    pm_csrf
}

/// Payments: within the item's budget, numbered; more than the budget is refused.
async fn payments_stay_within_each_items_budget(j: &Journey) {
    let Journey {
        cm,
        case_path,
        csrf,
        today,
        ..
    } = j;
    let (_, plan) = cm.get_text(&format!("{case_path}/plan")).await;
    assert!(plan.contains("Approved by pm.tamba name"));
    // Each item of the approved plan can be referred to a service, linked to the item.
    assert!(plan.contains(&format!("{case_path}/referrals?plan_item=")));
    let (_, printed) = cm.get_text(&format!("{case_path}/plan/print")).await;
    assert!(
        !printed.contains("/referrals?plan_item="),
        "not on the printed plan"
    );
    let item = plan
        .split("name=\"item_key\"")
        .nth(1)
        .unwrap()
        .split("<option value=\"")
        .nth(2)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let pay = |amount: &'static str| {
        vec![
            ("item_key", item.clone()),
            ("paid_on", today.clone()),
            ("amount", amount.to_string()),
            ("channel", "mobile money".to_string()),
        ]
    };
    for (amount, status) in [("500", 303), ("400", 422), ("300", 303)] {
        let f = pay(amount);
        let refs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let res = cm
            .post_form(&format!("{case_path}/disbursements"), csrf, &refs)
            .await;
        assert_eq!(res.status(), status, "paying {amount}");
        if status == 422 {
            let page = res.text().await.unwrap();
            assert!(page.contains("more than what remains"));
            assert!(page.contains("value=\"400\""), "the amount typed is kept");
        }
    }
    let (_, plan) = cm.get_text(&format!("{case_path}/plan")).await;
    assert!(
        plan.contains("<td class=\"num\">800</td><td class=\"num\">2</td><td class=\"num\">0</td>"),
        "{plan}"
    );
}

/// Follow-up: the schedule runs from the plan; a visit is recorded against it.
async fn follow_up_visits_and_unmet_needs_are_recorded(j: &Journey) {
    let Journey {
        cm,
        pm,
        case_path,
        csrf,
        today,
        ..
    } = j;
    let (_, fu) = cm.get_text(&format!("{case_path}/follow-up")).await;
    assert!(fu.contains("Mid-term monitoring"));
    assert!(fu.contains("Final monitoring"));
    let res = cm
        .post_form(
            &format!("{case_path}/follow-up"),
            csrf,
            &[
                ("visit_date", today),
                ("mode", "home_visit"),
                ("scheduled", ""),
                ("findings", "Workshop open, first clients"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let res = cm
        .post_form(
            &format!("{case_path}/unmet-needs"),
            csrf,
            &[
                ("noted_on", today),
                ("dimension", "psychosocial"),
                ("need", "Peer support group"),
                ("reason", "not_available"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let (_, fu) = cm.get_text(&format!("{case_path}/follow-up")).await;
    assert!(fu.contains("Workshop open, first clients"));
    assert!(fu.contains("Peer support group"));
    let (_, programme) = pm.get_text("/programme").await;
    assert!(
        programme.contains("Peer support group"),
        "unmet needs reach the programme"
    );
    assert!(!programme.contains("Aminata"), "without names");
}

/// My work lists the follow-up screening task.
async fn my_work_lists_the_follow_up_screening_task(j: &Journey) {
    let Journey { cm, .. } = j;
    let (_, work) = cm.get_text("/my-work").await;
    assert!(work.contains("Aminata Diallo"));
    assert!(work.contains("Follow-up screenings"));
}

/// Closure: a hand-over without consent is refused; then requested, approved, reopened.
async fn closure_needs_consent_for_a_hand_over_then_is_approved_and_reopened(
    j: &Journey,
    pm_csrf: &str,
) {
    let Journey {
        cm,
        pm,
        case_path,
        csrf,
        today,
        ..
    } = j;
    let closure = |consent: bool| {
        let mut f = vec![
            ("closed_on", today.clone()),
            ("closure_reason", "chooses_to_stop".to_string()),
            ("exit_reason", "remigration".to_string()),
            (
                "reasons_explored",
                "Wants to join a cousin abroad; offered a job placement".to_string(),
            ),
            ("needs_met", "Workshop running".to_string()),
            (
                "no_final_survey_reason",
                "Leaving before the final round".to_string(),
            ),
            ("handover_agency", "Health centre".to_string()),
            ("handover_purpose", "Continuing care for Moussa".to_string()),
        ];
        if consent {
            f.push(("handover_consent", "0".to_string()));
        }
        f
    };
    let f = closure(false);
    let refs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let res = cm
        .post_form(&format!("{case_path}/closure"), csrf, &refs)
        .await;
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(page.contains("explicit consent"));
    assert!(page.contains("Continuing care for Moussa"));
    // What is still open is listed, and the closure is refused until each is settled or
    // carried over with a reason.
    assert!(page.contains("Still open"), "{page}");
    assert!(page.contains("Open task"));
    assert!(page.contains("Settle this first, or say why it stays open."));
    let open: Vec<String> = page
        .split("name=\"carry_item\" value=\"")
        .skip(1)
        .map(|rest| rest.split('"').next().unwrap().to_string())
        .collect();
    assert!(!open.is_empty());
    let mut f = closure(true);
    for key in &open {
        f.push(("carry_item", key.clone()));
        f.push((
            "carry_reason",
            "Handed over to the health centre".to_string(),
        ));
    }
    let refs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let res = cm
        .post_form(&format!("{case_path}/closure"), csrf, &refs)
        .await;
    assert_eq!(res.status(), 303);
    let (_, page) = cm.get_text(&format!("{case_path}/closure")).await;
    assert!(
        page.contains("Left open on purpose"),
        "the closure keeps what was carried over"
    );
    let (_, page) = cm.get_text(case_path).await;
    assert!(page.contains("<span class=\"badge stage\">Closure</span>"));
    let res = cm
        .post_form(&format!("{case_path}/closure/approve"), csrf, &[])
        .await;
    assert_eq!(res.status(), 403);
    let res = pm
        .post_form(&format!("{case_path}/closure/approve"), pm_csrf, &[])
        .await;
    assert_eq!(res.status(), 303);
    let (_, page) = cm.get_text(case_path).await;
    assert!(page.contains("<span class=\"badge stage\">Closed</span>"));
    let res = pm
        .post_form(
            &format!("{case_path}/reopen"),
            pm_csrf,
            &[("reopen_reason", "Came back to the programme")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let (_, page) = cm.get_text(case_path).await;
    assert!(page.contains("<span class=\"badge stage\">Implementation and follow-up</span>"));
    assert!(page.contains("Reopened"));
    let (_, closure_page) = cm.get_text(&format!("{case_path}/closure")).await;
    assert!(
        closure_page.contains("Came back to the programme"),
        "history kept"
    );
    assert!(closure_page.contains("Continuing care for Moussa"));
}

/// Amending the approved plan makes a new version that needs agreement again.
async fn amending_the_approved_plan_makes_a_version_to_agree_again(j: &Journey) {
    let Journey {
        cm,
        case_path,
        csrf,
        ..
    } = j;
    let (_, plan) = cm.get_text(&format!("{case_path}/plan")).await;
    let res = cm
        .post_form(
            &format!("{case_path}/plan/amend"),
            csrf,
            &[("version", &field_value(&plan, "version"))],
        )
        .await;
    assert_eq!(res.status(), 303);
    let (_, plan) = cm.get_text(&format!("{case_path}/plan")).await;
    assert!(plan.contains("Version 2"));
    assert!(plan.contains("draft, waiting for the returnee"), "{plan}");
}

/// The printable plan carries the signature lines.
async fn the_printable_plan_carries_the_signature_lines(j: &Journey) {
    let Journey { cm, case_path, .. } = j;
    let (status, print) = cm
        .get_text(&format!("{case_path}/plan/print?version=1"))
        .await;
    assert_eq!(status, 200);
    assert!(print.contains("Agreed by the returnee (name and signature)"));
    assert!(print.contains("School fees for Moussa"));
}
