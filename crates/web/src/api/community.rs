//! The community and structural levels in the JSON API: communities, community projects and
//! their participants, capacity assessments, trainings, coordination mechanisms and meetings,
//! agreements. Same functions and authorization as the pages (`app::community`): projects
//! carry counts of participants, and names only come from the participants route, to readers
//! allowed to see them.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use domain::ValidationErrors;
use domain::authz::Actor;
use domain::community::{
    Community, LifecycleStep, MonitoringVisit, ParticipantKind, ParticipantMix, ParticipantRole,
    Project, ProjectParticipant, ProjectRefusal, ProjectStatus, Screening, StageDecision,
};
use domain::structural::{
    Agreement, CapacityAssessment, CapacityPlan, Mechanism, Meeting, PolicyTrack, Training,
};
use domain::{DocumentId, StakeholderId};
use serde::{Deserialize, Serialize};
use time::Date;
use utoipa::ToSchema;

use super::ApiJson;
use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::AppError;
use app::community::{self as cm, Doc, Place, Record};

macro_rules! doc_json {
    ($(#[$doc:meta])* $name:ident, $t:ty) => {
        $(#[$doc])*
        #[derive(Serialize, ToSchema)]
        pub struct $name {
            pub id: String,
            pub version: i64,
            #[serde(flatten)]
            pub body: $t,
        }

        impl From<Doc<$t>> for $name {
            fn from(d: Doc<$t>) -> Self {
                Self {
                    id: d.rec.id.to_string(),
                    version: d.rec.version,
                    body: d.body,
                }
            }
        }
    };
}

doc_json!(CommunityJson, Community);
doc_json!(CapacityAssessmentJson, CapacityAssessment);
doc_json!(MechanismJson, Mechanism);
doc_json!(MeetingJson, Meeting);
doc_json!(AgreementJson, Agreement);
doc_json!(CapacityPlanJson, CapacityPlan);
doc_json!(PolicyTrackJson, PolicyTrack);
doc_json!(
    /// A training; its participants are listed only for readers allowed to see names.
    TrainingJson,
    Training
);

macro_rules! versioned {
    ($(#[$doc:meta])* $name:ident, $field:ident, $t:ty) => {
        $(#[$doc])*
        #[derive(Deserialize, ToSchema)]
        pub struct $name {
            /// The version the change is based on; a stale version is refused with 409.
            pub version: i64,
            pub $field: $t,
        }
    };
}

versioned!(CommunityUpdate, community, Community);
versioned!(
    /// The project's own fields; its screening, selection, lifecycle and participants are
    /// changed by their own steps and kept as they are.
    ProjectUpdate,
    project,
    Project
);
versioned!(CapacityAssessmentUpdate, assessment, CapacityAssessment);
versioned!(TrainingUpdate, training, Training);
versioned!(MechanismUpdate, mechanism, Mechanism);
versioned!(
    /// The whole meeting: an action point is marked done by sending it with `done_on`.
    MeetingUpdate,
    meeting,
    Meeting
);
versioned!(AgreementUpdate, agreement, Agreement);
versioned!(CapacityPlanUpdate, plan, CapacityPlan);
versioned!(PolicyTrackUpdate, track, PolicyTrack);

fn invalid(field: &str, code: &'static str) -> AppError {
    let mut e = ValidationErrors::new();
    e.add(field, code);
    AppError::validation(e)
}

/// Every organisation named must be on the stakeholder map.
async fn known(
    state: &AppState,
    ids: impl IntoIterator<Item = StakeholderId>,
) -> Result<(), AppError> {
    let all = state.store.stakeholders().await?;
    for id in ids {
        if !all.iter().any(|s| s.id == id) {
            return Err(invalid("stakeholder", "error-choice"));
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Communities

#[utoipa::path(get, path = "/api/v1/communities", tag = "community level",
    responses((status = 200, body = [CommunityJson]), (status = 403)))]
pub async fn communities(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
) -> Result<Json<Vec<CommunityJson>>, AppError> {
    let all: Vec<Doc<Community>> = cm::list(&state, &caller.actor(), None).await?;
    Ok(Json(all.into_iter().map(Into::into).collect()))
}

#[utoipa::path(get, path = "/api/v1/communities/{community}", tag = "community level",
    params(("community" = String, Path)),
    responses((status = 200, body = CommunityJson), (status = 403), (status = 404)))]
pub async fn community(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<CommunityJson>, AppError> {
    let c: Doc<Community> = cm::get(&state, &caller.actor(), &id).await?;
    Ok(Json(c.into()))
}

/// Adds a community, in the caller's office (national staff: the office of the cases that
/// returned there).
#[utoipa::path(post, path = "/api/v1/communities", tag = "community level", request_body = Community,
    responses((status = 201, body = CommunityJson), (status = 403), (status = 422)))]
pub async fn create_community(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(c): ApiJson<Community>,
) -> Result<(StatusCode, Json<CommunityJson>), AppError> {
    let actor = caller.actor();
    domain::authz::authorize(
        &actor,
        domain::authz::Action::ManageCommunity,
        domain::authz::Resource::Programme,
    )?;
    let office = cm::office_for(&state, &actor, &c).await?;
    let saved = cm::save(
        &state,
        &actor,
        None,
        None,
        Place {
            parent: None,
            office,
        },
        c,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(saved.into())))
}

#[utoipa::path(put, path = "/api/v1/communities/{community}", tag = "community level",
    params(("community" = String, Path)), request_body = CommunityUpdate,
    responses((status = 200, body = CommunityJson), (status = 403), (status = 409), (status = 422)))]
