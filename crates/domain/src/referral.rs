//! Referrals (Module 2 §2.3, Module 4 §4.1.3): a returnee guided to a mapped service, with
//! consent for this referral naming which parts of the case travel, an answer from the
//! provider within the agreed time, and a record of what was delivered.
//!
//! What a provider may see is decided here, once: [`disclose`] copies only the consented
//! sections, and only while [`ReferralStatus::is_shared`] holds. Pages, the printable slip, the
//! provider link and the JSON API all build on it.

use serde::{Deserialize, Serialize};
use time::{Date, Duration};

use crate::case::{
    HouseholdMember, MAX_LONG_TEXT, MAX_SHORT_TEXT, Relationship, ReturneeProfile, Sex,
    Vulnerability, full_years_between, named_enum,
};
use crate::consent::ConsentMethod;
use crate::validation::ValidationErrors;

named_enum!(
    ReferralStatus {
        Draft = "draft",
        Sent = "sent",
        Accepted = "accepted",
        Declined = "declined",
        Started = "started",
        Completed = "completed",
        Cancelled = "cancelled",
        ConsentWithdrawn = "consent_withdrawn",
    }
);

impl ReferralStatus {
    /// While the provider may see the consented parts of the case: from sending until the
    /// referral is declined, cancelled or consent is withdrawn.
    pub fn is_shared(self) -> bool {
        matches!(
            self,
            Self::Sent | Self::Accepted | Self::Started | Self::Completed
        )
    }

    /// Whether the provider's organisation finds the referral in its list. Drafts were never
    /// sent; once the returnee withdraws consent, the provider is no longer told a referral
    /// about them exists. A declined or cancelled one stays listed, so the provider knows
    /// what became of it.
    pub fn listed_to_provider(self) -> bool {
        !matches!(self, Self::Draft | Self::ConsentWithdrawn)
    }

    /// Staff called the referral off (cancelled, or consent withdrawn): no answer is awaited.
    pub fn is_called_off(self) -> bool {
        matches!(self, Self::Cancelled | Self::ConsentWithdrawn)
    }

    /// Nothing more can happen to the referral.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            Self::Declined | Self::Completed | Self::Cancelled | Self::ConsentWithdrawn
        )
    }
}

named_enum!(
    /// What can happen to a referral. The provider (or staff recording the provider's answer)
    /// accepts, declines, starts, completes and gives feedback; staff send, cancel and record a
    /// withdrawal of consent.
    ReferralStep {
        Send = "send",
        Accept = "accept",
        Decline = "decline",
        Start = "start",
        Complete = "complete",
        Feedback = "feedback",
        Cancel = "cancel",
        WithdrawConsent = "withdraw_consent",
    }
);

impl ReferralStep {
    pub const PROVIDER: [ReferralStep; 5] = [
        ReferralStep::Accept,
        ReferralStep::Decline,
        ReferralStep::Start,
        ReferralStep::Complete,
        ReferralStep::Feedback,
    ];

    pub fn by_provider(self) -> bool {
        Self::PROVIDER.contains(&self)
    }

    /// The provider's answer to a referral sent: accepting or declining it, or starting or
    /// completing it straight away.
    pub fn answers(self) -> bool {
        matches!(
            self,
            Self::Accept | Self::Decline | Self::Start | Self::Complete
        )
    }

