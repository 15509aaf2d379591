//! `ResultStore`: figures counted in the database — indicator tallies and the dashboards'
//! summaries — over one office's small, fully known programme.
//!
//! Four returnees of office RES: Awa (female, back in January, Kolda), Bakary (male, February,
//! Kolda), Coumba (female, April, Sédhiou, a victim of trafficking) and Daouda (male, May,
//! Kolda, closed). Awa is surveyed twice, Bakary and Coumba once; Awa and Bakary are referred
//! to a clinic, Coumba's referrals are left a draft or called off.

use std::collections::BTreeMap;
use std::sync::Arc;

use domain::case::{CaseStage, Sex, Vulnerability};
use domain::me::{AgeBands, Axis, Computation, Condition, Frequency, Op, Source, Tally};
use domain::pathway::followup::{FollowUpVisit, VisitKey};
use domain::pathway::plan::{AgreementMethod, PlanContent};
use domain::referral::{ReferralContent, ReferralStatus, ReferralStep, Urgency};
use domain::rss::{Breakdown, IndicatorScore, Round, Scores};
use domain::{CaseId, OfficeId, Role, UserId};
use store::*;
use time::macros::date;
use time::{Date, OffsetDateTime};

use super::{NOW, new_case, profile, user};

pub async fn run(s: Arc<dyn Store>) {
    let w = programme(&s).await;
    case_tallies_count_per_period_group_and_reach(&s, &w).await;
    survey_tallies_count_returnees(&s, &w).await;
    referral_tallies_count_by_the_date_sent(&s, &w).await;
    the_cases_behind_a_cell(&s, &w).await;
    survey_summary_per_round(&s, &w).await;
    item_means_read_each_returnees_latest_survey(&s, &w).await;
    follow_up_facts_of_open_cases(&s, &w).await;
    answer_times_of_sent_referrals(&s, &w).await;
    outcome_facts_of_surveyed_returnees(&s, &w).await;
}

struct World {
    office: OfficeId,
    /// An office with nothing in it.
    empty: OfficeId,
    awa: CaseId,
    bakary: CaseId,
    coumba: CaseId,
    daouda: CaseId,
    clinic: String,
    /// When each referral was sent and first answered (the audit times of its steps).
    sent_awa: OffsetDateTime,
    answered_awa: OffsetDateTime,
    sent_bakary: OffsetDateTime,
}

fn hours(h: i64) -> OffsetDateTime {
    NOW + time::Duration::hours(h)
}

