//! HTTP journeys against the real application: sign-in, CSRF, the case register, consent,
//! audit, bad input, the JSON API.

use crate::common::*;
use domain::Role;
use serde_json::{Value, json};

async fn app_with_office() -> (TestApp, domain::OfficeId) {
    let app = spawn_app().await;
    let office = app.office("DKR").await;
    app.user("cm.one", Role::CaseManager, Some(office)).await;
    (app, office)
}

/// Registers the standard test case and returns its id.
async fn register(c: &Client) -> String {
    let csrf = c.csrf("/cases/new").await;
    let res = c.post_form("/cases", &csrf, &registration()).await;
    assert_eq!(res.status(), 303, "registration redirects to the new case");
    location(&res).trim_start_matches("/cases/").to_string()
}

#[tokio::test]
async fn health_and_security_headers_on_every_response() {
    let app = spawn_app().await;
    let c = Client::new(&app);
    let res = c.get("/healthz").await;
    assert_eq!(res.status(), 200);
    for path in ["/healthz", "/login", "/no-such-page", "/api/v1/cases"] {
        let res = c.get(path).await;
        let h = res.headers();
        let csp = h.get("content-security-policy").unwrap().to_str().unwrap();
        assert!(
            csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
            "{path}"
        );
        assert!(csp.contains("frame-ancestors 'none'"));
        assert_eq!(h.get("x-content-type-options").unwrap(), "nosniff");
        assert!(h.get("referrer-policy").is_some());
    }
    assert_eq!(c.get("/healthz").await.text().await.unwrap(), "ok");
}

#[tokio::test]
async fn sign_in_good_bad_and_throttled() {
    let (app, _) = app_with_office().await;
    let c = Client::new(&app);
    // Pages need a signed-in user.
    let res = c.get("/cases").await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/login?next=/cases");

    let res = c.sign_in("cm.one", "wrong password").await;
    assert_eq!(res.status(), 401);
    let page = res.text().await.unwrap();
    assert!(page.contains("The username or password is not right"));
    assert!(
        page.contains("value=\"cm.one\""),
        "the typed username is kept"
    );
    let res = c.sign_in("nobody", "whatever it is").await;
    assert_eq!(res.status(), 401, "unknown users get the same answer");

    let res = c.sign_in("cm.one", PASSWORD).await;
    assert_eq!(res.status(), 303);
    let cookie = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|v| v.starts_with("reintegra_session="))
        .unwrap();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    let (status, page) = c.get_text("/cases").await;
    assert_eq!(status, 200);
    assert!(page.contains("cm.one name"));

    // After a few failures from one address, attempts at the account from there must wait,
    // longer after each: the right password is not even checked until then.
    let other = Client::new(&app);
    for _ in 0..3 {
        assert_eq!(
            other.sign_in("cm.one", "not the password").await.status(),
            401
        );
    }
    let res = other.sign_in("cm.one", PASSWORD).await;
    assert_eq!(res.status(), 429);
    let page = res.text().await.unwrap();
    assert!(
        page.contains("Too many failed attempts. Wait ") && page.contains(" seconds"),
        "says how long: {page}"
    );
}

#[tokio::test]
async fn many_failures_from_one_address_slow_that_address_down() {
    let (app, _) = app_with_office().await;
    let c = Client::new(&app);
    // Twenty failures spread over many names, one each: no name slowed down on its own.
    for i in 0..20 {
        let res = c.sign_in(&format!("guess{i}"), "not it").await;
        assert_eq!(res.status(), 401);
    }
    let res = c.sign_in("cm.one", PASSWORD).await;
    assert_eq!(
        res.status(),
        429,
        "the address is throttled, even for a good password"
    );
}

#[tokio::test]
async fn idle_sessions_expire() {
    let config = web::Config {
        session_policy: domain::security::SessionPolicy {
            // Long enough that signing in and the first page fit in it on a busy machine.
            idle: time::Duration::seconds(3),
            absolute: time::Duration::hours(1),
        },
        ..Default::default()
    };
    let app = spawn_app_with(config).await;
    let office = app.office("DKR").await;
    app.user("cm.one", Role::CaseManager, Some(office)).await;
    let c = app.signed_in("cm.one").await;
    assert_eq!(c.get("/cases").await.status(), 200);
    tokio::time::sleep(std::time::Duration::from_millis(3300)).await;
    let res = c.get("/cases").await;
    assert_eq!(res.status(), 303);
    assert!(location(&res).starts_with("/login"));
}

