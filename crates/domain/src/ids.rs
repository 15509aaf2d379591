//! Identifiers. Internal ids are UUIDs; people see case numbers and office codes.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            pub fn new() -> Self {
                Self(Uuid::new_v4())
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }
    };
}

uuid_id!(
    /// A returnee's case.
    CaseId
);
uuid_id!(
    /// A user account.
    UserId
);
uuid_id!(
    /// A country or field office.
    OfficeId
);
uuid_id!(
    /// An organisation on the service map (a service provider or partner).
    ProviderId
);
uuid_id!(
    /// One service of a provider.
    ServiceId
);
uuid_id!(
    /// A stakeholder on the stakeholder map.
    StakeholderId
);
uuid_id!(
    /// A referral of a returnee to a service.
    ReferralId
);

/// Short code of an office, used in case numbers: 2–8 ASCII letters or digits, upper case,
/// starting with a letter (for example `DKR`, `TUN2`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct OfficeCode(String);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("an office code is 2 to 8 letters or digits and starts with a letter (for example DKR)")]
pub struct InvalidOfficeCode;

impl OfficeCode {
    pub fn parse(s: &str) -> Result<Self, InvalidOfficeCode> {
        let s = s.trim().to_ascii_uppercase();
        let ok = (2..=8).contains(&s.len())
            && s.chars().all(|c| c.is_ascii_alphanumeric())
            && s.starts_with(|c: char| c.is_ascii_alphabetic());
        if ok {
            Ok(Self(s))
        } else {
            Err(InvalidOfficeCode)
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for OfficeCode {
    type Error = InvalidOfficeCode;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}
impl From<OfficeCode> for String {
    fn from(c: OfficeCode) -> String {
        c.0
    }
}
impl fmt::Display for OfficeCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The number people use for a case: office code, year of registration and a sequence that
/// restarts each year per office, for example `DKR-2026-00042`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CaseNumber {
    office: OfficeCode,
    year: i32,
    sequence: u32,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("a case number looks like DKR-2026-00042")]
pub struct InvalidCaseNumber;

impl CaseNumber {
    pub fn new(office: OfficeCode, year: i32, sequence: u32) -> Self {
        Self {
            office,
            year,
            sequence,
        }
    }
    pub fn office(&self) -> &OfficeCode {
        &self.office
    }
    pub fn year(&self) -> i32 {
        self.year
    }
    pub fn sequence(&self) -> u32 {
        self.sequence
    }
    pub fn parse(s: &str) -> Result<Self, InvalidCaseNumber> {
        let mut parts = s.trim().split('-');
        let (Some(office), Some(year), Some(seq), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(InvalidCaseNumber);
        };
        let office = OfficeCode::parse(office).map_err(|_| InvalidCaseNumber)?;
        let year: i32 = year.parse().map_err(|_| InvalidCaseNumber)?;
        let sequence: u32 = seq.parse().map_err(|_| InvalidCaseNumber)?;
        if !(1900..=9999).contains(&year) || sequence == 0 || seq.len() < 5 {
            return Err(InvalidCaseNumber);
        }
        Ok(Self {
            office,
            year,
            sequence,
        })
    }
}

impl fmt::Display for CaseNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}-{:05}", self.office, self.year, self.sequence)
    }
}
impl TryFrom<String> for CaseNumber {
    type Error = InvalidCaseNumber;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}
impl From<CaseNumber> for String {
    fn from(c: CaseNumber) -> String {
        c.to_string()
    }
}

/// A sign-in name: 3–40 characters of lower-case letters, digits, `.`, `-` or `_`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Username(String);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("a username is 3 to 40 characters: lower-case letters, digits, '.', '-' or '_'")]
pub struct InvalidUsername;

impl Username {
    pub fn parse(s: &str) -> Result<Self, InvalidUsername> {
        let s = s.trim().to_lowercase();
        let ok = (3..=40).contains(&s.chars().count())
            && s.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c));
        if ok {
            Ok(Self(s))
        } else {
            Err(InvalidUsername)
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}
impl TryFrom<String> for Username {
    type Error = InvalidUsername;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}
impl From<Username> for String {
    fn from(u: Username) -> String {
        u.0
    }
}
impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_number_formats_with_padded_sequence_and_round_trips() {
        let n = CaseNumber::new(OfficeCode::parse("dkr").unwrap(), 2026, 42);
        assert_eq!(n.to_string(), "DKR-2026-00042");
        assert_eq!(CaseNumber::parse("DKR-2026-00042").unwrap(), n);
        let big = CaseNumber::new(OfficeCode::parse("TUN").unwrap(), 2026, 123_456);
        assert_eq!(big.to_string(), "TUN-2026-123456");
        assert_eq!(CaseNumber::parse(&big.to_string()).unwrap(), big);
    }

    #[test]
    fn malformed_case_numbers_are_refused() {
        for bad in [
            "",
            "DKR",
            "DKR-2026",
            "DKR-2026-42",
            "DKR-2026-00000",
            "DKR-26-00042",
            "1KR-2026-00042",
            "DKR-2026-00042-1",
            "DKR-year-00042",
        ] {
            assert!(CaseNumber::parse(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn office_codes_are_normalised_and_checked() {
        assert_eq!(OfficeCode::parse(" dkr ").unwrap().as_str(), "DKR");
        assert!(OfficeCode::parse("D").is_err());
        assert!(OfficeCode::parse("9AB").is_err());
        assert!(OfficeCode::parse("AB-C").is_err());
        assert!(OfficeCode::parse("ABCDEFGHI").is_err());
    }

    #[test]
    fn usernames_are_lower_cased_and_checked() {
        assert_eq!(Username::parse("Awa.Diop").unwrap().as_str(), "awa.diop");
        assert!(Username::parse("ab").is_err());
        assert!(Username::parse("has space").is_err());
        assert!(Username::parse("é-accent").is_err());
    }
}
uuid_id!(
    /// A record of the community or structural level: a community, a project, a visit, a
    /// capacity assessment or plan, a training, a coordination mechanism or meeting, an
    /// agreement, a policy track.
    DocumentId
);
