//! The survey tallies ([`domain::me::tallies`]) in the database: kept in step by the writes that
//! move them, built from the records when missing, checked against a recount, and read to
//! answer an indicator of surveys without reading its surveys.
//!
//! A write that changes what a returnee counts as (a scored survey, a profile, a referral that
//! goes ahead, a project's participants, a merge) calls [`Before::read`] for its cases first
//! and [`Before::settle`] after, in its transaction: the cells the returnees count in after the
//! change are added, those from before taken away.

use std::collections::{BTreeMap, BTreeSet};

use domain::me::tallies::{Cell, Returnee, SurveyFact, TallyPlan, cells};
use domain::me::{Axis, Frequency, Period, Tally};

use super::me::batches::next_cases;
use super::me::query::assistance_kinds;
use crate::Result;
use crate::model::{Counted, TallyAnswer, TallyDifference, TallyQuery, TallyRow};
use crate::sql::{Db, Value, args};

/// Cells held in memory while building before they are written.
const HELD_CELLS: usize = 200_000;

/// Rows written per statement when adjusting counts (nine values each).
const ROWS_PER_STATEMENT: usize = 400;

/// The setting that records which build of the tallies the database holds.
pub(crate) const BUILT_SETTING: &str = "survey_tallies_built";
/// Raised when what a cell means changes, so that databases build them again.
const BUILD: &str = "1";

/// Which cases to read: a few by id, or every case of a range of ids.
enum Which<'a> {
    Ids(&'a [String]),
    Range(&'a str, &'a str),
}

