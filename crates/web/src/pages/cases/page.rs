//! The case page

use super::*;

pub struct Section {
    pub id: &'static str,
    pub title: String,
    pub rows: Vec<(String, String)>,
}

pub struct HouseholdView {
    pub name: String,
    pub relationship: String,
    pub sex: String,
    pub date_of_birth: String,
    pub together: String,
    pub notes: String,
}

pub struct ConsentStatusView {
    pub purpose: String,
    pub status: String,
    pub permits: bool,
}

pub struct ConsentHistoryView {
    pub date: String,
    pub purpose: String,
    pub decision: String,
    pub method: String,
    pub recorded_by: String,
    pub notes: String,
}

pub struct TimelineEntry {
    pub when: String,
    pub who: String,
    pub action: String,
    pub changes: Vec<(String, String, String)>,
}

#[derive(Template)]
#[template(path = "case_view.html")]
pub(super) struct CaseViewPage {
    pub(super) c: Chrome,
    pub(super) id: String,
    pub(super) number: String,
    pub(super) name: String,
    pub(super) stage: String,
    pub(super) restricted: bool,
    pub(super) can_edit: bool,
    pub(super) can_consent: bool,
    pub(super) can_audit: bool,
    pub(super) sections: Vec<Section>,
    pub(super) household: Vec<HouseholdView>,
    pub(super) consent_status: Vec<ConsentStatusView>,
    pub(super) consent_history: Vec<ConsentHistoryView>,
    pub(super) consent_form: Vec<crate::forms::FieldView>,
    pub(super) consent_errors: bool,
    pub(super) timeline: Vec<TimelineEntry>,
    pub(super) forms: crate::pages::instruments::CaseForms,
    pub(super) rss: crate::pages::rss::RssPanel,
    pub(super) pathway: crate::pages::pathway::PathwayPanel,
    pub(super) urgent: Vec<crate::pages::pathway::UrgentView>,
    pub(super) context: crate::pages::community::CaseContext,
    pub(super) erasure: super::ErasurePanel,
    pub(super) merges: Vec<crate::pages::duplicates::MergeLine>,
    pub(super) provenance: Option<crate::pages::handover::Provenance>,
}

pub(super) fn yes_no(tr: &Tr, v: Option<bool>) -> String {
    match v {
        Some(true) => tr.t("answer-yes"),
        Some(false) => tr.t("answer-no"),
        None => tr.t("not-recorded"),
    }
}

pub(crate) fn or_dash(tr: &Tr, v: &Option<String>) -> String {
    v.clone().unwrap_or_else(|| tr.t("not-recorded"))
}

/// A readable label for an audited field.
pub fn field_label(tr: &Tr, field: &str) -> String {
    // Plan versions: `plan.v2`, `plan.v2.agreement`, `plan.v2.approval`.
    if let Some(rest) = field.strip_prefix("plan.v") {
        let (n, part) = rest.split_once('.').unwrap_or((rest, ""));
        let id = match part {
            "agreement" => "field-plan-agreement",
            "approval" => "field-plan-approval",
            _ => "field-plan-version",
        };
        return tr.t1(id, "version", n);
    }
    if let Some(rest) = field.strip_prefix("household.") {
        let n: usize = rest.parse().unwrap_or(0);
        return tr.t1("field-household-member", "n", n + 1);
    }
    if let Some(p) = field
        .strip_prefix("consent.")
        .and_then(ConsentPurpose::parse)
    {
        return tr.t1(
            "field-consent-for",
            "purpose",
            tr.t_of("purpose", p.as_str()),
        );
    }
    // A referral is named after the service it went to: `referral.<service>`.
    if let Some(service) = field.strip_prefix("referral.") {
        return tr.t1("field-referral-to", "service", service);
    }
    tr.t(&format!("field-{}", field.replace(['_', '.'], "-")))
}

