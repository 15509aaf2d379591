//! Plan versions: drafting, agreement, return with comments and approval, each with its audit
//! entry on the case.

use domain::CaseId;
use domain::audit::AuditAction;
use domain::pathway::plan::{AgreementMethod, PlanContent};
use rusqlite::{Connection, OptionalExtension, Row, params};
use time::Date;

use super::cases::opt_date_col;
use super::pathway::{change, on_case};
use super::{exec, from_json, from_ts, json, opt_user, parse_named, parse_uuid, q_row, ts};
use crate::model::*;
use crate::{AuditContext, Result, StoreError};

const PLAN_COLUMNS: &str = "p.case_id, p.version, p.content, p.revision, p.agreed_on,
    p.agreement_method, p.copy_given, ab.display_name, p.approved_at, p.approved_by,
    ap.display_name, p.self_approved, p.created_at, cb.display_name, p.updated_at,
    p.returned_comments, rb.display_name, p.returned_at";
const PLAN_FROM: &str = "FROM plan_versions p
    LEFT JOIN users ab ON ab.id = p.agreement_by
    LEFT JOIN users ap ON ap.id = p.approved_by
    LEFT JOIN users cb ON cb.id = p.created_by
    LEFT JOIN users rb ON rb.id = p.returned_by";

fn plan_row(r: &Row<'_>) -> rusqlite::Result<PlanVersionRecord> {
    let agreed: Option<Date> = opt_date_col(4, r.get(4)?)?;
    let agreement = match agreed {
        Some(date) => Some(PlanAgreementRecord {
            date,
            method: parse_named(5, &r.get::<_, String>(5)?, AgreementMethod::parse)?,
            copy_given: r.get::<_, Option<bool>>(6)?.unwrap_or(false),
            recorded_by_name: r.get(7)?,
        }),
        None => None,
    };
    let approval = match r.get::<_, Option<i64>>(8)? {
        Some(at) => Some(PlanApprovalRecord {
            by: opt_user(9, r.get(9)?)?,
            by_name: r.get(10)?,
            at: from_ts(at),
            self_approved: r.get::<_, Option<bool>>(11)?.unwrap_or(false),
        }),
        None => None,
    };
    Ok(PlanVersionRecord {
        case: CaseId(parse_uuid(0, &r.get::<_, String>(0)?)?),
        version: r.get(1)?,
        content: from_json(2, &r.get::<_, String>(2)?)?,
        revision: r.get(3)?,
        agreement,
        approval,
        returned: match (
            r.get::<_, Option<String>>(15)?,
            r.get::<_, Option<i64>>(17)?,
        ) {
            (Some(comments), Some(at)) => Some(PlanReturnRecord {
                comments,
                by_name: r.get(16)?,
                at: from_ts(at),
            }),
            _ => None,
        },
        created_at: from_ts(r.get(12)?),
        created_by_name: r.get(13)?,
        updated_at: from_ts(r.get(14)?),
    })
}

