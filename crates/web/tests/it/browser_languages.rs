//! Journeys in French and in Arabic in headless Chromium, with screenshots under
//! `target/screenshots/`, and axe-core's accessibility rules run on the main pages in every
//! shipped language.

use crate::common::*;
use crate::webdriver::Browser;
use domain::Role;
use serde_json::json;

/// Chooses a language with the switch in the page's header.
async fn switch_to(b: &Browser, lang: &str, lang_attr_after: &str) {
    b.click(&format!("form.lang-switch button[value={lang}]"))
        .await;
    b.wait_until(&format!(
        "return document.documentElement.lang === '{lang_attr_after}'"
    ))
    .await;
}

async fn sign_in(b: &Browser, user: &str, signed_in_text: &str) {
    b.type_into("#username", user).await;
    b.type_into("#password", PASSWORD).await;
    b.click("main form button[type=submit]").await;
    b.wait_for_text(signed_in_text).await;
}

#[tokio::test]
async fn a_case_manager_registers_and_screens_in_french_then_surveys_and_prints_in_arabic() {
    let app = spawn_app().await;
    let office = app.office("DKR").await;
    app.user("aissatou.ba", Role::CaseManager, Some(office))
        .await;
    let b = Browser::start().await;

    // French, chosen on the sign-in page, and kept once signed in.
    b.goto(&app.url("/login")).await;
    switch_to(&b, "fr", "fr").await;
    b.wait_for_text("Se connecter").await;
    sign_in(&b, "aissatou.ba", "Se déconnecter").await;
    b.goto(&app.url("/cases/new")).await;
    b.wait_for_text("Ajouter un autre membre du ménage").await;
    b.type_into("#f-given_name", "Fatoumata").await;
    b.type_into("#f-family_name", "Kouyaté").await;
    b.click("#f-sex option[value=female]").await;
    b.set_value("#f-date_of_birth", "1998-07-21").await;
    b.type_into("#f-nationality", "Sénégal").await;
    let returned = (today() - time::Duration::days(10)).to_string();
    b.set_value("#f-return_date", &returned).await;
    b.type_into("#f-returned_from", "Maroc").await;
    b.click("#f-return_type option[value=assisted_voluntary]")
        .await;
    b.type_into("#f-return_country", "Sénégal").await;
    b.click("button[value=save]").await;
    b.wait_for_text("Certaines réponses sont à vérifier").await;
    b.screenshot("fr-registration-errors").await;
    b.type_into("#f-return_province", "Ziguinchor").await;
    b.click("#f-consent_contact option[value=given]").await;
    b.click("button[value=save]").await;
    b.wait_until("return /\\/cases\\/[0-9a-f-]{36}$/.test(location.pathname)")
        .await;
    let case_path = b
        .script("return location.pathname", json!([]))
        .await
        .as_str()
        .unwrap()
        .to_string();
    assert!(b.text("h1").await.contains("Fatoumata Kouyaté"));
    b.screenshot("fr-case-page").await;

    b.click("#f-start-form option[value=rapid_vulnerability_screening]")
        .await;
    b.click("#forms button[type=submit]").await;
    b.wait_for_text("À propos de ce dépistage").await;
    b.click("#q-health_needs-yes").await;
    b.wait_for_text("De quels types de besoins de santé").await;
    let main = b.text("main").await;
    assert!(!main.contains("About this screening"), "no English left");
    b.screenshot("fr-rapid-screening").await;

    // Arabic, chosen from the case: the page turns right to left, the survey is asked in
    // Arabic with the same answers in the same order, and scored.
    b.goto(&app.url(&case_path)).await;
    switch_to(&b, "ar", "ar").await;
    assert_eq!(
        b.script("return document.documentElement.dir", json!([]))
            .await,
        "rtl"
    );
    b.click("#rss button[type=submit]").await;
    b.wait_until("return !!document.querySelector('#q-round-baseline')")
        .await;
    b.click("#q-round-baseline").await;
    b.click("#q-interview_location-office").await;
    b.click("#q-private_space").await;
    b.click("#q-consent-yes").await;
    b.wait_for_text("ما مدى رضاك عن وضعك الاقتصادي اليوم؟").await;
    b.click("#q-consent_form-written").await;
    for (field, value) in mixed_answers() {
        let id = format!("q-{}-{value}", field.trim_start_matches("a:"));
        b.wait_until(&format!("return !!document.getElementById('{id}')"))
            .await;
        b.click(&format!("#{id}")).await;
    }
    b.screenshot("ar-rss-filled").await;
    b.click("button[value=submit]").await;
    b.wait_for_text("نتيجة الاستبيان").await;
    b.screenshot("ar-rss-result").await;

    // The printed plan, in Arabic, laid out right to left.
    let http = app.signed_in("aissatou.ba").await;
    let (_, edit) = http.get_text(&format!("{case_path}/plan/edit")).await;
    let csrf = csrf_of(&edit);
    let expected = field_value(&edit, "expected");
    let res = http
        .post_form(
            &format!("{case_path}/plan"),
            &csrf,
            &[
                ("version", ""),
                ("expected", &expected),
                ("objective_economic", "فتح ورشة خياطة"),
                ("place", "Ziguinchor"),
                ("item_key", "1"),
                ("item_kind", "microbusiness"),
                ("item_details", "آلة خياطة وقماش"),
                ("item_modality", "in_kind"),
                ("item_responsible", "organisation"),
                ("item_status", "planned"),
                ("item_budget", "250000"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    b.goto(&app.url(&format!("{case_path}/plan/print"))).await;
    b.wait_for_text("موافقة العائد (الاسم والتوقيع)").await;
    // Right to left: the first table cell starts at the right edge of its row.
    let mirrored = b
        .script(
            "const c = document.querySelector('main td, main th'); const r = c.parentElement.getBoundingClientRect(); return Math.abs(c.getBoundingClientRect().right - r.right) < 2",
            json!([]),
        )
        .await;
    assert_eq!(mirrored, true);
    b.screenshot("ar-plan-printable").await;
    b.quit().await;
    assert!(app.i18n.missing().is_empty(), "{:?}", app.i18n.missing());
}

/// axe-core, fetched from npm at a pinned version by `scripts/test` and injected here (never
/// served by Reintegra).
pub(crate) fn axe_source() -> String {
    let path = std::env::var("AXE_CORE_JS").unwrap_or_else(|_| {
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../target/npm/node_modules/axe-core/axe.min.js"
        )
        .to_string()
    });
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("axe-core at {path} ({e}): scripts/test installs it"))
}

/// The violations, of any impact, of axe's WCAG 2.0–2.2 A and AA rules on the current page, and
/// of its rules that every part of the page sits in a landmark and landmarks are told apart.
pub(crate) async fn axe_violations(b: &Browser, axe: &str) -> Vec<String> {
    b.script(&format!("{axe}\n;return true;"), json!([])).await;
    let found = b
        .script(
            "const rules = axe.getRules(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']).map(r => r.ruleId) \
               .concat(['region', 'landmark-unique', 'landmark-one-main', 'landmark-no-duplicate-main']); \
             return axe.run(document, {runOnly: {type: 'rule', values: rules}}).then(r => r.violations.map(v => v.id + ' (' + v.impact + '): ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | ')))",
            json!([]),
        )
        .await;
    found
        .as_array()
        .map(|a| {
            a.iter()
                .map(|v| v.as_str().unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default()
}

const TAB: &str = "\u{E004}";
const ENTER: &str = "\u{E007}";

/// Tabs forward until `what` has the focus, at most `limit` times.
async fn tab_to(b: &Browser, what: &str, limit: usize) {
    for _ in 0..limit {
        if b.focused().await == what {
            return;
        }
        b.press(TAB).await;
    }
    panic!(
        "never reached {what} by Tab; focus is on {}",
        b.focused().await
    );
}

/// By keyboard alone, in Arabic: the sign-in form is filled and sent with Enter, and the
/// language switch is reached with Tab and pressed with Enter.
#[tokio::test]
async fn signing_in_and_switching_language_work_by_keyboard_alone() {
    let app = spawn_app().await;
    let office = app.office("DKR").await;
    app.user("cm.keys", Role::CaseManager, Some(office)).await;
    let b = Browser::start().await;
    b.goto(&app.url("/login")).await;
    switch_to(&b, "ar", "ar").await;
    b.goto(&app.url("/login")).await;
    // The sign-in page starts with the focus on the username.
    assert_eq!(b.focused().await, "username");
    b.press("cm.keys").await;
    b.press(TAB).await;
    assert_eq!(b.focused().await, "password");
    b.press(PASSWORD).await;
    b.press(ENTER).await;
    b.wait_for_text("تسجيل الخروج").await;
    tab_to(&b, "BUTTON:Français", 40).await;
    b.press(ENTER).await;
    b.wait_until("return document.documentElement.lang === 'fr'")
        .await;
    assert!(b.text("body").await.contains("Se déconnecter"));
    b.quit().await;
}
