//! Export the other records a programme keeps: a form's submissions, plans and disbursements,
//! referrals, community projects and participants. Each holds personal data, so each comes as
//! an encrypted ZIP file.

use super::*;
use crate::forms::FieldView;
use app::exports::Records;

/// What the records export form posts.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RecordsExportForm {
    pub what: String,
    pub form_id: String,
    pub headers: String,
    pub format: String,
    pub passphrase: String,
}

#[derive(Template)]
#[template(path = "records_export.html")]
pub(super) struct RecordsExportPage {
    pub(super) c: Chrome,
    pub(super) fields: Vec<FieldView>,
    pub(super) error_summary: Vec<(String, String)>,
}

async fn records_page(
    state: &AppState,
    tr: &Tr,
    caller: &Caller,
    form: &RecordsExportForm,
    errors: &ValidationErrors,
) -> Result<RecordsExportPage, AppError> {
    let map = error_map(tr, errors);
    let b = FieldBuilder { tr, errors: &map };
    let or = |v: &str, d: &'static str| {
        if v.is_empty() {
            d.to_string()
        } else {
            v.to_string()
        }
    };
    let whats: Vec<&str> = Records::ALL.iter().map(|r| r.as_str()).collect();
    let forms = app::forms::published_forms(state, &caller.actor()).await?;
    let mut form_field = b.input("form_id", "select", &form.form_id, false);
    form_field.choices = forms
        .iter()
        .map(|f| Choice {
            selected: f.form_id == or(&form.form_id, "rss"),
            value: f.form_id.clone(),
            label: f.title.clone(),
        })
        .collect();
    let mut fields = vec![
        b.select(
            "what",
            &or(&form.what, "submissions"),
            "export-records",
            &whats,
            true,
        ),
        form_field,
        b.select(
            "headers",
            &or(&form.headers, "names"),
            "export-headers",
            &["names", "labels"],
            true,
        ),
        b.select(
            "format",
            &or(&form.format, "xlsx"),
            "export-format",
            &["xlsx", "csv"],
            true,
        ),
        // Never shown again: a passphrase is not echoed into a page.
        b.input("passphrase", "password", "", true),
    ];
    for f in &mut fields {
        if f.name != "form_id" {
            f.choices.retain(|c| !c.value.is_empty());
        }
    }
    Ok(RecordsExportPage {
        c: Chrome::new(state, tr.clone(), Some(caller)),
        error_summary: crate::forms::error_summary(tr, errors, &map),
        fields,
    })
}

pub async fn records_export_form(
    State(state): State<AppState>,
    tr: Tr,
    SignedIn(caller): SignedIn,
) -> Result<Response, AppError> {
    authorize(&caller.actor(), Action::ExportPersonal, Resource::Programme)?;
    let form = RecordsExportForm::default();
    let page = records_page(&state, &tr, &caller, &form, &ValidationErrors::new()).await?;
    render(&page)
}

pub async fn records_export(
    State(state): State<AppState>,
    tr: Tr,
    CsrfForm { caller, form }: CsrfForm<RecordsExportForm>,
) -> Result<Response, AppError> {
    let request = app::exports::RecordsExport {
        what: form.what.clone(),
        form_id: form.form_id.clone(),
        labels: form.headers == "labels",
        language: tr.lang().to_string(),
        format: form.format.clone(),
        passphrase: Some(form.passphrase.clone()),
        progress: None,
    };
    let request = app::exports::jobs::ExportRequest::Records(request);
    match crate::download::start_export(&state, &caller.actor(), request).await {
        Ok(response) => Ok(response),
        Err(e) if e.kind == app::ErrorKind::Validation => {
            let page = records_page(&state, &tr, &caller, &form, &e.fields).await?;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(e.into()),
    }
}
