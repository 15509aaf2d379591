//! The survey tallies: random sequences of the changes that move them (returnees registered,
//! surveys scored, profiles edited, cases closed and reopened, merged and unmerged, referrals
//! going ahead or called off, project participants, anonymisation) leave them equal to a
//! recount of the records, and the indicator figures read from them equal the figures counted
//! from the surveys.

use std::sync::Arc;

use domain::case::{CaseStage, Sex, Vulnerability};
use domain::me::{AgeBands, Axis, Computation, Condition, Frequency, Op, Source};
use domain::referral::{ReferralStatus, ReferralStep};
use domain::rss::Round;
use domain::{CaseId, DocumentId, OfficeId, Role, UserId};
use store::*;
use time::Date;
use time::macros::date;

use super::referrals::{a_service, content};
use super::results::{install_survey_form, survey};
use super::{NOW, new_case, profile, user};

/// Sequences run, and changes in each.
const SEQUENCES: u64 = 4;
const CHANGES: usize = 40;

/// A small deterministic generator (xorshift), so that a failing sequence can be replayed from
/// its seed.
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<T: Clone>(&mut self, from: &[T]) -> T {
        from[self.below(from.len())].clone()
    }

    fn day(&mut self, from: Date, days: usize) -> Date {
        from + time::Duration::days(self.below(days) as i64)
    }
}

struct Scene {
    offices: [OfficeId; 2],
    cm: UserId,
    service: domain::ServiceId,
    community: DocumentId,
    project: DocumentId,
    project_version: Option<i64>,
    cases: Vec<CaseId>,
    referrals: Vec<(domain::ReferralId, ReferralStatus)>,
    merges: Vec<uuid::Uuid>,
}

async fn scene(s: &Arc<dyn Store>) -> Scene {
    let a = super::office(s, "TLA").await;
    let b = super::office(s, "TLB").await;
    let cm = user(s, "tally.cm", Role::CaseManager, None).await;
    install_survey_form(s).await;
    let by = AuditContext::by(cm.id, NOW);
    let provider = domain::ProviderId::new();
    s.save_provider(
        provider,
        None,
        domain::services::Provider {
            name: "Tally training centre".into(),
            ..Default::default()
        },
        by.clone(),
    )
    .await
    .unwrap();
    let service = domain::ServiceId::new();
    s.save_service(
        service,
        provider,
        None,
        domain::services::Service {
            category: domain::services::ServiceCategory::Tvet,
            ..a_service("Vocational training")
        },
        by.clone(),
    )
    .await
    .unwrap();
    let community = DocumentId::new();
    s.save_document(
        NewDocument {
            id: community,
            kind: DocKind::Community,
            parent: None,
            office: Some(a.id),
            name: "Tally village".into(),
            body: r#"{"name":"Tally village"}"#.into(),
            cases: vec![],
        },
        None,
        by,
    )
    .await
    .unwrap();
    Scene {
        offices: [a.id, b.id],
        cm: cm.id,
        service,
        community,
        project: DocumentId::new(),
        project_version: None,
        cases: Vec::new(),
        referrals: Vec::new(),
        merges: Vec::new(),
    }
}

const PROVINCES: [&str; 3] = ["Kolda", "Dakar", "Sédhiou"];
const COUNTRIES: [&str; 2] = ["Senegal", "senegal "];
/// On the grid, just off it, and between.
const SCORES: [f64; 9] = [0.0, 0.25, 0.35, 0.349_999, 0.5, 0.5000001, 0.65, 0.75, 1.0];

