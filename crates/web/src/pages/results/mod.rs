//! The results framework (Module 5): programmes with their results and indicators, each
//! indicator tracked per period against its baseline and target, broken down by the handbook's
//! analysis variables; evaluations and lessons. Readers see figures only, and viewers never a
//! cell describing fewer than 5 people.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use domain::authz::{Action, Actor, Resource, authorize, small_cell_threshold};
use domain::community::Project;
use domain::me::{
    Axis, Evaluation, Indicator, Lesson, Period, Programme, ResultStatement, Shown, Source, Tally,
    Unit, progress, suppress,
};
use domain::structural::ActionProgress;
use serde::Deserialize;

use super::{Chrome, render};
use crate::AppState;
use crate::auth::SignedIn;
use crate::error::AppError;
use crate::i18n::Tr;
use app::community::{self as cm, Doc};
use app::results::{cm_list, figures, indicator_chain, programme_query, span};

fn number(v: Option<f64>) -> String {
    v.map(|x| {
        if x.fract() == 0.0 {
            format!("{x:.0}")
        } else {
            format!("{x:.1}")
        }
    })
    .unwrap_or_default()
}

mod dashboards;
mod drill;
mod examples;
mod indicator;
mod overview;
mod samples;
mod spot_checks;
mod spreadsheet;
mod what_works;

pub use dashboards::*;
pub use drill::*;
pub use examples::*;
pub use indicator::*;
pub use overview::*;
pub use samples::*;
pub use spot_checks::*;
pub use spreadsheet::*;
pub use what_works::*;
