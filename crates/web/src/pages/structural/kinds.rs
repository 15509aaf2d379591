use super::*;

/// A list inside a record.
pub struct ItemList {
    pub name: &'static str,
    pub add: Vec<Field>,
    /// Fields changed on an existing item; empty when items are not changed one by one.
    pub update: Vec<Field>,
    /// Items are keyed by this field: adding one with the same value replaces it.
    pub key: Option<&'static str>,
    /// Items name people (trainees): shown only to readers of participants.
    pub names_people: bool,
}

pub struct Kind {
    pub slug: &'static str,
    pub doc: DocKind,
    pub fields: Vec<Field>,
    pub lists: Vec<ItemList>,
    /// Kinds whose records belong to a record of another kind (meetings to a mechanism).
    pub parent: Option<&'static str>,
    /// The kind whose records belong to this one's, listed on its page.
    pub children: Option<&'static str>,
    /// The overview the kind is listed on.
    pub hub: Hub,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hub {
    Structural,
    Results,
}

pub(super) fn action_point_lists() -> Vec<ItemList> {
    vec![ItemList {
        name: "action_points",
        add: vec![
            required("text", Input::Textarea),
            field("owner", Input::Text),
            field("due", Input::OptDate),
        ],
        update: vec![field("done_on", Input::OptDate), field("note", Input::Text)],
        key: None,
        names_people: false,
    }]
}

pub(super) fn level_choice() -> Input {
    Input::Choice(
        "stakeholder-level",
        values(StakeholderLevel::ALL, StakeholderLevel::as_str),
    )
}

pub fn kinds() -> Vec<Kind> {
    let capacity_level = || {
        Input::Choice(
            "capacity-level",
            values(CapacityLevel::ALL, CapacityLevel::as_str),
        )
    };
    let mut assessment = vec![
        required("stakeholder", Input::Stakeholder),
        required("on", Input::Date),
        required(
            "method",
            Input::Choice(
                "assessment-method",
                values(AssessmentMethod::ALL, AssessmentMethod::as_str),
            ),
        ),
    ];
    assessment.extend(CAPACITY_AREAS.iter().map(|a| field(a, capacity_level())));
    assessment.extend([
        required("engagement", Input::Score),
        field("gaps", Input::Textarea),
        field("priorities", Input::Textarea),
    ]);
    let activity = || {
        Input::Choice(
            "capacity-activity",
            values(CapacityActivity::ALL, CapacityActivity::as_str),
        )
    };
    vec![
        Kind {
            slug: "capacity-assessments",
            doc: DocKind::CapacityAssessment,
            fields: assessment,
            lists: vec![],
            parent: None,
            children: None,
            hub: Hub::Structural,
        },
        Kind {
            slug: "capacity-plans",
            doc: DocKind::CapacityPlan,
            fields: vec![
                required("stakeholder", Input::Stakeholder),
                required("title", Input::Text),
                field("summary", Input::Textarea),
                field(
                    "activities",
                    Input::Choices(
                        "capacity-activity",
                        values(CapacityActivity::ALL, CapacityActivity::as_str),
                    ),
                ),
            ],
            lists: action_point_lists(),
            parent: None,
            children: None,
            hub: Hub::Structural,
        },
        Kind {
            slug: "trainings",
            doc: DocKind::Training,
            fields: vec![
                required("title", Input::Text),
                field("activity", activity()),
                required("start", Input::Date),
                field("end", Input::OptDate),
                field("trainer", Input::Text),
                field("place", Input::Text),
                field("stakeholders", Input::Stakeholders),
            ],
            lists: vec![ItemList {
                name: "participants",
                add: vec![
                    required("name", Input::Text),
                    field("stakeholder", Input::Stakeholder),
                    field("sex", Input::Choice("sex", values(Sex::ALL, Sex::as_str))),
                    field("pre", Input::Number(u64::from(MAX_TEST_SCORE))),
                    field("post", Input::Number(u64::from(MAX_TEST_SCORE))),
                ],
                update: vec![
                    field("pre", Input::Number(u64::from(MAX_TEST_SCORE))),
                    field("post", Input::Number(u64::from(MAX_TEST_SCORE))),
                ],
                key: None,
                names_people: true,
            }],
            parent: None,
            children: None,
            hub: Hub::Structural,
        },
        Kind {
            slug: "mechanisms",
            doc: DocKind::Mechanism,
            fields: vec![
                required("name", Input::Text),
                required("level", level_choice()),
                required(
                    "form",
                    Input::Choice(
                        "mechanism-form",
                        values(MechanismForm::ALL, MechanismForm::as_str),
                    ),
                ),
                field("chair", Input::Stakeholder),
                field("members", Input::Stakeholders),
                field("terms_of_reference", Input::Textarea),
                field("endorsed_on", Input::OptDate),
                field("meets", Input::Text),
            ],
            lists: vec![],
            parent: None,
            children: Some("meetings"),
            hub: Hub::Structural,
        },
        Kind {
            slug: "meetings",
            doc: DocKind::Meeting,
            fields: vec![
                required("on", Input::Date),
                field("attendees", Input::Stakeholders),
                field("other_attendees", Input::Textarea),
                field("agenda", Input::Textarea),
                field("decisions", Input::Textarea),
            ],
            lists: action_point_lists(),
            parent: Some("mechanisms"),
            children: None,
            hub: Hub::Structural,
        },
        Kind {
            slug: "agreements",
            doc: DocKind::Agreement,
            fields: vec![
                required("title", Input::Text),
                required(
                    "kind",
                    Input::Choice(
                        "agreement-kind",
                        values(AgreementKind::ALL, AgreementKind::as_str),
                    ),
                ),
                required(
                    "status",
                    Input::Choice(
                        "agreement-status",
                        values(AgreementStatus::ALL, AgreementStatus::as_str),
                    ),
                ),
                field("parties", Input::Stakeholders),
                field("other_parties", Input::Textarea),
                field("signed_on", Input::OptDate),
                field("valid_from", Input::OptDate),
                field("valid_until", Input::OptDate),
                field("data_sharing", Input::Textarea),
                field("summary", Input::Textarea),
            ],
            lists: vec![],
            parent: None,
            children: None,
            hub: Hub::Structural,
        },
        Kind {
            slug: "policy",
            doc: DocKind::PolicyTrack,
            fields: vec![
                required(
                    "sector",
                    Input::Choice(
                        "policy-sector",
                        values(PolicySector::ALL, PolicySector::as_str),
                    ),
                ),
                required("framework", Input::Text),
                field("lead", Input::Stakeholder),
                field(
                    "preconditions",
                    Input::Choices(
                        "precondition",
                        values(Precondition::ALL, Precondition::as_str),
                    ),
                ),
                field("notes", Input::Textarea),
            ],
            lists: vec![ItemList {
                name: "steps",
                add: vec![
                    required(
                        "step",
                        Input::Choice(
                            "mainstreaming-step",
                            values(MainstreamingStep::ALL, MainstreamingStep::as_str),
                        ),
                    ),
                    required(
                        "status",
                        Input::Choice("step-status", values(StepStatus::ALL, StepStatus::as_str)),
                    ),
                    field("on", Input::OptDate),
                    field("note", Input::Text),
                ],
                update: vec![],
                key: Some("step"),
                names_people: false,
            }],
            parent: None,
            children: None,
            hub: Hub::Structural,
        },
        Kind {
            slug: "programmes",
            doc: DocKind::Programme,
            fields: vec![
                required("name", Input::Text),
                required("objective", Input::Textarea),
                required("start", Input::Date),
                field("end", Input::OptDate),
                field("countries", Input::Lines),
                field("offices", Input::Lines),
                field("donors", Input::Lines),
                field("age_bands", Input::Text),
            ],
            lists: vec![],
            parent: None,
            children: Some("results"),
            hub: Hub::Results,
        },
        Kind {
            slug: "results",
            doc: DocKind::Result,
            fields: vec![
                required(
                    "level",
                    Input::Choice(
                        "result-level",
                        values(ResultLevel::ALL, ResultLevel::as_str),
                    ),
                ),
                required("statement", Input::Textarea),
                field(
                    "intervention",
                    Input::Choice(
                        "intervention-level",
                        values(InterventionLevel::ALL, InterventionLevel::as_str),
                    ),
                ),
                field("assumptions", Input::Lines),
            ],
            lists: vec![],
            parent: Some("programmes"),
            children: Some("indicators"),
            hub: Hub::Results,
        },
        Kind {
            slug: "indicators",
            doc: DocKind::Indicator,
            fields: vec![
                required("statement", Input::Textarea),
                required(
                    "unit",
                    Input::Choice("unit", values(Unit::ALL, Unit::as_str)),
                ),
                field(
                    "source",
                    Input::Choice("source", values(Source::ALL, Source::as_str)),
                ),
                field("counted", Input::Lines),
                field("numerator", Input::Lines),
                required(
                    "frequency",
                    Input::Choice("frequency", values(Frequency::ALL, Frequency::as_str)),
                ),
                field(
                    "axes",
                    Input::Choices("axis", values(Axis::ALL, Axis::as_str)),
                ),
                field("data_source", Input::Textarea),
                field(
                    "analysis",
                    Input::Choice("analysis", values(Analysis::ALL, Analysis::as_str)),
                ),
                field("responsible", Input::Text),
                field("baseline", Input::Decimal),
                field("target", Input::Decimal),
            ],
            lists: vec![ItemList {
                name: "reported",
                add: vec![
                    required("period", Input::Text),
                    required("value", Input::Decimal),
                    field("evidence", Input::Textarea),
                ],
                update: vec![],
                key: None,
                names_people: false,
            }],
            parent: Some("results"),
            children: None,
            hub: Hub::Results,
        },
        Kind {
            slug: "evaluations",
            doc: DocKind::Evaluation,
            fields: vec![
                required("title", Input::Text),
                required(
                    "timing",
                    Input::Choice(
                        "evaluation-timing",
                        values(EvaluationTiming::ALL, EvaluationTiming::as_str),
                    ),
                ),
                required(
                    "conductor",
                    Input::Choice("conductor", values(Conductor::ALL, Conductor::as_str)),
                ),
                field(
                    "criteria",
                    Input::Choices(
                        "evaluation-criterion",
                        values(EvaluationCriterion::ALL, EvaluationCriterion::as_str),
                    ),
                ),
                field("start", Input::OptDate),
                field("end", Input::OptDate),
                // The terms of reference, in the sections of Annex 4.C.
                field("commissioned_by", Input::Text),
                field("tor_context", Input::Textarea),
                field("tor_purpose", Input::Textarea),
                field("tor_scope", Input::Textarea),
                field("tor_questions", Input::Textarea),
                field("tor_methodology", Input::Textarea),
                field("tor_deliverables", Input::Lines),
                field("tor_budget", Input::Textarea),
                field("terms_of_reference", Input::Textarea),
                field("findings", Input::Textarea),
                field("management_response", Input::Textarea),
            ],
            lists: {
                let mut lists = vec![
                    ItemList {
                        name: "workplan",
                        add: vec![
                            required("task", Input::Text),
                            field("work_days", Input::Number(3650)),
                            field("responsible", Input::Text),
                            field("location", Input::Text),
                        ],
                        update: vec![],
                        key: Some("task"),
                        names_people: false,
                    },
                    ItemList {
                        name: "checklist",
                        add: vec![
                            required(
                                "item",
                                Input::Choice(
                                    "evaluation-check",
                                    values(EvaluationCheck::ALL, EvaluationCheck::as_str),
                                ),
                            ),
                            required(
                                "status",
                                Input::Choice(
                                    "check-status",
                                    values(CheckStatus::ALL, CheckStatus::as_str),
                                ),
                            ),
                            field("on", Input::OptDate),
                            field("note", Input::Text),
                        ],
                        update: vec![],
                        key: Some("item"),
                        names_people: false,
                    },
                    ItemList {
                        name: "reports",
                        add: vec![
                            required(
                                "kind",
                                Input::Choice(
                                    "report-kind",
                                    values(ReportKind::ALL, ReportKind::as_str),
                                ),
                            ),
                            required("received", Input::Date),
                            field("reference", Input::Text),
                            field("accepted", Input::OptDate),
                        ],
                        update: vec![],
                        key: Some("kind"),
                        names_people: false,
                    },
                ];
                lists.extend(action_point_lists());
                lists
            },
            parent: None,
            children: None,
            hub: Hub::Results,
        },
        Kind {
            slug: "lessons",
            doc: DocKind::Lesson,
            fields: vec![
                required("statement", Input::Textarea),
                required(
                    "source",
                    Input::Choice(
                        "lesson-source",
                        values(LessonSource::ALL, LessonSource::as_str),
                    ),
                ),
                field("evidence", Input::Textarea),
                field("tags", Input::Lines),
            ],
            lists: vec![],
            parent: None,
            children: None,
            hub: Hub::Results,
        },
    ]
}