impl Which<'_> {
    /// The condition on `column`, with its parameters.
    fn on(&self, column: &str) -> (String, Vec<Value>) {
        match self {
            Which::Ids(ids) => (
                format!(
                    "{column} IN ({})",
                    (1..=ids.len())
                        .map(|i| format!("?{i}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                ids.iter().map(Value::from).collect(),
            ),
            Which::Range(first, last) => (
                format!("{column} BETWEEN ?1 AND ?2"),
                args![*first, *last].to_vec(),
            ),
        }
    }
}

/// What the tallies need of the cases chosen, by case id.
async fn facts<D: Db>(db: &D, which: &Which<'_>) -> Result<BTreeMap<String, Returnee>> {
    let mut out: BTreeMap<String, Returnee> = BTreeMap::new();
    let (on, params) = which.on("c.id");
    for r in db
        .rows(
            &format!(
                "SELECT c.id, c.office_id, c.sex, c.age_at_return, c.return_province,
                     c.return_country, c.returned_from, c.return_type, c.absence_months,
                     c.community_is_origin, c.return_date
                 FROM cases c WHERE {on}"
            ),
            &params,
        )
        .await?
    {
        out.insert(
            r.get(0)?,
            Returnee {
                office: r.get(1)?,
                sex: r.get(2)?,
                age: r.get(3)?,
                province: r.get(4)?,
                return_country: r.get(5)?,
                host_country: r.get(6)?,
                return_type: r.get(7)?,
                absence_months: r.get(8)?,
                same_community: r.get::<Option<i64>>(9)?.map(|v| v != 0),
                return_date: r.get(10)?,
                ..Default::default()
            },
        );
    }
    if out.is_empty() {
        return Ok(out);
    }
    let (on, params) = which.on("v.case_id");
    for r in db
        .rows(
            &format!("SELECT DISTINCT v.case_id FROM case_vulnerabilities v WHERE {on}"),
            &params,
        )
        .await?
    {
        if let Some(f) = out.get_mut(r.text(0)?) {
            f.vulnerable = true;
        }
    }
    let (on_referrals, params) = which.on("r.case_id");
    let on_projects = which.on("dc.case_id").0;
    for r in db
        .rows(&assistance_kinds(&on_referrals, &on_projects), &params)
        .await?
    {
        if let Some(f) = out.get_mut(r.text(0)?) {
            f.assistance.insert(r.get(1)?);
        }
    }
    let (on, params) = which.on("s.case_id");
    for r in db
        .rows(
            &format!(
                "SELECT s.case_id, s.interview_date, s.round, s.composite
                 FROM rss_scores s WHERE {on}"
            ),
            &params,
        )
        .await?
    {
        if let Some(f) = out.get_mut(r.text(0)?) {
            f.surveys.push(SurveyFact {
                date: r.get(1)?,
                round: r.get(2)?,
                composite: r.get(3)?,
            });
        }
    }
    Ok(out)
}

/// The counts the returnees chosen add to each cell.
async fn counts_of<D: Db>(db: &D, which: &Which<'_>) -> Result<BTreeMap<Cell, i64>> {
    let mut out = BTreeMap::new();
    for f in facts(db, which).await?.values() {
        for cell in cells(f) {
            *out.entry(cell).or_insert(0) += 1;
        }
    }
    Ok(out)
}

/// The counts of cases chosen by id, a few hundred at a time.
async fn counts_of_ids<D: Db>(db: &D, cases: &[String]) -> Result<BTreeMap<Cell, i64>> {
    let mut out = BTreeMap::new();
    for chunk in cases.chunks(500) {
        for (cell, n) in counts_of(db, &Which::Ids(chunk)).await? {
            *out.entry(cell).or_insert(0) += n;
        }
    }
    Ok(out)
}

/// The columns of a cell, in the order [`adjust`] writes them.
const CELL_COLUMNS: &str = "frequency, period, axis, office_id, country, known, grp, bucket";

/// Where a change goes: added to the kept counts (building them), or written down as a change
/// to fold in later (every other write: see `0041_survey_tally_changes.sql`).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Written {
    Counts,
    Changes,
}

/// Adds `by` to each cell's count.
async fn adjust<D: Db>(db: &D, by: &BTreeMap<Cell, i64>, into: Written) -> Result<()> {
    let changed: Vec<(&Cell, &i64)> = by.iter().filter(|(_, n)| **n != 0).collect();
    for chunk in changed.chunks(ROWS_PER_STATEMENT) {
        let mut params = Vec::with_capacity(chunk.len() * 9);
        let rows: Vec<String> = chunk
            .iter()
            .enumerate()
            .map(|(i, (cell, n))| {
                params.extend([
                    Value::from(cell.frequency.as_str()),
                    Value::from(cell.period.as_str()),
                    Value::from(cell.axis.as_str()),
                    Value::from(cell.office.as_str()),
                    Value::from(cell.country.as_str()),
                    Value::Int(i64::from(cell.group.is_some())),
                    Value::from(cell.group.as_deref().unwrap_or("")),
                    Value::Int(i64::from(cell.bucket)),
                    Value::Int(**n),
                ]);
                let b = i * 9;
                format!(
                    "(?{}, ?{}, ?{}, ?{}, ?{}, ?{}, ?{}, ?{}, ?{})",
                    b + 1,
                    b + 2,
                    b + 3,
                    b + 4,
                    b + 5,
                    b + 6,
                    b + 7,
                    b + 8,
                    b + 9
                )
            })
            .collect();
        let sql = match into {
            Written::Counts => format!(
                "INSERT INTO survey_tallies ({CELL_COLUMNS}, returnees) VALUES {}
                 ON CONFLICT (frequency, axis, period, office_id, country, known, grp, bucket)
                 DO UPDATE SET returnees = survey_tallies.returnees + excluded.returnees",
                rows.join(", ")
            ),
            Written::Changes => format!(
                "INSERT INTO survey_tally_changes ({CELL_COLUMNS}, returnees) VALUES {}",
                rows.join(", ")
            ),
        };
        db.exec(&sql, &params).await?;
    }
    Ok(())
}

/// The tallies' side of a change to some cases: what they counted as before it.
pub(crate) struct Before {
    cases: Vec<String>,
    counts: BTreeMap<Cell, i64>,
}

impl Before {
    /// Reads what `cases` count as, before the change (in its transaction).
    pub(crate) async fn read<D: Db>(db: &D, cases: &[String]) -> Result<Before> {
        let cases: Vec<String> = cases
            .iter()
            .cloned()
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let counts = counts_of_ids(db, &cases).await?;
        Ok(Before { cases, counts })
    }

    /// After the change: moves the tallies by what the cases count as now, less what they
    /// counted as before.
    pub(crate) async fn settle<D: Db>(self, db: &D) -> Result<()> {
        let mut by = counts_of_ids(db, &self.cases).await?;
        for (cell, n) in self.counts {
            *by.entry(cell).or_insert(0) -= n;
        }
        adjust(db, &by, Written::Changes).await
    }
}

/// The first and last ids of the next batch of cases after `after` ("" before the first).
async fn next_batch<D: Db>(db: &D, after: &str) -> Result<Option<(String, String)>> {
    let batch = next_cases(db, "c.id", after).await?;
    Ok(match (batch.first(), batch.last()) {
        (Some(first), Some(last)) => Some((first.get(0)?, last.get(0)?)),
        _ => None,
    })
}

/// Every returnee's counts of one frequency, added up.
async fn recount<D: Db>(db: &D, frequency: Frequency) -> Result<BTreeMap<Cell, i64>> {
    let mut total: BTreeMap<Cell, i64> = BTreeMap::new();
    let mut after = String::new();
    while let Some(batch) = next_batch(db, &after).await? {
        for (cell, n) in counts_of(db, &Which::Range(&batch.0, &batch.1)).await? {
            if cell.frequency == frequency {
                *total.entry(cell).or_insert(0) += n;
            }
        }
        after = batch.1;
    }
    Ok(total)
}

/// Builds the tallies from the records when the database does not hold this build of them
/// (after the migration that adds them, or a change of what a cell means). Run in one
/// transaction at start-up; answers whether it built them.
pub(crate) async fn build_if_needed<D: Db>(db: &D) -> Result<bool> {
    if super::programme::setting(db, BUILT_SETTING)
        .await?
        .as_deref()
        == Some(BUILD)
    {
        return Ok(false);
    }
    build(db).await?;
    Ok(true)
}

/// Builds the tallies again from the records, in the caller's transaction.
pub(crate) async fn build<D: Db>(db: &D) -> Result<()> {
    db.exec("DELETE FROM survey_tallies", &[]).await?;
    db.exec("DELETE FROM survey_tally_changes", &[]).await?;
    // Counts are added up in memory and written when they grow large: the writes add to what
    // is there, so writing early changes nothing but the memory held.
    let mut total: BTreeMap<Cell, i64> = BTreeMap::new();
    let mut after = String::new();
    while let Some(batch) = next_batch(db, &after).await? {
        for (cell, n) in counts_of(db, &Which::Range(&batch.0, &batch.1)).await? {
            *total.entry(cell).or_insert(0) += n;
        }
        if total.len() > HELD_CELLS {
            adjust(db, &std::mem::take(&mut total), Written::Counts).await?;
        }
        after = batch.1;
    }
    adjust(db, &total, Written::Counts).await?;
    db.exec(
        "INSERT INTO programme_settings (key, value, updated_at, updated_by)
         VALUES (?1, ?2, ?3, NULL)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
        &args![BUILT_SETTING, BUILD, time::OffsetDateTime::now_utc()],
    )
    .await?;
    Ok(())
}

/// Folds the changes written since into the kept counts, in the caller's transaction; answers
/// how many changes were folded. (Figures add both up, so folding changes none of them.)
pub(crate) async fn fold<D: Db>(db: &D) -> Result<u64> {
    // SQLite reads `ON CONFLICT` after a SELECT only when the SELECT has a WHERE.
    db.exec(
        &format!(
            "INSERT INTO survey_tallies ({CELL_COLUMNS}, returnees)
             SELECT {CELL_COLUMNS}, SUM(returnees) FROM survey_tally_changes WHERE 1 = 1
             GROUP BY {CELL_COLUMNS}
             ON CONFLICT (frequency, axis, period, office_id, country, known, grp, bucket)
             DO UPDATE SET returnees = survey_tallies.returnees + excluded.returnees"
        ),
        &[],
    )
    .await?;
    db.exec("DELETE FROM survey_tally_changes", &[]).await
}

/// The kept counts and the changes not yet folded, added up, as a table named `t` with the
/// cells' columns and `returnees`, restricted by `filter` (on those columns).
fn counted(filter: &str) -> String {
    format!(
        "(SELECT {CELL_COLUMNS}, returnees FROM survey_tallies WHERE {filter}
          UNION ALL
          SELECT {CELL_COLUMNS}, returnees FROM survey_tally_changes WHERE {filter}) AS t"
    )
}

