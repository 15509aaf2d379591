//! A form posted after the session ended is not lost: signing in again carries what was typed,
//! and it is sent from there.

use crate::common::*;
use domain::Role;

/// The hidden fields of the first form of a page, as (name, value), unescaped.
fn hidden_fields(html: &str) -> Vec<(String, String)> {
    let unescape = |s: &str| {
        s.replace("&#39;", "'")
            .replace("&quot;", "\"")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&")
    };
    html.split("<input type=\"hidden\" name=\"")
        .skip(1)
        .filter_map(|rest| {
            let (name, rest) = rest.split_once('"')?;
            let value = rest.split_once("value=\"")?.1.split_once('"')?.0;
            Some((unescape(name), unescape(value)))
        })
        .collect()
}

async fn post(
    c: &Client,
    app: &TestApp,
    path: &str,
    fields: &[(String, String)],
) -> reqwest::Response {
    c.http
        .post(app.url(path))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(serde_html_form::to_string(fields).unwrap())
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_form_sent_after_the_session_ended_is_kept_through_signing_in() {
    let app = spawn_app().await;
    let office = app.office("DKR").await;
    app.user("cm.one", Role::CaseManager, Some(office)).await;
    let cm = app.signed_in("cm.one").await;
    let csrf = cm.csrf("/cases/new").await;
    // The session ends (here: signed out elsewhere) while the form is being filled.
    assert_eq!(cm.post_form("/logout", &csrf, &[]).await.status(), 303);

    let res = cm.post_form("/cases", &csrf, &registration()).await;
    assert_eq!(res.status(), 401);
    let page = res.text().await.unwrap();
    assert!(page.contains("Your session had ended"), "{page}");
    let carried = hidden_fields(&page);
    assert!(
        carried.contains(&("carry:given_name".into(), "Aminata".into())),
        "{carried:?}"
    );
    assert!(
        !carried.iter().any(|(k, _)| k == "carry:_csrf"),
        "the old token is dropped"
    );
    assert!(carried.contains(&("next".into(), "/cases".into())));

    // Signing in again shows what was typed, ready to send.
    let mut login = carried.clone();
    login.push(("username".into(), "cm.one".into()));
    login.push(("password".into(), PASSWORD.into()));
    let res = post(&cm, &app, "/login", &login).await;
    assert_eq!(res.status(), 200);
    let page = res.text().await.unwrap();
    assert!(page.contains("Send what you typed"), "{page}");
    assert!(page.contains("action=\"/cases\""));
    let resume = hidden_fields(&page);
    assert!(resume.contains(&("given_name".into(), "Aminata".into())));

    let res = post(&cm, &app, "/cases", &resume).await;
    assert_eq!(res.status(), 303, "sent with the new session");
    let (_, case) = cm.get_text(&location(&res)).await;
    assert!(case.contains("Aminata Diallo"));
}

#[tokio::test]
async fn a_wrong_password_keeps_carrying_the_form() {
    let app = spawn_app().await;
    let office = app.office("DKR").await;
    app.user("cm.one", Role::CaseManager, Some(office)).await;
    let cm = app.signed_in("cm.one").await;
    let csrf = cm.csrf("/cases/new").await;
    cm.post_form("/logout", &csrf, &[]).await;
    let page = cm
        .post_form("/cases", &csrf, &registration())
        .await
        .text()
        .await
        .unwrap();
    let mut login = hidden_fields(&page);
    login.push(("username".into(), "cm.one".into()));
    login.push(("password".into(), "not the password".into()));
    let res = post(&cm, &app, "/login", &login).await;
    assert_eq!(res.status(), 401);
    let page = res.text().await.unwrap();
    assert!(
        hidden_fields(&page).contains(&("carry:given_name".into(), "Aminata".into())),
        "still carried after a wrong password"
    );
}
