//! The shared [`Db`] trait on a pooled PostgreSQL connection: a plain client for reads, a
//! transaction for writes. Statements go through the connection's statement cache.

use std::sync::atomic::{AtomicBool, Ordering};

use tokio_postgres::error::SqlState;
use tokio_postgres::types::ToSql;

use crate::sql::{Db, Engine, Row, Value, numbered_parameters};
use crate::{Result, StoreError};

pub(crate) enum Conn<'a> {
    /// Statements on their own (reads, and writes of one statement).
    Read(&'a deadpool_postgres::ClientWrapper),
    Write(&'a deadpool_postgres::Transaction<'a>),
}

/// A PostgreSQL connection seen through [`Db`].
pub(crate) struct Pg<'a> {
    conn: Conn<'a>,
    /// Set when a statement failed because a concurrent transaction got there first (a
    /// serialization failure or a deadlock): the whole transaction is then worth running again.
    collided: AtomicBool,
}

impl<'a> Pg<'a> {
    pub(crate) fn new(conn: Conn<'a>) -> Self {
        Pg {
            conn,
            collided: AtomicBool::new(false),
        }
    }

    pub(crate) fn collided(&self) -> bool {
        self.collided.load(Ordering::Relaxed)
    }

    fn failed(&self, e: tokio_postgres::Error) -> StoreError {
        if let Some(state) = e.code()
            && (*state == SqlState::T_R_SERIALIZATION_FAILURE
                || *state == SqlState::T_R_DEADLOCK_DETECTED)
        {
            self.collided.store(true, Ordering::Relaxed);
        }
        error(e)
    }

    async fn statement(&self, sql: &str) -> Result<tokio_postgres::Statement> {
        let sql = numbered_parameters(sql);
        match &self.conn {
            Conn::Read(c) => c.prepare_cached(&sql).await,
            Conn::Write(t) => t.prepare_cached(&sql).await,
        }
        .map_err(|e| self.failed(e))
    }
}

/// A driver error as the store reports it, with the server's own message and detail.
pub(crate) fn error(e: tokio_postgres::Error) -> StoreError {
    match e.as_db_error() {
        Some(db) if *db.code() == SqlState::UNIQUE_VIOLATION => {
            StoreError::Database(format!("unique value already taken: {}", db.message()))
        }
        Some(db) => StoreError::Database(match db.detail() {
            Some(detail) => format!("{} ({detail})", db.message()),
            None => db.message().to_string(),
        }),
        // Connection failures (refused, TLS) say why in their sources.
        None => {
            let mut message = e.to_string();
            let mut source = std::error::Error::source(&e);
            while let Some(cause) = source {
                message = format!("{message}: {cause}");
                source = cause.source();
            }
            StoreError::Database(message)
        }
    }
}

fn params(args: &[Value]) -> Vec<&(dyn ToSql + Sync)> {
    args.iter().map(|a| a as &(dyn ToSql + Sync)).collect()
}

impl Db for Pg<'_> {
    fn engine(&self) -> Engine {
        Engine::Postgres
    }

    async fn exec(&self, sql: &str, args: &[Value]) -> Result<u64> {
        let stmt = self.statement(sql).await?;
        let params = params(args);
        match &self.conn {
            Conn::Read(c) => c.execute(&stmt, &params).await,
            Conn::Write(t) => t.execute(&stmt, &params).await,
        }
        .map_err(|e| self.failed(e))
    }

    async fn rows(&self, sql: &str, args: &[Value]) -> Result<Vec<Row>> {
        let stmt = self.statement(sql).await?;
        let params = params(args);
        let rows = match &self.conn {
            Conn::Read(c) => c.query(&stmt, &params).await,
            Conn::Write(t) => t.query(&stmt, &params).await,
        }
        .map_err(|e| self.failed(e))?;
        rows.iter()
            .map(|r| {
                (0..r.len())
                    .map(|i| r.try_get::<_, Value>(i).map_err(error))
                    .collect::<Result<Vec<_>>>()
                    .map(Row)
            })
            .collect()
    }

    async fn batch(&self, sql: &str) -> Result<()> {
        match &self.conn {
            Conn::Read(c) => c.batch_execute(sql).await,
            Conn::Write(t) => t.batch_execute(sql).await,
        }
        .map_err(|e| self.failed(e))
    }
}
