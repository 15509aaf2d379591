//! Handing a case over to another organisation's instance (host country to origin country, or
//! one organisation to another), with the returnee's consent naming the recipient and what is
//! shared. The rules here decide what a consent allows; `app::handover` makes and reads the
//! signed, encrypted packets.

use serde::{Deserialize, Serialize};
use time::Date;

use crate::consent::ConsentMethod;
use crate::validation::ValidationErrors;

/// A packet can be imported for this many days after it was made.
pub const PACKET_VALID_DAYS: i64 = 30;
/// A consent to a transfer is good for this many days after it was given.
pub const CONSENT_VALID_DAYS: i64 = 90;
/// At most this many assessments travel in one packet.
pub const MAX_ASSESSMENTS: usize = 50;

/// What the returnee agreed may travel, besides their profile (which always does: without it
/// there is no case to receive).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SharedScope {
    /// The completed assessments chosen, by submission id.
    #[serde(default)]
    pub assessments: Vec<uuid::Uuid>,
    /// Counselling sessions: date, kind, topics and next steps. Sensitive notes never travel.
    #[serde(default)]
    pub counselling_notes: bool,
    /// The consent decisions recorded so far.
    #[serde(default)]
    pub consents: bool,
    /// The reintegration plan as agreed so far (its latest version).
    #[serde(default)]
    pub plan: bool,
}

/// The returnee's consent to a transfer, as recorded by the sending case manager.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransferConsent {
    pub date: Date,
    pub method: ConsentMethod,
    pub shared: SharedScope,
}

/// Checks a consent before it is recorded: given, not in the future, and naming no more than
/// [`MAX_ASSESSMENTS`] assessments, each one the case has (`available`).
pub fn check_consent(
    c: &TransferConsent,
    agreed: bool,
    available: &[uuid::Uuid],
    today: Date,
) -> Result<(), ValidationErrors> {
    let mut e = ValidationErrors::new();
    if !agreed {
        e.add("agreed", "error-handover-consent");
    }
    if c.date > today {
        e.add("consent_date", "error-date-in-future");
    }
    if c.date < today - time::Duration::days(CONSENT_VALID_DAYS) {
        e.add("consent_date", "error-handover-consent-old");
    }
    if c.shared.assessments.len() > MAX_ASSESSMENTS {
        e.add("assessments", "error-too-many");
    }
    if c.shared.assessments.iter().any(|a| !available.contains(a)) {
        e.add("assessments", "error-choice");
    }
    if e.is_empty() { Ok(()) } else { Err(e) }
}

/// Whether a consent recorded on `given` still allows a packet to be made `today`.
pub fn consent_current(given: Date, today: Date) -> bool {
    given >= today - time::Duration::days(CONSENT_VALID_DAYS) && given <= today
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn a_consent_must_be_given_recent_and_name_only_the_cases_assessments() {
        let today = date!(2026 - 12 - 07);
        let a = uuid::Uuid::new_v4();
        let mut c = TransferConsent {
            date: today,
            method: ConsentMethod::WrittenInPerson,
            shared: SharedScope {
                assessments: vec![a],
                ..Default::default()
            },
        };
        assert!(check_consent(&c, true, &[a], today).is_ok());
        assert!(check_consent(&c, false, &[a], today).is_err());
        assert!(check_consent(&c, true, &[], today).is_err());
        c.date = date!(2026 - 01 - 01);
        assert!(check_consent(&c, true, &[a], today).is_err());
        assert!(!consent_current(c.date, today));
        assert!(consent_current(today, today));
    }
}
