//! Coordination

use super::*;

named_enum!(
    /// Forms a coordination body takes (Figure 4.2 and the case studies of Module 4).
    MechanismForm {
        WorkingGroup = "working_group",
        InterministerialCommittee = "interministerial_committee",
        CaseManagementCommittee = "case_management_committee",
        SteeringCommittee = "steering_committee",
        LocalCouncil = "local_council",
        Other = "other",
    }
);

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Mechanism {
    pub name: String,
    pub level: StakeholderLevel,
    pub form: MechanismForm,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub chair: Option<StakeholderId>,
    #[serde(default)]
    #[schema(value_type = Vec<String>)]
    pub members: Vec<StakeholderId>,
    #[serde(default)]
    pub terms_of_reference: String,
    /// When the government endorsed it, if it has.
    #[serde(default, with = "crate::case::opt_date")]
    #[schema(value_type = Option<String>, format = Date)]
    pub endorsed_on: Option<Date>,
    #[serde(default)]
    pub meets: String,
}

named_enum!(
    /// What Figure 4.2 asks of a coordination mechanism that this one lacks.
    MechanismWarning {
        NotEndorsed = "not_endorsed",
        NoChair = "no_chair",
        ChairNotGovernment = "chair_not_government",
        NoTerms = "no_terms",
    }
);

impl Mechanism {
    pub fn validate(&self) -> ValidationErrors {
        let mut e = ValidationErrors::new();
        check_text(&mut e, "name", &self.name, true, MAX_SHORT_TEXT);
        check_text(
            &mut e,
            "terms_of_reference",
            &self.terms_of_reference,
            false,
            MAX_LONG_TEXT,
        );
        check_text(&mut e, "meets", &self.meets, false, MAX_SHORT_TEXT);
        e
    }
    /// The handbook wants coordination endorsed and chaired by the government, with terms of
    /// reference. `chair_kind` is the chair's kind on the stakeholder map.
    pub fn warnings(&self, chair_kind: Option<StakeholderKind>) -> Vec<MechanismWarning> {
        let mut w = Vec::new();
        if self.endorsed_on.is_none() {
            w.push(MechanismWarning::NotEndorsed);
        }
        match (self.chair, chair_kind) {
            (None, _) => w.push(MechanismWarning::NoChair),
            (
                Some(_),
                Some(StakeholderKind::NationalAuthority | StakeholderKind::LocalGovernment),
            ) => {}
            (Some(_), _) => w.push(MechanismWarning::ChairNotGovernment),
        }
        if self.terms_of_reference.trim().is_empty() {
            w.push(MechanismWarning::NoTerms);
        }
        w
    }
}

/// A meeting of a coordination mechanism (the mechanism is the record it belongs to).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Meeting {
    #[serde(with = "crate::case::date")]
    #[schema(value_type = String, format = Date)]
    pub on: Date,
    #[serde(default)]
    #[schema(value_type = Vec<String>)]
    pub attendees: Vec<StakeholderId>,
    #[serde(default)]
    pub other_attendees: String,
    #[serde(default)]
    pub agenda: String,
    #[serde(default)]
    pub decisions: String,
    #[serde(default)]
    pub action_points: Vec<ActionPoint>,
}

impl Meeting {
    /// The meeting without the people it names (see `NAMES_OF_PEOPLE`).
    pub fn hide_names(&mut self) {
        self.other_attendees.clear();
        hide_owners(&mut self.action_points);
    }

    pub fn validate(&self, today: Date) -> ValidationErrors {
        let mut e = ValidationErrors::new();
        check_past(&mut e, "on", self.on, today);
        check_text(
            &mut e,
            "other_attendees",
            &self.other_attendees,
            false,
            MAX_LONG_TEXT,
        );
        check_text(&mut e, "agenda", &self.agenda, false, MAX_LONG_TEXT);
        check_text(&mut e, "decisions", &self.decisions, false, MAX_LONG_TEXT);
        check_points(&mut e, &self.action_points);
        e
    }
}