/// A readable value for an audited field.
pub(super) fn field_value(tr: &Tr, field: &str, value: &Option<String>) -> String {
    let Some(v) = value else {
        return "—".into();
    };
    // Values written as `text (code, code, …)`: a household member, a plan's agreement.
    if field.starts_with("household.") {
        return with_parts(v, |i, part| match (i, part) {
            (0, rel) if domain::case::Relationship::parse(rel).is_some() => {
                tr.t_of("relationship", rel)
            }
            (_, sex) if Sex::parse(sex).is_some() => tr.t_of("sex", sex),
            (_, "returned together") => tr.t("together-yes"),
            (_, "stayed behind") => tr.t("together-no"),
            (_, other) => other.to_string(),
        });
    }
    if field.starts_with("plan.v") && field.ends_with(".agreement") {
        return with_parts(v, |_, method| {
            if domain::pathway::plan::AgreementMethod::parse(method).is_some() {
                tr.t_of("agreement-method", method)
            } else {
                method.to_string()
            }
        });
    }
    let kind = match field {
        "sex" => Some("sex"),
        "return_type" => Some("return-type"),
        "consent.method" => Some("method"),
        f if f.starts_with("consent.") && ConsentPurpose::parse(&f[8..]).is_some() => {
            Some("decision")
        }
        _ => None,
    };
    match (kind, v.as_str()) {
        (Some(kind), v) => tr.t_of(kind, v),
        (None, "true") => tr.t("answer-yes"),
        (None, "false") => tr.t("answer-no"),
        (None, v) if field == "vulnerabilities" => v
            .split(", ")
            .map(|x| tr.t_of("vulnerability", x))
            .collect::<Vec<_>>()
            .join(", "),
        (None, v) => v.to_string(),
    }
}

/// Rewrites the comma-separated parts in the brackets of `text (a, b, …)`, by position.
fn with_parts(v: &str, part: impl Fn(usize, &str) -> String) -> String {
    match v.strip_suffix(')').and_then(|s| s.split_once(" (")) {
        Some((head, inner)) => {
            let parts: Vec<String> = inner
                .split(", ")
                .enumerate()
                .map(|(i, p)| part(i, p))
                .collect();
            format!("{head} ({})", parts.join(", "))
        }
        None => v.to_string(),
    }
}

pub fn timeline(tr: &Tr, entries: Vec<store::AuditEntry>) -> Vec<TimelineEntry> {
    entries
        .into_iter()
        .rev()
        .map(|e| TimelineEntry {
            when: format!(
                "{} {:02}:{:02} UTC",
                e.at.date(),
                e.at.hour(),
                e.at.minute()
            ),
            who: e.actor_name.unwrap_or_else(|| tr.t("actor-system")),
            action: tr.t_of("audit-action", e.action.as_str()),
            changes: e
                .changes
                .iter()
                .map(|c| {
                    (
                        field_label(tr, &c.field),
                        field_value(tr, &c.field, &c.before),
                        field_value(tr, &c.field, &c.after),
                    )
                })
                .collect(),
        })
        .collect()
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct ConsentForm {
    pub purpose: String,
    pub decision: String,
    pub method: String,
    pub date: String,
    pub notes: String,
}

impl ConsentForm {
    pub fn parse(&self) -> Result<ConsentInput, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let purpose = ConsentPurpose::parse(&self.purpose);
        let decision = ConsentDecision::parse(&self.decision);
        let method = ConsentMethod::parse(&self.method);
        let date = domain::case::date::parse(&self.date);
        for (field, ok, value) in [
            ("purpose", purpose.is_some(), &self.purpose),
            ("decision", decision.is_some(), &self.decision),
            ("method", method.is_some(), &self.method),
        ] {
            if value.trim().is_empty() {
                e.add(field, "error-required");
            } else if !ok {
                e.add(field, "error-choice");
            }
        }
        if self.date.trim().is_empty() {
            e.add("date", "error-required");
        } else if date.is_none() {
            e.add("date", "error-date-format");
        }
        match (purpose, decision, method, date) {
            (Some(purpose), Some(decision), Some(method), Some(date)) if e.is_empty() => {
                Ok(ConsentInput {
                    purpose,
                    decision,
                    method,
                    date,
                    notes: Some(self.notes.trim().to_string()).filter(|n| !n.is_empty()),
                })
            }
            _ => Err(e),
        }
    }
}

