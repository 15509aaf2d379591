//! The individual pathway as the pages and the API use it: everything recorded about a case's
//! pathway loaded at once, the stage derived from it, and each step (plan, agreement, approval,
//! disbursement, closure …) checked by `domain` and written through the store. Pages and the
//! JSON API call the same functions, so they cannot drift apart.

use domain::authz::{Action, Actor, Resource, authorize};
use domain::case::CaseStage;
use domain::pathway::closure::{Closure, OpenItem, OpenKind};
use domain::pathway::feasibility::DimensionScores;
use domain::pathway::followup::{self, DueVisit, FollowUpConfig, FollowUpVisit, VisitState};
use domain::pathway::plan::{BaselineScores, Disbursement, children_concerned};
use domain::pathway::stage::{Change, ClosureState, StageFacts, derive_stage};
use domain::pathway::triggers;
use domain::pathway::{
    CounsellingSession, FOLLOW_UP_SCREENING_DAYS, TaskKind, UnmetNeed, UrgentReferral,
};
use domain::rss::Round;
use domain::{CaseId, ValidationErrors};
use forms::engine::Answers;
use store::{
    AuditContext, CaseRecord, ClosureRecord, Entry, EntryKind, FollowOn, NewEntry,
    PlanVersionRecord, RssScore, Submission, SubmissionStatus, TaskBody, setting,
};
use time::Date;

use crate::App;
use crate::Error;
use crate::rss::{RSS_FORM, consent_refused, round_of};

/// Instruments that count as assessments of the returnee.
pub const ASSESSMENT_FORMS: [&str; 4] = [
    RAPID_SCREENING_FORM,
    "returnee_background",
    "family_assessment",
    SKILLS_FORM,
];
pub use domain::pathway::triggers::{COUNSELLING_FORM, RAPID_SCREENING_FORM};

mod plans;
pub use plans::*;
pub const SKILLS_FORM: &str = "skills_assessment";

/// Everything recorded about one case's pathway.
pub struct Pathway {
    pub case: CaseRecord,
    pub entries: Vec<Entry>,
    pub plans: Vec<PlanVersionRecord>,
    pub closures: Vec<ClosureRecord>,
    pub submissions: Vec<Submission>,
    pub rss: Vec<RssScore>,
    pub config: FollowUpConfig,
    /// The day the pathway was read: what is due and who counts as a child are judged on it.
    pub today: Date,
}

pub async fn follow_up_config(app: &App) -> Result<FollowUpConfig, Error> {
    Ok(follow_up_of(app.store.setting(setting::FOLLOW_UP).await?))
}

/// The follow-up rhythm from its stored setting (the default when unset or unreadable).
fn follow_up_of(stored: Option<String>) -> FollowUpConfig {
    stored
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or_default()
}

fn parsed<T: serde::de::DeserializeOwned>(entries: &[Entry], kind: EntryKind) -> Vec<(&Entry, T)> {
    entries
        .iter()
        .filter(|e| e.kind == kind)
        .filter_map(|e| e.parse().map(|b| (e, b)))
        .collect()
}

impl Pathway {
    pub async fn load(app: &App, case: CaseRecord) -> Result<Self, Error> {
        // One read for the records, so that they are consistent with each other.
        let records = app.store.pathway_records(case.id).await?;
        app.remember_case_reads(case.id, &records.submissions, &records.rss);
        Ok(Self {
            entries: records.entries,
            plans: records.plans,
            closures: records.closures,
            submissions: records.submissions,
            rss: records.rss,
            config: follow_up_of(records.follow_up),
            today: app.today(),
            case,
        })
    }

    fn completed(&self, form: &str) -> impl Iterator<Item = &Submission> {
        let form = form.to_string();
        self.submissions
            .iter()
            .filter(move |s| s.form_id == form && s.status == SubmissionStatus::Complete)
    }

