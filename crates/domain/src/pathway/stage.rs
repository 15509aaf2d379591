//! The stage of a case, derived from what has been recorded. Nobody sets a stage by hand: the
//! case moves when its assessments, plan and closure say so, and the same facts say what is
//! still missing to move on.

use crate::case::{CaseStage, named_enum};

use super::plan::PlanStatus;

/// Where a closure stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClosureState {
    AwaitingApproval,
    Approved,
}

/// The facts the stage is derived from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StageFacts {
    /// Completed assessment instruments (screenings, background, skills, family, …).
    pub assessments_completed: u32,
    pub rapid_screening_done: bool,
    pub skills_assessment_done: bool,
    /// A baseline survey was scored, or the returnee declined it.
    pub rss_baseline_done: bool,
    /// The status of the newest plan version, if any.
    pub latest_plan: Option<PlanStatus>,
    /// Some version of the plan was agreed and approved.
    pub plan_ever_approved: bool,
    /// The closure in force (not undone by a reopening).
    pub closure: Option<ClosureState>,
}

named_enum!(
    /// A step that is still missing before the case can move to its next stage.
    Step {
        RapidScreening = "rapid_screening",
        RssBaseline = "rss_baseline",
        SkillsAssessment = "skills_assessment",
        PlanDraft = "plan_draft",
        PlanAgreement = "plan_agreement",
        PlanApproval = "plan_approval",
        Closure = "closure",
        ClosureApproval = "closure_approval",
    }
);

pub fn derive_stage(f: &StageFacts) -> CaseStage {
    match f.closure {
        Some(ClosureState::Approved) => return CaseStage::Closed,
        Some(ClosureState::AwaitingApproval) => return CaseStage::Closure,
        None => {}
    }
    if f.plan_ever_approved {
        CaseStage::Implementation
    } else if f.latest_plan.is_some() || (f.rapid_screening_done && f.rss_baseline_done) {
        CaseStage::Planning
    } else if f.assessments_completed > 0 || f.rss_baseline_done {
        CaseStage::Assessment
    } else {
        CaseStage::Intake
    }
}

/// A change to the plan or the closure, as it moves the facts of the stage. The stage a change
/// leads to is derived before the change is written, so that both land in one transaction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    /// A plan version was started or edited (an edit withdraws its agreement).
    PlanDrafted {
        latest: bool,
    },
    PlanAgreed {
        latest: bool,
    },
    PlanApproved {
        latest: bool,
    },
    ClosureRequested,
    ClosureApproved,
    /// The closure in force was undone.
    Reopened,
}

impl StageFacts {
    /// The facts once `change` is made.
    pub fn after(mut self, change: Change) -> Self {
        match change {
            Change::PlanDrafted { latest } if latest => self.latest_plan = Some(PlanStatus::Draft),
            Change::PlanAgreed { latest } if latest => {
                self.latest_plan = Some(PlanStatus::AwaitingApproval)
            }
            Change::PlanApproved { latest } => {
                self.plan_ever_approved = true;
                if latest {
                    self.latest_plan = Some(PlanStatus::Approved);
                }
            }
            Change::PlanDrafted { .. } | Change::PlanAgreed { .. } => {}
            Change::ClosureRequested => self.closure = Some(ClosureState::AwaitingApproval),
            Change::ClosureApproved => self.closure = Some(ClosureState::Approved),
            Change::Reopened => self.closure = None,
        }
        self
    }
}

