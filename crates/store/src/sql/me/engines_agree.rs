//! The figures that each engine reads in its own way (SQLite's merged scans, PostgreSQL's
//! grouped queries and batches) agree, over the same rows written to both: every indicator
//! source, breakdown, condition and reach, the records behind the figures, the dashboards'
//! summaries, "what works" and the sampling frame. Batches are a handful of cases in tests, so
//! PostgreSQL's reads cross many of them. Needs `REINTEGRA_TEST_POSTGRES`, as the integration
//! tests do (`skip` skips it).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::{Arc, Mutex};

use domain::OfficeId;
use domain::me::outcomes::ReturneeFacts;
use domain::me::{AgeBands, Axis, Computation, Condition, Frequency, Op, Source};
use domain::pathway::followup::{FollowUpVisit, VisitKey};
use domain::referral::{ReferralStatus, ReferralStep};
use domain::rss::Round;
use domain::services::ServiceCategory;
use time::macros::date;

use crate::model::{SurveySummary, TallyQuery};
use crate::postgres::PgStore;
use crate::sql::{Db, args, now};
use crate::sqlite::{Lite, SqliteStore};
use crate::{ResultStore, SampleStore};

fn id(prefix: u32, i: u32) -> String {
    format!("{prefix:08}-0000-0000-0000-{i:012}")
}

fn office(n: u32) -> OfficeId {
    OfficeId(uuid::Uuid::parse_str(&id(9, n)).unwrap())
}

const CASES: u32 = 60;

