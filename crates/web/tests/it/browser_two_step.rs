//! Two-step sign-in in headless Chromium: setting it up from the account page with the key
//! shown (as typed into an app), keeping the recovery codes, then signing in with a code;
//! the pages pass axe-core, in English and in Arabic.

use crate::browser_languages::{axe_source, axe_violations};
use crate::common::*;
use crate::webdriver::Browser;
use domain::Role;
use domain::two_factor::{code_at, secret_from_text};

fn unix_now() -> u64 {
    u64::try_from(time::OffsetDateTime::now_utc().unix_timestamp()).unwrap()
}

async fn no_violations(b: &Browser, axe: &str, page: &str) {
    let v = axe_violations(b, axe).await;
    assert!(v.is_empty(), "{page}: {v:?}");
}

#[tokio::test]
async fn a_programme_manager_sets_up_two_step_sign_in_and_signs_in_with_a_code() {
    let axe = axe_source();
    let app = spawn_app().await;
    let office = app.office("DKR").await;
    app.user("pm.two", Role::ProgrammeManager, Some(office))
        .await;
    let b = Browser::start().await;
    b.goto(&app.url("/login")).await;
    b.type_into("#username", "pm.two").await;
    b.type_into("#password", PASSWORD).await;
    b.click("main form button[type=submit]").await;
    b.wait_for_text("Sign out").await;

    b.goto(&app.url("/account")).await;
    b.wait_for_text("Two-step sign-in is off").await;
    b.click("a[href='/account/two-step']").await;
    b.wait_for_text("scan this code").await;
    assert!(
        b.script(
            "return !!document.querySelector('.qr svg')",
            serde_json::json!([])
        )
        .await
        .as_bool()
        .unwrap_or(false),
        "the QR code is drawn"
    );
    no_violations(&b, &axe, "two-step setup").await;
    let secret = secret_from_text(&b.text("#two-step-secret").await).unwrap();
    // A wrong code first: the page says so on the field, and keeps the form.
    b.type_into("#code", "000000").await;
    b.type_into("#password", PASSWORD).await;
    b.click("main form button[type=submit]").await;
    b.wait_for_text("not right, or was already used").await;
    no_violations(&b, &axe, "two-step setup with an error").await;
    b.clear("#code").await;
    b.type_into("#code", &code_at(&secret, unix_now())).await;
    b.type_into("#password", PASSWORD).await;
    b.click("main form button[type=submit]").await;
    b.wait_for_text("Your recovery codes").await;
    let codes = b.text("#recovery-codes").await;
    assert_eq!(
        codes.matches('-').count(),
        30,
        "ten codes of four groups: {codes}"
    );
    b.screenshot("two-step-recovery-codes").await;

    // Signing in again asks for the code, in Arabic this time.
    b.click("header form[action='/logout'] button").await;
    b.wait_for_text("Sign in").await;
    b.click("form.lang-switch button[value=ar]").await;
    b.wait_until("return document.documentElement.lang === 'ar'")
        .await;
    b.type_into("#username", "pm.two").await;
    b.type_into("#password", PASSWORD).await;
    b.click("main form button[type=submit]").await;
    b.wait_for_text("أدخل رمزك").await;
    no_violations(&b, &axe, "code page in Arabic").await;
    b.screenshot("ar-two-step-code").await;
    // Typed in Arabic-Indic digits, as an Arabic phone keyboard writes them.
    let code: String = code_at(&secret, unix_now() + 30)
        .chars()
        .map(|c| char::from_u32(0x0660 + c.to_digit(10).unwrap()).unwrap())
        .collect();
    b.type_into("#code", &code).await;
    b.click("main form button[type=submit]").await;
    b.wait_until("return !!document.querySelector(\"header form[action='/logout']\")")
        .await;
    b.goto(&app.url("/account")).await;
    b.wait_for_text("تسجيل الدخول بخطوتين مفعّل").await;
    b.quit().await;
}
