//! Communities

use super::*;

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
