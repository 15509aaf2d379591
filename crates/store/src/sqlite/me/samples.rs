//! Monitoring samples: the frame read in one pass per table, the samples and their members.

use std::collections::BTreeSet;

use async_trait::async_trait;
use domain::audit::{AuditAction, FieldChange};
use domain::me::samples::{Coverage, Design, FrameCase, Strata};
use domain::{CaseId, OfficeId, UserId};
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::outcomes::assistance_received;
use crate::sqlite::cases::{SUMMARY_COLUMNS, SUMMARY_FROM, date_col, summary_row};
use crate::sqlite::{SqliteStore, audit, exec, from_ts, parse_named, parse_uuid, ts};
use crate::{AuditContext, NewSample, Result, SampleRecord, SampleStore, SampledCase, StoreError};

/// The latest decision recorded for a purpose, as an SQL expression about case `c`.
fn latest_decision(purpose: &str) -> String {
    format!(
        "(SELECT k.decision FROM consents k WHERE k.case_id = c.id AND k.purpose = '{purpose}'
          ORDER BY k.date DESC, k.recorded_at DESC LIMIT 1)"
    )
}

fn frame(c: &Connection, office: Option<OfficeId>) -> Result<Vec<FrameCase>> {
    let office = office.map(|o| o.to_string());
    let mut ids: Vec<String> = Vec::new();
    let mut out: Vec<FrameCase> = Vec::new();
    let mut stmt = c.prepare(&format!(
        "SELECT c.id, c.office_id, o.code, c.sex FROM cases c JOIN offices o ON o.id = c.office_id
         WHERE (?1 IS NULL OR c.office_id = ?1)
           AND {management} = 'given'
           AND COALESCE({monitoring}, 'given') = 'given'
         ORDER BY c.id",
        management = latest_decision("case_management"),
        monitoring = latest_decision("monitoring_evaluation"),
    ))?;
    let mut rows = stmt.query([&office])?;
    while let Some(r) = rows.next()? {
        let id: String = r.get(0)?;
        out.push(FrameCase {
            case: CaseId(parse_uuid(0, &id)?),
            office: OfficeId(parse_uuid(1, &r.get::<_, String>(1)?)?),
            office_code: r.get(2)?,
            sex: parse_named(3, &r.get::<_, String>(3)?, domain::case::Sex::parse)?,
            assistance: BTreeSet::new(),
        });
        ids.push(id);
    }
    assistance_received(c, &ids, |i, kind| {
        out[i].assistance.insert(kind);
    })?;
    Ok(out)
}

const SAMPLE_COLUMNS: &str = "s.id, s.office_id, o.code, s.label, s.round, s.strata, s.margin,
    s.confidence, s.population, s.size, s.seed, u.display_name, s.created_on, s.created_at";
const SAMPLE_FROM: &str = "FROM monitoring_samples s LEFT JOIN offices o ON o.id = s.office_id
    JOIN users u ON u.id = s.created_by";

fn sample_row(r: &Row<'_>) -> rusqlite::Result<SampleRecord> {
    Ok(SampleRecord {
        id: parse_uuid(0, &r.get::<_, String>(0)?)?,
        office: r
            .get::<_, Option<String>>(1)?
            .map(|o| parse_uuid(1, &o).map(OfficeId))
            .transpose()?,
        office_code: r.get(2)?,
        label: r.get(3)?,
        design: Design {
            round: parse_named(4, &r.get::<_, String>(4)?, domain::rss::Round::parse)?,
            strata: parse_named(5, &r.get::<_, String>(5)?, Strata::parse)?,
            margin: r.get(6)?,
            confidence: r.get(7)?,
        },
        population: r.get::<_, i64>(8)?.max(0) as usize,
        size: r.get::<_, i64>(9)?.max(0) as usize,
        // Kept as SQLite's signed integer, bit for bit.
        seed: r.get::<_, i64>(10)? as u64,
        created_by_name: r.get(11)?,
        created_on: date_col(12, &r.get::<_, String>(12)?)?,
        created_at: from_ts(r.get(13)?),
    })
}

fn one_sample(c: &Connection, id: uuid::Uuid) -> Result<Option<SampleRecord>> {
    Ok(c.query_row(
        &format!("SELECT {SAMPLE_COLUMNS} {SAMPLE_FROM} WHERE s.id = ?1"),
        [id.to_string()],
        sample_row,
    )
    .optional()?)
}

