//! The shapes the store reads and writes.

use domain::audit::{AuditAction, FieldChange};
use domain::authz::{CaseAccess, CaseListScope};
use domain::case::{CaseStage, ReturneeProfile, Sex};
use domain::consent::ConsentRecord;
use domain::{CaseId, CaseNumber, OfficeCode, OfficeId, Role, UserId, Username};
use serde::Serialize;
use time::{Date, OffsetDateTime};

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Office {
    pub id: OfficeId,
    pub code: OfficeCode,
    pub name: String,
    /// Staff may approve their own plans and closures (small offices).
    pub self_approval: bool,
}

#[derive(Clone, Debug)]
pub struct NewUser {
    pub username: Username,
    pub display_name: String,
    pub role: Role,
    pub office: Option<OfficeId>,
    pub password_hash: String,
    pub must_change_password: bool,
}

#[derive(Clone, Debug)]
pub struct User {
    pub id: UserId,
    pub username: Username,
    pub display_name: String,
    pub role: Role,
    pub office: Option<OfficeId>,
    pub password_hash: String,
    pub must_change_password: bool,
    pub disabled: bool,
    pub created_at: OffsetDateTime,
    /// For partner accounts: the organisation on the service map they work for.
    pub organisation: Option<domain::ProviderId>,
}

#[derive(Clone, Debug)]
pub struct NewSession {
    pub token_hash: String,
    pub user: UserId,
    pub csrf_token: String,
    pub at: OffsetDateTime,
}

#[derive(Clone, Debug)]
pub struct Session {
    pub token_hash: String,
    pub user: UserId,
    pub csrf_token: String,
    pub created_at: OffsetDateTime,
    pub last_seen_at: OffsetDateTime,
}

#[derive(Clone, Debug)]
pub struct NewApiToken {
    pub user: UserId,
    pub name: String,
    pub token_hash: String,
}

#[derive(Clone, Debug)]
pub struct ApiToken {
    pub id: uuid::Uuid,
    pub user: UserId,
    pub name: String,
    pub created_at: OffsetDateTime,
    pub last_used_at: Option<OffsetDateTime>,
    pub revoked_at: Option<OffsetDateTime>,
}

#[derive(Clone, Debug)]
pub struct NewCase {
    pub id: CaseId,
    pub office: OfficeId,
    pub case_manager: Option<UserId>,
    pub profile: ReturneeProfile,
    pub stage: CaseStage,
    /// Consent recorded at registration, written in the same transaction.
    pub consents: Vec<ConsentRecord>,
}

#[derive(Clone, Debug)]
pub struct CaseUpdate {
    pub id: CaseId,
    pub expected_version: i64,
    pub case_manager: Option<UserId>,
    pub profile: ReturneeProfile,
    pub changes: Vec<FieldChange>,
}

