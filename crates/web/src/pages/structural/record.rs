//! One record

use super::*;

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
    pub(super) c: Chrome,
    pub(super) title: String,
    pub(super) subtitle: String,
    pub(super) back: String,
    pub(super) back_label: String,
    pub(super) base: String,
    pub(super) version: i64,
    pub(super) groups: Vec<DetailGroup>,
    pub(super) lists: Vec<ItemSection>,
    pub(super) children_title: String,
    pub(super) children: Vec<ChildRow>,
    pub(super) add_child: String,
    pub(super) add_child_label: String,
    pub(super) problem: String,
    pub(super) form: Option<RecordForm>,
    /// Pages made from the record (an evaluation's printable terms of reference).
    pub(super) links: Vec<(String, String)>,
}

pub(super) struct TypedItem {
    pub(super) list: &'static str,
    pub(super) row: Option<String>,
    pub(super) posted: Posted,
    pub(super) errors: ValidationErrors,
}

#[derive(Default)]
pub(super) struct Typed {
    pub(super) edit: Option<(Posted, ValidationErrors)>,
    /// A refused change to a list: the list, the row changed (none when adding), what was
    /// typed and what to fix.
    pub(super) item: Option<TypedItem>,
    pub(super) problem: String,
}

pub(super) async fn record_page(
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
    let worked_out = facts(tr, &rec, &orgs, &kinds_of, threshold, state.today());
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
            for m in cm::raw_records(state, &actor, child.doc, Some(rec.id))
                .await?
                .into_iter()
                .rev()
            {
                let v = read_value(&m)?;
                rows.push(ChildRow {
                    href: format!("/registry/{}/{}", child.slug, m.id),
                    title: title(tr, &m, &v, &orgs),
                    facts: facts(tr, &m, &orgs, &kinds_of, threshold, state.today())
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
            cm::raw_record(state, &actor, parent)
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
    pub(super) c: Chrome,
    pub(super) title: String,
    pub(super) back: String,
    pub(super) back_label: String,
    pub(super) form: RecordForm,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NewQuery {
    pub(super) parent: String,
}

pub(super) async fn new_page(
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
pub(super) async fn parent_of(
    state: &AppState,
    actor: &domain::authz::Actor,
    kind: &Kind,
    parent: &str,
) -> Result<Option<DocumentId>, AppError> {
    match kind.parent {
        None => Ok(None),
        Some(parent_slug) => {
            let parent_kind = self::kind(parent_slug)?;
            let rec = cm::raw_record(state, actor, app::parse_id(parent)?).await?;
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
    cm::may_manage(&caller.actor(), kind.doc)?;
    parent_of(&state, &caller.actor(), &kind, &q.parent).await?;
    let mut posted = Posted::default();
    for f in &kind.fields {
        if matches!(f.input, Input::Date) {
            posted
                .0
                .push((f.name.to_string(), state.today().to_string()));
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
    cm::may_manage(&actor, kind.doc)?;
    let parent = parent_of(&state, &actor, &kind, &q.parent).await?;
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
    cm::may_manage(&actor, kind.doc)?;
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
pub(super) async fn change_list(
    page: &Page,
    kind: &Kind,
    id: &str,
    list: &ItemList,
    form: Posted,
    item: Option<&str>,
) -> Result<Response, AppError> {
    let (state, tr, caller) = (&page.state, &page.tr, &page.caller);
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
            let problem = crate::pages::messages(tr, &errors);
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

pub(super) fn list_of<'a>(kind: &'a Kind, name: &str) -> Result<&'a ItemList, AppError> {
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
    cm::may_manage(&caller.actor(), kind.doc)?;
    let l = list_of(&kind, &list)?;
    change_list(&Page::of(&state, &tr, &caller), &kind, &id, l, form, None).await
}

pub async fn update_item(
    State(state): State<AppState>,
    tr: Tr,
    Path((slug, id, list, item)): Path<(String, String, String, String)>,
    CsrfForm { caller, form }: CsrfForm<Posted>,
) -> Result<Response, AppError> {
    let kind = kind(&slug)?;
    cm::may_manage(&caller.actor(), kind.doc)?;
    let l = list_of(&kind, &list)?;
    if l.update.is_empty() {
        return Err(AppError::new(ErrorKind::NotFound));
    }
    change_list(
        &Page::of(&state, &tr, &caller),
        &kind,
        &id,
        l,
        form,
        Some(&item),
    )
    .await
}