async fn programme(s: &Arc<dyn Store>) -> World {
    let office = super::office(s, "RES").await;
    let empty = super::office(s, "RESX").await;
    let cm = user(s, "res.cm", Role::CaseManager, Some(office.id)).await;
    let returnee = |given: &str, sex: Sex, province: &str, returned: Date| {
        let mut p = profile(given, "Resultat");
        p.sex = sex;
        p.return_province = province.into();
        p.return_date = returned;
        p
    };
    let awa = new_case(
        s,
        office.id,
        cm.id,
        returnee("Awa", Sex::Female, "Kolda", date!(2026 - 01 - 15)),
    )
    .await
    .id;
    let bakary = new_case(
        s,
        office.id,
        cm.id,
        returnee("Bakary", Sex::Male, "Kolda", date!(2026 - 02 - 10)),
    )
    .await
    .id;
    let mut p = returnee("Coumba", Sex::Female, "Sédhiou", date!(2026 - 04 - 05));
    p.vulnerabilities = vec![Vulnerability::TraffickingVictim];
    let coumba = new_case(s, office.id, cm.id, p).await.id;
    let daouda = new_case(
        s,
        office.id,
        cm.id,
        returnee("Daouda", Sex::Male, "Kolda", date!(2026 - 05 - 20)),
    )
    .await
    .id;
    let by_cm = AuditContext::by(cm.id, NOW);
    assert!(
        s.set_case_stage(daouda, CaseStage::Closed, by_cm.clone())
            .await
            .unwrap()
    );

    // Surveys: completed with their scores.
    install_survey_form(s).await;
    for (case, round, day, composite, economic, q19) in [
        (
            awa,
            Round::Baseline,
            date!(2026 - 02 - 01),
            0.75,
            Some(0.5),
            Some(0.0),
        ),
        (
            bakary,
            Round::Baseline,
            date!(2026 - 02 - 15),
            0.25,
            Some(1.0),
            Some(0.5),
        ),
        (
            coumba,
            Round::Baseline,
            date!(2026 - 05 - 02),
            0.5,
            None,
            None,
        ),
        (
            awa,
            Round::Intermediate,
            date!(2026 - 08 - 01),
            0.875,
            None,
            Some(1.0),
        ),
    ] {
        survey(s, cm.id, case, round, day, composite, economic, q19).await;
    }

    // Plans (each written with the stage the case already has, for the counts below): Awa's
    // first approved plan was agreed on 20 January; Bakary's is agreed only.
    let agree = |d: Date| NewPlanAgreement {
        date: d,
        method: AgreementMethod::Signed,
        copy_given: true,
    };
    for (version, agreed) in [(1, date!(2026 - 01 - 20)), (2, date!(2026 - 05 - 01))] {
        let latest = (version > 1).then_some(version - 1);
        s.create_plan_version(
            awa,
            latest,
            PlanContent::default(),
            CaseStage::Intake,
            by_cm.clone(),
        )
        .await
        .unwrap();
        s.agree_plan(
            awa,
            version,
            1,
            agree(agreed),
            CaseStage::Intake,
            by_cm.clone(),
        )
        .await
        .unwrap();
        s.approve_plan(awa, version, 2, false, CaseStage::Intake, by_cm.clone())
            .await
            .unwrap();
    }
    s.create_plan_version(
        bakary,
        None,
        PlanContent::default(),
        CaseStage::Intake,
        by_cm.clone(),
    )
    .await
    .unwrap();
    s.agree_plan(
        bakary,
        1,
        1,
        agree(date!(2026 - 03 - 01)),
        CaseStage::Intake,
        by_cm.clone(),
    )
    .await
    .unwrap();

    // Follow-up visits: Awa's midterm visit, an additional contact with Coumba.
    for (case, day, scheduled) in [
        (awa, date!(2026 - 07 - 15), Some(VisitKey::Midterm)),
        (coumba, date!(2026 - 06 - 01), None),
    ] {
        let visit = FollowUpVisit {
            date: day,
            mode: domain::pathway::ContactMode::HomeVisit,
            scheduled,
            findings: "Doing well".into(),
            w_model_used: false,
            plan_changes: String::new(),
            confirm_outside_window: false,
        };
        s.add_entry(
            NewEntry {
                id: uuid::Uuid::new_v4(),
                case,
                kind: EntryKind::FollowUp,
                date: day,
                body: serde_json::to_string(&visit).unwrap(),
                open: false,
                summary: day.to_string(),
            },
            CaseStage::Intake,
            by_cm.clone(),
        )
        .await
        .unwrap();
    }

    // Referrals to a clinic.
    let clinic = "Résultat clinic".to_string();
    let provider = domain::ProviderId::new();
    s.save_provider(
        provider,
        None,
        domain::services::Provider {
            name: clinic.clone(),
            ..Default::default()
        },
        by_cm.clone(),
    )
    .await
    .unwrap();
    let service = domain::ServiceId::new();
    s.save_service(
        service,
        provider,
        None,
        domain::services::Service {
            name: "Check-up".into(),
            category: domain::services::ServiceCategory::Health,
            place: "Kolda".into(),
            languages: vec![],
            details: Default::default(),
            barriers: vec![],
            ratings: Default::default(),
            serves_returnees: true,
            open_to_local_population: true,
            answer_days: Some(3),
            verified_on: None,
            verified_by: String::new(),
        },
        by_cm.clone(),
    )
    .await
    .unwrap();
    let refer = |case| {
        let id = domain::ReferralId::new();
        let new = NewReferral {
            id,
            case,
            service,
            content: ReferralContent {
                reason: "Check-up".into(),
                urgency: Urgency::Routine,
                sections: vec![],
                health_note: String::new(),
                protection_note: String::new(),
                psychosocial_note: String::new(),
                plan_item: None,
                accompanied: false,
                consent: None,
                consent_override: None,
            }
            .normalised(),
        };
        (id, new)
    };
    let step = |from, to, step, sent_on: Option<Date>| NewReferralStep {
        from,
        to,
        step,
        note: String::new(),
        via: Via::Staff,
        sent_on,
        answer_due: None,
    };
    use ReferralStatus as S;
    use ReferralStep as T;
    // (case, steps with their hour and the date sent)
    let plans: [(CaseId, Vec<(i64, NewReferralStep)>); 4] = [
        (
            awa,
            vec![
                (
                    1,
                    step(S::Draft, S::Sent, T::Send, Some(date!(2026 - 03 - 10))),
                ),
                (3, step(S::Sent, S::Accepted, T::Accept, None)),
                (4, step(S::Accepted, S::Started, T::Start, None)),
            ],
        ),
        (
            bakary,
            vec![(
                2,
                step(S::Draft, S::Sent, T::Send, Some(date!(2026 - 03 - 20))),
            )],
        ),
        (coumba, vec![]),
        (
            coumba,
            vec![
                (
                    5,
                    step(S::Draft, S::Sent, T::Send, Some(date!(2026 - 04 - 02))),
                ),
                (6, step(S::Sent, S::Cancelled, T::Cancel, None)),
            ],
        ),
    ];
    for (case, steps) in plans {
        let (id, new) = refer(case);
        let mut version = s.create_referral(new, by_cm.clone()).await.unwrap().version;
        for (h, st) in steps {
            version = s
                .referral_step(id, version, st, AuditContext::by(cm.id, hours(h)))
                .await
                .unwrap()
                .version;
        }
    }
    World {
        office: office.id,
        empty: empty.id,
        awa,
        bakary,
        coumba,
        daouda,
        clinic,
        sent_awa: hours(1),
        answered_awa: hours(3),
        sent_bakary: hours(2),
    }
}

