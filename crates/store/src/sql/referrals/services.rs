//! Services, the updates proposed to them, and the organisation a partner account works for.

use domain::audit::{AuditAction, FieldChange};
use domain::services::{ProposalStatus, Service, ServiceFeedback};
use domain::{CaseId, ProviderId, ServiceId, UserId};

use super::{body_changes, json, provider};
use crate::model::*;
use crate::sql::{Db, Row, args, audit, from_json, named, tallies};
use crate::{AuditContext, Result, StoreError};

const SERVICE_COLUMNS: &str =
    "s.id, s.provider_id, p.name, s.body, s.version, s.updated_at FROM services s
     JOIN providers p ON p.id = s.provider_id";

fn service_row(r: &Row) -> Result<ServiceRecord> {
    Ok(ServiceRecord {
        id: ServiceId(r.get(0)?),
        provider: ProviderId(r.get(1)?),
        provider_name: r.get(2)?,
        service: from_json(3, r.text(3)?)?,
        version: r.get(4)?,
        updated_at: r.get(5)?,
    })
}

/// By category, then name ignoring ASCII case (as `COLLATE NOCASE` did: see `providers`).
pub(crate) async fn services<D: Db>(db: &D) -> Result<Vec<ServiceRecord>> {
    db.rows(
        &format!("SELECT {SERVICE_COLUMNS} ORDER BY s.category, lower(s.name)"),
        &[],
    )
    .await?
    .iter()
    .map(service_row)
    .collect()
}

pub(crate) async fn service<D: Db>(db: &D, id: ServiceId) -> Result<ServiceRecord> {
    service_row(
        &db.one(
            &format!("SELECT {SERVICE_COLUMNS} WHERE s.id = ?1"),
            &args![id.0],
        )
        .await?,
    )
}

pub(crate) async fn save_service<D: Db>(
    db: &D,
    id: ServiceId,
    provider_id: ProviderId,
    expected: Option<i64>,
    s: &Service,
    audit: &AuditContext,
) -> Result<ServiceRecord> {
    provider(db, provider_id).await?;
    // A service's category is the kind of assistance its referrals give: the tallies of the
    // returnees referred move with it.
    let referred: Vec<String> = db
        .rows(
            "SELECT DISTINCT r.case_id FROM referrals r JOIN services s ON s.id = r.service_id
             WHERE r.service_id = ?1 AND s.category <> ?2",
            &args![id.0, s.category.as_str()],
        )
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect::<Result<_>>()?;
    let tallied = tallies::Before::read(db, &referred).await?;
    let before = match expected {
        Some(_) => Some(service(db, id).await?.service),
        None => None,
    };
    let body = json(s)?;
    let n = match expected {
        None => {
            db.exec(
                "INSERT INTO services (id, provider_id, name, category, body, verified_on,
                     version, updated_at, updated_by)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, 1, ?7, ?8)",
                &args![
                    id.0,
                    provider_id.0,
                    &s.name,
                    s.category.as_str(),
                    body,
                    s.verified_on,
                    audit.at,
                    audit.actor.map(|a| a.0)
                ],
            )
            .await?
        }
        Some(v) => {
            db.exec(
                "UPDATE services SET provider_id = ?2, name = ?3, category = ?4, body = ?5,
                     verified_on = ?6, version = version + 1, updated_at = ?7, updated_by = ?8
                 WHERE id = ?1 AND version = ?9",
                &args![
                    id.0,
                    provider_id.0,
                    &s.name,
                    s.category.as_str(),
                    body,
                    s.verified_on,
                    audit.at,
                    audit.actor.map(|a| a.0),
                    v
                ],
            )
            .await?
        }
    };
    if n == 0 {
        return Err(StoreError::Conflict);
    }
    tallied.settle(db).await?;
    audit::insert(
        db,
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
    )
    .await?;
    service(db, id).await
}

