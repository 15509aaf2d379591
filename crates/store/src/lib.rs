//! Persistence for Reintegra.
//!
//! [`Store`] is the one API the rest of the system uses; [`SqliteStore`] is its embedded
//! implementation and [`PgStore`] its PostgreSQL one, both running the SQL of `sql/`. A backend
//! decides nothing: it stores what `domain` decided, and writes each change together with its
//! audit entry in one transaction. The backend-agnostic conformance suite lives in
//! `tests/it/conformance/` (one module per part of the store) and runs against every
//! implementation.

mod exports;
mod feedback;
mod field;
pub mod files;
mod handovers;
mod merges;
mod model;
pub mod postgres;
mod results;
mod samples;
mod schedule;
mod spot_checks;
mod sql;
mod sqlite;

use async_trait::async_trait;
use domain::audit::AuditAction;
use domain::consent::ConsentRecord;
use domain::{CaseId, OfficeCode, OfficeId, UserId, Username};
use time::OffsetDateTime;

pub use exports::{ExportJob, ExportStatus, ExportStore};
pub use feedback::{FeedbackChange, FeedbackIn, FeedbackRecord, FeedbackStore};
pub use field::FieldStore;
pub use handovers::{
    HandoverRecord, HandoverStore, InstanceKeys, ReceivedHandover, TrustedPartner,
};
pub use merges::{
    MergeRecord, MergeStore, MergedCase, NewMerge, PairSlice, QueuedPair, ScanSummary,
};
pub use model::*;
pub use postgres::PgStore;
pub use results::ResultStore;
pub use samples::{NewSample, SampleRecord, SampleStore, SampledCase};
pub use schedule::{ScheduleStore, StartUpLock};
pub use spot_checks::{NewSpotCheck, SpotCheckItem, SpotCheckRecord, SpotCheckStore, SpotItem};
pub use sqlite::backup;
pub use sqlite::{DATABASE_FILE, DatabaseKey, INSTANCE_MARKER, SqliteStore};

