//! What a merge keeps to be undone: whole rows, as stored, with their columns' names, kept as
//! JSON in `case_merges.snapshot`. The format is the one SQLite stores have written since
//! merges began; it must stay readable.

use serde::{Deserialize, Serialize};

use super::{Db, Engine, Value, args};
use crate::{Result, StoreError};

/// A value of a column, as stored.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(super) enum Cell {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

impl Cell {
    pub(super) fn of(v: Value) -> Cell {
        match v {
            Value::Null => Cell::Null,
            Value::Int(i) => Cell::Int(i),
            Value::Real(f) => Cell::Real(f),
            Value::Text(t) => Cell::Text(t),
            Value::Blob(b) => Cell::Blob(b),
        }
    }

    pub(super) fn value(&self) -> Value {
        match self {
            Cell::Null => Value::Null,
            Cell::Int(i) => Value::Int(*i),
            Cell::Real(f) => Value::Real(*f),
            Cell::Text(t) => Value::Text(t.clone()),
            Cell::Blob(b) => Value::Blob(b.clone()),
        }
    }
}

/// A row: its columns' names and values.
pub(super) type Fields = Vec<(String, Cell)>;

/// A row of a table, with the table's name.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(super) struct TableRow {
    pub(super) table: String,
    pub(super) row: Fields,
}

/// A document whose body named the merged case, before and after the merge renamed it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(super) struct RenamedIn {
    pub(super) document: String,
    pub(super) before: String,
    pub(super) after: String,
}

/// What undoing a merge needs.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub(super) struct Snapshot {
    pub(super) merged_row: Fields,
    pub(super) merged_children: Vec<TableRow>,
    pub(super) survivor_before: Fields,
    pub(super) survivor_before_children: Vec<TableRow>,
    pub(super) survivor_after: Fields,
    pub(super) survivor_after_children: Vec<TableRow>,
    /// Rows moved to the survivor: the table and the values of its key columns.
    pub(super) moved: Vec<(String, Vec<(String, Cell)>)>,
    /// Rows of the merged case set aside because the survivor had the same one.
    pub(super) set_aside: Vec<TableRow>,
    /// Submissions about the merged case (by rowid), moved to the survivor.
    pub(super) submissions: Vec<i64>,
    /// The merged case's plan versions (by rowid); the survivor's were numbered after them by
    /// this much.
    pub(super) plan_versions: Vec<i64>,
    pub(super) plan_shift: i64,
    pub(super) documents: Vec<RenamedIn>,
}

/// Rows derived from the case's profile, removed with its row and rebuilt when it returns;
/// these two are kept in the snapshot, the others (`REBUILT_CHILDREN` in `merges`) are
/// recomputed.
pub(super) const KEPT_CHILDREN: [&str; 2] = ["case_vulnerabilities", "household_members"];

/// The columns of a table, in their order: what `SELECT *` gives. `Row` carries no names, so a
/// whole row is read through this list. SQLite's hidden `rowid` is not among them; on
/// PostgreSQL, none of the tables read whole here has a `rowid` column.
async fn columns<D: Db>(db: &D, table: &str) -> Result<Vec<String>> {
    let sql = match db.engine() {
        Engine::Sqlite => "SELECT name FROM pragma_table_info(?1) ORDER BY cid",
        // The table an unqualified name finds (the search path), as the statements here do.
        Engine::Postgres => {
            "SELECT CAST(attname AS TEXT) FROM pg_attribute
             WHERE attrelid = to_regclass(?1) AND attnum > 0 AND NOT attisdropped
             ORDER BY attnum"
        }
    };
    let names = db
        .rows(sql, &args![table])
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect::<Result<Vec<String>>>()?;
    if names.is_empty() {
        return Err(StoreError::Database(format!("no table {table}")));
    }
    Ok(names)
}

