//! Monitoring samples: the list with the form to draw one (its formula shown with the
//! figures of the office), one sample with its coverage per stratum and its members, and the
//! top-up.

use super::*;
use crate::forms::{FieldBuilder, FieldView, error_map, summary_of};
use crate::pages::{CsrfForm, render_status};
use app::samples::{self as smp, DrawRequest, SampleView};
use axum::http::StatusCode;
use domain::ValidationErrors;
use domain::me::samples::{CONFIDENCE_LEVELS, Coverage, CoverageCounts, Design, Strata};
use domain::rss::Round;

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct DrawForm {
    pub label: String,
    pub round: String,
    pub strata: String,
    pub margin: String,
    pub confidence: String,
}

impl DrawForm {
    fn request(&self) -> DrawRequest {
        DrawRequest {
            label: self.label.clone(),
            round: self.round.clone(),
            strata: self.strata.clone(),
            margin: self.margin.clone(),
            confidence: self.confidence.clone(),
        }
    }
}

/// A sample in the list.
pub struct SampleRow {
    pub href: String,
    pub label: String,
    pub round: String,
    pub strata: String,
    pub drawn: String,
    pub size: String,
    pub coverage: CoverageCells,
}

/// Coverage figures as shown.
pub struct CoverageCells {
    pub name: String,
    pub members: String,
    pub reached: String,
    pub refused: String,
    pub unreachable: String,
    pub pending: String,
}

fn cells(tr: &Tr, name: String, c: &CoverageCounts) -> CoverageCells {
    let n = |v: usize| tr.number(v as i64);
    CoverageCells {
        name,
        members: n(c.total()),
        reached: n(c.reached),
        refused: n(c.refused),
        unreachable: n(c.unreachable),
        pending: n(c.pending),
    }
}

#[derive(Template)]
#[template(path = "samples.html")]
pub struct SamplesPage {
    pub c: Chrome,
    pub can_draw: bool,
    pub population: String,
    pub formula: String,
    pub fields: Vec<FieldView>,
    pub summary: Vec<(String, String)>,
    pub rows: Vec<SampleRow>,
}

/// A stratum as people read it.
fn stratum_label(tr: &Tr, strata: Strata, stratum: &str) -> String {
    match strata {
        Strata::None => tr.t("sample-stratum-all"),
        Strata::Office => stratum.to_string(),
        Strata::Sex => tr.t_of("sex", stratum),
        Strata::Assistance => stratum
            .split('+')
            .map(|k| label(tr, Axis::Assistance, k))
            .collect::<Vec<_>>()
            .join(" + "),
    }
}

/// The formula with this design's figures: "n₀ = 1.96² × 0.25 ÷ 0.05² = 384.2; n = … = 278".
fn formula(tr: &Tr, design: &Design, population: usize) -> String {
    use domain::me::sampling::{unlimited_size, z_value};
    let confidence = f64::from(design.confidence) / 100.0;
    let e = design.margin / 100.0;
    let (z, n0) = (z_value(confidence), unlimited_size(e, confidence));
    let dec = |v: f64, d: i16| tr.decimal((v * 10f64.powi(d.into())).round() as i64, d);
    tr.t_args(
        "sample-formula-figures",
        &[
            ("z", &dec(z, 3)),
            ("margin", &dec(e, 3)),
            ("n0", &dec(n0, 1)),
            ("population", &tr.number(population as i64)),
            ("size", &tr.number(design.size(population) as i64)),
        ],
    )
}

fn draw_fields(tr: &Tr, form: &DrawForm, errors: &ValidationErrors) -> Vec<FieldView> {
    let map = error_map(tr, errors);
    let b = FieldBuilder { tr, errors: &map };
    let rounds: Vec<&str> = Round::ALL.iter().map(|r| r.as_str()).collect();
    let strata: Vec<&str> = Strata::ALL.iter().map(|s| s.as_str()).collect();
    let levels: Vec<String> = CONFIDENCE_LEVELS.iter().map(|c| c.to_string()).collect();
    let levels: Vec<&str> = levels.iter().map(String::as_str).collect();
    let or = |v: &str, d: &'static str| {
        if v.is_empty() {
            d.to_string()
        } else {
            v.to_string()
        }
    };
    vec![
        b.input("label", "text", &form.label, true),
        b.select("round", &form.round, "rss-round", &rounds, true),
        b.select(
            "strata",
            &or(&form.strata, "none"),
            "sample-strata",
            &strata,
            true,
        ),
        b.input("margin", "text", &or(&form.margin, "5"), true),
        b.select(
            "confidence",
            &or(&form.confidence, "95"),
            "sample-confidence",
            &levels,
            true,
        ),
    ]
}

