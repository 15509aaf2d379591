//! The stakeholder map (Module 1 Table 1.2, Module 4 Figure 4.1 and Table 4.1): who can help or
//! hinder the programme, how much they matter to it, and how to engage them.
//!
//! Influence and interest are scored 1–5; 4 and 5 count as high. The handbook's gradient model
//! then gives the engagement: low on both → inform; high on one → communicate; high on both →
//! manage closely.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::case::{MAX_LONG_TEXT, MAX_SHORT_TEXT, named_enum};
use crate::validation::ValidationErrors;

named_enum!(
    /// Stakeholder categories of Table 4.1, with the others the handbook names.
    StakeholderKind {
        NationalAuthority = "national_authority",
        LocalGovernment = "local_government",
        PrivateSector = "private_sector",
        Ngo = "ngo",
        DiasporaOrganisation = "diaspora_organisation",
        MigrantAssociation = "migrant_association",
        InternationalOrganisation = "international_organisation",
        Academia = "academia",
        CommunityLeader = "community_leader",
        ServiceProvider = "service_provider",
        Donor = "donor",
        Media = "media",
    }
);

named_enum!(
    StakeholderLevel {
        International = "international",
        National = "national",
        Regional = "regional",
        Local = "local",
    }
);

named_enum!(
    /// Supporter or potential obstructor of collaboration (Module 1 L993).
    Stance {
        Supporter = "supporter",
        Neutral = "neutral",
        PotentialObstructor = "potential_obstructor",
    }
);

named_enum!(
    Priority {
        High = "high",
        Medium = "medium",
        Low = "low",
    }
);

named_enum!(
    /// The gradient engagement model of Figure 4.1.
    EngagementTier {
        Inform = "inform",
        Communicate = "communicate",
        ManageClosely = "manage_closely",
    }
);

/// Scores at or above this count as high influence or interest.
pub const HIGH_FROM: u8 = 4;
pub const MAX_SCORE: u8 = 5;

pub fn engagement(influence: u8, interest: u8) -> EngagementTier {
    match (influence >= HIGH_FROM, interest >= HIGH_FROM) {
        (true, true) => EngagementTier::ManageClosely,
        (false, false) => EngagementTier::Inform,
        _ => EngagementTier::Communicate,
    }
}

/// What the analysis step of Table 1.2 records about a stakeholder, in free text.
pub const STAKEHOLDER_FIELDS: [&str; 9] = [
    "functions",
    "expectations",
    "motivations",
    "willingness",
    "capacity_support",
    "needs",
    "strategies_plans",
    "engagement_strategy",
    "sources",
];

/// Free-text fields only programme staff may read: political and financial interests, and why
/// a stakeholder may be disinclined to collaborate.
pub const SENSITIVE_FIELDS: [&str; 3] =
    ["political_interest", "financial_interest", "disinclination"];

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Stakeholder {
    pub name: String,
    pub kind: StakeholderKind,
    pub level: StakeholderLevel,
    #[serde(default)]
    pub sector: String,
    #[serde(default)]
    pub place: String,
    /// 1–5.
    pub influence: u8,
    /// 1–5.
    pub interest: u8,
    /// Sensitive: a potential obstructor is named to programme staff only.
    #[serde(default)]
    pub stance: Option<Stance>,
    #[serde(default)]
    pub priority: Option<Priority>,
    /// Whether their capacity is adequate for the role the programme hopes they play.
    #[serde(default)]
    pub capacity_adequate: Option<bool>,
    /// [`STAKEHOLDER_FIELDS`].
    #[serde(default)]
    pub details: BTreeMap<String, String>,
    /// [`SENSITIVE_FIELDS`].
    #[serde(default)]
    pub sensitive: BTreeMap<String, String>,
}

impl Stakeholder {
    pub fn engagement(&self) -> EngagementTier {
        engagement(self.influence, self.interest)
    }

    pub fn detail(&self, field: &str) -> &str {
        self.details
            .get(field)
            .or_else(|| self.sensitive.get(field))
            .map(String::as_str)
            .unwrap_or("")
    }

    pub fn check(&self) -> Result<(), ValidationErrors> {
        let mut e = ValidationErrors::new();
        if self.name.trim().is_empty() {
            e.add("name", "error-required");
        }
        for (f, v) in [
            ("name", &self.name),
            ("sector", &self.sector),
            ("place", &self.place),
        ] {
            if v.chars().count() > MAX_SHORT_TEXT {
                e.add(f, "error-too-long");
            }
        }
        for (f, v) in [("influence", self.influence), ("interest", self.interest)] {
            if !(1..=MAX_SCORE).contains(&v) {
                e.add(f, "error-score-1-5");
            }
        }
        for (map, known) in [
            (&self.details, &STAKEHOLDER_FIELDS[..]),
            (&self.sensitive, &SENSITIVE_FIELDS[..]),
        ] {
            for (k, v) in map {
                if !known.contains(&k.as_str()) {
                    e.add(k.clone(), "error-unknown-field");
                } else if v.chars().count() > MAX_LONG_TEXT {
                    e.add(k.clone(), "error-too-long");
                }
            }
        }
        e.into_result(())
    }

    /// The record as someone without access to the sensitive columns sees it: no interests,
    /// no reasons for disinclination, and no stance (so no one is named an obstructor).
    pub fn redacted(mut self) -> Self {
        self.sensitive.clear();
        self.stance = None;
        self
    }

    pub fn normalised(mut self) -> Self {
        self.name = self.name.trim().to_string();
        self.sector = self.sector.trim().to_string();
        self.place = self.place.trim().to_string();
        crate::services::trim_details(&mut self.details);
        crate::services::trim_details(&mut self.sensitive);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stakeholder() -> Stakeholder {
        Stakeholder {
            name: "Municipality of Kolda".into(),
            kind: StakeholderKind::LocalGovernment,
            level: StakeholderLevel::Local,
            sector: "local development".into(),
            place: "Kolda".into(),
            influence: 5,
            interest: 2,
            stance: Some(Stance::PotentialObstructor),
            priority: Some(Priority::High),
            capacity_adequate: Some(false),
            details: BTreeMap::from([("functions".into(), "Local development plan".into())]),
            sensitive: BTreeMap::from([("political_interest".into(), "Elections in May".into())]),
        }
    }

    #[test]
    fn the_gradient_model_gives_the_engagement() {
        assert_eq!(engagement(1, 1), EngagementTier::Inform);
        assert_eq!(engagement(3, 3), EngagementTier::Inform);
        assert_eq!(engagement(4, 1), EngagementTier::Communicate);
        assert_eq!(engagement(2, 5), EngagementTier::Communicate);
        assert_eq!(engagement(4, 4), EngagementTier::ManageClosely);
        assert_eq!(stakeholder().engagement(), EngagementTier::Communicate);
    }

    #[test]
    fn redaction_removes_the_sensitive_columns() {
        let s = stakeholder().redacted();
        assert!(s.sensitive.is_empty());
        assert_eq!(s.stance, None);
        assert_eq!(s.detail("functions"), "Local development plan");
    }

    #[test]
    fn scores_must_be_one_to_five() {
        let mut s = stakeholder();
        s.influence = 0;
        s.interest = 6;
        s.sensitive.insert("functions".into(), "x".into());
        let e = s.check().unwrap_err();
        assert_eq!(e.for_field("influence"), Some("error-score-1-5"));
        assert_eq!(e.for_field("interest"), Some("error-score-1-5"));
        assert_eq!(e.for_field("functions"), Some("error-unknown-field"));
    }
}
