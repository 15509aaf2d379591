//! The community level (Module 3): communities of return, the criteria a programme uses to choose
//! where to work, community projects with their screening (Table 3.2) and three-stage selection
//! (Table 3.4), their participants and monitoring visits.
//!
//! The handbook gives no scores, weights or returnee-to-community ratios: its criteria are
//! qualitative checklists. Weights and the shortlist size are therefore programme settings
//! ([`SelectionConfig`]), with every criterion weighing 1 until the programme says otherwise.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use time::Date;
use utoipa::ToSchema;

use crate::case::{MAX_LONG_TEXT, MAX_SHORT_TEXT, Sex, named_enum};
use crate::ids::CaseId;
use crate::pathway::Dimension;
use crate::text::fold;
use crate::validation::ValidationErrors;

pub(crate) fn check_text(
    e: &mut ValidationErrors,
    field: &str,
    value: &str,
    required: bool,
    max: usize,
) {
    if required && value.trim().is_empty() {
        e.add(field, "error-required");
    } else if value.chars().count() > max {
        e.add(field, "error-too-long");
    }
}

pub(crate) fn check_lines(e: &mut ValidationErrors, field: &str, lines: &[String], max: usize) {
    if lines.len() > max {
        e.add(field, "error-too-many");
    } else if lines.iter().any(|l| l.chars().count() > MAX_SHORT_TEXT) {
        e.add(field, "error-too-long");
    }
}

/// Dates that must not be in the future (visits, decisions, meetings held).
pub(crate) fn check_past(e: &mut ValidationErrors, field: &str, d: Date, today: Date) {
    if d > today {
        e.add(field, "error-date-in-future");
    }
}

pub(crate) fn check_order(
    e: &mut ValidationErrors,
    field: &str,
    from: Option<Date>,
    to: Option<Date>,
) {
    if let (Some(a), Some(b)) = (from, to)
        && b < a
    {
        e.add(field, "error-end-before-start");
    }
}

named_enum!(
    /// How strongly people leave the area (Module 3: profiles are made where returns are high
    /// or out-migration pressure is strong).
    Pressure {
        Low = "low",
        Medium = "medium",
        High = "high",
    }
);

/// A community of return. Which cases belong to it follows from their place of return: a case
/// whose province and community of return match the community's province and one of its
/// places (or its name).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Community {
    pub name: String,
    pub province: String,
    /// Localities that make up the community, as written on cases' "community of return".
    #[serde(default)]
    pub places: Vec<String>,
    #[serde(default)]
    pub population: Option<u32>,
    /// Returnees known to live there, registered or not (an estimate).
    #[serde(default)]
    pub returnees_estimate: Option<u32>,
    /// Returns in the last twelve months.
    #[serde(default)]
    pub return_inflow: Option<u32>,
    #[serde(default)]
    pub migration_pressure: Option<Pressure>,
    /// Services present (health centre, school, employment office…), in the team's words.
    #[serde(default)]
    pub services_present: String,
    /// Why these boundaries: the handbook says the definition of a community depends on context.
    #[serde(default)]
    pub definition: String,
    /// The selection checklist as assessed for this community, by criterion key.
    #[serde(default)]
    pub selection: BTreeMap<String, CriterionCheck>,
}

pub const MAX_PLACES: usize = 30;

impl Community {
    pub fn normalised(mut self) -> Self {
        self.name = self.name.trim().to_string();
        self.province = self.province.trim().to_string();
        self.places = self
            .places
            .iter()
            .map(|p| p.trim().to_string())
            .filter(|p| !p.is_empty())
            .collect();
        self.services_present = self.services_present.trim().to_string();
        self.definition = self.definition.trim().to_string();
        self
    }

    pub fn validate(&self) -> ValidationErrors {
        let mut e = ValidationErrors::new();
        check_text(&mut e, "name", &self.name, true, MAX_SHORT_TEXT);
        check_text(&mut e, "province", &self.province, true, MAX_SHORT_TEXT);
        check_lines(&mut e, "places", &self.places, MAX_PLACES);
        check_text(
            &mut e,
            "services_present",
            &self.services_present,
            false,
            MAX_LONG_TEXT,
        );
        check_text(&mut e, "definition", &self.definition, false, MAX_LONG_TEXT);
        for c in self.selection.values() {
            if c.evidence.chars().count() > MAX_LONG_TEXT {
                e.add("selection", "error-too-long");
            }
        }
        e
    }

    /// Whether a case returned to this community (accents and case ignored).
    pub fn covers(&self, province: &str, community: Option<&str>) -> bool {
        if fold(province) != fold(&self.province) {
            return false;
        }
        let Some(place) = community.map(fold).filter(|p| !p.is_empty()) else {
            return false;
        };
        fold(&self.name) == place || self.places.iter().any(|p| fold(p) == place)
    }
}

// ---------------------------------------------------------------------------------------------
// Choosing communities

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

// ---------------------------------------------------------------------------------------------
// Community projects

named_enum!(
    /// The kinds of community project of Module 3.
    ProjectKind {
        CollectiveIncome = "collective_income",
        LocalDevelopment = "local_development",
        FinancialGroup = "financial_group",
        ServiceImprovement = "service_improvement",
        PeerSupport = "peer_support",
        Mentoring = "mentoring",
        CommunityEvents = "community_events",
    }
);

impl ProjectKind {
    pub fn dimension(self) -> Dimension {
        match self {
            ProjectKind::CollectiveIncome
            | ProjectKind::LocalDevelopment
            | ProjectKind::FinancialGroup => Dimension::Economic,
            ProjectKind::ServiceImprovement => Dimension::Social,
            ProjectKind::PeerSupport | ProjectKind::Mentoring | ProjectKind::CommunityEvents => {
                Dimension::Psychosocial
            }
        }
    }
    /// Collective income-generating projects go through the three selection stages of
    /// Table 3.4 before they start; for the other kinds the stages are available, not required.
    pub fn needs_selection(self) -> bool {
        self == ProjectKind::CollectiveIncome
    }
}