    /// Completed surveys of a round, scored or declined.
    pub fn survey_done(&self, round: Round) -> bool {
        self.rss.iter().any(|s| s.round == round)
            || self.completed(RSS_FORM).any(|s| {
                serde_json::from_str::<Answers>(&s.answers)
                    .is_ok_and(|a| consent_refused(&a) && round_of(&a) == round)
            })
    }

    pub fn closure_in_force(&self) -> Option<&ClosureRecord> {
        self.closures.iter().rfind(|c| c.in_force())
    }

    pub fn latest_plan(&self) -> Option<&PlanVersionRecord> {
        self.plans.last()
    }

    /// The newest approved version: the plan being implemented.
    pub fn active_plan(&self) -> Option<&PlanVersionRecord> {
        self.plans.iter().rfind(|p| p.approval.is_some())
    }

    /// When the plan was first agreed (by the version first approved): the anchor of the
    /// follow-up schedule.
    pub fn plan_agreed_on(&self) -> Option<Date> {
        self.plans
            .iter()
            .find(|p| p.approval.is_some())
            .and_then(|p| p.agreement.as_ref().map(|a| a.date))
    }

    pub fn first_agreement(&self) -> Option<Date> {
        self.plans
            .iter()
            .filter_map(|p| p.agreement.as_ref().map(|a| a.date))
            .min()
    }

    pub fn facts(&self) -> StageFacts {
        StageFacts {
            assessments_completed: ASSESSMENT_FORMS
                .iter()
                .map(|f| self.completed(f).count() as u32)
                .sum(),
            rapid_screening_done: self.completed(RAPID_SCREENING_FORM).next().is_some(),
            skills_assessment_done: self.completed(SKILLS_FORM).next().is_some(),
            rss_baseline_done: self.survey_done(Round::Baseline),
            latest_plan: self.latest_plan().map(PlanVersionRecord::status),
            plan_ever_approved: self.active_plan().is_some(),
            closure: self.closure_in_force().map(|c| {
                if c.approval.is_some() {
                    ClosureState::Approved
                } else {
                    ClosureState::AwaitingApproval
                }
            }),
        }
    }

    pub fn stage(&self) -> CaseStage {
        derive_stage(&self.facts())
    }

    pub fn trafficking_victim(&self) -> bool {
        self.case
            .profile
            .vulnerabilities
            .contains(&domain::case::Vulnerability::TraffickingVictim)
    }

    pub fn follow_ups(&self) -> Vec<(&Entry, FollowUpVisit)> {
        parsed(&self.entries, EntryKind::FollowUp)
    }

    pub fn visits(&self, today: Date) -> Vec<(DueVisit, VisitState)> {
        let due = followup::schedule(
            self.config,
            self.plan_agreed_on(),
            self.case.profile.return_date,
            self.trafficking_victim(),
        );
        let recorded: Vec<_> = self
            .follow_ups()
            .iter()
            .map(|(_, v)| (v.scheduled, v.date))
            .collect();
        followup::visit_states(&due, &recorded, today)
    }

    pub fn sessions(&self) -> Vec<(&Entry, CounsellingSession)> {
        parsed(&self.entries, EntryKind::Session)
    }

    /// The counselling sessions as `actor` may see them: the sensitive notes only for those
    /// allowed to read them (pages and the API both list sessions through here).
    pub fn sessions_seen_by(&self, actor: &Actor) -> Vec<(&Entry, CounsellingSession)> {
        let mut list = self.sessions();
        if !may_read_sensitive(actor, &self.case) {
            for (_, s) in &mut list {
                s.sensitive_notes = None;
            }
        }
        list
    }
    pub fn urgent(&self) -> Vec<(&Entry, UrgentReferral)> {
        parsed(&self.entries, EntryKind::UrgentReferral)
    }
    pub fn tasks(&self) -> Vec<(&Entry, TaskBody)> {
        parsed(&self.entries, EntryKind::Task)
    }
    pub fn unmet(&self) -> Vec<(&Entry, UnmetNeed)> {
        parsed(&self.entries, EntryKind::UnmetNeed)
    }
    pub fn disbursements(&self) -> Vec<(&Entry, Disbursement)> {
        parsed(&self.entries, EntryKind::Disbursement)
    }

