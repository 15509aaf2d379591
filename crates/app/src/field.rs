//! Field collection with OpenRosa clients (ODK Collect, web forms): device accounts, the forms
//! a device may fill, their files and the list of the device user's cases, and the receipt of
//! filled instances. A receipt goes through the same save as a page submission (checks,
//! scoring, what the pathway asks for) and is stored whole, once per instance id.

use domain::authz::{Action, Actor, Resource, authorize};
use domain::consent::{ConsentPurpose, ConsentStatus, consent_status};
use domain::{Role, UserId};
use forms::model::{Kind, Question};
use forms::xform::instance::{self, InstanceError};
use forms::{Answer, Answers, Compiled, Form};
use md5::{Digest, Md5};
use store::{
    ApiToken, AuditContext, CaseRecord, FieldPart, FieldReceipt, FormVersion, FormVersionInfo,
    NewSubmission, NewSubmissionFile, ReceiptOutcome, Subject, Submission, SubmissionStatus,
    TokenKind, User,
};

use crate::accounts::By;
use crate::submissions::{About, Answering, HeldFiles, Intent};
use crate::{App, Error, ErrorKind};

mod cases_list;

pub use cases_list::{CASES_FILE, case_list};

/// The question a form downloaded to a device starts with: which returnee it is about, picked
/// from the device user's case list ([`CASES_FILE`]).
pub const CASE_QUESTION: &str = "reintegra_case";

/// The forms filled offline are those about a case; the community level is recorded on the
/// pages of its records.
pub fn is_about_a_case(form_id: &str) -> bool {
    !form_id.starts_with("community_")
}

/// Opens a device account for a case manager: a token that opens the OpenRosa paths as them,
/// returned once. The operator opens one for anyone; a user for themselves.
pub async fn create_device(
    app: &App,
    by: By<'_>,
    user: &User,
    name: String,
) -> Result<String, Error> {
    if user.role != Role::CaseManager {
        return Err(Error::invalid("username", "error-device-role"));
    }
    if user.disabled {
        return Err(Error::invalid("username", "error-device-disabled"));
    }
    crate::accounts::issue_token(app, by, user.id, name, TokenKind::Device).await
}

/// The device accounts of the actor.
pub async fn devices(app: &App, actor: &Actor) -> Result<Vec<ApiToken>, Error> {
    Ok(app
        .store
        .api_tokens(actor.user_id)
        .await?
        .into_iter()
        .filter(|t| t.kind == TokenKind::Device)
        .collect())
}

/// A device and its user, from the token in its server address; `None` for a token unknown,
/// revoked, or of a disabled user.
pub async fn device(app: &App, token: &str) -> Result<Option<(uuid::Uuid, User)>, Error> {
    Ok(app
        .store
        .user_by_api_token(
            &crate::accounts::hash_token(token),
            TokenKind::Device,
            app.now(),
        )
        .await?)
}

/// A form offered to a device, with the MD5 of its XForm as OpenRosa lists it.
pub struct DeviceForm {
    pub info: FormVersionInfo,
    pub md5: String,
}

/// The forms the actor may fill offline: the latest published version of each form about a
/// case.
pub async fn device_forms(app: &App, actor: &Actor) -> Result<Vec<DeviceForm>, Error> {
    authorize(actor, Action::ReadForms, Resource::Programme)?;
    if !domain::authz::may_attempt(actor.role, Action::FillForm) {
        return Ok(Vec::new());
    }
    let mut out: Vec<DeviceForm> = Vec::new();
    // Newest first within a form: the first published one met is the one offered.
    for info in app.store.form_versions().await? {
        if !info.published
            || !is_about_a_case(&info.form_id)
            || out.iter().any(|f| f.info.form_id == info.form_id)
        {
            continue;
        }
        let v = app.store.form_version(&info.form_id, &info.version).await?;
        let xform = device_xform_of(app, &v).await?;
        out.push(DeviceForm {
            info,
            md5: md5_hex(xform.as_bytes()),
        });
    }
    Ok(out)
}

/// A published form version about a case, for a device.
async fn device_version(
    app: &App,
    actor: &Actor,
    form_id: &str,
    version: &str,
) -> Result<FormVersion, Error> {
    authorize(actor, Action::ReadForms, Resource::Programme)?;
    let v = app.store.form_version(form_id, version).await?;
    if !v.info.published || !is_about_a_case(form_id) {
        return Err(Error::new(ErrorKind::NotFound));
    }
    Ok(v)
}

/// The XForm a device downloads: the form as published, with the returnee picked first.
pub async fn device_xform(
    app: &App,
    actor: &Actor,
    form_id: &str,
    version: &str,
) -> Result<String, Error> {
    let v = device_version(app, actor, form_id, version).await?;
    device_xform_of(app, &v).await
}

