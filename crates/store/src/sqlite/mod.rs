//! The embedded SQLite implementation: one file in the data directory, WAL mode, foreign keys on.
//!
//! Reads go through a small pool of connections; writes go through a single writer connection
//! behind a mutex, each in an IMMEDIATE transaction, so writers queue in-process instead of
//! spinning on SQLite's busy handler. Other processes (the `reintegra` subcommands) can write at
//! the same time; the busy timeout covers them.

mod accounts;
mod audit;
mod cases;
mod community;
mod forms;
mod me;
mod pathway;
mod referrals;
mod rss;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use domain::consent::ConsentRecord;
use domain::{CaseId, OfficeCode, OfficeId, UserId, Username};
use r2d2_sqlite::SqliteConnectionManager;
use rusqlite::{Connection, Transaction, TransactionBehavior};
use time::OffsetDateTime;

use crate::model::*;
use crate::{
    AccountStore, AuditContext, CaseStore, DocumentStore, FormStore, PathwayStore, ReferralStore,
    Result, ResultStore, StoreError,
};

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
];

pub const DATABASE_FILE: &str = "reintegra.db";

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
    readers: r2d2::Pool<SqliteConnectionManager>,
    /// A plain mutex: writes are short, and handing the lock over through tokio's fair async
    /// mutex measured slower under load (docs/benchmarks.md).
    writer: Arc<Mutex<Connection>>,
}

impl SqliteStore {
    /// Opens (creating if needed) the database in `data_dir` and applies pending migrations.
    pub async fn open_in(data_dir: &Path) -> Result<Self> {
        std::fs::create_dir_all(data_dir).map_err(|e| {
            StoreError::Database(format!("cannot create {}: {e}", data_dir.display()))
        })?;
        Self::open(&data_dir.join(DATABASE_FILE)).await
    }

