//! Scoring models: the numbers that turn an answer sheet into scores, kept as data (a TOML file)
//! so a programme can adopt other weights without a new release. `docs/scoring.md` explains the
//! shipped model and the file format.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::{Answer, Dimension, Mode, Sheet, Special, question};

/// The model Reintegra ships, also in `instruments/rss/scoring-model.toml`.
pub const DEFAULT_MODEL: &str = include_str!("../../../../instruments/rss/scoring-model.toml");

/// The shipped model, read. It is checked by a test, so this cannot fail in a release.
pub fn default_model() -> ScoringModel {
    #[allow(clippy::expect_used)]
    ScoringModel::from_toml(DEFAULT_MODEL).expect("the shipped scoring model is valid")
}

/// How a special answer is scored: left out of the average, or given a value.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Treatment {
    Value(f64),
    Rule(Rule),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    Exclude,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bands {
    /// A score below this calls for intensive support.
    pub intensive_below: f64,
    /// A score above this allows light support.
    pub light_above: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LowAccuracy {
    /// Scores are flagged when "I don't know" and "I don't wish to answer" together exceed this.
    pub dk_dwa_more_than: u32,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpecialAnswers {
    pub dk: Treatment,
    pub dwa: Treatment,
    pub na: Treatment,
}

/// One indicator: which question, how its answer becomes a value in [0, 1], and its weights.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Indicator {
    pub question: u8,
    pub name: String,
    /// Value of each option, by position (select one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values: Option<Vec<f64>>,
    /// Value 1 when any of these options is chosen, 0 otherwise (select all applicable).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub any_of: Option<Vec<u8>>,
    /// The mean of these indicators' values, those without a value left out (Q21).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mean_of: Option<Vec<u8>>,
    /// Weight in `economic`, `social`, `psychosocial` and `composite`; absent means 0. An
    /// indicator without weights is valued (for a mean) but not scored directly.
    #[serde(default)]
    pub weights: BTreeMap<String, f64>,
    #[serde(default)]
    pub cross_cutting: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScoringModel {
    pub id: String,
    pub version: String,
    pub title: String,
    #[serde(default)]
    pub description: String,
    pub bands: Bands,
    pub low_accuracy: LowAccuracy,
    pub special: SpecialAnswers,
    #[serde(rename = "indicator")]
    pub indicators: Vec<Indicator>,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("scoring model: {0}")]
pub struct ModelError(pub String);

const AXES: [&str; 4] = ["economic", "social", "psychosocial", "composite"];

fn in_unit(x: f64) -> bool {
    (0.0..=1.0).contains(&x)
}

impl ScoringModel {
    pub fn from_toml(text: &str) -> Result<ScoringModel, ModelError> {
        let model: ScoringModel =
            toml::from_str(text).map_err(|e| ModelError(e.message().to_string()))?;
        model.check()?;
        Ok(model)
    }

    /// `id/version`, as written next to every stored score.
    pub fn label(&self) -> String {
        format!("{}/{}", self.id, self.version)
    }

    fn check(&self) -> Result<(), ModelError> {
        let err = |m: String| Err(ModelError(m));
        if self.id.trim().is_empty() || self.version.trim().is_empty() {
            return err("id and version must not be empty".into());
        }
        let b = &self.bands;
        if !(in_unit(b.intensive_below) && in_unit(b.light_above))
            || b.intensive_below > b.light_above
        {
            return err("bands: need 0 ≤ intensive_below ≤ light_above ≤ 1".into());
        }
        for (name, t) in [
            ("dk", self.special.dk),
            ("dwa", self.special.dwa),
            ("na", self.special.na),
        ] {
            if let Treatment::Value(v) = t
                && !in_unit(v)
            {
                return err(format!("special.{name}: a value must be between 0 and 1"));
            }
        }
        let mut seen = BTreeSet::new();
        let valued: BTreeSet<u8> = self
            .indicators
            .iter()
            .filter(|i| i.values.is_some() || i.any_of.is_some())
            .map(|i| i.question)
            .collect();
        for ind in &self.indicators {
            let n = ind.question;
            let at = |m: &str| Err(ModelError(format!("indicator for q{n}: {m}")));
            let Some(spec) = question(n) else {
                return at("there is no such question (1–32)");
            };
            if !seen.insert(n) {
                return at("appears twice");
            }
            let rules = [
                ind.values.is_some(),
                ind.any_of.is_some(),
                ind.mean_of.is_some(),
            ];
            if rules.iter().filter(|r| **r).count() != 1 {
                return at("give exactly one of values, any_of, mean_of");
            }
            match (spec.mode, &ind.values, &ind.any_of, &ind.mean_of) {
                (Mode::One, Some(values), _, _) => {
                    if values.len() != usize::from(spec.options) {
                        return at(&format!(
                            "values needs one number per option ({}), found {}",
                            spec.options,
                            values.len()
                        ));
                    }
                    if !values.iter().all(|v| in_unit(*v)) {
                        return at("every value must be between 0 and 1");
                    }
                }
                (Mode::Many { .. }, _, Some(any), _) => {
                    if any.is_empty() || any.iter().any(|p| *p == 0 || *p > spec.options) {
                        return at(&format!(
                            "any_of must list options between 1 and {}",
                            spec.options
                        ));
                    }
                }
                (Mode::Derived, _, _, Some(of)) => {
                    if of.is_empty() || of.iter().any(|q| !valued.contains(q)) {
                        return at("mean_of must list questions that have values in this model");
                    }
                }
                (Mode::One, ..) => return at("a select-one question is valued with values"),
                (Mode::Many { .. }, ..) => {
                    return at("a select-all-applicable question is valued with any_of");
                }
                (Mode::Derived, ..) => return at("a computed question is valued with mean_of"),
            }
            for (axis, w) in &ind.weights {
                if !AXES.contains(&axis.as_str()) {
                    return at(&format!(
                        "unknown weight '{axis}' (use {})",
                        AXES.join(", ")
                    ));
                }
                if !(w.is_finite() && *w >= 0.0) {
                    return at("weights must be zero or positive");
                }
            }
        }
        for axis in AXES {
            if !self
                .indicators
                .iter()
                .any(|i| i.weights.get(axis).is_some_and(|w| *w > 0.0))
            {
                return err(format!("no indicator has a weight in {axis}"));
            }
        }
        Ok(())
    }

    pub fn band(&self, score: f64) -> Band {
        if score < self.bands.intensive_below {
            Band::Intensive
        } else if score > self.bands.light_above {
            Band::Light
        } else {
            Band::Standard
        }
    }

    /// Scores a complete sheet.
    pub fn score(&self, sheet: &Sheet) -> Scores {
        let mut values: BTreeMap<u8, Option<f64>> = BTreeMap::new();
        let mut rows = Vec::new();
        // Direct indicators first, so means can use them whatever the file's order.
        let mut ordered: Vec<&Indicator> = self.indicators.iter().collect();
        ordered.sort_by_key(|i| (i.mean_of.is_some(), i.question));
        for ind in ordered {
            let (value, answer, note) = self.value_of(ind, sheet, &values);
            values.insert(ind.question, value);
            rows.push(IndicatorScore {
                question: ind.question,
                name: ind.name.clone(),
                answer,
                value,
                note,
                weights: ind
                    .weights
                    .iter()
                    .filter(|(_, w)| **w > 0.0)
                    .map(|(k, w)| (k.clone(), *w))
                    .collect(),
                cross_cutting: ind.cross_cutting,
            });
        }
        rows.sort_by_key(|r| r.question);
        let axis_score = |axis: &str| {
            let (mut num, mut den) = (0.0, 0.0);
            for r in &rows {
                if let (Some(v), Some(w)) = (r.value, r.weights.get(axis)) {
                    num += w * v;
                    den += w;
                }
            }
            (den > 0.0).then(|| (num / den).clamp(0.0, 1.0))
        };
        let dk_dwa_count = sheet.dk_dwa_count();
        Scores {
            economic: axis_score("economic"),
            social: axis_score("social"),
            psychosocial: axis_score("psychosocial"),
            composite: axis_score("composite"),
            dk_dwa_count,
            low_accuracy: dk_dwa_count > self.low_accuracy.dk_dwa_more_than,
            model: self.label(),
            breakdown: Breakdown(rows),
        }
    }

    fn value_of(
        &self,
        ind: &Indicator,
        sheet: &Sheet,
        known: &BTreeMap<u8, Option<f64>>,
    ) -> (Option<f64>, String, String) {
        if let Some(of) = &ind.mean_of {
            let got: Vec<f64> = of
                .iter()
                .filter_map(|q| known.get(q).copied().flatten())
                .collect();
            let note = format!(
                "mean of {} of {} ({})",
                got.len(),
                of.len(),
                of.iter()
                    .map(|q| format!("q{q}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            let mean = (!got.is_empty()).then(|| got.iter().sum::<f64>() / got.len() as f64);
            return (mean, String::new(), note);
        }
        let Some(answer) = sheet.get(ind.question) else {
            return (None, String::new(), "not asked".into());
        };
        match answer {
            Answer::Special(s) => {
                let t = match s {
                    Special::Dk => self.special.dk,
                    Special::Dwa => self.special.dwa,
                    Special::Na => self.special.na,
                };
                match t {
                    Treatment::Value(v) => (Some(v), s.as_str().into(), String::new()),
                    Treatment::Rule(Rule::Exclude) => {
                        (None, s.as_str().into(), "left out of the average".into())
                    }
                }
            }
            Answer::One(p) => {
                let v = ind
                    .values
                    .as_ref()
                    .and_then(|vs| vs.get(usize::from(*p).wrapping_sub(1)))
                    .copied();
                (v, p.to_string(), String::new())
            }
            Answer::Many(ps) => {
                let text = ps.iter().map(u8::to_string).collect::<Vec<_>>().join(",");
                let v = ind.any_of.as_ref().map(|any| {
                    if ps.iter().any(|p| any.contains(p)) {
                        1.0
                    } else {
                        0.0
                    }
                });
                (v, text, String::new())
            }
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Band {
    Intensive,
    Standard,
    Light,
}

impl Band {
    pub fn as_str(self) -> &'static str {
        match self {
            Band::Intensive => "intensive",
            Band::Standard => "standard",
            Band::Light => "light",
        }
    }
}

/// How one indicator contributed: its answer, its value and its weights.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IndicatorScore {
    pub question: u8,
    pub name: String,
    /// The option position(s) or special answer, empty for a computed indicator.
    pub answer: String,
    pub value: Option<f64>,
    /// Why there is no value, or how a computed value was made.
    pub note: String,
    pub weights: BTreeMap<String, f64>,
    pub cross_cutting: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Breakdown(pub Vec<IndicatorScore>);

/// One survey's scores. A dimension without any usable answer has no score.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Scores {
    pub economic: Option<f64>,
    pub social: Option<f64>,
    pub psychosocial: Option<f64>,
    pub composite: Option<f64>,
    pub dk_dwa_count: u32,
    pub low_accuracy: bool,
    /// `id/version` of the model that made them.
    pub model: String,
    pub breakdown: Breakdown,
}

impl Scores {
    pub fn dimension(&self, d: Dimension) -> Option<f64> {
        match d {
            Dimension::Economic => self.economic,
            Dimension::Social => self.social,
            Dimension::Psychosocial => self.psychosocial,
        }
    }
}