    /// Whether the step needs a note: the reason for declining, cancelling or withdrawing,
    /// and the feedback itself.
    pub fn needs_note(self) -> bool {
        matches!(
            self,
            Self::Decline | Self::Feedback | Self::Cancel | Self::WithdrawConsent
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum StepError {
    /// The step does not apply to a referral in this status.
    #[error("this step is not possible now")]
    NotNow,
    #[error("a note is required")]
    NoteRequired,
    /// Sending needs consent for this referral, or a recorded exception.
    #[error("consent is missing")]
    NoConsent,
}

impl StepError {
    pub fn message_id(self) -> &'static str {
        match self {
            StepError::NotNow => "error-referral-step",
            StepError::NoteRequired => "error-required",
            StepError::NoConsent => "error-referral-consent",
        }
    }
}

/// The status after `step`, or why it cannot happen. Feedback leaves the status as it is.
pub fn next_status(
    current: ReferralStatus,
    step: ReferralStep,
    note: &str,
    content: &ReferralContent,
) -> Result<ReferralStatus, StepError> {
    use ReferralStatus as S;
    use ReferralStep as T;
    if step.needs_note() && note.trim().is_empty() {
        return Err(StepError::NoteRequired);
    }
    let next = match (current, step) {
        (S::Draft, T::Send) => {
            if !content.has_consent() {
                return Err(StepError::NoConsent);
            }
            S::Sent
        }
        (S::Sent, T::Accept) => S::Accepted,
        (S::Sent, T::Decline) => S::Declined,
        (S::Sent | S::Accepted, T::Start) => S::Started,
        (S::Sent | S::Accepted | S::Started, T::Complete) => S::Completed,
        (s, T::Feedback) if s.is_shared() => s,
        (S::Draft | S::Sent | S::Accepted | S::Started, T::Cancel) => S::Cancelled,
        (S::Draft | S::Sent | S::Accepted | S::Started | S::Completed, T::WithdrawConsent) => {
            S::ConsentWithdrawn
        }
        _ => return Err(StepError::NotNow),
    };
    Ok(next)
}

named_enum!(
    /// The tiers of Module 2: life-saving referrals first.
    Urgency {
        LifeSaving = "life_saving",
        Urgent = "urgent",
        Routine = "routine",
    }
);

named_enum!(
    /// Parts of a case that can travel with a referral. The first three always do; the others
    /// only when the returnee agreed to share them for this referral.
    SharedSection {
        Identity = "identity",
        Contact = "contact",
        Reason = "reason",
        Household = "household",
        Health = "health",
        Protection = "protection",
        Psychosocial = "psychosocial",
    }
);

impl SharedSection {
    pub const MINIMAL: [SharedSection; 3] = [Self::Identity, Self::Contact, Self::Reason];
    pub const OPTIONAL: [SharedSection; 4] = [
        Self::Household,
        Self::Health,
        Self::Protection,
        Self::Psychosocial,
    ];
}

named_enum!(
    /// The exception of Module 4 (footnote 38): a referral without consent is justified only
    /// when the person's life is at risk, or when they cannot give consent because of a mental
    /// disability, as determined by a mental health professional.
    OverrideReason {
        LifeAtRisk = "life_at_risk",
        UnableToConsent = "unable_to_consent",
    }
);

/// The returnee's consent to this referral.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ReferralConsent {
    #[serde(with = "crate::case::date")]
    #[schema(value_type = String, format = Date)]
    pub date: Date,
    pub method: ConsentMethod,
    /// What the returnee agreed the sharing is for, in the words used with them.
    pub purpose: String,
}

/// A referral made without consent under the handbook's exception.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ConsentOverride {
    #[serde(with = "crate::case::date")]
    #[schema(value_type = String, format = Date)]
    pub date: Date,
    pub reason: OverrideReason,
    /// The mental health professional who made the determination: name and function.
    pub professional: String,
    pub justification: String,
}

/// Which plan item a referral carries out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PlanItemRef {
    pub plan_version: i64,
    pub item_key: u32,
}

/// What the case manager records when referring.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ReferralContent {
    /// Why the returnee is referred, as the provider will read it.
    pub reason: String,
    pub urgency: Urgency,
    /// Always includes [`SharedSection::MINIMAL`].
    #[serde(default)]
    pub sections: Vec<SharedSection>,
    /// Travels only with [`SharedSection::Health`].
    #[serde(default)]
    pub health_note: String,
    /// Travels only with [`SharedSection::Protection`], with the case's vulnerabilities.
    #[serde(default)]
    pub protection_note: String,
    /// Travels only with [`SharedSection::Psychosocial`].
    #[serde(default)]
    pub psychosocial_note: String,
    #[serde(default)]
    pub plan_item: Option<PlanItemRef>,
    /// The returnee will be accompanied to the first appointment.
    #[serde(default)]
    pub accompanied: bool,
    #[serde(default)]
    pub consent: Option<ReferralConsent>,
    #[serde(default)]
    pub consent_override: Option<ConsentOverride>,
}

impl ReferralContent {
    pub fn has_consent(&self) -> bool {
        self.consent.is_some() || self.consent_override.is_some()
    }

