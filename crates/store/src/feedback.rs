//! Feedback and complaints: stored once per form sent, listed for those who handle them, and
//! moved through their lifecycle one step at a time.

use async_trait::async_trait;
use domain::feedback::{FeedbackStatus, NewFeedback};
use domain::{OfficeId, UserId};
use time::OffsetDateTime;

use crate::{AuditContext, Result};

/// Feedback about to be stored.
#[derive(Clone, Debug)]
pub struct FeedbackIn {
    pub id: uuid::Uuid,
    pub reference: String,
    /// A hash of the form's one-time key.
    pub form_key: String,
    pub office: Option<OfficeId>,
    pub feedback: NewFeedback,
    /// The language the page was read in, to answer in it.
    pub language: String,
    pub at: OffsetDateTime,
}

#[derive(Clone, Debug, PartialEq)]
pub struct FeedbackRecord {
    pub id: uuid::Uuid,
    pub reference: String,
    pub office: Option<OfficeId>,
    pub office_code: Option<String>,
    pub feedback: NewFeedback,
    pub language: String,
    pub status: FeedbackStatus,
    pub referred_to: Option<String>,
    pub response: Option<String>,
    pub received_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub handled_by_name: Option<String>,
}

/// A handling step as stored: the new status and its text (where referred, the response).
#[derive(Clone, Debug)]
pub struct FeedbackChange {
    pub from: FeedbackStatus,
    pub to: FeedbackStatus,
    pub referred_to: Option<String>,
    pub response: Option<String>,
    pub by: UserId,
}

#[async_trait]
pub trait FeedbackStore: Send + Sync + 'static {
    /// Stores feedback, or, when its form was already sent, returns the record stored then.
    /// The audit entry names the record, never its content.
    async fn leave_feedback(&self, f: FeedbackIn) -> Result<FeedbackRecord>;
    /// Feedback left for an office (for every office and none, with `None`), newest first.
    async fn feedback_list(&self, office: Option<OfficeId>) -> Result<Vec<FeedbackRecord>>;
    async fn feedback(&self, id: uuid::Uuid) -> Result<Option<FeedbackRecord>>;
    /// Moves feedback on one step; [`crate::StoreError::Conflict`] when its status is no
    /// longer `change.from` (someone else moved it first).
    async fn update_feedback(
        &self,
        id: uuid::Uuid,
        change: FeedbackChange,
        audit: AuditContext,
    ) -> Result<FeedbackRecord>;
}