named_enum!(
    /// The three approaches of Table 3.3.
    Approach {
        CollectiveReturnee = "collective_returnee",
        NewCommunityBased = "new_community_based",
        ExistingProject = "existing_project",
    }
);

/// Table 3.2's criteria for the benefits of a community project.
pub const POSITIVE_CRITERIA: [&str; 9] = [
    "gathers_returnees_and_community",
    "proposed_by_community",
    "supports_vulnerable_returnees",
    "meets_community_needs",
    "social_cohesion",
    "socioeconomic_improvement",
    "local_development_plan",
    "environmentally_friendly",
    "gender_perspective",
];

/// Table 3.2's drawbacks. Any of them stops the project at screening.
pub const NEGATIVE_CRITERIA: [&str; 4] = [
    "could_do_harm",
    "not_viable",
    "ignores_community_needs",
    "no_gender_consideration",
];

/// The screening of a project against Table 3.2: every criterion answered yes or no.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Screening {
    #[serde(with = "crate::case::date")]
    #[schema(value_type = String, format = Date)]
    pub on: Date,
    pub answers: BTreeMap<String, bool>,
    #[serde(default)]
    pub note: String,
}

impl Screening {
    pub fn validate(&self, today: Date) -> ValidationErrors {
        let mut e = ValidationErrors::new();
        check_past(&mut e, "on", self.on, today);
        for k in POSITIVE_CRITERIA.iter().chain(&NEGATIVE_CRITERIA) {
            if !self.answers.contains_key(*k) {
                e.add(*k, "error-required");
            }
        }
        if self.answers.keys().any(|k| {
            !POSITIVE_CRITERIA.contains(&k.as_str()) && !NEGATIVE_CRITERIA.contains(&k.as_str())
        }) {
            e.add("answers", "error-choice");
        }
        check_text(&mut e, "note", &self.note, false, MAX_LONG_TEXT);
        e
    }
    pub fn positives(&self) -> usize {
        POSITIVE_CRITERIA
            .iter()
            .filter(|k| self.answers.get(**k) == Some(&true))
            .count()
    }
    /// The drawbacks found; the project can go no further while there is one.
    pub fn drawbacks(&self) -> Vec<&'static str> {
        NEGATIVE_CRITERIA
            .iter()
            .copied()
            .filter(|k| self.answers.get(*k) == Some(&true))
            .collect()
    }
    pub fn passes(&self) -> bool {
        self.drawbacks().is_empty()
    }
}

named_enum!(
    /// Table 3.4's selection stages: eligibility, context, then the programme's own criteria.
    SelectionStage {
        PreSelection = "pre_selection",
        Initial = "initial",
        Final = "final",
    }
);

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct StageDecision {
    pub stage: SelectionStage,
    pub passed: bool,
    #[serde(with = "crate::case::date")]
    #[schema(value_type = String, format = Date)]
    pub on: Date,
    #[serde(default)]
    pub note: String,
}

named_enum!(
    /// A step in a project's life after selection: it starts, then it is completed, or it is
    /// stopped at any point.
    LifecycleStep {
        Start = "start",
        Complete = "complete",
        Stop = "stop",
    }
);

named_enum!(
    ProjectOutcome {
        Completed = "completed",
        Stopped = "stopped",
    }
);

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ProjectClosing {
    pub outcome: ProjectOutcome,
    #[serde(with = "crate::case::date")]
    #[schema(value_type = String, format = Date)]
    pub on: Date,
    #[serde(default)]
    pub note: String,
}

named_enum!(
    ParticipantKind {
        Returnee = "returnee",
        /// A member of the community who is not a returnee.
        CommunityMember = "community_member",
    }
);

named_enum!(
    ParticipantRole {
        Member = "member",
        Leader = "leader",
        Mentor = "mentor",
        Mentee = "mentee",
        Facilitator = "facilitator",
        Trainee = "trainee",
    }
);

/// Someone taking part in a project. A returnee is linked to their case and their name is not
/// copied here: it is read from the case by those allowed to open it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ProjectParticipant {
    pub id: uuid::Uuid,
    pub kind: ParticipantKind,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub case: Option<CaseId>,
    /// Community members only.
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub sex: Option<Sex>,
    pub role: ParticipantRole,
    #[serde(with = "crate::case::date")]
    #[schema(value_type = String, format = Date)]
    pub joined: Date,
    #[serde(default, with = "crate::case::opt_date")]
    #[schema(value_type = Option<String>, format = Date)]
    pub left: Option<Date>,
}

impl ProjectParticipant {
    pub fn active(&self) -> bool {
        self.left.is_none()
    }
}

/// A community project. Its community is the record it belongs to.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Project {
    pub name: String,
    pub kind: ProjectKind,
    #[serde(default)]
    pub approach: Option<Approach>,
    #[serde(default)]
    pub summary: String,
    /// In whole units of `currency`.
    #[serde(default)]
    pub budget: Option<u64>,
    #[serde(default)]
    pub currency: String,
    #[serde(default, with = "crate::case::opt_date")]
    #[schema(value_type = Option<String>, format = Date)]
    pub start: Option<Date>,
    #[serde(default, with = "crate::case::opt_date")]
    #[schema(value_type = Option<String>, format = Date)]
    pub end: Option<Date>,
    /// Planned activities, one per line.
    #[serde(default)]
    pub activities: Vec<String>,
    #[serde(default)]
    pub screening: Option<Screening>,
    #[serde(default)]
    pub selection: Vec<StageDecision>,
    #[serde(default, with = "crate::case::opt_date")]
    #[schema(value_type = Option<String>, format = Date)]
    pub started_on: Option<Date>,
    #[serde(default)]
    pub closing: Option<ProjectClosing>,
    #[serde(default)]
    pub participants: Vec<ProjectParticipant>,
}

