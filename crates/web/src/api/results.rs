//! The results framework in the JSON API: programmes with their results and indicators,
//! indicators' values per period and breakdown (figures only; small cells hidden for viewers),
//! and evaluations. Same functions and authorization as the pages.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use domain::authz::small_cell_threshold;
use domain::me::{
    Axis, Evaluation, Indicator, Period, Programme, ResultStatement, Shown, Tally, progress,
    suppress,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::ApiJson;
use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::AppError;
use app::community::{self as cm, Doc, Place};
use app::results::{figures, indicator_chain, span};

#[derive(Serialize, ToSchema)]
pub struct IndicatorJson {
    pub id: String,
    pub version: i64,
    #[serde(flatten)]
    pub indicator: Indicator,
}

#[derive(Serialize, ToSchema)]
pub struct ResultJson {
    pub id: String,
    pub version: i64,
    #[serde(flatten)]
    pub result: ResultStatement,
    pub indicators: Vec<IndicatorJson>,
}

/// A programme with its results framework.
#[derive(Serialize, ToSchema)]
pub struct ProgrammeJson {
    pub id: String,
    pub version: i64,
    #[serde(flatten)]
    pub programme: Programme,
    pub results: Vec<ResultJson>,
}

#[utoipa::path(get, path = "/api/v1/programmes", tag = "results framework",
    responses((status = 200, body = [ProgrammeJson]), (status = 403)))]
pub async fn programmes(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
) -> Result<Json<Vec<ProgrammeJson>>, AppError> {
    let actor = caller.actor();
    let all: Vec<Doc<Programme>> = cm::list(&state, &actor, None).await?;
    let mut out = Vec::new();
    for p in all {
        let mut results = Vec::new();
        let rs: Vec<Doc<ResultStatement>> = cm::list(&state, &actor, Some(p.id())).await?;
        for r in rs {
            let is: Vec<Doc<Indicator>> = cm::list(&state, &actor, Some(r.id())).await?;
            results.push(ResultJson {
                id: r.id().to_string(),
                version: r.rec.version,
                indicators: is
                    .into_iter()
                    .map(|i| IndicatorJson {
                        id: i.id().to_string(),
                        version: i.rec.version,
                        indicator: i.body,
                    })
                    .collect(),
                result: r.body,
            });
        }
        out.push(ProgrammeJson {
            id: p.id().to_string(),
            version: p.rec.version,
            programme: p.body,
            results,
        });
    }
    Ok(Json(out))
}

#[utoipa::path(post, path = "/api/v1/programmes", tag = "results framework",
    request_body = Programme,
    responses((status = 201, body = ProgrammeJson), (status = 403), (status = 422)))]
pub async fn create_programme(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(p): ApiJson<Programme>,
) -> Result<(StatusCode, Json<ProgrammeJson>), AppError> {
    let d = cm::save(&state, &caller.actor(), None, None, Place::default(), p).await?;
    Ok((
        StatusCode::CREATED,
        Json(ProgrammeJson {
            id: d.id().to_string(),
            version: d.rec.version,
            programme: d.body,
            results: Vec::new(),
        }),
    ))
}

/// One figure of an indicator.
#[derive(Serialize, ToSchema)]
pub struct ValueJson {
    pub period: String,
    /// The group of the breakdown asked for; `null` overall or when unknown.
    pub group: Option<String>,
    /// The value in the indicator's unit; `null` when hidden or not reported.
    pub value: Option<f64>,
    /// What was counted (records counted, and for a percentage those meeting it); `null` when
    /// hidden.
    pub tally: Option<Tally>,
    /// Progress from baseline to target, in per cent (overall figures only).
    pub progress: Option<f64>,
    /// Hidden because it describes fewer than 5 people.
    pub suppressed: bool,
}

/// An indicator's figures and where they were read from.
#[derive(Serialize, ToSchema)]
pub struct ValuesJson {
    pub values: Vec<ValueJson>,
    pub meta: ValuesMeta,
}

/// Where an indicator's figures were read from.
#[derive(Serialize, ToSchema)]
pub struct ValuesMeta {
    /// `tallies`: from counts kept up to date with every change, without reading the surveys;
    /// `tallies_and_records`: the same, but for `recounted_periods`, counted from the surveys
    /// (the programme's dates cut those periods); `records`: counted from the records, for the
    /// `reason` given; `reported`: typed in by hand.
    pub counted_from: String,
    pub recounted_periods: Vec<String>,
    pub reason: Option<String>,
}

