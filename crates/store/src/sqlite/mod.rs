//! The embedded SQLite implementation: one file in the data directory, WAL mode, foreign keys on.
//!
//! Reads go through a small pool of connections; writes queue for a single writer connection on
//! a thread of its own ([`writer`]), which commits the writes that queued up together in one
//! IMMEDIATE transaction, so writers wait in-process instead of spinning on SQLite's busy
//! handler. Other processes (the `reintegra` subcommands) can write at the same time; the busy
//! timeout covers them.

pub mod backup;
pub(crate) mod cases;
mod copy_out;
mod db;
mod files;
mod match_keys;
pub(crate) mod me;
pub(crate) mod pathway;
mod writer;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

pub(crate) use db::Lite;
use r2d2_sqlite::SqliteConnectionManager;
use rusqlite::{Connection, TransactionBehavior, params};
use time::OffsetDateTime;
pub(crate) use writer::Tx;

use crate::model::*;
use crate::{AuditContext, Result, StoreError};

const MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "foundation",
        include_str!("../../migrations/sqlite/0001_foundation.sql"),
    ),
    (
        2,
        "audit changes index",
        include_str!("../../migrations/sqlite/0002_audit_changes_index.sql"),
    ),
    (
        3,
        "case count indexes",
        include_str!("../../migrations/sqlite/0003_case_count_indexes.sql"),
    ),
    (
        4,
        "forms",
        include_str!("../../migrations/sqlite/0004_forms.sql"),
    ),
    (
        5,
        "covering case search index",
        include_str!("../../migrations/sqlite/0005_case_search_covering.sql"),
    ),
    (
        6,
        "list order indexes",
        include_str!("../../migrations/sqlite/0006_list_order_indexes.sql"),
    ),
    (
        7,
        "case search by office",
        include_str!("../../migrations/sqlite/0007_case_search_office.sql"),
    ),
    (
        8,
        "survey scores",
        include_str!("../../migrations/sqlite/0008_rss.sql"),
    ),
    (
        9,
        "individual pathway",
        include_str!("../../migrations/sqlite/0009_pathway.sql"),
    ),
    (
        10,
        "service map, stakeholders and referrals",
        include_str!("../../migrations/sqlite/0010_referrals.sql"),
    ),
    (
        11,
        "community and structural levels",
        include_str!("../../migrations/sqlite/0011_community.sql"),
    ),
    (
        12,
        "results framework and learning",
        include_str!("../../migrations/sqlite/0012_results.sql"),
    ),
    (
        13,
        "indicator index on surveys",
        include_str!("../../migrations/sqlite/0013_indicator_index.sql"),
    ),
    (
        14,
        "survey indicators read in case order",
        include_str!("../../migrations/sqlite/0014_indicators_by_case.sql"),
    ),
    (
        15,
        "open cases' follow-up facts in case order",
        include_str!("../../migrations/sqlite/0015_followup_index.sql"),
    ),
    (
        16,
        "replies to posts sent twice",
        include_str!("../../migrations/sqlite/0016_replies.sql"),
    ),
    (
        17,
        "plans returned with comments",
        include_str!("../../migrations/sqlite/0017_plan_returned.sql"),
    ),
    (
        18,
        "each account's language",
        include_str!("../../migrations/sqlite/0018_user_language.sql"),
    ),
    (
        19,
        "browsers accounts signed in from",
        include_str!("../../migrations/sqlite/0019_known_devices.sql"),
    ),
    (
        20,
        "two-step sign-in",
        include_str!("../../migrations/sqlite/0020_two_factor.sql"),
    ),
    (
        21,
        "retention and erasure",
        include_str!("../../migrations/sqlite/0021_retention.sql"),
    ),
    (
        22,
        "files given as answers",
        include_str!("../../migrations/sqlite/0022_submission_files.sql"),
    ),
    (
        23,
        "files attached to form versions",
        include_str!("../../migrations/sqlite/0023_form_files.sql"),
    ),
    (
        24,
        "field collection with OpenRosa clients",
        include_str!("../../migrations/sqlite/0024_field_collection.sql"),
    ),
    (
        25,
        "held field submissions and incremental pulls",
        include_str!("../../migrations/sqlite/0025_held_and_pulls.sql"),
    ),
    (
        26,
        "encrypted field submissions",
        include_str!("../../migrations/sqlite/0026_sealed_submissions.sql"),
    ),
    (
        27,
        "files uploaded for bulk imports",
        include_str!("../../migrations/sqlite/0027_import_files.sql"),
    ),
    (
        28,
        "the secret of pseudonymised exports",
        include_str!("../../migrations/sqlite/0028_pseudonym_secret.sql"),
    ),
    (
        29,
        "exports made in the background",
        include_str!("../../migrations/sqlite/0029_export_jobs.sql"),
    ),
    (
        30,
        "the progress of an import's dry run",
        include_str!("../../migrations/sqlite/0030_import_progress.sql"),
    ),
    (
        31,
        "monitoring samples",
        include_str!("../../migrations/sqlite/0031_monitoring_samples.sql"),
    ),
    (
        32,
        "spot checks",
        include_str!("../../migrations/sqlite/0032_spot_checks.sql"),
    ),
    (
        33,
        "feedback and complaints",
        include_str!("../../migrations/sqlite/0033_feedback.sql"),
    ),
    (
        34,
        "approved plan items",
        include_str!("../../migrations/sqlite/0034_approved_plan_items.sql"),
    ),
    (
        35,
        "case match keys",
        include_str!("../../migrations/sqlite/0035_case_match_keys.sql"),
    ),
    (
        36,
        "merges and distinct pairs",
        include_str!("../../migrations/sqlite/0036_merges.sql"),
    ),
    (
        37,
        "case hand-overs",
        include_str!("../../migrations/sqlite/0037_handovers.sql"),
    ),
    (
        38,
        "resumable duplicates scan",
        include_str!("../../migrations/sqlite/0038_scan_resume.sql"),
    ),
    (
        39,
        "scheduled runs shared by instances",
        include_str!("../../migrations/sqlite/0039_scheduled_runs.sql"),
    ),
    (
        40,
        "survey tallies",
        include_str!("../../migrations/sqlite/0040_survey_tallies.sql"),
    ),
    (
        41,
        "survey tally changes",
        include_str!("../../migrations/sqlite/0041_survey_tally_changes.sql"),
    ),
];

