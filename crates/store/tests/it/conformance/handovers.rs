//! `HandoverStore`: this instance's keys, trusted partners, consents to hand a case over (and
//! the packets made from them), and the cases packets brought.

use std::sync::Arc;

use domain::case::CaseStage;
use domain::consent::ConsentMethod;
use domain::handover::{SharedScope, TransferConsent};
use domain::{CaseId, Role};
use store::*;
use time::macros::date;

use super::{NOW, changed_fields, new_case, profile, user};

pub async fn run(s: Arc<dyn Store>) {
    instance_keys_are_made_once_and_renamed(&s).await;
    partners_are_trusted_once_and_removed(&s).await;
    consents_are_recorded_newest_first_and_count_packets(&s).await;
    a_packet_brings_one_case_once(&s).await;
}

async fn instance_keys_are_made_once_and_renamed(s: &Arc<dyn Store>) {
    let pm = user(s, "hnd.keys", Role::ProgrammeManager, None).await;
    assert!(s.instance_keys().await.unwrap().is_none());
    let first = InstanceKeys {
        organisation: "Reintegra Kolda".into(),
        signing_secret: [1; 32],
        encryption_secret: [2; 32],
    };
    assert_eq!(s.ensure_instance_keys(first.clone()).await.unwrap(), first);
    // Keys made by another instance (or an earlier start) stay.
    let second = InstanceKeys {
        organisation: "Someone else".into(),
        signing_secret: [3; 32],
        encryption_secret: [4; 32],
    };
    assert_eq!(s.ensure_instance_keys(second).await.unwrap(), first);
    assert_eq!(s.instance_keys().await.unwrap(), Some(first.clone()));

    s.set_instance_organisation("Reintegra Sédhiou", AuditContext::by(pm.id, NOW))
        .await
        .unwrap();
    let keys = s.instance_keys().await.unwrap().unwrap();
    assert_eq!(keys.organisation, "Reintegra Sédhiou");
    assert_eq!(keys.signing_secret, first.signing_secret);
    let trail = s
        .audit_for_record("instance", "1", AuditScope::Changes)
        .await
        .unwrap();
    let change = &trail.last().unwrap().changes[0];
    assert_eq!(change.field, "organisation");
    assert_eq!(change.before.as_deref(), Some("Reintegra Kolda"));
    assert_eq!(change.after.as_deref(), Some("Reintegra Sédhiou"));
}

fn partner(key_id: &str, organisation: &str, byte: u8) -> TrustedPartner {
    TrustedPartner {
        key_id: key_id.into(),
        organisation: organisation.into(),
        signing_key: [byte; 32],
        encryption_key: [byte + 1; 32],
        added_at: NOW,
    }
}

