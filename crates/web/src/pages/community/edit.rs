//! Creating and editing a community

use super::*;

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
pub struct NewCommunityQuery {
    pub(super) province: String,
    pub(super) place: String,
}

pub(super) fn new_community_page(
    state: &AppState,
    tr: &Tr,
    caller: &Caller,
    posted: &Posted,
    errors: &ValidationErrors,
) -> NewPage {
    NewPage {
        c: Chrome::new(state, tr.clone(), Some(caller)),
        title: tr.t("communities-add"),
        back: "/communities".into(),
        back_label: tr.t("communities-back"),
        form: RecordForm {
            action: "/communities".into(),
            version: String::new(),
            fieldsets: vec![records::fieldset(
                tr,
                tr.t("community-legend"),
                &community_fields(),
                posted,
                errors,
                &[],
            )],
            submit: tr.t("map-save"),
            has_errors: !errors.is_empty(),
            open: true,
        },
    }
}

pub async fn new_form(
    State(state): State<AppState>,
    tr: Tr,
    SignedIn(caller): SignedIn,
    Query(q): Query<NewCommunityQuery>,
) -> Result<Response, AppError> {
    let mut posted = Posted::default();
    posted.0.push(("name".into(), q.place.clone()));
    posted.0.push(("province".into(), q.province));
    posted.0.push(("places".into(), q.place));
    render(&new_community_page(
        &state,
        &tr,
        &caller,
        &posted,
        &ValidationErrors::new(),
    ))
}

pub async fn create(
    State(state): State<AppState>,
    tr: Tr,
    CsrfForm { caller, form }: CsrfForm<Posted>,
) -> Result<Response, AppError> {
    let actor = caller.actor();
    let c = records::merge::<Community>(
        None,
        records::read(&community_fields(), &form, &[]).0,
        "name",
    )
    .unwrap_or_default();
    let office = cm::office_for(&state, &actor, &c).await?;
    let (read, saved) = save_record_form::<Community>(
        &state,
        &actor,
        &community_fields(),
        &form,
        Target::New(Place {
            parent: None,
            office,
        }),
    )
    .await;
    match settle(read, saved)? {
        Ok(doc) => Ok(Redirect::to(&format!("/communities/{}", doc.id())).into_response()),
        Err((status, errors)) => render_status(
            status,
            &new_community_page(&state, &tr, &caller, &form, &errors),
        ),
    }
}