/// Recounts the tallies from the records and lists the cells whose counts differ (none when
/// they are in step), one frequency at a time (a frequency's cells are held in memory).
pub(crate) async fn verify<D: Db>(db: &D) -> Result<Vec<TallyDifference>> {
    let mut out = Vec::new();
    for frequency in Frequency::ALL.iter().copied() {
        let recounted = recount(db, frequency).await?;
        let mut kept: BTreeMap<Cell, i64> = BTreeMap::new();
        for r in db
            .rows(
                &format!(
                    "SELECT period, axis, office_id, country, known, grp, bucket,
                         CAST(SUM(returnees) AS BIGINT)
                     FROM {} GROUP BY period, axis, office_id, country, known, grp, bucket",
                    counted("frequency = ?1")
                ),
                &args![frequency.as_str()],
            )
            .await?
        {
            let known: i64 = r.get(4)?;
            let grp: String = r.get(5)?;
            let n: i64 = r.get(7)?;
            if n == 0 {
                continue;
            }
            kept.insert(
                Cell {
                    frequency,
                    period: r.get(0)?,
                    axis: r.get(1)?,
                    office: r.get(2)?,
                    country: r.get(3)?,
                    group: (known != 0).then_some(grp),
                    bucket: i16::try_from(r.get::<i64>(6)?).unwrap_or(i16::MIN),
                },
                n,
            );
        }
        let cells: BTreeSet<&Cell> = kept.keys().chain(recounted.keys()).collect();
        for cell in cells {
            let (k, n) = (
                kept.get(cell).copied().unwrap_or(0),
                recounted.get(cell).copied().unwrap_or(0),
            );
            if k != n {
                out.push(TallyDifference {
                    cell: cell.clone(),
                    kept: k,
                    recounted: n,
                });
            }
        }
    }
    Ok(out)
}

