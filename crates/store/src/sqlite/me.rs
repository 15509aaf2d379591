//! Indicator figures computed where the records are: one grouped query per indicator, built
//! from the indicator's conditions over a fixed list of fields (no text of the indicator reaches
//! the SQL; values are bound parameters). Indicators use standard SQL (`substr`, `CAST`, `CASE`,
//! `EXISTS`) plus `INDEXED BY` to keep their reading order; the dashboards read survey breakdowns
//! with SQLite's JSON functions.

use domain::me::{AgeBands, Axis, FieldKind, Frequency, Op, Source, Tally};
use domain::referral::{ReferralStatus, ReferralStep};
use domain::services::ServiceCategory;
use std::collections::BTreeMap;

use rusqlite::Connection;
use rusqlite::types::Value;

use crate::model::{TallyQuery, TallyRow};
use crate::{Result, StoreError};

const VULNERABLE: &str = "(CASE WHEN EXISTS (SELECT 1 FROM case_vulnerabilities v WHERE v.case_id = c.id) THEN 1 ELSE 0 END)";

/// The tables, the date a record counts on, and what is counted, per source.
fn base(source: Source) -> Option<(&'static str, &'static str, &'static str)> {
    Some(match source {
        Source::Surveys => (
            "rss_scores s JOIN cases c ON c.id = s.case_id",
            "s.interview_date",
            "s.case_id",
        ),
        Source::Cases => ("cases c", "c.return_date", "c.id"),
        Source::Referrals => (
            "referrals r JOIN cases c ON c.id = r.case_id JOIN services sv ON sv.id = r.service_id",
            "r.sent_on",
            "r.id",
        ),
        Source::Participants | Source::Satisfaction | Source::Stakeholders | Source::Trainees => {
            return None;
        }
    })
}

fn dimension_of_category() -> String {
    let mut sql = String::from("(CASE sv.category");
    for c in ServiceCategory::ALL {
        sql.push_str(&format!(
            " WHEN '{}' THEN '{}'",
            c.as_str(),
            c.dimension().as_str()
        ));
    }
    sql.push_str(" END)");
    sql
}

/// The SQL of a field; the names come from `domain::me::Source::fields`.
fn field(source: Source, name: &str) -> Option<String> {
    Some(match (source, name) {
        (
            Source::Surveys,
            "composite" | "economic" | "social" | "psychosocial" | "round" | "low_accuracy",
        ) => {
            format!("s.{name}")
        }
        (Source::Cases, "stage") => "c.stage".into(),
        (Source::Referrals, "status") => "r.status".into(),
        (Source::Referrals, "category") => "sv.category".into(),
        (Source::Referrals, "dimension") => dimension_of_category(),
        (Source::Surveys | Source::Cases, "sex") => "c.sex".into(),
        (Source::Surveys | Source::Cases, "return_type") => "c.return_type".into(),
        (Source::Surveys | Source::Cases, "province") => "c.return_province".into(),
        (Source::Surveys | Source::Cases, "return_country") => "c.return_country".into(),
        (Source::Surveys | Source::Cases, "host_country") => "c.returned_from".into(),
        (Source::Surveys | Source::Cases, "vulnerable") => VULNERABLE.into(),
        (Source::Surveys | Source::Cases, "same_community") => "c.community_is_origin".into(),
        _ => return None,
    })
}

/// The kinds of assistance a returnee has had, one row per case and kind: the dimension of
/// each service they were referred to (referrals that went ahead) and `community` for taking
/// part in a community project. Joined as `a` for the type-of-assistance breakdown; a case with
/// none is grouped under `none`.
fn assistance() -> String {
    format!(
        "(SELECT r.case_id AS case_id, {dimension} AS kind
          FROM referrals r JOIN services sv ON sv.id = r.service_id
          WHERE r.status IN ({went_ahead})
          UNION
          SELECT dc.case_id, 'community' FROM document_cases dc
          JOIN documents d ON d.id = dc.document_id WHERE d.kind = 'project')",
        dimension = dimension_of_category(),
        // Those the provider holds: sent and not declined or called off.
        went_ahead = named_list(
            ReferralStatus::ALL,
            |s| s.is_shared(),
            ReferralStatus::as_str
        ),
    )
}

/// The named values of a `domain` enum that `keep` selects, as an SQL list of literals (the
/// values are the enum's own identifiers, never text typed by anyone).
fn named_list<T: Copy>(all: &[T], keep: fn(T) -> bool, name: fn(T) -> &'static str) -> String {
    all.iter()
        .copied()
        .filter(|v| keep(*v))
        .map(|v| format!("'{}'", name(v)))
        .collect::<Vec<_>>()
        .join(", ")
}

fn period(frequency: Frequency, date: &str) -> String {
    match frequency {
        Frequency::Monthly => format!("substr({date}, 1, 7)"),
        Frequency::Quarterly => format!(
            "(substr({date}, 1, 4) || '-Q' || ((CAST(substr({date}, 6, 2) AS INTEGER) + 2) / 3))"
        ),
        Frequency::Yearly => format!("substr({date}, 1, 4)"),
    }
}

fn age_band_sql(bands: &AgeBands) -> String {
    let mut sql = String::from("(CASE WHEN c.age_at_return IS NULL THEN NULL");
    for lower in bands.lower_bounds.iter().rev() {
        let label = bands.band(Some(*lower)).unwrap_or_default();
        sql.push_str(&format!(" WHEN c.age_at_return >= {lower} THEN '{label}'"));
    }
    sql.push_str(" END)");
    sql
}

fn axis(a: Axis, source: Source, bands: &AgeBands) -> Option<String> {
    Some(match a {
        Axis::Sex => "c.sex".into(),
        Axis::AgeBand => age_band_sql(bands),
        Axis::Vulnerability => format!("(CASE {VULNERABLE} WHEN 1 THEN 'yes' ELSE 'no' END)"),
        Axis::HostCountry => "c.returned_from".into(),
        Axis::ReturnCountry => "c.return_country".into(),
        Axis::Province => "c.return_province".into(),
        Axis::ReturnMode => "c.return_type".into(),
        Axis::Absence => "(CASE WHEN c.absence_months IS NULL THEN NULL \
             WHEN c.absence_months < 12 THEN 'under_1_year' \
             WHEN c.absence_months < 24 THEN '1_2_years' \
             WHEN c.absence_months < 60 THEN '2_5_years' ELSE '5_years_or_more' END)"
            .into(),
        Axis::SameCommunity => {
            "(CASE c.community_is_origin WHEN 1 THEN 'yes' WHEN 0 THEN 'no' END)".into()
        }
        Axis::Round if source == Source::Surveys => "s.round".into(),
        Axis::Cohort => "substr(c.return_date, 1, 4)".into(),
        Axis::Assistance if matches!(source, Source::Surveys | Source::Cases) => {
            "COALESCE(a.kind, 'none')".into()
        }
        Axis::Round | Axis::Assistance => return None,
    })
}

