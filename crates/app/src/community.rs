//! The community and structural levels as the pages and the API use them: typed records read and
//! written through the store's documents, each call authorized here, so both front ends behave
//! the same.

use domain::ValidationErrors;
use domain::authz::{Action, Actor, CaseAccess, Resource, authorize};
use domain::community::{
    Candidate, Community, MonitoringVisit, Project, ProjectRefusal, Ranked, SelectionConfig, rank,
};
use domain::structural::{
    Agreement, CapacityAssessment, CapacityPlan, Mechanism, Meeting, PolicyTrack, Training,
};
use domain::{CaseId, DocumentId, OfficeId};
use serde::Serialize;
use serde::de::DeserializeOwned;
use store::{AuditContext, CaseRecord, DocKind, DocRecord, NewDocument, PlacedCase};
use time::Date;

use crate::App;
use crate::referrals::parse_id;
use crate::{Error, ErrorKind};

/// A record of one of the two levels, as its `domain` type says.
pub trait Record: Serialize + DeserializeOwned + Clone + Send + Sync + 'static {
    const KIND: DocKind;
    /// What lists sort on and the audit names.
    fn name(&self) -> String;
    /// `domain`'s checks.
    fn check(&self, today: Date) -> ValidationErrors;
    /// Cases taking part (a project's returnees).
    fn cases(&self) -> Vec<CaseId> {
        Vec::new()
    }
    /// Trims what people typed.
    fn normalised(self) -> Self {
        self
    }
    /// Office codes the record names (a programme's offices): each must be an office's.
    fn office_codes(&self) -> Vec<String> {
        Vec::new()
    }
}

impl Record for Community {
    const KIND: DocKind = DocKind::Community;
    fn name(&self) -> String {
        self.name.clone()
    }
    fn check(&self, _: Date) -> ValidationErrors {
        self.validate()
    }
    fn normalised(self) -> Self {
        Community::normalised(self)
    }
}

impl Record for Project {
    const KIND: DocKind = DocKind::Project;
    fn name(&self) -> String {
        self.name.clone()
    }
    fn check(&self, today: Date) -> ValidationErrors {
        self.validate_at(today)
    }
    fn cases(&self) -> Vec<CaseId> {
        self.active_cases()
    }
    fn normalised(self) -> Self {
        Project::normalised(self)
    }
}

macro_rules! dated_record {
    ($t:ty, $kind:expr, $date:ident, |$s:ident, $today:ident| $check:expr) => {
        impl Record for $t {
            const KIND: DocKind = $kind;
            fn name(&self) -> String {
                self.$date.to_string()
            }
            fn check(&self, today: Date) -> ValidationErrors {
                let $s = self;
                let $today = today;
                $check
            }
        }
    };
}

dated_record!(MonitoringVisit, DocKind::Visit, on, |s, t| s.validate(t));
dated_record!(
    CapacityAssessment,
    DocKind::CapacityAssessment,
    on,
    |s, t| s.validate(t)
);
dated_record!(Meeting, DocKind::Meeting, on, |s, t| s.validate(t));

impl Record for CapacityPlan {
    const KIND: DocKind = DocKind::CapacityPlan;
    fn name(&self) -> String {
        self.title.clone()
    }
    fn check(&self, _: Date) -> ValidationErrors {
        self.validate()
    }
}

impl Record for Training {
    const KIND: DocKind = DocKind::Training;
    fn name(&self) -> String {
        self.title.clone()
    }
    fn check(&self, _: Date) -> ValidationErrors {
        self.validate()
    }
}

impl Record for Mechanism {
    const KIND: DocKind = DocKind::Mechanism;
    fn name(&self) -> String {
        self.name.clone()
    }
    fn check(&self, _: Date) -> ValidationErrors {
        self.validate()
    }
}

impl Record for Agreement {
    const KIND: DocKind = DocKind::Agreement;
    fn name(&self) -> String {
        self.title.clone()
    }
    fn check(&self, _: Date) -> ValidationErrors {
        self.validate()
    }
}

impl Record for domain::me::Programme {
    const KIND: DocKind = DocKind::Programme;
    fn name(&self) -> String {
        self.name.clone()
    }
    fn check(&self, _: Date) -> ValidationErrors {
        self.validate()
    }
    fn office_codes(&self) -> Vec<String> {
        self.offices.clone()
    }
}