/// One random change; changes the store refuses (a stale merge) are part of the game.
async fn change(s: &Arc<dyn Store>, w: &mut Scene, dice: &mut Dice) {
    let by = AuditContext::by(w.cm, NOW);
    let live: Vec<CaseId> = {
        let mut live = Vec::new();
        for c in &w.cases {
            if s.case(*c).await.is_ok() {
                live.push(*c);
            }
        }
        live
    };
    let choice = if live.len() < 3 { 0 } else { dice.below(9) };
    match choice {
        0 => {
            let mut p = profile("Tally", &format!("Person{}", w.cases.len()));
            p.sex = dice.pick(&[Sex::Female, Sex::Male]);
            p.age_at_return = dice.pick(&[None, Some(17), Some(18), Some(34), Some(61)]);
            p.return_province = dice.pick(&PROVINCES).into();
            p.return_country = dice.pick(&COUNTRIES).into();
            p.return_date = dice.day(date!(2025 - 01 - 01), 600);
            if dice.below(3) == 0 {
                p.vulnerabilities = vec![Vulnerability::TraffickingVictim];
            }
            let office = dice.pick(&w.offices);
            w.cases.push(new_case(s, office, w.cm, p).await.id);
        }
        1 | 2 => {
            let case = dice.pick(&live);
            let round = dice.pick(&Round::ALL);
            let day = dice.day(date!(2025 - 06 - 01), 600);
            survey(s, w.cm, case, round, day, dice.pick(&SCORES), None, None).await;
        }
        3 => {
            let case = s.case(dice.pick(&live)).await.unwrap();
            let mut p = case.profile.clone();
            match dice.below(4) {
                0 => {
                    p.sex = if p.sex == Sex::Male {
                        Sex::Female
                    } else {
                        Sex::Male
                    }
                }
                1 => p.return_province = dice.pick(&PROVINCES).into(),
                2 => p.age_at_return = dice.pick(&[None, Some(25), Some(45)]),
                _ => {
                    p.vulnerabilities = if p.vulnerabilities.is_empty() {
                        vec![Vulnerability::Disability]
                    } else {
                        vec![]
                    }
                }
            }
            s.update_case(
                CaseUpdate {
                    id: case.id,
                    expected_version: case.version,
                    case_manager: case.case_manager,
                    profile: p,
                    changes: vec![],
                },
                by,
            )
            .await
            .unwrap();
        }
        4 => {
            let case = dice.pick(&live);
            let stage = dice.pick(&[CaseStage::Closed, CaseStage::Intake]);
            s.set_case_stage(case, stage, by).await.unwrap();
        }
        5 => {
            let survivor = s.case(dice.pick(&live)).await.unwrap();
            let merged = s.case(dice.pick(&live)).await.unwrap();
            if survivor.id == merged.id {
                return;
            }
            let id = uuid::Uuid::new_v4();
            let mut chosen = survivor.profile.clone();
            chosen.sex = merged.profile.sex;
            let done = s
                .merge_cases(
                    NewMerge {
                        id,
                        merged: merged.id,
                        merged_version: merged.version,
                        survivor_update: CaseUpdate {
                            id: survivor.id,
                            expected_version: survivor.version,
                            case_manager: survivor.case_manager,
                            profile: chosen,
                            changes: vec![],
                        },
                    },
                    by,
                )
                .await;
            if done.is_ok() {
                w.merges.push(id);
            }
        }
        6 => {
            if let Some(id) = w.merges.pop() {
                // Refused when the survivor was merged again since: then it stays merged.
                let _ = s.undo_merge(id, by).await;
            }
        }
        7 => {
            use ReferralStatus as S;
            let going = w
                .referrals
                .iter()
                .position(|(_, st)| *st == S::Sent)
                .filter(|_| dice.below(2) == 0);
            let (id, from, to, step) = match going {
                Some(i) => (
                    w.referrals[i].0,
                    S::Sent,
                    S::Declined,
                    ReferralStep::Decline,
                ),
                None => {
                    let id = domain::ReferralId::new();
                    s.create_referral(
                        NewReferral {
                            id,
                            case: dice.pick(&live),
                            service: w.service,
                            content: content("Training"),
                        },
                        by.clone(),
                    )
                    .await
                    .unwrap();
                    (id, S::Draft, S::Sent, ReferralStep::Send)
                }
            };
            let version = s.referral(id).await.unwrap().version;
            s.referral_step(
                id,
                version,
                NewReferralStep {
                    from,
                    to,
                    step,
                    note: String::new(),
                    via: Via::Staff,
                    sent_on: Some(date!(2026 - 02 - 01)),
                    answer_due: None,
                },
                by,
            )
            .await
            .unwrap();
            w.referrals.retain(|(r, _)| *r != id);
            w.referrals.push((id, to));
        }
        _ => {
            if dice.below(2) == 0 {
                let case = dice.pick(&live);
                let _ = s
                    .anonymise_case(
                        case,
                        Anonymised {
                            age_at_return: Some(30),
                            ..Anonymised::default()
                        },
                        by,
                    )
                    .await;
                return;
            }
            let cases: Vec<CaseId> = live
                .iter()
                .filter(|_| dice.below(2) == 0)
                .copied()
                .collect();
            let saved = s
                .save_document(
                    NewDocument {
                        id: w.project,
                        kind: DocKind::Project,
                        parent: Some(w.community),
                        office: Some(w.offices[0]),
                        name: "Tally cooperative".into(),
                        body: r#"{"name":"Tally cooperative","kind":"collective_income"}"#.into(),
                        cases,
                    },
                    w.project_version,
                    by,
                )
                .await
                .unwrap();
            w.project_version = Some(saved.version);
        }
    }
}

fn condition(field: &str, op: Op, value: &str) -> Condition {
    Condition {
        field: field.into(),
        op,
        value: value.into(),
    }
}

