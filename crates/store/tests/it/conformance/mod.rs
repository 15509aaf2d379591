//! The behaviour every `Store` backend must have. Each backend's test file opens a fresh store
//! and calls `run_all`.

use std::sync::Arc;

use domain::audit::AuditAction;
use domain::authz::{CaseListScope, RestrictedVisibility};
use domain::case::{
    CaseStage, HouseholdMember, Relationship, ReturnType, ReturneeProfile, Sex, Vulnerability,
};
use domain::consent::{ConsentDecision, ConsentMethod, ConsentPurpose, ConsentRecord};
use domain::{CaseId, OfficeCode, Role, Username};
use store::*;
use time::OffsetDateTime;
use time::macros::{date, datetime};

pub fn profile(given: &str, family: &str) -> ReturneeProfile {
    ReturneeProfile {
        given_name: given.into(),
        family_name: family.into(),
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

fn everyone() -> CaseListScope {
    CaseListScope {
        office: None,
        restricted: RestrictedVisibility::All,
    }
}

const NOW: OffsetDateTime = datetime!(2026-11-23 10:00 UTC);

async fn user(
    s: &Arc<dyn Store>,
    name: &str,
    role: Role,
    office: Option<domain::OfficeId>,
) -> User {
    s.create_user(
        NewUser {
            username: Username::parse(name).unwrap(),
            display_name: name.to_uppercase(),
            role,
            office,
            password_hash: "hash".into(),
            must_change_password: false,
        },
        AuditContext::system(NOW, "test"),
    )
    .await
    .unwrap()
}

pub async fn run_all(s: Arc<dyn Store>) {
    s.health().await.unwrap();
    offices_and_users(&s).await;
    sessions_tokens_and_throttling(&s).await;
    cases_numbering_round_trip_and_audit(&s).await;
    stale_updates_change_nothing(&s).await;
    listing_filters_search_and_scope(&s).await;
    consent_is_append_only(&s).await;
    pathway_plans_closures_and_journal(&s).await;
    service_map_and_referrals(&s).await;
    community_records(&s).await;
}

async fn offices_and_users(s: &Arc<dyn Store>) {
    let code = OfficeCode::parse("ofa").unwrap();
    let a = s.ensure_office(&code, "Office A").await.unwrap();
    let again = s.ensure_office(&code, "ignored").await.unwrap();
    assert_eq!(a, again, "ensuring an existing office returns it unchanged");
    assert_eq!(s.office_by_code(&code).await.unwrap(), Some(a.clone()));
    assert_eq!(s.office(a.id).await.unwrap(), a);
    let u = user(s, "ofa.cm", Role::CaseManager, Some(a.id)).await;
    assert_eq!(s.user(u.id).await.unwrap().username.as_str(), "ofa.cm");
    let dup = s
        .create_user(
            NewUser {
                username: Username::parse("ofa.cm").unwrap(),
                display_name: "x".into(),
                role: Role::Viewer,
                office: None,
                password_hash: "h".into(),
                must_change_password: false,
            },
            AuditContext::system(NOW, "test"),
        )
        .await;
    assert!(matches!(dup, Err(StoreError::Duplicate("username"))));
    assert!(
        s.case_managers(Some(a.id))
            .await
            .unwrap()
            .iter()
            .any(|m| m.id == u.id)
    );
    let audit = s
        .audit_for_record(
            record_type::USER,
            &u.id.to_string(),
            AuditScope::ChangesAndViews,
        )
        .await
        .unwrap();
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].action, AuditAction::Create);
}

