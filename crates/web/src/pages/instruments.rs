//! Forms: the library of instruments (upload, preview, publish, export) and filling them for a
//! case (drafts, live relevance over htmx, validation on submit).
//!
//! All the rules (relevance, calculations, constraints) run in the `forms` crate on the server;
//! this module turns posted fields into answers and answers into HTML.

use std::collections::BTreeMap;

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use domain::authz::{Action, Resource, authorize};
use forms::{Answer, Answers, Compiled, Form, Item, Kind, Position, path_of, pick};
use serde::Deserialize;
use store::{
    AuditContext, CaseRecord, FormOrigin, NewFormVersion, NewSubmission, Subject, Submission,
    SubmissionStatus, SubmissionUpdate,
};
use time::{Date, OffsetDateTime};

use super::{Chrome, CsrfForm, render, render_status, today};
use crate::AppState;
use crate::auth::{Caller, SignedIn, same_secret};
use crate::error::{AppError, ErrorKind};
use crate::i18n::Tr;
use app::cases::{audit_view, authorized_case};

/// The address of a form version. Ids and versions may hold spaces and other characters that
/// must be escaped in a path.
pub fn version_path(form_id: &str, version: &str) -> String {
    fn segment(s: &str) -> String {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect()
    }
    format!("/forms/{}/{}", segment(form_id), segment(version))
}

fn definition(form: &Form) -> Result<String, AppError> {
    serde_json::to_string(form).map_err(|e| AppError::internal(e.to_string()))
}

/// Reads a stored definition back. A stored form always compiled when it was saved.
pub(crate) fn compile(json: &str) -> Result<Compiled, AppError> {
    let form: Form =
        serde_json::from_str(json).map_err(|e| AppError::internal(format!("stored form: {e}")))?;
    Compiled::new(form)
        .map_err(|p| AppError::internal(format!("stored form: {} problems", p.len())))
}

/// The language to show a form in: the reader's, when the form has it.
pub(crate) fn form_language(tr: &Tr, form: &Form) -> String {
    let langs = form.languages();
    langs
        .iter()
        .find(|l| {
            l.to_ascii_lowercase().contains(&format!("({})", tr.lang()))
                || l.eq_ignore_ascii_case(tr.lang())
        })
        .or(form.settings.default_language.as_ref())
        .or(langs.first())
        .cloned()
        .unwrap_or_default()
}

// ---------------------------------------------------------------------------------------------
// Rendering a form

pub struct ChoiceView {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// One question as the template draws it.
pub struct QuestionView {
    /// text, number, decimal, date, radio, checkboxes, acknowledge, note, computed
    pub kind: &'static str,
    pub name: String,
    pub id: String,
    pub label: String,
    pub hint: String,
    pub value: String,
    pub required: bool,
    pub read_only: bool,
    pub error: String,
    pub choices: Vec<ChoiceView>,
    /// Keep the control the user is working in untouched when htmx swaps the form in again
    /// (`hx-preserve`), so nothing typed while a request was under way is overwritten. Off for
    /// selects whose choices depend on other answers: those must be redrawn.
    pub preserve: bool,
}

/// The form as a flat list of things to draw, so the template needs no recursion.
pub enum Piece {
    GroupStart {
        legend: String,
        hint: String,
    },
    GroupEnd,
    RepeatStart {
        legend: String,
        count_name: String,
        count: usize,
    },
    InstanceStart {
        legend: String,
        remove: String,
    },
    InstanceEnd,
    RepeatEnd {
        add: String,
        add_label: String,
    },
    Question(QuestionView),
}

struct Drawing<'a> {
    c: &'a Compiled,
    filled: &'a forms::Filled,
    errors: &'a BTreeMap<String, String>,
    lang: String,
    tr: &'a Tr,
    today: Date,
    editable: bool,
    out: Vec<Piece>,
}

