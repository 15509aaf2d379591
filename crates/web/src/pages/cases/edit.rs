//! Registration and editing

use super::*;
use app::cases::Registered;

#[derive(Template)]
#[template(path = "case_form.html")]
pub(super) struct CaseFormPage {
    pub(super) c: Chrome,
    pub(super) title: String,
    pub(super) action: String,
    pub(super) cancel: String,
    pub(super) version: String,
    pub(super) conflict: bool,
    pub(super) error_summary: Vec<(String, String)>,
    pub(super) office: Option<crate::forms::FieldView>,
    pub(super) case_manager: Option<crate::forms::FieldView>,
    pub(super) fieldsets: Vec<Fieldset>,
    pub(super) household: Vec<HouseholdRow>,
    pub(super) consent: Option<Fieldset>,
    /// Cases that may be the same person, shown before registering anyway.
    pub(super) matches: Vec<MatchView>,
}

impl CaseFormPage {
    fn match_count(&self) -> u64 {
        self.matches.len() as u64
    }
}

/// An existing case that may be the returnee being registered.
pub(super) struct MatchView {
    pub(super) id: String,
    pub(super) href: String,
    pub(super) number: String,
    pub(super) name: String,
    pub(super) born: String,
    pub(super) nationality: String,
    pub(super) office: String,
    /// How alike, in percent, and why.
    pub(super) likeness: String,
    pub(super) why: String,
}

impl MatchView {
    fn of(tr: &Tr, m: &app::cases::PossibleMatch) -> Self {
        let (c, p) = (&m.case, &m.case.profile);
        Self {
            likeness: crate::pages::duplicates::likeness(tr, m.comparison.score),
            why: tr.duplicate_explanation(&m.comparison),
            id: c.id.to_string(),
            href: format!("/cases/{}", c.id),
            number: c.number.to_string(),
            name: p.full_name(),
            born: match (p.date_of_birth, p.age_at_return()) {
                (Some(d), _) => d.to_string(),
                (None, Some(age)) => tr.t1("match-age-at-return", "age", age),
                (None, None) => String::new(),
            },
            nationality: p.nationality.clone(),
            office: c.office.name.clone(),
        }
    }
}

/// What the form page needs besides the typed values.
pub(super) struct FormContext {
    pub(super) title: String,
    pub(super) action: String,
    pub(super) cancel: String,
    /// Offices to choose from (registration by a national-scope user).
    pub(super) offices: Vec<Office>,
    /// Case managers to choose from (programme managers only).
    pub(super) managers: Option<Vec<User>>,
    pub(super) registering: bool,
    pub(super) conflict: bool,
    pub(super) matches: Vec<MatchView>,
}

pub(super) fn form_page(
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
    let fieldsets = form.fieldsets(tr, &map);
    let consent = ctx.registering.then(|| form.consent_fieldset(tr, &map));
    // The summary names each field, in the order the form shows them (WCAG 2.2: the user
    // lands on the summary and goes down it as down the form): the profile, the household,
    // then the consents.
    let named = |f: &crate::forms::FieldView| (f.name.clone(), f.label.clone());
    let mut order: Vec<(String, String)> = office
        .iter()
        .chain(case_manager.iter())
        .chain(fieldsets.iter().flat_map(|s| s.fields.iter()))
        .map(named)
        .collect();
    order.push(("household".into(), tr.t("legend-household")));
    order.extend(consent.iter().flat_map(|s| s.fields.iter()).map(named));
    let position = |field: &str| order.iter().position(|(n, _)| n == field);
    let mut summary: Vec<(Option<usize>, String, String)> = errors
        .0
        .iter()
        .map(|e| {
            let field = e.field.split('.').next().unwrap_or_default();
            let anchor = if field == "household" {
                "household".to_string()
            } else {
                format!("f-{}", e.field)
            };
            let message = map.get(&e.field).cloned().unwrap_or_default();
            let at = position(field);
            let text = match at.map(|i| order[i].1.as_str()) {
                Some(label) if !label.is_empty() => format!("{label}: {message}"),
                _ => message,
            };
            (at, anchor, text)
        })
        .collect();
    summary.sort_by_key(|(at, _, _)| at.unwrap_or(usize::MAX));
    summary.dedup_by(|a, b| a.1 == b.1 && a.2 == b.2);
    CaseFormPage {
        c: Chrome::new(state, tr.clone(), Some(caller)),
        title: ctx.title,
        action: ctx.action,
        cancel: ctx.cancel,
        version: form.version.clone(),
        conflict: ctx.conflict,
        error_summary: summary.into_iter().map(|(_, a, t)| (a, t)).collect(),
        office,
        case_manager,
        fieldsets,
        household: form.household_rows(tr, &map, blank_rows + extra_rows),
        consent,
        matches: ctx.matches,
    }
}

pub(super) async fn managers_for(
    state: &AppState,
    actor: &Actor,
    office: Option<OfficeId>,
) -> Result<Option<Vec<User>>, AppError> {
    Ok(app::lookups::assignable_managers(state, actor, office).await?)
}

pub async fn new_form(
    State(state): State<AppState>,
    tr: Tr,
    SignedIn(caller): SignedIn,
) -> Result<Response, AppError> {
    let actor = caller.actor();
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
        matches: Vec::new(),
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
        app::cases::may_register_in(&actor, o)?;
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
        matches: Vec::new(),
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
    let today = state.today();
    if !form.same_as.is_empty() {
        // Already registered: open that case, with a task to get back in touch and the
        // contact details typed that it lacks.
        let typed = app::merges::NewContact {
            phone: Some(form.phone.clone()),
            email: Some(form.email.clone()),
            address: Some(form.address.clone()),
        };
        let case = app::merges::same_person(&state, &actor, &form.same_as, typed).await?;
        return Ok(Redirect::to(&format!("/cases/{}", case.id)).into_response());
    }
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
        confirmed_new: form.confirm_new == "yes",
    };
    match app::cases::register(&state, &actor, registration).await {
        Ok(Registered::Case(case)) => {
            Ok(Redirect::to(&format!("/cases/{}", case.id)).into_response())
        }
        Ok(Registered::PossibleMatches(found)) => {
            let ctx = FormContext {
                matches: found.iter().map(|c| MatchView::of(&tr, c)).collect(),
                ..ctx(false)
            };
            let page = form_page(&state, &tr, &caller, &form, &errors, ctx, 0);
            render_status(StatusCode::CONFLICT, &page)
        }
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

pub(super) async fn edit_context(
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
        matches: Vec::new(),
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
    let profile = match form.parse(state.today()) {
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
