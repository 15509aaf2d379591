//! Reintegration Sustainability Survey scores and the scoring models a programme loaded.

use domain::audit::{AuditAction, FieldChange};
use domain::rss::{Breakdown, Round, Scores};
use domain::{CaseId, UserId};
use rusqlite::{Connection, OptionalExtension, params};

use super::audit;
use super::{exec, from_ts, parse_named, parse_uuid, q_row, ts};
use crate::model::*;
use crate::{AuditContext, Result, StoreError};

const COLUMNS: &str = "r.submission_id, r.case_id, r.round, r.interview_date, r.interviewer_id,
     u.display_name, r.economic, r.social, r.psychosocial, r.composite, r.dk_dwa_count,
     r.low_accuracy, r.model, r.breakdown, r.scored_at";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<RssScore> {
    let breakdown: String = r.get(13)?;
    let breakdown: Breakdown = serde_json::from_str(&breakdown).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(13, rusqlite::types::Type::Text, Box::new(e))
    })?;
    Ok(RssScore {
        submission: parse_uuid(0, &r.get::<_, String>(0)?)?,
        case: CaseId(parse_uuid(1, &r.get::<_, String>(1)?)?),
        round: parse_named(2, &r.get::<_, String>(2)?, Round::parse)?,
        interview_date: parse_named(3, &r.get::<_, String>(3)?, domain::case::date::parse)?,
        interviewer: UserId(parse_uuid(4, &r.get::<_, String>(4)?)?),
        interviewer_name: r.get(5)?,
        scores: Scores {
            economic: r.get(6)?,
            social: r.get(7)?,
            psychosocial: r.get(8)?,
            composite: r.get(9)?,
            dk_dwa_count: r.get(10)?,
            low_accuracy: r.get(11)?,
            model: r.get(12)?,
            breakdown,
        },
        scored_at: from_ts(r.get(14)?),
    })
}

pub(crate) fn scores_for_case(c: &Connection, case: CaseId) -> Result<Vec<RssScore>> {
    let mut stmt = c.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM rss_scores r JOIN users u ON u.id = r.interviewer_id
         WHERE r.case_id = ?1 ORDER BY r.interview_date, r.scored_at, r.submission_id"
    ))?;
    let rows = stmt.query_map(params![case.to_string()], row)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// The scored surveys of many returnees at once (an export's page of cases), by case and then
