//! Survey tallies: the indicator figures of surveys kept as counts that each change moves,
//! instead of counted again from every survey at each reading.
//!
//! A returnee counts once in a cell: a reporting period (of each frequency), their office and
//! country of return, one group of one breakdown (or the whole, `ALL`), and the highest
//! composite score of their surveys in that period, on a grid of twentieths. An indicator of
//! surveys counts the returnees with *a* survey meeting its conditions in a period, so a
//! condition `composite >= t` (with `t` on the grid) holds for a returnee exactly when their
//! highest score does: the figures read from the cells equal those counted from the surveys.
//! The breakdown by round keeps the highest score of each round's surveys.
//!
//! [`cells`] says where one returnee counts; the store keeps the counts in step by adding a
//! returnee's cells after a change and taking away those from before it, in the same
//! transaction. [`TallyPlan`] says whether an indicator can be answered from the cells, and
//! how.

use std::collections::{BTreeMap, BTreeSet};

use super::*;

/// The composite score's grid: thresholds at multiples of `1 / GRID`.
pub const GRID: i16 = 20;

/// The breakdown of a cell that counts every returnee once.
pub const ALL: &str = "all";

/// A survey as the tallies see it.
#[derive(Clone, Debug, PartialEq)]
pub struct SurveyFact {
    pub date: Date,
    pub round: String,
    pub composite: Option<f64>,
}

/// A returnee as the tallies see them: the case's fields as stored (the breakdowns are worked
/// out here, as the indicator queries work them out), the kinds of assistance they have had
/// and their surveys.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Returnee {
    pub office: Option<String>,
    pub sex: Option<String>,
    pub age: Option<i64>,
    pub vulnerable: bool,
    pub province: Option<String>,
    pub return_country: Option<String>,
    pub host_country: Option<String>,
    pub return_type: Option<String>,
    pub absence_months: Option<i64>,
    pub same_community: Option<bool>,
    pub return_date: Option<String>,
    /// The kinds of assistance (`economic`, …, `community`); empty for none.
    pub assistance: BTreeSet<String>,
    pub surveys: Vec<SurveyFact>,
}

/// One cell of the tallies; a returnee counts at most once in each.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Cell {
    pub frequency: Frequency,
    /// The period's label (`2026-Q1`).
    pub period: String,
    /// The office's id; empty when the case has none.
    pub office: String,
    /// The country of return in lower case (ASCII), as programmes are compared; empty when
    /// not known.
    pub country: String,
    /// An [`Axis`]'s name, or [`ALL`].
    pub axis: String,
    /// The group within the breakdown (`None`: not known). For age, the age in years: the
    /// programme's bands are applied when reading.
    pub group: Option<String>,
    /// The highest composite score's step on the grid: `-1` when no survey has one.
    pub bucket: i16,
}

/// The step of a composite score: how many of the thresholds `k / GRID` (k from 1) it reaches.
/// Compared with thresholds computed the same way, so `0.35 >= 7 / 20` holds exactly as the
/// query's comparison with the typed `0.35` does.
pub fn bucket(composite: Option<f64>) -> i16 {
    match composite {
        Some(s) if !s.is_nan() => (1..=GRID)
            .take_while(|k| s >= threshold(*k))
            .last()
            .unwrap_or(0),
        _ => -1,
    }
}

fn threshold(k: i16) -> f64 {
    f64::from(k) / f64::from(GRID)
}

/// The grid step a typed threshold sits on, if it does.
fn step_of(value: &str) -> Option<i16> {
    let t: f64 = value.trim().parse().ok()?;
    (0..=GRID).find(|k| threshold(*k) == t)
}

fn yes_no(b: bool) -> String {
    if b { "yes" } else { "no" }.to_string()
}

/// The group of each single-valued breakdown of a returnee (round and assistance excepted).
fn groups(r: &Returnee) -> Vec<(Axis, Option<String>)> {
    vec![
        (Axis::Sex, r.sex.clone()),
        (Axis::AgeBand, r.age.map(|a| a.to_string())),
        (Axis::Vulnerability, Some(yes_no(r.vulnerable))),
        (Axis::HostCountry, r.host_country.clone()),
        (Axis::ReturnCountry, r.return_country.clone()),
        (Axis::Province, r.province.clone()),
        (Axis::ReturnMode, r.return_type.clone()),
        (
            Axis::Absence,
            absence_band(
                r.absence_months
                    .map(|m| u32::try_from(m.max(0)).unwrap_or(u32::MAX)),
            )
            .map(str::to_string),
        ),
        (Axis::SameCommunity, r.same_community.map(yes_no)),
        (
            Axis::Cohort,
            r.return_date
                .as_ref()
                .map(|d| d.chars().take(4).collect::<String>()),
        ),
    ]
}

