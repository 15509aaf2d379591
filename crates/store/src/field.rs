//! Field collection: what OpenRosa clients (ODK Collect, Enketo) send, stored once per
//! instance id.

use async_trait::async_trait;
use domain::OfficeId;
use time::OffsetDateTime;

use crate::*;

/// Submissions from field clients (OpenRosa): stored whole, once per instance id, with the
/// attachments of an instance sent over several posts kept until its last post.
#[async_trait]
pub trait FieldStore: Send + Sync + 'static {
    /// Stores a field submission in one transaction (submission, files, completion, score,
    /// follow-on, instance id), unless its instance was stored before.
    async fn receive_field_submission(
        &self,
        receipt: FieldReceipt,
        audit: AuditContext,
    ) -> Result<ReceiptOutcome>;
    /// Whether an instance id was stored (as which submission) or is held for review.
    async fn instance_seen(&self, instance_id: &str) -> Result<Option<InstanceSeen>>;
    /// What a receipt starts from, in one read: whether its instance id was seen, and the
    /// case with this number (if any).
    async fn receipt_context(
        &self,
        instance_id: &str,
        case_number: &str,
    ) -> Result<(Option<InstanceSeen>, Option<CaseRecord>)>;
    /// Keeps an attachment of an instance whose other posts are still to come (the same name
    /// sent again replaces it).
    async fn add_field_part(&self, part: FieldPart, at: OffsetDateTime) -> Result<()>;
    /// The attachments kept for an instance sent through a token.
    async fn field_parts(&self, instance_id: &str, token: uuid::Uuid) -> Result<Vec<FieldPart>>;
    /// A page of a form's completed submissions, oldest completion first.
    async fn completed_submissions_page(&self, query: CompletedQuery) -> Result<Vec<Submission>>;
    /// Holds a field submission for review, audited; `false` when its instance id is already
    /// held or stored.
    async fn hold_field_submission(
        &self,
        held: HeldSubmission,
        audit: AuditContext,
    ) -> Result<bool>;
    /// The submissions held for review about cases of an office (or every office), oldest
    /// first.
    async fn held_submissions(&self, office: Option<OfficeId>) -> Result<Vec<HeldSubmission>>;
    async fn held_submission(&self, id: uuid::Uuid) -> Result<HeldSubmission>;
    /// Keeps an encrypted submission until it is decrypted, audited; `false` when its instance
    /// id was already received.
    async fn seal_field_submission(
        &self,
        sealed: SealedSubmission,
        audit: AuditContext,
    ) -> Result<bool>;
    /// The encrypted submissions still to decrypt, oldest first.
    async fn sealed_submissions(&self) -> Result<Vec<SealedSubmission>>;
    /// Forgets an encrypted submission once decrypted and received, audited.
    async fn unseal_field_submission(&self, id: uuid::Uuid, audit: AuditContext) -> Result<()>;
    /// Accepts (storing the receipt) or declines a held submission, and removes it, in one
    /// transaction with its audit entry. A submission decided meanwhile is not found.
    async fn decide_held(
        &self,
        id: uuid::Uuid,
        decision: HeldDecision,
        audit: AuditContext,
    ) -> Result<()>;
}
