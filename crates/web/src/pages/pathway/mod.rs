//! The pathway pages: the pathway panel of the case page (stage, what is missing, what is due,
//! counselling log, urgent referrals, tasks), the plan (edit, agree, approve, print,
//! disbursements, feasibility suggestions), follow-up, closure, "my work", approvals and the
//! programme's grid and settings.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use domain::authz::{Action, Resource, authorize};
use domain::case::CaseStage;
use domain::pathway::closure::{Closure, ClosureReason, ExitReason, Handover, TerminationReason};
use domain::pathway::feasibility::{ContextCriterion, Delivery, GridApproach, suggest};
use domain::pathway::followup::{FollowUpConfig, FollowUpVisit, VisitKey, VisitState};
use domain::pathway::plan::{
    AgreementMethod, AssistanceKind, Disbursement, Immediate, ItemStatus, Modality, Objectives,
    PlanContent, PlanItem, PlanStatus, PlannedReferral, ProjectParticipant, Purchase, Responsible,
    agreement_late, agreement_target, balances,
};
use domain::pathway::stage::missing_steps;
use domain::pathway::{
    ContactMode, CounsellingSession, Dimension, Participant, SessionKind, UnmetNeed, UnmetReason,
    UrgentReferral,
};
use domain::rss::RoundState;
use domain::{CaseId, ValidationErrors};
use serde::Deserialize;
use store::{CaseRecord, EntryKind, NewPlanAgreement};
use time::Date;

use super::Page;
use super::{Chrome, CsrfForm, render, render_status, today};
use crate::AppState;
use crate::auth::{Caller, SignedIn};
use crate::error::{AppError, ErrorKind};
use crate::forms::{FieldBuilder, FieldView, error_map, names};
use crate::i18n::Tr;
use app::cases::authorized_case;
use app::pathway::{self as pw, Pathway};

fn parse_date(s: &str) -> Option<Date> {
    domain::case::date::parse(s.trim())
}

fn date_or_error(e: &mut ValidationErrors, field: &str, s: &str) -> Date {
    match parse_date(s) {
        Some(d) => d,
        None => {
            e.add(
                field,
                if s.trim().is_empty() {
                    "error-required"
                } else {
                    "error-date-format"
                },
            );
            today()
        }
    }
}

fn enum_or_error<T>(
    e: &mut ValidationErrors,
    field: &str,
    s: &str,
    parse: fn(&str) -> Option<T>,
) -> Option<T> {
    let v = parse(s);
    if v.is_none() {
        e.add(
            field,
            if s.trim().is_empty() {
                "error-required"
            } else {
                "error-choice"
            },
        );
    }
    v
}

fn amount_or_error(e: &mut ValidationErrors, field: &str, s: &str) -> Option<u64> {
    let t = s.trim().replace([',', ' '], "");
    if t.is_empty() {
        return None;
    }
    match t.parse::<u64>() {
        Ok(v) => Some(v),
        Err(_) => {
            e.add(field, "error-number");
            None
        }
    }
}

/// Validation errors from `domain` merged with those found while reading the form, as one
/// `AppError` when there are any.
fn validated<T>(mut read: ValidationErrors, checked: Result<T, AppError>) -> Result<T, AppError> {
    match checked {
        Ok(v) if read.is_empty() => Ok(v),
        Ok(_) => Err(AppError::validation(read)),
        Err(mut e) if e.kind == ErrorKind::Validation => {
            read.merge(std::mem::take(&mut e.fields));
            Err(AppError::validation(read))
        }
        Err(e) => Err(e),
    }
}

/// `domain` names a record's date `date`; each form gives it its own name.
fn date_named(mut e: ValidationErrors, field: &str) -> ValidationErrors {
    for f in &mut e.0 {
        if f.field == "date" {
            f.field = field.into();
        }
    }
    e
}

mod closure;
mod follow_up;
mod panel;
mod plan;
mod plan_edit;
mod programme;
mod work;

pub use closure::*;
pub use follow_up::*;
pub use panel::*;
pub use plan::*;
pub use plan_edit::*;
pub use programme::*;
pub use work::*;