#[tokio::test]
async fn forms_without_the_csrf_token_are_refused() {
    let (app, _) = app_with_office().await;
    let c = app.signed_in("cm.one").await;
    let res = c.post_form("/cases", "forged", &registration()).await;
    assert_eq!(res.status(), 403);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("did not come from Reintegra")
    );
    // Sign-in without the form's token is refused too.
    let fresh = Client::new(&app);
    let res = fresh
        .post_form(
            "/login",
            "guess",
            &[("username", "cm.one"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(res.status(), 403);
    // Nothing was registered.
    let (_, page) = c.get_text("/cases").await;
    assert!(page.contains("No cases match"));
}

#[tokio::test]
async fn register_find_open_edit_and_stale_edit_refused() {
    let (app, _) = app_with_office().await;
    let c = app.signed_in("cm.one").await;
    let id = register(&c).await;

    // The list finds it by name, accent- and case-insensitively, and by case number.
    for q in ["aminata", "DIALLO", "Amin Dial", "DKR-2026"] {
        let (status, page) = c
            .get_text(&format!("/cases?q={}", q.replace(' ', "+")))
            .await;
        assert_eq!(status, 200);
        assert!(page.contains("Aminata Diallo"), "search {q}");
    }
    let (_, page) = c.get_text("/cases?q=nobody").await;
    assert!(page.contains("No cases match"));
    // htmx asks for the results only.
    let res = c
        .http
        .get(app.url("/cases?q=aminata"))
        .header("hx-request", "true")
        .send()
        .await
        .unwrap();
    let fragment = res.text().await.unwrap();
    assert!(fragment.contains("Aminata Diallo") && !fragment.contains("<html"));

    // The case page shows the profile, household, consent and the timeline.
    let (status, page) = c.get_text(&format!("/cases/{id}")).await;
    assert_eq!(status, 200);
    let year = time::OffsetDateTime::now_utc().year();
    assert!(page.contains(&format!("DKR-{year}-00001")));
    for text in [
        "Tambacounda",
        "Moussa Diallo",
        "Assisted voluntary return",
        "Health needs",
        "30 months",
        "Created",
    ] {
        assert!(page.contains(text), "case page shows {text}");
    }
    assert!(page.contains("Being contacted</td><td class=\"ok\">Given"));

    // Edit: open the form (version 1), change the phone, save.
    let (_, form) = c.get_text(&format!("/cases/{id}/edit")).await;
    assert!(form.contains("name=\"version\" value=\"1\""));
    let csrf = csrf_of(&form);
    let mut fields = registration();
    fields.retain(|(k, _)| !k.starts_with("consent_"));
    fields.push(("version", "1"));
    let mut changed = fields.clone();
    changed.retain(|(k, _)| *k != "phone");
    changed.push(("phone", "+221 70 123 45 67"));
    let res = c
        .post_form(&format!("/cases/{id}/edit"), &csrf, &changed)
        .await;
    assert_eq!(res.status(), 303);
    let (_, page) = c.get_text(&format!("/cases/{id}")).await;
    assert!(page.contains("+221 70 123 45 67"));
    assert!(
        page.contains("<td>Phone</td><td>+221 77 000 00 00</td><td>+221 70 123 45 67</td>"),
        "timeline shows before and after"
    );

    // A second edit still based on version 1 is refused, keeps what was typed, changes nothing.
    let mut stale = fields.clone();
    stale.retain(|(k, _)| *k != "phone");
    stale.push(("phone", "+221 76 999 99 99"));
    let res = c
        .post_form(&format!("/cases/{id}/edit"), &csrf, &stale)
        .await;
    assert_eq!(res.status(), 409);
    let page = res.text().await.unwrap();
    assert!(page.contains("Someone else saved this case"));
    assert!(
        page.contains("value=\"+221 76 999 99 99\""),
        "the typed value is kept on screen"
    );
    let (_, page) = c.get_text(&format!("/cases/{id}")).await;
    assert!(page.contains("+221 70 123 45 67") && !page.contains("+221 76 999 99 99"));

    // Audit: create, update, and the views are recorded, with field-level changes.
    let entries = app
        .store
        .audit_for_record("case", &id, store::AuditScope::ChangesAndViews)
        .await
        .unwrap();
    let actions: Vec<&str> = entries.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions.iter().filter(|a| **a == "create").count(), 1);
    assert_eq!(
        actions.iter().filter(|a| **a == "update").count(),
        3,
        "two consents at registration and one edit"
    );
    assert!(actions.iter().filter(|a| **a == "view").count() >= 2);
    let edit = entries
        .iter()
        .rfind(|e| e.action.as_str() == "update")
        .unwrap();
    assert_eq!(edit.changes.len(), 1);
    assert_eq!(edit.changes[0].field, "phone");
}

#[tokio::test]
async fn bad_input_is_explained_and_kept() {
    let (app, _) = app_with_office().await;
    let c = app.signed_in("cm.one").await;
    let csrf = c.csrf("/cases/new").await;
    let mut fields = registration();
    fields.retain(|(k, _)| !matches!(*k, "family_name" | "date_of_birth" | "return_date"));
    fields.push(("family_name", ""));
    fields.push(("date_of_birth", "2010-05-01"));
    fields.push(("return_date", "2009-01-01"));
    let res = c.post_form("/cases", &csrf, &fields).await;
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(page.contains("Some answers need attention"));
    assert!(page.contains("This is required."));
    assert!(page.contains("The date of return is before the date of birth."));
    assert!(page.contains("value=\"Aminata\""), "typed input is kept");
    assert!(
        page.contains("value=\"Moussa Diallo\""),
        "household rows are kept"
    );

    // Unreadable and impossible dates.
    let mut fields = registration();
    fields.retain(|(k, _)| !matches!(*k, "return_date"));
    fields.push(("return_date", "31/02/2026"));
    let res = c.post_form("/cases", &csrf, &fields).await;
    assert_eq!(res.status(), 422);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("Enter a date as year-month-day")
    );
    let mut fields = registration();
    fields.retain(|(k, _)| !matches!(*k, "return_date"));
    fields.push(("return_date", "2099-01-01"));
    let res = c.post_form("/cases", &csrf, &fields).await;
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("This date is in the future.")
    );

    // An oversized body is refused with a message, not a crash.
    let huge = "x".repeat(web::MAX_BODY_BYTES + 10);
    let mut fields = registration();
    fields.push(("address", &huge));
    let res = c.post_form("/cases", &csrf, &fields).await;
    assert_eq!(res.status(), 413);
    assert!(res.text().await.unwrap().contains("too large"));

    // Unknown and malformed ids.
    for path in [
        "/cases/00000000-0000-0000-0000-000000000000",
        "/cases/not-a-uuid",
        "/cases/not-a-uuid/edit",
    ] {
        let (status, page) = c.get_text(path).await;
        assert_eq!(status, 404, "{path}");
        assert!(page.contains("There is nothing here"));
    }
    // Unreadable filters are explained, not ignored.
    let (status, page) = c.get_text("/cases?returned_from=yesterday").await;
    assert_eq!(status, 200);
    assert!(page.contains("Returned on or after: Enter a date"));
    // Nothing was registered by any of this.
    assert!(c.get_text("/cases").await.1.contains("No cases match"));
}