pub const DATABASE_FILE: &str = "reintegra.db";

/// The file in the data directory naming the instance whose database lives there. It outlives
/// the database file: when `reintegra.db` is empty (an interrupted copy) or another instance's,
/// the server refuses to start rather than begin afresh and look as if every record were gone.
pub const INSTANCE_MARKER: &str = "instance";

/// The programme setting holding the instance id inside the database.
const INSTANCE_SETTING: &str = "instance_id";

/// The key of an encrypted database (SQLCipher): a passphrase, from a file or the environment,
/// never the command line. Never printed.
#[derive(Clone)]
pub struct DatabaseKey(String);

impl DatabaseKey {
    /// A key from its text (surrounding white space, such as a file's last newline, ignored);
    /// `None` when nothing is left.
    pub fn new(text: &str) -> Option<Self> {
        let t = text.trim();
        (!t.is_empty()).then(|| DatabaseKey(t.to_string()))
    }
}

impl std::fmt::Debug for DatabaseKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DatabaseKey(…)")
    }
}

/// Gives a new connection the database's key, before anything else is read, and checks that
/// it opens the database.
fn unlock(c: &Connection, key: Option<&DatabaseKey>) -> rusqlite::Result<()> {
    if let Some(k) = key {
        c.pragma_update(None, "key", &k.0)?;
    }
    c.query_row("SELECT count(*) FROM sqlite_master", [], |_| Ok(()))
}

