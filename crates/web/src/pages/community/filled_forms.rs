//! Forms filled about a community or a project

use super::*;

/// The record a submission is about, with who may fill and read it.
pub(super) async fn subject_record(
    state: &AppState,
    actor: &Actor,
    id: &str,
    fill: bool,
) -> Result<(store::DocRecord, String, String), AppError> {
    let rec = cm::form_subject(state, actor, id, fill).await?;
    let back = match rec.kind {
        store::DocKind::Community => format!("/communities/{}#instruments", rec.id),
        store::DocKind::Project => format!("/projects/{}#satisfaction", rec.id),
        _ => return Err(AppError::new(ErrorKind::NotFound)),
    };
    let name = rec.name.clone();
    Ok((rec, back, name))
}

#[derive(Deserialize)]
pub struct StartForm {
    pub(super) form_id: String,
}

pub async fn start_form(
    State(state): State<AppState>,
    tr: Tr,
    Path(id): Path<String>,
    CsrfForm { caller, form }: CsrfForm<StartForm>,
) -> Result<Response, AppError> {
    let actor = caller.actor();
    let (rec, _, _) = subject_record(&state, &actor, &id, true).await?;
    let project = rec.kind == store::DocKind::Project;
    let form_id = form.form_id.trim();
    if !startable(&state, &tr, &actor, project)
        .await?
        .iter()
        .any(|(f, _)| f == form_id)
    {
        return Err(AppError::new(ErrorKind::NotFound));
    }
    let v = app::lookups::latest_published_form(&state, &actor, form_id).await?;
    let c = app::forms::compiled(&state, &v).await?;
    let answers = c.blank(state.today());
    let about = app::submissions::About::Record(&rec);
    let sub = app::submissions::start(&state, &actor, about, v.info, &answers).await?;
    Ok(Redirect::to(&format!("/records/{}/submissions/{}", rec.id, sub.id)).into_response())
}

#[derive(Template)]
#[template(path = "record_submission.html")]
pub struct RecordSubmissionPage {
    pub(super) c: Chrome,
    pub(super) action: String,
    pub(super) back: String,
    pub(super) back_label: String,
    pub(super) title: String,
    pub(super) version: String,
    pub(super) interviewer: String,
    pub(super) complete: bool,
    pub(super) editable: bool,
    pub(super) interview_date: String,
    pub(super) interview_date_error: String,
    pub(super) row_version: i64,
    pub(super) notice: String,
    pub(super) has_errors: bool,
    pub(super) pieces: Vec<Piece>,
}

pub(super) struct LoadedSubmission {
    /// The community or project the answers are about.
    pub(super) rec: store::DocRecord,
    pub(super) back: String,
    pub(super) back_label: String,
    pub(super) sub: store::Submission,
    pub(super) compiled: std::sync::Arc<forms::Compiled>,
    pub(super) can_fill: bool,
}

pub(super) async fn load_submission(
    state: &AppState,
    actor: &Actor,
    id: &str,
    sid: &str,
    fill: bool,
) -> Result<LoadedSubmission, AppError> {
    let (rec, back, back_label) = subject_record(state, actor, id, fill).await?;
    let sub = app::submissions::of_record(state, &rec, sid).await?;
    let v = app::lookups::form_version(state, actor, &sub.form_id, &sub.form_version).await?;
    Ok(LoadedSubmission {
        back,
        back_label,
        can_fill: authorize(
            actor,
            Action::ManageCommunity,
            Resource::Office(rec.office.unwrap_or_default()),
        )
        .is_ok(),
        sub,
        compiled: app::forms::compiled(state, &v).await?,
        rec,
    })
}

pub(super) fn record_submission_page(
    page: &Page,
    l: &LoadedSubmission,
    answers: &Answers,
    errors: &BTreeMap<String, String>,
    date: &str,
    date_error: String,
    notice: String,
) -> RecordSubmissionPage {
    let (state, tr, caller) = (&page.state, &page.tr, &page.caller);
    let editable = l.sub.status == SubmissionStatus::Draft && l.can_fill;
    let filled = l.compiled.fill(answers, state.today());
    RecordSubmissionPage {
        c: Chrome::new(state, tr.clone(), Some(caller)),
        action: format!("/records/{}/submissions/{}", l.back_id(), l.sub.id),
        back: l.back.clone(),
        back_label: l.back_label.clone(),
        title: tr.form_title(&l.sub.form_id, &l.sub.form_title),
        version: l.sub.form_version.clone(),
        interviewer: l.sub.interviewer_name.clone(),
        complete: l.sub.status == SubmissionStatus::Complete,
        editable,
        interview_date: date.to_string(),
        interview_date_error: date_error,
        row_version: l.sub.version,
        notice,
        has_errors: !errors.is_empty(),
        pieces: crate::pages::instruments::draw(
            &l.compiled,
            &filled,
            errors,
            tr,
            editable,
            state.today(),
        ),
    }
}

