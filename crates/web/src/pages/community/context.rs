//! Where the three levels meet: a returnee's community and structural context

use super::*;

pub struct CaseProject {
    pub href: String,
    pub name: String,
    pub kind: String,
    pub status: String,
    pub role: String,
    pub community: String,
}

/// What the case page and the plan show about the returnee's community: the communities their
/// place of return belongs to, the projects they take part in, and the services of the area
/// with their gaps.
#[derive(Default)]
pub struct CaseContext {
    pub communities: Vec<(String, String)>,
    pub projects: Vec<CaseProject>,
    pub services: Vec<ServiceRow>,
    /// How many of them show a gap, as a sentence; empty when none does.
    pub gaps: String,
}

/// The projects a returnee takes part in, for readers of their case.
pub async fn case_projects(
    state: &AppState,
    tr: &Tr,
    actor: &Actor,
    case: &store::CaseRecord,
) -> Result<Vec<CaseProject>, AppError> {
    let mut out = Vec::new();
    for p in cm::projects_of_case(state, actor, case).await? {
        let community = match p.rec.parent {
            Some(c) => cm::raw_record(state, actor, c)
                .await
                .map(|d| d.name)
                .unwrap_or_default(),
            None => String::new(),
        };
        let role = p
            .body
            .participants
            .iter()
            .find(|x| x.case == Some(case.id) && x.active())
            .map(|x| tr.t_of("participant-role", x.role.as_str()))
            .unwrap_or_default();
        out.push(CaseProject {
            href: format!("/projects/{}", p.id()),
            name: p.body.name.clone(),
            kind: tr.t_of("project-kind", p.body.kind.as_str()),
            status: tr.t_of("project-status", p.body.status().as_str()),
            role,
            community,
        });
    }
    Ok(out)
}

pub async fn case_context(
    state: &AppState,
    tr: &Tr,
    actor: &Actor,
    case: &store::CaseRecord,
) -> Result<CaseContext, AppError> {
    let p = &case.profile;
    let mut ctx = CaseContext {
        projects: case_projects(state, tr, actor, case).await?,
        ..Default::default()
    };
    if authorize(actor, Action::ReadCommunity, Resource::Programme).is_ok() {
        let communities: Vec<Doc<Community>> = cm::list(state, actor, None).await?;
        ctx.communities = communities
            .iter()
            .filter(|c| {
                c.body
                    .covers(&p.return_province, p.return_community.as_deref())
            })
            .map(|c| (format!("/communities/{}", c.id()), c.body.name.clone()))
            .collect();
    }
    if authorize(actor, Action::ReadServices, Resource::Programme).is_ok() {
        let area = Community {
            name: p.return_community.clone().unwrap_or_default(),
            province: p.return_province.clone(),
            ..Community::default()
        };
        ctx.services = services_in_area(state, tr, &area).await?;
        let gaps = app::lookups::service_list(state)
            .await?
            .iter()
            .filter(|s| in_area(&area, &s.service.place))
            .filter(|s| {
                s.service
                    .ratings
                    .gap()
                    .is_some_and(|g| g != domain::services::GapPattern::NoGap)
            })
            .count();
        if gaps > 0 {
            ctx.gaps = tr.tn("context-gaps", gaps as u64);
        }
    }
    Ok(ctx)
}
