//! Referrals, the service map and the stakeholder map as the pages and the API use them. Each
//! function authorizes, lets `domain` decide and writes through the store, so both front ends
//! behave the same. Every disclosure to someone outside the programme goes through
//! [`disclose`], which writes its audit entry before anything is shown.

use domain::ValidationErrors;
use domain::audit::{AuditAction, FieldChange};
use domain::authz::{Action, Actor, Resource, authorize};
use domain::referral::{
    self, Disclosure, LINK_DAYS_MAX, ReferralContent, ReferralStatus, ReferralStep,
};
use domain::services::{Provider, Service, ServiceFeedback};
use domain::stakeholder::Stakeholder;
use domain::{CaseId, ProviderId, ReferralId, ServiceId, StakeholderId};
use store::{
    AuditContext, CaseRecord, NewReferral, NewReferralLink, NewReferralStep, ProviderRecord,
    ReferralFilter, ReferralLink, ReferralRecord, ServiceRecord, StakeholderRecord, Via,
    record_type,
};
use time::{Duration, OffsetDateTime};

use crate::AppState;
use crate::auth::{hash_token, random_token};
use crate::error::{AppError, ErrorKind};
use crate::pages::today;

fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

fn by(actor: &Actor) -> AuditContext {
    AuditContext::by(actor.user_id, now())
}

fn invalid(field: &str, code: &'static str) -> AppError {
    let mut e = ValidationErrors::new();
    e.add(field, code);
    AppError::validation(e)
}

pub fn parse_id<T: std::str::FromStr>(s: &str) -> Result<T, AppError> {
    s.parse().map_err(|_| AppError::new(ErrorKind::NotFound))
}

// ---------------------------------------------------------------------------------------------
// The service map

pub async fn providers(state: &AppState, actor: &Actor) -> Result<Vec<ProviderRecord>, AppError> {
    authorize(actor, Action::ReadServices, Resource::Programme)?;
    Ok(state.store.providers().await?)
}

pub async fn provider(
    state: &AppState,
    actor: &Actor,
    id: &str,
) -> Result<ProviderRecord, AppError> {
    authorize(actor, Action::ReadServices, Resource::Programme)?;
    Ok(state.store.provider(parse_id(id)?).await?)
}

pub async fn save_provider(
    state: &AppState,
    actor: &Actor,
    id: Option<ProviderId>,
    expected_version: Option<i64>,
    p: Provider,
) -> Result<ProviderRecord, AppError> {
    authorize(actor, Action::ManageServices, Resource::Programme)?;
    let p = p.normalised();
    p.check().map_err(AppError::validation)?;
    if id.is_some() && expected_version.is_none() {
        return Err(invalid("version", "error-required"));
    }
    Ok(state
        .store
        .save_provider(id.unwrap_or_default(), expected_version, p, by(actor))
        .await?)
}

pub async fn services(state: &AppState, actor: &Actor) -> Result<Vec<ServiceRecord>, AppError> {
    authorize(actor, Action::ReadServices, Resource::Programme)?;
    Ok(state.store.services().await?)
}

pub async fn service(state: &AppState, actor: &Actor, id: &str) -> Result<ServiceRecord, AppError> {
    authorize(actor, Action::ReadServices, Resource::Programme)?;
    Ok(state.store.service(parse_id(id)?).await?)
}

pub async fn save_service(
    state: &AppState,
    actor: &Actor,
    id: Option<ServiceId>,
    provider: &str,
    expected_version: Option<i64>,
    s: Service,
) -> Result<ServiceRecord, AppError> {
    authorize(actor, Action::ManageServices, Resource::Programme)?;
    let provider: ProviderId = provider
        .trim()
        .parse()
        .map_err(|_| invalid("provider", "error-required"))?;
    if state.store.provider(provider).await.is_err() {
        return Err(invalid("provider", "error-choice"));
    }
    let s = s.normalised();
    s.check(today()).map_err(AppError::validation)?;
    if id.is_some() && expected_version.is_none() {
        return Err(invalid("version", "error-required"));
    }
    Ok(state
        .store
        .save_service(
            id.unwrap_or_default(),
            provider,
            expected_version,
            s,
            by(actor),
        )
        .await?)
}

/// A returnee's experience of a service, recorded by their case manager as a proposed update.
pub async fn propose_update(
    state: &AppState,
    actor: &Actor,
    case: &CaseRecord,
    service: &str,
    mut f: ServiceFeedback,
) -> Result<(), AppError> {
    authorize(actor, Action::UpdateCase, Resource::Case(case.access()))?;
    let service: ServiceId = service
        .trim()
        .parse()
        .map_err(|_| invalid("service", "error-required"))?;
    if state.store.service(service).await.is_err() {
        return Err(invalid("service", "error-choice"));
    }
    f.comment = f.comment.trim().to_string();
    f.proposed.retain(|_, v| !v.trim().is_empty());
    f.check().map_err(AppError::validation)?;
    state
        .store
        .propose_service_update(service, Some(case.id), f, by(actor))
        .await?;
    Ok(())
}

