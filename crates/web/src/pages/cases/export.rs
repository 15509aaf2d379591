//! Export the case list, as filtered on screen, to a file: with personal data (always an
//! encrypted ZIP file) or pseudonymised for analysis.

use super::*;
use crate::forms::FieldView;

/// What the export form posts: the list's filters (hidden), and the user's choices.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ExportForm {
    #[serde(flatten)]
    pub filters: CaseFilters,
    pub export_kind: String,
    pub what: String,
    pub format: String,
    pub passphrase: String,
    pub pseudonym_key: String,
}

#[derive(Template)]
#[template(path = "cases_export.html")]
pub(super) struct ExportPage {
    pub(super) c: Chrome,
    /// The list's filters, carried through the form.
    pub(super) hidden: Vec<(&'static str, String)>,
    pub(super) back: String,
    pub(super) fields: Vec<FieldView>,
    pub(super) error_summary: Vec<(String, String)>,
}

/// The kinds of export the actor may make, personal first.
fn kinds(actor: &Actor) -> Vec<&'static str> {
    let mut out = Vec::new();
    if domain::authz::may_attempt(actor.role, Action::ExportPersonal) {
        out.push("personal");
    }
    if domain::authz::may_attempt(actor.role, Action::ExportPseudonymised) {
        out.push("pseudonymised");
    }
    out
}

fn page(
    state: &AppState,
    tr: &Tr,
    caller: &Caller,
    form: &ExportForm,
    errors: &ValidationErrors,
) -> ExportPage {
    let actor = caller.actor();
    let map = error_map(tr, errors);
    let b = FieldBuilder { tr, errors: &map };
    let kinds = kinds(&actor);
    let kind = if form.export_kind.is_empty() {
        kinds.first().copied().unwrap_or_default()
    } else {
        &form.export_kind
    };
    let mut fields = vec![
        b.select(
            "what",
            if form.what.is_empty() {
                "cases"
            } else {
                &form.what
            },
            "export-what",
            &["cases", "rss_scores"],
            true,
        ),
        b.select("export_kind", kind, "export-kind", &kinds, true),
        b.select(
            "format",
            if form.format.is_empty() {
                "xlsx"
            } else {
                &form.format
            },
            "export-format",
            &["xlsx", "csv"],
            true,
        ),
        // Never shown again: a passphrase is not echoed into a page.
        b.input("passphrase", "password", "", false),
        b.input("pseudonym_key", "text", &form.pseudonym_key, false),
    ];
    for f in &mut fields {
        f.choices.retain(|c| !c.value.is_empty());
    }
    let hidden: Vec<(&'static str, String)> = form
        .filters
        .set()
        .into_iter()
        .map(|(k, v)| (k, v.to_string()))
        .collect();
    let back = if hidden.is_empty() {
        "/cases".to_string()
    } else {
        format!(
            "/cases?{}",
            hidden
                .iter()
                .map(|(k, v)| format!("{k}={}", crate::auth::urlencode(v)))
                .collect::<Vec<_>>()
                .join("&")
        )
    };
    ExportPage {
        c: Chrome::new(state, tr.clone(), Some(caller)),
        hidden,
        back,
        error_summary: crate::forms::error_summary(tr, errors, &map),
        fields,
    }
}

pub async fn export_form(
    State(state): State<AppState>,
    tr: Tr,
    SignedIn(caller): SignedIn,
    Query(filters): Query<CaseFilters>,
) -> Result<Response, AppError> {
    let form = ExportForm {
        filters,
        ..ExportForm::default()
    };
    render(&page(&state, &tr, &caller, &form, &ValidationErrors::new()))
}

pub async fn export(
    State(state): State<AppState>,
    tr: Tr,
    CsrfForm { caller, form }: CsrfForm<ExportForm>,
) -> Result<Response, AppError> {
    let actor = caller.actor();
    let request = app::exports::CaseExport {
        filters: form.filters.clone(),
        what: form.what.clone(),
        format: form.format.clone(),
        pseudonymise: form.export_kind == "pseudonymised",
        passphrase: Some(form.passphrase.clone()),
        pseudonym_key: form.pseudonym_key.clone(),
        progress: None,
    };
    let request = app::exports::jobs::ExportRequest::Cases(Box::new(request));
    match crate::download::start_export(&state, &actor, request).await {
        Ok(response) => Ok(response),
        Err(e) if e.kind == app::ErrorKind::Validation => render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &page(&state, &tr, &caller, &form, &e.fields),
        ),
        Err(e) => Err(e.into()),
    }
}
