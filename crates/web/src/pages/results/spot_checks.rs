//! Spot checks: the list with the form to draw one and the discrepancy rates across checks,
//! and one check with a verification form per item still to verify.

use super::*;
use crate::forms::{FieldBuilder, FieldView, error_map, summary_of};
use crate::pages::{CsrfForm, render_status};
use app::spot_checks::{self as spot, SpotCheckView};
use axum::http::StatusCode;
use domain::ValidationErrors;
use domain::me::spot_checks::{DiscrepancyRate, SpotKind, SpotOutcome};

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct SpotDrawForm {
    pub kind: String,
    pub share: String,
    pub days: String,
}

/// A row of rates (an office, a recorder, a check).
pub struct RateRow {
    pub name: String,
    pub href: String,
    pub confirmed: String,
    pub discrepancies: String,
    pub unreachable: String,
    pub pending: String,
    pub rate: String,
}

fn rate_row(tr: &Tr, name: String, href: String, r: &DiscrepancyRate) -> RateRow {
    let n = |v: usize| tr.number(v as i64);
    RateRow {
        name,
        href,
        confirmed: n(r.confirmed),
        discrepancies: n(r.discrepancies),
        unreachable: n(r.unreachable),
        pending: n(r.pending),
        rate: r
            .rate
            .map(|v| {
                tr.t1(
                    "percent",
                    "value",
                    tr.decimal((v * 1000.0).round() as i64, 1),
                )
            })
            .unwrap_or_else(|| "–".into()),
    }
}

fn rate_rows(tr: &Tr, m: &BTreeMap<String, DiscrepancyRate>) -> Vec<RateRow> {
    m.iter()
        .map(|(k, r)| rate_row(tr, k.clone(), String::new(), r))
        .collect()
}

fn check_title(tr: &Tr, v: &SpotCheckView) -> String {
    let r = &v.record;
    tr.t_args(
        "spot-check-name",
        &[
            ("kind", &tr.t_of("spot-kind", r.design.kind.as_str())),
            ("share", &r.design.share.to_string()),
            ("days", &r.design.days.to_string()),
            ("date", &tr.date(r.created_on.to_string())),
        ],
    )
}

#[derive(Template)]
#[template(path = "spot_checks.html")]
pub struct SpotChecksPage {
    pub c: Chrome,
    pub fields: Vec<FieldView>,
    pub summary: Vec<(String, String)>,
    pub checks: Vec<RateRow>,
    pub by_office: Vec<RateRow>,
    pub by_recorder: Vec<RateRow>,
}

async fn list_page(
    state: &AppState,
    tr: &Tr,
    caller: &crate::auth::Caller,
    form: &SpotDrawForm,
    errors: &ValidationErrors,
) -> Result<SpotChecksPage, AppError> {
    let views = spot::checks(state, &caller.actor()).await?;
    let (by_office, by_recorder) = spot::rates_across(&views);
    let map = error_map(tr, errors);
    let b = FieldBuilder { tr, errors: &map };
    let kinds: Vec<&str> = SpotKind::ALL.iter().map(|k| k.as_str()).collect();
    let or = |v: &str, d: &'static str| {
        if v.is_empty() {
            d.to_string()
        } else {
            v.to_string()
        }
    };
    // "kind" and "days" name other fields elsewhere: these carry their own words.
    let mut kind = b.select("kind", &form.kind, "spot-kind", &kinds, true);
    kind.label = tr.t("field-spot-kind");
    let mut days = b.input("days", "text", &or(&form.days, "30"), true);
    days.label = tr.t("field-spot-days");
    days.hint = tr.t("field-spot-days-hint");
    let fields = vec![
        kind,
        b.input("share", "text", &or(&form.share, "10"), true),
        days,
    ];
    Ok(SpotChecksPage {
        c: Chrome::new(state, tr.clone(), Some(caller)),
        summary: summary_of(&fields),
        fields,
        checks: views
            .iter()
            .map(|v| {
                rate_row(
                    tr,
                    check_title(tr, v),
                    format!("/results/spot-checks/{}", v.record.id),
                    &v.overall,
                )
            })
            .collect(),
        by_office: rate_rows(tr, &by_office),
        by_recorder: rate_rows(tr, &by_recorder),
    })
}

pub async fn spot_checks(
    State(state): State<AppState>,
    tr: Tr,
    SignedIn(caller): SignedIn,
) -> Result<Response, AppError> {
    let form = SpotDrawForm::default();
    render(&list_page(&state, &tr, &caller, &form, &ValidationErrors::new()).await?)
}

