//! The form library

use super::*;
use app::forms::Refusal;

pub struct VersionRow {
    pub href: String,
    pub form_id: String,
    pub version: String,
    pub title: String,
    pub published: bool,
    pub origin: String,
    pub when: String,
    pub who: String,
}

#[derive(Template)]
#[template(path = "forms_list.html")]
pub struct FormsListPage {
    pub c: Chrome,
    pub rows: Vec<VersionRow>,
    pub can_manage: bool,
    pub problems: Vec<String>,
    pub file_name: String,
}

pub(super) async fn library_page(
    state: &AppState,
    tr: &Tr,
    caller: &Caller,
    problems: Vec<String>,
    file_name: String,
) -> Result<FormsListPage, AppError> {
    let actor = caller.actor();
    let rows = app::lookups::form_versions(state, &actor)
        .await?
        .into_iter()
        .map(|v| VersionRow {
            when: v.published_at.unwrap_or(v.uploaded_at).date().to_string(),
            who: v
                .published_by
                .clone()
                .or(v.uploaded_by.clone())
                .unwrap_or_else(|| tr.t("form-origin-shipped")),
            origin: tr.t(match v.origin {
                FormOrigin::Shipped => "form-origin-shipped",
                FormOrigin::Upload => "form-origin-upload",
            }),
            href: version_path(&v.form_id, &v.version),
            title: tr.form_title(&v.form_id, &v.title),
            form_id: v.form_id,
            version: v.version,
            published: v.published,
        })
        .collect();
    Ok(FormsListPage {
        c: Chrome::new(state, tr.clone(), Some(caller)),
        rows,
        can_manage: authorize(&actor, Action::ManageForms, Resource::Programme).is_ok(),
        problems,
        file_name,
    })
}

pub async fn list(
    State(state): State<AppState>,
    tr: Tr,
    SignedIn(caller): SignedIn,
) -> Result<Response, AppError> {
    render(&library_page(&state, &tr, &caller, Vec::new(), String::new()).await?)
}

/// Takes an XLSForm upload: a valid form is kept as an unpublished version and shown for
/// preview; an invalid one is refused with every problem, naming sheet, row and column.
pub async fn upload(
    State(state): State<AppState>,
    tr: Tr,
    SignedIn(caller): SignedIn,
    mut multipart: Multipart,
) -> Result<Response, AppError> {
    let actor = caller.actor();
    let mut csrf = String::new();
    let mut file: Option<(String, Bytes)> = None;
    let read = async {
        while let Some(part) = multipart.next_field().await? {
            match part.name() {
                Some("_csrf") => csrf = part.text().await?,
                Some("file") => {
                    let name = part.file_name().unwrap_or("form.xlsx").to_string();
                    file = Some((name, part.bytes().await?));
                }
                _ => {}
            }
        }
        Ok::<(), axum::extract::multipart::MultipartError>(())
    }
    .await;
    let (state_ref, tr_ref, caller_ref) = (&state, &tr, &caller);
    let refuse = |status: StatusCode, problems: Vec<String>, name: String| async move {
        let page = library_page(state_ref, tr_ref, caller_ref, problems, name).await?;
        render_status(status, &page)
    };
    match read {
        Ok(()) => {}
        Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            let limit = ::forms::xlsx::MAX_FILE_BYTES / 1024 / 1024;
            return refuse(
                StatusCode::PAYLOAD_TOO_LARGE,
                vec![tr.t1("form-upload-too-large", "mb", limit)],
                String::new(),
            )
            .await;
        }
        Err(e) => return Err(AppError::with_detail(ErrorKind::BadRequest, e.body_text())),
    }
    if !same_secret(&csrf, caller.csrf()) || csrf.is_empty() {
        return Err(AppError::new(ErrorKind::Csrf));
    }
    let unprocessable = StatusCode::UNPROCESSABLE_ENTITY;
    let Some((name, bytes)) = file.filter(|(_, b)| !b.is_empty()) else {
        return refuse(unprocessable, vec![tr.t("form-upload-none")], String::new()).await;
    };
    let saved = app::forms::upload_xlsx(&state, &actor, bytes.to_vec(), name.clone()).await;
    let form = match saved {
        Ok(Ok(form)) => form,
        Ok(Err(Refusal::Problems(problems))) => return refuse(unprocessable, problems, name).await,
        Ok(Err(Refusal::TooSlow)) => {
            let budget = app::forms::READ_BUDGET.as_secs();
            let why = tr.t1("form-upload-too-slow", "seconds", budget);
            return refuse(unprocessable, vec![why], name).await;
        }
        Ok(Err(Refusal::Published { form_id, version })) => {
            let why = tr.t2(
                "form-version-published",
                "id",
                &form_id,
                "version",
                &version,
            );
            return refuse(unprocessable, vec![why], name).await;
        }
        Err(e) => return Err(e.into()),
    };
    let s = &form.settings;
    Ok(Redirect::to(&version_path(&s.form_id, &s.version)).into_response())
}

