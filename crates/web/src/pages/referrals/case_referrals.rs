//! A case's referrals

use super::*;

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

pub(super) fn status_class(s: ReferralStatus) -> &'static str {
    match s {
        ReferralStatus::Completed => "state-done",
        ReferralStatus::Declined | ReferralStatus::Cancelled | ReferralStatus::ConsentWithdrawn => {
            "state-not-yet"
        }
        ReferralStatus::Draft => "state-not-yet",
        _ => "state-due",
    }
}

pub(super) fn row(
    tr: &Tr,
    r: &ReferralRecord,
    href: String,
    name: String,
    today: time::Date,
) -> ReferralRow {
    let overdue = is_overdue(r.status, r.answer_due, today);
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
        due: domain::referral::answer_awaited(r.status, r.answer_due)
            .map(|d| d.to_string())
            .unwrap_or_default(),
        overdue,
        name,
    }
}

#[derive(Template)]
#[template(path = "referrals.html")]
pub struct CaseReferralsPage {
    pub(super) c: Chrome,
    pub(super) id: String,
    pub(super) name: String,
    pub(super) number: String,
    pub(super) urgent: Vec<crate::pages::pathway::UrgentView>,
    pub(super) rows: Vec<ReferralRow>,
    pub(super) show_names: bool,
    pub(super) form: Option<ReferralFormView>,
    pub(super) sop: Vec<DetailGroup>,
    pub(super) feedback: Option<Vec<FieldView>>,
    pub(super) feedback_errors: bool,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ReferQuery {
    pub(super) service: String,
    pub(super) plan_item: String,
    pub(super) reason: String,
}

pub(super) async fn case_referrals_page(
    page: &Page,
    case: &CaseRecord,
    posted: &Posted,
    errors: &ValidationErrors,
    feedback: &FeedbackForm,
    feedback_errors: &ValidationErrors,
) -> Result<CaseReferralsPage, AppError> {
    let (state, tr, caller) = (&page.state, &page.tr, &page.caller);
    let actor = caller.actor();
    let can_update = authorize(&actor, Action::UpdateCase, Resource::Case(case.access())).is_ok();
    let referrals = rf::of_case_all(state, case.id).await?;
    let services = rf::services(state, &actor).await?;
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
        // The referral form above has its own service field.
        service.id = "feedback-service".into();
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
        urgent: crate::pages::pathway::urgent_views(tr, &p),
        rows: referrals
            .iter()
            .map(|r| {
                row(
                    tr,
                    r,
                    format!("/cases/{}/referrals/{}", case.id, r.id),
                    String::new(),
                    state.today(),
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
    page: Page,
    Path(id): Path<String>,
    Query(q): Query<ReferQuery>,
) -> Result<Response, AppError> {
    let (state, caller) = (&page.state, &page.caller);
    let case = authorized_case(state, &caller.actor(), &id, Action::ReadReferral).await?;
    let mut posted = Posted::default();
    posted.0.push(("service".into(), q.service));
    posted.0.push(("plan_item".into(), q.plan_item));
    posted.0.push(("referral_reason".into(), q.reason));
    posted.0.push(("urgency".into(), "routine".into()));
    let page = case_referrals_page(
        &page,
        &case,
        &posted,
        &ValidationErrors::new(),
        &FeedbackForm::default(),
        &ValidationErrors::new(),
    )
    .await?;
    render(&page)
}

pub(super) fn merged(
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
                &Page::of(&state, &tr, &caller),
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
                &Page::of(&state, &tr, &caller),
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
