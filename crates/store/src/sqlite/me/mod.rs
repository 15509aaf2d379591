//! Indicator figures computed where the records are: one grouped query per indicator, built
//! from the indicator's conditions over a fixed list of fields (no text of the indicator reaches
//! the SQL; values are bound parameters). Indicators use standard SQL (`substr`, `CAST`, `CASE`,
//! `EXISTS`) plus `INDEXED BY` to keep their reading order; the dashboards read survey breakdowns
//! with SQLite's JSON functions.

use domain::me::{AgeBands, Axis, FieldKind, Frequency, Op, Source, Tally};
use domain::referral::{ReferralStatus, ReferralStep};
use domain::services::ServiceCategory;
use std::collections::BTreeMap;

use rusqlite::Connection;
use rusqlite::types::Value;

use crate::model::{TallyQuery, TallyRow};
use crate::{Result, StoreError};

mod dashboards;
mod drill_down;
mod indicators;
mod outcomes;
mod samples;
mod spot_checks;

pub(crate) use dashboards::*;
pub(crate) use drill_down::*;
pub(crate) use indicators::*;
pub(crate) use outcomes::*;
