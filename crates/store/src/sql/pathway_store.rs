//! The individual pathway part of the `Store` API (journal, plan versions, closures, the
//! derived stage, work lists, the programme's grid and settings) on both engines. A change that
//! moves the case's stage stores the stage in the change's transaction ([`pathway::deriving`]).

use domain::case::CaseStage;
use domain::pathway::closure::Closure;
use domain::pathway::feasibility::GridApproach;
use domain::pathway::plan::PlanContent;
use domain::{CaseId, OfficeId, UserId};

use super::pathway::deriving;
use super::{on_both_engines, pathway, pathway_lists, plans, programme};
use crate::model::*;
use crate::{AuditContext, PathwayStore, Result};

on_both_engines! {
    impl PathwayStore {
        read fn pathway_records(&self, case: CaseId) -> Result<PathwayRecords> =
            |db| pathway_lists::records(db, *case);
        write fn add_entry(
            &self,
            entry: NewEntry,
            derived_stage: CaseStage,
            audit: AuditContext,
        ) -> Result<Entry> = |db| {
            deriving(db, entry.case, *derived_stage, audit, pathway::add_entry(db, entry, audit))
        };
        read fn entries(&self, case: CaseId) -> Result<Vec<Entry>> =
            |db| pathway::entries(db, *case);
        write fn close_entry(
            &self,
            case: CaseId,
            id: uuid::Uuid,
            note: String,
            audit: AuditContext,
        ) -> Result<()> = |db| pathway::close_entry(db, *case, *id, note, audit);
        read fn plan_versions(&self, case: CaseId) -> Result<Vec<PlanVersionRecord>> =
            |db| plans::plan_versions(db, *case);
        read fn plans_of_cases(&self, cases: Vec<CaseId>) -> Result<Vec<PlanVersionRecord>> =
            |db| plans::plans_of_cases(db, cases);
        read fn entries_of_cases(&self, cases: Vec<CaseId>) -> Result<Vec<Entry>> =
            |db| pathway::entries_of_cases(db, cases);
        write fn create_plan_version(
            &self,
            case: CaseId,
            expected_latest: Option<i64>,
            content: PlanContent,
            derived_stage: CaseStage,
            audit: AuditContext,
        ) -> Result<PlanVersionRecord> = |db| {
            deriving(
                db,
                *case,
                *derived_stage,
                audit,
                plans::create_plan_version(db, *case, *expected_latest, content, audit),
            )
        };
        write fn update_plan_version(
            &self,
            case: CaseId,
            version: i64,
            expected_revision: i64,
            content: PlanContent,
            derived_stage: CaseStage,
            audit: AuditContext,
        ) -> Result<PlanVersionRecord> = |db| {
            deriving(
                db,
                *case,
                *derived_stage,
                audit,
                plans::update_plan_version(db, *case, *version, *expected_revision, content, audit),
            )
        };
        write fn agree_plan(
            &self,
            case: CaseId,
            version: i64,
            expected_revision: i64,
            agreement: NewPlanAgreement,
            derived_stage: CaseStage,
            audit: AuditContext,
        ) -> Result<()> = |db| {
            deriving(
                db,
                *case,
                *derived_stage,
                audit,
                plans::agree_plan(db, *case, *version, *expected_revision, agreement, audit),
            )
        };
        write fn return_plan(
            &self,
            case: CaseId,
            version: i64,
            expected_revision: i64,
            comments: String,
            derived_stage: CaseStage,
            audit: AuditContext,
        ) -> Result<()> = |db| {
            deriving(
                db,
                *case,
                *derived_stage,
                audit,
                plans::return_plan(db, *case, *version, *expected_revision, comments, audit),
            )
        };
        write fn approve_plan(
            &self,
            case: CaseId,
            version: i64,
            expected_revision: i64,
            self_approved: bool,
            derived_stage: CaseStage,
            audit: AuditContext,
        ) -> Result<()> = |db| {
            deriving(
                db,
                *case,
                *derived_stage,
                audit,
                plans::approve_plan(db, *case, *version, *expected_revision, *self_approved, audit),
            )
        };
        read fn closures(&self, case: CaseId) -> Result<Vec<ClosureRecord>> =
            |db| pathway::closures(db, *case);
        write fn request_closure(
            &self,
            case: CaseId,
            closure: Closure,
            derived_stage: CaseStage,
            audit: AuditContext,
        ) -> Result<ClosureRecord> = |db| {
            deriving(
                db,
                *case,
                *derived_stage,
                audit,
                pathway::request_closure(db, *case, closure, audit),
            )
        };
        write fn approve_closure(
            &self,
            case: CaseId,
            id: uuid::Uuid,
            self_approved: bool,
            derived_stage: CaseStage,
            audit: AuditContext,
        ) -> Result<()> = |db| {
            deriving(
                db,
                *case,
                *derived_stage,
                audit,
                pathway::approve_closure(db, *case, *id, *self_approved, audit),
            )
        };
        write fn reopen_case(
            &self,
            case: CaseId,
            reason: String,
            derived_stage: CaseStage,
            audit: AuditContext,
        ) -> Result<()> = |db| {
            deriving(
                db,
                *case,
                *derived_stage,
                audit,
                pathway::reopen(db, *case, reason, audit),
            )
        };
        write fn set_case_stage(
            &self,
            case: CaseId,
            stage: CaseStage,
            audit: AuditContext,
        ) -> Result<bool> = |db| pathway::set_stage(db, *case, *stage, audit);
        read fn open_cases_of(&self, user: UserId) -> Result<Vec<CaseSummary>> =
            |db| pathway_lists::open_cases_of(db, *user);
        read fn pending_approvals(&self, office: Option<OfficeId>) -> Result<Vec<PendingApproval>> =
            |db| pathway_lists::pending_approvals(db, *office);
        read fn unmet_needs(&self, office: Option<OfficeId>) -> Result<Vec<UnmetNeedRow>> =
            |db| pathway_lists::unmet_needs(db, *office);
        read fn feasibility_grid(&self) -> Result<Vec<GridApproach>> = |db| programme::grid(db);
        write fn seed_feasibility_grid(
            &self,
            rows: Vec<GridApproach>,
            audit: AuditContext,
        ) -> Result<bool> = |db| programme::seed_grid(db, rows, audit);
        write fn save_grid_approach(
            &self,
            approach: GridApproach,
            audit: AuditContext,
        ) -> Result<()> = |db| programme::save_grid_approach(db, approach, audit);
        read fn setting(&self, key: &str) -> Result<Option<String>> =
            |db| programme::setting(db, key);
        write fn set_setting(&self, key: &str, value: String, audit: AuditContext) -> Result<()> =
            |db| programme::set_setting(db, key, value, audit);
        write fn replace_setting(
            &self,
            key: &str,
            expected: Option<String>,
            value: String,
            audit: AuditContext,
        ) -> Result<()> =
            |db| programme::replace_setting(db, key, expected.as_deref(), value, audit);
        write fn set_office_self_approval(
            &self,
            office: OfficeId,
            on: bool,
            audit: AuditContext,
        ) -> Result<()> = |db| programme::set_self_approval(db, *office, *on, audit);
    }
}
