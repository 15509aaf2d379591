//! Distinct pairs, the duplicates queue, and merging two cases with a way back.

use std::sync::Arc;

use domain::Role;
use domain::audit::AuditAction;
use domain::case::CaseStage;
use domain::pathway::plan::PlanContent;
use store::*;
use time::macros::date;

use super::{NOW, everyone, new_case, office, profile, user};

pub async fn run(s: Arc<dyn Store>) {
    distinct_pairs_and_the_queue(&s).await;
    merge_moves_everything_and_undo_splits_back(&s).await;
    merge_with_projects_sets_aside_and_renames(&s).await;
    a_scan_of_many_pairs_is_recorded_whole(&s).await;
}

/// A scan records its pairs in batches: more pairs than one statement takes all arrive, and
/// all leave again when a later scan finds them unlikely.
async fn a_scan_of_many_pairs_is_recorded_whole(s: &Arc<dyn Store>) {
    let o = office(s, "MRGB").await;
    let cm = user(s, "cm.merge.batch", Role::CaseManager, Some(o.id)).await;
    let mut ids = Vec::new();
    for i in 0..40 {
        ids.push(
            new_case(s, o.id, cm.id, profile("Batch", &format!("Person{i}")))
                .await
                .id,
        );
    }
    let mut pairs = Vec::new();
    for (i, a) in ids.iter().enumerate() {
        for b in &ids[i + 1..] {
            pairs.push((*a, *b));
        }
    }
    assert_eq!(pairs.len(), 780, "more than one statement's worth");
    let scope = domain::authz::CaseListScope {
        office: Some(o.id),
        ..everyone()
    };
    let before = s.duplicate_queue(everyone(), 1).await.unwrap().1;
    let from = before.and_then(|b| b.resume_after);
    let first = ScanSummary {
        scanned_at: NOW,
        compared: 780,
        found: 780,
        resume_after: Some("batch".into()),
    };
    let found = pairs
        .iter()
        .map(|(a, b)| QueuedPair {
            first: *a,
            second: *b,
            score: 0.8,
        })
        .collect();
    assert!(
        s.record_duplicate_scan(from, found, Vec::new(), first)
            .await
            .unwrap()
    );
    assert_eq!(s.duplicate_queue(scope, 5000).await.unwrap().0.len(), 780);
    let second = ScanSummary {
        scanned_at: NOW,
        compared: 780,
        found: 0,
        resume_after: None,
    };
    assert!(
        s.record_duplicate_scan(Some("batch".into()), Vec::new(), pairs, second)
            .await
            .unwrap()
    );
    assert!(s.duplicate_queue(scope, 5000).await.unwrap().0.is_empty());
}

