//! Merging two cases of one person: which value of each part of the profile the surviving case
//! keeps. The person merging chooses part by part; where they do not, the surviving case keeps
//! its own value, unless it has none and the other case has one.

use std::collections::BTreeMap;

use crate::case::ReturneeProfile;
use crate::validation::ValidationErrors;

/// Which of the two cases a part's value comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// The case that survives the merge.
    Survivor,
    /// The case merged into it.
    Merged,
}

impl Side {
    pub fn parse(s: &str) -> Option<Side> {
        match s {
            "survivor" => Some(Side::Survivor),
            "merged" => Some(Side::Merged),
            _ => None,
        }
    }
}

/// The parts of a profile chosen as one: fields that only make sense together move together
/// (a date of birth with the age it gives; the facts of one return).
pub const PARTS: [&str; 13] = [
    "name",
    "sex",
    "gender",
    "birth",
    "nationality",
    "return",
    "return_place",
    "vulnerabilities",
    "phone",
    "email",
    "address",
    "preferred_language",
    "household",
];

/// Whether a part holds nothing in this profile (so the other case's value fills it).
fn is_empty(p: &ReturneeProfile, part: &str) -> bool {
    match part {
        "gender" => p.gender.is_none(),
        "birth" => p.date_of_birth.is_none() && p.age_at_return.is_none(),
        "return_place" => p.return_community.is_none(),
        "vulnerabilities" => p.vulnerabilities.is_empty() && p.vulnerability_details.is_none(),
        "phone" => p.phone.is_none(),
        "email" => p.email.is_none(),
        "address" => p.address.is_none(),
        "preferred_language" => p.preferred_language.is_none(),
        "household" => p.household.is_empty(),
        _ => false,
    }
}

/// Copies one part from `from` into `to`.
fn take(to: &mut ReturneeProfile, from: &ReturneeProfile, part: &str) {
    match part {
        "name" => {
            to.given_name = from.given_name.clone();
            to.family_name = from.family_name.clone();
        }
        "sex" => to.sex = from.sex,
        "gender" => to.gender = from.gender.clone(),
        "birth" => {
            to.date_of_birth = from.date_of_birth;
            to.age_at_return = from.age_at_return;
        }
        "nationality" => to.nationality = from.nationality.clone(),
        "return" => {
            to.return_date = from.return_date;
            to.returned_from = from.returned_from.clone();
            to.absence_months = from.absence_months;
            to.return_type = from.return_type;
            to.free_choice = from.free_choice;
            to.informed_decision = from.informed_decision;
        }
        "return_place" => {
            to.return_country = from.return_country.clone();
            to.return_province = from.return_province.clone();
            to.return_community = from.return_community.clone();
            to.community_is_origin = from.community_is_origin;
        }
        "vulnerabilities" => {
            to.vulnerabilities = from.vulnerabilities.clone();
            to.vulnerability_details = from.vulnerability_details.clone();
        }
        "phone" => to.phone = from.phone.clone(),
        "email" => to.email = from.email.clone(),
        "address" => to.address = from.address.clone(),
        "preferred_language" => to.preferred_language = from.preferred_language.clone(),
        "household" => to.household = from.household.clone(),
        _ => {}
    }
}

/// The side a part's value comes from when the person merging did not choose.
pub fn default_side(survivor: &ReturneeProfile, merged: &ReturneeProfile, part: &str) -> Side {
    if is_empty(survivor, part) && !is_empty(merged, part) {
        Side::Merged
    } else {
        Side::Survivor
    }
}

/// Whether the two cases hold different values for a part (the choices worth showing).
pub fn differs(survivor: &ReturneeProfile, merged: &ReturneeProfile, part: &str) -> bool {
    let mut a = survivor.clone();
    take(&mut a, merged, part);
    &a != survivor
}

/// The surviving case's profile after the merge. A case restricted on either side stays
/// restricted: merging never widens who may see a person's record. Unknown parts are refused
/// by name (`fields.<part>`).
pub fn merged_profile(
    survivor: &ReturneeProfile,
    merged: &ReturneeProfile,
    choices: &BTreeMap<String, Side>,
) -> Result<ReturneeProfile, ValidationErrors> {
    let mut errors = ValidationErrors::new();
    for part in choices.keys() {
        if !PARTS.contains(&part.as_str()) {
            errors.add(format!("fields.{part}"), "error-unknown-field");
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut out = survivor.clone();
    for part in PARTS {
        let side = choices
            .get(part)
            .copied()
            .unwrap_or_else(|| default_side(survivor, merged, part));
        if side == Side::Merged {
            take(&mut out, merged, part);
        }
    }
    out.restricted = survivor.restricted || merged.restricted;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::tests::sample;

    #[test]
    fn the_survivor_keeps_its_values_unless_told_and_fills_its_gaps() {
        let mut a = sample();
        a.phone = None;
        a.given_name = "Mamadou".into();
        let mut b = sample();
        b.phone = Some("+224 620 11 22 33".into());
        b.given_name = "Mamadu".into();
        b.email = None;
        let out = merged_profile(&a, &b, &BTreeMap::new()).unwrap();
        assert_eq!(out.given_name, "Mamadou");
        assert_eq!(out.phone.as_deref(), Some("+224 620 11 22 33"));
        assert_eq!(out.email, a.email);

        let chosen = BTreeMap::from([("name".to_string(), Side::Merged)]);
        let out = merged_profile(&a, &b, &chosen).unwrap();
        assert_eq!(out.given_name, "Mamadu");
        assert!(differs(&a, &b, "name"));
        assert!(!differs(&a, &b, "sex"));
    }

    #[test]
    fn a_restricted_record_stays_restricted_and_unknown_parts_are_refused() {
        let a = sample();
        let mut b = sample();
        b.restricted = true;
        assert!(merged_profile(&a, &b, &BTreeMap::new()).unwrap().restricted);
        let bad = BTreeMap::from([("salary".to_string(), Side::Merged)]);
        let e = merged_profile(&a, &b, &bad).unwrap_err();
        assert_eq!(e.0[0].field, "fields.salary");
    }
}