async fn sessions_tokens_and_throttling(s: &Arc<dyn Store>) {
    let u = user(s, "sess.user", Role::Viewer, None).await;
    for t in ["s1", "s2"] {
        s.create_session(NewSession {
            token_hash: t.into(),
            user: u.id,
            csrf_token: "c".into(),
            at: NOW,
        })
        .await
        .unwrap();
    }
    let (sess, who) = s.session("s1").await.unwrap().unwrap();
    assert_eq!((sess.user, who.id), (u.id, u.id));
    s.touch_session("s1", NOW + time::Duration::minutes(5))
        .await
        .unwrap();
    let (sess, _) = s.session("s1").await.unwrap().unwrap();
    assert_eq!(sess.last_seen_at, NOW + time::Duration::minutes(5));
    // Changing the password ends the other sessions but keeps the current one.
    s.set_password(
        u.id,
        "new".into(),
        false,
        Some("s1"),
        AuditContext::by(u.id, NOW),
    )
    .await
    .unwrap();
    assert!(s.session("s1").await.unwrap().is_some());
    assert!(s.session("s2").await.unwrap().is_none());
    s.delete_session("s1").await.unwrap();
    assert!(s.session("s1").await.unwrap().is_none());

    let key = "account:sess.user".to_string();
    s.record_login_failure(&[key.clone(), "address:127.0.0.1".into()], NOW)
        .await
        .unwrap();
    s.record_login_failure(std::slice::from_ref(&key), NOW - time::Duration::hours(1))
        .await
        .unwrap();
    assert_eq!(
        s.count_login_failures(&key, NOW - time::Duration::minutes(15))
            .await
            .unwrap(),
        1
    );
    s.clear_login_failures(&key).await.unwrap();
    assert_eq!(
        s.count_login_failures(&key, NOW - time::Duration::days(1))
            .await
            .unwrap(),
        0
    );

    let t = s
        .create_api_token(
            NewApiToken {
                user: u.id,
                name: "laptop".into(),
                token_hash: "th".into(),
            },
            AuditContext::by(u.id, NOW),
        )
        .await
        .unwrap();
    assert_eq!(
        s.user_by_api_token("th", NOW).await.unwrap().unwrap().id,
        u.id
    );
    assert!(s.user_by_api_token("other", NOW).await.unwrap().is_none());
    s.revoke_api_token(u.id, t.id, AuditContext::by(u.id, NOW))
        .await
        .unwrap();
    assert!(s.user_by_api_token("th", NOW).await.unwrap().is_none());
    assert!(matches!(
        s.revoke_api_token(u.id, t.id, AuditContext::by(u.id, NOW))
            .await,
        Err(StoreError::NotFound)
    ));
    assert!(s.api_tokens(u.id).await.unwrap()[0].revoked_at.is_some());
}

async fn cases_numbering_round_trip_and_audit(s: &Arc<dyn Store>) {
    let a = s
        .ensure_office(&OfficeCode::parse("NUMA").unwrap(), "A")
        .await
        .unwrap();
    let b = s
        .ensure_office(&OfficeCode::parse("NUMB").unwrap(), "B")
        .await
        .unwrap();
    let cm = user(s, "num.cm", Role::CaseManager, Some(a.id)).await;
    let mut p = profile("Fatou", "Sow");
    p.household = vec![HouseholdMember {
        name: "Ibou".into(),
        relationship: Relationship::Child,
        sex: Some(Sex::Male),
        date_of_birth: Some(date!(2018 - 01 - 09)),
        returned_together: Some(true),
        notes: None,
    }];
    p.vulnerabilities = vec![Vulnerability::HealthNeeds, Vulnerability::Debt];
    p.phone = Some("+221 70 111 22 33".into());
    let mut numbers = Vec::new();
    for (office, at) in [
        (a.id, NOW),
        (a.id, NOW),
        (b.id, NOW),
        (a.id, datetime!(2027-01-02 09:00 UTC)),
    ] {
        let rec = s
            .create_case(
                NewCase {
                    id: CaseId::new(),
                    office,
                    case_manager: Some(cm.id),
                    profile: p.clone(),
                    stage: CaseStage::Intake,
                    consents: vec![],
                },
                AuditContext::by(cm.id, at),
            )
            .await
            .unwrap();
        numbers.push(rec.number.to_string());
    }
    assert_eq!(
        numbers,
        [
            "NUMA-2026-00001",
            "NUMA-2026-00002",
            "NUMB-2026-00001",
            "NUMA-2027-00001"
        ]
    );

    let id = s.case_by_number("numa-2026-00002").await.unwrap().unwrap();
    let rec = s.case(id).await.unwrap();
    assert_eq!(rec.profile, p, "the profile reads back exactly as written");
    assert_eq!(rec.version, 1);
    assert_eq!(rec.case_manager_name.as_deref(), Some("NUM.CM"));
    let audit = s
        .audit_for_record(
            record_type::CASE,
            &id.to_string(),
            AuditScope::ChangesAndViews,
        )
        .await
        .unwrap();
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].actor, Some(cm.id));
    assert!(
        audit[0]
            .changes
            .iter()
            .any(|c| c.field == "family_name" && c.after.as_deref() == Some("Sow"))
    );
    assert!(matches!(
        s.case(CaseId::new()).await,
        Err(StoreError::NotFound)
    ));
}

