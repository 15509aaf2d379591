//! Capacity building

use super::*;

named_enum!(
    AssessmentMethod {
        KeyInformant = "key_informant",
        CapacityTool = "capacity_tool",
        SelfAssessment = "self_assessment",
        Observation = "observation",
    }
);

named_enum!(
    CapacityLevel {
        Weak = "weak",
        Basic = "basic",
        Adequate = "adequate",
        Strong = "strong",
    }
);

/// The areas a capacity assessment rates: resources (Table 3.1 Q26), then the tangibles and
/// intangibles of Table 4.6.
pub const CAPACITY_AREAS: [&str; 8] = [
    "human_resources",
    "financial_resources",
    "physical_assets",
    "technical_skills",
    "organisational_framework",
    "social_skills",
    "experience",
    "institutional_culture",
];

/// A capacity assessment of one stakeholder on one date.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CapacityAssessment {
    #[schema(value_type = String)]
    pub stakeholder: StakeholderId,
    #[serde(with = "crate::case::date")]
    #[schema(value_type = String, format = Date)]
    pub on: Date,
    pub method: AssessmentMethod,
    #[serde(default)]
    pub human_resources: Option<CapacityLevel>,
    #[serde(default)]
    pub financial_resources: Option<CapacityLevel>,
    #[serde(default)]
    pub physical_assets: Option<CapacityLevel>,
    #[serde(default)]
    pub technical_skills: Option<CapacityLevel>,
    #[serde(default)]
    pub organisational_framework: Option<CapacityLevel>,
    #[serde(default)]
    pub social_skills: Option<CapacityLevel>,
    #[serde(default)]
    pub experience: Option<CapacityLevel>,
    #[serde(default)]
    pub institutional_culture: Option<CapacityLevel>,
    /// How engaged the stakeholder is in reintegration, 1 (not at all) to 5 (leading): the
    /// measure behind "stakeholders more engaged after support".
    pub engagement: u8,
    #[serde(default)]
    pub gaps: String,
    #[serde(default)]
    pub priorities: String,
}

impl CapacityAssessment {
    pub fn validate(&self, today: Date) -> ValidationErrors {
        let mut e = ValidationErrors::new();
        check_past(&mut e, "on", self.on, today);
        if !(1..=MAX_SCORE).contains(&self.engagement) {
            e.add("engagement", "error-score-1-5");
        }
        check_text(&mut e, "gaps", &self.gaps, false, MAX_LONG_TEXT);
        check_text(&mut e, "priorities", &self.priorities, false, MAX_LONG_TEXT);
        e
    }
    /// Areas rated weak or basic.
    pub fn gap_areas(&self) -> Vec<&'static str> {
        let levels = [
            self.human_resources,
            self.financial_resources,
            self.physical_assets,
            self.technical_skills,
            self.organisational_framework,
            self.social_skills,
            self.experience,
            self.institutional_culture,
        ];
        CAPACITY_AREAS
            .iter()
            .zip(levels)
            .filter(|(_, l)| matches!(l, Some(CapacityLevel::Weak | CapacityLevel::Basic)))
            .map(|(a, _)| *a)
            .collect()
    }
}

named_enum!(
    /// Capacity-building activities the handbook lists (Module 4, §4.1.2 and Table 4.6).
    CapacityActivity {
        Structures = "structures",
        NationalIndicators = "national_indicators",
        Training = "training",
        Equipment = "equipment",
        Coordination = "coordination",
        LocalAnalysis = "local_analysis",
        CivilSocietyCollaboration = "civil_society_collaboration",
        PolicySupport = "policy_support",
        SopRevision = "sop_revision",
        SocialSkills = "social_skills",
    }
);

/// A capacity-building plan for a stakeholder: the priorities found, the activities chosen and
/// the steps, followed to completion.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CapacityPlan {
    #[schema(value_type = String)]
    pub stakeholder: StakeholderId,
    pub title: String,
    #[serde(default)]
    pub summary: String,
    #[serde(default)]
    pub activities: Vec<CapacityActivity>,
    #[serde(default)]
    pub action_points: Vec<ActionPoint>,
}

impl CapacityPlan {
    pub fn validate(&self) -> ValidationErrors {
        let mut e = ValidationErrors::new();
        check_text(&mut e, "title", &self.title, true, MAX_SHORT_TEXT);
        check_text(&mut e, "summary", &self.summary, false, MAX_LONG_TEXT);
        check_points(&mut e, &self.action_points);
        e
    }
}

/// Someone trained, with their scores (0–100) on the test before and after.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Trainee {
    /// Given by the server when a new one is sent without it.
    #[serde(default = "uuid::Uuid::new_v4")]
    pub id: uuid::Uuid,
    pub name: String,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub stakeholder: Option<StakeholderId>,
    #[serde(default)]
    pub sex: Option<Sex>,
    #[serde(default)]
    pub pre: Option<u8>,
    #[serde(default)]
    pub post: Option<u8>,
}

impl Trainee {
    /// Both tests taken, and whether the score after the training is higher than before.
    pub fn improved(&self) -> Option<bool> {
        Some(self.post? > self.pre?)
    }
}

pub const MAX_TEST_SCORE: u8 = 100;
pub const MAX_TRAINEES: usize = 300;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Training {
    pub title: String,
    #[serde(default)]
    pub activity: Option<CapacityActivity>,
    #[serde(with = "crate::case::date")]
    #[schema(value_type = String, format = Date)]
    pub start: Date,
    #[serde(default, with = "crate::case::opt_date")]
    #[schema(value_type = Option<String>, format = Date)]
    pub end: Option<Date>,
    #[serde(default)]
    pub trainer: String,
    #[serde(default)]
    pub place: String,
    /// Organisations the training supports.
    #[serde(default)]
    #[schema(value_type = Vec<String>)]
    pub stakeholders: Vec<StakeholderId>,
    #[serde(default)]
    pub participants: Vec<Trainee>,
}

