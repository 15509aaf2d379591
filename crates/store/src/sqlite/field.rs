//! Submissions from field clients: the whole receipt in one transaction, the instance ids that
//! recognise a resubmission, and the attachments of an instance sent over several posts.

use rusqlite::{Connection, OptionalExtension, params};
use time::OffsetDateTime;

use super::{exec, files, forms, parse_uuid, pathway, q_row, rss, ts};
use crate::model::*;
use crate::{AuditContext, Result};

pub(crate) fn instance(c: &Connection, instance_id: &str) -> Result<Option<uuid::Uuid>> {
    let found: Option<String> = q_row(
        c,
        "SELECT submission_id FROM field_instances WHERE instance_id = ?1",
        [instance_id],
        |r| r.get(0),
    )
    .optional()?;
    Ok(found.map(|s| parse_uuid(0, &s)).transpose()?)
}

/// The submission, its files and its completion, then the instance id, all or nothing.
pub(crate) fn receive(
    c: &Connection,
    r: &FieldReceipt,
    audit: &AuditContext,
) -> Result<ReceiptOutcome> {
    if let Some(id) = instance(c, &r.instance_id)? {
        return Ok(ReceiptOutcome::AlreadyStored(id));
    }
    let id = r.submission.id;
    forms::create_submission(c, &r.submission, audit)?;
    for f in &r.files {
        files::add(c, f, audit)?;
    }
    let draft = forms::get_submission(c, id)?;
    let completion = SubmissionUpdate {
        id,
        expected_version: draft.version,
        ..r.completion.clone()
    };
    forms::update_submission(c, &completion, audit)?;
    if let Some(score) = &completion.score
        && completion.status == SubmissionStatus::Complete
    {
        rss::save(c, score, audit)?;
    }
    if let Some(f) = &completion.follow_on
        && completion.status == SubmissionStatus::Complete
    {
        for entry in &f.entries {
            pathway::add_entry(c, entry, audit)?;
        }
        pathway::derive_stage(c, f.case, f.derived_stage, audit)?;
    }
    exec(
        c,
        "INSERT INTO field_instances (instance_id, submission_id, token_id, received_at)
         VALUES (?1, ?2, ?3, ?4)",
        params![
            r.instance_id,
            id.to_string(),
            r.token.map(|t| t.to_string()),
            ts(audit.at)
        ],
    )?;
    if let Some(token) = r.token {
        exec(
            c,
            "DELETE FROM field_parts WHERE instance_id = ?1 AND token_id = ?2",
            params![r.instance_id, token.to_string()],
        )?;
    }
    Ok(ReceiptOutcome::Stored(id))
}

pub(crate) fn add_part(c: &Connection, p: &FieldPart, at: OffsetDateTime) -> Result<()> {
    exec(
        c,
        "INSERT INTO field_parts (instance_id, token_id, name, media_type, size, sha256,
             received_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (instance_id, token_id, name) DO UPDATE SET media_type = excluded.media_type,
             size = excluded.size, sha256 = excluded.sha256, received_at = excluded.received_at",
        params![
            p.instance_id,
            p.token.to_string(),
            p.name,
            p.media_type,
            i64::try_from(p.size).unwrap_or(i64::MAX),
            p.sha256,
            ts(at)
        ],
    )?;
    Ok(())
}

pub(crate) fn parts(
    c: &Connection,
    instance_id: &str,
    token: uuid::Uuid,
) -> Result<Vec<FieldPart>> {
    let mut stmt = c.prepare_cached(
        "SELECT name, media_type, size, sha256 FROM field_parts
         WHERE instance_id = ?1 AND token_id = ?2 ORDER BY name",
    )?;
    let rows = stmt.query_map(params![instance_id, token.to_string()], |row| {
        Ok(FieldPart {
            instance_id: instance_id.to_string(),
            token,
            name: row.get(0)?,
            media_type: row.get(1)?,
            size: u64::try_from(row.get::<_, i64>(2)?).unwrap_or(0),
            sha256: row.get(3)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub(crate) fn completed(c: &Connection, q: &CompletedQuery) -> Result<Vec<Submission>> {
    let (after_at, after_id) = match (q.after, q.since) {
        (Some((at, id)), _) => (ts(at), id.to_string()),
        // At or after `since`: after the smallest id of the second before.
        (None, Some(since)) => (ts(since) - 1, "~".to_string()),
        (None, None) => (i64::MIN, String::new()),
    };
    let mut stmt = c.prepare_cached(&format!(
        "SELECT {} FROM submissions s
         JOIN form_versions f ON f.form_id = s.form_id AND f.version = s.form_version
         JOIN users u ON u.id = s.interviewer_id
         WHERE s.form_id = ?1 AND s.status = 'complete'
           AND (s.completed_at > ?2 OR (s.completed_at = ?2 AND s.id > ?3))
         ORDER BY s.completed_at, s.id
         LIMIT ?4",
        forms::SUBMISSION_COLUMNS
    ))?;
    let rows = stmt.query_map(
        params![q.form_id, after_at, after_id, q.limit],
        forms::submission_row,
    )?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}
