//! What may leave Reintegra in a file, and in which form.
//!
//! The handbook asks to separate personal data from responses and to use an ID number for
//! analysis and sharing (Module 5, data protection). So every field of a returnee's record is
//! classified here, once: what identifies a person never goes into a pseudonymised analysis
//! file, the case number becomes a pseudonym, a date of birth an age band, and the few columns
//! that single someone out in combination are kept but flagged where few people share them. A
//! test compares this list with the record's fields, so a new field cannot slip out
//! unclassified.

use crate::me::AgeBands;

/// What a field says about the person, and so what a pseudonymised file does with it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Personal {
    /// Identifies the person directly, or may (names, contacts, exact places, free text): left
    /// out of pseudonymised files.
    Identifying,
    /// The record's own number: replaced by a pseudonym.
    Identifier,
    /// A date of birth: left out; the age band stands for it.
    BirthDate,
    /// An age: written as its age band.
    Age,
    /// Harmless alone, identifying in combination (sex, age band, origin, place of return): kept,
    /// and rows whose combination few people share are flagged.
    Quasi,
    /// Says nothing about who the person is (stage, codes, dates of events, counts).
    Plain,
}

impl Personal {
    /// Whether a pseudonymised file leaves the value out altogether.
    pub fn left_out_of_analysis(self) -> bool {
        matches!(self, Personal::Identifying | Personal::BirthDate)
    }
}

/// Every field of a returnee's profile (`case::ReturneeProfile`), classified.
pub const PROFILE_FIELDS: &[(&str, Personal)] = &[
    ("given_name", Personal::Identifying),
    ("family_name", Personal::Identifying),
    ("sex", Personal::Quasi),
    // Self-described, in the person's words.
    ("gender", Personal::Identifying),
    ("date_of_birth", Personal::BirthDate),
    ("age_at_return", Personal::Age),
    ("nationality", Personal::Quasi),
    ("return_date", Personal::Plain),
    ("returned_from", Personal::Quasi),
    ("absence_months", Personal::Plain),
    ("return_type", Personal::Quasi),
    ("free_choice", Personal::Plain),
    ("informed_decision", Personal::Plain),
    ("return_country", Personal::Quasi),
    ("return_province", Personal::Quasi),
    // A village or neighbourhood is close to an address.
    ("return_community", Personal::Identifying),
    ("community_is_origin", Personal::Plain),
    ("vulnerabilities", Personal::Plain),
    ("vulnerability_details", Personal::Identifying),
    ("restricted", Personal::Plain),
    ("phone", Personal::Identifying),
    ("email", Personal::Identifying),
    ("address", Personal::Identifying),
    ("preferred_language", Personal::Plain),
    ("household", Personal::Identifying),
];

/// Every field of a household member (`case::HouseholdMember`), classified.
pub const HOUSEHOLD_FIELDS: &[(&str, Personal)] = &[
    ("name", Personal::Identifying),
    ("relationship", Personal::Plain),
    ("sex", Personal::Quasi),
    ("date_of_birth", Personal::BirthDate),
    ("returned_together", Personal::Plain),
    ("notes", Personal::Identifying),
];

/// The columns of the case export, in order, with their classification. Names are the headers
/// (short and stable, for Stata and R).
pub const CASE_COLUMNS: &[(&str, Personal)] = &[
    ("case_number", Personal::Identifier),
    ("office", Personal::Plain),
    ("stage", Personal::Plain),
    // Staff, not a returnee.
    ("case_manager", Personal::Plain),
    ("given_name", Personal::Identifying),
    ("family_name", Personal::Identifying),
    ("sex", Personal::Quasi),
    ("gender", Personal::Identifying),
    ("date_of_birth", Personal::BirthDate),
    ("age_at_return", Personal::Age),
    ("nationality", Personal::Quasi),
    ("return_date", Personal::Plain),
    ("returned_from", Personal::Quasi),
    ("absence_months", Personal::Plain),
    ("return_type", Personal::Quasi),
    ("return_country", Personal::Quasi),
    ("return_province", Personal::Quasi),
    ("return_community", Personal::Identifying),
    ("vulnerabilities", Personal::Plain),
    ("restricted", Personal::Plain),
    ("phone", Personal::Identifying),
    ("email", Personal::Identifying),
    ("address", Personal::Identifying),
    ("preferred_language", Personal::Plain),
    ("household_size", Personal::Plain),
    ("registered_on", Personal::Plain),
];

/// The columns a scored survey adds to its returnee's columns in an export of RSS scores, then
/// one column per indicator of the scoring model (`ind_` and its name). None says who the
/// person is.
pub const SCORE_COLUMNS: &[&str] = &[
    "round",
    "interview_date",
    "economic",
    "social",
    "psychosocial",
    "composite",
    "dk_dwa_count",
    "low_accuracy",
    "model",
];

