//! Referral pages: a case's referrals and the form to make one (with the chosen service's
//! referral procedure shown), one referral's page for staff, the printable slip, the partner's
//! list and view, and the page a provider without an account reaches through a link.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use domain::ValidationErrors;
use domain::authz::{Action, Resource, authorize};
use domain::consent::ConsentMethod;
use domain::referral::{
    ConsentOverride, Disclosure, LINK_DAYS_DEFAULT, OverrideReason, PlanItemRef, ReferralConsent,
    ReferralContent, ReferralStatus, ReferralStep, SharedSection, Urgency, is_overdue,
};
use serde::Deserialize;
use store::{CaseRecord, ReferralRecord, Via};

use super::services::{DetailGroup, DetailRow, FeedbackForm, Posted, sop_group};
use super::{Chrome, CsrfForm, render, render_status, today};
use crate::AppState;
use crate::auth::{Caller, SignedIn};
use crate::error::{AppError, ErrorKind};
use crate::forms::{Choice, FieldBuilder, FieldView, error_map, names};
use crate::i18n::Tr;
use app::cases::authorized_case;
use app::referrals::{self as rf, Channel};

// ---------------------------------------------------------------------------------------------
// Reading the referral form

fn read_content(p: &Posted) -> (ReferralContent, ValidationErrors) {
    let mut e = ValidationErrors::new();
    let date = |e: &mut ValidationErrors, field: &str| {
        let s = p.get(field).trim();
        match domain::case::date::parse(s) {
            Some(d) => Some(d),
            None => {
                e.add(
                    field,
                    if s.is_empty() {
                        "error-required"
                    } else {
                        "error-date-format"
                    },
                );
                None
            }
        }
    };
    let urgency = Urgency::parse(p.get("urgency"));
    if urgency.is_none() {
        e.add("urgency", "error-required");
    }
    let sections = p
        .all("sections")
        .iter()
        .filter_map(|s| SharedSection::parse(s))
        .collect();
    // Consent is recorded when any of its fields is filled in; all are then needed.
    let consent_given = ["consent_date", "consent_method", "consent_purpose"]
        .iter()
        .any(|f| !p.get(f).trim().is_empty());
    let consent = if consent_given {
        let d = date(&mut e, "consent_date");
        let method = ConsentMethod::parse(p.get("consent_method"));
        if method.is_none() {
            e.add("consent_method", "error-required");
        }
        match (d, method) {
            (Some(date), Some(method)) => Some(ReferralConsent {
                date,
                method,
                purpose: p.get("consent_purpose").to_string(),
            }),
            _ => None,
        }
    } else {
        None
    };
    let override_given = p.get("override_reason").trim() != "";
    let consent_override = if override_given {
        let d = date(&mut e, "override_date");
        let reason = OverrideReason::parse(p.get("override_reason"));
        if reason.is_none() {
            e.add("override_reason", "error-choice");
        }
        match (d, reason) {
            (Some(date), Some(reason)) => Some(ConsentOverride {
                date,
                reason,
                professional: p.get("override_professional").trim().to_string(),
                justification: p.get("override_justification").trim().to_string(),
            }),
            _ => None,
        }
    } else {
        None
    };
    let plan_item = p.get("plan_item").split_once(':').and_then(|(v, k)| {
        Some(PlanItemRef {
            plan_version: v.parse().ok()?,
            item_key: k.parse().ok()?,
        })
    });
    (
        ReferralContent {
            reason: p.get("referral_reason").to_string(),
            urgency: urgency.unwrap_or(Urgency::Routine),
            sections,
            health_note: p.get("health_note").to_string(),
            protection_note: p.get("protection_note").to_string(),
            psychosocial_note: p.get("psychosocial_note").to_string(),
            plan_item,
            accompanied: p.get("accompanied") == "yes",
            consent,
            consent_override,
        },
        e,
    )
}