    pub fn shares(&self, s: SharedSection) -> bool {
        SharedSection::MINIMAL.contains(&s) || self.sections.contains(&s)
    }

    /// The minimal sections added, the list sorted; notes trimmed.
    pub fn normalised(mut self) -> Self {
        self.sections.extend(SharedSection::MINIMAL);
        self.sections.sort();
        self.sections.dedup();
        for n in [
            &mut self.reason,
            &mut self.health_note,
            &mut self.protection_note,
            &mut self.psychosocial_note,
        ] {
            *n = n.trim().to_string();
        }
        self
    }

    pub fn check(&self, today: Date) -> Result<(), ValidationErrors> {
        let mut e = ValidationErrors::new();
        if self.reason.trim().is_empty() {
            e.add("reason", "error-required");
        } else if self.reason.chars().count() > MAX_LONG_TEXT {
            e.add("reason", "error-too-long");
        }
        // A note written for a section the returnee did not agree to share would never be
        // shown; refuse it rather than keep something no one meant to keep.
        for (section, field, note) in [
            (SharedSection::Health, "health_note", &self.health_note),
            (
                SharedSection::Protection,
                "protection_note",
                &self.protection_note,
            ),
            (
                SharedSection::Psychosocial,
                "psychosocial_note",
                &self.psychosocial_note,
            ),
        ] {
            if note.chars().count() > MAX_LONG_TEXT {
                e.add(field, "error-too-long");
            } else if !note.trim().is_empty() && !self.shares(section) {
                e.add(field, "error-section-not-consented");
            }
        }
        if let Some(c) = &self.consent {
            if c.date > today {
                e.add("consent_date", "error-date-in-future");
            }
            if c.purpose.trim().is_empty() {
                e.add("consent_purpose", "error-required");
            } else if c.purpose.chars().count() > MAX_SHORT_TEXT * 2 {
                e.add("consent_purpose", "error-too-long");
            }
        }
        if let Some(o) = &self.consent_override {
            if self.consent.is_some() {
                e.add("override_reason", "error-override-with-consent");
            }
            if o.date > today {
                e.add("override_date", "error-date-in-future");
            }
            if o.professional.trim().is_empty() {
                e.add("override_professional", "error-required");
            }
            if o.justification.trim().is_empty() {
                e.add("override_justification", "error-required");
            } else if o.justification.chars().count() > MAX_LONG_TEXT {
                e.add("override_justification", "error-too-long");
            }
        }
        e.into_result(())
    }
}

/// The day by which the provider should have answered.
pub fn answer_due(sent_on: Date, answer_days: u16) -> Date {
    sent_on + Duration::days(i64::from(answer_days))
}

/// Sent, not answered, and past the agreed time.
pub fn is_overdue(status: ReferralStatus, due: Option<Date>, today: Date) -> bool {
    answer_awaited(status, due).is_some_and(|d| today > d)
}

/// The day the provider should answer by, while an answer is awaited (sent, not answered
/// yet); `None` once they have answered or the referral went no further.
pub fn answer_awaited(status: ReferralStatus, due: Option<Date>) -> Option<Date> {
    due.filter(|_| status == ReferralStatus::Sent)
}

/// How long a provider link lives unless the case manager chooses otherwise.
pub const LINK_DAYS_DEFAULT: u16 = 14;
pub const LINK_DAYS_MAX: u16 = 60;

/// A household member as shared: no notes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct SharedMember {
    pub name: String,
    pub relationship: Relationship,
    pub age: Option<u16>,
}

/// Exactly what a provider may see of a case for one referral. A field is `None` when its
/// section was not consented.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Disclosure {
    pub name: Option<String>,
    pub sex: Option<Sex>,
    pub age: Option<u16>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub language: Option<String>,
    pub place: Option<String>,
    pub reason: Option<String>,
    pub urgency: Option<Urgency>,
    pub household: Option<Vec<SharedMember>>,
    pub health: Option<String>,
    pub vulnerabilities: Option<Vec<Vulnerability>>,
    pub protection: Option<String>,
    pub psychosocial: Option<String>,
}

/// Whether the provider may see the consented parts now: the referral is in a shared status
/// and consent (or the exception) is on record.
pub fn is_shared(status: ReferralStatus, content: &ReferralContent) -> bool {
    status.is_shared() && content.has_consent()
}

