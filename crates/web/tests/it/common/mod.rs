//! The test harness: the real application on a free loopback port with a fresh temporary
//! database, and a cookie-keeping client that does not follow redirects (so tests can see them).
#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::Arc;

use domain::{OfficeCode, OfficeId, Role, Username};
use reqwest::redirect::Policy;
use store::{AuditContext, NewUser, Store, User};
use time::OffsetDateTime;

pub const PASSWORD: &str = "a long test password";

pub struct TestApp {
    pub addr: SocketAddr,
    pub store: Arc<dyn Store>,
    /// The server's message catalogues: what it was asked for and lacked.
    pub i18n: Arc<web::i18n::I18n>,
    /// How to open the same database again, for the check made when the test ends.
    reopen: Reopen,
    pub _dir: tempfile::TempDir,
}

/// Where a test's database lives.
#[derive(Clone)]
enum Reopen {
    Sqlite(std::path::PathBuf),
    Postgres {
        url: String,
        schema: String,
        files: std::path::PathBuf,
    },
}

impl Reopen {
    async fn open(&self) -> Arc<dyn Store> {
        match self {
            Reopen::Sqlite(dir) => Arc::new(store::SqliteStore::open_in(dir).await.unwrap()),
            Reopen::Postgres { url, schema, files } => Arc::new(
                store::PgStore::connect_in(url, Some(schema), files, 2)
                    .await
                    .unwrap(),
            ),
        }
    }
}

impl Drop for TestApp {
    /// Whatever journey the test took, the survey tallies it moved equal a recount of the
    /// records (`reintegra tallies verify`). The test's runtime takes no more work once the
    /// test has returned, so the database is opened again on a runtime of the check's own.
    fn drop(&mut self) {
        if std::thread::panicking() {
            return;
        }
        let reopen = self.reopen.clone();
        let differences = std::thread::spawn(move || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap()
                .block_on(async move { reopen.open().await.verify_tallies().await.unwrap() })
        })
        .join()
        .unwrap();
        assert!(
            differences.is_empty(),
            "after this journey the survey tallies differ from a recount:\n{}",
            differences
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(web::Config::default()).await
}

pub async fn spawn_app_with(config: web::Config) -> TestApp {
    spawn_routed(config, web::router).await
}

/// The application with a router of the test's making (for example a route table with a
/// deliberately careless handler).
pub async fn spawn_routed(
    config: web::Config,
    build: impl FnOnce(web::AppState) -> axum::Router,
) -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let (store, reopen) = fresh_store(dir.path()).await;
    let state = web::AppState::new(store.clone(), config).await.unwrap();
    let i18n = state.i18n.clone();
    let addr = serve(build(state)).await;
    TestApp {
        addr,
        store,
        i18n,
        reopen,
        _dir: dir,
    }
}

/// Serves a router on a free port of the loopback address.
async fn serve(app: axum::Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .unwrap();
    });
    addr
}

/// A fresh, empty store: SQLite in `dir`, or, when `REINTEGRA_TEST_BACKEND=postgres`, a new
/// schema of its own in the PostgreSQL cluster named by `REINTEGRA_TEST_POSTGRES` (its files in
/// `dir`). scripts/test runs this suite on both.
async fn fresh_store(dir: &std::path::Path) -> (Arc<dyn Store>, Reopen) {
    match std::env::var("REINTEGRA_TEST_BACKEND").as_deref() {
        Ok("postgres") => {
            let url = std::env::var("REINTEGRA_TEST_POSTGRES")
                .expect("REINTEGRA_TEST_BACKEND=postgres needs REINTEGRA_TEST_POSTGRES");
            let schema = store::PgStore::new_schema(&url).await.unwrap();
            let reopen = Reopen::Postgres {
                url,
                schema,
                files: dir.join("files"),
            };
            (reopen.open().await, reopen)
        }
        Ok("sqlite") | Err(_) => {
            let reopen = Reopen::Sqlite(dir.to_path_buf());
            (reopen.open().await, reopen)
        }
        Ok(other) => panic!("REINTEGRA_TEST_BACKEND is sqlite or postgres, not {other}"),
    }
}