/// Every part of the store, for code that calls a backend type directly (not through
/// `dyn Store`).
pub mod prelude {
    pub use crate::{
        AccountStore, CaseStore, DocumentStore, ExportStore, FeedbackStore, FormStore, MergeStore,
        PathwayStore, ReferralStore, ResultStore, RetentionStore, SampleStore, ScheduleStore,
        SpotCheckStore, Store,
    };
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    /// The record changed since the version the caller based its change on.
    #[error("the record was changed by someone else")]
    Conflict,
    /// A unique value is already taken; names the value's kind (for example "username").
    #[error("{0} already exists")]
    Duplicate(&'static str),
    #[error("database error: {0}")]
    Database(String),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// The whole store: every part, implemented by one backend type. The rest of the system holds
/// an `Arc<dyn Store>`; a function that needs only one part can ask for that part.
pub trait Store:
    AccountStore
    + CaseStore
    + FormStore
    + PathwayStore
    + ReferralStore
    + DocumentStore
    + ResultStore
    + RetentionStore
    + AttachmentStore
    + FieldStore
    + ExportStore
    + SampleStore
    + SpotCheckStore
    + FeedbackStore
    + MergeStore
    + HandoverStore
    + ScheduleStore
{
}

impl<T> Store for T where
    T: AccountStore
        + CaseStore
        + FormStore
        + PathwayStore
        + ReferralStore
        + DocumentStore
        + ResultStore
        + RetentionStore
        + AttachmentStore
        + FieldStore
        + ExportStore
        + SampleStore
        + SpotCheckStore
        + FeedbackStore
        + MergeStore
        + HandoverStore
        + ScheduleStore
{
}

/// Files given as answers: their content beside the database, and which submission holds them.
#[async_trait]
pub trait AttachmentStore: Send + Sync + 'static {
    /// Keeps a file's content (once per content) and returns its SHA-256.
    async fn put_file(&self, bytes: Vec<u8>) -> Result<String>;
    /// The content kept under a SHA-256, checked against it.
    async fn read_file(&self, sha256: &str) -> Result<Vec<u8>>;
    /// Records a file given as an answer to a draft, audited on the submission. Adding the same
    /// file again changes nothing.
    async fn add_submission_file(&self, file: NewSubmissionFile, audit: AuditContext)
    -> Result<()>;
    /// The files a submission holds, oldest first.
    async fn submission_files(&self, submission: uuid::Uuid) -> Result<Vec<SubmissionFile>>;
    /// Attaches a file to a draft form version (replacing one of the same name), audited on
    /// the version; [`StoreError::Conflict`] once the version is published.
    async fn add_form_file(&self, file: FormFile, audit: AuditContext) -> Result<()>;
    /// The files attached to a form version, by name.
    async fn form_files(&self, form_id: &str, version: &str) -> Result<Vec<FormFile>>;
}

/// Retention and erasure: closed cases due for anonymisation, a case's free text to rewrite,
/// the anonymisation itself, and erasure requests.
#[async_trait]
pub trait RetentionStore: Send + Sync + 'static {
    /// Closed cases not anonymised yet, with when their last closure was approved.
    async fn closed_cases_not_anonymised(&self) -> Result<Vec<(CaseId, OffsetDateTime)>>;
    /// The case's records holding free text, as stored.
    async fn case_texts(&self, case: CaseId) -> Result<CaseTexts>;
    /// Removes the case's personal data in one transaction: names, contacts, address, date of
    /// birth, notes, household members' names, the search index, the free text of its records
    /// (replaced by `anonymised`), the values in its audit trail, and open provider links. The
    /// audit entry names the fields removed, never their values. [`StoreError::Conflict`]
    /// when it was anonymised already.
    async fn anonymise_case(
        &self,
        case: CaseId,
        anonymised: Anonymised,
        audit: AuditContext,
    ) -> Result<()>;
    /// Records a request to erase the case (one at a time per case); audited.
    async fn request_erasure(&self, case: CaseId, reason: &str, audit: AuditContext) -> Result<()>;
    async fn erasure_request(&self, case: CaseId) -> Result<Option<ErasureRequest>>;
    /// Waiting requests, in an office or all, oldest first.
    async fn erasure_requests(&self, office: Option<OfficeId>) -> Result<Vec<ErasureRequest>>;
    /// Refuses (removes) a request; audited with the reason.
    async fn refuse_erasure(&self, case: CaseId, audit: AuditContext) -> Result<()>;
}