#[derive(Template)]
#[template(path = "form_preview.html")]
pub struct PreviewPage {
    pub c: Chrome,
    pub form_id: String,
    pub version: String,
    pub title: String,
    pub published: bool,
    pub questions: usize,
    pub languages: String,
    pub can_publish: bool,
    pub pieces: Vec<Piece>,
    /// The version's address; its actions hang below it.
    pub base: String,
}

pub(super) async fn preview_page(
    state: &AppState,
    tr: &Tr,
    caller: &Caller,
    form_id: &str,
    version: &str,
    answers: &Answers,
) -> Result<PreviewPage, AppError> {
    let v = app::lookups::form_version(state, &caller.actor(), form_id, version).await?;
    let c = compile(&v.definition)?;
    let filled = c.fill(answers, state.today());
    let summary = c.form.summary();
    Ok(PreviewPage {
        c: Chrome::new(state, tr.clone(), Some(caller)),
        pieces: draw(&c, &filled, &BTreeMap::new(), tr, true, state.today()),
        title: tr.form_title(&v.info.form_id, &v.info.title),
        form_id: v.info.form_id,
        version: v.info.version,
        published: v.info.published,
        questions: summary.questions,
        languages: summary.languages.join(", "),
        can_publish: !v.info.published
            && authorize(&caller.actor(), Action::ManageForms, Resource::Programme).is_ok(),
        base: version_path(form_id, version),
    })
}

pub async fn preview(
    State(state): State<AppState>,
    tr: Tr,
    SignedIn(caller): SignedIn,
    Path((form_id, version)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let v = app::lookups::form_version(&state, &caller.actor(), &form_id, &version).await?;
    let blank = compile(&v.definition)?.blank(state.today());
    render(&preview_page(&state, &tr, &caller, &form_id, &version, &blank).await?)
}

/// Trying a form out: re-evaluates the preview with what was typed; nothing is stored.
pub async fn preview_try(
    State(state): State<AppState>,
    tr: Tr,
    headers: HeaderMap,
    SignedIn(caller): SignedIn,
    Path((form_id, version)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, AppError> {
    let fields = posted_fields(&caller, &body)?;
    let v = app::lookups::form_version(&state, &caller.actor(), &form_id, &version).await?;
    let c = compile(&v.definition)?;
    let mut answers = answers_from_post(&c, &fields);
    apply_action(&c, &mut answers, field(&fields, "_action"), state.today());
    let page = preview_page(&state, &tr, &caller, &form_id, &version, &answers).await?;
    if is_htmx(&headers) {
        return render(&FormBody {
            c: page.c,
            pieces: page.pieces,
        });
    }
    render(&page)
}

pub async fn publish(
    State(state): State<AppState>,
    Path((form_id, version)): Path<(String, String)>,
    CsrfForm { caller, .. }: CsrfForm<crate::pages::account::Empty>,
) -> Result<Response, AppError> {
    app::forms::publish(&state, &caller.actor(), &form_id, &version).await?;
    Ok(Redirect::to(&version_path(&form_id, &version)).into_response())
}

/// The version as an ODK XForm (XML), for field clients.
pub async fn export_xform(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Path((form_id, version)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let v = app::lookups::form_version(&state, &caller.actor(), &form_id, &version).await?;
    let form: Form = serde_json::from_str(&v.definition)
        .map_err(|e| AppError::internal(format!("stored form: {e}")))?;
    let xml = forms::export_xform(&form)
        .map_err(|p| AppError::internal(format!("stored form does not compile: {p:?}")))?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/xml; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"{}-{}.xml\"",
                    v.info.form_id,
                    v.info.version.replace('"', "")
                ),
            ),
        ],
        xml,
    )
        .into_response())
}

pub async fn export(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Path((form_id, version)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let v = app::lookups::form_version(&state, &caller.actor(), &form_id, &version).await?;
    let form: Form = serde_json::from_str(&v.definition)
        .map_err(|e| AppError::internal(format!("stored form: {e}")))?;
    let bytes = forms::export_xlsx(&form).map_err(AppError::internal)?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"{}-{}.xlsx\"",
                    v.info.form_id,
                    v.info.version.replace('"', "")
                ),
            ),
        ],
        bytes,
    )
        .into_response())
}
