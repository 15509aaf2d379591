//! Moving an office from SQLite to PostgreSQL: every table of a SQLite database copied into an
//! empty PostgreSQL database in one transaction, then checked table by table (row count and a
//! checksum of the rows, computed the same way on both sides).
//!
//! The files the rows refer to (answers' attachments, uploads) are not copied: they stay in the
//! files directory, by content, and the PostgreSQL instances are pointed at it.

use std::collections::{BTreeMap, BTreeSet};

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt, pin_mut};
use rusqlite::types::ValueRef;
use sha2::{Digest, Sha256};

use super::{PgStore, error};
use crate::sqlite::SqliteStore;
use crate::{Result, StoreError};

/// Tables that triggers fill from other tables: copying their source fills them.
const FILLED_BY_TRIGGERS: &[&str] = &["approved_plan_items"];

/// Rows a PostgreSQL migration writes into a new database, replaced by the source's own.
const SEEDED: &[(&str, &str, &str)] = &[
    ("programme_settings", "key", "pseudonym_secret"),
    (
        "programme_settings",
        "key",
        crate::sql::tallies::BUILT_SETTING,
    ),
];

/// One table as copied and checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableCopy {
    pub table: String,
    pub rows: u64,
    /// The rows' checksum (hex), the same on both sides.
    pub checksum: String,
}

struct Table {
    name: String,
    /// The columns both sides have, in SQLite's order, `rowid` first where PostgreSQL has one.
    columns: Vec<String>,
}

/// What happened to a copy, for the operator.
fn refused(why: impl Into<String>) -> StoreError {
    StoreError::Database(why.into())
}

