use super::*;

pub(super) const VULNERABLE: &str = "(CASE WHEN EXISTS (SELECT 1 FROM case_vulnerabilities v WHERE v.case_id = c.id) THEN 1 ELSE 0 END)";

/// The tables, the date a record counts on, and what is counted, per source.
pub(super) fn base(source: Source) -> Option<(&'static str, &'static str, &'static str)> {
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

pub(super) fn dimension_of_category() -> String {
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
pub(super) fn field(source: Source, name: &str) -> Option<String> {
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
pub(super) fn assistance() -> String {
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
pub(super) fn named_list<T: Copy>(
    all: &[T],
    keep: fn(T) -> bool,
    name: fn(T) -> &'static str,
) -> String {
    all.iter()
        .copied()
        .filter(|v| keep(*v))
        .map(|v| format!("'{}'", name(v)))
        .collect::<Vec<_>>()
        .join(", ")
}

pub(super) fn period(frequency: Frequency, date: &str) -> String {
    match frequency {
        Frequency::Monthly => format!("substr({date}, 1, 7)"),
        Frequency::Quarterly => format!(
            "(substr({date}, 1, 4) || '-Q' || ((CAST(substr({date}, 6, 2) AS INTEGER) + 2) / 3))"
        ),
        Frequency::Yearly => format!("substr({date}, 1, 4)"),
    }
}

pub(super) fn age_band_sql(bands: &AgeBands) -> String {
    let mut sql = String::from("(CASE WHEN c.age_at_return IS NULL THEN NULL");
    for lower in bands.lower_bounds.iter().rev() {
        let label = bands.band(Some(*lower)).unwrap_or_default();
        sql.push_str(&format!(" WHEN c.age_at_return >= {lower} THEN '{label}'"));
    }
    sql.push_str(" END)");
    sql
}

pub(super) fn axis(a: Axis, source: Source, bands: &AgeBands) -> Option<String> {
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
pub(super) fn condition(
    source: Source,
    c: &domain::me::Condition,
    params: &mut Vec<Value>,
) -> Result<String> {
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
pub(super) fn reach(q: &TallyQuery) -> Vec<(String, Vec<Value>)> {
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
pub(super) struct Parts {
    pub(super) tables: String,
    pub(super) counted: &'static str,
    pub(super) period: String,
    pub(super) group: String,
    pub(super) numerator: String,
    /// The conditions on who is counted, the dates and the office.
    pub(super) filters: Vec<String>,
    /// The numerator's parameters, then the filters'.
    pub(super) params: Vec<Value>,
}

/// Survey figures are counted by [`survey_tallies`]; their parts serve the records behind a
/// figure and the tests' reference query.
pub(super) fn parts(q: &TallyQuery) -> Result<Parts> {
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
pub(super) fn uses_case(sql: &str) -> bool {
    sql.match_indices("c.").any(|(i, _)| {
        i == 0 || !sql.as_bytes()[i - 1].is_ascii_alphanumeric() && sql.as_bytes()[i - 1] != b'_'
    })
}

/// SQL conditions split by the table they read, each side with its parameters.
#[derive(Default)]
pub(super) struct Side {
    pub(super) conditions: Vec<String>,
    pub(super) params: Vec<Value>,
}

impl Side {
    pub(super) fn push(&mut self, sql: String, params: Vec<Value>) {
        self.conditions.push(sql);
        self.params.extend(params);
    }

    pub(super) fn all(&self) -> String {
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
pub(super) fn survey_tallies(c: &Connection, q: &TallyQuery) -> Result<Vec<TallyRow>> {
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
