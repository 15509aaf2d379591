use super::*;

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
    pub(super) c: Chrome,
    pub(super) rows: Vec<(String, ProjectRow)>,
}

pub async fn project_view(
    State(state): State<AppState>,
    tr: Tr,
    SignedIn(caller): SignedIn,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    render(&project_page(&state, &tr, &caller, &id, ProjectForms::default()).await?)
}

pub(super) fn new_project_page(
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
    let community = cm::for_new_project(&state, &actor, &id).await?;
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
    // Saving authorizes managing the community level in the community's office.
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
pub(super) async fn project_step(
    page: &Page,
    id: &str,
    version: Option<i64>,
    change: impl FnOnce(&mut Project) -> Result<(), ProjectRefusal>,
    forms: ProjectForms,
    anchor: &str,
) -> Result<Response, AppError> {
    let (state, tr, caller) = (&page.state, &page.tr, &page.caller);
    let actor = caller.actor();
    let doc: Doc<Project> = cm::get(state, &actor, id).await?;
    match cm::step_project(state, &actor, &doc, version, change)
        .await
        .map_err(AppError::from)
    {
        Ok(_) => Ok(Redirect::to(&format!("/projects/{id}{anchor}")).into_response()),
        Err(e) => {
            let (status, problem) = crate::pages::refused_change(tr, e)?;
            let forms = ProjectForms { problem, ..forms };
            render_status(status, &project_page(state, tr, caller, id, forms).await?)
        }
    }
}

pub(super) fn version_of(form: &Posted) -> Option<i64> {
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
        Some(s) => s.validate(state.today()),
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
        &Page::of(&state, &tr, &caller),
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
    pub(super) version: String,
    pub(super) stage: String,
    pub(super) passed: String,
    pub(super) on: String,
    pub(super) note: String,
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
        &Page::of(&state, &tr, &caller),
        &id,
        form.version.trim().parse().ok(),
        |p| p.decide(decision),
        forms,
        "#selection",
    )
    .await
}

/// The project page again with a step's form as typed and what to fix.
pub(super) async fn refused_step(
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
    pub(super) version: String,
    pub(super) step: String,
    pub(super) on: String,
    pub(super) note: String,
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
        &Page::of(&state, &tr, &caller),
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
            let found = cm::case_by_number(&state, &actor, &number).await?;
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
        .is_some_and(|d| d > state.today())
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
            .filter(|d| *d <= state.today()),
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
        &Page::of(&state, &tr, &caller),
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
        &Page::of(&state, &tr, &caller),
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
