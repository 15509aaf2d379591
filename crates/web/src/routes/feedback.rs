//! Routes: feedback and complaints — the public page, and the inbox of those who handle them.

use super::*;

pub(super) const ROUTES: &[RouteSpec] = &[
    r("feedback.form", "GET", "/feedback", Public),
    r("feedback.submit", "POST", "/feedback", Public),
    r(
        "feedback.inbox",
        "GET",
        "/feedback/inbox",
        act(Action::HandleFeedback),
    ),
    r(
        "feedback.item",
        "GET",
        "/feedback/inbox/{record}",
        act(Action::HandleFeedback),
    ),
    r(
        "feedback.step",
        "POST",
        "/feedback/inbox/{record}/steps",
        act(Action::HandleFeedback),
    ),
    r(
        "api.feedback.list",
        "GET",
        "/api/v1/feedback",
        act(Action::HandleFeedback),
    ),
    r(
        "api.feedback.get",
        "GET",
        "/api/v1/feedback/{record}",
        act(Action::HandleFeedback),
    ),
    r(
        "api.feedback.step",
        "POST",
        "/api/v1/feedback/{record}/steps",
        act(Action::HandleFeedback),
    ),
];

pub(super) fn handler(name: &str) -> Option<MethodRouter<AppState>> {
    Some(match name {
        "feedback.form" => get(pages::feedback::form),
        "feedback.submit" => post(pages::feedback::submit),
        "feedback.inbox" => get(pages::feedback::inbox),
        "feedback.item" => get(pages::feedback::item),
        "feedback.step" => post(pages::feedback::step),
        "api.feedback.list" => get(api::feedback::list),
        "api.feedback.get" => get(api::feedback::one),
        "api.feedback.step" => post(api::feedback::step),
        _ => return None,
    })
}
