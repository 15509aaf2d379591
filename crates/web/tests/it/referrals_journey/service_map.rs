//! The service map and a referral through the pages, the API and a provider link: what each
//! partner organisation can see, the answers, the slip, links revoked and expired, and consent
//! withdrawn stopping every disclosure.

use super::{disclosures, referral_id_of};
use crate::common::*;
use domain::Role;
use serde_json::{Value, json};
use store::NewReferralLink;

/// Two offices (Dakar and Tambacounda), with Dakar's programme and case managers signed in.
struct Journey {
    app: TestApp,
    a: domain::OfficeId,
    b: domain::OfficeId,
    pm: Client,
    cm: Client,
}

impl Journey {
    async fn start() -> Journey {
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
        Journey { app, a, b, pm, cm }
    }
}

/// The clinic and the hospital on the service map, each with its service.
struct Map {
    provider: String,
    other_provider: String,
    service: String,
    other_service: String,
}

/// The returnee's case and their referral to the clinic.
struct Referred {
    case_url: String,
    case_id: String,
    ref_url: String,
    referral: String,
}

/// The clinic's partner, signed in, with a personal API token, and an API client.
struct Partner<'a> {
    app: &'a TestApp,
    pa: Client,
    token: String,
    api: reqwest::Client,
}

impl<'a> Partner<'a> {
    async fn new(j: &'a Journey, pa: Client) -> Partner<'a> {
        let Journey { app, .. } = j;
        let token = api_token(&pa).await;
        let api = reqwest::Client::new();
        Partner {
            app,
            pa,
            token,
            api,
        }
    }

    /// Reads `path` through the API with `token`; the status and the JSON answer (or null).
    async fn get(&self, path: String, token: String) -> (u16, Value) {
        let Partner { app, api, .. } = self;
        let api = api.clone();
        let url = app.url(&path);
        let res = api.get(url).bearer_auth(token).send().await.unwrap();
        let status = res.status().as_u16();
        (status, res.json::<Value>().await.unwrap_or(Value::Null))
    }
}

/// The second referral, to the other organisation, and the link it is answered through.
struct Link {
    csrf: String,
    ref2_url: String,
    referral2: String,
    marker: &'static str,
    link_path: String,
    anonymous: Client,
}

/// A referral's fields, with consent, to send; then `extra`.
fn refer(extra: Vec<(&'static str, &'static str)>) -> Vec<(&'static str, &'static str)> {
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
}

#[tokio::test]
async fn service_map_referral_partner_and_link_journey() {
    let j = Journey::start().await;
    let map = the_programme_manager_maps_a_clinic_and_its_service_with_the_procedure(&j).await;
    partners_belong_to_their_organisation(&j, &map).await;
    services_are_searched_by_category_place_and_language(&j).await;
    let r = the_case_manager_refers_a_returnee_seeing_the_procedure(&j, &map).await;
    let pa = the_clinics_partner_sees_the_consented_parts_only(&j, &r).await;
    let partner = Partner::new(&j, pa).await;
    through_the_api_too_the_partner_gets_the_consented_parts_only(&partner, &r).await;
    another_organisations_partner_sees_nothing_of_it(&j, &partner, &r).await;
    the_partner_accepts_then_confirms_delivery_and_the_case_manager_sees_it(&j, &partner, &r).await;
    the_printable_slip_is_a_disclosure_too(&j, &r).await;
    let link = a_second_referral_is_answered_through_a_provider_link(&j, &map, &r).await;
    a_revoked_link_shows_nothing(&j, &link).await;
    an_expired_link_shows_nothing_either(&j, &link).await;
    withdrawing_consent_for_the_case_stops_every_disclosure_at_once(&j, &partner, &r, &link).await;
}

/// The programme manager maps a clinic and its service, with the referral procedure.
async fn the_programme_manager_maps_a_clinic_and_its_service_with_the_procedure(
    j: &Journey,
) -> Map {
    let Journey { pm, .. } = j;
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
    Map {
        provider,
        other_provider,
        service,
        other_service,
    }
}

/// Partners belong to their organisation (set on the accounts page).
async fn partners_belong_to_their_organisation(j: &Journey, map: &Map) {
    let Journey { app, .. } = j;
    let Map {
        provider,
        other_provider,
        ..
    } = map;
    let (a, b) = (j.a, j.b);
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
                ("organisation", provider),
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
}

/// Search by category, place and language; the gap and the review-due list.
async fn services_are_searched_by_category_place_and_language(j: &Journey) {
    let Journey { app, pm, .. } = j;
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
}

/// The case manager refers a returnee; the procedure is shown when choosing the service.
async fn the_case_manager_refers_a_returnee_seeing_the_procedure(
    j: &Journey,
    map: &Map,
) -> Referred {
    let Journey { cm, .. } = j;
    let Map { service, .. } = map;
    let (case_url, _) = register_recent_return(cm).await;
    let case_id = case_url.trim_start_matches("/cases/").to_string();
    let (status, page) = cm
        .get_text(&format!("/cases/{case_id}/referrals?service={service}"))
        .await;
    assert_eq!(status, 200);
    assert!(page.contains("Ask for the social worker at reception"));
    let csrf = csrf_of(&page);
    let mut fields = refer(vec![("health_note", "Insulin twice a day")]);
    fields.push(("service", service));
    let res = cm
        .post_form(&format!("/cases/{case_id}/referrals"), &csrf, &fields)
        .await;
    assert_eq!(res.status(), 422, "a note for an unticked section");
    let page = res.text().await.unwrap();
    assert!(page.contains("tick its section above, or clear it"));
    assert!(page.contains("Insulin twice a day"), "input kept");
    let mut fields = refer(vec![]);
    fields.push(("service", service));
    let res = cm
        .post_form(&format!("/cases/{case_id}/referrals"), &csrf, &fields)
        .await;
    assert_eq!(res.status(), 303);
    let ref_url = location(&res);
    let referral = referral_id_of(&ref_url);
    let (_, page) = cm.get_text(&ref_url).await;
    assert!(page.contains("Sent, waiting for an answer"));
    assert!(page.contains("What the provider sees"));
    Referred {
        case_url,
        case_id,
        ref_url,
        referral,
    }
}

/// The partner of the clinic sees the consented parts only; the case's pages are out of reach.
async fn the_clinics_partner_sees_the_consented_parts_only(j: &Journey, r: &Referred) -> Client {
    let Journey { app, .. } = j;
    let Referred {
        case_url,
        case_id,
        referral,
        ..
    } = r;
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
    pa
}

/// Through the API too, the partner gets the consented parts only, and nothing of the case.
async fn through_the_api_too_the_partner_gets_the_consented_parts_only(
    partner: &Partner<'_>,
    r: &Referred,
) {
    let Partner { token, .. } = partner;
    let Referred {
        case_id, referral, ..
    } = r;
    let (status, body) = partner
        .get(format!("/api/v1/referrals/{referral}"), token.clone())
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["shared"]["name"], "Aminata Diallo");
    assert_eq!(body["shared"]["household"], Value::Null);
    assert_eq!(body["shared"]["health"], Value::Null);
    let (_, list) = partner.get("/api/v1/referrals".into(), token.clone()).await;
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
        assert_eq!(
            partner.get(path.clone(), token.clone()).await.0,
            403,
            "{path}"
        );
    }
    let path = format!("/api/v1/cases/{case_id}/referrals");
    assert_eq!(
        partner.get(path.clone(), token.clone()).await.0,
        404,
        "{path}"
    );
}

