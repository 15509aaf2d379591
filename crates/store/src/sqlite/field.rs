//! Submissions from field clients: the whole receipt in one transaction, the instance ids that
//! recognise a resubmission, and the attachments of an instance sent over several posts.

use rusqlite::{Connection, OptionalExtension, params};
use time::OffsetDateTime;

use domain::audit::{AuditAction, FieldChange};
use domain::{CaseId, OfficeId, UserId};

use super::{audit, exec, files, forms, from_ts, parse_uuid, pathway, q_row, rss, ts};
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

pub(crate) fn seen(c: &Connection, instance_id: &str) -> Result<Option<InstanceSeen>> {
    let found: Option<String> = q_row(
        c,
        "SELECT submission_id FROM field_instances WHERE instance_id = ?1
         UNION ALL
         SELECT 'held' FROM held_submissions WHERE instance_id = ?1
         UNION ALL
         SELECT 'sealed' FROM sealed_submissions WHERE instance_id = ?1
         LIMIT 1",
        [instance_id],
        |r| r.get(0),
    )
    .optional()?;
    Ok(match found.as_deref() {
        None => None,
        Some("held") => Some(InstanceSeen::Held),
        Some("sealed") => Some(InstanceSeen::Sealed),
        Some(id) => Some(InstanceSeen::Stored(parse_uuid(0, id)?)),
    })
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
    receive_new(c, r, audit)
}