fn posted_content(c: &ReferralContent) -> Posted {
    let mut v = vec![
        ("referral_reason".to_string(), c.reason.clone()),
        ("urgency".to_string(), c.urgency.as_str().to_string()),
        ("health_note".to_string(), c.health_note.clone()),
        ("protection_note".to_string(), c.protection_note.clone()),
        ("psychosocial_note".to_string(), c.psychosocial_note.clone()),
    ];
    for s in &c.sections {
        v.push(("sections".into(), s.as_str().into()));
    }
    if c.accompanied {
        v.push(("accompanied".into(), "yes".into()));
    }
    if let Some(i) = c.plan_item {
        v.push((
            "plan_item".into(),
            format!("{}:{}", i.plan_version, i.item_key),
        ));
    }
    if let Some(k) = &c.consent {
        v.push(("consent_date".into(), k.date.to_string()));
        v.push(("consent_method".into(), k.method.as_str().into()));
        v.push(("consent_purpose".into(), k.purpose.clone()));
    }
    if let Some(o) = &c.consent_override {
        v.push(("override_date".into(), o.date.to_string()));
        v.push(("override_reason".into(), o.reason.as_str().into()));
        v.push(("override_professional".into(), o.professional.clone()));
        v.push(("override_justification".into(), o.justification.clone()));
    }
    Posted(v)
}

pub struct ReferralFormView {
    pub action: String,
    pub version: String,
    pub services: Vec<FieldView>,
    pub what: Vec<FieldView>,
    pub consent: Vec<FieldView>,
    pub exception: Vec<FieldView>,
    pub plan_item: String,
    pub has_errors: bool,
    /// Messages about fields this form does not show (the exception, for those who may not
    /// record it).
    pub other_errors: Vec<String>,
}

fn referral_form(
    tr: &Tr,
    p: &Posted,
    errors: &ValidationErrors,
    services: &[store::ServiceRecord],
    may_override: bool,
) -> ReferralFormView {
    let errs = error_map(tr, errors);
    let fb = FieldBuilder { tr, errors: &errs };
    let mut service = fb.select("service", p.get("service"), "", &[], true);
    service.choices.extend(services.iter().map(|s| Choice {
        value: s.id.to_string(),
        label: format!(
            "{} — {} ({}, {})",
            s.service.name,
            s.provider_name,
            tr.t_of("category", s.service.category.as_str()),
            s.service.place
        ),
        selected: p.get("service") == s.id.to_string(),
    }));
    let mut accompanied = fb.input("accompanied", "checkbox", "", false);
    accompanied.choices = vec![Choice {
        value: "yes".into(),
        label: tr.t("field-accompanied"),
        selected: p.get("accompanied") == "yes",
    }];
    let what = vec![
        fb.input(
            "referral_reason",
            "textarea",
            p.get("referral_reason"),
            true,
        ),
        fb.select(
            "urgency",
            p.get("urgency"),
            "urgency",
            &names(Urgency::ALL, Urgency::as_str),
            true,
        ),
        accompanied,
        fb.checkboxes(
            "sections",
            &p.all("sections"),
            "section",
            &names(&SharedSection::OPTIONAL, SharedSection::as_str),
        ),
        fb.input("health_note", "textarea", p.get("health_note"), false),
        fb.input(
            "protection_note",
            "textarea",
            p.get("protection_note"),
            false,
        ),
        fb.input(
            "psychosocial_note",
            "textarea",
            p.get("psychosocial_note"),
            false,
        ),
    ];
    let consent = vec![
        fb.input("consent_date", "date", p.get("consent_date"), false),
        fb.select(
            "consent_method",
            p.get("consent_method"),
            "method",
            &names(ConsentMethod::ALL, ConsentMethod::as_str),
            false,
        ),
        fb.input("consent_purpose", "text", p.get("consent_purpose"), false),
    ];
    let exception = if may_override {
        vec![
            fb.select(
                "override_reason",
                p.get("override_reason"),
                "override",
                &names(OverrideReason::ALL, OverrideReason::as_str),
                false,
            ),
            fb.input("override_date", "date", p.get("override_date"), false),
            fb.input(
                "override_professional",
                "text",
                p.get("override_professional"),
                false,
            ),
            fb.input(
                "override_justification",
                "textarea",
                p.get("override_justification"),
                false,
            ),
        ]
    } else {
        Vec::new()
    };
    let shown: Vec<&str> = [&service]
        .into_iter()
        .chain(&what)
        .chain(&consent)
        .chain(&exception)
        .map(|f| f.name.as_str())
        .collect();
    let other_errors = errors
        .0
        .iter()
        .filter(|e| !shown.contains(&e.field.as_str()))
        .map(|e| tr.t(e.code))
        .collect();
    ReferralFormView {
        other_errors,
        action: String::new(),
        version: p.get("version").to_string(),
        services: vec![service],
        what,
        consent,
        exception,
        plan_item: p.get("plan_item").to_string(),
        has_errors: !errors.is_empty(),
    }
}

