//! The form library: uploading a form version to try it out, publishing it. Published versions
//! never change; every set of answers records the form id and version it was given with.

use domain::authz::{Action, Actor, Resource, authorize};
use forms::model::Form;
use store::{AuditContext, FormOrigin, NewFormVersion};

use crate::{App, Error};

/// Stores an uploaded (already read and checked) form as a draft version to preview. A version
/// already published is refused as a conflict: publish it under a new version number.
pub async fn upload(app: &App, actor: &Actor, form: &Form) -> Result<(), Error> {
    authorize(actor, Action::ManageForms, Resource::Programme)?;
    let s = &form.settings;
    app.store
        .save_form_draft(
            NewFormVersion {
                form_id: s.form_id.clone(),
                version: s.version.clone(),
                title: s.title.clone(),
                definition: serde_json::to_string(form).map_err(Error::internal)?,
                origin: FormOrigin::Upload,
            },
            AuditContext::by(actor.user_id, app.now()),
        )
        .await?;
    Ok(())
}

/// Publishes a draft version: from now on it can be filled, and it never changes.
pub async fn publish(app: &App, actor: &Actor, form_id: &str, version: &str) -> Result<(), Error> {
    authorize(actor, Action::ManageForms, Resource::Programme)?;
    app.store
        .publish_form(form_id, version, AuditContext::by(actor.user_id, app.now()))
        .await?;
    Ok(())
}
