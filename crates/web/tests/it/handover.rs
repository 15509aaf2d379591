//! Handing a case over between two instances started in the test (a host country's and an
//! origin country's): keys exchanged on the admin pages, the returnee's consent, a packet made
//! and received as a new case with its provenance; a replayed, a changed and a misaddressed
//! packet refused; and nothing outside the consent's scope in the packet's decrypted content.

use crate::common::*;
use domain::Role;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};
use store::{AuditContext, NewEntry, NewSubmission, SubmissionStatus, SubmissionUpdate};

/// An instance with an administrator and a case manager in one office, named `organisation`.
async fn instance(office: &str, organisation: &str) -> (TestApp, Client, Client, store::User) {
    let app = spawn_app().await;
    let o = app.office(office).await;
    app.user("admin.one", Role::Admin, None).await;
    let cm = app.user("cm.one", Role::CaseManager, Some(o)).await;
    let admin = app.signed_in("admin.one").await;
    let csrf = admin.csrf("/admin/handover").await;
    let res = admin
        .post_form(
            "/admin/handover/organisation",
            &csrf,
            &[("organisation", organisation)],
        )
        .await;
    assert_eq!(res.status(), 303);
    let cm_client = app.signed_in("cm.one").await;
    (app, admin, cm_client, cm)
}

/// `to` trusts `from`'s public key file, downloaded from `from`'s admin page.
async fn trust(from: &Client, to: &Client) {
    let key = from.get("/admin/handover/key").await;
    assert_eq!(key.status(), 200);
    let key = key.text().await.unwrap();
    let csrf = to.csrf("/admin/handover").await;
    let res = to
        .post_form("/admin/handover/partners", &csrf, &[("key_file", &key)])
        .await;
    assert_eq!(res.status(), 303);
}

/// A completed assessment about the case, answered with `marker`.
async fn assessment(
    app: &TestApp,
    by: &store::User,
    case: domain::CaseId,
    marker: &str,
) -> uuid::Uuid {
    let form = app
        .store
        .latest_published_form("rapid_vulnerability_screening")
        .await
        .unwrap();
    let id = uuid::Uuid::new_v4();
    let ctx = AuditContext::by(by.id, time::OffsetDateTime::now_utc());
    let answers = json!({ "note": marker }).to_string();
    app.store
        .create_submission(
            NewSubmission {
                id,
                form_id: form.info.form_id.clone(),
                form_version: form.info.version.clone(),
                subject: store::Subject::Case(case),
                answers: answers.clone(),
                interviewer: by.id,
                interview_date: today(),
            },
            ctx.clone(),
        )
        .await
        .unwrap();
    app.store
        .update_submission(
            SubmissionUpdate {
                id,
                expected_version: 1,
                answers,
                interview_date: today(),
                status: SubmissionStatus::Complete,
                score: None,
                follow_on: None,
            },
            ctx,
        )
        .await
        .unwrap();
    id
}

