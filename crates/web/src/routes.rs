//! Every route of the server, in one table. The router is built from this table, so a route
//! cannot exist without an entry here, and the role-matrix test walks the whole table.

use axum::extract::DefaultBodyLimit;
use axum::routing::{MethodRouter, get, post, put};
use domain::authz::Action;

use crate::{AppState, api, assets, pages};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not.
    Public,
    /// Any signed-in user, about their own account.
    SignedIn,
    /// Decided by `domain::authz::authorize` for this action.
    Action(Action),
}

#[derive(Clone, Copy, Debug)]
pub struct RouteSpec {
    pub name: &'static str,
    pub method: &'static str,
    pub path: &'static str,
    pub access: Access,
}

const fn r(
    name: &'static str,
    method: &'static str,
    path: &'static str,
    access: Access,
) -> RouteSpec {
    RouteSpec {
        name,
        method,
        path,
        access,
    }
}

use Access::{Public, SignedIn};
const fn act(a: Action) -> Access {
    Access::Action(a)
}

pub const ROUTES: &[RouteSpec] = &[
    r("health", "GET", "/healthz", Public),
    r("assets", "GET", "/assets/{version}/{file}", Public),
    r("login.form", "GET", "/login", Public),
    r("login.submit", "POST", "/login", Public),
    r("api.openapi", "GET", "/api/v1/openapi.json", Public),
    r("home", "GET", "/", SignedIn),
    r("logout", "POST", "/logout", SignedIn),
    r("password.form", "GET", "/account/password", SignedIn),
    r("password.submit", "POST", "/account/password", SignedIn),
    r("account", "GET", "/account", SignedIn),
    r("tokens.create", "POST", "/account/tokens", SignedIn),
    r(
        "tokens.revoke",
        "POST",
        "/account/tokens/{id}/revoke",
        SignedIn,
    ),
    r("api.me", "GET", "/api/v1/me", SignedIn),
    r("cases.list", "GET", "/cases", act(Action::ListCases)),
    r("cases.new", "GET", "/cases/new", act(Action::CreateCase)),
    r("cases.create", "POST", "/cases", act(Action::CreateCase)),
    r("cases.view", "GET", "/cases/{id}", act(Action::ReadCase)),
    r(
        "cases.edit",
        "GET",
        "/cases/{id}/edit",
        act(Action::UpdateCase),
    ),
    r(
        "cases.update",
        "POST",
        "/cases/{id}/edit",
        act(Action::UpdateCase),
    ),
    r(
        "consents.create",
        "POST",
        "/cases/{id}/consents",
        act(Action::RecordConsent),
    ),
    r(
        "cases.audit",
        "GET",
        "/cases/{id}/audit",
        act(Action::ReadAudit),
    ),
    r("overview", "GET", "/overview", act(Action::ReadAggregates)),
    r("forms.list", "GET", "/forms", act(Action::ReadForms)),
    r("forms.upload", "POST", "/forms", act(Action::ManageForms)),
    r(
        "forms.preview",
        "GET",
        "/forms/{form}/{version}",
        act(Action::ReadForms),
    ),
    r(
        "forms.try",
        "POST",
        "/forms/{form}/{version}/preview",
        act(Action::ReadForms),
    ),
    r(
        "forms.publish",
        "POST",
        "/forms/{form}/{version}/publish",
        act(Action::ManageForms),
    ),
    r(
        "forms.export",
        "GET",
        "/forms/{form}/{version}/xlsx",
        act(Action::ReadForms),
    ),
    r(
        "submissions.start",
        "POST",
        "/cases/{id}/submissions",
        act(Action::FillForm),
    ),
    r(
        "submissions.view",
        "GET",
        "/cases/{id}/submissions/{sid}",
        act(Action::ReadCase),
    ),
    r(
        "submissions.save",
        "POST",
        "/cases/{id}/submissions/{sid}",
        act(Action::FillForm),
    ),
    r(
        "sessions.create",
        "POST",
        "/cases/{id}/sessions",
        act(Action::UpdateCase),
    ),
    r(
        "urgent.create",
        "POST",
        "/cases/{id}/urgent",
        act(Action::UpdateCase),
    ),
    r(
        "entries.close",
        "POST",
        "/cases/{id}/entries/{entry}/close",
        act(Action::UpdateCase),
    ),
    r(
        "plan.view",
        "GET",
        "/cases/{id}/plan",
        act(Action::ReadCase),
    ),
    r(
        "plan.print",
        "GET",
        "/cases/{id}/plan/print",
        act(Action::ReadCase),
    ),
    r(
        "plan.edit",
        "GET",
        "/cases/{id}/plan/edit",
        act(Action::UpdateCase),
    ),
    r(
        "plan.save",
        "POST",
        "/cases/{id}/plan",
        act(Action::UpdateCase),
    ),
    r(
        "plan.pick",
        "POST",
        "/cases/{id}/plan/pick",
        act(Action::UpdateCase),
    ),
    r(
        "plan.agree",
        "POST",
        "/cases/{id}/plan/agree",
        act(Action::UpdateCase),
    ),
    r(
        "plan.approve",
        "POST",
        "/cases/{id}/plan/approve",
        act(Action::ApprovePathway),
    ),
    r(
        "plan.amend",
        "POST",
        "/cases/{id}/plan/amend",
        act(Action::UpdateCase),
    ),
    r(
        "disbursements.create",
        "POST",
        "/cases/{id}/disbursements",
        act(Action::UpdateCase),
    ),
    r(
        "follow_up.view",
        "GET",
        "/cases/{id}/follow-up",
        act(Action::ReadCase),
    ),
    r(
        "follow_up.create",
        "POST",
        "/cases/{id}/follow-up",
        act(Action::UpdateCase),
    ),
    r(
        "unmet.create",
        "POST",
        "/cases/{id}/unmet-needs",
        act(Action::UpdateCase),
    ),
    r(
        "closure.view",
        "GET",
        "/cases/{id}/closure",
        act(Action::ReadCase),
    ),
    r(
        "closure.request",
        "POST",
        "/cases/{id}/closure",
        act(Action::UpdateCase),
    ),
    r(
        "closure.approve",
        "POST",
        "/cases/{id}/closure/approve",
        act(Action::ApprovePathway),
    ),
    r(
        "cases.reopen",
        "POST",
        "/cases/{id}/reopen",
        act(Action::ApprovePathway),
    ),
    r("my_work", "GET", "/my-work", act(Action::UpdateCase)),
    r(
        "approvals",
        "GET",
        "/approvals",
        act(Action::ApprovePathway),
    ),
    r(
        "programme",
        "GET",
        "/programme",
        act(Action::ManageProgramme),
    ),
    r(
        "programme.grid",
        "POST",
        "/programme/grid",
        act(Action::ManageProgramme),
    ),
    r(
        "programme.settings",
        "POST",
        "/programme/settings",
        act(Action::ManageProgramme),
    ),
    r(
        "users.list",
        "GET",
        "/admin/users",
        act(Action::ManageUsers),
    ),
    r(
        "users.create",
        "POST",
        "/admin/users",
        act(Action::ManageUsers),
    ),
    r(
        "users.reset",
        "POST",
        "/admin/users/{id}/reset-password",
        act(Action::ManageUsers),
    ),
    r(
        "api.cases.list",
        "GET",
        "/api/v1/cases",
        act(Action::ListCases),
    ),
    r(
        "api.cases.create",
        "POST",
        "/api/v1/cases",
        act(Action::CreateCase),
    ),
    r(
        "api.cases.get",
        "GET",
        "/api/v1/cases/{id}",
        act(Action::ReadCase),
    ),
    r(
        "api.cases.update",
        "PUT",
        "/api/v1/cases/{id}",
        act(Action::UpdateCase),
    ),
    r(
        "api.consents.list",
        "GET",
        "/api/v1/cases/{id}/consents",
        act(Action::ReadCase),
    ),
    r(
        "api.consents.create",
        "POST",
        "/api/v1/cases/{id}/consents",
        act(Action::RecordConsent),
    ),
    r(
        "api.audit",
        "GET",
        "/api/v1/cases/{id}/audit",
        act(Action::ReadAudit),
    ),
    r(
        "api.pathway",
        "GET",
        "/api/v1/cases/{id}/pathway",
        act(Action::ReadCase),
    ),
    r(
        "api.sessions.list",
        "GET",
        "/api/v1/cases/{id}/sessions",
        act(Action::ReadCase),
    ),
    r(
        "api.sessions.create",
        "POST",
        "/api/v1/cases/{id}/sessions",
        act(Action::UpdateCase),
    ),
    r(
        "api.assessments",
        "GET",
        "/api/v1/cases/{id}/assessments",
        act(Action::ReadCase),
    ),
    r(
        "api.plans.list",
        "GET",
        "/api/v1/cases/{id}/plans",
        act(Action::ReadCase),
    ),
    r(
        "api.plans.create",
        "POST",
        "/api/v1/cases/{id}/plans",
        act(Action::UpdateCase),
    ),
    r(
        "api.plans.update",
        "PUT",
        "/api/v1/cases/{id}/plans/{plan}",
        act(Action::UpdateCase),
    ),
    r(
        "api.plans.agree",
        "POST",
        "/api/v1/cases/{id}/plans/{plan}/agreement",
        act(Action::UpdateCase),
    ),
    r(
        "api.plans.approve",
        "POST",
        "/api/v1/cases/{id}/plans/{plan}/approval",
        act(Action::ApprovePathway),
    ),
    r(
        "api.disbursements.list",
        "GET",
        "/api/v1/cases/{id}/disbursements",
        act(Action::ReadCase),
    ),
    r(
        "api.disbursements.create",
        "POST",
        "/api/v1/cases/{id}/disbursements",
        act(Action::UpdateCase),
    ),
    r(
        "api.follow_ups.list",
        "GET",
        "/api/v1/cases/{id}/follow-ups",
        act(Action::ReadCase),
    ),
    r(
        "api.follow_ups.create",
        "POST",
        "/api/v1/cases/{id}/follow-ups",
        act(Action::UpdateCase),
    ),
    r(
        "api.approvals",
        "GET",
        "/api/v1/approvals",
        act(Action::ApprovePathway),
    ),
    r(
        "api.closure.list",
        "GET",
        "/api/v1/cases/{id}/closure",
        act(Action::ReadCase),
    ),
    r(
        "api.closure.request",
        "POST",
        "/api/v1/cases/{id}/closure",
        act(Action::UpdateCase),
    ),
    r(
        "api.closure.approve",
        "POST",
        "/api/v1/cases/{id}/closure/approval",
        act(Action::ApprovePathway),
    ),
    r(
        "api.cases.reopen",
        "POST",
        "/api/v1/cases/{id}/reopen",
        act(Action::ApprovePathway),
    ),
];