/// What to say when the database cannot be read: most likely a key missing or wrong.
fn unreadable(path: &Path, keyed: bool, e: rusqlite::Error) -> StoreError {
    let not_a_database = matches!(
        e.sqlite_error_code(),
        Some(rusqlite::ErrorCode::NotADatabase)
    );
    if !not_a_database {
        return StoreError::from(e);
    }
    StoreError::Database(if keyed {
        format!(
            "{} cannot be read with the key given: the key is wrong, or the file is damaged",
            path.display()
        )
    } else {
        format!(
            "{} cannot be read: it is encrypted (give its key in REINTEGRA_DATABASE_KEY or a \
             file named by REINTEGRA_DATABASE_KEY_FILE), or it is damaged",
            path.display()
        )
    })
}

fn configure(c: &Connection) -> rusqlite::Result<()> {
    c.busy_timeout(Duration::from_secs(10))?;
    // Parsing SQL costs more than running these indexed queries: keep every statement the
    // application uses prepared (the default keeps 16).
    c.set_prepared_statement_cache_capacity(256);
    c.execute_batch(
        "PRAGMA journal_mode = WAL;
         PRAGMA synchronous = NORMAL;
         PRAGMA foreign_keys = ON;
         PRAGMA temp_store = MEMORY;
         PRAGMA cache_size = -16000;",
    )
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::Database(e.to_string())
    }
}

impl From<r2d2::Error> for StoreError {
    fn from(e: r2d2::Error) -> Self {
        StoreError::Database(e.to_string())
    }
}

#[derive(Clone)]
pub struct SqliteStore {
    path: PathBuf,
    /// Files given as answers, beside the database (`files/` in the data directory).
    pub(crate) files: Arc<crate::files::FileStore>,
    readers: r2d2::Pool<SqliteConnectionManager>,
    /// A plain mutex: writes are short, and handing the lock over through tokio's fair async
    /// mutex measured slower under load (docs/benchmarks.md).
    writer: Arc<writer::Writer>,
}

impl SqliteStore {
    /// Opens (creating if needed) the database in `data_dir` and applies pending migrations.
    pub async fn open_in(data_dir: &Path) -> Result<Self> {
        Self::open_in_with(data_dir, None).await
    }

    /// The same, for a database encrypted with `key` (created encrypted when new).
    pub async fn open_in_with(data_dir: &Path, key: Option<DatabaseKey>) -> Result<Self> {
        std::fs::create_dir_all(data_dir).map_err(|e| {
            StoreError::Database(format!("cannot create {}: {e}", data_dir.display()))
        })?;
        let db = data_dir.join(DATABASE_FILE);
        let marker = data_dir.join(INSTANCE_MARKER);
        let expected = std::fs::read_to_string(&marker)
            .ok()
            .map(|s| s.trim().to_string());
        if let Some(id) = &expected {
            let size = |p: &Path| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
            let wal = data_dir.join(format!("{DATABASE_FILE}-wal"));
            if size(&db) == 0 && size(&wal) == 0 {
                return Err(StoreError::Database(format!(
                    "{} held the data of instance {id}, but {DATABASE_FILE} is missing or empty \
                     (an interrupted copy?). Restore the database from a backup; to start a new, \
                     empty instance here on purpose, remove the file {}",
                    data_dir.display(),
                    marker.display()
                )));
            }
        }
        let store = Self::open_with(&db, key).await?;
        let stored = store
            .read(|c| pathway::setting(c, INSTANCE_SETTING))
            .await?;
        match (expected, stored) {
            (Some(expected), Some(stored)) if expected == stored => {}
            (Some(expected), stored) => {
                return Err(StoreError::Database(format!(
                    "{} held the data of instance {expected}, but {DATABASE_FILE} is {}. Put \
                     back this instance's database; to move this data directory to the database \
                     found on purpose, remove the file {}",
                    data_dir.display(),
                    match stored {
                        Some(other) => format!("instance {other}'s"),
                        None => "one without an instance id".into(),
                    },
                    marker.display()
                )));
            }
            (None, Some(stored)) => write_marker(&marker, &stored)?,
            (None, None) => {
                let id = uuid::Uuid::new_v4().to_string();
                let audit = AuditContext::system(OffsetDateTime::now_utc(), "first start");
                let value = id.clone();
                store
                    .write(move |tx| pathway::set_setting(tx, INSTANCE_SETTING, &value, &audit))
                    .await?;
                write_marker(&marker, &id)?;
            }
        }
        Ok(store)
    }

