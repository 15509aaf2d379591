//! Feedback and complaints from returnees and community members (Module 5: "feedback
//! mechanisms" through which they speak "in an open and confidential manner"): what may be
//! left without an account, the contact the person chose (or none), and the handling
//! lifecycle: received, acknowledged, referred, resolved with a response.

use serde::{Deserialize, Serialize};

use crate::case::{MAX_LONG_TEXT, MAX_SHORT_TEXT, named_enum};
use crate::text::text_problem;
use crate::validation::ValidationErrors;

named_enum!(
    FeedbackKind {
        /// A suggestion, thanks, a question.
        Feedback = "feedback",
        /// Something went wrong and the person wants it put right.
        Complaint = "complaint",
    }
);

named_enum!(
    /// What it is about.
    FeedbackAbout {
        /// The assistance received or a service referred to.
        Assistance = "assistance",
        /// A member of staff.
        Staff = "staff",
        /// A community project.
        CommunityProject = "community_project",
        Other = "other",
    }
);

named_enum!(
    /// How the person wants to be answered.
    ContactWay {
        /// Anonymous: no answer can be sent.
        None = "none",
        Phone = "phone",
        Sms = "sms",
        Email = "email",
    }
);

named_enum!(
    FeedbackStatus {
        Received = "received",
        Acknowledged = "acknowledged",
        Referred = "referred",
        Resolved = "resolved",
    }
);

named_enum!(
    /// A handling step.
    FeedbackStep {
        Acknowledge = "acknowledge",
        Refer = "refer",
        Resolve = "resolve",
    }
);

/// What was left, as checked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewFeedback {
    pub kind: FeedbackKind,
    pub about: FeedbackAbout,
    pub message: String,
    pub contact_way: ContactWay,
    /// The number or address, only when a way to answer was chosen.
    pub contact: Option<String>,
}

/// Reads feedback as typed in the public form; each problem is noted under its field.
pub fn read_feedback(
    kind: &str,
    about: &str,
    message: &str,
    contact_way: &str,
    contact: &str,
) -> Result<NewFeedback, ValidationErrors> {
    let mut e = ValidationErrors::new();
    let kind = FeedbackKind::parse(kind);
    if kind.is_none() {
        e.add("kind", "error-required");
    }
    let about = FeedbackAbout::parse(about);
    if about.is_none() {
        e.add("about", "error-required");
    }
    let message = message.trim();
    if message.is_empty() {
        e.add("message", "error-required");
    } else if let Some(problem) = text_problem(message, true) {
        e.add("message", problem);
    } else if message.chars().count() > MAX_LONG_TEXT {
        e.add("message", "error-too-long");
    }
    let way = match contact_way.trim() {
        "" => Some(ContactWay::None),
        t => ContactWay::parse(t),
    };
    let contact = contact.trim();
    match way {
        None => e.add("contact_way", "error-choice"),
        Some(ContactWay::None) => {}
        Some(_) if contact.is_empty() => e.add("contact", "error-feedback-contact"),
        Some(w) => {
            if text_problem(contact, false).is_some() || contact.chars().count() > MAX_SHORT_TEXT {
                e.add("contact", "error-feedback-contact");
            } else if w == ContactWay::Email && !contact.contains('@') {
                e.add("contact", "error-email");
            } else if matches!(w, ContactWay::Phone | ContactWay::Sms)
                && contact.chars().filter(char::is_ascii_digit).count() < 6
            {
                e.add("contact", "error-phone");
            }
        }
    }
    match (kind, about, way) {
        (Some(kind), Some(about), Some(contact_way)) if e.is_empty() => Ok(NewFeedback {
            kind,
            about,
            message: message.to_string(),
            contact_way,
            contact: (contact_way != ContactWay::None).then(|| contact.to_string()),
        }),
        _ => Err(e),
    }
}

impl FeedbackStep {
    /// The status this step leads to from `current`, if it follows from there.
    pub fn from(self, current: FeedbackStatus) -> Option<FeedbackStatus> {
        use FeedbackStatus::*;
        match (self, current) {
            (FeedbackStep::Acknowledge, Received) => Some(Acknowledged),
            (FeedbackStep::Refer, Received | Acknowledged) => Some(Referred),
            (FeedbackStep::Resolve, Received | Acknowledged | Referred) => Some(Resolved),
            _ => None,
        }
    }

