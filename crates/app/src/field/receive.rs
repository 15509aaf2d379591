//! Receiving filled instances: from a field client's posts (XML, files, split submissions) or
//! as JSON answers through the API. Both end in [`store_answers`], which runs the page's save
//! (checks, scoring, what the pathway asks for) and stores the whole submission at once.

use domain::authz::{Action, Actor, Resource, authorize};
use forms::model::Kind;
use forms::xform::instance::{self, InstanceError};
use forms::{Answer, Answers, Compiled};
use store::{
    AuditContext, CaseRecord, FieldPart, FieldReceipt, FormVersion, HeldDecision, InstanceSeen,
    NewSubmission, NewSubmissionFile, ReceiptOutcome, Subject, Submission, SubmissionStatus,
};

use super::{CASE_QUESTION, device_compiled, device_version};
use crate::submissions::{About, Answering, HeldFiles, Intent};
use crate::{App, Error, ErrorKind};

/// One post of a field client: the instance and the files sent with it.
pub struct FieldPost {
    /// The device token it came through.
    pub token: uuid::Uuid,
    pub xml: Vec<u8>,
    /// Files by the name the instance gives them.
    pub files: Vec<(String, Vec<u8>)>,
    /// More posts of the same instance follow (the client split a large submission).
    pub incomplete: bool,
}

/// What a post did.
#[derive(Debug, PartialEq, Eq)]
pub enum Received {
    /// The instance is stored, as this submission.
    Stored(uuid::Uuid),
    /// The instance was stored before: nothing changed.
    AlreadyStored(uuid::Uuid),
    /// Part of an instance: its files are kept until the last part.
    PartKept,
    /// About a case its sender was unassigned from: held for a programme manager's review.
    Held,
    /// Held before (a resubmission): nothing changed.
    AlreadyHeld,
    /// Encrypted: kept unreadable until a key holder decrypts it.
    Sealed,
    /// Received encrypted before: nothing changed.
    AlreadySealed,
}

/// Why an instance was refused; nothing of it was stored.
#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The XML could not be read against the form.
    Unreadable(InstanceError),
    /// No published version of a form about a case has this id and version.
    UnknownForm,
    /// No returnee picked, or not one of the device user's cases.
    NotYourCase,
    /// The answers break the form's rules: each problem with the question it is about.
    Invalid(Vec<forms::FieldError>),
    /// The survey's answers cannot be scored: why.
    NotScored(String),
    /// A file the answers name did not come, or is not what its question takes.
    File(String, &'static str),
    /// An encrypted submission for a form version without a public key.
    NotEncryptedForm,
}

/// Receives one post of a field client. Refusals store nothing; a stored instance went
/// through the same save as a page submission, in one transaction with its files.
pub async fn receive(
    app: &App,
    actor: &Actor,
    post: FieldPost,
    language: &str,
) -> Result<Result<Received, Refusal>, Error> {
    receive_post(app, actor, post, language, false).await
}