pub async fn update_community(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
    ApiJson(u): ApiJson<CommunityUpdate>,
) -> Result<Json<CommunityJson>, AppError> {
    let actor = caller.actor();
    let doc: Doc<Community> = cm::managed(&state, &actor, &id).await?;
    Ok(Json(
        cm::update(&state, &actor, &doc, u.version, u.community)
            .await?
            .into(),
    ))
}

/// A community's place on the programme's selection checklist.
#[derive(Serialize, ToSchema)]
pub struct RankedCommunity {
    pub position: usize,
    pub id: String,
    pub name: String,
    pub province: String,
    /// Weighted share of the criteria met, in whole per cent.
    pub score: u64,
    pub met: usize,
    pub partly_met: usize,
    pub not_met: usize,
    pub not_known: usize,
    pub shortlisted: bool,
    /// Essential criteria not met, which keep the community off the shortlist.
    pub excluded_by: Vec<String>,
    /// Registered returnees; left out for viewers when below the small-cell threshold.
    pub returnees: Option<u64>,
}

/// The communities ranked on the programme's checklist, best first, with the shortlist marked:
/// the same ranking as the communities page.
#[utoipa::path(get, path = "/api/v1/communities/ranking", tag = "community level",
    responses((status = 200, body = [RankedCommunity]), (status = 403)))]
pub async fn ranking(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
) -> Result<Json<Vec<RankedCommunity>>, AppError> {
    let actor = caller.actor();
    let r = cm::ranking(&state, &actor).await?;
    let threshold = domain::authz::small_cell_threshold(&actor);
    Ok(Json(
        r.ranked
            .into_iter()
            .enumerate()
            .map(|(pos, x)| {
                let c = &r.communities[x.key];
                let n = r.returnees[x.key];
                RankedCommunity {
                    position: pos + 1,
                    id: c.id().to_string(),
                    name: c.body.name.clone(),
                    province: c.body.province.clone(),
                    score: (x.score * 100.0).round() as u64,
                    met: x.met,
                    partly_met: x.partly,
                    not_met: x.not_met,
                    not_known: x.unknown,
                    shortlisted: x.shortlisted,
                    excluded_by: x.excluded_by,
                    returnees: (!domain::authz::is_small_cell(n, threshold)).then_some(n),
                }
            })
            .collect(),
    ))
}

