//! Services

use super::*;

pub(super) fn service_from(p: &Posted) -> (Service, ValidationErrors) {
    let mut e = ValidationErrors::new();
    let category = read::choice(
        &mut e,
        "category",
        p.get("category"),
        ServiceCategory::parse,
        true,
    );
    let mut details = p.details(&SERVICE_FIELDS);
    details.extend(p.details(&[TRUST_FIELD]));
    details.extend(p.details(&SOP_FIELDS));
    let barriers = p
        .all("barriers")
        .iter()
        .filter_map(|b| {
            let v = AccessBarrier::parse(b);
            if v.is_none() {
                e.add("barriers", "error-choice");
            }
            v
        })
        .collect();
    let ratings = Ratings {
        available: read::yes_no(&mut e, "available", p.get("available")),
        quality: read::choice(
            &mut e,
            "quality",
            p.get("quality"),
            QualityRating::parse,
            false,
        ),
        accessible: read::yes_no(&mut e, "accessible", p.get("accessible")),
    };
    let answer_days = match p.get("answer_days").trim() {
        "" => None,
        s => match s.parse::<u16>() {
            Ok(d) => Some(d),
            Err(_) => {
                e.add("answer_days", "error-answer-days");
                None
            }
        },
    };
    let verified_on = match p.get("verified_on").trim() {
        "" => None,
        s => {
            let d = domain::case::date::parse(s);
            if d.is_none() {
                e.add("verified_on", "error-date-format");
            }
            d
        }
    };
    let service = Service {
        name: p.get("name").to_string(),
        category: category.unwrap_or(ServiceCategory::Health),
        place: p.get("area").to_string(),
        languages: p.get("languages").split(',').map(str::to_string).collect(),
        details,
        barriers,
        ratings,
        serves_returnees: read::yes_no(&mut e, "serves_returnees", p.get("serves_returnees"))
            .unwrap_or(true),
        open_to_local_population: read::yes_no(
            &mut e,
            "open_to_local_population",
            p.get("open_to_local_population"),
        )
        .unwrap_or(true),
        answer_days,
        verified_on,
        verified_by: p.get("verified_by").trim().to_string(),
    };
    (service, e)
}

pub(super) fn posted_service(provider: &str, s: &Service, version: Option<i64>) -> Posted {
    let mut f = Posted::default();
    f.set("provider", provider);
    f.set("name", s.name.clone());
    f.set("category", s.category.as_str());
    f.set("area", s.place.clone());
    f.set("languages", s.languages.join(", "));
    for (k, v) in &s.details {
        f.set(k, v.clone());
    }
    for b in &s.barriers {
        f.set("barriers", b.as_str());
    }
    f.set("available", yes_no(s.ratings.available));
    f.set(
        "quality",
        s.ratings.quality.map(|q| q.as_str()).unwrap_or(""),
    );
    f.set("accessible", yes_no(s.ratings.accessible));
    f.set("serves_returnees", yes_no(Some(s.serves_returnees)));
    f.set(
        "open_to_local_population",
        yes_no(Some(s.open_to_local_population)),
    );
    f.set(
        "answer_days",
        s.answer_days.map(|d| d.to_string()).unwrap_or_default(),
    );
    f.set(
        "verified_on",
        s.verified_on.map(|d| d.to_string()).unwrap_or_default(),
    );
    f.set("verified_by", s.verified_by.clone());
    if let Some(v) = version {
        f.set("version", v.to_string());
    }
    f
}