async fn distinct_pairs_and_the_queue(s: &Arc<dyn Store>) {
    let o = office(s, "MRGQ").await;
    let cm = user(s, "mrgq.cm", Role::CaseManager, Some(o.id)).await;
    let a = new_case(s, o.id, cm.id, profile("Mamadou", "Diallo")).await;
    let b = new_case(s, o.id, cm.id, profile("Mamadu", "Jallow")).await;
    let c = new_case(s, o.id, cm.id, profile("Awa", "Ndiaye")).await;
    let scope = domain::authz::CaseListScope {
        office: Some(o.id),
        restricted: domain::authz::RestrictedVisibility::All,
    };
    let slice = s.pairs_sharing_keys(scope, None, 100).await.unwrap();
    let (lo, hi) = if a.id.to_string() < b.id.to_string() {
        (a.id, b.id)
    } else {
        (b.id, a.id)
    };
    assert_eq!(
        slice.pairs,
        vec![(lo, hi)],
        "only the alike names share a key"
    );
    assert_eq!(slice.last_key, None, "every key was read");

    // A scan of one pair at a time stops on a whole key and the next goes on from there.
    let e = new_case(s, o.id, cm.id, profile("Awa", "Ndiaye")).await;
    let first = s.pairs_sharing_keys(scope, None, 1).await.unwrap();
    assert_eq!(first.pairs.len(), 1);
    let resume = first.last_key.clone();
    assert!(resume.is_some(), "stopped before the last key");
    let rest = s.pairs_sharing_keys(scope, resume, 100).await.unwrap();
    let mut all: Vec<_> = first.pairs.iter().chain(&rest.pairs).copied().collect();
    all.sort_by_key(|(x, y)| (x.to_string(), y.to_string()));
    all.dedup();
    assert_eq!(all.len(), 2, "each pair once over the two scans: {all:?}");
    assert!(
        all.iter()
            .any(|(x, y)| [*x, *y].contains(&e.id) && [*x, *y].contains(&c.id))
    );

    let summary = ScanSummary {
        scanned_at: NOW,
        compared: 1,
        found: 1,
        resume_after: Some("k".into()),
    };
    let recorded = s
        .record_duplicate_scan(
            None,
            vec![QueuedPair {
                first: b.id,
                second: a.id,
                score: 0.9,
            }],
            vec![(c.id, e.id)],
            summary.clone(),
        )
        .await
        .unwrap();
    assert!(recorded);
    let (queue, last) = s.duplicate_queue(scope, 50).await.unwrap();
    assert_eq!(queue.len(), 1);
    assert_eq!((queue[0].first, queue[0].second), (lo, hi));
    assert_eq!(last, Some(summary.clone()));

    // A second scan from the same starting point (another instance's) finds the point moved:
    // it writes nothing, and the first scan's summary stands.
    let late = ScanSummary {
        compared: 7,
        resume_after: None,
        ..summary.clone()
    };
    let recorded = s
        .record_duplicate_scan(None, Vec::new(), vec![(a.id, b.id)], late)
        .await
        .unwrap();
    assert!(!recorded, "the slice was recorded already");
    let (queue, last) = s.duplicate_queue(scope, 50).await.unwrap();
    assert_eq!(queue.len(), 1, "the late scan removed nothing");
    assert_eq!(last, Some(summary.clone()));
    let elsewhere = domain::authz::CaseListScope {
        office: Some(office(s, "MRGX").await.id),
        ..scope
    };
    assert!(s.duplicate_queue(elsewhere, 50).await.unwrap().0.is_empty());

    s.mark_distinct(a.id, b.id, AuditContext::by(cm.id, NOW))
        .await
        .unwrap();
    // Twice is once.
    s.mark_distinct(b.id, a.id, AuditContext::by(cm.id, NOW))
        .await
        .unwrap();
    assert_eq!(
        s.known_distinct(a.id, vec![b.id, c.id]).await.unwrap(),
        vec![b.id]
    );
    assert_eq!(
        s.known_distinct(b.id, vec![a.id]).await.unwrap(),
        vec![a.id]
    );
    assert!(s.duplicate_queue(scope, 50).await.unwrap().0.is_empty());
    let left = s.pairs_sharing_keys(scope, None, 100).await.unwrap();
    assert!(!left.pairs.contains(&(lo, hi)), "{left:?}");
    let trail = s
        .audit_for_record(record_type::CASE, &a.id.to_string(), AuditScope::Changes)
        .await
        .unwrap();
    assert_eq!(
        trail
            .iter()
            .filter(|e| e.action == AuditAction::MarkDistinct)
            .count(),
        1
    );
}

