//! Stakeholders

use domain::StakeholderId;
use domain::stakeholder::Stakeholder;

use super::save_named;
use crate::model::*;
use crate::sql::{Db, Row, args, from_json};
use crate::{AuditContext, Result};

fn stakeholder_row(r: &Row) -> Result<StakeholderRecord> {
    Ok(StakeholderRecord {
        id: StakeholderId(r.get(0)?),
        stakeholder: from_json(1, r.text(1)?)?,
        version: r.get(2)?,
        updated_at: r.get(3)?,
    })
}

/// By name, ignoring ASCII case (as `COLLATE NOCASE` did: see `providers`).
pub(crate) async fn stakeholders<D: Db>(db: &D) -> Result<Vec<StakeholderRecord>> {
    db.rows(
        "SELECT id, body, version, updated_at FROM stakeholders ORDER BY lower(name)",
        &[],
    )
    .await?
    .iter()
    .map(stakeholder_row)
    .collect()
}

pub(crate) async fn stakeholder<D: Db>(db: &D, id: StakeholderId) -> Result<StakeholderRecord> {
    stakeholder_row(
        &db.one(
            "SELECT id, body, version, updated_at FROM stakeholders WHERE id = ?1",
            &args![id.0],
        )
        .await?,
    )
}

pub(crate) async fn save_stakeholder<D: Db>(
    db: &D,
    id: StakeholderId,
    expected: Option<i64>,
    s: &Stakeholder,
    audit: &AuditContext,
) -> Result<StakeholderRecord> {
    let before = match expected {
        Some(_) => Some(stakeholder(db, id).await?.stakeholder),
        None => None,
    };
    save_named(
        db,
        (record_type::STAKEHOLDER, "stakeholders"),
        &id.to_string(),
        &s.name,
        before.as_ref(),
        s,
        expected,
        audit,
    )
    .await?;
    stakeholder(db, id).await
}