impl Record for domain::me::ResultStatement {
    const KIND: DocKind = DocKind::Result;
    fn name(&self) -> String {
        self.statement.chars().take(120).collect()
    }
    fn check(&self, _: Date) -> ValidationErrors {
        self.validate()
    }
}

impl Record for domain::me::Indicator {
    const KIND: DocKind = DocKind::Indicator;
    fn name(&self) -> String {
        self.statement.chars().take(120).collect()
    }
    fn check(&self, _: Date) -> ValidationErrors {
        self.validate()
    }
    fn normalised(self) -> Self {
        domain::me::Indicator::normalised(self)
    }
}

impl Record for domain::me::Evaluation {
    const KIND: DocKind = DocKind::Evaluation;
    fn name(&self) -> String {
        self.title.clone()
    }
    fn check(&self, _: Date) -> ValidationErrors {
        self.validate()
    }
}

impl Record for domain::me::Lesson {
    const KIND: DocKind = DocKind::Lesson;
    fn name(&self) -> String {
        self.statement.chars().take(120).collect()
    }
    fn check(&self, _: Date) -> ValidationErrors {
        self.validate()
    }
}

impl Record for PolicyTrack {
    const KIND: DocKind = DocKind::PolicyTrack;
    fn name(&self) -> String {
        self.framework.clone()
    }
    fn check(&self, _: Date) -> ValidationErrors {
        self.validate()
    }
}

/// A stored record and its typed body.
#[derive(Clone, Debug)]
pub struct Doc<T> {
    pub rec: DocRecord,
    pub body: T,
}

impl<T> Doc<T> {
    pub fn id(&self) -> DocumentId {
        self.rec.id
    }
}

fn typed<T: Record>(rec: DocRecord) -> Result<Doc<T>, Error> {
    if rec.kind != T::KIND {
        return Err(Error::new(ErrorKind::NotFound));
    }
    let body = serde_json::from_str(&rec.body)
        .map_err(|e| Error::internal(format!("stored {}: {e}", T::KIND.as_str())))?;
    Ok(Doc { rec, body })
}

/// Where a record sits for authorization: an office's (communities and what belongs to them)
/// or the programme's.
fn resource(office: Option<OfficeId>) -> Resource {
    match office {
        Some(o) => Resource::Office(o),
        None => Resource::Programme,
    }
}

/// Who reads records of a kind: the community and structural levels, or the results framework
/// (figures, read like aggregates).
pub fn read_action(kind: DocKind) -> Action {
    match kind {
        DocKind::Programme
        | DocKind::Result
        | DocKind::Indicator
        | DocKind::Evaluation
        | DocKind::Lesson => Action::ReadAggregates,
        _ => Action::ReadCommunity,
    }
}

/// Who changes records of a kind.
pub fn manage_action(kind: DocKind) -> Action {
    match kind {
        DocKind::Community | DocKind::Project | DocKind::Visit => Action::ManageCommunity,
        DocKind::Programme
        | DocKind::Result
        | DocKind::Indicator
        | DocKind::Evaluation
        | DocKind::Lesson => Action::ManageResults,
        _ => Action::ManageStructural,
    }
}

/// Every record of a kind the actor may read (communities of other offices are left out).
pub async fn list<T: Record>(
    app: &App,
    actor: &Actor,
    parent: Option<DocumentId>,
) -> Result<Vec<Doc<T>>, Error> {
    let action = read_action(T::KIND);
    authorize(actor, action, Resource::Programme)?;
    app.store
        .documents(T::KIND, parent)
        .await?
        .into_iter()
        .filter(|r| authorize(actor, action, resource(r.office)).is_ok())
        .map(typed)
        .collect()
}

pub async fn get<T: Record>(app: &App, actor: &Actor, id: &str) -> Result<Doc<T>, Error> {
    let action = read_action(T::KIND);
    authorize(actor, action, Resource::Programme)?;
    let rec = app.store.document(parse_id(id)?).await?;
    authorize(actor, action, resource(rec.office))?;
    typed(rec)
}

/// What a new or changed record is attached to.
#[derive(Clone, Copy, Debug, Default)]
pub struct Place {
    pub parent: Option<DocumentId>,
    pub office: Option<OfficeId>,
}