/// A post received; `unsealing` when it is an encrypted submission just decrypted (which may
/// be received although its instance id is known, as sealed).
pub(super) async fn receive_post(
    app: &App,
    actor: &Actor,
    mut post: FieldPost,
    language: &str,
    unsealing: bool,
) -> Result<Result<Received, Refusal>, Error> {
    let xml = std::sync::Arc::new(std::mem::take(&mut post.xml));
    let first_look = {
        let (xml, kept) = (xml.clone(), app.compiled_forms.clone());
        tokio::task::spawn_blocking(move || first_look(&xml, &kept))
            .await
            .map_err(Error::internal)?
    };
    let FirstLook {
        header,
        sealed,
        early_read,
    } = match first_look {
        Ok(look) => look,
        Err(e) => return Ok(Err(Refusal::Unreadable(e))),
    };
    let version = match device_version(app, actor, &header.form_id, &header.version).await {
        Ok(v) => v,
        Err(e) if e.kind == ErrorKind::NotFound => return Ok(Err(Refusal::UnknownForm)),
        Err(e) => return Err(e),
    };
    if let Some(manifest) = sealed {
        return super::sealed::receive_sealed(app, actor, &version, manifest, post).await;
    }
    let read = match early_read {
        Some(read) => read,
        None => {
            let device_form = device_compiled(app, &version).await?;
            let xml = xml.clone();
            tokio::task::spawn_blocking(move || instance::read(&device_form, &xml))
                .await
                .map_err(Error::internal)?
        }
    };
    let mut read = match read {
        Ok(r) => r,
        Err(e) => return Ok(Err(Refusal::Unreadable(e))),
    };
    // The returnee and whether the instance was seen, in one read.
    let number = read.answers.text(CASE_QUESTION).to_string();
    let (seen, found) = app
        .store
        .receipt_context(&read.instance_id, &number)
        .await?;
    match seen {
        Some(InstanceSeen::Stored(id)) => return Ok(Ok(Received::AlreadyStored(id))),
        Some(InstanceSeen::Held) => return Ok(Ok(Received::AlreadyHeld)),
        Some(InstanceSeen::Sealed) if !unsealing => return Ok(Ok(Received::AlreadySealed)),
        Some(InstanceSeen::Sealed) | None => {}
    }
    if post.incomplete {
        keep_parts(app, &post.files, &read.instance_id, post.token).await?;
        return Ok(Ok(Received::PartKept));
    }
    // The returnee: one of the actor's cases, or the instance is refused.
    read.answers.0.remove(CASE_QUESTION);
    let case = match found {
        Some(case) => fillable(actor, case),
        // Decrypting a sealed instance: its id is known, so the case was not read with it.
        None if unsealing => own_case(app, actor, &number).await?,
        None => None,
    };
    let formerly_theirs = match &case {
        Some(_) => None,
        None => super::held::formerly_assigned(app, actor, &number).await?,
    };
    if case.is_none() && formerly_theirs.is_none() {
        return Ok(Err(Refusal::NotYourCase));
    }
    let compiled = crate::forms::compiled(app, &version).await?;
    let files =
        match arriving_files(app, &compiled, &read.answers, &post, &read.instance_id).await? {
            Ok(f) => f,
            Err(refusal) => return Ok(Err(refusal)),
        };
    let answers = renamed(&compiled, read.answers, &files);
    let arrived = Arrived {
        version: &version,
        compiled: &compiled,
        answers,
        files,
        instance_id: read.instance_id,
        token: Some(post.token),
        interviewer: actor.user_id,
    };
    match (case, formerly_theirs) {
        (Some(case), _) => {
            store_answers(app, actor, &case, arrived, Storing::Receipt, language).await
        }
        (None, Some(case)) => super::held::hold(app, actor, &case, arrived).await,
        (None, None) => Ok(Err(Refusal::NotYourCase)),
    }
}

/// What the instance's XML says before anything is checked.
struct FirstLook {
    header: instance::Header,
    sealed: Option<forms::xform::sealed::SealedManifest>,
    /// The answers, read against the version's device form when that form was already compiled
    /// in memory (one trip off the request threads instead of two). Used only once the version
    /// has been checked, as any read.
    early_read: Option<Result<instance::Instance, InstanceError>>,
}

fn first_look(xml: &[u8], kept: &crate::forms::CompiledForms) -> Result<FirstLook, InstanceError> {
    let header = instance::header(xml)?;
    let sealed = forms::xform::sealed::manifest(xml)?;
    let early_read = match sealed {
        Some(_) => None,
        None => kept
            .get(&super::device_form_key(&header.form_id, &header.version))
            .map(|form| instance::read(&form, xml)),
    };
    Ok(FirstLook {
        header,
        sealed,
        early_read,
    })
}

/// Answers sent as JSON for a case, as the API takes them.
pub struct SubmittedAnswers {
    pub form_id: String,
    /// The version answered; the latest published one when not given.
    pub version: Option<String>,
    pub answers: Answers,
    /// The client's id for this set of answers: sent again, it is recognised and nothing is
    /// stored twice. One is made when not given.
    pub instance_id: Option<String>,
}

