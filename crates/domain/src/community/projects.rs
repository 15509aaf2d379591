//! Community projects

use super::*;

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

    pub(super) fn open(&self) -> Result<(), ProjectRefusal> {
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
