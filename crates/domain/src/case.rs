//! The returnee's profile: what Module 2 (§3.1) and the RSS profile block (Module 5, §1.11.2)
//! need to know about a person and their return, the checks it must pass, and the facts derived
//! from it (age at return, restriction, stage).

use serde::{Deserialize, Serialize};
use time::Date;

use crate::text::text_problem;
use crate::validation::ValidationErrors;

macro_rules! named_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $s:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vdoc])* $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            /// Stable name used in the database, the API and message ids.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $s),+ }
            }
            pub fn parse(s: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|v| v.as_str() == s.trim())
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
pub(crate) use named_enum;

named_enum!(
    /// Sex as recorded in the RSS profile.
    Sex { Female = "female", Male = "male" }
);

named_enum!(
    /// How the person returned. The handbook distinguishes assisted voluntary return from returns
    /// organised by host governments (forced) and independent returns.
    ReturnType {
        AssistedVoluntary = "assisted_voluntary",
        Spontaneous = "spontaneous",
        Obliged = "obliged",
        Forced = "forced",
        Other = "other",
    }
);

named_enum!(
    /// Situations of vulnerability named in Module 2.
    Vulnerability {
        HealthNeeds = "health_needs",
        ChronicCondition = "chronic_condition",
        MentalHealth = "mental_health",
        Disability = "disability",
        TraffickingVictim = "trafficking_victim",
        ViolenceExploitationAbuse = "violence_exploitation_abuse",
        GenderBasedViolence = "gender_based_violence",
        UnaccompaniedChild = "unaccompanied_child",
        PregnantOrBreastfeeding = "pregnant_or_breastfeeding",
        OlderPerson = "older_person",
        SingleParent = "single_parent",
        Lgbti = "lgbti",
        Debt = "debt",
        Other = "other",
    }
);

impl Vulnerability {
    /// Situations that make a case restricted on their own: its record is then visible only to
    /// its case manager and programme managers (docs/roles.md).
    pub fn restricts(self) -> bool {
        matches!(
            self,
            Vulnerability::TraffickingVictim
                | Vulnerability::GenderBasedViolence
                | Vulnerability::UnaccompaniedChild
        )
    }
}

named_enum!(
    /// A household member's relation to the returnee.
    Relationship {
        SpousePartner = "spouse_partner",
        Child = "child",
        Parent = "parent",
        Sibling = "sibling",
        OtherRelative = "other_relative",
        Other = "other",
    }
);

named_enum!(
    /// Where a case is in the pathway. Derived from the data, never set by hand.
    CaseStage {
        Intake = "intake",
        Assessment = "assessment",
        Planning = "planning",
        Implementation = "implementation",
        Closure = "closure",
        Closed = "closed",
    }
);

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct HouseholdMember {
    pub name: String,
    pub relationship: Relationship,
    #[serde(default)]
    pub sex: Option<Sex>,
    #[serde(default, with = "crate::case::opt_date")]
    #[schema(value_type = Option<String>, format = Date)]
    pub date_of_birth: Option<Date>,
    /// Returned together with the returnee (`true`) or stayed behind (`false`).
    #[serde(default)]
    pub returned_together: Option<bool>,
    #[serde(default)]
    pub notes: Option<String>,
}

