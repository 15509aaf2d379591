//! The parts of the store not yet written against `crate::sql::Db`: on PostgreSQL they answer
//! that they are not available yet. Each part leaves this file when its SQL moves to `sql/`.
#![allow(unused_variables)]

use crate::*;
use async_trait::async_trait;
use domain::authz::CaseListScope;
use domain::{CaseId, OfficeId, UserId};
use time::OffsetDateTime;

use super::PgStore;

/// The parts of the store that do not run on PostgreSQL yet, named for the operator; empty
/// once every part does.
pub(super) const PARTS: &[&str] = &[
    "FieldStore",
    "AttachmentStore",
    "RetentionStore",
    "FormStore",
    "ExportStore",
    "HandoverStore",
    "MergeStore",
];

fn unported(part: &str) -> StoreError {
    StoreError::Database(format!("{part} is not available on PostgreSQL yet"))
}

#[async_trait]
impl FieldStore for PgStore {
    async fn receive_field_submission(
        &self,
        receipt: FieldReceipt,
        audit: AuditContext,
    ) -> Result<ReceiptOutcome> {
        Err(unported("FieldStore"))
    }
    async fn instance_seen(&self, instance_id: &str) -> Result<Option<InstanceSeen>> {
        Err(unported("FieldStore"))
    }
    async fn receipt_context(
        &self,
        instance_id: &str,
        case_number: &str,
    ) -> Result<(Option<InstanceSeen>, Option<CaseRecord>)> {
        Err(unported("FieldStore"))
    }
    async fn add_field_part(&self, part: FieldPart, at: OffsetDateTime) -> Result<()> {
        Err(unported("FieldStore"))
    }
    async fn field_parts(&self, instance_id: &str, token: uuid::Uuid) -> Result<Vec<FieldPart>> {
        Err(unported("FieldStore"))
    }
    async fn completed_submissions_page(&self, query: CompletedQuery) -> Result<Vec<Submission>> {
        Err(unported("FieldStore"))
    }
    async fn hold_field_submission(
        &self,
        held: HeldSubmission,
        audit: AuditContext,
    ) -> Result<bool> {
        Err(unported("FieldStore"))
    }
    async fn held_submissions(&self, office: Option<OfficeId>) -> Result<Vec<HeldSubmission>> {
        Err(unported("FieldStore"))
    }
    async fn held_submission(&self, id: uuid::Uuid) -> Result<HeldSubmission> {
        Err(unported("FieldStore"))
    }
    async fn seal_field_submission(
        &self,
        sealed: SealedSubmission,
        audit: AuditContext,
    ) -> Result<bool> {
        Err(unported("FieldStore"))
    }
    async fn sealed_submissions(&self) -> Result<Vec<SealedSubmission>> {
        Err(unported("FieldStore"))
    }
    async fn unseal_field_submission(&self, id: uuid::Uuid, audit: AuditContext) -> Result<()> {
        Err(unported("FieldStore"))
    }
    async fn decide_held(
        &self,
        id: uuid::Uuid,
        decision: HeldDecision,
        audit: AuditContext,
    ) -> Result<()> {
        Err(unported("FieldStore"))
    }
}

#[async_trait]
impl AttachmentStore for PgStore {
    async fn put_file(&self, bytes: Vec<u8>) -> Result<String> {
        Err(unported("AttachmentStore"))
    }
    async fn read_file(&self, sha256: &str) -> Result<Vec<u8>> {
        Err(unported("AttachmentStore"))
    }
    async fn add_submission_file(
        &self,
        file: NewSubmissionFile,
        audit: AuditContext,
    ) -> Result<()> {
        Err(unported("AttachmentStore"))
    }
    async fn submission_files(&self, submission: uuid::Uuid) -> Result<Vec<SubmissionFile>> {
        Err(unported("AttachmentStore"))
    }
    async fn add_form_file(&self, file: FormFile, audit: AuditContext) -> Result<()> {
        Err(unported("AttachmentStore"))
    }
    async fn form_files(&self, form_id: &str, version: &str) -> Result<Vec<FormFile>> {
        Err(unported("AttachmentStore"))
    }
}