/// Adds (`expected` `None`) or replaces a record after `domain`'s checks. Communities and what
/// belongs to them are `community.manage` in their office; the structural records are
/// `structural.manage`.
pub async fn save<T: Record>(
    app: &App,
    actor: &Actor,
    id: Option<DocumentId>,
    expected: Option<i64>,
    place: Place,
    body: T,
) -> Result<Doc<T>, Error> {
    authorize(actor, manage_action(T::KIND), resource(place.office))?;
    let body = body.normalised();
    let body = domain::text::clean_texts(body).map_err(Error::validation)?;
    let mut errors = body.check(app.today());
    let codes = body.office_codes();
    if codes.iter().any(|c| !c.trim().is_empty()) {
        let known: Vec<String> = app
            .store
            .list_offices()
            .await?
            .iter()
            .map(|o| o.code.to_string())
            .collect();
        domain::community::check_office_codes(&codes, &known, &mut errors);
    }
    if !errors.is_empty() {
        return Err(Error::validation(errors));
    }
    if id.is_some() && expected.is_none() {
        let mut e = ValidationErrors::new();
        e.add("version", "error-required");
        return Err(Error::validation(e));
    }
    let rec = app
        .store
        .save_document(
            NewDocument {
                id: id.unwrap_or_default(),
                kind: T::KIND,
                parent: place.parent,
                office: place.office,
                name: body.name(),
                body: serde_json::to_string(&body).map_err(|e| Error::internal(e.to_string()))?,
                cases: body.cases(),
            },
            expected,
            AuditContext::by(actor.user_id, app.now()),
        )
        .await?;
    typed(rec)
}

/// A community-level record the actor may change: read access first (so an unknown record is
/// 404 for everyone), then `community.manage` in its office.
pub async fn managed<T: Record>(app: &App, actor: &Actor, id: &str) -> Result<Doc<T>, Error> {
    let doc: Doc<T> = get(app, actor, id).await?;
    authorize(
        actor,
        Action::ManageCommunity,
        Resource::Office(doc.rec.office.unwrap_or_default()),
    )?;
    Ok(doc)
}

/// Takes a step on a project at the version the caller read. A caller on an older version (or
/// none) is stale, before the step is judged; a step the project's state does not allow is
/// refused with the reason's message id on the field `step`.
pub async fn step_project(
    app: &App,
    actor: &Actor,
    doc: &Doc<Project>,
    version: Option<i64>,
    change: impl FnOnce(&mut Project) -> Result<(), ProjectRefusal>,
) -> Result<Doc<Project>, Error> {
    let Some(version) = version.filter(|v| *v == doc.rec.version) else {
        return Err(Error::new(ErrorKind::Conflict));
    };
    let mut body = doc.body.clone();
    if let Err(r) = change(&mut body) {
        let mut e = ValidationErrors::new();
        e.add("step", r.code());
        return Err(Error::validation(e));
    }
    update(app, actor, doc, version, body).await
}

/// Replaces a stored record with a changed copy, keeping where it sits.
pub async fn update<T: Record>(
    app: &App,
    actor: &Actor,
    doc: &Doc<T>,
    expected: i64,
    body: T,
) -> Result<Doc<T>, Error> {
    save(
        app,
        actor,
        Some(doc.id()),
        Some(expected),
        Place {
            parent: doc.rec.parent,
            office: doc.rec.office,
        },
        body,
    )
    .await
}

// ---------------------------------------------------------------------------------------------
// Communities

const SELECTION_SETTING: &str = "community.selection";

/// What a checklist form was based on: two managers editing the checklist at once must not
/// overwrite each other unseen.
pub fn selection_fingerprint(config: &SelectionConfig) -> String {
    let text = serde_json::to_string(config).unwrap_or_default();
    crate::accounts::hash_token(&text)
}

pub async fn selection_config(app: &App) -> Result<SelectionConfig, Error> {
    parse_selection(app.store.setting(SELECTION_SETTING).await?.as_deref())
}

/// The checklist as stored, or the default when none is. A stored checklist that does not
/// read is a fault to report, never silently replaced by the defaults (the next save would
/// overwrite the programme's own).
fn parse_selection(stored: Option<&str>) -> Result<SelectionConfig, Error> {
    match stored {
        Some(json) => serde_json::from_str(json)
            .map_err(|e| Error::internal(format!("stored selection checklist: {e}"))),
        None => Ok(SelectionConfig::default()),
    }
}

