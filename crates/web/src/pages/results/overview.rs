//! The overview

use super::*;

pub struct IndicatorRow {
    pub href: String,
    pub statement: String,
    pub unit: String,
    pub source: String,
    pub frequency: String,
    pub responsible: String,
    pub baseline: String,
    pub target: String,
}

pub struct ResultRow {
    pub href: String,
    pub level: String,
    pub statement: String,
    pub assumptions: String,
    pub indicators: Vec<IndicatorRow>,
}

pub struct ProgrammeView {
    pub href: String,
    pub xlsx: String,
    /// The indicator values as CSV.
    pub csv: String,
    pub handbook: String,
    pub name: String,
    pub objective: String,
    pub dates: String,
    pub results: Vec<ResultRow>,
}

pub struct ItemView {
    pub href: String,
    pub title: String,
    pub facts: String,
}

#[derive(Template)]
#[template(path = "results.html")]
pub struct ResultsPage {
    pub(super) c: Chrome,
    pub(super) programmes: Vec<ProgrammeView>,
    pub(super) evaluations: Vec<ItemView>,
    pub(super) lessons: Vec<ItemView>,
    pub(super) can_manage: bool,
    /// May see monitoring samples (they name case numbers).
    pub(super) can_sample: bool,
    pub(super) can_spot_check: bool,
}

pub async fn hub(
    State(state): State<AppState>,
    tr: Tr,
    SignedIn(caller): SignedIn,
) -> Result<Response, AppError> {
    let actor = caller.actor();
    let mut programmes = Vec::new();
    let all: Vec<Doc<Programme>> = cm::list(&state, &actor, None).await?;
    for p in all {
        let mut results: Vec<Doc<ResultStatement>> = cm::list(&state, &actor, Some(p.id())).await?;
        // The matrix reads from the top: impact, outcomes, outputs, activities, inputs.
        results.sort_by_key(|r| std::cmp::Reverse(r.body.level));
        let mut rows = Vec::new();
        for r in results {
            let indicators: Vec<Doc<Indicator>> = cm::list(&state, &actor, Some(r.id())).await?;
            rows.push(ResultRow {
                href: format!("/registry/results/{}", r.id()),
                level: tr.t_of("result-level", r.body.level.as_str()),
                statement: r.body.statement.clone(),
                assumptions: r.body.assumptions.join("; "),
                indicators: indicators
                    .iter()
                    .map(|i| IndicatorRow {
                        href: format!("/results/indicators/{}", i.id()),
                        statement: i.body.statement.clone(),
                        unit: tr.t_of("unit", i.body.unit.as_str()),
                        source: i
                            .body
                            .source
                            .map(|s| tr.t_of("source", s.as_str()))
                            .unwrap_or_else(|| tr.t("tracking-reported")),
                        frequency: tr.t_of("frequency", i.body.frequency.as_str()),
                        responsible: i.body.responsible.clone(),
                        baseline: number(i.body.baseline),
                        target: number(i.body.target),
                    })
                    .collect(),
            });
        }
        programmes.push(ProgrammeView {
            href: format!("/registry/programmes/{}", p.id()),
            xlsx: format!("/results/programmes/{}/xlsx", p.id()),
            csv: format!("/results/programmes/{}/csv", p.id()),
            handbook: format!("/results/programmes/{}/handbook", p.id()),
            name: p.body.name.clone(),
            objective: p.body.objective.clone(),
            dates: format!(
                "{} – {}",
                p.body.start,
                p.body.end.map(|d| d.to_string()).unwrap_or_default()
            ),
            results: rows,
        });
    }
    let evaluations: Vec<Doc<Evaluation>> = cm::list(&state, &actor, None).await?;
    let lessons: Vec<Doc<Lesson>> = cm::list(&state, &actor, None).await?;
    render(&ResultsPage {
        c: Chrome::new(&state, tr.clone(), Some(&caller)),
        programmes,
        evaluations: evaluations
            .iter()
            .map(|e| {
                let p = ActionProgress::of(e.body.action_points.iter(), state.today());
                ItemView {
                    href: format!("/registry/evaluations/{}", e.id()),
                    title: e.body.title.clone(),
                    facts: format!(
                        "{} · {} · {}",
                        tr.t_of("evaluation-timing", e.body.timing.as_str()),
                        tr.t_of("conductor", e.body.conductor.as_str()),
                        tr.t2("actions-progress", "done", p.done, "total", p.total)
                    ),
                }
            })
            .collect(),
        lessons: lessons
            .iter()
            .map(|l| ItemView {
                href: format!("/registry/lessons/{}", l.id()),
                title: l.body.statement.clone(),
                facts: tr.t_of("lesson-source", l.body.source.as_str()),
            })
            .collect(),
        can_manage: authorize(&actor, Action::ManageResults, Resource::Programme).is_ok(),
        can_sample: authorize(&actor, Action::ListCases, Resource::Programme).is_ok(),
        can_spot_check: authorize(&actor, Action::ManageProgramme, Resource::Programme).is_ok(),
    })
}
