//! The individual pathway, on both engines: the journal of sessions, visits, payments, unmet
//! needs, urgent referrals and tasks; closures; the stage cache. Each change writes its audit
//! entry in the same transaction, on the case (so it shows in the case's timeline) unless it is
//! programme-wide. Plan versions are in [`super::plans`], the programme's grid and settings in
//! [`super::programme`], the lists across cases in [`super::pathway_lists`].

use domain::audit::{AuditAction, FieldChange};
use domain::case::CaseStage;
use domain::pathway::closure::Closure;
use domain::{CaseId, UserId};

use super::{Db, Row, Value, args, audit, from_json, named};
use crate::model::*;
use crate::{AuditContext, Result, StoreError};

pub(crate) fn change(field: &str, before: Option<String>, after: Option<String>) -> FieldChange {
    FieldChange {
        field: field.into(),
        before,
        after,
    }
}

pub(crate) async fn on_case<D: Db>(
    db: &D,
    audit: &AuditContext,
    action: AuditAction,
    case: CaseId,
    changes: Vec<FieldChange>,
) -> Result<()> {
    audit::insert(
        db,
        &audit.entry(action, record_type::CASE, case.to_string(), changes),
    )
    .await
}

/// A record body as stored: JSON typed in `domain`.
pub(crate) fn json<T: serde::Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| StoreError::Database(e.to_string()))
}

/// `?1, ?2, …` for a list of `n` values, and the values: for `IN (…)` over up to 1,000 cases.
pub(crate) fn case_list(cases: &[CaseId]) -> Result<(String, Vec<Value>)> {
    if cases.len() > 1_000 {
        return Err(StoreError::Database("at most 1,000 cases at a time".into()));
    }
    let marks: Vec<String> = (1..=cases.len()).map(|i| format!("?{i}")).collect();
    let values = cases.iter().map(|c| Value::from(c.0)).collect();
    Ok((marks.join(", "), values))
}

// Journal

const ENTRY_COLUMNS: &str = "e.id, e.case_id, e.kind, e.entry_date, e.body, e.open,
    rb.display_name, e.recorded_at, e.closed_at, cb.display_name, e.closing_note";
const ENTRY_FROM: &str = "FROM pathway_entries e
    LEFT JOIN users rb ON rb.id = e.recorded_by
    LEFT JOIN users cb ON cb.id = e.closed_by";

fn entry_row(r: &Row) -> Result<Entry> {
    Ok(Entry {
        id: r.get(0)?,
        case: CaseId(r.get(1)?),
        kind: named(2, r.text(2)?, EntryKind::parse)?,
        date: r.get(3)?,
        body: r.get(4)?,
        open: r.get(5)?,
        recorded_by_name: r.get(6)?,
        recorded_at: r.get(7)?,
        closed_at: r.get(8)?,
        closed_by_name: r.get(9)?,
        closing_note: r.get(10)?,
    })
}

pub(crate) async fn add_entry<D: Db>(db: &D, e: &NewEntry, audit: &AuditContext) -> Result<Entry> {
    db.exec(
        "INSERT INTO pathway_entries (id, case_id, kind, entry_date, body, open, recorded_by,
             recorded_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        &args![
            e.id,
            e.case.0,
            e.kind.as_str(),
            e.date,
            &e.body,
            e.open,
            audit.actor.map(|a| a.0),
            audit.at,
        ],
    )
    .await?;
    on_case(
        db,
        audit,
        AuditAction::Create,
        e.case,
        vec![change(e.kind.as_str(), None, Some(e.summary.clone()))],
    )
    .await?;
    entry(db, e.case, e.id).await
}

pub(crate) async fn entry<D: Db>(db: &D, case: CaseId, id: uuid::Uuid) -> Result<Entry> {
    entry_row(
        &db.one(
            &format!("SELECT {ENTRY_COLUMNS} {ENTRY_FROM} WHERE e.id = ?1 AND e.case_id = ?2"),
            &args![id, case.0],
        )
        .await?,
    )
}

pub(crate) async fn entries<D: Db>(db: &D, case: CaseId) -> Result<Vec<Entry>> {
    db.rows(
        &format!(
            "SELECT {ENTRY_COLUMNS} {ENTRY_FROM} WHERE e.case_id = ?1
             ORDER BY e.entry_date, e.recorded_at, e.id"
        ),
        &args![case.0],
    )
    .await?
    .iter()
    .map(entry_row)
    .collect()
}

