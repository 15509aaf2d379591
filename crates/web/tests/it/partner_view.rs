//! What a partner sees of a referral as the case moves on: gone from their list once consent is
//! withdrawn; told the case is closed, and why the referral goes on, after closure.

use crate::common::*;
use domain::Role;

#[tokio::test]
async fn a_withdrawn_referral_leaves_the_partners_list() {
    let app = spawn_app().await;
    let office = app.office("DKR").await;
    let cm_user = app.user("cm.one", Role::CaseManager, Some(office)).await;
    let (provider, service) = map_service(&app, "Clinic A", "Dakar").await;
    let partner = app.user("partner.a", Role::Partner, Some(office)).await;
    join_provider(&app, &partner, provider).await;
    let cm = app.signed_in("cm.one").await;
    let (case_url, csrf) = register_recent_return(&cm).await;
    let case: domain::CaseId = case_url.trim_start_matches("/cases/").parse().unwrap();
    let referral = send_referral(&app, case, service, &cm_user).await;
    let pa = app.signed_in("partner.a").await;
    let (_, page) = pa.get_text("/referrals").await;
    assert!(page.contains(&referral.to_string()), "listed while shared");

    for decision in ["given", "withdrawn"] {
        let res = cm
            .post_form(
                &format!("/cases/{case}/consents"),
                &csrf,
                &[
                    ("purpose", "sharing_with_providers"),
                    ("decision", decision),
                    ("method", "verbal_in_person"),
                    ("date", &crate::common::today().to_string()),
                ],
            )
            .await;
        assert_eq!(res.status(), 303, "{decision}");
    }
    let (status, page) = pa.get_text("/referrals").await;
    assert_eq!(status, 200);
    assert!(
        !page.contains(&referral.to_string()),
        "gone from the partner's list once consent is withdrawn"
    );
    assert!(!page.contains("Clinic A"), "{page}");
    let (_, staff_page) = cm
        .get_text(&format!("{case_url}/referrals/{referral}"))
        .await;
    assert!(
        staff_page.contains("Consent withdrawn"),
        "staff still see it"
    );
}

/// After closure, a referral carried over says so to the partner, with why it goes on.
#[tokio::test]
async fn a_referral_carried_over_at_closure_tells_the_partner_the_case_is_closed() {
    let app = spawn_app().await;
    let office = app.office("DKR").await;
    let cm_user = app.user("cm.one", Role::CaseManager, Some(office)).await;
    app.user("pm.one", Role::ProgrammeManager, Some(office))
        .await;
    let (provider, service) = map_service(&app, "Clinic A", "Dakar").await;
    let partner = app.user("partner.a", Role::Partner, Some(office)).await;
    join_provider(&app, &partner, provider).await;
    let cm = app.signed_in("cm.one").await;
    let pm = app.signed_in("pm.one").await;
    let (case_url, csrf) = register_recent_return(&cm).await;
    let case: domain::CaseId = case_url.trim_start_matches("/cases/").parse().unwrap();
    let referral = send_referral(&app, case, service, &cm_user).await;

    let today = crate::common::today().to_string();
    let key = format!("referral:{referral}");
    let res = cm
        .post_form(
            &format!("{case_url}/closure"),
            &csrf,
            &[
                ("closed_on", today.as_str()),
                ("closure_reason", "planned_end"),
                ("needs_met", "Settled"),
                ("no_final_survey_reason", "Moved away"),
                ("carry_item", key.as_str()),
                ("carry_reason", "The clinic goes on treating her diabetes"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let pm_csrf = pm.csrf(&format!("{case_url}/closure")).await;
    let res = pm
        .post_form(&format!("{case_url}/closure/approve"), &pm_csrf, &[])
        .await;
    assert_eq!(res.status(), 303);

    let pa = app.signed_in("partner.a").await;
    let (status, page) = pa.get_text(&format!("/referrals/{referral}")).await;
    assert_eq!(status, 200);
    assert!(
        page.contains(&format!(
            "The returnee&#39;s case was closed on {}.",
            en_date(crate::common::today())
        )) || page.contains(&format!("The returnee's case was closed on {today}.")),
        "{page}"
    );
    assert!(page.contains("The clinic goes on treating her diabetes"));
}
