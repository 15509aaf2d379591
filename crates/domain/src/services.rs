//! The service map (Module 1 §1.4, Annexes 7 and 8): organisations that provide services to
//! returnees, each service with the handbook's mapping fields, its availability / quality /
//! accessibility ratings, the referral procedure agreed with it (the six SOP sections of
//! Module 4 §4.1.3), and when it was last checked.
//!
//! Free-text mapping fields are kept as a map keyed by a fixed list of names, so forms, the API,
//! the audit trail and the templates all walk the same list.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use time::{Date, Month};

use crate::case::{MAX_LONG_TEXT, MAX_SHORT_TEXT, named_enum};
use crate::pathway::Dimension;
use crate::validation::ValidationErrors;

named_enum!(
    /// Kinds of organisation.
    ProviderSector {
        Public = "public",
        Private = "private",
        NonProfit = "non_profit",
        Religious = "religious",
        Academic = "academic",
        Community = "community",
        International = "international",
    }
);

named_enum!(
    /// The types of service of Annex 8, grouped by dimension.
    ServiceCategory {
        JobPlacement = "job_placement",
        Tvet = "tvet",
        BusinessDevelopment = "business_development",
        FinancialServices = "financial_services",
        Health = "health",
        Housing = "housing",
        Documentation = "documentation",
        SocialProtection = "social_protection",
        LegalJustice = "legal_justice",
        Education = "education",
        Childcare = "childcare",
        Psychosocial = "psychosocial",
        Psychological = "psychological",
        Psychiatric = "psychiatric",
    }
);

impl ServiceCategory {
    pub fn dimension(self) -> Dimension {
        use ServiceCategory::*;
        match self {
            JobPlacement | Tvet | BusinessDevelopment | FinancialServices => Dimension::Economic,
            Health | Housing | Documentation | SocialProtection | LegalJustice | Education
            | Childcare => Dimension::Social,
            Psychosocial | Psychological | Psychiatric => Dimension::Psychosocial,
        }
    }
}

named_enum!(
    /// Why returnees may not reach a service (Module 1's barriers, and the causes Annex 7 names
    /// for accessibility gaps).
    AccessBarrier {
        Eligibility = "eligibility",
        Distance = "distance",
        Safety = "safety",
        Time = "time",
        Cost = "cost",
        Documentation = "documentation",
        Information = "information",
        Language = "language",
        StaffNotTrained = "staff_not_trained",
    }
);

named_enum!(
    /// Annex 7's quality axis: adequate, adequate for the local population only, or inadequate
    /// for everyone.
    QualityRating {
        Adequate = "adequate",
        InadequateForReturnees = "inadequate_for_returnees",
        InadequateForAll = "inadequate_for_all",
    }
);

named_enum!(
    /// Annex 7's four patterns, read from the three ratings.
    GapPattern {
        NoGap = "no_gap",
        AccessibilityGap = "accessibility_gap",
        QualityGap = "quality_gap",
        AvailabilityGap = "availability_gap",
    }
);

/// Availability, quality and accessibility as rated in Annex 7. `None`: not rated yet.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Ratings {
    #[serde(default)]
    pub available: Option<bool>,
    #[serde(default)]
    pub quality: Option<QualityRating>,
    #[serde(default)]
    pub accessible: Option<bool>,
}

impl Ratings {
    /// The Annex 7 pattern, once enough is rated to tell: an unavailable service is an
    /// availability gap whatever else is known; otherwise quality decides before access.
    pub fn gap(self) -> Option<GapPattern> {
        match (self.available?, self.quality, self.accessible) {
            (false, _, _) => Some(GapPattern::AvailabilityGap),
            (true, Some(QualityRating::Adequate), Some(true)) => Some(GapPattern::NoGap),
            (true, Some(QualityRating::Adequate), Some(false)) => {
                Some(GapPattern::AccessibilityGap)
            }
            (true, Some(_), _) => Some(GapPattern::QualityGap),
            (true, None, _) => None,
        }
    }
}

/// The provider's free-text fields.
pub const PROVIDER_FIELDS: [&str; 5] = ["contact_person", "phone", "email", "address", "notes"];

/// The mapping fields of Module 1 (L1066–1083) that are free text, in the handbook's order.
/// Contact details live on the provider, the type of service is the category, languages and
/// barriers are lists, and the quality / experience / trust fields sit with the ratings.
pub const SERVICE_FIELDS: [&str; 13] = [
    "description",
    "hours",
    "waiting_time",
    "inclusion_criteria",
    "exclusion_criteria",
    "cost",
    "payment_rules",
    "location_access",
    "safety",
    "transport",
    "cultural_aspects",
    "quality_of_care",
    "returnee_experience",
];

