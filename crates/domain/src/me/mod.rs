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

mod evaluations;
mod indicators;
pub mod outcomes;
mod records;
mod results;
pub mod samples;
pub mod sampling;
pub mod spot_checks;
pub mod stats;
pub mod tallies;
pub mod what_works;

pub use evaluations::*;
pub use indicators::*;
pub use records::*;
pub use results::*;
