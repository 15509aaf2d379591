//! Whether two returnees may be the same person, so that registering someone already known
//! asks first. The rule is deliberately plain (same name, birth and nationality) and explains
//! itself; matching across spellings and scripts is a later, scored rule.

use crate::case::ReturneeProfile;
use crate::text::fold;

/// The estimated year of birth: from the date of birth, or from the age at return.
fn birth_year(p: &ReturneeProfile) -> Option<i32> {
    match (p.date_of_birth, p.age_at_return) {
        (Some(born), _) => Some(born.year()),
        (None, Some(age)) => Some(p.return_date.year() - i32::from(age)),
        (None, None) => None,
    }
}

/// The words of a name, folded (case and accents), in order.
fn name_words(s: &str) -> Vec<String> {
    fold(s).split_whitespace().map(str::to_string).collect()
}

/// Same name (given and family names, in either order, ignoring case and accents), same
/// birth (the same date when both are known, otherwise birth years at most a year apart) and
/// same nationality.
pub fn possibly_same(a: &ReturneeProfile, b: &ReturneeProfile) -> bool {
    let (ga, fa) = (name_words(&a.given_name), name_words(&a.family_name));
    let (gb, fb) = (name_words(&b.given_name), name_words(&b.family_name));
    let same_name = (ga == gb && fa == fb) || (ga == fb && fa == gb);
    let same_birth = match (a.date_of_birth, b.date_of_birth) {
        (Some(x), Some(y)) => x == y,
        _ => match (birth_year(a), birth_year(b)) {
            (Some(x), Some(y)) => (x - y).abs() <= 1,
            _ => false,
        },
    };
    let same_nationality = fold(a.nationality.trim()) == fold(b.nationality.trim());
    same_name && same_birth && same_nationality && !ga.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::{ReturnType, Sex};
    use time::macros::date;

    fn returnee(
        given: &str,
        family: &str,
        born: Option<time::Date>,
        age: Option<u16>,
    ) -> ReturneeProfile {
        ReturneeProfile {
            given_name: given.into(),
            family_name: family.into(),
            sex: Sex::Female,
            gender: None,
            date_of_birth: born,
            age_at_return: age,
            nationality: "Senegal".into(),
            return_date: date!(2026 - 03 - 01),
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
            household: vec![],
        }
    }

    #[test]
    fn the_same_name_birth_and_nationality_is_a_possible_match() {
        let born = Some(date!(1995 - 03 - 14));
        let a = returnee("Aminata", "Diallo", born, None);
        assert!(possibly_same(
            &a,
            &returnee("AMINATA", "Diallò", born, None)
        ));
        assert!(
            possibly_same(&a, &returnee("Diallo", "Aminata", born, None)),
            "names swapped"
        );
        // An age given instead of the date of birth: born in 1995 or 1996.
        assert!(possibly_same(
            &a,
            &returnee("Aminata", "Diallo", None, Some(30))
        ));
        assert!(!possibly_same(
            &a,
            &returnee("Aminata", "Diallo", None, Some(40))
        ));
        assert!(!possibly_same(
            &a,
            &returnee("Aminata", "Diallo", Some(date!(1995 - 03 - 15)), None)
        ));
        assert!(!possibly_same(&a, &returnee("Awa", "Diallo", born, None)));
        let mut elsewhere = returnee("Aminata", "Diallo", born, None);
        elsewhere.nationality = "Guinea".into();
        assert!(!possibly_same(&a, &elsewhere));
        // Nothing known of birth on one side: not enough to ask.
        assert!(!possibly_same(
            &a,
            &returnee("Aminata", "Diallo", None, None)
        ));
    }
}
