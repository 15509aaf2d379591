//! Routes: the OpenRosa server for field clients. The device token in the path is the
//! credential: each handler resolves it to the device's user and goes through the use cases
//! as them, so the routes are public to the session check.

use super::*;

use crate::openrosa;

pub(super) const ROUTES: &[RouteSpec] = &[
    r(
        "openrosa.forms",
        "GET",
        "/openrosa/{token}/formList",
        Public,
    ),
    r(
        "openrosa.form",
        "GET",
        "/openrosa/{token}/forms/{form}/{file}",
        Public,
    ),
    r(
        "openrosa.manifest",
        "GET",
        "/openrosa/{token}/forms/{form}/{version}/manifest",
        Public,
    ),
    r(
        "openrosa.media",
        "GET",
        "/openrosa/{token}/forms/{form}/{version}/files/{name}",
        Public,
    ),
    r(
        "openrosa.submission",
        "POST",
        "/openrosa/{token}/submission",
        Public,
    ),
    r("openrosa.web", "GET", "/openrosa/{token}/web", Public),
    r(
        "openrosa.web_worker",
        "GET",
        "/openrosa/{token}/web/sw.js",
        Public,
    ),
    r(
        "openrosa.web_form",
        "GET",
        "/openrosa/{token}/web/{form}/{version}",
        Public,
    ),
];

pub(super) fn handler(name: &str) -> Option<MethodRouter<AppState>> {
    Some(match name {
        "openrosa.forms" => get(openrosa::form_list),
        "openrosa.form" => get(openrosa::form_download),
        "openrosa.manifest" => get(openrosa::manifest),
        "openrosa.media" => get(openrosa::media),
        "openrosa.web" => get(openrosa::web::forms),
        "openrosa.web_worker" => get(openrosa::web::worker),
        "openrosa.web_form" => get(openrosa::web::client),
        // HEAD asks what a post may carry; a post carries an instance and its files.
        "openrosa.submission" => post(openrosa::submission)
            .head(openrosa::submission_probe)
            .layer(DefaultBodyLimit::max(
                openrosa::ACCEPT_CONTENT_LENGTH + 256 * 1024,
            )),
        _ => return None,
    })
}
