//! A use case's change, its audit entry and the values derived from it land together or not
//! at all.

use std::sync::Arc;

use app::{App, Clock};
use domain::authz::Actor;
use domain::case::{CaseStage, ReturnType, ReturneeProfile, Sex};
use domain::pathway::ContactMode;
use domain::pathway::followup::FollowUpVisit;
use domain::{CaseId, OfficeCode, Role, Username};
use store::{AuditContext, AuditScope, NewCase, NewUser, SqliteStore, Store, record_type};
use time::macros::{date, datetime};

fn profile() -> ReturneeProfile {
    ReturneeProfile {
        given_name: "Awa".into(),
        family_name: "Ndiaye".into(),
        sex: Sex::Female,
        gender: None,
        date_of_birth: Some(date!(1994 - 07 - 02)),
        age_at_return: None,
        nationality: "Senegal".into(),
        return_date: date!(2026 - 03 - 01),
        returned_from: "Libya".into(),
        absence_months: Some(24),
        return_type: ReturnType::AssistedVoluntary,
        free_choice: Some(true),
        informed_decision: Some(true),
        return_country: "Senegal".into(),
        return_province: "Kolda".into(),
        return_community: None,
        community_is_origin: Some(false),
        vulnerabilities: vec![],
        vulnerability_details: None,
        restricted: false,
        phone: None,
        email: None,
        address: None,
        preferred_language: None,
        household: vec![],
    }
}

/// A programme with one case manager and one case whose stored stage is stale (it says
/// "planning" although nothing but the registration is recorded), so that recording anything
/// also writes the derived stage.
async fn programme() -> (tempfile::TempDir, App, Actor, CaseId) {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open_in(dir.path()).await.unwrap());
    let app = App::new(store).with_clock(Clock::Fixed(datetime!(2026-12-01 10:00 UTC)));
    let system = AuditContext::system(app.now(), "test");
    let office = app
        .store
        .ensure_office(&OfficeCode::parse("DKR").unwrap(), "Dakar")
        .await
        .unwrap();
    let cm = app
        .store
        .create_user(
            NewUser {
                username: Username::parse("cm.one").unwrap(),
                display_name: "Case manager".into(),
                role: Role::CaseManager,
                office: Some(office.id),
                password_hash: "unused".into(),
                must_change_password: false,
            },
            system.clone(),
        )
        .await
        .unwrap();
    let case = app
        .store
        .create_case(
            NewCase {
                id: CaseId::new(),
                office: office.id,
                case_manager: Some(cm.id),
                profile: profile(),
                stage: CaseStage::Planning,
                consents: vec![],
            },
            system,
        )
        .await
        .unwrap();
    let actor = Actor {
        user_id: cm.id,
        role: cm.role,
        office: cm.office,
        organisation: None,
    };
    (dir, app, actor, case.id)
}

fn visit() -> FollowUpVisit {
    FollowUpVisit {
        date: date!(2026 - 11 - 30),
        mode: ContactMode::Phone,
        scheduled: None,
        findings: "  The shop opened last week.  ".into(),
        w_model_used: false,
        plan_changes: String::new(),
        confirm_outside_window: false,
    }
}

#[tokio::test]
async fn a_visit_and_its_derived_stage_commit_together() {
    let (_dir, app, actor, case) = programme().await;
    let p = app::pathway::load(
        &app,
        &actor,
        &case.to_string(),
        domain::authz::Action::UpdateCase,
    )
    .await
    .unwrap();
    app::pathway::record_visit(&app, &actor, &p, visit())
        .await
        .unwrap();

    let visits = app.store.entries(case).await.unwrap();
    assert_eq!(visits.len(), 1);
    let kept: FollowUpVisit = visits[0].parse().unwrap();
    assert_eq!(
        kept.findings, "The shop opened last week.",
        "findings are trimmed"
    );
    assert_eq!(
        app.store.case(case).await.unwrap().stage,
        CaseStage::Intake,
        "the stage is derived with the visit"
    );
}

#[tokio::test]
async fn a_fault_between_the_visit_and_its_stage_leaves_neither() {
    let (dir, app, actor, case) = programme().await;
    // The fault: writing the derived stage fails, after the visit has been inserted in the
    // same transaction.
    fail_stage_writes(&dir);
    let audit_before = audit_entries(&app, case).await;

    let p = app::pathway::load(
        &app,
        &actor,
        &case.to_string(),
        domain::authz::Action::UpdateCase,
    )
    .await
    .unwrap();
    let refused = app::pathway::record_visit(&app, &actor, &p, visit()).await;
    assert_eq!(refused.unwrap_err().kind, app::ErrorKind::Internal);

    assert!(
        app.store.entries(case).await.unwrap().is_empty(),
        "no visit without its stage"
    );
    assert_eq!(
        app.store.case(case).await.unwrap().stage,
        CaseStage::Planning
    );
    assert_eq!(
        audit_entries(&app, case).await,
        audit_before,
        "no audit entry for a change that did not happen"
    );
}

