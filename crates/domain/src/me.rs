//! Monitoring and evaluation arithmetic (Module 5): reporting periods, age bands, the axes a
//! figure is broken down by, indicators defined as data, and what is done with their figures —
//! ratios, progress from baseline to target, and suppression of small cells.
//!
//! This is the foundation of the results framework (issue #9); the store computes the counts
//! these rules turn into figures.

use serde::{Deserialize, Serialize};
use time::{Date, Month};
use utoipa::ToSchema;

use crate::case::named_enum;
use crate::validation::ValidationErrors;

named_enum!(
    /// How often an indicator is reported.
    Frequency {
        Monthly = "monthly",
        Quarterly = "quarterly",
        Yearly = "yearly",
    }
);

/// A reporting period: a calendar month, quarter or year.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Period {
    pub frequency: Frequency,
    /// Its first day.
    pub start: Date,
}

fn first_of(year: i32, month: u8) -> Date {
    // Month 1–12 and day 1 always make a date in the supported range of years.
    Date::from_calendar_date(year, Month::try_from(month).unwrap_or(Month::January), 1)
        .unwrap_or(Date::MIN)
}

impl Period {
    /// The period of this frequency a date falls in.
    pub fn containing(frequency: Frequency, d: Date) -> Period {
        let month = u8::from(d.month());
        let start = match frequency {
            Frequency::Monthly => first_of(d.year(), month),
            Frequency::Quarterly => first_of(d.year(), (month - 1) / 3 * 3 + 1),
            Frequency::Yearly => first_of(d.year(), 1),
        };
        Period { frequency, start }
    }

    fn months(self) -> u8 {
        match self.frequency {
            Frequency::Monthly => 1,
            Frequency::Quarterly => 3,
            Frequency::Yearly => 12,
        }
    }

    pub fn next(self) -> Period {
        let total = self.start.year() * 12 + i32::from(u8::from(self.start.month())) - 1
            + i32::from(self.months());
        let year = total.div_euclid(12);
        let month = u8::try_from(total.rem_euclid(12) + 1).unwrap_or(1);
        Period {
            frequency: self.frequency,
            start: first_of(year, month),
        }
    }

    /// Its last day.
    pub fn end(self) -> Date {
        self.next().start.previous_day().unwrap_or(self.start)
    }

    pub fn contains(self, d: Date) -> bool {
        self.start <= d && d <= self.end()
    }

    /// `2026-03`, `2026-Q1` or `2026`.
    pub fn label(self) -> String {
        let y = self.start.year();
        let m = u8::from(self.start.month());
        match self.frequency {
            Frequency::Monthly => format!("{y}-{m:02}"),
            Frequency::Quarterly => format!("{y}-Q{}", (m - 1) / 3 + 1),
            Frequency::Yearly => format!("{y}"),
        }
    }

    /// Reads a label made by [`Period::label`].
    pub fn parse(label: &str) -> Option<Period> {
        let label = label.trim();
        let year = |s: &str| s.parse::<i32>().ok().filter(|y| (1900..=9999).contains(y));
        if let Some((y, q)) = label.split_once("-Q") {
            let q: u8 = q.parse().ok().filter(|q| (1..=4).contains(q))?;
            return Some(Period {
                frequency: Frequency::Quarterly,
                start: first_of(year(y)?, (q - 1) * 3 + 1),
            });
        }
        if let Some((y, m)) = label.split_once('-') {
            let m: u8 = m.parse().ok().filter(|m| (1..=12).contains(m))?;
            return Some(Period {
                frequency: Frequency::Monthly,
                start: first_of(year(y)?, m),
            });
        }
        Some(Period {
            frequency: Frequency::Yearly,
            start: first_of(year(label)?, 1),
        })
    }

    /// Every period of a frequency from the one containing `from` to the one containing `to`.
    pub fn between(frequency: Frequency, from: Date, to: Date) -> Vec<Period> {
        let mut out = Vec::new();
        if to < from {
            return out;
        }
        let mut p = Period::containing(frequency, from);
        while p.start <= to {
            out.push(p);
            p = p.next();
        }
        out
    }
}

/// Age bands for disaggregation, as the lower bound of each band. The handbook defines none;
/// the default is Reintegra's choice and a programme setting.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AgeBands {
    pub lower_bounds: Vec<u16>,
}

impl Default for AgeBands {
    fn default() -> Self {
        AgeBands {
            lower_bounds: vec![0, 18, 25, 35, 45, 60],
        }
    }
}

impl AgeBands {
    pub fn validate(&self) -> ValidationErrors {
        let mut e = ValidationErrors::new();
        let b = &self.lower_bounds;
        if b.first() != Some(&0) || b.windows(2).any(|w| w[0] >= w[1]) || b.len() > 20 {
            e.add("age_bands", "error-age-bands");
        }
        e
    }

    /// The band of an age, labelled `18–24`, `60+`; `None` when the age is not known.
    pub fn band(&self, age: Option<u16>) -> Option<String> {
        let age = age?;
        let i = self.lower_bounds.iter().rposition(|b| *b <= age)?;
        Some(match self.lower_bounds.get(i + 1) {
            Some(next) => format!("{}–{}", self.lower_bounds[i], next - 1),
            None => format!("{}+", self.lower_bounds[i]),
        })
    }
}

named_enum!(
    /// What a figure can be broken down by: the handbook's analysis variables (Module 5) and the
    /// ones its examples use.
    Axis {
        Sex = "sex",
        AgeBand = "age_band",
        Vulnerability = "vulnerability",
        HostCountry = "host_country",
        ReturnCountry = "return_country",
        Province = "province",
        ReturnMode = "return_mode",
        Absence = "absence",
        SameCommunity = "same_community",
        Assistance = "assistance",
        Round = "round",
        Cohort = "cohort",
    }
);

/// Length-of-absence bands (months), Reintegra's choice: under a year, 1–2 years, 2–5 years,
/// 5 years or more.
pub fn absence_band(months: Option<u32>) -> Option<&'static str> {
    Some(match months? {
        0..=11 => "under_1_year",
        12..=23 => "1_2_years",
        24..=59 => "2_5_years",
        _ => "5_years_or_more",
    })
}

named_enum!(
    /// Where a computed indicator's records come from.
    Source {
        Cases = "cases",
        Surveys = "surveys",
        Referrals = "referrals",
        Participants = "participants",
        Satisfaction = "satisfaction",
        Stakeholders = "stakeholders",
        Trainees = "trainees",
    }
);

named_enum!(
    Unit {
        Count = "count",
        Percentage = "percentage",
        /// Qualitative or structural: reported by hand, with evidence.
        Reported = "reported",
    }
);

