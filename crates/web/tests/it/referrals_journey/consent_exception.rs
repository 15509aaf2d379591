//! Referrals without consent as a programme manager's exception, drafts completed later,
//! unanswered referrals on the work list, returnees' feedback on services, and the stakeholder
//! map's sensitive columns.

use crate::common::*;
use domain::Role;
use serde_json::{Value, json};

/// A mapped service, the office's case and programme managers, signed in, and a returnee's case.
struct Journey {
    app: TestApp,
    cm_user: store::User,
    service: domain::ServiceId,
    service_s: String,
    cm: Client,
    pm: Client,
    csrf: String,
    case_id: domain::CaseId,
}

impl Journey {
    async fn start() -> Journey {
        let app = spawn_app().await;
        let a = app.office("DKR").await;
        app.user("pm.dkr", Role::ProgrammeManager, Some(a)).await;
        let cm_user = app.user("cm.dkr", Role::CaseManager, Some(a)).await;
        app.user("me.dkr", Role::MeOfficer, Some(a)).await;
        let (_, service) = map_service(&app, "Clinic A", "Dakar").await;
        let cm = app.signed_in("cm.dkr").await;
        let pm = app.signed_in("pm.dkr").await;
        let (case_url, csrf) = register_recent_return(&cm).await;
        let case_id: domain::CaseId = case_url.trim_start_matches("/cases/").parse().unwrap();
        let service_s = service.to_string();
        Journey {
            app,
            cm_user,
            service,
            service_s,
            cm,
            pm,
            csrf,
            case_id,
        }
    }
}

#[tokio::test]
async fn consent_exception_overdue_answers_feedback_and_stakeholders() {
    let j = Journey::start().await;
    let (no_consent, pm_csrf) = only_a_programme_manager_refers_without_consent(&j).await;
    a_draft_saved_without_consent_is_completed_and_sent_later(&j, no_consent).await;
    unanswered_past_the_agreed_time_a_referral_is_on_the_work_list(&j).await;
    a_returnees_feedback_proposes_an_update_the_programme_manager_accepts(&j, &pm_csrf).await;
    stakeholders_sensitive_columns_are_for_programme_staff_only(&j, &pm_csrf).await;
}

/// Referring without consent is an exception only a programme manager records.
async fn only_a_programme_manager_refers_without_consent(
    j: &Journey,
) -> (Vec<(&str, &str)>, String) {
    let Journey {
        service_s,
        cm,
        pm,
        csrf,
        case_id,
        ..
    } = j;
    let exception = vec![
        ("service", service_s.as_str()),
        ("referral_reason", "Expressed suicidal thoughts"),
        ("urgency", "life_saving"),
        ("override_reason", "life_at_risk"),
        ("override_date", "2026-01-05"),
        ("override_professional", "Dr Ba, psychiatrist"),
        (
            "override_justification",
            "High risk of suicide assessed today",
        ),
        ("_action", "send"),
    ];
    let res = cm
        .post_form(&format!("/cases/{case_id}/referrals"), csrf, &exception)
        .await;
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(page.contains("Only a programme manager can record a referral without consent"));
    let mut no_consent = exception.clone();
    no_consent.retain(|(k, _)| !k.starts_with("override_"));
    let res = cm
        .post_form(&format!("/cases/{case_id}/referrals"), csrf, &no_consent)
        .await;
    assert_eq!(res.status(), 422, "no consent, no sending");
    let pm_csrf = pm.csrf(&format!("/cases/{case_id}/referrals")).await;
    let res = pm
        .post_form(&format!("/cases/{case_id}/referrals"), &pm_csrf, &exception)
        .await;
    assert_eq!(res.status(), 303);
    let (_, page) = pm.get_text(&location(&res)).await;
    assert!(page.contains("Dr Ba, psychiatrist") && page.contains("Sent, waiting"));
    (no_consent, pm_csrf)
}

/// A draft saved without consent is completed and sent later; a stale edit keeps the input.
async fn a_draft_saved_without_consent_is_completed_and_sent_later(
    j: &Journey,
    no_consent: Vec<(&str, &str)>,
) {
    let Journey {
        cm, csrf, case_id, ..
    } = j;
    let mut draft = no_consent.clone();
    draft.retain(|(k, _)| *k != "_action");
    draft.push(("_action", "draft"));
    let res = cm
        .post_form(&format!("/cases/{case_id}/referrals"), csrf, &draft)
        .await;
    assert_eq!(res.status(), 303);
    let draft_url = location(&res);
    let (_, page) = cm.get_text(&draft_url).await;
    assert!(page.contains("Complete the draft"));
    let version = field_value(&page, "version");
    let mut completed: Vec<(&str, &str)> = draft
        .iter()
        .filter(|(k, _)| *k != "_action" && *k != "service")
        .copied()
        .collect();
    completed.extend([
        ("consent_date", "2026-01-05"),
        ("consent_method", "verbal_by_phone"),
        ("consent_purpose", "Emergency psychiatric care"),
        ("_action", "send"),
    ]);
    let mut stale = completed.clone();
    stale.push(("version", "99"));
    let res = cm
        .post_form(&format!("{draft_url}/edit"), csrf, &stale)
        .await;
    assert_eq!(res.status(), 409);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("Emergency psychiatric care")
    );
    completed.push(("version", &version));
    let res = cm
        .post_form(&format!("{draft_url}/edit"), csrf, &completed)
        .await;
    assert_eq!(res.status(), 303);
    let (_, page) = cm.get_text(&draft_url).await;
    assert!(page.contains("Sent, waiting for an answer"));
    assert!(page.contains("Emergency psychiatric care"));
}

