//! Stakeholders

use super::*;

pub(super) fn stakeholder_from(p: &Posted) -> (Stakeholder, ValidationErrors) {
    let mut e = ValidationErrors::new();
    let kind = read::choice(&mut e, "kind", p.get("kind"), StakeholderKind::parse, true);
    let level = read::choice(
        &mut e,
        "level",
        p.get("level"),
        StakeholderLevel::parse,
        true,
    );
    let score = |e: &mut ValidationErrors, f: &str| match p.get(f).trim().parse::<u8>() {
        Ok(v) => v,
        Err(_) => {
            e.add(f, "error-score-1-5");
            1
        }
    };
    let influence = score(&mut e, "influence");
    let interest = score(&mut e, "interest");
    let s = Stakeholder {
        name: p.get("name").to_string(),
        kind: kind.unwrap_or(StakeholderKind::Ngo),
        level: level.unwrap_or(StakeholderLevel::Local),
        sector: p.get("sector_text").to_string(),
        place: p.get("area").to_string(),
        influence,
        interest,
        stance: read::choice(&mut e, "stance", p.get("stance"), Stance::parse, false),
        priority: read::choice(
            &mut e,
            "priority",
            p.get("priority"),
            Priority::parse,
            false,
        ),
        capacity_adequate: read::yes_no(&mut e, "capacity_adequate", p.get("capacity_adequate")),
        details: p.details(&STAKEHOLDER_FIELDS),
        sensitive: p.details(&SENSITIVE_FIELDS),
    };
    (s, e)
}

pub(super) fn posted_stakeholder(s: &Stakeholder, version: i64) -> Posted {
    let mut f = Posted::default();
    f.set("name", s.name.clone());
    f.set("kind", s.kind.as_str());
    f.set("level", s.level.as_str());
    f.set("sector_text", s.sector.clone());
    f.set("area", s.place.clone());
    f.set("influence", s.influence.to_string());
    f.set("interest", s.interest.to_string());
    f.set("stance", s.stance.map(|x| x.as_str()).unwrap_or(""));
    f.set("priority", s.priority.map(|x| x.as_str()).unwrap_or(""));
    f.set("capacity_adequate", yes_no(s.capacity_adequate));
    for (k, v) in s.details.iter().chain(&s.sensitive) {
        f.set(k, v.clone());
    }
    f.set("version", version.to_string());
    f
}

pub(super) fn stakeholder_fieldsets(
    tr: &Tr,
    f: &Posted,
    errors: &ValidationErrors,
    sensitive: bool,
) -> Vec<Fieldset> {
    let errs = error_map(tr, errors);
    let fb = FieldBuilder { tr, errors: &errs };
    let scores: Vec<String> = (1..=MAX_SCORE).map(|v| v.to_string()).collect();
    let score_refs: Vec<&str> = scores.iter().map(String::as_str).collect();
    let mut who = vec![
        fb.input("name", "text", f.get("name"), true),
        fb.select(
            "kind",
            f.get("kind"),
            "stakeholder-kind",
            &names(StakeholderKind::ALL, StakeholderKind::as_str),
            true,
        ),
        fb.select(
            "level",
            f.get("level"),
            "stakeholder-level",
            &names(StakeholderLevel::ALL, StakeholderLevel::as_str),
            true,
        ),
        fb.input("sector_text", "text", f.get("sector_text"), false),
        fb.input("area", "text", f.get("area"), false),
        fb.select("influence", f.get("influence"), "score", &score_refs, true),
        fb.select("interest", f.get("interest"), "score", &score_refs, true),
        fb.select(
            "priority",
            f.get("priority"),
            "priority",
            &names(Priority::ALL, Priority::as_str),
            false,
        ),
        fb.yes_no("capacity_adequate", f.get("capacity_adequate")),
    ];
    for k in STAKEHOLDER_FIELDS {
        who.push(fb.input(k, "textarea", f.get(k), false));
    }
    let mut sets = vec![Fieldset {
        legend: tr.t("stakeholder-legend"),
        fields: who,
    }];
    if sensitive {
        let mut fields = vec![fb.select(
            "stance",
            f.get("stance"),
            "stance",
            &names(Stance::ALL, Stance::as_str),
            false,
        )];
        for k in SENSITIVE_FIELDS {
            fields.push(fb.input(k, "textarea", f.get(k), false));
        }
        sets.push(Fieldset {
            legend: tr.t("stakeholder-legend-sensitive"),
            fields,
        });
    }
    sets
}