/// The form [`survey`] files its surveys under, installed once.
pub(super) async fn install_survey_form(s: &Arc<dyn Store>) {
    s.install_shipped_form(
        NewFormVersion {
            form_id: "res.rss".into(),
            version: "1".into(),
            title: "RSS".into(),
            definition: "{}".into(),
            origin: FormOrigin::Shipped,
        },
        AuditContext::system(NOW, "start-up"),
    )
    .await
    .unwrap();
}

#[allow(clippy::too_many_arguments)]
pub(super) async fn survey(
    s: &Arc<dyn Store>,
    interviewer: UserId,
    case: CaseId,
    round: Round,
    day: Date,
    composite: f64,
    economic: Option<f64>,
    q19: Option<f64>,
) {
    let id = uuid::Uuid::new_v4();
    let by = AuditContext::by(interviewer, NOW);
    s.create_submission(
        NewSubmission {
            id,
            form_id: "res.rss".into(),
            form_version: "1".into(),
            subject: Subject::Case(case),
            answers: "{}".into(),
            interviewer,
            interview_date: day,
        },
        by.clone(),
    )
    .await
    .unwrap();
    let scores = Scores {
        economic,
        social: None,
        psychosocial: None,
        composite: Some(composite),
        dk_dwa_count: 0,
        low_accuracy: false,
        model: "default/1".into(),
        breakdown: Breakdown(vec![IndicatorScore {
            question: 19,
            name: "Access to health care".into(),
            answer: String::new(),
            value: q19,
            note: String::new(),
            weights: BTreeMap::new(),
            cross_cutting: false,
        }]),
    };
    s.update_submission(
        SubmissionUpdate {
            follow_on: None,
            id,
            expected_version: 1,
            answers: "{}".into(),
            interview_date: day,
            status: SubmissionStatus::Complete,
            score: Some(NewRssScore {
                submission: id,
                case,
                round,
                interview_date: day,
                interviewer,
                scores,
            }),
        },
        by,
    )
    .await
    .unwrap();
}