/// The case page with the pathway panel's forms as typed (kept when refused).
pub async fn case_page_with(
    state: &AppState,
    tr: &Tr,
    caller: &Caller,
    case: &CaseRecord,
    forms: &crate::pages::pathway::PanelForms,
    status: StatusCode,
) -> Result<Response, AppError> {
    let consent = ConsentForm {
        date: state.today().to_string(),
        ..Default::default()
    };
    let page = case_page(
        state,
        tr,
        caller,
        case,
        &consent,
        &ValidationErrors::new(),
        forms,
    )
    .await?;
    render_status(status, &page)
}

pub(super) async fn case_page(
    state: &AppState,
    tr: &Tr,
    caller: &Caller,
    case: &CaseRecord,
    consent_form: &ConsentForm,
    consent_errors: &ValidationErrors,
    pathway_forms: &crate::pages::pathway::PanelForms,
) -> Result<CaseViewPage, AppError> {
    let pathway = crate::pages::pathway::panel(state, tr, caller, case, pathway_forms).await?;
    let actor = caller.actor();
    let p = &case.profile;
    let can = |a: Action| authorize(&actor, a, Resource::Case(case.access())).is_ok();
    let age = match (p.age_at_return(), case.anonymised_at) {
        // Anonymised: the age kept is its band's lower bound, shown as "25 or more".
        (Some(a), Some(_)) => tr.t1("age-at-least", "age", a),
        (Some(a), None) => a.to_string(),
        (None, _) => tr.t("not-recorded"),
    };
    let absence = p
        .absence_months
        .map(|m| tr.t1("absence-value", "months", m))
        .unwrap_or_else(|| tr.t("not-recorded"));
    let sections = vec![
        Section {
            id: "person",
            title: tr.t("legend-person"),
            rows: vec![
                (tr.t("field-sex"), tr.t_of("sex", p.sex.as_str())),
                (tr.t("field-gender"), or_dash(tr, &p.gender)),
                (
                    tr.t("field-date-of-birth"),
                    p.date_of_birth
                        .map(|d| d.to_string())
                        .unwrap_or_else(|| tr.t("not-recorded")),
                ),
                (tr.t("field-age-at-return"), age),
                (tr.t("field-nationality"), p.nationality.clone()),
                (
                    tr.t("field-preferred-language"),
                    or_dash(tr, &p.preferred_language),
                ),
            ],
        },
        Section {
            id: "return",
            title: tr.t("legend-return"),
            rows: vec![
                (tr.t("field-return-date"), p.return_date.to_string()),
                (tr.t("field-returned-from"), p.returned_from.clone()),
                (tr.t("field-absence"), absence),
                (
                    tr.t("field-return-type"),
                    tr.t_of("return-type", p.return_type.as_str()),
                ),
                (tr.t("field-free-choice"), yes_no(tr, p.free_choice)),
                (
                    tr.t("field-informed-decision"),
                    yes_no(tr, p.informed_decision),
                ),
            ],
        },
        Section {
            id: "place",
            title: tr.t("legend-place"),
            rows: vec![
                (tr.t("field-return-country"), p.return_country.clone()),
                (tr.t("field-return-province"), p.return_province.clone()),
                (
                    tr.t("field-return-community"),
                    or_dash(tr, &p.return_community),
                ),
                (
                    tr.t("field-community-is-origin"),
                    yes_no(tr, p.community_is_origin),
                ),
            ],
        },
        Section {
            id: "vulnerability",
            title: tr.t("legend-vulnerability"),
            rows: vec![
                (
                    tr.t("field-vulnerabilities"),
                    if p.vulnerabilities.is_empty() {
                        tr.t("none-recorded")
                    } else {
                        p.vulnerabilities
                            .iter()
                            .map(|v| tr.t_of("vulnerability", v.as_str()))
                            .collect::<Vec<_>>()
                            .join(", ")
                    },
                ),
                (
                    tr.t("field-vulnerability-details"),
                    or_dash(tr, &p.vulnerability_details),
                ),
            ],
        },
        Section {
            id: "contact",
            title: tr.t("legend-contact"),
            rows: vec![
                (tr.t("field-phone"), or_dash(tr, &p.phone)),
                (tr.t("field-email"), or_dash(tr, &p.email)),
                (tr.t("field-address"), or_dash(tr, &p.address)),
            ],
        },
        Section {
            id: "management",
            title: tr.t("legend-management"),
            rows: vec![
                (
                    tr.t("field-office"),
                    format!("{} ({})", case.office.name, case.office.code),
                ),
                (
                    tr.t("field-case-manager"),
                    case.case_manager_name
                        .clone()
                        .unwrap_or_else(|| tr.t("case-manager-none")),
                ),
                (tr.t("field-registered"), case.created_at.date().to_string()),
            ],
        },
    ];
    let household = p
        .household
        .iter()
        .map(|m| HouseholdView {
            name: m.name.clone(),
            relationship: tr.t_of("relationship", m.relationship.as_str()),
            sex: m
                .sex
                .map(|s| tr.t_of("sex", s.as_str()))
                .unwrap_or_default(),
            date_of_birth: m.date_of_birth.map(|d| d.to_string()).unwrap_or_default(),
            together: match m.returned_together {
                Some(true) => tr.t("together-yes"),
                Some(false) => tr.t("together-no"),
                None => String::new(),
            },
            notes: m.notes.clone().unwrap_or_default(),
        })
        .collect();
    let (consents, entries) = app::cases::history(state, &caller.actor(), case).await?;
    let records: Vec<ConsentRecord> = consents.iter().map(|c| c.record.clone()).collect();
    let consent_status_view = ConsentPurpose::ALL
        .iter()
        .map(|purpose| {
            let status = consent_status(&records, *purpose);
            let detail = match status {
                domain::consent::ConsentStatus::NotRecorded => String::new(),
                domain::consent::ConsentStatus::Given { since } => format!(" ({since})"),
                domain::consent::ConsentStatus::Refused { on }
                | domain::consent::ConsentStatus::Withdrawn { on } => format!(" ({on})"),
            };
            ConsentStatusView {
                purpose: tr.t_of("purpose", purpose.as_str()),
                status: format!("{}{detail}", tr.t(status.message_id())),
                permits: status.permits(),
            }
        })
        .collect();
    let consent_history = consents
        .iter()
        .rev()
        .map(|c| ConsentHistoryView {
            date: c.record.date.to_string(),
            purpose: tr.t_of("purpose", c.record.purpose.as_str()),
            decision: tr.t_of("decision", c.record.decision.as_str()),
            method: tr.t_of("method", c.record.method.as_str()),
            recorded_by: c.recorded_by_name.clone(),
            notes: c.record.notes.clone().unwrap_or_default(),
        })
        .collect();
    let map = error_map(tr, consent_errors);
    let b = FieldBuilder { tr, errors: &map };
    let mut date = b.input("date", "date", &consent_form.date, true);
    date.label = tr.t("field-consent-date");
    let mut purpose = b.select(
        "purpose",
        &consent_form.purpose,
        "purpose",
        &names(ConsentPurpose::ALL, ConsentPurpose::as_str),
        true,
    );
    purpose.label = tr.t("field-consent-purpose");
    let mut decision = b.select(
        "decision",
        &consent_form.decision,
        "decision",
        &names(ConsentDecision::ALL, ConsentDecision::as_str),
        true,
    );
    decision.label = tr.t("field-consent-decision");
    let mut method = b.select(
        "method",
        &consent_form.method,
        "method",
        &names(ConsentMethod::ALL, ConsentMethod::as_str),
        true,
    );
    method.label = tr.t("field-consent-method");
    let mut notes = b.input("notes", "textarea", &consent_form.notes, false);
    notes.label = tr.t("field-consent-notes");
    Ok(CaseViewPage {
        c: Chrome::new(state, tr.clone(), Some(caller)),
        id: case.id.to_string(),
        number: case.number.to_string(),
        name: if case.anonymised_at.is_some() {
            tr.t("case-anonymised-name")
        } else {
            p.full_name()
        },
        stage: tr.t_of("stage", case.stage.as_str()),
        restricted: p.is_restricted(),
        can_edit: can(Action::UpdateCase) && case.anonymised_at.is_none(),
        can_consent: can(Action::RecordConsent),
        can_audit: can(Action::ReadAudit),
        sections,
        household,
        consent_status: consent_status_view,
        consent_history,
        consent_form: vec![purpose, decision, method, date, notes],
        consent_errors: !consent_errors.is_empty(),
        timeline: timeline(tr, entries),
        forms: crate::pages::instruments::case_forms(state, tr, caller, case).await?,
        rss: crate::pages::rss::case_panel(
            state,
            tr,
            case,
            authorize(
                &caller.actor(),
                Action::FillForm,
                Resource::Case(case.access()),
            )
            .is_ok(),
        )
        .await?,
        urgent: pathway.urgent.clone(),
        pathway,
        context: crate::pages::community::case_context(state, tr, &caller.actor(), case).await?,
        erasure: super::erasure_panel(state, tr, caller, case).await?,
        merges: crate::pages::duplicates::merge_lines(state, tr, &actor, case).await?,
        provenance: crate::pages::handover::provenance(state, tr, &actor, case).await?,
    })
}

