//! Projects

use super::*;

/// A community project with its participants counted, not named.
#[derive(Serialize, ToSchema)]
pub struct ProjectJson {
    pub id: String,
    pub version: i64,
    pub community: String,
    pub status: ProjectStatus,
    pub dimension: domain::pathway::Dimension,
    /// Left out for viewers when a count is below the small-cell threshold.
    pub mix: Option<ParticipantMix>,
    /// Left out with the mix.
    pub mix_verdict: Option<domain::community::MixVerdict>,
    #[serde(flatten)]
    pub project: Project,
}

/// Viewers get no count of people below the small-cell threshold: the mix is left out then.
pub(super) fn project_json(actor: &Actor, d: Doc<Project>) -> ProjectJson {
    let full = d.body.mix();
    let small = full.has_small_counts(domain::authz::small_cell_threshold(actor));
    let mix = (!small).then_some(full);
    let mut project = d.body;
    ProjectJson {
        id: d.rec.id.to_string(),
        version: d.rec.version,
        community: d.rec.parent.map(|p| p.to_string()).unwrap_or_default(),
        status: project.status(),
        dimension: project.dimension(),
        mix_verdict: (!small).then(|| full.verdict()),
        mix,
        project: {
            project.participants.clear();
            project
        },
    }
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct ProjectQuery {
    /// Only the projects of this community.
    pub community: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/community-projects", tag = "community level",
    params(ProjectQuery),
    responses((status = 200, body = [ProjectJson]), (status = 403),
        (status = 404, description = "No community has the id given as `community`.")))]
pub async fn projects(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Query(q): Query<ProjectQuery>,
) -> Result<Json<Vec<ProjectJson>>, AppError> {
    let parent: Option<DocumentId> = match q.community.filter(|c| !c.trim().is_empty()) {
        Some(c) => Some(app::referrals::parse_id(&c)?),
        None => None,
    };
    let all: Vec<Doc<Project>> = cm::list(&state, &caller.actor(), parent).await?;
    let actor = caller.actor();
    Ok(Json(
        all.into_iter().map(|p| project_json(&actor, p)).collect(),
    ))
}

#[utoipa::path(get, path = "/api/v1/community-projects/{project}", tag = "community level",
    params(("project" = String, Path)),
    responses((status = 200, body = ProjectJson), (status = 403), (status = 404)))]
pub async fn project(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<ProjectJson>, AppError> {
    let p: Doc<Project> = cm::get(&state, &caller.actor(), &id).await?;
    Ok(Json(project_json(&caller.actor(), p)))
}

#[derive(Deserialize, ToSchema)]
pub struct NewProject {
    pub community: String,
    /// Screening, selection, start and participants are recorded by their own steps; what is
    /// sent for them here is ignored.
    pub project: Project,
}

#[utoipa::path(post, path = "/api/v1/community-projects", tag = "community level", request_body = NewProject,
    responses((status = 201, body = ProjectJson), (status = 403), (status = 404), (status = 422)))]
pub async fn create_project(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(n): ApiJson<NewProject>,
) -> Result<(StatusCode, Json<ProjectJson>), AppError> {
    let actor = caller.actor();
    let community: Doc<Community> = cm::managed(&state, &actor, &n.community).await?;
    let project = Project {
        screening: None,
        selection: Vec::new(),
        started_on: None,
        closing: None,
        participants: Vec::new(),
        ..n.project
    };
    let saved = cm::save(
        &state,
        &actor,
        None,
        None,
        Place {
            parent: Some(community.id()),
            office: community.rec.office,
        },
        project,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(project_json(&actor, saved))))
}

/// A participant. A returnee's name is given only to readers who could open their case.
#[derive(Serialize, ToSchema)]
pub struct ParticipantJson {
    pub id: String,
    pub kind: ParticipantKind,
    pub case: Option<String>,
    pub case_number: Option<String>,
    pub name: String,
    pub role: ParticipantRole,
    pub sex: Option<domain::case::Sex>,
    #[schema(value_type = String, format = Date)]
    pub joined: String,
    #[schema(value_type = Option<String>, format = Date)]
    pub left: Option<String>,
}

