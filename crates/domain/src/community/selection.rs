//! Choosing communities

use super::*;

named_enum!(
    /// Where a selection criterion comes from.
    CriterionSource {
        /// Module 3's opening: where community work is best targeted.
        Targeting = "targeting",
        /// The favourable-environment criteria of the 2016 study for IOM Morocco (§3.1).
        FavourableEnvironment = "favourable_environment",
        /// Added by the programme.
        Programme = "programme",
    }
);

/// One criterion of the selection checklist.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Criterion {
    pub key: String,
    /// Empty for the handbook's criteria, whose wording is translated; the programme's own
    /// criteria carry their wording here.
    #[serde(default)]
    pub label: String,
    pub source: CriterionSource,
    /// 0 (not used) to 5.
    pub weight: u8,
    /// A community where this criterion is not met is left off the shortlist, whatever its score.
    #[serde(default)]
    pub essential: bool,
}

pub const MAX_WEIGHT: u8 = 5;

/// The handbook's criteria, in its order: four from the targeting rule of Module 3's opening,
/// the seven favourable-environment criteria, and out-migration pressure (profiles are made
/// where returns are high or pressure to leave is strong).
pub const HANDBOOK_CRITERIA: [(&str, CriterionSource); 12] = [
    ("high_return_concentration", CriterionSource::Targeting),
    ("problems_programme_can_address", CriterionSource::Targeting),
    ("authorities_motivated", CriterionSource::Targeting),
    ("basic_infrastructure_security", CriterionSource::Targeting),
    (
        "returns_same_place_short_time",
        CriterionSource::FavourableEnvironment,
    ),
    (
        "returnee_profiles_fit",
        CriterionSource::FavourableEnvironment,
    ),
    (
        "community_interest_motivation",
        CriterionSource::FavourableEnvironment,
    ),
    (
        "infrastructure_in_region",
        CriterionSource::FavourableEnvironment,
    ),
    ("services_available", CriterionSource::FavourableEnvironment),
    (
        "stability_security_opportunity",
        CriterionSource::FavourableEnvironment,
    ),
    (
        "civil_society_active",
        CriterionSource::FavourableEnvironment,
    ),
    ("outmigration_pressure", CriterionSource::Targeting),
];

/// The programme's checklist and how long its shortlist is.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SelectionConfig {
    pub criteria: Vec<Criterion>,
    pub shortlist_size: u8,
}

pub const MAX_CRITERIA: usize = 30;
pub const MAX_SHORTLIST: u8 = 50;

impl Default for SelectionConfig {
    fn default() -> Self {
        Self {
            criteria: HANDBOOK_CRITERIA
                .iter()
                .map(|(k, s)| Criterion {
                    key: (*k).to_string(),
                    label: String::new(),
                    source: *s,
                    weight: 1,
                    essential: false,
                })
                .collect(),
            shortlist_size: 3,
        }
    }
}

impl SelectionConfig {
    pub fn validate(&self) -> ValidationErrors {
        let mut e = ValidationErrors::new();
        if self.criteria.len() > MAX_CRITERIA {
            e.add("criteria", "error-too-many");
        }
        for c in &self.criteria {
            if c.weight > MAX_WEIGHT {
                e.add(format!("weight_{}", c.key), "error-weight");
            }
            if c.source == CriterionSource::Programme {
                check_text(
                    &mut e,
                    &format!("label_{}", c.key),
                    &c.label,
                    true,
                    MAX_SHORT_TEXT,
                );
            }
        }
        let mut keys: Vec<&str> = self.criteria.iter().map(|c| c.key.as_str()).collect();
        keys.sort_unstable();
        if keys.windows(2).any(|w| w[0] == w[1]) {
            e.add("criteria", "error-duplicate");
        }
        if self.shortlist_size == 0 || self.shortlist_size > MAX_SHORTLIST {
            e.add("shortlist_size", "error-shortlist-size");
        }
        e
    }

