//! The monitoring and evaluation parts of the `Store` API (figures counted in the database,
//! monitoring samples, spot checks) on both engines.
//!
//! Samples, spot checks, the records behind a figure and the answer times run the same SQL on
//! both. The figures read over every survey do not (see [`super::me`]): on SQLite they are the
//! merged scans of `crate::sqlite::me`, on PostgreSQL the grouped queries and batches of
//! `super::me::{indicators, dashboards, outcomes}`, each written out below for its engine.

use domain::me::outcomes::ReturneeFacts;
use domain::me::samples::{Coverage, FrameCase};
use domain::me::spot_checks::{SpotKind, SpotOutcome};
use domain::rss::Round;
use domain::{CaseId, OfficeId, UserId};
use time::Date;

use super::me::{dashboards, indicators, outcomes, samples, spot_checks};
use super::tallies::{self, FromTallies};
use super::{now, on_both_engines};
use crate::model::*;
use crate::sqlite::{Lite, me};
use crate::{
    AuditContext, NewEntry, NewSample, NewSpotCheck, Result, ResultStore, SampleRecord,
    SampleStore, SampledCase, SpotCheckItem, SpotCheckRecord, SpotCheckStore, SpotItem, StoreError,
};

on_both_engines! {
    impl ResultStore {
        read fn answer_times(&self, office: Option<OfficeId>) -> Result<Vec<AnswerTime>> =
            |db| dashboards::answer_times(db, *office);
        read fn verify_tallies(&self) -> Result<Vec<TallyDifference>> =
            |db| tallies::verify(db);
        write_blocking fn rebuild_tallies(&self) -> Result<()> = |db| tallies::build(db);
        write fn fold_tallies(&self) -> Result<u64> = |db| tallies::fold(db);
    }
    sqlite {
        // Survey figures by the merge of surveys and cases in case order; the others by the
        // grouped query both engines share.
        async fn tallies(&self, query: &TallyQuery) -> Result<Vec<TallyRow>> {
            let query = query.clone();
            self.read(move |c| me::tallies(c, &query)).await
        }
        async fn indicator_figures(&self, query: &TallyQuery) -> Result<TallyAnswer> {
            let query = query.clone();
            self.read(move |c| match now(tallies::figures(&Lite(c), &query))? {
                FromTallies::No(reason) => Ok(TallyAnswer {
                    rows: me::tallies(c, &query)?,
                    counted: Counted::Records { reason },
                }),
                FromTallies::Figures { rows, recount } => {
                    let mut again = Vec::new();
                    for q in &recount {
                        again.extend(me::tallies(c, q)?);
                    }
                    Ok(tallies::answer(rows, &recount, again))
                }
            })
            .await
        }
        async fn survey_summary(
            &self,
            office: Option<OfficeId>,
            bands: (f64, f64),
        ) -> Result<SurveySummary> {
            self.read(move |c| me::survey_summary(c, office, bands)).await
        }
        async fn follow_up_facts(&self, office: Option<OfficeId>) -> Result<Vec<FollowUpFacts>> {
            self.read(move |c| me::follow_up_facts(c, office)).await
        }
        async fn item_means(&self, office: Option<OfficeId>) -> Result<Vec<ItemMean>> {
            self.read(move |c| me::item_means(c, office)).await
        }
        async fn visit_outcome_facts(
            &self,
            office: Option<OfficeId>,
            rounds: &[Round],
            visit: Box<dyn FnMut(ReturneeFacts) + Send>,
        ) -> Result<()> {
            self.merged_outcome_facts(office, rounds, visit).await
        }
        async fn tally_cases(
            &self,
            query: &TallyQuery,
            period: &str,
            group: Option<&str>,
            limit: u32,
        ) -> Result<Vec<CaseId>> {
            let (query, period) = (query.clone(), period.to_string());
            let group = group.map(str::to_string);
            self.read(move |c| {
                now(indicators::tally_cases(
                    &Lite(c),
                    &query,
                    &period,
                    group.as_deref(),
                    limit,
                ))
            })
            .await
        }
    }
    postgres {
        async fn tallies(&self, query: &TallyQuery) -> Result<Vec<TallyRow>> {
            self.read(query, |db, q| Box::pin(indicators::tallies(db, q)))
                .await
        }
        async fn indicator_figures(&self, query: &TallyQuery) -> Result<TallyAnswer> {
            self.read(query, |db, q| {
                Box::pin(async move {
                    match tallies::figures(db, q).await? {
                        FromTallies::No(reason) => Ok(TallyAnswer {
                            rows: indicators::tallies(db, q).await?,
                            counted: Counted::Records { reason },
                        }),
                        FromTallies::Figures { rows, recount } => {
                            let mut again = Vec::new();
                            for q in &recount {
                                again.extend(indicators::tallies(db, q).await?);
                            }
                            Ok(tallies::answer(rows, &recount, again))
                        }
                    }
                })
            })
            .await
        }
        async fn survey_summary(
            &self,
            office: Option<OfficeId>,
            bands: (f64, f64),
        ) -> Result<SurveySummary> {
            self.read((), move |db, ()| {
                Box::pin(dashboards::survey_summary(db, office, bands))
            })
            .await
        }
        async fn follow_up_facts(&self, office: Option<OfficeId>) -> Result<Vec<FollowUpFacts>> {
            self.read((), move |db, ()| {
                Box::pin(dashboards::follow_up_facts(db, office))
            })
            .await
        }
        async fn item_means(&self, office: Option<OfficeId>) -> Result<Vec<ItemMean>> {
            self.read((), move |db, ()| Box::pin(dashboards::item_means(db, office)))
                .await
        }
        async fn visit_outcome_facts(
            &self,
            office: Option<OfficeId>,
            rounds: &[Round],
            visit: Box<dyn FnMut(ReturneeFacts) + Send>,
        ) -> Result<()> {
            // The read takes its arguments by shared reference: the visitor is reached through
            // a lock, taken for one returnee at a time and never held across a statement.
            let visit = std::sync::Mutex::new(visit);
            let each = |facts: ReturneeFacts| -> Result<()> {
                let mut visit = visit
                    .lock()
                    .map_err(|_| StoreError::Database("a visit of outcome facts failed".into()))?;
                visit(facts);
                Ok(())
            };
            self.read((rounds, each), move |db, (rounds, each)| {
                Box::pin(outcomes::visit_outcome_facts(db, office, rounds, each))
            })
            .await
        }
        async fn tally_cases(
            &self,
            query: &TallyQuery,
            period: &str,
            group: Option<&str>,
            limit: u32,
        ) -> Result<Vec<CaseId>> {
            self.read((query, period, group), move |db, (q, period, group)| {
                Box::pin(indicators::tally_cases(db, q, period, *group, limit))
            })
            .await
        }
    }
}

