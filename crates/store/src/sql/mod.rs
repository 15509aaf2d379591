//! The SQL shared by both engines: one connection trait ([`Db`]), the values that cross it and
//! the rows that come back.
//!
//! A part of the store written against [`Db`] runs unchanged on SQLite and PostgreSQL. Its SQL
//! is the portable kind (standard SQL, `ON CONFLICT`, numbered `?N` parameters that the
//! PostgreSQL side renumbers as `$N`); where the engines really differ, the code asks
//! [`Db::engine`] and says both forms side by side.
//!
//! The trait's futures are plain `async fn`s: on SQLite each one has finished by its first poll
//! (the work is synchronous, run on the writer's or a reader's thread by [`now`]); on
//! PostgreSQL they are the driver's network round trips.

pub(crate) mod account_store;
pub(crate) mod accounts;
pub(crate) mod audit;
pub(crate) mod case_batches;
pub(crate) mod case_list;
pub(crate) mod case_store;
pub(crate) mod cases;
pub(crate) mod community;
pub(crate) mod exports;
pub(crate) mod feedback;
pub(crate) mod field;
pub(crate) mod field_store;
pub(crate) mod files;
pub(crate) mod form_store;
pub(crate) mod forms;
pub(crate) mod handovers;
pub(crate) mod imports;
pub(crate) mod match_keys;
pub(crate) mod me;
pub(crate) mod me_store;
pub(crate) mod merge_snapshot;
pub(crate) mod merge_store;
pub(crate) mod merges;
pub(crate) mod pairs;
pub(crate) mod pathway;
pub(crate) mod pathway_lists;
pub(crate) mod pathway_store;
pub(crate) mod plans;
pub(crate) mod programme;
pub(crate) mod referral_store;
pub(crate) mod referrals;
pub(crate) mod retention;
pub(crate) mod rss;
pub(crate) mod schedule;
pub(crate) mod tallies;
pub(crate) mod two_factor;
mod value;

pub(crate) use value::{FromValue, Row, Value};

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use crate::{Result, StoreError};

/// Which engine a connection talks to, for the few statements written twice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Engine {
    Sqlite,
    Postgres,
}

/// One connection (inside a transaction when writing), on either engine.
#[allow(async_fn_in_trait)] // crate-private: callers see the concrete engine's futures.
pub(crate) trait Db {
    fn engine(&self) -> Engine;

    /// Runs one statement; answers how many rows it changed.
    async fn exec(&self, sql: &str, args: &[Value]) -> Result<u64>;

    /// Runs one query and reads all its rows.
    async fn rows(&self, sql: &str, args: &[Value]) -> Result<Vec<Row>>;

    /// Runs statements without parameters, one after the other.
    #[allow(dead_code)] // No part ported so far runs a batch of statements.
    async fn batch(&self, sql: &str) -> Result<()>;

    /// The first row of a query, if any.
    async fn opt(&self, sql: &str, args: &[Value]) -> Result<Option<Row>> {
        Ok(self.rows(sql, args).await?.into_iter().next())
    }

    /// The first row of a query; `NotFound` when there is none.
    async fn one(&self, sql: &str, args: &[Value]) -> Result<Row> {
        self.opt(sql, args).await?.ok_or(StoreError::NotFound)
    }

    /// The first column of the first row, read as `T`.
    async fn value<T: FromValue>(&self, sql: &str, args: &[Value]) -> Result<T> {
        self.one(sql, args).await?.get(0)
    }
}

/// The arguments of a statement: `args![a, b]` turns each into a [`Value`].
macro_rules! args {
    ($($e:expr),* $(,)?) => {
        [$($crate::sql::Value::from($e)),*]
    };
}
pub(crate) use args;

