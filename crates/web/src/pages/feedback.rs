//! Feedback and complaints: the public page anyone may use without an account (no script
//! needed, rate-limited by [`crate::security::RateLimit`], the sender's address never stored
//! or logged), and the inbox where
//! programme managers handle what was left.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use domain::ValidationErrors;
use domain::feedback::{ContactWay, FeedbackAbout, FeedbackKind, FeedbackStatus, FeedbackStep};
use serde::Deserialize;

use super::login::ClientAddr;
use super::{Chrome, CsrfForm, render, render_status};
use crate::AppState;
use crate::auth::{self, FEEDBACK_CSRF_COOKIE, SignedIn};
use crate::error::AppError;
use crate::forms::{Choice, FieldBuilder, FieldView, error_map, summary_of};
use crate::i18n::Tr;
use app::feedback::{self as fb, FeedbackForm};
use store::FeedbackRecord;

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct PublicForm {
    pub office: String,
    pub kind: String,
    pub about: String,
    pub message: String,
    pub contact_way: String,
    pub contact: String,
    #[serde(rename = "_csrf")]
    pub csrf: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CodeQuery {
    /// The office's code, as printed on the plan and the referral slip.
    pub code: String,
}

#[derive(Template)]
#[template(path = "feedback.html")]
pub struct FeedbackPage {
    pub c: Chrome,
    pub csrf: String,
    pub fields: Vec<FieldView>,
    pub summary: Vec<(String, String)>,
    pub problem: String,
}

#[derive(Template)]
#[template(path = "feedback_thanks.html")]
pub struct ThanksPage {
    pub c: Chrome,
    pub reference: String,
    pub anonymous: bool,
}

fn public_fields(
    tr: &Tr,
    offices: &[store::Office],
    form: &PublicForm,
    errors: &ValidationErrors,
) -> Vec<FieldView> {
    let map = error_map(tr, errors);
    let b = FieldBuilder { tr, errors: &map };
    let mut office = b.input("office", "select", &form.office, false);
    office.label = tr.t("feedback-office");
    office.hint = tr.t("feedback-office-hint");
    office.choices.push(Choice {
        value: String::new(),
        label: tr.t("feedback-office-unknown"),
        selected: form.office.is_empty(),
    });
    office.choices.extend(offices.iter().map(|o| Choice {
        value: o.code.to_string(),
        label: format!("{} ({})", o.name, o.code),
        selected: o.code.as_str().eq_ignore_ascii_case(form.office.trim()),
    }));
    let kinds: Vec<&str> = FeedbackKind::ALL.iter().map(|k| k.as_str()).collect();
    let abouts: Vec<&str> = FeedbackAbout::ALL.iter().map(|k| k.as_str()).collect();
    let ways: Vec<&str> = ContactWay::ALL.iter().map(|k| k.as_str()).collect();
    let mut kind = b.select("kind", &form.kind, "feedback-kind", &kinds, true);
    kind.label = tr.t("feedback-kind");
    let about = b.select("about", &form.about, "feedback-about", &abouts, true);
    let message = b.input("message", "textarea", &form.message, true);
    let way = if form.contact_way.is_empty() {
        "none"
    } else {
        &form.contact_way
    };
    let contact_way = b.select("contact_way", way, "feedback-way", &ways, true);
    let contact = b.input("contact", "text", &form.contact, false);
    vec![office, kind, about, message, contact_way, contact]
}

/// The public form as it is to be shown again: with what status, what was typed, the fields'
/// problems, and a problem of the whole form.
struct Shown<'a> {
    status: StatusCode,
    form: &'a PublicForm,
    errors: &'a ValidationErrors,
    problem: String,
}

async fn public_page(
    state: &AppState,
    tr: Tr,
    headers: &HeaderMap,
    jar: CookieJar,
    shown: Shown<'_>,
) -> Result<Response, AppError> {
    let Shown {
        status,
        form,
        errors,
        problem,
    } = shown;
    let offices = app::lookups::offices(state).await?;
    let token = app::accounts::random_token();
    let jar = jar.add(auth::feedback_csrf_cookie(
        token.clone(),
        auth::is_secure(state, headers),
    ));
    let fields = public_fields(&tr, &offices, form, errors);
    let page = FeedbackPage {
        c: Chrome::new(state, tr, None),
        csrf: token,
        summary: summary_of(&fields),
        fields,
        problem,
    };
    Ok((jar, render_status(status, &page)?).into_response())
}

