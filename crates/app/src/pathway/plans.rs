//! The reintegration plan: drafting and amending versions, the returnee's agreement, and a
//! supervisor's approval or return with comments. Each change is written with the stage it
//! leads to.

use domain::ValidationErrors;
use domain::authz::{Action, Actor};
use domain::pathway::plan::PlanContent;
use domain::pathway::stage::Change;
use store::{NewPlanAgreement, PlanVersionRecord};

use super::{Pathway, ctx, may, stage_after};
use crate::{App, Error, ErrorKind};

/// Saves a plan: a new version when `version` is `None` (`expected` is then the newest version
/// the author saw, 0 for none), otherwise an edit of that version (`expected` is its revision).
/// The baseline scores are refreshed from the latest survey.
pub async fn save_plan(
    app: &App,
    actor: &Actor,
    p: &Pathway,
    version: Option<i64>,
    expected: i64,
    content: PlanContent,
) -> Result<PlanVersionRecord, Error> {
    may(actor, Action::UpdateCase, p)?;
    let content = content.normalised();
    let mut content = domain::text::clean_texts(content).map_err(Error::validation)?;
    content.check_draft().map_err(Error::validation)?;
    content.baseline = p.baseline().or(content.baseline);
    let latest = version.is_none_or(|v| p.latest_plan().is_some_and(|l| l.version == v));
    let stage = stage_after(p, Change::PlanDrafted { latest });
    let (case, audit) = (p.case.id, ctx(app, actor));
    Ok(match version {
        None => {
            let expected_latest = (expected > 0).then_some(expected);
            app.store
                .create_plan_version(case, expected_latest, content, stage, audit)
                .await?
        }
        Some(v) => {
            app.store
                .update_plan_version(case, v, expected, content, stage, audit)
                .await?
        }
    })
}

/// Starts an amendment: a new version copying the newest one, to be agreed again.
pub async fn amend_plan(
    app: &App,
    actor: &Actor,
    p: &Pathway,
    expected_latest: i64,
) -> Result<PlanVersionRecord, Error> {
    may(actor, Action::UpdateCase, p)?;
    let latest = p.latest_plan().ok_or(Error::new(ErrorKind::NotFound))?;
    if latest.status().editable() {
        // There is already a version being worked on: amend that one.
        return Ok(latest.clone());
    }
    save_plan(app, actor, p, None, expected_latest, latest.content.clone()).await
}

fn plan_version(p: &Pathway, version: i64) -> Result<&PlanVersionRecord, Error> {
    p.plans
        .iter()
        .find(|v| v.version == version)
        .ok_or(Error::new(ErrorKind::NotFound))
}

pub async fn agree_plan(
    app: &App,
    actor: &Actor,
    p: &Pathway,
    version: i64,
    revision: i64,
    agreement: NewPlanAgreement,
) -> Result<(), Error> {
    may(actor, Action::UpdateCase, p)?;
    let v = plan_version(p, version)?;
    let mut e = v
        .content
        .check_for_agreement(&p.children())
        .err()
        .unwrap_or_default();
    if agreement.date > app.today() {
        e.add("agreed_on", "error-date-in-future");
    }
    if !e.is_empty() {
        return Err(Error::validation(e));
    }
    let latest = p.latest_plan().is_some_and(|l| l.version == version);
    let stage = stage_after(p, Change::PlanAgreed { latest });
    app.store
        .agree_plan(
            p.case.id,
            version,
            revision,
            agreement,
            stage,
            ctx(app, actor),
        )
        .await?;
    Ok(())
}

pub async fn approve_plan(
    app: &App,
    actor: &Actor,
    p: &Pathway,
    version: i64,
    revision: i64,
) -> Result<(), Error> {
    let own = p.approval_by(actor).ok_or(domain::authz::Forbidden)?;
    if !plan_version(p, version)?.status().approvable() {
        // Not agreed by the returnee yet, or approved already.
        return Err(Error::new(ErrorKind::Conflict));
    }
    let latest = p.latest_plan().is_some_and(|l| l.version == version);
    let stage = stage_after(p, Change::PlanApproved { latest });
    app.store
        .approve_plan(p.case.id, version, revision, own, stage, ctx(app, actor))
        .await?;
    Ok(())
}

/// Returns a version awaiting approval with comments instead of approving it (whoever may
/// approve it): its agreement is withdrawn, and the case manager changes it and has it agreed
/// again. The comments are required and kept with the version.
pub async fn return_plan(
    app: &App,
    actor: &Actor,
    p: &Pathway,
    version: i64,
    revision: i64,
    comments: &str,
) -> Result<(), Error> {
    p.approval_by(actor).ok_or(domain::authz::Forbidden)?;
    let comments = comments.trim();
    let mut e = ValidationErrors::new();
    if comments.is_empty() {
        e.add("comments", "error-required");
    } else if comments.chars().count() > domain::case::MAX_LONG_TEXT {
        e.add("comments", "error-too-long");
    }
    if !e.is_empty() {
        return Err(Error::validation(e));
    }
    if !plan_version(p, version)?.status().approvable() {
        return Err(Error::new(ErrorKind::Conflict));
    }
    let latest = p.latest_plan().is_some_and(|l| l.version == version);
    let stage = stage_after(p, Change::PlanDrafted { latest });
    let (case, comments) = (p.case.id, comments.to_string());
    app.store
        .return_plan(case, version, revision, comments, stage, ctx(app, actor))
        .await?;
    Ok(())
}