impl Drawing<'_> {
    fn text(&self, t: &forms::Text) -> String {
        pick(
            t,
            &self.lang,
            self.c.form.settings.default_language.as_deref(),
        )
        .to_string()
    }

    /// Fills `${name}` references in labels and notes with the current answers.
    fn interpolate(&self, s: &str, pos: &Position) -> String {
        if !s.contains("${") {
            return s.to_string();
        }
        let mut out = String::new();
        let mut rest = s;
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            match after.find('}') {
                Some(end) => {
                    let name = after[..end].trim();
                    out.push_str(&self.value_of(name, pos));
                    rest = &after[end + 1..];
                }
                None => {
                    out.push_str(&rest[start..]);
                    rest = "";
                }
            }
        }
        out.push_str(rest);
        out
    }

    fn value_of(&self, name: &str, pos: &Position) -> String {
        self.c.text_of(&self.filled.answers, pos, name)
    }

    fn answers_at(&self, pos: &Position) -> &Answers {
        self.c.answers_at(&self.filled.answers, pos)
    }

    fn draw(&mut self, items: &[Item], pos: &Position) {
        for item in items {
            match item {
                Item::Group(g, children) => {
                    if !self.filled.shown.contains(&path_of(self.c, pos, *g)) {
                        continue;
                    }
                    let q = self.c.question(*g);
                    self.out.push(Piece::GroupStart {
                        legend: self.interpolate(&self.text(&q.label), pos),
                        hint: self.text(&q.hint),
                    });
                    self.draw(children, pos);
                    self.out.push(Piece::GroupEnd);
                }
                Item::Repeat(r, children) => {
                    let path = path_of(self.c, pos, *r);
                    if !self.filled.shown.contains(&path) {
                        continue;
                    }
                    let q = self.c.question(*r);
                    let legend = self.text(&q.label);
                    let count = self.answers_at(pos).instances(&q.name).len();
                    self.out.push(Piece::RepeatStart {
                        legend: legend.clone(),
                        count_name: format!("n:{path}"),
                        count,
                    });
                    for n in 0..count {
                        let mut inner = pos.clone();
                        inner.repeats.push((*r, n));
                        self.out.push(Piece::InstanceStart {
                            legend: self.tr.t2("form-repeat-item", "what", &legend, "n", n + 1),
                            remove: if self.editable {
                                format!("remove:{path}/{n}")
                            } else {
                                String::new()
                            },
                        });
                        self.draw(children, &inner);
                        self.out.push(Piece::InstanceEnd);
                    }
                    self.out.push(Piece::RepeatEnd {
                        add: if self.editable {
                            format!("add:{path}")
                        } else {
                            String::new()
                        },
                        add_label: self.tr.t1("form-repeat-add", "what", &legend),
                    });
                }
                Item::Field(f) => {
                    let path = path_of(self.c, pos, *f);
                    if !self.filled.shown.contains(&path) {
                        continue;
                    }
                    let q = self.c.question(*f);
                    if let Some(view) = self.question(*f, q, &path, pos) {
                        self.out.push(Piece::Question(view));
                    }
                }
            }
        }
    }

    fn question(
        &self,
        f: usize,
        q: &forms::Question,
        path: &str,
        pos: &Position,
    ) -> Option<QuestionView> {
        let value = self.answers_at(pos).text(&q.name).to_string();
        let kind = match &q.kind {
            Kind::Text => "text",
            Kind::Integer => "number",
            Kind::Decimal => "decimal",
            Kind::Date => "date",
            Kind::SelectOne(_) => "radio",
            Kind::SelectMultiple(_) => "checkboxes",
            Kind::Acknowledge => "acknowledge",
            Kind::Note => "note",
            // A calculation is shown only when the author gave it a label.
            Kind::Calculate if !q.label.is_empty() => "computed",
            _ => return None,
        };
        let selected: Vec<&str> = value.split_whitespace().collect();
        let choices = if q.kind.list().is_some() {
            self.c
                .choices_for(f, &self.filled.answers, pos, self.today)
                .into_iter()
                .map(|ch| ChoiceView {
                    value: ch.name.clone(),
                    label: self.text(&ch.label),
                    selected: selected.contains(&ch.name.as_str()),
                })
                .collect()
        } else {
            Vec::new()
        };
        Some(QuestionView {
            kind,
            name: format!("a:{path}"),
            id: format!("q-{}", path.replace('/', "-")),
            label: self.interpolate(&self.text(&q.label), pos),
            hint: self.interpolate(&self.text(&q.hint), pos),
            value,
            required: q.required,
            read_only: q.read_only || !self.editable,
            error: self.errors.get(path).cloned().unwrap_or_default(),
            choices,
            preserve: self.editable && q.choice_filter.is_none(),
        })
    }
}