/// The last of the handbook's mapping fields: how the local population sees the provider.
pub const TRUST_FIELD: &str = "local_trust";

/// The referral procedure agreed with the service: Module 4's six SOP sections, plus the
/// documents a returnee must bring.
pub const SOP_FIELDS: [&str; 7] = [
    "sop_data",
    "sop_consent",
    "sop_first_contact",
    "sop_follow_up",
    "sop_documentation",
    "sop_costs",
    "sop_documents_needed",
];

/// Fields a returnee's feedback may propose to change: the ones the handbook says go stale
/// fastest (contact, hours, costs, eligibility, transport, availability).
pub const FEEDBACK_FIELDS: [&str; 6] = [
    "hours",
    "waiting_time",
    "cost",
    "inclusion_criteria",
    "transport",
    "location_access",
];

/// When a service has no agreed call-back time, a referral waits this long for an answer
/// before it counts as overdue.
pub const DEFAULT_ANSWER_DAYS: u16 = 5;
pub const MAX_ANSWER_DAYS: u16 = 90;
/// A service map entry is due for review this long after it was last checked.
pub const REVIEW_MONTHS: u8 = 6;

/// An organisation on the map.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Provider {
    pub name: String,
    #[serde(default)]
    pub sector: Option<ProviderSector>,
    /// Contact person, phone, email, address, notes: see [`PROVIDER_FIELDS`].
    #[serde(default)]
    pub details: BTreeMap<String, String>,
}

impl Provider {
    pub fn check(&self) -> Result<(), ValidationErrors> {
        let mut e = ValidationErrors::new();
        check_text(&mut e, "name", &self.name, true, MAX_SHORT_TEXT);
        check_details(&mut e, &self.details, &PROVIDER_FIELDS, &[]);
        e.into_result(())
    }

    pub fn detail(&self, field: &str) -> &str {
        self.details.get(field).map(String::as_str).unwrap_or("")
    }

    /// Name and details trimmed, empty details dropped.
    pub fn normalised(mut self) -> Self {
        self.name = self.name.trim().to_string();
        trim_details(&mut self.details);
        self
    }
}

/// Trims every detail and drops the empty ones.
pub(crate) fn trim_details(details: &mut BTreeMap<String, String>) {
    details.retain(|_, v| !v.trim().is_empty());
    for v in details.values_mut() {
        *v = v.trim().to_string();
    }
}

/// A service as mapped.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Service {
    pub name: String,
    pub category: ServiceCategory,
    /// Where it is delivered: province, district or town, as programmes name places.
    pub place: String,
    /// Languages staff can serve people in.
    #[serde(default)]
    pub languages: Vec<String>,
    /// [`SERVICE_FIELDS`], [`TRUST_FIELD`] and [`SOP_FIELDS`].
    #[serde(default)]
    pub details: BTreeMap<String, String>,
    #[serde(default)]
    pub barriers: Vec<AccessBarrier>,
    #[serde(default)]
    pub ratings: Ratings,
    #[serde(default = "yes")]
    pub serves_returnees: bool,
    #[serde(default = "yes")]
    pub open_to_local_population: bool,
    /// Days within which the service agreed to answer a referral (SOP section 3).
    #[serde(default)]
    pub answer_days: Option<u16>,
    #[serde(default, with = "crate::case::opt_date")]
    #[schema(value_type = Option<String>, format = Date)]
    pub verified_on: Option<Date>,
    /// Who checked the entry on that day (a name: mapping is often done by field staff).
    #[serde(default)]
    pub verified_by: String,
}

fn yes() -> bool {
    true
}

fn check_text(e: &mut ValidationErrors, field: &str, value: &str, required: bool, max: usize) {
    if required && value.trim().is_empty() {
        e.add(field, "error-required");
    } else if value.chars().count() > max {
        e.add(field, "error-too-long");
    }
}

fn check_details(
    e: &mut ValidationErrors,
    details: &BTreeMap<String, String>,
    known: &[&str],
    more: &[&str],
) {
    for (k, v) in details {
        if !known.contains(&k.as_str()) && !more.contains(&k.as_str()) {
            e.add(k.clone(), "error-unknown-field");
        } else {
            check_text(e, k, v, false, MAX_LONG_TEXT);
        }
    }
}

