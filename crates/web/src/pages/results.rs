//! The results framework (Module 5): programmes with their results and indicators, each
//! indicator tracked per period against its baseline and target, broken down by the handbook's
//! analysis variables; evaluations and lessons. Readers see figures only, and viewers never a
//! cell describing fewer than 5 people.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use domain::authz::{Action, Actor, Resource, authorize, small_cell_threshold};
use domain::community::Project;
use domain::me::{
    Axis, Evaluation, Indicator, Lesson, Period, Programme, ResultStatement, Shown, Source, Tally,
    Unit, progress, suppress,
};
use domain::structural::ActionProgress;
use serde::Deserialize;

use super::{Chrome, render, today};
use crate::AppState;
use crate::auth::SignedIn;
use crate::error::AppError;
use crate::i18n::Tr;
use app::community::{self as cm, Doc};
use app::results::{cm_list, figures, indicator_chain, programme_query, span};

fn number(v: Option<f64>) -> String {
    v.map(|x| {
        if x.fract() == 0.0 {
            format!("{x:.0}")
        } else {
            format!("{x:.1}")
        }
    })
    .unwrap_or_default()
}

// ---------------------------------------------------------------------------------------------
// One indicator

pub struct TrackRow {
    /// The records behind the figure, for readers allowed to see them.
    pub drill: String,
    pub period: String,
    pub group: String,
    pub actual: String,
    pub counted: String,
    pub progress: String,
    pub reported: bool,
}

#[derive(Template)]
#[template(path = "indicator_tracking.html")]
pub struct TrackingPage {
    c: Chrome,
    id: String,
    title: String,
    programme: String,
    programme_href: String,
    result: String,
    unit: String,
    baseline: String,
    target: String,
    frequency: String,
    source: String,
    rows: Vec<TrackRow>,
    axes: Vec<(String, String, bool)>,
    axis_label: String,
    suppressed_note: bool,
    edit_href: String,
    problem: String,
}

/// An indicator's tracking rows: per period (and group), the actual value, what was counted
/// and the progress to target; small cells hidden for viewers.
pub(crate) async fn track_rows(
    state: &AppState,
    tr: &Tr,
    actor: &Actor,
    ind: &Doc<Indicator>,
    programme: &Programme,
    axis: Option<Axis>,
) -> Result<Tracked, AppError> {
    let i = &ind.body;
    let (from, to) = span(programme, today());
    let threshold = small_cell_threshold(actor);
    // Records behind a figure: for staff who may list cases, for sources that are cases.
    let may_drill = authorize(actor, Action::ListCases, Resource::Programme).is_ok()
        && i.source
            .is_some_and(|s| matches!(s, Source::Surveys | Source::Cases | Source::Referrals));
    let mut rows = Vec::new();
    let mut problem = String::new();
    let mut suppressed_note = false;
    match i.computation() {
        Ok(Some(c)) => {
            let figures = figures(state, actor, &c, programme, axis).await?;
            for p in Period::between(c.frequency, from, to) {
                let label = p.label();
                let cells: Vec<(&Option<String>, &Tally)> = figures
                    .iter()
                    .filter(|((period, _), _)| *period == label)
                    .map(|((_, g), t)| (g, t))
                    .collect();
                let empty = Tally::default();
                // A period with no record: one row of 0, under no group.
                let nothing = cells.is_empty();
                let cells = if nothing {
                    vec![(&None, &empty)]
                } else {
                    cells
                };
                let split = domain::me::suppress_split(
                    &cells.iter().map(|(_, t)| t.population).collect::<Vec<_>>(),
                    threshold,
                );
                for ((group, t), split_hidden) in cells.into_iter().zip(split) {
                    let hidden =
                        split_hidden || matches!(suppress(*t, threshold), Shown::Suppressed);
                    let shown = if hidden {
                        Shown::Suppressed
                    } else {
                        Shown::Tally(*t)
                    };
                    let (actual, counted, prog) = match shown {
                        Shown::Suppressed => {
                            suppressed_note = true;
                            (
                                tr.t1("cell-suppressed", "n", threshold.unwrap_or(5)),
                                String::new(),
                                String::new(),
                            )
                        }
                        Shown::Tally(t) => {
                            let v = t.value(i.unit);
                            let prog = match (i.baseline, i.target, v, axis) {
                                (Some(b), Some(tg), Some(a), None) => progress(b, tg, a)
                                    .map(|x| format!("{x:.0} %"))
                                    .unwrap_or_default(),
                                _ => String::new(),
                            };
                            let counted = if i.unit == Unit::Percentage {
                                tr.t2(
                                    "tracking-counted",
                                    "numerator",
                                    t.numerator,
                                    "population",
                                    t.population,
                                )
                            } else {
                                String::new()
                            };
                            (
                                number(v)
                                    + if i.unit == Unit::Percentage && v.is_some() {
                                        " %"
                                    } else {
                                        ""
                                    },
                                counted,
                                prog,
                            )
                        }
                    };
                    let drill = if may_drill && !hidden && t.population > 0 {
                        let mut href =
                            format!("/results/indicators/{}/records?period={}", ind.id(), label);
                        if let Some(a) = axis {
                            // No group: the records whose group is not known.
                            href.push_str(&format!(
                                "&axis={}&group={}",
                                a.as_str(),
                                group
                                    .as_deref()
                                    .map(crate::records::encode)
                                    .unwrap_or_default()
                            ));
                        }
                        href
                    } else {
                        String::new()
                    };
                    rows.push(TrackRow {
                        drill,
                        period: label.clone(),
                        group: match (axis, group) {
                            (Some(a), Some(g)) => group_label(tr, a, g),
                            (Some(_), None) if !nothing => tr.t("not-recorded"),
                            _ => String::new(),
                        },
                        actual,
                        counted,
                        progress: prog,
                        reported: false,
                    });
                }
            }
        }
        Ok(None) => {
            for p in Period::between(i.frequency, from, to) {
                let label = p.label();
                let r = i.reported_for(&label);
                rows.push(TrackRow {
                    drill: String::new(),
                    group: String::new(),
                    actual: number(r.map(|r| r.value)),
                    counted: r.map(|r| r.evidence.clone()).unwrap_or_default(),
                    progress: match (i.baseline, i.target, r) {
                        (Some(b), Some(t), Some(r)) => progress(b, t, r.value)
                            .map(|x| format!("{x:.0} %"))
                            .unwrap_or_default(),
                        _ => String::new(),
                    },
                    reported: r.is_some(),
                    period: label,
                });
            }
        }
        Err(e) => {
            problem = super::messages(tr, &e);
        }
    }
    Ok(Tracked {
        rows,
        suppressed: suppressed_note,
        problem,
    })
}

