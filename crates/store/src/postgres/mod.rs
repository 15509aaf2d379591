//! The PostgreSQL implementation, for programmes that outgrow one machine: several stateless
//! instances share one database server.
//!
//! It runs the same parts of the store as SQLite (written once against [`crate::sql::Db`]) on
//! a pool of connections of the async driver. Every write is one SERIALIZABLE transaction:
//! SQLite runs writes one at a time, and serializable transactions give the same results
//! while letting writes that do not touch the same rows run together. A transaction that
//! collides with a concurrent one is run again from the start, a few times, before the
//! collision is reported.

pub(crate) mod copy;
mod db;
mod migrations;
mod tls;
mod value;

use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use tokio_postgres::IsolationLevel;

pub use copy::TableCopy;
pub(crate) use db::Pg;
use db::{Conn, error};

use crate::sql::Db;

use crate::files::FileStore;
use crate::{Result, StoreError};

/// A boxed future borrowing a connection: what a write's body returns, so that it can be run
/// again after a collision.
pub(crate) type Fut<'a, T> = Pin<Box<dyn Future<Output = Result<T>> + Send + 'a>>;

/// How many times a write that collided with a concurrent one is run in all.
const ATTEMPTS: u32 = 8;

/// The connections each instance keeps open at most, unless `REINTEGRA_DATABASE_POOL` says.
pub const DEFAULT_POOL_SIZE: usize = 16;

#[derive(Clone)]
pub struct PgStore {
    pool: Pool,
    /// Files given as answers and uploaded: kept by content in a directory that every instance
    /// sharing the database must share (a network volume), referred to from the database.
    pub(crate) files: Arc<FileStore>,
    /// Finished background exports, kept a day: `exports/` beside the files directory (in the
    /// data directory, as on SQLite).
    pub(crate) exports: PathBuf,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PgStore")
    }
}

