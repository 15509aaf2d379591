//! Reference lists the screens draw their choices from: offices, case managers, form versions,
//! providers and stakeholders. Staff names and office codes, never a returnee's data.

use domain::authz::{Action, Actor, Resource, authorize};
use domain::{OfficeId, Role};
use store::{FormVersion, FormVersionInfo, Office, ProviderRecord, StakeholderRecord, User};

use crate::{App, Error};

/// Every office (codes and names; no one's data).
pub async fn offices(app: &App) -> Result<Vec<Office>, Error> {
    Ok(app.store.list_offices().await?)
}

/// One office.
pub async fn office(app: &App, id: OfficeId) -> Result<Office, Error> {
    Ok(app.store.office(id).await?)
}

/// The offices within the actor's scope: their own, or all for national users.
pub async fn offices_in_scope(app: &App, actor: &Actor) -> Result<Vec<Office>, Error> {
    Ok(offices(app)
        .await?
        .into_iter()
        .filter(|o| actor.office.is_none_or(|mine| mine == o.id))
        .collect())
}

/// The active case managers of an office (the actor's own when none is given), to filter the
/// case list by.
pub async fn case_managers(
    app: &App,
    actor: &Actor,
    office: Option<OfficeId>,
) -> Result<Vec<User>, Error> {
    authorize(actor, Action::ListCases, Resource::Programme)?;
    Ok(app.store.case_managers(office.or(actor.office)).await?)
}

/// The case managers a programme manager may assign a case to; `None` for anyone else, since
/// case managers register cases to themselves.
pub async fn assignable_managers(
    app: &App,
    actor: &Actor,
    office: Option<OfficeId>,
) -> Result<Option<Vec<User>>, Error> {
    if actor.role != Role::ProgrammeManager {
        return Ok(None);
    }
    Ok(Some(
        app.store.case_managers(office.or(actor.office)).await?,
    ))
}

/// Every version of every form, without definitions.
pub async fn form_versions(app: &App, actor: &Actor) -> Result<Vec<FormVersionInfo>, Error> {
    authorize(actor, Action::ReadForms, Resource::Programme)?;
    Ok(app.store.form_versions().await?)
}

/// One form version with its definition.
pub async fn form_version(
    app: &App,
    actor: &Actor,
    form_id: &str,
    version: &str,
) -> Result<FormVersion, Error> {
    authorize(actor, Action::ReadForms, Resource::Programme)?;
    Ok(app.store.form_version(form_id, version).await?)
}

/// The version of a form that is filled now: its latest published one.
pub async fn latest_published_form(
    app: &App,
    actor: &Actor,
    form_id: &str,
) -> Result<FormVersion, Error> {
    authorize(actor, Action::ReadForms, Resource::Programme)?;
    Ok(app.store.latest_published_form(form_id).await?)
}

/// Accounts, for the administration page.
pub async fn users(app: &App, actor: &Actor) -> Result<Vec<User>, Error> {
    authorize(actor, Action::ManageUsers, Resource::Programme)?;
    Ok(app.store.list_users().await?)
}

/// Providers by name, to pick a partner's organisation from (no returnee's data).
pub async fn provider_names(app: &App) -> Result<Vec<ProviderRecord>, Error> {
    Ok(app.store.providers().await?)
}

/// Every stakeholder, to check the ones a record names exist.
pub async fn stakeholder_list(app: &App) -> Result<Vec<StakeholderRecord>, Error> {
    Ok(app.store.stakeholders().await?)
}

/// An office by its code.
pub async fn office_by_code(app: &App, code: &domain::OfficeCode) -> Result<Option<Office>, Error> {
    Ok(app.store.office_by_code(code).await?)
}

/// The office a request names by its code, else the actor's own: where an import or a
/// received case goes. Refused on the field `office` when the code names no office, or when
/// none is named by a user of every office.
pub async fn office_named_or_own(
    app: &App,
    actor: &domain::authz::Actor,
    code: Option<&str>,
) -> Result<domain::OfficeId, Error> {
    let refused = |why: &'static str| {
        let mut e = domain::ValidationErrors::new();
        e.add("office", why);
        Error::validation(e)
    };
    match (code.map(str::trim).filter(|c| !c.is_empty()), actor.office) {
        (Some(code), _) => {
            let code = domain::OfficeCode::parse(code).map_err(|_| refused("error-choice"))?;
            Ok(office_by_code(app, &code)
                .await?
                .ok_or_else(|| refused("error-choice"))?
                .id)
        }
        (None, Some(own)) => Ok(own),
        (None, None) => Err(refused("error-required")),
    }
}

/// A provider, when it exists (to check a partner's organisation).
pub async fn provider_exists(app: &App, id: domain::ProviderId) -> Result<bool, Error> {
    match app.store.provider(id).await {
        Ok(_) => Ok(true),
        Err(store::StoreError::NotFound) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// Every mapped service (the map is not personal data; screens that show it are authorized
/// on their own records).
pub async fn service_list(app: &App) -> Result<Vec<store::ServiceRecord>, Error> {
    app.service_map().await
}

/// The programme's feasibility grid, in order.
pub async fn feasibility_grid(
    app: &App,
) -> Result<Vec<domain::pathway::feasibility::GridApproach>, Error> {
    Ok(app.store.feasibility_grid().await?)
}

/// The user's own API tokens (their device accounts are listed apart).
pub async fn own_api_tokens(app: &App, actor: &Actor) -> Result<Vec<store::ApiToken>, Error> {
    Ok(app
        .store
        .api_tokens(actor.user_id)
        .await?
        .into_iter()
        .filter(|t| t.kind == store::TokenKind::Api)
        .collect())
}

/// Whether the database answers.
pub async fn health(app: &App) -> Result<(), Error> {
    Ok(app.store.health().await?)
}