async fn upload(app: &TestApp, c: &Client, bytes: Vec<u8>) -> reqwest::Response {
    let csrf = c.csrf("/handovers/receive").await;
    let form = Form::new()
        .text("_csrf", csrf)
        .part("file", Part::bytes(bytes).file_name("packet.json"));
    c.http
        .post(app.url("/handovers/receive"))
        .multipart(form)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_case_travels_with_consent_and_only_what_it_names() {
    let (host, host_admin, host_cm, host_cm_user) = instance("TRP", "IOM Libya").await;
    let (origin, origin_admin, origin_cm, _) = instance("DKR", "IOM Senegal").await;
    trust(&host_admin, &origin_admin).await;
    trust(&origin_admin, &host_admin).await;
    let (_, page) = host_admin.get_text("/admin/handover").await;
    assert!(
        page.contains("IOM Senegal"),
        "the partner is listed: {page}"
    );

    // The host country's case: a counselling session with a sensitive note, two assessments.
    let (case_path, csrf) = register_recent_return(&host_cm).await;
    let case: domain::CaseId = case_path.trim_start_matches("/cases/").parse().unwrap();
    let number = host.store.case(case).await.unwrap().number.to_string();
    let session = json!({"date": today().to_string(), "kind": "first", "topics": "TOPIC-TEXT",
        "next_steps": "", "sensitive_notes": "SECRET-NOTE"});
    host.store
        .add_entry(
            NewEntry {
                id: uuid::Uuid::new_v4(),
                case,
                kind: store::EntryKind::Session,
                date: today(),
                body: session.to_string(),
                open: false,
                summary: today().to_string(),
            },
            domain::case::CaseStage::Assessment,
            AuditContext::by(host_cm_user.id, time::OffsetDateTime::now_utc()),
        )
        .await
        .unwrap();
    let chosen = assessment(&host, &host_cm_user, case, "CHOSEN-ASSESSMENT").await;
    assessment(&host, &host_cm_user, case, "UNCHOSEN-ASSESSMENT").await;

    // The consent page: without the returnee's agreement nothing is recorded, and what was
    // ticked is kept.
    let (status, page) = host_cm.get_text(&format!("{case_path}/handover")).await;
    assert_eq!(status, 200);
    assert!(page.contains("IOM Senegal"));
    let partner = host.store.trusted_partners().await.unwrap()[0]
        .key_id
        .clone();
    let chosen_s = chosen.to_string();
    let day = today().to_string();
    let mut form = vec![
        ("partner", partner.as_str()),
        ("consent_date", day.as_str()),
        ("consent_method", "written_in_person"),
        ("assessments", chosen_s.as_str()),
        ("shared", "counselling_notes"),
    ];
    let res = host_cm
        .post_form(&format!("{case_path}/handover"), &csrf, &form)
        .await;
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(page.contains("explicit consent"), "{page}");
    assert!(
        page.contains(&format!("value=\"{chosen}\" checked")),
        "ticks kept"
    );
    form.push(("agreed", "yes"));
    let res = host_cm
        .post_form(&format!("{case_path}/handover"), &csrf, &form)
        .await;
    assert_eq!(res.status(), 303);
    let handover = host.store.handovers_of(case).await.unwrap()[0].id;

    let res = host_cm
        .post_form(
            &format!("{case_path}/handover/{handover}/packet"),
            &csrf,
            &[],
        )
        .await;
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains(&number)
    );
    let packet = res.bytes().await.unwrap().to_vec();
    let text = String::from_utf8_lossy(&packet);
    assert!(
        !text.contains("Aminata") && !text.contains("TOPIC-TEXT"),
        "encrypted"
    );

    // What the origin instance can decrypt holds only what the consent names.
    let keys = origin.store.instance_keys().await.unwrap().unwrap();
    let partners = origin.store.trusted_partners().await.unwrap();
    let (_, _, plain) =
        app::handover::packet::open(&keys, &partners, &packet, time::OffsetDateTime::now_utc())
            .unwrap();
    let plain = String::from_utf8(plain).unwrap();
    assert!(
        plain.contains("Aminata") && plain.contains("TOPIC-TEXT"),
        "{plain}"
    );
    assert!(plain.contains("CHOSEN-ASSESSMENT"));
    assert!(
        !plain.contains("UNCHOSEN-ASSESSMENT"),
        "an assessment not chosen stays"
    );
    assert!(
        !plain.contains("SECRET-NOTE"),
        "sensitive notes never travel"
    );
    let content: Value = serde_json::from_str(&plain).unwrap();
    assert_eq!(content["consents"], json!([]), "consents were not named");
    assert_eq!(content["plan"], Value::Null);

    // Received at the origin: a new case in intake, with where it came from.
    let res = upload(&origin, &origin_cm, packet.clone()).await;
    assert_eq!(res.status(), 303);
    let received = location(&res);
    let (_, page) = origin_cm.get_text(&received).await;
    assert!(page.contains("Aminata Diallo"));
    assert!(page.contains("Handed over by IOM Libya"), "{page}");
    assert!(page.contains(&number), "their case number");
    assert!(page.contains("TOPIC-TEXT"));
    assert!(!page.contains("SECRET-NOTE"));
    let received_id: domain::CaseId = received.trim_start_matches("/cases/").parse().unwrap();
    let trail = origin
        .store
        .audit_for_record("case", &received_id.to_string(), store::AuditScope::Changes)
        .await
        .unwrap();
    assert!(
        trail
            .iter()
            .any(|e| e.action == domain::audit::AuditAction::HandoverReceive)
    );
    let sent_trail = host
        .store
        .audit_for_record("case", &case.to_string(), store::AuditScope::Changes)
        .await
        .unwrap();
    for action in [
        domain::audit::AuditAction::HandoverConsent,
        domain::audit::AuditAction::HandoverSend,
    ] {
        assert!(sent_trail.iter().any(|e| e.action == action), "{action:?}");
    }

    // Both case pages' histories name what happened in words.
    for (app, client, path, words) in [
        (&origin, &origin_cm, &received, "Received from a partner"),
        (&host, &host_cm, &case_path, "Hand-over packet made"),
    ] {
        let (_, page) = client.get_text(path).await;
        assert!(page.contains(words), "{page}");
        let missing = app.i18n.missing();
        assert!(missing.is_empty(), "words the catalogue lacks: {missing:?}");
    }

    // Received once only.
    let res = upload(&origin, &origin_cm, packet.clone()).await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("received already"));

    // A changed packet is refused.
    let mut envelope: Value = serde_json::from_slice(&packet).unwrap();
    let ct = envelope["ciphertext"].as_str().unwrap().to_string();
    let flipped = if ct.starts_with('A') { "B" } else { "A" };
    envelope["ciphertext"] = Value::String(format!("{flipped}{}", &ct[1..]));
    let res = upload(&origin, &origin_cm, serde_json::to_vec(&envelope).unwrap()).await;
    assert_eq!(res.status(), 422);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("changed after it was made")
    );

    // A packet addressed to another instance is refused.
    let res = upload(&host, &host_cm, packet.clone()).await;
    assert_eq!(res.status(), 422);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("addressed to another instance")
    );
}

