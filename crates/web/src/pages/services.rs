//! The service map and the stakeholder map: search, review-due list, provider and service
//! records with their referral procedure, proposals from returnees' feedback, and the
//! stakeholder grid. Forms arrive as name/value pairs so that whatever was typed can be shown
//! again when something needs fixing.

use std::collections::{BTreeMap, HashMap};

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use domain::ValidationErrors;
use domain::authz::{Action, Resource, authorize};
use domain::pathway::Dimension;
use domain::services::{
    AccessBarrier, FEEDBACK_FIELDS, PROVIDER_FIELDS, Provider, ProviderSector, QualityRating,
    Ratings, SERVICE_FIELDS, SOP_FIELDS, Service, ServiceCategory, ServiceQuery, TRUST_FIELD,
};
use domain::stakeholder::{
    MAX_SCORE, Priority, SENSITIVE_FIELDS, STAKEHOLDER_FIELDS, Stakeholder, StakeholderKind,
    StakeholderLevel, Stance,
};
use serde::Deserialize;

use super::{Chrome, CsrfForm, render, render_status, today};
use crate::AppState;
use crate::auth::{Caller, SignedIn};
use crate::error::{AppError, ErrorKind};
use crate::forms::{Choice, FieldBuilder, FieldView, Fieldset, error_map, names};
use crate::i18n::Tr;
use app::referrals as rf;

/// A posted form, as typed.
#[derive(Clone, Debug, Default)]
pub struct Posted(pub Vec<(String, String)>);

impl<'de> Deserialize<'de> for Posted {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Vec::<(String, String)>::deserialize(d).map(Posted)
    }
}

impl Posted {
    pub fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }
    pub fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .collect()
    }
    fn set(&mut self, name: &str, value: impl Into<String>) {
        self.0.push((name.to_string(), value.into()));
    }
    /// The free-text fields of `names` that were filled in.
    pub fn details(&self, names: &[&str]) -> BTreeMap<String, String> {
        names
            .iter()
            .map(|n| (n.to_string(), self.get(n).trim().to_string()))
            .filter(|(_, v)| !v.is_empty())
            .collect()
    }
    fn version(&self) -> Option<i64> {
        self.get("version").trim().parse().ok()
    }
}

fn yes_no(v: Option<bool>) -> &'static str {
    match v {
        Some(true) => "yes",
        Some(false) => "no",
        None => "",
    }
}

fn parse_yes_no(e: &mut ValidationErrors, field: &str, s: &str) -> Option<bool> {
    match s.trim() {
        "yes" => Some(true),
        "no" => Some(false),
        "" => None,
        _ => {
            e.add(field, "error-choice");
            None
        }
    }
}

fn parse_choice<T>(
    e: &mut ValidationErrors,
    field: &str,
    s: &str,
    parse: fn(&str) -> Option<T>,
    required: bool,
) -> Option<T> {
    if s.trim().is_empty() {
        if required {
            e.add(field, "error-required");
        }
        return None;
    }
    let v = parse(s);
    if v.is_none() {
        e.add(field, "error-choice");
    }
    v
}

/// What a save came to: the saved record, or the status and the messages to show next to what
/// was typed (errors found reading the form, `domain`'s, or a stale version). `saved` is `None`
/// when the form could not even be read.
fn outcome<T, E: Into<AppError>>(
    read: ValidationErrors,
    saved: Option<Result<T, E>>,
) -> Result<Result<T, (StatusCode, ValidationErrors)>, AppError> {
    crate::records::settle(read, saved.map(|r| r.map_err(Into::into)), "name")
}

pub struct DetailRow {
    pub label: String,
    pub value: String,
}

pub struct DetailGroup {
    pub title: String,
    pub rows: Vec<DetailRow>,
}

pub struct LinkRow {
    pub href: String,
    pub label: String,
    pub note: String,
}

pub struct ProposalView {
    pub id: String,
    pub service_id: String,
    pub service: String,
    pub comment: String,
    pub proposed: Vec<DetailRow>,
    pub status: String,
    pub pending: bool,
    pub by: String,
    pub decision: String,
}

/// One record of either map: what is known, related links, and the edit form for those who
/// may edit.
#[derive(Template)]
#[template(path = "map_record.html")]
pub struct RecordPage {
    c: Chrome,
    title: String,
    subtitle: String,
    back: String,
    back_label: String,
    groups: Vec<DetailGroup>,
    links_title: String,
    links: Vec<LinkRow>,
    add_link: Option<LinkRow>,
    proposals: Vec<ProposalView>,
    can_decide: bool,
    form: Option<RecordForm>,
}

pub struct RecordForm {
    pub action: String,
    pub version: String,
    pub fieldsets: Vec<Fieldset>,
    pub submit: String,
    pub has_errors: bool,
    pub open: bool,
}

// ---------------------------------------------------------------------------------------------
// Providers

fn provider_from(p: &Posted) -> (Provider, ValidationErrors) {
    let mut e = ValidationErrors::new();
    let sector = parse_choice(
        &mut e,
        "sector",
        p.get("sector"),
        ProviderSector::parse,
        false,
    );
    (
        Provider {
            name: p.get("name").to_string(),
            sector,
            details: p.details(&PROVIDER_FIELDS),
        },
        e,
    )
}

fn posted_provider(p: &Provider, version: i64) -> Posted {
    let mut f = Posted::default();
    f.set("name", p.name.clone());
    f.set("sector", p.sector.map(|s| s.as_str()).unwrap_or(""));
    for k in PROVIDER_FIELDS {
        f.set(k, p.detail(k));
    }
    f.set("version", version.to_string());
    f
}