/// The same rows on either engine: three offices (the third empty), sixty returnees with
/// surveys (some twice in a quarter, some twice on one day), referrals with their events,
/// community projects and meetings, approved and unapproved plans, follow-up visits (one that
/// does not read) and consents.
async fn world<D: Db>(db: &D) -> crate::Result<()> {
    for (n, code) in [(1, "DKR"), (2, "THS"), (3, "EMP")] {
        db.exec(
            "INSERT INTO offices (id, code, name, created_at) VALUES (?1, ?2, ?2, 0)",
            &args![id(9, n), code],
        )
        .await?;
    }
    let user = id(8, 1);
    db.exec(
        "INSERT INTO users (id, username, display_name, role, office_id, password_hash,
             created_at)
         VALUES (?1, 'agree.cm', 'Case Manager', 'case_manager', ?2, 'x', 0)",
        &args![&user, id(9, 1)],
    )
    .await?;
    for (n, category) in [
        (1, ServiceCategory::Health),
        (2, ServiceCategory::Tvet),
        (3, ServiceCategory::Housing),
    ] {
        db.exec(
            "INSERT INTO providers (id, name, body, version, updated_at)
             VALUES (?1, ?2, '{}', 1, 0)",
            &args![id(7, n), format!("Provider {n}")],
        )
        .await?;
        db.exec(
            "INSERT INTO services (id, provider_id, name, category, body, version, updated_at)
             VALUES (?1, ?2, 'Service', ?3, '{}', 1, 0)",
            &args![id(6, n), id(7, n), category.as_str()],
        )
        .await?;
    }
    db.exec(
        "INSERT INTO form_versions (form_id, version, title, definition, status, origin,
             uploaded_at)
         VALUES ('agree.rss', '1', 'RSS', '{}', 'published', 'shipped', 0)",
        &[],
    )
    .await?;
    for (n, kind) in [(1, "project"), (2, "meeting")] {
        db.exec(
            "INSERT INTO documents (id, kind, name, body, version, created_at, updated_at)
             VALUES (?1, ?2, ?2, '{}', 1, 0, 0)",
            &args![id(5, n), kind],
        )
        .await?;
    }
    let day = |d: time::Date, n: u32| d + time::Duration::days(i64::from(n));
    let mut next = 0u32;
    let mut fresh = || {
        next += 1;
        id(4, next)
    };
    for i in 0..CASES {
        let case = id(0, i);
        db.exec(
            "INSERT INTO cases (id, case_number, office_id, case_manager_id, given_name,
                 family_name, family_name_folded, sex, age_at_return, nationality, return_date,
                 returned_from, absence_months, return_type, return_country, return_province,
                 return_province_folded, community_is_origin, restricted_flag, restricted,
                 stage, version, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, 'A', 'B', 'b', ?5, ?6, 'SN', ?7, ?8, ?9, ?10, ?11, ?12,
                 ?12, ?13, 0, 0, ?14, 1, 0, 0)",
            &args![
                &case,
                format!("C{i:04}"),
                id(9, if i % 3 == 2 { 2 } else { 1 }),
                (i % 2 == 0).then(|| user.clone()),
                if i % 3 == 0 { "male" } else { "female" },
                (i % 11 != 0).then_some(16 + i * 7 % 50),
                day(date!(2025 - 06 - 01), i * 9),
                ["LY", "DZ", "MA"][i as usize % 3],
                (i % 5 != 0).then_some(i * 3),
                ["forced", "assisted_voluntary"][i as usize % 2],
                ["SN", "sn", "ML"][i as usize % 3],
                ["Dakar", "Thiès", "Kolda"][i as usize % 3],
                (i % 4 != 0).then_some(i % 2),
                if i % 7 == 0 { "closed" } else { "intake" },
            ],
        )
        .await?;
        for (keep, vulnerability) in [(i % 4 == 0, "debt"), (i % 9 == 0, "trafficking_victim")] {
            if keep {
                db.exec(
                    "INSERT INTO case_vulnerabilities (case_id, vulnerability) VALUES (?1, ?2)",
                    &args![&case, vulnerability],
                )
                .await?;
            }
        }
        // Surveys: one per round, an ad hoc one in the baseline's quarter, a second survey on
        // the day of the last one.
        let mut surveys: Vec<(&str, time::Date, Option<f64>)> = Vec::new();
        for r in 0..(i % 3 + 1) {
            let composite = (i % 17 != 0).then(|| f64::from((i * 13 + r * 29) % 100) / 100.0);
            surveys.push((
                ["baseline", "intermediate", "final"][r as usize],
                day(date!(2026 - 01 - 10), i * 3 + r * 120),
                composite,
            ));
        }
        if i % 5 == 0 {
            surveys.push((
                "ad_hoc",
                day(date!(2026 - 01 - 12), i * 3),
                Some(f64::from(i % 2) * 0.9),
            ));
        }
        if i % 6 == 0
            && let Some(&(round, on, _)) = surveys.last()
        {
            surveys.push((round, on, Some(0.33)));
        }
        for (n, (round, on, composite)) in surveys.into_iter().enumerate() {
            let submission = fresh();
            db.exec(
                "INSERT INTO submissions (id, form_id, form_version, subject_type, subject_id,
                     status, answers, interviewer_id, interview_date, created_at, updated_at)
                 VALUES (?1, 'agree.rss', '1', 'case', ?2, 'complete', '{}', ?3, ?4, 0, 0)",
                &args![&submission, &case, &user, on],
            )
            .await?;
            let breakdown = if n == 0 && i % 4 == 1 {
                "{}".to_string()
            } else {
                let health = [Some(1.0), Some(0.5), None][(i as usize + n) % 3];
                let income = if i % 13 == 0 { "Income (v2)" } else { "Income" };
                let value = f64::from((i + n as u32) % 10) / 10.0;
                serde_json::json!([
                    {"question": 19, "name": "Access to health care", "value": health},
                    {"question": 7, "name": income, "value": value},
                ])
                .to_string()
            };
            db.exec(
                "INSERT INTO rss_scores (submission_id, case_id, round, interview_date,
                     interviewer_id, economic, social, psychosocial, composite, dk_dwa_count,
                     low_accuracy, model, breakdown, scored_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 0.5, ?8, 0, ?9, 'm', ?10, 0)",
                &args![
                    &submission,
                    &case,
                    round,
                    on,
                    &user,
                    (i % 2 == 0).then_some(f64::from(i % 10) / 10.0),
                    (i % 3 != 1).then_some(0.25),
                    composite,
                    i % 5 == 0,
                    breakdown,
                ],
            )
            .await?;
        }
        // Referrals: (service, status, answered by, sent).
        let referrals: Vec<(u32, ReferralStatus, Option<ReferralStep>, bool)> = match i % 4 {
            0 => vec![(
                1,
                ReferralStatus::Accepted,
                Some(ReferralStep::Accept),
                true,
            )],
            1 => vec![(
                1,
                ReferralStatus::Declined,
                Some(ReferralStep::Decline),
                true,
            )],
            2 => vec![
                (
                    1,
                    ReferralStatus::Completed,
                    Some(ReferralStep::Accept),
                    true,
                ),
                (2, ReferralStatus::Sent, None, true),
                (3, ReferralStatus::Draft, None, false),
            ],
            _ => vec![(3, ReferralStatus::Cancelled, None, i % 8 == 3)],
        };
        for (service, status, answer, sent) in referrals {
            let referral = fresh();
            db.exec(
                "INSERT INTO referrals (id, case_id, service_id, provider_id, status, body,
                     sent_on, version, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, '{}', ?6, 1, 0, 0)",
                &args![
                    &referral,
                    &case,
                    id(6, service),
                    id(7, service),
                    status.as_str(),
                    sent.then(|| day(date!(2026 - 03 - 01), i)),
                ],
            )
            .await?;
            let steps = [
                sent.then_some((ReferralStep::Send, 100)),
                answer.map(|a| (a, 200 + i64::from(i))),
            ];
            for (step, at) in steps.into_iter().flatten() {
                db.exec(
                    "INSERT INTO referral_events (id, referral_id, step, note, via, at)
                     VALUES (?1, ?2, ?3, '', 'staff', ?4)",
                    &args![fresh(), &referral, step.as_str(), at + i64::from(i) * 1000],
                )
                .await?;
            }
        }
        for (keep, document) in [(i % 5 == 0, 1), (i % 7 == 0, 2)] {
            if keep {
                db.exec(
                    "INSERT INTO document_cases (document_id, case_id) VALUES (?1, ?2)",
                    &args![id(5, document), &case],
                )
                .await?;
            }
        }
        // Plans: approved (a second version for some), or agreed only.
        let items = |v: serde_json::Value| serde_json::json!({ "items": v }).to_string();
        let mut plans = Vec::new();
        if i % 3 == 0 {
            plans.push((
                items(serde_json::json!([
                    {"key": 1, "kind": "microbusiness", "modality": "cash",
                     "responsible": "returnee", "status": "planned"},
                    {"key": 2, "kind": "housing", "modality": "service",
                     "responsible": "provider", "status": "planned"},
                ])),
                true,
            ));
            if i % 6 == 0 {
                plans.push((
                    items(serde_json::json!([
                        {"key": 1, "kind": "individual_family_psychosocial",
                         "modality": "service", "responsible": "provider", "status": "planned"},
                    ])),
                    true,
                ));
            }
        } else if i % 9 == 1 {
            plans.push((items(serde_json::json!([])), false));
        }
        for (v, (content, approved)) in plans.into_iter().enumerate() {
            db.exec(
                "INSERT INTO plan_versions (case_id, version, content, revision, agreed_on,
                     approved_at, created_at, updated_at)
                 VALUES (?1, ?2, ?3, 1, ?4, ?5, 0, 0)",
                &args![
                    &case,
                    v as i64 + 1,
                    content,
                    day(date!(2025 - 07 - 01), i + v as u32 * 30),
                    approved.then_some(10i64),
                ],
            )
            .await?;
        }
        // Follow-up visits, one that does not read, and disbursements.
        if i % 2 == 0 {
            let visit = FollowUpVisit {
                date: day(date!(2025 - 09 - 01), i),
                mode: domain::pathway::ContactMode::Phone,
                scheduled: (i % 4 == 0).then_some(VisitKey::Midterm),
                findings: "Doing well".into(),
                w_model_used: false,
                plan_changes: String::new(),
                confirm_outside_window: false,
            };
            for body in [
                serde_json::to_string(&visit).unwrap(),
                r#"{"date": "not a date"}"#.to_string(),
            ] {
                db.exec(
                    "INSERT INTO pathway_entries (id, case_id, kind, entry_date, body,
                         recorded_at)
                     VALUES (?1, ?2, 'follow_up', ?3, ?4, 0)",
                    &args![fresh(), &case, visit.date, body],
                )
                .await?;
            }
        }
        // Consent to case management (withdrawn later for some), monitoring refused by some.
        let mut consents = vec![("case_management", "given", date!(2025 - 01 - 01))];
        if i % 10 == 8 {
            consents.push(("case_management", "withdrawn", date!(2025 - 03 - 01)));
        }
        if i % 6 == 5 {
            consents.push(("monitoring_evaluation", "refused", date!(2025 - 02 - 01)));
        }
        if i % 10 != 9 {
            for (purpose, decision, on) in consents {
                db.exec(
                    "INSERT INTO consents (id, case_id, purpose, decision, method, date,
                         recorded_by, recorded_at)
                     VALUES (?1, ?2, ?3, ?4, 'verbal', ?5, ?6, 0)",
                    &args![fresh(), &case, purpose, decision, on, &user],
                )
                .await?;
            }
        }
    }
    Ok(())
}

