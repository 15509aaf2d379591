//! The programme's own settings for the individual pathway: the feasibility grid (Annex 5),
//! the follow-up rhythm and which offices let staff approve their own work.

use domain::OfficeId;
use domain::authz::{Action, Actor, Resource, authorize};
use domain::language::Digits;
use domain::pathway::feasibility::GridApproach;
use domain::pathway::followup::FollowUpConfig;
use store::{AuditContext, setting};

use crate::{App, Error};

/// Adds an approach to the grid, or replaces the one with the same key (keeping where the
/// replaced one came from).
pub async fn save_grid_approach(
    app: &App,
    actor: &Actor,
    mut approach: GridApproach,
) -> Result<(), Error> {
    authorize(actor, Action::ManageProgramme, Resource::Programme)?;
    let existing = app.store.feasibility_grid().await?;
    if let Some(old) = existing.iter().find(|a| a.key == approach.key) {
        approach.source = old.source.clone();
        // The grid's page does not edit what an approach becomes in a plan: keep it.
        approach.plan_kind = approach.plan_kind.or(old.plan_kind);
        approach.plan_modality = approach.plan_modality.or(old.plan_modality);
    }
    approach.check(app.today()).map_err(Error::validation)?;
    app.store
        .save_grid_approach(approach, AuditContext::by(actor.user_id, app.now()))
        .await?;
    Ok(())
}

/// Sets the follow-up rhythm and, for the offices in the actor's scope, whether staff may
/// approve their own plans and closures (`self_approval` lists the offices that may). Only what
/// changed is written, each with its audit entry.
pub async fn save_settings(
    app: &App,
    actor: &Actor,
    config: FollowUpConfig,
    self_approval: &[OfficeId],
    currency: &str,
    digits: &str,
) -> Result<(), Error> {
    authorize(actor, Action::ManageProgramme, Resource::Programme)?;
    let mut problems = config.check().err().unwrap_or_default();
    let currency = currency.trim().to_uppercase();
    if !currency.is_empty() && !domain::money::is_currency_code(&currency) {
        problems.add("programme_currency", "error-currency");
    }
    // Not given: left as it is.
    let digits = match digits.trim() {
        "" => None,
        d => Digits::parse(d).ok_or(()).map(Some).unwrap_or_else(|()| {
            problems.add("programme_digits", "error-choice");
            None
        }),
    };
    if !problems.is_empty() {
        return Err(Error::validation(problems));
    }
    let now = app.now();
    if let Some(digits) = digits
        && arabic_digits(app).await? != digits
    {
        app.store
            .set_setting(
                setting::DIGITS,
                digits.as_str().to_string(),
                AuditContext::by(actor.user_id, now),
            )
            .await?;
    }
    if app
        .store
        .setting(setting::CURRENCY)
        .await?
        .unwrap_or_default()
        != currency
    {
        app.store
            .set_setting(
                setting::CURRENCY,
                currency,
                AuditContext::by(actor.user_id, now),
            )
            .await?;
    }
    let value = serde_json::to_string(&config).map_err(Error::internal)?;
    if app.store.setting(setting::FOLLOW_UP).await?.as_deref() != Some(value.as_str()) {
        app.store
            .set_setting(
                setting::FOLLOW_UP,
                value,
                AuditContext::by(actor.user_id, now),
            )
            .await?;
    }
    for o in app.store.list_offices().await? {
        if actor.office.is_some_and(|mine| mine != o.id) {
            continue;
        }
        let on = self_approval.contains(&o.id);
        if on != o.self_approval {
            app.store
                .set_office_self_approval(o.id, on, AuditContext::by(actor.user_id, now))
                .await?;
        }
    }
    Ok(())
}

/// The programme's currency code, empty until set: amounts are shown with it.
pub async fn currency(app: &App) -> Result<String, Error> {
    Ok(app
        .store
        .setting(setting::CURRENCY)
        .await?
        .unwrap_or_default())
}

/// How pages in Arabic write digits; Western until the programme chooses.
pub async fn arabic_digits(app: &App) -> Result<Digits, Error> {
    Ok(app
        .store
        .setting(setting::DIGITS)
        .await?
        .and_then(|d| Digits::parse(&d))
        .unwrap_or(Digits::Western))
}

/// The unmet needs recorded in the actor's office (or all), without names: the gaps the
/// programme page lists.
pub async fn unmet_needs(app: &App, actor: &Actor) -> Result<Vec<store::UnmetNeedRow>, Error> {
    authorize(actor, Action::ManageProgramme, Resource::Programme)?;
    Ok(app.store.unmet_needs(actor.office).await?)
}
