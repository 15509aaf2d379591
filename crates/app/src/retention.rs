//! Retention and erasure (Module 5: data kept no longer than needed; the returnee may
//! withdraw): the programme's retention period, the job that anonymises closed cases once it
//! has passed, and erasure requests approved by a programme manager. Anonymising keeps what
//! the figures count (`domain::retention`), so indicators do not change.

use domain::CaseId;
use domain::authz::{Action, Actor, Resource, authorize};
use domain::me::{AgeBands, Programme};
use domain::pathway::closure::Closure;
use domain::pathway::followup::FollowUpVisit;
use domain::pathway::plan::{Disbursement, PlanContent};
use domain::pathway::{CounsellingSession, UnmetNeed, UrgentReferral};
use domain::referral::ReferralContent;
use domain::retention::{self as rule, anonymise_json};
use store::{Anonymised, AuditContext, CaseRecord, DocKind, EntryKind, setting};

use crate::{App, Error};

/// Months after closure that closed cases are kept before being anonymised; `None` keeps
/// them until someone decides.
pub async fn retention_months(app: &App) -> Result<Option<u16>, Error> {
    Ok(app
        .store
        .setting(setting::RETENTION_MONTHS)
        .await?
        .and_then(|m| m.parse().ok()))
}

/// Sets the retention period (empty: none). Audited like every setting.
pub async fn set_retention_months(app: &App, actor: &Actor, months: &str) -> Result<(), Error> {
    authorize(actor, Action::ManageProgramme, Resource::Programme)?;
    let months = months.trim();
    let value = if months.is_empty() {
        String::new()
    } else {
        match months.parse::<u16>() {
            Ok(m) if (1..=rule::MAX_RETENTION_MONTHS).contains(&m) => m.to_string(),
            _ => return Err(Error::invalid("retention_months", "error-retention-months")),
        }
    };
    if app
        .store
        .setting(setting::RETENTION_MONTHS)
        .await?
        .unwrap_or_default()
        != value
    {
        app.store
            .set_setting(
                setting::RETENTION_MONTHS,
                value,
                AuditContext::by(actor.user_id, app.now()),
            )
            .await?;
    }
    Ok(())
}

/// Every age-band boundary any programme uses: an anonymised age kept at the highest boundary
/// at or below it falls in the same band of every programme.
async fn band_boundaries(app: &App) -> Result<AgeBands, Error> {
    let mut bounds = AgeBands::default().lower_bounds;
    for doc in app.store.documents(DocKind::Programme, None).await? {
        if let Ok(p) = serde_json::from_str::<Programme>(&doc.body) {
            bounds.extend(p.bands().lower_bounds);
        }
    }
    bounds.sort_unstable();
    bounds.dedup();
    Ok(AgeBands {
        lower_bounds: bounds,
    })
}

/// Removes the case's personal data, in one store transaction with its audit entry.
async fn anonymise(app: &App, case: &CaseRecord, audit: AuditContext) -> Result<(), Error> {
    let texts = app.store.case_texts(case.id).await?;
    let bands = band_boundaries(app).await?;
    let entries = texts
        .entries
        .into_iter()
        .map(|(id, kind, body)| {
            let body = match kind {
                EntryKind::Session => anonymise_json::<CounsellingSession>(&body),
                EntryKind::FollowUp => anonymise_json::<FollowUpVisit>(&body),
                EntryKind::Disbursement => anonymise_json::<Disbursement>(&body),
                EntryKind::UnmetNeed => anonymise_json::<UnmetNeed>(&body),
                EntryKind::UrgentReferral => anonymise_json::<UrgentReferral>(&body),
                // A task holds its kind and source only.
                EntryKind::Task => body,
            };
            (id, body)
        })
        .collect();
    let mut submissions = Vec::new();
    for (id, form_id, version, answers) in texts.submissions {
        let form = app.store.form_version(&form_id, &version).await?;
        let kept = match (
            serde_json::from_str::<forms::Form>(&form.definition),
            serde_json::from_str::<forms::Answers>(&answers),
        ) {
            (Ok(form), Ok(answers)) => {
                serde_json::to_string(&forms::retention::anonymised_answers(&form, &answers))
                    .map_err(Error::internal)?
            }
            _ => "{}".to_string(),
        };
        submissions.push((id, kept));
    }
    let anonymised = Anonymised {
        age_at_return: rule::age_kept(&bands, case.profile.age_at_return()),
        entries,
        plans: texts
            .plans
            .into_iter()
            .map(|(v, body)| (v, anonymise_json::<PlanContent>(&body)))
            .collect(),
        closures: texts
            .closures
            .into_iter()
            .map(|(id, body)| (id, anonymise_json::<Closure>(&body)))
            .collect(),
        referrals: texts
            .referrals
            .into_iter()
            .map(|(id, body)| (id, anonymise_json::<ReferralContent>(&body)))
            .collect(),
        submissions,
    };
    app.store.anonymise_case(case.id, anonymised, audit).await?;
    Ok(())
}