pub const MAX_ACTIVITIES: usize = 40;
pub const MAX_PARTICIPANTS: usize = 500;
pub const MAX_BUDGET: u64 = 1_000_000_000_000;

named_enum!(
    ProjectStatus {
        Proposed = "proposed",
        Screened = "screened",
        PreSelected = "pre_selected",
        InitiallySelected = "initially_selected",
        Selected = "selected",
        Rejected = "rejected",
        Running = "running",
        Completed = "completed",
        Stopped = "stopped",
    }
);

/// Why a step on a project was refused; each is a message id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProjectRefusal {
    Closed,
    Started,
    NotStarted,
    ScreeningFirst,
    ScreeningFailed,
    ScreeningLocked,
    StageOrder,
    Rejected,
    SelectionFirst,
    ParticipantTwice,
    UnknownParticipant,
    TooMany,
    KindLocked,
    DateOrder,
    UnknownStep,
}

impl ProjectRefusal {
    pub fn code(self) -> &'static str {
        match self {
            ProjectRefusal::Closed => "error-project-closed",
            ProjectRefusal::Started => "error-project-started",
            ProjectRefusal::NotStarted => "error-project-not-started",
            ProjectRefusal::ScreeningFirst => "error-project-screening-first",
            ProjectRefusal::ScreeningFailed => "error-project-screening-failed",
            ProjectRefusal::ScreeningLocked => "error-project-screening-locked",
            ProjectRefusal::StageOrder => "error-project-stage-order",
            ProjectRefusal::Rejected => "error-project-rejected",
            ProjectRefusal::SelectionFirst => "error-project-selection-first",
            ProjectRefusal::ParticipantTwice => "error-participant-twice",
            ProjectRefusal::UnknownParticipant => "error-participant-unknown",
            ProjectRefusal::TooMany => "error-too-many",
            ProjectRefusal::KindLocked => "error-project-kind-locked",
            ProjectRefusal::DateOrder => "error-project-date-order",
            ProjectRefusal::UnknownStep => "error-choice",
        }
    }
}

impl Project {
    pub fn normalised(mut self) -> Self {
        self.name = self.name.trim().to_string();
        self.summary = self.summary.trim().to_string();
        self.currency = self.currency.trim().to_uppercase();
        self.activities = self
            .activities
            .iter()
            .map(|a| a.trim().to_string())
            .filter(|a| !a.is_empty())
            .collect();
        for p in &mut self.participants {
            p.name = p.name.trim().to_string();
        }
        let notes = self
            .screening
            .iter_mut()
            .map(|s| &mut s.note)
            .chain(self.selection.iter_mut().map(|d| &mut d.note))
            .chain(self.closing.iter_mut().map(|c| &mut c.note));
        for note in notes {
            *note = note.trim().to_string();
        }
        self
    }

    /// Checks the fields people edit; the lifecycle is checked by each step.
    pub fn validate(&self) -> ValidationErrors {
        let mut e = ValidationErrors::new();
        check_text(&mut e, "name", &self.name, true, MAX_SHORT_TEXT);
        check_text(&mut e, "summary", &self.summary, false, MAX_LONG_TEXT);
        check_text(&mut e, "currency", &self.currency, false, 10);
        if self.budget.is_some_and(|b| b > MAX_BUDGET) {
            e.add("budget", "error-amount-too-large");
        }
        if self.budget.is_some() && self.currency.is_empty() {
            e.add("currency", "error-required");
        }
        check_order(&mut e, "end", self.start, self.end);
        check_lines(&mut e, "activities", &self.activities, MAX_ACTIVITIES);
        if self.participants.len() > MAX_PARTICIPANTS {
            e.add("participants", "error-too-many");
        }
        for p in &self.participants {
            match p.kind {
                ParticipantKind::Returnee if p.case.is_none() => e.add("case", "error-required"),
                ParticipantKind::CommunityMember => {
                    check_text(&mut e, "name", &p.name, true, MAX_SHORT_TEXT)
                }
                _ => {}
            }
            check_order(&mut e, "left", Some(p.joined), p.left);
        }
        e
    }

    /// `validate`, and no step of the project or of its participants dated after `today`
    /// (the planned start and end may be).
    pub fn validate_at(&self, today: Date) -> ValidationErrors {
        let mut e = self.validate();
        let recorded = self
            .screening
            .iter()
            .map(|s| s.on)
            .chain(self.selection.iter().map(|d| d.on))
            .chain(self.started_on)
            .chain(self.closing.iter().map(|c| c.on));
        for on in recorded {
            check_past(&mut e, "on", on, today);
        }
        let notes = self
            .screening
            .iter()
            .map(|s| &s.note)
            .chain(self.selection.iter().map(|d| &d.note))
            .chain(self.closing.iter().map(|c| &c.note));
        for note in notes {
            check_text(&mut e, "note", note, false, MAX_LONG_TEXT);
        }
        for p in &self.participants {
            check_past(&mut e, "joined", p.joined, today);
            if let Some(left) = p.left {
                check_past(&mut e, "left", left, today);
            }
        }
        e
    }

    pub fn status(&self) -> ProjectStatus {
        if let Some(c) = &self.closing {
            return match c.outcome {
                ProjectOutcome::Completed => ProjectStatus::Completed,
                ProjectOutcome::Stopped => ProjectStatus::Stopped,
            };
        }
        if self.started_on.is_some() {
            return ProjectStatus::Running;
        }
        let Some(s) = &self.screening else {
            return ProjectStatus::Proposed;
        };
        if !s.passes() || self.selection.iter().any(|d| !d.passed) {
            return ProjectStatus::Rejected;
        }
        match self.selection.last().map(|d| d.stage) {
            None => ProjectStatus::Screened,
            Some(SelectionStage::PreSelection) => ProjectStatus::PreSelected,
            Some(SelectionStage::Initial) => ProjectStatus::InitiallySelected,
            Some(SelectionStage::Final) => ProjectStatus::Selected,
        }
    }