/// Draws a form in its current state.
pub fn draw(
    c: &Compiled,
    filled: &forms::Filled,
    errors: &BTreeMap<String, String>,
    tr: &Tr,
    editable: bool,
) -> Vec<Piece> {
    let mut d = Drawing {
        c,
        filled,
        errors,
        lang: form_language(tr, &c.form),
        tr,
        today: today(),
        editable,
        out: Vec::new(),
    };
    d.draw(&c.items, &Position::default());
    d.out
}

// ---------------------------------------------------------------------------------------------
// Reading posted answers

/// Turns posted fields into answers. Answers are posted as `a:<path>`, repeat sizes as
/// `n:<path>`; a path inside a repeat is `repeat/instance/name`.
pub fn answers_from_post(c: &Compiled, fields: &[(String, String)]) -> Answers {
    let mut answers = Answers::default();
    // Repeat sizes first, outermost first, so that every instance exists before its fields.
    let mut counts: Vec<(&str, usize)> = fields
        .iter()
        .filter_map(|(k, v)| Some((k.strip_prefix("n:")?, v.trim().parse::<usize>().ok()?)))
        .collect();
    counts.sort_by_key(|(p, _)| p.matches('/').count());
    for (path, n) in counts {
        let n = n.min(200);
        let segments: Vec<&str> = path.split('/').collect();
        if let Some(target) = container(&mut answers, &segments[..segments.len() - 1]) {
            let name = segments[segments.len() - 1];
            if c.index(name)
                .is_some_and(|i| c.question(i).kind == Kind::BeginRepeat)
            {
                target.0.insert(
                    name.to_string(),
                    Answer::Repeat(vec![Answers::default(); n]),
                );
            }
        }
    }
    let mut multi: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (k, v) in fields {
        let Some(path) = k.strip_prefix("a:") else {
            continue;
        };
        let segments: Vec<&str> = path.split('/').collect();
        let name = segments[segments.len() - 1];
        let Some(i) = c.index(name) else {
            continue;
        };
        if !c.question(i).kind.is_answerable() {
            continue;
        }
        if matches!(c.question(i).kind, Kind::SelectMultiple(_)) {
            multi
                .entry(path.to_string())
                .or_default()
                .push(v.trim().to_string());
            continue;
        }
        if let Some(target) = container(&mut answers, &segments[..segments.len() - 1]) {
            target.set(name, v.trim().to_string());
        }
    }
    for (path, values) in multi {
        let segments: Vec<&str> = path.split('/').collect();
        let name = segments[segments.len() - 1];
        if let Some(target) = container(&mut answers, &segments[..segments.len() - 1]) {
            let v: Vec<String> = values.into_iter().filter(|v| !v.is_empty()).collect();
            target.set(name, v.join(" "));
        }
    }
    answers
}

/// The answers object a path's parent segments lead to (`household/1` → the second member).
fn container<'a>(answers: &'a mut Answers, segments: &[&str]) -> Option<&'a mut Answers> {
    let mut cur = answers;
    for pair in segments.chunks(2) {
        let [name, idx] = pair else {
            return None;
        };
        let idx: usize = idx.parse().ok()?;
        cur = match cur.0.get_mut(*name) {
            Some(Answer::Repeat(v)) => v.get_mut(idx)?,
            _ => return None,
        };
    }
    Some(cur)
}

