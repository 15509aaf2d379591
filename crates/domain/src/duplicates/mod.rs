//! Whether two returnees may be the same person: a score from what their records share, with
//! the evidence that makes it, so that registering someone already known, an import, and the
//! duplicates queue can ask a person to decide. Names are compared across scripts and
//! spellings ([`names`]); the weights and thresholds are [`RULES`], data a reader can check.
//!
//! Cases are filed under *blocking keys* (the two names' keys with the year of birth, and the
//! phone number), so that a check reads the few cases sharing a key, never every case.

pub mod merge;
pub mod names;
pub mod variants;

use crate::case::ReturneeProfile;
use crate::text::fold;
pub use names::NameForm;

/// How much each kind of evidence weighs, and where a pair becomes a likely duplicate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rules {
    /// Names at least this alike count as the same name...
    pub names_alike_from: f64,
    /// ...and weigh this much times their similarity.
    pub names: f64,
    pub same_birth_date: f64,
    /// Born within a year of each other by an age at return, which says no more than that:
    /// with alike names alone, not enough to ask (a common name at a common age is shared by
    /// many).
    pub close_birth_years: f64,
    /// Two dates of birth that differ as by a slip in typing one: one part different, or day
    /// and month swapped.
    pub near_birth_dates: f64,
    /// Born three or more years apart: evidence against.
    pub far_birth_years: f64,
    pub same_sex: f64,
    pub other_sex: f64,
    pub same_nationality: f64,
    pub other_nationality: f64,
    pub same_phone: f64,
    pub shared_household_member: f64,
    /// A pair scoring this much, with alike names, is a likely duplicate.
    pub likely_from: f64,
}

pub const RULES: Rules = Rules {
    names_alike_from: 0.80,
    names: 0.45,
    same_birth_date: 0.30,
    close_birth_years: 0.15,
    near_birth_dates: 0.20,
    far_birth_years: -0.40,
    same_sex: 0.05,
    other_sex: -0.50,
    same_nationality: 0.05,
    other_nationality: -0.20,
    same_phone: 0.40,
    shared_household_member: 0.15,
    likely_from: 0.75,
};

/// One thing two records share, or in which they differ.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Evidence {
    /// Names this alike (0–1) once transliterated and spellings evened out.
    AlikeNames(f64),
    SameBirthDate,
    CloseBirthYears,
    NearBirthDates,
    FarBirthYears,
    SameSex,
    OtherSex,
    SameNationality,
    OtherNationality,
    SamePhone,
    SharedHouseholdMember,
}

impl Evidence {
    /// Whether it speaks for the same person (the others speak against).
    pub fn supports(self) -> bool {
        self.weight() > 0.0
    }

    pub fn weight(self) -> f64 {
        let r = RULES;
        match self {
            Evidence::AlikeNames(s) => r.names * s,
            Evidence::SameBirthDate => r.same_birth_date,
            Evidence::CloseBirthYears => r.close_birth_years,
            Evidence::NearBirthDates => r.near_birth_dates,
            Evidence::FarBirthYears => r.far_birth_years,
            Evidence::SameSex => r.same_sex,
            Evidence::OtherSex => r.other_sex,
            Evidence::SameNationality => r.same_nationality,
            Evidence::OtherNationality => r.other_nationality,
            Evidence::SamePhone => r.same_phone,
            Evidence::SharedHouseholdMember => r.shared_household_member,
        }
    }

    /// A stable name for the API.
    pub fn code(self) -> &'static str {
        match self {
            Evidence::AlikeNames(_) => "alike_names",
            Evidence::SameBirthDate => "same_birth_date",
            Evidence::CloseBirthYears => "close_birth_years",
            Evidence::NearBirthDates => "near_birth_dates",
            Evidence::FarBirthYears => "far_birth_years",
            Evidence::SameSex => "same_sex",
            Evidence::OtherSex => "other_sex",
            Evidence::SameNationality => "same_nationality",
            Evidence::OtherNationality => "other_nationality",
            Evidence::SamePhone => "same_phone",
            Evidence::SharedHouseholdMember => "shared_household_member",
        }
    }
}