    pub fn dimension(&self) -> Dimension {
        self.kind.dimension()
    }

    /// The kind decides whether selection is required, so it is fixed once selection or the
    /// project has begun.
    pub fn kind_can_change(&self) -> bool {
        self.selection.is_empty() && self.started_on.is_none()
    }

    fn open(&self) -> Result<(), ProjectRefusal> {
        if self.closing.is_some() {
            Err(ProjectRefusal::Closed)
        } else {
            Ok(())
        }
    }

    /// Records (or redoes) the screening; only before any selection decision or start.
    pub fn screen(&mut self, s: Screening) -> Result<(), ProjectRefusal> {
        self.open()?;
        if self.started_on.is_some() {
            return Err(ProjectRefusal::Started);
        }
        if !self.selection.is_empty() {
            return Err(ProjectRefusal::ScreeningLocked);
        }
        self.screening = Some(s);
        Ok(())
    }

    /// The stage that comes next, if any.
    pub fn next_stage(&self) -> Option<SelectionStage> {
        match self.selection.last() {
            None => Some(SelectionStage::PreSelection),
            Some(d) if !d.passed => None,
            Some(d) => match d.stage {
                SelectionStage::PreSelection => Some(SelectionStage::Initial),
                SelectionStage::Initial => Some(SelectionStage::Final),
                SelectionStage::Final => None,
            },
        }
    }

    /// Records a selection decision: stages come in order, after a screening without drawbacks.
    pub fn decide(&mut self, d: StageDecision) -> Result<(), ProjectRefusal> {
        self.open()?;
        if self.started_on.is_some() {
            return Err(ProjectRefusal::Started);
        }
        match &self.screening {
            None => return Err(ProjectRefusal::ScreeningFirst),
            Some(s) if !s.passes() => return Err(ProjectRefusal::ScreeningFailed),
            _ => {}
        }
        if self.selection.iter().any(|x| !x.passed) {
            return Err(ProjectRefusal::Rejected);
        }
        if self.next_stage() != Some(d.stage) {
            return Err(ProjectRefusal::StageOrder);
        }
        let earlier = self
            .selection
            .last()
            .map(|x| x.on)
            .or(self.screening.as_ref().map(|s| s.on));
        if earlier.is_some_and(|e| d.on < e) {
            return Err(ProjectRefusal::DateOrder);
        }
        self.selection.push(d);
        Ok(())
    }

    pub fn start(&mut self, on: Date) -> Result<(), ProjectRefusal> {
        self.can_start(on)?;
        self.started_on = Some(on);
        Ok(())
    }

    /// Why the project could not start on `on`, if it could not.
    pub fn can_start(&self, on: Date) -> Result<(), ProjectRefusal> {
        self.open()?;
        if self.started_on.is_some() {
            return Err(ProjectRefusal::Started);
        }
        match &self.screening {
            None => return Err(ProjectRefusal::ScreeningFirst),
            Some(s) if !s.passes() => return Err(ProjectRefusal::ScreeningFailed),
            _ => {}
        }
        if self.selection.iter().any(|x| !x.passed) {
            return Err(ProjectRefusal::Rejected);
        }
        let selected = self
            .selection
            .iter()
            .any(|d| d.stage == SelectionStage::Final && d.passed);
        if self.kind.needs_selection() && !selected {
            return Err(ProjectRefusal::SelectionFirst);
        }
        let screened_on = self.screening.as_ref().map(|s| s.on);
        if self
            .selection
            .iter()
            .map(|d| d.on)
            .chain(screened_on)
            .any(|d| d > on)
        {
            return Err(ProjectRefusal::DateOrder);
        }
        Ok(())
    }

    /// Takes a lifecycle step on the given day; the note is kept with a completion or a stop.
    pub fn take_step(
        &mut self,
        step: LifecycleStep,
        on: Date,
        note: String,
    ) -> Result<(), ProjectRefusal> {
        let outcome = match step {
            LifecycleStep::Start => return self.start(on),
            LifecycleStep::Complete => ProjectOutcome::Completed,
            LifecycleStep::Stop => ProjectOutcome::Stopped,
        };
        self.close(ProjectClosing { outcome, on, note })
    }

    pub fn close(&mut self, c: ProjectClosing) -> Result<(), ProjectRefusal> {
        self.open()?;
        // A project can be stopped before it starts (rejected or abandoned); completed only
        // once running.
        if c.outcome == ProjectOutcome::Completed && self.started_on.is_none() {
            return Err(ProjectRefusal::NotStarted);
        }
        if self.started_on.is_some_and(|s| c.on < s) {
            return Err(ProjectRefusal::DateOrder);
        }
        self.closing = Some(c);
        Ok(())
    }

    pub fn add_participant(&mut self, p: ProjectParticipant) -> Result<(), ProjectRefusal> {
        self.open()?;
        if self.participants.len() >= MAX_PARTICIPANTS {
            return Err(ProjectRefusal::TooMany);
        }
        if p.case.is_some()
            && self
                .participants
                .iter()
                .any(|x| x.active() && x.case == p.case)
        {
            return Err(ProjectRefusal::ParticipantTwice);
        }
        self.participants.push(p);
        Ok(())
    }

    pub fn participant_leaves(&mut self, id: uuid::Uuid, on: Date) -> Result<(), ProjectRefusal> {
        self.open()?;
        let p = self
            .participants
            .iter_mut()
            .find(|p| p.id == id && p.active())
            .ok_or(ProjectRefusal::UnknownParticipant)?;
        p.left = Some(on.max(p.joined));
        Ok(())
    }

    /// Cases of the returnees taking part now.
    pub fn active_cases(&self) -> Vec<CaseId> {
        self.participants
            .iter()
            .filter(|p| p.active())
            .filter_map(|p| p.case)
            .collect()
    }

    pub fn mix(&self) -> ParticipantMix {
        ParticipantMix::of(self.participants.iter().filter(|p| p.active()))
    }
}

