//! Monitoring samples (Module 5): an M&E officer draws a random sample of returnees for a
//! survey round, simple or stratified, sized by the standard formula and reproducible from its
//! stored seed; case managers find their sampled returnees in My work and record what became
//! of each; the sample is topped up with replacements drawn the same way.

use std::collections::BTreeMap;

use domain::ValidationErrors;
use domain::authz::{Action, Actor, Resource, authorize, authorize_record};
use domain::me::samples::{
    Coverage, CoverageCounts, Design, Member, check_label, effective_coverage, first_draw,
    top_up as replace,
};
use store::{AuditContext, NewSample, SampleRecord, SampledCase};

use crate::{App, Error, ErrorKind};

/// A draw as typed in a form or sent by a client.
#[derive(Clone, Debug, Default)]
pub struct DrawRequest {
    pub label: String,
    pub round: String,
    pub strata: String,
    pub margin: String,
    pub confidence: String,
}

/// A sampled returnee with what became of them, counting a survey since the draw.
pub struct MemberView {
    pub member: SampledCase,
    pub coverage: Coverage,
    /// Whether the reader may open the case: a restricted case's number is not shown to
    /// those who may not.
    pub readable: bool,
}

/// A sample with its members and how far it has come, overall and per stratum.
pub struct SampleView {
    pub record: SampleRecord,
    pub members: Vec<MemberView>,
    pub coverage: CoverageCounts,
    pub by_stratum: BTreeMap<String, CoverageCounts>,
}

/// How many returnees a sample drawn by the actor would come from (the frame of their office,
/// or of every office for national staff).
pub async fn population(app: &App, actor: &Actor) -> Result<usize, Error> {
    authorize(actor, Action::ManageResults, Resource::Programme)?;
    Ok(app.store.sampling_frame(actor.office).await?.len())
}

/// Draws a sample: the design checked, the frame read, the draw made from a fresh seed and
/// stored with it, in one audited write.
pub async fn draw(app: &App, actor: &Actor, req: &DrawRequest) -> Result<SampleView, Error> {
    authorize(actor, Action::ManageResults, Resource::Programme)?;
    let mut e = ValidationErrors::new();
    let label = req.label.trim();
    check_label(&mut e, label);
    let design = Design::read(&req.round, &req.strata, &req.margin, &req.confidence);
    if let Err(more) = &design {
        e.0.extend(more.0.iter().cloned());
    }
    let frame = app.store.sampling_frame(actor.office).await?;
    if frame.is_empty() && e.is_empty() {
        e.add("round", "error-sample-no-frame");
    }
    let design = match design {
        Ok(d) if e.is_empty() => d,
        _ => return Err(Error::validation(e)),
    };
    let seed = rand::random::<u64>();
    let members = first_draw(&frame, &design, seed);
    let record = app
        .store
        .create_sample(
            NewSample {
                id: uuid::Uuid::new_v4(),
                office: actor.office,
                label: label.to_string(),
                design,
                population: frame.len(),
                size: design.size(frame.len()),
                seed,
                created_by: actor.user_id,
                created_on: app.today(),
            },
            members,
            AuditContext::by(actor.user_id, app.now()),
        )
        .await?;
    view(app, actor, record).await
}

/// The samples of the actor's office (every office's for national staff), newest first, with
/// their coverage.
pub async fn samples(app: &App, actor: &Actor) -> Result<Vec<SampleView>, Error> {
    authorize(actor, Action::ListCases, Resource::Programme)?;
    let mut out = Vec::new();
    for record in app.store.samples(actor.office).await? {
        out.push(view(app, actor, record).await?);
    }
    Ok(out)
}

/// One sample with its members, if it is of the actor's office.
pub async fn sample(app: &App, actor: &Actor, id: &str) -> Result<SampleView, Error> {
    authorize(actor, Action::ListCases, Resource::Programme)?;
    view(app, actor, in_scope(app, actor, id).await?).await
}

