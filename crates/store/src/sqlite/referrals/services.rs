//! Services

use super::*;

pub(super) const SERVICE_COLUMNS: &str =
    "s.id, s.provider_id, p.name, s.body, s.version, s.updated_at FROM services s
     JOIN providers p ON p.id = s.provider_id";

pub(super) fn service_row(r: &Row<'_>) -> rusqlite::Result<ServiceRecord> {
    Ok(ServiceRecord {
        id: ServiceId(parse_uuid(0, &r.get::<_, String>(0)?)?),
        provider: ProviderId(parse_uuid(1, &r.get::<_, String>(1)?)?),
        provider_name: r.get(2)?,
        service: from_json(3, &r.get::<_, String>(3)?)?,
        version: r.get(4)?,
        updated_at: from_ts(r.get(5)?),
    })
}

pub(crate) fn services(c: &Connection) -> Result<Vec<ServiceRecord>> {
    let mut stmt = c.prepare_cached(&format!(
        "SELECT {SERVICE_COLUMNS} ORDER BY s.category, s.name COLLATE NOCASE"
    ))?;
    let rows = stmt.query_map([], service_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub(crate) fn service(c: &Connection, id: ServiceId) -> Result<ServiceRecord> {
    q_row(
        c,
        &format!("SELECT {SERVICE_COLUMNS} WHERE s.id = ?1"),
        [id.to_string()],
        service_row,
    )
    .optional()?
    .ok_or(StoreError::NotFound)
}

pub(crate) fn save_service(
    c: &Connection,
    id: ServiceId,
    provider_id: ProviderId,
    expected: Option<i64>,
    s: &Service,
    audit: &AuditContext,
) -> Result<ServiceRecord> {
    provider(c, provider_id)?;
    let before = match expected {
        Some(_) => Some(service(c, id)?.service),
        None => None,
    };
    let body = json(s)?;
    let verified = s.verified_on.map(|d| d.to_string());
    let n = match expected {
        None => exec(
            c,
            "INSERT INTO services (id, provider_id, name, category, body, verified_on, version,
                 updated_at, updated_by)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, 1, ?7, ?8)",
            params![
                id.to_string(),
                provider_id.to_string(),
                s.name,
                s.category.as_str(),
                body,
                verified,
                ts(audit.at),
                audit.actor.map(|a| a.to_string())
            ],
        )?,
        Some(v) => exec(
            c,
            "UPDATE services SET provider_id = ?2, name = ?3, category = ?4, body = ?5,
                 verified_on = ?6, version = version + 1, updated_at = ?7, updated_by = ?8
             WHERE id = ?1 AND version = ?9",
            params![
                id.to_string(),
                provider_id.to_string(),
                s.name,
                s.category.as_str(),
                body,
                verified,
                ts(audit.at),
                audit.actor.map(|a| a.to_string()),
                v
            ],
        )?,
    };
    if n == 0 {
        return Err(StoreError::Conflict);
    }
    audit::insert(
        c,
        &audit.entry(
            if expected.is_some() {
                AuditAction::Update
            } else {
                AuditAction::Create
            },
            record_type::SERVICE,
            id.to_string(),
            body_changes(before.as_ref(), s),
        ),
    )?;
    service(c, id)
}

pub(crate) fn propose_service_update(
    c: &Connection,
    service_id: ServiceId,
    case: Option<CaseId>,
    f: &ServiceFeedback,
    audit: &AuditContext,
) -> Result<uuid::Uuid> {
    service(c, service_id)?;
    let id = uuid::Uuid::new_v4();
    exec(
        c,
        "INSERT INTO service_updates (id, service_id, case_id, body, status, proposed_by,
             proposed_at)
         VALUES (?1, ?2, ?3, ?4, 'pending', ?5, ?6)",
        params![
            id.to_string(),
            service_id.to_string(),
            case.map(|c| c.to_string()),
            json(f)?,
            audit.actor.map(|a| a.to_string()),
            ts(audit.at)
        ],
    )?;
    audit::insert(
        c,
        &audit.entry(
            AuditAction::Create,
            record_type::SERVICE,
            service_id.to_string(),
            vec![FieldChange {
                field: "proposed_update".into(),
                before: None,
                after: Some(f.comment.clone()),
            }],
        ),
    )?;
    Ok(id)
}