/// The members of one sample, or the sampled cases of one case manager.
fn members(c: &Connection, filter: &str, param: String) -> Result<Vec<SampledCase>> {
    let mut stmt = c.prepare(&format!(
        "SELECT {SUMMARY_COLUMNS}, m.sample_id, c.office_id, c.case_manager_id, m.stratum, m.draw,
             m.coverage, EXISTS (SELECT 1 FROM rss_scores r WHERE r.case_id = m.case_id
               AND r.round = s.round AND r.interview_date >= s.created_on)
         {SUMMARY_FROM} JOIN sample_members m ON m.case_id = c.id
         JOIN monitoring_samples s ON s.id = m.sample_id
         WHERE {filter} ORDER BY s.created_at DESC, m.draw, c.case_number"
    ))?;
    let rows = stmt.query_map([param], |r| {
        Ok(SampledCase {
            case: summary_row(r)?,
            sample: parse_uuid(12, &r.get::<_, String>(12)?)?,
            office: OfficeId(parse_uuid(13, &r.get::<_, String>(13)?)?),
            case_manager: r
                .get::<_, Option<String>>(14)?
                .map(|u| parse_uuid(14, &u).map(UserId))
                .transpose()?,
            stratum: r.get(15)?,
            draw: r.get(16)?,
            recorded: parse_named(17, &r.get::<_, String>(17)?, Coverage::parse)?,
            surveyed: r.get(18)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

fn insert_members(
    tx: &Connection,
    id: uuid::Uuid,
    draw: u32,
    members: &[(CaseId, String)],
) -> Result<()> {
    for (case, stratum) in members {
        exec(
            tx,
            "INSERT INTO sample_members (sample_id, case_id, stratum, draw) VALUES (?1, ?2, ?3, ?4)",
            params![id.to_string(), case.to_string(), stratum, draw],
        )?;
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

#[async_trait]
impl SampleStore for SqliteStore {
    async fn sampling_frame(&self, office: Option<OfficeId>) -> Result<Vec<FrameCase>> {
        self.read(move |c| frame(c, office)).await
    }

    async fn create_sample(
        &self,
        s: NewSample,
        members: Vec<(CaseId, String)>,
        audit: AuditContext,
    ) -> Result<SampleRecord> {
        self.write(move |tx| {
            exec(
                tx,
                "INSERT INTO monitoring_samples (id, office_id, label, round, strata, margin,
                   confidence, population, size, seed, created_by, created_on, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
                params![
                    s.id.to_string(),
                    s.office.map(|o| o.to_string()),
                    s.label,
                    s.design.round.as_str(),
                    s.design.strata.as_str(),
                    s.design.margin,
                    s.design.confidence,
                    s.population as i64,
                    s.size as i64,
                    s.seed as i64,
                    s.created_by.to_string(),
                    s.created_on.to_string(),
                    ts(audit.at),
                ],
            )?;
            insert_members(tx, s.id, 0, &members)?;
            let mut changes = drawn(0, &members);
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
                tx,
                &audit.entry(
                    AuditAction::Create,
                    "monitoring_sample",
                    s.id.to_string(),
                    changes,
                ),
            )?;
            one_sample(tx, s.id)?.ok_or(StoreError::NotFound)
        })
        .await
    }

    async fn samples(&self, office: Option<OfficeId>) -> Result<Vec<SampleRecord>> {
        self.read(move |c| {
            let mut stmt = c.prepare(&format!(
                "SELECT {SAMPLE_COLUMNS} {SAMPLE_FROM} WHERE s.office_id IS ?1
                 ORDER BY s.created_at DESC, s.id"
            ))?;
            let rows = stmt.query_map([office.map(|o| o.to_string())], sample_row)?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
        .await
    }

    async fn sample(&self, id: uuid::Uuid) -> Result<Option<SampleRecord>> {
        self.read(move |c| one_sample(c, id)).await
    }

    async fn sample_members(&self, id: uuid::Uuid) -> Result<Vec<SampledCase>> {
        self.read(move |c| members(c, "m.sample_id = ?1", id.to_string()))
            .await
    }

    async fn add_sample_members(
        &self,
        id: uuid::Uuid,
        draw: u32,
        members: Vec<(CaseId, String)>,
        audit: AuditContext,
    ) -> Result<()> {
        self.write(move |tx| {
            insert_members(tx, id, draw, &members)?;
            audit::insert(
                tx,
                &audit.entry(
                    AuditAction::Update,
                    "monitoring_sample",
                    id.to_string(),
                    drawn(draw, &members),
                ),
            )
        })
        .await
    }

    async fn set_sample_coverage(
        &self,
        id: uuid::Uuid,
        case: CaseId,
        coverage: Coverage,
        audit: AuditContext,
    ) -> Result<()> {
        self.write(move |tx| {
            let before: Option<String> = tx
                .query_row(
                    "SELECT coverage FROM sample_members WHERE sample_id = ?1 AND case_id = ?2",
                    params![id.to_string(), case.to_string()],
                    |r| r.get(0),
                )
                .optional()?;
            let Some(before) = before else {
                return Err(StoreError::NotFound);
            };
            exec(
                tx,
                "UPDATE sample_members SET coverage = ?3, recorded_by = ?4, recorded_at = ?5
                 WHERE sample_id = ?1 AND case_id = ?2",
                params![
                    id.to_string(),
                    case.to_string(),
                    coverage.as_str(),
                    audit.actor.map(|u| u.to_string()),
                    ts(audit.at),
                ],
            )?;
            audit::insert(
                tx,
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
        })
        .await
    }

    async fn sampled_cases_of(&self, case_manager: UserId) -> Result<Vec<SampledCase>> {
        self.read(move |c| members(c, "c.case_manager_id = ?1", case_manager.to_string()))
            .await
    }
}
