//! One indicator

use super::*;

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
    pub(super) c: Chrome,
    pub(super) id: String,
    pub(super) title: String,
    pub(super) programme: String,
    pub(super) programme_href: String,
    pub(super) result: String,
    pub(super) unit: String,
    pub(super) baseline: String,
    pub(super) target: String,
    pub(super) frequency: String,
    pub(super) source: String,
    pub(super) rows: Vec<TrackRow>,
    pub(super) axes: Vec<(String, String, bool)>,
    pub(super) axis_label: String,
    pub(super) suppressed_note: bool,
    pub(super) edit_href: String,
    pub(super) problem: String,
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
    let (from, to) = span(programme, state.today());
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
                    .cells
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
                    let small = matches!(suppress(*t, threshold), Shown::Suppressed);
                    let hidden = split_hidden || small;
                    let shown = if hidden {
                        Shown::Suppressed
                    } else {
                        Shown::Tally(*t)
                    };
                    let (actual, counted, prog) = match shown {
                        Shown::Suppressed => {
                            suppressed_note = true;
                            (
                                // Small itself, or hidden only to protect a small one.
                                if small {
                                    tr.t1("cell-suppressed", "n", threshold.unwrap_or(5))
                                } else {
                                    tr.t("cell-hidden")
                                },
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
                                    .map(crate::forms::records::encode)
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
            problem = crate::pages::messages(tr, &e);
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
    pub(super) axis: String,
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
pub(super) fn group_label(tr: &Tr, a: Axis, g: &str) -> String {
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
