//! The records behind a figure

use super::*;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DrillQuery {
    pub(super) period: String,
    pub(super) axis: String,
    pub(super) group: String,
}

pub struct DrillRow {
    pub href: String,
    pub number: String,
    pub name: String,
}

#[derive(Template)]
#[template(path = "indicator_records.html")]
pub struct DrillPage {
    pub(super) c: Chrome,
    pub(super) back: String,
    pub(super) title: String,
    pub(super) cell: String,
    pub(super) rows: Vec<DrillRow>,
    pub(super) hidden: String,
    pub(super) limited: bool,
}

/// The most records listed behind one figure.
pub(super) const DRILL_LIMIT: u32 = 500;

/// The cases behind one figure of an indicator, as far as the reader may open them; the others
/// are counted, not named.
pub async fn records(
    State(state): State<AppState>,
    tr: Tr,
    SignedIn(caller): SignedIn,
    Path(id): Path<String>,
    Query(q): Query<DrillQuery>,
) -> Result<Response, AppError> {
    let actor = caller.actor();
    let (ind, _, programme) = indicator_chain(&state, &actor, &id).await?;
    let (from, to) = span(&programme.body, state.today());
    let Ok(Some(c)) = ind.body.computation() else {
        return Err(AppError::new(crate::error::ErrorKind::NotFound));
    };
    if !matches!(
        c.source,
        Source::Surveys | Source::Cases | Source::Referrals
    ) {
        return Err(AppError::new(crate::error::ErrorKind::NotFound));
    }
    let Some(period) = Period::parse(&q.period).filter(|p| p.frequency == c.frequency) else {
        return Err(AppError::new(crate::error::ErrorKind::NotFound));
    };
    let axis = Axis::parse(&q.axis).filter(|a| ind.body.axes.contains(a));
    // As the figure counted them: within the programme's dates, offices and countries.
    let query = programme_query(
        &state,
        &actor,
        &c,
        &programme.body,
        axis,
        (period.start.max(from), period.end().min(to)),
    )
    .await?;
    let group = (!q.group.is_empty()).then_some(q.group.as_str());
    let (cases, hidden) =
        app::results::cases_behind(&state, &actor, &query, &period.label(), group, DRILL_LIMIT)
            .await?;
    let rows: Vec<DrillRow> = cases
        .into_iter()
        .map(|case| DrillRow {
            href: format!("/cases/{}", case.id),
            number: case.number.to_string(),
            name: case.profile.full_name(),
        })
        .collect();
    render(&DrillPage {
        c: Chrome::new(&state, tr.clone(), Some(&caller)),
        back: format!("/results/indicators/{}", ind.id()),
        title: ind.body.statement.clone(),
        cell: match (axis, group) {
            (Some(a), Some(g)) => format!("{} · {}", period.label(), group_label(&tr, a, g)),
            _ => period.label(),
        },
        limited: (rows.len() + hidden) as u32 >= DRILL_LIMIT,
        rows,
        hidden: if hidden > 0 {
            tr.tn("drill-hidden", hidden as u64)
        } else {
            String::new()
        },
    })
}
