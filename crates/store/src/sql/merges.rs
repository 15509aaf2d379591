//! Merging two cases of one person, and splitting them back, on both engines.
//!
//! A merge moves every row attached to the merged case to the survivor, remembering which rows
//! moved; it then takes the merged case's row out of `cases`, so that lists and counts see the
//! person once, and keeps it in the merge's snapshot. Undoing puts the row back and moves back
//! exactly the rows that moved. Every table that refers to `cases` must be named below: a test
//! reads the schema (of each engine) and fails on one that is not, because deleting the merged
//! case's row would otherwise silently take that table's rows with it.

use domain::CaseId;
use domain::audit::{AuditAction, FieldChange};

use super::merge_snapshot::{
    Cell, Fields, KEPT_CHILDREN, RenamedIn, Snapshot, TableRow, case_row, cell, children, insert,
    key_sql, same_rows, text, whole_rows,
};
use super::{Db, Row, Value, args, audit, cases, tallies};
use crate::{AuditContext, MergeRecord, MergedCase, NewMerge, Result, StoreError, record_type};

/// A table whose rows move with a merge.
struct Moved {
    table: &'static str,
    /// The columns naming a row besides its case (`rowid` only on tables that have one on
    /// PostgreSQL too: see docs/store-engines.md).
    key: &'static [&'static str],
    /// When the case is part of the row's key: the table the key's first column refers to.
    /// If the survivor already has the same row, the merged case's row is set aside instead of
    /// moved; on undo it returns unless that parent (a project, a sample) is gone.
    parent: Option<&'static str>,
}

const fn moved(table: &'static str, key: &'static [&'static str]) -> Moved {
    Moved {
        table,
        key,
        parent: None,
    }
}

const MOVED: [Moved; 12] = [
    moved("consents", &["rowid"]),
    moved("pathway_entries", &["rowid"]),
    moved("closures", &["rowid"]),
    moved("service_updates", &["rowid"]),
    moved("referrals", &["rowid"]),
    moved("rss_scores", &["rowid"]),
    moved("held_submissions", &["rowid"]),
    moved("spot_check_items", &["check_id", "item_id"]),
    Moved {
        table: "document_cases",
        key: &["document_id"],
        parent: Some("documents"),
    },
    Moved {
        table: "sample_members",
        key: &["sample_id"],
        parent: Some("monitoring_samples"),
    },
    moved("handovers_sent", &["rowid"]),
    moved("handovers_received", &["rowid"]),
];

fn moved_table(table: &str) -> Result<&'static Moved> {
    MOVED
        .iter()
        .find(|m| m.table == table)
        .ok_or_else(|| StoreError::Database(format!("unknown table {table}")))
}

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

fn merge_row(r: &Row) -> Result<MergeRecord> {
    Ok(MergeRecord {
        id: r.get(0)?,
        survivor: CaseId(r.get(1)?),
        merged: CaseId(r.get(2)?),
        merged_number: r.get(3)?,
        merged_by: r.get::<Option<uuid::Uuid>>(4)?.map(domain::UserId),
        merged_at: r.get(5)?,
        undone_by: r.get::<Option<uuid::Uuid>>(6)?.map(domain::UserId),
        undone_at: r.get(7)?,
    })
}

const MERGE_COLUMNS: &str =
    "id, survivor_id, merged_id, merged_number, merged_by, merged_at, undone_by, undone_at";

pub(crate) async fn get<D: Db>(db: &D, id: uuid::Uuid) -> Result<Option<MergeRecord>> {
    db.opt(
        &format!("SELECT {MERGE_COLUMNS} FROM case_merges WHERE id = ?1"),
        &args![id],
    )
    .await?
    .as_ref()
    .map(merge_row)
    .transpose()
}

/// The standing merge that took a case away, by its id or number.
pub(crate) async fn merge_of<D: Db>(db: &D, case: &MergedCase) -> Result<Option<MergeRecord>> {
    let (column, value) = match case {
        MergedCase::Id(id) => ("merged_id", id.to_string()),
        MergedCase::Number(n) => ("merged_number", n.trim().to_ascii_uppercase()),
    };
    db.opt(
        &format!(
            "SELECT {MERGE_COLUMNS} FROM case_merges WHERE {column} = ?1 AND undone_at IS NULL
             ORDER BY merged_at DESC LIMIT 1"
        ),
        &args![value],
    )
    .await?
    .as_ref()
    .map(merge_row)
    .transpose()
}