fn query(
    w: &World,
    source: Source,
    population: Vec<Condition>,
    numerator: Vec<Condition>,
    frequency: Frequency,
    axis: Option<Axis>,
) -> TallyQuery {
    TallyQuery {
        computation: Computation {
            source,
            population,
            numerator,
            frequency,
        },
        from: date!(2026 - 01 - 01),
        to: date!(2026 - 12 - 31),
        axis,
        office: Some(w.office),
        offices: None,
        countries: vec![],
        age_bands: AgeBands::default(),
    }
}

fn condition(field: &str, op: Op, value: &str) -> Condition {
    Condition {
        field: field.into(),
        op,
        value: value.into(),
    }
}

fn tally(population: u64, numerator: u64) -> Tally {
    Tally {
        population,
        numerator,
    }
}

/// The figures as (period, group) → tally; the order of the rows is not part of the contract.
async fn figures(s: &Arc<dyn Store>, q: &TallyQuery) -> BTreeMap<(String, Option<String>), Tally> {
    let rows = s.tallies(q).await.unwrap();
    let n = rows.len();
    let map: BTreeMap<_, _> = rows
        .into_iter()
        .map(|r| ((r.period, r.group), r.tally))
        .collect();
    assert_eq!(map.len(), n, "one row per cell");
    map
}

fn cells<const N: usize>(
    list: [(&str, Option<&str>, Tally); N],
) -> BTreeMap<(String, Option<String>), Tally> {
    list.into_iter()
        .map(|(p, g, t)| ((p.to_string(), g.map(str::to_string)), t))
        .collect()
}

async fn case_tallies_count_per_period_group_and_reach(s: &Arc<dyn Store>, w: &World) {
    let women = vec![condition("sex", Op::Equals, "female")];
    let q = query(
        w,
        Source::Cases,
        vec![],
        women.clone(),
        Frequency::Quarterly,
        None,
    );
    assert_eq!(
        figures(s, &q).await,
        cells([
            ("2026-Q1", None, tally(2, 1)),
            ("2026-Q2", None, tally(2, 1))
        ])
    );
    let by_sex = query(
        w,
        Source::Cases,
        vec![],
        women.clone(),
        Frequency::Quarterly,
        Some(Axis::Sex),
    );
    assert_eq!(
        figures(s, &by_sex).await,
        cells([
            ("2026-Q1", Some("female"), tally(1, 1)),
            ("2026-Q1", Some("male"), tally(1, 0)),
            ("2026-Q2", Some("female"), tally(1, 1)),
            ("2026-Q2", Some("male"), tally(1, 0)),
        ])
    );
    // The population's conditions: closed cases left out.
    let open = query(
        w,
        Source::Cases,
        vec![condition("stage", Op::OneOf, "intake, assessment")],
        women.clone(),
        Frequency::Monthly,
        None,
    );
    assert_eq!(
        figures(s, &open).await,
        cells([
            ("2026-01", None, tally(1, 1)),
            ("2026-02", None, tally(1, 0)),
            ("2026-04", None, tally(1, 1)),
        ])
    );
    // The dates bound what is counted.
    let mut spring = query(w, Source::Cases, vec![], vec![], Frequency::Yearly, None);
    spring.from = date!(2026 - 02 - 01);
    spring.to = date!(2026 - 04 - 30);
    assert_eq!(
        figures(s, &spring).await,
        cells([("2026", None, tally(2, 2))])
    );
    // The programme's offices and countries: an empty list of offices counts nothing,
    // countries are compared without case.
    let all = figures(s, &q).await;
    let mut reach = q.clone();
    reach.offices = Some(vec![w.office, w.empty]);
    reach.countries = vec!["SENEGAL".into(), "Mali".into()];
    assert_eq!(figures(s, &reach).await, all);
    reach.offices = Some(vec![]);
    assert!(s.tallies(&reach).await.unwrap().is_empty());
    let mut abroad = q.clone();
    abroad.countries = vec!["Mali".into()];
    assert!(s.tallies(&abroad).await.unwrap().is_empty());
    let mut elsewhere = q.clone();
    elsewhere.office = Some(w.empty);
    assert!(s.tallies(&elsewhere).await.unwrap().is_empty());
}

