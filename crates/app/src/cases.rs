//! The case register's use cases that pages and API share: opening a case for an action,
//! auditing reads, choosing a case manager, describing changes and recording consent.

use domain::audit::{AuditAction, FieldChange, diff};
use domain::authz::{Action, Actor, Resource, authorize};
use domain::case::ReturneeProfile;
use domain::consent::{ConsentInput, ConsentRecord, check_consent};
use domain::{CaseId, OfficeId, Role, UserId, ValidationErrors};
use store::{AuditContext, CaseRecord, StoreError, record_type};

use crate::{App, Error, ErrorKind};

pub fn parse_case_id(id: &str) -> Result<CaseId, Error> {
    id.parse().map_err(|_| Error::new(ErrorKind::NotFound))
}

/// Loads a case and checks the caller may do `action` to it.
pub async fn authorized_case(
    app: &App,
    actor: &Actor,
    id: &str,
    action: Action,
) -> Result<CaseRecord, Error> {
    let case = app.store.case(parse_case_id(id)?).await?;
    authorize(actor, action, Resource::Case(case.access()))?;
    Ok(case)
}

/// Records that someone opened a case: reads of personal records are audited.
pub async fn audit_view(app: &App, actor: &Actor, case: &CaseRecord) -> Result<(), Error> {
    app.store
        .append_audit(AuditContext::by(actor.user_id, app.now()).entry(
            AuditAction::View,
            record_type::CASE,
            case.id.to_string(),
            vec![],
        ))
        .await?;
    Ok(())
}

/// Reads the chosen case manager, who must be an active case manager of the case's office.
pub async fn chosen_manager(
    app: &App,
    value: &str,
    office: OfficeId,
    errors: &mut ValidationErrors,
) -> Result<Option<UserId>, Error> {
    if value.trim().is_empty() {
        return Ok(None);
    }
    let Ok(id) = value.trim().parse::<UserId>() else {
        errors.add("case_manager", "error-choice");
        return Ok(None);
    };
    match app.store.user(id).await {
        Ok(u) if u.role == Role::CaseManager && u.office == Some(office) && !u.disabled => {
            Ok(Some(id))
        }
        Ok(_) | Err(StoreError::NotFound) => {
            errors.add("case_manager", "error-case-manager-office");
            Ok(None)
        }
        Err(e) => Err(e.into()),
    }
}

/// Field-level changes for the audit entry, naming case managers by username.
pub async fn case_changes(
    app: &App,
    case: &CaseRecord,
    case_manager: Option<UserId>,
    profile: &ReturneeProfile,
) -> Result<Vec<FieldChange>, Error> {
    let mut changes = diff(&case.profile.audit_fields(), &profile.audit_fields());
    if case_manager != case.case_manager {
        let name = |u: Option<UserId>| async move {
            match u {
                Some(id) => app
                    .store
                    .user(id)
                    .await
                    .map(|u| Some(u.username.to_string())),
                None => Ok(None),
            }
        };
        changes.push(FieldChange {
            field: "case_manager".into(),
            before: name(case.case_manager).await?,
            after: name(case_manager).await?,
        });
    }
    Ok(changes)
}

/// Checks a consent decision against the case's history and records it, with its audit entry:
/// the one path for the page and the API.
pub async fn record_consent_decision(
    app: &App,
    actor: &Actor,
    case: &CaseRecord,
    input: ConsentInput,
) -> Result<(), Error> {
    let history: Vec<ConsentRecord> = app
        .store
        .consents(case.id)
        .await?
        .into_iter()
        .map(|c| c.record)
        .collect();
    check_consent(&input, &history, app.today()).map_err(Error::validation)?;
    let now = app.now();
    let (purpose, decision) = (input.purpose, input.decision);
    let record = ConsentRecord {
        purpose: input.purpose,
        decision: input.decision,
        method: input.method,
        date: input.date,
        notes: input.notes,
        recorded_by: actor.user_id,
        recorded_at: now,
    };
    app.store
        .add_consent(case.id, record, AuditContext::by(actor.user_id, now))
        .await?;
    crate::referrals::after_case_consent(app, actor, case.id, purpose, decision).await
}
