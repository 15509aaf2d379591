//! Stakeholders

use super::*;

pub(super) fn stakeholder_row(r: &Row<'_>) -> rusqlite::Result<StakeholderRecord> {
    Ok(StakeholderRecord {
        id: StakeholderId(parse_uuid(0, &r.get::<_, String>(0)?)?),
        stakeholder: from_json(1, &r.get::<_, String>(1)?)?,
        version: r.get(2)?,
        updated_at: from_ts(r.get(3)?),
    })
}

pub(crate) fn stakeholders(c: &Connection) -> Result<Vec<StakeholderRecord>> {
    let mut stmt = c.prepare_cached(
        "SELECT id, body, version, updated_at FROM stakeholders ORDER BY name COLLATE NOCASE",
    )?;
    let rows = stmt.query_map([], stakeholder_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub(crate) fn stakeholder(c: &Connection, id: StakeholderId) -> Result<StakeholderRecord> {
    q_row(
        c,
        "SELECT id, body, version, updated_at FROM stakeholders WHERE id = ?1",
        [id.to_string()],
        stakeholder_row,
    )
    .optional()?
    .ok_or(StoreError::NotFound)
}

pub(crate) fn save_stakeholder(
    c: &Connection,
    id: StakeholderId,
    expected: Option<i64>,
    s: &Stakeholder,
    audit: &AuditContext,
) -> Result<StakeholderRecord> {
    let before = match expected {
        Some(_) => Some(stakeholder(c, id)?.stakeholder),
        None => None,
    };
    let r = (record_type::STAKEHOLDER, "stakeholders");
    save_named(
        c,
        r,
        &id.to_string(),
        &s.name,
        before.as_ref(),
        s,
        expected,
        audit,
    )?;
    stakeholder(c, id)
}
