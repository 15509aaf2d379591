//! Follow-up and unmet needs

use super::*;

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
    pub(super) c: Chrome,
    pub(super) id: String,
    pub(super) name: String,
    pub(super) number: String,
    pub(super) urgent: Vec<UrgentView>,
    pub(super) anchor: String,
    pub(super) schedule: Vec<VisitRow>,
    pub(super) visits: Vec<RecordedVisit>,
    pub(super) unmet: Vec<UnmetView>,
    pub(super) can_update: bool,
    pub(super) visit_form: Vec<FieldView>,
    pub(super) unmet_form: Vec<FieldView>,
    pub(super) errors_for: String,
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
    /// "yes": record it as the scheduled visit although its window had not opened.
    pub confirm_outside_window: String,
}

impl VisitForm {
    pub(super) fn read(&self, today: time::Date) -> Result<FollowUpVisit, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let date = read::date(&mut e, "visit_date", &self.visit_date, true).unwrap_or(today);
        let mode = read::choice(&mut e, "mode", &self.mode, ContactMode::parse, true);
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
            confirm_outside_window: self.confirm_outside_window == "yes",
        };
        if let Err(x) = v.check(today) {
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
    pub(super) fn read(&self, today: time::Date) -> Result<UnmetNeed, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let date = read::date(&mut e, "noted_on", &self.noted_on, true).unwrap_or(today);
        let dimension = read::choice(&mut e, "dimension", &self.dimension, Dimension::parse, true);
        let reason = read::choice(&mut e, "reason", &self.reason, UnmetReason::parse, true);
        let n = UnmetNeed {
            date,
            dimension: dimension.unwrap_or(Dimension::Social),
            need: self.need.trim().to_string(),
            reason: reason.unwrap_or(UnmetReason::NotAvailable),
            notes: self.notes.trim().to_string(),
        };
        if let Err(x) = n.check(today) {
            e.merge(date_named(x, "noted_on"));
        }
        e.into_result(n)
    }
}

pub(super) async fn follow_up_page(
    page: &Page,
    p: &Pathway,
    visit: &VisitForm,
    unmet: &UnmetForm,
    errors: &ValidationErrors,
    errors_for: &str,
) -> Result<FollowUpPage, AppError> {
    let (state, tr, caller) = (&page.state, &page.tr, &page.caller);
    let today = state.today();
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
    // Asked only once the visit was refused for being before its window.
    let outside = errors
        .for_field("scheduled")
        .is_some_and(|code| code == "error-visit-outside-window");
    let confirm = outside.then(|| {
        let mut c = fb.input("confirm_outside_window", "checkbox", "", false);
        c.choices = vec![crate::forms::Choice {
            value: "yes".into(),
            label: tr.t("field-confirm-outside-window"),
            selected: visit.confirm_outside_window == "yes",
        }];
        c
    });
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
    ]
    .into_iter()
    .chain(confirm)
    .collect();
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

pub(super) fn default_visit(p: &Pathway, today: time::Date) -> VisitForm {
    VisitForm {
        visit_date: today.to_string(),
        scheduled: domain::pathway::followup::proposed_for(&p.visits(today), today)
            .map(|k| k.as_str().to_string())
            .unwrap_or_default(),
        ..Default::default()
    }
}

pub(super) fn default_unmet(today: time::Date) -> UnmetForm {
    UnmetForm {
        noted_on: today.to_string(),
        ..Default::default()
    }
}

pub async fn follow_up(page: Page, Path(id): Path<String>) -> Result<Response, AppError> {
    let (state, caller) = (&page.state, &page.caller);
    let p = pw::open(state, &caller.actor(), &id).await?;
    let page = follow_up_page(
        &page,
        &p,
        &default_visit(&p, state.today()),
        &default_unmet(state.today()),
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
    let recorded = match form.read(state.today()) {
        Ok(v) => pw::record_visit(&state, &caller.actor(), &p, v)
            .await
            .map_err(AppError::from),
        Err(e) => Err(AppError::validation(e)),
    };
    match recorded {
        Ok(_) => Ok(Redirect::to(&format!("/cases/{}/follow-up", p.case.id)).into_response()),
        Err(e) if e.kind == ErrorKind::Validation => {
            // The date is named as the form names it.
            let fields = date_named(e.fields, "visit_date");
            let page = follow_up_page(
                &Page::of(&state, &tr, &caller),
                &p,
                &form,
                &default_unmet(state.today()),
                &fields,
                "visit",
            )
            .await?;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(e),
    }
}

pub async fn record_unmet(
    State(state): State<AppState>,
    tr: Tr,
    Path(id): Path<String>,
    CsrfForm { caller, form }: CsrfForm<UnmetForm>,
) -> Result<Response, AppError> {
    let p = pw::load(&state, &caller.actor(), &id, Action::UpdateCase).await?;
    match form.read(state.today()) {
        Ok(n) => {
            pw::record_unmet_need(&state, &caller.actor(), &p.case, n).await?;
            Ok(Redirect::to(&format!("/cases/{}/follow-up#unmet", p.case.id)).into_response())
        }
        Err(e) => {
            let page = follow_up_page(
                &Page::of(&state, &tr, &caller),
                &p,
                &default_visit(&p, state.today()),
                &form,
                &e,
                "unmet",
            )
            .await?;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
    }
}