named_enum!(
    /// How a project's participants are made up. The handbook strongly recommends that
    /// community work involve and benefit both returnees and non-migrants, and its first
    /// screening criterion asks for "several" of each; two of each is read as several.
    MixVerdict {
        Empty = "empty",
        ReturneesOnly = "returnees_only",
        CommunityOnly = "community_only",
        Unbalanced = "unbalanced",
        Mixed = "mixed",
    }
);

/// The smallest number of each group read as "several".
pub const SEVERAL: usize = 2;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct ParticipantMix {
    pub returnees: usize,
    pub community_members: usize,
    pub women: usize,
    pub men: usize,
    pub sex_not_recorded: usize,
}

impl ParticipantMix {
    pub fn of<'a>(participants: impl Iterator<Item = &'a ProjectParticipant>) -> Self {
        let mut m = ParticipantMix::default();
        for p in participants {
            match p.kind {
                ParticipantKind::Returnee => m.returnees += 1,
                ParticipantKind::CommunityMember => m.community_members += 1,
            }
            match p.sex {
                Some(Sex::Female) => m.women += 1,
                Some(Sex::Male) => m.men += 1,
                None => m.sex_not_recorded += 1,
            }
        }
        m
    }
    pub fn total(&self) -> usize {
        self.returnees + self.community_members
    }
    /// Whether a group of people counted here is a small cell under `threshold`: then the
    /// counts, the returnees' share and the verdict would each tell who is in it, and readers
    /// under small-cell suppression get none of them.
    pub fn has_small_counts(&self, threshold: Option<u64>) -> bool {
        [
            self.returnees,
            self.community_members,
            self.women,
            self.men,
            self.sex_not_recorded,
        ]
        .iter()
        .any(|n| crate::authz::is_small_cell(*n as u64, threshold))
    }
    /// Returnees' share of participants, in whole per cent.
    pub fn returnee_percent(&self) -> Option<u64> {
        let t = self.total() as u64;
        (t > 0).then(|| (self.returnees as u64 * 100 + t / 2) / t)
    }
    pub fn verdict(&self) -> MixVerdict {
        match (self.returnees, self.community_members) {
            (0, 0) => MixVerdict::Empty,
            (_, 0) => MixVerdict::ReturneesOnly,
            (0, _) => MixVerdict::CommunityOnly,
            (r, c) if r >= SEVERAL && c >= SEVERAL => MixVerdict::Mixed,
            _ => MixVerdict::Unbalanced,
        }
    }
}

named_enum!(
    VisitRating {
        OnTrack = "on_track",
        SomeConcerns = "some_concerns",
        AtRisk = "at_risk",
    }
);

/// A monitoring visit to a project.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct MonitoringVisit {
    #[serde(with = "crate::case::date")]
    #[schema(value_type = String, format = Date)]
    pub on: Date,
    pub rating: VisitRating,
    #[serde(default)]
    pub participants_met: Option<u32>,
    #[serde(default)]
    pub findings: String,
    #[serde(default)]
    pub follow_up: String,
}

impl MonitoringVisit {
    pub fn validate(&self, today: Date) -> ValidationErrors {
        let mut e = ValidationErrors::new();
        check_past(&mut e, "on", self.on, today);
        check_text(&mut e, "findings", &self.findings, true, MAX_LONG_TEXT);
        check_text(&mut e, "follow_up", &self.follow_up, false, MAX_LONG_TEXT);
        e
    }
}

// ---------------------------------------------------------------------------------------------
// Satisfaction with community activities

/// The shipped instrument asking participants how satisfied they are with a project.
pub const SATISFACTION_FORM: &str = "community_satisfaction";
/// Its question naming who answers, and the one rating satisfaction.
pub const RESPONDENT_FIELD: &str = "respondent";
pub const SATISFACTION_FIELD: &str = "satisfaction";

/// Answers on the five-point scale that count as satisfied.
pub fn is_satisfied(answer: &str) -> bool {
    matches!(answer, "satisfied" | "very_satisfied")
}

/// Satisfaction of community members (respondents who are not returnees) with a project: the
/// figure behind the handbook's example indicator.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct Satisfaction {
    pub community_members: u64,
    pub satisfied: u64,
    pub returnees: u64,
    pub returnees_satisfied: u64,
}

impl Satisfaction {
    /// Adds one completed questionnaire's answers.
    pub fn add(&mut self, respondent: &str, satisfaction: &str) {
        let yes = u64::from(is_satisfied(satisfaction));
        match respondent {
            "returnee" => {
                self.returnees += 1;
                self.returnees_satisfied += yes;
            }
            "" => {}
            _ => {
                self.community_members += 1;
                self.satisfied += yes;
            }
        }
    }
}

