//! Merging two cases of one person, and splitting them back.
//!
//! A merge moves every row attached to the merged case to the survivor, remembering which rows
//! moved; it then takes the merged case's row out of `cases`, so that lists and counts see the
//! person once, and keeps it in the merge's snapshot. Undoing puts the row back and moves back
//! exactly the rows that moved. Every table that refers to `cases` must be named below: a test
//! reads the schema and fails on one that is not, because deleting the merged case's row would
//! otherwise silently take that table's rows with it.

use domain::CaseId;
use domain::audit::{AuditAction, FieldChange};
use rusqlite::types::{Value, ValueRef};
use rusqlite::{Connection, OptionalExtension, params, params_from_iter};
use serde::{Deserialize, Serialize};

use super::{cases, exec, from_ts, parse_uuid, q_row, ts};
use crate::{AuditContext, MergeRecord, NewMerge, Result, StoreError, record_type};

/// Tables whose rows move with a merge: the table, and the columns naming a row besides its
/// case. When the case is part of the row's key (`document_cases`, `sample_members`) and the
/// survivor already has the same row, the merged case's row is set aside instead of moved.
const MOVED: [(&str, &[&str], bool); 12] = [
    ("consents", &["rowid"], false),
    ("pathway_entries", &["rowid"], false),
    ("closures", &["rowid"], false),
    ("service_updates", &["rowid"], false),
    ("referrals", &["rowid"], false),
    ("rss_scores", &["rowid"], false),
    ("held_submissions", &["rowid"], false),
    ("spot_check_items", &["check_id", "item_id"], false),
    ("document_cases", &["document_id"], true),
    ("sample_members", &["sample_id"], true),
    ("handovers_sent", &["rowid"], false),
    ("handovers_received", &["rowid"], false),
];

/// Rows derived from the case's profile, removed with its row and rebuilt when it returns;
/// the first two are kept in the snapshot, the others are recomputed.
const KEPT_CHILDREN: [&str; 2] = ["case_vulnerabilities", "household_members"];
#[cfg(test)]
const REBUILT_CHILDREN: [&str; 4] = [
    "case_search",
    "case_match_keys",
    "approved_plan_items",
    "duplicate_queue",
];
/// Handled by name below: plan versions are renumbered; a waiting erasure request refuses the
/// merge.
#[cfg(test)]
const SPECIAL: [&str; 2] = ["plan_versions", "erasure_requests"];

/// A value of a column, as stored.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
enum Cell {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

impl Cell {
    fn of(v: ValueRef<'_>) -> Cell {
        match v {
            ValueRef::Null => Cell::Null,
            ValueRef::Integer(i) => Cell::Int(i),
            ValueRef::Real(f) => Cell::Real(f),
            ValueRef::Text(t) => Cell::Text(String::from_utf8_lossy(t).into_owned()),
            ValueRef::Blob(b) => Cell::Blob(b.to_vec()),
        }
    }
    fn value(&self) -> Value {
        match self {
            Cell::Null => Value::Null,
            Cell::Int(i) => Value::Integer(*i),
            Cell::Real(f) => Value::Real(*f),
            Cell::Text(t) => Value::Text(t.clone()),
            Cell::Blob(b) => Value::Blob(b.clone()),
        }
    }
}

/// A row: its columns' names and values.
type Row = Vec<(String, Cell)>;

/// A row of a table, with the table's name.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct TableRow {
    table: String,
    row: Row,
}

/// A document whose body named the merged case, before and after the merge renamed it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct RenamedIn {
    document: String,
    before: String,
    after: String,
}

/// What undoing a merge needs.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
struct Snapshot {
    merged_row: Row,
    merged_children: Vec<TableRow>,
    survivor_before: Row,
    survivor_before_children: Vec<TableRow>,
    survivor_after: Row,
    survivor_after_children: Vec<TableRow>,
    /// Rows moved to the survivor: the table and the values of its key columns.
    moved: Vec<(String, Vec<(String, Cell)>)>,
    /// Rows of the merged case set aside because the survivor had the same one.
    set_aside: Vec<TableRow>,
    /// Submissions about the merged case (by rowid), moved to the survivor.
    submissions: Vec<i64>,
    /// The merged case's plan versions (by rowid); the survivor's were numbered after them by
    /// this much.
    plan_versions: Vec<i64>,
    plan_shift: i64,
    documents: Vec<RenamedIn>,
}