impl TestApp {
    /// A second instance of the application on the same database (its own connections and
    /// its own memory), as a second server behind a load balancer; answers its address.
    pub async fn another_instance(&self) -> String {
        let store = self.reopen.open().await;
        let state = web::AppState::new(store, web::Config::default())
            .await
            .unwrap();
        format!("http://{}", serve(web::router(state)).await)
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    pub async fn office(&self, code: &str) -> OfficeId {
        let code = OfficeCode::parse(code).unwrap();
        self.store
            .ensure_office(&code, &format!("{code} office"))
            .await
            .unwrap()
            .id
    }

    /// A user with the shared test password.
    pub async fn user(&self, username: &str, role: Role, office: Option<OfficeId>) -> User {
        self.user_with(username, role, office, false).await
    }

    pub async fn user_with(
        &self,
        username: &str,
        role: Role,
        office: Option<OfficeId>,
        must_change: bool,
    ) -> User {
        let hash = web::auth::hash_password(PASSWORD.into()).await.unwrap();
        self.store
            .create_user(
                NewUser {
                    username: Username::parse(username).unwrap(),
                    display_name: format!("{username} name"),
                    role,
                    office,
                    password_hash: hash,
                    must_change_password: must_change,
                },
                AuditContext::system(OffsetDateTime::now_utc(), "test"),
            )
            .await
            .unwrap()
    }

    /// A client signed in as `username`.
    pub async fn signed_in(&self, username: &str) -> Client {
        let c = Client::new(self);
        let res = c.sign_in(username, PASSWORD).await;
        assert_eq!(res.status(), 303, "sign-in as {username} should redirect");
        c
    }
}

pub struct Client {
    pub http: reqwest::Client,
    base: String,
}

impl Client {
    pub fn new(app: &TestApp) -> Self {
        Client {
            http: reqwest::Client::builder()
                .cookie_store(true)
                .redirect(Policy::none())
                .build()
                .unwrap(),
            base: format!("http://{}", app.addr),
        }
    }

    /// The server's address, `http://host:port`.
    pub fn base(&self) -> &str {
        &self.base
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap()
    }

    pub async fn get_text(&self, path: &str) -> (u16, String) {
        let res = self.get(path).await;
        (res.status().as_u16(), res.text().await.unwrap())
    }

    /// Posts a form as a browser would: with the CSRF token of the page it came from.
    pub async fn post_form(
        &self,
        path: &str,
        csrf: &str,
        fields: &[(&str, &str)],
    ) -> reqwest::Response {
        let mut body: Vec<(&str, &str)> = vec![("_csrf", csrf)];
        body.extend_from_slice(fields);
        self.http
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(serde_html_form::to_string(&body).unwrap())
            .send()
            .await
            .unwrap()
    }

    pub async fn sign_in(&self, username: &str, password: &str) -> reqwest::Response {
        let (_, page) = self.get_text("/login").await;
        let csrf = csrf_of(&page);
        self.post_form(
            "/login",
            &csrf,
            &[("username", username), ("password", password)],
        )
        .await
    }

