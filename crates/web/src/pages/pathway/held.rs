//! Field submissions held for review, on the approvals page: accepted (stored as their
//! sender's) or declined (deleted) by a programme manager.

use super::*;

pub struct HeldRow {
    pub id: String,
    pub case_id: String,
    pub number: String,
    pub form: String,
    pub sent_by: String,
    pub received: String,
}

pub(super) async fn rows(
    state: &AppState,
    tr: &Tr,
    caller: &Caller,
) -> Result<Vec<HeldRow>, AppError> {
    if !domain::authz::may_attempt(caller.user.role, Action::ApprovePathway) {
        return Ok(Vec::new());
    }
    Ok(app::field::held(state, &caller.actor())
        .await?
        .into_iter()
        .map(|h| HeldRow {
            id: h.id.to_string(),
            case_id: h.case.to_string(),
            number: h.case_number,
            form: tr.form_title(&h.form_id, &h.form_title),
            sent_by: h.user_name,
            received: h.received_at.date().to_string(),
        })
        .collect())
}

/// Accepts a held submission; answers that break the form's rules come back on the page.
pub async fn accept_held(
    State(state): State<AppState>,
    tr: Tr,
    Path(id): Path<String>,
    CsrfForm { caller, .. }: CsrfForm<crate::pages::Empty>,
) -> Result<Response, AppError> {
    let lang = tr.lang().to_string();
    match app::field::accept_held(&state, &caller.actor(), &id, &lang).await? {
        Ok(()) => Ok(Redirect::to("/approvals").into_response()),
        Err(refusal) => {
            let problem = match refusal {
                app::field::Refusal::Invalid(errors) => {
                    let problems: Vec<String> = errors
                        .into_iter()
                        .map(|e| {
                            let (path, text) = crate::forms::said(&tr, e);
                            format!("{path}: {text}")
                        })
                        .collect();
                    tr.t1("held-invalid", "problems", problems.join("; "))
                }
                app::field::Refusal::NotScored(problem) => {
                    tr.t1("openrosa-not-scored", "problem", problem)
                }
                _ => tr.t("held-not-stored"),
            };
            let page = approvals_page(&state, tr, &caller, problem).await?;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
    }
}

/// Declines (deletes) a held submission.
pub async fn decline_held(
    State(state): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { caller, .. }: CsrfForm<crate::pages::Empty>,
) -> Result<Response, AppError> {
    app::field::decline_held(&state, &caller.actor(), &id).await?;
    Ok(Redirect::to("/approvals").into_response())
}
