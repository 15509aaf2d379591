//! Erasing a returnee's data on request: recorded on the case page by whoever may edit the
//! case, approved (the case is anonymised at once) or refused by a programme manager.

use super::*;

pub struct ErasureRequestView {
    pub reason: String,
    pub by: String,
    pub on: String,
}

/// The case page's part about erasure.
#[derive(Default)]
pub struct ErasurePanel {
    /// When the case was anonymised (empty when it was not).
    pub anonymised_on: String,
    pub can_request: bool,
    pub can_decide: bool,
    pub request: Option<ErasureRequestView>,
    /// What was typed and what is wrong with it, after a refused post.
    pub reason: String,
    pub error: String,
}

impl ErasurePanel {
    pub fn shown(&self) -> bool {
        self.can_request || self.request.is_some() || !self.anonymised_on.is_empty()
    }
}

pub(super) async fn erasure_panel(
    state: &AppState,
    tr: &Tr,
    caller: &Caller,
    case: &CaseRecord,
) -> Result<ErasurePanel, AppError> {
    let actor = caller.actor();
    let may = |a| authorize(&actor, a, Resource::Case(case.access())).is_ok();
    if let Some(at) = case.anonymised_at {
        return Ok(ErasurePanel {
            anonymised_on: tr.date(at.date().to_string()),
            ..Default::default()
        });
    }
    let request = app::retention::erasure_request(state, &actor, case)
        .await?
        .map(|r| ErasureRequestView {
            reason: r.reason,
            by: r.requested_by_name.unwrap_or_default(),
            on: tr.date(r.requested_at.date().to_string()),
        });
    Ok(ErasurePanel {
        can_request: request.is_none() && may(Action::UpdateCase),
        can_decide: request.is_some() && may(Action::ApprovePathway),
        request,
        ..Default::default()
    })
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct ErasureForm {
    pub reason: String,
    pub why: String,
}

/// The case page again, with what was typed in the erasure panel and what is wrong with it.
async fn erasure_refused(
    state: &AppState,
    tr: &Tr,
    caller: &Caller,
    id: &str,
    typed: String,
    err: app::Error,
) -> Result<Response, AppError> {
    if err.kind != app::ErrorKind::Validation {
        return Err(err.into());
    }
    let case = authorized_case(state, &caller.actor(), id, Action::ReadCase).await?;
    let mut page = case_page(
        state,
        tr,
        caller,
        &case,
        &ConsentForm::default(),
        &ValidationErrors::new(),
        &Default::default(),
    )
    .await?;
    page.erasure.reason = typed;
    page.erasure.error = err
        .fields
        .0
        .first()
        .map(|f| tr.t(f.code))
        .unwrap_or_default();
    render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
}

pub async fn request_erasure(
    State(state): State<AppState>,
    tr: Tr,
    Path(id): Path<String>,
    CsrfForm { caller, form }: CsrfForm<ErasureForm>,
) -> Result<Response, AppError> {
    let actor = caller.actor();
    match app::retention::request_erasure(
        &state,
        &actor,
        app::cases::parse_case_id(&id)?,
        &form.reason,
    )
    .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/cases/{id}#erasure")).into_response()),
        Err(e) => erasure_refused(&state, &tr, &caller, &id, form.reason, e).await,
    }
}

pub async fn approve_erasure(
    State(state): State<AppState>,
    tr: Tr,
    Path(id): Path<String>,
    CsrfForm { caller, .. }: CsrfForm<ErasureForm>,
) -> Result<Response, AppError> {
    let actor = caller.actor();
    match app::retention::approve_erasure(&state, &actor, app::cases::parse_case_id(&id)?).await {
        Ok(()) => Ok(Redirect::to(&format!("/cases/{id}#erasure")).into_response()),
        Err(e) => erasure_refused(&state, &tr, &caller, &id, String::new(), e).await,
    }
}

pub async fn refuse_erasure(
    State(state): State<AppState>,
    tr: Tr,
    Path(id): Path<String>,
    CsrfForm { caller, form }: CsrfForm<ErasureForm>,
) -> Result<Response, AppError> {
    let actor = caller.actor();
    match app::retention::refuse_erasure(&state, &actor, app::cases::parse_case_id(&id)?, &form.why)
        .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/cases/{id}#erasure")).into_response()),
        Err(e) => erasure_refused(&state, &tr, &caller, &id, form.why, e).await,
    }
}
