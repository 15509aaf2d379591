//! Evaluations and learning (§5.4, Annex 4.C–D)

use super::*;

named_enum!(
    EvaluationTiming {
        ExAnte = "ex_ante",
        RealTime = "real_time",
        Midterm = "midterm",
        Final = "final",
        ExPost = "ex_post",
        Impact = "impact",
    }
);

named_enum!(
    Conductor {
        Internal = "internal",
        IndependentInternal = "independent_internal",
        SelfEvaluation = "self_evaluation",
        External = "external",
        Mixed = "mixed",
    }
);

named_enum!(
    EvaluationCriterion {
        Relevance = "relevance",
        Efficiency = "efficiency",
        Effectiveness = "effectiveness",
        Impact = "impact",
        Sustainability = "sustainability",
    }
);

named_enum!(
    /// The three parts of the Annex 4.D checklist.
    CheckStage {
        Preparation = "preparation",
        TermsOfReference = "terms_of_reference",
        Managing = "managing",
    }
);

named_enum!(
    /// The points of the evaluation checklist (Annex 4.D), in its order.
    EvaluationCheck {
        ObjectiveDefined = "objective_defined",
        ScopeDefined = "scope_defined",
        EvaluatorAndBudgetDecided = "evaluator_and_budget_decided",
        MethodsDefined = "methods_defined",
        TorDrafted = "tor_drafted",
        TorBackground = "tor_background",
        TorObjectives = "tor_objectives",
        TorMethodology = "tor_methodology",
        TorRoles = "tor_roles",
        TorBudget = "tor_budget",
        TorTeam = "tor_team",
        TorDeliverables = "tor_deliverables",
        TorSchedule = "tor_schedule",
        TorCrossCutting = "tor_cross_cutting",
        TorDataProtection = "tor_data_protection",
        TorEthicsVulnerable = "tor_ethics_vulnerable",
        TorUneg = "tor_uneg",
        EvaluatorSelected = "evaluator_selected",
        ConfidentialitySigned = "confidentiality_signed",
        PreparatoryWorkshop = "preparatory_workshop",
        EvaluatorIntroduced = "evaluator_introduced",
        EvaluatorAssisted = "evaluator_assisted",
        FollowUpMeetings = "follow_up_meetings",
        InterimReportShared = "interim_report_shared",
        FinalReportResponds = "final_report_responds",
        TeamInputOnReport = "team_input_on_report",
        QualityReview = "quality_review",
        FindingsReviewed = "findings_reviewed",
        DebriefingHeld = "debriefing_held",
        FollowUpAgreed = "follow_up_agreed",
    }
);

impl EvaluationCheck {
    pub fn stage(self) -> CheckStage {
        use EvaluationCheck::*;
        match self {
            ObjectiveDefined
            | ScopeDefined
            | EvaluatorAndBudgetDecided
            | MethodsDefined
            | TorDrafted => CheckStage::Preparation,
            TorBackground | TorObjectives | TorMethodology | TorRoles | TorBudget | TorTeam
            | TorDeliverables | TorSchedule | TorCrossCutting | TorDataProtection
            | TorEthicsVulnerable | TorUneg => CheckStage::TermsOfReference,
            _ => CheckStage::Managing,
        }
    }
}

named_enum!(
    CheckStatus {
        Open = "open",
        Done = "done",
        NotApplicable = "not_applicable",
    }
);

/// One point of the checklist as the evaluation manager marked it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CheckMark {
    pub item: EvaluationCheck,
    // Inline: the community's criterion checks have a `CheckStatus` of their own.
    #[schema(inline)]
    pub status: CheckStatus,
    #[serde(default, with = "crate::case::opt_date")]
    #[schema(value_type = Option<String>, format = Date)]
    pub on: Option<Date>,
    #[serde(default)]
    pub note: String,
}

/// One line of the workplan of the terms of reference (Annex 4.C's table).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct WorkplanActivity {
    pub task: String,
    #[serde(default)]
    pub work_days: Option<u32>,
    #[serde(default)]
    pub responsible: String,
    #[serde(default)]
    pub location: String,
}