#[async_trait]
impl RetentionStore for PgStore {
    async fn closed_cases_not_anonymised(&self) -> Result<Vec<(CaseId, OffsetDateTime)>> {
        Err(unported("RetentionStore"))
    }
    async fn case_texts(&self, case: CaseId) -> Result<CaseTexts> {
        Err(unported("RetentionStore"))
    }
    async fn anonymise_case(
        &self,
        case: CaseId,
        anonymised: Anonymised,
        audit: AuditContext,
    ) -> Result<()> {
        Err(unported("RetentionStore"))
    }
    async fn request_erasure(&self, case: CaseId, reason: &str, audit: AuditContext) -> Result<()> {
        Err(unported("RetentionStore"))
    }
    async fn erasure_request(&self, case: CaseId) -> Result<Option<ErasureRequest>> {
        Err(unported("RetentionStore"))
    }
    async fn erasure_requests(&self, office: Option<OfficeId>) -> Result<Vec<ErasureRequest>> {
        Err(unported("RetentionStore"))
    }
    async fn refuse_erasure(&self, case: CaseId, audit: AuditContext) -> Result<()> {
        Err(unported("RetentionStore"))
    }
}

#[async_trait]
impl FormStore for PgStore {
    async fn save_form_draft(&self, form: NewFormVersion, audit: AuditContext) -> Result<()> {
        Err(unported("FormStore"))
    }
    async fn publish_form(&self, form_id: &str, version: &str, audit: AuditContext) -> Result<()> {
        Err(unported("FormStore"))
    }
    async fn install_shipped_form(
        &self,
        form: NewFormVersion,
        audit: AuditContext,
    ) -> Result<bool> {
        Err(unported("FormStore"))
    }
    async fn form_version(&self, form_id: &str, version: &str) -> Result<FormVersion> {
        Err(unported("FormStore"))
    }
    async fn latest_published_form(&self, form_id: &str) -> Result<FormVersion> {
        Err(unported("FormStore"))
    }
    async fn form_versions(&self) -> Result<Vec<FormVersionInfo>> {
        Err(unported("FormStore"))
    }
    async fn create_submission(&self, s: NewSubmission, audit: AuditContext) -> Result<Submission> {
        Err(unported("FormStore"))
    }
    async fn update_submission(
        &self,
        u: SubmissionUpdate,
        audit: AuditContext,
    ) -> Result<Submission> {
        Err(unported("FormStore"))
    }
    async fn submission(&self, id: uuid::Uuid) -> Result<Submission> {
        Err(unported("FormStore"))
    }
    async fn submissions_for(&self, subject: Subject) -> Result<Vec<Submission>> {
        Err(unported("FormStore"))
    }
    async fn completed_submissions(&self, form_id: &str) -> Result<Vec<uuid::Uuid>> {
        Err(unported("FormStore"))
    }
    async fn rss_scores(&self, case: CaseId) -> Result<Vec<RssScore>> {
        Err(unported("FormStore"))
    }
    async fn rss_scores_of_cases(&self, cases: Vec<CaseId>) -> Result<Vec<RssScore>> {
        Err(unported("FormStore"))
    }
    async fn rss_score(&self, submission: uuid::Uuid) -> Result<Option<RssScore>> {
        Err(unported("FormStore"))
    }
    async fn save_rss_score(&self, score: NewRssScore, audit: AuditContext) -> Result<bool> {
        Err(unported("FormStore"))
    }
    async fn active_scoring_model(&self) -> Result<Option<String>> {
        Err(unported("FormStore"))
    }
    async fn activate_scoring_model(
        &self,
        id: &str,
        version: &str,
        definition: &str,
        audit: AuditContext,
    ) -> Result<()> {
        Err(unported("FormStore"))
    }
}