/// The journals of up to 1,000 cases (an export), by case then date.
pub(crate) async fn entries_of_cases<D: Db>(db: &D, cases: &[CaseId]) -> Result<Vec<Entry>> {
    let (list, ids) = case_list(cases)?;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    db.rows(
        &format!(
            "SELECT {ENTRY_COLUMNS} {ENTRY_FROM} WHERE e.case_id IN ({list})
             ORDER BY e.case_id, e.entry_date, e.recorded_at, e.id"
        ),
        &ids,
    )
    .await?
    .iter()
    .map(entry_row)
    .collect()
}

/// Resolves an urgent referral or completes a task. [`StoreError::Conflict`] if it was
/// already closed.
pub(crate) async fn close_entry<D: Db>(
    db: &D,
    case: CaseId,
    id: uuid::Uuid,
    note: &str,
    audit: &AuditContext,
) -> Result<()> {
    let e = entry(db, case, id).await?;
    if !e.open {
        return Err(StoreError::Conflict);
    }
    db.exec(
        "UPDATE pathway_entries SET open = 0, closed_at = ?2, closed_by = ?3, closing_note = ?4
         WHERE id = ?1",
        &args![id, audit.at, audit.actor.map(|a| a.0), note],
    )
    .await?;
    on_case(
        db,
        audit,
        AuditAction::Update,
        case,
        vec![change(
            e.kind.as_str(),
            Some("open".into()),
            Some("closed".into()),
        )],
    )
    .await
}

// Closures

const CLOSURE_COLUMNS: &str = "x.id, x.case_id, x.body, x.requested_by, rb.display_name,
    x.requested_at, x.approved_at, x.approved_by, ab.display_name, x.self_approved,
    ob.display_name, x.reopened_at, x.reopen_reason";
const CLOSURE_FROM: &str = "FROM closures x
    LEFT JOIN users rb ON rb.id = x.requested_by
    LEFT JOIN users ab ON ab.id = x.approved_by
    LEFT JOIN users ob ON ob.id = x.reopened_by";

fn closure_row(r: &Row) -> Result<ClosureRecord> {
    let approval = match r.get(6)? {
        Some(at) => Some(PlanApprovalRecord {
            by: r.get::<Option<uuid::Uuid>>(7)?.map(UserId),
            by_name: r.get(8)?,
            at,
            self_approved: r.get::<Option<bool>>(9)?.unwrap_or(false),
        }),
        None => None,
    };
    Ok(ClosureRecord {
        id: r.get(0)?,
        case: CaseId(r.get(1)?),
        closure: from_json::<Closure>(2, r.text(2)?)?,
        requested_by: r.get::<Option<uuid::Uuid>>(3)?.map(UserId),
        requested_by_name: r.get(4)?,
        requested_at: r.get(5)?,
        approval,
        reopened_by_name: r.get(10)?,
        reopened_at: r.get(11)?,
        reopen_reason: r.get(12)?,
    })
}

pub(crate) async fn closures<D: Db>(db: &D, case: CaseId) -> Result<Vec<ClosureRecord>> {
    // `rowid` (an identity column on PostgreSQL) orders closures requested in the same second.
    db.rows(
        &format!(
            "SELECT {CLOSURE_COLUMNS} {CLOSURE_FROM} WHERE x.case_id = ?1
             ORDER BY x.requested_at, x.rowid"
        ),
        &args![case.0],
    )
    .await?
    .iter()
    .map(closure_row)
    .collect()
}

async fn closure_in_force<D: Db>(db: &D, case: CaseId) -> Result<Option<ClosureRecord>> {
    Ok(closures(db, case)
        .await?
        .into_iter()
        .rfind(|x| x.in_force()))
}

