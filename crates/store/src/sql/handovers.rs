//! Case hand-overs, on both engines: this instance's keys, trusted partners, consents to hand a
//! case over and packets received.

use domain::CaseId;
use domain::audit::{AuditAction, FieldChange};
use domain::consent::ConsentMethod;
use domain::handover::{SharedScope, TransferConsent};
use time::OffsetDateTime;

use super::{Db, Row, args, audit, bad_column, cases, from_json, named, on_both_engines};
use crate::{
    AuditContext, CaseRecord, HandoverRecord, HandoverStore, InstanceKeys, NewCase,
    ReceivedHandover, Result, StoreError, TrustedPartner, record_type,
};

fn key32(r: &Row, idx: usize) -> Result<[u8; 32]> {
    r.get::<Vec<u8>>(idx)?
        .try_into()
        .map_err(|_| bad_column(idx, "a key of the wrong length".into()))
}

async fn instance_keys<D: Db>(db: &D) -> Result<Option<InstanceKeys>> {
    db.opt(
        "SELECT organisation, signing_secret, encryption_secret FROM instance_keys WHERE id = 1",
        &[],
    )
    .await?
    .map(|r| {
        Ok(InstanceKeys {
            organisation: r.get(0)?,
            signing_secret: key32(&r, 1)?,
            encryption_secret: key32(&r, 2)?,
        })
    })
    .transpose()
}

/// Stores this instance's keys unless it has some already; answers with the stored ones. The
/// time they were made is the store's clock, read here (not the engine's).
async fn ensure_instance_keys<D: Db>(db: &D, keys: &InstanceKeys) -> Result<InstanceKeys> {
    db.exec(
        "INSERT INTO instance_keys (id, organisation, signing_secret, encryption_secret,
             created_at)
         VALUES (1, ?1, ?2, ?3, ?4) ON CONFLICT (id) DO NOTHING",
        &args![
            &keys.organisation,
            keys.signing_secret.as_slice(),
            keys.encryption_secret.as_slice(),
            OffsetDateTime::now_utc(),
        ],
    )
    .await?;
    instance_keys(db).await?.ok_or(StoreError::NotFound)
}

async fn set_organisation<D: Db>(db: &D, name: &str, audit: &AuditContext) -> Result<()> {
    let before: String = db
        .opt("SELECT organisation FROM instance_keys WHERE id = 1", &[])
        .await?
        .ok_or(StoreError::NotFound)?
        .get(0)?;
    db.exec(
        "UPDATE instance_keys SET organisation = ?1 WHERE id = 1",
        &args![name],
    )
    .await?;
    audit::insert(
        db,
        &audit.entry(
            AuditAction::Update,
            "instance",
            "1".into(),
            vec![FieldChange {
                field: "organisation".into(),
                before: Some(before),
                after: Some(name.to_string()),
            }],
        ),
    )
    .await
}

fn partner(r: &Row) -> Result<TrustedPartner> {
    Ok(TrustedPartner {
        key_id: r.get(0)?,
        organisation: r.get(1)?,
        signing_key: key32(r, 2)?,
        encryption_key: key32(r, 3)?,
        added_at: r.get(4)?,
    })
}

async fn trusted_partners<D: Db>(db: &D) -> Result<Vec<TrustedPartner>> {
    db.rows(
        "SELECT key_id, organisation, signing_key, encryption_key, added_at
         FROM trusted_partners ORDER BY organisation, key_id",
        &[],
    )
    .await?
    .iter()
    .map(partner)
    .collect()
}

/// Adds a partner; `Duplicate` when its keys are trusted already (seen from the insert's count:
/// a failed statement would end a PostgreSQL transaction).
async fn trust_partner<D: Db>(db: &D, p: &TrustedPartner, audit: &AuditContext) -> Result<()> {
    let added = db
        .exec(
            "INSERT INTO trusted_partners (key_id, organisation, signing_key, encryption_key,
                 added_by, added_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (key_id) DO NOTHING",
            &args![
                &p.key_id,
                &p.organisation,
                p.signing_key.as_slice(),
                p.encryption_key.as_slice(),
                audit.actor.map(|a| a.0),
                audit.at,
            ],
        )
        .await?;
    if added == 0 {
        return Err(StoreError::Duplicate("partner"));
    }
    audit::insert(
        db,
        &audit.entry(
            AuditAction::Create,
            "trusted_partner",
            p.key_id.clone(),
            vec![FieldChange::noted("organisation", p.organisation.clone())],
        ),
    )
    .await
}

