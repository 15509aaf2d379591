//! Figures counted in the database: indicator tallies, the dashboards' summaries and what
//! "what works" compares.

use async_trait::async_trait;
use domain::{CaseId, OfficeId};

use crate::{
    AnswerTime, FollowUpFacts, ItemMean, Result, SurveySummary, TallyAnswer, TallyDifference,
    TallyQuery, TallyRow,
};

/// Figures counted in the database: indicator tallies and the dashboards' summaries.
#[async_trait]
pub trait ResultStore: Send + Sync + 'static {
    /// An indicator's figures per period (and group of an axis), counted in the database.
    /// Sources kept outside the database's tables (participants, satisfaction, stakeholders)
    /// are counted by the caller.
    async fn tallies(&self, query: &TallyQuery) -> Result<Vec<TallyRow>>;
    /// The same figures read from the survey tallies where they keep them (no survey read),
    /// counted from the records otherwise, saying which.
    async fn indicator_figures(&self, query: &TallyQuery) -> Result<TallyAnswer>;
    /// Recounts the survey tallies from the records: the cells whose kept count differs (none
    /// when they are in step).
    async fn verify_tallies(&self) -> Result<Vec<TallyDifference>>;
    /// Builds the survey tallies again from the records.
    async fn rebuild_tallies(&self) -> Result<()>;
    /// Folds the changes to the survey tallies written since into their counts (figures are
    /// the same before and after); answers how many changes were folded.
    async fn fold_tallies(&self) -> Result<u64>;
    /// Per survey round, in an office or all: the average scores, the returnees per tenth of
    /// the composite score, and the returnees below, within and above `bands` (the scoring
    /// model's support-band limits).
    async fn survey_summary(
        &self,
        office: Option<OfficeId>,
        bands: (f64, f64),
    ) -> Result<SurveySummary>;
    /// The follow-up facts of every case not closed, in an office or all.
    async fn follow_up_facts(&self, office: Option<OfficeId>) -> Result<Vec<FollowUpFacts>>;
    /// Mean value of each survey question per province of return, from each returnee's latest
    /// survey, in an office or all.
    async fn item_means(&self, office: Option<OfficeId>) -> Result<Vec<ItemMean>>;
    /// Every sent referral with when it was sent and first answered, in an office or all.
    async fn answer_times(&self, office: Option<OfficeId>) -> Result<Vec<AnswerTime>>;
    /// Gives `visit` what "what works" compares about each returnee with a scored survey of
    /// one of `rounds`, in an office or all, one returnee at a time in case order (with their
    /// surveys of those rounds only): nothing is held for all of them at once, so a million
    /// returnees cost the memory of one. Runs off the request threads.
    async fn visit_outcome_facts(
        &self,
        office: Option<OfficeId>,
        rounds: &[domain::rss::Round],
        visit: Box<dyn FnMut(domain::me::outcomes::ReturneeFacts) + Send>,
    ) -> Result<()>;
    /// The cases behind one cell of [`Store::tallies`] (for a percentage, those meeting the
    /// indicator), at most `limit`.
    async fn tally_cases(
        &self,
        query: &TallyQuery,
        period: &str,
        group: Option<&str>,
        limit: u32,
    ) -> Result<Vec<CaseId>>;
}
