//! Referral pages: a case's referrals and the form to make one (with the chosen service's
//! referral procedure shown), one referral's page for staff, the printable slip, the partner's
//! list and view, and the page a provider without an account reaches through a link.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use domain::ValidationErrors;
use domain::authz::{Action, Resource, authorize};
use domain::consent::ConsentMethod;
use domain::referral::{
    ConsentOverride, Disclosure, LINK_DAYS_DEFAULT, OverrideReason, PlanItemRef, ReferralConsent,
    ReferralContent, ReferralStatus, ReferralStep, SharedSection, Urgency, is_overdue,
};
use serde::Deserialize;
use store::{CaseRecord, ReferralRecord, Via};

use super::Page;
use super::services::{DetailGroup, DetailRow, FeedbackForm, sop_group};
use super::{Chrome, CsrfForm, render, render_status};
use crate::AppState;
use crate::auth::{Caller, SignedIn};
use crate::error::{AppError, ErrorKind};
use crate::forms::Posted;
use crate::forms::{Choice, FieldBuilder, FieldView, error_map, names};
use crate::i18n::Tr;
use app::cases::authorized_case;
use app::referrals::{self as rf, Channel};

mod case_referrals;
mod link;
mod partners;
mod reading;
mod referral;

pub use case_referrals::*;
pub use link::*;
pub use partners::*;
pub use reading::*;
pub use referral::*;
