//! The individual reintegration pathway of Module 2: counselling, assessments, the
//! reintegration plan (Annex 3), the feasibility grid (Annex 5), cash and in-kind assistance,
//! follow-up, approvals and closure. The stage of a case is derived here from what has been
//! recorded ([`stage`]); nothing in this module touches storage.

pub mod closure;
pub mod feasibility;
pub mod followup;
pub mod plan;
pub mod stage;
pub mod triggers;

use serde::{Deserialize, Serialize};
use time::Date;

use crate::case::{MAX_LONG_TEXT, MAX_SHORT_TEXT, named_enum};
use crate::validation::ValidationErrors;

named_enum!(
    /// The three dimensions of reintegration.
    Dimension { Economic = "economic", Social = "social", Psychosocial = "psychosocial" }
);

named_enum!(
    /// Kinds of counselling session (Module 2 §2.1, §2.3.3, §2.6, §2.7).
    SessionKind {
        First = "first",
        Planning = "planning",
        FollowUp = "follow_up",
        Family = "family",
        Psychosocial = "psychosocial",
        Career = "career",
        Financial = "financial",
        Final = "final",
    }
);

named_enum!(
    /// Who took part in a session besides the case manager.
    Participant {
        Returnee = "returnee",
        FamilyMember = "family_member",
        Interpreter = "interpreter",
        ServiceProvider = "service_provider",
        Other = "other",
    }
);

named_enum!(
    /// How a follow-up contact happened (Module 2 §2.3.3: face to face preferred, phone, email).
    ContactMode {
        Office = "office",
        HomeVisit = "home_visit",
        Phone = "phone",
        Video = "video",
        Message = "message",
    }
);

named_enum!(
    /// Why a need could not be met (Module 2 §2.3.2, "services unavailable").
    UnmetReason {
        NotAvailable = "not_available",
        NotAppropriate = "not_appropriate",
        NotAccessible = "not_accessible",
        NotWellMatched = "not_well_matched",
    }
);

named_enum!(
    /// Follow-up tasks the system raises from what is recorded.
    TaskKind {
        /// A positive rapid vulnerability screening: the full screening and a risk assessment
        /// are due as soon as possible.
        FollowUpScreening = "follow_up_screening",
        /// A spot check found what was recorded differs from what the returnee says: look into
        /// it and correct the record.
        SpotCheckDiscrepancy = "spot_check_discrepancy",
        /// The returnee came forward again and was about to be registered a second time: get
        /// back in touch and bring the record up to date.
        ContactAgain = "contact_again",
    }
);

/// Days given to get back in touch with a returnee who came forward again.
pub const CONTACT_AGAIN_TASK_DAYS: i64 = 7;

/// Days given to look into a spot check's discrepancy.
pub const SPOT_CHECK_TASK_DAYS: i64 = 14;

/// Days given to a follow-up screening raised by a positive rapid screening.
pub const FOLLOW_UP_SCREENING_DAYS: i64 = 7;

/// Trims optional text and drops it when blank.
pub fn opt_text(s: Option<String>) -> Option<String> {
    s.map(|v| v.trim().to_string()).filter(|v| !v.is_empty())
}

pub(crate) fn check_short(e: &mut ValidationErrors, field: &str, value: &str, required: bool) {
    if required && value.trim().is_empty() {
        e.add(field, "error-required");
    } else if value.chars().count() > MAX_SHORT_TEXT {
        e.add(field, "error-too-long");
    }
}

pub(crate) fn check_long(e: &mut ValidationErrors, field: &str, value: &str, required: bool) {
    if required && value.trim().is_empty() {
        e.add(field, "error-required");
    } else if value.chars().count() > MAX_LONG_TEXT {
        e.add(field, "error-too-long");
    }
}

pub(crate) fn check_not_future(e: &mut ValidationErrors, field: &str, date: Date, today: Date) {
    if date > today {
        e.add(field, "error-date-in-future");
    }
}

/// One entry of the counselling log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CounsellingSession {
    #[serde(with = "crate::case::date")]
    #[schema(value_type = String, format = Date)]
    pub date: Date,
    pub kind: SessionKind,
    #[serde(default)]
    pub participants: Vec<Participant>,
    #[serde(default)]
    pub dimensions: Vec<Dimension>,
    #[serde(default)]
    pub topics: String,
    #[serde(default)]
    pub next_steps: String,
    /// Seen only by those allowed to read sensitive notes (docs/roles.md, `case.sensitive`).
    #[serde(default)]
    pub sensitive_notes: Option<String>,
}

impl CounsellingSession {
    pub fn normalised(mut self) -> Self {
        self.topics = self.topics.trim().to_string();
        self.next_steps = self.next_steps.trim().to_string();
        self.sensitive_notes = opt_text(self.sensitive_notes);
        self.participants.sort();
        self.participants.dedup();
        self.dimensions.sort();
        self.dimensions.dedup();
        self
    }

    pub fn check(&self, today: Date) -> Result<(), ValidationErrors> {
        let mut e = ValidationErrors::new();
        check_not_future(&mut e, "date", self.date, today);
        check_long(&mut e, "topics", &self.topics, true);
        check_long(&mut e, "next_steps", &self.next_steps, false);
        check_long(
            &mut e,
            "sensitive_notes",
            self.sensitive_notes.as_deref().unwrap_or(""),
            false,
        );
        e.into_result(())
    }
}

/// A life-threatening disclosure or emergency that needs a referral now. Raised at any stage;
/// shown on every page of the case until it is resolved.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct UrgentReferral {
    #[serde(with = "crate::case::date")]
    #[schema(value_type = String, format = Date)]
    pub date: Date,
    /// What was disclosed or observed, in a few words.
    pub concern: String,
    /// What was done: to whom the returnee was referred, and how.
    #[serde(default)]
    pub action: String,
}

impl UrgentReferral {
    pub fn check(&self, today: Date) -> Result<(), ValidationErrors> {
        let mut e = ValidationErrors::new();
        check_not_future(&mut e, "date", self.date, today);
        check_long(&mut e, "concern", &self.concern, true);
        check_long(&mut e, "action", &self.action, false);
        e.into_result(())
    }
}

/// A need staff could not address, kept for advocacy at community and structural level.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct UnmetNeed {
    #[serde(with = "crate::case::date")]
    #[schema(value_type = String, format = Date)]
    pub date: Date,
    pub dimension: Dimension,
    pub need: String,
    pub reason: UnmetReason,
    #[serde(default)]
    pub notes: String,
}

impl UnmetNeed {
    pub fn check(&self, today: Date) -> Result<(), ValidationErrors> {
        let mut e = ValidationErrors::new();
        check_not_future(&mut e, "date", self.date, today);
        check_short(&mut e, "need", &self.need, true);
        check_long(&mut e, "notes", &self.notes, false);
        e.into_result(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn a_session_needs_topics_and_a_past_date() {
        let s = CounsellingSession {
            date: date!(2026 - 12 - 01),
            kind: SessionKind::First,
            participants: vec![Participant::Returnee, Participant::Returnee],
            dimensions: vec![],
            topics: "  ".into(),
            next_steps: String::new(),
            sensitive_notes: Some("  ".into()),
        }
        .normalised();
        assert_eq!(s.participants, vec![Participant::Returnee]);
        assert_eq!(s.sensitive_notes, None);
        let e = s.check(date!(2026 - 11 - 23)).unwrap_err();
        assert_eq!(e.for_field("date"), Some("error-date-in-future"));
        assert_eq!(e.for_field("topics"), Some("error-required"));
    }
}