// ---------------------------------------------------------------------------------------------
// A case's referrals

pub struct ReferralRow {
    pub href: String,
    pub service: String,
    pub provider: String,
    pub status: String,
    pub status_class: &'static str,
    pub sent: String,
    pub due: String,
    pub overdue: bool,
    pub name: String,
}

fn status_class(s: ReferralStatus) -> &'static str {
    match s {
        ReferralStatus::Completed => "state-done",
        ReferralStatus::Declined | ReferralStatus::Cancelled | ReferralStatus::ConsentWithdrawn => {
            "state-not-yet"
        }
        ReferralStatus::Draft => "state-not-yet",
        _ => "state-due",
    }
}

fn row(tr: &Tr, r: &ReferralRecord, href: String, name: String) -> ReferralRow {
    let overdue = is_overdue(r.status, r.answer_due, today());
    ReferralRow {
        href,
        service: r.service_name.clone(),
        provider: r.provider_name.clone(),
        status: tr.t_of("referral-status", r.status.as_str()),
        status_class: if overdue {
            "state-overdue"
        } else {
            status_class(r.status)
        },
        sent: r.sent_on.map(|d| d.to_string()).unwrap_or_default(),
        due: r.answer_due.map(|d| d.to_string()).unwrap_or_default(),
        overdue,
        name,
    }
}