pub(crate) fn plan_versions(c: &Connection, case: CaseId) -> Result<Vec<PlanVersionRecord>> {
    let mut stmt = c.prepare_cached(&format!(
        "SELECT {PLAN_COLUMNS} {PLAN_FROM} WHERE p.case_id = ?1 ORDER BY p.version"
    ))?;
    let rows = stmt.query_map(params![case.to_string()], plan_row)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

pub(crate) fn plans_of_cases(c: &Connection, cases: &[CaseId]) -> Result<Vec<PlanVersionRecord>> {
    if cases.is_empty() {
        return Ok(Vec::new());
    }
    let list: Vec<String> = (1..=cases.len()).map(|i| format!("?{i}")).collect();
    let mut stmt = c.prepare(&format!(
        "SELECT {PLAN_COLUMNS} {PLAN_FROM} WHERE p.case_id IN ({}) ORDER BY p.case_id, p.version",
        list.join(", ")
    ))?;
    let ids: Vec<String> = cases.iter().map(|c| c.to_string()).collect();
    let rows = stmt.query_map(rusqlite::params_from_iter(ids.iter()), plan_row)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

fn plan_version(c: &Connection, case: CaseId, version: i64) -> Result<PlanVersionRecord> {
    q_row(
        c,
        &format!("SELECT {PLAN_COLUMNS} {PLAN_FROM} WHERE p.case_id = ?1 AND p.version = ?2"),
        params![case.to_string(), version],
        plan_row,
    )
    .optional()?
    .ok_or(StoreError::NotFound)
}

/// Starts a new version. `expected_latest` is the newest version the caller saw (`None`: no
/// plan yet); if another version was added since, [`StoreError::Conflict`].
pub(crate) fn create_plan_version(
    c: &Connection,
    case: CaseId,
    expected_latest: Option<i64>,
    content: &PlanContent,
    audit: &AuditContext,
) -> Result<PlanVersionRecord> {
    let latest: Option<i64> = q_row(
        c,
        "SELECT max(version) FROM plan_versions WHERE case_id = ?1",
        params![case.to_string()],
        |r| r.get(0),
    )?;
    if latest != expected_latest {
        return Err(StoreError::Conflict);
    }
    let version = latest.unwrap_or(0) + 1;
    exec(
        c,
        "INSERT INTO plan_versions (case_id, version, content, revision, created_at, created_by,
             updated_at)
         VALUES (?1, ?2, ?3, 1, ?4, ?5, ?4)",
        params![
            case.to_string(),
            version,
            json(content)?,
            ts(audit.at),
            audit.actor.map(|a| a.to_string())
        ],
    )?;
    on_case(
        c,
        audit,
        AuditAction::Create,
        case,
        vec![change(
            "plan",
            latest.map(|v| format!("v{v}")),
            Some(format!("v{version}")),
        )],
    )?;
    plan_version(c, case, version)
}

fn check_revision(p: &PlanVersionRecord, expected: i64) -> Result<()> {
    if p.revision != expected || p.approval.is_some() {
        return Err(StoreError::Conflict);
    }
    Ok(())
}

/// Replaces the content of a version not yet approved, withdrawing any agreement to it.
pub(crate) fn update_plan_version(
    c: &Connection,
    case: CaseId,
    version: i64,
    expected_revision: i64,
    content: &PlanContent,
    audit: &AuditContext,
) -> Result<PlanVersionRecord> {
    let before = plan_version(c, case, version)?;
    check_revision(&before, expected_revision)?;
    exec(
        c,
        "UPDATE plan_versions SET content = ?3, revision = revision + 1, agreed_on = NULL,
             agreement_method = NULL, copy_given = NULL, agreement_by = NULL, updated_at = ?4
         WHERE case_id = ?1 AND version = ?2",
        params![case.to_string(), version, json(content)?, ts(audit.at)],
    )?;
    let mut changes = vec![change(
        &format!("plan.v{version}"),
        None,
        Some("edited".into()),
    )];
    if before.agreement.is_some() {
        changes.push(change(
            &format!("plan.v{version}.agreement"),
            Some("agreed".into()),
            None,
        ));
    }
    on_case(c, audit, AuditAction::Update, case, changes)?;
    plan_version(c, case, version)
}

pub(crate) fn agree_plan(
    c: &Connection,
    case: CaseId,
    version: i64,
    expected_revision: i64,
    a: &NewPlanAgreement,
    audit: &AuditContext,
) -> Result<()> {
    let (date, method) = (a.date, a.method);
    let before = plan_version(c, case, version)?;
    check_revision(&before, expected_revision)?;
    exec(
        c,
        "UPDATE plan_versions SET agreed_on = ?3, agreement_method = ?4, copy_given = ?5,
             agreement_by = ?6, revision = revision + 1, updated_at = ?7
         WHERE case_id = ?1 AND version = ?2",
        params![
            case.to_string(),
            version,
            date.to_string(),
            method.as_str(),
            a.copy_given,
            audit.actor.map(|a| a.to_string()),
            ts(audit.at)
        ],
    )?;
    on_case(
        c,
        audit,
        AuditAction::Update,
        case,
        vec![change(
            &format!("plan.v{version}.agreement"),
            None,
            Some(format!("{date} ({})", method.as_str())),
        )],
    )
}

/// Returns a version awaiting approval with comments: its agreement is withdrawn (the version
/// is a draft again, to be changed and agreed anew) and the comments are kept with it.
pub(crate) fn return_plan(
    c: &Connection,
    case: CaseId,
    version: i64,
    expected_revision: i64,
    comments: &str,
    audit: &AuditContext,
) -> Result<()> {
    let before = plan_version(c, case, version)?;
    check_revision(&before, expected_revision)?;
    if !before.status().approvable() {
        return Err(StoreError::Conflict);
    }
    exec(
        c,
        "UPDATE plan_versions SET agreed_on = NULL, agreement_method = NULL, copy_given = NULL,
             agreement_by = NULL, returned_comments = ?3, returned_by = ?4, returned_at = ?5,
             revision = revision + 1, updated_at = ?5
         WHERE case_id = ?1 AND version = ?2",
        params![
            case.to_string(),
            version,
            comments,
            audit.actor.map(|a| a.to_string()),
            ts(audit.at)
        ],
    )?;
    on_case(
        c,
        audit,
        AuditAction::Update,
        case,
        vec![change(
            &format!("plan.v{version}.approval"),
            None,
            Some("returned with comments".into()),
        )],
    )
}

pub(crate) fn approve_plan(
    c: &Connection,
    case: CaseId,
    version: i64,
    expected_revision: i64,
    self_approved: bool,
    audit: &AuditContext,
) -> Result<()> {
    let before = plan_version(c, case, version)?;
    check_revision(&before, expected_revision)?;
    // The rule is domain's; checked again here against the row being changed.
    if !before.status().approvable() {
        return Err(StoreError::Conflict);
    }
    exec(
        c,
        "UPDATE plan_versions SET approved_at = ?3, approved_by = ?4, self_approved = ?5,
             revision = revision + 1, updated_at = ?3
         WHERE case_id = ?1 AND version = ?2",
        params![
            case.to_string(),
            version,
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
            &format!("plan.v{version}.approval"),
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

// Closures
