//! Answers given with a form about a case or a community-level record: starting a draft, and
//! saving, completing (and, for the Reintegration Sustainability Survey, scoring) or
//! interrupting it. Drafts keep everything typed; a completed submission keeps only the
//! relevant answers with calculations filled in, and sets off what the pathway asks for.

use domain::authz::{Action, Actor, Resource, authorize};
use forms::engine::Answers;
use forms::{Compiled, FieldError};
use store::{
    AuditContext, CaseRecord, DocRecord, FormVersionInfo, NewSubmission, Subject, Submission,
    SubmissionStatus, SubmissionUpdate,
};
use time::Date;

use crate::{App, Error};

/// What the answers are about.
#[derive(Clone, Copy)]
pub enum About<'a> {
    Case(&'a CaseRecord),
    /// A community or a community project.
    Record(&'a DocRecord),
}

impl About<'_> {
    fn subject(self) -> Subject {
        match self {
            About::Case(c) => Subject::Case(c.id),
            About::Record(r) => Subject::Document(r.id),
        }
    }

    /// Forms about a case are filled by those who may fill forms for it; forms about a
    /// community-level record by those who manage the community level in its office.
    fn authorize(self, actor: &Actor) -> Result<(), Error> {
        match self {
            About::Case(c) => authorize(actor, Action::FillForm, Resource::Case(c.access()))?,
            About::Record(r) => authorize(
                actor,
                Action::ManageCommunity,
                Resource::Office(r.office.unwrap_or_default()),
            )?,
        }
        Ok(())
    }
}

/// Starts a draft of a form version, dated today, with the actor as interviewer.
pub async fn start(
    app: &App,
    actor: &Actor,
    about: About<'_>,
    form: FormVersionInfo,
    answers: &Answers,
) -> Result<Submission, Error> {
    about.authorize(actor)?;
    Ok(app
        .store
        .create_submission(
            NewSubmission {
                id: uuid::Uuid::new_v4(),
                form_id: form.form_id,
                form_version: form.version,
                subject: about.subject(),
                answers: serde_json::to_string(answers).map_err(Error::internal)?,
                interviewer: actor.user_id,
                interview_date: app.today(),
            },
            AuditContext::by(actor.user_id, app.now()),
        )
        .await?)
}

/// Starts a draft of the latest published version of a form about a case, filled with what the
/// case already says (the questions naming a case value in their `prefill` column). A survey
/// proposes `round` when given (a monitoring sample's), else the round the schedule says is due.
pub async fn start_for_case(
    app: &App,
    actor: &Actor,
    case: &CaseRecord,
    form_id: &str,
    round: Option<domain::rss::Round>,
) -> Result<Submission, Error> {
    authorize(actor, Action::FillForm, Resource::Case(case.access()))?;
    let v = crate::lookups::latest_published_form(app, actor, form_id).await?;
    let form: forms::Form = serde_json::from_str(&v.definition).map_err(Error::internal)?;
    let compiled =
        Compiled::new(form).map_err(|p| Error::internal(format!("{} problems", p.len())))?;
    let mut answers = compiled.blank(app.today());
    let due = match round {
        Some(r) => r,
        None => crate::rss::due_round(app, case).await?,
    };
    crate::rss::prefill(
        &compiled.form,
        &mut answers,
        &crate::rss::case_values(case, due),
    );
    crate::rss::prefill_household(&compiled, &mut answers, case, app.today());
    start(app, actor, About::Case(case), v.info, &answers).await
}

/// What the person asked for with their answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Intent {
    /// Keep the answers as a draft.
    Draft,
    /// Complete the submission if every rule of the form holds (else keep it as a draft).
    Submit,
    /// The interview stopped: keep what was typed, never complete or score it.
    Interrupt,
}

/// A save of answers to a submission already loaded (and authorized) for the actor.
pub struct Answering<'a> {
    pub about: About<'a>,
    pub sub: &'a Submission,
    pub compiled: &'a Compiled,
    /// The answers as typed.
    pub answers: Answers,
    pub interview_date: Date,
    /// The submission's version the answers were typed on: a stale save is a conflict.
    pub expected_version: i64,
    pub intent: Intent,
    /// The language the form's messages are given in.
    pub language: &'a str,
}

/// What a save did.
pub struct Saved {
    pub sub: Submission,
    pub complete: bool,
    /// What to fix before the submission can be completed (when submitting).
    pub errors: Vec<FieldError>,
    /// A survey that could not be scored stays a draft; why, for the interviewer.
    pub score_problem: Option<String>,
}

