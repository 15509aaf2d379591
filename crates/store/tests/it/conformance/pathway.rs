//! `PathwayStore`: the journal, plan versions, closures, the derived stage, work lists and the
//! programme's pathway settings.

use std::sync::Arc;

use domain::case::CaseStage;
use domain::{CaseId, OfficeCode, Role};
use store::*;
use time::macros::date;

use super::{NOW, profile, user};

pub async fn run(s: Arc<dyn Store>) {
    pathway_plans_closures_and_journal(&s).await;
    open_cases_and_approvals_are_listed_per_user_and_office(&s).await;
    unmet_needs_are_listed_per_office_without_names(&s).await;
    programme_grid_and_settings(&s).await;
}

async fn pathway_plans_closures_and_journal(s: &Arc<dyn Store>) {
    use domain::pathway::closure::{Closure, ClosureReason};
    use domain::pathway::plan::{AgreementMethod, PlanContent, PlanStatus};
    let office = s
        .ensure_office(&OfficeCode::parse("PATH").unwrap(), "Pathway")
        .await
        .unwrap();
    let cm = user(s, "path.cm", Role::CaseManager, Some(office.id)).await;
    let pm = user(s, "path.pm", Role::ProgrammeManager, Some(office.id)).await;
    let rec = s
        .create_case(
            NewCase {
                id: CaseId::new(),
                office: office.id,
                case_manager: Some(cm.id),
                profile: profile("Aminata", "Diallo"),
                stage: CaseStage::Intake,
                consents: vec![],
            },
            AuditContext::by(cm.id, NOW),
        )
        .await
        .unwrap();
    let by_cm = AuditContext::by(cm.id, NOW);

    // Journal: entries in date order; an open one closes once.
    let urgent = s
        .add_entry(
            NewEntry {
                id: uuid::Uuid::new_v4(),
                case: rec.id,
                kind: EntryKind::UrgentReferral,
                date: date!(2026 - 11 - 20),
                body: "{}".into(),
                open: true,
                summary: "2026-11-20".into(),
            },
            rec.stage,
            by_cm.clone(),
        )
        .await
        .unwrap();
    s.add_entry(
        NewEntry {
            id: uuid::Uuid::new_v4(),
            case: rec.id,
            kind: EntryKind::Session,
            date: date!(2026 - 11 - 02),
            body: "{}".into(),
            open: false,
            summary: "2026-11-02".into(),
        },
        CaseStage::Assessment,
        by_cm.clone(),
    )
    .await
    .unwrap();
    // The stage derived with the entry landed with it.
    assert_eq!(s.case(rec.id).await.unwrap().stage, CaseStage::Assessment);
    s.set_case_stage(rec.id, rec.stage, by_cm.clone())
        .await
        .unwrap();
    let all = s.entries(rec.id).await.unwrap();
    assert_eq!(
        all.iter().map(|e| e.kind).collect::<Vec<_>>(),
        vec![EntryKind::Session, EntryKind::UrgentReferral]
    );
    assert_eq!(all[1].recorded_by_name.as_deref(), Some("PATH.CM"));
    s.close_entry(
        rec.id,
        urgent.id,
        "Seen at the hospital".into(),
        by_cm.clone(),
    )
    .await
    .unwrap();
    assert!(matches!(
        s.close_entry(rec.id, urgent.id, "again".into(), by_cm.clone())
            .await,
        Err(StoreError::Conflict)
    ));
    let closed = s.entries(rec.id).await.unwrap();
    assert!(!closed[1].open);
    // Read many cases at a time, the same entries.
    let batch = s
        .entries_of_cases(vec![rec.id, domain::CaseId::new()])
        .await
        .unwrap();
    let ids = |e: &[store::Entry]| e.iter().map(|e| e.id).collect::<Vec<_>>();
    assert_eq!(ids(&batch), ids(&closed));
    assert_eq!(
        closed[1].closing_note.as_deref(),
        Some("Seen at the hospital")
    );

    // Plans: versions, stale edits, agreement withdrawn by an edit, approval.
    let v1 = s
        .create_plan_version(
            rec.id,
            None,
            PlanContent::default(),
            CaseStage::Planning,
            by_cm.clone(),
        )
        .await
        .unwrap();
    assert_eq!(
        (v1.version, v1.revision, v1.status()),
        (1, 1, PlanStatus::Draft)
    );
    assert!(matches!(
        s.create_plan_version(
            rec.id,
            None,
            PlanContent::default(),
            CaseStage::Planning,
            by_cm.clone()
        )
        .await,
        Err(StoreError::Conflict)
    ));
    let content = PlanContent {
        exit_strategy: "Hand over to the cooperative".into(),
        ..Default::default()
    };
    let v1 = s
        .update_plan_version(
            rec.id,
            1,
            1,
            content.clone(),
            CaseStage::Planning,
            by_cm.clone(),
        )
        .await
        .unwrap();
    assert_eq!(v1.revision, 2);
    assert!(matches!(
        s.update_plan_version(
            rec.id,
            1,
            1,
            content.clone(),
            CaseStage::Planning,
            by_cm.clone()
        )
        .await,
        Err(StoreError::Conflict)
    ));
    let agreement = NewPlanAgreement {
        date: date!(2026 - 11 - 21),
        method: AgreementMethod::Signed,
        copy_given: true,
    };
    assert!(matches!(
        s.approve_plan(
            rec.id,
            1,
            2,
            false,
            CaseStage::Implementation,
            AuditContext::by(pm.id, NOW)
        )
        .await,
        Err(StoreError::Conflict)
    ));
    s.agree_plan(rec.id, 1, 2, agreement, CaseStage::Planning, by_cm.clone())
        .await
        .unwrap();
    let v1 = s
        .update_plan_version(
            rec.id,
            1,
            3,
            content.clone(),
            CaseStage::Planning,
            by_cm.clone(),
        )
        .await
        .unwrap();
    assert_eq!(
        v1.status(),
        PlanStatus::Draft,
        "an edit withdraws the agreement"
    );
    s.agree_plan(rec.id, 1, 4, agreement, CaseStage::Planning, by_cm.clone())
        .await
        .unwrap();
    // Returned with comments: the agreement is withdrawn and the comments kept.
    s.return_plan(
        rec.id,
        1,
        5,
        "Add the training fees".into(),
        CaseStage::Planning,
        AuditContext::by(pm.id, NOW),
    )
    .await
    .unwrap();
    let returned = &s.plan_versions(rec.id).await.unwrap()[0];
    assert_eq!(returned.status(), PlanStatus::Draft);
    assert_eq!(returned.revision, 6);
    let back = returned.returned.as_ref().unwrap();
    assert_eq!(back.comments, "Add the training fees");
    assert_eq!(back.by_name.as_deref(), Some("PATH.PM"));
    assert!(
        matches!(
            s.return_plan(
                rec.id,
                1,
                6,
                "again".into(),
                CaseStage::Planning,
                AuditContext::by(pm.id, NOW)
            )
            .await,
            Err(StoreError::Conflict)
        ),
        "only a version awaiting approval is returned"
    );
    s.agree_plan(rec.id, 1, 6, agreement, CaseStage::Planning, by_cm.clone())
        .await
        .unwrap();
    s.approve_plan(
        rec.id,
        1,
        7,
        false,
        CaseStage::Implementation,
        AuditContext::by(pm.id, NOW),
    )
    .await
    .unwrap();
    let versions = s.plan_versions(rec.id).await.unwrap();
    assert_eq!(versions[0].status(), PlanStatus::Approved);
    let batch = s.plans_of_cases(vec![rec.id]).await.unwrap();
    assert_eq!(batch.len(), versions.len());
    assert_eq!(batch[0].approval.is_some(), versions[0].approval.is_some());
    assert_eq!(
        versions[0].approval.as_ref().unwrap().by_name.as_deref(),
        Some("PATH.PM")
    );
    assert!(matches!(
        s.update_plan_version(
            rec.id,
            1,
            6,
            content.clone(),
            CaseStage::Planning,
            by_cm.clone()
        )
        .await,
        Err(StoreError::Conflict)
    ));
    let v2 = s
        .create_plan_version(rec.id, Some(1), content, CaseStage::Planning, by_cm.clone())
        .await
        .unwrap();
    assert_eq!((v2.version, v2.status()), (2, PlanStatus::Draft));
    s.agree_plan(rec.id, 2, 1, agreement, CaseStage::Planning, by_cm.clone())
        .await
        .unwrap();
    let pending = s.pending_approvals(Some(office.id)).await.unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].plan_version, Some(2));
    assert_eq!(pending[0].case.number, rec.number.to_string());

    // Closure: one in force at a time; approval; reopening keeps the history.
    let closure = Closure {
        date: date!(2026 - 11 - 22),
        reason: ClosureReason::PlannedEnd,
        exit_reason: None,
        termination_reason: None,
        reasons_explored: String::new(),
        needs_met: "All".into(),
        needs_unmet: String::new(),
        needs_emerging: String::new(),
        handovers: vec![],
        no_final_survey_reason: String::new(),
        carried_over: vec![],
    };
    let x = s
        .request_closure(rec.id, closure.clone(), CaseStage::Closure, by_cm.clone())
        .await
        .unwrap();
    assert!(matches!(
        s.request_closure(rec.id, closure.clone(), CaseStage::Closure, by_cm.clone())
            .await,
        Err(StoreError::Conflict)
    ));
    s.approve_closure(
        rec.id,
        x.id,
        false,
        CaseStage::Closed,
        AuditContext::by(pm.id, NOW),
    )
    .await
    .unwrap();
    // The stage derived with the approval landed with it: setting it again changes nothing.
    assert_eq!(s.case(rec.id).await.unwrap().stage, CaseStage::Closed);
    assert!(
        !s.set_case_stage(rec.id, CaseStage::Closed, by_cm.clone())
            .await
            .unwrap()
    );
    assert!(
        s.set_case_stage(rec.id, CaseStage::Implementation, by_cm.clone())
            .await
            .unwrap()
    );
    assert!(
        s.set_case_stage(rec.id, CaseStage::Closed, by_cm.clone())
            .await
            .unwrap()
    );
    assert!(s.open_cases_of(cm.id).await.unwrap().is_empty());
    s.reopen_case(
        rec.id,
        "New health need".into(),
        CaseStage::Implementation,
        AuditContext::by(pm.id, NOW),
    )
    .await
    .unwrap();
    s.request_closure(rec.id, closure, CaseStage::Closure, by_cm.clone())
        .await
        .unwrap();
    let history = s.closures(rec.id).await.unwrap();
    assert_eq!(history.len(), 2);
    assert!(!history[0].in_force());
    assert_eq!(history[0].reopen_reason.as_deref(), Some("New health need"));
    assert!(history[1].in_force());

    // Read together, the pathway's records are what each read gives.
    let together = s.pathway_records(rec.id).await.unwrap();
    let ids = |entries: &[Entry]| entries.iter().map(|e| e.id).collect::<Vec<_>>();
    assert_eq!(
        ids(&together.entries),
        ids(&s.entries(rec.id).await.unwrap())
    );
    assert_eq!(together.closures.len(), history.len());
    assert_eq!(
        together.plans.len(),
        s.plan_versions(rec.id).await.unwrap().len()
    );
    assert_eq!(together.submissions.len(), 0);
    assert_eq!(together.rss.len(), 0);

    // Every change above is on the case's timeline.
    let trail = s
        .audit_for_record(record_type::CASE, &rec.id.to_string(), AuditScope::Changes)
        .await
        .unwrap();
    let fields: Vec<_> = trail
        .iter()
        .flat_map(|e| e.changes.iter().map(|c| c.field.clone()))
        .collect();
    for f in [
        "urgent_referral",
        "session",
        "plan",
        "plan.v1.agreement",
        "plan.v1.approval",
        "closure",
        "closure.approval",
        "stage",
    ] {
        assert!(fields.iter().any(|x| x == f), "{f} audited");
    }

    // Programme: the grid is seeded once; settings and self-approval are stored.
    let grid = domain::pathway::feasibility::default_grid();
    assert!(
        s.seed_feasibility_grid(grid.clone(), AuditContext::system(NOW, "t"))
            .await
            .unwrap()
    );
    assert!(
        !s.seed_feasibility_grid(grid.clone(), AuditContext::system(NOW, "t"))
            .await
            .unwrap()
    );
    let mut first = grid[0].clone();
    first.approach = "Cash grants".into();
    s.save_grid_approach(first, AuditContext::by(pm.id, NOW))
        .await
        .unwrap();
    let stored = s.feasibility_grid().await.unwrap();
    assert_eq!(stored.len(), grid.len());
    assert_eq!(stored[0].approach, "Cash grants");
    s.set_setting(
        setting::FOLLOW_UP,
        "{}".into(),
        AuditContext::by(pm.id, NOW),
    )
    .await
    .unwrap();
    assert_eq!(
        s.setting(setting::FOLLOW_UP).await.unwrap().as_deref(),
        Some("{}")
    );
    s.set_office_self_approval(office.id, true, AuditContext::by(pm.id, NOW))
        .await
        .unwrap();
    assert!(s.case(rec.id).await.unwrap().office.self_approval);
}

