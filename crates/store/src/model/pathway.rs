use super::*;

/// Kinds of entry in a case's pathway journal. Their bodies are JSON of the matching
/// `domain::pathway` type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum EntryKind {
    /// `domain::pathway::CounsellingSession`
    Session,
    /// `domain::pathway::followup::FollowUpVisit`
    FollowUp,
    /// `domain::pathway::plan::Disbursement`
    Disbursement,
    /// `domain::pathway::UnmetNeed`
    UnmetNeed,
    /// `domain::pathway::UrgentReferral`; open until resolved.
    UrgentReferral,
    /// `TaskBody`; open until done.
    Task,
}

impl EntryKind {
    pub const ALL: [EntryKind; 6] = [
        EntryKind::Session,
        EntryKind::FollowUp,
        EntryKind::Disbursement,
        EntryKind::UnmetNeed,
        EntryKind::UrgentReferral,
        EntryKind::Task,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            EntryKind::Session => "session",
            EntryKind::FollowUp => "follow_up",
            EntryKind::Disbursement => "disbursement",
            EntryKind::UnmetNeed => "unmet_need",
            EntryKind::UrgentReferral => "urgent_referral",
            EntryKind::Task => "task",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// A task the system raised, kept in the journal.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TaskBody {
    pub kind: domain::pathway::TaskKind,
    /// The submission that raised it.
    pub source: Option<uuid::Uuid>,
}

#[derive(Clone, Debug)]
pub struct NewEntry {
    pub id: uuid::Uuid,
    pub case: CaseId,
    pub kind: EntryKind,
    /// The date the entry is about (session, visit, payment …; a task's due date).
    pub date: Date,
    pub body: String,
    pub open: bool,
    /// What the audit entry says (no sensitive text).
    pub summary: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct Entry {
    pub id: uuid::Uuid,
    pub case: CaseId,
    pub kind: EntryKind,
    pub date: Date,
    pub body: String,
    pub open: bool,
    pub recorded_by_name: Option<String>,
    pub recorded_at: OffsetDateTime,
    pub closed_at: Option<OffsetDateTime>,
    pub closed_by_name: Option<String>,
    pub closing_note: Option<String>,
}

impl Entry {
    /// The entry a new one will be once written: what a use case derives the stage from
    /// before the write.
    pub fn from_new(e: &NewEntry, at: OffsetDateTime) -> Self {
        Self {
            id: e.id,
            case: e.case,
            kind: e.kind,
            date: e.date,
            body: e.body.clone(),
            open: e.open,
            recorded_by_name: None,
            recorded_at: at,
            closed_at: None,
            closed_by_name: None,
            closing_note: None,
        }
    }

    /// The typed body; `None` if it cannot be read (never expected, but never a panic).
    pub fn parse<T: serde::de::DeserializeOwned>(&self) -> Option<T> {
        serde_json::from_str(&self.body).ok()
    }
}

/// The returnee's agreement to a plan version.
#[derive(Clone, Copy, Debug)]
pub struct NewPlanAgreement {
    pub date: Date,
    pub method: domain::pathway::plan::AgreementMethod,
    /// The returnee was given a copy to keep.
    pub copy_given: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct PlanAgreementRecord {
    pub date: Date,
    pub method: domain::pathway::plan::AgreementMethod,
    pub copy_given: bool,
    pub recorded_by_name: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct PlanApprovalRecord {
    pub by: Option<UserId>,
    pub by_name: Option<String>,
    pub at: OffsetDateTime,
    pub self_approved: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct PlanVersionRecord {
    pub case: CaseId,
    pub version: i64,
    pub content: domain::pathway::plan::PlanContent,
    pub revision: i64,
    pub agreement: Option<PlanAgreementRecord>,
    pub approval: Option<PlanApprovalRecord>,
    /// The last time a supervisor returned the version with comments instead of approving it.
    pub returned: Option<PlanReturnRecord>,
    pub created_at: OffsetDateTime,
    pub created_by_name: Option<String>,
    pub updated_at: OffsetDateTime,
}

#[derive(Clone, Debug, Serialize)]
pub struct PlanReturnRecord {
    pub comments: String,
    pub by_name: Option<String>,
    pub at: OffsetDateTime,
}

impl PlanVersionRecord {
    pub fn status(&self) -> domain::pathway::plan::PlanStatus {
        domain::pathway::plan::PlanStatus::of(self.agreement.is_some(), self.approval.is_some())
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct ClosureRecord {
    pub id: uuid::Uuid,
    pub case: CaseId,
    pub closure: domain::pathway::closure::Closure,
    pub requested_by: Option<UserId>,
    pub requested_by_name: Option<String>,
    pub requested_at: OffsetDateTime,
    pub approval: Option<PlanApprovalRecord>,
    pub reopened_by_name: Option<String>,
    pub reopened_at: Option<OffsetDateTime>,
    pub reopen_reason: Option<String>,
}

impl ClosureRecord {
    /// Still in force: not undone by a reopening.
    pub fn in_force(&self) -> bool {
        self.reopened_at.is_none()
    }
}

/// Something waiting for a supervisor.
#[derive(Clone, Debug, Serialize)]
pub struct PendingApproval {
    pub case: CaseSummary,
    pub case_manager: Option<UserId>,
    pub office: OfficeId,
    pub self_approval: bool,
    /// `Some(version)` for a plan version, `None` for a closure.
    pub plan_version: Option<i64>,
    pub closure: Option<uuid::Uuid>,
    pub since: OffsetDateTime,
}

/// A need that could not be met, with where it happened but not who it was.
#[derive(Clone, Debug, Serialize)]
pub struct UnmetNeedRow {
    pub body: String,
    pub office_code: String,
    pub return_province: String,
    pub recorded_at: OffsetDateTime,
}

pub mod setting {
    /// `domain::pathway::followup::FollowUpConfig` as JSON.
    pub const FOLLOW_UP: &str = "follow_up";
    /// The programme's currency: a three-letter code such as XOF or MAD.
    pub const CURRENCY: &str = "currency";
    /// How Arabic pages write digits: `domain::language::Digits` (`western` or `arabic_indic`).
    pub const DIGITS: &str = "arabic_digits";
    /// Roles that must sign in in two steps: `domain::two_factor::parse_required_roles`.
    pub const TWO_FACTOR_ROLES: &str = "two_factor_roles";
    /// Months after closure before a closed case is anonymised (empty: kept).
    pub const RETENTION_MONTHS: &str = "retention_months";
}

/// The records a case's pathway is read from, read together.
#[derive(Clone, Debug)]
pub struct PathwayRecords {
    pub entries: Vec<Entry>,
    pub plans: Vec<PlanVersionRecord>,
    pub closures: Vec<ClosureRecord>,
    pub submissions: Vec<Submission>,
    pub rss: Vec<RssScore>,
    /// The programme's follow-up rhythm as stored (the `follow_up` setting), if set.
    pub follow_up: Option<String>,
}
