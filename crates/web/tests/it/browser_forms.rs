//! Forms in the browser: sent twice at once (a double click on Save), a returnee is registered
//! once; a long text counts its characters as one types.

use crate::browser::sign_in_as;
use crate::common::*;
use crate::webdriver::Browser;
use domain::Role;

#[tokio::test]
async fn a_double_click_on_save_registers_the_returnee_once() {
    let app = spawn_app().await;
    let office = app.office("DKR").await;
    app.user("awa.diop", Role::CaseManager, Some(office)).await;
    let b = Browser::start().await;
    sign_in_as(&b, &app, "awa.diop").await;
    b.goto(&app.url("/cases/new")).await;
    b.wait_for_text("Add another household member").await;
    b.type_into("#f-given_name", "Fatoumata").await;
    b.type_into("#f-family_name", "Kouyaté").await;
    b.click("#f-sex option[value=female]").await;
    b.set_value("#f-date_of_birth", "1998-07-21").await;
    b.type_into("#f-nationality", "Senegal").await;
    b.set_value("#f-return_date", "2026-04-02").await;
    b.type_into("#f-returned_from", "Morocco").await;
    b.click("#f-return_type option[value=assisted_voluntary]")
        .await;
    b.type_into("#f-return_country", "Senegal").await;
    b.type_into("#f-return_province", "Ziguinchor").await;
    // The page's own form, sent twice at once as a double click sends it, with the browser's
    // cookies: both answers point at the same case.
    let answers = b
        .script(
            "const f = document.querySelector('form.case-form');
             const send = () => { const d = new FormData(f); d.append('action', 'save');
               return fetch(f.getAttribute('action'), {method: 'POST', body: new URLSearchParams(d)})
                 .then(r => r.url); };
             return Promise.all([send(), send()]);",
            serde_json::json!([]),
        )
        .await;
    let urls = answers.as_array().expect("two answers");
    assert_eq!(urls.len(), 2);
    assert_eq!(urls[0], urls[1], "{answers}");
    assert!(urls[0].as_str().unwrap().contains("/cases/"), "{answers}");

    b.goto(urls[0].as_str().unwrap()).await;
    b.screenshot("double-click-one-case").await;
    let h1 = b.text("h1").await;
    assert!(h1.contains("Fatoumata Kouyaté"), "{h1} {answers}");
    b.goto(&app.url("/cases")).await;
    b.wait_for_text("Fatoumata").await;
    let listed = b.text("main").await;
    assert_eq!(listed.matches("Kouyaté").count(), 1, "{listed}");
    b.quit().await;
}

#[tokio::test]
async fn a_long_text_counts_its_characters_as_one_types() {
    let app = spawn_app().await;
    let office = app.office("DKR").await;
    app.user("awa.diop", Role::CaseManager, Some(office)).await;
    let b = Browser::start().await;
    sign_in_as(&b, &app, "awa.diop").await;
    b.goto(&app.url("/cases/new")).await;
    b.wait_for_text("Up to 2,000 characters.").await;
    b.type_into("#f-vulnerability_details", "Needs insulin")
        .await;
    b.wait_for_text("13 of 2,000 characters").await;
    b.screenshot("long-text-counter").await;
    b.quit().await;
}

#[tokio::test]
async fn a_key_holder_finds_the_encrypted_submissions_page_and_a_wrong_file_is_explained() {
    let app = spawn_app().await;
    let office = app.office("DKR").await;
    app.user("pm.dakar", Role::ProgrammeManager, Some(office))
        .await;
    let dir = tempfile::tempdir().unwrap();
    let not_a_key = dir.path().join("notes.pem");
    std::fs::write(&not_a_key, "hello").unwrap();
    let axe = crate::browser_languages::axe_source();
    let b = Browser::start().await;
    sign_in_as(&b, &app, "pm.dakar").await;
    b.goto(&app.url("/forms")).await;
    b.click("a[href='/forms-encrypted']").await;
    b.wait_for_text("0 encrypted submissions wait for their key.")
        .await;
    let v = crate::browser_languages::axe_violations(&b, &axe).await;
    assert!(v.is_empty(), "encrypted page: {v:?}");
    b.type_into("#f-file", not_a_key.to_str().unwrap()).await;
    b.click("form[action='/forms-encrypted'] button[type=submit]")
        .await;
    b.wait_for_text("not an RSA private key").await;
    let v = crate::browser_languages::axe_violations(&b, &axe).await;
    assert!(v.is_empty(), "refused key: {v:?}");
}