#[tokio::test]
async fn household_rows_can_be_added_without_saving() {
    let (app, _) = app_with_office().await;
    let c = app.signed_in("cm.one").await;
    let csrf = c.csrf("/cases/new").await;
    let mut fields = registration();
    fields.push(("action", "add_member"));
    let res = c.post_form("/cases", &csrf, &fields).await;
    assert_eq!(res.status(), 200);
    let page = res.text().await.unwrap();
    assert_eq!(
        page.matches("name=\"hh_name\"").count(),
        3,
        "the typed row, one blank, one added"
    );
    assert!(c.get_text("/cases").await.1.contains("No cases match"));
}

#[tokio::test]
async fn consent_is_recorded_and_withdrawn_never_deleted() {
    let (app, _) = app_with_office().await;
    let c = app.signed_in("cm.one").await;
    let id = register(&c).await;
    let csrf = c.csrf(&format!("/cases/{id}")).await;
    let path = format!("/cases/{id}/consents");
    // Nothing to withdraw for sharing yet.
    let res = c
        .post_form(
            &path,
            &csrf,
            &[
                ("purpose", "sharing_with_providers"),
                ("decision", "withdrawn"),
                ("method", "verbal_by_phone"),
                ("date", "2026-03-01"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("There is no consent in force")
    );
    // Withdraw consent to be contacted.
    let today = time::OffsetDateTime::now_utc().date().to_string();
    let res = c
        .post_form(
            &path,
            &csrf,
            &[
                ("purpose", "contact"),
                ("decision", "withdrawn"),
                ("method", "verbal_by_phone"),
                ("date", &today),
                ("notes", "asked by phone"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let (_, page) = c.get_text(&format!("/cases/{id}")).await;
    assert!(page.contains(&format!(
        "Being contacted</td><td class=\"no\">Withdrawn ({today})"
    )));
    assert!(page.contains("asked by phone"));
    let consents = app.store.consents(id.parse().unwrap()).await.unwrap();
    assert_eq!(consents.len(), 3, "the withdrawal is a new record");
}

#[tokio::test]
async fn first_sign_in_requires_a_new_password() {
    let app = spawn_app().await;
    app.user_with("admin", Role::Admin, None, true).await;
    let c = app.signed_in("admin").await;
    let res = c.get("/admin/users").await;
    assert_eq!(location(&res), "/account/password");
    let res = c.http.get(app.url("/api/v1/me")).send().await.unwrap();
    assert_eq!(res.status(), 403);
    let csrf = c.csrf("/account/password").await;
    let res = c
        .post_form(
            "/account/password",
            &csrf,
            &[("current", PASSWORD), ("new", "short"), ("repeat", "short")],
        )
        .await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("at least 10 characters"));
    let res = c
        .post_form(
            "/account/password",
            &csrf,
            &[
                ("current", PASSWORD),
                ("new", "my own good passphrase"),
                ("repeat", "my own good passphrase"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(c.get("/admin/users").await.status(), 200);
    // The old password no longer works.
    assert_eq!(
        Client::new(&app).sign_in("admin", PASSWORD).await.status(),
        401
    );
}

#[tokio::test]
async fn admin_adds_a_user_with_a_one_time_password() {
    let app = spawn_app().await;
    let office = app.office("DKR").await;
    app.user("root", Role::Admin, None).await;
    let c = app.signed_in("root").await;
    let csrf = c.csrf("/admin/users").await;
    let res = c
        .post_form(
            "/admin/users",
            &csrf,
            &[
                ("username", "new.cm"),
                ("display_name", "New Case Manager"),
                ("role", "case-manager"),
                ("office", ""),
            ],
        )
        .await;
    assert_eq!(res.status(), 422, "a case manager needs an office");
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("must belong to an office")
    );
    let office = office.to_string();
    let res = c
        .post_form(
            "/admin/users",
            &csrf,
            &[
                ("username", "new.cm"),
                ("display_name", "New Case Manager"),
                ("role", "case-manager"),
                ("office", &office),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
    let page = res.text().await.unwrap();
    let marker = "id=\"one-time-password\">";
    let start = page.find(marker).unwrap() + marker.len();
    let otp = &page[start..start + 19];
    let fresh = Client::new(&app);
    let res = fresh.sign_in("new.cm", otp).await;
    assert_eq!(location(&res), "/account/password");
}

#[tokio::test]
async fn sign_out_ends_the_session() {
    let (app, _) = app_with_office().await;
    let c = app.signed_in("cm.one").await;
    let csrf = c.csrf("/cases").await;
    assert_eq!(c.post_form("/logout", &csrf, &[]).await.status(), 303);
    assert_eq!(c.get("/cases").await.status(), 303);
}

#[tokio::test]
async fn viewers_see_counts_with_small_cells_hidden() {
    let (app, _) = app_with_office().await;
    app.user("donor", Role::Viewer, None).await;
    app.user("pm.national", Role::ProgrammeManager, None).await;
    let c = app.signed_in("cm.one").await;
    register(&c).await;
    register(&c).await;
    let viewer = app.signed_in("donor").await;
    let (status, page) = viewer.get_text("/overview").await;
    assert_eq!(status, 200);
    assert!(page.contains("fewer than 5"));
    assert!(!page.contains("Aminata"));
    assert_eq!(viewer.get("/cases").await.status(), 403);
    let pm = app.signed_in("pm.national").await;
    let (_, page) = pm.get_text("/overview").await;
    assert!(page.contains("<td>2</td>"));
}

// ---------------------------------------------------------------------------------------------
// JSON API

#[tokio::test]
async fn api_create_list_get_update_and_stale_update() {
    let (app, _) = app_with_office().await;
    let c = app.signed_in("cm.one").await;
    let token = api_token(&c).await;
    let api = reqwest::Client::new();
    let auth = format!("Bearer {token}");

    let res = api.get(app.url("/api/v1/cases")).send().await.unwrap();
    assert_eq!(res.status(), 401);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "unauthenticated");

    let res = api
        .post(app.url("/api/v1/cases"))
        .header("authorization", &auth)
        .json(&json!({"profile": profile_json("Cheikh", "Mbaye"), "consents": [{"purpose": "contact", "decision": "given", "method": "verbal_by_phone", "date": "2026-05-03"}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let case: Value = res.json().await.unwrap();
    let id = case["id"].as_str().unwrap().to_string();
    assert_eq!(case["version"], 1);
    assert_eq!(case["office"], "DKR");
    assert_eq!(case["age_at_return"], 36);

    let list: Value = api
        .get(app.url("/api/v1/cases?q=mbaye&sex=male"))
        .header("authorization", &auth)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["family_name"], "Mbaye");

    let res = api
        .get(app.url(&format!("/api/v1/cases/{id}")))
        .header("authorization", &auth)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);

    let mut profile = case["profile"].clone();
    profile["phone"] = json!("+221 78 555 44 33");
    let res = api
        .put(app.url(&format!("/api/v1/cases/{id}")))
        .header("authorization", &auth)
        .json(&json!({"version": 1, "profile": profile}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let updated: Value = res.json().await.unwrap();
    assert_eq!(updated["version"], 2);

    profile["phone"] = json!("+221 78 000 00 00");
    let res = api
        .put(app.url(&format!("/api/v1/cases/{id}")))
        .header("authorization", &auth)
        .json(&json!({"version": 1, "profile": profile}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 409);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "conflict");
    let now: Value = api
        .get(app.url(&format!("/api/v1/cases/{id}")))
        .header("authorization", &auth)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(now["profile"]["phone"], "+221 78 555 44 33");
    assert_eq!(now["version"], 2);

    let consents: Value = api
        .get(app.url(&format!("/api/v1/cases/{id}/consents")))
        .header("authorization", &auth)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(consents.as_array().unwrap().len(), 1);

    // Revoking the token shuts it out.
    let (_, account) = c.get_text("/account").await;
    let marker = "action=\"/account/tokens/";
    let start = account.find(marker).unwrap() + marker.len();
    let token_id = account[start..].split('/').next().unwrap().to_string();
    let csrf = csrf_of(&account);
    c.post_form(&format!("/account/tokens/{token_id}/revoke"), &csrf, &[])
        .await;
    let res = api
        .get(app.url("/api/v1/cases"))
        .header("authorization", &auth)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
}

#[tokio::test]
async fn api_refuses_bad_input_with_json_errors() {
    let (app, _) = app_with_office().await;
    let c = app.signed_in("cm.one").await;
    let token = api_token(&c).await;
    let api = reqwest::Client::new();
    let auth = format!("Bearer {token}");
    let post = |body: String, ct: &'static str| {
        api.post(app.url("/api/v1/cases"))
            .header("authorization", auth.clone())
            .header("content-type", ct)
            .body(body)
            .send()
    };
    let res = post("{not json".into(), "application/json").await.unwrap();
    assert_eq!(res.status(), 400);
    assert_eq!(
        res.json::<Value>().await.unwrap()["error"]["code"],
        "bad_request"
    );
    let res = post("{}".into(), "text/plain").await.unwrap();
    assert_eq!(res.status(), 415);
    let mut p = profile_json("A", "B");
    p["date_of_birth"] = json!("2020-01-01");
    p["return_date"] = json!("2019-01-01");
    p["given_name"] = json!("");
    let res = post(json!({"profile": p}).to_string(), "application/json")
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let body: Value = res.json().await.unwrap();
    let fields: Vec<&str> = body["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert!(
        fields.contains(&"given_name") && fields.contains(&"return_date"),
        "{fields:?}"
    );
    let res = post(
        format!("{{\"x\": \"{}\"}}", "y".repeat(web::MAX_BODY_BYTES)),
        "application/json",
    )
    .await
    .unwrap();
    assert_eq!(res.status(), 413);
    assert_eq!(
        res.json::<Value>().await.unwrap()["error"]["code"],
        "payload_too_large"
    );
    let res = api
        .get(app.url("/api/v1/cases/nope"))
        .header("authorization", &auth)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    assert_eq!(
        res.json::<Value>().await.unwrap()["error"]["code"],
        "not_found"
    );
    let res = api
        .get(app.url("/api/v1/cases?per_page=5000"))
        .header("authorization", &auth)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let res = api
        .get(app.url("/api/v1/cases"))
        .header("authorization", "Bearer rt_forged")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
}

#[tokio::test]
async fn api_writes_with_a_session_need_the_csrf_header() {
    let (app, _) = app_with_office().await;
    let c = app.signed_in("cm.one").await;
    let body = json!({"profile": profile_json("Lamine", "Sane")});
    let res = c
        .http
        .post(app.url("/api/v1/cases"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert_eq!(
        res.json::<Value>().await.unwrap()["error"]["code"],
        "csrf_failed"
    );
    let csrf = c.csrf("/cases").await;
    let res = c
        .http
        .post(app.url("/api/v1/cases"))
        .header("x-csrf-token", csrf)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
}

#[tokio::test]
async fn openapi_document_describes_the_api() {
    let app = spawn_app().await;
    let doc: Value = reqwest::get(app.url("/api/v1/openapi.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for path in [
        "/api/v1/cases",
        "/api/v1/cases/{id}",
        "/api/v1/cases/{id}/consents",
        "/api/v1/me",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} documented");
    }
    assert!(doc["paths"]["/api/v1/cases/{id}"]["put"].is_object());
    assert!(doc["components"]["schemas"]["ReturneeProfile"].is_object());
    // Every schema a path or another schema refers to is in the document.
    fn refs(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(m) => {
                if let Some(Value::String(r)) = m.get("$ref") {
                    out.push(r.clone());
                }
                m.values().for_each(|x| refs(x, out));
            }
            Value::Array(a) => a.iter().for_each(|x| refs(x, out)),
            _ => {}
        }
    }
    let mut all = Vec::new();
    refs(&doc, &mut all);
    assert!(
        all.iter().any(|r| r.ends_with("/CheckMark")),
        "evaluations' checklist"
    );
    for r in &all {
        let name = r.trim_start_matches("#/components/schemas/");
        assert!(
            doc["components"]["schemas"][name].is_object(),
            "{r} is defined"
        );
    }
    // Every API route of the server is documented.
    for spec in web::routes::ROUTES
        .iter()
        .filter(|r| r.path.starts_with("/api/v1/") && r.name != "api.openapi")
    {
        let method = spec.method.to_lowercase();
        assert!(
            doc["paths"][spec.path][&method].is_object(),
            "{} {} missing from the OpenAPI document",
            spec.method,
            spec.path
        );
    }
}

/// A handler that forgets to authorize: it answers anyone its route lets through.
async fn careless_handler() -> &'static str {
    "everything about every returnee"
}

#[tokio::test]
async fn a_route_whose_handler_forgot_to_authorize_is_still_refused_by_its_declared_access() {
    use web::routes::{Access, ROUTES, RouteSpec};
    let careless = [
        RouteSpec {
            name: "careless.page",
            method: "GET",
            path: "/careless",
            access: Access::Action(domain::authz::Action::ManageUsers),
        },
        RouteSpec {
            name: "careless.api",
            method: "GET",
            path: "/api/v1/careless",
            access: Access::Action(domain::authz::Action::ManageUsers),
        },
    ];
    // The real routes (to sign in) and the careless ones.
    let specs: Vec<RouteSpec> = ROUTES.iter().chain(&careless).copied().collect();
    let app = spawn_routed(web::Config::default(), |state| {
        web::router_with(state, &specs, |name| {
            web::routes::handler(name).or_else(|| {
                name.starts_with("careless.")
                    .then(|| axum::routing::get(careless_handler))
            })
        })
    })
    .await;
    let office = app.office("DKR").await;
    app.user("cm.one", Role::CaseManager, Some(office)).await;
    app.user("admin.one", Role::Admin, None).await;

    // Nobody signed in: the page asks to sign in, the API answers 401.
    let anonymous = Client::new(&app);
    let res = anonymous.get("/careless").await;
    assert_eq!(res.status(), 303);
    assert!(location(&res).starts_with("/login?next="));
    assert_eq!(anonymous.get("/api/v1/careless").await.status(), 401);

    // A case manager may never manage accounts: refused before the handler runs.
    let cm = app.signed_in("cm.one").await;
    let (status, body) = cm.get_text("/careless").await;
    assert_eq!(status, 403);
    assert!(!body.contains("every returnee"));
    assert_eq!(cm.get("/api/v1/careless").await.status(), 403);

    // An administrator may: the route lets the request through.
    let admin = app.signed_in("admin.one").await;
    let (status, body) = admin.get_text("/careless").await;
    assert_eq!(status, 200);
    assert_eq!(body, "everything about every returnee");
}

#[tokio::test]
async fn searching_for_punctuation_finds_nothing_instead_of_failing() {
    let (app, _) = app_with_office().await;
    let c = app.signed_in("cm.one").await;
    register(&c).await;
    let token = api_token(&c).await;
    // What a person may type into the search box: percent signs, underscores, backslashes,
    // quotes, alone or around a name (URL-encoded as a browser sends them).
    for q in [
        "%25", "_", "%5C", "%25%25", "%27", "%22", "*", "%25_%5C", "-",
    ] {
        let (status, page) = c.get_text(&format!("/cases?q={q}")).await;
        assert_eq!(status, 200, "page search {q}");
        assert!(page.contains("No cases match"), "page search {q}");
        let res = c
            .http
            .get(app.url(&format!("/api/v1/cases?q={q}")))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "API search {q}");
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["total"], 0, "API search {q}");
    }
    // A name with punctuation around it is still found.
    for q in ["%25aminata", "diallo_", "%5Caminata%25"] {
        let (status, page) = c.get_text(&format!("/cases?q={q}")).await;
        assert_eq!(status, 200);
        assert!(page.contains("Aminata Diallo"), "search {q}");
    }
}

#[tokio::test]
async fn each_role_lands_where_its_work_is() {
    let (app, office) = app_with_office().await;
    app.user("pm.one", Role::ProgrammeManager, Some(office))
        .await;
    app.user("viewer.one", Role::Viewer, None).await;
    for (user, home) in [
        ("cm.one", "/my-work"),
        ("pm.one", "/cases"),
        ("viewer.one", "/overview"),
    ] {
        let c = app.signed_in(user).await;
        let res = c.get("/").await;
        assert_eq!(res.status(), 303, "{user}");
        assert_eq!(location(&res), home, "{user}");
    }
    // The case manager's landing page is their work list.
    let cm = app.signed_in("cm.one").await;
    let (status, page) = cm.get_text("/my-work").await;
    assert_eq!(status, 200);
    assert!(page.contains("My work"));
}

#[tokio::test]
async fn the_timeline_says_what_codes_mean() {
    let (app, _) = app_with_office().await;
    let c = app.signed_in("cm.one").await;
    let id = register(&c).await;
    let (status, page) = c.get_text(&format!("/cases/{id}")).await;
    assert_eq!(status, 200);
    // The household member recorded at registration, in words rather than codes.
    assert!(page.contains("Moussa Diallo (Child, Male"), "{page}");
    assert!(!page.contains("(child, male"));
}

#[tokio::test]
async fn the_case_pages_use_each_element_id_once() {
    let (app, _) = app_with_office().await;
    let c = app.signed_in("cm.one").await;
    let id = register(&c).await;
    map_service(&app, "Clinic A", "Dakar").await;
    for path in [
        format!("/cases/{id}"),
        format!("/cases/{id}/referrals"),
        format!("/cases/{id}/plan/edit"),
        format!("/cases/{id}/follow-up"),
        format!("/cases/{id}/closure"),
        "/cases/new".to_string(),
    ] {
        let (status, page) = c.get_text(&path).await;
        assert_eq!(status, 200, "{path}");
        let dup = duplicate_ids(&page);
        assert!(dup.is_empty(), "{path} repeats ids: {dup:?}");
    }
}

#[tokio::test]
async fn a_hidden_small_count_cannot_be_worked_out_from_the_totals() {
    let (app, _) = app_with_office().await;
    app.user("donor", Role::Viewer, None).await;
    let c = app.signed_in("cm.one").await;
    // Seven women and two men: with the office total shown, showing the women's 7 would tell
    // that the men are 2.
    for i in 0..9 {
        let sex = if i < 7 { "female" } else { "male" };
        register_named(&app, &c, &format!("Person{i}"), sex).await;
    }
    let viewer = app.signed_in("donor").await;
    let (status, page) = viewer.get_text("/overview").await;
    assert_eq!(status, 200);
    let by_sex = &page[page.find("Cases by office and sex").unwrap()..];
    assert!(by_sex.contains("<td>hidden</td>"), "{by_sex}");
    assert!(by_sex.contains("<td>fewer than 5</td>"));
    assert!(
        !by_sex.contains("<td>7</td>"),
        "the women's count would give the men's away"
    );
    assert!(by_sex.contains("<td>9</td>"), "the office total stays");
    assert!(page.contains("so that a smaller one cannot be worked out"));
}

#[tokio::test]
async fn a_count_hidden_to_protect_another_is_labelled_hidden_not_small() {
    let (app, _) = app_with_office().await;
    let tam = app.office("TAM").await;
    app.user("cm.tam", Role::CaseManager, Some(tam)).await;
    app.user("donor", Role::Viewer, None).await;
    let dkr = app.signed_in("cm.one").await;
    for i in 0..7 {
        register_named(&app, &dkr, &format!("Dakar{i}"), "female").await;
    }
    let tamba = app.signed_in("cm.tam").await;
    for i in 0..2 {
        register_named(&app, &tamba, &format!("Tamba{i}"), "male").await;
    }
    let viewer = app.signed_in("donor").await;
    let (status, page) = viewer.get_text("/results/dashboard").await;
    assert_eq!(status, 200);
    // Cases by office: Tambacounda's 2 is small; Dakar's 7 is hidden so that the 2 cannot be
    // worked out from the total, and says so rather than "fewer than 5".
    assert!(page.contains(">fewer than 5<"), "{page}");
    assert!(page.contains(">hidden<"), "{page}");
}

/// Access is decided before the body is read: a role that may never do this gets 403, whatever
/// it sent (an unreadable body, or none at all).
#[tokio::test]
async fn api_refuses_a_forbidden_role_before_reading_its_body() {
    let (app, _) = app_with_office().await;
    app.user("viewer.body", Role::Viewer, None).await;
    let c = app.signed_in("viewer.body").await;
    let token = api_token(&c).await;
    let api = reqwest::Client::new();
    for (body, ct) in [("{not json", "application/json"), ("", "text/plain")] {
        let res = api
            .post(app.url("/api/v1/cases"))
            .bearer_auth(&token)
            .header("content-type", ct)
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 403, "{body:?} as {ct}");
        assert_eq!(
            res.json::<Value>().await.unwrap()["error"]["code"],
            "forbidden"
        );
    }
}

/// The OpenAPI document lists, on every operation, the errors the server may answer there,
/// each with the `{"error": …}` body it sends; and no two types share a schema name.
#[tokio::test]
async fn the_api_document_lists_every_error_with_its_body() {
    let (app, _) = app_with_office().await;
    let doc: Value = reqwest::get(app.url("/api/v1/openapi.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut operations = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            operations += 1;
            let responses = op["responses"].as_object().unwrap();
            let mut needed = vec!["400", "401", "403"];
            if path.contains('{') {
                needed.push("404");
            }
            if op.get("requestBody").is_some() {
                needed.extend(["415", "422"]);
            }
            for code in needed {
                let r = &responses
                    .get(code)
                    .unwrap_or_else(|| panic!("{method} {path} lacks {code}"));
                assert_eq!(
                    r["content"]["application/json"]["schema"]["$ref"],
                    "#/components/schemas/ApiError",
                    "{method} {path} {code}"
                );
            }
        }
    }
    assert!(operations > 90);
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    // Names once shared by two types (the document kept only one of each).
    assert!(schemas.contains_key("PlanAgreementJson") && schemas.contains_key("AgreementJson"));
    assert!(schemas.contains_key("ScheduledVisitJson") && schemas.contains_key("VisitJson"));
    let profile = serde_json::to_string(&schemas["ReturneeProfile"]).unwrap();
    assert!(profile.contains("anyOf") && profile.contains("age_at_return"));
}

#[tokio::test]
async fn assets_come_compressed_with_brotli_or_gzip_and_cached_for_a_year() {
    let app = spawn_app().await;
    let (_, login) = Client::new(&app).get_text("/login").await;
    let path = login
        .split("src=\"")
        .find(|s| s.starts_with("/assets/") && s.contains("htmx.min.js"))
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_string();
    let http = reqwest::Client::new();
    let plain = http.get(app.url(&path)).send().await.unwrap();
    assert_eq!(plain.headers().get("content-encoding"), None);
    assert!(
        plain.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("immutable")
    );
    let original = plain.bytes().await.unwrap();
    let squeezed = http
        .get(app.url(&path))
        .header("accept-encoding", "br, gzip;q=0.8")
        .send()
        .await
        .unwrap();
    assert_eq!(squeezed.headers()["content-encoding"], "br");
    let body = squeezed.bytes().await.unwrap();
    let mut unsqueezed = Vec::new();
    std::io::Read::read_to_end(
        &mut brotli::Decompressor::new(&body[..], 4096),
        &mut unsqueezed,
    )
    .unwrap();
    assert_eq!(unsqueezed, original.to_vec());
    let brotli_size = body.len();
    let zipped = http
        .get(app.url(&path))
        .header("accept-encoding", "gzip, deflate")
        .send()
        .await
        .unwrap();
    assert_eq!(zipped.headers()["content-encoding"], "gzip");
    assert_eq!(zipped.headers()["vary"], "accept-encoding");
    let body = zipped.bytes().await.unwrap();
    assert!(
        body.len() * 2 < original.len(),
        "{} of {}",
        body.len(),
        original.len()
    );
    assert!(brotli_size < body.len(), "{brotli_size} ≥ {}", body.len());
    let mut unzipped = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&body[..]), &mut unzipped)
        .unwrap();
    assert_eq!(unzipped, original.to_vec());
    let refused = http
        .get(app.url(&path))
        .header("accept-encoding", "gzip;q=0, br;q=0")
        .send()
        .await
        .unwrap();
    assert_eq!(refused.headers().get("content-encoding"), None);
}

#[tokio::test]
async fn pages_come_compressed_and_never_carry_the_same_csrf_bytes_twice() {
    let app = spawn_app().await;
    let office = app.office("DKR").await;
    app.user("cm.zip", domain::Role::CaseManager, Some(office))
        .await;
    let cm = app.signed_in("cm.zip").await;
    // Each page masks the session's key afresh: compression next to reflected text (a search)
    // cannot be used to guess it.
    let (_, first) = cm.get_text("/cases?q=abc").await;
    let (_, second) = cm.get_text("/cases?q=abc").await;
    assert_ne!(csrf_of(&first), csrf_of(&second));
    // Either still works.
    let res = cm
        .post_form("/language", &csrf_of(&first), &[("lang", "en")])
        .await;
    assert_ne!(res.status(), 403);
    let res = cm
        .http
        .get(app.url("/cases"))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["content-encoding"], "gzip");
    let body = res.bytes().await.unwrap();
    let mut page = String::new();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&body[..]), &mut page).unwrap();
    assert!(page.contains("</html>"));
    assert!(
        body.len() * 2 < page.len(),
        "{} of {}",
        body.len(),
        page.len()
    );
    let res = cm
        .http
        .get(app.url("/cases"))
        .header("accept-encoding", "br")
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["content-encoding"], "br");
    let body = res.bytes().await.unwrap();
    let mut page = String::new();
    std::io::Read::read_to_string(&mut brotli::Decompressor::new(&body[..], 4096), &mut page)
        .unwrap();
    assert!(page.contains("</html>"));
}
