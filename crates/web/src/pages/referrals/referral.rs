//! One referral, for staff

use super::*;

pub struct EventView {
    pub at: String,
    pub what: String,
    pub note: String,
    pub by: String,
}

pub struct LinkView {
    pub id: String,
    pub created: String,
    pub expires: String,
    pub state: String,
    pub live: bool,
}

/// The consented parts of a case as a provider sees them, as label / value rows.
pub fn disclosure_rows(tr: &Tr, d: &Disclosure) -> Vec<DetailRow> {
    let mut rows = Vec::new();
    let mut push = |label: &str, value: Option<String>| {
        if let Some(v) = value {
            rows.push(DetailRow {
                label: tr.t(label),
                value: v,
            });
        }
    };
    push("field-name", d.name.clone());
    push("field-sex", d.sex.map(|s| tr.t_of("sex", s.as_str())));
    push("disclosure-age", d.age.map(|a| a.to_string()));
    push("field-phone", d.phone.clone());
    push("field-address", d.address.clone());
    push("field-preferred-language", d.language.clone());
    push("disclosure-place", d.place.clone());
    push("field-referral-reason", d.reason.clone());
    push(
        "field-urgency",
        d.urgency.map(|u| tr.t_of("urgency", u.as_str())),
    );
    push(
        "section-household",
        d.household.as_ref().map(|h| {
            h.iter()
                .map(|m| {
                    format!(
                        "{} ({}{})",
                        m.name,
                        tr.t_of("relationship", m.relationship.as_str()),
                        m.age.map(|a| format!(", {a}")).unwrap_or_default()
                    )
                })
                .collect::<Vec<_>>()
                .join("; ")
        }),
    );
    push("section-health", d.health.clone());
    push(
        "disclosure-vulnerabilities",
        d.vulnerabilities.as_ref().map(|v| {
            v.iter()
                .map(|x| tr.t_of("vulnerability", x.as_str()))
                .collect::<Vec<_>>()
                .join(", ")
        }),
    );
    push("section-protection", d.protection.clone());
    push("section-psychosocial", d.psychosocial.clone());
    rows
}

pub(super) fn event_views(tr: &Tr, events: &[store::ReferralEvent]) -> Vec<EventView> {
    events
        .iter()
        .map(|e| EventView {
            at: e.at.date().to_string(),
            what: tr.t_of("referral-step", e.step.as_str()),
            note: e.note.clone(),
            by: match e.via {
                Via::Link => tr.t("referral-via-link"),
                _ => e.by_name.clone().unwrap_or_default(),
            },
        })
        .collect()
}

pub(super) fn consent_rows(tr: &Tr, c: &ReferralContent) -> Vec<DetailRow> {
    let mut rows = vec![DetailRow {
        label: tr.t("referral-shared-sections"),
        value: c
            .sections
            .iter()
            .map(|s| tr.t_of("section", s.as_str()))
            .collect::<Vec<_>>()
            .join(", "),
    }];
    if let Some(k) = &c.consent {
        rows.push(DetailRow {
            label: tr.t("referral-consent"),
            value: format!(
                "{} · {} · {}",
                k.date,
                tr.t_of("method", k.method.as_str()),
                k.purpose
            ),
        });
    }
    if let Some(o) = &c.consent_override {
        rows.push(DetailRow {
            label: tr.t("referral-exception"),
            value: format!(
                "{} · {} · {} · {}",
                o.date,
                tr.t_of("override", o.reason.as_str()),
                o.professional,
                o.justification
            ),
        });
    }
    if c.consent.is_none() && c.consent_override.is_none() {
        rows.push(DetailRow {
            label: tr.t("referral-consent"),
            value: tr.t("referral-no-consent"),
        });
    }
    rows
}