/// Another organisation's partner sees nothing of it, on pages or through the API.
async fn another_organisations_partner_sees_nothing_of_it(
    j: &Journey,
    partner: &Partner<'_>,
    r: &Referred,
) {
    let Journey { app, .. } = j;
    let Partner { api, .. } = partner;
    let Referred { referral, .. } = r;
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
        partner
            .get(format!("/api/v1/referrals/{referral}"), token_b.clone())
            .await
            .0,
        404
    );
    let (_, list) = partner
        .get("/api/v1/referrals".into(), token_b.clone())
        .await;
    assert_eq!(list, json!([]));
    let res = api
        .post(app.url(&format!("/api/v1/referrals/{referral}/respond")))
        .bearer_auth(&token_b)
        .json(&json!({"step": "accept", "version": 2}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
}

/// The partner accepts, then confirms delivery; the case manager sees it on the case.
async fn the_partner_accepts_then_confirms_delivery_and_the_case_manager_sees_it(
    j: &Journey,
    partner: &Partner<'_>,
    r: &Referred,
) {
    let Journey { app, cm, .. } = j;
    let Partner { pa, .. } = partner;
    let Referred {
        ref_url, referral, ..
    } = r;
    // While the referral awaits an answer, its page says by when.
    let (_, page) = cm.get_text(ref_url).await;
    assert!(page.contains("should answer by"));
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
    let (_, page) = cm.get_text(ref_url).await;
    assert!(page.contains("Service delivered"));
    assert!(
        !page.contains("should answer by"),
        "no answer is awaited once given"
    );
    assert!(page.contains("Seen by Dr Sow"));
    assert!(page.contains("partner.a name"), "who saw it");
    let seen = disclosures(app, referral).await;
    assert!(seen.iter().any(|r| r == "viewed by partner"));
    assert!(seen.iter().any(|r| r == "read by partner through the API"));
}

/// The printable slip is a disclosure too.
async fn the_printable_slip_is_a_disclosure_too(j: &Journey, r: &Referred) {
    let Journey { app, cm, .. } = j;
    let Referred {
        ref_url, referral, ..
    } = r;
    let (status, page) = cm.get_text(&format!("{ref_url}/slip")).await;
    assert_eq!(status, 200);
    assert!(page.contains("Referral slip") && page.contains("Diabetes follow-up"));
    assert!(
        disclosures(app, referral)
            .await
            .contains(&"referral slip printed".to_string())
    );
}

/// A second referral, to the other organisation, answered through a link.
async fn a_second_referral_is_answered_through_a_provider_link(
    j: &Journey,
    map: &Map,
    r: &Referred,
) -> Link {
    let Journey { app, cm, .. } = j;
    let Map { other_service, .. } = map;
    let Referred { case_id, .. } = r;
    let csrf = cm.csrf(&format!("/cases/{case_id}/referrals")).await;
    let mut fields = refer(vec![
        ("sections", "household"),
        ("sections", "health"),
        ("health_note", "Insulin twice a day"),
    ]);
    fields.push(("service", other_service));
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
    let anonymous = Client::new(app);
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
        disclosures(app, &referral2)
            .await
            .contains(&"provider link opened".to_string())
    );
    Link {
        csrf,
        ref2_url,
        referral2,
        marker,
        link_path,
        anonymous,
    }
}

