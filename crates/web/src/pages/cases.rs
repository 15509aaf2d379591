//! The case register: list and search, registration, the case page, editing with optimistic
//! concurrency, consent records and the audit trail.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use domain::authz::{Action, Actor, Resource, authorize};
use domain::case::{CaseStage, Sex};
use domain::consent::{
    ConsentDecision, ConsentInput, ConsentMethod, ConsentPurpose, ConsentRecord, consent_status,
};
use domain::{OfficeId, Role, ValidationErrors};
use serde::Deserialize;
use store::{AuditScope, CaseRecord, CaseSort, Office, User, record_type};

use super::{Chrome, CsrfForm, render, render_status, today};
use crate::AppState;
use crate::auth::{Caller, SignedIn};
use crate::error::{AppError, ErrorKind};
use crate::forms::{Choice, FieldBuilder, Fieldset, HouseholdRow, ProfileForm, error_map, names};
use crate::i18n::Tr;
use app::cases::CaseFilters;
use app::cases::{audit_view, authorized_case, chosen_manager, record_consent_decision};

// ---------------------------------------------------------------------------------------------
// List

/// The list page's links keep the filters.
trait CaseFiltersExt {
    fn with_page(&self, page: u32) -> String;
}

impl CaseFiltersExt for CaseFilters {
    /// The query string of these filters with another page number.
    fn with_page(&self, page: u32) -> String {
        let mut parts = Vec::new();
        for (k, v) in [
            ("q", &self.q),
            ("office", &self.office),
            ("stage", &self.stage),
            ("case_manager", &self.case_manager),
            ("sex", &self.sex),
            ("province", &self.province),
            ("returned_from", &self.returned_from),
            ("returned_to", &self.returned_to),
            ("sort", &self.sort),
            ("order", &self.order),
        ] {
            if !v.is_empty() {
                parts.push(format!("{k}={}", crate::auth::urlencode(v)));
            }
        }
        parts.push(format!("page={page}"));
        format!("?{}", parts.join("&"))
    }
}

pub struct CaseRow {
    pub id: String,
    pub number: String,
    pub name: String,
    pub sex: String,
    pub age: String,
    pub return_date: String,
    pub province: String,
    pub office: String,
    pub case_manager: String,
    pub stage: String,
    pub restricted: bool,
}

#[derive(Template)]
#[template(path = "cases_list.html")]
struct CaseListPage {
    c: Chrome,
    filters: Vec<crate::forms::FieldView>,
    q: String,
    /// The results fragment, rendered by its own template so htmx can ask for it alone.
    results_html: String,
}

#[derive(Template)]
#[template(path = "cases_results.html")]
struct CaseResults {
    c: Chrome,
    rows: Vec<CaseRow>,
    summary: String,
    prev: String,
    next: String,
    page_label: String,
    error: String,
}

async fn offices_in_scope(state: &AppState, actor: &Actor) -> Result<Vec<Office>, AppError> {
    let all = state.store.list_offices().await?;
    Ok(all
        .into_iter()
        .filter(|o| actor.office.is_none_or(|mine| mine == o.id))
        .collect())
}

fn choices<T>(
    items: &[T],
    value: impl Fn(&T) -> String,
    label: impl Fn(&T) -> String,
    selected: &str,
    tr: &Tr,
) -> Vec<Choice> {
    let mut out = vec![Choice {
        value: String::new(),
        label: tr.t("choose-any"),
        selected: selected.is_empty(),
    }];
    out.extend(items.iter().map(|i| Choice {
        selected: value(i) == selected,
        value: value(i),
        label: label(i),
    }));
    out
}