/// What is still missing to move on from the current stage, most pressing first. The skills
/// assessment is advised, not required: it is listed but never holds a case back.
pub fn missing_steps(f: &StageFacts) -> Vec<Step> {
    let mut out = Vec::new();
    let plan_steps = |out: &mut Vec<Step>| match f.latest_plan {
        None => out.push(Step::PlanDraft),
        Some(PlanStatus::Draft) => out.extend([Step::PlanAgreement, Step::PlanApproval]),
        Some(PlanStatus::AwaitingApproval) => out.push(Step::PlanApproval),
        Some(PlanStatus::Approved) => {}
    };
    match derive_stage(f) {
        CaseStage::Intake | CaseStage::Assessment => {
            if !f.rapid_screening_done {
                out.push(Step::RapidScreening);
            }
            if !f.rss_baseline_done {
                out.push(Step::RssBaseline);
            }
            if !f.skills_assessment_done {
                out.push(Step::SkillsAssessment);
            }
        }
        CaseStage::Planning => {
            if !f.skills_assessment_done {
                out.push(Step::SkillsAssessment);
            }
            plan_steps(&mut out);
        }
        // An amendment waiting for agreement is listed, but the case stays in implementation.
        CaseStage::Implementation => {
            plan_steps(&mut out);
            out.push(Step::Closure);
        }
        CaseStage::Closure => out.push(Step::ClosureApproval),
        CaseStage::Closed => {}
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stages_follow_the_pathway() {
        let mut f = StageFacts::default();
        assert_eq!(derive_stage(&f), CaseStage::Intake);
        assert_eq!(
            missing_steps(&f),
            vec![
                Step::RapidScreening,
                Step::RssBaseline,
                Step::SkillsAssessment
            ]
        );

        f.assessments_completed = 1;
        f.rapid_screening_done = true;
        assert_eq!(derive_stage(&f), CaseStage::Assessment);
        assert_eq!(
            missing_steps(&f),
            vec![Step::RssBaseline, Step::SkillsAssessment]
        );

        f.rss_baseline_done = true;
        assert_eq!(derive_stage(&f), CaseStage::Planning);
        assert_eq!(
            missing_steps(&f),
            vec![Step::SkillsAssessment, Step::PlanDraft]
        );

        f.skills_assessment_done = true;
        f.latest_plan = Some(PlanStatus::Draft);
        assert_eq!(
            missing_steps(&f),
            vec![Step::PlanAgreement, Step::PlanApproval]
        );
        f.latest_plan = Some(PlanStatus::AwaitingApproval);
        assert_eq!(derive_stage(&f), CaseStage::Planning);
        assert_eq!(missing_steps(&f), vec![Step::PlanApproval]);

        f.latest_plan = Some(PlanStatus::Approved);
        f.plan_ever_approved = true;
        assert_eq!(derive_stage(&f), CaseStage::Implementation);
        assert_eq!(missing_steps(&f), vec![Step::Closure]);

        // An amendment waiting for agreement does not send the case back to planning.
        f.latest_plan = Some(PlanStatus::Draft);
        assert_eq!(derive_stage(&f), CaseStage::Implementation);
        assert_eq!(
            missing_steps(&f),
            vec![Step::PlanAgreement, Step::PlanApproval, Step::Closure]
        );

        f.closure = Some(ClosureState::AwaitingApproval);
        assert_eq!(derive_stage(&f), CaseStage::Closure);
        assert_eq!(missing_steps(&f), vec![Step::ClosureApproval]);
        f.closure = Some(ClosureState::Approved);
        assert_eq!(derive_stage(&f), CaseStage::Closed);
        assert!(missing_steps(&f).is_empty());

        // Reopening removes the closure in force: the case is back where its data puts it.
        f.closure = None;
        assert_eq!(derive_stage(&f), CaseStage::Implementation);
    }

    #[test]
    fn a_plan_draft_starts_planning_even_before_every_assessment() {
        let f = StageFacts {
            latest_plan: Some(PlanStatus::Draft),
            ..Default::default()
        };
        assert_eq!(derive_stage(&f), CaseStage::Planning);
        let f = StageFacts {
            rss_baseline_done: true,
            ..Default::default()
        };
        assert_eq!(derive_stage(&f), CaseStage::Assessment);
    }

    #[test]
    fn a_change_moves_the_stage_it_names() {
        let planning = StageFacts {
            rapid_screening_done: true,
            rss_baseline_done: true,
            ..StageFacts::default()
        };
        let drafted = planning.after(Change::PlanDrafted { latest: true });
        assert_eq!(drafted.latest_plan, Some(PlanStatus::Draft));
        let agreed = drafted.after(Change::PlanAgreed { latest: true });
        assert_eq!(derive_stage(&agreed), CaseStage::Planning);
        let approved = agreed.after(Change::PlanApproved { latest: true });
        assert_eq!(derive_stage(&approved), CaseStage::Implementation);
        // Amending: a new draft keeps the case in implementation.
        let amended = approved.after(Change::PlanDrafted { latest: true });
        assert_eq!(derive_stage(&amended), CaseStage::Implementation);
        // Agreeing an older version does not change what the newest one is.
        assert_eq!(
            amended
                .after(Change::PlanAgreed { latest: false })
                .latest_plan,
            Some(PlanStatus::Draft)
        );
        let closing = amended.after(Change::ClosureRequested);
        assert_eq!(derive_stage(&closing), CaseStage::Closure);
        let closed = closing.after(Change::ClosureApproved);
        assert_eq!(derive_stage(&closed), CaseStage::Closed);
        assert_eq!(
            derive_stage(&closed.after(Change::Reopened)),
            CaseStage::Implementation
        );
    }
}
