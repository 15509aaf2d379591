//! The service map, the stakeholder map and referrals. Map records are audited on themselves;
//! referral changes on their case (so they show in its timeline); disclosures are appended by
//! the caller on the referral.

use domain::audit::{AuditAction, FieldChange};
use domain::authz::CaseAccess;
use domain::referral::{ReferralContent, ReferralStatus, ReferralStep};
use domain::services::{ProposalStatus, Provider, Service, ServiceFeedback};
use domain::stakeholder::Stakeholder;
use domain::{CaseId, OfficeId, ProviderId, ReferralId, ServiceId, StakeholderId, UserId};
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::cases::opt_date_col;
use super::{audit, exec, from_json, from_ts, json, opt_user, parse_named, parse_uuid, q_row, ts};
use crate::model::*;
use crate::{AuditContext, Result, StoreError};

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

/// Inserts or replaces a versioned JSON record; `Conflict` when the stored version moved on.
#[allow(clippy::too_many_arguments)]
fn save_versioned(
    c: &Connection,
    table: &str,
    id: &str,
    name: &str,
    body: &str,
    expected: Option<i64>,
    audit: &AuditContext,
) -> Result<()> {
    let n = match expected {
        None => exec(
            c,
            &format!(
                "INSERT INTO {table} (id, name, body, version, updated_at, updated_by)
                 VALUES (?1, ?2, ?3, 1, ?4, ?5)"
            ),
            params![
                id,
                name,
                body,
                ts(audit.at),
                audit.actor.map(|a| a.to_string())
            ],
        )?,
        Some(v) => exec(
            c,
            &format!(
                "UPDATE {table} SET name = ?2, body = ?3, version = version + 1, updated_at = ?4,
                     updated_by = ?5
                 WHERE id = ?1 AND version = ?6"
            ),
            params![
                id,
                name,
                body,
                ts(audit.at),
                audit.actor.map(|a| a.to_string()),
                v
            ],
        )?,
    };
    if n == 0 {
        return Err(StoreError::Conflict);
    }
    Ok(())
}

mod providers;
mod records;
mod services;
mod stakeholders;

pub(crate) use providers::*;
pub(crate) use records::*;
pub(crate) use services::*;
pub(crate) use stakeholders::*;