/// Whether a database address names PostgreSQL (`postgres://` or `postgresql://`).
pub fn is_postgres_url(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

impl PgStore {
    /// Connects to the database at `url` and applies pending migrations. Files are kept in
    /// `files_dir`, finished exports in `exports/` beside it.
    pub async fn connect(url: &str, files_dir: &Path, pool_size: usize) -> Result<Self> {
        Self::connect_in(url, None, files_dir, pool_size).await
    }

    /// The same, with every table in `schema` (which must exist): each test gets its own.
    pub async fn connect_in(
        url: &str,
        schema: Option<&str>,
        files_dir: &Path,
        pool_size: usize,
    ) -> Result<Self> {
        let secured = tls::secure(url)?;
        let mut config = tokio_postgres::Config::from_str(&secured.address)
            .map_err(|e| StoreError::Database(format!("the database address is not valid: {e}")))?;
        if let Some(schema) = schema {
            if !schema
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_')
            {
                return Err(StoreError::Database(format!(
                    "schema name {schema:?} may hold only letters, digits and _"
                )));
            }
            config.options(format!("-c search_path={schema}"));
        }
        config.application_name("reintegra");
        config.connect_timeout(Duration::from_secs(10));
        let manager = Manager::from_config(
            config,
            secured.connector,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(pool_size.max(1))
            .wait_timeout(Some(Duration::from_secs(30)))
            .runtime(deadpool_postgres::Runtime::Tokio1)
            .build()
            .map_err(|e| StoreError::Database(e.to_string()))?;
        let mut store = PgStore {
            pool,
            files: Arc::new(FileStore::new(files_dir.to_path_buf(), None)),
            exports: crate::sql::exports::exports_beside(files_dir),
        };
        migrations::migrate(&store).await?;
        // The survey tallies, built from the records when missing (after the migration that
        // adds them); instances starting together collide and all but one find them built.
        if store
            .write((), |db, ()| {
                Box::pin(crate::sql::tallies::build_if_needed(db))
            })
            .await?
        {
            tracing::info!("built the survey tallies from the records");
        }
        // Files moved from an encrypted SQLite database stay sealed under its files secret,
        // which came along in the programme settings.
        let secret = store
            .read((), |db, ()| {
                Box::pin(crate::sql::programme::setting(
                    db,
                    crate::files::SECRET_SETTING,
                ))
            })
            .await?;
        if secret.is_some() {
            store.files = Arc::new(FileStore::new(files_dir.to_path_buf(), secret.as_deref()));
        }
        Ok(store)
    }

    /// Connects into a new, empty schema of its own in the database at `url`: every test gets
    /// a fresh store in one shared cluster.
    pub async fn connect_to_new_schema(
        url: &str,
        files_dir: &Path,
        pool_size: usize,
    ) -> Result<Self> {
        let schema = Self::new_schema(url).await?;
        Self::connect_in(url, Some(&schema), files_dir, pool_size).await
    }

    /// Makes a new, empty schema (named `t_<random>`) in the database at `url`, and answers
    /// its name.
    pub async fn new_schema(url: &str) -> Result<String> {
        let secured = tls::secure(url)?;
        let (client, connection) = tokio_postgres::connect(&secured.address, secured.connector)
            .await
            .map_err(error)?;
        let driver = tokio::spawn(connection);
        let schema = format!("t_{}", uuid::Uuid::new_v4().simple());
        client
            .batch_execute(&format!("CREATE SCHEMA {schema}"))
            .await
            .map_err(error)?;
        drop(client);
        let _ = driver.await;
        Ok(schema)
    }

    /// Applies the migrations not yet applied (instances starting together apply each once);
    /// answers how many it applied.
    pub async fn migrate(&self) -> Result<usize> {
        migrations::migrate(self).await
    }

    /// Whether this instance's connections to the database are encrypted (TLS).
    pub async fn connection_encrypted(&self) -> Result<bool> {
        self.read((), |db, ()| {
            Box::pin(db.value::<bool>(
                "SELECT coalesce((SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()), false)",
                &[],
            ))
        })
        .await
    }

    /// How many migrations the database has had.
    pub async fn migrations_applied(&self) -> Result<usize> {
        self.read((), |db, ()| {
            Box::pin(db.value::<usize>("SELECT count(*) FROM schema_migrations", &[]))
        })
        .await
    }

    /// A connection out of the pool holding the start-up advisory lock of this database (and
    /// schema): closing it releases the lock.
    pub(crate) async fn start_up_lock(&self) -> Result<deadpool_postgres::ClientWrapper> {
        let client = deadpool_postgres::Object::take(self.client().await?);
        client
            .execute(
                "SELECT pg_advisory_lock(hashtext('reintegra start-up ' || current_schema()))",
                &[],
            )
            .await
            .map_err(error)?;
        Ok(client)
    }

    async fn client(&self) -> Result<deadpool_postgres::Object> {
        self.pool.get().await.map_err(|e| match e {
            deadpool_postgres::PoolError::Backend(e) => error(e),
            e => StoreError::Database(format!("no database connection: {e}")),
        })
    }

    /// Runs a read on a pooled connection, each statement on its own (as SQLite's readers do).
    pub(crate) async fn read<A, T, F>(&self, args: A, f: F) -> Result<T>
    where
        A: Sync,
        F: for<'a> Fn(&'a Pg<'a>, &'a A) -> Fut<'a, T>,
    {
        let client = self.client().await?;
        let db = Pg::new(Conn::Read(&client));
        f(&db, &args).await
    }

    /// A write of one statement (an audit entry of a read): a statement is a transaction of
    /// its own, so it is sent alone, without the three round trips of an explicit one.
    pub(crate) async fn write_one<A, T, F>(&self, args: A, f: F) -> Result<T>
    where
        A: Sync,
        F: for<'a> Fn(&'a Pg<'a>, &'a A) -> Fut<'a, T>,
    {
        // Statements on their own, as reads run.
        self.read(args, f).await
    }

    /// A long write (bulk loads): on PostgreSQL, the same as any write.
    pub(crate) async fn write_blocking<A, T, F>(&self, args: A, f: F) -> Result<T>
    where
        A: Sync,
        F: for<'a> Fn(&'a Pg<'a>, &'a A) -> Fut<'a, T>,
    {
        self.write(args, f).await
    }

    /// Runs a write as one serializable transaction: all of it or nothing, run again from the
    /// start when it collided with a concurrent transaction.
    pub(crate) async fn write<A, T, F>(&self, args: A, f: F) -> Result<T>
    where
        A: Sync,
        F: for<'a> Fn(&'a Pg<'a>, &'a A) -> Fut<'a, T>,
    {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let mut client = self.client().await?;
            let tx = client
                .build_transaction()
                .isolation_level(IsolationLevel::Serializable)
                .start()
                .await
                .map_err(error)?;
            let db = Pg::new(Conn::Write(&tx));
            let done = f(&db, &args).await;
            let collided = db.collided();
            let outcome = match done {
                Ok(v) => match tx.commit().await {
                    Ok(()) => return Ok(v),
                    Err(e) => {
                        let again = e.code().is_some_and(|c| {
                            *c == tokio_postgres::error::SqlState::T_R_SERIALIZATION_FAILURE
                        });
                        (error(e), again)
                    }
                },
                Err(e) => {
                    // Dropping the transaction rolls it back.
                    drop(tx);
                    (e, collided)
                }
            };
            match outcome {
                (_, true) if attempt < ATTEMPTS => {
                    // Let the transaction we collided with finish before trying again.
                    tokio::time::sleep(Duration::from_millis(u64::from(attempt) * 5)).await;
                }
                (e, _) => return Err(e),
            }
        }
    }
}
