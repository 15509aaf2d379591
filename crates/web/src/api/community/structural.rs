//! The structural level

use super::*;

/// Creates a record of the structural level (the use case authorizes it): the organisations
/// it names must be on the stakeholder map.
pub(super) async fn create_structural<T: Record>(
    state: &AppState,
    actor: &Actor,
    parent: Option<DocumentId>,
    names: impl IntoIterator<Item = StakeholderId>,
    body: T,
) -> Result<Doc<T>, AppError> {
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
pub(super) async fn update_structural<T: Record>(
    state: &AppState,
    actor: &Actor,
    id: &str,
    parent: Option<DocumentId>,
    version: i64,
    names: impl IntoIterator<Item = StakeholderId>,
    body: T,
) -> Result<Doc<T>, AppError> {
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

pub(super) fn training_json(actor: &Actor, d: Doc<Training>) -> TrainingJson {
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
pub(super) fn mechanism_names(m: &Mechanism) -> Vec<StakeholderId> {
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
pub(super) fn meeting_json(actor: &Actor, d: Doc<Meeting>) -> MeetingJson {
    let mut m: MeetingJson = d.into();
    if !cm::may_see_participants(actor) {
        m.body.hide_names();
    }
    m
}

pub(super) fn capacity_plan_json(actor: &Actor, d: Doc<CapacityPlan>) -> CapacityPlanJson {
    let mut p: CapacityPlanJson = d.into();
    if !cm::may_see_participants(actor) {
        domain::structural::hide_owners(&mut p.body.action_points);
    }
    p
}

pub(super) async fn mechanism_id(
    state: &AppState,
    actor: &Actor,
    id: &str,
) -> Result<DocumentId, AppError> {
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
