//! Monitoring samples, on both engines: who may be sampled (the frame), the samples drawn and
//! their members with what became of each.

use std::collections::BTreeSet;

use domain::audit::{AuditAction, FieldChange};
use domain::me::samples::{Coverage, Design, FrameCase, Strata};
use domain::{CaseId, OfficeId, UserId};

use super::outcomes::assistance_between;
use super::same;
use crate::sql::cases::{SUMMARY_COLUMNS, SUMMARY_FROM, summary};
use crate::sql::{Db, Row, args, audit, named};
use crate::{AuditContext, NewSample, Result, SampleRecord, SampledCase, StoreError};

/// The latest decision recorded for a purpose, as an SQL expression about case `c`.
fn latest_decision(purpose: &str) -> String {
    format!(
        "(SELECT k.decision FROM consents k WHERE k.case_id = c.id AND k.purpose = '{purpose}'
          ORDER BY k.date DESC, k.recorded_at DESC LIMIT 1)"
    )
}

/// The returnees a sample may be drawn from, in case order, without their assistance yet; with
/// their ids as stored, for matching the assistance to them.
pub(crate) async fn frame_cases<D: Db>(
    db: &D,
    office: Option<OfficeId>,
) -> Result<(Vec<String>, Vec<FrameCase>)> {
    let rows = db
        .rows(
            &format!(
                "SELECT c.id, c.office_id, o.code, c.sex
                 FROM cases c JOIN offices o ON o.id = c.office_id
                 WHERE (CAST(?1 AS TEXT) IS NULL OR c.office_id = ?1)
                   AND {management} = 'given'
                   AND COALESCE({monitoring}, 'given') = 'given'
                 ORDER BY c.id",
                management = latest_decision("case_management"),
                monitoring = latest_decision("monitoring_evaluation"),
            ),
            &args![office.map(|o| o.0)],
        )
        .await?;
    let mut ids = Vec::with_capacity(rows.len());
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        ids.push(r.get(0)?);
        out.push(FrameCase {
            case: CaseId(r.get(0)?),
            office: OfficeId(r.get(1)?),
            office_code: r.get(2)?,
            sex: named(3, r.text(3)?, domain::case::Sex::parse)?,
            assistance: BTreeSet::new(),
        });
    }
    Ok((ids, out))
}

/// Cases whose assistance is read at a time, on PostgreSQL (a handful in tests, to cross
/// batches).
const ASSISTANCE_BATCH: usize = if cfg!(test) { 7 } else { 5_000 };

/// PostgreSQL's frame: the returnees, then their assistance a range of case ids at a time.
/// (SQLite's reads the assistance tables whole in case order: `sqlite::me::assistance_received`.)
pub(crate) async fn frame<D: Db>(db: &D, office: Option<OfficeId>) -> Result<Vec<FrameCase>> {
    let (ids, mut out) = frame_cases(db, office).await?;
    for (n, chunk) in ids.chunks(ASSISTANCE_BATCH).enumerate() {
        let (Some(first), Some(last)) = (chunk.first(), chunk.last()) else {
            continue;
        };
        let offset = n * ASSISTANCE_BATCH;
        assistance_between(db, &args![first, last], |case, kind| {
            if let Ok(i) = chunk.binary_search_by(|x| x.as_str().cmp(case)) {
                out[offset + i].assistance.insert(kind.to_string());
            }
        })
        .await?;
    }
    Ok(out)
}

const SAMPLE_COLUMNS: &str = "s.id, s.office_id, o.code, s.label, s.round, s.strata, s.margin,
    s.confidence, s.population, s.size, s.seed, u.display_name, s.created_on, s.created_at";
const SAMPLE_FROM: &str = "FROM monitoring_samples s LEFT JOIN offices o ON o.id = s.office_id
    JOIN users u ON u.id = s.created_by";

fn sample_row(r: &Row) -> Result<SampleRecord> {
    Ok(SampleRecord {
        id: r.get(0)?,
        office: r.get::<Option<uuid::Uuid>>(1)?.map(OfficeId),
        office_code: r.get(2)?,
        label: r.get(3)?,
        design: Design {
            round: named(4, r.text(4)?, domain::rss::Round::parse)?,
            strata: named(5, r.text(5)?, Strata::parse)?,
            margin: r.get(6)?,
            confidence: r.get(7)?,
        },
        population: r.get::<i64>(8)?.max(0) as usize,
        size: r.get::<i64>(9)?.max(0) as usize,
        // Kept as a signed integer, bit for bit.
        seed: r.get::<i64>(10)? as u64,
        created_by_name: r.get(11)?,
        created_on: r.get(12)?,
        created_at: r.get(13)?,
    })
}

pub(crate) async fn sample<D: Db>(db: &D, id: uuid::Uuid) -> Result<Option<SampleRecord>> {
    db.opt(
        &format!("SELECT {SAMPLE_COLUMNS} {SAMPLE_FROM} WHERE s.id = ?1"),
        &args![id],
    )
    .await?
    .as_ref()
    .map(sample_row)
    .transpose()
}

/// Samples drawn in an office (those of every office for `None`), newest first.
pub(crate) async fn samples<D: Db>(db: &D, office: Option<OfficeId>) -> Result<Vec<SampleRecord>> {
    db.rows(
        &format!(
            "SELECT {SAMPLE_COLUMNS} {SAMPLE_FROM} WHERE s.office_id {same} ?1
             ORDER BY s.created_at DESC, s.id",
            same = same(db.engine()),
        ),
        &args![office.map(|o| o.0)],
    )
    .await?
    .iter()
    .map(sample_row)
    .collect()
}