async fn stale_updates_change_nothing(s: &Arc<dyn Store>) {
    let o = s
        .ensure_office(&OfficeCode::parse("STALE").unwrap(), "S")
        .await
        .unwrap();
    let cm = user(s, "stale.cm", Role::CaseManager, Some(o.id)).await;
    let rec = s
        .create_case(
            NewCase {
                id: CaseId::new(),
                office: o.id,
                case_manager: Some(cm.id),
                profile: profile("Awa", "Ndiaye"),
                stage: CaseStage::Intake,
                consents: vec![],
            },
            AuditContext::by(cm.id, NOW),
        )
        .await
        .unwrap();
    let mut p = rec.profile.clone();
    p.phone = Some("1".into());
    let update = CaseUpdate {
        id: rec.id,
        expected_version: 1,
        case_manager: Some(cm.id),
        profile: p.clone(),
        changes: domain::audit::diff(&rec.profile.audit_fields(), &p.audit_fields()),
    };
    let updated = s
        .update_case(update.clone(), AuditContext::by(cm.id, NOW))
        .await
        .unwrap();
    assert_eq!(updated.version, 2);
    assert_eq!(updated.profile.phone.as_deref(), Some("1"));
    let mut stale = update.clone();
    stale.profile.phone = Some("2".into());
    assert!(matches!(
        s.update_case(stale, AuditContext::by(cm.id, NOW)).await,
        Err(StoreError::Conflict)
    ));
    let now = s.case(rec.id).await.unwrap();
    assert_eq!((now.version, now.profile.phone.as_deref()), (2, Some("1")));
    let audit = s
        .audit_for_record(
            record_type::CASE,
            &rec.id.to_string(),
            AuditScope::ChangesAndViews,
        )
        .await
        .unwrap();
    assert_eq!(audit.len(), 2, "the refused update wrote no audit entry");
    s.append_audit(AuditContext::by(cm.id, NOW).entry(
        AuditAction::View,
        record_type::CASE,
        rec.id.to_string(),
        vec![],
    ))
    .await
    .unwrap();
    let changes = s
        .audit_for_record(record_type::CASE, &rec.id.to_string(), AuditScope::Changes)
        .await
        .unwrap();
    assert_eq!(changes.len(), 2, "views are left out of the changes");
    let all = s
        .audit_for_record(
            record_type::CASE,
            &rec.id.to_string(),
            AuditScope::ChangesAndViews,
        )
        .await
        .unwrap();
    assert_eq!(all.last().unwrap().action, AuditAction::View);
    assert_eq!(audit[1].changes.len(), 1);
    assert_eq!(audit[1].changes[0].field, "phone");
    let missing = CaseUpdate {
        id: CaseId::new(),
        ..update
    };
    assert!(matches!(
        s.update_case(missing, AuditContext::by(cm.id, NOW)).await,
        Err(StoreError::NotFound)
    ));

    // A renamed case is found by its new name, within its office's search, and not by the old.
    let mut renamed = now.profile.clone();
    renamed.family_name = "Sarr".into();
    s.update_case(
        CaseUpdate {
            id: rec.id,
            expected_version: 2,
            case_manager: Some(cm.id),
            profile: renamed.clone(),
            changes: domain::audit::diff(&now.profile.audit_fields(), &renamed.audit_fields()),
        },
        AuditContext::by(cm.id, NOW),
    )
    .await
    .unwrap();
    let mut q = CaseQuery::new(CaseListScope {
        office: Some(o.id),
        restricted: RestrictedVisibility::All,
    });
    q.text = Some("sarr".into());
    let found = s.list_cases(&q).await.unwrap();
    assert_eq!(
        found.items.iter().map(|c| c.id).collect::<Vec<_>>(),
        [rec.id]
    );
    q.text = Some("ndiaye".into());
    assert!(s.list_cases(&q).await.unwrap().items.is_empty());
}