#[derive(Template)]
#[template(path = "referrals.html")]
pub struct CaseReferralsPage {
    c: Chrome,
    id: String,
    name: String,
    number: String,
    urgent: Vec<super::pathway::UrgentView>,
    rows: Vec<ReferralRow>,
    show_names: bool,
    form: Option<ReferralFormView>,
    sop: Vec<DetailGroup>,
    feedback: Option<Vec<FieldView>>,
    feedback_errors: bool,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ReferQuery {
    service: String,
    plan_item: String,
    reason: String,
}

#[allow(clippy::too_many_arguments)]
async fn case_referrals_page(
    state: &AppState,
    tr: &Tr,
    caller: &Caller,
    case: &CaseRecord,
    posted: &Posted,
    errors: &ValidationErrors,
    feedback: &FeedbackForm,
    feedback_errors: &ValidationErrors,
) -> Result<CaseReferralsPage, AppError> {
    let actor = caller.actor();
    let can_update = authorize(&actor, Action::UpdateCase, Resource::Case(case.access())).is_ok();
    let referrals = rf::of_case_all(state, case.id).await?;
    let services = state.store.services().await?;
    let chosen = services
        .iter()
        .find(|s| s.id.to_string() == posted.get("service"));
    let mut form = can_update.then(|| {
        let may_override = authorize(
            &actor,
            Action::OverrideReferralConsent,
            Resource::Case(case.access()),
        )
        .is_ok();
        referral_form(tr, posted, errors, &services, may_override)
    });
    if let Some(f) = &mut form {
        f.action = format!("/cases/{}/referrals", case.id);
    }
    let feedback_view = can_update.then(|| {
        let errs = error_map(tr, feedback_errors);
        let fb = FieldBuilder { tr, errors: &errs };
        let mut service = fb.select("service", &feedback.service, "", &[], true);
        service.choices.extend(services.iter().map(|s| Choice {
            value: s.id.to_string(),
            label: format!("{} — {}", s.service.name, s.provider_name),
            selected: feedback.service == s.id.to_string(),
        }));
        vec![
            service,
            fb.input("comment", "textarea", &feedback.comment, true),
            fb.input("hours", "text", &feedback.hours, false),
            fb.input("waiting_time", "text", &feedback.waiting_time, false),
            fb.input("cost", "text", &feedback.cost, false),
            fb.input(
                "inclusion_criteria",
                "text",
                &feedback.inclusion_criteria,
                false,
            ),
            fb.input("transport", "text", &feedback.transport, false),
            fb.input("location_access", "text", &feedback.location_access, false),
        ]
    });
    let p = app::pathway::Pathway::load(state, case.clone()).await?;
    Ok(CaseReferralsPage {
        c: Chrome::new(state, tr.clone(), Some(caller)),
        id: case.id.to_string(),
        name: case.profile.full_name(),
        number: case.number.to_string(),
        urgent: super::pathway::urgent_views(tr, &p),
        rows: referrals
            .iter()
            .map(|r| {
                row(
                    tr,
                    r,
                    format!("/cases/{}/referrals/{}", case.id, r.id),
                    String::new(),
                )
            })
            .collect(),
        show_names: false,
        form,
        sop: chosen
            .map(|s| vec![sop_group(tr, &s.service)])
            .unwrap_or_default(),
        feedback: feedback_view,
        feedback_errors: !feedback_errors.is_empty(),
    })
}

pub async fn case_referrals(
    State(state): State<AppState>,
    tr: Tr,
    SignedIn(caller): SignedIn,
    Path(id): Path<String>,
    Query(q): Query<ReferQuery>,
) -> Result<Response, AppError> {
    let case = authorized_case(&state, &caller.actor(), &id, Action::ReadReferral).await?;
    let mut posted = Posted::default();
    posted.0.push(("service".into(), q.service));
    posted.0.push(("plan_item".into(), q.plan_item));
    posted.0.push(("referral_reason".into(), q.reason));
    posted.0.push(("urgency".into(), "routine".into()));
    let page = case_referrals_page(
        &state,
        &tr,
        &caller,
        &case,
        &posted,
        &ValidationErrors::new(),
        &FeedbackForm::default(),
        &ValidationErrors::new(),
    )
    .await?;
    render(&page)
}

fn merged(
    mut read: ValidationErrors,
    err: impl Into<AppError>,
) -> Result<ValidationErrors, AppError> {
    let err: AppError = err.into();
    if err.kind == ErrorKind::Validation {
        read.merge(err.fields);
        Ok(read)
    } else {
        Err(err)
    }
}

pub async fn create_referral(
    State(state): State<AppState>,
    tr: Tr,
    Path(id): Path<String>,
    CsrfForm { caller, form }: CsrfForm<Posted>,
) -> Result<Response, AppError> {
    let actor = caller.actor();
    let case = authorized_case(&state, &actor, &id, Action::UpdateCase).await?;
    let (content, read) = read_content(&form);
    let send = form.get("_action") == "send";
    let result = if read.is_empty() {
        rf::create(&state, &actor, &case, form.get("service"), content, send)
            .await
            .map_err(AppError::from)
    } else {
        Err(AppError::validation(ValidationErrors::new()))
    };
    match result {
        Ok(r) => {
            Ok(Redirect::to(&format!("/cases/{}/referrals/{}", case.id, r.id)).into_response())
        }
        Err(e) => {
            let errors = merged(read, e)?;
            let page = case_referrals_page(
                &state,
                &tr,
                &caller,
                &case,
                &form,
                &errors,
                &FeedbackForm::default(),
                &ValidationErrors::new(),
            )
            .await?;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
    }
}

/// A returnee's experience of a service, proposed as an update to the map.
pub async fn service_feedback(
    State(state): State<AppState>,
    tr: Tr,
    Path(id): Path<String>,
    CsrfForm { caller, form }: CsrfForm<FeedbackForm>,
) -> Result<Response, AppError> {
    let actor = caller.actor();
    let case = authorized_case(&state, &actor, &id, Action::UpdateCase).await?;
    match rf::propose_update(&state, &actor, &case, &form.service, form.feedback()).await {
        Ok(()) => Ok(Redirect::to(&format!(
            "/cases/{}/referrals?feedback=sent#feedback",
            case.id
        ))
        .into_response()),
        Err(e) => {
            let errors = merged(ValidationErrors::new(), e)?;
            let mut posted = Posted::default();
            posted.0.push(("urgency".into(), "routine".into()));
            let page = case_referrals_page(
                &state,
                &tr,
                &caller,
                &case,
                &posted,
                &ValidationErrors::new(),
                &form,
                &errors,
            )
            .await?;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
    }
}

// ---------------------------------------------------------------------------------------------
// One referral, for staff

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

fn event_views(tr: &Tr, events: &[store::ReferralEvent]) -> Vec<EventView> {
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

fn consent_rows(tr: &Tr, c: &ReferralContent) -> Vec<DetailRow> {
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
    c: Chrome,
    id: String,
    name: String,
    number: String,
    urgent: Vec<super::pathway::UrgentView>,
    referral_id: String,
    title: String,
    status: String,
    status_class: &'static str,
    overdue: bool,
    due: String,
    consent: Vec<DetailRow>,
    preview: Vec<DetailRow>,
    sop: Vec<DetailGroup>,
    events: Vec<EventView>,
    disclosures: Vec<EventView>,
    links: Vec<LinkView>,
    new_link: String,
    can_update: bool,
    can_respond: bool,
    staff_steps: Vec<Choice>,
    provider_steps: Vec<Choice>,
    shared: bool,
    draft_form: Option<ReferralFormView>,
    step_error: String,
    link_days: u16,
}

#[allow(clippy::too_many_arguments)]
async fn referral_page(
    state: &AppState,
    tr: &Tr,
    caller: &Caller,
    case: &CaseRecord,
    r: &ReferralRecord,
    new_link: String,
    draft: Option<(Posted, ValidationErrors)>,
    step_error: String,
) -> Result<ReferralPage, AppError> {
    let actor = caller.actor();
    let can_update = authorize(&actor, Action::UpdateCase, Resource::Case(case.access())).is_ok();
    let can_respond = authorize(
        &actor,
        Action::RespondReferral,
        Resource::Referral(r.access()),
    )
    .is_ok();
    let service = state.store.service(r.service).await?;
    let events = state.store.referral_events(r.id).await?;
    let links = state.store.referral_links(r.id).await?;
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
        today(),
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
        let services = state.store.services().await?;
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
    let overdue = is_overdue(r.status, r.answer_due, today());
    Ok(ReferralPage {
        c: Chrome::new(state, tr.clone(), Some(caller)),
        id: case.id.to_string(),
        name: case.profile.full_name(),
        number: case.number.to_string(),
        urgent: super::pathway::urgent_views(tr, &p),
        referral_id: r.id.to_string(),
        title: format!("{} — {}", r.service_name, r.provider_name),
        status: tr.t_of("referral-status", r.status.as_str()),
        status_class: if overdue {
            "state-overdue"
        } else {
            status_class(r.status)
        },
        overdue,
        due: r.answer_due.map(|d| d.to_string()).unwrap_or_default(),
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
                live: l.is_live(time::OffsetDateTime::now_utc()),
                state: if l.revoked_at.is_some() {
                    tr.t("link-revoked")
                } else if l.is_live(time::OffsetDateTime::now_utc()) {
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

async fn staff_referral(
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
    State(state): State<AppState>,
    tr: Tr,
    SignedIn(caller): SignedIn,
    Path((id, rid)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let (case, r) = staff_referral(&state, &caller, &id, &rid, Action::ReadReferral).await?;
    let page = referral_page(
        &state,
        &tr,
        &caller,
        &case,
        &r,
        String::new(),
        None,
        String::new(),
    )
    .await?;
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
                    let (status, message) = super::refused_change(&tr, e)?;
                    let page = referral_page(
                        &state,
                        &tr,
                        &caller,
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
                &state,
                &tr,
                &caller,
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

fn back(case: &CaseRecord, r: &ReferralRecord) -> Response {
    Redirect::to(&format!("/cases/{}/referrals/{}", case.id, r.id)).into_response()
}

/// The step chosen on a form: a provider's answer or a staff step, as the form offers.
fn chosen_step(s: &str, provider: bool) -> Result<ReferralStep, AppError> {
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
    step: String,
    note: String,
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
            let (status, message) = super::refused_change(&tr, e)?;
            let page = referral_page(
                &state,
                &tr,
                &caller,
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
    days: String,
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
            let host = headers
                .get(axum::http::header::HOST)
                .and_then(|h| h.to_str().ok())
                .unwrap_or("localhost");
            let scheme = if crate::auth::is_secure(&state, &headers) {
                "https"
            } else {
                "http"
            };
            let url = format!("{scheme}://{host}/r/{token}");
            let page =
                referral_page(&state, &tr, &caller, &case, &r, url, None, String::new()).await?;
            render(&page)
        }
        Err(e) => {
            let (status, message) = super::refused_change(&tr, e)?;
            let page = referral_page(
                &state,
                &tr,
                &caller,
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
    c: Chrome,
    title: String,
    provider: String,
    date: String,
    rows: Vec<DetailRow>,
    sop: Vec<DetailGroup>,
    number: String,
}

/// The printable slip the returnee takes to the provider: only the consented parts.
pub async fn referral_slip(
    State(state): State<AppState>,
    tr: Tr,
    SignedIn(caller): SignedIn,
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
    let service = state.store.service(r.service).await?;
    render(&SlipPage {
        c: Chrome::new(&state, tr.clone(), Some(&caller)),
        title: r.service_name.clone(),
        provider: r.provider_name.clone(),
        date: r.sent_on.unwrap_or_else(today).to_string(),
        rows: disclosure_rows(&tr, &d),
        sop: vec![sop_group(&tr, &service.service)],
        number: case.number.to_string(),
    })
}

// ---------------------------------------------------------------------------------------------
// Partners: their organisation's referrals

#[derive(Template)]
#[template(path = "partner_referrals.html")]
pub struct ReferralListPage {
    c: Chrome,
    rows: Vec<ReferralRow>,
    partner: bool,
    show_names: bool,
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
                    let n = state.store.case(r.case).await?.profile.full_name();
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
        rows.push(row(&tr, r, href, name));
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
    c: Chrome,
    title: String,
    status: String,
    rows: Vec<DetailRow>,
    sop: Vec<DetailGroup>,
    events: Vec<EventView>,
    steps: Vec<Choice>,
    action: String,
    error: String,
    via_link: bool,
    csrf_field: bool,
}

async fn provider_page(
    state: &AppState,
    tr: &Tr,
    caller: Option<&Caller>,
    r: &ReferralRecord,
    d: &Disclosure,
    action: String,
    error: String,
) -> Result<ProviderReferralPage, AppError> {
    let service = state.store.service(r.service).await?;
    let events = state.store.referral_events(r.id).await?;
    Ok(ProviderReferralPage {
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
            let (status, message) = super::refused_change(&tr, e)?;
            if partner {
                let d = rf::disclose(&state, Some(&actor), &r, Channel::PartnerView)
                    .await?
                    .ok_or(AppError::new(ErrorKind::Forbidden))?;
                let page =
                    provider_page(&state, &tr, Some(&caller), &r, &d, target, message).await?;
                render_status(status, &page)
            } else {
                let case = state.store.case(r.case).await?;
                let page = referral_page(
                    &state,
                    &tr,
                    &caller,
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

// ---------------------------------------------------------------------------------------------
// Providers without an account: the link

#[derive(Template)]
#[template(path = "link_gone.html")]
pub struct LinkGonePage {
    c: Chrome,
}

fn gone(state: &AppState, tr: &Tr) -> Result<Response, AppError> {
    render_status(
        StatusCode::NOT_FOUND,
        &LinkGonePage {
            c: Chrome::new(state, tr.clone(), None),
        },
    )
}

pub async fn link_view(
    State(state): State<AppState>,
    tr: Tr,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    let Some(r) = rf::by_link(&state, &token).await? else {
        return gone(&state, &tr);
    };
    let Some(d) = rf::disclose(&state, None, &r, Channel::LinkOpened).await? else {
        return gone(&state, &tr);
    };
    let page = provider_page(
        &state,
        &tr,
        None,
        &r,
        &d,
        format!("/r/{token}"),
        String::new(),
    )
    .await?;
    render(&page)
}

pub async fn link_respond(
    State(state): State<AppState>,
    tr: Tr,
    Path(token): Path<String>,
    axum::extract::Form(form): axum::extract::Form<StepForm>,
) -> Result<Response, AppError> {
    let Some(r) = rf::by_link(&state, &token).await? else {
        return gone(&state, &tr);
    };
    let result = match chosen_step(&form.step, true) {
        Ok(step) => rf::step_by_link(&state, &r, step, form.note)
            .await
            .map_err(AppError::from),
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/r/{token}")).into_response()),
        Err(e) => {
            let (status, message) = super::refused_change(&tr, e)?;
            let Some(d) = rf::disclose(&state, None, &r, Channel::LinkOpened).await? else {
                return gone(&state, &tr);
            };
            let page =
                provider_page(&state, &tr, None, &r, &d, format!("/r/{token}"), message).await?;
            render_status(status, &page)
        }
    }
}