#[derive(Clone, Debug)]
pub struct CaseRecord {
    pub id: CaseId,
    pub number: CaseNumber,
    pub office: Office,
    pub case_manager: Option<UserId>,
    pub case_manager_name: Option<String>,
    pub profile: ReturneeProfile,
    pub stage: CaseStage,
    pub version: i64,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

impl CaseRecord {
    pub fn access(&self) -> CaseAccess {
        CaseAccess {
            office: self.office.id,
            case_manager: self.case_manager,
            restricted: self.profile.is_restricted(),
            self_approval: self.office.self_approval,
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct CaseSummary {
    pub id: CaseId,
    pub number: String,
    pub given_name: String,
    pub family_name: String,
    pub sex: Sex,
    pub age_at_return: Option<u16>,
    #[serde(with = "domain::case::date")]
    pub return_date: Date,
    pub return_province: String,
    pub office_code: String,
    pub case_manager_name: Option<String>,
    pub stage: CaseStage,
    pub restricted: bool,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CaseSort {
    #[default]
    Updated,
    Number,
    Name,
    ReturnDate,
}

impl CaseSort {
    pub const ALL: [CaseSort; 4] = [
        CaseSort::Updated,
        CaseSort::Number,
        CaseSort::Name,
        CaseSort::ReturnDate,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            CaseSort::Updated => "updated",
            CaseSort::Number => "number",
            CaseSort::Name => "name",
            CaseSort::ReturnDate => "return_date",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// A page of the case list. `scope` comes from `domain::authz::case_list_scope` and is always
/// applied; the other fields are the user's filters.
#[derive(Clone, Debug)]
pub struct CaseQuery {
    pub scope: CaseListScope,
    pub text: Option<String>,
    pub office: Option<OfficeId>,
    pub stage: Option<CaseStage>,
    pub case_manager: Option<UserId>,
    pub sex: Option<Sex>,
    pub province: Option<String>,
    pub returned_from: Option<Date>,
    pub returned_to: Option<Date>,
    pub sort: CaseSort,
    pub descending: bool,
    /// 1-based.
    pub page: u32,
    pub per_page: u32,
}

impl CaseQuery {
    pub fn new(scope: CaseListScope) -> Self {
        Self {
            scope,
            text: None,
            office: None,
            stage: None,
            case_manager: None,
            sex: None,
            province: None,
            returned_from: None,
            returned_to: None,
            sort: CaseSort::Updated,
            descending: true,
            page: 1,
            per_page: 25,
        }
    }
}

/// Counting beyond this many matches costs time and tells the reader nothing more.
pub const COUNT_CAP: u64 = 10_000;

#[derive(Clone, Debug)]
pub struct CasePage {
    pub items: Vec<CaseSummary>,
    /// Number of matching cases, at most `count_cap`.
    pub total: u64,
    /// True when more than `count_cap` cases match.
    pub total_capped: bool,
    /// Where counting stopped: [`COUNT_CAP`], or less for name searches.
    pub count_cap: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CaseCount {
    pub office_code: String,
    pub stage: CaseStage,
    pub sex: Sex,
    pub count: u64,
}

#[derive(Clone, Debug)]
pub struct ConsentEntry {
    pub id: uuid::Uuid,
    pub record: ConsentRecord,
    pub recorded_by_name: String,
}

#[derive(Clone, Debug)]
pub struct NewAuditEntry {
    pub actor: Option<UserId>,
    pub at: OffsetDateTime,
    pub action: AuditAction,
    pub record_type: String,
    pub record_id: String,
    pub changes: Vec<FieldChange>,
    pub reason: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct AuditEntry {
    pub id: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub actor: Option<UserId>,
    /// The actor's username, or `None` for the system.
    pub actor_name: Option<String>,
    pub action: AuditAction,
    pub record_type: String,
    pub record_id: String,
    pub changes: Vec<FieldChange>,
    pub reason: Option<String>,
}

/// How much of a record's audit trail to read. Views can far outnumber changes, so the
/// timeline of a case reads changes only.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuditScope {
    Changes,
    ChangesAndViews,
}

/// Record types named in audit entries.
pub mod record_type {
    pub const CASE: &str = "case";
    pub const PROVIDER: &str = "provider";
    pub const SERVICE: &str = "service";
    pub const STAKEHOLDER: &str = "stakeholder";
    /// Disclosures of a referral (partner views, slips printed, links opened) are recorded on it.
    pub const REFERRAL: &str = "referral";
    pub const USER: &str = "user";
    pub const API_TOKEN: &str = "api_token";
}

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
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
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
    pub created_at: OffsetDateTime,
    pub created_by_name: Option<String>,
    pub updated_at: OffsetDateTime,
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
}

// The service map, the stakeholder map and referrals

#[derive(Clone, Debug, Serialize)]
pub struct ProviderRecord {
    pub id: domain::ProviderId,
    pub provider: domain::services::Provider,
    pub version: i64,
    pub updated_at: OffsetDateTime,
}

#[derive(Clone, Debug, Serialize)]
pub struct ServiceRecord {
    pub id: domain::ServiceId,
    pub provider: domain::ProviderId,
    pub provider_name: String,
    pub service: domain::services::Service,
    pub version: i64,
    pub updated_at: OffsetDateTime,
}

#[derive(Clone, Debug, Serialize)]
pub struct StakeholderRecord {
    pub id: domain::StakeholderId,
    pub stakeholder: domain::stakeholder::Stakeholder,
    pub version: i64,
    pub updated_at: OffsetDateTime,
}

#[derive(Clone, Debug, Serialize)]
pub struct ServiceUpdateRecord {
    pub id: uuid::Uuid,
    pub service: domain::ServiceId,
    pub service_name: String,
    pub case: Option<CaseId>,
    pub feedback: domain::services::ServiceFeedback,
    pub status: domain::services::ProposalStatus,
    pub proposed_by_name: Option<String>,
    pub proposed_at: OffsetDateTime,
    pub decided_by_name: Option<String>,
    pub decision_note: Option<String>,
}

#[derive(Clone, Debug)]
pub struct NewReferral {
    pub id: domain::ReferralId,
    pub case: CaseId,
    pub service: domain::ServiceId,
    pub content: domain::referral::ReferralContent,
}

#[derive(Clone, Debug, Serialize)]
pub struct ReferralRecord {
    pub id: domain::ReferralId,
    pub case: CaseId,
    pub case_number: String,
    #[serde(skip)]
    pub case_access: domain::authz::CaseAccess,
    pub service: domain::ServiceId,
    pub service_name: String,
    pub provider: domain::ProviderId,
    pub provider_name: String,
    pub status: domain::referral::ReferralStatus,
    #[serde(skip)]
    pub content: domain::referral::ReferralContent,
    pub sent_on: Option<Date>,
    pub answer_due: Option<Date>,
    pub version: i64,
    pub created_by_name: Option<String>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

impl ReferralRecord {
    pub fn access(&self) -> domain::authz::ReferralAccess {
        domain::authz::ReferralAccess {
            case: self.case_access,
            provider: self.provider,
            shared: domain::referral::is_shared(self.status, &self.content),
        }
    }
}

/// Which referrals to list. Every filter is optional; all given must hold.
#[derive(Clone, Debug, Default)]
pub struct ReferralFilter {
    pub case: Option<CaseId>,
    pub provider: Option<domain::ProviderId>,
    pub office: Option<OfficeId>,
    pub case_manager: Option<UserId>,
    pub status: Option<domain::referral::ReferralStatus>,
}

/// Where a step came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Via {
    Staff,
    Partner,
    Link,
}

impl Via {
    pub fn as_str(self) -> &'static str {
        match self {
            Via::Staff => "staff",
            Via::Partner => "partner",
            Via::Link => "link",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [Via::Staff, Via::Partner, Via::Link]
            .into_iter()
            .find(|v| v.as_str() == s)
    }
}

#[derive(Clone, Debug)]
pub struct NewReferralStep {
    pub from: domain::referral::ReferralStatus,
    pub to: domain::referral::ReferralStatus,
    pub step: domain::referral::ReferralStep,
    pub note: String,
    pub via: Via,
    /// Set when the step sends the referral.
    pub sent_on: Option<Date>,
    pub answer_due: Option<Date>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ReferralEvent {
    pub step: domain::referral::ReferralStep,
    pub note: String,
    pub via: Via,
    pub by_name: Option<String>,
    pub at: OffsetDateTime,
}

#[derive(Clone, Debug)]
pub struct NewReferralLink {
    pub id: uuid::Uuid,
    pub referral: domain::ReferralId,
    pub token_hash: String,
    pub expires_at: OffsetDateTime,
}

#[derive(Clone, Debug, Serialize)]
pub struct ReferralLink {
    pub id: uuid::Uuid,
    pub referral: domain::ReferralId,
    pub created_by_name: Option<String>,
    pub created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    pub revoked_at: Option<OffsetDateTime>,
}

impl ReferralLink {
    pub fn is_live(&self, now: OffsetDateTime) -> bool {
        self.revoked_at.is_none() && now < self.expires_at
    }
}

/// Kinds of record of the community and structural levels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum DocKind {
    Community,
    Project,
    Visit,
    CapacityAssessment,
    CapacityPlan,
    Training,
    Mechanism,
    Meeting,
    Agreement,
    PolicyTrack,
    Programme,
    Result,
    Indicator,
    Evaluation,
    Lesson,
}

impl DocKind {
    pub const ALL: [DocKind; 15] = [
        DocKind::Community,
        DocKind::Project,
        DocKind::Visit,
        DocKind::CapacityAssessment,
        DocKind::CapacityPlan,
        DocKind::Training,
        DocKind::Mechanism,
        DocKind::Meeting,
        DocKind::Agreement,
        DocKind::PolicyTrack,
        DocKind::Programme,
        DocKind::Result,
        DocKind::Indicator,
        DocKind::Evaluation,
        DocKind::Lesson,
    ];
    /// The stored name, also the audit record type.
    pub fn as_str(self) -> &'static str {
        match self {
            DocKind::Community => "community",
            DocKind::Project => "project",
            DocKind::Visit => "visit",
            DocKind::CapacityAssessment => "capacity_assessment",
            DocKind::CapacityPlan => "capacity_plan",
            DocKind::Training => "training",
            DocKind::Mechanism => "mechanism",
            DocKind::Meeting => "meeting",
            DocKind::Agreement => "agreement",
            DocKind::PolicyTrack => "policy_track",
            DocKind::Programme => "programme",
            DocKind::Result => "result",
            DocKind::Indicator => "indicator",
            DocKind::Evaluation => "evaluation",
            DocKind::Lesson => "lesson",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// A record to add or replace. `cases` are the cases taking part (a project's returnees).
#[derive(Clone, Debug)]
pub struct NewDocument {
    pub id: domain::DocumentId,
    pub kind: DocKind,
    pub parent: Option<domain::DocumentId>,
    pub office: Option<OfficeId>,
    pub name: String,
    /// JSON of the matching `domain` type.
    pub body: String,
    pub cases: Vec<CaseId>,
}

#[derive(Clone, Debug)]
pub struct DocRecord {
    pub id: domain::DocumentId,
    pub kind: DocKind,
    pub parent: Option<domain::DocumentId>,
    pub office: Option<OfficeId>,
    pub name: String,
    pub body: String,
    pub version: i64,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub updated_by: Option<String>,
}

/// A place of return as written on cases, with how many cases returned there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReturnPlace {
    pub province: String,
    pub community: String,
    pub cases: u64,
}

/// A case as the community level sees it: where the person returned, and what decides who may
/// read it.
#[derive(Clone, Debug)]
pub struct PlacedCase {
    pub id: CaseId,
    pub number: String,
    pub given_name: String,
    pub family_name: String,
    pub sex: Sex,
    pub return_province: String,
    pub return_community: Option<String>,
    pub access: CaseAccess,
}

/// What to count for an indicator: its computation, over which dates, broken down by an axis or
/// not, in an office or all.
#[derive(Clone, Debug)]
pub struct TallyQuery {
    pub computation: domain::me::Computation,
    pub from: Date,
    pub to: Date,
    pub axis: Option<domain::me::Axis>,
    pub office: Option<OfficeId>,
    /// The programme's offices (`None`: all; an empty list counts nothing).
    pub offices: Option<Vec<OfficeId>>,
    /// The programme's countries of return (empty: all), compared without case.
    pub countries: Vec<String>,
    pub age_bands: domain::me::AgeBands,
}

/// One cell: a period, the group of the axis (`None` without an axis, or when unknown), and the
/// counts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TallyRow {
    pub period: String,
    pub group: Option<String>,
    pub tally: domain::me::Tally,
}

/// What an open case's follow-up is worked out from: its return, whether the trafficking
/// timeline applies, when its first approved plan was agreed, the visits recorded and the
/// surveys scored.
#[derive(Clone, Debug, PartialEq)]
pub struct FollowUpFacts {
    pub case: CaseId,
    pub office_code: String,
    pub return_date: Date,
    pub trafficking_victim: bool,
    pub plan_agreed: Option<Date>,
    pub visits: Vec<(Option<domain::pathway::followup::VisitKey>, Date)>,
    pub surveys: Vec<(domain::rss::Round, Date)>,
}

/// The mean value of one survey question among the returnees of a province, from each
/// returnee's latest survey.
#[derive(Clone, Debug, PartialEq)]
pub struct ItemMean {
    pub province: String,
    pub question: u8,
    pub name: String,
    pub mean: Option<f64>,
    /// Returnees whose latest survey holds the question.
    pub returnees: u64,
    /// Of them, those whose answer has a value (not "don't know", refused or skipped): the
    /// people the mean describes.
    pub answered: u64,
}

/// How many returnees of a survey round have a composite score in one tenth of the scale
/// (`tenth` 0 for 0–0.1 … 9 for 0.9–1).
#[derive(Clone, Debug, PartialEq)]
pub struct ScoreBin {
    pub round: domain::rss::Round,
    pub tenth: u8,
    pub returnees: u64,
}

/// The surveys as the dashboards show them (see `Store::survey_summary`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SurveySummary {
    pub means: Vec<RoundMeans>,
    pub bins: Vec<ScoreBin>,
    /// Per round, the returnees below, within and above the support bands' limits.
    pub bands: Vec<(domain::rss::Round, [u64; 3])>,
}

/// One sent referral: when it was sent and when the provider first answered it (accepted,
/// declined, or went straight to starting or completing), if it has.
#[derive(Clone, Debug, PartialEq)]
pub struct AnswerTime {
    pub provider_name: String,
    pub sent_at: OffsetDateTime,
    pub answered_at: Option<OffsetDateTime>,
}

/// Average survey scores of one round, for the dashboards.
#[derive(Clone, Debug, PartialEq)]
pub struct RoundMeans {
    pub round: domain::rss::Round,
    pub surveys: u64,
    /// Distinct returnees surveyed in the round.
    pub returnees: u64,
    pub economic: Option<f64>,
    pub social: Option<f64>,
    pub psychosocial: Option<f64>,
    pub composite: Option<f64>,
}