async fn listing_filters_search_and_scope(s: &Arc<dyn Store>) {
    let o = s
        .ensure_office(&OfficeCode::parse("LST").unwrap(), "L")
        .await
        .unwrap();
    let other = s
        .ensure_office(&OfficeCode::parse("LSTB").unwrap(), "L2")
        .await
        .unwrap();
    let cm = user(s, "lst.cm", Role::CaseManager, Some(o.id)).await;
    let cm2 = user(s, "lst.cm2", Role::CaseManager, Some(o.id)).await;
    let make =
        |given: &str, family: &str, sex: Sex, province: &str, ret: time::Date, restricted: bool| {
            let mut p = profile(given, family);
            p.sex = sex;
            p.return_province = province.into();
            p.return_date = ret;
            p.restricted = restricted;
            p
        };
    let cases = [
        (
            o.id,
            cm.id,
            make(
                "Aïssatou",
                "Bâ",
                Sex::Female,
                "Kolda",
                date!(2026 - 01 - 10),
                false,
            ),
        ),
        (
            o.id,
            cm.id,
            make(
                "Mamadou",
                "Ba",
                Sex::Male,
                "Sédhiou",
                date!(2026 - 02 - 10),
                false,
            ),
        ),
        (
            o.id,
            cm2.id,
            make(
                "Ousmane",
                "Sy",
                Sex::Male,
                "Kolda",
                date!(2026 - 03 - 10),
                true,
            ),
        ),
        (
            other.id,
            cm2.id,
            make(
                "Khady",
                "Ba",
                Sex::Female,
                "Kolda",
                date!(2026 - 04 - 10),
                false,
            ),
        ),
    ];
    for (office, manager, p) in cases {
        s.create_case(
            NewCase {
                id: CaseId::new(),
                office,
                case_manager: Some(manager),
                profile: p,
                stage: CaseStage::Intake,
                consents: vec![],
            },
            AuditContext::by(manager, NOW),
        )
        .await
        .unwrap();
    }
    let in_office = CaseListScope {
        office: Some(o.id),
        restricted: RestrictedVisibility::All,
    };
    let names = |page: &CasePage| {
        page.items
            .iter()
            .map(|c| c.given_name.clone())
            .collect::<Vec<_>>()
    };

    let mut q = CaseQuery::new(in_office);
    q.sort = CaseSort::ReturnDate;
    q.descending = false;
    let page = s.list_cases(&q).await.unwrap();
    assert_eq!(names(&page), ["Aïssatou", "Mamadou", "Ousmane"]);
    assert_eq!(page.total, 3);

    q.text = Some("ba".into());
    assert_eq!(
        names(&s.list_cases(&q).await.unwrap()),
        ["Aïssatou", "Mamadou"],
        "accent-insensitive prefix search"
    );
    q.text = Some("AISSA ba".into());
    assert_eq!(names(&s.list_cases(&q).await.unwrap()), ["Aïssatou"]);
    q.text = Some("LST-2026-00002".into());
    assert_eq!(names(&s.list_cases(&q).await.unwrap()), ["Mamadou"]);
    q.text = Some("nobody".into());
    assert!(s.list_cases(&q).await.unwrap().items.is_empty());
    q.text = None;

    q.sex = Some(Sex::Male);
    q.province = Some("sedhiou".into());
    assert_eq!(names(&s.list_cases(&q).await.unwrap()), ["Mamadou"]);
    q.sex = None;
    q.province = None;
    q.returned_from = Some(date!(2026 - 02 - 01));
    q.returned_to = Some(date!(2026 - 03 - 10));
    assert_eq!(
        names(&s.list_cases(&q).await.unwrap()),
        ["Mamadou", "Ousmane"]
    );
    q.returned_from = None;
    q.returned_to = None;
    q.case_manager = Some(cm2.id);
    assert_eq!(names(&s.list_cases(&q).await.unwrap()), ["Ousmane"]);
    q.case_manager = None;

    // Restricted cases follow the scope.
    q.scope = CaseListScope {
        office: Some(o.id),
        restricted: RestrictedVisibility::None,
    };
    assert_eq!(
        names(&s.list_cases(&q).await.unwrap()),
        ["Aïssatou", "Mamadou"]
    );
    q.scope = CaseListScope {
        office: Some(o.id),
        restricted: RestrictedVisibility::AssignedTo(cm2.id),
    };
    assert_eq!(
        names(&s.list_cases(&q).await.unwrap()),
        ["Aïssatou", "Mamadou", "Ousmane"]
    );
    q.scope = CaseListScope {
        office: Some(o.id),
        restricted: RestrictedVisibility::AssignedTo(cm.id),
    };
    assert_eq!(
        names(&s.list_cases(&q).await.unwrap()),
        ["Aïssatou", "Mamadou"]
    );

    // Pagination.
    let mut q = CaseQuery::new(everyone());
    q.text = Some("ba".into());
    q.sort = CaseSort::ReturnDate;
    q.descending = false;
    q.per_page = 2;
    q.page = 2;
    let page = s.list_cases(&q).await.unwrap();
    assert_eq!(names(&page), ["Khady"]);
    assert_eq!(page.total, 3);
    assert!(!page.total_capped);

    let counts = s.case_counts(Some(other.id)).await.unwrap();
    assert_eq!(
        counts,
        vec![CaseCount {
            office_code: "LSTB".into(),
            stage: CaseStage::Intake,
            sex: Sex::Female,
            count: 1
        }]
    );
}

