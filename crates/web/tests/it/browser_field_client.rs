//! The web form client in headless Chromium, as a case manager without Android uses it: the
//! device's form list, the form drawn by ODK Web Forms from Reintegra's XForm (the returnee
//! picked from the device's case list), filled, sent while the network is cut (kept in the
//! browser, nothing on the server), then sent by itself when the network returns; the case page
//! then has the submission. The page opens again without a connection (its service worker kept
//! it); a form refused by the server (the device revoked meanwhile) stays in the browser with the
//! server's reason.

use crate::browser_languages::{axe_source, axe_violations};
use crate::field_forms::publish_corpus_form;
use crate::openrosa::{actor_of, start};
use crate::webdriver::Browser;
use serde_json::json;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// Clicks the client's own send button (ODK Web Forms draws it; it has no id of ours).
const SEND: &str = "[...document.querySelectorAll('#collect-form button')]
    .find(b => b.textContent.trim() === 'Send').click()";

async fn fill(b: &Browser, case_number: &str) {
    b.wait_until(&format!(
        "return !!document.querySelector(\"#collect-form input[value='{case_number}']\")"
    ))
    .await;
    b.click(&format!("#collect-form input[value='{case_number}']"))
        .await;
    b.click("#collect-form input[type=radio][value='no']").await;
}

/// The network between the browser and the server: a relay on its own port that can be cut.
/// Cutting it closes every open connection and refuses new ones, for the page and its service
/// worker alike (the browser's own offline switch covers the page only); the browser is told
/// too, so that it says it is offline and, later, online again.
struct Network {
    address: std::net::SocketAddr,
    cut: Arc<AtomicBool>,
    open: Arc<Mutex<Vec<tokio::task::AbortHandle>>>,
}

impl Network {
    async fn to(server: std::net::SocketAddr) -> Network {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let cut = Arc::new(AtomicBool::new(false));
        let open: Arc<Mutex<Vec<tokio::task::AbortHandle>>> = Arc::default();
        let (is_cut, opened) = (cut.clone(), open.clone());
        tokio::spawn(async move {
            while let Ok((mut browser_side, _)) = listener.accept().await {
                if is_cut.load(Ordering::SeqCst) {
                    continue; // dropped: the connection is refused
                }
                let relay = tokio::spawn(async move {
                    if let Ok(mut server_side) = tokio::net::TcpStream::connect(server).await {
                        let _ = tokio::io::copy_bidirectional(&mut browser_side, &mut server_side)
                            .await;
                    }
                });
                opened.lock().unwrap().push(relay.abort_handle());
            }
        });
        Network { address, cut, open }
    }

    /// `url` (of the server) as the browser reaches it, through this network.
    fn url(&self, url: &str, server: std::net::SocketAddr) -> String {
        url.replace(&server.to_string(), &self.address.to_string())
    }

    async fn set_offline(&self, b: &Browser, offline: bool) {
        self.cut.store(offline, Ordering::SeqCst);
        if offline {
            self.open.lock().unwrap().drain(..).for_each(|h| h.abort());
        }
        b.devtools("Network.enable", json!({})).await;
        b.devtools(
            "Network.emulateNetworkConditions",
            json!({"offline": offline, "latency": 0, "downloadThroughput": -1,
                   "uploadThroughput": -1}),
        )
        .await;
    }
}

async fn stored(f: &crate::openrosa::Field) -> usize {
    let case = f.case_id.parse().unwrap();
    f.app
        .store
        .submissions_for(store::Subject::Case(case))
        .await
        .unwrap()
        .iter()
        .filter(|s| s.form_id == "debt_situation")
        .count()
}