/// Both stores, each holding [`world`]; `None` when PostgreSQL tests are skipped.
async fn stores() -> Option<(tempfile::TempDir, SqliteStore, tempfile::TempDir, PgStore)> {
    let url = std::env::var("REINTEGRA_TEST_POSTGRES").unwrap_or_default();
    if url == "skip" {
        return None;
    }
    assert!(
        !url.is_empty(),
        "REINTEGRA_TEST_POSTGRES is not set (see tests/it/postgres.rs), or set it to `skip`"
    );
    let lite_dir = tempfile::tempdir().unwrap();
    let lite = SqliteStore::open_in(lite_dir.path()).await.unwrap();
    lite.write(|tx| now(world(&Lite(tx)))).await.unwrap();
    let pg_dir = tempfile::tempdir().unwrap();
    let pg = PgStore::connect_to_new_schema(&url, pg_dir.path(), 2)
        .await
        .unwrap();
    pg.write((), |db, ()| Box::pin(world(db))).await.unwrap();
    Some((lite_dir, lite, pg_dir, pg))
}

fn condition(field: &str, op: Op, value: &str) -> Condition {
    Condition {
        field: field.into(),
        op,
        value: value.into(),
    }
}

/// Averages summed in another order may differ in the last bits.
fn rounded(mut s: SurveySummary) -> SurveySummary {
    let r = |v: Option<f64>| v.map(|v| (v * 1e9).round() / 1e9);
    for m in &mut s.means {
        (m.economic, m.social, m.psychosocial, m.composite) = (
            r(m.economic),
            r(m.social),
            r(m.psychosocial),
            r(m.composite),
        );
    }
    s
}

