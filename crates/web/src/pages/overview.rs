//! Aggregate counts of the caseload. Viewers (government, donors) see only this, with small
//! cells suppressed so that no one can be singled out.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use domain::authz::small_cell_threshold;
use domain::case::{CaseStage, Sex};

use super::{Chrome, render};
use crate::AppState;
use crate::auth::SignedIn;
use crate::error::AppError;
use crate::i18n::Tr;

pub struct Row {
    pub label: String,
    pub cells: Vec<String>,
    pub total: String,
}

#[derive(Template)]
#[template(path = "overview.html")]
struct OverviewPage {
    c: Chrome,
    stage_headers: Vec<String>,
    by_office: Vec<Row>,
    sex_headers: Vec<String>,
    by_sex: Vec<Row>,
    suppressed: bool,
    total: String,
}

type Counts<K> = BTreeMap<K, u64>;

/// Shows a count, or "fewer than N" when it is too small to show to this reader.
pub fn cell(tr: &Tr, n: u64, threshold: Option<u64>) -> String {
    match threshold {
        Some(t) if domain::authz::is_small_cell(n, threshold) => tr.t1("cell-suppressed", "n", t),
        _ => n.to_string(),
    }
}

pub async fn page(
    State(state): State<AppState>,
    tr: Tr,
    SignedIn(caller): SignedIn,
) -> Result<Response, AppError> {
    let actor = caller.actor();
    let threshold = small_cell_threshold(&actor);
    let counts = app::dashboards::caseload(&state, &actor).await?;
    let mut offices: BTreeMap<String, (Counts<CaseStage>, Counts<Sex>)> = BTreeMap::new();
    for c in &counts {
        let entry = offices.entry(c.office_code.clone()).or_default();
        *entry.0.entry(c.stage).or_default() += c.count;
        *entry.1.entry(c.sex).or_default() += c.count;
    }
    let total: u64 = counts.iter().map(|c| c.count).sum();
    let by_office = offices
        .iter()
        .map(|(office, (stages, _))| Row {
            label: office.clone(),
            cells: CaseStage::ALL
                .iter()
                .map(|s| cell(&tr, stages.get(s).copied().unwrap_or(0), threshold))
                .collect(),
            total: cell(&tr, stages.values().sum(), threshold),
        })
        .collect();
    let by_sex = offices
        .iter()
        .map(|(office, (_, sexes))| Row {
            label: office.clone(),
            cells: Sex::ALL
                .iter()
                .map(|s| cell(&tr, sexes.get(s).copied().unwrap_or(0), threshold))
                .collect(),
            total: cell(&tr, sexes.values().sum(), threshold),
        })
        .collect();
    render(&OverviewPage {
        c: Chrome::new(&state, tr.clone(), Some(&caller)),
        stage_headers: CaseStage::ALL
            .iter()
            .map(|s| tr.t_of("stage", s.as_str()))
            .collect(),
        by_office,
        sex_headers: Sex::ALL
            .iter()
            .map(|s| tr.t_of("sex", s.as_str()))
            .collect(),
        by_sex,
        suppressed: threshold.is_some(),
        total: cell(&tr, total, threshold),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn small_cells_are_hidden_from_viewers_only() {
        let tr = Tr::new(Arc::new(crate::i18n::I18n::load().unwrap()), "en".into());
        assert_eq!(cell(&tr, 3, Some(5)), "fewer than 5");
        assert_eq!(cell(&tr, 0, Some(5)), "0");
        assert_eq!(cell(&tr, 5, Some(5)), "5");
        assert_eq!(cell(&tr, 3, None), "3");
    }
}
