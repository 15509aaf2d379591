//! Satisfaction with community activities

use super::*;

/// The shipped instrument asking participants how satisfied they are with a project.
pub const SATISFACTION_FORM: &str = "community_satisfaction";
/// Its question naming who answers, and the one rating satisfaction.
pub const RESPONDENT_FIELD: &str = "respondent";
pub const SATISFACTION_FIELD: &str = "satisfaction";

/// Answers on the five-point scale that count as satisfied.
pub fn is_satisfied(answer: &str) -> bool {
    matches!(answer, "satisfied" | "very_satisfied")
}

/// Satisfaction of community members (respondents who are not returnees) with a project: the
/// figure behind the handbook's example indicator.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct Satisfaction {
    pub community_members: u64,
    pub satisfied: u64,
    pub returnees: u64,
    pub returnees_satisfied: u64,
}

impl Satisfaction {
    /// Adds one completed questionnaire's answers.
    pub fn add(&mut self, respondent: &str, satisfaction: &str) {
        let yes = u64::from(is_satisfied(satisfaction));
        match respondent {
            "returnee" => {
                self.returnees += 1;
                self.returnees_satisfied += yes;
            }
            "" => {}
            _ => {
                self.community_members += 1;
                self.satisfied += yes;
            }
        }
    }
}

