//! Spot checks: the recent records a check may draw from, the checks drawn and what the
//! verifier found for each item.

use async_trait::async_trait;
use domain::me::spot_checks::{SpotDesign, SpotOutcome};
use domain::{CaseId, OfficeId, UserId};
use time::{Date, OffsetDateTime};

use crate::{AuditContext, NewEntry, Result};

/// A record that may be checked: a disbursement (a pathway entry) or a survey (a submission).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpotItem {
    pub item: uuid::Uuid,
    pub case: CaseId,
    pub date: Date,
    pub recorded_by: Option<UserId>,
}

#[derive(Clone, Debug)]
pub struct NewSpotCheck {
    pub id: uuid::Uuid,
    pub office: Option<OfficeId>,
    pub design: SpotDesign,
    pub population: usize,
    pub seed: u64,
    pub created_by: UserId,
    pub created_on: Date,
}

#[derive(Clone, Debug, PartialEq)]
pub struct SpotCheckRecord {
    pub id: uuid::Uuid,
    pub office: Option<OfficeId>,
    pub office_code: Option<String>,
    pub design: SpotDesign,
    pub population: usize,
    pub seed: u64,
    pub created_by_name: String,
    pub created_on: Date,
    pub created_at: OffsetDateTime,
}

/// An item of a check, with what was found.
#[derive(Clone, Debug, PartialEq)]
pub struct SpotCheckItem {
    pub check: uuid::Uuid,
    pub item: SpotItem,
    pub case_number: String,
    pub office_code: String,
    pub recorded_by_name: Option<String>,
    pub outcome: SpotOutcome,
    pub note: Option<String>,
    pub verified_by_name: Option<String>,
}

#[async_trait]
pub trait SpotCheckStore: Send + Sync + 'static {
    /// The records of a kind dated on or after `since`, in an office or all, by id.
    async fn spot_check_frame(
        &self,
        office: Option<OfficeId>,
        kind: domain::me::spot_checks::SpotKind,
        since: Date,
    ) -> Result<Vec<SpotItem>>;
    /// Stores a check with the items drawn, audited in the same transaction.
    async fn create_spot_check(
        &self,
        check: NewSpotCheck,
        items: Vec<SpotItem>,
        audit: AuditContext,
    ) -> Result<SpotCheckRecord>;
    /// Checks drawn in an office (every office's for `None`), newest first.
    async fn spot_checks(&self, office: Option<OfficeId>) -> Result<Vec<SpotCheckRecord>>;
    async fn spot_check(&self, id: uuid::Uuid) -> Result<Option<SpotCheckRecord>>;
    /// A check's items, by case number.
    async fn spot_check_items(&self, id: uuid::Uuid) -> Result<Vec<SpotCheckItem>>;
    /// Records what the verifier found, with the task it raises (a discrepancy's) written to
    /// the case's journal in the same transaction. [`crate::StoreError::NotFound`] for an item
    /// not in the check; [`crate::StoreError::Conflict`] when it was already verified.
    async fn verify_spot_item(
        &self,
        check: uuid::Uuid,
        item: uuid::Uuid,
        outcome: SpotOutcome,
        note: Option<String>,
        task: Option<NewEntry>,
        audit: AuditContext,
    ) -> Result<()>;
}
