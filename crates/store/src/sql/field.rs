//! Submissions from field clients, on both engines: the whole receipt in one transaction, the
//! instance ids that recognise a resubmission, and the attachments of an instance sent over
//! several posts.

use time::OffsetDateTime;

use domain::audit::{AuditAction, FieldChange};
use domain::{CaseId, OfficeId, UserId};

use super::{Db, Row, args, audit, cases, files, forms};
use crate::model::*;
use crate::{AuditContext, Result, StoreError};

pub(crate) async fn instance<D: Db>(db: &D, instance_id: &str) -> Result<Option<uuid::Uuid>> {
    db.opt(
        "SELECT submission_id FROM field_instances WHERE instance_id = ?1",
        &args![instance_id],
    )
    .await?
    .map(|r| r.get(0))
    .transpose()
}

pub(crate) async fn seen<D: Db>(db: &D, instance_id: &str) -> Result<Option<InstanceSeen>> {
    let found = db
        .opt(
            "SELECT submission_id FROM field_instances WHERE instance_id = ?1
             UNION ALL
             SELECT 'held' FROM held_submissions WHERE instance_id = ?1
             UNION ALL
             SELECT 'sealed' FROM sealed_submissions WHERE instance_id = ?1
             LIMIT 1",
            &args![instance_id],
        )
        .await?;
    let Some(r) = found else { return Ok(None) };
    Ok(Some(match r.text(0)? {
        "held" => InstanceSeen::Held,
        "sealed" => InstanceSeen::Sealed,
        id => InstanceSeen::Stored(super::uuid(0, id)?),
    }))
}

/// Whether an instance was seen and, when it was not, the case with this number (read
/// trimmed and in capitals), one statement after the other.
pub(crate) async fn receipt_context<D: Db>(
    db: &D,
    instance_id: &str,
    case_number: &str,
) -> Result<(Option<InstanceSeen>, Option<CaseRecord>)> {
    let number = case_number.trim().to_ascii_uppercase();
    let seen = seen(db, instance_id).await?;
    let case = match (number.is_empty(), seen) {
        (false, None) => match cases::id_by_number(db, &number).await? {
            Some(case) => Some(cases::get(db, case).await?),
            None => None,
        },
        _ => None,
    };
    Ok((seen, case))
}

/// The submission, its files and its completion, then the instance id, all or nothing.
pub(crate) async fn receive<D: Db>(
    db: &D,
    r: &FieldReceipt,
    audit: &AuditContext,
) -> Result<ReceiptOutcome> {
    if let Some(id) = instance(db, &r.instance_id).await? {
        return Ok(ReceiptOutcome::AlreadyStored(id));
    }
    receive_new(db, r, audit).await
}

async fn receive_new<D: Db>(
    db: &D,
    r: &FieldReceipt,
    audit: &AuditContext,
) -> Result<ReceiptOutcome> {
    let id = r.submission.id;
    forms::create_submission(db, &r.submission, audit).await?;
    for f in &r.files {
        files::add(db, f, audit).await?;
    }
    let draft = forms::get_submission(db, id).await?;
    let completion = SubmissionUpdate {
        id,
        expected_version: draft.version,
        ..r.completion.clone()
    };
    forms::update_and_follow_on(db, &completion, audit).await?;
    // Two receipts of one instance at the same time: SQLite runs them one after the other (the
    // second finds the first's instance id in `receive`); on PostgreSQL the second collides
    // with the first on this key, is run again, and then finds it.
    db.exec(
        "INSERT INTO field_instances (instance_id, submission_id, token_id, received_at)
         VALUES (?1, ?2, ?3, ?4)",
        &args![&r.instance_id, id, r.token, audit.at],
    )
    .await?;
    if let Some(token) = r.token {
        db.exec(
            "DELETE FROM field_parts WHERE instance_id = ?1 AND token_id = ?2",
            &args![&r.instance_id, token],
        )
        .await?;
    }
    Ok(ReceiptOutcome::Stored(id))
}

