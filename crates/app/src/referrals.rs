//! Referrals, the service map and the stakeholder map as the pages and the API use them. Each
//! function authorizes, lets `domain` decide and writes through the store, so both front ends
//! behave the same. Every disclosure to someone outside the programme goes through
//! [`disclose`], which writes its audit entry before anything is shown.

use domain::ValidationErrors;
use domain::audit::{AuditAction, FieldChange};
use domain::authz::{Action, Actor, Resource, authorize};
use domain::referral::{self, Disclosure, LINK_DAYS_MAX, ReferralContent, ReferralStep};
use domain::services::{Provider, Service, ServiceFeedback};
use domain::stakeholder::Stakeholder;
use domain::{CaseId, ProviderId, ReferralId, ServiceId, StakeholderId};
use store::{
    AuditContext, CaseRecord, NewReferral, NewReferralLink, NewReferralStep, ProviderRecord,
    ReferralFilter, ReferralLink, ReferralRecord, ServiceRecord, StakeholderRecord, Via,
    record_type,
};
use time::Duration;

use crate::App;
use crate::accounts::{hash_token, random_token};
pub use crate::parse_id;
use crate::{Error, ErrorKind};

fn by(app: &App, actor: &Actor) -> AuditContext {
    AuditContext::by(actor.user_id, app.now())
}

fn invalid(field: &str, code: &'static str) -> Error {
    let mut e = ValidationErrors::new();
    e.add(field, code);
    Error::validation(e)
}

// ---------------------------------------------------------------------------------------------
// The service map

pub async fn providers(app: &App, actor: &Actor) -> Result<Vec<ProviderRecord>, Error> {
    authorize(actor, Action::ReadServices, Resource::Programme)?;
    Ok(app.store.providers().await?)
}

pub async fn provider(app: &App, actor: &Actor, id: &str) -> Result<ProviderRecord, Error> {
    authorize(actor, Action::ReadServices, Resource::Programme)?;
    Ok(app.store.provider(parse_id(id)?).await?)
}

pub async fn save_provider(
    app: &App,
    actor: &Actor,
    id: Option<ProviderId>,
    expected_version: Option<i64>,
    p: Provider,
) -> Result<ProviderRecord, Error> {
    authorize(actor, Action::ManageServices, Resource::Programme)?;
    let p = p.normalised();
    let p = domain::text::clean_texts(p).map_err(Error::validation)?;
    p.check().map_err(Error::validation)?;
    if id.is_some() && expected_version.is_none() {
        return Err(invalid("version", "error-required"));
    }
    Ok(app
        .store
        .save_provider(id.unwrap_or_default(), expected_version, p, by(app, actor))
        .await?)
}

pub async fn services(app: &App, actor: &Actor) -> Result<Vec<ServiceRecord>, Error> {
    authorize(actor, Action::ReadServices, Resource::Programme)?;
    app.service_map().await
}

pub async fn service(app: &App, actor: &Actor, id: &str) -> Result<ServiceRecord, Error> {
    authorize(actor, Action::ReadServices, Resource::Programme)?;
    Ok(app.store.service(parse_id(id)?).await?)
}

pub async fn save_service(
    app: &App,
    actor: &Actor,
    id: Option<ServiceId>,
    provider: &str,
    expected_version: Option<i64>,
    s: Service,
) -> Result<ServiceRecord, Error> {
    authorize(actor, Action::ManageServices, Resource::Programme)?;
    let provider: ProviderId = provider
        .trim()
        .parse()
        .map_err(|_| invalid("provider", "error-required"))?;
    if app.store.provider(provider).await.is_err() {
        return Err(invalid("provider", "error-choice"));
    }
    let s = s.normalised();
    let s = domain::text::clean_texts(s).map_err(Error::validation)?;
    s.check(app.today()).map_err(Error::validation)?;
    if id.is_some() && expected_version.is_none() {
        return Err(invalid("version", "error-required"));
    }
    Ok(app
        .store
        .save_service(
            id.unwrap_or_default(),
            provider,
            expected_version,
            s,
            by(app, actor),
        )
        .await?)
}

/// A returnee's experience of a service, recorded by their case manager as a proposed update.
pub async fn propose_update(
    app: &App,
    actor: &Actor,
    case: &CaseRecord,
    service: &str,
    mut f: ServiceFeedback,
) -> Result<(), Error> {
    authorize(actor, Action::UpdateCase, Resource::Case(case.access()))?;
    let service: ServiceId = service
        .trim()
        .parse()
        .map_err(|_| invalid("service", "error-required"))?;
    if app.store.service(service).await.is_err() {
        return Err(invalid("service", "error-choice"));
    }
    f.comment = f.comment.trim().to_string();
    f.proposed.retain(|_, v| !v.trim().is_empty());
    f.check().map_err(Error::validation)?;
    app.store
        .propose_service_update(service, Some(case.id), f, by(app, actor))
        .await?;
    Ok(())
}