/// Completes a submission about a case from answers sent whole (the JSON API): the same
/// checks, scoring and pathway as a page submission, stored at once or not at all.
pub async fn submit_answers(
    app: &App,
    actor: &Actor,
    case_id: &str,
    sent: SubmittedAnswers,
    language: &str,
) -> Result<Result<Received, Refusal>, Error> {
    let case = crate::cases::authorized_case(app, actor, case_id, Action::FillForm).await?;
    if !super::is_about_a_case(&sent.form_id) {
        return Ok(Err(Refusal::UnknownForm));
    }
    let version = match &sent.version {
        Some(v) => app.store.form_version(&sent.form_id, v).await,
        None => app.store.latest_published_form(&sent.form_id).await,
    };
    let version = match version {
        Ok(v) if v.info.published => v,
        Ok(_) | Err(store::StoreError::NotFound) => return Ok(Err(Refusal::UnknownForm)),
        Err(e) => return Err(e.into()),
    };
    let compiled = crate::forms::compiled(app, &version).await?;
    let mut answers = sent.answers;
    let instance_id = sent
        .instance_id
        .filter(|i| !i.trim().is_empty())
        .unwrap_or_else(|| format!("uuid:{}", uuid::Uuid::new_v4()));
    answers.set(forms::compiled::INSTANCE_ID, instance_id.clone());
    // Sent again: answered as before, even if the answers would not pass now.
    if let Some(InstanceSeen::Stored(id)) = app.store.instance_seen(&instance_id).await? {
        return Ok(Ok(Received::AlreadyStored(id)));
    }
    let arrived = Arrived {
        version: &version,
        compiled: &compiled,
        answers,
        files: Vec::new(),
        instance_id,
        token: None,
        interviewer: actor.user_id,
    };
    store_answers(app, actor, &case, arrived, Storing::Receipt, language).await
}

/// A filled instance, its files checked and in the file store.
pub(super) struct Arrived<'a> {
    pub version: &'a FormVersion,
    pub compiled: &'a Compiled,
    pub answers: Answers,
    pub files: Vec<Arriving>,
    pub instance_id: String,
    pub token: Option<uuid::Uuid>,
    /// Who filled it in (the actor, or the sender of a held submission being accepted).
    pub interviewer: domain::UserId,
}

/// How a completed instance is written.
pub(super) enum Storing {
    /// As it arrives.
    Receipt,
    /// As the acceptance of this held submission (which goes in the same transaction).
    AcceptHeld(uuid::Uuid),
}

/// Runs the page's save on an instance about `case` and, when it completes, stores the
/// submission, its files, score and follow-on and the instance id in one transaction.
pub(super) async fn store_answers(
    app: &App,
    actor: &Actor,
    case: &CaseRecord,
    a: Arrived<'_>,
    storing: Storing,
    language: &str,
) -> Result<Result<Received, Refusal>, Error> {
    let (sub, prepared) = match check_arrived(app, actor, case, &a, None, language).await? {
        Ok(checked) => checked,
        Err(refusal) => return Ok(Err(refusal)),
    };
    store_checked(app, actor, a, sub, prepared, storing).await
}

/// Answers read from a table of submissions (`imports::surveys`): checked as a field
/// client's instance is, and stored the same way unless `dry_run`. The interview took place
/// on `interview_day` when the form has no day of its own. Gives the composite score a survey
/// would get.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn import_answers(
    app: &App,
    actor: &Actor,
    case: &CaseRecord,
    version: &FormVersion,
    compiled: &Compiled,
    answers: Answers,
    instance_id: String,
    interview_day: Option<time::Date>,
    language: &str,
    dry_run: bool,
) -> Result<Result<(Option<f64>, Option<Received>), Refusal>, Error> {
    let mut answers = answers;
    answers.set(forms::compiled::INSTANCE_ID, instance_id.clone());
    let arrived = Arrived {
        version,
        compiled,
        answers,
        files: Vec::new(),
        instance_id,
        token: None,
        interviewer: actor.user_id,
    };
    let checked = check_arrived(app, actor, case, &arrived, interview_day, language).await?;
    let (sub, prepared) = match checked {
        Ok(checked) => checked,
        Err(refusal) => return Ok(Err(refusal)),
    };
    let composite = prepared
        .update
        .score
        .as_ref()
        .and_then(|s| s.scores.composite);
    if dry_run {
        return Ok(Ok((composite, None)));
    }
    let stored = store_checked(app, actor, arrived, sub, prepared, Storing::Receipt).await?;
    Ok(stored.map(|r| (composite, Some(r))))
}

