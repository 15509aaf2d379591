//! Referrals

use super::*;

pub(super) const REFERRAL_COLUMNS: &str =
    "r.id, r.case_id, c.case_number, c.office_id, c.case_manager_id,
    c.restricted, o.self_approval, r.service_id, s.name, r.provider_id, p.name, r.status, r.body,
    r.sent_on, r.answer_due, r.version, cb.display_name, r.created_at, r.updated_at
    FROM referrals r
    JOIN cases c ON c.id = r.case_id
    JOIN offices o ON o.id = c.office_id
    JOIN services s ON s.id = r.service_id
    JOIN providers p ON p.id = r.provider_id
    LEFT JOIN users cb ON cb.id = r.created_by";

pub(super) fn referral_row(r: &Row<'_>) -> rusqlite::Result<ReferralRecord> {
    Ok(ReferralRecord {
        id: ReferralId(parse_uuid(0, &r.get::<_, String>(0)?)?),
        case: CaseId(parse_uuid(1, &r.get::<_, String>(1)?)?),
        case_number: r.get(2)?,
        case_access: CaseAccess {
            office: OfficeId(parse_uuid(3, &r.get::<_, String>(3)?)?),
            case_manager: opt_user(4, r.get(4)?)?,
            restricted: r.get(5)?,
            self_approval: r.get(6)?,
        },
        service: ServiceId(parse_uuid(7, &r.get::<_, String>(7)?)?),
        service_name: r.get(8)?,
        provider: ProviderId(parse_uuid(9, &r.get::<_, String>(9)?)?),
        provider_name: r.get(10)?,
        status: parse_named(11, &r.get::<_, String>(11)?, ReferralStatus::parse)?,
        content: from_json(12, &r.get::<_, String>(12)?)?,
        sent_on: opt_date_col(13, r.get(13)?)?,
        answer_due: opt_date_col(14, r.get(14)?)?,
        version: r.get(15)?,
        created_by_name: r.get(16)?,
        created_at: from_ts(r.get(17)?),
        updated_at: from_ts(r.get(18)?),
    })
}

pub(crate) fn referral(c: &Connection, id: ReferralId) -> Result<ReferralRecord> {
    q_row(
        c,
        &format!("SELECT {REFERRAL_COLUMNS} WHERE r.id = ?1"),
        [id.to_string()],
        referral_row,
    )
    .optional()?
    .ok_or(StoreError::NotFound)
}

pub(crate) fn referrals(c: &Connection, f: &ReferralFilter) -> Result<Vec<ReferralRecord>> {
    let mut stmt = c.prepare_cached(&format!(
        "SELECT {REFERRAL_COLUMNS}
         WHERE (?1 IS NULL OR r.case_id = ?1) AND (?2 IS NULL OR r.provider_id = ?2)
           AND (?3 IS NULL OR c.office_id = ?3) AND (?4 IS NULL OR c.case_manager_id = ?4)
           AND (?5 IS NULL OR r.status = ?5)
         ORDER BY r.created_at DESC, r.id"
    ))?;
    let rows = stmt.query_map(
        params![
            f.case.map(|x| x.to_string()),
            f.provider.map(|x| x.to_string()),
            f.office.map(|x| x.to_string()),
            f.case_manager.map(|x| x.to_string()),
            f.status.map(|x| x.as_str())
        ],
        referral_row,
    )?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub(super) fn referral_audit(
    c: &Connection,
    audit: &AuditContext,
    action: AuditAction,
    r: &ReferralRecord,
    before: Option<String>,
    after: String,
) -> Result<()> {
    audit::insert(
        c,
        &audit.entry(
            action,
            record_type::CASE,
            r.case.to_string(),
            vec![FieldChange {
                field: format!("referral.{}", r.service_name),
                before,
                after: Some(after),
            }],
        ),
    )
}

pub(crate) fn create_referral(
    c: &Connection,
    n: &NewReferral,
    audit: &AuditContext,
) -> Result<ReferralRecord> {
    let s = service(c, n.service)?;
    exec(
        c,
        "INSERT INTO referrals (id, case_id, service_id, provider_id, status, body, version,
             created_by, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, 'draft', ?5, 1, ?6, ?7, ?7)",
        params![
            n.id.to_string(),
            n.case.to_string(),
            n.service.to_string(),
            s.provider.to_string(),
            json(&n.content)?,
            audit.actor.map(|a| a.to_string()),
            ts(audit.at)
        ],
    )?;
    let r = referral(c, n.id)?;
    referral_audit(
        c,
        audit,
        AuditAction::Create,
        &r,
        None,
        ReferralStatus::Draft.as_str().into(),
    )?;
    Ok(r)
}

pub(crate) fn update_referral(
    c: &Connection,
    id: ReferralId,
    expected: i64,
    content: &ReferralContent,
    audit: &AuditContext,
) -> Result<ReferralRecord> {
    let n = exec(
        c,
        "UPDATE referrals SET body = ?2, version = version + 1, updated_at = ?3
         WHERE id = ?1 AND version = ?4 AND status = 'draft'",
        params![id.to_string(), json(content)?, ts(audit.at), expected],
    )?;
    if n == 0 {
        referral(c, id)?;
        return Err(StoreError::Conflict);
    }
    let r = referral(c, id)?;
    referral_audit(
        c,
        audit,
        AuditAction::Update,
        &r,
        None,
        "draft edited".into(),
    )?;
    Ok(r)
}

