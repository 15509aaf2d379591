//! The figures the programme dashboards are drawn from, within the reader's office (or all
//! offices for national readers). They are aggregates: the pages hide small cells from viewers.

use domain::authz::{Action, Actor, Resource, authorize};
use store::{
    AnswerTime, CaseCount, FollowUpFacts, ItemMean, ReferralFilter, ReferralRecord, SurveySummary,
};

use crate::{App, Error};

fn may_read(actor: &Actor) -> Result<(), Error> {
    Ok(authorize(
        actor,
        Action::ReadAggregates,
        Resource::Programme,
    )?)
}

/// Cases by office, stage and sex.
pub async fn caseload(app: &App, actor: &Actor) -> Result<Vec<CaseCount>, Error> {
    may_read(actor)?;
    Ok(app.store.case_counts(actor.office).await?)
}

/// Survey scores per round, in the support bands `bands` (the scoring model's limits).
pub async fn survey_summary(
    app: &App,
    actor: &Actor,
    bands: (f64, f64),
) -> Result<SurveySummary, Error> {
    may_read(actor)?;
    Ok(app.store.survey_summary(actor.office, bands).await?)
}

/// Referrals, for counting by status and provider.
pub async fn referrals(app: &App, actor: &Actor) -> Result<Vec<ReferralRecord>, Error> {
    may_read(actor)?;
    Ok(app
        .store
        .referrals(&ReferralFilter {
            office: actor.office,
            ..Default::default()
        })
        .await?)
}

/// The follow-up facts of every open case, for visits running late.
pub async fn follow_up_facts(app: &App, actor: &Actor) -> Result<Vec<FollowUpFacts>, Error> {
    may_read(actor)?;
    Ok(app.store.follow_up_facts(actor.office).await?)
}

/// Mean answers to each survey question by province of return.
pub async fn item_means(app: &App, actor: &Actor) -> Result<Vec<ItemMean>, Error> {
    may_read(actor)?;
    Ok(app.store.item_means(actor.office).await?)
}

/// When sent referrals were first answered, for providers' time to answer.
pub async fn answer_times(app: &App, actor: &Actor) -> Result<Vec<AnswerTime>, Error> {
    may_read(actor)?;
    Ok(app.store.answer_times(actor.office).await?)
}