fn rows(c: &Connection, table: &str, column: &str, id: &str) -> Result<Vec<Row>> {
    let mut stmt = c.prepare(&format!("SELECT * FROM {table} WHERE {column} = ?1"))?;
    let names: Vec<String> = stmt.column_names().iter().map(|s| s.to_string()).collect();
    let mut out = Vec::new();
    let mut q = stmt.query([id])?;
    while let Some(r) = q.next()? {
        let mut row = Row::new();
        for (i, n) in names.iter().enumerate() {
            row.push((n.clone(), Cell::of(r.get_ref(i)?)));
        }
        out.push(row);
    }
    Ok(out)
}

fn children(c: &Connection, id: &str) -> Result<Vec<TableRow>> {
    let mut out = Vec::new();
    for table in KEPT_CHILDREN {
        for row in rows(c, table, "case_id", id)? {
            out.push(TableRow {
                table: table.to_string(),
                row,
            });
        }
    }
    Ok(out)
}

fn insert(c: &Connection, table: &str, row: &Row) -> rusqlite::Result<usize> {
    let columns: Vec<&str> = row.iter().map(|(n, _)| n.as_str()).collect();
    let marks: Vec<String> = (1..=row.len()).map(|i| format!("?{i}")).collect();
    c.execute(
        &format!(
            "INSERT INTO {table} ({}) VALUES ({})",
            columns.join(", "),
            marks.join(", ")
        ),
        params_from_iter(row.iter().map(|(_, v)| v.value())),
    )
}

fn case_row(c: &Connection, id: &str) -> Result<Row> {
    rows(c, "cases", "id", id)?
        .pop()
        .ok_or(StoreError::NotFound)
}

fn cell<'a>(row: &'a Row, column: &str) -> Option<&'a Cell> {
    row.iter().find(|(n, _)| n == column).map(|(_, v)| v)
}

fn merge_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<MergeRecord> {
    let user = |i: usize| -> rusqlite::Result<Option<domain::UserId>> {
        r.get::<_, Option<String>>(i)?
            .map(|s| parse_uuid(i, &s).map(domain::UserId))
            .transpose()
    };
    Ok(MergeRecord {
        id: parse_uuid(0, &r.get::<_, String>(0)?)?,
        survivor: CaseId(parse_uuid(1, &r.get::<_, String>(1)?)?),
        merged: CaseId(parse_uuid(2, &r.get::<_, String>(2)?)?),
        merged_number: r.get(3)?,
        merged_by: user(4)?,
        merged_at: from_ts(r.get(5)?),
        undone_by: user(6)?,
        undone_at: r.get::<_, Option<i64>>(7)?.map(from_ts),
    })
}

pub(crate) const MERGE_COLUMNS: &str =
    "id, survivor_id, merged_id, merged_number, merged_by, merged_at, undone_by, undone_at";

pub(crate) fn get(c: &Connection, id: uuid::Uuid) -> Result<Option<MergeRecord>> {
    Ok(q_row(
        c,
        &format!("SELECT {MERGE_COLUMNS} FROM case_merges WHERE id = ?1"),
        [id.to_string()],
        merge_row,
    )
    .optional()?)
}

/// The standing merge that took a case away, by its id or number.
pub(crate) fn standing_merge_of(
    c: &Connection,
    column: &str,
    value: &str,
) -> Result<Option<MergeRecord>> {
    Ok(q_row(
        c,
        &format!(
            "SELECT {MERGE_COLUMNS} FROM case_merges WHERE {column} = ?1 AND undone_at IS NULL
             ORDER BY merged_at DESC LIMIT 1"
        ),
        [value],
        merge_row,
    )
    .optional()?)
}

