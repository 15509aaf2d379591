//! Filling a form for a case

use super::*;

#[derive(Deserialize)]
pub struct StartForm {
    pub form_id: String,
}

/// Starts a draft of the latest published version of a form for a case.
pub async fn start(
    State(state): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { caller, form }: CsrfForm<StartForm>,
) -> Result<Response, AppError> {
    let actor = caller.actor();
    let case = authorized_case(&state, &actor, &id, Action::FillForm).await?;
    if form.form_id.trim().starts_with("community_") {
        return Err(AppError::new(ErrorKind::NotFound));
    }
    let v = state
        .store
        .latest_published_form(form.form_id.trim())
        .await?;
    let c = compile(&v.definition)?;
    let mut answers = c.blank(today());
    let due = crate::pages::rss::due_round(&state, &case).await?;
    app::rss::prefill(&c.form, &mut answers, &app::rss::case_values(&case, due));
    let sub = start_draft(&state, &actor, v.info, Subject::Case(case.id), &answers).await?;
    Ok(Redirect::to(&format!("/cases/{}/submissions/{}", case.id, sub.id)).into_response())
}

/// Starts a draft of a form version about a subject, dated today, by the actor.
pub(crate) async fn start_draft(
    state: &AppState,
    actor: &domain::authz::Actor,
    form: store::FormVersionInfo,
    subject: Subject,
    answers: &Answers,
) -> Result<Submission, AppError> {
    Ok(state
        .store
        .create_submission(
            NewSubmission {
                id: uuid::Uuid::new_v4(),
                form_id: form.form_id,
                form_version: form.version,
                subject,
                answers: serde_json::to_string(answers)
                    .map_err(|e| AppError::internal(e.to_string()))?,
                interviewer: actor.user_id,
                interview_date: today(),
            },
            AuditContext::by(actor.user_id, OffsetDateTime::now_utc()),
        )
        .await?)
}

#[derive(Template)]
#[template(path = "submission.html")]
pub struct SubmissionPage {
    pub c: Chrome,
    pub case_id: String,
    pub case_number: String,
    pub case_name: String,
    pub id: String,
    pub title: String,
    pub form_id: String,
    pub version: String,
    pub complete: bool,
    pub editable: bool,
    pub interview_date: String,
    pub interview_date_error: String,
    pub interviewer: String,
    pub row_version: i64,
    pub notice: String,
    pub has_errors: bool,
    pub pieces: Vec<Piece>,
    pub interrupted: bool,
    /// For the survey: its outcome, scores and chart.
    pub rss: Option<crate::pages::rss::SurveyResult>,
    /// The survey is being done by the returnee's own case manager.
    pub own_case_manager: bool,
    pub urgent: Vec<crate::pages::pathway::UrgentView>,
}

/// The form body alone, for htmx swaps.
#[derive(Template)]
#[template(path = "form_body.html")]
pub struct FormBody {
    pub c: Chrome,
    pub pieces: Vec<Piece>,
}

pub(super) struct Loaded {
    pub(super) case: CaseRecord,
    pub(super) sub: Submission,
    pub(super) compiled: Compiled,
    /// Urgent referrals of the case, for the banner every page of the case shows.
    pub(super) urgent: Vec<store::Entry>,
}

pub(super) async fn load(
    state: &AppState,
    caller: &Caller,
    id: &str,
    sid: &str,
    action: Action,
) -> Result<Loaded, AppError> {
    // The case decides access before the submission is even looked up.
    let case = authorized_case(state, &caller.actor(), id, action).await?;
    let sid: uuid::Uuid = sid
        .parse()
        .map_err(|_| AppError::new(ErrorKind::NotFound))?;
    let sub = state.store.submission(sid).await?;
    if sub.subject != Subject::Case(case.id) {
        return Err(AppError::new(ErrorKind::NotFound));
    }
    let v = state
        .store
        .form_version(&sub.form_id, &sub.form_version)
        .await?;
    Ok(Loaded {
        urgent: state.store.entries(case.id).await?,
        case,
        sub,
        compiled: compile(&v.definition)?,
    })
}

#[allow(clippy::too_many_arguments)]
pub(super) fn submission_page(
    state: &AppState,
    tr: &Tr,
    caller: &Caller,
    l: &Loaded,
    answers: &Answers,
    errors: &BTreeMap<String, String>,
    interview_date: &str,
    interview_date_error: String,
    notice: String,
) -> SubmissionPage {
    let editable = l.sub.status == SubmissionStatus::Draft
        && authorize(
            &caller.actor(),
            Action::FillForm,
            Resource::Case(l.case.access()),
        )
        .is_ok();
    let filled = l.compiled.fill(answers, today());
    SubmissionPage {
        urgent: crate::pages::pathway::urgent_from_entries(tr, &l.urgent),
        c: Chrome::new(state, tr.clone(), Some(caller)),
        case_id: l.case.id.to_string(),
        case_number: l.case.number.to_string(),
        case_name: format!(
            "{} {}",
            l.case.profile.given_name, l.case.profile.family_name
        ),
        id: l.sub.id.to_string(),
        title: l.sub.form_title.clone(),
        form_id: l.sub.form_id.clone(),
        version: l.sub.form_version.clone(),
        complete: l.sub.status == SubmissionStatus::Complete,
        editable,
        interview_date: interview_date.to_string(),
        interview_date_error,
        interviewer: l.sub.interviewer_name.clone(),
        row_version: l.sub.version,
        has_errors: !errors.is_empty(),
        notice,
        pieces: draw(&l.compiled, &filled, errors, tr, editable),
        interrupted: l.sub.status == SubmissionStatus::Interrupted,
        rss: None,
        own_case_manager: crate::pages::rss::is_own_case_manager(&l.case, &l.sub),
    }
}