/// The page's save worked out for an arrived instance, or why it is refused.
async fn check_arrived(
    app: &App,
    actor: &Actor,
    case: &CaseRecord,
    a: &Arrived<'_>,
    interview_day: Option<time::Date>,
    language: &str,
) -> Result<Result<(Submission, crate::submissions::Prepared), Refusal>, Error> {
    let now = app.now();
    let info = &a.version.info;
    let sub = Submission {
        id: uuid::Uuid::new_v4(),
        form_id: info.form_id.clone(),
        form_version: info.version.clone(),
        form_title: info.title.clone(),
        subject: Subject::Case(case.id),
        status: SubmissionStatus::Draft,
        answers: String::new(),
        interviewer: a.interviewer,
        interviewer_name: String::new(),
        interview_date: interview_date(a.compiled, &a.answers)
            .or(interview_day)
            .unwrap_or(app.today()),
        created_at: now,
        updated_at: now,
        completed_at: None,
        version: 0,
    };
    let prepared = crate::submissions::prepare(
        app,
        actor,
        Answering {
            about: About::Case(case),
            sub: &sub,
            compiled: a.compiled,
            answers: a.answers.clone(),
            interview_date: sub.interview_date,
            expected_version: 0,
            intent: Intent::Submit,
            language,
        },
        HeldFiles::Arriving(a.files.iter().map(|f| f.stored_as.clone()).collect()),
    )
    .await?;
    if !prepared.errors.is_empty() {
        return Ok(Err(Refusal::Invalid(prepared.errors)));
    }
    if let Some(problem) = prepared.score_problem {
        return Ok(Err(Refusal::NotScored(problem)));
    }
    Ok(Ok((sub, prepared)))
}

/// Stores a checked instance: the submission, its files, score and follow-on and the
/// instance id in one transaction.
async fn store_checked(
    app: &App,
    actor: &Actor,
    a: Arrived<'_>,
    sub: Submission,
    prepared: crate::submissions::Prepared,
    storing: Storing,
) -> Result<Result<Received, Refusal>, Error> {
    let now = app.now();
    let receipt = FieldReceipt {
        instance_id: a.instance_id,
        token: a.token,
        submission: NewSubmission {
            id: sub.id,
            form_id: sub.form_id,
            form_version: sub.form_version,
            subject: sub.subject,
            answers: serde_json::to_string(&a.answers).map_err(Error::internal)?,
            interviewer: a.interviewer,
            interview_date: sub.interview_date,
        },
        files: a
            .files
            .into_iter()
            .map(|f| NewSubmissionFile {
                submission: sub.id,
                name: f.stored_as,
                question: f.question,
                media_type: f.media_type,
                size: f.size,
                sha256: f.sha256,
                added_by: actor.user_id,
                added_at: now,
            })
            .collect(),
        completion: prepared.update,
    };
    let audit = AuditContext::by(actor.user_id, now);
    Ok(Ok(match storing {
        Storing::Receipt => match app.store.receive_field_submission(receipt, audit).await? {
            ReceiptOutcome::Stored(id) => Received::Stored(id),
            ReceiptOutcome::AlreadyStored(id) => Received::AlreadyStored(id),
        },
        Storing::AcceptHeld(held) => {
            app.store
                .decide_held(held, HeldDecision::Accept(Box::new(receipt)), audit)
                .await?;
            Received::Stored(sub.id)
        }
    }))
}

/// The case with this number, if the actor may fill forms about it.
async fn own_case(app: &App, actor: &Actor, number: &str) -> Result<Option<CaseRecord>, Error> {
    if number.is_empty() {
        return Ok(None);
    }
    let Some(id) = app.store.case_by_number(number).await? else {
        return Ok(None);
    };
    Ok(fillable(actor, app.store.case(id).await?))
}

/// The case, if the actor may fill forms about it.
fn fillable(actor: &Actor, case: CaseRecord) -> Option<CaseRecord> {
    let allowed = authorize(actor, Action::FillForm, Resource::Case(case.access())).is_ok();
    allowed.then_some(case)
}

/// The day of the interview: the form's `today`, else the day filling started.
fn interview_date(c: &Compiled, answers: &Answers) -> Option<time::Date> {
    c.form.questions.iter().enumerate().find_map(|(i, q)| {
        matches!(q.kind, Kind::Today | Kind::Start)
            .then(|| answers.text(c.key(i)))
            .and_then(forms::expr::datetime)
            .map(|(d, _)| d)
    })
}