#[tokio::test]
async fn the_focus_ring_stands_out_on_a_white_form_and_on_the_dark_header() {
    let app = spawn_app().await;
    let office = app.office("DKR").await;
    app.user("awa.diop", Role::CaseManager, Some(office)).await;
    let b = Browser::start().await;
    sign_in_as(&b, &app, "awa.diop").await;
    b.goto(&app.url("/cases/new")).await;
    b.wait_for_text("Add another household member").await;
    // The ring's two tones: dark against the white field, yellow against the dark header.
    let ring = |css: &str| {
        format!(
            "const e = document.querySelector('{css}'); e.focus(); const s = getComputedStyle(e); \
             return [s.outlineColor, s.outlineStyle, s.boxShadow];"
        )
    };
    let field = b
        .script(&ring("#f-given_name"), serde_json::json!([]))
        .await;
    assert_eq!(field[0], "rgb(11, 12, 12)", "{field}");
    assert_eq!(field[1], "solid", "{field}");
    assert!(
        field[2].as_str().unwrap().contains("rgb(255, 191, 71)"),
        "{field}"
    );
    let link = b.script(&ring("header.top a"), serde_json::json!([])).await;
    assert!(
        link[2].as_str().unwrap().contains("rgb(255, 191, 71)"),
        "{link}"
    );
}

#[tokio::test]
async fn chart_text_stays_twelve_pixels_on_a_phone_and_the_chart_scrolls_in_its_own_region() {
    let app = spawn_app().await;
    let office = app.office("DKR").await;
    app.user("pm.dakar", Role::ProgrammeManager, Some(office))
        .await;
    // A returnee, for the caseload chart to have a bar.
    let pm = app.signed_in("pm.dakar").await;
    register_named(&app, &pm, "Awa", "female").await;
    let b = Browser::start().await;
    sign_in_as(&b, &app, "pm.dakar").await;
    b.goto(&app.url("/results/dashboard")).await;
    b.wait_for_text("Sign out").await;
    // A phone's width: the chart keeps its size inside a region that scrolls, not the page.
    let seen = b
        .script(
            "document.body.style.width = '360px'; \
             const f = document.querySelector('figure.chart[role=region]'); \
             if (!f) { return null; } \
             const t = f.querySelector('svg text'); \
             const size = t ? parseFloat(getComputedStyle(t).fontSize) * \
               (f.querySelector('svg').getBoundingClientRect().width / f.querySelector('svg').viewBox.baseVal.width) : 12; \
             return [size, f.tabIndex, f.getAttribute('aria-labelledby') !== null];",
            serde_json::json!([]),
        )
        .await;
    assert!(!seen.is_null(), "the dashboard draws its caseload chart");
    assert!(seen[0].as_f64().unwrap() >= 12.0, "{seen}");
    assert_eq!(seen[1], 0, "{seen}");
    assert_eq!(seen[2], true, "{seen}");
}