pub(crate) struct Tracked {
    pub rows: Vec<TrackRow>,
    pub suppressed: bool,
    pub problem: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct TrackQuery {
    axis: String,
}

pub async fn tracking(
    State(state): State<AppState>,
    tr: Tr,
    SignedIn(caller): SignedIn,
    Path(id): Path<String>,
    Query(q): Query<TrackQuery>,
) -> Result<Response, AppError> {
    let actor = caller.actor();
    let (ind, result, programme) = indicator_chain(&state, &actor, &id).await?;
    let i = &ind.body;
    let axis = Axis::parse(&q.axis).filter(|a| i.axes.contains(a));
    let Tracked {
        rows,
        suppressed: suppressed_note,
        problem,
    } = track_rows(&state, &tr, &actor, &ind, &programme.body, axis).await?;
    render(&TrackingPage {
        c: Chrome::new(&state, tr.clone(), Some(&caller)),
        id: ind.id().to_string(),
        title: i.statement.clone(),
        programme: programme.body.name.clone(),
        programme_href: format!("/registry/programmes/{}", programme.id()),
        result: result.body.statement.clone(),
        unit: tr.t_of("unit", i.unit.as_str()),
        baseline: number(i.baseline),
        target: number(i.target),
        frequency: tr.t_of("frequency", i.frequency.as_str()),
        source: i
            .source
            .map(|s| tr.t_of("source", s.as_str()))
            .unwrap_or_else(|| tr.t("tracking-reported")),
        rows,
        axes: i
            .axes
            .iter()
            .map(|a| {
                (
                    a.as_str().to_string(),
                    tr.t_of("axis", a.as_str()),
                    Some(*a) == axis,
                )
            })
            .collect(),
        axis_label: axis
            .map(|a| tr.t_of("axis", a.as_str()))
            .unwrap_or_default(),
        suppressed_note,
        edit_href: format!("/registry/indicators/{}", ind.id()),
        problem,
    })
}

/// A group of an axis as people read it.
fn group_label(tr: &Tr, a: Axis, g: &str) -> String {
    match a {
        Axis::Sex => tr.t_of("sex", g),
        Axis::ReturnMode => tr.t_of("return-type", g),
        Axis::Round => tr.t_of("rss-round", g),
        Axis::Vulnerability | Axis::SameCommunity => tr.t_of("answer", g),
        Axis::Absence => tr.t_of("absence", g),
        Axis::Assistance => tr.t_of("assistance", g),
        _ => g.to_string(),
    }
}

// ---------------------------------------------------------------------------------------------
// The overview

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
    c: Chrome,
    programmes: Vec<ProgrammeView>,
    evaluations: Vec<ItemView>,
    lessons: Vec<ItemView>,
    can_manage: bool,
}

pub async fn hub(
    State(state): State<AppState>,
    tr: Tr,
    SignedIn(caller): SignedIn,
) -> Result<Response, AppError> {
    let actor = caller.actor();
    authorize(&actor, Action::ReadAggregates, Resource::Programme)?;
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
                let p = ActionProgress::of(e.body.action_points.iter(), today());
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
    })
}

// ---------------------------------------------------------------------------------------------
// The records behind a figure

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DrillQuery {
    period: String,
    axis: String,
    group: String,
}

pub struct DrillRow {
    pub href: String,
    pub number: String,
    pub name: String,
}

#[derive(Template)]
#[template(path = "indicator_records.html")]
pub struct DrillPage {
    c: Chrome,
    back: String,
    title: String,
    cell: String,
    rows: Vec<DrillRow>,
    hidden: String,
    limited: bool,
}

