//! Failed sign-ins slow attempts down instead of locking people out: per account from one
//! address, per address, and per account from anywhere but a browser that signed in before.
//! Behind a trusted reverse proxy the client's address comes from `X-Forwarded-For`.

use crate::common::*;
use domain::Role;

/// Signs in through a reverse proxy that says the client is `from`.
async fn sign_in_from(c: &Client, from: &str, user: &str, password: &str) -> reqwest::Response {
    let (_, page) = c.get_text("/login").await;
    let csrf = csrf_of(&page);
    c.http
        .post(format!("{}/login", c.base()))
        .header("x-forwarded-for", format!("{from}, 10.0.0.9"))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("username", user),
            ("password", password),
        ])
        .send()
        .await
        .unwrap()
}

async fn behind_a_proxy() -> TestApp {
    let config = web::Config {
        // The test client is the proxy; 10.0.0.9 is a second proxy in front of it.
        trusted_proxies: vec!["127.0.0.1".parse().unwrap(), "10.0.0.9".parse().unwrap()],
        ..Default::default()
    };
    let app = spawn_app_with(config).await;
    let office = app.office("DKR").await;
    app.user("cm.owner", Role::CaseManager, Some(office)).await;
    app
}

#[tokio::test]
async fn guesses_from_elsewhere_do_not_keep_the_owner_out_of_their_own_browser() {
    let app = behind_a_proxy().await;
    // The owner signed in from this browser before, and signs out.
    let owner = Client::new(&app);
    assert_eq!(
        sign_in_from(&owner, "198.51.100.7", "cm.owner", PASSWORD)
            .await
            .status(),
        303
    );
    let csrf = owner.csrf("/account").await;
    owner.post_form("/logout", &csrf, &[]).await;

    // Someone guesses from ten addresses: one try each, no address slowed down.
    let guesser = Client::new(&app);
    for i in 1..=10 {
        let res = sign_in_from(&guesser, &format!("203.0.113.{i}"), "cm.owner", "guess").await;
        assert_eq!(res.status(), 401, "guess {i}");
    }
    // The account is now slowed down for browsers it does not know, even with the password …
    let stranger = Client::new(&app);
    let res = sign_in_from(&stranger, "192.0.2.44", "cm.owner", PASSWORD).await;
    assert_eq!(res.status(), 429);
    // … but not in the owner's own browser.
    let res = sign_in_from(&owner, "198.51.100.7", "cm.owner", PASSWORD).await;
    assert_eq!(res.status(), 303, "the owner's browser gets in");

    // The account page shows the guesses and where they came from.
    let (_, page) = owner.get_text("/account").await;
    let failed = &page[page.find("id=\"failed-sign-ins\"").unwrap()..];
    assert!(failed.contains("203.0.113.10") && failed.contains("203.0.113.1<"));
    assert_eq!(failed.matches("<tr><td>").count(), 10, "{failed}");
}

#[tokio::test]
async fn the_forwarded_address_is_believed_only_from_a_trusted_proxy() {
    // Without a trusted proxy, X-Forwarded-For is anyone's to write: failures count against
    // the connection's own address whatever it says.
    let app = spawn_app().await;
    let office = app.office("DKR").await;
    app.user("cm.one", Role::CaseManager, Some(office)).await;
    let c = Client::new(&app);
    for i in 0..3 {
        let res = sign_in_from(&c, &format!("203.0.113.{i}"), "cm.one", "guess").await;
        assert_eq!(res.status(), 401);
    }
    let res = sign_in_from(&c, "192.0.2.1", "cm.one", PASSWORD).await;
    assert_eq!(
        res.status(),
        429,
        "one address, whatever the header claimed"
    );
}

#[tokio::test]
async fn the_current_password_cannot_be_guessed_on_the_password_page() {
    let app = spawn_app().await;
    let office = app.office("DKR").await;
    app.user("cm.one", Role::CaseManager, Some(office)).await;
    let c = app.signed_in("cm.one").await;
    let csrf = c.csrf("/account/password").await;
    let attempt = |current: &'static str| {
        let (c, csrf) = (&c, csrf.clone());
        async move {
            c.post_form(
                "/account/password",
                &csrf,
                &[
                    ("current", current),
                    ("new", "tailors of Goudiry sew"),
                    ("repeat", "tailors of Goudiry sew"),
                ],
            )
            .await
        }
    };
    // Three mistakes cost nothing; then the next attempt must wait.
    for _ in 0..3 {
        assert_eq!(attempt("a guess").await.status(), 422);
    }
    let res = attempt(PASSWORD).await;
    assert_eq!(res.status(), 429, "not checked while slowed down");
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("Too many wrong passwords. Wait")
    );
}
