//! Aggregate counts of the caseload. Viewers (government, donors) see only this, with small
//! cells suppressed so that no one can be singled out.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use domain::authz::small_cell_threshold;
use domain::case::{CaseStage, Sex};
use domain::disclosure::{Cell, Layout, protect};

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
    /// Some counts are hidden to protect a smaller one.
    secondary: bool,
    total: String,
}

type Counts<K> = BTreeMap<K, u64>;
/// One office's cases by stage and by sex.
type OfficeCounts = (Counts<CaseStage>, Counts<Sex>);

/// Shows a count, or "fewer than N" when it is too small to show to this reader.
pub fn cell(tr: &Tr, n: u64, threshold: Option<u64>) -> String {
    match threshold {
        Some(t) if domain::authz::is_small_cell(n, threshold) => tr.t1("cell-suppressed", "n", t),
        _ => n.to_string(),
    }
}

/// A protected count as the reader sees it: the number, "fewer than N" for a small one, or
/// "hidden" for one hidden to protect a small one.
pub fn shown(tr: &Tr, c: Cell, threshold: Option<u64>) -> String {
    match c {
        Cell::Shown(n) => n.to_string(),
        Cell::Small => tr.t1("cell-suppressed", "n", threshold.unwrap_or(5)),
        Cell::Hidden => tr.t("cell-hidden"),
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
    let mut offices: BTreeMap<String, OfficeCounts> = BTreeMap::new();
    for c in &counts {
        let entry = offices.entry(c.office_code.clone()).or_default();
        *entry.0.entry(c.stage).or_default() += c.count;
        *entry.1.entry(c.sex).or_default() += c.count;
    }
    // Offices by stage, and by sex: each with its office totals and the overall total, so
    // both tables are protected together (a total hidden in one is hidden in the other).
    let layout = Layout {
        row_totals: true,
        column_totals: false,
        grand_total: true,
        totals_known: false,
    };
    let table = |f: &dyn Fn(&OfficeCounts) -> Vec<u64>| {
        let rows: Vec<Vec<u64>> = offices.values().map(f).collect();
        protect(&rows, layout, threshold)
    };
    let mut stages = table(&|(s, _)| {
        CaseStage::ALL
            .iter()
            .map(|k| s.get(k).copied().unwrap_or(0))
            .collect()
    });
    let mut sexes = table(&|(_, s)| {
        Sex::ALL
            .iter()
            .map(|k| s.get(k).copied().unwrap_or(0))
            .collect()
    });
    for (a, b) in stages
        .row_totals
        .iter_mut()
        .zip(sexes.row_totals.iter_mut())
    {
        let hidden = [*a, *b].into_iter().find(|c| c.is_hidden());
        if let Some(h) = hidden {
            (*a, *b) = (h, h);
        }
    }
    let grand = [stages.grand_total, sexes.grand_total]
        .into_iter()
        .flatten()
        .find(|c| c.is_hidden())
        .or(stages.grand_total)
        .unwrap_or(Cell::Shown(0));
    let rows = |p: &domain::disclosure::Protected| -> Vec<Row> {
        offices
            .keys()
            .zip(p.cells.iter().zip(&p.row_totals))
            .map(|(office, (cells, total))| Row {
                label: office.clone(),
                cells: cells.iter().map(|c| shown(&tr, *c, threshold)).collect(),
                total: shown(&tr, *total, threshold),
            })
            .collect()
    };
    let by_office = rows(&stages);
    let by_sex = rows(&sexes);
    let secondary = stages.has_secondary() || sexes.has_secondary();
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
        secondary,
        total: shown(&tr, grand, threshold),
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
