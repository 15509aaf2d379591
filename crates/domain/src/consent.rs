//! Consent as records: each decision is a new record, a withdrawal never deletes anything, and
//! the current position for a purpose is the latest record for it.

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

use crate::case::named_enum;
use crate::ids::UserId;
use crate::validation::ValidationErrors;

named_enum!(
    /// What the consent is for.
    ConsentPurpose {
        /// Taking part in reintegration counselling and case management.
        CaseManagement = "case_management",
        /// Being contacted by staff (phone, visits, messages).
        Contact = "contact",
        /// Sharing information with service providers when referring.
        SharingWithProviders = "sharing_with_providers",
        /// Use of their answers in monitoring and evaluation.
        MonitoringEvaluation = "monitoring_evaluation",
        /// Transfer of information between the host-country and origin-country offices.
        TransferBetweenOffices = "transfer_between_offices",
    }
);

named_enum!(
    ConsentDecision {
        Given = "given",
        Refused = "refused",
        Withdrawn = "withdrawn",
    }
);

named_enum!(
    /// How consent was expressed. In person it should be written; by phone, explicit and verbal.
    ConsentMethod {
        WrittenInPerson = "written_in_person",
        VerbalInPerson = "verbal_in_person",
        VerbalByPhone = "verbal_by_phone",
        ByLegalGuardian = "by_legal_guardian",
    }
);

/// A decision being recorded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ConsentInput {
    pub purpose: ConsentPurpose,
    pub decision: ConsentDecision,
    pub method: ConsentMethod,
    /// The day the person gave, refused or withdrew consent.
    #[serde(with = "crate::case::date")]
    #[schema(value_type = String, format = Date)]
    pub date: Date,
    #[serde(default)]
    pub notes: Option<String>,
}

/// A stored decision.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentRecord {
    pub purpose: ConsentPurpose,
    pub decision: ConsentDecision,
    pub method: ConsentMethod,
    pub date: Date,
    pub notes: Option<String>,
    pub recorded_by: UserId,
    pub recorded_at: OffsetDateTime,
}

/// Where consent for one purpose stands now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConsentStatus {
    NotRecorded,
    Given { since: Date },
    Refused { on: Date },
    Withdrawn { on: Date },
}

impl ConsentStatus {
    pub fn permits(self) -> bool {
        matches!(self, ConsentStatus::Given { .. })
    }
    pub fn message_id(self) -> &'static str {
        match self {
            ConsentStatus::NotRecorded => "consent-status-not-recorded",
            ConsentStatus::Given { .. } => "consent-status-given",
            ConsentStatus::Refused { .. } => "consent-status-refused",
            ConsentStatus::Withdrawn { .. } => "consent-status-withdrawn",
        }
    }
}

/// The latest decision (by the day it was expressed, then by when it was recorded) wins.
pub fn consent_status(records: &[ConsentRecord], purpose: ConsentPurpose) -> ConsentStatus {
    records
        .iter()
        .filter(|r| r.purpose == purpose)
        .max_by_key(|r| (r.date, r.recorded_at))
        .map_or(ConsentStatus::NotRecorded, |r| match r.decision {
            ConsentDecision::Given => ConsentStatus::Given { since: r.date },
            ConsentDecision::Refused => ConsentStatus::Refused { on: r.date },
            ConsentDecision::Withdrawn => ConsentStatus::Withdrawn { on: r.date },
        })
}

/// Checks a new decision against the history: no future dates, and only consent that is in
/// force can be withdrawn.
pub fn check_consent(
    input: &ConsentInput,
    history: &[ConsentRecord],
    today: Date,
) -> Result<(), ValidationErrors> {
    let mut e = ValidationErrors::new();
    if input.date > today {
        e.add("date", "error-date-in-future");
    }
    if input.decision == ConsentDecision::Withdrawn {
        match consent_status(history, input.purpose) {
            ConsentStatus::Given { since } if input.date < since => {
                e.add("date", "error-withdrawal-before-consent")
            }
            ConsentStatus::Given { .. } => {}
            _ => e.add("decision", "error-nothing-to-withdraw"),
        }
    }
    if input
        .notes
        .as_ref()
        .is_some_and(|n| n.chars().count() > crate::case::MAX_LONG_TEXT)
    {
        e.add("notes", "error-too-long");
    }
    e.into_result(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    fn rec(purpose: ConsentPurpose, decision: ConsentDecision, d: Date) -> ConsentRecord {
        ConsentRecord {
            purpose,
            decision,
            method: ConsentMethod::WrittenInPerson,
            date: d,
            notes: None,
            recorded_by: UserId::new(),
            recorded_at: datetime!(2026-11-01 10:00 UTC),
        }
    }

    #[test]
    fn latest_decision_for_the_purpose_wins() {
        use ConsentDecision::*;
        use ConsentPurpose::*;
        let history = vec![
            rec(Contact, Given, date!(2026 - 01 - 05)),
            rec(SharingWithProviders, Given, date!(2026 - 01 - 05)),
            rec(Contact, Withdrawn, date!(2026 - 03 - 01)),
        ];
        assert_eq!(
            consent_status(&history, Contact),
            ConsentStatus::Withdrawn {
                on: date!(2026 - 03 - 01)
            }
        );
        assert!(consent_status(&history, SharingWithProviders).permits());
        assert_eq!(
            consent_status(&history, MonitoringEvaluation),
            ConsentStatus::NotRecorded
        );
        assert!(!ConsentStatus::NotRecorded.permits());
    }

    #[test]
    fn only_consent_in_force_can_be_withdrawn() {
        let today = date!(2026 - 11 - 23);
        let withdraw = ConsentInput {
            purpose: ConsentPurpose::Contact,
            decision: ConsentDecision::Withdrawn,
            method: ConsentMethod::VerbalByPhone,
            date: date!(2026 - 06 - 01),
            notes: None,
        };
        assert_eq!(
            check_consent(&withdraw, &[], today)
                .unwrap_err()
                .for_field("decision"),
            Some("error-nothing-to-withdraw")
        );
        let given = [rec(
            ConsentPurpose::Contact,
            ConsentDecision::Given,
            date!(2026 - 02 - 01),
        )];
        assert_eq!(check_consent(&withdraw, &given, today), Ok(()));
        let early = ConsentInput {
            date: date!(2026 - 01 - 01),
            ..withdraw.clone()
        };
        assert_eq!(
            check_consent(&early, &given, today)
                .unwrap_err()
                .for_field("date"),
            Some("error-withdrawal-before-consent")
        );
        let future = ConsentInput {
            decision: ConsentDecision::Given,
            date: date!(2027 - 01 - 01),
            ..withdraw
        };
        assert!(check_consent(&future, &[], today).is_err());
    }
}
