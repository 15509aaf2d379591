//! The list and the ranking

use super::*;

pub struct RankRow {
    pub position: usize,
    pub href: String,
    pub name: String,
    pub province: String,
    pub returnees: String,
    pub score: u64,
    pub met: usize,
    pub partly: usize,
    pub not_met: usize,
    pub unknown: usize,
    pub shortlisted: bool,
    pub excluded_by: String,
    pub projects: usize,
}

pub struct PlaceRow {
    pub province: String,
    pub community: String,
    pub cases: String,
    pub href: String,
}

#[derive(Template)]
#[template(path = "communities.html")]
pub struct CommunitiesPage {
    pub(super) c: Chrome,
    pub(super) rows: Vec<RankRow>,
    pub(super) places: Vec<PlaceRow>,
    pub(super) can_manage: bool,
    pub(super) can_configure: bool,
    pub(super) criteria: Vec<String>,
    pub(super) ranking_hint: String,
}

pub(super) fn criterion_label(tr: &Tr, c: &Criterion) -> String {
    if c.source == CriterionSource::Programme {
        c.label.clone()
    } else {
        tr.t_of("criterion", &c.key)
    }
}

pub async fn list(
    State(state): State<AppState>,
    tr: Tr,
    SignedIn(caller): SignedIn,
) -> Result<Response, AppError> {
    let actor = caller.actor();
    let cm::Ranking {
        communities,
        returnees: counts,
        ranked,
        config,
    } = cm::ranking(&state, &actor).await?;
    let projects: Vec<Doc<Project>> = cm::list(&state, &actor, None).await?;
    let threshold = small_cell_threshold(&actor);
    let label = |key: &str| {
        config
            .criteria
            .iter()
            .find(|c| c.key == key)
            .map(|c| criterion_label(&tr, c))
            .unwrap_or_default()
    };
    let rows = ranked
        .into_iter()
        .enumerate()
        .map(|(pos, r)| {
            let c = &communities[r.key];
            RankRow {
                position: pos + 1,
                href: format!("/communities/{}", c.id()),
                name: c.body.name.clone(),
                province: c.body.province.clone(),
                returnees: crate::pages::overview::cell(&tr, counts[r.key], threshold),
                score: (r.score * 100.0).round() as u64,
                met: r.met,
                partly: r.partly,
                not_met: r.not_met,
                unknown: r.unknown,
                shortlisted: r.shortlisted,
                excluded_by: r
                    .excluded_by
                    .iter()
                    .map(|k| label(k))
                    .collect::<Vec<_>>()
                    .join(", "),
                projects: projects
                    .iter()
                    .filter(|p| p.rec.parent == Some(c.id()))
                    .count(),
            }
        })
        .collect();
    let can_manage = authorize(&actor, Action::ManageCommunity, Resource::Programme).is_ok();
    // Places written on cases that no community covers yet: where a new one could be made.
    let mut places = Vec::new();
    if can_manage {
        for p in cm::return_places(&state, &actor).await? {
            if communities
                .iter()
                .any(|c| c.body.covers(&p.province, Some(&p.community)))
            {
                continue;
            }
            places.push(PlaceRow {
                href: format!(
                    "/communities/new?province={}&place={}",
                    crate::forms::records::encode(&p.province),
                    crate::forms::records::encode(&p.community)
                ),
                province: p.province,
                community: p.community,
                cases: p.cases.to_string(),
            });
        }
    }
    render(&CommunitiesPage {
        c: Chrome::new(&state, tr.clone(), Some(&caller)),
        rows,
        places,
        can_manage,
        can_configure: authorize(&actor, Action::ManageProgramme, Resource::Programme).is_ok(),
        criteria: config
            .active()
            .map(|c| {
                let mut s = criterion_label(&tr, c);
                if c.weight != 1 {
                    s.push_str(&format!(" (×{})", c.weight));
                }
                if c.essential {
                    s.push_str(&format!(" — {}", tr.t("criterion-essential")));
                }
                s
            })
            .collect(),
        ranking_hint: tr.tn("communities-ranking-hint", u64::from(config.shortlist_size)),
    })
}
