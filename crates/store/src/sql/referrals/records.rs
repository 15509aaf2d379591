//! Referrals, their lifecycle and the links given to providers without an account.

use domain::audit::{AuditAction, FieldChange};
use domain::authz::CaseAccess;
use domain::referral::{ReferralContent, ReferralStatus, ReferralStep};
use domain::{CaseId, OfficeId, ProviderId, ReferralId, ServiceId, UserId};

use super::{json, service};
use crate::model::*;
use crate::sql::{Db, Row, args, audit, from_json, named, tallies};
use crate::{AuditContext, Result, StoreError};

const REFERRAL_COLUMNS: &str = "r.id, r.case_id, c.case_number, c.office_id, c.case_manager_id,
    c.restricted, o.self_approval, r.service_id, s.name, r.provider_id, p.name, r.status, r.body,
    r.sent_on, r.answer_due, r.version, cb.display_name, r.created_at, r.updated_at
    FROM referrals r
    JOIN cases c ON c.id = r.case_id
    JOIN offices o ON o.id = c.office_id
    JOIN services s ON s.id = r.service_id
    JOIN providers p ON p.id = r.provider_id
    LEFT JOIN users cb ON cb.id = r.created_by";

fn referral_row(r: &Row) -> Result<ReferralRecord> {
    Ok(ReferralRecord {
        id: ReferralId(r.get(0)?),
        case: CaseId(r.get(1)?),
        case_number: r.get(2)?,
        case_access: CaseAccess {
            office: OfficeId(r.get(3)?),
            case_manager: r.get::<Option<uuid::Uuid>>(4)?.map(UserId),
            restricted: r.get(5)?,
            self_approval: r.get(6)?,
        },
        service: ServiceId(r.get(7)?),
        service_name: r.get(8)?,
        provider: ProviderId(r.get(9)?),
        provider_name: r.get(10)?,
        status: named(11, r.text(11)?, ReferralStatus::parse)?,
        content: from_json(12, r.text(12)?)?,
        sent_on: r.get::<Option<time::Date>>(13)?,
        answer_due: r.get::<Option<time::Date>>(14)?,
        version: r.get(15)?,
        created_by_name: r.get(16)?,
        created_at: r.get(17)?,
        updated_at: r.get(18)?,
    })
}

pub(crate) async fn referral<D: Db>(db: &D, id: ReferralId) -> Result<ReferralRecord> {
    referral_row(
        &db.one(
            &format!("SELECT {REFERRAL_COLUMNS} WHERE r.id = ?1"),
            &args![id.0],
        )
        .await?,
    )
}

/// Newest first.
pub(crate) async fn referrals<D: Db>(db: &D, f: &ReferralFilter) -> Result<Vec<ReferralRecord>> {
    db.rows(
        &format!(
            "SELECT {REFERRAL_COLUMNS}
             WHERE (CAST(?1 AS TEXT) IS NULL OR r.case_id = ?1)
               AND (CAST(?2 AS TEXT) IS NULL OR r.provider_id = ?2)
               AND (CAST(?3 AS TEXT) IS NULL OR c.office_id = ?3)
               AND (CAST(?4 AS TEXT) IS NULL OR c.case_manager_id = ?4)
               AND (CAST(?5 AS TEXT) IS NULL OR r.status = ?5)
             ORDER BY r.created_at DESC, r.id"
        ),
        &args![
            f.case.map(|x| x.0),
            f.provider.map(|x| x.0),
            f.office.map(|x| x.0),
            f.case_manager.map(|x| x.0),
            f.status.map(|x| x.as_str())
        ],
    )
    .await?
    .iter()
    .map(referral_row)
    .collect()
}

