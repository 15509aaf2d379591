//! The store's traits implemented for SQLite: each method one read on the pool or one write
//! transaction on the writer, delegating to the SQL of its part (`accounts`, `cases`, `forms`,
//! `pathway`, `me`, `rss`, `audit`).

use super::*;

#[async_trait]
impl CaseStore for SqliteStore {
    async fn create_case(&self, case: NewCase, audit: AuditContext) -> Result<CaseRecord> {
        let id = case.id;
        self.write(move |tx| {
            cases::insert(tx, &case, &audit)?;
            cases::get(tx, id)
        })
        .await
    }
    async fn case(&self, id: CaseId) -> Result<CaseRecord> {
        self.read(move |c| cases::get(c, id)).await
    }
    async fn case_by_number(&self, number: &str) -> Result<Option<CaseId>> {
        let n = number.trim().to_ascii_uppercase();
        self.read(move |c| cases::id_by_number(c, &n)).await
    }
    async fn update_case(&self, update: CaseUpdate, audit: AuditContext) -> Result<CaseRecord> {
        let id = update.id;
        self.write(move |tx| {
            cases::update(tx, &update, &audit)?;
            cases::get(tx, id)
        })
        .await
    }
    async fn list_cases(&self, query: &CaseQuery) -> Result<CasePage> {
        let q = query.clone();
        self.read(move |c| cases::list(c, &q)).await
    }
    async fn create_cases(
        &self,
        cases: Vec<NewCase>,
        audit: AuditContext,
        event: NewAuditEntry,
    ) -> Result<Vec<String>> {
        self.write_blocking(move |tx| imports::create_cases(tx, &cases, &audit, &event))
            .await
    }
    async fn cases_with_match_keys(
        &self,
        scope: domain::authz::CaseListScope,
        keys: Vec<String>,
    ) -> Result<Vec<CaseRecord>> {
        if keys.len() > 500 {
            return Err(StoreError::Database("at most 500 keys at a time".into()));
        }
        self.read(move |c| case_batches::with_match_keys(c, scope, &keys))
            .await
    }
    async fn add_import_file(&self, file: ImportFile) -> Result<()> {
        self.write(move |tx| imports::add_file(tx, &file)).await
    }
    async fn import_file(&self, id: uuid::Uuid) -> Result<Option<ImportFile>> {
        self.read(move |c| imports::file(c, id)).await
    }
    async fn set_import_progress(&self, id: uuid::Uuid, checked: u64, total: u64) -> Result<()> {
        self.write(move |tx| imports::set_progress(tx, id, checked, total))
            .await
    }
    async fn import_progress(&self, id: uuid::Uuid) -> Result<Option<(u64, u64)>> {
        self.read(move |c| imports::progress(c, id)).await
    }
    async fn remove_import_files(
        &self,
        id: Option<uuid::Uuid>,
        before: OffsetDateTime,
    ) -> Result<()> {
        let files = self.files.clone();
        let orphans = self
            .write(move |tx| imports::remove_files(tx, id, before))
            .await?;
        for hash in orphans {
            files.remove(&hash)?;
        }
        Ok(())
    }
    async fn export_cases(
        &self,
        query: &CaseQuery,
        after: Option<String>,
        limit: u32,
    ) -> Result<Vec<CaseRecord>> {
        let q = query.clone();
        self.read(move |c| case_batches::export_page(c, &q, after.as_deref(), limit))
            .await
    }
    async fn case_counts(&self, office: Option<OfficeId>) -> Result<Vec<CaseCount>> {
        self.read(move |c| cases::counts(c, office)).await
    }
    async fn add_consent(
        &self,
        case: CaseId,
        record: ConsentRecord,
        audit: AuditContext,
    ) -> Result<()> {
        self.write(move |tx| cases::add_consent(tx, case, &record, &audit))
            .await
    }
    async fn consents(&self, case: CaseId) -> Result<Vec<ConsentEntry>> {
        self.read(move |c| cases::consents(c, case)).await
    }
    async fn append_audit(&self, entry: NewAuditEntry) -> Result<()> {
        self.write(move |tx| audit::insert(tx, &entry)).await
    }
    async fn audit_for_record(
        &self,
        record_type: &str,
        record_id: &str,
        scope: AuditScope,
    ) -> Result<Vec<AuditEntry>> {
        let (t, i) = (record_type.to_string(), record_id.to_string());
        self.read(move |c| audit::for_record(c, &t, &i, scope))
            .await
    }
}

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
impl PathwayStore for SqliteStore {
    async fn add_entry(
        &self,
        entry: NewEntry,
        derived_stage: domain::case::CaseStage,
        audit: AuditContext,
    ) -> Result<Entry> {
        self.write(move |tx| {
            let added = pathway::add_entry(tx, &entry, &audit)?;
            pathway::derive_stage(tx, entry.case, derived_stage, &audit)?;
            Ok(added)
        })
        .await
    }
    async fn pathway_records(&self, case: CaseId) -> Result<PathwayRecords> {
        self.read(move |c| {
            Ok(PathwayRecords {
                entries: pathway::entries(c, case)?,
                plans: plans::plan_versions(c, case)?,
                closures: pathway::closures(c, case)?,
                submissions: forms::submissions_for(c, Subject::Case(case))?,
                rss: rss::scores_for_case(c, case)?,
                follow_up: pathway::setting(c, setting::FOLLOW_UP)?,
            })
        })
        .await
    }
    async fn entries(&self, case: CaseId) -> Result<Vec<Entry>> {
        self.read(move |c| pathway::entries(c, case)).await
    }
    async fn close_entry(
        &self,
        case: CaseId,
        id: uuid::Uuid,
        note: String,
        audit: AuditContext,
    ) -> Result<()> {
        self.write(move |tx| pathway::close_entry(tx, case, id, &note, &audit))
            .await
    }
    async fn plan_versions(&self, case: CaseId) -> Result<Vec<PlanVersionRecord>> {
        self.read(move |c| plans::plan_versions(c, case)).await
    }
    async fn plans_of_cases(&self, cases: Vec<CaseId>) -> Result<Vec<PlanVersionRecord>> {
        at_most_a_thousand(&cases)?;
        self.read(move |c| plans::plans_of_cases(c, &cases)).await
    }
    async fn entries_of_cases(&self, cases: Vec<CaseId>) -> Result<Vec<Entry>> {
        at_most_a_thousand(&cases)?;
        self.read(move |c| pathway::entries_of_cases(c, &cases))
            .await
    }
    async fn create_plan_version(
        &self,
        case: CaseId,
        expected_latest: Option<i64>,
        content: domain::pathway::plan::PlanContent,
        derived_stage: domain::case::CaseStage,
        audit: AuditContext,
    ) -> Result<PlanVersionRecord> {
        self.write(move |tx| {
            let v = plans::create_plan_version(tx, case, expected_latest, &content, &audit)?;
            pathway::derive_stage(tx, case, derived_stage, &audit)?;
            Ok(v)
        })
        .await
    }
    async fn update_plan_version(
        &self,
        case: CaseId,
        version: i64,
        expected_revision: i64,
        content: domain::pathway::plan::PlanContent,
        derived_stage: domain::case::CaseStage,
        audit: AuditContext,
    ) -> Result<PlanVersionRecord> {
        self.write(move |tx| {
            let v =
                plans::update_plan_version(tx, case, version, expected_revision, &content, &audit)?;
            pathway::derive_stage(tx, case, derived_stage, &audit)?;
            Ok(v)
        })
        .await
    }
    async fn agree_plan(
        &self,
        case: CaseId,
        version: i64,
        expected_revision: i64,
        agreement: NewPlanAgreement,
        derived_stage: domain::case::CaseStage,
        audit: AuditContext,
    ) -> Result<()> {
        self.write(move |tx| {
            plans::agree_plan(tx, case, version, expected_revision, &agreement, &audit)?;
            pathway::derive_stage(tx, case, derived_stage, &audit)
        })
        .await
    }
    async fn return_plan(
        &self,
        case: CaseId,
        version: i64,
        expected_revision: i64,
        comments: String,
        derived_stage: domain::case::CaseStage,
        audit: AuditContext,
    ) -> Result<()> {
        self.write(move |tx| {
            plans::return_plan(tx, case, version, expected_revision, &comments, &audit)?;
            pathway::derive_stage(tx, case, derived_stage, &audit)
        })
        .await
    }
    async fn approve_plan(
        &self,
        case: CaseId,
        version: i64,
        expected_revision: i64,
        self_approved: bool,
        derived_stage: domain::case::CaseStage,
        audit: AuditContext,
    ) -> Result<()> {
        self.write(move |tx| {
            plans::approve_plan(tx, case, version, expected_revision, self_approved, &audit)?;
            pathway::derive_stage(tx, case, derived_stage, &audit)
        })
        .await
    }
    async fn closures(&self, case: CaseId) -> Result<Vec<ClosureRecord>> {
        self.read(move |c| pathway::closures(c, case)).await
    }
    async fn request_closure(
        &self,
        case: CaseId,
        closure: domain::pathway::closure::Closure,
        derived_stage: domain::case::CaseStage,
        audit: AuditContext,
    ) -> Result<ClosureRecord> {
        self.write(move |tx| {
            let rec = pathway::request_closure(tx, case, &closure, &audit)?;
            pathway::derive_stage(tx, case, derived_stage, &audit)?;
            Ok(rec)
        })
        .await
    }
    async fn approve_closure(
        &self,
        case: CaseId,
        id: uuid::Uuid,
        self_approved: bool,
        derived_stage: domain::case::CaseStage,
        audit: AuditContext,
    ) -> Result<()> {
        self.write(move |tx| {
            pathway::approve_closure(tx, case, id, self_approved, &audit)?;
            pathway::derive_stage(tx, case, derived_stage, &audit)
        })
        .await
    }
    async fn reopen_case(
        &self,
        case: CaseId,
        reason: String,
        derived_stage: domain::case::CaseStage,
        audit: AuditContext,
    ) -> Result<()> {
        self.write(move |tx| {
            pathway::reopen(tx, case, &reason, &audit)?;
            pathway::derive_stage(tx, case, derived_stage, &audit)
        })
        .await
    }
    async fn set_case_stage(
        &self,
        case: CaseId,
        stage: domain::case::CaseStage,
        audit: AuditContext,
    ) -> Result<bool> {
        self.write(move |tx| pathway::set_stage(tx, case, stage, &audit))
            .await
    }
    async fn open_cases_of(&self, user: UserId) -> Result<Vec<CaseSummary>> {
        self.read(move |c| pathway::open_cases_of(c, user)).await
    }
    async fn pending_approvals(&self, office: Option<OfficeId>) -> Result<Vec<PendingApproval>> {
        self.read(move |c| pathway::pending_approvals(c, office))
            .await
    }
    async fn unmet_needs(&self, office: Option<OfficeId>) -> Result<Vec<UnmetNeedRow>> {
        self.read(move |c| pathway::unmet_needs(c, office)).await
    }
    async fn feasibility_grid(&self) -> Result<Vec<domain::pathway::feasibility::GridApproach>> {
        self.read(pathway::grid).await
    }
    async fn seed_feasibility_grid(
        &self,
        rows: Vec<domain::pathway::feasibility::GridApproach>,
        audit: AuditContext,
    ) -> Result<bool> {
        self.write(move |tx| pathway::seed_grid(tx, &rows, &audit))
            .await
    }
    async fn save_grid_approach(
        &self,
        approach: domain::pathway::feasibility::GridApproach,
        audit: AuditContext,
    ) -> Result<()> {
        self.write(move |tx| pathway::save_grid_approach(tx, &approach, &audit))
            .await
    }
    async fn setting(&self, key: &str) -> Result<Option<String>> {
        let key = key.to_string();
        self.read(move |c| pathway::setting(c, &key)).await
    }
    async fn set_setting(&self, key: &str, value: String, audit: AuditContext) -> Result<()> {
        let key = key.to_string();
        self.write(move |tx| pathway::set_setting(tx, &key, &value, &audit))
            .await
    }
    async fn set_office_self_approval(
        &self,
        office: OfficeId,
        on: bool,
        audit: AuditContext,
    ) -> Result<()> {
        self.write(move |tx| pathway::set_self_approval(tx, office, on, &audit))
            .await
    }
}