fn receive_new(c: &Connection, r: &FieldReceipt, audit: &AuditContext) -> Result<ReceiptOutcome> {
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

const HELD_TYPE: &str = "held_submission";

fn is_held(c: &Connection, instance_id: &str) -> Result<bool> {
    Ok(q_row(
        c,
        "SELECT EXISTS(SELECT 1 FROM held_submissions WHERE instance_id = ?1)",
        [instance_id],
        |r| r.get(0),
    )?)
}

pub(crate) fn hold(c: &Connection, h: &HeldSubmission, audit: &AuditContext) -> Result<bool> {
    if instance(c, &h.instance_id)?.is_some() || is_held(c, &h.instance_id)? {
        return Ok(false);
    }
    exec(
        c,
        "INSERT INTO held_submissions (id, instance_id, token_id, user_id, case_id, form_id,
             form_version, answers, files, received_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![
            h.id.to_string(),
            h.instance_id,
            h.token.map(|t| t.to_string()),
            h.user.to_string(),
            h.case.to_string(),
            h.form_id,
            h.form_version,
            h.answers,
            h.files,
            ts(audit.at)
        ],
    )?;
    audit::insert(
        c,
        &audit.entry(
            AuditAction::Create,
            HELD_TYPE,
            h.id.to_string(),
            vec![
                FieldChange {
                    field: "case".into(),
                    before: None,
                    after: Some(h.case.to_string()),
                },
                FieldChange {
                    field: "form".into(),
                    before: None,
                    after: Some(format!("{}/{}", h.form_id, h.form_version)),
                },
            ],
        ),
    )?;
    Ok(true)
}

const HELD_COLUMNS: &str = "h.id, h.instance_id, h.token_id, h.user_id, u.display_name, h.case_id,
    c.case_number, c.office_id, h.form_id, h.form_version, f.title, h.answers, h.files,
    h.received_at";
const HELD_FROM: &str = "held_submissions h JOIN users u ON u.id = h.user_id
    JOIN cases c ON c.id = h.case_id
    JOIN form_versions f ON f.form_id = h.form_id AND f.version = h.form_version";

fn held_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<HeldSubmission> {
    Ok(HeldSubmission {
        id: parse_uuid(0, &r.get::<_, String>(0)?)?,
        instance_id: r.get(1)?,
        token: r
            .get::<_, Option<String>>(2)?
            .map(|t| parse_uuid(2, &t))
            .transpose()?,
        user: UserId(parse_uuid(3, &r.get::<_, String>(3)?)?),
        user_name: r.get(4)?,
        case: CaseId(parse_uuid(5, &r.get::<_, String>(5)?)?),
        case_number: r.get(6)?,
        office: r
            .get::<_, Option<String>>(7)?
            .map(|o| parse_uuid(7, &o).map(OfficeId))
            .transpose()?,
        form_id: r.get(8)?,
        form_version: r.get(9)?,
        form_title: r.get(10)?,
        answers: r.get(11)?,
        files: r.get(12)?,
        received_at: from_ts(r.get(13)?),
    })
}

pub(crate) fn held_list(c: &Connection, office: Option<OfficeId>) -> Result<Vec<HeldSubmission>> {
    let mut stmt = c.prepare_cached(&format!(
        "SELECT {HELD_COLUMNS} FROM {HELD_FROM}
         WHERE ?1 IS NULL OR c.office_id = ?1
         ORDER BY h.received_at, h.id"
    ))?;
    let rows = stmt.query_map([office.map(|o| o.to_string())], held_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub(crate) fn held_one(c: &Connection, id: uuid::Uuid) -> Result<HeldSubmission> {
    q_row(
        c,
        &format!("SELECT {HELD_COLUMNS} FROM {HELD_FROM} WHERE h.id = ?1"),
        [id.to_string()],
        held_row,
    )
    .optional()?
    .ok_or(crate::StoreError::NotFound)
}

pub(crate) fn decide(
    c: &Connection,
    id: uuid::Uuid,
    decision: &HeldDecision,
    audit: &AuditContext,
) -> Result<()> {
    held_one(c, id)?;
    let outcome = match decision {
        HeldDecision::Accept(receipt) => {
            exec(
                c,
                "DELETE FROM held_submissions WHERE id = ?1",
                [id.to_string()],
            )?;
            receive_new(c, receipt, audit)?;
            "accepted"
        }
        HeldDecision::Decline => {
            exec(
                c,
                "DELETE FROM held_submissions WHERE id = ?1",
                [id.to_string()],
            )?;
            "declined"
        }
    };
    audit::insert(
        c,
        &audit.entry(
            AuditAction::Update,
            HELD_TYPE,
            id.to_string(),
            vec![FieldChange {
                field: "decision".into(),
                before: None,
                after: Some(outcome.into()),
            }],
        ),
    )
}

const SEALED_TYPE: &str = "sealed_submission";

pub(crate) fn seal(c: &Connection, s: &SealedSubmission, audit: &AuditContext) -> Result<bool> {
    if seen(c, &s.instance_id)?.is_some() {
        return Ok(false);
    }
    exec(
        c,
        "INSERT INTO sealed_submissions (id, instance_id, token_id, user_id, form_id,
             form_version, manifest, files, received_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            s.id.to_string(),
            s.instance_id,
            s.token.map(|t| t.to_string()),
            s.user.to_string(),
            s.form_id,
            s.form_version,
            s.manifest,
            s.files,
            ts(audit.at)
        ],
    )?;
    audit::insert(
        c,
        &audit.entry(
            AuditAction::Create,
            SEALED_TYPE,
            s.id.to_string(),
            vec![FieldChange {
                field: "form".into(),
                before: None,
                after: Some(format!("{}/{}", s.form_id, s.form_version)),
            }],
        ),
    )?;
    Ok(true)
}

pub(crate) fn sealed_list(c: &Connection) -> Result<Vec<SealedSubmission>> {
    let mut stmt = c.prepare_cached(
        "SELECT id, instance_id, token_id, user_id, form_id, form_version, manifest, files,
             received_at
         FROM sealed_submissions ORDER BY received_at, id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(SealedSubmission {
            id: parse_uuid(0, &r.get::<_, String>(0)?)?,
            instance_id: r.get(1)?,
            token: r
                .get::<_, Option<String>>(2)?
                .map(|t| parse_uuid(2, &t))
                .transpose()?,
            user: UserId(parse_uuid(3, &r.get::<_, String>(3)?)?),
            form_id: r.get(4)?,
            form_version: r.get(5)?,
            manifest: r.get(6)?,
            files: r.get(7)?,
            received_at: from_ts(r.get(8)?),
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub(crate) fn unseal(c: &Connection, id: uuid::Uuid, audit: &AuditContext) -> Result<()> {
    let n = exec(
        c,
        "DELETE FROM sealed_submissions WHERE id = ?1",
        [id.to_string()],
    )?;
    if n == 0 {
        return Err(crate::StoreError::NotFound);
    }
    audit::insert(
        c,
        &audit.entry(
            AuditAction::Update,
            SEALED_TYPE,
            id.to_string(),
            vec![FieldChange {
                field: "decrypted".into(),
                before: None,
                after: Some("yes".into()),
            }],
        ),
    )
}