impl Service {
    pub fn check(&self, today: Date) -> Result<(), ValidationErrors> {
        let mut e = ValidationErrors::new();
        check_text(&mut e, "name", &self.name, true, MAX_SHORT_TEXT);
        check_text(&mut e, "place", &self.place, true, MAX_SHORT_TEXT);
        for l in &self.languages {
            check_text(&mut e, "languages", l, false, MAX_SHORT_TEXT);
        }
        let mut known: Vec<&str> = SERVICE_FIELDS.to_vec();
        known.push(TRUST_FIELD);
        check_details(&mut e, &self.details, &known, &SOP_FIELDS);
        if self
            .answer_days
            .is_some_and(|d| d == 0 || d > MAX_ANSWER_DAYS)
        {
            e.add("answer_days", "error-answer-days");
        }
        if self.verified_on.is_some_and(|d| d > today) {
            e.add("verified_on", "error-date-in-future");
        }
        if self.verified_on.is_some() && self.verified_by.trim().is_empty() {
            e.add("verified_by", "error-required");
        }
        check_text(
            &mut e,
            "verified_by",
            &self.verified_by,
            false,
            MAX_SHORT_TEXT,
        );
        e.into_result(())
    }

    pub fn dimension(&self) -> Dimension {
        self.category.dimension()
    }

    pub fn detail(&self, field: &str) -> &str {
        self.details.get(field).map(String::as_str).unwrap_or("")
    }

    /// Days a referral may wait for an answer.
    pub fn answer_days(&self) -> u16 {
        self.answer_days.unwrap_or(DEFAULT_ANSWER_DAYS)
    }

    /// The day the entry should be checked again: never checked means now.
    pub fn review_due(&self) -> Option<Date> {
        self.verified_on.map(|d| add_months(d, REVIEW_MONTHS))
    }

    pub fn needs_review(&self, today: Date) -> bool {
        self.review_due().is_none_or(|d| d <= today)
    }

    /// Lists normalised: trimmed, empty values dropped, duplicates removed.
    pub fn normalised(mut self) -> Self {
        self.name = self.name.trim().to_string();
        self.place = self.place.trim().to_string();
        let mut langs: Vec<String> = Vec::new();
        for l in self
            .languages
            .iter()
            .map(|l| l.trim())
            .filter(|l| !l.is_empty())
        {
            if !langs.iter().any(|x| x.eq_ignore_ascii_case(l)) {
                langs.push(l.to_string());
            }
        }
        self.languages = langs;
        trim_details(&mut self.details);
        self.barriers.sort();
        self.barriers.dedup();
        self
    }

    /// Whether the service answers a search: category, dimension, place and language, each
    /// optional; text matches ignore case and accents.
    pub fn matches(&self, q: &ServiceQuery) -> bool {
        let fold = crate::text::fold;
        q.category.is_none_or(|c| c == self.category)
            && q.dimension.is_none_or(|d| d == self.dimension())
            && q.place
                .as_deref()
                .is_none_or(|p| fold(&self.place).contains(&fold(p)))
            && q.language
                .as_deref()
                .is_none_or(|l| self.languages.iter().any(|x| fold(x).contains(&fold(l))))
    }
}

/// A search of the service map.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ServiceQuery {
    #[serde(default)]
    pub category: Option<ServiceCategory>,
    #[serde(default)]
    pub dimension: Option<Dimension>,
    #[serde(default)]
    pub place: Option<String>,
    #[serde(default)]
    pub language: Option<String>,
}

/// The same day `months` later, or the month's last day when it has fewer days.
pub fn add_months(d: Date, months: u8) -> Date {
    let total = d.month() as i32 - 1 + i32::from(months);
    let year = d.year() + total / 12;
    let month = Month::try_from((total % 12 + 1) as u8).unwrap_or(Month::December);
    let last = time::util::days_in_month(month, year);
    Date::from_calendar_date(year, month, d.day().min(last)).unwrap_or(d)
}

named_enum!(
    ProposalStatus {
        Pending = "pending",
        Accepted = "accepted",
        Rejected = "rejected",
    }
);

/// What a returnee said about a service during follow-up, as a proposed change to the map.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ServiceFeedback {
    /// The returnee's experience, in the case manager's words.
    pub comment: String,
    /// New values for some of [`FEEDBACK_FIELDS`].
    #[serde(default)]
    pub proposed: BTreeMap<String, String>,
}

impl ServiceFeedback {
    pub fn check(&self) -> Result<(), ValidationErrors> {
        let mut e = ValidationErrors::new();
        check_text(&mut e, "comment", &self.comment, true, MAX_LONG_TEXT);
        check_details(&mut e, &self.proposed, &FEEDBACK_FIELDS, &[]);
        e.into_result(())
    }