#[async_trait]
impl ResultStore for SqliteStore {
    async fn tallies(&self, query: &TallyQuery) -> Result<Vec<TallyRow>> {
        let query = query.clone();
        self.read(move |c| me::tallies(c, &query)).await
    }
    async fn survey_summary(
        &self,
        office: Option<OfficeId>,
        bands: (f64, f64),
    ) -> Result<SurveySummary> {
        self.read(move |c| me::survey_summary(c, office, bands))
            .await
    }
    async fn follow_up_facts(&self, office: Option<OfficeId>) -> Result<Vec<FollowUpFacts>> {
        self.read(move |c| me::follow_up_facts(c, office)).await
    }
    async fn visit_outcome_facts(
        &self,
        office: Option<OfficeId>,
        rounds: &[domain::rss::Round],
        mut visit: Box<dyn FnMut(domain::me::outcomes::ReturneeFacts) + Send>,
    ) -> Result<()> {
        let (readers, rounds) = (self.readers.clone(), rounds.to_vec());
        // A long read: on a blocking thread, which reads with a second of its own.
        tokio::task::spawn_blocking(move || {
            me::visit_outcome_facts(&readers, office, &rounds, &mut visit)
        })
        .await
        .map_err(|e| StoreError::Database(e.to_string()))?
    }
    async fn item_means(&self, office: Option<OfficeId>) -> Result<Vec<ItemMean>> {
        self.read(move |c| me::item_means(c, office)).await
    }
    async fn answer_times(&self, office: Option<OfficeId>) -> Result<Vec<AnswerTime>> {
        self.read(move |c| me::answer_times(c, office)).await
    }
    async fn tally_cases(
        &self,
        query: &TallyQuery,
        period: &str,
        group: Option<&str>,
        limit: u32,
    ) -> Result<Vec<CaseId>> {
        let query = query.clone();
        let period = period.to_string();
        let group = group.map(str::to_string);
        self.read(move |c| me::tally_cases(c, &query, &period, group.as_deref(), limit))
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