pub async fn draw_spot_check(
    State(state): State<AppState>,
    tr: Tr,
    CsrfForm { caller, form }: CsrfForm<SpotDrawForm>,
) -> Result<Response, AppError> {
    match spot::draw(&state, &caller.actor(), &form.kind, &form.share, &form.days).await {
        Ok(v) => Ok(
            axum::response::Redirect::to(&format!("/results/spot-checks/{}", v.record.id))
                .into_response(),
        ),
        Err(e) if e.kind == app::ErrorKind::Validation => {
            let page = list_page(&state, &tr, &caller, &form, &e.fields).await?;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(e.into()),
    }
}

/// An item of a check as shown, with its verification form when still pending.
pub struct ItemRow {
    pub n: usize,
    pub case_href: String,
    pub number: String,
    pub date: String,
    pub recorded_by: String,
    pub outcome: String,
    pub note: String,
    pub verified_by: String,
    pub pending: bool,
    pub action: String,
    pub choices: Vec<(String, String, bool)>,
    /// What this item's form said was wrong, and the note as typed.
    pub error: String,
    pub typed_note: String,
}

#[derive(Template)]
#[template(path = "spot_check.html")]
pub struct SpotCheckPage {
    pub c: Chrome,
    pub title: String,
    pub facts: Vec<(String, String)>,
    pub items: Vec<ItemRow>,
    pub by_office: Vec<RateRow>,
    pub by_recorder: Vec<RateRow>,
    pub summary: Vec<(String, String)>,
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct VerifyForm {
    pub outcome: String,
    pub note: String,
}

/// The check's page; `refused` is an item's refused verification (its id, the form as typed,
/// the errors).
async fn check_page(
    state: &AppState,
    tr: &Tr,
    caller: &crate::auth::Caller,
    id: &str,
    refused: Option<(uuid::Uuid, &VerifyForm, &ValidationErrors)>,
) -> Result<SpotCheckPage, AppError> {
    let v = spot::check(state, &caller.actor(), id).await?;
    let r = &v.record;
    let mut facts = vec![
        (
            tr.t("field-spot-kind"),
            tr.t_of("spot-kind", r.design.kind.as_str()),
        ),
        (tr.t("field-share"), format!("{}%", r.design.share)),
        (tr.t("field-spot-days"), tr.number(i64::from(r.design.days))),
        (
            tr.t("spot-drawn-of"),
            tr.t2(
                "sample-size-of",
                "size",
                tr.number(v.items.len() as i64),
                "population",
                tr.number(r.population as i64),
            ),
        ),
    ];
    facts.extend(super::samples::drawn_facts(
        tr,
        r.office_code.as_deref(),
        r.created_on,
        &r.created_by_name,
        r.seed,
    ));
    let mut summary = Vec::new();
    let items = v
        .items
        .iter()
        .enumerate()
        .map(|(n, i)| {
            let mine = refused.filter(|(item, _, _)| *item == i.item.item);
            let error = mine
                .map(|(_, _, e)| {
                    e.0.iter()
                        .map(|f| tr.t(f.code))
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .unwrap_or_default();
            if !error.is_empty() {
                summary.push((
                    format!("f-outcome-{n}"),
                    format!("{}: {error}", i.case_number),
                ));
            }
            let chosen = mine.map(|(_, f, _)| f.outcome.clone()).unwrap_or_default();
            ItemRow {
                n,
                case_href: format!("/cases/{}", i.item.case),
                number: i.case_number.clone(),
                date: tr.date(i.item.date.to_string()),
                recorded_by: i.recorded_by_name.clone().unwrap_or_default(),
                outcome: tr.t_of("spot-outcome", i.outcome.as_str()),
                note: i.note.clone().unwrap_or_default(),
                verified_by: i.verified_by_name.clone().unwrap_or_default(),
                pending: i.outcome == SpotOutcome::Pending,
                action: format!("/results/spot-checks/{}/items/{}", r.id, i.item.item),
                choices: SpotOutcome::ALL
                    .iter()
                    .filter(|o| **o != SpotOutcome::Pending)
                    .map(|o| {
                        (
                            o.as_str().to_string(),
                            tr.t_of("spot-outcome", o.as_str()),
                            chosen == o.as_str(),
                        )
                    })
                    .collect(),
                error,
                typed_note: mine.map(|(_, f, _)| f.note.clone()).unwrap_or_default(),
            }
        })
        .collect();
    Ok(SpotCheckPage {
        c: Chrome::new(state, tr.clone(), Some(caller)),
        title: check_title(tr, &v),
        facts,
        items,
        by_office: rate_rows(tr, &v.by_office),
        by_recorder: rate_rows(tr, &v.by_recorder),
        summary,
    })
}

pub async fn spot_check(
    State(state): State<AppState>,
    tr: Tr,
    SignedIn(caller): SignedIn,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    render(&check_page(&state, &tr, &caller, &id, None).await?)
}

/// Records a verification; a refused one comes back on the check's page with what was typed.
pub async fn verify_spot_item(
    State(state): State<AppState>,
    tr: Tr,
    Path((id, item)): Path<(String, String)>,
    CsrfForm { caller, form }: CsrfForm<VerifyForm>,
) -> Result<Response, AppError> {
    match spot::verify(
        &state,
        &caller.actor(),
        &id,
        &item,
        &form.outcome,
        &form.note,
    )
    .await
    {
        Ok(()) => Ok(
            axum::response::Redirect::to(&format!("/results/spot-checks/{id}#items"))
                .into_response(),
        ),
        Err(e) if e.kind == app::ErrorKind::Validation => {
            let item_id = item.parse().unwrap_or_default();
            let page =
                check_page(&state, &tr, &caller, &id, Some((item_id, &form, &e.fields))).await?;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(e.into()),
    }
}