/// Offices, accounts, sessions, sign-in throttling and API tokens.
#[async_trait]
pub trait AccountStore: Send + Sync + 'static {
    /// Succeeds when the database answers.
    async fn health(&self) -> Result<()>;
    async fn list_offices(&self) -> Result<Vec<Office>>;
    async fn office(&self, id: OfficeId) -> Result<Office>;
    async fn office_by_code(&self, code: &OfficeCode) -> Result<Option<Office>>;
    /// Returns the office with this code, creating it with `name` when missing.
    async fn ensure_office(&self, code: &OfficeCode, name: &str) -> Result<Office>;
    async fn count_users(&self) -> Result<u64>;
    async fn create_user(&self, user: NewUser, audit: AuditContext) -> Result<User>;
    async fn user(&self, id: UserId) -> Result<User>;
    async fn user_by_username(&self, username: &Username) -> Result<Option<User>>;
    async fn list_users(&self) -> Result<Vec<User>>;
    /// Active case managers of an office, for assignment.
    async fn case_managers(&self, office: Option<OfficeId>) -> Result<Vec<User>>;
    /// Sets a new password hash, ends every other session of the user.
    async fn set_password(
        &self,
        user: UserId,
        hash: String,
        must_change: bool,
        keep_session: Option<&str>,
        audit: AuditContext,
    ) -> Result<()>;
    /// Records the language the user reads in (audited when it changes).
    async fn set_preferred_language(
        &self,
        user: UserId,
        language: &str,
        audit: AuditContext,
    ) -> Result<()>;
    async fn create_session(&self, session: NewSession) -> Result<()>;
    async fn session(&self, token_hash: &str) -> Result<Option<(Session, User)>>;
    async fn touch_session(&self, token_hash: &str, now: OffsetDateTime) -> Result<()>;
    async fn delete_session(&self, token_hash: &str) -> Result<()>;
    async fn record_login_failure(&self, keys: &[String], at: OffsetDateTime) -> Result<()>;
    async fn count_login_failures(&self, key: &str, since: OffsetDateTime) -> Result<u32>;
    async fn clear_login_failures(&self, key: &str) -> Result<()>;
    /// When the last failure under `key` was recorded (failures are kept a day).
    async fn last_login_failure(&self, key: &str) -> Result<Option<OffsetDateTime>>;
    /// The failures recorded under keys starting with `prefix` since `since`, newest first:
    /// the rest of each key (for `pair:<account>|`, the address) and when.
    async fn login_failures_under(
        &self,
        prefix: &str,
        since: OffsetDateTime,
    ) -> Result<Vec<(String, OffsetDateTime)>>;
    /// Remembers a browser the user signed in from (the hash of its device token).
    async fn remember_device(
        &self,
        user: UserId,
        token_hash: &str,
        at: OffsetDateTime,
    ) -> Result<()>;
    /// Whether the user signed in from the browser holding this device token before.
    async fn is_known_device(&self, user: UserId, token_hash: &str) -> Result<bool>;
    /// The user's two-step sign-in, confirmed or being set up.
    async fn two_factor(&self, user: UserId) -> Result<Option<TwoFactor>>;
    /// Keeps a secret being set up (replacing one not confirmed yet; a confirmed one stays).
    async fn begin_two_factor(&self, user: UserId, secret: &str, at: OffsetDateTime) -> Result<()>;
    /// Confirms the secret being set up, with the step of the code that confirmed it and the
    /// hashes of new recovery codes; audited.
    async fn enable_two_factor(
        &self,
        user: UserId,
        step: u64,
        recovery_code_hashes: Vec<String>,
        audit: AuditContext,
    ) -> Result<()>;
    /// Turns two-step sign-in off (its owner, or an administrator after a lost phone); audited.
    async fn remove_two_factor(&self, user: UserId, audit: AuditContext) -> Result<()>;
    /// Replaces the recovery codes; audited.
    async fn replace_recovery_codes(
        &self,
        user: UserId,
        hashes: Vec<String>,
        audit: AuditContext,
    ) -> Result<()>;
    /// Records that a code of this step was accepted, if no code of this or a later step was
    /// (false otherwise: a replay, or a race between two sign-ins).
    async fn accept_code_step(&self, user: UserId, step: u64) -> Result<bool>;
    /// Uses up a recovery code: true when it was the user's and not used before.
    async fn use_recovery_code(&self, user: UserId, hash: &str, at: OffsetDateTime)
    -> Result<bool>;
    /// Remembers that a user gave the right password and has yet to give the code.
    async fn create_second_step(
        &self,
        token_hash: &str,
        user: UserId,
        at: OffsetDateTime,
    ) -> Result<()>;
    /// The user waiting on this second step, and since when.
    async fn second_step(&self, token_hash: &str) -> Result<Option<(UserId, OffsetDateTime)>>;
    /// Forgets a second step (done, or expired), and any older than a day.
    async fn delete_second_step(&self, token_hash: &str, now: OffsetDateTime) -> Result<()>;
    async fn create_api_token(&self, token: NewApiToken, audit: AuditContext) -> Result<ApiToken>;
    async fn api_tokens(&self, user: UserId) -> Result<Vec<ApiToken>>;
    async fn revoke_api_token(
        &self,
        user: UserId,
        id: uuid::Uuid,
        audit: AuditContext,
    ) -> Result<()>;
    /// The live token of this kind with this hash, and the user owning it; records its use.
    async fn user_by_api_token(
        &self,
        token_hash: &str,
        kind: TokenKind,
        now: OffsetDateTime,
    ) -> Result<Option<(uuid::Uuid, User)>>;
    /// The reply kept for a post the user sent with this one-time key to this route.
    async fn reply(&self, user: UserId, once_key: &str, route: &str) -> Result<Option<Reply>>;
    /// Claims the answering of a post sent with a one-time key: the first copy to ask gets
    /// `Mine`; later copies get the kept reply, or `InProgress` while the first is answered. A
    /// claim left unanswered for ten minutes (its server stopped) is given to the next copy.
    async fn claim_reply(
        &self,
        user: UserId,
        once_key: &str,
        route: &str,
        at: OffsetDateTime,
    ) -> Result<ReplyClaim>;
    /// Gives up a claim whose post kept no reply (it was refused), so a corrected copy runs.
    async fn release_reply(&self, user: UserId, once_key: &str, route: &str) -> Result<()>;
    /// Keeps the reply to a post sent with a one-time key (the first kept wins, and it answers
    /// a claim), and forgets replies older than a day.
    async fn keep_reply(
        &self,
        user: UserId,
        once_key: &str,
        route: &str,
        reply: Reply,
        at: OffsetDateTime,
    ) -> Result<()>;
}

