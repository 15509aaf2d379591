//! The individual pathway: the journal of sessions, visits, payments, unmet needs, urgent
//! referrals and tasks; plan versions; closures; the stage cache; the feasibility grid and
//! programme settings. Each change writes its audit entry in the same transaction, on the case
//! (so it shows in the case's timeline) unless it is programme-wide.

use domain::audit::{AuditAction, FieldChange};
use domain::case::CaseStage;
use domain::pathway::closure::Closure;
use domain::pathway::feasibility::GridApproach;
use domain::{CaseId, OfficeId, UserId};
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::cases::{SUMMARY_COLUMNS, SUMMARY_FROM, date_col, summary_row};
use super::{audit, exec, from_json, from_ts, json, opt_user, parse_named, parse_uuid, q_row, ts};
use crate::model::*;
use crate::{AuditContext, Result, StoreError};

pub(super) fn change(field: &str, before: Option<String>, after: Option<String>) -> FieldChange {
    FieldChange {
        field: field.into(),
        before,
        after,
    }
}

pub(super) fn on_case(
    c: &Connection,
    audit: &AuditContext,
    action: AuditAction,
    case: CaseId,
    changes: Vec<FieldChange>,
) -> Result<()> {
    audit::insert(
        c,
        &audit.entry(action, record_type::CASE, case.to_string(), changes),
    )
}

// Journal

const ENTRY_COLUMNS: &str = "e.id, e.case_id, e.kind, e.entry_date, e.body, e.open,
    rb.display_name, e.recorded_at, e.closed_at, cb.display_name, e.closing_note";
const ENTRY_FROM: &str = "FROM pathway_entries e
    LEFT JOIN users rb ON rb.id = e.recorded_by
    LEFT JOIN users cb ON cb.id = e.closed_by";

fn entry_row(r: &Row<'_>) -> rusqlite::Result<Entry> {
    Ok(Entry {
        id: parse_uuid(0, &r.get::<_, String>(0)?)?,
        case: CaseId(parse_uuid(1, &r.get::<_, String>(1)?)?),
        kind: parse_named(2, &r.get::<_, String>(2)?, EntryKind::parse)?,
        date: date_col(3, &r.get::<_, String>(3)?)?,
        body: r.get(4)?,
        open: r.get(5)?,
        recorded_by_name: r.get(6)?,
        recorded_at: from_ts(r.get(7)?),
        closed_at: r.get::<_, Option<i64>>(8)?.map(from_ts),
        closed_by_name: r.get(9)?,
        closing_note: r.get(10)?,
    })
}

pub(crate) fn add_entry(c: &Connection, e: &NewEntry, audit: &AuditContext) -> Result<Entry> {
    exec(
        c,
        "INSERT INTO pathway_entries (id, case_id, kind, entry_date, body, open, recorded_by,
             recorded_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            e.id.to_string(),
            e.case.to_string(),
            e.kind.as_str(),
            e.date.to_string(),
            e.body,
            e.open,
            audit.actor.map(|a| a.to_string()),
            ts(audit.at)
        ],
    )?;
    on_case(
        c,
        audit,
        AuditAction::Create,
        e.case,
        vec![change(e.kind.as_str(), None, Some(e.summary.clone()))],
    )?;
    entry(c, e.case, e.id)
}

pub(crate) fn entry(c: &Connection, case: CaseId, id: uuid::Uuid) -> Result<Entry> {
    q_row(
        c,
        &format!("SELECT {ENTRY_COLUMNS} {ENTRY_FROM} WHERE e.id = ?1 AND e.case_id = ?2"),
        params![id.to_string(), case.to_string()],
        entry_row,
    )
    .optional()?
    .ok_or(StoreError::NotFound)
}

