//! By keyboard alone, in headless Chromium: a returnee registered, an instrument filled and
//! submitted, and a failed submit put right through the error summary. Fields are reached
//! with Tab in the page's own order and answered as a person would: typing, a select's
//! type-ahead, arrows in a radio group, Space on a checkbox.

use crate::common::*;
use crate::webdriver::Browser;
use domain::Role;
use serde_json::{Value, json};

const TAB: &str = "\u{E004}";
const ENTER: &str = "\u{E007}";
const DOWN: &str = "\u{E015}";

/// The focused element: name, type, value, checked, and how [`Browser::focused`] names it.
async fn focus(b: &Browser) -> (String, String, String, bool, String) {
    let v = b
        .script(
            "const e = document.activeElement; \
             return [e.name || '', e.type || e.tagName.toLowerCase(), e.value || '', !!e.checked, \
                     e.id || (e.tagName + ':' + e.textContent.trim())];",
            json!([]),
        )
        .await;
    let s = |i: usize| v[i].as_str().unwrap_or_default().to_string();
    (s(0), s(1), s(2), v[3] == Value::Bool(true), s(4))
}

/// Waits until htmx has no request in flight (a change re-draws an instrument's questions).
async fn settled(b: &Browser) {
    tokio::time::sleep(std::time::Duration::from_millis(60)).await;
    b.wait_until("return !document.querySelector('.htmx-request')")
        .await;
}

/// `2026-03-14` as typed into a date field: its parts in the order of the browser's locale.
async fn typed_date(b: &Browser, iso: &str) -> String {
    let order = b
        .script(
            "return new Intl.DateTimeFormat(navigator.language).formatToParts(new Date(2020, 11, 31)) \
               .map(p => p.type).filter(t => t === 'day' || t === 'month' || t === 'year');",
            json!([]),
        )
        .await;
    let p: Vec<&str> = iso.split('-').collect();
    order
        .as_array()
        .unwrap()
        .iter()
        .map(|t| match t.as_str().unwrap() {
            "day" => p[2],
            "month" => p[1],
            _ => p[0],
        })
        .collect()
}

/// Tabs through the page from where the focus is, answering the fields named in `values`, until
/// `stop_at` has the focus. Fields already holding a value are left as they are.
async fn fill_by_keyboard(b: &Browser, values: &[(&str, &str)], stop_at: &str) {
    for _ in 0..400 {
        let (name, kind, value, checked, id) = focus(b).await;
        if id == stop_at {
            return;
        }
        let wanted: Vec<&str> = values
            .iter()
            .filter(|(n, _)| *n == name)
            .map(|(_, v)| *v)
            .collect();
        if let Some(first) = wanted.first().copied() {
            match kind.as_str() {
                "radio" => {
                    // Arrows move through the group and choose as they go; Space chooses the
                    // one with the focus.
                    for _ in 0..20 {
                        let (_, _, value, checked, _) = focus(b).await;
                        if value == first && checked {
                            break;
                        }
                        b.press(if value == first { " " } else { DOWN }).await;
                        settled(b).await;
                    }
                }
                "checkbox" if wanted.contains(&value.as_str()) != checked => {
                    b.press(" ").await;
                    settled(b).await;
                }
                "select-one" if value != first => {
                    // The shortest start of the option's text that no other option shares.
                    let typed = b
                        .script(
                            "const texts = [...document.activeElement.options].map(o => o.text.toLowerCase()); \
                             const mine = [...document.activeElement.options].find(o => o.value === arguments[0]).text; \
                             for (let n = 1; n <= mine.length; n++) { const p = mine.slice(0, n).toLowerCase(); \
                               if (texts.filter(t => t.startsWith(p)).length === 1) return mine.slice(0, n); } \
                             return mine;",
                            json!([first]),
                        )
                        .await;
                    b.press(typed.as_str().unwrap()).await;
                    settled(b).await;
                }
                "date" if value.is_empty() => {
                    b.press(&typed_date(b, first).await).await;
                    settled(b).await;
                }
                "text" | "tel" | "number" | "textarea" | "search" if value.is_empty() => {
                    b.press(first).await;
                }
                _ => {}
            }
            let (_, kind, value, _, _) = focus(b).await;
            if kind != "radio" && kind != "checkbox" {
                assert_eq!(value, first, "{name} by keyboard");
            }
        }
        b.press(TAB).await;
    }
    panic!(
        "never reached {stop_at} by Tab; focus is on {}",
        b.focused().await
    );
}

/// The returnee of `registration()`, without the household (its rows are optional).
fn registration_by_hand() -> Vec<(&'static str, &'static str)> {
    registration()
        .into_iter()
        .filter(|(k, _)| !k.starts_with("hh_") && *k != "confirm_new")
        .collect()
}

