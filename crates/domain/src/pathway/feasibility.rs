//! The feasibility grid (Module 1 §1.4.3, Module 2 §2.3.1, Annex 5): the approaches a
//! programme can offer or refer to, the situations each suits, and the individual, community
//! and structural criteria that should hold before choosing it. The grid suggests; the case
//! manager and the returnee decide.

use serde::{Deserialize, Serialize};
use time::Date;

use crate::case::named_enum;
use crate::rss::add_months;
use crate::validation::ValidationErrors;

use super::{Dimension, check_long, check_short};

/// The programme's grid as shipped: the handbook's Annex 5 example, in our words.
pub const DEFAULT_GRID: &str = include_str!("../../../../instruments/feasibility-grid.toml");

/// Community and structural criteria older than this are flagged for a new check.
pub const RECHECK_MONTHS: u32 = 12;

named_enum!(
    /// How the programme delivers an approach.
    Delivery { Direct = "direct", Referral = "referral", Either = "either" }
);

/// A criterion about the community or the country, checked once for the programme.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ContextCriterion {
    pub text: String,
    /// `None` until someone checks it.
    #[serde(default)]
    pub holds: Option<bool>,
    #[serde(default, with = "crate::case::opt_date")]
    #[schema(value_type = Option<String>, format = Date)]
    pub last_checked: Option<Date>,
}

impl ContextCriterion {
    pub fn needs_recheck(&self, today: Date) -> bool {
        self.last_checked
            .is_none_or(|d| add_months(d, RECHECK_MONTHS) < today)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct GridApproach {
    pub key: String,
    pub dimension: Dimension,
    pub approach: String,
    pub delivery: Delivery,
    /// What the approach becomes in a plan: its kind of assistance, and how it is given (a
    /// cash or in-kind grant takes payments). Unset in grids stored before these existed.
    #[serde(default)]
    pub plan_kind: Option<super::plan::AssistanceKind>,
    #[serde(default)]
    pub plan_modality: Option<super::plan::Modality>,
    #[serde(default)]
    pub useful_for: Vec<String>,
    /// Individual criteria are about the returnee, so they are checked with them, case by case.
    #[serde(default)]
    pub individual: Vec<String>,
    #[serde(default)]
    pub community: Vec<ContextCriterion>,
    #[serde(default)]
    pub structural: Vec<ContextCriterion>,
    #[serde(default)]
    pub source: Option<String>,
}

#[derive(Deserialize)]
struct ShippedGrid {
    approach: Vec<ShippedApproach>,
}

#[derive(Deserialize)]
struct ShippedApproach {
    key: String,
    dimension: String,
    approach: String,
    delivery: String,
    #[serde(default)]
    plan_kind: Option<String>,
    #[serde(default)]
    plan_modality: Option<String>,
    #[serde(default)]
    useful_for: Vec<String>,
    #[serde(default)]
    individual: Vec<String>,
    #[serde(default)]
    community: Vec<String>,
    #[serde(default)]
    structural: Vec<String>,
    #[serde(default)]
    source: Option<String>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("feasibility grid: {0}")]
pub struct GridError(String);

/// Reads a grid in the shipped TOML form; every criterion starts unchecked.
pub fn parse_grid(text: &str) -> Result<Vec<GridApproach>, GridError> {
    let grid: ShippedGrid = toml::from_str(text).map_err(|e| GridError(e.to_string()))?;
    let unchecked = |v: Vec<String>| {
        v.into_iter()
            .map(|text| ContextCriterion {
                text,
                holds: None,
                last_checked: None,
            })
            .collect()
    };
    let mut keys = std::collections::HashSet::new();
    grid.approach
        .into_iter()
        .map(|a| {
            if !keys.insert(a.key.clone()) {
                return Err(GridError(format!("{} is listed twice", a.key)));
            }
            Ok(GridApproach {
                dimension: Dimension::parse(&a.dimension)
                    .ok_or_else(|| GridError(format!("{}: unknown dimension", a.key)))?,
                delivery: Delivery::parse(&a.delivery)
                    .ok_or_else(|| GridError(format!("{}: unknown delivery", a.key)))?,
                plan_kind: match &a.plan_kind {
                    Some(k) => {
                        Some(super::plan::AssistanceKind::parse(k).ok_or_else(|| {
                            GridError(format!("{}: unknown plan_kind {k}", a.key))
                        })?)
                    }
                    None => None,
                },
                plan_modality: match &a.plan_modality {
                    Some(m) => Some(super::plan::Modality::parse(m).ok_or_else(|| {
                        GridError(format!("{}: unknown plan_modality {m}", a.key))
                    })?),
                    None => None,
                },
                key: a.key,
                approach: a.approach,
                useful_for: a.useful_for,
                individual: a.individual,
                community: unchecked(a.community),
                structural: unchecked(a.structural),
                source: a.source,
            })
        })
        .collect()
}

/// The shipped grid.
pub fn default_grid() -> Vec<GridApproach> {
    parse_grid(DEFAULT_GRID).unwrap_or_default()
}

/// Most criteria of one kind an approach accepts.
pub const MAX_CRITERIA: usize = 20;

impl GridApproach {
    pub fn check(&self, today: Date) -> Result<(), ValidationErrors> {
        let mut e = ValidationErrors::new();
        check_short(&mut e, "approach", &self.approach, true);
        if self.useful_for.len() > MAX_CRITERIA {
            e.add("useful_for", "error-too-many");
        }
        for (n, u) in self.useful_for.iter().enumerate() {
            check_short(&mut e, &format!("useful_for.{n}"), u, false);
        }
        for (n, c) in self.individual.iter().enumerate() {
            check_long(&mut e, &format!("individual.{n}"), c, false);
        }
        for (kind, list) in [
            ("community", &self.community),
            ("structural", &self.structural),
        ] {
            if list.len() > MAX_CRITERIA {
                e.add(kind, "error-too-many");
            }
            for (n, c) in list.iter().enumerate() {
                check_long(&mut e, &format!("{kind}.{n}.text"), &c.text, true);
                if c.last_checked.is_some_and(|d| d > today) {
                    e.add(format!("{kind}.{n}.last_checked"), "error-date-in-future");
                }
            }
        }
        e.into_result(())
    }
}

/// The returnee's latest dimension scores, when there is a survey.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct DimensionScores {
    pub economic: Option<f64>,
    pub social: Option<f64>,
    pub psychosocial: Option<f64>,
}

impl DimensionScores {
    pub fn of(&self, d: Dimension) -> Option<f64> {
        match d {
            Dimension::Economic => self.economic,
            Dimension::Social => self.social,
            Dimension::Psychosocial => self.psychosocial,
        }
    }
}

/// The dimensions in the order suggestions are listed: weakest score first; dimensions without
/// a score keep the grid's order, after the scored ones.
pub fn dimension_order(scores: &DimensionScores) -> Vec<Dimension> {
    let mut dims = Dimension::ALL.to_vec();
    dims.sort_by(|a, b| match (scores.of(*a), scores.of(*b)) {
        (Some(x), Some(y)) => x.total_cmp(&y),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    });
    dims
}

/// A grid approach suggested for one returnee, with how its context criteria stand.
#[derive(Clone, Debug, PartialEq)]
pub struct Suggestion<'a> {
    pub approach: &'a GridApproach,
    /// The returnee's score in the approach's dimension.
    pub score: Option<f64>,
    /// Context criteria checked and found to hold.
    pub holding: usize,
    /// Context criteria checked and found not to hold.
    pub failing: usize,
    /// Context criteria never checked, or checked too long ago.
    pub to_recheck: usize,
}

