//! Reading a whole SQLite database out for a copy into PostgreSQL
//! ([`crate::PgStore::copy_from_sqlite`]): its tables in the order their references need, every
//! row in PostgreSQL's COPY text form, and checksums to compare the copy with.

use std::collections::{BTreeMap, BTreeSet};

use rusqlite::Connection;
use tokio::sync::mpsc::Sender;

use super::SqliteStore;
use super::db::value;
use crate::postgres::copy::{RowHash, RowSum, copy_text};
use crate::{Result, StoreError};

/// A table to copy: its name and its columns.
pub(crate) type CopyTable = (String, Vec<String>);

/// How much COPY text goes to PostgreSQL at a time.
const CHUNK: usize = 1 << 20;

impl SqliteStore {
    /// The tables of the database (not SQLite's own, not the migrations' record), each after
    /// the tables it refers to where references allow (some refer to each other: users and
    /// providers; PostgreSQL checks references at the end of the copy).
    pub(crate) fn copy_plan(&self) -> Result<Vec<CopyTable>> {
        let c = self.readers.get()?;
        let names: Vec<String> = c
            .prepare(
                "SELECT name FROM sqlite_schema WHERE type = 'table'
                   AND name NOT LIKE 'sqlite_%' AND name <> 'schema_migrations' ORDER BY name",
            )?
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        let mut needs: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let mut tables = BTreeMap::new();
        for name in &names {
            let columns: Vec<String> = c
                .prepare("SELECT name FROM pragma_table_info(?1) ORDER BY cid")?
                .query_map([name], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            let references: Vec<String> = c
                .prepare("SELECT \"table\" FROM pragma_foreign_key_list(?1)")?
                .query_map([name], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            for table in references.into_iter().filter(|t| t != name) {
                needs.entry(name.clone()).or_default().insert(table);
            }
            tables.insert(name.clone(), columns);
        }
        // Parents first: repeatedly take the tables whose references are all taken.
        let mut ordered = Vec::new();
        let mut done = BTreeSet::new();
        while done.len() < tables.len() {
            let ready: Vec<String> = tables
                .keys()
                .filter(|t| !done.contains(*t))
                .filter(|t| {
                    needs.get(*t).is_none_or(|n| {
                        n.iter()
                            .all(|p| done.contains(p) || !tables.contains_key(p))
                    })
                })
                .cloned()
                .collect();
            // Tables referring to each other in a circle: the first of them goes next.
            let ready = if ready.is_empty() {
                tables
                    .keys()
                    .filter(|t| !done.contains(*t))
                    .take(1)
                    .cloned()
                    .collect()
            } else {
                ready
            };
            for t in ready {
                done.insert(t.clone());
                ordered.push((t.clone(), tables[&t].clone()));
            }
        }
        Ok(ordered)
    }

    /// Sends every row of every table in `plan`, in COPY text form, table by table (the table's
    /// place in the plan; `None` when it is done), all read from one snapshot.
    pub(crate) fn copy_rows_out(
        &self,
        plan: &[CopyTable],
        to: &Sender<(usize, Option<Vec<u8>>)>,
    ) -> Result<()> {
        let c = self.readers.get()?;
        c.execute_batch("BEGIN")?;
        let sent = (|| {
            for (i, table) in plan.iter().enumerate() {
                rows_of(&c, table, |chunk| {
                    to.blocking_send((i, Some(chunk)))
                        .map_err(|_| StoreError::Database("the copy stopped".into()))
                })?;
                to.blocking_send((i, None))
                    .map_err(|_| StoreError::Database("the copy stopped".into()))?;
            }
            Ok(())
        })();
        c.execute_batch("COMMIT")?;
        sent
    }

    /// The checksum of the rows `sql` reads, as [`crate::PgStore::copy_from_sqlite`] computes
    /// it on PostgreSQL.
    pub(crate) fn copy_checksum(&self, sql: &str) -> Result<RowSum> {
        let c = self.readers.get()?;
        let mut stmt = c.prepare(sql)?;
        let width = stmt.column_count();
        let mut rows = stmt.query([])?;
        let mut sum = RowSum::default();
        while let Some(r) = rows.next()? {
            let mut h = RowHash::default();
            for i in 0..width {
                h.value(&value(r.get_ref(i)?));
            }
            sum.add(h);
        }
        Ok(sum)
    }
}

/// A table's rows as COPY text, handed on a megabyte at a time.
fn rows_of(
    c: &Connection,
    (name, columns): &CopyTable,
    mut send: impl FnMut(Vec<u8>) -> Result<()>,
) -> Result<()> {
    let sql = format!("SELECT {} FROM {name}", columns.join(", "));
    let mut stmt = c.prepare(&sql)?;
    let width = stmt.column_count();
    let mut rows = stmt.query([])?;
    let mut chunk = Vec::with_capacity(CHUNK + 4096);
    while let Some(r) = rows.next()? {
        for i in 0..width {
            if i > 0 {
                chunk.push(b'\t');
            }
            copy_text(&mut chunk, r.get_ref(i)?);
        }
        chunk.push(b'\n');
        if chunk.len() >= CHUNK {
            send(std::mem::replace(
                &mut chunk,
                Vec::with_capacity(CHUNK + 4096),
            ))?;
        }
    }
    if !chunk.is_empty() {
        send(chunk)?;
    }
    Ok(())
}
