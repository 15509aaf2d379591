//! Form definitions, submissions and survey scores (`FormStore`), and the files given as
//! answers or attached to form versions (`AttachmentStore`), on both engines. A file's content
//! is kept by [`FileStore`] (the same on both), its record in the database.

use std::sync::Arc;

use domain::CaseId;

use super::{Db, files, forms, on_both_engines, rss};
use crate::files::FileStore;
use crate::model::*;
use crate::{AttachmentStore, AuditContext, FormStore, Result, StoreError};

async fn create_submission<D: Db>(
    db: &D,
    s: &NewSubmission,
    audit: &AuditContext,
) -> Result<Submission> {
    forms::create_submission(db, s, audit).await?;
    forms::get_submission(db, s.id).await
}

async fn update_submission<D: Db>(
    db: &D,
    u: &SubmissionUpdate,
    audit: &AuditContext,
) -> Result<Submission> {
    forms::update_and_follow_on(db, u, audit).await?;
    forms::get_submission(db, u.id).await
}

on_both_engines! {
    impl FormStore {
        write fn save_form_draft(&self, form: NewFormVersion, audit: AuditContext) -> Result<()> =
            |db| forms::save_draft(db, form, audit);
        write fn publish_form(
            &self,
            form_id: &str,
            version: &str,
            audit: AuditContext,
        ) -> Result<()> = |db| forms::publish(db, form_id, version, audit);
        write fn install_shipped_form(
            &self,
            form: NewFormVersion,
            audit: AuditContext,
        ) -> Result<bool> = |db| forms::install_shipped(db, form, audit);
        read fn form_version(&self, form_id: &str, version: &str) -> Result<FormVersion> =
            |db| forms::get(db, form_id, version);
        read fn latest_published_form(&self, form_id: &str) -> Result<FormVersion> =
            |db| forms::latest_published(db, form_id);
        read fn form_versions(&self) -> Result<Vec<FormVersionInfo>> = |db| forms::list(db);
        write fn create_submission(
            &self,
            s: NewSubmission,
            audit: AuditContext,
        ) -> Result<Submission> = |db| create_submission(db, s, audit);
        write fn update_submission(
            &self,
            u: SubmissionUpdate,
            audit: AuditContext,
        ) -> Result<Submission> = |db| update_submission(db, u, audit);
        read fn submission(&self, id: uuid::Uuid) -> Result<Submission> =
            |db| forms::get_submission(db, *id);
        read fn submissions_for(&self, subject: Subject) -> Result<Vec<Submission>> =
            |db| forms::submissions_for(db, *subject);
        read fn completed_submissions(&self, form_id: &str) -> Result<Vec<uuid::Uuid>> =
            |db| rss::completed_submissions(db, form_id);
        read fn rss_scores(&self, case: CaseId) -> Result<Vec<RssScore>> =
            |db| rss::scores_for_case(db, *case);
        // At most 1,000 cases: `rss::scores_for_cases` refuses more.
        read fn rss_scores_of_cases(&self, cases: Vec<CaseId>) -> Result<Vec<RssScore>> =
            |db| rss::scores_for_cases(db, cases);
        read fn rss_score(&self, submission: uuid::Uuid) -> Result<Option<RssScore>> =
            |db| rss::score_of(db, *submission);
        write fn save_rss_score(&self, score: NewRssScore, audit: AuditContext) -> Result<bool> =
            |db| rss::save(db, score, audit);
        read fn active_scoring_model(&self) -> Result<Option<String>> =
            |db| rss::active_model(db);
        write fn activate_scoring_model(
            &self,
            id: &str,
            version: &str,
            definition: &str,
            audit: AuditContext,
        ) -> Result<()> = |db| rss::activate_model(db, id, version, definition, audit);
    }
}

/// Keeps a file's content, on a blocking thread (it hashes, maybe encrypts, and writes).
async fn put_file(files: Arc<FileStore>, bytes: Vec<u8>) -> Result<String> {
    tokio::task::spawn_blocking(move || files.put(&bytes))
        .await
        .map_err(|e| StoreError::Database(e.to_string()))?
}

/// Reads a file's content back, on a blocking thread.
async fn read_file(files: Arc<FileStore>, sha256: String) -> Result<Vec<u8>> {
    tokio::task::spawn_blocking(move || files.get(&sha256))
        .await
        .map_err(|e| StoreError::Database(e.to_string()))?
}

on_both_engines! {
    impl AttachmentStore {
        write fn add_submission_file(
            &self,
            file: NewSubmissionFile,
            audit: AuditContext,
        ) -> Result<()> = |db| files::add(db, file, audit);
        read fn submission_files(&self, submission: uuid::Uuid) -> Result<Vec<SubmissionFile>> =
            |db| files::of_submission(db, *submission);
        write fn add_form_file(&self, file: FormFile, audit: AuditContext) -> Result<()> =
            |db| files::add_form_file(db, file, audit);
        read fn form_files(&self, form_id: &str, version: &str) -> Result<Vec<FormFile>> =
            |db| files::of_form(db, form_id, version);
    }
    sqlite {
        async fn put_file(&self, bytes: Vec<u8>) -> Result<String> {
            put_file(self.files.clone(), bytes).await
        }
        async fn read_file(&self, sha256: &str) -> Result<Vec<u8>> {
            read_file(self.files.clone(), sha256.to_string()).await
        }
    }
    postgres {
        async fn put_file(&self, bytes: Vec<u8>) -> Result<String> {
            put_file(self.files.clone(), bytes).await
        }
        async fn read_file(&self, sha256: &str) -> Result<Vec<u8>> {
            read_file(self.files.clone(), sha256.to_string()).await
        }
    }
}