async fn remove_partner<D: Db>(db: &D, key_id: &str, audit: &AuditContext) -> Result<()> {
    let n = db
        .exec(
            "DELETE FROM trusted_partners WHERE key_id = ?1",
            &args![key_id],
        )
        .await?;
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    audit::insert(
        db,
        &audit.entry(
            AuditAction::Update,
            "trusted_partner",
            key_id.to_string(),
            vec![FieldChange::noted("removed", "yes")],
        ),
    )
    .await
}

const HANDOVER_COLUMNS: &str = "h.id, h.case_id, h.partner_key_id, h.partner_organisation,
    h.shared, h.consent_date, h.consent_method, h.recorded_by, u.display_name, h.recorded_at,
    h.packets_made";

fn handover(r: &Row) -> Result<HandoverRecord> {
    let shared: SharedScope = from_json(4, r.text(4)?)?;
    Ok(HandoverRecord {
        id: r.get(0)?,
        case: CaseId(r.get(1)?),
        partner_key_id: r.get(2)?,
        partner_organisation: r.get(3)?,
        consent: TransferConsent {
            date: r.get(5)?,
            method: named(6, r.text(6)?, ConsentMethod::parse)?,
            shared,
        },
        recorded_by: r.get::<Option<uuid::Uuid>>(7)?.map(domain::UserId),
        recorded_by_name: r.get(8)?,
        recorded_at: r.get(9)?,
        packets_made: r.get(10)?,
    })
}

async fn record_handover<D: Db>(
    db: &D,
    h: &HandoverRecord,
    audit: &AuditContext,
) -> Result<HandoverRecord> {
    let shared = serde_json::to_string(&h.consent.shared)
        .map_err(|e| StoreError::Database(e.to_string()))?;
    db.exec(
        "INSERT INTO handovers_sent (id, case_id, partner_key_id, partner_organisation, shared,
             consent_date, consent_method, recorded_by, recorded_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        &args![
            h.id,
            h.case.0,
            &h.partner_key_id,
            &h.partner_organisation,
            shared,
            h.consent.date,
            h.consent.method.as_str(),
            audit.actor.map(|a| a.0),
            audit.at,
        ],
    )
    .await?;
    let s = &h.consent.shared;
    let mut parts = vec!["profile".to_string()];
    if !s.assessments.is_empty() {
        parts.push(format!("assessments ({})", s.assessments.len()));
    }
    for (on, name) in [
        (s.counselling_notes, "counselling_notes"),
        (s.consents, "consents"),
        (s.plan, "plan"),
    ] {
        if on {
            parts.push(name.to_string());
        }
    }
    audit::insert(
        db,
        &audit.entry(
            AuditAction::HandoverConsent,
            record_type::CASE,
            h.case.to_string(),
            vec![
                FieldChange::noted("handover", h.id.to_string()),
                FieldChange::noted("recipient", h.partner_organisation.clone()),
                FieldChange::noted("shared", parts.join(", ")),
                FieldChange::noted("consent_date", h.consent.date.to_string()),
                FieldChange::noted("consent_method", h.consent.method.as_str()),
            ],
        ),
    )
    .await?;
    handovers_of(db, h.case)
        .await?
        .into_iter()
        .find(|r| r.id == h.id)
        .ok_or(StoreError::NotFound)
}

async fn handovers_of<D: Db>(db: &D, case: CaseId) -> Result<Vec<HandoverRecord>> {
    db.rows(
        &format!(
            "SELECT {HANDOVER_COLUMNS} FROM handovers_sent h
                 LEFT JOIN users u ON u.id = h.recorded_by
             WHERE h.case_id = ?1 ORDER BY h.recorded_at DESC, h.id"
        ),
        &args![case.0],
    )
    .await?
    .iter()
    .map(handover)
    .collect()
}

async fn note_packet<D: Db>(
    db: &D,
    id: uuid::Uuid,
    packet: uuid::Uuid,
    audit: &AuditContext,
) -> Result<()> {
    let row = db
        .opt(
            "SELECT case_id, partner_organisation FROM handovers_sent WHERE id = ?1",
            &args![id],
        )
        .await?
        .ok_or(StoreError::NotFound)?;
    let (case, partner): (String, String) = (row.get(0)?, row.get(1)?);
    db.exec(
        "UPDATE handovers_sent SET packets_made = packets_made + 1 WHERE id = ?1",
        &args![id],
    )
    .await?;
    audit::insert(
        db,
        &audit.entry(
            AuditAction::HandoverSend,
            record_type::CASE,
            case,
            vec![
                FieldChange::noted("handover", id.to_string()),
                FieldChange::noted("packet", packet.to_string()),
                FieldChange::noted("recipient", partner),
            ],
        ),
    )
    .await
}

