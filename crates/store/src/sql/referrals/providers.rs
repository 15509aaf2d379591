//! Providers

use domain::ProviderId;
use domain::services::Provider;

use super::save_named;
use crate::model::*;
use crate::sql::{Db, Row, args, from_json};
use crate::{AuditContext, Result};

fn provider_row(r: &Row) -> Result<ProviderRecord> {
    Ok(ProviderRecord {
        id: ProviderId(r.get(0)?),
        provider: from_json(1, r.text(1)?)?,
        version: r.get(2)?,
        updated_at: r.get(3)?,
    })
}

/// By name, ignoring ASCII case. `lower` folds ASCII only on both engines (SQLite without ICU,
/// PostgreSQL under the `C` collation), so this is the order `COLLATE NOCASE` gave on SQLite.
pub(crate) async fn providers<D: Db>(db: &D) -> Result<Vec<ProviderRecord>> {
    db.rows(
        "SELECT id, body, version, updated_at FROM providers ORDER BY lower(name)",
        &[],
    )
    .await?
    .iter()
    .map(provider_row)
    .collect()
}

pub(crate) async fn provider<D: Db>(db: &D, id: ProviderId) -> Result<ProviderRecord> {
    provider_row(
        &db.one(
            "SELECT id, body, version, updated_at FROM providers WHERE id = ?1",
            &args![id.0],
        )
        .await?,
    )
}

pub(crate) async fn save_provider<D: Db>(
    db: &D,
    id: ProviderId,
    expected: Option<i64>,
    p: &Provider,
    audit: &AuditContext,
) -> Result<ProviderRecord> {
    let before = match expected {
        Some(_) => Some(provider(db, id).await?.provider),
        None => None,
    };
    save_named(
        db,
        (record_type::PROVIDER, "providers"),
        &id.to_string(),
        &p.name,
        before.as_ref(),
        p,
        expected,
        audit,
    )
    .await?;
    provider(db, id).await
}
