//! Exports in the background. A page starts one and waits a moment: a small export (or a
//! refused one) is answered at once; a large one goes on while the page shows its progress.
//! The finished file is kept a day for the user who asked, then removed by the retention run.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use domain::audit::{AuditAction, FieldChange};
use domain::authz::Actor;
use store::{AuditContext, ExportJob, ExportStatus};

use super::{CaseExport, ExportedFile, RecordsExport};
use crate::{App, Error, ErrorKind};

/// How long a finished export's file is kept.
pub const KEPT_FOR: time::Duration = time::Duration::hours(24);
/// How many exports one user may have running at once: a large export takes a minute of a
/// core; more at once would slow everyone's pages.
const RUNNING_AT_ONCE: usize = 2;
/// An export still running after this was interrupted (a restart): 1,000,000 cases take under
/// a minute (docs/benchmarks.md).
const STALLED_AFTER: time::Duration = time::Duration::hours(1);

/// An export as its maker sees it: one still "running" long after it started was interrupted.
fn as_seen(mut job: ExportJob, now: time::OffsetDateTime) -> ExportJob {
    if job.status == ExportStatus::Running && now - job.created_at > STALLED_AFTER {
        job.status = ExportStatus::Failed;
        job.error = Some("interrupted".into());
    }
    job
}

/// An export to make.
#[derive(Clone, Debug)]
pub enum ExportRequest {
    Cases(Box<CaseExport>),
    Records(RecordsExport),
}

impl ExportRequest {
    /// What the export holds, as its record names it.
    fn what(&self) -> String {
        match self {
            ExportRequest::Cases(r) if r.pseudonymise => {
                format!("{} (pseudonymised)", or_cases(&r.what))
            }
            ExportRequest::Cases(r) => or_cases(&r.what).to_string(),
            ExportRequest::Records(r) if !r.form_id.is_empty() && r.what == "submissions" => {
                format!("submissions {}", r.form_id)
            }
            ExportRequest::Records(r) => r.what.clone(),
        }
    }

    fn with_progress(mut self, rows: Arc<AtomicU64>) -> Self {
        match &mut self {
            ExportRequest::Cases(r) => r.progress = Some(rows),
            ExportRequest::Records(r) => r.progress = Some(rows),
        }
        self
    }
}

fn or_cases(what: &str) -> &str {
    if what.trim().is_empty() {
        "cases"
    } else {
        what
    }
}

/// What starting an export came to.
pub enum Started {
    /// Finished within the wait: the export's record, its file kept.
    Done(ExportJob),
    /// Still running: follow it on its page.
    Running(ExportJob),
}

/// Starts an export and waits up to `wait` for it. A refused request (its checks come first)
/// is the error; a failure after the wait is recorded on the export.
pub async fn start(
    app: &App,
    actor: &Actor,
    request: ExportRequest,
    wait: Duration,
) -> Result<Started, Error> {
    // A refused request is answered at once, however long the export would have taken.
    if let ExportRequest::Cases(r) = &request {
        super::checked_case_export(actor, r)?;
    }
    let job = ExportJob {
        id: uuid::Uuid::new_v4(),
        user: actor.user_id,
        what: request.what(),
        status: ExportStatus::Running,
        rows: 0,
        file_name: None,
        media_type: None,
        error: None,
        created_at: app.now(),
        finished_at: None,
    };
    // The limit is counted and the export recorded in one transaction.
    let started = app
        .store
        .start_export_job(job.clone(), RUNNING_AT_ONCE, app.now() - STALLED_AFTER)
        .await?;
    if !started {
        return Err(Error::invalid("what", "error-export-running"));
    }
    let rows = Arc::new(AtomicU64::new(0));
    let request = request.with_progress(rows.clone());
    let (done_tx, done_rx) = tokio::sync::oneshot::channel();
    let (app2, actor2, mut record) = (app.clone(), actor.clone(), job.clone());
    tokio::spawn(async move {
        let export = async {
            match request {
                ExportRequest::Cases(r) => super::export_cases(&app2, &actor2, *r).await,
                ExportRequest::Records(r) => super::export_records(&app2, &actor2, r).await,
            }
        };
        tokio::pin!(export);
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        let outcome = loop {
            tokio::select! {
                outcome = &mut export => break outcome,
                _ = tick.tick() => {
                    // Its progress, as it goes.
                    let n = rows.load(Ordering::Relaxed);
                    if n != record.rows {
                        record.rows = n;
                        let _ = app2.store.save_export_job(record.clone()).await;
                    }
                }
            }
        };
        let finished = finish(&app2, record, outcome).await;
        let _ = done_tx.send(finished);
    });
    match tokio::time::timeout(wait, done_rx).await {
        Ok(Ok(finished)) => finished.map(Started::Done),
        Ok(Err(_)) => Err(Error::internal("the export stopped")),
        // Still going: its page follows it.
        Err(_) => Ok(Started::Running(job)),
    }
}

