//! Form versions and submissions, on both engines.

use domain::audit::{AuditAction, FieldChange};
use domain::{CaseId, DocumentId, UserId};

use super::{Db, Row, args, audit, named, pathway, rss};
use crate::model::*;
use crate::{AuditContext, Result, StoreError};

/// What lists show of a version; [`VERSION_FROM`] joins the user names.
const INFO_COLUMNS: &str = "f.form_id, f.version, f.title, f.status, f.origin, ub.username,
     f.uploaded_at, pb.username, f.published_at";
const VERSION_FROM: &str = "FROM form_versions f
     LEFT JOIN users ub ON ub.id = f.uploaded_by
     LEFT JOIN users pb ON pb.id = f.published_by";

fn info_row(r: &Row) -> Result<FormVersionInfo> {
    Ok(FormVersionInfo {
        form_id: r.get(0)?,
        version: r.get(1)?,
        title: r.get(2)?,
        published: r.text(3)? == "published",
        origin: named(4, r.text(4)?, FormOrigin::parse)?,
        uploaded_by: r.get(5)?,
        uploaded_at: r.get(6)?,
        published_by: r.get(7)?,
        published_at: r.get(8)?,
    })
}

/// A whole version: [`INFO_COLUMNS`] then the definition.
fn version_row(r: &Row) -> Result<FormVersion> {
    Ok(FormVersion {
        info: info_row(r)?,
        definition: r.get(9)?,
    })
}

fn record_id(form_id: &str, version: &str) -> String {
    format!("{form_id}@{version}")
}

/// A version's status (`draft` or `published`), if the version exists.
pub(crate) async fn status<D: Db>(db: &D, form_id: &str, version: &str) -> Result<Option<String>> {
    db.opt(
        "SELECT status FROM form_versions WHERE form_id = ?1 AND version = ?2",
        &args![form_id, version],
    )
    .await?
    .map(|r| r.get(0))
    .transpose()
}

/// Saves an unpublished version, replacing an earlier unpublished upload of the same version.
/// A published version is refused with [`StoreError::Conflict`].
pub(crate) async fn save_draft<D: Db>(
    db: &D,
    f: &NewFormVersion,
    audit: &AuditContext,
) -> Result<()> {
    let published = status(db, &f.form_id, &f.version).await?;
    match published.as_deref() {
        Some("published") => return Err(StoreError::Conflict),
        Some(_) => {
            db.exec(
                "UPDATE form_versions SET title = ?3, definition = ?4, uploaded_by = ?5,
                     uploaded_at = ?6
                 WHERE form_id = ?1 AND version = ?2",
                &args![
                    &f.form_id,
                    &f.version,
                    &f.title,
                    &f.definition,
                    audit.actor.map(|a| a.0),
                    audit.at,
                ],
            )
            .await?;
        }
        None => {
            db.exec(
                "INSERT INTO form_versions (form_id, version, title, definition, status, origin,
                     uploaded_by, uploaded_at)
                 VALUES (?1, ?2, ?3, ?4, 'draft', ?5, ?6, ?7)",
                &args![
                    &f.form_id,
                    &f.version,
                    &f.title,
                    &f.definition,
                    f.origin.as_str(),
                    audit.actor.map(|a| a.0),
                    audit.at,
                ],
            )
            .await?;
        }
    }
    audit::insert(
        db,
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
    .await
}

