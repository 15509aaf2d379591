//! The "what works" page: the change in RSS scores compared across kinds of assistance or
//! profiles, with the raw and the adjusted differences and a dot-and-interval chart per part.

use super::*;
use domain::me::outcomes::{LaterRound, Outcome, WHAT_WORKS_AXES};
use domain::me::stats::Interval;
use domain::me::what_works::{Comparison, GroupFigures};

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct WhatWorksForm {
    pub outcome: String,
    pub later: String,
    pub by: String,
    pub within: String,
}

/// One row of a part's table.
pub struct GroupRow {
    pub label: String,
    pub n: String,
    pub change: String,
    pub moved_up: String,
    pub baseline: String,
    pub adjusted: String,
}

/// A dot and its interval, drawn on one row of the chart.
pub struct Dot {
    pub label: String,
    pub y: f64,
    pub x: f64,
    pub low: f64,
    pub high: f64,
}

/// A dot-and-interval chart of a part's mean changes, around a line at no change.
pub struct IntervalChart {
    pub id: String,
    pub title: String,
    pub desc: String,
    pub width: f64,
    pub height: f64,
    pub left: f64,
    pub right: f64,
    pub zero: f64,
    pub ticks: Vec<(f64, String)>,
    pub dots: Vec<Dot>,
}

pub struct PartView {
    pub id: String,
    pub heading: String,
    pub reference: String,
    pub hidden: String,
    pub rows: Vec<GroupRow>,
    pub chart: Option<IntervalChart>,
}

#[derive(Template)]
#[template(path = "what_works.html")]
pub struct WhatWorksPage {
    pub c: Chrome,
    pub outcome: Vec<(String, String, bool)>,
    pub later: Vec<(String, String, bool)>,
    pub by: Vec<(String, String, bool)>,
    pub within: Vec<(String, String, bool)>,
    pub summary: Vec<(String, String)>,
    pub compared: String,
    pub excluded: String,
    pub parts: Vec<PartView>,
}

/// A change on the 0–1 scale in points out of 100, signed: "+4.2".
fn points(tr: &Tr, v: f64) -> String {
    let text = tr.decimal((v * 1000.0).round() as i64, 1);
    if v > 0.0 { format!("+{text}") } else { text }
}

fn with_interval(tr: &Tr, i: Interval) -> String {
    tr.t_args(
        "what-works-interval",
        &[
            ("estimate", &points(tr, i.estimate)),
            ("low", &points(tr, i.low)),
            ("high", &points(tr, i.high)),
        ],
    )
}

fn row(tr: &Tr, axis: Axis, g: &GroupFigures) -> GroupRow {
    GroupRow {
        label: label(tr, axis, &g.group),
        n: tr.number(g.n as i64),
        change: with_interval(tr, g.change),
        moved_up: tr.t1(
            "what-works-share",
            "share",
            tr.decimal((g.moved_up * 1000.0).round() as i64, 1),
        ),
        // In points out of 100, like the changes.
        baseline: tr.decimal((g.baseline_mean * 1000.0).round() as i64, 1),
        adjusted: g
            .adjusted
            .map_or_else(|| "–".to_string(), |a| with_interval(tr, a)),
    }
}

pub(super) fn label(tr: &Tr, axis: Axis, group: &str) -> String {
    match (axis, group) {
        (_, "unknown") => tr.t("not-recorded"),
        (Axis::Assistance, "cash" | "in_kind") => tr.t_of("what-works-grant", group),
        _ => group_label(tr, axis, group),
    }
}

fn chart(tr: &Tr, id: String, title: String, axis: Axis, c: &Comparison) -> Option<IntervalChart> {
    if c.groups.is_empty() {
        return None;
    }
    let (width, left, right, row_height) = (560.0, 190.0, 540.0, 28.0);
    let lowest = c.groups.iter().map(|g| g.change.low).fold(0.0, f64::min);
    let highest = c.groups.iter().map(|g| g.change.high).fold(0.0, f64::max);
    let span = (highest - lowest).max(0.02);
    let x = |v: f64| ((left + (v - lowest) / span * (right - left)) * 10.0).round() / 10.0;
    let mut ticks: Vec<(f64, String)> = [lowest, 0.0, highest]
        .iter()
        .map(|v| (x(*v), points(tr, *v)))
        .collect();
    // No change is often an end of the scale too: one label is enough.
    ticks.dedup_by(|a, b| a.0 == b.0);
    let dots: Vec<Dot> = c
        .groups
        .iter()
        .enumerate()
        .map(|(i, g)| Dot {
            label: label(tr, axis, &g.group),
            y: 24.0 + row_height * i as f64,
            x: x(g.change.estimate),
            low: x(g.change.low),
            high: x(g.change.high),
        })
        .collect();
    let desc = c
        .groups
        .iter()
        .map(|g| {
            format!(
                "{}: {}",
                label(tr, axis, &g.group),
                with_interval(tr, g.change)
            )
        })
        .collect::<Vec<_>>()
        .join("; ");
    Some(IntervalChart {
        id,
        title,
        desc,
        width,
        height: 24.0 + row_height * dots.len() as f64 + 20.0,
        left,
        right,
        zero: x(0.0),
        ticks,
        dots,
    })
}