async fn merge_moves_everything_and_undo_splits_back(s: &Arc<dyn Store>) {
    let o = office(s, "MRGM").await;
    let cm = user(s, "mrgm.cm", Role::CaseManager, Some(o.id)).await;
    let pm = user(s, "mrgm.pm", Role::ProgrammeManager, Some(o.id)).await;
    let by_cm = AuditContext::by(cm.id, NOW);
    let mut p = profile("Fatoumata", "Camara");
    p.phone = None;
    let survivor = new_case(s, o.id, cm.id, p).await;
    let mut q = profile("Fatimata", "Kamara");
    q.phone = Some("+224 620 00 11 22".into());
    let merged = new_case(s, o.id, cm.id, q).await;
    let counted = |counts: Vec<CaseCount>| counts.iter().map(|c| c.count).sum::<u64>();
    assert_eq!(counted(s.case_counts(Some(o.id)).await.unwrap()), 2);

    for case in [survivor.id, merged.id] {
        s.create_plan_version(
            case,
            None,
            PlanContent::default(),
            CaseStage::Planning,
            by_cm.clone(),
        )
        .await
        .unwrap();
    }
    s.add_entry(
        NewEntry {
            id: uuid::Uuid::new_v4(),
            case: merged.id,
            kind: EntryKind::Session,
            date: date!(2026 - 11 - 02),
            body: "{}".into(),
            open: false,
            summary: "2026-11-02".into(),
        },
        CaseStage::Planning,
        by_cm.clone(),
    )
    .await
    .unwrap();
    let survivor = s.case(survivor.id).await.unwrap();
    let merged = s.case(merged.id).await.unwrap();

    let mut chosen = survivor.profile.clone();
    chosen.phone = merged.profile.phone.clone();
    let id = uuid::Uuid::new_v4();
    let stale = s
        .merge_cases(
            NewMerge {
                id,
                merged: merged.id,
                merged_version: merged.version - 1,
                survivor_update: CaseUpdate {
                    id: survivor.id,
                    expected_version: survivor.version,
                    case_manager: survivor.case_manager,
                    profile: chosen.clone(),
                    changes: vec![],
                },
            },
            AuditContext::by(pm.id, NOW),
        )
        .await;
    assert!(matches!(stale, Err(StoreError::Conflict)), "{stale:?}");

    let record = s
        .merge_cases(
            NewMerge {
                id,
                merged: merged.id,
                merged_version: merged.version,
                survivor_update: CaseUpdate {
                    id: survivor.id,
                    expected_version: survivor.version,
                    case_manager: survivor.case_manager,
                    profile: chosen.clone(),
                    changes: vec![],
                },
            },
            AuditContext::by(pm.id, NOW),
        )
        .await
        .unwrap();
    assert_eq!(record.survivor, survivor.id);
    assert_eq!(record.merged_number, merged.number.to_string());
    assert_eq!(s.merge(id).await.unwrap(), Some(record.clone()));

    // The person counts once; the merged case's id and number lead to the survivor.
    assert_eq!(counted(s.case_counts(Some(o.id)).await.unwrap()), 1);
    assert!(matches!(s.case(merged.id).await, Err(StoreError::NotFound)));
    assert_eq!(
        s.merge_of(MergedCase::Id(merged.id)).await.unwrap(),
        Some(record.clone())
    );
    assert_eq!(
        s.merge_of(MergedCase::Number(merged.number.to_string().to_lowercase()))
            .await
            .unwrap()
            .map(|m| m.survivor),
        Some(survivor.id)
    );
    assert_eq!(s.merges_into(survivor.id).await.unwrap(), vec![record]);
    let after = s.case(survivor.id).await.unwrap();
    assert_eq!(after.profile.phone, merged.profile.phone);
    assert_eq!(s.entries(survivor.id).await.unwrap().len(), 1);
    let plans = s.plan_versions(survivor.id).await.unwrap();
    assert_eq!(
        plans.iter().map(|p| p.version).collect::<Vec<_>>(),
        vec![1, 2],
        "the other case's plan comes first; the survivor's stays current"
    );
    for case in [survivor.id, merged.id] {
        let trail = s
            .audit_for_record(record_type::CASE, &case.to_string(), AuditScope::Changes)
            .await
            .unwrap();
        let last = trail.last().unwrap();
        assert_eq!(last.action, AuditAction::Merge);
        assert!(
            last.changes.iter().any(|c| c.field == "merged"
                && c.after.as_deref() == Some(merged.id.to_string().as_str()))
        );
    }

    // Undo: both cases back as they were, with what each had.
    let undone = s
        .undo_merge(id, AuditContext::by(pm.id, NOW))
        .await
        .unwrap();
    assert!(undone.undone_at.is_some());
    assert!(matches!(
        s.undo_merge(id, AuditContext::by(pm.id, NOW)).await,
        Err(StoreError::Conflict)
    ));
    assert_eq!(counted(s.case_counts(Some(o.id)).await.unwrap()), 2);
    assert!(
        s.merge_of(MergedCase::Id(merged.id))
            .await
            .unwrap()
            .is_none()
    );
    let back = s.case(merged.id).await.unwrap();
    assert_eq!(back.profile, merged.profile);
    assert_eq!(back.number, merged.number);
    let survivor_back = s.case(survivor.id).await.unwrap();
    assert_eq!(survivor_back.profile, survivor.profile);
    assert_eq!(s.entries(merged.id).await.unwrap().len(), 1);
    assert!(s.entries(survivor.id).await.unwrap().is_empty());
    for case in [survivor.id, merged.id] {
        let plans = s.plan_versions(case).await.unwrap();
        assert_eq!(plans.iter().map(|p| p.version).collect::<Vec<_>>(), vec![1]);
    }
    // Filed again for the duplicate check and the search.
    let found = s
        .cases_with_match_keys(
            everyone(),
            domain::duplicates::Prepared::of(&merged.profile).lookup_keys(),
        )
        .await
        .unwrap();
    assert!(found.iter().any(|c| c.id == merged.id));
}