/// Returnees' cases, their consent records and the audit trail.
#[async_trait]
pub trait CaseStore: Send + Sync + 'static {
    /// Registers a case, giving it the next case number of its office for the year of `at`.
    async fn create_case(&self, case: NewCase, audit: AuditContext) -> Result<CaseRecord>;
    async fn case(&self, id: CaseId) -> Result<CaseRecord>;
    async fn case_by_number(&self, number: &str) -> Result<Option<CaseId>>;
    /// Replaces the profile if the stored version is still `expected_version`; otherwise
    /// [`StoreError::Conflict`] and nothing changes.
    async fn update_case(&self, update: CaseUpdate, audit: AuditContext) -> Result<CaseRecord>;
    async fn list_cases(&self, query: &CaseQuery) -> Result<CasePage>;
    /// Registers every case as [`CaseStore::create_case`] would, and writes `event` (the
    /// import's own audit entry), in one transaction: all or nothing. Returns the case numbers
    /// in order.
    async fn create_cases(
        &self,
        cases: Vec<NewCase>,
        audit: AuditContext,
        event: NewAuditEntry,
    ) -> Result<Vec<String>>;
    /// Whole records of the cases in `scope`, not anonymised, filed under any of `keys` (at
    /// most 500) for the duplicate check (`domain::duplicates`): the candidates of a check for
    /// one person or many.
    async fn cases_with_match_keys(
        &self,
        scope: domain::authz::CaseListScope,
        keys: Vec<String>,
    ) -> Result<Vec<CaseRecord>>;
    /// Keeps the record of a file uploaded for an import (its content is in the file store).
    async fn add_import_file(&self, file: ImportFile) -> Result<()>;
    async fn import_file(&self, id: uuid::Uuid) -> Result<Option<ImportFile>>;
    /// How far the dry run of import file `id` has got: rows checked of all its rows.
    async fn set_import_progress(&self, id: uuid::Uuid, checked: u64, total: u64) -> Result<()>;
    async fn import_progress(&self, id: uuid::Uuid) -> Result<Option<(u64, u64)>>;
    /// Forgets the import file `id` (when given) and every one uploaded before `before`, and
    /// deletes their content when nothing else names it.
    async fn remove_import_files(
        &self,
        id: Option<uuid::Uuid>,
        before: OffsetDateTime,
    ) -> Result<()>;
    /// Whole records (with vulnerabilities and household) of the cases a list query matches,
    /// `limit` at a time in case-number order, after the case number `after`: how exports walk
    /// a list of any length.
    async fn export_cases(
        &self,
        query: &CaseQuery,
        after: Option<String>,
        limit: u32,
    ) -> Result<Vec<CaseRecord>>;
    /// Counts of cases by office, stage and sex, within an office (or all offices).
    async fn case_counts(&self, office: Option<OfficeId>) -> Result<Vec<CaseCount>>;
    async fn add_consent(
        &self,
        case: CaseId,
        record: ConsentRecord,
        audit: AuditContext,
    ) -> Result<()>;
    async fn consents(&self, case: CaseId) -> Result<Vec<ConsentEntry>>;
    /// Writes an entry on its own: reads of sensitive records, sign-ins.
    async fn append_audit(&self, entry: NewAuditEntry) -> Result<()>;
    /// The audit trail of one record, oldest first: its changes, and with
    /// [`AuditScope::ChangesAndViews`] also who opened it.
    async fn audit_for_record(
        &self,
        record_type: &str,
        record_id: &str,
        scope: AuditScope,
    ) -> Result<Vec<AuditEntry>>;
}