named_enum!(
    /// How a field of a source compares.
    FieldKind {
        /// A score between 0 and 1, compared as a number.
        Score = "score",
        /// A named value (sex, status…).
        Named = "named",
        /// `true` or `false`.
        Flag = "flag",
    }
);

impl Source {
    /// The fields an indicator may put conditions on, by source.
    pub fn fields(self) -> &'static [(&'static str, FieldKind)] {
        use FieldKind::*;
        const PERSON: [(&str, FieldKind); 7] = [
            ("sex", Named),
            ("return_type", Named),
            ("province", Named),
            ("return_country", Named),
            ("host_country", Named),
            ("vulnerable", Flag),
            ("same_community", Flag),
        ];
        match self {
            Source::Surveys => &[
                ("composite", Score),
                ("economic", Score),
                ("social", Score),
                ("psychosocial", Score),
                ("round", Named),
                ("low_accuracy", Flag),
                ("sex", Named),
                ("return_type", Named),
                ("province", Named),
                ("return_country", Named),
                ("host_country", Named),
                ("vulnerable", Flag),
                ("same_community", Flag),
            ],
            Source::Cases => {
                const CASES: [(&str, FieldKind); 8] = [
                    ("stage", Named),
                    PERSON[0],
                    PERSON[1],
                    PERSON[2],
                    PERSON[3],
                    PERSON[4],
                    PERSON[5],
                    PERSON[6],
                ];
                &CASES
            }
            Source::Referrals => &[("status", Named), ("category", Named), ("dimension", Named)],
            Source::Participants => &[("kind", Named), ("role", Named), ("sex", Named)],
            Source::Satisfaction => &[("respondent", Named), ("satisfaction", Named)],
            Source::Stakeholders => &[("measured", Flag), ("more_engaged", Flag)],
            Source::Trainees => &[
                ("sex", Named),
                ("activity", Named),
                ("tested", Flag),
                ("improved", Flag),
            ],
        }
    }

    /// Axes the source's records carry.
    pub fn axes(self) -> &'static [Axis] {
        use Axis::*;
        match self {
            Source::Surveys => &[
                Sex,
                AgeBand,
                Vulnerability,
                HostCountry,
                ReturnCountry,
                Province,
                ReturnMode,
                Absence,
                SameCommunity,
                Round,
                Cohort,
                Assistance,
            ],
            Source::Cases => &[
                Sex,
                AgeBand,
                Vulnerability,
                HostCountry,
                ReturnCountry,
                Province,
                ReturnMode,
                Absence,
                SameCommunity,
                Cohort,
                Assistance,
            ],
            Source::Referrals => &[Sex, AgeBand, Vulnerability, Province, ReturnMode],
            // Counted outside the database, overall only.
            Source::Participants
            | Source::Satisfaction
            | Source::Stakeholders
            | Source::Trainees => &[],
        }
    }
}

impl Computation {
    /// Every condition names a field of the source with a value of its kind, and breakdowns are
    /// by axes the source carries.
    pub fn validate(&self, axes: &[Axis]) -> ValidationErrors {
        let mut e = ValidationErrors::new();
        let fields = self.source.fields();
        for (list, name) in [
            (&self.population, "population"),
            (&self.numerator, "numerator"),
        ] {
            for c in list {
                match fields.iter().find(|(f, _)| *f == c.field) {
                    None => e.add(name, "error-indicator-field"),
                    Some((_, FieldKind::Score)) => {
                        if c.value
                            .trim()
                            .parse::<f64>()
                            .map_or(true, |v| !(0.0..=1.0).contains(&v))
                            || c.op == Op::OneOf
                        {
                            e.add(name, "error-indicator-value");
                        }
                    }
                    Some((_, FieldKind::Flag)) => {
                        if !matches!(c.value.as_str(), "true" | "false") || c.op != Op::Equals {
                            e.add(name, "error-indicator-value");
                        }
                    }
                    Some((_, FieldKind::Named)) => {
                        if matches!(c.op, Op::AtLeast | Op::Above | Op::AtMost | Op::Below)
                            || c.value.trim().is_empty()
                        {
                            e.add(name, "error-indicator-value");
                        }
                    }
                }
            }
        }
        if axes.iter().any(|a| !self.source.axes().contains(a)) {
            e.add("axes", "error-indicator-axis");
        }
        e
    }
}

/// One condition on a source's records: a named field (see [`Source::fields`]) compared with a
/// value. `one_of` takes values separated by commas.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Condition {
    pub field: String,
    pub op: Op,
    pub value: String,
}

named_enum!(
    Op {
        Equals = "equals",
        AtLeast = "at_least",
        Above = "above",
        AtMost = "at_most",
        Below = "below",
        OneOf = "one_of",
    }
);

/// A computed indicator: over which records, counted or as a share, per period.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Computation {
    pub source: Source,
    /// Who is counted at all (the denominator of a percentage).
    #[serde(default)]
    pub population: Vec<Condition>,
    /// For a percentage: who, among them, meets the indicator (the numerator).
    #[serde(default)]
    pub numerator: Vec<Condition>,
    pub frequency: Frequency,
}

/// The handbook's example indicators (Module 5, Table 5.4 and the text around it), ready to use.
pub fn handbook_indicators() -> Vec<(&'static str, Unit, Computation, Vec<Axis>)> {
    let c = |field: &str, op: Op, value: &str| Condition {
        field: field.into(),
        op,
        value: value.into(),
    };
    vec![
        (
            "returnees_composite_at_least_half",
            Unit::Count,
            Computation {
                source: Source::Surveys,
                population: vec![c("composite", Op::AtLeast, "0.5")],
                numerator: vec![],
                frequency: Frequency::Quarterly,
            },
            vec![Axis::Sex, Axis::AgeBand, Axis::Vulnerability],
        ),
        (
            "community_members_satisfied",
            Unit::Percentage,
            Computation {
                source: Source::Satisfaction,
                population: vec![c(
                    "respondent",
                    Op::OneOf,
                    "community_member,family_member,local_leader",
                )],
                numerator: vec![c("satisfaction", Op::OneOf, "satisfied,very_satisfied")],
                frequency: Frequency::Quarterly,
            },
            vec![],
        ),
        (
            "stakeholders_more_engaged",
            Unit::Percentage,
            Computation {
                source: Source::Stakeholders,
                population: vec![c("measured", Op::Equals, "true")],
                numerator: vec![c("more_engaged", Op::Equals, "true")],
                frequency: Frequency::Yearly,
            },
            vec![],
        ),
        (
            "psychosocial_referrals",
            Unit::Count,
            Computation {
                source: Source::Referrals,
                population: vec![
                    c("dimension", Op::Equals, "psychosocial"),
                    c("status", Op::OneOf, "sent,accepted,started,completed"),
                ],
                numerator: vec![],
                frequency: Frequency::Monthly,
            },
            vec![],
        ),
    ]
}

