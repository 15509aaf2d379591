//! What "what works" reads about each returnee with a scored survey, on SQLite: the profile,
//! the scored surveys and the kinds of assistance received. Each table is read in one pass in
//! case order and merged, so a returnee's facts are put together without a lookup per case.
//! (PostgreSQL's form, a batch of cases at a time: `crate::sql::me::outcomes`.)

use std::collections::BTreeSet;

use domain::me::outcomes::{ASSISTANCE_KINDS, ReturneeFacts, SurveyFacts};
use domain::rss::Round;
use rusqlite::Connection;

use crate::sql::me::query::assistance;
use crate::sqlite::SqliteStore;
use crate::sqlite::cases::date_col;
use crate::sqlite::parse_named;
use crate::{Result, StoreError};

/// Cases handed from the reading thread to the merge at once.
const BATCH: usize = 2048;

/// Each kind of assistance counted is a bit of [`Gathered::assistance`], its place in
/// [`ASSISTANCE_KINDS`].
fn kind_bit(kind: &str) -> u8 {
    ASSISTANCE_KINDS
        .iter()
        .position(|k| *k == kind)
        .map_or(0, |i| 1 << i)
}

/// What the reading thread gathers about one case with a survey of the rounds read. Nothing in
/// it is allocated per case: the two threads would queue on the allocator, one allocating what
/// the other frees.
struct Gathered {
    case: uuid::Uuid,
    /// Its surveys: this many, following the previous case's in [`Batch::surveys`].
    surveys: usize,
    vulnerable: bool,
    assistance: u8,
}

#[derive(Default)]
struct Batch {
    cases: Vec<Gathered>,
    surveys: Vec<SurveyFacts>,
}

/// A case id as stored (UUID text, lower case), as a number that sorts in the same order.
fn case_key(text: &str) -> Result<uuid::Uuid> {
    uuid::Uuid::parse_str(text).map_err(|e| StoreError::Database(e.to_string()))
}

impl SqliteStore {
    /// What "what works" reads, as [`visit_outcome_facts`] gives it: a long read, on a blocking
    /// thread, which reads with a second connection of its own.
    pub(crate) async fn merged_outcome_facts(
        &self,
        office: Option<domain::OfficeId>,
        rounds: &[Round],
        mut visit: Box<dyn FnMut(ReturneeFacts) + Send>,
    ) -> Result<()> {
        let (readers, rounds) = (self.readers.clone(), rounds.to_vec());
        tokio::task::spawn_blocking(move || {
            visit_outcome_facts(&readers, office, &rounds, &mut visit)
        })
        .await
        .map_err(|e| StoreError::Database(e.to_string()))?
    }
}

/// Reads the cases, their surveys, vulnerabilities and assistance as scans in case order, each
/// over an index that covers it, and puts each returnee's facts together as the scans pass them:
/// a merge, never a lookup per case, and one returnee in memory at a time. Two threads share the
/// work, each with its connection: a second one reads the surveys (only those of `rounds`) with
/// the vulnerabilities and assistance of their cases, while this one reads the cases and runs
/// `visit`.
fn visit_outcome_facts(
    readers: &r2d2::Pool<r2d2_sqlite::SqliteConnectionManager>,
    office: Option<domain::OfficeId>,
    rounds: &[Round],
    visit: &mut dyn FnMut(ReturneeFacts),
) -> Result<()> {
    let c = readers.get()?;
    let gathering_on = readers.get()?;
    let rounds: Vec<&'static str> = rounds.iter().map(|r| r.as_str()).collect();
    let (send, receive) = std::sync::mpsc::sync_channel::<Batch>(4);
    std::thread::scope(|scope| {
        let gatherer = scope.spawn(move || gather(&gathering_on, &rounds, &send));
        let merged = merge(&c, office, receive, visit);
        // The gatherer stops at its next batch once the merge has dropped the receiver.
        let gathered = gatherer
            .join()
            .map_err(|_| StoreError::Database("the survey reader failed".into()))?;
        merged.and(gathered)
    })
}