/// One condition as SQL, its values pushed as parameters.
fn condition(source: Source, c: &domain::me::Condition, params: &mut Vec<Value>) -> Result<String> {
    let invalid = || StoreError::Database(format!("indicator field {} is not available", c.field));
    let expr = field(source, &c.field).ok_or_else(invalid)?;
    let kind = source
        .fields()
        .iter()
        .find(|(f, _)| *f == c.field)
        .map(|(_, k)| *k)
        .ok_or_else(invalid)?;
    let value = |v: &str| -> Value {
        match kind {
            FieldKind::Score => Value::Real(v.trim().parse().unwrap_or(f64::NAN)),
            FieldKind::Flag => Value::Integer(i64::from(v.trim() == "true")),
            FieldKind::Named => Value::Text(v.trim().to_string()),
        }
    };
    Ok(match c.op {
        Op::Equals => {
            params.push(value(&c.value));
            format!("{expr} = ?")
        }
        Op::AtLeast => {
            params.push(value(&c.value));
            format!("{expr} >= ?")
        }
        Op::Below => {
            params.push(value(&c.value));
            format!("{expr} < ?")
        }
        Op::Above => {
            params.push(value(&c.value));
            format!("{expr} > ?")
        }
        Op::AtMost => {
            params.push(value(&c.value));
            format!("{expr} <= ?")
        }
        Op::OneOf => {
            let values: Vec<&str> = c
                .value
                .split(',')
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .collect();
            if values.is_empty() {
                return Err(invalid());
            }
            for v in &values {
                params.push(value(v));
            }
            format!("{expr} IN ({})", vec!["?"; values.len()].join(", "))
        }
    })
}

/// The conditions of the query's reach on the cases: the reader's office, the programme's
/// offices and countries, each with its parameters.
fn reach(q: &TallyQuery) -> Vec<(String, Vec<Value>)> {
    let mut out = Vec::new();
    if let Some(o) = q.office {
        out.push((
            "c.office_id = ?".to_string(),
            vec![Value::Text(o.to_string())],
        ));
    }
    let list = |n: usize| vec!["?"; n].join(", ");
    if let Some(offices) = &q.offices {
        out.push(if offices.is_empty() {
            ("0 = 1".to_string(), vec![])
        } else {
            (
                format!("c.office_id IN ({})", list(offices.len())),
                offices.iter().map(|o| Value::Text(o.to_string())).collect(),
            )
        });
    }
    if !q.countries.is_empty() {
        out.push((
            format!(
                "c.return_country COLLATE NOCASE IN ({})",
                list(q.countries.len())
            ),
            q.countries
                .iter()
                .map(|c| Value::Text(c.trim().to_string()))
                .collect(),
        ));
    }
    out
}

/// An indicator's query taken apart: what both the figures and the records behind them need.
struct Parts {
    tables: String,
    counted: &'static str,
    period: String,
    group: String,
    numerator: String,
    /// The conditions on who is counted, the dates and the office.
    filters: Vec<String>,
    /// The numerator's parameters, then the filters'.
    params: Vec<Value>,
}

/// Survey figures are counted by [`survey_tallies`]; their parts serve the records behind a
/// figure and the tests' reference query.
fn parts(q: &TallyQuery) -> Result<Parts> {
    let source = q.computation.source;
    let (tables, date, counted) = base(source).ok_or_else(|| {
        StoreError::Database(format!(
            "{} are not counted in the database",
            source.as_str()
        ))
    })?;
    let mut params: Vec<Value> = Vec::new();
    let numerator = if q.computation.numerator.is_empty() {
        "1 = 1".to_string()
    } else {
        let mut parts = Vec::new();
        for cond in &q.computation.numerator {
            parts.push(condition(source, cond, &mut params)?);
        }
        parts.join(" AND ")
    };
    let group = match q.axis {
        Some(a) => axis(a, source, &q.age_bands).ok_or_else(|| {
            StoreError::Database(format!(
                "no {} breakdown for {}",
                a.as_str(),
                source.as_str()
            ))
        })?,
        None => "NULL".into(),
    };
    let mut filters = vec![format!("{date} >= ?"), format!("{date} <= ?")];
    params.push(Value::Text(q.from.to_string()));
    params.push(Value::Text(q.to.to_string()));
    for (sql, values) in reach(q) {
        filters.push(sql);
        params.extend(values);
    }
    for cond in &q.computation.population {
        filters.push(condition(source, cond, &mut params)?);
    }
    let mut tables = tables.to_string();
    if q.axis == Some(Axis::Assistance) {
        tables.push_str(&format!(
            " LEFT JOIN {} a ON a.case_id = c.id",
            assistance()
        ));
    }
    Ok(Parts {
        tables,
        counted,
        period: period(q.computation.frequency, date),
        group,
        numerator,
        filters,
        params,
    })
}