/// A figure: how many records were counted, and for a percentage how many met the indicator.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct Tally {
    pub population: u64,
    pub numerator: u64,
}

impl Tally {
    /// The value in the indicator's unit: the count, or the percentage (one decimal); `None` for
    /// a percentage of nobody.
    pub fn value(&self, unit: Unit) -> Option<f64> {
        match unit {
            Unit::Count => Some(self.population as f64),
            Unit::Percentage => (self.population > 0)
                .then(|| (self.numerator as f64 * 1000.0 / self.population as f64).round() / 10.0),
            Unit::Reported => None,
        }
    }
}

/// How far the actual value has come from the baseline towards the target, in per cent (may be
/// negative or above 100). The handbook defines no formula; this is the usual one. `None` when
/// target and baseline are equal.
pub fn progress(baseline: f64, target: f64, actual: f64) -> Option<f64> {
    let span = target - baseline;
    (span.abs() > f64::EPSILON).then(|| ((actual - baseline) / span * 1000.0).round() / 10.0)
}

/// Hides the cells of one split (the groups of a breakdown in one period, the bars of a chart)
/// that describe fewer than `threshold` people, and — when only one would be hidden — the next
/// smallest too, so that a hidden cell cannot be worked out from the total and the others.
/// Returns, per cell, whether it is hidden.
pub fn suppress_split(counts: &[u64], threshold: Option<u64>) -> Vec<bool> {
    let Some(th) = threshold else {
        return vec![false; counts.len()];
    };
    let mut hidden: Vec<bool> = counts.iter().map(|n| *n > 0 && *n < th).collect();
    if hidden.iter().filter(|h| **h).count() == 1
        && let Some((i, _)) = counts
            .iter()
            .enumerate()
            .filter(|(i, n)| !hidden[*i] && **n > 0)
            .min_by_key(|(_, n)| **n)
    {
        hidden[i] = true;
    }
    hidden
}

/// A cell as a reader may see it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Shown {
    Tally(Tally),
    /// Describes fewer people than the threshold: hidden.
    Suppressed,
}