pub(super) async fn participant_json(
    state: &AppState,
    actor: &Actor,
    p: &ProjectParticipant,
) -> ParticipantJson {
    let (case_number, name) = match p.case {
        Some(c) => match cm::participant_case(state, actor, c).await {
            Ok(Some(rec)) => (
                Some(rec.number.to_string()),
                format!("{} {}", rec.profile.given_name, rec.profile.family_name),
            ),
            _ => (None, String::new()),
        },
        None => (None, p.name.clone()),
    };
    ParticipantJson {
        id: p.id.to_string(),
        kind: p.kind,
        case: case_number.as_ref().and(p.case).map(|c| c.to_string()),
        case_number,
        name,
        role: p.role,
        sex: p.sex,
        joined: p.joined.to_string(),
        left: p.left.map(|d| d.to_string()),
    }
}

pub(super) async fn participant_list(
    state: &AppState,
    actor: &Actor,
    p: &Project,
) -> Vec<ParticipantJson> {
    let mut out = Vec::new();
    for x in &p.participants {
        out.push(participant_json(state, actor, x).await);
    }
    out
}

#[utoipa::path(get, path = "/api/v1/community-projects/{project}/participants", tag = "community level",
    params(("project" = String, Path)),
    responses((status = 200, body = [ParticipantJson]), (status = 403), (status = 404)))]
pub async fn participants(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<Vec<ParticipantJson>>, AppError> {
    let actor = caller.actor();
    let p = cm::project_with_participants(&state, &actor, &id).await?;
    Ok(Json(participant_list(&state, &actor, &p.body).await))
}

#[derive(Deserialize, ToSchema)]
pub struct NewParticipant {
    pub kind: ParticipantKind,
    /// For a returnee: their case number.
    #[serde(default)]
    pub case_number: Option<String>,
    /// For a community member.
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub sex: Option<domain::case::Sex>,
    pub role: ParticipantRole,
    #[serde(with = "domain::case::date")]
    #[schema(value_type = String, format = Date)]
    pub joined: Date,
    /// The project's version; a stale version is refused with 409.
    pub version: i64,
}

#[utoipa::path(post, path = "/api/v1/community-projects/{project}/participants", tag = "community level",
    params(("project" = String, Path)), request_body = NewParticipant,
    responses((status = 201, body = [ParticipantJson]), (status = 403), (status = 404), (status = 409), (status = 422)))]
pub async fn add_participant(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
    ApiJson(n): ApiJson<NewParticipant>,
) -> Result<(StatusCode, Json<Vec<ParticipantJson>>), AppError> {
    let actor = caller.actor();
    let doc = cm::managed::<Project>(&state, &actor, &id).await?;
    let (case, sex) = match n.kind {
        ParticipantKind::Returnee => {
            let number = n.case_number.as_deref().unwrap_or("").trim().to_uppercase();
            let found = cm::case_by_number(&state, &actor, &number).await?;
            match found {
                Some(c) => (Some(c.id), n.sex.or(Some(c.profile.sex))),
                _ => return Err(invalid("case_number", "error-case-number-unknown")),
            }
        }
        ParticipantKind::CommunityMember => (None, n.sex),
    };
    let participant = ProjectParticipant {
        id: uuid::Uuid::new_v4(),
        kind: n.kind,
        case,
        name: if n.kind == ParticipantKind::CommunityMember {
            n.name
        } else {
            String::new()
        },
        sex,
        role: n.role,
        joined: n.joined,
        left: None,
    };
    let saved = cm::step_project(&state, &actor, &doc, Some(n.version), |p| {
        p.add_participant(participant)
    })
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(participant_list(&state, &actor, &saved.body).await),
    ))
}

