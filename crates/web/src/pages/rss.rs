//! What the pages show of the Reintegration Sustainability Survey: on the case page the rounds
//! due, every survey with its scores and the trajectory chart; on a survey its scores, bands,
//! chart and the contribution of each indicator.

use domain::rss::{Band, Dimension, Round, RoundState, RoundStatus, Scores, ScoringModel};
use forms::Answers;
use store::{CaseRecord, RssScore, Submission, SubmissionStatus};

use crate::AppState;
use crate::charts::{BarChart, LineChart, Value, format_score};
use crate::error::AppError;
use crate::i18n::Tr;
use app::rss::{RSS_FORM, consent_refused, round_of};

pub struct ScoreCell {
    pub label: String,
    pub value: String,
    pub band: String,
    pub class: &'static str,
}

pub struct RoundRow {
    pub name: String,
    pub window: String,
    pub state: String,
    pub class: &'static str,
}

pub struct SurveyRow {
    pub id: String,
    pub date: String,
    pub round: String,
    pub interviewer: String,
    pub outcome: String,
    pub scores: Vec<ScoreCell>,
    pub low_accuracy: bool,
    pub dk_dwa_count: u32,
    pub own_case_manager: bool,
}

pub struct RssPanel {
    pub rounds: Vec<RoundRow>,
    pub surveys: Vec<SurveyRow>,
    pub chart: Option<LineChart>,
    /// Short summary for the top of the case page ("Intermediate survey due by …").
    pub due: String,
    pub can_start: bool,
}

pub struct BreakdownRow {
    pub question: String,
    pub name: String,
    pub answer: String,
    pub value: String,
    pub weights: String,
    pub cross_cutting: bool,
}

/// A completed (or stopped) survey's result, for its own page.
pub struct SurveyResult {
    pub outcome: String,
    pub round: String,
    pub scores: Vec<ScoreCell>,
    pub chart: Option<BarChart>,
    pub low_accuracy: bool,
    pub dk_dwa_count: u32,
    pub model: String,
    pub breakdown: Vec<BreakdownRow>,
}

pub fn round_name(tr: &Tr, r: Round) -> String {
    tr.t_of("rss-round", r.as_str())
}

pub(crate) fn band_class(b: Band) -> &'static str {
    match b {
        Band::Intensive => "band-intensive",
        Band::Standard => "band-standard",
        Band::Light => "band-light",
    }
}

pub fn dimension_names(tr: &Tr) -> [String; 4] {
    [
        tr.t("rss-economic"),
        tr.t("rss-social"),
        tr.t("rss-psychosocial"),
        tr.t("rss-composite"),
    ]
}

fn values(s: &Scores) -> [Option<f64>; 4] {
    [
        s.dimension(Dimension::Economic),
        s.dimension(Dimension::Social),
        s.dimension(Dimension::Psychosocial),
        s.composite,
    ]
}

pub fn zone_labels(tr: &Tr) -> [String; 3] {
    [
        tr.t("rss-zone-intensive"),
        tr.t("rss-zone-standard"),
        tr.t("rss-zone-light"),
    ]
}

/// Bands are read with the thresholds of the model in force, so a programme's own thresholds
/// show everywhere.
pub fn score_cells(tr: &Tr, model: &ScoringModel, s: &Scores) -> Vec<ScoreCell> {
    dimension_names(tr)
        .into_iter()
        .zip(values(s))
        .map(|(label, v)| {
            let band = v.map(|x| model.band(x));
            ScoreCell {
                label,
                value: format_score(tr, v),
                band: band
                    .map(|b| tr.t_of("rss-band", b.as_str()))
                    .unwrap_or_else(|| tr.t("rss-no-score")),
                class: band.map(band_class).unwrap_or(""),
            }
        })
        .collect()
}

pub fn bands(model: &ScoringModel) -> (f64, f64) {
    (model.bands.intensive_below, model.bands.light_above)
}

fn outcome(tr: &Tr, sub: &Submission, answers: &Answers, score: Option<&RssScore>) -> String {
    let key = match (sub.status, score) {
        (SubmissionStatus::Draft, _) => "in-progress",
        (SubmissionStatus::Interrupted, _) => "interrupted",
        (SubmissionStatus::Complete, Some(_)) => "scored",
        (SubmissionStatus::Complete, None) if consent_refused(answers) => "consent-refused",
        (SubmissionStatus::Complete, None) => "not-scored",
    };
    tr.t_of("rss-outcome", key)
}

/// A survey done by the returnee's own case manager (the handbook recommends someone else).
pub fn is_own_case_manager(case: &CaseRecord, sub: &Submission) -> bool {
    sub.form_id == RSS_FORM && case.case_manager == Some(sub.interviewer)
}

fn stored_answers(sub: &Submission) -> Answers {
    serde_json::from_str(&sub.answers).unwrap_or_default()
}

/// The returnee's scored surveys and the state of each scheduled round today.
async fn rounds(
    state: &AppState,
    case: &CaseRecord,
) -> Result<(Vec<RssScore>, Vec<RoundStatus>), AppError> {
    Ok(app::rss::rounds(state, case).await?)
}

