//! The map and its search

use super::*;

pub struct ServiceRow {
    pub href: String,
    pub name: String,
    pub provider: String,
    pub category: String,
    pub place: String,
    pub languages: String,
    pub gap: String,
    pub gap_class: &'static str,
    pub answer_days: u16,
    pub review: String,
    pub review_due: bool,
}

#[derive(Template)]
#[template(path = "services.html")]
pub struct ServicesPage {
    pub(super) c: Chrome,
    pub(super) search: Vec<FieldView>,
    pub(super) rows: Vec<ServiceRow>,
    pub(super) review: Vec<ServiceRow>,
    pub(super) proposals: Vec<ProposalView>,
    pub(super) providers: Vec<LinkRow>,
    pub(super) can_manage: bool,
    pub(super) searched: bool,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SearchForm {
    pub(super) category: String,
    pub(super) dimension: String,
    pub(super) area: String,
    pub(super) language: String,
}

impl SearchForm {
    pub fn query(&self) -> ServiceQuery {
        let text = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
        ServiceQuery {
            category: ServiceCategory::parse(&self.category),
            dimension: Dimension::parse(&self.dimension),
            place: text(&self.area),
            language: text(&self.language),
        }
    }
    pub fn fields(&self, tr: &Tr) -> Vec<FieldView> {
        let errs = HashMap::new();
        let fb = FieldBuilder { tr, errors: &errs };
        vec![
            fb.select(
                "category",
                &self.category,
                "category",
                &names(ServiceCategory::ALL, ServiceCategory::as_str),
                false,
            ),
            fb.select(
                "dimension",
                &self.dimension,
                "dimension",
                &names(Dimension::ALL, Dimension::as_str),
                false,
            ),
            fb.input("area", "text", &self.area, false),
            fb.input("language", "text", &self.language, false),
        ]
    }
}

pub fn service_row(tr: &Tr, s: &store::ServiceRecord, today: time::Date) -> ServiceRow {
    let v = &s.service;
    let gap = v.ratings.gap();
    ServiceRow {
        href: format!("/services/{}", s.id),
        name: v.name.clone(),
        provider: s.provider_name.clone(),
        category: tr.t_of("category", v.category.as_str()),
        place: v.place.clone(),
        languages: v.languages.join(", "),
        gap: gap
            .map(|g| tr.t_of("gap", g.as_str()))
            .unwrap_or_else(|| tr.t("not-rated")),
        gap_class: match gap {
            Some(domain::services::GapPattern::NoGap) => "state-done",
            Some(_) => "state-overdue",
            None => "state-not-yet",
        },
        answer_days: v.answer_days(),
        review: v
            .review_due()
            .map(|d| d.to_string())
            .unwrap_or_else(|| tr.t("service-never-checked")),
        review_due: v.needs_review(today),
    }
}

pub async fn services_page(
    State(state): State<AppState>,
    tr: Tr,
    SignedIn(caller): SignedIn,
    Query(q): Query<SearchForm>,
) -> Result<Response, AppError> {
    let actor = caller.actor();
    let mut all = rf::services(&state, &actor).await?;
    // By category, then by name in the order readers of the page's language expect.
    all.sort_by(|a, b| {
        let category = |s: &store::ServiceRecord| s.service.category.as_str();
        category(a)
            .cmp(category(b))
            .then_with(|| tr.compare(&a.service.name, &b.service.name))
    });
    let query = q.query();
    let can_manage = authorize(&actor, Action::ManageServices, Resource::Programme).is_ok();
    let proposals = if can_manage {
        rf::service_updates(&state, &actor, None)
            .await?
            .iter()
            .filter(|u| u.status == domain::services::ProposalStatus::Pending)
            .map(|u| proposal_view(&tr, u))
            .collect()
    } else {
        Vec::new()
    };
    let providers = rf::providers(&state, &actor)
        .await?
        .into_iter()
        .map(|p| LinkRow {
            href: format!("/providers/{}", p.id),
            label: p.provider.name.clone(),
            note: p
                .provider
                .sector
                .map(|s| tr.t_of("sector", s.as_str()))
                .unwrap_or_default(),
        })
        .collect::<Vec<_>>();
    let mut providers = providers;
    providers.sort_by(|a, b| tr.compare(&a.label, &b.label));
    let page = ServicesPage {
        c: Chrome::new(&state, tr.clone(), Some(&caller)),
        search: q.fields(&tr),
        rows: all
            .iter()
            .filter(|s| s.service.matches(&query))
            .map(|s| service_row(&tr, s, state.today()))
            .collect(),
        review: all
            .iter()
            .filter(|s| s.service.needs_review(state.today()))
            .map(|s| service_row(&tr, s, state.today()))
            .collect(),
        proposals,
        providers,
        can_manage,
        searched: query != ServiceQuery::default(),
    };
    render(&page)
}
