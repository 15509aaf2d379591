//! Routes: Signing in and out, one's own account and tokens, administration of accounts, health, assets and the API's own document.

use super::*;

pub(super) const ROUTES: &[RouteSpec] = &[
    r("health", "GET", "/healthz", Public),
    r("assets", "GET", "/assets/{version}/{file}", Public),
    r("login.form", "GET", "/login", Public),
    r("login.submit", "POST", "/login", Public),
    r("api.openapi", "GET", "/api/v1/openapi.json", Public),
    r("language", "POST", "/language", Public),
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
];

pub(super) fn handler(name: &str) -> Option<MethodRouter<AppState>> {
    Some(match name {
        "health" => get(pages::health),
        "assets" => get(assets::serve),
        "login.form" => get(pages::login::form),
        "login.submit" => post(pages::login::submit),
        "api.openapi" => get(api::openapi_json),
        "language" => post(pages::language::choose),
        "home" => get(pages::home),
        "logout" => post(pages::login::logout),
        "password.form" => get(pages::account::password_form),
        "password.submit" => post(pages::account::password_submit),
        "account" => get(pages::account::page),
        "tokens.create" => post(pages::account::create_token),
        "tokens.revoke" => post(pages::account::revoke_token),
        "api.me" => get(api::me),
        "users.list" => get(pages::admin::users),
        "users.create" => post(pages::admin::create_user),
        "users.reset" => post(pages::admin::reset_password),
        _ => return None,
    })
}