pub(crate) async fn publish<D: Db>(
    db: &D,
    form_id: &str,
    version: &str,
    audit: &AuditContext,
) -> Result<()> {
    match status(db, form_id, version).await?.as_deref() {
        None => return Err(StoreError::NotFound),
        Some("published") => return Err(StoreError::Conflict),
        _ => {}
    }
    db.exec(
        "UPDATE form_versions SET status = 'published', published_by = ?3, published_at = ?4
         WHERE form_id = ?1 AND version = ?2",
        &args![form_id, version, audit.actor.map(|a| a.0), audit.at],
    )
    .await?;
    audit::insert(
        db,
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
    .await
}

/// Installs a shipped instrument version once; later starts find it and change nothing.
pub(crate) async fn install_shipped<D: Db>(
    db: &D,
    f: &NewFormVersion,
    audit: &AuditContext,
) -> Result<bool> {
    if status(db, &f.form_id, &f.version).await?.is_some() {
        return Ok(false);
    }
    save_draft(db, f, audit).await?;
    publish(db, &f.form_id, &f.version, audit).await?;
    Ok(true)
}

pub(crate) async fn get<D: Db>(db: &D, form_id: &str, version: &str) -> Result<FormVersion> {
    version_row(
        &db.one(
            &format!(
                "SELECT {INFO_COLUMNS}, f.definition {VERSION_FROM}
                 WHERE f.form_id = ?1 AND f.version = ?2"
            ),
            &args![form_id, version],
        )
        .await?,
    )
}

/// Every version of every form, newest first within a form; definitions are left out.
pub(crate) async fn list<D: Db>(db: &D) -> Result<Vec<FormVersionInfo>> {
    db.rows(
        &format!(
            "SELECT {INFO_COLUMNS} {VERSION_FROM}
             ORDER BY f.form_id, f.uploaded_at DESC, f.version DESC"
        ),
        &[],
    )
    .await?
    .iter()
    .map(info_row)
    .collect()
}

/// The version published last (of two published in the same second, the one stored last:
/// `rowid`, which form_versions has on both engines).
pub(crate) async fn latest_published<D: Db>(db: &D, form_id: &str) -> Result<FormVersion> {
    version_row(
        &db.one(
            &format!(
                "SELECT {INFO_COLUMNS}, f.definition {VERSION_FROM}
                 WHERE f.form_id = ?1 AND f.status = 'published'
                 ORDER BY f.published_at DESC, f.rowid DESC LIMIT 1"
            ),
            &args![form_id],
        )
        .await?,
    )
}

fn subject_parts(s: Subject) -> (&'static str, String) {
    match s {
        Subject::Case(id) => ("case", id.to_string()),
        Subject::Document(id) => ("document", id.to_string()),
    }
}

pub(crate) async fn create_submission<D: Db>(
    db: &D,
    s: &NewSubmission,
    audit: &AuditContext,
) -> Result<()> {
    let (kind, subject) = subject_parts(s.subject);
    if status(db, &s.form_id, &s.form_version).await?.as_deref() != Some("published") {
        return Err(StoreError::NotFound);
    }
    // A submission id given twice changes nothing and says so (not by catching the key's
    // error: a failed statement ends a PostgreSQL transaction).
    let added = db
        .exec(
            "INSERT INTO submissions (id, form_id, form_version, subject_type, subject_id, status,
                 answers, interviewer_id, interview_date, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, 'draft', ?6, ?7, ?8, ?9, ?9)
             ON CONFLICT (id) DO NOTHING",
            &args![
                s.id,
                &s.form_id,
                &s.form_version,
                kind,
                &subject,
                &s.answers,
                s.interviewer.0,
                s.interview_date,
                audit.at,
            ],
        )
        .await?;
    if added == 0 {
        return Err(StoreError::Duplicate("submission"));
    }
    audit::insert(
        db,
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
    .await
}

/// Saves answers; a completed submission is final, a stale one is refused.
pub(crate) async fn update_submission<D: Db>(
    db: &D,
    u: &SubmissionUpdate,
    audit: &AuditContext,
) -> Result<()> {
    let before = get_submission(db, u.id).await?;
    if before.status != SubmissionStatus::Draft {
        return Err(StoreError::Conflict);
    }
    let n = db
        .exec(
            "UPDATE submissions SET answers = ?3, interview_date = ?4, status = ?5,
                 updated_at = ?6, completed_at = ?7, row_version = row_version + 1
             WHERE id = ?1 AND row_version = ?2 AND status = 'draft'",
            &args![
                u.id,
                u.expected_version,
                &u.answers,
                u.interview_date,
                u.status.as_str(),
                audit.at,
                (u.status == SubmissionStatus::Complete).then_some(audit.at),
            ],
        )
        .await?;
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
        db,
        &audit.entry(AuditAction::Update, "submission", u.id.to_string(), changes),
    )
    .await
}

/// Saves answers as [`update_submission`] does and, when they complete the submission, stores
/// what completing it brings in the same transaction: the survey's scores and the journal
/// entries (with the stage they lead to) that follow on from it.
pub(crate) async fn update_and_follow_on<D: Db>(
    db: &D,
    u: &SubmissionUpdate,
    audit: &AuditContext,
) -> Result<()> {
    update_submission(db, u, audit).await?;
    if u.status != SubmissionStatus::Complete {
        return Ok(());
    }
    if let Some(score) = &u.score {
        rss::save(db, score, audit).await?;
    }
    if let Some(f) = &u.follow_on {
        for entry in &f.entries {
            pathway::add_entry(db, entry, audit).await?;
        }
        pathway::derive_stage(db, f.case, f.derived_stage, audit).await?;
    }
    Ok(())
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

/// A submission's columns, read by [`submission_row`], from [`SUBMISSION_FROM`].
pub(crate) const SUBMISSION_COLUMNS: &str =
    "s.id, s.form_id, s.form_version, f.title, s.subject_type,
     s.subject_id, s.status, s.answers, s.interviewer_id, u.display_name, s.interview_date,
     s.created_at, s.updated_at, s.completed_at, s.row_version";
pub(crate) const SUBMISSION_FROM: &str = "FROM submissions s
     JOIN form_versions f ON f.form_id = s.form_id AND f.version = s.form_version
     JOIN users u ON u.id = s.interviewer_id";

pub(crate) fn submission_row(r: &Row) -> Result<Submission> {
    let subject_id = r.get(5)?;
    let subject = match r.text(4)? {
        "document" => Subject::Document(DocumentId(subject_id)),
        _ => Subject::Case(CaseId(subject_id)),
    };
    Ok(Submission {
        id: r.get(0)?,
        form_id: r.get(1)?,
        form_version: r.get(2)?,
        form_title: r.get(3)?,
        subject,
        status: named(6, r.text(6)?, SubmissionStatus::parse)?,
        answers: r.get(7)?,
        interviewer: UserId(r.get(8)?),
        interviewer_name: r.get(9)?,
        interview_date: r.get(10)?,
        created_at: r.get(11)?,
        updated_at: r.get(12)?,
        completed_at: r.get(13)?,
        version: r.get(14)?,
    })
}

pub(crate) async fn get_submission<D: Db>(db: &D, id: uuid::Uuid) -> Result<Submission> {
    submission_row(
        &db.one(
            &format!("SELECT {SUBMISSION_COLUMNS} {SUBMISSION_FROM} WHERE s.id = ?1"),
            &args![id],
        )
        .await?,
    )
}

/// The submissions about a case or a community record, newest first.
pub(crate) async fn submissions_for<D: Db>(db: &D, subject: Subject) -> Result<Vec<Submission>> {
    let (kind, id) = subject_parts(subject);
    db.rows(
        &format!(
            "SELECT {SUBMISSION_COLUMNS} {SUBMISSION_FROM}
             WHERE s.subject_type = ?1 AND s.subject_id = ?2
             ORDER BY s.created_at DESC, s.id"
        ),
        &args![kind, id],
    )
    .await?
    .iter()
    .map(submission_row)
    .collect()
}
