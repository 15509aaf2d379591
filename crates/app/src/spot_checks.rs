//! Spot checks (Module 5): a programme manager draws a random share of recent disbursements
//! or completed surveys; a verifier who did not record the item asks the returnee and records
//! what they found. A discrepancy raises a task on the case; the rates per office and per
//! recorder show where records need a closer look.

use std::collections::BTreeMap;

use domain::authz::{Action, Actor, Resource, authorize};
use domain::me::spot_checks::{
    DiscrepancyRate, SpotDesign, SpotOutcome, check_verification, draw as draw_items, rates,
};
use domain::pathway::{SPOT_CHECK_TASK_DAYS, TaskKind};
use store::{AuditContext, EntryKind, NewSpotCheck, SpotCheckItem, SpotCheckRecord, TaskBody};

use crate::{App, Error, ErrorKind};

/// A check with its items and rates.
pub struct SpotCheckView {
    pub record: SpotCheckRecord,
    pub items: Vec<SpotCheckItem>,
    /// By the office of the item's case.
    pub by_office: BTreeMap<String, DiscrepancyRate>,
    /// By the person who recorded the item.
    pub by_recorder: BTreeMap<String, DiscrepancyRate>,
    pub overall: DiscrepancyRate,
}

/// Draws a check: the design checked, the recent records read, a random share drawn from a
/// fresh seed and stored with it, in one audited write.
pub async fn draw(
    app: &App,
    actor: &Actor,
    kind: &str,
    share: &str,
    days: &str,
) -> Result<SpotCheckView, Error> {
    authorize(actor, Action::ManageProgramme, Resource::Programme)?;
    let design = SpotDesign::read(kind, share, days).map_err(Error::validation)?;
    let since = app.today() - time::Duration::days(i64::from(design.days));
    let frame = app
        .store
        .spot_check_frame(actor.office, design.kind, since)
        .await?;
    if frame.is_empty() {
        return Err(Error::invalid("kind", "error-spot-nothing"));
    }
    let seed = rand::random::<u64>();
    let drawn = draw_items(&frame, &design, seed);
    let record = app
        .store
        .create_spot_check(
            NewSpotCheck {
                id: uuid::Uuid::new_v4(),
                office: actor.office,
                design,
                population: frame.len(),
                seed,
                created_by: actor.user_id,
                created_on: app.today(),
            },
            drawn,
            AuditContext::by(actor.user_id, app.now()),
        )
        .await?;
    view(app, record).await
}

/// The checks of the actor's office (every office's for national staff), newest first.
pub async fn checks(app: &App, actor: &Actor) -> Result<Vec<SpotCheckView>, Error> {
    authorize(actor, Action::ManageProgramme, Resource::Programme)?;
    let mut out = Vec::new();
    for record in app.store.spot_checks(actor.office).await? {
        out.push(view(app, record).await?);
    }
    Ok(out)
}

pub async fn check(app: &App, actor: &Actor, id: &str) -> Result<SpotCheckView, Error> {
    authorize(actor, Action::ManageProgramme, Resource::Programme)?;
    view(app, in_scope(app, actor, id).await?).await
}

/// Records what the verifier found about one item. A discrepancy needs a note and raises a
/// task on the case, due in two weeks; nobody verifies an item they recorded.
pub async fn verify(
    app: &App,
    actor: &Actor,
    check: &str,
    item: &str,
    outcome: &str,
    note: &str,
) -> Result<(), Error> {
    authorize(actor, Action::ManageProgramme, Resource::Programme)?;
    let record = in_scope(app, actor, check).await?;
    let item_id: uuid::Uuid = item.parse().map_err(|_| Error::new(ErrorKind::NotFound))?;
    let item = app
        .store
        .spot_check_items(record.id)
        .await?
        .into_iter()
        .find(|i| i.item.item == item_id)
        .ok_or(Error::new(ErrorKind::NotFound))?;
    let outcome = check_verification(outcome, note, actor.user_id, item.item.recorded_by)
        .map_err(Error::validation)?;
    let task = if outcome == SpotOutcome::Discrepancy {
        let body = TaskBody {
            kind: TaskKind::SpotCheckDiscrepancy,
            source: Some(item_id),
        };
        let due = app.today() + time::Duration::days(SPOT_CHECK_TASK_DAYS);
        Some(crate::pathway::new_entry(
            item.item.case,
            EntryKind::Task,
            due,
            &body,
            true,
        )?)
    } else {
        None
    };
    let note = Some(note.trim().to_string()).filter(|n| !n.is_empty());
    app.store
        .verify_spot_item(
            record.id,
            item_id,
            outcome,
            note,
            task,
            AuditContext::by(actor.user_id, app.now()),
        )
        .await?;
    Ok(())
}

async fn in_scope(app: &App, actor: &Actor, id: &str) -> Result<SpotCheckRecord, Error> {
    let id: uuid::Uuid = id.parse().map_err(|_| Error::new(ErrorKind::NotFound))?;
    let record = app
        .store
        .spot_check(id)
        .await?
        .ok_or(Error::new(ErrorKind::NotFound))?;
    match actor.office {
        Some(office) if record.office != Some(office) => Err(Error::new(ErrorKind::NotFound)),
        _ => Ok(record),
    }
}

async fn view(app: &App, record: SpotCheckRecord) -> Result<SpotCheckView, Error> {
    let items = app.store.spot_check_items(record.id).await?;
    let by_office = rates(items.iter().map(|i| (i.office_code.as_str(), i.outcome)));
    let by_recorder = rates(
        items
            .iter()
            .map(|i| (i.recorded_by_name.as_deref().unwrap_or("–"), i.outcome)),
    );
    let overall = rates(items.iter().map(|i| ("", i.outcome)))
        .remove("")
        .unwrap_or_default();
    Ok(SpotCheckView {
        record,
        items,
        by_office,
        by_recorder,
        overall,
    })
}

/// Rates over every item of the checks given, by office and by recorder: what the list of
/// checks shows.
pub fn rates_across(
    views: &[SpotCheckView],
) -> (
    BTreeMap<String, DiscrepancyRate>,
    BTreeMap<String, DiscrepancyRate>,
) {
    let items = || views.iter().flat_map(|v| &v.items);
    (
        rates(items().map(|i| (i.office_code.as_str(), i.outcome))),
        rates(items().map(|i| (i.recorded_by_name.as_deref().unwrap_or("–"), i.outcome))),
    )
}