/// Revoked: the link shows nothing.
async fn a_revoked_link_shows_nothing(j: &Journey, link: &Link) {
    let Journey { cm, .. } = j;
    let Link {
        csrf,
        ref2_url,
        link_path,
        anonymous,
        ..
    } = link;
    let (_, page) = cm.get_text(ref2_url).await;
    let link_id = page
        .split("/links/")
        .nth(1)
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .to_string();
    let res = cm
        .post_form(&format!("{ref2_url}/links/{link_id}/revoke"), csrf, &[])
        .await;
    assert_eq!(res.status(), 303);
    let (status, page) = anonymous.get_text(link_path).await;
    assert_eq!(status, 404);
    assert!(page.contains("This link does not work") && !page.contains("Aminata"));
}

/// Expired: the same.
async fn an_expired_link_shows_nothing_either(j: &Journey, link: &Link) {
    let Journey { app, .. } = j;
    let Link {
        referral2,
        anonymous,
        ..
    } = link;
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
}

/// Withdrawing consent for the case stops every disclosure at once.
async fn withdrawing_consent_for_the_case_stops_every_disclosure_at_once(
    j: &Journey,
    partner: &Partner<'_>,
    r: &Referred,
    link: &Link,
) {
    let Journey { cm, .. } = j;
    let Partner { pa, token, .. } = partner;
    let Referred {
        case_id,
        ref_url,
        referral,
        ..
    } = r;
    let Link {
        csrf,
        ref2_url,
        marker,
        anonymous,
        ..
    } = link;
    let res = cm
        .post_form(&format!("{ref2_url}/links"), csrf, &[("days", "14")])
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
                csrf,
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
        partner
            .get(format!("/api/v1/referrals/{referral}"), token.clone())
            .await
            .0,
        403
    );
    let (_, page) = pa.get_text("/referrals").await;
    assert!(
        !page.contains("Aminata"),
        "no name once consent is withdrawn"
    );
    let (_, page) = cm.get_text(ref_url).await;
    assert!(page.contains("Consent withdrawn"));
}