pub async fn case_panel(
    state: &AppState,
    tr: &Tr,
    case: &CaseRecord,
    can_start: bool,
) -> Result<RssPanel, AppError> {
    let model = app::rss::scoring_model(state).await?;
    let (scored, statuses) = rounds(state, case).await?;
    let rounds: Vec<RoundRow> = statuses
        .iter()
        .map(|s| {
            let (state_text, class) = match s.state {
                RoundState::Done(d) => (tr.t1("rss-state-done", "date", d), "state-done"),
                RoundState::NotYet => {
                    (tr.t1("rss-state-not-yet", "date", s.opens), "state-not-yet")
                }
                RoundState::Due => (tr.t1("rss-state-due", "date", s.closes), "state-due"),
                RoundState::Overdue => (
                    tr.t1("rss-state-overdue", "date", s.closes),
                    "state-overdue",
                ),
                RoundState::Missed => (tr.t("rss-state-missed"), "state-missed"),
            };
            RoundRow {
                name: round_name(tr, s.round),
                window: tr.t2("rss-window", "from", s.opens, "to", s.closes),
                state: state_text,
                class,
            }
        })
        .collect();
    let due = statuses
        .iter()
        .find(|s| matches!(s.state, RoundState::Overdue | RoundState::Due))
        .map(|s| {
            let id = if s.state == RoundState::Overdue {
                "rss-summary-overdue"
            } else {
                "rss-summary-due"
            };
            tr.t2(id, "round", round_name(tr, s.round), "date", s.closes)
        })
        .unwrap_or_default();

    let subs: Vec<Submission> = app::rss::surveys_of(state, case).await?;
    let mut surveys: Vec<SurveyRow> = subs
        .iter()
        .map(|sub| {
            let score = scored.iter().find(|s| s.submission == sub.id);
            let answers = stored_answers(sub);
            SurveyRow {
                id: sub.id.to_string(),
                date: sub.interview_date.to_string(),
                round: round_name(
                    tr,
                    score.map(|s| s.round).unwrap_or_else(|| round_of(&answers)),
                ),
                interviewer: sub.interviewer_name.clone(),
                outcome: outcome(tr, sub, &answers, score),
                scores: score
                    .map(|s| score_cells(tr, &model, &s.scores))
                    .unwrap_or_default(),
                low_accuracy: score.is_some_and(|s| s.scores.low_accuracy),
                dk_dwa_count: score.map(|s| s.scores.dk_dwa_count).unwrap_or(0),
                own_case_manager: is_own_case_manager(case, sub),
            }
        })
        .collect();
    surveys.sort_by(|a, b| b.date.cmp(&a.date));
    let chart = (!scored.is_empty()).then(|| {
        LineChart::new(
            tr,
            "rss-trajectory",
            tr.t("rss-trajectory-title"),
            dimension_names(tr),
            scored
                .iter()
                .map(|s| {
                    (
                        s.interview_date.to_string(),
                        round_name(tr, s.round),
                        values(&s.scores),
                    )
                })
                .collect(),
            bands(&model),
            zone_labels(tr),
        )
    });
    Ok(RssPanel {
        rounds,
        surveys,
        chart,
        due,
        can_start,
    })
}

/// The result block of a survey's page; `None` for other forms and for drafts.
pub async fn survey_result(
    state: &AppState,
    tr: &Tr,
    sub: &Submission,
) -> Result<Option<SurveyResult>, AppError> {
    // A draft has no result yet: its page is the survey being filled.
    if sub.form_id != RSS_FORM || sub.status == SubmissionStatus::Draft {
        return Ok(None);
    }
    let model = app::rss::scoring_model(state).await?;
    let score = app::rss::score_of(state, sub).await?;
    let answers = stored_answers(sub);
    let round = score
        .as_ref()
        .map(|s| s.round)
        .unwrap_or_else(|| round_of(&answers));
    let mut result = SurveyResult {
        outcome: outcome(tr, sub, &answers, score.as_ref()),
        round: round_name(tr, round),
        scores: Vec::new(),
        chart: None,
        low_accuracy: false,
        dk_dwa_count: 0,
        model: String::new(),
        breakdown: Vec::new(),
    };
    if let Some(s) = score {
        let sc = &s.scores;
        result.scores = score_cells(tr, &model, sc);
        result.chart = Some(BarChart::new(
            tr,
            "rss-scores",
            tr.t1("rss-chart-title", "date", s.interview_date),
            dimension_names(tr)
                .into_iter()
                .zip(values(sc))
                .map(|(label, value)| Value { label, value })
                .collect(),
            bands(&model),
            zone_labels(tr),
        ));
        result.low_accuracy = sc.low_accuracy;
        result.dk_dwa_count = sc.dk_dwa_count;
        result.model = sc.model.clone();
        result.breakdown = sc
            .breakdown
            .0
            .iter()
            .map(|r| BreakdownRow {
                question: format!("Q{}", r.question),
                name: r.name.clone(),
                answer: if r.answer.is_empty() {
                    r.note.clone()
                } else if r.note.is_empty() {
                    r.answer.clone()
                } else {
                    format!("{} ({})", r.answer, r.note)
                },
                value: format_score(tr, r.value),
                weights: r
                    .weights
                    .iter()
                    .map(|(k, w)| format!("{} {w}", tr.t_of("rss-axis", k)))
                    .collect::<Vec<_>>()
                    .join(", "),
                cross_cutting: r.cross_cutting,
            })
            .collect();
    }
    Ok(Some(result))
}