named_enum!(
    /// Instruments the handbook names for formalising cooperation, and SOPs.
    AgreementKind {
        Mou = "mou",
        LongTermAgreement = "long_term_agreement",
        FrameworkAgreement = "framework_agreement",
        Sop = "sop",
        InterAgency = "inter_agency",
        PublicPrivatePartnership = "public_private_partnership",
        BilateralLabour = "bilateral_labour",
        GovernmentToGovernment = "government_to_government",
        Implementing = "implementing",
        DataSharing = "data_sharing",
        Other = "other",
    }
);

named_enum!(
    AgreementStatus {
        Draft = "draft",
        UnderReview = "under_review",
        Adopted = "adopted",
        Ended = "ended",
    }
);

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Agreement {
    pub title: String,
    pub kind: AgreementKind,
    pub status: AgreementStatus,
    #[serde(default)]
    #[schema(value_type = Vec<String>)]
    pub parties: Vec<StakeholderId>,
    #[serde(default)]
    pub other_parties: String,
    #[serde(default, with = "crate::case::opt_date")]
    #[schema(value_type = Option<String>, format = Date)]
    pub signed_on: Option<Date>,
    #[serde(default, with = "crate::case::opt_date")]
    #[schema(value_type = Option<String>, format = Date)]
    pub valid_from: Option<Date>,
    #[serde(default, with = "crate::case::opt_date")]
    #[schema(value_type = Option<String>, format = Date)]
    pub valid_until: Option<Date>,
    /// What personal data may pass between the parties, for what, and who may see it.
    #[serde(default)]
    pub data_sharing: String,
    #[serde(default)]
    pub summary: String,
}

/// Agreements ending within this many days are flagged for renewal.
pub const RENEWAL_NOTICE_DAYS: i64 = 60;

named_enum!(
    AgreementStanding {
        NotInForce = "not_in_force",
        InForce = "in_force",
        EndingSoon = "ending_soon",
        Expired = "expired",
    }
);

impl Agreement {
    pub fn validate(&self) -> ValidationErrors {
        let mut e = ValidationErrors::new();
        check_text(&mut e, "title", &self.title, true, MAX_SHORT_TEXT);
        check_text(
            &mut e,
            "other_parties",
            &self.other_parties,
            false,
            MAX_LONG_TEXT,
        );
        check_text(
            &mut e,
            "data_sharing",
            &self.data_sharing,
            false,
            MAX_LONG_TEXT,
        );
        check_text(&mut e, "summary", &self.summary, false, MAX_LONG_TEXT);
        check_order(&mut e, "valid_until", self.valid_from, self.valid_until);
        if self.status == AgreementStatus::Adopted && self.signed_on.is_none() {
            e.add("signed_on", "error-agreement-signed");
        }
        e
    }
    pub fn standing(&self, today: Date) -> AgreementStanding {
        if self.status != AgreementStatus::Adopted || self.valid_from.is_some_and(|f| f > today) {
            return AgreementStanding::NotInForce;
        }
        match self.valid_until {
            Some(u) if u < today => AgreementStanding::Expired,
            Some(u) if (u - today).whole_days() <= RENEWAL_NOTICE_DAYS => {
                AgreementStanding::EndingSoon
            }
            _ => AgreementStanding::InForce,
        }
    }
}

named_enum!(
    /// Sectoral policies of Table 4.8.
    PolicySector {
        Labour = "labour",
        Education = "education",
        Welfare = "welfare",
        Health = "health",
        GenderLgbti = "gender_lgbti",
        Environment = "environment",
        BusinessFinance = "business_finance",
    }
);

named_enum!(
    /// The steps of Figure 4.5.
    MainstreamingStep {
        Sensitisation = "sensitisation",
        Scoping = "scoping",
        GoalSetting = "goal_setting",
        ActionPlanning = "action_planning",
        Implementation = "implementation",
        Monitoring = "monitoring",
    }
);

