//! The audit log table: every change is written here in the transaction that makes it.

use domain::UserId;
use domain::audit::AuditAction;

use super::{Db, args, from_json, named};
use crate::model::{AuditEntry, AuditScope, NewAuditEntry};
use crate::{Result, StoreError};

pub(crate) async fn insert<D: Db>(db: &D, e: &NewAuditEntry) -> Result<()> {
    let changes =
        serde_json::to_string(&e.changes).map_err(|err| StoreError::Database(err.to_string()))?;
    db.exec(
        "INSERT INTO audit_log (at, actor_id, action, record_type, record_id, changes, reason)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        &args![
            e.at,
            e.actor.map(|a| a.0),
            e.action.as_str(),
            e.record_type.as_str(),
            e.record_id.as_str(),
            changes,
            e.reason.clone()
        ],
    )
    .await?;
    Ok(())
}

pub(crate) async fn for_record<D: Db>(
    db: &D,
    record_type: &str,
    record_id: &str,
    scope: AuditScope,
) -> Result<Vec<AuditEntry>> {
    let views = match scope {
        AuditScope::Changes => "AND a.action <> 'view'",
        AuditScope::ChangesAndViews => "",
    };
    let rows = db
        .rows(
            &format!(
                "SELECT a.id, a.at, a.actor_id, u.username, a.action, a.record_type, a.record_id,
                        a.changes, a.reason
                 FROM audit_log a LEFT JOIN users u ON u.id = a.actor_id
                 WHERE a.record_type = ?1 AND a.record_id = ?2 {views}
                 ORDER BY a.id"
            ),
            &args![record_type, record_id],
        )
        .await?;
    rows.iter()
        .map(|r| {
            Ok(AuditEntry {
                id: r.get(0)?,
                at: r.get(1)?,
                actor: r.get::<Option<uuid::Uuid>>(2)?.map(UserId),
                actor_name: r.get(3)?,
                action: named(4, r.text(4)?, AuditAction::parse)?,
                record_type: r.get(5)?,
                record_id: r.get(6)?,
                changes: from_json(7, r.text(7)?)?,
                reason: r.get(8)?,
            })
        })
        .collect()
}