/// The consented parts of `profile` for this referral, as of `today`; nothing at all unless
/// the referral is currently shared.
pub fn disclose(
    status: ReferralStatus,
    content: &ReferralContent,
    profile: &ReturneeProfile,
    today: Date,
) -> Option<Disclosure> {
    if !is_shared(status, content) {
        return None;
    }
    let age = |born: Option<Date>, fallback: Option<u16>| {
        born.and_then(|b| full_years_between(b, today)).or(fallback)
    };
    let mut d = Disclosure::default();
    if content.shares(SharedSection::Identity) {
        d.name = Some(profile.full_name());
        d.sex = Some(profile.sex);
        d.age = age(profile.date_of_birth, profile.age_at_return);
    }
    if content.shares(SharedSection::Contact) {
        d.phone = profile.phone.clone();
        d.address = profile.address.clone();
        d.language = profile.preferred_language.clone();
        d.place = Some(
            [
                profile.return_community.clone().unwrap_or_default(),
                profile.return_province.clone(),
            ]
            .iter()
            .filter(|s| !s.is_empty())
            .cloned()
            .collect::<Vec<_>>()
            .join(", "),
        );
    }
    if content.shares(SharedSection::Reason) {
        d.reason = Some(content.reason.clone());
        d.urgency = Some(content.urgency);
    }
    if content.shares(SharedSection::Household) {
        d.household = Some(
            profile
                .household
                .iter()
                .map(|m: &HouseholdMember| SharedMember {
                    name: m.name.clone(),
                    relationship: m.relationship,
                    age: m.date_of_birth.and_then(|b| full_years_between(b, today)),
                })
                .collect(),
        );
    }
    if content.shares(SharedSection::Health) {
        d.health = Some(content.health_note.clone());
    }
    if content.shares(SharedSection::Protection) {
        d.vulnerabilities = Some(profile.vulnerabilities.clone());
        d.protection = Some(content.protection_note.clone());
    }
    if content.shares(SharedSection::Psychosocial) {
        d.psychosocial = Some(content.psychosocial_note.clone());
    }
    Some(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_is_awaited_only_while_the_referral_is_sent() {
        use time::macros::date;
        let due = Some(date!(2026 - 03 - 10));
        assert_eq!(answer_awaited(ReferralStatus::Sent, due), due);
        for answered in [
            ReferralStatus::Accepted,
            ReferralStatus::Declined,
            ReferralStatus::Draft,
        ] {
            assert_eq!(answer_awaited(answered, due), None);
            assert!(!is_overdue(answered, due, date!(2026 - 04 - 01)));
        }
        assert!(is_overdue(ReferralStatus::Sent, due, date!(2026 - 04 - 01)));
    }
    use crate::case::tests::sample;
    use time::macros::date;

    fn content() -> ReferralContent {
        ReferralContent {
            reason: "Needs a check-up for a chronic condition".into(),
            urgency: Urgency::Routine,
            sections: vec![],
            health_note: String::new(),
            protection_note: String::new(),
            psychosocial_note: String::new(),
            plan_item: None,
            accompanied: false,
            consent: Some(ReferralConsent {
                date: date!(2026 - 03 - 01),
                method: ConsentMethod::WrittenInPerson,
                purpose: "Medical follow-up at the clinic".into(),
            }),
            consent_override: None,
        }
        .normalised()
    }

    #[test]
    fn minimal_consent_shares_name_contact_and_reason_only() {
        let mut p = sample();
        p.vulnerabilities = vec![Vulnerability::MentalHealth];
        let c = content();
        assert_eq!(c.sections, SharedSection::MINIMAL.to_vec());
        let d = disclose(ReferralStatus::Sent, &c, &p, date!(2026 - 03 - 02)).unwrap();
        assert_eq!(d.name.as_deref(), Some(p.full_name().as_str()));
        assert!(d.reason.is_some() && d.phone == p.phone);
        assert_eq!(d.household, None);
        assert_eq!(d.health, None);
        assert_eq!(d.vulnerabilities, None);
        assert_eq!(d.psychosocial, None);
    }

    #[test]
    fn chosen_sections_travel_and_nothing_travels_once_sharing_stops() {
        let p = sample();
        let mut c = content();
        c.sections.push(SharedSection::Health);
        c.health_note = "Diabetic, needs insulin".into();
        let c = c.normalised();
        let d = disclose(ReferralStatus::Accepted, &c, &p, date!(2026 - 03 - 02)).unwrap();
        assert_eq!(d.health.as_deref(), Some("Diabetic, needs insulin"));
        assert_eq!(d.protection, None);
        for s in [
            ReferralStatus::Draft,
            ReferralStatus::Declined,
            ReferralStatus::Cancelled,
            ReferralStatus::ConsentWithdrawn,
        ] {
            assert_eq!(disclose(s, &c, &p, date!(2026 - 03 - 02)), None, "{s}");
        }
        let mut no_consent = c.clone();
        no_consent.consent = None;
        assert_eq!(
            disclose(ReferralStatus::Sent, &no_consent, &p, date!(2026 - 03 - 02)),
            None
        );
    }

    #[test]
    fn a_note_for_an_unconsented_section_is_refused() {
        let mut c = content();
        c.psychosocial_note = "Panic attacks".into();
        let e = c.check(date!(2026 - 03 - 02)).unwrap_err();
        assert_eq!(
            e.for_field("psychosocial_note"),
            Some("error-section-not-consented")
        );
    }

    #[test]
    fn the_exception_needs_a_professional_and_a_justification() {
        let mut c = content();
        c.consent = None;
        c.consent_override = Some(ConsentOverride {
            date: date!(2026 - 03 - 01),
            reason: OverrideReason::LifeAtRisk,
            professional: " ".into(),
            justification: String::new(),
        });
        let e = c.check(date!(2026 - 03 - 02)).unwrap_err();
        assert_eq!(e.for_field("override_professional"), Some("error-required"));
        assert_eq!(
            e.for_field("override_justification"),
            Some("error-required")
        );
        assert!(c.has_consent());
    }

    #[test]
    fn the_lifecycle_allows_only_its_steps() {
        use ReferralStatus as S;
        use ReferralStep as T;
        let c = content();
        let go = |s, t, note: &str| next_status(s, t, note, &c);
        assert_eq!(go(S::Draft, T::Send, ""), Ok(S::Sent));
        let mut unconsented = c.clone();
        unconsented.consent = None;
        assert_eq!(
            next_status(S::Draft, T::Send, "", &unconsented),
            Err(StepError::NoConsent)
        );
        assert_eq!(go(S::Sent, T::Accept, ""), Ok(S::Accepted));
        assert_eq!(go(S::Sent, T::Decline, ""), Err(StepError::NoteRequired));
        assert_eq!(go(S::Sent, T::Decline, "Full"), Ok(S::Declined));
        assert_eq!(go(S::Accepted, T::Start, ""), Ok(S::Started));
        assert_eq!(go(S::Started, T::Complete, ""), Ok(S::Completed));
        assert_eq!(go(S::Completed, T::Feedback, "Went well"), Ok(S::Completed));
        assert_eq!(go(S::Draft, T::Accept, ""), Err(StepError::NotNow));
        assert_eq!(go(S::Declined, T::Start, ""), Err(StepError::NotNow));
        assert_eq!(go(S::Completed, T::Cancel, "x"), Err(StepError::NotNow));
        assert_eq!(
            go(S::Completed, T::WithdrawConsent, "Asked us to"),
            Ok(S::ConsentWithdrawn)
        );
        assert_eq!(
            go(S::ConsentWithdrawn, T::Feedback, "x"),
            Err(StepError::NotNow)
        );
    }

    #[test]
    fn overdue_means_sent_and_unanswered_past_the_agreed_time() {
        let due = answer_due(date!(2026 - 03 - 01), 5);
        assert_eq!(due, date!(2026 - 03 - 06));
        assert!(!is_overdue(
            ReferralStatus::Sent,
            Some(due),
            date!(2026 - 03 - 06)
        ));
        assert!(is_overdue(
            ReferralStatus::Sent,
            Some(due),
            date!(2026 - 03 - 07)
        ));
        assert!(!is_overdue(
            ReferralStatus::Accepted,
            Some(due),
            date!(2026 - 04 - 07)
        ));
    }
}