/// Checks the office codes a record names (a programme's offices) against the offices that
/// exist: a code no office has would silently count nobody, so it is refused on the field
/// `offices`. Blank entries are ignored; codes compare without regard to case.
pub fn check_office_codes(codes: &[String], known: &[String], errors: &mut ValidationErrors) {
    let unknown = codes
        .iter()
        .map(|c| c.trim())
        .filter(|c| !c.is_empty())
        .any(|c| !known.iter().any(|k| k.eq_ignore_ascii_case(c)));
    if unknown {
        errors.add("offices", "error-unknown-office");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_programme_may_name_only_offices_that_exist() {
        let known = vec!["DKR".to_string(), "TAM".to_string()];
        let check = |codes: &[&str]| {
            let mut e = ValidationErrors::new();
            let codes: Vec<String> = codes.iter().map(|c| c.to_string()).collect();
            check_office_codes(&codes, &known, &mut e);
            e.is_empty()
        };
        assert!(check(&["dkr", " TAM ", ""]));
        assert!(check(&[]));
        assert!(!check(&["DKR", "ZIG"]));
    }
    use time::macros::date;

    fn check(status: CheckStatus) -> CriterionCheck {
        CriterionCheck {
            status,
            evidence: String::new(),
        }
    }

    fn checks(pairs: &[(&str, CheckStatus)]) -> BTreeMap<String, CriterionCheck> {
        pairs
            .iter()
            .map(|(k, s)| (k.to_string(), check(*s)))
            .collect()
    }

    fn config(weights: &[(&str, u8, bool)], size: u8) -> SelectionConfig {
        SelectionConfig {
            criteria: weights
                .iter()
                .map(|(k, w, e)| Criterion {
                    key: k.to_string(),
                    label: String::new(),
                    source: CriterionSource::Targeting,
                    weight: *w,
                    essential: *e,
                })
                .collect(),
            shortlist_size: size,
        }
    }

    #[test]
    fn ranking_weighs_met_and_partly_met_criteria() {
        use CheckStatus::*;
        let cfg = config(&[("a", 2, false), ("b", 1, false), ("c", 1, false)], 2);
        let north = checks(&[("a", Met), ("b", Met), ("c", NotMet)]); // 3/4
        let south = checks(&[("a", PartlyMet), ("b", Met), ("c", Met)]); // 3/4, fewer unknown
        let east = checks(&[("a", Met)]); // 2/4, two unknown
        let west = checks(&[("b", PartlyMet)]); // 0.5/4
        let ranked = rank(
            &cfg,
            &[
                Candidate {
                    key: "east",
                    name: "East",
                    returnees: 50,
                    checks: &east,
                },
                Candidate {
                    key: "north",
                    name: "North",
                    returnees: 10,
                    checks: &north,
                },
                Candidate {
                    key: "south",
                    name: "South",
                    returnees: 30,
                    checks: &south,
                },
                Candidate {
                    key: "west",
                    name: "West",
                    returnees: 1,
                    checks: &west,
                },
            ],
        );
        let order: Vec<&str> = ranked.iter().map(|r| r.key).collect();
        // North and South tie on score and unknowns; South has more registered returnees.
        assert_eq!(order, ["south", "north", "east", "west"]);
        assert!((ranked[0].score - 0.75).abs() < 1e-9);
        assert!((ranked[3].score - 0.125).abs() < 1e-9);
        assert_eq!((ranked[2].met, ranked[2].unknown), (1, 2));
        let shortlisted: Vec<&str> = ranked
            .iter()
            .filter(|r| r.shortlisted)
            .map(|r| r.key)
            .collect();
        assert_eq!(shortlisted, ["south", "north"]);
    }

    #[test]
    fn an_unmet_essential_criterion_keeps_a_community_off_the_shortlist() {
        use CheckStatus::*;
        let cfg = config(&[("authorities", 1, true), ("jobs", 3, false)], 3);
        let high = checks(&[("authorities", NotMet), ("jobs", Met)]);
        let low = checks(&[("authorities", Met), ("jobs", NotMet)]);
        let none = checks(&[]);
        let ranked = rank(
            &cfg,
            &[
                Candidate {
                    key: 1,
                    name: "A",
                    returnees: 0,
                    checks: &high,
                },
                Candidate {
                    key: 2,
                    name: "B",
                    returnees: 0,
                    checks: &low,
                },
                Candidate {
                    key: 3,
                    name: "C",
                    returnees: 0,
                    checks: &none,
                },
            ],
        );
        assert_eq!(ranked[0].key, 1, "still ranked first on its score");
        assert_eq!(ranked[0].excluded_by, ["authorities"]);
        assert!(!ranked[0].shortlisted);
        assert!(ranked[1].shortlisted, "B meets the essential criterion");
        assert!(
            !ranked[2].shortlisted,
            "nothing known about C: not shortlisted"
        );
    }

    #[test]
    fn unused_criteria_and_the_default_checklist() {
        use CheckStatus::*;
        let cfg = config(&[("a", 0, true), ("b", 1, false)], 1);
        let c = checks(&[("a", NotMet), ("b", Met)]);
        let ranked = rank(
            &cfg,
            &[Candidate {
                key: (),
                name: "X",
                returnees: 0,
                checks: &c,
            }],
        );
        assert!(
            ranked[0].shortlisted,
            "a weight of 0 takes the criterion out, essential or not"
        );
        assert_eq!(ranked[0].score, 1.0);
        let d = SelectionConfig::default();
        assert_eq!(d.criteria.len(), 12);
        assert_eq!(
            d.criteria
                .iter()
                .filter(|c| c.source == CriterionSource::FavourableEnvironment)
                .count(),
            7
        );
        assert!(d.validate().is_empty());
        let mut bad = d.clone();
        bad.criteria.push(Criterion {
            key: "own".into(),
            label: String::new(),
            source: CriterionSource::Programme,
            weight: 9,
            essential: false,
        });
        bad.shortlist_size = 0;
        let e = bad.validate();
        assert_eq!(e.for_field("weight_own"), Some("error-weight"));
        assert_eq!(e.for_field("label_own"), Some("error-required"));
        assert_eq!(e.for_field("shortlist_size"), Some("error-shortlist-size"));
    }

    #[test]
    fn a_community_covers_cases_by_province_and_place() {
        let c = Community {
            name: "Pikine".into(),
            province: "Dakar".into(),
            places: vec!["Thiaroye".into(), "Guédiawaye".into()],
            ..Community::default()
        };
        assert!(c.covers("dakar", Some("PIKINE")));
        assert!(c.covers("Dakar", Some("Guediawaye")));
        assert!(!c.covers("Thiès", Some("Pikine")));
        assert!(!c.covers("Dakar", None));
        assert!(!c.covers("Dakar", Some("Rufisque")));
    }

    pub(crate) fn participant(kind: ParticipantKind, sex: Option<Sex>) -> ProjectParticipant {
        ProjectParticipant {
            id: uuid::Uuid::new_v4(),
            kind,
            case: (kind == ParticipantKind::Returnee).then(CaseId::new),
            name: if kind == ParticipantKind::CommunityMember {
                "Fatou".into()
            } else {
                String::new()
            },
            sex,
            role: ParticipantRole::Member,
            joined: date!(2026 - 03 - 01),
            left: None,
        }
    }

    #[test]
    fn participant_mix_counts_active_participants_only() {
        use ParticipantKind::*;
        let mut p = project(ProjectKind::CollectiveIncome);
        assert_eq!(p.mix().verdict(), MixVerdict::Empty);
        p.add_participant(participant(Returnee, Some(Sex::Male)))
            .unwrap();
        p.add_participant(participant(Returnee, Some(Sex::Female)))
            .unwrap();
        assert_eq!(p.mix().verdict(), MixVerdict::ReturneesOnly);
        p.add_participant(participant(CommunityMember, Some(Sex::Female)))
            .unwrap();
        assert_eq!(p.mix().verdict(), MixVerdict::Unbalanced);
        for _ in 0..2 {
            p.add_participant(participant(CommunityMember, None))
                .unwrap();
        }
        let m = p.mix();
        assert_eq!(m.verdict(), MixVerdict::Mixed);
        assert_eq!((m.returnees, m.community_members, m.total()), (2, 3, 5));
        assert_eq!((m.women, m.men, m.sex_not_recorded), (2, 1, 2));
        assert_eq!(m.returnee_percent(), Some(40));
        // A returnee who leaves no longer counts, and the project is no longer mixed.
        let first = p.participants[0].id;
        p.participant_leaves(first, date!(2026 - 04 - 01)).unwrap();
        assert_eq!(p.mix().verdict(), MixVerdict::Unbalanced);
        assert_eq!(p.active_cases().len(), 1);
        assert_eq!(
            p.participant_leaves(first, date!(2026 - 04 - 02)),
            Err(ProjectRefusal::UnknownParticipant)
        );
        let only_members = ParticipantMix::of([participant(CommunityMember, None)].iter());
        assert_eq!(only_members.verdict(), MixVerdict::CommunityOnly);
    }

    #[test]
    fn the_same_returnee_cannot_take_part_twice() {
        let mut p = project(ProjectKind::PeerSupport);
        let r = participant(ParticipantKind::Returnee, None);
        p.add_participant(r.clone()).unwrap();
        let again = ProjectParticipant {
            id: uuid::Uuid::new_v4(),
            ..r
        };
        assert_eq!(
            p.add_participant(again),
            Err(ProjectRefusal::ParticipantTwice)
        );
    }

    fn project(kind: ProjectKind) -> Project {
        Project {
            name: "Poultry cooperative".into(),
            kind,
            approach: Some(Approach::CollectiveReturnee),
            summary: String::new(),
            budget: Some(5_000_000),
            currency: "XOF".into(),
            start: None,
            end: None,
            activities: vec![],
            screening: None,
            selection: vec![],
            started_on: None,
            closing: None,
            participants: vec![],
        }
    }

    fn screening(drawback: bool) -> Screening {
        let mut answers: BTreeMap<String, bool> = POSITIVE_CRITERIA
            .iter()
            .enumerate()
            .map(|(i, k)| (k.to_string(), i % 2 == 0))
            .collect();
        for k in NEGATIVE_CRITERIA {
            answers.insert(k.to_string(), false);
        }
        if drawback {
            answers.insert("not_viable".into(), true);
        }
        Screening {
            on: date!(2026 - 02 - 01),
            answers,
            note: String::new(),
        }
    }

    fn stage(stage: SelectionStage, passed: bool) -> StageDecision {
        StageDecision {
            stage,
            passed,
            on: date!(2026 - 02 - 10),
            note: String::new(),
        }
    }

    #[test]
    fn a_collective_project_is_screened_then_selected_in_three_stages_before_it_starts() {
        use SelectionStage::*;
        let mut p = project(ProjectKind::CollectiveIncome);
        assert_eq!(p.status(), ProjectStatus::Proposed);
        assert_eq!(
            p.decide(stage(PreSelection, true)),
            Err(ProjectRefusal::ScreeningFirst)
        );
        assert_eq!(
            p.start(date!(2026 - 03 - 01)),
            Err(ProjectRefusal::ScreeningFirst)
        );
        p.screen(screening(false)).unwrap();
        assert_eq!(p.screening.as_ref().unwrap().positives(), 5);
        assert_eq!(p.status(), ProjectStatus::Screened);
        assert_eq!(
            p.decide(stage(Initial, true)),
            Err(ProjectRefusal::StageOrder)
        );
        assert_eq!(
            p.start(date!(2026 - 03 - 01)),
            Err(ProjectRefusal::SelectionFirst)
        );
        p.decide(stage(PreSelection, true)).unwrap();
        assert_eq!(p.status(), ProjectStatus::PreSelected);
        assert_eq!(
            p.screen(screening(false)),
            Err(ProjectRefusal::ScreeningLocked)
        );
        p.decide(stage(Initial, true)).unwrap();
        assert_eq!(p.status(), ProjectStatus::InitiallySelected);
        p.decide(stage(Final, true)).unwrap();
        assert_eq!(p.status(), ProjectStatus::Selected);
        assert_eq!(p.next_stage(), None);
        assert_eq!(
            p.decide(stage(Final, true)),
            Err(ProjectRefusal::StageOrder)
        );
        assert_eq!(
            p.start(date!(2026 - 02 - 09)),
            Err(ProjectRefusal::DateOrder)
        );
        assert!(!p.kind_can_change());
        p.start(date!(2026 - 03 - 01)).unwrap();
        assert_eq!(p.status(), ProjectStatus::Running);
        assert_eq!(
            p.close(ProjectClosing {
                outcome: ProjectOutcome::Completed,
                on: date!(2026 - 02 - 28),
                note: String::new(),
            }),
            Err(ProjectRefusal::DateOrder)
        );
        p.close(ProjectClosing {
            outcome: ProjectOutcome::Completed,
            on: date!(2026 - 09 - 01),
            note: String::new(),
        })
        .unwrap();
        assert_eq!(p.status(), ProjectStatus::Completed);
        assert_eq!(
            p.add_participant(participant(ParticipantKind::Returnee, None)),
            Err(ProjectRefusal::Closed)
        );
    }

    #[test]
    fn a_drawback_or_a_failed_stage_stops_a_project() {
        let mut p = project(ProjectKind::CollectiveIncome);
        p.screen(screening(true)).unwrap();
        assert_eq!(p.screening.as_ref().unwrap().drawbacks(), ["not_viable"]);
        assert_eq!(p.status(), ProjectStatus::Rejected);
        assert_eq!(
            p.decide(stage(SelectionStage::PreSelection, true)),
            Err(ProjectRefusal::ScreeningFailed)
        );
        // Screening can be redone (the drawback was addressed) while nothing was decided.
        p.screen(screening(false)).unwrap();
        p.decide(stage(SelectionStage::PreSelection, false))
            .unwrap();
        assert_eq!(p.status(), ProjectStatus::Rejected);
        assert_eq!(
            p.decide(stage(SelectionStage::Initial, true)),
            Err(ProjectRefusal::Rejected)
        );
        assert_eq!(
            p.close(ProjectClosing {
                outcome: ProjectOutcome::Completed,
                on: date!(2026 - 03 - 01),
                note: String::new()
            }),
            Err(ProjectRefusal::NotStarted)
        );
        // Other kinds may start once screened, without the three stages, but not before.
        let mut peer = project(ProjectKind::PeerSupport);
        peer.screen(screening(false)).unwrap();
        assert_eq!(
            peer.start(date!(2026 - 01 - 31)),
            Err(ProjectRefusal::DateOrder)
        );
        peer.start(date!(2026 - 03 - 01)).unwrap();
        assert_eq!(peer.dimension(), Dimension::Psychosocial);
    }

    #[test]
    fn decisions_and_steps_follow_the_calendar() {
        let mut p = project(ProjectKind::CollectiveIncome);
        p.screen(screening(false)).unwrap();
        let before_screening = StageDecision {
            on: date!(2026 - 01 - 20),
            ..stage(SelectionStage::PreSelection, true)
        };
        assert_eq!(p.decide(before_screening), Err(ProjectRefusal::DateOrder));
        p.decide(stage(SelectionStage::PreSelection, true)).unwrap();
        let before_pre_selection = StageDecision {
            on: date!(2026 - 02 - 09),
            ..stage(SelectionStage::Initial, true)
        };
        assert_eq!(
            p.decide(before_pre_selection),
            Err(ProjectRefusal::DateOrder)
        );
        let mut ahead = p.clone();
        ahead.decide(stage(SelectionStage::Initial, true)).unwrap();
        assert_eq!(
            ahead.validate_at(date!(2026 - 02 - 01)).for_field("on"),
            Some("error-date-in-future"),
            "decided after today"
        );
        ahead.selection[1].note = "x".repeat(MAX_LONG_TEXT + 1);
        assert_eq!(
            ahead.validate_at(date!(2026 - 03 - 01)).for_field("note"),
            Some("error-too-long")
        );
        // Stopping is possible before the start; completing is not.
        assert_eq!(
            p.take_step(
                LifecycleStep::Complete,
                date!(2026 - 03 - 01),
                String::new()
            ),
            Err(ProjectRefusal::NotStarted)
        );
        p.take_step(
            LifecycleStep::Stop,
            date!(2026 - 03 - 01),
            "No funds".into(),
        )
        .unwrap();
        assert_eq!(p.status(), ProjectStatus::Stopped);
        assert_eq!(p.closing.as_ref().unwrap().note, "No funds");
        assert_eq!(
            p.take_step(LifecycleStep::Start, date!(2026 - 03 - 02), String::new()),
            Err(ProjectRefusal::Closed)
        );
    }

    #[test]
    fn screening_must_answer_every_criterion() {
        let mut s = screening(false);
        s.answers.remove("gender_perspective");
        let e = s.validate(date!(2026 - 05 - 01));
        assert_eq!(e.for_field("gender_perspective"), Some("error-required"));
        assert!(screening(false).validate(date!(2026 - 05 - 01)).is_empty());
        assert_eq!(
            screening(false)
                .validate(date!(2026 - 01 - 01))
                .for_field("on"),
            Some("error-date-in-future")
        );
    }

    #[test]
    fn project_fields_are_checked() {
        let mut p = project(ProjectKind::LocalDevelopment);
        p.name = " ".into();
        p.currency = String::new();
        p.start = Some(date!(2026 - 05 - 01));
        p.end = Some(date!(2026 - 04 - 01));
        let e = p.normalised().validate();
        assert_eq!(e.for_field("name"), Some("error-required"));
        assert_eq!(e.for_field("currency"), Some("error-required"));
        assert_eq!(e.for_field("end"), Some("error-end-before-start"));

        // Planned dates may lie ahead; what happened may not.
        let mut p = project(ProjectKind::LocalDevelopment);
        p.end = Some(date!(2027 - 01 - 01));
        let mut later = participant(ParticipantKind::CommunityMember, None);
        later.joined = date!(2026 - 06 - 01);
        p.participants.push(later);
        let e = p.validate_at(date!(2026 - 05 - 01));
        assert_eq!(e.for_field("joined"), Some("error-date-in-future"));
        assert!(e.for_field("end").is_none());
        assert!(p.validate_at(date!(2026 - 06 - 01)).is_empty());
    }

    #[test]
    fn satisfaction_counts_community_members_apart_from_returnees() {
        let mut s = Satisfaction::default();
        s.add("community_member", "very_satisfied");
        s.add("community_member", "neutral");
        s.add("family_member", "satisfied");
        s.add("returnee", "satisfied");
        s.add("", "satisfied");
        assert_eq!(
            s,
            Satisfaction {
                community_members: 3,
                satisfied: 2,
                returnees: 1,
                returnees_satisfied: 1
            }
        );
    }
}