/// A referral's change, on its case's timeline.
async fn referral_audit<D: Db>(
    db: &D,
    audit: &AuditContext,
    action: AuditAction,
    r: &ReferralRecord,
    before: Option<String>,
    after: String,
) -> Result<()> {
    audit::insert(
        db,
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
    .await
}

pub(crate) async fn create_referral<D: Db>(
    db: &D,
    n: &NewReferral,
    audit: &AuditContext,
) -> Result<ReferralRecord> {
    let s = service(db, n.service).await?;
    db.exec(
        "INSERT INTO referrals (id, case_id, service_id, provider_id, status, body, version,
             created_by, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, 'draft', ?5, 1, ?6, ?7, ?7)",
        &args![
            n.id.0,
            n.case.0,
            n.service.0,
            s.provider.0,
            json(&n.content)?,
            audit.actor.map(|a| a.0),
            audit.at
        ],
    )
    .await?;
    let r = referral(db, n.id).await?;
    referral_audit(
        db,
        audit,
        AuditAction::Create,
        &r,
        None,
        ReferralStatus::Draft.as_str().into(),
    )
    .await?;
    Ok(r)
}

pub(crate) async fn update_referral<D: Db>(
    db: &D,
    id: ReferralId,
    expected: i64,
    content: &ReferralContent,
    audit: &AuditContext,
) -> Result<ReferralRecord> {
    let n = db
        .exec(
            "UPDATE referrals SET body = ?2, version = version + 1, updated_at = ?3
             WHERE id = ?1 AND version = ?4 AND status = 'draft'",
            &args![id.0, json(content)?, audit.at, expected],
        )
        .await?;
    if n == 0 {
        referral(db, id).await?;
        return Err(StoreError::Conflict);
    }
    let r = referral(db, id).await?;
    referral_audit(
        db,
        audit,
        AuditAction::Update,
        &r,
        None,
        "draft edited".into(),
    )
    .await?;
    Ok(r)
}

pub(crate) async fn referral_step<D: Db>(
    db: &D,
    id: ReferralId,
    expected: i64,
    s: &NewReferralStep,
    audit: &AuditContext,
) -> Result<ReferralRecord> {
    // A referral that comes to go ahead, or stops going ahead, changes its returnee's
    // assistance in the survey tallies.
    let tallied = if s.from.is_shared() != s.to.is_shared() {
        let case: Option<String> = db
            .opt("SELECT case_id FROM referrals WHERE id = ?1", &args![id.0])
            .await?
            .map(|r| r.get(0))
            .transpose()?;
        Some(tallies::Before::read(db, &case.into_iter().collect::<Vec<_>>()).await?)
    } else {
        None
    };
    let n = db
        .exec(
            "UPDATE referrals SET status = ?2, version = version + 1, updated_at = ?3,
                 sent_on = COALESCE(?4, sent_on), answer_due = COALESCE(?5, answer_due)
             WHERE id = ?1 AND version = ?6 AND status = ?7",
            &args![
                id.0,
                s.to.as_str(),
                audit.at,
                s.sent_on,
                s.answer_due,
                expected,
                s.from.as_str()
            ],
        )
        .await?;
    if n == 0 {
        referral(db, id).await?;
        return Err(StoreError::Conflict);
    }
    if let Some(t) = tallied {
        t.settle(db).await?;
    }
    db.exec(
        "INSERT INTO referral_events (id, referral_id, step, note, via, actor, at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        &args![
            uuid::Uuid::new_v4(),
            id.0,
            s.step.as_str(),
            &s.note,
            s.via.as_str(),
            audit.actor.map(|a| a.0),
            audit.at
        ],
    )
    .await?;
    let r = referral(db, id).await?;
    let after = if s.note.is_empty() {
        s.to.as_str().to_string()
    } else {
        format!("{}: {}", s.to.as_str(), s.note)
    };
    referral_audit(
        db,
        audit,
        AuditAction::Update,
        &r,
        Some(s.from.as_str().into()),
        after,
    )
    .await?;
    Ok(r)
}