    pub fn latest_scores(&self) -> Option<&RssScore> {
        self.rss
            .iter()
            .max_by_key(|s| (s.interview_date, s.scored_at))
    }

    pub fn dimension_scores(&self) -> DimensionScores {
        self.latest_scores()
            .map(|s| DimensionScores {
                economic: s.scores.economic,
                social: s.scores.social,
                psychosocial: s.scores.psychosocial,
            })
            .unwrap_or_default()
    }

    pub fn baseline(&self) -> Option<BaselineScores> {
        self.latest_scores().map(|s| BaselineScores {
            survey_date: s.interview_date,
            economic: s.scores.economic,
            social: s.scores.social,
            psychosocial: s.scores.psychosocial,
            composite: s.scores.composite,
        })
    }

    pub fn children(&self) -> Vec<String> {
        children_concerned(&self.case.profile, self.today)
    }

    /// Whether the actor may approve this case's plans and closures, and whether doing so
    /// would be approving their own work.
    pub fn approval_by(&self, actor: &Actor) -> Option<bool> {
        authorize(
            actor,
            Action::ApprovePathway,
            Resource::Case(self.case.access()),
        )
        .ok()?;
        Some(self.case.case_manager == Some(actor.user_id))
    }
}

/// A case's pathway, once the actor may do `action` to the case.
pub async fn load(app: &App, actor: &Actor, id: &str, action: Action) -> Result<Pathway, Error> {
    let case = crate::cases::authorized_case(app, actor, id, action).await?;
    Pathway::load(app, case).await
}

/// A case's pathway opened to be read: the read is audited like opening the case page.
pub async fn open(app: &App, actor: &Actor, id: &str) -> Result<Pathway, Error> {
    let case = crate::cases::authorized_case(app, actor, id, Action::ReadCase).await?;
    crate::cases::audit_view(app, actor, &case).await?;
    Pathway::load(app, case).await
}

/// A case manager's work: the pathway of each of their open cases, and their referrals sent
/// and not answered yet (the page picks what is due).
pub async fn my_work(
    app: &App,
    actor: &Actor,
) -> Result<(Vec<Pathway>, Vec<store::ReferralRecord>), Error> {
    authorize(actor, Action::UpdateCase, Resource::Programme)?;
    let unanswered = app
        .store
        .referrals(&store::ReferralFilter {
            case_manager: Some(actor.user_id),
            status: Some(domain::referral::ReferralStatus::Sent),
            ..Default::default()
        })
        .await?;
    let mut pathways = Vec::new();
    for summary in app.store.open_cases_of(actor.user_id).await? {
        let case = app.store.case(summary.id).await?;
        // Their own cases; one reassigned or restricted meanwhile is left out.
        if authorize(actor, Action::ReadCase, Resource::Case(case.access())).is_ok() {
            pathways.push(Pathway::load(app, case).await?);
        }
    }
    Ok((pathways, unanswered))
}

/// Plans and closures waiting for approval that this actor may approve.
pub async fn pending_approvals(
    app: &App,
    actor: &Actor,
) -> Result<Vec<store::PendingApproval>, Error> {
    authorize(actor, Action::ApprovePathway, Resource::Programme)?;
    let all = app.store.pending_approvals(actor.office).await?;
    Ok(all
        .into_iter()
        .filter(|a| {
            let access = domain::authz::CaseAccess {
                office: a.office,
                case_manager: a.case_manager,
                restricted: a.case.restricted,
                self_approval: a.self_approval,
            };
            authorize(actor, Action::ApprovePathway, Resource::Case(access)).is_ok()
        })
        .collect())
}

/// The actor may do `action` to the pathway's case.
fn may(actor: &Actor, action: Action, p: &Pathway) -> Result<(), Error> {
    Ok(authorize(actor, action, Resource::Case(p.case.access()))?)
}

