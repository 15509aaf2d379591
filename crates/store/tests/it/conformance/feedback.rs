//! `FeedbackStore`: feedback left once per form, listed per office, moved on one step at a
//! time with concurrent steps refused.

use std::sync::Arc;

use domain::Role;
use domain::feedback::{ContactWay, FeedbackAbout, FeedbackKind, FeedbackStatus, NewFeedback};
use store::*;

use super::{NOW, user};

pub async fn run(s: Arc<dyn Store>) {
    let office = super::office(&s, "FBK").await;
    let other = super::office(&s, "FBKX").await;
    let pm = user(&s, "fbk.pm", Role::ProgrammeManager, Some(office.id)).await;
    let left = |key: &str, office: Option<domain::OfficeId>| FeedbackIn {
        id: uuid::Uuid::new_v4(),
        reference: format!("FB-{key}"),
        form_key: format!("key-{key}"),
        office,
        feedback: NewFeedback {
            kind: FeedbackKind::Complaint,
            about: FeedbackAbout::Staff,
            message: "Asked for money".into(),
            contact_way: ContactWay::Sms,
            contact: Some("+221 77 000 00 01".into()),
        },
        language: "fr".into(),
        at: NOW,
    };
    let first = s.leave_feedback(left("A1", Some(office.id))).await.unwrap();
    assert_eq!(first.status, FeedbackStatus::Received);
    assert_eq!(first.office_code.as_deref(), Some("FBK"));
    assert_eq!(first.feedback.contact.as_deref(), Some("+221 77 000 00 01"));
    // The same form again: the record stored the first time.
    let mut again = left("A1", Some(office.id));
    again.reference = "FB-OTHER".into();
    let repeat = s.leave_feedback(again).await.unwrap();
    assert_eq!(repeat.id, first.id);
    assert_eq!(repeat.reference, "FB-A1");
    let none = s.leave_feedback(left("B2", None)).await.unwrap();

    let mine = s.feedback_list(Some(office.id)).await.unwrap();
    assert_eq!(
        mine.iter().map(|f| f.id).collect::<Vec<_>>(),
        vec![first.id]
    );
    assert!(s.feedback_list(Some(other.id)).await.unwrap().is_empty());
    let all = s.feedback_list(None).await.unwrap();
    assert!(all.iter().any(|f| f.id == none.id) && all.iter().any(|f| f.id == first.id));
    assert_eq!(s.feedback(first.id).await.unwrap(), Some(first.clone()));
    assert_eq!(s.feedback(uuid::Uuid::new_v4()).await.unwrap(), None);

    // A step, then the same step from a stale status is a conflict.
    let step = |from, to, response: Option<&str>| FeedbackChange {
        from,
        to,
        referred_to: None,
        response: response.map(String::from),
        by: pm.id,
    };
    let acknowledged = s
        .update_feedback(
            first.id,
            step(FeedbackStatus::Received, FeedbackStatus::Acknowledged, None),
            AuditContext::by(pm.id, NOW),
        )
        .await
        .unwrap();
    assert_eq!(acknowledged.status, FeedbackStatus::Acknowledged);
    assert_eq!(acknowledged.handled_by_name.as_deref(), Some("FBK.PM"));
    assert!(matches!(
        s.update_feedback(
            first.id,
            step(FeedbackStatus::Received, FeedbackStatus::Acknowledged, None),
            AuditContext::by(pm.id, NOW)
        )
        .await,
        Err(StoreError::Conflict)
    ));
    assert!(matches!(
        s.update_feedback(
            uuid::Uuid::new_v4(),
            step(FeedbackStatus::Received, FeedbackStatus::Acknowledged, None),
            AuditContext::by(pm.id, NOW)
        )
        .await,
        Err(StoreError::NotFound)
    ));
    let resolved = s
        .update_feedback(
            first.id,
            step(
                FeedbackStatus::Acknowledged,
                FeedbackStatus::Resolved,
                Some("Refunded"),
            ),
            AuditContext::by(pm.id, NOW),
        )
        .await
        .unwrap();
    assert_eq!(resolved.response.as_deref(), Some("Refunded"));
    let fields = super::changed_fields(&s, "feedback", &first.id.to_string()).await;
    assert_eq!(fields, ["kind", "status", "status"], "never the message");
}
