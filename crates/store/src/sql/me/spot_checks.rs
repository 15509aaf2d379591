//! Spot checks, on both engines: recent disbursements and surveys, the checks drawn and their
//! verifications.

use domain::audit::{AuditAction, FieldChange};
use domain::me::spot_checks::{SpotDesign, SpotKind, SpotOutcome};
use domain::{CaseId, OfficeId, UserId};
use time::Date;

use super::same;
use crate::sql::{Db, Row, args, audit, named, pathway};
use crate::{
    AuditContext, NewEntry, NewSpotCheck, Result, SpotCheckItem, SpotCheckRecord, SpotItem,
    StoreError,
};

/// The records of a kind dated on or after `since`, in an office or all, by id.
pub(crate) async fn frame<D: Db>(
    db: &D,
    office: Option<OfficeId>,
    kind: SpotKind,
    since: Date,
) -> Result<Vec<SpotItem>> {
    let sql = match kind {
        SpotKind::Disbursement => {
            "SELECT e.id, e.case_id, e.entry_date, e.recorded_by FROM pathway_entries e
             JOIN cases c ON c.id = e.case_id
             WHERE e.kind = 'disbursement' AND e.entry_date >= ?2
               AND (CAST(?1 AS TEXT) IS NULL OR c.office_id = ?1)
             ORDER BY e.id"
        }
        SpotKind::Survey => {
            "SELECT r.submission_id, r.case_id, r.interview_date, r.interviewer_id
             FROM rss_scores r JOIN cases c ON c.id = r.case_id
             WHERE r.interview_date >= ?2 AND (CAST(?1 AS TEXT) IS NULL OR c.office_id = ?1)
             ORDER BY r.submission_id"
        }
    };
    db.rows(sql, &args![office.map(|o| o.0), since])
        .await?
        .iter()
        .map(|r| {
            Ok(SpotItem {
                item: r.get(0)?,
                case: CaseId(r.get(1)?),
                date: r.get(2)?,
                recorded_by: r.get::<Option<uuid::Uuid>>(3)?.map(UserId),
            })
        })
        .collect()
}

const CHECK_COLUMNS: &str = "k.id, k.office_id, o.code, k.kind, k.share, k.days, k.population,
    k.seed, u.display_name, k.created_on, k.created_at";
const CHECK_FROM: &str = "FROM spot_checks k LEFT JOIN offices o ON o.id = k.office_id
    JOIN users u ON u.id = k.created_by";

fn check_row(r: &Row) -> Result<SpotCheckRecord> {
    Ok(SpotCheckRecord {
        id: r.get(0)?,
        office: r.get::<Option<uuid::Uuid>>(1)?.map(OfficeId),
        office_code: r.get(2)?,
        design: SpotDesign {
            kind: named(3, r.text(3)?, SpotKind::parse)?,
            share: r.get(4)?,
            days: r.get(5)?,
        },
        population: r.get::<i64>(6)?.max(0) as usize,
        // Kept as a signed integer, bit for bit.
        seed: r.get::<i64>(7)? as u64,
        created_by_name: r.get(8)?,
        created_on: r.get(9)?,
        created_at: r.get(10)?,
    })
}

pub(crate) async fn check<D: Db>(db: &D, id: uuid::Uuid) -> Result<Option<SpotCheckRecord>> {
    db.opt(
        &format!("SELECT {CHECK_COLUMNS} {CHECK_FROM} WHERE k.id = ?1"),
        &args![id],
    )
    .await?
    .as_ref()
    .map(check_row)
    .transpose()
}

/// Checks drawn in an office (every office's for `None`), newest first.
pub(crate) async fn checks<D: Db>(
    db: &D,
    office: Option<OfficeId>,
) -> Result<Vec<SpotCheckRecord>> {
    db.rows(
        &format!(
            "SELECT {CHECK_COLUMNS} {CHECK_FROM} WHERE k.office_id {same} ?1
             ORDER BY k.created_at DESC, k.id",
            same = same(db.engine()),
        ),
        &args![office.map(|o| o.0)],
    )
    .await?
    .iter()
    .map(check_row)
    .collect()
}

