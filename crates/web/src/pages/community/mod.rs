//! The community level: communities of return and the programme's ranked shortlist, their
//! profile and assessment instruments, community projects with screening, selection,
//! participants, monitoring visits and the satisfaction questionnaire.
//!
//! Who takes part is shown by name only to readers with `community.participants`, and a
//! returnee only to readers who could open their case; everyone else sees counts.

use std::collections::BTreeMap;

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use domain::DocumentId;
use domain::ValidationErrors;
use domain::authz::{Action, Actor, Resource, authorize, small_cell_threshold};
use domain::case::Sex;
use domain::community::{
    Approach, CheckStatus, Community, Criterion, CriterionCheck, CriterionSource, LifecycleStep,
    MAX_WEIGHT, MonitoringVisit, NEGATIVE_CRITERIA, POSITIVE_CRITERIA, ParticipantKind,
    ParticipantRole, Pressure, Project, ProjectKind, ProjectParticipant, ProjectRefusal,
    RESPONDENT_FIELD, SATISFACTION_FIELD, SATISFACTION_FORM, Satisfaction, Screening,
    SelectionConfig, SelectionStage, StageDecision, VisitRating,
};
use forms::Answers;
use serde::Deserialize;
use store::{Subject, SubmissionStatus};

use super::Page;
use super::services::{DetailRow, RecordForm};
use super::{Chrome, CsrfForm, render, render_status};
use crate::AppState;
use crate::auth::{Caller, SignedIn};
use crate::error::{AppError, ErrorKind};
use crate::forms::Fieldset;
use crate::forms::Posted;
use crate::forms::records::{self, Field, Input, field, required, values};
use crate::i18n::Tr;
use crate::pages::instruments::Piece;
use app::community::{self as cm, Doc, Place};

fn community_fields() -> Vec<Field> {
    vec![
        required("name", Input::Text),
        required("province", Input::Text),
        field("places", Input::Lines),
        field("population", Input::Number(1_000_000_000)),
        field("returnees_estimate", Input::Number(100_000_000)),
        field("return_inflow", Input::Number(100_000_000)),
        field(
            "migration_pressure",
            Input::Choice("pressure", values(Pressure::ALL, Pressure::as_str)),
        ),
        field("services_present", Input::Textarea),
        field("definition", Input::Textarea),
    ]
}

fn project_fields() -> Vec<Field> {
    vec![
        required("name", Input::Text),
        required(
            "kind",
            Input::Choice(
                "project-kind",
                values(ProjectKind::ALL, ProjectKind::as_str),
            ),
        ),
        field(
            "approach",
            Input::Choice("approach", values(Approach::ALL, Approach::as_str)),
        ),
        field("summary", Input::Textarea),
        field("budget", Input::Number(domain::community::MAX_BUDGET)),
        field("currency", Input::Text),
        field("start", Input::OptDate),
        field("end", Input::OptDate),
        field("activities", Input::Lines),
    ]
}

fn visit_fields() -> Vec<Field> {
    vec![
        required("on", Input::Date),
        required(
            "rating",
            Input::Choice(
                "visit-rating",
                values(VisitRating::ALL, VisitRating::as_str),
            ),
        ),
        field("participants_met", Input::Number(100_000)),
        required("findings", Input::Textarea),
        field("follow_up", Input::Textarea),
    ]
}

fn invalid(field: &str, code: &'static str) -> ValidationErrors {
    let mut e = ValidationErrors::new();
    e.add(field, code);
    e
}

fn settle<T>(
    read: ValidationErrors,
    saved: Option<Result<T, AppError>>,
) -> Result<Result<T, (StatusCode, ValidationErrors)>, AppError> {
    records::settle(read, saved, "name")
}

/// Where a form's record goes: a new one at a place, or over a stored one.
enum Target<'a, T> {
    New(Place),
    Existing(&'a Doc<T>),
}

/// Reads a record's form (over the stored body when editing) and saves it. The first part is
/// what reading found; the second is `None` when the form could not be read.
async fn save_record_form<T: cm::Record>(
    state: &AppState,
    actor: &Actor,
    fields: &[Field],
    form: &Posted,
    target: Target<'_, T>,
) -> (ValidationErrors, Option<Result<Doc<T>, AppError>>) {
    let (values, read) = records::read(fields, form, &[]);
    if !read.is_empty() {
        return (read, None);
    }
    let base = match &target {
        Target::Existing(d) => serde_json::to_value(&d.body).ok(),
        Target::New(_) => None,
    };
    let first = fields.first().map(|f| f.name).unwrap_or("name");
    let body = match records::merge::<T>(base.as_ref(), values, first) {
        Ok(b) => b,
        Err(e) => return (read, Some(Err(AppError::validation(e)))),
    };
    let saved = match target {
        Target::New(place) => cm::save(state, actor, None, None, place, body)
            .await
            .map_err(AppError::from),
        Target::Existing(doc) => match form.get("version").trim().parse() {
            Ok(v) => cm::update(state, actor, doc, v, body)
                .await
                .map_err(AppError::from),
            Err(_) => Err(AppError::validation(invalid("version", "error-required"))),
        },
    };
    (read, Some(saved))
}

mod checklist;
mod context;
mod edit;
mod filled_forms;
mod list;
mod page;
mod project_changes;
mod project_page;

pub use checklist::*;
pub use context::*;
pub use edit::*;
pub use filled_forms::*;
pub use list::*;
pub use page::*;
pub use project_changes::*;
pub use project_page::*;
