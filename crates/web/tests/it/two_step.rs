//! Two-step sign-in: a person sets it up with an authenticator app (a code from the app and
//! their password), and from then on the password alone does not sign them in; recovery codes
//! work once each; an administrator can require it per role and turn it off after a lost phone.

use crate::common::*;
use domain::Role;
use domain::two_factor::{code_at, secret_from_text};

fn unix_now() -> u64 {
    u64::try_from(time::OffsetDateTime::now_utc().unix_timestamp()).unwrap()
}

/// The text between `start` and the next `end` after it.
fn between<'a>(html: &'a str, start: &str, end: &str) -> &'a str {
    let from = html.find(start).unwrap_or_else(|| panic!("no {start}")) + start.len();
    &html[from..from + html[from..].find(end).unwrap()]
}

/// Sets up two-step sign-in on the signed-in client's account, as a person does with the
/// page: reads the key shown, has their "app" compute the code, confirms with the password.
/// Returns the secret, the recovery codes shown and the code that confirmed it.
async fn set_up(c: &Client) -> (Vec<u8>, Vec<String>, String) {
    let (status, page) = c.get_text("/account/two-step").await;
    assert_eq!(status, 200);
    assert!(page.contains("<svg"), "a QR code is shown");
    let secret = secret_from_text(between(&page, "id=\"two-step-secret\" dir=\"ltr\">", "<"))
        .expect("the key shown is base32");
    let csrf = csrf_of(&page);
    let code = code_at(&secret, unix_now());

    // A wrong password is refused, and nothing is turned on.
    let res = c
        .post_form(
            "/account/two-step",
            &csrf,
            &[("code", &code), ("password", "not my password")],
        )
        .await;
    assert_eq!(res.status(), 422);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("current password is not right")
    );

    let res = c
        .post_form(
            "/account/two-step",
            &csrf,
            &[("code", &code), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(res.status(), 200);
    let page = res.text().await.unwrap();
    assert!(page.contains("Two-step sign-in is now on"), "{page}");
    let codes: Vec<String> = between(&page, "<ul class=\"codes\" dir=\"ltr\">", "</ul>")
        .split("<code>")
        .skip(1)
        .map(|s| s.split('<').next().unwrap().to_string())
        .collect();
    assert_eq!(codes.len(), 10);
    (secret, codes, code)
}

/// Signs in with the password; returns the code page.
async fn password_step(c: &Client, username: &str) -> String {
    let res = c.sign_in(username, PASSWORD).await;
    assert_eq!(res.status(), 200, "the password leads to the code, not in");
    let page = res.text().await.unwrap();
    assert!(page.contains("Enter your code"), "{page}");
    page
}

async fn code_step(c: &Client, code_page: &str, code: &str) -> reqwest::Response {
    c.post_form(
        "/login/code",
        &csrf_of(code_page),
        &[
            ("second_step", &field_value(code_page, "second_step")),
            ("next", "/account"),
            ("code", code),
        ],
    )
    .await
}

#[tokio::test]
async fn once_set_up_the_password_alone_does_not_sign_in() {
    let app = spawn_app().await;
    let office = app.office("DKR").await;
    app.user("cm.two", Role::CaseManager, Some(office)).await;
    let c = app.signed_in("cm.two").await;
    let (_, page) = c.get_text("/account").await;
    assert!(page.contains("Two-step sign-in is off"));
    let (secret, recovery, used) = set_up(&c).await;
    let (_, page) = c.get_text("/account").await;
    assert!(page.contains("Two-step sign-in is on"));
    let csrf = c.csrf("/account").await;
    c.post_form("/logout", &csrf, &[]).await;

    // The password leads to the code page, and not into Reintegra.
    let b = Client::new(&app);
    let code_page = password_step(&b, "cm.two").await;
    assert_eq!(b.get("/account").await.status(), 303, "not signed in yet");

    // The code used to set it up cannot be used again; a wrong one is refused.
    let res = code_step(&b, &code_page, &used).await;
    assert_eq!(res.status(), 401);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("not right, or was already used")
    );
    let now = unix_now();
    let wrong = (0..1_000_000)
        .map(|n| format!("{n:06}"))
        .find(|c| (0..3).all(|i| *c != code_at(&secret, now + i * 30 - 30)))
        .unwrap();
    assert_eq!(code_step(&b, &code_page, &wrong).await.status(), 401);

    // The app's next code signs in (a phone a little ahead is accepted).
    let next = code_at(&secret, unix_now() + 30);
    let res = code_step(&b, &code_page, &next).await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/account");
    assert_eq!(b.get("/account").await.status(), 200);

    // A recovery code signs in once, typed any which way.
    let csrf = b.csrf("/account").await;
    b.post_form("/logout", &csrf, &[]).await;
    let typed = format!("  {}  ", recovery[0].to_uppercase().replace('-', " "));
    let code_page = password_step(&b, "cm.two").await;
    let res = code_step(&b, &code_page, &typed).await;
    assert_eq!(res.status(), 303, "a recovery code signs in");
    let (_, page) = b.get_text("/account/two-step").await;
    assert!(page.contains("You have 9 recovery codes left"), "{page}");
    let csrf = b.csrf("/account").await;
    b.post_form("/logout", &csrf, &[]).await;
    let code_page = password_step(&b, "cm.two").await;
    assert_eq!(code_step(&b, &code_page, &recovery[0]).await.status(), 401);

    // The audit trail says how each sign-in was completed, and that it was turned on.
    let user = app
        .store
        .user_by_username(&domain::Username::parse("cm.two").unwrap())
        .await
        .unwrap()
        .unwrap();
    let trail = app
        .store
        .audit_for_record(
            store::record_type::USER,
            &user.id.to_string(),
            store::AuditScope::ChangesAndViews,
        )
        .await
        .unwrap();
    let how = |h: &str| {
        trail.iter().any(|e| {
            e.action == domain::audit::AuditAction::SignIn
                && e.changes.iter().any(|c| c.after.as_deref() == Some(h))
        })
    };
    assert!(how("app") && how("recovery_code"), "{trail:?}");
    assert!(
        trail
            .iter()
            .any(|e| e.action == domain::audit::AuditAction::TwoFactorEnable)
    );
}

