//! A community's page

use super::*;

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
    pub(super) c: Chrome,
    pub(super) id: String,
    pub(super) title: String,
    pub(super) details: Vec<DetailRow>,
    pub(super) checks: Vec<CheckRow>,
    pub(super) statuses: Vec<(String, String)>,
    pub(super) returnees: String,
    pub(super) cases: Vec<CaseLink>,
    pub(super) submissions: Vec<SubmissionLink>,
    pub(super) startable: Vec<(String, String)>,
    pub(super) projects: Vec<ProjectRow>,
    pub(super) services: Vec<ServiceRow>,
    pub(super) can_manage: bool,
    pub(super) form: Option<RecordForm>,
    pub(super) selection_error: String,
}

pub(super) fn project_row(tr: &Tr, p: &Doc<Project>, threshold: Option<u64>) -> ProjectRow {
    let mix = p.body.mix();
    ProjectRow {
        href: format!("/projects/{}", p.id()),
        name: p.body.name.clone(),
        kind: tr.t_of("project-kind", p.body.kind.as_str()),
        dimension: tr.t_of("dimension", p.body.dimension().as_str()),
        status: tr.t_of("project-status", p.body.status().as_str()),
        returnees: crate::pages::overview::cell(tr, mix.returnees as u64, threshold),
        members: crate::pages::overview::cell(tr, mix.community_members as u64, threshold),
        mix: if mix.has_small_counts(threshold) {
            tr.t("mix-suppressed")
        } else {
            tr.t_of("mix", mix.verdict().as_str())
        },
    }
}

/// Forms offered about a community (ids starting `community_`, but not the project
/// questionnaire) or about a project (the satisfaction questionnaire).
pub(super) async fn startable(
    state: &AppState,
    tr: &Tr,
    actor: &Actor,
    project: bool,
) -> Result<Vec<(String, String)>, AppError> {
    let mut out: Vec<(String, String)> = Vec::new();
    for v in app::lookups::form_versions(state, actor).await? {
        let fits = if project {
            v.form_id == SATISFACTION_FORM
        } else {
            v.form_id.starts_with("community_") && v.form_id != SATISFACTION_FORM
        };
        if v.published && fits && !out.iter().any(|(id, _)| *id == v.form_id) {
            let title = tr.form_title(&v.form_id, &v.title);
            out.push((v.form_id, title));
        }
    }
    out.sort_by(|a, b| tr.compare(&a.1, &b.1));
    Ok(out)
}

pub(super) async fn submissions(
    state: &AppState,
    tr: &Tr,
    doc: DocumentId,
) -> Result<Vec<SubmissionLink>, AppError> {
    Ok(cm::submissions_about(state, doc)
        .await?
        .into_iter()
        .map(|s| SubmissionLink {
            href: format!("/records/{doc}/submissions/{}", s.id),
            title: tr.form_title(&s.form_id, &s.form_title),
            date: s.interview_date.to_string(),
            status: tr.t(match s.status {
                SubmissionStatus::Complete => "form-complete",
                SubmissionStatus::Interrupted => "form-interrupted",
                SubmissionStatus::Draft => "form-draft",
            }),
        })
        .collect())
}

pub(super) async fn community_page(
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
pub(super) async fn community_page_with(
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
        returnees: crate::pages::overview::cell(tr, placed.len() as u64, threshold),
        cases,
        submissions: if cm::may_see_participants(&actor) {
            submissions(state, tr, doc.id()).await?
        } else {
            Vec::new()
        },
        startable: if can_manage {
            startable(state, tr, &actor, false).await?
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
pub(super) async fn services_in_area(
    state: &AppState,
    tr: &Tr,
    c: &Community,
) -> Result<Vec<ServiceRow>, AppError> {
    Ok(app::lookups::service_list(state)
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

pub(super) fn in_area(c: &Community, place: &str) -> bool {
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
            let (status, message) = match crate::pages::refused_change(&tr, e)? {
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
