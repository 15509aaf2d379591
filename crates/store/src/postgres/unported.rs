//! The parts of the store not yet written against `crate::sql::Db`: on PostgreSQL they answer
//! that they are not available yet. Each part leaves this file when its SQL moves to `sql/`.
#![allow(unused_variables)]

use crate::*;
use async_trait::async_trait;
use domain::me::samples::{Coverage, FrameCase};
use domain::me::spot_checks::SpotOutcome;
use domain::{CaseId, OfficeId, UserId};
use time::Date;

use super::PgStore;

/// The parts of the store that do not run on PostgreSQL yet, named for the operator; empty
/// once every part does.
pub(super) const PARTS: &[&str] = &["ResultStore", "SampleStore", "SpotCheckStore"];

fn unported(part: &str) -> StoreError {
    StoreError::Database(format!("{part} is not available on PostgreSQL yet"))
}

#[async_trait]
impl ResultStore for PgStore {
    async fn tallies(&self, query: &TallyQuery) -> Result<Vec<TallyRow>> {
        Err(unported("ResultStore"))
    }
    async fn survey_summary(
        &self,
        office: Option<OfficeId>,
        bands: (f64, f64),
    ) -> Result<SurveySummary> {
        Err(unported("ResultStore"))
    }
    async fn follow_up_facts(&self, office: Option<OfficeId>) -> Result<Vec<FollowUpFacts>> {
        Err(unported("ResultStore"))
    }
    async fn item_means(&self, office: Option<OfficeId>) -> Result<Vec<ItemMean>> {
        Err(unported("ResultStore"))
    }
    async fn answer_times(&self, office: Option<OfficeId>) -> Result<Vec<AnswerTime>> {
        Err(unported("ResultStore"))
    }
    async fn visit_outcome_facts(
        &self,
        office: Option<OfficeId>,
        rounds: &[domain::rss::Round],
        visit: Box<dyn FnMut(domain::me::outcomes::ReturneeFacts) + Send>,
    ) -> Result<()> {
        Err(unported("ResultStore"))
    }
    async fn tally_cases(
        &self,
        query: &TallyQuery,
        period: &str,
        group: Option<&str>,
        limit: u32,
    ) -> Result<Vec<CaseId>> {
        Err(unported("ResultStore"))
    }
}

#[async_trait]
impl SampleStore for PgStore {
    async fn sampling_frame(&self, office: Option<OfficeId>) -> Result<Vec<FrameCase>> {
        Err(unported("SampleStore"))
    }
    async fn create_sample(
        &self,
        sample: NewSample,
        members: Vec<(CaseId, String)>,
        audit: AuditContext,
    ) -> Result<SampleRecord> {
        Err(unported("SampleStore"))
    }
    async fn samples(&self, office: Option<OfficeId>) -> Result<Vec<SampleRecord>> {
        Err(unported("SampleStore"))
    }
    async fn sample(&self, id: uuid::Uuid) -> Result<Option<SampleRecord>> {
        Err(unported("SampleStore"))
    }
    async fn sample_members(&self, id: uuid::Uuid) -> Result<Vec<SampledCase>> {
        Err(unported("SampleStore"))
    }
    async fn add_sample_members(
        &self,
        id: uuid::Uuid,
        draw: u32,
        members: Vec<(CaseId, String)>,
        audit: AuditContext,
    ) -> Result<()> {
        Err(unported("SampleStore"))
    }
    async fn set_sample_coverage(
        &self,
        id: uuid::Uuid,
        case: CaseId,
        coverage: Coverage,
        audit: AuditContext,
    ) -> Result<()> {
        Err(unported("SampleStore"))
    }
    async fn sampled_cases_of(&self, case_manager: UserId) -> Result<Vec<SampledCase>> {
        Err(unported("SampleStore"))
    }
}

#[async_trait]
impl SpotCheckStore for PgStore {
    async fn spot_check_frame(
        &self,
        office: Option<OfficeId>,
        kind: domain::me::spot_checks::SpotKind,
        since: Date,
    ) -> Result<Vec<SpotItem>> {
        Err(unported("SpotCheckStore"))
    }
    async fn create_spot_check(
        &self,
        check: NewSpotCheck,
        items: Vec<SpotItem>,
        audit: AuditContext,
    ) -> Result<SpotCheckRecord> {
        Err(unported("SpotCheckStore"))
    }
    async fn spot_checks(&self, office: Option<OfficeId>) -> Result<Vec<SpotCheckRecord>> {
        Err(unported("SpotCheckStore"))
    }
    async fn spot_check(&self, id: uuid::Uuid) -> Result<Option<SpotCheckRecord>> {
        Err(unported("SpotCheckStore"))
    }
    async fn spot_check_items(&self, id: uuid::Uuid) -> Result<Vec<SpotCheckItem>> {
        Err(unported("SpotCheckStore"))
    }
    async fn verify_spot_item(
        &self,
        check: uuid::Uuid,
        item: uuid::Uuid,
        outcome: SpotOutcome,
        note: Option<String>,
        task: Option<NewEntry>,
        audit: AuditContext,
    ) -> Result<()> {
        Err(unported("SpotCheckStore"))
    }
}