#[tokio::test]
async fn guessing_the_code_slows_down_like_guessing_the_password() {
    let app = spawn_app().await;
    let office = app.office("DKR").await;
    app.user("cm.guess", Role::CaseManager, Some(office)).await;
    let c = app.signed_in("cm.guess").await;
    let (secret, _, _) = set_up(&c).await;

    let b = Client::new(&app);
    let code_page = password_step(&b, "cm.guess").await;
    let now = unix_now();
    let wrong = (0..1_000_000)
        .map(|n| format!("{n:06}"))
        .filter(|c| (0..5).all(|i| *c != code_at(&secret, now + i * 30 - 60)))
        .take(4)
        .collect::<Vec<_>>();
    for w in &wrong[..3] {
        assert_eq!(code_step(&b, &code_page, w).await.status(), 401);
    }
    // The fourth guess is not even checked: a wait, as for passwords.
    let res = code_step(&b, &code_page, &wrong[3]).await;
    assert_eq!(res.status(), 429);
    assert!(res.text().await.unwrap().contains("Wait"));
    // Nor is the right code during the wait.
    let right = code_at(&secret, unix_now() + 30);
    assert_eq!(code_step(&b, &code_page, &right).await.status(), 429);
}

#[tokio::test]
async fn a_role_can_be_required_to_use_it_and_an_administrator_resets_a_lost_phone() {
    let app = spawn_app().await;
    let office = app.office("DKR").await;
    app.user("admin.two", Role::Admin, None).await;
    let cm = app.user("cm.req", Role::CaseManager, Some(office)).await;
    let admin = app.signed_in("admin.two").await;
    let cm_client = app.signed_in("cm.req").await;
    let token = api_token(&cm_client).await;

    // The administrator requires it of case managers.
    let csrf = admin.csrf("/admin/users").await;
    let res = admin
        .post_form(
            "/admin/two-step-roles",
            &csrf,
            &[("role", "case-manager"), ("role", "programme-manager")],
        )
        .await;
    assert_eq!(res.status(), 200);
    let page = res.text().await.unwrap();
    assert!(page.contains("roles that must sign in in two steps are saved"));
    assert!(page.contains("value=\"case-manager\" checked"));
    assert!(!page.contains("value=\"admin\" checked"));

    // The case manager, already signed in, is sent to set it up before anything else; their
    // API token is refused with a code saying why.
    let res = cm_client.get("/cases").await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/account/two-step");
    let (_, page) = cm_client.get_text("/account/two-step").await;
    assert!(page.contains("Your role must sign in in two steps. Set it up now"));
    let res = cm_client
        .http
        .get(format!("{}/api/v1/me", cm_client.base()))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "two_step_setup_required");

    let (_, codes, _) = set_up(&cm_client).await;
    assert_eq!(cm_client.get("/cases").await.status(), 200);
    // It cannot be turned off while the role requires it.
    let (_, page) = cm_client.get_text("/account/two-step").await;
    assert!(page.contains("so it cannot be turned off"));
    let csrf = csrf_of(&page);
    let res = cm_client
        .post_form(
            "/account/two-step/off",
            &csrf,
            &[("password", PASSWORD), ("code", &codes[0])],
        )
        .await;
    assert_eq!(res.status(), 422);

    // The phone is lost: the administrator turns it off; the password alone signs in, and the
    // person is asked to set it up again.
    let (_, page) = admin.get_text("/admin/users").await;
    assert!(page.contains(&format!("/admin/users/{}/reset-two-step", cm.id)));
    let res = admin
        .post_form(
            &format!("/admin/users/{}/reset-two-step", cm.id),
            &csrf_of(&page),
            &[],
        )
        .await;
    assert_eq!(res.status(), 200);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("Two-step sign-in is off for cm.req")
    );
    let again = Client::new(&app);
    let res = again.sign_in("cm.req", PASSWORD).await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&again.get("/cases").await), "/account/two-step");

    // Only administrators reset or require it.
    app.user("me.two", Role::MeOfficer, None).await;
    let me = app.signed_in("me.two").await;
    let csrf = me.csrf("/account").await;
    let res = me
        .post_form(
            &format!("/admin/users/{}/reset-two-step", cm.id),
            &csrf,
            &[],
        )
        .await;
    assert_eq!(res.status(), 403);
    let res = me
        .post_form("/admin/two-step-roles", &csrf, &[("role", "admin")])
        .await;
    assert_eq!(res.status(), 403);
}

#[tokio::test]
async fn turning_it_off_takes_the_password_and_a_code() {
    let app = spawn_app().await;
    let office = app.office("DKR").await;
    app.user("cm.off", Role::CaseManager, Some(office)).await;
    let c = app.signed_in("cm.off").await;
    let (secret, _, _) = set_up(&c).await;
    let csrf = c.csrf("/account/two-step").await;
    let res = c
        .post_form(
            "/account/two-step/off",
            &csrf,
            &[("password", PASSWORD), ("code", "123-456")],
        )
        .await;
    assert_eq!(res.status(), 422);
    let code = code_at(&secret, unix_now() + 30);
    let res = c
        .post_form(
            "/account/two-step/off",
            &csrf,
            &[("password", PASSWORD), ("code", &code)],
        )
        .await;
    assert_eq!(res.status(), 303);
    let (_, page) = c.get_text(&location(&res)).await;
    assert!(page.contains("Two-step sign-in is now off"));
    let csrf = c.csrf("/account").await;
    c.post_form("/logout", &csrf, &[]).await;
    assert_eq!(c.sign_in("cm.off", PASSWORD).await.status(), 303);
}
