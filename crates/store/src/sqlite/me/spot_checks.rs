//! Spot checks: recent disbursements and surveys, the checks drawn and their verifications.

use async_trait::async_trait;
use domain::audit::{AuditAction, FieldChange};
use domain::me::spot_checks::{SpotDesign, SpotKind, SpotOutcome};
use domain::{CaseId, OfficeId, UserId};
use rusqlite::{Connection, OptionalExtension, Row, params};
use time::Date;

use crate::sqlite::cases::date_col;
use crate::sqlite::{SqliteStore, audit, exec, from_ts, opt_user, parse_named, parse_uuid, ts};
use crate::{
    AuditContext, NewEntry, NewSpotCheck, Result, SpotCheckItem, SpotCheckRecord, SpotCheckStore,
    SpotItem, StoreError,
};

fn frame(
    c: &Connection,
    office: Option<OfficeId>,
    kind: SpotKind,
    since: Date,
) -> Result<Vec<SpotItem>> {
    let sql = match kind {
        SpotKind::Disbursement => {
            "SELECT e.id, e.case_id, e.entry_date, e.recorded_by FROM pathway_entries e
             JOIN cases c ON c.id = e.case_id
             WHERE e.kind = 'disbursement' AND e.entry_date >= ?2
               AND (?1 IS NULL OR c.office_id = ?1)
             ORDER BY e.id"
        }
        SpotKind::Survey => {
            "SELECT r.submission_id, r.case_id, r.interview_date, r.interviewer_id
             FROM rss_scores r JOIN cases c ON c.id = r.case_id
             WHERE r.interview_date >= ?2 AND (?1 IS NULL OR c.office_id = ?1)
             ORDER BY r.submission_id"
        }
    };
    let mut stmt = c.prepare(sql)?;
    let rows = stmt.query_map(
        params![office.map(|o| o.to_string()), since.to_string()],
        |r| {
            Ok(SpotItem {
                item: parse_uuid(0, &r.get::<_, String>(0)?)?,
                case: CaseId(parse_uuid(1, &r.get::<_, String>(1)?)?),
                date: date_col(2, &r.get::<_, String>(2)?)?,
                recorded_by: opt_user(3, r.get(3)?)?,
            })
        },
    )?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

const CHECK_COLUMNS: &str = "k.id, k.office_id, o.code, k.kind, k.share, k.days, k.population,
    k.seed, u.display_name, k.created_on, k.created_at";
const CHECK_FROM: &str = "FROM spot_checks k LEFT JOIN offices o ON o.id = k.office_id
    JOIN users u ON u.id = k.created_by";

fn check_row(r: &Row<'_>) -> rusqlite::Result<SpotCheckRecord> {
    Ok(SpotCheckRecord {
        id: parse_uuid(0, &r.get::<_, String>(0)?)?,
        office: r
            .get::<_, Option<String>>(1)?
            .map(|o| parse_uuid(1, &o).map(OfficeId))
            .transpose()?,
        office_code: r.get(2)?,
        design: SpotDesign {
            kind: parse_named(3, &r.get::<_, String>(3)?, SpotKind::parse)?,
            share: r.get(4)?,
            days: r.get(5)?,
        },
        population: r.get::<_, i64>(6)?.max(0) as usize,
        // Kept as SQLite's signed integer, bit for bit.
        seed: r.get::<_, i64>(7)? as u64,
        created_by_name: r.get(8)?,
        created_on: date_col(9, &r.get::<_, String>(9)?)?,
        created_at: from_ts(r.get(10)?),
    })
}

fn one_check(c: &Connection, id: uuid::Uuid) -> Result<Option<SpotCheckRecord>> {
    Ok(c.query_row(
        &format!("SELECT {CHECK_COLUMNS} {CHECK_FROM} WHERE k.id = ?1"),
        [id.to_string()],
        check_row,
    )
    .optional()?)
}

fn items(c: &Connection, id: uuid::Uuid) -> Result<Vec<SpotCheckItem>> {
    let mut stmt = c.prepare(
        "SELECT i.check_id, i.item_id, i.case_id, i.item_date, i.recorded_by, c.case_number,
             o.code, rb.display_name, i.outcome, i.note, vb.display_name
         FROM spot_check_items i JOIN cases c ON c.id = i.case_id
         JOIN offices o ON o.id = c.office_id
         LEFT JOIN users rb ON rb.id = i.recorded_by
         LEFT JOIN users vb ON vb.id = i.verified_by
         WHERE i.check_id = ?1 ORDER BY c.case_number, i.item_date, i.item_id",
    )?;
    let rows = stmt.query_map([id.to_string()], |r| {
        Ok(SpotCheckItem {
            check: parse_uuid(0, &r.get::<_, String>(0)?)?,
            item: SpotItem {
                item: parse_uuid(1, &r.get::<_, String>(1)?)?,
                case: CaseId(parse_uuid(2, &r.get::<_, String>(2)?)?),
                date: date_col(3, &r.get::<_, String>(3)?)?,
                recorded_by: opt_user(4, r.get(4)?)?,
            },
            case_number: r.get(5)?,
            office_code: r.get(6)?,
            recorded_by_name: r.get(7)?,
            outcome: parse_named(8, &r.get::<_, String>(8)?, SpotOutcome::parse)?,
            note: r.get(9)?,
            verified_by_name: r.get(10)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

#[async_trait]
impl SpotCheckStore for SqliteStore {
    async fn spot_check_frame(
        &self,
        office: Option<OfficeId>,
        kind: SpotKind,
        since: Date,
    ) -> Result<Vec<SpotItem>> {
        self.read(move |c| frame(c, office, kind, since)).await
    }

    async fn create_spot_check(
        &self,
        k: NewSpotCheck,
        drawn: Vec<SpotItem>,
        audit: AuditContext,
    ) -> Result<SpotCheckRecord> {
        self.write(move |tx| {
            exec(
                tx,
                "INSERT INTO spot_checks (id, office_id, kind, share, days, population, seed,
                   created_by, created_on, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                params![
                    k.id.to_string(),
                    k.office.map(|o| o.to_string()),
                    k.design.kind.as_str(),
                    k.design.share,
                    k.design.days,
                    k.population as i64,
                    k.seed as i64,
                    k.created_by.to_string(),
                    k.created_on.to_string(),
                    ts(audit.at),
                ],
            )?;
            for i in &drawn {
                exec(
                    tx,
                    "INSERT INTO spot_check_items (check_id, item_id, case_id, item_date,
                       recorded_by) VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![
                        k.id.to_string(),
                        i.item.to_string(),
                        i.case.to_string(),
                        i.date.to_string(),
                        i.recorded_by.map(|u| u.to_string()),
                    ],
                )?;
            }
            audit::insert(
                tx,
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
            )?;
            one_check(tx, k.id)?.ok_or(StoreError::NotFound)
        })
        .await
    }

    async fn spot_checks(&self, office: Option<OfficeId>) -> Result<Vec<SpotCheckRecord>> {
        self.read(move |c| {
            let mut stmt = c.prepare(&format!(
                "SELECT {CHECK_COLUMNS} {CHECK_FROM} WHERE k.office_id IS ?1
                 ORDER BY k.created_at DESC, k.id"
            ))?;
            let rows = stmt.query_map([office.map(|o| o.to_string())], check_row)?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
        .await
    }

    async fn spot_check(&self, id: uuid::Uuid) -> Result<Option<SpotCheckRecord>> {
        self.read(move |c| one_check(c, id)).await
    }

    async fn spot_check_items(&self, id: uuid::Uuid) -> Result<Vec<SpotCheckItem>> {
        self.read(move |c| items(c, id)).await
    }

    async fn verify_spot_item(
        &self,
        check: uuid::Uuid,
        item: uuid::Uuid,
        outcome: SpotOutcome,
        note: Option<String>,
        task: Option<NewEntry>,
        audit: AuditContext,
    ) -> Result<()> {
        self.write(move |tx| {
            let found: Option<(String, String)> = tx
                .query_row(
                    "SELECT case_id, outcome FROM spot_check_items
                     WHERE check_id = ?1 AND item_id = ?2",
                    params![check.to_string(), item.to_string()],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            let Some((case, before)) = found else {
                return Err(StoreError::NotFound);
            };
            if before != SpotOutcome::Pending.as_str() {
                return Err(StoreError::Conflict);
            }
            exec(
                tx,
                "UPDATE spot_check_items SET outcome = ?3, note = ?4, verified_by = ?5,
                   verified_at = ?6 WHERE check_id = ?1 AND item_id = ?2",
                params![
                    check.to_string(),
                    item.to_string(),
                    outcome.as_str(),
                    note,
                    audit.actor.map(|u: UserId| u.to_string()),
                    ts(audit.at),
                ],
            )?;
            audit::insert(
                tx,
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
            )?;
            if let Some(task) = &task {
                crate::sqlite::pathway::add_entry(tx, task, &audit)?;
            }
            Ok(())
        })
        .await
    }
}
