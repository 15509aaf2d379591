//! Spellings of the same name across scripts and habits, and names that only look alike.

use super::*;
use crate::case::{HouseholdMember, Relationship, Sex};
use time::macros::date;

/// (one spelling, another, the same name?). Written from public lists of West African,
/// Maghreb and Arabic name variants.
const PAIRS: &[(&str, &str, bool)] = &[
    // Given names, Latin forms.
    ("Mamadou", "Mohamed", true),
    ("Mamadu", "Muhammad", true),
    ("Modou", "Mohammed", true),
    ("Momodou", "Mamadou", true),
    ("Ahmed", "Amadou", true),
    ("Abdoulaye", "Abdullah", true),
    ("Ousmane", "Usman", true),
    ("Ibrahima", "Ibrahim", true),
    ("Fatoumata", "Fatima", true),
    ("Moussa", "Musa", true),
    ("Aïssatou", "Aisha", true),
    ("Mariama", "Maryam", true),
    ("Boubacar", "Abubakar", true),
    ("Souleymane", "Sulaiman", true),
    ("Youssouf", "Yusuf", true),
    ("Idrissa", "Idris", true),
    ("Oumar", "Umar", true),
    ("Aliou", "Ali", true),
    ("Khady", "Khadija", true),
    ("Awa", "Hawa", true),
    ("Aminata", "Amina", true),
    ("Seynabou", "Zainab", true),
    ("Yaya", "Yahya", true),
    ("Moustapha", "Mustafa", true),
    ("Cheikh", "Sheikh", true),
    ("Tidiane", "Tijani", true),
    // Given names, Arabic and Latin script.
    ("محمد", "Mamadou", true),
    ("أحمد", "Ahmadou", true),
    ("عبد الله", "Abdoulaye", true),
    ("عثمان", "Othman", true),
    ("إبراهيم", "Ibrahima", true),
    ("فاطمة", "Fatou", true),
    ("موسى", "Moussa", true),
    ("عائشة", "Aicha", true),
    ("مريم", "Mariam", true),
    ("أبو بكر", "Aboubacar", true),
    ("سليمان", "Souleymane", true),
    ("يوسف", "Youssef", true),
    ("عمر", "Omar", true),
    // Family names.
    ("Diallo", "Jallow", true),
    ("ديالو", "Diallo", true),
    ("Jalloh", "Djalo", true),
    ("Diop", "Jobe", true),
    ("ديوب", "Diop", true),
    ("Ndiaye", "Njie", true),
    ("N'Diaye", "Ndiaye", true),
    ("ندياي", "Ndiaye", true),
    ("Sow", "Sowe", true),
    ("Bah", "Ba", true),
    ("Cissé", "Ceesay", true),
    ("Sisay", "Cisse", true),
    ("Touré", "Turay", true),
    ("Keïta", "Keita", true),
    ("كيتا", "Keita", true),
    ("Camara", "Kamara", true),
    ("كمارا", "Camara", true),
    ("Traoré", "Trawally", true),
    ("Sylla", "Sillah", true),
    ("Sané", "Sanneh", true),
    ("Dramé", "Drammeh", true),
    // Not listed: the spelling rules alone bring these together.
    ("Barry", "Bari", true),
    ("Konaté", "Konate", true),
    ("Coulibaly", "Kulibali", true),
    ("Ouedraogo", "Wedraogo", true),
    ("Bangoura", "Bangura", true),
    ("Doumbia", "Dumbia", true),
    ("Thiam", "Tiam", true),
    ("Sarr", "Sar", true),
    // Different names.
    ("Mamadou", "Ahmed", false),
    ("محمد", "أحمد", false),
    ("Ousmane", "Ibrahima", false),
    ("Fatoumata", "Aminata", false),
    ("Moussa", "Moustapha", false),
    ("Aïssatou", "Assane", false),
    ("Mariama", "Aminata", false),
    ("Abdoulaye", "Abdourahmane", false),
    ("Souleymane", "Salimata", false),
    ("Diallo", "Diop", false),
    ("Diallo", "Diaw", false),
    ("Ba", "Bamba", false),
    ("Keita", "Kante", false),
    ("Camara", "Conde", false),
    ("Traoré", "Touré", false),
    ("Kane", "Kone", false),
    ("Fall", "Faye", false),
    ("Cissé", "Sissoko", false),
    ("Diatta", "Diarra", false),
    ("Sarr", "Seck", false),
    ("Gueye", "Guisse", false),
    ("Mane", "Mbaye", false),
];

