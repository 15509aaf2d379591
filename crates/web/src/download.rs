//! Handing a finished export to the browser or API client, streamed from its temporary file.

use axum::body::Body;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use crate::error::AppError;

/// The file as an attachment. Its temporary path is removed at once: the open handle keeps the
/// content readable until the download ends, and nothing is left behind if it breaks off.
pub async fn file_response(export: app::exports::ExportedFile) -> Result<Response, AppError> {
    let opened = export.file.reopen().map_err(AppError::internal)?;
    let length = opened.metadata().map_err(AppError::internal)?.len();
    drop(export.file);
    let body = Body::from_stream(tokio_util::io::ReaderStream::new(
        tokio::fs::File::from_std(opened),
    ));
    let disposition = format!("attachment; filename=\"{}\"", export.name);
    let mut response = body.into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(export.media_type),
    );
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(length));
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_str(&disposition).map_err(AppError::internal)?,
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert("x-export-rows", HeaderValue::from(export.rows));
    Ok(response)
}
