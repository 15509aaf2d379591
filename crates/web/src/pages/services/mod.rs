//! The service map and the stakeholder map: search, review-due list, provider and service
//! records with their referral procedure, proposals from returnees' feedback, and the
//! stakeholder grid. Forms arrive as name/value pairs so that whatever was typed can be shown
//! again when something needs fixing.

use std::collections::{BTreeMap, HashMap};

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

use super::{Chrome, CsrfForm, render, render_status, today};
use crate::AppState;
use crate::auth::{Caller, SignedIn};
use crate::error::{AppError, ErrorKind};
use crate::forms::{Choice, FieldBuilder, FieldView, Fieldset, error_map, names};
use crate::i18n::Tr;
use app::referrals as rf;

/// A posted form, as typed.
#[derive(Clone, Debug, Default)]
pub struct Posted(pub Vec<(String, String)>);

impl<'de> Deserialize<'de> for Posted {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Vec::<(String, String)>::deserialize(d).map(Posted)
    }
}

impl Posted {
    pub fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }
    pub fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .collect()
    }
    fn set(&mut self, name: &str, value: impl Into<String>) {
        self.0.push((name.to_string(), value.into()));
    }
    /// The free-text fields of `names` that were filled in.
    pub fn details(&self, names: &[&str]) -> BTreeMap<String, String> {
        names
            .iter()
            .map(|n| (n.to_string(), self.get(n).trim().to_string()))
            .filter(|(_, v)| !v.is_empty())
            .collect()
    }
    fn version(&self) -> Option<i64> {
        self.get("version").trim().parse().ok()
    }
}

fn yes_no(v: Option<bool>) -> &'static str {
    match v {
        Some(true) => "yes",
        Some(false) => "no",
        None => "",
    }
}

fn parse_yes_no(e: &mut ValidationErrors, field: &str, s: &str) -> Option<bool> {
    match s.trim() {
        "yes" => Some(true),
        "no" => Some(false),
        "" => None,
        _ => {
            e.add(field, "error-choice");
            None
        }
    }
}

fn parse_choice<T>(
    e: &mut ValidationErrors,
    field: &str,
    s: &str,
    parse: fn(&str) -> Option<T>,
    required: bool,
) -> Option<T> {
    if s.trim().is_empty() {
        if required {
            e.add(field, "error-required");
        }
        return None;
    }
    let v = parse(s);
    if v.is_none() {
        e.add(field, "error-choice");
    }
    v
}

/// What a save came to: the saved record, or the status and the messages to show next to what
/// was typed (errors found reading the form, `domain`'s, or a stale version). `saved` is `None`
/// when the form could not even be read.
fn outcome<T, E: Into<AppError>>(
    read: ValidationErrors,
    saved: Option<Result<T, E>>,
) -> Result<Result<T, (StatusCode, ValidationErrors)>, AppError> {
    crate::records::settle(read, saved.map(|r| r.map_err(Into::into)), "name")
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

mod catalogue;
mod map;
mod providers;
mod stakeholders;

pub use catalogue::*;
pub use map::*;
pub use providers::*;
pub use stakeholders::*;