/// Form definitions, submissions of answers and the scored surveys (RSS).
#[async_trait]
pub trait FormStore: Send + Sync + 'static {
    /// Stores an uploaded version for preview; [`StoreError::Conflict`] if that version is
    /// already published.
    async fn save_form_draft(&self, form: NewFormVersion, audit: AuditContext) -> Result<()>;
    /// Publishes a draft version; [`StoreError::Conflict`] if it already is.
    async fn publish_form(&self, form_id: &str, version: &str, audit: AuditContext) -> Result<()>;
    /// Installs a shipped instrument version as published, once. True when it was new.
    async fn install_shipped_form(&self, form: NewFormVersion, audit: AuditContext)
    -> Result<bool>;
    async fn form_version(&self, form_id: &str, version: &str) -> Result<FormVersion>;
    async fn latest_published_form(&self, form_id: &str) -> Result<FormVersion>;
    /// Every version of every form, without definitions, newest first within a form.
    async fn form_versions(&self) -> Result<Vec<FormVersionInfo>>;
    async fn create_submission(&self, s: NewSubmission, audit: AuditContext) -> Result<Submission>;
    /// Saves a draft's answers, or completes it. A completed submission or a stale version is
    /// refused with [`StoreError::Conflict`].
    async fn update_submission(
        &self,
        u: SubmissionUpdate,
        audit: AuditContext,
    ) -> Result<Submission>;
    async fn submission(&self, id: uuid::Uuid) -> Result<Submission>;
    async fn submissions_for(&self, subject: Subject) -> Result<Vec<Submission>>;
    /// Ids of the completed submissions of a form, oldest first.
    async fn completed_submissions(&self, form_id: &str) -> Result<Vec<uuid::Uuid>>;
    /// A returnee's scored surveys, oldest interview first.
    async fn rss_scores(&self, case: CaseId) -> Result<Vec<RssScore>>;
    /// The scored surveys of up to 1,000 returnees, by case, oldest interview first.
    async fn rss_scores_of_cases(&self, cases: Vec<CaseId>) -> Result<Vec<RssScore>>;
    async fn rss_score(&self, submission: uuid::Uuid) -> Result<Option<RssScore>>;
    /// Stores or replaces a survey's scores (rescoring); false when nothing changed.
    async fn save_rss_score(&self, score: NewRssScore, audit: AuditContext) -> Result<bool>;
    /// The TOML text of the scoring model a programme loaded, if any.
    async fn active_scoring_model(&self) -> Result<Option<String>>;
    /// Stores a scoring model and makes it the one that scores new surveys.
    async fn activate_scoring_model(
        &self,
        id: &str,
        version: &str,
        definition: &str,
        audit: AuditContext,
    ) -> Result<()>;
}