fn provider_fieldsets(tr: &Tr, f: &Posted, errors: &ValidationErrors) -> Vec<Fieldset> {
    let errs = error_map(tr, errors);
    let fb = FieldBuilder { tr, errors: &errs };
    let mut fields = vec![
        fb.input("name", "text", f.get("name"), true),
        fb.select(
            "sector",
            f.get("sector"),
            "sector",
            &names(ProviderSector::ALL, ProviderSector::as_str),
            false,
        ),
    ];
    for k in PROVIDER_FIELDS {
        let kind = if k == "notes" { "textarea" } else { "text" };
        fields.push(fb.input(k, kind, f.get(k), false));
    }
    vec![Fieldset {
        legend: tr.t("provider-legend"),
        fields,
    }]
}

fn provider_groups(tr: &Tr, p: &Provider) -> Vec<DetailGroup> {
    let mut rows = vec![DetailRow {
        label: tr.t("field-sector"),
        value: p
            .sector
            .map(|s| tr.t_of("sector", s.as_str()))
            .unwrap_or_default(),
    }];
    for k in PROVIDER_FIELDS {
        rows.push(DetailRow {
            label: tr.t(&field_label(k)),
            value: p.detail(k).to_string(),
        });
    }
    vec![DetailGroup {
        title: tr.t("provider-legend"),
        rows,
    }]
}

fn field_label(name: &str) -> String {
    format!("field-{}", name.replace('_', "-"))
}

async fn provider_page(
    state: &AppState,
    tr: &Tr,
    caller: &Caller,
    id: &str,
    form: Option<(Posted, ValidationErrors)>,
) -> Result<RecordPage, AppError> {
    let actor = caller.actor();
    let rec = rf::provider(state, &actor, id).await?;
    let services = rf::services(state, &actor).await?;
    let can_manage = authorize(&actor, Action::ManageServices, Resource::Programme).is_ok();
    let has_errors = form.is_some();
    let (posted, errors) = form.unwrap_or_else(|| {
        (
            posted_provider(&rec.provider, rec.version),
            ValidationErrors::new(),
        )
    });
    Ok(RecordPage {
        c: Chrome::new(state, tr.clone(), Some(caller)),
        title: rec.provider.name.clone(),
        subtitle: tr.t("provider-title"),
        back: "/services".into(),
        back_label: tr.t("services-back"),
        groups: provider_groups(tr, &rec.provider),
        links_title: tr.t("provider-services"),
        links: services
            .iter()
            .filter(|s| s.provider == rec.id)
            .map(|s| LinkRow {
                href: format!("/services/{}", s.id),
                label: s.service.name.clone(),
                note: tr.t_of("category", s.service.category.as_str()),
            })
            .collect(),
        add_link: can_manage.then(|| LinkRow {
            href: format!("/services/new?provider={}", rec.id),
            label: tr.t("services-add"),
            note: String::new(),
        }),
        proposals: Vec::new(),
        can_decide: false,
        form: can_manage.then(|| RecordForm {
            action: format!("/providers/{}", rec.id),
            version: posted.get("version").to_string(),
            fieldsets: provider_fieldsets(tr, &posted, &errors),
            submit: tr.t("map-save"),
            has_errors,
            open: has_errors,
        }),
    })
}

pub async fn provider_view(
    State(state): State<AppState>,
    tr: Tr,
    SignedIn(caller): SignedIn,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    render(&provider_page(&state, &tr, &caller, &id, None).await?)
}

pub async fn provider_save(
    State(state): State<AppState>,
    tr: Tr,
    Path(id): Path<String>,
    CsrfForm { caller, form }: CsrfForm<Posted>,
) -> Result<Response, AppError> {
    let actor = caller.actor();
    authorize(&actor, Action::ManageServices, Resource::Programme)?;
    let pid = rf::parse_id(&id)?;
    let (p, read) = provider_from(&form);
    let saved = if read.is_empty() {
        Some(rf::save_provider(&state, &actor, Some(pid), form.version(), p).await)
    } else {
        None
    };
    match outcome(read, saved)? {
        Ok(_) => Ok(Redirect::to(&format!("/providers/{id}")).into_response()),
        Err((status, errors)) => {
            let page = provider_page(&state, &tr, &caller, &id, Some((form, errors))).await?;
            render_status(status, &page)
        }
    }
}

#[derive(Template)]
#[template(path = "map_form.html")]
pub struct NewRecordPage {
    c: Chrome,
    title: String,
    back: String,
    back_label: String,
    form: RecordForm,
}

fn new_provider_page(
    state: &AppState,
    tr: &Tr,
    caller: &Caller,
    posted: &Posted,
    errors: &ValidationErrors,
) -> NewRecordPage {
    NewRecordPage {
        c: Chrome::new(state, tr.clone(), Some(caller)),
        title: tr.t("provider-new"),
        back: "/services".into(),
        back_label: tr.t("services-back"),
        form: RecordForm {
            action: "/providers".into(),
            version: String::new(),
            fieldsets: provider_fieldsets(tr, posted, errors),
            submit: tr.t("map-save"),
            has_errors: !errors.is_empty(),
            open: true,
        },
    }
}

pub async fn provider_new(
    State(state): State<AppState>,
    tr: Tr,
    SignedIn(caller): SignedIn,
) -> Result<Response, AppError> {
    authorize(&caller.actor(), Action::ManageServices, Resource::Programme)?;
    render(&new_provider_page(
        &state,
        &tr,
        &caller,
        &Posted::default(),
        &ValidationErrors::new(),
    ))
}

pub async fn provider_create(
    State(state): State<AppState>,
    tr: Tr,
    CsrfForm { caller, form }: CsrfForm<Posted>,
) -> Result<Response, AppError> {
    let actor = caller.actor();
    authorize(&actor, Action::ManageServices, Resource::Programme)?;
    let (p, read) = provider_from(&form);
    let saved = if read.is_empty() {
        Some(rf::save_provider(&state, &actor, None, None, p).await)
    } else {
        None
    };
    match outcome(read, saved)? {
        Ok(rec) => Ok(Redirect::to(&format!("/providers/{}", rec.id)).into_response()),
        Err((status, errors)) => render_status(
            status,
            &new_provider_page(&state, &tr, &caller, &form, &errors),
        ),
    }
}

