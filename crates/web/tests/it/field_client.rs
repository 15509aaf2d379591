//! The web form client under a device's address: the forms the device may fill, the client page
//! with its own policy (WebAssembly allowed, styles only with the response's nonce), the
//! client's files served like every asset, and its service worker. The client in a browser is in `browser_field_client`.

use crate::field_forms::publish_corpus_form;
use crate::openrosa::start;

#[tokio::test]
async fn a_device_lists_its_forms_and_opens_the_client_under_its_own_policy() {
    let f = start().await;
    publish_corpus_form(&f.app, "debt_situation.xlsx", "debt_situation", "1").await;

    let res = f
        .http
        .get(format!("{}/web", f.device))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let page = res.text().await.unwrap();
    assert!(page.contains("Forms on this device"), "{page}");
    let token_path = f.device.split_once("/openrosa/").unwrap().1;
    let href = format!("/openrosa/{token_path}/web/debt_situation/1");
    assert!(page.contains(&format!("href=\"{href}\"")), "{page}");
    assert!(page.contains(">Debt situation</a>"), "{page}");

    let res = f.http.get(f.app.url(&href)).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let policy = res.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert_eq!(
        res.headers()["permissions-policy"],
        "camera=(self), microphone=(), geolocation=(self), payment=()",
        "its forms may take a location or a photo"
    );
    let page = res.text().await.unwrap();
    let nonce = page
        .split("name=\"csp-nonce\" content=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the page gives its nonce");
    assert!(nonce.len() >= 32, "{nonce}");
    assert!(
        policy.contains("script-src 'self' 'wasm-unsafe-eval';"),
        "{policy}"
    );
    assert!(
        policy.contains(&format!("style-src 'self' 'nonce-{nonce}';")),
        "{policy}"
    );
    assert!(!policy.contains("unsafe-inline") && !policy.contains("'unsafe-eval'"));
    for wanted in [
        format!("data-form-url=\"/openrosa/{token_path}/forms/debt_situation/1.xml\""),
        format!("data-submission-url=\"/openrosa/{token_path}/submission\""),
        "Saved in this browser, waiting to be sent:".to_string(),
    ] {
        assert!(page.contains(&wanted), "{wanted} in {page}");
    }
    // Another response, another nonce.
    let again = f.http.get(f.app.url(&href)).send().await.unwrap();
    assert!(!again.text().await.unwrap().contains(nonce));
    // Every other page keeps the strict policy.
    let list = f
        .http
        .get(format!("{}/web", f.device))
        .send()
        .await
        .unwrap();
    let strict = list.headers()["content-security-policy"].to_str().unwrap();
    assert!(strict.contains("script-src 'self';"), "{strict}");
    assert!(
        list.headers()["permissions-policy"]
            .to_str()
            .unwrap()
            .contains("geolocation=()")
    );

    // The client's script, compressed for those that take it.
    let script = page
        .split("src=\"")
        .filter_map(|s| s.split('"').next())
        .find(|s| s.ends_with("/odk-webforms.js"))
        .expect("the client's script")
        .to_string();
    let res = f
        .http
        .get(f.app.url(&script))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-encoding"], "gzip");
    assert!(res.bytes().await.unwrap().len() > 100_000);

    // The service worker that keeps the client for offline use, under the device's address.
    let res = f
        .http
        .get(format!("{}/web/sw.js", f.device))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.headers()["content-type"],
        "text/javascript; charset=utf-8"
    );
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("addEventListener('fetch'")
    );
    let res = f
        .http
        .get(f.app.url("/openrosa/rd_not-a-token/web/sw.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);

    // A form not offered to this device, a wrong token: refused.
    let res = f
        .http
        .get(
            f.app
                .url(&format!("/openrosa/{token_path}/web/no_such_form/1")),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    let res = f
        .http
        .get(f.app.url("/openrosa/rd_not-a-token/web"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
}
