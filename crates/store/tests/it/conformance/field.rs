//! `FieldStore`: submissions from field clients stored whole once per instance id, the parts
//! of a submission split over several posts, submissions held for review, and pulls of a
//! form's completed submissions.

use std::sync::Arc;

use domain::{Role, UserId};
use store::*;
use time::macros::date;

use super::{NOW, new_case, profile, user};

pub async fn run(s: Arc<dyn Store>) {
    a_receipt_is_stored_whole_and_once(&s).await;
    parts_are_kept_per_instance_and_device_until_the_receipt(&s).await;
    held_submissions_are_listed_in_their_office_and_decided_once(&s).await;
    completed_submissions_are_pulled_in_completion_order(&s).await;
    sealed_submissions_are_kept_once_until_decrypted(&s).await;
}

fn at(actor: UserId, minutes: i64) -> AuditContext {
    AuditContext::by(actor, NOW + time::Duration::minutes(minutes))
}

/// An office, a case manager with a device token, one of their cases, and a published form.
async fn setting(
    s: &Arc<dyn Store>,
    code: &str,
    form_id: &str,
) -> (Office, User, uuid::Uuid, CaseRecord) {
    let o = super::office(s, code).await;
    let cm = user(
        s,
        &format!("{}.cm", code.to_lowercase()),
        Role::CaseManager,
        Some(o.id),
    )
    .await;
    let token = s
        .create_api_token(
            NewApiToken {
                user: cm.id,
                name: "tablet".into(),
                token_hash: format!("{code}-device"),
                kind: TokenKind::Device,
            },
            at(cm.id, 0),
        )
        .await
        .unwrap();
    let case = new_case(s, o.id, cm.id, profile("Awa", "Ndiaye")).await;
    let form = NewFormVersion {
        form_id: form_id.into(),
        version: "1".into(),
        title: format!("{form_id} 1"),
        definition: "{}".into(),
        origin: FormOrigin::Upload,
    };
    s.save_form_draft(form, at(cm.id, 0)).await.unwrap();
    s.publish_form(form_id, "1", at(cm.id, 0)).await.unwrap();
    (o, cm, token.id, case)
}

fn receipt(
    instance: &str,
    token: Option<uuid::Uuid>,
    cm: UserId,
    case: &CaseRecord,
    form_id: &str,
) -> FieldReceipt {
    let id = uuid::Uuid::new_v4();
    FieldReceipt {
        instance_id: instance.into(),
        token,
        submission: NewSubmission {
            id,
            form_id: form_id.into(),
            form_version: "1".into(),
            subject: Subject::Case(case.id),
            answers: r#"{"q":"yes"}"#.into(),
            interviewer: cm,
            interview_date: date!(2026 - 11 - 20),
        },
        files: vec![SubmissionFile {
            submission: id,
            name: "0123456789abcdef.png".into(),
            question: "photo".into(),
            media_type: "image/png".into(),
            size: 3,
            sha256: "a".repeat(64),
            added_by: cm,
            added_at: NOW,
        }],
        completion: SubmissionUpdate {
            id,
            expected_version: 0,
            answers: r#"{"q":"yes","instanceID":"x"}"#.into(),
            interview_date: date!(2026 - 11 - 20),
            status: SubmissionStatus::Complete,
            score: None,
            follow_on: None,
        },
    }
}

