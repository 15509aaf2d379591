//! The structural level (Module 4): capacity assessments of stakeholders, capacity-building
//! plans and trainings; coordination mechanisms and their meetings; the registry of agreements
//! and SOPs; and the steps of mainstreaming reintegration into sectoral policy.
//!
//! The handbook names an organisational capacity assessment tool but reproduces no scale, so
//! capacity is rated on four plain levels (weak, basic, adequate, strong) over the areas it
//! names: human and financial resources, the tangibles and the intangibles of Table 4.6.

use serde::{Deserialize, Serialize};
use time::Date;
use utoipa::ToSchema;

use crate::case::{MAX_LONG_TEXT, MAX_SHORT_TEXT, Sex, named_enum};
use crate::community::{check_order, check_past, check_text};
use crate::ids::StakeholderId;
use crate::stakeholder::{MAX_SCORE, StakeholderKind, StakeholderLevel};
use crate::validation::ValidationErrors;

mod actions;
mod capacity;
mod coordination;

pub use actions::*;
pub use capacity::*;
pub use coordination::*;