/// Unanswered past the agreed time: on the case manager's work list.
async fn unanswered_past_the_agreed_time_a_referral_is_on_the_work_list(j: &Journey) {
    let Journey {
        app, cm_user, cm, ..
    } = j;
    let (case_id, service) = (j.case_id, j.service);
    send_referral(app, case_id, service, cm_user).await;
    let (_, page) = cm.get_text("/my-work").await;
    assert!(page.contains("No answer to the referral to Consultations at Clinic A"));
}

/// A returnee's feedback proposes an update; the programme manager accepts it.
async fn a_returnees_feedback_proposes_an_update_the_programme_manager_accepts(
    j: &Journey,
    pm_csrf: &str,
) {
    let Journey {
        service,
        service_s,
        cm,
        pm,
        csrf,
        case_id,
        ..
    } = j;
    let res = cm
        .post_form(
            &format!("/cases/{case_id}/service-feedback"),
            csrf,
            &[
                ("service", service_s),
                ("comment", ""),
                ("hours", "Closed on Fridays"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("Closed on Fridays"));
    let res = cm
        .post_form(
            &format!("/cases/{case_id}/service-feedback"),
            csrf,
            &[
                ("service", service_s),
                ("comment", "The clinic no longer opens on Fridays"),
                ("hours", "Monday to Thursday"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let (_, page) = pm.get_text("/services").await;
    assert!(page.contains("The clinic no longer opens on Fridays"));
    let update = page
        .split("/updates/")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let res = pm
        .post_form(
            &format!("/services/{service}/updates/{update}"),
            pm_csrf,
            &[("decision", "accept"), ("note", "Checked by phone")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let (_, page) = pm.get_text(&format!("/services/{service}")).await;
    assert!(page.contains("Monday to Thursday"));
    assert!(
        page.contains(&crate::common::today().to_string()),
        "checked today"
    );
}

/// Stakeholders: the grid for everyone on staff, the sensitive columns for programme staff.
async fn stakeholders_sensitive_columns_are_for_programme_staff_only(j: &Journey, pm_csrf: &str) {
    let Journey { app, cm, pm, .. } = j;
    let res = pm
        .post_form(
            "/stakeholders",
            pm_csrf,
            &[
                ("name", "Transport union"),
                ("kind", "private_sector"),
                ("level", "local"),
                ("influence", "9"),
                ("interest", "2"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("Transport union"));
    let res = pm
        .post_form(
            "/stakeholders",
            pm_csrf,
            &[
                ("name", "Transport union"),
                ("kind", "private_sector"),
                ("level", "local"),
                ("influence", "5"),
                ("interest", "4"),
                ("stance", "potential_obstructor"),
                ("political_interest", "Opposes the returnee taxi scheme"),
                ("engagement_strategy", "Monthly meeting"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let (_, page) = cm.get_text("/stakeholders").await;
    assert!(page.contains("Transport union") && page.contains("<svg"));
    assert!(page.contains("Manage closely"));
    assert!(!page.contains("Potential obstructor"));
    let stakeholder = location(&res);
    let (_, page) = cm.get_text(&stakeholder).await;
    assert!(!page.contains("Opposes the returnee taxi scheme"));
    let me = app.signed_in("me.dkr").await;
    let (_, page) = me.get_text(&stakeholder).await;
    assert!(page.contains("Opposes the returnee taxi scheme"));
    let (_, page) = me.get_text("/stakeholders").await;
    assert!(page.contains("Potential obstructor"));
    let token = api_token(cm).await;
    let body: Value = reqwest::Client::new()
        .get(app.url("/api/v1/stakeholders"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body[0]["name"], "Transport union");
    assert_eq!(body[0]["engagement"], "manage_closely");
    assert_eq!(body[0]["stance"], Value::Null);
    assert_eq!(body[0]["sensitive"], json!({}));
    assert_eq!(me.get("/stakeholders/new").await.status(), 403);
}
