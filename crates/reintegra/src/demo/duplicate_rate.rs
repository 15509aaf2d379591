//! The duplicate check against a generated population: every generated returnee is a different
//! person, so each likely match it reports is a false one. The generator draws names from short
//! lists, so many people share a name and, give or take a year, an age: far more than in a
//! real programme. Run with `--nocapture` to see the rate.

use std::collections::HashMap;

use domain::duplicates::{Evidence, Prepared};
use rand::SeedableRng;
use rand::rngs::StdRng;
use time::macros::date;

#[test]
fn no_clearly_different_people_match_among_a_hundred_thousand() {
    const PEOPLE: usize = 100_000;
    let mut rng = StdRng::seed_from_u64(2026);
    let provinces = ["Dakar", "Tambacounda", "Kolda", "Ziguinchor"];
    let people: Vec<Prepared> = (0..PEOPLE)
        .map(|_| Prepared::of(&super::profile(&mut rng, &provinces, date!(2026 - 06 - 01))))
        .collect();
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
            // Likely matches always rest on alike names of the same sex, born close together.
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
    let share = flagged_people as f64 / PEOPLE as f64;
    println!(
        "{PEOPLE} generated people: {candidates} candidates read ({:.1} a check), {pairs} pairs \
         reported as likely the same person, {flagged_people} people in at least one ({:.1}%)",
        candidates as f64 / PEOPLE as f64,
        share * 100.0
    );
    // Only people recorded by age alone (about one in seven) can match another of the same
    // name born within a year; people with dates of birth match only on the same date.
    assert!(share < 0.25, "{share}");
}
