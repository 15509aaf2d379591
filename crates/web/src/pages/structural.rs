//! The structural level: capacity assessments and plans, trainings, coordination mechanisms
//! and their meetings, the agreements and SOPs registry, and policy mainstreaming tracks.
//!
//! Each kind of record is described once ([`kinds`]): its fields, the lists inside it (action
//! points, trainees, steps) and what is worked out from it. One set of handlers then lists,
//! creates, shows and edits all of them.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use domain::ValidationErrors;
use domain::authz::{Action, Actor, Resource, authorize, small_cell_threshold};
use domain::case::Sex;
use domain::me::{
    Analysis, Axis, CheckStatus, Conductor, EvaluationCheck, EvaluationCriterion, EvaluationTiming,
    Frequency, InterventionLevel, LessonSource, ReportKind, ResultLevel, Source, Unit,
};
use domain::stakeholder::StakeholderLevel;
use domain::structural::*;
use domain::{DocumentId, StakeholderId};
use serde::Deserialize;
use serde_json::Value;
use store::{DocKind, DocRecord};

use super::services::{DetailGroup, DetailRow, Posted, RecordForm};
use super::{Chrome, CsrfForm, render, render_status, today};
use crate::AppState;
use crate::auth::{Caller, SignedIn};
use crate::error::{AppError, ErrorKind};
use crate::forms::Fieldset;
use crate::i18n::Tr;
use crate::records::{self, Field, Input, Options, field, required, values};
use app::community::{self as cm, Place, Record};

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