#[utoipa::path(put, path = "/api/v1/community-projects/{project}", tag = "community level",
    params(("project" = String, Path)), request_body = ProjectUpdate,
    responses((status = 200, body = ProjectJson), (status = 403), (status = 404), (status = 409), (status = 422)))]
pub async fn update_project(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
    ApiJson(u): ApiJson<ProjectUpdate>,
) -> Result<Json<ProjectJson>, AppError> {
    let actor = caller.actor();
    let doc = cm::managed::<Project>(&state, &actor, &id).await?;
    let kept = &doc.body;
    if u.project.kind != kept.kind && !kept.kind_can_change() {
        return Err(invalid("kind", ProjectRefusal::KindLocked.code()));
    }
    let project = Project {
        screening: kept.screening.clone(),
        selection: kept.selection.clone(),
        started_on: kept.started_on,
        closing: kept.closing.clone(),
        participants: kept.participants.clone(),
        ..u.project
    };
    let saved = cm::update(&state, &actor, &doc, u.version, project).await?;
    Ok(Json(project_json(&actor, saved)))
}

#[derive(Deserialize, ToSchema)]
pub struct ScreeningStep {
    pub version: i64,
    #[serde(flatten)]
    pub screening: Screening,
}

/// Records (or redoes, before any selection decision) the screening against Table 3.2: each
/// of the nine benefits and four drawbacks answered true or false.
#[utoipa::path(post, path = "/api/v1/community-projects/{project}/screening", tag = "community level",
    params(("project" = String, Path)), request_body = ScreeningStep,
    responses((status = 200, body = ProjectJson), (status = 403), (status = 404), (status = 409), (status = 422)))]
pub async fn screen_project(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<ScreeningStep>,
) -> Result<Json<ProjectJson>, AppError> {
    let actor = caller.actor();
    let doc = cm::managed::<Project>(&state, &actor, &id).await?;
    let errors = b.screening.validate(state.today());
    if !errors.is_empty() {
        return Err(AppError::validation(errors));
    }
    let saved = cm::step_project(&state, &actor, &doc, Some(b.version), |p| {
        p.screen(b.screening)
    })
    .await?;
    Ok(Json(project_json(&actor, saved)))
}

#[derive(Deserialize, ToSchema)]
pub struct SelectionStep {
    pub version: i64,
    #[serde(flatten)]
    pub decision: StageDecision,
}

/// Records the decision of the next selection stage (Table 3.4): pre-selection, initial, final.
#[utoipa::path(post, path = "/api/v1/community-projects/{project}/selection", tag = "community level",
    params(("project" = String, Path)), request_body = SelectionStep,
    responses((status = 200, body = ProjectJson), (status = 403), (status = 404), (status = 409), (status = 422)))]
pub async fn select_project(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<SelectionStep>,
) -> Result<Json<ProjectJson>, AppError> {
    let actor = caller.actor();
    let doc = cm::managed::<Project>(&state, &actor, &id).await?;
    let saved = cm::step_project(&state, &actor, &doc, Some(b.version), |p| {
        p.decide(b.decision)
    })
    .await?;
    Ok(Json(project_json(&actor, saved)))
}

#[derive(Deserialize, ToSchema)]
pub struct LifecycleChange {
    pub version: i64,
    pub step: LifecycleStep,
    #[serde(with = "domain::case::date")]
    #[schema(value_type = String, format = Date)]
    pub on: Date,
    /// Kept with a completion or a stop.
    #[serde(default)]
    pub note: String,
}

/// Starts, completes or stops a project.
#[utoipa::path(post, path = "/api/v1/community-projects/{project}/lifecycle", tag = "community level",
    params(("project" = String, Path)), request_body = LifecycleChange,
    responses((status = 200, body = ProjectJson), (status = 403), (status = 404), (status = 409), (status = 422)))]
