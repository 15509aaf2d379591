//! Reintegra's rules, free of I/O: identifiers, the returnee profile and its validation, consent,
//! roles and the one authorization decision, sign-in throttling and session lifetimes.
//!
//! Everything here is synchronous and deterministic; callers pass "now" in explicitly so rules
//! about time can be tested with fixed dates.

pub mod audit;
pub mod authz;
pub mod case;
pub mod community;
pub mod consent;
pub mod disclosure;
pub mod duplicates;
pub mod export;
pub mod feedback;
pub mod handover;
pub mod ids;
pub mod import;
pub mod language;
pub mod me;
pub mod money;
pub mod pathway;
pub mod referral;
pub mod retention;
pub mod role;
pub mod rss;
pub mod security;
pub mod services;
pub mod stakeholder;
pub mod structural;
pub mod text;
pub mod two_factor;
pub mod validation;

pub use ids::{
    CaseId, CaseNumber, DocumentId, OfficeCode, OfficeId, ProviderId, ReferralId, ServiceId,
    StakeholderId, UserId, Username,
};
pub use role::Role;
pub use validation::{FieldError, ValidationErrors};
