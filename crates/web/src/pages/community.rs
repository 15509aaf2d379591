//! The community level: communities of return and the programme's ranked shortlist, their
//! profile and assessment instruments, community projects with screening, selection,
//! participants, monitoring visits and the satisfaction questionnaire.
//!
//! Who takes part is shown by name only to readers with `community.participants`, and a
//! returnee only to readers who could open their case; everyone else sees counts.

use std::collections::BTreeMap;

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use domain::DocumentId;
use domain::ValidationErrors;
use domain::authz::{Action, Actor, Resource, authorize, small_cell_threshold};
use domain::case::Sex;
use domain::community::{
    Approach, CheckStatus, Community, Criterion, CriterionCheck, CriterionSource, LifecycleStep,
    MAX_WEIGHT, MonitoringVisit, NEGATIVE_CRITERIA, POSITIVE_CRITERIA, ParticipantKind,
    ParticipantRole, Pressure, Project, ProjectKind, ProjectParticipant, ProjectRefusal,
    RESPONDENT_FIELD, SATISFACTION_FIELD, SATISFACTION_FORM, Satisfaction, Screening,
    SelectionConfig, SelectionStage, StageDecision, VisitRating,
};
use forms::Answers;
use serde::Deserialize;
use store::{AuditContext, Subject, SubmissionStatus, SubmissionUpdate};
use time::OffsetDateTime;

use super::services::{DetailRow, Posted, RecordForm};
use super::{Chrome, CsrfForm, render, render_status, today};
use crate::AppState;
use crate::auth::{Caller, SignedIn};
use crate::error::{AppError, ErrorKind};
use crate::forms::Fieldset;
use crate::i18n::Tr;
use crate::pages::instruments::Piece;
use crate::records::{self, Field, Input, field, required, values};
use app::community::{self as cm, Doc, Place};

fn community_fields() -> Vec<Field> {
    vec![
        required("name", Input::Text),
        required("province", Input::Text),
        field("places", Input::Lines),
        field("population", Input::Number(1_000_000_000)),
        field("returnees_estimate", Input::Number(100_000_000)),
        field("return_inflow", Input::Number(100_000_000)),
        field(
            "migration_pressure",
            Input::Choice("pressure", values(Pressure::ALL, Pressure::as_str)),
        ),
        field("services_present", Input::Textarea),
        field("definition", Input::Textarea),
    ]
}

fn project_fields() -> Vec<Field> {
    vec![
        required("name", Input::Text),
        required(
            "kind",
            Input::Choice(
                "project-kind",
                values(ProjectKind::ALL, ProjectKind::as_str),
            ),
        ),
        field(
            "approach",
            Input::Choice("approach", values(Approach::ALL, Approach::as_str)),
        ),
        field("summary", Input::Textarea),
        field("budget", Input::Number(domain::community::MAX_BUDGET)),
        field("currency", Input::Text),
        field("start", Input::OptDate),
        field("end", Input::OptDate),
        field("activities", Input::Lines),
    ]
}

fn visit_fields() -> Vec<Field> {
    vec![
        required("on", Input::Date),
        required(
            "rating",
            Input::Choice(
                "visit-rating",
                values(VisitRating::ALL, VisitRating::as_str),
            ),
        ),
        field("participants_met", Input::Number(100_000)),
        required("findings", Input::Textarea),
        field("follow_up", Input::Textarea),
    ]
}

fn invalid(field: &str, code: &'static str) -> ValidationErrors {
    let mut e = ValidationErrors::new();
    e.add(field, code);
    e
}

fn settle<T>(
    read: ValidationErrors,
    saved: Option<Result<T, AppError>>,
) -> Result<Result<T, (StatusCode, ValidationErrors)>, AppError> {
    records::settle(read, saved, "name")
}

/// Where a form's record goes: a new one at a place, or over a stored one.
enum Target<'a, T> {
    New(Place),
    Existing(&'a Doc<T>),
}

/// Reads a record's form (over the stored body when editing) and saves it. The first part is
/// what reading found; the second is `None` when the form could not be read.
async fn save_record_form<T: cm::Record>(
    state: &AppState,
    actor: &Actor,
    fields: &[Field],
    form: &Posted,
    target: Target<'_, T>,
) -> (ValidationErrors, Option<Result<Doc<T>, AppError>>) {
    let (values, read) = records::read(fields, form, &[]);
    if !read.is_empty() {
        return (read, None);
    }
    let base = match &target {
        Target::Existing(d) => serde_json::to_value(&d.body).ok(),
        Target::New(_) => None,
    };
    let first = fields.first().map(|f| f.name).unwrap_or("name");
    let body = match records::merge::<T>(base.as_ref(), values, first) {
        Ok(b) => b,
        Err(e) => return (read, Some(Err(AppError::validation(e)))),
    };
    let saved = match target {
        Target::New(place) => cm::save(state, actor, None, None, place, body)
            .await
            .map_err(AppError::from),
        Target::Existing(doc) => match form.get("version").trim().parse() {
            Ok(v) => cm::update(state, actor, doc, v, body)
                .await
                .map_err(AppError::from),
            Err(_) => Err(AppError::validation(invalid("version", "error-required"))),
        },
    };
    (read, Some(saved))
}

// ---------------------------------------------------------------------------------------------
// The list and the ranking

pub struct RankRow {
    pub position: usize,
    pub href: String,
    pub name: String,
    pub province: String,
    pub returnees: String,
    pub score: u64,
    pub met: usize,
    pub partly: usize,
    pub not_met: usize,
    pub unknown: usize,
    pub shortlisted: bool,
    pub excluded_by: String,
    pub projects: usize,
}

pub struct PlaceRow {
    pub province: String,
    pub community: String,
    pub cases: String,
    pub href: String,
}

#[derive(Template)]
#[template(path = "communities.html")]
pub struct CommunitiesPage {
    c: Chrome,
    rows: Vec<RankRow>,
    places: Vec<PlaceRow>,
    can_manage: bool,
    can_configure: bool,
    criteria: Vec<String>,
    ranking_hint: String,
}

fn criterion_label(tr: &Tr, c: &Criterion) -> String {
    if c.source == CriterionSource::Programme {
        c.label.clone()
    } else {
        tr.t_of("criterion", &c.key)
    }
}

pub async fn list(
    State(state): State<AppState>,
    tr: Tr,
    SignedIn(caller): SignedIn,
) -> Result<Response, AppError> {
    let actor = caller.actor();
    let cm::Ranking {
        communities,
        returnees: counts,
        ranked,
        config,
    } = cm::ranking(&state, &actor).await?;
    let projects: Vec<Doc<Project>> = cm::list(&state, &actor, None).await?;
    let threshold = small_cell_threshold(&actor);
    let label = |key: &str| {
        config
            .criteria
            .iter()
            .find(|c| c.key == key)
            .map(|c| criterion_label(&tr, c))
            .unwrap_or_default()
    };
    let rows = ranked
        .into_iter()
        .enumerate()
        .map(|(pos, r)| {
            let c = &communities[r.key];
            RankRow {
                position: pos + 1,
                href: format!("/communities/{}", c.id()),
                name: c.body.name.clone(),
                province: c.body.province.clone(),
                returnees: super::overview::cell(&tr, counts[r.key], threshold),
                score: (r.score * 100.0).round() as u64,
                met: r.met,
                partly: r.partly,
                not_met: r.not_met,
                unknown: r.unknown,
                shortlisted: r.shortlisted,
                excluded_by: r
                    .excluded_by
                    .iter()
                    .map(|k| label(k))
                    .collect::<Vec<_>>()
                    .join(", "),
                projects: projects
                    .iter()
                    .filter(|p| p.rec.parent == Some(c.id()))
                    .count(),
            }
        })
        .collect();
    let can_manage = authorize(&actor, Action::ManageCommunity, Resource::Programme).is_ok();
    // Places written on cases that no community covers yet: where a new one could be made.
    let mut places = Vec::new();
    if can_manage {
        for p in state.store.return_places(actor.office).await? {
            if communities
                .iter()
                .any(|c| c.body.covers(&p.province, Some(&p.community)))
            {
                continue;
            }
            places.push(PlaceRow {
                href: format!(
                    "/communities/new?province={}&place={}",
                    crate::records::encode(&p.province),
                    crate::records::encode(&p.community)
                ),
                province: p.province,
                community: p.community,
                cases: p.cases.to_string(),
            });
        }
    }
    render(&CommunitiesPage {
        c: Chrome::new(&state, tr.clone(), Some(&caller)),
        rows,
        places,
        can_manage,
        can_configure: authorize(&actor, Action::ManageProgramme, Resource::Programme).is_ok(),
        criteria: config
            .active()
            .map(|c| {
                let mut s = criterion_label(&tr, c);
                if c.weight != 1 {
                    s.push_str(&format!(" (×{})", c.weight));
                }
                if c.essential {
                    s.push_str(&format!(" — {}", tr.t("criterion-essential")));
                }
                s
            })
            .collect(),
        ranking_hint: tr.tn("communities-ranking-hint", u64::from(config.shortlist_size)),
    })
}

