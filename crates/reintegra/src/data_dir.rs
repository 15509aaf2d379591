//! Where a command finds its data: the data directory (SQLite, files, exports), or a
//! PostgreSQL database with the data directory holding only files; and the key of an encrypted
//! SQLite database.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use clap::Args;
use store::prelude::*;
use store::{DatabaseKey, PgStore, SqliteStore};

#[derive(Args, Clone)]
pub struct DataDir {
    /// Where the database lives.
    #[arg(long, env = "REINTEGRA_DATA_DIR", default_value = "./reintegra-data")]
    pub data_dir: PathBuf,
    /// A file holding the database's encryption key (the key itself may instead be given in
    /// REINTEGRA_DATABASE_KEY; never on the command line).
    #[arg(long, env = "REINTEGRA_DATABASE_KEY_FILE")]
    pub database_key_file: Option<PathBuf>,
    /// The database, when it is not SQLite in the data directory: a PostgreSQL address
    /// (postgres://user@host:port/database) that several instances share. Give it in the
    /// environment when it holds a password, not on the command line. The data directory then
    /// holds only files, and must be shared by the instances too.
    #[arg(long = "database", env = "REINTEGRA_DATABASE_URL")]
    database: Option<String>,
    /// How many connections to PostgreSQL this instance keeps open at most.
    #[arg(long, env = "REINTEGRA_DATABASE_POOL", default_value_t = store::postgres::DEFAULT_POOL_SIZE)]
    database_pool: usize,
}

/// The environment variable that may hold the database key itself.
pub const KEY_VARIABLE: &str = "REINTEGRA_DATABASE_KEY";

/// A key from a file or an environment variable, never from the command line (where other
/// users of the machine could read it).
pub fn key_from(file: Option<&Path>, variable: &str) -> Result<Option<DatabaseKey>> {
    let from_env = std::env::var(variable)
        .ok()
        .and_then(|k| DatabaseKey::new(&k));
    match (file, from_env) {
        (Some(_), Some(_)) => bail!("give the key in {variable} or in a file, not both"),
        (None, key) => Ok(key),
        (Some(path), None) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read the key file {}", path.display()))?;
            DatabaseKey::new(&text)
                .map(Some)
                .with_context(|| format!("the key file {} is empty", path.display()))
        }
    }
}

impl DataDir {
    pub fn key(&self) -> Result<Option<DatabaseKey>> {
        key_from(self.database_key_file.as_deref(), KEY_VARIABLE)
    }

    /// PostgreSQL's address when one is given; `None` for SQLite in the data directory.
    pub fn postgres(&self) -> Result<Option<&str>> {
        match self.database.as_deref().map(str::trim) {
            None | Some("") => Ok(None),
            Some(url) if store::postgres::is_postgres_url(url) => {
                if self.database_key_file.is_some() || std::env::var_os(KEY_VARIABLE).is_some() {
                    bail!(
                        "a database key encrypts a SQLite database; PostgreSQL's data is \
                         protected by its server (encrypted storage, TLS): remove the key"
                    );
                }
                Ok(Some(url))
            }
            Some(_) => bail!(
                "--database takes a PostgreSQL address (postgres://user@host:port/database); \
                 leave it out for SQLite in the data directory"
            ),
        }
    }

    /// Refuses PostgreSQL for what only SQLite's data directory has.
    pub fn sqlite_only(&self, what: &str) -> Result<()> {
        if self.postgres()?.is_some() {
            bail!(
                "{what} works on SQLite's data directory only; on PostgreSQL, {}",
                match what {
                    "backup" | "restore" => "use pg_dump and WAL archiving (docs/operations.md)",
                    _ => "this is not available",
                }
            );
        }
        Ok(())
    }
}

/// The store the command works on: PostgreSQL when an address is given, otherwise SQLite in
/// the data directory.
pub async fn open(data: &DataDir) -> Result<Arc<dyn Store>> {
    Ok(match data.postgres()? {
        Some(url) => Arc::new(open_postgres(data, url).await?),
        None => Arc::new(open_sqlite(data).await?),
    })
}

pub async fn open_sqlite(data: &DataDir) -> Result<SqliteStore> {
    let dir = &data.data_dir;
    SqliteStore::open_in_with(dir, data.key()?)
        .await
        .with_context(|| format!("cannot open the database in {}", dir.display()))
}

/// Copies the data directory's SQLite database into an empty PostgreSQL database, and says
/// what it copied table by table.
pub async fn copy_data(data: &DataDir, to: &str) -> Result<()> {
    data.sqlite_only("copy-data (its source)")?;
    if !store::postgres::is_postgres_url(to) {
        bail!("--to takes a PostgreSQL address (postgres://user@host:port/database)");
    }
    let source = open_sqlite(data).await?;
    let target = open_postgres(data, to).await?;
    let started = std::time::Instant::now();
    let copied = target
        .copy_from_sqlite(&source)
        .await
        .context("nothing was copied")?;
    for t in &copied {
        println!(
            "{:<28} {:>10} rows  checksum {}",
            t.table, t.rows, t.checksum
        );
    }
    println!(
        "copied {} tables, {} rows, in {:.1} s; every table checked against the source. Point \
         the PostgreSQL instances at {} for the files.",
        copied.len(),
        copied.iter().map(|t| t.rows).sum::<u64>(),
        started.elapsed().as_secs_f64(),
        data.data_dir.join("files").display()
    );
    Ok(())
}

pub async fn open_postgres(data: &DataDir, url: &str) -> Result<PgStore> {
    let files = data.data_dir.join("files");
    let store = PgStore::connect(url, &files, data.database_pool)
        .await
        .context("cannot open the PostgreSQL database")?;
    // Operators check this line when the database is across a network (docs/operations.md).
    if let Ok(encrypted) = store.connection_encrypted().await {
        tracing::info!(encrypted, "connected to PostgreSQL");
    }
    Ok(store)
}
