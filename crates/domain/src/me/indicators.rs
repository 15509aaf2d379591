use super::*;

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

pub(super) fn first_of(year: i32, month: u8) -> Date {
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

    pub(super) fn months(self) -> u8 {
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
/// that describe fewer than `threshold` people, and as many more as it takes so that no hidden
/// cell can be worked out from the total and the others: the table rule of
/// [`crate::disclosure::protect`] on one row whose total is known. Returns, per cell, whether it
/// is hidden.
pub fn suppress_split(counts: &[u64], threshold: Option<u64>) -> Vec<bool> {
    use crate::disclosure::{Layout, protect};
    let layout = Layout {
        row_totals: false,
        column_totals: false,
        grand_total: true,
        totals_known: true,
    };
    protect(&[counts.to_vec()], layout, threshold)
        .cells
        .first()
        .map(|row| row.iter().map(|c| c.is_hidden()).collect())
        .unwrap_or_default()
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
        // A lone small cell beside zeros: a zero is hidden with it, or the total would tell.
        assert_eq!(suppress_split(&[3, 0], Some(5)), [true, true]);
        assert!(suppress_split(&[], Some(5)).is_empty());
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