/// Every cell a returnee counts in.
pub fn cells(r: &Returnee) -> BTreeSet<Cell> {
    let mut out = BTreeSet::new();
    if r.surveys.is_empty() {
        return out;
    }
    let office = r.office.clone().unwrap_or_default();
    let country = r
        .return_country
        .as_deref()
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    let groups = groups(r);
    let kinds: Vec<String> = if r.assistance.is_empty() {
        vec!["none".into()]
    } else {
        r.assistance.iter().cloned().collect()
    };
    for frequency in Frequency::ALL.iter().copied() {
        // The highest step per period, overall and per round.
        let mut highest: BTreeMap<String, (i16, BTreeMap<String, i16>)> = BTreeMap::new();
        for s in &r.surveys {
            let label = Period::containing(frequency, s.date).label();
            let b = bucket(s.composite);
            let (overall, rounds) = highest.entry(label).or_insert((-1, BTreeMap::new()));
            *overall = (*overall).max(b);
            let round = rounds.entry(s.round.clone()).or_insert(-1);
            *round = (*round).max(b);
        }
        for (period, (overall, rounds)) in highest {
            let cell = |axis: &str, group: Option<String>, bucket: i16| Cell {
                frequency,
                period: period.clone(),
                office: office.clone(),
                country: country.clone(),
                axis: axis.to_string(),
                group,
                bucket,
            };
            out.insert(cell(ALL, None, overall));
            for (axis, group) in &groups {
                out.insert(cell(axis.as_str(), group.clone(), overall));
            }
            for kind in &kinds {
                out.insert(cell(Axis::Assistance.as_str(), Some(kind.clone()), overall));
            }
            for (round, b) in rounds {
                out.insert(cell(Axis::Round.as_str(), Some(round), b));
            }
        }
    }
    out
}

/// Which conditions a returnee's group of one breakdown must meet.
#[derive(Clone, Debug, PartialEq)]
enum Groups {
    Any,
    OneOf(Vec<String>),
}

impl Groups {
    fn admits(&self, group: Option<&str>) -> bool {
        match self {
            Groups::Any => true,
            Groups::OneOf(v) => group.is_some_and(|g| v.iter().any(|x| x == g)),
        }
    }

    fn and(self, other: Groups) -> Groups {
        match (self, other) {
            (Groups::Any, g) | (g, Groups::Any) => g,
            (Groups::OneOf(a), Groups::OneOf(b)) => {
                Groups::OneOf(a.into_iter().filter(|x| b.contains(x)).collect())
            }
        }
    }
}

/// One side of an indicator (who is counted, or who meets it) in terms of cells.
#[derive(Clone, Debug, PartialEq)]
struct Side {
    lowest_bucket: i16,
    groups: Groups,
}

impl Default for Side {
    fn default() -> Self {
        Side {
            lowest_bucket: -1,
            groups: Groups::Any,
        }
    }
}

/// How an indicator of surveys is read from the tallies: which breakdown's cells carry it, and
/// what a cell must hold to count in the population and in the numerator.
#[derive(Clone, Debug, PartialEq)]
pub struct TallyPlan {
    /// The breakdown whose cells are read ([`ALL`] or an axis name).
    pub carrier: String,
    /// Whether the carrier's groups are the figures' groups (the breakdown asked for).
    pub grouped: bool,
    population: Side,
    numerator: Side,
}

/// The group a typed value of a condition stands for.
type GroupOf = fn(&str) -> String;

/// The axis a case field's condition is read from, and the group a typed value stands for.
fn field_axis(field: &str) -> Option<(Axis, GroupOf)> {
    fn same(v: &str) -> String {
        v.to_string()
    }
    fn flag(v: &str) -> String {
        yes_no(v == "true")
    }
    Some(match field {
        "sex" => (Axis::Sex, same),
        "return_type" => (Axis::ReturnMode, same),
        "province" => (Axis::Province, same),
        "return_country" => (Axis::ReturnCountry, same),
        "host_country" => (Axis::HostCountry, same),
        "vulnerable" => (Axis::Vulnerability, flag),
        "same_community" => (Axis::SameCommunity, flag),
        "round" => (Axis::Round, same),
        _ => return None,
    })
}