named_enum!(
    ReportKind {
        Inception = "inception",
        InitialFindings = "initial_findings",
        Interim = "interim",
        Draft = "draft",
        Final = "final",
    }
);

/// A deliverable of the evaluation as received, and when it was accepted.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct EvaluationReport {
    pub kind: ReportKind,
    #[serde(with = "crate::case::date")]
    #[schema(value_type = String, format = Date)]
    pub received: Date,
    #[serde(default)]
    pub reference: String,
    #[serde(default, with = "crate::case::opt_date")]
    #[schema(value_type = Option<String>, format = Date)]
    pub accepted: Option<Date>,
}

/// An evaluation: its terms of reference in the sections of Annex 4.C, the Annex 4.D checklist,
/// the reports received, the management response and the follow-up actions tracked to done.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Evaluation {
    pub title: String,
    pub timing: EvaluationTiming,
    pub conductor: Conductor,
    #[serde(default)]
    pub criteria: Vec<EvaluationCriterion>,
    #[serde(default, with = "crate::case::opt_date")]
    #[schema(value_type = Option<String>, format = Date)]
    pub start: Option<Date>,
    #[serde(default, with = "crate::case::opt_date")]
    #[schema(value_type = Option<String>, format = Date)]
    pub end: Option<Date>,
    /// Who commissions the evaluation.
    #[serde(default)]
    pub commissioned_by: String,
    /// The project and its political, social, economic and legal setting.
    #[serde(default)]
    pub tor_context: String,
    /// Why now, for whom, and how the findings will be used.
    #[serde(default)]
    pub tor_purpose: String,
    /// The period, phases and places covered, and what is left out.
    #[serde(default)]
    pub tor_scope: String,
    /// The questions, grouped under the criteria.
    #[serde(default)]
    pub tor_questions: String,
    /// Data collection and analysis, cross-cutting themes, UNEG norms and ethics.
    #[serde(default)]
    pub tor_methodology: String,
    #[serde(default)]
    pub tor_deliverables: Vec<String>,
    #[serde(default)]
    pub workplan: Vec<WorkplanActivity>,
    #[serde(default)]
    pub tor_budget: String,
    /// Earlier records kept their terms of reference as one text.
    #[serde(default)]
    pub terms_of_reference: String,
    #[serde(default)]
    pub checklist: Vec<CheckMark>,
    #[serde(default)]
    pub reports: Vec<EvaluationReport>,
    #[serde(default)]
    pub findings: String,
    #[serde(default)]
    pub management_response: String,
    #[serde(default)]
    pub action_points: Vec<crate::structural::ActionPoint>,
}

/// The sections of Annex 4.C, in its order; the budget is optional there and is left out.
pub const TOR_SECTIONS: [&str; 9] = [
    "commissioned_by",
    "tor_context",
    "tor_purpose",
    "tor_scope",
    "criteria",
    "tor_questions",
    "tor_methodology",
    "tor_deliverables",
    "workplan",
];