/// Adds or removes a repeat instance, as the `_action` of a post asks.
pub(crate) fn apply_action(c: &Compiled, answers: &mut Answers, action: &str) {
    if let Some(path) = action.strip_prefix("add:") {
        let segments: Vec<&str> = path.split('/').collect();
        let name = segments[segments.len() - 1];
        let Some(r) = c.index(name) else { return };
        let fresh = c.blank_instance(r, today());
        if let Some(target) = container(answers, &segments[..segments.len() - 1]) {
            match target.0.get_mut(name) {
                Some(Answer::Repeat(v)) if v.len() < 200 => v.push(fresh),
                Some(Answer::Repeat(_)) => {}
                _ => {
                    target
                        .0
                        .insert(name.to_string(), Answer::Repeat(vec![fresh]));
                }
            }
        }
    } else if let Some(path) = action.strip_prefix("remove:") {
        let segments: Vec<&str> = path.split('/').collect();
        if segments.len() < 2 {
            return;
        }
        let Ok(idx) = segments[segments.len() - 1].parse::<usize>() else {
            return;
        };
        let name = segments[segments.len() - 2];
        if let Some(target) = container(answers, &segments[..segments.len() - 2])
            && let Some(Answer::Repeat(v)) = target.0.get_mut(name)
            && idx < v.len()
        {
            v.remove(idx);
        }
    }
}

/// The posted fields, in order, with the CSRF token checked.
pub(crate) fn posted_fields(
    caller: &Caller,
    body: &Bytes,
) -> Result<Vec<(String, String)>, AppError> {
    let fields: Vec<(String, String)> = serde_html_form::from_bytes(body)
        .map_err(|e| AppError::with_detail(ErrorKind::BadRequest, e.to_string()))?;
    let sent = fields
        .iter()
        .find(|(k, _)| k == "_csrf")
        .map(|(_, v)| v.as_str())
        .unwrap_or("");
    let expected = caller.csrf();
    if expected.is_empty() || !same_secret(sent, expected) {
        return Err(AppError::new(ErrorKind::Csrf));
    }
    Ok(fields)
}

pub(crate) fn field<'a>(fields: &'a [(String, String)], name: &str) -> &'a str {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or("")
}

pub(crate) fn is_htmx(headers: &HeaderMap) -> bool {
    headers.get("hx-request").is_some()
}

// ---------------------------------------------------------------------------------------------
// The form library

pub struct VersionRow {
    pub href: String,
    pub form_id: String,
    pub version: String,
    pub title: String,
    pub published: bool,
    pub origin: String,
    pub when: String,
    pub who: String,
}

#[derive(Template)]
#[template(path = "forms_list.html")]
pub struct FormsListPage {
    pub c: Chrome,
    pub rows: Vec<VersionRow>,
    pub can_manage: bool,
    pub problems: Vec<String>,
    pub file_name: String,
}

async fn library_page(
    state: &AppState,
    tr: &Tr,
    caller: &Caller,
    problems: Vec<String>,
    file_name: String,
) -> Result<FormsListPage, AppError> {
    let actor = caller.actor();
    let rows = state
        .store
        .form_versions()
        .await?
        .into_iter()
        .map(|v| VersionRow {
            when: v.published_at.unwrap_or(v.uploaded_at).date().to_string(),
            who: v
                .published_by
                .clone()
                .or(v.uploaded_by.clone())
                .unwrap_or_else(|| tr.t("form-origin-shipped")),
            origin: tr.t(match v.origin {
                FormOrigin::Shipped => "form-origin-shipped",
                FormOrigin::Upload => "form-origin-upload",
            }),
            href: version_path(&v.form_id, &v.version),
            form_id: v.form_id,
            version: v.version,
            title: v.title,
            published: v.published,
        })
        .collect();
    Ok(FormsListPage {
        c: Chrome::new(state, tr.clone(), Some(caller)),
        rows,
        can_manage: authorize(&actor, Action::ManageForms, Resource::Programme).is_ok(),
        problems,
        file_name,
    })
}

pub async fn list(
    State(state): State<AppState>,
    tr: Tr,
    SignedIn(caller): SignedIn,
) -> Result<Response, AppError> {
    authorize(&caller.actor(), Action::ReadForms, Resource::Programme)?;
    render(&library_page(&state, &tr, &caller, Vec::new(), String::new()).await?)
}