#[tokio::test]
async fn a_form_filled_offline_waits_in_the_browser_and_is_sent_when_the_network_returns() {
    let axe = axe_source();
    let f = start().await;
    publish_corpus_form(&f.app, "debt_situation.xlsx", "debt_situation", "1").await;
    let b = Browser::start().await;
    let net = Network::to(f.app.addr).await;
    b.goto(&net.url(&format!("{}/web", f.device), f.app.addr))
        .await;
    b.wait_for_text("Forms on this device").await;
    let v = axe_violations(&b, &axe).await;
    assert!(v.is_empty(), "the device's form list: {v:?}");
    b.click("a[href$='/web/debt_situation/1']").await;
    fill(&b, &f.case_number).await;
    b.screenshot("field-client-filled").await;
    let v = axe_violations(&b, &axe).await;
    assert!(v.is_empty(), "the web form client: {v:?}");

    // The network is cut: the form is kept in the browser and the client is ready for the next.
    net.set_offline(&b, true).await;
    b.script(SEND, json!([])).await;
    b.wait_until("return document.getElementById('collect-waiting').textContent === '1'")
        .await;
    b.wait_for_text("No connection: what you filled waits in this browser")
        .await;
    let picked = b
        .script(
            &format!(
                "return document.querySelector(\"#collect-form input[value='{}']\").checked",
                f.case_number
            ),
            json!([]),
        )
        .await;
    assert_eq!(picked, json!(false), "a blank form for the next visit");
    assert_eq!(stored(&f).await, 0, "nothing reached the server");
    b.screenshot("field-client-offline").await;

    // The network returns: what waited is sent by itself, once.
    net.set_offline(&b, false).await;
    b.wait_until("return document.getElementById('collect-waiting').textContent === '0'")
        .await;
    b.wait_for_text("Sent to the server: 1").await;
    assert_eq!(stored(&f).await, 1);
    let cm = f.app.signed_in("cm.dakar").await;
    let (status, page) = cm.get_text(&format!("/cases/{}", f.case_id)).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("Debt situation"),
        "the case has the submission"
    );

    // The page, kept by its service worker, opens again without a connection; filled again
    // there, but the device is revoked before it is sent: refused, kept, explained.
    b.wait_until(
        "caches.open('reintegra-collect-v1').then(c => c.keys()).then(keys => {
             window.kept = keys.some(k => k.url.endsWith('/manifest'))
                 && !!navigator.serviceWorker.controller; });
         return window.kept === true",
    )
    .await;
    let page = b.url().await;
    net.set_offline(&b, true).await;
    b.goto(&page).await;
    fill(&b, &f.case_number).await;
    // The worker is cut off too: what it has not kept cannot be had, so the page came from it.
    b.script(
        "window.reached = null; fetch(location.pathname.replace(/web\\/.*$/, 'formList'))
             .then(r => { window.reached = r.status; }, () => { window.reached = 'offline'; })",
        json!([]),
    )
    .await;
    b.wait_until("return window.reached !== null").await;
    let reached = b.script("return window.reached", json!([])).await;
    assert_eq!(
        reached,
        json!("offline"),
        "the network is cut for the worker as well"
    );
    b.wait_for_text("Saved in this browser, waiting to be sent:")
        .await;
    b.screenshot("field-client-reopened-offline").await;
    b.script(SEND, json!([])).await;
    b.wait_until("return document.getElementById('collect-waiting').textContent === '1'")
        .await;
    let core = app::App::new(f.app.store.clone());
    let actor = actor_of(&f.app, "cm.dakar").await;
    for d in app::field::devices(&core, &actor).await.unwrap() {
        app::accounts::revoke_api_token(&core, &actor, d.id)
            .await
            .unwrap();
    }
    net.set_offline(&b, false).await;
    b.wait_until("return !document.getElementById('collect-refused').hidden")
        .await;
    let refused = b.text("#collect-refused").await;
    assert!(
        refused.contains("unknown or was revoked"),
        "the server's reason: {refused}"
    );
    assert_eq!(b.text("#collect-waiting").await, "0");
    assert_eq!(stored(&f).await, 1, "nothing more stored");
    b.quit().await;
}
