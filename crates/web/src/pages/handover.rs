//! Case hand-over between instances: the administrator's page of this instance's key and its
//! trusted partners, a case's hand-over page (the returnee's consent, then packets made from
//! it), and the page that receives a packet as a new case. The use cases are `app::handover`.

use askama::Template;
use axum::extract::{Multipart, Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use domain::ValidationErrors;
use domain::consent::ConsentMethod;
use domain::handover::SharedScope;
use serde::Deserialize;

use super::{Chrome, CsrfForm, render, render_status};
use crate::AppState;
use crate::auth::{Caller, SignedIn, csrf_matches};
use crate::error::{AppError, ErrorKind};
use crate::forms::{Choice, FieldBuilder, FieldView, error_map, names, summary_of};
use crate::i18n::Tr;

fn attachment(name: &str, content_type: &str, body: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}\"", name.replace('"', "")),
            ),
        ],
        body,
    )
        .into_response()
}

// ---------------------------------------------------------------------------------------------
// The administrator's page

pub struct PartnerRow {
    pub key_id: String,
    pub organisation: String,
    pub added: String,
}

#[derive(Template)]
#[template(path = "handover_admin.html")]
pub struct AdminPage {
    pub c: Chrome,
    pub organisation: String,
    pub key_id: String,
    pub partners: Vec<PartnerRow>,
    pub fields: Vec<FieldView>,
    pub summary: Vec<(String, String)>,
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct AdminForm {
    pub organisation: String,
    pub key_file: String,
}

async fn admin_page(
    state: &AppState,
    tr: &Tr,
    caller: &Caller,
    form: &AdminForm,
    errors: &ValidationErrors,
) -> Result<AdminPage, AppError> {
    let view = app::handover::keys_view(state, &caller.actor()).await?;
    let map = error_map(tr, errors);
    let b = FieldBuilder { tr, errors: &map };
    let organisation = if form.organisation.is_empty() {
        view.organisation.clone()
    } else {
        form.organisation.clone()
    };
    let mut org = b.input("organisation", "text", &organisation, true);
    org.label = tr.t("handover-organisation");
    let key_file = b.input("key_file", "textarea", &form.key_file, true);
    let fields = vec![org, key_file];
    Ok(AdminPage {
        c: Chrome::new(state, tr.clone(), Some(caller)),
        organisation: view.organisation,
        key_id: view.key_id,
        partners: view
            .partners
            .iter()
            .map(|p| PartnerRow {
                key_id: p.key_id.clone(),
                organisation: p.organisation.clone(),
                added: tr.date(p.added_at.date().to_string()),
            })
            .collect(),
        summary: summary_of(&fields),
        fields,
    })
}

pub async fn admin(
    State(state): State<AppState>,
    tr: Tr,
    SignedIn(caller): SignedIn,
) -> Result<Response, AppError> {
    render(
        &admin_page(
            &state,
            &tr,
            &caller,
            &AdminForm::default(),
            &ValidationErrors::new(),
        )
        .await?,
    )
}

/// This instance's public key file, to give to partners.
pub async fn key_file(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
) -> Result<Response, AppError> {
    let view = app::handover::keys_view(&state, &caller.actor()).await?;
    Ok(attachment(
        "reintegra-instance-key.json",
        "application/json",
        view.public_key_file.into_bytes(),
    ))
}

async fn admin_refused(
    state: &AppState,
    tr: &Tr,
    caller: &Caller,
    form: &AdminForm,
    e: app::Error,
) -> Result<Response, AppError> {
    if e.kind != app::ErrorKind::Validation {
        return Err(e.into());
    }
    let page = admin_page(state, tr, caller, form, &e.fields).await?;
    render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
}

pub async fn set_organisation(
    State(state): State<AppState>,
    tr: Tr,
    CsrfForm { caller, form }: CsrfForm<AdminForm>,
) -> Result<Response, AppError> {
    match app::handover::set_organisation(&state, &caller.actor(), &form.organisation).await {
        Ok(()) => Ok(Redirect::to("/admin/handover").into_response()),
        Err(e) => admin_refused(&state, &tr, &caller, &form, e).await,
    }
}

pub async fn trust_partner(
    State(state): State<AppState>,
    tr: Tr,
    CsrfForm { caller, form }: CsrfForm<AdminForm>,
) -> Result<Response, AppError> {
    match app::handover::trust_partner(&state, &caller.actor(), &form.key_file).await {
        Ok(_) => Ok(Redirect::to("/admin/handover").into_response()),
        Err(e) => admin_refused(&state, &tr, &caller, &form, e).await,
    }
}

pub async fn remove_partner(
    State(state): State<AppState>,
    Path(key): Path<String>,
    CsrfForm { caller, .. }: CsrfForm<super::Empty>,
) -> Result<Response, AppError> {
    app::handover::remove_partner(&state, &caller.actor(), &key).await?;
    Ok(Redirect::to("/admin/handover").into_response())
}

// ---------------------------------------------------------------------------------------------
// A case's hand-over page

pub struct HandoverRow {
    pub id: String,
    pub text: String,
    pub shared: String,
    pub current: bool,
}

#[derive(Template)]
#[template(path = "handover_case.html")]
pub struct CasePage {
    pub c: Chrome,
    pub id: String,
    pub number: String,
    pub name: String,
    pub no_partners: bool,
    pub fields: Vec<FieldView>,
    pub summary: Vec<(String, String)>,
    pub handovers: Vec<HandoverRow>,
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct ConsentForm {
    pub partner: String,
    pub consent_date: String,
    pub consent_method: String,
    pub agreed: String,
    pub assessments: Vec<String>,
    pub shared: Vec<String>,
}

/// The parts besides assessments a consent may name.
const PARTS: [&str; 3] = ["counselling_notes", "consents", "plan"];

fn shared_words(tr: &Tr, s: &SharedScope) -> String {
    let mut words = vec![tr.t("handover-part-profile")];
    if !s.assessments.is_empty() {
        words.push(tr.t1("handover-part-assessments", "count", s.assessments.len()));
    }
    for (on, part) in [
        (s.counselling_notes, "counselling_notes"),
        (s.consents, "consents"),
        (s.plan, "plan"),
    ] {
        if on {
            words.push(tr.t_of("handover-part", part));
        }
    }
    words.join(", ")
}

async fn case_page(
    state: &AppState,
    tr: &Tr,
    caller: &Caller,
    id: &str,
    form: &ConsentForm,
    errors: &ValidationErrors,
) -> Result<CasePage, AppError> {
    let o = app::handover::options(state, &caller.actor(), id).await?;
    let map = error_map(tr, errors);
    let b = FieldBuilder { tr, errors: &map };
    let mut partner = b.select("partner", &form.partner, "", &[], true);
    partner.choices.extend(o.partners.iter().map(|p| Choice {
        value: p.key_id.clone(),
        label: p.organisation.clone(),
        selected: p.key_id == form.partner,
    }));
    let date = if form.consent_date.is_empty() {
        state.today().to_string()
    } else {
        form.consent_date.clone()
    };
    let mut consent_date = b.input("consent_date", "date", &date, true);
    consent_date.label = tr.t("handover-consent-date");
    let method = b.select(
        "consent_method",
        &form.consent_method,
        "method",
        &names(ConsentMethod::ALL, ConsentMethod::as_str),
        true,
    );
    let mut assessments = b.checkboxes("assessments", &form.assessments, "", &[]);
    assessments.hint = if o.assessments.is_empty() {
        tr.t("handover-no-assessments")
    } else {
        String::new()
    };
    assessments.choices = o
        .assessments
        .iter()
        .map(|a| Choice {
            value: a.id.to_string(),
            label: format!("{} · {}", a.title, tr.date(a.date.to_string())),
            selected: form.assessments.contains(&a.id.to_string()),
        })
        .collect();
    let shared = b.checkboxes("shared", &form.shared, "handover-part", &PARTS);
    let mut agreed = b.input("agreed", "checkbox", "", true);
    agreed.choices = vec![Choice {
        value: "yes".into(),
        label: tr.t1("handover-agreed", "name", o.case.profile.full_name()),
        selected: form.agreed == "yes",
    }];
    let fields = vec![partner, consent_date, method, assessments, shared, agreed];
    let today = state.today();
    Ok(CasePage {
        c: Chrome::new(state, tr.clone(), Some(caller)),
        id: o.case.id.to_string(),
        number: o.case.number.to_string(),
        name: o.case.profile.full_name(),
        no_partners: o.partners.is_empty(),
        summary: summary_of(&fields),
        fields,
        handovers: o
            .handovers
            .iter()
            .map(|h| HandoverRow {
                id: h.id.to_string(),
                text: tr.t_args(
                    "handover-line",
                    &[
                        ("organisation", &h.partner_organisation),
                        ("date", &tr.date(h.consent.date.to_string())),
                        ("method", &tr.t_of("method", h.consent.method.as_str())),
                        ("packets", &h.packets_made.to_string()),
                    ],
                ),
                shared: shared_words(tr, &h.consent.shared),
                current: domain::handover::consent_current(h.consent.date, today),
            })
            .collect(),
    })
}

pub async fn case_form(
    State(state): State<AppState>,
    tr: Tr,
    SignedIn(caller): SignedIn,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let page = case_page(
        &state,
        &tr,
        &caller,
        &id,
        &ConsentForm::default(),
        &ValidationErrors::new(),
    )
    .await?;
    render(&page)
}

pub async fn record_consent(
    State(state): State<AppState>,
    tr: Tr,
    Path(id): Path<String>,
    CsrfForm { caller, form }: CsrfForm<ConsentForm>,
) -> Result<Response, AppError> {
    // An unreadable date is named here; a missing one by the use case.
    let mut typed = ValidationErrors::new();
    let consent_date =
        crate::forms::read::date(&mut typed, "consent_date", &form.consent_date, false);
    let input = app::handover::HandoverInput {
        partner: form.partner.clone(),
        agreed: form.agreed == "yes",
        consent_date,
        consent_method: ConsentMethod::parse(&form.consent_method),
        shared: SharedScope {
            assessments: form
                .assessments
                .iter()
                .filter_map(|a| a.parse().ok())
                .collect(),
            counselling_notes: form.shared.iter().any(|s| s == "counselling_notes"),
            consents: form.shared.iter().any(|s| s == "consents"),
            plan: form.shared.iter().any(|s| s == "plan"),
        },
    };
    match app::handover::record_consent(&state, &caller.actor(), &id, input).await {
        Ok(_) => Ok(Redirect::to(&format!("/cases/{id}/handover#handovers")).into_response()),
        Err(e) if e.kind == app::ErrorKind::Validation => {
            let mut fields = e.fields.clone();
            fields.merge(typed);
            let page = case_page(&state, &tr, &caller, &id, &form, &fields).await?;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn packet(
    State(state): State<AppState>,
    Path((id, handover)): Path<(String, String)>,
    CsrfForm { caller, .. }: CsrfForm<super::Empty>,
) -> Result<Response, AppError> {
    let (name, bytes) = app::handover::make_packet(&state, &caller.actor(), &id, &handover).await?;
    Ok(attachment(&name, "application/json", bytes))
}

// ---------------------------------------------------------------------------------------------
// Receiving a packet

#[derive(Template)]
#[template(path = "handover_receive.html")]
pub struct ReceivePage {
    pub c: Chrome,
    pub offices: Vec<Choice>,
    pub problem: String,
}

async fn receive_page(
    state: &AppState,
    tr: &Tr,
    caller: &Caller,
    problem: String,
) -> Result<ReceivePage, AppError> {
    let offices = match caller.actor().office {
        Some(_) => Vec::new(),
        None => app::lookups::offices(state)
            .await?
            .into_iter()
            .map(|o| Choice {
                value: o.id.to_string(),
                label: format!("{} ({})", o.name, o.code),
                selected: false,
            })
            .collect(),
    };
    Ok(ReceivePage {
        c: Chrome::new(state, tr.clone(), Some(caller)),
        offices,
        problem,
    })
}

pub async fn receive_form(
    State(state): State<AppState>,
    tr: Tr,
    SignedIn(caller): SignedIn,
) -> Result<Response, AppError> {
    render(&receive_page(&state, &tr, &caller, String::new()).await?)
}

pub async fn receive(
    State(state): State<AppState>,
    tr: Tr,
    SignedIn(caller): SignedIn,
    mut multipart: Multipart,
) -> Result<Response, AppError> {
    let (mut csrf, mut office, mut file) = (String::new(), String::new(), None);
    loop {
        let part = match multipart.next_field().await {
            Ok(Some(part)) => part,
            Ok(None) => break,
            Err(e) => return Err(AppError::with_detail(ErrorKind::BadRequest, e.body_text())),
        };
        let read = match part.name() {
            Some("_csrf") => part.text().await.map(|t| csrf = t),
            Some("office") => part.text().await.map(|t| office = t),
            Some("file") => part.bytes().await.map(|b| file = Some(b)),
            _ => Ok(()),
        };
        if let Err(e) = read {
            return Err(AppError::with_detail(ErrorKind::BadRequest, e.body_text()));
        }
    }
    if csrf.is_empty() || !csrf_matches(&csrf, caller.csrf()) {
        return Err(AppError::new(ErrorKind::Csrf));
    }
    let actor = caller.actor();
    let refuse = |problem: String| async {
        let page = receive_page(&state, &tr, &caller, problem).await?;
        render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
    };
    let Some(bytes) = file.filter(|b| !b.is_empty()) else {
        return refuse(tr.t("import-no-file")).await;
    };
    let office = match (actor.office, office.parse()) {
        (Some(own), _) => own,
        (None, Ok(chosen)) => chosen,
        (None, Err(_)) => return refuse(tr.t("handover-choose-office")).await,
    };
    match app::handover::receive(&state, &actor, office, &bytes).await {
        Ok(case) => Ok(Redirect::to(&format!("/cases/{}", case.id)).into_response()),
        Err(e) if e.kind == app::ErrorKind::Validation => {
            let code = e
                .fields
                .0
                .first()
                .map(|f| f.code)
                .unwrap_or("error-packet-unreadable");
            refuse(tr.t(code)).await
        }
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------------------------------------
// Where a case came from, on its page

/// What a case received from a partner shows of its origin and of what it brought.
#[derive(Default)]
pub struct Provenance {
    pub text: String,
    pub assessments: Vec<(String, Vec<(String, String)>)>,
    pub sessions: Vec<String>,
    pub plan: Vec<String>,
}

fn answer_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    }
}

pub async fn provenance(
    state: &AppState,
    tr: &Tr,
    actor: &domain::authz::Actor,
    case: &store::CaseRecord,
) -> Result<Option<Provenance>, AppError> {
    let Some((received, content)) = app::handover::provenance(state, actor, case).await? else {
        return Ok(None);
    };
    let mut p = Provenance {
        text: tr.t_args(
            "handover-provenance",
            &[
                ("organisation", &received.partner_organisation),
                ("number", &received.their_case_number),
                ("sent", &tr.date(received.sent_at.date().to_string())),
                (
                    "received",
                    &tr.date(received.received_at.date().to_string()),
                ),
            ],
        ),
        ..Default::default()
    };
    if let Some(c) = content {
        p.assessments = c
            .assessments
            .iter()
            .map(|a| {
                let answers = match &a.answers {
                    serde_json::Value::Object(m) => {
                        m.iter().map(|(k, v)| (k.clone(), answer_text(v))).collect()
                    }
                    _ => Vec::new(),
                };
                (
                    format!(
                        "{} · {}",
                        a.form_title,
                        tr.date(a.interview_date.to_string())
                    ),
                    answers,
                )
            })
            .collect();
        p.sessions = c
            .counselling
            .iter()
            .map(|s| {
                format!(
                    "{} · {} — {} {}",
                    tr.date(s.date.to_string()),
                    tr.t_of("session-kind", s.kind.as_str()),
                    s.topics,
                    s.next_steps
                )
            })
            .collect();
        if let Some(plan) = &c.plan {
            p.plan = plan
                .content
                .items
                .iter()
                .map(|i| {
                    let kind = tr.t_of("assistance", i.kind.as_str());
                    if i.details.is_empty() {
                        kind
                    } else {
                        format!("{kind}: {}", i.details)
                    }
                })
                .collect();
        }
    }
    Ok(Some(p))
}