async fn open_cases_and_approvals_are_listed_per_user_and_office(s: &Arc<dyn Store>) {
    use domain::pathway::closure::{Closure, ClosureReason};
    use domain::pathway::plan::{AgreementMethod, PlanContent};
    let a = super::office(s, "WLA").await;
    let b = super::office(s, "WLB").await;
    let cm = user(s, "wla.cm", Role::CaseManager, Some(a.id)).await;
    let other_cm = user(s, "wla.cm2", Role::CaseManager, Some(a.id)).await;
    let mut early = profile("Alpha", "Sylla");
    early.return_date = date!(2026 - 01 - 05);
    let mut late = profile("Binta", "Sylla");
    late.return_date = date!(2026 - 06 - 05);
    let second = super::new_case(s, a.id, cm.id, late).await;
    let first = super::new_case(s, a.id, cm.id, early).await;
    let elsewhere = super::new_case(s, b.id, other_cm.id, profile("Cira", "Sylla")).await;
    let mine: Vec<_> = s
        .open_cases_of(cm.id)
        .await
        .unwrap()
        .into_iter()
        .map(|c| (c.id, c.number))
        .collect();
    assert_eq!(mine.len(), 2, "only the user's cases");
    assert!(mine.contains(&(first.id, first.number.to_string())));
    assert!(mine.contains(&(second.id, second.number.to_string())));
    let by_cm = AuditContext::by(cm.id, NOW);
    s.set_case_stage(second.id, CaseStage::Closed, by_cm.clone())
        .await
        .unwrap();
    let mine: Vec<_> = s
        .open_cases_of(cm.id)
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(mine, [first.id], "closed cases are not open");

    // A plan agreed in one office and a closure requested in another.
    s.create_plan_version(
        first.id,
        None,
        PlanContent::default(),
        CaseStage::Planning,
        by_cm.clone(),
    )
    .await
    .unwrap();
    s.agree_plan(
        first.id,
        1,
        1,
        NewPlanAgreement {
            date: date!(2026 - 11 - 20),
            method: AgreementMethod::Signed,
            copy_given: false,
        },
        CaseStage::Planning,
        by_cm.clone(),
    )
    .await
    .unwrap();
    let closure = Closure {
        date: date!(2026 - 11 - 22),
        reason: ClosureReason::PlannedEnd,
        exit_reason: None,
        termination_reason: None,
        reasons_explored: String::new(),
        needs_met: "All".into(),
        needs_unmet: String::new(),
        needs_emerging: String::new(),
        handovers: vec![],
        no_final_survey_reason: String::new(),
        carried_over: vec![],
    };
    let x = s
        .request_closure(
            elsewhere.id,
            closure,
            CaseStage::Closure,
            AuditContext::by(other_cm.id, NOW + time::Duration::minutes(1)),
        )
        .await
        .unwrap();
    assert_eq!(x.requested_by, Some(other_cm.id));
    assert!(x.approval.is_none() && x.in_force());
    let in_a = s.pending_approvals(Some(a.id)).await.unwrap();
    assert_eq!(in_a.len(), 1);
    assert_eq!(
        (in_a[0].case.id, in_a[0].plan_version, in_a[0].closure),
        (first.id, Some(1), None)
    );
    assert_eq!((in_a[0].office, in_a[0].case_manager), (a.id, Some(cm.id)));
    let in_b = s.pending_approvals(Some(b.id)).await.unwrap();
    assert_eq!(in_b.len(), 1);
    assert_eq!(
        (in_b[0].case.id, in_b[0].plan_version, in_b[0].closure),
        (elsewhere.id, None, Some(x.id))
    );
    let everywhere = s.pending_approvals(None).await.unwrap();
    assert!(everywhere.iter().any(|p| p.closure == Some(x.id)));
    assert!(everywhere.iter().any(|p| p.case.id == first.id));
    // Approved, it waits for nobody.
    s.approve_closure(
        elsewhere.id,
        x.id,
        false,
        CaseStage::Closed,
        AuditContext::by(cm.id, NOW),
    )
    .await
    .unwrap();
    assert!(matches!(
        s.approve_closure(
            elsewhere.id,
            x.id,
            false,
            CaseStage::Closed,
            AuditContext::by(cm.id, NOW)
        )
        .await,
        Err(StoreError::Conflict)
    ));
    assert!(s.pending_approvals(Some(b.id)).await.unwrap().is_empty());
    let approved = &s.closures(elsewhere.id).await.unwrap()[0];
    assert_eq!(
        approved.approval.as_ref().map(|a| (a.by, a.self_approved)),
        Some((Some(cm.id), false))
    );
}