    /// The service with the proposed values applied, checked on `today` by `by`.
    pub fn apply(&self, service: &Service, today: Date, by: &str) -> Service {
        let mut s = service.clone();
        for (k, v) in &self.proposed {
            if !v.trim().is_empty() {
                s.details.insert(k.clone(), v.trim().to_string());
            }
        }
        s.verified_on = Some(today);
        s.verified_by = by.to_string();
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn service() -> Service {
        Service {
            name: "Counselling centre".into(),
            category: ServiceCategory::Psychological,
            place: "Kolda".into(),
            languages: vec!["Wolof".into(), " wolof ".into(), "French".into(), "".into()],
            details: BTreeMap::from([("hours".into(), "Mon–Fri 8–16".into())]),
            barriers: vec![],
            ratings: Ratings::default(),
            serves_returnees: true,
            open_to_local_population: true,
            answer_days: None,
            verified_on: None,
            verified_by: String::new(),
        }
    }

    #[test]
    fn annex_7_patterns_follow_from_the_ratings() {
        let r = |a, q, x| Ratings {
            available: a,
            quality: q,
            accessible: x,
        };
        use QualityRating::*;
        assert_eq!(r(None, None, None).gap(), None);
        assert_eq!(
            r(Some(false), None, None).gap(),
            Some(GapPattern::AvailabilityGap)
        );
        assert_eq!(
            r(Some(true), Some(Adequate), Some(true)).gap(),
            Some(GapPattern::NoGap)
        );
        assert_eq!(
            r(Some(true), Some(Adequate), Some(false)).gap(),
            Some(GapPattern::AccessibilityGap)
        );
        assert_eq!(
            r(Some(true), Some(InadequateForReturnees), Some(true)).gap(),
            Some(GapPattern::QualityGap)
        );
        assert_eq!(
            r(Some(true), Some(InadequateForAll), None).gap(),
            Some(GapPattern::QualityGap)
        );
        assert_eq!(r(Some(true), None, Some(true)).gap(), None);
    }

    #[test]
    fn every_category_has_a_dimension_as_in_annex_8() {
        let count = |d| {
            ServiceCategory::ALL
                .iter()
                .filter(|c| c.dimension() == d)
                .count()
        };
        assert_eq!(count(Dimension::Economic), 4);
        assert_eq!(count(Dimension::Social), 7);
        assert_eq!(count(Dimension::Psychosocial), 3);
    }

    #[test]
    fn review_is_due_six_months_after_the_last_check() {
        let mut s = service();
        assert!(s.needs_review(date!(2026 - 01 - 01)), "never checked");
        s.verified_on = Some(date!(2025 - 08 - 31));
        assert_eq!(s.review_due(), Some(date!(2026 - 02 - 28)));
        assert!(!s.needs_review(date!(2026 - 02 - 27)));
        assert!(s.needs_review(date!(2026 - 02 - 28)));
    }

    #[test]
    fn search_ignores_case_and_accents() {
        let s = service().normalised();
        assert_eq!(s.languages, vec!["Wolof", "French"]);
        let q = |place: Option<&str>, language: Option<&str>| ServiceQuery {
            place: place.map(Into::into),
            language: language.map(Into::into),
            ..Default::default()
        };
        assert!(s.matches(&q(Some("kolda"), Some("WOLOF"))));
        assert!(s.matches(&q(None, Some("fr"))));
        assert!(!s.matches(&q(Some("Thiès"), None)));
        assert!(s.matches(&ServiceQuery {
            dimension: Some(Dimension::Psychosocial),
            ..Default::default()
        }));
        assert!(!s.matches(&ServiceQuery {
            category: Some(ServiceCategory::Health),
            ..Default::default()
        }));
    }

    #[test]
    fn checks_name_what_to_fix() {
        let mut s = service();
        s.name = " ".into();
        s.answer_days = Some(0);
        s.verified_on = Some(date!(2030 - 01 - 01));
        s.details.insert("favourite_colour".into(), "blue".into());
        let e = s.check(date!(2026 - 01 - 01)).unwrap_err();
        for (f, c) in [
            ("name", "error-required"),
            ("answer_days", "error-answer-days"),
            ("verified_on", "error-date-in-future"),
            ("verified_by", "error-required"),
            ("favourite_colour", "error-unknown-field"),
        ] {
            assert_eq!(e.for_field(f), Some(c), "{f}");
        }
    }

    #[test]
    fn accepted_feedback_updates_the_entry_and_marks_it_checked() {
        let s = service();
        let f = ServiceFeedback {
            comment: "Now closed on Fridays".into(),
            proposed: BTreeMap::from([("hours".into(), "Mon–Thu 8–16".into())]),
        };
        assert!(f.check().is_ok());
        let updated = f.apply(&s, date!(2026 - 03 - 01), "Awa Ndiaye");
        assert_eq!(updated.detail("hours"), "Mon–Thu 8–16");
        assert_eq!(updated.verified_on, Some(date!(2026 - 03 - 01)));
        let bad = ServiceFeedback {
            comment: String::new(),
            proposed: BTreeMap::from([("name".into(), "x".into())]),
        };
        let e = bad.check().unwrap_err();
        assert_eq!(e.for_field("comment"), Some("error-required"));
        assert_eq!(e.for_field("name"), Some("error-unknown-field"));
    }
}