/// A check's items, by case number.
pub(crate) async fn items<D: Db>(db: &D, id: uuid::Uuid) -> Result<Vec<SpotCheckItem>> {
    db.rows(
        "SELECT i.check_id, i.item_id, i.case_id, i.item_date, i.recorded_by, c.case_number,
             o.code, rb.display_name, i.outcome, i.note, vb.display_name
         FROM spot_check_items i JOIN cases c ON c.id = i.case_id
         JOIN offices o ON o.id = c.office_id
         LEFT JOIN users rb ON rb.id = i.recorded_by
         LEFT JOIN users vb ON vb.id = i.verified_by
         WHERE i.check_id = ?1 ORDER BY c.case_number, i.item_date, i.item_id",
        &args![id],
    )
    .await?
    .iter()
    .map(|r| {
        Ok(SpotCheckItem {
            check: r.get(0)?,
            item: SpotItem {
                item: r.get(1)?,
                case: CaseId(r.get(2)?),
                date: r.get(3)?,
                recorded_by: r.get::<Option<uuid::Uuid>>(4)?.map(UserId),
            },
            case_number: r.get(5)?,
            office_code: r.get(6)?,
            recorded_by_name: r.get(7)?,
            outcome: named(8, r.text(8)?, SpotOutcome::parse)?,
            note: r.get(9)?,
            verified_by_name: r.get(10)?,
        })
    })
    .collect()
}

/// Stores a check with the items drawn, audited.
pub(crate) async fn create<D: Db>(
    db: &D,
    k: &NewSpotCheck,
    drawn: &[SpotItem],
    audit: &AuditContext,
) -> Result<SpotCheckRecord> {
    db.exec(
        "INSERT INTO spot_checks (id, office_id, kind, share, days, population, seed,
           created_by, created_on, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        &args![
            k.id,
            k.office.map(|o| o.0),
            k.design.kind.as_str(),
            k.design.share,
            k.design.days,
            k.population,
            // Kept as a signed integer, bit for bit.
            k.seed as i64,
            k.created_by.0,
            k.created_on,
            audit.at,
        ],
    )
    .await?;
    for i in drawn {
        db.exec(
            "INSERT INTO spot_check_items (check_id, item_id, case_id, item_date,
               recorded_by) VALUES (?1, ?2, ?3, ?4, ?5)",
            &args![k.id, i.item, i.case.0, i.date, i.recorded_by.map(|u| u.0)],
        )
        .await?;
    }
    audit::insert(
        db,
        &audit.entry(
            AuditAction::Create,
            "spot_check",
            k.id.to_string(),
            vec![FieldChange {
                field: "items".into(),
                before: None,
                after: Some(format!(
                    "{} of {} {} ({}% of {} days) seed {}",
                    drawn.len(),
                    k.population,
                    k.design.kind.as_str(),
                    k.design.share,
                    k.design.days,
                    k.seed
                )),
            }],
        ),
    )
    .await?;
    check(db, k.id).await?.ok_or(StoreError::NotFound)
}

/// Records what the verifier found, with the task it raises written to the case's journal.
pub(crate) async fn verify<D: Db>(
    db: &D,
    check: uuid::Uuid,
    item: uuid::Uuid,
    outcome: SpotOutcome,
    note: &Option<String>,
    task: &Option<NewEntry>,
    audit: &AuditContext,
) -> Result<()> {
    let Some(found) = db
        .opt(
            "SELECT case_id, outcome FROM spot_check_items
             WHERE check_id = ?1 AND item_id = ?2",
            &args![check, item],
        )
        .await?
    else {
        return Err(StoreError::NotFound);
    };
    let (case, before): (String, String) = (found.get(0)?, found.get(1)?);
    if before != SpotOutcome::Pending.as_str() {
        return Err(StoreError::Conflict);
    }
    db.exec(
        "UPDATE spot_check_items SET outcome = ?3, note = ?4, verified_by = ?5,
           verified_at = ?6 WHERE check_id = ?1 AND item_id = ?2",
        &args![
            check,
            item,
            outcome.as_str(),
            note,
            audit.actor.map(|u| u.0),
            audit.at,
        ],
    )
    .await?;
    audit::insert(
        db,
        &audit.entry(
            AuditAction::Update,
            "case",
            case,
            vec![FieldChange {
                field: format!("spot_check:{check}:{item}"),
                before: Some(before),
                after: Some(outcome.as_str().into()),
            }],
        ),
    )
    .await?;
    if let Some(task) = task {
        pathway::add_entry(db, task, audit).await?;
    }
    Ok(())
}