async fn outcome_facts(
    s: &dyn ResultStore,
    office: Option<OfficeId>,
    rounds: &[Round],
) -> Vec<ReturneeFacts> {
    let given = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&given);
    s.visit_outcome_facts(
        office,
        rounds,
        Box::new(move |f| sink.lock().unwrap().push(f)),
    )
    .await
    .unwrap();
    std::mem::take(&mut *given.lock().unwrap())
}

/// A query's reach: the reader's office, the programme's offices and countries.
type Reach = (Option<OfficeId>, Option<Vec<OfficeId>>, Vec<String>);

#[tokio::test]
async fn both_engines_count_the_same() {
    let Some((_l, lite, _p, pg)) = stores().await else {
        return;
    };
    let reaches: [Reach; 6] = [
        (None, None, vec![]),
        (Some(office(1)), None, vec![]),
        (None, Some(vec![]), vec![]),
        (None, Some(vec![office(2), office(3)]), vec![]),
        (None, None, vec!["sn".into(), " ML ".into()]),
        (None, None, vec!["Mali".into()]),
    ];
    let sources = [
        (
            Source::Surveys,
            vec![
                vec![],
                vec![condition("sex", Op::Equals, "female")],
                vec![
                    condition("composite", Op::Below, "0.8"),
                    condition("vulnerable", Op::Equals, "false"),
                ],
                vec![condition("round", Op::OneOf, "baseline, final")],
            ],
            vec![
                vec![condition("composite", Op::AtLeast, "0.5")],
                vec![
                    condition("composite", Op::AtLeast, "0.3"),
                    condition("sex", Op::Equals, "male"),
                ],
                vec![condition("low_accuracy", Op::Equals, "true")],
                vec![condition("economic", Op::Above, "not a number")],
            ],
        ),
        (
            Source::Cases,
            vec![
                vec![],
                vec![condition("stage", Op::OneOf, "intake, assessment")],
                vec![condition("same_community", Op::Equals, "true")],
            ],
            vec![
                vec![condition("sex", Op::Equals, "female")],
                vec![condition("vulnerable", Op::Equals, "true")],
                vec![],
            ],
        ),
        (
            Source::Referrals,
            vec![
                vec![],
                vec![condition("status", Op::OneOf, "sent,accepted,completed")],
            ],
            vec![
                vec![condition("status", Op::Equals, "accepted")],
                vec![condition("dimension", Op::Equals, "social")],
            ],
        ),
    ];
    let mut cells = 0;
    for (source, populations, numerators) in &sources {
        for axis in std::iter::once(None).chain(Axis::ALL.iter().copied().map(Some)) {
            for (n, population) in populations.iter().enumerate() {
                for (m, numerator) in numerators.iter().enumerate() {
                    for (r, (office, offices, countries)) in reaches.iter().enumerate() {
                        let q = TallyQuery {
                            computation: Computation {
                                source: *source,
                                population: population.clone(),
                                numerator: numerator.clone(),
                                frequency: [
                                    Frequency::Quarterly,
                                    Frequency::Monthly,
                                    Frequency::Yearly,
                                ][(n + m + r) % 3],
                            },
                            from: date!(2025 - 01 - 01),
                            to: date!(2027 - 12 - 31),
                            axis,
                            office: *office,
                            offices: offices.clone(),
                            countries: countries.clone(),
                            age_bands: AgeBands::default(),
                        };
                        let (a, b) = (lite.tallies(&q).await, pg.tallies(&q).await);
                        let what = format!("{source:?} {axis:?} {population:?} {numerator:?} {r}");
                        let (a, b) = match (a, b) {
                            (Ok(a), Ok(b)) => (a, b),
                            // A breakdown the source does not have, on both.
                            (Err(_), Err(_)) => continue,
                            (a, b) => panic!("{what}: {a:?} against {b:?}"),
                        };
                        assert_eq!(a, b, "{what}");
                        cells += a.len();
                        // The records behind the cells, for some of them.
                        if r < 2 && n == 0 {
                            for row in &a {
                                let group = row.group.as_deref();
                                let (x, y) = (
                                    lite.tally_cases(&q, &row.period, group, 1000)
                                        .await
                                        .unwrap(),
                                    pg.tally_cases(&q, &row.period, group, 1000).await.unwrap(),
                                );
                                assert_eq!(x, y, "{what} {row:?}");
                            }
                        }
                    }
                }
            }
        }
    }
    assert!(cells > 1000, "the comparison saw figures: {cells}");

    for o in [None, Some(office(1)), Some(office(2)), Some(office(3))] {
        let (a, b) = (
            lite.survey_summary(o, (0.33, 0.66)).await.unwrap(),
            pg.survey_summary(o, (0.33, 0.66)).await.unwrap(),
        );
        assert!(o == Some(office(3)) || !a.means.is_empty());
        assert_eq!(rounded(a), rounded(b), "survey summary {o:?}");
        let round = |mut v: Vec<crate::model::ItemMean>| {
            v.iter_mut()
                .for_each(|m| m.mean = m.mean.map(|x| (x * 1e9).round() / 1e9));
            v
        };
        let (a, b) = (
            lite.item_means(o).await.unwrap(),
            pg.item_means(o).await.unwrap(),
        );
        assert!(o == Some(office(3)) || !a.is_empty());
        assert_eq!(round(a), round(b), "question means {o:?}");
        let (a, b) = (
            lite.follow_up_facts(o).await.unwrap(),
            pg.follow_up_facts(o).await.unwrap(),
        );
        assert_eq!(a, b, "follow-up facts {o:?}");
        // By provider; in no particular order within one.
        let sorted = |mut v: Vec<crate::model::AnswerTime>| {
            v.sort_by_key(|t| (t.provider_name.clone(), t.sent_at, t.answered_at));
            v
        };
        assert_eq!(
            sorted(lite.answer_times(o).await.unwrap()),
            sorted(pg.answer_times(o).await.unwrap()),
            "answer times {o:?}"
        );
        for rounds in [&Round::ALL[..], &[Round::Baseline, Round::Final][..]] {
            let (a, b) = (
                outcome_facts(&lite, o, rounds).await,
                outcome_facts(&pg, o, rounds).await,
            );
            assert!(o == Some(office(3)) || !a.is_empty());
            assert_eq!(a.len(), b.len(), "outcome facts {o:?} {rounds:?}");
            for (x, y) in a.iter().zip(&b) {
                assert_eq!(x, y, "outcome facts {o:?} {rounds:?}");
            }
        }
        let (a, b) = (
            lite.sampling_frame(o).await.unwrap(),
            pg.sampling_frame(o).await.unwrap(),
        );
        assert!(o == Some(office(3)) || a.iter().any(|f| !f.assistance.is_empty()));
        assert_eq!(a, b, "sampling frame {o:?}");
    }
}

