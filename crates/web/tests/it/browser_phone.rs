//! The main pages on a phone, zoomed in and over a slow link, in headless Chromium: axe-core's
//! WCAG 2.2 AA rules at 375 px and 1366 px in every shipped language, no sideways scrolling at
//! 320 px nor at 200% zoom (screenshots under `target/screenshots/`), every region inside a
//! landmark, unique ids, one render-blocking stylesheet, and each page's weight.

use crate::browser_languages::{axe_source, axe_violations};
use crate::common::*;
use crate::webdriver::Browser;
use domain::Role;
use serde_json::json;

/// Who opens which main pages, after making the records those pages show.
pub(crate) async fn main_pages(app: &TestApp) -> Vec<(&'static str, Vec<String>)> {
    let office = app.office("DKR").await;
    let cm_user = app.user("cm.axe", Role::CaseManager, Some(office)).await;
    app.user("me.axe", Role::MeOfficer, Some(office)).await;
    app.user("pm.axe", Role::ProgrammeManager, Some(office))
        .await;
    app.user("viewer.axe", Role::Viewer, None).await;
    let partner = app.user("partner.axe", Role::Partner, Some(office)).await;
    let cm = app.signed_in("cm.axe").await;
    let (case_path, csrf) = register_recent_return(&cm).await;
    let instrument = start_form(&cm, &case_path, &csrf, "rapid_vulnerability_screening").await;
    let rss_result = crate::rss_journey::scored_baseline(app, &cm, &case_path, &csrf).await;
    let case_id: domain::CaseId = case_path.trim_start_matches("/cases/").parse().unwrap();
    let (provider, service) = map_service(app, "Centre de santé", "Ziguinchor").await;
    join_provider(app, &partner, provider).await;
    let referral = send_referral(app, case_id, service, &cm_user).await;
    let csrf = cm.csrf("/communities/new").await;
    let res = cm
        .post_form(
            "/communities",
            &csrf,
            &[("name", "Goudiry"), ("province", "Tambacounda")],
        )
        .await;
    let community = location(&res);

    let pages = vec![
        (
            "cm.axe",
            vec![
                "/cases".to_string(),
                case_path.clone(),
                "/cases/new".into(),
                format!("{case_path}/edit"),
                instrument,
                rss_result,
                format!("{case_path}/plan"),
                format!("{case_path}/plan/edit"),
                format!("{case_path}/follow-up"),
                format!("{case_path}/closure"),
                format!("{case_path}/referrals"),
                format!("{case_path}/referrals/{referral}"),
                format!("{case_path}/referrals/{referral}/slip"),
                "/my-work".into(),
                "/communities".into(),
                community,
                "/projects".into(),
                "/forms".into(),
                "/account".into(),
            ],
        ),
        (
            "me.axe",
            vec![
                "/overview".into(),
                "/results".into(),
                "/results/dashboard".into(),
                "/results/what-works".into(),
            ],
        ),
        (
            "pm.axe",
            vec![
                "/approvals".into(),
                "/exports".into(),
                "/structural".into(),
                "/stakeholders".into(),
                "/services".into(),
                "/programme".into(),
                "/registry/trainings/new".into(),
            ],
        ),
        (
            "partner.axe",
            vec!["/referrals".into(), format!("/referrals/{referral}")],
        ),
        ("viewer.axe", vec!["/overview".into()]),
    ];
    for (user, paths) in &pages {
        let c = app.signed_in(user).await;
        for path in paths {
            assert_eq!(c.get(path).await.status(), 200, "{user} opens {path}");
        }
    }
    pages
}

/// Chooses `lang` with the header's switch, unless the page is in it already.
async fn switch_to(b: &Browser, lang: &str) {
    if b.script("return document.documentElement.lang", json!([]))
        .await
        != lang
    {
        b.click(&format!("form.lang-switch button[value={lang}]"))
            .await;
        b.wait_until(&format!(
            "return document.documentElement.lang === '{lang}'"
        ))
        .await;
    }
}

async fn sign_in(b: &Browser, app: &TestApp, user: &str, lang: &str) {
    b.goto(&app.url("/login")).await;
    switch_to(b, lang).await;
    b.type_into("#username", user).await;
    b.type_into("#password", PASSWORD).await;
    b.click("main form button[type=submit]").await;
    b.wait_until("return !location.pathname.startsWith('/login')")
        .await;
    // Signing in restores the account's language (the one chosen in an earlier round).
    switch_to(b, lang).await;
}

async fn sign_out(b: &Browser) {
    b.click("form[action='/logout'] button").await;
    b.wait_until("return location.pathname.startsWith('/login')")
        .await;
}