#[test]
fn spellings_of_one_name_meet_and_different_names_do_not() {
    assert!(PAIRS.len() >= 50);
    let mut wrong = Vec::new();
    for (a, b, same) in PAIRS {
        let s = NameForm::of(a).similarity(&NameForm::of(b));
        if (s >= RULES.names_alike_from) != *same {
            wrong.push(format!(
                "{a} / {b}: {s:.2} (expected {})",
                if *same { "same" } else { "different" }
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn a_listed_name_files_every_spelling_under_one_key() {
    for spelling in ["Mamadou", "Mohamed", "محمد", "Modou"] {
        assert_eq!(NameForm::of(spelling).key(), "muhammad", "{spelling}");
    }
    // Unlisted: the consonants.
    assert_eq!(
        NameForm::of("Coulibaly").key(),
        NameForm::of("Kulibali").key()
    );
    assert_eq!(NameForm::of("").key(), "");
}

/// A man of The Gambia, no phone, no household: `case::tests::sample` otherwise.
fn returnee(
    given: &str,
    family: &str,
    born: Option<time::Date>,
    age: Option<u16>,
) -> ReturneeProfile {
    ReturneeProfile {
        given_name: given.into(),
        family_name: family.into(),
        sex: Sex::Male,
        date_of_birth: born,
        age_at_return: age,
        nationality: "Gambia".into(),
        return_date: date!(2026 - 03 - 01),
        phone: None,
        household: vec![],
        ..crate::case::tests::sample()
    }
}

#[test]
fn the_same_man_registered_three_ways_is_found_and_explained() {
    let born = Some(date!(1996 - 05 - 02));
    let mut a = returnee("Mamadou", "Diallo", born, None);
    let b = returnee("Mamadu", "Jallow", born, None);
    // Recorded by his age alone, in Arabic script: the same phone makes it likely.
    let mut c = returnee("محمد", "ديالو", None, Some(30));
    assert!(!compare(&a, &c).likely(), "alike names at a like age alone");
    a.phone = Some("+220 770 1234".into());
    c.phone = Some("770 1234".into());
    let ab = compare(&a, &b);
    assert!(ab.likely(), "{ab:?}");
    assert_eq!(ab.evidence[0], Evidence::AlikeNames(1.0));
    assert!(ab.evidence.contains(&Evidence::SameBirthDate));
    let ac = compare(&a, &c);
    assert!(ac.likely(), "{ac:?}");
    assert!(ac.evidence.contains(&Evidence::CloseBirthYears));
    // Filed under one key, so that each finds the others without reading every case.
    let filed: Vec<String> = Prepared::of(&a).blocking_keys();
    assert_eq!(
        filed,
        blocking_keys_of("Mamadou", "Diallo", Some(1996), Some("7701234")),
        "stored records are filed from their fields the same way"
    );
    for other in [&b, &c] {
        let looked = Prepared::of(other).lookup_keys();
        assert!(
            filed.iter().any(|k| looked.contains(k)),
            "{filed:?} {looked:?}"
        );
    }
}

#[test]
fn names_given_the_other_way_round_and_a_shared_phone_count() {
    let born = Some(date!(1990 - 01 - 01));
    let a = returnee("Awa", "Ndiaye", born, None);
    let b = returnee("Njie", "Hawa", born, None);
    assert!(compare(&a, &b).likely());
    let (mut a, mut b);
    // Born two years apart by the ages given: alike names alone are not enough...
    a = returnee("Awa", "Ndiaye", None, Some(30));
    b = returnee("Hawa", "Njie", None, Some(32));
    assert!(!compare(&a, &b).likely(), "{:?}", compare(&a, &b));
    // ...the same phone, written two ways, makes it likely.
    a.phone = Some("+220 770 1234".into());
    b.phone = Some("7701234".into());
    let c = compare(&a, &b);
    assert!(c.evidence.contains(&Evidence::SamePhone), "{c:?}");
    assert!(c.likely(), "{c:?}");
    // A shared phone with other names is a family's phone, not a duplicate.
    let sister = {
        let mut s = returnee("Fatou", "Ndiaye", None, Some(30));
        s.phone = a.phone.clone();
        s
    };
    assert!(!compare(&a, &sister).likely());
}

#[test]
fn a_date_of_birth_typed_with_a_slip_still_counts() {
    let a = returnee("Ousmane", "Diallo", Some(date!(1990 - 03 - 12)), None);
    for slip in [
        date!(1990 - 12 - 03),
        date!(1990 - 03 - 21),
        date!(1991 - 03 - 12),
    ] {
        let c = compare(&a, &returnee("Ousmane", "Diallo", Some(slip), None));
        assert!(c.evidence.contains(&Evidence::NearBirthDates), "{slip}");
        assert!(c.likely(), "{slip}");
    }
    // Another date altogether, the same year: two people of a common name.
    let c = compare(
        &a,
        &returnee("Ousmane", "Diallo", Some(date!(1990 - 07 - 25)), None),
    );
    assert!(!c.likely(), "{c:?}");
}

#[test]
fn clearly_different_people_are_not_likely_the_same() {
    let born = Some(date!(1990 - 01 - 01));
    let a = returnee("Ousmane", "Diallo", born, None);
    // Another name.
    assert!(!compare(&a, &returnee("Ibrahima", "Diallo", born, None)).likely());
    // Twenty years apart.
    assert!(
        !compare(
            &a,
            &returnee("Ousmane", "Diallo", Some(date!(1970 - 01 - 01)), None)
        )
        .likely()
    );
    // A woman of the same name and birth.
    let mut w = returnee("Ousmane", "Diallo", born, None);
    w.sex = Sex::Female;
    assert!(!compare(&a, &w).likely());
    // Nothing on record of birth, no phone: never filed by name.
    let unknown = returnee("Ousmane", "Diallo", None, None);
    assert!(Prepared::of(&unknown).blocking_keys().is_empty());
}

#[test]
fn a_shared_household_member_adds_evidence() {
    let born = Some(date!(1990 - 01 - 01));
    let member = |name: &str| HouseholdMember {
        name: name.into(),
        relationship: Relationship::SpousePartner,
        sex: None,
        date_of_birth: None,
        returned_together: None,
        notes: None,
    };
    let mut a = returnee("Ousmane", "Diallo", None, Some(35));
    a.household = vec![member("Fatoumata Ba")];
    let mut b = returnee("Usman", "Jalloh", born, None);
    b.household = vec![member("Fatou Bah")];
    assert!(
        compare(&a, &b)
            .evidence
            .contains(&Evidence::SharedHouseholdMember)
    );
}
