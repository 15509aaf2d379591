//! The store's traits implemented for SQLite: each method one read on the pool or one write
//! transaction on the writer, delegating to the SQL of its part (`forms`, `rss`, `files`); the
//! parts already shared by both engines are in `crate::sql`.

use super::*;

#[async_trait]
impl FormStore for SqliteStore {
    async fn save_form_draft(&self, form: NewFormVersion, audit: AuditContext) -> Result<()> {
        self.write(move |tx| forms::save_draft(tx, &form, &audit))
            .await
    }
    async fn publish_form(&self, form_id: &str, version: &str, audit: AuditContext) -> Result<()> {
        let (id, v) = (form_id.to_string(), version.to_string());
        self.write(move |tx| forms::publish(tx, &id, &v, &audit))
            .await
    }
    async fn install_shipped_form(
        &self,
        form: NewFormVersion,
        audit: AuditContext,
    ) -> Result<bool> {
        self.write(move |tx| forms::install_shipped(tx, &form, &audit))
            .await
    }
    async fn form_version(&self, form_id: &str, version: &str) -> Result<FormVersion> {
        let (id, v) = (form_id.to_string(), version.to_string());
        self.read(move |c| forms::get(c, &id, &v)).await
    }
    async fn latest_published_form(&self, form_id: &str) -> Result<FormVersion> {
        let id = form_id.to_string();
        self.read(move |c| forms::latest_published(c, &id)).await
    }
    async fn form_versions(&self) -> Result<Vec<FormVersionInfo>> {
        self.read(forms::list).await
    }
    async fn create_submission(&self, s: NewSubmission, audit: AuditContext) -> Result<Submission> {
        self.write(move |tx| {
            forms::create_submission(tx, &s, &audit)?;
            forms::get_submission(tx, s.id)
        })
        .await
    }
    async fn update_submission(
        &self,
        u: SubmissionUpdate,
        audit: AuditContext,
    ) -> Result<Submission> {
        self.write(move |tx| {
            forms::update_submission(tx, &u, &audit)?;
            if let Some(score) = &u.score
                && u.status == SubmissionStatus::Complete
            {
                rss::save(tx, score, &audit)?;
            }
            if let Some(f) = &u.follow_on
                && u.status == SubmissionStatus::Complete
            {
                for entry in &f.entries {
                    pathway::add_entry(tx, entry, &audit)?;
                }
                pathway::derive_stage(tx, f.case, f.derived_stage, &audit)?;
            }
            forms::get_submission(tx, u.id)
        })
        .await
    }
    async fn submission(&self, id: uuid::Uuid) -> Result<Submission> {
        self.read(move |c| forms::get_submission(c, id)).await
    }
    async fn submissions_for(&self, subject: Subject) -> Result<Vec<Submission>> {
        self.read(move |c| forms::submissions_for(c, subject)).await
    }
    async fn completed_submissions(&self, form_id: &str) -> Result<Vec<uuid::Uuid>> {
        let form_id = form_id.to_string();
        self.read(move |c| rss::completed_submissions(c, &form_id))
            .await
    }
    async fn rss_scores(&self, case: CaseId) -> Result<Vec<RssScore>> {
        self.read(move |c| rss::scores_for_case(c, case)).await
    }
    async fn rss_scores_of_cases(&self, cases: Vec<CaseId>) -> Result<Vec<RssScore>> {
        at_most_a_thousand(&cases)?;
        self.read(move |c| rss::scores_for_cases(c, &cases)).await
    }
    async fn rss_score(&self, submission: uuid::Uuid) -> Result<Option<RssScore>> {
        self.read(move |c| rss::score_of(c, submission)).await
    }
    async fn save_rss_score(&self, score: NewRssScore, audit: AuditContext) -> Result<bool> {
        self.write(move |tx| rss::save(tx, &score, &audit)).await
    }
    async fn active_scoring_model(&self) -> Result<Option<String>> {
        self.read(rss::active_model).await
    }
    async fn activate_scoring_model(
        &self,
        id: &str,
        version: &str,
        definition: &str,
        audit: AuditContext,
    ) -> Result<()> {
        let (id, version, definition) =
            (id.to_string(), version.to_string(), definition.to_string());
        self.write(move |tx| rss::activate_model(tx, &id, &version, &definition, &audit))
            .await
    }
}

#[async_trait]
impl AttachmentStore for SqliteStore {
    async fn put_file(&self, bytes: Vec<u8>) -> Result<String> {
        let files = self.files.clone();
        tokio::task::spawn_blocking(move || files.put(&bytes))
            .await
            .map_err(|e| StoreError::Database(e.to_string()))?
    }
    async fn read_file(&self, sha256: &str) -> Result<Vec<u8>> {
        let files = self.files.clone();
        let sha256 = sha256.to_string();
        tokio::task::spawn_blocking(move || files.get(&sha256))
            .await
            .map_err(|e| StoreError::Database(e.to_string()))?
    }
    async fn add_submission_file(
        &self,
        file: NewSubmissionFile,
        audit: AuditContext,
    ) -> Result<()> {
        self.write(move |tx| files::add(tx, &file, &audit)).await
    }
    async fn submission_files(&self, submission: uuid::Uuid) -> Result<Vec<SubmissionFile>> {
        self.read(move |c| files::of_submission(c, submission))
            .await
    }
    async fn add_form_file(&self, file: FormFile, audit: AuditContext) -> Result<()> {
        self.write(move |tx| files::add_form_file(tx, &file, &audit))
            .await
    }
    async fn form_files(&self, form_id: &str, version: &str) -> Result<Vec<FormFile>> {
        let (form_id, version) = (form_id.to_string(), version.to_string());
        self.read(move |c| files::of_form(c, &form_id, &version))
            .await
    }
}

/// Batch reads take at most 1,000 cases (SQLite's bound on a statement's parameters is far
/// above; this keeps one read short).
fn at_most_a_thousand(cases: &[CaseId]) -> Result<()> {
    if cases.len() > 1_000 {
        return Err(StoreError::Database("at most 1,000 cases at a time".into()));
    }
    Ok(())
}
