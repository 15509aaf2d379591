//! The pathway pages: the pathway panel of the case page (stage, what is missing, what is due,
//! counselling log, urgent referrals, tasks), the plan (edit, agree, approve, print,
//! disbursements, feasibility suggestions), follow-up, closure, "my work", approvals and the
//! programme's grid and settings.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use domain::authz::{Action, Resource, authorize};
use domain::case::CaseStage;
use domain::pathway::closure::{Closure, ClosureReason, ExitReason, Handover, TerminationReason};
use domain::pathway::feasibility::{ContextCriterion, Delivery, GridApproach, suggest};
use domain::pathway::followup::{FollowUpConfig, FollowUpVisit, VisitKey, VisitState};
use domain::pathway::plan::{
    AgreementMethod, AssistanceKind, Disbursement, Immediate, ItemStatus, Modality, Objectives,
    PlanContent, PlanItem, PlanStatus, PlannedReferral, ProjectParticipant, Purchase, Responsible,
    agreement_late, agreement_target, balances,
};
use domain::pathway::stage::missing_steps;
use domain::pathway::{
    ContactMode, CounsellingSession, Dimension, Participant, SessionKind, UnmetNeed, UnmetReason,
    UrgentReferral,
};
use domain::rss::RoundState;
use domain::{CaseId, ValidationErrors};
use serde::Deserialize;
use store::{AuditContext, CaseRecord, EntryKind, NewPlanAgreement, setting};
use time::{Date, OffsetDateTime};

use super::{Chrome, CsrfForm, render, render_status, today};
use crate::AppState;
use crate::auth::{Caller, SignedIn};
use crate::error::{AppError, ErrorKind};
use crate::forms::{FieldBuilder, FieldView, error_map, names};
use crate::i18n::Tr;
use app::cases::authorized_case;
use app::pathway::{self as pw, Pathway};

fn parse_date(s: &str) -> Option<Date> {
    domain::case::date::parse(s.trim())
}

fn date_or_error(e: &mut ValidationErrors, field: &str, s: &str) -> Date {
    match parse_date(s) {
        Some(d) => d,
        None => {
            e.add(
                field,
                if s.trim().is_empty() {
                    "error-required"
                } else {
                    "error-date-format"
                },
            );
            today()
        }
    }
}

fn enum_or_error<T>(
    e: &mut ValidationErrors,
    field: &str,
    s: &str,
    parse: fn(&str) -> Option<T>,
) -> Option<T> {
    let v = parse(s);
    if v.is_none() {
        e.add(
            field,
            if s.trim().is_empty() {
                "error-required"
            } else {
                "error-choice"
            },
        );
    }
    v
}

fn amount_or_error(e: &mut ValidationErrors, field: &str, s: &str) -> Option<u64> {
    let t = s.trim().replace([',', ' '], "");
    if t.is_empty() {
        return None;
    }
    match t.parse::<u64>() {
        Ok(v) => Some(v),
        Err(_) => {
            e.add(field, "error-number");
            None
        }
    }
}

/// Validation errors from `domain` merged with those found while reading the form, as one
/// `AppError` when there are any.
fn validated<T>(mut read: ValidationErrors, checked: Result<T, AppError>) -> Result<T, AppError> {
    match checked {
        Ok(v) if read.is_empty() => Ok(v),
        Ok(_) => Err(AppError::validation(read)),
        Err(mut e) if e.kind == ErrorKind::Validation => {
            read.merge(std::mem::take(&mut e.fields));
            Err(AppError::validation(read))
        }
        Err(e) => Err(e),
    }
}

/// `domain` names a record's date `date`; each form gives it its own name.
fn date_named(mut e: ValidationErrors, field: &str) -> ValidationErrors {
    for f in &mut e.0 {
        if f.field == "date" {
            f.field = field.into();
        }
    }
    e
}

// ---------------------------------------------------------------------------------------------
// Case page panel

#[derive(Clone)]
pub struct UrgentView {
    pub id: String,
    pub date: String,
    pub concern: String,
    pub action: String,
    pub open: bool,
    pub resolution: String,
}

pub struct TaskView {
    pub id: String,
    pub text: String,
    pub due: String,
    pub open: bool,
    pub overdue: bool,
}

pub struct SessionView {
    pub date: String,
    pub kind: String,
    pub participants: String,
    pub dimensions: String,
    pub topics: String,
    pub next_steps: String,
    pub sensitive: Option<String>,
    pub by: String,
}

pub struct DueView {
    pub text: String,
    pub overdue: bool,
}

/// The pathway section of the case page, and the urgent-referral banner every case page shows.
pub struct PathwayPanel {
    pub stage: String,
    pub missing: Vec<String>,
    pub due: Vec<DueView>,
    pub plan_status: String,
    pub urgent: Vec<UrgentView>,
    pub tasks: Vec<TaskView>,
    pub sessions: Vec<SessionView>,
    pub can_update: bool,
    pub session_form: Vec<FieldView>,
    pub session_errors: bool,
    pub urgent_form: Vec<FieldView>,
    pub urgent_errors: bool,
    pub reopened: bool,
}

/// What was typed in the panel's forms, kept when refused.
#[derive(Default)]
pub struct PanelForms {
    pub session: SessionForm,
    pub session_errors: ValidationErrors,
    pub urgent: UrgentForm,
    pub urgent_errors: ValidationErrors,
}

pub fn urgent_views(tr: &Tr, p: &Pathway) -> Vec<UrgentView> {
    urgent_from_entries(tr, &p.entries)
}

/// The urgent referrals among a case's journal entries.
pub fn urgent_from_entries(tr: &Tr, entries: &[store::Entry]) -> Vec<UrgentView> {
    entries
        .iter()
        .filter(|e| e.kind == EntryKind::UrgentReferral)
        .filter_map(|e| e.parse::<UrgentReferral>().map(|u| (e, u)))
        .map(|(e, u)| UrgentView {
            id: e.id.to_string(),
            date: u.date.to_string(),
            // Raised by an instrument: name it rather than show its id.
            concern: match u.concern.split_once(':') {
                Some((form, _))
                    if form == pw::RAPID_SCREENING_FORM || form == pw::COUNSELLING_FORM =>
                {
                    tr.t1("urgent-from-form", "form", tr.t_of("urgent-form", form))
                }
                _ => u.concern,
            },
            action: u.action,
            open: e.open,
            resolution: e.closing_note.clone().unwrap_or_default(),
        })
        .collect()
}

fn visit_name(tr: &Tr, k: VisitKey) -> String {
    tr.t_of("visit", k.as_str())
}

/// What is due on a case, most urgent first: visits, surveys, the plan, tasks.
pub fn due_items(tr: &Tr, p: &Pathway, today: Date) -> Vec<(Date, DueView)> {
    let mut out = Vec::new();
    let stage = p.stage();
    if stage == CaseStage::Closed {
        return out;
    }
    for (v, s) in p.visits(today) {
        let soon = v.opens() <= today + time::Duration::days(30);
        match s {
            VisitState::Overdue => out.push((
                v.due,
                DueView {
                    text: tr.t2(
                        "due-visit-overdue",
                        "visit",
                        visit_name(tr, v.key),
                        "date",
                        v.due,
                    ),
                    overdue: true,
                },
            )),
            VisitState::Due => out.push((
                v.due,
                DueView {
                    text: tr.t2("due-visit", "visit", visit_name(tr, v.key), "date", v.due),
                    overdue: false,
                },
            )),
            VisitState::Upcoming if soon => out.push((
                v.due,
                DueView {
                    text: tr.t2("due-visit", "visit", visit_name(tr, v.key), "date", v.due),
                    overdue: false,
                },
            )),
            _ => {}
        }
    }
    let done: Vec<_> = p.rss.iter().map(|s| (s.round, s.interview_date)).collect();
    for r in domain::rss::schedule(p.case.profile.return_date, today, &done) {
        let overdue = r.state == RoundState::Overdue;
        if overdue || r.state == RoundState::Due {
            out.push((
                r.closes,
                DueView {
                    text: tr.t2(
                        if overdue {
                            "due-survey-overdue"
                        } else {
                            "due-survey"
                        },
                        "round",
                        super::rss::round_name(tr, r.round),
                        "date",
                        r.closes,
                    ),
                    overdue,
                },
            ));
        }
    }
    if p.active_plan().is_none()
        && matches!(
            stage,
            CaseStage::Intake | CaseStage::Assessment | CaseStage::Planning
        )
    {
        let target = agreement_target(p.case.profile.return_date);
        let late = agreement_late(p.case.profile.return_date, p.first_agreement(), today);
        out.push((
            target,
            DueView {
                text: tr.t1(
                    if late { "due-plan-late" } else { "due-plan" },
                    "date",
                    target,
                ),
                overdue: late,
            },
        ));
    }
    for (e, t) in p.tasks() {
        if e.open {
            out.push((
                e.date,
                DueView {
                    text: tr.t1("due-task", "task", tr.t_of("task", t.kind.as_str()))
                        + " · "
                        + &e.date.to_string(),
                    overdue: e.date < today,
                },
            ));
        }
    }
    out.sort_by_key(|(d, v)| (!v.overdue, *d));
    out
}

pub fn plan_status_text(tr: &Tr, p: &Pathway) -> String {
    match p.latest_plan() {
        None => tr.t("plan-none"),
        Some(v) => tr.t2(
            "plan-status-line",
            "version",
            v.version,
            "status",
            tr.t_of("plan-status", v.status().as_str()),
        ),
    }
}

