//! One person, one case: the duplicates queue of a programme manager, the page that merges two
//! cases part by part, and undoing a merge. The use cases are `app::merges`.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use domain::ValidationErrors;
use domain::case::ReturneeProfile;
use domain::duplicates::merge::Side;
use serde::Deserialize;
use store::CaseRecord;

use super::cases::or_dash;
use super::{Chrome, CsrfForm, render, render_status};
use crate::AppState;
use crate::auth::SignedIn;
use crate::error::AppError;
use crate::i18n::Tr;

/// A case as the queue and the merge page show it.
pub struct CaseBrief {
    pub id: String,
    pub href: String,
    pub number: String,
    pub name: String,
    pub born: String,
    pub office: String,
    pub phone: String,
}

impl CaseBrief {
    fn of(tr: &Tr, c: &CaseRecord) -> Self {
        let p = &c.profile;
        Self {
            id: c.id.to_string(),
            href: format!("/cases/{}", c.id),
            number: c.number.to_string(),
            name: p.full_name(),
            born: born(tr, p),
            office: c.office.name.clone(),
            phone: or_dash(tr, &p.phone),
        }
    }
}

fn born(tr: &Tr, p: &ReturneeProfile) -> String {
    match (p.date_of_birth, p.age_at_return()) {
        (Some(d), _) => tr.date(d.to_string()),
        (None, Some(age)) => tr.t1("match-age-at-return", "age", age),
        (None, None) => tr.t("not-recorded"),
    }
}

/// How alike two records are, in percent (the registration warning says it the same way).
pub(crate) fn likeness(tr: &Tr, score: f64) -> String {
    tr.t1(
        "match-likeness-percent",
        "percent",
        tr.number((score * 100.0).round() as i64),
    )
}

pub struct PairRow {
    pub first: CaseBrief,
    pub second: CaseBrief,
    pub likeness: String,
    pub why: String,
    pub compare_href: String,
}

#[derive(Template)]
#[template(path = "duplicates.html")]
pub struct QueuePage {
    pub c: Chrome,
    pub pairs: Vec<PairRow>,
    /// When the queue was last built and from how much; empty before the first scan.
    pub last_scan: String,
}

pub async fn queue(
    State(state): State<AppState>,
    tr: Tr,
    SignedIn(caller): SignedIn,
) -> Result<Response, AppError> {
    let q = app::merges::queue(&state, &caller.actor()).await?;
    let last_scan = q
        .last_scan
        .map(|s| {
            tr.t_args(
                "duplicates-last-scan",
                &[
                    ("date", &tr.date(s.scanned_at.date().to_string())),
                    ("compared", &tr.number(s.compared as i64)),
                    ("found", &tr.number(s.found as i64)),
                ],
            )
        })
        .unwrap_or_default();
    let pairs = q
        .pairs
        .iter()
        .map(|p| PairRow {
            compare_href: format!("/cases/{}/merge?into={}", p.second.id, p.first.id),
            first: CaseBrief::of(&tr, &p.first),
            second: CaseBrief::of(&tr, &p.second),
            likeness: likeness(&tr, p.comparison.score),
            why: tr.duplicate_explanation(&p.comparison),
        })
        .collect();
    render(&QueuePage {
        c: Chrome::new(&state, tr, Some(&caller)),
        pairs,
        last_scan,
    })
}

