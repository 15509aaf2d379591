use super::*;

impl Condition {
    /// The condition as a line of an indicator's form (the reverse of [`parse_condition`]).
    pub fn to_line(&self) -> String {
        let op = match self.op {
            Op::Equals => "=",
            Op::AtLeast => ">=",
            Op::Above => ">",
            Op::AtMost => "<=",
            Op::Below => "<",
            Op::OneOf => "in",
        };
        format!("{} {op} {}", self.field, self.value.replace(',', ", "))
    }

    /// Whether a record's value of the field meets the condition (records counted outside the
    /// database: participants, satisfaction answers, stakeholders).
    pub fn holds(&self, value: &str) -> bool {
        let number = |s: &str| s.trim().parse::<f64>().ok();
        match self.op {
            Op::Equals => value == self.value,
            Op::OneOf => self.value.split(',').any(|v| v.trim() == value),
            Op::AtLeast => {
                matches!((number(value), number(&self.value)), (Some(a), Some(b)) if a >= b)
            }
            Op::Above => {
                matches!((number(value), number(&self.value)), (Some(a), Some(b)) if a > b)
            }
            Op::AtMost => {
                matches!((number(value), number(&self.value)), (Some(a), Some(b)) if a <= b)
            }
            Op::Below => {
                matches!((number(value), number(&self.value)), (Some(a), Some(b)) if a < b)
            }
        }
    }
}

/// The groups of the type-of-assistance breakdown: the dimension of the services a returnee
/// was referred to, community projects, or none recorded.
pub const ASSISTANCE_KINDS: [&str; 5] = ["economic", "social", "psychosocial", "community", "none"];

/// The middle value (the mean of the two middle ones for an even count); `None` when empty.
pub fn median(values: &[f64]) -> Option<f64> {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let mid = v.len() / 2;
    Some(if v.len().is_multiple_of(2) {
        (v[mid - 1] + v[mid]) / 2.0
    } else {
        v[mid]
    })
}

/// A record counted outside the database: the date it counts on and its fields.
pub struct Record<'a> {
    pub date: Date,
    pub fields: Vec<(&'a str, String)>,
}

impl Record<'_> {
    pub(super) fn meets(&self, conditions: &[Condition]) -> bool {
        conditions.iter().all(|c| {
            self.fields
                .iter()
                .find(|(f, _)| *f == c.field)
                .is_some_and(|(_, v)| c.holds(v))
        })
    }
}

/// Tallies records per period of the computation's frequency, between two dates.
pub fn tally_records(
    records: &[Record<'_>],
    c: &Computation,
    from: Date,
    to: Date,
) -> std::collections::BTreeMap<String, Tally> {
    let mut out = std::collections::BTreeMap::new();
    for r in records.iter().filter(|r| from <= r.date && r.date <= to) {
        if !r.meets(&c.population) {
            continue;
        }
        let t: &mut Tally = out
            .entry(Period::containing(c.frequency, r.date).label())
            .or_default();
        t.population += 1;
        t.numerator += u64::from(c.numerator.is_empty() || r.meets(&c.numerator));
    }
    out
}

#[cfg(test)]
mod record_tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn the_median_is_the_middle_value() {
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[3.0]), Some(3.0));
        assert_eq!(median(&[9.0, 1.0, 4.0]), Some(4.0));
        assert_eq!(median(&[1.0, 2.0, 4.0, 10.0]), Some(3.0));
        assert_eq!(median(&[f64::NAN, 2.0]), Some(2.0));
    }

    #[test]
    fn records_are_tallied_per_period_with_conditions() {
        let c = handbook_indicators().remove(1).2; // community members satisfied, quarterly
        let r = |d: Date, respondent: &str, s: &str| Record {
            date: d,
            fields: vec![
                ("respondent", respondent.into()),
                ("satisfaction", s.into()),
            ],
        };
        let records = [
            r(date!(2026 - 01 - 10), "community_member", "satisfied"),
            r(date!(2026 - 02 - 10), "community_member", "neutral"),
            r(date!(2026 - 03 - 10), "returnee", "very_satisfied"),
            r(date!(2026 - 04 - 10), "local_leader", "very_satisfied"),
            r(date!(2025 - 12 - 31), "community_member", "satisfied"),
        ];
        let t = tally_records(&records, &c, date!(2026 - 01 - 01), date!(2026 - 12 - 31));
        assert_eq!(
            t["2026-Q1"],
            Tally {
                population: 2,
                numerator: 1
            }
        );
        assert_eq!(
            t["2026-Q2"],
            Tally {
                population: 1,
                numerator: 1
            }
        );
        assert_eq!(
            t.len(),
            2,
            "the returnee and last year's answer are not counted"
        );
        assert_eq!(t["2026-Q1"].value(Unit::Percentage), Some(50.0));
        let at_least = Condition {
            field: "x".into(),
            op: Op::AtLeast,
            value: "0.5".into(),
        };
        assert!(at_least.holds("0.5") && !at_least.holds("0.49") && !at_least.holds("n/a"));
    }
}

