//! Form versions and submissions.

use domain::audit::{AuditAction, FieldChange};
use domain::{CaseId, UserId};
use rusqlite::{Connection, OptionalExtension, params};

use super::audit;
use super::{exec, from_ts, is_unique_violation, parse_named, parse_uuid, q_row, ts};
use crate::model::*;
use crate::{AuditContext, Result, StoreError};

/// What lists show of a version; [`VERSION_FROM`] joins the user names.
const INFO_COLUMNS: &str = "f.form_id, f.version, f.title, f.status, f.origin, ub.username,
     f.uploaded_at, pb.username, f.published_at";
const VERSION_FROM: &str = "FROM form_versions f
     LEFT JOIN users ub ON ub.id = f.uploaded_by
     LEFT JOIN users pb ON pb.id = f.published_by";

fn info_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<FormVersionInfo> {
    Ok(FormVersionInfo {
        form_id: r.get(0)?,
        version: r.get(1)?,
        title: r.get(2)?,
        published: r.get::<_, String>(3)? == "published",
        origin: parse_named(4, &r.get::<_, String>(4)?, FormOrigin::parse)?,
        uploaded_by: r.get(5)?,
        uploaded_at: from_ts(r.get(6)?),
        published_by: r.get(7)?,
        published_at: r.get::<_, Option<i64>>(8)?.map(from_ts),
    })
}

/// A whole version: [`INFO_COLUMNS`] then the definition.
fn version_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<FormVersion> {
    Ok(FormVersion {
        info: info_row(r)?,
        definition: r.get(9)?,
    })
}

fn record_id(form_id: &str, version: &str) -> String {
    format!("{form_id}@{version}")
}

/// Saves an unpublished version, replacing an earlier unpublished upload of the same version.
/// A published version is refused with [`StoreError::Conflict`].
pub(crate) fn save_draft(c: &Connection, f: &NewFormVersion, audit: &AuditContext) -> Result<()> {
    let published: Option<String> = q_row(
        c,
        "SELECT status FROM form_versions WHERE form_id = ?1 AND version = ?2",
        params![f.form_id, f.version],
        |r| r.get(0),
    )
    .optional()?;
    match published.as_deref() {
        Some("published") => return Err(StoreError::Conflict),
        Some(_) => {
            exec(
                c,
                "UPDATE form_versions SET title = ?3, definition = ?4, uploaded_by = ?5,
                     uploaded_at = ?6
                 WHERE form_id = ?1 AND version = ?2",
                params![
                    f.form_id,
                    f.version,
                    f.title,
                    f.definition,
                    audit.actor.map(|a| a.to_string()),
                    ts(audit.at)
                ],
            )?;
        }
        None => {
            exec(
                c,
                "INSERT INTO form_versions (form_id, version, title, definition, status, origin,
                     uploaded_by, uploaded_at)
                 VALUES (?1, ?2, ?3, ?4, 'draft', ?5, ?6, ?7)",
                params![
                    f.form_id,
                    f.version,
                    f.title,
                    f.definition,
                    f.origin.as_str(),
                    audit.actor.map(|a| a.to_string()),
                    ts(audit.at)
                ],
            )?;
        }
    }
    audit::insert(
        c,
        &audit.entry(
            if published.is_some() {
                AuditAction::Update
            } else {
                AuditAction::Create
            },
            "form_version",
            record_id(&f.form_id, &f.version),
            vec![FieldChange {
                field: "title".into(),
                before: None,
                after: Some(f.title.clone()),
            }],
        ),
    )
}

pub(crate) fn publish(
    c: &Connection,
    form_id: &str,
    version: &str,
    audit: &AuditContext,
) -> Result<()> {
    let status: Option<String> = q_row(
        c,
        "SELECT status FROM form_versions WHERE form_id = ?1 AND version = ?2",
        params![form_id, version],
        |r| r.get(0),
    )
    .optional()?;
    match status.as_deref() {
        None => return Err(StoreError::NotFound),
        Some("published") => return Err(StoreError::Conflict),
        _ => {}
    }
    exec(
        c,
        "UPDATE form_versions SET status = 'published', published_by = ?3, published_at = ?4
         WHERE form_id = ?1 AND version = ?2",
        params![
            form_id,
            version,
            audit.actor.map(|a| a.to_string()),
            ts(audit.at)
        ],
    )?;
    audit::insert(
        c,
        &audit.entry(
            AuditAction::Publish,
            "form_version",
            record_id(form_id, version),
            vec![FieldChange {
                field: "status".into(),
                before: Some("draft".into()),
                after: Some("published".into()),
            }],
        ),
    )
}