pub(crate) fn tallies(c: &Connection, q: &TallyQuery) -> Result<Vec<TallyRow>> {
    if q.computation.source == Source::Surveys {
        return survey_tallies(c, q);
    }
    let p = parts(q)?;
    let sql = format!(
        "SELECT {period} AS p, {group} AS g, COUNT(DISTINCT {counted}),
             COUNT(DISTINCT CASE WHEN {numerator} THEN {counted} END)
         FROM {tables}
         WHERE {filters}
         GROUP BY p, g
         ORDER BY p, g",
        period = p.period,
        group = p.group,
        counted = p.counted,
        numerator = p.numerator,
        tables = p.tables,
        filters = p.filters.join(" AND "),
    );
    let mut stmt = c.prepare_cached(&sql)?;
    let rows = stmt.query_map(rusqlite::params_from_iter(p.params), |r| {
        Ok(TallyRow {
            period: r.get(0)?,
            group: r.get(1)?,
            tally: Tally {
                population: r.get::<_, i64>(2)?.max(0) as u64,
                numerator: r.get::<_, i64>(3)?.max(0) as u64,
            },
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// Whether a piece of SQL reads a column of the cases' table (alias `c`).
fn uses_case(sql: &str) -> bool {
    sql.match_indices("c.").any(|(i, _)| {
        i == 0 || !sql.as_bytes()[i - 1].is_ascii_alphanumeric() && sql.as_bytes()[i - 1] != b'_'
    })
}

/// SQL conditions split by the table they read, each side with its parameters.
#[derive(Default)]
struct Side {
    conditions: Vec<String>,
    params: Vec<Value>,
}

impl Side {
    fn push(&mut self, sql: String, params: Vec<Value>) {
        self.conditions.push(sql);
        self.params.extend(params);
    }

    fn all(&self) -> String {
        if self.conditions.is_empty() {
            "1 = 1".into()
        } else {
            self.conditions.join(" AND ")
        }
    }
}

/// Survey figures, counted as returnees. Joining 3 million surveys to their cases one lookup at
/// a time is what made a large programme slow, so the two tables are read side by side instead,
/// both in case order from covering indexes (`rss_scores_by_case`, `cases_facts`), and merged
/// here; each side's conditions still run in SQL. A returnee counts once per period and group,
/// and in the numerator when any of their surveys there meets it.
fn survey_tallies(c: &Connection, q: &TallyQuery) -> Result<Vec<TallyRow>> {
    let source = Source::Surveys;
    let (mut surveys, mut cases) = (Side::default(), Side::default());
    let (mut hit_surveys, mut hit_cases) = (Side::default(), Side::default());
    let split = |cond: &domain::me::Condition, s: &mut Side, k: &mut Side| -> Result<()> {
        let mut params = Vec::new();
        let sql = condition(source, cond, &mut params)?;
        if uses_case(&sql) {
            k.push(sql, params);
        } else {
            s.push(sql, params);
        }
        Ok(())
    };
    for cond in &q.computation.population {
        split(cond, &mut surveys, &mut cases)?;
    }
    for cond in &q.computation.numerator {
        split(cond, &mut hit_surveys, &mut hit_cases)?;
    }
    for (sql, values) in reach(q) {
        cases.push(sql, values);
    }
    let group = match q.axis {
        Some(a) => Some(axis(a, source, &q.age_bands).ok_or_else(|| {
            StoreError::Database(format!("no {} breakdown for surveys", a.as_str()))
        })?),
        None => None,
    };
    // Every breakdown but the survey round is a property of the case.
    let group_of_case = group.is_some() && q.axis != Some(Axis::Round);
    let need_cases =
        group_of_case || !cases.conditions.is_empty() || !hit_cases.conditions.is_empty();

    let survey_sql = format!(
        "SELECT s.case_id,
             CAST(substr(s.interview_date, 1, 4) AS INTEGER) * 100
                 + CAST(substr(s.interview_date, 6, 2) AS INTEGER),
             {group}, {hit}
         FROM rss_scores s INDEXED BY rss_scores_by_case
         WHERE s.interview_date >= ? AND s.interview_date <= ? AND {filters}
         ORDER BY s.case_id",
        group = if group_of_case {
            "NULL"
        } else {
            group.as_deref().unwrap_or("NULL")
        },
        hit = hit_surveys.all(),
        filters = surveys.all(),
    );
    let mut survey_params = hit_surveys.params;
    survey_params.push(Value::Text(q.from.to_string()));
    survey_params.push(Value::Text(q.to.to_string()));
    survey_params.extend(surveys.params);
    let case_sql = format!(
        "SELECT c.id, {group}, {hit} FROM cases c INDEXED BY cases_facts {assistance}
         WHERE {filters} ORDER BY c.id",
        assistance = if q.axis == Some(Axis::Assistance) {
            format!("LEFT JOIN {} a ON a.case_id = c.id", assistance())
        } else {
            String::new()
        },
        group = if group_of_case {
            group.as_deref().unwrap_or("NULL")
        } else {
            "NULL"
        },
        hit = hit_cases.all(),
        filters = cases.all(),
    );
    let mut case_params = hit_cases.params;
    case_params.extend(cases.params);

    let mut survey_stmt = c.prepare_cached(&survey_sql)?;
    let mut survey_rows = survey_stmt.query(rusqlite::params_from_iter(survey_params))?;
    let mut case_stmt = c.prepare_cached(&case_sql)?;
    let mut case_rows = if need_cases {
        Some(case_stmt.query(rusqlite::params_from_iter(case_params))?)
    } else {
        None
    };

    // Cells are keyed by the year and first month of their period (yyyymm) until the end.
    let frequency = q.computation.frequency;
    let period_of = |yyyymm: u32| {
        let (year, month) = (yyyymm / 100, yyyymm % 100);
        let first = match frequency {
            Frequency::Monthly => month,
            Frequency::Quarterly => (month.max(1) - 1) / 3 * 3 + 1,
            Frequency::Yearly => 1,
        };
        year * 100 + first
    };
    let label = |key: u32| {
        let start = time::Month::try_from((key % 100) as u8)
            .ok()
            .and_then(|m| time::Date::from_calendar_date((key / 100) as i32, m, 1).ok())
            .unwrap_or(time::Date::MIN);
        domain::me::Period::containing(frequency, start).label()
    };
    let mut out: BTreeMap<(u32, Option<String>), Tally> = BTreeMap::new();
    // The current returnee: their id, whether their case passes (with its group and its part
    // of the numerator), and the cells their surveys fall in.
    let mut current: Vec<u8> = Vec::new();
    // A case has one group, or several for the type of assistance.
    let mut case_side: Option<(Vec<Option<String>>, bool)> = Some((vec![None], true));
    let mut cells: Vec<(u32, Option<String>, bool)> = Vec::new();
    // The case row read ahead of the surveys, if any.
    let mut pending: Option<(Vec<u8>, Option<String>, bool)> = None;
    let flush = |cells: &mut Vec<(u32, Option<String>, bool)>,
                 out: &mut BTreeMap<(u32, Option<String>), Tally>| {
        for (p, g, hit) in cells.drain(..) {
            let t = out.entry((p, g)).or_default();
            t.population += 1;
            t.numerator += u64::from(hit);
        }
    };
    while let Some(r) = survey_rows.next()? {
        let id = r.get_ref(0)?.as_bytes().map_err(rusqlite::Error::from)?;
        if id != current.as_slice() {
            flush(&mut cells, &mut out);
            current.clear();
            current.extend_from_slice(id);
            if let Some(rows) = case_rows.as_mut() {
                // Move the cases forward to this returnee; a case not returned was filtered out.
                case_side = None;
                let mut groups = Vec::new();
                let mut hit = false;
                loop {
                    if pending.is_none() {
                        pending = match rows.next()? {
                            Some(cr) => Some((
                                cr.get_ref(0)?
                                    .as_bytes()
                                    .map_err(rusqlite::Error::from)?
                                    .to_vec(),
                                cr.get(1)?,
                                cr.get::<_, Option<bool>>(2)?.unwrap_or(false),
                            )),
                            None => break,
                        };
                    }
                    let Some((case_id, _, _)) = pending.as_ref() else {
                        break;
                    };
                    match case_id.as_slice().cmp(current.as_slice()) {
                        std::cmp::Ordering::Less => pending = None,
                        std::cmp::Ordering::Equal => {
                            let (_, g, h) = pending.take().unwrap_or_default();
                            groups.push(g);
                            hit = h;
                        }
                        std::cmp::Ordering::Greater => break,
                    }
                }
                if !groups.is_empty() {
                    case_side = Some((groups, hit));
                }
            }
        }
        let Some((case_groups, case_hit)) = case_side.as_ref() else {
            continue;
        };
        let period = period_of(r.get(1)?);
        let hit = *case_hit && r.get::<_, Option<bool>>(3)?.unwrap_or(false);
        let survey_group: [Option<String>; 1] = [if group_of_case { None } else { r.get(2)? }];
        for group in if group_of_case {
            case_groups.as_slice()
        } else {
            &survey_group
        } {
            match cells
                .iter_mut()
                .find(|(p, g, _)| *p == period && g == group)
            {
                Some(cell) => cell.2 |= hit,
                None => cells.push((period, group.clone(), hit)),
            }
        }
    }
    flush(&mut cells, &mut out);
    Ok(out
        .into_iter()
        .map(|((period, group), tally)| TallyRow {
            period: label(period),
            group,
            tally,
        })
        .collect())
}

/// The follow-up facts of the open cases, read in four passes (cases, plans, visits, surveys)
/// rather than case by case.
pub(crate) fn follow_up_facts(
    c: &Connection,
    office: Option<domain::OfficeId>,
) -> Result<Vec<crate::model::FollowUpFacts>> {
    use domain::case::Vulnerability;
    let codes: std::collections::HashMap<String, String> = c
        .prepare_cached("SELECT id, code FROM offices")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    // The open cases in case order, from an index that holds what is needed (`cases_followup`).
    let mut ids: Vec<String> = Vec::new();
    let mut out = Vec::new();
    let mut stmt = c.prepare_cached(
        "SELECT c.id, c.office_id, c.return_date,
             EXISTS (SELECT 1 FROM case_vulnerabilities v
                     WHERE v.case_id = c.id AND v.vulnerability = ?2)
         FROM cases c INDEXED BY cases_followup
         WHERE c.stage != 'closed' AND (?1 IS NULL OR c.office_id = ?1)
         ORDER BY c.id",
    )?;
    let mut rows = stmt.query(rusqlite::params![
        office.map(|o| o.to_string()),
        Vulnerability::TraffickingVictim.as_str()
    ])?;
    while let Some(r) = rows.next()? {
        let id: String = r.get(0)?;
        out.push(crate::model::FollowUpFacts {
            case: domain::CaseId(super::parse_uuid(0, &id)?),
            office_code: codes
                .get(&r.get::<_, String>(1)?)
                .cloned()
                .unwrap_or_default(),
            return_date: super::cases::date_col(2, &r.get::<_, String>(2)?)?,
            trafficking_victim: r.get(3)?,
            plan_agreed: None,
            visits: Vec::new(),
            surveys: Vec::new(),
        });
        ids.push(id);
    }
    // The other passes read their whole tables and keep the rows of the cases found above:
    // joining each row to its case would cost a lookup per row.
    let at = |id: &str| ids.binary_search_by(|x| x.as_str().cmp(id)).ok();
    // The first approved plan's agreement, as the case's pathway reads it.
    let mut stmt = c.prepare_cached(
        "SELECT p.case_id, p.agreed_on FROM plan_versions p
         WHERE p.approved_at IS NOT NULL ORDER BY p.case_id, p.version DESC",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        if let (Some(i), Some(d)) = (
            at(r.get_ref(0)?.as_str().map_err(rusqlite::Error::from)?),
            r.get::<_, Option<String>>(1)?,
        ) {
            out[i].plan_agreed = Some(super::cases::date_col(1, &d)?);
        }
    }
    // Visits are read as the case's pathway reads them: an entry that does not parse is left
    // out rather than failing the whole count.
    let mut stmt = c.prepare_cached(
        "SELECT e.case_id, e.body FROM pathway_entries e WHERE e.kind = 'follow_up'",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        if let (Some(i), Ok(v)) = (
            at(r.get_ref(0)?.as_str().map_err(rusqlite::Error::from)?),
            serde_json::from_str::<domain::pathway::followup::FollowUpVisit>(
                &r.get::<_, String>(1)?,
            ),
        ) {
            out[i].visits.push((v.scheduled, v.date));
        }
    }
    // Surveys in case order, merged with the cases.
    let mut stmt = c.prepare_cached(
        "SELECT s.case_id, s.round, s.interview_date FROM rss_scores s
         INDEXED BY rss_scores_by_case ORDER BY s.case_id",
    )?;
    let mut rows = stmt.query([])?;
    let mut next = 0;
    while let Some(r) = rows.next()? {
        let id = r.get_ref(0)?.as_str().map_err(rusqlite::Error::from)?;
        while next < ids.len() && ids[next].as_str() < id {
            next += 1;
        }
        if next < ids.len() && ids[next] == id {
            let round = super::parse_named(1, &r.get::<_, String>(1)?, domain::rss::Round::parse)?;
            out[next]
                .surveys
                .push((round, super::cases::date_col(2, &r.get::<_, String>(2)?)?));
        }
    }
    Ok(out)
}

/// Mean value of each question per province, over each returnee's latest survey (of two on
/// one day, the one recorded last). The surveys and the cases are read side by side in case
/// order, as for indicators; only the latest survey of each returnee is then opened.
pub(crate) fn item_means(
    c: &Connection,
    office: Option<domain::OfficeId>,
) -> Result<Vec<crate::model::ItemMean>> {
    /// The part of a breakdown line read here.
    #[derive(serde::Deserialize)]
    struct Item {
        question: u8,
        #[serde(default)]
        name: String,
        value: Option<f64>,
    }
    // Each returnee's latest survey: the highest date, then the highest row id.
    let mut latest: Vec<(Vec<u8>, i64)> = Vec::new();
    {
        let mut stmt = c.prepare_cached(
            "SELECT s.case_id, s.interview_date, s.rowid FROM rss_scores s
             INDEXED BY rss_scores_by_case ORDER BY s.case_id",
        )?;
        let mut rows = stmt.query([])?;
        let mut best: Option<(Vec<u8>, String, i64)> = None;
        while let Some(r) = rows.next()? {
            let id = r.get_ref(0)?.as_bytes().map_err(rusqlite::Error::from)?;
            let date: String = r.get(1)?;
            let rowid: i64 = r.get(2)?;
            match best.as_mut() {
                Some((case, d, row)) if case.as_slice() == id => {
                    if (date.as_str(), rowid) > (d.as_str(), *row) {
                        *d = date;
                        *row = rowid;
                    }
                }
                _ => {
                    if let Some((case, _, row)) = best.take() {
                        latest.push((case, row));
                    }
                    best = Some((id.to_vec(), date, rowid));
                }
            }
        }
        if let Some((case, _, row)) = best {
            latest.push((case, row));
        }
    }
    // Their provinces, for the cases in scope, merged in the same order.
    let mut placed: Vec<(String, i64)> = Vec::new();
    {
        let mut stmt = c.prepare_cached(
            "SELECT c.id, c.return_province FROM cases c INDEXED BY cases_facts
             WHERE ?1 IS NULL OR c.office_id = ?1 ORDER BY c.id",
        )?;
        let mut rows = stmt.query([office.map(|o| o.to_string())])?;
        let mut surveys = latest.iter().peekable();
        while let Some(r) = rows.next()? {
            let id = r.get_ref(0)?.as_bytes().map_err(rusqlite::Error::from)?;
            while surveys.next_if(|(case, _)| case.as_slice() < id).is_some() {}
            if let Some((_, row)) = surveys.next_if(|(case, _)| case.as_slice() == id) {
                placed.push((r.get(1)?, *row));
            }
        }
    }
    // The surveys are read front to back, in row order, keeping the latest ones: a lookup per
    // returnee would cost more than the scan.
    placed.sort_by_key(|(_, row)| *row);
    let mut stmt = c.prepare_cached("SELECT rowid, breakdown FROM rss_scores ORDER BY rowid")?;
    let mut rows = stmt.query([])?;
    let mut wanted = placed.into_iter().peekable();
    // Per province and question: the name, the sum and count of values, the returnees.
    let mut cells: BTreeMap<(u8, String), (String, f64, u64, u64)> = BTreeMap::new();
    while let Some(r) = rows.next()? {
        if wanted.peek().is_none() {
            break;
        }
        let rowid: i64 = r.get(0)?;
        let Some((province, _)) = wanted.next_if(|(_, row)| *row == rowid) else {
            continue;
        };
        // A survey scored before breakdowns were kept, or one that does not read, adds nothing.
        let breakdown = r.get_ref(1)?.as_str().map_err(rusqlite::Error::from)?;
        let Ok(items) = serde_json::from_str::<Vec<Item>>(breakdown) else {
            continue;
        };
        for item in items {
            let cell = cells
                .entry((item.question, province.clone()))
                .or_insert_with(|| (item.name.clone(), 0.0, 0, 0));
            cell.3 += 1;
            if let Some(v) = item.value {
                cell.1 += v;
                cell.2 += 1;
            }
        }
    }
    Ok(cells
        .into_iter()
        .map(
            |((question, province), (name, sum, answered, returnees))| crate::model::ItemMean {
                province,
                question,
                name,
                mean: (answered > 0).then(|| sum / answered as f64),
                returnees,
                answered,
            },
        )
        .collect())
}

/// What the dashboards show of the surveys, in one pass over them in case order (a returnee's
/// surveys side by side, so distinct returnees need no sort): per round, the surveys, the
/// returnees and the average of each score; the returnees per tenth of the composite score (a
/// score of 1 in the last tenth); and the returnees in each support band, `bands` being the
/// scoring model's limits. A returnee surveyed twice in a round counts once in the round, and
/// once under each tenth and band their scores fell in.
pub(crate) fn survey_summary(
    c: &Connection,
    office: Option<domain::OfficeId>,
    (low, high): (f64, f64),
) -> Result<crate::model::SurveySummary> {
    use crate::model::{RoundMeans, ScoreBin};
    use domain::rss::Round;
    let columns = "s.case_id, s.round, s.economic, s.social, s.psychosocial, s.composite";
    let sql = match office {
        None => format!(
            "SELECT {columns} FROM rss_scores s INDEXED BY rss_scores_by_case ORDER BY s.case_id"
        ),
        Some(_) => format!(
            "SELECT {columns} FROM cases c JOIN rss_scores s ON s.case_id = c.id
             WHERE c.office_id = ?1 ORDER BY s.case_id"
        ),
    };
    let mut stmt = c.prepare_cached(&sql)?;
    let mut rows = match office {
        None => stmt.query([])?,
        Some(o) => stmt.query([o.to_string()])?,
    };
    #[derive(Default)]
    struct PerRound {
        surveys: u64,
        returnees: u64,
        sums: [f64; 4],
        counts: [u64; 4],
        tenths: [u64; 10],
        bands: [u64; 3],
    }
    let mut per_round: BTreeMap<Round, PerRound> = BTreeMap::new();
    // The current returnee's rounds, tenths and bands, settled when the next one begins.
    let mut current: Vec<u8> = Vec::new();
    let mut seen: Vec<(Round, Option<usize>, Option<usize>)> = Vec::new();
    let settle = |seen: &mut Vec<(Round, Option<usize>, Option<usize>)>,
                  per_round: &mut BTreeMap<Round, PerRound>| {
        seen.sort();
        seen.dedup();
        let mut last_round = None;
        let mut tenths_seen: Vec<(Round, usize)> = Vec::new();
        let mut bands_seen: Vec<(Round, usize)> = Vec::new();
        for (round, tenth, band) in seen.drain(..) {
            let r = per_round.entry(round).or_default();
            if last_round != Some(round) {
                r.returnees += 1;
                last_round = Some(round);
            }
            if let Some(t) = tenth.filter(|t| !tenths_seen.contains(&(round, *t))) {
                r.tenths[t] += 1;
                tenths_seen.push((round, t));
            }
            if let Some(b) = band.filter(|b| !bands_seen.contains(&(round, *b))) {
                r.bands[b] += 1;
                bands_seen.push((round, b));
            }
        }
    };
    while let Some(row) = rows.next()? {
        let id = row.get_ref(0)?.as_bytes().map_err(rusqlite::Error::from)?;
        if id != current.as_slice() {
            settle(&mut seen, &mut per_round);
            current.clear();
            current.extend_from_slice(id);
        }
        let round = super::parse_named(1, &row.get::<_, String>(1)?, Round::parse)?;
        let r = per_round.entry(round).or_default();
        r.surveys += 1;
        let mut composite = None;
        for i in 0..4 {
            if let Some(v) = row.get::<_, Option<f64>>(2 + i)? {
                r.sums[i] += v;
                r.counts[i] += 1;
                if i == 3 {
                    composite = Some(v);
                }
            }
        }
        let tenth = composite.map(|v| ((v * 10.0).floor().max(0.0) as usize).min(9));
        let band = composite.map(|v| {
            if v < low {
                0
            } else if v > high {
                2
            } else {
                1
            }
        });
        seen.push((round, tenth, band));
    }
    settle(&mut seen, &mut per_round);
    let mut summary = crate::model::SurveySummary::default();
    for (round, r) in per_round {
        let mean = |i: usize| (r.counts[i] > 0).then(|| r.sums[i] / r.counts[i] as f64);
        summary.means.push(RoundMeans {
            round,
            surveys: r.surveys,
            returnees: r.returnees,
            economic: mean(0),
            social: mean(1),
            psychosocial: mean(2),
            composite: mean(3),
        });
        for (tenth, n) in r.tenths.iter().enumerate().filter(|(_, n)| **n > 0) {
            summary.bins.push(ScoreBin {
                round,
                tenth: tenth as u8,
                returnees: *n,
            });
        }
        summary.bands.push((round, r.bands));
    }
    Ok(summary)
}

/// Every sent referral: its provider, when it was first sent and first accepted or declined.
pub(crate) fn answer_times(
    c: &Connection,
    office: Option<domain::OfficeId>,
) -> Result<Vec<crate::model::AnswerTime>> {
    // What answers a referral is `ReferralStep::answers`. Referrals called off before any
    // answer wait for nobody and are left out.
    let mut stmt = c.prepare_cached(&format!(
        "SELECT name, sent, answered FROM (
             SELECT p.name AS name, r.status AS status,
                 (SELECT MIN(e.at) FROM referral_events e
                  WHERE e.referral_id = r.id AND e.step = '{send}') AS sent,
                 (SELECT MIN(e.at) FROM referral_events e
                  WHERE e.referral_id = r.id AND e.step IN ({answers})) AS answered
             FROM referrals r JOIN providers p ON p.id = r.provider_id
                 JOIN cases c ON c.id = r.case_id
             WHERE (?1 IS NULL OR c.office_id = ?1)) t
         WHERE sent IS NOT NULL AND NOT (answered IS NULL AND status IN ({called_off}))
         ORDER BY name",
        send = ReferralStep::Send.as_str(),
        answers = named_list(
            ReferralStep::ALL,
            ReferralStep::answers,
            ReferralStep::as_str
        ),
        called_off = named_list(
            ReferralStatus::ALL,
            ReferralStatus::is_called_off,
            ReferralStatus::as_str
        ),
    ))?;
    let rows = stmt.query_map([office.map(|o| o.to_string())], |r| {
        Ok(crate::model::AnswerTime {
            provider_name: r.get(0)?,
            sent_at: super::from_ts(r.get(1)?),
            answered_at: r.get::<_, Option<i64>>(2)?.map(super::from_ts),
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// The cases behind one cell of an indicator (those meeting it, for a percentage), at most
/// `limit`, by case number.
pub(crate) fn tally_cases(
    c: &Connection,
    q: &TallyQuery,
    period_label: &str,
    group: Option<&str>,
    limit: u32,
) -> Result<Vec<domain::CaseId>> {
    let mut p = parts(q)?;
    let numerator_params: Vec<Value> = {
        // The numerator's parameters come first in `params`; its conditions join the filters.
        let n = q
            .computation
            .numerator
            .iter()
            .map(|c| {
                if c.op == Op::OneOf {
                    c.value.split(',').filter(|v| !v.trim().is_empty()).count()
                } else {
                    1
                }
            })
            .sum::<usize>();
        p.params.drain(..n).collect()
    };
    let mut params = p.params;
    params.extend(numerator_params);
    params.push(Value::Text(period_label.to_string()));
    let group_filter = match group {
        Some(g) => {
            params.push(Value::Text(g.to_string()));
            format!("{} = ?", p.group)
        }
        None if q.axis.is_some() => format!("{} IS NULL", p.group),
        None => "1 = 1".into(),
    };
    params.push(Value::Integer(i64::from(limit)));
    let sql = format!(
        "SELECT DISTINCT c.id, c.case_number FROM {tables}
         WHERE {filters} AND {numerator} AND {period} = ? AND {group_filter}
         ORDER BY c.case_number LIMIT ?",
        tables = p.tables,
        filters = p.filters.join(" AND "),
        numerator = p.numerator,
        period = p.period,
    );
    let mut stmt = c.prepare_cached(&sql)?;
    let rows = stmt.query_map(rusqlite::params_from_iter(params), |r| {
        Ok(domain::CaseId(super::parse_uuid(
            0,
            &r.get::<_, String>(0)?,
        )?))
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use std::collections::BTreeMap;

    use domain::me::{
        AgeBands, Axis, Computation, Condition, Frequency, Op, Period, Source, Tally,
    };
    use time::macros::date;

    use super::*;

    /// A survey as the test sees it: sex, age, vulnerable, date, composite score.
    type Survey = (String, u16, bool, time::Date, f64);

    /// An in-memory database with every migration and `cases` × surveys made from a simple
    /// deterministic sequence; returns the connection and the rows as the test sees them.
    fn programme() -> (Connection, Vec<Survey>) {
        let c = Connection::open_in_memory().unwrap();
        super::super::configure(&c).unwrap();
        for (_, _, sql) in super::super::MIGRATIONS {
            c.execute_batch(sql).unwrap();
        }
        c.execute_batch(
            "PRAGMA foreign_keys = OFF;
             INSERT INTO offices (id, code, name, created_at) VALUES ('o', 'DKR', 'Dakar', 0);",
        )
        .unwrap();
        let mut surveys = Vec::new();
        for i in 0..60u32 {
            let sex = if i % 3 == 0 { "male" } else { "female" };
            let age = 16 + (i * 7 % 50) as u16;
            let vulnerable = i % 4 == 0;
            c.execute(
                "INSERT INTO cases (id, case_number, office_id, given_name, family_name,
                     family_name_folded, sex, age_at_return, nationality, return_date,
                     returned_from, return_type, return_country, return_province,
                     return_province_folded, restricted_flag, restricted, stage, version,
                     created_at, updated_at)
                 VALUES (?1, ?1, 'o', 'A', 'B', 'b', ?2, ?3, 'SN', '2025-06-01', 'LY', 'forced',
                     'SN', 'Dakar', 'dakar', 0, 0, 'intake', 1, 0, 0)",
                rusqlite::params![format!("00000000-0000-0000-0000-{i:012}"), sex, age],
            )
            .unwrap();
            if vulnerable {
                c.execute(
                    "INSERT INTO case_vulnerabilities (case_id, vulnerability) VALUES (?1, 'debt')",
                    [format!("00000000-0000-0000-0000-{i:012}")],
                )
                .unwrap();
            }
            for round in 0..(i % 3 + 1) {
                let day =
                    date!(2026 - 01 - 10) + time::Duration::days(i64::from(i * 3 + round * 120));
                let composite = f64::from((i * 13 + round * 29) % 100) / 100.0;
                c.execute(
                    "INSERT INTO rss_scores (submission_id, case_id, round, interview_date,
                         interviewer_id, composite, dk_dwa_count, low_accuracy, model, breakdown,
                         scored_at)
                     VALUES (?1, ?2, ?3, ?4, 'u', ?5, 0, 0, 'm', '{}', 0)",
                    rusqlite::params![
                        format!("s{i}-{round}"),
                        format!("00000000-0000-0000-0000-{i:012}"),
                        ["baseline", "intermediate", "final"][round as usize],
                        day.to_string(),
                        composite
                    ],
                )
                .unwrap();
                surveys.push((sex.to_string(), age, vulnerable, day, composite));
            }
        }
        (c, surveys)
    }

    fn query(axis: Option<Axis>) -> TallyQuery {
        TallyQuery {
            computation: Computation {
                source: Source::Surveys,
                population: vec![],
                numerator: vec![Condition {
                    field: "composite".into(),
                    op: Op::AtLeast,
                    value: "0.5".into(),
                }],
                frequency: Frequency::Quarterly,
            },
            from: date!(2026 - 01 - 01),
            to: date!(2026 - 12 - 31),
            axis,
            office: None,
            offices: None,
            countries: vec![],
            age_bands: AgeBands::default(),
        }
    }

    /// The figures of the query match the ones counted here from the same rows, for every
    /// breakdown the test can work out independently.
    #[test]
    fn survey_figures_match_an_independent_count() {
        let (c, surveys) = programme();
        let bands = AgeBands::default();
        for axis in [
            None,
            Some(Axis::Sex),
            Some(Axis::AgeBand),
            Some(Axis::Vulnerability),
        ] {
            let mut expected: BTreeMap<(String, Option<String>), Tally> = BTreeMap::new();
            for (sex, age, vulnerable, day, composite) in &surveys {
                if day.year() != 2026 {
                    continue;
                }
                let group = match axis {
                    None => None,
                    Some(Axis::Sex) => Some(sex.clone()),
                    Some(Axis::AgeBand) => bands.band(Some(*age)),
                    Some(_) => Some(if *vulnerable { "yes" } else { "no" }.to_string()),
                };
                let period = Period::containing(Frequency::Quarterly, *day).label();
                let t = expected.entry((period, group)).or_default();
                // One survey per case and quarter in this sequence, so rows are people.
                t.population += 1;
                t.numerator += u64::from(*composite >= 0.5);
            }
            let got: BTreeMap<(String, Option<String>), Tally> = tallies(&c, &query(axis))
                .unwrap()
                .into_iter()
                .map(|r| ((r.period, r.group), r.tally))
                .collect();
            assert_eq!(got, expected, "{axis:?}");
        }
    }

    /// The figures of the merged read, against one plain grouped query over the join counting
    /// distinct returnees, with returnees surveyed twice in a quarter, conditions and a
    /// numerator on both tables, an office, and breakdowns by case and by survey.
    #[test]
    fn the_merged_read_counts_as_a_join_would() {
        let (c, _) = programme();
        for i in (0..60u32).step_by(5) {
            c.execute(
                "INSERT INTO rss_scores (submission_id, case_id, round, interview_date,
                     interviewer_id, composite, dk_dwa_count, low_accuracy, model, breakdown,
                     scored_at)
                 VALUES (?1, ?2, 'ad_hoc', ?3, 'u', ?4, 0, 0, 'm', '{}', 0)",
                rusqlite::params![
                    format!("extra{i}"),
                    format!("00000000-0000-0000-0000-{i:012}"),
                    (date!(2026 - 01 - 12) + time::Duration::days(i64::from(i * 3))).to_string(),
                    f64::from(i % 2) * 0.9,
                ],
            )
            .unwrap();
        }
        // Assistance: a health referral that went ahead (social), a declined one, a livelihood
        // one (economic) and community projects, some cases with several kinds.
        c.execute_batch(
            "INSERT INTO services (id, provider_id, name, category, body, version, updated_at)
                 VALUES ('health', 'p', 'Clinic', 'health', '{}', 1, 0),
                        ('jobs', 'p', 'Training', 'tvet', '{}', 1, 0);
             INSERT INTO documents (id, kind, name, body, version, created_at, updated_at)
                 VALUES ('project', 'project', 'Gardens', '{}', 1, 0, 0),
                        ('meeting', 'meeting', 'A meeting', '{}', 1, 0, 0);",
        )
        .unwrap();
        for i in 0..60u32 {
            let case = format!("00000000-0000-0000-0000-{i:012}");
            let add = |service: &str, status: &str| {
                c.execute(
                    "INSERT INTO referrals (id, case_id, service_id, provider_id, status, body,
                         version, created_at, updated_at)
                     VALUES (?1, ?2, ?3, 'p', ?4, '{}', 1, 0, 0)",
                    rusqlite::params![format!("{service}{i}"), case, service, status],
                )
                .unwrap();
            };
            match i % 4 {
                0 => add("health", "accepted"),
                1 => add("health", "declined"),
                2 => {
                    add("health", "completed");
                    add("jobs", "sent");
                }
                _ => {}
            }
            if i % 5 == 0 {
                c.execute(
                    "INSERT INTO document_cases (document_id, case_id) VALUES ('project', ?1)",
                    [&case],
                )
                .unwrap();
            }
            if i % 7 == 0 {
                c.execute(
                    "INSERT INTO document_cases (document_id, case_id) VALUES ('meeting', ?1)",
                    [&case],
                )
                .unwrap();
            }
        }
        let reference = |q: &TallyQuery| -> BTreeMap<(String, Option<String>), Tally> {
            let p = parts(q).unwrap();
            let sql = format!(
                "SELECT {period} AS p, {group} AS g, COUNT(DISTINCT s.case_id),
                     COUNT(DISTINCT CASE WHEN {numerator} THEN s.case_id END)
                 FROM {tables} WHERE {filters} GROUP BY p, g",
                period = p.period,
                group = p.group,
                numerator = p.numerator,
                tables = p.tables,
                filters = p.filters.join(" AND "),
            );
            let mut stmt = c.prepare(&sql).unwrap();
            stmt.query_map(rusqlite::params_from_iter(p.params), |r| {
                Ok((
                    (r.get(0)?, r.get(1)?),
                    Tally {
                        population: r.get::<_, i64>(2)? as u64,
                        numerator: r.get::<_, i64>(3)? as u64,
                    },
                ))
            })
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
        };
        let condition = |field: &str, op: Op, value: &str| Condition {
            field: field.into(),
            op,
            value: value.into(),
        };
        let mut checked = 0;
        for axis in [
            None,
            Some(Axis::Sex),
            Some(Axis::Round),
            Some(Axis::Vulnerability),
            Some(Axis::Assistance),
        ] {
            for population in [
                vec![],
                vec![condition("sex", Op::Equals, "female")],
                vec![
                    condition("composite", Op::Below, "0.8"),
                    condition("vulnerable", Op::Equals, "false"),
                ],
            ] {
                for numerator in [
                    vec![condition("composite", Op::AtLeast, "0.5")],
                    vec![
                        condition("composite", Op::AtLeast, "0.3"),
                        condition("sex", Op::Equals, "male"),
                    ],
                ] {
                    // The reader's office, then the programme's offices and countries.
                    let reaches: [(Option<domain::OfficeId>, Option<Vec<_>>, Vec<String>); 4] = [
                        (None, None, vec![]),
                        (Some(domain::OfficeId(uuid::Uuid::nil())), None, vec![]),
                        (None, Some(vec![]), vec![]),
                        (None, None, vec!["sn".into(), "ML".into()]),
                    ];
                    for (office, offices, countries) in reaches {
                        let mut q = query(axis);
                        q.computation.population = population.clone();
                        q.computation.numerator = numerator.clone();
                        q.office = office;
                        q.offices = offices;
                        q.countries = countries;
                        let got: BTreeMap<_, _> = tallies(&c, &q)
                            .unwrap()
                            .into_iter()
                            .map(|r| ((r.period, r.group), r.tally))
                            .collect();
                        assert_eq!(got, reference(&q), "{axis:?} {population:?} {numerator:?}");
                        checked += got.len();
                    }
                }
            }
        }
        assert!(checked > 100, "the comparison saw figures: {checked}");
        // A programme in Senegal counts the returnees to "SN" whatever the case of the letters;
        // one whose offices are unknown counts none.
        let mut q = query(None);
        q.countries = vec!["sn".into()];
        assert_eq!(tallies(&c, &q).unwrap(), tallies(&c, &query(None)).unwrap());
        q.countries = vec!["Mali".into()];
        assert!(tallies(&c, &q).unwrap().is_empty());
        let mut q = query(None);
        q.offices = Some(vec![]);
        assert!(tallies(&c, &q).unwrap().is_empty());
        // The kinds of assistance, as set up above: a case counts under each kind it had.
        let kinds: Vec<Option<String>> = tallies(&c, &query(Some(Axis::Assistance)))
            .unwrap()
            .into_iter()
            .map(|r| r.group)
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        assert_eq!(
            kinds,
            ["community", "economic", "none", "social"].map(|k| Some(k.to_string()))
        );
    }

    /// The one-pass survey summary against plain grouped queries over the same rows, with
    /// returnees surveyed twice in a round.
    #[test]
    fn the_survey_summary_counts_as_grouped_queries_do() {
        let (c, _) = programme();
        for i in (0..60u32).step_by(4) {
            c.execute(
                "INSERT INTO rss_scores (submission_id, case_id, round, interview_date,
                     interviewer_id, composite, economic, dk_dwa_count, low_accuracy, model,
                     breakdown, scored_at)
                 VALUES (?1, ?2, 'baseline', '2026-02-01', 'u', ?3, 0.25, 0, 0, 'm', '{}', 0)",
                rusqlite::params![
                    format!("again{i}"),
                    format!("00000000-0000-0000-0000-{i:012}"),
                    f64::from(i % 11) / 10.0,
                ],
            )
            .unwrap();
        }
        let (low, high) = (0.33, 0.66);
        let summary = survey_summary(&c, None, (low, high)).unwrap();
        let count =
            |sql: &str| -> u64 { c.query_row(sql, [], |r| r.get::<_, i64>(0)).unwrap() as u64 };
        for m in &summary.means {
            let round = m.round.as_str();
            assert_eq!(
                m.returnees,
                count(&format!(
                    "SELECT COUNT(DISTINCT case_id) FROM rss_scores WHERE round = '{round}'"
                ))
            );
            assert_eq!(
                m.surveys,
                count(&format!(
                    "SELECT COUNT(*) FROM rss_scores WHERE round = '{round}'"
                ))
            );
            let avg: Option<f64> = c
                .query_row(
                    &format!("SELECT AVG(economic) FROM rss_scores WHERE round = '{round}'"),
                    [],
                    |r| r.get(0),
                )
                .unwrap();
            assert_eq!(
                m.economic.map(|x| (x * 1e9).round()),
                avg.map(|x| (x * 1e9).round())
            );
            let (_, bands) = summary.bands.iter().find(|(r, _)| *r == m.round).unwrap();
            for (i, cond) in [
                format!("composite < {low}"),
                format!("composite >= {low} AND composite <= {high}"),
                format!("composite > {high}"),
            ]
            .iter()
            .enumerate()
            {
                assert_eq!(
                    bands[i],
                    count(&format!(
                        "SELECT COUNT(DISTINCT case_id) FROM rss_scores
                         WHERE round = '{round}' AND {cond}"
                    )),
                    "{round} band {i}"
                );
            }
            for t in 0..10u8 {
                let got = summary
                    .bins
                    .iter()
                    .find(|b| b.round == m.round && b.tenth == t)
                    .map_or(0, |b| b.returnees);
                assert_eq!(
                    got,
                    count(&format!(
                        "SELECT COUNT(DISTINCT case_id) FROM rss_scores WHERE round = '{round}'
                         AND MIN(CAST(composite * 10 AS INTEGER), 9) = {t}"
                    )),
                    "{round} tenth {t}"
                );
            }
        }
        assert_eq!(summary.means.len(), 3);
        // An office's summary reads its cases only.
        let none = survey_summary(&c, Some(domain::OfficeId(uuid::Uuid::nil())), (low, high));
        assert!(none.unwrap().means.is_empty());
    }

    /// Question means come from each returnee's latest survey, and say how many answered.
    #[test]
    fn question_means_read_the_latest_survey_and_count_who_answered() {
        let (c, _) = programme();
        let breakdown = |v: Option<f64>| {
            serde_json::json!([{"question": 19, "name": "Access to health care", "answer": "",
                "value": v, "note": "", "weights": {}, "cross_cutting": false}])
            .to_string()
        };
        // Cases 0–5: a late survey per case; the values 1.0, 0.5 and none, in turn. The earlier
        // surveys of `programme()` have no breakdown and are not the latest.
        for i in 0..6u32 {
            let value = [Some(1.0), Some(0.5), None][i as usize % 3];
            c.execute(
                "INSERT INTO rss_scores (submission_id, case_id, round, interview_date,
                     interviewer_id, composite, dk_dwa_count, low_accuracy, model, breakdown,
                     scored_at)
                 VALUES (?1, ?2, 'final', '2027-06-01', 'u', 0.5, 0, 0, 'm', ?3, 0)",
                rusqlite::params![
                    format!("late{i}"),
                    format!("00000000-0000-0000-0000-{i:012}"),
                    breakdown(value)
                ],
            )
            .unwrap();
        }
        let means = item_means(&c, None).unwrap();
        assert_eq!(means.len(), 1, "{means:?}");
        let m = &means[0];
        assert_eq!((m.province.as_str(), m.question), ("Dakar", 19));
        assert_eq!((m.returnees, m.answered), (6, 4));
        assert!((m.mean.unwrap() - 0.75).abs() < 1e-9);
    }

    #[test]
    fn the_cases_behind_a_cell_are_those_counted_in_it() {
        let (c, _) = programme();
        for axis in [None, Some(Axis::Sex)] {
            let q = query(axis);
            for row in tallies(&c, &q).unwrap() {
                let cases = tally_cases(&c, &q, &row.period, row.group.as_deref(), 1000).unwrap();
                assert_eq!(cases.len() as u64, row.tally.numerator, "{row:?}");
            }
        }
        let q = query(None);
        let limited = tally_cases(&c, &q, "2026-Q1", None, 3).unwrap();
        assert_eq!(limited.len(), 3);
    }

    #[test]
    fn conditions_narrow_the_population_and_unknown_fields_are_refused() {
        let (c, surveys) = programme();
        let mut q = query(None);
        q.computation.population.push(Condition {
            field: "sex".into(),
            op: Op::OneOf,
            value: "female".into(),
        });
        q.computation.frequency = Frequency::Yearly;
        let rows = tallies(&c, &q).unwrap();
        let women = surveys.iter().filter(|s| s.0 == "female").count() as u64;
        // Counted as people: a woman surveyed twice in the year counts once.
        assert!(rows[0].tally.population <= women);
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].period, "2026");
        let mut bad = query(None);
        bad.computation.population.push(Condition {
            field: "salary; DROP TABLE cases".into(),
            op: Op::Equals,
            value: "1".into(),
        });
        assert!(tallies(&c, &bad).is_err());
    }
}