pub(crate) async fn into<D: Db>(db: &D, survivor: CaseId) -> Result<Vec<MergeRecord>> {
    db.rows(
        &format!(
            "SELECT {MERGE_COLUMNS} FROM case_merges WHERE survivor_id = ?1
             ORDER BY merged_at DESC, id"
        ),
        &args![survivor.0],
    )
    .await?
    .iter()
    .map(merge_row)
    .collect()
}

/// Moves one row of a `MOVED` table, named by its key columns, from one case to the other.
async fn move_row<D: Db>(
    db: &D,
    m: &Moved,
    key: &[(String, Cell)],
    from: &str,
    to: &str,
) -> Result<()> {
    let mut values: Vec<Value> = args![to, from].into();
    values.extend(key.iter().map(|(_, v)| v.value()));
    db.exec(
        &format!(
            "UPDATE {} SET case_id = ?1 WHERE case_id = ?2 AND {}",
            m.table,
            key_sql(m.key, 3)
        ),
        &values,
    )
    .await?;
    Ok(())
}

/// Moves the rows of `MOVED` tables from one case to the other, noting what moved and what was
/// set aside.
async fn move_rows<D: Db>(db: &D, from: &str, to: &str, snap: &mut Snapshot) -> Result<()> {
    for m in &MOVED {
        let found = db
            .rows(
                &format!(
                    "SELECT {} FROM {} WHERE case_id = ?1",
                    m.key.join(", "),
                    m.table
                ),
                &args![from],
            )
            .await?;
        for r in found {
            let key: Vec<(String, Cell)> = m
                .key
                .iter()
                .map(|k| k.to_string())
                .zip(r.0.into_iter().map(Cell::of))
                .collect();
            let key_values = key.iter().map(|(_, v)| v.value());
            let taken = m.parent.is_some()
                && db
                    .value::<bool>(
                        &format!(
                            "SELECT EXISTS(SELECT 1 FROM {} WHERE case_id = ?1 AND {})",
                            m.table,
                            key_sql(m.key, 2)
                        ),
                        &[Value::from(to)]
                            .into_iter()
                            .chain(key_values.clone())
                            .collect::<Vec<_>>(),
                    )
                    .await?;
            if taken {
                let of_merged: Vec<Value> =
                    [Value::from(from)].into_iter().chain(key_values).collect();
                let condition = format!("case_id = ?1 AND {}", key_sql(m.key, 2));
                let row = whole_rows(db, m.table, &condition, &of_merged)
                    .await?
                    .pop()
                    .ok_or(StoreError::NotFound)?;
                db.exec(
                    &format!("DELETE FROM {} WHERE {condition}", m.table),
                    &of_merged,
                )
                .await?;
                snap.set_aside.push(TableRow {
                    table: m.table.to_string(),
                    row,
                });
            } else {
                move_row(db, m, &key, from, to).await?;
                snap.moved.push((m.table.to_string(), key));
            }
        }
    }
    Ok(())
}

async fn ids_of<D: Db>(db: &D, sql: &str, id: &str) -> Result<Vec<i64>> {
    db.rows(sql, &args![id])
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect()
}

/// Gives the survivor's plan versions numbers after the merged case's, then moves the merged
/// case's versions: the survivor's plan stays the current one, the other's precedes it.
async fn move_plans<D: Db>(db: &D, from: &str, to: &str, snap: &mut Snapshot) -> Result<()> {
    snap.plan_versions = ids_of(
        db,
        "SELECT rowid FROM plan_versions WHERE case_id = ?1",
        from,
    )
    .await?;
    snap.plan_shift = db
        .value(
            "SELECT COALESCE(MAX(version), 0) FROM plan_versions WHERE case_id = ?1",
            &args![from],
        )
        .await?;
    shift_plans(db, to, snap.plan_shift).await?;
    db.exec(
        "UPDATE plan_versions SET case_id = ?1 WHERE case_id = ?2",
        &args![to, from],
    )
    .await?;
    Ok(())
}

/// Renumbers a case's plan versions by `by` (through negative numbers, so that no two rows
/// share a number on the way: PostgreSQL checks the unique (case, version) row by row).
async fn shift_plans<D: Db>(db: &D, case: &str, by: i64) -> Result<()> {
    if by == 0 {
        return Ok(());
    }
    db.exec(
        "UPDATE plan_versions SET version = -(version + ?2) WHERE case_id = ?1",
        &args![case, by],
    )
    .await?;
    db.exec(
        "UPDATE plan_versions SET version = -version WHERE case_id = ?1 AND version < 0",
        &args![case],
    )
    .await?;
    Ok(())
}

