//! Dashboards

use super::*;

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
    pub(super) c: Chrome,
    pub(super) caseload: crate::charts::CountChart,
    pub(super) offices: crate::charts::CountChart,
    pub(super) bands: Vec<crate::charts::CountChart>,
    pub(super) means: Vec<MeansRow>,
    pub(super) trajectory: Option<crate::charts::LineChart>,
    pub(super) referrals: crate::charts::CountChart,
    pub(super) providers: crate::charts::CountChart,
    pub(super) projects: crate::charts::CountChart,
    pub(super) participants: crate::charts::CountChart,
    pub(super) overdue_visits: crate::charts::CountChart,
    pub(super) overdue_surveys: crate::charts::CountChart,
    pub(super) items: ItemTable,
    pub(super) distribution: Distribution,
    pub(super) answer_times: Vec<AnswerRow>,
    pub(super) suppressed: bool,
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
    let threshold = small_cell_threshold(&actor);
    let hiding = Hiding::new(
        threshold,
        tr.t1("cell-suppressed", "n", threshold.unwrap_or(5)),
        tr.t("cell-hidden"),
    );
    let counts = app::dashboards::caseload(&state, &actor).await?;
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
    let model = app::rss::scoring_model(&state).await?;
    let (low, high) = crate::pages::rss::bands(&model);
    let summary = app::dashboards::survey_summary(&state, &actor, (low, high)).await?;
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
        let show = |v: Option<f64>| if hidden { String::new() } else { score(&tr, v) };
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
            &tr,
            "dashboard-trajectory",
            tr.t("dashboard-trajectory"),
            crate::pages::rss::dimension_names(&tr),
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
            crate::pages::rss::bands(&model),
            crate::pages::rss::zone_labels(&tr),
        )
    });

    // Referrals, by status and by provider.
    let referrals = app::dashboards::referrals(&state, &actor).await?;
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
        &Hiding::new(None, String::new(), String::new()).bars(by_kind.into_iter().collect()),
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
    let items = item_table(&state, &tr, &actor, &hiding, &model).await?;
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
pub(super) struct Hiding {
    pub(super) threshold: Option<u64>,
    /// What a small count says ("fewer than 5").
    pub(super) text: String,
    /// What a count hidden to protect a small one says ("hidden").
    pub(super) protecting: String,
    // Atomic only so that the page's future stays `Send` across awaits.
    pub(super) hid: std::sync::atomic::AtomicBool,
}

impl Hiding {
    pub(super) fn new(threshold: Option<u64>, text: String, protecting: String) -> Hiding {
        Hiding {
            threshold,
            text,
            protecting,
            hid: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// A count as shown: the number, "fewer than N" when it is small, or "hidden" when it is
    /// hidden only to protect a small one.
    pub(super) fn show(&self, n: u64, hidden: bool) -> String {
        match (hidden, domain::authz::is_small_cell(n, self.threshold)) {
            (false, _) => n.to_string(),
            (true, small) => {
                self.note(true);
                if small {
                    self.text.clone()
                } else {
                    self.protecting.clone()
                }
            }
        }
    }

    /// Something was left out without a placeholder (a column, an average).
    pub(super) fn note(&self, hidden: bool) {
        if hidden {
            self.hid.store(true, std::sync::atomic::Ordering::Relaxed);
        }
    }

    /// The bars of one chart, a split of people: small bars are hidden, with a second one when
    /// only one would be (see `domain::me::suppress_split`).
    pub(super) fn bars(&self, pairs: Vec<(String, u64)>) -> Vec<(String, u64, String, bool)> {
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
pub(super) async fn overdue_charts(
    state: &AppState,
    tr: &Tr,
    actor: &Actor,
    hiding: &Hiding,
) -> Result<(crate::charts::CountChart, crate::charts::CountChart), AppError> {
    use domain::pathway::followup::{self, VisitState};
    let today = state.today();
    let config = app::pathway::follow_up_config(state).await?;
    let mut late_visits: BTreeMap<String, u64> = BTreeMap::new();
    let mut late_rounds: BTreeMap<domain::rss::Round, u64> = BTreeMap::new();
    for f in app::dashboards::follow_up_facts(state, actor).await? {
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
pub(super) fn score_distribution(
    tr: &Tr,
    bins: &[store::ScoreBin],
    hiding: &Hiding,
) -> Distribution {
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
pub(super) async fn item_table(
    state: &AppState,
    tr: &Tr,
    actor: &Actor,
    hiding: &Hiding,
    model: &domain::rss::ScoringModel,
) -> Result<ItemTable, AppError> {
    let threshold = hiding.threshold;
    let item_means = app::dashboards::item_means(state, actor).await?;
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
    let band_class = |v: Option<f64>| {
        v.map_or("band-none", |x| {
            crate::pages::rss::band_class(model.band(x))
        })
    };
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
                            (crate::charts::format_score(tr, v), band_class(v))
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
pub(super) async fn answer_rows(
    state: &AppState,
    actor: &Actor,
    hiding: &Hiding,
) -> Result<Vec<AnswerRow>, AppError> {
    let threshold = hiding.threshold;
    let mut by_provider: BTreeMap<String, (u64, Vec<f64>, u64)> = BTreeMap::new();
    for t in app::dashboards::answer_times(state, actor).await? {
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
    pub(super) c: Chrome,
    pub(super) id: String,
    pub(super) title: String,
    pub(super) sections: Vec<TermsSection>,
    pub(super) workplan: Vec<domain::me::WorkplanActivity>,
    pub(super) stages: Vec<ChecklistStage>,
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
    let paragraphs = crate::forms::records::lines;
    let label = |f: &str| crate::forms::records::label(&tr, f);
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