/// Everything recorded about a returnee at registration, and kept up to date afterwards.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ReturneeProfile {
    pub given_name: String,
    pub family_name: String,
    pub sex: Sex,
    /// Self-described gender, when the person wishes to state one.
    #[serde(default)]
    pub gender: Option<String>,
    #[serde(default, with = "crate::case::opt_date")]
    #[schema(value_type = Option<String>, format = Date)]
    pub date_of_birth: Option<Date>,
    /// Age in years at return, when the date of birth is unknown. Derived when it is known.
    #[serde(default)]
    pub age_at_return: Option<u16>,
    pub nationality: String,
    #[serde(with = "crate::case::date")]
    #[schema(value_type = String, format = Date)]
    pub return_date: Date,
    /// The host country the person returned from.
    pub returned_from: String,
    /// Length of absence from the country of origin, in months.
    #[serde(default)]
    pub absence_months: Option<u32>,
    pub return_type: ReturnType,
    /// Voluntariness check (a): the return was chosen without physical or psychological pressure.
    #[serde(default)]
    pub free_choice: Option<bool>,
    /// Voluntariness check (b): the decision was based on timely, unbiased, reliable information.
    #[serde(default)]
    pub informed_decision: Option<bool>,
    pub return_country: String,
    pub return_province: String,
    #[serde(default)]
    pub return_community: Option<String>,
    /// Whether the community of return is the community of origin.
    #[serde(default)]
    pub community_is_origin: Option<bool>,
    #[serde(default)]
    pub vulnerabilities: Vec<Vulnerability>,
    #[serde(default)]
    pub vulnerability_details: Option<String>,
    /// Marked restricted by staff, whatever the vulnerabilities say.
    #[serde(default)]
    pub restricted: bool,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub address: Option<String>,
    #[serde(default)]
    pub preferred_language: Option<String>,
    #[serde(default)]
    pub household: Vec<HouseholdMember>,
}

/// Longest name or place we accept; long enough for any real one, short enough to refuse junk.
pub const MAX_SHORT_TEXT: usize = 120;
pub const MAX_LONG_TEXT: usize = 2000;
pub const MAX_HOUSEHOLD: usize = 30;
pub const MAX_AGE: u16 = 120;
/// Absences longer than this are almost certainly typing mistakes.
pub const MAX_ABSENCE_MONTHS: u32 = 80 * 12;

/// Full years between two dates (the age reached on `on` by someone born on `born`).
pub fn full_years_between(born: Date, on: Date) -> Option<u16> {
    if on < born {
        return None;
    }
    let mut years = on.year() - born.year();
    if (on.month() as u8, on.day()) < (born.month() as u8, born.day()) {
        years -= 1;
    }
    u16::try_from(years).ok()
}

impl ReturneeProfile {
    pub fn full_name(&self) -> String {
        format!("{} {}", self.given_name, self.family_name)
    }

    /// Age at return: derived from the date of birth when known, otherwise as recorded.
    pub fn age_at_return(&self) -> Option<u16> {
        match self.date_of_birth {
            Some(born) => full_years_between(born, self.return_date),
            None => self.age_at_return,
        }
    }

    /// Whether the record is restricted (see docs/roles.md).
    pub fn is_restricted(&self) -> bool {
        self.restricted || self.vulnerabilities.iter().any(|v| v.restricts())
    }

    /// Trims text, turns blank optional text into `None`, drops duplicate vulnerabilities.
    pub fn normalised(mut self) -> Self {
        use crate::text::{tidy, tidy_name};
        fn opt(s: Option<String>) -> Option<String> {
            s.map(|v| tidy(&v)).filter(|v| !v.is_empty())
        }
        self.given_name = tidy_name(&self.given_name);
        self.family_name = tidy_name(&self.family_name);
        self.nationality = tidy_name(&self.nationality);
        self.returned_from = tidy_name(&self.returned_from);
        self.return_country = tidy_name(&self.return_country);
        self.return_province = tidy_name(&self.return_province);
        self.gender = opt(self.gender);
        self.return_community = opt(self.return_community.map(|v| tidy_name(&v)));
        self.vulnerability_details = opt(self.vulnerability_details);
        self.phone = opt(self.phone);
        self.email = opt(self.email);
        self.address = opt(self.address);
        self.preferred_language = opt(self.preferred_language);
        self.vulnerabilities.sort();
        self.vulnerabilities.dedup();
        for m in &mut self.household {
            m.name = tidy_name(&m.name);
            m.notes = opt(m.notes.take());
        }
        if self.date_of_birth.is_some() {
            self.age_at_return = None;
        }
        self
    }