/// The individual pathway: journal, plan versions, closures, the derived stage,
/// work lists and the programme's pathway settings.
#[async_trait]
pub trait PathwayStore: Send + Sync + 'static {
    /// Everything a case's pathway is read from (entries, plan versions, closures,
    /// submissions, survey scores), in one read.
    async fn pathway_records(&self, case: CaseId) -> Result<PathwayRecords>;
    /// Adds an entry to a case's journal (session, visit, payment, unmet need, urgent
    /// referral, task), with an audit entry on the case, and sets the case's stage as derived
    /// with the entry (audited when it changes): all in one transaction, so neither lands
    /// without the other.
    async fn add_entry(
        &self,
        entry: NewEntry,
        derived_stage: domain::case::CaseStage,
        audit: AuditContext,
    ) -> Result<Entry>;
    /// Every journal entry of a case, in date order.
    async fn entries(&self, case: CaseId) -> Result<Vec<Entry>>;
    /// Resolves an urgent referral or completes a task; [`StoreError::Conflict`] if it already was.
    async fn close_entry(
        &self,
        case: CaseId,
        id: uuid::Uuid,
        note: String,
        audit: AuditContext,
    ) -> Result<()>;
    /// Every version of a case's plan, oldest first.
    async fn plan_versions(&self, case: CaseId) -> Result<Vec<PlanVersionRecord>>;
    /// Every plan version of up to 1,000 cases (an export), by case then version.
    async fn plans_of_cases(&self, cases: Vec<CaseId>) -> Result<Vec<PlanVersionRecord>>;
    /// Every journal entry of up to 1,000 cases (an export), by case then date.
    async fn entries_of_cases(&self, cases: Vec<CaseId>) -> Result<Vec<Entry>>;
    /// Starts a new plan version; [`StoreError::Conflict`] unless `expected_latest` is still
    /// the newest version.
    async fn create_plan_version(
        &self,
        case: CaseId,
        expected_latest: Option<i64>,
        content: domain::pathway::plan::PlanContent,
        derived_stage: domain::case::CaseStage,
        audit: AuditContext,
    ) -> Result<PlanVersionRecord>;
    /// Replaces an unapproved version's content (withdrawing any agreement to it);
    /// [`StoreError::Conflict`] if it changed since `expected_revision` or is approved.
    async fn update_plan_version(
        &self,
        case: CaseId,
        version: i64,
        expected_revision: i64,
        content: domain::pathway::plan::PlanContent,
        derived_stage: domain::case::CaseStage,
        audit: AuditContext,
    ) -> Result<PlanVersionRecord>;
    async fn agree_plan(
        &self,
        case: CaseId,
        version: i64,
        expected_revision: i64,
        agreement: NewPlanAgreement,
        derived_stage: domain::case::CaseStage,
        audit: AuditContext,
    ) -> Result<()>;
    /// Returns an agreed version with comments instead of approving it: its agreement is
    /// withdrawn; [`StoreError::Conflict`] if it is not awaiting approval or changed.
    async fn return_plan(
        &self,
        case: CaseId,
        version: i64,
        expected_revision: i64,
        comments: String,
        derived_stage: domain::case::CaseStage,
        audit: AuditContext,
    ) -> Result<()>;
    /// Approves an agreed version; [`StoreError::Conflict`] if it is not agreed or changed.
    async fn approve_plan(
        &self,
        case: CaseId,
        version: i64,
        expected_revision: i64,
        self_approved: bool,
        derived_stage: domain::case::CaseStage,
        audit: AuditContext,
    ) -> Result<()>;
    /// Every closure of a case, reopened ones included, oldest first.
    async fn closures(&self, case: CaseId) -> Result<Vec<ClosureRecord>>;
    /// Records a closure awaiting approval; [`StoreError::Conflict`] if one is in force.
    async fn request_closure(
        &self,
        case: CaseId,
        closure: domain::pathway::closure::Closure,
        derived_stage: domain::case::CaseStage,
        audit: AuditContext,
    ) -> Result<ClosureRecord>;
    async fn approve_closure(
        &self,
        case: CaseId,
        id: uuid::Uuid,
        self_approved: bool,
        derived_stage: domain::case::CaseStage,
        audit: AuditContext,
    ) -> Result<()>;
    /// Undoes the closure in force, keeping it in the history.
    async fn reopen_case(
        &self,
        case: CaseId,
        reason: String,
        derived_stage: domain::case::CaseStage,
        audit: AuditContext,
    ) -> Result<()>;
    /// Stores a case's derived stage, with an audit entry when it changes.
    async fn set_case_stage(
        &self,
        case: CaseId,
        stage: domain::case::CaseStage,
        audit: AuditContext,
    ) -> Result<bool>;
    /// Cases assigned to a user that are not closed.
    async fn open_cases_of(&self, user: UserId) -> Result<Vec<CaseSummary>>;
    /// Plans and closures waiting for approval, in an office or all offices.
    async fn pending_approvals(&self, office: Option<OfficeId>) -> Result<Vec<PendingApproval>>;
    /// Unmet needs recorded in an office or all offices, without names.
    async fn unmet_needs(&self, office: Option<OfficeId>) -> Result<Vec<UnmetNeedRow>>;
    /// The programme's feasibility grid, in order.
    async fn feasibility_grid(&self) -> Result<Vec<domain::pathway::feasibility::GridApproach>>;
    /// Fills the grid if it is empty; false if it was not.
    async fn seed_feasibility_grid(
        &self,
        rows: Vec<domain::pathway::feasibility::GridApproach>,
        audit: AuditContext,
    ) -> Result<bool>;
    /// Adds an approach, or replaces the one with the same key.
    async fn save_grid_approach(
        &self,
        approach: domain::pathway::feasibility::GridApproach,
        audit: AuditContext,
    ) -> Result<()>;
    async fn setting(&self, key: &str) -> Result<Option<String>>;
    async fn set_setting(&self, key: &str, value: String, audit: AuditContext) -> Result<()>;
    /// Sets a programme setting only if it still holds `expected` (`None`: not set): a
    /// change saved since the caller read it is a `Conflict`, whichever server saved it.
    async fn replace_setting(
        &self,
        key: &str,
        expected: Option<String>,
        value: String,
        audit: AuditContext,
    ) -> Result<()>;
    async fn set_office_self_approval(
        &self,
        office: OfficeId,
        on: bool,
        audit: AuditContext,
    ) -> Result<()>;
}