pub(crate) fn entries(c: &Connection, case: CaseId) -> Result<Vec<Entry>> {
    let mut stmt = c.prepare_cached(&format!(
        "SELECT {ENTRY_COLUMNS} {ENTRY_FROM} WHERE e.case_id = ?1
         ORDER BY e.entry_date, e.recorded_at, e.id"
    ))?;
    let rows = stmt.query_map(params![case.to_string()], entry_row)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

pub(crate) fn entries_of_cases(c: &Connection, cases: &[CaseId]) -> Result<Vec<Entry>> {
    if cases.is_empty() {
        return Ok(Vec::new());
    }
    let list: Vec<String> = (1..=cases.len()).map(|i| format!("?{i}")).collect();
    let mut stmt = c.prepare(&format!(
        "SELECT {ENTRY_COLUMNS} {ENTRY_FROM} WHERE e.case_id IN ({})
         ORDER BY e.case_id, e.entry_date, e.recorded_at, e.id",
        list.join(", ")
    ))?;
    let ids: Vec<String> = cases.iter().map(|c| c.to_string()).collect();
    let rows = stmt.query_map(rusqlite::params_from_iter(ids.iter()), entry_row)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// Resolves an urgent referral or completes a task. [`StoreError::Conflict`] if it was
/// already closed.
pub(crate) fn close_entry(
    c: &Connection,
    case: CaseId,
    id: uuid::Uuid,
    note: &str,
    audit: &AuditContext,
) -> Result<()> {
    let e = entry(c, case, id)?;
    if !e.open {
        return Err(StoreError::Conflict);
    }
    exec(
        c,
        "UPDATE pathway_entries SET open = 0, closed_at = ?2, closed_by = ?3, closing_note = ?4
         WHERE id = ?1",
        params![
            id.to_string(),
            ts(audit.at),
            audit.actor.map(|a| a.to_string()),
            note
        ],
    )?;
    on_case(
        c,
        audit,
        AuditAction::Update,
        case,
        vec![change(
            e.kind.as_str(),
            Some("open".into()),
            Some("closed".into()),
        )],
    )
}

// Plans

const CLOSURE_COLUMNS: &str = "x.id, x.case_id, x.body, x.requested_by, rb.display_name,
    x.requested_at, x.approved_at, x.approved_by, ab.display_name, x.self_approved,
    ob.display_name, x.reopened_at, x.reopen_reason";
const CLOSURE_FROM: &str = "FROM closures x
    LEFT JOIN users rb ON rb.id = x.requested_by
    LEFT JOIN users ab ON ab.id = x.approved_by
    LEFT JOIN users ob ON ob.id = x.reopened_by";

fn closure_row(r: &Row<'_>) -> rusqlite::Result<ClosureRecord> {
    let approval = match r.get::<_, Option<i64>>(6)? {
        Some(at) => Some(PlanApprovalRecord {
            by: opt_user(7, r.get(7)?)?,
            by_name: r.get(8)?,
            at: from_ts(at),
            self_approved: r.get::<_, Option<bool>>(9)?.unwrap_or(false),
        }),
        None => None,
    };
    Ok(ClosureRecord {
        id: parse_uuid(0, &r.get::<_, String>(0)?)?,
        case: CaseId(parse_uuid(1, &r.get::<_, String>(1)?)?),
        closure: from_json::<Closure>(2, &r.get::<_, String>(2)?)?,
        requested_by: opt_user(3, r.get(3)?)?,
        requested_by_name: r.get(4)?,
        requested_at: from_ts(r.get(5)?),
        approval,
        reopened_by_name: r.get(10)?,
        reopened_at: r.get::<_, Option<i64>>(11)?.map(from_ts),
        reopen_reason: r.get(12)?,
    })
}

pub(crate) fn closures(c: &Connection, case: CaseId) -> Result<Vec<ClosureRecord>> {
    let mut stmt = c.prepare_cached(&format!(
        "SELECT {CLOSURE_COLUMNS} {CLOSURE_FROM} WHERE x.case_id = ?1 ORDER BY x.requested_at, x.rowid"
    ))?;
    let rows = stmt.query_map(params![case.to_string()], closure_row)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

fn closure_in_force(c: &Connection, case: CaseId) -> Result<Option<ClosureRecord>> {
    Ok(closures(c, case)?.into_iter().rfind(|x| x.in_force()))
}

/// Records a closure awaiting approval; [`StoreError::Conflict`] if one is already in force.
pub(crate) fn request_closure(
    c: &Connection,
    case: CaseId,
    closure: &Closure,
    audit: &AuditContext,
) -> Result<ClosureRecord> {
    if closure_in_force(c, case)?.is_some() {
        return Err(StoreError::Conflict);
    }
    let id = uuid::Uuid::new_v4();
    exec(
        c,
        "INSERT INTO closures (id, case_id, body, requested_by, requested_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            id.to_string(),
            case.to_string(),
            json(closure)?,
            audit.actor.map(|a| a.to_string()),
            ts(audit.at)
        ],
    )?;
    on_case(
        c,
        audit,
        AuditAction::Create,
        case,
        vec![change(
            "closure",
            None,
            Some(closure.reason.as_str().to_string()),
        )],
    )?;
    closure_in_force(c, case)?.ok_or(StoreError::NotFound)
}

pub(crate) fn approve_closure(
    c: &Connection,
    case: CaseId,
    id: uuid::Uuid,
    self_approved: bool,
    audit: &AuditContext,
) -> Result<()> {
    let current = closure_in_force(c, case)?.ok_or(StoreError::NotFound)?;
    if current.id != id || current.approval.is_some() {
        return Err(StoreError::Conflict);
    }
    exec(
        c,
        "UPDATE closures SET approved_at = ?2, approved_by = ?3, self_approved = ?4 WHERE id = ?1",
        params![
            id.to_string(),
            ts(audit.at),
            audit.actor.map(|a| a.to_string()),
            self_approved
        ],
    )?;
    on_case(
        c,
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
}

/// Undoes the closure in force (approved or not), keeping it in the history.
pub(crate) fn reopen(
    c: &Connection,
    case: CaseId,
    reason: &str,
    audit: &AuditContext,
) -> Result<()> {
    let current = closure_in_force(c, case)?.ok_or(StoreError::Conflict)?;
    exec(
        c,
        "UPDATE closures SET reopened_at = ?2, reopened_by = ?3, reopen_reason = ?4 WHERE id = ?1",
        params![
            current.id.to_string(),
            ts(audit.at),
            audit.actor.map(|a| a.to_string()),
            reason
        ],
    )?;
    on_case(
        c,
        audit,
        AuditAction::Update,
        case,
        vec![change(
            "closure",
            Some(current.closure.reason.as_str().into()),
            Some("reopened".into()),
        )],
    )
}

/// Stores the derived stage; false when it did not change.
pub(crate) fn set_stage(
    c: &Connection,
    case: CaseId,
    stage: CaseStage,
    audit: &AuditContext,
) -> Result<bool> {
    let before: String = q_row(
        c,
        "SELECT stage FROM cases WHERE id = ?1",
        params![case.to_string()],
        |r| r.get(0),
    )
    .optional()?
    .ok_or(StoreError::NotFound)?;
    if before == stage.as_str() {
        return Ok(false);
    }
    // The stage is derived, not edited: it does not bump the profile's version, so nobody's
    // open edit form goes stale because a plan was approved.
    exec(
        c,
        "UPDATE cases SET stage = ?2, updated_at = ?3 WHERE id = ?1",
        params![case.to_string(), stage.as_str(), ts(audit.at)],
    )?;
    on_case(
        c,
        audit,
        AuditAction::Update,
        case,
        vec![change("stage", Some(before), Some(stage.as_str().into()))],
    )?;
    Ok(true)
}

// Lists across cases

/// Cases assigned to a user that are not closed.
pub(crate) fn open_cases_of(c: &Connection, user: UserId) -> Result<Vec<CaseSummary>> {
    let mut stmt = c.prepare_cached(&format!(
        "SELECT {SUMMARY_COLUMNS} {SUMMARY_FROM}
         WHERE c.case_manager_id = ?1 AND c.stage <> 'closed' ORDER BY c.return_date, c.id"
    ))?;
    let rows = stmt.query_map(params![user.to_string()], summary_row)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// Plan versions agreed but not approved, and closures not approved, in an office or all.
pub(crate) fn pending_approvals(
    c: &Connection,
    office: Option<OfficeId>,
) -> Result<Vec<PendingApproval>> {
    let office = office.map(|o| o.to_string());
    let extra = "c.case_manager_id, c.office_id, o.self_approval";
    let read = |r: &Row<'_>, plan: Option<i64>, closure: Option<uuid::Uuid>, since: i64| {
        Ok(PendingApproval {
            case: summary_row(r)?,
            case_manager: opt_user(12, r.get(12)?)?,
            office: OfficeId(parse_uuid(13, &r.get::<_, String>(13)?)?),
            self_approval: r.get(14)?,
            plan_version: plan,
            closure,
            since: from_ts(since),
        })
    };
    let mut out = Vec::new();
    let mut stmt = c.prepare_cached(&format!(
        "SELECT {SUMMARY_COLUMNS}, {extra}, p.version, p.updated_at {SUMMARY_FROM}
         JOIN plan_versions p ON p.case_id = c.id
         WHERE p.approved_at IS NULL AND p.agreed_on IS NOT NULL
           AND (?1 IS NULL OR c.office_id = ?1)
         ORDER BY p.updated_at"
    ))?;
    for row in stmt.query_map(params![office], |r| {
        read(r, Some(r.get(15)?), None, r.get(16)?)
    })? {
        out.push(row?);
    }
    let mut stmt = c.prepare_cached(&format!(
        "SELECT {SUMMARY_COLUMNS}, {extra}, x.id, x.requested_at {SUMMARY_FROM}
         JOIN closures x ON x.case_id = c.id
         WHERE x.approved_at IS NULL AND x.reopened_at IS NULL
           AND (?1 IS NULL OR c.office_id = ?1)
         ORDER BY x.requested_at"
    ))?;
    for row in stmt.query_map(params![office], |r| {
        read(
            r,
            None,
            Some(parse_uuid(15, &r.get::<_, String>(15)?)?),
            r.get(16)?,
        )
    })? {
        out.push(row?);
    }
    Ok(out)
}

pub(crate) fn unmet_needs(c: &Connection, office: Option<OfficeId>) -> Result<Vec<UnmetNeedRow>> {
    let mut stmt = c.prepare_cached(
        "SELECT e.body, o.code, c.return_province, e.recorded_at
         FROM pathway_entries e JOIN cases c ON c.id = e.case_id
         JOIN offices o ON o.id = c.office_id
         WHERE e.kind = 'unmet_need' AND (?1 IS NULL OR c.office_id = ?1)
         ORDER BY e.entry_date DESC, e.id",
    )?;
    let rows = stmt.query_map(params![office.map(|o| o.to_string())], |r| {
        Ok(UnmetNeedRow {
            body: r.get(0)?,
            office_code: r.get(1)?,
            return_province: r.get(2)?,
            recorded_at: from_ts(r.get(3)?),
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

// Programme

pub(crate) fn grid(c: &Connection) -> Result<Vec<GridApproach>> {
    let mut stmt = c.prepare_cached("SELECT body FROM feasibility_grid ORDER BY position, key")?;
    let rows = stmt.query_map([], |r| {
        from_json::<GridApproach>(0, &r.get::<_, String>(0)?)
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// Fills an empty grid; false when a grid was already there.
pub(crate) fn seed_grid(
    c: &Connection,
    rows: &[GridApproach],
    audit: &AuditContext,
) -> Result<bool> {
    let count: i64 = q_row(c, "SELECT count(*) FROM feasibility_grid", [], |r| r.get(0))?;
    if count > 0 {
        return Ok(false);
    }
    for (n, a) in rows.iter().enumerate() {
        exec(
            c,
            "INSERT INTO feasibility_grid (key, position, body, updated_at) VALUES (?1, ?2, ?3, ?4)",
            params![a.key, n as i64, json(a)?, ts(audit.at)],
        )?;
    }
    audit::insert(
        c,
        &audit.entry(
            AuditAction::Create,
            "feasibility_grid",
            "grid".into(),
            vec![change("approaches", None, Some(rows.len().to_string()))],
        ),
    )?;
    Ok(true)
}

/// Adds an approach at the end, or replaces the one with the same key.
pub(crate) fn save_grid_approach(
    c: &Connection,
    a: &GridApproach,
    audit: &AuditContext,
) -> Result<()> {
    let before: Option<String> = q_row(
        c,
        "SELECT body FROM feasibility_grid WHERE key = ?1",
        params![a.key],
        |r| r.get(0),
    )
    .optional()?;
    exec(
        c,
        "INSERT INTO feasibility_grid (key, position, body, updated_at, updated_by)
         VALUES (?1, (SELECT coalesce(max(position), -1) + 1 FROM feasibility_grid), ?2, ?3, ?4)
         ON CONFLICT (key) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at,
             updated_by = excluded.updated_by",
        params![
            a.key,
            json(a)?,
            ts(audit.at),
            audit.actor.map(|u| u.to_string())
        ],
    )?;
    audit::insert(
        c,
        &audit.entry(
            if before.is_some() {
                AuditAction::Update
            } else {
                AuditAction::Create
            },
            "feasibility_grid",
            a.key.clone(),
            vec![change(
                "approach",
                before.map(|_| a.approach.clone()),
                Some(a.approach.clone()),
            )],
        ),
    )
}

pub(crate) fn setting(c: &Connection, key: &str) -> Result<Option<String>> {
    Ok(q_row(
        c,
        "SELECT value FROM programme_settings WHERE key = ?1",
        params![key],
        |r| r.get(0),
    )
    .optional()?)
}

pub(crate) fn set_setting(
    c: &Connection,
    key: &str,
    value: &str,
    audit: &AuditContext,
) -> Result<()> {
    let before = setting(c, key)?;
    exec(
        c,
        "INSERT INTO programme_settings (key, value, updated_at, updated_by) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at,
             updated_by = excluded.updated_by",
        params![key, value, ts(audit.at), audit.actor.map(|u| u.to_string())],
    )?;
    audit::insert(
        c,
        &audit.entry(
            AuditAction::Update,
            "programme_setting",
            key.into(),
            vec![change(key, before, Some(value.into()))],
        ),
    )
}

pub(crate) fn set_self_approval(
    c: &Connection,
    office: OfficeId,
    on: bool,
    audit: &AuditContext,
) -> Result<()> {
    let n = exec(
        c,
        "UPDATE offices SET self_approval = ?2 WHERE id = ?1",
        params![office.to_string(), on],
    )?;
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    audit::insert(
        c,
        &audit.entry(
            AuditAction::Update,
            "office",
            office.to_string(),
            vec![change("self_approval", None, Some(on.to_string()))],
        ),
    )
}

/// Stores the stage a pathway change leads to, inside the change's transaction, audited as
/// derived (and only when it moves).
pub(crate) fn derive_stage(
    tx: &rusqlite::Connection,
    case: CaseId,
    stage: domain::case::CaseStage,
    audit: &AuditContext,
) -> Result<()> {
    let derived = AuditContext {
        reason: Some("derived from the pathway".into()),
        ..audit.clone()
    };
    set_stage(tx, case, stage, &derived)?;
    Ok(())
}
