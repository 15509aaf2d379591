//! `CaseStore`: returnees' cases, their consent records and the audit trail.

use std::sync::Arc;

use domain::audit::AuditAction;
use domain::authz::{CaseListScope, RestrictedVisibility};
use domain::case::{CaseStage, HouseholdMember, Relationship, Sex, Vulnerability};
use domain::consent::{ConsentDecision, ConsentMethod, ConsentPurpose, ConsentRecord};
use domain::{CaseId, OfficeCode, OfficeId, Role};
use store::*;
use time::macros::{date, datetime};

use super::{NOW, everyone, profile, user};

pub async fn run(s: Arc<dyn Store>) {
    cases_numbering_round_trip_and_audit(&s).await;
    stale_updates_change_nothing(&s).await;
    listing_filters_search_and_scope(&s).await;
    exports_walk_a_filtered_list_in_number_order(&s).await;
    imports_register_all_cases_or_none_and_forget_their_files(&s).await;
    consent_is_append_only(&s).await;
    consent_given_at_registration_lands_with_the_case(&s).await;
    audit_entries_read_back_with_actor_reason_and_order(&s).await;
    counts_cover_every_office_or_one(&s).await;
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
    let first = s.list_cases(&q).await.unwrap();
    assert_eq!(first.previous, None);
    q.from = PageFrom::After(first.next.unwrap());
    let page = s.list_cases(&q).await.unwrap();
    assert_eq!(names(&page), ["Khady"]);
    assert_eq!(page.total, 3);
    assert!(!page.total_capped);
    assert_eq!(page.next, None, "nothing after the last page");
    q.from = PageFrom::Before(page.previous.unwrap());
    assert_eq!(names(&s.list_cases(&q).await.unwrap()), names(&first));

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

async fn exports_walk_a_filtered_list_in_number_order(s: &Arc<dyn Store>) {
    let o = super::office(s, "EXP").await;
    let other = super::office(s, "EXQ").await;
    let cm = user(s, "exp.cm", Role::CaseManager, Some(o.id)).await;
    let mut made = Vec::new();
    for i in 0..5 {
        let mut p = profile(&format!("Given{i}"), "Exported");
        p.vulnerabilities = vec![domain::case::Vulnerability::ALL[0]];
        p.household = vec![domain::case::HouseholdMember {
            name: format!("Child{i}"),
            relationship: domain::case::Relationship::ALL[0],
            sex: None,
            date_of_birth: None,
            returned_together: None,
            notes: None,
        }];
        made.push(super::new_case(s, o.id, cm.id, p).await);
    }
    let elsewhere = user(s, "exq.cm", Role::CaseManager, Some(other.id)).await;
    super::new_case(s, other.id, elsewhere.id, profile("Not", "Here")).await;
    let q = CaseQuery::new(CaseListScope {
        office: Some(o.id),
        restricted: RestrictedVisibility::All,
    });
    // Two at a time, each page after the last number seen, until none is left.
    let mut seen = Vec::new();
    let mut after = None;
    loop {
        let page = s.export_cases(&q, after.clone(), 2).await.unwrap();
        if page.is_empty() {
            break;
        }
        after = page.last().map(|c| c.number.to_string());
        seen.extend(page);
    }
    let mut numbers: Vec<String> = made.iter().map(|c| c.number.to_string()).collect();
    numbers.sort();
    assert_eq!(
        seen.iter()
            .map(|c| c.number.to_string())
            .collect::<Vec<_>>(),
        numbers,
        "every case of the office, in number order, none of another office"
    );
    assert!(
        seen.iter()
            .all(|c| c.profile.household.len() == 1 && c.profile.vulnerabilities.len() == 1)
    );

    // Candidates of a duplicate check: the cases filed under the keys looked up ("Given0" to
    // "Given4" spell alike once digits are dropped), within the scope only.
    let scope = CaseListScope {
        office: Some(o.id),
        restricted: RestrictedVisibility::All,
    };
    let keys =
        |p: &domain::case::ReturneeProfile| domain::duplicates::Prepared::of(p).lookup_keys();
    let named = s
        .cases_with_match_keys(scope, keys(&profile("Given9", "Exported")))
        .await
        .unwrap();
    assert_eq!(named.len(), 5);
    assert!(named.iter().all(|c| c.profile.household.len() == 1));
    let elsewhere = s
        .cases_with_match_keys(scope, keys(&profile("Not", "Here")))
        .await
        .unwrap();
    assert!(
        elsewhere.is_empty(),
        "another office's case is out of scope"
    );
}

async fn imports_register_all_cases_or_none_and_forget_their_files(s: &Arc<dyn Store>) {
    let o = super::office(s, "IMP").await;
    let pm = user(s, "imp.pm", Role::ProgrammeManager, Some(o.id)).await;
    let new = |given: &str, office| NewCase {
        id: CaseId::new(),
        office,
        case_manager: None,
        profile: profile(given, "Imported"),
        stage: CaseStage::Intake,
        consents: vec![],
    };
    let event = |n: usize| {
        AuditContext::by(pm.id, NOW).entry(
            domain::audit::AuditAction::Create,
            "import",
            format!("file-{n}"),
            vec![],
        )
    };
    let numbers = s
        .create_cases(
            vec![new("One", o.id), new("Two", o.id)],
            AuditContext::by(pm.id, NOW),
            event(1),
        )
        .await
        .unwrap();
    assert_eq!(numbers.len(), 2);
    assert!(numbers[0] < numbers[1]);
    assert_eq!(
        s.audit_for_record("import", "file-1", AuditScope::Changes)
            .await
            .unwrap()
            .len(),
        1
    );
    // A case in an office that does not exist fails the whole batch.
    let mut q = CaseQuery::new(CaseListScope {
        office: Some(o.id),
        restricted: RestrictedVisibility::All,
    });
    q.text = Some("imported".into());
    let before = s.list_cases(&q).await.unwrap().total;
    let refused = s
        .create_cases(
            vec![new("Three", o.id), new("Four", OfficeId::new())],
            AuditContext::by(pm.id, NOW),
            event(2),
        )
        .await;
    assert!(refused.is_err());
    assert_eq!(
        s.list_cases(&q).await.unwrap().total,
        before,
        "none of the batch"
    );
    assert!(
        s.audit_for_record("import", "file-2", AuditScope::Changes)
            .await
            .unwrap()
            .is_empty()
    );

    // An uploaded file is kept until it is forgotten, then its content goes too.
    let hash = s
        .put_file(b"given_name,family_name\n".to_vec())
        .await
        .unwrap();
    let file = ImportFile {
        id: uuid::Uuid::new_v4(),
        user: pm.id,
        file_name: "returnees.csv".into(),
        sha256: hash.clone(),
        uploaded_at: NOW,
    };
    s.add_import_file(file.clone()).await.unwrap();
    assert_eq!(s.import_file(file.id).await.unwrap(), Some(file.clone()));
    assert_eq!(s.import_progress(file.id).await.unwrap(), Some((0, 0)));
    s.set_import_progress(file.id, 2_000, 5_000).await.unwrap();
    assert_eq!(
        s.import_progress(file.id).await.unwrap(),
        Some((2_000, 5_000))
    );
    // Files uploaded since the cut-off stay.
    s.remove_import_files(None, NOW - time::Duration::hours(1))
        .await
        .unwrap();
    assert!(s.import_file(file.id).await.unwrap().is_some());
    s.remove_import_files(Some(file.id), NOW - time::Duration::hours(1))
        .await
        .unwrap();
    assert_eq!(s.import_file(file.id).await.unwrap(), None);
    assert!(matches!(
        s.read_file(&hash).await,
        Err(StoreError::NotFound)
    ));
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

async fn consent_given_at_registration_lands_with_the_case(s: &Arc<dyn Store>) {
    let o = super::office(s, "CNR").await;
    let cm = user(s, "cnr.cm", Role::CaseManager, Some(o.id)).await;
    let record = |purpose, d| ConsentRecord {
        purpose,
        decision: ConsentDecision::Given,
        method: ConsentMethod::WrittenInPerson,
        date: d,
        notes: Some("Signed form in the file".into()),
        recorded_by: cm.id,
        recorded_at: NOW,
    };
    let given = vec![
        record(ConsentPurpose::Contact, date!(2026 - 03 - 02)),
        record(ConsentPurpose::SharingWithProviders, date!(2026 - 03 - 01)),
    ];
    let rec = s
        .create_case(
            NewCase {
                id: CaseId::new(),
                office: o.id,
                case_manager: Some(cm.id),
                profile: profile("Ndeye", "Faye"),
                stage: CaseStage::Intake,
                consents: given.clone(),
            },
            AuditContext::by(cm.id, NOW),
        )
        .await
        .unwrap();
    let entries = s.consents(rec.id).await.unwrap();
    assert_eq!(entries.len(), 2);
    for e in &entries {
        assert!(
            given.contains(&e.record),
            "{:?} read back as written",
            e.record
        );
        assert_eq!(e.recorded_by_name, "CNR.CM");
    }
    let records: Vec<_> = entries.into_iter().map(|e| e.record).collect();
    assert!(domain::consent::consent_status(&records, ConsentPurpose::Contact).permits());
    assert!(s.consents(CaseId::new()).await.unwrap().is_empty());
    assert_eq!(s.case_by_number("CNR-2099-00001").await.unwrap(), None);
}

async fn audit_entries_read_back_with_actor_reason_and_order(s: &Arc<dyn Store>) {
    let o = super::office(s, "AUD").await;
    let cm = user(s, "aud.cm", Role::CaseManager, Some(o.id)).await;
    let rec = super::new_case(s, o.id, cm.id, profile("Rama", "Gueye")).await;
    let id = rec.id.to_string();
    let opened = AuditContext {
        actor: Some(cm.id),
        at: NOW + time::Duration::minutes(1),
        reason: Some("phone call".into()),
    };
    s.append_audit(opened.entry(AuditAction::View, record_type::CASE, id.clone(), vec![]))
        .await
        .unwrap();
    s.append_audit(
        AuditContext::system(NOW + time::Duration::minutes(2), "export").entry(
            AuditAction::Update,
            record_type::CASE,
            id.clone(),
            vec![domain::audit::FieldChange {
                field: "note".into(),
                before: Some("a".into()),
                after: Some("b".into()),
            }],
        ),
    )
    .await
    .unwrap();
    let all = s
        .audit_for_record(record_type::CASE, &id, AuditScope::ChangesAndViews)
        .await
        .unwrap();
    let actions: Vec<_> = all.iter().map(|e| e.action).collect();
    assert_eq!(
        actions,
        [AuditAction::Create, AuditAction::View, AuditAction::Update],
        "oldest first"
    );
    assert_eq!(all[1].actor_name.as_deref(), Some("aud.cm"));
    assert_eq!(all[1].reason.as_deref(), Some("phone call"));
    assert_eq!(all[1].at, NOW + time::Duration::minutes(1));
    assert_eq!(
        (all[2].actor, all[2].actor_name.as_deref()),
        (None, None),
        "a change by the system names nobody"
    );
    assert_eq!(all[2].changes[0].before.as_deref(), Some("a"));
    assert!(
        all.iter()
            .all(|e| e.record_type == "case" && e.record_id == id)
    );
    let changes = s
        .audit_for_record(record_type::CASE, &id, AuditScope::Changes)
        .await
        .unwrap();
    assert_eq!(changes.len(), 2);
    assert!(
        s.audit_for_record(record_type::CASE, "nothing", AuditScope::ChangesAndViews)
            .await
            .unwrap()
            .is_empty()
    );
}

async fn counts_cover_every_office_or_one(s: &Arc<dyn Store>) {
    let a = super::office(s, "CTA").await;
    let b = super::office(s, "CTB").await;
    let cm = user(s, "cta.cm", Role::CaseManager, Some(a.id)).await;
    let man = |given: &str| {
        let mut p = profile(given, "Diop");
        p.sex = Sex::Male;
        p
    };
    super::new_case(s, a.id, cm.id, man("Modou")).await;
    super::new_case(s, a.id, cm.id, man("Cheikh")).await;
    super::new_case(s, a.id, cm.id, profile("Astou", "Diop")).await;
    super::new_case(s, b.id, cm.id, man("Ibra")).await;
    let count = |counts: &[CaseCount], office: &str, sex: Sex| {
        counts
            .iter()
            .filter(|c| c.office_code == office && c.sex == sex && c.stage == CaseStage::Intake)
            .map(|c| c.count)
            .sum::<u64>()
    };
    let in_a = s.case_counts(Some(a.id)).await.unwrap();
    assert_eq!(count(&in_a, "CTA", Sex::Male), 2);
    assert_eq!(count(&in_a, "CTA", Sex::Female), 1);
    assert!(in_a.iter().all(|c| c.office_code == "CTA"));
    let all = s.case_counts(None).await.unwrap();
    assert_eq!(count(&all, "CTA", Sex::Male), 2);
    assert_eq!(count(&all, "CTB", Sex::Male), 1);
}
