//! [`FieldStore`] for SQLite.

use super::*;

#[async_trait]
impl FieldStore for SqliteStore {
    async fn receive_field_submission(
        &self,
        receipt: FieldReceipt,
        audit: AuditContext,
    ) -> Result<ReceiptOutcome> {
        self.write(move |tx| field::receive(tx, &receipt, &audit))
            .await
    }
    async fn receipt_context(
        &self,
        instance_id: &str,
        case_number: &str,
    ) -> Result<(Option<InstanceSeen>, Option<CaseRecord>)> {
        let (id, number) = (
            instance_id.to_string(),
            case_number.trim().to_ascii_uppercase(),
        );
        self.read(move |c| {
            let seen = field::seen(c, &id)?;
            let case = match (number.is_empty(), seen) {
                (false, None) => match cases::id_by_number(c, &number)? {
                    Some(case) => Some(cases::get(c, case)?),
                    None => None,
                },
                _ => None,
            };
            Ok((seen, case))
        })
        .await
    }
    async fn instance_seen(&self, instance_id: &str) -> Result<Option<InstanceSeen>> {
        let id = instance_id.to_string();
        self.read(move |c| field::seen(c, &id)).await
    }
    async fn add_field_part(&self, part: FieldPart, at: OffsetDateTime) -> Result<()> {
        self.write(move |tx| field::add_part(tx, &part, at)).await
    }
    async fn field_parts(&self, instance_id: &str, token: uuid::Uuid) -> Result<Vec<FieldPart>> {
        let id = instance_id.to_string();
        self.read(move |c| field::parts(c, &id, token)).await
    }
    async fn completed_submissions_page(&self, query: CompletedQuery) -> Result<Vec<Submission>> {
        self.read(move |c| field::completed(c, &query)).await
    }
    async fn hold_field_submission(
        &self,
        held: HeldSubmission,
        audit: AuditContext,
    ) -> Result<bool> {
        self.write(move |tx| field::hold(tx, &held, &audit)).await
    }
    async fn held_submissions(&self, office: Option<OfficeId>) -> Result<Vec<HeldSubmission>> {
        self.read(move |c| field::held_list(c, office)).await
    }
    async fn held_submission(&self, id: uuid::Uuid) -> Result<HeldSubmission> {
        self.read(move |c| field::held_one(c, id)).await
    }
    async fn decide_held(
        &self,
        id: uuid::Uuid,
        decision: HeldDecision,
        audit: AuditContext,
    ) -> Result<()> {
        self.write(move |tx| field::decide(tx, id, &decision, &audit))
            .await
    }
    async fn seal_field_submission(
        &self,
        sealed: SealedSubmission,
        audit: AuditContext,
    ) -> Result<bool> {
        self.write(move |tx| field::seal(tx, &sealed, &audit)).await
    }
    async fn sealed_submissions(&self) -> Result<Vec<SealedSubmission>> {
        self.read(field::sealed_list).await
    }
    async fn unseal_field_submission(&self, id: uuid::Uuid, audit: AuditContext) -> Result<()> {
        self.write(move |tx| field::unseal(tx, id, &audit)).await
    }
}
