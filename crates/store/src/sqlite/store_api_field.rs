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
    async fn field_instance(&self, instance_id: &str) -> Result<Option<uuid::Uuid>> {
        let id = instance_id.to_string();
        self.read(move |c| field::instance(c, &id)).await
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
}