/// The public form; `?code=DKR` chooses the office printed on the person's papers.
pub async fn form(
    State(state): State<AppState>,
    tr: Tr,
    headers: HeaderMap,
    jar: CookieJar,
    Query(q): Query<CodeQuery>,
) -> Result<Response, AppError> {
    let form = PublicForm {
        office: q.code.trim().to_string(),
        ..Default::default()
    };
    let none = ValidationErrors::new();
    let shown = Shown {
        status: StatusCode::OK,
        form: &form,
        errors: &none,
        problem: String::new(),
    };
    public_page(&state, tr, &headers, jar, shown).await
}

/// Takes feedback: the form's token checked against its cookie (it is also the key that
/// makes a second send of the same form store nothing more), the sender's address counted
/// for the rate limit and forgotten.
pub async fn submit(
    State(state): State<AppState>,
    tr: Tr,
    headers: HeaderMap,
    jar: CookieJar,
    ClientAddr(addr): ClientAddr,
    axum::Form(form): axum::Form<PublicForm>,
) -> Result<Response, AppError> {
    let none = ValidationErrors::new();
    let expected = jar
        .get(FEEDBACK_CSRF_COOKIE)
        .map(|c| c.value().to_string())
        .unwrap_or_default();
    if expected.is_empty() || !app::accounts::same_secret(&expected, &form.csrf) {
        let shown = Shown {
            status: StatusCode::FORBIDDEN,
            form: &form,
            errors: &none,
            problem: tr.t("login-error-expired"),
        };
        return public_page(&state, tr, &headers, jar, shown).await;
    }
    if !state.feedback_limit.allows(&addr) {
        let shown = Shown {
            status: StatusCode::TOO_MANY_REQUESTS,
            form: &form,
            errors: &none,
            problem: tr.t("feedback-too-many"),
        };
        return public_page(&state, tr, &headers, jar, shown).await;
    }
    let typed = FeedbackForm {
        office: form.office.clone(),
        kind: form.kind.clone(),
        about: form.about.clone(),
        message: form.message.clone(),
        contact_way: form.contact_way.clone(),
        contact: form.contact.clone(),
    };
    match fb::leave(&state, &typed, &form.csrf, tr.lang()).await {
        Ok(f) => {
            state.feedback_limit.count(&addr);
            render(&ThanksPage {
                c: Chrome::new(&state, tr, None),
                reference: f.reference,
                anonymous: f.feedback.contact_way == ContactWay::None,
            })
        }
        Err(e) if e.kind == app::ErrorKind::Validation => {
            let shown = Shown {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                form: &form,
                errors: &e.fields,
                problem: String::new(),
            };
            public_page(&state, tr, &headers, jar, shown).await
        }
        Err(e) => Err(e.into()),
    }
}

/// A row of the inbox.
pub struct InboxRow {
    pub href: String,
    pub reference: String,
    pub received: String,
    pub office: String,
    pub kind: String,
    pub about: String,
    pub status: String,
    pub open: bool,
}

#[derive(Template)]
#[template(path = "feedback_inbox.html")]
pub struct InboxPage {
    pub c: Chrome,
    pub rows: Vec<InboxRow>,
}

fn date_of(t: time::OffsetDateTime) -> String {
    t.date().to_string()
}

pub async fn inbox(
    State(state): State<AppState>,
    tr: Tr,
    SignedIn(caller): SignedIn,
) -> Result<Response, AppError> {
    let rows = fb::inbox(&state, &caller.actor())
        .await?
        .into_iter()
        .map(|f| InboxRow {
            href: format!("/feedback/inbox/{}", f.id),
            reference: f.reference.clone(),
            received: tr.date(date_of(f.received_at)),
            office: f
                .office_code
                .clone()
                .unwrap_or_else(|| tr.t("feedback-office-unknown")),
            kind: tr.t_of("feedback-kind", f.feedback.kind.as_str()),
            about: tr.t_of("feedback-about", f.feedback.about.as_str()),
            status: tr.t_of("feedback-status", f.status.as_str()),
            open: f.status != FeedbackStatus::Resolved,
        })
        .collect();
    render(&InboxPage {
        c: Chrome::new(&state, tr.clone(), Some(&caller)),
        rows,
    })
}

