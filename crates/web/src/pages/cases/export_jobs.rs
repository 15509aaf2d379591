//! An export made in the background: its progress while it runs, then its file, kept a day
//! for the user who asked; with their other exports of the day.

use super::*;

/// An export as its page lists it.
pub(super) struct ExportJobView {
    pub(super) href: String,
    pub(super) what: String,
    pub(super) status: String,
    pub(super) rows: String,
    pub(super) started: String,
    pub(super) download: String,
}

#[derive(Template)]
#[template(path = "export_job.html")]
pub(super) struct ExportJobPage {
    pub(super) c: Chrome,
    pub(super) job: ExportJobView,
    pub(super) running: bool,
    pub(super) others: Vec<ExportJobView>,
}

fn view(tr: &Tr, j: &store::ExportJob) -> ExportJobView {
    ExportJobView {
        href: format!("/exports/jobs/{}", j.id),
        what: j.what.clone(),
        status: tr.t(&format!("export-status-{}", j.status.as_str())),
        rows: tr.t1("export-rows", "n", tr.number(j.rows as i64)),
        started: j.created_at.time().to_string().chars().take(5).collect(),
        download: if j.status == store::ExportStatus::Done {
            format!("/exports/jobs/{}/file", j.id)
        } else {
            String::new()
        },
    }
}

fn parse_job(id: &str) -> Result<uuid::Uuid, AppError> {
    id.parse().map_err(|_| AppError::new(ErrorKind::NotFound))
}

pub async fn export_job(
    State(state): State<AppState>,
    tr: Tr,
    SignedIn(caller): SignedIn,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let actor = caller.actor();
    let job = app::exports::jobs::export_job(&state, &actor, parse_job(&id)?).await?;
    let others = app::exports::jobs::export_jobs(&state, &actor)
        .await?
        .iter()
        .filter(|j| j.id != job.id)
        .map(|j| view(&tr, j))
        .collect();
    render(&ExportJobPage {
        c: Chrome::new(&state, tr.clone(), Some(&caller)),
        running: job.status == store::ExportStatus::Running,
        job: view(&tr, &job),
        others,
    })
}

pub async fn export_job_file(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let (job, file) =
        app::exports::jobs::kept_file(&state, &caller.actor(), parse_job(&id)?, false).await?;
    crate::download::kept_response(job, file)
}
