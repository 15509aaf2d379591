//! Providers

use super::*;

pub(super) fn provider_row(r: &Row<'_>) -> rusqlite::Result<ProviderRecord> {
    Ok(ProviderRecord {
        id: ProviderId(parse_uuid(0, &r.get::<_, String>(0)?)?),
        provider: from_json(1, &r.get::<_, String>(1)?)?,
        version: r.get(2)?,
        updated_at: from_ts(r.get(3)?),
    })
}

pub(crate) fn providers(c: &Connection) -> Result<Vec<ProviderRecord>> {
    let mut stmt = c.prepare_cached(
        "SELECT id, body, version, updated_at FROM providers ORDER BY name COLLATE NOCASE",
    )?;
    let rows = stmt.query_map([], provider_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub(crate) fn provider(c: &Connection, id: ProviderId) -> Result<ProviderRecord> {
    q_row(
        c,
        "SELECT id, body, version, updated_at FROM providers WHERE id = ?1",
        [id.to_string()],
        provider_row,
    )
    .optional()?
    .ok_or(StoreError::NotFound)
}

pub(crate) fn save_provider(
    c: &Connection,
    id: ProviderId,
    expected: Option<i64>,
    p: &Provider,
    audit: &AuditContext,
) -> Result<ProviderRecord> {
    let before = match expected {
        Some(_) => Some(provider(c, id)?.provider),
        None => None,
    };
    let r = (record_type::PROVIDER, "providers");
    save_named(
        c,
        r,
        &id.to_string(),
        &p.name,
        before.as_ref(),
        p,
        expected,
        audit,
    )?;
    provider(c, id)
}

/// Writes a map record kept as a named JSON body, with its audit entry.
#[allow(clippy::too_many_arguments)]
pub(super) fn save_named<T: serde::Serialize>(
    c: &Connection,
    (record, table): (&str, &str),
    id: &str,
    name: &str,
    before: Option<&T>,
    after: &T,
    expected: Option<i64>,
    audit: &AuditContext,
) -> Result<()> {
    save_versioned(c, table, id, name, &json(after)?, expected, audit)?;
    let action = if expected.is_some() {
        AuditAction::Update
    } else {
        AuditAction::Create
    };
    audit::insert(
        c,
        &audit.entry(action, record, id.to_string(), body_changes(before, after)),
    )
}