pub(super) fn stakeholder_groups(tr: &Tr, s: &Stakeholder, sensitive: bool) -> Vec<DetailGroup> {
    let mut rows = vec![
        DetailRow {
            label: tr.t("field-kind"),
            value: tr.t_of("stakeholder-kind", s.kind.as_str()),
        },
        DetailRow {
            label: tr.t("field-level"),
            value: tr.t_of("stakeholder-level", s.level.as_str()),
        },
        DetailRow {
            label: tr.t("field-sector-text"),
            value: s.sector.clone(),
        },
        DetailRow {
            label: tr.t("field-area"),
            value: s.place.clone(),
        },
        DetailRow {
            label: tr.t("field-influence"),
            value: s.influence.to_string(),
        },
        DetailRow {
            label: tr.t("field-interest"),
            value: s.interest.to_string(),
        },
        DetailRow {
            label: tr.t("stakeholder-engagement"),
            value: tr.t_of("engagement", s.engagement().as_str()),
        },
        DetailRow {
            label: tr.t("field-priority"),
            value: s
                .priority
                .map(|p| tr.t_of("priority", p.as_str()))
                .unwrap_or_default(),
        },
        DetailRow {
            label: tr.t("field-capacity-adequate"),
            value: s
                .capacity_adequate
                .map(|b| tr.t_of("answer", yes_no(Some(b))))
                .unwrap_or_default(),
        },
    ];
    rows.extend(STAKEHOLDER_FIELDS.iter().map(|k| DetailRow {
        label: tr.t(&field_label(k)),
        value: s.detail(k).to_string(),
    }));
    let mut groups = vec![DetailGroup {
        title: tr.t("stakeholder-legend"),
        rows,
    }];
    if sensitive {
        let mut rows = vec![DetailRow {
            label: tr.t("field-stance"),
            value: s
                .stance
                .map(|x| tr.t_of("stance", x.as_str()))
                .unwrap_or_default(),
        }];
        rows.extend(SENSITIVE_FIELDS.iter().map(|k| DetailRow {
            label: tr.t(&field_label(k)),
            value: s.detail(k).to_string(),
        }));
        groups.push(DetailGroup {
            title: tr.t("stakeholder-legend-sensitive"),
            rows,
        });
    }
    groups
}

pub(super) async fn stakeholder_page(
    state: &AppState,
    tr: &Tr,
    caller: &Caller,
    id: &str,
    form: Option<(Posted, ValidationErrors)>,
) -> Result<RecordPage, AppError> {
    let actor = caller.actor();
    let (rec, sensitive) = rf::stakeholder(state, &actor, id).await?;
    let can_manage = authorize(&actor, Action::ManageStakeholders, Resource::Programme).is_ok();
    let has_errors = form.is_some();
    let (posted, errors) = form.unwrap_or_else(|| {
        (
            posted_stakeholder(&rec.stakeholder, rec.version),
            ValidationErrors::new(),
        )
    });
    Ok(RecordPage {
        c: Chrome::new(state, tr.clone(), Some(caller)),
        title: rec.stakeholder.name.clone(),
        subtitle: tr.t("stakeholder-title"),
        back: "/stakeholders".into(),
        back_label: tr.t("stakeholders-back"),
        groups: stakeholder_groups(tr, &rec.stakeholder, sensitive),
        links_title: String::new(),
        links: Vec::new(),
        add_link: None,
        proposals: Vec::new(),
        can_decide: false,
        form: can_manage.then(|| RecordForm {
            action: format!("/stakeholders/{}", rec.id),
            version: posted.get("version").to_string(),
            fieldsets: stakeholder_fieldsets(tr, &posted, &errors, sensitive),
            submit: tr.t("map-save"),
            has_errors,
            open: has_errors,
        }),
    })
}

pub async fn stakeholder_view(
    State(state): State<AppState>,
    tr: Tr,
    SignedIn(caller): SignedIn,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    render(&stakeholder_page(&state, &tr, &caller, &id, None).await?)
}

pub async fn stakeholder_save(
    State(state): State<AppState>,
    tr: Tr,
    Path(id): Path<String>,
    CsrfForm { caller, form }: CsrfForm<Posted>,
) -> Result<Response, AppError> {
    let actor = caller.actor();
    let sid = rf::parse_id(&id)?;
    let (s, read) = stakeholder_from(&form);
    let saved = if read.is_empty() {
        Some(rf::save_stakeholder(&state, &actor, Some(sid), form.version(), s).await)
    } else {
        None
    };
    match outcome(read, saved)? {
        Ok(_) => Ok(Redirect::to(&format!("/stakeholders/{id}")).into_response()),
        Err((status, errors)) => {
            let page = stakeholder_page(&state, &tr, &caller, &id, Some((form, errors))).await?;
            render_status(status, &page)
        }
    }
}