/// Installs a shipped instrument version once; later starts find it and change nothing.
pub(crate) fn install_shipped(
    c: &Connection,
    f: &NewFormVersion,
    audit: &AuditContext,
) -> Result<bool> {
    let exists: bool = q_row(
        c,
        "SELECT EXISTS (SELECT 1 FROM form_versions WHERE form_id = ?1 AND version = ?2)",
        params![f.form_id, f.version],
        |r| r.get(0),
    )?;
    if exists {
        return Ok(false);
    }
    save_draft(c, f, audit)?;
    publish(c, &f.form_id, &f.version, audit)?;
    Ok(true)
}

pub(crate) fn get(c: &Connection, form_id: &str, version: &str) -> Result<FormVersion> {
    q_row(
        c,
        &format!(
            "SELECT {INFO_COLUMNS}, f.definition {VERSION_FROM}
             WHERE f.form_id = ?1 AND f.version = ?2"
        ),
        params![form_id, version],
        version_row,
    )
    .optional()?
    .ok_or(StoreError::NotFound)
}

/// Every version of every form, newest first within a form; definitions are left out.
pub(crate) fn list(c: &Connection) -> Result<Vec<FormVersionInfo>> {
    let mut stmt = c.prepare_cached(&format!(
        "SELECT {INFO_COLUMNS} {VERSION_FROM}
         ORDER BY f.form_id, f.uploaded_at DESC, f.version DESC"
    ))?;
    let rows = stmt.query_map([], info_row)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// The version published last.
pub(crate) fn latest_published(c: &Connection, form_id: &str) -> Result<FormVersion> {
    q_row(
        c,
        &format!(
            "SELECT {INFO_COLUMNS}, f.definition {VERSION_FROM}
             WHERE f.form_id = ?1 AND f.status = 'published'
             ORDER BY f.published_at DESC, f.rowid DESC LIMIT 1"
        ),
        params![form_id],
        version_row,
    )
    .optional()?
    .ok_or(StoreError::NotFound)
}

fn subject_parts(s: Subject) -> (&'static str, String) {
    match s {
        Subject::Case(id) => ("case", id.to_string()),
        Subject::Document(id) => ("document", id.to_string()),
    }
}

pub(crate) fn create_submission(
    c: &Connection,
    s: &NewSubmission,
    audit: &AuditContext,
) -> Result<()> {
    let (kind, subject) = subject_parts(s.subject);
    let published: Option<String> = q_row(
        c,
        "SELECT status FROM form_versions WHERE form_id = ?1 AND version = ?2",
        params![s.form_id, s.form_version],
        |r| r.get(0),
    )
    .optional()?;
    if published.as_deref() != Some("published") {
        return Err(StoreError::NotFound);
    }
    exec(
        c,
        "INSERT INTO submissions (id, form_id, form_version, subject_type, subject_id, status,
             answers, interviewer_id, interview_date, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, 'draft', ?6, ?7, ?8, ?9, ?9)",
        params![
            s.id.to_string(),
            s.form_id,
            s.form_version,
            kind,
            subject,
            s.answers,
            s.interviewer.to_string(),
            s.interview_date.to_string(),
            ts(audit.at)
        ],
    )
    .map_err(|e| {
        if is_unique_violation(&e) {
            StoreError::Duplicate("submission")
        } else {
            e.into()
        }
    })?;
    audit::insert(
        c,
        &audit.entry(
            AuditAction::Create,
            "submission",
            s.id.to_string(),
            vec![
                FieldChange {
                    field: "form".into(),
                    before: None,
                    after: Some(record_id(&s.form_id, &s.form_version)),
                },
                FieldChange {
                    field: kind.to_string(),
                    before: None,
                    after: Some(subject),
                },
            ],
        ),
    )
}

