//! What the pathway reads across records, on both engines: a case's pathway in one read, the
//! work lists (open cases, approvals waiting, unmet needs).

use domain::{CaseId, OfficeId, UserId};

use super::cases::{SUMMARY_COLUMNS, SUMMARY_FROM, summary};
use super::{Db, Row, args, forms, pathway, plans, programme, rss};
use crate::model::*;
use crate::{Result, StoreError};

/// Everything a case's pathway is read from. Each statement reads on its own on both engines
/// (a reader takes no snapshot across them), as the SQLite reader always did.
pub(crate) async fn records<D: Db>(db: &D, case: CaseId) -> Result<PathwayRecords> {
    Ok(PathwayRecords {
        entries: pathway::entries(db, case).await?,
        plans: plans::plan_versions(db, case).await?,
        closures: pathway::closures(db, case).await?,
        submissions: forms::submissions_for(db, Subject::Case(case)).await?,
        rss: rss::scores_for_case(db, case).await?,
        follow_up: programme::setting(db, setting::FOLLOW_UP).await?,
    })
}

/// Cases assigned to a user that are not closed.
pub(crate) async fn open_cases_of<D: Db>(db: &D, user: UserId) -> Result<Vec<CaseSummary>> {
    db.rows(
        &format!(
            "SELECT {SUMMARY_COLUMNS} {SUMMARY_FROM}
             WHERE c.case_manager_id = ?1 AND c.stage <> 'closed' ORDER BY c.return_date, c.id"
        ),
        &args![user.0],
    )
    .await?
    .iter()
    .map(summary)
    .collect()
}

/// Plan versions agreed but not approved, and closures not approved, in an office or all.
pub(crate) async fn pending_approvals<D: Db>(
    db: &D,
    office: Option<OfficeId>,
) -> Result<Vec<PendingApproval>> {
    let office = office.map(|o| o.0);
    let extra = "c.case_manager_id, c.office_id, o.self_approval";
    let read = |r: &Row, plan: Option<i64>, closure: Option<uuid::Uuid>| {
        Ok::<_, StoreError>(PendingApproval {
            case: summary(r)?,
            case_manager: r.get::<Option<uuid::Uuid>>(12)?.map(UserId),
            office: OfficeId(r.get(13)?),
            self_approval: r.get(14)?,
            plan_version: plan,
            closure,
            since: r.get(16)?,
        })
    };
    let mut out = Vec::new();
    for r in db
        .rows(
            &format!(
                "SELECT {SUMMARY_COLUMNS}, {extra}, p.version, p.updated_at {SUMMARY_FROM}
                 JOIN plan_versions p ON p.case_id = c.id
                 WHERE p.approved_at IS NULL AND p.agreed_on IS NOT NULL
                   AND (CAST(?1 AS TEXT) IS NULL OR c.office_id = ?1)
                 ORDER BY p.updated_at"
            ),
            &args![office],
        )
        .await?
    {
        out.push(read(&r, Some(r.get(15)?), None)?);
    }
    for r in db
        .rows(
            &format!(
                "SELECT {SUMMARY_COLUMNS}, {extra}, x.id, x.requested_at {SUMMARY_FROM}
                 JOIN closures x ON x.case_id = c.id
                 WHERE x.approved_at IS NULL AND x.reopened_at IS NULL
                   AND (CAST(?1 AS TEXT) IS NULL OR c.office_id = ?1)
                 ORDER BY x.requested_at"
            ),
            &args![office],
        )
        .await?
    {
        out.push(read(&r, None, Some(r.get(15)?))?);
    }
    Ok(out)
}

/// Unmet needs recorded in an office or all offices, without names.
pub(crate) async fn unmet_needs<D: Db>(
    db: &D,
    office: Option<OfficeId>,
) -> Result<Vec<UnmetNeedRow>> {
    db.rows(
        "SELECT e.body, o.code, c.return_province, e.recorded_at
         FROM pathway_entries e JOIN cases c ON c.id = e.case_id
         JOIN offices o ON o.id = c.office_id
         WHERE e.kind = 'unmet_need' AND (CAST(?1 AS TEXT) IS NULL OR c.office_id = ?1)
         ORDER BY e.entry_date DESC, e.id",
        &args![office.map(|o| o.0)],
    )
    .await?
    .iter()
    .map(|r| {
        Ok(UnmetNeedRow {
            body: r.get(0)?,
            office_code: r.get(1)?,
            return_province: r.get(2)?,
            recorded_at: r.get(3)?,
        })
    })
    .collect()
}
