//! Account administration: list users, add one with a one-time password, reset a password.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use domain::{OfficeId, Role, UserId, Username, ValidationErrors};
use serde::Deserialize;

use super::{Chrome, CsrfForm, render, render_status};
use crate::AppState;
use crate::auth::{Caller, SignedIn};
use crate::error::{AppError, ErrorKind};
use crate::forms::{Choice, FieldBuilder, FieldView, error_map, names};
use crate::i18n::Tr;

pub struct UserRow {
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub office: String,
    pub organisation: String,
    pub must_change: bool,
    /// Signs in in two steps.
    pub two_step: bool,
    pub id: String,
}

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage {
    c: Chrome,
    users: Vec<UserRow>,
    fields: Vec<FieldView>,
    /// Shown once after creating or resetting: (username, one-time password).
    issued: Option<(String, String)>,
    /// The roles, each checked when it must sign in in two steps.
    two_step_roles: Vec<Choice>,
    /// What was just done, said once.
    notice: String,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct NewUserForm {
    username: String,
    display_name: String,
    role: String,
    office: String,
    organisation: String,
}

async fn page(
    state: &AppState,
    tr: &Tr,
    caller: &Caller,
    form: &NewUserForm,
    errors: &ValidationErrors,
    issued: Option<(String, String)>,
) -> Result<UsersPage, AppError> {
    let offices = app::lookups::offices(state).await?;
    let providers = app::lookups::provider_names(state).await?;
    let provider_names: HashMap<domain::ProviderId, String> = providers
        .iter()
        .map(|p| (p.id, p.provider.name.clone()))
        .collect();
    let by_id: HashMap<OfficeId, String> =
        offices.iter().map(|o| (o.id, o.code.to_string())).collect();
    let users = app::lookups::users(state, &caller.actor())
        .await?
        .into_iter()
        .map(|u| UserRow {
            id: u.id.to_string(),
            username: u.username.to_string(),
            display_name: u.display_name,
            role: tr.t_of("role", u.role.as_str()),
            office: u
                .office
                .and_then(|o| by_id.get(&o).cloned())
                .unwrap_or_else(|| tr.t("office-national")),
            organisation: u
                .organisation
                .and_then(|p| provider_names.get(&p).cloned())
                .unwrap_or_default(),
            must_change: u.must_change_password,
            two_step: u.two_factor,
        })
        .collect();
    let required = app::two_factor::required_roles(state).await?;
    let two_step_roles = Role::ALL
        .iter()
        .map(|r| Choice {
            value: r.as_str().to_string(),
            label: tr.t_of("role", r.as_str()),
            selected: required.contains(r),
        })
        .collect();
    let map = error_map(tr, errors);
    let b = FieldBuilder { tr, errors: &map };
    let mut office = b.input("office", "select", &form.office, false);
    office.choices = std::iter::once(Choice {
        value: String::new(),
        label: tr.t("office-national"),
        selected: form.office.is_empty(),
    })
    .chain(offices.iter().map(|o| Choice {
        value: o.id.to_string(),
        label: format!("{} ({})", o.name, o.code),
        selected: o.id.to_string() == form.office,
    }))
    .collect();
    let mut organisation = b.select("organisation", &form.organisation, "", &[], false);
    organisation
        .choices
        .extend(providers.iter().map(|p| Choice {
            value: p.id.to_string(),
            label: p.provider.name.clone(),
            selected: p.id.to_string() == form.organisation,
        }));
    Ok(UsersPage {
        c: Chrome::new(state, tr.clone(), Some(caller)),
        users,
        fields: vec![
            b.input("username", "text", &form.username, true),
            b.input("display_name", "text", &form.display_name, true),
            b.select(
                "role",
                &form.role,
                "role",
                &names(&Role::ALL, Role::as_str),
                true,
            ),
            office,
            organisation,
        ],
        issued,
        two_step_roles,
        notice: String::new(),
    })
}

pub async fn users(
    State(state): State<AppState>,
    tr: Tr,
    SignedIn(caller): SignedIn,
) -> Result<Response, AppError> {
    render(
        &page(
            &state,
            &tr,
            &caller,
            &NewUserForm::default(),
            &ValidationErrors::new(),
            None,
        )
        .await?,
    )
}

pub async fn create_user(
    State(state): State<AppState>,
    tr: Tr,
    CsrfForm { caller, form }: CsrfForm<NewUserForm>,
) -> Result<Response, AppError> {
    let mut e = ValidationErrors::new();
    let username = Username::parse(&form.username)
        .map_err(|_| e.add("username", "error-username"))
        .ok();
    let display_name = form.display_name.trim().to_string();
    if display_name.is_empty() {
        e.add("display_name", "error-required");
    } else if display_name.chars().count() > domain::case::MAX_SHORT_TEXT {
        e.add("display_name", "error-too-long");
    }
    let role = if form.role.is_empty() {
        e.add("role", "error-required");
        None
    } else {
        form.role
            .parse::<Role>()
            .map_err(|_| e.add("role", "error-choice"))
            .ok()
    };
    let office = if form.office.is_empty() {
        None
    } else {
        match form.office.parse::<OfficeId>() {
            Ok(o) => match app::lookups::office(&state, o).await {
                Ok(_) => Some(o),
                Err(app::Error {
                    kind: app::ErrorKind::NotFound,
                    ..
                }) => {
                    e.add("office", "error-choice");
                    None
                }
                Err(err) => return Err(err.into()),
            },
            Err(_) => {
                e.add("office", "error-choice");
                None
            }
        }
    };
    // A partner account works for one organisation of the service map; others for none.
    let organisation = match (role, form.organisation.trim()) {
        (Some(Role::Partner), "") => {
            e.add("organisation", "error-partner-needs-organisation");
            None
        }
        (Some(Role::Partner), o) => match o.parse::<domain::ProviderId>() {
            Ok(p) if app::lookups::provider_exists(&state, p).await? => Some(p),
            _ => {
                e.add("organisation", "error-choice");
                None
            }
        },
        (_, "") => None,
        (_, _) => {
            e.add("organisation", "error-organisation-partners-only");
            None
        }
    };
    if role.is_some_and(Role::requires_office)
        && office.is_none()
        && e.for_field("office").is_none()
    {
        e.add("office", "error-role-needs-office");
    }
    let (Some(username), Some(role), true) = (username, role, e.is_empty()) else {
        let p = page(&state, &tr, &caller, &form, &e, None).await?;
        return render_status(StatusCode::UNPROCESSABLE_ENTITY, &p);
    };
    let created = app::accounts::create_account(
        &state,
        app::accounts::By::User(&caller.actor()),
        app::accounts::NewAccount {
            username: username.clone(),
            display_name,
            role,
            office,
            organisation,
            password: None,
        },
    )
    .await;
    match created {
        Ok((_, password)) => {
            let issued = password.map(|p| (username.to_string(), p));
            render(
                &page(
                    &state,
                    &tr,
                    &caller,
                    &NewUserForm::default(),
                    &ValidationErrors::new(),
                    issued,
                )
                .await?,
            )
        }
        Err(app::Error {
            kind: app::ErrorKind::Validation,
            fields,
            ..
        }) => {
            e.merge(fields);
            let p = page(&state, &tr, &caller, &form, &e, None).await?;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &p)
        }
        Err(err) => Err(err.into()),
    }
}