pub(crate) async fn propose_service_update<D: Db>(
    db: &D,
    service_id: ServiceId,
    case: Option<CaseId>,
    f: &ServiceFeedback,
    audit: &AuditContext,
) -> Result<uuid::Uuid> {
    service(db, service_id).await?;
    let id = uuid::Uuid::new_v4();
    db.exec(
        "INSERT INTO service_updates (id, service_id, case_id, body, status, proposed_by,
             proposed_at)
         VALUES (?1, ?2, ?3, ?4, 'pending', ?5, ?6)",
        &args![
            id,
            service_id.0,
            case.map(|c| c.0),
            json(f)?,
            audit.actor.map(|a| a.0),
            audit.at
        ],
    )
    .await?;
    audit::insert(
        db,
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
    )
    .await?;
    Ok(id)
}

/// Pending proposals first (`false` sorts before `true` on both engines), newest first.
pub(crate) async fn service_updates<D: Db>(
    db: &D,
    service_id: Option<ServiceId>,
) -> Result<Vec<ServiceUpdateRecord>> {
    db.rows(
        "SELECT u.id, u.service_id, s.name, u.case_id, u.body, u.status, pb.display_name,
                u.proposed_at, db.display_name, u.decision_note
         FROM service_updates u JOIN services s ON s.id = u.service_id
         LEFT JOIN users pb ON pb.id = u.proposed_by
         LEFT JOIN users db ON db.id = u.decided_by
         WHERE CAST(?1 AS TEXT) IS NULL OR u.service_id = ?1
         ORDER BY u.status <> 'pending', u.proposed_at DESC",
        &args![service_id.map(|s| s.0)],
    )
    .await?
    .iter()
    .map(|r| {
        Ok(ServiceUpdateRecord {
            id: r.get(0)?,
            service: ServiceId(r.get(1)?),
            service_name: r.get(2)?,
            case: r.get::<Option<uuid::Uuid>>(3)?.map(CaseId),
            feedback: from_json(4, r.text(4)?)?,
            status: named(5, r.text(5)?, ProposalStatus::parse)?,
            proposed_by_name: r.get(6)?,
            proposed_at: r.get(7)?,
            decided_by_name: r.get(8)?,
            decision_note: r.get(9)?,
        })
    })
    .collect()
}

pub(crate) async fn decide_service_update<D: Db>(
    db: &D,
    id: uuid::Uuid,
    updated: &Option<(i64, Service)>,
    note: &str,
    audit: &AuditContext,
) -> Result<()> {
    let sid = ServiceId(
        db.value::<uuid::Uuid>(
            "SELECT service_id FROM service_updates WHERE id = ?1",
            &args![id],
        )
        .await?,
    );
    let status = if updated.is_some() {
        ProposalStatus::Accepted
    } else {
        ProposalStatus::Rejected
    };
    let n = db
        .exec(
            "UPDATE service_updates SET status = ?2, decided_by = ?3, decided_at = ?4,
                 decision_note = ?5
             WHERE id = ?1 AND status = 'pending'",
            &args![
                id,
                status.as_str(),
                audit.actor.map(|a| a.0),
                audit.at,
                note
            ],
        )
        .await?;
    if n == 0 {
        return Err(StoreError::Conflict);
    }
    match updated {
        Some((version, s)) => {
            let provider_id = service(db, sid).await?.provider;
            save_service(db, sid, provider_id, Some(*version), s, audit).await?;
        }
        None => {
            audit::insert(
                db,
                &audit.entry(
                    AuditAction::Update,
                    record_type::SERVICE,
                    sid.to_string(),
                    vec![FieldChange {
                        field: "proposed_update".into(),
                        before: Some(ProposalStatus::Pending.as_str().into()),
                        after: Some(status.as_str().into()),
                    }],
                ),
            )
            .await?
        }
    }
    Ok(())
}

pub(crate) async fn set_user_organisation<D: Db>(
    db: &D,
    user: UserId,
    organisation: Option<ProviderId>,
    audit: &AuditContext,
) -> Result<()> {
    let name = match organisation {
        Some(p) => Some(provider(db, p).await?.provider.name),
        None => None,
    };
    let n = db
        .exec(
            "UPDATE users SET provider_id = ?2 WHERE id = ?1",
            &args![user.0, organisation.map(|p| p.0)],
        )
        .await?;
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    audit::insert(
        db,
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
    .await
}