impl PgStore {
    /// Copies every table of `source` into this database, which must hold no data yet, then
    /// checks each table's rows against the source. All or nothing: a failure leaves this
    /// database as it was.
    pub async fn copy_from_sqlite(&self, source: &SqliteStore) -> Result<Vec<TableCopy>> {
        let tables = self.plan(source).await?;
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(error)?;
        // Some tables refer to each other (users and providers): references are checked once
        // every row is in (every foreign key is DEFERRABLE on PostgreSQL for this).
        tx.batch_execute("SET CONSTRAINTS ALL DEFERRED")
            .await
            .map_err(error)?;
        for (table, column, value) in SEEDED {
            tx.execute(
                &format!("DELETE FROM {table} WHERE {column} = $1"),
                &[value],
            )
            .await
            .map_err(error)?;
        }
        let (sender, mut chunks) = tokio::sync::mpsc::channel::<(usize, Option<Vec<u8>>)>(8);
        let reader = {
            let source = source.clone();
            let plan: Vec<(String, Vec<String>)> = tables
                .iter()
                .map(|t| (t.name.clone(), t.columns.clone()))
                .collect();
            tokio::task::spawn_blocking(move || source.copy_rows_out(&plan, &sender))
        };
        for (i, t) in tables.iter().enumerate() {
            let sink = tx
                .copy_in(&format!(
                    "COPY {} ({}) FROM STDIN",
                    t.name,
                    t.columns.join(", ")
                ))
                .await
                .map_err(error)?;
            pin_mut!(sink);
            loop {
                match chunks.recv().await {
                    Some((j, Some(chunk))) if j == i => {
                        sink.send(Bytes::from(chunk)).await.map_err(error)?
                    }
                    Some((j, None)) if j == i => break,
                    _ => {
                        // The reader stopped: its own error says why.
                        drop(chunks);
                        reader
                            .await
                            .map_err(|e| StoreError::Database(e.to_string()))??;
                        return Err(refused("the SQLite database could not be read whole"));
                    }
                }
            }
            sink.as_mut().finish().await.map_err(error)?;
        }
        reader
            .await
            .map_err(|e| StoreError::Database(e.to_string()))??;
        // Identity columns go on from the highest value copied.
        let identities = tx
            .query(
                "SELECT table_name::text, column_name::text FROM information_schema.columns
                 WHERE table_schema = current_schema() AND is_identity = 'YES'",
                &[],
            )
            .await
            .map_err(error)?;
        for r in identities {
            let (table, column): (String, String) = (r.get(0), r.get(1));
            tx.execute(
                &format!(
                    "SELECT setval(pg_get_serial_sequence('{table}', '{column}'),
                        COALESCE((SELECT max({column}) FROM {table}), 0) + 1, false)"
                ),
                &[],
            )
            .await
            .map_err(error)?;
        }
        tx.commit().await.map_err(error)?;
        drop(client);
        self.check_copy(source, &tables).await
    }

    /// The tables to copy, parents before the tables that refer to them; refuses a database
    /// that holds data or lacks a column the source has.
    async fn plan(&self, source: &SqliteStore) -> Result<Vec<Table>> {
        let client = self.client().await?;
        let mut target: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for r in client
            .query(
                "SELECT c.table_name::text, c.column_name::text FROM information_schema.columns c
                 JOIN information_schema.tables t
                   ON t.table_schema = c.table_schema AND t.table_name = c.table_name
                 WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'",
                &[],
            )
            .await
            .map_err(error)?
        {
            target.entry(r.get(0)).or_default().insert(r.get(1));
        }
        for table in target.keys().filter(|t| *t != "schema_migrations") {
            let seeded: Vec<&str> = SEEDED
                .iter()
                .filter(|(t, _, _)| t == table)
                .map(|(_, _, v)| *v)
                .collect();
            let filter = match SEEDED.iter().find(|(t, _, _)| t == table) {
                Some((_, column, _)) => format!(" WHERE {column} <> ALL($1)"),
                None => String::new(),
            };
            let sql = format!("SELECT EXISTS (SELECT 1 FROM {table}{filter})");
            let holds: bool = if filter.is_empty() {
                client.query_one(&sql, &[]).await
            } else {
                client.query_one(&sql, &[&seeded]).await
            }
            .map_err(error)?
            .get(0);
            if holds {
                return Err(refused(format!(
                    "the PostgreSQL database already holds data (table {table}): copy into an \
                     empty database"
                )));
            }
        }
        let source_tables = source.copy_plan()?;
        let mut tables = Vec::new();
        for (name, columns) in source_tables {
            if FILLED_BY_TRIGGERS.contains(&name.as_str()) {
                continue;
            }
            let Some(theirs) = target.get(&name) else {
                return Err(refused(format!(
                    "PostgreSQL has no table {name}: is it migrated to the same version?"
                )));
            };
            if let Some(missing) = columns.iter().find(|c| !theirs.contains(*c)) {
                return Err(refused(format!(
                    "PostgreSQL's table {name} has no column {missing}"
                )));
            }
            let mut columns = columns;
            if theirs.contains("rowid") {
                columns.insert(0, "rowid".into());
            }
            tables.push(Table { name, columns });
        }
        Ok(tables)
    }

    /// Counts and checksums every table on both sides (the trigger-filled ones included).
    async fn check_copy(&self, source: &SqliteStore, tables: &[Table]) -> Result<Vec<TableCopy>> {
        let client = self.client().await?;
        let mut checked = Vec::new();
        let mut all: Vec<(String, Vec<String>)> = tables
            .iter()
            .map(|t| (t.name.clone(), t.columns.clone()))
            .collect();
        for name in FILLED_BY_TRIGGERS {
            let columns = source.copy_plan()?.into_iter().find(|(t, _)| t == name);
            if let Some((_, columns)) = columns {
                all.push(((*name).into(), columns));
            }
        }
        for (name, columns) in all {
            let sql = format!("SELECT {} FROM {name}", columns.join(", "));
            let mut sum = RowSum::default();
            let rows = client
                .query_raw(&sql, std::iter::empty::<&str>())
                .await
                .map_err(error)?;
            pin_mut!(rows);
            while let Some(row) = rows.next().await {
                let row = row.map_err(error)?;
                let mut h = RowHash::default();
                for i in 0..row.len() {
                    h.value(&row.try_get::<_, crate::sql::Value>(i).map_err(error)?);
                }
                sum.add(h);
            }
            let theirs = {
                let (source, sql) = (source.clone(), sql.clone());
                tokio::task::spawn_blocking(move || source.copy_checksum(&sql))
                    .await
                    .map_err(|e| StoreError::Database(e.to_string()))??
            };
            if theirs != sum {
                return Err(refused(format!(
                    "table {name} differs after the copy: {} rows in SQLite, {} in PostgreSQL \
                     (checksums {} and {}); nothing else is wrong with the source, but this \
                     copy must not be used",
                    theirs.rows,
                    sum.rows,
                    theirs.hex(),
                    sum.hex()
                )));
            }
            checked.push(TableCopy {
                table: name,
                rows: sum.rows,
                checksum: sum.hex(),
            });
        }
        Ok(checked)
    }
}

