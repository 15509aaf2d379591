//! `ReferralStore`: the service map, the stakeholder map and referrals with their disclosures
//! and links.

use std::sync::Arc;

use domain::audit::AuditAction;
use domain::case::CaseStage;
use domain::referral::{ReferralContent, ReferralStatus, ReferralStep, Urgency};
use domain::services::{Provider, ServiceCategory, ServiceFeedback};
use domain::{CaseId, OfficeCode, Role};
use store::*;
use time::macros::date;

use super::{NOW, profile, user};

pub async fn run(s: Arc<dyn Store>) {
    service_map_and_referrals(&s).await;
    providers_are_listed_read_and_replaced_at_their_version(&s).await;
    proposals_are_listed_pending_first_and_decided_once(&s).await;
    stakeholders_are_saved_at_their_version(&s).await;
    referrals_edit_move_along_and_list_newest_first(&s).await;
}

pub(super) fn content(reason: &str) -> ReferralContent {
    ReferralContent {
        reason: reason.into(),
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
    .normalised()
}

pub(super) fn a_service(name: &str) -> domain::services::Service {
    domain::services::Service {
        name: name.into(),
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
    }
}

async fn service_map_and_referrals(s: &Arc<dyn Store>) {
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

async fn providers_are_listed_read_and_replaced_at_their_version(s: &Arc<dyn Store>) {
    let pm = user(s, "prv.pm", Role::ProgrammeManager, None).await;
    let by = AuditContext::by(pm.id, NOW);
    let id = domain::ProviderId::new();
    assert!(matches!(s.provider(id).await, Err(StoreError::NotFound)));
    let before = s.providers().await.unwrap().len();
    let first = Provider {
        name: "Sedhiou youth centre".into(),
        ..Default::default()
    };
    let saved = s
        .save_provider(id, None, first.clone(), by.clone())
        .await
        .unwrap();
    assert_eq!((saved.id, saved.version), (id, 1));
    assert_eq!(saved.provider, first);
    let mut renamed = first.clone();
    renamed.name = "Sédhiou youth centre".into();
    renamed
        .details
        .insert("phone".into(), "+221 33 000 00 00".into());
    let saved = s
        .save_provider(id, Some(1), renamed.clone(), by.clone())
        .await
        .unwrap();
    assert_eq!(saved.version, 2);
    // A stale replacement changes nothing.
    assert!(matches!(
        s.save_provider(id, Some(1), first.clone(), by.clone())
            .await,
        Err(StoreError::Conflict)
    ));
    let read = s.provider(id).await.unwrap();
    assert_eq!((read.version, &read.provider), (2, &renamed));
    let all = s.providers().await.unwrap();
    assert_eq!(all.len(), before + 1);
    assert_eq!(
        all.iter().find(|p| p.id == id).map(|p| p.provider.clone()),
        Some(renamed)
    );
    let trail = s
        .audit_for_record(record_type::PROVIDER, &id.to_string(), AuditScope::Changes)
        .await
        .unwrap();
    assert_eq!(
        trail.iter().map(|e| e.action).collect::<Vec<_>>(),
        [AuditAction::Create, AuditAction::Update]
    );
    let fields: Vec<_> = trail[1].changes.iter().map(|c| c.field.as_str()).collect();
    assert!(fields.contains(&"name"), "{fields:?}");
}

async fn proposals_are_listed_pending_first_and_decided_once(s: &Arc<dyn Store>) {
    let cm = user(s, "prop.cm", Role::CaseManager, None).await;
    let pm = user(s, "prop.pm", Role::ProgrammeManager, None).await;
    let pid = domain::ProviderId::new();
    s.save_provider(
        pid,
        None,
        Provider {
            name: "Ziguinchor hospital".into(),
            ..Default::default()
        },
        AuditContext::by(pm.id, NOW),
    )
    .await
    .unwrap();
    let sid = domain::ServiceId::new();
    let service = a_service("Maternity");
    let sv = s
        .save_service(
            sid,
            pid,
            None,
            service.clone(),
            AuditContext::by(pm.id, NOW),
        )
        .await
        .unwrap();
    let feedback = |comment: &str| ServiceFeedback {
        comment: comment.into(),
        proposed: [("hours".to_string(), comment.to_string())].into(),
    };
    let minutes = |m| AuditContext::by(cm.id, NOW + time::Duration::minutes(m));
    let older = s
        .propose_service_update(sid, None, feedback("Mon–Fri"), minutes(1))
        .await
        .unwrap();
    let newer = s
        .propose_service_update(sid, None, feedback("Mornings only"), minutes(2))
        .await
        .unwrap();
    s.decide_service_update(
        newer,
        None,
        "Not confirmed".into(),
        AuditContext::by(pm.id, NOW + time::Duration::minutes(3)),
    )
    .await
    .unwrap();
    let listed = s.service_updates(Some(sid)).await.unwrap();
    assert_eq!(
        listed.iter().map(|u| u.id).collect::<Vec<_>>(),
        [older, newer],
        "pending ones first"
    );
    use domain::services::ProposalStatus;
    assert_eq!(listed[0].status, ProposalStatus::Pending);
    assert_eq!(listed[0].feedback, feedback("Mon–Fri"));
    assert_eq!(listed[0].proposed_by_name.as_deref(), Some("PROP.CM"));
    assert_eq!(listed[0].service_name, "Maternity");
    assert_eq!(listed[1].status, ProposalStatus::Rejected);
    assert_eq!(listed[1].decided_by_name.as_deref(), Some("PROP.PM"));
    assert_eq!(listed[1].decision_note.as_deref(), Some("Not confirmed"));
    assert!(
        s.service_updates(None)
            .await
            .unwrap()
            .iter()
            .any(|u| u.id == older)
    );
    assert!(
        s.service_updates(Some(domain::ServiceId::new()))
            .await
            .unwrap()
            .is_empty()
    );
    // Accepting against a service that changed meanwhile is refused and decides nothing.
    let changed = s
        .save_service(
            sid,
            pid,
            Some(sv.version),
            service.clone(),
            AuditContext::by(pm.id, NOW),
        )
        .await
        .unwrap();
    let updated = feedback("Mon–Fri").apply(&service, date!(2026 - 11 - 20), "PM");
    assert!(matches!(
        s.decide_service_update(
            older,
            Some((sv.version, updated.clone())),
            "ok".into(),
            AuditContext::by(pm.id, NOW)
        )
        .await,
        Err(StoreError::Conflict)
    ));
    assert_eq!(
        s.service_updates(Some(sid)).await.unwrap()[0].status,
        ProposalStatus::Pending
    );
    assert_eq!(s.service(sid).await.unwrap().version, changed.version);
    s.decide_service_update(
        older,
        Some((changed.version, updated)),
        "ok".into(),
        AuditContext::by(pm.id, NOW),
    )
    .await
    .unwrap();
    let statuses: Vec<_> = s
        .service_updates(Some(sid))
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.status)
        .collect();
    assert_eq!(statuses.len(), 2);
    assert!(statuses.iter().all(|st| *st != ProposalStatus::Pending));
    assert_eq!(
        s.service(sid).await.unwrap().service.detail("hours"),
        "Mon–Fri"
    );
    // The rejection is on the service's trail.
    let trail = s
        .audit_for_record(record_type::SERVICE, &sid.to_string(), AuditScope::Changes)
        .await
        .unwrap();
    assert!(trail.iter().any(|e| {
        e.changes
            .iter()
            .any(|c| c.field == "proposed_update" && c.after.as_deref() == Some("rejected"))
    }));
}

async fn stakeholders_are_saved_at_their_version(s: &Arc<dyn Store>) {
    use domain::stakeholder::{Stakeholder, StakeholderKind, StakeholderLevel, Stance};
    let pm = user(s, "stk.pm", Role::ProgrammeManager, None).await;
    let by = AuditContext::by(pm.id, NOW);
    let id = domain::StakeholderId::new();
    assert!(matches!(s.stakeholder(id).await, Err(StoreError::NotFound)));
    let before = s.stakeholders().await.unwrap().len();
    let mayor = Stakeholder {
        name: "Mayor of Kolda".into(),
        kind: StakeholderKind::LocalGovernment,
        level: StakeholderLevel::Local,
        sector: "Administration".into(),
        place: "Kolda".into(),
        influence: 5,
        interest: 3,
        stance: Some(Stance::Supporter),
        priority: None,
        capacity_adequate: Some(true),
        details: Default::default(),
        sensitive: Default::default(),
    };
    let saved = s
        .save_stakeholder(id, None, mayor.clone(), by.clone())
        .await
        .unwrap();
    assert_eq!(
        (saved.id, saved.version, &saved.stakeholder),
        (id, 1, &mayor)
    );
    let mut engaged = mayor.clone();
    engaged.interest = 5;
    assert!(matches!(
        s.save_stakeholder(id, Some(4), engaged.clone(), by.clone())
            .await,
        Err(StoreError::Conflict)
    ));
    assert_eq!(s.stakeholder(id).await.unwrap().stakeholder, mayor);
    let saved = s
        .save_stakeholder(id, Some(1), engaged.clone(), by.clone())
        .await
        .unwrap();
    assert_eq!(saved.version, 2);
    let read = s.stakeholder(id).await.unwrap();
    assert_eq!((read.version, &read.stakeholder), (2, &engaged));
    let all = s.stakeholders().await.unwrap();
    assert_eq!(all.len(), before + 1);
    assert!(all.iter().any(|x| x.id == id && x.stakeholder == engaged));
    let trail = s
        .audit_for_record(
            record_type::STAKEHOLDER,
            &id.to_string(),
            AuditScope::Changes,
        )
        .await
        .unwrap();
    assert_eq!(
        trail.iter().map(|e| e.action).collect::<Vec<_>>(),
        [AuditAction::Create, AuditAction::Update]
    );
    assert!(trail[1].changes.iter().any(|c| c.field == "interest"
        && c.before.as_deref() == Some("3")
        && c.after.as_deref() == Some("5")));
}

async fn referrals_edit_move_along_and_list_newest_first(s: &Arc<dyn Store>) {
    let office = super::office(s, "RFL").await;
    let cm = user(s, "rfl.cm", Role::CaseManager, Some(office.id)).await;
    let at = |h: i64| AuditContext::by(cm.id, NOW + time::Duration::hours(h));
    let pid = domain::ProviderId::new();
    s.save_provider(
        pid,
        None,
        Provider {
            name: "Velingara clinic".into(),
            ..Default::default()
        },
        at(0),
    )
    .await
    .unwrap();
    let sid = domain::ServiceId::new();
    s.save_service(sid, pid, None, a_service("Dental care"), at(0))
        .await
        .unwrap();
    let case = super::new_case(s, office.id, cm.id, profile("Oumou", "Kante")).await;
    assert!(matches!(
        s.referral(domain::ReferralId::new()).await,
        Err(StoreError::NotFound)
    ));
    let first = domain::ReferralId::new();
    let second = domain::ReferralId::new();
    for (id, hour) in [(first, 1), (second, 2)] {
        s.create_referral(
            NewReferral {
                id,
                case: case.id,
                service: sid,
                content: content("Tooth ache"),
            },
            at(hour),
        )
        .await
        .unwrap();
    }
    let r = s.referral(first).await.unwrap();
    assert_eq!((r.id, r.case, r.service), (first, case.id, sid));
    assert_eq!((r.status, r.version), (ReferralStatus::Draft, 1));
    assert_eq!(r.case_number, case.number.to_string());
    assert_eq!(
        (r.service_name.as_str(), r.provider_name.as_str()),
        ("Dental care", "Velingara clinic")
    );
    assert_eq!(r.created_by_name.as_deref(), Some("RFL.CM"));
    assert_eq!(r.content, content("Tooth ache"));

    // A draft is edited at its version.
    let edited = s
        .update_referral(first, 1, content("Broken tooth"), at(3))
        .await
        .unwrap();
    assert_eq!((edited.version, edited.status), (2, ReferralStatus::Draft));
    assert_eq!(
        s.referral(first).await.unwrap().content,
        content("Broken tooth")
    );
    assert!(matches!(
        s.update_referral(first, 1, content("Stale"), at(3)).await,
        Err(StoreError::Conflict)
    ));
    assert_eq!(
        s.referral(first).await.unwrap().content,
        content("Broken tooth")
    );

    // Newest first, with every filter that holds.
    let ids = |list: Vec<ReferralRecord>| list.into_iter().map(|r| r.id).collect::<Vec<_>>();
    let by_case = ReferralFilter {
        case: Some(case.id),
        ..Default::default()
    };
    assert_eq!(ids(s.referrals(&by_case).await.unwrap()), [second, first]);
    let filtered = ReferralFilter {
        office: Some(office.id),
        case_manager: Some(cm.id),
        status: Some(ReferralStatus::Draft),
        ..by_case.clone()
    };
    assert_eq!(ids(s.referrals(&filtered).await.unwrap()), [second, first]);
    assert!(
        s.referrals(&ReferralFilter {
            status: Some(ReferralStatus::Sent),
            ..by_case.clone()
        })
        .await
        .unwrap()
        .is_empty()
    );

    // Sent by staff, accepted by the partner: each step recorded, in order.
    let sent = s
        .referral_step(
            first,
            2,
            NewReferralStep {
                from: ReferralStatus::Draft,
                to: ReferralStatus::Sent,
                step: ReferralStep::Send,
                note: String::new(),
                via: Via::Staff,
                sent_on: Some(date!(2026 - 11 - 23)),
                answer_due: Some(date!(2026 - 11 - 26)),
            },
            at(4),
        )
        .await
        .unwrap();
    assert_eq!((sent.status, sent.version), (ReferralStatus::Sent, 3));
    assert_eq!(sent.sent_on, Some(date!(2026 - 11 - 23)));
    let accept = NewReferralStep {
        from: ReferralStatus::Sent,
        to: ReferralStatus::Accepted,
        step: ReferralStep::Accept,
        note: "Monday 9am".into(),
        via: Via::Partner,
        sent_on: None,
        answer_due: None,
    };
    // A step from a status the referral is no longer in is refused.
    assert!(matches!(
        s.referral_step(
            first,
            3,
            NewReferralStep {
                from: ReferralStatus::Draft,
                ..accept.clone()
            },
            at(5)
        )
        .await,
        Err(StoreError::Conflict)
    ));
    let accepted = s.referral_step(first, 3, accept, at(5)).await.unwrap();
    assert_eq!(accepted.status, ReferralStatus::Accepted);
    assert_eq!(
        (accepted.sent_on, accepted.answer_due),
        (Some(date!(2026 - 11 - 23)), Some(date!(2026 - 11 - 26))),
        "kept from sending"
    );
    let events = s.referral_events(first).await.unwrap();
    assert_eq!(
        events
            .iter()
            .map(|e| (e.step, e.via, e.note.as_str(), e.at))
            .collect::<Vec<_>>(),
        [
            (
                ReferralStep::Send,
                Via::Staff,
                "",
                NOW + time::Duration::hours(4)
            ),
            (
                ReferralStep::Accept,
                Via::Partner,
                "Monday 9am",
                NOW + time::Duration::hours(5)
            )
        ]
    );
    assert!(s.referral_events(second).await.unwrap().is_empty());
    assert_eq!(
        ids(s
            .referrals(&ReferralFilter {
                status: Some(ReferralStatus::Accepted),
                ..by_case.clone()
            })
            .await
            .unwrap()),
        [first]
    );

    // Links of a referral, live or revoked.
    assert!(s.referral_links(first).await.unwrap().is_empty());
    let link = s
        .create_referral_link(
            NewReferralLink {
                id: uuid::Uuid::new_v4(),
                referral: first,
                token_hash: "rfl-link".into(),
                expires_at: NOW + time::Duration::days(7),
            },
            at(6),
        )
        .await
        .unwrap();
    let links = s.referral_links(first).await.unwrap();
    assert_eq!(links.len(), 1);
    assert_eq!((links[0].id, links[0].referral), (link.id, first));
    assert_eq!(links[0].created_by_name.as_deref(), Some("RFL.CM"));
    assert_eq!(links[0].expires_at, NOW + time::Duration::days(7));
    assert!(!links[0].is_live(NOW + time::Duration::days(8)), "expired");
    assert!(s.referral_links(second).await.unwrap().is_empty());
    s.revoke_referral_link(first, link.id, at(7)).await.unwrap();
    assert_eq!(
        s.referral_links(first).await.unwrap()[0].revoked_at,
        Some(NOW + time::Duration::hours(7))
    );
    // The case's timeline has the edit and the steps.
    let trail = super::changed_fields(s, record_type::CASE, &case.id.to_string()).await;
    assert_eq!(
        trail
            .iter()
            .filter(|f| *f == "referral.Dental care")
            .count(),
        7,
        "two created, edited, sent, accepted, link given, link revoked: {trail:?}"
    );
}