/// How alike two records are, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// From 0 to 1.
    pub score: f64,
    /// Strongest first.
    pub evidence: Vec<Evidence>,
}

impl Comparison {
    /// Likely the same person: alike names, and enough evidence with them. A shared phone or
    /// household alone is not enough: families share both.
    pub fn likely(&self) -> bool {
        self.score >= RULES.likely_from
            && self
                .evidence
                .iter()
                .any(|e| matches!(e, Evidence::AlikeNames(_)))
    }
}

/// A returnee's record as the comparison reads it, prepared once.
#[derive(Debug, Clone)]
pub struct Prepared {
    given: NameForm,
    family: NameForm,
    birth_date: Option<time::Date>,
    birth_year: Option<i32>,
    sex: crate::case::Sex,
    nationality: String,
    phone: Option<String>,
    household: Vec<Member>,
}

/// A household member as the comparison reads it.
#[derive(Debug, Clone)]
struct Member {
    name: NameForm,
    relationship: crate::case::Relationship,
    birth_year: Option<i32>,
}

impl Prepared {
    pub fn of(p: &ReturneeProfile) -> Self {
        Prepared {
            given: NameForm::of(&p.given_name),
            family: NameForm::of(&p.family_name),
            birth_date: p.date_of_birth,
            birth_year: birth_year(p),
            sex: p.sex,
            nationality: fold(p.nationality.trim()),
            phone: p.phone.as_deref().and_then(phone_key),
            household: p
                .household
                .iter()
                .map(|m| Member {
                    name: NameForm::of(&m.name),
                    relationship: m.relationship,
                    birth_year: m.date_of_birth.map(|d| d.year()),
                })
                .filter(|m| !m.name.spelling.is_empty())
                .collect(),
        }
    }

    /// The keys this record is filed under.
    pub fn blocking_keys(&self) -> Vec<String> {
        self.keys(0)
    }

    /// The keys under which a record like this one may be filed: births a year either side.
    pub fn lookup_keys(&self) -> Vec<String> {
        self.keys(1)
    }

    fn keys(&self, years_either_side: i32) -> Vec<String> {
        keys(
            names_key(&self.given, &self.family),
            self.birth_year,
            self.phone.clone(),
            years_either_side,
        )
    }

    /// Compares two records: the evidence for and against, and the score it makes.
    pub fn compare(&self, other: &Prepared) -> Comparison {
        let mut evidence = Vec::new();
        let straight =
            (self.given.similarity(&other.given) + self.family.similarity(&other.family)) / 2.0;
        let crossed =
            (self.given.similarity(&other.family) + self.family.similarity(&other.given)) / 2.0;
        let names = straight.max(crossed);
        if names >= RULES.names_alike_from {
            evidence.push(Evidence::AlikeNames((names * 100.0).round() / 100.0));
        }
        match (
            self.birth_date,
            other.birth_date,
            self.birth_year,
            other.birth_year,
        ) {
            (Some(a), Some(b), _, _) if a == b => evidence.push(Evidence::SameBirthDate),
            (Some(a), Some(b), _, _) if mistyped(a, b) => evidence.push(Evidence::NearBirthDates),
            (_, _, Some(a), Some(b)) if (a - b).abs() <= 1 => {
                evidence.push(Evidence::CloseBirthYears)
            }
            (_, _, Some(a), Some(b)) if (a - b).abs() >= 3 => {
                evidence.push(Evidence::FarBirthYears)
            }
            _ => {}
        }
        evidence.push(if self.sex == other.sex {
            Evidence::SameSex
        } else {
            Evidence::OtherSex
        });
        if !self.nationality.is_empty() && !other.nationality.is_empty() {
            evidence.push(if self.nationality == other.nationality {
                Evidence::SameNationality
            } else {
                Evidence::OtherNationality
            });
        }
        if self.phone.is_some() && self.phone == other.phone {
            evidence.push(Evidence::SamePhone);
        }
        let shared = self.household.iter().any(|a| {
            other.household.iter().any(|b| {
                a.relationship == b.relationship
                    && a.name.similarity(&b.name) >= RULES.names_alike_from
                    && a.birth_year
                        .zip(b.birth_year)
                        .is_none_or(|(x, y)| (x - y).abs() <= 1)
            })
        });
        if shared {
            evidence.push(Evidence::SharedHouseholdMember);
        }
        evidence.sort_by(|a, b| b.weight().abs().total_cmp(&a.weight().abs()));
        let score = evidence
            .iter()
            .map(|e| e.weight())
            .sum::<f64>()
            .clamp(0.0, 1.0);
        Comparison {
            score: (score * 100.0).round() / 100.0,
            evidence,
        }
    }
}