pub async fn view(
    State(state): State<AppState>,
    tr: Tr,
    SignedIn(caller): SignedIn,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let actor = caller.actor();
    // The panels read the case's submissions, surveys and the service map once between them.
    let state = state.for_one_page();
    let case = match authorized_case(&state, &actor, &id, Action::ReadCase).await {
        // A merged case's address leads to the case it was merged into.
        Err(e) if e.kind == app::ErrorKind::NotFound => {
            return match app::merges::survivor_of(&state, &actor, &id).await {
                Some(survivor) => {
                    Ok(Redirect::to(&format!("/cases/{}", survivor.id)).into_response())
                }
                None => Err(e.into()),
            };
        }
        other => other?,
    };
    audit_view(&state, &actor, &case).await?;
    let form = ConsentForm {
        date: state.today().to_string(),
        ..Default::default()
    };
    let forms = crate::pages::pathway::PanelForms {
        session: crate::pages::pathway::SessionForm {
            session_date: state.today().to_string(),
            ..Default::default()
        },
        urgent: crate::pages::pathway::UrgentForm {
            urgent_date: state.today().to_string(),
            ..Default::default()
        },
        ..Default::default()
    };
    render(
        &case_page(
            &state,
            &tr,
            &caller,
            &case,
            &form,
            &ValidationErrors::new(),
            &forms,
        )
        .await?,
    )
}

