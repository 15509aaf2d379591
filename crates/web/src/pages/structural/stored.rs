use super::*;

pub(super) fn kind(slug: &str) -> Result<Kind, AppError> {
    kinds()
        .into_iter()
        .find(|k| k.slug == slug)
        .ok_or_else(|| AppError::new(ErrorKind::NotFound))
}

pub(super) fn read_value(rec: &DocRecord) -> Result<Value, AppError> {
    serde_json::from_str(&rec.body).map_err(|e| AppError::internal(format!("stored record: {e}")))
}

/// Reads `value` as the kind's `domain` type and saves it through the one typed path.
pub(super) async fn save_value(
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
pub(super) async fn load(
    state: &AppState,
    actor: &Actor,
    kind: &Kind,
    id: &str,
) -> Result<DocRecord, AppError> {
    cm::may_read(actor, kind.doc)?;
    let rec = cm::raw_record(state, actor, app::parse_id(id)?).await?;
    if rec.kind != kind.doc {
        return Err(AppError::new(ErrorKind::NotFound));
    }
    Ok(rec)
}

pub(super) fn org_name(orgs: &Options, id: Option<StakeholderId>) -> String {
    id.and_then(|id| orgs.iter().find(|(x, _)| *x == id.to_string()))
        .map(|(_, n)| n.clone())
        .unwrap_or_default()
}

/// A record's title as people read it.
pub(super) fn title(tr: &Tr, rec: &DocRecord, value: &Value, orgs: &Options) -> String {
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
pub(super) fn without_names(value: &mut Value) {
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
pub(super) fn facts(
    tr: &Tr,
    rec: &DocRecord,
    orgs: &Options,
    kinds_of: &[(StakeholderId, domain::stakeholder::StakeholderKind)],
    threshold: Option<u64>,
    today: time::Date,
) -> Vec<DetailRow> {
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
                let count = |n: usize| crate::pages::overview::cell(tr, n as u64, threshold);
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

pub(super) async fn stakeholder_kinds(
    state: &AppState,
) -> Result<Vec<(StakeholderId, domain::stakeholder::StakeholderKind)>, AppError> {
    Ok(app::lookups::stakeholder_list(state)
        .await?
        .into_iter()
        .map(|s| (s.id, s.stakeholder.kind))
        .collect())
}
