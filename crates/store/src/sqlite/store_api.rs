//! The store's traits implemented for SQLite: each method one read on the pool or one write
//! transaction on the writer, delegating to the SQL of its part (`forms`, `pathway`,
//! `plans`, `referrals`, `community`, `me`, `rss`, `files`).

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
impl ReferralStore for SqliteStore {
    async fn providers(&self) -> Result<Vec<ProviderRecord>> {
        self.read(referrals::providers).await
    }
    async fn provider(&self, id: domain::ProviderId) -> Result<ProviderRecord> {
        self.read(move |c| referrals::provider(c, id)).await
    }
    async fn save_provider(
        &self,
        id: domain::ProviderId,
        expected_version: Option<i64>,
        provider: domain::services::Provider,
        audit: AuditContext,
    ) -> Result<ProviderRecord> {
        self.write(move |tx| referrals::save_provider(tx, id, expected_version, &provider, &audit))
            .await
    }
    async fn services(&self) -> Result<Vec<ServiceRecord>> {
        self.read(referrals::services).await
    }
    async fn service(&self, id: domain::ServiceId) -> Result<ServiceRecord> {
        self.read(move |c| referrals::service(c, id)).await
    }
    async fn save_service(
        &self,
        id: domain::ServiceId,
        provider: domain::ProviderId,
        expected_version: Option<i64>,
        service: domain::services::Service,
        audit: AuditContext,
    ) -> Result<ServiceRecord> {
        self.write(move |tx| {
            referrals::save_service(tx, id, provider, expected_version, &service, &audit)
        })
        .await
    }
    async fn propose_service_update(
        &self,
        service: domain::ServiceId,
        case: Option<CaseId>,
        feedback: domain::services::ServiceFeedback,
        audit: AuditContext,
    ) -> Result<uuid::Uuid> {
        self.write(move |tx| {
            referrals::propose_service_update(tx, service, case, &feedback, &audit)
        })
        .await
    }
    async fn service_updates(
        &self,
        service: Option<domain::ServiceId>,
    ) -> Result<Vec<ServiceUpdateRecord>> {
        self.read(move |c| referrals::service_updates(c, service))
            .await
    }
    async fn decide_service_update(
        &self,
        id: uuid::Uuid,
        updated: Option<(i64, domain::services::Service)>,
        note: String,
        audit: AuditContext,
    ) -> Result<()> {
        self.write(move |tx| referrals::decide_service_update(tx, id, updated, &note, &audit))
            .await
    }
    async fn set_user_organisation(
        &self,
        user: UserId,
        organisation: Option<domain::ProviderId>,
        audit: AuditContext,
    ) -> Result<()> {
        self.write(move |tx| referrals::set_user_organisation(tx, user, organisation, &audit))
            .await
    }
    async fn stakeholders(&self) -> Result<Vec<StakeholderRecord>> {
        self.read(referrals::stakeholders).await
    }
    async fn stakeholder(&self, id: domain::StakeholderId) -> Result<StakeholderRecord> {
        self.read(move |c| referrals::stakeholder(c, id)).await
    }
    async fn save_stakeholder(
        &self,
        id: domain::StakeholderId,
        expected_version: Option<i64>,
        stakeholder: domain::stakeholder::Stakeholder,
        audit: AuditContext,
    ) -> Result<StakeholderRecord> {
        self.write(move |tx| {
            referrals::save_stakeholder(tx, id, expected_version, &stakeholder, &audit)
        })
        .await
    }
    async fn create_referral(&self, r: NewReferral, audit: AuditContext) -> Result<ReferralRecord> {
        self.write(move |tx| referrals::create_referral(tx, &r, &audit))
            .await
    }
    async fn referral(&self, id: domain::ReferralId) -> Result<ReferralRecord> {
        self.read(move |c| referrals::referral(c, id)).await
    }
    async fn referrals(&self, filter: &ReferralFilter) -> Result<Vec<ReferralRecord>> {
        let filter = filter.clone();
        self.read(move |c| referrals::referrals(c, &filter)).await
    }
    async fn update_referral(
        &self,
        id: domain::ReferralId,
        expected_version: i64,
        content: domain::referral::ReferralContent,
        audit: AuditContext,
    ) -> Result<ReferralRecord> {
        self.write(move |tx| referrals::update_referral(tx, id, expected_version, &content, &audit))
            .await
    }
    async fn referral_step(
        &self,
        id: domain::ReferralId,
        expected_version: i64,
        step: NewReferralStep,
        audit: AuditContext,
    ) -> Result<ReferralRecord> {
        self.write(move |tx| referrals::referral_step(tx, id, expected_version, &step, &audit))
            .await
    }
    async fn referral_events(&self, id: domain::ReferralId) -> Result<Vec<ReferralEvent>> {
        self.read(move |c| referrals::referral_events(c, id)).await
    }
    async fn create_referral_link(
        &self,
        link: NewReferralLink,
        audit: AuditContext,
    ) -> Result<ReferralLink> {
        self.write(move |tx| referrals::create_referral_link(tx, &link, &audit))
            .await
    }
    async fn referral_links(&self, referral: domain::ReferralId) -> Result<Vec<ReferralLink>> {
        self.read(move |c| referrals::referral_links(c, referral))
            .await
    }
    async fn revoke_referral_link(
        &self,
        referral: domain::ReferralId,
        link: uuid::Uuid,
        audit: AuditContext,
    ) -> Result<()> {
        self.write(move |tx| referrals::revoke_referral_link(tx, referral, link, &audit))
            .await
    }
    async fn referral_by_link(
        &self,
        token_hash: &str,
    ) -> Result<Option<(ReferralLink, ReferralRecord)>> {
        let token_hash = token_hash.to_string();
        self.read(move |c| referrals::referral_by_link(c, &token_hash))
            .await
    }
}

#[async_trait]
impl DocumentStore for SqliteStore {
    async fn documents(
        &self,
        kind: DocKind,
        parent: Option<domain::DocumentId>,
    ) -> Result<Vec<DocRecord>> {
        self.read(move |c| community::documents(c, kind, parent))
            .await
    }
    async fn document(&self, id: domain::DocumentId) -> Result<DocRecord> {
        self.read(move |c| community::document(c, id)).await
    }
    async fn save_document(
        &self,
        doc: NewDocument,
        expected_version: Option<i64>,
        audit: AuditContext,
    ) -> Result<DocRecord> {
        self.write(move |tx| {
            community::save_document(tx, &doc, expected_version, &audit)?;
            community::document(tx, doc.id)
        })
        .await
    }
    async fn documents_of_case(&self, case: CaseId) -> Result<Vec<DocRecord>> {
        self.read(move |c| community::documents_of_case(c, case))
            .await
    }
    async fn return_places(&self, office: Option<OfficeId>) -> Result<Vec<ReturnPlace>> {
        self.read(move |c| community::return_places(c, office))
            .await
    }
    async fn cases_in_province(
        &self,
        office: Option<OfficeId>,
        province: &str,
    ) -> Result<Vec<PlacedCase>> {
        let province = province.to_string();
        self.read(move |c| community::cases_in_province(c, office, &province))
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