    /// Rewrites the database in `data_dir` under a new key (`None`: not encrypted), reading it
    /// with the current one. The server must be stopped. The new file is written beside the
    /// old one, checked, and only then put in its place: an interruption leaves the old one.
    pub async fn rekey(
        data_dir: &Path,
        current: Option<DatabaseKey>,
        new: Option<DatabaseKey>,
    ) -> Result<()> {
        let db = data_dir.join(DATABASE_FILE);
        let next = data_dir.join(format!("{DATABASE_FILE}.rekey"));
        tokio::task::spawn_blocking(move || {
            if std::fs::metadata(&db).map(|m| m.len()).unwrap_or(0) == 0 {
                return Err(StoreError::Database(format!(
                    "{} is missing or empty",
                    db.display()
                )));
            }
            let _ = std::fs::remove_file(&next);
            let c = Connection::open(&db)?;
            unlock(&c, current.as_ref()).map_err(|e| unreadable(&db, current.is_some(), e))?;
            c.busy_timeout(Duration::from_secs(10))?;
            c.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
            let target = next.to_string_lossy().into_owned();
            let new_key = new.as_ref().map_or("", |k| k.0.as_str());
            c.execute(
                "ATTACH DATABASE ?1 AS rekeyed KEY ?2",
                params![target, new_key],
            )?;
            c.query_row("SELECT sqlcipher_export('rekeyed')", [], |_| Ok(()))?;
            c.execute_batch("DETACH DATABASE rekeyed")?;
            drop(c);
            let check = Connection::open(&next)?;
            unlock(&check, new.as_ref()).map_err(|e| unreadable(&next, new.is_some(), e))?;
            let ok: String = check.query_row("PRAGMA quick_check", [], |r| r.get(0))?;
            drop(check);
            if ok != "ok" {
                let _ = std::fs::remove_file(&next);
                return Err(StoreError::Database(format!(
                    "the rewritten database failed its check: {ok}"
                )));
            }
            std::fs::rename(&next, &db).map_err(|e| {
                StoreError::Database(format!("cannot replace {}: {e}", db.display()))
            })?;
            // The old database's journal files would not match the new one.
            for suffix in ["-wal", "-shm"] {
                let _ = std::fs::remove_file(db.with_file_name(format!("{DATABASE_FILE}{suffix}")));
            }
            Ok(())
        })
        .await
        .map_err(|e| StoreError::Database(e.to_string()))?
    }

    /// The id of the instance this database belongs to.
    pub async fn instance_id(&self) -> Result<Option<String>> {
        self.read(|c| pathway::setting(c, INSTANCE_SETTING)).await
    }

    pub async fn open(path: &Path) -> Result<Self> {
        Self::open_with(path, None).await
    }

