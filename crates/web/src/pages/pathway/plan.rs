use super::*;

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
    pub budget: String,
    pub disbursed: String,
    pub remaining: String,
    pub instalments: u32,
}

pub struct PaymentView {
    pub date: String,
    pub item: String,
    pub amount: String,
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
    pub budget_total: String,
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
    /// "Returned by … on …", when a supervisor returned the version with comments; and them.
    pub returned: String,
    pub returned_comments: String,
    /// Where "Refer" links of the items lead, on the plan page of someone who may refer;
    /// empty elsewhere (the printable plan).
    pub refer_href: String,
}

pub(super) fn plan_view(tr: &Tr, v: &store::PlanVersionRecord, currency: &str) -> PlanView {
    let money = |n: u64| tr.money(i64::try_from(n).unwrap_or(i64::MAX), currency);
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
            budget: i.budget.map(money).unwrap_or_default(),
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
        budget_total: money(c.budget_total()),
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
        returned: v
            .returned
            .as_ref()
            .map(|r| {
                tr.t2(
                    "plan-returned-line",
                    "name",
                    r.by_name.clone().unwrap_or_default(),
                    "date",
                    r.at.date(),
                )
            })
            .unwrap_or_default(),
        returned_comments: v
            .returned
            .as_ref()
            .map(|r| r.comments.clone())
            .unwrap_or_default(),
        refer_href: String::new(),
    }
}

#[derive(Template)]
#[template(path = "plan.html")]
pub struct PlanPage {
    pub(super) c: Chrome,
    pub(super) id: String,
    pub(super) name: String,
    pub(super) number: String,
    pub(super) urgent: Vec<UrgentView>,
    pub(super) plan: Option<PlanView>,
    pub(super) versions: Vec<(i64, String, bool)>,
    pub(super) revision: i64,
    pub(super) latest: i64,
    pub(super) editable: bool,
    pub(super) can_update: bool,
    pub(super) can_agree: bool,
    pub(super) can_approve: bool,
    pub(super) can_amend: bool,
    pub(super) target: String,
    pub(super) late: bool,
    pub(super) balances: Vec<BalanceView>,
    pub(super) payments: Vec<PaymentView>,
    pub(super) grant_items: Vec<Opt>,
    pub(super) agreement_form: Vec<FieldView>,
    pub(super) disbursement_form: Vec<FieldView>,
    pub(super) errors_for: String,
    pub(super) error_list: Vec<String>,
    pub(super) notice: String,
    pub(super) community_projects: Vec<crate::pages::community::CaseProject>,
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
    pub(super) fn read(&self, today: time::Date) -> Result<Disbursement, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let date = read::date(&mut e, "paid_on", &self.paid_on, true).unwrap_or(today);
        let amount = read::amount(&mut e, "amount", &self.amount);
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

pub(super) struct PlanInputs<'a> {
    pub(super) version: Option<i64>,
    pub(super) agreement: &'a AgreementForm,
    pub(super) disbursement: &'a DisbursementForm,
    pub(super) errors: &'a ValidationErrors,
    pub(super) errors_for: &'a str,
    pub(super) notice: String,
}

pub(super) async fn plan_page(
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
    let currency = app::programme::currency(state).await?;
    let money = |n: u64| tr.money(i64::try_from(n).unwrap_or(i64::MAX), &currency);
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
                    budget: money(b.budget),
                    disbursed: money(b.disbursed),
                    remaining: tr.money(b.remaining, &currency),
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
            amount: money(d.amount),
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
        late: agreement_late(
            p.case.profile.return_date,
            p.first_agreement(),
            state.today(),
        ),
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
        community_projects: crate::pages::community::case_projects(
            state,
            tr,
            &caller.actor(),
            &p.case,
        )
        .await?,
        plan: shown.map(|v| {
            let mut view = plan_view(tr, v, &currency);
            if can_update && v.approval.is_some() {
                view.refer_href = format!("/cases/{}/referrals", p.case.id);
            }
            view
        }),
    })
}

pub(super) fn default_agreement(today: time::Date) -> AgreementForm {
    AgreementForm {
        agreed_on: today.to_string(),
        copy_given: "yes".into(),
        ..Default::default()
    }
}