named_enum!(
    /// The preconditions of Table 4.7.
    Precondition {
        PoliticalSupport = "political_support",
        Ownership = "ownership",
        InclusiveParticipation = "inclusive_participation",
        SharedObjectives = "shared_objectives",
        FeasibleTimeframes = "feasible_timeframes",
    }
);

named_enum!(
    StepStatus {
        NotStarted = "not_started",
        InProgress = "in_progress",
        Done = "done",
    }
);

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct StepProgress {
    pub step: MainstreamingStep,
    pub status: StepStatus,
    #[serde(default, with = "crate::case::opt_date")]
    #[schema(value_type = Option<String>, format = Date)]
    pub on: Option<Date>,
    #[serde(default)]
    pub note: String,
}

/// Mainstreaming reintegration into one sector's policy or strategy.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PolicyTrack {
    pub sector: PolicySector,
    /// The policy, strategy or plan concerned.
    pub framework: String,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub lead: Option<StakeholderId>,
    #[serde(default)]
    pub preconditions: Vec<Precondition>,
    #[serde(default)]
    pub steps: Vec<StepProgress>,
    #[serde(default)]
    pub notes: String,
}

impl PolicyTrack {
    pub fn validate(&self) -> ValidationErrors {
        let mut e = ValidationErrors::new();
        check_text(&mut e, "framework", &self.framework, true, MAX_SHORT_TEXT);
        check_text(&mut e, "notes", &self.notes, false, MAX_LONG_TEXT);
        for (i, s) in self.steps.iter().enumerate() {
            check_text(&mut e, "note", &s.note, false, MAX_LONG_TEXT);
            // One record per step: a second would be shadowed by the first.
            if self.steps[..i].iter().any(|x| x.step == s.step) {
                e.add("steps", "error-duplicate");
            }
        }
        e
    }
    pub fn step(&self, step: MainstreamingStep) -> Option<&StepProgress> {
        self.steps.iter().find(|s| s.step == step)
    }
    /// Records a step's progress, replacing what was recorded before.
    pub fn set_step(&mut self, p: StepProgress) {
        self.steps.retain(|s| s.step != p.step);
        self.steps.push(p);
        self.steps.sort_by_key(|s| s.step);
    }
    pub fn steps_done(&self) -> usize {
        self.steps
            .iter()
            .filter(|s| s.status == StepStatus::Done)
            .count()
    }
    /// The first step not done yet, in the handbook's order.
    pub fn current(&self) -> Option<MainstreamingStep> {
        MainstreamingStep::ALL
            .iter()
            .copied()
            .find(|s| self.step(*s).is_none_or(|p| p.status != StepStatus::Done))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn more_engaged_compares_before_and_after_the_first_support() {
        let (a, b, c, d) = (
            StakeholderId::new(),
            StakeholderId::new(),
            StakeholderId::new(),
            StakeholderId::new(),
        );
        let trained = date!(2026 - 03 - 10);
        let assessments = [
            (a, date!(2026 - 01 - 05), 2),
            (a, date!(2026 - 02 - 05), 3), // baseline: the latest before support
            (a, date!(2026 - 06 - 01), 4),
            (b, date!(2026 - 03 - 10), 3), // on the day counts as before
            (b, date!(2026 - 07 - 01), 3), // not more engaged
            (c, date!(2026 - 05 - 01), 5), // no baseline: not measured
            (d, date!(2026 - 01 - 01), 1), // never supported
            (d, date!(2026 - 08 - 01), 5),
        ];
        let support = [
            (a, trained),
            (b, trained),
            (c, trained),
            (a, date!(2026 - 05 - 01)),
        ];
        let x = engagement_change(&assessments, &support);
        assert_eq!(
            x,
            EngagementChange {
                supported: 3,
                measured: 2,
                more_engaged: 1
            }
        );
        // A later support does not move the baseline: a's first support was in March.
        assert_eq!(engagement_change(&[], &[]), EngagementChange::default());
    }

    fn trainee(pre: Option<u8>, post: Option<u8>) -> Trainee {
        Trainee {
            id: uuid::Uuid::new_v4(),
            name: "Awa".into(),
            stakeholder: None,
            sex: None,
            pre,
            post,
        }
    }

    #[test]
    fn training_results_use_participants_tested_twice() {
        let s = StakeholderId::new();
        let t = Training {
            title: "Referral procedures".into(),
            activity: Some(CapacityActivity::Training),
            start: date!(2026 - 03 - 10),
            end: None,
            trainer: String::new(),
            place: String::new(),
            stakeholders: vec![s],
            participants: vec![
                trainee(Some(40), Some(70)),
                trainee(Some(60), Some(55)),
                trainee(Some(50), None),
                Trainee {
                    stakeholder: Some(s),
                    ..trainee(Some(45), Some(80))
                },
            ],
        };
        let r = t.results();
        assert_eq!((r.participants, r.tested_twice, r.improved), (4, 3, 2));
        assert_eq!(r.mean_pre, Some(48.3));
        assert_eq!(r.mean_post, Some(68.3));
        assert_eq!(t.supported(), vec![s]);
        // Support counts once the training has begun.
        assert_eq!(
            training_support([&t], date!(2026 - 03 - 10)),
            vec![(s, t.start)]
        );
        assert!(training_support([&t], date!(2026 - 03 - 09)).is_empty());
        let mut bad = t.clone();
        bad.participants[0].post = Some(120);
        assert_eq!(bad.validate().for_field("post"), Some("error-test-score"));
    }

    #[test]
    fn action_points_are_tracked_to_completion() {
        let today = date!(2026 - 05 - 01);
        let mut points = vec![
            ActionPoint {
                id: uuid::Uuid::new_v4(),
                text: "Share the service map".into(),
                owner: "Ministry".into(),
                due: Some(date!(2026 - 04 - 01)),
                done_on: None,
                note: String::new(),
            },
            ActionPoint {
                id: uuid::Uuid::new_v4(),
                text: "Draft the SOP".into(),
                owner: String::new(),
                due: Some(date!(2026 - 06 - 01)),
                done_on: None,
                note: String::new(),
            },
        ];
        let p = ActionProgress::of(points.iter(), today);
        assert_eq!((p.total, p.done, p.overdue, p.open()), (2, 0, 1, 2));
        let first = points[0].id;
        assert!(set_done(&mut points, first, Some(today), "sent by e-mail"));
        let p = ActionProgress::of(points.iter(), today);
        assert_eq!((p.done, p.overdue), (1, 0));
        assert_eq!(points[0].note, "sent by e-mail");
        assert!(!set_done(
            &mut points,
            uuid::Uuid::new_v4(),
            Some(today),
            ""
        ));
        let mut e = ValidationErrors::new();
        check_points(&mut e, &points);
        assert!(e.is_empty());
        points[1].id = first;
        check_points(&mut e, &points);
        assert_eq!(e.for_field("action_points"), Some("error-duplicate"));
    }

    #[test]
    fn mechanism_warnings_follow_figure_4_2() {
        let mut m = Mechanism {
            name: "Return and reintegration working group".into(),
            level: StakeholderLevel::National,
            form: MechanismForm::WorkingGroup,
            chair: None,
            members: vec![],
            terms_of_reference: String::new(),
            endorsed_on: None,
            meets: String::new(),
        };
        assert_eq!(
            m.warnings(None),
            [
                MechanismWarning::NotEndorsed,
                MechanismWarning::NoChair,
                MechanismWarning::NoTerms
            ]
        );
        m.chair = Some(StakeholderId::new());
        m.endorsed_on = Some(date!(2026 - 01 - 10));
        m.terms_of_reference = "Meets monthly".into();
        assert_eq!(
            m.warnings(Some(StakeholderKind::Ngo)),
            [MechanismWarning::ChairNotGovernment]
        );
        assert!(
            m.warnings(Some(StakeholderKind::NationalAuthority))
                .is_empty()
        );
    }

    #[test]
    fn agreements_in_force_end_and_are_flagged_for_renewal() {
        let today = date!(2026 - 05 - 01);
        let mut a = Agreement {
            title: "MoU with the Ministry of Health".into(),
            kind: AgreementKind::Mou,
            status: AgreementStatus::Draft,
            parties: vec![],
            other_parties: String::new(),
            signed_on: None,
            valid_from: None,
            valid_until: Some(date!(2026 - 06 - 15)),
            data_sharing: String::new(),
            summary: String::new(),
        };
        assert_eq!(a.standing(today), AgreementStanding::NotInForce);
        a.status = AgreementStatus::Adopted;
        assert_eq!(
            a.validate().for_field("signed_on"),
            Some("error-agreement-signed")
        );
        a.signed_on = Some(date!(2026 - 01 - 01));
        assert!(a.validate().is_empty());
        assert_eq!(a.standing(today), AgreementStanding::EndingSoon);
        assert_eq!(
            a.standing(date!(2026 - 06 - 16)),
            AgreementStanding::Expired
        );
        a.valid_until = Some(date!(2027 - 06 - 15));
        assert_eq!(a.standing(today), AgreementStanding::InForce);
        a.valid_from = Some(date!(2026 - 07 - 01));
        assert_eq!(a.standing(today), AgreementStanding::NotInForce);
    }

    #[test]
    fn a_policy_track_follows_the_six_steps() {
        let mut t = PolicyTrack {
            sector: PolicySector::Health,
            framework: "National health strategy".into(),
            lead: None,
            preconditions: vec![Precondition::Ownership],
            steps: vec![],
            notes: String::new(),
        };
        assert_eq!(t.current(), Some(MainstreamingStep::Sensitisation));
        for step in [MainstreamingStep::Scoping, MainstreamingStep::Sensitisation] {
            t.set_step(StepProgress {
                step,
                status: StepStatus::Done,
                on: Some(date!(2026 - 02 - 01)),
                note: String::new(),
            });
        }
        t.set_step(StepProgress {
            step: MainstreamingStep::GoalSetting,
            status: StepStatus::InProgress,
            on: None,
            note: String::new(),
        });
        assert_eq!(t.steps_done(), 2);
        assert_eq!(t.current(), Some(MainstreamingStep::GoalSetting));
        assert_eq!(
            t.steps[0].step,
            MainstreamingStep::Sensitisation,
            "kept in order"
        );
        assert!(t.validate().is_empty());
        // Sent whole (the API), a step recorded twice is refused.
        let mut twice = t.clone();
        twice.steps.push(twice.steps[0].clone());
        assert_eq!(twice.validate().for_field("steps"), Some("error-duplicate"));
    }

    #[test]
    fn capacity_gaps_are_the_weak_and_basic_areas() {
        let a = CapacityAssessment {
            stakeholder: StakeholderId::new(),
            on: date!(2026 - 02 - 01),
            method: AssessmentMethod::KeyInformant,
            human_resources: Some(CapacityLevel::Weak),
            financial_resources: Some(CapacityLevel::Adequate),
            physical_assets: None,
            technical_skills: Some(CapacityLevel::Basic),
            organisational_framework: None,
            social_skills: None,
            experience: None,
            institutional_culture: Some(CapacityLevel::Strong),
            engagement: 3,
            gaps: String::new(),
            priorities: String::new(),
        };
        assert_eq!(a.gap_areas(), ["human_resources", "technical_skills"]);
        assert!(a.validate(date!(2026 - 03 - 01)).is_empty());
        let bad = CapacityAssessment { engagement: 0, ..a };
        assert_eq!(
            bad.validate(date!(2026 - 03 - 01)).for_field("engagement"),
            Some("error-score-1-5")
        );
    }
}