/// An indicator's figures as far as the tallies give them.
pub(crate) enum FromTallies {
    /// The figures, but for the periods to count from the surveys: the first or last period
    /// when the programme's dates cut it and surveys fall in the part cut off.
    Figures {
        rows: Vec<TallyRow>,
        recount: Vec<TallyQuery>,
    },
    /// The tallies cannot give them, and why.
    No(String),
}

/// Whether any survey falls on a day from `from` to `to`.
async fn surveys_between<D: Db>(db: &D, from: time::Date, to: time::Date) -> Result<bool> {
    Ok(db
        .opt(
            "SELECT 1 FROM rss_scores WHERE interview_date >= ?1 AND interview_date <= ?2 LIMIT 1",
            &args![from.to_string(), to.to_string()],
        )
        .await?
        .is_some())
}

/// Reads an indicator's figures from the tallies, if they can give them.
pub(crate) async fn figures<D: Db>(db: &D, q: &TallyQuery) -> Result<FromTallies> {
    let plan = match TallyPlan::for_indicator(&q.computation, q.axis) {
        Ok(p) => p,
        Err(why) => return Ok(FromTallies::No(why)),
    };
    let frequency = q.computation.frequency;
    let periods = Period::between(frequency, q.from, q.to);
    let (Some(first), Some(last)) = (periods.first().copied(), periods.last().copied()) else {
        return Ok(FromTallies::Figures {
            rows: Vec::new(),
            recount: Vec::new(),
        });
    };
    let mut params: Vec<Value> = args![
        frequency.as_str(),
        plan.carrier.as_str(),
        first.label(),
        last.label()
    ]
    .to_vec();
    let mut filters = Vec::new();
    let mark = |params: &mut Vec<Value>, v: Value| {
        params.push(v);
        format!("?{}", params.len())
    };
    if let Some(o) = q.office {
        filters.push(format!(
            "office_id = {}",
            mark(&mut params, o.to_string().into())
        ));
    }
    if let Some(offices) = &q.offices {
        if offices.is_empty() {
            return Ok(FromTallies::Figures {
                rows: Vec::new(),
                recount: Vec::new(),
            });
        }
        let marks: Vec<String> = offices
            .iter()
            .map(|o| mark(&mut params, o.to_string().into()))
            .collect();
        filters.push(format!("office_id IN ({})", marks.join(", ")));
    }
    if !q.countries.is_empty() {
        let marks: Vec<String> = q
            .countries
            .iter()
            .map(|c| mark(&mut params, c.trim().to_ascii_lowercase().into()))
            .collect();
        filters.push(format!("country IN ({})", marks.join(", ")));
    }
    let filter = std::iter::once(
        "frequency = ?1 AND axis = ?2 AND period >= ?3 AND period <= ?4".to_string(),
    )
    .chain(filters)
    .collect::<Vec<_>>()
    .join(" AND ");
    let sql = format!(
        "SELECT period, known, grp, bucket, CAST(SUM(returnees) AS BIGINT) FROM {}
         GROUP BY period, known, grp, bucket",
        counted(&filter)
    );
    let mut cells: BTreeMap<(String, Option<String>), Tally> = BTreeMap::new();
    for r in db.rows(&sql, &params).await? {
        let known: i64 = r.get(1)?;
        let grp: String = r.get(2)?;
        let group = (known != 0).then_some(grp);
        let bucket = i16::try_from(r.get::<i64>(3)?).unwrap_or(i16::MIN);
        let n = u64::try_from(r.get::<i64>(4)?).unwrap_or(0);
        let (pop, num) = plan.counts(group.as_deref(), bucket);
        if !pop || n == 0 {
            continue;
        }
        let shown = if !plan.grouped {
            None
        } else if q.axis == Some(Axis::AgeBand) {
            q.age_bands.band(
                group
                    .and_then(|a| a.parse::<i64>().ok())
                    .map(|a| u16::try_from(a.max(0)).unwrap_or(u16::MAX)),
            )
        } else {
            group
        };
        let t = cells.entry((r.get(0)?, shown)).or_default();
        t.population += n;
        if num {
            t.numerator += n;
        }
    }
    // The first and last periods are counted from the surveys when the programme's dates cut
    // them and some survey falls in the part left out.
    let cut_before = q.from > first.start
        && surveys_between(db, first.start, q.from.previous_day().unwrap_or(q.from)).await?;
    let cut_after = q.to < last.end()
        && surveys_between(db, q.to.next_day().unwrap_or(q.to), last.end()).await?;
    let mut cut = Vec::new();
    if cut_before {
        cut.push(first);
    }
    if cut_after && !(cut_before && first == last) {
        cut.push(last);
    }
    let mut recount = Vec::new();
    for period in cut {
        let mut narrowed = q.clone();
        narrowed.from = period.start.max(q.from);
        narrowed.to = period.end().min(q.to);
        cells.retain(|(p, _), _| *p != period.label());
        recount.push(narrowed);
    }
    Ok(FromTallies::Figures {
        rows: cells
            .into_iter()
            .map(|((period, group), tally)| TallyRow {
                period,
                group,
                tally,
            })
            .collect(),
        recount,
    })
}

/// The figures read from the tallies, with the periods recounted from the records put in
/// their place.
pub(crate) fn answer(
    mut rows: Vec<TallyRow>,
    recounted: &[TallyQuery],
    again: Vec<TallyRow>,
) -> TallyAnswer {
    rows.extend(again);
    rows.sort_by(|a, b| (&a.period, &a.group).cmp(&(&b.period, &b.group)));
    let periods: Vec<String> = recounted
        .iter()
        .map(|q| Period::containing(q.computation.frequency, q.from).label())
        .collect();
    TallyAnswer {
        rows,
        counted: if periods.is_empty() {
            Counted::Tallies
        } else {
            Counted::TalliesAndRecords { periods }
        },
    }
}
