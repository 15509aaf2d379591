//! Case hand-overs between instances: this instance's keys, the partners it trusts, the
//! consents to hand a case over, and the packets received.

use async_trait::async_trait;
use domain::handover::TransferConsent;
use domain::{CaseId, UserId};
use time::OffsetDateTime;

use crate::{AuditContext, CaseRecord, NewCase, Result};

/// This instance's secret keys (32 bytes each) and the organisation it speaks for.
#[derive(Clone, PartialEq, Eq)]
pub struct InstanceKeys {
    pub organisation: String,
    pub signing_secret: [u8; 32],
    pub encryption_secret: [u8; 32],
}

impl std::fmt::Debug for InstanceKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InstanceKeys")
            .field("organisation", &self.organisation)
            .finish_non_exhaustive()
    }
}

/// A partner instance's public keys.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrustedPartner {
    pub key_id: String,
    pub organisation: String,
    pub signing_key: [u8; 32],
    pub encryption_key: [u8; 32],
    pub added_at: OffsetDateTime,
}

/// A recorded consent to hand a case over.
#[derive(Clone, Debug, PartialEq)]
pub struct HandoverRecord {
    pub id: uuid::Uuid,
    pub case: CaseId,
    pub partner_key_id: String,
    pub partner_organisation: String,
    pub consent: TransferConsent,
    pub recorded_by: Option<UserId>,
    pub recorded_by_name: Option<String>,
    pub recorded_at: OffsetDateTime,
    pub packets_made: i64,
}

/// A packet received, and the case made from it.
#[derive(Clone, Debug, PartialEq)]
pub struct ReceivedHandover {
    pub packet_id: uuid::Uuid,
    pub case: Option<CaseId>,
    pub partner_key_id: String,
    pub partner_organisation: String,
    pub their_case_number: String,
    pub sent_at: OffsetDateTime,
    /// The records it brought, as JSON (`app::handover`'s packet content).
    pub content: String,
    pub received_at: OffsetDateTime,
}

#[async_trait]
pub trait HandoverStore: Send + Sync + 'static {
    /// This instance's keys, if made yet.
    async fn instance_keys(&self) -> Result<Option<InstanceKeys>>;
    /// Stores this instance's keys unless it has some already; answers with the stored ones.
    async fn ensure_instance_keys(&self, keys: InstanceKeys) -> Result<InstanceKeys>;
    /// Renames the organisation this instance speaks for; audited.
    async fn set_instance_organisation(&self, name: &str, audit: AuditContext) -> Result<()>;
    async fn trusted_partners(&self) -> Result<Vec<TrustedPartner>>;
    /// Adds a partner; [`crate::StoreError::Duplicate`] when its keys are trusted already.
    async fn trust_partner(&self, partner: TrustedPartner, audit: AuditContext) -> Result<()>;
    /// Stops trusting a partner; audited.
    async fn remove_partner(&self, key_id: &str, audit: AuditContext) -> Result<()>;
    /// Records a consent to hand a case over, audited on the case.
    async fn record_handover(
        &self,
        record: HandoverRecord,
        audit: AuditContext,
    ) -> Result<HandoverRecord>;
    /// The hand-overs of a case, newest first.
    async fn handovers_of(&self, case: CaseId) -> Result<Vec<HandoverRecord>>;
    /// Counts a packet made from a hand-over, audited on its case with the packet's id.
    async fn note_packet_made(
        &self,
        handover: uuid::Uuid,
        packet: uuid::Uuid,
        audit: AuditContext,
    ) -> Result<()>;
    /// Registers the case a packet brought and records the packet as received, in one
    /// transaction. [`crate::StoreError::Duplicate`] when the packet was received before.
    async fn receive_handover(
        &self,
        case: NewCase,
        received: ReceivedHandover,
        audit: AuditContext,
    ) -> Result<CaseRecord>;
    /// The packet a case came from, if it came from one.
    async fn received_for(&self, case: CaseId) -> Result<Option<ReceivedHandover>>;
}
