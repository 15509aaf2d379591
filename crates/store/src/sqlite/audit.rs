//! The audit log table.

use domain::audit::AuditAction;
use rusqlite::{Connection, params};

use super::{from_ts, parse_named, parse_uuid, ts};
use crate::Result;
use crate::model::{AuditEntry, AuditScope, NewAuditEntry};

pub(crate) fn insert(c: &Connection, e: &NewAuditEntry) -> Result<()> {
    let changes = serde_json::to_string(&e.changes)
        .map_err(|err| crate::StoreError::Database(err.to_string()))?;
    c.prepare_cached(
        "INSERT INTO audit_log (at, actor_id, action, record_type, record_id, changes, reason)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        ts(e.at),
        e.actor.map(|a| a.to_string()),
        e.action.as_str(),
        e.record_type,
        e.record_id,
        changes,
        e.reason
    ])?;
    Ok(())
}

pub(crate) fn for_record(
    c: &Connection,
    record_type: &str,
    record_id: &str,
    scope: AuditScope,
) -> Result<Vec<AuditEntry>> {
    let views = match scope {
        AuditScope::Changes => "AND a.action <> 'view'",
        AuditScope::ChangesAndViews => "",
    };
    let mut stmt = c.prepare_cached(&format!(
        "SELECT a.id, a.at, a.actor_id, u.username, a.action, a.record_type, a.record_id,
                a.changes, a.reason
         FROM audit_log a LEFT JOIN users u ON u.id = a.actor_id
         WHERE a.record_type = ?1 AND a.record_id = ?2 {views}
         ORDER BY a.id"
    ))?;
    let rows = stmt.query_map(params![record_type, record_id], |r| {
        let actor: Option<String> = r.get(2)?;
        let changes: String = r.get(7)?;
        Ok(AuditEntry {
            id: r.get(0)?,
            at: from_ts(r.get(1)?),
            actor: actor
                .map(|a| parse_uuid(2, &a).map(domain::UserId))
                .transpose()?,
            actor_name: r.get(3)?,
            action: parse_named(4, &r.get::<_, String>(4)?, AuditAction::parse)?,
            record_type: r.get(5)?,
            record_id: r.get(6)?,
            changes: serde_json::from_str(&changes).map_err(|e| {
                rusqlite::Error::FromSqlConversionFailure(7, rusqlite::types::Type::Text, e.into())
            })?,
            reason: r.get(8)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}