    /// The rules a profile must satisfy, given today's date. Field names match the form and the
    /// JSON API.
    pub fn check(&self, today: Date) -> Result<(), ValidationErrors> {
        let mut e = ValidationErrors::new();
        for (field, value) in [
            ("given_name", &self.given_name),
            ("family_name", &self.family_name),
            ("nationality", &self.nationality),
            ("returned_from", &self.returned_from),
            ("return_country", &self.return_country),
            ("return_province", &self.return_province),
        ] {
            if value.trim().is_empty() {
                e.add(field, "error-required");
            } else if let Some(problem) = text_problem(value, false) {
                e.add(field, problem);
            } else if value.chars().count() > MAX_SHORT_TEXT {
                e.add(field, "error-too-long");
            }
        }
        // Typed text: no control characters, nothing made only of invisible characters.
        for (field, value, multiline) in [
            ("gender", &self.gender, false),
            ("return_community", &self.return_community, false),
            ("phone", &self.phone, false),
            ("email", &self.email, false),
            ("preferred_language", &self.preferred_language, false),
            ("address", &self.address, true),
            ("vulnerability_details", &self.vulnerability_details, true),
        ] {
            if let Some(problem) = value.as_deref().and_then(|v| text_problem(v, multiline)) {
                e.add(field, problem);
            }
        }
        for (field, value) in [
            ("gender", &self.gender),
            ("return_community", &self.return_community),
            ("phone", &self.phone),
            ("email", &self.email),
            ("preferred_language", &self.preferred_language),
        ] {
            if value
                .as_ref()
                .is_some_and(|v| v.chars().count() > MAX_SHORT_TEXT)
            {
                e.add(field, "error-too-long");
            }
        }
        for (field, value) in [
            ("address", &self.address),
            ("vulnerability_details", &self.vulnerability_details),
        ] {
            if value
                .as_ref()
                .is_some_and(|v| v.chars().count() > MAX_LONG_TEXT)
            {
                e.add(field, "error-too-long");
            }
        }
        if self.return_date > today {
            e.add("return_date", "error-date-in-future");
        }
        match self.date_of_birth {
            Some(born) if born > today => e.add("date_of_birth", "error-date-in-future"),
            Some(born) if born > self.return_date => {
                e.add("return_date", "error-return-before-birth")
            }
            Some(born) if full_years_between(born, self.return_date).unwrap_or(0) > MAX_AGE => {
                e.add("date_of_birth", "error-age-implausible")
            }
            Some(_) => {}
            None => match self.age_at_return {
                None => e.add("date_of_birth", "error-birth-or-age-required"),
                Some(age) if age > MAX_AGE => e.add("age_at_return", "error-age-implausible"),
                Some(_) => {}
            },
        }
        if self.absence_months.is_some_and(|m| m > MAX_ABSENCE_MONTHS) {
            e.add("absence_months", "error-absence-implausible");
        }
        if let Some(email) = &self.email {
            let plausible = email
                .split_once('@')
                .is_some_and(|(user, host)| !user.is_empty() && host.contains('.'))
                && !email.contains(char::is_whitespace);
            if !plausible {
                e.add("email", "error-email");
            }
        }
        if self.vulnerabilities.contains(&Vulnerability::Other)
            && self.vulnerability_details.is_none()
        {
            e.add("vulnerability_details", "error-other-needs-details");
        }
        if self.household.len() > MAX_HOUSEHOLD {
            e.add("household", "error-too-many");
        }
        for (i, m) in self.household.iter().enumerate() {
            if m.name.trim().is_empty() {
                e.add(format!("household.{i}.name"), "error-required");
            } else if let Some(problem) = text_problem(&m.name, false) {
                e.add(format!("household.{i}.name"), problem);
            } else if m.name.chars().count() > MAX_SHORT_TEXT {
                e.add(format!("household.{i}.name"), "error-too-long");
            }
            if m.date_of_birth.is_some_and(|d| d > today) {
                e.add(
                    format!("household.{i}.date_of_birth"),
                    "error-date-in-future",
                );
            }
            if m.notes
                .as_ref()
                .is_some_and(|n| n.chars().count() > MAX_LONG_TEXT)
            {
                e.add(format!("household.{i}.notes"), "error-too-long");
            } else if let Some(problem) = m.notes.as_deref().and_then(|n| text_problem(n, true)) {
                e.add(format!("household.{i}.notes"), problem);
            }
        }
        e.into_result(())
    }

