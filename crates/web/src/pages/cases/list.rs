//! List

use super::*;

/// The list page's links keep the filters.
pub(super) trait CaseFiltersExt {
    fn with_place(&self, place: Option<(&str, domain::CaseId)>) -> String;
}

impl CaseFiltersExt for CaseFilters {
    /// The query string of these filters, from the first page or from a place (`after` or
    /// `before` a case).
    fn with_place(&self, place: Option<(&str, domain::CaseId)>) -> String {
        let mut parts = Vec::new();
        for (k, v) in [
            ("q", &self.q),
            ("office", &self.office),
            ("stage", &self.stage),
            ("case_manager", &self.case_manager),
            ("sex", &self.sex),
            ("province", &self.province),
            ("returned_from", &self.returned_from),
            ("returned_to", &self.returned_to),
            ("sort", &self.sort),
            ("order", &self.order),
        ] {
            if !v.is_empty() {
                parts.push(format!("{k}={}", crate::auth::urlencode(v)));
            }
        }
        if let Some((side, case)) = place {
            parts.push(format!("{side}={case}"));
        }
        format!("?{}", parts.join("&"))
    }
}

pub struct CaseRow {
    pub id: String,
    pub number: String,
    pub name: String,
    pub sex: String,
    pub age: String,
    pub return_date: String,
    pub province: String,
    pub office: String,
    pub case_manager: String,
    pub stage: String,
    /// The survey round due or overdue, in words; empty when none is.
    pub due: String,
    pub overdue: bool,
    pub restricted: bool,
}

#[derive(Template)]
#[template(path = "cases_list.html")]
pub(super) struct CaseListPage {
    pub(super) c: Chrome,
    pub(super) filters: Vec<crate::forms::FieldView>,
    pub(super) q: String,
    /// The results fragment, rendered by its own template so htmx can ask for it alone.
    pub(super) results_html: String,
    pub(super) may_import: bool,
    /// May register cases: receiving one from a partner instance is registering.
    pub(super) may_receive: bool,
}

#[derive(Template)]
#[template(path = "cases_results.html")]
pub(super) struct CaseResults {
    pub(super) c: Chrome,
    pub(super) rows: Vec<CaseRow>,
    pub(super) summary: String,
    pub(super) prev: String,
    pub(super) next: String,
    pub(super) error: String,
    /// The export page for this list, for those who may export.
    pub(super) export_href: String,
}

pub(super) async fn offices_in_scope(
    state: &AppState,
    actor: &Actor,
) -> Result<Vec<Office>, AppError> {
    Ok(app::lookups::offices_in_scope(state, actor).await?)
}

pub(super) fn choices<T>(
    items: &[T],
    value: impl Fn(&T) -> String,
    label: impl Fn(&T) -> String,
    selected: &str,
    tr: &Tr,
) -> Vec<Choice> {
    let mut out = vec![Choice {
        value: String::new(),
        label: tr.t("choose-any"),
        selected: selected.is_empty(),
    }];
    out.extend(items.iter().map(|i| Choice {
        selected: value(i) == selected,
        value: value(i),
        label: label(i),
    }));
    out
}

