//! The service map, the stakeholder map and referrals, on both engines. Map records are audited
//! on themselves; referral changes on their case (so they show in its timeline); disclosures are
//! appended by the caller on the referral.

use domain::audit::{AuditAction, FieldChange};

use super::{Db, args, audit};
use crate::{AuditContext, Result, StoreError};

mod providers;
mod records;
mod services;
mod stakeholders;

pub(crate) use providers::*;
pub(crate) use records::*;
pub(crate) use services::*;
pub(crate) use stakeholders::*;

/// Field-level changes between two JSON bodies, flattened one level (`details.hours`).
pub(crate) fn body_changes<T: serde::Serialize>(before: Option<&T>, after: &T) -> Vec<FieldChange> {
    fn fields(v: &serde_json::Value) -> Vec<(String, String)> {
        let mut out = Vec::new();
        if let serde_json::Value::Object(map) = v {
            for (k, v) in map {
                match v {
                    serde_json::Value::Object(inner) => {
                        for (ik, iv) in inner {
                            out.push((format!("{k}.{ik}"), scalar(iv)));
                        }
                    }
                    other => out.push((k.clone(), scalar(other))),
                }
            }
        }
        out
    }
    fn scalar(v: &serde_json::Value) -> String {
        match v {
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Null => String::new(),
            other => other.to_string(),
        }
    }
    let b = before
        .and_then(|b| serde_json::to_value(b).ok())
        .map(|v| fields(&v))
        .unwrap_or_default();
    let a = serde_json::to_value(after)
        .map(|v| fields(&v))
        .unwrap_or_default();
    domain::audit::diff(&b, &a)
}

/// A record body as stored: JSON typed in `domain`.
fn json<T: serde::Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| StoreError::Database(e.to_string()))
}

/// Inserts or replaces a versioned JSON record; `Conflict` when the stored version moved on.
async fn save_versioned<D: Db>(
    db: &D,
    table: &str,
    id: &str,
    name: &str,
    body: &str,
    expected: Option<i64>,
    audit: &AuditContext,
) -> Result<()> {
    let n = match expected {
        None => {
            db.exec(
                &format!(
                    "INSERT INTO {table} (id, name, body, version, updated_at, updated_by)
                     VALUES (?1, ?2, ?3, 1, ?4, ?5)"
                ),
                &args![id, name, body, audit.at, audit.actor.map(|a| a.0)],
            )
            .await?
        }
        Some(v) => {
            db.exec(
                &format!(
                    "UPDATE {table} SET name = ?2, body = ?3, version = version + 1,
                         updated_at = ?4, updated_by = ?5
                     WHERE id = ?1 AND version = ?6"
                ),
                &args![id, name, body, audit.at, audit.actor.map(|a| a.0), v],
            )
            .await?
        }
    };
    if n == 0 {
        return Err(StoreError::Conflict);
    }
    Ok(())
}

/// Writes a map record kept as a named JSON body, with its audit entry.
#[allow(clippy::too_many_arguments)]
async fn save_named<D: Db, T: serde::Serialize>(
    db: &D,
    (record, table): (&str, &str),
    id: &str,
    name: &str,
    before: Option<&T>,
    after: &T,
    expected: Option<i64>,
    audit: &AuditContext,
) -> Result<()> {
    save_versioned(db, table, id, name, &json(after)?, expected, audit).await?;
    let action = if expected.is_some() {
        AuditAction::Update
    } else {
        AuditAction::Create
    };
    audit::insert(
        db,
        &audit.entry(action, record, id.to_string(), body_changes(before, after)),
    )
    .await
}