impl TallyPlan {
    /// The plan for an indicator broken down by `axis`, or why the tallies cannot answer it
    /// (then its figures are counted from the surveys).
    pub fn for_indicator(c: &Computation, axis: Option<Axis>) -> Result<TallyPlan, String> {
        if c.source != Source::Surveys {
            return Err(format!("{} are not tallied", c.source.as_str()));
        }
        let mut carrier: Option<Axis> = axis;
        let mut side = |conditions: &[Condition]| -> Result<Side, String> {
            let mut s = Side::default();
            for cond in conditions {
                if cond.field == "composite" {
                    match (cond.op, step_of(&cond.value)) {
                        (Op::AtLeast, Some(k)) => s.lowest_bucket = s.lowest_bucket.max(k),
                        _ => {
                            return Err(format!(
                                "the tallies keep composite scores in steps of {}: `composite \
                                 {} {}` is counted from the surveys",
                                1.0 / f64::from(GRID),
                                cond.op.as_str(),
                                cond.value
                            ));
                        }
                    }
                    continue;
                }
                let (field_axis, group_of) = field_axis(&cond.field)
                    .ok_or_else(|| format!("the tallies do not keep {}", cond.field))?;
                if carrier.is_some_and(|a| a != field_axis) {
                    return Err("the tallies keep one breakdown at a time".into());
                }
                carrier = Some(field_axis);
                let values: Vec<String> = match cond.op {
                    Op::Equals => vec![group_of(cond.value.trim())],
                    Op::OneOf
                        if field_axis != Axis::Vulnerability
                            && field_axis != Axis::SameCommunity =>
                    {
                        cond.value
                            .split(',')
                            .map(str::trim)
                            .filter(|v| !v.is_empty())
                            .map(group_of)
                            .collect()
                    }
                    _ => {
                        return Err(format!(
                            "`{} {}` is not tallied",
                            cond.field,
                            cond.op.as_str()
                        ));
                    }
                };
                s.groups = std::mem::replace(&mut s.groups, Groups::Any).and(Groups::OneOf(values));
            }
            Ok(s)
        };
        let population = side(&c.population)?;
        let numerator = side(&c.numerator)?;
        let grouped = axis.is_some();
        // A returnee is in several groups of rounds and of assistance: their cells can carry
        // a breakdown, or a population of one round, but are not added up across groups.
        if !grouped {
            match carrier {
                Some(Axis::Round) => match &population.groups {
                    Groups::OneOf(v) if v.len() == 1 => {}
                    _ => return Err("rounds are tallied one at a time".into()),
                },
                Some(Axis::Assistance) => return Err("assistance is tallied by kind".into()),
                _ => {}
            }
        }
        Ok(TallyPlan {
            carrier: carrier.map_or(ALL.to_string(), |a| a.as_str().to_string()),
            grouped,
            population,
            numerator,
        })
    }

