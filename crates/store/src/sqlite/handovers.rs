//! Case hand-overs: this instance's keys, trusted partners, consents to hand a case over and
//! packets received.

use async_trait::async_trait;
use domain::CaseId;
use domain::audit::{AuditAction, FieldChange};
use domain::consent::ConsentMethod;
use domain::handover::{SharedScope, TransferConsent};
use rusqlite::{Connection, OptionalExtension, params};

use super::{SqliteStore, cases, exec, from_ts, is_unique_violation, parse_uuid, q_row, ts};
use crate::{
    AuditContext, CaseRecord, HandoverRecord, HandoverStore, InstanceKeys, NewCase,
    ReceivedHandover, Result, StoreError, TrustedPartner, record_type,
};

fn key32(i: usize, v: Vec<u8>) -> rusqlite::Result<[u8; 32]> {
    v.try_into().map_err(|_| {
        rusqlite::Error::FromSqlConversionFailure(
            i,
            rusqlite::types::Type::Blob,
            "a key of the wrong length".into(),
        )
    })
}

fn instance_keys(c: &Connection) -> Result<Option<InstanceKeys>> {
    Ok(q_row(
        c,
        "SELECT organisation, signing_secret, encryption_secret FROM instance_keys WHERE id = 1",
        [],
        |r| {
            Ok(InstanceKeys {
                organisation: r.get(0)?,
                signing_secret: key32(1, r.get(1)?)?,
                encryption_secret: key32(2, r.get(2)?)?,
            })
        },
    )
    .optional()?)
}

fn partner_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<TrustedPartner> {
    Ok(TrustedPartner {
        key_id: r.get(0)?,
        organisation: r.get(1)?,
        signing_key: key32(2, r.get(2)?)?,
        encryption_key: key32(3, r.get(3)?)?,
        added_at: from_ts(r.get(4)?),
    })
}

const HANDOVER_COLUMNS: &str = "h.id, h.case_id, h.partner_key_id, h.partner_organisation,
    h.shared, h.consent_date, h.consent_method, h.recorded_by, u.display_name, h.recorded_at,
    h.packets_made";

fn handover_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<HandoverRecord> {
    let shared: SharedScope = serde_json::from_str(&r.get::<_, String>(4)?).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(4, rusqlite::types::Type::Text, Box::new(e))
    })?;
    let date = cases::date_col(5, &r.get::<_, String>(5)?)?;
    let method = r.get::<_, String>(6)?;
    Ok(HandoverRecord {
        id: parse_uuid(0, &r.get::<_, String>(0)?)?,
        case: CaseId(parse_uuid(1, &r.get::<_, String>(1)?)?),
        partner_key_id: r.get(2)?,
        partner_organisation: r.get(3)?,
        consent: TransferConsent {
            date,
            method: ConsentMethod::parse(&method).ok_or_else(|| {
                rusqlite::Error::FromSqlConversionFailure(
                    6,
                    rusqlite::types::Type::Text,
                    "an unknown consent method".into(),
                )
            })?,
            shared,
        },
        recorded_by: r
            .get::<_, Option<String>>(7)?
            .map(|s| parse_uuid(7, &s).map(domain::UserId))
            .transpose()?,
        recorded_by_name: r.get(8)?,
        recorded_at: from_ts(r.get(9)?),
        packets_made: r.get(10)?,
    })
}

fn received_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ReceivedHandover> {
    Ok(ReceivedHandover {
        packet_id: parse_uuid(0, &r.get::<_, String>(0)?)?,
        case: r
            .get::<_, Option<String>>(1)?
            .map(|s| parse_uuid(1, &s).map(CaseId))
            .transpose()?,
        partner_key_id: r.get(2)?,
        partner_organisation: r.get(3)?,
        their_case_number: r.get(4)?,
        sent_at: from_ts(r.get(5)?),
        content: r.get(6)?,
        received_at: from_ts(r.get(7)?),
    })
}

