//! The service map, stakeholder map and referrals, through the pages and the API as their users
//! use them: what a partner can and cannot see, provider links, consent withdrawal, and the
//! audit entry of every disclosure.

use crate::common::*;
use domain::Role;
use serde_json::{Value, json};
use store::{AuditScope, NewReferralLink};

fn referral_id_of(location: &str) -> String {
    location.rsplit('/').next().unwrap().to_string()
}

async fn disclosures(app: &TestApp, referral: &str) -> Vec<String> {
    app.store
        .audit_for_record("referral", referral, AuditScope::ChangesAndViews)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == domain::audit::AuditAction::Disclose)
        .map(|e| e.reason.unwrap_or_default())
        .collect()
}

#[tokio::test]
async fn service_map_referral_partner_and_link_journey() {
    let app = spawn_app().await;
    let a = app.office("DKR").await;
    let b = app.office("TAM").await;
    app.user("pm.dkr", Role::ProgrammeManager, Some(a)).await;
    app.user("cm.dkr", Role::CaseManager, Some(a)).await;
    app.user("me.dkr", Role::MeOfficer, Some(a)).await;
    app.user("viewer", Role::Viewer, None).await;
    app.user("admin", Role::Admin, None).await;
    let pm = app.signed_in("pm.dkr").await;
    let cm = app.signed_in("cm.dkr").await;

    // The programme manager maps a clinic and its service, with the referral procedure.
    let csrf = pm.csrf("/providers/new").await;
    let res = pm
        .post_form(
            "/providers",
            &csrf,
            &[("name", ""), ("phone", "+221 33 000")],
        )
        .await;
    assert_eq!(res.status(), 422, "a provider needs a name");
    let page = res.text().await.unwrap();
    assert!(page.contains("+221 33 000"), "what was typed is kept");
    let res = pm
        .post_form(
            "/providers",
            &csrf,
            &[("name", "Clinique Medina"), ("sector", "private")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let provider = referral_id_of(&location(&res));
    let res = pm
        .post_form(
            "/providers",
            &csrf,
            &[("name", "Hopital de Thies"), ("sector", "public")],
        )
        .await;
    let other_provider = referral_id_of(&location(&res));
    let service_form = |provider: &str| {
        vec![
            ("provider", provider.to_string()),
            ("name", "Chronic care consultations".to_string()),
            ("category", "health".to_string()),
            ("area", "Dakar".to_string()),
            ("languages", "Wolof, French".to_string()),
            ("hours", "Mon–Sat 8–17".to_string()),
            ("available", "yes".to_string()),
            ("quality", "adequate".to_string()),
            ("accessible", "no".to_string()),
            ("barriers", "cost".to_string()),
            ("serves_returnees", "yes".to_string()),
            ("open_to_local_population", "yes".to_string()),
            ("answer_days", "3".to_string()),
            (
                "sop_first_contact",
                "Ask for the social worker at reception".to_string(),
            ),
        ]
    };
    let form = service_form(&provider);
    let fields: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let res = pm.post_form("/services", &csrf, &fields).await;
    assert_eq!(res.status(), 303);
    let service = referral_id_of(&location(&res));
    let form = service_form(&other_provider);
    let fields: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let res = pm.post_form("/services", &csrf, &fields).await;
    let other_service = referral_id_of(&location(&res));

    // Partners belong to their organisation (set on the accounts page).
    let admin_c = app.signed_in("admin").await;
    let csrf_admin = admin_c.csrf("/admin/users").await;
    let res = admin_c
        .post_form(
            "/admin/users",
            &csrf_admin,
            &[
                ("username", "clinic.staff"),
                ("display_name", "Clinic staff"),
                ("role", "partner"),
                ("office", &a.to_string()),
            ],
        )
        .await;
    assert_eq!(res.status(), 422, "a partner needs an organisation");
    let res = admin_c
        .post_form(
            "/admin/users",
            &csrf_admin,
            &[
                ("username", "clinic.staff"),
                ("display_name", "Clinic staff"),
                ("role", "partner"),
                ("office", &a.to_string()),
                ("organisation", &provider),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
    let staff = app
        .store
        .user_by_username(&domain::Username::parse("clinic.staff").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        staff.organisation.map(|p| p.to_string()),
        Some(provider.clone())
    );
    for (user, p, office) in [
        ("partner.a", &provider, a),
        ("partner.b", &other_provider, b),
    ] {
        let u = app.user(user, Role::Partner, Some(office)).await;
        app.store
            .set_user_organisation(
                u.id,
                Some(p.parse().unwrap()),
                store::AuditContext::system(time::OffsetDateTime::now_utc(), "test"),
            )
            .await
            .unwrap();
    }

    // Search by category, place and language; the gap and the review-due list.
    let (_, page) = pm
        .get_text("/services?category=health&area=dakar&language=wolof")
        .await;
    assert!(page.contains("Chronic care consultations"));
    assert!(page.contains("Accessibility gap"));
    assert!(page.contains("Due for review"));
    let (_, page) = pm.get_text("/services?category=housing").await;
    assert!(page.contains("No service matches this search."));
    let (status, _) = app.signed_in("viewer").await.get_text("/services").await;
    assert_eq!(status, 403);

    // The case manager refers a returnee; the procedure is shown when choosing the service.
    let (case_url, _) = register_recent_return(&cm).await;
    let case_id = case_url.trim_start_matches("/cases/").to_string();
    let (status, page) = cm
        .get_text(&format!("/cases/{case_id}/referrals?service={service}"))
        .await;
    assert_eq!(status, 200);
    assert!(page.contains("Ask for the social worker at reception"));
    let csrf = csrf_of(&page);
    let refer = |extra: Vec<(&'static str, &'static str)>| {
        let mut f = vec![
            ("referral_reason", "Diabetes follow-up"),
            ("urgency", "routine"),
            ("consent_date", "2026-01-05"),
            ("consent_method", "verbal_in_person"),
            ("consent_purpose", "Treatment at the clinic"),
            ("_action", "send"),
        ];
        f.extend(extra);
        f
    };
    let mut fields = refer(vec![("health_note", "Insulin twice a day")]);
    fields.push(("service", &service));
    let res = cm
        .post_form(&format!("/cases/{case_id}/referrals"), &csrf, &fields)
        .await;
    assert_eq!(res.status(), 422, "a note for an unticked section");
    let page = res.text().await.unwrap();
    assert!(page.contains("tick its section above, or clear it"));
    assert!(page.contains("Insulin twice a day"), "input kept");
    let mut fields = refer(vec![]);
    fields.push(("service", &service));
    let res = cm
        .post_form(&format!("/cases/{case_id}/referrals"), &csrf, &fields)
        .await;
    assert_eq!(res.status(), 303);
    let ref_url = location(&res);
    let referral = referral_id_of(&ref_url);
    let (_, page) = cm.get_text(&ref_url).await;
    assert!(page.contains("Sent, waiting for an answer"));
    assert!(page.contains("What the provider sees"));

    // The partner of the clinic sees the consented parts only.
    let pa = app.signed_in("partner.a").await;
    let (_, page) = pa.get_text("/referrals").await;
    assert!(page.contains("Aminata Diallo"));
    let (status, page) = pa.get_text(&format!("/referrals/{referral}")).await;
    assert_eq!(status, 200);
    assert!(page.contains("Aminata Diallo") && page.contains("Diabetes follow-up"));
    assert!(page.contains("+221 77 000 00 00"), "contact travels");
    assert!(!page.contains("Moussa"), "household was not consented");
    assert!(!page.contains("Debt"), "vulnerabilities were not consented");
    // The case's referral pages are out of the partner's reach: answered as if they did not
    // exist.
    for hidden in [
        format!("/cases/{case_id}/referrals"),
        format!("/cases/{case_id}/referrals/{referral}"),
    ] {
        assert_eq!(pa.get(&hidden).await.status(), 404, "{hidden}");
    }
    // Screens a partner may never use (case pages, staff's printing) are refused outright.
    let slip = format!("/cases/{case_id}/referrals/{referral}/slip");
    for forbidden in [
        case_url.as_str(),
        slip.as_str(),
        "/services",
        "/stakeholders",
        "/cases",
    ] {
        assert_eq!(pa.get(forbidden).await.status(), 403, "{forbidden}");
    }
    let token = api_token(&pa).await;
    let api = reqwest::Client::new();
    let get = |path: String, token: String| {
        let api = api.clone();
        let url = app.url(&path);
        async move {
            let res = api.get(url).bearer_auth(token).send().await.unwrap();
            let status = res.status().as_u16();
            (status, res.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let (status, body) = get(format!("/api/v1/referrals/{referral}"), token.clone()).await;
    assert_eq!(status, 200);
    assert_eq!(body["shared"]["name"], "Aminata Diallo");
    assert_eq!(body["shared"]["household"], Value::Null);
    assert_eq!(body["shared"]["health"], Value::Null);
    let (_, list) = get("/api/v1/referrals".into(), token.clone()).await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(
        list[0]["shared"],
        Value::Null,
        "lists carry no personal data"
    );
    for path in [
        format!("/api/v1/cases/{case_id}"),
        "/api/v1/cases".to_string(),
        "/api/v1/services".to_string(),
    ] {
        assert_eq!(get(path.clone(), token.clone()).await.0, 403, "{path}");
    }
    let path = format!("/api/v1/cases/{case_id}/referrals");
    assert_eq!(get(path.clone(), token.clone()).await.0, 404, "{path}");

    // Another organisation's partner sees nothing of it, on pages or through the API.
    let pb = app.signed_in("partner.b").await;
    let (_, page) = pb.get_text("/referrals").await;
    assert!(!page.contains("Aminata"));
    // Another organisation's referral is one they may not know exists.
    assert_eq!(
        pb.get(&format!("/referrals/{referral}")).await.status(),
        404
    );
    let token_b = api_token(&pb).await;
    assert_eq!(
        get(format!("/api/v1/referrals/{referral}"), token_b.clone())
            .await
            .0,
        404
    );
    let (_, list) = get("/api/v1/referrals".into(), token_b.clone()).await;
    assert_eq!(list, json!([]));
    let res = api
        .post(app.url(&format!("/api/v1/referrals/{referral}/respond")))
        .bearer_auth(&token_b)
        .json(&json!({"step": "accept", "version": 2}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);

    // While the referral awaits an answer, its page says by when.
    let (_, page) = cm.get_text(&ref_url).await;
    assert!(page.contains("should answer by"));
    // The partner accepts, then confirms delivery; the case manager sees it on the case.
    let csrf_pa = csrf_of(&pa.get_text(&format!("/referrals/{referral}")).await.1);
    let res = pa
        .post_form(
            &format!("/referrals/{referral}/respond"),
            &csrf_pa,
            &[("step", "decline"), ("note", "")],
        )
        .await;
    assert_eq!(res.status(), 422, "declining needs a reason");
    for step in ["accept", "complete"] {
        let res = pa
            .post_form(
                &format!("/referrals/{referral}/respond"),
                &csrf_pa,
                &[("step", step), ("note", "Seen by Dr Sow")],
            )
            .await;
        assert_eq!(res.status(), 303, "{step}");
    }
    let (_, page) = cm.get_text(&ref_url).await;
    assert!(page.contains("Service delivered"));
    assert!(
        !page.contains("should answer by"),
        "no answer is awaited once given"
    );
    assert!(page.contains("Seen by Dr Sow"));
    assert!(page.contains("partner.a name"), "who saw it");
    let seen = disclosures(&app, &referral).await;
    assert!(seen.iter().any(|r| r == "viewed by partner"));
    assert!(seen.iter().any(|r| r == "read by partner through the API"));

    // The printable slip is a disclosure too.
    let (status, page) = cm.get_text(&format!("{ref_url}/slip")).await;
    assert_eq!(status, 200);
    assert!(page.contains("Referral slip") && page.contains("Diabetes follow-up"));
    assert!(
        disclosures(&app, &referral)
            .await
            .contains(&"referral slip printed".to_string())
    );

    // A second referral, to the other organisation, answered through a link.
    let csrf = cm.csrf(&format!("/cases/{case_id}/referrals")).await;
    let mut fields = refer(vec![
        ("sections", "household"),
        ("sections", "health"),
        ("health_note", "Insulin twice a day"),
    ]);
    fields.push(("service", &other_service));
    let res = cm
        .post_form(&format!("/cases/{case_id}/referrals"), &csrf, &fields)
        .await;
    let ref2_url = location(&res);
    let referral2 = referral_id_of(&ref2_url);
    let res = cm
        .post_form(&format!("{ref2_url}/links"), &csrf, &[("days", "90")])
        .await;
    assert_eq!(res.status(), 422, "links work for 60 days at most");
    let res = cm
        .post_form(&format!("{ref2_url}/links"), &csrf, &[("days", "14")])
        .await;
    let page = res.text().await.unwrap();
    let marker = "id=\"new-link\">";
    let link = page[page.find(marker).unwrap() + marker.len()..]
        .split('<')
        .next()
        .unwrap()
        .to_string();
    let link_path = link[link.find("/r/").unwrap()..].to_string();
    let anonymous = Client::new(&app);
    let (status, page) = anonymous.get_text(&link_path).await;
    assert_eq!(status, 200);
    assert!(page.contains("Insulin twice a day") && page.contains("Moussa Diallo"));
    assert!(!page.contains("Debt"), "protection was not consented");
    assert!(!page.contains("/cases/"), "no way into the case");
    let res = anonymous
        .post_form(&link_path, "", &[("step", "accept"), ("note", "")])
        .await;
    assert_eq!(res.status(), 303);
    let r2 = app
        .store
        .referral(referral2.parse().unwrap())
        .await
        .unwrap();
    assert_eq!(r2.status, domain::referral::ReferralStatus::Accepted);
    assert!(
        disclosures(&app, &referral2)
            .await
            .contains(&"provider link opened".to_string())
    );
    // Revoked: the link shows nothing.
    let (_, page) = cm.get_text(&ref2_url).await;
    let link_id = page
        .split("/links/")
        .nth(1)
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .to_string();
    let res = cm
        .post_form(&format!("{ref2_url}/links/{link_id}/revoke"), &csrf, &[])
        .await;
    assert_eq!(res.status(), 303);
    let (status, page) = anonymous.get_text(&link_path).await;
    assert_eq!(status, 404);
    assert!(page.contains("This link does not work") && !page.contains("Aminata"));
    // Expired: the same.
    app.store
        .create_referral_link(
            NewReferralLink {
                id: uuid::Uuid::new_v4(),
                referral: referral2.parse().unwrap(),
                token_hash: web::auth::hash_token("expired-token"),
                expires_at: time::OffsetDateTime::now_utc() - time::Duration::hours(1),
            },
            store::AuditContext::system(time::OffsetDateTime::now_utc(), "test"),
        )
        .await
        .unwrap();
    let (status, page) = anonymous.get_text("/r/expired-token").await;
    assert_eq!(status, 404);
    assert!(!page.contains("Aminata"));

    // Withdrawing consent for the case stops every disclosure at once.
    let res = cm
        .post_form(&format!("{ref2_url}/links"), &csrf, &[("days", "14")])
        .await;
    let page = res.text().await.unwrap();
    let link = page[page.find(marker).unwrap() + marker.len()..]
        .split('<')
        .next()
        .unwrap()
        .to_string();
    let live_link = link[link.find("/r/").unwrap()..].to_string();
    assert_eq!(anonymous.get(&live_link).await.status(), 200);
    for decision in ["given", "withdrawn"] {
        let res = cm
            .post_form(
                &format!("/cases/{case_id}/consents"),
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
    assert_eq!(anonymous.get(&live_link).await.status(), 404);
    assert_eq!(
        pa.get(&format!("/referrals/{referral}")).await.status(),
        403
    );
    assert_eq!(
        get(format!("/api/v1/referrals/{referral}"), token.clone())
            .await
            .0,
        403
    );
    let (_, page) = pa.get_text("/referrals").await;
    assert!(
        !page.contains("Aminata"),
        "no name once consent is withdrawn"
    );
    let (_, page) = cm.get_text(&ref_url).await;
    assert!(page.contains("Consent withdrawn"));
}

#[tokio::test]
async fn consent_exception_overdue_answers_feedback_and_stakeholders() {
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

    // Referring without consent is an exception only a programme manager records.
    let service_s = service.to_string();
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
        .post_form(&format!("/cases/{case_id}/referrals"), &csrf, &exception)
        .await;
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(page.contains("Only a programme manager can record a referral without consent"));
    let mut no_consent = exception.clone();
    no_consent.retain(|(k, _)| !k.starts_with("override_"));
    let res = cm
        .post_form(&format!("/cases/{case_id}/referrals"), &csrf, &no_consent)
        .await;
    assert_eq!(res.status(), 422, "no consent, no sending");
    let pm_csrf = pm.csrf(&format!("/cases/{case_id}/referrals")).await;
    let res = pm
        .post_form(&format!("/cases/{case_id}/referrals"), &pm_csrf, &exception)
        .await;
    assert_eq!(res.status(), 303);
    let (_, page) = pm.get_text(&location(&res)).await;
    assert!(page.contains("Dr Ba, psychiatrist") && page.contains("Sent, waiting"));

    // A draft saved without consent is completed and sent later; a stale edit keeps the input.
    let mut draft = no_consent.clone();
    draft.retain(|(k, _)| *k != "_action");
    draft.push(("_action", "draft"));
    let res = cm
        .post_form(&format!("/cases/{case_id}/referrals"), &csrf, &draft)
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
        .post_form(&format!("{draft_url}/edit"), &csrf, &stale)
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
        .post_form(&format!("{draft_url}/edit"), &csrf, &completed)
        .await;
    assert_eq!(res.status(), 303);
    let (_, page) = cm.get_text(&draft_url).await;
    assert!(page.contains("Sent, waiting for an answer"));
    assert!(page.contains("Emergency psychiatric care"));

    // Unanswered past the agreed time: on the case manager's work list.
    send_referral(&app, case_id, service, &cm_user).await;
    let (_, page) = cm.get_text("/my-work").await;
    assert!(page.contains("No answer to the referral to Consultations at Clinic A"));

    // A returnee's feedback proposes an update; the programme manager accepts it.
    let res = cm
        .post_form(
            &format!("/cases/{case_id}/service-feedback"),
            &csrf,
            &[
                ("service", &service_s),
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
            &csrf,
            &[
                ("service", &service_s),
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
            &pm_csrf,
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

    // Stakeholders: the grid for everyone on staff, the sensitive columns for programme staff.
    let res = pm
        .post_form(
            "/stakeholders",
            &pm_csrf,
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
            &pm_csrf,
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
    let token = api_token(&cm).await;
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

#[tokio::test]
async fn the_api_maps_services_and_walks_a_referral() {
    let app = spawn_app().await;
    let a = app.office("DKR").await;
    app.user("pm.dkr", Role::ProgrammeManager, Some(a)).await;
    app.user("cm.dkr", Role::CaseManager, Some(a)).await;
    let pm = app.signed_in("pm.dkr").await;
    let cm = app.signed_in("cm.dkr").await;
    let pm_token = api_token(&pm).await;
    let cm_token = api_token(&cm).await;
    let http = reqwest::Client::new();
    let call = |method: reqwest::Method, path: &str, token: &str, body: Option<Value>| {
        let mut r = http.request(method, app.url(path)).bearer_auth(token);
        if let Some(b) = body {
            r = r.json(&b);
        }
        async move {
            let res = r.send().await.unwrap();
            (
                res.status().as_u16(),
                res.json::<Value>().await.unwrap_or(Value::Null),
            )
        }
    };
    let (status, p) = call(
        reqwest::Method::POST,
        "/api/v1/providers",
        &pm_token,
        Some(json!({"name": "Legal aid", "sector": "non_profit"})),
    )
    .await;
    assert_eq!(status, 201);
    let pid = p["id"].as_str().unwrap().to_string();
    let (status, body) = call(
        reqwest::Method::POST,
        "/api/v1/services",
        &pm_token,
        Some(json!({"provider": pid, "service": {"name": "", "category": "legal_justice", "place": "Dakar"}})),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(body["error"]["fields"][0]["field"], "name");
    let (status, s) = call(
        reqwest::Method::POST,
        "/api/v1/services",
        &pm_token,
        Some(json!({"provider": pid, "service": {"name": "Free legal advice", "category": "legal_justice", "place": "Dakar", "languages": ["Wolof"], "answer_days": 4}})),
    )
    .await;
    assert_eq!(status, 201);
    assert_eq!(s["dimension"], "social");
    let sid = s["id"].as_str().unwrap().to_string();
    let (status, update) = call(
        reqwest::Method::PUT,
        &format!("/api/v1/services/{sid}"),
        &pm_token,
        Some(json!({"version": 7, "provider": pid, "service": {"name": "x", "category": "legal_justice", "place": "Dakar"}})),
    )
    .await;
    assert_eq!(status, 409, "{update}");
    let (_, found) = call(
        reqwest::Method::GET,
        "/api/v1/services?dimension=social&language=wolof",
        &cm_token,
        None,
    )
    .await;
    assert_eq!(found.as_array().unwrap().len(), 1);
    let (_, found) = call(
        reqwest::Method::GET,
        "/api/v1/services?category=health",
        &cm_token,
        None,
    )
    .await;
    assert_eq!(found, json!([]));

    let (case_url, _) = register_recent_return(&cm).await;
    let case_id = case_url.trim_start_matches("/cases/");
    let (status, r) = call(
        reqwest::Method::POST,
        &format!("/api/v1/cases/{case_id}/referrals"),
        &cm_token,
        Some(json!({"service": sid, "content": {"reason": "Needs a birth certificate", "urgency": "routine"}, "send": true})),
    )
    .await;
    assert_eq!(status, 422, "no consent: {r}");
    let (status, r) = call(
        reqwest::Method::POST,
        &format!("/api/v1/cases/{case_id}/referrals"),
        &cm_token,
        Some(json!({"service": sid, "content": {"reason": "Needs a birth certificate", "urgency": "routine"}})),
    )
    .await;
    assert_eq!(status, 201);
    assert_eq!(r["status"], "draft");
    let rid = r["id"].as_str().unwrap().to_string();
    let (status, _) = call(
        reqwest::Method::POST,
        &format!("/api/v1/cases/{case_id}/referrals/{rid}/steps"),
        &cm_token,
        Some(json!({"step": "send", "version": r["version"]})),
    )
    .await;
    assert_eq!(status, 422, "a draft without consent cannot be sent");
    let (status, r) = call(
        reqwest::Method::POST,
        &format!("/api/v1/cases/{case_id}/referrals/{rid}/steps"),
        &cm_token,
        Some(json!({"step": "cancel", "note": "Found documents at home", "version": r["version"]})),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(r["status"], "cancelled");
    let (_, list) = call(
        reqwest::Method::GET,
        &format!("/api/v1/cases/{case_id}/referrals"),
        &cm_token,
        None,
    )
    .await;
    assert_eq!(
        list[0]["content"]["sections"],
        json!(["identity", "contact", "reason"])
    );
    let (status, _) = call(
        reqwest::Method::POST,
        &format!("/api/v1/cases/{case_id}/referrals/{rid}/links"),
        &cm_token,
        Some(json!({"days": 5})),
    )
    .await;
    assert_eq!(status, 422, "no link for a cancelled referral");
    let (_, doc) = call(
        reqwest::Method::GET,
        "/api/v1/openapi.json",
        &cm_token,
        None,
    )
    .await;
    for path in [
        "/api/v1/providers",
        "/api/v1/services/{service}",
        "/api/v1/stakeholders",
        "/api/v1/referrals/{ref}/respond",
        "/api/v1/cases/{id}/referrals/{ref}/links",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path} documented");
    }
}