// ---------------------------------------------------------------------------------------------
// Services

fn service_from(p: &Posted) -> (Service, ValidationErrors) {
    let mut e = ValidationErrors::new();
    let category = parse_choice(
        &mut e,
        "category",
        p.get("category"),
        ServiceCategory::parse,
        true,
    );
    let mut details = p.details(&SERVICE_FIELDS);
    details.extend(p.details(&[TRUST_FIELD]));
    details.extend(p.details(&SOP_FIELDS));
    let barriers = p
        .all("barriers")
        .iter()
        .filter_map(|b| {
            let v = AccessBarrier::parse(b);
            if v.is_none() {
                e.add("barriers", "error-choice");
            }
            v
        })
        .collect();
    let ratings = Ratings {
        available: parse_yes_no(&mut e, "available", p.get("available")),
        quality: parse_choice(
            &mut e,
            "quality",
            p.get("quality"),
            QualityRating::parse,
            false,
        ),
        accessible: parse_yes_no(&mut e, "accessible", p.get("accessible")),
    };
    let answer_days = match p.get("answer_days").trim() {
        "" => None,
        s => match s.parse::<u16>() {
            Ok(d) => Some(d),
            Err(_) => {
                e.add("answer_days", "error-answer-days");
                None
            }
        },
    };
    let verified_on = match p.get("verified_on").trim() {
        "" => None,
        s => {
            let d = domain::case::date::parse(s);
            if d.is_none() {
                e.add("verified_on", "error-date-format");
            }
            d
        }
    };
    let service = Service {
        name: p.get("name").to_string(),
        category: category.unwrap_or(ServiceCategory::Health),
        place: p.get("area").to_string(),
        languages: p.get("languages").split(',').map(str::to_string).collect(),
        details,
        barriers,
        ratings,
        serves_returnees: parse_yes_no(&mut e, "serves_returnees", p.get("serves_returnees"))
            .unwrap_or(true),
        open_to_local_population: parse_yes_no(
            &mut e,
            "open_to_local_population",
            p.get("open_to_local_population"),
        )
        .unwrap_or(true),
        answer_days,
        verified_on,
        verified_by: p.get("verified_by").trim().to_string(),
    };
    (service, e)
}

fn posted_service(provider: &str, s: &Service, version: Option<i64>) -> Posted {
    let mut f = Posted::default();
    f.set("provider", provider);
    f.set("name", s.name.clone());
    f.set("category", s.category.as_str());
    f.set("area", s.place.clone());
    f.set("languages", s.languages.join(", "));
    for (k, v) in &s.details {
        f.set(k, v.clone());
    }
    for b in &s.barriers {
        f.set("barriers", b.as_str());
    }
    f.set("available", yes_no(s.ratings.available));
    f.set(
        "quality",
        s.ratings.quality.map(|q| q.as_str()).unwrap_or(""),
    );
    f.set("accessible", yes_no(s.ratings.accessible));
    f.set("serves_returnees", yes_no(Some(s.serves_returnees)));
    f.set(
        "open_to_local_population",
        yes_no(Some(s.open_to_local_population)),
    );
    f.set(
        "answer_days",
        s.answer_days.map(|d| d.to_string()).unwrap_or_default(),
    );
    f.set(
        "verified_on",
        s.verified_on.map(|d| d.to_string()).unwrap_or_default(),
    );
    f.set("verified_by", s.verified_by.clone());
    if let Some(v) = version {
        f.set("version", v.to_string());
    }
    f
}

fn service_fieldsets(
    tr: &Tr,
    f: &Posted,
    errors: &ValidationErrors,
    providers: &[store::ProviderRecord],
) -> Vec<Fieldset> {
    let errs = error_map(tr, errors);
    let fb = FieldBuilder { tr, errors: &errs };
    let mut provider = fb.select("provider", f.get("provider"), "", &[], true);
    provider.choices.extend(providers.iter().map(|p| Choice {
        value: p.id.to_string(),
        label: p.provider.name.clone(),
        selected: f.get("provider") == p.id.to_string(),
    }));
    let mut what = vec![
        provider,
        fb.input("name", "text", f.get("name"), true),
        fb.select(
            "category",
            f.get("category"),
            "category",
            &names(ServiceCategory::ALL, ServiceCategory::as_str),
            true,
        ),
        fb.input("area", "text", f.get("area"), true),
        fb.input("languages", "text", f.get("languages"), false),
    ];
    for k in SERVICE_FIELDS {
        what.push(fb.input(k, "textarea", f.get(k), false));
    }
    let access = vec![
        fb.checkboxes(
            "barriers",
            &f.all("barriers"),
            "barrier",
            &names(AccessBarrier::ALL, AccessBarrier::as_str),
        ),
        fb.yes_no("available", f.get("available")),
        fb.select(
            "quality",
            f.get("quality"),
            "quality",
            &names(QualityRating::ALL, QualityRating::as_str),
            false,
        ),
        fb.yes_no("accessible", f.get("accessible")),
        fb.yes_no("serves_returnees", f.get("serves_returnees")),
        fb.yes_no(
            "open_to_local_population",
            f.get("open_to_local_population"),
        ),
        fb.input(TRUST_FIELD, "textarea", f.get(TRUST_FIELD), false),
    ];
    let mut sop = vec![fb.input("answer_days", "number", f.get("answer_days"), false)];
    for k in SOP_FIELDS {
        sop.push(fb.input(k, "textarea", f.get(k), false));
    }
    let checked = vec![
        fb.input("verified_on", "date", f.get("verified_on"), false),
        fb.input("verified_by", "text", f.get("verified_by"), false),
    ];
    vec![
        Fieldset {
            legend: tr.t("service-legend-what"),
            fields: what,
        },
        Fieldset {
            legend: tr.t("service-legend-access"),
            fields: access,
        },
        Fieldset {
            legend: tr.t("service-legend-sop"),
            fields: sop,
        },
        Fieldset {
            legend: tr.t("service-legend-checked"),
            fields: checked,
        },
    ]
}

