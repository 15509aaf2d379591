//! The OpenRosa server for field clients (ODK Collect, web forms): the form list, form and
//! media downloads, the manifest, and submissions. A device is known by the token in its
//! server address (`/openrosa/{token}`), made with `reintegra device create`; every path under
//! it acts as the device's user, through the same use cases as the pages.
//!
//! Every answer carries `X-OpenRosa-Version: 1.0`; refusals and receipts carry the OpenRosa
//! message body, in the user's language.

use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use domain::authz::Actor;

use crate::AppState;
use crate::i18n::Tr;

pub mod web;
mod xml;

/// The most a client may send in one post; a larger submission is split by the client
/// (ODK Collect reads this from `X-OpenRosa-Accept-Content-Length`).
pub const ACCEPT_CONTENT_LENGTH: usize = 16 * 1024 * 1024;

/// The device of a request, from the token in its path, with the language to answer in.
struct Device {
    token: uuid::Uuid,
    actor: Actor,
    tr: Tr,
}

async fn device(state: &AppState, token: &str, headers: &HeaderMap) -> Result<Device, Response> {
    let tr = crate::pages::tr_for(state, headers);
    match app::field::device(state, token).await {
        Ok(Some((token, user))) => {
            let accept = headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok());
            let lang = state
                .i18n
                .negotiate(user.preferred_language.as_deref(), accept);
            let actor = Actor {
                user_id: user.id,
                role: user.role,
                office: user.office,
                organisation: user.organisation,
            };
            Ok(Device {
                token,
                actor,
                tr: Tr::new(state.i18n.clone(), lang),
            })
        }
        Ok(None) => Err(message(
            StatusCode::UNAUTHORIZED,
            &tr.t("openrosa-unknown-device"),
        )),
        Err(e) => Err(failure(&tr, e)),
    }
}

/// An XML answer with the OpenRosa headers.
fn openrosa(status: StatusCode, content_type: &'static str, body: impl Into<String>) -> Response {
    let mut res = (status, body.into()).into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert("x-openrosa-version", HeaderValue::from_static("1.0"));
    h.insert(
        "x-openrosa-accept-content-length",
        HeaderValue::from(ACCEPT_CONTENT_LENGTH),
    );
    res
}

/// An OpenRosa message body.
fn message(status: StatusCode, text: &str) -> Response {
    let nature = if status.is_success() {
        "submit_success"
    } else {
        "error"
    };
    openrosa(
        status,
        "text/xml; charset=utf-8",
        xml::message(nature, text),
    )
}

/// A use case's failure, said as OpenRosa clients read it.
fn failure(tr: &Tr, e: app::Error) -> Response {
    let error = crate::error::AppError::from(e);
    let status = error.kind.status();
    if status.is_server_error() {
        tracing::error!(kind = ?error.kind, "field client request failed");
    }
    message(status, &tr.t(error.kind.message_id()))
}

/// `GET {device}/formList`: the forms the device's user may fill.
pub async fn form_list(
    State(state): State<AppState>,
    Path(token): Path<String>,
    headers: HeaderMap,
) -> Response {
    let d = match device(&state, &token, &headers).await {
        Ok(d) => d,
        Err(res) => return res,
    };
    match app::field::device_forms(&state, &d.actor).await {
        Ok(forms) => {
            let base = server_address(&headers, &state, &token);
            openrosa(
                StatusCode::OK,
                "text/xml; charset=utf-8",
                xml::form_list(&base, &forms),
            )
        }
        Err(e) => failure(&d.tr, e),
    }
}

