//! Routes: The form library and forms filled about a case.

use super::*;

pub(super) const ROUTES: &[RouteSpec] = &[
    r("forms.list", "GET", "/forms", act(Action::ReadForms)),
    r("forms.upload", "POST", "/forms", act(Action::ManageForms)),
    r(
        "forms.encrypted",
        "GET",
        "/forms-encrypted",
        act(Action::ManageForms),
    ),
    r(
        "forms.decrypt",
        "POST",
        "/forms-encrypted",
        act(Action::ManageForms),
    ),
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
        "forms.files",
        "POST",
        "/forms/{form}/{version}/files",
        act(Action::ManageForms),
    ),
    r(
        "forms.file",
        "GET",
        "/forms/{form}/{version}/files/{name}",
        act(Action::ReadForms),
    ),
    r(
        "forms.xform",
        "GET",
        "/forms/{form}/{version}/xform",
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
        "submissions.attach",
        "POST",
        "/cases/{id}/submissions/{sid}/files",
        act(Action::FillForm),
    ),
    r(
        "submissions.file",
        "GET",
        "/cases/{id}/submissions/{sid}/files/{name}",
        act(Action::ReadCase),
    ),
    r(
        "api.forms.list",
        "GET",
        "/api/v1/forms",
        act(Action::ReadForms),
    ),
    r(
        "api.forms.upload",
        "POST",
        "/api/v1/forms",
        act(Action::ManageForms),
    ),
    r(
        "api.forms.publish",
        "POST",
        "/api/v1/forms/{form}/versions/{version}/publish",
        act(Action::ManageForms),
    ),
    r(
        "api.forms.xform",
        "GET",
        "/api/v1/forms/{form}/versions/{version}/xform",
        act(Action::ReadForms),
    ),
    r(
        "api.forms.xlsform",
        "GET",
        "/api/v1/forms/{form}/versions/{version}/xlsform",
        act(Action::ReadForms),
    ),
    r(
        "api.forms.submissions",
        "GET",
        "/api/v1/forms/{form}/submissions",
        act(Action::ReadForms),
    ),
    r(
        "api.cases.submissions",
        "GET",
        "/api/v1/cases/{id}/submissions",
        act(Action::ReadCase),
    ),
    r(
        "api.cases.submit",
        "POST",
        "/api/v1/cases/{id}/submissions",
        act(Action::FillForm),
    ),
    r(
        "api.cases.rss_scores",
        "GET",
        "/api/v1/cases/{id}/rss-scores",
        act(Action::ReadCase),
    ),
];

pub(super) fn handler(name: &str) -> Option<MethodRouter<AppState>> {
    Some(match name {
        "forms.list" => get(pages::instruments::list),
        // An XLSForm may be larger than the ordinary form post.
        "forms.upload" => post(pages::instruments::upload).layer(DefaultBodyLimit::max(
            ::forms::xlsx::MAX_FILE_BYTES + 64 * 1024,
        )),
        "forms.preview" => get(pages::instruments::preview),
        "forms.encrypted" => get(pages::instruments::encrypted),
        "forms.decrypt" => post(pages::instruments::decrypt),
        "forms.try" => post(pages::instruments::preview_try),
        "forms.publish" => post(pages::instruments::publish),
        "forms.export" => get(pages::instruments::export),
        "forms.xform" => get(pages::instruments::export_xform),
        "forms.files" => post(pages::instruments::attach_files)
            .layer(DefaultBodyLimit::max(4 * app::forms::MAX_FORM_FILE_BYTES)),
        "forms.file" => get(pages::instruments::form_file),
        "submissions.start" => post(pages::instruments::start),
        "submissions.view" => get(pages::instruments::view),
        "submissions.save" => post(pages::instruments::save),
        // The files chosen and the rest of the form, within what one submission may hold
        // (each file is also held to the per-file limit as it streams in).
        "submissions.attach" => post(pages::instruments::attach).layer(DefaultBodyLimit::max(
            app::attachments::MAX_SUBMISSION_BYTES as usize + 256 * 1024,
        )),
        "submissions.file" => get(pages::instruments::open),
        "api.forms.list" => get(api::forms::list),
        "api.forms.upload" => post(api::forms::upload).layer(DefaultBodyLimit::max(
            ::forms::xlsx::MAX_FILE_BYTES + 64 * 1024,
        )),
        "api.forms.publish" => post(api::forms::publish),
        "api.forms.xform" => get(api::forms::xform),
        "api.forms.xlsform" => get(api::forms::xlsform),
        "api.forms.submissions" => get(api::forms::form_submissions),
        "api.cases.submissions" => get(api::forms::case_submissions),
        "api.cases.submit" => post(api::forms::submit),
        "api.cases.rss_scores" => get(api::forms::case_rss_scores),
        _ => return None,
    })
}