/// The service map, the stakeholder map and referrals with their disclosures and links.
#[async_trait]
pub trait ReferralStore: Send + Sync + 'static {
    async fn providers(&self) -> Result<Vec<ProviderRecord>>;
    async fn provider(&self, id: domain::ProviderId) -> Result<ProviderRecord>;
    /// Adds a provider (`expected_version` `None`) or replaces one still at that version.
    async fn save_provider(
        &self,
        id: domain::ProviderId,
        expected_version: Option<i64>,
        provider: domain::services::Provider,
        audit: AuditContext,
    ) -> Result<ProviderRecord>;
    async fn services(&self) -> Result<Vec<ServiceRecord>>;
    async fn service(&self, id: domain::ServiceId) -> Result<ServiceRecord>;
    /// Adds a service of a provider, or replaces one still at `expected_version`.
    async fn save_service(
        &self,
        id: domain::ServiceId,
        provider: domain::ProviderId,
        expected_version: Option<i64>,
        service: domain::services::Service,
        audit: AuditContext,
    ) -> Result<ServiceRecord>;
    async fn propose_service_update(
        &self,
        service: domain::ServiceId,
        case: Option<CaseId>,
        feedback: domain::services::ServiceFeedback,
        audit: AuditContext,
    ) -> Result<uuid::Uuid>;
    /// Proposed updates, pending ones first.
    async fn service_updates(
        &self,
        service: Option<domain::ServiceId>,
    ) -> Result<Vec<ServiceUpdateRecord>>;
    /// Accepts (replacing the service with `updated`) or rejects a pending proposal;
    /// [`StoreError::Conflict`] if it was already decided or the service changed.
    async fn decide_service_update(
        &self,
        id: uuid::Uuid,
        updated: Option<(i64, domain::services::Service)>,
        note: String,
        audit: AuditContext,
    ) -> Result<()>;
    /// Sets or clears the organisation a partner account works for.
    async fn set_user_organisation(
        &self,
        user: UserId,
        organisation: Option<domain::ProviderId>,
        audit: AuditContext,
    ) -> Result<()>;
    async fn stakeholders(&self) -> Result<Vec<StakeholderRecord>>;
    async fn stakeholder(&self, id: domain::StakeholderId) -> Result<StakeholderRecord>;
    async fn save_stakeholder(
        &self,
        id: domain::StakeholderId,
        expected_version: Option<i64>,
        stakeholder: domain::stakeholder::Stakeholder,
        audit: AuditContext,
    ) -> Result<StakeholderRecord>;
    /// Records a draft referral, with an audit entry on the case.
    async fn create_referral(&self, r: NewReferral, audit: AuditContext) -> Result<ReferralRecord>;
    async fn referral(&self, id: domain::ReferralId) -> Result<ReferralRecord>;
    /// Newest first.
    async fn referrals(&self, filter: &ReferralFilter) -> Result<Vec<ReferralRecord>>;
    /// Replaces a draft's content; [`StoreError::Conflict`] if it changed or was sent.
    async fn update_referral(
        &self,
        id: domain::ReferralId,
        expected_version: i64,
        content: domain::referral::ReferralContent,
        audit: AuditContext,
    ) -> Result<ReferralRecord>;
    /// Moves a referral along its lifecycle (the step decided by `domain::referral`);
    /// [`StoreError::Conflict`] if its status or version changed meanwhile.
    async fn referral_step(
        &self,
        id: domain::ReferralId,
        expected_version: i64,
        step: NewReferralStep,
        audit: AuditContext,
    ) -> Result<ReferralRecord>;
    async fn referral_events(&self, id: domain::ReferralId) -> Result<Vec<ReferralEvent>>;
    async fn create_referral_link(
        &self,
        link: NewReferralLink,
        audit: AuditContext,
    ) -> Result<ReferralLink>;
    async fn referral_links(&self, referral: domain::ReferralId) -> Result<Vec<ReferralLink>>;
    async fn revoke_referral_link(
        &self,
        referral: domain::ReferralId,
        link: uuid::Uuid,
        audit: AuditContext,
    ) -> Result<()>;
    /// The link with this token hash, live or not, and its referral.
    async fn referral_by_link(
        &self,
        token_hash: &str,
    ) -> Result<Option<(ReferralLink, ReferralRecord)>>;
}

