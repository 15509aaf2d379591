//! Projects

use super::*;

pub struct ParticipantRow {
    pub id: String,
    pub who: String,
    pub href: String,
    pub kind: String,
    pub role: String,
    pub sex: String,
    pub joined: String,
    pub left: String,
    pub active: bool,
}

pub struct VisitRow {
    pub on: String,
    pub rating: String,
    pub by: String,
    pub met: String,
    pub findings: String,
    pub follow_up: String,
}

pub struct ScreeningRow {
    pub name: String,
    pub label: String,
    pub answer: String,
    pub negative: bool,
}

pub struct StageRow {
    pub stage: String,
    pub passed: bool,
    pub on: String,
    pub note: String,
}

#[derive(Template)]
#[template(path = "project.html")]
pub struct ProjectPage {
    pub(super) c: Chrome,
    pub(super) id: String,
    /// The version every form of the page is based on.
    pub(super) version: i64,
    pub(super) case_number: String,
    pub(super) title: String,
    pub(super) community: String,
    pub(super) community_href: String,
    pub(super) status: String,
    pub(super) details: Vec<DetailRow>,
    pub(super) mix_returnees: String,
    pub(super) mix_members: String,
    pub(super) mix_women: String,
    pub(super) mix_men: String,
    pub(super) mix_share: String,
    pub(super) mix_verdict: String,
    pub(super) mix_ok: bool,
    pub(super) names: bool,
    pub(super) participants: Vec<ParticipantRow>,
    pub(super) screening: Vec<ScreeningRow>,
    pub(super) screened: bool,
    pub(super) screening_ok: bool,
    pub(super) screening_summary: String,
    pub(super) stages: Vec<StageRow>,
    pub(super) next_stage: Option<(String, String)>,
    pub(super) needs_selection: bool,
    pub(super) started: bool,
    pub(super) closed: bool,
    pub(super) closing: String,
    pub(super) visits: Vec<VisitRow>,
    pub(super) satisfaction: String,
    pub(super) submissions: Vec<SubmissionLink>,
    pub(super) startable: Vec<(String, String)>,
    pub(super) can_manage: bool,
    pub(super) case_choices: Vec<(String, String)>,
    pub(super) problem: String,
    pub(super) participant_form: Vec<Fieldset>,
    pub(super) participant_open: bool,
    pub(super) visit_open: bool,
    pub(super) visit_form: Vec<Fieldset>,
    pub(super) screening_form: Vec<Fieldset>,
    pub(super) form: Option<RecordForm>,
    pub(super) start_blocked: String,
    pub(super) stage_typed: TypedStep,
    pub(super) step_typed: TypedStep,
    pub(super) today: String,
}

#[derive(Default)]
pub(super) struct ProjectForms {
    pub(super) edit: Option<(Posted, ValidationErrors)>,
    pub(super) participant: Option<(Posted, ValidationErrors)>,
    pub(super) visit: Option<(Posted, ValidationErrors)>,
    pub(super) screening: Option<(Posted, ValidationErrors)>,
    /// What was typed in the selection or the lifecycle form, given back when refused.
    pub(super) stage: Option<TypedStep>,
    pub(super) step: Option<TypedStep>,
    pub(super) problem: String,
}

#[derive(Clone, Default)]
pub(super) struct TypedStep {
    pub(super) on: String,
    pub(super) note: String,
    pub(super) passed: String,
}

pub(super) fn participant_fields() -> Vec<Field> {
    vec![
        required(
            "kind",
            Input::Choice(
                "participant-kind",
                values(ParticipantKind::ALL, ParticipantKind::as_str),
            ),
        ),
        field("name", Input::Text),
        field("sex", Input::Choice("sex", values(Sex::ALL, Sex::as_str))),
        required(
            "role",
            Input::Choice(
                "participant-role",
                values(ParticipantRole::ALL, ParticipantRole::as_str),
            ),
        ),
        required("joined", Input::Date),
    ]
}

pub(super) fn screening_fields() -> Vec<Field> {
    let mut f = vec![required("on", Input::Date)];
    for k in POSITIVE_CRITERIA.iter().chain(&NEGATIVE_CRITERIA) {
        f.push(required(k, Input::Choice("answer", vec!["yes", "no"])));
    }
    f.push(field("note", Input::Textarea));
    f
}

