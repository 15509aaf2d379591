//! Plan versions, on both engines: drafting, agreement, return with comments and approval, each
//! with its audit entry on the case.

use domain::audit::AuditAction;
use domain::pathway::plan::{AgreementMethod, PlanContent};
use domain::{CaseId, UserId};

use super::pathway::{case_list, change, json, on_case};
use super::{Db, Row, args, from_json, named};
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

fn plan_row(r: &Row) -> Result<PlanVersionRecord> {
    let agreement = match r.get(4)? {
        Some(date) => Some(PlanAgreementRecord {
            date,
            method: named(5, r.text(5)?, AgreementMethod::parse)?,
            copy_given: r.get::<Option<bool>>(6)?.unwrap_or(false),
            recorded_by_name: r.get(7)?,
        }),
        None => None,
    };
    let approval = match r.get(8)? {
        Some(at) => Some(PlanApprovalRecord {
            by: r.get::<Option<uuid::Uuid>>(9)?.map(UserId),
            by_name: r.get(10)?,
            at,
            self_approved: r.get::<Option<bool>>(11)?.unwrap_or(false),
        }),
        None => None,
    };
    Ok(PlanVersionRecord {
        case: CaseId(r.get(0)?),
        version: r.get(1)?,
        content: from_json(2, r.text(2)?)?,
        revision: r.get(3)?,
        agreement,
        approval,
        returned: match (r.get::<Option<String>>(15)?, r.get(17)?) {
            (Some(comments), Some(at)) => Some(PlanReturnRecord {
                comments,
                by_name: r.get(16)?,
                at,
            }),
            _ => None,
        },
        created_at: r.get(12)?,
        created_by_name: r.get(13)?,
        updated_at: r.get(14)?,
    })
}

pub(crate) async fn plan_versions<D: Db>(db: &D, case: CaseId) -> Result<Vec<PlanVersionRecord>> {
    db.rows(
        &format!("SELECT {PLAN_COLUMNS} {PLAN_FROM} WHERE p.case_id = ?1 ORDER BY p.version"),
        &args![case.0],
    )
    .await?
    .iter()
    .map(plan_row)
    .collect()
}

/// The plan versions of up to 1,000 cases (an export), by case then version.
pub(crate) async fn plans_of_cases<D: Db>(
    db: &D,
    cases: &[CaseId],
) -> Result<Vec<PlanVersionRecord>> {
    let (list, ids) = case_list(cases)?;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    db.rows(
        &format!(
            "SELECT {PLAN_COLUMNS} {PLAN_FROM} WHERE p.case_id IN ({list})
             ORDER BY p.case_id, p.version"
        ),
        &ids,
    )
    .await?
    .iter()
    .map(plan_row)
    .collect()
}

async fn plan_version<D: Db>(db: &D, case: CaseId, version: i64) -> Result<PlanVersionRecord> {
    plan_row(
        &db.one(
            &format!("SELECT {PLAN_COLUMNS} {PLAN_FROM} WHERE p.case_id = ?1 AND p.version = ?2"),
            &args![case.0, version],
        )
        .await?,
    )
}

/// Starts a new version. `expected_latest` is the newest version the caller saw (`None`: no
/// plan yet); if another version was added since, [`StoreError::Conflict`].
pub(crate) async fn create_plan_version<D: Db>(
    db: &D,
    case: CaseId,
    expected_latest: Option<i64>,
    content: &PlanContent,
    audit: &AuditContext,
) -> Result<PlanVersionRecord> {
    let latest: Option<i64> = db
        .value(
            "SELECT max(version) FROM plan_versions WHERE case_id = ?1",
            &args![case.0],
        )
        .await?;
    if latest != expected_latest {
        return Err(StoreError::Conflict);
    }
    let version = latest.unwrap_or(0) + 1;
    db.exec(
        "INSERT INTO plan_versions (case_id, version, content, revision, created_at, created_by,
             updated_at)
         VALUES (?1, ?2, ?3, 1, ?4, ?5, ?4)",
        &args![
            case.0,
            version,
            json(content)?,
            audit.at,
            audit.actor.map(|a| a.0)
        ],
    )
    .await?;
    on_case(
        db,
        audit,
        AuditAction::Create,
        case,
        vec![change(
            "plan",
            latest.map(|v| format!("v{v}")),
            Some(format!("v{version}")),
        )],
    )
    .await?;
    plan_version(db, case, version).await
}