fn rows(tr: &Tr, s: &Service, names: &[&str]) -> Vec<DetailRow> {
    names
        .iter()
        .map(|k| DetailRow {
            label: tr.t(&field_label(k)),
            value: s.detail(k).to_string(),
        })
        .collect()
}

fn answer(tr: &Tr, v: Option<bool>) -> String {
    match v {
        Some(b) => tr.t_of("answer", yes_no(Some(b))),
        None => tr.t("not-rated"),
    }
}

/// How a service's record reads, grouped as on its form.
pub fn service_groups(tr: &Tr, s: &store::ServiceRecord) -> Vec<DetailGroup> {
    let v = &s.service;
    let mut what = vec![
        DetailRow {
            label: tr.t("field-provider"),
            value: s.provider_name.clone(),
        },
        DetailRow {
            label: tr.t("field-category"),
            value: format!(
                "{} ({})",
                tr.t_of("category", v.category.as_str()),
                tr.t_of("dimension", v.dimension().as_str())
            ),
        },
        DetailRow {
            label: tr.t("field-area"),
            value: v.place.clone(),
        },
        DetailRow {
            label: tr.t("field-languages"),
            value: v.languages.join(", "),
        },
    ];
    what.extend(rows(tr, v, &SERVICE_FIELDS));
    let gap = v
        .ratings
        .gap()
        .map(|g| tr.t_of("gap", g.as_str()))
        .unwrap_or_else(|| tr.t("not-rated"));
    let mut access = vec![
        DetailRow {
            label: tr.t("field-barriers"),
            value: v
                .barriers
                .iter()
                .map(|b| tr.t_of("barrier", b.as_str()))
                .collect::<Vec<_>>()
                .join(", "),
        },
        DetailRow {
            label: tr.t("field-available"),
            value: answer(tr, v.ratings.available),
        },
        DetailRow {
            label: tr.t("field-quality"),
            value: v
                .ratings
                .quality
                .map(|q| tr.t_of("quality", q.as_str()))
                .unwrap_or_else(|| tr.t("not-rated")),
        },
        DetailRow {
            label: tr.t("field-accessible"),
            value: answer(tr, v.ratings.accessible),
        },
        DetailRow {
            label: tr.t("service-gap"),
            value: gap,
        },
        DetailRow {
            label: tr.t("field-serves-returnees"),
            value: answer(tr, Some(v.serves_returnees)),
        },
        DetailRow {
            label: tr.t("field-open-to-local-population"),
            value: answer(tr, Some(v.open_to_local_population)),
        },
    ];
    access.extend(rows(tr, v, &[TRUST_FIELD]));
    let checked = vec![
        DetailRow {
            label: tr.t("field-verified-on"),
            value: v.verified_on.map(|d| d.to_string()).unwrap_or_default(),
        },
        DetailRow {
            label: tr.t("field-verified-by"),
            value: v.verified_by.clone(),
        },
        DetailRow {
            label: tr.t("service-review-due"),
            value: v
                .review_due()
                .map(|d| d.to_string())
                .unwrap_or_else(|| tr.t("service-never-checked")),
        },
    ];
    vec![
        DetailGroup {
            title: tr.t("service-legend-what"),
            rows: what,
        },
        DetailGroup {
            title: tr.t("service-legend-access"),
            rows: access,
        },
        sop_group(tr, v),
        DetailGroup {
            title: tr.t("service-legend-checked"),
            rows: checked,
        },
    ]
}

/// The referral procedure agreed with a service, as shown when referring and to the provider.
pub fn sop_group(tr: &Tr, v: &Service) -> DetailGroup {
    let mut rows = vec![DetailRow {
        label: tr.t("field-answer-days"),
        value: tr.t1("service-answer-days", "days", v.answer_days()),
    }];
    rows.extend(self::rows(tr, v, &SOP_FIELDS));
    DetailGroup {
        title: tr.t("service-legend-sop"),
        rows,
    }
}

fn proposal_view(tr: &Tr, u: &store::ServiceUpdateRecord) -> ProposalView {
    ProposalView {
        id: u.id.to_string(),
        service_id: u.service.to_string(),
        service: u.service_name.clone(),
        comment: u.feedback.comment.clone(),
        proposed: u
            .feedback
            .proposed
            .iter()
            .map(|(k, v)| DetailRow {
                label: tr.t(&field_label(k)),
                value: v.clone(),
            })
            .collect(),
        status: tr.t_of("proposal", u.status.as_str()),
        pending: u.status == domain::services::ProposalStatus::Pending,
        by: u.proposed_by_name.clone().unwrap_or_default(),
        decision: u.decision_note.clone().unwrap_or_default(),
    }
}

async fn service_page(
    state: &AppState,
    tr: &Tr,
    caller: &Caller,
    id: &str,
    form: Option<(Posted, ValidationErrors)>,
) -> Result<RecordPage, AppError> {
    let actor = caller.actor();
    let rec = rf::service(state, &actor, id).await?;
    let can_manage = authorize(&actor, Action::ManageServices, Resource::Programme).is_ok();
    let proposals = state.store.service_updates(Some(rec.id)).await?;
    let has_errors = form.is_some();
    let (posted, errors) = form.unwrap_or_else(|| {
        (
            posted_service(&rec.provider.to_string(), &rec.service, Some(rec.version)),
            ValidationErrors::new(),
        )
    });
    let form = if can_manage {
        let providers = state.store.providers().await?;
        Some(RecordForm {
            action: format!("/services/{}", rec.id),
            version: posted.get("version").to_string(),
            fieldsets: service_fieldsets(tr, &posted, &errors, &providers),
            submit: tr.t("map-save"),
            has_errors,
            open: has_errors,
        })
    } else {
        None
    };
    Ok(RecordPage {
        c: Chrome::new(state, tr.clone(), Some(caller)),
        title: rec.service.name.clone(),
        subtitle: rec.provider_name.clone(),
        back: "/services".into(),
        back_label: tr.t("services-back"),
        groups: service_groups(tr, &rec),
        links_title: String::new(),
        links: vec![LinkRow {
            href: format!("/providers/{}", rec.provider),
            label: rec.provider_name.clone(),
            note: tr.t("provider-title"),
        }],
        add_link: None,
        proposals: proposals.iter().map(|u| proposal_view(tr, u)).collect(),
        can_decide: can_manage,
        form,
    })
}