/// Registers the case a packet brought and records the packet, in one transaction;
/// `Duplicate` when the packet was received before.
async fn receive<D: Db>(
    db: &D,
    case: &NewCase,
    r: &ReceivedHandover,
    audit: &AuditContext,
) -> Result<CaseRecord> {
    let seen = db
        .opt(
            "SELECT 1 FROM handovers_received WHERE packet_id = ?1",
            &args![r.packet_id],
        )
        .await?
        .is_some();
    if seen {
        return Err(StoreError::Duplicate("packet"));
    }
    cases::insert(db, case, audit).await?;
    db.exec(
        "INSERT INTO handovers_received (packet_id, case_id, partner_key_id, partner_organisation,
             their_case_number, sent_at, content, received_by, received_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        &args![
            r.packet_id,
            case.id.0,
            &r.partner_key_id,
            &r.partner_organisation,
            &r.their_case_number,
            r.sent_at,
            &r.content,
            audit.actor.map(|a| a.0),
            audit.at,
        ],
    )
    .await?;
    audit::insert(
        db,
        &audit.entry(
            AuditAction::HandoverReceive,
            record_type::CASE,
            case.id.to_string(),
            vec![
                FieldChange::noted("packet", r.packet_id.to_string()),
                FieldChange::noted("sender", r.partner_organisation.clone()),
                FieldChange::noted("their_case_number", r.their_case_number.clone()),
            ],
        ),
    )
    .await?;
    cases::get(db, case.id).await
}

async fn received_for<D: Db>(db: &D, case: CaseId) -> Result<Option<ReceivedHandover>> {
    db.opt(
        "SELECT packet_id, case_id, partner_key_id, partner_organisation,
             their_case_number, sent_at, content, received_at
         FROM handovers_received WHERE case_id = ?1",
        &args![case.0],
    )
    .await?
    .map(|r| {
        Ok(ReceivedHandover {
            packet_id: r.get(0)?,
            case: r.get::<Option<uuid::Uuid>>(1)?.map(CaseId),
            partner_key_id: r.get(2)?,
            partner_organisation: r.get(3)?,
            their_case_number: r.get(4)?,
            sent_at: r.get(5)?,
            content: r.get(6)?,
            received_at: r.get(7)?,
        })
    })
    .transpose()
}

on_both_engines! {
    impl HandoverStore {
        read fn instance_keys(&self) -> Result<Option<InstanceKeys>> = |db| instance_keys(db);
        write fn ensure_instance_keys(&self, keys: InstanceKeys) -> Result<InstanceKeys> =
            |db| ensure_instance_keys(db, keys);
        write fn set_instance_organisation(&self, name: &str, audit: AuditContext) -> Result<()> =
            |db| set_organisation(db, name, audit);
        read fn trusted_partners(&self) -> Result<Vec<TrustedPartner>> = |db| trusted_partners(db);
        write fn trust_partner(&self, partner: TrustedPartner, audit: AuditContext) -> Result<()> =
            |db| trust_partner(db, partner, audit);
        write fn remove_partner(&self, key_id: &str, audit: AuditContext) -> Result<()> =
            |db| remove_partner(db, key_id, audit);
        write fn record_handover(
            &self,
            record: HandoverRecord,
            audit: AuditContext,
        ) -> Result<HandoverRecord> = |db| record_handover(db, record, audit);
        read fn handovers_of(&self, case: CaseId) -> Result<Vec<HandoverRecord>> =
            |db| handovers_of(db, *case);
        write fn note_packet_made(
            &self,
            handover: uuid::Uuid,
            packet: uuid::Uuid,
            audit: AuditContext,
        ) -> Result<()> = |db| note_packet(db, *handover, *packet, audit);
        write fn receive_handover(
            &self,
            case: NewCase,
            received: ReceivedHandover,
            audit: AuditContext,
        ) -> Result<CaseRecord> = |db| receive(db, case, received, audit);
        read fn received_for(&self, case: CaseId) -> Result<Option<ReceivedHandover>> =
            |db| received_for(db, *case);
    }
}
