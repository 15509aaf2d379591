//! The form library: uploading a form version to try it out, publishing it. Published versions
//! never change; every set of answers records the form id and version it was given with.

use std::collections::HashMap;
use std::sync::Arc;

use domain::authz::{Action, Actor, Resource, authorize};
use forms::model::Form;
use store::{AuditContext, FormOrigin, NewFormVersion};

use crate::{App, Error};

/// How long reading one uploaded workbook may take before it is refused.
pub const READ_BUDGET: std::time::Duration = std::time::Duration::from_secs(10);

/// Workbooks read at once: a burst of uploads waits its turn instead of taking every blocking
/// thread of the server.
static READERS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);

/// Why an uploaded workbook was not taken.
#[derive(Debug)]
pub enum Refusal {
    /// What is wrong with it, every problem found.
    Problems(Vec<String>),
    /// Reading it took longer than [`READ_BUDGET`].
    TooSlow,
    /// It reads well, but this version of the form is already published.
    Published { form_id: String, version: String },
}

/// Reads an uploaded `.xlsx` XLSForm and stores it as a draft version to preview. The file is
/// read off the request threads, one of a few at a time, within a time budget: one hostile
/// file cannot stall the server. Pages and the command line read forms through here.
pub async fn upload_xlsx(
    app: &App,
    actor: &Actor,
    bytes: Vec<u8>,
    file_name: String,
) -> Result<Result<Form, Refusal>, Error> {
    authorize(actor, Action::ManageForms, Resource::Programme)?;
    let form = match read_xlsx(bytes, file_name).await? {
        Ok(form) => form,
        Err(refusal) => return Ok(Err(refusal)),
    };
    match upload(app, actor, &form).await {
        Ok(()) => Ok(Ok(form)),
        Err(e) if e.kind == crate::ErrorKind::Conflict => Ok(Err(Refusal::Published {
            form_id: form.settings.form_id,
            version: form.settings.version,
        })),
        Err(e) => Err(e),
    }
}

/// Reads an `.xlsx` XLSForm on a blocking thread within [`READ_BUDGET`], without storing it.
pub async fn read_xlsx(bytes: Vec<u8>, file_name: String) -> Result<Result<Form, Refusal>, Error> {
    let _turn = READERS.acquire().await.map_err(Error::internal)?;
    let reading = tokio::task::spawn_blocking(move || forms::import_xlsx(&bytes, &file_name));
    Ok(match tokio::time::timeout(READ_BUDGET, reading).await {
        Err(_) => Err(Refusal::TooSlow),
        Ok(joined) => joined
            .map_err(Error::internal)?
            .map_err(|ps| Refusal::Problems(ps.iter().map(ToString::to_string).collect())),
    })
}

/// Stores a form (already read and checked) as a draft version to preview. A version
/// already published is refused as a conflict: publish it under a new version number.
pub async fn upload(app: &App, actor: &Actor, form: &Form) -> Result<(), Error> {
    authorize(actor, Action::ManageForms, Resource::Programme)?;
    let s = &form.settings;
    app.store
        .save_form_draft(
            NewFormVersion {
                form_id: s.form_id.clone(),
                version: s.version.clone(),
                title: s.title.clone(),
                definition: serde_json::to_string(form).map_err(Error::internal)?,
                origin: FormOrigin::Upload,
            },
            AuditContext::by(actor.user_id, app.now()),
        )
        .await?;
    Ok(())
}

/// Publishes a draft version: from now on it can be filled, and it never changes. A version
/// lacking a choice list or table it names is refused: it could not be filled.
pub async fn publish(app: &App, actor: &Actor, form_id: &str, version: &str) -> Result<(), Error> {
    authorize(actor, Action::ManageForms, Resource::Programme)?;
    let v = app.store.form_version(form_id, version).await?;
    if !v.info.published {
        let files = files(app, actor, form_id, version).await?;
        let missing = files.missing_data();
        if !missing.is_empty() {
            let mut e = Error::invalid("files", "form-files-missing");
            e.detail = Some(missing.join(", "));
            return Err(e);
        }
    }
    app.store
        .publish_form(form_id, version, AuditContext::by(actor.user_id, app.now()))
        .await?;
    Ok(())
}

/// The largest file a form version takes (a choice list, a table, a label's image or sound).
pub const MAX_FORM_FILE_BYTES: usize = 10 * 1024 * 1024;

/// The files a form version names and those attached to it.
pub struct VersionFiles {
    /// Every file the form names, and what it does with it.
    pub used: std::collections::BTreeMap<String, forms::external::FileUse>,
    pub attached: Vec<store::FormFile>,
}