impl LoadedSubmission {
    pub(super) fn back_id(&self) -> String {
        match self.sub.subject {
            Subject::Document(d) => d.to_string(),
            Subject::Case(c) => c.to_string(),
        }
    }
}

pub async fn view_form(
    page: Page,
    Path((id, sid)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let (state, caller) = (&page.state, &page.caller);
    let l = load_submission(state, &caller.actor(), &id, &sid, false).await?;
    let answers = crate::pages::instruments::stored_answers(&l.sub)?;
    let date = l.sub.interview_date.to_string();
    render(&record_submission_page(
        &page,
        &l,
        &answers,
        &BTreeMap::new(),
        &date,
        String::new(),
        String::new(),
    ))
}

/// Every post of the form: re-evaluate (htmx), add or remove a repeat item, save a draft or
/// submit, keeping what was typed whatever the outcome.
pub async fn save_form(
    State(state): State<AppState>,
    tr: Tr,
    headers: HeaderMap,
    SignedIn(caller): SignedIn,
    Path((id, sid)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, AppError> {
    use crate::pages::instruments::{
        FormPost, field, is_htmx, is_redraw, read_post, submission_errors,
    };
    let l = load_submission(&state, &caller.actor(), &id, &sid, true).await?;
    let FormPost {
        fields,
        action,
        answers,
        date_text,
        date,
        date_error,
    } = read_post(
        &tr,
        &l.compiled,
        crate::pages::instruments::posted_fields(&caller, &body)?,
        state.today(),
    );
    if l.sub.status != SubmissionStatus::Draft {
        return Err(AppError::with_detail(
            ErrorKind::Conflict,
            tr.t("form-already-complete"),
        ));
    }
    let page = |answers: &Answers, errors: &BTreeMap<String, String>, notice: String| {
        record_submission_page(
            &Page::of(&state, &tr, &caller),
            &l,
            answers,
            errors,
            &date_text,
            date_error.clone(),
            notice,
        )
    };
    if is_redraw(&action) {
        let p = page(&answers, &BTreeMap::new(), String::new());
        if is_htmx(&headers) {
            return render(&crate::pages::instruments::FormBody {
                c: p.c,
                pieces: p.pieces,
            });
        }
        return render(&p);
    }
    let submitting = action == "submit";
    let Some(date) = date else {
        let filled = l.compiled.fill(&answers, state.today());
        let errors = submission_errors(&tr, &l.compiled, &filled, submitting, state.today());
        return render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &page(&answers, &errors, String::new()),
        );
    };
    let language = crate::pages::instruments::form_language(&tr, &l.compiled.form);
    let saved = app::submissions::save(
        &state,
        &caller.actor(),
        app::submissions::Answering {
            about: app::submissions::About::Record(&l.rec),
            sub: &l.sub,
            compiled: &l.compiled,
            answers: answers.clone(),
            interview_date: date,
            expected_version: field(&fields, "_version").parse().unwrap_or(-1),
            intent: if submitting {
                app::submissions::Intent::Submit
            } else {
                app::submissions::Intent::Draft
            },
            language: &language,
        },
    )
    .await;
    match saved {
        Ok(s) if s.complete => Ok(Redirect::to(&format!(
            "/records/{}/submissions/{}",
            l.back_id(),
            l.sub.id
        ))
        .into_response()),
        Ok(s) => {
            let errors: BTreeMap<String, String> = s
                .errors
                .into_iter()
                .map(|e| crate::forms::said(&tr, e))
                .collect();
            let l = LoadedSubmission { sub: s.sub, ..l };
            let notice = if submitting {
                String::new()
            } else {
                tr.t("form-draft-saved")
            };
            let p = record_submission_page(
                &Page::of(&state, &tr, &caller),
                &l,
                &answers,
                &errors,
                &date_text,
                String::new(),
                notice,
            );
            if submitting {
                render_status(StatusCode::UNPROCESSABLE_ENTITY, &p)
            } else {
                render(&p)
            }
        }
        Err(app::Error {
            kind: app::ErrorKind::Conflict,
            ..
        }) => render_status(
            StatusCode::CONFLICT,
            &page(&answers, &BTreeMap::new(), tr.t("form-stale")),
        ),
        Err(e) => Err(e.into()),
    }
}