pub(crate) async fn add_part<D: Db>(db: &D, p: &FieldPart, at: OffsetDateTime) -> Result<()> {
    db.exec(
        "INSERT INTO field_parts (instance_id, token_id, name, media_type, size, sha256,
             received_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (instance_id, token_id, name) DO UPDATE SET media_type = excluded.media_type,
             size = excluded.size, sha256 = excluded.sha256, received_at = excluded.received_at",
        &args![
            &p.instance_id,
            p.token,
            &p.name,
            &p.media_type,
            p.size,
            &p.sha256,
            at,
        ],
    )
    .await?;
    Ok(())
}

pub(crate) async fn parts<D: Db>(
    db: &D,
    instance_id: &str,
    token: uuid::Uuid,
) -> Result<Vec<FieldPart>> {
    db.rows(
        "SELECT name, media_type, size, sha256 FROM field_parts
         WHERE instance_id = ?1 AND token_id = ?2 ORDER BY name",
        &args![instance_id, token],
    )
    .await?
    .iter()
    .map(|row| {
        Ok(FieldPart {
            instance_id: instance_id.to_string(),
            token,
            name: row.get(0)?,
            media_type: row.get(1)?,
            size: row.get(2)?,
            sha256: row.get(3)?,
        })
    })
    .collect()
}

pub(crate) async fn completed<D: Db>(db: &D, q: &CompletedQuery) -> Result<Vec<Submission>> {
    let (after_at, after_id) = match (q.after, q.since) {
        (Some((at, id)), _) => (at.unix_timestamp(), id.to_string()),
        // At or after `since`: after every id of the second before ('~' sorts after every
        // id, byte by byte on both engines).
        (None, Some(since)) => (since.unix_timestamp() - 1, "~".to_string()),
        (None, None) => (i64::MIN, String::new()),
    };
    db.rows(
        &format!(
            "SELECT {} {}
             WHERE s.form_id = ?1 AND s.status = 'complete'
               AND (s.completed_at > ?2 OR (s.completed_at = ?2 AND s.id > ?3))
             ORDER BY s.completed_at, s.id
             LIMIT ?4",
            forms::SUBMISSION_COLUMNS,
            forms::SUBMISSION_FROM,
        ),
        &args![&q.form_id, after_at, after_id, q.limit],
    )
    .await?
    .iter()
    .map(forms::submission_row)
    .collect()
}

const HELD_TYPE: &str = "held_submission";

async fn is_held<D: Db>(db: &D, instance_id: &str) -> Result<bool> {
    db.value(
        "SELECT EXISTS(SELECT 1 FROM held_submissions WHERE instance_id = ?1)",
        &args![instance_id],
    )
    .await
}

pub(crate) async fn hold<D: Db>(db: &D, h: &HeldSubmission, audit: &AuditContext) -> Result<bool> {
    if instance(db, &h.instance_id).await?.is_some() || is_held(db, &h.instance_id).await? {
        return Ok(false);
    }
    db.exec(
        "INSERT INTO held_submissions (id, instance_id, token_id, user_id, case_id, form_id,
             form_version, answers, files, received_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        &args![
            h.id,
            &h.instance_id,
            h.token,
            h.user.0,
            h.case.0,
            &h.form_id,
            &h.form_version,
            &h.answers,
            &h.files,
            audit.at,
        ],
    )
    .await?;
    audit::insert(
        db,
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
    )
    .await?;
    Ok(true)
}

const HELD_COLUMNS: &str = "h.id, h.instance_id, h.token_id, h.user_id, u.display_name, h.case_id,
    c.case_number, c.office_id, h.form_id, h.form_version, f.title, h.answers, h.files,
    h.received_at";
const HELD_FROM: &str = "held_submissions h JOIN users u ON u.id = h.user_id
    JOIN cases c ON c.id = h.case_id
    JOIN form_versions f ON f.form_id = h.form_id AND f.version = h.form_version";