async fn a_receipt_is_stored_whole_and_once(s: &Arc<dyn Store>) {
    let (_, cm, token, case) = setting(s, "FLD", "conf.field").await;
    assert_eq!(s.instance_seen("uuid:f1").await.unwrap(), None);
    // The context a receipt starts from: the case by its number (in any case of letters).
    let number = case.number.to_string();
    let (seen, found) = s
        .receipt_context("uuid:f1", &number.to_lowercase())
        .await
        .unwrap();
    assert_eq!((seen, found.map(|c| c.id)), (None, Some(case.id)));
    assert!(
        s.receipt_context("uuid:f1", "NOPE-2026-0001")
            .await
            .unwrap()
            .1
            .is_none()
    );
    let first = receipt("uuid:f1", Some(token), cm.id, &case, "conf.field");
    let id = first.submission.id;
    assert_eq!(
        s.receive_field_submission(first, at(cm.id, 1))
            .await
            .unwrap(),
        ReceiptOutcome::Stored(id)
    );
    let stored = s.submission(id).await.unwrap();
    assert_eq!(stored.status, SubmissionStatus::Complete);
    assert_eq!(stored.answers, r#"{"q":"yes","instanceID":"x"}"#);
    assert_eq!(s.submission_files(id).await.unwrap().len(), 1);
    assert_eq!(
        s.instance_seen("uuid:f1").await.unwrap(),
        Some(InstanceSeen::Stored(id))
    );
    let (seen, _) = s.receipt_context("uuid:f1", &number).await.unwrap();
    assert_eq!(seen, Some(InstanceSeen::Stored(id)));
    // The same instance again changes nothing.
    let again = receipt("uuid:f1", Some(token), cm.id, &case, "conf.field");
    assert_eq!(
        s.receive_field_submission(again, at(cm.id, 2))
            .await
            .unwrap(),
        ReceiptOutcome::AlreadyStored(id)
    );
    assert_eq!(
        s.submissions_for(Subject::Case(case.id))
            .await
            .unwrap()
            .len(),
        1
    );
    // All or nothing: a receipt that cannot be stored whole leaves nothing behind.
    let mut broken = receipt("uuid:f2", None, cm.id, &case, "conf.field");
    broken.files[0].submission = uuid::Uuid::new_v4();
    assert!(
        s.receive_field_submission(broken, at(cm.id, 3))
            .await
            .is_err()
    );
    assert_eq!(s.instance_seen("uuid:f2").await.unwrap(), None);
    assert_eq!(
        s.submissions_for(Subject::Case(case.id))
            .await
            .unwrap()
            .len(),
        1
    );
}

async fn parts_are_kept_per_instance_and_device_until_the_receipt(s: &Arc<dyn Store>) {
    let (_, cm, token, case) = setting(s, "PRT", "conf.parts").await;
    let part = |name: &str, sha: char| FieldPart {
        instance_id: "uuid:p1".into(),
        token,
        name: name.into(),
        media_type: "image/png".into(),
        size: 10,
        sha256: sha.to_string().repeat(64),
    };
    s.add_field_part(part("a.png", 'a'), NOW).await.unwrap();
    s.add_field_part(part("b.png", 'b'), NOW).await.unwrap();
    // The same name again replaces it.
    s.add_field_part(part("a.png", 'c'), NOW).await.unwrap();
    let kept = s.field_parts("uuid:p1", token).await.unwrap();
    assert_eq!(kept.len(), 2);
    assert_eq!(kept[0].sha256, "c".repeat(64));
    assert!(
        s.field_parts("uuid:p1", uuid::Uuid::new_v4())
            .await
            .unwrap()
            .is_empty(),
        "another device's parts are its own"
    );
    s.receive_field_submission(
        receipt("uuid:p1", Some(token), cm.id, &case, "conf.parts"),
        at(cm.id, 1),
    )
    .await
    .unwrap();
    assert!(s.field_parts("uuid:p1", token).await.unwrap().is_empty());
}

async fn held_submissions_are_listed_in_their_office_and_decided_once(s: &Arc<dyn Store>) {
    let (office, cm, token, case) = setting(s, "HLD", "conf.held").await;
    let other = super::office(s, "HLX").await;
    let held = |instance: &str| HeldSubmission {
        id: uuid::Uuid::new_v4(),
        instance_id: instance.into(),
        token: Some(token),
        user: cm.id,
        user_name: String::new(),
        case: case.id,
        case_number: String::new(),
        office: None,
        form_id: "conf.held".into(),
        form_version: "1".into(),
        form_title: String::new(),
        answers: r#"{"q":"yes"}"#.into(),
        files: "[]".into(),
        received_at: NOW,
    };
    let first = held("uuid:h1");
    assert!(
        s.hold_field_submission(first.clone(), at(cm.id, 1))
            .await
            .unwrap()
    );
    assert!(
        !s.hold_field_submission(held("uuid:h1"), at(cm.id, 2))
            .await
            .unwrap(),
        "held once"
    );
    assert_eq!(
        s.instance_seen("uuid:h1").await.unwrap(),
        Some(InstanceSeen::Held)
    );
    let listed = s.held_submissions(Some(office.id)).await.unwrap();
    assert_eq!(listed.len(), 1);
    let h = &listed[0];
    assert_eq!(h.case_number, case.number.to_string());
    assert_eq!(
        (h.user_name.as_str(), h.form_title.as_str()),
        ("HLD.CM", "conf.held 1")
    );
    assert_eq!(h.office, Some(office.id));
    assert!(s.held_submissions(Some(other.id)).await.unwrap().is_empty());
    assert_eq!(
        s.held_submission(first.id).await.unwrap().answers,
        first.answers
    );

    // Declined: gone, and a second decision finds nothing.
    s.decide_held(first.id, HeldDecision::Decline, at(cm.id, 3))
        .await
        .unwrap();
    assert!(
        s.held_submissions(Some(office.id))
            .await
            .unwrap()
            .is_empty()
    );
    assert!(matches!(
        s.decide_held(first.id, HeldDecision::Decline, at(cm.id, 4))
            .await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(s.instance_seen("uuid:h1").await.unwrap(), None);

    // Accepted: stored with the decision.
    let second = held("uuid:h2");
    s.hold_field_submission(second.clone(), at(cm.id, 5))
        .await
        .unwrap();
    let r = receipt("uuid:h2", Some(token), cm.id, &case, "conf.held");
    let stored = r.submission.id;
    s.decide_held(second.id, HeldDecision::Accept(Box::new(r)), at(cm.id, 6))
        .await
        .unwrap();
    assert_eq!(
        s.instance_seen("uuid:h2").await.unwrap(),
        Some(InstanceSeen::Stored(stored))
    );
    let trail = s
        .audit_for_record(
            "held_submission",
            &second.id.to_string(),
            AuditScope::Changes,
        )
        .await
        .unwrap();
    assert_eq!(trail.len(), 2, "held, then accepted");
}

async fn completed_submissions_are_pulled_in_completion_order(s: &Arc<dyn Store>) {
    let (_, cm, token, case) = setting(s, "PUL", "conf.pull").await;
    let mut ids = Vec::new();
    for n in 0..3 {
        let r = receipt(
            &format!("uuid:pull{n}"),
            Some(token),
            cm.id,
            &case,
            "conf.pull",
        );
        ids.push(r.submission.id);
        s.receive_field_submission(r, at(cm.id, 10 * n + 1))
            .await
            .unwrap();
    }
    let page = |since, after, limit| {
        s.completed_submissions_page(CompletedQuery {
            form_id: "conf.pull".into(),
            since,
            after,
            limit,
        })
    };
    let first = page(None, None, 2).await.unwrap();
    assert_eq!(first.iter().map(|s| s.id).collect::<Vec<_>>(), ids[..2]);
    let last = &first[1];
    let rest = page(None, Some((last.completed_at.unwrap(), last.id)), 2)
        .await
        .unwrap();
    assert_eq!(rest.iter().map(|s| s.id).collect::<Vec<_>>(), ids[2..]);
    let since = page(Some(NOW + time::Duration::minutes(11)), None, 10)
        .await
        .unwrap();
    assert_eq!(since.iter().map(|s| s.id).collect::<Vec<_>>(), ids[1..]);
}

async fn sealed_submissions_are_kept_once_until_decrypted(s: &Arc<dyn Store>) {
    let (_, cm, token, case) = setting(s, "SEL", "conf.sealed").await;
    let sealed = SealedSubmission {
        id: uuid::Uuid::new_v4(),
        instance_id: "uuid:s1".into(),
        token: Some(token),
        user: cm.id,
        form_id: "conf.sealed".into(),
        form_version: "1".into(),
        manifest: "<data encrypted=\"yes\"/>".into(),
        files: r#"{"submission.xml.enc":"aaaa"}"#.into(),
        received_at: NOW,
    };
    assert!(
        s.seal_field_submission(sealed.clone(), at(cm.id, 1))
            .await
            .unwrap()
    );
    assert!(
        !s.seal_field_submission(sealed.clone(), at(cm.id, 2))
            .await
            .unwrap(),
        "kept once"
    );
    assert_eq!(
        s.instance_seen("uuid:s1").await.unwrap(),
        Some(InstanceSeen::Sealed)
    );
    let pending = s.sealed_submissions().await.unwrap();
    let mine: Vec<_> = pending.iter().filter(|p| p.id == sealed.id).collect();
    assert_eq!(mine.len(), 1);
    assert_eq!(
        mine[0],
        &SealedSubmission {
            received_at: mine[0].received_at,
            ..sealed.clone()
        }
    );
    // Decrypted and received: it goes, once.
    s.receive_field_submission(
        receipt("uuid:s1-clear", Some(token), cm.id, &case, "conf.sealed"),
        at(cm.id, 3),
    )
    .await
    .unwrap();
    s.unseal_field_submission(sealed.id, at(cm.id, 3))
        .await
        .unwrap();
    assert!(matches!(
        s.unseal_field_submission(sealed.id, at(cm.id, 4)).await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(s.instance_seen("uuid:s1").await.unwrap(), None);
}