impl Evaluation {
    /// The Annex 4.C sections not written yet, in the template's order.
    pub fn tor_missing(&self) -> Vec<&'static str> {
        let blank = |s: &str| s.trim().is_empty();
        TOR_SECTIONS
            .iter()
            .copied()
            .filter(|section| match *section {
                "commissioned_by" => blank(&self.commissioned_by),
                "tor_context" => blank(&self.tor_context),
                "tor_purpose" => blank(&self.tor_purpose),
                "tor_scope" => blank(&self.tor_scope),
                "criteria" => self.criteria.is_empty(),
                "tor_questions" => blank(&self.tor_questions),
                "tor_methodology" => blank(&self.tor_methodology),
                "tor_deliverables" => self.tor_deliverables.iter().all(|d| blank(d)),
                _ => self.workplan.is_empty(),
            })
            .collect()
    }

    pub fn mark(&self, item: EvaluationCheck) -> CheckStatus {
        self.checklist
            .iter()
            .find(|m| m.item == item)
            .map_or(CheckStatus::Open, |m| m.status)
    }

    /// Points done, and points that apply (all but those marked not applicable).
    pub fn checklist_progress(&self) -> (usize, usize) {
        let marks = EvaluationCheck::ALL.iter().map(|i| self.mark(*i));
        let done = marks.clone().filter(|m| *m == CheckStatus::Done).count();
        let applies = marks.filter(|m| *m != CheckStatus::NotApplicable).count();
        (done, applies)
    }

    /// The first point of the checklist still open, in its order.
    pub fn next_check(&self) -> Option<EvaluationCheck> {
        EvaluationCheck::ALL
            .iter()
            .copied()
            .find(|i| self.mark(*i) == CheckStatus::Open)
    }

    /// A final report has been accepted and management has not answered it yet.
    pub fn awaits_response(&self) -> bool {
        self.management_response.trim().is_empty()
            && self
                .reports
                .iter()
                .any(|r| r.kind == ReportKind::Final && r.accepted.is_some())
    }

    pub fn validate(&self) -> ValidationErrors {
        use crate::case::{MAX_LONG_TEXT, MAX_SHORT_TEXT};
        use crate::community::{check_order, check_text};
        let mut e = ValidationErrors::new();
        check_text(&mut e, "title", &self.title, true, MAX_SHORT_TEXT);
        check_text(
            &mut e,
            "commissioned_by",
            &self.commissioned_by,
            false,
            MAX_SHORT_TEXT,
        );
        for (f, v) in [
            ("tor_context", &self.tor_context),
            ("tor_purpose", &self.tor_purpose),
            ("tor_scope", &self.tor_scope),
            ("tor_questions", &self.tor_questions),
            ("tor_methodology", &self.tor_methodology),
            ("tor_budget", &self.tor_budget),
            ("terms_of_reference", &self.terms_of_reference),
            ("findings", &self.findings),
            ("management_response", &self.management_response),
        ] {
            check_text(&mut e, f, v, false, MAX_LONG_TEXT * 5);
        }
        for d in &self.tor_deliverables {
            check_text(&mut e, "tor_deliverables", d, false, MAX_SHORT_TEXT);
        }
        check_order(&mut e, "end", self.start, self.end);
        if self.workplan.len() > 200 || self.reports.len() > 200 {
            e.add("workplan", "error-too-many");
        }
        for w in &self.workplan {
            check_text(&mut e, "task", &w.task, true, MAX_SHORT_TEXT);
            check_text(&mut e, "responsible", &w.responsible, false, MAX_SHORT_TEXT);
            check_text(&mut e, "location", &w.location, false, MAX_SHORT_TEXT);
        }
        for r in &self.reports {
            check_text(&mut e, "reference", &r.reference, false, MAX_SHORT_TEXT);
            check_order(&mut e, "accepted", Some(r.received), r.accepted);
        }
        for m in &self.checklist {
            check_text(&mut e, "note", &m.note, false, MAX_SHORT_TEXT);
        }
        // The terms of reference count as drafted once every section of Annex 4.C is written.
        if self.mark(EvaluationCheck::TorDrafted) == CheckStatus::Done
            && !self.tor_missing().is_empty()
        {
            e.add("item", "error-tor-incomplete");
        }
        for a in &self.action_points {
            e.merge(a.validate());
        }
        e
    }
}

named_enum!(
    LessonSource {
        Monitoring = "monitoring",
        Evaluation = "evaluation",
        StoryOfChange = "story_of_change",
        Workshop = "workshop",
    }
);

/// A lesson learned, kept where a new programme's design can find it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Lesson {
    pub statement: String,
    pub source: LessonSource,
    #[serde(default)]
    pub evidence: String,
    #[serde(default)]
    pub tags: Vec<String>,
}

impl Lesson {
    pub fn validate(&self) -> ValidationErrors {
        let mut e = ValidationErrors::new();
        crate::community::check_text(
            &mut e,
            "statement",
            &self.statement,
            true,
            crate::case::MAX_LONG_TEXT,
        );
        crate::community::check_text(
            &mut e,
            "evidence",
            &self.evidence,
            false,
            crate::case::MAX_LONG_TEXT,
        );
        crate::community::check_lines(&mut e, "tags", &self.tags, 20);
        e
    }
}
