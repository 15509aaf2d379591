//! The case part of the `Store` API (cases, consent records, bulk imports and their files, the
//! audit trail) on both engines.

use domain::authz::CaseListScope;
use domain::consent::ConsentRecord;
use domain::{CaseId, OfficeId};
use time::OffsetDateTime;

use super::{audit, case_batches, case_list, cases, imports, now, on_both_engines};
use crate::model::*;
use crate::sqlite::Lite;
use crate::{AuditContext, CaseStore, Result};

on_both_engines! {
    impl CaseStore {
        write fn create_case(&self, case: NewCase, audit: AuditContext) -> Result<CaseRecord> =
            |db| cases::create(db, case, audit);
        read fn case(&self, id: CaseId) -> Result<CaseRecord> = |db| cases::get(db, *id);
        read fn case_by_number(&self, number: &str) -> Result<Option<CaseId>> =
            |db| cases::by_number(db, number);
        write fn update_case(&self, update: CaseUpdate, audit: AuditContext) -> Result<CaseRecord> =
            |db| cases::update_and_get(db, update, audit);
        read fn list_cases(&self, query: &CaseQuery) -> Result<CasePage> =
            |db| case_list::list(db, query);
        read fn cases_with_match_keys(
            &self,
            scope: CaseListScope,
            keys: Vec<String>,
        ) -> Result<Vec<CaseRecord>> = |db| case_batches::with_match_keys(db, *scope, keys);
        write fn add_import_file(&self, file: ImportFile) -> Result<()> =
            |db| imports::add_file(db, file);
        read fn import_file(&self, id: uuid::Uuid) -> Result<Option<ImportFile>> =
            |db| imports::file(db, *id);
        write fn set_import_progress(&self, id: uuid::Uuid, checked: u64, total: u64) -> Result<()> =
            |db| imports::set_progress(db, *id, *checked, *total);
        read fn import_progress(&self, id: uuid::Uuid) -> Result<Option<(u64, u64)>> =
            |db| imports::progress(db, *id);
        read fn export_cases(
            &self,
            query: &CaseQuery,
            after: Option<String>,
            limit: u32,
        ) -> Result<Vec<CaseRecord>> =
            |db| case_batches::export_page(db, query, after.as_deref(), *limit);
        read fn case_counts(&self, office: Option<OfficeId>) -> Result<Vec<CaseCount>> =
            |db| cases::counts(db, *office);
        write fn add_consent(
            &self,
            case: CaseId,
            record: ConsentRecord,
            audit: AuditContext,
        ) -> Result<()> = |db| cases::add_consent(db, *case, record, audit);
        read fn consents(&self, case: CaseId) -> Result<Vec<ConsentEntry>> =
            |db| cases::consents(db, *case);
        // One INSERT: a transaction of its own on either engine.
        write_one fn append_audit(&self, entry: NewAuditEntry) -> Result<()> =
            |db| audit::insert(db, entry);
        read fn audit_for_record(
            &self,
            record_type: &str,
            record_id: &str,
            scope: AuditScope,
        ) -> Result<Vec<AuditEntry>> = |db| audit::for_record(db, record_type, record_id, *scope);
    }
    sqlite {
        // Written out: a batch can hold thousands of cases, which the list would copy first.
        async fn create_cases(
            &self,
            cases: Vec<NewCase>,
            audit: AuditContext,
            event: NewAuditEntry,
        ) -> Result<Vec<String>> {
            self.write_blocking(move |tx| {
                now(imports::create_cases(&Lite(tx), &cases, &audit, &event))
            })
            .await
        }
        async fn remove_import_files(
            &self,
            id: Option<uuid::Uuid>,
            before: OffsetDateTime,
        ) -> Result<()> {
            let orphans = self
                .write(move |tx| now(imports::remove_files(&Lite(tx), id, before)))
                .await?;
            for hash in orphans {
                self.files.remove(&hash)?;
            }
            Ok(())
        }
    }
    postgres {
        async fn create_cases(
            &self,
            cases: Vec<NewCase>,
            audit: AuditContext,
            event: NewAuditEntry,
        ) -> Result<Vec<String>> {
            self.write_blocking((cases, audit, event), |db, (cases, audit, event)| {
                Box::pin(imports::create_cases(db, cases, audit, event))
            })
            .await
        }
        async fn remove_import_files(
            &self,
            id: Option<uuid::Uuid>,
            before: OffsetDateTime,
        ) -> Result<()> {
            let orphans = self
                .write((), move |db, ()| Box::pin(imports::remove_files(db, id, before)))
                .await?;
            for hash in orphans {
                self.files.remove(&hash)?;
            }
            Ok(())
        }
    }
}