pub(crate) fn stored_answers(sub: &Submission) -> Result<Answers, AppError> {
    serde_json::from_str(&sub.answers)
        .map_err(|e| AppError::internal(format!("stored answers: {e}")))
}

pub async fn view(
    State(state): State<AppState>,
    tr: Tr,
    SignedIn(caller): SignedIn,
    Path((id, sid)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let l = load(&state, &caller, &id, &sid, Action::ReadCase).await?;
    audit_view(&state, &caller.actor(), &l.case).await?;
    let answers = stored_answers(&l.sub)?;
    let date = l.sub.interview_date.to_string();
    let mut page = submission_page(
        &state,
        &tr,
        &caller,
        &l,
        &answers,
        &BTreeMap::new(),
        &date,
        String::new(),
        String::new(),
    );
    page.rss = crate::pages::rss::survey_result(&state, &tr, &l.sub).await?;
    render(&page)
}

/// Every post of the form: re-evaluate (htmx), add or remove a repeat item, save a draft, or
/// submit. Whatever the outcome, what was typed comes back on the page.
pub async fn save(
    State(state): State<AppState>,
    tr: Tr,
    headers: HeaderMap,
    SignedIn(caller): SignedIn,
    Path((id, sid)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, AppError> {
    let l = load(&state, &caller, &id, &sid, Action::FillForm).await?;
    let FormPost {
        fields,
        action,
        answers,
        date_text,
        date,
        date_error,
    } = read_post(&tr, &caller, &l.compiled, &body)?;
    if l.sub.status == SubmissionStatus::Complete {
        return Err(AppError::with_detail(
            ErrorKind::Conflict,
            tr.t("form-already-complete"),
        ));
    }
    let page = |answers: &Answers, errors: &BTreeMap<String, String>, notice: String| {
        submission_page(
            &state,
            &tr,
            &caller,
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
            return render(&FormBody {
                c: p.c,
                pieces: p.pieces,
            });
        }
        return render(&p);
    }
    if action == "interrupt" {
        // The person stopped the interview: keep what was typed, never score it.
        let saved = state
            .store
            .update_submission(
                SubmissionUpdate {
                    id: l.sub.id,
                    expected_version: field(&fields, "_version").parse().unwrap_or(-1),
                    answers: serde_json::to_string(&answers)
                        .map_err(|e| AppError::internal(e.to_string()))?,
                    interview_date: date.unwrap_or(l.sub.interview_date),
                    status: SubmissionStatus::Interrupted,
                    score: None,
                },
                AuditContext::by(caller.actor().user_id, OffsetDateTime::now_utc()),
            )
            .await;
        return match saved {
            Ok(_) => Ok(
                Redirect::to(&format!("/cases/{}/submissions/{}", l.case.id, l.sub.id))
                    .into_response(),
            ),
            Err(store::StoreError::Conflict) => {
                let p = page(&answers, &BTreeMap::new(), tr.t("form-stale"));
                render_status(StatusCode::CONFLICT, &p)
            }
            Err(e) => Err(e.into()),
        };
    }
    let submitting = action == "submit";
    let filled = l.compiled.fill(&answers, today());
    let errors = submission_errors(&tr, &l.compiled, &filled, submitting);
    let expected_version: i64 = field(&fields, "_version").parse().unwrap_or(-1);
    let Some(date) = date else {
        let p = page(&answers, &errors, String::new());
        return render_status(StatusCode::UNPROCESSABLE_ENTITY, &p);
    };
    // Drafts keep everything typed (even answers a later change made irrelevant); a completed
    // submission keeps only the relevant answers, with calculations filled in.
    let mut complete = submitting && errors.is_empty();
    // A completed survey is scored in the same transaction; one that cannot be scored stays a
    // draft, with the reason.
    let mut score = None;
    let mut score_problem = String::new();
    if complete {
        match crate::pages::rss::score_on_completion(
            &state,
            &tr,
            &l.case,
            &l.sub,
            &l.compiled.form,
            &filled.answers,
            date,
        )
        .await?
        {
            Ok(s) => score = s,
            Err(problem) => {
                complete = false;
                score_problem = problem;
            }
        }
    }
    let mut to_store = if complete {
        filled.answers.clone()
    } else {
        answers.clone()
    };
    if complete {
        l.compiled
            .stamp_end(&mut to_store, &OffsetDateTime::now_utc().to_string());
    }
    let saved = state
        .store
        .update_submission(
            SubmissionUpdate {
                id: l.sub.id,
                expected_version,
                answers: serde_json::to_string(&to_store)
                    .map_err(|e| AppError::internal(e.to_string()))?,
                interview_date: date,
                status: if complete {
                    SubmissionStatus::Complete
                } else {
                    SubmissionStatus::Draft
                },
                score,
            },
            AuditContext::by(caller.actor().user_id, OffsetDateTime::now_utc()),
        )
        .await;
    match saved {
        Ok(_) if complete => {
            app::pathway::after_submission(
                &state,
                &caller.actor(),
                l.case.id,
                &l.sub.form_id,
                l.sub.id,
                &to_store,
                date,
            )
            .await?;
            Ok(
                Redirect::to(&format!("/cases/{}/submissions/{}", l.case.id, l.sub.id))
                    .into_response(),
            )
        }
        Ok(sub) => {
            let l = Loaded { sub, ..l };
            let notice = if !score_problem.is_empty() {
                score_problem
            } else if submitting {
                String::new()
            } else {
                tr.t("form-draft-saved")
            };
            let p = submission_page(
                &state,
                &tr,
                &caller,
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
        Err(store::StoreError::Conflict) => {
            let p = page(&answers, &errors, tr.t("form-stale"));
            render_status(StatusCode::CONFLICT, &p)
        }
        Err(e) => Err(e.into()),
    }
}

/// A posted form as the save handlers read it: what was typed (with a repeat added or removed
/// when asked), the action, and the interview date.
pub(crate) struct FormPost {
    pub fields: Vec<(String, String)>,
    pub action: String,
    pub answers: Answers,
    pub date_text: String,
    /// `None` when missing, unreadable or in the future; `date_error` says so.
    pub date: Option<time::Date>,
    pub date_error: String,
}

pub(crate) fn read_post(
    tr: &Tr,
    caller: &Caller,
    c: &Compiled,
    body: &Bytes,
) -> Result<FormPost, AppError> {
    let fields = posted_fields(caller, body)?;
    let action = field(&fields, "_action").to_string();
    let mut answers = answers_from_post(c, &fields);
    apply_action(c, &mut answers, &action);
    let date_text = field(&fields, "_interview_date").trim().to_string();
    let date = forms::expr::parse_date(&date_text).filter(|d| *d <= today());
    let date_error = if date.is_none() {
        tr.t("form-interview-date-invalid")
    } else {
        String::new()
    };
    Ok(FormPost {
        fields,
        action,
        answers,
        date_text,
        date,
        date_error,
    })
}

/// The post only redraws the form (skip logic, a repeat added or removed): nothing is saved.
pub(crate) fn is_redraw(action: &str) -> bool {
    action == "refresh" || action.starts_with("add:") || action.starts_with("remove:")
}

/// What stops a submission, by question: nothing unless submitting.
pub(crate) fn submission_errors(
    tr: &Tr,
    c: &Compiled,
    filled: &forms::Filled,
    submitting: bool,
) -> BTreeMap<String, String> {
    if !submitting {
        return BTreeMap::new();
    }
    let lang = form_language(tr, &c.form);
    c.validate(filled, today(), &lang)
        .into_iter()
        .map(|e| (e.path, e.message))
        .collect()
}

/// What the case page shows about forms: the submissions, and which forms can be started.
pub struct CaseForms {
    pub submissions: Vec<SubmissionRow>,
    pub startable: Vec<(String, String)>,
}

pub struct SubmissionRow {
    pub id: String,
    pub title: String,
    pub version: String,
    pub date: String,
    pub interviewer: String,
    pub complete: bool,
    pub status: &'static str,
}

pub async fn case_forms(
    state: &AppState,
    caller: &Caller,
    case: &CaseRecord,
) -> Result<CaseForms, AppError> {
    let submissions = state
        .store
        .submissions_for(Subject::Case(case.id))
        .await?
        .into_iter()
        .map(|s| SubmissionRow {
            id: s.id.to_string(),
            title: s.form_title,
            version: s.form_version,
            date: s.interview_date.to_string(),
            interviewer: s.interviewer_name,
            complete: s.status == SubmissionStatus::Complete,
            status: s.status.as_str(),
        })
        .collect();
    let can_fill = authorize(
        &caller.actor(),
        Action::FillForm,
        Resource::Case(case.access()),
    )
    .is_ok();
    let mut startable: Vec<(String, String)> = Vec::new();
    if can_fill {
        for v in state.store.form_versions().await? {
            // Forms about communities and projects are started from those pages.
            let about_case = !v.form_id.starts_with("community_");
            if v.published && about_case && !startable.iter().any(|(id, _)| *id == v.form_id) {
                startable.push((v.form_id, v.title));
            }
        }
        startable.sort_by(|a, b| a.1.cmp(&b.1));
    }
    Ok(CaseForms {
        submissions,
        startable,
    })
}
