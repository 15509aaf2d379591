use super::*;

/// A submission sent by a field client (ODK Collect, a web form), stored whole in one
/// transaction: the submission, its files, its completion with score and follow-on, and the
/// instance id that recognises a resubmission.
#[derive(Clone, Debug)]
pub struct FieldReceipt {
    /// The id the client gave the instance (`meta/instanceID`).
    pub instance_id: String,
    /// The device token it came through (none for answers sent to the JSON API).
    pub token: Option<uuid::Uuid>,
    pub submission: NewSubmission,
    /// Its files, `submission` set to the new submission's id.
    pub files: Vec<NewSubmissionFile>,
    /// The completion (answers, status, score, follow-on); `id` and `expected_version` are
    /// the store's to fill.
    pub completion: SubmissionUpdate,
}

/// What storing a field submission did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReceiptOutcome {
    /// Stored now.
    Stored(uuid::Uuid),
    /// This instance was stored before (a resubmission): nothing changed.
    AlreadyStored(uuid::Uuid),
}

/// What became of an instance id already received.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InstanceSeen {
    Stored(uuid::Uuid),
    Held,
    /// Received encrypted, not decrypted yet.
    Sealed,
}

/// An encrypted field submission, kept until it is decrypted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SealedSubmission {
    pub id: uuid::Uuid,
    pub instance_id: String,
    pub token: Option<uuid::Uuid>,
    pub user: UserId,
    pub form_id: String,
    pub form_version: String,
    /// The manifest as received (XML).
    pub manifest: String,
    /// Each file's name and SHA-256 in the file store (JSON object).
    pub files: String,
    pub received_at: OffsetDateTime,
}

/// An attachment of an instance still arriving over several posts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldPart {
    pub instance_id: String,
    pub token: uuid::Uuid,
    pub name: String,
    pub media_type: String,
    pub size: u64,
    pub sha256: String,
}

/// A page of a form's completed submissions, in the order they were completed.
#[derive(Clone, Debug)]
pub struct CompletedQuery {
    pub form_id: String,
    /// Only those completed at or after this moment.
    pub since: Option<OffsetDateTime>,
    /// Only those after this one in the order (the last of the previous page).
    pub after: Option<(OffsetDateTime, uuid::Uuid)>,
    pub limit: u32,
}

/// A field submission held for review: about a case its sender no longer works on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HeldSubmission {
    pub id: uuid::Uuid,
    pub instance_id: String,
    pub token: Option<uuid::Uuid>,
    pub user: UserId,
    /// The sender's display name (read back only).
    pub user_name: String,
    pub case: CaseId,
    /// The case's number and office (read back only).
    pub case_number: String,
    pub office: Option<OfficeId>,
    pub form_id: String,
    pub form_version: String,
    pub form_title: String,
    /// The answers (JSON).
    pub answers: String,
    /// The files (JSON), as the application layer describes them.
    pub files: String,
    pub received_at: OffsetDateTime,
}

/// What a programme manager decided about a held submission.
#[derive(Clone, Debug)]
pub enum HeldDecision {
    /// Store it: the submission as it would have been stored on receipt.
    Accept(Box<FieldReceipt>),
    /// Delete it.
    Decline,
}
