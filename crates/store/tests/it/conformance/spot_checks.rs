//! `SpotCheckStore`: the recent disbursements and surveys a check draws from, the checks and
//! their items, and a verification written once with the task it raises.
//!
//! Office SPT has one returnee, Fatou, with a disbursement of 20 March and one of 1 January,
//! and a survey of 25 March; office SPTX has nothing.

use std::sync::Arc;

use domain::Role;
use domain::case::CaseStage;
use domain::me::spot_checks::{SpotDesign, SpotKind, SpotOutcome};
use domain::pathway::TaskKind;
use domain::rss::Round;
use store::*;
use time::macros::date;

use super::{NOW, new_case, profile, user};

pub async fn run(s: Arc<dyn Store>) {
    let office = super::office(&s, "SPT").await;
    let other = super::office(&s, "SPTX").await;
    let cm = user(&s, "spt.cm", Role::CaseManager, Some(office.id)).await;
    let pm = user(&s, "spt.pm", Role::ProgrammeManager, Some(office.id)).await;
    let fatou = new_case(&s, office.id, cm.id, profile("Fatou", "Controle"))
        .await
        .id;
    let mut paid = Vec::new();
    for day in [date!(2026 - 03 - 20), date!(2026 - 01 - 01)] {
        let e = s
            .add_entry(
                NewEntry {
                    id: uuid::Uuid::new_v4(),
                    case: fatou,
                    kind: EntryKind::Disbursement,
                    date: day,
                    body: "{}".into(),
                    open: false,
                    summary: day.to_string(),
                },
                CaseStage::Intake,
                AuditContext::by(cm.id, NOW),
            )
            .await
            .unwrap();
        paid.push(e.id);
    }
    super::results::install_survey_form(&s).await;
    super::results::survey(
        &s,
        cm.id,
        fatou,
        Round::Baseline,
        date!(2026 - 03 - 25),
        0.5,
        None,
        None,
    )
    .await;

    // The frame: records of the kind since the day given, in the office.
    let since = date!(2026 - 03 - 01);
    let recent = s
        .spot_check_frame(Some(office.id), SpotKind::Disbursement, since)
        .await
        .unwrap();
    assert_eq!(recent.len(), 1, "the January one is too old");
    assert_eq!(recent[0].item, paid[0]);
    assert_eq!(recent[0].case, fatou);
    assert_eq!(recent[0].recorded_by, Some(cm.id));
    assert_eq!(recent[0].date, date!(2026 - 03 - 20));
    let surveys = s
        .spot_check_frame(None, SpotKind::Survey, since)
        .await
        .unwrap();
    assert!(
        surveys
            .iter()
            .any(|i| i.case == fatou && i.recorded_by == Some(cm.id))
    );
    assert!(
        s.spot_check_frame(Some(other.id), SpotKind::Survey, since)
            .await
            .unwrap()
            .is_empty()
    );

    // A check of that disbursement.
    let design = SpotDesign {
        kind: SpotKind::Disbursement,
        share: 10,
        days: 30,
    };
    let id = uuid::Uuid::new_v4();
    let stored = s
        .create_spot_check(
            NewSpotCheck {
                id,
                office: Some(office.id),
                design,
                population: 1,
                seed: u64::MAX,
                created_by: pm.id,
                created_on: date!(2026 - 03 - 30),
            },
            recent.clone(),
            AuditContext::by(pm.id, NOW),
        )
        .await
        .unwrap();
    assert_eq!(stored.design, design);
    assert_eq!(stored.seed, u64::MAX);
    assert_eq!(stored.office_code.as_deref(), Some("SPT"));
    assert_eq!(s.spot_check(id).await.unwrap(), Some(stored.clone()));
    assert_eq!(s.spot_checks(Some(office.id)).await.unwrap(), vec![stored]);
    assert!(s.spot_checks(Some(other.id)).await.unwrap().is_empty());
    assert!(
        s.spot_checks(None)
            .await
            .unwrap()
            .iter()
            .all(|k| k.office.is_none())
    );
    let items = s.spot_check_items(id).await.unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].outcome, SpotOutcome::Pending);
    assert_eq!(items[0].recorded_by_name.as_deref(), Some("SPT.CM"));
    assert_eq!(items[0].office_code, "SPT");

    // A discrepancy, with its task, once.
    let task = NewEntry {
        id: uuid::Uuid::new_v4(),
        case: fatou,
        kind: EntryKind::Task,
        date: date!(2026 - 04 - 13),
        body: serde_json::to_string(&TaskBody {
            kind: TaskKind::SpotCheckDiscrepancy,
            source: Some(paid[0]),
        })
        .unwrap(),
        open: true,
        summary: "2026-04-13".into(),
    };
    s.verify_spot_item(
        id,
        paid[0],
        SpotOutcome::Discrepancy,
        Some("received half".into()),
        Some(task.clone()),
        AuditContext::by(pm.id, NOW),
    )
    .await
    .unwrap();
    assert!(matches!(
        s.verify_spot_item(
            id,
            paid[0],
            SpotOutcome::Confirmed,
            None,
            None,
            AuditContext::by(pm.id, NOW)
        )
        .await,
        Err(StoreError::Conflict)
    ));
    assert!(matches!(
        s.verify_spot_item(
            id,
            paid[1],
            SpotOutcome::Confirmed,
            None,
            None,
            AuditContext::by(pm.id, NOW)
        )
        .await,
        Err(StoreError::NotFound)
    ));
    let items = s.spot_check_items(id).await.unwrap();
    assert_eq!(items[0].outcome, SpotOutcome::Discrepancy);
    assert_eq!(items[0].note.as_deref(), Some("received half"));
    assert_eq!(items[0].verified_by_name.as_deref(), Some("SPT.PM"));
    let entries = s.entries(fatou).await.unwrap();
    assert!(entries.iter().any(|e| e.id == task.id && e.open));
    let fields = super::changed_fields(&s, "case", &fatou.to_string()).await;
    assert!(
        fields.contains(&format!("spot_check:{id}:{}", paid[0])),
        "{fields:?}"
    );
}