/// `GET {device}/forms/{form}/{version}.xml`: the XForm.
pub async fn form_download(
    State(state): State<AppState>,
    Path((token, form, file)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> Response {
    let d = match device(&state, &token, &headers).await {
        Ok(d) => d,
        Err(res) => return res,
    };
    let Some(version) = file.strip_suffix(".xml") else {
        return failure(&d.tr, app::Error::new(app::ErrorKind::NotFound));
    };
    match app::field::device_xform(&state, &d.actor, &form, version).await {
        Ok(x) => openrosa(StatusCode::OK, "text/xml; charset=utf-8", x),
        Err(e) => failure(&d.tr, e),
    }
}

/// `GET {device}/forms/{form}/{version}/manifest`: the form's files.
pub async fn manifest(
    State(state): State<AppState>,
    Path((token, form, version)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> Response {
    let d = match device(&state, &token, &headers).await {
        Ok(d) => d,
        Err(res) => return res,
    };
    match app::field::manifest(&state, &d.actor, &form, &version).await {
        Ok(files) => {
            let base = format!(
                "{}/forms/{}/{}/files",
                server_address(&headers, &state, &token),
                xml::path_segment(&form),
                xml::path_segment(&version)
            );
            openrosa(
                StatusCode::OK,
                "text/xml; charset=utf-8",
                xml::manifest(&base, &files),
            )
        }
        Err(e) => failure(&d.tr, e),
    }
}

/// `GET {device}/forms/{form}/{version}/files/{name}`: one of the form's files.
pub async fn media(
    State(state): State<AppState>,
    Path((token, form, version, name)): Path<(String, String, String, String)>,
    headers: HeaderMap,
) -> Response {
    let d = match device(&state, &token, &headers).await {
        Ok(d) => d,
        Err(res) => return res,
    };
    match app::field::media_file(&state, &d.actor, &form, &version, &name).await {
        Ok((media_type, bytes)) => {
            let mut res = bytes.into_response();
            let content_type = HeaderValue::from_str(&media_type)
                .unwrap_or(HeaderValue::from_static("application/octet-stream"));
            let h = res.headers_mut();
            h.insert(header::CONTENT_TYPE, content_type);
            h.insert("x-openrosa-version", HeaderValue::from_static("1.0"));
            h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            res
        }
        Err(e) => failure(&d.tr, e),
    }
}

/// `HEAD {device}/submission` (and a `POST` without a body): the client asks before sending
/// how much a post may carry.
pub async fn submission_probe(
    State(state): State<AppState>,
    Path(token): Path<String>,
    headers: HeaderMap,
) -> Response {
    match device(&state, &token, &headers).await {
        Ok(_) => openrosa(StatusCode::NO_CONTENT, "text/xml; charset=utf-8", ""),
        Err(res) => res,
    }
}

/// `POST {device}/submission`: a filled instance (`xml_submission_file`) and its files.
pub async fn submission(
    State(state): State<AppState>,
    Path(token): Path<String>,
    headers: HeaderMap,
    request: axum::extract::Request,
) -> Response {
    let is_multipart = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("multipart/form-data"));
    let empty = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|l| l.trim() == "0");
    if !is_multipart || empty {
        return submission_probe(State(state), Path(token), headers).await;
    }
    let d = match device(&state, &token, &headers).await {
        Ok(d) => d,
        Err(res) => return res,
    };
    let multipart =
        match <Multipart as axum::extract::FromRequest<()>>::from_request(request, &()).await {
            Ok(m) => m,
            Err(_) => return message(StatusCode::BAD_REQUEST, &d.tr.t("openrosa-no-instance")),
        };
    let post = match read_post(multipart, d.token).await {
        Ok(p) => p,
        Err(id) => return message(StatusCode::BAD_REQUEST, &d.tr.t(id)),
    };
    let lang = d.tr.lang().to_string();
    match app::field::receive(&state, &d.actor, post, &lang).await {
        Ok(Ok(received)) => receipt(&d.tr, received),
        Ok(Err(refusal)) => refused(&d.tr, refusal),
        Err(e) => failure(&d.tr, e),
    }
}

/// The parts of a submission post, each bounded as it streams in. Returns the message id of
/// what is wrong with the post.
async fn read_post(
    mut multipart: Multipart,
    token: uuid::Uuid,
) -> Result<app::field::FieldPost, &'static str> {
    let mut post = app::field::FieldPost {
        token,
        xml: Vec::new(),
        files: Vec::new(),
        incomplete: false,
    };
    let mut total = 0usize;
    while let Some(mut field) = multipart
        .next_field()
        .await
        .map_err(|_| "openrosa-unreadable-post")?
    {
        let name = field.name().unwrap_or_default().to_string();
        let file_name = field.file_name().map(str::to_string);
        let limit = if name == "xml_submission_file" {
            forms::xform::instance::MAX_INSTANCE_BYTES
        } else {
            app::attachments::MAX_FILE_BYTES
        };
        let bytes = crate::forms::read_part(&mut field, limit)
            .await
            .map_err(|_| "openrosa-unreadable-post")?;
        if bytes.len() > limit {
            return Err(if name == "xml_submission_file" {
                "openrosa-instance-too-large"
            } else {
                "file-too-large"
            });
        }
        total += bytes.len();
        if total > ACCEPT_CONTENT_LENGTH {
            return Err("files-too-large");
        }
        match (name.as_str(), file_name) {
            ("xml_submission_file", _) => post.xml = bytes,
            ("*isIncomplete*", _) => {
                post.incomplete = String::from_utf8_lossy(&bytes).trim() == "yes";
            }
            (_, Some(file_name)) => post.files.push((file_name, bytes)),
            (_, None) => post.files.push((name, bytes)),
        }
    }
    if post.xml.is_empty() {
        return Err("openrosa-no-instance");
    }
    Ok(post)
}

fn receipt(tr: &Tr, received: app::field::Received) -> Response {
    use app::field::Received;
    match received {
        Received::Stored(_) => message(StatusCode::CREATED, &tr.t("openrosa-received")),
        Received::PartKept => message(StatusCode::CREATED, &tr.t("openrosa-part-received")),
        Received::Held => message(StatusCode::CREATED, &tr.t("openrosa-held")),
        Received::AlreadyHeld => message(StatusCode::ACCEPTED, &tr.t("openrosa-held")),
        Received::Sealed => message(StatusCode::CREATED, &tr.t("openrosa-sealed")),
        Received::AlreadySealed => message(StatusCode::ACCEPTED, &tr.t("openrosa-sealed")),
        Received::AlreadyStored(_) => {
            message(StatusCode::ACCEPTED, &tr.t("openrosa-already-received"))
        }
    }
}

fn refused(tr: &Tr, refusal: app::field::Refusal) -> Response {
    use app::field::Refusal;
    use forms::xform::instance::InstanceError;
    let (status, text) = match refusal {
        Refusal::Unreadable(e) => {
            let text = match e {
                InstanceError::TooLarge => tr.t("openrosa-instance-too-large"),
                InstanceError::NotXml(_) => tr.t("openrosa-not-xml"),
                InstanceError::NoFormId => tr.t("openrosa-no-form-id"),
                InstanceError::NoInstanceId => tr.t("openrosa-no-instance-id"),
                InstanceError::Unknown(name) => tr.t1("openrosa-unknown-element", "name", name),
                InstanceError::TooManyItems => tr.t("openrosa-too-many-items"),
            };
            (StatusCode::BAD_REQUEST, text)
        }
        Refusal::UnknownForm => (StatusCode::NOT_FOUND, tr.t("openrosa-unknown-form")),
        Refusal::NotYourCase => (StatusCode::FORBIDDEN, tr.t("openrosa-not-your-case")),
        Refusal::Invalid(errors) => {
            let problems: Vec<String> = errors
                .into_iter()
                .map(|e| {
                    let (path, text) = crate::forms::said(tr, e);
                    format!("{path}: {text}")
                })
                .collect();
            (
                StatusCode::BAD_REQUEST,
                tr.t1("openrosa-invalid", "problems", problems.join("; ")),
            )
        }
        Refusal::NotScored(problem) => (
            StatusCode::BAD_REQUEST,
            tr.t1("openrosa-not-scored", "problem", problem),
        ),
        Refusal::NotEncryptedForm => (StatusCode::BAD_REQUEST, tr.t("openrosa-not-encrypted-form")),
        Refusal::File(name, code) => (
            StatusCode::BAD_REQUEST,
            tr.t2("openrosa-file", "name", name, "reason", tr.t(code)),
        ),
    };
    message(status, &text)
}

/// A device's server address, on the host the request reached (HTTPS when the server is
/// configured as served over HTTPS).
pub(crate) fn server_address(headers: &HeaderMap, state: &AppState, token: &str) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .filter(|h| {
            h.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
        })
        .unwrap_or("localhost");
    let scheme = if state.config.secure_cookies {
        "https"
    } else {
        "http"
    };
    format!("{scheme}://{host}/openrosa/{token}")
}

/// An error response for an OpenRosa path that the route's own handler did not make (a body
/// over the limit, a method not allowed): said as an OpenRosa message.
pub fn as_message(res: Response, tr: &Tr) -> Response {
    let has_body = res.headers().contains_key(header::CONTENT_TYPE);
    if has_body || !(res.status().is_client_error() || res.status().is_server_error()) {
        return res;
    }
    let status = res.status();
    let id = crate::error::ErrorKind::from_status(status).map_or("error-title", |k| k.message_id());
    message(status, &tr.t(id))
}