async fn consent_is_append_only(s: &Arc<dyn Store>) {
    let o = s
        .ensure_office(&OfficeCode::parse("CNS").unwrap(), "C")
        .await
        .unwrap();
    let cm = user(s, "cns.cm", Role::CaseManager, Some(o.id)).await;
    let rec = s
        .create_case(
            NewCase {
                id: CaseId::new(),
                office: o.id,
                case_manager: Some(cm.id),
                profile: profile("Binta", "Kane"),
                stage: CaseStage::Intake,
                consents: vec![],
            },
            AuditContext::by(cm.id, NOW),
        )
        .await
        .unwrap();
    for (decision, d) in [
        (ConsentDecision::Given, date!(2026 - 03 - 02)),
        (ConsentDecision::Withdrawn, date!(2026 - 05 - 02)),
    ] {
        s.add_consent(
            rec.id,
            ConsentRecord {
                purpose: ConsentPurpose::Contact,
                decision,
                method: ConsentMethod::VerbalByPhone,
                date: d,
                notes: None,
                recorded_by: cm.id,
                recorded_at: NOW,
            },
            AuditContext::by(cm.id, NOW),
        )
        .await
        .unwrap();
    }
    let entries = s.consents(rec.id).await.unwrap();
    assert_eq!(
        entries.len(),
        2,
        "a withdrawal adds a record, it deletes nothing"
    );
    assert_eq!(entries[1].record.decision, ConsentDecision::Withdrawn);
    assert_eq!(entries[0].recorded_by_name, "CNS.CM");
    let records: Vec<_> = entries.into_iter().map(|e| e.record).collect();
    assert!(!domain::consent::consent_status(&records, ConsentPurpose::Contact).permits());
    let audit = s
        .audit_for_record(
            record_type::CASE,
            &rec.id.to_string(),
            AuditScope::ChangesAndViews,
        )
        .await
        .unwrap();
    assert_eq!(audit.len(), 3);
    let missing = s
        .add_consent(
            CaseId::new(),
            records[0].clone(),
            AuditContext::by(cm.id, NOW),
        )
        .await;
    assert!(matches!(missing, Err(StoreError::NotFound)));
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
    assert_eq!(
        closed[1].closing_note.as_deref(),
        Some("Seen at the hospital")
    );

    // Plans: versions, stale edits, agreement withdrawn by an edit, approval.
    let v1 = s
        .create_plan_version(rec.id, None, PlanContent::default(), by_cm.clone())
        .await
        .unwrap();
    assert_eq!(
        (v1.version, v1.revision, v1.status()),
        (1, 1, PlanStatus::Draft)
    );
    assert!(matches!(
        s.create_plan_version(rec.id, None, PlanContent::default(), by_cm.clone())
            .await,
        Err(StoreError::Conflict)
    ));
    let content = PlanContent {
        exit_strategy: "Hand over to the cooperative".into(),
        ..Default::default()
    };
    let v1 = s
        .update_plan_version(rec.id, 1, 1, content.clone(), by_cm.clone())
        .await
        .unwrap();
    assert_eq!(v1.revision, 2);
    assert!(matches!(
        s.update_plan_version(rec.id, 1, 1, content.clone(), by_cm.clone())
            .await,
        Err(StoreError::Conflict)
    ));
    let agreement = NewPlanAgreement {
        date: date!(2026 - 11 - 21),
        method: AgreementMethod::Signed,
        copy_given: true,
    };
    assert!(matches!(
        s.approve_plan(rec.id, 1, 2, false, AuditContext::by(pm.id, NOW))
            .await,
        Err(StoreError::Conflict)
    ));
    s.agree_plan(rec.id, 1, 2, agreement, by_cm.clone())
        .await
        .unwrap();
    let v1 = s
        .update_plan_version(rec.id, 1, 3, content.clone(), by_cm.clone())
        .await
        .unwrap();
    assert_eq!(
        v1.status(),
        PlanStatus::Draft,
        "an edit withdraws the agreement"
    );
    s.agree_plan(rec.id, 1, 4, agreement, by_cm.clone())
        .await
        .unwrap();
    s.approve_plan(rec.id, 1, 5, false, AuditContext::by(pm.id, NOW))
        .await
        .unwrap();
    let versions = s.plan_versions(rec.id).await.unwrap();
    assert_eq!(versions[0].status(), PlanStatus::Approved);
    assert_eq!(
        versions[0].approval.as_ref().unwrap().by_name.as_deref(),
        Some("PATH.PM")
    );
    assert!(matches!(
        s.update_plan_version(rec.id, 1, 6, content.clone(), by_cm.clone())
            .await,
        Err(StoreError::Conflict)
    ));
    let v2 = s
        .create_plan_version(rec.id, Some(1), content, by_cm.clone())
        .await
        .unwrap();
    assert_eq!((v2.version, v2.status()), (2, PlanStatus::Draft));
    s.agree_plan(rec.id, 2, 1, agreement, by_cm.clone())
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
    };
    let x = s
        .request_closure(rec.id, closure.clone(), by_cm.clone())
        .await
        .unwrap();
    assert!(matches!(
        s.request_closure(rec.id, closure.clone(), by_cm.clone())
            .await,
        Err(StoreError::Conflict)
    ));
    s.approve_closure(rec.id, x.id, false, AuditContext::by(pm.id, NOW))
        .await
        .unwrap();
    assert!(
        s.set_case_stage(rec.id, CaseStage::Closed, by_cm.clone())
            .await
            .unwrap()
    );
    assert!(
        !s.set_case_stage(rec.id, CaseStage::Closed, by_cm.clone())
            .await
            .unwrap()
    );
    assert_eq!(s.case(rec.id).await.unwrap().stage, CaseStage::Closed);
    assert!(s.open_cases_of(cm.id).await.unwrap().is_empty());
    s.reopen_case(
        rec.id,
        "New health need".into(),
        AuditContext::by(pm.id, NOW),
    )
    .await
    .unwrap();
    s.request_closure(rec.id, closure, by_cm.clone())
        .await
        .unwrap();
    let history = s.closures(rec.id).await.unwrap();
    assert_eq!(history.len(), 2);
    assert!(!history[0].in_force());
    assert_eq!(history[0].reopen_reason.as_deref(), Some("New health need"));
    assert!(history[1].in_force());

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

