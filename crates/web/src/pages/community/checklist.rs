//! The programme's checklist

use super::*;

pub struct CriterionRow {
    pub key: String,
    pub label: String,
    pub source: String,
    pub custom: bool,
    pub weight: String,
    pub essential: bool,
    pub error: String,
}

#[derive(Template)]
#[template(path = "community_criteria.html")]
pub struct CriteriaPage {
    pub(super) c: Chrome,
    pub(super) rows: Vec<CriterionRow>,
    pub(super) shortlist_size: String,
    pub(super) shortlist_error: String,
    pub(super) new_label: String,
    pub(super) new_label_error: String,
    pub(super) has_errors: bool,
    pub(super) weights: Vec<String>,
    /// The stored checklist the form shows, and why it came back (someone else saved first).
    pub(super) based_on: String,
    pub(super) problem: String,
}

/// What the checklist form shows besides the criteria: as stored, or as typed when refused.
pub(super) struct CriteriaTyped {
    pub(super) shortlist_size: String,
    pub(super) new_label: String,
    pub(super) errors: ValidationErrors,
    /// The fingerprint of the stored checklist the form is based on.
    pub(super) based_on: String,
}

pub(super) fn criteria_page(
    state: &AppState,
    tr: &Tr,
    caller: &Caller,
    config: &SelectionConfig,
    typed: CriteriaTyped,
) -> CriteriaPage {
    let CriteriaTyped {
        shortlist_size: size_text,
        new_label,
        errors,
        based_on,
    } = typed;
    let errors = &errors;
    let msg = |f: &str| errors.for_field(f).map(|c| tr.t(c)).unwrap_or_default();
    CriteriaPage {
        c: Chrome::new(state, tr.clone(), Some(caller)),
        rows: config
            .criteria
            .iter()
            .map(|c| CriterionRow {
                key: c.key.clone(),
                label: criterion_label(tr, c),
                source: tr.t_of("criterion-source", c.source.as_str()),
                custom: c.source == CriterionSource::Programme,
                weight: c.weight.to_string(),
                essential: c.essential,
                error: [
                    msg(&format!("weight_{}", c.key)),
                    msg(&format!("label_{}", c.key)),
                ]
                .into_iter()
                .filter(|m| !m.is_empty())
                .collect::<Vec<_>>()
                .join(" "),
            })
            .collect(),
        shortlist_size: size_text,
        shortlist_error: msg("shortlist_size"),
        new_label_error: msg("new_label"),
        new_label,
        has_errors: !errors.is_empty(),
        weights: (0..=MAX_WEIGHT).map(|w| w.to_string()).collect(),
        based_on,
        problem: String::new(),
    }
}

pub async fn criteria(
    State(state): State<AppState>,
    tr: Tr,
    SignedIn(caller): SignedIn,
) -> Result<Response, AppError> {
    let config = cm::selection_config(&state).await?;
    render(&criteria_page(
        &state,
        &tr,
        &caller,
        &config,
        CriteriaTyped {
            shortlist_size: config.shortlist_size.to_string(),
            new_label: String::new(),
            errors: ValidationErrors::new(),
            based_on: cm::selection_fingerprint(&config),
        },
    ))
}

pub async fn save_criteria(
    State(state): State<AppState>,
    tr: Tr,
    CsrfForm { caller, form }: CsrfForm<Posted>,
) -> Result<Response, AppError> {
    let actor = caller.actor();
    let current = cm::selection_config(&state).await?;
    let mut read = ValidationErrors::new();
    let mut config = SelectionConfig {
        criteria: Vec::new(),
        shortlist_size: 0,
    };
    for c in &current.criteria {
        if c.source == CriterionSource::Programme
            && !form.get(&format!("remove_{}", c.key)).is_empty()
        {
            continue;
        }
        let weight = match form.get(&format!("weight_{}", c.key)).trim().parse::<u8>() {
            Ok(w) => w,
            Err(_) => {
                read.add(format!("weight_{}", c.key), "error-weight");
                c.weight
            }
        };
        config.criteria.push(Criterion {
            weight,
            essential: !form.get(&format!("essential_{}", c.key)).is_empty(),
            ..c.clone()
        });
    }
    let new_label = form.get("new_label").trim().to_string();
    if new_label.chars().count() > domain::case::MAX_SHORT_TEXT {
        read.add("new_label", "error-too-long");
    }
    let size_text = form.get("shortlist_size").trim().to_string();
    match size_text.parse::<u8>() {
        Ok(n) => config.shortlist_size = n,
        Err(_) => read.add("shortlist_size", "error-shortlist-size"),
    }
    // A refused form shows the new criterion in its box only, not also as a row (saving it
    // again would add it twice).
    let mut to_save = config.clone();
    if !new_label.is_empty() {
        to_save.criteria.push(Criterion {
            key: format!(
                "programme_{}",
                &uuid::Uuid::new_v4().simple().to_string()[..8]
            ),
            label: new_label.clone(),
            source: CriterionSource::Programme,
            weight: 1,
            essential: false,
        });
    }
    // Stale first: a checklist changed since may have rows this form lacks.
    let result = if form.get("based_on") != cm::selection_fingerprint(&current) {
        Err(AppError::new(ErrorKind::Conflict))
    } else if read.is_empty() {
        cm::save_selection_config(&state, &actor, to_save, form.get("based_on"))
            .await
            .map_err(AppError::from)
    } else {
        Err(AppError::validation(read))
    };
    let (status, problem, based_on, errors) = match result {
        Ok(()) => return Ok(Redirect::to("/communities").into_response()),
        // Saved by someone else since this form was loaded: shown again as typed, now based on
        // what is stored, to be checked and saved again.
        Err(e) if e.kind == ErrorKind::Conflict => {
            let stored = cm::selection_config(&state).await?;
            (
                StatusCode::CONFLICT,
                tr.t("error-stale-record"),
                cm::selection_fingerprint(&stored),
                ValidationErrors::new(),
            )
        }
        Err(e) if e.kind == ErrorKind::Validation => (
            StatusCode::UNPROCESSABLE_ENTITY,
            String::new(),
            form.get("based_on").to_string(),
            e.fields,
        ),
        Err(e) => return Err(e),
    };
    let page = CriteriaPage {
        problem,
        ..criteria_page(
            &state,
            &tr,
            &caller,
            &config,
            CriteriaTyped {
                shortlist_size: size_text,
                new_label,
                errors,
                based_on,
            },
        )
    };
    render_status(status, &page)
}