#[derive(Template)]
#[template(path = "referral.html")]
pub struct ReferralPage {
    pub(super) c: Chrome,
    pub(super) id: String,
    pub(super) name: String,
    pub(super) number: String,
    pub(super) urgent: Vec<crate::pages::pathway::UrgentView>,
    pub(super) referral_id: String,
    pub(super) title: String,
    pub(super) status: String,
    pub(super) status_class: &'static str,
    pub(super) overdue: bool,
    pub(super) due: String,
    pub(super) consent: Vec<DetailRow>,
    pub(super) preview: Vec<DetailRow>,
    pub(super) sop: Vec<DetailGroup>,
    pub(super) events: Vec<EventView>,
    pub(super) disclosures: Vec<EventView>,
    pub(super) links: Vec<LinkView>,
    pub(super) new_link: String,
    pub(super) can_update: bool,
    pub(super) can_respond: bool,
    pub(super) staff_steps: Vec<Choice>,
    pub(super) provider_steps: Vec<Choice>,
    pub(super) shared: bool,
    pub(super) draft_form: Option<ReferralFormView>,
    pub(super) step_error: String,
    pub(super) link_days: u16,
}

pub(super) async fn referral_page(
    page: &Page,
    case: &CaseRecord,
    r: &ReferralRecord,
    new_link: String,
    draft: Option<(Posted, ValidationErrors)>,
    step_error: String,
) -> Result<ReferralPage, AppError> {
    let (state, tr, caller) = (&page.state, &page.tr, &page.caller);
    let actor = caller.actor();
    let can_update = authorize(&actor, Action::UpdateCase, Resource::Case(case.access())).is_ok();
    let can_respond = authorize(
        &actor,
        Action::RespondReferral,
        Resource::Referral(r.access()),
    )
    .is_ok();
    let (service, events, links) = rf::history(state, r).await?;
    let disclosures = rf::disclosures(state, r).await?;
    // Staff see exactly what the provider is shown, without it counting as a disclosure.
    let preview = domain::referral::disclose(
        if r.status == ReferralStatus::Draft {
            ReferralStatus::Sent
        } else {
            r.status
        },
        &r.content,
        &case.profile,
        state.today(),
    )
    .map(|d| disclosure_rows(tr, &d))
    .unwrap_or_default();
    let possible = |steps: &[ReferralStep]| -> Vec<Choice> {
        steps
            .iter()
            .filter(|s| domain::referral::next_status(r.status, **s, "x", &r.content).is_ok())
            .map(|s| Choice {
                value: s.as_str().into(),
                label: tr.t_of("referral-step", s.as_str()),
                selected: false,
            })
            .collect()
    };
    let draft_form = if r.status == ReferralStatus::Draft && can_update {
        let services = rf::services(state, &actor).await?;
        let (posted, errors) = draft.unwrap_or_else(|| {
            let mut p = posted_content(&r.content);
            p.0.push(("service".into(), r.service.to_string()));
            p.0.push(("version".into(), r.version.to_string()));
            (p, ValidationErrors::new())
        });
        let may_override = authorize(
            &actor,
            Action::OverrideReferralConsent,
            Resource::Case(case.access()),
        )
        .is_ok();
        let mut f = referral_form(tr, &posted, &errors, &services, may_override);
        f.action = format!("/cases/{}/referrals/{}/edit", case.id, r.id);
        f.services.clear();
        Some(f)
    } else {
        None
    };
    let p = app::pathway::Pathway::load(state, case.clone()).await?;
    let overdue = is_overdue(r.status, r.answer_due, state.today());
    Ok(ReferralPage {
        c: Chrome::new(state, tr.clone(), Some(caller)),
        id: case.id.to_string(),
        name: case.profile.full_name(),
        number: case.number.to_string(),
        urgent: crate::pages::pathway::urgent_views(tr, &p),
        referral_id: r.id.to_string(),
        title: format!("{} — {}", r.service_name, r.provider_name),
        status: tr.t_of("referral-status", r.status.as_str()),
        status_class: if overdue {
            "state-overdue"
        } else {
            status_class(r.status)
        },
        overdue,
        due: domain::referral::answer_awaited(r.status, r.answer_due)
            .map(|d| d.to_string())
            .unwrap_or_default(),
        consent: consent_rows(tr, &r.content),
        preview,
        sop: vec![sop_group(tr, &service.service)],
        events: event_views(tr, &events),
        disclosures: disclosures
            .iter()
            .map(|e| EventView {
                at: e.at.date().to_string(),
                what: e.reason.clone().unwrap_or_default(),
                note: e
                    .changes
                    .first()
                    .and_then(|c| c.after.clone())
                    .unwrap_or_default(),
                by: e
                    .actor_name
                    .clone()
                    .unwrap_or_else(|| tr.t("referral-via-link")),
            })
            .collect(),
        links: links
            .iter()
            .map(|l| LinkView {
                id: l.id.to_string(),
                created: l.created_at.date().to_string(),
                expires: l.expires_at.date().to_string(),
                live: l.is_live(state.now()),
                state: if l.revoked_at.is_some() {
                    tr.t("link-revoked")
                } else if l.is_live(state.now()) {
                    tr.t("link-live")
                } else {
                    tr.t("link-expired")
                },
            })
            .collect(),
        new_link,
        can_update,
        can_respond,
        staff_steps: possible(&[
            ReferralStep::Send,
            ReferralStep::Cancel,
            ReferralStep::WithdrawConsent,
        ]),
        provider_steps: possible(&ReferralStep::PROVIDER),
        shared: r.status.is_shared(),
        draft_form,
        step_error,
        link_days: LINK_DAYS_DEFAULT,
    })
}

