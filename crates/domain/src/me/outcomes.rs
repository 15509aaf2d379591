//! From what the records say about each returnee to the observations that "what works"
//! compares: which surveys count, the change between them, the groups of the chosen axis, and
//! the profile held equal by the adjusted comparison.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use time::Date;
use utoipa::ToSchema;

use super::what_works::Observation;
use super::{AgeBands, Axis, absence_band};
use crate::case::{ReturnType, Sex, named_enum};
use crate::rss::{Round, ScoringModel};

named_enum!(
    /// The score compared: the composite or one dimension.
    Outcome {
        Composite = "composite",
        Economic = "economic",
        Social = "social",
        Psychosocial = "psychosocial",
    }
);

named_enum!(
    /// The survey compared with the baseline.
    LaterRound { Final = "final", Intermediate = "intermediate" }
);

impl LaterRound {
    pub fn round(self) -> Round {
        match self {
            LaterRound::Final => Round::Final,
            LaterRound::Intermediate => Round::Intermediate,
        }
    }
}

/// The axes a comparison can be made along.
pub const WHAT_WORKS_AXES: [Axis; 7] = [
    Axis::Assistance,
    Axis::Sex,
    Axis::AgeBand,
    Axis::Vulnerability,
    Axis::ReturnMode,
    Axis::Absence,
    Axis::Province,
];

/// The group of those who received none of the kinds of assistance counted.
pub const NO_ASSISTANCE: &str = "none";

/// Every kind of assistance a returnee is counted as having received: the three dimensions (of
/// plan items and of referrals), grants by modality (see `pathway::plan::counted_as`), and
/// taking part in a community project.
pub const ASSISTANCE_KINDS: [&str; 6] = [
    "economic",
    "social",
    "psychosocial",
    "cash",
    "in_kind",
    "community",
];

/// One scored survey.
#[derive(Clone, Debug, PartialEq)]
pub struct SurveyFacts {
    pub round: Round,
    pub date: Date,
    pub economic: Option<f64>,
    pub social: Option<f64>,
    pub psychosocial: Option<f64>,
    pub composite: Option<f64>,
    pub low_accuracy: bool,
}

impl SurveyFacts {
    fn score(&self, outcome: Outcome) -> Option<f64> {
        match outcome {
            Outcome::Composite => self.composite,
            Outcome::Economic => self.economic,
            Outcome::Social => self.social,
            Outcome::Psychosocial => self.psychosocial,
        }
    }
}

/// What the records say about one returnee.
#[derive(Clone, Debug, PartialEq)]
pub struct ReturneeFacts {
    pub sex: Sex,
    pub age_at_return: Option<u16>,
    pub vulnerable: bool,
    pub return_type: ReturnType,
    pub absence_months: Option<u32>,
    pub province: String,
    /// Scored surveys, oldest first.
    pub surveys: Vec<SurveyFacts>,
    /// The kinds of assistance received (the plan's items by dimension and grant modality,
    /// referrals that went ahead by dimension, community projects).
    pub assistance: BTreeSet<String>,
}

/// Surveys and returnees left out of a comparison, and why (surveys of the rounds compared).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Excluded {
    /// Surveys scored but with too many "don't know" answers to be trusted.
    pub low_accuracy_surveys: u64,
    /// Returnees with a baseline but no later survey of the round compared (yet).
    pub without_later_survey: u64,
    /// Returnees with no usable baseline.
    pub without_baseline: u64,
}

/// What is compared: which score, between the baseline and which later round, grouped along
/// which axis.
#[derive(Clone, Debug)]
pub struct Comparing {
    pub outcome: Outcome,
    pub later: LaterRound,
    pub axis: Axis,
    pub model: ScoringModel,
    pub age_bands: AgeBands,
}

impl Comparing {
    /// The survey rounds an observation is made of: the baseline and the later round.
    pub fn rounds(&self) -> [Round; 2] {
        [Round::Baseline, self.later.round()]
    }

