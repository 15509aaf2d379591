//! The individual pathway over HTTP: stage derived from the data, the rapid screening's task and
//! urgent referral, the counselling log and its sensitive notes, the plan (children's
//! best-interests note, a stale edit refused with the input kept, agreement, supervisor
//! approval, amendment), payments within budget, follow-up, closure with consented hand-overs,
//! approval, reopening, "my work" and the approvals page.

use crate::common::*;
use domain::Role;

async fn start(cm: &Client, case_path: &str, csrf: &str, form: &str) -> (String, String) {
    let res = cm
        .post_form(
            &format!("{case_path}/submissions"),
            csrf,
            &[("form_id", form)],
        )
        .await;
    assert_eq!(res.status(), 303);
    let path = location(&res);
    let (_, page) = cm.get_text(&path).await;
    (path, field_value(&page, "_version"))
}

async fn submit(cm: &Client, path: &str, csrf: &str, version: &str, answers: &[(&str, &str)]) {
    let today = crate::common::today().to_string();
    let mut fields = vec![
        ("_action", "submit"),
        ("_version", version),
        ("_interview_date", today.as_str()),
    ];
    fields.extend_from_slice(answers);
    let res = cm.post_form(path, csrf, &fields).await;
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
}

fn plan_fields<'a>(
    version: &'a str,
    expected: &'a str,
    best_interests: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("version", version),
        ("expected", expected),
        (
            "objective_economic",
            "Reopen a tailoring workshop in Goudiry",
        ),
        (
            "objective_psychosocial",
            "Feel at home again with the family",
        ),
        ("immediate", "basic_needs"),
        ("item_key", ""),
        ("item_grid", ""),
        ("item_kind", "microbusiness"),
        ("item_details", "Sewing machine and fabric for the workshop"),
        ("item_modality", "in_kind"),
        ("item_provider", ""),
        ("item_responsible", "organisation"),
        ("item_duration", "3 months"),
        ("item_status", "planned"),
        ("item_beneficiary", ""),
        ("item_budget", "800"),
        ("item_key", ""),
        ("item_grid", ""),
        ("item_kind", "education"),
        ("item_details", "School fees for Moussa"),
        ("item_modality", "cash"),
        ("item_provider", "Goudiry primary school"),
        ("item_responsible", "returnee"),
        ("item_duration", "school year"),
        ("item_status", "planned"),
        ("item_beneficiary", "Moussa Diallo"),
        ("item_budget", "150"),
        ("purchase_item", "Sewing machine"),
        ("purchase_cost", "450"),
        ("purchase_item", "Fabric"),
        ("purchase_cost", "350"),
        ("referral_agency", "Chamber of trades"),
        ("referral_assistance", "Business training"),
        (
            "exit_strategy",
            "Joins the local tailors' association after six months",
        ),
        ("best_interests_note", best_interests),
        ("place", "Tambacounda"),
    ]
}