/// In the order they happened; steps in the same second in the order they were written
/// (`referral_events` has a `rowid` on both engines).
pub(crate) async fn referral_events<D: Db>(db: &D, id: ReferralId) -> Result<Vec<ReferralEvent>> {
    db.rows(
        "SELECT e.step, e.note, e.via, u.display_name, e.at FROM referral_events e
         LEFT JOIN users u ON u.id = e.actor
         WHERE e.referral_id = ?1 ORDER BY e.at, e.rowid",
        &args![id.0],
    )
    .await?
    .iter()
    .map(|r| {
        Ok(ReferralEvent {
            step: named(0, r.text(0)?, ReferralStep::parse)?,
            note: r.get(1)?,
            via: named(2, r.text(2)?, Via::parse)?,
            by_name: r.get(3)?,
            at: r.get(4)?,
        })
    })
    .collect()
}

const LINK_COLUMNS: &str = "l.id, l.referral_id, u.display_name, l.created_at, l.expires_at,
    l.revoked_at FROM referral_links l LEFT JOIN users u ON u.id = l.created_by";

fn link_row(r: &Row) -> Result<ReferralLink> {
    Ok(ReferralLink {
        id: r.get(0)?,
        referral: ReferralId(r.get(1)?),
        created_by_name: r.get(2)?,
        created_at: r.get(3)?,
        expires_at: r.get(4)?,
        revoked_at: r.get(5)?,
    })
}

pub(crate) async fn create_referral_link<D: Db>(
    db: &D,
    l: &NewReferralLink,
    audit: &AuditContext,
) -> Result<ReferralLink> {
    let r = referral(db, l.referral).await?;
    db.exec(
        "INSERT INTO referral_links (id, referral_id, token_hash, created_by, created_at,
             expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        &args![
            l.id,
            l.referral.0,
            &l.token_hash,
            audit.actor.map(|a| a.0),
            audit.at,
            l.expires_at
        ],
    )
    .await?;
    referral_audit(
        db,
        audit,
        AuditAction::Create,
        &r,
        None,
        format!("provider link until {}", l.expires_at.date()),
    )
    .await?;
    link_row(
        &db.one(
            &format!("SELECT {LINK_COLUMNS} WHERE l.id = ?1"),
            &args![l.id],
        )
        .await?,
    )
}

pub(crate) async fn referral_links<D: Db>(db: &D, id: ReferralId) -> Result<Vec<ReferralLink>> {
    db.rows(
        &format!("SELECT {LINK_COLUMNS} WHERE l.referral_id = ?1 ORDER BY l.created_at"),
        &args![id.0],
    )
    .await?
    .iter()
    .map(link_row)
    .collect()
}

pub(crate) async fn revoke_referral_link<D: Db>(
    db: &D,
    referral_id: ReferralId,
    link: uuid::Uuid,
    audit: &AuditContext,
) -> Result<()> {
    let r = referral(db, referral_id).await?;
    let n = db
        .exec(
            "UPDATE referral_links SET revoked_at = ?3, revoked_by = ?4
             WHERE id = ?1 AND referral_id = ?2 AND revoked_at IS NULL",
            &args![link, referral_id.0, audit.at, audit.actor.map(|a| a.0)],
        )
        .await?;
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    referral_audit(
        db,
        audit,
        AuditAction::Update,
        &r,
        None,
        "provider link revoked".into(),
    )
    .await
}

/// The link with this token hash, live or not, and its referral.
pub(crate) async fn referral_by_link<D: Db>(
    db: &D,
    token_hash: &str,
) -> Result<Option<(ReferralLink, ReferralRecord)>> {
    let link = db
        .opt(
            &format!("SELECT {LINK_COLUMNS} WHERE l.token_hash = ?1"),
            &args![token_hash],
        )
        .await?
        .as_ref()
        .map(link_row)
        .transpose()?;
    match link {
        Some(l) => {
            let r = referral(db, l.referral).await?;
            Ok(Some((l, r)))
        }
        None => Ok(None),
    }
}