pub async fn scan(
    State(state): State<AppState>,
    CsrfForm { caller, .. }: CsrfForm<super::Empty>,
) -> Result<Response, AppError> {
    app::merges::scan_now(&state, &caller.actor()).await?;
    Ok(Redirect::to("/duplicates").into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PairForm {
    pub first: String,
    pub second: String,
}

pub async fn distinct(
    State(state): State<AppState>,
    CsrfForm { caller, form }: CsrfForm<PairForm>,
) -> Result<Response, AppError> {
    app::merges::mark_distinct(&state, &caller.actor(), &form.first, &form.second).await?;
    Ok(Redirect::to("/duplicates").into_response())
}

/// The value of one part of a profile, in words.
fn part_value(tr: &Tr, p: &ReturneeProfile, part: &str) -> String {
    let list = |items: Vec<String>| {
        if items.is_empty() {
            tr.t("none-recorded")
        } else {
            items.join(", ")
        }
    };
    match part {
        "name" => p.full_name(),
        "sex" => tr.t_of("sex", p.sex.as_str()),
        "gender" => or_dash(tr, &p.gender),
        "birth" => born(tr, p),
        "nationality" => p.nationality.clone(),
        "return" => format!(
            "{} · {} · {}",
            tr.date(p.return_date.to_string()),
            p.returned_from,
            tr.t_of("return-type", p.return_type.as_str())
        ),
        "return_place" => [
            Some(p.return_country.clone()),
            Some(p.return_province.clone()),
            p.return_community.clone(),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" · "),
        "vulnerabilities" => list(
            p.vulnerabilities
                .iter()
                .map(|v| tr.t_of("vulnerability", v.as_str()))
                .collect(),
        ),
        "phone" => or_dash(tr, &p.phone),
        "email" => or_dash(tr, &p.email),
        "address" => or_dash(tr, &p.address),
        "preferred_language" => or_dash(tr, &p.preferred_language),
        "household" => list(
            p.household
                .iter()
                .map(|m| {
                    format!(
                        "{} ({})",
                        m.name,
                        tr.t_of("relationship", m.relationship.as_str())
                    )
                })
                .collect(),
        ),
        _ => String::new(),
    }
}

/// The label of a part: the words the case page uses for it.
fn part_label(tr: &Tr, part: &str) -> String {
    tr.t(match part {
        "name" => "field-name",
        "sex" => "field-sex",
        "gender" => "field-gender",
        "birth" => "field-date-of-birth",
        "nationality" => "field-nationality",
        "return" => "legend-return",
        "return_place" => "legend-place",
        "vulnerabilities" => "field-vulnerabilities",
        "phone" => "field-phone",
        "email" => "field-email",
        "address" => "field-address",
        "preferred_language" => "field-preferred-language",
        _ => "legend-household",
    })
}

pub struct PartRow {
    pub part: &'static str,
    pub label: String,
    pub survivor: String,
    pub merged: String,
    /// Only parts that differ are chosen.
    pub differs: bool,
    pub survivor_chosen: bool,
    pub error: String,
}

#[derive(Template)]
#[template(path = "merge.html")]
pub struct MergePage {
    pub c: Chrome,
    pub survivor: CaseBrief,
    pub merged: CaseBrief,
    pub versions: (i64, i64),
    pub likeness: String,
    pub why: String,
    pub parts: Vec<PartRow>,
    pub swap_href: String,
    pub summary: Vec<(String, String)>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct MergeQuery {
    pub into: String,
}

async fn merge_page(
    state: &AppState,
    tr: &Tr,
    caller: &crate::auth::Caller,
    merged: &str,
    into: &str,
    typed: &BTreeMap<String, String>,
    errors: &ValidationErrors,
) -> Result<MergePage, AppError> {
    let p = app::merges::preview(state, &caller.actor(), merged, into).await?;
    let mut summary = Vec::new();
    let parts = p
        .parts
        .iter()
        .map(|choice| {
            let field = format!("fields.{}", choice.part);
            let error = errors
                .0
                .iter()
                .find(|e| e.field == field)
                .map(|e| tr.t(e.code))
                .unwrap_or_default();
            if !error.is_empty() {
                summary.push((format!("part-{}", choice.part), error.clone()));
            }
            let survivor_chosen = match typed.get(choice.part).map(String::as_str) {
                Some("merged") => false,
                Some(_) => true,
                None => choice.default == Side::Survivor,
            };
            PartRow {
                part: choice.part,
                label: part_label(tr, choice.part),
                survivor: part_value(tr, &p.survivor.profile, choice.part),
                merged: part_value(tr, &p.merged.profile, choice.part),
                differs: choice.differs,
                survivor_chosen,
                error,
            }
        })
        .collect();
    Ok(MergePage {
        c: Chrome::new(state, tr.clone(), Some(caller)),
        versions: (p.merged.version, p.survivor.version),
        likeness: likeness(tr, p.comparison.score),
        why: tr.duplicate_explanation(&p.comparison),
        swap_href: format!("/cases/{}/merge?into={}", p.survivor.id, p.merged.id),
        survivor: CaseBrief::of(tr, &p.survivor),
        merged: CaseBrief::of(tr, &p.merged),
        parts,
        summary,
    })
}

pub async fn merge_form(
    State(state): State<AppState>,
    tr: Tr,
    SignedIn(caller): SignedIn,
    Path(id): Path<String>,
    Query(q): Query<MergeQuery>,
) -> Result<Response, AppError> {
    let page = merge_page(
        &state,
        &tr,
        &caller,
        &id,
        &q.into,
        &BTreeMap::new(),
        &ValidationErrors::new(),
    )
    .await?;
    render(&page)
}

/// The merge form as posted: `into`, the versions seen, and `part.<name>` = `survivor` or
/// `merged` for each part that differs.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct MergeForm {
    pub into: String,
    pub merged_version: String,
    pub survivor_version: String,
    #[serde(flatten)]
    pub rest: BTreeMap<String, String>,
}

pub async fn merge(
    State(state): State<AppState>,
    tr: Tr,
    Path(id): Path<String>,
    CsrfForm { caller, form }: CsrfForm<MergeForm>,
) -> Result<Response, AppError> {
    let fields: BTreeMap<String, String> = form
        .rest
        .iter()
        .filter_map(|(k, v)| k.strip_prefix("part.").map(|p| (p.to_string(), v.clone())))
        .collect();
    let versions = match (
        form.merged_version.parse::<i64>(),
        form.survivor_version.parse::<i64>(),
    ) {
        (Ok(m), Ok(s)) => Some((m, s)),
        _ => None,
    };
    let request = app::merges::MergeRequest {
        merged: id.clone(),
        into: form.into.clone(),
        fields: fields.clone(),
        versions,
    };
    match app::merges::merge(&state, &caller.actor(), request).await {
        Ok(record) => {
            Ok(Redirect::to(&format!("/cases/{}#merges", record.survivor)).into_response())
        }
        Err(e) if e.kind == app::ErrorKind::Validation => {
            let page =
                merge_page(&state, &tr, &caller, &id, &form.into, &fields, &e.fields).await?;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn undo(
    State(state): State<AppState>,
    Path(merge): Path<String>,
    CsrfForm { caller, .. }: CsrfForm<super::Empty>,
) -> Result<Response, AppError> {
    let record = app::merges::undo(&state, &caller.actor(), &merge).await?;
    Ok(Redirect::to(&format!("/cases/{}", record.merged)).into_response())
}

/// A merge into a case, as its page lists it.
pub struct MergeLine {
    pub text: String,
    pub undo_action: String,
}

/// The case page's list of merges into the case, with an undo button where it may be undone.
pub async fn merge_lines(
    state: &AppState,
    tr: &Tr,
    actor: &domain::authz::Actor,
    case: &CaseRecord,
) -> Result<Vec<MergeLine>, AppError> {
    let may_merge = domain::authz::authorize(
        actor,
        domain::authz::Action::MergeCases,
        domain::authz::Resource::Case(case.access()),
    )
    .is_ok();
    let merges = app::merges::merges_into(state, actor, case).await?;
    Ok(merges
        .iter()
        .map(|m| {
            let date = tr.date(m.merged_at.date().to_string());
            let text = match m.undone_at {
                Some(at) => tr.t_args(
                    "merge-line-undone",
                    &[
                        ("number", &m.merged_number),
                        ("date", &date),
                        ("undone", &tr.date(at.date().to_string())),
                    ],
                ),
                None => tr.t_args(
                    "merge-line",
                    &[("number", &m.merged_number), ("date", &date)],
                ),
            };
            MergeLine {
                text,
                undo_action: if may_merge && app::merges::undoable(state, m) {
                    format!("/merges/{}/undo", m.id)
                } else {
                    String::new()
                },
            }
        })
        .collect())
}