#[tokio::test]
async fn the_api_records_consent_makes_and_receives_packets() {
    let (host, host_admin, host_cm, _) = instance("TRP", "IOM Libya").await;
    let (origin, origin_admin, origin_cm, _) = instance("DKR", "IOM Senegal").await;
    trust(&host_admin, &origin_admin).await;
    let host_token = api_token(&host_admin).await;
    let api = reqwest::Client::new();
    // Trusting through the API, from the key file the origin's API gives.
    let origin_token = api_token(&origin_admin).await;
    let key: Value = api_get_json(&origin, &origin_token, "/api/v1/handover/key").await;
    let res = api
        .post(host.url("/api/v1/handover/partners"))
        .bearer_auth(&host_token)
        .json(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let partner: Value = res.json().await.unwrap();
    let again = api
        .post(host.url("/api/v1/handover/partners"))
        .bearer_auth(&host_token)
        .json(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 422, "trusted once");

    let (case_path, _) = register_recent_return(&host_cm).await;
    let case = case_path.trim_start_matches("/cases/");
    let cm_token = api_token(&host_cm).await;
    let res = api
        .post(host.url(&format!("/api/v1/cases/{case}/handovers")))
        .bearer_auth(&cm_token)
        .json(&json!({"partner": partner["key_id"], "agreed": true,
            "consent_date": today().to_string(), "consent_method": "verbal_in_person",
            "shared": {"consents": true, "plan": true}}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let h: Value = res.json().await.unwrap();
    assert_eq!(h["current"], true);
    let packet = api
        .post(host.url(&format!(
            "/api/v1/cases/{case}/handovers/{}/packet",
            h["id"].as_str().unwrap()
        )))
        .bearer_auth(&cm_token)
        .send()
        .await
        .unwrap();
    assert_eq!(packet.status(), 200);
    let packet = packet.bytes().await.unwrap();

    let receiver = api_token(&origin_cm).await;
    let res = api
        .post(origin.url("/api/v1/handovers/receive"))
        .bearer_auth(&receiver)
        .header("content-type", "application/json")
        .body(packet.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let case: Value = res.json().await.unwrap();
    assert_eq!(case["stage"], "intake");
    let res = api
        .post(origin.url("/api/v1/handovers/receive"))
        .bearer_auth(&receiver)
        .header("content-type", "application/json")
        .body(packet)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["fields"][0]["field"], "packet", "{body}");
    // The consents the returnee gave travelled, as the consent named them.
    let consents: Value = api_get_json(
        &origin,
        &receiver,
        &format!("/api/v1/cases/{}/consents", case["id"].as_str().unwrap()),
    )
    .await;
    assert!(!consents.as_array().unwrap().is_empty(), "{consents}");
}
