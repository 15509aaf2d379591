//! The behaviour every `Store` backend must have, one module per part of the store (the traits
//! of `store`'s `lib.rs`). Each module's `run` checks one part on whatever store it is given;
//! a backend's test file opens a fresh store per part, and `run_all` runs every part on one
//! store, as a server backend whose areas share a database would.
//!
//! The parts use their own offices, users and form ids, so they can share a database; a check
//! on a list that spans the whole store (offices, providers, form versions) looks for its own
//! records in it rather than counting everything.

pub mod accounts;
pub mod case_pages;
pub mod cases;
pub mod documents;
pub mod exports;
pub mod feedback;
pub mod field;
pub mod forms;
pub mod handovers;
pub mod merges;
pub mod pathway;
pub mod referrals;
pub mod results;
pub mod retention;
pub mod samples;
pub mod schedule;
pub mod spot_checks;
pub mod tallies;

use std::sync::Arc;

use domain::authz::{CaseListScope, RestrictedVisibility};
use domain::case::{CaseStage, ReturnType, ReturneeProfile, Sex};
use domain::{CaseId, OfficeCode, OfficeId, Role, UserId, Username};
use store::*;
use time::OffsetDateTime;
use time::macros::{date, datetime};

/// A test per part of the store, each on a fresh store, and one with every part on one store
/// (as a server's parts share one database): the same list for every backend. `$fresh` is an
/// async function giving `Option<(guard, Arc<dyn Store>)>` (`None` skips, the guard keeps the
/// store's directory alive).
macro_rules! every_part {
    ($fresh:path) => {
        $crate::conformance::every_part!($fresh; accounts, schedule, cases, case_pages, exports, forms, field, pathway, referrals,
            documents, results, samples, spot_checks, merges, retention, handovers, feedback, tallies);
    };
    ($fresh:path; $($part:ident),*) => {
        $(
            #[tokio::test]
            async fn $part() {
                let Some((_guard, s)) = $fresh().await else {
                    return;
                };
                $crate::conformance::$part::run(s.clone()).await;
                $crate::conformance::tallies_in_step(&s).await;
            }
        )*

        /// Every part on one database: the parts' records must not disturb each other's checks.
        #[tokio::test]
        async fn all_parts_share_one_database() {
            let Some((_guard, s)) = $fresh().await else {
                return;
            };
            $crate::conformance::run_all(s.clone()).await;
            $crate::conformance::tallies_in_step(&s).await;
        }
    };
}
pub(crate) use every_part;

/// Whatever a part did, the survey tallies were kept in step: a recount of the records finds
/// no cell that differs.
pub async fn tallies_in_step(s: &Arc<dyn Store>) {
    let differences = s.verify_tallies().await.unwrap();
    assert!(
        differences.is_empty(),
        "the survey tallies differ from a recount:\n{}",
        differences
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// Every part of the store, in turn, on one store.
pub async fn run_all(s: Arc<dyn Store>) {
    accounts::run(s.clone()).await;
    cases::run(s.clone()).await;
    case_pages::run(s.clone()).await;
    exports::run(s.clone()).await;
    forms::run(s.clone()).await;
    field::run(s.clone()).await;
    pathway::run(s.clone()).await;
    referrals::run(s.clone()).await;
    documents::run(s.clone()).await;
    results::run(s.clone()).await;
    samples::run(s.clone()).await;
    spot_checks::run(s.clone()).await;
    merges::run(s.clone()).await;
    retention::run(s.clone()).await;
    handovers::run(s.clone()).await;
    schedule::run(s.clone()).await;
    feedback::run(s.clone()).await;
    tallies::run(s).await;
}

pub fn profile(given: &str, family: &str) -> ReturneeProfile {
    ReturneeProfile {
        given_name: given.into(),
        family_name: family.into(),
        sex: Sex::Female,
        gender: None,
        date_of_birth: Some(date!(1994 - 07 - 02)),
        age_at_return: None,
        nationality: "Senegal".into(),
        return_date: date!(2026 - 03 - 01),
        returned_from: "Libya".into(),
        absence_months: Some(24),
        return_type: ReturnType::AssistedVoluntary,
        free_choice: Some(true),
        informed_decision: Some(true),
        return_country: "Senegal".into(),
        return_province: "Kolda".into(),
        return_community: None,
        community_is_origin: Some(false),
        vulnerabilities: vec![],
        vulnerability_details: None,
        restricted: false,
        phone: None,
        email: None,
        address: None,
        preferred_language: None,
        household: vec![],
    }
}

fn everyone() -> CaseListScope {
    CaseListScope {
        office: None,
        restricted: RestrictedVisibility::All,
    }
}

const NOW: OffsetDateTime = datetime!(2026-11-23 10:00 UTC);

async fn user(
    s: &Arc<dyn Store>,
    name: &str,
    role: Role,
    office: Option<domain::OfficeId>,
) -> User {
    s.create_user(
        NewUser {
            username: Username::parse(name).unwrap(),
            display_name: name.to_uppercase(),
            role,
            office,
            password_hash: "hash".into(),
            must_change_password: false,
        },
        AuditContext::system(NOW, "test"),
    )
    .await
    .unwrap()
}

/// The office with this code, named after it.
async fn office(s: &Arc<dyn Store>, code: &str) -> Office {
    s.ensure_office(&OfficeCode::parse(code).unwrap(), code)
        .await
        .unwrap()
}

/// Registers a case at intake, managed and recorded by `cm`.
async fn new_case(
    s: &Arc<dyn Store>,
    office: OfficeId,
    cm: UserId,
    profile: ReturneeProfile,
) -> CaseRecord {
    s.create_case(
        NewCase {
            id: CaseId::new(),
            office,
            case_manager: Some(cm),
            profile,
            stage: CaseStage::Intake,
            consents: vec![],
        },
        AuditContext::by(cm, NOW),
    )
    .await
    .unwrap()
}

/// The names of the fields changed by a record's audit entries, oldest first.
async fn changed_fields(s: &Arc<dyn Store>, record_type: &str, id: &str) -> Vec<String> {
    s.audit_for_record(record_type, id, AuditScope::Changes)
        .await
        .unwrap()
        .iter()
        .flat_map(|e| e.changes.iter().map(|c| c.field.clone()))
        .collect()
}