/// Implements one of the store's traits for both engines from one list. Each method says
/// whether it reads or writes, and the shared function that does it, given the connection:
///
/// ```ignore
/// on_both_engines! {
///     impl FeedbackStore {
///         write fn leave_feedback(&self, f: FeedbackIn) -> Result<FeedbackRecord> =
///             |db| leave(db, f);
///     }
/// }
/// ```
///
/// In the function call, each argument is a reference to the method's argument (taken as its
/// owned form: `&str` as `String`): a write on PostgreSQL may run again after a collision, and
/// a write on SQLite runs on the writer's thread. Methods that need more than one call are
/// written out for each engine after the list, in `sqlite { … }` and `postgres { … }`.
macro_rules! on_both_engines {
    (
        impl $trait:path {
            $(
                $kind:ident fn $name:ident(&self $(, $arg:ident: $ty:ty)* $(,)?) -> $ret:ty =
                    |$db:ident| $call:expr;
            )*
        }
        $(sqlite { $($sqlite_item:item)* })?
        $(postgres { $($pg_item:item)* })?
    ) => {
        #[async_trait::async_trait]
        impl $trait for $crate::sqlite::SqliteStore {
            $(
                async fn $name(&self $(, $arg: $ty)*) -> $ret {
                    let args = ($($arg.to_owned(),)*);
                    self.$kind(move |c| {
                        let ($($arg,)*) = &args;
                        let $db = &$crate::sqlite::Lite(c);
                        $crate::sql::now($call)
                    })
                    .await
                }
            )*
            $($($sqlite_item)*)?
        }

        #[async_trait::async_trait]
        impl $trait for $crate::postgres::PgStore {
            $(
                async fn $name(&self $(, $arg: $ty)*) -> $ret {
                    let args = ($($arg.to_owned(),)*);
                    self.$kind(args, |$db, ($($arg,)*)| Box::pin($call)).await
                }
            )*
            $($($pg_item)*)?
        }
    };
}
pub(crate) use on_both_engines;

/// Runs a future made of SQLite calls to its end. Those calls do their work when first polled
/// and never wait, so one poll finishes it; a future that waits is a programming error,
/// reported rather than spun on.
pub(crate) fn now<T>(fut: impl Future<Output = Result<T>>) -> Result<T> {
    let mut fut = pin!(fut);
    match fut.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(r) => r,
        Poll::Pending => Err(StoreError::Database(
            "a SQLite call waited: only PostgreSQL calls may".into(),
        )),
    }
}

/// SQLite's `?N` (and bare `?`) parameters as PostgreSQL's `$N`, outside quoted text.
pub(crate) fn numbered_parameters(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut next = 1;
    let mut quoted = None::<char>;
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (Some(q), c) if c == q => quoted = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quoted = Some(c),
            (None, '?') => {
                out.push('$');
                if chars.peek().is_some_and(char::is_ascii_digit) {
                    while let Some(d) = chars.next_if(char::is_ascii_digit) {
                        out.push(d);
                    }
                } else {
                    out.push_str(&next.to_string());
                    next += 1;
                }
                continue;
            }
            _ => {}
        }
        out.push(c);
    }
    out
}

/// Reads a column holding one of the domain's named values, failing loudly on an unknown one.
pub(crate) fn named<T>(idx: usize, value: &str, parse: impl Fn(&str) -> Option<T>) -> Result<T> {
    parse(value).ok_or_else(|| bad_column(idx, format!("unexpected value {value:?}")))
}

pub(crate) fn uuid(idx: usize, value: &str) -> Result<uuid::Uuid> {
    uuid::Uuid::parse_str(value).map_err(|e| bad_column(idx, e.to_string()))
}

pub(crate) fn from_json<T: serde::de::DeserializeOwned>(idx: usize, s: &str) -> Result<T> {
    serde_json::from_str(s).map_err(|e| bad_column(idx, e.to_string()))
}

pub(crate) fn bad_column(idx: usize, why: String) -> StoreError {
    StoreError::Database(format!("column {idx}: {why}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_are_numbered_outside_quotes() {
        assert_eq!(
            numbered_parameters("SELECT a FROM t WHERE b = ?2 AND c = '?' AND d = ?1"),
            "SELECT a FROM t WHERE b = $2 AND c = '?' AND d = $1"
        );
        assert_eq!(numbered_parameters("VALUES (?, ?)"), "VALUES ($1, $2)");
        assert_eq!(numbered_parameters("x = ?12"), "x = $12");
    }
}
