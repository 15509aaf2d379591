//! Background exports: their rows, and their files kept in `exports/` beside the database.

use std::path::PathBuf;

use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, params};
use time::OffsetDateTime;

use super::{SqliteStore, exec, from_ts, parse_uuid, ts};
use crate::{ExportJob, ExportStatus, ExportStore, Result, StoreError};

const COLUMNS: &str = "id, user_id, what, status, rows, file_name, media_type, error, created_at, \
                       finished_at";

fn row(r: &rusqlite::Row) -> rusqlite::Result<ExportJob> {
    let status: String = r.get(3)?;
    Ok(ExportJob {
        id: parse_uuid(0, &r.get::<_, String>(0)?)?,
        user: domain::UserId(parse_uuid(1, &r.get::<_, String>(1)?)?),
        what: r.get(2)?,
        status: ExportStatus::parse(&status).unwrap_or(ExportStatus::Failed),
        rows: r.get::<_, i64>(4)?.max(0) as u64,
        file_name: r.get(5)?,
        media_type: r.get(6)?,
        error: r.get(7)?,
        created_at: from_ts(r.get(8)?),
        finished_at: r.get::<_, Option<i64>>(9)?.map(from_ts),
    })
}

/// Adds or updates an export's record; a finished one never changes again (a late progress
/// update cannot undo its end).
fn save(c: &Connection, j: &ExportJob) -> Result<()> {
    exec(
        c,
        &format!(
            "INSERT INTO export_jobs ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
             ON CONFLICT (id) DO UPDATE SET status = excluded.status, rows = excluded.rows,
               file_name = excluded.file_name, media_type = excluded.media_type,
               error = excluded.error, finished_at = excluded.finished_at
             WHERE export_jobs.status = 'running'"
        ),
        params![
            j.id.to_string(),
            j.user.to_string(),
            j.what,
            j.status.as_str(),
            i64::try_from(j.rows).unwrap_or(i64::MAX),
            j.file_name,
            j.media_type,
            j.error,
            ts(j.created_at),
            j.finished_at.map(ts),
        ],
    )?;
    Ok(())
}

impl SqliteStore {
    fn exports_dir(&self) -> PathBuf {
        self.path
            .parent()
            .unwrap_or(std::path::Path::new("."))
            .join("exports")
    }
}

#[async_trait]
impl ExportStore for SqliteStore {
    async fn save_export_job(&self, job: ExportJob) -> Result<()> {
        self.write(move |tx| save(tx, &job)).await
    }

    async fn export_job(&self, id: uuid::Uuid) -> Result<Option<ExportJob>> {
        self.read(move |c| {
            Ok(c.query_row(
                &format!("SELECT {COLUMNS} FROM export_jobs WHERE id = ?1"),
                [id.to_string()],
                row,
            )
            .optional()?)
        })
        .await
    }

    async fn export_jobs(
        &self,
        user: domain::UserId,
        since: OffsetDateTime,
    ) -> Result<Vec<ExportJob>> {
        self.read(move |c| {
            let mut stmt = c.prepare(&format!(
                "SELECT {COLUMNS} FROM export_jobs WHERE user_id = ?1 AND created_at >= ?2
                 ORDER BY created_at DESC, id"
            ))?;
            let rows = stmt.query_map(params![user.to_string(), ts(since)], row)?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
        .await
    }

    async fn keep_export_file(&self, id: uuid::Uuid, from: PathBuf) -> Result<()> {
        let dir = self.exports_dir();
        tokio::task::spawn_blocking(move || {
            let failed = |e: std::io::Error| StoreError::Database(format!("export file: {e}"));
            std::fs::create_dir_all(&dir).map_err(failed)?;
            let to = dir.join(id.to_string());
            // A rename when the temporary file is on the same disk; a copy otherwise.
            if std::fs::rename(&from, &to).is_err() {
                std::fs::copy(&from, &to).map_err(failed)?;
                let _ = std::fs::remove_file(&from);
            }
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(&to, std::fs::Permissions::from_mode(0o600))
                    .map_err(failed)?;
            }
            Ok(())
        })
        .await
        .map_err(|e| StoreError::Database(e.to_string()))?
    }

    async fn open_export_file(&self, id: uuid::Uuid) -> Result<Option<std::fs::File>> {
        match std::fs::File::open(self.exports_dir().join(id.to_string())) {
            Ok(f) => Ok(Some(f)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(StoreError::Database(format!("export file: {e}"))),
        }
    }

    async fn remove_export_jobs(&self, before: OffsetDateTime) -> Result<usize> {
        let ids: Vec<String> = self
            .write(move |tx| {
                let mut stmt = tx.prepare("SELECT id FROM export_jobs WHERE created_at < ?1")?;
                let ids = stmt
                    .query_map([ts(before)], |r| r.get::<_, String>(0))?
                    .collect::<rusqlite::Result<Vec<_>>>()?;
                exec(
                    tx,
                    "DELETE FROM export_jobs WHERE created_at < ?1",
                    [ts(before)],
                )?;
                Ok(ids)
            })
            .await?;
        let dir = self.exports_dir();
        for id in &ids {
            // Only names made here (uuids) are ever removed.
            if uuid::Uuid::parse_str(id).is_ok() {
                let _ = std::fs::remove_file(dir.join(id));
            }
        }
        Ok(ids.len())
    }
}
