//! Closure

use super::*;

pub struct ClosureView {
    pub date: String,
    pub reason: String,
    pub detail: String,
    pub reasons_explored: String,
    pub needs: Vec<(String, String)>,
    pub handovers: Vec<(String, String)>,
    pub no_final_survey_reason: String,
    /// What was left open on purpose, and why.
    pub carried_over: Vec<(String, String)>,
    pub requested: String,
    pub approval: String,
    pub reopened: String,
    pub in_force: bool,
    pub approved: bool,
}

#[derive(Template)]
#[template(path = "closure.html")]
pub struct ClosurePage {
    pub(super) c: Chrome,
    pub(super) id: String,
    pub(super) name: String,
    pub(super) number: String,
    pub(super) urgent: Vec<UrgentView>,
    pub(super) history: Vec<ClosureView>,
    pub(super) final_survey_done: bool,
    pub(super) can_request: bool,
    pub(super) can_approve: bool,
    pub(super) can_reopen: bool,
    /// The closure in force awaits approval: undoing it is returning it with comments.
    pub(super) awaiting_approval: bool,
    pub(super) form: Vec<FieldView>,
    pub(super) handovers: Vec<(String, String, bool, String)>,
    pub(super) has_errors: bool,
    pub(super) reopen_form: Vec<FieldView>,
    /// What is still open: key, what it is, the reason typed to carry it over, its error.
    pub(super) open: Vec<(String, String, String, String)>,
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
    /// Open items (their keys) and, in the same order, why each is carried over.
    pub carry_item: Vec<String>,
    pub carry_reason: Vec<String>,
}

impl ClosureForm {
    pub(super) fn read(&self, today: time::Date) -> Result<Closure, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let date = read::date(&mut e, "closed_on", &self.closed_on, true).unwrap_or(today);
        let reason = read::choice(
            &mut e,
            "closure_reason",
            &self.closure_reason,
            ClosureReason::parse,
            true,
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
            carried_over: self
                .carry_item
                .iter()
                .enumerate()
                .map(|(n, item)| CarriedOver {
                    item: item.clone(),
                    reason: at(&self.carry_reason, n).to_string(),
                })
                .collect(),
        })
    }
}

pub(super) fn closure_view(tr: &Tr, x: &store::ClosureRecord) -> ClosureView {
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
        carried_over: c
            .carried_over
            .iter()
            .map(|x| (x.item.clone(), x.reason.clone()))
            .collect(),
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
                    // Undone before its approval: the supervisor returned it.
                    if x.approval.is_none() {
                        "closure-returned"
                    } else {
                        "closure-reopened"
                    },
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

pub(super) async fn closure_page(
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
    let open = if current.is_none() {
        pw::open_business(state, p).await?
    } else {
        Vec::new()
    };
    let open = open
        .into_iter()
        .map(|item| {
            let typed = form
                .carry_item
                .iter()
                .position(|k| k == &item.key)
                .map(|n| at(&form.carry_reason, n).to_string())
                .unwrap_or_default();
            let detail = match item.kind {
                OpenKind::DueVisit => tr.t_of("visit", &item.detail),
                _ => item.detail.clone(),
            };
            let what = format!("{}: {detail}", tr.t_of("open-kind", item.kind.as_str()));
            let error = errs
                .get(&format!("open.{}", item.key))
                .cloned()
                .unwrap_or_default();
            (item.key, what, typed, error)
        })
        .collect();
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
        awaiting_approval: current.is_some_and(|c| c.approval.is_none()),
        form: form_fields,
        handovers,
        has_errors: !errors.is_empty(),
        reopen_form,
        open,
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
        closed_on: state.today().to_string(),
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
    let result = match form.read(state.today()) {
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
                closed_on: state.today().to_string(),
                ..form
            };
            let page = closure_page(&state, &tr, &caller, &p, &form, &e.fields).await?;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(e),
    }
}
