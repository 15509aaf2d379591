//! Handing a finished export to the browser or API client, streamed from its temporary file.

use axum::body::Body;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use crate::AppState;
use crate::error::AppError;
use app::exports::jobs::{ExportRequest, Started};
use domain::authz::Actor;

/// The file as an attachment. Its temporary path is removed at once: the open handle keeps the
/// content readable until the download ends, and nothing is left behind if it breaks off.
pub async fn file_response(export: app::exports::ExportedFile) -> Result<Response, AppError> {
    let opened = export.file.reopen().map_err(AppError::internal)?;
    drop(export.file);
    attachment(opened, &export.name, export.media_type, export.rows)
}

/// An open file streamed as an attachment, with its length, name, type and row count.
fn attachment(
    file: std::fs::File,
    name: &str,
    media_type: &str,
    rows: u64,
) -> Result<Response, AppError> {
    let length = file.metadata().map_err(AppError::internal)?.len();
    let body = Body::from_stream(tokio_util::io::ReaderStream::new(
        tokio::fs::File::from_std(file),
    ));
    let header_value = |v: &str| HeaderValue::from_str(v).map_err(AppError::internal);
    let mut response = body.into_response();
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, header_value(media_type)?);
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(length));
    h.insert(
        header::CONTENT_DISPOSITION,
        header_value(&format!("attachment; filename=\"{name}\""))?,
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert("x-export-rows", HeaderValue::from(rows));
    Ok(response)
}

/// Starts an export for a page: the file itself when it is ready within the wait, else the
/// export's page, which shows its progress. A refused request is the use case's error.
pub async fn start_export(
    state: &AppState,
    actor: &Actor,
    request: ExportRequest,
) -> Result<Response, app::Error> {
    let wait = state
        .config
        .export_wait
        .unwrap_or(std::time::Duration::from_secs(3));
    match app::exports::jobs::start(state, actor, request, wait).await? {
        Started::Done(job) => {
            let (job, file) = app::exports::jobs::kept_file(state, actor, job.id, true).await?;
            kept_response(job, file).map_err(|e| app::Error::internal(format!("{e:?}")))
        }
        Started::Running(job) => {
            Ok(axum::response::Redirect::to(&format!("/exports/jobs/{}", job.id)).into_response())
        }
    }
}

/// A kept export's file as an attachment.
pub fn kept_response(job: store::ExportJob, file: std::fs::File) -> Result<Response, AppError> {
    attachment(
        file,
        job.file_name.as_deref().unwrap_or("export"),
        job.media_type
            .as_deref()
            .unwrap_or("application/octet-stream"),
        job.rows,
    )
}