/// oldest interview first.
pub(crate) fn scores_for_cases(c: &Connection, cases: &[CaseId]) -> Result<Vec<RssScore>> {
    if cases.is_empty() {
        return Ok(Vec::new());
    }
    let list: Vec<String> = (1..=cases.len()).map(|i| format!("?{i}")).collect();
    let mut stmt = c.prepare(&format!(
        "SELECT {COLUMNS} FROM rss_scores r JOIN users u ON u.id = r.interviewer_id
         WHERE r.case_id IN ({})
         ORDER BY r.case_id, r.interview_date, r.scored_at, r.submission_id",
        list.join(", ")
    ))?;
    let ids: Vec<String> = cases.iter().map(|c| c.to_string()).collect();
    let rows = stmt.query_map(rusqlite::params_from_iter(ids.iter()), row)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

pub(crate) fn score_of(c: &Connection, submission: uuid::Uuid) -> Result<Option<RssScore>> {
    Ok(q_row(
        c,
        &format!(
            "SELECT {COLUMNS} FROM rss_scores r JOIN users u ON u.id = r.interviewer_id
             WHERE r.submission_id = ?1"
        ),
        params![submission.to_string()],
        row,
    )
    .optional()?)
}

fn show(x: Option<f64>) -> Option<String> {
    x.map(|v| format!("{v:.4}"))
}

/// Stores (or replaces) a survey's scores with an audit entry naming what changed. Returns
/// whether anything changed.
pub(crate) fn save(c: &Connection, s: &NewRssScore, audit: &AuditContext) -> Result<bool> {
    let before = score_of(c, s.submission)?;
    let breakdown = serde_json::to_string(&s.scores.breakdown)
        .map_err(|e| StoreError::Database(e.to_string()))?;
    let sc = &s.scores;
    let old = |f: fn(&RssScore) -> Option<String>| before.as_ref().and_then(f);
    let fields: [(&str, Option<String>, Option<String>); 7] = [
        (
            "economic",
            old(|b| show(b.scores.economic)),
            show(sc.economic),
        ),
        ("social", old(|b| show(b.scores.social)), show(sc.social)),
        (
            "psychosocial",
            old(|b| show(b.scores.psychosocial)),
            show(sc.psychosocial),
        ),
        (
            "composite",
            old(|b| show(b.scores.composite)),
            show(sc.composite),
        ),
        (
            "dk_dwa_count",
            old(|b| Some(b.scores.dk_dwa_count.to_string())),
            Some(sc.dk_dwa_count.to_string()),
        ),
        (
            "model",
            old(|b| Some(b.scores.model.clone())),
            Some(sc.model.clone()),
        ),
        (
            "round",
            old(|b| Some(b.round.as_str().into())),
            Some(s.round.as_str().into()),
        ),
    ];
    let changes: Vec<FieldChange> = fields
        .into_iter()
        .filter(|(_, b, a)| b != a)
        .map(|(field, before, after)| FieldChange {
            field: field.into(),
            before,
            after,
        })
        .collect();
    let same_breakdown = before
        .as_ref()
        .is_some_and(|b| b.scores.breakdown == sc.breakdown);
    if before.is_some() && changes.is_empty() && same_breakdown {
        return Ok(false);
    }
    exec(
        c,
        "INSERT INTO rss_scores (submission_id, case_id, round, interview_date, interviewer_id,
             economic, social, psychosocial, composite, dk_dwa_count, low_accuracy, model,
             breakdown, scored_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)
         ON CONFLICT (submission_id) DO UPDATE SET round = excluded.round,
             economic = excluded.economic, social = excluded.social,
             psychosocial = excluded.psychosocial, composite = excluded.composite,
             dk_dwa_count = excluded.dk_dwa_count, low_accuracy = excluded.low_accuracy,
             model = excluded.model, breakdown = excluded.breakdown, scored_at = excluded.scored_at",
        params![
            s.submission.to_string(),
            s.case.to_string(),
            s.round.as_str(),
            s.interview_date.to_string(),
            s.interviewer.to_string(),
            sc.economic,
            sc.social,
            sc.psychosocial,
            sc.composite,
            sc.dk_dwa_count,
            sc.low_accuracy,
            sc.model,
            breakdown,
            ts(audit.at)
        ],
    )?;
    let action = if before.is_some() {
        AuditAction::Update
    } else {
        AuditAction::Create
    };
    audit::insert(
        c,
        &audit.entry(action, "rss_score", s.submission.to_string(), changes),
    )?;
    Ok(true)
}

/// Completed submissions of one form, oldest first (for rescoring).
pub(crate) fn completed_submissions(c: &Connection, form_id: &str) -> Result<Vec<uuid::Uuid>> {
    let mut stmt = c.prepare_cached(
        "SELECT id FROM submissions WHERE form_id = ?1 AND status = 'complete'
         ORDER BY completed_at, id",
    )?;
    let rows = stmt.query_map(params![form_id], |r| parse_uuid(0, &r.get::<_, String>(0)?))?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

pub(crate) fn active_model(c: &Connection) -> Result<Option<String>> {
    Ok(q_row(
        c,
        "SELECT definition FROM scoring_models WHERE active = 1",
        [],
        |r| r.get(0),
    )
    .optional()?)
}

/// Stores a model (replacing an earlier load of the same id and version) and makes it the one
/// that scores new surveys.
pub(crate) fn activate_model(
    c: &Connection,
    id: &str,
    version: &str,
    definition: &str,
    audit: &AuditContext,
) -> Result<()> {
    let before = active_model_label(c)?;
    exec(
        c,
        "UPDATE scoring_models SET active = 0 WHERE active = 1",
        [],
    )?;
    exec(
        c,
        "INSERT INTO scoring_models (id, version, definition, loaded_at, active)
         VALUES (?1, ?2, ?3, ?4, 1)
         ON CONFLICT (id, version) DO UPDATE SET definition = excluded.definition,
             loaded_at = excluded.loaded_at, active = 1",
        params![id, version, definition, ts(audit.at)],
    )?;
    let after = format!("{id}/{version}");
    audit::insert(
        c,
        &audit.entry(
            AuditAction::Update,
            "scoring_model",
            "active".into(),
            vec![FieldChange {
                field: "model".into(),
                before,
                after: Some(after),
            }],
        ),
    )
}

fn active_model_label(c: &Connection) -> Result<Option<String>> {
    Ok(q_row(
        c,
        "SELECT id || '/' || version FROM scoring_models WHERE active = 1",
        [],
        |r| r.get(0),
    )
    .optional()?)
}
