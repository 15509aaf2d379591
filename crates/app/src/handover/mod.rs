//! Handing a case over to a partner instance, and receiving one: this instance's keys and its
//! trusted partners (the admin page), the returnee's consent naming the recipient and what is
//! shared, the packet made from it, and the case a received packet becomes. Pages, the API and
//! the `reintegra handover` commands call these.

pub mod packet;

use domain::authz::{Action, Actor, Resource, authorize};
use domain::case::{CaseStage, ReturneeProfile};
use domain::consent::{ConsentDecision, ConsentMethod, ConsentPurpose, ConsentRecord};
use domain::handover::{PACKET_VALID_DAYS, SharedScope, TransferConsent, check_consent};
use domain::pathway::plan::PlanContent;
use domain::pathway::{CounsellingSession, SessionKind};
use domain::{CaseId, OfficeId, Role, ValidationErrors};
use serde::{Deserialize, Serialize};
use store::{
    AuditContext, CaseRecord, EntryKind, HandoverRecord, InstanceKeys, NewCase, ReceivedHandover,
    StoreError, SubmissionStatus, TrustedPartner,
};
use time::Date;

use crate::cases::authorized_case;
use crate::{App, Error, ErrorKind};
use packet::PacketError;

/// The organisation name an instance starts with, until an administrator names it.
pub const DEFAULT_ORGANISATION: &str = "Reintegra";

/// This instance's keys, made the first time they are needed.
pub async fn own_keys(app: &App) -> Result<InstanceKeys, Error> {
    if let Some(k) = app.store.instance_keys().await? {
        return Ok(k);
    }
    Ok(app
        .store
        .ensure_instance_keys(packet::new_keys(DEFAULT_ORGANISATION))
        .await?)
}

/// What the admin page shows: this instance's public key file and key id, and the partners.
pub struct KeysView {
    pub organisation: String,
    pub key_id: String,
    pub public_key_file: String,
    pub partners: Vec<TrustedPartner>,
}

fn keys_error(_: PacketError) -> Error {
    Error::internal("this instance's keys cannot be read")
}

pub async fn keys_view(app: &App, actor: &Actor) -> Result<KeysView, Error> {
    authorize(actor, Action::ManageUsers, Resource::Programme)?;
    let keys = own_keys(app).await?;
    let file = packet::public_key_file(&keys).map_err(keys_error)?;
    Ok(KeysView {
        organisation: keys.organisation.clone(),
        key_id: packet::own_key_id(&keys).map_err(keys_error)?,
        public_key_file: serde_json::to_string_pretty(&file).map_err(Error::internal)?,
        partners: app.store.trusted_partners().await?,
    })
}

/// Names the organisation this instance speaks for (shown to partners in its packets).
pub async fn set_organisation(app: &App, actor: &Actor, name: &str) -> Result<(), Error> {
    authorize(actor, Action::ManageUsers, Resource::Programme)?;
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        let mut e = ValidationErrors::new();
        e.add("organisation", "error-required");
        return Err(Error::validation(e));
    }
    own_keys(app).await?;
    app.store
        .set_instance_organisation(name, AuditContext::by(actor.user_id, app.now()))
        .await?;
    Ok(())
}