/// Rows written without the store's writes (as [`world`] writes them) leave the tallies behind,
/// and the check says so; built again, they equal the recount on both engines, and every
/// indicator of surveys reads the same figures from them as counted from the surveys, with
/// the periods that the dates cut counted from the surveys.
#[tokio::test]
async fn tallies_are_checked_built_and_read_on_both_engines() {
    let Some((_l, lite, _p, pg)) = stores().await else {
        return;
    };
    let stores: [&dyn ResultStore; 2] = [&lite, &pg];
    for s in stores {
        assert!(!s.verify_tallies().await.unwrap().is_empty());
        s.rebuild_tallies().await.unwrap();
        assert_eq!(s.verify_tallies().await.unwrap(), vec![]);
    }
    let conditions = [
        vec![],
        vec![condition("composite", Op::AtLeast, "0.5")],
        vec![condition("sex", Op::Equals, "female")],
        vec![condition("round", Op::Equals, "final")],
        vec![condition("same_community", Op::Equals, "true")],
        vec![condition("host_country", Op::OneOf, "Libya, Niger")],
    ];
    let (mut from_tallies, mut cut) = (0, 0);
    for (i, population) in conditions.iter().enumerate() {
        for axis in std::iter::once(None).chain(Axis::ALL.iter().copied().map(Some)) {
            for (from, to) in [
                (date!(2025 - 01 - 01), date!(2027 - 12 - 31)),
                (date!(2026 - 02 - 14), date!(2026 - 08 - 20)),
            ] {
                let q = TallyQuery {
                    computation: Computation {
                        source: Source::Surveys,
                        population: population.clone(),
                        numerator: vec![condition("composite", Op::AtLeast, "0.65")],
                        frequency: Frequency::ALL[i % 3],
                    },
                    from,
                    to,
                    axis,
                    office: (i == 1).then(|| office(1)),
                    offices: (i == 2).then(|| vec![office(1), office(2)]),
                    countries: if i == 3 { vec!["SN".into()] } else { vec![] },
                    age_bands: AgeBands::default(),
                };
                for s in stores {
                    let read = s.indicator_figures(&q).await.unwrap();
                    assert_eq!(read.rows, s.tallies(&q).await.unwrap(), "{q:?}");
                    match read.counted {
                        crate::model::Counted::Tallies => from_tallies += 1,
                        crate::model::Counted::TalliesAndRecords { .. } => cut += 1,
                        crate::model::Counted::Records { .. } => {}
                    }
                }
            }
        }
    }
    assert!(from_tallies > 50 && cut > 20, "{from_tallies} {cut}");
}
