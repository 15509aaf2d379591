//! XLSForm as tables: reading the survey / choices / settings sheets into a [`Form`] and
//! writing a [`Form`] back. The tables come from an `.xlsx` file ([`crate::xlsx`]) or from the
//! CSV files of a shipped instrument ([`crate::text`]); this module does not care which.

use std::collections::{BTreeMap, BTreeSet};

use crate::model::*;

mod read;
mod rows;
mod types;
mod write;

pub use read::*;
use rows::*;
pub use rows::{OTHER_CHOICE, OTHER_PROMPT};
use types::*;
pub use write::*;