pub(crate) fn into(c: &Connection, survivor: CaseId) -> Result<Vec<MergeRecord>> {
    let mut stmt = c.prepare_cached(&format!(
        "SELECT {MERGE_COLUMNS} FROM case_merges WHERE survivor_id = ?1
         ORDER BY merged_at DESC, id"
    ))?;
    let rows = stmt
        .query_map([survivor.to_string()], merge_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

fn key_sql(keys: &[&str], first: usize) -> String {
    keys.iter()
        .enumerate()
        .map(|(i, k)| format!("{k} = ?{}", first + i))
        .collect::<Vec<_>>()
        .join(" AND ")
}

/// Moves one row of a `MOVED` table, named by its key columns, from one case to the other.
fn move_row(
    c: &Connection,
    table: &str,
    keys: &[&str],
    key: &[(String, Cell)],
    from: &str,
    to: &str,
) -> Result<()> {
    let mut args: Vec<Value> = vec![to.to_string().into(), from.to_string().into()];
    args.extend(key.iter().map(|(_, v)| v.value()));
    c.execute(
        &format!(
            "UPDATE {table} SET case_id = ?1 WHERE case_id = ?2 AND {}",
            key_sql(keys, 3)
        ),
        params_from_iter(args.iter()),
    )?;
    Ok(())
}

/// Moves the rows of `MOVED` tables from one case to the other, returning what moved and what
/// was set aside.
fn move_rows(c: &Connection, from: &str, to: &str, snap: &mut Snapshot) -> Result<()> {
    for (table, keys, case_in_key) in MOVED {
        let mut stmt = c.prepare(&format!(
            "SELECT {} FROM {table} WHERE case_id = ?1",
            keys.join(", ")
        ))?;
        let found: Vec<Vec<(String, Cell)>> = stmt
            .query_map([from], |r| {
                keys.iter()
                    .enumerate()
                    .map(|(i, k)| Ok((k.to_string(), Cell::of(r.get_ref(i)?))))
                    .collect()
            })?
            .collect::<rusqlite::Result<_>>()?;
        for key in found {
            let mut args: Vec<Value> = vec![to.to_string().into(), from.to_string().into()];
            args.extend(key.iter().map(|(_, v)| v.value()));
            let taken = case_in_key
                && c.query_row(
                    &format!(
                        "SELECT EXISTS(SELECT 1 FROM {table} WHERE case_id = ?1 AND {})",
                        key_sql(keys, 3)
                    ),
                    params_from_iter(args.iter().take(1).chain(args.iter().skip(2))),
                    |r| r.get::<_, bool>(0),
                )?;
            if taken {
                let mut whole = c.prepare(&format!(
                    "SELECT * FROM {table} WHERE case_id = ?1 AND {}",
                    key_sql(keys, 2)
                ))?;
                let names: Vec<String> =
                    whole.column_names().iter().map(|s| s.to_string()).collect();
                let row: Row = whole.query_row(params_from_iter(args.iter().skip(1)), |r| {
                    names
                        .iter()
                        .enumerate()
                        .map(|(i, n)| Ok((n.clone(), Cell::of(r.get_ref(i)?))))
                        .collect()
                })?;
                c.execute(
                    &format!(
                        "DELETE FROM {table} WHERE case_id = ?1 AND {}",
                        key_sql(keys, 2)
                    ),
                    params_from_iter(args.iter().skip(1)),
                )?;
                snap.set_aside.push(TableRow {
                    table: table.to_string(),
                    row,
                });
            } else {
                move_row(c, table, keys, &key, from, to)?;
                snap.moved.push((table.to_string(), key));
            }
        }
    }
    Ok(())
}

fn ids_of(c: &Connection, sql: &str, id: &str) -> Result<Vec<i64>> {
    let mut stmt = c.prepare(sql)?;
    let ids = stmt
        .query_map([id], |r| r.get(0))?
        .collect::<rusqlite::Result<Vec<i64>>>()?;
    Ok(ids)
}

/// Gives the survivor's plan versions numbers after the merged case's, then moves the merged
/// case's versions: the survivor's plan stays the current one, the other's precedes it.
fn move_plans(c: &Connection, from: &str, to: &str, snap: &mut Snapshot) -> Result<()> {
    snap.plan_versions = ids_of(
        c,
        "SELECT rowid FROM plan_versions WHERE case_id = ?1",
        from,
    )?;
    snap.plan_shift = q_row(
        c,
        "SELECT COALESCE(MAX(version), 0) FROM plan_versions WHERE case_id = ?1",
        [from],
        |r| r.get(0),
    )?;
    shift_plans(c, to, snap.plan_shift)?;
    exec(
        c,
        "UPDATE plan_versions SET case_id = ?1 WHERE case_id = ?2",
        params![to, from],
    )?;
    Ok(())
}

/// Renumbers a case's plan versions by `by` (through negative numbers, so that no two rows
/// share a number on the way).
fn shift_plans(c: &Connection, case: &str, by: i64) -> Result<()> {
    if by == 0 {
        return Ok(());
    }
    exec(
        c,
        "UPDATE plan_versions SET version = -(version + ?2) WHERE case_id = ?1",
        params![case, by],
    )?;
    exec(
        c,
        "UPDATE plan_versions SET version = -version WHERE case_id = ?1 AND version < 0",
        params![case],
    )?;
    Ok(())
}

/// Project bodies name their participants by case id: they now name the survivor.
fn rename_in_documents(c: &Connection, from: &str, to: &str, snap: &mut Snapshot) -> Result<()> {
    let mut stmt = c.prepare(
        "SELECT d.id, d.body FROM documents d JOIN document_cases dc ON dc.document_id = d.id
         WHERE dc.case_id = ?1",
    )?;
    let found: Vec<(String, String)> = stmt
        .query_map([from], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (document, before) in found {
        let after = before.replace(from, to);
        exec(
            c,
            "UPDATE documents SET body = ?2 WHERE id = ?1",
            params![document, after],
        )?;
        snap.documents.push(RenamedIn {
            document,
            before,
            after,
        });
    }
    Ok(())
}

fn noted(field: &str, value: impl Into<String>) -> FieldChange {
    FieldChange::noted(field, value)
}

/// Rewrites a case's search tokens and duplicate-check keys from its stored profile.
fn refile(c: &Connection, id: CaseId) -> Result<()> {
    let case = cases::get(c, id)?;
    cases::write_children(c, id, &case.profile, &case.number)
}

pub(crate) fn merge(c: &Connection, m: &NewMerge, audit: &AuditContext) -> Result<MergeRecord> {
    let survivor = m.survivor_update.id.to_string();
    let merged = m.merged.to_string();
    if survivor == merged {
        return Err(StoreError::Conflict);
    }
    let merged_row = case_row(c, &merged)?;
    let survivor_before = case_row(c, &survivor)?;
    if cell(&merged_row, "version") != Some(&Cell::Int(m.merged_version))
        || cell(&merged_row, "anonymised_at") != Some(&Cell::Null)
        || cell(&survivor_before, "anonymised_at") != Some(&Cell::Null)
    {
        return Err(StoreError::Conflict);
    }
    let erasure: bool = q_row(
        c,
        "SELECT EXISTS(SELECT 1 FROM erasure_requests WHERE case_id IN (?1, ?2))",
        params![merged, survivor],
        |r| r.get(0),
    )?;
    if erasure {
        return Err(StoreError::Conflict);
    }
    let mut snap = Snapshot {
        merged_children: children(c, &merged)?,
        survivor_before_children: children(c, &survivor)?,
        survivor_before,
        merged_row,
        ..Snapshot::default()
    };
    let current = cases::get(c, m.survivor_update.id)?;
    if current.profile == m.survivor_update.profile
        && current.case_manager == m.survivor_update.case_manager
    {
        // Nothing of the profile changes: the merge's own entry says all there is.
        let n = exec(
            c,
            "UPDATE cases SET version = version + 1, updated_at = ?3, updated_by = ?4
             WHERE id = ?1 AND version = ?2",
            params![
                survivor,
                m.survivor_update.expected_version,
                ts(audit.at),
                audit.actor.map(|a| a.to_string())
            ],
        )?;
        if n == 0 {
            return Err(StoreError::Conflict);
        }
    } else {
        cases::update(c, &m.survivor_update, audit)?;
    }
    move_rows(c, &merged, &survivor, &mut snap)?;
    snap.submissions = ids_of(
        c,
        "SELECT rowid FROM submissions WHERE subject_type = 'case' AND subject_id = ?1",
        &merged,
    )?;
    exec(
        c,
        "UPDATE submissions SET subject_id = ?1 WHERE subject_type = 'case' AND subject_id = ?2",
        params![survivor, merged],
    )?;
    move_plans(c, &merged, &survivor, &mut snap)?;
    rename_in_documents(c, &merged, &survivor, &mut snap)?;
    exec(c, "DELETE FROM cases WHERE id = ?1", [&merged])?;
    snap.survivor_after = case_row(c, &survivor)?;
    snap.survivor_after_children = children(c, &survivor)?;

    let number = match cell(&snap.merged_row, "case_number") {
        Some(Cell::Text(n)) => n.clone(),
        _ => return Err(StoreError::Database("a case without a number".into())),
    };
    let survivor_number = match cell(&snap.survivor_after, "case_number") {
        Some(Cell::Text(n)) => n.clone(),
        _ => return Err(StoreError::Database("a case without a number".into())),
    };
    let snapshot = serde_json::to_string(&snap).map_err(|e| StoreError::Database(e.to_string()))?;
    exec(
        c,
        "INSERT INTO case_merges (id, survivor_id, merged_id, merged_number, merged_by, merged_at,
             snapshot)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            m.id.to_string(),
            survivor,
            merged,
            number,
            audit.actor.map(|a| a.to_string()),
            ts(audit.at),
            snapshot
        ],
    )?;
    let moved = snap.moved.len() + snap.submissions.len() + snap.plan_versions.len();
    for (record, other) in [(&survivor, &number), (&merged, &survivor_number)] {
        super::audit::insert(
            c,
            &audit.entry(
                AuditAction::Merge,
                record_type::CASE,
                record.clone(),
                vec![
                    noted("merge", m.id.to_string()),
                    noted("survivor", survivor.clone()),
                    noted("merged", merged.clone()),
                    noted("other_case", other.clone()),
                    noted("records_moved", moved.to_string()),
                ],
            ),
        )?;
    }
    get(c, m.id)?.ok_or(StoreError::NotFound)
}

/// Columns of a case row an undo leaves alone: what names it and its bookkeeping.
const NOT_RESTORED: [&str; 7] = [
    "id",
    "case_number",
    "version",
    "created_at",
    "created_by",
    "updated_at",
    "updated_by",
];

/// The survivor gets back its value before the merge wherever it still holds the value the
/// merge gave it; values edited since are kept.
fn restore_survivor(
    c: &Connection,
    snap: &Snapshot,
    survivor: &str,
    audit: &AuditContext,
) -> Result<()> {
    let now = case_row(c, survivor)?;
    let mut sets: Vec<String> = Vec::new();
    let mut args: Vec<Value> = vec![survivor.to_string().into()];
    for (column, before) in &snap.survivor_before {
        if NOT_RESTORED.contains(&column.as_str()) {
            continue;
        }
        let after = cell(&snap.survivor_after, column);
        let current = cell(&now, column);
        if after == current && current != Some(before) {
            args.push(before.value());
            sets.push(format!("{column} = ?{}", args.len()));
        }
    }
    if children(c, survivor)? == snap.survivor_after_children
        && snap.survivor_after_children != snap.survivor_before_children
    {
        for table in KEPT_CHILDREN {
            exec(
                c,
                &format!("DELETE FROM {table} WHERE case_id = ?1"),
                [survivor],
            )?;
        }
        for child in &snap.survivor_before_children {
            insert(c, &child.table, &child.row)?;
        }
        sets.push("version = version".into());
    }
    if !sets.is_empty() {
        args.push(ts(audit.at).into());
        args.push(audit.actor.map(|a| a.to_string()).into());
        c.execute(
            &format!(
                "UPDATE cases SET {}, version = version + 1, updated_at = ?{}, updated_by = ?{}
                 WHERE id = ?1",
                sets.join(", "),
                args.len() - 1,
                args.len()
            ),
            params_from_iter(args.iter()),
        )?;
    }
    Ok(())
}

pub(crate) fn undo(c: &Connection, id: uuid::Uuid, audit: &AuditContext) -> Result<MergeRecord> {
    let record = get(c, id)?.ok_or(StoreError::NotFound)?;
    if record.undone_at.is_some() {
        return Err(StoreError::Conflict);
    }
    let survivor = record.survivor.to_string();
    let merged = record.merged.to_string();
    let exists: bool = q_row(
        c,
        "SELECT EXISTS(SELECT 1 FROM cases WHERE id = ?1)",
        [&survivor],
        |r| r.get(0),
    )?;
    if !exists {
        // The survivor was merged into another case since: that merge is undone first.
        return Err(StoreError::Conflict);
    }
    let snapshot: String = q_row(
        c,
        "SELECT snapshot FROM case_merges WHERE id = ?1",
        [id.to_string()],
        |r| r.get(0),
    )?;
    let snap: Snapshot =
        serde_json::from_str(&snapshot).map_err(|e| StoreError::Database(e.to_string()))?;

    insert(c, "cases", &snap.merged_row)?;
    for child in &snap.merged_children {
        insert(c, &child.table, &child.row)?;
    }
    for (table, key) in &snap.moved {
        let (_, keys, _) = MOVED
            .iter()
            .find(|(t, _, _)| t == table)
            .ok_or_else(|| StoreError::Database(format!("unknown table {table}")))?;
        move_row(c, table, keys, key, &survivor, &merged)?;
    }
    for aside in &snap.set_aside {
        // Its parent (a project, a sample) may have been removed since: then it stays gone.
        match insert(c, &aside.table, &aside.row) {
            Ok(_) => {}
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ErrorCode::ConstraintViolation => {}
            Err(e) => return Err(e.into()),
        }
    }
    for rowid in &snap.submissions {
        exec(
            c,
            "UPDATE submissions SET subject_id = ?1 WHERE rowid = ?2 AND subject_id = ?3",
            params![merged, rowid, survivor],
        )?;
    }
    for rowid in &snap.plan_versions {
        exec(
            c,
            "UPDATE plan_versions SET case_id = ?1 WHERE rowid = ?2 AND case_id = ?3",
            params![merged, rowid, survivor],
        )?;
    }
    shift_plans(c, &survivor, -snap.plan_shift)?;
    for doc in &snap.documents {
        let body: Option<String> = q_row(
            c,
            "SELECT body FROM documents WHERE id = ?1",
            [&doc.document],
            |r| r.get(0),
        )
        .optional()?;
        let restored = match body {
            Some(b) if b == doc.after => doc.before.clone(),
            Some(b) if !doc.before.contains(&survivor) => b.replace(&survivor, &merged),
            _ => continue,
        };
        exec(
            c,
            "UPDATE documents SET body = ?2 WHERE id = ?1",
            params![doc.document, restored],
        )?;
    }
    restore_survivor(c, &snap, &survivor, audit)?;
    refile(c, record.merged)?;
    refile(c, record.survivor)?;
    exec(
        c,
        "UPDATE case_merges SET undone_by = ?2, undone_at = ?3 WHERE id = ?1",
        params![
            id.to_string(),
            audit.actor.map(|a| a.to_string()),
            ts(audit.at)
        ],
    )?;
    for record_id in [&survivor, &merged] {
        super::audit::insert(
            c,
            &audit.entry(
                AuditAction::Unmerge,
                record_type::CASE,
                record_id.clone(),
                vec![
                    noted("merge", id.to_string()),
                    noted("survivor", survivor.clone()),
                    noted("merged", merged.clone()),
                ],
            ),
        )?;
    }
    get(c, id)?.ok_or(StoreError::NotFound)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// Deleting a merged case's row must never take rows of another table with it unnoticed:
    /// every table that refers to `cases` is moved, rebuilt or handled by name.
    #[test]
    fn every_table_referring_to_cases_is_handled_by_a_merge() {
        let c = Connection::open_in_memory().unwrap();
        super::super::configure(&c).unwrap();
        for (_, _, sql) in super::super::MIGRATIONS {
            c.execute_batch(sql).unwrap();
        }
        let mut stmt = c
            .prepare(
                "SELECT DISTINCT m.name FROM sqlite_master m, pragma_foreign_key_list(m.name) f
                 WHERE m.type = 'table' AND f.\"table\" = 'cases' ORDER BY m.name",
            )
            .unwrap();
        let referring: Vec<String> = stmt
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        let handled: Vec<&str> = MOVED
            .iter()
            .map(|(t, _, _)| *t)
            .chain(KEPT_CHILDREN)
            .chain(REBUILT_CHILDREN)
            .chain(SPECIAL)
            .collect();
        let unhandled: Vec<&String> = referring
            .iter()
            .filter(|t| !handled.contains(&t.as_str()))
            .collect();
        assert!(
            unhandled.is_empty(),
            "not handled by a merge: {unhandled:?}"
        );
        assert!(referring.len() >= 15, "{referring:?}");
    }
}
