//! Reading Reintegra in French and Arabic: the browser's languages choose before sign-in, the
//! switch on every page changes it and is remembered, and an account's language follows its
//! owner to any browser.

use crate::common::*;
use domain::Role;

async fn get_in(c: &Client, path: &str, accept: &str) -> (u16, String) {
    let res = c
        .http
        .get(c_url(c, path))
        .header("accept-language", accept)
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

fn c_url(c: &Client, path: &str) -> String {
    format!("{}{path}", c.base())
}

/// Presses the language switch of the page at `from`, as a browser does (its referrer is
/// the page).
async fn switch(c: &Client, from: &str, lang: &str) -> reqwest::Response {
    let (_, page) = c.get_text(from).await;
    let csrf = page
        .find("name=\"_csrf\" value=\"")
        .map(|_| csrf_of(&page))
        .unwrap_or_default();
    c.http
        .post(c_url(c, "/language"))
        .header("referer", c_url(c, from))
        .form(&[("_csrf", csrf.as_str()), ("lang", lang)])
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_browsers_languages_choose_the_sign_in_page() {
    let app = spawn_app().await;
    let c = Client::new(&app);
    let (_, fr) = get_in(&c, "/login", "fr-SN,fr;q=0.9,en;q=0.5").await;
    assert!(
        fr.contains("<html lang=\"fr\" dir=\"ltr\">"),
        "{}",
        &fr[..200]
    );
    assert!(fr.contains("Se connecter") && !fr.contains(">Sign in<"));
    let (_, ar) = get_in(&c, "/login", "ar-MA,ar;q=0.9").await;
    assert!(ar.contains("<html lang=\"ar\" dir=\"rtl\">"));
    assert!(ar.contains("تسجيل الدخول") && !ar.contains(">Sign in<"));
    let (_, other) = get_in(&c, "/login", "de-DE,de;q=0.9").await;
    assert!(other.contains("<html lang=\"en\" dir=\"ltr\">"));
    // The switch offers every language, each named in itself, the current one marked.
    for name in ["English", "Français", "العربية"] {
        assert!(fr.contains(name), "{name}");
    }
    assert!(fr.contains("value=\"fr\" lang=\"fr\" class=\"link\" aria-current=\"true\""));
}

#[tokio::test]
async fn a_choice_on_the_sign_in_page_is_kept_and_becomes_the_accounts() {
    let app = spawn_app().await;
    let office = app.office("DKR").await;
    let user = app.user("cm.lang", Role::CaseManager, Some(office)).await;
    let c = Client::new(&app);
    let res = switch(&c, "/login?next=/cases", "ar").await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        location(&res),
        "/login?next=/cases",
        "back where the switch was"
    );
    let (_, page) = get_in(&c, "/login", "fr").await;
    assert!(
        page.contains("dir=\"rtl\""),
        "the choice outranks the browser's languages"
    );
    assert_eq!(c.sign_in("cm.lang", PASSWORD).await.status(), 303);
    let stored = app.store.user(user.id).await.unwrap();
    assert_eq!(stored.preferred_language.as_deref(), Some("ar"));
    let (_, cases) = get_in(&c, "/cases", "en").await;
    assert!(cases.contains("<html lang=\"ar\" dir=\"rtl\">"));
    assert!(cases.contains("الملفات"), "the navigation is in Arabic");
}

#[tokio::test]
async fn the_accounts_language_overrides_another_browsers_languages() {
    let app = spawn_app().await;
    let office = app.office("DKR").await;
    let user = app.user("cm.fr", Role::CaseManager, Some(office)).await;
    let first = app.signed_in("cm.fr").await;
    let res = switch(&first, "/cases", "fr").await;
    assert_eq!(
        (res.status().as_u16(), location(&res)),
        (303, "/cases".into())
    );
    let (_, page) = first.get_text("/cases").await;
    assert!(page.contains("<html lang=\"fr\""));
    let changes = app
        .store
        .audit_for_record("user", &user.id.to_string(), store::AuditScope::Changes)
        .await
        .unwrap();
    assert!(
        changes
            .iter()
            .any(|e| e.changes.iter().any(|c| c.field == "preferred_language"))
    );
    // Another browser, set to English: signing in restores French.
    let second = Client::new(&app);
    let (_, login) = get_in(&second, "/login", "en-GB").await;
    assert!(login.contains("lang=\"en\""));
    assert_eq!(second.sign_in("cm.fr", PASSWORD).await.status(), 303);
    let (_, page) = get_in(&second, "/cases", "en-GB,en").await;
    assert!(
        page.contains("<html lang=\"fr\" dir=\"ltr\">"),
        "{}",
        &page[..200]
    );
    assert!(page.contains("Dossiers"));
}

#[tokio::test]
async fn the_switch_refuses_what_it_does_not_offer_and_posts_from_elsewhere() {
    let app = spawn_app().await;
    let office = app.office("DKR").await;
    let user = app.user("cm.x", Role::CaseManager, Some(office)).await;
    let c = app.signed_in("cm.x").await;
    for lang in ["de", "", "fr-FR", "<script>"] {
        let res = switch(&c, "/cases", lang).await;
        assert_eq!(res.status(), 400, "{lang:?}");
        assert!(res.headers().get("set-cookie").is_none());
    }
    // Signed in, the switch changes the account, so a post without the page's token is refused.
    let res = c
        .http
        .post(c_url(&c, "/language"))
        .form(&[("lang", "ar")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let stored = app.store.user(user.id).await.unwrap();
    assert_eq!(stored.preferred_language, None);
    // Without a referrer, or with another site's, the switch goes back to the start page.
    let csrf = c.csrf("/cases").await;
    for referer in [None, Some("https://evil.example/cases")] {
        let mut req = c
            .http
            .post(c_url(&c, "/language"))
            .form(&[("_csrf", csrf.as_str()), ("lang", "fr")]);
        if let Some(r) = referer {
            req = req.header("referer", r);
        }
        let res = req.send().await.unwrap();
        assert_eq!((res.status().as_u16(), location(&res)), (303, "/".into()));
    }
}

#[tokio::test]
async fn instruments_and_the_providers_link_page_are_in_the_readers_language() {
    let app = spawn_app().await;
    let office = app.office("DKR").await;
    let cm_user = app.user("cm.inst", Role::CaseManager, Some(office)).await;
    let cm = app.signed_in("cm.inst").await;
    let (case_path, csrf) = register_recent_return(&cm).await;
    switch(&cm, &case_path, "fr").await;
    let res = cm
        .post_form(
            &format!("{case_path}/submissions"),
            &csrf,
            &[("form_id", "rapid_vulnerability_screening")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let (status, form) = cm.get_text(&location(&res)).await;
    assert_eq!(status, 200);
    assert!(form.contains("Date du dépistage"), "the question in French");
    assert!(!form.contains("Date of the screening"));
    switch(&cm, &location(&res), "ar").await;
    let (_, form) = cm.get_text(&location(&res)).await;
    assert!(form.contains("تاريخ الفحص") && form.contains("dir=\"rtl\""));

    // The page a provider opens from a referral link carries the switch too.
    let case_id: domain::CaseId = case_path.trim_start_matches("/cases/").parse().unwrap();
    let (_, service) = map_service(&app, "Centre de santé de Goudiry", "Goudiry").await;
    let referral = send_referral(&app, case_id, service, &cm_user).await;
    let referral_path = format!("{case_path}/referrals/{referral}");
    let csrf = cm.csrf(&referral_path).await;
    let res = cm
        .post_form(&format!("{referral_path}/links"), &csrf, &[("days", "14")])
        .await;
    let page = res.text().await.unwrap();
    let marker = "id=\"new-link\">";
    let link = page[page.find(marker).unwrap() + marker.len()..]
        .split('<')
        .next()
        .unwrap()
        .to_string();
    let link_path = link[link.find("/r/").unwrap()..].to_string();
    let provider = Client::new(&app);
    let (status, page) = get_in(&provider, &link_path, "fr").await;
    assert_eq!(status, 200);
    assert!(page.contains("<html lang=\"fr\"") && page.contains("action=\"/language\""));
    let res = switch(&provider, &link_path, "ar").await;
    assert_eq!(location(&res), link_path, "back to the link page");
    let (_, page) = provider.get_text(&link_path).await;
    assert!(page.contains("dir=\"rtl\""));
    assert!(app.i18n.missing().is_empty(), "{:?}", app.i18n.missing());
}

#[tokio::test]
async fn names_are_listed_in_the_readers_alphabetical_order() {
    let app = spawn_app().await;
    let office = app.office("DKR").await;
    app.user("pm.sort", Role::ProgrammeManager, Some(office))
        .await;
    for name in ["Zinder Santé", "Éducation pour tous", "Accueil Dakar"] {
        map_service(&app, name, "Dakar").await;
    }
    let pm = app.signed_in("pm.sort").await;
    let (status, page) = get_in(&pm, "/services", "fr").await;
    assert_eq!(status, 200);
    // By code points "É" would come after "Z".
    let at = |name: &str| {
        page.find(&format!(">{name}<"))
            .unwrap_or_else(|| panic!("{name}"))
    };
    assert!(at("Accueil Dakar") < at("Éducation pour tous"));
    assert!(at("Éducation pour tous") < at("Zinder Santé"));
}

#[tokio::test]
async fn a_plan_is_printed_in_the_returnees_language_without_changing_the_screens() {
    let app = spawn_app().await;
    let office = app.office("DKR").await;
    app.user("cm.print", Role::CaseManager, Some(office)).await;
    let cm = app.signed_in("cm.print").await;
    let (case_path, _) = register_recent_return(&cm).await;
    switch(&cm, &case_path, "fr").await;
    let (_, edit) = cm.get_text(&format!("{case_path}/plan/edit")).await;
    let res = cm
        .post_form(
            &format!("{case_path}/plan"),
            &csrf_of(&edit),
            &[
                ("version", ""),
                ("expected", &field_value(&edit, "expected")),
                ("objective_economic", "Ouvrir un atelier de couture"),
                ("place", "Tambacounda"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let print = format!("{case_path}/plan/print");
    let (_, page) = cm.get_text(&print).await;
    assert!(
        page.contains("<html lang=\"fr\""),
        "the screen's language by default"
    );
    // Links to the same plan in each language sit above it, not printed.
    assert!(page.contains(&format!("href=\"{print}?lang=ar\" lang=\"ar\"")));
    let (status, page) = cm.get_text(&format!("{print}?lang=ar")).await;
    assert_eq!(status, 200);
    assert!(page.contains("<html lang=\"ar\" dir=\"rtl\">"));
    assert!(page.contains("موافقة العائد (الاسم والتوقيع)"));
    // The screen keeps its language.
    let (_, next) = cm.get_text(&case_path).await;
    assert!(next.contains("<html lang=\"fr\""));
    // A language not shipped is ignored.
    let (status, page) = cm.get_text(&format!("{print}?lang=xx")).await;
    assert_eq!(status, 200);
    assert!(page.contains("<html lang=\"fr\""));
}
