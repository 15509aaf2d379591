//! The shapes the store reads and writes.

use domain::audit::{AuditAction, FieldChange};
use domain::authz::{CaseAccess, CaseListScope};
use domain::case::{CaseStage, ReturneeProfile, Sex};
use domain::consent::ConsentRecord;
use domain::{CaseId, CaseNumber, OfficeCode, OfficeId, Role, UserId, Username};
use serde::Serialize;
use time::{Date, OffsetDateTime};

mod accounts;
mod cases;
mod documents;
mod field;
mod forms;
mod pathway;
mod referrals;
mod results;

pub use accounts::*;
pub use cases::*;
pub use documents::*;
pub use field::*;
pub use forms::*;
pub use pathway::*;
pub use referrals::*;
pub use results::*;
