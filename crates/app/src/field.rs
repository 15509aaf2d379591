//! Field collection with OpenRosa clients (ODK Collect, web forms): device accounts, the forms
//! a device may fill, their files and the list of the device user's cases, and the receipt of
//! filled instances. A receipt goes through the same save as a page submission (checks,
//! scoring, what the pathway asks for) and is stored whole, once per instance id.

use domain::authz::{Action, Actor, Resource, authorize};
use domain::consent::{ConsentPurpose, ConsentStatus, consent_status};
use domain::{Role, UserId};
use forms::model::{Kind, Question};
use forms::{Compiled, Form};
use md5::{Digest, Md5};
use store::{ApiToken, CaseRecord, FormVersion, FormVersionInfo, TokenKind, User};

use crate::accounts::By;
use crate::{App, Error, ErrorKind};

mod cases_list;
mod held;
mod receive;
mod sealed;

pub use cases_list::{CASES_FILE, case_list};
pub use held::{accept_held, decline_held, held};
pub(crate) use receive::import_answers;
pub use receive::{FieldPost, Received, Refusal, SubmittedAnswers, receive, submit_answers};
pub use sealed::{Unsealed, decrypt_waiting, decrypt_with, private_key, waiting};

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
pub(crate) async fn device_version(
    app: &App,
    actor: &Actor,
    form_id: &str,
    version: &str,
) -> Result<std::sync::Arc<FormVersion>, Error> {
    authorize(actor, Action::ReadForms, Resource::Programme)?;
    if !is_about_a_case(form_id) {
        return Err(Error::new(ErrorKind::NotFound));
    }
    crate::forms::published_version(app, form_id, version).await
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

/// The device form compiled, as instances from devices are read against it (kept once
/// compiled, as published versions are).
/// Where a version's device form is kept among the compiled forms.
fn device_form_key(form_id: &str, version: &str) -> (String, String) {
    (form_id.to_string(), format!("{version}#device"))
}

pub(crate) async fn device_compiled(
    app: &App,
    v: &FormVersion,
) -> Result<std::sync::Arc<Compiled>, Error> {
    let key = device_form_key(&v.info.form_id, &v.info.version);
    if v.info.published
        && let Some(c) = app.compiled_forms.get(&key)
    {
        return Ok(c);
    }
    let form: Form = serde_json::from_str(&v.definition).map_err(Error::internal)?;
    let form = with_case_question(form);
    let c = std::sync::Arc::new(
        crate::forms::compile_form(app, form, &v.info.form_id, &v.info.version).await?,
    );
    if v.info.published {
        app.compiled_forms.keep(key, c.clone());
    }
    Ok(c)
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
