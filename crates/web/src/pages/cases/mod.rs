//! The case register: list and search, registration, the case page, editing with optimistic
//! concurrency, consent records and the audit trail.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use domain::authz::{Action, Actor, Resource, authorize};
use domain::case::{CaseStage, Sex};
use domain::consent::{
    ConsentDecision, ConsentInput, ConsentMethod, ConsentPurpose, ConsentRecord, consent_status,
};
use domain::{OfficeId, Role, ValidationErrors};
use serde::Deserialize;
use store::{CaseRecord, CaseSort, Office, User};

use super::{Chrome, CsrfForm, render, render_status};
use crate::AppState;
use crate::auth::{Caller, SignedIn};
use crate::error::{AppError, ErrorKind};
use crate::forms::{Choice, FieldBuilder, Fieldset, HouseholdRow, ProfileForm, error_map, names};
use crate::i18n::Tr;
use app::cases::CaseFilters;
use app::cases::{audit_view, authorized_case, chosen_manager, record_consent_decision};

mod edit;
mod erasure;
mod export;
mod export_jobs;
mod export_records;
mod import;
mod import_surveys;
mod list;
mod page;

pub use edit::*;
pub use erasure::*;
pub use export::*;
pub use export_jobs::*;
pub use export_records::*;
pub use import::*;
pub use import_surveys::*;
pub use list::*;
pub use page::*;
