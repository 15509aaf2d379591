//! Learning what works (Module 5 §2.2; Module 1 on long-term monitoring): the change in a
//! returnee's RSS score between the baseline and a later survey, compared across the
//! assistance received or across profiles. Raw figures come with an adjusted comparison that
//! holds the baseline score and the profile equal, since groups differ in whom they served;
//! either way the differences are associations, not proof of effect.

use std::collections::BTreeMap;

use super::stats::{Interval, Moments, NormalEquations};

/// The fewest returnees a group is shown for: a mean change over fewer says too little, and it
/// is above the small-cell threshold, so viewers see the same groups.
pub const MIN_GROUP: usize = 10;

/// The confidence level of every interval shown.
pub const LEVEL: f64 = 0.95;

/// The most groups the adjusted comparison models at once (the largest of those shown): a
/// province typed a thousand ways must not turn one page into minutes of arithmetic.
pub const MAX_MODELLED: usize = 40;

/// One returnee with a baseline and a later survey.
#[derive(Clone, Debug, PartialEq)]
pub struct Observation {
    /// The compared score (composite or one dimension, 0 to 1) at baseline and later.
    pub baseline: f64,
    pub later: f64,
    /// The support band at each survey, ordered from the most support needed (0) up, to count
    /// those who moved up a band.
    pub baseline_band: u8,
    pub later_band: u8,
    /// The groups this returnee is in: one for a profile (sex, age band…); as many as the kinds
    /// of assistance received, or one for none.
    pub groups: Vec<String>,
    /// The profile as numbers (0/1 for each category but one, ages…), held equal by the
    /// adjusted comparison. It should not describe the compared axis itself.
    pub covariates: Vec<f64>,
}

impl Observation {
    fn change(&self) -> f64 {
        self.later - self.baseline
    }
}

/// What one group's returnees show.
#[derive(Clone, Debug, PartialEq)]
pub struct GroupFigures {
    pub group: String,
    pub n: usize,
    /// The mean change with its t-interval.
    pub change: Interval,
    /// The share (0 to 1) whose later survey is in a higher band than their baseline.
    pub moved_up: f64,
    pub baseline_mean: f64,
    /// The difference in change against the comparison (the reference group; or, for
    /// assistance, those who did not receive it), baseline score and profile held equal. None
    /// for the reference group, and when the data cannot tell it apart.
    pub adjusted: Option<Interval>,
}

/// A comparison as it may be shown.
#[derive(Clone, Debug, PartialEq)]
pub struct Comparison {
    /// Groups of at least the minimum size, largest first.
    pub groups: Vec<GroupFigures>,
    /// How many groups were left out for being smaller than the minimum.
    pub hidden: usize,
    /// The group the others are compared with.
    pub reference: Option<String>,
    pub observations: usize,
}

/// What the returnees who are in exactly the same groups add up to.
#[derive(Clone, Debug)]
struct Cell {
    change: Moments,
    baseline_sum: f64,
    moved_up: usize,
    /// Least-squares sums of the change over the intercept, the baseline and the covariates.
    fit: NormalEquations,
}

/// Observations added up as they come, one cell per combination of groups: enough for every
/// figure of a comparison, in memory that does not grow with the number of returnees.
#[derive(Clone, Debug, Default)]
pub struct Sums {
    cells: BTreeMap<Vec<String>, Cell>,
    /// The intercept, the baseline and the covariates: fixed by the first observation.
    width: Option<usize>,
    /// The row being added, kept to spare an allocation per returnee.
    row: Vec<f64>,
}

impl Sums {
    pub fn add(&mut self, o: &Observation) {
        let width = *self.width.get_or_insert(2 + o.covariates.len());
        let row = &mut self.row;
        row.clear();
        row.extend([1.0, o.baseline]);
        row.extend(&o.covariates);
        // Every observation of one comparison describes the same profile; one that does not is
        // a caller's mistake, made harmless rather than fatal.
        row.resize(width, 0.0);
        if !self.cells.contains_key(&o.groups) {
            let cell = Cell {
                change: Moments::default(),
                baseline_sum: 0.0,
                moved_up: 0,
                fit: NormalEquations::new(width),
            };
            self.cells.insert(o.groups.clone(), cell);
        }
        let Some(cell) = self.cells.get_mut(&o.groups) else {
            return;
        };
        cell.change.add(o.change());
        cell.baseline_sum += o.baseline;
        cell.moved_up += usize::from(o.later_band > o.baseline_band);
        cell.fit.add(&self.row, o.change());
    }

