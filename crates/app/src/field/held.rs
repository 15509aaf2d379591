//! Field submissions held for review. A device downloads its user's case list, the user is
//! unassigned from a case, and a visit about it arrives later: it is neither stored as theirs
//! nor dropped, but held until a programme manager accepts it (stored as a submission by its
//! sender, through the same save) or declines it (deleted).

use domain::authz::{Action, Actor, Resource, authorize};
use forms::Answers;
use store::{AuditContext, CaseRecord, HeldDecision, HeldSubmission, record_type};

use super::receive::{Arrived, Arriving, Received, Refusal, Storing, store_answers};
use crate::{App, Error};

/// The case with this number when the actor was once its case manager and is not any more.
pub(super) async fn formerly_assigned(
    app: &App,
    actor: &Actor,
    number: &str,
) -> Result<Option<CaseRecord>, Error> {
    if number.is_empty() {
        return Ok(None);
    }
    let Some(id) = app.store.case_by_number(number).await? else {
        return Ok(None);
    };
    let case = app.store.case(id).await?;
    if case.case_manager == Some(actor.user_id) {
        return Ok(None);
    }
    let me = app.store.user(actor.user_id).await?.username.to_string();
    let trail = app
        .store
        .audit_for_record(
            record_type::CASE,
            &case.id.to_string(),
            store::AuditScope::Changes,
        )
        .await?;
    let was_theirs = trail.iter().any(|e| {
        e.changes.iter().any(|c| {
            c.field == "case_manager"
                && (c.before.as_deref() == Some(me.as_str())
                    || c.after.as_deref() == Some(me.as_str()))
        })
    });
    Ok(was_theirs.then_some(case))
}

/// Holds an instance about a case its sender no longer works on.
pub(super) async fn hold(
    app: &App,
    actor: &Actor,
    case: &CaseRecord,
    a: Arrived<'_>,
) -> Result<Result<Received, Refusal>, Error> {
    let held = HeldSubmission {
        id: uuid::Uuid::new_v4(),
        instance_id: a.instance_id,
        token: a.token,
        user: actor.user_id,
        user_name: String::new(),
        case: case.id,
        case_number: String::new(),
        office: None,
        form_id: a.version.info.form_id.clone(),
        form_version: a.version.info.version.clone(),
        form_title: String::new(),
        answers: serde_json::to_string(&a.answers).map_err(Error::internal)?,
        files: serde_json::to_string(&a.files).map_err(Error::internal)?,
        received_at: app.now(),
    };
    app.store
        .hold_field_submission(held, AuditContext::by(actor.user_id, app.now()))
        .await?;
    Ok(Ok(Received::Held))
}

/// The submissions held for review that the actor may decide: those about cases of their
/// office whose pathway they may approve.
pub async fn held(app: &App, actor: &Actor) -> Result<Vec<HeldSubmission>, Error> {
    authorize(actor, Action::ApprovePathway, Resource::Programme)?;
    let mut out = Vec::new();
    for h in app.store.held_submissions(actor.office).await? {
        let case = app.store.case(h.case).await?;
        if authorize(actor, Action::ApprovePathway, Resource::Case(case.access())).is_ok() {
            out.push(h);
        }
    }
    Ok(out)
}

/// A held submission the actor may decide, with its case.
async fn decidable(
    app: &App,
    actor: &Actor,
    id: &str,
) -> Result<(HeldSubmission, CaseRecord), Error> {
    authorize(actor, Action::ApprovePathway, Resource::Programme)?;
    let h = app.store.held_submission(crate::parse_id(id)?).await?;
    let case = app.store.case(h.case).await?;
    authorize(actor, Action::ApprovePathway, Resource::Case(case.access()))?;
    Ok((h, case))
}

/// Accepts a held submission: it goes through the page's save (checks, scoring, pathway) as
/// its sender's, and is stored with the decision in one transaction. Answers that break the
/// form's rules are refused and the submission stays held (to be declined).
pub async fn accept_held(
    app: &App,
    actor: &Actor,
    id: &str,
    language: &str,
) -> Result<Result<(), Refusal>, Error> {
    let (h, case) = decidable(app, actor, id).await?;
    let version = app.store.form_version(&h.form_id, &h.form_version).await?;
    let compiled = crate::forms::compiled(app, &version).await?;
    let answers: Answers = serde_json::from_str(&h.answers).map_err(Error::internal)?;
    let files: Vec<Arriving> = serde_json::from_str(&h.files).map_err(Error::internal)?;
    let arrived = Arrived {
        version: &version,
        compiled: &compiled,
        answers,
        files,
        instance_id: h.instance_id,
        token: h.token,
        interviewer: h.user,
    };
    match store_answers(
        app,
        actor,
        &case,
        arrived,
        Storing::AcceptHeld(h.id),
        language,
    )
    .await?
    {
        Ok(_) => Ok(Ok(())),
        Err(refusal) => Ok(Err(refusal)),
    }
}

/// Declines a held submission: it is deleted, the decision audited.
pub async fn decline_held(app: &App, actor: &Actor, id: &str) -> Result<(), Error> {
    let (h, _) = decidable(app, actor, id).await?;
    app.store
        .decide_held(
            h.id,
            HeldDecision::Decline,
            AuditContext::by(actor.user_id, app.now()),
        )
        .await?;
    Ok(())
}