/// The most records listed behind one figure.
const DRILL_LIMIT: u32 = 500;

/// The cases behind one figure of an indicator, as far as the reader may open them; the others
/// are counted, not named.
pub async fn records(
    State(state): State<AppState>,
    tr: Tr,
    SignedIn(caller): SignedIn,
    Path(id): Path<String>,
    Query(q): Query<DrillQuery>,
) -> Result<Response, AppError> {
    let actor = caller.actor();
    authorize(&actor, Action::ListCases, Resource::Programme)?;
    let (ind, _, programme) = indicator_chain(&state, &actor, &id).await?;
    let (from, to) = span(&programme.body, today());
    let Ok(Some(c)) = ind.body.computation() else {
        return Err(AppError::new(crate::error::ErrorKind::NotFound));
    };
    if !matches!(
        c.source,
        Source::Surveys | Source::Cases | Source::Referrals
    ) {
        return Err(AppError::new(crate::error::ErrorKind::NotFound));
    }
    let Some(period) = Period::parse(&q.period).filter(|p| p.frequency == c.frequency) else {
        return Err(AppError::new(crate::error::ErrorKind::NotFound));
    };
    let axis = Axis::parse(&q.axis).filter(|a| ind.body.axes.contains(a));
    let scope = domain::authz::case_list_scope(&actor);
    // As the figure counted them: within the programme's dates, offices and countries.
    let query = programme_query(
        &state,
        &actor,
        &c,
        &programme.body,
        axis,
        (period.start.max(from), period.end().min(to)),
    )
    .await?;
    let group = (!q.group.is_empty()).then_some(q.group.as_str());
    let ids = state
        .store
        .tally_cases(&query, &period.label(), group, DRILL_LIMIT)
        .await?;
    let mut rows = Vec::new();
    let mut hidden = 0;
    for cid in &ids {
        let case = state.store.case(*cid).await?;
        if scope.is_some_and(|s| s.admits(&case.access())) {
            rows.push(DrillRow {
                href: format!("/cases/{}", case.id),
                number: case.number.to_string(),
                name: case.profile.full_name(),
            });
        } else {
            hidden += 1;
        }
    }
    render(&DrillPage {
        c: Chrome::new(&state, tr.clone(), Some(&caller)),
        back: format!("/results/indicators/{}", ind.id()),
        title: ind.body.statement.clone(),
        cell: match (axis, group) {
            (Some(a), Some(g)) => format!("{} · {}", period.label(), group_label(&tr, a, g)),
            _ => period.label(),
        },
        limited: ids.len() as u32 >= DRILL_LIMIT,
        rows,
        hidden: if hidden > 0 {
            tr.tn("drill-hidden", hidden as u64)
        } else {
            String::new()
        },
    })
}

// ---------------------------------------------------------------------------------------------
// The handbook's examples, ready to use

/// Adds, under a programme, the three outcomes of Table 5.4 with the handbook's example
/// indicators (and referrals to psychosocial support per month under the individual outcome).
pub async fn add_handbook_examples(
    State(state): State<AppState>,
    Path(id): Path<String>,
    super::CsrfForm { caller, .. }: super::CsrfForm<super::services::Posted>,
) -> Result<Response, AppError> {
    use domain::me::{InterventionLevel, ResultLevel, handbook_indicators};
    let actor = caller.actor();
    authorize(&actor, Action::ManageResults, Resource::Programme)?;
    let programme: Doc<Programme> = cm::get(&state, &actor, &id).await?;
    let outcomes = [
        (
            InterventionLevel::Individual,
            "Returnees have sufficient levels of economic self-sufficiency, social stability and psychosocial well-being in their community of return.",
            vec![
                "returnees_composite_at_least_half",
                "psychosocial_referrals",
            ],
        ),
        (
            InterventionLevel::Community,
            "Communities benefit from the design and implementation of community-based reintegration.",
            vec!["community_members_satisfied"],
        ),
        (
            InterventionLevel::Structural,
            "Local and national stakeholders have enhanced capacities to provide essential and reintegration-related services.",
            vec!["stakeholders_more_engaged"],
        ),
    ];
    let examples = handbook_indicators();
    for (level, statement, keys) in outcomes {
        let result = cm::save(
            &state,
            &actor,
            None,
            None,
            cm::Place {
                parent: Some(programme.id()),
                office: None,
            },
            ResultStatement {
                level: ResultLevel::Outcome,
                statement: statement.into(),
                intervention: Some(level),
                assumptions: vec![],
            },
        )
        .await?;
        for key in keys {
            let Some((_, unit, c, axes)) = examples.iter().find(|(k, ..)| *k == key) else {
                continue;
            };
            let lines = |cs: &[domain::me::Condition]| cs.iter().map(|c| c.to_line()).collect();
            cm::save(
                &state,
                &actor,
                None,
                None,
                cm::Place {
                    parent: Some(result.id()),
                    office: None,
                },
                Indicator {
                    statement: example_statement(key).into(),
                    unit: *unit,
                    source: Some(c.source),
                    counted: lines(&c.population),
                    numerator: lines(&c.numerator),
                    frequency: c.frequency,
                    axes: axes.clone(),
                    data_source: String::new(),
                    analysis: None,
                    responsible: String::new(),
                    baseline: None,
                    target: None,
                    reported: vec![],
                },
            )
            .await?;
        }
    }
    Ok(axum::response::Redirect::to("/results#programmes").into_response())
}