/// Saves answers: a draft, a completion (scored in the same transaction when it is the
/// survey, then what the pathway asks for), or an interruption.
pub async fn save(app: &App, actor: &Actor, a: Answering<'_>) -> Result<Saved, Error> {
    let audit = AuditContext::by(actor.user_id, app.now());
    let p = prepare(app, actor, a, HeldFiles::Stored).await?;
    let sub = app.store.update_submission(p.update, audit).await?;
    Ok(Saved {
        sub,
        complete: p.complete,
        errors: p.errors,
        score_problem: p.score_problem,
    })
}

/// The files a submission holds, for the check that every file answer names one of them.
pub enum HeldFiles {
    /// Those already stored with it.
    Stored,
    /// Those arriving with it (a field client's post), by name.
    Arriving(Vec<String>),
}

/// A save worked out, ready to be written: what a page save stores, or what a field client's
/// submission stores together with the submission itself.
pub struct Prepared {
    pub update: SubmissionUpdate,
    pub complete: bool,
    pub errors: Vec<FieldError>,
    pub score_problem: Option<String>,
}

/// Everything a save decides (checks, score, what the pathway asks for) without writing it.
pub async fn prepare(
    app: &App,
    actor: &Actor,
    mut a: Answering<'_>,
    held: HeldFiles,
) -> Result<Prepared, Error> {
    a.about.authorize(actor)?;
    // Answers are kept as every text is (NFC, no direction overrides); control characters
    // are taken out of a draft and stop a completion, on the field that held them.
    let (answers, text_problems) = domain::text::cleaned_texts(a.answers.clone());
    a.answers = answers;
    let text_errors: Vec<FieldError> = text_problems
        .0
        .iter()
        .map(|f| {
            FieldError::builtin(
                &f.field.replace('.', "/"),
                forms::answer_types::Builtin::new(
                    "form-error-control-characters",
                    "Remove the control characters (invisible codes) from this answer.",
                ),
            )
        })
        .collect();
    let today = app.today();
    if a.intent == Intent::Interrupt {
        return Ok(Prepared {
            update: SubmissionUpdate {
                id: a.sub.id,
                expected_version: a.expected_version,
                answers: serde_json::to_string(&a.answers).map_err(Error::internal)?,
                interview_date: a.interview_date,
                status: SubmissionStatus::Interrupted,
                score: None,
                follow_on: None,
            },
            complete: false,
            errors: Vec::new(),
            score_problem: None,
        });
    }
    let filled = a.compiled.fill(&a.answers, today);
    let errors = if a.intent == Intent::Submit {
        let mut errors = a.compiled.validate(&filled, today, a.language);
        errors.extend(text_errors);
        // A file answer names a file attached to this submission, nothing else.
        let files = a.compiled.file_answers(&filled);
        if !files.is_empty() {
            let held = match held {
                HeldFiles::Stored => app
                    .store
                    .submission_files(a.sub.id)
                    .await?
                    .into_iter()
                    .map(|f| f.name)
                    .collect(),
                HeldFiles::Arriving(names) => names,
            };
            for (path, name) in files {
                if !held.contains(&name) {
                    errors.push(FieldError::builtin(
                        &path,
                        forms::answer_types::Builtin::new(
                            "file-not-attached",
                            "This file is not among the form's files: attach it again.",
                        ),
                    ));
                }
            }
        }
        errors
    } else {
        Vec::new()
    };
    let mut complete = a.intent == Intent::Submit && errors.is_empty();
    let mut score = None;
    let mut score_problem = None;
    if let (true, About::Case(case)) = (complete, a.about) {
        match crate::rss::score_on_completion(
            app,
            case,
            a.sub,
            &a.compiled.form,
            &filled.answers,
            a.interview_date,
        )
        .await?
        {
            Ok(s) => score = s,
            Err(problem) => {
                complete = false;
                score_problem = Some(problem);
            }
        }
    }
    let mut to_store = if complete { filled.answers } else { a.answers };
    if complete {
        a.compiled.stamp_end(&mut to_store, &app.now().to_string());
    }
    let answers = serde_json::to_string(&to_store).map_err(Error::internal)?;
    let follow_on = match (complete, a.about) {
        (true, About::Case(case)) => {
            let completed = Submission {
                status: SubmissionStatus::Complete,
                answers: answers.clone(),
                interview_date: a.interview_date,
                ..a.sub.clone()
            };
            let f = crate::pathway::follow_on(app, case, completed, &to_store, score.as_ref());
            Some(f.await?)
        }
        _ => None,
    };
    // The completion, its score, what it sets off and the stage land in one transaction.
    Ok(Prepared {
        update: SubmissionUpdate {
            id: a.sub.id,
            expected_version: a.expected_version,
            answers,
            interview_date: a.interview_date,
            status: if complete {
                SubmissionStatus::Complete
            } else {
                SubmissionStatus::Draft
            },
            score,
            follow_on,
        },
        complete,
        errors,
        score_problem,
    })
}

