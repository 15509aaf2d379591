//! Queries of the results framework that pages and the API share: an indicator with its
//! result and programme, and its figures per period and group within the programme's offices,
//! countries and age bands, as the reader may see them.

use std::collections::BTreeMap;

use domain::StakeholderId;
use domain::authz::Actor;
use domain::community::{Project, RESPONDENT_FIELD, SATISFACTION_FIELD, SATISFACTION_FORM};
use domain::me::{
    Axis, Computation, Indicator, Programme, Record, ResultStatement, Source, Tally, tally_records,
};
use domain::structural::{CapacityAssessment, Training, training_support};
use store::{DocKind, Subject, SubmissionStatus, TallyQuery};
use time::Date;

use crate::community::{self as cm, Doc};
use crate::{App, Error};

/// The offices a programme names, by code (`None` when it names none: all offices). A code no
/// office has matches nothing.
async fn programme_offices(
    app: &App,
    programme: &Programme,
) -> Result<Option<Vec<domain::OfficeId>>, Error> {
    if programme.offices.iter().all(|o| o.trim().is_empty()) {
        return Ok(None);
    }
    let offices = app.store.list_offices().await?;
    Ok(Some(
        offices
            .into_iter()
            .filter(|o| {
                programme
                    .offices
                    .iter()
                    .any(|code| code.trim().eq_ignore_ascii_case(&o.code.to_string()))
            })
            .map(|o| o.id)
            .collect(),
    ))
}

/// Whether a record of an office is within a programme's offices (`None`: all of them).
fn in_offices(offices: &Option<Vec<domain::OfficeId>>, office: Option<domain::OfficeId>) -> bool {
    offices
        .as_ref()
        .is_none_or(|list| office.is_some_and(|o| list.contains(&o)))
}

/// What an indicator of a programme counts, as the reader may see it: the programme's offices,
/// countries and age bands within the reader's office.
pub async fn programme_query(
    app: &App,
    actor: &Actor,
    c: &Computation,
    programme: &Programme,
    axis: Option<Axis>,
    (from, to): (Date, Date),
) -> Result<TallyQuery, Error> {
    Ok(TallyQuery {
        computation: c.clone(),
        from,
        to,
        axis,
        office: actor.office,
        offices: programme_offices(app, programme).await?,
        countries: programme
            .countries
            .iter()
            .filter(|c| !c.trim().is_empty())
            .cloned()
            .collect(),
        age_bands: programme.bands(),
    })
}

/// An indicator's figures per (period, group), and where they were read from.
pub struct Figures {
    pub cells: BTreeMap<(String, Option<String>), Tally>,
    pub counted: store::Counted,
}

/// An indicator's figures per period (and group), within its programme's dates, offices and
/// countries: from the survey tallies where they keep them, else from the records of its
/// source.
pub async fn figures(
    app: &App,
    actor: &Actor,
    c: &Computation,
    programme: &Programme,
    axis: Option<Axis>,
) -> Result<Figures, Error> {
    let (from, to) = span(programme, app.today());
    if matches!(
        c.source,
        Source::Surveys | Source::Cases | Source::Referrals
    ) {
        let answer = app
            .store
            .indicator_figures(&programme_query(app, actor, c, programme, axis, (from, to)).await?)
            .await?;
        return Ok(Figures {
            cells: answer
                .rows
                .into_iter()
                .map(|r| ((r.period, r.group), r.tally))
                .collect(),
            counted: answer.counted,
        });
    }
    let keyed = |m: BTreeMap<String, Tally>| m.into_iter().map(|(p, t)| ((p, None), t)).collect();
    let cells = match c.source {
        Source::Surveys | Source::Cases | Source::Referrals => BTreeMap::new(),
        Source::Satisfaction => {
            let mut records = Vec::new();
            let offices = programme_offices(app, programme).await?;
            for p in app.store.documents(store::DocKind::Project, None).await? {
                if actor.office.is_some_and(|o| p.office != Some(o))
                    || !in_offices(&offices, p.office)
                {
                    continue;
                }
                for s in app.store.submissions_for(Subject::Document(p.id)).await? {
                    if s.status != SubmissionStatus::Complete || s.form_id != SATISFACTION_FORM {
                        continue;
                    }
                    let a: serde_json::Value = serde_json::from_str(&s.answers).unwrap_or_default();
                    let text =
                        |k: &str| a.get(k).and_then(|v| v.as_str()).unwrap_or("").to_string();
                    records.push(Record {
                        date: s.interview_date,
                        fields: vec![
                            (RESPONDENT_FIELD, text(RESPONDENT_FIELD)),
                            (SATISFACTION_FIELD, text(SATISFACTION_FIELD)),
                        ],
                    });
                }
            }
            keyed(tally_records(&records, c, from, to))
        }
        Source::Participants => {
            let mut records = Vec::new();
            let offices = programme_offices(app, programme).await?;
            let projects: Vec<Doc<Project>> = cm_list(app, actor).await?;
            for p in projects
                .iter()
                .filter(|p| in_offices(&offices, p.rec.office))
            {
                for x in &p.body.participants {
                    records.push(Record {
                        date: x.joined,
                        fields: vec![
                            ("kind", x.kind.as_str().to_string()),
                            ("role", x.role.as_str().to_string()),
                            ("sex", x.sex.map(|s| s.as_str()).unwrap_or("").to_string()),
                        ],
                    });
                }
            }
            keyed(tally_records(&records, c, from, to))
        }
        Source::Trainees => keyed(tally_records(&trainee_records(app).await?, c, from, to)),
        Source::Stakeholders => keyed(tally_records(&stakeholder_records(app).await?, c, from, to)),
    };
    Ok(Figures {
        cells,
        counted: store::Counted::Records {
            reason: format!("{} are counted from their records", c.source.as_str()),
        },
    })
}

