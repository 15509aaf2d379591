//! The structural level: capacity assessments and plans, trainings, coordination mechanisms
//! and their meetings, the agreements and SOPs registry, and policy mainstreaming tracks.
//!
//! Each kind of record is described once ([`kinds`]): its fields, the lists inside it (action
//! points, trainees, steps) and what is worked out from it. One set of handlers then lists,
//! creates, shows and edits all of them.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use domain::ValidationErrors;
use domain::authz::{Action, Actor, Resource, authorize, small_cell_threshold};
use domain::case::Sex;
use domain::me::{
    Analysis, Axis, CheckStatus, Conductor, EvaluationCheck, EvaluationCriterion, EvaluationTiming,
    Frequency, InterventionLevel, LessonSource, ReportKind, ResultLevel, Source, Unit,
};
use domain::stakeholder::StakeholderLevel;
use domain::structural::*;
use domain::{DocumentId, StakeholderId};
use serde::Deserialize;
use serde_json::Value;
use store::{DocKind, DocRecord};

use super::Page;
use super::services::{DetailGroup, DetailRow, RecordForm};
use super::{Chrome, CsrfForm, render, render_status};
use crate::AppState;
use crate::auth::{Caller, SignedIn};
use crate::error::{AppError, ErrorKind};
use crate::forms::Fieldset;
use crate::forms::Posted;
use crate::forms::records::{self, Field, Input, Options, field, required, values};
use crate::i18n::Tr;
use app::community::{self as cm, Place, Record};

mod kinds;
mod record;
mod stored;
mod summary;

pub use kinds::*;
pub use record::*;
use stored::*;
pub use summary::*;