impl Training {
    pub fn validate(&self) -> ValidationErrors {
        let mut e = ValidationErrors::new();
        check_text(&mut e, "title", &self.title, true, MAX_SHORT_TEXT);
        check_text(&mut e, "trainer", &self.trainer, false, MAX_SHORT_TEXT);
        check_text(&mut e, "place", &self.place, false, MAX_SHORT_TEXT);
        check_order(&mut e, "end", Some(self.start), self.end);
        if self.participants.len() > MAX_TRAINEES {
            e.add("participants", "error-too-many");
        }
        for t in &self.participants {
            check_text(&mut e, "name", &t.name, true, MAX_SHORT_TEXT);
            for (f, v) in [("pre", t.pre), ("post", t.post)] {
                if v.is_some_and(|v| v > MAX_TEST_SCORE) {
                    e.add(f, "error-test-score");
                }
            }
        }
        e
    }

    /// Every organisation the training supported: those named, and those of the participants.
    pub fn supported(&self) -> Vec<StakeholderId> {
        let mut all: Vec<StakeholderId> = self
            .stakeholders
            .iter()
            .copied()
            .chain(self.participants.iter().filter_map(|t| t.stakeholder))
            .collect();
        all.sort();
        all.dedup();
        all
    }

    pub fn results(&self) -> TrainingResults {
        let both: Vec<(u8, u8)> = self
            .participants
            .iter()
            .filter_map(|t| Some((t.pre?, t.post?)))
            .collect();
        let mean = |f: fn(&(u8, u8)) -> u8| {
            (!both.is_empty()).then(|| {
                let sum: u64 = both.iter().map(|x| u64::from(f(x))).sum();
                (sum as f64 / both.len() as f64 * 10.0).round() / 10.0
            })
        };
        TrainingResults {
            participants: self.participants.len(),
            tested_twice: both.len(),
            mean_pre: mean(|x| x.0),
            mean_post: mean(|x| x.1),
            improved: self
                .participants
                .iter()
                .filter(|t| t.improved() == Some(true))
                .count(),
        }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, ToSchema)]
pub struct TrainingResults {
    pub participants: usize,
    /// Participants with both a pre- and a post-test score.
    pub tested_twice: usize,
    pub mean_pre: Option<f64>,
    pub mean_post: Option<f64>,
    pub improved: usize,
}

/// The handbook's example indicator: of the stakeholders supported, how many are more engaged
/// after the support than before it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct EngagementChange {
    /// Stakeholders that received support (a training).
    pub supported: usize,
    /// Of those, stakeholders assessed both before (or on the day of) their first support and
    /// after it: the denominator.
    pub measured: usize,
    pub more_engaged: usize,
}

/// A supported stakeholder assessed both before (or on the day of) its first support and after
/// it: when it was assessed after, and whether its engagement rose.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EngagementOutcome {
    pub stakeholder: StakeholderId,
    pub assessed_after: Date,
    pub more_engaged: bool,
}

/// Support given by trainings that have begun: each organisation supported, on the training's
/// first day.
pub fn training_support<'a>(
    trainings: impl IntoIterator<Item = &'a Training>,
    today: Date,
) -> Vec<(StakeholderId, Date)> {
    trainings
        .into_iter()
        .filter(|t| t.start <= today)
        .flat_map(|t| t.supported().into_iter().map(move |s| (s, t.start)))
        .collect()
}

/// For each supported stakeholder, compares the last assessment on or before its first support
/// with the latest assessment after it. Returns how many were supported, and the outcome of
/// those measured.
pub fn engagement_outcomes(
    assessments: &[(StakeholderId, Date, u8)],
    support: &[(StakeholderId, Date)],
) -> (usize, Vec<EngagementOutcome>) {
    let mut first: Vec<(StakeholderId, Date)> = Vec::new();
    for (s, d) in support {
        match first.iter_mut().find(|(x, _)| x == s) {
            Some((_, f)) if *d < *f => *f = *d,
            Some(_) => {}
            None => first.push((*s, *d)),
        }
    }
    let supported = first.len();
    let mut out = Vec::new();
    for (s, from) in first {
        let mine = assessments.iter().filter(|(x, _, _)| *x == s);
        let before = mine
            .clone()
            .filter(|(_, d, _)| *d <= from)
            .max_by_key(|(_, d, _)| *d);
        let after = mine
            .filter(|(_, d, _)| *d > from)
            .max_by_key(|(_, d, _)| *d);
        if let (Some(b), Some(a)) = (before, after) {
            out.push(EngagementOutcome {
                stakeholder: s,
                assessed_after: a.1,
                more_engaged: a.2 > b.2,
            });
        }
    }
    (supported, out)
}

/// The handbook's example indicator, summed up from [`engagement_outcomes`].
pub fn engagement_change(
    assessments: &[(StakeholderId, Date, u8)],
    support: &[(StakeholderId, Date)],
) -> EngagementChange {
    let (supported, outcomes) = engagement_outcomes(assessments, support);
    EngagementChange {
        supported,
        measured: outcomes.len(),
        more_engaged: outcomes.iter().filter(|o| o.more_engaged).count(),
    }
}