async fn device_xform_of(app: &App, v: &FormVersion) -> Result<String, Error> {
    let compiled = device_compiled(app, v).await?;
    Ok(forms::xform::write(&compiled))
}

/// The form with the returnee question added in front (unless the form asks it itself).
fn with_case_question(mut form: Form) -> Form {
    if form.questions.iter().any(|q| q.name == CASE_QUESTION) {
        return form;
    }
    let mut q = Question::new(Kind::SelectOneFromFile(CASES_FILE.into()), CASE_QUESTION, 0);
    let mut languages = form.languages();
    if languages.is_empty() {
        languages.push(String::new());
    }
    for lang in languages {
        let label = match language_code(&lang) {
            "fr" => "Personne de retour",
            "ar" => "العائد",
            _ => "Returnee",
        };
        q.label.insert(lang, label.into());
    }
    q.required = true;
    form.questions.insert(0, q);
    form
}

/// `fr` from `Français (fr)`; the text itself when it has no code.
fn language_code(language: &str) -> &str {
    language
        .rsplit_once('(')
        .and_then(|(_, rest)| rest.strip_suffix(')'))
        .unwrap_or(language)
}

/// The device form compiled, as instances from devices are read against it.
async fn device_compiled(app: &App, v: &FormVersion) -> Result<Compiled, Error> {
    let form: Form = serde_json::from_str(&v.definition).map_err(Error::internal)?;
    let with_case = FormVersion {
        definition: serde_json::to_string(&with_case_question(form)).map_err(Error::internal)?,
        info: v.info.clone(),
    };
    crate::forms::compiled(app, &with_case).await
}

/// A file a device downloads with a form.
pub struct MediaFile {
    pub name: String,
    pub md5: String,
}

/// The files of a form for a device: those attached to the version, and the device user's
/// case list.
pub async fn manifest(
    app: &App,
    actor: &Actor,
    form_id: &str,
    version: &str,
) -> Result<Vec<MediaFile>, Error> {
    device_version(app, actor, form_id, version).await?;
    let mut out = vec![MediaFile {
        name: CASES_FILE.into(),
        md5: md5_hex(case_list(app, actor).await?.as_bytes()),
    }];
    for f in app.store.form_files(form_id, version).await? {
        if f.name == CASES_FILE {
            continue;
        }
        let bytes = app.store.read_file(&f.sha256).await?;
        out.push(MediaFile {
            name: f.name,
            md5: md5_hex(&bytes),
        });
    }
    Ok(out)
}

/// One file of a form for a device, with its media type.
pub async fn media_file(
    app: &App,
    actor: &Actor,
    form_id: &str,
    version: &str,
    name: &str,
) -> Result<(String, Vec<u8>), Error> {
    device_version(app, actor, form_id, version).await?;
    if name == CASES_FILE {
        return Ok(("text/csv".into(), case_list(app, actor).await?.into_bytes()));
    }
    let (file, bytes) = crate::forms::open_file(app, actor, form_id, version, name).await?;
    Ok((file.media_type, bytes))
}

pub fn md5_hex(bytes: &[u8]) -> String {
    Md5::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

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
}

