//! Closing a case (Module 2 §2.7): why it ends, a review of the plan with the returnee, the
//! final survey, and hand-over referrals made only with the returnee's explicit consent.

use serde::{Deserialize, Serialize};
use time::Date;

use crate::case::named_enum;
use crate::validation::ValidationErrors;

use super::{check_long, check_not_future, check_short};

named_enum!(
    /// Why a case is closed: the handbook's five reasons, plus an involuntary termination.
    ClosureReason {
        PlannedEnd = "planned_end",
        NoLongerEligible = "no_longer_eligible",
        ChoosesToStop = "chooses_to_stop",
        LeftArea = "left_area",
        Death = "death",
        Terminated = "terminated",
    }
);

named_enum!(
    /// Why a returnee stops early (the handbook's reasons for an abrupt exit).
    ExitReason {
        NoLongerWanted = "no_longer_wanted",
        BarrierToAccess = "barrier_to_access",
        NoLongerSuitable = "no_longer_suitable",
        AggressiveBehaviour = "aggressive_behaviour",
        NegativeRepercussions = "negative_repercussions",
        Remigration = "remigration",
        CostsOutweighBenefits = "costs_outweigh_benefits",
    }
);

named_enum!(
    /// Why the organisation ends assistance against the returnee's wishes.
    TerminationReason {
        FundingEnded = "funding_ended",
        Security = "security",
        RequirementsNotMet = "requirements_not_met",
    }
);

/// A referral made at closure so that support goes on elsewhere (a "warm hand-over").
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Handover {
    pub agency: String,
    pub purpose: String,
    /// The returnee explicitly agreed to this hand-over and to what is passed on.
    pub consent: bool,
}

named_enum!(
    /// What can still be open on a case when it is closed.
    OpenKind {
        Referral = "referral",
        Task = "task",
        UrgentReferral = "urgent_referral",
        UnpaidBudget = "unpaid_budget",
        DueVisit = "due_visit",
    }
);

/// Something still open on a case, which a closure settles or carries over.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct OpenItem {
    /// Names the item for [`CarriedOver::item`]: `referral:<id>`, `entry:<id>`,
    /// `budget:<item key>`, `visit:<visit key>`.
    pub key: String,
    pub kind: OpenKind,
    /// What it is, in the record's own words (a service, an item of the plan, a visit).
    pub detail: String,
}

/// An open item the closure leaves open on purpose, and why (who takes it on, what remains).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CarriedOver {
    pub item: String,
    pub reason: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Closure {
    #[serde(with = "crate::case::date")]
    #[schema(value_type = String, format = Date)]
    pub date: Date,
    pub reason: ClosureReason,
    #[serde(default)]
    pub exit_reason: Option<ExitReason>,
    #[serde(default)]
    pub termination_reason: Option<TerminationReason>,
    /// For an early exit: the reasons explored with the returnee, and changes offered.
    #[serde(default)]
    pub reasons_explored: String,
    /// Plan review with the returnee: needs met, needs not met, needs that emerged.
    #[serde(default)]
    pub needs_met: String,
    #[serde(default)]
    pub needs_unmet: String,
    #[serde(default)]
    pub needs_emerging: String,
    #[serde(default)]
    pub handovers: Vec<Handover>,
    /// Why there is no final survey, when there is none.
    #[serde(default)]
    pub no_final_survey_reason: String,
    /// What was still open, left open on purpose with a reason each.
    #[serde(default)]
    pub carried_over: Vec<CarriedOver>,
}