    pub async fn open_with(path: &Path, key: Option<DatabaseKey>) -> Result<Self> {
        let path = path.to_path_buf();
        tokio::task::spawn_blocking(move || {
            let mut writer = Connection::open(&path)?;
            unlock(&writer, key.as_ref()).map_err(|e| unreadable(&path, key.is_some(), e))?;

            configure(&writer)?;
            // A migration may replace indexes, whose statistics then start from nothing.
            let migrated = migrate(&mut writer)?;
            match_keys::refile_if_needed(&mut writer)?;
            build_tallies(&mut writer)?;
            refresh_statistics(&writer, migrated > 0)?;
            let (secret, new_secret) = files::files_secret(&writer, key.is_some())?;
            let files = Arc::new(crate::files::FileStore::new(
                path.parent().unwrap_or(Path::new(".")).join("files"),
                secret.as_deref(),
            ));
            // The database has just been encrypted: so are the files stored before.
            if new_secret {
                files.seal_all()?;
            }
            let manager =
                SqliteConnectionManager::file(&path).with_init(move |c: &mut Connection| {
                    unlock(c, key.as_ref())?;
                    configure(c)
                });
            let readers = r2d2::Pool::builder()
                .max_size(8)
                .min_idle(Some(1))
                .connection_timeout(Duration::from_secs(30))
                .build(manager)?;
            let checkpoints = readers.clone();
            let checkpoint = move || {
                let c = checkpoints.get()?;
                Ok(c.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))?)
            };
            Ok(SqliteStore {
                path,
                files,
                readers,
                writer: Arc::new(writer::Writer::start(writer, checkpoint)?),
            })
        })
        .await
        .map_err(|e| StoreError::Database(e.to_string()))?
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs a read on a pooled connection, on the calling thread. Reads here are short,
    /// indexed lookups (well under a millisecond); handing each to a blocking-thread pool cost
    /// more in thread switches than the query itself (see docs/benchmarks.md). Long work goes
    /// through [`Self::write_blocking`] instead.
    pub(crate) async fn read<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T> + Send + 'static,
    {
        let conn = self.readers.get()?;
        f(&conn)
    }

    /// Runs a short write on the writer connection: all of it or nothing, answered once it is
    /// committed (possibly together with writes queued at the same time).
    pub(crate) async fn write<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Tx<'_>) -> Result<T> + Send + 'static,
    {
        self.writer.write(f).await
    }

    /// A write of one statement: on SQLite, the same as any write (its commit shared with
    /// others by the writer).
    pub(crate) async fn write_one<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Tx<'_>) -> Result<T> + Send + 'static,
    {
        self.write(f).await
    }

    /// A long write (bulk loads), committed in a transaction of its own.
    pub(crate) async fn write_blocking<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Tx<'_>) -> Result<T> + Send + 'static,
    {
        self.writer.write_alone(f).await
    }

    /// Registers many cases in one transaction, each exactly as `create_case` would (number,
    /// children, audit entry, consents). For generated data and imports.
    pub async fn import_cases(&self, cases: Vec<(NewCase, AuditContext)>) -> Result<usize> {
        self.write_blocking(move |tx| {
            for (case, audit) in &cases {
                cases::insert(tx, case, audit)?;
            }
            Ok(cases.len())
        })
        .await
    }

    /// Re-analyses every table for the query planner; call after a bulk load (a few seconds
    /// for a million cases).
    pub async fn analyze(&self) -> Result<()> {
        self.writer
            .with_connection(|c| refresh_statistics(c, true))
            .await
    }
}

/// Gives the query planner current table statistics. Without them it cannot tell that an office
/// holds a sixth of all cases while a case-number prefix names ten, and walks the whole office to
/// find those ten. `PRAGMA optimize` only re-analyses tables that changed a lot since the last
/// run. The analysis reads whole indexes: a sampled one (`analysis_limit`) was measured to
/// misjudge office selectivity by a factor of 160 at a million cases and pick bad plans.
///
/// Only the per-index summaries (`sqlite_stat1`) are kept. The bundled SQLite also collects
/// value samples (`sqlite_stat4`), and with those it re-plans a prepared statement every time new
/// values are bound to it: re-planning took 30% of the server's time on a case page, undoing the
/// statement cache.
fn refresh_statistics(conn: &Connection, after_bulk_load: bool) -> Result<()> {
    if after_bulk_load {
        conn.execute_batch("ANALYZE;")?;
    } else {
        conn.execute_batch("PRAGMA optimize = 0x10002;")?;
    }
    let samples: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_schema WHERE name = 'sqlite_stat4')",
        [],
        |r| r.get(0),
    )?;
    if samples {
        // `ANALYZE sqlite_schema` makes the planner read the statistics tables again.
        conn.execute_batch("DELETE FROM sqlite_stat4; ANALYZE sqlite_schema;")?;
    }
    Ok(())
}