/// Accepts (applying the proposed values and marking the entry checked today) or rejects a
/// proposed update.
pub async fn decide_update(
    state: &AppState,
    actor: &Actor,
    update: &str,
    accept: bool,
    note: String,
    decided_by: &str,
) -> Result<ServiceId, AppError> {
    authorize(actor, Action::ManageServices, Resource::Programme)?;
    let id: uuid::Uuid = parse_id(update)?;
    let u = state
        .store
        .service_updates(None)
        .await?
        .into_iter()
        .find(|u| u.id == id)
        .ok_or(AppError::new(ErrorKind::NotFound))?;
    let updated = if accept {
        let s = state.store.service(u.service).await?;
        Some((s.version, u.feedback.apply(&s.service, today(), decided_by)))
    } else {
        None
    };
    state
        .store
        .decide_service_update(id, updated, note.trim().to_string(), by(actor))
        .await?;
    Ok(u.service)
}

// ---------------------------------------------------------------------------------------------
// The stakeholder map

/// Stakeholders as this reader may see them: redacted unless they may read the sensitive
/// columns.
pub async fn stakeholders(
    state: &AppState,
    actor: &Actor,
) -> Result<(Vec<StakeholderRecord>, bool), AppError> {
    authorize(actor, Action::ReadStakeholders, Resource::Programme)?;
    let sensitive = authorize(
        actor,
        Action::ReadSensitiveStakeholders,
        Resource::Programme,
    )
    .is_ok();
    let mut all = state.store.stakeholders().await?;
    if !sensitive {
        for s in &mut all {
            s.stakeholder = s.stakeholder.clone().redacted();
        }
    }
    Ok((all, sensitive))
}

pub async fn stakeholder(
    state: &AppState,
    actor: &Actor,
    id: &str,
) -> Result<(StakeholderRecord, bool), AppError> {
    authorize(actor, Action::ReadStakeholders, Resource::Programme)?;
    let sensitive = authorize(
        actor,
        Action::ReadSensitiveStakeholders,
        Resource::Programme,
    )
    .is_ok();
    let mut s = state.store.stakeholder(parse_id(id)?).await?;
    if !sensitive {
        s.stakeholder = s.stakeholder.redacted();
    }
    Ok((s, sensitive))
}

pub async fn save_stakeholder(
    state: &AppState,
    actor: &Actor,
    id: Option<StakeholderId>,
    expected_version: Option<i64>,
    s: Stakeholder,
) -> Result<StakeholderRecord, AppError> {
    authorize(actor, Action::ManageStakeholders, Resource::Programme)?;
    let s = s.normalised();
    s.check().map_err(AppError::validation)?;
    if id.is_some() && expected_version.is_none() {
        return Err(invalid("version", "error-required"));
    }
    Ok(state
        .store
        .save_stakeholder(id.unwrap_or_default(), expected_version, s, by(actor))
        .await?)
}

// ---------------------------------------------------------------------------------------------
// Referrals

/// A referral the actor may see, judged on the referral itself (partners) or its case (staff).
pub async fn load(
    state: &AppState,
    actor: &Actor,
    id: &str,
    action: Action,
) -> Result<ReferralRecord, AppError> {
    let r = state.store.referral(parse_id(id)?).await?;
    authorize(actor, action, Resource::Referral(r.access()))?;
    Ok(r)
}

/// A referral of a case, reached through the case (staff pages and API).
pub async fn of_case(
    state: &AppState,
    case: &CaseRecord,
    id: &str,
) -> Result<ReferralRecord, AppError> {
    let r = state.store.referral(parse_id(id)?).await?;
    if r.case != case.id {
        return Err(AppError::new(ErrorKind::NotFound));
    }
    Ok(r)
}

/// Referrals a reader may see: a partner's organisation's (never drafts), or those of the
/// cases in the reader's reach.
pub async fn visible(state: &AppState, actor: &Actor) -> Result<Vec<ReferralRecord>, AppError> {
    authorize(actor, Action::ReadReferral, Resource::Programme)?;
    let filter = match actor.organisation {
        Some(p) if actor.role == domain::Role::Partner => ReferralFilter {
            provider: Some(p),
            ..Default::default()
        },
        _ if actor.role == domain::Role::Partner => return Ok(Vec::new()),
        _ => ReferralFilter {
            office: actor.office,
            ..Default::default()
        },
    };
    let all = state.store.referrals(&filter).await?;
    Ok(all
        .into_iter()
        .filter(|r| {
            if actor.role == domain::Role::Partner {
                // Declined or withdrawn referrals stay listed (without personal data) so the
                // partner knows what happened; drafts were never theirs to see.
                r.status != ReferralStatus::Draft
            } else {
                authorize(actor, Action::ReadReferral, Resource::Referral(r.access())).is_ok()
            }
        })
        .collect())
}

