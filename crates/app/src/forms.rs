//! The form library: uploading a form version to try it out, publishing it. Published versions
//! never change; every set of answers records the form id and version it was given with.

use domain::authz::{Action, Actor, Resource, authorize};
use forms::model::Form;
use store::{AuditContext, FormOrigin, NewFormVersion};

use crate::{App, Error};

/// How long reading one uploaded workbook may take before it is refused.
pub const READ_BUDGET: std::time::Duration = std::time::Duration::from_secs(10);

/// Workbooks read at once: a burst of uploads waits its turn instead of taking every blocking
/// thread of the server.
static READERS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);

/// Why an uploaded workbook was not taken.
#[derive(Debug)]
pub enum Refusal {
    /// What is wrong with it, every problem found.
    Problems(Vec<String>),
    /// Reading it took longer than [`READ_BUDGET`].
    TooSlow,
    /// It reads well, but this version of the form is already published.
    Published { form_id: String, version: String },
}

/// Reads an uploaded `.xlsx` XLSForm and stores it as a draft version to preview. The file is
/// read off the request threads, one of a few at a time, within a time budget: one hostile
/// file cannot stall the server. Pages and the command line read forms through here.
pub async fn upload_xlsx(
    app: &App,
    actor: &Actor,
    bytes: Vec<u8>,
    file_name: String,
) -> Result<Result<Form, Refusal>, Error> {
    authorize(actor, Action::ManageForms, Resource::Programme)?;
    let form = match read_xlsx(bytes, file_name).await? {
        Ok(form) => form,
        Err(refusal) => return Ok(Err(refusal)),
    };
    match upload(app, actor, &form).await {
        Ok(()) => Ok(Ok(form)),
        Err(e) if e.kind == crate::ErrorKind::Conflict => Ok(Err(Refusal::Published {
            form_id: form.settings.form_id,
            version: form.settings.version,
        })),
        Err(e) => Err(e),
    }
}

/// Reads an `.xlsx` XLSForm on a blocking thread within [`READ_BUDGET`], without storing it.
pub async fn read_xlsx(bytes: Vec<u8>, file_name: String) -> Result<Result<Form, Refusal>, Error> {
    let _turn = READERS.acquire().await.map_err(Error::internal)?;
    let reading = tokio::task::spawn_blocking(move || forms::import_xlsx(&bytes, &file_name));
    Ok(match tokio::time::timeout(READ_BUDGET, reading).await {
        Err(_) => Err(Refusal::TooSlow),
        Ok(joined) => joined
            .map_err(Error::internal)?
            .map_err(|ps| Refusal::Problems(ps.iter().map(ToString::to_string).collect())),
    })
}

/// Stores a form (already read and checked) as a draft version to preview. A version
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