/// Applies every migration not yet recorded, each in its own IMMEDIATE transaction so that two
/// processes starting together cannot apply the same one twice.
/// Returns how many were applied.
/// Builds the survey tallies from the records when the database does not hold them yet (after
/// the migration that adds them), in one transaction, before the writer thread starts.
fn build_tallies(conn: &mut Connection) -> Result<bool> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let built = crate::sql::now(crate::sql::tallies::build_if_needed(&Lite(&tx)))?;
    tx.commit()?;
    if built {
        tracing::info!("built the survey tallies from the records");
    }
    Ok(built)
}

fn migrate(conn: &mut Connection) -> Result<usize> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
             version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)",
    )?;
    let mut applied_now = 0;
    for (version, name, sql) in MIGRATIONS {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let applied: bool = q_row(
            &tx,
            "SELECT EXISTS(SELECT 1 FROM schema_migrations WHERE version = ?1)",
            [version],
            |r| r.get(0),
        )?;
        if !applied {
            tx.execute_batch(sql)?;
            exec(
                &tx,
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, ?2, ?3)",
                rusqlite::params![version, name, OffsetDateTime::now_utc().unix_timestamp()],
            )?;
            tracing::info!(version, name, "applied migration");
            applied_now += 1;
        }
        tx.commit()?;
    }
    Ok(applied_now)
}

/// `query_row` through the connection's statement cache: parsing SQL costs more than running
/// these indexed queries.
pub(crate) fn q_row<T, P: rusqlite::Params>(
    c: &Connection,
    sql: &str,
    params: P,
    f: impl FnOnce(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
) -> rusqlite::Result<T> {
    c.prepare_cached(sql)?.query_row(params, f)
}

/// `execute` through the connection's statement cache.
pub(crate) fn exec<P: rusqlite::Params>(
    c: &Connection,
    sql: &str,
    params: P,
) -> rusqlite::Result<usize> {
    c.prepare_cached(sql)?.execute(params)
}

pub(crate) fn ts(t: OffsetDateTime) -> i64 {
    t.unix_timestamp()
}

/// Reads a column holding one of the domain's named values, failing loudly on an unknown one.
pub(crate) fn parse_named<T>(
    idx: usize,
    value: &str,
    parse: impl Fn(&str) -> Option<T>,
) -> rusqlite::Result<T> {
    parse(value).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            idx,
            rusqlite::types::Type::Text,
            format!("unexpected value {value:?}").into(),
        )
    })
}

pub(crate) fn parse_uuid(idx: usize, value: &str) -> rusqlite::Result<uuid::Uuid> {
    uuid::Uuid::parse_str(value).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(idx, rusqlite::types::Type::Text, Box::new(e))
    })
}

/// A connection to a new in-memory database with every migration applied, for tests that
/// read the schema.
#[cfg(test)]
pub(crate) fn migrated_in_memory() -> rusqlite::Result<Connection> {
    let c = Connection::open_in_memory()?;
    configure(&c)?;
    for (_, _, sql) in MIGRATIONS {
        c.execute_batch(sql)?;
    }
    Ok(c)
}

