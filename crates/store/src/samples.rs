//! Monitoring samples: who may be sampled (the frame), the samples drawn and their members
//! with what became of each.

use async_trait::async_trait;
use domain::me::samples::{Coverage, Design, FrameCase};
use domain::{CaseId, OfficeId, UserId};
use time::{Date, OffsetDateTime};

use crate::{AuditContext, CaseSummary, Result};

/// A sample about to be stored, with its first draw.
#[derive(Clone, Debug)]
pub struct NewSample {
    pub id: uuid::Uuid,
    /// The office whose returnees were sampled; `None` for every office.
    pub office: Option<OfficeId>,
    pub label: String,
    pub design: Design,
    pub population: usize,
    pub size: usize,
    pub seed: u64,
    pub created_by: UserId,
    pub created_on: Date,
}

/// A stored sample.
#[derive(Clone, Debug, PartialEq)]
pub struct SampleRecord {
    pub id: uuid::Uuid,
    pub office: Option<OfficeId>,
    pub office_code: Option<String>,
    pub label: String,
    pub design: Design,
    pub population: usize,
    pub size: usize,
    pub seed: u64,
    pub created_by_name: String,
    pub created_on: Date,
    pub created_at: OffsetDateTime,
}

/// A sampled returnee.
#[derive(Clone, Debug)]
pub struct SampledCase {
    pub sample: uuid::Uuid,
    pub case: CaseSummary,
    /// What decides who may work on the case.
    pub office: OfficeId,
    pub case_manager: Option<UserId>,
    pub stratum: String,
    pub draw: u32,
    /// What was recorded (pending until someone records otherwise).
    pub recorded: Coverage,
    /// Whether a scored survey of the sample's round was made on or after the day of the draw.
    pub surveyed: bool,
}

#[async_trait]
pub trait SampleStore: Send + Sync + 'static {
    /// The returnees a sample may be drawn from, in an office or all: consent to case
    /// management in force, and no refusal or withdrawal of consent to monitoring.
    async fn sampling_frame(&self, office: Option<OfficeId>) -> Result<Vec<FrameCase>>;
    /// Stores a sample with its first draw (draw 0), audited in the same transaction.
    async fn create_sample(
        &self,
        sample: NewSample,
        members: Vec<(CaseId, String)>,
        audit: AuditContext,
    ) -> Result<SampleRecord>;
    /// Samples drawn in an office (those of every office for `None`), newest first.
    async fn samples(&self, office: Option<OfficeId>) -> Result<Vec<SampleRecord>>;
    async fn sample(&self, id: uuid::Uuid) -> Result<Option<SampleRecord>>;
    /// A sample's members, by draw then case number.
    async fn sample_members(&self, id: uuid::Uuid) -> Result<Vec<SampledCase>>;
    /// Adds the members of a top-up (`draw` 1, 2…), audited in the same transaction.
    async fn add_sample_members(
        &self,
        id: uuid::Uuid,
        draw: u32,
        members: Vec<(CaseId, String)>,
        audit: AuditContext,
    ) -> Result<()>;
    /// Records what became of a member; [`crate::StoreError::NotFound`] when the case is not in
    /// the sample.
    async fn set_sample_coverage(
        &self,
        id: uuid::Uuid,
        case: CaseId,
        coverage: Coverage,
        audit: AuditContext,
    ) -> Result<()>;
    /// The sampled returnees of the cases a user manages, in every sample.
    async fn sampled_cases_of(&self, case_manager: UserId) -> Result<Vec<SampledCase>>;
}