    /// The steps that follow from `current`, in order.
    pub fn following(current: FeedbackStatus) -> Vec<FeedbackStep> {
        Self::ALL
            .iter()
            .copied()
            .filter(|s| s.from(current).is_some())
            .collect()
    }
}

/// The status a step leads to from `current`, with its text checked: a referral names where
/// to, a resolution says what the response was. A step that does not follow is refused.
pub fn next_status(
    current: FeedbackStatus,
    step: FeedbackStep,
    text: &str,
) -> Result<FeedbackStatus, ValidationErrors> {
    let mut e = ValidationErrors::new();
    let to = step.from(current);
    if to.is_none() {
        e.add("step", "error-feedback-step");
    }
    let text = text.trim();
    let field = "text";
    match step {
        FeedbackStep::Refer | FeedbackStep::Resolve if text.is_empty() => {
            e.add(field, "error-required")
        }
        _ if text.chars().count() > MAX_LONG_TEXT => e.add(field, "error-too-long"),
        _ => {
            if let Some(problem) = text_problem(text, true) {
                e.add(field, problem);
            }
        }
    }
    match to {
        Some(s) if e.is_empty() => Ok(s),
        _ => Err(e),
    }
}

/// A reference the person can quote: eight characters from an alphabet without look-alikes
/// (no 0/O, 1/I/L), taken from random bytes.
pub fn reference(random: [u8; 8]) -> String {
    const ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
    let code: String = random
        .iter()
        .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
        .collect();
    format!("FB-{}-{}", &code[..4], &code[4..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anonymous_feedback_needs_only_what_and_the_message() {
        let f = read_feedback("complaint", "staff", " Was asked for money ", "", "").unwrap();
        assert_eq!(f.message, "Was asked for money");
        assert_eq!(f.contact_way, ContactWay::None);
        assert_eq!(f.contact, None);
        // A number typed but anonymous chosen is not kept.
        let f = read_feedback("feedback", "other", "Thanks", "none", "+221 77 000 00 00").unwrap();
        assert_eq!(f.contact, None);
    }

    #[test]
    fn a_chosen_way_to_answer_needs_a_usable_contact() {
        let e = read_feedback("", "", "", "pigeon", "").unwrap_err();
        let fields: Vec<&str> = e.0.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["kind", "about", "message", "contact_way"]);
        let e = read_feedback("feedback", "other", "Hi", "sms", "").unwrap_err();
        assert_eq!(e.0[0].code, "error-feedback-contact");
        let e = read_feedback("feedback", "other", "Hi", "sms", "call me").unwrap_err();
        assert_eq!(e.0[0].code, "error-phone");
        let e = read_feedback("feedback", "other", "Hi", "email", "someone").unwrap_err();
        assert_eq!(e.0[0].code, "error-email");
        let f = read_feedback("feedback", "other", "Hi", "sms", "+221 77 123 45 67").unwrap();
        assert_eq!(f.contact.as_deref(), Some("+221 77 123 45 67"));
    }

    #[test]
    fn the_lifecycle_moves_forward_only_with_what_each_step_needs() {
        use FeedbackStatus::*;
        assert_eq!(
            next_status(Received, FeedbackStep::Acknowledge, ""),
            Ok(Acknowledged)
        );
        assert!(next_status(Acknowledged, FeedbackStep::Acknowledge, "").is_err());
        assert_eq!(
            next_status(Acknowledged, FeedbackStep::Refer, "Health district office"),
            Ok(Referred)
        );
        let e = next_status(Referred, FeedbackStep::Resolve, " ").unwrap_err();
        assert_eq!(e.0[0].field, "text");
        assert_eq!(
            next_status(Referred, FeedbackStep::Resolve, "Refunded"),
            Ok(Resolved)
        );
        assert!(next_status(Resolved, FeedbackStep::Refer, "again").is_err());
        assert_eq!(
            FeedbackStep::following(Acknowledged),
            [FeedbackStep::Refer, FeedbackStep::Resolve]
        );
        assert!(FeedbackStep::following(Resolved).is_empty());
    }

    #[test]
    fn references_avoid_look_alike_characters() {
        let r = reference([0, 1, 2, 3, 250, 251, 252, 253]);
        assert_eq!(r.len(), "FB-XXXX-XXXX".len());
        assert!(!r[3..].contains(['0', 'O', '1', 'I', 'L']), "{r}");
    }
}