/// Checks a referral as written and, for the exception, that the actor may use it.
fn checked_content(
    actor: &Actor,
    case: &CaseRecord,
    content: ReferralContent,
) -> Result<ReferralContent, AppError> {
    let content = content.normalised();
    content.check(today()).map_err(AppError::validation)?;
    if content.consent_override.is_some() {
        authorize(
            actor,
            Action::OverrideReferralConsent,
            Resource::Case(case.access()),
        )
        .map_err(|_| invalid("override_reason", "error-override-not-allowed"))?;
    }
    Ok(content)
}

/// Records a referral as a draft and, when `send`, sends it at once.
pub async fn create(
    state: &AppState,
    actor: &Actor,
    case: &CaseRecord,
    service: &str,
    content: ReferralContent,
    send: bool,
) -> Result<ReferralRecord, AppError> {
    authorize(actor, Action::UpdateCase, Resource::Case(case.access()))?;
    let service: ServiceId = service
        .trim()
        .parse()
        .map_err(|_| invalid("service", "error-required"))?;
    if state.store.service(service).await.is_err() {
        return Err(invalid("service", "error-choice"));
    }
    let content = checked_content(actor, case, content)?;
    if send && !content.has_consent() {
        return Err(invalid("consent_purpose", "error-referral-consent"));
    }
    let r = state
        .store
        .create_referral(
            NewReferral {
                id: ReferralId::new(),
                case: case.id,
                service,
                content,
            },
            by(actor),
        )
        .await?;
    if send {
        step(
            state,
            actor,
            &r,
            ReferralStep::Send,
            String::new(),
            Via::Staff,
        )
        .await
    } else {
        Ok(r)
    }
}

pub async fn update_draft(
    state: &AppState,
    actor: &Actor,
    case: &CaseRecord,
    r: &ReferralRecord,
    expected_version: i64,
    content: ReferralContent,
) -> Result<ReferralRecord, AppError> {
    authorize(actor, Action::UpdateCase, Resource::Case(case.access()))?;
    let content = checked_content(actor, case, content)?;
    Ok(state
        .store
        .update_referral(r.id, expected_version, content, by(actor))
        .await?)
}

/// Moves a referral along. Staff steps need `case.update`; the provider's need
/// `referral.respond` (a partner of the organisation, or staff recording the answer).
pub async fn step(
    state: &AppState,
    actor: &Actor,
    r: &ReferralRecord,
    step: ReferralStep,
    note: String,
    via: Via,
) -> Result<ReferralRecord, AppError> {
    let action = if step.by_provider() {
        Action::RespondReferral
    } else {
        Action::UpdateCase
    };
    authorize(actor, action, Resource::Referral(r.access()))?;
    apply_step(state, Some(actor), r, step, note, via).await
}

async fn apply_step(
    state: &AppState,
    actor: Option<&Actor>,
    r: &ReferralRecord,
    step: ReferralStep,
    note: String,
    via: Via,
) -> Result<ReferralRecord, AppError> {
    let note = note.trim().to_string();
    if note.chars().count() > domain::case::MAX_LONG_TEXT {
        return Err(invalid("note", "error-too-long"));
    }
    let to = referral::next_status(r.status, step, &note, &r.content)
        .map_err(|e| invalid("note", e.message_id()))?;
    let (sent_on, answer_due) = if step == ReferralStep::Send {
        let days = state.store.service(r.service).await?.service.answer_days();
        (Some(today()), Some(referral::answer_due(today(), days)))
    } else {
        (None, None)
    };
    let audit = match actor {
        Some(a) => by(a),
        None => AuditContext::system(now(), "provider link"),
    };
    Ok(state
        .store
        .referral_step(
            r.id,
            r.version,
            NewReferralStep {
                from: r.status,
                to,
                step,
                note,
                via,
                sent_on,
                answer_due,
            },
            audit,
        )
        .await?)
}

/// How the consented parts of a case reached someone outside the programme.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Channel {
    PartnerView,
    PartnerApi,
    SlipPrinted,
    LinkOpened,
}

impl Channel {
    fn as_str(self) -> &'static str {
        match self {
            Channel::PartnerView => "viewed by partner",
            Channel::PartnerApi => "read by partner through the API",
            Channel::SlipPrinted => "referral slip printed",
            Channel::LinkOpened => "provider link opened",
        }
    }
}