    /// The observation for one returnee: the change between their first usable baseline and
    /// their latest usable survey of the later round after it. None when either is missing,
    /// counted in `excluded` with the surveys left out for low accuracy.
    pub fn observation(&self, f: &ReturneeFacts, excluded: &mut Excluded) -> Option<Observation> {
        excluded.low_accuracy_surveys += f.surveys.iter().filter(|s| s.low_accuracy).count() as u64;
        let usable = |round: Round| {
            f.surveys
                .iter()
                .filter(move |s| s.round == round && !s.low_accuracy)
                .filter_map(|s| Some((s.date, s.score(self.outcome)?)))
        };
        let Some((since, baseline)) = usable(Round::Baseline).next() else {
            excluded.without_baseline += 1;
            return None;
        };
        let Some((_, later)) = usable(self.later.round()).rfind(|(date, _)| *date >= since) else {
            excluded.without_later_survey += 1;
            return None;
        };
        Some(Observation {
            baseline,
            later,
            baseline_band: band_rank(&self.model, baseline),
            later_band: band_rank(&self.model, later),
            groups: groups_of(f, self.axis, &self.age_bands),
            covariates: profile(f, self.axis),
        })
    }
}

/// The observations for `outcome` between each returnee's baseline and their latest survey of
/// `later`, grouped along `axis`, with what was left out.
pub fn observations(
    facts: &[ReturneeFacts],
    outcome: Outcome,
    later: LaterRound,
    axis: Axis,
    model: &ScoringModel,
    age_bands: &AgeBands,
) -> (Vec<Observation>, Excluded) {
    let comparing = Comparing {
        outcome,
        later,
        axis,
        model: model.clone(),
        age_bands: age_bands.clone(),
    };
    let mut excluded = Excluded::default();
    let out = facts
        .iter()
        .filter_map(|f| comparing.observation(f, &mut excluded))
        .collect();
    (out, excluded)
}

/// The support band as a rank: 0 needs the most support.
fn band_rank(model: &ScoringModel, score: f64) -> u8 {
    match model.band(score) {
        crate::rss::Band::Intensive => 0,
        crate::rss::Band::Standard => 1,
        crate::rss::Band::Light => 2,
    }
}

/// The groups of `axis` a returnee is in: one for a profile, any number for assistance.
pub fn groups_of(f: &ReturneeFacts, axis: Axis, age_bands: &AgeBands) -> Vec<String> {
    let unknown = || "unknown".to_string();
    match axis {
        Axis::Assistance if f.assistance.is_empty() => vec![NO_ASSISTANCE.to_string()],
        Axis::Assistance => f.assistance.iter().cloned().collect(),
        Axis::Sex => vec![f.sex.as_str().to_string()],
        Axis::AgeBand => vec![age_bands.band(f.age_at_return).unwrap_or_else(unknown)],
        Axis::Vulnerability => vec![if f.vulnerable { "yes" } else { "no" }.to_string()],
        Axis::ReturnMode => vec![f.return_type.as_str().to_string()],
        Axis::Absence => vec![absence_band(f.absence_months).map_or_else(unknown, str::to_string)],
        Axis::Province => vec![f.province.clone()],
        _ => vec![unknown()],
    }
}

