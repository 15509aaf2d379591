//! Files given as answers: attaching one to a draft (a multipart post of the whole form, so
//! nothing typed is lost), and opening one.

use axum::body::Body;

use super::*;

/// Attaches the chosen files to their questions, then saves the draft with everything typed,
/// and comes back to the form. A file that is refused comes back as the question's message.
pub async fn attach(
    State(state): State<AppState>,
    tr: Tr,
    headers: HeaderMap,
    SignedIn(caller): SignedIn,
    Path((id, sid)): Path<(String, String)>,
    mut multipart: Multipart,
) -> Result<Response, AppError> {
    let bad = |e: axum::extract::multipart::MultipartError| {
        AppError::with_detail(ErrorKind::BadRequest, e.body_text())
    };
    let mut fields: Vec<(String, String)> = Vec::new();
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    while let Some(mut field) = multipart.next_field().await.map_err(bad)? {
        let name = field.name().unwrap_or_default().to_string();
        match name.strip_prefix("file:a:") {
            Some(path) => {
                let bytes =
                    crate::forms::read_part(&mut field, app::attachments::MAX_FILE_BYTES).await?;
                if !bytes.is_empty() {
                    files.push((path.to_string(), bytes));
                }
            }
            None => fields.push((name, field.text().await.map_err(bad)?)),
        }
    }
    let mut fields = checked_csrf(&caller, fields)?;
    let asked = field(&fields, "_attach").to_string();
    let mut problems: BTreeMap<String, String> = BTreeMap::new();
    if files.is_empty()
        && let Some(path) = asked.strip_prefix("a:")
    {
        problems.insert(path.to_string(), tr.t("form-file-choose-first"));
    }
    for (path, bytes) in files {
        match app::attachments::attach(&state, &caller.actor(), &id, &sid, &path, bytes).await {
            Ok(name) => {
                let key = format!("a:{path}");
                fields.retain(|(k, _)| *k != key);
                fields.push((key, name));
            }
            Err(e) if e.kind == app::ErrorKind::Validation => {
                let code = e.fields.0.first().map_or("file-not-accepted", |f| f.code);
                problems.insert(path, tr.t(code));
            }
            Err(e) => return Err(e.into()),
        }
    }
    fields.retain(|(k, _)| k != "_action" && k != "_attach");
    if !problems.is_empty() {
        // Nothing is saved: the form comes back with what was typed and the file's message.
        let l = load(&state, &caller, &id, &sid, Action::FillForm).await?;
        let post = read_post(&tr, &l.compiled, fields, state.today());
        let p = submission_page(
            &Page::of(&state, &tr, &caller),
            &l,
            &post.answers,
            &problems,
            &post.date_text,
            post.date_error,
            String::new(),
        );
        return render_status(StatusCode::UNPROCESSABLE_ENTITY, &p);
    }
    fields.push(("_action".into(), "save".into()));
    let saved = save_fields(&state, &tr, &headers, &caller, &id, &sid, fields).await?;
    if saved.status() == StatusCode::OK {
        return Ok(Redirect::to(&format!("/cases/{id}/submissions/{sid}")).into_response());
    }
    Ok(saved)
}

/// A file of a submission, for those who may read the case; every opening is audited. Photos
/// of common formats open in the browser; anything else downloads.
pub async fn open(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Path((id, sid, name)): Path<(String, String, String)>,
) -> Result<Response, AppError> {
    let (file, bytes) = app::attachments::open(&state, &caller.actor(), &id, &sid, &name).await?;
    let inline = matches!(
        file.media_type.as_str(),
        "image/jpeg" | "image/png" | "image/webp" | "image/gif"
    );
    let disposition = if inline {
        format!("inline; filename=\"{}\"", file.name)
    } else {
        format!("attachment; filename=\"{}\"", file.name)
    };
    Response::builder()
        .header(header::CONTENT_TYPE, file.media_type)
        .header(header::CONTENT_DISPOSITION, disposition)
        .header(header::X_CONTENT_TYPE_OPTIONS, "nosniff")
        .header(header::CACHE_CONTROL, "private, no-store")
        .body(Body::from(bytes))
        .map_err(AppError::internal)
}
