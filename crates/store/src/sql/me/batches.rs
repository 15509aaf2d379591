//! PostgreSQL's reads of facts per case over every case (the question means, the follow-up
//! facts, "what works"), a batch of cases at a time: a statement's answer is held whole until
//! it is read, so batches keep memory to one batch's worth whatever the number of cases.
//!
//! A batch is the next cases in case order, read over the primary key with no other condition:
//! PostgreSQL plans a prepared statement once for any values, and given conditions whose
//! selectivity it cannot know (an office or none) it may prefer reading every case and sorting
//! them to walking the key, which would cost the whole table at each batch. The caller keeps
//! the cases it wants, then reads their facts over the range of ids they span, each table over
//! its index that starts with the case id, and leaves out the rows of cases it did not keep.

use crate::Result;
use crate::sql::{Db, Row, args};

/// Cases read at a time (a handful in tests, so that the tests cross batches).
const BATCH: usize = if cfg!(test) { 7 } else { 5_000 };

/// The next batch of cases after the case id `after` ("" before the first): their `columns` (of
/// `cases c`, the id first), in case order; empty after the last.
pub(crate) async fn next_cases<D: Db>(db: &D, columns: &str, after: &str) -> Result<Vec<Row>> {
    db.rows(
        &format!("SELECT {columns} FROM cases c WHERE c.id > ?1 ORDER BY c.id LIMIT {BATCH}"),
        &args![after],
    )
    .await
}

/// The cases kept from a batch, by id (in case order), with the range of ids they span.
pub(super) struct Kept<'b> {
    pub(super) ids: Vec<&'b str>,
    pub(super) rows: Vec<&'b Row>,
}

impl<'b> Kept<'b> {
    /// The rows of `batch` that `keep` keeps.
    pub(super) fn from(batch: &'b [Row], keep: impl Fn(&Row) -> Result<bool>) -> Result<Self> {
        let (mut ids, mut rows) = (Vec::new(), Vec::new());
        for r in batch {
            if keep(r)? {
                ids.push(r.text(0)?);
                rows.push(r);
            }
        }
        Ok(Kept { ids, rows })
    }

    /// The first and last ids, the range the facts are read over; `None` when none was kept.
    pub(super) fn range(&self) -> Option<[crate::sql::Value; 2]> {
        Some(args![*self.ids.first()?, *self.ids.last()?])
    }

    /// Where a case is among those kept.
    pub(super) fn at(&self, id: &str) -> Option<usize> {
        self.ids.binary_search(&id).ok()
    }
}

/// Whether a case (its office id in column `col`) is in `office`, or `office` is every office.
pub(super) fn in_office(r: &Row, col: usize, office: Option<&str>) -> bool {
    office.is_none_or(|o| r.text(col).is_ok_and(|c| c == o))
}
