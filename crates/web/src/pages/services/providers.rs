//! Providers

use super::*;

pub(super) fn provider_from(p: &Posted) -> (Provider, ValidationErrors) {
    let mut e = ValidationErrors::new();
    let sector = read::choice(
        &mut e,
        "sector",
        p.get("sector"),
        ProviderSector::parse,
        false,
    );
    (
        Provider {
            name: p.get("name").to_string(),
            sector,
            details: p.details(&PROVIDER_FIELDS),
        },
        e,
    )
}

pub(super) fn posted_provider(p: &Provider, version: i64) -> Posted {
    let mut f = Posted::default();
    f.set("name", p.name.clone());
    f.set("sector", p.sector.map(|s| s.as_str()).unwrap_or(""));
    for k in PROVIDER_FIELDS {
        f.set(k, p.detail(k));
    }
    f.set("version", version.to_string());
    f
}

pub(super) fn provider_fieldsets(tr: &Tr, f: &Posted, errors: &ValidationErrors) -> Vec<Fieldset> {
    let errs = error_map(tr, errors);
    let fb = FieldBuilder { tr, errors: &errs };
    let mut fields = vec![
        fb.input("name", "text", f.get("name"), true),
        fb.select(
            "sector",
            f.get("sector"),
            "sector",
            &names(ProviderSector::ALL, ProviderSector::as_str),
            false,
        ),
    ];
    for k in PROVIDER_FIELDS {
        let kind = if k == "notes" { "textarea" } else { "text" };
        fields.push(fb.input(k, kind, f.get(k), false));
    }
    vec![Fieldset {
        legend: tr.t("provider-legend"),
        fields,
    }]
}

pub(super) fn provider_groups(tr: &Tr, p: &Provider) -> Vec<DetailGroup> {
    let mut rows = vec![DetailRow {
        label: tr.t("field-sector"),
        value: p
            .sector
            .map(|s| tr.t_of("sector", s.as_str()))
            .unwrap_or_default(),
    }];
    for k in PROVIDER_FIELDS {
        rows.push(DetailRow {
            label: tr.t(&field_label(k)),
            value: p.detail(k).to_string(),
        });
    }
    vec![DetailGroup {
        title: tr.t("provider-legend"),
        rows,
    }]
}

pub(super) fn field_label(name: &str) -> String {
    format!("field-{}", name.replace('_', "-"))
}

pub(super) async fn provider_page(
    state: &AppState,
    tr: &Tr,
    caller: &Caller,
    id: &str,
    form: Option<(Posted, ValidationErrors)>,
) -> Result<RecordPage, AppError> {
    let actor = caller.actor();
    let rec = rf::provider(state, &actor, id).await?;
    let services = rf::services(state, &actor).await?;
    let can_manage = authorize(&actor, Action::ManageServices, Resource::Programme).is_ok();
    let has_errors = form.is_some();
    let (posted, errors) = form.unwrap_or_else(|| {
        (
            posted_provider(&rec.provider, rec.version),
            ValidationErrors::new(),
        )
    });
    Ok(RecordPage {
        c: Chrome::new(state, tr.clone(), Some(caller)),
        title: rec.provider.name.clone(),
        subtitle: tr.t("provider-title"),
        back: "/services".into(),
        back_label: tr.t("services-back"),
        groups: provider_groups(tr, &rec.provider),
        links_title: tr.t("provider-services"),
        links: services
            .iter()
            .filter(|s| s.provider == rec.id)
            .map(|s| LinkRow {
                href: format!("/services/{}", s.id),
                label: s.service.name.clone(),
                note: tr.t_of("category", s.service.category.as_str()),
            })
            .collect(),
        add_link: can_manage.then(|| LinkRow {
            href: format!("/services/new?provider={}", rec.id),
            label: tr.t("services-add"),
            note: String::new(),
        }),
        proposals: Vec::new(),
        can_decide: false,
        form: can_manage.then(|| RecordForm {
            action: format!("/providers/{}", rec.id),
            version: posted.get("version").to_string(),
            fieldsets: provider_fieldsets(tr, &posted, &errors),
            submit: tr.t("map-save"),
            has_errors,
            open: has_errors,
        }),
    })
}

pub async fn provider_view(
    State(state): State<AppState>,
    tr: Tr,
    SignedIn(caller): SignedIn,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    render(&provider_page(&state, &tr, &caller, &id, None).await?)
}

pub async fn provider_save(
    State(state): State<AppState>,
    tr: Tr,
    Path(id): Path<String>,
    CsrfForm { caller, form }: CsrfForm<Posted>,
) -> Result<Response, AppError> {
    let actor = caller.actor();
    let pid = rf::parse_id(&id)?;
    let (p, read) = provider_from(&form);
    let saved = if read.is_empty() {
        Some(rf::save_provider(&state, &actor, Some(pid), form.version(), p).await)
    } else {
        None
    };
    match outcome(read, saved)? {
        Ok(_) => Ok(Redirect::to(&format!("/providers/{id}")).into_response()),
        Err((status, errors)) => {
            let page = provider_page(&state, &tr, &caller, &id, Some((form, errors))).await?;
            render_status(status, &page)
        }
    }
}

#[derive(Template)]
#[template(path = "map_form.html")]
pub struct NewRecordPage {
    pub(super) c: Chrome,
    pub(super) title: String,
    pub(super) back: String,
    pub(super) back_label: String,
    pub(super) form: RecordForm,
}

pub(super) fn new_provider_page(
    state: &AppState,
    tr: &Tr,
    caller: &Caller,
    posted: &Posted,
    errors: &ValidationErrors,
) -> NewRecordPage {
    NewRecordPage {
        c: Chrome::new(state, tr.clone(), Some(caller)),
        title: tr.t("provider-new"),
        back: "/services".into(),
        back_label: tr.t("services-back"),
        form: RecordForm {
            action: "/providers".into(),
            version: String::new(),
            fieldsets: provider_fieldsets(tr, posted, errors),
            submit: tr.t("map-save"),
            has_errors: !errors.is_empty(),
            open: true,
        },
    }
}

pub async fn provider_new(
    State(state): State<AppState>,
    tr: Tr,
    SignedIn(caller): SignedIn,
) -> Result<Response, AppError> {
    render(&new_provider_page(
        &state,
        &tr,
        &caller,
        &Posted::default(),
        &ValidationErrors::new(),
    ))
}

pub async fn provider_create(
    State(state): State<AppState>,
    tr: Tr,
    CsrfForm { caller, form }: CsrfForm<Posted>,
) -> Result<Response, AppError> {
    let actor = caller.actor();
    let (p, read) = provider_from(&form);
    let saved = if read.is_empty() {
        Some(rf::save_provider(&state, &actor, None, None, p).await)
    } else {
        None
    };
    match outcome(read, saved)? {
        Ok(rec) => Ok(Redirect::to(&format!("/providers/{}", rec.id)).into_response()),
        Err((status, errors)) => render_status(
            status,
            &new_provider_page(&state, &tr, &caller, &form, &errors),
        ),
    }
}