/// The indicators compared: what the tallies keep, and one they do not.
fn computations() -> Vec<(Vec<Condition>, Vec<Condition>)> {
    vec![
        (vec![], vec![]),
        (vec![condition("composite", Op::AtLeast, "0.5")], vec![]),
        (
            vec![condition("composite", Op::AtLeast, "0.35")],
            vec![condition("composite", Op::AtLeast, "0.65")],
        ),
        (
            vec![condition("sex", Op::Equals, "female")],
            vec![condition("composite", Op::AtLeast, "0.5")],
        ),
        (vec![condition("vulnerable", Op::Equals, "true")], vec![]),
        (vec![condition("round", Op::Equals, "baseline")], vec![]),
        (
            vec![],
            vec![condition("province", Op::OneOf, "Kolda, Dakar")],
        ),
        // Not tallied: counted from the surveys.
        (vec![condition("composite", Op::Below, "0.5")], vec![]),
    ]
}

/// A query's reach: the reader's office, the programme's offices and countries.
type Reach = (Option<OfficeId>, Option<Vec<OfficeId>>, Vec<String>);

/// The figures read through the tallies equal those counted from the surveys, for every
/// breakdown, reach and span (whole periods, and periods cut by the programme's dates).
async fn figures_agree(s: &Arc<dyn Store>, w: &Scene) -> (usize, usize, usize) {
    let (mut tallied, mut cut, mut recounted) = (0, 0, 0);
    let spans = [
        (date!(2025 - 01 - 01), date!(2027 - 12 - 31)),
        (date!(2025 - 08 - 20), date!(2026 - 05 - 10)),
    ];
    let reaches: [Reach; 3] = [
        (None, None, vec![]),
        (Some(w.offices[1]), None, vec![]),
        (None, Some(vec![w.offices[0]]), vec![" SENEGAL".into()]),
    ];
    for (population, numerator) in computations() {
        for axis in std::iter::once(None).chain(Axis::ALL.iter().copied().map(Some)) {
            for (i, (office, offices, countries)) in reaches.iter().enumerate() {
                let (from, to) = spans[i % 2];
                let q = TallyQuery {
                    computation: Computation {
                        source: Source::Surveys,
                        population: population.clone(),
                        numerator: numerator.clone(),
                        frequency: Frequency::ALL[(i + tallied) % 3],
                    },
                    from,
                    to,
                    axis,
                    office: *office,
                    offices: offices.clone(),
                    countries: countries.clone(),
                    age_bands: AgeBands {
                        lower_bounds: vec![0, 18, 35, 60],
                    },
                };
                let counted = s.tallies(&q).await.unwrap();
                let read = s.indicator_figures(&q).await.unwrap();
                let what = format!("{population:?} {numerator:?} {axis:?} reach {i}");
                assert_eq!(read.rows, counted, "{what}: {:?}", read.counted);
                match read.counted {
                    Counted::Tallies => tallied += 1,
                    Counted::TalliesAndRecords { .. } => cut += 1,
                    Counted::Records { .. } => recounted += 1,
                }
            }
        }
    }
    (tallied, cut, recounted)
}

/// Surveys of one office and period scored at the same moment (field teams syncing together)
/// are all stored and counted: their changes do not collide over shared counts.
async fn surveys_at_once_are_all_counted(s: &Arc<dyn Store>, w: &Scene) {
    let mut cases = Vec::new();
    for i in 0..16 {
        let mut p = profile("Together", &format!("Sync{i:02}"));
        p.return_date = date!(2026 - 01 - 10);
        cases.push(new_case(s, w.offices[0], w.cm, p).await.id);
    }
    let mut at_once = tokio::task::JoinSet::new();
    for case in cases {
        let (s, cm) = (s.clone(), w.cm);
        at_once.spawn(async move {
            survey(
                &s,
                cm,
                case,
                Round::Baseline,
                date!(2026 - 11 - 02),
                0.6,
                None,
                None,
            )
            .await;
        });
    }
    while let Some(done) = at_once.join_next().await {
        done.unwrap();
    }
    super::tallies_in_step(s).await;
}

pub async fn run(s: Arc<dyn Store>) {
    let mut w = scene(&s).await;
    let mut read = (0, 0, 0);
    for seed in 1..=SEQUENCES {
        let mut dice = Dice(0x9E37_79B9_7F4A_7C15 ^ seed);
        for _ in 0..CHANGES {
            change(&s, &mut w, &mut dice).await;
        }
        super::tallies_in_step(&s).await;
        let (t, c, r) = figures_agree(&s, &w).await;
        read = (read.0 + t, read.1 + c, read.2 + r);
        // Folding the changes into the counts changes no figure.
        if seed % 2 == 0 {
            assert!(s.fold_tallies().await.unwrap() > 0);
            assert_eq!(s.fold_tallies().await.unwrap(), 0, "nothing left to fold");
            super::tallies_in_step(&s).await;
            figures_agree(&s, &w).await;
        }
    }
    // Each way of reading was exercised.
    assert!(read.0 > 0 && read.1 > 0 && read.2 > 0, "{read:?}");

    surveys_at_once_are_all_counted(&s, &w).await;

    // Building them again gives the same counts.
    s.rebuild_tallies().await.unwrap();
    super::tallies_in_step(&s).await;
}