async fn samples_page(
    state: &AppState,
    tr: &Tr,
    caller: &crate::auth::Caller,
    form: &DrawForm,
    errors: &ValidationErrors,
) -> Result<SamplesPage, AppError> {
    let actor = caller.actor();
    let rows = smp::samples(state, &actor)
        .await?
        .into_iter()
        .map(|s| row(tr, s))
        .collect();
    let can_draw = authorize(&actor, Action::ManageResults, Resource::Programme).is_ok();
    let (population, formula_text, fields) = if can_draw {
        let n = smp::population(state, &actor).await?;
        let shown = Design::read(&form.round, &form.strata, &form.margin, &form.confidence)
            .unwrap_or(Design {
                round: Round::Intermediate,
                strata: Strata::None,
                margin: 5.0,
                confidence: 95,
            });
        (
            tr.tn("sample-population", n as u64),
            formula(tr, &shown, n),
            draw_fields(tr, form, errors),
        )
    } else {
        (String::new(), String::new(), Vec::new())
    };
    Ok(SamplesPage {
        c: Chrome::new(state, tr.clone(), Some(caller)),
        can_draw,
        population,
        formula: formula_text,
        summary: summary_of(&fields),
        fields,
        rows,
    })
}

fn row(tr: &Tr, s: SampleView) -> SampleRow {
    let r = &s.record;
    SampleRow {
        href: format!("/results/samples/{}", r.id),
        label: r.label.clone(),
        round: tr.t_of("rss-round", r.design.round.as_str()),
        strata: tr.t_of("sample-strata", r.design.strata.as_str()),
        drawn: tr.date(r.created_on.to_string()),
        size: tr.t2(
            "sample-size-of",
            "size",
            tr.number(r.size as i64),
            "population",
            tr.number(r.population as i64),
        ),
        coverage: cells(tr, String::new(), &s.coverage),
    }
}

/// The samples of the office, and for M&E officers the form to draw one.
pub async fn samples(
    State(state): State<AppState>,
    tr: Tr,
    SignedIn(caller): SignedIn,
) -> Result<Response, AppError> {
    let page = samples_page(
        &state,
        &tr,
        &caller,
        &DrawForm::default(),
        &ValidationErrors::new(),
    )
    .await?;
    render(&page)
}