pub(super) async fn staff_referral(
    state: &AppState,
    caller: &Caller,
    id: &str,
    rid: &str,
    action: Action,
) -> Result<(CaseRecord, ReferralRecord), AppError> {
    let case = authorized_case(state, &caller.actor(), id, action).await?;
    let r = rf::of_case(state, &case, rid).await?;
    Ok((case, r))
}

pub async fn referral_view(
    page: Page,
    Path((id, rid)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let (state, caller) = (&page.state, &page.caller);
    let (case, r) = staff_referral(state, caller, &id, &rid, Action::ReadReferral).await?;
    let page = referral_page(&page, &case, &r, String::new(), None, String::new()).await?;
    render(&page)
}

pub async fn referral_edit(
    State(state): State<AppState>,
    tr: Tr,
    Path((id, rid)): Path<(String, String)>,
    CsrfForm { caller, form }: CsrfForm<Posted>,
) -> Result<Response, AppError> {
    let actor = caller.actor();
    let (case, r) = staff_referral(&state, &caller, &id, &rid, Action::UpdateCase).await?;
    let (content, read) = read_content(&form);
    let version: i64 = form.get("version").parse().unwrap_or(-1);
    let result = if read.is_empty() {
        rf::update_draft(&state, &actor, &case, &r, version, content)
            .await
            .map_err(AppError::from)
    } else {
        Err(AppError::validation(ValidationErrors::new()))
    };
    match result {
        Ok(updated) if form.get("_action") == "send" => {
            match rf::step(
                &state,
                &actor,
                &updated,
                ReferralStep::Send,
                String::new(),
                Via::Staff,
            )
            .await
            {
                Ok(_) => Ok(back(&case, &r)),
                Err(e) => {
                    let (status, message) = crate::pages::refused_change(&tr, e)?;
                    let page = referral_page(
                        &Page::of(&state, &tr, &caller),
                        &case,
                        &updated,
                        String::new(),
                        None,
                        message,
                    )
                    .await?;
                    render_status(status, &page)
                }
            }
        }
        Ok(_) => Ok(back(&case, &r)),
        Err(e) => {
            let conflict = e.kind == ErrorKind::Conflict;
            let mut errors = if conflict {
                ValidationErrors::new()
            } else {
                merged(read, e)?
            };
            if conflict {
                errors.add("referral_reason", "error-stale-record");
            }
            let page = referral_page(
                &Page::of(&state, &tr, &caller),
                &case,
                &r,
                String::new(),
                Some((form, errors)),
                String::new(),
            )
            .await?;
            render_status(
                if conflict {
                    StatusCode::CONFLICT
                } else {
                    StatusCode::UNPROCESSABLE_ENTITY
                },
                &page,
            )
        }
    }
}

pub(super) fn back(case: &CaseRecord, r: &ReferralRecord) -> Response {
    Redirect::to(&format!("/cases/{}/referrals/{}", case.id, r.id)).into_response()
}

/// The step chosen on a form: a provider's answer or a staff step, as the form offers.
pub(super) fn chosen_step(s: &str, provider: bool) -> Result<ReferralStep, AppError> {
    ReferralStep::parse(s)
        .filter(|x| x.by_provider() == provider)
        .ok_or_else(|| {
            let mut e = ValidationErrors::new();
            e.add("step", "error-choose-action");
            AppError::validation(e)
        })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct StepForm {
    pub(super) step: String,
    pub(super) note: String,
}

/// Staff steps: send, cancel, record a withdrawal of consent.
pub async fn referral_step(
    State(state): State<AppState>,
    tr: Tr,
    Path((id, rid)): Path<(String, String)>,
    CsrfForm { caller, form }: CsrfForm<StepForm>,
) -> Result<Response, AppError> {
    let actor = caller.actor();
    let (case, r) = staff_referral(&state, &caller, &id, &rid, Action::UpdateCase).await?;
    let result = match chosen_step(&form.step, false) {
        Ok(step) => rf::step(&state, &actor, &r, step, form.note, Via::Staff)
            .await
            .map_err(AppError::from),
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(back(&case, &r)),
        Err(e) => {
            let (status, message) = crate::pages::refused_change(&tr, e)?;
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

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LinkForm {
    pub(super) days: String,
}

pub async fn create_link(
    State(state): State<AppState>,
    tr: Tr,
    headers: axum::http::HeaderMap,
    Path((id, rid)): Path<(String, String)>,
    CsrfForm { caller, form }: CsrfForm<LinkForm>,
) -> Result<Response, AppError> {
    let actor = caller.actor();
    let (case, r) = staff_referral(&state, &caller, &id, &rid, Action::UpdateCase).await?;
    let days = form.days.trim().parse().unwrap_or(0);
    match rf::create_link(&state, &actor, &r, days).await {
        Ok((token, _)) => {
            let url = format!("{}/r/{token}", crate::pages::site_origin(&state, &headers));
            let page = referral_page(
                &Page::of(&state, &tr, &caller),
                &case,
                &r,
                url,
                None,
                String::new(),
            )
            .await?;
            render(&page)
        }
        Err(e) => {
            let (status, message) = crate::pages::refused_change(&tr, e)?;
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

pub async fn revoke_link(
    State(state): State<AppState>,
    Path((id, rid, link)): Path<(String, String, String)>,
    CsrfForm { caller, .. }: CsrfForm<LinkForm>,
) -> Result<Response, AppError> {
    let (case, r) = staff_referral(&state, &caller, &id, &rid, Action::UpdateCase).await?;
    rf::revoke_link(&state, &caller.actor(), &r, &link).await?;
    Ok(back(&case, &r))
}

#[derive(Template)]
#[template(path = "referral_slip.html")]
pub struct SlipPage {
    pub(super) c: Chrome,
    pub(super) title: String,
    pub(super) provider: String,
    pub(super) date: String,
    pub(super) rows: Vec<DetailRow>,
    pub(super) sop: Vec<DetailGroup>,
    pub(super) number: String,
    pub(super) document_languages: Vec<crate::pages::DocumentLanguage>,
    pub(super) feedback: String,
}

/// The printable slip the returnee takes to the provider: only the consented parts.
pub async fn referral_slip(
    State(state): State<AppState>,
    crate::pages::DocumentTr { tr, languages }: crate::pages::DocumentTr,
    SignedIn(caller): SignedIn,
    headers: axum::http::HeaderMap,
    Path((id, rid)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let actor = caller.actor();
    let (case, r) = staff_referral(&state, &caller, &id, &rid, Action::UpdateCase).await?;
    let Some(d) = rf::disclose(&state, Some(&actor), &r, Channel::SlipPrinted).await? else {
        return Err(AppError::with_detail(
            ErrorKind::Conflict,
            tr.t("referral-not-shared"),
        ));
    };
    let (service, _, _) = rf::history(&state, &r).await?;
    render(&SlipPage {
        c: Chrome::new(&state, tr.clone(), Some(&caller)),
        title: r.service_name.clone(),
        provider: r.provider_name.clone(),
        date: r.sent_on.unwrap_or_else(|| state.today()).to_string(),
        rows: disclosure_rows(&tr, &d),
        sop: vec![sop_group(&tr, &service.service)],
        number: case.number.to_string(),
        document_languages: languages,
        feedback: crate::pages::feedback_line(&state, &tr, &headers, case.office.code.as_str()),
    })
}