fn ctx(app: &App, actor: &Actor) -> AuditContext {
    AuditContext::by(actor.user_id, app.now())
}

/// Whether `actor` may read (and so write) the sensitive notes of the case's sessions.
pub fn may_read_sensitive(actor: &Actor, case: &CaseRecord) -> bool {
    authorize(
        actor,
        Action::ReadSensitiveNotes,
        Resource::Case(case.access()),
    )
    .is_ok()
}

/// A journal entry about to be written.
pub(crate) fn new_entry<T: serde::Serialize>(
    case: CaseId,
    kind: EntryKind,
    date: Date,
    body: &T,
    open: bool,
) -> Result<NewEntry, Error> {
    Ok(NewEntry {
        id: uuid::Uuid::new_v4(),
        case,
        kind,
        date,
        body: serde_json::to_string(body).map_err(Error::internal)?,
        open,
        summary: date.to_string(),
    })
}

/// Adds a journal entry and, in the same transaction, the stage derived with it. Private: each
/// kind of entry has its own use case, which authorizes and checks it first.
async fn add_entry<T: serde::Serialize>(
    app: &App,
    actor: &Actor,
    case: CaseId,
    kind: EntryKind,
    date: Date,
    body: &T,
    open: bool,
) -> Result<Entry, Error> {
    let entry = new_entry(case, kind, date, body, open)?;
    let mut pathway = Pathway::load(app, app.store.case(case).await?).await?;
    pathway.entries.push(Entry::from_new(&entry, app.now()));
    let stage = pathway.stage();
    Ok(app.store.add_entry(entry, stage, ctx(app, actor)).await?)
}

/// The stage a change to the plan or closure leads to, derived from the pathway the actor
/// acted on, to be written with the change.
fn stage_after(p: &Pathway, change: Change) -> CaseStage {
    derive_stage(&p.facts().after(change))
}

/// Records a follow-up visit or contact with the returnee: checked by `domain` as of today,
/// its text trimmed, written with the derived stage in one transaction. The page and the API
/// both record visits through here.
pub async fn record_visit(
    app: &App,
    actor: &Actor,
    p: &Pathway,
    visit: FollowUpVisit,
) -> Result<Entry, Error> {
    may(actor, Action::UpdateCase, p)?;
    let visit = visit.normalised();
    // The confirmation is sent, never kept, so it does not survive the texts' cleaning.
    let confirmed = visit.confirm_outside_window;
    let mut visit = domain::text::clean_texts(visit).map_err(Error::validation)?;
    visit.confirm_outside_window = confirmed;
    visit.check(app.today()).map_err(Error::validation)?;
    let schedule: Vec<DueVisit> = p.visits(app.today()).into_iter().map(|(v, _)| v).collect();
    visit.check_window(&schedule).map_err(Error::validation)?;
    add_entry(
        app,
        actor,
        p.case.id,
        EntryKind::FollowUp,
        visit.date,
        &visit,
        false,
    )
    .await
}

/// Records a counselling session on the case's log.
pub async fn record_session(
    app: &App,
    actor: &Actor,
    case: &CaseRecord,
    session: CounsellingSession,
) -> Result<Entry, Error> {
    authorize(actor, Action::UpdateCase, Resource::Case(case.access()))?;
    let session = session.normalised();
    let session = domain::text::clean_texts(session).map_err(Error::validation)?;
    session.check(app.today()).map_err(Error::validation)?;
    let date = session.date;
    add_entry(
        app,
        actor,
        case.id,
        EntryKind::Session,
        date,
        &session,
        false,
    )
    .await
}

/// Raises an urgent referral: open, and shown on every page of the case until resolved.
pub async fn raise_urgent_referral(
    app: &App,
    actor: &Actor,
    case: &CaseRecord,
    urgent: UrgentReferral,
) -> Result<Entry, Error> {
    authorize(actor, Action::UpdateCase, Resource::Case(case.access()))?;
    urgent.check(app.today()).map_err(Error::validation)?;
    let date = urgent.date;
    add_entry(
        app,
        actor,
        case.id,
        EntryKind::UrgentReferral,
        date,
        &urgent,
        true,
    )
    .await
}