pub async fn record_consent(
    State(state): State<AppState>,
    tr: Tr,
    Path(id): Path<String>,
    CsrfForm { caller, form }: CsrfForm<ConsentForm>,
) -> Result<Response, AppError> {
    let actor = caller.actor();
    let case = authorized_case(&state, &actor, &id, Action::RecordConsent).await?;
    let recorded = match form.parse() {
        Ok(input) => record_consent_decision(&state, &actor, &case, input)
            .await
            .map_err(AppError::from),
        Err(errors) => Err(AppError::validation(errors)),
    };
    match recorded {
        Ok(()) => Ok(Redirect::to(&format!("/cases/{}#consent", case.id)).into_response()),
        Err(AppError {
            kind: ErrorKind::Validation,
            fields: errors,
            ..
        }) => {
            let page = case_page(
                &state,
                &tr,
                &caller,
                &case,
                &form,
                &errors,
                &crate::pages::pathway::PanelForms::default(),
            )
            .await?;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "case_audit.html")]
pub(super) struct AuditPage {
    pub(super) c: Chrome,
    pub(super) id: String,
    pub(super) number: String,
    pub(super) entries: Vec<TimelineEntry>,
}

pub async fn audit(
    State(state): State<AppState>,
    tr: Tr,
    SignedIn(caller): SignedIn,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let actor = caller.actor();
    let (case, entries) = app::cases::audit_trail(&state, &actor, &id).await?;
    render(&AuditPage {
        c: Chrome::new(&state, tr.clone(), Some(&caller)),
        id: case.id.to_string(),
        number: case.number.to_string(),
        entries: timeline(&tr, entries),
    })
}
