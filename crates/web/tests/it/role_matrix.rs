//! Walks every route of the server × every role (in and out of the record's office, assigned
//! or not, restricted record or not) and checks that the server refuses exactly what the
//! matrix of docs/roles.md forbids. The matrix itself is checked against the docs in `domain`.

use crate::common::*;
use domain::authz::{Actor, Refusal, Resource, authorize_record, may_attempt};
use domain::case::CaseStage;
use domain::{CaseId, Role};
use serde_json::json;
use store::{AuditContext, NewApiToken, NewCase, User};
use web::routes::{Access, ROUTES};

struct Subject {
    user: User,
    client: Client,
    token: String,
    csrf: String,
}

async fn subject(app: &TestApp, user: User) -> Subject {
    let client = app.signed_in(user.username.as_str()).await;
    let csrf = client.csrf("/account").await;
    let token = format!("rt_test_{}", user.username);
    app.store
        .create_api_token(
            NewApiToken {
                user: user.id,
                name: "matrix".into(),
                token_hash: web::auth::hash_token(&token),
                kind: store::TokenKind::Api,
            },
            AuditContext::system(time::OffsetDateTime::now_utc(), "test"),
        )
        .await
        .unwrap();
    Subject {
        user,
        client,
        token,
        csrf,
    }
}

fn actor(u: &User) -> Actor {
    Actor {
        user_id: u.id,
        role: u.role,
        office: u.office,
        organisation: u.organisation,
    }
}

