//! Filling a form for a case

use super::*;

#[derive(Deserialize)]
pub struct StartForm {
    pub form_id: String,
    /// The survey round to propose (from a monitoring sample); the schedule's when absent.
    #[serde(default)]
    pub round: String,
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
    let round = domain::rss::Round::parse(form.round.trim());
    let sub =
        app::submissions::start_for_case(&state, &actor, &case, form.form_id.trim(), round).await?;
    Ok(Redirect::to(&format!("/cases/{}/submissions/{}", case.id, sub.id)).into_response())
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

impl SubmissionPage {
    /// The error summary's links: the interview date, then the questions in order.
    fn error_summary(&self) -> Vec<(String, String)> {
        let mut links = Vec::new();
        if !self.interview_date_error.is_empty() {
            links.push((
                "f-interview-date".to_string(),
                format!(
                    "{}: {}",
                    self.c.tr.t("form-interview-date"),
                    self.interview_date_error
                ),
            ));
        }
        links.extend(super::error_summary(&self.pieces));
        links
    }
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
    pub(super) compiled: std::sync::Arc<Compiled>,
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
    let (case, sub, v, urgent) =
        app::submissions::of_case(state, &caller.actor(), id, sid, action).await?;
    Ok(Loaded {
        urgent,
        case,
        sub,
        compiled: app::forms::compiled(state, &v).await?,
    })
}

pub(super) fn submission_page(
    page: &Page,
    l: &Loaded,
    answers: &Answers,
    errors: &BTreeMap<String, String>,
    interview_date: &str,
    interview_date_error: String,
    notice: String,
) -> SubmissionPage {
    let (state, tr, caller) = (&page.state, &page.tr, &page.caller);
    let editable = l.sub.status == SubmissionStatus::Draft
        && authorize(
            &caller.actor(),
            Action::FillForm,
            Resource::Case(l.case.access()),
        )
        .is_ok();
    let filled = l.compiled.fill(answers, state.today());
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
        title: tr.form_title(&l.sub.form_id, &l.sub.form_title),
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
        pieces: draw_with_files(
            &l.compiled,
            &filled,
            errors,
            tr,
            editable,
            state.today(),
            &format!("/cases/{}/submissions/{}/files", l.case.id, l.sub.id),
        ),
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
    page: Page,
    Path((id, sid)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let (state, tr, caller) = (&page.state, &page.tr, &page.caller);
    let l = load(state, caller, &id, &sid, Action::ReadCase).await?;
    audit_view(state, &caller.actor(), &l.case).await?;
    let answers = stored_answers(&l.sub)?;
    let date = l.sub.interview_date.to_string();
    let mut page = submission_page(
        &page,
        &l,
        &answers,
        &BTreeMap::new(),
        &date,
        String::new(),
        String::new(),
    );
    page.rss = crate::pages::rss::survey_result(state, tr, &l.sub).await?;
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
    let fields = posted_fields(&caller, &body)?;
    save_fields(&state, &tr, &headers, &caller, &id, &sid, fields).await
}

/// A post of the form, its fields read (and the CSRF token checked).
pub(crate) async fn save_fields(
    state: &AppState,
    tr: &Tr,
    headers: &HeaderMap,
    caller: &Caller,
    id: &str,
    sid: &str,
    fields: Vec<(String, String)>,
) -> Result<Response, AppError> {
    let (state, tr, caller) = (state.clone(), tr.clone(), caller.clone());
    let l = load(&state, &caller, id, sid, Action::FillForm).await?;
    let FormPost {
        fields,
        action,
        answers,
        date_text,
        date,
        date_error,
    } = read_post(&tr, &l.compiled, fields, state.today());
    if l.sub.status == SubmissionStatus::Complete {
        return Err(AppError::with_detail(
            ErrorKind::Conflict,
            tr.t("form-already-complete"),
        ));
    }
    let page = |answers: &Answers, errors: &BTreeMap<String, String>, notice: String| {
        submission_page(
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
        if is_htmx(headers) {
            return render(&FormBody {
                c: p.c,
                pieces: p.pieces,
            });
        }
        return render(&p);
    }
    let submitting = action == "submit";
    let intent = match action.as_str() {
        "interrupt" => app::submissions::Intent::Interrupt,
        "submit" => app::submissions::Intent::Submit,
        _ => app::submissions::Intent::Draft,
    };
    let expected_version: i64 = field(&fields, "_version").parse().unwrap_or(-1);
    // An interruption keeps the date already on the submission when the one typed is unreadable.
    let date = match (date, intent) {
        (Some(d), _) => d,
        (None, app::submissions::Intent::Interrupt) => l.sub.interview_date,
        (None, _) => {
            let filled = l.compiled.fill(&answers, state.today());
            let errors = submission_errors(&tr, &l.compiled, &filled, submitting, state.today());
            let p = page(&answers, &errors, String::new());
            return render_status(StatusCode::UNPROCESSABLE_ENTITY, &p);
        }
    };
    let language = form_language(&tr, &l.compiled.form);
    let saved = app::submissions::save(
        &state,
        &caller.actor(),
        app::submissions::Answering {
            about: app::submissions::About::Case(&l.case),
            sub: &l.sub,
            compiled: &l.compiled,
            answers: answers.clone(),
            interview_date: date,
            expected_version,
            intent,
            language: &language,
        },
    )
    .await;
    match saved {
        Ok(s) if s.complete || intent == app::submissions::Intent::Interrupt => Ok(Redirect::to(
            &format!("/cases/{}/submissions/{}", l.case.id, l.sub.id),
        )
        .into_response()),
        Ok(s) => {
            let errors: BTreeMap<String, String> = s
                .errors
                .into_iter()
                .map(|e| crate::forms::said(&tr, e))
                .collect();
            let notice = match s.score_problem {
                Some(problem) => tr.t1("rss-cannot-score", "problem", problem),
                None if submitting => String::new(),
                None => tr.t("form-draft-saved"),
            };
            let l = Loaded { sub: s.sub, ..l };
            let p = submission_page(
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
        }) => {
            let p = page(&answers, &BTreeMap::new(), tr.t("form-stale"));
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
    c: &Compiled,
    fields: Vec<(String, String)>,
    today: time::Date,
) -> FormPost {
    let action = field(&fields, "_action").to_string();
    let mut answers = answers_from_post(c, &fields);
    apply_action(c, &mut answers, &action, today);
    let date_text = field(&fields, "_interview_date").trim().to_string();
    let date = forms::expr::parse_date(&date_text).filter(|d| *d <= today);
    let date_error = if date.is_none() {
        tr.t("form-interview-date-invalid")
    } else {
        String::new()
    };
    FormPost {
        fields,
        action,
        answers,
        date_text,
        date,
        date_error,
    }
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
    today: time::Date,
) -> BTreeMap<String, String> {
    if !submitting {
        return BTreeMap::new();
    }
    let lang = form_language(tr, &c.form);
    c.validate(filled, today, &lang)
        .into_iter()
        .map(|e| crate::forms::said(tr, e))
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
    tr: &Tr,
    caller: &Caller,
    case: &CaseRecord,
) -> Result<CaseForms, AppError> {
    let submissions = app::submissions::about_case(state, &caller.actor(), case)
        .await?
        .into_iter()
        .map(|s| SubmissionRow {
            id: s.id.to_string(),
            title: tr.form_title(&s.form_id, &s.form_title),
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
        for v in app::lookups::form_versions(state, &caller.actor()).await? {
            // Forms about communities and projects are started from those pages.
            let about_case = !v.form_id.starts_with("community_");
            if v.published && about_case && !startable.iter().any(|(id, _)| *id == v.form_id) {
                let title = tr.form_title(&v.form_id, &v.title);
                startable.push((v.form_id, title));
            }
        }
        startable.sort_by(|a, b| tr.compare(&a.1, &b.1));
    }
    Ok(CaseForms {
        submissions,
        startable,
    })
}