pub(super) async fn project_page(
    state: &AppState,
    tr: &Tr,
    caller: &Caller,
    id: &str,
    forms: ProjectForms,
) -> Result<ProjectPage, AppError> {
    let actor = caller.actor();
    let doc: Doc<Project> = cm::get(state, &actor, id).await?;
    let community = cm::community_of(state, &actor, &doc).await?;
    let p = &doc.body;
    let can_manage = authorize(
        &actor,
        Action::ManageCommunity,
        Resource::Office(doc.rec.office.unwrap_or_default()),
    )
    .is_ok();
    let names = cm::may_see_participants(&actor);
    let threshold = small_cell_threshold(&actor);
    let value = serde_json::to_value(p).map_err(|e| AppError::internal(e.to_string()))?;
    let fields = project_fields();
    let mut participants = Vec::new();
    if names {
        for x in &p.participants {
            let (who, href) = match x.case {
                Some(case) => match cm::participant_case(state, &actor, case).await? {
                    Some(c) => (
                        format!(
                            "{} {} · {}",
                            c.profile.given_name, c.profile.family_name, c.number
                        ),
                        format!("/cases/{}", c.id),
                    ),
                    _ => (tr.t("participant-returnee-hidden"), String::new()),
                },
                None => (x.name.clone(), String::new()),
            };
            participants.push(ParticipantRow {
                id: x.id.to_string(),
                who,
                href,
                kind: tr.t_of("participant-kind", x.kind.as_str()),
                role: tr.t_of("participant-role", x.role.as_str()),
                sex: x
                    .sex
                    .map(|s| tr.t_of("sex", s.as_str()))
                    .unwrap_or_default(),
                joined: x.joined.to_string(),
                left: x.left.map(|d| d.to_string()).unwrap_or_default(),
                active: x.active(),
            });
        }
    }
    let mix = p.mix();
    let small_mix = mix.has_small_counts(threshold);
    let visits: Vec<Doc<MonitoringVisit>> = cm::list(state, &actor, Some(doc.id())).await?;
    let case_choices: Vec<(String, String)> = if can_manage {
        cm::cases_of(state, &community)
            .await?
            .into_iter()
            .filter(|c| cm::may_name(&actor, &c.access) && !p.active_cases().contains(&c.id))
            .map(|c| {
                (
                    c.number.clone(),
                    format!("{} · {} {}", c.number, c.given_name, c.family_name),
                )
            })
            .collect()
    } else {
        Vec::new()
    };
    let mut satisfaction = Satisfaction::default();
    for s in cm::submissions_about(state, doc.id()).await? {
        if s.status == SubmissionStatus::Complete && s.form_id == SATISFACTION_FORM {
            let a: serde_json::Value = serde_json::from_str(&s.answers).unwrap_or_default();
            let text = |k: &str| a.get(k).and_then(|v| v.as_str()).unwrap_or("").to_string();
            satisfaction.add(&text(RESPONDENT_FIELD), &text(SATISFACTION_FIELD));
        }
    }
    let screening = p.screening.as_ref();
    let (edit_posted, edit_errors, edit_open) = match forms.edit {
        Some((p, e)) => (p, e, true),
        None => (
            records::posted(&fields, &value, Some(doc.rec.version)),
            ValidationErrors::new(),
            false,
        ),
    };
    let blank = || (Posted::default(), ValidationErrors::new());
    let (pp, pe) = forms.participant.unwrap_or_else(blank);
    let (vp, ve) = forms.visit.unwrap_or_else(|| {
        let mut p = Posted::default();
        p.0.push(("on".into(), state.today().to_string()));
        (p, ValidationErrors::new())
    });
    let (sp, se) = forms.screening.unwrap_or_else(|| {
        let mut p = Posted::default();
        p.0.push(("on".into(), state.today().to_string()));
        if let Some(s) = screening {
            for (k, v) in &s.answers {
                p.0.push((k.clone(), if *v { "yes" } else { "no" }.into()));
            }
            p.0.push(("note".into(), s.note.clone()));
        }
        (p, ValidationErrors::new())
    });
    Ok(ProjectPage {
        c: Chrome::new(state, tr.clone(), Some(caller)),
        id: doc.id().to_string(),
        version: doc.rec.version,
        title: p.name.clone(),
        community: community.body.name.clone(),
        community_href: format!("/communities/{}", community.id()),
        status: tr.t_of("project-status", p.status().as_str()),
        details: {
            let mut rows = vec![DetailRow {
                label: tr.t("field-dimension"),
                value: tr.t_of("dimension", p.dimension().as_str()),
            }];
            rows.extend(records::rows(tr, &fields, &value, &[]));
            rows
        },
        mix_returnees: crate::pages::overview::cell(tr, mix.returnees as u64, threshold),
        mix_members: crate::pages::overview::cell(tr, mix.community_members as u64, threshold),
        mix_women: crate::pages::overview::cell(tr, mix.women as u64, threshold),
        mix_men: crate::pages::overview::cell(tr, mix.men as u64, threshold),
        mix_share: match mix.returnee_percent() {
            Some(pc) if !small_mix => tr.t1("mix-share", "percent", pc),
            _ => String::new(),
        },
        mix_verdict: if small_mix {
            tr.t("mix-suppressed")
        } else {
            tr.t_of("mix", mix.verdict().as_str())
        },
        // Suppressed, the verdict is not hinted at by its colour either.
        mix_ok: small_mix || mix.verdict() == domain::community::MixVerdict::Mixed,
        names,
        participants,
        screening: POSITIVE_CRITERIA
            .iter()
            .map(|k| (k, false))
            .chain(NEGATIVE_CRITERIA.iter().map(|k| (k, true)))
            .map(|(k, negative)| ScreeningRow {
                name: k.to_string(),
                label: records::label(tr, k),
                answer: screening
                    .and_then(|s| s.answers.get(*k))
                    .map(|v| tr.t(if *v { "answer-yes" } else { "answer-no" }))
                    .unwrap_or_default(),
                negative,
            })
            .collect(),
        screened: screening.is_some(),
        screening_ok: screening.is_some_and(|s| s.passes()),
        screening_summary: screening
            .map(|s| {
                let drawbacks = s.drawbacks();
                if drawbacks.is_empty() {
                    tr.t2(
                        "screening-passes",
                        "positives",
                        s.positives(),
                        "total",
                        POSITIVE_CRITERIA.len(),
                    )
                } else {
                    tr.t1(
                        "screening-fails",
                        "drawbacks",
                        drawbacks
                            .iter()
                            .map(|k| records::label(tr, k))
                            .collect::<Vec<_>>()
                            .join("; "),
                    )
                }
            })
            .unwrap_or_default(),
        stages: p
            .selection
            .iter()
            .map(|d| StageRow {
                stage: tr.t_of("selection-stage", d.stage.as_str()),
                passed: d.passed,
                on: d.on.to_string(),
                note: d.note.clone(),
            })
            .collect(),
        next_stage: (screening.is_some_and(|s| s.passes())
            && p.started_on.is_none()
            && p.closing.is_none())
        .then(|| p.next_stage())
        .flatten()
        .map(|s| {
            (
                s.as_str().to_string(),
                tr.t_of("selection-stage", s.as_str()),
            )
        }),
        needs_selection: p.kind.needs_selection(),
        started: p.started_on.is_some(),
        closed: p.closing.is_some(),
        closing: p
            .closing
            .as_ref()
            .map(|c| {
                format!(
                    "{} · {} {}",
                    tr.t_of("project-outcome", c.outcome.as_str()),
                    c.on,
                    c.note
                )
            })
            .unwrap_or_default(),
        visits: visits
            .iter()
            .rev()
            .map(|v| VisitRow {
                on: v.body.on.to_string(),
                rating: tr.t_of("visit-rating", v.body.rating.as_str()),
                by: v.rec.updated_by.clone().unwrap_or_default(),
                met: v
                    .body
                    .participants_met
                    .map(|n| crate::pages::overview::cell(tr, u64::from(n), threshold))
                    .unwrap_or_default(),
                findings: if names {
                    v.body.findings.clone()
                } else {
                    String::new()
                },
                follow_up: if names {
                    v.body.follow_up.clone()
                } else {
                    String::new()
                },
            })
            .collect(),
        satisfaction: if satisfaction.community_members == 0 {
            tr.t("satisfaction-none")
        } else if threshold.is_some_and(|t| satisfaction.community_members < t) {
            tr.t("satisfaction-suppressed")
        } else {
            tr.t2(
                "satisfaction-summary",
                "satisfied",
                satisfaction.satisfied,
                "total",
                satisfaction.community_members,
            )
        },
        submissions: if names {
            submissions(state, tr, doc.id()).await?
        } else {
            Vec::new()
        },
        startable: if can_manage {
            startable(state, tr, &actor, true).await?
        } else {
            Vec::new()
        },
        can_manage,
        participant_form: vec![records::fieldset_in(
            tr,
            "participant-",
            tr.t("participant-legend"),
            &participant_fields(),
            &pp,
            &pe,
            &[],
        )],
        case_number: pp.get("case_number").to_string(),
        participant_open: !pe.is_empty(),
        visit_open: !ve.is_empty(),
        case_choices,
        problem: forms.problem,
        visit_form: vec![records::fieldset_in(
            tr,
            "visit-",
            tr.t("visit-legend"),
            &visit_fields(),
            &vp,
            &ve,
            &[],
        )],
        screening_form: vec![records::fieldset_in(
            tr,
            "screening-",
            tr.t("screening-legend"),
            &screening_fields(),
            &sp,
            &se,
            &[],
        )],
        form: can_manage.then(|| RecordForm {
            action: format!("/projects/{}", doc.id()),
            version: edit_posted.get("version").to_string(),
            fieldsets: vec![records::fieldset(
                tr,
                tr.t("project-legend"),
                &fields,
                &edit_posted,
                &edit_errors,
                &[],
            )],
            submit: tr.t("map-save"),
            has_errors: edit_open,
            open: edit_open,
        }),
        // Why the project cannot start today, said instead of offering a button that would
        // only be refused.
        start_blocked: p
            .can_start(state.today())
            .err()
            .map(|r| tr.t(r.code()))
            .unwrap_or_default(),
        stage_typed: forms.stage.unwrap_or_else(|| TypedStep {
            on: state.today().to_string(),
            ..Default::default()
        }),
        step_typed: forms.step.unwrap_or_else(|| TypedStep {
            on: state.today().to_string(),
            ..Default::default()
        }),
        today: state.today().to_string(),
    })
}
