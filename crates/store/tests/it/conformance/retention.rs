//! `RetentionStore`: closed cases due, a case's free text, erasure requests and the
//! anonymisation that removes a case's personal data (its audit trail's values included).

use std::sync::Arc;

use domain::case::CaseStage;
use domain::{CaseId, Role};
use store::*;
use time::macros::date;

use super::{NOW, new_case, profile, user};

pub async fn run(s: Arc<dyn Store>) {
    erasure_requests_are_made_listed_and_refused(&s).await;
    anonymising_removes_personal_data_and_values_once(&s).await;
}

async fn erasure_requests_are_made_listed_and_refused(s: &Arc<dyn Store>) {
    let o = super::office(s, "ERA").await;
    let elsewhere = super::office(s, "ERB").await;
    let cm = user(s, "era.cm", Role::CaseManager, Some(o.id)).await;
    let case = new_case(s, o.id, cm.id, profile("Fatou", "Erased")).await;
    let by_cm = AuditContext::by(cm.id, NOW);

    assert!(s.erasure_request(case.id).await.unwrap().is_none());
    s.request_erasure(case.id, "asked at the office", by_cm.clone())
        .await
        .unwrap();
    // One request at a time per case.
    assert!(matches!(
        s.request_erasure(case.id, "again", by_cm.clone()).await,
        Err(StoreError::Conflict)
    ));
    let request = s.erasure_request(case.id).await.unwrap().unwrap();
    assert_eq!(request.case, case.id);
    assert_eq!(request.case_number, case.number.to_string());
    assert_eq!(request.office, o.id);
    assert_eq!(request.reason, "asked at the office");
    assert_eq!(request.requested_by, Some(cm.id));
    assert_eq!(request.requested_by_name.as_deref(), Some("ERA.CM"));
    assert_eq!(request.requested_at, NOW);
    let waiting = |office| async move {
        s.erasure_requests(office)
            .await
            .unwrap()
            .iter()
            .map(|r| r.case)
            .collect::<Vec<_>>()
    };
    assert_eq!(waiting(Some(o.id)).await, [case.id]);
    assert!(waiting(Some(elsewhere.id)).await.is_empty());
    assert!(waiting(None).await.contains(&case.id));
    // A case that does not exist cannot be asked for.
    assert!(matches!(
        s.request_erasure(CaseId::new(), "who?", by_cm.clone())
            .await,
        Err(StoreError::Conflict)
    ));

    s.refuse_erasure(case.id, by_cm.clone()).await.unwrap();
    assert!(s.erasure_request(case.id).await.unwrap().is_none());
    assert!(matches!(
        s.refuse_erasure(case.id, by_cm.clone()).await,
        Err(StoreError::NotFound)
    ));
    let trail: Vec<_> = s
        .audit_for_record("case", &case.id.to_string(), AuditScope::Changes)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert!(trail.contains(&domain::audit::AuditAction::ErasureRequest));
    assert!(trail.contains(&domain::audit::AuditAction::ErasureRefuse));
}