/// Trusts a partner instance from the public key file it sent.
pub async fn trust_partner(
    app: &App,
    actor: &Actor,
    key_file: &str,
) -> Result<TrustedPartner, Error> {
    authorize(actor, Action::ManageUsers, Resource::Programme)?;
    let mut partner = packet::read_key_file(key_file).ok_or_else(|| {
        let mut e = ValidationErrors::new();
        e.add("key_file", "error-handover-key-file");
        Error::validation(e)
    })?;
    let own = packet::own_key_id(&own_keys(app).await?).map_err(keys_error)?;
    if partner.key_id == own {
        let mut e = ValidationErrors::new();
        e.add("key_file", "error-handover-own-key");
        return Err(Error::validation(e));
    }
    partner.added_at = app.now();
    match app
        .store
        .trust_partner(partner.clone(), AuditContext::by(actor.user_id, app.now()))
        .await
    {
        Ok(()) => Ok(partner),
        Err(StoreError::Duplicate(_)) => {
            let mut e = ValidationErrors::new();
            e.add("key_file", "error-handover-partner-known");
            Err(Error::validation(e))
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn remove_partner(app: &App, actor: &Actor, key_id: &str) -> Result<(), Error> {
    authorize(actor, Action::ManageUsers, Resource::Programme)?;
    app.store
        .remove_partner(key_id, AuditContext::by(actor.user_id, app.now()))
        .await?;
    Ok(())
}

/// A completed assessment that may be chosen to travel.
pub struct AssessmentChoice {
    pub id: uuid::Uuid,
    pub title: String,
    pub date: Date,
}

/// What the hand-over page of a case offers and has recorded.
pub struct HandoverOptions {
    pub case: CaseRecord,
    pub partners: Vec<TrustedPartner>,
    pub assessments: Vec<AssessmentChoice>,
    pub handovers: Vec<HandoverRecord>,
}

pub async fn options(app: &App, actor: &Actor, case: &str) -> Result<HandoverOptions, Error> {
    let case = authorized_case(app, actor, case, Action::UpdateCase).await?;
    let records = app.store.pathway_records(case.id).await?;
    let assessments = records
        .submissions
        .iter()
        .filter(|s| s.status == SubmissionStatus::Complete)
        .map(|s| AssessmentChoice {
            id: s.id,
            title: s.form_title.clone(),
            date: s.interview_date,
        })
        .collect();
    Ok(HandoverOptions {
        handovers: app.store.handovers_of(case.id).await?,
        partners: app.store.trusted_partners().await?,
        case,
        assessments,
    })
}

/// A consent to hand a case over, as typed.
pub struct HandoverInput {
    pub partner: String,
    pub agreed: bool,
    pub consent_date: Option<Date>,
    pub consent_method: Option<ConsentMethod>,
    pub shared: SharedScope,
}

/// Records the returnee's consent to hand their case over to a trusted partner, naming what
/// is shared; packets are then made from it.
pub async fn record_consent(
    app: &App,
    actor: &Actor,
    case: &str,
    input: HandoverInput,
) -> Result<HandoverRecord, Error> {
    let options = options(app, actor, case).await?;
    let mut errors = ValidationErrors::new();
    let partner = options.partners.iter().find(|p| p.key_id == input.partner);
    if partner.is_none() {
        errors.add("partner", "error-choice");
    }
    if input.consent_date.is_none() {
        errors.add("consent_date", "error-required");
    }
    if input.consent_method.is_none() {
        errors.add("consent_method", "error-required");
    }
    if options.case.anonymised_at.is_some() {
        return Err(Error::with_detail(
            ErrorKind::Conflict,
            "the case was anonymised; nothing of it can be handed over",
        ));
    }
    let (Some(partner), Some(date), Some(method), true) = (
        partner,
        input.consent_date,
        input.consent_method,
        errors.is_empty(),
    ) else {
        return Err(Error::validation(errors));
    };
    let consent = TransferConsent {
        date,
        method,
        shared: input.shared,
    };
    let available: Vec<uuid::Uuid> = options.assessments.iter().map(|a| a.id).collect();
    check_consent(&consent, input.agreed, &available, app.today()).map_err(Error::validation)?;
    Ok(app
        .store
        .record_handover(
            HandoverRecord {
                id: uuid::Uuid::new_v4(),
                case: options.case.id,
                partner_key_id: partner.key_id.clone(),
                partner_organisation: partner.organisation.clone(),
                consent,
                recorded_by: Some(actor.user_id),
                recorded_by_name: None,
                recorded_at: app.now(),
                packets_made: 0,
            },
            AuditContext::by(actor.user_id, app.now()),
        )
        .await?)
}

/// A completed assessment as it travels.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SharedAssessment {
    pub form_id: String,
    pub form_title: String,
    pub interview_date: Date,
    pub answers: serde_json::Value,
}

/// A counselling session as it travels: never its sensitive notes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SharedSession {
    pub date: Date,
    pub kind: SessionKind,
    pub topics: String,
    pub next_steps: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SharedConsent {
    pub purpose: ConsentPurpose,
    pub decision: ConsentDecision,
    pub method: ConsentMethod,
    pub date: Date,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SharedPlan {
    pub version: i64,
    pub agreed_on: Option<Date>,
    pub content: PlanContent,
}

/// What a packet carries, encrypted: the profile and only what the consent names.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PacketContent {
    pub their_case_number: String,
    pub transfer_consent: TransferConsent,
    pub profile: ReturneeProfile,
    #[serde(default)]
    pub assessments: Vec<SharedAssessment>,
    #[serde(default)]
    pub counselling: Vec<SharedSession>,
    #[serde(default)]
    pub consents: Vec<SharedConsent>,
    #[serde(default)]
    pub plan: Option<SharedPlan>,
}

/// The content the consent allows, read from the case as it is now.
async fn content_of(
    app: &App,
    case: &CaseRecord,
    h: &HandoverRecord,
) -> Result<PacketContent, Error> {
    let shared = &h.consent.shared;
    let records = app.store.pathway_records(case.id).await?;
    let assessments = records
        .submissions
        .iter()
        .filter(|s| s.status == SubmissionStatus::Complete && shared.assessments.contains(&s.id))
        .map(|s| SharedAssessment {
            form_id: s.form_id.clone(),
            form_title: s.form_title.clone(),
            interview_date: s.interview_date,
            answers: serde_json::from_str(&s.answers).unwrap_or(serde_json::Value::Null),
        })
        .collect();
    let counselling = if shared.counselling_notes {
        records
            .entries
            .iter()
            .filter(|e| e.kind == EntryKind::Session)
            .filter_map(|e| serde_json::from_str::<CounsellingSession>(&e.body).ok())
            .map(|s| SharedSession {
                date: s.date,
                kind: s.kind,
                topics: s.topics,
                next_steps: s.next_steps,
            })
            .collect()
    } else {
        Vec::new()
    };
    let consents = if shared.consents {
        app.store
            .consents(case.id)
            .await?
            .into_iter()
            .map(|c| SharedConsent {
                purpose: c.record.purpose,
                decision: c.record.decision,
                method: c.record.method,
                date: c.record.date,
            })
            .collect()
    } else {
        Vec::new()
    };
    let plan = if shared.plan {
        records.plans.last().map(|p| SharedPlan {
            version: p.version,
            agreed_on: p.agreement.as_ref().map(|a| a.date),
            content: p.content.clone(),
        })
    } else {
        None
    };
    Ok(PacketContent {
        their_case_number: case.number.to_string(),
        transfer_consent: h.consent.clone(),
        profile: case.profile.clone(),
        assessments,
        counselling,
        consents,
        plan,
    })
}

/// A packet made from a recorded consent: the file's name and bytes. Audited on the case.
pub async fn make_packet(
    app: &App,
    actor: &Actor,
    case: &str,
    handover: &str,
) -> Result<(String, Vec<u8>), Error> {
    let case = authorized_case(app, actor, case, Action::UpdateCase).await?;
    let handover = app
        .store
        .handovers_of(case.id)
        .await?
        .into_iter()
        .find(|h| h.id.to_string() == handover)
        .ok_or(Error::new(ErrorKind::NotFound))?;
    packet_from(app, actor, &case, &handover).await
}

/// A packet for the partner whose public key file is given, from the newest current consent
/// naming that partner (the `reintegra handover export` command).
pub async fn make_packet_for_key_file(
    app: &App,
    actor: &Actor,
    case: &str,
    key_file: &str,
) -> Result<(String, Vec<u8>), Error> {
    let case = authorized_case(app, actor, case, Action::UpdateCase).await?;
    let partner = packet::read_key_file(key_file).ok_or_else(|| {
        Error::with_detail(ErrorKind::BadRequest, "not a Reintegra instance key file")
    })?;
    let handover = app
        .store
        .handovers_of(case.id)
        .await?
        .into_iter()
        .find(|h| {
            h.partner_key_id == partner.key_id
                && domain::handover::consent_current(h.consent.date, app.today())
        })
        .ok_or_else(|| {
            Error::with_detail(
                ErrorKind::Conflict,
                "no current consent names this partner: record the returnee's consent on the \
                 case's hand-over page first",
            )
        })?;
    packet_from(app, actor, &case, &handover).await
}

async fn packet_from(
    app: &App,
    actor: &Actor,
    case: &CaseRecord,
    handover: &HandoverRecord,
) -> Result<(String, Vec<u8>), Error> {
    if !domain::handover::consent_current(handover.consent.date, app.today()) {
        return Err(Error::with_detail(
            ErrorKind::Conflict,
            "the consent to this hand-over is too old; record it again",
        ));
    }
    if case.anonymised_at.is_some() {
        return Err(Error::with_detail(
            ErrorKind::Conflict,
            "the case was anonymised; nothing of it can be handed over",
        ));
    }
    let partner = app
        .store
        .trusted_partners()
        .await?
        .into_iter()
        .find(|p| p.key_id == handover.partner_key_id)
        .ok_or_else(|| {
            Error::with_detail(
                ErrorKind::Conflict,
                "the recipient is no longer a trusted partner",
            )
        })?;
    let content = content_of(app, case, handover).await?;
    let plain = serde_json::to_vec(&content).map_err(Error::internal)?;
    let keys = own_keys(app).await?;
    let packet_id = uuid::Uuid::new_v4();
    let bytes = packet::seal(
        &keys,
        &partner,
        packet_id,
        app.now(),
        PACKET_VALID_DAYS,
        &plain,
    )
    .map_err(keys_error)?;
    app.store
        .note_packet_made(
            handover.id,
            packet_id,
            AuditContext::by(actor.user_id, app.now()),
        )
        .await?;
    Ok((format!("handover-{}.json", case.number), bytes))
}

fn refused(code: &'static str) -> Error {
    let mut e = ValidationErrors::new();
    e.add("packet", code);
    Error::validation(e)
}

/// Receives a packet as a new case in intake in `office`, with the consents it brought and
/// its provenance. Refused (on the field `packet`) when it is not a packet, is addressed to
/// another instance, comes from an untrusted sender, was changed, has expired, or was received
/// before.
pub async fn receive(
    app: &App,
    actor: &Actor,
    office: OfficeId,
    bytes: &[u8],
) -> Result<CaseRecord, Error> {
    authorize(actor, Action::CreateCase, Resource::Office(office))?;
    let keys = own_keys(app).await?;
    let partners = app.store.trusted_partners().await?;
    let now = app.now();
    let (header, sender, plain) = packet::open(&keys, &partners, bytes, now).map_err(|e| {
        refused(match e {
            PacketError::Unreadable => "error-packet-unreadable",
            PacketError::NotForUs => "error-packet-not-for-us",
            PacketError::UnknownSender => "error-packet-unknown-sender",
            PacketError::Tampered => "error-packet-tampered",
            PacketError::Expired => "error-packet-expired",
        })
    })?;
    let content: PacketContent =
        serde_json::from_slice(&plain).map_err(|_| refused("error-packet-unreadable"))?;
    let profile = content.profile.clone().normalised();
    let profile =
        domain::text::clean_texts(profile).map_err(|_| refused("error-packet-unreadable"))?;
    if profile.check(app.today()).is_err() {
        return Err(refused("error-packet-unreadable"));
    }
    let note = format!("As recorded by {}", sender.organisation);
    let consents = content
        .consents
        .iter()
        .map(|c| ConsentRecord {
            purpose: c.purpose,
            decision: c.decision,
            method: c.method,
            date: c.date,
            notes: Some(note.clone()),
            recorded_by: actor.user_id,
            recorded_at: now,
        })
        .collect();
    let stored = serde_json::to_string(&content).map_err(Error::internal)?;
    let result = app
        .store
        .receive_handover(
            NewCase {
                id: CaseId::new(),
                office,
                case_manager: (actor.role == Role::CaseManager).then_some(actor.user_id),
                profile,
                stage: CaseStage::Intake,
                consents,
            },
            ReceivedHandover {
                packet_id: header.packet_id,
                case: None,
                partner_key_id: sender.key_id.clone(),
                partner_organisation: sender.organisation.clone(),
                their_case_number: content.their_case_number.clone(),
                sent_at: time::OffsetDateTime::from_unix_timestamp(header.created_at)
                    .unwrap_or(now),
                content: stored,
                received_at: now,
            },
            AuditContext::by(actor.user_id, now),
        )
        .await;
    match result {
        Ok(case) => Ok(case),
        Err(StoreError::Duplicate(_)) => Err(refused("error-packet-replayed")),
        Err(e) => Err(e.into()),
    }
}

/// Where a case came from, when a partner handed it over: for its page.
pub async fn provenance(
    app: &App,
    actor: &Actor,
    case: &CaseRecord,
) -> Result<Option<(ReceivedHandover, Option<PacketContent>)>, Error> {
    authorize(actor, Action::ReadCase, Resource::Case(case.access()))?;
    Ok(app.store.received_for(case.id).await?.map(|r| {
        let content = serde_json::from_str(&r.content).ok();
        (r, content)
    }))
}
