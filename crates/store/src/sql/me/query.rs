//! An indicator's SQL, built from its conditions over a fixed list of fields: no text of the
//! indicator reaches the SQL, values are bound parameters (bare `?`, numbered in the order they
//! appear; PostgreSQL's side renumbers them). The pieces are standard SQL (`substr`, `CAST`,
//! `CASE`, `EXISTS`) and mean the same on both engines; only the comparison of countries
//! differs ([`reach`]).

use domain::me::{AgeBands, Axis, FieldKind, Frequency, Op, Source};
use domain::referral::ReferralStatus;
use domain::services::ServiceCategory;

use crate::model::TallyQuery;
use crate::sql::{Engine, Value};
use crate::{Result, StoreError};

pub(crate) const VULNERABLE: &str = "(CASE WHEN EXISTS (SELECT 1 FROM case_vulnerabilities v WHERE v.case_id = c.id) THEN 1 ELSE 0 END)";

/// The tables, the date a record counts on, and what is counted, per source.
pub(crate) fn base(source: Source) -> Option<(&'static str, &'static str, &'static str)> {
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

pub(crate) fn dimension_of_category() -> String {
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
pub(crate) fn field(source: Source, name: &str) -> Option<String> {
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
pub(crate) fn assistance() -> String {
    format!("({})", assistance_kinds("1 = 1", "1 = 1"))
}

/// The kinds of assistance of the cases that `on_referrals` (a condition on `r.case_id`) and
/// `on_projects` (the same on `dc.case_id`) choose: `(case_id, kind)`, each pair once.
pub(crate) fn assistance_kinds(on_referrals: &str, on_projects: &str) -> String {
    format!(
        "SELECT r.case_id AS case_id, {dimension} AS kind
         FROM referrals r JOIN services sv ON sv.id = r.service_id
         WHERE r.status IN ({went_ahead}) AND {on_referrals}
         UNION
         SELECT dc.case_id, 'community' FROM document_cases dc
         JOIN documents d ON d.id = dc.document_id
         WHERE d.kind = 'project' AND {on_projects}",
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
pub(crate) fn named_list<T: Copy>(
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

pub(crate) fn period(frequency: Frequency, date: &str) -> String {
    match frequency {
        Frequency::Monthly => format!("substr({date}, 1, 7)"),
        Frequency::Quarterly => format!(
            "(substr({date}, 1, 4) || '-Q' || ((CAST(substr({date}, 6, 2) AS INTEGER) + 2) / 3))"
        ),
        Frequency::Yearly => format!("substr({date}, 1, 4)"),
    }
}

pub(crate) fn age_band_sql(bands: &AgeBands) -> String {
    let mut sql = String::from("(CASE WHEN c.age_at_return IS NULL THEN NULL");
    for lower in bands.lower_bounds.iter().rev() {
        let label = bands.band(Some(*lower)).unwrap_or_default();
        sql.push_str(&format!(" WHEN c.age_at_return >= {lower} THEN '{label}'"));
    }
    sql.push_str(" END)");
    sql
}

pub(crate) fn axis(a: Axis, source: Source, bands: &AgeBands) -> Option<String> {
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
pub(crate) fn condition(
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
            // A score that does not read compares as unknown (meets no condition). SQLite turned
            // the NaN once bound here into NULL; PostgreSQL would compare a NaN as a number
            // above every other, so NULL is bound on both.
            FieldKind::Score => v
                .trim()
                .parse::<f64>()
                .ok()
                .filter(|f| !f.is_nan())
                .map_or(Value::Null, Value::Real),
            FieldKind::Flag => Value::Int(i64::from(v.trim() == "true")),
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
pub(crate) fn reach(q: &TallyQuery, engine: Engine) -> Vec<(String, Vec<Value>)> {
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
        let countries = q.countries.iter().map(|c| c.trim());
        out.push(match engine {
            // SQLite compares without ASCII case by the column's collation.
            Engine::Sqlite => (
                format!(
                    "c.return_country COLLATE NOCASE IN ({})",
                    list(q.countries.len())
                ),
                countries.map(|c| Value::Text(c.to_string())).collect(),
            ),
            // PostgreSQL has no NOCASE: both sides in lower case (ASCII only, as NOCASE folds;
            // the database's C collation makes lower() fold ASCII only as well).
            Engine::Postgres => (
                format!("lower(c.return_country) IN ({})", list(q.countries.len())),
                countries
                    .map(|c| Value::Text(c.to_ascii_lowercase()))
                    .collect(),
            ),
        });
    }
    out
}

/// An indicator's query taken apart: what both the figures and the records behind them need.
pub(crate) struct Parts {
    pub(crate) tables: String,
    pub(crate) counted: &'static str,
    pub(crate) period: String,
    pub(crate) group: String,
    pub(crate) numerator: String,
    /// The conditions on who is counted, the dates and the office.
    pub(crate) filters: Vec<String>,
    /// The numerator's parameters, then the filters'.
    pub(crate) params: Vec<Value>,
}

/// An indicator's grouped query in parts. On SQLite, survey figures are counted by the merge
/// of `sqlite::me::survey_tallies`; there these parts serve the records behind a figure and
/// the tests' reference query.
pub(crate) fn parts(q: &TallyQuery, engine: Engine) -> Result<Parts> {
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
    for (sql, values) in reach(q, engine) {
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