/// Saves the checklist if it is still the one `based_on` (its fingerprint) was read from; a
/// change saved in between, by this server or another, is a conflict: the store replaces the
/// stored checklist only if it is still the one checked here.
pub async fn save_selection_config(
    app: &App,
    actor: &Actor,
    config: SelectionConfig,
    based_on: &str,
) -> Result<(), Error> {
    authorize(actor, Action::ManageProgramme, Resource::Programme)?;
    let errors = config.validate();
    if !errors.is_empty() {
        return Err(Error::validation(errors));
    }
    let stored = app.store.setting(SELECTION_SETTING).await?;
    if selection_fingerprint(&parse_selection(stored.as_deref())?) != based_on {
        return Err(Error::new(ErrorKind::Conflict));
    }
    app.store
        .replace_setting(
            SELECTION_SETTING,
            stored,
            serde_json::to_string(&config).map_err(|e| Error::internal(e.to_string()))?,
            AuditContext::by(actor.user_id, app.now()),
        )
        .await?;
    Ok(())
}

/// The office a new community belongs to: the creator's, or for national staff the office of
/// the cases that returned there.
pub async fn office_for(
    app: &App,
    actor: &Actor,
    c: &Community,
) -> Result<Option<OfficeId>, Error> {
    if actor.office.is_some() {
        return Ok(actor.office);
    }
    let cases = app.store.cases_in_province(None, &c.province).await?;
    Ok(cases
        .iter()
        .find(|p| c.covers(&p.return_province, p.return_community.as_deref()))
        .map(|p| p.access.office)
        .or(app.store.list_offices().await?.first().map(|o| o.id)))
}

/// Cases that returned to the community, in its office.
pub async fn cases_of(app: &App, c: &Doc<Community>) -> Result<Vec<PlacedCase>, Error> {
    Ok(app
        .store
        .cases_in_province(c.rec.office, &c.body.province)
        .await?
        .into_iter()
        .filter(|p| {
            c.body
                .covers(&p.return_province, p.return_community.as_deref())
        })
        .collect())
}

/// The communities the actor can read, ranked on the programme's selection checklist, each with
/// its registered returnees (cases that returned there): the page's and the API's shortlist.
pub struct Ranking {
    pub communities: Vec<Doc<Community>>,
    pub returnees: Vec<u64>,
    /// Positions into `communities`, best first.
    pub ranked: Vec<Ranked<usize>>,
    pub config: SelectionConfig,
}

pub async fn ranking(app: &App, actor: &Actor) -> Result<Ranking, Error> {
    let communities: Vec<Doc<Community>> = list(app, actor, None).await?;
    let config = selection_config(app).await?;
    let mut returnees = Vec::with_capacity(communities.len());
    for c in &communities {
        returnees.push(cases_of(app, c).await?.len() as u64);
    }
    let candidates: Vec<Candidate<'_, usize>> = communities
        .iter()
        .enumerate()
        .map(|(i, c)| Candidate {
            key: i,
            name: &c.body.name,
            returnees: returnees[i],
            checks: &c.body.selection,
        })
        .collect();
    let ranked = rank(&config, &candidates);
    Ok(Ranking {
        communities,
        returnees,
        ranked,
        config,
    })
}

/// Whether the actor may see who a returnee taking part is.
pub fn may_name(actor: &Actor, case: &CaseAccess) -> bool {
    authorize(actor, Action::ReadParticipants, Resource::Programme).is_ok()
        && authorize(actor, Action::ReadCase, Resource::Case(*case)).is_ok()
}

/// Whether the actor may manage records of this kind at all (before a form for one is shown
/// or read); each save checks the record's own office again.
pub fn may_manage(actor: &Actor, kind: DocKind) -> Result<(), Error> {
    Ok(authorize(actor, manage_action(kind), Resource::Programme)?)
}

/// Whether the actor may read records of this kind at all.
pub fn may_read(actor: &Actor, kind: DocKind) -> Result<(), Error> {
    Ok(authorize(actor, read_action(kind), Resource::Programme)?)
}

/// A community, for someone about to propose a project in it: they must manage the community
/// level in its office.
pub async fn for_new_project(app: &App, actor: &Actor, id: &str) -> Result<Doc<Community>, Error> {
    let community: Doc<Community> = get(app, actor, id).await?;
    authorize(
        actor,
        Action::ManageCommunity,
        Resource::Office(community.rec.office.unwrap_or_default()),
    )?;
    Ok(community)
}

/// A community project with its participants, for someone who may see who takes part in
/// projects of its office.
pub async fn project_with_participants(
    app: &App,
    actor: &Actor,
    id: &str,
) -> Result<Doc<Project>, Error> {
    let p = get(app, actor, id).await?;
    authorize(
        actor,
        Action::ReadParticipants,
        Resource::Office(p.rec.office.unwrap_or_default()),
    )?;
    Ok(p)
}