async fn survey_tallies_count_returnees(s: &Arc<dyn Store>, w: &World) {
    let at_least_half = vec![condition("composite", Op::AtLeast, "0.5")];
    let q = query(
        w,
        Source::Surveys,
        vec![],
        at_least_half.clone(),
        Frequency::Quarterly,
        None,
    );
    assert_eq!(
        figures(s, &q).await,
        cells([
            ("2026-Q1", None, tally(2, 1)),
            ("2026-Q2", None, tally(1, 1)),
            ("2026-Q3", None, tally(1, 1)),
        ])
    );
    let by_round = query(
        w,
        Source::Surveys,
        vec![],
        at_least_half.clone(),
        Frequency::Yearly,
        Some(Axis::Round),
    );
    assert_eq!(
        figures(s, &by_round).await,
        cells([
            ("2026", Some("baseline"), tally(3, 2)),
            ("2026", Some("intermediate"), tally(1, 1)),
        ])
    );
    // Counted as people: Awa, surveyed twice in the year, counts once.
    let yearly = query(
        w,
        Source::Surveys,
        vec![condition("sex", Op::Equals, "female")],
        at_least_half,
        Frequency::Yearly,
        None,
    );
    assert_eq!(
        figures(s, &yearly).await,
        cells([("2026", None, tally(2, 2))])
    );
}

async fn referral_tallies_count_by_the_date_sent(s: &Arc<dyn Store>, w: &World) {
    let q = query(
        w,
        Source::Referrals,
        vec![condition(
            "status",
            Op::OneOf,
            "sent,accepted,started,completed",
        )],
        vec![condition("status", Op::Equals, "started")],
        Frequency::Monthly,
        None,
    );
    assert_eq!(
        figures(s, &q).await,
        cells([("2026-03", None, tally(2, 1))]),
        "drafts are not sent; the called-off referral is outside the population"
    );
}

async fn the_cases_behind_a_cell(s: &Arc<dyn Store>, w: &World) {
    let sorted = |mut v: Vec<CaseId>| {
        v.sort_by_key(|c| c.to_string());
        v
    };
    let set = |v: &[CaseId]| sorted(v.to_vec());
    // For a percentage, those meeting the indicator.
    let women = vec![condition("sex", Op::Equals, "female")];
    let q = query(
        w,
        Source::Cases,
        vec![],
        women.clone(),
        Frequency::Quarterly,
        None,
    );
    assert_eq!(
        s.tally_cases(&q, "2026-Q1", None, 10).await.unwrap(),
        [w.awa]
    );
    assert_eq!(
        s.tally_cases(&q, "2026-Q2", None, 10).await.unwrap(),
        [w.coumba]
    );
    assert!(
        s.tally_cases(&q, "2026-Q3", None, 10)
            .await
            .unwrap()
            .is_empty()
    );
    let by_sex = query(
        w,
        Source::Cases,
        vec![],
        women,
        Frequency::Quarterly,
        Some(Axis::Sex),
    );
    assert_eq!(
        s.tally_cases(&by_sex, "2026-Q1", Some("female"), 10)
            .await
            .unwrap(),
        [w.awa]
    );
    assert!(
        s.tally_cases(&by_sex, "2026-Q1", Some("male"), 10)
            .await
            .unwrap()
            .is_empty()
    );
    // For a count, every case counted; at most `limit`.
    let count = query(w, Source::Cases, vec![], vec![], Frequency::Quarterly, None);
    assert_eq!(
        sorted(s.tally_cases(&count, "2026-Q2", None, 10).await.unwrap()),
        set(&[w.coumba, w.daouda])
    );
    let one = s.tally_cases(&count, "2026-Q1", None, 1).await.unwrap();
    assert_eq!(one.len(), 1);
    assert!([w.awa, w.bakary].contains(&one[0]));
    // Behind a survey figure: the returnees meeting it, once each.
    let surveys = query(
        w,
        Source::Surveys,
        vec![],
        vec![condition("composite", Op::AtLeast, "0.5")],
        Frequency::Yearly,
        None,
    );
    assert_eq!(
        sorted(s.tally_cases(&surveys, "2026", None, 10).await.unwrap()),
        set(&[w.awa, w.coumba])
    );
    // Behind a referral figure: the referred cases.
    let referrals = query(
        w,
        Source::Referrals,
        vec![],
        vec![condition("status", Op::Equals, "started")],
        Frequency::Monthly,
        None,
    );
    assert_eq!(
        s.tally_cases(&referrals, "2026-03", None, 10)
            .await
            .unwrap(),
        [w.awa]
    );
}

