//! `SampleStore`: the frame a monitoring sample is drawn from, samples and their members, what
//! became of each member, and a case manager's sampled returnees.
//!
//! Office SMP has four returnees: Adama and Binta consent to case management, Codou too but
//! refused monitoring, and Demba has no consent on record.

use std::sync::Arc;

use domain::case::Sex;
use domain::consent::{ConsentDecision, ConsentMethod, ConsentPurpose, ConsentRecord};
use domain::me::samples::{Coverage, Design, Strata};
use domain::rss::Round;
use domain::{CaseId, Role};
use store::*;
use time::macros::date;

use super::{NOW, new_case, profile, user};

pub async fn run(s: Arc<dyn Store>) {
    let office = super::office(&s, "SMP").await;
    let other = super::office(&s, "SMPX").await;
    let cm = user(&s, "smp.cm", Role::CaseManager, Some(office.id)).await;
    let me = user(&s, "smp.me", Role::MeOfficer, Some(office.id)).await;
    let consent = |purpose, decision| ConsentRecord {
        purpose,
        decision,
        method: ConsentMethod::VerbalInPerson,
        date: date!(2026 - 03 - 02),
        notes: None,
        recorded_by: cm.id,
        recorded_at: NOW,
    };
    let mut cases = Vec::new();
    for (given, sex) in [
        ("Adama", Sex::Male),
        ("Binta", Sex::Female),
        ("Codou", Sex::Female),
        ("Demba", Sex::Male),
    ] {
        let mut p = profile(given, "Sondage");
        p.sex = sex;
        cases.push(new_case(&s, office.id, cm.id, p).await.id);
    }
    let [adama, binta, codou, _demba]: [CaseId; 4] = cases.try_into().unwrap();
    for case in [adama, binta, codou] {
        s.add_consent(
            case,
            consent(ConsentPurpose::CaseManagement, ConsentDecision::Given),
            AuditContext::by(cm.id, NOW),
        )
        .await
        .unwrap();
    }
    s.add_consent(
        codou,
        consent(
            ConsentPurpose::MonitoringEvaluation,
            ConsentDecision::Refused,
        ),
        AuditContext::by(cm.id, NOW),
    )
    .await
    .unwrap();

    // The frame: consent to case management, and monitoring not refused.
    let frame = s.sampling_frame(Some(office.id)).await.unwrap();
    let mut in_frame: Vec<CaseId> = frame.iter().map(|f| f.case).collect();
    in_frame.sort();
    let mut expected = vec![adama, binta];
    expected.sort();
    assert_eq!(
        in_frame, expected,
        "Codou refused monitoring, Demba has no consent"
    );
    let binta_facts = frame.iter().find(|f| f.case == binta).unwrap();
    assert_eq!(binta_facts.sex, Sex::Female);
    assert_eq!(binta_facts.office_code, "SMP");
    assert!(binta_facts.assistance.is_empty());
    assert!(s.sampling_frame(Some(other.id)).await.unwrap().is_empty());

    // A sample of Adama, with its design kept.
    let design = Design {
        round: Round::Intermediate,
        strata: Strata::Sex,
        margin: 5.0,
        confidence: 95,
    };
    let id = uuid::Uuid::new_v4();
    let stored = s
        .create_sample(
            NewSample {
                id,
                office: Some(office.id),
                label: "Intermediate round, spring".into(),
                design,
                population: 2,
                size: 2,
                seed: u64::MAX - 3,
                created_by: me.id,
                created_on: date!(2026 - 11 - 23),
            },
            vec![(adama, "male".into())],
            AuditContext::by(me.id, NOW),
        )
        .await
        .unwrap();
    assert_eq!(stored.design, design);
    assert_eq!(stored.seed, u64::MAX - 3, "the seed is kept bit for bit");
    assert_eq!(stored.office_code.as_deref(), Some("SMP"));
    assert_eq!(stored.created_by_name, "SMP.ME");
    assert_eq!(s.sample(id).await.unwrap(), Some(stored.clone()));
    assert_eq!(s.sample(uuid::Uuid::new_v4()).await.unwrap(), None);
    assert_eq!(s.samples(Some(office.id)).await.unwrap(), vec![stored]);
    assert!(s.samples(Some(other.id)).await.unwrap().is_empty());
    assert!(
        s.samples(None)
            .await
            .unwrap()
            .iter()
            .all(|x| x.office.is_none()),
        "samples of every office only"
    );

    // A top-up adds Binta as draw 1.
    s.add_sample_members(
        id,
        1,
        vec![(binta, "female".into())],
        AuditContext::by(me.id, NOW),
    )
    .await
    .unwrap();
    let members = s.sample_members(id).await.unwrap();
    let seen: Vec<(CaseId, u32, Coverage, bool)> = members
        .iter()
        .map(|m| (m.case.id, m.draw, m.recorded, m.surveyed))
        .collect();
    assert_eq!(
        seen,
        vec![
            (adama, 0, Coverage::Pending, false),
            (binta, 1, Coverage::Pending, false)
        ]
    );
    assert_eq!(members[0].case_manager, Some(cm.id));
    assert_eq!(members[0].office, office.id);
    assert_eq!(members[0].stratum, "male");

    // Coverage recorded, audited on the case; a case outside the sample is not found.
    s.set_sample_coverage(
        id,
        binta,
        Coverage::Unreachable,
        AuditContext::by(cm.id, NOW),
    )
    .await
    .unwrap();
    assert!(matches!(
        s.set_sample_coverage(id, codou, Coverage::Reached, AuditContext::by(cm.id, NOW))
            .await,
        Err(StoreError::NotFound)
    ));
    let fields = super::changed_fields(&s, "case", &binta.to_string()).await;
    assert!(
        fields.contains(&format!("sample_coverage:{id}")),
        "{fields:?}"
    );
    let sample_fields = super::changed_fields(&s, "monitoring_sample", &id.to_string()).await;
    assert_eq!(
        sample_fields,
        ["draw", "members", "design", "draw", "members"]
    );

    // The form the surveys below are filed under.
    super::results::install_survey_form(&s).await;
    // A survey of the sample's round since the draw shows as surveyed; an earlier one or
    // another round does not.
    super::results::survey(
        &s,
        cm.id,
        adama,
        Round::Baseline,
        date!(2026 - 11 - 24),
        0.5,
        None,
        None,
    )
    .await;
    super::results::survey(
        &s,
        cm.id,
        adama,
        Round::Intermediate,
        date!(2026 - 11 - 01),
        0.5,
        None,
        None,
    )
    .await;
    assert!(!s.sample_members(id).await.unwrap()[0].surveyed);
    super::results::survey(
        &s,
        cm.id,
        adama,
        Round::Intermediate,
        date!(2026 - 11 - 23),
        0.6,
        None,
        None,
    )
    .await;
    let members = s.sample_members(id).await.unwrap();
    assert!(members[0].surveyed);
    assert_eq!(members[1].recorded, Coverage::Unreachable);

    // The case manager's sampled returnees; nobody else's.
    let mine = s.sampled_cases_of(cm.id).await.unwrap();
    assert_eq!(mine.len(), 2);
    assert!(mine.iter().all(|m| m.sample == id));
    assert!(s.sampled_cases_of(me.id).await.unwrap().is_empty());
}