/// Records a need that could not be met, for the programme's list of gaps.
pub async fn record_unmet_need(
    app: &App,
    actor: &Actor,
    case: &CaseRecord,
    need: UnmetNeed,
) -> Result<Entry, Error> {
    authorize(actor, Action::UpdateCase, Resource::Case(case.access()))?;
    need.check(app.today()).map_err(Error::validation)?;
    let date = need.date;
    add_entry(
        app,
        actor,
        case.id,
        EntryKind::UnmetNeed,
        date,
        &need,
        false,
    )
    .await
}

/// What completing an instrument about a case sets off, to be written with the completion:
/// a positive rapid screening raises the follow-up screening task; a life-threatening
/// disclosure raises an urgent referral; and the stage is derived again, since an assessment
/// or survey may move the case on. `completed` is the submission as it will be stored.
pub async fn follow_on(
    app: &App,
    case: &CaseRecord,
    completed: Submission,
    answers: &Answers,
    score: Option<&store::NewRssScore>,
) -> Result<FollowOn, Error> {
    let (form_id, submission, date) = (
        completed.form_id.clone(),
        completed.id,
        completed.interview_date,
    );
    let triggered = triggers::on_completion(&form_id, &|name| answers.text(name).to_string());
    let mut entries = Vec::new();
    if triggered.follow_up_screening {
        let task = TaskBody {
            kind: TaskKind::FollowUpScreening,
            source: Some(submission),
        };
        let due = date + time::Duration::days(FOLLOW_UP_SCREENING_DAYS);
        entries.push(new_entry(case.id, EntryKind::Task, due, &task, true)?);
    }
    if let Some(action) = triggered.urgent_action {
        let referral = UrgentReferral {
            date,
            concern: format!("{form_id}:{submission}"),
            action,
        };
        entries.push(new_entry(
            case.id,
            EntryKind::UrgentReferral,
            date,
            &referral,
            true,
        )?);
    }
    let mut pathway = Pathway::load(app, case.clone()).await?;
    pathway.submissions.retain(|s| s.id != submission);
    pathway.submissions.push(completed);
    let mut facts = pathway.facts();
    if score.is_some_and(|s| s.round == Round::Baseline) {
        facts.rss_baseline_done = true;
    }
    Ok(FollowOn {
        case: case.id,
        entries,
        derived_stage: derive_stage(&facts),
    })
}

/// Records a payment against an item of the plan being implemented.
pub async fn disburse(
    app: &App,
    actor: &Actor,
    p: &Pathway,
    d: Disbursement,
) -> Result<Entry, Error> {
    may(actor, Action::UpdateCase, p)?;
    let Some(plan) = p.active_plan() else {
        let mut e = ValidationErrors::new();
        e.add("item_key", "error-no-approved-plan");
        return Err(Error::validation(e));
    };
    let earlier: Vec<Disbursement> = p.disbursements().into_iter().map(|(_, d)| d).collect();
    let d = domain::pathway::plan::check_disbursement(&plan.content, &earlier, d, app.today())
        .map_err(Error::validation)?;
    add_entry(
        app,
        actor,
        p.case.id,
        EntryKind::Disbursement,
        d.date,
        &d,
        false,
    )
    .await
}