pub(super) fn new_stakeholder_page(
    state: &AppState,
    tr: &Tr,
    caller: &Caller,
    posted: &Posted,
    errors: &ValidationErrors,
) -> NewRecordPage {
    NewRecordPage {
        c: Chrome::new(state, tr.clone(), Some(caller)),
        title: tr.t("stakeholders-add"),
        back: "/stakeholders".into(),
        back_label: tr.t("stakeholders-back"),
        form: RecordForm {
            action: "/stakeholders".into(),
            version: String::new(),
            fieldsets: stakeholder_fieldsets(tr, posted, errors, true),
            submit: tr.t("map-save"),
            has_errors: !errors.is_empty(),
            open: true,
        },
    }
}

pub async fn stakeholder_new(
    State(state): State<AppState>,
    tr: Tr,
    SignedIn(caller): SignedIn,
) -> Result<Response, AppError> {
    render(&new_stakeholder_page(
        &state,
        &tr,
        &caller,
        &Posted::default(),
        &ValidationErrors::new(),
    ))
}

pub async fn stakeholder_create(
    State(state): State<AppState>,
    tr: Tr,
    CsrfForm { caller, form }: CsrfForm<Posted>,
) -> Result<Response, AppError> {
    let actor = caller.actor();
    let (s, read) = stakeholder_from(&form);
    let saved = if read.is_empty() {
        Some(rf::save_stakeholder(&state, &actor, None, None, s).await)
    } else {
        None
    };
    match outcome(read, saved)? {
        Ok(rec) => Ok(Redirect::to(&format!("/stakeholders/{}", rec.id)).into_response()),
        Err((status, errors)) => render_status(
            status,
            &new_stakeholder_page(&state, &tr, &caller, &form, &errors),
        ),
    }
}

pub struct StakeholderRow {
    pub href: String,
    pub name: String,
    pub kind: String,
    pub level: String,
    pub influence: u8,
    pub interest: u8,
    pub engagement: String,
    pub priority: String,
    pub stance: String,
    pub obstructor: bool,
    pub strategy: String,
}

#[derive(Template)]
#[template(path = "stakeholders.html")]
pub struct StakeholdersPage {
    pub(super) c: Chrome,
    pub(super) rows: Vec<StakeholderRow>,
    pub(super) grid: crate::charts::StakeholderGrid,
    pub(super) sensitive: bool,
    pub(super) can_manage: bool,
}

pub async fn stakeholders_page(
    State(state): State<AppState>,
    tr: Tr,
    SignedIn(caller): SignedIn,
) -> Result<Response, AppError> {
    let actor = caller.actor();
    let (mut all, sensitive) = rf::stakeholders(&state, &actor).await?;
    // Names in the order readers of the page's language expect.
    all.sort_by(|a, b| tr.compare(&a.stakeholder.name, &b.stakeholder.name));
    let rows: Vec<StakeholderRow> = all
        .iter()
        .map(|r| {
            let s = &r.stakeholder;
            StakeholderRow {
                href: format!("/stakeholders/{}", r.id),
                name: s.name.clone(),
                kind: tr.t_of("stakeholder-kind", s.kind.as_str()),
                level: tr.t_of("stakeholder-level", s.level.as_str()),
                influence: s.influence,
                interest: s.interest,
                engagement: tr.t_of("engagement", s.engagement().as_str()),
                priority: s
                    .priority
                    .map(|p| tr.t_of("priority", p.as_str()))
                    .unwrap_or_default(),
                stance: s
                    .stance
                    .map(|x| tr.t_of("stance", x.as_str()))
                    .unwrap_or_default(),
                obstructor: s.stance == Some(Stance::PotentialObstructor),
                strategy: s.detail("engagement_strategy").to_string(),
            }
        })
        .collect();
    let page = StakeholdersPage {
        c: Chrome::new(&state, tr.clone(), Some(&caller)),
        grid: crate::charts::StakeholderGrid::new(
            &tr,
            &rows
                .iter()
                .map(|r| (r.name.clone(), r.influence, r.interest, r.obstructor))
                .collect::<Vec<_>>(),
        ),
        rows,
        sensitive,
        can_manage: authorize(&actor, Action::ManageStakeholders, Resource::Programme).is_ok(),
    };
    render(&page)
}

/// What the case manager records when a returnee reports on a service during follow-up.
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct FeedbackForm {
    pub service: String,
    pub comment: String,
    pub hours: String,
    pub waiting_time: String,
    pub cost: String,
    pub inclusion_criteria: String,
    pub transport: String,
    pub location_access: String,
}

impl FeedbackForm {
    pub fn feedback(&self) -> domain::services::ServiceFeedback {
        let values = [
            &self.hours,
            &self.waiting_time,
            &self.cost,
            &self.inclusion_criteria,
            &self.transport,
            &self.location_access,
        ];
        domain::services::ServiceFeedback {
            comment: self.comment.clone(),
            proposed: FEEDBACK_FIELDS
                .iter()
                .zip(values)
                .map(|(k, v)| (k.to_string(), v.trim().to_string()))
                .filter(|(_, v)| !v.is_empty())
                .collect(),
        }
    }
}
