//! Erasing a returnee's data on request, and the programme's retention period: a case manager
//! records the request, a programme manager refuses or approves it, and an approved request
//! anonymises the case at once.

use crate::common::*;
use domain::Role;

#[tokio::test]
async fn a_request_to_erase_is_recorded_then_refused_or_approved_by_a_programme_manager() {
    let app = spawn_app().await;
    let office = app.office("DKR").await;
    app.user("cm.erase", Role::CaseManager, Some(office)).await;
    app.user("pm.erase", Role::ProgrammeManager, Some(office))
        .await;
    let cm = app.signed_in("cm.erase").await;
    let pm = app.signed_in("pm.erase").await;
    let (id, number) = register_named(&app, &cm, "Khadija", "female").await;
    let case = format!("/cases/{id}");

    // An empty reason is refused on the field; what was typed is kept.
    let (_, page) = cm.get_text(&case).await;
    assert!(
        page.contains("Erasing the returnee&#39;s data")
            || page.contains("Erasing the returnee's data")
    );
    let csrf = csrf_of(&page);
    let res = cm
        .post_form(&format!("{case}/erasure"), &csrf, &[("reason", "   ")])
        .await;
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(page.contains("id=\"erasure-error\""), "{page}");

    // Recorded; a second click does not record it twice.
    let why = "Asked by phone on 3 March to delete everything";
    for _ in 0..2 {
        let res = cm
            .post_form(&format!("{case}/erasure"), &csrf, &[("reason", why)])
            .await;
        assert_eq!(res.status(), 303);
    }
    let (_, page) = cm.get_text(&case).await;
    assert!(page.contains("cm.erase name recorded a request"), "{page}");
    assert!(page.contains(why));
    assert!(
        !page.contains("erasure/approve"),
        "a case manager does not decide"
    );
    let res = cm
        .post_form(&format!("{case}/erasure/approve"), &csrf, &[])
        .await;
    assert_eq!(res.status(), 403);

    // Not among the case manager's approvals: they may not decide it.
    let (_, theirs) = cm.get_text("/approvals").await;
    assert!(!theirs.contains(&format!("{case}#erasure")));
    // The programme manager finds it among their approvals, and refuses it with a reason.
    let (_, approvals) = pm.get_text("/approvals").await;
    assert!(approvals.contains(&number));
    assert!(approvals.contains(&format!("{case}#erasure")));
    let pm_csrf = pm.csrf(&case).await;
    let res = pm
        .post_form(&format!("{case}/erasure/refuse"), &pm_csrf, &[("why", "")])
        .await;
    assert_eq!(res.status(), 422);
    let res = pm
        .post_form(
            &format!("{case}/erasure/refuse"),
            &pm_csrf,
            &[("why", "Legal hold while the grant is audited")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let (_, page) = cm.get_text(&case).await;
    assert!(!page.contains("recorded a request"));

    // Asked again, and approved: the case is anonymised at once.
    cm.post_form(&format!("{case}/erasure"), &csrf, &[("reason", why)])
        .await;
    let res = pm
        .post_form(&format!("{case}/erasure/approve"), &pm_csrf, &[])
        .await;
    assert_eq!(res.status(), 303);
    let (_, page) = cm.get_text(&case).await;
    assert!(page.contains("This case was anonymised on"), "{page}");
    assert!(page.contains("Anonymised returnee"));
    for gone in [
        "Khadija",
        "Diallo",
        "+221 77 000 00 00",
        "Moussa",
        "Goudiry",
        "1995-03-14",
    ] {
        assert!(!page.contains(gone), "{gone} still on the page");
    }
    assert!(page.contains(&number), "the case number stays");
    assert!(
        page.contains("25 or more"),
        "the age band only, not the age"
    );
    let (_, list) = cm.get_text(&format!("/cases?q={number}")).await;
    assert!(
        list.contains("Anonymised returnee"),
        "named so in the list, not blank"
    );
    assert!(!page.contains(&format!("{case}/edit")), "no edit link");
    // It cannot be edited back, by the page or the API.
    let token = api_token(&cm).await;
    let res = cm
        .http
        .put(format!("{}/api/v1/cases/{id}", cm.base()))
        .bearer_auth(&token)
        .json(&serde_json::json!({"version": 99, "profile": profile_json("Khadija", "Diallo")}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 409);
    // Not found by name any more; found by its number.
    let (_, list) = cm.get_text("/cases?q=khadija").await;
    assert!(!list.contains(&id));
    let (_, list) = cm.get_text(&format!("/cases?q={number}")).await;
    assert!(list.contains(&id));
    // The audit trail says what happened, without the values.
    let (_, trail) = pm.get_text(&format!("{case}/audit")).await;
    assert!(trail.contains("Personal data removed"), "{trail}");
    assert!(!trail.contains("Khadija"));
    // Nothing left to ask for.
    let res = cm
        .post_form(&format!("{case}/erasure"), &csrf, &[("reason", why)])
        .await;
    assert_eq!(res.status(), 422);
}

#[tokio::test]
async fn the_programme_sets_how_long_closed_cases_are_kept() {
    let app = spawn_app().await;
    let office = app.office("DKR").await;
    app.user("pm.keep", Role::ProgrammeManager, Some(office))
        .await;
    app.user("cm.keep", Role::CaseManager, Some(office)).await;
    let pm = app.signed_in("pm.keep").await;
    let csrf = pm.csrf("/programme").await;
    let res = pm
        .post_form(
            "/programme/retention",
            &csrf,
            &[("retention_months", "two years")],
        )
        .await;
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(page.contains("whole number of months from 1 to 120"));
    assert!(
        page.contains("value=\"two years\""),
        "what was typed is kept"
    );
    let res = pm
        .post_form("/programme/retention", &csrf, &[("retention_months", "24")])
        .await;
    assert_eq!(res.status(), 200);
    let page = res.text().await.unwrap();
    assert!(page.contains("The retention period is saved"));
    assert!(page.contains("value=\"24\""));
    // Only those who manage the programme set it.
    let cm = app.signed_in("cm.keep").await;
    let csrf = cm.csrf("/account").await;
    let res = cm
        .post_form("/programme/retention", &csrf, &[("retention_months", "1")])
        .await;
    assert_eq!(res.status(), 403);
}
