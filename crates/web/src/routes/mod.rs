//! Every route of the server. Each feature lists its routes (name, method, path and the access
//! it declares) and their handlers in its own module; [`ROUTES`] merges them in one place. The
//! router is built from it, so a route cannot exist without an entry, and the role-matrix test
//! walks the whole table.

use axum::extract::DefaultBodyLimit;
use axum::routing::{MethodRouter, get, post, put};
use domain::authz::Action;

use std::sync::LazyLock;

use crate::{AppState, api, assets, pages};

mod account;
mod cases;
mod community;
mod duplicates;
mod feedback;
mod field;
mod forms;
mod handover;
mod pathway;
mod referrals;
mod results;
mod structural;

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

/// The features, each with its routes and their handlers: the one place they are merged.
const FEATURES: &[Feature] = &[
    Feature {
        routes: account::ROUTES,
        handler: account::handler,
    },
    Feature {
        routes: cases::ROUTES,
        handler: cases::handler,
    },
    Feature {
        routes: duplicates::ROUTES,
        handler: duplicates::handler,
    },
    Feature {
        routes: handover::ROUTES,
        handler: handover::handler,
    },
    Feature {
        routes: forms::ROUTES,
        handler: forms::handler,
    },
    Feature {
        routes: field::ROUTES,
        handler: field::handler,
    },
    Feature {
        routes: feedback::ROUTES,
        handler: feedback::handler,
    },
    Feature {
        routes: pathway::ROUTES,
        handler: pathway::handler,
    },
    Feature {
        routes: referrals::ROUTES,
        handler: referrals::handler,
    },
    Feature {
        routes: community::ROUTES,
        handler: community::handler,
    },
    Feature {
        routes: structural::ROUTES,
        handler: structural::handler,
    },
    Feature {
        routes: results::ROUTES,
        handler: results::handler,
    },
];

struct Feature {
    routes: &'static [RouteSpec],
    handler: fn(&str) -> Option<MethodRouter<AppState>>,
}

/// Every route of the server, feature by feature.
pub static ROUTES: LazyLock<Vec<RouteSpec>> = LazyLock::new(|| {
    FEATURES
        .iter()
        .flat_map(|f| f.routes.iter().copied())
        .collect()
});

/// The handler of each named route.
pub fn handler(name: &str) -> Option<MethodRouter<AppState>> {
    FEATURES.iter().find_map(|f| (f.handler)(name))
}

/// Refuses a request that its route's declared access does not allow, before the handler runs:
/// a caller who is not signed in is asked to sign in (a page redirects, the API answers 401),
/// and a role that may never do the route's action is refused (403). The handler's use case
/// then decides for the specific record.
pub async fn enforce_access(
    state: crate::AppState,
    access: Access,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::extract::FromRequestParts;
    use axum::response::IntoResponse;

    if access == Access::Public {
        return next.run(req).await;
    }
    let (mut parts, body) = req.into_parts();
    let caller = if parts.uri.path().starts_with("/api/") {
        match crate::auth::ApiCaller::from_request_parts(&mut parts, &()).await {
            Ok(c) => c.0,
            Err(e) => return e.into_response(),
        }
    } else {
        match crate::auth::SignedIn::from_request_parts(&mut parts, &()).await {
            Ok(c) => c.0,
            Err(response) => return keep_the_post(state, parts, body, response).await,
        }
    };
    if let Access::Action(action) = access
        && !domain::authz::may_attempt(caller.user.role, action)
    {
        return crate::error::AppError::new(crate::error::ErrorKind::Forbidden).into_response();
    }
    next.run(axum::extract::Request::from_parts(parts, body))
        .await
}

/// A page form posted without a live session (it ended while the form was being filled):
/// rather than lose what was typed, the sign-in page carries it, to be sent once signed in
/// again. Anything else gets `refusal` (the redirect to sign in).
async fn keep_the_post(
    state: crate::AppState,
    mut parts: axum::http::request::Parts,
    body: axum::body::Body,
    refusal: axum::response::Response,
) -> axum::response::Response {
    use axum::extract::FromRequestParts;
    use axum::response::IntoResponse;

    let is_form = parts
        .headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("application/x-www-form-urlencoded"));
    // Only a sign-in that is missing, not a password still to change.
    let signed_out = parts.extensions.get::<crate::auth::Caller>().is_none();
    if parts.method != axum::http::Method::POST || !is_form || !signed_out {
        return refusal;
    }
    let Ok(bytes) = axum::body::to_bytes(body, crate::security::MAX_BODY_BYTES).await else {
        return refusal;
    };
    let fields: Vec<(String, String)> = serde_html_form::from_bytes(&bytes).unwrap_or_default();
    let tr = match crate::i18n::Tr::from_request_parts(&mut parts, &state).await {
        Ok(tr) => tr,
        Err(never) => match never {},
    };
    let action = parts.uri.path().to_string();
    crate::pages::login::sign_in_keeping(&state, tr, &parts.headers, &action, fields)
        .unwrap_or_else(IntoResponse::into_response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_route_has_a_handler_and_a_unique_name() {
        for spec in ROUTES.iter() {
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