pub async fn list(
    State(state): State<AppState>,
    tr: Tr,
    headers: HeaderMap,
    SignedIn(caller): SignedIn,
    Query(filters): Query<CaseFilters>,
) -> Result<Response, AppError> {
    let actor = caller.actor();
    let (query, problems) = app::cases::list_query(&actor, &filters)?;
    let page = if problems.is_empty() {
        Some(app::cases::list(&state, &query).await?)
    } else {
        None
    };
    let c = || Chrome::new(&state, tr.clone(), Some(&caller));
    let mut results = CaseResults {
        c: c(),
        rows: Vec::new(),
        summary: String::new(),
        prev: String::new(),
        next: String::new(),
        page_label: String::new(),
        error: problems
            .0
            .iter()
            .map(|e| {
                format!(
                    "{}: {}",
                    tr.t(&format!("filter-{}", e.field.replace('_', "-"))),
                    tr.t(e.code)
                )
            })
            .collect::<Vec<_>>()
            .join(" "),
    };
    if let Some(page) = page {
        let pages = page.total.div_ceil(u64::from(query.per_page)).max(1);
        results.summary = if page.total_capped {
            tr.tn("cases-found-many", page.count_cap)
        } else {
            tr.tn("cases-found", page.total)
        };
        results.page_label = tr.t1("page-of", "page", format!("{} / {}", query.page, pages));
        if query.page > 1 {
            results.prev = filters.with_page(query.page - 1);
        }
        if u64::from(query.page) < pages
            || (page.total_capped && page.items.len() as u32 == query.per_page)
        {
            results.next = filters.with_page(query.page + 1);
        }
        results.rows = page
            .items
            .into_iter()
            .map(|s| CaseRow {
                id: s.id.to_string(),
                number: s.number,
                name: format!("{} {}", s.given_name, s.family_name),
                sex: tr.t_of("sex", s.sex.as_str()),
                age: s.age_at_return.map(|a| a.to_string()).unwrap_or_default(),
                return_date: s.return_date.to_string(),
                province: s.return_province,
                office: s.office_code,
                case_manager: s.case_manager_name.unwrap_or_default(),
                stage: tr.t_of("stage", s.stage.as_str()),
                restricted: s.restricted,
            })
            .collect();
    }
    // htmx asks for the results only.
    if headers.contains_key("hx-request") && !headers.contains_key("hx-boosted") {
        return render(&results);
    }
    let offices = offices_in_scope(&state, &actor).await?;
    let managers = state.store.case_managers(actor.office).await?;
    let empty = HashMap::new();
    let b = FieldBuilder {
        tr: &tr,
        errors: &empty,
    };
    let mut filters_view = Vec::new();
    if offices.len() > 1 {
        let mut f = b.input("office", "select", &filters.office, false);
        f.label = tr.t("filter-office");
        f.choices = choices(
            &offices,
            |o| o.id.to_string(),
            |o| o.name.clone(),
            &filters.office,
            &tr,
        );
        filters_view.push(f);
    }
    let mut stage = b.select(
        "stage",
        &filters.stage,
        "stage",
        &names(CaseStage::ALL, CaseStage::as_str),
        false,
    );
    stage.label = tr.t("filter-stage");
    filters_view.push(stage);
    let mut cm = b.input("case_manager", "select", &filters.case_manager, false);
    cm.label = tr.t("filter-case-manager");
    cm.choices = choices(
        &managers,
        |u| u.id.to_string(),
        |u| u.display_name.clone(),
        &filters.case_manager,
        &tr,
    );
    filters_view.push(cm);
    let mut sex = b.select(
        "sex",
        &filters.sex,
        "sex",
        &names(Sex::ALL, Sex::as_str),
        false,
    );
    sex.label = tr.t("filter-sex");
    filters_view.push(sex);
    let mut province = b.input("province", "text", &filters.province, false);
    province.label = tr.t("filter-province");
    filters_view.push(province);
    let mut from = b.input("returned_from", "date", &filters.returned_from, false);
    from.label = tr.t("filter-returned-from");
    filters_view.push(from);
    let mut to = b.input("returned_to", "date", &filters.returned_to, false);
    to.label = tr.t("filter-returned-to");
    filters_view.push(to);
    let mut sort = b.select(
        "sort",
        &filters.sort,
        "sort",
        &CaseSort::ALL.map(CaseSort::as_str),
        false,
    );
    sort.label = tr.t("filter-sort");
    filters_view.push(sort);
    let mut order = b.select("order", &filters.order, "order", &["asc", "desc"], false);
    order.label = tr.t("filter-order");
    filters_view.push(order);
    render(&CaseListPage {
        c: c(),
        filters: filters_view,
        q: filters.q.clone(),
        results_html: askama::Template::render(&results)?,
    })
}

// ---------------------------------------------------------------------------------------------
// Registration and editing

#[derive(Template)]
#[template(path = "case_form.html")]
struct CaseFormPage {
    c: Chrome,
    title: String,
    action: String,
    cancel: String,
    version: String,
    conflict: bool,
    error_summary: Vec<(String, String)>,
    office: Option<crate::forms::FieldView>,
    case_manager: Option<crate::forms::FieldView>,
    fieldsets: Vec<Fieldset>,
    household: Vec<HouseholdRow>,
    consent: Option<Fieldset>,
}

/// What the form page needs besides the typed values.
struct FormContext {
    title: String,
    action: String,
    cancel: String,
    /// Offices to choose from (registration by a national-scope user).
    offices: Vec<Office>,
    /// Case managers to choose from (programme managers only).
    managers: Option<Vec<User>>,
    registering: bool,
    conflict: bool,
}