pub(crate) fn service_updates(
    c: &Connection,
    service_id: Option<ServiceId>,
) -> Result<Vec<ServiceUpdateRecord>> {
    let mut stmt = c.prepare_cached(
        "SELECT u.id, u.service_id, s.name, u.case_id, u.body, u.status, pb.display_name,
                u.proposed_at, db.display_name, u.decision_note
         FROM service_updates u JOIN services s ON s.id = u.service_id
         LEFT JOIN users pb ON pb.id = u.proposed_by
         LEFT JOIN users db ON db.id = u.decided_by
         WHERE ?1 IS NULL OR u.service_id = ?1
         ORDER BY u.status <> 'pending', u.proposed_at DESC",
    )?;
    let rows = stmt.query_map([service_id.map(|s| s.to_string())], |r| {
        Ok(ServiceUpdateRecord {
            id: parse_uuid(0, &r.get::<_, String>(0)?)?,
            service: ServiceId(parse_uuid(1, &r.get::<_, String>(1)?)?),
            service_name: r.get(2)?,
            case: r
                .get::<_, Option<String>>(3)?
                .map(|s| parse_uuid(3, &s).map(CaseId))
                .transpose()?,
            feedback: from_json(4, &r.get::<_, String>(4)?)?,
            status: parse_named(5, &r.get::<_, String>(5)?, ProposalStatus::parse)?,
            proposed_by_name: r.get(6)?,
            proposed_at: from_ts(r.get(7)?),
            decided_by_name: r.get(8)?,
            decision_note: r.get(9)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub(crate) fn decide_service_update(
    c: &Connection,
    id: uuid::Uuid,
    updated: Option<(i64, Service)>,
    note: &str,
    audit: &AuditContext,
) -> Result<()> {
    let service_id: String = q_row(
        c,
        "SELECT service_id FROM service_updates WHERE id = ?1",
        [id.to_string()],
        |r| r.get(0),
    )
    .optional()?
    .ok_or(StoreError::NotFound)?;
    let status = if updated.is_some() {
        ProposalStatus::Accepted
    } else {
        ProposalStatus::Rejected
    };
    let n = exec(
        c,
        "UPDATE service_updates SET status = ?2, decided_by = ?3, decided_at = ?4,
             decision_note = ?5
         WHERE id = ?1 AND status = 'pending'",
        params![
            id.to_string(),
            status.as_str(),
            audit.actor.map(|a| a.to_string()),
            ts(audit.at),
            note
        ],
    )?;
    if n == 0 {
        return Err(StoreError::Conflict);
    }
    let sid = ServiceId(parse_uuid(0, &service_id)?);
    match updated {
        Some((version, s)) => {
            let provider_id = service(c, sid)?.provider;
            save_service(c, sid, provider_id, Some(version), &s, audit)?;
        }
        None => audit::insert(
            c,
            &audit.entry(
                AuditAction::Update,
                record_type::SERVICE,
                service_id,
                vec![FieldChange {
                    field: "proposed_update".into(),
                    before: Some(ProposalStatus::Pending.as_str().into()),
                    after: Some(status.as_str().into()),
                }],
            ),
        )?,
    }
    Ok(())
}

pub(crate) fn set_user_organisation(
    c: &Connection,
    user: UserId,
    organisation: Option<ProviderId>,
    audit: &AuditContext,
) -> Result<()> {
    let name = match organisation {
        Some(p) => Some(provider(c, p)?.provider.name),
        None => None,
    };
    let n = exec(
        c,
        "UPDATE users SET provider_id = ?2 WHERE id = ?1",
        params![user.to_string(), organisation.map(|p| p.to_string())],
    )?;
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    audit::insert(
        c,
        &audit.entry(
            AuditAction::Update,
            record_type::USER,
            user.to_string(),
            vec![FieldChange {
                field: "organisation".into(),
                before: None,
                after: name,
            }],
        ),
    )
}