async fn anonymising_removes_personal_data_and_values_once(s: &Arc<dyn Store>) {
    use domain::pathway::closure::{Closure, ClosureReason};
    let o = super::office(s, "ANO").await;
    let cm = user(s, "ano.cm", Role::CaseManager, Some(o.id)).await;
    let pm = user(s, "ano.pm", Role::ProgrammeManager, Some(o.id)).await;
    let mut p = profile("Mariama", "Anonyme");
    p.phone = Some("+221 77 000 00 00".into());
    p.address = Some("Rue 12, Kolda".into());
    let case = new_case(s, o.id, cm.id, p).await;
    let by_cm = AuditContext::by(cm.id, NOW);
    let entry = s
        .add_entry(
            NewEntry {
                id: uuid::Uuid::new_v4(),
                case: case.id,
                kind: EntryKind::Session,
                date: date!(2026 - 11 - 02),
                body: r#"{"notes":"talked about her family"}"#.into(),
                open: false,
                summary: "2026-11-02".into(),
            },
            CaseStage::Assessment,
            by_cm.clone(),
        )
        .await
        .unwrap();
    let closure = s
        .request_closure(
            case.id,
            Closure {
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
            },
            CaseStage::Closure,
            by_cm.clone(),
        )
        .await
        .unwrap();
    let approved_at = NOW + time::Duration::minutes(5);
    s.approve_closure(
        case.id,
        closure.id,
        false,
        CaseStage::Closed,
        AuditContext::by(pm.id, approved_at),
    )
    .await
    .unwrap();
    assert!(
        s.closed_cases_not_anonymised()
            .await
            .unwrap()
            .contains(&(case.id, approved_at)),
        "a closed case is due, from its closure's approval"
    );

    let referral = referral_with_a_disclosure(s, case.id, &by_cm).await;

    // The free text, as stored.
    let texts = s.case_texts(case.id).await.unwrap();
    assert_eq!(
        texts.entries,
        [(entry.id, EntryKind::Session, entry.body.clone())]
    );
    assert_eq!(texts.closures.len(), 1);
    assert_eq!(texts.closures[0].0, closure.id);
    assert_eq!(texts.referrals.len(), 1);
    assert_eq!(texts.referrals[0].0, referral.0);
    assert!(texts.submissions.is_empty());
    // The trail holds values before.
    let values = |s: &Arc<dyn Store>| {
        let s = s.clone();
        async move {
            s.audit_for_record("case", &case.id.to_string(), AuditScope::Changes)
                .await
                .unwrap()
                .into_iter()
                .flat_map(|e| e.changes)
                .filter(|c| c.before.is_some() || c.after.is_some())
                .count()
        }
    };
    assert!(values(s).await > 0);
    let disclosed = |s: &Arc<dyn Store>| {
        let s = s.clone();
        async move {
            s.audit_for_record(
                "referral",
                &referral.to_string(),
                AuditScope::ChangesAndViews,
            )
            .await
            .unwrap()
            .into_iter()
            .flat_map(|e| e.changes)
            .map(|c| (c.field, c.after))
            .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        disclosed(s).await,
        [("sections".to_string(), Some("health".to_string()))]
    );
    s.request_erasure(case.id, "asked by phone", by_cm.clone())
        .await
        .unwrap();

    let at = AuditContext::by(pm.id, NOW + time::Duration::minutes(10));
    s.anonymise_case(
        case.id,
        Anonymised {
            age_at_return: Some(30),
            entries: vec![(entry.id, "{}".into())],
            closures: vec![(closure.id, "{}".into())],
            referrals: vec![(referral.0, "{}".into())],
            ..Anonymised::default()
        },
        at.clone(),
    )
    .await
    .unwrap();
    let after = s.case(case.id).await.unwrap();
    assert_eq!(after.anonymised_at, Some(at.at));
    assert_eq!(after.profile.given_name, "");
    assert_eq!(after.profile.family_name, "");
    assert_eq!(after.profile.phone, None);
    assert_eq!(after.profile.address, None);
    assert_eq!(after.profile.date_of_birth, None);
    assert_eq!(after.profile.age_at_return, Some(30));
    assert_eq!(after.number, case.number, "the case number stays");
    let texts = s.case_texts(case.id).await.unwrap();
    assert_eq!(texts.entries, [(entry.id, EntryKind::Session, "{}".into())]);
    assert_eq!(texts.closures[0].1, "{}");
    // The request is answered; the trail keeps which fields changed, not their values.
    assert!(s.erasure_request(case.id).await.unwrap().is_none());
    assert_eq!(values(s).await, 0);
    assert_eq!(
        disclosed(s).await,
        [("sections".to_string(), None)],
        "the referral's trail too"
    );
    assert_eq!(
        s.case_texts(case.id).await.unwrap().referrals,
        [(referral.0, "{}".to_string())]
    );
    let trail = s
        .audit_for_record("case", &case.id.to_string(), AuditScope::Changes)
        .await
        .unwrap();
    let last = trail.last().unwrap();
    assert_eq!(last.action, domain::audit::AuditAction::Anonymise);
    assert!(last.changes.iter().any(|c| c.field == "given_name"));
    assert!(
        trail
            .iter()
            .any(|e| e.changes.iter().any(|c| c.field == "family_name")
                && e.action == domain::audit::AuditAction::Create),
        "field names stay"
    );
    assert!(
        !s.closed_cases_not_anonymised()
            .await
            .unwrap()
            .iter()
            .any(|(c, _)| *c == case.id)
    );

    // Once only; a case that does not exist is not found; no request on an anonymised case.
    assert!(matches!(
        s.anonymise_case(case.id, Anonymised::default(), at.clone())
            .await,
        Err(StoreError::Conflict)
    ));
    assert!(matches!(
        s.anonymise_case(CaseId::new(), Anonymised::default(), at.clone())
            .await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.request_erasure(case.id, "again", by_cm.clone()).await,
        Err(StoreError::Conflict)
    ));

    // What a partner's packet brought is personal data too.
    let brought = s
        .receive_handover(
            NewCase {
                id: CaseId::new(),
                office: o.id,
                case_manager: Some(cm.id),
                profile: profile("Ndeye", "Brought"),
                stage: CaseStage::Intake,
                consents: vec![],
            },
            ReceivedHandover {
                packet_id: uuid::Uuid::new_v4(),
                case: None,
                partner_key_id: "ano-partner".into(),
                partner_organisation: "Partner".into(),
                their_case_number: "P-1".into(),
                sent_at: NOW,
                content: r#"{"profile":{"given_name":"Ndeye"}}"#.into(),
                received_at: NOW,
            },
            by_cm,
        )
        .await
        .unwrap();
    s.anonymise_case(brought.id, Anonymised::default(), at)
        .await
        .unwrap();
    let packet = s.received_for(brought.id).await.unwrap().unwrap();
    assert_eq!(packet.content, "{}");
    assert_eq!(packet.their_case_number, "P-1");
}

/// A referral of the case to a service, with a disclosure entry on the referral's own trail
/// (what the application writes when a provider reads it).
async fn referral_with_a_disclosure(
    s: &Arc<dyn Store>,
    case: CaseId,
    by: &AuditContext,
) -> domain::ReferralId {
    use domain::referral::{ReferralContent, Urgency};
    use domain::services::{Provider, Service, ServiceCategory};
    let provider = domain::ProviderId::new();
    s.save_provider(
        provider,
        None,
        Provider {
            name: "Kolda health post".into(),
            ..Default::default()
        },
        by.clone(),
    )
    .await
    .unwrap();
    let service = domain::ServiceId::new();
    s.save_service(
        service,
        provider,
        None,
        Service {
            name: "Counselling".into(),
            category: ServiceCategory::Health,
            place: "Kolda".into(),
            languages: vec![],
            details: Default::default(),
            barriers: vec![],
            ratings: Default::default(),
            serves_returnees: true,
            open_to_local_population: true,
            answer_days: None,
            verified_on: None,
            verified_by: String::new(),
        },
        by.clone(),
    )
    .await
    .unwrap();
    let id = domain::ReferralId::new();
    s.create_referral(
        NewReferral {
            id,
            case,
            service,
            content: ReferralContent {
                reason: "Nightmares since the return".into(),
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
            .normalised(),
        },
        by.clone(),
    )
    .await
    .unwrap();
    s.append_audit(by.entry(
        domain::audit::AuditAction::Disclose,
        "referral",
        id.to_string(),
        vec![domain::audit::FieldChange::noted("sections", "health")],
    ))
    .await
    .unwrap();
    id
}