// ---------------------------------------------------------------------------------------------
// Projects

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
fn project_json(actor: &Actor, d: Doc<Project>) -> ProjectJson {
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
pub struct ProjectQuery {
    /// Only the projects of this community.
    pub community: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/community-projects", tag = "community level",
    params(ProjectQuery),
    responses((status = 200, body = [ProjectJson]), (status = 403)))]
pub async fn projects(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Query(q): Query<ProjectQuery>,
) -> Result<Json<Vec<ProjectJson>>, AppError> {
    let parent: Option<DocumentId> = match q.community {
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

async fn participant_json(
    state: &AppState,
    actor: &Actor,
    p: &ProjectParticipant,
) -> ParticipantJson {
    let (case_number, name) = match p.case {
        Some(c) => match state.store.case(c).await {
            Ok(rec) if cm::may_name(actor, &rec.access()) => (
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

async fn participant_list(state: &AppState, actor: &Actor, p: &Project) -> Vec<ParticipantJson> {
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
    let p: Doc<Project> = cm::get(&state, &actor, &id).await?;
    domain::authz::authorize(
        &actor,
        domain::authz::Action::ReadParticipants,
        domain::authz::Resource::Office(p.rec.office.unwrap_or_default()),
    )?;
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
            let found = match state.store.case_by_number(&number).await? {
                Some(cid) => Some(state.store.case(cid).await?),
                None => None,
            };
            match found {
                Some(c) if cm::may_name(&actor, &c.access()) => {
                    (Some(c.id), n.sex.or(Some(c.profile.sex)))
                }
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

// ---------------------------------------------------------------------------------------------
// The structural level

/// Creates a record of the structural level: authorized before anything is read, then the
/// organisations it names must be on the stakeholder map.
async fn create_structural<T: Record>(
    state: &AppState,
    actor: &Actor,
    parent: Option<DocumentId>,
    names: impl IntoIterator<Item = StakeholderId>,
    body: T,
) -> Result<Doc<T>, AppError> {
    domain::authz::authorize(
        actor,
        cm::manage_action(T::KIND),
        domain::authz::Resource::Programme,
    )?;
    known(state, names).await?;
    Ok(cm::save(
        state,
        actor,
        None,
        None,
        Place {
            parent,
            office: None,
        },
        body,
    )
    .await?)
}

/// Replaces a record of the structural level at the version the caller read, authorized and
/// checked as `create_structural` does. A record that is not under `parent` (a meeting of
/// another mechanism) is not found.
async fn update_structural<T: Record>(
    state: &AppState,
    actor: &Actor,
    id: &str,
    parent: Option<DocumentId>,
    version: i64,
    names: impl IntoIterator<Item = StakeholderId>,
    body: T,
) -> Result<Doc<T>, AppError> {
    domain::authz::authorize(
        actor,
        cm::manage_action(T::KIND),
        domain::authz::Resource::Programme,
    )?;
    let doc: Doc<T> = cm::get(state, actor, id).await?;
    if parent.is_some() && doc.rec.parent != parent {
        return Err(AppError::new(crate::error::ErrorKind::NotFound));
    }
    known(state, names).await?;
    Ok(cm::update(state, actor, &doc, version, body).await?)
}

#[utoipa::path(get, path = "/api/v1/capacity-assessments", tag = "structural level",
    responses((status = 200, body = [CapacityAssessmentJson]), (status = 403)))]
pub async fn capacity_assessments(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
) -> Result<Json<Vec<CapacityAssessmentJson>>, AppError> {
    let all: Vec<Doc<CapacityAssessment>> = cm::list(&state, &caller.actor(), None).await?;
    Ok(Json(all.into_iter().map(Into::into).collect()))
}

#[utoipa::path(post, path = "/api/v1/capacity-assessments", tag = "structural level",
    request_body = CapacityAssessment,
    responses((status = 201, body = CapacityAssessmentJson), (status = 403), (status = 422)))]
pub async fn create_capacity_assessment(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(a): ApiJson<CapacityAssessment>,
) -> Result<(StatusCode, Json<CapacityAssessmentJson>), AppError> {
    let actor = caller.actor();
    let d = create_structural(&state, &actor, None, [a.stakeholder], a).await?;
    Ok((StatusCode::CREATED, Json(d.into())))
}

#[utoipa::path(get, path = "/api/v1/capacity-assessments/{record}", tag = "structural level",
    params(("record" = String, Path)),
    responses((status = 200, body = CapacityAssessmentJson), (status = 403), (status = 404)))]
pub async fn capacity_assessment(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<CapacityAssessmentJson>, AppError> {
    let d: Doc<CapacityAssessment> = cm::get(&state, &caller.actor(), &id).await?;
    Ok(Json(d.into()))
}

#[utoipa::path(put, path = "/api/v1/capacity-assessments/{record}", tag = "structural level",
    params(("record" = String, Path)), request_body = CapacityAssessmentUpdate,
    responses((status = 200, body = CapacityAssessmentJson), (status = 403), (status = 404), (status = 409), (status = 422)))]
pub async fn update_capacity_assessment(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
    ApiJson(u): ApiJson<CapacityAssessmentUpdate>,
) -> Result<Json<CapacityAssessmentJson>, AppError> {
    let a = u.assessment;
    let names = [a.stakeholder];
    let d = update_structural(&state, &caller.actor(), &id, None, u.version, names, a).await?;
    Ok(Json(d.into()))
}

fn training_json(actor: &Actor, d: Doc<Training>) -> TrainingJson {
    let mut t: TrainingJson = d.into();
    if !cm::may_see_participants(actor) {
        t.body.participants.clear();
    }
    t
}

#[utoipa::path(get, path = "/api/v1/trainings", tag = "structural level",
    responses((status = 200, body = [TrainingJson]), (status = 403)))]