/// Hides cells describing fewer people than `threshold` (viewers: 5), so that nobody can be
/// singled out; a percentage is hidden when its population or its numerator is small, unless
/// the numerator is zero. `None`: shown as is (staff who may see the records anyway).
pub fn suppress(t: Tally, threshold: Option<u64>) -> Shown {
    match threshold {
        Some(th)
            if (t.population > 0 && t.population < th)
                || (t.numerator > 0 && t.numerator < th)
                || (t.numerator > 0
                    && t.population - t.numerator > 0
                    && t.population - t.numerator < th) =>
        {
            Shown::Suppressed
        }
        _ => Shown::Tally(t),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn conditions_round_trip_through_their_lines() {
        for (_, _, c, _) in handbook_indicators() {
            for cond in c.population.iter().chain(&c.numerator) {
                assert_eq!(parse_condition(&cond.to_line()).as_ref(), Some(cond));
            }
        }
    }

    #[test]
    fn indicator_conditions_are_read_from_lines() {
        assert_eq!(
            parse_condition("composite >= 0.5"),
            Some(Condition {
                field: "composite".into(),
                op: Op::AtLeast,
                value: "0.5".into()
            })
        );
        assert_eq!(
            parse_condition("status in sent, accepted").map(|c| (c.op, c.value)),
            Some((Op::OneOf, "sent,accepted".into()))
        );
        assert_eq!(
            parse_condition("sex = female").map(|c| c.op),
            Some(Op::Equals)
        );
        assert_eq!(parse_condition("nonsense"), None);
        let mut i = Indicator {
            statement: "Returnees with a composite score of 0.5 or more".into(),
            unit: Unit::Percentage,
            source: Some(Source::Surveys),
            counted: vec!["round = final".into()],
            numerator: vec!["composite >= 0.5".into()],
            frequency: Frequency::Quarterly,
            axes: vec![Axis::Sex],
            data_source: String::new(),
            analysis: None,
            responsible: String::new(),
            baseline: Some(0.0),
            target: Some(60.0),
            reported: vec![],
        };
        assert!(i.validate().is_empty());
        let c = i.computation().unwrap().unwrap();
        assert_eq!(c.numerator[0].op, Op::AtLeast);
        i.numerator = vec!["composite is high".into()];
        assert_eq!(
            i.validate().for_field("numerator"),
            Some("error-indicator-condition")
        );
        i.numerator = vec![];
        assert_eq!(i.validate().for_field("numerator"), Some("error-required"));
        i.unit = Unit::Reported;
        assert_eq!(
            i.validate().for_field("source"),
            Some("error-indicator-reported")
        );
    }

    #[test]
    fn periods_have_calendar_boundaries() {
        let q = Period::containing(Frequency::Quarterly, date!(2026 - 05 - 31));
        assert_eq!(q.start, date!(2026 - 04 - 01));
        assert_eq!(q.end(), date!(2026 - 06 - 30));
        assert_eq!(q.label(), "2026-Q2");
        assert!(q.contains(date!(2026 - 06 - 30)) && !q.contains(date!(2026 - 07 - 01)));
        let m = Period::containing(Frequency::Monthly, date!(2028 - 02 - 10));
        assert_eq!(m.end(), date!(2028 - 02 - 29), "leap year");
        let dec = Period::containing(Frequency::Monthly, date!(2026 - 12 - 05));
        assert_eq!(dec.next().label(), "2027-01");
        assert_eq!(
            Period::containing(Frequency::Quarterly, date!(2026 - 11 - 23))
                .next()
                .label(),
            "2027-Q1"
        );
        let y = Period::containing(Frequency::Yearly, date!(2026 - 07 - 01));
        assert_eq!(
            (y.start, y.end()),
            (date!(2026 - 01 - 01), date!(2026 - 12 - 31))
        );
        for p in [q, m, dec, y] {
            assert_eq!(Period::parse(&p.label()), Some(p));
        }
        assert_eq!(Period::parse("2026-Q5"), None);
        assert_eq!(Period::parse("2026-13"), None);
        let months = Period::between(
            Frequency::Monthly,
            date!(2026 - 11 - 30),
            date!(2027 - 02 - 01),
        );
        let labels: Vec<String> = months.iter().map(|p| p.label()).collect();
        assert_eq!(labels, ["2026-11", "2026-12", "2027-01", "2027-02"]);
        assert!(
            Period::between(
                Frequency::Monthly,
                date!(2027 - 01 - 01),
                date!(2026 - 01 - 01)
            )
            .is_empty()
        );
    }

    #[test]
    fn age_bands_are_configurable() {
        let b = AgeBands::default();
        assert_eq!(b.band(Some(17)).as_deref(), Some("0–17"));
        assert_eq!(b.band(Some(18)).as_deref(), Some("18–24"));
        assert_eq!(b.band(Some(60)).as_deref(), Some("60+"));
        assert_eq!(b.band(None), None);
        assert!(b.validate().is_empty());
        let bad = AgeBands {
            lower_bounds: vec![0, 30, 20],
        };
        assert_eq!(
            bad.validate().for_field("age_bands"),
            Some("error-age-bands")
        );
        assert_eq!(absence_band(Some(30)), Some("2_5_years"));
    }

    #[test]
    fn figures_progress_and_suppression() {
        let t = Tally {
            population: 8,
            numerator: 3,
        };
        assert_eq!(t.value(Unit::Count), Some(8.0));
        assert_eq!(t.value(Unit::Percentage), Some(37.5));
        assert_eq!(Tally::default().value(Unit::Percentage), None);
        assert_eq!(progress(0.0, 50.0, 37.5), Some(75.0));
        assert_eq!(
            progress(20.0, 10.0, 15.0),
            Some(50.0),
            "a target below the baseline"
        );
        assert_eq!(progress(5.0, 5.0, 7.0), None);
        assert_eq!(suppress(t, None), Shown::Tally(t));
        assert_eq!(suppress(t, Some(5)), Shown::Suppressed, "3 people meet it");
        let zero = Tally {
            population: 12,
            numerator: 0,
        };
        assert_eq!(suppress(zero, Some(5)), Shown::Tally(zero));
        let empty = Tally::default();
        assert_eq!(suppress(empty, Some(5)), Shown::Tally(empty));
        assert_eq!(
            suppress(
                Tally {
                    population: 15,
                    numerator: 14
                },
                Some(5)
            ),
            Shown::Suppressed,
            "one person did not meet it"
        );
        assert_eq!(
            suppress_split(&[9, 3, 0], Some(5)),
            [true, true, false],
            "9 hidden too"
        );
        assert_eq!(suppress_split(&[9, 3, 2], Some(5)), [false, true, true]);
        assert_eq!(suppress_split(&[9, 7], Some(5)), [false, false]);
        assert_eq!(suppress_split(&[9, 3], None), [false, false]);
        assert_eq!(
            suppress(
                Tally {
                    population: 4,
                    numerator: 0
                },
                Some(5)
            ),
            Shown::Suppressed
        );
    }

    #[test]
    fn the_handbook_examples_are_defined() {
        let all = handbook_indicators();
        assert_eq!(all.len(), 4);
        let (_, unit, c, axes) = &all[0];
        assert_eq!(*unit, Unit::Count);
        assert_eq!(c.population[0].value, "0.5");
        assert_eq!(axes, &[Axis::Sex, Axis::AgeBand, Axis::Vulnerability]);
        assert_eq!(all[3].2.frequency, Frequency::Monthly);
        for (key, _, c, axes) in &all {
            assert!(c.validate(axes).is_empty(), "{key}");
        }
    }

    #[test]
    fn an_indicator_names_only_fields_and_axes_of_its_source() {
        let mut c = handbook_indicators().remove(0).2;
        c.population.push(Condition {
            field: "salary".into(),
            op: Op::Equals,
            value: "x".into(),
        });
        assert_eq!(
            c.validate(&[]).for_field("population"),
            Some("error-indicator-field")
        );
        let mut c = handbook_indicators().remove(0).2;
        c.population[0].value = "1.5".into();
        assert_eq!(
            c.validate(&[]).for_field("population"),
            Some("error-indicator-value")
        );
        let c = handbook_indicators().remove(3).2;
        assert_eq!(
            c.validate(&[Axis::Round]).for_field("axes"),
            Some("error-indicator-axis")
        );
    }
}

// ---------------------------------------------------------------------------------------------
// The results framework (Tables 5.2–5.4)

/// A programme, as the results framework sees it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Programme {
    pub name: String,
    pub objective: String,
    #[serde(with = "crate::case::date")]
    #[schema(value_type = String, format = Date)]
    pub start: Date,
    #[serde(default, with = "crate::case::opt_date")]
    #[schema(value_type = Option<String>, format = Date)]
    pub end: Option<Date>,
    #[serde(default)]
    pub countries: Vec<String>,
    /// Office codes.
    #[serde(default)]
    pub offices: Vec<String>,
    #[serde(default)]
    pub donors: Vec<String>,
    /// The lower bound of each age band its figures are broken down by, as typed
    /// ("0, 18, 25, 35, 45, 60"); empty for Reintegra's default.
    #[serde(default)]
    pub age_bands: String,
}

impl AgeBands {
    /// Reads bands typed as lower bounds separated by commas or spaces; `None` when a bound is
    /// not a whole number or the bands do not start at 0 and rise.
    pub fn parse(text: &str) -> Option<AgeBands> {
        let lower_bounds = text
            .split([',', ' ', ';'])
            .filter(|t| !t.trim().is_empty())
            .map(|t| t.trim().parse::<u16>().ok())
            .collect::<Option<Vec<u16>>>()?;
        let bands = AgeBands { lower_bounds };
        bands.validate().is_empty().then_some(bands)
    }
}

impl Programme {
    /// The programme's age bands, or Reintegra's default when none are set.
    pub fn bands(&self) -> AgeBands {
        AgeBands::parse(&self.age_bands).unwrap_or_default()
    }

    pub fn validate(&self) -> ValidationErrors {
        let mut e = ValidationErrors::new();
        if !self.age_bands.trim().is_empty() && AgeBands::parse(&self.age_bands).is_none() {
            e.add("age_bands", "error-age-bands");
        }
        crate::community::check_text(
            &mut e,
            "name",
            &self.name,
            true,
            crate::case::MAX_SHORT_TEXT,
        );
        crate::community::check_text(
            &mut e,
            "objective",
            &self.objective,
            true,
            crate::case::MAX_LONG_TEXT,
        );
        crate::community::check_order(&mut e, "end", Some(self.start), self.end);
        if self.start.year() < 1900 {
            e.add("start", "error-date-format");
        }
        e
    }
}

named_enum!(
    /// Levels of a theory of change (Table 5.2); the top one is the objective of a logframe.
    ResultLevel {
        Input = "input",
        Activity = "activity",
        Output = "output",
        Outcome = "outcome",
        Impact = "impact",
    }
);