/// A submission about a case, opened for `action` (reading or filling): the case decides
/// access before the submission is even looked up, and a submission about another subject is
/// not found. With the form version it was given with and the case's journal (for the
/// urgent-referral banner every page of the case shows).
pub async fn of_case(
    app: &App,
    actor: &Actor,
    case_id: &str,
    id: &str,
    action: Action,
) -> Result<
    (
        CaseRecord,
        Submission,
        store::FormVersion,
        Vec<store::Entry>,
    ),
    Error,
> {
    let case = crate::cases::authorized_case(app, actor, case_id, action).await?;
    let sub = app.store.submission(crate::parse_id(id)?).await?;
    if sub.subject != Subject::Case(case.id) {
        return Err(Error::new(crate::ErrorKind::NotFound));
    }
    let version = app
        .store
        .form_version(&sub.form_id, &sub.form_version)
        .await?;
    let journal = app.store.entries(case.id).await?;
    Ok((case, sub, version, journal))
}

/// The submissions about a case the actor may read.
pub async fn about_case(
    app: &App,
    actor: &Actor,
    case: &CaseRecord,
) -> Result<Vec<Submission>, Error> {
    domain::authz::authorize_record(actor, Action::ReadCase, Resource::Case(case.access()))?;
    app.submissions_about(Subject::Case(case.id)).await
}

/// The submissions about a case the actor may read, each with its files.
pub async fn about_case_with_files(
    app: &App,
    actor: &Actor,
    case: &CaseRecord,
) -> Result<Vec<(Submission, Vec<store::SubmissionFile>)>, Error> {
    let mut out = Vec::new();
    for s in about_case(app, actor, case).await? {
        let files = app.store.submission_files(s.id).await?;
        out.push((s, files));
    }
    Ok(out)
}

/// A submission about a community-level record the actor has opened (`record` is already
/// authorized by the caller's read of it).
pub async fn of_record(app: &App, record: &DocRecord, id: &str) -> Result<Submission, Error> {
    let sub = app.store.submission(crate::parse_id(id)?).await?;
    if sub.subject != Subject::Document(record.id) {
        return Err(Error::new(crate::ErrorKind::NotFound));
    }
    Ok(sub)
}

/// A page of a form's completed submissions for an incremental pull.
pub struct CompletedPage {
    /// Each submission the actor may read, with its files.
    pub items: Vec<(Submission, Vec<store::SubmissionFile>)>,
    /// Where the next page starts (the last submission's completion and id), when the page
    /// was full.
    pub next: Option<(time::OffsetDateTime, uuid::Uuid)>,
}

/// The most submissions one page of a pull holds.
pub const MAX_PAGE: u32 = 100;

/// A form's completed submissions, oldest completion first, from `since` or after the last
/// one of the previous page: those about cases the actor may read and community-level records
/// of offices they may see. Each case read is audited as opening it.
pub async fn completed_of_form(
    app: &App,
    actor: &Actor,
    form_id: &str,
    since: Option<time::OffsetDateTime>,
    after: Option<(time::OffsetDateTime, uuid::Uuid)>,
    limit: u32,
) -> Result<CompletedPage, Error> {
    authorize(actor, Action::ReadForms, Resource::Programme)?;
    let limit = limit.clamp(1, MAX_PAGE);
    let page = app
        .store
        .completed_submissions_page(store::CompletedQuery {
            form_id: form_id.to_string(),
            since,
            after,
            limit,
        })
        .await?;
    let next = (page.len() == limit as usize)
        .then(|| {
            page.last()
                .map(|s| (s.completed_at.unwrap_or(s.updated_at), s.id))
        })
        .flatten();
    let mut items = Vec::new();
    for sub in page {
        let readable = match sub.subject {
            Subject::Case(id) => {
                let case = app.store.case(id).await?;
                let ok = domain::authz::authorize_record(
                    actor,
                    Action::ReadCase,
                    Resource::Case(case.access()),
                )
                .is_ok();
                if ok {
                    crate::cases::audit_view(app, actor, &case).await?;
                }
                ok
            }
            Subject::Document(id) => {
                let record = app.store.document(id).await?;
                authorize(
                    actor,
                    Action::ReadCommunity,
                    Resource::Office(record.office.unwrap_or_default()),
                )
                .is_ok()
            }
        };
        if readable {
            let files = app.store.submission_files(sub.id).await?;
            items.push((sub, files));
        }
    }
    Ok(CompletedPage { items, next })
}