pub async fn trainings(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
) -> Result<Json<Vec<TrainingJson>>, AppError> {
    let actor = caller.actor();
    let all: Vec<Doc<Training>> = cm::list(&state, &actor, None).await?;
    Ok(Json(
        all.into_iter().map(|d| training_json(&actor, d)).collect(),
    ))
}

#[utoipa::path(get, path = "/api/v1/trainings/{record}", tag = "structural level",
    params(("record" = String, Path)),
    responses((status = 200, body = TrainingJson), (status = 403), (status = 404)))]
pub async fn training(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<TrainingJson>, AppError> {
    let actor = caller.actor();
    let d: Doc<Training> = cm::get(&state, &actor, &id).await?;
    Ok(Json(training_json(&actor, d)))
}

#[utoipa::path(post, path = "/api/v1/trainings", tag = "structural level", request_body = Training,
    responses((status = 201, body = TrainingJson), (status = 403), (status = 422)))]
pub async fn create_training(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(t): ApiJson<Training>,
) -> Result<(StatusCode, Json<TrainingJson>), AppError> {
    let actor = caller.actor();
    let d = create_structural(&state, &actor, None, t.supported(), t).await?;
    Ok((StatusCode::CREATED, Json(training_json(&actor, d))))
}

/// Changes a training, for example to add the participants' scores after it.
#[utoipa::path(put, path = "/api/v1/trainings/{record}", tag = "structural level",
    params(("record" = String, Path)), request_body = TrainingUpdate,
    responses((status = 200, body = TrainingJson), (status = 403), (status = 404), (status = 409), (status = 422)))]
pub async fn update_training(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
    ApiJson(u): ApiJson<TrainingUpdate>,
) -> Result<Json<TrainingJson>, AppError> {
    let actor = caller.actor();
    domain::authz::authorize(
        &actor,
        domain::authz::Action::ManageStructural,
        domain::authz::Resource::Programme,
    )?;
    let mut t = u.training;
    if !cm::may_see_participants(&actor) {
        // Someone who was never shown the trainees cannot have meant to change them.
        let stored: Doc<Training> = cm::get(&state, &actor, &id).await?;
        t.participants = stored.body.participants;
    }
    let names = t.supported();
    let d = update_structural(&state, &actor, &id, None, u.version, names, t).await?;
    Ok(Json(training_json(&actor, d)))
}

