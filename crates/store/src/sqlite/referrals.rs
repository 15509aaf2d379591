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

// Providers

fn provider_row(r: &Row<'_>) -> rusqlite::Result<ProviderRecord> {
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
fn save_named<T: serde::Serialize>(
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

// Services

const SERVICE_COLUMNS: &str =
    "s.id, s.provider_id, p.name, s.body, s.version, s.updated_at FROM services s
     JOIN providers p ON p.id = s.provider_id";

fn service_row(r: &Row<'_>) -> rusqlite::Result<ServiceRecord> {
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

// Stakeholders

fn stakeholder_row(r: &Row<'_>) -> rusqlite::Result<StakeholderRecord> {
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

// Referrals

const REFERRAL_COLUMNS: &str = "r.id, r.case_id, c.case_number, c.office_id, c.case_manager_id,
    c.restricted, o.self_approval, r.service_id, s.name, r.provider_id, p.name, r.status, r.body,
    r.sent_on, r.answer_due, r.version, cb.display_name, r.created_at, r.updated_at
    FROM referrals r
    JOIN cases c ON c.id = r.case_id
    JOIN offices o ON o.id = c.office_id
    JOIN services s ON s.id = r.service_id
    JOIN providers p ON p.id = r.provider_id
    LEFT JOIN users cb ON cb.id = r.created_by";

fn referral_row(r: &Row<'_>) -> rusqlite::Result<ReferralRecord> {
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

fn referral_audit(
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

const LINK_COLUMNS: &str = "l.id, l.referral_id, u.display_name, l.created_at, l.expires_at,
    l.revoked_at FROM referral_links l LEFT JOIN users u ON u.id = l.created_by";

fn link_row(r: &Row<'_>) -> rusqlite::Result<ReferralLink> {
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