    /// The returnees added.
    pub fn observations(&self) -> usize {
        self.cells.values().map(|c| c.change.n).sum()
    }

    /// Compares the groups with a `reference` group: for a profile, where each returnee is in
    /// one group, give None and the largest group is the reference; for assistance, where
    /// groups overlap, give the group of those who received none, and each kind is compared
    /// with not receiving it, the other kinds held equal. Groups under `min_n` are not shown,
    /// though they still count in the adjustment.
    pub fn compare(&self, reference: Option<&str>, min_n: usize, level: f64) -> Comparison {
        let mut members: BTreeMap<&str, Vec<&Cell>> = BTreeMap::new();
        for (groups, cell) in &self.cells {
            for g in groups {
                members.entry(g.as_str()).or_default().push(cell);
            }
        }
        let size = |name: &str| members[name].iter().map(|c| c.change.n).sum::<usize>();
        let mut names: Vec<(&str, usize)> = members.keys().map(|n| (*n, size(n))).collect();
        names.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        let profile = reference.is_none();
        let reference = reference.or(names.first().map(|n| n.0)).map(str::to_string);
        // The adjustment models the largest groups shown. For a profile, where each returnee
        // is in one group, it is fitted on the returnees of those groups only.
        let modelled: Vec<&str> = names
            .iter()
            .filter(|(n, size)| *size >= min_n.max(2) || Some(*n) == reference.as_deref())
            .map(|n| n.0)
            .take(MAX_MODELLED)
            .collect();
        let adjusted = self.adjusted_differences(&modelled, reference.as_deref(), profile, level);
        let mut groups = Vec::new();
        let mut hidden = 0;
        for (name, n) in &names {
            let mut change = Moments::default();
            members[name].iter().for_each(|c| change.merge(&c.change));
            let (true, Some(interval)) = (*n >= min_n.max(2), change.interval(level)) else {
                hidden += 1;
                continue;
            };
            let sum = |of: fn(&Cell) -> f64| members[name].iter().map(|c| of(c)).sum::<f64>();
            groups.push(GroupFigures {
                group: name.to_string(),
                n: *n,
                change: interval,
                moved_up: sum(|c| c.moved_up as f64) / *n as f64,
                baseline_mean: sum(|c| c.baseline_sum) / *n as f64,
                adjusted: adjusted.get(*name).copied(),
            });
        }
        Comparison {
            groups,
            hidden,
            reference,
            observations: self.observations(),
        }
    }

    /// Least squares of the change on an intercept, the baseline score, the covariates and one
    /// indicator per group but the reference: each group's coefficient is its adjusted
    /// difference. A group the data cannot tell apart from the others (always given together
    /// with another kind of assistance, say) gets none.
    fn adjusted_differences(
        &self,
        modelled: &[&str],
        reference: Option<&str>,
        profile: bool,
        level: f64,
    ) -> BTreeMap<String, Interval> {
        let Some(width) = self.width else {
            return BTreeMap::new();
        };
        let compared: Vec<&str> = modelled
            .iter()
            .copied()
            .filter(|n| Some(*n) != reference)
            .collect();
        let mut sums = NormalEquations::new(width + compared.len());
        for (groups, cell) in &self.cells {
            let in_group = |g: &&str| groups.iter().any(|x| x == g);
            if profile && !modelled.iter().any(in_group) {
                continue;
            }
            let ones: Vec<usize> = (0..compared.len())
                .filter(|k| in_group(&compared[*k]))
                .map(|k| width + k)
                .collect();
            sums.absorb(&cell.fit, &ones);
        }
        let Some(fit) = sums.solve() else {
            return BTreeMap::new();
        };
        compared
            .iter()
            .enumerate()
            .filter_map(|(k, g)| Some((g.to_string(), fit.interval(width + k, level)?)))
            .collect()
    }
}

