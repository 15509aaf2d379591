//! The demo programme: two offices, one account per role and invented returnees. Loaded only
//! with `serve --demo` into an empty database; every page then carries a demo banner.

use anyhow::Result;
use domain::case::{
    CaseStage, HouseholdMember, Relationship, ReturnType, ReturneeProfile, Sex, Vulnerability,
};
use domain::consent::{ConsentDecision, ConsentMethod, ConsentPurpose, ConsentRecord};
use domain::{CaseId, DocumentId, OfficeCode, Role, UserId, Username};
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use store::prelude::*;
use store::{AuditContext, DocKind, NewCase, NewDocument, NewUser, SqliteStore};
use time::{Date, Duration, OffsetDateTime};

mod community;
#[cfg(test)]
mod duplicate_rate;
mod people;
mod services;
mod surveys;

use community::*;
pub use people::*;
use services::*;
pub use surveys::*;