fn quoted(names: &[String]) -> String {
    names
        .iter()
        .map(|n| format!("\"{n}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `a = ?first AND b = ?first+1 …`
pub(super) fn key_sql(keys: &[&str], first: usize) -> String {
    keys.iter()
        .enumerate()
        .map(|(i, k)| format!("{k} = ?{}", first + i))
        .collect::<Vec<_>>()
        .join(" AND ")
}

/// The whole rows of `table` matching `condition` (over `args`).
pub(super) async fn whole_rows<D: Db>(
    db: &D,
    table: &str,
    condition: &str,
    args: &[Value],
) -> Result<Vec<Fields>> {
    let names = columns(db, table).await?;
    let found = db
        .rows(
            &format!("SELECT {} FROM {table} WHERE {condition}", quoted(&names)),
            args,
        )
        .await?;
    Ok(found
        .into_iter()
        .map(|r| {
            names
                .iter()
                .cloned()
                .zip(r.0.into_iter().map(Cell::of))
                .collect()
        })
        .collect())
}

/// The whole rows of `table` whose `column` is `id`.
pub(super) async fn rows<D: Db>(
    db: &D,
    table: &str,
    column: &str,
    id: &str,
) -> Result<Vec<Fields>> {
    whole_rows(db, table, &format!("{column} = ?1"), &args![id]).await
}

pub(super) async fn case_row<D: Db>(db: &D, id: &str) -> Result<Fields> {
    rows(db, "cases", "id", id)
        .await?
        .pop()
        .ok_or(StoreError::NotFound)
}

pub(super) async fn children<D: Db>(db: &D, id: &str) -> Result<Vec<TableRow>> {
    let mut out = Vec::new();
    for table in KEPT_CHILDREN {
        for row in rows(db, table, "case_id", id).await? {
            out.push(TableRow {
                table: table.to_string(),
                row,
            });
        }
    }
    Ok(out)
}

/// Whether two lists hold the same rows, in whatever order each engine read them.
pub(super) fn same_rows(a: &[TableRow], b: &[TableRow]) -> bool {
    let sorted = |rows: &[TableRow]| {
        let mut v: Vec<String> = rows
            .iter()
            .map(|r| serde_json::to_string(r).unwrap_or_default())
            .collect();
        v.sort();
        v
    };
    a.len() == b.len() && sorted(a) == sorted(b)
}

/// Puts a row back; `or_nothing`: not when the same key is there already.
pub(super) async fn insert<D: Db>(
    db: &D,
    table: &str,
    row: &Fields,
    or_nothing: bool,
) -> Result<u64> {
    let columns: Vec<String> = row.iter().map(|(n, _)| n.clone()).collect();
    let marks: Vec<String> = (1..=row.len()).map(|i| format!("?{i}")).collect();
    let values: Vec<Value> = row.iter().map(|(_, v)| v.value()).collect();
    db.exec(
        &format!(
            "INSERT INTO {table} ({}) VALUES ({}){}",
            quoted(&columns),
            marks.join(", "),
            if or_nothing {
                " ON CONFLICT DO NOTHING"
            } else {
                ""
            }
        ),
        &values,
    )
    .await
}

pub(super) fn cell<'a>(row: &'a Fields, column: &str) -> Option<&'a Cell> {
    row.iter().find(|(n, _)| n == column).map(|(_, v)| v)
}

pub(super) fn text<'a>(row: &'a Fields, column: &str) -> Result<&'a str> {
    match cell(row, column) {
        Some(Cell::Text(t)) => Ok(t),
        _ => Err(StoreError::Database(format!("a case without {column}"))),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// Snapshots written before the merge moved to the shared SQL read back the same.
    #[test]
    fn snapshots_keep_their_format() {
        let snap = Snapshot {
            merged_row: vec![
                ("id".into(), Cell::Text("c".into())),
                ("version".into(), Cell::Int(3)),
                ("anonymised_at".into(), Cell::Null),
            ],
            moved: vec![("consents".into(), vec![("rowid".into(), Cell::Int(7))])],
            plan_shift: 2,
            ..Snapshot::default()
        };
        let json = serde_json::to_string(&snap).unwrap();
        assert!(json.starts_with(
            r#"{"merged_row":[["id",{"Text":"c"}],["version",{"Int":3}],["anonymised_at","Null"]]"#
        ));
        assert!(json.contains(r#""moved":[["consents",[["rowid",{"Int":7}]]]]"#));
        assert_eq!(serde_json::from_str::<Snapshot>(&json).unwrap(), snap);
    }

    #[test]
    fn rows_compare_in_any_order() {
        let row = |v: &str| TableRow {
            table: "case_vulnerabilities".into(),
            row: vec![("vulnerability".into(), Cell::Text(v.into()))],
        };
        assert!(same_rows(&[row("a"), row("b")], &[row("b"), row("a")]));
        assert!(!same_rows(&[row("a"), row("a")], &[row("a"), row("b")]));
        assert!(!same_rows(&[row("a")], &[]));
    }
}