    pub async fn open(path: &Path) -> Result<Self> {
        let path = path.to_path_buf();
        tokio::task::spawn_blocking(move || {
            let mut writer = Connection::open(&path)?;
            configure(&writer)?;
            // A migration may replace indexes, whose statistics then start from nothing.
            let migrated = migrate(&mut writer)?;
            refresh_statistics(&writer, migrated > 0)?;
            let manager =
                SqliteConnectionManager::file(&path).with_init(|c: &mut Connection| configure(c));
            let readers = r2d2::Pool::builder()
                .max_size(8)
                .min_idle(Some(1))
                .connection_timeout(Duration::from_secs(30))
                .build(manager)?;
            Ok(SqliteStore {
                path,
                readers,
                writer: Arc::new(Mutex::new(writer)),
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
    async fn read<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T> + Send + 'static,
    {
        let conn = self.readers.get()?;
        f(&conn)
    }

    /// Runs a short write in one IMMEDIATE transaction on the writer connection, on the calling
    /// thread. Writers queue on the mutex; none holds it across an await.
    async fn write<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Transaction<'_>) -> Result<T> + Send + 'static,
    {
        run_write(&mut *lock(&self.writer)?, f)
    }

    /// A long write (bulk loads), run on a blocking thread so it does not hold up the async
    /// workers.
    async fn write_blocking<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Transaction<'_>) -> Result<T> + Send + 'static,
    {
        let writer = self.writer.clone();
        tokio::task::spawn_blocking(move || run_write(&mut *lock(&writer)?, f))
            .await
            .map_err(|e| StoreError::Database(e.to_string()))?
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
        let writer = self.writer.clone();
        tokio::task::spawn_blocking(move || refresh_statistics(&*lock(&writer)?, true))
            .await
            .map_err(|e| StoreError::Database(e.to_string()))?
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

fn lock(writer: &Mutex<Connection>) -> Result<std::sync::MutexGuard<'_, Connection>> {
    writer
        .lock()
        .map_err(|_| StoreError::Database("writer lock poisoned".into()))
}

fn run_write<T>(conn: &mut Connection, f: impl FnOnce(&Transaction<'_>) -> Result<T>) -> Result<T> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let out = f(&tx)?;
    tx.commit()?;
    Ok(out)
}

/// Applies every migration not yet recorded, each in its own IMMEDIATE transaction so that two
/// processes starting together cannot apply the same one twice.
/// Returns how many were applied.
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

pub(crate) fn from_ts(secs: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(secs).unwrap_or(OffsetDateTime::UNIX_EPOCH)
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

/// A record body as stored: JSON typed in `domain`.
pub(crate) fn json<T: serde::Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| StoreError::Database(e.to_string()))
}

pub(crate) fn from_json<T: serde::de::DeserializeOwned>(
    idx: usize,
    s: &str,
) -> rusqlite::Result<T> {
    serde_json::from_str(s).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(idx, rusqlite::types::Type::Text, Box::new(e))
    })
}

pub(crate) fn opt_user(idx: usize, v: Option<String>) -> rusqlite::Result<Option<UserId>> {
    v.map(|s| parse_uuid(idx, &s).map(UserId)).transpose()
}

pub(crate) fn is_unique_violation(e: &rusqlite::Error) -> bool {
    matches!(
        e,
        rusqlite::Error::SqliteFailure(f, _)
            if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
                || f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY
    )
}

#[async_trait]
impl AccountStore for SqliteStore {
    async fn health(&self) -> Result<()> {
        self.read(|c| {
            q_row(c, "SELECT 1", [], |_| Ok(()))?;
            Ok(())
        })
        .await
    }
    async fn list_offices(&self) -> Result<Vec<Office>> {
        self.read(accounts::list_offices).await
    }
    async fn office(&self, id: OfficeId) -> Result<Office> {
        self.read(move |c| accounts::office(c, id)).await
    }
    async fn office_by_code(&self, code: &OfficeCode) -> Result<Option<Office>> {
        let code = code.clone();
        self.read(move |c| accounts::office_by_code(c, &code)).await
    }
    async fn ensure_office(&self, code: &OfficeCode, name: &str) -> Result<Office> {
        let (code, name) = (code.clone(), name.to_string());
        self.write(move |tx| accounts::ensure_office(tx, &code, &name))
            .await
    }
    async fn count_users(&self) -> Result<u64> {
        self.read(accounts::count_users).await
    }
    async fn create_user(&self, user: NewUser, audit: AuditContext) -> Result<User> {
        self.write(move |tx| accounts::create_user(tx, user, &audit))
            .await
    }
    async fn user(&self, id: UserId) -> Result<User> {
        self.read(move |c| accounts::user(c, id)).await
    }
    async fn user_by_username(&self, username: &Username) -> Result<Option<User>> {
        let username = username.clone();
        self.read(move |c| accounts::user_by_username(c, &username))
            .await
    }
    async fn list_users(&self) -> Result<Vec<User>> {
        self.read(accounts::list_users).await
    }
    async fn case_managers(&self, office: Option<OfficeId>) -> Result<Vec<User>> {
        self.read(move |c| accounts::case_managers(c, office)).await
    }
    async fn set_password(
        &self,
        user: UserId,
        hash: String,
        must_change: bool,
        keep_session: Option<&str>,
        audit: AuditContext,
    ) -> Result<()> {
        let keep = keep_session.map(str::to_string);
        self.write(move |tx| {
            accounts::set_password(tx, user, &hash, must_change, keep.as_deref(), &audit)
        })
        .await
    }
    async fn create_session(&self, session: NewSession) -> Result<()> {
        self.write(move |tx| accounts::create_session(tx, &session))
            .await
    }
    async fn session(&self, token_hash: &str) -> Result<Option<(Session, User)>> {
        let h = token_hash.to_string();
        self.read(move |c| accounts::session(c, &h)).await
    }
    async fn touch_session(&self, token_hash: &str, now: OffsetDateTime) -> Result<()> {
        let h = token_hash.to_string();
        self.write(move |tx| {
            exec(
                tx,
                "UPDATE sessions SET last_seen_at = ?2 WHERE token_hash = ?1",
                rusqlite::params![h, ts(now)],
            )?;
            Ok(())
        })
        .await
    }
    async fn delete_session(&self, token_hash: &str) -> Result<()> {
        let h = token_hash.to_string();
        self.write(move |tx| {
            exec(tx, "DELETE FROM sessions WHERE token_hash = ?1", [h])?;
            Ok(())
        })
        .await
    }
    async fn record_login_failure(&self, keys: &[String], at: OffsetDateTime) -> Result<()> {
        let keys = keys.to_vec();
        self.write(move |tx| accounts::record_login_failure(tx, &keys, at))
            .await
    }
    async fn count_login_failures(&self, key: &str, since: OffsetDateTime) -> Result<u32> {
        let key = key.to_string();
        self.read(move |c| {
            Ok(q_row(
                c,
                "SELECT count(*) FROM login_failures WHERE key = ?1 AND at >= ?2",
                rusqlite::params![key, ts(since)],
                |r| r.get(0),
            )?)
        })
        .await
    }
    async fn clear_login_failures(&self, key: &str) -> Result<()> {
        let key = key.to_string();
        self.write(move |tx| {
            exec(tx, "DELETE FROM login_failures WHERE key = ?1", [key])?;
            Ok(())
        })
        .await
    }
    async fn create_api_token(&self, token: NewApiToken, audit: AuditContext) -> Result<ApiToken> {
        self.write(move |tx| accounts::create_api_token(tx, token, &audit))
            .await
    }
    async fn api_tokens(&self, user: UserId) -> Result<Vec<ApiToken>> {
        self.read(move |c| accounts::api_tokens(c, user)).await
    }
    async fn revoke_api_token(
        &self,
        user: UserId,
        id: uuid::Uuid,
        audit: AuditContext,
    ) -> Result<()> {
        self.write(move |tx| accounts::revoke_api_token(tx, user, id, &audit))
            .await
    }
    async fn user_by_api_token(
        &self,
        token_hash: &str,
        now: OffsetDateTime,
    ) -> Result<Option<User>> {
        let h = token_hash.to_string();
        let found = self
            .read(move |c| accounts::user_by_api_token(c, &h))
            .await?;
        if let Some((token_id, last_used, user)) = found {
            // Recording use is bookkeeping; once an hour is enough and keeps API reads cheap.
            if last_used.is_none_or(|t| now - t > time::Duration::hours(1)) {
                self.write(move |tx| {
                    exec(
                        tx,
                        "UPDATE api_tokens SET last_used_at = ?2 WHERE id = ?1",
                        rusqlite::params![token_id.to_string(), ts(now)],
                    )?;
                    Ok(())
                })
                .await?;
            }
            return Ok(Some(user));
        }
        Ok(None)
    }
}

#[async_trait]
impl CaseStore for SqliteStore {
    async fn create_case(&self, case: NewCase, audit: AuditContext) -> Result<CaseRecord> {
        let id = case.id;
        self.write(move |tx| {
            cases::insert(tx, &case, &audit)?;
            cases::get(tx, id)
        })
        .await
    }
    async fn case(&self, id: CaseId) -> Result<CaseRecord> {
        self.read(move |c| cases::get(c, id)).await
    }
    async fn case_by_number(&self, number: &str) -> Result<Option<CaseId>> {
        let n = number.trim().to_ascii_uppercase();
        self.read(move |c| cases::id_by_number(c, &n)).await
    }
    async fn update_case(&self, update: CaseUpdate, audit: AuditContext) -> Result<CaseRecord> {
        let id = update.id;
        self.write(move |tx| {
            cases::update(tx, &update, &audit)?;
            cases::get(tx, id)
        })
        .await
    }
    async fn list_cases(&self, query: &CaseQuery) -> Result<CasePage> {
        let q = query.clone();
        self.read(move |c| cases::list(c, &q)).await
    }
    async fn case_counts(&self, office: Option<OfficeId>) -> Result<Vec<CaseCount>> {
        self.read(move |c| cases::counts(c, office)).await
    }
    async fn add_consent(
        &self,
        case: CaseId,
        record: ConsentRecord,
        audit: AuditContext,
    ) -> Result<()> {
        self.write(move |tx| cases::add_consent(tx, case, &record, &audit))
            .await
    }
    async fn consents(&self, case: CaseId) -> Result<Vec<ConsentEntry>> {
        self.read(move |c| cases::consents(c, case)).await
    }
    async fn append_audit(&self, entry: NewAuditEntry) -> Result<()> {
        self.write(move |tx| audit::insert(tx, &entry)).await
    }
    async fn audit_for_record(
        &self,
        record_type: &str,
        record_id: &str,
        scope: AuditScope,
    ) -> Result<Vec<AuditEntry>> {
        let (t, i) = (record_type.to_string(), record_id.to_string());
        self.read(move |c| audit::for_record(c, &t, &i, scope))
            .await
    }
}

#[async_trait]
impl FormStore for SqliteStore {
    async fn save_form_draft(&self, form: NewFormVersion, audit: AuditContext) -> Result<()> {
        self.write(move |tx| forms::save_draft(tx, &form, &audit))
            .await
    }
    async fn publish_form(&self, form_id: &str, version: &str, audit: AuditContext) -> Result<()> {
        let (id, v) = (form_id.to_string(), version.to_string());
        self.write(move |tx| forms::publish(tx, &id, &v, &audit))
            .await
    }
    async fn install_shipped_form(
        &self,
        form: NewFormVersion,
        audit: AuditContext,
    ) -> Result<bool> {
        self.write(move |tx| forms::install_shipped(tx, &form, &audit))
            .await
    }
    async fn form_version(&self, form_id: &str, version: &str) -> Result<FormVersion> {
        let (id, v) = (form_id.to_string(), version.to_string());
        self.read(move |c| forms::get(c, &id, &v)).await
    }
    async fn latest_published_form(&self, form_id: &str) -> Result<FormVersion> {
        let id = form_id.to_string();
        self.read(move |c| forms::latest_published(c, &id)).await
    }
    async fn form_versions(&self) -> Result<Vec<FormVersionInfo>> {
        self.read(forms::list).await
    }
    async fn create_submission(&self, s: NewSubmission, audit: AuditContext) -> Result<Submission> {
        self.write(move |tx| {
            forms::create_submission(tx, &s, &audit)?;
            forms::get_submission(tx, s.id)
        })
        .await
    }
    async fn update_submission(
        &self,
        u: SubmissionUpdate,
        audit: AuditContext,
    ) -> Result<Submission> {
        self.write(move |tx| {
            forms::update_submission(tx, &u, &audit)?;
            if let Some(score) = &u.score
                && u.status == SubmissionStatus::Complete
            {
                rss::save(tx, score, &audit)?;
            }
            forms::get_submission(tx, u.id)
        })
        .await
    }
    async fn submission(&self, id: uuid::Uuid) -> Result<Submission> {
        self.read(move |c| forms::get_submission(c, id)).await
    }
    async fn submissions_for(&self, subject: Subject) -> Result<Vec<Submission>> {
        self.read(move |c| forms::submissions_for(c, subject)).await
    }
    async fn completed_submissions(&self, form_id: &str) -> Result<Vec<uuid::Uuid>> {
        let form_id = form_id.to_string();
        self.read(move |c| rss::completed_submissions(c, &form_id))
            .await
    }
    async fn rss_scores(&self, case: CaseId) -> Result<Vec<RssScore>> {
        self.read(move |c| rss::scores_for_case(c, case)).await
    }
    async fn rss_score(&self, submission: uuid::Uuid) -> Result<Option<RssScore>> {
        self.read(move |c| rss::score_of(c, submission)).await
    }
    async fn save_rss_score(&self, score: NewRssScore, audit: AuditContext) -> Result<bool> {
        self.write(move |tx| rss::save(tx, &score, &audit)).await
    }
    async fn active_scoring_model(&self) -> Result<Option<String>> {
        self.read(rss::active_model).await
    }
    async fn activate_scoring_model(
        &self,
        id: &str,
        version: &str,
        definition: &str,
        audit: AuditContext,
    ) -> Result<()> {
        let (id, version, definition) =
            (id.to_string(), version.to_string(), definition.to_string());
        self.write(move |tx| rss::activate_model(tx, &id, &version, &definition, &audit))
            .await
    }
}

#[async_trait]
impl PathwayStore for SqliteStore {
    async fn add_entry(
        &self,
        entry: NewEntry,
        derived_stage: domain::case::CaseStage,
        audit: AuditContext,
    ) -> Result<Entry> {
        self.write(move |tx| {
            let added = pathway::add_entry(tx, &entry, &audit)?;
            let derived = AuditContext {
                reason: Some("derived from the pathway".into()),
                ..audit
            };
            pathway::set_stage(tx, entry.case, derived_stage, &derived)?;
            Ok(added)
        })
        .await
    }
    async fn entries(&self, case: CaseId) -> Result<Vec<Entry>> {
        self.read(move |c| pathway::entries(c, case)).await
    }
    async fn close_entry(
        &self,
        case: CaseId,
        id: uuid::Uuid,
        note: String,
        audit: AuditContext,
    ) -> Result<()> {
        self.write(move |tx| pathway::close_entry(tx, case, id, &note, &audit))
            .await
    }
    async fn plan_versions(&self, case: CaseId) -> Result<Vec<PlanVersionRecord>> {
        self.read(move |c| pathway::plan_versions(c, case)).await
    }
    async fn create_plan_version(
        &self,
        case: CaseId,
        expected_latest: Option<i64>,
        content: domain::pathway::plan::PlanContent,
        audit: AuditContext,
    ) -> Result<PlanVersionRecord> {
        self.write(move |tx| {
            pathway::create_plan_version(tx, case, expected_latest, &content, &audit)
        })
        .await
    }
    async fn update_plan_version(
        &self,
        case: CaseId,
        version: i64,
        expected_revision: i64,
        content: domain::pathway::plan::PlanContent,
        audit: AuditContext,
    ) -> Result<PlanVersionRecord> {
        self.write(move |tx| {
            pathway::update_plan_version(tx, case, version, expected_revision, &content, &audit)
        })
        .await
    }
    async fn agree_plan(
        &self,
        case: CaseId,
        version: i64,
        expected_revision: i64,
        agreement: NewPlanAgreement,
        audit: AuditContext,
    ) -> Result<()> {
        self.write(move |tx| {
            pathway::agree_plan(tx, case, version, expected_revision, &agreement, &audit)
        })
        .await
    }
    async fn approve_plan(
        &self,
        case: CaseId,
        version: i64,
        expected_revision: i64,
        self_approved: bool,
        audit: AuditContext,
    ) -> Result<()> {
        self.write(move |tx| {
            pathway::approve_plan(tx, case, version, expected_revision, self_approved, &audit)
        })
        .await
    }
    async fn closures(&self, case: CaseId) -> Result<Vec<ClosureRecord>> {
        self.read(move |c| pathway::closures(c, case)).await
    }
    async fn request_closure(
        &self,
        case: CaseId,
        closure: domain::pathway::closure::Closure,
        audit: AuditContext,
    ) -> Result<ClosureRecord> {
        self.write(move |tx| pathway::request_closure(tx, case, &closure, &audit))
            .await
    }
    async fn approve_closure(
        &self,
        case: CaseId,
        id: uuid::Uuid,
        self_approved: bool,
        audit: AuditContext,
    ) -> Result<()> {
        self.write(move |tx| pathway::approve_closure(tx, case, id, self_approved, &audit))
            .await
    }
    async fn reopen_case(&self, case: CaseId, reason: String, audit: AuditContext) -> Result<()> {
        self.write(move |tx| pathway::reopen(tx, case, &reason, &audit))
            .await
    }
    async fn set_case_stage(
        &self,
        case: CaseId,
        stage: domain::case::CaseStage,
        audit: AuditContext,
    ) -> Result<bool> {
        self.write(move |tx| pathway::set_stage(tx, case, stage, &audit))
            .await
    }
    async fn open_cases_of(&self, user: UserId) -> Result<Vec<CaseSummary>> {
        self.read(move |c| pathway::open_cases_of(c, user)).await
    }
    async fn pending_approvals(&self, office: Option<OfficeId>) -> Result<Vec<PendingApproval>> {
        self.read(move |c| pathway::pending_approvals(c, office))
            .await
    }
    async fn unmet_needs(&self, office: Option<OfficeId>) -> Result<Vec<UnmetNeedRow>> {
        self.read(move |c| pathway::unmet_needs(c, office)).await
    }
    async fn feasibility_grid(&self) -> Result<Vec<domain::pathway::feasibility::GridApproach>> {
        self.read(pathway::grid).await
    }
    async fn seed_feasibility_grid(
        &self,
        rows: Vec<domain::pathway::feasibility::GridApproach>,
        audit: AuditContext,
    ) -> Result<bool> {
        self.write(move |tx| pathway::seed_grid(tx, &rows, &audit))
            .await
    }
    async fn save_grid_approach(
        &self,
        approach: domain::pathway::feasibility::GridApproach,
        audit: AuditContext,
    ) -> Result<()> {
        self.write(move |tx| pathway::save_grid_approach(tx, &approach, &audit))
            .await
    }
    async fn setting(&self, key: &str) -> Result<Option<String>> {
        let key = key.to_string();
        self.read(move |c| pathway::setting(c, &key)).await
    }
    async fn set_setting(&self, key: &str, value: String, audit: AuditContext) -> Result<()> {
        let key = key.to_string();
        self.write(move |tx| pathway::set_setting(tx, &key, &value, &audit))
            .await
    }
    async fn set_office_self_approval(
        &self,
        office: OfficeId,
        on: bool,
        audit: AuditContext,
    ) -> Result<()> {
        self.write(move |tx| pathway::set_self_approval(tx, office, on, &audit))
            .await
    }
}

#[async_trait]
impl ReferralStore for SqliteStore {
    async fn providers(&self) -> Result<Vec<ProviderRecord>> {
        self.read(referrals::providers).await
    }
    async fn provider(&self, id: domain::ProviderId) -> Result<ProviderRecord> {
        self.read(move |c| referrals::provider(c, id)).await
    }
    async fn save_provider(
        &self,
        id: domain::ProviderId,
        expected_version: Option<i64>,
        provider: domain::services::Provider,
        audit: AuditContext,
    ) -> Result<ProviderRecord> {
        self.write(move |tx| referrals::save_provider(tx, id, expected_version, &provider, &audit))
            .await
    }
    async fn services(&self) -> Result<Vec<ServiceRecord>> {
        self.read(referrals::services).await
    }
    async fn service(&self, id: domain::ServiceId) -> Result<ServiceRecord> {
        self.read(move |c| referrals::service(c, id)).await
    }
    async fn save_service(
        &self,
        id: domain::ServiceId,
        provider: domain::ProviderId,
        expected_version: Option<i64>,
        service: domain::services::Service,
        audit: AuditContext,
    ) -> Result<ServiceRecord> {
        self.write(move |tx| {
            referrals::save_service(tx, id, provider, expected_version, &service, &audit)
        })
        .await
    }
    async fn propose_service_update(
        &self,
        service: domain::ServiceId,
        case: Option<CaseId>,
        feedback: domain::services::ServiceFeedback,
        audit: AuditContext,
    ) -> Result<uuid::Uuid> {
        self.write(move |tx| {
            referrals::propose_service_update(tx, service, case, &feedback, &audit)
        })
        .await
    }
    async fn service_updates(
        &self,
        service: Option<domain::ServiceId>,
    ) -> Result<Vec<ServiceUpdateRecord>> {
        self.read(move |c| referrals::service_updates(c, service))
            .await
    }
    async fn decide_service_update(
        &self,
        id: uuid::Uuid,
        updated: Option<(i64, domain::services::Service)>,
        note: String,
        audit: AuditContext,
    ) -> Result<()> {
        self.write(move |tx| referrals::decide_service_update(tx, id, updated, &note, &audit))
            .await
    }
    async fn set_user_organisation(
        &self,
        user: UserId,
        organisation: Option<domain::ProviderId>,
        audit: AuditContext,
    ) -> Result<()> {
        self.write(move |tx| referrals::set_user_organisation(tx, user, organisation, &audit))
            .await
    }
    async fn stakeholders(&self) -> Result<Vec<StakeholderRecord>> {
        self.read(referrals::stakeholders).await
    }
    async fn stakeholder(&self, id: domain::StakeholderId) -> Result<StakeholderRecord> {
        self.read(move |c| referrals::stakeholder(c, id)).await
    }
    async fn save_stakeholder(
        &self,
        id: domain::StakeholderId,
        expected_version: Option<i64>,
        stakeholder: domain::stakeholder::Stakeholder,
        audit: AuditContext,
    ) -> Result<StakeholderRecord> {
        self.write(move |tx| {
            referrals::save_stakeholder(tx, id, expected_version, &stakeholder, &audit)
        })
        .await
    }
    async fn create_referral(&self, r: NewReferral, audit: AuditContext) -> Result<ReferralRecord> {
        self.write(move |tx| referrals::create_referral(tx, &r, &audit))
            .await
    }
    async fn referral(&self, id: domain::ReferralId) -> Result<ReferralRecord> {
        self.read(move |c| referrals::referral(c, id)).await
    }
    async fn referrals(&self, filter: &ReferralFilter) -> Result<Vec<ReferralRecord>> {
        let filter = filter.clone();
        self.read(move |c| referrals::referrals(c, &filter)).await
    }
    async fn update_referral(
        &self,
        id: domain::ReferralId,
        expected_version: i64,
        content: domain::referral::ReferralContent,
        audit: AuditContext,
    ) -> Result<ReferralRecord> {
        self.write(move |tx| referrals::update_referral(tx, id, expected_version, &content, &audit))
            .await
    }
    async fn referral_step(
        &self,
        id: domain::ReferralId,
        expected_version: i64,
        step: NewReferralStep,
        audit: AuditContext,
    ) -> Result<ReferralRecord> {
        self.write(move |tx| referrals::referral_step(tx, id, expected_version, &step, &audit))
            .await
    }
    async fn referral_events(&self, id: domain::ReferralId) -> Result<Vec<ReferralEvent>> {
        self.read(move |c| referrals::referral_events(c, id)).await
    }
    async fn create_referral_link(
        &self,
        link: NewReferralLink,
        audit: AuditContext,
    ) -> Result<ReferralLink> {
        self.write(move |tx| referrals::create_referral_link(tx, &link, &audit))
            .await
    }
    async fn referral_links(&self, referral: domain::ReferralId) -> Result<Vec<ReferralLink>> {
        self.read(move |c| referrals::referral_links(c, referral))
            .await
    }
    async fn revoke_referral_link(
        &self,
        referral: domain::ReferralId,
        link: uuid::Uuid,
        audit: AuditContext,
    ) -> Result<()> {
        self.write(move |tx| referrals::revoke_referral_link(tx, referral, link, &audit))
            .await
    }
    async fn referral_by_link(
        &self,
        token_hash: &str,
    ) -> Result<Option<(ReferralLink, ReferralRecord)>> {
        let token_hash = token_hash.to_string();
        self.read(move |c| referrals::referral_by_link(c, &token_hash))
            .await
    }
}

#[async_trait]
impl DocumentStore for SqliteStore {
    async fn documents(
        &self,
        kind: DocKind,
        parent: Option<domain::DocumentId>,
    ) -> Result<Vec<DocRecord>> {
        self.read(move |c| community::documents(c, kind, parent))
            .await
    }
    async fn document(&self, id: domain::DocumentId) -> Result<DocRecord> {
        self.read(move |c| community::document(c, id)).await
    }
    async fn save_document(
        &self,
        doc: NewDocument,
        expected_version: Option<i64>,
        audit: AuditContext,
    ) -> Result<DocRecord> {
        self.write(move |tx| {
            community::save_document(tx, &doc, expected_version, &audit)?;
            community::document(tx, doc.id)
        })
        .await
    }
    async fn documents_of_case(&self, case: CaseId) -> Result<Vec<DocRecord>> {
        self.read(move |c| community::documents_of_case(c, case))
            .await
    }
    async fn return_places(&self, office: Option<OfficeId>) -> Result<Vec<ReturnPlace>> {
        self.read(move |c| community::return_places(c, office))
            .await
    }
    async fn cases_in_province(
        &self,
        office: Option<OfficeId>,
        province: &str,
    ) -> Result<Vec<PlacedCase>> {
        let province = province.to_string();
        self.read(move |c| community::cases_in_province(c, office, &province))
            .await
    }
}

#[async_trait]
impl ResultStore for SqliteStore {
    async fn tallies(&self, query: &TallyQuery) -> Result<Vec<TallyRow>> {
        let query = query.clone();
        self.read(move |c| me::tallies(c, &query)).await
    }
    async fn survey_summary(
        &self,
        office: Option<OfficeId>,
        bands: (f64, f64),
    ) -> Result<SurveySummary> {
        self.read(move |c| me::survey_summary(c, office, bands))
            .await
    }
    async fn follow_up_facts(&self, office: Option<OfficeId>) -> Result<Vec<FollowUpFacts>> {
        self.read(move |c| me::follow_up_facts(c, office)).await
    }
    async fn item_means(&self, office: Option<OfficeId>) -> Result<Vec<ItemMean>> {
        self.read(move |c| me::item_means(c, office)).await
    }
    async fn answer_times(&self, office: Option<OfficeId>) -> Result<Vec<AnswerTime>> {
        self.read(move |c| me::answer_times(c, office)).await
    }
    async fn tally_cases(
        &self,
        query: &TallyQuery,
        period: &str,
        group: Option<&str>,
        limit: u32,
    ) -> Result<Vec<CaseId>> {
        let query = query.clone();
        let period = period.to_string();
        let group = group.map(str::to_string);
        self.read(move |c| me::tally_cases(c, &query, &period, group.as_deref(), limit))
            .await
    }
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
