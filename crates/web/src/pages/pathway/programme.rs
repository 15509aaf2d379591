//! Programme: feasibility grid, follow-up rhythm, self-approval, unmet needs

use super::*;
use domain::language::Digits;

pub struct CriterionRow {
    pub level: &'static str,
    pub index: usize,
    pub text: String,
    pub holds: String,
    pub last_checked: String,
    pub recheck: bool,
}

pub struct GridRow {
    pub key: String,
    pub dimension: String,
    pub dimension_value: String,
    pub approach: String,
    pub delivery: String,
    pub delivery_value: String,
    pub useful_for: String,
    pub individual: String,
    pub community_text: String,
    pub structural_text: String,
    pub criteria: Vec<CriterionRow>,
    pub to_recheck: usize,
}

#[derive(Template)]
#[template(path = "programme.html")]
pub struct ProgrammePage {
    pub(super) c: Chrome,
    pub(super) grid: Vec<GridRow>,
    pub(super) dimensions: Vec<Opt>,
    pub(super) deliveries: Vec<Opt>,
    pub(super) settings_form: Vec<FieldView>,
    pub(super) offices: Vec<(String, String, bool)>,
    pub(super) notice: String,
    pub(super) errors: Vec<String>,
    pub(super) unmet: Vec<(String, String, String, String, String)>,
    /// Months closed cases are kept before anonymising (empty: kept).
    pub(super) retention: Vec<FieldView>,
}

