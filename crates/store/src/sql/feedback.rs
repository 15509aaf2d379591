//! Feedback and complaints, on both engines.

use domain::OfficeId;
use domain::audit::{AuditAction, FieldChange};
use domain::feedback::{ContactWay, FeedbackAbout, FeedbackKind, FeedbackStatus, NewFeedback};

use super::{Db, Row, args, audit, named, on_both_engines};
use crate::{
    AuditContext, FeedbackChange, FeedbackIn, FeedbackRecord, FeedbackStore, Result, StoreError,
};

const COLUMNS: &str = "f.id, f.reference, f.office_id, o.code, f.kind, f.about, f.message,
    f.contact_way, f.contact, f.language, f.status, f.referred_to, f.response, f.received_at,
    f.updated_at, u.display_name";
const FROM: &str = "FROM feedback f LEFT JOIN offices o ON o.id = f.office_id
    LEFT JOIN users u ON u.id = f.handled_by";

fn record(r: &Row) -> Result<FeedbackRecord> {
    Ok(FeedbackRecord {
        id: r.get(0)?,
        reference: r.get(1)?,
        office: r.get::<Option<uuid::Uuid>>(2)?.map(OfficeId),
        office_code: r.get(3)?,
        feedback: NewFeedback {
            kind: named(4, r.text(4)?, FeedbackKind::parse)?,
            about: named(5, r.text(5)?, FeedbackAbout::parse)?,
            message: r.get(6)?,
            contact_way: named(7, r.text(7)?, ContactWay::parse)?,
            contact: r.get(8)?,
        },
        language: r.get(9)?,
        status: named(10, r.text(10)?, FeedbackStatus::parse)?,
        referred_to: r.get(11)?,
        response: r.get(12)?,
        received_at: r.get(13)?,
        updated_at: r.get(14)?,
        handled_by_name: r.get(15)?,
    })
}

async fn by<D: Db>(db: &D, filter: &str, value: String) -> Result<Option<FeedbackRecord>> {
    db.opt(
        &format!("SELECT {COLUMNS} {FROM} WHERE {filter} = ?1"),
        &args![value],
    )
    .await?
    .as_ref()
    .map(record)
    .transpose()
}

/// Stores feedback once per form sent: the same form again answers with the first record.
async fn leave<D: Db>(db: &D, f: &FeedbackIn) -> Result<FeedbackRecord> {
    if let Some(earlier) = by(db, "f.form_key", f.form_key.clone()).await? {
        return Ok(earlier);
    }
    let n = &f.feedback;
    db.exec(
        "INSERT INTO feedback (id, reference, form_key, office_id, kind, about, message,
           contact_way, contact, language, received_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11)",
        &args![
            f.id,
            &f.reference,
            &f.form_key,
            f.office.map(|o| o.0),
            n.kind.as_str(),
            n.about.as_str(),
            &n.message,
            n.contact_way.as_str(),
            &n.contact,
            &f.language,
            f.at,
        ],
    )
    .await?;
    // The sender is nobody on file: the entry names the record and what kind it is.
    audit::insert(
        db,
        &AuditContext::system(f.at, "left on the public feedback page").entry(
            AuditAction::Create,
            "feedback",
            f.id.to_string(),
            vec![FieldChange {
                field: "kind".into(),
                before: None,
                after: Some(n.kind.as_str().into()),
            }],
        ),
    )
    .await?;
    by(db, "f.id", f.id.to_string())
        .await?
        .ok_or(StoreError::NotFound)
}

async fn list<D: Db>(db: &D, office: &Option<OfficeId>) -> Result<Vec<FeedbackRecord>> {
    db.rows(
        &format!(
            "SELECT {COLUMNS} {FROM} WHERE (CAST(?1 AS TEXT) IS NULL OR f.office_id = ?1)
             ORDER BY f.received_at DESC, f.id"
        ),
        &args![office.map(|o| o.0)],
    )
    .await?
    .iter()
    .map(record)
    .collect()
}

/// Moves feedback one step on, from the status the user saw: a concurrent step is refused.
async fn update<D: Db>(
    db: &D,
    id: uuid::Uuid,
    change: &FeedbackChange,
    audit: &AuditContext,
) -> Result<FeedbackRecord> {
    let updated = db
        .exec(
            "UPDATE feedback SET status = ?3,
               referred_to = COALESCE(?4, referred_to), response = COALESCE(?5, response),
               handled_by = ?6, updated_at = ?7
             WHERE id = ?1 AND status = ?2",
            &args![
                id,
                change.from.as_str(),
                change.to.as_str(),
                &change.referred_to,
                &change.response,
                change.by.0,
                audit.at,
            ],
        )
        .await?;
    if updated == 0 {
        return Err(match by(db, "f.id", id.to_string()).await? {
            Some(_) => StoreError::Conflict,
            None => StoreError::NotFound,
        });
    }
    audit::insert(
        db,
        &audit.entry(
            AuditAction::Update,
            "feedback",
            id.to_string(),
            vec![FieldChange {
                field: "status".into(),
                before: Some(change.from.as_str().into()),
                after: Some(change.to.as_str().into()),
            }],
        ),
    )
    .await?;
    by(db, "f.id", id.to_string())
        .await?
        .ok_or(StoreError::NotFound)
}

on_both_engines! {
    impl FeedbackStore {
        write fn leave_feedback(&self, f: FeedbackIn) -> Result<FeedbackRecord> =
            |db| leave(db, f);
        read fn feedback_list(&self, office: Option<OfficeId>) -> Result<Vec<FeedbackRecord>> =
            |db| list(db, office);
        read fn feedback(&self, id: uuid::Uuid) -> Result<Option<FeedbackRecord>> =
            |db| by(db, "f.id", id.to_string());
        write fn update_feedback(
            &self,
            id: uuid::Uuid,
            change: FeedbackChange,
            audit: AuditContext,
        ) -> Result<FeedbackRecord> = |db| update(db, *id, change, audit);
    }
}