/// A checksum of a table's rows in any order: the sum of each row's hash.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct RowSum {
    rows: u64,
    sum: u128,
}

impl RowSum {
    pub(crate) fn add(&mut self, row: RowHash) {
        let digest = row.0.finalize();
        let mut first = [0u8; 16];
        first.copy_from_slice(&digest[..16]);
        self.sum = self.sum.wrapping_add(u128::from_be_bytes(first));
        self.rows += 1;
    }

    fn hex(&self) -> String {
        format!("{:032x}", self.sum)
    }
}

/// One row's hash, each value as text (so an integer SQLite keeps in a text column hashes as the
/// same integer PostgreSQL keeps in a number column), length-prefixed.
#[derive(Default)]
pub(crate) struct RowHash(Sha256);

impl RowHash {
    pub(crate) fn value(&mut self, v: &crate::sql::Value) {
        use crate::sql::Value;
        let text = match v {
            Value::Null => {
                self.0.update([0u8]);
                return;
            }
            Value::Int(i) => i.to_string().into_bytes(),
            Value::Real(f) => f.to_string().into_bytes(),
            Value::Text(s) => s.clone().into_bytes(),
            Value::Blob(b) => crate::files::hex(b).into_bytes(),
        };
        self.0.update([1u8]);
        self.0.update((text.len() as u64).to_be_bytes());
        self.0.update(&text);
    }
}

/// A value in PostgreSQL's COPY text format.
pub(crate) fn copy_text(out: &mut Vec<u8>, v: ValueRef<'_>) {
    match v {
        ValueRef::Null => out.extend_from_slice(b"\\N"),
        ValueRef::Integer(i) => out.extend_from_slice(i.to_string().as_bytes()),
        ValueRef::Real(f) if f.is_nan() => out.extend_from_slice(b"NaN"),
        ValueRef::Real(f) if f.is_infinite() => {
            out.extend_from_slice(if f > 0.0 { b"Infinity" } else { b"-Infinity" })
        }
        ValueRef::Real(f) => out.extend_from_slice(format!("{f:?}").as_bytes()),
        ValueRef::Text(t) => {
            for &b in t {
                match b {
                    b'\\' => out.extend_from_slice(b"\\\\"),
                    b'\t' => out.extend_from_slice(b"\\t"),
                    b'\n' => out.extend_from_slice(b"\\n"),
                    b'\r' => out.extend_from_slice(b"\\r"),
                    _ => out.push(b),
                }
            }
        }
        // bytea's hex form, its backslash escaped for COPY.
        ValueRef::Blob(b) => {
            out.extend_from_slice(b"\\\\x");
            out.extend_from_slice(crate::files::hex(b).as_bytes());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_written_in_copy_text_form() {
        let mut out = Vec::new();
        for v in [
            ValueRef::Null,
            ValueRef::Integer(-3),
            ValueRef::Real(0.1),
            ValueRef::Text(b"a\tb\\c\nd"),
            ValueRef::Blob(&[0xde, 0xad]),
        ] {
            copy_text(&mut out, v);
            out.push(b'|');
        }
        assert_eq!(
            String::from_utf8(out).unwrap_or_default(),
            "\\N|-3|0.1|a\\tb\\\\c\\nd|\\\\xdead|"
        );
    }

    #[test]
    fn a_table_checksum_ignores_row_order_but_not_values() {
        use crate::sql::Value;
        let row = |vals: &[Value]| {
            let mut h = RowHash::default();
            for v in vals {
                h.value(v);
            }
            h
        };
        let (a, b) = (
            vec![Value::Int(1), Value::Text("x".into())],
            vec![Value::Int(2), Value::Null],
        );
        let mut one = RowSum::default();
        one.add(row(&a));
        one.add(row(&b));
        let mut other = RowSum::default();
        other.add(row(&b));
        other.add(row(&a));
        assert_eq!(one, other);
        // The same integer kept as text on one side and as a number on the other.
        let mut text = RowSum::default();
        text.add(row(&[Value::Text("1".into()), Value::Text("x".into())]));
        let mut int = RowSum::default();
        int.add(row(&[Value::Int(1), Value::Text("x".into())]));
        assert_eq!(text, int);
        let mut changed = RowSum::default();
        changed.add(row(&[Value::Int(1), Value::Text("y".into())]));
        assert_ne!(text, changed);
    }
}