async fn partners_are_trusted_once_and_removed(s: &Arc<dyn Store>) {
    let pm = user(s, "hnd.partners", Role::ProgrammeManager, None).await;
    let by_pm = AuditContext::by(pm.id, NOW);
    let zeta = partner("hnd-zeta", "Zeta Reintegration", 10);
    let alpha = partner("hnd-alpha", "Alpha Return", 20);
    s.trust_partner(zeta.clone(), by_pm.clone()).await.unwrap();
    s.trust_partner(alpha.clone(), by_pm.clone()).await.unwrap();
    assert!(matches!(
        s.trust_partner(partner("hnd-zeta", "Zeta again", 30), by_pm.clone())
            .await,
        Err(StoreError::Duplicate(_))
    ));
    let ours = |all: Vec<TrustedPartner>| {
        all.into_iter()
            .filter(|p| p.key_id.starts_with("hnd-"))
            .collect::<Vec<_>>()
    };
    // By organisation; the refused one changed nothing.
    assert_eq!(
        ours(s.trusted_partners().await.unwrap()),
        [alpha.clone(), zeta.clone()]
    );
    assert_eq!(
        changed_fields(s, "trusted_partner", "hnd-zeta").await,
        ["organisation"]
    );

    s.remove_partner("hnd-alpha", by_pm.clone()).await.unwrap();
    assert!(matches!(
        s.remove_partner("hnd-alpha", by_pm.clone()).await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(ours(s.trusted_partners().await.unwrap()), [zeta]);
    // Trusted again once removed.
    s.trust_partner(alpha, by_pm).await.unwrap();
}

fn consent(shared: SharedScope) -> TransferConsent {
    TransferConsent {
        date: date!(2026 - 11 - 20),
        method: ConsentMethod::WrittenInPerson,
        shared,
    }
}

async fn consents_are_recorded_newest_first_and_count_packets(s: &Arc<dyn Store>) {
    let o = super::office(s, "HND").await;
    let cm = user(s, "hnd.cm", Role::CaseManager, Some(o.id)).await;
    let case = new_case(s, o.id, cm.id, profile("Awa", "Handed")).await;
    let record = |id, shared| HandoverRecord {
        id,
        case: case.id,
        partner_key_id: "hnd-zeta".into(),
        partner_organisation: "Zeta Reintegration".into(),
        consent: consent(shared),
        recorded_by: None,
        recorded_by_name: None,
        recorded_at: NOW,
        packets_made: 0,
    };
    let first = s
        .record_handover(
            record(
                uuid::Uuid::new_v4(),
                SharedScope {
                    assessments: vec![uuid::Uuid::new_v4()],
                    counselling_notes: true,
                    consents: false,
                    plan: true,
                },
            ),
            AuditContext::by(cm.id, NOW),
        )
        .await
        .unwrap();
    assert_eq!(first.recorded_by, Some(cm.id));
    assert_eq!(first.recorded_by_name.as_deref(), Some("HND.CM"));
    assert_eq!(first.recorded_at, NOW);
    assert_eq!(first.packets_made, 0);
    assert_eq!(first.consent.date, date!(2026 - 11 - 20));
    assert!(first.consent.shared.plan && !first.consent.shared.consents);
    let later = NOW + time::Duration::minutes(1);
    let second = s
        .record_handover(
            record(uuid::Uuid::new_v4(), SharedScope::default()),
            AuditContext::by(cm.id, later),
        )
        .await
        .unwrap();
    assert_eq!(second.recorded_at, later);
    let ids = |all: Vec<HandoverRecord>| all.into_iter().map(|h| h.id).collect::<Vec<_>>();
    assert_eq!(
        ids(s.handovers_of(case.id).await.unwrap()),
        [second.id, first.id],
        "newest first"
    );
    assert!(s.handovers_of(CaseId::new()).await.unwrap().is_empty());

    // What is shared is audited on the case, by name.
    let trail = s
        .audit_for_record("case", &case.id.to_string(), AuditScope::Changes)
        .await
        .unwrap();
    let shared: Vec<_> = trail
        .iter()
        .filter(|e| e.action == domain::audit::AuditAction::HandoverConsent)
        .flat_map(|e| e.changes.iter().filter(|c| c.field == "shared"))
        .filter_map(|c| c.after.clone())
        .collect();
    assert_eq!(
        shared,
        [
            "profile, assessments (1), counselling_notes, plan",
            "profile"
        ]
    );

    let packet = uuid::Uuid::new_v4();
    s.note_packet_made(first.id, packet, AuditContext::by(cm.id, later))
        .await
        .unwrap();
    s.note_packet_made(
        first.id,
        uuid::Uuid::new_v4(),
        AuditContext::by(cm.id, later),
    )
    .await
    .unwrap();
    let all = s.handovers_of(case.id).await.unwrap();
    assert_eq!(all[1].packets_made, 2);
    assert_eq!(all[0].packets_made, 0);
    assert!(matches!(
        s.note_packet_made(uuid::Uuid::new_v4(), packet, AuditContext::by(cm.id, later))
            .await,
        Err(StoreError::NotFound)
    ));
}

async fn a_packet_brings_one_case_once(s: &Arc<dyn Store>) {
    let o = super::office(s, "HNR").await;
    let cm = user(s, "hnr.cm", Role::CaseManager, Some(o.id)).await;
    let new = || NewCase {
        id: CaseId::new(),
        office: o.id,
        case_manager: Some(cm.id),
        profile: profile("Khady", "Received"),
        stage: CaseStage::Intake,
        consents: vec![],
    };
    let received = ReceivedHandover {
        packet_id: uuid::Uuid::new_v4(),
        case: None,
        partner_key_id: "hnd-zeta".into(),
        partner_organisation: "Zeta Reintegration".into(),
        their_case_number: "ZR-2026-00017".into(),
        sent_at: NOW - time::Duration::days(1),
        content: r#"{"profile":{}}"#.into(),
        received_at: NOW,
    };
    let case = s
        .receive_handover(new(), received.clone(), AuditContext::by(cm.id, NOW))
        .await
        .unwrap();
    assert_eq!(case.profile.family_name, "Received");
    assert_eq!(case.office.id, o.id);
    assert_eq!(
        s.received_for(case.id).await.unwrap(),
        Some(ReceivedHandover {
            case: Some(case.id),
            ..received.clone()
        })
    );
    assert!(
        changed_fields(s, "case", &case.id.to_string())
            .await
            .contains(&"their_case_number".to_string())
    );

    // The same packet again: refused, and no second case.
    let again = new();
    assert!(matches!(
        s.receive_handover(again.clone(), received, AuditContext::by(cm.id, NOW))
            .await,
        Err(StoreError::Duplicate(_))
    ));
    assert!(matches!(s.case(again.id).await, Err(StoreError::NotFound)));
    assert_eq!(s.received_for(again.id).await.unwrap(), None);
}