fn form_page(
    state: &AppState,
    tr: &Tr,
    caller: &Caller,
    form: &ProfileForm,
    errors: &ValidationErrors,
    ctx: FormContext,
    extra_rows: usize,
) -> CaseFormPage {
    let map = error_map(tr, errors);
    let b = FieldBuilder { tr, errors: &map };
    let office = (ctx.offices.len() > 1).then(|| {
        let mut f = b.input("office", "select", &form.office, true);
        f.choices = choices(
            &ctx.offices,
            |o| o.id.to_string(),
            |o| format!("{} ({})", o.name, o.code),
            &form.office,
            tr,
        );
        f.choices.remove(0);
        f
    });
    let case_manager = ctx.managers.as_ref().map(|m| {
        let mut f = b.input("case_manager", "select", &form.case_manager, false);
        f.choices = choices(
            m,
            |u| u.id.to_string(),
            |u| u.display_name.clone(),
            &form.case_manager,
            tr,
        );
        f.choices[0].label = tr.t("case-manager-none");
        f
    });
    let blank_rows = if form.hh_name.iter().all(|n| n.trim().is_empty()) {
        2
    } else {
        1
    };
    CaseFormPage {
        c: Chrome::new(state, tr.clone(), Some(caller)),
        title: ctx.title,
        action: ctx.action,
        cancel: ctx.cancel,
        version: form.version.clone(),
        conflict: ctx.conflict,
        error_summary: errors
            .0
            .iter()
            .map(|e| {
                let field = e.field.split('.').next().unwrap_or_default();
                let anchor = if field == "household" {
                    "household".to_string()
                } else {
                    format!("f-{}", e.field)
                };
                (anchor, map.get(&e.field).cloned().unwrap_or_default())
            })
            .collect(),
        office,
        case_manager,
        fieldsets: form.fieldsets(tr, &map),
        household: form.household_rows(tr, &map, blank_rows + extra_rows),
        consent: ctx.registering.then(|| form.consent_fieldset(tr, &map)),
    }
}

async fn managers_for(
    state: &AppState,
    actor: &Actor,
    office: Option<OfficeId>,
) -> Result<Option<Vec<User>>, AppError> {
    // Only programme managers assign; case managers register cases to themselves.
    if actor.role != Role::ProgrammeManager {
        return Ok(None);
    }
    Ok(Some(
        state.store.case_managers(office.or(actor.office)).await?,
    ))
}

pub async fn new_form(
    State(state): State<AppState>,
    tr: Tr,
    SignedIn(caller): SignedIn,
) -> Result<Response, AppError> {
    let actor = caller.actor();
    authorize(&actor, Action::CreateCase, Resource::Programme)?;
    let offices = offices_in_scope(&state, &actor).await?;
    let form = ProfileForm {
        consent_method: ConsentMethod::WrittenInPerson.to_string(),
        ..Default::default()
    };
    let ctx = FormContext {
        title: tr.t("case-new-title"),
        action: "/cases".into(),
        cancel: "/cases".into(),
        managers: managers_for(&state, &actor, None).await?,
        offices,
        registering: true,
        conflict: false,
    };
    render(&form_page(
        &state,
        &tr,
        &caller,
        &form,
        &ValidationErrors::new(),
        ctx,
        0,
    ))
}