#[utoipa::path(get, path = "/api/v1/coordination-mechanisms", tag = "structural level",
    responses((status = 200, body = [MechanismJson]), (status = 403)))]
pub async fn mechanisms(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
) -> Result<Json<Vec<MechanismJson>>, AppError> {
    let all: Vec<Doc<Mechanism>> = cm::list(&state, &caller.actor(), None).await?;
    Ok(Json(all.into_iter().map(Into::into).collect()))
}

#[utoipa::path(post, path = "/api/v1/coordination-mechanisms", tag = "structural level",
    request_body = Mechanism,
    responses((status = 201, body = MechanismJson), (status = 403), (status = 422)))]
pub async fn create_mechanism(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(m): ApiJson<Mechanism>,
) -> Result<(StatusCode, Json<MechanismJson>), AppError> {
    let actor = caller.actor();
    let names = mechanism_names(&m);
    let d = create_structural(&state, &actor, None, names, m).await?;
    Ok((StatusCode::CREATED, Json(d.into())))
}

/// The organisations a mechanism names: its chair and members.
fn mechanism_names(m: &Mechanism) -> Vec<StakeholderId> {
    m.chair
        .into_iter()
        .chain(m.members.iter().copied())
        .collect()
}

#[utoipa::path(get, path = "/api/v1/coordination-mechanisms/{record}", tag = "structural level",
    params(("record" = String, Path)),
    responses((status = 200, body = MechanismJson), (status = 403), (status = 404)))]
pub async fn mechanism(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<MechanismJson>, AppError> {
    let d: Doc<Mechanism> = cm::get(&state, &caller.actor(), &id).await?;
    Ok(Json(d.into()))
}

#[utoipa::path(put, path = "/api/v1/coordination-mechanisms/{record}", tag = "structural level",
    params(("record" = String, Path)), request_body = MechanismUpdate,
    responses((status = 200, body = MechanismJson), (status = 403), (status = 404), (status = 409), (status = 422)))]
pub async fn update_mechanism(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
    ApiJson(u): ApiJson<MechanismUpdate>,
) -> Result<Json<MechanismJson>, AppError> {
    let m = u.mechanism;
    let names = mechanism_names(&m);
    let d = update_structural(&state, &caller.actor(), &id, None, u.version, names, m).await?;
    Ok(Json(d.into()))
}

/// A meeting; who else attended and who owns each action point only for readers allowed to
/// see names.
fn meeting_json(actor: &Actor, d: Doc<Meeting>) -> MeetingJson {
    let mut m: MeetingJson = d.into();
    if !cm::may_see_participants(actor) {
        m.body.hide_names();
    }
    m
}

fn capacity_plan_json(actor: &Actor, d: Doc<CapacityPlan>) -> CapacityPlanJson {
    let mut p: CapacityPlanJson = d.into();
    if !cm::may_see_participants(actor) {
        domain::structural::hide_owners(&mut p.body.action_points);
    }
    p
}

async fn mechanism_id(state: &AppState, actor: &Actor, id: &str) -> Result<DocumentId, AppError> {
    let m: Doc<Mechanism> = cm::get(state, actor, id).await?;
    Ok(m.id())
}

#[utoipa::path(get, path = "/api/v1/coordination-mechanisms/{record}/meetings", tag = "structural level",
    params(("record" = String, Path)),
    responses((status = 200, body = [MeetingJson]), (status = 403), (status = 404)))]
pub async fn meetings(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<Vec<MeetingJson>>, AppError> {
    let actor = caller.actor();
    let parent = mechanism_id(&state, &actor, &id).await?;
    let all: Vec<Doc<Meeting>> = cm::list(&state, &actor, Some(parent)).await?;
    Ok(Json(
        all.into_iter().map(|d| meeting_json(&actor, d)).collect(),
    ))
}

#[utoipa::path(post, path = "/api/v1/coordination-mechanisms/{record}/meetings", tag = "structural level",
    params(("record" = String, Path)), request_body = Meeting,
    responses((status = 201, body = MeetingJson), (status = 403), (status = 404), (status = 422)))]