/// Receives one post of a field client. Refusals store nothing; a stored instance went
/// through the same save as a page submission, in one transaction with its files.
pub async fn receive(
    app: &App,
    actor: &Actor,
    mut post: FieldPost,
    language: &str,
) -> Result<Result<Received, Refusal>, Error> {
    let xml = std::sync::Arc::new(std::mem::take(&mut post.xml));
    let header = {
        let xml = xml.clone();
        tokio::task::spawn_blocking(move || instance::header(&xml))
            .await
            .map_err(Error::internal)?
    };
    let header = match header {
        Ok(h) => h,
        Err(e) => return Ok(Err(Refusal::Unreadable(e))),
    };
    let version = match device_version(app, actor, &header.form_id, &header.version).await {
        Ok(v) => v,
        Err(e) if e.kind == ErrorKind::NotFound => return Ok(Err(Refusal::UnknownForm)),
        Err(e) => return Err(e),
    };
    let device_form = std::sync::Arc::new(device_compiled(app, &version).await?);
    let read = {
        let (c, xml) = (device_form.clone(), xml.clone());
        tokio::task::spawn_blocking(move || instance::read(&c, &xml))
            .await
            .map_err(Error::internal)?
    };
    let mut read = match read {
        Ok(r) => r,
        Err(e) => return Ok(Err(Refusal::Unreadable(e))),
    };
    if let Some(id) = app.store.field_instance(&read.instance_id).await? {
        return Ok(Ok(Received::AlreadyStored(id)));
    }
    if post.incomplete {
        keep_parts(app, &post.files, &read.instance_id, post.token).await?;
        return Ok(Ok(Received::PartKept));
    }
    // The returnee: one of the actor's cases, or the instance is refused.
    let number = read.answers.text(CASE_QUESTION).to_string();
    read.answers.0.remove(CASE_QUESTION);
    let Some(case) = own_case(app, actor, &number).await? else {
        return Ok(Err(Refusal::NotYourCase));
    };
    let compiled = crate::forms::compiled(app, &version).await?;
    let files =
        match arriving_files(app, &compiled, &read.answers, &post, &read.instance_id).await? {
            Ok(f) => f,
            Err(refusal) => return Ok(Err(refusal)),
        };
    let now = app.now();
    let sub = Submission {
        id: uuid::Uuid::new_v4(),
        form_id: version.info.form_id.clone(),
        form_version: version.info.version.clone(),
        form_title: version.info.title.clone(),
        subject: Subject::Case(case.id),
        status: SubmissionStatus::Draft,
        answers: String::new(),
        interviewer: actor.user_id,
        interviewer_name: String::new(),
        interview_date: interview_date(&compiled, &read.answers).unwrap_or(app.today()),
        created_at: now,
        updated_at: now,
        completed_at: None,
        version: 0,
    };
    let answers = renamed(&compiled, read.answers, &files);
    let prepared = crate::submissions::prepare(
        app,
        actor,
        Answering {
            about: About::Case(&case),
            sub: &sub,
            compiled: &compiled,
            answers: answers.clone(),
            interview_date: sub.interview_date,
            expected_version: 0,
            intent: Intent::Submit,
            language,
        },
        HeldFiles::Arriving(files.iter().map(|f| f.stored_as.clone()).collect()),
    )
    .await?;
    if !prepared.errors.is_empty() {
        return Ok(Err(Refusal::Invalid(prepared.errors)));
    }
    if let Some(problem) = prepared.score_problem {
        return Ok(Err(Refusal::NotScored(problem)));
    }
    let receipt = FieldReceipt {
        instance_id: read.instance_id,
        token: post.token,
        submission: NewSubmission {
            id: sub.id,
            form_id: sub.form_id,
            form_version: sub.form_version,
            subject: sub.subject,
            answers: serde_json::to_string(&answers).map_err(Error::internal)?,
            interviewer: actor.user_id,
            interview_date: sub.interview_date,
        },
        files: files
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
    Ok(Ok(
        match app
            .store
            .receive_field_submission(receipt, AuditContext::by(actor.user_id, now))
            .await?
        {
            ReceiptOutcome::Stored(id) => Received::Stored(id),
            ReceiptOutcome::AlreadyStored(id) => Received::AlreadyStored(id),
        },
    ))
}

/// The case with this number, if the actor may fill forms about it.
async fn own_case(app: &App, actor: &Actor, number: &str) -> Result<Option<CaseRecord>, Error> {
    if number.is_empty() {
        return Ok(None);
    }
    let Some(id) = app.store.case_by_number(number).await? else {
        return Ok(None);
    };
    let case = app.store.case(id).await?;
    let allowed = authorize(actor, Action::FillForm, Resource::Case(case.access())).is_ok();
    Ok(allowed.then_some(case))
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
async fn keep_parts(
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
struct Arriving {
    /// The name the client gave it (the answer as sent).
    sent_as: String,
    /// The name it is kept under (made by the server from its content).
    stored_as: String,
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

/// Whether the case has consent on record for case management.
fn consents_to_case_management(consents: &[store::ConsentEntry]) -> bool {
    let records: Vec<_> = consents.iter().map(|c| c.record.clone()).collect();
    matches!(
        consent_status(&records, ConsentPurpose::CaseManagement),
        ConsentStatus::Given { .. }
    )
}

/// The user's own cases (for the list devices download).
async fn own_cases(app: &App, user: UserId) -> Result<Vec<CaseRecord>, Error> {
    let mut out = Vec::new();
    for summary in app.store.open_cases_of(user).await? {
        out.push(app.store.case(summary.id).await?);
    }
    Ok(out)
}

/// What ODK Collect scans to set up a project: its settings as JSON, compressed with zlib and
/// base64-encoded. The server address carries the device token; no password is needed.
pub fn collect_settings(server_url: &str, device_name: &str) -> String {
    use base64::Engine as _;
    use std::io::Write as _;
    let settings = serde_json::json!({
        "general": { "server_url": server_url, "username": "", "password": "" },
        "admin": {},
        "project": { "name": format!("Reintegra · {device_name}"), "icon": "R", "color": "#1d4f73" },
    });
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    // Writing to a Vec cannot fail.
    let _ = z.write_all(settings.to_string().as_bytes());
    let compressed = z.finish().unwrap_or_default();
    base64::engine::general_purpose::STANDARD.encode(compressed)
}