async fn unmet_needs_are_listed_per_office_without_names(s: &Arc<dyn Store>) {
    use domain::pathway::{Dimension, UnmetNeed, UnmetReason};
    let a = super::office(s, "UNA").await;
    let b = super::office(s, "UNB").await;
    let cm = user(s, "una.cm", Role::CaseManager, Some(a.id)).await;
    let mut p = profile("Fanta", "Camara");
    p.return_province = "Tambacounda".into();
    let case = super::new_case(s, a.id, cm.id, p).await;
    super::new_case(s, b.id, cm.id, profile("Gora", "Camara")).await;
    let need = UnmetNeed {
        date: date!(2026 - 11 - 10),
        dimension: Dimension::Economic,
        need: "Vocational training in welding".into(),
        reason: UnmetReason::NotAvailable,
        notes: String::new(),
    };
    let body = serde_json::to_string(&need).unwrap();
    let at = NOW + time::Duration::minutes(3);
    s.add_entry(
        NewEntry {
            id: uuid::Uuid::new_v4(),
            case: case.id,
            kind: EntryKind::UnmetNeed,
            date: need.date,
            body: body.clone(),
            open: false,
            summary: "economic".into(),
        },
        CaseStage::Intake,
        AuditContext::by(cm.id, at),
    )
    .await
    .unwrap();
    let rows = s.unmet_needs(Some(a.id)).await.unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].body, body);
    assert_eq!(rows[0].office_code, "UNA");
    assert_eq!(rows[0].return_province, "Tambacounda");
    assert_eq!(rows[0].recorded_at, at);
    let read: UnmetNeed = serde_json::from_str(&rows[0].body).unwrap();
    assert_eq!(read, need);
    assert!(s.unmet_needs(Some(b.id)).await.unwrap().is_empty());
    assert!(
        s.unmet_needs(None)
            .await
            .unwrap()
            .iter()
            .any(|r| r.office_code == "UNA" && r.body == body)
    );
    // Other journal entries are not needs.
    assert!(
        s.entries(case.id)
            .await
            .unwrap()
            .iter()
            .all(|e| e.kind == EntryKind::UnmetNeed)
    );
}

