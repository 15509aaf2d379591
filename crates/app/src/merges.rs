//! One person, one case: remembering that two cases are different people, the duplicates queue
//! and its scan, merging two cases of one person, and undoing a merge. Pages, the API and the
//! nightly scan call these.

use std::collections::{BTreeMap, HashMap};

use domain::authz::{
    Action, Actor, CaseListScope, Resource, RestrictedVisibility, authorize, case_list_scope,
};
use domain::duplicates::merge::{PARTS, Side, default_side, differs, merged_profile};
use domain::duplicates::{Comparison, Prepared};
use domain::{CaseId, ValidationErrors};
use store::{AuditContext, CaseRecord, CaseUpdate, MergeRecord, MergedCase, NewMerge, QueuedPair};
use store::{ScanSummary, StoreError};

use crate::cases::{authorized_case, case_changes, parse_case_id};
use crate::{App, Error, ErrorKind};

/// A merge can be undone for this many days.
pub const UNDO_DAYS: i64 = 90;
/// A scan compares about this many pairs (whole keys of the duplicate check); the next scan
/// goes on from there.
pub const SCAN_PAIRS: usize = 50_000;
/// The queue shows at most this many pairs, the likeliest first.
pub const QUEUE_SHOWN: usize = 200;

/// Remembers that two cases the actor may read are different people, so that neither the
/// registration check nor the queue proposes them again.
pub async fn mark_distinct(app: &App, actor: &Actor, a: &str, b: &str) -> Result<(), Error> {
    let first = authorized_case(app, actor, a, Action::ReadCase).await?;
    let second = authorized_case(app, actor, b, Action::ReadCase).await?;
    if first.id == second.id {
        return Err(Error::with_detail(
            ErrorKind::BadRequest,
            "a case cannot be a different person from itself",
        ));
    }
    app.store
        .mark_distinct(
            first.id,
            second.id,
            AuditContext::by(actor.user_id, app.now()),
        )
        .await?;
    Ok(())
}

/// A pair in the queue, with both records and why they look alike.
pub struct PairView {
    pub first: CaseRecord,
    pub second: CaseRecord,
    pub comparison: Comparison,
}

pub struct Queue {
    pub pairs: Vec<PairView>,
    pub last_scan: Option<ScanSummary>,
}

/// The scope in which the actor handles duplicates: the offices they may merge in.
fn merge_scope(actor: &Actor) -> Result<CaseListScope, Error> {
    authorize(actor, Action::MergeCases, Resource::Programme)?;
    case_list_scope(actor).ok_or(Error::new(ErrorKind::Forbidden))
}

/// The duplicates queue of the actor's offices: likely pairs from the last scan, with the
/// evidence worked out again from the records as they are now.
pub async fn queue(app: &App, actor: &Actor) -> Result<Queue, Error> {
    let scope = merge_scope(actor)?;
    let (pairs, last_scan) = app.store.duplicate_queue(scope, QUEUE_SHOWN).await?;
    let mut out = Vec::new();
    for p in pairs {
        let (Ok(first), Ok(second)) = (
            app.store.case(p.first).await,
            app.store.case(p.second).await,
        ) else {
            continue;
        };
        let comparison = domain::duplicates::compare(&first.profile, &second.profile);
        if comparison.likely() {
            out.push(PairView {
                first,
                second,
                comparison,
            });
        }
    }
    Ok(Queue {
        pairs: out,
        last_scan,
    })
}

/// Asks for a scan now (a programme manager), instead of waiting for the nightly one.
pub async fn scan_now(app: &App, actor: &Actor) -> Result<ScanSummary, Error> {
    merge_scope(actor)?;
    scan(app).await
}

