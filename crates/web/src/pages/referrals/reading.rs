//! Reading the referral form

use super::*;
use crate::forms::read;

pub(super) fn read_content(p: &Posted) -> (ReferralContent, ValidationErrors) {
    let mut e = ValidationErrors::new();
    let date = |e: &mut ValidationErrors, field: &str| read::date(e, field, p.get(field), true);
    let urgency = Urgency::parse(p.get("urgency"));
    if urgency.is_none() {
        e.add("urgency", "error-required");
    }
    let sections = p
        .all("sections")
        .iter()
        .filter_map(|s| SharedSection::parse(s))
        .collect();
    // Consent is recorded when any of its fields is filled in; all are then needed.
    let consent_given = ["consent_date", "consent_method", "consent_purpose"]
        .iter()
        .any(|f| !p.get(f).trim().is_empty());
    let consent = if consent_given {
        let d = date(&mut e, "consent_date");
        let method = ConsentMethod::parse(p.get("consent_method"));
        if method.is_none() {
            e.add("consent_method", "error-required");
        }
        match (d, method) {
            (Some(date), Some(method)) => Some(ReferralConsent {
                date,
                method,
                purpose: p.get("consent_purpose").to_string(),
            }),
            _ => None,
        }
    } else {
        None
    };
    let override_given = p.get("override_reason").trim() != "";
    let consent_override = if override_given {
        let d = date(&mut e, "override_date");
        let reason = OverrideReason::parse(p.get("override_reason"));
        if reason.is_none() {
            e.add("override_reason", "error-choice");
        }
        match (d, reason) {
            (Some(date), Some(reason)) => Some(ConsentOverride {
                date,
                reason,
                professional: p.get("override_professional").trim().to_string(),
                justification: p.get("override_justification").trim().to_string(),
            }),
            _ => None,
        }
    } else {
        None
    };
    let plan_item = p.get("plan_item").split_once(':').and_then(|(v, k)| {
        Some(PlanItemRef {
            plan_version: v.parse().ok()?,
            item_key: k.parse().ok()?,
        })
    });
    (
        ReferralContent {
            reason: p.get("referral_reason").to_string(),
            urgency: urgency.unwrap_or(Urgency::Routine),
            sections,
            health_note: p.get("health_note").to_string(),
            protection_note: p.get("protection_note").to_string(),
            psychosocial_note: p.get("psychosocial_note").to_string(),
            plan_item,
            accompanied: p.get("accompanied") == "yes",
            consent,
            consent_override,
        },
        e,
    )
}

pub(super) fn posted_content(c: &ReferralContent) -> Posted {
    let mut v = vec![
        ("referral_reason".to_string(), c.reason.clone()),
        ("urgency".to_string(), c.urgency.as_str().to_string()),
        ("health_note".to_string(), c.health_note.clone()),
        ("protection_note".to_string(), c.protection_note.clone()),
        ("psychosocial_note".to_string(), c.psychosocial_note.clone()),
    ];
    for s in &c.sections {
        v.push(("sections".into(), s.as_str().into()));
    }
    if c.accompanied {
        v.push(("accompanied".into(), "yes".into()));
    }
    if let Some(i) = c.plan_item {
        v.push((
            "plan_item".into(),
            format!("{}:{}", i.plan_version, i.item_key),
        ));
    }
    if let Some(k) = &c.consent {
        v.push(("consent_date".into(), k.date.to_string()));
        v.push(("consent_method".into(), k.method.as_str().into()));
        v.push(("consent_purpose".into(), k.purpose.clone()));
    }
    if let Some(o) = &c.consent_override {
        v.push(("override_date".into(), o.date.to_string()));
        v.push(("override_reason".into(), o.reason.as_str().into()));
        v.push(("override_professional".into(), o.professional.clone()));
        v.push(("override_justification".into(), o.justification.clone()));
    }
    Posted(v)
}