fn close(a: Option<f64>, b: f64) -> bool {
    a.is_some_and(|a| (a - b).abs() < 1e-9)
}

async fn survey_summary_per_round(s: &Arc<dyn Store>, w: &World) {
    let summary = s.survey_summary(Some(w.office), (0.4, 0.8)).await.unwrap();
    let round = |r: Round| {
        summary
            .means
            .iter()
            .find(|m| m.round == r)
            .unwrap_or_else(|| panic!("{r:?} in {summary:?}"))
    };
    assert_eq!(summary.means.len(), 2);
    let baseline = round(Round::Baseline);
    assert_eq!((baseline.surveys, baseline.returnees), (3, 3));
    assert!(close(baseline.composite, 0.5), "{baseline:?}");
    assert!(
        close(baseline.economic, 0.75),
        "averaged over the surveys that have it"
    );
    assert_eq!((baseline.social, baseline.psychosocial), (None, None));
    let intermediate = round(Round::Intermediate);
    assert_eq!((intermediate.surveys, intermediate.returnees), (1, 1));
    assert!(close(intermediate.composite, 0.875));
    assert_eq!(intermediate.economic, None);
    let mut bins: Vec<_> = summary
        .bins
        .iter()
        .map(|b| (b.round, b.tenth, b.returnees))
        .collect();
    bins.sort();
    assert_eq!(
        bins,
        [
            (Round::Baseline, 2, 1),
            (Round::Baseline, 5, 1),
            (Round::Baseline, 7, 1),
            (Round::Intermediate, 8, 1),
        ]
    );
    let mut bands = summary.bands.clone();
    bands.sort_by_key(|(r, _)| *r);
    assert_eq!(
        bands,
        [
            (Round::Baseline, [1, 2, 0]),
            (Round::Intermediate, [0, 0, 1])
        ],
        "below 0.4, within, above 0.8"
    );
    let everywhere = s.survey_summary(None, (0.4, 0.8)).await.unwrap();
    let all_baseline = everywhere
        .means
        .iter()
        .find(|m| m.round == Round::Baseline)
        .unwrap();
    assert!(all_baseline.surveys >= 3);
    assert_eq!(
        s.survey_summary(Some(w.empty), (0.4, 0.8)).await.unwrap(),
        SurveySummary::default()
    );
}

async fn item_means_read_each_returnees_latest_survey(s: &Arc<dyn Store>, w: &World) {
    let means = s.item_means(Some(w.office)).await.unwrap();
    assert_eq!(means.len(), 2, "{means:?}");
    let kolda = means.iter().find(|m| m.province == "Kolda").unwrap();
    assert_eq!(
        (kolda.question, kolda.name.as_str()),
        (19, "Access to health care")
    );
    assert_eq!((kolda.returnees, kolda.answered), (2, 2));
    assert!(
        close(kolda.mean, 0.75),
        "Awa's latest survey (1.0) and Bakary's (0.5), not Awa's first: {kolda:?}"
    );
    let sedhiou = means.iter().find(|m| m.province == "Sédhiou").unwrap();
    assert_eq!((sedhiou.returnees, sedhiou.answered), (1, 0));
    assert_eq!(sedhiou.mean, None, "nobody answered with a value");
    assert!(s.item_means(Some(w.empty)).await.unwrap().is_empty());
    assert!(
        s.item_means(None)
            .await
            .unwrap()
            .iter()
            .any(|m| m.province == "Sédhiou" && m.question == 19)
    );
}