impl Closure {
    pub fn normalised(mut self) -> Self {
        for s in [
            &mut self.reasons_explored,
            &mut self.needs_met,
            &mut self.needs_unmet,
            &mut self.needs_emerging,
            &mut self.no_final_survey_reason,
        ] {
            *s = s.trim().to_string();
        }
        self.handovers
            .retain(|h| !(h.agency.trim().is_empty() && h.purpose.trim().is_empty()));
        for h in &mut self.handovers {
            h.agency = h.agency.trim().to_string();
            h.purpose = h.purpose.trim().to_string();
        }
        if self.reason != ClosureReason::ChoosesToStop {
            self.exit_reason = None;
        }
        if self.reason != ClosureReason::Terminated {
            self.termination_reason = None;
        }
        for c in &mut self.carried_over {
            c.reason = c.reason.trim().to_string();
        }
        self.carried_over.retain(|c| !c.reason.is_empty());
        self
    }

    /// `final_survey_done`: a final-round survey was scored or declined for this case.
    pub fn check(&self, today: Date, final_survey_done: bool) -> Result<(), ValidationErrors> {
        let mut e = ValidationErrors::new();
        check_not_future(&mut e, "date", self.date, today);
        match self.reason {
            ClosureReason::ChoosesToStop if self.exit_reason.is_none() => {
                e.add("exit_reason", "error-required")
            }
            ClosureReason::Terminated if self.termination_reason.is_none() => {
                e.add("termination_reason", "error-required")
            }
            _ => {}
        }
        let early = matches!(
            self.reason,
            ClosureReason::ChoosesToStop | ClosureReason::Terminated
        );
        check_long(&mut e, "reasons_explored", &self.reasons_explored, early);
        // The returnee reviews the plan at closure, unless they died or can no longer be reached.
        let review = !matches!(self.reason, ClosureReason::Death | ClosureReason::LeftArea);
        check_long(&mut e, "needs_met", &self.needs_met, review);
        check_long(&mut e, "needs_unmet", &self.needs_unmet, false);
        check_long(&mut e, "needs_emerging", &self.needs_emerging, false);
        check_long(
            &mut e,
            "no_final_survey_reason",
            &self.no_final_survey_reason,
            !final_survey_done && self.reason != ClosureReason::Death,
        );
        if self.handovers.len() > super::plan::MAX_ROWS {
            e.add("handovers", "error-too-many");
        }
        for (n, h) in self.handovers.iter().enumerate() {
            check_short(&mut e, &format!("handovers.{n}.agency"), &h.agency, true);
            check_short(&mut e, &format!("handovers.{n}.purpose"), &h.purpose, true);
            if !h.consent {
                e.add(format!("handovers.{n}.consent"), "error-handover-consent");
            }
        }
        e.into_result(())
    }
}

impl Closure {
    /// Every open item must be settled before closing, or carried over with a reason: an
    /// error `open.<key>` names each one that is neither.
    pub fn check_open(&self, open: &[OpenItem]) -> Result<(), ValidationErrors> {
        let mut e = ValidationErrors::new();
        for item in open {
            let carried = self
                .carried_over
                .iter()
                .any(|c| c.item == item.key && !c.reason.trim().is_empty());
            if !carried {
                e.add(format!("open.{}", item.key), "error-closure-open-item");
            }
        }
        for (n, c) in self.carried_over.iter().enumerate() {
            check_long(
                &mut e,
                &format!("carried_over.{n}.reason"),
                &c.reason,
                false,
            );
        }
        e.into_result(())
    }
}

