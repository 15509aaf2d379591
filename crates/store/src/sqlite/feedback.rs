//! Feedback and complaints.

use async_trait::async_trait;
use domain::OfficeId;
use domain::audit::{AuditAction, FieldChange};
use domain::feedback::{ContactWay, FeedbackAbout, FeedbackKind, FeedbackStatus, NewFeedback};
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::{SqliteStore, audit, exec, from_ts, parse_named, parse_uuid, ts};
use crate::{
    AuditContext, FeedbackChange, FeedbackIn, FeedbackRecord, FeedbackStore, Result, StoreError,
};

const COLUMNS: &str = "f.id, f.reference, f.office_id, o.code, f.kind, f.about, f.message,
    f.contact_way, f.contact, f.language, f.status, f.referred_to, f.response, f.received_at,
    f.updated_at, u.display_name";
const FROM: &str = "FROM feedback f LEFT JOIN offices o ON o.id = f.office_id
    LEFT JOIN users u ON u.id = f.handled_by";

fn row(r: &Row<'_>) -> rusqlite::Result<FeedbackRecord> {
    Ok(FeedbackRecord {
        id: parse_uuid(0, &r.get::<_, String>(0)?)?,
        reference: r.get(1)?,
        office: r
            .get::<_, Option<String>>(2)?
            .map(|o| parse_uuid(2, &o).map(OfficeId))
            .transpose()?,
        office_code: r.get(3)?,
        feedback: NewFeedback {
            kind: parse_named(4, &r.get::<_, String>(4)?, FeedbackKind::parse)?,
            about: parse_named(5, &r.get::<_, String>(5)?, FeedbackAbout::parse)?,
            message: r.get(6)?,
            contact_way: parse_named(7, &r.get::<_, String>(7)?, ContactWay::parse)?,
            contact: r.get(8)?,
        },
        language: r.get(9)?,
        status: parse_named(10, &r.get::<_, String>(10)?, FeedbackStatus::parse)?,
        referred_to: r.get(11)?,
        response: r.get(12)?,
        received_at: from_ts(r.get(13)?),
        updated_at: from_ts(r.get(14)?),
        handled_by_name: r.get(15)?,
    })
}

fn by(c: &Connection, filter: &str, value: String) -> Result<Option<FeedbackRecord>> {
    Ok(c.query_row(
        &format!("SELECT {COLUMNS} {FROM} WHERE {filter} = ?1"),
        [value],
        row,
    )
    .optional()?)
}

#[async_trait]
impl FeedbackStore for SqliteStore {
    async fn leave_feedback(&self, f: FeedbackIn) -> Result<FeedbackRecord> {
        self.write(move |tx| {
            if let Some(earlier) = by(tx, "f.form_key", f.form_key.clone())? {
                return Ok(earlier);
            }
            let n = &f.feedback;
            exec(
                tx,
                "INSERT INTO feedback (id, reference, form_key, office_id, kind, about, message,
                   contact_way, contact, language, received_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11)",
                params![
                    f.id.to_string(),
                    f.reference,
                    f.form_key,
                    f.office.map(|o| o.to_string()),
                    n.kind.as_str(),
                    n.about.as_str(),
                    n.message,
                    n.contact_way.as_str(),
                    n.contact,
                    f.language,
                    ts(f.at),
                ],
            )?;
            // The sender is nobody on file: the entry names the record and what kind it is.
            audit::insert(
                tx,
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
            )?;
            by(tx, "f.id", f.id.to_string())?.ok_or(StoreError::NotFound)
        })
        .await
    }

    async fn feedback_list(&self, office: Option<OfficeId>) -> Result<Vec<FeedbackRecord>> {
        self.read(move |c| {
            let mut stmt = c.prepare(&format!(
                "SELECT {COLUMNS} {FROM} WHERE (?1 IS NULL OR f.office_id = ?1)
                 ORDER BY f.received_at DESC, f.id"
            ))?;
            let rows = stmt.query_map([office.map(|o| o.to_string())], row)?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
        .await
    }

    async fn feedback(&self, id: uuid::Uuid) -> Result<Option<FeedbackRecord>> {
        self.read(move |c| by(c, "f.id", id.to_string())).await
    }

    async fn update_feedback(
        &self,
        id: uuid::Uuid,
        change: FeedbackChange,
        audit: AuditContext,
    ) -> Result<FeedbackRecord> {
        self.write(move |tx| {
            let updated = exec(
                tx,
                "UPDATE feedback SET status = ?3,
                   referred_to = COALESCE(?4, referred_to), response = COALESCE(?5, response),
                   handled_by = ?6, updated_at = ?7
                 WHERE id = ?1 AND status = ?2",
                params![
                    id.to_string(),
                    change.from.as_str(),
                    change.to.as_str(),
                    change.referred_to,
                    change.response,
                    change.by.to_string(),
                    ts(audit.at),
                ],
            )?;
            if updated == 0 {
                return Err(match by(tx, "f.id", id.to_string())? {
                    Some(_) => StoreError::Conflict,
                    None => StoreError::NotFound,
                });
            }
            audit::insert(
                tx,
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
            )?;
            by(tx, "f.id", id.to_string())?.ok_or(StoreError::NotFound)
        })
        .await
    }
}
