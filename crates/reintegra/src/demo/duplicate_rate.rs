//! The duplicate check against generated populations: every generated person is a different
//! person, so each likely match reported is a false one. The demo generator draws names from
//! short lists, so hundreds share each name, far more than in a real programme; the second
//! population has varied names. Run with `--nocapture` to see the rates.

use std::collections::HashMap;

use domain::duplicates::{Evidence, Prepared};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use time::macros::date;

/// Likely pairs and the people in at least one, in `people` (all different persons), found as
/// the check finds them: through the keys, then compared. Panics on a likely match between
/// clearly different people (other sex, born far apart, other nationality, unlike names).
fn false_matches(people: &[Prepared]) -> (usize, usize, usize) {
    let mut filed: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, p) in people.iter().enumerate() {
        for key in p.blocking_keys() {
            filed.entry(key).or_default().push(i);
        }
    }
    let (mut pairs, mut flagged_people, mut candidates) = (0usize, 0usize, 0usize);
    for (i, p) in people.iter().enumerate() {
        let mut seen: Vec<usize> = p
            .lookup_keys()
            .iter()
            .filter_map(|k| filed.get(k))
            .flatten()
            .copied()
            .filter(|j| *j != i)
            .collect();
        seen.sort_unstable();
        seen.dedup();
        candidates += seen.len();
        let mut flagged = false;
        for j in seen {
            let c = p.compare(&people[j]);
            if !c.likely() {
                continue;
            }
            assert!(
                !c.evidence.iter().any(|e| matches!(
                    e,
                    Evidence::OtherSex | Evidence::FarBirthYears | Evidence::OtherNationality
                )),
                "{c:?}"
            );
            assert!(matches!(c.evidence[0], Evidence::AlikeNames(_)), "{c:?}");
            flagged = true;
            if j > i {
                pairs += 1;
            }
        }
        flagged_people += usize::from(flagged);
    }
    (pairs, flagged_people, candidates)
}

const PEOPLE: usize = 100_000;

#[test]
fn among_a_hundred_thousand_generated_returnees_likely_matches_share_name_age_and_more() {
    let mut rng = StdRng::seed_from_u64(2026);
    let provinces = ["Dakar", "Tambacounda", "Kolda", "Ziguinchor"];
    let people: Vec<Prepared> = (0..PEOPLE)
        .map(|_| Prepared::of(&super::profile(&mut rng, &provinces, date!(2026 - 06 - 01))))
        .collect();
    let (pairs, flagged, candidates) = false_matches(&people);
    let share = flagged as f64 / PEOPLE as f64;
    println!(
        "demo generator, {PEOPLE} people (names from 14 to 20 given names and 20 family names): \
         {:.1} candidates a check, {pairs} likely pairs, {flagged} people in one ({:.2}%)",
        candidates as f64 / PEOPLE as f64,
        share * 100.0
    );
    // About 240 men share each name here, six or seven of them born the same year; they are
    // matched by dates of birth that differ as a typing slip would (the same year and month, or
    // year and day: one in nine such pairs), or by a household member of the same name,
    // relationship and age. Measured: 44% of people in at least one pair. A real programme's
    // names are far more varied (the next test); this bound only guards against a rule change
    // that makes it worse.
    assert!(share < 0.5, "{share}");
}

#[test]
fn among_a_hundred_thousand_people_with_varied_names_few_are_taken_for_another() {
    const SYLLABLES: [&str; 20] = [
        "ma", "mou", "sa", "ba", "di", "ka", "la", "ta", "ne", "sou", "fa", "ko", "ya", "ra", "ou",
        "ke", "bi", "to", "ni", "da",
    ];
    let mut rng = StdRng::seed_from_u64(7);
    let name = |rng: &mut StdRng| -> String {
        let mut n: String = (0..3)
            .map(|_| *SYLLABLES.choose(rng).unwrap_or(&"ma"))
            .collect();
        if let Some(first) = n.get_mut(0..1) {
            first.make_ascii_uppercase();
        }
        n
    };
    let provinces = ["Dakar"];
    let people: Vec<Prepared> = (0..PEOPLE)
        .map(|_| {
            let mut p = super::profile(&mut rng, &provinces, date!(2026 - 06 - 01));
            p.given_name = name(&mut rng);
            p.family_name = name(&mut rng);
            p.household.clear();
            Prepared::of(&p)
        })
        .collect();
    let (pairs, flagged, candidates) = false_matches(&people);
    let share = flagged as f64 / PEOPLE as f64;
    println!(
        "varied names, {PEOPLE} people (three syllables of twenty each): {:.2} candidates a \
         check, {pairs} likely pairs, {flagged} people in one ({:.3}%)",
        candidates as f64 / PEOPLE as f64,
        share * 100.0
    );
    assert!(share < 0.005, "{share}");
}