/// Saves answers; a completed submission is final, a stale one is refused.
pub(crate) fn update_submission(
    c: &Connection,
    u: &SubmissionUpdate,
    audit: &AuditContext,
) -> Result<()> {
    let before = get_submission(c, u.id)?;
    if before.status != SubmissionStatus::Draft {
        return Err(StoreError::Conflict);
    }
    let n = exec(
        c,
        "UPDATE submissions SET answers = ?3, interview_date = ?4, status = ?5, updated_at = ?6,
             completed_at = CASE WHEN ?5 = 'complete' THEN ?6 ELSE NULL END,
             row_version = row_version + 1
         WHERE id = ?1 AND row_version = ?2 AND status = 'draft'",
        params![
            u.id.to_string(),
            u.expected_version,
            u.answers,
            u.interview_date.to_string(),
            u.status.as_str(),
            ts(audit.at)
        ],
    )?;
    if n == 0 {
        return Err(StoreError::Conflict);
    }
    let mut changes = answer_changes(&before.answers, &u.answers);
    if before.interview_date != u.interview_date {
        changes.push(FieldChange {
            field: "interview_date".into(),
            before: Some(before.interview_date.to_string()),
            after: Some(u.interview_date.to_string()),
        });
    }
    if u.status != before.status {
        changes.push(FieldChange {
            field: "status".into(),
            before: Some(before.status.as_str().into()),
            after: Some(u.status.as_str().into()),
        });
    }
    audit::insert(
        c,
        &audit.entry(AuditAction::Update, "submission", u.id.to_string(), changes),
    )
}

/// Which answers changed, by name (values are not copied into the audit trail: answers can be
/// sensitive, and the submission itself keeps them).
fn answer_changes(before: &str, after: &str) -> Vec<FieldChange> {
    let parse = |s: &str| -> serde_json::Map<String, serde_json::Value> {
        serde_json::from_str(s).unwrap_or_default()
    };
    let (b, a) = (parse(before), parse(after));
    let mut names: Vec<&String> = b.keys().chain(a.keys()).collect();
    names.sort();
    names.dedup();
    names
        .into_iter()
        .filter(|n| b.get(*n) != a.get(*n))
        .map(|n| FieldChange {
            field: format!("answer.{n}"),
            before: b.get(n).map(|_| "…".into()),
            after: a.get(n).map(|_| "…".into()),
        })
        .collect()
}

pub(super) const SUBMISSION_COLUMNS: &str =
    "s.id, s.form_id, s.form_version, f.title, s.subject_type,
     s.subject_id, s.status, s.answers, s.interviewer_id, u.display_name, s.interview_date,
     s.created_at, s.updated_at, s.completed_at, s.row_version";

pub(super) fn submission_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Submission> {
    let subject_type: String = r.get(4)?;
    let subject_id = parse_uuid(5, &r.get::<_, String>(5)?)?;
    let subject = match subject_type.as_str() {
        "document" => Subject::Document(domain::DocumentId(subject_id)),
        _ => Subject::Case(CaseId(subject_id)),
    };
    Ok(Submission {
        id: parse_uuid(0, &r.get::<_, String>(0)?)?,
        form_id: r.get(1)?,
        form_version: r.get(2)?,
        form_title: r.get(3)?,
        subject,
        status: parse_named(6, &r.get::<_, String>(6)?, SubmissionStatus::parse)?,
        answers: r.get(7)?,
        interviewer: UserId(parse_uuid(8, &r.get::<_, String>(8)?)?),
        interviewer_name: r.get(9)?,
        interview_date: parse_named(10, &r.get::<_, String>(10)?, domain::case::date::parse)?,
        created_at: from_ts(r.get(11)?),
        updated_at: from_ts(r.get(12)?),
        completed_at: r.get::<_, Option<i64>>(13)?.map(from_ts),
        version: r.get(14)?,
    })
}

pub(crate) fn get_submission(c: &Connection, id: uuid::Uuid) -> Result<Submission> {
    q_row(
        c,
        &format!(
            "SELECT {SUBMISSION_COLUMNS} FROM submissions s
             JOIN form_versions f ON f.form_id = s.form_id AND f.version = s.form_version
             JOIN users u ON u.id = s.interviewer_id
             WHERE s.id = ?1"
        ),
        params![id.to_string()],
        submission_row,
    )
    .optional()?
    .ok_or(StoreError::NotFound)
}

pub(crate) fn submissions_for(c: &Connection, subject: Subject) -> Result<Vec<Submission>> {
    let (kind, id) = subject_parts(subject);
    let mut stmt = c.prepare_cached(&format!(
        "SELECT {SUBMISSION_COLUMNS} FROM submissions s
         JOIN form_versions f ON f.form_id = s.form_id AND f.version = s.form_version
         JOIN users u ON u.id = s.interviewer_id
         WHERE s.subject_type = ?1 AND s.subject_id = ?2
         ORDER BY s.created_at DESC, s.id"
    ))?;
    let rows = stmt.query_map(params![kind, id], submission_row)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}