pub async fn project_lifecycle(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<LifecycleChange>,
) -> Result<Json<ProjectJson>, AppError> {
    let actor = caller.actor();
    let doc = cm::managed::<Project>(&state, &actor, &id).await?;
    let note = b.note.trim().to_string();
    let saved = cm::step_project(&state, &actor, &doc, Some(b.version), |p| {
        p.take_step(b.step, b.on, note)
    })
    .await?;
    Ok(Json(project_json(&actor, saved)))
}

#[derive(Deserialize, ToSchema)]
pub struct Leaving {
    pub version: i64,
    #[serde(with = "domain::case::date")]
    #[schema(value_type = String, format = Date)]
    pub on: Date,
}

/// Records that a participant left the project; they stay on its record.
#[utoipa::path(post, path = "/api/v1/community-projects/{project}/participants/{participant}/leave",
    tag = "community level",
    params(("project" = String, Path), ("participant" = String, Path)), request_body = Leaving,
    responses((status = 200, body = [ParticipantJson]), (status = 403), (status = 404), (status = 409), (status = 422)))]
pub async fn participant_leaves(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path((id, participant)): Path<(String, String)>,
    ApiJson(b): ApiJson<Leaving>,
) -> Result<Json<Vec<ParticipantJson>>, AppError> {
    let actor = caller.actor();
    let doc = cm::managed::<Project>(&state, &actor, &id).await?;
    let participant: uuid::Uuid = app::referrals::parse_id(&participant)?;
    let saved = cm::step_project(&state, &actor, &doc, Some(b.version), |p| {
        p.participant_leaves(participant, b.on)
    })
    .await?;
    Ok(Json(participant_list(&state, &actor, &saved.body).await))
}

doc_json!(VisitJson, MonitoringVisit);

/// A project's monitoring visits; findings and follow-up only for readers allowed to see
/// participants.
#[utoipa::path(get, path = "/api/v1/community-projects/{project}/visits", tag = "community level",
    params(("project" = String, Path)),
    responses((status = 200, body = [VisitJson]), (status = 403), (status = 404)))]
pub async fn visits(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<Vec<VisitJson>>, AppError> {
    let actor = caller.actor();
    let p: Doc<Project> = cm::get(&state, &actor, &id).await?;
    let all: Vec<Doc<MonitoringVisit>> = cm::list(&state, &actor, Some(p.id())).await?;
    let names = cm::may_see_participants(&actor);
    let threshold = domain::authz::small_cell_threshold(&actor);
    Ok(Json(
        all.into_iter()
            .map(|d| {
                let mut v: VisitJson = d.into();
                // Findings and follow-up are written about people; as on the project's page,
                // readers who may not see participants get the date, the rating and how many
                // were met, unless that is a small count.
                if !names {
                    v.body.findings.clear();
                    v.body.follow_up.clear();
                }
                let met = v.body.participants_met.map(u64::from);
                if met.is_some_and(|n| domain::authz::is_small_cell(n, threshold)) {
                    v.body.participants_met = None;
                }
                v
            })
            .collect(),
    ))
}

/// Records a monitoring visit to the project.
#[utoipa::path(post, path = "/api/v1/community-projects/{project}/visits", tag = "community level",
    params(("project" = String, Path)), request_body = MonitoringVisit,
    responses((status = 201, body = VisitJson), (status = 403), (status = 404), (status = 422)))]
pub async fn add_visit(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
    ApiJson(v): ApiJson<MonitoringVisit>,
) -> Result<(StatusCode, Json<VisitJson>), AppError> {
    let actor = caller.actor();
    let p = cm::managed::<Project>(&state, &actor, &id).await?;
    let place = Place {
        parent: Some(p.id()),
        office: p.rec.office,
    };
    let saved = cm::save(&state, &actor, None, None, place, v).await?;
    Ok((StatusCode::CREATED, Json(saved.into())))
}