fn choices<T: Copy + PartialEq>(
    all: &[T],
    chosen: Option<T>,
    name: impl Fn(T) -> &'static str,
    label: impl Fn(T) -> String,
) -> Vec<(String, String, bool)> {
    all.iter()
        .map(|v| (name(*v).to_string(), label(*v), Some(*v) == chosen))
        .collect()
}

pub async fn what_works(
    State(state): State<AppState>,
    tr: Tr,
    SignedIn(caller): SignedIn,
    Query(form): Query<WhatWorksForm>,
) -> Result<Response, AppError> {
    let actor = caller.actor();
    authorize(&actor, Action::ReadAggregates, Resource::Programme)?;
    let asked = app::what_works::Question::read(&form.outcome, &form.later, &form.by, &form.within);
    let q = asked.as_ref().ok().copied();
    let axis_label = |a: Axis| tr.t_of("axis", a.as_str());
    let mut within = vec![(
        String::new(),
        tr.t("what-works-within-none"),
        q.is_some_and(|q| q.within.is_none()),
    )];
    // Kinds of assistance overlap: they cannot split the returnees into parts.
    let profiles: Vec<Axis> = WHAT_WORKS_AXES
        .into_iter()
        .filter(|a| *a != Axis::Assistance)
        .collect();
    within.extend(choices(
        &profiles,
        q.and_then(|q| q.within),
        Axis::as_str,
        axis_label,
    ));
    let mut page = WhatWorksPage {
        c: Chrome::new(&state, tr.clone(), Some(&caller)),
        outcome: choices(Outcome::ALL, q.map(|q| q.outcome), Outcome::as_str, |o| {
            tr.t_of("what-works-outcome", o.as_str())
        }),
        later: choices(
            LaterRound::ALL,
            q.map(|q| q.later),
            LaterRound::as_str,
            |r| tr.t_of("rss-round", r.as_str()),
        ),
        by: choices(&WHAT_WORKS_AXES, q.map(|q| q.by), Axis::as_str, axis_label),
        within,
        summary: Vec::new(),
        compared: String::new(),
        excluded: String::new(),
        parts: Vec::new(),
    };
    let q = match asked {
        Ok(q) => q,
        Err(errors) => {
            let map = crate::forms::error_map(&tr, &errors);
            page.summary = errors
                .0
                .iter()
                .map(|e| {
                    (
                        format!("f-{}", e.field),
                        format!(
                            "{}: {}",
                            tr.t(&format!("what-works-{}", e.field)),
                            map.get(&e.field).cloned().unwrap_or_default()
                        ),
                    )
                })
                .collect();
            return crate::pages::render_status(
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                &page,
            );
        }
    };
    let answer = app::what_works::what_works(&state, &actor, q).await?;
    page.compared = match answer.observations {
        Some(n) => tr.tn("what-works-compared", n as u64),
        None => tr.t("what-works-compared-hidden"),
    };
    let count = |n: u64| tr.number(n as i64);
    page.excluded = tr.t_args(
        "what-works-excluded",
        &[
            ("low", &count(answer.excluded.low_accuracy_surveys)),
            ("later", &count(answer.excluded.without_later_survey)),
            ("baseline", &count(answer.excluded.without_baseline)),
        ],
    );
    for (i, part) in answer.parts.iter().enumerate() {
        let heading = match &part.within {
            Some(w) => tr.t1(
                "what-works-within-group",
                "group",
                label(&tr, q.within.unwrap_or(q.by), w),
            ),
            None => tr.t("what-works-everyone"),
        };
        let c = &part.comparison;
        page.parts.push(PartView {
            id: format!("part-{i}"),
            reference: c.reference.as_deref().map_or_else(String::new, |r| {
                tr.t1("what-works-reference", "group", label(&tr, q.by, r))
            }),
            hidden: if c.hidden > 0 {
                tr.t2(
                    "what-works-hidden",
                    "count",
                    c.hidden,
                    "min",
                    answer.min_group,
                )
            } else {
                String::new()
            },
            rows: c.groups.iter().map(|g| row(&tr, q.by, g)).collect(),
            chart: chart(
                &tr,
                format!("what-works-chart-{i}"),
                tr.t1("what-works-chart-title", "part", heading.clone()),
                q.by,
                c,
            ),
            heading,
        });
    }
    render(&page)
}
