//! The web form client for field staff without Android: ODK Web Forms in the browser, under the
//! device's address (`{device}/web`). It reads the same form list, XForms and files as ODK
//! Collect and sends to the same submission address, so a form filled here is received through
//! the same use case. Filled forms wait in the browser (`assets/collect.js`) until the
//! connection returns.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::{Device, device, failure, xml};
use crate::AppState;
use crate::pages::{Chrome, render_status};

/// One form the device may fill, as the list shows it.
pub struct WebForm {
    pub title: String,
    pub href: String,
}

#[derive(Template)]
#[template(path = "field_client_forms.html")]
pub struct FormsPage {
    pub c: Chrome,
    pub forms: Vec<WebForm>,
}

#[derive(Template)]
#[template(path = "field_client.html")]
pub struct ClientPage {
    pub c: Chrome,
    pub title: String,
    pub forms_href: String,
    pub form_url: String,
    pub files_url: String,
    pub submission_url: String,
    pub worker_url: String,
    /// This response's key for the styles the client adds as it loads.
    pub nonce: String,
}

/// The device of a request with the forms it may fill, or the answer refusing it.
async fn device_and_forms(
    state: &AppState,
    token: &str,
    headers: &HeaderMap,
) -> Result<(Device, Vec<app::field::DeviceForm>), Response> {
    let d = device(state, token, headers).await?;
    match app::field::device_forms(state, &d.actor).await {
        Ok(list) => Ok((d, list)),
        Err(e) => Err(failure(&d.tr, e)),
    }
}

/// `GET {device}/web`: the forms this device may fill in the browser.
pub async fn forms(
    State(state): State<AppState>,
    Path(token): Path<String>,
    headers: HeaderMap,
) -> Response {
    let (d, list) = match device_and_forms(&state, &token, &headers).await {
        Ok(found) => found,
        Err(res) => return res,
    };
    let base = device_path(&token);
    let forms = list
        .into_iter()
        .map(|f| WebForm {
            href: format!(
                "{base}/web/{}/{}",
                xml::path_segment(&f.info.form_id),
                xml::path_segment(&f.info.version)
            ),
            title: f.info.title,
        })
        .collect();
    let page = FormsPage {
        c: Chrome::new(&state, d.tr, None),
        forms,
    };
    render_status(StatusCode::OK, &page).into_response()
}

/// `GET {device}/web/{form}/{version}`: the client, with the form. Its policy lets the client
/// run its compiled XPath engine (WebAssembly) and add its styles with this response's nonce,
/// and its forms take a location or a photo; nothing else is loosened.
pub async fn client(
    State(state): State<AppState>,
    Path((token, form, version)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> Response {
    let (d, list) = match device_and_forms(&state, &token, &headers).await {
        Ok(found) => found,
        Err(res) => return res,
    };
    let Some(f) = list
        .into_iter()
        .find(|f| f.info.form_id == form && f.info.version == version)
    else {
        return crate::error::AppError::new(crate::error::ErrorKind::NotFound).into_response();
    };
    let base = device_path(&token);
    let (form_id, version) = (
        xml::path_segment(&f.info.form_id),
        xml::path_segment(&f.info.version),
    );
    let nonce = uuid::Uuid::new_v4().simple().to_string();
    let page = ClientPage {
        c: Chrome::new(&state, d.tr, None),
        title: f.info.title,
        forms_href: format!("{base}/web"),
        form_url: format!("{base}/forms/{form_id}/{version}.xml"),
        files_url: format!("{base}/forms/{form_id}/{version}/files"),
        submission_url: format!("{base}/submission"),
        worker_url: format!("{base}/web/sw.js"),
        nonce: nonce.clone(),
    };
    let mut res = render_status(StatusCode::OK, &page).into_response();
    let h = res.headers_mut();
    if let Ok(policy) = HeaderValue::from_str(&crate::security::web_forms_policy(&nonce)) {
        h.insert(header::CONTENT_SECURITY_POLICY, policy);
    }
    h.insert(
        "permissions-policy",
        HeaderValue::from_static(crate::security::WEB_FORMS_PERMISSIONS),
    );
    res
}

/// `GET {device}/web/sw.js`: the client's service worker (see `assets/collect-sw.js`), served
/// under the device's address so that it may keep the device's client pages for offline use.
pub async fn worker(
    State(state): State<AppState>,
    Path(token): Path<String>,
    headers: HeaderMap,
) -> Response {
    if let Err(res) = device(&state, &token, &headers).await {
        return res;
    }
    let mut res = include_str!("../../assets/collect-sw.js").into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/javascript; charset=utf-8"),
    );
    // Browsers look for a new worker at each visit; none is kept by a cache in between.
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    res
}

/// The device's address as a path on this server (the pages link within the site).
fn device_path(token: &str) -> String {
    format!("/openrosa/{}", xml::path_segment(token))
}
