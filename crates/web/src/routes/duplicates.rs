//! Routes: one person, one case — the duplicates queue, merging two cases and undoing a merge,
//! and pairs found to be different people.

use super::*;

pub(super) const ROUTES: &[RouteSpec] = &[
    r(
        "duplicates.queue",
        "GET",
        "/duplicates",
        act(Action::MergeCases),
    ),
    r(
        "duplicates.scan",
        "POST",
        "/duplicates/scan",
        act(Action::MergeCases),
    ),
    r(
        "duplicates.distinct",
        "POST",
        "/duplicates/distinct",
        act(Action::MergeCases),
    ),
    r(
        "cases.merge_form",
        "GET",
        "/cases/{id}/merge",
        act(Action::MergeCases),
    ),
    r(
        "cases.merge",
        "POST",
        "/cases/{id}/merge",
        act(Action::MergeCases),
    ),
    r(
        "merges.undo",
        "POST",
        "/merges/{merge}/undo",
        act(Action::MergeCases),
    ),
    r(
        "api.duplicates.queue",
        "GET",
        "/api/v1/duplicates",
        act(Action::MergeCases),
    ),
    r(
        "api.duplicates.scan",
        "POST",
        "/api/v1/duplicates/scan",
        act(Action::MergeCases),
    ),
    r(
        "api.cases.distinct",
        "POST",
        "/api/v1/cases/{id}/distinct",
        act(Action::ReadCase),
    ),
    r(
        "api.cases.merge",
        "POST",
        "/api/v1/cases/{id}/merge",
        act(Action::MergeCases),
    ),
    r(
        "api.merges.get",
        "GET",
        "/api/v1/merges/{merge}",
        act(Action::MergeCases),
    ),
    r(
        "api.merges.undo",
        "POST",
        "/api/v1/merges/{merge}/undo",
        act(Action::MergeCases),
    ),
];

pub(super) fn handler(name: &str) -> Option<MethodRouter<AppState>> {
    Some(match name {
        "duplicates.queue" => get(pages::duplicates::queue),
        "duplicates.scan" => post(pages::duplicates::scan),
        "duplicates.distinct" => post(pages::duplicates::distinct),
        "cases.merge_form" => get(pages::duplicates::merge_form),
        "cases.merge" => post(pages::duplicates::merge),
        "merges.undo" => post(pages::duplicates::undo),
        "api.duplicates.queue" => get(api::merges::queue),
        "api.duplicates.scan" => post(api::merges::scan),
        "api.cases.distinct" => post(api::merges::distinct),
        "api.cases.merge" => post(api::merges::merge),
        "api.merges.get" => get(api::merges::get),
        "api.merges.undo" => post(api::merges::undo),
        _ => return None,
    })
}