#[tokio::test]
async fn every_route_refuses_exactly_what_the_matrix_forbids() {
    let app = spawn_app().await;
    let a = app.office("OFA").await;
    let b = app.office("OFB").await;
    let assigned = app.user("cm.a", Role::CaseManager, Some(a)).await;
    let users = vec![
        app.user("admin.all", Role::Admin, None).await,
        app.user("admin.a", Role::Admin, Some(a)).await,
        app.user("pm.a", Role::ProgrammeManager, Some(a)).await,
        app.user("pm.b", Role::ProgrammeManager, Some(b)).await,
        app.user("pm.all", Role::ProgrammeManager, None).await,
        assigned.clone(),
        app.user("cm.a2", Role::CaseManager, Some(a)).await,
        app.user("cm.b", Role::CaseManager, Some(b)).await,
        app.user("me.a", Role::MeOfficer, Some(a)).await,
        app.user("me.all", Role::MeOfficer, None).await,
        partner_of(&app, "partner.a", Some(a), None).await,
        partner_of(&app, "partner.b", Some(b), None).await,
        app.user("viewer.all", Role::Viewer, None).await,
        app.user("viewer.a", Role::Viewer, Some(a)).await,
    ];
    let target = app.user("reset.target", Role::Viewer, None).await;
    let mut cases = Vec::new();
    for (given, restricted) in [("Openrecord", false), ("Hiddenrecord", true)] {
        let mut profile = domain::case::ReturneeProfile {
            given_name: given.into(),
            ..serde_json::from_value(profile_json(given, "Matrix")).unwrap()
        };
        profile.restricted = restricted;
        let rec = app
            .store
            .create_case(
                NewCase {
                    id: CaseId::new(),
                    office: a,
                    case_manager: Some(assigned.id),
                    profile,
                    stage: CaseStage::Intake,
                    consents: vec![],
                },
                AuditContext::by(assigned.id, time::OffsetDateTime::now_utc()),
            )
            .await
            .unwrap();
        cases.push(rec);
    }

    let fx = fixtures(&app, &cases, &assigned).await;
    let mut subjects = Vec::new();
    for u in users {
        // Reloaded: partners now belong to their organisation.
        let u = app.store.user(u.id).await.unwrap();
        subjects.push(subject(&app, u).await);
    }
    let mut checked = 0;
    let mut failures = Vec::new();
    // Logging out ends the session, so it goes last.
    let mut routes: Vec<_> = ROUTES.iter().collect();
    routes.sort_by_key(|r| r.name == "logout");
    for spec in routes {
        for s in &subjects {
            let has_id = spec.path.contains("{id}") && spec.path.starts_with("/cases")
                || spec.path.starts_with("/api/v1/cases/{id}");
            let targets: Vec<Option<&store::CaseRecord>> = if has_id {
                cases.iter().map(Some).collect()
            } else {
                vec![None]
            };
            for case in targets {
                // Earlier requests may have changed the record: judge against it as it is now.
                let current = match case {
                    Some(c) => Some(app.store.case(c.id).await.unwrap()),
                    None => None,
                };
                let case = current.as_ref();
                // The referral the request is about: the case's own, or the open case's.
                let referral_id = fx.referral_for(case.map(|c| c.id));
                let referral = app.store.referral(referral_id).await.unwrap();
                // Allowed, or the status of the refusal: 403 when the route's action is never
                // the role's or the record is one the caller may read, 404 for a record out of
                // their reach altogether.
                let expected: Result<(), u16> = match spec.access {
                    Access::Public | Access::SignedIn => Ok(()),
                    Access::Action(action) if !may_attempt(s.user.role, action) => Err(403),
                    Access::Action(action) => {
                        let resource = match (case, spec.name) {
                            (Some(c), _) => Resource::Case(c.access()),
                            // The page registers into the user's own office (a national user
                            // picks office A); the API request names office A.
                            (None, "cases.create") => Resource::Office(s.user.office.unwrap_or(a)),
                            (None, "api.cases.create") => Resource::Office(a),
                            (None, _) if spec.path.contains("{ref}") => {
                                Resource::Referral(referral.access())
                            }
                            // Communities and their projects are office A's.
                            (None, "api.projects.create") => Resource::Office(a),
                            (None, _)
                                if spec.path.contains("{community}")
                                    || spec.path.contains("{project}")
                                    || spec.path.starts_with("/records/") =>
                            {
                                Resource::Office(a)
                            }
                            (None, _) => Resource::Programme,
                        };
                        authorize_record(&actor(&s.user), action, resource).map_err(|r| match r {
                            Refusal::Forbidden => 403,
                            Refusal::Hidden => 404,
                        })
                    }
                };
                let status = request(&app, spec.name, spec.path, s, case, &target, a, &fx).await;
                checked += 1;
                // "Allowed" means not refused: a fixture id that does not fit the route may
                // still answer 404, as it did before records were hidden.
                let wrong = match expected {
                    Ok(()) => status == 403,
                    Err(refusal) => status != refusal,
                };
                if wrong || status == 401 || status >= 500 {
                    failures.push(format!(
                        "{} {} as {} on {:?}: got {status}, expected {}",
                        spec.method,
                        spec.path,
                        s.user.username,
                        case.map(|c| c.profile.given_name.clone()),
                        match expected {
                            Ok(()) => "allowed".to_string(),
                            Err(refusal) => refusal.to_string(),
                        }
                    ));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {checked} checks failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(
        checked > 400,
        "walked {checked} route × role × record combinations"
    );
    // Every page and answer of the walk found its words in the catalogue.
    let missing = app.i18n.missing();
    assert!(
        missing.is_empty(),
        "messages asked for that the catalogue lacks:\n{}",
        missing.join("\n")
    );
}

/// Records the routes of the service map and referrals are about: partner.a's organisation
/// with a service, another organisation, a stakeholder, a proposed update, and one sent,
/// consented referral per case to partner.a's organisation.
struct Fixtures {
    provider: domain::ProviderId,
    service: domain::ServiceId,
    stakeholder: domain::StakeholderId,
    update: uuid::Uuid,
    referrals: Vec<(CaseId, domain::ReferralId)>,
    /// A community of office A, its project (with one community member taking part), and a
    /// coordination mechanism with a meeting and its action point.
    community: domain::DocumentId,
    project: domain::DocumentId,
    member: uuid::Uuid,
    mechanism: domain::DocumentId,
    meeting: domain::DocumentId,
    action: uuid::Uuid,
}

impl Fixtures {
    fn referral_for(&self, case: Option<CaseId>) -> domain::ReferralId {
        match case {
            Some(c) => self.referrals.iter().find(|(x, _)| *x == c).unwrap().1,
            None => self.referrals[0].1,
        }
    }
}

async fn partner_of(
    app: &TestApp,
    username: &str,
    office: Option<domain::OfficeId>,
    provider: Option<domain::ProviderId>,
) -> User {
    let u = app.user(username, Role::Partner, office).await;
    if let Some(p) = provider {
        app.store
            .set_user_organisation(
                u.id,
                Some(p),
                AuditContext::system(time::OffsetDateTime::now_utc(), "test"),
            )
            .await
            .unwrap();
    }
    app.store.user(u.id).await.unwrap()
}

async fn fixtures(app: &TestApp, cases: &[store::CaseRecord], cm: &User) -> Fixtures {
    let (provider, service) = map_service(app, "Clinic A", "Dakar").await;
    let (other, _) = map_service(app, "Clinic B", "Thies").await;
    let sys = AuditContext::system(time::OffsetDateTime::now_utc(), "test");
    for (name, p) in [("partner.a", provider), ("partner.b", other)] {
        let u = app
            .store
            .user_by_username(&domain::Username::parse(name).unwrap())
            .await
            .unwrap();
        if let Some(u) = u {
            app.store
                .set_user_organisation(u.id, Some(p), sys.clone())
                .await
                .unwrap();
        }
    }
    let stakeholder = app
        .store
        .save_stakeholder(
            domain::StakeholderId::new(),
            None,
            serde_json::from_value(json!({"name": "Ministry", "kind": "national_authority", "level": "national", "influence": 5, "interest": 5, "stance": "potential_obstructor", "sensitive": {"political_interest": "Secret agenda"}})).unwrap(),
            sys.clone(),
        )
        .await
        .unwrap()
        .id;
    let update = app
        .store
        .propose_service_update(
            service,
            None,
            serde_json::from_value(json!({"comment": "Moved"})).unwrap(),
            sys.clone(),
        )
        .await
        .unwrap();
    let mut referrals = Vec::new();
    for c in cases {
        let r = send_referral(app, c.id, service, cm).await;
        referrals.push((c.id, r));
    }
    let doc = |kind: store::DocKind,
               parent: Option<domain::DocumentId>,
               office: Option<domain::OfficeId>,
               body: serde_json::Value| store::NewDocument {
        id: domain::DocumentId::new(),
        kind,
        parent,
        office,
        name: "Matrix".into(),
        body: body.to_string(),
        cases: vec![],
    };
    let office = Some(cases[0].office.id);
    let community = app
        .store
        .save_document(
            doc(
                store::DocKind::Community,
                None,
                office,
                json!({"name": "Matrix", "province": "Dakar"}),
            ),
            None,
            sys.clone(),
        )
        .await
        .unwrap()
        .id;
    let member = uuid::Uuid::new_v4();
    let project = app
        .store
        .save_document(
            doc(store::DocKind::Project, Some(community), office, json!({"name": "Matrix", "kind": "mentoring", "participants": [
                {"id": member, "kind": "community_member", "name": "Fatou", "role": "member", "joined": "2026-01-01"}
            ]})),
            None,
            sys.clone(),
        )
        .await
        .unwrap()
        .id;
    let mechanism = app
        .store
        .save_document(
            doc(
                store::DocKind::Mechanism,
                None,
                None,
                json!({"name": "Matrix", "level": "national", "form": "other"}),
            ),
            None,
            sys.clone(),
        )
        .await
        .unwrap()
        .id;
    let action = uuid::Uuid::new_v4();
    let meeting = app
        .store
        .save_document(
            doc(
                store::DocKind::Meeting,
                Some(mechanism),
                None,
                json!({"on": "2026-01-01", "action_points": [{"id": action, "text": "Share"}]}),
            ),
            None,
            sys.clone(),
        )
        .await
        .unwrap()
        .id;
    Fixtures {
        provider,
        service,
        stakeholder,
        update,
        referrals,
        community,
        project,
        member,
        mechanism,
        meeting,
        action,
    }
}

/// Makes the request a user of this route would make, returning the status.
#[allow(clippy::too_many_arguments)]
async fn request(
    app: &TestApp,
    name: &str,
    path: &str,
    s: &Subject,
    case: Option<&store::CaseRecord>,
    target: &User,
    office_a: domain::OfficeId,
    fx: &Fixtures,
) -> u16 {
    let id = case.map(|c| c.id.to_string()).unwrap_or_default();
    // Structural routes are walked on the meeting (a kind with a list inside); form routes on
    // the community; API routes naming a record on the mechanism.
    let record = if path.starts_with("/records/") {
        fx.community
    } else if path.starts_with("/registry/") {
        fx.meeting
    } else {
        fx.mechanism
    };
    let item = if path.starts_with("/projects/") {
        fx.member
    } else {
        fx.action
    };
    let path = path
        .replace("{community}", &fx.community.to_string())
        .replace("{project}", &fx.project.to_string())
        .replace("{record}", &record.to_string())
        .replace("{kind}", "meetings")
        .replace("{list}", "action_points")
        .replace("{item}", &item.to_string())
        .replace("{participant}", &fx.member.to_string())
        .replace("{meeting}", &fx.meeting.to_string())
        .replace("{ref}", &fx.referral_for(case.map(|c| c.id)).to_string())
        .replace("{service}", &fx.service.to_string())
        .replace("{provider}", &fx.provider.to_string())
        .replace("{stakeholder}", &fx.stakeholder.to_string())
        .replace("{update}", &fx.update.to_string())
        .replace("{link}", "00000000-0000-0000-0000-000000000000")
        .replace("{token}", "no-such-link")
        .replace("{id}", &id)
        .replace("{sid}", "00000000-0000-0000-0000-000000000000")
        .replace("{import}", "00000000-0000-0000-0000-000000000000")
        .replace("{job}", "00000000-0000-0000-0000-000000000000")
        .replace("{name}", "0000000000000000.png")
        .replace("{form}", "w_model")
        .replace("{version}", "2026.2")
        .replace("{entry}", "00000000-0000-0000-0000-000000000000")
        .replace("{merge}", NO_ID)
        .replace("{handover}", NO_ID)
        .replace("{key}", "no-such-key")
        .replace("{plan}", "1");
    let c = &s.client;
    let bearer = format!("Bearer {}", s.token);
    let office = office_a.to_string();
    let version = case.map(|c| c.version.to_string()).unwrap_or_default();
    // Updates keep the assignment, so later checks still see an assigned case.
    let manager = case
        .and_then(|c| c.case_manager)
        .map(|m| m.to_string())
        .unwrap_or_default();
    let api = |method: reqwest::Method, p: &str| {
        c.http
            .request(method, app.url(p))
            .header("authorization", bearer.clone())
    };
    let res = match name {
        "health" | "login.form" | "api.openapi" | "home" | "password.form" | "account" | "cases.list" | "cases.new" | "cases.export_form"
        | "cases.import_form" | "cases.import_check" | "cases.import_progress" | "imports.surveys_form" | "imports.surveys_check" | "exports.records_form" | "exports.job" | "exports.job_file" | "forms.encrypted"
        | "cases.view" | "cases.edit" | "cases.audit" | "overview" | "users.list" | "two_step" => c.get(&path).await,
        "assets" => c.get("/assets/any/app.css").await,
        "login.submit" => c.post_form("/login", "stale", &[("username", "x"), ("password", "y")]).await,
        "login.code" => c.post_form("/login/code", "stale", &[("second_step", "x"), ("code", "1")]).await,
        "two_step.on" | "two_step.codes" | "two_step.off" => c.post_form(&path, &s.csrf, &[("code", "1"), ("password", "wrong")]).await,
        "users.reset_two_step" => c.post_form(&format!("/admin/users/{}/reset-two-step", target.id), &s.csrf, &[]).await,
        "users.two_step_roles" => c.post_form(&path, &s.csrf, &[]).await,
        "logout" => c.post_form(&path, &s.csrf, &[]).await,
        "language" => c.post_form(&path, &s.csrf, &[("lang", "en")]).await,
        "password.submit" => c.post_form(&path, &s.csrf, &[("current", "wrong"), ("new", "x"), ("repeat", "y")]).await,
        // A device address is its own credential: the walk's callers have none ({token} is no
        // device's), so each path answers 401 whoever calls (see the openrosa tests).
        "openrosa.forms" | "openrosa.form" | "openrosa.manifest" | "openrosa.media"
        | "openrosa.web" | "openrosa.web_form" | "openrosa.web_worker" => c.get(&path).await,
        "openrosa.submission" => c.http.head(app.url(&path)).send().await.unwrap(),
        "tokens.create" | "devices.create" => c.post_form(&path, &s.csrf, &[("name", "matrix")]).await,
        // No submission is held: an allowed role is told so (404), the others are refused.
        "held.accept" | "held.decline" => c.post_form(&path, &s.csrf, &[]).await,
        "api.forms.list" | "api.forms.xform" | "api.forms.xlsform" | "api.forms.submissions"
        | "api.cases.submissions" | "api.cases.rss_scores" => api(reqwest::Method::GET, &path).send().await.unwrap(),
        // Shipped versions are already published: allowed roles get 409.
        "api.forms.publish" => api(reqwest::Method::POST, &path).send().await.unwrap(),
        "api.forms.upload" => {
            let file = std::fs::read(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../../shared/conformance/pyxform-examples/yes_or_no_question.xlsx"
            ))
            .unwrap();
            let form = reqwest::multipart::Form::new()
                .part("file", reqwest::multipart::Part::bytes(file).file_name("matrix.xlsx"));
            api(reqwest::Method::POST, &path).multipart(form).send().await.unwrap()
        }
        // Answers that break the form's rules: an allowed role gets 422, nothing is stored.
        "api.cases.submit" => post_json(&api, &path, json!({"form_id": "w_model", "answers": {}})).await,
        "tokens.revoke" => c.post_form("/account/tokens/00000000-0000-0000-0000-000000000000/revoke", &s.csrf, &[]).await,
        "cases.create" => {
            let mut f = registration();
            f.push(("office", &office));
            c.post_form(&path, &s.csrf, &f).await
        }
        "cases.update" => {
            let mut f = registration();
            f.retain(|(k, _)| !k.starts_with("consent_"));
            f.push(("version", &version));
            f.push(("case_manager", &manager));
            if case.is_some_and(|c| c.profile.restricted) {
                f.push(("restricted", "on"));
            }
            c.post_form(&path, &s.csrf, &f).await
        }
        "consents.create" => {
            c.post_form(&path, &s.csrf, &[("purpose", "contact"), ("decision", "given"), ("method", "verbal_by_phone"), ("date", "2026-05-05")]).await
        }
        "users.create" => c.post_form(&path, &s.csrf, &[("username", ""), ("role", "")]).await,
        "users.reset" => c.post_form(&format!("/admin/users/{}/reset-password", target.id), &s.csrf, &[]).await,
        "api.me" | "api.cases.list" | "api.cases.get" | "api.consents.list" | "api.audit"
        | "api.cases.possible_duplicates" => api(reqwest::Method::GET, &path).send().await.unwrap(),
        "cases.import_upload" | "imports.surveys_upload" | "forms.decrypt" => c.post_form(&path, &s.csrf, &[]).await,
        "cases.import_confirm" | "imports.surveys_confirm" => c.post_form(&path, &s.csrf, &[("rows", "all"), ("form", "rss")]).await,
        "cases.export" => c.post_form(&path, &s.csrf, &[("export_kind", "pseudonymised"), ("format", "csv")]).await,
        "exports.records" => c.post_form(&path, &s.csrf, &[("what", "referrals"), ("format", "csv")]).await,
        "api.imports.cases" | "api.imports.surveys" => api(reqwest::Method::POST, &format!("{path}?dry_run=true"))
            .multipart(reqwest::multipart::Form::new().part(
                "file",
                reqwest::multipart::Part::bytes(b"given_name\nAwa\n".to_vec()).file_name("a.csv"),
            ))
            .send()
            .await
            .unwrap(),
        "api.exports.records" => post_json(&api, &path, json!({"what": "referrals", "format": "csv", "passphrase": ""})).await,
        "api.exports.cases" => api(reqwest::Method::POST, &path)
            .json(&json!({"format": "csv", "pseudonymise": true}))
            .send()
            .await
            .unwrap(),
        "api.cases.create" => api(reqwest::Method::POST, &path)
            .json(&json!({"office": "OFA", "profile": profile_json("Api", "Matrix")}))
            .send()
            .await
            .unwrap(),
        "api.cases.update" => {
            let mut profile = serde_json::to_value(&case.unwrap().profile).unwrap();
            profile["phone"] = json!("+221 70 000 00 01");
            api(reqwest::Method::PUT, &path)
                .json(&json!({"version": case.unwrap().version, "case_manager": manager, "profile": profile}))
                .send()
                .await
                .unwrap()
        }
        "api.consents.create" => api(reqwest::Method::POST, &path)
            .json(&json!({"purpose": "contact", "decision": "given", "method": "verbal_by_phone", "date": "2026-05-05"}))
            .send()
            .await
            .unwrap(),
        "forms.list" | "forms.preview" | "forms.export" | "forms.xform" | "submissions.view"
        | "submissions.file" | "forms.file" => {
            c.get(&path).await
        }
        "forms.try" => c.post_form(&path, &s.csrf, &[("a:focus_dimension", "economic")]).await,
        // Shipped versions are already published: allowed roles get 409, not 403.
        "forms.publish" => c.post_form(&path, &s.csrf, &[]).await,
        "forms.upload" => {
            let file = std::fs::read(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../../shared/conformance/pyxform-examples/yes_or_no_question.xlsx"
            ))
            .unwrap();
            let form = reqwest::multipart::Form::new()
                .text("_csrf", s.csrf.clone())
                .part("file", reqwest::multipart::Part::bytes(file).file_name("matrix.xlsx"));
            c.http.post(app.url(&path)).multipart(form).send().await.unwrap()
        }
        "submissions.start" => c.post_form(&path, &s.csrf, &[("form_id", "w_model")]).await,
        "submissions.save" => c.post_form(&path, &s.csrf, &[("_action", "save")]).await,
        "forms.files" => {
            let form = reqwest::multipart::Form::new()
                .text("_csrf", s.csrf.clone())
                .part("files", reqwest::multipart::Part::bytes(b"x".to_vec()).file_name("x.csv"));
            c.http.post(app.url(&path)).multipart(form).send().await.unwrap()
        }
        "submissions.attach" => {
            let form = reqwest::multipart::Form::new()
                .text("_csrf", s.csrf.clone())
                .part("file:a:photo", reqwest::multipart::Part::bytes(b"x".to_vec()).file_name("p.png"));
            c.http.post(app.url(&path)).multipart(form).send().await.unwrap()
        }
        "plan.view" | "plan.print" | "plan.edit" | "follow_up.view" | "closure.view" | "my_work" | "approvals"
        | "programme" => c.get(&path).await,
        "sessions.create" => c.post_form(&path, &s.csrf, &[("session_kind", "first"), ("topics", "")]).await,
        "urgent.create" => c.post_form(&path, &s.csrf, &[("concern", "")]).await,
        "plan.save" => c.post_form(&path, &s.csrf, &[("expected", "0"), ("place", "Kolda")]).await,
        "plan.pick" => c.post_form(&path, &s.csrf, &[("approach", "no_such_approach")]).await,
        "plan.agree" | "plan.approve" | "plan.return" | "plan.amend" => c.post_form(&path, &s.csrf, &[("version", "x")]).await,
        "entries.close" | "disbursements.create" | "follow_up.create" | "unmet.create" | "closure.request"
        | "closure.approve" | "cases.reopen" => c.post_form(&path, &s.csrf, &[]).await,
        "programme.grid" => c.post_form(&path, &s.csrf, &[("approach", "")]).await,
        "programme.settings" => c.post_form(&path, &s.csrf, &[("midterm_months", "0")]).await,
        "programme.retention" => c.post_form(&path, &s.csrf, &[("retention_months", "never")]).await,
        // Refused by their checks (an empty reason, no request waiting) once allowed: nothing
        // is erased by the walk.
        "erasure.request" | "erasure.refuse" => c.post_form(&path, &s.csrf, &[("reason", ""), ("why", "")]).await,
        "erasure.approve" => c.post_form(&path, &s.csrf, &[]).await,
        "api.pathway" | "api.sessions.list" | "api.assessments" | "api.plans.list" | "api.disbursements.list"
        | "api.follow_ups.list" | "api.approvals" | "api.closure.list" => api(reqwest::Method::GET, &path).send().await.unwrap(),
        "api.sessions.create" => post_json(&api, &path, json!({"date": "2099-01-01", "kind": "first", "topics": ""})).await,
        "api.plans.create" => post_json(&api, &path, json!({"expected_latest": 99, "content": {}})).await,
        "api.plans.update" => api(reqwest::Method::PUT, &path)
            .json(&json!({"revision": 1, "content": {}}))
            .send()
            .await
            .unwrap(),
        "api.plans.agree" => post_json(&api, &path, json!({"revision": 1, "date": "2026-01-01", "method": "signed"})).await,
        "api.plans.approve" => post_json(&api, &path, json!({"revision": 1})).await,
        "api.plans.return" => post_json(&api, &path, json!({"revision": 1, "comments": "x"})).await,
        "api.disbursements.create" => {
            post_json(&api, &path, json!({"item_key": 1, "date": "2026-01-01", "amount": 1, "instalment": 0})).await
        }
        "api.follow_ups.create" => post_json(&api, &path, json!({"date": "2099-01-01", "mode": "phone", "findings": ""})).await,
        "api.closure.request" => post_json(&api, &path, json!({"date": "2099-01-01", "reason": "planned_end"})).await,
        "api.closure.approve" => api(reqwest::Method::POST, &path).send().await.unwrap(),
        "api.cases.reopen" => post_json(&api, &path, json!({"reason": ""})).await,
        "services" | "services.new" | "services.view" | "providers.new" | "providers.view" | "stakeholders"
        | "stakeholders.new" | "stakeholders.view" | "referrals.case" | "referrals.view" | "referrals.slip"
        | "referrals.list" | "referrals.partner" | "link.view" => c.get(&path).await,
        "services.create" | "services.save" | "providers.create" | "providers.save" | "stakeholders.create"
        | "stakeholders.save" | "referrals.create" | "referrals.edit" | "service_feedback.create" => {
            c.post_form(&path, &s.csrf, &[("name", "")]).await
        }
        "services.decide" => c.post_form(&path, &s.csrf, &[("decision", "")]).await,
        "referrals.step" | "referrals.respond" => c.post_form(&path, &s.csrf, &[("step", "")]).await,
        "referrals.link" => c.post_form(&path, &s.csrf, &[("days", "0")]).await,
        "referrals.revoke" => c.post_form(&path, &s.csrf, &[]).await,
        "link.respond" => c.post_form(&path, "", &[("step", "accept")]).await,
        "api.providers.list" | "api.providers.get" | "api.services.list" | "api.services.get" | "api.stakeholders.list"
        | "api.stakeholders.get" | "api.case_referrals.list" | "api.referrals.list" | "api.referrals.get" => {
            api(reqwest::Method::GET, &path).send().await.unwrap()
        }
        "api.providers.create" => post_json(&api, &path, json!({"name": ""})).await,
        "api.providers.update" => api(reqwest::Method::PUT, &path)
            .json(&json!({"version": 1, "provider": {"name": ""}}))
            .send()
            .await
            .unwrap(),
        "api.services.create" => {
            post_json(&api, &path, json!({"provider": "x", "service": {"name": "", "category": "health", "place": ""}})).await
        }
        "api.services.update" => api(reqwest::Method::PUT, &path)
            .json(&json!({"version": 1, "provider": "x", "service": {"name": "", "category": "health", "place": ""}}))
            .send()
            .await
            .unwrap(),
        "api.stakeholders.create" => {
            post_json(&api, &path, json!({"name": "", "kind": "ngo", "level": "local", "influence": 0, "interest": 0})).await
        }
        "api.stakeholders.update" => api(reqwest::Method::PUT, &path)
            .json(&json!({"version": 1, "stakeholder": {"name": "", "kind": "ngo", "level": "local", "influence": 0, "interest": 0}}))
            .send()
            .await
            .unwrap(),
        "api.case_referrals.create" => {
            post_json(&api, &path, json!({"service": "x", "content": {"reason": "", "urgency": "routine"}})).await
        }
        "api.case_referrals.step" => post_json(&api, &path, json!({"step": "accept", "version": 1})).await,
        "api.case_referrals.link" => post_json(&api, &path, json!({"days": 0})).await,
        "api.referrals.respond" => post_json(&api, &path, json!({"step": "send", "version": 1})).await,
        "results" | "results.indicator" | "results.records" | "results.export" | "results.export_csv" | "results.dashboard" | "results.terms"
        | "results.what_works" => c.get(&path).await,
        "results.handbook" => c.post_form(&path, &s.csrf, &[]).await,
        "results.samples" | "results.sample" => c.get(&path).await,
        "results.samples.draw" => c.post_form(&path, &s.csrf, &[("label", "")]).await,
        "results.sample.top_up" => c.post_form(&path, &s.csrf, &[]).await,
        "cases.sample_coverage" => c.post_form(&path, &s.csrf, &[("coverage", "reached")]).await,
        "api.samples.list" | "api.samples.get" => api(reqwest::Method::GET, &path).send().await.unwrap(),
        "api.samples.draw" => {
            post_json(&api, &path, json!({"label": "", "round": "final", "margin": 5, "confidence": 95})).await
        }
        "api.samples.top_up" => post_json(&api, &path, json!({})).await,
        "results.spot_checks" | "results.spot_check" => c.get(&path).await,
        "feedback.form" | "feedback.inbox" | "feedback.item" => c.get(&path).await,
        "feedback.submit" => {
            // The public form's own token, from the page that sets its cookie.
            let token = c.csrf("/feedback").await;
            c.post_form(&path, &token, &[("message", "")]).await
        }
        "feedback.step" => c.post_form(&path, &s.csrf, &[("step", "acknowledge")]).await,
        "api.feedback.list" | "api.feedback.get" => api(reqwest::Method::GET, &path).send().await.unwrap(),
        "api.feedback.step" => post_json(&api, &path, json!({"step": "acknowledge"})).await,
        // Merging a case into itself is refused as a bad request: the walk merges nothing.
        "duplicates.queue" => c.get(&path).await,
        "duplicates.scan" => c.post_form(&path, &s.csrf, &[]).await,
        "duplicates.distinct" => c.post_form(&path, &s.csrf, &[("first", NO_ID), ("second", NO_ID)]).await,
        "cases.merge_form" => c.get(&format!("{path}?into={id}")).await,
        "cases.merge" => c.post_form(&path, &s.csrf, &[("into", &id)]).await,
        "merges.undo" => c.post_form(&path, &s.csrf, &[]).await,
        "api.duplicates.queue" | "api.merges.get" => api(reqwest::Method::GET, &path).send().await.unwrap(),
        "api.duplicates.scan" | "api.merges.undo" => post_json(&api, &path, json!({})).await,
        "api.cases.distinct" => post_json(&api, &path, json!({"from": id})).await,
        "api.cases.merge" => post_json(&api, &path, json!({"into": id})).await,
        "handover.admin" | "handover.key" | "cases.handover" | "handovers.receive_form" => c.get(&path).await,
        "handover.organisation" => c.post_form(&path, &s.csrf, &[("organisation", "")]).await,
        "handover.trust" => c.post_form(&path, &s.csrf, &[("key_file", "not a key")]).await,
        "handover.remove" | "cases.handover_packet" => c.post_form(&path, &s.csrf, &[]).await,
        "cases.handover_consent" => c.post_form(&path, &s.csrf, &[("partner", "")]).await,
        "handovers.receive" => c.post_form(&path, &s.csrf, &[("file", "")]).await,
        "api.handover.key" | "api.handover.partners" | "api.handovers.list" => {
            api(reqwest::Method::GET, &path).send().await.unwrap()
        }
        "api.handover.trust" | "api.handovers.packet" | "api.handovers.receive" => post_json(&api, &path, json!({})).await,
        "api.handovers.create" => {
            let body = json!({"partner": "none", "agreed": true, "consent_date": "2026-01-01", "consent_method": "written_in_person"});
            post_json(&api, &path, body).await
        }
        "results.spot_checks.draw" => c.post_form(&path, &s.csrf, &[("kind", "")]).await,
        "results.spot_check.verify" => c.post_form(&path, &s.csrf, &[("outcome", "confirmed")]).await,
        "api.spot_checks.list" | "api.spot_checks.get" => api(reqwest::Method::GET, &path).send().await.unwrap(),
        "api.spot_checks.draw" => post_json(&api, &path, json!({"kind": "survey", "share": 0, "days": 30})).await,
        "api.spot_checks.verify" => post_json(&api, &path, json!({"outcome": "confirmed"})).await,
        "communities" | "communities.new" | "communities.criteria" | "communities.view" | "projects" | "projects.view"
        | "projects.new" | "structural" | "structural.new" | "structural.view" | "records.forms.view" => c.get(&path).await,
        "communities.create" | "communities.save" | "projects.create" | "projects.save" | "structural.create"
        | "structural.save" | "structural.items" | "projects.participants" | "projects.visits" | "projects.screening" => {
            c.post_form(&path, &s.csrf, &[("name", "")]).await
        }
        "communities.selection" => c.post_form(&path, &s.csrf, &[("version", "x")]).await,
        "communities.criteria.save" => c.post_form(&path, &s.csrf, &[("shortlist_size", "0")]).await,
        "projects.selection" => c.post_form(&path, &s.csrf, &[("stage", "")]).await,
        "projects.lifecycle" => c.post_form(&path, &s.csrf, &[("step", "start"), ("on", "soon")]).await,
        "projects.leave" => c.post_form(&path, &s.csrf, &[("on", "2026-02-01")]).await,
        "structural.item" => c.post_form(&path, &s.csrf, &[("done_on", "soon")]).await,
        "records.forms.start" => c.post_form(&path, &s.csrf, &[("form_id", "no_such_form")]).await,
        "records.forms.save" => c.post_form(&path, &s.csrf, &[("_action", "save")]).await,
        "api.communities.list" | "api.communities.get" | "api.projects.list" | "api.projects.get" | "api.participants.list"
        | "api.capacity.list" | "api.trainings.list" | "api.trainings.get" | "api.mechanisms.list" | "api.meetings.list"
        | "api.agreements.list" | "api.communities.ranking" | "api.visits.list" | "api.capacity.get"
        | "api.mechanisms.get" | "api.capacity_plans.list" | "api.capacity_plans.get" | "api.policy.list" | "api.policy.get" => {
            api(reqwest::Method::GET, &path).send().await.unwrap()
        }
        "api.capacity_plans.create" => post_json(&api, &path, json!({"stakeholder": fx.stakeholder, "title": ""})).await,
        "api.capacity_plans.update" => api(reqwest::Method::PUT, &path)
            .json(&json!({"version": 1, "plan": {"stakeholder": fx.stakeholder, "title": ""}}))
            .send()
            .await
            .unwrap(),
        "api.policy.create" => post_json(&api, &path, json!({"sector": "labour", "framework": ""})).await,
        "api.policy.update" => api(reqwest::Method::PUT, &path)
            .json(&json!({"version": 1, "track": {"sector": "labour", "framework": ""}}))
            .send()
            .await
            .unwrap(),
        "api.projects.update" => api(reqwest::Method::PUT, &path)
            .json(&json!({"version": 1, "project": {"name": "", "kind": "mentoring"}}))
            .send()
            .await
            .unwrap(),
        "api.projects.screening" => post_json(&api, &path, json!({"version": 1, "on": "2099-01-01", "answers": {}})).await,
        "api.projects.selection" => {
            post_json(&api, &path, json!({"version": 1, "stage": "final", "passed": true, "on": "2099-01-01"})).await
        }
        "api.projects.lifecycle" => post_json(&api, &path, json!({"version": 1, "step": "start", "on": "2099-01-01"})).await,
        "api.participants.leave" => post_json(&api, &path, json!({"version": 1, "on": "2099-01-01"})).await,
        "api.visits.create" => post_json(&api, &path, json!({"on": "2099-01-01", "rating": "on_track"})).await,
        "api.capacity.update" => api(reqwest::Method::PUT, &path)
            .json(&json!({"version": 1, "assessment": {"stakeholder": fx.stakeholder, "on": "2099-01-01", "method": "key_informant", "engagement": 0}}))
            .send()
            .await
            .unwrap(),
        "api.trainings.update" => api(reqwest::Method::PUT, &path)
            .json(&json!({"version": 1, "training": {"title": "", "start": "2026-01-01"}}))
            .send()
            .await
            .unwrap(),
        "api.mechanisms.update" => api(reqwest::Method::PUT, &path)
            .json(&json!({"version": 1, "mechanism": {"name": "", "level": "national", "form": "other"}}))
            .send()
            .await
            .unwrap(),
        "api.meetings.update" => api(reqwest::Method::PUT, &path)
            .json(&json!({"version": 1, "meeting": {"on": "2099-01-01"}}))
            .send()
            .await
            .unwrap(),
        "api.programmes.list" | "api.indicators.values" | "api.evaluations.list" | "api.what_works" => {
            api(reqwest::Method::GET, &path).send().await.unwrap()
        }
        "api.programmes.create" => post_json(&api, &path, json!({"name": "", "objective": "", "start": "2026-01-01"})).await,
        "api.evaluations.create" => {
            post_json(&api, &path, json!({"title": "", "timing": "final", "conductor": "external"})).await
        }
        "api.communities.create" => post_json(&api, &path, json!({"name": "", "province": ""})).await,
        "api.communities.update" => api(reqwest::Method::PUT, &path)
            .json(&json!({"version": 1, "community": {"name": "", "province": ""}}))
            .send()
            .await
            .unwrap(),
        "api.projects.create" => {
            post_json(&api, &path, json!({"community": fx.community, "project": {"name": "", "kind": "mentoring"}})).await
        }
        "api.participants.create" => post_json(
            &api,
            &path,
            json!({"kind": "community_member", "name": "", "role": "member", "joined": "2026-01-01", "version": 1}),
        )
        .await,
        "api.capacity.create" => post_json(
            &api,
            &path,
            json!({"stakeholder": fx.stakeholder, "on": "2099-01-01", "method": "key_informant", "engagement": 0}),
        )
        .await,
        "api.trainings.create" => post_json(&api, &path, json!({"title": "", "start": "2026-01-01"})).await,
        "api.mechanisms.create" => post_json(&api, &path, json!({"name": "", "level": "national", "form": "other"})).await,
        "api.meetings.create" => post_json(&api, &path, json!({"on": "2099-01-01"})).await,
        "api.agreements.create" => post_json(&api, &path, json!({"title": "", "kind": "mou", "status": "draft"})).await,
        "api.agreements.update" => api(reqwest::Method::PUT, &path)
            .json(&json!({"version": 1, "agreement": {"title": "", "kind": "mou", "status": "draft"}}))
            .send()
            .await
            .unwrap(),
        other => panic!("the role matrix has no request for route {other}: add one"),
    };
    let status = res.status().as_u16();
    // The public sign-in form answers 403 to a stale form token by design; it is not an
    // authorization decision.
    if (name == "login.submit" || name == "login.code") && status == 403 {
        200
    } else if name.starts_with("openrosa.") && status == 401 {
        // The unknown device address is refused before any role is known: not a role decision.
        200
    } else {
        status
    }
}

/// An id no record has.
const NO_ID: &str = "00000000-0000-0000-0000-000000000000";

async fn post_json(
    api: &impl Fn(reqwest::Method, &str) -> reqwest::RequestBuilder,
    path: &str,
    body: serde_json::Value,
) -> reqwest::Response {
    api(reqwest::Method::POST, path)
        .json(&body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn signed_out_callers_are_sent_to_sign_in_or_refused() {
    let app = spawn_app().await;
    let c = Client::new(&app);
    for spec in ROUTES.iter().filter(|r| r.access != Access::Public) {
        let path = spec
            .path
            .replace("{id}", "00000000-0000-0000-0000-000000000000");
        let res = c
            .http
            .request(spec.method.parse().unwrap(), app.url(&path))
            .send()
            .await
            .unwrap();
        if spec.path.starts_with("/api/") {
            assert_eq!(res.status(), 401, "{} {}", spec.method, spec.path);
        } else {
            assert!(
                res.status() == 303 && location(&res).starts_with("/login"),
                "{} {} answered {}",
                spec.method,
                spec.path,
                res.status()
            );
        }
    }
}

#[tokio::test]
async fn lists_show_only_what_their_reader_may_open() {
    let app = spawn_app().await;
    let a = app.office("OFA").await;
    let b = app.office("OFB").await;
    let cm = app.user("cm.a", Role::CaseManager, Some(a)).await;
    for (given, restricted) in [("Openrecord", false), ("Hiddenrecord", true)] {
        let mut profile: domain::case::ReturneeProfile =
            serde_json::from_value(profile_json(given, "Listed")).unwrap();
        profile.restricted = restricted;
        app.store
            .create_case(
                NewCase {
                    id: CaseId::new(),
                    office: a,
                    case_manager: Some(cm.id),
                    profile,
                    stage: CaseStage::Intake,
                    consents: vec![],
                },
                AuditContext::by(cm.id, time::OffsetDateTime::now_utc()),
            )
            .await
            .unwrap();
    }
    app.user("cm.a2", Role::CaseManager, Some(a)).await;
    app.user("pm.a", Role::ProgrammeManager, Some(a)).await;
    app.user("pm.b", Role::ProgrammeManager, Some(b)).await;
    app.user("me.all", Role::MeOfficer, None).await;
    app.user("admin.all", Role::Admin, None).await;
    for (user, open, hidden) in [
        ("cm.a", true, true),
        ("cm.a2", true, false),
        ("pm.a", true, true),
        ("pm.b", false, false),
        ("me.all", true, false),
        ("admin.all", true, false),
    ] {
        let c = app.signed_in(user).await;
        let (_, page) = c.get_text("/cases").await;
        assert_eq!(
            page.contains("Openrecord"),
            open,
            "{user} page, open record"
        );
        assert_eq!(
            page.contains("Hiddenrecord"),
            hidden,
            "{user} page, restricted record"
        );
        let (_, json) = c.get_text("/api/v1/cases").await;
        assert_eq!(json.contains("Openrecord"), open, "{user} API, open record");
        assert_eq!(
            json.contains("Hiddenrecord"),
            hidden,
            "{user} API, restricted record"
        );
    }
}
