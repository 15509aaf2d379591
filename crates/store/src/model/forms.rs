use super::*;

/// Where a form version came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum FormOrigin {
    /// Shipped with Reintegra (`instruments/`), installed at start-up.
    Shipped,
    /// Uploaded as an XLSForm by a programme manager.
    Upload,
}

impl FormOrigin {
    pub fn as_str(self) -> &'static str {
        match self {
            FormOrigin::Shipped => "shipped",
            FormOrigin::Upload => "upload",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "shipped" => Some(FormOrigin::Shipped),
            "upload" => Some(FormOrigin::Upload),
            _ => None,
        }
    }
}

/// A form version to store. The definition is the `forms` crate's JSON; the store keeps it as
/// it is given.
#[derive(Clone, Debug)]
pub struct NewFormVersion {
    pub form_id: String,
    pub version: String,
    pub title: String,
    pub definition: String,
    pub origin: FormOrigin,
}

/// A form version as lists show it: everything but the definition, which can be large.
#[derive(Clone, Debug, Serialize)]
pub struct FormVersionInfo {
    pub form_id: String,
    pub version: String,
    pub title: String,
    pub published: bool,
    pub origin: FormOrigin,
    pub uploaded_by: Option<String>,
    pub uploaded_at: OffsetDateTime,
    pub published_by: Option<String>,
    pub published_at: Option<OffsetDateTime>,
}

/// A form version with its definition.
#[derive(Clone, Debug, Serialize)]
pub struct FormVersion {
    pub info: FormVersionInfo,
    /// The `forms` crate's JSON, as it was given.
    pub definition: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum SubmissionStatus {
    Draft,
    Complete,
    /// The interview was stopped: kept as it was, never resumed, never scored.
    Interrupted,
}

impl SubmissionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            SubmissionStatus::Draft => "draft",
            SubmissionStatus::Complete => "complete",
            SubmissionStatus::Interrupted => "interrupted",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "draft" => Some(SubmissionStatus::Draft),
            "complete" => Some(SubmissionStatus::Complete),
            "interrupted" => Some(SubmissionStatus::Interrupted),
            _ => None,
        }
    }
}

/// What a submission is about: a returnee's case, or a record of the community level (a
/// community's profile, a project's satisfaction questionnaire).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum Subject {
    Case(CaseId),
    Document(domain::DocumentId),
}

#[derive(Clone, Debug)]
pub struct NewSubmission {
    pub id: uuid::Uuid,
    pub form_id: String,
    pub form_version: String,
    pub subject: Subject,
    pub answers: String,
    pub interviewer: UserId,
    pub interview_date: Date,
}

#[derive(Clone, Debug)]
pub struct SubmissionUpdate {
    pub id: uuid::Uuid,
    pub expected_version: i64,
    pub answers: String,
    pub interview_date: Date,
    pub status: SubmissionStatus,
    /// Scores to store with a survey being completed, in the same transaction.
    pub score: Option<NewRssScore>,
    /// What completing a submission about a case sets off (tasks, urgent referrals) and the
    /// stage it leads to, written in the same transaction; `None` for drafts and for
    /// submissions about community-level records.
    pub follow_on: Option<FollowOn>,
}

/// The journal entries and derived stage that come with completing a submission about a case.
#[derive(Clone, Debug)]
pub struct FollowOn {
    pub case: CaseId,
    pub entries: Vec<crate::NewEntry>,
    pub derived_stage: domain::case::CaseStage,
}

/// The scores of one completed Reintegration Sustainability Survey.
#[derive(Clone, Debug)]
pub struct NewRssScore {
    pub submission: uuid::Uuid,
    pub case: CaseId,
    pub round: domain::rss::Round,
    pub interview_date: Date,
    pub interviewer: UserId,
    pub scores: domain::rss::Scores,
}

#[derive(Clone, Debug, Serialize)]
pub struct RssScore {
    pub submission: uuid::Uuid,
    pub case: CaseId,
    pub round: domain::rss::Round,
    pub interview_date: Date,
    pub interviewer: UserId,
    pub interviewer_name: String,
    pub scores: domain::rss::Scores,
    pub scored_at: OffsetDateTime,
}

#[derive(Clone, Debug, Serialize)]
pub struct Submission {
    pub id: uuid::Uuid,
    pub form_id: String,
    pub form_version: String,
    pub form_title: String,
    pub subject: Subject,
    pub status: SubmissionStatus,
    pub answers: String,
    pub interviewer: UserId,
    pub interviewer_name: String,
    pub interview_date: Date,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub completed_at: Option<OffsetDateTime>,
    pub version: i64,
}

/// A file given as an answer (a photo, a recording, a document), as recorded with its
/// submission; the content is in the file store under `sha256`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubmissionFile {
    pub submission: uuid::Uuid,
    /// The answer's value: the name the file goes by in the submission.
    pub name: String,
    /// The question's path in the form (`photo`, `household/0/photo`).
    pub question: String,
    pub media_type: String,
    pub size: u64,
    pub sha256: String,
    pub added_by: domain::UserId,
    pub added_at: time::OffsetDateTime,
}

pub type NewSubmissionFile = SubmissionFile;

/// A file attached to a form version (a choice list, a `pulldata()` table, a label's media);
/// the content is in the file store under `sha256`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FormFile {
    pub form_id: String,
    pub version: String,
    pub name: String,
    pub media_type: String,
    pub size: u64,
    pub sha256: String,
    pub added_by: domain::UserId,
    pub added_at: time::OffsetDateTime,
}