#[tokio::test]
async fn on_a_phone_the_navigation_folds_behind_its_menu_button_and_the_page_comes_first() {
    let app = spawn_app().await;
    let office = app.office("DKR").await;
    app.user("pm.dakar", Role::ProgrammeManager, Some(office))
        .await;
    let pm = app.signed_in("pm.dakar").await;
    for given in ["Awa", "Binta", "Coumba", "Dieynaba", "Fatou"] {
        register_named(&app, &pm, given, "female").await;
    }
    // One back ten days ago, whose baseline survey is due: its card has a third line.
    register_recent_return(&pm).await;
    let b = Browser::start().await;
    sign_in_as(&b, &app, "pm.dakar").await;
    b.set_window_size(375, 812).await;
    b.goto(&app.url("/cases")).await;
    b.wait_for_text("Sign out").await;
    let folded = b
        .script(
            "const m = document.querySelector('header.top details.menu'); \
             const h1 = document.querySelector('main h1'); \
             return [m.open, h1.getBoundingClientRect().top, window.innerHeight];",
            serde_json::json!([]),
        )
        .await;
    assert_eq!(folded[0], false, "{folded}");
    let (top, height) = (folded[1].as_f64().unwrap(), folded[2].as_f64().unwrap());
    assert!(
        top < height / 4.0,
        "the page's heading within the first quarter: {folded}"
    );
    // The case list: cards of two or three lines (number and stage, name, survey due), at
    // least four to a screen, the headers kept for screen readers.
    let cards = b
        .script(
            "const rows = [...document.querySelectorAll('table.cases tbody tr')]; \
             const th = document.querySelector('table.cases th'); \
             return [rows.length, Math.max(...rows.map(r => r.getBoundingClientRect().height)), \
                     window.innerHeight, getComputedStyle(th).display, \
                     document.documentElement.scrollWidth <= window.innerWidth, \
                     rows.map(r => r.innerText).filter(t => t.includes('survey due by')).length];",
            serde_json::json!([]),
        )
        .await;
    assert_eq!(cards[0], 6, "{cards}");
    assert_eq!(cards[5], 1, "what is due, on the card: {cards}");
    let (row, screen) = (cards[1].as_f64().unwrap(), cards[2].as_f64().unwrap());
    assert!(row * 4.0 <= screen, "four cases to a screen: {cards}");
    assert_ne!(cards[3], "none", "{cards}");
    assert_eq!(cards[4], true, "no sideways scrolling: {cards}");
    // The Menu button opens it.
    b.click("header.top details.menu > summary").await;
    b.wait_until("return document.querySelector('header.top details.menu').open === true")
        .await;
    b.click("header.top nav a[href='/cases']").await;
    b.wait_for_text("Sign out").await;
    // On a wide screen, the links are there without a button.
    b.set_window_size(1280, 1000).await;
    b.goto(&app.url("/cases")).await;
    b.wait_for_text("Sign out").await;
    let wide = b
        .script(
            "const m = document.querySelector('header.top details.menu'); \
             return [m.open, getComputedStyle(m.querySelector('summary')).display];",
            serde_json::json!([]),
        )
        .await;
    assert_eq!(wide[0], true, "{wide}");
    assert_eq!(wide[1], "none", "{wide}");
}

#[tokio::test]
async fn a_failed_registration_puts_focus_on_a_summary_naming_each_field_in_form_order() {
    let app = spawn_app().await;
    let office = app.office("DKR").await;
    app.user("awa.diop", Role::CaseManager, Some(office)).await;
    let b = Browser::start().await;
    sign_in_as(&b, &app, "awa.diop").await;
    b.goto(&app.url("/cases/new")).await;
    b.wait_for_text("Add another household member").await;
    b.type_into("#f-phone", "not a phone ☎").await;
    b.click("form.case-form button[value=save]").await;
    b.wait_for_text("This is required.").await;
    let summary = b
        .script(
            "const links = [...document.querySelectorAll('#error-summary a')]; \
             const at = links.map(a => { const t = document.querySelector(a.getAttribute('href')); \
               return t ? [...document.querySelectorAll('*')].indexOf(t) : -1; }); \
             return [document.activeElement.id, links.map(a => a.textContent), at];",
            serde_json::json!([]),
        )
        .await;
    assert_eq!(summary[0], "error-summary", "{summary}");
    let texts: Vec<&str> = summary[1]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    assert!(texts.len() >= 2, "{summary}");
    assert!(texts[0].starts_with("Given name(s): "), "{summary}");
    assert!(
        texts.iter().all(|t| t.contains(": ")),
        "each link names its field: {summary}"
    );
    let at: Vec<i64> = summary[2]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_i64().unwrap())
        .collect();
    assert!(
        at.iter().all(|i| *i >= 0),
        "each link finds its field: {summary}"
    );
    assert!(
        at.windows(2).all(|w| w[0] <= w[1]),
        "in form order: {summary}"
    );
}
