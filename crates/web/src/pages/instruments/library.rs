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
    let read = crate::forms::page_upload(&mut multipart, "form.xlsx").await;
    let (state_ref, tr_ref, caller_ref) = (&state, &tr, &caller);
    let refuse = |status: StatusCode, problems: Vec<String>, name: String| async move {
        let page = library_page(state_ref, tr_ref, caller_ref, problems, name).await?;
        render_status(status, &page)
    };
    let (csrf, file) = match read {
        Ok(read) => read,
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
    };
    if !csrf_matches(&csrf, caller.csrf()) || csrf.is_empty() {
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
    /// The files the form names, attached or not.
    pub files: Vec<FileRow>,
    /// Files can still be attached (a draft, and the reader may manage forms).
    pub can_attach: bool,
    /// What went wrong attaching files or publishing, one line each.
    pub file_problems: Vec<String>,
}

pub struct FileRow {
    pub name: String,
    pub data: bool,
    pub attached: bool,
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
    let c = app::forms::compiled(state, &v).await?;
    let filled = c.fill(answers, state.today());
    let summary = c.form.summary();
    let files = app::forms::files(state, &caller.actor(), form_id, version).await?;
    let may_manage = authorize(&caller.actor(), Action::ManageForms, Resource::Programme).is_ok();
    Ok(PreviewPage {
        files: files
            .used
            .iter()
            .map(|(name, used)| FileRow {
                name: name.clone(),
                data: *used == forms::external::FileUse::Data,
                attached: files.attached.iter().any(|f| &f.name == name),
            })
            .collect(),
        can_attach: may_manage && !v.info.published,
        file_problems: Vec::new(),
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
    let blank = app::forms::compiled(&state, &v).await?.blank(state.today());
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
    let c = app::forms::compiled(&state, &v).await?;
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
    tr: Tr,
    Path((form_id, version)): Path<(String, String)>,
    CsrfForm { caller, .. }: CsrfForm<crate::pages::Empty>,
) -> Result<Response, AppError> {
    match app::forms::publish(&state, &caller.actor(), &form_id, &version).await {
        Ok(()) => Ok(Redirect::to(&version_path(&form_id, &version)).into_response()),
        Err(e) if e.fields.for_field("files").is_some() => {
            let problem = tr.t1("form-files-missing", "files", e.detail.unwrap_or_default());
            preview_with_problems(&state, &tr, &caller, &form_id, &version, vec![problem]).await
        }
        Err(e) => Err(e.into()),
    }
}

/// Attaches the files chosen (each under its own name) to a draft version, then shows the
/// version again: with the files' state, or with what is wrong with each refused file.
pub async fn attach_files(
    State(state): State<AppState>,
    tr: Tr,
    SignedIn(caller): SignedIn,
    Path((form_id, version)): Path<(String, String)>,
    mut multipart: Multipart,
) -> Result<Response, AppError> {
    let bad = |e: axum::extract::multipart::MultipartError| {
        AppError::with_detail(ErrorKind::BadRequest, e.body_text())
    };
    let mut fields = Vec::new();
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    while let Some(mut field) = multipart.next_field().await.map_err(bad)? {
        let name = field.name().unwrap_or_default().to_string();
        if name == "files" {
            let file_name = field
                .file_name()
                .unwrap_or_default()
                .rsplit(['/', '\\'])
                .next()
                .unwrap_or_default()
                .to_string();
            let bytes =
                crate::forms::read_part(&mut field, app::forms::MAX_FORM_FILE_BYTES).await?;
            if !file_name.is_empty() {
                files.push((file_name, bytes));
            }
        } else {
            fields.push((name, field.text().await.map_err(bad)?));
        }
    }
    checked_csrf(&caller, fields)?;
    let mut problems = Vec::new();
    for (name, bytes) in files {
        match app::forms::attach_file(&state, &caller.actor(), &form_id, &version, &name, bytes)
            .await
        {
            Ok(()) => {}
            Err(e) if e.kind == app::ErrorKind::Validation => {
                let code = e
                    .fields
                    .0
                    .first()
                    .map_or("form-file-unreadable", |f| f.code);
                let problem = match &e.detail {
                    Some(d) => format!("{} ({d})", tr.t(code)),
                    None => tr.t(code),
                };
                problems.push(tr.t2("form-files-problem", "file", &name, "problem", problem));
            }
            Err(e) => return Err(e.into()),
        }
    }
    if problems.is_empty() {
        return Ok(Redirect::to(&version_path(&form_id, &version)).into_response());
    }
    preview_with_problems(&state, &tr, &caller, &form_id, &version, problems).await
}

/// The version's page again, with what went wrong with its files.
async fn preview_with_problems(
    state: &AppState,
    tr: &Tr,
    caller: &Caller,
    form_id: &str,
    version: &str,
    problems: Vec<String>,
) -> Result<Response, AppError> {
    let v = app::lookups::form_version(state, &caller.actor(), form_id, version).await?;
    let blank = app::forms::compiled(state, &v).await?.blank(state.today());
    let mut page = preview_page(state, tr, caller, form_id, version, &blank).await?;
    page.file_problems = problems;
    render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
}

/// A file attached to a form version, for those who may read forms (field clients load the
/// form's media and choice lists from here).
pub async fn form_file(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Path((form_id, version, name)): Path<(String, String, String)>,
) -> Result<Response, AppError> {
    let (file, bytes) =
        app::forms::open_file(&state, &caller.actor(), &form_id, &version, &name).await?;
    let inline = file.media_type.starts_with("image/") && file.media_type != "image/svg+xml";
    Response::builder()
        .header(header::CONTENT_TYPE, file.media_type)
        .header(
            header::CONTENT_DISPOSITION,
            format!(
                "{}; filename=\"{}\"",
                if inline { "inline" } else { "attachment" },
                file.name.replace('"', "")
            ),
        )
        .header(header::X_CONTENT_TYPE_OPTIONS, "nosniff")
        .body(axum::body::Body::from(bytes))
        .map_err(AppError::internal)
}

/// The version as an ODK XForm (XML), for field clients.
pub async fn export_xform(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Path((form_id, version)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let (v, form) = stored_form(&state, &caller, &form_id, &version).await?;
    let xml = forms::export_xform(&form)
        .map_err(|p| AppError::internal(format!("stored form does not compile: {p:?}")))?;
    Ok(download(
        &v,
        "text/xml; charset=utf-8",
        "xml",
        xml.into_bytes(),
    ))
}

pub async fn export(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Path((form_id, version)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let (v, form) = stored_form(&state, &caller, &form_id, &version).await?;
    let bytes = forms::export_xlsx(&form).map_err(AppError::internal)?;
    Ok(download(
        &v,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "xlsx",
        bytes,
    ))
}

/// A stored version and its definition, for those who may read forms.
async fn stored_form(
    state: &AppState,
    caller: &Caller,
    form_id: &str,
    version: &str,
) -> Result<(store::FormVersion, Form), AppError> {
    let v = app::lookups::form_version(state, &caller.actor(), form_id, version).await?;
    let form: Form = serde_json::from_str(&v.definition)
        .map_err(|e| AppError::internal(format!("stored form: {e}")))?;
    Ok((v, form))
}

/// A version written in another format, as a file named after the form and version.
fn download(
    v: &store::FormVersion,
    content_type: &str,
    extension: &str,
    body: Vec<u8>,
) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"{}-{}.{extension}\"",
                    v.info.form_id,
                    v.info.version.replace('"', "")
                ),
            ),
        ],
        body,
    )
        .into_response()
}
