//! The community level (Module 3): communities of return, the criteria a programme uses to choose
//! where to work, community projects with their screening (Table 3.2) and three-stage selection
//! (Table 3.4), their participants and monitoring visits.
//!
//! The handbook gives no scores, weights or returnee-to-community ratios: its criteria are
//! qualitative checklists. Weights and the shortlist size are therefore programme settings
//! ([`SelectionConfig`]), with every criterion weighing 1 until the programme says otherwise.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use time::Date;
use utoipa::ToSchema;

use crate::case::{MAX_LONG_TEXT, MAX_SHORT_TEXT, Sex, named_enum};
use crate::ids::CaseId;
use crate::pathway::Dimension;
use crate::text::fold;
use crate::validation::ValidationErrors;

mod communities;
mod projects;
mod satisfaction;
mod selection;

pub use communities::*;
pub use projects::*;
pub use satisfaction::*;
pub use selection::*;