/// Accepts (applying the proposed values and marking the entry checked today) or rejects a
/// proposed update.
pub async fn decide_update(
    app: &App,
    actor: &Actor,
    update: &str,
    accept: bool,
    note: String,
    decided_by: &str,
) -> Result<ServiceId, Error> {
    authorize(actor, Action::ManageServices, Resource::Programme)?;
    let id: uuid::Uuid = parse_id(update)?;
    let u = app
        .store
        .service_updates(None)
        .await?
        .into_iter()
        .find(|u| u.id == id)
        .ok_or(Error::new(ErrorKind::NotFound))?;
    let updated = if accept {
        let s = app.store.service(u.service).await?;
        Some((
            s.version,
            u.feedback.apply(&s.service, app.today(), decided_by),
        ))
    } else {
        None
    };
    app.store
        .decide_service_update(id, updated, note.trim().to_string(), by(app, actor))
        .await?;
    Ok(u.service)
}

// ---------------------------------------------------------------------------------------------
// The stakeholder map

/// Stakeholders as this reader may see them: redacted unless they may read the sensitive
/// columns.
pub async fn stakeholders(
    app: &App,
    actor: &Actor,
) -> Result<(Vec<StakeholderRecord>, bool), Error> {
    authorize(actor, Action::ReadStakeholders, Resource::Programme)?;
    let sensitive = authorize(
        actor,
        Action::ReadSensitiveStakeholders,
        Resource::Programme,
    )
    .is_ok();
    let mut all = app.store.stakeholders().await?;
    if !sensitive {
        for s in &mut all {
            s.stakeholder = s.stakeholder.clone().redacted();
        }
    }
    Ok((all, sensitive))
}

pub async fn stakeholder(
    app: &App,
    actor: &Actor,
    id: &str,
) -> Result<(StakeholderRecord, bool), Error> {
    authorize(actor, Action::ReadStakeholders, Resource::Programme)?;
    let sensitive = authorize(
        actor,
        Action::ReadSensitiveStakeholders,
        Resource::Programme,
    )
    .is_ok();
    let mut s = app.store.stakeholder(parse_id(id)?).await?;
    if !sensitive {
        s.stakeholder = s.stakeholder.redacted();
    }
    Ok((s, sensitive))
}

pub async fn save_stakeholder(
    app: &App,
    actor: &Actor,
    id: Option<StakeholderId>,
    expected_version: Option<i64>,
    s: Stakeholder,
) -> Result<StakeholderRecord, Error> {
    authorize(actor, Action::ManageStakeholders, Resource::Programme)?;
    let s = s.normalised();
    let s = domain::text::clean_texts(s).map_err(Error::validation)?;
    s.check().map_err(Error::validation)?;
    if id.is_some() && expected_version.is_none() {
        return Err(invalid("version", "error-required"));
    }
    Ok(app
        .store
        .save_stakeholder(id.unwrap_or_default(), expected_version, s, by(app, actor))
        .await?)
}

// ---------------------------------------------------------------------------------------------
// Referrals

/// A referral the actor may see, judged on the referral itself (partners) or its case (staff).
pub async fn load(
    app: &App,
    actor: &Actor,
    id: &str,
    action: Action,
) -> Result<ReferralRecord, Error> {
    let r = app.store.referral(parse_id(id)?).await?;
    domain::authz::authorize_record(actor, action, Resource::Referral(r.access()))?;
    Ok(r)
}

/// A referral of a case, reached through the case (staff pages and API).
pub async fn of_case(app: &App, case: &CaseRecord, id: &str) -> Result<ReferralRecord, Error> {
    let r = app.store.referral(parse_id(id)?).await?;
    if r.case != case.id {
        return Err(Error::new(ErrorKind::NotFound));
    }
    Ok(r)
}

/// Referrals a reader may see: a partner's organisation's (never drafts), or those of the
/// Whether the actor may manage the service map (before reading a request about it).
pub fn may_manage_services(actor: &Actor) -> Result<(), Error> {
    Ok(authorize(
        actor,
        Action::ManageServices,
        Resource::Programme,
    )?)
}

/// cases in the reader's reach.
pub async fn visible(app: &App, actor: &Actor) -> Result<Vec<ReferralRecord>, Error> {
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
    let all = app.store.referrals(&filter).await?;
    Ok(all
        .into_iter()
        .filter(|r| {
            if actor.role == domain::Role::Partner {
                r.status.listed_to_provider()
            } else {
                authorize(actor, Action::ReadReferral, Resource::Referral(r.access())).is_ok()
            }
        })
        .collect())
}

