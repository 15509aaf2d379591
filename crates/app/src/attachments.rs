//! Files given as answers (photos, recordings, documents): attached to a draft by someone who
//! may fill it, opened by someone who may read it. The content goes to the file store, beside
//! the database; every attachment and every opening is audited.

use domain::audit::{AuditAction, FieldChange};
use domain::authz::Action;
use forms::{Compiled, Form};
use store::{AuditContext, NewSubmissionFile, SubmissionFile, SubmissionStatus};

use crate::{App, Error, ErrorKind};

/// The largest file one answer takes.
pub const MAX_FILE_BYTES: usize = 10 * 1024 * 1024;
/// The most all the files of one submission may weigh together.
pub const MAX_SUBMISSION_BYTES: u64 = 50 * 1024 * 1024;

/// Attaches `bytes` as the answer to the question at `path` (`photo`, `household/0/photo`) of
/// a draft about a case. Returns the name the answer takes. The content is checked (its type
/// told by its bytes, not its name) and the limits kept before anything is stored.
pub async fn attach(
    app: &App,
    actor: &domain::authz::Actor,
    case_id: &str,
    submission_id: &str,
    path: &str,
    bytes: Vec<u8>,
) -> Result<String, Error> {
    let (_, sub, version, _) =
        crate::submissions::of_case(app, actor, case_id, submission_id, Action::FillForm).await?;
    if sub.status != SubmissionStatus::Draft {
        return Err(Error::new(ErrorKind::Conflict));
    }
    let form: Form = serde_json::from_str(&version.definition).map_err(Error::internal)?;
    let compiled =
        Compiled::new(form).map_err(|_| Error::internal("a stored form does not compile"))?;
    let key = path.rsplit('/').next().unwrap_or(path);
    let question = compiled
        .index(key)
        .map(|i| compiled.question(i))
        .filter(|q| q.kind.is_attachment())
        .ok_or_else(|| Error::invalid(path, "file-not-taken"))?;
    if bytes.is_empty() {
        return Err(Error::invalid(path, "file-empty"));
    }
    if bytes.len() > MAX_FILE_BYTES {
        return Err(Error::invalid(path, "file-too-large"));
    }
    let held: u64 = app
        .store
        .submission_files(sub.id)
        .await?
        .iter()
        .map(|f| f.size)
        .sum();
    if held + bytes.len() as u64 > MAX_SUBMISSION_BYTES {
        return Err(Error::invalid(path, "files-too-large"));
    }
    let kind = forms::answer_types::attachment_type(&question.kind, &bytes)
        .map_err(|code| Error::invalid(path, code))?;
    let size = bytes.len() as u64;
    let sha256 = app.store.put_file(bytes).await?;
    let name = format!("{}.{}", &sha256[..16], kind.extension);
    app.store
        .add_submission_file(
            NewSubmissionFile {
                submission: sub.id,
                name: name.clone(),
                question: path.to_string(),
                media_type: kind.media_type,
                size,
                sha256,
                added_by: actor.user_id,
                added_at: app.now(),
            },
            AuditContext::by(actor.user_id, app.now()),
        )
        .await?;
    Ok(name)
}

/// The files of a submission about a case, for someone who may read the case.
pub async fn of_submission(
    app: &App,
    actor: &domain::authz::Actor,
    case_id: &str,
    submission_id: &str,
) -> Result<Vec<SubmissionFile>, Error> {
    let (_, sub, _, _) =
        crate::submissions::of_case(app, actor, case_id, submission_id, Action::ReadCase).await?;
    Ok(app.store.submission_files(sub.id).await?)
}

/// One file of a submission about a case, with its content, for someone who may read the
/// case. The opening is audited.
pub async fn open(
    app: &App,
    actor: &domain::authz::Actor,
    case_id: &str,
    submission_id: &str,
    name: &str,
) -> Result<(SubmissionFile, Vec<u8>), Error> {
    let (_, sub, _, _) =
        crate::submissions::of_case(app, actor, case_id, submission_id, Action::ReadCase).await?;
    let file = app
        .store
        .submission_files(sub.id)
        .await?
        .into_iter()
        .find(|f| f.name == name)
        .ok_or_else(|| Error::new(ErrorKind::NotFound))?;
    let bytes = app.store.read_file(&file.sha256).await?;
    app.store
        .append_audit(AuditContext::by(actor.user_id, app.now()).entry(
            AuditAction::View,
            "submission",
            sub.id.to_string(),
            vec![FieldChange {
                field: format!("file {}", file.question),
                before: None,
                after: Some(file.name.clone()),
            }],
        ))
        .await?;
    Ok((file, bytes))
}