fn write_marker(marker: &Path, id: &str) -> Result<()> {
    std::fs::write(marker, format!("{id}\n"))
        .map_err(|e| StoreError::Database(format!("cannot write {}: {e}", marker.display())))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// Migration 11 rebuilds the submissions table under the survey scores that refer to it;
    /// a database with scores must come through with every row and its references intact.
    #[test]
    fn rebuilding_submissions_keeps_existing_surveys_and_scores() {
        let mut c = Connection::open_in_memory().unwrap();
        configure(&c).unwrap();
        for (_, _, sql) in &MIGRATIONS[..10] {
            c.execute_batch(sql).unwrap();
        }
        c.execute_batch(
            "INSERT INTO offices (id, code, name, created_at) VALUES ('o', 'DKR', 'Dakar', 0);
             INSERT INTO users (id, username, display_name, role, office_id, password_hash, created_at)
                 VALUES ('u', 'cm', 'CM', 'case_manager', 'o', 'x', 0);
             INSERT INTO cases (id, case_number, office_id, given_name, family_name,
                 family_name_folded, sex, nationality, return_date, returned_from, return_type,
                 return_country, return_province, return_province_folded, restricted_flag,
                 restricted, stage, version, created_at, updated_at)
                 VALUES ('c', 'DKR-2026-00001', 'o', 'A', 'B', 'b', 'female', 'SN', '2026-01-01',
                 'LY', 'forced', 'SN', 'Dakar', 'dakar', 0, 0, 'intake', 1, 0, 0);
             INSERT INTO form_versions (form_id, version, title, definition, status, origin, uploaded_at)
                 VALUES ('rss', '1', 'RSS', '{}', 'published', 'shipped', 0);
             INSERT INTO submissions (id, form_id, form_version, subject_type, subject_id, status,
                 answers, interviewer_id, interview_date, created_at, updated_at)
                 VALUES ('s', 'rss', '1', 'case', 'c', 'complete', '{}', 'u', '2026-02-01', 0, 0);
             INSERT INTO rss_scores (submission_id, case_id, round, interview_date, interviewer_id,
                 composite, dk_dwa_count, low_accuracy, model, breakdown, scored_at)
                 VALUES ('s', 'c', 'baseline', '2026-02-01', 'u', 0.5, 0, 0, 'm', '{}', 0);",
        )
        .unwrap();
        let tx = c.transaction().unwrap();
        tx.execute_batch(MIGRATIONS[10].2).unwrap();
        tx.commit().unwrap();
        // A community with a project a case takes part in comes through 0012's rebuild.
        c.execute_batch(
            "INSERT INTO documents (id, kind, parent_id, office_id, name, body, version,
                 created_at, updated_at) VALUES
                 ('p', 'project', 'k', 'o', 'P', '{}', 1, 0, 0);",
        )
        .unwrap_err();
        c.execute_batch(
            "INSERT INTO documents (id, kind, parent_id, office_id, name, body, version,
                 created_at, updated_at) VALUES ('k', 'community', NULL, 'o', 'K', '{}', 1, 0, 0),
                 ('p', 'project', 'k', 'o', 'P', '{}', 1, 0, 0);
             INSERT INTO document_cases (document_id, case_id) VALUES ('p', 'c');",
        )
        .unwrap();
        let tx = c.transaction().unwrap();
        tx.execute_batch(MIGRATIONS[11].2).unwrap();
        tx.commit().unwrap();
        let linked: i64 = c
            .query_row(
                "SELECT COUNT(*) FROM document_cases JOIN documents ON id = document_id",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(linked, 1);
        let scores: i64 = c
            .query_row("SELECT COUNT(*) FROM rss_scores JOIN submissions ON submissions.id = submission_id", [], |r| r.get(0))
            .unwrap();
        assert_eq!(scores, 1);
        let broken: i64 = c
            .query_row("SELECT COUNT(*) FROM pragma_foreign_key_check", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(broken, 0);
        // The rebuilt table takes submissions about documents, and the scores still refer to it.
        c.execute(
            "INSERT INTO submissions (id, form_id, form_version, subject_type, subject_id, status,
                 answers, interviewer_id, interview_date, created_at, updated_at)
             VALUES ('d', 'rss', '1', 'document', 'x', 'draft', '{}', 'u', '2026-02-01', 0, 0)",
            [],
        )
        .unwrap();
        let refers: String = c
            .query_row(
                "SELECT sql FROM sqlite_master WHERE name = 'rss_scores'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert!(
            refers.contains("REFERENCES \"submissions\"")
                || refers.contains("REFERENCES submissions"),
            "{refers}"
        );
    }
}