pub async fn list(
    State(state): State<AppState>,
    tr: Tr,
    headers: HeaderMap,
    SignedIn(caller): SignedIn,
    Query(filters): Query<CaseFilters>,
) -> Result<Response, AppError> {
    let actor = caller.actor();
    let (query, problems) = app::cases::list_query(&actor, &filters)?;
    let page = if problems.is_empty() {
        Some(app::cases::list(&state, &query).await?)
    } else {
        None
    };
    let c = || Chrome::new(&state, tr.clone(), Some(&caller));
    let mut results = CaseResults {
        c: c(),
        rows: Vec::new(),
        summary: String::new(),
        prev: String::new(),
        next: String::new(),
        error: problems
            .0
            .iter()
            .map(|e| {
                format!(
                    "{}: {}",
                    tr.t(&format!("filter-{}", e.field.replace('_', "-"))),
                    tr.t(e.code)
                )
            })
            .collect::<Vec<_>>()
            .join(" "),
        export_href: if domain::authz::may_attempt(actor.role, Action::ExportPseudonymised) {
            format!("/cases/export{}", filters.with_place(None))
        } else {
            String::new()
        },
    };
    if let Some(page) = page {
        results.summary = if page.total_capped {
            tr.tn("cases-found-many", page.count_cap)
        } else {
            tr.tn("cases-found", page.total)
        };
        if let Some(first) = page.previous {
            results.prev = filters.with_place(Some(("before", first)));
        }
        if let Some(last) = page.next {
            results.next = filters.with_place(Some(("after", last)));
        }
        let due = app::cases::surveys_due(&state, &page).await?;
        results.rows = page
            .items
            .into_iter()
            .map(|s| CaseRow {
                due: due.get(&s.id).map_or_else(String::new, |r| {
                    tr.t2(
                        if r.state == domain::rss::RoundState::Overdue {
                            "due-survey-overdue"
                        } else {
                            "due-survey"
                        },
                        "round",
                        crate::pages::rss::round_name(&tr, r.round),
                        "date",
                        r.closes,
                    )
                }),
                overdue: due
                    .get(&s.id)
                    .is_some_and(|r| r.state == domain::rss::RoundState::Overdue),
                id: s.id.to_string(),
                number: s.number,
                // An anonymised case has no name left: it says so, rather than an empty link.
                name: match format!("{} {}", s.given_name, s.family_name).trim() {
                    "" => tr.t("case-anonymised-name"),
                    name => name.to_string(),
                },
                sex: tr.t_of("sex", s.sex.as_str()),
                age: s.age_at_return.map(|a| a.to_string()).unwrap_or_default(),
                return_date: s.return_date.to_string(),
                province: s.return_province,
                office: s.office_code,
                case_manager: s.case_manager_name.unwrap_or_default(),
                stage: tr.t_of("stage", s.stage.as_str()),
                restricted: s.restricted,
            })
            .collect();
    }
    // htmx asks for the results only.
    if headers.contains_key("hx-request") && !headers.contains_key("hx-boosted") {
        return render(&results);
    }
    let offices = offices_in_scope(&state, &actor).await?;
    let mut managers = app::lookups::case_managers(&state, &actor, None).await?;
    managers.sort_by(|a, b| tr.compare(&a.display_name, &b.display_name));
    let empty = HashMap::new();
    let b = FieldBuilder {
        tr: &tr,
        errors: &empty,
    };
    let mut filters_view = Vec::new();
    if offices.len() > 1 {
        let mut f = b.input("office", "select", &filters.office, false);
        f.label = tr.t("filter-office");
        f.choices = choices(
            &offices,
            |o| o.id.to_string(),
            |o| o.name.clone(),
            &filters.office,
            &tr,
        );
        filters_view.push(f);
    }
    let mut stage = b.select(
        "stage",
        &filters.stage,
        "stage",
        &names(CaseStage::ALL, CaseStage::as_str),
        false,
    );
    stage.label = tr.t("filter-stage");
    filters_view.push(stage);
    let mut cm = b.input("case_manager", "select", &filters.case_manager, false);
    cm.label = tr.t("filter-case-manager");
    cm.choices = choices(
        &managers,
        |u| u.id.to_string(),
        |u| u.display_name.clone(),
        &filters.case_manager,
        &tr,
    );
    filters_view.push(cm);
    let mut sex = b.select(
        "sex",
        &filters.sex,
        "sex",
        &names(Sex::ALL, Sex::as_str),
        false,
    );
    sex.label = tr.t("filter-sex");
    filters_view.push(sex);
    let mut province = b.input("province", "text", &filters.province, false);
    province.label = tr.t("filter-province");
    filters_view.push(province);
    let mut from = b.input("returned_from", "date", &filters.returned_from, false);
    from.label = tr.t("filter-returned-from");
    filters_view.push(from);
    let mut to = b.input("returned_to", "date", &filters.returned_to, false);
    to.label = tr.t("filter-returned-to");
    filters_view.push(to);
    let mut sort = b.select(
        "sort",
        &filters.sort,
        "sort",
        &CaseSort::ALL.map(CaseSort::as_str),
        false,
    );
    sort.label = tr.t("filter-sort");
    filters_view.push(sort);
    let mut order = b.select("order", &filters.order, "order", &["asc", "desc"], false);
    order.label = tr.t("filter-order");
    filters_view.push(order);
    render(&CaseListPage {
        c: c(),
        filters: filters_view,
        q: filters.q.clone(),
        results_html: askama::Template::render(&results)?,
        may_import: domain::authz::may_attempt(actor.role, Action::ImportRecords),
        may_receive: domain::authz::may_attempt(actor.role, Action::CreateCase),
    })
}