pub fn may_see_participants(actor: &Actor) -> bool {
    authorize(actor, Action::ReadParticipants, Resource::Programme).is_ok()
}

/// The community a project belongs to.
pub async fn community_of(
    app: &App,
    actor: &Actor,
    project: &Doc<Project>,
) -> Result<Doc<Community>, Error> {
    let parent = project
        .rec
        .parent
        .ok_or_else(|| Error::internal("a project without its community"))?;
    get(app, actor, &parent.to_string()).await
}

/// Projects a case takes part in, for readers of the case.
pub async fn projects_of_case(
    app: &App,
    actor: &Actor,
    case: &CaseRecord,
) -> Result<Vec<Doc<Project>>, Error> {
    // Readers of the case who may not read the community level see no projects on it.
    let office = Resource::Office(case.office.id);
    if authorize(actor, Action::ReadCommunity, office).is_err() {
        return Ok(Vec::new());
    }
    app.store
        .documents_of_case(case.id)
        .await?
        .into_iter()
        .filter(|r| r.kind == DocKind::Project)
        .map(typed)
        .collect()
}

/// The organisations of the stakeholder map, for choosing parties, chairs and members.
pub async fn organisations(app: &App) -> Result<Vec<(String, String)>, Error> {
    Ok(app
        .store
        .stakeholders()
        .await?
        .into_iter()
        .map(|s| (s.id.to_string(), s.stakeholder.name))
        .collect())
}

/// A community or community project that forms are filled about, for an actor who may read
/// who takes part in it (and, with `fill`, manage it). Other kinds of record are not found.
pub async fn form_subject(
    app: &App,
    actor: &Actor,
    id: &str,
    fill: bool,
) -> Result<DocRecord, Error> {
    authorize(actor, Action::ReadCommunity, Resource::Programme)?;
    let rec = app.store.document(parse_id(id)?).await?;
    let office = Resource::Office(rec.office.unwrap_or_default());
    authorize(actor, Action::ReadParticipants, office)?;
    if fill {
        authorize(actor, Action::ManageCommunity, office)?;
    }
    if !matches!(rec.kind, DocKind::Community | DocKind::Project) {
        return Err(Error::new(ErrorKind::NotFound));
    }
    Ok(rec)
}

/// Places of return written on cases in the actor's office (or all), with how many returned
/// there: what communities are made from.
pub async fn return_places(app: &App, actor: &Actor) -> Result<Vec<store::ReturnPlace>, Error> {
    authorize(actor, Action::ManageCommunity, Resource::Programme)?;
    Ok(app.store.return_places(actor.office).await?)
}

/// A case named as a project's participant, when the actor may see who it is.
pub async fn participant_case(
    app: &App,
    actor: &Actor,
    id: CaseId,
) -> Result<Option<store::CaseRecord>, Error> {
    match app.store.case(id).await {
        Ok(c) if may_name(actor, &c.access()) => Ok(Some(c)),
        Ok(_) | Err(store::StoreError::NotFound) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// The case with this number, when the actor may see who it is (to add a returnee to a
/// project by case number).
pub async fn case_by_number(
    app: &App,
    actor: &Actor,
    number: &str,
) -> Result<Option<store::CaseRecord>, Error> {
    match app.store.case_by_number(number).await? {
        Some(id) => participant_case(app, actor, id).await,
        None => Ok(None),
    }
}

/// The submissions about a community-level record (the caller has opened the record).
pub async fn submissions_about(
    app: &App,
    record: DocumentId,
) -> Result<Vec<store::Submission>, Error> {
    Ok(app
        .store
        .submissions_for(store::Subject::Document(record))
        .await?)
}

/// A stored record of any kind by id, for an actor who may read records of its kind in its
/// office (the caller checks the kind it expects).
pub async fn raw_record(app: &App, actor: &Actor, id: DocumentId) -> Result<DocRecord, Error> {
    let rec = app.store.document(id).await?;
    authorize(actor, read_action(rec.kind), resource(rec.office))?;
    Ok(rec)
}

/// The stored records of a kind (under `parent` when given), for an actor who may read them.
pub async fn raw_records(
    app: &App,
    actor: &Actor,
    kind: DocKind,
    parent: Option<DocumentId>,
) -> Result<Vec<DocRecord>, Error> {
    authorize(actor, read_action(kind), Resource::Programme)?;
    Ok(app.store.documents(kind, parent).await?)
}