    /// The CSRF token of the page at `path`.
    pub async fn csrf(&self, path: &str) -> String {
        let (status, page) = self.get_text(path).await;
        assert_eq!(status, 200, "{path}");
        csrf_of(&page)
    }
}

/// The value of the first `_csrf` field of a page.
pub fn csrf_of(html: &str) -> String {
    field_value(html, "_csrf")
}

/// The value of the first field named `name` on a page.
pub fn field_value(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no field {name} on the page"))
        + marker.len();
    html[start..].split('"').next().unwrap().to_string()
}

pub fn location(res: &reqwest::Response) -> String {
    res.headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default()
}

/// A complete registration form.
/// The standard returnee's registration form.
pub fn registration() -> Vec<(&'static str, &'static str)> {
    vec![
        // The same returnee is registered many times over in the tests; each registration
        // says it is someone else (the possible-match check has tests of its own).
        ("confirm_new", "yes"),
        ("given_name", "Aminata"),
        ("family_name", "Diallo"),
        ("sex", "female"),
        ("date_of_birth", "1995-03-14"),
        ("nationality", "Senegal"),
        ("return_date", "2026-02-10"),
        ("returned_from", "Libya"),
        ("absence_years", "2"),
        ("absence_months", "6"),
        ("return_type", "assisted_voluntary"),
        ("free_choice", "yes"),
        ("informed_decision", "yes"),
        ("return_country", "Senegal"),
        ("return_province", "Tambacounda"),
        ("return_community", "Goudiry"),
        ("community_is_origin", "yes"),
        ("vulnerabilities", "health_needs"),
        ("vulnerabilities", "debt"),
        ("phone", "+221 77 000 00 00"),
        ("hh_name", "Moussa Diallo"),
        ("hh_relationship", "child"),
        ("hh_sex", "male"),
        ("hh_date_of_birth", "2019-06-01"),
        ("hh_together", "yes"),
        ("hh_notes", ""),
        ("consent_case_management", "given"),
        ("consent_contact", "given"),
        ("consent_method", "written_in_person"),
    ]
}

/// A valid case profile as JSON, for the API.
pub fn profile_json(given: &str, family: &str) -> serde_json::Value {
    serde_json::json!({
        "given_name": given,
        "family_name": family,
        "sex": "male",
        "date_of_birth": "1990-01-20",
        "nationality": "Senegal",
        "return_date": "2026-05-02",
        "returned_from": "Niger",
        "return_type": "forced",
        "return_country": "Senegal",
        "return_province": "Kolda",
    })
}

/// The survey answers of the mixed sheet of `docs/scoring.md`, as the RSS form's fields.
pub fn mixed_answers() -> Vec<(&'static str, &'static str)> {
    vec![
        ("a:q1", "ok"),
        ("a:q2", "sometimes"),
        ("a:q3", "yes"),
        ("a:q4", "often"),
        ("a:q5", "spending_larger"),
        ("a:q6", "poor"),
        ("a:q7", "no"),
        ("a:q8", "animals"),
        ("a:q8", "equipment"),
        ("a:q9", "yes"),
        ("a:q10", "unemployed"),
        ("a:q11", "good"),
        ("a:q12", "average"),
        ("a:q13", "good"),
        ("a:q14", "yes"),
        ("a:q15", "dk"),
        ("a:q16", "yes"),
        ("a:q17", "fair"),
        ("a:q18", "very_good"),
        ("a:q19", "poor"),
        ("a:q20", "fair"),
        ("a:q22", "often"),
        ("a:q23", "fair"),
        ("a:q24", "somewhat_agree"),
        ("a:q25", "safe_mostly"),
        ("a:q26", "rarely"),
        ("a:q27", "only_rarely"),
        ("a:q28", "sometimes"),
        ("a:q29", "yes"),
        ("a:q30", "no"),
        ("a:q31", "need"),
        ("a:q32", "family"),
        ("a:q32", "friends"),
    ]
}

/// Registers a case (as `cm`) that came back ten days ago, so its baseline survey is due.
/// Returns the case page's path and the CSRF token.
pub async fn register_recent_return(cm: &Client) -> (String, String) {
    let csrf = cm.csrf("/cases/new").await;
    let back = (crate::common::today() - time::Duration::days(10)).to_string();
    let mut fields: Vec<(&str, &str)> = registration()
        .into_iter()
        .filter(|(k, _)| *k != "return_date")
        .collect();
    fields.push(("return_date", &back));
    let res = cm.post_form("/cases", &csrf, &fields).await;
    assert_eq!(res.status(), 303);
    (location(&res), csrf)
}

/// Saves the case's first plan as its edit page posts it (the page's `expected` token, no
/// version yet) with `fields`.
#[allow(dead_code)]
pub async fn post_new_plan(
    cm: &Client,
    case_path: &str,
    csrf: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let (_, edit) = cm.get_text(&format!("{case_path}/plan/edit")).await;
    let expected = field_value(&edit, "expected");
    let mut all = vec![("version", ""), ("expected", expected.as_str())];
    all.extend_from_slice(fields);
    cm.post_form(&format!("{case_path}/plan"), csrf, &all).await
}

/// Starts filling `form_id` about the case, as the case page's form picker does; returns the
/// new submission's page.
#[allow(dead_code)]
pub async fn start_form(cm: &Client, case_path: &str, csrf: &str, form_id: &str) -> String {
    let res = cm
        .post_form(
            &format!("{case_path}/submissions"),
            csrf,
            &[("form_id", form_id)],
        )
        .await;
    assert_eq!(res.status(), 303, "{form_id} started");
    location(&res)
}

/// Registers a returnee of Tambacounda / Goudiry under another name; returns the case id and
/// number.
#[allow(dead_code)]
pub async fn register_named(
    app: &TestApp,
    cm: &Client,
    given: &str,
    sex: &str,
) -> (String, String) {
    let csrf = cm.csrf("/cases/new").await;
    let fields: Vec<(&str, &str)> = registration()
        .into_iter()
        .map(|(k, v)| match k {
            "given_name" => (k, given),
            "sex" => (k, sex),
            _ => (k, v),
        })
        .collect();
    let res = cm.post_form("/cases", &csrf, &fields).await;
    assert_eq!(res.status(), 303, "registered {given}");
    let id = location(&res).trim_start_matches("/cases/").to_string();
    let number = app
        .store
        .case(id.parse().unwrap())
        .await
        .unwrap()
        .number
        .to_string();
    (id, number)
}

/// A JSON answer of the API, read with a bearer token.
#[allow(dead_code)]
pub async fn api_get_json(app: &TestApp, token: &str, path: &str) -> serde_json::Value {
    reqwest::Client::new()
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// A personal API token for a signed-in client, made on the account page.
pub async fn api_token(c: &Client) -> String {
    let csrf = c.csrf("/account").await;
    let res = c
        .post_form("/account/tokens", &csrf, &[("name", "script")])
        .await;
    let page = res.text().await.unwrap();
    let marker = "id=\"new-token\">";
    let start = page.find(marker).unwrap() + marker.len();
    page[start..].split('<').next().unwrap().to_string()
}

/// A provider with one health service on the service map, straight through the store.
#[allow(dead_code)]
pub async fn map_service(
    app: &TestApp,
    provider: &str,
    place: &str,
) -> (domain::ProviderId, domain::ServiceId) {
    let sys = store::AuditContext::system(time::OffsetDateTime::now_utc(), "test");
    let p = app
        .store
        .save_provider(
            domain::ProviderId::new(),
            None,
            domain::services::Provider {
                name: provider.into(),
                ..Default::default()
            },
            sys.clone(),
        )
        .await
        .unwrap();
    let s = app
        .store
        .save_service(
            domain::ServiceId::new(),
            p.id,
            None,
            serde_json::from_value(serde_json::json!({
                "name": format!("Consultations at {provider}"),
                "category": "health",
                "place": place,
                "languages": ["Wolof"],
                "answer_days": 3
            }))
            .unwrap(),
            sys,
        )
        .await
        .unwrap();
    (p.id, s.id)
}

/// Makes a partner account one of the provider's staff, straight through the store.
#[allow(dead_code)]
pub async fn join_provider(app: &TestApp, partner: &User, provider: domain::ProviderId) {
    app.store
        .set_user_organisation(
            partner.id,
            Some(provider),
            store::AuditContext::system(time::OffsetDateTime::now_utc(), "test"),
        )
        .await
        .unwrap();
}

/// A referral with minimal consent, sent, straight through the store.
#[allow(dead_code)]
pub async fn send_referral(
    app: &TestApp,
    case: domain::CaseId,
    service: domain::ServiceId,
    by: &User,
) -> domain::ReferralId {
    use domain::referral::{ReferralStatus, ReferralStep};
    let ctx = store::AuditContext::by(by.id, time::OffsetDateTime::now_utc());
    let content: domain::referral::ReferralContent = serde_json::from_value(serde_json::json!({
        "reason": "Chronic condition check-up",
        "urgency": "routine",
        "consent": {"date": "2026-01-05", "method": "written_in_person", "purpose": "Treatment"}
    }))
    .unwrap();
    let r = app
        .store
        .create_referral(
            store::NewReferral {
                id: domain::ReferralId::new(),
                case,
                service,
                content: content.normalised(),
            },
            ctx.clone(),
        )
        .await
        .unwrap();
    app.store
        .referral_step(
            r.id,
            r.version,
            store::NewReferralStep {
                from: ReferralStatus::Draft,
                to: ReferralStatus::Sent,
                step: ReferralStep::Send,
                note: String::new(),
                via: store::Via::Staff,
                sent_on: Some(time::macros::date!(2026 - 01 - 05)),
                answer_due: Some(time::macros::date!(2026 - 01 - 08)),
            },
            ctx,
        )
        .await
        .unwrap();
    r.id
}

/// The id at the end of the page a form redirected to, after `prefix`.
#[allow(dead_code)]
pub fn id_after(res: &reqwest::Response, prefix: &str) -> String {
    let loc = location(res);
    assert!(loc.starts_with(prefix), "redirected to {loc}");
    loc.trim_start_matches(prefix)
        .split(['#', '/', '?'])
        .next()
        .unwrap()
        .to_string()
}

/// Element ids used more than once on a page (labels and scripts find the wrong element).
pub fn duplicate_ids(html: &str) -> Vec<String> {
    let mut seen = std::collections::BTreeMap::<&str, usize>::new();
    for (i, _) in html.match_indices(" id=\"") {
        let rest = &html[i + 5..];
        if let Some(end) = rest.find('"') {
            *seen.entry(&rest[..end]).or_default() += 1;
        }
    }
    seen.into_iter()
        .filter(|(_, n)| *n > 1)
        .map(|(id, n)| format!("{id} ×{n}"))
        .collect()
}

/// Today, as the test server (on the system clock) sees it.
pub fn today() -> time::Date {
    time::OffsetDateTime::now_utc().date()
}

/// A date as English pages write it: "6 Dec 2026".
#[allow(dead_code)]
pub fn en_date(d: time::Date) -> String {
    let f = time::macros::format_description!("[day padding:none] [month repr:short] [year]");
    d.format(&f).unwrap()
}
