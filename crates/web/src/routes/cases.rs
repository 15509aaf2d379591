//! Routes: The case register: list, registration, the case page, editing, consent and the audit trail.

use super::*;

pub(super) const ROUTES: &[RouteSpec] = &[
    r("cases.list", "GET", "/cases", act(Action::ListCases)),
    r("cases.new", "GET", "/cases/new", act(Action::CreateCase)),
    r(
        "cases.import_form",
        "GET",
        "/cases/import",
        act(Action::ImportRecords),
    ),
    r(
        "cases.import_upload",
        "POST",
        "/cases/import",
        act(Action::ImportRecords),
    ),
    r(
        "cases.import_check",
        "GET",
        "/cases/import/{import}",
        act(Action::ImportRecords),
    ),
    r(
        "cases.import_confirm",
        "POST",
        "/cases/import/{import}",
        act(Action::ImportRecords),
    ),
    r(
        "cases.export_form",
        "GET",
        "/cases/export",
        act(Action::ExportPseudonymised),
    ),
    r(
        "cases.export",
        "POST",
        "/cases/export",
        act(Action::ExportPseudonymised),
    ),
    r(
        "api.imports.cases",
        "POST",
        "/api/v1/imports/cases",
        act(Action::ImportRecords),
    ),
    r(
        "api.exports.cases",
        "POST",
        "/api/v1/exports/cases",
        act(Action::ExportPseudonymised),
    ),
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
        "erasure.request",
        "POST",
        "/cases/{id}/erasure",
        act(Action::UpdateCase),
    ),
    r(
        "erasure.approve",
        "POST",
        "/cases/{id}/erasure/approve",
        act(Action::ApprovePathway),
    ),
    r(
        "erasure.refuse",
        "POST",
        "/cases/{id}/erasure/refuse",
        act(Action::ApprovePathway),
    ),
    r(
        "cases.audit",
        "GET",
        "/cases/{id}/audit",
        act(Action::ReadAudit),
    ),
    r(
        "cases.reopen",
        "POST",
        "/cases/{id}/reopen",
        act(Action::ApprovePathway),
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
        "api.cases.reopen",
        "POST",
        "/api/v1/cases/{id}/reopen",
        act(Action::ApprovePathway),
    ),
];

pub(super) fn handler(name: &str) -> Option<MethodRouter<AppState>> {
    Some(match name {
        "cases.list" => get(pages::cases::list),
        "cases.new" => get(pages::cases::new_form),
        "cases.import_form" => get(pages::cases::import_form),
        // An import file may be far larger than an ordinary form post.
        "cases.import_upload" => post(pages::cases::import_upload).layer(DefaultBodyLimit::max(
            app::imports::MAX_FILE_BYTES + 64 * 1024,
        )),
        "cases.import_check" => get(pages::cases::import_check),
        "cases.import_confirm" => post(pages::cases::import_confirm),
        "cases.export_form" => get(pages::cases::export_form),
        "cases.export" => post(pages::cases::export),
        "api.exports.cases" => post(api::exports::cases),
        "api.imports.cases" => post(api::imports::cases).layer(DefaultBodyLimit::max(
            app::imports::MAX_FILE_BYTES + 64 * 1024,
        )),
        "cases.create" => post(pages::cases::create),
        "cases.view" => get(pages::cases::view),
        "cases.edit" => get(pages::cases::edit_form),
        "cases.update" => post(pages::cases::update),
        "erasure.request" => post(pages::cases::request_erasure),
        "erasure.approve" => post(pages::cases::approve_erasure),
        "erasure.refuse" => post(pages::cases::refuse_erasure),
        "consents.create" => post(pages::cases::record_consent),
        "cases.audit" => get(pages::cases::audit),
        "cases.reopen" => post(pages::pathway::reopen),
        "api.cases.list" => get(api::cases::list),
        "api.cases.create" => post(api::cases::create),
        "api.cases.get" => get(api::cases::get),
        "api.cases.update" => put(api::cases::update),
        "api.consents.list" => get(api::cases::consents),
        "api.consents.create" => post(api::cases::record_consent),
        "api.audit" => get(api::cases::audit),
        "api.cases.reopen" => post(api::pathway::reopen),
        _ => return None,
    })
}
