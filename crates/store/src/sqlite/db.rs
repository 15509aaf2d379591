//! The shared [`Db`] trait on a SQLite connection (a reader's, or the writer's transaction).

use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{Connection, params_from_iter};

use crate::Result;
use crate::sql::{Db, Engine, Row, Value};

/// A SQLite connection seen through [`Db`]. Every call does its work when first polled, through
/// the connection's statement cache.
pub(crate) struct Lite<'c>(pub(crate) &'c Connection);

impl rusqlite::ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(match self {
            Value::Null => ValueRef::Null,
            Value::Int(i) => ValueRef::Integer(*i),
            Value::Real(f) => ValueRef::Real(*f),
            Value::Text(s) => ValueRef::Text(s.as_bytes()),
            Value::Blob(b) => ValueRef::Blob(b),
        }))
    }
}

pub(crate) fn value(v: ValueRef<'_>) -> Value {
    match v {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::Int(i),
        ValueRef::Real(f) => Value::Real(f),
        ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => Value::Blob(b.to_vec()),
    }
}

impl Db for Lite<'_> {
    fn engine(&self) -> Engine {
        Engine::Sqlite
    }

    async fn exec(&self, sql: &str, args: &[Value]) -> Result<u64> {
        let n = self
            .0
            .prepare_cached(sql)?
            .execute(params_from_iter(args))?;
        Ok(n as u64)
    }

    async fn rows(&self, sql: &str, args: &[Value]) -> Result<Vec<Row>> {
        let mut stmt = self.0.prepare_cached(sql)?;
        let width = stmt.column_count();
        let mut rows = stmt.query(params_from_iter(args))?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let mut cols = Vec::with_capacity(width);
            for i in 0..width {
                cols.push(value(r.get_ref(i)?));
            }
            out.push(Row(cols));
        }
        Ok(out)
    }

    async fn batch(&self, sql: &str) -> Result<()> {
        Ok(self.0.execute_batch(sql)?)
    }
}