use super::Empty;

pub async fn reset_password(
    State(state): State<AppState>,
    tr: Tr,
    Path(id): Path<String>,
    CsrfForm { caller, .. }: CsrfForm<Empty>,
) -> Result<Response, AppError> {
    let id: UserId = id.parse().map_err(|_| AppError::new(ErrorKind::NotFound))?;
    let (user, password) = app::accounts::reset_password(&state, &caller.actor(), id).await?;
    let issued = Some((user.username.to_string(), password));
    render(
        &page(
            &state,
            &tr,
            &caller,
            &NewUserForm::default(),
            &ValidationErrors::new(),
            issued,
        )
        .await?,
    )
}

/// An administrator turns someone's two-step sign-in off (a lost phone).
pub async fn reset_two_step(
    State(state): State<AppState>,
    tr: Tr,
    Path(id): Path<String>,
    CsrfForm { caller, .. }: CsrfForm<Empty>,
) -> Result<Response, AppError> {
    let id: UserId = id.parse().map_err(|_| AppError::new(ErrorKind::NotFound))?;
    let user = app::two_factor::reset(&state, &caller.actor(), id).await?;
    let notice = tr.t1(
        "users-two-step-was-reset",
        "username",
        user.username.as_str(),
    );
    page_saying(&state, &tr, &caller, notice).await
}

/// The page, saying what was just done.
async fn page_saying(
    state: &AppState,
    tr: &Tr,
    caller: &Caller,
    notice: String,
) -> Result<Response, AppError> {
    let form = NewUserForm::default();
    let mut p = page(state, tr, caller, &form, &ValidationErrors::new(), None).await?;
    p.notice = notice;
    render(&p)
}

/// Which roles must sign in in two steps: the checked boxes' role names.
pub async fn two_step_roles(
    State(state): State<AppState>,
    tr: Tr,
    CsrfForm { caller, form }: CsrfForm<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let roles: Vec<Role> = form
        .iter()
        .filter(|(k, _)| k == "role")
        .filter_map(|(_, v)| v.parse().ok())
        .collect();
    app::two_factor::set_required_roles(&state, &caller.actor(), &roles).await?;
    page_saying(&state, &tr, &caller, tr.t("users-two-step-roles-saved")).await
}