pub(super) fn service_fieldsets(
    tr: &Tr,
    f: &Posted,
    errors: &ValidationErrors,
    providers: &[store::ProviderRecord],
) -> Vec<Fieldset> {
    let errs = error_map(tr, errors);
    let fb = FieldBuilder { tr, errors: &errs };
    let mut provider = fb.select("provider", f.get("provider"), "", &[], true);
    provider.choices.extend(providers.iter().map(|p| Choice {
        value: p.id.to_string(),
        label: p.provider.name.clone(),
        selected: f.get("provider") == p.id.to_string(),
    }));
    let mut what = vec![
        provider,
        fb.input("name", "text", f.get("name"), true),
        fb.select(
            "category",
            f.get("category"),
            "category",
            &names(ServiceCategory::ALL, ServiceCategory::as_str),
            true,
        ),
        fb.input("area", "text", f.get("area"), true),
        fb.input("languages", "text", f.get("languages"), false),
    ];
    for k in SERVICE_FIELDS {
        what.push(fb.input(k, "textarea", f.get(k), false));
    }
    let access = vec![
        fb.checkboxes(
            "barriers",
            &f.all("barriers"),
            "barrier",
            &names(AccessBarrier::ALL, AccessBarrier::as_str),
        ),
        fb.yes_no("available", f.get("available")),
        fb.select(
            "quality",
            f.get("quality"),
            "quality",
            &names(QualityRating::ALL, QualityRating::as_str),
            false,
        ),
        fb.yes_no("accessible", f.get("accessible")),
        fb.yes_no("serves_returnees", f.get("serves_returnees")),
        fb.yes_no(
            "open_to_local_population",
            f.get("open_to_local_population"),
        ),
        fb.input(TRUST_FIELD, "textarea", f.get(TRUST_FIELD), false),
    ];
    let mut sop = vec![fb.input("answer_days", "number", f.get("answer_days"), false)];
    for k in SOP_FIELDS {
        sop.push(fb.input(k, "textarea", f.get(k), false));
    }
    let checked = vec![
        fb.input("verified_on", "date", f.get("verified_on"), false),
        fb.input("verified_by", "text", f.get("verified_by"), false),
    ];
    vec![
        Fieldset {
            legend: tr.t("service-legend-what"),
            fields: what,
        },
        Fieldset {
            legend: tr.t("service-legend-access"),
            fields: access,
        },
        Fieldset {
            legend: tr.t("service-legend-sop"),
            fields: sop,
        },
        Fieldset {
            legend: tr.t("service-legend-checked"),
            fields: checked,
        },
    ]
}

pub(super) fn rows(tr: &Tr, s: &Service, names: &[&str]) -> Vec<DetailRow> {
    names
        .iter()
        .map(|k| DetailRow {
            label: tr.t(&field_label(k)),
            value: s.detail(k).to_string(),
        })
        .collect()
}

pub(super) fn answer(tr: &Tr, v: Option<bool>) -> String {
    match v {
        Some(b) => tr.t_of("answer", yes_no(Some(b))),
        None => tr.t("not-rated"),
    }
}

/// How a service's record reads, grouped as on its form.
pub fn service_groups(tr: &Tr, s: &store::ServiceRecord) -> Vec<DetailGroup> {
    let v = &s.service;
    let mut what = vec![
        DetailRow {
            label: tr.t("field-provider"),
            value: s.provider_name.clone(),
        },
        DetailRow {
            label: tr.t("field-category"),
            value: format!(
                "{} ({})",
                tr.t_of("category", v.category.as_str()),
                tr.t_of("dimension", v.dimension().as_str())
            ),
        },
        DetailRow {
            label: tr.t("field-area"),
            value: v.place.clone(),
        },
        DetailRow {
            label: tr.t("field-languages"),
            value: v.languages.join(", "),
        },
    ];
    what.extend(rows(tr, v, &SERVICE_FIELDS));
    let gap = v
        .ratings
        .gap()
        .map(|g| tr.t_of("gap", g.as_str()))
        .unwrap_or_else(|| tr.t("not-rated"));
    let mut access = vec![
        DetailRow {
            label: tr.t("field-barriers"),
            value: v
                .barriers
                .iter()
                .map(|b| tr.t_of("barrier", b.as_str()))
                .collect::<Vec<_>>()
                .join(", "),
        },
        DetailRow {
            label: tr.t("field-available"),
            value: answer(tr, v.ratings.available),
        },
        DetailRow {
            label: tr.t("field-quality"),
            value: v
                .ratings
                .quality
                .map(|q| tr.t_of("quality", q.as_str()))
                .unwrap_or_else(|| tr.t("not-rated")),
        },
        DetailRow {
            label: tr.t("field-accessible"),
            value: answer(tr, v.ratings.accessible),
        },
        DetailRow {
            label: tr.t("service-gap"),
            value: gap,
        },
        DetailRow {
            label: tr.t("field-serves-returnees"),
            value: answer(tr, Some(v.serves_returnees)),
        },
        DetailRow {
            label: tr.t("field-open-to-local-population"),
            value: answer(tr, Some(v.open_to_local_population)),
        },
    ];
    access.extend(rows(tr, v, &[TRUST_FIELD]));
    let checked = vec![
        DetailRow {
            label: tr.t("field-verified-on"),
            value: v.verified_on.map(|d| d.to_string()).unwrap_or_default(),
        },
        DetailRow {
            label: tr.t("field-verified-by"),
            value: v.verified_by.clone(),
        },
        DetailRow {
            label: tr.t("service-review-due"),
            value: v
                .review_due()
                .map(|d| d.to_string())
                .unwrap_or_else(|| tr.t("service-never-checked")),
        },
    ];
    vec![
        DetailGroup {
            title: tr.t("service-legend-what"),
            rows: what,
        },
        DetailGroup {
            title: tr.t("service-legend-access"),
            rows: access,
        },
        sop_group(tr, v),
        DetailGroup {
            title: tr.t("service-legend-checked"),
            rows: checked,
        },
    ]
}