async fn service_map_and_referrals(s: &Arc<dyn Store>) {
    use domain::referral::{ReferralContent, ReferralStatus, ReferralStep, Urgency};
    use domain::services::{Provider, ServiceCategory, ServiceFeedback};
    let office = s
        .ensure_office(&OfficeCode::parse("REF").unwrap(), "Referrals")
        .await
        .unwrap();
    let cm = user(s, "ref.cm", Role::CaseManager, Some(office.id)).await;
    let partner = user(s, "ref.partner", Role::Partner, Some(office.id)).await;
    let by_cm = AuditContext::by(cm.id, NOW);
    let pid = domain::ProviderId::new();
    let clinic = Provider {
        name: "Kolda clinic".into(),
        ..Default::default()
    };
    let p = s
        .save_provider(pid, None, clinic.clone(), by_cm.clone())
        .await
        .unwrap();
    assert_eq!(p.version, 1);
    assert!(matches!(
        s.save_provider(pid, Some(7), clinic.clone(), by_cm.clone())
            .await,
        Err(StoreError::Conflict)
    ));
    s.set_user_organisation(partner.id, Some(pid), by_cm.clone())
        .await
        .unwrap();
    assert_eq!(s.user(partner.id).await.unwrap().organisation, Some(pid));

    let sid = domain::ServiceId::new();
    let service = domain::services::Service {
        name: "General consultation".into(),
        category: ServiceCategory::Health,
        place: "Kolda".into(),
        languages: vec!["Pulaar".into()],
        details: Default::default(),
        barriers: vec![],
        ratings: Default::default(),
        serves_returnees: true,
        open_to_local_population: true,
        answer_days: Some(3),
        verified_on: None,
        verified_by: String::new(),
    };
    let sv = s
        .save_service(sid, pid, None, service.clone(), by_cm.clone())
        .await
        .unwrap();
    assert_eq!(sv.provider_name, "Kolda clinic");
    assert_eq!(s.services().await.unwrap().len(), 1);

    // A proposal is decided once; accepting replaces the service.
    let feedback = ServiceFeedback {
        comment: "Closed on Fridays now".into(),
        proposed: [("hours".to_string(), "Mon–Thu".to_string())].into(),
    };
    let u = s
        .propose_service_update(sid, None, feedback.clone(), by_cm.clone())
        .await
        .unwrap();
    let updated = feedback.apply(&service, date!(2026 - 11 - 20), "PM");
    s.decide_service_update(u, Some((sv.version, updated)), "ok".into(), by_cm.clone())
        .await
        .unwrap();
    assert!(matches!(
        s.decide_service_update(u, None, "again".into(), by_cm.clone())
            .await,
        Err(StoreError::Conflict)
    ));
    let sv = s.service(sid).await.unwrap();
    assert_eq!(sv.service.detail("hours"), "Mon–Thu");
    assert_eq!(sv.version, 2);

    let rec = s
        .create_case(
            NewCase {
                id: CaseId::new(),
                office: office.id,
                case_manager: Some(cm.id),
                profile: profile("Fatou", "Ba"),
                stage: CaseStage::Intake,
                consents: vec![],
            },
            by_cm.clone(),
        )
        .await
        .unwrap();
    let content = ReferralContent {
        reason: "Check-up".into(),
        urgency: Urgency::Routine,
        sections: vec![],
        health_note: String::new(),
        protection_note: String::new(),
        psychosocial_note: String::new(),
        plan_item: None,
        accompanied: false,
        consent: None,
        consent_override: None,
    }
    .normalised();
    let rid = domain::ReferralId::new();
    let r = s
        .create_referral(
            NewReferral {
                id: rid,
                case: rec.id,
                service: sid,
                content: content.clone(),
            },
            by_cm.clone(),
        )
        .await
        .unwrap();
    assert_eq!(r.status, ReferralStatus::Draft);
    assert_eq!(r.provider, pid);
    assert_eq!(r.case_access, rec.access());
    let step = NewReferralStep {
        from: ReferralStatus::Draft,
        to: ReferralStatus::Sent,
        step: ReferralStep::Send,
        note: String::new(),
        via: Via::Staff,
        sent_on: Some(date!(2026 - 11 - 20)),
        answer_due: Some(date!(2026 - 11 - 23)),
    };
    let sent = s
        .referral_step(rid, r.version, step.clone(), by_cm.clone())
        .await
        .unwrap();
    assert_eq!(sent.status, ReferralStatus::Sent);
    assert_eq!(sent.answer_due, Some(date!(2026 - 11 - 23)));
    // The same step again is stale.
    assert!(matches!(
        s.referral_step(rid, r.version, step, by_cm.clone()).await,
        Err(StoreError::Conflict)
    ));
    assert!(matches!(
        s.update_referral(rid, sent.version, content, by_cm.clone())
            .await,
        Err(StoreError::Conflict)
    ));
    let events = s.referral_events(rid).await.unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].by_name.as_deref(), Some("REF.CM"));
    let to_clinic = s
        .referrals(&ReferralFilter {
            provider: Some(pid),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(to_clinic.len(), 1);
    assert!(
        s.referrals(&ReferralFilter {
            provider: Some(domain::ProviderId::new()),
            ..Default::default()
        })
        .await
        .unwrap()
        .is_empty()
    );

    // Links: found by hash, revoked once.
    let link = s
        .create_referral_link(
            NewReferralLink {
                id: uuid::Uuid::new_v4(),
                referral: rid,
                token_hash: "h1".into(),
                expires_at: NOW + time::Duration::days(14),
            },
            by_cm.clone(),
        )
        .await
        .unwrap();
    assert!(link.is_live(NOW));
    let (found, fr) = s.referral_by_link("h1").await.unwrap().unwrap();
    assert_eq!((found.id, fr.id), (link.id, rid));
    assert!(s.referral_by_link("h2").await.unwrap().is_none());
    s.revoke_referral_link(rid, link.id, by_cm.clone())
        .await
        .unwrap();
    assert!(matches!(
        s.revoke_referral_link(rid, link.id, by_cm.clone()).await,
        Err(StoreError::NotFound)
    ));
    let (found, _) = s.referral_by_link("h1").await.unwrap().unwrap();
    assert!(!found.is_live(NOW));

    // Every referral change is on the case's timeline.
    let trail = s
        .audit_for_record("case", &rec.id.to_string(), AuditScope::Changes)
        .await
        .unwrap();
    let referral_entries = trail
        .iter()
        .filter(|e| e.changes.iter().any(|c| c.field.starts_with("referral.")))
        .count();
    assert_eq!(referral_entries, 4, "created, sent, link, revoked");
}

async fn community_records(s: &Arc<dyn Store>) {
    let office = s
        .ensure_office(&OfficeCode::parse("COM").unwrap(), "Community")
        .await
        .unwrap();
    let cm = user(s, "com.cm", Role::CaseManager, Some(office.id)).await;
    let by_cm = AuditContext::by(cm.id, NOW);
    let mut p = profile("Ousmane", "Sow");
    p.return_province = "Sédhiou".into();
    p.return_community = Some("Bounkiling".into());
    let case = s
        .create_case(
            NewCase {
                id: CaseId::new(),
                office: office.id,
                case_manager: Some(cm.id),
                profile: p,
                stage: CaseStage::Intake,
                consents: vec![],
            },
            by_cm.clone(),
        )
        .await
        .unwrap();

    let places = s.return_places(Some(office.id)).await.unwrap();
    assert_eq!(
        places,
        [ReturnPlace {
            province: "Sédhiou".into(),
            community: "Bounkiling".into(),
            cases: 1
        }]
    );
    let placed = s
        .cases_in_province(Some(office.id), "SEDHIOU")
        .await
        .unwrap();
    assert_eq!(placed.len(), 1, "province compared without accents or case");
    assert_eq!(placed[0].access.case_manager, Some(cm.id));

    let community = domain::DocumentId::new();
    let c = s
        .save_document(
            NewDocument {
                id: community,
                kind: DocKind::Community,
                parent: None,
                office: Some(office.id),
                name: "Bounkiling".into(),
                body: r#"{"name":"Bounkiling","province":"Sédhiou"}"#.into(),
                cases: vec![],
            },
            None,
            by_cm.clone(),
        )
        .await
        .unwrap();
    assert_eq!((c.version, c.office), (1, Some(office.id)));

    // A project with the returnee taking part: the case finds it, and its timeline says so.
    let project = domain::DocumentId::new();
    let new_project = |cases: Vec<CaseId>| NewDocument {
        id: project,
        kind: DocKind::Project,
        parent: Some(community),
        office: Some(office.id),
        name: "Rice cooperative".into(),
        body: r#"{"name":"Rice cooperative","kind":"collective_income"}"#.into(),
        cases,
    };
    s.save_document(new_project(vec![case.id]), None, by_cm.clone())
        .await
        .unwrap();
    assert_eq!(
        s.documents(DocKind::Project, Some(community))
            .await
            .unwrap()
            .len(),
        1
    );
    assert!(
        s.documents(DocKind::Project, Some(project))
            .await
            .unwrap()
            .is_empty()
    );
    let of_case = s.documents_of_case(case.id).await.unwrap();
    assert_eq!(of_case.len(), 1);
    assert_eq!(of_case[0].parent, Some(community));

    // Stale versions are refused; the returnee leaving is recorded on the case too.
    assert!(matches!(
        s.save_document(new_project(vec![]), Some(9), by_cm.clone())
            .await,
        Err(StoreError::Conflict)
    ));
    let saved = s
        .save_document(new_project(vec![]), Some(1), by_cm.clone())
        .await
        .unwrap();
    assert_eq!(saved.version, 2);
    assert_eq!(saved.updated_by.as_deref(), Some("COM.CM"));
    assert!(s.documents_of_case(case.id).await.unwrap().is_empty());
    let trail = s
        .audit_for_record("case", &case.id.to_string(), AuditScope::Changes)
        .await
        .unwrap();
    let project_changes: Vec<_> = trail
        .iter()
        .flat_map(|e| &e.changes)
        .filter(|c| c.field == "community_project")
        .collect();
    assert_eq!(project_changes.len(), 2, "joined, then left");
    assert_eq!(
        project_changes[1].before.as_deref(),
        Some("Rice cooperative")
    );
    let own = s
        .audit_for_record("project", &project.to_string(), AuditScope::Changes)
        .await
        .unwrap();
    assert_eq!(own.len(), 2);

    // Forms can be about a community.
    let subject = Subject::Document(community);
    assert!(s.submissions_for(subject).await.unwrap().is_empty());
}
