//! Submissions from field clients (`FieldStore`) on both engines.

use domain::OfficeId;
use time::OffsetDateTime;

use super::{field, on_both_engines};
use crate::model::*;
use crate::{AuditContext, FieldStore, Result};

on_both_engines! {
    impl FieldStore {
        write fn receive_field_submission(
            &self,
            receipt: FieldReceipt,
            audit: AuditContext,
        ) -> Result<ReceiptOutcome> = |db| field::receive(db, receipt, audit);
        read fn instance_seen(&self, instance_id: &str) -> Result<Option<InstanceSeen>> =
            |db| field::seen(db, instance_id);
        read fn receipt_context(
            &self,
            instance_id: &str,
            case_number: &str,
        ) -> Result<(Option<InstanceSeen>, Option<CaseRecord>)> =
            |db| field::receipt_context(db, instance_id, case_number);
        write fn add_field_part(&self, part: FieldPart, at: OffsetDateTime) -> Result<()> =
            |db| field::add_part(db, part, *at);
        read fn field_parts(&self, instance_id: &str, token: uuid::Uuid) -> Result<Vec<FieldPart>> =
            |db| field::parts(db, instance_id, *token);
        read fn completed_submissions_page(
            &self,
            query: CompletedQuery,
        ) -> Result<Vec<Submission>> = |db| field::completed(db, query);
        write fn hold_field_submission(
            &self,
            held: HeldSubmission,
            audit: AuditContext,
        ) -> Result<bool> = |db| field::hold(db, held, audit);
        read fn held_submissions(&self, office: Option<OfficeId>) -> Result<Vec<HeldSubmission>> =
            |db| field::held_list(db, *office);
        read fn held_submission(&self, id: uuid::Uuid) -> Result<HeldSubmission> =
            |db| field::held_one(db, *id);
        write fn seal_field_submission(
            &self,
            sealed: SealedSubmission,
            audit: AuditContext,
        ) -> Result<bool> = |db| field::seal(db, sealed, audit);
        read fn sealed_submissions(&self) -> Result<Vec<SealedSubmission>> =
            |db| field::sealed_list(db);
        write fn unseal_field_submission(&self, id: uuid::Uuid, audit: AuditContext) -> Result<()> =
            |db| field::unseal(db, *id, audit);
        write fn decide_held(
            &self,
            id: uuid::Uuid,
            decision: HeldDecision,
            audit: AuditContext,
        ) -> Result<()> = |db| field::decide(db, *id, decision, audit);
    }
}
