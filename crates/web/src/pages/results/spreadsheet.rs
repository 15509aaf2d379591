//! The framework as a spreadsheet

use super::*;

/// The programme's theory of change, results matrix (Table 5.3), results-monitoring framework
/// (Table 5.4) and tracking, as an `.xlsx` workbook. Viewers get the same small cells hidden.
pub async fn export(
    State(state): State<AppState>,
    tr: Tr,
    SignedIn(caller): SignedIn,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let (name, book) = framework_book(&state, &tr, &caller, &id).await?;
    let bytes = forms::xlsx::write(&book).map_err(AppError::internal)?;
    Ok(attachment(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        &format!("results-{name}.xlsx"),
        bytes,
    ))
}

/// The indicator values per period (the tracking sheet) as a CSV file, for analysis
/// elsewhere: the same figures, with the same small cells hidden for viewers.
pub async fn export_csv(
    State(state): State<AppState>,
    tr: Tr,
    SignedIn(caller): SignedIn,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let (name, book) = framework_book(&state, &tr, &caller, &id).await?;
    let mut w = csv::Writer::from_writer(Vec::new());
    for row in book
        .sheets
        .last()
        .map(|s| s.rows.as_slice())
        .unwrap_or_default()
    {
        w.write_record(row).map_err(AppError::internal)?;
    }
    let bytes = w.into_inner().map_err(AppError::internal)?;
    Ok(attachment(
        "text/csv; charset=utf-8",
        &format!("indicator-values-{name}.csv"),
        bytes,
    ))
}

fn attachment(media_type: &str, file_name: &str, bytes: Vec<u8>) -> Response {
    (
        [
            (axum::http::header::CONTENT_TYPE, media_type.to_string()),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file_name}\""),
            ),
        ],
        bytes,
    )
        .into_response()
}

/// The framework's sheets, tracking last, and the programme's name as a file name.
async fn framework_book(
    state: &AppState,
    tr: &Tr,
    caller: &crate::auth::Caller,
    id: &str,
) -> Result<(String, forms::xlsform::Workbook), AppError> {
    use forms::xlsform::{Sheet, Workbook};
    let actor = caller.actor();
    let programme: Doc<Programme> = cm::get(state, &actor, id).await?;
    let mut results: Vec<Doc<ResultStatement>> =
        cm::list(state, &actor, Some(programme.id())).await?;
    results.sort_by_key(|r| std::cmp::Reverse(r.body.level));
    let header = |ids: &[&str]| ids.iter().map(|i| tr.t(i)).collect::<Vec<_>>();
    let mut toc = vec![header(&[
        "field-level",
        "results-result",
        "field-intervention",
        "field-assumptions",
    ])];
    let mut matrix = vec![header(&[
        "results-result",
        "results-indicator",
        "field-data-source",
        "field-baseline",
        "field-target",
        "field-assumptions",
    ])];
    let mut rmf = vec![header(&[
        "results-result",
        "results-indicator",
        "field-unit",
        "field-source",
        "field-data-source",
        "field-analysis",
        "field-frequency",
        "field-responsible",
        "field-baseline",
        "field-target",
    ])];
    let mut tracking = vec![header(&[
        "results-indicator",
        "tracking-period",
        "tracking-actual",
        "tracking-detail",
        "tracking-progress",
    ])];
    for r in &results {
        let assumptions = r.body.assumptions.join("; ");
        toc.push(vec![
            tr.t_of("result-level", r.body.level.as_str()),
            r.body.statement.clone(),
            r.body
                .intervention
                .map(|l| tr.t_of("intervention-level", l.as_str()))
                .unwrap_or_default(),
            assumptions.clone(),
        ]);
        let indicators: Vec<Doc<Indicator>> = cm::list(state, &actor, Some(r.id())).await?;
        if indicators.is_empty() {
            matrix.push(vec![
                r.body.statement.clone(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                assumptions.clone(),
            ]);
        }
        for i in &indicators {
            let b = &i.body;
            matrix.push(vec![
                r.body.statement.clone(),
                b.statement.clone(),
                b.data_source.clone(),
                number(b.baseline),
                number(b.target),
                assumptions.clone(),
            ]);
            rmf.push(vec![
                r.body.statement.clone(),
                b.statement.clone(),
                tr.t_of("unit", b.unit.as_str()),
                b.source
                    .map(|s| tr.t_of("source", s.as_str()))
                    .unwrap_or_else(|| tr.t("tracking-reported")),
                b.data_source.clone(),
                b.analysis
                    .map(|a| tr.t_of("analysis", a.as_str()))
                    .unwrap_or_default(),
                tr.t_of("frequency", b.frequency.as_str()),
                b.responsible.clone(),
                number(b.baseline),
                number(b.target),
            ]);
            for row in track_rows(state, tr, &actor, i, &programme.body, None)
                .await?
                .rows
            {
                tracking.push(vec![
                    b.statement.clone(),
                    row.period,
                    row.actual,
                    row.counted,
                    row.progress,
                ]);
            }
        }
    }
    let sheet = |name: &str, rows| Sheet {
        name: name.chars().take(31).collect(),
        rows,
    };
    let book = Workbook {
        sheets: vec![
            sheet(&tr.t("export-theory-of-change"), toc),
            sheet(&tr.t("export-results-matrix"), matrix),
            sheet(&tr.t("export-monitoring-framework"), rmf),
            sheet(&tr.t("tracking-title"), tracking),
        ],
    };
    let name: String = programme
        .body
        .name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    Ok((name, book))
}
