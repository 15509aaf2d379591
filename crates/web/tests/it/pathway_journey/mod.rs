//! The individual pathway over HTTP: stage derived from the data, the rapid screening's task and
//! urgent referral, the counselling log and its sensitive notes, the plan (children's
//! best-interests note, a stale edit refused with the input kept, agreement, supervisor
//! approval, amendment), payments within budget, follow-up, closure with consented hand-overs,
//! approval, reopening, "my work" and the approvals page.

use crate::common::*;
use domain::Role;

mod api;
mod intake_to_closure;

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