/// The consented parts of the case for this referral, after writing the disclosure's audit
/// entry on the referral. `None` when nothing may be shown.
pub async fn disclose(
    state: &AppState,
    actor: Option<&Actor>,
    r: &ReferralRecord,
    channel: Channel,
) -> Result<Option<Disclosure>, AppError> {
    let case = state.store.case(r.case).await?;
    let Some(d) = referral::disclose(r.status, &r.content, &case.profile, today()) else {
        return Ok(None);
    };
    let sections = r
        .content
        .sections
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let mut ctx = match actor {
        Some(a) => by(a),
        None => AuditContext::system(now(), channel.as_str()),
    };
    ctx.reason = Some(channel.as_str().to_string());
    state
        .store
        .append_audit(ctx.entry(
            AuditAction::Disclose,
            record_type::REFERRAL,
            r.id.to_string(),
            vec![FieldChange {
                field: "sections".into(),
                before: None,
                after: Some(sections),
            }],
        ))
        .await?;
    Ok(Some(d))
}

/// Who has seen what of a referral: its disclosure entries, oldest first.
pub async fn disclosures(
    state: &AppState,
    r: &ReferralRecord,
) -> Result<Vec<store::AuditEntry>, AppError> {
    Ok(state
        .store
        .audit_for_record(
            record_type::REFERRAL,
            &r.id.to_string(),
            store::AuditScope::ChangesAndViews,
        )
        .await?
        .into_iter()
        .filter(|e| e.action == AuditAction::Disclose)
        .collect())
}

/// A new provider link; the token is returned once and only its hash is kept.
pub async fn create_link(
    state: &AppState,
    actor: &Actor,
    r: &ReferralRecord,
    days: u16,
) -> Result<(String, ReferralLink), AppError> {
    authorize(actor, Action::UpdateCase, Resource::Referral(r.access()))?;
    if !(1..=LINK_DAYS_MAX).contains(&days) {
        return Err(invalid("days", "error-link-days"));
    }
    if !r.status.is_shared() {
        return Err(invalid("days", "error-link-not-shared"));
    }
    let token = random_token();
    let link = state
        .store
        .create_referral_link(
            NewReferralLink {
                id: uuid::Uuid::new_v4(),
                referral: r.id,
                token_hash: hash_token(&token),
                expires_at: now() + Duration::days(i64::from(days)),
            },
            by(actor),
        )
        .await?;
    Ok((token, link))
}

pub async fn revoke_link(
    state: &AppState,
    actor: &Actor,
    r: &ReferralRecord,
    link: &str,
) -> Result<(), AppError> {
    authorize(actor, Action::UpdateCase, Resource::Referral(r.access()))?;
    state
        .store
        .revoke_referral_link(r.id, parse_id(link)?, by(actor))
        .await?;
    Ok(())
}

/// The referral behind a provider link, if the link is live and the referral still shared.
/// Anything else — unknown, expired, revoked, declined, cancelled, consent withdrawn — is the
/// same `None`, so a link reveals nothing about why it stopped working.
pub async fn by_link(state: &AppState, token: &str) -> Result<Option<ReferralRecord>, AppError> {
    if token.len() > 100 {
        return Ok(None);
    }
    match state.store.referral_by_link(&hash_token(token)).await? {
        Some((link, r)) if link.is_live(now()) && r.access().shared => Ok(Some(r)),
        _ => Ok(None),
    }
}

/// The provider's answer through a link: only the provider's steps.
pub async fn step_by_link(
    state: &AppState,
    r: &ReferralRecord,
    step: ReferralStep,
    note: String,
) -> Result<ReferralRecord, AppError> {
    if !step.by_provider() {
        return Err(AppError::new(ErrorKind::Forbidden));
    }
    apply_step(state, None, r, step, note, Via::Link).await
}

/// Referrals of a case, for its pages.
pub async fn of_case_all(state: &AppState, case: CaseId) -> Result<Vec<ReferralRecord>, AppError> {
    Ok(state
        .store
        .referrals(&ReferralFilter {
            case: Some(case),
            ..Default::default()
        })
        .await?)
}

/// When a returnee withdraws (or refuses) consent to sharing with providers for the whole
/// case, every referral still shared stops being shared: each is marked as consent withdrawn.
pub async fn after_case_consent(
    state: &AppState,
    actor: &Actor,
    case: CaseId,
    purpose: domain::consent::ConsentPurpose,
    decision: domain::consent::ConsentDecision,
) -> Result<(), AppError> {
    use domain::consent::{ConsentDecision, ConsentPurpose};
    if purpose != ConsentPurpose::SharingWithProviders || decision == ConsentDecision::Given {
        return Ok(());
    }
    for r in of_case_all(state, case).await? {
        if r.status.is_shared() {
            apply_step(
                state,
                Some(actor),
                &r,
                ReferralStep::WithdrawConsent,
                "consent to sharing with providers withdrawn for the case".into(),
                Via::Staff,
            )
            .await?;
        }
    }
    Ok(())
}