    /// Criteria in use (weight above zero).
    pub fn active(&self) -> impl Iterator<Item = &Criterion> {
        self.criteria.iter().filter(|c| c.weight > 0)
    }
}

named_enum!(
    CheckStatus {
        Met = "met",
        PartlyMet = "partly_met",
        NotMet = "not_met",
        Unknown = "unknown",
    }
);

impl CheckStatus {
    /// Share of the criterion's weight earned. Unknown earns nothing: a community is not
    /// ranked up on what nobody has checked.
    pub fn credit(self) -> f64 {
        match self {
            CheckStatus::Met => 1.0,
            CheckStatus::PartlyMet => 0.5,
            CheckStatus::NotMet | CheckStatus::Unknown => 0.0,
        }
    }
}

/// A criterion as assessed for one community, with the evidence behind it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CriterionCheck {
    pub status: CheckStatus,
    #[serde(default)]
    pub evidence: String,
}

/// A community as it enters the ranking.
pub struct Candidate<'a, K> {
    pub key: K,
    pub name: &'a str,
    /// Registered returnees of the community (cases), the first tie-breaker after the score.
    pub returnees: u64,
    pub checks: &'a BTreeMap<String, CriterionCheck>,
}

/// A community's place in the ranking, and why.
#[derive(Clone, Debug, PartialEq)]
pub struct Ranked<K> {
    pub key: K,
    /// Weighted share of the criteria met, 0–1.
    pub score: f64,
    pub met: usize,
    pub partly: usize,
    pub not_met: usize,
    pub unknown: usize,
    /// Essential criteria not met: these keep the community off the shortlist.
    pub excluded_by: Vec<String>,
    pub shortlisted: bool,
}

/// Ranks communities on the programme's checklist: highest weighted score first; then fewer
/// criteria left unknown, more registered returnees, and the name. The shortlist is the first
/// `shortlist_size` communities with no essential criterion unmet and a score above zero.
pub fn rank<K: Clone>(config: &SelectionConfig, candidates: &[Candidate<'_, K>]) -> Vec<Ranked<K>> {
    let total: f64 = config.active().map(|c| f64::from(c.weight)).sum();
    let mut ranked: Vec<(Ranked<K>, &str, u64)> = candidates
        .iter()
        .map(|cand| {
            let mut r = Ranked {
                key: cand.key.clone(),
                score: 0.0,
                met: 0,
                partly: 0,
                not_met: 0,
                unknown: 0,
                excluded_by: Vec::new(),
                shortlisted: false,
            };
            let mut earned = 0.0;
            for c in config.active() {
                let status = cand
                    .checks
                    .get(&c.key)
                    .map(|x| x.status)
                    .unwrap_or(CheckStatus::Unknown);
                earned += f64::from(c.weight) * status.credit();
                match status {
                    CheckStatus::Met => r.met += 1,
                    CheckStatus::PartlyMet => r.partly += 1,
                    CheckStatus::NotMet => r.not_met += 1,
                    CheckStatus::Unknown => r.unknown += 1,
                }
                if c.essential && status == CheckStatus::NotMet {
                    r.excluded_by.push(c.key.clone());
                }
            }
            r.score = if total > 0.0 { earned / total } else { 0.0 };
            (r, cand.name, cand.returnees)
        })
        .collect();
    ranked.sort_by(|(a, an, ar), (b, bn, br)| {
        b.score
            .total_cmp(&a.score)
            .then(a.unknown.cmp(&b.unknown))
            .then(br.cmp(ar))
            .then(fold(an).cmp(&fold(bn)))
    });
    let mut left = usize::from(config.shortlist_size);
    ranked
        .into_iter()
        .map(|(mut r, _, _)| {
            if left > 0 && r.excluded_by.is_empty() && r.score > 0.0 {
                r.shortlisted = true;
                left -= 1;
            }
            r
        })
        .collect()
}