/// What is still open on a case: referrals not finished (drafts included), open tasks and
/// urgent referrals, grants of the plan being implemented not paid in full, and follow-up
/// visits due or overdue.
pub async fn open_business(app: &App, p: &Pathway) -> Result<Vec<OpenItem>, Error> {
    use domain::referral::ReferralStatus as S;
    let mut open = Vec::new();
    let filter = store::ReferralFilter {
        case: Some(p.case.id),
        ..Default::default()
    };
    for r in app.store.referrals(&filter).await? {
        if matches!(r.status, S::Draft | S::Sent | S::Accepted | S::Started) {
            open.push(OpenItem {
                key: format!("referral:{}", r.id),
                kind: OpenKind::Referral,
                detail: format!("{} ({})", r.service_name, r.provider_name),
            });
        }
    }
    for e in p.entries.iter().filter(|e| e.open) {
        let kind = match e.kind {
            EntryKind::Task => OpenKind::Task,
            EntryKind::UrgentReferral => OpenKind::UrgentReferral,
            _ => continue,
        };
        open.push(OpenItem {
            key: format!("entry:{}", e.id),
            kind,
            detail: e.date.to_string(),
        });
    }
    if let Some(plan) = p.active_plan() {
        let paid = p.disbursements();
        for item in plan.content.items.iter().filter(|i| i.modality.is_grant()) {
            let budget = item.budget.unwrap_or(0);
            let spent: u64 = paid
                .iter()
                .filter(|(_, d)| d.item_key == item.key)
                .map(|(_, d)| d.amount)
                .sum();
            if spent < budget {
                open.push(OpenItem {
                    key: format!("budget:{}", item.key),
                    kind: OpenKind::UnpaidBudget,
                    detail: format!("{}: {} / {}", item.details, spent, budget),
                });
            }
        }
    }
    for (visit, state) in p.visits(app.today()) {
        if matches!(state, VisitState::Due | VisitState::Overdue) {
            open.push(OpenItem {
                key: format!("visit:{}", visit.key.as_str()),
                kind: OpenKind::DueVisit,
                detail: visit.key.as_str().to_string(),
            });
        }
    }
    Ok(open)
}

pub async fn request_closure(
    app: &App,
    actor: &Actor,
    p: &Pathway,
    closure: Closure,
) -> Result<ClosureRecord, Error> {
    may(actor, Action::UpdateCase, p)?;
    let closure = closure.normalised();
    let closure = domain::text::clean_texts(closure).map_err(Error::validation)?;
    let mut problems = closure
        .check(app.today(), p.survey_done(Round::Final))
        .err()
        .unwrap_or_default();
    let open = open_business(app, p).await?;
    if let Err(e) = closure.check_open(&open) {
        problems.merge(e);
    }
    if !problems.is_empty() {
        return Err(Error::validation(problems));
    }
    let stage = stage_after(p, Change::ClosureRequested);
    Ok(app
        .store
        .request_closure(p.case.id, closure, stage, ctx(app, actor))
        .await?)
}

pub async fn approve_closure(app: &App, actor: &Actor, p: &Pathway) -> Result<(), Error> {
    let own = p.approval_by(actor).ok_or(domain::authz::Forbidden)?;
    let current = p.closure_in_force().ok_or(store::StoreError::Conflict)?;
    let stage = stage_after(p, Change::ClosureApproved);
    app.store
        .approve_closure(p.case.id, current.id, own, stage, ctx(app, actor))
        .await?;
    Ok(())
}

pub async fn reopen(app: &App, actor: &Actor, p: &Pathway, reason: &str) -> Result<(), Error> {
    p.approval_by(actor).ok_or(domain::authz::Forbidden)?;
    let reason = domain::pathway::closure::reopen_reason(reason).map_err(Error::validation)?;
    let stage = stage_after(p, Change::Reopened);
    app.store
        .reopen_case(p.case.id, reason, stage, ctx(app, actor))
        .await?;
    Ok(())
}

/// Resolves an urgent referral or completes a task.
pub async fn close_entry(
    app: &App,
    actor: &Actor,
    case: CaseId,
    id: uuid::Uuid,
    note: &str,
) -> Result<(), Error> {
    let note = note.trim();
    if note.chars().count() > domain::case::MAX_LONG_TEXT {
        let mut e = ValidationErrors::new();
        e.add("note", "error-too-long");
        return Err(Error::validation(e));
    }
    app.store
        .close_entry(case, id, note.to_string(), ctx(app, actor))
        .await?;
    Ok(())
}
