//! SQLite's merged reads against plain grouped queries over the same rows, and the records
//! behind a figure against the figure.
#![allow(clippy::unwrap_used)]
use std::collections::BTreeMap;

use domain::me::{AgeBands, Axis, Computation, Condition, Frequency, Op, Period, Source, Tally};
use rusqlite::Connection;
use time::macros::date;

use super::*;
use crate::model::TallyQuery;
use crate::sql::me::query::parts;
use crate::sql::{Engine, now};
use crate::sqlite::Lite;

fn tally_cases(
    c: &Connection,
    q: &TallyQuery,
    period: &str,
    group: Option<&str>,
    limit: u32,
) -> crate::Result<Vec<domain::CaseId>> {
    now(crate::sql::me::indicators::tally_cases(
        &Lite(c),
        q,
        period,
        group,
        limit,
    ))
}

/// A survey as the test sees it: sex, age, vulnerable, date, composite score.
type Survey = (String, u16, bool, time::Date, f64);

/// An in-memory database with every migration and `cases` × surveys made from a simple
/// deterministic sequence; returns the connection and the rows as the test sees them.
fn programme() -> (Connection, Vec<Survey>) {
    let c = Connection::open_in_memory().unwrap();
    crate::sqlite::configure(&c).unwrap();
    for (_, _, sql) in crate::sqlite::MIGRATIONS {
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
            let day = date!(2026 - 01 - 10) + time::Duration::days(i64::from(i * 3 + round * 120));
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
        let p = parts(q, Engine::Sqlite).unwrap();
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
    let count = |sql: &str| -> u64 { c.query_row(sql, [], |r| r.get::<_, i64>(0)).unwrap() as u64 };
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