/// The members of one sample, or the sampled cases of one case manager.
async fn members<D: Db>(db: &D, filter: &str, param: uuid::Uuid) -> Result<Vec<SampledCase>> {
    db.rows(
        &format!(
            "SELECT {SUMMARY_COLUMNS}, m.sample_id, c.office_id, c.case_manager_id, m.stratum,
                 m.draw, m.coverage, EXISTS (SELECT 1 FROM rss_scores r WHERE r.case_id = m.case_id
                   AND r.round = s.round AND r.interview_date >= s.created_on)
             {SUMMARY_FROM} JOIN sample_members m ON m.case_id = c.id
             JOIN monitoring_samples s ON s.id = m.sample_id
             WHERE {filter} ORDER BY s.created_at DESC, m.draw, c.case_number"
        ),
        &args![param],
    )
    .await?
    .iter()
    .map(|r| {
        Ok(SampledCase {
            case: summary(r)?,
            sample: r.get(12)?,
            office: OfficeId(r.get(13)?),
            case_manager: r.get::<Option<uuid::Uuid>>(14)?.map(UserId),
            stratum: r.get(15)?,
            draw: r.get(16)?,
            recorded: named(17, r.text(17)?, Coverage::parse)?,
            surveyed: r.get(18)?,
        })
    })
    .collect()
}

pub(crate) async fn sample_members<D: Db>(db: &D, id: uuid::Uuid) -> Result<Vec<SampledCase>> {
    members(db, "m.sample_id = ?1", id).await
}

pub(crate) async fn sampled_cases_of<D: Db>(
    db: &D,
    case_manager: UserId,
) -> Result<Vec<SampledCase>> {
    members(db, "c.case_manager_id = ?1", case_manager.0).await
}

async fn insert_members<D: Db>(
    db: &D,
    id: uuid::Uuid,
    draw: u32,
    members: &[(CaseId, String)],
) -> Result<()> {
    for (case, stratum) in members {
        db.exec(
            "INSERT INTO sample_members (sample_id, case_id, stratum, draw) VALUES (?1, ?2, ?3, ?4)",
            &args![id, case.0, stratum, draw],
        )
        .await?;
    }
    Ok(())
}

fn drawn(draw: u32, members: &[(CaseId, String)]) -> Vec<FieldChange> {
    vec![
        FieldChange {
            field: "draw".into(),
            before: None,
            after: Some(draw.to_string()),
        },
        FieldChange {
            field: "members".into(),
            before: None,
            after: Some(members.len().to_string()),
        },
    ]
}

/// Stores a sample with its first draw (draw 0), audited.
pub(crate) async fn create<D: Db>(
    db: &D,
    s: &NewSample,
    members: &[(CaseId, String)],
    audit: &AuditContext,
) -> Result<SampleRecord> {
    db.exec(
        "INSERT INTO monitoring_samples (id, office_id, label, round, strata, margin,
           confidence, population, size, seed, created_by, created_on, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        &args![
            s.id,
            s.office.map(|o| o.0),
            &s.label,
            s.design.round.as_str(),
            s.design.strata.as_str(),
            s.design.margin,
            s.design.confidence,
            s.population,
            s.size,
            // Kept as a signed integer, bit for bit.
            s.seed as i64,
            s.created_by.0,
            s.created_on,
            audit.at,
        ],
    )
    .await?;
    insert_members(db, s.id, 0, members).await?;
    let mut changes = drawn(0, members);
    changes.push(FieldChange {
        field: "design".into(),
        before: None,
        after: Some(format!(
            "{} {} ±{} {}% seed {}",
            s.design.round.as_str(),
            s.design.strata.as_str(),
            s.design.margin,
            s.design.confidence,
            s.seed
        )),
    });
    audit::insert(
        db,
        &audit.entry(
            AuditAction::Create,
            "monitoring_sample",
            s.id.to_string(),
            changes,
        ),
    )
    .await?;
    sample(db, s.id).await?.ok_or(StoreError::NotFound)
}

/// Adds the members of a top-up, audited.
pub(crate) async fn add_members<D: Db>(
    db: &D,
    id: uuid::Uuid,
    draw: u32,
    members: &[(CaseId, String)],
    audit: &AuditContext,
) -> Result<()> {
    insert_members(db, id, draw, members).await?;
    audit::insert(
        db,
        &audit.entry(
            AuditAction::Update,
            "monitoring_sample",
            id.to_string(),
            drawn(draw, members),
        ),
    )
    .await
}

/// Records what became of a member, audited on the case.
pub(crate) async fn set_coverage<D: Db>(
    db: &D,
    id: uuid::Uuid,
    case: CaseId,
    coverage: Coverage,
    audit: &AuditContext,
) -> Result<()> {
    let Some(before) = db
        .opt(
            "SELECT coverage FROM sample_members WHERE sample_id = ?1 AND case_id = ?2",
            &args![id, case.0],
        )
        .await?
    else {
        return Err(StoreError::NotFound);
    };
    let before: String = before.get(0)?;
    db.exec(
        "UPDATE sample_members SET coverage = ?3, recorded_by = ?4, recorded_at = ?5
         WHERE sample_id = ?1 AND case_id = ?2",
        &args![
            id,
            case.0,
            coverage.as_str(),
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
            case.to_string(),
            vec![FieldChange {
                field: format!("sample_coverage:{id}"),
                before: Some(before),
                after: Some(coverage.as_str().into()),
            }],
        ),
    )
    .await
}