/// Keeps the files of a part of an instance until its last part arrives.
pub(super) async fn keep_parts(
    app: &App,
    files: &[(String, Vec<u8>)],
    instance_id: &str,
    token: uuid::Uuid,
) -> Result<(), Error> {
    for (name, bytes) in files {
        let media_type = forms::answer_types::attachment_type(&Kind::File, bytes)
            .map(|t| t.media_type)
            .unwrap_or_else(|_| "application/octet-stream".into());
        let size = bytes.len() as u64;
        let sha256 = app.store.put_file(bytes.clone()).await?;
        app.store
            .add_field_part(
                FieldPart {
                    instance_id: instance_id.to_string(),
                    token,
                    name: name.clone(),
                    media_type,
                    size,
                    sha256,
                },
                app.now(),
            )
            .await?;
    }
    Ok(())
}

/// A file an instance names, checked and in the file store.
#[derive(serde::Serialize, serde::Deserialize)]
pub(super) struct Arriving {
    /// The name the client gave it (the answer as sent).
    sent_as: String,
    /// The name it is kept under (made by the server from its content).
    pub stored_as: String,
    question: String,
    media_type: String,
    size: u64,
    sha256: String,
}

/// The files the answers name, from this post or kept from earlier parts: each must have
/// come, be what its question takes, and keep within the limits.
async fn arriving_files(
    app: &App,
    c: &Compiled,
    answers: &Answers,
    post: &FieldPost,
    instance_id: &str,
) -> Result<Result<Vec<Arriving>, Refusal>, Error> {
    // Relevance only takes answers away: without a file named in what was sent, there is
    // none to fetch, and the form need not be filled to find out.
    if !names_a_file(c, answers) {
        return Ok(Ok(Vec::new()));
    }
    let named = c.file_answers(&c.fill(answers, app.today()));
    if named.is_empty() {
        return Ok(Ok(Vec::new()));
    }
    let kept = app.store.field_parts(instance_id, post.token).await?;
    let mut out: Vec<Arriving> = Vec::new();
    let mut total = 0u64;
    for (path, name) in named {
        let bytes = match post.files.iter().find(|(n, _)| *n == name) {
            Some((_, b)) => b.clone(),
            None => match kept.iter().find(|p| p.name == name) {
                Some(p) => app.store.read_file(&p.sha256).await?,
                None => return Ok(Err(Refusal::File(name, "file-not-attached"))),
            },
        };
        if bytes.len() > crate::attachments::MAX_FILE_BYTES {
            return Ok(Err(Refusal::File(name, "file-too-large")));
        }
        total += bytes.len() as u64;
        if total > crate::attachments::MAX_SUBMISSION_BYTES {
            return Ok(Err(Refusal::File(name, "files-too-large")));
        }
        let key = path.rsplit('/').next().unwrap_or(&path);
        let kind = c
            .index(key)
            .map(|i| c.question(i).kind.clone())
            .unwrap_or(Kind::File);
        let file_type = match forms::answer_types::attachment_type(&kind, &bytes) {
            Ok(t) => t,
            Err(code) => return Ok(Err(Refusal::File(name, code))),
        };
        let size = bytes.len() as u64;
        let sha256 = app.store.put_file(bytes).await?;
        out.push(Arriving {
            sent_as: name,
            stored_as: format!("{}.{}", &sha256[..16], file_type.extension),
            question: path,
            media_type: file_type.media_type,
            size,
            sha256,
        });
    }
    Ok(Ok(out))
}

/// Whether any answer, at any depth, is a file's name.
fn names_a_file(c: &Compiled, answers: &Answers) -> bool {
    answers.0.iter().any(|(key, answer)| match answer {
        Answer::Text(t) => {
            !t.is_empty()
                && c.index(key)
                    .is_some_and(|i| c.question(i).kind.is_attachment())
        }
        Answer::Repeat(items) => items.iter().any(|item| names_a_file(c, item)),
    })
}

/// The answers with each file answer renamed to the name the server keeps the file under.
fn renamed(c: &Compiled, mut answers: Answers, files: &[Arriving]) -> Answers {
    for (key, answer) in answers.0.iter_mut() {
        match answer {
            Answer::Text(t) => {
                let is_file = c
                    .index(key)
                    .is_some_and(|i| c.question(i).kind.is_attachment());
                if let Some(f) = files.iter().find(|f| is_file && f.sent_as == *t) {
                    *t = f.stored_as.clone();
                }
            }
            Answer::Repeat(items) => {
                for item in items.iter_mut() {
                    *item = renamed(c, std::mem::take(item), files);
                }
            }
        }
    }
    answers
}