fn record_handover(c: &Connection, h: &HandoverRecord, audit: &AuditContext) -> Result<()> {
    let shared = serde_json::to_string(&h.consent.shared)
        .map_err(|e| StoreError::Database(e.to_string()))?;
    exec(
        c,
        "INSERT INTO handovers_sent (id, case_id, partner_key_id, partner_organisation, shared,
             consent_date, consent_method, recorded_by, recorded_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            h.id.to_string(),
            h.case.to_string(),
            h.partner_key_id,
            h.partner_organisation,
            shared,
            h.consent.date.to_string(),
            h.consent.method.as_str(),
            audit.actor.map(|a| a.to_string()),
            ts(audit.at)
        ],
    )?;
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
    super::audit::insert(
        c,
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
}

fn handovers_of(c: &Connection, case: CaseId) -> Result<Vec<HandoverRecord>> {
    let mut stmt = c.prepare_cached(&format!(
        "SELECT {HANDOVER_COLUMNS} FROM handovers_sent h LEFT JOIN users u ON u.id = h.recorded_by
         WHERE h.case_id = ?1 ORDER BY h.recorded_at DESC, h.id"
    ))?;
    let rows = stmt
        .query_map([case.to_string()], handover_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

fn note_packet(
    c: &Connection,
    id: uuid::Uuid,
    packet: uuid::Uuid,
    audit: &AuditContext,
) -> Result<()> {
    let case: Option<(String, String)> = q_row(
        c,
        "SELECT case_id, partner_organisation FROM handovers_sent WHERE id = ?1",
        [id.to_string()],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .optional()?;
    let (case, partner) = case.ok_or(StoreError::NotFound)?;
    exec(
        c,
        "UPDATE handovers_sent SET packets_made = packets_made + 1 WHERE id = ?1",
        [id.to_string()],
    )?;
    super::audit::insert(
        c,
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
}

fn receive(
    c: &Connection,
    case: &NewCase,
    r: &ReceivedHandover,
    audit: &AuditContext,
) -> Result<CaseRecord> {
    let seen: bool = q_row(
        c,
        "SELECT EXISTS(SELECT 1 FROM handovers_received WHERE packet_id = ?1)",
        [r.packet_id.to_string()],
        |row| row.get(0),
    )?;
    if seen {
        return Err(StoreError::Duplicate("packet"));
    }
    cases::insert(c, case, audit)?;
    exec(
        c,
        "INSERT INTO handovers_received (packet_id, case_id, partner_key_id, partner_organisation,
             their_case_number, sent_at, content, received_by, received_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            r.packet_id.to_string(),
            case.id.to_string(),
            r.partner_key_id,
            r.partner_organisation,
            r.their_case_number,
            ts(r.sent_at),
            r.content,
            audit.actor.map(|a| a.to_string()),
            ts(audit.at)
        ],
    )?;
    super::audit::insert(
        c,
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
    )?;
    cases::get(c, case.id)
}

#[async_trait]
impl HandoverStore for SqliteStore {
    async fn instance_keys(&self) -> Result<Option<InstanceKeys>> {
        self.read(instance_keys).await
    }
    async fn ensure_instance_keys(&self, keys: InstanceKeys) -> Result<InstanceKeys> {
        self.write(move |tx| {
            exec(
                tx,
                "INSERT INTO instance_keys (id, organisation, signing_secret, encryption_secret,
                     created_at)
                 VALUES (1, ?1, ?2, ?3, strftime('%s', 'now')) ON CONFLICT (id) DO NOTHING",
                params![
                    keys.organisation,
                    keys.signing_secret.to_vec(),
                    keys.encryption_secret.to_vec()
                ],
            )?;
            instance_keys(tx)?.ok_or(StoreError::NotFound)
        })
        .await
    }
    async fn set_instance_organisation(&self, name: &str, audit: AuditContext) -> Result<()> {
        let name = name.to_string();
        self.write(move |tx| {
            let before: String = q_row(
                tx,
                "SELECT organisation FROM instance_keys WHERE id = 1",
                [],
                |r| r.get(0),
            )
            .optional()?
            .ok_or(StoreError::NotFound)?;
            exec(
                tx,
                "UPDATE instance_keys SET organisation = ?1 WHERE id = 1",
                [&name],
            )?;
            super::audit::insert(
                tx,
                &audit.entry(
                    AuditAction::Update,
                    "instance",
                    "1".into(),
                    vec![FieldChange {
                        field: "organisation".into(),
                        before: Some(before),
                        after: Some(name),
                    }],
                ),
            )
        })
        .await
    }
    async fn trusted_partners(&self) -> Result<Vec<TrustedPartner>> {
        self.read(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT key_id, organisation, signing_key, encryption_key, added_at
                 FROM trusted_partners ORDER BY organisation, key_id",
            )?;
            let rows = stmt
                .query_map([], partner_row)?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(rows)
        })
        .await
    }
    async fn trust_partner(&self, p: TrustedPartner, audit: AuditContext) -> Result<()> {
        self.write(move |tx| {
            let added = tx.execute(
                "INSERT INTO trusted_partners (key_id, organisation, signing_key, encryption_key,
                     added_by, added_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    p.key_id,
                    p.organisation,
                    p.signing_key.to_vec(),
                    p.encryption_key.to_vec(),
                    audit.actor.map(|a| a.to_string()),
                    ts(audit.at)
                ],
            );
            match added {
                Err(e) if is_unique_violation(&e) => return Err(StoreError::Duplicate("partner")),
                other => other?,
            };
            super::audit::insert(
                tx,
                &audit.entry(
                    AuditAction::Create,
                    "trusted_partner",
                    p.key_id.clone(),
                    vec![FieldChange::noted("organisation", p.organisation.clone())],
                ),
            )
        })
        .await
    }
    async fn remove_partner(&self, key_id: &str, audit: AuditContext) -> Result<()> {
        let key_id = key_id.to_string();
        self.write(move |tx| {
            let n = exec(
                tx,
                "DELETE FROM trusted_partners WHERE key_id = ?1",
                [&key_id],
            )?;
            if n == 0 {
                return Err(StoreError::NotFound);
            }
            super::audit::insert(
                tx,
                &audit.entry(
                    AuditAction::Update,
                    "trusted_partner",
                    key_id,
                    vec![FieldChange::noted("removed", "yes")],
                ),
            )
        })
        .await
    }
    async fn record_handover(
        &self,
        record: HandoverRecord,
        audit: AuditContext,
    ) -> Result<HandoverRecord> {
        self.write(move |tx| {
            record_handover(tx, &record, &audit)?;
            handovers_of(tx, record.case)?
                .into_iter()
                .find(|h| h.id == record.id)
                .ok_or(StoreError::NotFound)
        })
        .await
    }
    async fn handovers_of(&self, case: CaseId) -> Result<Vec<HandoverRecord>> {
        self.read(move |c| handovers_of(c, case)).await
    }
    async fn note_packet_made(
        &self,
        handover: uuid::Uuid,
        packet: uuid::Uuid,
        audit: AuditContext,
    ) -> Result<()> {
        self.write(move |tx| note_packet(tx, handover, packet, &audit))
            .await
    }
    async fn receive_handover(
        &self,
        case: NewCase,
        received: ReceivedHandover,
        audit: AuditContext,
    ) -> Result<CaseRecord> {
        self.write(move |tx| receive(tx, &case, &received, &audit))
            .await
    }
    async fn received_for(&self, case: CaseId) -> Result<Option<ReceivedHandover>> {
        self.read(move |c| {
            Ok(q_row(
                c,
                "SELECT packet_id, case_id, partner_key_id, partner_organisation,
                     their_case_number, sent_at, content, received_at
                 FROM handovers_received WHERE case_id = ?1",
                [case.to_string()],
                received_row,
            )
            .optional()?)
        })
        .await
    }
}