/// Every approach of the grid, weakest dimension first, grid order within a dimension.
/// Nothing is filtered out: a failing criterion is shown, and the case manager decides.
pub fn suggest<'a>(
    grid: &'a [GridApproach],
    scores: &DimensionScores,
    today: Date,
) -> Vec<Suggestion<'a>> {
    let mut out = Vec::new();
    for d in dimension_order(scores) {
        for a in grid.iter().filter(|a| a.dimension == d) {
            let context = a.community.iter().chain(a.structural.iter());
            let (mut holding, mut failing, mut to_recheck) = (0, 0, 0);
            for c in context {
                match c.holds {
                    Some(true) => holding += 1,
                    Some(false) => failing += 1,
                    None => {}
                }
                if c.needs_recheck(today) {
                    to_recheck += 1;
                }
            }
            out.push(Suggestion {
                approach: a,
                score: scores.of(d),
                holding,
                failing,
                to_recheck,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn the_shipped_grid_is_the_annex_5_example() {
        let g = parse_grid(DEFAULT_GRID).unwrap();
        assert_eq!(g.len(), 29);
        let count = |d| g.iter().filter(|a| a.dimension == d).count();
        assert_eq!(count(Dimension::Economic), 14);
        assert_eq!(count(Dimension::Social), 5);
        assert_eq!(count(Dimension::Psychosocial), 10);
        let today = date!(2026 - 11 - 23);
        for a in &g {
            assert!(a.check(today).is_ok(), "{}", a.key);
            assert!(
                !a.individual.is_empty(),
                "{} has individual criteria",
                a.key
            );
        }
    }

    #[test]
    fn suggestions_start_with_the_weakest_dimension() {
        let g = default_grid();
        let scores = DimensionScores {
            economic: Some(0.7),
            social: None,
            psychosocial: Some(0.2),
        };
        assert_eq!(
            dimension_order(&scores),
            vec![
                Dimension::Psychosocial,
                Dimension::Economic,
                Dimension::Social
            ]
        );
        let s = suggest(&g, &scores, date!(2026 - 11 - 23));
        assert_eq!(s.len(), 29, "the grid suggests, it never filters");
        assert_eq!(s[0].approach.dimension, Dimension::Psychosocial);
        assert_eq!(s[0].score, Some(0.2));
        assert_eq!(s.last().unwrap().approach.dimension, Dimension::Social);
    }

    #[test]
    fn context_criteria_are_counted_and_old_checks_flagged() {
        let mut g = default_grid();
        let today = date!(2026 - 11 - 23);
        let a = &mut g[0];
        a.community[0].holds = Some(true);
        a.community[0].last_checked = Some(date!(2026 - 06 - 01));
        a.community[1].holds = Some(false);
        a.community[1].last_checked = Some(date!(2025 - 10 - 01));
        let n = a.community.len() + a.structural.len();
        let s = suggest(&g, &DimensionScores::default(), today);
        let first = s.iter().find(|x| x.approach.key == g[0].key).unwrap();
        assert_eq!((first.holding, first.failing), (1, 1));
        assert_eq!(first.to_recheck, n - 1, "only the recent check is fresh");
        assert!(!g[0].community[0].needs_recheck(today));
        assert!(g[0].community[1].needs_recheck(today));
    }

    #[test]
    fn a_broken_grid_is_refused_with_a_reason() {
        let e =
            parse_grid("[[approach]]\nkey='a'\ndimension='legal'\napproach='x'\ndelivery='direct'")
                .unwrap_err();
        assert!(e.to_string().contains("unknown dimension"));
    }
}