pub async fn panel(
    state: &AppState,
    tr: &Tr,
    caller: &Caller,
    case: &CaseRecord,
    forms: &PanelForms,
) -> Result<PathwayPanel, AppError> {
    let actor = caller.actor();
    let can = |a: Action| authorize(&actor, a, Resource::Case(case.access())).is_ok();
    let p = Pathway::load(state, case.clone()).await?;
    let today = today();
    let sensitive = can(Action::ReadSensitiveNotes);
    let list = |v: Vec<String>| v.join(", ");
    let sessions = p
        .sessions()
        .into_iter()
        .rev()
        .map(|(e, s)| SessionView {
            date: s.date.to_string(),
            kind: tr.t_of("session-kind", s.kind.as_str()),
            participants: list(
                s.participants
                    .iter()
                    .map(|x| tr.t_of("participant", x.as_str()))
                    .collect(),
            ),
            dimensions: list(
                s.dimensions
                    .iter()
                    .map(|x| tr.t_of("dimension", x.as_str()))
                    .collect(),
            ),
            topics: s.topics,
            next_steps: s.next_steps,
            sensitive: if sensitive { s.sensitive_notes } else { None },
            by: e.recorded_by_name.clone().unwrap_or_default(),
        })
        .collect();
    let tasks = p
        .tasks()
        .into_iter()
        .map(|(e, t)| TaskView {
            id: e.id.to_string(),
            text: tr.t_of("task", t.kind.as_str()),
            due: e.date.to_string(),
            open: e.open,
            overdue: e.open && e.date < today,
        })
        .collect();
    let errs = error_map(tr, &forms.session_errors);
    let fb = FieldBuilder { tr, errors: &errs };
    let s = &forms.session;
    let mut session_form = vec![
        fb.input("session_date", "date", &s.session_date, true),
        fb.select(
            "session_kind",
            &s.session_kind,
            "session-kind",
            &names(SessionKind::ALL, SessionKind::as_str),
            true,
        ),
        fb.checkboxes(
            "participants",
            &s.participants,
            "participant",
            &names(Participant::ALL, Participant::as_str),
        ),
        fb.checkboxes(
            "dimensions",
            &s.dimensions,
            "dimension",
            &names(Dimension::ALL, Dimension::as_str),
        ),
        fb.input("topics", "textarea", &s.topics, true),
        fb.input("next_steps", "textarea", &s.next_steps, false),
    ];
    if sensitive {
        session_form.push(fb.input("sensitive_notes", "textarea", &s.sensitive_notes, false));
    }
    let uerrs = error_map(tr, &forms.urgent_errors);
    let fb = FieldBuilder { tr, errors: &uerrs };
    let u = &forms.urgent;
    let urgent_form = vec![
        fb.input("urgent_date", "date", &u.urgent_date, true),
        fb.input("concern", "textarea", &u.concern, true),
        fb.input("action", "textarea", &u.action, false),
    ];
    Ok(PathwayPanel {
        stage: tr.t_of("stage", p.stage().as_str()),
        missing: missing_steps(&p.facts())
            .into_iter()
            .map(|s| tr.t_of("step", s.as_str()))
            .collect(),
        due: due_items(tr, &p, today)
            .into_iter()
            .map(|(_, d)| d)
            .collect(),
        plan_status: plan_status_text(tr, &p),
        urgent: urgent_views(tr, &p),
        tasks,
        sessions,
        can_update: can(Action::UpdateCase),
        session_form,
        session_errors: !forms.session_errors.is_empty(),
        urgent_form,
        urgent_errors: !forms.urgent_errors.is_empty(),
        reopened: p.closures.iter().any(|c| !c.in_force()),
    })
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct SessionForm {
    pub session_date: String,
    pub session_kind: String,
    pub participants: Vec<String>,
    pub dimensions: Vec<String>,
    pub topics: String,
    pub next_steps: String,
    pub sensitive_notes: String,
}

impl SessionForm {
    fn read(&self) -> Result<CounsellingSession, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let date = date_or_error(&mut e, "session_date", &self.session_date);
        let kind = enum_or_error(
            &mut e,
            "session_kind",
            &self.session_kind,
            SessionKind::parse,
        );
        let participants = self
            .participants
            .iter()
            .filter_map(|x| Participant::parse(x))
            .collect();
        let dimensions = self
            .dimensions
            .iter()
            .filter_map(|x| Dimension::parse(x))
            .collect();
        let s = CounsellingSession {
            date,
            kind: kind.unwrap_or(SessionKind::FollowUp),
            participants,
            dimensions,
            topics: self.topics.clone(),
            next_steps: self.next_steps.clone(),
            sensitive_notes: Some(self.sensitive_notes.clone()),
        }
        .normalised();
        if let Err(x) = s.check(today()) {
            e.merge(date_named(x, "session_date"));
        }
        e.into_result(s)
    }
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct UrgentForm {
    pub urgent_date: String,
    pub concern: String,
    pub action: String,
}

impl UrgentForm {
    fn read(&self) -> Result<UrgentReferral, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let date = date_or_error(&mut e, "urgent_date", &self.urgent_date);
        let u = UrgentReferral {
            date,
            concern: self.concern.trim().to_string(),
            action: self.action.trim().to_string(),
        };
        if let Err(x) = u.check(today()) {
            e.merge(date_named(x, "urgent_date"));
        }
        e.into_result(u)
    }
}

async fn case_for_update(
    state: &AppState,
    caller: &Caller,
    id: &str,
) -> Result<CaseRecord, AppError> {
    Ok(authorized_case(state, &caller.actor(), id, Action::UpdateCase).await?)
}

fn back_to_case(id: CaseId, anchor: &str) -> Response {
    Redirect::to(&format!("/cases/{id}#{anchor}")).into_response()
}

