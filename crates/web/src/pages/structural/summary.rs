//! The overview

use super::*;

pub struct HubRow {
    pub href: String,
    pub title: String,
    pub facts: String,
}

pub struct HubSection {
    pub id: &'static str,
    pub title: String,
    pub new_href: String,
    pub rows: Vec<HubRow>,
}

#[derive(Template)]
#[template(path = "structural.html")]
pub struct HubPage {
    pub(super) c: Chrome,
    pub(super) engagement: String,
    pub(super) sections: Vec<HubSection>,
    pub(super) can_manage: bool,
}

pub async fn hub(
    State(state): State<AppState>,
    tr: Tr,
    SignedIn(caller): SignedIn,
) -> Result<Response, AppError> {
    let actor = caller.actor();
    let threshold = small_cell_threshold(&actor);
    let orgs = cm::organisations(&state).await?;
    let kinds_of = stakeholder_kinds(&state).await?;
    let mut sections = Vec::new();
    for k in kinds()
        .into_iter()
        .filter(|k| k.parent.is_none() && k.hub == Hub::Structural)
    {
        let mut rows = Vec::new();
        for rec in cm::raw_records(&state, &actor, k.doc, None).await? {
            let value = read_value(&rec)?;
            rows.push(HubRow {
                href: format!("/registry/{}/{}", k.slug, rec.id),
                title: title(&tr, &rec, &value, &orgs),
                facts: facts(&tr, &rec, &orgs, &kinds_of, threshold, state.today())
                    .into_iter()
                    .map(|r| format!("{}: {}", r.label, r.value))
                    .collect::<Vec<_>>()
                    .join(" · "),
            });
        }
        sections.push(HubSection {
            id: k.slug,
            title: tr.t(&format!("structural-{}", k.slug)),
            new_href: format!("/registry/{}/new", k.slug),
            rows,
        });
    }
    let (assessments, support) = app::results::engagement_inputs(&state).await?;
    let e = engagement_change(&assessments, &support);
    render(&HubPage {
        c: Chrome::new(&state, tr.clone(), Some(&caller)),
        engagement: tr.t2(
            "engagement-indicator",
            "more",
            e.more_engaged,
            "measured",
            e.measured,
        ) + " "
            + &tr.tn("engagement-supported", e.supported as u64),
        sections,
        can_manage: authorize(&actor, Action::ManageStructural, Resource::Programme).is_ok(),
    })
}
