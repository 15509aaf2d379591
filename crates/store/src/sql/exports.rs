//! Background exports, on both engines: their rows, and their files kept in `exports/` in the
//! data directory (beside the SQLite database; beside the `files/` directory on PostgreSQL).

use std::path::{Path, PathBuf};

use domain::UserId;
use time::OffsetDateTime;

use super::{Db, Row, args, now, on_both_engines};
use crate::sqlite::{Lite, SqliteStore};
use crate::{ExportJob, ExportStatus, ExportStore, Result, StoreError};

const COLUMNS: &str = "id, user_id, what, status, rows, file_name, media_type, error, created_at, \
                       finished_at";

fn job(r: &Row) -> Result<ExportJob> {
    Ok(ExportJob {
        id: r.get(0)?,
        user: UserId(r.get(1)?),
        what: r.get(2)?,
        status: ExportStatus::parse(r.text(3)?).unwrap_or(ExportStatus::Failed),
        rows: r.get::<i64>(4)?.max(0) as u64,
        file_name: r.get(5)?,
        media_type: r.get(6)?,
        error: r.get(7)?,
        created_at: r.get(8)?,
        finished_at: r.get(9)?,
    })
}

/// Adds or updates an export's record; a finished one never changes again (a late progress
/// update cannot undo its end).
async fn save<D: Db>(db: &D, j: &ExportJob) -> Result<()> {
    db.exec(
        &format!(
            "INSERT INTO export_jobs ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
             ON CONFLICT (id) DO UPDATE SET status = excluded.status, rows = excluded.rows,
               file_name = excluded.file_name, media_type = excluded.media_type,
               error = excluded.error, finished_at = excluded.finished_at
             WHERE export_jobs.status = 'running'"
        ),
        &args![
            j.id,
            j.user.0,
            &j.what,
            j.status.as_str(),
            i64::try_from(j.rows).unwrap_or(i64::MAX),
            &j.file_name,
            &j.media_type,
            &j.error,
            j.created_at,
            j.finished_at,
        ],
    )
    .await?;
    Ok(())
}

/// Records a running export if its user has fewer than `at_most` running since
/// `running_since`.
async fn start<D: Db>(
    db: &D,
    j: &ExportJob,
    at_most: usize,
    running_since: OffsetDateTime,
) -> Result<bool> {
    let running: usize = db
        .value(
            "SELECT count(*) FROM export_jobs
             WHERE user_id = ?1 AND status = 'running' AND created_at >= ?2",
            &args![j.user.0, running_since],
        )
        .await?;
    if running >= at_most {
        return Ok(false);
    }
    save(db, j).await?;
    Ok(true)
}

async fn forget<D: Db>(db: &D, id: uuid::Uuid) -> Result<()> {
    db.exec("DELETE FROM export_jobs WHERE id = ?1", &args![id])
        .await?;
    Ok(())
}

async fn one<D: Db>(db: &D, id: uuid::Uuid) -> Result<Option<ExportJob>> {
    db.opt(
        &format!("SELECT {COLUMNS} FROM export_jobs WHERE id = ?1"),
        &args![id],
    )
    .await?
    .as_ref()
    .map(job)
    .transpose()
}

async fn of_user<D: Db>(db: &D, user: UserId, since: OffsetDateTime) -> Result<Vec<ExportJob>> {
    db.rows(
        &format!(
            "SELECT {COLUMNS} FROM export_jobs WHERE user_id = ?1 AND created_at >= ?2
             ORDER BY created_at DESC, id"
        ),
        &args![user.0, since],
    )
    .await?
    .iter()
    .map(job)
    .collect()
}

/// Forgets the exports made before `before`; answers their ids, whose files the caller removes
/// once the transaction is over.
async fn remove<D: Db>(db: &D, before: OffsetDateTime) -> Result<Vec<String>> {
    let ids = db
        .rows(
            "SELECT id FROM export_jobs WHERE created_at < ?1",
            &args![before],
        )
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect::<Result<Vec<String>>>()?;
    db.exec(
        "DELETE FROM export_jobs WHERE created_at < ?1",
        &args![before],
    )
    .await?;
    Ok(ids)
}