/// What a pseudonymised file calls the pseudonym that replaces the case number.
pub const PSEUDONYM_COLUMN: &str = "returnee_id";
/// What a pseudonymised file calls an age written as its band.
pub const AGE_BAND_COLUMN: &str = "age_band";
/// The last column of a pseudonymised file: the row's combination of quasi-identifiers is
/// shared by fewer people than [`SMALL_GROUP`] in the file.
pub const SMALL_GROUP_COLUMN: &str = "small_group";
/// Fewer people than this sharing one combination of quasi-identifiers is a small group: the
/// same threshold as the aggregates shown to viewers.
pub const SMALL_GROUP: u64 = 5;

/// The headers of a case export.
pub fn case_headers(pseudonymised: bool) -> Vec<&'static str> {
    if !pseudonymised {
        return CASE_COLUMNS.iter().map(|(name, _)| *name).collect();
    }
    let mut out: Vec<&'static str> = CASE_COLUMNS
        .iter()
        .filter(|(_, p)| !p.left_out_of_analysis())
        .map(|(name, p)| match p {
            Personal::Identifier => PSEUDONYM_COLUMN,
            Personal::Age => AGE_BAND_COLUMN,
            _ => *name,
        })
        .collect();
    out.push(SMALL_GROUP_COLUMN);
    out
}

/// One value of a case export as it is written: `None` when the column is left out.
pub fn pseudonymised_value(
    personal: Personal,
    value: String,
    pseudonym: &str,
    bands: &AgeBands,
) -> Option<String> {
    match personal {
        Personal::Identifying | Personal::BirthDate => None,
        Personal::Identifier => Some(pseudonym.to_string()),
        Personal::Age => Some(bands.band(value.parse::<u16>().ok()).unwrap_or_default()),
        Personal::Quasi | Personal::Plain => Some(value),
    }
}

/// The values of a row that, together, could single someone out: its quasi-identifiers (after
/// age banding), in column order.
pub fn quasi_key(row: &[String]) -> Vec<String> {
    CASE_COLUMNS
        .iter()
        .zip(row)
        .filter(|((_, p), _)| matches!(p, Personal::Quasi | Personal::Age))
        .map(|(_, v)| v.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::{HouseholdMember, Relationship, ReturnType, ReturneeProfile, Sex};
    use std::collections::BTreeSet;
    use time::macros::date;

    fn keys(value: serde_json::Value) -> BTreeSet<String> {
        value
            .as_object()
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default()
    }

    fn classified(list: &[(&str, Personal)]) -> BTreeSet<String> {
        list.iter().map(|(k, _)| k.to_string()).collect()
    }

    #[test]
    fn every_field_of_a_returnee_and_a_household_member_is_classified() {
        let member = HouseholdMember {
            name: "A".into(),
            relationship: Relationship::parse("child").unwrap_or(Relationship::ALL[0]),
            sex: Some(Sex::Female),
            date_of_birth: None,
            returned_together: None,
            notes: None,
        };
        let profile = ReturneeProfile {
            given_name: "A".into(),
            family_name: "B".into(),
            sex: Sex::Male,
            gender: None,
            date_of_birth: None,
            age_at_return: None,
            nationality: "Senegal".into(),
            return_date: date!(2026 - 01 - 01),
            returned_from: "Libya".into(),
            absence_months: None,
            return_type: ReturnType::AssistedVoluntary,
            free_choice: None,
            informed_decision: None,
            return_country: "Senegal".into(),
            return_province: "Kolda".into(),
            return_community: None,
            community_is_origin: None,
            vulnerabilities: vec![],
            vulnerability_details: None,
            restricted: false,
            phone: None,
            email: None,
            address: None,
            preferred_language: None,
            household: vec![member.clone()],
        };
        let profile = serde_json::to_value(&profile).unwrap_or_default();
        let member = serde_json::to_value(&member).unwrap_or_default();
        assert_eq!(keys(profile), classified(PROFILE_FIELDS));
        assert_eq!(keys(member), classified(HOUSEHOLD_FIELDS));
        // A column that carries a profile field is classified as the field is.
        for (column, personal) in CASE_COLUMNS {
            if let Some((_, field)) = PROFILE_FIELDS.iter().find(|(f, _)| f == column) {
                assert_eq!(personal, field, "{column}");
            }
        }
    }

    #[test]
    fn a_pseudonymised_file_has_no_identifying_column_and_flags_small_groups() {
        let headers = case_headers(true);
        for gone in [
            "case_number",
            "given_name",
            "family_name",
            "phone",
            "email",
            "address",
        ] {
            assert!(!headers.contains(&gone), "{gone}");
        }
        assert_eq!(headers[0], PSEUDONYM_COLUMN);
        assert!(headers.contains(&AGE_BAND_COLUMN));
        assert_eq!(headers.last(), Some(&SMALL_GROUP_COLUMN));
        let bands = AgeBands::default();
        assert_eq!(
            pseudonymised_value(Personal::Age, "31".into(), "P", &bands).as_deref(),
            Some("25–34")
        );
        assert_eq!(
            pseudonymised_value(Personal::Identifying, "Awa".into(), "P", &bands),
            None
        );
        assert_eq!(case_headers(false).len(), CASE_COLUMNS.len());
    }
}