fn check_revision(p: &PlanVersionRecord, expected: i64) -> Result<()> {
    if p.revision != expected || p.approval.is_some() {
        return Err(StoreError::Conflict);
    }
    Ok(())
}

/// Replaces the content of a version not yet approved, withdrawing any agreement to it.
pub(crate) async fn update_plan_version<D: Db>(
    db: &D,
    case: CaseId,
    version: i64,
    expected_revision: i64,
    content: &PlanContent,
    audit: &AuditContext,
) -> Result<PlanVersionRecord> {
    let before = plan_version(db, case, version).await?;
    check_revision(&before, expected_revision)?;
    db.exec(
        "UPDATE plan_versions SET content = ?3, revision = revision + 1, agreed_on = NULL,
             agreement_method = NULL, copy_given = NULL, agreement_by = NULL, updated_at = ?4
         WHERE case_id = ?1 AND version = ?2",
        &args![case.0, version, json(content)?, audit.at],
    )
    .await?;
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
    on_case(db, audit, AuditAction::Update, case, changes).await?;
    plan_version(db, case, version).await
}

pub(crate) async fn agree_plan<D: Db>(
    db: &D,
    case: CaseId,
    version: i64,
    expected_revision: i64,
    a: &NewPlanAgreement,
    audit: &AuditContext,
) -> Result<()> {
    let (date, method) = (a.date, a.method);
    let before = plan_version(db, case, version).await?;
    check_revision(&before, expected_revision)?;
    db.exec(
        "UPDATE plan_versions SET agreed_on = ?3, agreement_method = ?4, copy_given = ?5,
             agreement_by = ?6, revision = revision + 1, updated_at = ?7
         WHERE case_id = ?1 AND version = ?2",
        &args![
            case.0,
            version,
            date,
            method.as_str(),
            a.copy_given,
            audit.actor.map(|a| a.0),
            audit.at
        ],
    )
    .await?;
    on_case(
        db,
        audit,
        AuditAction::Update,
        case,
        vec![change(
            &format!("plan.v{version}.agreement"),
            None,
            Some(format!("{date} ({})", method.as_str())),
        )],
    )
    .await
}

/// Returns a version awaiting approval with comments: its agreement is withdrawn (the version
/// is a draft again, to be changed and agreed anew) and the comments are kept with it.
pub(crate) async fn return_plan<D: Db>(
    db: &D,
    case: CaseId,
    version: i64,
    expected_revision: i64,
    comments: &str,
    audit: &AuditContext,
) -> Result<()> {
    let before = plan_version(db, case, version).await?;
    check_revision(&before, expected_revision)?;
    if !before.status().approvable() {
        return Err(StoreError::Conflict);
    }
    db.exec(
        "UPDATE plan_versions SET agreed_on = NULL, agreement_method = NULL, copy_given = NULL,
             agreement_by = NULL, returned_comments = ?3, returned_by = ?4, returned_at = ?5,
             revision = revision + 1, updated_at = ?5
         WHERE case_id = ?1 AND version = ?2",
        &args![
            case.0,
            version,
            comments,
            audit.actor.map(|a| a.0),
            audit.at
        ],
    )
    .await?;
    on_case(
        db,
        audit,
        AuditAction::Update,
        case,
        vec![change(
            &format!("plan.v{version}.approval"),
            None,
            Some("returned with comments".into()),
        )],
    )
    .await
}

pub(crate) async fn approve_plan<D: Db>(
    db: &D,
    case: CaseId,
    version: i64,
    expected_revision: i64,
    self_approved: bool,
    audit: &AuditContext,
) -> Result<()> {
    let before = plan_version(db, case, version).await?;
    check_revision(&before, expected_revision)?;
    // The rule is domain's; checked again here against the row being changed.
    if !before.status().approvable() {
        return Err(StoreError::Conflict);
    }
    db.exec(
        "UPDATE plan_versions SET approved_at = ?3, approved_by = ?4, self_approved = ?5,
             revision = revision + 1, updated_at = ?3
         WHERE case_id = ?1 AND version = ?2",
        &args![
            case.0,
            version,
            audit.at,
            audit.actor.map(|a| a.0),
            self_approved
        ],
    )
    .await?;
    on_case(
        db,
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
    .await
}