impl VersionFiles {
    /// Choice lists and tables the form needs and does not have yet.
    pub fn missing_data(&self) -> Vec<&str> {
        self.used
            .iter()
            .filter(|(name, used)| {
                **used == forms::external::FileUse::Data
                    && !self.attached.iter().any(|f| &f.name == *name)
            })
            .map(|(name, _)| name.as_str())
            .collect()
    }
}

/// The files of a form version, for those who may read forms.
pub async fn files(
    app: &App,
    actor: &Actor,
    form_id: &str,
    version: &str,
) -> Result<VersionFiles, Error> {
    authorize(actor, Action::ReadForms, Resource::Programme)?;
    let v = app.store.form_version(form_id, version).await?;
    let form: Form = serde_json::from_str(&v.definition).map_err(Error::internal)?;
    Ok(VersionFiles {
        used: forms::external::files_used(&form),
        attached: app.store.form_files(form_id, version).await?,
    })
}

/// Attaches a file the form names to a draft version. A choice list or table must read as
/// the form reads it; a label's media must be what its column says (told by its content).
/// The refusal's detail says what is wrong with the file.
pub async fn attach_file(
    app: &App,
    actor: &Actor,
    form_id: &str,
    version: &str,
    name: &str,
    bytes: Vec<u8>,
) -> Result<(), Error> {
    authorize(actor, Action::ManageForms, Resource::Programme)?;
    let v = app.store.form_version(form_id, version).await?;
    if v.info.published {
        return Err(Error::new(crate::ErrorKind::Conflict));
    }
    let form: Form = serde_json::from_str(&v.definition).map_err(Error::internal)?;
    let Some(used) = forms::external::files_used(&form).get(name).copied() else {
        return Err(Error::invalid("file", "form-file-not-named"));
    };
    if bytes.len() > MAX_FORM_FILE_BYTES {
        return Err(Error::invalid("file", "file-too-large"));
    }
    let lower = name.to_ascii_lowercase();
    let media_type = match used {
        forms::external::FileUse::Data => {
            let mut compiled = forms::Compiled::new(form)
                .map_err(|_| Error::internal("a stored form does not compile"))?;
            let files = std::collections::BTreeMap::from([(name.to_string(), bytes.clone())]);
            // Reading a file of up to 10 MB: off the request threads.
            let problems = tokio::task::spawn_blocking(move || compiled.attach_files(&files))
                .await
                .map_err(Error::internal)?;
            if let Some((_, why)) = problems.into_iter().next() {
                let mut e = Error::invalid("file", "form-file-unreadable");
                e.detail = Some(why);
                return Err(e);
            }
            if lower.ends_with(".csv") {
                "text/csv"
            } else if lower.ends_with(".geojson") {
                "application/geo+json"
            } else {
                "application/xml"
            }
            .to_string()
        }
        forms::external::FileUse::Media => {
            let kind = media_kind(&lower);
            forms::answer_types::attachment_type(&kind, &bytes)
                .map_err(|code| Error::invalid("file", code))?
                .media_type
        }
    };
    let size = bytes.len() as u64;
    let sha256 = app.store.put_file(bytes).await?;
    app.store
        .add_form_file(
            store::FormFile {
                form_id: form_id.to_string(),
                version: version.to_string(),
                name: name.to_string(),
                media_type,
                size,
                sha256,
                added_by: actor.user_id,
                added_at: app.now(),
            },
            AuditContext::by(actor.user_id, app.now()),
        )
        .await?;
    Ok(())
}

/// What a label's media file must be, from its name.
fn media_kind(lower_name: &str) -> forms::Kind {
    let ext = lower_name.rsplit('.').next().unwrap_or("");
    match ext {
        "png" | "jpg" | "jpeg" | "gif" | "webp" | "bmp" => forms::Kind::Image,
        "mp3" | "m4a" | "ogg" | "oga" | "wav" | "amr" | "aac" | "flac" => forms::Kind::Audio,
        "mp4" | "webm" | "3gp" | "mov" | "mkv" => forms::Kind::Video,
        _ => forms::Kind::File,
    }
}

/// One file of a form version, with its content, for those who may read forms.
pub async fn open_file(
    app: &App,
    actor: &Actor,
    form_id: &str,
    version: &str,
    name: &str,
) -> Result<(store::FormFile, Vec<u8>), Error> {
    authorize(actor, Action::ReadForms, Resource::Programme)?;
    let file = app
        .store
        .form_files(form_id, version)
        .await?
        .into_iter()
        .find(|f| f.name == name)
        .ok_or_else(|| Error::new(crate::ErrorKind::NotFound))?;
    let bytes = app.store.read_file(&file.sha256).await?;
    Ok((file, bytes))
}

