//! Reintegration Sustainability Survey scores and the scoring models a programme loaded, on both
//! engines.

use domain::audit::{AuditAction, FieldChange};
use domain::rss::{Round, Scores};
use domain::{CaseId, UserId};

use super::pathway::{case_list, json};
use super::{Db, Row, args, audit, from_json, named, tallies};
use crate::model::*;
use crate::{AuditContext, Result};

const COLUMNS: &str = "r.submission_id, r.case_id, r.round, r.interview_date, r.interviewer_id,
     u.display_name, r.economic, r.social, r.psychosocial, r.composite, r.dk_dwa_count,
     r.low_accuracy, r.model, r.breakdown, r.scored_at";
const FROM: &str = "FROM rss_scores r JOIN users u ON u.id = r.interviewer_id";

fn row(r: &Row) -> Result<RssScore> {
    Ok(RssScore {
        submission: r.get(0)?,
        case: CaseId(r.get(1)?),
        round: named(2, r.text(2)?, Round::parse)?,
        interview_date: r.get(3)?,
        interviewer: UserId(r.get(4)?),
        interviewer_name: r.get(5)?,
        scores: Scores {
            economic: r.get(6)?,
            social: r.get(7)?,
            psychosocial: r.get(8)?,
            composite: r.get(9)?,
            dk_dwa_count: r.get(10)?,
            low_accuracy: r.get(11)?,
            model: r.get(12)?,
            breakdown: from_json(13, r.text(13)?)?,
        },
        scored_at: r.get(14)?,
    })
}

pub(crate) async fn scores_for_case<D: Db>(db: &D, case: CaseId) -> Result<Vec<RssScore>> {
    db.rows(
        &format!(
            "SELECT {COLUMNS} {FROM} WHERE r.case_id = ?1
             ORDER BY r.interview_date, r.scored_at, r.submission_id"
        ),
        &args![case.0],
    )
    .await?
    .iter()
    .map(row)
    .collect()
}

/// The scored surveys of many returnees at once (an export's page of cases, up to 1,000), by
/// case and then oldest interview first.
pub(crate) async fn scores_for_cases<D: Db>(db: &D, cases: &[CaseId]) -> Result<Vec<RssScore>> {
    let (list, ids) = case_list(cases)?;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    db.rows(
        &format!(
            "SELECT {COLUMNS} {FROM} WHERE r.case_id IN ({list})
             ORDER BY r.case_id, r.interview_date, r.scored_at, r.submission_id"
        ),
        &ids,
    )
    .await?
    .iter()
    .map(row)
    .collect()
}

pub(crate) async fn score_of<D: Db>(db: &D, submission: uuid::Uuid) -> Result<Option<RssScore>> {
    db.opt(
        &format!("SELECT {COLUMNS} {FROM} WHERE r.submission_id = ?1"),
        &args![submission],
    )
    .await?
    .as_ref()
    .map(row)
    .transpose()
}

fn show(x: Option<f64>) -> Option<String> {
    x.map(|v| format!("{v:.4}"))
}

/// Stores (or replaces) a survey's scores with an audit entry naming what changed. Returns
/// whether anything changed.
pub(crate) async fn save<D: Db>(db: &D, s: &NewRssScore, audit: &AuditContext) -> Result<bool> {
    let before = score_of(db, s.submission).await?;
    let breakdown = json(&s.scores.breakdown)?;
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
    let tallied = tallies::Before::read(db, &[s.case.0.to_string()]).await?;
    db.exec(
        "INSERT INTO rss_scores (submission_id, case_id, round, interview_date, interviewer_id,
             economic, social, psychosocial, composite, dk_dwa_count, low_accuracy, model,
             breakdown, scored_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)
         ON CONFLICT (submission_id) DO UPDATE SET round = excluded.round,
             economic = excluded.economic, social = excluded.social,
             psychosocial = excluded.psychosocial, composite = excluded.composite,
             dk_dwa_count = excluded.dk_dwa_count, low_accuracy = excluded.low_accuracy,
             model = excluded.model, breakdown = excluded.breakdown, scored_at = excluded.scored_at",
        &args![
            s.submission,
            s.case.0,
            s.round.as_str(),
            s.interview_date,
            s.interviewer.0,
            sc.economic,
            sc.social,
            sc.psychosocial,
            sc.composite,
            sc.dk_dwa_count,
            sc.low_accuracy,
            &sc.model,
            breakdown,
            audit.at,
        ],
    )
    .await?;
    tallied.settle(db).await?;
    let action = if before.is_some() {
        AuditAction::Update
    } else {
        AuditAction::Create
    };
    audit::insert(
        db,
        &audit.entry(action, "rss_score", s.submission.to_string(), changes),
    )
    .await?;
    Ok(true)
}

/// Completed submissions of one form, oldest first (for rescoring).
pub(crate) async fn completed_submissions<D: Db>(db: &D, form_id: &str) -> Result<Vec<uuid::Uuid>> {
    db.rows(
        "SELECT id FROM submissions WHERE form_id = ?1 AND status = 'complete'
         ORDER BY completed_at, id",
        &args![form_id],
    )
    .await?
    .iter()
    .map(|r| r.get(0))
    .collect()
}

pub(crate) async fn active_model<D: Db>(db: &D) -> Result<Option<String>> {
    db.opt(
        "SELECT definition FROM scoring_models WHERE active = 1",
        &[],
    )
    .await?
    .map(|r| r.get(0))
    .transpose()
}

/// Stores a model (replacing an earlier load of the same id and version) and makes it the one
/// that scores new surveys.
pub(crate) async fn activate_model<D: Db>(
    db: &D,
    id: &str,
    version: &str,
    definition: &str,
    audit: &AuditContext,
) -> Result<()> {
    let before = active_model_label(db).await?;
    db.exec("UPDATE scoring_models SET active = 0 WHERE active = 1", &[])
        .await?;
    db.exec(
        "INSERT INTO scoring_models (id, version, definition, loaded_at, active)
         VALUES (?1, ?2, ?3, ?4, 1)
         ON CONFLICT (id, version) DO UPDATE SET definition = excluded.definition,
             loaded_at = excluded.loaded_at, active = 1",
        &args![id, version, definition, audit.at],
    )
    .await?;
    let after = format!("{id}/{version}");
    audit::insert(
        db,
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
    .await
}

async fn active_model_label<D: Db>(db: &D) -> Result<Option<String>> {
    db.opt(
        "SELECT id || '/' || version FROM scoring_models WHERE active = 1",
        &[],
    )
    .await?
    .map(|r| r.get(0))
    .transpose()
}