/// The referral procedure agreed with a service, as shown when referring and to the provider.
pub fn sop_group(tr: &Tr, v: &Service) -> DetailGroup {
    let mut rows = vec![DetailRow {
        label: tr.t("field-answer-days"),
        value: tr.t1("service-answer-days", "days", v.answer_days()),
    }];
    rows.extend(self::rows(tr, v, &SOP_FIELDS));
    DetailGroup {
        title: tr.t("service-legend-sop"),
        rows,
    }
}

pub(super) fn proposal_view(tr: &Tr, u: &store::ServiceUpdateRecord) -> ProposalView {
    ProposalView {
        id: u.id.to_string(),
        service_id: u.service.to_string(),
        service: u.service_name.clone(),
        comment: u.feedback.comment.clone(),
        proposed: u
            .feedback
            .proposed
            .iter()
            .map(|(k, v)| DetailRow {
                label: tr.t(&field_label(k)),
                value: v.clone(),
            })
            .collect(),
        status: tr.t_of("proposal", u.status.as_str()),
        pending: u.status == domain::services::ProposalStatus::Pending,
        by: u.proposed_by_name.clone().unwrap_or_default(),
        decision: u.decision_note.clone().unwrap_or_default(),
    }
}

pub(super) async fn service_page(
    state: &AppState,
    tr: &Tr,
    caller: &Caller,
    id: &str,
    form: Option<(Posted, ValidationErrors)>,
) -> Result<RecordPage, AppError> {
    let actor = caller.actor();
    let rec = rf::service(state, &actor, id).await?;
    let can_manage = authorize(&actor, Action::ManageServices, Resource::Programme).is_ok();
    let proposals = rf::service_updates(state, &actor, Some(rec.id)).await?;
    let has_errors = form.is_some();
    let (posted, errors) = form.unwrap_or_else(|| {
        (
            posted_service(&rec.provider.to_string(), &rec.service, Some(rec.version)),
            ValidationErrors::new(),
        )
    });
    let form = if can_manage {
        let providers = rf::providers(state, &actor).await?;
        Some(RecordForm {
            action: format!("/services/{}", rec.id),
            version: posted.get("version").to_string(),
            fieldsets: service_fieldsets(tr, &posted, &errors, &providers),
            submit: tr.t("map-save"),
            has_errors,
            open: has_errors,
        })
    } else {
        None
    };
    Ok(RecordPage {
        c: Chrome::new(state, tr.clone(), Some(caller)),
        title: rec.service.name.clone(),
        subtitle: rec.provider_name.clone(),
        back: "/services".into(),
        back_label: tr.t("services-back"),
        groups: service_groups(tr, &rec),
        links_title: String::new(),
        links: vec![LinkRow {
            href: format!("/providers/{}", rec.provider),
            label: rec.provider_name.clone(),
            note: tr.t("provider-title"),
        }],
        add_link: None,
        proposals: proposals.iter().map(|u| proposal_view(tr, u)).collect(),
        can_decide: can_manage,
        form,
    })
}

