//! Learning what works, in the JSON API: the change in RSS scores compared across kinds of
//! assistance or profiles, with the same use case and small-group rule as the page.

use axum::Json;
use axum::extract::{Query, State};
use domain::me::Axis;
use domain::me::outcomes::{Excluded, LaterRound, Outcome};
use domain::me::stats::Interval;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::AppError;
use crate::i18n::Tr;
use app::what_works::{Answer, Question, what_works as answer};

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct WhatWorksParams {
    /// `composite` (the default), `economic`, `social` or `psychosocial`.
    pub outcome: String,
    /// The survey compared with the baseline: `final` (the default) or `intermediate`.
    pub later: String,
    /// `assistance` (the default), `sex`, `age_band`, `vulnerability`, `return_mode`,
    /// `absence` or `province`.
    pub by: String,
    /// A second, profile axis: the comparison is made within each of its groups.
    pub within: String,
}

/// A difference with its 95% confidence interval.
#[derive(Serialize, ToSchema)]
pub struct IntervalJson {
    pub estimate: f64,
    pub low: f64,
    pub high: f64,
}

impl From<Interval> for IntervalJson {
    fn from(i: Interval) -> Self {
        IntervalJson {
            estimate: i.estimate,
            low: i.low,
            high: i.high,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct GroupJson {
    pub group: String,
    pub n: usize,
    /// The mean change in score (later minus baseline, on the 0–1 scale), with its t-interval.
    pub change: IntervalJson,
    /// The share (0–1) whose later survey is in a higher support band than their baseline.
    pub moved_up_share: f64,
    pub baseline_mean: f64,
    /// The difference in change from the comparison group (the reference; for assistance,
    /// those who did not receive it), baseline score and profile held equal by least squares.
    /// `null` for the reference and when the data cannot tell it apart.
    pub adjusted: Option<IntervalJson>,
}

#[derive(Serialize, ToSchema)]
pub struct PartJson {
    /// The group of the `within` axis; `null` without one.
    pub within: Option<String>,
    pub reference: Option<String>,
    /// Groups left out for having fewer returnees than `min_group`.
    pub hidden_groups: usize,
    pub groups: Vec<GroupJson>,
}

#[derive(Serialize, ToSchema)]
pub struct WhatWorksJson {
    pub outcome: Outcome,
    pub later: LaterRound,
    pub by: Axis,
    pub within: Option<Axis>,
    /// How the figures are made, in plain words, in the reader's language (`Accept-Language`).
    pub method: String,
    pub level: f64,
    pub min_group: usize,
    /// Returnees compared; `null` for a viewer when a group was left out.
    pub observations: Option<usize>,
    pub excluded: Excluded,
    pub parts: Vec<PartJson>,
}

impl WhatWorksJson {
    /// The answer, its method told in the reader's language.
    fn of(a: Answer, tr: &Tr) -> Self {
        WhatWorksJson {
            outcome: a.question.outcome,
            later: a.question.later,
            by: a.question.by,
            within: a.question.within,
            method: format!(
                "{} {}",
                tr.t("what-works-method"),
                tr.t("what-works-caution")
            ),
            level: a.level,
            min_group: a.min_group,
            observations: a.observations,
            excluded: a.excluded,
            parts: a
                .parts
                .into_iter()
                .map(|p| PartJson {
                    within: p.within,
                    reference: p.comparison.reference,
                    hidden_groups: p.comparison.hidden,
                    groups: p
                        .comparison
                        .groups
                        .into_iter()
                        .map(|g| GroupJson {
                            group: g.group,
                            n: g.n,
                            change: g.change.into(),
                            moved_up_share: g.moved_up,
                            baseline_mean: g.baseline_mean,
                            adjusted: g.adjusted.map(Into::into),
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}

#[utoipa::path(get, path = "/api/v1/what-works", tag = "results framework",
    params(WhatWorksParams),
    responses((status = 200, body = WhatWorksJson), (status = 401), (status = 403), (status = 422)))]
pub async fn what_works(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    tr: Tr,
    Query(p): Query<WhatWorksParams>,
) -> Result<Json<WhatWorksJson>, AppError> {
    let q = Question::read(&p.outcome, &p.later, &p.by, &p.within).map_err(AppError::validation)?;
    let a = answer(&state, &caller.actor(), q).await?;
    Ok(Json(WhatWorksJson::of(a, &tr)))
}