    /// Whether a cell of the carrier counts in the population, and in the numerator.
    pub fn counts(&self, group: Option<&str>, bucket: i16) -> (bool, bool) {
        let pop = self.population.groups.admits(group) && bucket >= self.population.lowest_bucket;
        let num =
            pop && self.numerator.groups.admits(group) && bucket >= self.numerator.lowest_bucket;
        (pop, num)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> Date {
        crate::import::parse_date(s).unwrap()
    }

    fn survey(date: &str, round: &str, composite: Option<f64>) -> SurveyFact {
        SurveyFact {
            date: day(date),
            round: round.into(),
            composite,
        }
    }

    #[test]
    fn buckets_agree_with_typed_thresholds() {
        assert_eq!(bucket(None), -1);
        assert_eq!(bucket(Some(0.0)), 0);
        assert_eq!(bucket(Some(0.35)), 7);
        assert_eq!(bucket(Some(0.349_999)), 6);
        assert_eq!(bucket(Some(0.5)), 10);
        assert_eq!(bucket(Some(1.0)), 20);
        for k in 0..=GRID {
            let typed: f64 = format!("{}", f64::from(k) / 20.0).parse().unwrap();
            assert_eq!(step_of(&typed.to_string()), Some(k));
            // A score equal to the typed threshold meets it, one just below does not.
            assert!(bucket(Some(typed)) >= k);
            if k > 0 {
                assert!(bucket(Some(typed - 1e-12)) < k);
            }
        }
        assert_eq!(step_of("0.33"), None);
    }

    #[test]
    fn a_returnee_counts_once_per_period_with_their_highest_score() {
        let r = Returnee {
            office: Some("o".into()),
            sex: Some("female".into()),
            return_country: Some("Guinea".into()),
            surveys: vec![
                survey("2026-01-10", "baseline", Some(0.3)),
                survey("2026-02-10", "second", Some(0.6)),
                survey("2026-07-01", "third", None),
            ],
            ..Default::default()
        };
        let cells = cells(&r);
        let quarter: Vec<&Cell> = cells
            .iter()
            .filter(|c| c.frequency == Frequency::Quarterly && c.axis == ALL)
            .collect();
        assert_eq!(quarter.len(), 2);
        assert_eq!(
            (quarter[0].period.as_str(), quarter[0].bucket),
            ("2026-Q1", 12)
        );
        assert_eq!(
            (quarter[1].period.as_str(), quarter[1].bucket),
            ("2026-Q3", -1)
        );
        assert_eq!(quarter[0].country, "guinea");
        let rounds: Vec<(Option<&str>, i16)> = cells
            .iter()
            .filter(|c| c.frequency == Frequency::Yearly && c.axis == "round")
            .map(|c| (c.group.as_deref(), c.bucket))
            .collect();
        assert_eq!(
            rounds,
            vec![
                (Some("baseline"), 6),
                (Some("second"), 12),
                (Some("third"), -1)
            ]
        );
        let none: Vec<&Cell> = cells.iter().filter(|c| c.axis == "assistance").collect();
        assert!(none.iter().all(|c| c.group.as_deref() == Some("none")));
    }

    fn computation(population: &[&str], numerator: &[&str]) -> Computation {
        let parse = |l: &[&str]| l.iter().map(|c| parse_condition(c).unwrap()).collect();
        Computation {
            source: Source::Surveys,
            population: parse(population),
            numerator: parse(numerator),
            frequency: Frequency::Quarterly,
        }
    }

    #[test]
    fn plans_read_conditions_from_one_breakdown() {
        let p = TallyPlan::for_indicator(&computation(&["composite >= 0.5"], &[]), None).unwrap();
        assert_eq!(p.carrier, ALL);
        assert_eq!(p.counts(None, 10), (true, true));
        assert_eq!(p.counts(None, 9), (false, false));

        let p = TallyPlan::for_indicator(
            &computation(&["sex = female"], &["composite >= 0.65"]),
            Some(Axis::Sex),
        )
        .unwrap();
        assert_eq!(p.carrier, "sex");
        assert_eq!(p.counts(Some("female"), 13), (true, true));
        assert_eq!(p.counts(Some("female"), 12), (true, false));
        assert_eq!(p.counts(Some("male"), 20), (false, false));

        let p = TallyPlan::for_indicator(&computation(&["vulnerable = true"], &[]), None).unwrap();
        assert_eq!(p.counts(Some("yes"), -1), (true, true));
        assert_eq!(p.counts(Some("no"), 5), (false, false));

        for (population, numerator, axis) in [
            (vec!["composite >= 0.33"], vec![], None),
            (vec!["economic >= 0.5"], vec![], None),
            (vec!["composite < 0.5"], vec![], None),
            (vec!["sex = female"], vec![], Some(Axis::Province)),
            (vec!["round in baseline, second"], vec![], None),
            (vec![], vec!["round = second"], None),
        ] {
            assert!(
                TallyPlan::for_indicator(&computation(&population, &numerator), axis).is_err(),
                "{population:?} {numerator:?} {axis:?}"
            );
        }
        let mut cases = computation(&[], &[]);
        cases.source = Source::Cases;
        assert!(TallyPlan::for_indicator(&cases, None).is_err());
        // One round as the population is read from that round's cells.
        let p = TallyPlan::for_indicator(&computation(&["round = second"], &[]), None).unwrap();
        assert_eq!(p.carrier, "round");
        assert_eq!(p.counts(Some("second"), -1), (true, true));
        assert_eq!(p.counts(Some("baseline"), 20), (false, false));
    }
}