pub async fn add_session(
    State(state): State<AppState>,
    tr: Tr,
    Path(id): Path<String>,
    CsrfForm { caller, form }: CsrfForm<SessionForm>,
) -> Result<Response, AppError> {
    let case = case_for_update(&state, &caller, &id).await?;
    match form.read() {
        Ok(s) => {
            pw::add_entry(
                &state,
                &caller.actor(),
                case.id,
                EntryKind::Session,
                s.date,
                &s,
                false,
            )
            .await?;
            Ok(back_to_case(case.id, "sessions"))
        }
        Err(errors) => {
            let forms = PanelForms {
                session: form,
                session_errors: errors,
                ..Default::default()
            };
            super::cases::case_page_with(
                &state,
                &tr,
                &caller,
                &case,
                &forms,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

pub async fn raise_urgent(
    State(state): State<AppState>,
    tr: Tr,
    Path(id): Path<String>,
    CsrfForm { caller, form }: CsrfForm<UrgentForm>,
) -> Result<Response, AppError> {
    let case = case_for_update(&state, &caller, &id).await?;
    match form.read() {
        Ok(u) => {
            pw::add_entry(
                &state,
                &caller.actor(),
                case.id,
                EntryKind::UrgentReferral,
                u.date,
                &u,
                true,
            )
            .await?;
            Ok(back_to_case(case.id, "urgent"))
        }
        Err(errors) => {
            let forms = PanelForms {
                urgent: form,
                urgent_errors: errors,
                ..Default::default()
            };
            super::cases::case_page_with(
                &state,
                &tr,
                &caller,
                &case,
                &forms,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct CloseForm {
    pub note: String,
    /// Where to go back to.
    pub back: String,
}

pub async fn close_entry(
    State(state): State<AppState>,
    Path((id, entry)): Path<(String, String)>,
    CsrfForm { caller, form }: CsrfForm<CloseForm>,
) -> Result<Response, AppError> {
    let case = case_for_update(&state, &caller, &id).await?;
    let entry: uuid::Uuid = entry
        .parse()
        .map_err(|_| AppError::new(ErrorKind::NotFound))?;
    pw::close_entry(&state, &caller.actor(), case.id, entry, &form.note).await?;
    let back = match form.back.as_str() {
        "work" => "/my-work".to_string(),
        _ => format!("/cases/{}#urgent", case.id),
    };
    Ok(Redirect::to(&back).into_response())
}

// ---------------------------------------------------------------------------------------------
// The plan

/// The plan form as typed. Rows are parallel lists, one entry per row, so a refused form comes
/// back exactly as it was sent.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct PlanForm {
    pub version: String,
    pub expected: String,
    pub objective_economic: String,
    pub objective_social: String,
    pub objective_psychosocial: String,
    pub immediate: Vec<String>,
    pub immediate_other: String,
    pub item_key: Vec<String>,
    pub item_kind: Vec<String>,
    pub item_details: Vec<String>,
    pub item_modality: Vec<String>,
    pub item_provider: Vec<String>,
    pub item_responsible: Vec<String>,
    pub item_duration: Vec<String>,
    pub item_status: Vec<String>,
    pub item_beneficiary: Vec<String>,
    pub item_budget: Vec<String>,
    pub item_grid: Vec<String>,
    pub purchase_item: Vec<String>,
    pub purchase_cost: Vec<String>,
    pub referral_agency: Vec<String>,
    pub referral_assistance: Vec<String>,
    pub participant_name: Vec<String>,
    pub participant_role: Vec<String>,
    pub expected_improvement: String,
    pub exit_strategy: String,
    pub best_interests_note: String,
    pub place: String,
}

fn at(v: &[String], i: usize) -> &str {
    v.get(i).map(String::as_str).unwrap_or("")
}

impl PlanForm {
    pub fn from_content(c: &PlanContent) -> Self {
        let mut f = PlanForm {
            objective_economic: c.objectives.economic.clone(),
            objective_social: c.objectives.social.clone(),
            objective_psychosocial: c.objectives.psychosocial.clone(),
            immediate: c.immediate.iter().map(|i| i.as_str().to_string()).collect(),
            immediate_other: c.immediate_other.clone().unwrap_or_default(),
            expected_improvement: c.expected_improvement.clone(),
            exit_strategy: c.exit_strategy.clone(),
            best_interests_note: c.best_interests_note.clone().unwrap_or_default(),
            place: c.place.clone(),
            ..Default::default()
        };
        for i in &c.items {
            f.item_key.push(i.key.to_string());
            f.item_kind.push(i.kind.as_str().into());
            f.item_details.push(i.details.clone());
            f.item_modality.push(i.modality.as_str().into());
            f.item_provider.push(i.provider.clone());
            f.item_responsible.push(i.responsible.as_str().into());
            f.item_duration.push(i.duration.clone());
            f.item_status.push(i.status.as_str().into());
            f.item_beneficiary
                .push(i.beneficiary.clone().unwrap_or_default());
            f.item_budget
                .push(i.budget.map(|b| b.to_string()).unwrap_or_default());
            f.item_grid
                .push(i.grid_approach.clone().unwrap_or_default());
        }
        for p in &c.purchases {
            f.purchase_item.push(p.item.clone());
            f.purchase_cost.push(p.estimated_cost.to_string());
        }
        for r in &c.referrals {
            f.referral_agency.push(r.agency.clone());
            f.referral_assistance.push(r.assistance.clone());
        }
        for p in &c.community_participants {
            f.participant_name.push(p.name.clone());
            f.participant_role.push(p.role.clone());
        }
        f
    }

    /// The content this form describes; unreadable values are named, and blank rows dropped.
    pub fn read(&self) -> Result<PlanContent, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let mut items = Vec::new();
        let mut next_key = self
            .item_key
            .iter()
            .filter_map(|k| k.parse::<u32>().ok())
            .max()
            .unwrap_or(0)
            + 1;
        for n in 0..self.item_kind.len() {
            let (kind, details) = (at(&self.item_kind, n), at(&self.item_details, n));
            if kind.is_empty() && details.trim().is_empty() {
                continue;
            }
            let row = items.len();
            let f = |x: &str| format!("items.{row}.{x}");
            let kind = enum_or_error(&mut e, &f("kind"), kind, AssistanceKind::parse);
            let modality = enum_or_error(
                &mut e,
                &f("modality"),
                at(&self.item_modality, n),
                Modality::parse,
            );
            let responsible = enum_or_error(
                &mut e,
                &f("responsible"),
                at(&self.item_responsible, n),
                Responsible::parse,
            );
            let status = ItemStatus::parse(at(&self.item_status, n)).unwrap_or(ItemStatus::Planned);
            let budget = amount_or_error(&mut e, &f("budget"), at(&self.item_budget, n));
            let key = match at(&self.item_key, n).parse::<u32>() {
                Ok(k) => k,
                Err(_) => {
                    next_key += 1;
                    next_key - 1
                }
            };
            if let (Some(kind), Some(modality), Some(responsible)) = (kind, modality, responsible) {
                items.push(PlanItem {
                    key,
                    kind,
                    details: details.to_string(),
                    modality,
                    provider: at(&self.item_provider, n).to_string(),
                    responsible,
                    duration: at(&self.item_duration, n).to_string(),
                    status,
                    beneficiary: Some(at(&self.item_beneficiary, n).to_string()),
                    budget,
                    grid_approach: Some(at(&self.item_grid, n).to_string()),
                });
            } else {
                // Keep the row's place so later rows' messages point at the right row.
                items.push(PlanItem {
                    key,
                    kind: AssistanceKind::EconomicOther,
                    details: details.to_string(),
                    modality: Modality::Service,
                    provider: String::new(),
                    responsible: Responsible::Organisation,
                    duration: String::new(),
                    status,
                    beneficiary: None,
                    budget: None,
                    grid_approach: None,
                });
            }
        }
        let mut purchases = Vec::new();
        for n in 0..self.purchase_item.len() {
            let (item, cost) = (at(&self.purchase_item, n), at(&self.purchase_cost, n));
            if item.trim().is_empty() && cost.trim().is_empty() {
                continue;
            }
            let row = purchases.len();
            let cost = amount_or_error(&mut e, &format!("purchases.{row}.estimated_cost"), cost);
            purchases.push(Purchase {
                item: item.to_string(),
                estimated_cost: cost.unwrap_or(0),
            });
        }
        let referrals = (0..self.referral_agency.len())
            .map(|n| PlannedReferral {
                agency: at(&self.referral_agency, n).to_string(),
                assistance: at(&self.referral_assistance, n).to_string(),
            })
            .collect();
        let community_participants = (0..self.participant_name.len())
            .map(|n| ProjectParticipant {
                name: at(&self.participant_name, n).to_string(),
                role: at(&self.participant_role, n).to_string(),
            })
            .collect();
        let content = PlanContent {
            objectives: Objectives {
                economic: self.objective_economic.clone(),
                social: self.objective_social.clone(),
                psychosocial: self.objective_psychosocial.clone(),
            },
            immediate: self
                .immediate
                .iter()
                .filter_map(|i| Immediate::parse(i))
                .collect(),
            immediate_other: Some(self.immediate_other.clone()),
            items,
            purchases,
            referrals,
            baseline: None,
            community_participants,
            expected_improvement: self.expected_improvement.clone(),
            exit_strategy: self.exit_strategy.clone(),
            best_interests_note: Some(self.best_interests_note.clone()),
            place: self.place.clone(),
        }
        .normalised();
        e.into_result(content)
    }
}

pub struct Opt {
    pub value: String,
    pub label: String,
}

fn opts(tr: &Tr, kind: &str, values: &[&str]) -> Vec<Opt> {
    values
        .iter()
        .map(|v| Opt {
            value: v.to_string(),
            label: tr.t_of(kind, v),
        })
        .collect()
}

pub struct ItemRow {
    pub key: String,
    pub kind: String,
    pub details: String,
    pub modality: String,
    pub provider: String,
    pub responsible: String,
    pub duration: String,
    pub status: String,
    pub beneficiary: String,
    pub budget: String,
    pub grid: String,
    pub error: String,
}

pub struct PairRow {
    pub a: String,
    pub b: String,
    pub error: String,
}

pub struct SuggestionView {
    pub key: String,
    pub dimension: String,
    pub score: String,
    pub approach: String,
    pub delivery: String,
    pub useful_for: String,
    pub individual: Vec<String>,
    pub context: Vec<(String, &'static str, String)>,
    pub to_recheck: usize,
    pub picked: bool,
}

#[derive(Template)]
#[template(path = "plan_edit.html")]
pub struct PlanEditPage {
    c: Chrome,
    id: String,
    name: String,
    number: String,
    urgent: Vec<UrgentView>,
    form: PlanForm,
    notice: String,
    errors: HashMap<String, String>,
    has_errors: bool,
    items: Vec<ItemRow>,
    purchases: Vec<PairRow>,
    referrals: Vec<PairRow>,
    participants: Vec<PairRow>,
    kinds: Vec<(String, Vec<Opt>)>,
    modalities: Vec<Opt>,
    responsibles: Vec<Opt>,
    statuses: Vec<Opt>,
    beneficiaries: Vec<Opt>,
    immediate: Vec<(Opt, bool)>,
    children: String,
    considerations: Vec<(String, String)>,
    suggestions: Vec<SuggestionView>,
    baseline: String,
}

impl PlanEditPage {
    fn err(&self, field: &str) -> String {
        self.errors.get(field).cloned().unwrap_or_default()
    }
}

fn row_error(errors: &HashMap<String, String>, prefix: &str) -> String {
    let mut found: Vec<&String> = errors
        .iter()
        .filter(|(k, _)| k.starts_with(prefix))
        .map(|(_, v)| v)
        .collect();
    found.sort();
    found.dedup();
    found.into_iter().cloned().collect::<Vec<_>>().join(" ")
}

fn score_text(x: Option<f64>) -> String {
    x.map(|v| format!("{v:.2}")).unwrap_or_else(|| "—".into())
}

async fn plan_edit_page(
    state: &AppState,
    tr: &Tr,
    caller: &Caller,
    p: &Pathway,
    form: PlanForm,
    errors: &ValidationErrors,
    notice: String,
) -> Result<PlanEditPage, AppError> {
    let errors_map = error_map(tr, errors);
    let mut items: Vec<ItemRow> = (0..form.item_kind.len())
        .map(|n| ItemRow {
            key: at(&form.item_key, n).into(),
            kind: at(&form.item_kind, n).into(),
            details: at(&form.item_details, n).into(),
            modality: at(&form.item_modality, n).into(),
            provider: at(&form.item_provider, n).into(),
            responsible: at(&form.item_responsible, n).into(),
            duration: at(&form.item_duration, n).into(),
            status: at(&form.item_status, n).into(),
            beneficiary: at(&form.item_beneficiary, n).into(),
            budget: at(&form.item_budget, n).into(),
            grid: at(&form.item_grid, n).into(),
            error: row_error(&errors_map, &format!("items.{n}.")),
        })
        .collect();
    for _ in 0..3 {
        items.push(ItemRow {
            key: String::new(),
            kind: String::new(),
            details: String::new(),
            modality: String::new(),
            provider: String::new(),
            responsible: "organisation".into(),
            duration: String::new(),
            status: "planned".into(),
            beneficiary: String::new(),
            budget: String::new(),
            grid: String::new(),
            error: String::new(),
        });
    }
    let pairs = |a: &[String], b: &[String], prefix: &str, blanks: usize| {
        let mut rows: Vec<PairRow> = (0..a.len().max(b.len()))
            .map(|n| PairRow {
                a: at(a, n).into(),
                b: at(b, n).into(),
                error: row_error(&errors_map, &format!("{prefix}.{n}.")),
            })
            .collect();
        for _ in 0..blanks {
            rows.push(PairRow {
                a: String::new(),
                b: String::new(),
                error: String::new(),
            });
        }
        rows
    };
    let purchases = pairs(&form.purchase_item, &form.purchase_cost, "purchases", 3);
    let referrals = pairs(
        &form.referral_agency,
        &form.referral_assistance,
        "referrals",
        2,
    );
    let participants = pairs(
        &form.participant_name,
        &form.participant_role,
        "community_participants",
        2,
    );
    let kinds = Dimension::ALL
        .iter()
        .map(|d| {
            (
                tr.t_of("dimension", d.as_str()),
                AssistanceKind::ALL
                    .iter()
                    .filter(|k| k.dimension() == *d)
                    .map(|k| Opt {
                        value: k.as_str().into(),
                        label: tr.t_of("assistance", k.as_str()),
                    })
                    .collect(),
            )
        })
        .collect();
    let mut beneficiaries = vec![Opt {
        value: String::new(),
        label: tr.t("plan-beneficiary-returnee"),
    }];
    beneficiaries.extend(p.case.profile.household.iter().map(|m| Opt {
        value: m.name.clone(),
        label: m.name.clone(),
    }));
    let immediate = Immediate::ALL
        .iter()
        .map(|i| {
            (
                Opt {
                    value: i.as_str().into(),
                    label: tr.t_of("immediate", i.as_str()),
                },
                form.immediate.iter().any(|x| x == i.as_str()),
            )
        })
        .collect();
    let grid = state.store.feasibility_grid().await?;
    let picked: Vec<&str> = form.item_grid.iter().map(String::as_str).collect();
    let today = today();
    let suggestions = suggest(&grid, &p.dimension_scores(), today)
        .into_iter()
        .map(|s| {
            let mark = |c: &ContextCriterion| match c.holds {
                Some(true) => "holds",
                Some(false) => "fails",
                None => "unknown",
            };
            let context = s
                .approach
                .community
                .iter()
                .map(|c| (tr.t("grid-community"), c))
                .chain(
                    s.approach
                        .structural
                        .iter()
                        .map(|c| (tr.t("grid-structural"), c)),
                )
                .map(|(level, c)| {
                    let checked = match c.last_checked {
                        Some(d) if c.needs_recheck(today) => tr.t1("grid-recheck", "date", d),
                        Some(d) => tr.t1("grid-checked", "date", d),
                        None => tr.t("grid-never-checked"),
                    };
                    (format!("{level}: {}", c.text), mark(c), checked)
                })
                .collect();
            SuggestionView {
                key: s.approach.key.clone(),
                dimension: tr.t_of("dimension", s.approach.dimension.as_str()),
                score: score_text(s.score),
                approach: s.approach.approach.clone(),
                delivery: tr.t_of("delivery", s.approach.delivery.as_str()),
                useful_for: s.approach.useful_for.join("; "),
                individual: s.approach.individual.clone(),
                context,
                to_recheck: s.to_recheck,
                picked: picked.contains(&s.approach.key.as_str()),
            }
        })
        .collect();
    let baseline = match p.baseline() {
        Some(b) => format!(
            "{} · {} {} · {} {} · {} {} · {} {}",
            tr.t1("plan-baseline-from", "date", b.survey_date),
            tr.t_of("dimension", "economic"),
            score_text(b.economic),
            tr.t_of("dimension", "social"),
            score_text(b.social),
            tr.t_of("dimension", "psychosocial"),
            score_text(b.psychosocial),
            tr.t("plan-composite"),
            score_text(b.composite)
        ),
        None => tr.t("plan-baseline-none"),
    };
    Ok(PlanEditPage {
        c: Chrome::new(state, tr.clone(), Some(caller)),
        id: p.case.id.to_string(),
        name: p.case.profile.full_name(),
        number: p.case.number.to_string(),
        urgent: urgent_views(tr, p),
        has_errors: !errors.is_empty(),
        errors: errors_map,
        notice,
        items,
        purchases,
        referrals,
        participants,
        kinds,
        modalities: opts(tr, "modality", &names(Modality::ALL, Modality::as_str)),
        responsibles: opts(
            tr,
            "responsible",
            &names(Responsible::ALL, Responsible::as_str),
        ),
        statuses: opts(
            tr,
            "item-status",
            &names(ItemStatus::ALL, ItemStatus::as_str),
        ),
        beneficiaries,
        immediate,
        children: p.children().join(", "),
        considerations: CONSIDERATIONS
            .iter()
            .map(|k| (tr.t(&format!("cash-{k}")), tr.t(&format!("cash-{k}-text"))))
            .collect(),
        suggestions,
        baseline,
        form,
    })
}

/// Table 2.2's levels of consideration when choosing cash or in-kind assistance.
const CONSIDERATIONS: [&str; 7] = [
    "design",
    "efficiency",
    "incentives",
    "risks",
    "conditions",
    "partners",
    "decision",
];

pub async fn plan_edit(
    State(state): State<AppState>,
    tr: Tr,
    SignedIn(caller): SignedIn,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let p = pw::load(&state, &caller.actor(), &id, Action::UpdateCase).await?;
    let form = match p.latest_plan() {
        Some(v) if v.status().editable() => PlanForm {
            version: v.version.to_string(),
            expected: v.revision.to_string(),
            ..PlanForm::from_content(&v.content)
        },
        Some(v) => PlanForm {
            expected: v.version.to_string(),
            ..PlanForm::from_content(&v.content)
        },
        None => PlanForm {
            expected: "0".into(),
            place: p.case.profile.return_province.clone(),
            ..Default::default()
        },
    };
    render(
        &plan_edit_page(
            &state,
            &tr,
            &caller,
            &p,
            form,
            &ValidationErrors::new(),
            String::new(),
        )
        .await?,
    )
}

pub async fn plan_save(
    State(state): State<AppState>,
    tr: Tr,
    Path(id): Path<String>,
    CsrfForm { caller, form }: CsrfForm<PlanForm>,
) -> Result<Response, AppError> {
    let p = pw::load(&state, &caller.actor(), &id, Action::UpdateCase).await?;
    let version = form.version.trim().parse::<i64>().ok();
    let expected = form.expected.trim().parse::<i64>().unwrap_or(0);
    let saved = match form.read() {
        Ok(content) => pw::save_plan(&state, &caller.actor(), &p, version, expected, content)
            .await
            .map_err(AppError::from),
        Err(e) => Err(AppError::validation(e)),
    };
    match saved {
        Ok(v) => Ok(
            Redirect::to(&format!("/cases/{}/plan?version={}", p.case.id, v.version))
                .into_response(),
        ),
        Err(e) if e.kind == ErrorKind::Validation => {
            let page =
                plan_edit_page(&state, &tr, &caller, &p, form, &e.fields, String::new()).await?;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) if e.kind == ErrorKind::Conflict => {
            let page = plan_edit_page(
                &state,
                &tr,
                &caller,
                &p,
                form,
                &ValidationErrors::new(),
                tr.t("plan-stale"),
            )
            .await?;
            render_status(StatusCode::CONFLICT, &page)
        }
        Err(e) => Err(e),
    }
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct PickForm {
    pub approach: String,
}

/// Adds a grid approach to the plan being worked on (starting one, or an amendment, if needed).
pub async fn plan_pick(
    State(state): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { caller, form }: CsrfForm<PickForm>,
) -> Result<Response, AppError> {
    let p = pw::load(&state, &caller.actor(), &id, Action::UpdateCase).await?;
    let grid = state.store.feasibility_grid().await?;
    let approach = grid
        .iter()
        .find(|a| a.key == form.approach)
        .ok_or(AppError::new(ErrorKind::NotFound))?;
    let actor = caller.actor();
    let (version, revision, mut content) = match p.latest_plan() {
        Some(v) if v.status().editable() => (Some(v.version), v.revision, v.content.clone()),
        Some(v) => (None, v.version, v.content.clone()),
        None => (
            None,
            0,
            PlanContent {
                place: p.case.profile.return_province.clone(),
                ..Default::default()
            },
        ),
    };
    if !content
        .items
        .iter()
        .any(|i| i.grid_approach.as_deref() == Some(&approach.key))
    {
        let key = content.next_key();
        content.items.push(PlanItem::from_grid(approach, key));
    }
    pw::save_plan(&state, &actor, &p, version, revision, content).await?;
    Ok(Redirect::to(&format!("/cases/{}/plan/edit#items", p.case.id)).into_response())
}

pub struct ItemView {
    pub key: u32,
    pub dimension: String,
    pub kind: String,
    pub details: String,
    pub modality: String,
    pub provider: String,
    pub responsible: String,
    pub duration: String,
    pub status: String,
    pub beneficiary: String,
    pub budget: String,
}

pub struct BalanceView {
    pub item: String,
    pub budget: u64,
    pub disbursed: u64,
    pub remaining: i64,
    pub instalments: u32,
}

pub struct PaymentView {
    pub date: String,
    pub item: String,
    pub amount: u64,
    pub instalment: u32,
    pub channel: String,
    pub by: String,
}

/// One plan version as read (screen and print).
pub struct PlanView {
    pub version: i64,
    pub status: String,
    pub objectives: Vec<(String, String)>,
    pub immediate: Vec<String>,
    pub items: Vec<ItemView>,
    pub purchases: Vec<(String, u64)>,
    pub purchases_total: u64,
    pub budget_total: u64,
    pub referrals: Vec<(String, String)>,
    pub baseline: Vec<(String, String)>,
    pub baseline_date: String,
    pub participants: Vec<(String, String)>,
    pub expected_improvement: String,
    pub exit_strategy: String,
    pub best_interests_note: String,
    pub place: String,
    pub agreement: String,
    pub approval: String,
    /// Where "Refer" links of the items lead, on the plan page of someone who may refer;
    /// empty elsewhere (the printable plan).
    pub refer_href: String,
}

fn plan_view(tr: &Tr, v: &store::PlanVersionRecord) -> PlanView {
    let c = &v.content;
    let items = c
        .items
        .iter()
        .map(|i| ItemView {
            key: i.key,
            dimension: tr.t_of("dimension", i.kind.dimension().as_str()),
            kind: tr.t_of("assistance", i.kind.as_str()),
            details: i.details.clone(),
            modality: tr.t_of("modality", i.modality.as_str()),
            provider: i.provider.clone(),
            responsible: tr.t_of("responsible", i.responsible.as_str()),
            duration: i.duration.clone(),
            status: tr.t_of("item-status", i.status.as_str()),
            beneficiary: i
                .beneficiary
                .clone()
                .unwrap_or_else(|| tr.t("plan-beneficiary-returnee")),
            budget: i.budget.map(|b| b.to_string()).unwrap_or_default(),
        })
        .collect();
    let mut immediate: Vec<String> = c
        .immediate
        .iter()
        .filter(|i| **i != Immediate::Other)
        .map(|i| tr.t_of("immediate", i.as_str()))
        .collect();
    if let Some(o) = &c.immediate_other {
        immediate.push(o.clone());
    }
    let (baseline, baseline_date) = match &c.baseline {
        Some(b) => (
            vec![
                (tr.t_of("dimension", "economic"), score_text(b.economic)),
                (tr.t_of("dimension", "social"), score_text(b.social)),
                (
                    tr.t_of("dimension", "psychosocial"),
                    score_text(b.psychosocial),
                ),
                (tr.t("plan-composite"), score_text(b.composite)),
            ],
            b.survey_date.to_string(),
        ),
        None => (vec![], String::new()),
    };
    PlanView {
        version: v.version,
        status: tr.t_of("plan-status", v.status().as_str()),
        objectives: vec![
            (
                tr.t_of("dimension", "economic"),
                c.objectives.economic.clone(),
            ),
            (tr.t_of("dimension", "social"), c.objectives.social.clone()),
            (
                tr.t_of("dimension", "psychosocial"),
                c.objectives.psychosocial.clone(),
            ),
        ],
        immediate,
        items,
        purchases: c
            .purchases
            .iter()
            .map(|p| (p.item.clone(), p.estimated_cost))
            .collect(),
        purchases_total: c.purchases_total(),
        budget_total: c.budget_total(),
        referrals: c
            .referrals
            .iter()
            .map(|r| (r.agency.clone(), r.assistance.clone()))
            .collect(),
        baseline,
        baseline_date,
        participants: c
            .community_participants
            .iter()
            .map(|p| (p.name.clone(), p.role.clone()))
            .collect(),
        expected_improvement: c.expected_improvement.clone(),
        exit_strategy: c.exit_strategy.clone(),
        best_interests_note: c.best_interests_note.clone().unwrap_or_default(),
        place: c.place.clone(),
        agreement: match &v.agreement {
            Some(a) => {
                tr.t2(
                    "plan-agreed-line",
                    "date",
                    a.date,
                    "method",
                    tr.t_of("agreement-method", a.method.as_str()),
                ) + if a.copy_given { " · " } else { "" }
                    + &if a.copy_given {
                        tr.t("plan-copy-given")
                    } else {
                        String::new()
                    }
            }
            None => tr.t("plan-not-agreed"),
        },
        approval: match &v.approval {
            Some(a) => tr.t2(
                if a.self_approved {
                    "plan-self-approved-line"
                } else {
                    "plan-approved-line"
                },
                "name",
                a.by_name.clone().unwrap_or_default(),
                "date",
                a.at.date(),
            ),
            None => tr.t("plan-not-approved"),
        },
        refer_href: String::new(),
    }
}

#[derive(Template)]
#[template(path = "plan.html")]
pub struct PlanPage {
    c: Chrome,
    id: String,
    name: String,
    number: String,
    urgent: Vec<UrgentView>,
    plan: Option<PlanView>,
    versions: Vec<(i64, String, bool)>,
    revision: i64,
    latest: i64,
    editable: bool,
    can_update: bool,
    can_agree: bool,
    can_approve: bool,
    can_amend: bool,
    target: String,
    late: bool,
    balances: Vec<BalanceView>,
    payments: Vec<PaymentView>,
    grant_items: Vec<Opt>,
    agreement_form: Vec<FieldView>,
    disbursement_form: Vec<FieldView>,
    errors_for: String,
    error_list: Vec<String>,
    notice: String,
    community_projects: Vec<super::community::CaseProject>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct VersionQuery {
    pub version: Option<i64>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct AgreementForm {
    pub version: String,
    pub revision: String,
    pub agreed_on: String,
    pub agreement_method: String,
    pub copy_given: String,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct DisbursementForm {
    pub item_key: String,
    pub paid_on: String,
    pub amount: String,
    pub channel: String,
    pub notes: String,
}

impl DisbursementForm {
    fn read(&self) -> Result<Disbursement, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let date = date_or_error(&mut e, "paid_on", &self.paid_on);
        let amount = amount_or_error(&mut e, "amount", &self.amount);
        if self.amount.trim().is_empty() {
            e.add("amount", "error-required");
        }
        let key = self.item_key.parse::<u32>().ok();
        if key.is_none() {
            e.add("item_key", "error-required");
        }
        e.into_result(Disbursement {
            item_key: key.unwrap_or(0),
            date,
            amount: amount.unwrap_or(0),
            instalment: 0,
            channel: self.channel.clone(),
            notes: self.notes.clone(),
        })
    }
}

struct PlanInputs<'a> {
    version: Option<i64>,
    agreement: &'a AgreementForm,
    disbursement: &'a DisbursementForm,
    errors: &'a ValidationErrors,
    errors_for: &'a str,
    notice: String,
}

async fn plan_page(
    state: &AppState,
    tr: &Tr,
    caller: &Caller,
    p: &Pathway,
    input: PlanInputs<'_>,
) -> Result<PlanPage, AppError> {
    let actor = caller.actor();
    let can_update = authorize(&actor, Action::UpdateCase, Resource::Case(p.case.access())).is_ok();
    let shown = match input.version {
        Some(n) => p.plans.iter().find(|v| v.version == n),
        None => p.latest_plan(),
    };
    let latest = p.latest_plan();
    let status = shown.map(|v| v.status());
    let is_latest = shown.is_some() && shown.map(|v| v.version) == latest.map(|v| v.version);
    let active = p.active_plan();
    let payments_raw = p.disbursements();
    let item_name = |key: u32| {
        active
            .and_then(|a| a.content.item(key))
            .map(|i| format!("{} — {}", tr.t_of("assistance", i.kind.as_str()), i.details))
            .unwrap_or_else(|| key.to_string())
    };
    let balances_v = active
        .map(|a| {
            let paid: Vec<Disbursement> = payments_raw.iter().map(|(_, d)| d.clone()).collect();
            balances(&a.content, &paid)
                .into_iter()
                .map(|b| BalanceView {
                    item: item_name(b.item_key),
                    budget: b.budget,
                    disbursed: b.disbursed,
                    remaining: b.remaining,
                    instalments: b.instalments,
                })
                .collect()
        })
        .unwrap_or_default();
    let payments = payments_raw
        .iter()
        .map(|(e, d)| PaymentView {
            date: d.date.to_string(),
            item: item_name(d.item_key),
            amount: d.amount,
            instalment: d.instalment,
            channel: d.channel.clone(),
            by: e.recorded_by_name.clone().unwrap_or_default(),
        })
        .collect();
    let grant_items: Vec<Opt> = active
        .map(|a| {
            a.content
                .items
                .iter()
                .filter(|i| i.modality.is_grant() && i.status != ItemStatus::Cancelled)
                .map(|i| Opt {
                    value: i.key.to_string(),
                    label: item_name(i.key),
                })
                .collect()
        })
        .unwrap_or_default();
    let errs = error_map(tr, input.errors);
    let fb = FieldBuilder { tr, errors: &errs };
    let a = input.agreement;
    let mut copy = fb.input("copy_given", "checkbox", "", false);
    copy.choices = vec![crate::forms::Choice {
        value: "yes".into(),
        label: tr.t("field-copy-given"),
        selected: a.copy_given == "yes",
    }];
    let agreement_form = vec![
        fb.input("agreed_on", "date", &a.agreed_on, true),
        fb.select(
            "agreement_method",
            &a.agreement_method,
            "agreement-method",
            &names(AgreementMethod::ALL, AgreementMethod::as_str),
            true,
        ),
        copy,
    ];
    let d = input.disbursement;
    let mut item = fb.select("item_key", &d.item_key, "", &[], true);
    item.choices
        .extend(grant_items.iter().map(|o: &Opt| crate::forms::Choice {
            value: o.value.clone(),
            label: o.label.clone(),
            selected: o.value == d.item_key,
        }));
    let disbursement_form = vec![
        item,
        fb.input("paid_on", "date", &d.paid_on, true),
        fb.input("amount", "number", &d.amount, true),
        fb.input("channel", "text", &d.channel, false),
        fb.input("notes", "textarea", &d.notes, false),
    ];
    let approvable = p.approval_by(&actor).is_some();
    Ok(PlanPage {
        c: Chrome::new(state, tr.clone(), Some(caller)),
        id: p.case.id.to_string(),
        name: p.case.profile.full_name(),
        number: p.case.number.to_string(),
        urgent: urgent_views(tr, p),
        versions: p
            .plans
            .iter()
            .map(|v| {
                (
                    v.version,
                    tr.t_of("plan-status", v.status().as_str()),
                    Some(v.version) == shown.map(|s| s.version),
                )
            })
            .collect(),
        revision: shown.map(|v| v.revision).unwrap_or(0),
        latest: latest.map(|v| v.version).unwrap_or(0),
        editable: is_latest && status.is_some_and(PlanStatus::editable),
        can_update,
        can_agree: can_update && is_latest && status == Some(PlanStatus::Draft),
        can_approve: approvable && is_latest && status == Some(PlanStatus::AwaitingApproval),
        can_amend: can_update
            && is_latest
            && status == Some(PlanStatus::Approved)
            && p.stage() != CaseStage::Closed,
        target: agreement_target(p.case.profile.return_date).to_string(),
        late: agreement_late(p.case.profile.return_date, p.first_agreement(), today()),
        balances: balances_v,
        payments,
        grant_items,
        agreement_form,
        disbursement_form,
        errors_for: input.errors_for.to_string(),
        error_list: {
            let mut v: Vec<String> = errs.values().cloned().collect();
            v.sort();
            v.dedup();
            v
        },
        notice: input.notice,
        community_projects: super::community::case_projects(state, tr, &caller.actor(), &p.case)
            .await?,
        plan: shown.map(|v| {
            let mut view = plan_view(tr, v);
            if can_update && v.approval.is_some() {
                view.refer_href = format!("/cases/{}/referrals", p.case.id);
            }
            view
        }),
    })
}

fn default_agreement() -> AgreementForm {
    AgreementForm {
        agreed_on: today().to_string(),
        copy_given: "yes".into(),
        ..Default::default()
    }
}

fn default_disbursement() -> DisbursementForm {
    DisbursementForm {
        paid_on: today().to_string(),
        ..Default::default()
    }
}

pub async fn plan_view_page(
    State(state): State<AppState>,
    tr: Tr,
    SignedIn(caller): SignedIn,
    Path(id): Path<String>,
    Query(q): Query<VersionQuery>,
) -> Result<Response, AppError> {
    let p = pw::open(&state, &caller.actor(), &id).await?;
    let page = plan_page(
        &state,
        &tr,
        &caller,
        &p,
        PlanInputs {
            version: q.version,
            agreement: &default_agreement(),
            disbursement: &default_disbursement(),
            errors: &ValidationErrors::new(),
            errors_for: "",
            notice: String::new(),
        },
    )
    .await?;
    render(&page)
}

#[derive(Template)]
#[template(path = "plan_print.html")]
pub struct PlanPrintPage {
    c: Chrome,
    name: String,
    number: String,
    place_of_return: String,
    plan: PlanView,
}

pub async fn plan_print(
    State(state): State<AppState>,
    tr: Tr,
    SignedIn(caller): SignedIn,
    Path(id): Path<String>,
    Query(q): Query<VersionQuery>,
) -> Result<Response, AppError> {
    let p = pw::open(&state, &caller.actor(), &id).await?;
    let v = match q.version {
        Some(n) => p.plans.iter().find(|v| v.version == n),
        None => p.latest_plan(),
    }
    .ok_or(AppError::new(ErrorKind::NotFound))?;
    let prof = &p.case.profile;
    let place_of_return = [
        Some(prof.return_province.clone()),
        prof.return_community.clone(),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(", ");
    render(&PlanPrintPage {
        c: Chrome::new(&state, tr.clone(), Some(&caller)),
        name: prof.full_name(),
        number: p.case.number.to_string(),
        place_of_return,
        plan: plan_view(&tr, v),
    })
}

#[allow(clippy::too_many_arguments)]
async fn plan_page_with_errors(
    state: &AppState,
    tr: &Tr,
    caller: &Caller,
    p: &Pathway,
    e: AppError,
    agreement: &AgreementForm,
    disbursement: &DisbursementForm,
    errors_for: &str,
) -> Result<Response, AppError> {
    let (status, errors, notice) = match e.kind {
        ErrorKind::Validation => (StatusCode::UNPROCESSABLE_ENTITY, e.fields, String::new()),
        ErrorKind::Conflict => (
            StatusCode::CONFLICT,
            ValidationErrors::new(),
            tr.t("plan-stale"),
        ),
        _ => return Err(e),
    };
    let page = plan_page(
        state,
        tr,
        caller,
        p,
        PlanInputs {
            version: None,
            agreement,
            disbursement,
            errors: &errors,
            errors_for,
            notice,
        },
    )
    .await?;
    render_status(status, &page)
}

pub async fn plan_agree(
    State(state): State<AppState>,
    tr: Tr,
    Path(id): Path<String>,
    CsrfForm { caller, form }: CsrfForm<AgreementForm>,
) -> Result<Response, AppError> {
    let p = pw::load(&state, &caller.actor(), &id, Action::UpdateCase).await?;
    let version = form
        .version
        .parse::<i64>()
        .map_err(|_| AppError::new(ErrorKind::BadRequest))?;
    let revision = form.revision.parse::<i64>().unwrap_or(0);
    let mut e = ValidationErrors::new();
    let date = date_or_error(&mut e, "agreed_on", &form.agreed_on);
    let method = enum_or_error(
        &mut e,
        "agreement_method",
        &form.agreement_method,
        AgreementMethod::parse,
    );
    let result = match method {
        Some(method) if e.is_empty() => {
            let a = NewPlanAgreement {
                date,
                method,
                copy_given: form.copy_given == "yes",
            };
            validated(
                e,
                pw::agree_plan(&state, &caller.actor(), &p, version, revision, a)
                    .await
                    .map_err(AppError::from),
            )
        }
        _ => Err(AppError::validation(e)),
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/cases/{}/plan", p.case.id)).into_response()),
        Err(e) => {
            plan_page_with_errors(
                &state,
                &tr,
                &caller,
                &p,
                e,
                &form,
                &default_disbursement(),
                "agreement",
            )
            .await
        }
    }
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct VersionForm {
    pub version: String,
    pub revision: String,
}

pub async fn plan_approve(
    State(state): State<AppState>,
    tr: Tr,
    Path(id): Path<String>,
    CsrfForm { caller, form }: CsrfForm<VersionForm>,
) -> Result<Response, AppError> {
    let p = pw::load(&state, &caller.actor(), &id, Action::ReadCase).await?;
    p.approval_by(&caller.actor())
        .ok_or(domain::authz::Forbidden)?;
    let version = form
        .version
        .parse::<i64>()
        .map_err(|_| AppError::new(ErrorKind::BadRequest))?;
    let revision = form.revision.parse::<i64>().unwrap_or(0);
    match pw::approve_plan(&state, &caller.actor(), &p, version, revision)
        .await
        .map_err(AppError::from)
    {
        Ok(()) => Ok(Redirect::to(&format!("/cases/{}/plan", p.case.id)).into_response()),
        Err(e) => {
            plan_page_with_errors(
                &state,
                &tr,
                &caller,
                &p,
                e,
                &default_agreement(),
                &default_disbursement(),
                "",
            )
            .await
        }
    }
}

pub async fn plan_amend(
    State(state): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { caller, form }: CsrfForm<VersionForm>,
) -> Result<Response, AppError> {
    let p = pw::load(&state, &caller.actor(), &id, Action::UpdateCase).await?;
    let latest = form
        .version
        .parse::<i64>()
        .map_err(|_| AppError::new(ErrorKind::BadRequest))?;
    pw::amend_plan(&state, &caller.actor(), &p, latest).await?;
    Ok(Redirect::to(&format!("/cases/{}/plan/edit", p.case.id)).into_response())
}

pub async fn disburse(
    State(state): State<AppState>,
    tr: Tr,
    Path(id): Path<String>,
    CsrfForm { caller, form }: CsrfForm<DisbursementForm>,
) -> Result<Response, AppError> {
    let p = pw::load(&state, &caller.actor(), &id, Action::UpdateCase).await?;
    let result = match form.read() {
        Ok(d) => pw::disburse(&state, &caller.actor(), &p, d)
            .await
            .map(|_| ())
            .map_err(AppError::from),
        Err(e) => Err(AppError::validation(e)),
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/cases/{}/plan#payments", p.case.id)).into_response()),
        Err(mut e) => {
            e.fields = date_named(std::mem::take(&mut e.fields), "paid_on");
            plan_page_with_errors(
                &state,
                &tr,
                &caller,
                &p,
                e,
                &default_agreement(),
                &form,
                "payment",
            )
            .await
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Follow-up and unmet needs

pub struct VisitRow {
    pub name: String,
    pub due: String,
    pub window: String,
    pub state: String,
    pub class: &'static str,
}

pub struct RecordedVisit {
    pub date: String,
    pub mode: String,
    pub scheduled: String,
    pub findings: String,
    pub w_model: bool,
    pub plan_changes: String,
    pub by: String,
}

pub struct UnmetView {
    pub date: String,
    pub dimension: String,
    pub need: String,
    pub reason: String,
    pub notes: String,
}

#[derive(Template)]
#[template(path = "follow_up.html")]
pub struct FollowUpPage {
    c: Chrome,
    id: String,
    name: String,
    number: String,
    urgent: Vec<UrgentView>,
    anchor: String,
    schedule: Vec<VisitRow>,
    visits: Vec<RecordedVisit>,
    unmet: Vec<UnmetView>,
    can_update: bool,
    visit_form: Vec<FieldView>,
    unmet_form: Vec<FieldView>,
    errors_for: String,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct VisitForm {
    pub visit_date: String,
    pub mode: String,
    pub scheduled: String,
    pub findings: String,
    pub w_model_used: String,
    pub plan_changes: String,
}

impl VisitForm {
    fn read(&self) -> Result<FollowUpVisit, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let date = date_or_error(&mut e, "visit_date", &self.visit_date);
        let mode = enum_or_error(&mut e, "mode", &self.mode, ContactMode::parse);
        let scheduled = match self.scheduled.as_str() {
            "" => None,
            s => {
                let k = VisitKey::parse(s);
                if k.is_none() {
                    e.add("scheduled", "error-choice");
                }
                k
            }
        };
        let v = FollowUpVisit {
            date,
            mode: mode.unwrap_or(ContactMode::Office),
            scheduled,
            findings: self.findings.trim().to_string(),
            w_model_used: self.w_model_used == "yes",
            plan_changes: self.plan_changes.trim().to_string(),
        };
        if let Err(x) = v.check(today()) {
            e.merge(date_named(x, "visit_date"));
        }
        e.into_result(v)
    }
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct UnmetForm {
    pub noted_on: String,
    pub dimension: String,
    pub need: String,
    pub reason: String,
    pub notes: String,
}

impl UnmetForm {
    fn read(&self) -> Result<UnmetNeed, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let date = date_or_error(&mut e, "noted_on", &self.noted_on);
        let dimension = enum_or_error(&mut e, "dimension", &self.dimension, Dimension::parse);
        let reason = enum_or_error(&mut e, "reason", &self.reason, UnmetReason::parse);
        let n = UnmetNeed {
            date,
            dimension: dimension.unwrap_or(Dimension::Social),
            need: self.need.trim().to_string(),
            reason: reason.unwrap_or(UnmetReason::NotAvailable),
            notes: self.notes.trim().to_string(),
        };
        if let Err(x) = n.check(today()) {
            e.merge(date_named(x, "noted_on"));
        }
        e.into_result(n)
    }
}

#[allow(clippy::too_many_arguments)]
async fn follow_up_page(
    state: &AppState,
    tr: &Tr,
    caller: &Caller,
    p: &Pathway,
    visit: &VisitForm,
    unmet: &UnmetForm,
    errors: &ValidationErrors,
    errors_for: &str,
) -> Result<FollowUpPage, AppError> {
    let today = today();
    let states = p.visits(today);
    let schedule = states
        .iter()
        .map(|(v, s)| {
            let (state_text, class) = match s {
                VisitState::Done { on } => (tr.t1("visit-done", "date", on), "state-done"),
                VisitState::Upcoming => (tr.t("visit-upcoming"), "state-not-yet"),
                VisitState::Due => (tr.t("visit-due"), "state-due"),
                VisitState::Overdue => (tr.t("visit-overdue"), "state-overdue"),
            };
            VisitRow {
                name: visit_name(tr, v.key),
                due: v.due.to_string(),
                window: tr.t2("rss-window", "from", v.opens(), "to", v.overdue_after()),
                state: state_text,
                class,
            }
        })
        .collect();
    let visits = p
        .follow_ups()
        .into_iter()
        .rev()
        .map(|(e, v)| RecordedVisit {
            date: v.date.to_string(),
            mode: tr.t_of("contact-mode", v.mode.as_str()),
            scheduled: v
                .scheduled
                .map(|k| visit_name(tr, k))
                .unwrap_or_else(|| tr.t("visit-additional")),
            findings: v.findings,
            w_model: v.w_model_used,
            plan_changes: v.plan_changes,
            by: e.recorded_by_name.clone().unwrap_or_default(),
        })
        .collect();
    let unmet_v = p
        .unmet()
        .into_iter()
        .rev()
        .map(|(_, n)| UnmetView {
            date: n.date.to_string(),
            dimension: tr.t_of("dimension", n.dimension.as_str()),
            need: n.need,
            reason: tr.t_of("unmet-reason", n.reason.as_str()),
            notes: n.notes,
        })
        .collect();
    let errs = error_map(tr, errors);
    let fb = FieldBuilder { tr, errors: &errs };
    let mut scheduled = fb.select("scheduled", &visit.scheduled, "", &[], false);
    scheduled.choices[0].label = tr.t("visit-additional");
    scheduled
        .choices
        .extend(states.iter().map(|(v, _)| crate::forms::Choice {
            value: v.key.as_str().into(),
            label: format!("{} ({})", visit_name(tr, v.key), v.due),
            selected: visit.scheduled == v.key.as_str(),
        }));
    let mut w = fb.input("w_model_used", "checkbox", "", false);
    w.choices = vec![crate::forms::Choice {
        value: "yes".into(),
        label: tr.t("field-w-model-used"),
        selected: visit.w_model_used == "yes",
    }];
    let visit_form = vec![
        fb.input("visit_date", "date", &visit.visit_date, true),
        fb.select(
            "mode",
            &visit.mode,
            "contact-mode",
            &names(ContactMode::ALL, ContactMode::as_str),
            true,
        ),
        scheduled,
        fb.input("findings", "textarea", &visit.findings, true),
        w,
        fb.input("plan_changes", "textarea", &visit.plan_changes, false),
    ];
    let unmet_form = vec![
        fb.input("noted_on", "date", &unmet.noted_on, true),
        fb.select(
            "dimension",
            &unmet.dimension,
            "dimension",
            &names(Dimension::ALL, Dimension::as_str),
            true,
        ),
        fb.input("need", "text", &unmet.need, true),
        fb.select(
            "reason",
            &unmet.reason,
            "unmet-reason",
            &names(UnmetReason::ALL, UnmetReason::as_str),
            true,
        ),
        fb.input("notes", "textarea", &unmet.notes, false),
    ];
    Ok(FollowUpPage {
        c: Chrome::new(state, tr.clone(), Some(caller)),
        id: p.case.id.to_string(),
        name: p.case.profile.full_name(),
        number: p.case.number.to_string(),
        urgent: urgent_views(tr, p),
        anchor: match p.plan_agreed_on() {
            Some(d) => tr.t1("follow-up-anchor", "date", d),
            None => tr.t("follow-up-no-plan"),
        },
        schedule,
        visits,
        unmet: unmet_v,
        can_update: authorize(
            &caller.actor(),
            Action::UpdateCase,
            Resource::Case(p.case.access()),
        )
        .is_ok(),
        visit_form,
        unmet_form,
        errors_for: errors_for.into(),
    })
}

fn default_visit(p: &Pathway) -> VisitForm {
    VisitForm {
        visit_date: today().to_string(),
        scheduled: domain::pathway::followup::next_open(&p.visits(today()))
            .map(|k| k.as_str().to_string())
            .unwrap_or_default(),
        ..Default::default()
    }
}

fn default_unmet() -> UnmetForm {
    UnmetForm {
        noted_on: today().to_string(),
        ..Default::default()
    }
}

pub async fn follow_up(
    State(state): State<AppState>,
    tr: Tr,
    SignedIn(caller): SignedIn,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let p = pw::open(&state, &caller.actor(), &id).await?;
    let page = follow_up_page(
        &state,
        &tr,
        &caller,
        &p,
        &default_visit(&p),
        &default_unmet(),
        &ValidationErrors::new(),
        "",
    )
    .await?;
    render(&page)
}

pub async fn record_visit(
    State(state): State<AppState>,
    tr: Tr,
    Path(id): Path<String>,
    CsrfForm { caller, form }: CsrfForm<VisitForm>,
) -> Result<Response, AppError> {
    let p = pw::load(&state, &caller.actor(), &id, Action::UpdateCase).await?;
    match form.read() {
        Ok(v) => {
            pw::record_visit(&state, &caller.actor(), &p, v).await?;
            Ok(Redirect::to(&format!("/cases/{}/follow-up", p.case.id)).into_response())
        }
        Err(e) => {
            let page = follow_up_page(
                &state,
                &tr,
                &caller,
                &p,
                &form,
                &default_unmet(),
                &e,
                "visit",
            )
            .await?;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
    }
}

pub async fn record_unmet(
    State(state): State<AppState>,
    tr: Tr,
    Path(id): Path<String>,
    CsrfForm { caller, form }: CsrfForm<UnmetForm>,
) -> Result<Response, AppError> {
    let p = pw::load(&state, &caller.actor(), &id, Action::UpdateCase).await?;
    match form.read() {
        Ok(n) => {
            pw::add_entry(
                &state,
                &caller.actor(),
                p.case.id,
                EntryKind::UnmetNeed,
                n.date,
                &n,
                false,
            )
            .await?;
            Ok(Redirect::to(&format!("/cases/{}/follow-up#unmet", p.case.id)).into_response())
        }
        Err(e) => {
            let page = follow_up_page(
                &state,
                &tr,
                &caller,
                &p,
                &default_visit(&p),
                &form,
                &e,
                "unmet",
            )
            .await?;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Closure

pub struct ClosureView {
    pub date: String,
    pub reason: String,
    pub detail: String,
    pub reasons_explored: String,
    pub needs: Vec<(String, String)>,
    pub handovers: Vec<(String, String)>,
    pub no_final_survey_reason: String,
    pub requested: String,
    pub approval: String,
    pub reopened: String,
    pub in_force: bool,
    pub approved: bool,
}

#[derive(Template)]
#[template(path = "closure.html")]
pub struct ClosurePage {
    c: Chrome,
    id: String,
    name: String,
    number: String,
    urgent: Vec<UrgentView>,
    history: Vec<ClosureView>,
    final_survey_done: bool,
    can_request: bool,
    can_approve: bool,
    can_reopen: bool,
    form: Vec<FieldView>,
    handovers: Vec<(String, String, bool, String)>,
    has_errors: bool,
    reopen_form: Vec<FieldView>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct ClosureForm {
    pub closed_on: String,
    pub closure_reason: String,
    pub exit_reason: String,
    pub termination_reason: String,
    pub reasons_explored: String,
    pub needs_met: String,
    pub needs_unmet: String,
    pub needs_emerging: String,
    pub handover_agency: Vec<String>,
    pub handover_purpose: Vec<String>,
    /// Row numbers (0-based) whose consent box is ticked.
    pub handover_consent: Vec<String>,
    pub no_final_survey_reason: String,
    pub reopen_reason: String,
}

impl ClosureForm {
    fn read(&self) -> Result<Closure, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let date = date_or_error(&mut e, "closed_on", &self.closed_on);
        let reason = enum_or_error(
            &mut e,
            "closure_reason",
            &self.closure_reason,
            ClosureReason::parse,
        );
        let handovers = (0..self.handover_agency.len())
            .map(|n| Handover {
                agency: at(&self.handover_agency, n).to_string(),
                purpose: at(&self.handover_purpose, n).to_string(),
                consent: self.handover_consent.iter().any(|c| c == &n.to_string()),
            })
            .collect();
        e.into_result(Closure {
            date,
            reason: reason.unwrap_or(ClosureReason::PlannedEnd),
            exit_reason: ExitReason::parse(&self.exit_reason),
            termination_reason: TerminationReason::parse(&self.termination_reason),
            reasons_explored: self.reasons_explored.clone(),
            needs_met: self.needs_met.clone(),
            needs_unmet: self.needs_unmet.clone(),
            needs_emerging: self.needs_emerging.clone(),
            handovers,
            no_final_survey_reason: self.no_final_survey_reason.clone(),
        })
    }
}

fn closure_view(tr: &Tr, x: &store::ClosureRecord) -> ClosureView {
    let c = &x.closure;
    let detail = c
        .exit_reason
        .map(|r| tr.t_of("exit-reason", r.as_str()))
        .or(c
            .termination_reason
            .map(|r| tr.t_of("termination-reason", r.as_str())))
        .unwrap_or_default();
    ClosureView {
        date: c.date.to_string(),
        reason: tr.t_of("closure-reason", c.reason.as_str()),
        detail,
        reasons_explored: c.reasons_explored.clone(),
        needs: vec![
            (tr.t("field-needs-met"), c.needs_met.clone()),
            (tr.t("field-needs-unmet"), c.needs_unmet.clone()),
            (tr.t("field-needs-emerging"), c.needs_emerging.clone()),
        ],
        handovers: c
            .handovers
            .iter()
            .map(|h| (h.agency.clone(), h.purpose.clone()))
            .collect(),
        no_final_survey_reason: c.no_final_survey_reason.clone(),
        requested: tr.t2(
            "closure-requested",
            "name",
            x.requested_by_name.clone().unwrap_or_default(),
            "date",
            x.requested_at.date(),
        ),
        approval: match &x.approval {
            Some(a) => tr.t2(
                if a.self_approved {
                    "plan-self-approved-line"
                } else {
                    "plan-approved-line"
                },
                "name",
                a.by_name.clone().unwrap_or_default(),
                "date",
                a.at.date(),
            ),
            None => tr.t("closure-awaiting-approval"),
        },
        reopened: match x.reopened_at {
            Some(at) => {
                tr.t2(
                    "closure-reopened",
                    "name",
                    x.reopened_by_name.clone().unwrap_or_default(),
                    "date",
                    at.date(),
                ) + " — "
                    + x.reopen_reason.as_deref().unwrap_or("")
            }
            None => String::new(),
        },
        in_force: x.in_force(),
        approved: x.approval.is_some(),
    }
}

async fn closure_page(
    state: &AppState,
    tr: &Tr,
    caller: &Caller,
    p: &Pathway,
    form: &ClosureForm,
    errors: &ValidationErrors,
) -> Result<ClosurePage, AppError> {
    let actor = caller.actor();
    let can_update = authorize(&actor, Action::UpdateCase, Resource::Case(p.case.access())).is_ok();
    let approver = p.approval_by(&actor).is_some();
    let current = p.closure_in_force();
    let errs = error_map(tr, errors);
    let fb = FieldBuilder { tr, errors: &errs };
    let form_fields = vec![
        fb.input("closed_on", "date", &form.closed_on, true),
        fb.select(
            "closure_reason",
            &form.closure_reason,
            "closure-reason",
            &names(ClosureReason::ALL, ClosureReason::as_str),
            true,
        ),
        fb.select(
            "exit_reason",
            &form.exit_reason,
            "exit-reason",
            &names(ExitReason::ALL, ExitReason::as_str),
            false,
        ),
        fb.select(
            "termination_reason",
            &form.termination_reason,
            "termination-reason",
            &names(TerminationReason::ALL, TerminationReason::as_str),
            false,
        ),
        fb.input(
            "reasons_explored",
            "textarea",
            &form.reasons_explored,
            false,
        ),
        fb.input("needs_met", "textarea", &form.needs_met, false),
        fb.input("needs_unmet", "textarea", &form.needs_unmet, false),
        fb.input("needs_emerging", "textarea", &form.needs_emerging, false),
        fb.input(
            "no_final_survey_reason",
            "textarea",
            &form.no_final_survey_reason,
            false,
        ),
    ];
    let mut handovers: Vec<(String, String, bool, String)> = (0..form.handover_agency.len())
        .map(|n| {
            (
                at(&form.handover_agency, n).to_string(),
                at(&form.handover_purpose, n).to_string(),
                form.handover_consent.iter().any(|c| c == &n.to_string()),
                row_error(&errs, &format!("handovers.{n}.")),
            )
        })
        .collect();
    while handovers.len() < form.handover_agency.len().max(2) {
        handovers.push((String::new(), String::new(), false, String::new()));
    }
    let reopen_form = vec![fb.input("reopen_reason", "textarea", &form.reopen_reason, true)];
    Ok(ClosurePage {
        c: Chrome::new(state, tr.clone(), Some(caller)),
        id: p.case.id.to_string(),
        name: p.case.profile.full_name(),
        number: p.case.number.to_string(),
        urgent: urgent_views(tr, p),
        history: p
            .closures
            .iter()
            .rev()
            .map(|x| closure_view(tr, x))
            .collect(),
        final_survey_done: p.survey_done(domain::rss::Round::Final),
        can_request: can_update && current.is_none(),
        can_approve: approver && current.is_some_and(|c| c.approval.is_none()),
        can_reopen: approver && current.is_some(),
        form: form_fields,
        handovers,
        has_errors: !errors.is_empty(),
        reopen_form,
    })
}

pub async fn closure(
    State(state): State<AppState>,
    tr: Tr,
    SignedIn(caller): SignedIn,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let p = pw::open(&state, &caller.actor(), &id).await?;
    let form = ClosureForm {
        closed_on: today().to_string(),
        ..Default::default()
    };
    render(&closure_page(&state, &tr, &caller, &p, &form, &ValidationErrors::new()).await?)
}

pub async fn request_closure(
    State(state): State<AppState>,
    tr: Tr,
    Path(id): Path<String>,
    CsrfForm { caller, form }: CsrfForm<ClosureForm>,
) -> Result<Response, AppError> {
    let p = pw::load(&state, &caller.actor(), &id, Action::UpdateCase).await?;
    let result = match form.read() {
        Ok(c) => pw::request_closure(&state, &caller.actor(), &p, c)
            .await
            .map(|_| ())
            .map_err(AppError::from),
        Err(e) => Err(AppError::validation(e)),
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/cases/{}/closure", p.case.id)).into_response()),
        Err(mut e) if e.kind == ErrorKind::Validation => {
            e.fields = date_named(std::mem::take(&mut e.fields), "closed_on");
            let page = closure_page(&state, &tr, &caller, &p, &form, &e.fields).await?;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(e),
    }
}

pub async fn approve_closure(
    State(state): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { caller, form: _ }: CsrfForm<VersionForm>,
) -> Result<Response, AppError> {
    let p = pw::load(&state, &caller.actor(), &id, Action::ReadCase).await?;
    pw::approve_closure(&state, &caller.actor(), &p).await?;
    Ok(Redirect::to(&format!("/cases/{}/closure", p.case.id)).into_response())
}

pub async fn reopen(
    State(state): State<AppState>,
    tr: Tr,
    Path(id): Path<String>,
    CsrfForm { caller, form }: CsrfForm<ClosureForm>,
) -> Result<Response, AppError> {
    let p = pw::load(&state, &caller.actor(), &id, Action::ReadCase).await?;
    match pw::reopen(&state, &caller.actor(), &p, &form.reopen_reason)
        .await
        .map_err(AppError::from)
    {
        Ok(()) => Ok(Redirect::to(&format!("/cases/{}", p.case.id)).into_response()),
        Err(mut e) if e.kind == ErrorKind::Validation => {
            for f in &mut e.fields.0 {
                f.field = "reopen_reason".into();
            }
            let form = ClosureForm {
                closed_on: today().to_string(),
                ..form
            };
            let page = closure_page(&state, &tr, &caller, &p, &form, &e.fields).await?;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(e),
    }
}

// ---------------------------------------------------------------------------------------------
// My work and approvals

pub struct WorkRow {
    pub id: String,
    pub number: String,
    pub name: String,
    pub stage: String,
    pub urgent: usize,
    pub urgent_text: String,
    pub due: Vec<DueView>,
}

#[derive(Template)]
#[template(path = "my_work.html")]
pub struct MyWorkPage {
    c: Chrome,
    rows: Vec<WorkRow>,
    summary: String,
}

/// A case manager's worklist: urgent referrals, overdue and upcoming visits, surveys due,
/// plans waiting for agreement, tasks. Cases with nothing pending are left out.
pub async fn my_work(
    State(state): State<AppState>,
    tr: Tr,
    SignedIn(caller): SignedIn,
) -> Result<Response, AppError> {
    let actor = caller.actor();
    authorize(&actor, Action::UpdateCase, Resource::Programme)?;
    let today = today();
    let mut rows = Vec::new();
    let unanswered = state
        .store
        .referrals(&store::ReferralFilter {
            case_manager: Some(actor.user_id),
            status: Some(domain::referral::ReferralStatus::Sent),
            ..Default::default()
        })
        .await?;
    for summary in state.store.open_cases_of(actor.user_id).await? {
        let case = state.store.case(summary.id).await?;
        let p = Pathway::load(&state, case).await?;
        let urgent = p.urgent().iter().filter(|(e, _)| e.open).count();
        let mut due: Vec<DueView> = due_items(&tr, &p, today)
            .into_iter()
            .map(|(_, d)| d)
            .collect();
        // Referrals past the time the service agreed to answer in.
        for r in unanswered.iter().filter(|r| {
            r.case == summary.id && domain::referral::is_overdue(r.status, r.answer_due, today)
        }) {
            due.push(DueView {
                text: tr.t2(
                    "due-referral-answer",
                    "service",
                    &r.service_name,
                    "date",
                    r.answer_due.map(|d| d.to_string()).unwrap_or_default(),
                ),
                overdue: true,
            });
        }
        if p.latest_plan().map(|v| v.status()) == Some(PlanStatus::Draft) {
            due.push(DueView {
                text: tr.t("due-plan-agreement"),
                overdue: false,
            });
        }
        if urgent == 0 && due.is_empty() {
            continue;
        }
        rows.push(WorkRow {
            id: summary.id.to_string(),
            number: summary.number,
            name: format!("{} {}", summary.given_name, summary.family_name),
            stage: tr.t_of("stage", summary.stage.as_str()),
            urgent,
            urgent_text: if urgent > 0 {
                tr.tn("my-work-urgent", urgent as u64)
            } else {
                String::new()
            },
            due,
        });
    }
    rows.sort_by_key(|r| (r.urgent == 0, !r.due.iter().any(|d| d.overdue)));
    let urgent: usize = rows.iter().map(|r| r.urgent).sum();
    let overdue: usize = rows
        .iter()
        .map(|r| r.due.iter().filter(|d| d.overdue).count())
        .sum();
    let summary = tr.t2("my-work-summary", "urgent", urgent, "overdue", overdue)
        + " · "
        + &tr.tn("my-work-cases", rows.len() as u64);
    render(&MyWorkPage {
        c: Chrome::new(&state, tr.clone(), Some(&caller)),
        rows,
        summary,
    })
}

pub struct ApprovalRow {
    pub href: String,
    pub number: String,
    pub name: String,
    pub what: String,
    pub case_manager: String,
    pub since: String,
}

#[derive(Template)]
#[template(path = "approvals.html")]
pub struct ApprovalsPage {
    c: Chrome,
    rows: Vec<ApprovalRow>,
}

/// Plans and closures waiting for the caller's approval: only those they may approve.
pub async fn approvals(
    State(state): State<AppState>,
    tr: Tr,
    SignedIn(caller): SignedIn,
) -> Result<Response, AppError> {
    let rows = pw::pending_approvals(&state, &caller.actor())
        .await?
        .into_iter()
        .map(|a| ApprovalRow {
            href: match a.plan_version {
                Some(v) => format!("/cases/{}/plan?version={v}", a.case.id),
                None => format!("/cases/{}/closure", a.case.id),
            },
            number: a.case.number.clone(),
            name: format!("{} {}", a.case.given_name, a.case.family_name),
            what: match a.plan_version {
                Some(v) => tr.t1("approval-plan", "version", v),
                None => tr.t("approval-closure"),
            },
            case_manager: a.case.case_manager_name.clone().unwrap_or_default(),
            since: a.since.date().to_string(),
        })
        .collect();
    render(&ApprovalsPage {
        c: Chrome::new(&state, tr.clone(), Some(&caller)),
        rows,
    })
}

// ---------------------------------------------------------------------------------------------
// Programme: feasibility grid, follow-up rhythm, self-approval, unmet needs

pub struct CriterionRow {
    pub level: &'static str,
    pub index: usize,
    pub text: String,
    pub holds: String,
    pub last_checked: String,
    pub recheck: bool,
}

pub struct GridRow {
    pub key: String,
    pub dimension: String,
    pub dimension_value: String,
    pub approach: String,
    pub delivery: String,
    pub delivery_value: String,
    pub useful_for: String,
    pub individual: String,
    pub community_text: String,
    pub structural_text: String,
    pub criteria: Vec<CriterionRow>,
    pub to_recheck: usize,
}

#[derive(Template)]
#[template(path = "programme.html")]
pub struct ProgrammePage {
    c: Chrome,
    grid: Vec<GridRow>,
    dimensions: Vec<Opt>,
    deliveries: Vec<Opt>,
    settings_form: Vec<FieldView>,
    offices: Vec<(String, String, bool)>,
    notice: String,
    errors: Vec<String>,
    unmet: Vec<(String, String, String, String, String)>,
}

async fn programme_page(
    state: &AppState,
    tr: &Tr,
    caller: &Caller,
    notice: String,
    errors: Vec<String>,
) -> Result<ProgrammePage, AppError> {
    let today = today();
    let grid = state
        .store
        .feasibility_grid()
        .await?
        .into_iter()
        .map(|a| {
            let lines = |v: &[ContextCriterion]| {
                v.iter()
                    .map(|c| c.text.clone())
                    .collect::<Vec<_>>()
                    .join("\n")
            };
            let criteria: Vec<CriterionRow> = a
                .community
                .iter()
                .enumerate()
                .map(|(i, c)| ("community", i, c))
                .chain(
                    a.structural
                        .iter()
                        .enumerate()
                        .map(|(i, c)| ("structural", i, c)),
                )
                .map(|(level, index, c)| CriterionRow {
                    level,
                    index,
                    text: c.text.clone(),
                    holds: match c.holds {
                        Some(true) => "yes".into(),
                        Some(false) => "no".into(),
                        None => String::new(),
                    },
                    last_checked: c.last_checked.map(|d| d.to_string()).unwrap_or_default(),
                    recheck: c.needs_recheck(today),
                })
                .collect();
            GridRow {
                to_recheck: criteria.iter().filter(|c| c.recheck).count(),
                key: a.key.clone(),
                dimension: tr.t_of("dimension", a.dimension.as_str()),
                dimension_value: a.dimension.as_str().into(),
                approach: a.approach.clone(),
                delivery: tr.t_of("delivery", a.delivery.as_str()),
                delivery_value: a.delivery.as_str().into(),
                useful_for: a.useful_for.join("\n"),
                individual: a.individual.join("\n"),
                community_text: lines(&a.community),
                structural_text: lines(&a.structural),
                criteria,
            }
        })
        .collect();
    let config = pw::follow_up_config(state).await?;
    let no_errors = HashMap::new();
    let fb = FieldBuilder {
        tr,
        errors: &no_errors,
    };
    let actor = caller.actor();
    let offices = state
        .store
        .list_offices()
        .await?
        .into_iter()
        .filter(|o| actor.office.is_none_or(|mine| mine == o.id))
        .map(|o| {
            (
                o.id.to_string(),
                format!("{} ({})", o.name, o.code),
                o.self_approval,
            )
        })
        .collect();
    let unmet = state
        .store
        .unmet_needs(actor.office)
        .await?
        .into_iter()
        .filter_map(|r| {
            let n: UnmetNeed = serde_json::from_str(&r.body).ok()?;
            Some((
                n.date.to_string(),
                tr.t_of("dimension", n.dimension.as_str()),
                n.need,
                tr.t_of("unmet-reason", n.reason.as_str()),
                format!("{} · {}", r.return_province, r.office_code),
            ))
        })
        .collect();
    Ok(ProgrammePage {
        c: Chrome::new(state, tr.clone(), Some(caller)),
        grid,
        dimensions: opts(tr, "dimension", &names(Dimension::ALL, Dimension::as_str)),
        deliveries: opts(tr, "delivery", &names(Delivery::ALL, Delivery::as_str)),
        settings_form: vec![
            fb.input(
                "midterm_months",
                "number",
                &config.midterm_months.to_string(),
                true,
            ),
            fb.input(
                "final_after_midterm_months",
                "number",
                &config.final_after_midterm_months.to_string(),
                true,
            ),
        ],
        offices,
        notice,
        errors,
        unmet,
    })
}

pub async fn programme(
    State(state): State<AppState>,
    tr: Tr,
    SignedIn(caller): SignedIn,
) -> Result<Response, AppError> {
    authorize(
        &caller.actor(),
        Action::ManageProgramme,
        Resource::Programme,
    )?;
    render(&programme_page(&state, &tr, &caller, String::new(), vec![]).await?)
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct GridForm {
    pub key: String,
    pub dimension: String,
    pub approach: String,
    pub delivery: String,
    pub useful_for: String,
    pub individual: String,
    pub community: String,
    pub structural: String,
    pub community_holds: Vec<String>,
    pub community_checked: Vec<String>,
    pub structural_holds: Vec<String>,
    pub structural_checked: Vec<String>,
}

use crate::records::lines;

fn slug(s: &str) -> String {
    let mut out = String::new();
    for ch in s.to_lowercase().chars() {
        if ch.is_ascii_alphanumeric() {
            out.push(ch);
        } else if !out.ends_with('_') && !out.is_empty() {
            out.push('_');
        }
    }
    out.trim_end_matches('_').chars().take(40).collect()
}

impl GridForm {
    fn read(&self, e: &mut ValidationErrors) -> GridApproach {
        let criteria = |text: &str,
                        holds: &[String],
                        checked: &[String],
                        level: &str,
                        e: &mut ValidationErrors| {
            lines(text)
                .into_iter()
                .enumerate()
                .map(|(i, t)| ContextCriterion {
                    text: t,
                    holds: match at(holds, i) {
                        "yes" => Some(true),
                        "no" => Some(false),
                        _ => None,
                    },
                    last_checked: {
                        let raw = at(checked, i);
                        let d = parse_date(raw);
                        if d.is_none() && !raw.trim().is_empty() {
                            e.add(format!("{level}.{i}.last_checked"), "error-date-format");
                        }
                        d
                    },
                })
                .collect()
        };
        let dimension = enum_or_error(e, "dimension", &self.dimension, Dimension::parse);
        let delivery = enum_or_error(e, "delivery", &self.delivery, Delivery::parse);
        let key = if self.key.trim().is_empty() {
            slug(&self.approach)
        } else {
            self.key.trim().to_string()
        };
        if key.is_empty() {
            e.add("approach", "error-required");
        }
        GridApproach {
            key,
            dimension: dimension.unwrap_or(Dimension::Economic),
            approach: self.approach.trim().to_string(),
            delivery: delivery.unwrap_or(Delivery::Either),
            useful_for: lines(&self.useful_for),
            individual: lines(&self.individual),
            community: criteria(
                &self.community,
                &self.community_holds,
                &self.community_checked,
                "community",
                e,
            ),
            structural: criteria(
                &self.structural,
                &self.structural_holds,
                &self.structural_checked,
                "structural",
                e,
            ),
            source: None,
        }
    }
}

pub async fn save_grid(
    State(state): State<AppState>,
    tr: Tr,
    CsrfForm { caller, form }: CsrfForm<GridForm>,
) -> Result<Response, AppError> {
    let actor = caller.actor();
    authorize(&actor, Action::ManageProgramme, Resource::Programme)?;
    let mut e = ValidationErrors::new();
    let mut approach = form.read(&mut e);
    let existing = state.store.feasibility_grid().await?;
    if let Some(old) = existing.iter().find(|a| a.key == approach.key) {
        approach.source = old.source.clone();
    }
    if let Err(x) = approach.check(today()) {
        e.merge(x);
    }
    if !e.is_empty() {
        let msgs =
            e.0.iter()
                .map(|f| format!("{} — {}: {}", form.approach, f.field, tr.t(f.code)))
                .collect();
        let page = programme_page(&state, &tr, &caller, String::new(), msgs).await?;
        return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
    }
    state
        .store
        .save_grid_approach(
            approach,
            AuditContext::by(actor.user_id, OffsetDateTime::now_utc()),
        )
        .await?;
    let page = programme_page(
        &state,
        &tr,
        &caller,
        tr.t1("grid-saved", "approach", form.approach.trim()),
        vec![],
    )
    .await?;
    render(&page)
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct SettingsForm {
    pub midterm_months: String,
    pub final_after_midterm_months: String,
    pub self_approval: Vec<String>,
}

pub async fn save_settings(
    State(state): State<AppState>,
    tr: Tr,
    CsrfForm { caller, form }: CsrfForm<SettingsForm>,
) -> Result<Response, AppError> {
    let actor = caller.actor();
    authorize(&actor, Action::ManageProgramme, Resource::Programme)?;
    let config = FollowUpConfig {
        midterm_months: form.midterm_months.trim().parse().unwrap_or(0),
        final_after_midterm_months: form.final_after_midterm_months.trim().parse().unwrap_or(0),
    };
    if let Err(e) = config.check() {
        let msgs =
            e.0.iter()
                .map(|f| {
                    format!(
                        "{}: {}",
                        tr.t(&format!("field-{}", f.field.replace('_', "-"))),
                        tr.t(f.code)
                    )
                })
                .collect();
        let page = programme_page(&state, &tr, &caller, String::new(), msgs).await?;
        return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
    }
    let now = OffsetDateTime::now_utc();
    let value = serde_json::to_string(&config).map_err(AppError::internal)?;
    if state.store.setting(setting::FOLLOW_UP).await?.as_deref() != Some(value.as_str()) {
        state
            .store
            .set_setting(
                setting::FOLLOW_UP,
                value,
                AuditContext::by(actor.user_id, now),
            )
            .await?;
    }
    for o in state.store.list_offices().await? {
        if actor.office.is_some_and(|mine| mine != o.id) {
            continue;
        }
        let on = form.self_approval.iter().any(|x| *x == o.id.to_string());
        if on != o.self_approval {
            state
                .store
                .set_office_self_approval(o.id, on, AuditContext::by(actor.user_id, now))
                .await?;
        }
    }
    let page = programme_page(&state, &tr, &caller, tr.t("settings-saved"), vec![]).await?;
    render(&page)
}