on_both_engines! {
    impl SampleStore {
        write fn create_sample(
            &self,
            sample: NewSample,
            members: Vec<(CaseId, String)>,
            audit: AuditContext,
        ) -> Result<SampleRecord> = |db| samples::create(db, sample, members, audit);
        read fn samples(&self, office: Option<OfficeId>) -> Result<Vec<SampleRecord>> =
            |db| samples::samples(db, *office);
        read fn sample(&self, id: uuid::Uuid) -> Result<Option<SampleRecord>> =
            |db| samples::sample(db, *id);
        read fn sample_members(&self, id: uuid::Uuid) -> Result<Vec<SampledCase>> =
            |db| samples::sample_members(db, *id);
        write fn add_sample_members(
            &self,
            id: uuid::Uuid,
            draw: u32,
            members: Vec<(CaseId, String)>,
            audit: AuditContext,
        ) -> Result<()> = |db| samples::add_members(db, *id, *draw, members, audit);
        write fn set_sample_coverage(
            &self,
            id: uuid::Uuid,
            case: CaseId,
            coverage: Coverage,
            audit: AuditContext,
        ) -> Result<()> = |db| samples::set_coverage(db, *id, *case, *coverage, audit);
        read fn sampled_cases_of(&self, case_manager: UserId) -> Result<Vec<SampledCase>> =
            |db| samples::sampled_cases_of(db, *case_manager);
    }
    sqlite {
        // The assistance tables read whole in case order and matched in memory.
        async fn sampling_frame(&self, office: Option<OfficeId>) -> Result<Vec<FrameCase>> {
            self.read(move |c| {
                let (ids, mut out) = now(samples::frame_cases(&Lite(c), office))?;
                me::assistance_received(c, &ids, |i, kind| {
                    out[i].assistance.insert(kind);
                })?;
                Ok(out)
            })
            .await
        }
    }
    postgres {
        // The assistance read a range of cases at a time.
        async fn sampling_frame(&self, office: Option<OfficeId>) -> Result<Vec<FrameCase>> {
            self.read((), move |db, ()| Box::pin(samples::frame(db, office)))
                .await
        }
    }
}

on_both_engines! {
    impl SpotCheckStore {
        read fn spot_check_frame(
            &self,
            office: Option<OfficeId>,
            kind: SpotKind,
            since: Date,
        ) -> Result<Vec<SpotItem>> = |db| spot_checks::frame(db, *office, *kind, *since);
        write fn create_spot_check(
            &self,
            check: NewSpotCheck,
            items: Vec<SpotItem>,
            audit: AuditContext,
        ) -> Result<SpotCheckRecord> = |db| spot_checks::create(db, check, items, audit);
        read fn spot_checks(&self, office: Option<OfficeId>) -> Result<Vec<SpotCheckRecord>> =
            |db| spot_checks::checks(db, *office);
        read fn spot_check(&self, id: uuid::Uuid) -> Result<Option<SpotCheckRecord>> =
            |db| spot_checks::check(db, *id);
        read fn spot_check_items(&self, id: uuid::Uuid) -> Result<Vec<SpotCheckItem>> =
            |db| spot_checks::items(db, *id);
        write fn verify_spot_item(
            &self,
            check: uuid::Uuid,
            item: uuid::Uuid,
            outcome: SpotOutcome,
            note: Option<String>,
            task: Option<NewEntry>,
            audit: AuditContext,
        ) -> Result<()> =
            |db| spot_checks::verify(db, *check, *item, *outcome, note, task, audit);
    }
}