pub(super) async fn programme_page(
    state: &AppState,
    tr: &Tr,
    caller: &Caller,
    notice: String,
    errors: Vec<String>,
) -> Result<ProgrammePage, AppError> {
    let today = state.today();
    let currency = app::programme::currency(state).await?;
    let digits = app::programme::arabic_digits(state).await?;
    let grid = app::lookups::feasibility_grid(state)
        .await?
        .into_iter()
        .map(|a| {
            let lines = |v: &[ContextCriterion]| {
                v.iter()
                    .map(|c| c.text.clone())
                    .collect::<Vec<_>>()
                    .join("\n")
            };
            let criteria: Vec<CriterionRow> = a
                .community
                .iter()
                .enumerate()
                .map(|(i, c)| ("community", i, c))
                .chain(
                    a.structural
                        .iter()
                        .enumerate()
                        .map(|(i, c)| ("structural", i, c)),
                )
                .map(|(level, index, c)| CriterionRow {
                    level,
                    index,
                    text: c.text.clone(),
                    holds: match c.holds {
                        Some(true) => "yes".into(),
                        Some(false) => "no".into(),
                        None => String::new(),
                    },
                    last_checked: c.last_checked.map(|d| d.to_string()).unwrap_or_default(),
                    recheck: c.needs_recheck(today),
                })
                .collect();
            GridRow {
                to_recheck: criteria.iter().filter(|c| c.recheck).count(),
                key: a.key.clone(),
                dimension: tr.t_of("dimension", a.dimension.as_str()),
                dimension_value: a.dimension.as_str().into(),
                approach: a.approach.clone(),
                delivery: tr.t_of("delivery", a.delivery.as_str()),
                delivery_value: a.delivery.as_str().into(),
                useful_for: a.useful_for.join("\n"),
                individual: a.individual.join("\n"),
                community_text: lines(&a.community),
                structural_text: lines(&a.structural),
                criteria,
            }
        })
        .collect();
    let config = pw::follow_up_config(state).await?;
    let retention_months = app::retention::retention_months(state)
        .await?
        .map(|m| m.to_string())
        .unwrap_or_default();
    let no_errors = HashMap::new();
    let fb = FieldBuilder {
        tr,
        errors: &no_errors,
    };
    let actor = caller.actor();
    let offices = app::lookups::offices_in_scope(state, &actor)
        .await?
        .into_iter()
        .map(|o| {
            (
                o.id.to_string(),
                format!("{} ({})", o.name, o.code),
                o.self_approval,
            )
        })
        .collect();
    let unmet = app::programme::unmet_needs(state, &actor)
        .await?
        .into_iter()
        .filter_map(|r| {
            let n: UnmetNeed = serde_json::from_str(&r.body).ok()?;
            Some((
                n.date.to_string(),
                tr.t_of("dimension", n.dimension.as_str()),
                n.need,
                tr.t_of("unmet-reason", n.reason.as_str()),
                format!("{} · {}", r.return_province, r.office_code),
            ))
        })
        .collect();
    Ok(ProgrammePage {
        c: Chrome::new(state, tr.clone(), Some(caller)),
        grid,
        dimensions: opts(tr, "dimension", &names(Dimension::ALL, Dimension::as_str)),
        deliveries: opts(tr, "delivery", &names(Delivery::ALL, Delivery::as_str)),
        settings_form: vec![
            fb.input(
                "midterm_months",
                "number",
                &config.midterm_months.to_string(),
                true,
            ),
            fb.input(
                "final_after_midterm_months",
                "number",
                &config.final_after_midterm_months.to_string(),
                true,
            ),
            fb.input("programme_currency", "text", &currency, false),
            fb.select(
                "programme_digits",
                digits.as_str(),
                "digits",
                &names(Digits::ALL, Digits::as_str),
                true,
            ),
        ],
        retention: vec![fb.input("retention_months", "number", &retention_months, false)],
        offices,
        notice,
        errors,
        unmet,
    })
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct RetentionForm {
    pub retention_months: String,
}

/// How long closed cases are kept before their personal data is removed.
pub async fn save_retention(
    State(state): State<AppState>,
    tr: Tr,
    CsrfForm { caller, form }: CsrfForm<RetentionForm>,
) -> Result<Response, AppError> {
    let actor = caller.actor();
    let saved = app::retention::set_retention_months(&state, &actor, &form.retention_months);
    match saved.await {
        Ok(()) => {
            let page =
                programme_page(&state, &tr, &caller, tr.t("retention-saved"), vec![]).await?;
            render(&page)
        }
        Err(app::Error {
            kind: app::ErrorKind::Validation,
            fields: e,
            ..
        }) => {
            let msgs = e.0.iter().map(|f| tr.t(f.code)).collect();
            let mut page = programme_page(&state, &tr, &caller, String::new(), msgs).await?;
            // What was typed stays in the field.
            if let Some(f) = page.retention.first_mut() {
                f.value = form.retention_months;
            }
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn programme(
    State(state): State<AppState>,
    tr: Tr,
    SignedIn(caller): SignedIn,
) -> Result<Response, AppError> {
    render(&programme_page(&state, &tr, &caller, String::new(), vec![]).await?)
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct GridForm {
    pub key: String,
    pub dimension: String,
    pub approach: String,
    pub delivery: String,
    pub useful_for: String,
    pub individual: String,
    pub community: String,
    pub structural: String,
    pub community_holds: Vec<String>,
    pub community_checked: Vec<String>,
    pub structural_holds: Vec<String>,
    pub structural_checked: Vec<String>,
}

use crate::forms::records::lines;

pub(super) fn slug(s: &str) -> String {
    let mut out = String::new();
    for ch in s.to_lowercase().chars() {
        if ch.is_ascii_alphanumeric() {
            out.push(ch);
        } else if !out.ends_with('_') && !out.is_empty() {
            out.push('_');
        }
    }
    out.trim_end_matches('_').chars().take(40).collect()
}

impl GridForm {
    pub(super) fn read(&self, e: &mut ValidationErrors) -> GridApproach {
        let criteria = |text: &str,
                        holds: &[String],
                        checked: &[String],
                        level: &str,
                        e: &mut ValidationErrors| {
            lines(text)
                .into_iter()
                .enumerate()
                .map(|(i, t)| ContextCriterion {
                    text: t,
                    holds: match at(holds, i) {
                        "yes" => Some(true),
                        "no" => Some(false),
                        _ => None,
                    },
                    last_checked: {
                        let raw = at(checked, i);
                        let d = parse_date(raw);
                        if d.is_none() && !raw.trim().is_empty() {
                            e.add(format!("{level}.{i}.last_checked"), "error-date-format");
                        }
                        d
                    },
                })
                .collect()
        };
        let dimension = read::choice(e, "dimension", &self.dimension, Dimension::parse, true);
        let delivery = read::choice(e, "delivery", &self.delivery, Delivery::parse, true);
        let key = if self.key.trim().is_empty() {
            slug(&self.approach)
        } else {
            self.key.trim().to_string()
        };
        if key.is_empty() {
            e.add("approach", "error-required");
        }
        GridApproach {
            key,
            dimension: dimension.unwrap_or(Dimension::Economic),
            approach: self.approach.trim().to_string(),
            delivery: delivery.unwrap_or(Delivery::Either),
            plan_kind: None,
            plan_modality: None,
            useful_for: lines(&self.useful_for),
            individual: lines(&self.individual),
            community: criteria(
                &self.community,
                &self.community_holds,
                &self.community_checked,
                "community",
                e,
            ),
            structural: criteria(
                &self.structural,
                &self.structural_holds,
                &self.structural_checked,
                "structural",
                e,
            ),
            source: None,
        }
    }
}

pub async fn save_grid(
    State(state): State<AppState>,
    tr: Tr,
    CsrfForm { caller, form }: CsrfForm<GridForm>,
) -> Result<Response, AppError> {
    let actor = caller.actor();
    let mut e = ValidationErrors::new();
    let approach = form.read(&mut e);
    if e.is_empty()
        && let Err(err) = app::programme::save_grid_approach(&state, &actor, approach).await
    {
        if err.kind != app::ErrorKind::Validation {
            return Err(err.into());
        }
        e.merge(err.fields);
    }
    if !e.is_empty() {
        let msgs =
            e.0.iter()
                .map(|f| format!("{} — {}: {}", form.approach, f.field, tr.t(f.code)))
                .collect();
        let page = programme_page(&state, &tr, &caller, String::new(), msgs).await?;
        return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
    }
    let page = programme_page(
        &state,
        &tr,
        &caller,
        tr.t1("grid-saved", "approach", form.approach.trim()),
        vec![],
    )
    .await?;
    render(&page)
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct SettingsForm {
    pub midterm_months: String,
    pub final_after_midterm_months: String,
    pub self_approval: Vec<String>,
    pub programme_currency: String,
    pub programme_digits: String,
}

pub async fn save_settings(
    State(state): State<AppState>,
    tr: Tr,
    CsrfForm { caller, form }: CsrfForm<SettingsForm>,
) -> Result<Response, AppError> {
    let actor = caller.actor();
    let config = FollowUpConfig {
        midterm_months: form.midterm_months.trim().parse().unwrap_or(0),
        final_after_midterm_months: form.final_after_midterm_months.trim().parse().unwrap_or(0),
    };
    let self_approval: Vec<domain::OfficeId> = form
        .self_approval
        .iter()
        .filter_map(|x| x.parse().ok())
        .collect();
    let saved = app::programme::save_settings(
        &state,
        &actor,
        config,
        &self_approval,
        &form.programme_currency,
        &form.programme_digits,
    );
    match saved.await {
        Ok(()) => {
            let digits = app::programme::arabic_digits(&state).await?;
            state
                .i18n
                .set_arabic_indic_digits(digits == Digits::ArabicIndic);
        }
        Err(app::Error {
            kind: app::ErrorKind::Validation,
            fields: e,
            ..
        }) => {
            let msgs =
                e.0.iter()
                    .map(|f| {
                        format!(
                            "{}: {}",
                            tr.t(&format!("field-{}", f.field.replace('_', "-"))),
                            tr.t(f.code)
                        )
                    })
                    .collect();
            let page = programme_page(&state, &tr, &caller, String::new(), msgs).await?;
            return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
        Err(e) => return Err(e.into()),
    }
    let page = programme_page(&state, &tr, &caller, tr.t("settings-saved"), vec![]).await?;
    render(&page)
}