/// What keeps the page in view from being whole: sideways scrolling (with the elements that
/// stick out, outside any region that scrolls by itself), repeated ids, and more than one
/// render-blocking request.
const LAYOUT_PROBLEMS: &str = r#"
const problems = [];
const root = document.documentElement;
const width = root.clientWidth;
const rtl = root.dir === 'rtl';
if (root.scrollWidth > width + 1) {
  const clipped = e => { for (let p = e.parentElement; p; p = p.parentElement) {
    const o = getComputedStyle(p).overflowX; if (o === 'auto' || o === 'scroll' || o === 'hidden') return true; } return false; };
  const out = [...document.body.querySelectorAll('*')].filter(e => {
    const r = e.getBoundingClientRect(); return r.width > 0 && (rtl ? r.left < -1 : r.right > width + 1) && !clipped(e); });
  const name = e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.className && typeof e.className === 'string' ? '.' + e.className.trim().split(/\s+/).join('.') : '');
  problems.push('scrolls sideways (' + root.scrollWidth + ' > ' + width + '): ' + out.slice(-4).map(e => name(e) + ' ' + Math.round(e.getBoundingClientRect().width) + 'px').join(', '));
}
const ids = [...document.querySelectorAll('[id]')].map(e => e.id);
const twice = ids.filter((id, i) => ids.indexOf(id) !== i);
if (twice.length) problems.push('ids used twice: ' + [...new Set(twice)].join(', '));
const blocking = [...document.querySelectorAll('head script[src]:not([defer]):not([async]):not([type=module])')].length
  + [...document.querySelectorAll('link[rel=stylesheet]')].filter(l => !l.media || matchMedia(l.media).matches).length;
if (blocking > 1) problems.push(blocking + ' render-blocking requests');
return problems;
"#;

#[tokio::test]
async fn the_main_pages_pass_axe_at_phone_and_desktop_widths_in_english_french_and_arabic() {
    let axe = axe_source();
    let app = spawn_app().await;
    let pages = main_pages(&app).await;
    let b = Browser::start().await;
    let mut problems = Vec::new();
    let mut checked = 0;
    for lang in ["en", "fr", "ar"] {
        for (user, paths) in &pages {
            b.emulate_screen(1366, 900, 1.0).await;
            sign_in(&b, &app, user, lang).await;
            for path in paths {
                b.goto(&app.url(path)).await;
                let at = b
                    .script(
                        "return [document.documentElement.lang, location.pathname]",
                        json!([]),
                    )
                    .await;
                assert_eq!(at, json!([lang, path.split('?').next().unwrap()]), "{path}");
                for (width, height) in [(1366, 900), (375, 812)] {
                    b.emulate_screen(width, height, 1.0).await;
                    for v in axe_violations(&b, &axe).await {
                        problems.push(format!("{lang} {width}px {path}: {v}"));
                    }
                    checked += 1;
                }
            }
            b.emulate_screen(1366, 900, 1.0).await;
            sign_out(&b).await;
        }
        for (width, height) in [(1366, 900), (375, 812)] {
            b.emulate_screen(width, height, 1.0).await;
            for v in axe_violations(&b, &axe).await {
                problems.push(format!("{lang} {width}px /login: {v}"));
            }
        }
        b.emulate_screen(1366, 900, 1.0).await;
    }
    b.quit().await;
    assert_eq!(
        checked,
        3 * 2 * pages.iter().map(|(_, p)| p.len()).sum::<usize>()
    );
    assert!(problems.is_empty(), "axe found:\n{}", problems.join("\n"));
}