fn example_statement(key: &str) -> &'static str {
    match key {
        "returnees_composite_at_least_half" => {
            "Returnees who reach a composite reintegration score of 0.5 or more"
        }
        "community_members_satisfied" => {
            "Community members satisfied with community-based reintegration activities (%)"
        }
        "stakeholders_more_engaged" => "Stakeholders more engaged after support (%)",
        _ => "Referrals to psychosocial support",
    }
}

// ---------------------------------------------------------------------------------------------
// The framework as a spreadsheet

/// The programme's theory of change, results matrix (Table 5.3), results-monitoring framework
/// (Table 5.4) and tracking, as an `.xlsx` workbook. Viewers get the same small cells hidden.
pub async fn export(
    State(state): State<AppState>,
    tr: Tr,
    SignedIn(caller): SignedIn,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    use forms::xlsform::{Sheet, Workbook};
    let actor = caller.actor();
    let programme: Doc<Programme> = cm::get(&state, &actor, &id).await?;
    let mut results: Vec<Doc<ResultStatement>> =
        cm::list(&state, &actor, Some(programme.id())).await?;
    results.sort_by_key(|r| std::cmp::Reverse(r.body.level));
    let header = |ids: &[&str]| ids.iter().map(|i| tr.t(i)).collect::<Vec<_>>();
    let mut toc = vec![header(&[
        "field-level",
        "results-result",
        "field-intervention",
        "field-assumptions",
    ])];
    let mut matrix = vec![header(&[
        "results-result",
        "results-indicator",
        "field-data-source",
        "field-baseline",
        "field-target",
        "field-assumptions",
    ])];
    let mut rmf = vec![header(&[
        "results-result",
        "results-indicator",
        "field-unit",
        "field-source",
        "field-data-source",
        "field-analysis",
        "field-frequency",
        "field-responsible",
        "field-baseline",
        "field-target",
    ])];
    let mut tracking = vec![header(&[
        "results-indicator",
        "tracking-period",
        "tracking-actual",
        "tracking-detail",
        "tracking-progress",
    ])];
    for r in &results {
        let assumptions = r.body.assumptions.join("; ");
        toc.push(vec![
            tr.t_of("result-level", r.body.level.as_str()),
            r.body.statement.clone(),
            r.body
                .intervention
                .map(|l| tr.t_of("intervention-level", l.as_str()))
                .unwrap_or_default(),
            assumptions.clone(),
        ]);
        let indicators: Vec<Doc<Indicator>> = cm::list(&state, &actor, Some(r.id())).await?;
        if indicators.is_empty() {
            matrix.push(vec![
                r.body.statement.clone(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                assumptions.clone(),
            ]);
        }
        for i in &indicators {
            let b = &i.body;
            matrix.push(vec![
                r.body.statement.clone(),
                b.statement.clone(),
                b.data_source.clone(),
                number(b.baseline),
                number(b.target),
                assumptions.clone(),
            ]);
            rmf.push(vec![
                r.body.statement.clone(),
                b.statement.clone(),
                tr.t_of("unit", b.unit.as_str()),
                b.source
                    .map(|s| tr.t_of("source", s.as_str()))
                    .unwrap_or_else(|| tr.t("tracking-reported")),
                b.data_source.clone(),
                b.analysis
                    .map(|a| tr.t_of("analysis", a.as_str()))
                    .unwrap_or_default(),
                tr.t_of("frequency", b.frequency.as_str()),
                b.responsible.clone(),
                number(b.baseline),
                number(b.target),
            ]);
            for row in track_rows(&state, &tr, &actor, i, &programme.body, None)
                .await?
                .rows
            {
                tracking.push(vec![
                    b.statement.clone(),
                    row.period,
                    row.actual,
                    row.counted,
                    row.progress,
                ]);
            }
        }
    }
    let sheet = |name: &str, rows| Sheet {
        name: name.chars().take(31).collect(),
        rows,
    };
    let book = Workbook {
        sheets: vec![
            sheet(&tr.t("export-theory-of-change"), toc),
            sheet(&tr.t("export-results-matrix"), matrix),
            sheet(&tr.t("export-monitoring-framework"), rmf),
            sheet(&tr.t("tracking-title"), tracking),
        ],
    };
    let bytes = forms::xlsx::write(&book).map_err(AppError::internal)?;
    let name: String = programme
        .body
        .name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"results-{name}.xlsx\""),
            ),
        ],
        bytes,
    )
        .into_response())
}

// ---------------------------------------------------------------------------------------------
// Dashboards