#[derive(Template)]
#[template(path = "feedback_item.html")]
pub struct ItemPage {
    pub c: Chrome,
    pub reference: String,
    pub facts: Vec<(String, String)>,
    pub message: String,
    /// How to answer: the one contact chosen, or that no answer can be sent.
    pub answer_by: String,
    pub steps: Vec<(String, String)>,
    pub step: String,
    pub text: String,
    pub error: String,
    pub summary: Vec<(String, String)>,
    pub action: String,
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct StepForm {
    pub step: String,
    pub text: String,
}

fn item_page(
    state: &AppState,
    tr: &Tr,
    caller: &crate::auth::Caller,
    f: &FeedbackRecord,
    typed: &StepForm,
    errors: &ValidationErrors,
) -> ItemPage {
    let mut facts = vec![
        (
            tr.t("feedback-kind"),
            tr.t_of("feedback-kind", f.feedback.kind.as_str()),
        ),
        (
            tr.t("feedback-about"),
            tr.t_of("feedback-about", f.feedback.about.as_str()),
        ),
        (tr.t("feedback-received"), tr.date(date_of(f.received_at))),
        (
            tr.t("feedback-office"),
            f.office_code
                .clone()
                .unwrap_or_else(|| tr.t("feedback-office-unknown")),
        ),
        (
            tr.t("feedback-language"),
            crate::i18n::LANGUAGES
                .iter()
                .find(|(code, _)| *code == f.language)
                .map_or_else(|| f.language.clone(), |(_, name)| name.to_string()),
        ),
        (
            tr.t("feedback-status-label"),
            tr.t_of("feedback-status", f.status.as_str()),
        ),
    ];
    if let Some(to) = &f.referred_to {
        facts.push((tr.t("feedback-referred-to"), to.clone()));
    }
    if let Some(r) = &f.response {
        facts.push((tr.t("feedback-response"), r.clone()));
    }
    if let Some(name) = &f.handled_by_name {
        facts.push((tr.t("feedback-handled-by"), name.clone()));
    }
    let answer_by = match (&f.feedback.contact_way, &f.feedback.contact) {
        (ContactWay::None, _) | (_, None) => tr.t("feedback-anonymous-note"),
        (way, Some(contact)) => tr.t2(
            "feedback-answer-by",
            "way",
            tr.t_of("feedback-way", way.as_str()),
            "contact",
            contact,
        ),
    };
    let steps = FeedbackStep::following(f.status)
        .into_iter()
        .map(|s| (s.as_str().to_string(), tr.t_of("feedback-step", s.as_str())))
        .collect();
    let map = error_map(tr, errors);
    let error = ["step", "text"]
        .iter()
        .filter_map(|k| map.get(*k).cloned())
        .collect::<Vec<_>>()
        .join(" ");
    let summary = if error.is_empty() {
        Vec::new()
    } else {
        vec![(
            "f-text".to_string(),
            format!("{}: {error}", tr.t("feedback-step-text")),
        )]
    };
    ItemPage {
        c: Chrome::new(state, tr.clone(), Some(caller)),
        reference: f.reference.clone(),
        facts,
        message: f.feedback.message.clone(),
        answer_by,
        steps,
        step: typed.step.clone(),
        text: typed.text.clone(),
        error,
        summary,
        action: format!("/feedback/inbox/{}/steps", f.id),
    }
}

pub async fn item(
    State(state): State<AppState>,
    tr: Tr,
    SignedIn(caller): SignedIn,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let f = fb::read(&state, &caller.actor(), &id).await?;
    let page = item_page(
        &state,
        &tr,
        &caller,
        &f,
        &StepForm::default(),
        &ValidationErrors::new(),
    );
    render(&page)
}

pub async fn step(
    State(state): State<AppState>,
    tr: Tr,
    Path(id): Path<String>,
    CsrfForm { caller, form }: CsrfForm<StepForm>,
) -> Result<Response, AppError> {
    let actor = caller.actor();
    match fb::step(&state, &actor, &id, &form.step, &form.text).await {
        Ok(_) => Ok(Redirect::to(&format!("/feedback/inbox/{id}")).into_response()),
        Err(e) if e.kind == app::ErrorKind::Validation => {
            let f = fb::read(&state, &actor, &id).await?;
            let page = item_page(&state, &tr, &caller, &f, &form, &e.fields);
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(e.into()),
    }
}