named_enum!(
    InterventionLevel {
        Individual = "individual",
        Community = "community",
        Structural = "structural",
    }
);

/// A result of the programme's theory of change; the programme is the record it belongs to.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ResultStatement {
    pub level: ResultLevel,
    pub statement: String,
    #[serde(default)]
    pub intervention: Option<InterventionLevel>,
    /// Assumptions on the way to the next level, one per line.
    #[serde(default)]
    pub assumptions: Vec<String>,
}

impl ResultStatement {
    pub fn validate(&self) -> ValidationErrors {
        let mut e = ValidationErrors::new();
        crate::community::check_text(
            &mut e,
            "statement",
            &self.statement,
            true,
            crate::case::MAX_LONG_TEXT,
        );
        crate::community::check_lines(&mut e, "assumptions", &self.assumptions, 20);
        e
    }
}

named_enum!(
    Analysis {
        Quantitative = "quantitative",
        Qualitative = "qualitative",
        Both = "both",
    }
);

/// A value reported by hand for a period (qualitative or structural indicators), with its
/// evidence.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ReportedValue {
    pub id: uuid::Uuid,
    pub period: String,
    pub value: f64,
    #[serde(default)]
    pub evidence: String,
}

/// An indicator of a result (Table 5.4), computed from the records or reported by hand.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Indicator {
    pub statement: String,
    pub unit: Unit,
    /// `None` for an indicator reported by hand.
    #[serde(default)]
    pub source: Option<Source>,
    /// Conditions on who is counted, one per line (`composite >= 0.5`, `sex = female`,
    /// `status in sent, accepted`).
    #[serde(default)]
    pub counted: Vec<String>,
    /// For a percentage: conditions on who meets the indicator among them.
    #[serde(default)]
    pub numerator: Vec<String>,
    pub frequency: Frequency,
    #[serde(default)]
    pub axes: Vec<Axis>,
    #[serde(default)]
    pub data_source: String,
    #[serde(default)]
    pub analysis: Option<Analysis>,
    #[serde(default)]
    pub responsible: String,
    #[serde(default)]
    pub baseline: Option<f64>,
    #[serde(default)]
    pub target: Option<f64>,
    #[serde(default)]
    pub reported: Vec<ReportedValue>,
}

/// Reads one condition line: `field op value`, with `>=`, `<`, `=` or `in` (values separated by
/// commas).
pub fn parse_condition(line: &str) -> Option<Condition> {
    let line = line.trim();
    for (token, op) in [
        (">=", Op::AtLeast),
        ("<=", Op::AtMost),
        (">", Op::Above),
        ("<", Op::Below),
        (" in ", Op::OneOf),
        ("=", Op::Equals),
    ] {
        if let Some((field, value)) = line.split_once(token) {
            let field = field.trim();
            let value = value.trim();
            if field.is_empty() || value.is_empty() || field.contains(' ') {
                return None;
            }
            return Some(Condition {
                field: field.to_string(),
                op,
                value: value
                    .split(',')
                    .map(str::trim)
                    .collect::<Vec<_>>()
                    .join(","),
            });
        }
    }
    None
}

impl Indicator {
    /// The computation, read from the condition lines; `None` for an indicator reported by hand.
    pub fn computation(&self) -> Result<Option<Computation>, ValidationErrors> {
        let Some(source) = self.source else {
            return Ok(None);
        };
        let mut e = ValidationErrors::new();
        let mut read = |lines: &[String], field: &str| -> Vec<Condition> {
            lines
                .iter()
                .filter(|l| !l.trim().is_empty())
                .filter_map(|l| {
                    let c = parse_condition(l);
                    if c.is_none() {
                        e.add(field, "error-indicator-condition");
                    }
                    c
                })
                .collect()
        };
        let c = Computation {
            source,
            population: read(&self.counted, "counted"),
            numerator: read(&self.numerator, "numerator"),
            frequency: self.frequency,
        };
        let mut checked = c.validate(&self.axes);
        // The form names the counted conditions `counted`.
        for f in &mut checked.0 {
            if f.field == "population" {
                f.field = "counted".into();
            }
        }
        e.merge(checked);
        if self.unit == Unit::Percentage && c.numerator.is_empty() {
            e.add("numerator", "error-required");
        }
        e.into_result(Some(c))
    }

    pub fn validate(&self) -> ValidationErrors {
        let mut e = ValidationErrors::new();
        crate::community::check_text(
            &mut e,
            "statement",
            &self.statement,
            true,
            crate::case::MAX_LONG_TEXT,
        );
        match (self.unit, self.source) {
            (Unit::Reported, Some(_)) => e.add("source", "error-indicator-reported"),
            (Unit::Count | Unit::Percentage, None) if !self.counted.is_empty() => {
                e.add("source", "error-required")
            }
            _ => {}
        }
        if let Err(c) = self.computation() {
            e.merge(c);
        }
        for r in &self.reported {
            if Period::parse(&r.period).is_none_or(|p| p.frequency != self.frequency) {
                e.add("period", "error-period");
            }
        }
        e
    }

    /// Reported periods written the one way labels are (`2026-3` → `2026-03`).
    pub fn normalised(mut self) -> Self {
        for r in &mut self.reported {
            if let Some(p) = Period::parse(&r.period) {
                r.period = p.label();
            }
        }
        self
    }

    /// The value reported by hand for a period, if any.
    pub fn reported_for(&self, period: &str) -> Option<&ReportedValue> {
        self.reported.iter().rev().find(|r| r.period == period)
    }
}

// ---------------------------------------------------------------------------------------------
// Evaluations and learning (§5.4, Annex 4.C–D)

named_enum!(
    EvaluationTiming {
        ExAnte = "ex_ante",
        RealTime = "real_time",
        Midterm = "midterm",
        Final = "final",
        ExPost = "ex_post",
        Impact = "impact",
    }
);

named_enum!(
    Conductor {
        Internal = "internal",
        IndependentInternal = "independent_internal",
        SelfEvaluation = "self_evaluation",
        External = "external",
        Mixed = "mixed",
    }
);

named_enum!(
    EvaluationCriterion {
        Relevance = "relevance",
        Efficiency = "efficiency",
        Effectiveness = "effectiveness",
        Impact = "impact",
        Sustainability = "sustainability",
    }
);

named_enum!(
    /// The three parts of the Annex 4.D checklist.
    CheckStage {
        Preparation = "preparation",
        TermsOfReference = "terms_of_reference",
        Managing = "managing",
    }
);

