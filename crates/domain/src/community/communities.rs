use super::*;

pub(crate) fn check_text(
    e: &mut ValidationErrors,
    field: &str,
    value: &str,
    required: bool,
    max: usize,
) {
    if required && value.trim().is_empty() {
        e.add(field, "error-required");
    } else if value.chars().count() > max {
        e.add(field, "error-too-long");
    }
}

pub(crate) fn check_lines(e: &mut ValidationErrors, field: &str, lines: &[String], max: usize) {
    if lines.len() > max {
        e.add(field, "error-too-many");
    } else if lines.iter().any(|l| l.chars().count() > MAX_SHORT_TEXT) {
        e.add(field, "error-too-long");
    }
}

/// Dates that must not be in the future (visits, decisions, meetings held).
pub(crate) fn check_past(e: &mut ValidationErrors, field: &str, d: Date, today: Date) {
    if d > today {
        e.add(field, "error-date-in-future");
    }
}

pub(crate) fn check_order(
    e: &mut ValidationErrors,
    field: &str,
    from: Option<Date>,
    to: Option<Date>,
) {
    if let (Some(a), Some(b)) = (from, to)
        && b < a
    {
        e.add(field, "error-end-before-start");
    }
}

named_enum!(
    /// How strongly people leave the area (Module 3: profiles are made where returns are high
    /// or out-migration pressure is strong).
    Pressure {
        Low = "low",
        Medium = "medium",
        High = "high",
    }
);

/// A community of return. Which cases belong to it follows from their place of return: a case
/// whose province and community of return match the community's province and one of its
/// places (or its name).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Community {
    pub name: String,
    pub province: String,
    /// Localities that make up the community, as written on cases' "community of return".
    #[serde(default)]
    pub places: Vec<String>,
    #[serde(default)]
    pub population: Option<u32>,
    /// Returnees known to live there, registered or not (an estimate).
    #[serde(default)]
    pub returnees_estimate: Option<u32>,
    /// Returns in the last twelve months.
    #[serde(default)]
    pub return_inflow: Option<u32>,
    #[serde(default)]
    pub migration_pressure: Option<Pressure>,
    /// Services present (health centre, school, employment office…), in the team's words.
    #[serde(default)]
    pub services_present: String,
    /// Why these boundaries: the handbook says the definition of a community depends on context.
    #[serde(default)]
    pub definition: String,
    /// The selection checklist as assessed for this community, by criterion key.
    #[serde(default)]
    pub selection: BTreeMap<String, CriterionCheck>,
}

pub const MAX_PLACES: usize = 30;

impl Community {
    pub fn normalised(mut self) -> Self {
        self.name = self.name.trim().to_string();
        self.province = self.province.trim().to_string();
        self.places = self
            .places
            .iter()
            .map(|p| p.trim().to_string())
            .filter(|p| !p.is_empty())
            .collect();
        self.services_present = self.services_present.trim().to_string();
        self.definition = self.definition.trim().to_string();
        self
    }

    pub fn validate(&self) -> ValidationErrors {
        let mut e = ValidationErrors::new();
        check_text(&mut e, "name", &self.name, true, MAX_SHORT_TEXT);
        check_text(&mut e, "province", &self.province, true, MAX_SHORT_TEXT);
        check_lines(&mut e, "places", &self.places, MAX_PLACES);
        check_text(
            &mut e,
            "services_present",
            &self.services_present,
            false,
            MAX_LONG_TEXT,
        );
        check_text(&mut e, "definition", &self.definition, false, MAX_LONG_TEXT);
        for c in self.selection.values() {
            if c.evidence.chars().count() > MAX_LONG_TEXT {
                e.add("selection", "error-too-long");
            }
        }
        e
    }

    /// Whether a case returned to this community (accents and case ignored).
    pub fn covers(&self, province: &str, community: Option<&str>) -> bool {
        if fold(province) != fold(&self.province) {
            return false;
        }
        let Some(place) = community.map(fold).filter(|p| !p.is_empty()) else {
            return false;
        };
        fold(&self.name) == place || self.places.iter().any(|p| fold(p) == place)
    }
}