/// The profile held equal when comparing along `axis` (never the axis itself): sex,
/// vulnerability, age (and whether it is unknown), the way of return, time abroad in years
/// (and whether it is unknown). Provinces are left out: too many to hold equal on small data.
fn profile(f: &ReturneeFacts, axis: Axis) -> Vec<f64> {
    let flag = |b: bool| f64::from(u8::from(b));
    let mut x = Vec::new();
    if axis != Axis::Sex {
        x.push(flag(f.sex == Sex::Female));
    }
    if axis != Axis::Vulnerability {
        x.push(flag(f.vulnerable));
    }
    if axis != Axis::AgeBand {
        x.push(f.age_at_return.map_or(0.0, f64::from));
        x.push(flag(f.age_at_return.is_none()));
    }
    if axis != Axis::ReturnMode {
        // Assisted voluntary return is the reference way of return.
        x.extend(
            ReturnType::ALL
                .iter()
                .filter(|t| **t != ReturnType::AssistedVoluntary)
                .map(|t| flag(f.return_type == *t)),
        );
    }
    if axis != Axis::Absence {
        x.push(f.absence_months.map_or(0.0, |m| f64::from(m) / 12.0));
        x.push(flag(f.absence_months.is_none()));
    }
    x
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn survey(round: Round, date: Date, composite: f64, low_accuracy: bool) -> SurveyFacts {
        SurveyFacts {
            round,
            date,
            economic: Some(composite),
            social: Some(composite),
            psychosocial: Some(composite),
            composite: Some(composite),
            low_accuracy,
        }
    }

    fn returnee(surveys: Vec<SurveyFacts>, assistance: &[&str]) -> ReturneeFacts {
        ReturneeFacts {
            sex: Sex::Female,
            age_at_return: Some(30),
            vulnerable: false,
            return_type: ReturnType::AssistedVoluntary,
            absence_months: None,
            province: "Tambacounda".into(),
            surveys,
            assistance: assistance.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn the_first_baseline_and_the_latest_later_survey_count_and_the_rest_is_told() {
        let model = crate::rss::default_model();
        let facts = vec![
            returnee(
                vec![
                    survey(Round::Baseline, date!(2026 - 01 - 10), 0.40, false),
                    survey(Round::Final, date!(2026 - 12 - 01), 0.50, false),
                    survey(Round::Final, date!(2027 - 01 - 05), 0.60, false),
                ],
                &["economic", "cash"],
            ),
            // A low-accuracy baseline does not count: no usable baseline.
            returnee(
                vec![
                    survey(Round::Baseline, date!(2026 - 01 - 10), 0.40, true),
                    survey(Round::Final, date!(2027 - 01 - 05), 0.60, false),
                ],
                &[],
            ),
            returnee(
                vec![survey(Round::Baseline, date!(2026 - 02 - 01), 0.3, false)],
                &[],
            ),
        ];
        let (obs, excluded) = observations(
            &facts,
            Outcome::Composite,
            LaterRound::Final,
            Axis::Assistance,
            &model,
            &AgeBands::default(),
        );
        assert_eq!(obs.len(), 1);
        assert_eq!((obs[0].baseline, obs[0].later), (0.40, 0.60));
        assert_eq!(
            obs[0].groups,
            vec!["cash".to_string(), "economic".to_string()]
        );
        assert_eq!(
            excluded,
            Excluded {
                low_accuracy_surveys: 1,
                without_later_survey: 1,
                without_baseline: 1,
            }
        );
        let (obs, _) = observations(
            &facts[..1],
            Outcome::Composite,
            LaterRound::Final,
            Axis::Sex,
            &model,
            &AgeBands::default(),
        );
        assert_eq!(obs[0].groups, vec!["female".to_string()]);
        // Compared by sex, sex is not held equal; by assistance it is.
        assert_eq!(
            obs[0].covariates.len() + 1,
            profile(&facts[0], Axis::Assistance).len()
        );
    }

    #[test]
    fn every_kind_an_item_or_referral_counts_as_is_listed() {
        use crate::pathway::plan::{AssistanceKind, Modality, counted_as};
        for kind in AssistanceKind::ALL {
            for modality in Modality::ALL {
                for counted in counted_as(kind.as_str(), Some(modality.as_str())) {
                    assert!(ASSISTANCE_KINDS.contains(&counted), "{counted}");
                }
            }
        }
        for dimension in crate::pathway::Dimension::ALL {
            assert!(ASSISTANCE_KINDS.contains(&dimension.as_str()));
        }
    }

    #[test]
    fn no_assistance_is_its_own_group() {
        let f = returnee(vec![], &[]);
        assert_eq!(
            groups_of(&f, Axis::Assistance, &AgeBands::default()),
            vec!["none"]
        );
        assert_eq!(
            groups_of(&f, Axis::AgeBand, &AgeBands::default()),
            vec!["25–34"]
        );
    }
}