pub async fn create_meeting(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
    ApiJson(m): ApiJson<Meeting>,
) -> Result<(StatusCode, Json<MeetingJson>), AppError> {
    let actor = caller.actor();
    domain::authz::authorize(
        &actor,
        domain::authz::Action::ManageStructural,
        domain::authz::Resource::Programme,
    )?;
    let parent = mechanism_id(&state, &actor, &id).await?;
    let d = create_structural(&state, &actor, Some(parent), m.attendees.clone(), m).await?;
    Ok((StatusCode::CREATED, Json(d.into())))
}

/// Changes a meeting: its record, decisions and action points (one is marked done by sending it
/// with `done_on` and a note; a new one may be sent without an `id`).
#[utoipa::path(put, path = "/api/v1/coordination-mechanisms/{record}/meetings/{meeting}",
    tag = "structural level",
    params(("record" = String, Path), ("meeting" = String, Path)), request_body = MeetingUpdate,
    responses((status = 200, body = MeetingJson), (status = 403), (status = 404), (status = 409), (status = 422)))]
pub async fn update_meeting(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path((id, meeting)): Path<(String, String)>,
    ApiJson(u): ApiJson<MeetingUpdate>,
) -> Result<Json<MeetingJson>, AppError> {
    let actor = caller.actor();
    domain::authz::authorize(
        &actor,
        domain::authz::Action::ManageStructural,
        domain::authz::Resource::Programme,
    )?;
    let parent = mechanism_id(&state, &actor, &id).await?;
    let m = u.meeting;
    let names = m.attendees.clone();
    let d = update_structural(&state, &actor, &meeting, Some(parent), u.version, names, m).await?;
    Ok(Json(d.into()))
}

#[utoipa::path(get, path = "/api/v1/agreements", tag = "structural level",
    responses((status = 200, body = [AgreementJson]), (status = 403)))]
pub async fn agreements(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
) -> Result<Json<Vec<AgreementJson>>, AppError> {
    let all: Vec<Doc<Agreement>> = cm::list(&state, &caller.actor(), None).await?;
    Ok(Json(all.into_iter().map(Into::into).collect()))
}

#[utoipa::path(post, path = "/api/v1/agreements", tag = "structural level", request_body = Agreement,
    responses((status = 201, body = AgreementJson), (status = 403), (status = 422)))]
pub async fn create_agreement(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(a): ApiJson<Agreement>,
) -> Result<(StatusCode, Json<AgreementJson>), AppError> {
    let actor = caller.actor();
    let d = create_structural(&state, &actor, None, a.parties.clone(), a).await?;
    Ok((StatusCode::CREATED, Json(d.into())))
}

#[utoipa::path(put, path = "/api/v1/agreements/{record}", tag = "structural level",
    params(("record" = String, Path)), request_body = AgreementUpdate,
    responses((status = 200, body = AgreementJson), (status = 403), (status = 404), (status = 409), (status = 422)))]
pub async fn update_agreement(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
    ApiJson(u): ApiJson<AgreementUpdate>,
) -> Result<Json<AgreementJson>, AppError> {
    let a = u.agreement;
    let names = a.parties.clone();
    let d = update_structural(&state, &caller.actor(), &id, None, u.version, names, a).await?;
    Ok(Json(d.into()))
}

#[utoipa::path(get, path = "/api/v1/capacity-plans", tag = "structural level",
    responses((status = 200, body = [CapacityPlanJson]), (status = 403)))]
pub async fn capacity_plans(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
) -> Result<Json<Vec<CapacityPlanJson>>, AppError> {
    let actor = caller.actor();
    let all: Vec<Doc<CapacityPlan>> = cm::list(&state, &actor, None).await?;
    Ok(Json(
        all.into_iter()
            .map(|d| capacity_plan_json(&actor, d))
            .collect(),
    ))
}

