//! Exports made in the background: their record (progress, outcome) and the finished file,
//! kept a day for the user who asked.

use async_trait::async_trait;
use domain::UserId;
use time::OffsetDateTime;

use crate::Result;

/// Where a background export is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportStatus {
    Running,
    Done,
    Failed,
}

impl ExportStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ExportStatus::Running => "running",
            ExportStatus::Done => "done",
            ExportStatus::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "running" => Some(ExportStatus::Running),
            "done" => Some(ExportStatus::Done),
            "failed" => Some(ExportStatus::Failed),
            _ => None,
        }
    }
}

/// A background export.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExportJob {
    pub id: uuid::Uuid,
    /// Who asked: only they may see it and download the file.
    pub user: UserId,
    /// What it holds, in the words of the export form (`cases`, `submissions rss` …).
    pub what: String,
    pub status: ExportStatus,
    /// Rows written so far.
    pub rows: u64,
    pub file_name: Option<String>,
    pub media_type: Option<String>,
    /// Why it failed (no personal data).
    pub error: Option<String>,
    pub created_at: OffsetDateTime,
    pub finished_at: Option<OffsetDateTime>,
}

#[async_trait]
pub trait ExportStore: Send + Sync + 'static {
    /// Records a new export, or its progress and outcome (the same id again); a finished
    /// export's record is not changed.
    async fn save_export_job(&self, job: ExportJob) -> Result<()>;
    /// Records a new export as running, unless its user already has `at_most` running (those
    /// started before `running_since` count as interrupted): the count and the record in one
    /// transaction, so that starts at once (on several instances too) cannot pass the limit.
    /// Answers whether it was recorded.
    async fn start_export_job(
        &self,
        job: ExportJob,
        at_most: usize,
        running_since: OffsetDateTime,
    ) -> Result<bool>;
    /// Forgets an export that was refused after it was recorded.
    async fn forget_export_job(&self, id: uuid::Uuid) -> Result<()>;
    async fn export_job(&self, id: uuid::Uuid) -> Result<Option<ExportJob>>;
    /// A user's exports since `since`, newest first.
    async fn export_jobs(&self, user: UserId, since: OffsetDateTime) -> Result<Vec<ExportJob>>;
    /// Keeps the finished file of export `id`, moved from `from` (a temporary file).
    async fn keep_export_file(&self, id: uuid::Uuid, from: std::path::PathBuf) -> Result<()>;
    /// The kept file of export `id`, opened for reading.
    async fn open_export_file(&self, id: uuid::Uuid) -> Result<Option<std::fs::File>>;
    /// Forgets the exports made before `before`, their files with them; returns how many.
    async fn remove_export_jobs(&self, before: OffsetDateTime) -> Result<usize>;
}