/// Takes an XLSForm upload: a valid form is kept as an unpublished version and shown for
/// preview; an invalid one is refused with every problem, naming sheet, row and column.
pub async fn upload(
    State(state): State<AppState>,
    tr: Tr,
    SignedIn(caller): SignedIn,
    mut multipart: Multipart,
) -> Result<Response, AppError> {
    let actor = caller.actor();
    authorize(&actor, Action::ManageForms, Resource::Programme)?;
    let mut csrf = String::new();
    let mut file: Option<(String, Bytes)> = None;
    let read = async {
        while let Some(part) = multipart.next_field().await? {
            match part.name() {
                Some("_csrf") => csrf = part.text().await?,
                Some("file") => {
                    let name = part.file_name().unwrap_or("form.xlsx").to_string();
                    file = Some((name, part.bytes().await?));
                }
                _ => {}
            }
        }
        Ok::<(), axum::extract::multipart::MultipartError>(())
    }
    .await;
    let (state_ref, tr_ref, caller_ref) = (&state, &tr, &caller);
    let refuse = |status: StatusCode, problems: Vec<String>, name: String| async move {
        let page = library_page(state_ref, tr_ref, caller_ref, problems, name).await?;
        render_status(status, &page)
    };
    match read {
        Ok(()) => {}
        Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            let limit = ::forms::xlsx::MAX_FILE_BYTES / 1024 / 1024;
            return refuse(
                StatusCode::PAYLOAD_TOO_LARGE,
                vec![tr.t1("form-upload-too-large", "mb", limit)],
                String::new(),
            )
            .await;
        }
        Err(e) => return Err(AppError::with_detail(ErrorKind::BadRequest, e.body_text())),
    }
    if !same_secret(&csrf, caller.csrf()) || csrf.is_empty() {
        return Err(AppError::new(ErrorKind::Csrf));
    }
    let unprocessable = StatusCode::UNPROCESSABLE_ENTITY;
    let Some((name, bytes)) = file.filter(|(_, b)| !b.is_empty()) else {
        return refuse(unprocessable, vec![tr.t("form-upload-none")], String::new()).await;
    };
    let form = match forms::import_xlsx(&bytes, &name) {
        Ok(f) => f,
        Err(problems) => {
            let problems = problems.iter().map(ToString::to_string).collect();
            return refuse(unprocessable, problems, name).await;
        }
    };
    let s = &form.settings;
    let saved = state
        .store
        .save_form_draft(
            NewFormVersion {
                form_id: s.form_id.clone(),
                version: s.version.clone(),
                title: s.title.clone(),
                definition: definition(&form)?,
                origin: FormOrigin::Upload,
            },
            AuditContext::by(actor.user_id, OffsetDateTime::now_utc()),
        )
        .await;
    match saved {
        Ok(()) => Ok(Redirect::to(&version_path(&s.form_id, &s.version)).into_response()),
        Err(store::StoreError::Conflict) => {
            let why = tr.t2(
                "form-version-published",
                "id",
                &s.form_id,
                "version",
                &s.version,
            );
            refuse(unprocessable, vec![why], name).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "form_preview.html")]
pub struct PreviewPage {
    pub c: Chrome,
    pub form_id: String,
    pub version: String,
    pub title: String,
    pub published: bool,
    pub questions: usize,
    pub languages: String,
    pub can_publish: bool,
    pub pieces: Vec<Piece>,
    /// The version's address; its actions hang below it.
    pub base: String,
}

async fn preview_page(
    state: &AppState,
    tr: &Tr,
    caller: &Caller,
    form_id: &str,
    version: &str,
    answers: &Answers,
) -> Result<PreviewPage, AppError> {
    let v = state.store.form_version(form_id, version).await?;
    let c = compile(&v.definition)?;
    let filled = c.fill(answers, today());
    let summary = c.form.summary();
    Ok(PreviewPage {
        c: Chrome::new(state, tr.clone(), Some(caller)),
        pieces: draw(&c, &filled, &BTreeMap::new(), tr, true),
        form_id: v.info.form_id,
        version: v.info.version,
        title: v.info.title,
        published: v.info.published,
        questions: summary.questions,
        languages: summary.languages.join(", "),
        can_publish: !v.info.published
            && authorize(&caller.actor(), Action::ManageForms, Resource::Programme).is_ok(),
        base: version_path(form_id, version),
    })
}