#[cfg(test)]
mod evaluation_tests {
    use super::*;
    use time::macros::date;

    fn evaluation() -> Evaluation {
        Evaluation {
            title: "Midterm evaluation".into(),
            timing: EvaluationTiming::Midterm,
            conductor: Conductor::External,
            criteria: vec![],
            start: None,
            end: None,
            commissioned_by: String::new(),
            tor_context: String::new(),
            tor_purpose: String::new(),
            tor_scope: String::new(),
            tor_questions: String::new(),
            tor_methodology: String::new(),
            tor_deliverables: vec![],
            workplan: vec![],
            tor_budget: String::new(),
            terms_of_reference: String::new(),
            checklist: vec![],
            reports: vec![],
            findings: String::new(),
            management_response: String::new(),
            action_points: vec![],
        }
    }

    fn mark(item: EvaluationCheck, status: CheckStatus) -> CheckMark {
        CheckMark {
            item,
            status,
            on: None,
            note: String::new(),
        }
    }

    #[test]
    fn the_terms_of_reference_are_drafted_only_with_every_section_of_annex_4c() {
        let mut e = evaluation();
        assert_eq!(e.tor_missing(), TOR_SECTIONS.to_vec());
        e.checklist
            .push(mark(EvaluationCheck::TorDrafted, CheckStatus::Done));
        assert!(
            e.validate()
                .0
                .iter()
                .any(|f| f.code == "error-tor-incomplete")
        );
        e.commissioned_by = "The donor".into();
        e.tor_context = "Two years of reintegration support".into();
        e.tor_purpose = "Mid-course corrections, for management".into();
        e.tor_scope = "2025–2026, three provinces".into();
        e.criteria = vec![EvaluationCriterion::Relevance];
        e.tor_questions = "Relevance: do the services match the needs?".into();
        e.tor_methodology = "Interviews, RSS data, focus groups".into();
        e.tor_deliverables = vec!["Inception report".into(), " ".into()];
        assert_eq!(e.tor_missing(), vec!["workplan"]);
        e.workplan.push(WorkplanActivity {
            task: "Review project documents".into(),
            work_days: Some(3),
            responsible: "Evaluator".into(),
            location: "Home based".into(),
        });
        assert!(e.tor_missing().is_empty());
        assert!(e.validate().is_empty());
    }

    #[test]
    fn checklist_progress_leaves_out_points_that_do_not_apply() {
        let mut e = evaluation();
        let all = EvaluationCheck::ALL.len();
        assert_eq!(e.checklist_progress(), (0, all));
        assert_eq!(e.next_check(), Some(EvaluationCheck::ObjectiveDefined));
        e.checklist
            .push(mark(EvaluationCheck::ObjectiveDefined, CheckStatus::Done));
        e.checklist.push(mark(
            EvaluationCheck::ConfidentialitySigned,
            CheckStatus::NotApplicable,
        ));
        assert_eq!(e.checklist_progress(), (1, all - 1));
        assert_eq!(e.next_check(), Some(EvaluationCheck::ScopeDefined));
        assert_eq!(
            EvaluationCheck::TorUneg.stage(),
            CheckStage::TermsOfReference
        );
        assert_eq!(
            EvaluationCheck::FollowUpAgreed.stage(),
            CheckStage::Managing
        );
    }

    #[test]
    fn a_response_is_awaited_once_the_final_report_is_accepted() {
        let mut e = evaluation();
        e.reports.push(EvaluationReport {
            kind: ReportKind::Final,
            received: date!(2026 - 05 - 01),
            reference: "Final report v2".into(),
            accepted: None,
        });
        assert!(!e.awaits_response());
        e.reports[0].accepted = Some(date!(2026 - 04 - 01));
        assert!(e.validate().0.iter().any(|f| f.field == "accepted"));
        e.reports[0].accepted = Some(date!(2026 - 05 - 10));
        assert!(e.awaits_response());
        e.management_response = "Accepted; two recommendations partly".into();
        assert!(!e.awaits_response());
    }
}