#[async_trait]
impl ExportStore for PgStore {
    async fn save_export_job(&self, job: ExportJob) -> Result<()> {
        Err(unported("ExportStore"))
    }
    async fn export_job(&self, id: uuid::Uuid) -> Result<Option<ExportJob>> {
        Err(unported("ExportStore"))
    }
    async fn export_jobs(&self, user: UserId, since: OffsetDateTime) -> Result<Vec<ExportJob>> {
        Err(unported("ExportStore"))
    }
    async fn keep_export_file(&self, id: uuid::Uuid, from: std::path::PathBuf) -> Result<()> {
        Err(unported("ExportStore"))
    }
    async fn open_export_file(&self, id: uuid::Uuid) -> Result<Option<std::fs::File>> {
        Err(unported("ExportStore"))
    }
    async fn remove_export_jobs(&self, before: OffsetDateTime) -> Result<usize> {
        Err(unported("ExportStore"))
    }
}

#[async_trait]
impl HandoverStore for PgStore {
    async fn instance_keys(&self) -> Result<Option<InstanceKeys>> {
        Err(unported("HandoverStore"))
    }
    async fn ensure_instance_keys(&self, keys: InstanceKeys) -> Result<InstanceKeys> {
        Err(unported("HandoverStore"))
    }
    async fn set_instance_organisation(&self, name: &str, audit: AuditContext) -> Result<()> {
        Err(unported("HandoverStore"))
    }
    async fn trusted_partners(&self) -> Result<Vec<TrustedPartner>> {
        Err(unported("HandoverStore"))
    }
    async fn trust_partner(&self, partner: TrustedPartner, audit: AuditContext) -> Result<()> {
        Err(unported("HandoverStore"))
    }
    async fn remove_partner(&self, key_id: &str, audit: AuditContext) -> Result<()> {
        Err(unported("HandoverStore"))
    }
    async fn record_handover(
        &self,
        record: HandoverRecord,
        audit: AuditContext,
    ) -> Result<HandoverRecord> {
        Err(unported("HandoverStore"))
    }
    async fn handovers_of(&self, case: CaseId) -> Result<Vec<HandoverRecord>> {
        Err(unported("HandoverStore"))
    }
    async fn note_packet_made(
        &self,
        handover: uuid::Uuid,
        packet: uuid::Uuid,
        audit: AuditContext,
    ) -> Result<()> {
        Err(unported("HandoverStore"))
    }
    async fn receive_handover(
        &self,
        case: NewCase,
        received: ReceivedHandover,
        audit: AuditContext,
    ) -> Result<CaseRecord> {
        Err(unported("HandoverStore"))
    }
    async fn received_for(&self, case: CaseId) -> Result<Option<ReceivedHandover>> {
        Err(unported("HandoverStore"))
    }
}

#[async_trait]
impl MergeStore for PgStore {
    async fn mark_distinct(&self, a: CaseId, b: CaseId, audit: AuditContext) -> Result<()> {
        Err(unported("MergeStore"))
    }
    async fn known_distinct(&self, case: CaseId, others: Vec<CaseId>) -> Result<Vec<CaseId>> {
        Err(unported("MergeStore"))
    }
    async fn pairs_sharing_keys(
        &self,
        scope: CaseListScope,
        after: Option<String>,
        limit: usize,
    ) -> Result<PairSlice> {
        Err(unported("MergeStore"))
    }
    async fn record_duplicate_scan(
        &self,
        found: Vec<QueuedPair>,
        unlikely: Vec<(CaseId, CaseId)>,
        summary: ScanSummary,
    ) -> Result<()> {
        Err(unported("MergeStore"))
    }
    async fn duplicate_queue(
        &self,
        scope: CaseListScope,
        limit: usize,
    ) -> Result<(Vec<QueuedPair>, Option<ScanSummary>)> {
        Err(unported("MergeStore"))
    }
    async fn merge_cases(&self, merge: NewMerge, audit: AuditContext) -> Result<MergeRecord> {
        Err(unported("MergeStore"))
    }
    async fn undo_merge(&self, id: uuid::Uuid, audit: AuditContext) -> Result<MergeRecord> {
        Err(unported("MergeStore"))
    }
    async fn merge(&self, id: uuid::Uuid) -> Result<Option<MergeRecord>> {
        Err(unported("MergeStore"))
    }
    async fn merge_of(&self, case: MergedCase) -> Result<Option<MergeRecord>> {
        Err(unported("MergeStore"))
    }
    async fn merges_into(&self, survivor: CaseId) -> Result<Vec<MergeRecord>> {
        Err(unported("MergeStore"))
    }
}