/// What a run of the retention job did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RetentionRun {
    /// Closed cases looked at (not anonymised yet).
    pub closed: usize,
    pub anonymised: usize,
}

/// Anonymises every closed case whose closure was approved longer ago than the programme's
/// retention period. Does nothing when no period is set. Run daily by the server, and by
/// `reintegra retention run`.
pub async fn run(app: &App) -> Result<RetentionRun, Error> {
    // Files uploaded for an import and never imported are not kept past a day, whatever the
    // retention period.
    app.store
        .remove_import_files(None, app.now() - crate::imports::KEPT_FOR)
        .await?;
    // Nor are finished exports' files.
    crate::exports::jobs::forget_old(app).await?;
    let Some(months) = retention_months(app).await? else {
        return Ok(RetentionRun::default());
    };
    let now = app.now();
    let closed = app.store.closed_cases_not_anonymised().await?;
    let mut done = RetentionRun {
        closed: closed.len(),
        anonymised: 0,
    };
    for (id, closed_at) in closed {
        if !rule::is_due(closed_at, now, months) {
            continue;
        }
        let case = app.store.case(id).await?;
        let mut audit = AuditContext::system(now, "retention");
        audit.reason = Some(format!("retention period of {months} months after closure"));
        anonymise(app, &case, audit).await?;
        done.anonymised += 1;
    }
    Ok(done)
}

/// The case, when the actor may do `action` to it (one they may not even see is not found).
async fn case_for(
    app: &App,
    actor: &Actor,
    id: CaseId,
    action: Action,
) -> Result<CaseRecord, Error> {
    crate::cases::authorized_case(app, actor, &id.to_string(), action).await
}

/// Records that the returnee asked for their data to be erased, with why (kept with the
/// request only). Whoever may edit the case records it; a programme manager decides.
pub async fn request_erasure(
    app: &App,
    actor: &Actor,
    id: CaseId,
    reason: &str,
) -> Result<(), Error> {
    let case = case_for(app, actor, id, Action::UpdateCase).await?;
    if case.anonymised_at.is_some() {
        return Err(Error::invalid("reason", "error-erasure-done"));
    }
    let reason = rule::erasure_reason("reason", reason).map_err(Error::validation)?;
    match app
        .store
        .request_erasure(id, &reason, AuditContext::by(actor.user_id, app.now()))
        .await
    {
        Ok(()) => Ok(()),
        // Asked already (a second click, or someone else): the request stands.
        Err(store::StoreError::Conflict) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// The waiting request of a case, if the actor may see the case.
pub async fn erasure_request(
    app: &App,
    actor: &Actor,
    case: &CaseRecord,
) -> Result<Option<store::ErasureRequest>, Error> {
    // The case page opened the case already: checked again here, not read again.
    domain::authz::authorize_record(actor, Action::ReadCase, Resource::Case(case.access()))?;
    Ok(app.store.erasure_request(case.id).await?)
}

/// Waiting requests the actor may decide: only those of cases they may approve for (a case
/// manager of a self-approving office, their own cases).
pub async fn erasure_requests(
    app: &App,
    actor: &Actor,
) -> Result<Vec<store::ErasureRequest>, Error> {
    if !domain::authz::may_attempt(actor.role, Action::ApprovePathway) {
        return Ok(Vec::new());
    }
    let mut decidable = Vec::new();
    for r in app.store.erasure_requests(actor.office).await? {
        let case = app.store.case(r.case).await?;
        if authorize(actor, Action::ApprovePathway, Resource::Case(case.access())).is_ok() {
            decidable.push(r);
        }
    }
    Ok(decidable)
}

/// A programme manager approves: the case is anonymised at once.
pub async fn approve_erasure(app: &App, actor: &Actor, id: CaseId) -> Result<(), Error> {
    let case = case_for(app, actor, id, Action::ApprovePathway).await?;
    if app.store.erasure_request(id).await?.is_none() {
        return Err(Error::invalid("erasure", "error-erasure-none"));
    }
    let mut audit = AuditContext::by(actor.user_id, app.now());
    audit.reason = Some("erasure requested by the returnee".into());
    anonymise(app, &case, audit).await
}

/// A programme manager refuses, saying why (audited).
pub async fn refuse_erasure(app: &App, actor: &Actor, id: CaseId, why: &str) -> Result<(), Error> {
    case_for(app, actor, id, Action::ApprovePathway).await?;
    let why = rule::erasure_reason("why", why).map_err(Error::validation)?;
    let mut audit = AuditContext::by(actor.user_id, app.now());
    audit.reason = Some(why);
    app.store.refuse_erasure(id, audit).await?;
    Ok(())
}