impl ValuesMeta {
    fn of(counted: Option<store::Counted>) -> Self {
        let (counted_from, recounted_periods, reason) = match counted {
            None => ("reported", Vec::new(), None),
            Some(store::Counted::Tallies) => ("tallies", Vec::new(), None),
            Some(store::Counted::TalliesAndRecords { periods }) => {
                ("tallies_and_records", periods, None)
            }
            Some(store::Counted::Records { reason }) => ("records", Vec::new(), Some(reason)),
        };
        ValuesMeta {
            counted_from: counted_from.into(),
            recounted_periods,
            reason,
        }
    }
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct ValuesQuery {
    /// One of the indicator's breakdowns (`sex`, `age_band`, …).
    pub axis: String,
}

#[utoipa::path(get, path = "/api/v1/indicators/{record}/values", tag = "results framework",
    params(("record" = String, Path), ValuesQuery),
    responses((status = 200, body = ValuesJson), (status = 403), (status = 404)))]
pub async fn values(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
    Query(q): Query<ValuesQuery>,
) -> Result<Json<ValuesJson>, AppError> {
    let actor = caller.actor();
    let (ind, _, programme) = indicator_chain(&state, &actor, &id).await?;
    let i = &ind.body;
    let axis = Axis::parse(&q.axis).filter(|a| i.axes.contains(a));
    let (from, to) = span(&programme.body, state.today());
    let threshold = small_cell_threshold(&actor);
    let mut out = Vec::new();
    let mut counted = None;
    let prog = |v: Option<f64>| match (i.baseline, i.target, v) {
        (Some(b), Some(t), Some(a)) => progress(b, t, a),
        _ => None,
    };
    match i.computation().map_err(AppError::validation)? {
        Some(c) => {
            let figures = figures(&state, &actor, &c, &programme.body, axis).await?;
            counted = Some(figures.counted);
            for p in Period::between(c.frequency, from, to) {
                let label = p.label();
                let cells: Vec<(&(String, Option<String>), &Tally)> = figures
                    .cells
                    .iter()
                    .filter(|((p, _), _)| *p == label)
                    .collect();
                let any = !cells.is_empty();
                let split = domain::me::suppress_split(
                    &cells.iter().map(|(_, t)| t.population).collect::<Vec<_>>(),
                    threshold,
                );
                for (((period, group), t), split_hidden) in cells.into_iter().zip(split) {
                    let hidden =
                        split_hidden || matches!(suppress(*t, threshold), Shown::Suppressed);
                    let (tally, suppressed) = if hidden {
                        (None, true)
                    } else {
                        (Some(*t), false)
                    };
                    let value = tally.and_then(|t| t.value(i.unit));
                    out.push(ValueJson {
                        period: period.clone(),
                        group: group.clone(),
                        value,
                        tally,
                        progress: if axis.is_none() { prog(value) } else { None },
                        suppressed,
                    });
                }
                if !any {
                    let value = Tally::default().value(i.unit);
                    out.push(ValueJson {
                        period: label,
                        group: None,
                        value,
                        tally: Some(Tally::default()),
                        progress: prog(value),
                        suppressed: false,
                    });
                }
            }
        }
        None => {
            for p in Period::between(i.frequency, from, to) {
                let label = p.label();
                let value = i.reported_for(&label).map(|r| r.value);
                out.push(ValueJson {
                    period: label,
                    group: None,
                    value,
                    tally: None,
                    progress: prog(value),
                    suppressed: false,
                });
            }
        }
    }
    Ok(Json(ValuesJson {
        values: out,
        meta: ValuesMeta::of(counted),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct EvaluationJson {
    pub id: String,
    pub version: i64,
    #[serde(flatten)]
    pub evaluation: Evaluation,
}

#[utoipa::path(get, path = "/api/v1/evaluations", tag = "results framework",
    responses((status = 200, body = [EvaluationJson]), (status = 403)))]
pub async fn evaluations(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
) -> Result<Json<Vec<EvaluationJson>>, AppError> {
    let actor = caller.actor();
    let all: Vec<Doc<Evaluation>> = cm::list(&state, &actor, None).await?;
    let names = cm::may_see_participants(&actor);
    Ok(Json(
        all.into_iter()
            .map(|d| {
                let mut evaluation = d.body;
                if !names {
                    domain::structural::hide_owners(&mut evaluation.action_points);
                }
                EvaluationJson {
                    id: d.rec.id.to_string(),
                    version: d.rec.version,
                    evaluation,
                }
            })
            .collect(),
    ))
}

#[utoipa::path(post, path = "/api/v1/evaluations", tag = "results framework",
    request_body = Evaluation,
    responses((status = 201, body = EvaluationJson), (status = 403), (status = 422)))]
pub async fn create_evaluation(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(e): ApiJson<Evaluation>,
) -> Result<(StatusCode, Json<EvaluationJson>), AppError> {
    let actor = caller.actor();
    let d = cm::save(&state, &actor, None, None, Place::default(), e).await?;
    Ok((
        StatusCode::CREATED,
        Json(EvaluationJson {
            id: d.id().to_string(),
            version: d.rec.version,
            evaluation: d.body,
        }),
    ))
}