named_enum!(
    /// The points of the evaluation checklist (Annex 4.D), in its order.
    EvaluationCheck {
        ObjectiveDefined = "objective_defined",
        ScopeDefined = "scope_defined",
        EvaluatorAndBudgetDecided = "evaluator_and_budget_decided",
        MethodsDefined = "methods_defined",
        TorDrafted = "tor_drafted",
        TorBackground = "tor_background",
        TorObjectives = "tor_objectives",
        TorMethodology = "tor_methodology",
        TorRoles = "tor_roles",
        TorBudget = "tor_budget",
        TorTeam = "tor_team",
        TorDeliverables = "tor_deliverables",
        TorSchedule = "tor_schedule",
        TorCrossCutting = "tor_cross_cutting",
        TorDataProtection = "tor_data_protection",
        TorEthicsVulnerable = "tor_ethics_vulnerable",
        TorUneg = "tor_uneg",
        EvaluatorSelected = "evaluator_selected",
        ConfidentialitySigned = "confidentiality_signed",
        PreparatoryWorkshop = "preparatory_workshop",
        EvaluatorIntroduced = "evaluator_introduced",
        EvaluatorAssisted = "evaluator_assisted",
        FollowUpMeetings = "follow_up_meetings",
        InterimReportShared = "interim_report_shared",
        FinalReportResponds = "final_report_responds",
        TeamInputOnReport = "team_input_on_report",
        QualityReview = "quality_review",
        FindingsReviewed = "findings_reviewed",
        DebriefingHeld = "debriefing_held",
        FollowUpAgreed = "follow_up_agreed",
    }
);

impl EvaluationCheck {
    pub fn stage(self) -> CheckStage {
        use EvaluationCheck::*;
        match self {
            ObjectiveDefined
            | ScopeDefined
            | EvaluatorAndBudgetDecided
            | MethodsDefined
            | TorDrafted => CheckStage::Preparation,
            TorBackground | TorObjectives | TorMethodology | TorRoles | TorBudget | TorTeam
            | TorDeliverables | TorSchedule | TorCrossCutting | TorDataProtection
            | TorEthicsVulnerable | TorUneg => CheckStage::TermsOfReference,
            _ => CheckStage::Managing,
        }
    }
}

named_enum!(
    CheckStatus {
        Open = "open",
        Done = "done",
        NotApplicable = "not_applicable",
    }
);

/// One point of the checklist as the evaluation manager marked it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CheckMark {
    pub item: EvaluationCheck,
    pub status: CheckStatus,
    #[serde(default, with = "crate::case::opt_date")]
    #[schema(value_type = Option<String>, format = Date)]
    pub on: Option<Date>,
    #[serde(default)]
    pub note: String,
}

/// One line of the workplan of the terms of reference (Annex 4.C's table).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct WorkplanActivity {
    pub task: String,
    #[serde(default)]
    pub work_days: Option<u32>,
    #[serde(default)]
    pub responsible: String,
    #[serde(default)]
    pub location: String,
}

named_enum!(
    ReportKind {
        Inception = "inception",
        InitialFindings = "initial_findings",
        Interim = "interim",
        Draft = "draft",
        Final = "final",
    }
);

/// A deliverable of the evaluation as received, and when it was accepted.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct EvaluationReport {
    pub kind: ReportKind,
    #[serde(with = "crate::case::date")]
    #[schema(value_type = String, format = Date)]
    pub received: Date,
    #[serde(default)]
    pub reference: String,
    #[serde(default, with = "crate::case::opt_date")]
    #[schema(value_type = Option<String>, format = Date)]
    pub accepted: Option<Date>,
}

/// An evaluation: its terms of reference in the sections of Annex 4.C, the Annex 4.D checklist,
/// the reports received, the management response and the follow-up actions tracked to done.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Evaluation {
    pub title: String,
    pub timing: EvaluationTiming,
    pub conductor: Conductor,
    #[serde(default)]
    pub criteria: Vec<EvaluationCriterion>,
    #[serde(default, with = "crate::case::opt_date")]
    #[schema(value_type = Option<String>, format = Date)]
    pub start: Option<Date>,
    #[serde(default, with = "crate::case::opt_date")]
    #[schema(value_type = Option<String>, format = Date)]
    pub end: Option<Date>,
    /// Who commissions the evaluation.
    #[serde(default)]
    pub commissioned_by: String,
    /// The project and its political, social, economic and legal setting.
    #[serde(default)]
    pub tor_context: String,
    /// Why now, for whom, and how the findings will be used.
    #[serde(default)]
    pub tor_purpose: String,
    /// The period, phases and places covered, and what is left out.
    #[serde(default)]
    pub tor_scope: String,
    /// The questions, grouped under the criteria.
    #[serde(default)]
    pub tor_questions: String,
    /// Data collection and analysis, cross-cutting themes, UNEG norms and ethics.
    #[serde(default)]
    pub tor_methodology: String,
    #[serde(default)]
    pub tor_deliverables: Vec<String>,
    #[serde(default)]
    pub workplan: Vec<WorkplanActivity>,
    #[serde(default)]
    pub tor_budget: String,
    /// Earlier records kept their terms of reference as one text.
    #[serde(default)]
    pub terms_of_reference: String,
    #[serde(default)]
    pub checklist: Vec<CheckMark>,
    #[serde(default)]
    pub reports: Vec<EvaluationReport>,
    #[serde(default)]
    pub findings: String,
    #[serde(default)]
    pub management_response: String,
    #[serde(default)]
    pub action_points: Vec<crate::structural::ActionPoint>,
}

/// The sections of Annex 4.C, in its order; the budget is optional there and is left out.
pub const TOR_SECTIONS: [&str; 9] = [
    "commissioned_by",
    "tor_context",
    "tor_purpose",
    "tor_scope",
    "criteria",
    "tor_questions",
    "tor_methodology",
    "tor_deliverables",
    "workplan",
];

