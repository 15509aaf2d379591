//! One person, one case: pairs found to be different people, the duplicates queue, and merging
//! two cases into one with a way back.

use async_trait::async_trait;
use domain::authz::CaseListScope;
use domain::{CaseId, UserId};
use time::OffsetDateTime;

use crate::{AuditContext, CaseUpdate, Result};

/// A merge to make: `merged` goes into `survivor`, whose profile becomes `survivor_update`'s.
/// Both cases must still be at the versions read (else [`crate::StoreError::Conflict`]).
#[derive(Clone, Debug)]
pub struct NewMerge {
    pub id: uuid::Uuid,
    pub merged: CaseId,
    pub merged_version: i64,
    pub survivor_update: CaseUpdate,
}

#[derive(Clone, Debug, PartialEq)]
pub struct MergeRecord {
    pub id: uuid::Uuid,
    pub survivor: CaseId,
    pub merged: CaseId,
    pub merged_number: String,
    pub merged_by: Option<UserId>,
    pub merged_at: OffsetDateTime,
    pub undone_by: Option<UserId>,
    pub undone_at: Option<OffsetDateTime>,
}

/// A likely pair found by the last scan.
#[derive(Clone, Debug, PartialEq)]
pub struct QueuedPair {
    pub first: CaseId,
    pub second: CaseId,
    pub score: f64,
}

/// When the queue was last scanned, and from how much.
#[derive(Clone, Debug, PartialEq)]
pub struct ScanSummary {
    pub scanned_at: OffsetDateTime,
    /// Pairs compared (those sharing a key of the duplicate check).
    pub compared: u64,
    pub found: u64,
    /// Where the next scan starts: after this key (`None`: from the first).
    pub resume_after: Option<String>,
}

/// The pairs of a slice of keys: whole keys, in key order, from just after the key asked for.
#[derive(Clone, Debug, PartialEq)]
pub struct PairSlice {
    pub pairs: Vec<(CaseId, CaseId)>,
    /// The last key whose pairs are all in `pairs`; `None` when the keys ran out.
    pub last_key: Option<String>,
}

#[async_trait]
pub trait MergeStore: Send + Sync + 'static {
    /// Remembers that two cases are different people (in either order); audited on both.
    async fn mark_distinct(&self, a: CaseId, b: CaseId, audit: AuditContext) -> Result<()>;
    /// Of `others`, those known to be a different person from `case`.
    async fn known_distinct(&self, case: CaseId, others: Vec<CaseId>) -> Result<Vec<CaseId>>;
    /// Pairs of cases within reach of `scope` filed under a common key of the duplicate check,
    /// each once (smaller id first), none known to be distinct: those of the keys after
    /// `after`, in key order, whole keys until at least `limit` pairs are gathered.
    async fn pairs_sharing_keys(
        &self,
        scope: CaseListScope,
        after: Option<String>,
        limit: usize,
    ) -> Result<PairSlice>;
    /// Records a scan that started after the key `started_after`: its likely pairs join the
    /// queue (or update their score), the pairs it found unlikely leave it, and the summary
    /// says where the next scan starts. When another scan from the same point was recorded
    /// first (two instances, or "scan now" during the nightly scan), nothing is written and
    /// the answer is `false`.
    async fn record_duplicate_scan(
        &self,
        started_after: Option<String>,
        found: Vec<QueuedPair>,
        unlikely: Vec<(CaseId, CaseId)>,
        summary: ScanSummary,
    ) -> Result<bool>;
    /// The queue's pairs with both cases within reach of `scope`, likeliest first, and the
    /// last scan's summary.
    async fn duplicate_queue(
        &self,
        scope: CaseListScope,
        limit: usize,
    ) -> Result<(Vec<QueuedPair>, Option<ScanSummary>)>;
    /// Merges two cases in one transaction: everything attached to the merged case moves to
    /// the survivor, the survivor takes its new profile, the merged case leaves the case
    /// list (its id and number lead to the survivor), and both are audited with both ids.
    async fn merge_cases(&self, merge: NewMerge, audit: AuditContext) -> Result<MergeRecord>;
    /// Splits a merge back: the merged case returns as it was with what was moved from it, and
    /// the survivor gets back the values the merge changed (those edited since are kept).
    /// [`crate::StoreError::Conflict`] when it was undone already, or when the survivor was
    /// itself merged since.
    async fn undo_merge(&self, id: uuid::Uuid, audit: AuditContext) -> Result<MergeRecord>;
    async fn merge(&self, id: uuid::Uuid) -> Result<Option<MergeRecord>>;
    /// The standing merge that took this case (by id or case number) away, if any.
    async fn merge_of(&self, case: MergedCase) -> Result<Option<MergeRecord>>;
    /// Merges into this case, newest first, undone ones included.
    async fn merges_into(&self, survivor: CaseId) -> Result<Vec<MergeRecord>>;
}

/// How a case that may have been merged away is named.
#[derive(Clone, Debug)]
pub enum MergedCase {
    Id(CaseId),
    Number(String),
}