pub(crate) fn referral_step(
    c: &Connection,
    id: ReferralId,
    expected: i64,
    s: &NewReferralStep,
    audit: &AuditContext,
) -> Result<ReferralRecord> {
    let n = exec(
        c,
        "UPDATE referrals SET status = ?2, version = version + 1, updated_at = ?3,
             sent_on = coalesce(?4, sent_on), answer_due = coalesce(?5, answer_due)
         WHERE id = ?1 AND version = ?6 AND status = ?7",
        params![
            id.to_string(),
            s.to.as_str(),
            ts(audit.at),
            s.sent_on.map(|d| d.to_string()),
            s.answer_due.map(|d| d.to_string()),
            expected,
            s.from.as_str()
        ],
    )?;
    if n == 0 {
        referral(c, id)?;
        return Err(StoreError::Conflict);
    }
    exec(
        c,
        "INSERT INTO referral_events (id, referral_id, step, note, via, actor, at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            uuid::Uuid::new_v4().to_string(),
            id.to_string(),
            s.step.as_str(),
            s.note,
            s.via.as_str(),
            audit.actor.map(|a| a.to_string()),
            ts(audit.at)
        ],
    )?;
    let r = referral(c, id)?;
    let after = if s.note.is_empty() {
        s.to.as_str().to_string()
    } else {
        format!("{}: {}", s.to.as_str(), s.note)
    };
    referral_audit(
        c,
        audit,
        AuditAction::Update,
        &r,
        Some(s.from.as_str().into()),
        after,
    )?;
    Ok(r)
}

pub(crate) fn referral_events(c: &Connection, id: ReferralId) -> Result<Vec<ReferralEvent>> {
    let mut stmt = c.prepare_cached(
        "SELECT e.step, e.note, e.via, u.display_name, e.at FROM referral_events e
         LEFT JOIN users u ON u.id = e.actor
         WHERE e.referral_id = ?1 ORDER BY e.at, e.rowid",
    )?;
    let rows = stmt.query_map([id.to_string()], |r| {
        Ok(ReferralEvent {
            step: parse_named(0, &r.get::<_, String>(0)?, ReferralStep::parse)?,
            note: r.get(1)?,
            via: parse_named(2, &r.get::<_, String>(2)?, Via::parse)?,
            by_name: r.get(3)?,
            at: from_ts(r.get(4)?),
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub(super) const LINK_COLUMNS: &str =
    "l.id, l.referral_id, u.display_name, l.created_at, l.expires_at,
    l.revoked_at FROM referral_links l LEFT JOIN users u ON u.id = l.created_by";

pub(super) fn link_row(r: &Row<'_>) -> rusqlite::Result<ReferralLink> {
    Ok(ReferralLink {
        id: parse_uuid(0, &r.get::<_, String>(0)?)?,
        referral: ReferralId(parse_uuid(1, &r.get::<_, String>(1)?)?),
        created_by_name: r.get(2)?,
        created_at: from_ts(r.get(3)?),
        expires_at: from_ts(r.get(4)?),
        revoked_at: r.get::<_, Option<i64>>(5)?.map(from_ts),
    })
}

pub(crate) fn create_referral_link(
    c: &Connection,
    l: &NewReferralLink,
    audit: &AuditContext,
) -> Result<ReferralLink> {
    let r = referral(c, l.referral)?;
    exec(
        c,
        "INSERT INTO referral_links (id, referral_id, token_hash, created_by, created_at,
             expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            l.id.to_string(),
            l.referral.to_string(),
            l.token_hash,
            audit.actor.map(|a| a.to_string()),
            ts(audit.at),
            ts(l.expires_at)
        ],
    )?;
    referral_audit(
        c,
        audit,
        AuditAction::Create,
        &r,
        None,
        format!("provider link until {}", l.expires_at.date()),
    )?;
    q_row(
        c,
        &format!("SELECT {LINK_COLUMNS} WHERE l.id = ?1"),
        [l.id.to_string()],
        link_row,
    )
    .map_err(Into::into)
}

pub(crate) fn referral_links(c: &Connection, id: ReferralId) -> Result<Vec<ReferralLink>> {
    let mut stmt = c.prepare_cached(&format!(
        "SELECT {LINK_COLUMNS} WHERE l.referral_id = ?1 ORDER BY l.created_at"
    ))?;
    let rows = stmt.query_map([id.to_string()], link_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub(crate) fn revoke_referral_link(
    c: &Connection,
    referral_id: ReferralId,
    link: uuid::Uuid,
    audit: &AuditContext,
) -> Result<()> {
    let r = referral(c, referral_id)?;
    let n = exec(
        c,
        "UPDATE referral_links SET revoked_at = ?3, revoked_by = ?4
         WHERE id = ?1 AND referral_id = ?2 AND revoked_at IS NULL",
        params![
            link.to_string(),
            referral_id.to_string(),
            ts(audit.at),
            audit.actor.map(|a| a.to_string())
        ],
    )?;
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    referral_audit(
        c,
        audit,
        AuditAction::Update,
        &r,
        None,
        "provider link revoked".into(),
    )
}

pub(crate) fn referral_by_link(
    c: &Connection,
    token_hash: &str,
) -> Result<Option<(ReferralLink, ReferralRecord)>> {
    let link = q_row(
        c,
        &format!("SELECT {LINK_COLUMNS} WHERE l.token_hash = ?1"),
        [token_hash],
        link_row,
    )
    .optional()?;
    match link {
        Some(l) => {
            let r = referral(c, l.referral)?;
            Ok(Some((l, r)))
        }
        None => Ok(None),
    }
}