/// Project bodies name their participants by case id: they now name the survivor.
async fn rename_in_documents<D: Db>(
    db: &D,
    from: &str,
    to: &str,
    snap: &mut Snapshot,
) -> Result<()> {
    let found = db
        .rows(
            "SELECT d.id, d.body FROM documents d
             JOIN document_cases dc ON dc.document_id = d.id
             WHERE dc.case_id = ?1",
            &args![from],
        )
        .await?;
    for r in found {
        let (document, before): (String, String) = (r.get(0)?, r.get(1)?);
        let after = before.replace(from, to);
        db.exec(
            "UPDATE documents SET body = ?2 WHERE id = ?1",
            &args![&document, &after],
        )
        .await?;
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
async fn refile<D: Db>(db: &D, id: CaseId) -> Result<()> {
    let case = cases::get(db, id).await?;
    cases::write_children(db, id, &case.profile, &case.number).await
}

pub(crate) async fn merge<D: Db>(
    db: &D,
    m: &NewMerge,
    audit: &AuditContext,
) -> Result<MergeRecord> {
    let survivor = m.survivor_update.id.to_string();
    let merged = m.merged.to_string();
    if survivor == merged {
        return Err(StoreError::Conflict);
    }
    let merged_row = case_row(db, &merged).await?;
    let survivor_before = case_row(db, &survivor).await?;
    if cell(&merged_row, "version") != Some(&Cell::Int(m.merged_version))
        || cell(&merged_row, "anonymised_at") != Some(&Cell::Null)
        || cell(&survivor_before, "anonymised_at") != Some(&Cell::Null)
    {
        return Err(StoreError::Conflict);
    }
    let erasure: bool = db
        .value(
            "SELECT EXISTS(SELECT 1 FROM erasure_requests WHERE case_id IN (?1, ?2))",
            &args![&merged, &survivor],
        )
        .await?;
    if erasure {
        return Err(StoreError::Conflict);
    }
    let tallied = tallies::Before::read(db, &[survivor.clone(), merged.clone()]).await?;
    let mut snap = Snapshot {
        merged_children: children(db, &merged).await?,
        survivor_before_children: children(db, &survivor).await?,
        survivor_before,
        merged_row,
        ..Snapshot::default()
    };
    let current = cases::get(db, m.survivor_update.id).await?;
    if current.profile == m.survivor_update.profile
        && current.case_manager == m.survivor_update.case_manager
    {
        // Nothing of the profile changes: the merge's own entry says all there is.
        let n = db
            .exec(
                "UPDATE cases SET version = version + 1, updated_at = ?3, updated_by = ?4
                 WHERE id = ?1 AND version = ?2",
                &args![
                    &survivor,
                    m.survivor_update.expected_version,
                    audit.at,
                    audit.actor.map(|a| a.0)
                ],
            )
            .await?;
        if n == 0 {
            return Err(StoreError::Conflict);
        }
    } else {
        cases::update_profile(db, &m.survivor_update, audit).await?;
    }
    // Before the rows move: the projects are found by the merged case's participation.
    rename_in_documents(db, &merged, &survivor, &mut snap).await?;
    move_rows(db, &merged, &survivor, &mut snap).await?;
    snap.submissions = ids_of(
        db,
        "SELECT rowid FROM submissions WHERE subject_type = 'case' AND subject_id = ?1",
        &merged,
    )
    .await?;
    db.exec(
        "UPDATE submissions SET subject_id = ?1 WHERE subject_type = 'case' AND subject_id = ?2",
        &args![&survivor, &merged],
    )
    .await?;
    move_plans(db, &merged, &survivor, &mut snap).await?;
    db.exec("DELETE FROM cases WHERE id = ?1", &args![&merged])
        .await?;
    tallied.settle(db).await?;
    snap.survivor_after = case_row(db, &survivor).await?;
    snap.survivor_after_children = children(db, &survivor).await?;

    let number = text(&snap.merged_row, "case_number")?.to_string();
    let survivor_number = text(&snap.survivor_after, "case_number")?.to_string();
    let snapshot = serde_json::to_string(&snap).map_err(|e| StoreError::Database(e.to_string()))?;
    db.exec(
        "INSERT INTO case_merges (id, survivor_id, merged_id, merged_number, merged_by, merged_at,
             snapshot)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        &args![
            m.id,
            &survivor,
            &merged,
            &number,
            audit.actor.map(|a| a.0),
            audit.at,
            snapshot
        ],
    )
    .await?;
    let moved = snap.moved.len() + snap.submissions.len() + snap.plan_versions.len();
    for (record, other) in [(&survivor, &number), (&merged, &survivor_number)] {
        audit::insert(
            db,
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
        )
        .await?;
    }
    get(db, m.id).await?.ok_or(StoreError::NotFound)
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
async fn restore_survivor<D: Db>(
    db: &D,
    snap: &Snapshot,
    survivor: &str,
    audit: &AuditContext,
) -> Result<()> {
    let now: Fields = case_row(db, survivor).await?;
    let mut sets: Vec<String> = Vec::new();
    let mut values: Vec<Value> = args![survivor].into();
    for (column, before) in &snap.survivor_before {
        if NOT_RESTORED.contains(&column.as_str()) {
            continue;
        }
        let after = cell(&snap.survivor_after, column);
        let current = cell(&now, column);
        if after == current && current != Some(before) {
            values.push(before.value());
            sets.push(format!("\"{column}\" = ?{}", values.len()));
        }
    }
    let mut changed = !sets.is_empty();
    if same_rows(
        &children(db, survivor).await?,
        &snap.survivor_after_children,
    ) && !same_rows(
        &snap.survivor_after_children,
        &snap.survivor_before_children,
    ) {
        for table in KEPT_CHILDREN {
            db.exec(
                &format!("DELETE FROM {table} WHERE case_id = ?1"),
                &args![survivor],
            )
            .await?;
        }
        for child in &snap.survivor_before_children {
            insert(db, &child.table, &child.row, false).await?;
        }
        changed = true;
    }
    if changed {
        values.extend(args![audit.at, audit.actor.map(|a| a.0)]);
        sets.push(format!(
            "version = version + 1, updated_at = ?{}, updated_by = ?{}",
            values.len() - 1,
            values.len()
        ));
        db.exec(
            &format!("UPDATE cases SET {} WHERE id = ?1", sets.join(", ")),
            &values,
        )
        .await?;
    }
    Ok(())
}

pub(crate) async fn undo<D: Db>(
    db: &D,
    id: uuid::Uuid,
    audit: &AuditContext,
) -> Result<MergeRecord> {
    let record = get(db, id).await?.ok_or(StoreError::NotFound)?;
    if record.undone_at.is_some() {
        return Err(StoreError::Conflict);
    }
    let survivor = record.survivor.to_string();
    let merged = record.merged.to_string();
    let exists: bool = db
        .value(
            "SELECT EXISTS(SELECT 1 FROM cases WHERE id = ?1)",
            &args![&survivor],
        )
        .await?;
    if !exists {
        // The survivor was merged into another case since: that merge is undone first.
        return Err(StoreError::Conflict);
    }
    let snapshot: String = db
        .value("SELECT snapshot FROM case_merges WHERE id = ?1", &args![id])
        .await?;
    let snap: Snapshot =
        serde_json::from_str(&snapshot).map_err(|e| StoreError::Database(e.to_string()))?;
    let tallied = tallies::Before::read(db, &[survivor.clone(), merged.clone()]).await?;

    insert(db, "cases", &snap.merged_row, false).await?;
    for child in &snap.merged_children {
        insert(db, &child.table, &child.row, false).await?;
    }
    for (table, key) in &snap.moved {
        move_row(db, moved_table(table)?, key, &survivor, &merged).await?;
    }
    for aside in &snap.set_aside {
        let m = moved_table(&aside.table)?;
        // Its parent (a project, a sample) may have been removed since: then it stays gone.
        // (Checked first: a failed insert would end a PostgreSQL transaction.)
        if let (Some(parent), Some(key)) = (m.parent, m.key.first()) {
            let id = cell(&aside.row, key).map_or(Value::Null, Cell::value);
            let there: bool = db
                .value(
                    &format!("SELECT EXISTS(SELECT 1 FROM {parent} WHERE id = ?1)"),
                    &[id],
                )
                .await?;
            if !there {
                continue;
            }
        }
        insert(db, &aside.table, &aside.row, true).await?;
    }
    for rowid in &snap.submissions {
        db.exec(
            "UPDATE submissions SET subject_id = ?1 WHERE rowid = ?2 AND subject_id = ?3",
            &args![&merged, *rowid, &survivor],
        )
        .await?;
    }
    for rowid in &snap.plan_versions {
        db.exec(
            "UPDATE plan_versions SET case_id = ?1 WHERE rowid = ?2 AND case_id = ?3",
            &args![&merged, *rowid, &survivor],
        )
        .await?;
    }
    shift_plans(db, &survivor, -snap.plan_shift).await?;
    for doc in &snap.documents {
        let body: Option<String> = db
            .opt(
                "SELECT body FROM documents WHERE id = ?1",
                &args![&doc.document],
            )
            .await?
            .map(|r| r.get(0))
            .transpose()?;
        let restored = match body {
            Some(b) if b == doc.after => doc.before.clone(),
            Some(b) if !doc.before.contains(&survivor) => b.replace(&survivor, &merged),
            _ => continue,
        };
        db.exec(
            "UPDATE documents SET body = ?2 WHERE id = ?1",
            &args![&doc.document, restored],
        )
        .await?;
    }
    restore_survivor(db, &snap, &survivor, audit).await?;
    tallied.settle(db).await?;
    refile(db, record.merged).await?;
    refile(db, record.survivor).await?;
    db.exec(
        "UPDATE case_merges SET undone_by = ?2, undone_at = ?3 WHERE id = ?1",
        &args![id, audit.actor.map(|a| a.0), audit.at],
    )
    .await?;
    for record_id in [&survivor, &merged] {
        audit::insert(
            db,
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
        )
        .await?;
    }
    get(db, id).await?.ok_or(StoreError::NotFound)
}

/// The tables with a foreign key to `cases`, read from the schema.
#[cfg(test)]
async fn referring_to_cases<D: Db>(db: &D) -> Result<Vec<String>> {
    let sql = match db.engine() {
        super::Engine::Sqlite => {
            "SELECT DISTINCT m.name FROM sqlite_master m, pragma_foreign_key_list(m.name) f
             WHERE m.type = 'table' AND f.\"table\" = 'cases' ORDER BY m.name"
        }
        // In the schema the store's tables are in (each test has its own).
        super::Engine::Postgres => {
            "SELECT DISTINCT CAST(t.relname AS TEXT) FROM pg_constraint f
             JOIN pg_class t ON t.oid = f.conrelid
             JOIN pg_class r ON r.oid = f.confrelid
             JOIN pg_namespace n ON n.oid = r.relnamespace
             WHERE f.contype = 'f' AND r.relname = 'cases' AND n.nspname = current_schema()
             ORDER BY 1"
        }
    };
    db.rows(sql, &[]).await?.iter().map(|r| r.get(0)).collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// Deleting a merged case's row must never take rows of another table with it unnoticed:
    /// every table that refers to `cases` is moved, rebuilt or handled by name.
    fn assert_every_table_handled(referring: &[String]) {
        let handled: Vec<&str> = MOVED
            .iter()
            .map(|m| m.table)
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

    #[test]
    fn every_table_referring_to_cases_is_handled_by_a_merge() {
        let c = crate::sqlite::migrated_in_memory().unwrap();
        let referring = super::super::now(referring_to_cases(&crate::sqlite::Lite(&c))).unwrap();
        assert_every_table_handled(&referring);
    }

    #[tokio::test]
    async fn every_table_referring_to_cases_is_handled_by_a_merge_on_postgres() {
        let url = std::env::var("REINTEGRA_TEST_POSTGRES").unwrap_or_default();
        if url == "skip" {
            return;
        }
        assert!(
            !url.is_empty(),
            "REINTEGRA_TEST_POSTGRES is not set (an address, or `skip`): see scripts/test"
        );
        let files = tempfile::tempdir().unwrap();
        let store = crate::PgStore::connect_to_new_schema(&url, files.path(), 1)
            .await
            .unwrap();
        let referring = store
            .read((), |db, _| Box::pin(referring_to_cases(db)))
            .await
            .unwrap();
        assert_every_table_handled(&referring);
        // The same tables as on SQLite.
        let c = crate::sqlite::migrated_in_memory().unwrap();
        let on_sqlite = super::super::now(referring_to_cases(&crate::sqlite::Lite(&c))).unwrap();
        assert_eq!(referring, on_sqlite);
    }
}
