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
use domain::pathway::closure::{
    CarriedOver, Closure, ClosureReason, ExitReason, Handover, OpenKind, TerminationReason,
};
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
use super::{Chrome, CsrfForm, render, render_status};
use crate::AppState;
use crate::auth::{Caller, SignedIn};
use crate::error::{AppError, ErrorKind};
use crate::forms::read::{self, date_named, parse_date, validated};
use crate::forms::{FieldBuilder, FieldView, error_map, names};
use crate::i18n::Tr;
use app::cases::authorized_case;
use app::pathway::{self as pw, Pathway};

mod closure;
mod follow_up;
mod held;
mod panel;
mod plan;
mod plan_edit;
mod programme;
mod work;

pub use closure::*;
pub use follow_up::*;
pub use held::{accept_held, decline_held};
pub use panel::*;
pub use plan::*;
pub use plan_edit::*;
pub use programme::*;
pub use work::*;