async fn register_by_keyboard(b: &Browser, values: &[(&str, &str)]) {
    b.wait_for_text("Add another household member").await;
    fill_by_keyboard(b, values, "BUTTON:Save").await;
    b.press(ENTER).await;
}

/// A case manager signed in, on the registration form.
async fn on_the_registration_form() -> (TestApp, Browser) {
    let app = spawn_app().await;
    let office = app.office("DKR").await;
    app.user("cm.keys", Role::CaseManager, Some(office)).await;
    let b = Browser::start().await;
    crate::browser::sign_in_as(&b, &app, "cm.keys").await;
    b.goto(&app.url("/cases/new")).await;
    (app, b)
}

/// Waits for the page of the case just registered.
async fn on_the_new_case_page(b: &Browser) {
    b.wait_until("return /^\\/cases\\/[0-9a-f-]{36}$/.test(location.pathname)")
        .await;
    b.wait_for_text("Aminata Diallo").await;
}

#[tokio::test]
async fn a_returnee_is_registered_by_keyboard_alone() {
    let (app, b) = on_the_registration_form().await;
    register_by_keyboard(&b, &registration_by_hand()).await;
    on_the_new_case_page(&b).await;
    let case: domain::CaseId = b.url().await.rsplit('/').next().unwrap().parse().unwrap();
    let saved = app.store.case(case).await.unwrap().profile;
    assert_eq!(saved.date_of_birth.unwrap().to_string(), "1995-03-14");
    assert_eq!(saved.return_province, "Tambacounda");
    assert_eq!(saved.vulnerabilities.len(), 2, "{saved:?}");
    b.quit().await;
}

#[tokio::test]
async fn a_failed_registration_is_put_right_through_the_error_summary_by_keyboard() {
    // The server lives as long as `_app`.
    let (_app, b) = on_the_registration_form().await;
    let without_names: Vec<_> = registration_by_hand()
        .into_iter()
        .filter(|(k, _)| *k != "given_name" && *k != "family_name")
        .collect();
    register_by_keyboard(&b, &without_names).await;
    b.wait_for_text("Nothing has been saved yet").await;
    // The summary has the focus; its first link names the first field to put right.
    assert_eq!(b.focused().await, "error-summary");
    b.press(TAB).await;
    let (_, _, _, _, link) = focus(&b).await;
    assert!(link.starts_with("A:Given name(s): "), "{link}");
    b.press(ENTER).await;
    assert_eq!(b.focused().await, "f-given_name");
    b.press("Aminata").await;
    b.press(TAB).await;
    let (name, ..) = focus(&b).await;
    assert_eq!(name, "family_name");
    b.press("Diallo").await;
    // Everything else typed before is still there.
    fill_by_keyboard(&b, &[], "BUTTON:Save").await;
    b.press(ENTER).await;
    on_the_new_case_page(&b).await;
    b.quit().await;
}

#[tokio::test]
async fn an_instrument_is_filled_and_submitted_by_keyboard_alone() {
    let app = spawn_app().await;
    let office = app.office("DKR").await;
    app.user("cm.keys", Role::CaseManager, Some(office)).await;
    let cm = app.signed_in("cm.keys").await;
    let (case_path, csrf) = register_recent_return(&cm).await;
    let form = start_form(&cm, &case_path, &csrf, "rapid_vulnerability_screening").await;
    let today = today().to_string();
    let b = Browser::start().await;
    crate::browser::sign_in_as(&b, &app, "cm.keys").await;
    b.goto(&app.url(&form)).await;
    b.wait_for_text("About this screening").await;
    fill_by_keyboard(
        &b,
        &[
            ("_interview_date", &today),
            ("a:screening_date", &today),
            ("a:screening_stage", "on_arrival"),
            ("a:screener_trained", "OK"),
            ("a:health_needs", "no"),
            ("a:trafficking_victim", "no"),
            ("a:violence_exploitation_abuse", "no"),
            ("a:risk_of_violence", "no"),
            ("a:household_vulnerability", "no"),
            ("a:other_vulnerabilities", "none"),
            ("a:urgent_signs", "none"),
        ],
        "BUTTON:Submit",
    )
    .await;
    b.press(ENTER).await;
    b.wait_for_text("Complete").await;
    let sub: uuid::Uuid = form.rsplit('/').next().unwrap().parse().unwrap();
    let stored = app.store.submission(sub).await.unwrap();
    assert_eq!(stored.status, store::SubmissionStatus::Complete);
    assert!(
        stored.answers.contains("\"on_arrival\""),
        "{}",
        stored.answers
    );
    b.quit().await;
}