pub async fn service_view(
    State(state): State<AppState>,
    tr: Tr,
    SignedIn(caller): SignedIn,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    render(&service_page(&state, &tr, &caller, &id, None).await?)
}

pub async fn service_save(
    State(state): State<AppState>,
    tr: Tr,
    Path(id): Path<String>,
    CsrfForm { caller, form }: CsrfForm<Posted>,
) -> Result<Response, AppError> {
    let actor = caller.actor();
    authorize(&actor, Action::ManageServices, Resource::Programme)?;
    let sid = rf::parse_id(&id)?;
    let (s, read) = service_from(&form);
    let saved = if read.is_empty() {
        Some(
            rf::save_service(
                &state,
                &actor,
                Some(sid),
                form.get("provider"),
                form.version(),
                s,
            )
            .await,
        )
    } else {
        None
    };
    match outcome(read, saved)? {
        Ok(_) => Ok(Redirect::to(&format!("/services/{id}")).into_response()),
        Err((status, errors)) => {
            let page = service_page(&state, &tr, &caller, &id, Some((form, errors))).await?;
            render_status(status, &page)
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NewServiceQuery {
    provider: String,
}

async fn new_service_page(
    state: &AppState,
    tr: &Tr,
    caller: &Caller,
    posted: &Posted,
    errors: &ValidationErrors,
) -> Result<NewRecordPage, AppError> {
    let providers = state.store.providers().await?;
    Ok(NewRecordPage {
        c: Chrome::new(state, tr.clone(), Some(caller)),
        title: tr.t("services-add"),
        back: "/services".into(),
        back_label: tr.t("services-back"),
        form: RecordForm {
            action: "/services".into(),
            version: String::new(),
            fieldsets: service_fieldsets(tr, posted, errors, &providers),
            submit: tr.t("map-save"),
            has_errors: !errors.is_empty(),
            open: true,
        },
    })
}

pub async fn service_new(
    State(state): State<AppState>,
    tr: Tr,
    SignedIn(caller): SignedIn,
    Query(q): Query<NewServiceQuery>,
) -> Result<Response, AppError> {
    authorize(&caller.actor(), Action::ManageServices, Resource::Programme)?;
    let mut posted = Posted::default();
    posted.set("provider", q.provider);
    posted.set("serves_returnees", "yes");
    posted.set("open_to_local_population", "yes");
    render(&new_service_page(&state, &tr, &caller, &posted, &ValidationErrors::new()).await?)
}

pub async fn service_create(
    State(state): State<AppState>,
    tr: Tr,
    CsrfForm { caller, form }: CsrfForm<Posted>,
) -> Result<Response, AppError> {
    let actor = caller.actor();
    authorize(&actor, Action::ManageServices, Resource::Programme)?;
    let (s, read) = service_from(&form);
    let saved = if read.is_empty() {
        Some(rf::save_service(&state, &actor, None, form.get("provider"), None, s).await)
    } else {
        None
    };
    match outcome(read, saved)? {
        Ok(rec) => Ok(Redirect::to(&format!("/services/{}", rec.id)).into_response()),
        Err((status, errors)) => {
            let page = new_service_page(&state, &tr, &caller, &form, &errors).await?;
            render_status(status, &page)
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DecideForm {
    decision: String,
    note: String,
}

pub async fn decide_update(
    State(state): State<AppState>,
    Path((_service, update)): Path<(String, String)>,
    CsrfForm { caller, form }: CsrfForm<DecideForm>,
) -> Result<Response, AppError> {
    let accept = match form.decision.as_str() {
        "accept" => true,
        "reject" => false,
        _ => {
            authorize(&caller.actor(), Action::ManageServices, Resource::Programme)?;
            return Err(AppError::with_detail(
                ErrorKind::BadRequest,
                "decision must be accept or reject",
            ));
        }
    };
    let service = rf::decide_update(
        &state,
        &caller.actor(),
        &update,
        accept,
        form.note,
        &caller.user.display_name,
    )
    .await?;
    Ok(Redirect::to(&format!("/services/{service}#proposals")).into_response())
}

// ---------------------------------------------------------------------------------------------
// The map and its search

pub struct ServiceRow {
    pub href: String,
    pub name: String,
    pub provider: String,
    pub category: String,
    pub place: String,
    pub languages: String,
    pub gap: String,
    pub gap_class: &'static str,
    pub answer_days: u16,
    pub review: String,
    pub review_due: bool,
}

#[derive(Template)]
#[template(path = "services.html")]
pub struct ServicesPage {
    c: Chrome,
    search: Vec<FieldView>,
    rows: Vec<ServiceRow>,
    review: Vec<ServiceRow>,
    proposals: Vec<ProposalView>,
    providers: Vec<LinkRow>,
    can_manage: bool,
    searched: bool,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SearchForm {
    category: String,
    dimension: String,
    area: String,
    language: String,
}

impl SearchForm {
    pub fn query(&self) -> ServiceQuery {
        let text = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
        ServiceQuery {
            category: ServiceCategory::parse(&self.category),
            dimension: Dimension::parse(&self.dimension),
            place: text(&self.area),
            language: text(&self.language),
        }
    }
    pub fn fields(&self, tr: &Tr) -> Vec<FieldView> {
        let errs = HashMap::new();
        let fb = FieldBuilder { tr, errors: &errs };
        vec![
            fb.select(
                "category",
                &self.category,
                "category",
                &names(ServiceCategory::ALL, ServiceCategory::as_str),
                false,
            ),
            fb.select(
                "dimension",
                &self.dimension,
                "dimension",
                &names(Dimension::ALL, Dimension::as_str),
                false,
            ),
            fb.input("area", "text", &self.area, false),
            fb.input("language", "text", &self.language, false),
        ]
    }
}

pub fn service_row(tr: &Tr, s: &store::ServiceRecord) -> ServiceRow {
    let v = &s.service;
    let gap = v.ratings.gap();
    ServiceRow {
        href: format!("/services/{}", s.id),
        name: v.name.clone(),
        provider: s.provider_name.clone(),
        category: tr.t_of("category", v.category.as_str()),
        place: v.place.clone(),
        languages: v.languages.join(", "),
        gap: gap
            .map(|g| tr.t_of("gap", g.as_str()))
            .unwrap_or_else(|| tr.t("not-rated")),
        gap_class: match gap {
            Some(domain::services::GapPattern::NoGap) => "state-done",
            Some(_) => "state-overdue",
            None => "state-not-yet",
        },
        answer_days: v.answer_days(),
        review: v
            .review_due()
            .map(|d| d.to_string())
            .unwrap_or_else(|| tr.t("service-never-checked")),
        review_due: v.needs_review(today()),
    }
}

pub async fn services_page(
    State(state): State<AppState>,
    tr: Tr,
    SignedIn(caller): SignedIn,
    Query(q): Query<SearchForm>,
) -> Result<Response, AppError> {
    let actor = caller.actor();
    let all = rf::services(&state, &actor).await?;
    let query = q.query();
    let can_manage = authorize(&actor, Action::ManageServices, Resource::Programme).is_ok();
    let proposals = if can_manage {
        state
            .store
            .service_updates(None)
            .await?
            .iter()
            .filter(|u| u.status == domain::services::ProposalStatus::Pending)
            .map(|u| proposal_view(&tr, u))
            .collect()
    } else {
        Vec::new()
    };
    let providers = rf::providers(&state, &actor)
        .await?
        .into_iter()
        .map(|p| LinkRow {
            href: format!("/providers/{}", p.id),
            label: p.provider.name.clone(),
            note: p
                .provider
                .sector
                .map(|s| tr.t_of("sector", s.as_str()))
                .unwrap_or_default(),
        })
        .collect();
    let page = ServicesPage {
        c: Chrome::new(&state, tr.clone(), Some(&caller)),
        search: q.fields(&tr),
        rows: all
            .iter()
            .filter(|s| s.service.matches(&query))
            .map(|s| service_row(&tr, s))
            .collect(),
        review: all
            .iter()
            .filter(|s| s.service.needs_review(today()))
            .map(|s| service_row(&tr, s))
            .collect(),
        proposals,
        providers,
        can_manage,
        searched: query != ServiceQuery::default(),
    };
    render(&page)
}

// ---------------------------------------------------------------------------------------------
// Stakeholders

fn stakeholder_from(p: &Posted) -> (Stakeholder, ValidationErrors) {
    let mut e = ValidationErrors::new();
    let kind = parse_choice(&mut e, "kind", p.get("kind"), StakeholderKind::parse, true);
    let level = parse_choice(
        &mut e,
        "level",
        p.get("level"),
        StakeholderLevel::parse,
        true,
    );
    let score = |e: &mut ValidationErrors, f: &str| match p.get(f).trim().parse::<u8>() {
        Ok(v) => v,
        Err(_) => {
            e.add(f, "error-score-1-5");
            1
        }
    };
    let influence = score(&mut e, "influence");
    let interest = score(&mut e, "interest");
    let s = Stakeholder {
        name: p.get("name").to_string(),
        kind: kind.unwrap_or(StakeholderKind::Ngo),
        level: level.unwrap_or(StakeholderLevel::Local),
        sector: p.get("sector_text").to_string(),
        place: p.get("area").to_string(),
        influence,
        interest,
        stance: parse_choice(&mut e, "stance", p.get("stance"), Stance::parse, false),
        priority: parse_choice(
            &mut e,
            "priority",
            p.get("priority"),
            Priority::parse,
            false,
        ),
        capacity_adequate: parse_yes_no(&mut e, "capacity_adequate", p.get("capacity_adequate")),
        details: p.details(&STAKEHOLDER_FIELDS),
        sensitive: p.details(&SENSITIVE_FIELDS),
    };
    (s, e)
}

fn posted_stakeholder(s: &Stakeholder, version: i64) -> Posted {
    let mut f = Posted::default();
    f.set("name", s.name.clone());
    f.set("kind", s.kind.as_str());
    f.set("level", s.level.as_str());
    f.set("sector_text", s.sector.clone());
    f.set("area", s.place.clone());
    f.set("influence", s.influence.to_string());
    f.set("interest", s.interest.to_string());
    f.set("stance", s.stance.map(|x| x.as_str()).unwrap_or(""));
    f.set("priority", s.priority.map(|x| x.as_str()).unwrap_or(""));
    f.set("capacity_adequate", yes_no(s.capacity_adequate));
    for (k, v) in s.details.iter().chain(&s.sensitive) {
        f.set(k, v.clone());
    }
    f.set("version", version.to_string());
    f
}

fn stakeholder_fieldsets(
    tr: &Tr,
    f: &Posted,
    errors: &ValidationErrors,
    sensitive: bool,
) -> Vec<Fieldset> {
    let errs = error_map(tr, errors);
    let fb = FieldBuilder { tr, errors: &errs };
    let scores: Vec<String> = (1..=MAX_SCORE).map(|v| v.to_string()).collect();
    let score_refs: Vec<&str> = scores.iter().map(String::as_str).collect();
    let mut who = vec![
        fb.input("name", "text", f.get("name"), true),
        fb.select(
            "kind",
            f.get("kind"),
            "stakeholder-kind",
            &names(StakeholderKind::ALL, StakeholderKind::as_str),
            true,
        ),
        fb.select(
            "level",
            f.get("level"),
            "stakeholder-level",
            &names(StakeholderLevel::ALL, StakeholderLevel::as_str),
            true,
        ),
        fb.input("sector_text", "text", f.get("sector_text"), false),
        fb.input("area", "text", f.get("area"), false),
        fb.select("influence", f.get("influence"), "score", &score_refs, true),
        fb.select("interest", f.get("interest"), "score", &score_refs, true),
        fb.select(
            "priority",
            f.get("priority"),
            "priority",
            &names(Priority::ALL, Priority::as_str),
            false,
        ),
        fb.yes_no("capacity_adequate", f.get("capacity_adequate")),
    ];
    for k in STAKEHOLDER_FIELDS {
        who.push(fb.input(k, "textarea", f.get(k), false));
    }
    let mut sets = vec![Fieldset {
        legend: tr.t("stakeholder-legend"),
        fields: who,
    }];
    if sensitive {
        let mut fields = vec![fb.select(
            "stance",
            f.get("stance"),
            "stance",
            &names(Stance::ALL, Stance::as_str),
            false,
        )];
        for k in SENSITIVE_FIELDS {
            fields.push(fb.input(k, "textarea", f.get(k), false));
        }
        sets.push(Fieldset {
            legend: tr.t("stakeholder-legend-sensitive"),
            fields,
        });
    }
    sets
}

fn stakeholder_groups(tr: &Tr, s: &Stakeholder, sensitive: bool) -> Vec<DetailGroup> {
    let mut rows = vec![
        DetailRow {
            label: tr.t("field-kind"),
            value: tr.t_of("stakeholder-kind", s.kind.as_str()),
        },
        DetailRow {
            label: tr.t("field-level"),
            value: tr.t_of("stakeholder-level", s.level.as_str()),
        },
        DetailRow {
            label: tr.t("field-sector-text"),
            value: s.sector.clone(),
        },
        DetailRow {
            label: tr.t("field-area"),
            value: s.place.clone(),
        },
        DetailRow {
            label: tr.t("field-influence"),
            value: s.influence.to_string(),
        },
        DetailRow {
            label: tr.t("field-interest"),
            value: s.interest.to_string(),
        },
        DetailRow {
            label: tr.t("stakeholder-engagement"),
            value: tr.t_of("engagement", s.engagement().as_str()),
        },
        DetailRow {
            label: tr.t("field-priority"),
            value: s
                .priority
                .map(|p| tr.t_of("priority", p.as_str()))
                .unwrap_or_default(),
        },
        DetailRow {
            label: tr.t("field-capacity-adequate"),
            value: s
                .capacity_adequate
                .map(|b| tr.t_of("answer", yes_no(Some(b))))
                .unwrap_or_default(),
        },
    ];
    rows.extend(STAKEHOLDER_FIELDS.iter().map(|k| DetailRow {
        label: tr.t(&field_label(k)),
        value: s.detail(k).to_string(),
    }));
    let mut groups = vec![DetailGroup {
        title: tr.t("stakeholder-legend"),
        rows,
    }];
    if sensitive {
        let mut rows = vec![DetailRow {
            label: tr.t("field-stance"),
            value: s
                .stance
                .map(|x| tr.t_of("stance", x.as_str()))
                .unwrap_or_default(),
        }];
        rows.extend(SENSITIVE_FIELDS.iter().map(|k| DetailRow {
            label: tr.t(&field_label(k)),
            value: s.detail(k).to_string(),
        }));
        groups.push(DetailGroup {
            title: tr.t("stakeholder-legend-sensitive"),
            rows,
        });
    }
    groups
}

async fn stakeholder_page(
    state: &AppState,
    tr: &Tr,
    caller: &Caller,
    id: &str,
    form: Option<(Posted, ValidationErrors)>,
) -> Result<RecordPage, AppError> {
    let actor = caller.actor();
    let (rec, sensitive) = rf::stakeholder(state, &actor, id).await?;
    let can_manage = authorize(&actor, Action::ManageStakeholders, Resource::Programme).is_ok();
    let has_errors = form.is_some();
    let (posted, errors) = form.unwrap_or_else(|| {
        (
            posted_stakeholder(&rec.stakeholder, rec.version),
            ValidationErrors::new(),
        )
    });
    Ok(RecordPage {
        c: Chrome::new(state, tr.clone(), Some(caller)),
        title: rec.stakeholder.name.clone(),
        subtitle: tr.t("stakeholder-title"),
        back: "/stakeholders".into(),
        back_label: tr.t("stakeholders-back"),
        groups: stakeholder_groups(tr, &rec.stakeholder, sensitive),
        links_title: String::new(),
        links: Vec::new(),
        add_link: None,
        proposals: Vec::new(),
        can_decide: false,
        form: can_manage.then(|| RecordForm {
            action: format!("/stakeholders/{}", rec.id),
            version: posted.get("version").to_string(),
            fieldsets: stakeholder_fieldsets(tr, &posted, &errors, sensitive),
            submit: tr.t("map-save"),
            has_errors,
            open: has_errors,
        }),
    })
}

pub async fn stakeholder_view(
    State(state): State<AppState>,
    tr: Tr,
    SignedIn(caller): SignedIn,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    render(&stakeholder_page(&state, &tr, &caller, &id, None).await?)
}

pub async fn stakeholder_save(
    State(state): State<AppState>,
    tr: Tr,
    Path(id): Path<String>,
    CsrfForm { caller, form }: CsrfForm<Posted>,
) -> Result<Response, AppError> {
    let actor = caller.actor();
    authorize(&actor, Action::ManageStakeholders, Resource::Programme)?;
    let sid = rf::parse_id(&id)?;
    let (s, read) = stakeholder_from(&form);
    let saved = if read.is_empty() {
        Some(rf::save_stakeholder(&state, &actor, Some(sid), form.version(), s).await)
    } else {
        None
    };
    match outcome(read, saved)? {
        Ok(_) => Ok(Redirect::to(&format!("/stakeholders/{id}")).into_response()),
        Err((status, errors)) => {
            let page = stakeholder_page(&state, &tr, &caller, &id, Some((form, errors))).await?;
            render_status(status, &page)
        }
    }
}

fn new_stakeholder_page(
    state: &AppState,
    tr: &Tr,
    caller: &Caller,
    posted: &Posted,
    errors: &ValidationErrors,
) -> NewRecordPage {
    NewRecordPage {
        c: Chrome::new(state, tr.clone(), Some(caller)),
        title: tr.t("stakeholders-add"),
        back: "/stakeholders".into(),
        back_label: tr.t("stakeholders-back"),
        form: RecordForm {
            action: "/stakeholders".into(),
            version: String::new(),
            fieldsets: stakeholder_fieldsets(tr, posted, errors, true),
            submit: tr.t("map-save"),
            has_errors: !errors.is_empty(),
            open: true,
        },
    }
}

pub async fn stakeholder_new(
    State(state): State<AppState>,
    tr: Tr,
    SignedIn(caller): SignedIn,
) -> Result<Response, AppError> {
    authorize(
        &caller.actor(),
        Action::ManageStakeholders,
        Resource::Programme,
    )?;
    render(&new_stakeholder_page(
        &state,
        &tr,
        &caller,
        &Posted::default(),
        &ValidationErrors::new(),
    ))
}

pub async fn stakeholder_create(
    State(state): State<AppState>,
    tr: Tr,
    CsrfForm { caller, form }: CsrfForm<Posted>,
) -> Result<Response, AppError> {
    let actor = caller.actor();
    authorize(&actor, Action::ManageStakeholders, Resource::Programme)?;
    let (s, read) = stakeholder_from(&form);
    let saved = if read.is_empty() {
        Some(rf::save_stakeholder(&state, &actor, None, None, s).await)
    } else {
        None
    };
    match outcome(read, saved)? {
        Ok(rec) => Ok(Redirect::to(&format!("/stakeholders/{}", rec.id)).into_response()),
        Err((status, errors)) => render_status(
            status,
            &new_stakeholder_page(&state, &tr, &caller, &form, &errors),
        ),
    }
}

pub struct StakeholderRow {
    pub href: String,
    pub name: String,
    pub kind: String,
    pub level: String,
    pub influence: u8,
    pub interest: u8,
    pub engagement: String,
    pub priority: String,
    pub stance: String,
    pub obstructor: bool,
    pub strategy: String,
}

#[derive(Template)]
#[template(path = "stakeholders.html")]
pub struct StakeholdersPage {
    c: Chrome,
    rows: Vec<StakeholderRow>,
    grid: crate::charts::StakeholderGrid,
    sensitive: bool,
    can_manage: bool,
}

pub async fn stakeholders_page(
    State(state): State<AppState>,
    tr: Tr,
    SignedIn(caller): SignedIn,
) -> Result<Response, AppError> {
    let actor = caller.actor();
    let (all, sensitive) = rf::stakeholders(&state, &actor).await?;
    let rows: Vec<StakeholderRow> = all
        .iter()
        .map(|r| {
            let s = &r.stakeholder;
            StakeholderRow {
                href: format!("/stakeholders/{}", r.id),
                name: s.name.clone(),
                kind: tr.t_of("stakeholder-kind", s.kind.as_str()),
                level: tr.t_of("stakeholder-level", s.level.as_str()),
                influence: s.influence,
                interest: s.interest,
                engagement: tr.t_of("engagement", s.engagement().as_str()),
                priority: s
                    .priority
                    .map(|p| tr.t_of("priority", p.as_str()))
                    .unwrap_or_default(),
                stance: s
                    .stance
                    .map(|x| tr.t_of("stance", x.as_str()))
                    .unwrap_or_default(),
                obstructor: s.stance == Some(Stance::PotentialObstructor),
                strategy: s.detail("engagement_strategy").to_string(),
            }
        })
        .collect();
    let page = StakeholdersPage {
        c: Chrome::new(&state, tr.clone(), Some(&caller)),
        grid: crate::charts::StakeholderGrid::new(
            &tr,
            &rows
                .iter()
                .map(|r| (r.name.clone(), r.influence, r.interest, r.obstructor))
                .collect::<Vec<_>>(),
        ),
        rows,
        sensitive,
        can_manage: authorize(&actor, Action::ManageStakeholders, Resource::Programme).is_ok(),
    };
    render(&page)
}

/// What the case manager records when a returnee reports on a service during follow-up.
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct FeedbackForm {
    pub service: String,
    pub comment: String,
    pub hours: String,
    pub waiting_time: String,
    pub cost: String,
    pub inclusion_criteria: String,
    pub transport: String,
    pub location_access: String,
}

impl FeedbackForm {
    pub fn feedback(&self) -> domain::services::ServiceFeedback {
        let values = [
            &self.hours,
            &self.waiting_time,
            &self.cost,
            &self.inclusion_criteria,
            &self.transport,
            &self.location_access,
        ];
        domain::services::ServiceFeedback {
            comment: self.comment.clone(),
            proposed: FEEDBACK_FIELDS
                .iter()
                .zip(values)
                .map(|(k, v)| (k.to_string(), v.trim().to_string()))
                .filter(|(_, v)| !v.is_empty())
                .collect(),
        }
    }
}
