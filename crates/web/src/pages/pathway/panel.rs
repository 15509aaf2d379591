//! Case page panel

use super::*;

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

pub(super) fn visit_name(tr: &Tr, k: VisitKey) -> String {
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
                        crate::pages::rss::round_name(tr, r.round),
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
    let today = state.today();
    let sensitive = pw::may_read_sensitive(&actor, case);
    let list = |v: Vec<String>| v.join(", ");
    let sessions = p
        .sessions_seen_by(&actor)
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
            sensitive: s.sensitive_notes,
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
    pub(super) fn read(&self, today: time::Date) -> Result<CounsellingSession, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let date = read::date(&mut e, "session_date", &self.session_date, true).unwrap_or(today);
        let kind = read::choice(
            &mut e,
            "session_kind",
            &self.session_kind,
            SessionKind::parse,
            true,
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
        if let Err(x) = s.check(today) {
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
    pub(super) fn read(&self, today: time::Date) -> Result<UrgentReferral, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let date = read::date(&mut e, "urgent_date", &self.urgent_date, true).unwrap_or(today);
        let u = UrgentReferral {
            date,
            concern: self.concern.trim().to_string(),
            action: self.action.trim().to_string(),
        };
        if let Err(x) = u.check(today) {
            e.merge(date_named(x, "urgent_date"));
        }
        e.into_result(u)
    }
}

pub(super) async fn case_for_update(
    state: &AppState,
    caller: &Caller,
    id: &str,
) -> Result<CaseRecord, AppError> {
    Ok(authorized_case(state, &caller.actor(), id, Action::UpdateCase).await?)
}

pub(super) fn back_to_case(id: CaseId, anchor: &str) -> Response {
    Redirect::to(&format!("/cases/{id}#{anchor}")).into_response()
}

pub async fn add_session(
    State(state): State<AppState>,
    tr: Tr,
    Path(id): Path<String>,
    CsrfForm { caller, form }: CsrfForm<SessionForm>,
) -> Result<Response, AppError> {
    let case = case_for_update(&state, &caller, &id).await?;
    match form.read(state.today()) {
        Ok(s) => {
            pw::record_session(&state, &caller.actor(), &case, s).await?;
            Ok(back_to_case(case.id, "sessions"))
        }
        Err(errors) => {
            let forms = PanelForms {
                session: form,
                session_errors: errors,
                ..Default::default()
            };
            crate::pages::cases::case_page_with(
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
    match form.read(state.today()) {
        Ok(u) => {
            pw::raise_urgent_referral(&state, &caller.actor(), &case, u).await?;
            Ok(back_to_case(case.id, "urgent"))
        }
        Err(errors) => {
            let forms = PanelForms {
                urgent: form,
                urgent_errors: errors,
                ..Default::default()
            };
            crate::pages::cases::case_page_with(
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