/// Compares the pairs of cases sharing a key of the duplicate check, at most about
/// [`SCAN_PAIRS`] a scan, going on from where the last scan stopped (from the first key again
/// once every key was scanned): likely pairs join the queue, pairs no longer likely leave it.
/// Run nightly by the server.
pub async fn scan(app: &App) -> Result<ScanSummary, Error> {
    let everyone = CaseListScope {
        office: None,
        restricted: RestrictedVisibility::All,
    };
    let resume = app
        .store
        .duplicate_queue(everyone, 1)
        .await?
        .1
        .and_then(|s| s.resume_after);
    let slice = app
        .store
        .pairs_sharing_keys(everyone, resume.clone(), SCAN_PAIRS)
        .await?;
    let mut prepared: HashMap<CaseId, Option<Prepared>> = HashMap::new();
    let (mut found, mut unlikely) = (Vec::new(), Vec::new());
    for (a, b) in &slice.pairs {
        for id in [a, b] {
            if !prepared.contains_key(id) {
                let p = match app.store.case(*id).await {
                    Ok(case) => Some(Prepared::of(&case.profile)),
                    Err(StoreError::NotFound) => None,
                    Err(e) => return Err(e.into()),
                };
                prepared.insert(*id, p);
            }
        }
        if let (Some(Some(pa)), Some(Some(pb))) = (prepared.get(a), prepared.get(b)) {
            let comparison = pa.compare(pb);
            if comparison.likely() {
                found.push(QueuedPair {
                    first: *a,
                    second: *b,
                    score: comparison.score,
                });
            } else {
                unlikely.push((*a, *b));
            }
        }
    }
    let summary = ScanSummary {
        scanned_at: app.now(),
        compared: slice.pairs.len() as u64,
        found: found.len() as u64,
        resume_after: slice.last_key,
    };
    // When another scan of the same slice was recorded first, its findings are these: the
    // summary stands either way.
    app.store
        .record_duplicate_scan(resume, found, unlikely, summary.clone())
        .await?;
    Ok(summary)
}

/// One part of the profile, as the two cases hold it.
pub struct PartChoice {
    pub part: &'static str,
    pub differs: bool,
    /// The side kept when the person merging does not choose.
    pub default: Side,
}

/// What merging `merged` into `survivor` would look like, for the page that asks which value
/// of each part wins.
pub struct MergePreview {
    pub survivor: CaseRecord,
    pub merged: CaseRecord,
    pub comparison: Comparison,
    pub parts: Vec<PartChoice>,
}

async fn merge_pair(
    app: &App,
    actor: &Actor,
    merged: &str,
    survivor: &str,
) -> Result<(CaseRecord, CaseRecord), Error> {
    let merged = authorized_case(app, actor, merged, Action::MergeCases).await?;
    let survivor = authorized_case(app, actor, survivor, Action::MergeCases).await?;
    if merged.id == survivor.id {
        return Err(Error::with_detail(
            ErrorKind::BadRequest,
            "a case cannot be merged into itself; choose the other case",
        ));
    }
    for case in [&merged, &survivor] {
        if case.anonymised_at.is_some() {
            return Err(Error::with_detail(
                ErrorKind::Conflict,
                format!("case {} was anonymised; it cannot be merged", case.number),
            ));
        }
        if app.store.erasure_request(case.id).await?.is_some() {
            return Err(Error::with_detail(
                ErrorKind::Conflict,
                format!(
                    "case {} has an erasure request waiting; decide it before merging",
                    case.number
                ),
            ));
        }
    }
    Ok((merged, survivor))
}

pub async fn preview(
    app: &App,
    actor: &Actor,
    merged: &str,
    survivor: &str,
) -> Result<MergePreview, Error> {
    let (merged, survivor) = merge_pair(app, actor, merged, survivor).await?;
    let parts = PARTS
        .iter()
        .map(|part| PartChoice {
            part,
            differs: differs(&survivor.profile, &merged.profile, part),
            default: default_side(&survivor.profile, &merged.profile, part),
        })
        .collect();
    let comparison = domain::duplicates::compare(&survivor.profile, &merged.profile);
    Ok(MergePreview {
        survivor,
        merged,
        comparison,
        parts,
    })
}

