//! Feedback and complaints (Module 5): anyone may leave them without an account, anonymously
//! or with the one contact they choose; programme managers of the office handle them through
//! acknowledged, referred and resolved. Case managers never see them, so a complaint about a
//! case manager never reaches that person.

use domain::audit::AuditAction;
use domain::authz::{Action, Actor, Resource, authorize};
use domain::feedback::{FeedbackStep, next_status, read_feedback, reference};
use store::{AuditContext, FeedbackChange, FeedbackIn, FeedbackRecord};

use crate::{App, Error, ErrorKind};

/// The public form as typed.
#[derive(Clone, Debug, Default)]
pub struct FeedbackForm {
    /// The office's code, as printed on the plan and the referral slip; blank if not known.
    pub office: String,
    pub kind: String,
    pub about: String,
    pub message: String,
    pub contact_way: String,
    pub contact: String,
}

/// Stores what was left and returns it with its reference. `form_key` is the form's one-time
/// key: the same form sent twice is stored once. `language` is the page's.
pub async fn leave(
    app: &App,
    form: &FeedbackForm,
    form_key: &str,
    language: &str,
) -> Result<FeedbackRecord, Error> {
    let mut errors = domain::ValidationErrors::new();
    let office = match form.office.trim() {
        "" => None,
        code => {
            let found = match domain::OfficeCode::parse(&code.to_uppercase()) {
                Ok(c) => app.store.office_by_code(&c).await?,
                Err(_) => None,
            };
            if found.is_none() {
                errors.add("office", "error-feedback-office");
            }
            found.map(|o| o.id)
        }
    };
    let feedback = read_feedback(
        &form.kind,
        &form.about,
        &form.message,
        &form.contact_way,
        &form.contact,
    );
    let feedback = match feedback {
        Ok(f) if errors.is_empty() => f,
        Ok(_) => return Err(Error::validation(errors)),
        Err(more) => {
            errors.0.extend(more.0);
            return Err(Error::validation(errors));
        }
    };
    if form_key.trim().len() < 16 {
        return Err(Error::new(ErrorKind::BadRequest));
    }
    Ok(app
        .store
        .leave_feedback(FeedbackIn {
            id: uuid::Uuid::new_v4(),
            reference: reference(rand::random()),
            form_key: crate::accounts::hash_token(form_key),
            office,
            feedback,
            language: language.to_string(),
            at: app.now(),
        })
        .await?)
}

/// Feedback for the actor's office (every office's, and that left without one, for national
/// staff), newest first.
pub async fn inbox(app: &App, actor: &Actor) -> Result<Vec<FeedbackRecord>, Error> {
    authorize(actor, Action::HandleFeedback, Resource::Programme)?;
    Ok(app.store.feedback_list(actor.office).await?)
}

/// One piece of feedback; reading it (it may hold a contact) is audited.
pub async fn read(app: &App, actor: &Actor, id: &str) -> Result<FeedbackRecord, Error> {
    let f = in_scope(app, actor, id).await?;
    app.store
        .append_audit(AuditContext::by(actor.user_id, app.now()).entry(
            AuditAction::View,
            "feedback",
            f.id.to_string(),
            vec![],
        ))
        .await?;
    Ok(f)
}

/// Moves feedback on one step: acknowledged, referred (naming where to) or resolved (with the
/// response given, through the contact the person chose).
pub async fn step(
    app: &App,
    actor: &Actor,
    id: &str,
    step: &str,
    text: &str,
) -> Result<FeedbackRecord, Error> {
    let f = in_scope(app, actor, id).await?;
    let Some(step) = FeedbackStep::parse(step) else {
        return Err(Error::invalid("step", "error-choice"));
    };
    let to = next_status(f.status, step, text).map_err(Error::validation)?;
    let text = Some(text.trim().to_string()).filter(|t| !t.is_empty());
    let change = FeedbackChange {
        from: f.status,
        to,
        referred_to: if step == FeedbackStep::Refer {
            text.clone()
        } else {
            None
        },
        response: if step == FeedbackStep::Resolve {
            text
        } else {
            None
        },
        by: actor.user_id,
    };
    Ok(app
        .store
        .update_feedback(f.id, change, AuditContext::by(actor.user_id, app.now()))
        .await?)
}

async fn in_scope(app: &App, actor: &Actor, id: &str) -> Result<FeedbackRecord, Error> {
    authorize(actor, Action::HandleFeedback, Resource::Programme)?;
    let id: uuid::Uuid = id.parse().map_err(|_| Error::new(ErrorKind::NotFound))?;
    let f = app
        .store
        .feedback(id)
        .await?
        .ok_or(Error::new(ErrorKind::NotFound))?;
    match actor.office {
        Some(office) if f.office != Some(office) => Err(Error::new(ErrorKind::NotFound)),
        _ => Ok(f),
    }
}