// ---------------------------------------------------------------------------------------------
// Creating and editing a community

#[derive(Template)]
#[template(path = "map_form.html")]
pub struct NewPage {
    c: Chrome,
    title: String,
    back: String,
    back_label: String,
    form: RecordForm,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NewCommunityQuery {
    province: String,
    place: String,
}

fn new_community_page(
    state: &AppState,
    tr: &Tr,
    caller: &Caller,
    posted: &Posted,
    errors: &ValidationErrors,
) -> NewPage {
    NewPage {
        c: Chrome::new(state, tr.clone(), Some(caller)),
        title: tr.t("communities-add"),
        back: "/communities".into(),
        back_label: tr.t("communities-back"),
        form: RecordForm {
            action: "/communities".into(),
            version: String::new(),
            fieldsets: vec![records::fieldset(
                tr,
                tr.t("community-legend"),
                &community_fields(),
                posted,
                errors,
                &[],
            )],
            submit: tr.t("map-save"),
            has_errors: !errors.is_empty(),
            open: true,
        },
    }
}

pub async fn new_form(
    State(state): State<AppState>,
    tr: Tr,
    SignedIn(caller): SignedIn,
    Query(q): Query<NewCommunityQuery>,
) -> Result<Response, AppError> {
    authorize(
        &caller.actor(),
        Action::ManageCommunity,
        Resource::Programme,
    )?;
    let mut posted = Posted::default();
    posted.0.push(("name".into(), q.place.clone()));
    posted.0.push(("province".into(), q.province));
    posted.0.push(("places".into(), q.place));
    render(&new_community_page(
        &state,
        &tr,
        &caller,
        &posted,
        &ValidationErrors::new(),
    ))
}

pub async fn create(
    State(state): State<AppState>,
    tr: Tr,
    CsrfForm { caller, form }: CsrfForm<Posted>,
) -> Result<Response, AppError> {
    let actor = caller.actor();
    authorize(&actor, Action::ManageCommunity, Resource::Programme)?;
    let c = records::merge::<Community>(
        None,
        records::read(&community_fields(), &form, &[]).0,
        "name",
    )
    .unwrap_or_default();
    let office = cm::office_for(&state, &actor, &c).await?;
    let (read, saved) = save_record_form::<Community>(
        &state,
        &actor,
        &community_fields(),
        &form,
        Target::New(Place {
            parent: None,
            office,
        }),
    )
    .await;
    match settle(read, saved)? {
        Ok(doc) => Ok(Redirect::to(&format!("/communities/{}", doc.id())).into_response()),
        Err((status, errors)) => render_status(
            status,
            &new_community_page(&state, &tr, &caller, &form, &errors),
        ),
    }
}

// ---------------------------------------------------------------------------------------------
// A community's page

pub struct CheckRow {
    pub key: String,
    pub label: String,
    pub source: String,
    pub weight: u8,
    pub essential: bool,
    pub status: String,
    pub status_label: String,
    pub evidence: String,
}

pub struct CaseLink {
    pub href: String,
    pub label: String,
}

pub struct SubmissionLink {
    pub href: String,
    pub title: String,
    pub date: String,
    pub status: String,
}

pub struct ProjectRow {
    pub href: String,
    pub name: String,
    pub kind: String,
    pub dimension: String,
    pub status: String,
    pub returnees: String,
    pub members: String,
    pub mix: String,
}

pub struct ServiceRow {
    pub href: String,
    pub name: String,
    pub provider: String,
    pub category: String,
    pub gap: String,
}

#[derive(Template)]
#[template(path = "community.html")]
pub struct CommunityPage {
    c: Chrome,
    id: String,
    title: String,
    details: Vec<DetailRow>,
    checks: Vec<CheckRow>,
    statuses: Vec<(String, String)>,
    returnees: String,
    cases: Vec<CaseLink>,
    submissions: Vec<SubmissionLink>,
    startable: Vec<(String, String)>,
    projects: Vec<ProjectRow>,
    services: Vec<ServiceRow>,
    can_manage: bool,
    form: Option<RecordForm>,
    selection_error: String,
}

fn project_row(tr: &Tr, p: &Doc<Project>, threshold: Option<u64>) -> ProjectRow {
    let mix = p.body.mix();
    ProjectRow {
        href: format!("/projects/{}", p.id()),
        name: p.body.name.clone(),
        kind: tr.t_of("project-kind", p.body.kind.as_str()),
        dimension: tr.t_of("dimension", p.body.dimension().as_str()),
        status: tr.t_of("project-status", p.body.status().as_str()),
        returnees: super::overview::cell(tr, mix.returnees as u64, threshold),
        members: super::overview::cell(tr, mix.community_members as u64, threshold),
        mix: if mix.has_small_counts(threshold) {
            tr.t("mix-suppressed")
        } else {
            tr.t_of("mix", mix.verdict().as_str())
        },
    }
}

/// Forms offered about a community (ids starting `community_`, but not the project
/// questionnaire) or about a project (the satisfaction questionnaire).
async fn startable(state: &AppState, project: bool) -> Result<Vec<(String, String)>, AppError> {
    let mut out: Vec<(String, String)> = Vec::new();
    for v in state.store.form_versions().await? {
        let fits = if project {
            v.form_id == SATISFACTION_FORM
        } else {
            v.form_id.starts_with("community_") && v.form_id != SATISFACTION_FORM
        };
        if v.published && fits && !out.iter().any(|(id, _)| *id == v.form_id) {
            out.push((v.form_id, v.title));
        }
    }
    out.sort_by(|a, b| a.1.cmp(&b.1));
    Ok(out)
}

async fn submissions(
    state: &AppState,
    tr: &Tr,
    doc: DocumentId,
) -> Result<Vec<SubmissionLink>, AppError> {
    Ok(state
        .store
        .submissions_for(Subject::Document(doc))
        .await?
        .into_iter()
        .map(|s| SubmissionLink {
            href: format!("/records/{doc}/submissions/{}", s.id),
            title: s.form_title,
            date: s.interview_date.to_string(),
            status: tr.t(match s.status {
                SubmissionStatus::Complete => "form-complete",
                SubmissionStatus::Interrupted => "form-interrupted",
                SubmissionStatus::Draft => "form-draft",
            }),
        })
        .collect())
}

async fn community_page(
    state: &AppState,
    tr: &Tr,
    caller: &Caller,
    id: &str,
    form: Option<(Posted, ValidationErrors)>,
    selection_error: String,
) -> Result<CommunityPage, AppError> {
    community_page_with(state, tr, caller, id, form, selection_error, None).await
}

/// As [`community_page`], showing the checklist as it was typed (`typed`) when it was refused.
async fn community_page_with(
    state: &AppState,
    tr: &Tr,
    caller: &Caller,
    id: &str,
    form: Option<(Posted, ValidationErrors)>,
    selection_error: String,
    typed: Option<&Posted>,
) -> Result<CommunityPage, AppError> {
    let actor = caller.actor();
    let doc: Doc<Community> = cm::get(state, &actor, id).await?;
    let can_manage = authorize(
        &actor,
        Action::ManageCommunity,
        Resource::Office(doc.rec.office.unwrap_or_default()),
    )
    .is_ok();
    let threshold = small_cell_threshold(&actor);
    let config = cm::selection_config(state).await?;
    let value = serde_json::to_value(&doc.body).map_err(|e| AppError::internal(e.to_string()))?;
    let fields = community_fields();
    let placed = cm::cases_of(state, &doc).await?;
    let cases = if cm::may_see_participants(&actor) {
        placed
            .iter()
            .filter(|p| cm::may_name(&actor, &p.access))
            .map(|p| CaseLink {
                href: format!("/cases/{}", p.id),
                label: format!("{} · {} {}", p.number, p.given_name, p.family_name),
            })
            .collect()
    } else {
        Vec::new()
    };
    let checks = config
        .criteria
        .iter()
        .map(|c| {
            let check = doc.body.selection.get(&c.key);
            let mut status = check.map(|x| x.status).unwrap_or(CheckStatus::Unknown);
            let mut evidence = check.map(|x| x.evidence.clone()).unwrap_or_default();
            if let Some(p) = typed {
                status = CheckStatus::parse(p.get(&format!("status_{}", c.key))).unwrap_or(status);
                evidence = p.get(&format!("evidence_{}", c.key)).to_string();
            }
            CheckRow {
                key: c.key.clone(),
                label: criterion_label(tr, c),
                source: tr.t_of("criterion-source", c.source.as_str()),
                weight: c.weight,
                essential: c.essential,
                status: status.as_str().to_string(),
                status_label: tr.t_of("check", status.as_str()),
                evidence,
            }
        })
        .collect();
    let projects: Vec<Doc<Project>> = cm::list(state, &actor, Some(doc.id())).await?;
    let services = if authorize(&actor, Action::ReadServices, Resource::Programme).is_ok() {
        services_in_area(state, tr, &doc.body).await?
    } else {
        Vec::new()
    };
    let (posted, errors, has_errors) = match form {
        Some((p, e)) => (p, e, true),
        None => (
            records::posted(&fields, &value, Some(doc.rec.version)),
            ValidationErrors::new(),
            false,
        ),
    };
    Ok(CommunityPage {
        c: Chrome::new(state, tr.clone(), Some(caller)),
        id: doc.id().to_string(),
        title: doc.body.name.clone(),
        details: records::rows(tr, &fields, &value, &[]),
        checks,
        statuses: CheckStatus::ALL
            .iter()
            .map(|s| (s.as_str().to_string(), tr.t_of("check", s.as_str())))
            .collect(),
        returnees: super::overview::cell(tr, placed.len() as u64, threshold),
        cases,
        submissions: if cm::may_see_participants(&actor) {
            submissions(state, tr, doc.id()).await?
        } else {
            Vec::new()
        },
        startable: if can_manage {
            startable(state, false).await?
        } else {
            Vec::new()
        },
        projects: projects
            .iter()
            .map(|p| project_row(tr, p, threshold))
            .collect(),
        services,
        form: can_manage.then(|| RecordForm {
            action: format!("/communities/{}", doc.id()),
            version: posted.get("version").to_string(),
            fieldsets: vec![records::fieldset(
                tr,
                tr.t("community-legend"),
                &fields,
                &posted,
                &errors,
                &[],
            )],
            submit: tr.t("map-save"),
            has_errors,
            open: has_errors,
        }),
        can_manage,
        selection_error,
    })
}

/// Services on the map in the community's area (its name, places or province named in the
/// service's place), with the gap they show.
async fn services_in_area(
    state: &AppState,
    tr: &Tr,
    c: &Community,
) -> Result<Vec<ServiceRow>, AppError> {
    Ok(state
        .store
        .services()
        .await?
        .into_iter()
        .filter(|s| in_area(c, &s.service.place))
        .map(|s| ServiceRow {
            href: format!("/services/{}", s.id),
            name: s.service.name.clone(),
            provider: s.provider_name.clone(),
            category: tr.t_of("category", s.service.category.as_str()),
            gap: s
                .service
                .ratings
                .gap()
                .map(|g| tr.t_of("gap", g.as_str()))
                .unwrap_or_else(|| tr.t("not-recorded")),
        })
        .collect())
}

fn in_area(c: &Community, place: &str) -> bool {
    let place = domain::text::fold(place);
    if place.is_empty() {
        return false;
    }
    std::iter::once(&c.province)
        .chain(std::iter::once(&c.name))
        .chain(&c.places)
        .map(|p| domain::text::fold(p))
        .any(|p| !p.is_empty() && place.contains(&p))
}

pub async fn view(
    State(state): State<AppState>,
    tr: Tr,
    SignedIn(caller): SignedIn,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    render(&community_page(&state, &tr, &caller, &id, None, String::new()).await?)
}

pub async fn save(
    State(state): State<AppState>,
    tr: Tr,
    Path(id): Path<String>,
    CsrfForm { caller, form }: CsrfForm<Posted>,
) -> Result<Response, AppError> {
    let actor = caller.actor();
    let doc: Doc<Community> = cm::managed(&state, &actor, &id).await?;
    let (read, saved) = save_record_form(
        &state,
        &actor,
        &community_fields(),
        &form,
        Target::Existing(&doc),
    )
    .await;
    match settle(read, saved)? {
        Ok(_) => Ok(Redirect::to(&format!("/communities/{id}")).into_response()),
        Err((status, errors)) => render_status(
            status,
            &community_page(
                &state,
                &tr,
                &caller,
                &id,
                Some((form, errors)),
                String::new(),
            )
            .await?,
        ),
    }
}

/// Records the selection checklist as assessed for the community: a status and evidence per
/// criterion (`status_<key>`, `evidence_<key>`).
pub async fn save_selection(
    State(state): State<AppState>,
    tr: Tr,
    Path(id): Path<String>,
    CsrfForm { caller, form }: CsrfForm<Posted>,
) -> Result<Response, AppError> {
    let actor = caller.actor();
    let doc: Doc<Community> = cm::managed(&state, &actor, &id).await?;
    let config = cm::selection_config(&state).await?;
    let mut body = doc.body.clone();
    let mut bad = false;
    for c in &config.criteria {
        let status = form.get(&format!("status_{}", c.key));
        let evidence = form.get(&format!("evidence_{}", c.key)).trim().to_string();
        if status.is_empty() {
            // Not on the form that was sent: left as it was.
            continue;
        }
        match CheckStatus::parse(status) {
            Some(CheckStatus::Unknown) if evidence.is_empty() => {
                body.selection.remove(&c.key);
            }
            Some(status) => {
                body.selection
                    .insert(c.key.clone(), CriterionCheck { status, evidence });
            }
            None => bad = true,
        }
    }
    let version: Option<i64> = form.get("version").trim().parse().ok();
    let result = match (bad, version) {
        (true, _) | (_, None) => Err(AppError::validation(invalid("selection", "error-choice"))),
        (false, Some(v)) => cm::update(&state, &actor, &doc, v, body)
            .await
            .map_err(AppError::from),
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/communities/{id}#selection")).into_response()),
        Err(e) => {
            // A status left unchosen says so; otherwise what the community's checks found,
            // such as evidence that is too long.
            let (status, message) = match super::refused_change(&tr, e)? {
                (status, _) if bad => (status, tr.t("error-selection")),
                refused => refused,
            };
            render_status(
                status,
                &community_page_with(&state, &tr, &caller, &id, None, message, Some(&form)).await?,
            )
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The programme's checklist

pub struct CriterionRow {
    pub key: String,
    pub label: String,
    pub source: String,
    pub custom: bool,
    pub weight: String,
    pub essential: bool,
    pub error: String,
}

#[derive(Template)]
#[template(path = "community_criteria.html")]
pub struct CriteriaPage {
    c: Chrome,
    rows: Vec<CriterionRow>,
    shortlist_size: String,
    shortlist_error: String,
    new_label: String,
    new_label_error: String,
    has_errors: bool,
    weights: Vec<String>,
    /// The stored checklist the form shows, and why it came back (someone else saved first).
    based_on: String,
    problem: String,
}

/// What the checklist form shows besides the criteria: as stored, or as typed when refused.
struct CriteriaTyped {
    shortlist_size: String,
    new_label: String,
    errors: ValidationErrors,
    /// The fingerprint of the stored checklist the form is based on.
    based_on: String,
}

fn criteria_page(
    state: &AppState,
    tr: &Tr,
    caller: &Caller,
    config: &SelectionConfig,
    typed: CriteriaTyped,
) -> CriteriaPage {
    let CriteriaTyped {
        shortlist_size: size_text,
        new_label,
        errors,
        based_on,
    } = typed;
    let errors = &errors;
    let msg = |f: &str| errors.for_field(f).map(|c| tr.t(c)).unwrap_or_default();
    CriteriaPage {
        c: Chrome::new(state, tr.clone(), Some(caller)),
        rows: config
            .criteria
            .iter()
            .map(|c| CriterionRow {
                key: c.key.clone(),
                label: criterion_label(tr, c),
                source: tr.t_of("criterion-source", c.source.as_str()),
                custom: c.source == CriterionSource::Programme,
                weight: c.weight.to_string(),
                essential: c.essential,
                error: [
                    msg(&format!("weight_{}", c.key)),
                    msg(&format!("label_{}", c.key)),
                ]
                .into_iter()
                .filter(|m| !m.is_empty())
                .collect::<Vec<_>>()
                .join(" "),
            })
            .collect(),
        shortlist_size: size_text,
        shortlist_error: msg("shortlist_size"),
        new_label_error: msg("new_label"),
        new_label,
        has_errors: !errors.is_empty(),
        weights: (0..=MAX_WEIGHT).map(|w| w.to_string()).collect(),
        based_on,
        problem: String::new(),
    }
}

pub async fn criteria(
    State(state): State<AppState>,
    tr: Tr,
    SignedIn(caller): SignedIn,
) -> Result<Response, AppError> {
    authorize(
        &caller.actor(),
        Action::ManageProgramme,
        Resource::Programme,
    )?;
    let config = cm::selection_config(&state).await?;
    render(&criteria_page(
        &state,
        &tr,
        &caller,
        &config,
        CriteriaTyped {
            shortlist_size: config.shortlist_size.to_string(),
            new_label: String::new(),
            errors: ValidationErrors::new(),
            based_on: cm::selection_fingerprint(&config),
        },
    ))
}

pub async fn save_criteria(
    State(state): State<AppState>,
    tr: Tr,
    CsrfForm { caller, form }: CsrfForm<Posted>,
) -> Result<Response, AppError> {
    let actor = caller.actor();
    authorize(&actor, Action::ManageProgramme, Resource::Programme)?;
    let current = cm::selection_config(&state).await?;
    let mut read = ValidationErrors::new();
    let mut config = SelectionConfig {
        criteria: Vec::new(),
        shortlist_size: 0,
    };
    for c in &current.criteria {
        if c.source == CriterionSource::Programme
            && !form.get(&format!("remove_{}", c.key)).is_empty()
        {
            continue;
        }
        let weight = match form.get(&format!("weight_{}", c.key)).trim().parse::<u8>() {
            Ok(w) => w,
            Err(_) => {
                read.add(format!("weight_{}", c.key), "error-weight");
                c.weight
            }
        };
        config.criteria.push(Criterion {
            weight,
            essential: !form.get(&format!("essential_{}", c.key)).is_empty(),
            ..c.clone()
        });
    }
    let new_label = form.get("new_label").trim().to_string();
    if new_label.chars().count() > domain::case::MAX_SHORT_TEXT {
        read.add("new_label", "error-too-long");
    }
    let size_text = form.get("shortlist_size").trim().to_string();
    match size_text.parse::<u8>() {
        Ok(n) => config.shortlist_size = n,
        Err(_) => read.add("shortlist_size", "error-shortlist-size"),
    }
    // A refused form shows the new criterion in its box only, not also as a row (saving it
    // again would add it twice).
    let mut to_save = config.clone();
    if !new_label.is_empty() {
        to_save.criteria.push(Criterion {
            key: format!(
                "programme_{}",
                &uuid::Uuid::new_v4().simple().to_string()[..8]
            ),
            label: new_label.clone(),
            source: CriterionSource::Programme,
            weight: 1,
            essential: false,
        });
    }
    // Stale first: a checklist changed since may have rows this form lacks.
    let result = if form.get("based_on") != cm::selection_fingerprint(&current) {
        Err(AppError::new(ErrorKind::Conflict))
    } else if read.is_empty() {
        cm::save_selection_config(&state, &actor, to_save, form.get("based_on"))
            .await
            .map_err(AppError::from)
    } else {
        Err(AppError::validation(read))
    };
    let (status, problem, based_on, errors) = match result {
        Ok(()) => return Ok(Redirect::to("/communities").into_response()),
        // Saved by someone else since this form was loaded: shown again as typed, now based on
        // what is stored, to be checked and saved again.
        Err(e) if e.kind == ErrorKind::Conflict => {
            let stored = cm::selection_config(&state).await?;
            (
                StatusCode::CONFLICT,
                tr.t("error-stale-record"),
                cm::selection_fingerprint(&stored),
                ValidationErrors::new(),
            )
        }
        Err(e) if e.kind == ErrorKind::Validation => (
            StatusCode::UNPROCESSABLE_ENTITY,
            String::new(),
            form.get("based_on").to_string(),
            e.fields,
        ),
        Err(e) => return Err(e),
    };
    let page = CriteriaPage {
        problem,
        ..criteria_page(
            &state,
            &tr,
            &caller,
            &config,
            CriteriaTyped {
                shortlist_size: size_text,
                new_label,
                errors,
                based_on,
            },
        )
    };
    render_status(status, &page)
}

// ---------------------------------------------------------------------------------------------
// Projects

pub struct ParticipantRow {
    pub id: String,
    pub who: String,
    pub href: String,
    pub kind: String,
    pub role: String,
    pub sex: String,
    pub joined: String,
    pub left: String,
    pub active: bool,
}

pub struct VisitRow {
    pub on: String,
    pub rating: String,
    pub by: String,
    pub met: String,
    pub findings: String,
    pub follow_up: String,
}

pub struct ScreeningRow {
    pub name: String,
    pub label: String,
    pub answer: String,
    pub negative: bool,
}

pub struct StageRow {
    pub stage: String,
    pub passed: bool,
    pub on: String,
    pub note: String,
}

#[derive(Template)]
#[template(path = "project.html")]
pub struct ProjectPage {
    c: Chrome,
    id: String,
    /// The version every form of the page is based on.
    version: i64,
    case_number: String,
    title: String,
    community: String,
    community_href: String,
    status: String,
    details: Vec<DetailRow>,
    mix_returnees: String,
    mix_members: String,
    mix_women: String,
    mix_men: String,
    mix_share: String,
    mix_verdict: String,
    mix_ok: bool,
    names: bool,
    participants: Vec<ParticipantRow>,
    screening: Vec<ScreeningRow>,
    screened: bool,
    screening_ok: bool,
    screening_summary: String,
    stages: Vec<StageRow>,
    next_stage: Option<(String, String)>,
    needs_selection: bool,
    started: bool,
    closed: bool,
    closing: String,
    visits: Vec<VisitRow>,
    satisfaction: String,
    submissions: Vec<SubmissionLink>,
    startable: Vec<(String, String)>,
    can_manage: bool,
    case_choices: Vec<(String, String)>,
    problem: String,
    participant_form: Vec<Fieldset>,
    participant_open: bool,
    visit_open: bool,
    visit_form: Vec<Fieldset>,
    screening_form: Vec<Fieldset>,
    form: Option<RecordForm>,
    start_blocked: String,
    stage_typed: TypedStep,
    step_typed: TypedStep,
    today: String,
}

#[derive(Default)]
struct ProjectForms {
    edit: Option<(Posted, ValidationErrors)>,
    participant: Option<(Posted, ValidationErrors)>,
    visit: Option<(Posted, ValidationErrors)>,
    screening: Option<(Posted, ValidationErrors)>,
    /// What was typed in the selection or the lifecycle form, given back when refused.
    stage: Option<TypedStep>,
    step: Option<TypedStep>,
    problem: String,
}

#[derive(Clone, Default)]
struct TypedStep {
    on: String,
    note: String,
    passed: String,
}

fn participant_fields() -> Vec<Field> {
    vec![
        required(
            "kind",
            Input::Choice(
                "participant-kind",
                values(ParticipantKind::ALL, ParticipantKind::as_str),
            ),
        ),
        field("name", Input::Text),
        field("sex", Input::Choice("sex", values(Sex::ALL, Sex::as_str))),
        required(
            "role",
            Input::Choice(
                "participant-role",
                values(ParticipantRole::ALL, ParticipantRole::as_str),
            ),
        ),
        required("joined", Input::Date),
    ]
}

fn screening_fields() -> Vec<Field> {
    let mut f = vec![required("on", Input::Date)];
    for k in POSITIVE_CRITERIA.iter().chain(&NEGATIVE_CRITERIA) {
        f.push(required(k, Input::Choice("answer", vec!["yes", "no"])));
    }
    f.push(field("note", Input::Textarea));
    f
}

async fn project_page(
    state: &AppState,
    tr: &Tr,
    caller: &Caller,
    id: &str,
    forms: ProjectForms,
) -> Result<ProjectPage, AppError> {
    let actor = caller.actor();
    let doc: Doc<Project> = cm::get(state, &actor, id).await?;
    let community = cm::community_of(state, &actor, &doc).await?;
    let p = &doc.body;
    let can_manage = authorize(
        &actor,
        Action::ManageCommunity,
        Resource::Office(doc.rec.office.unwrap_or_default()),
    )
    .is_ok();
    let names = cm::may_see_participants(&actor);
    let threshold = small_cell_threshold(&actor);
    let value = serde_json::to_value(p).map_err(|e| AppError::internal(e.to_string()))?;
    let fields = project_fields();
    let mut participants = Vec::new();
    if names {
        for x in &p.participants {
            let (who, href) = match x.case {
                Some(case) => match state.store.case(case).await {
                    Ok(c) if cm::may_name(&actor, &c.access()) => (
                        format!(
                            "{} {} · {}",
                            c.profile.given_name, c.profile.family_name, c.number
                        ),
                        format!("/cases/{}", c.id),
                    ),
                    _ => (tr.t("participant-returnee-hidden"), String::new()),
                },
                None => (x.name.clone(), String::new()),
            };
            participants.push(ParticipantRow {
                id: x.id.to_string(),
                who,
                href,
                kind: tr.t_of("participant-kind", x.kind.as_str()),
                role: tr.t_of("participant-role", x.role.as_str()),
                sex: x
                    .sex
                    .map(|s| tr.t_of("sex", s.as_str()))
                    .unwrap_or_default(),
                joined: x.joined.to_string(),
                left: x.left.map(|d| d.to_string()).unwrap_or_default(),
                active: x.active(),
            });
        }
    }
    let mix = p.mix();
    let small_mix = mix.has_small_counts(threshold);
    let visits: Vec<Doc<MonitoringVisit>> = cm::list(state, &actor, Some(doc.id())).await?;
    let case_choices: Vec<(String, String)> = if can_manage {
        cm::cases_of(state, &community)
            .await?
            .into_iter()
            .filter(|c| cm::may_name(&actor, &c.access) && !p.active_cases().contains(&c.id))
            .map(|c| {
                (
                    c.number.clone(),
                    format!("{} · {} {}", c.number, c.given_name, c.family_name),
                )
            })
            .collect()
    } else {
        Vec::new()
    };
    let mut satisfaction = Satisfaction::default();
    for s in state
        .store
        .submissions_for(Subject::Document(doc.id()))
        .await?
    {
        if s.status == SubmissionStatus::Complete && s.form_id == SATISFACTION_FORM {
            let a: serde_json::Value = serde_json::from_str(&s.answers).unwrap_or_default();
            let text = |k: &str| a.get(k).and_then(|v| v.as_str()).unwrap_or("").to_string();
            satisfaction.add(&text(RESPONDENT_FIELD), &text(SATISFACTION_FIELD));
        }
    }
    let screening = p.screening.as_ref();
    let (edit_posted, edit_errors, edit_open) = match forms.edit {
        Some((p, e)) => (p, e, true),
        None => (
            records::posted(&fields, &value, Some(doc.rec.version)),
            ValidationErrors::new(),
            false,
        ),
    };
    let blank = || (Posted::default(), ValidationErrors::new());
    let (pp, pe) = forms.participant.unwrap_or_else(blank);
    let (vp, ve) = forms.visit.unwrap_or_else(|| {
        let mut p = Posted::default();
        p.0.push(("on".into(), today().to_string()));
        (p, ValidationErrors::new())
    });
    let (sp, se) = forms.screening.unwrap_or_else(|| {
        let mut p = Posted::default();
        p.0.push(("on".into(), today().to_string()));
        if let Some(s) = screening {
            for (k, v) in &s.answers {
                p.0.push((k.clone(), if *v { "yes" } else { "no" }.into()));
            }
            p.0.push(("note".into(), s.note.clone()));
        }
        (p, ValidationErrors::new())
    });
    Ok(ProjectPage {
        c: Chrome::new(state, tr.clone(), Some(caller)),
        id: doc.id().to_string(),
        version: doc.rec.version,
        title: p.name.clone(),
        community: community.body.name.clone(),
        community_href: format!("/communities/{}", community.id()),
        status: tr.t_of("project-status", p.status().as_str()),
        details: {
            let mut rows = vec![DetailRow {
                label: tr.t("field-dimension"),
                value: tr.t_of("dimension", p.dimension().as_str()),
            }];
            rows.extend(records::rows(tr, &fields, &value, &[]));
            rows
        },
        mix_returnees: super::overview::cell(tr, mix.returnees as u64, threshold),
        mix_members: super::overview::cell(tr, mix.community_members as u64, threshold),
        mix_women: super::overview::cell(tr, mix.women as u64, threshold),
        mix_men: super::overview::cell(tr, mix.men as u64, threshold),
        mix_share: match mix.returnee_percent() {
            Some(pc) if !small_mix => tr.t1("mix-share", "percent", pc),
            _ => String::new(),
        },
        mix_verdict: if small_mix {
            tr.t("mix-suppressed")
        } else {
            tr.t_of("mix", mix.verdict().as_str())
        },
        // Suppressed, the verdict is not hinted at by its colour either.
        mix_ok: small_mix || mix.verdict() == domain::community::MixVerdict::Mixed,
        names,
        participants,
        screening: POSITIVE_CRITERIA
            .iter()
            .map(|k| (k, false))
            .chain(NEGATIVE_CRITERIA.iter().map(|k| (k, true)))
            .map(|(k, negative)| ScreeningRow {
                name: k.to_string(),
                label: records::label(tr, k),
                answer: screening
                    .and_then(|s| s.answers.get(*k))
                    .map(|v| tr.t(if *v { "answer-yes" } else { "answer-no" }))
                    .unwrap_or_default(),
                negative,
            })
            .collect(),
        screened: screening.is_some(),
        screening_ok: screening.is_some_and(|s| s.passes()),
        screening_summary: screening
            .map(|s| {
                let drawbacks = s.drawbacks();
                if drawbacks.is_empty() {
                    tr.t2(
                        "screening-passes",
                        "positives",
                        s.positives(),
                        "total",
                        POSITIVE_CRITERIA.len(),
                    )
                } else {
                    tr.t1(
                        "screening-fails",
                        "drawbacks",
                        drawbacks
                            .iter()
                            .map(|k| records::label(tr, k))
                            .collect::<Vec<_>>()
                            .join("; "),
                    )
                }
            })
            .unwrap_or_default(),
        stages: p
            .selection
            .iter()
            .map(|d| StageRow {
                stage: tr.t_of("selection-stage", d.stage.as_str()),
                passed: d.passed,
                on: d.on.to_string(),
                note: d.note.clone(),
            })
            .collect(),
        next_stage: (screening.is_some_and(|s| s.passes())
            && p.started_on.is_none()
            && p.closing.is_none())
        .then(|| p.next_stage())
        .flatten()
        .map(|s| {
            (
                s.as_str().to_string(),
                tr.t_of("selection-stage", s.as_str()),
            )
        }),
        needs_selection: p.kind.needs_selection(),
        started: p.started_on.is_some(),
        closed: p.closing.is_some(),
        closing: p
            .closing
            .as_ref()
            .map(|c| {
                format!(
                    "{} · {} {}",
                    tr.t_of("project-outcome", c.outcome.as_str()),
                    c.on,
                    c.note
                )
            })
            .unwrap_or_default(),
        visits: visits
            .iter()
            .rev()
            .map(|v| VisitRow {
                on: v.body.on.to_string(),
                rating: tr.t_of("visit-rating", v.body.rating.as_str()),
                by: v.rec.updated_by.clone().unwrap_or_default(),
                met: v
                    .body
                    .participants_met
                    .map(|n| super::overview::cell(tr, u64::from(n), threshold))
                    .unwrap_or_default(),
                findings: if names {
                    v.body.findings.clone()
                } else {
                    String::new()
                },
                follow_up: if names {
                    v.body.follow_up.clone()
                } else {
                    String::new()
                },
            })
            .collect(),
        satisfaction: if satisfaction.community_members == 0 {
            tr.t("satisfaction-none")
        } else if threshold.is_some_and(|t| satisfaction.community_members < t) {
            tr.t("satisfaction-suppressed")
        } else {
            tr.t2(
                "satisfaction-summary",
                "satisfied",
                satisfaction.satisfied,
                "total",
                satisfaction.community_members,
            )
        },
        submissions: if names {
            submissions(state, tr, doc.id()).await?
        } else {
            Vec::new()
        },
        startable: if can_manage {
            startable(state, true).await?
        } else {
            Vec::new()
        },
        can_manage,
        participant_form: vec![records::fieldset_in(
            tr,
            "participant-",
            tr.t("participant-legend"),
            &participant_fields(),
            &pp,
            &pe,
            &[],
        )],
        case_number: pp.get("case_number").to_string(),
        participant_open: !pe.is_empty(),
        visit_open: !ve.is_empty(),
        case_choices,
        problem: forms.problem,
        visit_form: vec![records::fieldset_in(
            tr,
            "visit-",
            tr.t("visit-legend"),
            &visit_fields(),
            &vp,
            &ve,
            &[],
        )],
        screening_form: vec![records::fieldset_in(
            tr,
            "screening-",
            tr.t("screening-legend"),
            &screening_fields(),
            &sp,
            &se,
            &[],
        )],
        form: can_manage.then(|| RecordForm {
            action: format!("/projects/{}", doc.id()),
            version: edit_posted.get("version").to_string(),
            fieldsets: vec![records::fieldset(
                tr,
                tr.t("project-legend"),
                &fields,
                &edit_posted,
                &edit_errors,
                &[],
            )],
            submit: tr.t("map-save"),
            has_errors: edit_open,
            open: edit_open,
        }),
        // Why the project cannot start today, said instead of offering a button that would
        // only be refused.
        start_blocked: p
            .can_start(today())
            .err()
            .map(|r| tr.t(r.code()))
            .unwrap_or_default(),
        stage_typed: forms.stage.unwrap_or_else(|| TypedStep {
            on: today().to_string(),
            ..Default::default()
        }),
        step_typed: forms.step.unwrap_or_else(|| TypedStep {
            on: today().to_string(),
            ..Default::default()
        }),
        today: today().to_string(),
    })
}

pub async fn projects_page(
    State(state): State<AppState>,
    tr: Tr,
    SignedIn(caller): SignedIn,
) -> Result<Response, AppError> {
    let actor = caller.actor();
    let communities: Vec<Doc<Community>> = cm::list(&state, &actor, None).await?;
    let projects: Vec<Doc<Project>> = cm::list(&state, &actor, None).await?;
    let threshold = small_cell_threshold(&actor);
    let rows = projects
        .iter()
        .map(|p| {
            let community = communities
                .iter()
                .find(|c| Some(c.id()) == p.rec.parent)
                .map(|c| c.body.name.clone())
                .unwrap_or_default();
            (community, project_row(&tr, p, threshold))
        })
        .collect();
    render(&ProjectsPage {
        c: Chrome::new(&state, tr.clone(), Some(&caller)),
        rows,
    })
}

#[derive(Template)]
#[template(path = "projects.html")]
pub struct ProjectsPage {
    c: Chrome,
    rows: Vec<(String, ProjectRow)>,
}

pub async fn project_view(
    State(state): State<AppState>,
    tr: Tr,
    SignedIn(caller): SignedIn,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    render(&project_page(&state, &tr, &caller, &id, ProjectForms::default()).await?)
}

fn new_project_page(
    state: &AppState,
    tr: &Tr,
    caller: &Caller,
    community: &Doc<Community>,
    posted: &Posted,
    errors: &ValidationErrors,
) -> NewPage {
    NewPage {
        c: Chrome::new(state, tr.clone(), Some(caller)),
        title: tr.t1("projects-add-in", "community", &community.body.name),
        back: format!("/communities/{}", community.id()),
        back_label: community.body.name.clone(),
        form: RecordForm {
            action: format!("/communities/{}/projects", community.id()),
            version: String::new(),
            fieldsets: vec![records::fieldset(
                tr,
                tr.t("project-legend"),
                &project_fields(),
                posted,
                errors,
                &[],
            )],
            submit: tr.t("map-save"),
            has_errors: !errors.is_empty(),
            open: true,
        },
    }
}

pub async fn project_new(
    State(state): State<AppState>,
    tr: Tr,
    SignedIn(caller): SignedIn,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let actor = caller.actor();
    let community: Doc<Community> = cm::get(&state, &actor, &id).await?;
    authorize(
        &actor,
        Action::ManageCommunity,
        Resource::Office(community.rec.office.unwrap_or_default()),
    )?;
    render(&new_project_page(
        &state,
        &tr,
        &caller,
        &community,
        &Posted::default(),
        &ValidationErrors::new(),
    ))
}

pub async fn project_create(
    State(state): State<AppState>,
    tr: Tr,
    Path(id): Path<String>,
    CsrfForm { caller, form }: CsrfForm<Posted>,
) -> Result<Response, AppError> {
    let actor = caller.actor();
    let community: Doc<Community> = cm::get(&state, &actor, &id).await?;
    let place = Place {
        parent: Some(community.id()),
        office: community.rec.office,
    };
    authorize(
        &actor,
        Action::ManageCommunity,
        Resource::Office(community.rec.office.unwrap_or_default()),
    )?;
    let (read, saved) =
        save_record_form::<Project>(&state, &actor, &project_fields(), &form, Target::New(place))
            .await;
    match settle(read, saved)? {
        Ok(doc) => Ok(Redirect::to(&format!("/projects/{}", doc.id())).into_response()),
        Err((status, errors)) => render_status(
            status,
            &new_project_page(&state, &tr, &caller, &community, &form, &errors),
        ),
    }
}

pub async fn project_save(
    State(state): State<AppState>,
    tr: Tr,
    Path(id): Path<String>,
    CsrfForm { caller, form }: CsrfForm<Posted>,
) -> Result<Response, AppError> {
    let actor = caller.actor();
    let doc: Doc<Project> = cm::managed(&state, &actor, &id).await?;
    let (read, saved) = if form.get("kind") != doc.body.kind.as_str() && !doc.body.kind_can_change()
    {
        (invalid("kind", ProjectRefusal::KindLocked.code()), None)
    } else {
        save_record_form(
            &state,
            &actor,
            &project_fields(),
            &form,
            Target::Existing(&doc),
        )
        .await
    };
    match settle(read, saved)? {
        Ok(_) => Ok(Redirect::to(&format!("/projects/{id}")).into_response()),
        Err((status, errors)) => {
            let forms = ProjectForms {
                edit: Some((form, errors)),
                ..Default::default()
            };
            render_status(
                status,
                &project_page(&state, &tr, &caller, &id, forms).await?,
            )
        }
    }
}

/// Applies a lifecycle change to a project at the version the form was based on. A step the
/// project's state does not allow comes back on the page with the reason.
#[allow(clippy::too_many_arguments)]
async fn project_step(
    state: &AppState,
    tr: &Tr,
    caller: &Caller,
    id: &str,
    version: Option<i64>,
    change: impl FnOnce(&mut Project) -> Result<(), ProjectRefusal>,
    forms: ProjectForms,
    anchor: &str,
) -> Result<Response, AppError> {
    let actor = caller.actor();
    let doc: Doc<Project> = cm::get(state, &actor, id).await?;
    match cm::step_project(state, &actor, &doc, version, change)
        .await
        .map_err(AppError::from)
    {
        Ok(_) => Ok(Redirect::to(&format!("/projects/{id}{anchor}")).into_response()),
        Err(e) => {
            let (status, problem) = super::refused_change(tr, e)?;
            let forms = ProjectForms { problem, ..forms };
            render_status(status, &project_page(state, tr, caller, id, forms).await?)
        }
    }
}

fn version_of(form: &Posted) -> Option<i64> {
    form.get("version").trim().parse().ok()
}

pub async fn screening(
    State(state): State<AppState>,
    tr: Tr,
    Path(id): Path<String>,
    CsrfForm { caller, form }: CsrfForm<Posted>,
) -> Result<Response, AppError> {
    cm::managed::<Project>(&state, &caller.actor(), &id).await?;
    let (fields, read) = records::read(&screening_fields(), &form, &[]);
    let parsed = if read.is_empty() {
        let on = fields["on"].as_str().and_then(domain::case::date::parse);
        let answers: BTreeMap<String, bool> = POSITIVE_CRITERIA
            .iter()
            .chain(&NEGATIVE_CRITERIA)
            .map(|k| (k.to_string(), fields[*k].as_str() == Some("yes")))
            .collect();
        on.map(|on| Screening {
            on,
            answers,
            note: fields["note"].as_str().unwrap_or("").to_string(),
        })
    } else {
        None
    };
    let errors = match &parsed {
        Some(s) => s.validate(today()),
        None => read,
    };
    if !errors.is_empty() || parsed.is_none() {
        let forms = ProjectForms {
            screening: Some((form, errors)),
            problem: tr.t("form-has-errors"),
            ..Default::default()
        };
        return render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &project_page(&state, &tr, &caller, &id, forms).await?,
        );
    }
    let Some(s) = parsed else {
        return Err(AppError::new(ErrorKind::Validation));
    };
    let version = version_of(&form);
    let forms = ProjectForms {
        screening: Some((form, ValidationErrors::new())),
        ..Default::default()
    };
    project_step(
        &state,
        &tr,
        &caller,
        &id,
        version,
        |p| p.screen(s),
        forms,
        "#screening",
    )
    .await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct StageForm {
    version: String,
    stage: String,
    passed: String,
    on: String,
    note: String,
}

pub async fn selection(
    State(state): State<AppState>,
    tr: Tr,
    Path(id): Path<String>,
    CsrfForm { caller, form }: CsrfForm<StageForm>,
) -> Result<Response, AppError> {
    cm::managed::<Project>(&state, &caller.actor(), &id).await?;
    let stage = SelectionStage::parse(&form.stage);
    let on = domain::case::date::parse(&form.on);
    let passed = match form.passed.as_str() {
        "yes" => Some(true),
        "no" => Some(false),
        _ => None,
    };
    let forms = ProjectForms {
        stage: Some(TypedStep {
            on: form.on.clone(),
            note: form.note.clone(),
            passed: form.passed.clone(),
        }),
        ..Default::default()
    };
    let (Some(stage), Some(on), Some(passed)) = (stage, on, passed) else {
        let problem = if on.is_none() {
            "error-date-format"
        } else {
            "error-stage-form"
        };
        return refused_step(&state, &tr, &caller, &id, forms, problem).await;
    };
    let decision = StageDecision {
        stage,
        passed,
        on,
        note: form.note.trim().to_string(),
    };
    project_step(
        &state,
        &tr,
        &caller,
        &id,
        form.version.trim().parse().ok(),
        |p| p.decide(decision),
        forms,
        "#selection",
    )
    .await
}

/// The project page again with a step's form as typed and what to fix.
async fn refused_step(
    state: &AppState,
    tr: &Tr,
    caller: &Caller,
    id: &str,
    forms: ProjectForms,
    problem: &str,
) -> Result<Response, AppError> {
    let forms = ProjectForms {
        problem: tr.t(problem),
        ..forms
    };
    render_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &project_page(state, tr, caller, id, forms).await?,
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LifecycleForm {
    version: String,
    step: String,
    on: String,
    note: String,
}

pub async fn lifecycle(
    State(state): State<AppState>,
    tr: Tr,
    Path(id): Path<String>,
    CsrfForm { caller, form }: CsrfForm<LifecycleForm>,
) -> Result<Response, AppError> {
    cm::managed::<Project>(&state, &caller.actor(), &id).await?;
    let forms = ProjectForms {
        step: Some(TypedStep {
            on: form.on.clone(),
            note: form.note.clone(),
            passed: String::new(),
        }),
        ..Default::default()
    };
    let Some(on) = domain::case::date::parse(&form.on) else {
        return refused_step(&state, &tr, &caller, &id, forms, "error-date-format").await;
    };
    let note = form.note.trim().to_string();
    let step = LifecycleStep::parse(&form.step);
    project_step(
        &state,
        &tr,
        &caller,
        &id,
        form.version.trim().parse().ok(),
        move |p| match step {
            Some(step) => p.take_step(step, on, note),
            None => Err(ProjectRefusal::UnknownStep),
        },
        forms,
        "",
    )
    .await
}

/// Adds a participant: a returnee chosen by case number (whose case the user must be able to
/// read), or a community member by name.
pub async fn add_participant(
    State(state): State<AppState>,
    tr: Tr,
    Path(id): Path<String>,
    CsrfForm { caller, form }: CsrfForm<Posted>,
) -> Result<Response, AppError> {
    cm::managed::<Project>(&state, &caller.actor(), &id).await?;
    let actor = caller.actor();
    let (fields, mut read) = records::read(&participant_fields(), &form, &[]);
    let kind = fields["kind"].as_str().and_then(ParticipantKind::parse);
    let mut case = None;
    let mut sex = fields["sex"].as_str().and_then(Sex::parse);
    match kind {
        Some(ParticipantKind::Returnee) => {
            let number = form.get("case_number").trim().to_uppercase();
            let found = match state.store.case_by_number(&number).await? {
                Some(cid) => {
                    let c = state.store.case(cid).await?;
                    cm::may_name(&actor, &c.access()).then_some(c)
                }
                None => None,
            };
            match found {
                Some(c) => {
                    sex = sex.or(Some(c.profile.sex));
                    case = Some(c.id);
                }
                None => read.add("case_number", "error-case-number-unknown"),
            }
        }
        Some(ParticipantKind::CommunityMember)
            if fields["name"].as_str().unwrap_or("").is_empty() =>
        {
            read.add("name", "error-required")
        }
        _ => {}
    }
    if fields["joined"]
        .as_str()
        .and_then(domain::case::date::parse)
        .is_some_and(|d| d > today())
    {
        read.add("joined", "error-date-in-future");
    }
    if !read.is_empty() {
        let forms = ProjectForms {
            participant: Some((form, read)),
            problem: tr.t("form-has-errors"),
            ..Default::default()
        };
        return render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &project_page(&state, &tr, &caller, &id, forms).await?,
        );
    }
    let (Some(kind), Some(role), Some(joined)) = (
        kind,
        fields["role"].as_str().and_then(ParticipantRole::parse),
        fields["joined"]
            .as_str()
            .and_then(domain::case::date::parse)
            .filter(|d| *d <= today()),
    ) else {
        return Err(AppError::new(ErrorKind::Validation));
    };
    let participant = ProjectParticipant {
        id: uuid::Uuid::new_v4(),
        kind,
        case,
        name: if kind == ParticipantKind::CommunityMember {
            fields["name"].as_str().unwrap_or("").to_string()
        } else {
            String::new()
        },
        sex,
        role,
        joined,
        left: None,
    };
    let version = version_of(&form);
    let forms = ProjectForms {
        participant: Some((form, ValidationErrors::new())),
        ..Default::default()
    };
    project_step(
        &state,
        &tr,
        &caller,
        &id,
        version,
        |p| p.add_participant(participant),
        forms,
        "#participants",
    )
    .await
}

pub async fn participant_leaves(
    State(state): State<AppState>,
    tr: Tr,
    Path((id, pid)): Path<(String, String)>,
    CsrfForm { caller, form }: CsrfForm<Posted>,
) -> Result<Response, AppError> {
    cm::managed::<Project>(&state, &caller.actor(), &id).await?;
    let pid: uuid::Uuid = pid
        .parse()
        .map_err(|_| AppError::new(ErrorKind::NotFound))?;
    let Some(on) = domain::case::date::parse(form.get("on")) else {
        return refused_step(
            &state,
            &tr,
            &caller,
            &id,
            ProjectForms::default(),
            "error-date-format",
        )
        .await;
    };
    project_step(
        &state,
        &tr,
        &caller,
        &id,
        version_of(&form),
        |p| p.participant_leaves(pid, on),
        ProjectForms::default(),
        "#participants",
    )
    .await
}

pub async fn add_visit(
    State(state): State<AppState>,
    tr: Tr,
    Path(id): Path<String>,
    CsrfForm { caller, form }: CsrfForm<Posted>,
) -> Result<Response, AppError> {
    let actor = caller.actor();
    let doc: Doc<Project> = cm::managed(&state, &actor, &id).await?;
    let place = Place {
        parent: Some(doc.id()),
        office: doc.rec.office,
    };
    let (read, saved) = save_record_form::<MonitoringVisit>(
        &state,
        &actor,
        &visit_fields(),
        &form,
        Target::New(place),
    )
    .await;
    match settle(read, saved)? {
        Ok(_) => Ok(Redirect::to(&format!("/projects/{id}#visits")).into_response()),
        Err((status, errors)) => {
            let forms = ProjectForms {
                visit: Some((form, errors)),
                problem: tr.t("form-has-errors"),
                ..Default::default()
            };
            render_status(
                status,
                &project_page(&state, &tr, &caller, &id, forms).await?,
            )
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Forms filled about a community or a project

/// The record a submission is about, with who may fill and read it.
async fn subject_record(
    state: &AppState,
    actor: &Actor,
    id: &str,
    fill: bool,
) -> Result<(store::DocRecord, String, String), AppError> {
    authorize(actor, Action::ReadCommunity, Resource::Programme)?;
    let rec = state.store.document(app::referrals::parse_id(id)?).await?;
    let office = Resource::Office(rec.office.unwrap_or_default());
    authorize(actor, Action::ReadParticipants, office)?;
    if fill {
        authorize(actor, Action::ManageCommunity, office)?;
    }
    let back = match rec.kind {
        store::DocKind::Community => format!("/communities/{}#instruments", rec.id),
        store::DocKind::Project => format!("/projects/{}#satisfaction", rec.id),
        _ => return Err(AppError::new(ErrorKind::NotFound)),
    };
    let name = rec.name.clone();
    Ok((rec, back, name))
}

#[derive(Deserialize)]
pub struct StartForm {
    form_id: String,
}

pub async fn start_form(
    State(state): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { caller, form }: CsrfForm<StartForm>,
) -> Result<Response, AppError> {
    let actor = caller.actor();
    let (rec, _, _) = subject_record(&state, &actor, &id, true).await?;
    let project = rec.kind == store::DocKind::Project;
    let form_id = form.form_id.trim();
    if !startable(&state, project)
        .await?
        .iter()
        .any(|(f, _)| f == form_id)
    {
        return Err(AppError::new(ErrorKind::NotFound));
    }
    let v = state.store.latest_published_form(form_id).await?;
    let c = super::instruments::compile(&v.definition)?;
    let answers = c.blank(today());
    let sub = super::instruments::start_draft(
        &state,
        &actor,
        v.info,
        Subject::Document(rec.id),
        &answers,
    )
    .await?;
    Ok(Redirect::to(&format!("/records/{}/submissions/{}", rec.id, sub.id)).into_response())
}

#[derive(Template)]
#[template(path = "record_submission.html")]
pub struct RecordSubmissionPage {
    c: Chrome,
    action: String,
    back: String,
    back_label: String,
    title: String,
    version: String,
    interviewer: String,
    complete: bool,
    editable: bool,
    interview_date: String,
    interview_date_error: String,
    row_version: i64,
    notice: String,
    has_errors: bool,
    pieces: Vec<Piece>,
}

struct LoadedSubmission {
    back: String,
    back_label: String,
    sub: store::Submission,
    compiled: forms::Compiled,
    can_fill: bool,
}

async fn load_submission(
    state: &AppState,
    actor: &Actor,
    id: &str,
    sid: &str,
    fill: bool,
) -> Result<LoadedSubmission, AppError> {
    let (rec, back, back_label) = subject_record(state, actor, id, fill).await?;
    let sid: uuid::Uuid = sid
        .parse()
        .map_err(|_| AppError::new(ErrorKind::NotFound))?;
    let sub = state.store.submission(sid).await?;
    if sub.subject != Subject::Document(rec.id) {
        return Err(AppError::new(ErrorKind::NotFound));
    }
    let v = state
        .store
        .form_version(&sub.form_id, &sub.form_version)
        .await?;
    Ok(LoadedSubmission {
        back,
        back_label,
        can_fill: authorize(
            actor,
            Action::ManageCommunity,
            Resource::Office(rec.office.unwrap_or_default()),
        )
        .is_ok(),
        sub,
        compiled: super::instruments::compile(&v.definition)?,
    })
}

#[allow(clippy::too_many_arguments)]
fn record_submission_page(
    state: &AppState,
    tr: &Tr,
    caller: &Caller,
    l: &LoadedSubmission,
    answers: &Answers,
    errors: &BTreeMap<String, String>,
    date: &str,
    date_error: String,
    notice: String,
) -> RecordSubmissionPage {
    let editable = l.sub.status == SubmissionStatus::Draft && l.can_fill;
    let filled = l.compiled.fill(answers, today());
    RecordSubmissionPage {
        c: Chrome::new(state, tr.clone(), Some(caller)),
        action: format!("/records/{}/submissions/{}", l.back_id(), l.sub.id),
        back: l.back.clone(),
        back_label: l.back_label.clone(),
        title: l.sub.form_title.clone(),
        version: l.sub.form_version.clone(),
        interviewer: l.sub.interviewer_name.clone(),
        complete: l.sub.status == SubmissionStatus::Complete,
        editable,
        interview_date: date.to_string(),
        interview_date_error: date_error,
        row_version: l.sub.version,
        notice,
        has_errors: !errors.is_empty(),
        pieces: super::instruments::draw(&l.compiled, &filled, errors, tr, editable),
    }
}

impl LoadedSubmission {
    fn back_id(&self) -> String {
        match self.sub.subject {
            Subject::Document(d) => d.to_string(),
            Subject::Case(c) => c.to_string(),
        }
    }
}

pub async fn view_form(
    State(state): State<AppState>,
    tr: Tr,
    SignedIn(caller): SignedIn,
    Path((id, sid)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let l = load_submission(&state, &caller.actor(), &id, &sid, false).await?;
    let answers = super::instruments::stored_answers(&l.sub)?;
    let date = l.sub.interview_date.to_string();
    render(&record_submission_page(
        &state,
        &tr,
        &caller,
        &l,
        &answers,
        &BTreeMap::new(),
        &date,
        String::new(),
        String::new(),
    ))
}

/// Every post of the form: re-evaluate (htmx), add or remove a repeat item, save a draft or
/// submit, keeping what was typed whatever the outcome.
pub async fn save_form(
    State(state): State<AppState>,
    tr: Tr,
    headers: HeaderMap,
    SignedIn(caller): SignedIn,
    Path((id, sid)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, AppError> {
    use super::instruments::{FormPost, field, is_htmx, is_redraw, read_post, submission_errors};
    let l = load_submission(&state, &caller.actor(), &id, &sid, true).await?;
    let FormPost {
        fields,
        action,
        answers,
        date_text,
        date,
        date_error,
    } = read_post(&tr, &caller, &l.compiled, &body)?;
    if l.sub.status != SubmissionStatus::Draft {
        return Err(AppError::with_detail(
            ErrorKind::Conflict,
            tr.t("form-already-complete"),
        ));
    }
    let page = |answers: &Answers, errors: &BTreeMap<String, String>, notice: String| {
        record_submission_page(
            &state,
            &tr,
            &caller,
            &l,
            answers,
            errors,
            &date_text,
            date_error.clone(),
            notice,
        )
    };
    if is_redraw(&action) {
        let p = page(&answers, &BTreeMap::new(), String::new());
        if is_htmx(&headers) {
            return render(&super::instruments::FormBody {
                c: p.c,
                pieces: p.pieces,
            });
        }
        return render(&p);
    }
    let submitting = action == "submit";
    let filled = l.compiled.fill(&answers, today());
    let errors = submission_errors(&tr, &l.compiled, &filled, submitting);
    let Some(date) = date else {
        return render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &page(&answers, &errors, String::new()),
        );
    };
    let complete = submitting && errors.is_empty();
    let mut to_store = if complete {
        filled.answers.clone()
    } else {
        answers.clone()
    };
    if complete {
        l.compiled
            .stamp_end(&mut to_store, &OffsetDateTime::now_utc().to_string());
    }
    let saved = state
        .store
        .update_submission(
            SubmissionUpdate {
                id: l.sub.id,
                expected_version: field(&fields, "_version").parse().unwrap_or(-1),
                answers: serde_json::to_string(&to_store)
                    .map_err(|e| AppError::internal(e.to_string()))?,
                interview_date: date,
                status: if complete {
                    SubmissionStatus::Complete
                } else {
                    SubmissionStatus::Draft
                },
                score: None,
            },
            AuditContext::by(caller.actor().user_id, OffsetDateTime::now_utc()),
        )
        .await;
    match saved {
        Ok(_) if complete => Ok(Redirect::to(&format!(
            "/records/{}/submissions/{}",
            l.back_id(),
            l.sub.id
        ))
        .into_response()),
        Ok(sub) => {
            let l = LoadedSubmission { sub, ..l };
            let notice = if submitting {
                String::new()
            } else {
                tr.t("form-draft-saved")
            };
            let p = record_submission_page(
                &state,
                &tr,
                &caller,
                &l,
                &answers,
                &errors,
                &date_text,
                String::new(),
                notice,
            );
            if submitting {
                render_status(StatusCode::UNPROCESSABLE_ENTITY, &p)
            } else {
                render(&p)
            }
        }
        Err(store::StoreError::Conflict) => render_status(
            StatusCode::CONFLICT,
            &page(&answers, &errors, tr.t("form-stale")),
        ),
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------------------------------------
// Where the three levels meet: a returnee's community and structural context

pub struct CaseProject {
    pub href: String,
    pub name: String,
    pub kind: String,
    pub status: String,
    pub role: String,
    pub community: String,
}

/// What the case page and the plan show about the returnee's community: the communities their
/// place of return belongs to, the projects they take part in, and the services of the area
/// with their gaps.
#[derive(Default)]
pub struct CaseContext {
    pub communities: Vec<(String, String)>,
    pub projects: Vec<CaseProject>,
    pub services: Vec<ServiceRow>,
    /// How many of them show a gap, as a sentence; empty when none does.
    pub gaps: String,
}

/// The projects a returnee takes part in, for readers of their case.
pub async fn case_projects(
    state: &AppState,
    tr: &Tr,
    actor: &Actor,
    case: &store::CaseRecord,
) -> Result<Vec<CaseProject>, AppError> {
    let mut out = Vec::new();
    if authorize(
        actor,
        Action::ReadCommunity,
        Resource::Office(case.office.id),
    )
    .is_err()
    {
        return Ok(out);
    }
    for p in cm::projects_of_case(state, case.id).await? {
        let community = match p.rec.parent {
            Some(c) => state
                .store
                .document(c)
                .await
                .map(|d| d.name)
                .unwrap_or_default(),
            None => String::new(),
        };
        let role = p
            .body
            .participants
            .iter()
            .find(|x| x.case == Some(case.id) && x.active())
            .map(|x| tr.t_of("participant-role", x.role.as_str()))
            .unwrap_or_default();
        out.push(CaseProject {
            href: format!("/projects/{}", p.id()),
            name: p.body.name.clone(),
            kind: tr.t_of("project-kind", p.body.kind.as_str()),
            status: tr.t_of("project-status", p.body.status().as_str()),
            role,
            community,
        });
    }
    Ok(out)
}

pub async fn case_context(
    state: &AppState,
    tr: &Tr,
    actor: &Actor,
    case: &store::CaseRecord,
) -> Result<CaseContext, AppError> {
    let p = &case.profile;
    let mut ctx = CaseContext {
        projects: case_projects(state, tr, actor, case).await?,
        ..Default::default()
    };
    if authorize(actor, Action::ReadCommunity, Resource::Programme).is_ok() {
        let communities: Vec<Doc<Community>> = cm::list(state, actor, None).await?;
        ctx.communities = communities
            .iter()
            .filter(|c| {
                c.body
                    .covers(&p.return_province, p.return_community.as_deref())
            })
            .map(|c| (format!("/communities/{}", c.id()), c.body.name.clone()))
            .collect();
    }
    if authorize(actor, Action::ReadServices, Resource::Programme).is_ok() {
        let area = Community {
            name: p.return_community.clone().unwrap_or_default(),
            province: p.return_province.clone(),
            ..Community::default()
        };
        ctx.services = services_in_area(state, tr, &area).await?;
        let gaps = state
            .store
            .services()
            .await?
            .iter()
            .filter(|s| in_area(&area, &s.service.place))
            .filter(|s| {
                s.service
                    .ratings
                    .gap()
                    .is_some_and(|g| g != domain::services::GapPattern::NoGap)
            })
            .count();
        if gaps > 0 {
            ctx.gaps = tr.tn("context-gaps", gaps as u64);
        }
    }
    Ok(ctx)
}