/// Records how the export ended and keeps its file. A refused request leaves no record.
async fn finish(
    app: &App,
    mut job: ExportJob,
    outcome: Result<ExportedFile, Error>,
) -> Result<ExportJob, Error> {
    job.finished_at = Some(app.now());
    match outcome {
        Ok(file) => {
            let path = file.file.into_temp_path().keep().map_err(Error::internal)?;
            app.store.keep_export_file(job.id, path).await?;
            job.status = ExportStatus::Done;
            job.rows = file.rows;
            job.file_name = Some(file.name);
            job.media_type = Some(file.media_type.to_string());
            app.store.save_export_job(job.clone()).await?;
            Ok(job)
        }
        Err(e) => {
            if e.kind == ErrorKind::Validation {
                // Refused by a check made as it ran: as if it had not started.
                app.store.forget_export_job(job.id).await?;
            } else {
                job.status = ExportStatus::Failed;
                job.error = Some("failed".into());
                app.store.save_export_job(job).await?;
            }
            tracing::warn!(kind = ?e.kind, "an export did not finish");
            Err(e)
        }
    }
}

/// One of the actor's exports of the last day.
pub async fn export_job(app: &App, actor: &Actor, id: uuid::Uuid) -> Result<ExportJob, Error> {
    app.store
        .export_job(id)
        .await?
        .filter(|j| j.user == actor.user_id && app.now() - j.created_at < KEPT_FOR)
        .map(|j| as_seen(j, app.now()))
        .ok_or(Error::new(ErrorKind::NotFound))
}

/// The actor's exports of the last day, newest first.
pub async fn export_jobs(app: &App, actor: &Actor) -> Result<Vec<ExportJob>, Error> {
    Ok(app
        .store
        .export_jobs(actor.user_id, app.now() - KEPT_FOR)
        .await?
        .into_iter()
        .map(|j| as_seen(j, app.now()))
        .collect())
}

/// A finished export's file, for the actor who made it. Taking it again later is recorded in
/// the audit trail, as reading what it holds.
pub async fn kept_file(
    app: &App,
    actor: &Actor,
    id: uuid::Uuid,
    first_time: bool,
) -> Result<(ExportJob, std::fs::File), Error> {
    let job = export_job(app, actor, id).await?;
    if job.status != ExportStatus::Done {
        return Err(Error::new(ErrorKind::NotFound));
    }
    let file = app
        .store
        .open_export_file(id)
        .await?
        .ok_or(Error::new(ErrorKind::NotFound))?;
    if !first_time {
        app.store
            .append_audit(AuditContext::by(actor.user_id, app.now()).entry(
                AuditAction::Export,
                "export",
                actor.user_id.to_string(),
                vec![
                    FieldChange::noted("downloaded", &job.what),
                    FieldChange::noted("rows", job.rows.to_string()),
                ],
            ))
            .await?;
    }
    Ok((job, file))
}

/// Forgets the exports older than a day, and their files (the retention run).
pub async fn forget_old(app: &App) -> Result<usize, Error> {
    Ok(app.store.remove_export_jobs(app.now() - KEPT_FOR).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_export_running_for_hours_was_interrupted() {
        let start = time::macros::datetime!(2026-12-07 08:00 UTC);
        let job = ExportJob {
            id: uuid::Uuid::nil(),
            user: domain::UserId(uuid::Uuid::nil()),
            what: "cases".into(),
            status: ExportStatus::Running,
            rows: 10,
            file_name: None,
            media_type: None,
            error: None,
            created_at: start,
            finished_at: None,
        };
        let soon = as_seen(job.clone(), start + time::Duration::minutes(5));
        assert_eq!(soon.status, ExportStatus::Running);
        let later = as_seen(job, start + time::Duration::hours(2));
        assert_eq!(later.status, ExportStatus::Failed);
    }
}