fn action_point_lists() -> Vec<ItemList> {
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

fn level_choice() -> Input {
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

fn kind(slug: &str) -> Result<Kind, AppError> {
    kinds()
        .into_iter()
        .find(|k| k.slug == slug)
        .ok_or_else(|| AppError::new(ErrorKind::NotFound))
}

fn read_value(rec: &DocRecord) -> Result<Value, AppError> {
    serde_json::from_str(&rec.body).map_err(|e| AppError::internal(format!("stored record: {e}")))
}

/// Reads `value` as the kind's `domain` type and saves it through the one typed path.
async fn save_value(
    state: &AppState,
    actor: &Actor,
    kind: DocKind,
    id: Option<DocumentId>,
    expected: Option<i64>,
    place: Place,
    value: Value,
) -> Result<DocRecord, AppError> {
    async fn typed<T: Record>(
        state: &AppState,
        actor: &Actor,
        id: Option<DocumentId>,
        expected: Option<i64>,
        place: Place,
        value: Value,
    ) -> Result<DocRecord, AppError> {
        let body: T = serde_json::from_value(value).map_err(|_| {
            let mut e = ValidationErrors::new();
            e.add("form", "error-form-invalid");
            AppError::validation(e)
        })?;
        Ok(cm::save(state, actor, id, expected, place, body).await?.rec)
    }
    match kind {
        DocKind::CapacityAssessment => {
            typed::<CapacityAssessment>(state, actor, id, expected, place, value).await
        }
        DocKind::CapacityPlan => {
            typed::<CapacityPlan>(state, actor, id, expected, place, value).await
        }
        DocKind::Training => typed::<Training>(state, actor, id, expected, place, value).await,
        DocKind::Mechanism => typed::<Mechanism>(state, actor, id, expected, place, value).await,
        DocKind::Meeting => typed::<Meeting>(state, actor, id, expected, place, value).await,
        DocKind::Agreement => typed::<Agreement>(state, actor, id, expected, place, value).await,
        DocKind::PolicyTrack => {
            typed::<PolicyTrack>(state, actor, id, expected, place, value).await
        }
        DocKind::Programme => {
            typed::<domain::me::Programme>(state, actor, id, expected, place, value).await
        }
        DocKind::Result => {
            typed::<domain::me::ResultStatement>(state, actor, id, expected, place, value).await
        }
        DocKind::Indicator => {
            typed::<domain::me::Indicator>(state, actor, id, expected, place, value).await
        }
        DocKind::Evaluation => {
            typed::<domain::me::Evaluation>(state, actor, id, expected, place, value).await
        }
        DocKind::Lesson => {
            typed::<domain::me::Lesson>(state, actor, id, expected, place, value).await
        }
        _ => Err(AppError::new(ErrorKind::NotFound)),
    }
}

/// A structural record, for readers of the community and structural levels.
async fn load(
    state: &AppState,
    actor: &Actor,
    kind: &Kind,
    id: &str,
) -> Result<DocRecord, AppError> {
    authorize(actor, cm::read_action(kind.doc), Resource::Programme)?;
    let rec = state.store.document(app::referrals::parse_id(id)?).await?;
    if rec.kind != kind.doc {
        return Err(AppError::new(ErrorKind::NotFound));
    }
    Ok(rec)
}

fn org_name(orgs: &Options, id: Option<StakeholderId>) -> String {
    id.and_then(|id| orgs.iter().find(|(x, _)| *x == id.to_string()))
        .map(|(_, n)| n.clone())
        .unwrap_or_default()
}

/// A record's title as people read it.
fn title(tr: &Tr, rec: &DocRecord, value: &Value, orgs: &Options) -> String {
    let org = |f: &str| {
        value[f]
            .as_str()
            .and_then(|s| s.parse().ok())
            .map(|id| org_name(orgs, Some(id)))
            .unwrap_or_default()
    };
    match rec.kind {
        DocKind::CapacityAssessment => tr.t2(
            "capacity-assessment-of",
            "stakeholder",
            org("stakeholder"),
            "date",
            &rec.name,
        ),
        DocKind::Meeting => tr.t1("meeting-of", "date", &rec.name),
        DocKind::PolicyTrack => format!(
            "{} · {}",
            tr.t_of("policy-sector", value["sector"].as_str().unwrap_or("")),
            rec.name
        ),
        _ => rec.name.clone(),
    }
}

/// Blanks the fields that name people, in the record and in the rows of its lists.
fn without_names(value: &mut Value) {
    let Some(obj) = value.as_object_mut() else {
        return;
    };
    for (key, v) in obj.iter_mut() {
        if NAMES_OF_PEOPLE.contains(&key.as_str()) {
            *v = Value::String(String::new());
        } else if let Some(items) = v.as_array_mut() {
            items.iter_mut().for_each(without_names);
        }
    }
}

/// What is worked out from a record: its progress, warnings and results. Counts of people
/// below `threshold` (small-cell suppression) are not shown, nor averages over them.
fn facts(
    tr: &Tr,
    rec: &DocRecord,
    orgs: &Options,
    kinds_of: &[(StakeholderId, domain::stakeholder::StakeholderKind)],
    threshold: Option<u64>,
) -> Vec<DetailRow> {
    let today = today();
    let row = |label: &str, value: String| DetailRow {
        label: tr.t(label),
        value,
    };
    let progress = |p: ActionProgress| {
        tr.t2("actions-progress", "done", p.done, "total", p.total)
            + &if p.overdue > 0 {
                format!(" · {}", tr.tn("actions-overdue", p.overdue as u64))
            } else {
                String::new()
            }
    };
    match rec.kind {
        DocKind::CapacityAssessment => serde_json::from_str::<CapacityAssessment>(&rec.body)
            .map(|a| {
                vec![row(
                    "capacity-gap-areas",
                    a.gap_areas()
                        .iter()
                        .map(|g| records::label(tr, g))
                        .collect::<Vec<_>>()
                        .join(", "),
                )]
            })
            .unwrap_or_default(),
        DocKind::CapacityPlan | DocKind::Meeting => {
            let points: Vec<ActionPoint> = serde_json::from_str::<Value>(&rec.body)
                .ok()
                .and_then(|v| serde_json::from_value(v["action_points"].clone()).ok())
                .unwrap_or_default();
            vec![row(
                "actions-title",
                progress(ActionProgress::of(points.iter(), today)),
            )]
        }
        DocKind::Training => serde_json::from_str::<Training>(&rec.body)
            .map(|t| {
                let r = t.results();
                let count = |n: usize| super::overview::cell(tr, n as u64, threshold);
                // Averages over a small group, or over the few tested twice, give scores away.
                let small = threshold.is_some_and(|t| {
                    [r.participants, r.tested_twice]
                        .iter()
                        .any(|n| (*n as u64) < t)
                });
                let mean = |m: Option<f64>| match m {
                    Some(x) if !small => format!("{x:.1}"),
                    _ => "—".into(),
                };
                vec![
                    row("training-participants", count(r.participants)),
                    row("training-tested-twice", count(r.tested_twice)),
                    row("training-mean-pre", mean(r.mean_pre)),
                    row("training-mean-post", mean(r.mean_post)),
                    row("training-improved", count(r.improved)),
                ]
            })
            .unwrap_or_default(),
        DocKind::Mechanism => serde_json::from_str::<Mechanism>(&rec.body)
            .map(|m| {
                let chair_kind = m
                    .chair
                    .and_then(|c| kinds_of.iter().find(|(id, _)| *id == c).map(|(_, k)| *k));
                let w = m.warnings(chair_kind);
                vec![row(
                    "mechanism-warnings",
                    if w.is_empty() {
                        tr.t("mechanism-no-warnings")
                    } else {
                        w.iter()
                            .map(|x| tr.t_of("mechanism-warning", x.as_str()))
                            .collect::<Vec<_>>()
                            .join(" ")
                    },
                )]
            })
            .unwrap_or_default(),
        DocKind::Agreement => serde_json::from_str::<Agreement>(&rec.body)
            .map(|a| {
                vec![row(
                    "agreement-standing",
                    tr.t_of("standing", a.standing(today).as_str()),
                )]
            })
            .unwrap_or_default(),
        DocKind::PolicyTrack => serde_json::from_str::<PolicyTrack>(&rec.body)
            .map(|t| {
                vec![
                    row(
                        "policy-steps-done",
                        tr.t2(
                            "actions-progress",
                            "done",
                            t.steps_done(),
                            "total",
                            MainstreamingStep::ALL.len(),
                        ),
                    ),
                    row(
                        "policy-current-step",
                        t.current()
                            .map(|s| tr.t_of("mainstreaming-step", s.as_str()))
                            .unwrap_or_else(|| tr.t("policy-all-done")),
                    ),
                ]
            })
            .unwrap_or_default(),
        DocKind::Evaluation => serde_json::from_str::<domain::me::Evaluation>(&rec.body)
            .map(|e| {
                let (done, applies) = e.checklist_progress();
                let missing = e.tor_missing();
                let mut rows = vec![
                    row(
                        "evaluation-tor-sections",
                        if missing.is_empty() {
                            tr.t("evaluation-tor-complete")
                        } else {
                            tr.t1(
                                "evaluation-tor-missing",
                                "sections",
                                missing
                                    .iter()
                                    .map(|m| records::label(tr, m))
                                    .collect::<Vec<_>>()
                                    .join(", "),
                            )
                        },
                    ),
                    row(
                        "evaluation-checklist",
                        tr.t2("actions-progress", "done", done, "total", applies),
                    ),
                    row(
                        "evaluation-next-check",
                        e.next_check()
                            .map(|c| tr.t_of("evaluation-check", c.as_str()))
                            .unwrap_or_else(|| tr.t("evaluation-checklist-done")),
                    ),
                    row(
                        "actions-title",
                        progress(ActionProgress::of(e.action_points.iter(), today)),
                    ),
                ];
                if e.awaits_response() {
                    rows.push(row(
                        "field-management-response",
                        tr.t("evaluation-awaits-response"),
                    ));
                }
                rows
            })
            .unwrap_or_default(),
        _ => {
            let _ = orgs;
            Vec::new()
        }
    }
}

async fn stakeholder_kinds(
    state: &AppState,
) -> Result<Vec<(StakeholderId, domain::stakeholder::StakeholderKind)>, AppError> {
    Ok(state
        .store
        .stakeholders()
        .await?
        .into_iter()
        .map(|s| (s.id, s.stakeholder.kind))
        .collect())
}

// ---------------------------------------------------------------------------------------------
// The overview

pub struct HubRow {
    pub href: String,
    pub title: String,
    pub facts: String,
}

pub struct HubSection {
    pub id: &'static str,
    pub title: String,
    pub new_href: String,
    pub rows: Vec<HubRow>,
}

#[derive(Template)]
#[template(path = "structural.html")]
pub struct HubPage {
    c: Chrome,
    engagement: String,
    sections: Vec<HubSection>,
    can_manage: bool,
}

pub async fn hub(
    State(state): State<AppState>,
    tr: Tr,
    SignedIn(caller): SignedIn,
) -> Result<Response, AppError> {
    let actor = caller.actor();
    let threshold = small_cell_threshold(&actor);
    authorize(&actor, Action::ReadCommunity, Resource::Programme)?;
    let orgs = cm::organisations(&state).await?;
    let kinds_of = stakeholder_kinds(&state).await?;
    let mut sections = Vec::new();
    for k in kinds()
        .into_iter()
        .filter(|k| k.parent.is_none() && k.hub == Hub::Structural)
    {
        let mut rows = Vec::new();
        for rec in state.store.documents(k.doc, None).await? {
            let value = read_value(&rec)?;
            rows.push(HubRow {
                href: format!("/registry/{}/{}", k.slug, rec.id),
                title: title(&tr, &rec, &value, &orgs),
                facts: facts(&tr, &rec, &orgs, &kinds_of, threshold)
                    .into_iter()
                    .map(|r| format!("{}: {}", r.label, r.value))
                    .collect::<Vec<_>>()
                    .join(" · "),
            });
        }
        sections.push(HubSection {
            id: k.slug,
            title: tr.t(&format!("structural-{}", k.slug)),
            new_href: format!("/registry/{}/new", k.slug),
            rows,
        });
    }
    let (assessments, support) = app::results::engagement_inputs(&state).await?;
    let e = engagement_change(&assessments, &support);
    render(&HubPage {
        c: Chrome::new(&state, tr.clone(), Some(&caller)),
        engagement: tr.t2(
            "engagement-indicator",
            "more",
            e.more_engaged,
            "measured",
            e.measured,
        ) + " "
            + &tr.tn("engagement-supported", e.supported as u64),
        sections,
        can_manage: authorize(&actor, Action::ManageStructural, Resource::Programme).is_ok(),
    })
}

// ---------------------------------------------------------------------------------------------
// One record

pub struct ItemRow {
    pub id: String,
    pub cells: Vec<String>,
    pub update: Vec<crate::forms::FieldView>,
}

pub struct ItemSection {
    pub name: &'static str,
    /// Rows carry an update form, under a header of their own.
    pub updatable: bool,
    pub title: String,
    pub headers: Vec<String>,
    pub rows: Vec<ItemRow>,
    pub hidden: bool,
    pub add: Option<Fieldset>,
    pub open: bool,
}

pub struct ChildRow {
    pub href: String,
    pub title: String,
    pub facts: String,
}

#[derive(Template)]
#[template(path = "structural_record.html")]
pub struct RecordPage {
    c: Chrome,
    title: String,
    subtitle: String,
    back: String,
    back_label: String,
    base: String,
    version: i64,
    groups: Vec<DetailGroup>,
    lists: Vec<ItemSection>,
    children_title: String,
    children: Vec<ChildRow>,
    add_child: String,
    add_child_label: String,
    problem: String,
    form: Option<RecordForm>,
    /// Pages made from the record (an evaluation's printable terms of reference).
    links: Vec<(String, String)>,
}

struct TypedItem {
    list: &'static str,
    row: Option<String>,
    posted: Posted,
    errors: ValidationErrors,
}

#[derive(Default)]
struct Typed {
    edit: Option<(Posted, ValidationErrors)>,
    /// A refused change to a list: the list, the row changed (none when adding), what was
    /// typed and what to fix.
    item: Option<TypedItem>,
    problem: String,
}

async fn record_page(
    state: &AppState,
    tr: &Tr,
    caller: &Caller,
    kind: &Kind,
    id: &str,
    typed: Typed,
) -> Result<RecordPage, AppError> {
    let actor = caller.actor();
    let rec = load(state, &actor, kind, id).await?;
    let mut value = read_value(&rec)?;
    let orgs = cm::organisations(state).await?;
    let kinds_of = stakeholder_kinds(state).await?;
    let can_manage = authorize(&actor, cm::manage_action(kind.doc), Resource::Programme).is_ok();
    let names = cm::may_see_participants(&actor);
    let threshold = small_cell_threshold(&actor);
    if !names {
        without_names(&mut value);
    }
    let base = format!("/registry/{}/{}", kind.slug, rec.id);
    let mut groups = vec![DetailGroup {
        title: tr.t(&format!("structural-{}-one", kind.slug)),
        rows: records::rows(tr, &kind.fields, &value, &orgs),
    }];
    let worked_out = facts(tr, &rec, &orgs, &kinds_of, threshold);
    if !worked_out.is_empty() {
        groups.push(DetailGroup {
            title: tr.t("structural-worked-out"),
            rows: worked_out,
        });
    }
    let mut lists = Vec::new();
    for l in &kind.lists {
        let hidden = l.names_people && !names;
        let items = value[l.name].as_array().cloned().unwrap_or_default();
        let typed_here = typed.item.as_ref().filter(|t| t.list == l.name);
        let (add_posted, add_errors, open) = match typed_here {
            Some(t) if t.row.is_none() => (t.posted.clone(), t.errors.clone(), true),
            _ => (Posted::default(), ValidationErrors::new(), false),
        };
        lists.push(ItemSection {
            name: l.name,
            title: tr.t(&format!("list-{}", l.name.replace('_', "-"))),
            updatable: can_manage && !l.update.is_empty() && !items.is_empty(),
            headers: l
                .add
                .iter()
                .map(|f| records::label(tr, f.name))
                .chain(
                    l.update
                        .iter()
                        .filter(|f| !l.add.iter().any(|a| a.name == f.name))
                        .map(|f| records::label(tr, f.name)),
                )
                .collect(),
            rows: if hidden {
                Vec::new()
            } else {
                items
                    .iter()
                    .enumerate()
                    .map(|(n, item)| {
                        let id = item["id"].as_str().unwrap_or("").to_string();
                        // The row a refused update was for shows what was typed and why.
                        let (posted, errors) = match typed_here {
                            Some(t) if t.row.as_deref() == Some(id.as_str()) => {
                                (t.posted.clone(), t.errors.clone())
                            }
                            _ => (
                                records::posted(&l.update, item, None),
                                ValidationErrors::new(),
                            ),
                        };
                        ItemRow {
                            cells: l
                                .add
                                .iter()
                                .chain(
                                    l.update
                                        .iter()
                                        .filter(|f| !l.add.iter().any(|a| a.name == f.name)),
                                )
                                .map(|f| records::show(tr, f, &item[f.name], &orgs))
                                .collect(),
                            update: if can_manage && !l.update.is_empty() {
                                records::views_in(
                                    tr,
                                    &format!("row{n}-"),
                                    &l.update,
                                    &posted,
                                    &errors,
                                    &orgs,
                                )
                            } else {
                                Vec::new()
                            },
                            id,
                        }
                    })
                    .collect()
            },
            hidden,
            add: can_manage.then(|| {
                records::fieldset_in(
                    tr,
                    "add-",
                    tr.t(&format!("list-{}-add", l.name.replace('_', "-"))),
                    &l.add,
                    &add_posted,
                    &add_errors,
                    &orgs,
                )
            }),
            open,
        });
    }
    // Records belonging to this one (a mechanism's meetings, a programme's results…).
    let (children_title, children, add_child) = match kind.children.and_then(|c| self::kind(c).ok())
    {
        Some(child) => {
            let mut rows = Vec::new();
            for m in state
                .store
                .documents(child.doc, Some(rec.id))
                .await?
                .into_iter()
                .rev()
            {
                let v = read_value(&m)?;
                rows.push(ChildRow {
                    href: format!("/registry/{}/{}", child.slug, m.id),
                    title: title(tr, &m, &v, &orgs),
                    facts: facts(tr, &m, &orgs, &kinds_of, threshold)
                        .into_iter()
                        .map(|r| r.value)
                        .collect::<Vec<_>>()
                        .join(" · "),
                });
            }
            let may_add =
                authorize(&actor, cm::manage_action(child.doc), Resource::Programme).is_ok();
            (
                tr.t(&format!("structural-{}", child.slug)),
                rows,
                if may_add {
                    format!("/registry/{}/new?parent={}", child.slug, rec.id)
                } else {
                    String::new()
                },
            )
        }
        None => (String::new(), Vec::new(), String::new()),
    };
    let (back, back_label) = match (kind.parent, rec.parent) {
        (Some(parent_slug), Some(parent)) => (
            format!("/registry/{parent_slug}/{parent}"),
            state
                .store
                .document(parent)
                .await
                .map(|p| p.name)
                .unwrap_or_default(),
        ),
        _ if kind.hub == Hub::Results => (format!("/results#{}", kind.slug), tr.t("results-back")),
        _ => (
            format!("/structural#{}", kind.slug),
            tr.t("structural-back"),
        ),
    };
    let (posted, errors, open) = match typed.edit {
        Some((p, e)) => (p, e, true),
        None => (
            records::posted(&kind.fields, &value, Some(rec.version)),
            ValidationErrors::new(),
            false,
        ),
    };
    Ok(RecordPage {
        c: Chrome::new(state, tr.clone(), Some(caller)),
        title: title(tr, &rec, &value, &orgs),
        subtitle: tr.t(&format!("structural-{}-one", kind.slug)),
        back,
        back_label,
        version: rec.version,
        groups,
        lists,
        add_child_label: kind
            .children
            .map(|c| tr.t(&format!("structural-{c}-new")))
            .unwrap_or_default(),
        children_title,
        children,
        add_child,
        problem: typed.problem,
        links: match rec.kind {
            DocKind::Evaluation => vec![(
                format!("/results/evaluations/{}/terms", rec.id),
                tr.t("evaluation-tor-print"),
            )],
            _ => Vec::new(),
        },
        form: can_manage.then(|| RecordForm {
            action: base.clone(),
            version: posted.get("version").to_string(),
            fieldsets: vec![records::fieldset(
                tr,
                tr.t(&format!("structural-{}-one", kind.slug)),
                &kind.fields,
                &posted,
                &errors,
                &orgs,
            )],
            submit: tr.t("map-save"),
            has_errors: open,
            open,
        }),
        base,
    })
}

pub async fn view(
    State(state): State<AppState>,
    tr: Tr,
    SignedIn(caller): SignedIn,
    Path((slug, id)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let kind = kind(&slug)?;
    render(&record_page(&state, &tr, &caller, &kind, &id, Typed::default()).await?)
}

#[derive(Template)]
#[template(path = "map_form.html")]
pub struct NewPage {
    c: Chrome,
    title: String,
    back: String,
    back_label: String,
    form: RecordForm,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NewQuery {
    parent: String,
}

async fn new_page(
    state: &AppState,
    tr: &Tr,
    caller: &Caller,
    kind: &Kind,
    parent: &str,
    posted: &Posted,
    errors: &ValidationErrors,
) -> Result<NewPage, AppError> {
    let orgs = cm::organisations(state).await?;
    let action = if parent.is_empty() {
        format!("/registry/{}", kind.slug)
    } else {
        format!("/registry/{}?parent={parent}", kind.slug)
    };
    Ok(NewPage {
        c: Chrome::new(state, tr.clone(), Some(caller)),
        title: tr.t(&format!("structural-{}-new", kind.slug)),
        back: if kind.hub == Hub::Results {
            "/results"
        } else {
            "/structural"
        }
        .into(),
        back_label: tr.t(if kind.hub == Hub::Results {
            "results-back"
        } else {
            "structural-back"
        }),
        form: RecordForm {
            action,
            version: String::new(),
            fieldsets: vec![records::fieldset(
                tr,
                tr.t(&format!("structural-{}-one", kind.slug)),
                &kind.fields,
                posted,
                errors,
                &orgs,
            )],
            submit: tr.t("map-save"),
            has_errors: !errors.is_empty(),
            open: true,
        },
    })
}

/// The record a new one belongs to, checked to be of the right kind.
async fn parent_of(
    state: &AppState,
    kind: &Kind,
    parent: &str,
) -> Result<Option<DocumentId>, AppError> {
    match kind.parent {
        None => Ok(None),
        Some(parent_slug) => {
            let parent_kind = self::kind(parent_slug)?;
            let rec = state
                .store
                .document(app::referrals::parse_id(parent)?)
                .await?;
            if rec.kind != parent_kind.doc {
                return Err(AppError::new(ErrorKind::NotFound));
            }
            Ok(Some(rec.id))
        }
    }
}

pub async fn new_form(
    State(state): State<AppState>,
    tr: Tr,
    SignedIn(caller): SignedIn,
    Path(slug): Path<String>,
    Query(q): Query<NewQuery>,
) -> Result<Response, AppError> {
    let kind = kind(&slug)?;
    authorize(
        &caller.actor(),
        cm::manage_action(kind.doc),
        Resource::Programme,
    )?;
    parent_of(&state, &kind, &q.parent).await?;
    let mut posted = Posted::default();
    for f in &kind.fields {
        if matches!(f.input, Input::Date) {
            posted.0.push((f.name.to_string(), today().to_string()));
        }
    }
    render(
        &new_page(
            &state,
            &tr,
            &caller,
            &kind,
            &q.parent,
            &posted,
            &ValidationErrors::new(),
        )
        .await?,
    )
}

pub async fn create(
    State(state): State<AppState>,
    tr: Tr,
    Path(slug): Path<String>,
    Query(q): Query<NewQuery>,
    CsrfForm { caller, form }: CsrfForm<Posted>,
) -> Result<Response, AppError> {
    let actor = caller.actor();
    let kind = kind(&slug)?;
    authorize(&actor, cm::manage_action(kind.doc), Resource::Programme)?;
    let parent = parent_of(&state, &kind, &q.parent).await?;
    let orgs = cm::organisations(&state).await?;
    let (fields, read) = records::read(&kind.fields, &form, &orgs);
    let saved = if read.is_empty() {
        let mut obj = serde_json::Map::new();
        obj.extend(fields);
        Some(
            save_value(
                &state,
                &actor,
                kind.doc,
                None,
                None,
                Place {
                    parent,
                    office: None,
                },
                Value::Object(obj),
            )
            .await,
        )
    } else {
        None
    };
    match records::settle(read, saved, "version")? {
        Ok(rec) => Ok(Redirect::to(&format!("/registry/{}/{}", kind.slug, rec.id)).into_response()),
        Err((status, errors)) => render_status(
            status,
            &new_page(&state, &tr, &caller, &kind, &q.parent, &form, &errors).await?,
        ),
    }
}

pub async fn save(
    State(state): State<AppState>,
    tr: Tr,
    Path((slug, id)): Path<(String, String)>,
    CsrfForm { caller, form }: CsrfForm<Posted>,
) -> Result<Response, AppError> {
    let actor = caller.actor();
    let kind = kind(&slug)?;
    authorize(&actor, cm::manage_action(kind.doc), Resource::Programme)?;
    let rec = load(&state, &actor, &kind, &id).await?;
    let orgs = cm::organisations(&state).await?;
    let (fields, read) = records::read(&kind.fields, &form, &orgs);
    let version: Option<i64> = form.get("version").trim().parse().ok();
    let saved = if read.is_empty() {
        let mut value = read_value(&rec)?;
        if let Some(obj) = value.as_object_mut() {
            obj.extend(fields);
        }
        Some(match version {
            Some(v) => {
                save_value(
                    &state,
                    &actor,
                    kind.doc,
                    Some(rec.id),
                    Some(v),
                    Place {
                        parent: rec.parent,
                        office: rec.office,
                    },
                    value,
                )
                .await
            }
            None => {
                let mut e = ValidationErrors::new();
                e.add("version", "error-required");
                Err(AppError::validation(e))
            }
        })
    } else {
        None
    };
    match records::settle(read, saved, "version")? {
        Ok(_) => Ok(Redirect::to(&format!("/registry/{slug}/{id}")).into_response()),
        Err((status, errors)) => {
            let typed = Typed {
                edit: Some((form, errors)),
                ..Default::default()
            };
            render_status(
                status,
                &record_page(&state, &tr, &caller, &kind, &id, typed).await?,
            )
        }
    }
}

/// Changes a list inside a record (adds an item, or updates one) at the version the page
/// showed; a stale version or a rule broken comes back on the page with what was typed.
#[allow(clippy::too_many_arguments)]
async fn change_list(
    state: &AppState,
    tr: &Tr,
    caller: &Caller,
    kind: &Kind,
    id: &str,
    list: &ItemList,
    form: Posted,
    item: Option<&str>,
) -> Result<Response, AppError> {
    let actor = caller.actor();
    let rec = load(state, &actor, kind, id).await?;
    let orgs = cm::organisations(state).await?;
    let spec = if item.is_some() {
        &list.update
    } else {
        &list.add
    };
    let (fields, read) = records::read(spec, &form, &orgs);
    // Without the version the page was based on, staleness cannot be checked: refused as stale.
    let version: Option<i64> = form.get("version").trim().parse().ok();
    let mut value = read_value(&rec)?;
    let mut found = true;
    if read.is_empty() {
        let items = value[list.name].as_array().cloned().unwrap_or_default();
        let mut items: Vec<Value> = items;
        match item {
            Some(item_id) => match items.iter_mut().find(|i| i["id"].as_str() == Some(item_id)) {
                Some(obj) => {
                    if let Some(o) = obj.as_object_mut() {
                        o.extend(fields);
                    }
                }
                None => found = false,
            },
            None => {
                let mut obj = serde_json::Map::new();
                obj.extend(fields);
                match list.key {
                    Some(key) => items.retain(|i| i[key] != obj[key]),
                    None => {
                        obj.insert("id".into(), Value::String(uuid::Uuid::new_v4().to_string()));
                    }
                }
                items.push(Value::Object(obj));
            }
        }
        if let Some(o) = value.as_object_mut() {
            o.insert(list.name.to_string(), Value::Array(items));
        }
    }
    if !found {
        return Err(AppError::new(ErrorKind::NotFound));
    }
    let saved = match (read.is_empty(), version) {
        (false, _) => None,
        (true, None) => Some(Err(AppError::new(ErrorKind::Conflict))),
        (true, Some(v)) => Some(
            save_value(
                state,
                &actor,
                kind.doc,
                Some(rec.id),
                Some(v),
                Place {
                    parent: rec.parent,
                    office: rec.office,
                },
                value,
            )
            .await,
        ),
    };
    match records::settle(read, saved, "version")? {
        Ok(_) => Ok(Redirect::to(&format!(
            "/registry/{}/{}#list-{}",
            kind.slug, id, list.name
        ))
        .into_response()),
        Err((status, errors)) => {
            let problem = super::messages(tr, &errors);
            let typed = Typed {
                item: Some(TypedItem {
                    list: list.name,
                    row: item.map(str::to_string),
                    posted: form,
                    errors,
                }),
                problem,
                ..Default::default()
            };
            render_status(
                status,
                &record_page(state, tr, caller, kind, id, typed).await?,
            )
        }
    }
}

fn list_of<'a>(kind: &'a Kind, name: &str) -> Result<&'a ItemList, AppError> {
    kind.lists
        .iter()
        .find(|l| l.name == name)
        .ok_or_else(|| AppError::new(ErrorKind::NotFound))
}

pub async fn add_item(
    State(state): State<AppState>,
    tr: Tr,
    Path((slug, id, list)): Path<(String, String, String)>,
    CsrfForm { caller, form }: CsrfForm<Posted>,
) -> Result<Response, AppError> {
    let kind = kind(&slug)?;
    authorize(
        &caller.actor(),
        cm::manage_action(kind.doc),
        Resource::Programme,
    )?;
    let l = list_of(&kind, &list)?;
    change_list(&state, &tr, &caller, &kind, &id, l, form, None).await
}

pub async fn update_item(
    State(state): State<AppState>,
    tr: Tr,
    Path((slug, id, list, item)): Path<(String, String, String, String)>,
    CsrfForm { caller, form }: CsrfForm<Posted>,
) -> Result<Response, AppError> {
    let kind = kind(&slug)?;
    authorize(
        &caller.actor(),
        cm::manage_action(kind.doc),
        Resource::Programme,
    )?;
    let l = list_of(&kind, &list)?;
    if l.update.is_empty() {
        return Err(AppError::new(ErrorKind::NotFound));
    }
    change_list(&state, &tr, &caller, &kind, &id, l, form, Some(&item)).await
}