/// Whether two different dates of birth could be one typed twice: they differ in the day or
/// the month only, by a year only, or by day and month swapped.
fn mistyped(a: time::Date, b: time::Date) -> bool {
    let parts = |d: time::Date| (d.year(), u8::from(d.month()), d.day());
    let ((ya, ma, da), (yb, mb, db)) = (parts(a), parts(b));
    let one_part = match (ya == yb, ma == mb, da == db) {
        (true, true, false) | (true, false, true) => true,
        (false, true, true) => (ya - yb).abs() == 1,
        _ => false,
    };
    one_part || (ya == yb && ma == db && da == mb)
}

/// Compares two returnees' records.
pub fn compare(a: &ReturneeProfile, b: &ReturneeProfile) -> Comparison {
    Prepared::of(a).compare(&Prepared::of(b))
}

/// The keys a record is filed under, from the fields they are made of (for filing stored
/// records without reading whole profiles). None for names once they are gone (anonymised).
pub fn blocking_keys_of(
    given_name: &str,
    family_name: &str,
    birth_year: Option<i32>,
    phone: Option<&str>,
) -> Vec<String> {
    keys(
        names_key(&NameForm::of(given_name), &NameForm::of(family_name)),
        birth_year,
        phone.and_then(phone_key),
        0,
    )
}

/// The names' key with each year of birth within `years_either_side`, and the phone's key.
fn keys(
    names: Option<String>,
    birth_year: Option<i32>,
    phone: Option<String>,
    years_either_side: i32,
) -> Vec<String> {
    let mut keys = Vec::new();
    if let (Some(names), Some(year)) = (names, birth_year) {
        for y in year - years_either_side..=year + years_either_side {
            keys.push(format!("n:{names}:{y}"));
        }
    }
    if let Some(phone) = phone {
        keys.push(format!("p:{phone}"));
    }
    keys
}

/// Both names' keys, in order, so that names given the other way round meet.
fn names_key(given: &NameForm, family: &NameForm) -> Option<String> {
    let (a, b) = (given.key(), family.key());
    if a.is_empty() || b.is_empty() {
        return None;
    }
    Some(if a <= b {
        format!("{a}|{b}")
    } else {
        format!("{b}|{a}")
    })
}

/// The estimated year of birth: from the date of birth, or from the age at return.
pub fn birth_year_of(
    date_of_birth: Option<time::Date>,
    age_at_return: Option<u16>,
    return_date: time::Date,
) -> Option<i32> {
    match (date_of_birth, age_at_return) {
        (Some(born), _) => Some(born.year()),
        (None, Some(age)) => Some(return_date.year() - i32::from(age)),
        (None, None) => None,
    }
}

fn birth_year(p: &ReturneeProfile) -> Option<i32> {
    birth_year_of(p.date_of_birth, p.age_at_return, p.return_date)
}

/// A phone number's last seven digits (a subscriber number in The Gambia; the end of one in
/// Senegal or Guinea): the same line written with or without its country code or leading zero.
/// Shorter numbers are not compared.
fn phone_key(phone: &str) -> Option<String> {
    let digits: Vec<char> = phone.chars().filter(char::is_ascii_digit).collect();
    (digits.len() >= 7).then(|| digits[digits.len() - 7..].iter().collect())
}

#[cfg(test)]
mod tests;
