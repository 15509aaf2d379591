//! The service map and the stakeholder map: search, review-due list, provider and service
//! records with their referral procedure, proposals from returnees' feedback, and the
//! stakeholder grid. Forms arrive as name/value pairs so that whatever was typed can be shown
//! again when something needs fixing.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use domain::ValidationErrors;
use domain::authz::{Action, Resource, authorize};
use domain::pathway::Dimension;
use domain::services::{
    AccessBarrier, FEEDBACK_FIELDS, PROVIDER_FIELDS, Provider, ProviderSector, QualityRating,
    Ratings, SERVICE_FIELDS, SOP_FIELDS, Service, ServiceCategory, ServiceQuery, TRUST_FIELD,
};
use domain::stakeholder::{
    MAX_SCORE, Priority, SENSITIVE_FIELDS, STAKEHOLDER_FIELDS, Stakeholder, StakeholderKind,
    StakeholderLevel, Stance,
};
use serde::Deserialize;

use super::{Chrome, CsrfForm, render, render_status};
use crate::AppState;
use crate::auth::{Caller, SignedIn};
use crate::error::{AppError, ErrorKind};
use crate::forms::read;
use crate::forms::{Choice, FieldBuilder, FieldView, Fieldset, Posted, error_map, names};
use crate::i18n::Tr;
use app::referrals as rf;

fn yes_no(v: Option<bool>) -> &'static str {
    match v {
        Some(true) => "yes",
        Some(false) => "no",
        None => "",
    }
}

/// What a save came to: the saved record, or the status and the messages to show next to what
/// was typed (errors found reading the form, `domain`'s, or a stale version). `saved` is `None`
/// when the form could not even be read.
fn outcome<T, E: Into<AppError>>(
    read: ValidationErrors,
    saved: Option<Result<T, E>>,
) -> Result<Result<T, (StatusCode, ValidationErrors)>, AppError> {
    crate::forms::records::settle(read, saved.map(|r| r.map_err(Into::into)), "name")
}

pub struct DetailRow {
    pub label: String,
    pub value: String,
}

pub struct DetailGroup {
    pub title: String,
    pub rows: Vec<DetailRow>,
}

pub struct LinkRow {
    pub href: String,
    pub label: String,
    pub note: String,
}

pub struct ProposalView {
    pub id: String,
    pub service_id: String,
    pub service: String,
    pub comment: String,
    pub proposed: Vec<DetailRow>,
    pub status: String,
    pub pending: bool,
    pub by: String,
    pub decision: String,
}

/// One record of either map: what is known, related links, and the edit form for those who
/// may edit.
#[derive(Template)]
#[template(path = "map_record.html")]
pub struct RecordPage {
    c: Chrome,
    title: String,
    subtitle: String,
    back: String,
    back_label: String,
    groups: Vec<DetailGroup>,
    links_title: String,
    links: Vec<LinkRow>,
    add_link: Option<LinkRow>,
    proposals: Vec<ProposalView>,
    can_decide: bool,
    form: Option<RecordForm>,
}

pub struct RecordForm {
    pub action: String,
    pub version: String,
    pub fieldsets: Vec<Fieldset>,
    pub submit: String,
    pub has_errors: bool,
    pub open: bool,
}

impl RecordForm {
    /// The error summary's links, in the form's order.
    pub fn error_summary(&self) -> Vec<(String, String)> {
        crate::forms::summary_of(self.fieldsets.iter().flat_map(|s| &s.fields))
    }
}

mod catalogue;
mod map;
mod providers;
mod stakeholders;

pub use catalogue::*;
pub use map::*;
pub use providers::*;
pub use stakeholders::*;