pub(super) fn default_disbursement(today: time::Date) -> DisbursementForm {
    DisbursementForm {
        paid_on: today.to_string(),
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
            agreement: &default_agreement(state.today()),
            disbursement: &default_disbursement(state.today()),
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
    pub(super) c: Chrome,
    pub(super) name: String,
    pub(super) number: String,
    pub(super) place_of_return: String,
    pub(super) plan: PlanView,
    pub(super) document_languages: Vec<crate::pages::DocumentLanguage>,
    pub(super) feedback: String,
}

pub async fn plan_print(
    State(state): State<AppState>,
    crate::pages::DocumentTr { tr, languages }: crate::pages::DocumentTr,
    SignedIn(caller): SignedIn,
    headers: axum::http::HeaderMap,
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
        plan: plan_view(&tr, v, &app::programme::currency(&state).await?),
        document_languages: languages,
        feedback: crate::pages::feedback_line(&state, &tr, &headers, p.case.office.code.as_str()),
    })
}

pub(super) async fn plan_page_with_errors(
    page: &Page,
    p: &Pathway,
    e: AppError,
    agreement: &AgreementForm,
    disbursement: &DisbursementForm,
    errors_for: &str,
) -> Result<Response, AppError> {
    let (state, tr, caller) = (&page.state, &page.tr, &page.caller);
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
    let date = read::date(&mut e, "agreed_on", &form.agreed_on, true).unwrap_or(state.today());
    let method = read::choice(
        &mut e,
        "agreement_method",
        &form.agreement_method,
        AgreementMethod::parse,
        true,
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
                &Page::of(&state, &tr, &caller),
                &p,
                e,
                &form,
                &default_disbursement(state.today()),
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

/// A supervisor's decision on a version awaiting approval: approve it, or return it with
/// comments. Refused before the form is even read to whoever may not decide.
async fn decide_plan(
    page: Page,
    id: &str,
    form: ReturnForm,
    returning: bool,
) -> Result<Response, AppError> {
    let (state, caller) = (&page.state, &page.caller);
    let actor = caller.actor();
    let p = pw::load(state, &actor, id, Action::ReadCase).await?;
    p.approval_by(&actor).ok_or(domain::authz::Forbidden)?;
    let version = form
        .version
        .parse::<i64>()
        .map_err(|_| AppError::new(ErrorKind::BadRequest))?;
    let revision = form.revision.parse::<i64>().unwrap_or(0);
    let decided = if returning {
        pw::return_plan(state, &actor, &p, version, revision, &form.comments).await
    } else {
        pw::approve_plan(state, &actor, &p, version, revision).await
    };
    match decided.map_err(AppError::from) {
        Ok(()) => Ok(Redirect::to(&format!("/cases/{}/plan", p.case.id)).into_response()),
        Err(e) => {
            let (agreement, payment) = (
                default_agreement(state.today()),
                default_disbursement(state.today()),
            );
            let errors_for = if returning { "return" } else { "" };
            plan_page_with_errors(&page, &p, e, &agreement, &payment, errors_for).await
        }
    }
}

pub async fn plan_approve(
    State(state): State<AppState>,
    tr: Tr,
    Path(id): Path<String>,
    CsrfForm { caller, form }: CsrfForm<ReturnForm>,
) -> Result<Response, AppError> {
    decide_plan(Page::of(&state, &tr, &caller), &id, form, false).await
}

/// The version and revision decided on, and (when returning) the comments.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct ReturnForm {
    pub version: String,
    pub revision: String,
    pub comments: String,
}

/// Returns the version with comments instead of approving it.
pub async fn plan_return(
    State(state): State<AppState>,
    tr: Tr,
    Path(id): Path<String>,
    CsrfForm { caller, form }: CsrfForm<ReturnForm>,
) -> Result<Response, AppError> {
    decide_plan(Page::of(&state, &tr, &caller), &id, form, true).await
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
    let result = match form.read(state.today()) {
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
                &Page::of(&state, &tr, &caller),
                &p,
                e,
                &default_agreement(state.today()),
                &form,
                "payment",
            )
            .await
        }
    }
}