pub struct MeansRow {
    pub round: String,
    pub surveys: String,
    pub economic: String,
    pub social: String,
    pub psychosocial: String,
    pub composite: String,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
pub struct DashboardPage {
    c: Chrome,
    caseload: crate::charts::CountChart,
    offices: crate::charts::CountChart,
    bands: Vec<crate::charts::CountChart>,
    means: Vec<MeansRow>,
    trajectory: Option<crate::charts::LineChart>,
    referrals: crate::charts::CountChart,
    providers: crate::charts::CountChart,
    projects: crate::charts::CountChart,
    participants: crate::charts::CountChart,
    overdue_visits: crate::charts::CountChart,
    overdue_surveys: crate::charts::CountChart,
    items: ItemTable,
    distribution: Distribution,
    answer_times: Vec<AnswerRow>,
    suppressed: bool,
}

/// How composite scores spread: returnees per tenth of the scale (rows) and round (columns).
pub struct Distribution {
    pub rounds: Vec<String>,
    pub rows: Vec<(String, Vec<String>)>,
}

/// Survey questions by province: the mean value of each question (0 to 1) from each returnee's
/// latest survey, with the support band it falls in.
pub struct ItemTable {
    pub provinces: Vec<(String, String)>,
    pub rows: Vec<(String, Vec<(String, &'static str)>)>,
}

pub struct AnswerRow {
    pub provider: String,
    pub sent: String,
    pub answered: String,
    pub median_days: String,
    pub waiting: String,
}

/// Programme dashboards, made on the server and printable: caseload by stage and office,
/// survey scores by round (bands and averages per dimension), referrals by status and provider,
/// community projects and who takes part. Viewers see no count below 5.
pub async fn dashboard(
    State(state): State<AppState>,
    tr: Tr,
    SignedIn(caller): SignedIn,
) -> Result<Response, AppError> {
    use crate::charts::CountChart;
    use domain::case::CaseStage;
    let actor = caller.actor();
    authorize(&actor, Action::ReadAggregates, Resource::Programme)?;
    let threshold = small_cell_threshold(&actor);
    let hiding = Hiding::new(
        threshold,
        tr.t1("cell-suppressed", "n", threshold.unwrap_or(5)),
    );
    let counts = state.store.case_counts(actor.office).await?;
    let mut by_stage: BTreeMap<CaseStage, u64> = BTreeMap::new();
    let mut by_office: BTreeMap<String, u64> = BTreeMap::new();
    for c in &counts {
        *by_stage.entry(c.stage).or_default() += c.count;
        *by_office.entry(c.office_code.clone()).or_default() += c.count;
    }
    let caseload = CountChart::new(
        "caseload",
        tr.t("dashboard-caseload-stage"),
        &hiding.bars(
            CaseStage::ALL
                .iter()
                .map(|s| {
                    (
                        tr.t_of("stage", s.as_str()),
                        by_stage.get(s).copied().unwrap_or(0),
                    )
                })
                .collect(),
        ),
    );
    let offices = CountChart::new(
        "offices",
        tr.t("dashboard-caseload-office"),
        &hiding.bars(by_office.into_iter().collect()),
    );

    // Survey scores: how many returnees fall in each support band, per round.
    let model = app::rss::active_model(state.store.as_ref())
        .await
        .map_err(AppError::internal)?;
    let (low, high) = super::rss::bands(&model);
    let summary = state
        .store
        .survey_summary(actor.office, (low, high))
        .await?;
    let bands: Vec<CountChart> = [
        "dashboard-band-intensive",
        "dashboard-band-standard",
        "dashboard-band-light",
    ]
    .iter()
    .enumerate()
    .map(|(i, key)| {
        CountChart::new(
            key,
            tr.t2(key, "low", low, "high", high),
            &hiding.bars(
                domain::rss::Round::ALL
                    .iter()
                    .map(|r| {
                        (
                            tr.t_of("rss-round", r.as_str()),
                            summary
                                .bands
                                .iter()
                                .find(|(round, _)| round == r)
                                .map_or(0, |(_, counts)| counts[i]),
                        )
                    })
                    .collect(),
            ),
        )
    })
    .collect();
    let round_means = &summary.means;
    let score = crate::charts::format_score;
    let mut means = Vec::new();
    for m in round_means {
        // Averages describe the returnees surveyed: hidden when they are fewer than 5.
        let hidden = domain::authz::is_small_cell(m.returnees, threshold);
        let surveys = hiding.show(m.surveys, hidden);
        let show = |v: Option<f64>| if hidden { String::new() } else { score(v) };
        means.push(MeansRow {
            round: tr.t_of("rss-round", m.round.as_str()),
            surveys,
            economic: show(m.economic),
            social: show(m.social),
            psychosocial: show(m.psychosocial),
            composite: show(m.composite),
        });
    }
    let shown: Vec<&store::RoundMeans> = round_means
        .iter()
        .filter(|m| threshold.is_none_or(|t| m.returnees >= t))
        .collect();
    let trajectory = (shown.len() >= 2).then(|| {
        crate::charts::LineChart::new(
            "dashboard-trajectory",
            tr.t("dashboard-trajectory"),
            super::rss::dimension_names(&tr),
            shown
                .iter()
                .map(|m| {
                    (
                        tr.t_of("rss-round", m.round.as_str()),
                        format!("n = {}", m.surveys),
                        [m.economic, m.social, m.psychosocial, m.composite],
                    )
                })
                .collect(),
            super::rss::bands(&model),
            super::rss::zone_labels(&tr),
        )
    });

    // Referrals, by status and by provider.
    let referrals = state
        .store
        .referrals(&store::ReferralFilter {
            case: None,
            provider: None,
            office: actor.office,
            case_manager: None,
            status: None,
        })
        .await?;
    let mut by_status: BTreeMap<String, u64> = BTreeMap::new();
    let mut by_provider: BTreeMap<String, u64> = BTreeMap::new();
    for r in &referrals {
        *by_status
            .entry(tr.t_of("referral-status", r.status.as_str()))
            .or_default() += 1;
        *by_provider.entry(r.provider_name.clone()).or_default() += 1;
    }
    let referrals_chart = CountChart::new(
        "referrals",
        tr.t("dashboard-referrals-status"),
        &hiding.bars(by_status.into_iter().collect()),
    );
    let providers = CountChart::new(
        "providers",
        tr.t("dashboard-referrals-provider"),
        &hiding.bars(by_provider.into_iter().collect()),
    );

    // Community projects and who takes part.
    let projects: Vec<Doc<Project>> = cm_list(&state, &actor).await?;
    let mut by_kind: BTreeMap<String, u64> = BTreeMap::new();
    let (mut returnees, mut members, mut women, mut men) = (0u64, 0u64, 0u64, 0u64);
    for p in &projects {
        *by_kind
            .entry(tr.t_of("project-kind", p.body.kind.as_str()))
            .or_default() += 1;
        let m = p.body.mix();
        returnees += m.returnees as u64;
        members += m.community_members as u64;
        women += m.women as u64;
        men += m.men as u64;
    }
    let projects_chart = CountChart::new(
        "projects",
        tr.t("dashboard-projects"),
        // Projects are not people: no cell is hidden.
        &Hiding::new(None, String::new()).bars(by_kind.into_iter().collect()),
    );
    let participants = CountChart::new(
        "participants",
        tr.t("dashboard-participants"),
        &hiding.bars(vec![
            (tr.t("mix-returnees"), returnees),
            (tr.t("mix-members"), members),
            (tr.t("mix-women"), women),
            (tr.t("mix-men"), men),
        ]),
    );
    let (overdue_visits, overdue_surveys) = overdue_charts(&state, &tr, &actor, &hiding).await?;
    let distribution = score_distribution(&tr, &summary.bins, &hiding);
    let items = item_table(&state, &actor, &hiding, &model).await?;
    let answer_times = answer_rows(&state, &actor, &hiding).await?;

    let suppressed = hiding.hid.load(std::sync::atomic::Ordering::Relaxed);
    render(&DashboardPage {
        c: Chrome::new(&state, tr.clone(), Some(&caller)),
        caseload,
        offices,
        bands,
        means,
        trajectory,
        referrals: referrals_chart,
        providers,
        projects: projects_chart,
        participants,
        overdue_visits,
        overdue_surveys,
        items,
        distribution,
        answer_times,
        suppressed,
    })
}

/// How small figures are hidden from the reader: below `threshold` people (viewers: 5), shown
/// as `text`. It remembers whether anything was hidden, for the page's note.
struct Hiding {
    threshold: Option<u64>,
    text: String,
    // Atomic only so that the page's future stays `Send` across awaits.
    hid: std::sync::atomic::AtomicBool,
}

impl Hiding {
    fn new(threshold: Option<u64>, text: String) -> Hiding {
        Hiding {
            threshold,
            text,
            hid: std::sync::atomic::AtomicBool::new(false),
        }
    }

    fn show(&self, n: u64, hidden: bool) -> String {
        if hidden {
            self.note(true);
            self.text.clone()
        } else {
            n.to_string()
        }
    }

    /// Something was left out without a placeholder (a column, an average).
    fn note(&self, hidden: bool) {
        if hidden {
            self.hid.store(true, std::sync::atomic::Ordering::Relaxed);
        }
    }

    /// The bars of one chart, a split of people: small bars are hidden, with a second one when
    /// only one would be (see `domain::me::suppress_split`).
    fn bars(&self, pairs: Vec<(String, u64)>) -> Vec<(String, u64, String, bool)> {
        let hidden = domain::me::suppress_split(
            &pairs.iter().map(|(_, n)| *n).collect::<Vec<_>>(),
            self.threshold,
        );
        pairs
            .into_iter()
            .zip(hidden)
            .map(|((label, n), h)| (label, n, self.show(n, h), h))
            .collect()
    }
}

/// Open cases with a follow-up visit overdue (by office) and with a survey round overdue (by
/// round), from the schedules the pathway uses.
async fn overdue_charts(
    state: &AppState,
    tr: &Tr,
    actor: &Actor,
    hiding: &Hiding,
) -> Result<(crate::charts::CountChart, crate::charts::CountChart), AppError> {
    use domain::pathway::followup::{self, VisitState};
    let today = today();
    let config = app::pathway::follow_up_config(state).await?;
    let mut late_visits: BTreeMap<String, u64> = BTreeMap::new();
    let mut late_rounds: BTreeMap<domain::rss::Round, u64> = BTreeMap::new();
    for f in state.store.follow_up_facts(actor.office).await? {
        let due = followup::schedule(config, f.plan_agreed, f.return_date, f.trafficking_victim);
        if followup::visit_states(&due, &f.visits, today)
            .iter()
            .any(|(_, s)| *s == VisitState::Overdue)
        {
            *late_visits.entry(f.office_code.clone()).or_default() += 1;
        }
        for r in domain::rss::schedule(f.return_date, today, &f.surveys) {
            if r.state == domain::rss::RoundState::Overdue {
                *late_rounds.entry(r.round).or_default() += 1;
            }
        }
    }
    Ok((
        crate::charts::CountChart::new(
            "overdue-visits",
            tr.t("dashboard-overdue-visits"),
            &hiding.bars(late_visits.into_iter().collect()),
        ),
        crate::charts::CountChart::new(
            "overdue-surveys",
            tr.t("dashboard-overdue-surveys"),
            &hiding.bars(
                late_rounds
                    .into_iter()
                    .map(|(r, n)| (tr.t_of("rss-round", r.as_str()), n))
                    .collect(),
            ),
        ),
    ))
}

/// The spread of composite scores per round; each round's column is one split of people.
fn score_distribution(tr: &Tr, bins: &[store::ScoreBin], hiding: &Hiding) -> Distribution {
    let rounds: Vec<domain::rss::Round> = domain::rss::Round::ALL
        .iter()
        .copied()
        .filter(|r| bins.iter().any(|b| b.round == *r))
        .collect();
    let columns: Vec<Vec<String>> = rounds
        .iter()
        .map(|r| {
            let counts: Vec<u64> = (0..10u8)
                .map(|t| {
                    bins.iter()
                        .filter(|b| b.round == *r && b.tenth == t)
                        .map(|b| b.returnees)
                        .sum()
                })
                .collect();
            let hidden = domain::me::suppress_split(&counts, hiding.threshold);
            counts
                .iter()
                .zip(hidden)
                .map(|(n, h)| hiding.show(*n, h))
                .collect()
        })
        .collect();
    Distribution {
        rounds: rounds
            .iter()
            .map(|r| tr.t_of("rss-round", r.as_str()))
            .collect(),
        rows: (0..10usize)
            .map(|t| {
                (
                    format!("{:.1}–{:.1}", t as f64 / 10.0, (t + 1) as f64 / 10.0),
                    columns.iter().map(|col| col[t].clone()).collect(),
                )
            })
            .collect(),
    }
}

/// Survey questions by province: a province's column is shown when it describes enough
/// returnees for the reader, a mean when enough of them answered.
async fn item_table(
    state: &AppState,
    actor: &Actor,
    hiding: &Hiding,
    model: &domain::rss::ScoringModel,
) -> Result<ItemTable, AppError> {
    let threshold = hiding.threshold;
    let item_means = state.store.item_means(actor.office).await?;
    let mut provinces: BTreeMap<String, u64> = BTreeMap::new();
    for m in &item_means {
        let n = provinces.entry(m.province.clone()).or_default();
        *n = (*n).max(m.returnees);
    }
    let provinces: Vec<(String, u64)> = provinces
        .into_iter()
        .filter(|(_, n)| threshold.is_none_or(|t| *n >= t))
        .collect();
    let cell_hidden = |m: &store::ItemMean| domain::authz::is_small_cell(m.answered, threshold);
    hiding.note(
        item_means
            .iter()
            .any(|m| threshold.is_some_and(|t| m.returnees < t) || cell_hidden(m)),
    );
    let mut questions: BTreeMap<u8, (String, BTreeMap<String, Option<f64>>)> = BTreeMap::new();
    for m in &item_means {
        let q = questions
            .entry(m.question)
            .or_insert_with(|| (m.name.clone(), BTreeMap::new()));
        q.1.insert(m.province.clone(), m.mean.filter(|_| !cell_hidden(m)));
    }
    let band_class =
        |v: Option<f64>| v.map_or("band-none", |x| super::rss::band_class(model.band(x)));
    let table = ItemTable {
        provinces: provinces
            .iter()
            .map(|(p, n)| (p.clone(), format!("n = {n}")))
            .collect(),
        rows: questions
            .into_iter()
            .map(|(q, (name, by_province))| {
                (
                    format!("Q{q} · {name}"),
                    provinces
                        .iter()
                        .map(|(p, _)| {
                            let v = by_province.get(p).copied().flatten();
                            (crate::charts::format_score(v), band_class(v))
                        })
                        .collect(),
                )
            })
            .collect(),
    };
    Ok(table)
}

/// How long each provider takes to answer referrals: sent, answered, the median days to the
/// first answer, and those still waiting.
async fn answer_rows(
    state: &AppState,
    actor: &Actor,
    hiding: &Hiding,
) -> Result<Vec<AnswerRow>, AppError> {
    let threshold = hiding.threshold;
    let mut by_provider: BTreeMap<String, (u64, Vec<f64>, u64)> = BTreeMap::new();
    for t in state.store.answer_times(actor.office).await? {
        let e = by_provider.entry(t.provider_name).or_default();
        e.0 += 1;
        match t.answered_at {
            Some(a) => {
                e.1.push((a - t.sent_at).as_seconds_f64().max(0.0) / 86_400.0)
            }
            None => e.2 += 1,
        }
    }
    let sent_hidden = domain::me::suppress_split(
        &by_provider.values().map(|(n, _, _)| *n).collect::<Vec<_>>(),
        threshold,
    );
    Ok(by_provider
        .into_iter()
        .zip(sent_hidden)
        .map(|((provider, (sent, days, waiting)), sent_hidden)| {
            let answered = days.len() as u64;
            // Answered and waiting split the referrals sent: hidden together when either is
            // small, as a percentage's numerator and complement are.
            let split = domain::me::suppress(
                Tally {
                    population: sent,
                    numerator: answered,
                },
                threshold,
            );
            let split_hidden = sent_hidden || split == domain::me::Shown::Suppressed;
            let median_shown = !split_hidden && threshold.is_none_or(|t| answered >= t);
            AnswerRow {
                provider,
                sent: hiding.show(sent, sent_hidden),
                answered: hiding.show(answered, split_hidden),
                median_days: if median_shown {
                    domain::me::median(&days)
                        .map(|d| format!("{d:.1}"))
                        .unwrap_or_default()
                } else {
                    String::new()
                },
                waiting: hiding.show(waiting, split_hidden),
            }
        })
        .collect())
}

/// One section of the terms of reference as printed.
pub struct TermsSection {
    pub title: String,
    /// Paragraphs or items; empty when the section is not written yet.
    pub lines: Vec<String>,
}

pub struct ChecklistStage {
    pub title: String,
    pub points: Vec<(String, String, String)>,
}

#[derive(Template)]
#[template(path = "evaluation_terms.html")]
pub struct TermsPage {
    c: Chrome,
    id: String,
    title: String,
    sections: Vec<TermsSection>,
    workplan: Vec<domain::me::WorkplanActivity>,
    stages: Vec<ChecklistStage>,
}

/// An evaluation's terms of reference in the order of the handbook's template (Annex 4.C),
/// followed by the whole checklist (Annex 4.D) with what has been marked. Printable.
pub async fn terms(
    State(state): State<AppState>,
    tr: Tr,
    SignedIn(caller): SignedIn,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    use domain::me::{CheckStage, CheckStatus, Evaluation, EvaluationCheck};
    let actor = caller.actor();
    let e: Doc<Evaluation> = cm::get(&state, &actor, &id).await?;
    let ev = &e.body;
    let paragraphs = crate::records::lines;
    let label = |f: &str| crate::records::label(&tr, f);
    let text = |f: &str, v: &str| TermsSection {
        title: label(f),
        lines: paragraphs(v),
    };
    let mut sections = vec![
        text("commissioned_by", &ev.commissioned_by),
        text("tor_context", &ev.tor_context),
        text("tor_purpose", &ev.tor_purpose),
        text("tor_scope", &ev.tor_scope),
        TermsSection {
            title: label("criteria"),
            lines: ev
                .criteria
                .iter()
                .map(|c| tr.t_of("evaluation-criterion", c.as_str()))
                .collect(),
        },
        text("tor_questions", &ev.tor_questions),
        text("tor_methodology", &ev.tor_methodology),
        TermsSection {
            title: label("tor_deliverables"),
            lines: ev
                .tor_deliverables
                .iter()
                .filter(|d| !d.trim().is_empty())
                .cloned()
                .collect(),
        },
    ];
    // The budget is optional in the template, and earlier records kept one text.
    for (f, v) in [
        ("tor_budget", &ev.tor_budget),
        ("terms_of_reference", &ev.terms_of_reference),
    ] {
        if !v.trim().is_empty() {
            sections.push(text(f, v));
        }
    }
    let stages = CheckStage::ALL
        .iter()
        .map(|stage| ChecklistStage {
            title: tr.t_of("check-stage", stage.as_str()),
            points: EvaluationCheck::ALL
                .iter()
                .filter(|p| p.stage() == *stage)
                .map(|p| {
                    let mark = ev.checklist.iter().find(|m| m.item == *p);
                    (
                        tr.t_of("evaluation-check", p.as_str()),
                        tr.t_of(
                            "check-status",
                            mark.map_or(CheckStatus::Open, |m| m.status).as_str(),
                        ),
                        mark.map(|m| {
                            [
                                m.on.map(|d| d.to_string()).unwrap_or_default(),
                                m.note.clone(),
                            ]
                            .iter()
                            .filter(|s| !s.is_empty())
                            .cloned()
                            .collect::<Vec<_>>()
                            .join(" · ")
                        })
                        .unwrap_or_default(),
                    )
                })
                .collect(),
        })
        .collect();
    render(&TermsPage {
        title: tr.t1("evaluation-tor-title", "title", &ev.title),
        c: Chrome::new(&state, tr.clone(), Some(&caller)),
        id: e.id().to_string(),
        sections,
        workplan: ev.workplan.clone(),
        stages,
    })
}
