//! Static files, embedded in the binary. Their URL carries a fingerprint of their content, so
//! they can be cached for a year and still change with each release.

use axum::extract::Path;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use std::sync::{LazyLock, OnceLock};

use crate::error::{AppError, ErrorKind};

const FILES: &[(&str, &str, &[u8])] = &[
    (
        "app.css",
        "text/css; charset=utf-8",
        include_bytes!("../assets/app.css"),
    ),
    (
        "print.css",
        "text/css; charset=utf-8",
        include_bytes!("../assets/print.css"),
    ),
    (
        "counter.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../assets/counter.js"),
    ),
    (
        "page.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../assets/page.js"),
    ),
    // htmx 2.0.4, from the npm package htmx.org (BSD Zero Clause License).
    (
        "htmx.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../assets/htmx.min.js"),
    ),
    // The offline web form client: ODK Web Forms with Vue, bundled by scripts/vendor-webforms
    // from pinned npm versions (licences in odk-webforms.LICENSES.txt).
    (
        "odk-webforms.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../assets/odk-webforms.js"),
    ),
    (
        "collect.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../assets/collect.js"),
    ),
];

/// Fingerprint of all assets together.
pub static VERSION: LazyLock<String> = LazyLock::new(|| {
    let mut h = Sha256::new();
    for (name, _, body) in FILES {
        h.update(name.as_bytes());
        h.update(body);
    }
    h.finalize()[..6]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
});

/// Each asset compressed once, at its first request, with brotli and with gzip: on a slow link
/// htmx comes down in a third of its size.
static COMPRESSED: [OnceLock<(Vec<u8>, Vec<u8>)>; FILES.len()] =
    [const { OnceLock::new() }; FILES.len()];

/// An asset with brotli and with gzip (pages are compressed as they go, see `lib.rs`). Brotli's
/// best quality takes seconds on the web form client's megabytes, so large files get a faster
/// one that is nearly as small.
fn compress(body: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let mut br = Vec::new();
    let params = brotli::enc::BrotliEncoderParams {
        quality: if body.len() > 512 * 1024 { 9 } else { 11 },
        ..Default::default()
    };
    if brotli::BrotliCompress(&mut &body[..], &mut br, &params).is_err() {
        br.clear();
    }
    let mut z = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let _ = std::io::Write::write_all(&mut z, body);
    (br, z.finish().unwrap_or_default())
}

/// Whether the request's `Accept-Encoding` takes `coding` (listed, and not with `q=0`).
fn accepts(headers: &axum::http::HeaderMap, coding: &str) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|e| {
            let mut parts = e.split(';');
            let name = parts.next().unwrap_or_default().trim();
            let refused = parts.any(|p| p.trim().replace(' ', "") == "q=0");
            name.eq_ignore_ascii_case(coding) && !refused
        })
}

pub async fn serve(
    Path((version, file)): Path<(String, String)>,
    headers: axum::http::HeaderMap,
) -> Result<Response, AppError> {
    let i = FILES
        .iter()
        .position(|(name, _, _)| *name == file)
        .ok_or(AppError::new(ErrorKind::NotFound))?;
    let (_, mime, body) = FILES[i];
    let cache = if version == *VERSION {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    // Compressing is work for a blocking thread, once per file.
    let (br, gz) =
        tokio::task::spawn_blocking(move || COMPRESSED[i].get_or_init(|| compress(body)))
            .await
            .map_err(|_| AppError::new(ErrorKind::Internal))?;
    let (encoded, coding) = if accepts(&headers, "br") && !br.is_empty() {
        (Some(br), "br")
    } else if accepts(&headers, "gzip") && !gz.is_empty() {
        (Some(gz), "gzip")
    } else {
        (None, "")
    };
    let mut res = match encoded {
        Some(bytes) => {
            let mut res = bytes.clone().into_response();
            res.headers_mut()
                .insert(header::CONTENT_ENCODING, HeaderValue::from_static(coding));
            res
        }
        None => body.into_response(),
    };
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    h.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    Ok(res)
}