/// Published versions compiled with their files, kept once compiled: a published version and
/// its files never change, so every server holding one holds the same. Drafts are compiled
/// afresh each time (their files may change).
#[derive(Default)]
pub struct CompiledForms {
    compiled: std::sync::Mutex<HashMap<(String, String), Arc<forms::Compiled>>>,
    published: std::sync::Mutex<HashMap<(String, String), Arc<store::FormVersion>>>,
}

/// The most compiled versions kept; past it the cache starts afresh.
const MAX_COMPILED: usize = 256;

/// A stored version compiled with its attached choice lists and tables, as forms are filled.
pub async fn compiled(
    app: &App,
    version: &store::FormVersion,
) -> Result<Arc<forms::Compiled>, Error> {
    let key = (version.info.form_id.clone(), version.info.version.clone());
    if version.info.published
        && let Some(c) = app.compiled_forms.get(&key)
    {
        return Ok(c);
    }
    let c = Arc::new(compile(app, version).await?);
    if version.info.published {
        app.compiled_forms.keep(key, c.clone());
    }
    Ok(c)
}

impl CompiledForms {
    pub(crate) fn get(&self, key: &(String, String)) -> Option<Arc<forms::Compiled>> {
        self.compiled.lock().ok()?.get(key).cloned()
    }
    pub(crate) fn keep(&self, key: (String, String), c: Arc<forms::Compiled>) {
        keep_in(&self.compiled, key, c);
    }
}

fn keep_in<T>(map: &std::sync::Mutex<HashMap<(String, String), T>>, key: (String, String), v: T) {
    if let Ok(mut map) = map.lock() {
        if map.len() >= MAX_COMPILED {
            map.clear();
        }
        map.insert(key, v);
    }
}

/// Every form with a published version, once each (the newest version's title), by title.
pub async fn published_forms(
    app: &App,
    actor: &Actor,
) -> Result<Vec<store::FormVersionInfo>, Error> {
    authorize(actor, Action::ReadForms, Resource::Programme)?;
    let mut forms: Vec<store::FormVersionInfo> = app
        .store
        .form_versions()
        .await?
        .into_iter()
        .filter(|f| f.published)
        .collect();
    forms.sort_by(|a, b| {
        a.form_id
            .cmp(&b.form_id)
            .then(b.uploaded_at.cmp(&a.uploaded_at))
    });
    forms.dedup_by(|a, b| a.form_id == b.form_id);
    forms.sort_by(|a, b| a.title.cmp(&b.title));
    Ok(forms)
}

/// A published version (definition included), kept once read: it never changes. A version
/// that does not exist or is not published is not found.
pub async fn published_version(
    app: &App,
    form_id: &str,
    version: &str,
) -> Result<Arc<store::FormVersion>, Error> {
    let key = (form_id.to_string(), version.to_string());
    let cached = app
        .compiled_forms
        .published
        .lock()
        .ok()
        .and_then(|m| m.get(&key).cloned());
    if let Some(v) = cached {
        return Ok(v);
    }
    let v = app.store.form_version(form_id, version).await?;
    if !v.info.published {
        return Err(Error::new(crate::ErrorKind::NotFound));
    }
    let v = Arc::new(v);
    keep_in(&app.compiled_forms.published, key, v.clone());
    Ok(v)
}

async fn compile(app: &App, version: &store::FormVersion) -> Result<forms::Compiled, Error> {
    let form: Form = serde_json::from_str(&version.definition).map_err(Error::internal)?;
    compile_form(app, form, &version.info.form_id, &version.info.version).await
}

/// A form compiled with the choice lists and tables attached to its stored version.
pub async fn compile_form(
    app: &App,
    form: Form,
    form_id: &str,
    version: &str,
) -> Result<forms::Compiled, Error> {
    let used = forms::external::files_used(&form);
    let mut compiled =
        forms::Compiled::new(form).map_err(|p| Error::internal(format!("{} problems", p.len())))?;
    if used.values().any(|u| *u == forms::external::FileUse::Data) {
        let mut files = std::collections::BTreeMap::new();
        for f in app.store.form_files(form_id, version).await? {
            if used.get(&f.name) == Some(&forms::external::FileUse::Data) {
                files.insert(f.name.clone(), app.store.read_file(&f.sha256).await?);
            }
        }
        compiled = tokio::task::spawn_blocking(move || {
            compiled.attach_files(&files);
            compiled
        })
        .await
        .map_err(Error::internal)?;
    }
    Ok(compiled)
}