async fn follow_up_facts_of_open_cases(s: &Arc<dyn Store>, w: &World) {
    let facts = s.follow_up_facts(Some(w.office)).await.unwrap();
    let of = |case: CaseId| facts.iter().find(|f| f.case == case);
    assert_eq!(facts.len(), 3, "{facts:?}");
    assert!(of(w.daouda).is_none(), "closed cases have no follow-up");
    let awa = of(w.awa).unwrap();
    assert_eq!(awa.office_code, "RES");
    assert_eq!(awa.return_date, date!(2026 - 01 - 15));
    assert!(!awa.trafficking_victim);
    assert_eq!(
        awa.plan_agreed,
        Some(date!(2026 - 01 - 20)),
        "the first approved plan's agreement"
    );
    assert_eq!(
        awa.visits,
        [(Some(VisitKey::Midterm), date!(2026 - 07 - 15))]
    );
    let mut surveys = awa.surveys.clone();
    surveys.sort();
    assert_eq!(
        surveys,
        [
            (Round::Baseline, date!(2026 - 02 - 01)),
            (Round::Intermediate, date!(2026 - 08 - 01))
        ]
    );
    let bakary = of(w.bakary).unwrap();
    assert_eq!(bakary.plan_agreed, None, "agreed, never approved");
    assert!(bakary.visits.is_empty());
    assert_eq!(bakary.surveys, [(Round::Baseline, date!(2026 - 02 - 15))]);
    let coumba = of(w.coumba).unwrap();
    assert!(coumba.trafficking_victim);
    assert_eq!(coumba.visits, [(None, date!(2026 - 06 - 01))]);
    assert!(s.follow_up_facts(Some(w.empty)).await.unwrap().is_empty());
    let everywhere = s.follow_up_facts(None).await.unwrap();
    assert!(everywhere.iter().any(|f| f.case == w.coumba));
    assert!(everywhere.iter().all(|f| f.case != w.daouda));
}

async fn answer_times_of_sent_referrals(s: &Arc<dyn Store>, w: &World) {
    let times = s.answer_times(Some(w.office)).await.unwrap();
    assert!(times.iter().all(|t| t.provider_name == w.clinic));
    let sent_at = |at: OffsetDateTime| times.iter().find(|t| t.sent_at == at);
    assert_eq!(
        sent_at(w.sent_awa).map(|t| t.answered_at),
        Some(Some(w.answered_awa)),
        "first answered when accepted, not when started: {times:?}"
    );
    assert_eq!(
        sent_at(w.sent_bakary).map(|t| t.answered_at),
        Some(None),
        "sent, not answered yet"
    );
    assert!(s.answer_times(Some(w.empty)).await.unwrap().is_empty());
    assert!(
        s.answer_times(None)
            .await
            .unwrap()
            .iter()
            .any(|t| t.sent_at == w.sent_awa && t.provider_name == w.clinic)
    );
}

/// Every returnee's facts that [`Store::visit_outcome_facts`] gives, in the order given.
async fn outcome_facts(
    s: &Arc<dyn Store>,
    office: Option<domain::OfficeId>,
) -> Vec<domain::me::outcomes::ReturneeFacts> {
    let given = Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = Arc::clone(&given);
    s.visit_outcome_facts(
        office,
        &domain::rss::Round::ALL,
        Box::new(move |f| sink.lock().unwrap().push(f)),
    )
    .await
    .unwrap();
    std::mem::take(&mut *given.lock().unwrap())
}

