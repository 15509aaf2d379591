//! Encrypted submissions: how many wait, and their decryption by a key holder who gives the
//! private key for this one request (never stored, never logged).

use super::*;

#[derive(Template)]
#[template(path = "forms_encrypted.html")]
pub(super) struct EncryptedPage {
    pub(super) c: Chrome,
    pub(super) waiting: String,
    pub(super) problem: String,
    /// What became of each submission, after a decryption.
    pub(super) results: Vec<String>,
}

async fn page(
    state: &AppState,
    tr: &Tr,
    caller: &Caller,
    problem: String,
    results: Vec<String>,
) -> Result<EncryptedPage, AppError> {
    let waiting = app::field::waiting(state, &caller.actor()).await?;
    Ok(EncryptedPage {
        c: Chrome::new(state, tr.clone(), Some(caller)),
        waiting: tr.t1("encrypted-waiting", "n", tr.number(waiting as i64)),
        problem,
        results,
    })
}

pub async fn encrypted(
    State(state): State<AppState>,
    tr: Tr,
    SignedIn(caller): SignedIn,
) -> Result<Response, AppError> {
    render(&page(&state, &tr, &caller, String::new(), Vec::new()).await?)
}

pub async fn decrypt(
    State(state): State<AppState>,
    tr: Tr,
    SignedIn(caller): SignedIn,
    mut multipart: Multipart,
) -> Result<Response, AppError> {
    let (csrf, file) = crate::forms::page_upload(&mut multipart, "key.pem")
        .await
        .map_err(|e| AppError::with_detail(ErrorKind::BadRequest, e.body_text()))?;
    if csrf.is_empty() || !csrf_matches(&csrf, caller.csrf()) {
        return Err(AppError::new(ErrorKind::Csrf));
    }
    let pem = file
        .map(|(_, bytes)| String::from_utf8_lossy(&bytes).into_owned())
        .unwrap_or_default();
    let refuse = |problem: String| async {
        let p = page(&state, &tr, &caller, problem, Vec::new()).await?;
        render_status(StatusCode::UNPROCESSABLE_ENTITY, &p)
    };
    if pem.trim().is_empty() {
        return refuse(tr.t("encrypted-no-key")).await;
    }
    match app::field::decrypt_with(&state, &caller.actor(), &pem).await? {
        Err(_) => refuse(tr.t("encrypted-not-a-key")).await,
        Ok(done) => {
            let results = done
                .iter()
                .map(|u| match &u.outcome {
                    Ok(_) => tr.t1("encrypted-filed", "id", &u.instance_id),
                    Err(why) => tr.t2("encrypted-still", "id", &u.instance_id, "why", why),
                })
                .collect();
            render(&page(&state, &tr, &caller, String::new(), results).await?)
        }
    }
}