/// Checks a referral as written and, for the exception, that the actor may use it.
fn checked_content(
    app: &App,
    actor: &Actor,
    case: &CaseRecord,
    content: ReferralContent,
) -> Result<ReferralContent, Error> {
    let content = content.normalised();
    let content = domain::text::clean_texts(content).map_err(Error::validation)?;
    content.check(app.today()).map_err(Error::validation)?;
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
    app: &App,
    actor: &Actor,
    case: &CaseRecord,
    service: &str,
    content: ReferralContent,
    send: bool,
) -> Result<ReferralRecord, Error> {
    authorize(actor, Action::UpdateCase, Resource::Case(case.access()))?;
    let service: ServiceId = service
        .trim()
        .parse()
        .map_err(|_| invalid("service", "error-required"))?;
    if app.store.service(service).await.is_err() {
        return Err(invalid("service", "error-choice"));
    }
    let content = checked_content(app, actor, case, content)?;
    if send && !content.has_consent() {
        return Err(invalid("consent_purpose", "error-referral-consent"));
    }
    let r = app
        .store
        .create_referral(
            NewReferral {
                id: ReferralId::new(),
                case: case.id,
                service,
                content,
            },
            by(app, actor),
        )
        .await?;
    if send {
        step(
            app,
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
    app: &App,
    actor: &Actor,
    case: &CaseRecord,
    r: &ReferralRecord,
    expected_version: i64,
    content: ReferralContent,
) -> Result<ReferralRecord, Error> {
    authorize(actor, Action::UpdateCase, Resource::Case(case.access()))?;
    let content = checked_content(app, actor, case, content)?;
    Ok(app
        .store
        .update_referral(r.id, expected_version, content, by(app, actor))
        .await?)
}

/// Moves a referral along. Staff steps need `case.update`; the provider's need
/// `referral.respond` (a partner of the organisation, or staff recording the answer).
pub async fn step(
    app: &App,
    actor: &Actor,
    r: &ReferralRecord,
    step: ReferralStep,
    note: String,
    via: Via,
) -> Result<ReferralRecord, Error> {
    let action = if step.by_provider() {
        Action::RespondReferral
    } else {
        Action::UpdateCase
    };
    authorize(actor, action, Resource::Referral(r.access()))?;
    apply_step(app, Some(actor), r, step, note, via).await
}

async fn apply_step(
    app: &App,
    actor: Option<&Actor>,
    r: &ReferralRecord,
    step: ReferralStep,
    note: String,
    via: Via,
) -> Result<ReferralRecord, Error> {
    let note = note.trim().to_string();
    if note.chars().count() > domain::case::MAX_LONG_TEXT {
        return Err(invalid("note", "error-too-long"));
    }
    let to = referral::next_status(r.status, step, &note, &r.content)
        .map_err(|e| invalid("note", e.message_id()))?;
    let (sent_on, answer_due) = if step == ReferralStep::Send {
        let days = app.store.service(r.service).await?.service.answer_days();
        (
            Some(app.today()),
            Some(referral::answer_due(app.today(), days)),
        )
    } else {
        (None, None)
    };
    let audit = match actor {
        Some(a) => by(app, a),
        None => AuditContext::system(app.now(), "provider link"),
    };
    Ok(app
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
    app: &App,
    actor: Option<&Actor>,
    r: &ReferralRecord,
    channel: Channel,
) -> Result<Option<Disclosure>, Error> {
    let case = app.store.case(r.case).await?;
    let Some(d) = referral::disclose(r.status, &r.content, &case.profile, app.today()) else {
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
        Some(a) => by(app, a),
        None => AuditContext::system(app.now(), channel.as_str()),
    };
    ctx.reason = Some(channel.as_str().to_string());
    app.store
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
pub async fn disclosures(app: &App, r: &ReferralRecord) -> Result<Vec<store::AuditEntry>, Error> {
    Ok(app
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
    app: &App,
    actor: &Actor,
    r: &ReferralRecord,
    days: u16,
) -> Result<(String, ReferralLink), Error> {
    authorize(actor, Action::UpdateCase, Resource::Referral(r.access()))?;
    if !(1..=LINK_DAYS_MAX).contains(&days) {
        return Err(invalid("days", "error-link-days"));
    }
    if !r.status.is_shared() {
        return Err(invalid("days", "error-link-not-shared"));
    }
    let token = random_token();
    let link = app
        .store
        .create_referral_link(
            NewReferralLink {
                id: uuid::Uuid::new_v4(),
                referral: r.id,
                token_hash: hash_token(&token),
                expires_at: app.now() + Duration::days(i64::from(days)),
            },
            by(app, actor),
        )
        .await?;
    Ok((token, link))
}

pub async fn revoke_link(
    app: &App,
    actor: &Actor,
    r: &ReferralRecord,
    link: &str,
) -> Result<(), Error> {
    authorize(actor, Action::UpdateCase, Resource::Referral(r.access()))?;
    app.store
        .revoke_referral_link(r.id, parse_id(link)?, by(app, actor))
        .await?;
    Ok(())
}

/// The referral behind a provider link, if the link is live and the referral still shared.
/// Anything else — unknown, expired, revoked, declined, cancelled, consent withdrawn — is the
/// same `None`, so a link reveals nothing about why it stopped working.
pub async fn by_link(app: &App, token: &str) -> Result<Option<ReferralRecord>, Error> {
    if token.len() > 100 {
        return Ok(None);
    }
    match app.store.referral_by_link(&hash_token(token)).await? {
        Some((link, r)) if link.is_live(app.now()) && r.access().shared => Ok(Some(r)),
        _ => Ok(None),
    }
}

/// The provider's answer through a link: only the provider's steps.
pub async fn step_by_link(
    app: &App,
    r: &ReferralRecord,
    step: ReferralStep,
    note: String,
) -> Result<ReferralRecord, Error> {
    if !step.by_provider() {
        return Err(Error::new(ErrorKind::Forbidden));
    }
    apply_step(app, None, r, step, note, Via::Link).await
}

/// Referrals of a case, for its pages.
pub async fn of_case_all(app: &App, case: CaseId) -> Result<Vec<ReferralRecord>, Error> {
    Ok(app
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
    app: &App,
    actor: &Actor,
    case: CaseId,
    purpose: domain::consent::ConsentPurpose,
    decision: domain::consent::ConsentDecision,
) -> Result<(), Error> {
    use domain::consent::{ConsentDecision, ConsentPurpose};
    if purpose != ConsentPurpose::SharingWithProviders || decision == ConsentDecision::Given {
        return Ok(());
    }
    for r in of_case_all(app, case).await? {
        if r.status.is_shared() {
            apply_step(
                app,
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

/// What the referral's page shows beside the referral itself: the service it went to, its
/// When the referral's case was closed (a closure approved and in force), and why the referral
/// was carried over past it: what the provider's page says of the closure. `r` is a referral
/// the caller was already allowed to open.
pub async fn case_closure(
    app: &App,
    r: &ReferralRecord,
) -> Result<Option<(time::Date, String)>, Error> {
    let closures = app.store.closures(r.case).await?;
    let Some(closed) = closures
        .iter()
        .rfind(|c| c.in_force() && c.approval.is_some())
    else {
        return Ok(None);
    };
    let key = format!("referral:{}", r.id);
    let why = closed
        .closure
        .carried_over
        .iter()
        .find(|c| c.item == key)
        .map(|c| c.reason.clone())
        .unwrap_or_default();
    Ok(Some((closed.closure.date, why)))
}

/// steps, and the links made for the provider. `r` was opened through [`load`] or [`of_case`].
pub async fn history(
    app: &App,
    r: &ReferralRecord,
) -> Result<
    (
        ServiceRecord,
        Vec<store::ReferralEvent>,
        Vec<store::ReferralLink>,
    ),
    Error,
> {
    let service = app.store.service(r.service).await?;
    let events = app.store.referral_events(r.id).await?;
    let links = app.store.referral_links(r.id).await?;
    Ok((service, events, links))
}

/// The returnee's name on a referral the actor may see: staff always, a partner only while
/// the returnee's consent lets the referral be shared.
pub async fn returnee_name(
    app: &App,
    actor: &Actor,
    r: &ReferralRecord,
) -> Result<Option<String>, Error> {
    // A partner may read a referral only while it is shared (see `domain::authz`).
    if authorize(actor, Action::ReadReferral, Resource::Referral(r.access())).is_err() {
        return Ok(None);
    }
    Ok(Some(app.store.case(r.case).await?.profile.full_name()))
}

/// The case of a referral, for staff who may read the referral.
pub async fn case_of(app: &App, actor: &Actor, r: &ReferralRecord) -> Result<CaseRecord, Error> {
    let case = app.store.case(r.case).await?;
    domain::authz::authorize_record(actor, Action::ReadReferral, Resource::Case(case.access()))?;
    Ok(case)
}

/// Updates proposed for the service map (for one service, or all), for those who may read it.
pub async fn service_updates(
    app: &App,
    actor: &Actor,
    service: Option<ServiceId>,
) -> Result<Vec<store::ServiceUpdateRecord>, Error> {
    authorize(actor, Action::ReadServices, Resource::Programme)?;
    Ok(app.store.service_updates(service).await?)
}