pub struct ReferralFormView {
    pub action: String,
    pub version: String,
    pub services: Vec<FieldView>,
    /// The same choice of service for the form that shows a service's procedure first: its
    /// own element id, since both forms are on the page.
    pub procedure: Vec<FieldView>,
    pub what: Vec<FieldView>,
    pub consent: Vec<FieldView>,
    pub exception: Vec<FieldView>,
    pub plan_item: String,
    pub has_errors: bool,
    /// Messages about fields this form does not show (the exception, for those who may not
    /// record it).
    pub other_errors: Vec<String>,
}

impl ReferralFormView {
    /// The error summary's links, in the form's order.
    pub fn error_summary(&self) -> Vec<(String, String)> {
        crate::forms::summary_of(
            self.services
                .iter()
                .chain(&self.what)
                .chain(&self.consent)
                .chain(&self.exception),
        )
    }
}

pub(super) fn referral_form(
    tr: &Tr,
    p: &Posted,
    errors: &ValidationErrors,
    services: &[store::ServiceRecord],
    may_override: bool,
) -> ReferralFormView {
    let errs = error_map(tr, errors);
    let fb = FieldBuilder { tr, errors: &errs };
    let mut service = fb.select("service", p.get("service"), "", &[], true);
    service.choices.extend(services.iter().map(|s| Choice {
        value: s.id.to_string(),
        label: format!(
            "{} — {} ({}, {})",
            s.service.name,
            s.provider_name,
            tr.t_of("category", s.service.category.as_str()),
            s.service.place
        ),
        selected: p.get("service") == s.id.to_string(),
    }));
    let mut accompanied = fb.input("accompanied", "checkbox", "", false);
    accompanied.choices = vec![Choice {
        value: "yes".into(),
        label: tr.t("field-accompanied"),
        selected: p.get("accompanied") == "yes",
    }];
    let what = vec![
        fb.input(
            "referral_reason",
            "textarea",
            p.get("referral_reason"),
            true,
        ),
        fb.select(
            "urgency",
            p.get("urgency"),
            "urgency",
            &names(Urgency::ALL, Urgency::as_str),
            true,
        ),
        accompanied,
        fb.checkboxes(
            "sections",
            &p.all("sections"),
            "section",
            &names(&SharedSection::OPTIONAL, SharedSection::as_str),
        ),
        fb.input("health_note", "textarea", p.get("health_note"), false),
        fb.input(
            "protection_note",
            "textarea",
            p.get("protection_note"),
            false,
        ),
        fb.input(
            "psychosocial_note",
            "textarea",
            p.get("psychosocial_note"),
            false,
        ),
    ];
    let consent = vec![
        fb.input("consent_date", "date", p.get("consent_date"), false),
        fb.select(
            "consent_method",
            p.get("consent_method"),
            "method",
            &names(ConsentMethod::ALL, ConsentMethod::as_str),
            false,
        ),
        fb.input("consent_purpose", "text", p.get("consent_purpose"), false),
    ];
    let exception = if may_override {
        vec![
            fb.select(
                "override_reason",
                p.get("override_reason"),
                "override",
                &names(OverrideReason::ALL, OverrideReason::as_str),
                false,
            ),
            fb.input("override_date", "date", p.get("override_date"), false),
            fb.input(
                "override_professional",
                "text",
                p.get("override_professional"),
                false,
            ),
            fb.input(
                "override_justification",
                "textarea",
                p.get("override_justification"),
                false,
            ),
        ]
    } else {
        Vec::new()
    };
    let shown: Vec<&str> = [&service]
        .into_iter()
        .chain(&what)
        .chain(&consent)
        .chain(&exception)
        .map(|f| f.name.as_str())
        .collect();
    let other_errors = errors
        .0
        .iter()
        .filter(|e| !shown.contains(&e.field.as_str()))
        .map(|e| tr.t(e.code))
        .collect();
    ReferralFormView {
        other_errors,
        action: String::new(),
        version: p.get("version").to_string(),
        procedure: vec![FieldView {
            id: "procedure-service".into(),
            ..service.clone()
        }],
        services: vec![service],
        what,
        consent,
        exception,
        plan_item: p.get("plan_item").to_string(),
        has_errors: !errors.is_empty(),
    }
}