pub async fn create(
    State(state): State<AppState>,
    tr: Tr,
    CsrfForm { caller, form }: CsrfForm<ProfileForm>,
) -> Result<Response, AppError> {
    let actor = caller.actor();
    authorize(&actor, Action::CreateCase, Resource::Programme)?;
    let offices = offices_in_scope(&state, &actor).await?;
    let mut errors = ValidationErrors::new();
    // The office: the user's own, or the one chosen by a national-scope user.
    let office = match actor.office {
        Some(o) => Some(o),
        None => match form.office.parse::<OfficeId>() {
            Ok(o) if offices.iter().any(|x| x.id == o) => Some(o),
            _ if offices.len() == 1 => offices.first().map(|o| o.id),
            _ => {
                errors.add("office", "error-required");
                None
            }
        },
    };
    if let Some(o) = office {
        authorize(&actor, Action::CreateCase, Resource::Office(o))?;
    }
    let managers = managers_for(&state, &actor, office).await?;
    let ctx = |conflict| FormContext {
        title: tr.t("case-new-title"),
        action: "/cases".into(),
        cancel: "/cases".into(),
        offices: offices.clone(),
        managers: managers.clone(),
        registering: true,
        conflict,
    };
    if form.action == "add_member" {
        return render(&form_page(
            &state,
            &tr,
            &caller,
            &form,
            &ValidationErrors::new(),
            ctx(false),
            1,
        ));
    }
    let today = today();
    let profile = form.parse(today);
    let consents = form.registration_consents();
    let _case_manager = match (actor.role, office) {
        (Role::CaseManager, _) => Some(actor.user_id),
        (_, Some(o)) => chosen_manager(&state, &form.case_manager, o, &mut errors).await?,
        (_, None) => None,
    };
    if let Err(e) = &profile {
        errors.merge(e.clone());
    }
    if let Err(e) = &consents {
        errors.merge(e.clone());
    }
    let (Ok(profile), Ok(consents), Some(office), true) =
        (profile, consents, office, errors.is_empty())
    else {
        let page = form_page(&state, &tr, &caller, &form, &errors, ctx(false), 0);
        return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
    };
    let registration = app::cases::Registration {
        office,
        case_manager: form.case_manager.clone(),
        profile,
        consents: consents
            .into_iter()
            .map(|(purpose, decision, method)| ConsentInput {
                purpose,
                decision,
                method,
                date: today,
                notes: None,
            })
            .collect(),
    };
    match app::cases::register(&state, &actor, registration).await {
        Ok(case) => Ok(Redirect::to(&format!("/cases/{}", case.id)).into_response()),
        Err(app::Error {
            kind: app::ErrorKind::Validation,
            fields,
            ..
        }) => {
            let page = form_page(&state, &tr, &caller, &form, &fields, ctx(false), 0);
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn edit_form(
    State(state): State<AppState>,
    tr: Tr,
    SignedIn(caller): SignedIn,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let actor = caller.actor();
    let case = authorized_case(&state, &actor, &id, Action::UpdateCase).await?;
    let mut form = ProfileForm::from_profile(&case.profile);
    form.version = case.version.to_string();
    form.case_manager = case.case_manager.map(|u| u.to_string()).unwrap_or_default();
    let ctx = edit_context(&state, &tr, &actor, &case, false).await?;
    render(&form_page(
        &state,
        &tr,
        &caller,
        &form,
        &ValidationErrors::new(),
        ctx,
        0,
    ))
}

async fn edit_context(
    state: &AppState,
    tr: &Tr,
    actor: &Actor,
    case: &CaseRecord,
    conflict: bool,
) -> Result<FormContext, AppError> {
    Ok(FormContext {
        title: tr.t1("case-edit-title", "number", &case.number),
        action: format!("/cases/{}/edit", case.id),
        cancel: format!("/cases/{}", case.id),
        offices: Vec::new(),
        managers: managers_for(state, actor, Some(case.office.id)).await?,
        registering: false,
        conflict,
    })
}

pub async fn update(
    State(state): State<AppState>,
    tr: Tr,
    Path(id): Path<String>,
    CsrfForm { caller, form }: CsrfForm<ProfileForm>,
) -> Result<Response, AppError> {
    let actor = caller.actor();
    let case = authorized_case(&state, &actor, &id, Action::UpdateCase).await?;
    let based_on: Option<i64> = form.version.trim().parse().ok();
    if form.action == "add_member" {
        let ctx = edit_context(&state, &tr, &actor, &case, false).await?;
        return render(&form_page(
            &state,
            &tr,
            &caller,
            &form,
            &ValidationErrors::new(),
            ctx,
            1,
        ));
    }
    if based_on != Some(case.version) {
        // Someone saved since this form was opened: keep what was typed, save nothing.
        let ctx = edit_context(&state, &tr, &actor, &case, true).await?;
        let page = form_page(
            &state,
            &tr,
            &caller,
            &form,
            &ValidationErrors::new(),
            ctx,
            0,
        );
        return render_status(StatusCode::CONFLICT, &page);
    }
    let mut errors = ValidationErrors::new();
    let case_manager = if actor.role == Role::ProgrammeManager {
        chosen_manager(&state, &form.case_manager, case.office.id, &mut errors).await?
    } else {
        case.case_manager
    };
    let profile = match form.parse(today()) {
        Ok(p) if errors.is_empty() => p,
        result => {
            if let Err(e) = result {
                errors.merge(e);
            }
            let ctx = edit_context(&state, &tr, &actor, &case, false).await?;
            let page = form_page(&state, &tr, &caller, &form, &errors, ctx, 0);
            return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
    };
    let choice = case_manager.map(|u| u.to_string()).unwrap_or_default();
    let chosen = (actor.role == Role::ProgrammeManager).then_some(choice.as_str());
    match app::cases::update(&state, &actor, &case, case.version, chosen, profile).await {
        Ok(_) => Ok(Redirect::to(&format!("/cases/{}", case.id)).into_response()),
        Err(app::Error {
            kind: app::ErrorKind::Validation,
            fields,
            ..
        }) => {
            let ctx = edit_context(&state, &tr, &actor, &case, false).await?;
            let page = form_page(&state, &tr, &caller, &form, &fields, ctx, 0);
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(app::Error {
            kind: app::ErrorKind::Conflict,
            ..
        }) => {
            let ctx = edit_context(&state, &tr, &actor, &case, true).await?;
            let page = form_page(
                &state,
                &tr,
                &caller,
                &form,
                &ValidationErrors::new(),
                ctx,
                0,
            );
            render_status(StatusCode::CONFLICT, &page)
        }
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------------------------------------
// The case page

pub struct Section {
    pub id: &'static str,
    pub title: String,
    pub rows: Vec<(String, String)>,
}

pub struct HouseholdView {
    pub name: String,
    pub relationship: String,
    pub sex: String,
    pub date_of_birth: String,
    pub together: String,
    pub notes: String,
}

pub struct ConsentStatusView {
    pub purpose: String,
    pub status: String,
    pub permits: bool,
}

pub struct ConsentHistoryView {
    pub date: String,
    pub purpose: String,
    pub decision: String,
    pub method: String,
    pub recorded_by: String,
    pub notes: String,
}

pub struct TimelineEntry {
    pub when: String,
    pub who: String,
    pub action: String,
    pub changes: Vec<(String, String, String)>,
}

#[derive(Template)]
#[template(path = "case_view.html")]
struct CaseViewPage {
    c: Chrome,
    id: String,
    number: String,
    name: String,
    stage: String,
    restricted: bool,
    can_edit: bool,
    can_consent: bool,
    can_audit: bool,
    sections: Vec<Section>,
    household: Vec<HouseholdView>,
    consent_status: Vec<ConsentStatusView>,
    consent_history: Vec<ConsentHistoryView>,
    consent_form: Vec<crate::forms::FieldView>,
    consent_errors: bool,
    timeline: Vec<TimelineEntry>,
    forms: super::instruments::CaseForms,
    rss: super::rss::RssPanel,
    pathway: super::pathway::PathwayPanel,
    urgent: Vec<super::pathway::UrgentView>,
    context: super::community::CaseContext,
}

fn yes_no(tr: &Tr, v: Option<bool>) -> String {
    match v {
        Some(true) => tr.t("answer-yes"),
        Some(false) => tr.t("answer-no"),
        None => tr.t("not-recorded"),
    }
}

fn or_dash(tr: &Tr, v: &Option<String>) -> String {
    v.clone().unwrap_or_else(|| tr.t("not-recorded"))
}

/// A readable label for an audited field.
pub fn field_label(tr: &Tr, field: &str) -> String {
    // Plan versions: `plan.v2`, `plan.v2.agreement`, `plan.v2.approval`.
    if let Some(rest) = field.strip_prefix("plan.v") {
        let (n, part) = rest.split_once('.').unwrap_or((rest, ""));
        let id = match part {
            "agreement" => "field-plan-agreement",
            "approval" => "field-plan-approval",
            _ => "field-plan-version",
        };
        return tr.t1(id, "version", n);
    }
    if let Some(rest) = field.strip_prefix("household.") {
        let n: usize = rest.parse().unwrap_or(0);
        return tr.t1("field-household-member", "n", n + 1);
    }
    if let Some(p) = field
        .strip_prefix("consent.")
        .and_then(ConsentPurpose::parse)
    {
        return tr.t1(
            "field-consent-for",
            "purpose",
            tr.t_of("purpose", p.as_str()),
        );
    }
    tr.t(&format!("field-{}", field.replace(['_', '.'], "-")))
}

/// A readable value for an audited field.
fn field_value(tr: &Tr, field: &str, value: &Option<String>) -> String {
    let Some(v) = value else {
        return "—".into();
    };
    let kind = match field {
        "sex" => Some("sex"),
        "return_type" => Some("return-type"),
        "consent.method" => Some("method"),
        f if f.starts_with("consent.") && ConsentPurpose::parse(&f[8..]).is_some() => {
            Some("decision")
        }
        _ => None,
    };
    match (kind, v.as_str()) {
        (Some(kind), v) => tr.t_of(kind, v),
        (None, "true") => tr.t("answer-yes"),
        (None, "false") => tr.t("answer-no"),
        (None, v) if field == "vulnerabilities" => v
            .split(", ")
            .map(|x| tr.t_of("vulnerability", x))
            .collect::<Vec<_>>()
            .join(", "),
        (None, v) => v.to_string(),
    }
}

pub fn timeline(tr: &Tr, entries: Vec<store::AuditEntry>) -> Vec<TimelineEntry> {
    entries
        .into_iter()
        .rev()
        .map(|e| TimelineEntry {
            when: format!(
                "{} {:02}:{:02} UTC",
                e.at.date(),
                e.at.hour(),
                e.at.minute()
            ),
            who: e.actor_name.unwrap_or_else(|| tr.t("actor-system")),
            action: tr.t_of("audit-action", e.action.as_str()),
            changes: e
                .changes
                .iter()
                .map(|c| {
                    (
                        field_label(tr, &c.field),
                        field_value(tr, &c.field, &c.before),
                        field_value(tr, &c.field, &c.after),
                    )
                })
                .collect(),
        })
        .collect()
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct ConsentForm {
    pub purpose: String,
    pub decision: String,
    pub method: String,
    pub date: String,
    pub notes: String,
}

impl ConsentForm {
    pub fn parse(&self) -> Result<ConsentInput, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let purpose = ConsentPurpose::parse(&self.purpose);
        let decision = ConsentDecision::parse(&self.decision);
        let method = ConsentMethod::parse(&self.method);
        let date = domain::case::date::parse(&self.date);
        for (field, ok, value) in [
            ("purpose", purpose.is_some(), &self.purpose),
            ("decision", decision.is_some(), &self.decision),
            ("method", method.is_some(), &self.method),
        ] {
            if value.trim().is_empty() {
                e.add(field, "error-required");
            } else if !ok {
                e.add(field, "error-choice");
            }
        }
        if self.date.trim().is_empty() {
            e.add("date", "error-required");
        } else if date.is_none() {
            e.add("date", "error-date-format");
        }
        match (purpose, decision, method, date) {
            (Some(purpose), Some(decision), Some(method), Some(date)) if e.is_empty() => {
                Ok(ConsentInput {
                    purpose,
                    decision,
                    method,
                    date,
                    notes: Some(self.notes.trim().to_string()).filter(|n| !n.is_empty()),
                })
            }
            _ => Err(e),
        }
    }
}

/// The case page with the pathway panel's forms as typed (kept when refused).
pub async fn case_page_with(
    state: &AppState,
    tr: &Tr,
    caller: &Caller,
    case: &CaseRecord,
    forms: &super::pathway::PanelForms,
    status: StatusCode,
) -> Result<Response, AppError> {
    let consent = ConsentForm {
        date: today().to_string(),
        ..Default::default()
    };
    let page = case_page(
        state,
        tr,
        caller,
        case,
        &consent,
        &ValidationErrors::new(),
        forms,
    )
    .await?;
    render_status(status, &page)
}

async fn case_page(
    state: &AppState,
    tr: &Tr,
    caller: &Caller,
    case: &CaseRecord,
    consent_form: &ConsentForm,
    consent_errors: &ValidationErrors,
    pathway_forms: &super::pathway::PanelForms,
) -> Result<CaseViewPage, AppError> {
    let pathway = super::pathway::panel(state, tr, caller, case, pathway_forms).await?;
    let actor = caller.actor();
    let p = &case.profile;
    let can = |a: Action| authorize(&actor, a, Resource::Case(case.access())).is_ok();
    let age = p
        .age_at_return()
        .map(|a| a.to_string())
        .unwrap_or_else(|| tr.t("not-recorded"));
    let absence = p
        .absence_months
        .map(|m| tr.t1("absence-value", "months", m))
        .unwrap_or_else(|| tr.t("not-recorded"));
    let sections = vec![
        Section {
            id: "person",
            title: tr.t("legend-person"),
            rows: vec![
                (tr.t("field-sex"), tr.t_of("sex", p.sex.as_str())),
                (tr.t("field-gender"), or_dash(tr, &p.gender)),
                (
                    tr.t("field-date-of-birth"),
                    p.date_of_birth
                        .map(|d| d.to_string())
                        .unwrap_or_else(|| tr.t("not-recorded")),
                ),
                (tr.t("field-age-at-return"), age),
                (tr.t("field-nationality"), p.nationality.clone()),
                (
                    tr.t("field-preferred-language"),
                    or_dash(tr, &p.preferred_language),
                ),
            ],
        },
        Section {
            id: "return",
            title: tr.t("legend-return"),
            rows: vec![
                (tr.t("field-return-date"), p.return_date.to_string()),
                (tr.t("field-returned-from"), p.returned_from.clone()),
                (tr.t("field-absence"), absence),
                (
                    tr.t("field-return-type"),
                    tr.t_of("return-type", p.return_type.as_str()),
                ),
                (tr.t("field-free-choice"), yes_no(tr, p.free_choice)),
                (
                    tr.t("field-informed-decision"),
                    yes_no(tr, p.informed_decision),
                ),
            ],
        },
        Section {
            id: "place",
            title: tr.t("legend-place"),
            rows: vec![
                (tr.t("field-return-country"), p.return_country.clone()),
                (tr.t("field-return-province"), p.return_province.clone()),
                (
                    tr.t("field-return-community"),
                    or_dash(tr, &p.return_community),
                ),
                (
                    tr.t("field-community-is-origin"),
                    yes_no(tr, p.community_is_origin),
                ),
            ],
        },
        Section {
            id: "vulnerability",
            title: tr.t("legend-vulnerability"),
            rows: vec![
                (
                    tr.t("field-vulnerabilities"),
                    if p.vulnerabilities.is_empty() {
                        tr.t("none-recorded")
                    } else {
                        p.vulnerabilities
                            .iter()
                            .map(|v| tr.t_of("vulnerability", v.as_str()))
                            .collect::<Vec<_>>()
                            .join(", ")
                    },
                ),
                (
                    tr.t("field-vulnerability-details"),
                    or_dash(tr, &p.vulnerability_details),
                ),
            ],
        },
        Section {
            id: "contact",
            title: tr.t("legend-contact"),
            rows: vec![
                (tr.t("field-phone"), or_dash(tr, &p.phone)),
                (tr.t("field-email"), or_dash(tr, &p.email)),
                (tr.t("field-address"), or_dash(tr, &p.address)),
            ],
        },
        Section {
            id: "management",
            title: tr.t("legend-management"),
            rows: vec![
                (
                    tr.t("field-office"),
                    format!("{} ({})", case.office.name, case.office.code),
                ),
                (
                    tr.t("field-case-manager"),
                    case.case_manager_name
                        .clone()
                        .unwrap_or_else(|| tr.t("case-manager-none")),
                ),
                (tr.t("field-registered"), case.created_at.date().to_string()),
            ],
        },
    ];
    let household = p
        .household
        .iter()
        .map(|m| HouseholdView {
            name: m.name.clone(),
            relationship: tr.t_of("relationship", m.relationship.as_str()),
            sex: m
                .sex
                .map(|s| tr.t_of("sex", s.as_str()))
                .unwrap_or_default(),
            date_of_birth: m.date_of_birth.map(|d| d.to_string()).unwrap_or_default(),
            together: match m.returned_together {
                Some(true) => tr.t("together-yes"),
                Some(false) => tr.t("together-no"),
                None => String::new(),
            },
            notes: m.notes.clone().unwrap_or_default(),
        })
        .collect();
    let consents = state.store.consents(case.id).await?;
    let records: Vec<ConsentRecord> = consents.iter().map(|c| c.record.clone()).collect();
    let consent_status_view = ConsentPurpose::ALL
        .iter()
        .map(|purpose| {
            let status = consent_status(&records, *purpose);
            let detail = match status {
                domain::consent::ConsentStatus::NotRecorded => String::new(),
                domain::consent::ConsentStatus::Given { since } => format!(" ({since})"),
                domain::consent::ConsentStatus::Refused { on }
                | domain::consent::ConsentStatus::Withdrawn { on } => format!(" ({on})"),
            };
            ConsentStatusView {
                purpose: tr.t_of("purpose", purpose.as_str()),
                status: format!("{}{detail}", tr.t(status.message_id())),
                permits: status.permits(),
            }
        })
        .collect();
    let consent_history = consents
        .iter()
        .rev()
        .map(|c| ConsentHistoryView {
            date: c.record.date.to_string(),
            purpose: tr.t_of("purpose", c.record.purpose.as_str()),
            decision: tr.t_of("decision", c.record.decision.as_str()),
            method: tr.t_of("method", c.record.method.as_str()),
            recorded_by: c.recorded_by_name.clone(),
            notes: c.record.notes.clone().unwrap_or_default(),
        })
        .collect();
    let map = error_map(tr, consent_errors);
    let b = FieldBuilder { tr, errors: &map };
    let mut date = b.input("date", "date", &consent_form.date, true);
    date.label = tr.t("field-consent-date");
    let mut purpose = b.select(
        "purpose",
        &consent_form.purpose,
        "purpose",
        &names(ConsentPurpose::ALL, ConsentPurpose::as_str),
        true,
    );
    purpose.label = tr.t("field-consent-purpose");
    let mut decision = b.select(
        "decision",
        &consent_form.decision,
        "decision",
        &names(ConsentDecision::ALL, ConsentDecision::as_str),
        true,
    );
    decision.label = tr.t("field-consent-decision");
    let mut method = b.select(
        "method",
        &consent_form.method,
        "method",
        &names(ConsentMethod::ALL, ConsentMethod::as_str),
        true,
    );
    method.label = tr.t("field-consent-method");
    let mut notes = b.input("notes", "textarea", &consent_form.notes, false);
    notes.label = tr.t("field-consent-notes");
    let entries = state
        .store
        .audit_for_record(record_type::CASE, &case.id.to_string(), AuditScope::Changes)
        .await?;
    Ok(CaseViewPage {
        c: Chrome::new(state, tr.clone(), Some(caller)),
        id: case.id.to_string(),
        number: case.number.to_string(),
        name: p.full_name(),
        stage: tr.t_of("stage", case.stage.as_str()),
        restricted: p.is_restricted(),
        can_edit: can(Action::UpdateCase),
        can_consent: can(Action::RecordConsent),
        can_audit: can(Action::ReadAudit),
        sections,
        household,
        consent_status: consent_status_view,
        consent_history,
        consent_form: vec![purpose, decision, method, date, notes],
        consent_errors: !consent_errors.is_empty(),
        timeline: timeline(tr, entries),
        forms: super::instruments::case_forms(state, caller, case).await?,
        rss: super::rss::case_panel(
            state,
            tr,
            case,
            authorize(
                &caller.actor(),
                Action::FillForm,
                Resource::Case(case.access()),
            )
            .is_ok(),
        )
        .await?,
        urgent: pathway.urgent.clone(),
        pathway,
        context: super::community::case_context(state, tr, &caller.actor(), case).await?,
    })
}

pub async fn view(
    State(state): State<AppState>,
    tr: Tr,
    SignedIn(caller): SignedIn,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let actor = caller.actor();
    let case = authorized_case(&state, &actor, &id, Action::ReadCase).await?;
    audit_view(&state, &actor, &case).await?;
    let form = ConsentForm {
        date: today().to_string(),
        ..Default::default()
    };
    let forms = super::pathway::PanelForms {
        session: super::pathway::SessionForm {
            session_date: today().to_string(),
            ..Default::default()
        },
        urgent: super::pathway::UrgentForm {
            urgent_date: today().to_string(),
            ..Default::default()
        },
        ..Default::default()
    };
    render(
        &case_page(
            &state,
            &tr,
            &caller,
            &case,
            &form,
            &ValidationErrors::new(),
            &forms,
        )
        .await?,
    )
}

pub async fn record_consent(
    State(state): State<AppState>,
    tr: Tr,
    Path(id): Path<String>,
    CsrfForm { caller, form }: CsrfForm<ConsentForm>,
) -> Result<Response, AppError> {
    let actor = caller.actor();
    let case = authorized_case(&state, &actor, &id, Action::RecordConsent).await?;
    let recorded = match form.parse() {
        Ok(input) => record_consent_decision(&state, &actor, &case, input)
            .await
            .map_err(AppError::from),
        Err(errors) => Err(AppError::validation(errors)),
    };
    match recorded {
        Ok(()) => Ok(Redirect::to(&format!("/cases/{}#consent", case.id)).into_response()),
        Err(AppError {
            kind: ErrorKind::Validation,
            fields: errors,
            ..
        }) => {
            let page = case_page(
                &state,
                &tr,
                &caller,
                &case,
                &form,
                &errors,
                &super::pathway::PanelForms::default(),
            )
            .await?;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "case_audit.html")]
struct AuditPage {
    c: Chrome,
    id: String,
    number: String,
    entries: Vec<TimelineEntry>,
}

pub async fn audit(
    State(state): State<AppState>,
    tr: Tr,
    SignedIn(caller): SignedIn,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let actor = caller.actor();
    let case = authorized_case(&state, &actor, &id, Action::ReadAudit).await?;
    let entries = state
        .store
        .audit_for_record(
            record_type::CASE,
            &case.id.to_string(),
            AuditScope::ChangesAndViews,
        )
        .await?;
    render(&AuditPage {
        c: Chrome::new(&state, tr.clone(), Some(&caller)),
        id: case.id.to_string(),
        number: case.number.to_string(),
        entries: timeline(&tr, entries),
    })
}
