//! Roles, after the staff profiles of the handbook (Annex 9) and the programme's external users.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// Runs the system: accounts, offices, the audit trail.
    Admin,
    /// Coordinator / programme manager: oversees programming in their office (or nationally).
    ProgrammeManager,
    /// Works directly with returnees: registers, counsels, plans, refers, follows up.
    CaseManager,
    /// Monitoring and evaluation specialist: surveys, indicators, analysis.
    MeOfficer,
    /// Service provider or implementing partner: sees only what is referred to them.
    Partner,
    /// Government or donor: aggregates only, never a person's record.
    Viewer,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Role::Admin,
        Role::ProgrammeManager,
        Role::CaseManager,
        Role::MeOfficer,
        Role::Partner,
        Role::Viewer,
    ];

    /// The name used on the command line, in the API and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::ProgrammeManager => "programme-manager",
            Role::CaseManager => "case-manager",
            Role::MeOfficer => "me-officer",
            Role::Partner => "partner",
            Role::Viewer => "viewer",
        }
    }

    /// Whether an account with this role must belong to an office. Others may have national
    /// scope (no office), which means every office.
    pub fn requires_office(self) -> bool {
        matches!(self, Role::CaseManager | Role::Partner)
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error(
    "unknown role; use one of admin, programme-manager, case-manager, me-officer, partner, viewer"
)]
pub struct UnknownRole;

impl FromStr for Role {
    type Err = UnknownRole;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s.trim())
            .ok_or(UnknownRole)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_names_round_trip() {
        for r in Role::ALL {
            assert_eq!(r.as_str().parse::<Role>().unwrap(), r);
        }
        assert!("manager".parse::<Role>().is_err());
    }
}