fn held_row(r: &Row) -> Result<HeldSubmission> {
    Ok(HeldSubmission {
        id: r.get(0)?,
        instance_id: r.get(1)?,
        token: r.get(2)?,
        user: UserId(r.get(3)?),
        user_name: r.get(4)?,
        case: CaseId(r.get(5)?),
        case_number: r.get(6)?,
        office: r.get::<Option<uuid::Uuid>>(7)?.map(OfficeId),
        form_id: r.get(8)?,
        form_version: r.get(9)?,
        form_title: r.get(10)?,
        answers: r.get(11)?,
        files: r.get(12)?,
        received_at: r.get(13)?,
    })
}

pub(crate) async fn held_list<D: Db>(
    db: &D,
    office: Option<OfficeId>,
) -> Result<Vec<HeldSubmission>> {
    db.rows(
        &format!(
            "SELECT {HELD_COLUMNS} FROM {HELD_FROM}
             WHERE CAST(?1 AS TEXT) IS NULL OR c.office_id = ?1
             ORDER BY h.received_at, h.id"
        ),
        &args![office.map(|o| o.0)],
    )
    .await?
    .iter()
    .map(held_row)
    .collect()
}

pub(crate) async fn held_one<D: Db>(db: &D, id: uuid::Uuid) -> Result<HeldSubmission> {
    held_row(
        &db.one(
            &format!("SELECT {HELD_COLUMNS} FROM {HELD_FROM} WHERE h.id = ?1"),
            &args![id],
        )
        .await?,
    )
}

pub(crate) async fn decide<D: Db>(
    db: &D,
    id: uuid::Uuid,
    decision: &HeldDecision,
    audit: &AuditContext,
) -> Result<()> {
    held_one(db, id).await?;
    db.exec("DELETE FROM held_submissions WHERE id = ?1", &args![id])
        .await?;
    let outcome = match decision {
        HeldDecision::Accept(receipt) => {
            receive_new(db, receipt, audit).await?;
            "accepted"
        }
        HeldDecision::Decline => "declined",
    };
    audit::insert(
        db,
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
    .await
}

const SEALED_TYPE: &str = "sealed_submission";

pub(crate) async fn seal<D: Db>(
    db: &D,
    s: &SealedSubmission,
    audit: &AuditContext,
) -> Result<bool> {
    if seen(db, &s.instance_id).await?.is_some() {
        return Ok(false);
    }
    db.exec(
        "INSERT INTO sealed_submissions (id, instance_id, token_id, user_id, form_id,
             form_version, manifest, files, received_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        &args![
            s.id,
            &s.instance_id,
            s.token,
            s.user.0,
            &s.form_id,
            &s.form_version,
            &s.manifest,
            &s.files,
            audit.at,
        ],
    )
    .await?;
    audit::insert(
        db,
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
    )
    .await?;
    Ok(true)
}

pub(crate) async fn sealed_list<D: Db>(db: &D) -> Result<Vec<SealedSubmission>> {
    db.rows(
        "SELECT id, instance_id, token_id, user_id, form_id, form_version, manifest, files,
             received_at
         FROM sealed_submissions ORDER BY received_at, id",
        &[],
    )
    .await?
    .iter()
    .map(|r| {
        Ok(SealedSubmission {
            id: r.get(0)?,
            instance_id: r.get(1)?,
            token: r.get(2)?,
            user: UserId(r.get(3)?),
            form_id: r.get(4)?,
            form_version: r.get(5)?,
            manifest: r.get(6)?,
            files: r.get(7)?,
            received_at: r.get(8)?,
        })
    })
    .collect()
}

pub(crate) async fn unseal<D: Db>(db: &D, id: uuid::Uuid, audit: &AuditContext) -> Result<()> {
    let n = db
        .exec("DELETE FROM sealed_submissions WHERE id = ?1", &args![id])
        .await?;
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    audit::insert(
        db,
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
    .await
}