pub async fn preview(
    State(state): State<AppState>,
    tr: Tr,
    SignedIn(caller): SignedIn,
    Path((form_id, version)): Path<(String, String)>,
) -> Result<Response, AppError> {
    authorize(&caller.actor(), Action::ReadForms, Resource::Programme)?;
    let v = state.store.form_version(&form_id, &version).await?;
    let blank = compile(&v.definition)?.blank(today());
    render(&preview_page(&state, &tr, &caller, &form_id, &version, &blank).await?)
}

/// Trying a form out: re-evaluates the preview with what was typed; nothing is stored.
pub async fn preview_try(
    State(state): State<AppState>,
    tr: Tr,
    headers: HeaderMap,
    SignedIn(caller): SignedIn,
    Path((form_id, version)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, AppError> {
    authorize(&caller.actor(), Action::ReadForms, Resource::Programme)?;
    let fields = posted_fields(&caller, &body)?;
    let v = state.store.form_version(&form_id, &version).await?;
    let c = compile(&v.definition)?;
    let mut answers = answers_from_post(&c, &fields);
    apply_action(&c, &mut answers, field(&fields, "_action"));
    let page = preview_page(&state, &tr, &caller, &form_id, &version, &answers).await?;
    if is_htmx(&headers) {
        return render(&FormBody {
            c: page.c,
            pieces: page.pieces,
        });
    }
    render(&page)
}

pub async fn publish(
    State(state): State<AppState>,
    Path((form_id, version)): Path<(String, String)>,
    CsrfForm { caller, .. }: CsrfForm<super::account::Empty>,
) -> Result<Response, AppError> {
    let actor = caller.actor();
    authorize(&actor, Action::ManageForms, Resource::Programme)?;
    state
        .store
        .publish_form(
            &form_id,
            &version,
            AuditContext::by(actor.user_id, OffsetDateTime::now_utc()),
        )
        .await?;
    Ok(Redirect::to(&version_path(&form_id, &version)).into_response())
}

pub async fn export(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Path((form_id, version)): Path<(String, String)>,
) -> Result<Response, AppError> {
    authorize(&caller.actor(), Action::ReadForms, Resource::Programme)?;
    let v = state.store.form_version(&form_id, &version).await?;
    let form: Form = serde_json::from_str(&v.definition)
        .map_err(|e| AppError::internal(format!("stored form: {e}")))?;
    let bytes = forms::export_xlsx(&form).map_err(AppError::internal)?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"{}-{}.xlsx\"",
                    v.info.form_id,
                    v.info.version.replace('"', "")
                ),
            ),
        ],
        bytes,
    )
        .into_response())
}

// ---------------------------------------------------------------------------------------------
// Filling a form for a case

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
    let due = super::rss::due_round(&state, &case).await?;
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
    pub rss: Option<super::rss::SurveyResult>,
    /// The survey is being done by the returnee's own case manager.
    pub own_case_manager: bool,
    pub urgent: Vec<super::pathway::UrgentView>,
}

/// The form body alone, for htmx swaps.
#[derive(Template)]
#[template(path = "form_body.html")]
pub struct FormBody {
    pub c: Chrome,
    pub pieces: Vec<Piece>,
}

struct Loaded {
    case: CaseRecord,
    sub: Submission,
    compiled: Compiled,
    /// Urgent referrals of the case, for the banner every page of the case shows.
    urgent: Vec<store::Entry>,
}

async fn load(
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
fn submission_page(
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
        urgent: super::pathway::urgent_from_entries(tr, &l.urgent),
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
        own_case_manager: super::rss::is_own_case_manager(&l.case, &l.sub),
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
    page.rss = super::rss::survey_result(&state, &tr, &l.sub).await?;
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
        match super::rss::score_on_completion(
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
