//! The handbook's examples, ready to use

use super::*;

/// Adds, under a programme, the three outcomes of Table 5.4 with the handbook's example
/// indicators (and referrals to psychosocial support per month under the individual outcome).
pub async fn add_handbook_examples(
    State(state): State<AppState>,
    Path(id): Path<String>,
    crate::pages::CsrfForm { caller, .. }: crate::pages::CsrfForm<crate::forms::Posted>,
) -> Result<Response, AppError> {
    use domain::me::{InterventionLevel, ResultLevel, handbook_indicators};
    let actor = caller.actor();
    let programme: Doc<Programme> = cm::get(&state, &actor, &id).await?;
    let outcomes = [
        (
            InterventionLevel::Individual,
            "Returnees have sufficient levels of economic self-sufficiency, social stability and psychosocial well-being in their community of return.",
            vec![
                "returnees_composite_at_least_half",
                "psychosocial_referrals",
            ],
        ),
        (
            InterventionLevel::Community,
            "Communities benefit from the design and implementation of community-based reintegration.",
            vec!["community_members_satisfied"],
        ),
        (
            InterventionLevel::Structural,
            "Local and national stakeholders have enhanced capacities to provide essential and reintegration-related services.",
            vec!["stakeholders_more_engaged"],
        ),
    ];
    let examples = handbook_indicators();
    for (level, statement, keys) in outcomes {
        let result = cm::save(
            &state,
            &actor,
            None,
            None,
            cm::Place {
                parent: Some(programme.id()),
                office: None,
            },
            ResultStatement {
                level: ResultLevel::Outcome,
                statement: statement.into(),
                intervention: Some(level),
                assumptions: vec![],
            },
        )
        .await?;
        for key in keys {
            let Some((_, unit, c, axes)) = examples.iter().find(|(k, ..)| *k == key) else {
                continue;
            };
            let lines = |cs: &[domain::me::Condition]| cs.iter().map(|c| c.to_line()).collect();
            cm::save(
                &state,
                &actor,
                None,
                None,
                cm::Place {
                    parent: Some(result.id()),
                    office: None,
                },
                Indicator {
                    statement: example_statement(key).into(),
                    unit: *unit,
                    source: Some(c.source),
                    counted: lines(&c.population),
                    numerator: lines(&c.numerator),
                    frequency: c.frequency,
                    axes: axes.clone(),
                    data_source: String::new(),
                    analysis: None,
                    responsible: String::new(),
                    baseline: None,
                    target: None,
                    reported: vec![],
                },
            )
            .await?;
        }
    }
    Ok(axum::response::Redirect::to("/results#programmes").into_response())
}

pub(super) fn example_statement(key: &str) -> &'static str {
    match key {
        "returnees_composite_at_least_half" => {
            "Returnees who reach a composite reintegration score of 0.5 or more"
        }
        "community_members_satisfied" => {
            "Community members satisfied with community-based reintegration activities (%)"
        }
        "stakeholders_more_engaged" => "Stakeholders more engaged after support (%)",
        _ => "Referrals to psychosocial support",
    }
}