impl Evaluation {
    /// The Annex 4.C sections not written yet, in the template's order.
    pub fn tor_missing(&self) -> Vec<&'static str> {
        let blank = |s: &str| s.trim().is_empty();
        TOR_SECTIONS
            .iter()
            .copied()
            .filter(|section| match *section {
                "commissioned_by" => blank(&self.commissioned_by),
                "tor_context" => blank(&self.tor_context),
                "tor_purpose" => blank(&self.tor_purpose),
                "tor_scope" => blank(&self.tor_scope),
                "criteria" => self.criteria.is_empty(),
                "tor_questions" => blank(&self.tor_questions),
                "tor_methodology" => blank(&self.tor_methodology),
                "tor_deliverables" => self.tor_deliverables.iter().all(|d| blank(d)),
                _ => self.workplan.is_empty(),
            })
            .collect()
    }

    pub fn mark(&self, item: EvaluationCheck) -> CheckStatus {
        self.checklist
            .iter()
            .find(|m| m.item == item)
            .map_or(CheckStatus::Open, |m| m.status)
    }

    /// Points done, and points that apply (all but those marked not applicable).
    pub fn checklist_progress(&self) -> (usize, usize) {
        let marks = EvaluationCheck::ALL.iter().map(|i| self.mark(*i));
        let done = marks.clone().filter(|m| *m == CheckStatus::Done).count();
        let applies = marks.filter(|m| *m != CheckStatus::NotApplicable).count();
        (done, applies)
    }

    /// The first point of the checklist still open, in its order.
    pub fn next_check(&self) -> Option<EvaluationCheck> {
        EvaluationCheck::ALL
            .iter()
            .copied()
            .find(|i| self.mark(*i) == CheckStatus::Open)
    }

    /// A final report has been accepted and management has not answered it yet.
    pub fn awaits_response(&self) -> bool {
        self.management_response.trim().is_empty()
            && self
                .reports
                .iter()
                .any(|r| r.kind == ReportKind::Final && r.accepted.is_some())
    }

    pub fn validate(&self) -> ValidationErrors {
        use crate::case::{MAX_LONG_TEXT, MAX_SHORT_TEXT};
        use crate::community::{check_order, check_text};
        let mut e = ValidationErrors::new();
        check_text(&mut e, "title", &self.title, true, MAX_SHORT_TEXT);
        check_text(
            &mut e,
            "commissioned_by",
            &self.commissioned_by,
            false,
            MAX_SHORT_TEXT,
        );
        for (f, v) in [
            ("tor_context", &self.tor_context),
            ("tor_purpose", &self.tor_purpose),
            ("tor_scope", &self.tor_scope),
            ("tor_questions", &self.tor_questions),
            ("tor_methodology", &self.tor_methodology),
            ("tor_budget", &self.tor_budget),
            ("terms_of_reference", &self.terms_of_reference),
            ("findings", &self.findings),
            ("management_response", &self.management_response),
        ] {
            check_text(&mut e, f, v, false, MAX_LONG_TEXT * 5);
        }
        for d in &self.tor_deliverables {
            check_text(&mut e, "tor_deliverables", d, false, MAX_SHORT_TEXT);
        }
        check_order(&mut e, "end", self.start, self.end);
        if self.workplan.len() > 200 || self.reports.len() > 200 {
            e.add("workplan", "error-too-many");
        }
        for w in &self.workplan {
            check_text(&mut e, "task", &w.task, true, MAX_SHORT_TEXT);
            check_text(&mut e, "responsible", &w.responsible, false, MAX_SHORT_TEXT);
            check_text(&mut e, "location", &w.location, false, MAX_SHORT_TEXT);
        }
        for r in &self.reports {
            check_text(&mut e, "reference", &r.reference, false, MAX_SHORT_TEXT);
            check_order(&mut e, "accepted", Some(r.received), r.accepted);
        }
        for m in &self.checklist {
            check_text(&mut e, "note", &m.note, false, MAX_SHORT_TEXT);
        }
        // The terms of reference count as drafted once every section of Annex 4.C is written.
        if self.mark(EvaluationCheck::TorDrafted) == CheckStatus::Done
            && !self.tor_missing().is_empty()
        {
            e.add("item", "error-tor-incomplete");
        }
        for a in &self.action_points {
            e.merge(a.validate());
        }
        e
    }
}

named_enum!(
    LessonSource {
        Monitoring = "monitoring",
        Evaluation = "evaluation",
        StoryOfChange = "story_of_change",
        Workshop = "workshop",
    }
);

/// A lesson learned, kept where a new programme's design can find it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Lesson {
    pub statement: String,
    pub source: LessonSource,
    #[serde(default)]
    pub evidence: String,
    #[serde(default)]
    pub tags: Vec<String>,
}

impl Lesson {
    pub fn validate(&self) -> ValidationErrors {
        let mut e = ValidationErrors::new();
        crate::community::check_text(
            &mut e,
            "statement",
            &self.statement,
            true,
            crate::case::MAX_LONG_TEXT,
        );
        crate::community::check_text(
            &mut e,
            "evidence",
            &self.evidence,
            false,
            crate::case::MAX_LONG_TEXT,
        );
        crate::community::check_lines(&mut e, "tags", &self.tags, 20);
        e
    }
}

impl Condition {
    /// The condition as a line of an indicator's form (the reverse of [`parse_condition`]).
    pub fn to_line(&self) -> String {
        let op = match self.op {
            Op::Equals => "=",
            Op::AtLeast => ">=",
            Op::Above => ">",
            Op::AtMost => "<=",
            Op::Below => "<",
            Op::OneOf => "in",
        };
        format!("{} {op} {}", self.field, self.value.replace(',', ", "))
    }

    /// Whether a record's value of the field meets the condition (records counted outside the
    /// database: participants, satisfaction answers, stakeholders).
    pub fn holds(&self, value: &str) -> bool {
        let number = |s: &str| s.trim().parse::<f64>().ok();
        match self.op {
            Op::Equals => value == self.value,
            Op::OneOf => self.value.split(',').any(|v| v.trim() == value),
            Op::AtLeast => {
                matches!((number(value), number(&self.value)), (Some(a), Some(b)) if a >= b)
            }
            Op::Above => {
                matches!((number(value), number(&self.value)), (Some(a), Some(b)) if a > b)
            }
            Op::AtMost => {
                matches!((number(value), number(&self.value)), (Some(a), Some(b)) if a <= b)
            }
            Op::Below => {
                matches!((number(value), number(&self.value)), (Some(a), Some(b)) if a < b)
            }
        }
    }
}

/// The groups of the type-of-assistance breakdown: the dimension of the services a returnee
/// was referred to, community projects, or none recorded.
pub const ASSISTANCE_KINDS: [&str; 5] = ["economic", "social", "psychosocial", "community", "none"];

/// The middle value (the mean of the two middle ones for an even count); `None` when empty.
pub fn median(values: &[f64]) -> Option<f64> {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let mid = v.len() / 2;
    Some(if v.len().is_multiple_of(2) {
        (v[mid - 1] + v[mid]) / 2.0
    } else {
        v[mid]
    })
}

/// A record counted outside the database: the date it counts on and its fields.
pub struct Record<'a> {
    pub date: Date,
    pub fields: Vec<(&'a str, String)>,
}

impl Record<'_> {
    fn meets(&self, conditions: &[Condition]) -> bool {
        conditions.iter().all(|c| {
            self.fields
                .iter()
                .find(|(f, _)| *f == c.field)
                .is_some_and(|(_, v)| c.holds(v))
        })
    }
}