/// [`Sums::compare`] over a list of observations.
pub fn compare(
    obs: &[Observation],
    reference: Option<&str>,
    min_n: usize,
    level: f64,
) -> Comparison {
    let mut sums = Sums::default();
    obs.iter().for_each(|o| sums.add(o));
    sums.compare(reference, min_n, level)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn returnee(baseline: f64, later: f64, groups: &[&str], covariates: &[f64]) -> Observation {
        let band = |s: f64| u8::from(s >= 0.5) + u8::from(s >= 0.66);
        Observation {
            baseline,
            later,
            baseline_band: band(baseline),
            later_band: band(later),
            groups: groups.iter().map(|g| g.to_string()).collect(),
            covariates: covariates.to_vec(),
        }
    }

    #[test]
    fn each_group_has_its_n_mean_change_interval_and_moves_up_a_band() {
        let obs = vec![
            returnee(0.40, 0.55, &["female"], &[]),
            returnee(0.45, 0.52, &["female"], &[]),
            returnee(0.60, 0.70, &["female"], &[]),
            returnee(0.50, 0.50, &["male"], &[]),
            returnee(0.30, 0.35, &["male"], &[]),
        ];
        let c = compare(&obs, None, 2, 0.95);
        assert_eq!(c.reference.as_deref(), Some("female"));
        let f = &c.groups[0];
        assert_eq!((f.group.as_str(), f.n), ("female", 3));
        assert!((f.change.estimate - 0.10667).abs() < 1e-4, "{f:?}");
        assert!(f.change.low < f.change.estimate && f.change.estimate < f.change.high);
        assert!(
            (f.moved_up - 1.0).abs() < 1e-12,
            "0.45→0.52 and 0.40→0.55 cross 0.5, 0.60→0.70 crosses 0.66"
        );
        assert!((f.baseline_mean - 0.48333).abs() < 1e-4);
        assert_eq!(f.adjusted, None, "the reference");
        let m = &c.groups[1];
        assert_eq!(m.n, 2);
        assert_eq!(m.moved_up, 0.0);
        // Too few to show: a minimum of 3 hides the men.
        let c = compare(&obs, None, 3, 0.95);
        assert_eq!((c.groups.len(), c.hidden), (1, 1));
    }

    #[test]
    fn the_adjusted_difference_matches_a_hand_computed_case() {
        // change = 0.1 + 0.05 × cash − 0.2 × baseline, exactly: least squares recovers 0.05
        // for the cash grant, where the raw gap is 0.04 (those given cash started higher).
        let mut obs = Vec::new();
        for (i, cash) in [
            (0, false),
            (1, true),
            (2, false),
            (3, true),
            (4, false),
            (5, true),
        ] {
            let baseline = 0.3 + 0.05 * f64::from(i);
            let change = 0.1 + if cash { 0.05 } else { 0.0 } - 0.2 * baseline;
            let group = if cash { "cash" } else { "none" };
            obs.push(returnee(baseline, baseline + change, &[group], &[]));
        }
        let c = compare(&obs, Some("none"), 2, 0.95);
        assert_eq!(c.reference.as_deref(), Some("none"));
        let cash = c.groups.iter().find(|g| g.group == "cash").unwrap();
        let none = c.groups.iter().find(|g| g.group == "none").unwrap();
        let raw_gap = cash.change.estimate - none.change.estimate;
        assert!((raw_gap - 0.04).abs() < 1e-9, "{raw_gap}");
        assert!(
            (cash.adjusted.unwrap().estimate - 0.05).abs() < 1e-9,
            "{cash:?}"
        );
        assert_eq!(none.adjusted, None);
    }

    #[test]
    fn kinds_of_assistance_received_together_are_told_apart() {
        // Training adds 0.04 and cash 0.02, whether given alone or together; the profile
        // covariate (1 for the vulnerable) takes 0.03 off.
        let mut obs = Vec::new();
        for k in 0..24 {
            let (training, cash, vulnerable) = (k % 2 == 0, k % 3 == 0, k % 4 < 2);
            let mut groups = Vec::new();
            if training {
                groups.push("training");
            }
            if cash {
                groups.push("cash");
            }
            if groups.is_empty() {
                groups.push("none");
            }
            let baseline = 0.3 + 0.01 * f64::from(k % 7);
            let noise = 0.002 * f64::from(k % 5) - 0.004;
            let change = 0.04 * f64::from(u8::from(training)) + 0.02 * f64::from(u8::from(cash))
                - 0.03 * f64::from(u8::from(vulnerable))
                + noise;
            obs.push(returnee(
                baseline,
                baseline + change,
                &groups,
                &[f64::from(u8::from(vulnerable))],
            ));
        }
        let c = compare(&obs, Some("none"), 2, 0.95);
        let of = |name: &str| {
            c.groups
                .iter()
                .find(|g| g.group == name)
                .unwrap()
                .adjusted
                .unwrap()
        };
        assert!(
            (of("training").estimate - 0.04).abs() < 0.003,
            "{:?}",
            of("training")
        );
        assert!(
            (of("cash").estimate - 0.02).abs() < 0.003,
            "{:?}",
            of("cash")
        );
        assert!(of("cash").low < 0.02 && 0.02 < of("cash").high);
    }

    #[test]
    fn a_profile_difference_is_found_after_holding_the_baseline_equal() {
        // Men start lower and gain more only because of where they start; women gain 0.03
        // more at the same baseline. The raw comparison says the opposite of the adjusted one.
        let mut obs = Vec::new();
        for k in 0..8 {
            let wobble = if k % 2 == 0 { 0.004 } else { -0.004 };
            let b = 0.55 + 0.01 * f64::from(k);
            obs.push(returnee(
                b,
                b + 0.30 - 0.5 * b + 0.03 + wobble,
                &["female"],
                &[],
            ));
            let b = 0.25 + 0.01 * f64::from(k);
            obs.push(returnee(b, b + 0.30 - 0.5 * b - wobble, &["male"], &[]));
        }
        let c = compare(&obs, None, 2, 0.95);
        let reference = c.reference.clone().unwrap();
        let other = c.groups.iter().find(|g| g.group != reference).unwrap();
        let first = c.groups.iter().find(|g| g.group == reference).unwrap();
        let female_minus_male_raw = if reference == "female" {
            first.change.estimate - other.change.estimate
        } else {
            other.change.estimate - first.change.estimate
        };
        assert!(female_minus_male_raw < 0.0, "raw: men gain more");
        let adjusted = other.adjusted.unwrap();
        let female_minus_male = if other.group == "female" {
            adjusted.estimate
        } else {
            -adjusted.estimate
        };
        assert!((female_minus_male - 0.03).abs() < 0.005, "{adjusted:?}");
        assert!(adjusted.low < adjusted.estimate && adjusted.estimate < adjusted.high);
    }

    #[test]
    fn a_kind_always_given_with_another_gets_no_adjusted_difference_of_its_own() {
        // Every cash grant here is for a microbusiness (economic): the two cannot be told
        // apart, so the first keeps the estimate and the other has none.
        let obs: Vec<Observation> = (0..12)
            .map(|k| {
                let b = 0.3 + 0.01 * f64::from(k);
                if k % 2 == 0 {
                    returnee(
                        b,
                        b + 0.1 + 0.001 * f64::from(k % 3),
                        &["cash", "economic"],
                        &[],
                    )
                } else {
                    returnee(b, b + 0.02 + 0.001 * f64::from(k % 3), &["none"], &[])
                }
            })
            .collect();
        let c = compare(&obs, Some("none"), 2, 0.95);
        let of = |name: &str| c.groups.iter().find(|g| g.group == name).unwrap().adjusted;
        assert!((of("cash").unwrap().estimate - 0.08).abs() < 0.005, "{c:?}");
        assert_eq!(of("economic"), None);
    }

    #[test]
    fn only_the_largest_groups_are_modelled() {
        // Sixty provinces of 12 returnees and one of 30: all shown, the 40 largest adjusted.
        let mut obs = Vec::new();
        for p in 0..61 {
            let size = if p == 0 { 30 } else { 12 };
            for k in 0..size {
                let b = 0.3 + 0.01 * f64::from(k % 5);
                let name = format!("province {p:02}");
                obs.push(returnee(
                    b,
                    b + 0.001 * f64::from(p) + 0.002 * f64::from(k % 3),
                    &[&name],
                    &[],
                ));
            }
        }
        let c = compare(&obs, None, 10, 0.95);
        assert_eq!(c.groups.len(), 61);
        assert_eq!(c.reference.as_deref(), Some("province 00"));
        let adjusted = c.groups.iter().filter(|g| g.adjusted.is_some()).count();
        assert_eq!(adjusted, MAX_MODELLED - 1, "the reference has none");
    }

    #[test]
    fn nothing_to_compare_gives_an_empty_comparison() {
        let c = compare(&[], None, 5, 0.95);
        assert!(c.groups.is_empty() && c.reference.is_none());
    }
}