#[utoipa::path(get, path = "/api/v1/capacity-plans/{record}", tag = "structural level",
    params(("record" = String, Path)),
    responses((status = 200, body = CapacityPlanJson), (status = 403), (status = 404)))]
pub async fn capacity_plan(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<CapacityPlanJson>, AppError> {
    let actor = caller.actor();
    let d: Doc<CapacityPlan> = cm::get(&state, &actor, &id).await?;
    Ok(Json(capacity_plan_json(&actor, d)))
}

#[utoipa::path(post, path = "/api/v1/capacity-plans", tag = "structural level",
    request_body = CapacityPlan,
    responses((status = 201, body = CapacityPlanJson), (status = 403), (status = 422)))]
pub async fn create_capacity_plan(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(p): ApiJson<CapacityPlan>,
) -> Result<(StatusCode, Json<CapacityPlanJson>), AppError> {
    let d = create_structural(&state, &caller.actor(), None, [p.stakeholder], p).await?;
    Ok((StatusCode::CREATED, Json(d.into())))
}

/// Changes a capacity-building plan; an action point is marked done by sending it with
/// `done_on`.
#[utoipa::path(put, path = "/api/v1/capacity-plans/{record}", tag = "structural level",
    params(("record" = String, Path)), request_body = CapacityPlanUpdate,
    responses((status = 200, body = CapacityPlanJson), (status = 403), (status = 404), (status = 409), (status = 422)))]
pub async fn update_capacity_plan(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
    ApiJson(u): ApiJson<CapacityPlanUpdate>,
) -> Result<Json<CapacityPlanJson>, AppError> {
    let p = u.plan;
    let names = [p.stakeholder];
    let d = update_structural(&state, &caller.actor(), &id, None, u.version, names, p).await?;
    Ok(Json(d.into()))
}

#[utoipa::path(get, path = "/api/v1/policy-tracks", tag = "structural level",
    responses((status = 200, body = [PolicyTrackJson]), (status = 403)))]
pub async fn policy_tracks(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
) -> Result<Json<Vec<PolicyTrackJson>>, AppError> {
    let all: Vec<Doc<PolicyTrack>> = cm::list(&state, &caller.actor(), None).await?;
    Ok(Json(all.into_iter().map(Into::into).collect()))
}

#[utoipa::path(get, path = "/api/v1/policy-tracks/{record}", tag = "structural level",
    params(("record" = String, Path)),
    responses((status = 200, body = PolicyTrackJson), (status = 403), (status = 404)))]
pub async fn policy_track(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<PolicyTrackJson>, AppError> {
    let d: Doc<PolicyTrack> = cm::get(&state, &caller.actor(), &id).await?;
    Ok(Json(d.into()))
}

#[utoipa::path(post, path = "/api/v1/policy-tracks", tag = "structural level",
    request_body = PolicyTrack,
    responses((status = 201, body = PolicyTrackJson), (status = 403), (status = 422)))]
pub async fn create_policy_track(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(t): ApiJson<PolicyTrack>,
) -> Result<(StatusCode, Json<PolicyTrackJson>), AppError> {
    let d = create_structural(&state, &caller.actor(), None, t.lead, t).await?;
    Ok((StatusCode::CREATED, Json(d.into())))
}

/// Changes a policy track: its preconditions and the progress of each mainstreaming step.
#[utoipa::path(put, path = "/api/v1/policy-tracks/{record}", tag = "structural level",
    params(("record" = String, Path)), request_body = PolicyTrackUpdate,
    responses((status = 200, body = PolicyTrackJson), (status = 403), (status = 404), (status = 409), (status = 422)))]
pub async fn update_policy_track(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
    ApiJson(u): ApiJson<PolicyTrackUpdate>,
) -> Result<Json<PolicyTrackJson>, AppError> {
    let t = u.track;
    let names = t.lead;
    let d = update_structural(&state, &caller.actor(), &id, None, u.version, names, t).await?;
    Ok(Json(d.into()))
}