/// Checks the office codes a record names (a programme's offices) against the offices that
/// exist: a code no office has would silently count nobody, so it is refused on the field
/// `offices`. Blank entries are ignored; codes compare without regard to case.
pub fn check_office_codes(codes: &[String], known: &[String], errors: &mut ValidationErrors) {
    let unknown = codes
        .iter()
        .map(|c| c.trim())
        .filter(|c| !c.is_empty())
        .any(|c| !known.iter().any(|k| k.eq_ignore_ascii_case(c)));
    if unknown {
        errors.add("offices", "error-unknown-office");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_programme_may_name_only_offices_that_exist() {
        let known = vec!["DKR".to_string(), "TAM".to_string()];
        let check = |codes: &[&str]| {
            let mut e = ValidationErrors::new();
            let codes: Vec<String> = codes.iter().map(|c| c.to_string()).collect();
            check_office_codes(&codes, &known, &mut e);
            e.is_empty()
        };
        assert!(check(&["dkr", " TAM ", ""]));
        assert!(check(&[]));
        assert!(!check(&["DKR", "ZIG"]));
    }
    use time::macros::date;

    fn check(status: CheckStatus) -> CriterionCheck {
        CriterionCheck {
            status,
            evidence: String::new(),
        }
    }

    fn checks(pairs: &[(&str, CheckStatus)]) -> BTreeMap<String, CriterionCheck> {
        pairs
            .iter()
            .map(|(k, s)| (k.to_string(), check(*s)))
            .collect()
    }

    fn config(weights: &[(&str, u8, bool)], size: u8) -> SelectionConfig {
        SelectionConfig {
            criteria: weights
                .iter()
                .map(|(k, w, e)| Criterion {
                    key: k.to_string(),
                    label: String::new(),
                    source: CriterionSource::Targeting,
                    weight: *w,
                    essential: *e,
                })
                .collect(),
            shortlist_size: size,
        }
    }

    #[test]
    fn ranking_weighs_met_and_partly_met_criteria() {
        use CheckStatus::*;
        let cfg = config(&[("a", 2, false), ("b", 1, false), ("c", 1, false)], 2);
        let north = checks(&[("a", Met), ("b", Met), ("c", NotMet)]); // 3/4
        let south = checks(&[("a", PartlyMet), ("b", Met), ("c", Met)]); // 3/4, fewer unknown
        let east = checks(&[("a", Met)]); // 2/4, two unknown
        let west = checks(&[("b", PartlyMet)]); // 0.5/4
        let ranked = rank(
            &cfg,
            &[
                Candidate {
                    key: "east",
                    name: "East",
                    returnees: 50,
                    checks: &east,
                },
                Candidate {
                    key: "north",
                    name: "North",
                    returnees: 10,
                    checks: &north,
                },
                Candidate {
                    key: "south",
                    name: "South",
                    returnees: 30,
                    checks: &south,
                },
                Candidate {
                    key: "west",
                    name: "West",
                    returnees: 1,
                    checks: &west,
                },
            ],
        );
        let order: Vec<&str> = ranked.iter().map(|r| r.key).collect();
        // North and South tie on score and unknowns; South has more registered returnees.
        assert_eq!(order, ["south", "north", "east", "west"]);
        assert!((ranked[0].score - 0.75).abs() < 1e-9);
        assert!((ranked[3].score - 0.125).abs() < 1e-9);
        assert_eq!((ranked[2].met, ranked[2].unknown), (1, 2));
        let shortlisted: Vec<&str> = ranked
            .iter()
            .filter(|r| r.shortlisted)
            .map(|r| r.key)
            .collect();
        assert_eq!(shortlisted, ["south", "north"]);
    }

    #[test]
    fn an_unmet_essential_criterion_keeps_a_community_off_the_shortlist() {
        use CheckStatus::*;
        let cfg = config(&[("authorities", 1, true), ("jobs", 3, false)], 3);
        let high = checks(&[("authorities", NotMet), ("jobs", Met)]);
        let low = checks(&[("authorities", Met), ("jobs", NotMet)]);
        let none = checks(&[]);
        let ranked = rank(
            &cfg,
            &[
                Candidate {
                    key: 1,
                    name: "A",
                    returnees: 0,
                    checks: &high,
                },
                Candidate {
                    key: 2,
                    name: "B",
                    returnees: 0,
                    checks: &low,
                },
                Candidate {
                    key: 3,
                    name: "C",
                    returnees: 0,
                    checks: &none,
                },
            ],
        );
        assert_eq!(ranked[0].key, 1, "still ranked first on its score");
        assert_eq!(ranked[0].excluded_by, ["authorities"]);
        assert!(!ranked[0].shortlisted);
        assert!(ranked[1].shortlisted, "B meets the essential criterion");
        assert!(
            !ranked[2].shortlisted,
            "nothing known about C: not shortlisted"
        );
    }

    #[test]
    fn unused_criteria_and_the_default_checklist() {
        use CheckStatus::*;
        let cfg = config(&[("a", 0, true), ("b", 1, false)], 1);
        let c = checks(&[("a", NotMet), ("b", Met)]);
        let ranked = rank(
            &cfg,
            &[Candidate {
                key: (),
                name: "X",
                returnees: 0,
                checks: &c,
            }],
        );
        assert!(
            ranked[0].shortlisted,
            "a weight of 0 takes the criterion out, essential or not"
        );
        assert_eq!(ranked[0].score, 1.0);
        let d = SelectionConfig::default();
        assert_eq!(d.criteria.len(), 12);
        assert_eq!(
            d.criteria
                .iter()
                .filter(|c| c.source == CriterionSource::FavourableEnvironment)
                .count(),
            7
        );
        assert!(d.validate().is_empty());
        let mut bad = d.clone();
        bad.criteria.push(Criterion {
            key: "own".into(),
            label: String::new(),
            source: CriterionSource::Programme,
            weight: 9,
            essential: false,
        });
        bad.shortlist_size = 0;
        let e = bad.validate();
        assert_eq!(e.for_field("weight_own"), Some("error-weight"));
        assert_eq!(e.for_field("label_own"), Some("error-required"));
        assert_eq!(e.for_field("shortlist_size"), Some("error-shortlist-size"));
    }

    #[test]
    fn a_community_covers_cases_by_province_and_place() {
        let c = Community {
            name: "Pikine".into(),
            province: "Dakar".into(),
            places: vec!["Thiaroye".into(), "Guédiawaye".into()],
            ..Community::default()
        };
        assert!(c.covers("dakar", Some("PIKINE")));
        assert!(c.covers("Dakar", Some("Guediawaye")));
        assert!(!c.covers("Thiès", Some("Pikine")));
        assert!(!c.covers("Dakar", None));
        assert!(!c.covers("Dakar", Some("Rufisque")));
    }

    pub(crate) fn participant(kind: ParticipantKind, sex: Option<Sex>) -> ProjectParticipant {
        ProjectParticipant {
            id: uuid::Uuid::new_v4(),
            kind,
            case: (kind == ParticipantKind::Returnee).then(CaseId::new),
            name: if kind == ParticipantKind::CommunityMember {
                "Fatou".into()
            } else {
                String::new()
            },
            sex,
            role: ParticipantRole::Member,
            joined: date!(2026 - 03 - 01),
            left: None,
        }
    }

    #[test]
    fn participant_mix_counts_active_participants_only() {
        use ParticipantKind::*;
        let mut p = project(ProjectKind::CollectiveIncome);
        assert_eq!(p.mix().verdict(), MixVerdict::Empty);
        p.add_participant(participant(Returnee, Some(Sex::Male)))
            .unwrap();
        p.add_participant(participant(Returnee, Some(Sex::Female)))
            .unwrap();
        assert_eq!(p.mix().verdict(), MixVerdict::ReturneesOnly);
        p.add_participant(participant(CommunityMember, Some(Sex::Female)))
            .unwrap();
        assert_eq!(p.mix().verdict(), MixVerdict::Unbalanced);
        for _ in 0..2 {
            p.add_participant(participant(CommunityMember, None))
                .unwrap();
        }
        let m = p.mix();
        assert_eq!(m.verdict(), MixVerdict::Mixed);
        assert_eq!((m.returnees, m.community_members, m.total()), (2, 3, 5));
        assert_eq!((m.women, m.men, m.sex_not_recorded), (2, 1, 2));
        assert_eq!(m.returnee_percent(), Some(40));
        // A returnee who leaves no longer counts, and the project is no longer mixed.
        let first = p.participants[0].id;
        p.participant_leaves(first, date!(2026 - 04 - 01)).unwrap();
        assert_eq!(p.mix().verdict(), MixVerdict::Unbalanced);
        assert_eq!(p.active_cases().len(), 1);
        assert_eq!(
            p.participant_leaves(first, date!(2026 - 04 - 02)),
            Err(ProjectRefusal::UnknownParticipant)
        );
        let only_members = ParticipantMix::of([participant(CommunityMember, None)].iter());
        assert_eq!(only_members.verdict(), MixVerdict::CommunityOnly);
    }

    #[test]
    fn the_same_returnee_cannot_take_part_twice() {
        let mut p = project(ProjectKind::PeerSupport);
        let r = participant(ParticipantKind::Returnee, None);
        p.add_participant(r.clone()).unwrap();
        let again = ProjectParticipant {
            id: uuid::Uuid::new_v4(),
            ..r
        };
        assert_eq!(
            p.add_participant(again),
            Err(ProjectRefusal::ParticipantTwice)
        );
    }

    fn project(kind: ProjectKind) -> Project {
        Project {
            name: "Poultry cooperative".into(),
            kind,
            approach: Some(Approach::CollectiveReturnee),
            summary: String::new(),
            budget: Some(5_000_000),
            currency: "XOF".into(),
            start: None,
            end: None,
            activities: vec![],
            screening: None,
            selection: vec![],
            started_on: None,
            closing: None,
            participants: vec![],
        }
    }

    fn screening(drawback: bool) -> Screening {
        let mut answers: BTreeMap<String, bool> = POSITIVE_CRITERIA
            .iter()
            .enumerate()
            .map(|(i, k)| (k.to_string(), i % 2 == 0))
            .collect();
        for k in NEGATIVE_CRITERIA {
            answers.insert(k.to_string(), false);
        }
        if drawback {
            answers.insert("not_viable".into(), true);
        }
        Screening {
            on: date!(2026 - 02 - 01),
            answers,
            note: String::new(),
        }
    }

    fn stage(stage: SelectionStage, passed: bool) -> StageDecision {
        StageDecision {
            stage,
            passed,
            on: date!(2026 - 02 - 10),
            note: String::new(),
        }
    }

    #[test]
    fn a_collective_project_is_screened_then_selected_in_three_stages_before_it_starts() {
        use SelectionStage::*;
        let mut p = project(ProjectKind::CollectiveIncome);
        assert_eq!(p.status(), ProjectStatus::Proposed);
        assert_eq!(
            p.decide(stage(PreSelection, true)),
            Err(ProjectRefusal::ScreeningFirst)
        );
        assert_eq!(
            p.start(date!(2026 - 03 - 01)),
            Err(ProjectRefusal::ScreeningFirst)
        );
        p.screen(screening(false)).unwrap();
        assert_eq!(p.screening.as_ref().unwrap().positives(), 5);
        assert_eq!(p.status(), ProjectStatus::Screened);
        assert_eq!(
            p.decide(stage(Initial, true)),
            Err(ProjectRefusal::StageOrder)
        );
        assert_eq!(
            p.start(date!(2026 - 03 - 01)),
            Err(ProjectRefusal::SelectionFirst)
        );
        p.decide(stage(PreSelection, true)).unwrap();
        assert_eq!(p.status(), ProjectStatus::PreSelected);
        assert_eq!(
            p.screen(screening(false)),
            Err(ProjectRefusal::ScreeningLocked)
        );
        p.decide(stage(Initial, true)).unwrap();
        assert_eq!(p.status(), ProjectStatus::InitiallySelected);
        p.decide(stage(Final, true)).unwrap();
        assert_eq!(p.status(), ProjectStatus::Selected);
        assert_eq!(p.next_stage(), None);
        assert_eq!(
            p.decide(stage(Final, true)),
            Err(ProjectRefusal::StageOrder)
        );
        assert_eq!(
            p.start(date!(2026 - 02 - 09)),
            Err(ProjectRefusal::DateOrder)
        );
        assert!(!p.kind_can_change());
        p.start(date!(2026 - 03 - 01)).unwrap();
        assert_eq!(p.status(), ProjectStatus::Running);
        assert_eq!(
            p.close(ProjectClosing {
                outcome: ProjectOutcome::Completed,
                on: date!(2026 - 02 - 28),
                note: String::new(),
            }),
            Err(ProjectRefusal::DateOrder)
        );
        p.close(ProjectClosing {
            outcome: ProjectOutcome::Completed,
            on: date!(2026 - 09 - 01),
            note: String::new(),
        })
        .unwrap();
        assert_eq!(p.status(), ProjectStatus::Completed);
        assert_eq!(
            p.add_participant(participant(ParticipantKind::Returnee, None)),
            Err(ProjectRefusal::Closed)
        );
    }

    #[test]
    fn a_drawback_or_a_failed_stage_stops_a_project() {
        let mut p = project(ProjectKind::CollectiveIncome);
        p.screen(screening(true)).unwrap();
        assert_eq!(p.screening.as_ref().unwrap().drawbacks(), ["not_viable"]);
        assert_eq!(p.status(), ProjectStatus::Rejected);
        assert_eq!(
            p.decide(stage(SelectionStage::PreSelection, true)),
            Err(ProjectRefusal::ScreeningFailed)
        );
        // Screening can be redone (the drawback was addressed) while nothing was decided.
        p.screen(screening(false)).unwrap();
        p.decide(stage(SelectionStage::PreSelection, false))
            .unwrap();
        assert_eq!(p.status(), ProjectStatus::Rejected);
        assert_eq!(
            p.decide(stage(SelectionStage::Initial, true)),
            Err(ProjectRefusal::Rejected)
        );
        assert_eq!(
            p.close(ProjectClosing {
                outcome: ProjectOutcome::Completed,
                on: date!(2026 - 03 - 01),
                note: String::new()
            }),
            Err(ProjectRefusal::NotStarted)
        );
        // Other kinds may start once screened, without the three stages, but not before.
        let mut peer = project(ProjectKind::PeerSupport);
        peer.screen(screening(false)).unwrap();
        assert_eq!(
            peer.start(date!(2026 - 01 - 31)),
            Err(ProjectRefusal::DateOrder)
        );
        peer.start(date!(2026 - 03 - 01)).unwrap();
        assert_eq!(peer.dimension(), Dimension::Psychosocial);
    }

    #[test]
    fn decisions_and_steps_follow_the_calendar() {
        let mut p = project(ProjectKind::CollectiveIncome);
        p.screen(screening(false)).unwrap();
        let before_screening = StageDecision {
            on: date!(2026 - 01 - 20),
            ..stage(SelectionStage::PreSelection, true)
        };
        assert_eq!(p.decide(before_screening), Err(ProjectRefusal::DateOrder));
        p.decide(stage(SelectionStage::PreSelection, true)).unwrap();
        let before_pre_selection = StageDecision {
            on: date!(2026 - 02 - 09),
            ..stage(SelectionStage::Initial, true)
        };
        assert_eq!(
            p.decide(before_pre_selection),
            Err(ProjectRefusal::DateOrder)
        );
        let mut ahead = p.clone();
        ahead.decide(stage(SelectionStage::Initial, true)).unwrap();
        assert_eq!(
            ahead.validate_at(date!(2026 - 02 - 01)).for_field("on"),
            Some("error-date-in-future"),
            "decided after today"
        );
        ahead.selection[1].note = "x".repeat(MAX_LONG_TEXT + 1);
        assert_eq!(
            ahead.validate_at(date!(2026 - 03 - 01)).for_field("note"),
            Some("error-too-long")
        );
        // Stopping is possible before the start; completing is not.
        assert_eq!(
            p.take_step(
                LifecycleStep::Complete,
                date!(2026 - 03 - 01),
                String::new()
            ),
            Err(ProjectRefusal::NotStarted)
        );
        p.take_step(
            LifecycleStep::Stop,
            date!(2026 - 03 - 01),
            "No funds".into(),
        )
        .unwrap();
        assert_eq!(p.status(), ProjectStatus::Stopped);
        assert_eq!(p.closing.as_ref().unwrap().note, "No funds");
        assert_eq!(
            p.take_step(LifecycleStep::Start, date!(2026 - 03 - 02), String::new()),
            Err(ProjectRefusal::Closed)
        );
    }

    #[test]
    fn screening_must_answer_every_criterion() {
        let mut s = screening(false);
        s.answers.remove("gender_perspective");
        let e = s.validate(date!(2026 - 05 - 01));
        assert_eq!(e.for_field("gender_perspective"), Some("error-required"));
        assert!(screening(false).validate(date!(2026 - 05 - 01)).is_empty());
        assert_eq!(
            screening(false)
                .validate(date!(2026 - 01 - 01))
                .for_field("on"),
            Some("error-date-in-future")
        );
    }

    #[test]
    fn project_fields_are_checked() {
        let mut p = project(ProjectKind::LocalDevelopment);
        p.name = " ".into();
        p.currency = String::new();
        p.start = Some(date!(2026 - 05 - 01));
        p.end = Some(date!(2026 - 04 - 01));
        let e = p.normalised().validate();
        assert_eq!(e.for_field("name"), Some("error-required"));
        assert_eq!(e.for_field("currency"), Some("error-required"));
        assert_eq!(e.for_field("end"), Some("error-end-before-start"));

        // Planned dates may lie ahead; what happened may not.
        let mut p = project(ProjectKind::LocalDevelopment);
        p.end = Some(date!(2027 - 01 - 01));
        let mut later = participant(ParticipantKind::CommunityMember, None);
        later.joined = date!(2026 - 06 - 01);
        p.participants.push(later);
        let e = p.validate_at(date!(2026 - 05 - 01));
        assert_eq!(e.for_field("joined"), Some("error-date-in-future"));
        assert!(e.for_field("end").is_none());
        assert!(p.validate_at(date!(2026 - 06 - 01)).is_empty());
    }

    #[test]
    fn satisfaction_counts_community_members_apart_from_returnees() {
        let mut s = Satisfaction::default();
        s.add("community_member", "very_satisfied");
        s.add("community_member", "neutral");
        s.add("family_member", "satisfied");
        s.add("returnee", "satisfied");
        s.add("", "satisfied");
        assert_eq!(
            s,
            Satisfaction {
                community_members: 3,
                satisfied: 2,
                returnees: 1,
                returnees_satisfied: 1
            }
        );
    }
}
