//! Pairs of cases: those found to be different people, those sharing a key of the duplicate
//! check, and the duplicates queue; and the store's merge API (the merging itself is in
//! `merges`).

use std::collections::HashSet;

use async_trait::async_trait;
use domain::CaseId;
use domain::audit::{AuditAction, FieldChange};
use domain::authz::{CaseListScope, RestrictedVisibility};
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, params, params_from_iter};

use super::{SqliteStore, exec, from_ts, merges, parse_uuid, q_row, ts};
use crate::{
    AuditContext, MergeRecord, MergeStore, MergedCase, NewMerge, PairSlice, QueuedPair, Result,
    ScanSummary, record_type,
};

/// The condition that a case (`alias`) is within `scope`, with its arguments appended.
fn in_scope(alias: &str, scope: CaseListScope, args: &mut Vec<Value>) -> String {
    let mut parts = Vec::new();
    if let Some(office) = scope.office {
        args.push(office.to_string().into());
        parts.push(format!("{alias}.office_id = ?{}", args.len()));
    }
    match scope.restricted {
        RestrictedVisibility::All => {}
        RestrictedVisibility::None => parts.push(format!("{alias}.restricted = 0")),
        RestrictedVisibility::AssignedTo(user) => {
            args.push(user.to_string().into());
            parts.push(format!(
                "({alias}.restricted = 0 OR {alias}.case_manager_id = ?{})",
                args.len()
            ));
        }
    }
    if parts.is_empty() {
        "1".into()
    } else {
        parts.join(" AND ")
    }
}

fn ordered(a: CaseId, b: CaseId) -> (String, String) {
    let (a, b) = (a.to_string(), b.to_string());
    if a < b { (a, b) } else { (b, a) }
}

fn case_id(i: usize, s: &str) -> rusqlite::Result<CaseId> {
    parse_uuid(i, s).map(CaseId)
}

fn mark_distinct(c: &Connection, a: CaseId, b: CaseId, audit: &AuditContext) -> Result<()> {
    let (first, second) = ordered(a, b);
    let added = exec(
        c,
        "INSERT INTO case_distinct_pairs (first_id, second_id, decided_by, decided_at)
         VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING",
        params![
            first,
            second,
            audit.actor.map(|u| u.to_string()),
            ts(audit.at)
        ],
    )?;
    exec(
        c,
        "DELETE FROM duplicate_queue WHERE first_id = ?1 AND second_id = ?2",
        params![first, second],
    )?;
    if added == 0 {
        return Ok(());
    }
    for (record, other) in [(&first, &second), (&second, &first)] {
        super::audit::insert(
            c,
            &audit.entry(
                AuditAction::MarkDistinct,
                record_type::CASE,
                record.clone(),
                vec![FieldChange::noted("different_from", other.clone())],
            ),
        )?;
    }
    Ok(())
}

fn known_distinct(c: &Connection, case: CaseId, others: &[CaseId]) -> Result<Vec<CaseId>> {
    let mut stmt = c.prepare_cached(
        "SELECT second_id FROM case_distinct_pairs WHERE first_id = ?1
         UNION ALL SELECT first_id FROM case_distinct_pairs WHERE second_id = ?1",
    )?;
    let known: Vec<String> = stmt
        .query_map([case.to_string()], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(others
        .iter()
        .copied()
        .filter(|o| known.contains(&o.to_string()))
        .collect())
}

fn pairs_sharing_keys(
    c: &Connection,
    scope: CaseListScope,
    after: Option<&str>,
    limit: usize,
) -> Result<PairSlice> {
    let mut distinct: HashSet<(String, String)> = HashSet::new();
    let mut stmt = c.prepare("SELECT first_id, second_id FROM case_distinct_pairs")?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        distinct.insert((r.get(0)?, r.get(1)?));
    }
    let mut args: Vec<Value> = vec![after.unwrap_or("").to_string().into()];
    let in_reach = in_scope("c", scope, &mut args);
    // In the key's own order (its primary key), so that a slice ends on a whole key and the
    // next scan goes on from there.
    let mut stmt = c.prepare(&format!(
        "SELECT k.key, k.case_id FROM case_match_keys k JOIN cases c ON c.id = k.case_id
         WHERE k.key > ?1 AND c.anonymised_at IS NULL AND {in_reach}
         ORDER BY k.key, k.case_id"
    ))?;
    let mut rows = stmt.query(params_from_iter(args.iter()))?;
    let mut seen: HashSet<(String, String)> = HashSet::new();
    let mut pairs = Vec::new();
    let mut current: Option<String> = None;
    let mut members: Vec<String> = Vec::new();
    let mut finish =
        |key_members: &mut Vec<String>, pairs: &mut Vec<(CaseId, CaseId)>| -> Result<()> {
            for (i, a) in key_members.iter().enumerate() {
                for b in &key_members[i + 1..] {
                    let pair = (a.clone(), b.clone());
                    if !distinct.contains(&pair) && seen.insert(pair) {
                        pairs.push((case_id(0, a)?, case_id(1, b)?));
                    }
                }
            }
            key_members.clear();
            Ok(())
        };
    while let Some(r) = rows.next()? {
        let key: String = r.get(0)?;
        if current.as_deref() != Some(key.as_str()) {
            finish(&mut members, &mut pairs)?;
            if pairs.len() >= limit.max(1) {
                return Ok(PairSlice {
                    pairs,
                    last_key: current,
                });
            }
            current = Some(key);
        }
        members.push(r.get(1)?);
    }
    finish(&mut members, &mut pairs)?;
    Ok(PairSlice {
        pairs,
        last_key: None,
    })
}

