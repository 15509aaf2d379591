//! Pairs of cases, on both engines: those found to be different people, those sharing a key of
//! the duplicate check, and the duplicates queue. The merging itself is in `merges`.

use std::collections::HashSet;

use domain::CaseId;
use domain::audit::{AuditAction, FieldChange};
use domain::authz::{CaseListScope, RestrictedVisibility};

use super::{Db, Value, args, audit, uuid};
use crate::{AuditContext, PairSlice, QueuedPair, Result, ScanSummary, record_type};

/// The condition that a case (`alias`) is within `scope`, with its arguments appended.
fn in_scope(alias: &str, scope: CaseListScope, args: &mut Vec<Value>) -> String {
    let mut parts = Vec::new();
    if let Some(office) = scope.office {
        args.push(office.0.into());
        parts.push(format!("{alias}.office_id = ?{}", args.len()));
    }
    match scope.restricted {
        RestrictedVisibility::All => {}
        RestrictedVisibility::None => parts.push(format!("{alias}.restricted = 0")),
        RestrictedVisibility::AssignedTo(user) => {
            args.push(user.0.into());
            parts.push(format!(
                "({alias}.restricted = 0 OR {alias}.case_manager_id = ?{})",
                args.len()
            ));
        }
    }
    if parts.is_empty() {
        "1 = 1".into()
    } else {
        parts.join(" AND ")
    }
}

fn ordered(a: CaseId, b: CaseId) -> (String, String) {
    let (a, b) = (a.to_string(), b.to_string());
    if a < b { (a, b) } else { (b, a) }
}

fn case_id(i: usize, s: &str) -> Result<CaseId> {
    uuid(i, s).map(CaseId)
}

pub(crate) async fn mark_distinct<D: Db>(
    db: &D,
    a: CaseId,
    b: CaseId,
    audit: &AuditContext,
) -> Result<()> {
    let (first, second) = ordered(a, b);
    let added = db
        .exec(
            "INSERT INTO case_distinct_pairs (first_id, second_id, decided_by, decided_at)
             VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING",
            &args![&first, &second, audit.actor.map(|u| u.0), audit.at],
        )
        .await?;
    db.exec(
        "DELETE FROM duplicate_queue WHERE first_id = ?1 AND second_id = ?2",
        &args![&first, &second],
    )
    .await?;
    if added == 0 {
        return Ok(());
    }
    for (record, other) in [(&first, &second), (&second, &first)] {
        audit::insert(
            db,
            &audit.entry(
                AuditAction::MarkDistinct,
                record_type::CASE,
                record.clone(),
                vec![FieldChange::noted("different_from", other.clone())],
            ),
        )
        .await?;
    }
    Ok(())
}

pub(crate) async fn known_distinct<D: Db>(
    db: &D,
    case: CaseId,
    others: &[CaseId],
) -> Result<Vec<CaseId>> {
    let known: Vec<String> = db
        .rows(
            "SELECT second_id FROM case_distinct_pairs WHERE first_id = ?1
             UNION ALL SELECT first_id FROM case_distinct_pairs WHERE second_id = ?1",
            &args![case.0],
        )
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect::<Result<_>>()?;
    Ok(others
        .iter()
        .copied()
        .filter(|o| known.contains(&o.to_string()))
        .collect())
}

/// How many filed keys [`sharing_keys`] reads at first, and at most, in one query: `Db` gives
/// whole results, so the keys are read in slices rather than streamed, and a scan that stops
/// after a few keys (about 120 cases each at a million returnees) reads little more than it
/// needs. Slices grow, so that a long walk (keys shared by few cases) takes few queries.
const FIRST_SLICE: usize = 1_024;
const LARGEST_SLICE: usize = 16_384;

pub(crate) async fn sharing_keys<D: Db>(
    db: &D,
    scope: CaseListScope,
    after: Option<&str>,
    limit: usize,
) -> Result<PairSlice> {
    sharing_keys_sliced(db, scope, after, limit, FIRST_SLICE).await
}