/// Tallies records per period of the computation's frequency, between two dates.
pub fn tally_records(
    records: &[Record<'_>],
    c: &Computation,
    from: Date,
    to: Date,
) -> std::collections::BTreeMap<String, Tally> {
    let mut out = std::collections::BTreeMap::new();
    for r in records.iter().filter(|r| from <= r.date && r.date <= to) {
        if !r.meets(&c.population) {
            continue;
        }
        let t: &mut Tally = out
            .entry(Period::containing(c.frequency, r.date).label())
            .or_default();
        t.population += 1;
        t.numerator += u64::from(c.numerator.is_empty() || r.meets(&c.numerator));
    }
    out
}

#[cfg(test)]
mod record_tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn the_median_is_the_middle_value() {
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[3.0]), Some(3.0));
        assert_eq!(median(&[9.0, 1.0, 4.0]), Some(4.0));
        assert_eq!(median(&[1.0, 2.0, 4.0, 10.0]), Some(3.0));
        assert_eq!(median(&[f64::NAN, 2.0]), Some(2.0));
    }

    #[test]
    fn records_are_tallied_per_period_with_conditions() {
        let c = handbook_indicators().remove(1).2; // community members satisfied, quarterly
        let r = |d: Date, respondent: &str, s: &str| Record {
            date: d,
            fields: vec![
                ("respondent", respondent.into()),
                ("satisfaction", s.into()),
            ],
        };
        let records = [
            r(date!(2026 - 01 - 10), "community_member", "satisfied"),
            r(date!(2026 - 02 - 10), "community_member", "neutral"),
            r(date!(2026 - 03 - 10), "returnee", "very_satisfied"),
            r(date!(2026 - 04 - 10), "local_leader", "very_satisfied"),
            r(date!(2025 - 12 - 31), "community_member", "satisfied"),
        ];
        let t = tally_records(&records, &c, date!(2026 - 01 - 01), date!(2026 - 12 - 31));
        assert_eq!(
            t["2026-Q1"],
            Tally {
                population: 2,
                numerator: 1
            }
        );
        assert_eq!(
            t["2026-Q2"],
            Tally {
                population: 1,
                numerator: 1
            }
        );
        assert_eq!(
            t.len(),
            2,
            "the returnee and last year's answer are not counted"
        );
        assert_eq!(t["2026-Q1"].value(Unit::Percentage), Some(50.0));
        let at_least = Condition {
            field: "x".into(),
            op: Op::AtLeast,
            value: "0.5".into(),
        };
        assert!(at_least.holds("0.5") && !at_least.holds("0.49") && !at_least.holds("n/a"));
    }
}

#[cfg(test)]
mod evaluation_tests {
    use super::*;
    use time::macros::date;

    fn evaluation() -> Evaluation {
        Evaluation {
            title: "Midterm evaluation".into(),
            timing: EvaluationTiming::Midterm,
            conductor: Conductor::External,
            criteria: vec![],
            start: None,
            end: None,
            commissioned_by: String::new(),
            tor_context: String::new(),
            tor_purpose: String::new(),
            tor_scope: String::new(),
            tor_questions: String::new(),
            tor_methodology: String::new(),
            tor_deliverables: vec![],
            workplan: vec![],
            tor_budget: String::new(),
            terms_of_reference: String::new(),
            checklist: vec![],
            reports: vec![],
            findings: String::new(),
            management_response: String::new(),
            action_points: vec![],
        }
    }

    fn mark(item: EvaluationCheck, status: CheckStatus) -> CheckMark {
        CheckMark {
            item,
            status,
            on: None,
            note: String::new(),
        }
    }

    #[test]
    fn the_terms_of_reference_are_drafted_only_with_every_section_of_annex_4c() {
        let mut e = evaluation();
        assert_eq!(e.tor_missing(), TOR_SECTIONS.to_vec());
        e.checklist
            .push(mark(EvaluationCheck::TorDrafted, CheckStatus::Done));
        assert!(
            e.validate()
                .0
                .iter()
                .any(|f| f.code == "error-tor-incomplete")
        );
        e.commissioned_by = "The donor".into();
        e.tor_context = "Two years of reintegration support".into();
        e.tor_purpose = "Mid-course corrections, for management".into();
        e.tor_scope = "2025–2026, three provinces".into();
        e.criteria = vec![EvaluationCriterion::Relevance];
        e.tor_questions = "Relevance: do the services match the needs?".into();
        e.tor_methodology = "Interviews, RSS data, focus groups".into();
        e.tor_deliverables = vec!["Inception report".into(), " ".into()];
        assert_eq!(e.tor_missing(), vec!["workplan"]);
        e.workplan.push(WorkplanActivity {
            task: "Review project documents".into(),
            work_days: Some(3),
            responsible: "Evaluator".into(),
            location: "Home based".into(),
        });
        assert!(e.tor_missing().is_empty());
        assert!(e.validate().is_empty());
    }

    #[test]
    fn checklist_progress_leaves_out_points_that_do_not_apply() {
        let mut e = evaluation();
        let all = EvaluationCheck::ALL.len();
        assert_eq!(e.checklist_progress(), (0, all));
        assert_eq!(e.next_check(), Some(EvaluationCheck::ObjectiveDefined));
        e.checklist
            .push(mark(EvaluationCheck::ObjectiveDefined, CheckStatus::Done));
        e.checklist.push(mark(
            EvaluationCheck::ConfidentialitySigned,
            CheckStatus::NotApplicable,
        ));
        assert_eq!(e.checklist_progress(), (1, all - 1));
        assert_eq!(e.next_check(), Some(EvaluationCheck::ScopeDefined));
        assert_eq!(
            EvaluationCheck::TorUneg.stage(),
            CheckStage::TermsOfReference
        );
        assert_eq!(
            EvaluationCheck::FollowUpAgreed.stage(),
            CheckStage::Managing
        );
    }

    #[test]
    fn a_response_is_awaited_once_the_final_report_is_accepted() {
        let mut e = evaluation();
        e.reports.push(EvaluationReport {
            kind: ReportKind::Final,
            received: date!(2026 - 05 - 01),
            reference: "Final report v2".into(),
            accepted: None,
        });
        assert!(!e.awaits_response());
        e.reports[0].accepted = Some(date!(2026 - 04 - 01));
        assert!(e.validate().0.iter().any(|f| f.field == "accepted"));
        e.reports[0].accepted = Some(date!(2026 - 05 - 10));
        assert!(e.awaits_response());
        e.management_response = "Accepted; two recommendations partly".into();
        assert!(!e.awaits_response());
    }
}