/// A merge as asked: which case goes into which, and for each part of the profile which
/// case's value wins (`"survivor"`, `"merged"`, or the id of either case).
pub struct MergeRequest {
    pub merged: String,
    pub into: String,
    pub fields: BTreeMap<String, String>,
    /// The versions the person saw, when known: a case changed since refuses the merge.
    pub versions: Option<(i64, i64)>,
}

/// Merges one case into another in one transaction, audited with both ids. Posting the same
/// merge again answers with the merge already made.
pub async fn merge(app: &App, actor: &Actor, r: MergeRequest) -> Result<MergeRecord, Error> {
    let merged_id = parse_case_id(&r.merged)?;
    if let Some(done) = app.store.merge_of(MergedCase::Id(merged_id)).await?
        && done.survivor.to_string() == r.into.trim()
    {
        authorized_case(app, actor, &r.into, Action::MergeCases).await?;
        return Ok(done);
    }
    let (merged, survivor) = merge_pair(app, actor, &r.merged, r.into.trim()).await?;
    if let Some((merged_version, survivor_version)) = r.versions
        && (merged_version != merged.version || survivor_version != survivor.version)
    {
        return Err(stale());
    }
    let mut errors = ValidationErrors::new();
    let mut choices = BTreeMap::new();
    for (part, chosen) in &r.fields {
        let side = match chosen.trim() {
            s if s == survivor.id.to_string() => Some(Side::Survivor),
            s if s == merged.id.to_string() => Some(Side::Merged),
            s => Side::parse(s),
        };
        match side {
            Some(side) => {
                choices.insert(part.clone(), side);
            }
            None => errors.add(format!("fields.{part}"), "error-merge-side"),
        }
    }
    let profile = match merged_profile(&survivor.profile, &merged.profile, &choices) {
        Ok(p) => p,
        Err(e) => {
            errors.merge(e);
            return Err(Error::validation(errors));
        }
    };
    if !errors.is_empty() {
        return Err(Error::validation(errors));
    }
    let changes = case_changes(app, &survivor, survivor.case_manager, &profile).await?;
    let result = app
        .store
        .merge_cases(
            NewMerge {
                id: uuid::Uuid::new_v4(),
                merged: merged.id,
                merged_version: merged.version,
                survivor_update: CaseUpdate {
                    id: survivor.id,
                    expected_version: survivor.version,
                    case_manager: survivor.case_manager,
                    profile,
                    changes,
                },
            },
            AuditContext::by(actor.user_id, app.now()),
        )
        .await;
    match result {
        Ok(record) => Ok(record),
        Err(StoreError::Conflict) => Err(stale()),
        Err(e) => Err(e.into()),
    }
}

fn stale() -> Error {
    Error::with_detail(
        ErrorKind::Conflict,
        "one of the cases changed since you looked at it; compare them again",
    )
}

/// A merge the actor may see (they may merge in the survivor's office).
pub async fn merge_record(app: &App, actor: &Actor, id: &str) -> Result<MergeRecord, Error> {
    let id: uuid::Uuid = id.parse().map_err(|_| Error::new(ErrorKind::NotFound))?;
    let record = app
        .store
        .merge(id)
        .await?
        .ok_or(Error::new(ErrorKind::NotFound))?;
    authorized_case(app, actor, &record.survivor.to_string(), Action::MergeCases).await?;
    Ok(record)
}

/// Whether a merge can still be undone.
pub fn undoable(app: &App, record: &MergeRecord) -> bool {
    record.undone_at.is_none() && app.now() - record.merged_at <= time::Duration::days(UNDO_DAYS)
}

