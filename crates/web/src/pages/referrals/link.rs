//! Providers without an account: the link

use super::*;

#[derive(Template)]
#[template(path = "link_gone.html")]
pub struct LinkGonePage {
    pub(super) c: Chrome,
}

pub(super) fn gone(state: &AppState, tr: &Tr) -> Result<Response, AppError> {
    render_status(
        StatusCode::NOT_FOUND,
        &LinkGonePage {
            c: Chrome::new(state, tr.clone(), None),
        },
    )
}

pub async fn link_view(
    State(state): State<AppState>,
    tr: Tr,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    let Some(r) = rf::by_link(&state, &token).await? else {
        return gone(&state, &tr);
    };
    let Some(d) = rf::disclose(&state, None, &r, Channel::LinkOpened).await? else {
        return gone(&state, &tr);
    };
    let page = provider_page(
        &state,
        &tr,
        None,
        &r,
        &d,
        format!("/r/{token}"),
        String::new(),
    )
    .await?;
    render(&page)
}

pub async fn link_respond(
    State(state): State<AppState>,
    tr: Tr,
    Path(token): Path<String>,
    axum::extract::Form(form): axum::extract::Form<StepForm>,
) -> Result<Response, AppError> {
    let Some(r) = rf::by_link(&state, &token).await? else {
        return gone(&state, &tr);
    };
    let result = match chosen_step(&form.step, true) {
        Ok(step) => rf::step_by_link(&state, &r, step, form.note)
            .await
            .map_err(AppError::from),
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/r/{token}")).into_response()),
        Err(e) => {
            let (status, message) = crate::pages::refused_change(&tr, e)?;
            let Some(d) = rf::disclose(&state, None, &r, Channel::LinkOpened).await? else {
                return gone(&state, &tr);
            };
            let page =
                provider_page(&state, &tr, None, &r, &d, format!("/r/{token}"), message).await?;
            render_status(status, &page)
        }
    }
}