/// Why a closed case is reopened, as it is kept: required, trimmed, within the long-text
/// limit. Errors are on the field `reason`.
pub fn reopen_reason(text: &str) -> Result<String, ValidationErrors> {
    let reason = text.trim();
    let mut e = ValidationErrors::new();
    if reason.is_empty() {
        e.add("reason", "error-required");
    } else if reason.chars().count() > crate::case::MAX_LONG_TEXT {
        e.add("reason", "error-too-long");
    }
    e.into_result(reason.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn a_reopening_needs_a_reason_of_reasonable_length() {
        assert_eq!(
            reopen_reason("  new threat reported \n").unwrap(),
            "new threat reported"
        );
        let code = |t: &str| reopen_reason(t).unwrap_err().0[0].code;
        assert_eq!(code("   "), "error-required");
        assert_eq!(
            code(&"x".repeat(crate::case::MAX_LONG_TEXT + 1)),
            "error-too-long"
        );
    }

    fn closure(reason: ClosureReason) -> Closure {
        Closure {
            date: date!(2026 - 11 - 20),
            reason,
            exit_reason: None,
            termination_reason: None,
            reasons_explored: String::new(),
            needs_met: "Shop open and earning".into(),
            needs_unmet: String::new(),
            needs_emerging: String::new(),
            handovers: vec![],
            no_final_survey_reason: String::new(),
            carried_over: vec![],
        }
    }

    #[test]
    fn a_planned_end_with_a_final_survey_closes() {
        let today = date!(2026 - 11 - 23);
        assert!(
            closure(ClosureReason::PlannedEnd)
                .check(today, true)
                .is_ok()
        );
        let e = closure(ClosureReason::PlannedEnd)
            .check(today, false)
            .unwrap_err();
        assert_eq!(
            e.for_field("no_final_survey_reason"),
            Some("error-required")
        );
    }

    #[test]
    fn early_exits_need_their_reason_and_what_was_explored() {
        let today = date!(2026 - 11 - 23);
        let e = closure(ClosureReason::ChoosesToStop)
            .check(today, true)
            .unwrap_err();
        assert_eq!(e.for_field("exit_reason"), Some("error-required"));
        assert_eq!(e.for_field("reasons_explored"), Some("error-required"));
        let mut c = closure(ClosureReason::Terminated);
        c.termination_reason = Some(TerminationReason::FundingEnded);
        c.exit_reason = Some(ExitReason::Remigration);
        c.reasons_explored = "Funding ended in October".into();
        let c = c.normalised();
        assert_eq!(
            c.exit_reason, None,
            "an exit reason only goes with a returnee's choice"
        );
        assert!(c.check(today, true).is_ok());
    }

    #[test]
    fn hand_overs_need_explicit_consent_and_death_needs_no_review() {
        let today = date!(2026 - 11 - 23);
        let mut c = closure(ClosureReason::Death);
        c.needs_met.clear();
        c.handovers = vec![Handover {
            agency: "Health centre".into(),
            purpose: "Family support".into(),
            consent: false,
        }];
        let e = c.check(today, false).unwrap_err();
        assert_eq!(e.0.len(), 1);
        assert_eq!(
            e.for_field("handovers.0.consent"),
            Some("error-handover-consent")
        );
    }

    #[test]
    fn open_business_is_settled_or_carried_over_with_a_reason() {
        let open = vec![
            OpenItem {
                key: "referral:1".into(),
                kind: OpenKind::Referral,
                detail: "Clinic A".into(),
            },
            OpenItem {
                key: "budget:2".into(),
                kind: OpenKind::UnpaidBudget,
                detail: "Tailoring machine".into(),
            },
        ];
        let mut c = Closure {
            date: time::macros::date!(2026 - 11 - 30),
            reason: ClosureReason::PlannedEnd,
            exit_reason: None,
            termination_reason: None,
            reasons_explored: String::new(),
            needs_met: "All".into(),
            needs_unmet: String::new(),
            needs_emerging: String::new(),
            handovers: vec![],
            no_final_survey_reason: String::new(),
            carried_over: vec![CarriedOver {
                item: "referral:1".into(),
                reason: "   ".into(),
            }],
        };
        let fields: Vec<String> = c
            .check_open(&open)
            .unwrap_err()
            .0
            .into_iter()
            .map(|f| f.field)
            .collect();
        assert_eq!(fields, ["open.referral:1", "open.budget:2"]);
        c.carried_over = vec![
            CarriedOver {
                item: "referral:1".into(),
                reason: "The clinic keeps treating her; it closes on its side".into(),
            },
            CarriedOver {
                item: "budget:2".into(),
                reason: "The last instalment is no longer needed".into(),
            },
        ];
        assert!(c.check_open(&open).is_ok());
        assert!(c.check_open(&[]).is_ok(), "nothing open, nothing to say");
    }
}