/// Records a closure awaiting approval; [`StoreError::Conflict`] if one is already in force.
pub(crate) async fn request_closure<D: Db>(
    db: &D,
    case: CaseId,
    closure: &Closure,
    audit: &AuditContext,
) -> Result<ClosureRecord> {
    if closure_in_force(db, case).await?.is_some() {
        return Err(StoreError::Conflict);
    }
    let id = uuid::Uuid::new_v4();
    db.exec(
        "INSERT INTO closures (id, case_id, body, requested_by, requested_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        &args![
            id,
            case.0,
            json(closure)?,
            audit.actor.map(|a| a.0),
            audit.at
        ],
    )
    .await?;
    on_case(
        db,
        audit,
        AuditAction::Create,
        case,
        vec![change(
            "closure",
            None,
            Some(closure.reason.as_str().to_string()),
        )],
    )
    .await?;
    closure_in_force(db, case)
        .await?
        .ok_or(StoreError::NotFound)
}

pub(crate) async fn approve_closure<D: Db>(
    db: &D,
    case: CaseId,
    id: uuid::Uuid,
    self_approved: bool,
    audit: &AuditContext,
) -> Result<()> {
    let current = closure_in_force(db, case)
        .await?
        .ok_or(StoreError::NotFound)?;
    if current.id != id || current.approval.is_some() {
        return Err(StoreError::Conflict);
    }
    db.exec(
        "UPDATE closures SET approved_at = ?2, approved_by = ?3, self_approved = ?4 WHERE id = ?1",
        &args![id, audit.at, audit.actor.map(|a| a.0), self_approved],
    )
    .await?;
    on_case(
        db,
        audit,
        AuditAction::Update,
        case,
        vec![change(
            "closure.approval",
            None,
            Some(
                if self_approved {
                    "self-approved"
                } else {
                    "approved"
                }
                .into(),
            ),
        )],
    )
    .await
}

/// Undoes the closure in force (approved or not), keeping it in the history.
pub(crate) async fn reopen<D: Db>(
    db: &D,
    case: CaseId,
    reason: &str,
    audit: &AuditContext,
) -> Result<()> {
    let current = closure_in_force(db, case)
        .await?
        .ok_or(StoreError::Conflict)?;
    db.exec(
        "UPDATE closures SET reopened_at = ?2, reopened_by = ?3, reopen_reason = ?4 WHERE id = ?1",
        &args![current.id, audit.at, audit.actor.map(|a| a.0), reason],
    )
    .await?;
    on_case(
        db,
        audit,
        AuditAction::Update,
        case,
        vec![change(
            "closure",
            Some(current.closure.reason.as_str().into()),
            Some("reopened".into()),
        )],
    )
    .await
}

// Stage

/// Stores the derived stage; false when it did not change.
pub(crate) async fn set_stage<D: Db>(
    db: &D,
    case: CaseId,
    stage: CaseStage,
    audit: &AuditContext,
) -> Result<bool> {
    let before: String = db
        .value("SELECT stage FROM cases WHERE id = ?1", &args![case.0])
        .await?;
    if before == stage.as_str() {
        return Ok(false);
    }
    // The stage is derived, not edited: it does not bump the profile's version, so nobody's
    // open edit form goes stale because a plan was approved.
    db.exec(
        "UPDATE cases SET stage = ?2, updated_at = ?3 WHERE id = ?1",
        &args![case.0, stage.as_str(), audit.at],
    )
    .await?;
    on_case(
        db,
        audit,
        AuditAction::Update,
        case,
        vec![change("stage", Some(before), Some(stage.as_str().into()))],
    )
    .await?;
    Ok(true)
}

/// Stores the stage a pathway change leads to, inside the change's transaction, audited as
/// derived (and only when it moves).
pub(crate) async fn derive_stage<D: Db>(
    db: &D,
    case: CaseId,
    stage: CaseStage,
    audit: &AuditContext,
) -> Result<()> {
    let derived = AuditContext {
        reason: Some("derived from the pathway".into()),
        ..audit.clone()
    };
    set_stage(db, case, stage, &derived).await?;
    Ok(())
}

/// A pathway change, then the stage it leads to, in the same transaction: neither lands
/// without the other.
pub(crate) async fn deriving<D: Db, T>(
    db: &D,
    case: CaseId,
    stage: CaseStage,
    audit: &AuditContext,
    change: impl Future<Output = Result<T>>,
) -> Result<T> {
    let done = change.await?;
    derive_stage(db, case, stage, audit).await?;
    Ok(done)
}