fn record_scan(
    c: &Connection,
    found: &[QueuedPair],
    unlikely: &[(CaseId, CaseId)],
    summary: &ScanSummary,
) -> Result<()> {
    let mut drop =
        c.prepare("DELETE FROM duplicate_queue WHERE first_id = ?1 AND second_id = ?2")?;
    for (a, b) in unlikely {
        let (first, second) = ordered(*a, *b);
        drop.execute(params![first, second])?;
    }
    let mut stmt = c.prepare(
        "INSERT INTO duplicate_queue (first_id, second_id, score, found_at)
         SELECT ?1, ?2, ?3, ?4
         WHERE EXISTS (SELECT 1 FROM cases WHERE id = ?1)
           AND EXISTS (SELECT 1 FROM cases WHERE id = ?2)
           AND NOT EXISTS (SELECT 1 FROM case_distinct_pairs
                           WHERE first_id = ?1 AND second_id = ?2)
         ON CONFLICT (first_id, second_id) DO UPDATE SET score = excluded.score,
             found_at = excluded.found_at",
    )?;
    for p in found {
        let (first, second) = ordered(p.first, p.second);
        stmt.execute(params![first, second, p.score, ts(summary.scanned_at)])?;
    }
    exec(
        c,
        "INSERT INTO duplicate_scans (id, scanned_at, compared, found, resume_after)
         VALUES (1, ?1, ?2, ?3, ?4)
         ON CONFLICT (id) DO UPDATE SET scanned_at = ?1, compared = ?2, found = ?3,
             resume_after = ?4",
        params![
            ts(summary.scanned_at),
            summary.compared as i64,
            summary.found as i64,
            summary.resume_after
        ],
    )?;
    Ok(())
}

fn queue(
    c: &Connection,
    scope: CaseListScope,
    limit: usize,
) -> Result<(Vec<QueuedPair>, Option<ScanSummary>)> {
    let mut args = Vec::new();
    let a_in = in_scope("ca", scope, &mut args);
    let b_in = in_scope("cb", scope, &mut args);
    args.push((limit.min(10_000) as i64).into());
    let mut stmt = c.prepare(&format!(
        "SELECT q.first_id, q.second_id, q.score FROM duplicate_queue q
         JOIN cases ca ON ca.id = q.first_id JOIN cases cb ON cb.id = q.second_id
         WHERE {a_in} AND {b_in}
         ORDER BY q.score DESC, ca.case_number, cb.case_number LIMIT ?{}",
        args.len()
    ))?;
    let pairs = stmt
        .query_map(params_from_iter(args.iter()), |r| {
            Ok(QueuedPair {
                first: case_id(0, &r.get::<_, String>(0)?)?,
                second: case_id(1, &r.get::<_, String>(1)?)?,
                score: r.get(2)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    let summary = q_row(
        c,
        "SELECT scanned_at, compared, found, resume_after FROM duplicate_scans WHERE id = 1",
        [],
        |r| {
            Ok(ScanSummary {
                scanned_at: from_ts(r.get(0)?),
                compared: r.get::<_, i64>(1)?.max(0) as u64,
                found: r.get::<_, i64>(2)?.max(0) as u64,
                resume_after: r.get(3)?,
            })
        },
    )
    .optional()?;
    Ok((pairs, summary))
}

#[async_trait]
impl MergeStore for SqliteStore {
    async fn mark_distinct(&self, a: CaseId, b: CaseId, audit: AuditContext) -> Result<()> {
        self.write(move |tx| mark_distinct(tx, a, b, &audit)).await
    }
    async fn known_distinct(&self, case: CaseId, others: Vec<CaseId>) -> Result<Vec<CaseId>> {
        self.read(move |c| known_distinct(c, case, &others)).await
    }
    async fn pairs_sharing_keys(
        &self,
        scope: CaseListScope,
        after: Option<String>,
        limit: usize,
    ) -> Result<PairSlice> {
        self.read(move |c| pairs_sharing_keys(c, scope, after.as_deref(), limit))
            .await
    }
    async fn record_duplicate_scan(
        &self,
        found: Vec<QueuedPair>,
        unlikely: Vec<(CaseId, CaseId)>,
        summary: ScanSummary,
    ) -> Result<()> {
        self.write_blocking(move |tx| record_scan(tx, &found, &unlikely, &summary))
            .await
    }
    async fn duplicate_queue(
        &self,
        scope: CaseListScope,
        limit: usize,
    ) -> Result<(Vec<QueuedPair>, Option<ScanSummary>)> {
        self.read(move |c| queue(c, scope, limit)).await
    }
    async fn merge_cases(&self, merge: NewMerge, audit: AuditContext) -> Result<MergeRecord> {
        self.write(move |tx| merges::merge(tx, &merge, &audit))
            .await
    }
    async fn undo_merge(&self, id: uuid::Uuid, audit: AuditContext) -> Result<MergeRecord> {
        self.write(move |tx| merges::undo(tx, id, &audit)).await
    }
    async fn merge(&self, id: uuid::Uuid) -> Result<Option<MergeRecord>> {
        self.read(move |c| merges::get(c, id)).await
    }
    async fn merge_of(&self, case: MergedCase) -> Result<Option<MergeRecord>> {
        self.read(move |c| match case {
            MergedCase::Id(id) => merges::standing_merge_of(c, "merged_id", &id.to_string()),
            MergedCase::Number(n) => {
                merges::standing_merge_of(c, "merged_number", &n.trim().to_ascii_uppercase())
            }
        })
        .await
    }
    async fn merges_into(&self, survivor: CaseId) -> Result<Vec<MergeRecord>> {
        self.read(move |c| merges::into(c, survivor)).await
    }
}