/// Splits a merge back within [`UNDO_DAYS`]. Undoing twice answers with the undone merge.
pub async fn undo(app: &App, actor: &Actor, id: &str) -> Result<MergeRecord, Error> {
    let record = merge_record(app, actor, id).await?;
    if record.undone_at.is_some() {
        return Ok(record);
    }
    if !undoable(app, &record) {
        return Err(Error::with_detail(
            ErrorKind::Conflict,
            format!("a merge can be undone for {UNDO_DAYS} days; this one is older"),
        ));
    }
    match app
        .store
        .undo_merge(record.id, AuditContext::by(actor.user_id, app.now()))
        .await
    {
        Ok(r) => Ok(r),
        Err(StoreError::Conflict) => Err(Error::with_detail(
            ErrorKind::Conflict,
            "the surviving case was merged into another case since; undo that merge first",
        )),
        Err(e) => Err(e.into()),
    }
}

/// The case a merged case now lives in, by the merged case's id or number, when the actor may
/// read it: where a link to the merged case leads.
pub async fn survivor_of(app: &App, actor: &Actor, id_or_number: &str) -> Option<CaseRecord> {
    let named = match id_or_number.parse::<CaseId>() {
        Ok(id) => MergedCase::Id(id),
        Err(_) => MergedCase::Number(id_or_number.to_string()),
    };
    let mut merge = app.store.merge_of(named).await.ok()??;
    // A survivor merged again since: follow the chain (a few steps at most).
    for _ in 0..8 {
        match authorized_case(app, actor, &merge.survivor.to_string(), Action::ReadCase).await {
            Ok(case) => return Some(case),
            Err(e) if e.kind == ErrorKind::NotFound => {
                merge = app
                    .store
                    .merge_of(MergedCase::Id(merge.survivor))
                    .await
                    .ok()??;
            }
            Err(_) => return None,
        }
    }
    None
}

/// Merges into a case, newest first, for its page.
pub async fn merges_into(
    app: &App,
    actor: &Actor,
    case: &CaseRecord,
) -> Result<Vec<MergeRecord>, Error> {
    authorize(actor, Action::ReadCase, Resource::Case(case.access()))?;
    Ok(app.store.merges_into(case.id).await?)
}

/// Contact details typed at a registration that turned out to be someone already registered.
#[derive(Clone, Debug, Default)]
pub struct NewContact {
    pub phone: Option<String>,
    pub email: Option<String>,
    pub address: Option<String>,
}

/// "Same person": the one being registered is already this case. Nothing is registered; the
/// case gets a task for its case manager to get back in touch, and the contact details typed
/// that the case lacks are added when the actor may edit the case.
pub async fn same_person(
    app: &App,
    actor: &Actor,
    case: &str,
    typed: NewContact,
) -> Result<CaseRecord, Error> {
    use domain::pathway::{CONTACT_AGAIN_TASK_DAYS, TaskKind};
    use store::{EntryKind, TaskBody};

    let mut case = authorized_case(app, actor, case, Action::ReadCase).await?;
    let mut profile = case.profile.clone();
    let fill = |have: &mut Option<String>, new: Option<String>| {
        let new = new.map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
        if have.is_none() {
            *have = new;
        }
    };
    fill(&mut profile.phone, typed.phone);
    fill(&mut profile.email, typed.email);
    fill(&mut profile.address, typed.address);
    if profile != case.profile
        && case.anonymised_at.is_none()
        && authorize(actor, Action::UpdateCase, Resource::Case(case.access())).is_ok()
    {
        match crate::cases::update(app, actor, &case, case.version, None, profile).await {
            Ok(updated) => case = updated,
            // Details that do not pass the profile's checks are left out; the task remains.
            Err(e) if e.kind == ErrorKind::Validation => {}
            Err(e) => return Err(e),
        }
    }
    let body = TaskBody {
        kind: TaskKind::ContactAgain,
        source: None,
    };
    let due = app.today() + time::Duration::days(CONTACT_AGAIN_TASK_DAYS);
    let entry = crate::pathway::new_entry(case.id, EntryKind::Task, due, &body, true)?;
    app.store
        .add_entry(
            entry,
            case.stage,
            AuditContext::by(actor.user_id, app.now()),
        )
        .await?;
    Ok(case)
}