pub async fn cm_list(app: &App, actor: &Actor) -> Result<Vec<Doc<Project>>, Error> {
    // Project figures belong to the results framework: read as aggregates, offices in scope.
    Ok(app
        .store
        .documents(store::DocKind::Project, None)
        .await?
        .into_iter()
        .filter(|r| actor.office.is_none_or(|o| r.office == Some(o)))
        .filter_map(|r| {
            serde_json::from_str(&r.body)
                .ok()
                .map(|body| Doc { rec: r, body })
        })
        .collect())
}

/// Every participant of a training, counted on the day it began: their sex, the kind of
/// activity, whether they took both tests and whether their score rose. Read as figures: no
/// name leaves this function.
async fn trainee_records(app: &App) -> Result<Vec<Record<'static>>, Error> {
    let mut records = Vec::new();
    for rec in app.store.documents(store::DocKind::Training, None).await? {
        let Ok(t) = serde_json::from_str::<domain::structural::Training>(&rec.body) else {
            continue;
        };
        for x in &t.participants {
            records.push(Record {
                date: t.start,
                fields: vec![
                    ("sex", x.sex.map(|s| s.as_str()).unwrap_or("").to_string()),
                    (
                        "activity",
                        t.activity.map(|a| a.as_str()).unwrap_or("").to_string(),
                    ),
                    ("tested", x.improved().is_some().to_string()),
                    ("improved", (x.improved() == Some(true)).to_string()),
                ],
            });
        }
    }
    Ok(records)
}

/// Supported stakeholders, each counted on the date of its latest assessment after support:
/// measured when assessed before and after, more engaged when the engagement rose.
async fn stakeholder_records(app: &App) -> Result<Vec<Record<'static>>, Error> {
    let (assessments, support) = engagement_inputs(app).await?;
    Ok(
        domain::structural::engagement_outcomes(&assessments, &support)
            .1
            .into_iter()
            .map(|o| Record {
                date: o.assessed_after,
                fields: vec![
                    ("measured", "true".into()),
                    ("more_engaged", o.more_engaged.to_string()),
                ],
            })
            .collect(),
    )
}

/// An indicator with the result and the programme it belongs to.
pub async fn indicator_chain(
    app: &App,
    actor: &Actor,
    id: &str,
) -> Result<(Doc<Indicator>, Doc<ResultStatement>, Doc<Programme>), Error> {
    let parent = |d: Option<domain::DocumentId>| d.map(|p| p.to_string()).unwrap_or_default();
    let ind: Doc<Indicator> = cm::get(app, actor, id).await?;
    let result: Doc<ResultStatement> = cm::get(app, actor, &parent(ind.rec.parent)).await?;
    let programme: Doc<Programme> = cm::get(app, actor, &parent(result.rec.parent)).await?;
    Ok((ind, result, programme))
}

/// The dates an indicator is tracked over: its programme's, up to today.
pub fn span(p: &Programme, today: Date) -> (Date, Date) {
    let end = p.end.map_or(today, |e| e.min(today));
    (p.start, end.max(p.start))
}

/// What the "more engaged after support" figures are made of: every capacity assessment
/// (stakeholder, date, engagement) and the support given by trainings that have begun. Read as
/// figures: the caller has authorized the reader.
pub async fn engagement_inputs(
    app: &App,
) -> Result<(Vec<(StakeholderId, Date, u8)>, Vec<(StakeholderId, Date)>), Error> {
    let assessments: Vec<CapacityAssessment> = app
        .store
        .documents(DocKind::CapacityAssessment, None)
        .await?
        .iter()
        .filter_map(|r| serde_json::from_str(&r.body).ok())
        .collect();
    let trainings: Vec<Training> = app
        .store
        .documents(DocKind::Training, None)
        .await?
        .iter()
        .filter_map(|r| serde_json::from_str(&r.body).ok())
        .collect();
    Ok((
        assessments
            .iter()
            .map(|a| (a.stakeholder, a.on, a.engagement))
            .collect(),
        training_support(&trainings, app.today()),
    ))
}

/// The cases behind one figure of an indicator, for staff who may list cases: those the
/// actor may see, and how many more the figure counted that they may not (at most `limit`
/// looked at).
pub async fn cases_behind(
    app: &App,
    actor: &Actor,
    query: &TallyQuery,
    period: &str,
    group: Option<&str>,
    limit: u32,
) -> Result<(Vec<store::CaseRecord>, usize), Error> {
    domain::authz::authorize(
        actor,
        domain::authz::Action::ListCases,
        domain::authz::Resource::Programme,
    )?;
    let scope = domain::authz::case_list_scope(actor);
    let mut shown = Vec::new();
    let mut hidden = 0;
    for id in app.store.tally_cases(query, period, group, limit).await? {
        let case = app.store.case(id).await?;
        if scope.is_some_and(|s| s.admits(&case.access())) {
            shown.push(case);
        } else {
            hidden += 1;
        }
    }
    Ok((shown, hidden))
}

/// Recounts the survey tallies from the records: the cells that differ (none when in step).
/// For operators (`reintegra tallies verify`) and tests.
pub async fn verify_tallies(app: &App) -> Result<Vec<store::TallyDifference>, Error> {
    Ok(app.store.verify_tallies().await?)
}

/// Folds the survey tallies' recent changes into their counts (the scheduled upkeep).
pub async fn fold_tallies(app: &App) -> Result<u64, Error> {
    Ok(app.store.fold_tallies().await?)
}

/// Builds the survey tallies again from the records.
pub async fn rebuild_tallies(app: &App) -> Result<(), Error> {
    Ok(app.store.rebuild_tallies().await?)
}