    /// The profile as (field, printable value) pairs, for field-level audit entries.
    pub fn audit_fields(&self) -> Vec<(String, String)> {
        fn o<T: ToString>(v: &Option<T>) -> String {
            v.as_ref().map(ToString::to_string).unwrap_or_default()
        }
        let mut out: Vec<(String, String)> = vec![
            ("given_name".into(), self.given_name.clone()),
            ("family_name".into(), self.family_name.clone()),
            ("sex".into(), self.sex.to_string()),
            ("gender".into(), o(&self.gender)),
            ("date_of_birth".into(), o(&self.date_of_birth)),
            ("age_at_return".into(), o(&self.age_at_return)),
            ("nationality".into(), self.nationality.clone()),
            ("return_date".into(), self.return_date.to_string()),
            ("returned_from".into(), self.returned_from.clone()),
            ("absence_months".into(), o(&self.absence_months)),
            ("return_type".into(), self.return_type.to_string()),
            ("free_choice".into(), o(&self.free_choice)),
            ("informed_decision".into(), o(&self.informed_decision)),
            ("return_country".into(), self.return_country.clone()),
            ("return_province".into(), self.return_province.clone()),
            ("return_community".into(), o(&self.return_community)),
            ("community_is_origin".into(), o(&self.community_is_origin)),
            (
                "vulnerabilities".into(),
                self.vulnerabilities
                    .iter()
                    .map(|v| v.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
            (
                "vulnerability_details".into(),
                o(&self.vulnerability_details),
            ),
            ("restricted".into(), self.restricted.to_string()),
            ("phone".into(), o(&self.phone)),
            ("email".into(), o(&self.email)),
            ("address".into(), o(&self.address)),
            ("preferred_language".into(), o(&self.preferred_language)),
        ];
        for (i, m) in self.household.iter().enumerate() {
            out.push((
                format!("household.{i}"),
                format!(
                    "{} ({}{}{}{})",
                    m.name,
                    m.relationship,
                    m.sex.map(|s| format!(", {s}")).unwrap_or_default(),
                    m.date_of_birth
                        .map(|d| format!(", born {d}"))
                        .unwrap_or_default(),
                    match m.returned_together {
                        Some(true) => ", returned together",
                        Some(false) => ", stayed behind",
                        None => "",
                    }
                ),
            ));
        }
        out
    }
}

/// ISO dates (`YYYY-MM-DD`) in JSON.
pub mod date {
    use serde::{Deserialize, Deserializer, Serializer};
    use time::Date;
    use time::macros::format_description;

    pub fn serialize<S: Serializer>(d: &Date, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&d.to_string())
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Date, D::Error> {
        let s = String::deserialize(d)?;
        parse(&s).ok_or_else(|| serde::de::Error::custom("expected a date as YYYY-MM-DD"))
    }
    /// Parses `YYYY-MM-DD`, the format of HTML date inputs.
    pub fn parse(s: &str) -> Option<Date> {
        let s = s.trim();
        // The stored form, read millions of times by the programme-wide figures: by hand, as
        // the general parser below would read it.
        if let [y1, y2, y3, y4, b'-', m1, m2, b'-', d1, d2] = *s.as_bytes() {
            let digits = [y1, y2, y3, y4, m1, m2, d1, d2];
            if digits.iter().all(u8::is_ascii_digit) {
                let n = |ds: &[u8]| ds.iter().fold(0u16, |n, d| n * 10 + u16::from(d - b'0'));
                let month = time::Month::try_from(n(&digits[4..6]) as u8).ok()?;
                return Date::from_calendar_date(
                    i32::from(n(&digits[..4])),
                    month,
                    n(&digits[6..]) as u8,
                )
                .ok();
            }
        }
        Date::parse(s, format_description!("[year]-[month]-[day]")).ok()
    }
}

/// Optional ISO dates in JSON.
pub mod opt_date {
    use serde::{Deserialize, Deserializer, Serializer};
    use time::Date;

    pub fn serialize<S: Serializer>(d: &Option<Date>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => s.serialize_str(&d.to_string()),
            None => s.serialize_none(),
        }
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Date>, D::Error> {
        match Option::<String>::deserialize(d)? {
            None => Ok(None),
            Some(s) if s.trim().is_empty() => Ok(None),
            Some(s) => super::date::parse(&s)
                .map(Some)
                .ok_or_else(|| serde::de::Error::custom("expected a date as YYYY-MM-DD")),
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn dates_read_by_hand_as_the_general_parser_reads_them() {
        assert_eq!(date::parse("2026-03-14"), Some(date!(2026 - 03 - 14)));
        assert_eq!(date::parse(" 2024-02-29 "), Some(date!(2024 - 02 - 29)));
        for wrong in [
            "2025-02-29",
            "2026-13-01",
            "2026-00-10",
            "2026-1-01",
            "26-03-14",
            "x",
        ] {
            assert_eq!(date::parse(wrong), None, "{wrong}");
        }
    }

    pub fn sample() -> ReturneeProfile {
        ReturneeProfile {
            given_name: "Aminata".into(),
            family_name: "Diallo".into(),
            sex: Sex::Female,
            gender: None,
            date_of_birth: Some(date!(1995 - 03 - 14)),
            age_at_return: None,
            nationality: "Senegal".into(),
            return_date: date!(2026 - 02 - 10),
            returned_from: "Libya".into(),
            absence_months: Some(30),
            return_type: ReturnType::AssistedVoluntary,
            free_choice: Some(true),
            informed_decision: Some(true),
            return_country: "Senegal".into(),
            return_province: "Tambacounda".into(),
            return_community: Some("Goudiry".into()),
            community_is_origin: Some(true),
            vulnerabilities: vec![],
            vulnerability_details: None,
            restricted: false,
            phone: Some("+221 77 000 00 00".into()),
            email: None,
            address: None,
            preferred_language: Some("Pulaar".into()),
            household: vec![],
        }
    }

    const TODAY: Date = date!(2026 - 11 - 23);

    #[test]
    fn age_at_return_counts_full_years() {
        assert_eq!(
            full_years_between(date!(1995 - 03 - 14), date!(2026 - 03 - 13)),
            Some(30)
        );
        assert_eq!(
            full_years_between(date!(1995 - 03 - 14), date!(2026 - 03 - 14)),
            Some(31)
        );
        assert_eq!(
            full_years_between(date!(2000 - 02 - 29), date!(2026 - 02 - 28)),
            Some(25)
        );
        assert_eq!(
            full_years_between(date!(2000 - 02 - 29), date!(2026 - 03 - 01)),
            Some(26)
        );
        assert_eq!(
            full_years_between(date!(2026 - 01 - 02), date!(2026 - 01 - 01)),
            None
        );
        let p = sample();
        assert_eq!(p.age_at_return(), Some(30));
        let unknown_birth = ReturneeProfile {
            date_of_birth: None,
            age_at_return: Some(41),
            ..sample()
        };
        assert_eq!(unknown_birth.age_at_return(), Some(41));
    }

    #[test]
    fn a_complete_profile_passes() {
        assert_eq!(sample().check(TODAY), Ok(()));
    }

    #[test]
    fn missing_and_impossible_values_are_named() {
        let p = ReturneeProfile {
            given_name: "  ".into(),
            return_province: String::new(),
            date_of_birth: Some(date!(2027 - 01 - 01)),
            return_date: date!(2027 - 01 - 02),
            ..sample()
        };
        let e = p.check(TODAY).unwrap_err();
        assert_eq!(e.for_field("given_name"), Some("error-required"));
        assert_eq!(e.for_field("return_province"), Some("error-required"));
        assert_eq!(e.for_field("date_of_birth"), Some("error-date-in-future"));
        assert_eq!(e.for_field("return_date"), Some("error-date-in-future"));
    }

    #[test]
    fn return_before_birth_is_refused() {
        let p = ReturneeProfile {
            date_of_birth: Some(date!(2010 - 05 - 01)),
            return_date: date!(2009 - 01 - 01),
            ..sample()
        };
        assert_eq!(
            p.check(TODAY).unwrap_err().for_field("return_date"),
            Some("error-return-before-birth")
        );
    }

    #[test]
    fn birth_date_or_age_is_required_and_must_be_plausible() {
        let neither = ReturneeProfile {
            date_of_birth: None,
            age_at_return: None,
            ..sample()
        };
        assert_eq!(
            neither.check(TODAY).unwrap_err().for_field("date_of_birth"),
            Some("error-birth-or-age-required")
        );
        let old = ReturneeProfile {
            date_of_birth: None,
            age_at_return: Some(131),
            ..sample()
        };
        assert_eq!(
            old.check(TODAY).unwrap_err().for_field("age_at_return"),
            Some("error-age-implausible")
        );
        let ancient = ReturneeProfile {
            date_of_birth: Some(date!(1890 - 01 - 01)),
            ..sample()
        };
        assert!(ancient.check(TODAY).is_err());
    }

    #[test]
    fn other_vulnerability_needs_details_and_email_must_look_like_one() {
        let p = ReturneeProfile {
            vulnerabilities: vec![Vulnerability::Other],
            email: Some("not an email".into()),
            ..sample()
        };
        let e = p.check(TODAY).unwrap_err();
        assert_eq!(
            e.for_field("vulnerability_details"),
            Some("error-other-needs-details")
        );
        assert_eq!(e.for_field("email"), Some("error-email"));
    }

    #[test]
    fn household_members_are_checked_by_position() {
        let p = ReturneeProfile {
            household: vec![
                HouseholdMember {
                    name: "Moussa".into(),
                    relationship: Relationship::Child,
                    sex: Some(Sex::Male),
                    date_of_birth: Some(date!(2019 - 06 - 01)),
                    returned_together: Some(true),
                    notes: None,
                },
                HouseholdMember {
                    name: " ".into(),
                    relationship: Relationship::Parent,
                    sex: None,
                    date_of_birth: None,
                    returned_together: Some(false),
                    notes: None,
                },
            ],
            ..sample()
        };
        let e = p.check(TODAY).unwrap_err();
        assert_eq!(e.0.len(), 1);
        assert_eq!(e.for_field("household.1.name"), Some("error-required"));
    }

    #[test]
    fn trafficking_gbv_and_unaccompanied_children_restrict_the_record() {
        assert!(!sample().is_restricted());
        for v in [
            Vulnerability::TraffickingVictim,
            Vulnerability::GenderBasedViolence,
            Vulnerability::UnaccompaniedChild,
        ] {
            let p = ReturneeProfile {
                vulnerabilities: vec![v],
                ..sample()
            };
            assert!(p.is_restricted(), "{v}");
        }
        let marked = ReturneeProfile {
            restricted: true,
            ..sample()
        };
        assert!(marked.is_restricted());
    }

    #[test]
    fn normalising_trims_and_drops_blank_optionals() {
        let p = ReturneeProfile {
            given_name: "  Aminata ".into(),
            gender: Some("   ".into()),
            vulnerabilities: vec![Vulnerability::Debt, Vulnerability::Debt],
            age_at_return: Some(12),
            ..sample()
        }
        .normalised();
        assert_eq!(p.given_name, "Aminata");
        assert_eq!(p.gender, None);
        assert_eq!(p.vulnerabilities, vec![Vulnerability::Debt]);
        assert_eq!(
            p.age_at_return, None,
            "derived from the date of birth instead"
        );
    }

    #[test]
    fn json_dates_are_iso_and_refused_when_malformed() {
        let json = serde_json::to_value(sample()).unwrap();
        assert_eq!(json["return_date"], "2026-02-10");
        let mut bad = json.clone();
        bad["return_date"] = "10/02/2026".into();
        assert!(serde_json::from_value::<ReturneeProfile>(bad).is_err());
        let back: ReturneeProfile = serde_json::from_value(json).unwrap();
        assert_eq!(back, sample());
    }
}