/// `exports/` beside `path` (the database file on SQLite, the files directory on PostgreSQL):
/// in the data directory either way.
pub(crate) fn exports_beside(path: &Path) -> PathBuf {
    path.parent().unwrap_or(Path::new(".")).join("exports")
}

fn file_error(e: std::io::Error) -> StoreError {
    StoreError::Database(format!("export file: {e}"))
}

/// Moves the finished file of export `id` from `from` (a temporary file) into `dir`.
async fn keep_file(dir: PathBuf, id: uuid::Uuid, from: PathBuf) -> Result<()> {
    tokio::task::spawn_blocking(move || {
        std::fs::create_dir_all(&dir).map_err(file_error)?;
        let to = dir.join(id.to_string());
        // A rename when the temporary file is on the same disk; a copy otherwise.
        if std::fs::rename(&from, &to).is_err() {
            std::fs::copy(&from, &to).map_err(file_error)?;
            let _ = std::fs::remove_file(&from);
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&to, std::fs::Permissions::from_mode(0o600))
                .map_err(file_error)?;
        }
        Ok(())
    })
    .await
    .map_err(|e| StoreError::Database(e.to_string()))?
}

fn open_file(dir: &Path, id: uuid::Uuid) -> Result<Option<std::fs::File>> {
    match std::fs::File::open(dir.join(id.to_string())) {
        Ok(f) => Ok(Some(f)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(file_error(e)),
    }
}

/// Removes the files of the exports forgotten; answers how many exports were.
fn remove_files(dir: &Path, ids: &[String]) -> usize {
    for id in ids {
        // Only names made here (uuids) are ever removed.
        if uuid::Uuid::parse_str(id).is_ok() {
            let _ = std::fs::remove_file(dir.join(id));
        }
    }
    ids.len()
}

impl SqliteStore {
    fn exports_dir(&self) -> PathBuf {
        exports_beside(self.path())
    }
}

on_both_engines! {
    impl ExportStore {
        write fn save_export_job(&self, job: ExportJob) -> Result<()> = |db| save(db, job);
        write fn start_export_job(
            &self,
            job: ExportJob,
            at_most: usize,
            running_since: OffsetDateTime,
        ) -> Result<bool> = |db| start(db, job, *at_most, *running_since);
        write fn forget_export_job(&self, id: uuid::Uuid) -> Result<()> = |db| forget(db, *id);
        read fn export_job(&self, id: uuid::Uuid) -> Result<Option<ExportJob>> =
            |db| one(db, *id);
        read fn export_jobs(&self, user: UserId, since: OffsetDateTime) -> Result<Vec<ExportJob>> =
            |db| of_user(db, *user, *since);
    }
    sqlite {
        async fn keep_export_file(&self, id: uuid::Uuid, from: PathBuf) -> Result<()> {
            keep_file(self.exports_dir(), id, from).await
        }
        async fn open_export_file(&self, id: uuid::Uuid) -> Result<Option<std::fs::File>> {
            open_file(&self.exports_dir(), id)
        }
        async fn remove_export_jobs(&self, before: OffsetDateTime) -> Result<usize> {
            let ids = self.write(move |tx| now(remove(&Lite(tx), before))).await?;
            Ok(remove_files(&self.exports_dir(), &ids))
        }
    }
    postgres {
        async fn keep_export_file(&self, id: uuid::Uuid, from: PathBuf) -> Result<()> {
            keep_file(self.exports.clone(), id, from).await
        }
        async fn open_export_file(&self, id: uuid::Uuid) -> Result<Option<std::fs::File>> {
            open_file(&self.exports, id)
        }
        async fn remove_export_jobs(&self, before: OffsetDateTime) -> Result<usize> {
            let ids = self
                .write((), move |db, ()| Box::pin(remove(db, before)))
                .await?;
            Ok(remove_files(&self.exports, &ids))
        }
    }
}