/// Every case with a survey of `rounds`, in case order, with those surveys, whether the case
/// has a vulnerability and the assistance it received; sent in batches.
fn gather(
    c: &Connection,
    rounds: &[&str],
    send: &std::sync::mpsc::SyncSender<Batch>,
) -> Result<()> {
    let mut surveys = c.prepare(
        "SELECT case_id, round, interview_date, economic, social, psychosocial, composite,
             low_accuracy
         FROM rss_scores INDEXED BY rss_scores_by_case
         WHERE round IN (SELECT value FROM json_each(?1))
         ORDER BY case_id, interview_date",
    )?;
    let rounds = serde_json::to_string(rounds).map_err(|e| StoreError::Database(e.to_string()))?;
    let mut rows = surveys.query([rounds])?;
    let mut vulnerable =
        c.prepare("SELECT DISTINCT case_id, 1 FROM case_vulnerabilities ORDER BY case_id")?;
    let mut vulnerable = Merge::new(vulnerable.query([])?, |_| Ok(()))?;
    let mut planned = c.prepare(PLAN_ITEMS)?;
    let mut planned = Merge::new(planned.query([])?, plan_item)?;
    let mut other = c.prepare(&other_assistance_sql())?;
    let mut other = Merge::new(other.query([])?, |r| Ok(kind_bit(r.get_ref(1)?.as_str()?)))?;
    let mut batch = Batch::default();
    let mut id = String::new();
    // Completes the last case of the batch with what the other scans hold for it.
    let mut complete = |batch: &mut Batch, id: &str| -> Result<()> {
        if let Some(g) = batch.cases.last_mut() {
            g.vulnerable = vulnerable.take(id, |_| ())?;
            planned.take(id, |kinds| {
                kinds.iter().for_each(|k| g.assistance |= kind_bit(k))
            })?;
            other.take(id, |bit| g.assistance |= bit)?;
        }
        Ok(())
    };
    while let Some(r) = rows.next()? {
        let case = r.get_ref(0)?.as_str().map_err(rusqlite::Error::from)?;
        batch.surveys.push(SurveyFacts {
            round: parse_named(
                1,
                r.get_ref(1)?.as_str().map_err(rusqlite::Error::from)?,
                domain::rss::Round::parse,
            )?,
            date: date_col(2, r.get_ref(2)?.as_str().map_err(rusqlite::Error::from)?)?,
            economic: r.get(3)?,
            social: r.get(4)?,
            psychosocial: r.get(5)?,
            composite: r.get(6)?,
            low_accuracy: r.get(7)?,
        });
        if case == id {
            if let Some(g) = batch.cases.last_mut() {
                g.surveys += 1;
            }
            continue;
        }
        complete(&mut batch, &id)?;
        if batch.cases.len() == BATCH {
            let survey = batch.surveys.pop();
            if send.send(std::mem::take(&mut batch)).is_err() {
                return Ok(()); // the merge stopped: nothing more is wanted
            }
            batch.surveys.extend(survey);
        }
        id.clear();
        id.push_str(case);
        batch.cases.push(Gathered {
            case: case_key(case)?,
            surveys: 1,
            vulnerable: false,
            assistance: 0,
        });
    }
    complete(&mut batch, &id)?;
    let _ = send.send(batch);
    Ok(())
}

/// The merge: cases in order, each with what the gatherer found for it; a returnee without a
/// survey of the rounds read is passed over.
fn merge(
    c: &Connection,
    office: Option<domain::OfficeId>,
    gathered: std::sync::mpsc::Receiver<Batch>,
    visit: &mut dyn FnMut(ReturneeFacts),
) -> Result<()> {
    let office = office.map(|o| o.to_string());
    let mut cases = c.prepare(
        "SELECT id, sex, age_at_return, return_type, absence_months, return_province
         FROM cases INDEXED BY cases_facts
         WHERE ?1 IS NULL OR office_id = ?1 ORDER BY id",
    )?;
    let mut cases = cases.query([&office])?;
    let mut gathered = Batches {
        batches: gathered,
        batch: Batch::default(),
        at: 0,
        first_survey: 0,
    };
    while let Some(r) = cases.next()? {
        let id = case_key(r.get_ref(0)?.as_str().map_err(rusqlite::Error::from)?)?;
        let Some((g, surveys)) = gathered.take(id) else {
            continue;
        };
        visit(ReturneeFacts {
            sex: parse_named(
                1,
                r.get_ref(1)?.as_str().map_err(rusqlite::Error::from)?,
                domain::case::Sex::parse,
            )?,
            age_at_return: r.get(2)?,
            vulnerable: g.vulnerable,
            return_type: parse_named(
                3,
                r.get_ref(3)?.as_str().map_err(rusqlite::Error::from)?,
                domain::case::ReturnType::parse,
            )?,
            absence_months: r.get(4)?,
            province: r.get(5)?,
            surveys,
            assistance: (0..ASSISTANCE_KINDS.len())
                .filter(|i| g.assistance & (1 << i) != 0)
                .map(|i| ASSISTANCE_KINDS[i].to_string())
                .collect::<BTreeSet<_>>(),
        });
    }
    Ok(())
}

