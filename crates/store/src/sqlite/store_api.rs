//! The store's traits implemented for SQLite only (`ResultStore`, delegating to `me`): each
//! method one read (the long one on a blocking thread); the parts already shared by both
//! engines are in `crate::sql`.

use super::*;

#[async_trait]
impl ResultStore for SqliteStore {
    async fn tallies(&self, query: &TallyQuery) -> Result<Vec<TallyRow>> {
        let query = query.clone();
        self.read(move |c| me::tallies(c, &query)).await
    }
    async fn survey_summary(
        &self,
        office: Option<OfficeId>,
        bands: (f64, f64),
    ) -> Result<SurveySummary> {
        self.read(move |c| me::survey_summary(c, office, bands))
            .await
    }
    async fn follow_up_facts(&self, office: Option<OfficeId>) -> Result<Vec<FollowUpFacts>> {
        self.read(move |c| me::follow_up_facts(c, office)).await
    }
    async fn visit_outcome_facts(
        &self,
        office: Option<OfficeId>,
        rounds: &[domain::rss::Round],
        mut visit: Box<dyn FnMut(domain::me::outcomes::ReturneeFacts) + Send>,
    ) -> Result<()> {
        let (readers, rounds) = (self.readers.clone(), rounds.to_vec());
        // A long read: on a blocking thread, which reads with a second of its own.
        tokio::task::spawn_blocking(move || {
            me::visit_outcome_facts(&readers, office, &rounds, &mut visit)
        })
        .await
        .map_err(|e| StoreError::Database(e.to_string()))?
    }
    async fn item_means(&self, office: Option<OfficeId>) -> Result<Vec<ItemMean>> {
        self.read(move |c| me::item_means(c, office)).await
    }
    async fn answer_times(&self, office: Option<OfficeId>) -> Result<Vec<AnswerTime>> {
        self.read(move |c| me::answer_times(c, office)).await
    }
    async fn tally_cases(
        &self,
        query: &TallyQuery,
        period: &str,
        group: Option<&str>,
        limit: u32,
    ) -> Result<Vec<CaseId>> {
        let query = query.clone();
        let period = period.to_string();
        let group = group.map(str::to_string);
        self.read(move |c| me::tally_cases(c, &query, &period, group.as_deref(), limit))
            .await
    }
}