/// The handler of each named route.
pub(crate) fn handler(name: &str) -> Option<MethodRouter<AppState>> {
    Some(match name {
        "health" => get(pages::health),
        "assets" => get(assets::serve),
        "login.form" => get(pages::login::form),
        "login.submit" => post(pages::login::submit),
        "api.openapi" => get(api::openapi_json),
        "home" => get(pages::home),
        "logout" => post(pages::login::logout),
        "password.form" => get(pages::account::password_form),
        "password.submit" => post(pages::account::password_submit),
        "account" => get(pages::account::page),
        "tokens.create" => post(pages::account::create_token),
        "tokens.revoke" => post(pages::account::revoke_token),
        "api.me" => get(api::me),
        "cases.list" => get(pages::cases::list),
        "cases.new" => get(pages::cases::new_form),
        "cases.create" => post(pages::cases::create),
        "cases.view" => get(pages::cases::view),
        "cases.edit" => get(pages::cases::edit_form),
        "cases.update" => post(pages::cases::update),
        "consents.create" => post(pages::cases::record_consent),
        "cases.audit" => get(pages::cases::audit),
        "overview" => get(pages::overview::page),
        "forms.list" => get(pages::instruments::list),
        // An XLSForm may be larger than the ordinary form post.
        "forms.upload" => post(pages::instruments::upload).layer(DefaultBodyLimit::max(
            ::forms::xlsx::MAX_FILE_BYTES + 64 * 1024,
        )),
        "forms.preview" => get(pages::instruments::preview),
        "forms.try" => post(pages::instruments::preview_try),
        "forms.publish" => post(pages::instruments::publish),
        "forms.export" => get(pages::instruments::export),
        "submissions.start" => post(pages::instruments::start),
        "submissions.view" => get(pages::instruments::view),
        "submissions.save" => post(pages::instruments::save),
        "sessions.create" => post(pages::pathway::add_session),
        "urgent.create" => post(pages::pathway::raise_urgent),
        "entries.close" => post(pages::pathway::close_entry),
        "plan.view" => get(pages::pathway::plan_view_page),
        "plan.print" => get(pages::pathway::plan_print),
        "plan.edit" => get(pages::pathway::plan_edit),
        "plan.save" => post(pages::pathway::plan_save),
        "plan.pick" => post(pages::pathway::plan_pick),
        "plan.agree" => post(pages::pathway::plan_agree),
        "plan.approve" => post(pages::pathway::plan_approve),
        "plan.amend" => post(pages::pathway::plan_amend),
        "disbursements.create" => post(pages::pathway::disburse),
        "follow_up.view" => get(pages::pathway::follow_up),
        "follow_up.create" => post(pages::pathway::record_visit),
        "unmet.create" => post(pages::pathway::record_unmet),
        "closure.view" => get(pages::pathway::closure),
        "closure.request" => post(pages::pathway::request_closure),
        "closure.approve" => post(pages::pathway::approve_closure),
        "cases.reopen" => post(pages::pathway::reopen),
        "my_work" => get(pages::pathway::my_work),
        "approvals" => get(pages::pathway::approvals),
        "programme" => get(pages::pathway::programme),
        "programme.grid" => post(pages::pathway::save_grid),
        "programme.settings" => post(pages::pathway::save_settings),
        "users.list" => get(pages::admin::users),
        "users.create" => post(pages::admin::create_user),
        "users.reset" => post(pages::admin::reset_password),
        "api.cases.list" => get(api::cases::list),
        "api.cases.create" => post(api::cases::create),
        "api.cases.get" => get(api::cases::get),
        "api.cases.update" => put(api::cases::update),
        "api.consents.list" => get(api::cases::consents),
        "api.consents.create" => post(api::cases::record_consent),
        "api.audit" => get(api::cases::audit),
        "api.pathway" => get(api::pathway::pathway),
        "api.sessions.list" => get(api::pathway::sessions),
        "api.sessions.create" => post(api::pathway::add_session),
        "api.assessments" => get(api::pathway::assessments),
        "api.plans.list" => get(api::pathway::plans),
        "api.plans.create" => post(api::pathway::create_plan),
        "api.plans.update" => put(api::pathway::update_plan),
        "api.plans.agree" => post(api::pathway::agree_plan),
        "api.plans.approve" => post(api::pathway::approve_plan),
        "api.disbursements.list" => get(api::pathway::disbursements),
        "api.disbursements.create" => post(api::pathway::disburse),
        "api.follow_ups.list" => get(api::pathway::follow_ups),
        "api.follow_ups.create" => post(api::pathway::add_follow_up),
        "api.approvals" => get(api::pathway::approvals),
        "api.closure.list" => get(api::pathway::closures),
        "api.closure.request" => post(api::pathway::request_closure),
        "api.closure.approve" => post(api::pathway::approve_closure),
        "api.cases.reopen" => post(api::pathway::reopen),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_route_has_a_handler_and_a_unique_name() {
        for spec in ROUTES {
            assert!(handler(spec.name).is_some(), "no handler for {}", spec.name);
            assert_eq!(
                ROUTES.iter().filter(|s| s.name == spec.name).count(),
                1,
                "{} is listed twice",
                spec.name
            );
        }
    }
}