/// Draws replacements for the members refused or not reachable, each in their own stratum.
/// Returns how many were added (none when nobody needs replacing or nobody is left).
pub async fn top_up(app: &App, actor: &Actor, id: &str) -> Result<(SampleView, usize), Error> {
    authorize(actor, Action::ManageResults, Resource::Programme)?;
    let record = in_scope(app, actor, id).await?;
    let current = view(app, actor, record.clone()).await?;
    let members: Vec<Member> = current
        .members
        .iter()
        .map(|m| Member {
            case: m.member.case.id,
            stratum: m.member.stratum.clone(),
            draw: m.member.draw,
            coverage: m.coverage,
        })
        .collect();
    let next_draw = members.iter().map(|m| m.draw).max().unwrap_or(0) + 1;
    let frame = app.store.sampling_frame(record.office).await?;
    let added = replace(
        &frame,
        record.design.strata,
        &members,
        record.seed,
        next_draw,
    );
    let count = added.len();
    if count > 0 {
        app.store
            .add_sample_members(
                record.id,
                next_draw,
                added,
                AuditContext::by(actor.user_id, app.now()),
            )
            .await?;
    }
    Ok((view(app, actor, record).await?, count))
}

/// Records what became of a sampled returnee; by those who may work on the case.
pub async fn record_coverage(
    app: &App,
    actor: &Actor,
    sample: &str,
    case: &str,
    coverage: &str,
) -> Result<(), Error> {
    let case = crate::cases::authorized_case(app, actor, case, Action::UpdateCase).await?;
    let sample = parse_id(sample)?;
    let Some(coverage) = Coverage::parse(coverage) else {
        return Err(Error::invalid("coverage", "error-choice"));
    };
    app.store
        .set_sample_coverage(
            sample,
            case.id,
            coverage,
            AuditContext::by(actor.user_id, app.now()),
        )
        .await?;
    Ok(())
}

/// The actor's sampled returnees still to be reached, with the sample each is in: for My work.
pub async fn to_reach(app: &App, actor: &Actor) -> Result<Vec<(SampleRecord, SampledCase)>, Error> {
    authorize(actor, Action::UpdateCase, Resource::Programme)?;
    let mut records: BTreeMap<uuid::Uuid, Option<SampleRecord>> = BTreeMap::new();
    let mut out = Vec::new();
    for m in app.store.sampled_cases_of(actor.user_id).await? {
        if effective_coverage(m.recorded, m.surveyed) != Coverage::Pending {
            continue;
        }
        if authorize_record(actor, Action::UpdateCase, Resource::Case(access(&m))).is_err() {
            continue;
        }
        if let std::collections::btree_map::Entry::Vacant(slot) = records.entry(m.sample) {
            slot.insert(app.store.sample(m.sample).await?);
        }
        if let Some(Some(record)) = records.get(&m.sample) {
            out.push((record.clone(), m));
        }
    }
    Ok(out)
}

/// What decides who may open a sampled case.
fn access(m: &SampledCase) -> domain::authz::CaseAccess {
    domain::authz::CaseAccess {
        office: m.office,
        case_manager: m.case_manager,
        restricted: m.case.restricted,
        self_approval: false,
    }
}

fn parse_id(id: &str) -> Result<uuid::Uuid, Error> {
    id.parse().map_err(|_| Error::new(ErrorKind::NotFound))
}

/// A sample the actor may see: one of their office's, or any for national staff.
async fn in_scope(app: &App, actor: &Actor, id: &str) -> Result<SampleRecord, Error> {
    let record = app
        .store
        .sample(parse_id(id)?)
        .await?
        .ok_or(Error::new(ErrorKind::NotFound))?;
    match actor.office {
        Some(office) if record.office != Some(office) => Err(Error::new(ErrorKind::NotFound)),
        _ => Ok(record),
    }
}

async fn view(app: &App, actor: &Actor, record: SampleRecord) -> Result<SampleView, Error> {
    let members: Vec<MemberView> = app
        .store
        .sample_members(record.id)
        .await?
        .into_iter()
        .map(|m| MemberView {
            coverage: effective_coverage(m.recorded, m.surveyed),
            readable: authorize(actor, Action::ReadCase, Resource::Case(access(&m))).is_ok(),
            member: m,
        })
        .collect();
    let mut coverage = CoverageCounts::default();
    let mut by_stratum: BTreeMap<String, CoverageCounts> = BTreeMap::new();
    for m in &members {
        coverage.add(m.coverage);
        by_stratum
            .entry(m.member.stratum.clone())
            .or_default()
            .add(m.coverage);
    }
    Ok(SampleView {
        record,
        members,
        coverage,
        by_stratum,
    })
}
