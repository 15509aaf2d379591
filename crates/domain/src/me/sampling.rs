//! Monitoring samples (Module 5: when meeting every beneficiary is not realistic): how many to
//! draw for a margin of error, and the draw itself, simple or stratified, reproducible from a
//! stored seed.

use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{RngCore, SeedableRng};
use statrs::distribution::{ContinuousCDF, Normal};

/// How many to survey out of `population` to estimate a share within `margin` (0.05 for ±5
/// points) at `confidence` (0.95), taking the most demanding share, one half:
/// n₀ = z² · p(1 − p) / e², then n = n₀ / (1 + (n₀ − 1) / N), rounded up.
pub fn sample_size(population: u64, margin: f64, confidence: f64) -> u64 {
    if population == 0 || !(margin > 0.0 && margin < 1.0) || !(confidence > 0.0 && confidence < 1.0)
    {
        return 0;
    }
    let n0 = unlimited_size(margin, confidence);
    let n = n0 / (1.0 + (n0 - 1.0) / population as f64);
    (n.ceil() as u64).min(population)
}

/// The normal quantile of a two-sided `confidence` (1.96 for 0.95).
pub fn z_value(confidence: f64) -> f64 {
    Normal::new(0.0, 1.0)
        .map(|n| n.inverse_cdf(1.0 - (1.0 - confidence) / 2.0))
        .unwrap_or(1.96)
}

/// n₀ = z² · 0.25 / e²: the size for an unlimited population, before the finite correction.
pub fn unlimited_size(margin: f64, confidence: f64) -> f64 {
    let z = z_value(confidence);
    z * z * 0.25 / (margin * margin)
}

/// A number below `bound`, uniformly (rejection keeps it unbiased). Written out rather than
/// taken from `rand`, whose algorithms may change between versions: a stored seed must draw
/// the same sample for as long as the sample is kept.
fn below(rng: &mut ChaCha8Rng, bound: u64) -> u64 {
    let zone = u64::MAX - u64::MAX % bound;
    loop {
        let v = rng.next_u64();
        if v < zone {
            return v % bound;
        }
    }
}

/// `n` of `items` drawn at random (all of them when there are fewer), in the order drawn; the
/// same `seed` and items give the same sample.
pub fn simple_sample<T: Clone>(items: &[T], n: usize, seed: u64) -> Vec<T> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut order: Vec<usize> = (0..items.len()).collect();
    let n = n.min(items.len());
    // The first n steps of a Fisher–Yates shuffle.
    for i in 0..n {
        let j = i + below(&mut rng, (order.len() - i) as u64) as usize;
        order.swap(i, j);
    }
    order[..n].iter().map(|&i| items[i].clone()).collect()
}

/// How many of `n` each stratum gets, in proportion to its size (largest remainders get the
/// rest), never more than it holds.
pub fn allocate(sizes: &[usize], n: usize) -> Vec<usize> {
    let total: usize = sizes.iter().sum();
    let n = n.min(total);
    if total == 0 {
        return vec![0; sizes.len()];
    }
    let exact: Vec<f64> = sizes
        .iter()
        .map(|&s| n as f64 * s as f64 / total as f64)
        .collect();
    let mut given: Vec<usize> = exact.iter().map(|e| e.floor() as usize).collect();
    let mut by_remainder: Vec<usize> = (0..sizes.len()).collect();
    by_remainder.sort_by(|&a, &b| {
        (exact[b] - exact[b].floor())
            .total_cmp(&(exact[a] - exact[a].floor()))
            .then(a.cmp(&b))
    });
    let mut left = n - given.iter().sum::<usize>();
    for i in by_remainder.into_iter().cycle().take(sizes.len() * 2) {
        if left == 0 {
            break;
        }
        if given[i] < sizes[i] {
            given[i] += 1;
            left -= 1;
        }
    }
    given
}

/// `n` drawn across `strata` (each a key and its members) in proportion to their sizes, each
/// stratum drawn at random with its own stream of the one `seed`.
pub fn stratified_sample<T: Clone>(strata: &[(String, Vec<T>)], n: usize, seed: u64) -> Vec<T> {
    let sizes: Vec<usize> = strata.iter().map(|(_, m)| m.len()).collect();
    allocate(&sizes, n)
        .into_iter()
        .zip(strata)
        .enumerate()
        .flat_map(|(i, (k, (_, members)))| {
            simple_sample(
                members,
                k,
                seed.wrapping_add((i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sample_sizes_follow_the_standard_formula() {
        // The figures of the usual tables (p = 0.5).
        assert_eq!(sample_size(10_000, 0.05, 0.95), 370);
        assert_eq!(sample_size(1_000, 0.05, 0.95), 278);
        assert_eq!(sample_size(100, 0.05, 0.95), 80);
        assert_eq!(sample_size(1_000_000, 0.03, 0.95), 1_066);
        assert_eq!(sample_size(1_000_000, 0.05, 0.99), 664);
        assert_eq!(sample_size(20, 0.05, 0.95), 20);
        assert_eq!(sample_size(0, 0.05, 0.95), 0);
        assert_eq!(sample_size(100, 0.0, 0.95), 0);
    }

    #[test]
    fn a_seed_draws_the_same_sample_and_another_seed_another() {
        let ids: Vec<u32> = (0..1000).collect();
        let a = simple_sample(&ids, 50, 42);
        assert_eq!(a, simple_sample(&ids, 50, 42));
        assert_ne!(a, simple_sample(&ids, 50, 43));
        let mut unique = a.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), 50, "no one twice");
        assert_eq!(simple_sample(&ids[..3], 10, 1).len(), 3);
        // Pinned: the algorithm must not change under a stored seed.
        assert_eq!(simple_sample(&ids, 5, 7), vec![635, 402, 537, 539, 860]);
    }

    #[test]
    fn every_member_is_as_likely_to_be_drawn() {
        let ids: Vec<u32> = (0..10).collect();
        let mut counts = [0u32; 10];
        for seed in 0..20_000 {
            for id in simple_sample(&ids, 3, seed) {
                counts[id as usize] += 1;
            }
        }
        // Expected 6,000 each; a biased draw would be far off.
        assert!(
            counts.iter().all(|&c| (5_700..=6_300).contains(&c)),
            "{counts:?}"
        );
    }

    #[test]
    fn a_stratified_sample_keeps_the_strata_in_proportion() {
        assert_eq!(allocate(&[600, 300, 100], 100), vec![60, 30, 10]);
        assert_eq!(allocate(&[1, 1, 1], 2).iter().sum::<usize>(), 2);
        assert_eq!(allocate(&[5, 500], 100), vec![1, 99]);
        assert_eq!(
            allocate(&[2, 3], 10),
            vec![2, 3],
            "never more than a stratum holds"
        );
        let strata = vec![
            ("DKR".to_string(), (0..600).collect::<Vec<u32>>()),
            ("THS".to_string(), (600..900).collect()),
            ("ZIG".to_string(), (900..1000).collect()),
        ];
        let drawn = stratified_sample(&strata, 100, 9);
        assert_eq!(drawn.len(), 100);
        assert_eq!(drawn.iter().filter(|&&i| i < 600).count(), 60);
        assert_eq!(
            drawn.iter().filter(|&&i| (600..900).contains(&i)).count(),
            30
        );
        assert_eq!(drawn, stratified_sample(&strata, 100, 9));
    }
}