#[tokio::test]
async fn a_returnee_goes_from_intake_to_closure_and_back() {
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

    // Intake: the page says what is missing.
    let (_, page) = cm.get_text(&case_path).await;
    assert!(
        page.contains("<span class=\"badge stage\">Intake</span>"),
        "{page}"
    );
    assert!(page.contains("Rapid vulnerability screening"));
    assert!(page.contains("Plan to be agreed by"));

    // A rapid screening with an unsure answer and an emergency: a follow-up screening task and
    // an urgent referral, shown on every page of the case.
    let (path, version) = start(&cm, &case_path, &csrf, "rapid_vulnerability_screening").await;
    let today = crate::common::today().to_string();
    submit(
        &cm,
        &path,
        &csrf,
        &version,
        &[
            ("a:screening_date", &today),
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
    let (_, page) = cm.get_text(&case_path).await;
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

    // The baseline survey declined: assessments are done, the case moves to planning.
    let (path, version) = start(&cm, &case_path, &csrf, "rss").await;
    submit(
        &cm,
        &path,
        &csrf,
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
    let (_, page) = cm.get_text(&case_path).await;
    assert!(
        page.contains("<span class=\"badge stage\">Planning</span>"),
        "{page}"
    );

    // The urgent referral is resolved and leaves the banner.
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
            &csrf,
            &[("note", "Treated and discharged")],
        )
        .await;
    assert_eq!(res.status(), 303);

    // Counselling log: sensitive notes for the case manager, not for M&E.
    let res = cm
        .post_form(
            &format!("{case_path}/sessions"),
            &csrf,
            &[
                ("session_date", &today),
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
    let (_, page) = cm.get_text(&case_path).await;
    assert!(!page.contains("id=\"urgent-banner\""));
    assert!(page.contains("Workshop idea and school for Moussa"));
    assert!(page.contains("Spoke about debts to a smuggler"));
    let (status, page) = me.get_text(&case_path).await;
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
            &csrf,
            &[("session_date", "2099-01-01"), ("topics", "")],
        )
        .await;
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(page.contains("This date is in the future."));
    assert!(page.contains("value=\"2099-01-01\""));

    // The plan: the grid suggests; a draft saves; the child in the household needs a note.
    let (status, edit) = cm.get_text(&format!("{case_path}/plan/edit")).await;
    assert_eq!(status, 200);
    assert!(edit.contains("Suggestions from the feasibility grid"));
    assert!(edit.contains("Children concerned: Moussa Diallo"));
    let res = cm
        .post_form(
            &format!("{case_path}/plan/pick"),
            &csrf,
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
            &csrf,
            &plan_fields("1", &expected, ""),
        )
        .await;
    assert_eq!(res.status(), 303);
    // The same edit again, from the now stale form: refused, input kept.
    let res = cm
        .post_form(
            &format!("{case_path}/plan"),
            &csrf,
            &plan_fields("1", &expected, "stale text"),
        )
        .await;
    assert_eq!(res.status(), 409);
    let page = res.text().await.unwrap();
    assert!(page.contains("changed by someone else"));
    assert!(page.contains("stale text"));

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
        .post_form(&format!("{case_path}/plan/agree"), &csrf, &refs)
        .await;
    assert_eq!(res.status(), 422, "no best-interests note yet");
    assert!(res.text().await.unwrap().contains("serves the child"));

    let (_, edit) = cm.get_text(&format!("{case_path}/plan/edit")).await;
    let expected = field_value(&edit, "expected");
    let fields = plan_fields("1", &expected, "School fees keep Moussa in school");
    let res = cm
        .post_form(&format!("{case_path}/plan"), &csrf, &fields)
        .await;
    assert_eq!(res.status(), 303);
    let (_, plan) = cm.get_text(&format!("{case_path}/plan")).await;
    let fields = agree(&field_value(&plan, "revision"));
    let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let res = cm
        .post_form(&format!("{case_path}/plan/agree"), &csrf, &refs)
        .await;
    assert_eq!(res.status(), 303);

    // The case manager cannot approve their own plan; the supervisor sees it waiting and does.
    let (_, plan) = cm.get_text(&format!("{case_path}/plan")).await;
    assert!(!plan.contains("Approve this plan"));
    let (_, pm_plan) = pm.get_text(&format!("{case_path}/plan")).await;
    assert!(pm_plan.contains("Approve this plan"));
    let revision = field_value(&pm_plan, "revision");
    let res = cm
        .post_form(
            &format!("{case_path}/plan/approve"),
            &csrf,
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
    let (_, page) = cm.get_text(&case_path).await;
    assert!(
        page.contains("<span class=\"badge stage\">Implementation and follow-up</span>"),
        "{page}"
    );
    let (_, approvals) = pm.get_text("/approvals").await;
    assert!(approvals.contains("Nothing is waiting for your approval."));

    // Payments: within the item's budget, numbered; more than the budget is refused.
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
            .post_form(&format!("{case_path}/disbursements"), &csrf, &refs)
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

    // Follow-up: the schedule runs from the plan; a visit is recorded against it.
    let (_, fu) = cm.get_text(&format!("{case_path}/follow-up")).await;
    assert!(fu.contains("Mid-term monitoring"));
    assert!(fu.contains("Final monitoring"));
    let res = cm
        .post_form(
            &format!("{case_path}/follow-up"),
            &csrf,
            &[
                ("visit_date", &today),
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
            &csrf,
            &[
                ("noted_on", &today),
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

    // My work lists the follow-up screening task.
    let (_, work) = cm.get_text("/my-work").await;
    assert!(work.contains("Aminata Diallo"));
    assert!(work.contains("Follow-up screenings"));

    // Closure: a hand-over without consent is refused; then requested, approved, reopened.
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
        .post_form(&format!("{case_path}/closure"), &csrf, &refs)
        .await;
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(page.contains("explicit consent"));
    assert!(page.contains("Continuing care for Moussa"));
    let f = closure(true);
    let refs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let res = cm
        .post_form(&format!("{case_path}/closure"), &csrf, &refs)
        .await;
    assert_eq!(res.status(), 303);
    let (_, page) = cm.get_text(&case_path).await;
    assert!(page.contains("<span class=\"badge stage\">Closure</span>"));
    let res = cm
        .post_form(&format!("{case_path}/closure/approve"), &csrf, &[])
        .await;
    assert_eq!(res.status(), 403);
    let res = pm
        .post_form(&format!("{case_path}/closure/approve"), &pm_csrf, &[])
        .await;
    assert_eq!(res.status(), 303);
    let (_, page) = cm.get_text(&case_path).await;
    assert!(page.contains("<span class=\"badge stage\">Closed</span>"));
    let res = pm
        .post_form(
            &format!("{case_path}/reopen"),
            &pm_csrf,
            &[("reopen_reason", "Came back to the programme")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let (_, page) = cm.get_text(&case_path).await;
    assert!(page.contains("<span class=\"badge stage\">Implementation and follow-up</span>"));
    assert!(page.contains("Reopened"));
    let (_, closure_page) = cm.get_text(&format!("{case_path}/closure")).await;
    assert!(
        closure_page.contains("Came back to the programme"),
        "history kept"
    );
    assert!(closure_page.contains("Continuing care for Moussa"));

    // Amending the approved plan makes a new version that needs agreement again.
    let (_, plan) = cm.get_text(&format!("{case_path}/plan")).await;
    let res = cm
        .post_form(
            &format!("{case_path}/plan/amend"),
            &csrf,
            &[("version", &field_value(&plan, "version"))],
        )
        .await;
    assert_eq!(res.status(), 303);
    let (_, plan) = cm.get_text(&format!("{case_path}/plan")).await;
    assert!(plan.contains("Version 2"));
    assert!(plan.contains("draft, waiting for the returnee"), "{plan}");

    // The printable plan carries the signature lines.
    let (status, print) = cm
        .get_text(&format!("{case_path}/plan/print?version=1"))
        .await;
    assert_eq!(status, 200);
    assert!(print.contains("Agreed by the returnee (name and signature)"));
    assert!(print.contains("School fees for Moussa"));
}

#[tokio::test]
async fn self_approval_is_an_office_setting_and_marked_on_the_record() {
    let app = spawn_app().await;
    let office = app.office("KLD").await;
    app.user("cm.kolda", Role::CaseManager, Some(office)).await;
    app.user("pm.kolda", Role::ProgrammeManager, Some(office))
        .await;
    let cm = app.signed_in("cm.kolda").await;
    let pm = app.signed_in("pm.kolda").await;
    let (case_path, csrf) = register_recent_return(&cm).await;
    let (_, edit) = cm.get_text(&format!("{case_path}/plan/edit")).await;
    let expected = field_value(&edit, "expected");
    let res = cm
        .post_form(
            &format!("{case_path}/plan"),
            &csrf,
            &plan_fields("", &expected, "Keeps Moussa in school"),
        )
        .await;
    assert_eq!(res.status(), 303);
    let (_, plan) = cm.get_text(&format!("{case_path}/plan")).await;
    let today = crate::common::today().to_string();
    let res = cm
        .post_form(
            &format!("{case_path}/plan/agree"),
            &csrf,
            &[
                ("version", "1"),
                ("revision", &field_value(&plan, "revision")),
                ("agreed_on", &today),
                ("agreement_method", "verbal"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);

    // The programme manager allows self-approval in this small office.
    let pm_csrf = pm.csrf("/programme").await;
    let res = pm
        .post_form(
            "/programme/settings",
            &pm_csrf,
            &[
                ("midterm_months", "6"),
                ("final_after_midterm_months", "12"),
                ("self_approval", &office.to_string()),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
    let (_, plan) = cm.get_text(&format!("{case_path}/plan")).await;
    assert!(plan.contains("Approve this plan"));
    let res = cm
        .post_form(
            &format!("{case_path}/plan/approve"),
            &csrf,
            &[
                ("version", "1"),
                ("revision", &field_value(&plan, "revision")),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let (_, plan) = cm.get_text(&format!("{case_path}/plan")).await;
    assert!(plan.contains("self-approval, allowed in this office"));

    // Bad settings are refused with a message, nothing changes.
    let res = pm
        .post_form(
            "/programme/settings",
            &pm_csrf,
            &[
                ("midterm_months", "0"),
                ("final_after_midterm_months", "12"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("Choose between 1 and 24 months.")
    );
}

#[tokio::test]
async fn the_json_api_walks_the_plan_with_the_same_rules() {
    use serde_json::{Value, json};
    let app = spawn_app().await;
    let office = app.office("ZIG").await;
    app.user("cm.zig", Role::CaseManager, Some(office)).await;
    app.user("pm.zig", Role::ProgrammeManager, Some(office))
        .await;
    app.user("me.zig", Role::MeOfficer, Some(office)).await;
    let cm = app.signed_in("cm.zig").await;
    let (case_path, _) = register_recent_return(&cm).await;
    let id = case_path.trim_start_matches("/cases/").to_string();
    let http = reqwest::Client::new();
    let tokens = [
        api_token(&cm).await,
        api_token(&app.signed_in("pm.zig").await).await,
        api_token(&app.signed_in("me.zig").await).await,
    ];
    let call = |who: usize, method: reqwest::Method, path: String, body: Option<Value>| {
        let mut req = http
            .request(method, app.url(&format!("/api/v1/cases/{id}{path}")))
            .header("authorization", format!("Bearer {}", tokens[who]));
        if let Some(b) = body {
            req = req.json(&b);
        }
        async move {
            let res = req.send().await.unwrap();
            let status = res.status().as_u16();
            let text = res.text().await.unwrap();
            (
                status,
                serde_json::from_str::<Value>(&text).unwrap_or(Value::Null),
            )
        }
    };
    use reqwest::Method as M;
    let (status, p) = call(0, M::GET, "/pathway".into(), None).await;
    assert_eq!(status, 200);
    assert_eq!(p["stage"], "intake");
    assert_eq!(p["missing"][0], "rapid_screening");

    let (status, _) = call(
        0,
        M::POST,
        "/sessions".into(),
        Some(json!({
            "date": crate::common::today().to_string(), "kind": "first", "topics": "Welcome",
            "sensitive_notes": "Fear of the smuggler's family"
        })),
    )
    .await;
    assert_eq!(status, 201);
    let (_, list) = call(2, M::GET, "/sessions".into(), None).await;
    assert_eq!(list[0]["topics"], "Welcome");
    assert!(
        list[0]["sensitive_notes"].is_null(),
        "M&E sees no sensitive notes: {list}"
    );
    let (_, list) = call(0, M::GET, "/sessions".into(), None).await;
    assert_eq!(list[0]["sensitive_notes"], "Fear of the smuggler's family");

    let content = json!({
        "objectives": {"economic": "Start a bakery"},
        "items": [{"key": 1, "kind": "microbusiness", "details": "Oven", "modality": "in_kind",
                   "responsible": "organisation", "status": "planned", "budget": 600}],
        "exit_strategy": "Bakery self-sufficient after a year",
        "best_interests_note": "Income keeps Moussa at school",
        "place": "Ziguinchor"
    });
    let (status, v) = call(
        0,
        M::POST,
        "/plans".into(),
        Some(json!({"expected_latest": null, "content": content})),
    )
    .await;
    assert_eq!(status, 201, "{v}");
    assert_eq!(v["status"], "draft");
    let rev = v["revision"].as_i64().unwrap();
    let (status, _) = call(
        0,
        M::POST,
        "/plans".into(),
        Some(json!({"expected_latest": null, "content": content})),
    )
    .await;
    assert_eq!(status, 409, "a second first version is a conflict");
    let (status, _) = call(0, M::POST, "/plans/1/agreement".into(), Some(json!({"revision": rev, "date": crate::common::today().to_string(), "method": "signed", "copy_given": true}))).await;
    assert_eq!(status, 204);
    let (status, _) = call(
        0,
        M::POST,
        "/plans/1/approval".into(),
        Some(json!({"revision": rev + 1})),
    )
    .await;
    assert_eq!(status, 403, "no self-approval in this office");
    let (status, _) = call(
        1,
        M::POST,
        "/plans/1/approval".into(),
        Some(json!({"revision": rev})),
    )
    .await;
    assert_eq!(status, 409, "a stale revision is refused");
    let (status, _) = call(
        1,
        M::POST,
        "/plans/1/approval".into(),
        Some(json!({"revision": rev + 1})),
    )
    .await;
    assert_eq!(status, 204);
    let (_, p) = call(0, M::GET, "/pathway".into(), None).await;
    assert_eq!(p["stage"], "implementation");
    assert_eq!(p["visits"][0]["key"], "midterm");

    let pay = |amount: u64| json!({"item_key": 1, "date": crate::common::today().to_string(), "amount": amount, "instalment": 0});
    let (status, _) = call(0, M::POST, "/disbursements".into(), Some(pay(400))).await;
    assert_eq!(status, 201);
    let (status, e) = call(0, M::POST, "/disbursements".into(), Some(pay(201))).await;
    assert_eq!(status, 422);
    assert_eq!(e["error"]["fields"][0]["code"], "error-over-budget");
    let (_, d) = call(2, M::GET, "/disbursements".into(), None).await;
    assert_eq!(d["balances"][0]["remaining"], 200);
    assert_eq!(d["disbursements"][0]["instalment"], 1);

    let (status, _) = call(0, M::POST, "/closure".into(), Some(json!({
        "date": crate::common::today().to_string(), "reason": "planned_end", "needs_met": "Bakery open",
        "handovers": [{"agency": "Microfinance", "purpose": "Loan", "consent": false}],
        "no_final_survey_reason": "Returnee travelling"
    }))).await;
    assert_eq!(status, 422, "hand-over without consent");
    let (status, _) = call(0, M::POST, "/closure".into(), Some(json!({
        "date": crate::common::today().to_string(), "reason": "planned_end", "needs_met": "Bakery open",
        "no_final_survey_reason": "Returnee travelling"
    }))).await;
    assert_eq!(status, 201);
    let approvals = http
        .get(app.url("/api/v1/approvals"))
        .header("authorization", format!("Bearer {}", tokens[1]))
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    assert!(
        approvals[0]["plan_version"].is_null() && approvals[0]["closure"].is_string(),
        "{approvals}"
    );
    let (status, _) = call(1, M::POST, "/closure/approval".into(), None).await;
    assert_eq!(status, 204);
    let (_, p) = call(0, M::GET, "/pathway".into(), None).await;
    assert_eq!(p["stage"], "closed");
    let (status, _) = call(
        1,
        M::POST,
        "/reopen".into(),
        Some(json!({"reason": "Back"})),
    )
    .await;
    assert_eq!(status, 204);
    let (_, x) = call(0, M::GET, "/closure".into(), None).await;
    assert_eq!(x[0]["in_force"], false);
    assert_eq!(x[0]["reopen_reason"], "Back");

    // The OpenAPI document lists the pathway.
    let doc = http
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for path in [
        "/api/v1/cases/{id}/plans/{plan}/approval",
        "/api/v1/cases/{id}/disbursements",
        "/api/v1/approvals",
    ] {
        assert!(doc.contains(path), "{path}");
    }
}

/// Registers a presumed victim of trafficking who returned `days_ago` days ago: their visits
/// run from the return date (1, 2, 3, 6, 9 and 12 months).
async fn register_trafficking_victim(cm: &Client, days_ago: i64) -> String {
    let csrf = cm.csrf("/cases/new").await;
    let back = (crate::common::today() - time::Duration::days(days_ago)).to_string();
    let mut fields: Vec<(&str, &str)> = registration()
        .into_iter()
        .filter(|(k, _)| *k != "return_date" && *k != "vulnerabilities")
        .collect();
    fields.push(("return_date", &back));
    fields.push(("vulnerabilities", "trafficking_victim"));
    let res = cm.post_form("/cases", &csrf, &fields).await;
    assert_eq!(res.status(), 303);
    location(&res)
}

/// The option the visit form's "which visit" select starts on.
fn proposed_visit(page: &str) -> String {
    let select = &page[page.find("name=\"scheduled\"").expect("the visit select")..];
    let select = &select[..select.find("</select>").unwrap()];
    select
        .split("<option")
        .find(|o| o.contains(" selected"))
        .and_then(|o| o.split("value=\"").nth(1))
        .map(|v| v[..v.find('"').unwrap()].to_string())
        .unwrap_or_default()
}

#[tokio::test]
async fn a_visit_is_proposed_only_when_its_window_is_open() {
    let app = spawn_app().await;
    let office = app.office("DKR").await;
    app.user("cm.one", Role::CaseManager, Some(office)).await;
    let cm = app.signed_in("cm.one").await;
    // Ten days after return, the first visit (a month after, give or take a week) is not due:
    // a contact today is an additional one.
    let early = register_trafficking_victim(&cm, 10).await;
    let (status, page) = cm.get_text(&format!("{early}/follow-up")).await;
    assert_eq!(status, 200);
    assert_eq!(proposed_visit(&page), "");
    // A month after return, it is.
    let due = register_trafficking_victim(&cm, 31).await;
    let (_, page) = cm.get_text(&format!("{due}/follow-up")).await;
    assert_eq!(proposed_visit(&page), "vot_month_1");
}
