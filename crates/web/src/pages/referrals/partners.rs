//! Partners: their organisation's referrals

use super::*;

#[derive(Template)]
#[template(path = "partner_referrals.html")]
pub struct ReferralListPage {
    pub(super) c: Chrome,
    pub(super) rows: Vec<ReferralRow>,
    pub(super) partner: bool,
    pub(super) show_names: bool,
}

pub async fn referral_list(
    State(state): State<AppState>,
    tr: Tr,
    SignedIn(caller): SignedIn,
) -> Result<Response, AppError> {
    let actor = caller.actor();
    let visible = rf::visible(&state, &actor).await?;
    let partner = actor.role == domain::Role::Partner;
    let mut names: HashMap<domain::CaseId, String> = HashMap::new();
    let mut rows = Vec::new();
    for r in &visible {
        // A partner sees a name only while the referral is shared with them.
        let name = if !partner || r.access().shared {
            match names.get(&r.case) {
                Some(n) => n.clone(),
                None => {
                    let n = rf::returnee_name(&state, &actor, r)
                        .await?
                        .unwrap_or_default();
                    names.insert(r.case, n.clone());
                    n
                }
            }
        } else {
            tr.t("referral-not-shared-short")
        };
        let href = if partner {
            format!("/referrals/{}", r.id)
        } else {
            format!("/cases/{}/referrals/{}", r.case, r.id)
        };
        rows.push(row(&tr, r, href, name, state.today()));
    }
    rows.sort_by_key(|r| !r.overdue);
    render(&ReferralListPage {
        c: Chrome::new(&state, tr.clone(), Some(&caller)),
        rows,
        partner,
        show_names: true,
    })
}

#[derive(Template)]
#[template(path = "provider_referral.html")]
pub struct ProviderReferralPage {
    pub(super) c: Chrome,
    pub(super) title: String,
    pub(super) status: String,
    pub(super) rows: Vec<DetailRow>,
    pub(super) sop: Vec<DetailGroup>,
    pub(super) events: Vec<EventView>,
    pub(super) steps: Vec<Choice>,
    pub(super) action: String,
    pub(super) error: String,
    pub(super) via_link: bool,
    pub(super) csrf_field: bool,
    /// "The case was closed on …", and why this referral goes on, once the case is closed.
    pub(super) closed: String,
    pub(super) carried_over: String,
}

pub(super) async fn provider_page(
    state: &AppState,
    tr: &Tr,
    caller: Option<&Caller>,
    r: &ReferralRecord,
    d: &Disclosure,
    action: String,
    error: String,
) -> Result<ProviderReferralPage, AppError> {
    let (service, events, _) = rf::history(state, r).await?;
    let closure = rf::case_closure(state, r).await?;
    Ok(ProviderReferralPage {
        closed: closure
            .as_ref()
            .map(|(date, _)| tr.t1("referral-case-closed", "date", date))
            .unwrap_or_default(),
        carried_over: closure.map(|(_, why)| why).unwrap_or_default(),
        c: Chrome::new(state, tr.clone(), caller),
        title: format!("{} — {}", r.service_name, r.provider_name),
        status: tr.t_of("referral-status", r.status.as_str()),
        rows: disclosure_rows(tr, d),
        sop: vec![sop_group(tr, &service.service)],
        events: event_views(tr, &events),
        steps: ReferralStep::PROVIDER
            .iter()
            .filter(|s| domain::referral::next_status(r.status, **s, "x", &r.content).is_ok())
            .map(|s| Choice {
                value: s.as_str().into(),
                label: tr.t_of("referral-step", s.as_str()),
                selected: false,
            })
            .collect(),
        action,
        error,
        via_link: caller.is_none(),
        csrf_field: caller.is_some(),
    })
}

/// A partner's view of one referral (staff are sent to the case's referral page).
pub async fn partner_referral(
    State(state): State<AppState>,
    tr: Tr,
    SignedIn(caller): SignedIn,
    Path(rid): Path<String>,
) -> Result<Response, AppError> {
    let actor = caller.actor();
    let r = rf::load(&state, &actor, &rid, Action::ReadReferral).await?;
    if actor.role != domain::Role::Partner {
        return Ok(Redirect::to(&format!("/cases/{}/referrals/{}", r.case, r.id)).into_response());
    }
    let d = rf::disclose(&state, Some(&actor), &r, Channel::PartnerView)
        .await?
        .ok_or(AppError::new(ErrorKind::Forbidden))?;
    let page = provider_page(
        &state,
        &tr,
        Some(&caller),
        &r,
        &d,
        format!("/referrals/{}/respond", r.id),
        String::new(),
    )
    .await?;
    render(&page)
}

/// The provider's answer: a partner of the organisation, or staff recording it for them.
pub async fn respond(
    State(state): State<AppState>,
    tr: Tr,
    Path(rid): Path<String>,
    CsrfForm { caller, form }: CsrfForm<StepForm>,
) -> Result<Response, AppError> {
    let actor = caller.actor();
    let r = rf::load(&state, &actor, &rid, Action::RespondReferral).await?;
    let partner = actor.role == domain::Role::Partner;
    let via = if partner { Via::Partner } else { Via::Staff };
    let target = if partner {
        format!("/referrals/{}", r.id)
    } else {
        format!("/cases/{}/referrals/{}", r.case, r.id)
    };
    let result = match chosen_step(&form.step, true) {
        Ok(step) => rf::step(&state, &actor, &r, step, form.note, via)
            .await
            .map_err(AppError::from),
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(Redirect::to(&target).into_response()),
        Err(e) => {
            let (status, message) = crate::pages::refused_change(&tr, e)?;
            if partner {
                let d = rf::disclose(&state, Some(&actor), &r, Channel::PartnerView)
                    .await?
                    .ok_or(AppError::new(ErrorKind::Forbidden))?;
                let page =
                    provider_page(&state, &tr, Some(&caller), &r, &d, target, message).await?;
                render_status(status, &page)
            } else {
                let case = rf::case_of(&state, &actor, &r).await?;
                let page = referral_page(
                    &Page::of(&state, &tr, &caller),
                    &case,
                    &r,
                    String::new(),
                    None,
                    message,
                )
                .await?;
                render_status(status, &page)
            }
        }
    }
}
