//! Requests a client library would not send (bytes that are not text, odd paths) are refused
//! cleanly, never with a server error; HTTPS is kept once reached.

use crate::common::*;
use domain::Role;

#[tokio::test]
async fn invalid_utf8_in_a_query_string_is_a_bad_request() {
    let app = spawn_app().await;
    let office = app.office("DKR").await;
    app.user("pm.one", Role::ProgrammeManager, Some(office))
        .await;
    let pm = app.signed_in("pm.one").await;
    let token = api_token(&pm).await;
    for path in [
        "/cases?q=%FF",
        "/cases?q=%C3%28&sex=%FE",
        "/services?q=%FF",
        "/login?next=%FF",
        "/dashboard?office=%FF",
        "/cases/%FF",
        "/cases/%FF/plan",
        "/registry/%FF/%FE",
        "/forms/%FF/%FE",
        "/indicators/%FF",
        "/communities?%FF=%FF",
        "/my-work?x=%FF",
        "/dashboard?from=%FF&to=%FF",
        "/results?period=%FF",
    ] {
        let res = pm.get(path).await;
        let status = res.status().as_u16();
        assert!(status < 500, "{path}: {status}");
    }
    for path in [
        "/api/v1/cases?q=%FF",
        "/api/v1/services?q=%FF%FE",
        "/api/v1/cases/%FF",
        "/api/v1/indicators/%FF/figures?from=%FF",
        "/api/v1/dashboard?office=%FF",
    ] {
        let res = pm
            .http
            .get(app.url(path))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        let status = res.status().as_u16();
        assert!(status < 500, "{path}: {status}");
    }
}

/// The status line of a request sent as raw bytes, for request lines a client library would
/// have encoded.
async fn raw_status(app: &TestApp, request_line: &[u8], cookie: &str) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    let mut req = request_line.to_vec();
    req.extend_from_slice(b"\r\nHost: localhost\r\nConnection: close\r\n");
    if !cookie.is_empty() {
        req.extend_from_slice(format!("Cookie: {cookie}\r\n").as_bytes());
    }
    req.extend_from_slice(b"\r\n");
    s.write_all(&req).await.unwrap();
    let mut out = Vec::new();
    s.read_to_end(&mut out).await.unwrap();
    let head = String::from_utf8_lossy(&out);
    head.split(' ').nth(1).unwrap_or("0").parse().unwrap_or(0)
}

#[tokio::test]
async fn raw_bytes_and_signed_out_requests_are_refused_cleanly() {
    let app = spawn_app().await;
    for line in [
        &b"GET /cases?q=\xff HTTP/1.1"[..],
        b"GET /login?next=/\xff HTTP/1.1",
        b"GET /cases/\xff\xfe HTTP/1.1",
        b"GET /login?next=%FF%FE HTTP/1.1",
        b"GET /cases?q=%FF HTTP/1.1",
    ] {
        let status = raw_status(&app, line, "").await;
        assert!(
            (200..500).contains(&status),
            "{}: {status}",
            String::from_utf8_lossy(line)
        );
    }
}

#[tokio::test]
async fn https_is_kept_to_once_reached() {
    let app = spawn_app().await;
    let c = Client::new(&app);
    let plain = c.get("/login").await;
    assert!(
        plain.headers().get("strict-transport-security").is_none(),
        "not over plain HTTP: a browser would ignore it, and it would mislead"
    );
    let behind_tls = c
        .http
        .get(app.url("/login"))
        .header("x-forwarded-proto", "https")
        .send()
        .await
        .unwrap();
    let hsts = behind_tls.headers()["strict-transport-security"]
        .to_str()
        .unwrap();
    assert!(hsts.contains("max-age=31536000"), "{hsts}");
}

#[tokio::test]
async fn a_guessable_new_password_is_refused_with_the_reason() {
    let app = spawn_app().await;
    let office = app.office("DKR").await;
    app.user("cm.one", domain::Role::CaseManager, Some(office))
        .await;
    let c = app.signed_in("cm.one").await;
    let csrf = c.csrf("/account/password").await;
    for trivial in ["password12", "1234567890"] {
        let res = c
            .post_form(
                "/account/password",
                &csrf,
                &[("current", PASSWORD), ("new", trivial), ("repeat", trivial)],
            )
            .await;
        assert_eq!(res.status(), 422, "{trivial}");
        assert!(res.text().await.unwrap().contains("too easy to guess"));
    }
}
