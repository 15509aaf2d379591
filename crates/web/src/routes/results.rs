//! Routes: The results framework, indicators, evaluations, dashboards and the viewers' overview.

use super::*;

pub(super) const ROUTES: &[RouteSpec] = &[
    r("overview", "GET", "/overview", act(Action::ReadAggregates)),
    r("results", "GET", "/results", act(Action::ReadAggregates)),
    r(
        "results.indicator",
        "GET",
        "/results/indicators/{record}",
        act(Action::ReadAggregates),
    ),
    r(
        "results.export",
        "GET",
        "/results/programmes/{record}/xlsx",
        act(Action::ReadAggregates),
    ),
    r(
        "results.export_csv",
        "GET",
        "/results/programmes/{record}/csv",
        act(Action::ReadAggregates),
    ),
    r(
        "results.handbook",
        "POST",
        "/results/programmes/{record}/handbook",
        act(Action::ManageResults),
    ),
    r(
        "results.dashboard",
        "GET",
        "/results/dashboard",
        act(Action::ReadAggregates),
    ),
    r(
        "results.records",
        "GET",
        "/results/indicators/{record}/records",
        act(Action::ListCases),
    ),
    r(
        "results.terms",
        "GET",
        "/results/evaluations/{record}/terms",
        act(Action::ReadAggregates),
    ),
    r(
        "api.programmes.list",
        "GET",
        "/api/v1/programmes",
        act(Action::ReadAggregates),
    ),
    r(
        "api.programmes.create",
        "POST",
        "/api/v1/programmes",
        act(Action::ManageResults),
    ),
    r(
        "api.indicators.values",
        "GET",
        "/api/v1/indicators/{record}/values",
        act(Action::ReadAggregates),
    ),
    r(
        "results.what_works",
        "GET",
        "/results/what-works",
        act(Action::ReadAggregates),
    ),
    r(
        "api.what_works",
        "GET",
        "/api/v1/what-works",
        act(Action::ReadAggregates),
    ),
    r(
        "api.evaluations.list",
        "GET",
        "/api/v1/evaluations",
        act(Action::ReadAggregates),
    ),
    r(
        "api.evaluations.create",
        "POST",
        "/api/v1/evaluations",
        act(Action::ManageResults),
    ),
];

pub(super) fn handler(name: &str) -> Option<MethodRouter<AppState>> {
    Some(match name {
        "overview" => get(pages::overview::page),
        "results" => get(pages::results::hub),
        "results.indicator" => get(pages::results::tracking),
        "results.records" => get(pages::results::records),
        "results.terms" => get(pages::results::terms),
        "results.dashboard" => get(pages::results::dashboard),
        "results.export" => get(pages::results::export),
        "results.export_csv" => get(pages::results::export_csv),
        "results.handbook" => post(pages::results::add_handbook_examples),
        "api.programmes.list" => get(api::results::programmes),
        "api.programmes.create" => post(api::results::create_programme),
        "api.indicators.values" => get(api::results::values),
        "api.evaluations.list" => get(api::results::evaluations),
        "results.what_works" => get(pages::results::what_works),
        "api.what_works" => get(api::what_works::what_works),
        "api.evaluations.create" => post(api::results::create_evaluation),
        _ => return None,
    })
}