/// Makes writing a case's stage fail, as a fault inside the transaction of a change whose
/// derived stage is written last.
fn fail_stage_writes(dir: &tempfile::TempDir) {
    let db = rusqlite::Connection::open(dir.path().join("reintegra.db")).unwrap();
    db.execute_batch(
        "CREATE TRIGGER fail_stage BEFORE UPDATE OF stage ON cases
         BEGIN SELECT RAISE(ABORT, 'injected fault'); END;",
    )
    .unwrap();
}

#[tokio::test]
async fn a_plan_version_and_its_stage_commit_together() {
    let (dir, app, actor, case) = programme().await;
    let id = case.to_string();
    let open = || app::pathway::load(&app, &actor, &id, domain::authz::Action::UpdateCase);
    // Stored as intake, so that a first plan moves the case to planning.
    let by = AuditContext::by(actor.user_id, app.now());
    app.store
        .set_case_stage(case, CaseStage::Intake, by)
        .await
        .unwrap();
    fail_stage_writes(&dir);
    let p = open().await.unwrap();
    let refused = app::pathway::save_plan(&app, &actor, &p, None, 0, Default::default()).await;
    assert_eq!(refused.unwrap_err().kind, app::ErrorKind::Internal);
    assert!(
        app.store.plan_versions(case).await.unwrap().is_empty(),
        "no plan version without its stage"
    );

    let db = rusqlite::Connection::open(dir.path().join("reintegra.db")).unwrap();
    db.execute_batch("DROP TRIGGER fail_stage").unwrap();
    let p = open().await.unwrap();
    app::pathway::save_plan(&app, &actor, &p, None, 0, Default::default())
        .await
        .unwrap();
    assert_eq!(app.store.plan_versions(case).await.unwrap().len(), 1);
    assert_eq!(
        app.store.case(case).await.unwrap().stage,
        CaseStage::Planning,
        "a draft plan puts the case in planning, in the same write"
    );
}

/// A completed submission, what it sets off (a task) and the stage it leads to are one write.
#[tokio::test]
async fn a_completion_and_what_it_sets_off_commit_together() {
    let (dir, app, actor, case) = programme().await;
    app::instruments::install_shipped_forms(app.store.as_ref())
        .await
        .unwrap();
    let form = app
        .store
        .latest_published_form(app::pathway::RAPID_SCREENING_FORM)
        .await
        .unwrap();
    let draft = app
        .store
        .create_submission(
            store::NewSubmission {
                id: uuid::Uuid::new_v4(),
                form_id: form.info.form_id.clone(),
                form_version: form.info.version.clone(),
                subject: store::Subject::Case(case),
                answers: "{}".into(),
                interviewer: actor.user_id,
                interview_date: date!(2026 - 11 - 30),
            },
            AuditContext::by(actor.user_id, app.now()),
        )
        .await
        .unwrap();
    let task = store::NewEntry {
        id: uuid::Uuid::new_v4(),
        case,
        kind: store::EntryKind::Task,
        date: date!(2026 - 12 - 14),
        body: r#"{"kind":"follow_up_screening","source":null}"#.into(),
        open: true,
        summary: "2026-12-14".into(),
    };
    let complete = || store::SubmissionUpdate {
        id: draft.id,
        expected_version: draft.version,
        answers: "{}".into(),
        interview_date: date!(2026 - 11 - 30),
        status: store::SubmissionStatus::Complete,
        score: None,
        follow_on: Some(store::FollowOn {
            case,
            entries: vec![task.clone()],
            derived_stage: CaseStage::Assessment,
        }),
    };
    let by = || AuditContext::by(actor.user_id, app.now());

    fail_stage_writes(&dir);
    assert!(app.store.update_submission(complete(), by()).await.is_err());
    assert_eq!(
        app.store.submission(draft.id).await.unwrap().status,
        store::SubmissionStatus::Draft,
        "not completed without what it sets off"
    );
    assert!(app.store.entries(case).await.unwrap().is_empty());

    let db = rusqlite::Connection::open(dir.path().join("reintegra.db")).unwrap();
    db.execute_batch("DROP TRIGGER fail_stage").unwrap();
    app.store.update_submission(complete(), by()).await.unwrap();
    assert_eq!(app.store.entries(case).await.unwrap().len(), 1);
    assert_eq!(
        app.store.case(case).await.unwrap().stage,
        CaseStage::Assessment
    );
}

async fn audit_entries(app: &App, case: CaseId) -> usize {
    app.store
        .audit_for_record(record_type::CASE, &case.to_string(), AuditScope::Changes)
        .await
        .unwrap()
        .len()
}