/// Both cases take part in one project (the merged case's row is set aside, not duplicated);
/// the merged case alone in another, whose body names it (renamed to the survivor, and back).
async fn merge_with_projects_sets_aside_and_renames(s: &Arc<dyn Store>) {
    let o = office(s, "MRGP").await;
    let cm = user(s, "mrgp.cm", Role::CaseManager, Some(o.id)).await;
    let pm = user(s, "mrgp.pm", Role::ProgrammeManager, Some(o.id)).await;
    let by_cm = AuditContext::by(cm.id, NOW);
    let survivor = new_case(s, o.id, cm.id, profile("Aissatou", "Bah")).await;
    let merged = new_case(s, o.id, cm.id, profile("Aisatu", "Ba")).await;
    let project = |name: &str, body: String, cases: Vec<domain::CaseId>| NewDocument {
        id: domain::DocumentId::new(),
        kind: DocKind::Project,
        parent: None,
        office: Some(o.id),
        name: name.into(),
        body,
        cases,
    };
    let garden = format!(
        r#"{{"name":"Garden","participants":["{}","{}"]}}"#,
        survivor.id, merged.id
    );
    let shared = s
        .save_document(
            project("Garden", garden.clone(), vec![survivor.id, merged.id]),
            None,
            by_cm.clone(),
        )
        .await
        .unwrap();
    let body = format!(r#"{{"name":"Bakery","participants":["{}"]}}"#, merged.id);
    let own = s
        .save_document(
            project("Bakery", body.clone(), vec![merged.id]),
            None,
            by_cm.clone(),
        )
        .await
        .unwrap();
    let survivor = s.case(survivor.id).await.unwrap();
    let merged = s.case(merged.id).await.unwrap();

    let id = uuid::Uuid::new_v4();
    s.merge_cases(
        NewMerge {
            id,
            merged: merged.id,
            merged_version: merged.version,
            survivor_update: CaseUpdate {
                id: survivor.id,
                expected_version: survivor.version,
                case_manager: survivor.case_manager,
                profile: survivor.profile.clone(),
                changes: vec![],
            },
        },
        AuditContext::by(pm.id, NOW),
    )
    .await
    .unwrap();
    let names = |docs: Vec<DocRecord>| {
        let mut n: Vec<String> = docs.into_iter().map(|d| d.name).collect();
        n.sort();
        n
    };
    assert_eq!(
        names(s.documents_of_case(survivor.id).await.unwrap()),
        vec!["Bakery", "Garden"]
    );
    assert!(s.documents_of_case(merged.id).await.unwrap().is_empty());
    let renamed = s.document(own.id).await.unwrap();
    let (from, to) = (merged.id.to_string(), survivor.id.to_string());
    assert_eq!(renamed.body, body.replace(&from, &to));
    assert_eq!(
        s.document(shared.id).await.unwrap().body,
        garden.replace(&from, &to)
    );

    s.undo_merge(id, AuditContext::by(pm.id, NOW))
        .await
        .unwrap();
    assert_eq!(
        names(s.documents_of_case(merged.id).await.unwrap()),
        vec!["Bakery", "Garden"]
    );
    assert_eq!(
        names(s.documents_of_case(survivor.id).await.unwrap()),
        vec!["Garden"]
    );
    assert_eq!(s.document(own.id).await.unwrap().body, body);
    assert_eq!(s.document(shared.id).await.unwrap().body, garden);
}
