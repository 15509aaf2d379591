//! The results framework (Tables 5.2–5.4)

use super::*;

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