/// What the gatherer sends, read per case in case order.
struct Batches {
    batches: std::sync::mpsc::Receiver<Batch>,
    batch: Batch,
    /// The next case of `batch`, and where its surveys start.
    at: usize,
    first_survey: usize,
}

impl Batches {
    /// What was gathered for case `id` with its surveys, passing over cases before it. Ids
    /// must be asked in increasing order.
    fn take(&mut self, id: uuid::Uuid) -> Option<(&Gathered, Vec<SurveyFacts>)> {
        loop {
            let Some(g) = self.batch.cases.get(self.at) else {
                // The next batch, or none when the gatherer is done.
                self.batch = self.batches.recv().ok()?;
                (self.at, self.first_survey) = (0, 0);
                continue;
            };
            if g.case > id {
                return None;
            }
            let from = self.first_survey;
            self.at += 1;
            self.first_survey += g.surveys;
            if g.case == id {
                let surveys = self.batch.surveys.get(from..from + g.surveys)?.to_vec();
                return Some((&self.batch.cases[self.at - 1], surveys));
            }
        }
    }
}

/// One side of a merge: rows ordered by a case id in their first column, handed out a case at
/// a time as the other side reaches it.
struct Merge<'s, T> {
    rows: rusqlite::Rows<'s>,
    read: fn(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    /// The case id of the row read ahead (its buffer kept from row to row), and its value.
    case: String,
    next: Option<T>,
}

impl<'s, T> Merge<'s, T> {
    fn new(
        rows: rusqlite::Rows<'s>,
        read: fn(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<Merge<'s, T>> {
        let mut m = Merge {
            rows,
            read,
            case: String::new(),
            next: None,
        };
        m.advance()?;
        Ok(m)
    }

    fn advance(&mut self) -> Result<()> {
        self.next = match self.rows.next()? {
            Some(r) => {
                self.case.clear();
                self.case
                    .push_str(r.get_ref(0)?.as_str().map_err(rusqlite::Error::from)?);
                Some((self.read)(r)?)
            }
            None => None,
        };
        Ok(())
    }

    /// Gives `each` the values of case `id`, passing over those of cases before it (cases not
    /// read, such as those of other offices); whether there was any. Ids must be asked in
    /// increasing order.
    fn take(&mut self, id: &str, mut each: impl FnMut(T)) -> Result<bool> {
        let mut any = false;
        while self.next.is_some() {
            match self.case.as_str().cmp(id) {
                std::cmp::Ordering::Less => self.advance()?,
                std::cmp::Ordering::Equal => {
                    if let Some(v) = self.next.take() {
                        each(v);
                        any = true;
                    }
                    self.advance()?;
                }
                std::cmp::Ordering::Greater => break,
            }
        }
        Ok(any)
    }
}

/// Gives `add` each kind of assistance received by the cases of `ids` (sorted), as the case's
/// position in `ids`: read in one pass, matched in memory.
pub(crate) fn assistance_received(
    c: &Connection,
    ids: &[String],
    mut add: impl FnMut(usize, String),
) -> Result<()> {
    let at = |id: &str| ids.binary_search_by(|x| x.as_str().cmp(id)).ok();
    let mut stmt = c.prepare(PLAN_ITEMS)?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        if let Some(i) = at(r.get_ref(0)?.as_str().map_err(rusqlite::Error::from)?) {
            plan_item(r)?
                .into_iter()
                .for_each(|kind| add(i, kind.to_string()));
        }
    }
    let mut stmt = c.prepare(&other_assistance_sql())?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        if let Some(i) = at(r.get_ref(0)?.as_str().map_err(rusqlite::Error::from)?) {
            add(i, r.get(1)?);
        }
    }
    Ok(())
}

/// The items of each case's latest approved plan not cancelled, in case order (kept by the
/// triggers of migration 34).
const PLAN_ITEMS: &str = "SELECT case_id, kind, modality
    FROM approved_plan_items INDEXED BY approved_plan_items_case ORDER BY case_id";

/// What a row of [`PLAN_ITEMS`] counts as.
fn plan_item(r: &rusqlite::Row<'_>) -> rusqlite::Result<Vec<&'static str>> {
    let kind = r.get_ref(1)?.as_str().map_err(rusqlite::Error::from)?;
    let modality = r.get_ref(2)?.as_str_or_null()?;
    Ok(domain::pathway::plan::counted_as(kind, modality))
}

/// The rest of the assistance received, as rows (case_id, kind) in case order: referrals that
/// went ahead, by the service's dimension, and community projects (as the indicators count
/// them).
fn other_assistance_sql() -> String {
    format!(
        "SELECT case_id, kind FROM {} WHERE kind IS NOT NULL ORDER BY case_id",
        assistance()
    )
}