async fn programme_grid_and_settings(s: &Arc<dyn Store>) {
    let pm = user(s, "grid.pm", Role::ProgrammeManager, None).await;
    let grid = s.feasibility_grid().await.unwrap();
    assert!(!grid.is_empty(), "seeded by the pathway checks above");
    // A new approach is added at the end; the others keep their order.
    let mut extra = grid[0].clone();
    extra.key = "conformance_extra".into();
    extra.approach = "Savings groups".into();
    s.save_grid_approach(extra.clone(), AuditContext::by(pm.id, NOW))
        .await
        .unwrap();
    let stored = s.feasibility_grid().await.unwrap();
    assert_eq!(stored.len(), grid.len() + 1);
    assert_eq!(stored[..grid.len()], grid[..]);
    assert_eq!(stored.last(), Some(&extra));
    // Replacing it keeps its place.
    extra.approach = "Savings and loans groups".into();
    s.save_grid_approach(extra.clone(), AuditContext::by(pm.id, NOW))
        .await
        .unwrap();
    let stored = s.feasibility_grid().await.unwrap();
    assert_eq!(stored.len(), grid.len() + 1);
    assert_eq!(stored.last(), Some(&extra));

    assert_eq!(s.setting("conformance.unset").await.unwrap(), None);
    s.set_setting("conformance.key", "1".into(), AuditContext::by(pm.id, NOW))
        .await
        .unwrap();
    s.set_setting("conformance.key", "2".into(), AuditContext::by(pm.id, NOW))
        .await
        .unwrap();
    assert_eq!(
        s.setting("conformance.key").await.unwrap().as_deref(),
        Some("2"),
        "the last value set"
    );
    // Replaced only from the value it still holds: a change saved in between is a conflict.
    let by = || AuditContext::by(pm.id, NOW);
    s.replace_setting("conformance.key", Some("2".into()), "3".into(), by())
        .await
        .unwrap();
    assert!(matches!(
        s.replace_setting("conformance.key", Some("2".into()), "4".into(), by())
            .await,
        Err(StoreError::Conflict)
    ));
    assert!(matches!(
        s.replace_setting("conformance.other", Some("x".into()), "1".into(), by())
            .await,
        Err(StoreError::Conflict)
    ));
    s.replace_setting("conformance.other", None, "1".into(), by())
        .await
        .unwrap();
    assert_eq!(
        s.setting("conformance.key").await.unwrap().as_deref(),
        Some("3")
    );
    let o = super::office(s, "SELF").await;
    s.set_office_self_approval(o.id, true, AuditContext::by(pm.id, NOW))
        .await
        .unwrap();
    assert!(s.office(o.id).await.unwrap().self_approval);
    s.set_office_self_approval(o.id, false, AuditContext::by(pm.id, NOW))
        .await
        .unwrap();
    assert!(!s.office(o.id).await.unwrap().self_approval);
}