async fn sharing_keys_sliced<D: Db>(
    db: &D,
    scope: CaseListScope,
    after: Option<&str>,
    limit: usize,
    first_slice: usize,
) -> Result<PairSlice> {
    let mut distinct: HashSet<(String, String)> = HashSet::new();
    for r in db
        .rows("SELECT first_id, second_id FROM case_distinct_pairs", &[])
        .await?
    {
        distinct.insert((r.get(0)?, r.get(1)?));
    }
    let mut seen: HashSet<(String, String)> = HashSet::new();
    let mut pairs = Vec::new();
    // Adds the pairs of one key's cases (in id order), each pair once.
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

    // In the key's own order (its primary key), so that a slice ends on a whole key and the
    // next scan goes on from there.
    let mut scoped: Vec<Value> = Vec::new();
    let in_reach = in_scope("c", scope, &mut scoped);
    let from = "FROM case_match_keys k JOIN cases c ON c.id = k.case_id";
    let mut current: Option<String> = None;
    let mut members: Vec<String> = Vec::new();
    let mut from_key = after.unwrap_or("").to_string();
    let mut slice = first_slice.max(1);
    loop {
        let mut values: Vec<Value> = scoped.clone();
        values.push(from_key.clone().into());
        let mut rows = db
            .rows(
                &format!(
                    "SELECT k.key, k.case_id {from}
                     WHERE k.key > ?{} AND c.anonymised_at IS NULL AND {in_reach}
                     ORDER BY k.key, k.case_id LIMIT {slice}",
                    values.len()
                ),
                &values,
            )
            .await?;
        let more = rows.len() == slice;
        if more && let Some(last) = rows.last() {
            // The slice may end inside a key: the rest of that key's cases.
            let (key, case): (String, String) = (last.get(0)?, last.get(1)?);
            let mut values: Vec<Value> = scoped.clone();
            values.extend(args![&key, &case]);
            let n = values.len();
            rows.extend(
                db.rows(
                    &format!(
                        "SELECT k.key, k.case_id {from}
                         WHERE k.key = ?{} AND k.case_id > ?{n} AND c.anonymised_at IS NULL
                             AND {in_reach}
                         ORDER BY k.key, k.case_id",
                        n - 1
                    ),
                    &values,
                )
                .await?,
            );
        }
        for r in &rows {
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
        match (&current, more) {
            (Some(key), true) => from_key = key.clone(),
            _ => break,
        }
        slice = (slice * 2).min(LARGEST_SLICE);
    }
    finish(&mut members, &mut pairs)?;
    Ok(PairSlice {
        pairs,
        last_key: None,
    })
}

/// Pairs written per statement: a scan records tens of thousands, and on PostgreSQL each
/// statement is a round trip (4 values a pair, well under either engine's bound).
const PAIRS_PER_STATEMENT: usize = 500;

/// Records a scan that started from `started_after`, unless another scan (at another instance,
/// or a "scan now" meanwhile) recorded since from the same point: then this one's slice was
/// done already, and nothing is written (answers `false`).
pub(crate) async fn record_scan<D: Db>(
    db: &D,
    started_after: Option<&str>,
    found: &[QueuedPair],
    unlikely: &[(CaseId, CaseId)],
    summary: &ScanSummary,
) -> Result<bool> {
    let current: Option<Option<String>> = db
        .opt("SELECT resume_after FROM duplicate_scans WHERE id = 1", &[])
        .await?
        .map(|r| r.get(0))
        .transpose()?;
    if current.is_some_and(|point| point.as_deref() != started_after) {
        return Ok(false);
    }
    for chunk in unlikely.chunks(PAIRS_PER_STATEMENT) {
        let mut values = Vec::with_capacity(chunk.len() * 2);
        let rows: Vec<String> = chunk
            .iter()
            .map(|(a, b)| {
                let (first, second) = ordered(*a, *b);
                values.extend([Value::from(first), Value::from(second)]);
                format!("(?{}, ?{})", values.len() - 1, values.len())
            })
            .collect();
        db.exec(
            &format!(
                "DELETE FROM duplicate_queue WHERE (first_id, second_id) IN (VALUES {})",
                rows.join(", ")
            ),
            &values,
        )
        .await?;
    }
    for chunk in found.chunks(PAIRS_PER_STATEMENT) {
        let mut values: Vec<Value> = vec![summary.scanned_at.into()];
        let rows: Vec<String> = chunk
            .iter()
            .map(|p| {
                let (first, second) = ordered(p.first, p.second);
                values.extend([Value::from(first), Value::from(second), p.score.into()]);
                let n = values.len();
                // PostgreSQL takes a VALUES list's bare parameters for text.
                format!("(?{}, ?{}, CAST(?{} AS DOUBLE PRECISION))", n - 2, n - 1, n)
            })
            .collect();
        // PostgreSQL names a VALUES list's columns column1, column2, … as SQLite does.
        db.exec(
            &format!(
                "INSERT INTO duplicate_queue (first_id, second_id, score, found_at)
                 SELECT v.column1, v.column2, v.column3, ?1 FROM (VALUES {}) AS v
                 WHERE EXISTS (SELECT 1 FROM cases WHERE id = v.column1)
                   AND EXISTS (SELECT 1 FROM cases WHERE id = v.column2)
                   AND NOT EXISTS (SELECT 1 FROM case_distinct_pairs d
                                   WHERE d.first_id = v.column1 AND d.second_id = v.column2)
                 ON CONFLICT (first_id, second_id) DO UPDATE SET score = excluded.score,
                     found_at = excluded.found_at",
                rows.join(", ")
            ),
            &values,
        )
        .await?;
    }
    db.exec(
        "INSERT INTO duplicate_scans (id, scanned_at, compared, found, resume_after)
         VALUES (1, ?1, ?2, ?3, ?4)
         ON CONFLICT (id) DO UPDATE SET scanned_at = ?1, compared = ?2, found = ?3,
             resume_after = ?4",
        &args![
            summary.scanned_at,
            summary.compared,
            summary.found,
            &summary.resume_after
        ],
    )
    .await?;
    Ok(true)
}

pub(crate) async fn queue<D: Db>(
    db: &D,
    scope: CaseListScope,
    limit: usize,
) -> Result<(Vec<QueuedPair>, Option<ScanSummary>)> {
    let mut values = Vec::new();
    let a_in = in_scope("ca", scope, &mut values);
    let b_in = in_scope("cb", scope, &mut values);
    values.push(limit.min(10_000).into());
    let pairs = db
        .rows(
            &format!(
                "SELECT q.first_id, q.second_id, q.score FROM duplicate_queue q
                 JOIN cases ca ON ca.id = q.first_id JOIN cases cb ON cb.id = q.second_id
                 WHERE {a_in} AND {b_in}
                 ORDER BY q.score DESC, ca.case_number, cb.case_number LIMIT ?{}",
                values.len()
            ),
            &values,
        )
        .await?
        .iter()
        .map(|r| {
            Ok(QueuedPair {
                first: case_id(0, r.text(0)?)?,
                second: case_id(1, r.text(1)?)?,
                score: r.get(2)?,
            })
        })
        .collect::<Result<_>>()?;
    let summary = db
        .opt(
            "SELECT scanned_at, compared, found, resume_after FROM duplicate_scans WHERE id = 1",
            &[],
        )
        .await?
        .map(|r| -> Result<ScanSummary> {
            Ok(ScanSummary {
                scanned_at: r.get(0)?,
                compared: r.get::<i64>(1)?.max(0) as u64,
                found: r.get::<i64>(2)?.max(0) as u64,
                resume_after: r.get(3)?,
            })
        })
        .transpose()?;
    Ok((pairs, summary))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::sql::now;
    use crate::sqlite::{Lite, migrated_in_memory};

    /// Read in slices of one row (each ending inside a key) or all at once, the pairs and where
    /// a scan stops are the same.
    #[test]
    fn slices_give_what_one_read_gives() {
        let c = migrated_in_memory().unwrap();
        c.execute_batch(
            "INSERT INTO offices (id, code, name, created_at) VALUES ('o', 'DKR', 'Dakar', 0);",
        )
        .unwrap();
        let keys: [(&str, &[u32]); 5] = [
            ("a", &[1, 2, 3, 4, 5]),
            ("b", &[2, 6, 7]),
            ("c", &[8]),
            ("d", &[1, 2, 9, 10]),
            ("e", &[12, 13]),
        ];
        for n in 1..=13_u32 {
            let id = format!("00000000-0000-4000-8000-{n:012}");
            c.execute(
                "INSERT INTO cases (id, case_number, office_id, given_name, family_name,
                     family_name_folded, sex, nationality, return_date, returned_from,
                     return_type, return_country, return_province, return_province_folded,
                     restricted_flag, restricted, stage, version, created_at, updated_at,
                     anonymised_at)
                 VALUES (?1, ?2, 'o', 'A', 'B', 'b', 'female', 'SN', '2026-01-01', 'LY',
                     'forced', 'SN', 'Dakar', 'dakar', 0, 0, 'intake', 1, 0, 0, ?3)",
                rusqlite::params![id, format!("DKR-2026-{n:05}"), (n == 13).then_some(0)],
            )
            .unwrap();
            for (key, members) in keys {
                if members.contains(&n) {
                    c.execute(
                        "INSERT INTO case_match_keys (key, case_id) VALUES (?1, ?2)",
                        [key, &id],
                    )
                    .unwrap();
                }
            }
        }
        let db = Lite(&c);
        let everyone = CaseListScope {
            office: None,
            restricted: RestrictedVisibility::All,
        };
        let read = |after: Option<&str>, limit: usize, first: usize| {
            now(sharing_keys_sliced(&db, everyone, after, limit, first)).unwrap()
        };
        for after in [None, Some("a"), Some("b"), Some("c"), Some("e")] {
            for limit in [1, 2, 3, 10, 11, 12, 100] {
                let whole = read(after, limit, 1_000);
                assert_eq!(
                    read(after, limit, 1),
                    whole,
                    "after {after:?}, limit {limit}"
                );
                assert_eq!(
                    read(after, limit, 2),
                    whole,
                    "after {after:?}, limit {limit}"
                );
            }
        }
        // 10 pairs under a, 3 under b, 6 under d of which (1, 2) is a's too; none under e (the
        // anonymised case is left out).
        let all = read(None, 100, 1);
        assert_eq!((all.pairs.len(), all.last_key), (18, None));
        let first = read(None, 10, 1);
        assert_eq!(
            (first.pairs.len(), first.last_key.as_deref()),
            (10, Some("a"))
        );
    }
}
