//! Feedback and complaints: left without an account (anonymously or with a contact), kept
//! once when sent twice, rate-limited, never holding the sender's address; handled by the
//! office's programme manager through acknowledged, referred and resolved; never visible to
//! case managers, so a complaint about one does not reach them. The plan and the referral slip
//! print where to leave it.

use crate::browser_languages::{axe_source, axe_violations};
use crate::common::*;
use crate::webdriver::Browser;
use domain::Role;
use serde_json::{Value, json};

/// An anonymous client's form fields, with the public form's own token.
async fn public_form(c: &Client) -> String {
    let (status, page) = c.get_text("/feedback?code=DKR").await;
    assert_eq!(status, 200);
    assert!(
        page.contains("<option value=\"DKR\" selected>"),
        "the code chooses the office"
    );
    csrf_of(&page)
}

#[tokio::test]
async fn a_complaint_is_left_without_an_account_and_handled_through_its_lifecycle() {
    let app = spawn_app().await;
    let office = app.office("DKR").await;
    app.user("pm.fb", Role::ProgrammeManager, Some(office))
        .await;
    app.user("cm.fb", Role::CaseManager, Some(office)).await;
    let other = app.office("THS").await;
    app.user("pm.ths", Role::ProgrammeManager, Some(other))
        .await;

    let anyone = Client::new(&app);
    let token = public_form(&anyone).await;
    // Missing fields come back with what was typed.
    let res = anyone
        .post_form(
            "/feedback",
            &token,
            &[
                ("office", "DKR"),
                ("kind", "complaint"),
                ("about", "staff"),
                ("message", ""),
                ("contact_way", "sms"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(
        page.contains("Give the number or address to answer you at"),
        "{page}"
    );
    assert!(page.contains("<option value=\"sms\" selected>"));
    let token = csrf_of(&page);
    let message = "My case manager asked me for money before the grant was paid.";
    let fields = [
        ("office", "DKR"),
        ("kind", "complaint"),
        ("about", "staff"),
        ("message", message),
        ("contact_way", "sms"),
        ("contact", "+221 77 123 45 67"),
    ];
    let res = anyone.post_form("/feedback", &token, &fields).await;
    assert_eq!(res.status(), 200);
    let thanks = res.text().await.unwrap();
    let reference = thanks
        .split("Its reference is ")
        .nth(1)
        .and_then(|r| r.split(':').next())
        .unwrap()
        .to_string();
    assert!(reference.starts_with("FB-"), "{thanks}");
    // The same form sent again (a double tap, a retry): the same reference, nothing more.
    let again = anyone.post_form("/feedback", &token, &fields).await;
    assert!(again.text().await.unwrap().contains(&reference));

    // The office's programme manager sees it once, with the contact to answer through.
    let pm = app.signed_in("pm.fb").await;
    let (status, inbox) = pm.get_text("/feedback/inbox").await;
    assert_eq!(status, 200);
    assert_eq!(inbox.matches(&reference).count(), 1);
    let api = api_token(&pm).await;
    let http = reqwest::Client::new();
    let list: Value = http
        .get(app.url("/api/v1/feedback"))
        .bearer_auth(&api)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list.as_array().unwrap().len(), 1);
    let id = list[0]["id"].as_str().unwrap().to_string();
    assert_eq!(list[0]["status"], "received");
    assert_eq!(list[0]["contact"], "+221 77 123 45 67");
    let item = format!("/feedback/inbox/{id}");
    let (_, page) = pm.get_text(&item).await;
    assert!(page.contains(message));
    assert!(page.contains("How to answer: By text message, +221 77 123 45 67."));

    // The audit trail names the record, never where it came from nor what it says.
    let trail = app
        .store
        .audit_for_record("feedback", &id, store::AuditScope::Changes)
        .await
        .unwrap();
    assert_eq!(trail.len(), 1);
    let written = format!("{trail:?}");
    assert!(
        !written.contains("127.0.0.1") && !written.contains("asked me for money"),
        "{written}"
    );

    // The lifecycle: acknowledged, referred (to whom is required), resolved with the response.
    let csrf = pm.csrf(&item).await;
    let step = |s: &'static str, text: &'static str| [("step", s), ("text", text)];
    let res = pm
        .post_form(&format!("{item}/steps"), &csrf, &step("acknowledge", ""))
        .await;
    assert_eq!(res.status(), 303);
    let res = pm
        .post_form(&format!("{item}/steps"), &csrf, &step("refer", ""))
        .await;
    assert_eq!(res.status(), 422);
    let res = pm
        .post_form(
            &format!("{item}/steps"),
            &csrf,
            &step("refer", "Head of office, for a staff inquiry"),
        )
        .await;
    assert_eq!(res.status(), 303);
    let res = http
        .post(app.url(&format!("/api/v1/feedback/{id}/steps")))
        .bearer_auth(&api)
        .json(&json!({"step": "resolve", "text": "Inquiry held; the money was returned. Told by SMS."}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["status"], "resolved");
    assert_eq!(body["referred_to"], "Head of office, for a staff inquiry");
    // A step that no longer follows is refused.
    let res = pm
        .post_form(&format!("{item}/steps"), &csrf, &step("acknowledge", ""))
        .await;
    assert_eq!(res.status(), 422);

    // The case manager it is about never sees it; another office's manager does not either.
    let cm = app.signed_in("cm.fb").await;
    assert_eq!(cm.get_text("/feedback/inbox").await.0, 403);
    assert_eq!(cm.get_text(&item).await.0, 403);
    let ths = app.signed_in("pm.ths").await;
    assert_eq!(ths.get_text(&item).await.0, 404);
    let (_, theirs) = ths.get_text("/feedback/inbox").await;
    assert!(!theirs.contains(&reference));
}

#[tokio::test]
async fn anonymous_feedback_is_kept_without_a_contact_and_floods_are_slowed() {
    let app = spawn_app().await;
    app.office("DKR").await;
    let anyone = Client::new(&app);
    let mut statuses = Vec::new();
    for i in 0..7 {
        let token = public_form(&anyone).await;
        let text = format!("Thank you for the training, session {i}.");
        let res = anyone
            .post_form(
                "/feedback",
                &token,
                &[
                    ("kind", "feedback"),
                    ("about", "other"),
                    ("message", &text),
                    ("contact_way", "none"),
                    ("contact", "+221 77 000 00 00"),
                ],
            )
            .await;
        statuses.push(res.status().as_u16());
        if res.status() == 429 {
            let page = res.text().await.unwrap();
            assert!(page.contains("Too many messages were sent from here"));
            assert!(page.contains(&text), "what was written is kept");
        }
    }
    assert_eq!(statuses, [200, 200, 200, 200, 200, 429, 429]);
    let all = app.store.feedback_list(None).await.unwrap();
    assert_eq!(all.len(), 5);
    assert!(
        all.iter().all(|f| f.feedback.contact.is_none()),
        "anonymous keeps no number"
    );
    assert!(all.iter().all(|f| f.office.is_none()));
}

#[tokio::test]
async fn the_plan_and_the_slip_print_where_to_leave_feedback() {
    let app = spawn_app().await;
    let office = app.office("DKR").await;
    app.user("cm.print", Role::CaseManager, Some(office)).await;
    let cm = app.signed_in("cm.print").await;
    let (id, _) = register_named(&app, &cm, "Ndeye", "female").await;
    let csrf = cm.csrf(&format!("/cases/{id}")).await;
    post_new_plan(&cm, &format!("/cases/{id}"), &csrf, &[]).await;
    let (status, page) = cm.get_text(&format!("/cases/{id}/plan/print")).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("/feedback (office code DKR)"), "{page}");
}

#[tokio::test]
async fn feedback_is_left_on_a_phone_and_in_arabic_without_an_account() {
    let app = spawn_app().await;
    app.office("DKR").await;
    let axe = axe_source();
    let b = Browser::start().await;
    b.emulate_screen(360, 740, 2.0).await;
    b.goto(&app.url("/feedback")).await;
    b.wait_for_text("Feedback and complaints").await;
    assert_eq!(axe_violations(&b, &axe).await, Vec::<String>::new());
    // Sent empty: the summary takes the focus and names the fields.
    b.click("form[action='/feedback'] button[type=submit]")
        .await;
    b.wait_until("return !!document.getElementById('error-summary')")
        .await;
    assert!(b.focused().await.contains("error-summary"));
    assert!(
        b.text("#error-summary")
            .await
            .contains("Is it feedback or a complaint?")
    );
    b.set_value("#f-kind", "feedback").await;
    b.set_value("#f-about", "community_project").await;
    b.type_into("#f-message", "The new well works well.").await;
    b.click("form[action='/feedback'] button[type=submit]")
        .await;
    b.wait_for_text("Its reference is FB-").await;
    assert_eq!(axe_violations(&b, &axe).await, Vec::<String>::new());
    // In Arabic, right to left, still without an account.
    b.goto(&app.url("/feedback")).await;
    b.click("form.lang-switch button[value=ar]").await;
    b.wait_for_text("الملاحظات والشكاوى").await;
    assert_eq!(
        b.script("return document.documentElement.dir", json!([]))
            .await,
        "rtl"
    );
    assert_eq!(axe_violations(&b, &axe).await, Vec::<String>::new());
    b.quit().await;
}