#[tokio::test]
async fn no_main_page_scrolls_sideways_on_a_small_phone_or_at_200_percent_zoom() {
    let app = spawn_app().await;
    let pages = main_pages(&app).await;
    let b = Browser::start().await;
    let mut problems = Vec::new();
    for lang in ["en", "ar"] {
        // The sign-in page, in the language chosen on it.
        b.goto(&app.url("/login")).await;
        switch_to(&b, lang).await;
        for (width, height, scale, what) in [(320, 640, 1.0, "320px"), (683, 500, 2.0, "zoom200")] {
            b.emulate_screen(width, height, scale).await;
            let found = b.script(LAYOUT_PROBLEMS, json!([])).await;
            for p in found.as_array().unwrap() {
                problems.push(format!("{lang} {what} /login: {}", p.as_str().unwrap()));
            }
            b.screenshot(&format!("reflow-{lang}-{what}-login")).await;
        }
        for (user, paths) in &pages {
            b.emulate_screen(1366, 900, 1.0).await;
            sign_in(&b, &app, user, lang).await;
            for (n, path) in paths.iter().enumerate() {
                b.goto(&app.url(path)).await;
                // Named by what the page is, not by its record's id, so a rerun replaces them.
                let slug: Vec<&str> = path
                    .split('/')
                    .filter(|s| !s.is_empty())
                    .map(|s| {
                        if uuid::Uuid::parse_str(s).is_ok() {
                            "one"
                        } else {
                            s
                        }
                    })
                    .collect();
                let slug = slug.join("-");
                // 320 CSS px is a 1280 px window at 400%; 683 at scale 2 is 1366 px at 200%.
                for (width, height, scale, what) in
                    [(320, 640, 1.0, "320px"), (683, 500, 2.0, "zoom200")]
                {
                    b.emulate_screen(width, height, scale).await;
                    let found = b.script(LAYOUT_PROBLEMS, json!([])).await;
                    for p in found.as_array().unwrap() {
                        problems.push(format!(
                            "{lang} {what} {user} {path}: {}",
                            p.as_str().unwrap()
                        ));
                    }
                    if lang == "en" || what == "320px" {
                        b.screenshot(&format!("reflow-{lang}-{what}-{user}-{n:02}-{slug}"))
                            .await;
                    }
                }
            }
            b.emulate_screen(1366, 900, 1.0).await;
            sign_out(&b).await;
        }
    }
    b.quit().await;
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// What the page just loaded cost: bytes over the wire for the page and for the files it
/// fetched, and when it was usable (its scripts run, `DOMContentLoaded`) and first painted, in
/// ms from the start of the navigation.
const LOAD_FIGURES: &str = r#"
const nav = performance.getEntriesByType('navigation')[0];
const files = performance.getEntriesByType('resource').reduce((sum, r) => sum + r.transferSize, 0);
const paint = performance.getEntriesByName('first-contentful-paint')[0];
return [nav.transferSize, files, Math.round(nav.domContentLoadedEventEnd), paint ? Math.round(paint.startTime) : null];
"#;

/// Loads `url` as on a first visit (nothing cached) and returns [`LOAD_FIGURES`].
async fn cold_load(b: &Browser, url: &str) -> Vec<i64> {
    b.devtools("Network.clearBrowserCache", json!({})).await;
    b.goto(url).await;
    b.wait_until("return document.readyState === 'complete'")
        .await;
    let figures = b.script(LOAD_FIGURES, json!([])).await;
    figures
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_i64().unwrap_or(-1))
        .collect()
}

#[tokio::test]
async fn the_case_page_is_light_and_usable_within_two_seconds_on_a_slow_3g_link() {
    let app = spawn_app().await;
    let pages = main_pages(&app).await;
    let b = Browser::start().await;
    let mut weights = Vec::new();
    for (user, paths) in &pages {
        sign_in(&b, &app, user, "en").await;
        for path in paths {
            // The page alone: its styles and scripts are cached from the first page.
            b.goto(&app.url(path)).await;
            let figures = b.script(LOAD_FIGURES, json!([])).await;
            weights.push((path.clone(), figures[0].as_i64().unwrap()));
        }
        sign_out(&b).await;
    }
    // 400 kbit/s each way and 400 ms round trips: a slow 3G link.
    sign_in(&b, &app, "cm.axe", "en").await;
    let case_page = app.url(&pages[0].1[1]);
    b.emulate_network(400, 400).await;
    // The better of two first visits (a busy test machine adds its own delays).
    let (first, second) = (
        cold_load(&b, &case_page).await,
        cold_load(&b, &case_page).await,
    );
    let cold = if first[2] <= second[2] { first } else { second };
    b.quit().await;

    println!("Transferred, page alone (styles and scripts cached):");
    for (path, bytes) in &weights {
        println!("  {path}: {:.1} KB", *bytes as f64 / 1000.0);
    }
    let [page, files, usable, painted] = cold[..] else {
        panic!("{cold:?}")
    };
    println!(
        "Case page on a first visit over slow 3G: {:.1} KB page + {:.1} KB files, \
         painted at {painted} ms, usable at {usable} ms",
        page as f64 / 1000.0,
        files as f64 / 1000.0
    );
    assert!(
        page + files < 30_000,
        "the case page with everything it needs, under 30 KB: {cold:?}"
    );
    assert!(usable < 2000, "usable within 2 s on slow 3G: {cold:?}");
    let heaviest = weights.iter().max_by_key(|(_, b)| *b).unwrap();
    assert!(
        heaviest.1 < 30_000,
        "every main page alone under 30 KB: {heaviest:?}"
    );
}