/// Records of the community and structural levels and the results framework, kept as
/// typed documents, and the places cases returned to.
#[async_trait]
pub trait DocumentStore: Send + Sync + 'static {
    /// Records of a kind (belonging to `parent` when given), by name.
    async fn documents(
        &self,
        kind: DocKind,
        parent: Option<domain::DocumentId>,
    ) -> Result<Vec<DocRecord>>;
    async fn document(&self, id: domain::DocumentId) -> Result<DocRecord>;
    /// Adds a record (`expected_version` `None`) or replaces one still at that version
    /// ([`StoreError::Conflict`] otherwise). Keeps the cases taking part in step, with an audit
    /// entry on each case that joined or left.
    async fn save_document(
        &self,
        doc: NewDocument,
        expected_version: Option<i64>,
        audit: AuditContext,
    ) -> Result<DocRecord>;
    /// Records a case takes part in (community projects), newest first.
    async fn documents_of_case(&self, case: CaseId) -> Result<Vec<DocRecord>>;
    /// Places of return written on cases, with how many cases returned there.
    async fn return_places(&self, office: Option<OfficeId>) -> Result<Vec<ReturnPlace>>;
    /// Cases that returned to a province (accents and case ignored).
    async fn cases_in_province(
        &self,
        office: Option<OfficeId>,
        province: &str,
    ) -> Result<Vec<PlacedCase>>;
}

/// Who is making a change, and why, for the audit entry written with it.
#[derive(Clone, Debug)]
pub struct AuditContext {
    pub actor: Option<UserId>,
    pub at: OffsetDateTime,
    pub reason: Option<String>,
}

impl AuditContext {
    pub fn by(actor: UserId, at: OffsetDateTime) -> Self {
        Self {
            actor: Some(actor),
            at,
            reason: None,
        }
    }
    /// A change made by the system itself or an operator at the command line.
    pub fn system(at: OffsetDateTime, reason: &str) -> Self {
        Self {
            actor: None,
            at,
            reason: Some(reason.to_string()),
        }
    }
    pub fn entry(
        &self,
        action: AuditAction,
        record_type: &str,
        record_id: String,
        changes: Vec<domain::audit::FieldChange>,
    ) -> NewAuditEntry {
        NewAuditEntry {
            actor: self.actor,
            at: self.at,
            action,
            record_type: record_type.to_string(),
            record_id,
            changes,
            reason: self.reason.clone(),
        }
    }
}

/// Opens the store named by a database location. Only embedded SQLite files exist today; a
/// PostgreSQL URL will select the server implementation once it lands.
pub async fn open(data_dir: &std::path::Path) -> Result<std::sync::Arc<dyn Store>> {
    Ok(std::sync::Arc::new(SqliteStore::open_in(data_dir).await?))
}