/// Draws a sample and opens it; a design to fix comes back with what was typed.
pub async fn draw_sample(
    State(state): State<AppState>,
    tr: Tr,
    CsrfForm { caller, form }: CsrfForm<DrawForm>,
) -> Result<Response, AppError> {
    match smp::draw(&state, &caller.actor(), &form.request()).await {
        Ok(s) => Ok(
            axum::response::Redirect::to(&format!("/results/samples/{}", s.record.id))
                .into_response(),
        ),
        Err(e) if e.kind == app::ErrorKind::Validation => {
            let page = samples_page(&state, &tr, &caller, &form, &e.fields).await?;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(e.into()),
    }
}

/// Where a random draw (a sample, a spot check) was made, when, by whom and from what seed.
pub(super) fn drawn_facts(
    tr: &Tr,
    office_code: Option<&str>,
    on: time::Date,
    by: &str,
    seed: u64,
) -> Vec<(String, String)> {
    vec![
        (
            tr.t("sample-office"),
            office_code.map_or_else(|| tr.t("sample-all-offices"), str::to_string),
        ),
        (
            tr.t("sample-drawn"),
            tr.t2(
                "sample-drawn-by",
                "date",
                tr.date(on.to_string()),
                "name",
                by,
            ),
        ),
        (tr.t("sample-seed"), seed.to_string()),
    ]
}

pub struct MemberRow {
    pub case_href: String,
    pub number: String,
    pub stratum: String,
    pub draw: String,
    pub case_manager: String,
    pub coverage: String,
    pub pending: bool,
}

#[derive(Template)]
#[template(path = "sample.html")]
pub struct SamplePage {
    pub c: Chrome,
    pub label: String,
    pub facts: Vec<(String, String)>,
    pub formula: String,
    pub strata: Vec<CoverageCells>,
    pub total: CoverageCells,
    pub members: Vec<MemberRow>,
    pub can_draw: bool,
    pub top_up_href: String,
    pub added: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SampleQuery {
    /// How many replacements the top-up just drew.
    pub added: Option<usize>,
}

/// One sample: its design and formula, coverage per stratum, its members.
pub async fn sample(
    State(state): State<AppState>,
    tr: Tr,
    SignedIn(caller): SignedIn,
    Path(id): Path<String>,
    Query(q): Query<SampleQuery>,
) -> Result<Response, AppError> {
    let actor = caller.actor();
    let s = smp::sample(&state, &actor, &id).await?;
    let r = &s.record;
    let strata = r.design.strata;
    let mut facts = vec![
        (
            tr.t("field-round"),
            tr.t_of("rss-round", r.design.round.as_str()),
        ),
        (
            tr.t("field-strata"),
            tr.t_of("sample-strata", strata.as_str()),
        ),
        (
            tr.t("field-margin"),
            tr.t1(
                "sample-margin-points",
                "margin",
                tr.decimal((r.design.margin * 10.0).round() as i64, 1),
            ),
        ),
        (
            tr.t("field-confidence"),
            tr.t_of("sample-confidence", &r.design.confidence.to_string()),
        ),
    ];
    facts.extend(drawn_facts(
        &tr,
        r.office_code.as_deref(),
        r.created_on,
        &r.created_by_name,
        r.seed,
    ));
    let members = s
        .members
        .iter()
        .map(|m| MemberRow {
            case_href: if m.readable {
                format!("/cases/{}", m.member.case.id)
            } else {
                String::new()
            },
            number: if m.readable {
                m.member.case.number.clone()
            } else {
                tr.t("sample-restricted-case")
            },
            stratum: stratum_label(&tr, strata, &m.member.stratum),
            draw: if m.member.draw == 0 {
                tr.t("sample-first-draw")
            } else {
                tr.t1("sample-replacement", "draw", m.member.draw)
            },
            case_manager: m.member.case.case_manager_name.clone().unwrap_or_default(),
            coverage: tr.t_of("coverage", m.coverage.as_str()),
            pending: m.coverage == Coverage::Pending,
        })
        .collect();
    let page = SamplePage {
        c: Chrome::new(&state, tr.clone(), Some(&caller)),
        label: r.label.clone(),
        facts,
        formula: formula(&tr, &r.design, r.population),
        strata: s
            .by_stratum
            .iter()
            .map(|(k, c)| cells(&tr, stratum_label(&tr, strata, k), c))
            .collect(),
        total: cells(&tr, tr.t("sample-total"), &s.coverage),
        members,
        can_draw: authorize(&actor, Action::ManageResults, Resource::Programme).is_ok(),
        top_up_href: format!("/results/samples/{}/top-up", r.id),
        added: q
            .added
            .map(|n| tr.tn("sample-added", n as u64))
            .unwrap_or_default(),
    };
    render(&page)
}

/// Draws replacements for the members lost, then shows the sample with how many were added.
pub async fn top_up_sample(
    State(state): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { caller, .. }: CsrfForm<crate::forms::Posted>,
) -> Result<Response, AppError> {
    let (s, added) = smp::top_up(&state, &caller.actor(), &id).await?;
    Ok(axum::response::Redirect::to(&format!(
        "/results/samples/{}?added={added}#members",
        s.record.id
    ))
    .into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CoverageForm {
    pub coverage: String,
}

/// Records what became of a sampled returnee, from My work.
pub async fn record_coverage(
    State(state): State<AppState>,
    Path((case, sample)): Path<(String, String)>,
    CsrfForm { caller, form }: CsrfForm<CoverageForm>,
) -> Result<Response, AppError> {
    smp::record_coverage(&state, &caller.actor(), &sample, &case, &form.coverage).await?;
    Ok(axum::response::Redirect::to("/my-work#samples").into_response())
}