/// What "what works" reads: each surveyed returnee's profile, scored surveys in date order and
/// assistance (referrals that went ahead by dimension; the latest approved plan's items by
/// dimension and grant modality). Fatou, of another office, has a plan with two items.
async fn outcome_facts_of_surveyed_returnees(s: &Arc<dyn Store>, w: &World) {
    let facts = outcome_facts(s, Some(w.office)).await;
    assert_eq!(
        facts.len(),
        3,
        "Awa, Bakary and Coumba have scored surveys; Daouda none"
    );
    let awa = facts
        .iter()
        .find(|f| f.surveys.len() == 2)
        .expect("Awa, surveyed twice");
    assert_eq!(awa.sex, Sex::Female);
    assert_eq!(awa.province, "Kolda");
    assert_eq!(
        awa.surveys.iter().map(|v| v.round).collect::<Vec<_>>(),
        [Round::Baseline, Round::Intermediate]
    );
    assert_eq!(awa.surveys[1].composite, Some(0.875));
    assert!(awa.assistance.contains("social"), "the clinic: {awa:?}");
    assert!(facts.iter().any(|f| f.vulnerable), "Coumba");
    assert!(outcome_facts(s, Some(w.empty)).await.is_empty());

    let other = super::office(s, "RESW").await;
    let cm = user(s, "resw.cm", Role::CaseManager, Some(other.id)).await;
    let by = AuditContext::by(cm.id, NOW);
    let fatou = new_case(s, other.id, cm.id, profile("Fatou", "Resultat"))
        .await
        .id;
    survey(
        s,
        cm.id,
        fatou,
        Round::Baseline,
        date!(2026 - 03 - 01),
        0.4,
        None,
        None,
    )
    .await;
    let content: PlanContent = serde_json::from_value(serde_json::json!({"items": [
        {"key": 1, "kind": "microbusiness", "modality": "cash", "responsible": "returnee",
         "status": "planned", "budget": 300},
        {"key": 2, "kind": "housing", "modality": "service", "responsible": "provider",
         "status": "planned"}
    ]}))
    .unwrap();
    s.create_plan_version(fatou, None, content, CaseStage::Intake, by.clone())
        .await
        .unwrap();
    let agreed = NewPlanAgreement {
        date: date!(2026 - 03 - 05),
        method: AgreementMethod::Signed,
        copy_given: true,
    };
    s.agree_plan(fatou, 1, 1, agreed, CaseStage::Intake, by.clone())
        .await
        .unwrap();
    let facts = outcome_facts(s, Some(other.id)).await;
    assert!(
        facts[0].assistance.is_empty(),
        "a plan not approved counts for nothing"
    );
    s.approve_plan(fatou, 1, 2, false, CaseStage::Intake, by.clone())
        .await
        .unwrap();
    let facts = outcome_facts(s, Some(other.id)).await;
    assert_eq!(
        facts[0]
            .assistance
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
        ["cash", "economic", "social"]
    );
    // A later version, once approved, replaces the earlier's items; a cancelled item counts
    // for nothing, and a draft changes nothing until it is approved.
    let content: PlanContent = serde_json::from_value(serde_json::json!({"items": [
        {"key": 1, "kind": "microbusiness", "modality": "cash", "responsible": "returnee",
         "status": "cancelled", "budget": 300},
        {"key": 2, "kind": "individual_family_psychosocial", "modality": "service",
         "responsible": "provider", "status": "planned"}
    ]}))
    .unwrap();
    let v2 = s
        .create_plan_version(fatou, Some(1), content, CaseStage::Intake, by.clone())
        .await
        .unwrap();
    let kinds = |facts: Vec<domain::me::outcomes::ReturneeFacts>| {
        facts[0].assistance.iter().cloned().collect::<Vec<_>>()
    };
    assert_eq!(
        kinds(outcome_facts(s, Some(other.id)).await),
        ["cash", "economic", "social"]
    );
    s.agree_plan(fatou, 2, v2.revision, agreed, CaseStage::Intake, by.clone())
        .await
        .unwrap();
    s.approve_plan(fatou, 2, v2.revision + 1, false, CaseStage::Intake, by)
        .await
        .unwrap();
    assert_eq!(
        kinds(outcome_facts(s, Some(other.id)).await),
        ["psychosocial"]
    );
    // Every office (other parts of the suite may share the database).
    assert!(outcome_facts(s, None).await.len() >= 4);
}
