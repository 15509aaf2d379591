//! The merge part of the `Store` API (pairs found to be different people, the duplicates
//! queue, merging two cases and undoing it) on both engines.

use domain::CaseId;
use domain::authz::CaseListScope;

use super::{merges, on_both_engines, pairs};
use crate::{
    AuditContext, MergeRecord, MergeStore, MergedCase, NewMerge, PairSlice, QueuedPair, Result,
    ScanSummary,
};

on_both_engines! {
    impl MergeStore {
        write fn mark_distinct(&self, a: CaseId, b: CaseId, audit: AuditContext) -> Result<()> =
            |db| pairs::mark_distinct(db, *a, *b, audit);
        read fn known_distinct(&self, case: CaseId, others: Vec<CaseId>) -> Result<Vec<CaseId>> =
            |db| pairs::known_distinct(db, *case, others);
        read fn pairs_sharing_keys(
            &self,
            scope: CaseListScope,
            after: Option<String>,
            limit: usize,
        ) -> Result<PairSlice> = |db| pairs::sharing_keys(db, *scope, after.as_deref(), *limit);
        write_blocking fn record_duplicate_scan(
            &self,
            started_after: Option<String>,
            found: Vec<QueuedPair>,
            unlikely: Vec<(CaseId, CaseId)>,
            summary: ScanSummary,
        ) -> Result<bool> =
            |db| pairs::record_scan(db, started_after.as_deref(), found, unlikely, summary);
        read fn duplicate_queue(
            &self,
            scope: CaseListScope,
            limit: usize,
        ) -> Result<(Vec<QueuedPair>, Option<ScanSummary>)> =
            |db| pairs::queue(db, *scope, *limit);
        write fn merge_cases(&self, merge: NewMerge, audit: AuditContext) -> Result<MergeRecord> =
            |db| merges::merge(db, merge, audit);
        write fn undo_merge(&self, id: uuid::Uuid, audit: AuditContext) -> Result<MergeRecord> =
            |db| merges::undo(db, *id, audit);
        read fn merge(&self, id: uuid::Uuid) -> Result<Option<MergeRecord>> =
            |db| merges::get(db, *id);
        read fn merge_of(&self, case: MergedCase) -> Result<Option<MergeRecord>> =
            |db| merges::merge_of(db, case);
        read fn merges_into(&self, survivor: CaseId) -> Result<Vec<MergeRecord>> =
            |db| merges::into(db, *survivor);
    }
}