pub async fn service_view(
    State(state): State<AppState>,
    tr: Tr,
    SignedIn(caller): SignedIn,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    render(&service_page(&state, &tr, &caller, &id, None).await?)
}

pub async fn service_save(
    State(state): State<AppState>,
    tr: Tr,
    Path(id): Path<String>,
    CsrfForm { caller, form }: CsrfForm<Posted>,
) -> Result<Response, AppError> {
    let actor = caller.actor();
    let sid = rf::parse_id(&id)?;
    let (s, read) = service_from(&form);
    let saved = if read.is_empty() {
        Some(
            rf::save_service(
                &state,
                &actor,
                Some(sid),
                form.get("provider"),
                form.version(),
                s,
            )
            .await,
        )
    } else {
        None
    };
    match outcome(read, saved)? {
        Ok(_) => Ok(Redirect::to(&format!("/services/{id}")).into_response()),
        Err((status, errors)) => {
            let page = service_page(&state, &tr, &caller, &id, Some((form, errors))).await?;
            render_status(status, &page)
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NewServiceQuery {
    pub(super) provider: String,
}

pub(super) async fn new_service_page(
    state: &AppState,
    tr: &Tr,
    caller: &Caller,
    posted: &Posted,
    errors: &ValidationErrors,
) -> Result<NewRecordPage, AppError> {
    let providers = rf::providers(state, &caller.actor()).await?;
    Ok(NewRecordPage {
        c: Chrome::new(state, tr.clone(), Some(caller)),
        title: tr.t("services-add"),
        back: "/services".into(),
        back_label: tr.t("services-back"),
        form: RecordForm {
            action: "/services".into(),
            version: String::new(),
            fieldsets: service_fieldsets(tr, posted, errors, &providers),
            submit: tr.t("map-save"),
            has_errors: !errors.is_empty(),
            open: true,
        },
    })
}

pub async fn service_new(
    State(state): State<AppState>,
    tr: Tr,
    SignedIn(caller): SignedIn,
    Query(q): Query<NewServiceQuery>,
) -> Result<Response, AppError> {
    let mut posted = Posted::default();
    posted.set("provider", q.provider);
    posted.set("serves_returnees", "yes");
    posted.set("open_to_local_population", "yes");
    render(&new_service_page(&state, &tr, &caller, &posted, &ValidationErrors::new()).await?)
}

pub async fn service_create(
    State(state): State<AppState>,
    tr: Tr,
    CsrfForm { caller, form }: CsrfForm<Posted>,
) -> Result<Response, AppError> {
    let actor = caller.actor();
    let (s, read) = service_from(&form);
    let saved = if read.is_empty() {
        Some(rf::save_service(&state, &actor, None, form.get("provider"), None, s).await)
    } else {
        None
    };
    match outcome(read, saved)? {
        Ok(rec) => Ok(Redirect::to(&format!("/services/{}", rec.id)).into_response()),
        Err((status, errors)) => {
            let page = new_service_page(&state, &tr, &caller, &form, &errors).await?;
            render_status(status, &page)
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DecideForm {
    pub(super) decision: String,
    pub(super) note: String,
}

pub async fn decide_update(
    State(state): State<AppState>,
    Path((_service, update)): Path<(String, String)>,
    CsrfForm { caller, form }: CsrfForm<DecideForm>,
) -> Result<Response, AppError> {
    let accept = match form.decision.as_str() {
        "accept" => true,
        "reject" => false,
        _ => {
            rf::may_manage_services(&caller.actor())?;
            return Err(AppError::with_detail(
                ErrorKind::BadRequest,
                "decision must be accept or reject",
            ));
        }
    };
    let service = rf::decide_update(
        &state,
        &caller.actor(),
        &update,
        accept,
        form.note,
        &caller.user.display_name,
    )
    .await?;
    Ok(Redirect::to(&format!("/services/{service}#proposals")).into_response())
}
