//! The case register's use cases that pages and API share: opening a case for an action,
//! auditing reads, choosing a case manager, describing changes and recording consent.

use domain::audit::{AuditAction, FieldChange, diff};
use domain::authz::{Action, Actor, Resource, authorize, authorize_record, case_list_scope};
use domain::case::{CaseStage, ReturneeProfile, Sex};
use domain::consent::{ConsentInput, ConsentRecord, check_consent};
use domain::{CaseId, OfficeId, Role, UserId, ValidationErrors};
use store::{
    AuditContext, CasePage, CaseQuery, CaseRecord, CaseSort, CaseUpdate, NewCase, PageFrom,
    StoreError, record_type,
};

use crate::{App, Error, ErrorKind};

pub fn parse_case_id(id: &str) -> Result<CaseId, Error> {
    id.parse().map_err(|_| Error::new(ErrorKind::NotFound))
}

/// Loads a case and checks the caller may do `action` to it.
pub async fn authorized_case(
    app: &App,
    actor: &Actor,
    id: &str,
    action: Action,
) -> Result<CaseRecord, Error> {
    let case = app.store.case(parse_case_id(id)?).await?;
    authorize_record(actor, action, Resource::Case(case.access()))?;
    Ok(case)
}

/// Records that someone opened a case: reads of personal records are audited.
pub async fn audit_view(app: &App, actor: &Actor, case: &CaseRecord) -> Result<(), Error> {
    app.store
        .append_audit(AuditContext::by(actor.user_id, app.now()).entry(
            AuditAction::View,
            record_type::CASE,
            case.id.to_string(),
            vec![],
        ))
        .await?;
    Ok(())
}

/// Reads the chosen case manager, who must be an active case manager of the case's office.
pub async fn chosen_manager(
    app: &App,
    value: &str,
    office: OfficeId,
    errors: &mut ValidationErrors,
) -> Result<Option<UserId>, Error> {
    if value.trim().is_empty() {
        return Ok(None);
    }
    let Ok(id) = value.trim().parse::<UserId>() else {
        errors.add("case_manager", "error-choice");
        return Ok(None);
    };
    match app.store.user(id).await {
        Ok(u) if u.role == Role::CaseManager && u.office == Some(office) && !u.disabled => {
            Ok(Some(id))
        }
        Ok(_) | Err(StoreError::NotFound) => {
            errors.add("case_manager", "error-case-manager-office");
            Ok(None)
        }
        Err(e) => Err(e.into()),
    }
}

/// Field-level changes for the audit entry, naming case managers by username.
pub async fn case_changes(
    app: &App,
    case: &CaseRecord,
    case_manager: Option<UserId>,
    profile: &ReturneeProfile,
) -> Result<Vec<FieldChange>, Error> {
    let mut changes = diff(&case.profile.audit_fields(), &profile.audit_fields());
    if case_manager != case.case_manager {
        let name = |u: Option<UserId>| async move {
            match u {
                Some(id) => app
                    .store
                    .user(id)
                    .await
                    .map(|u| Some(u.username.to_string())),
                None => Ok(None),
            }
        };
        changes.push(FieldChange {
            field: "case_manager".into(),
            before: name(case.case_manager).await?,
            after: name(case_manager).await?,
        });
    }
    Ok(changes)
}

/// Checks a consent decision against the case's history and records it, with its audit entry:
/// the one path for the page and the API.
pub async fn record_consent_decision(
    app: &App,
    actor: &Actor,
    case: &CaseRecord,
    input: ConsentInput,
) -> Result<(), Error> {
    let history: Vec<ConsentRecord> = app
        .store
        .consents(case.id)
        .await?
        .into_iter()
        .map(|c| c.record)
        .collect();
    check_consent(&input, &history, app.today()).map_err(Error::validation)?;
    let now = app.now();
    let (purpose, decision) = (input.purpose, input.decision);
    let record = ConsentRecord {
        purpose: input.purpose,
        decision: input.decision,
        method: input.method,
        date: input.date,
        notes: input.notes,
        recorded_by: actor.user_id,
        recorded_at: now,
    };
    app.store
        .add_consent(case.id, record, AuditContext::by(actor.user_id, now))
        .await?;
    crate::referrals::after_case_consent(app, actor, case.id, purpose, decision).await
}

/// The case list's filters as a person or a client typed them.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct CaseFilters {
    pub q: String,
    pub office: String,
    pub stage: String,
    pub case_manager: String,
    pub sex: String,
    pub province: String,
    pub returned_from: String,
    pub returned_to: String,
    pub sort: String,
    pub order: String,
    /// The page after this case (a case id from the previous page's `next`).
    pub after: String,
    /// The page before this case (from the next page's `previous`).
    pub before: String,
}

impl CaseFilters {
    /// The names of the filters that choose cases (not their order or page).
    pub const NAMES: [&'static str; 8] = [
        "q",
        "office",
        "stage",
        "case_manager",
        "sex",
        "province",
        "returned_from",
        "returned_to",
    ];

    /// The filters set, by name, in the order of [`CaseFilters::NAMES`].
    pub fn set(&self) -> Vec<(&'static str, &str)> {
        let values = [
            &self.q,
            &self.office,
            &self.stage,
            &self.case_manager,
            &self.sex,
            &self.province,
            &self.returned_from,
            &self.returned_to,
        ];
        Self::NAMES
            .into_iter()
            .zip(values)
            .map(|(k, v)| (k, v.trim()))
            .filter(|(_, v)| !v.is_empty())
            .collect()
    }

    /// Applies the filters to a query; unreadable values are reported, not guessed.
    pub fn apply(&self, q: &mut CaseQuery) -> ValidationErrors {
        let mut e = ValidationErrors::new();
        let blank = |s: &str| s.trim().is_empty();
        q.text = Some(self.q.trim().to_string()).filter(|s| !s.is_empty());
        if !blank(&self.office) {
            match self.office.parse::<OfficeId>() {
                Ok(o) => q.office = Some(o),
                Err(_) => e.add("office", "error-choice"),
            }
        }
        if !blank(&self.stage) {
            match CaseStage::parse(&self.stage) {
                Some(s) => q.stage = Some(s),
                None => e.add("stage", "error-choice"),
            }
        }
        if !blank(&self.case_manager) {
            match self.case_manager.parse::<UserId>() {
                Ok(u) => q.case_manager = Some(u),
                Err(_) => e.add("case_manager", "error-choice"),
            }
        }
        if !blank(&self.sex) {
            match Sex::parse(&self.sex) {
                Some(s) => q.sex = Some(s),
                None => e.add("sex", "error-choice"),
            }
        }
        q.province = Some(self.province.trim().to_string()).filter(|s| !s.is_empty());
        for (field, value, slot) in [
            ("returned_from", &self.returned_from, &mut q.returned_from),
            ("returned_to", &self.returned_to, &mut q.returned_to),
        ] {
            if !blank(value) {
                match domain::case::date::parse(value) {
                    Some(d) => *slot = Some(d),
                    None => e.add(field, "error-date-format"),
                }
            }
        }
        if !blank(&self.sort) {
            match CaseSort::parse(&self.sort) {
                Some(s) => q.sort = s,
                None => e.add("sort", "error-choice"),
            }
        }
        q.descending = match self.order.as_str() {
            "asc" => false,
            "desc" => true,
            _ => q.sort == CaseSort::Updated,
        };
        for (field, value, from) in [
            (
                "after",
                &self.after,
                PageFrom::After as fn(CaseId) -> PageFrom,
            ),
            ("before", &self.before, PageFrom::Before),
        ] {
            if !blank(value) {
                match value.trim().parse::<CaseId>() {
                    Ok(c) => q.from = from(c),
                    Err(_) => e.add(field, "error-page-place"),
                }
            }
        }
        e
    }
}

/// The case list query an actor may run: authorized, narrowed to what they may see, with the
/// filters applied. Filters that cannot be read come back as field errors, never guessed.
pub fn list_query(
    actor: &Actor,
    filters: &CaseFilters,
) -> Result<(CaseQuery, ValidationErrors), Error> {
    authorize(actor, Action::ListCases, Resource::Programme)?;
    let scope = case_list_scope(actor).ok_or(Error::new(ErrorKind::Forbidden))?;
    let mut query = CaseQuery::new(scope);
    let problems = filters.apply(&mut query);
    Ok((query, problems))
}

/// One page of the case list for a query made by [`list_query`].
pub async fn list(app: &App, query: &CaseQuery) -> Result<CasePage, Error> {
    match app.store.list_cases(query).await {
        // The case a page was to start from is gone (merged away since): say so rather than
        // guess where the page was.
        Err(StoreError::NotFound) if query.from != PageFrom::First => {
            let mut e = ValidationErrors::new();
            let field = match query.from {
                PageFrom::Before(_) => "before",
                _ => "after",
            };
            e.add(field, "error-page-place-gone");
            Err(Error::validation(e))
        }
        page => Ok(page?),
    }
}

/// For each open case of a case-list page, the first survey round that is due or overdue
/// today (one query for the whole page). The page was already narrowed to what the actor may
/// see by [`list_query`].
pub async fn surveys_due(
    app: &App,
    page: &CasePage,
) -> Result<std::collections::HashMap<CaseId, domain::rss::RoundStatus>, Error> {
    use domain::rss::RoundState;
    let open: Vec<_> = page
        .items
        .iter()
        .filter(|c| c.stage != CaseStage::Closed)
        .collect();
    let scores = app
        .store
        .rss_scores_of_cases(open.iter().map(|c| c.id).collect())
        .await?;
    let today = app.today();
    Ok(open
        .into_iter()
        .filter_map(|c| {
            let done: Vec<_> = scores
                .iter()
                .filter(|s| s.case == c.id)
                .map(|s| (s.round, s.interview_date))
                .collect();
            domain::rss::schedule(c.return_date, today, &done)
                .into_iter()
                .find(|r| matches!(r.state, RoundState::Due | RoundState::Overdue))
                .map(|r| (c.id, r))
        })
        .collect())
}

/// A returnee to register, as read from a form or a request.
pub struct Registration {
    pub office: OfficeId,
    /// The chosen case manager's id as typed (blank for none); case managers always register
    /// cases to themselves.
    pub case_manager: String,
    pub profile: ReturneeProfile,
    /// Consent recorded at registration.
    pub consents: Vec<ConsentInput>,
    /// The person registering was shown the possible matches and says this is someone else.
    pub confirmed_new: bool,
}

/// What a registration came to.
pub enum Registered {
    Case(Box<CaseRecord>),
    /// Nothing was registered: these cases may be the same person (`domain::duplicates`);
    /// ask before registering anyway.
    PossibleMatches(Vec<PossibleMatch>),
}

/// Whether the actor may register returnees in this office (before the form's lists for it
/// are read); registering checks again.
pub fn may_register_in(actor: &Actor, office: OfficeId) -> Result<(), Error> {
    Ok(authorize(
        actor,
        Action::CreateCase,
        Resource::Office(office),
    )?)
}

/// A registered case that may be the same person, and why.
#[derive(Debug, Clone)]
pub struct PossibleMatch {
    pub case: CaseRecord,
    pub comparison: domain::duplicates::Comparison,
}

/// At most this many possible matches are given, the likeliest first.
const MOST_MATCHES: usize = 10;

/// Cases the actor may read that are likely the same person as `profile`,
/// the likeliest first. Reads only the cases filed under the same keys of the duplicate check.
pub async fn possible_matches(
    app: &App,
    actor: &Actor,
    profile: &ReturneeProfile,
) -> Result<Vec<PossibleMatch>, Error> {
    likely_matches(app, actor, profile, None).await
}

/// Cases the actor may read that are likely the same person as case `id`.
pub async fn possible_duplicates(
    app: &App,
    actor: &Actor,
    id: &str,
) -> Result<(CaseRecord, Vec<PossibleMatch>), Error> {
    let case = authorized_case(app, actor, id, Action::ReadCase).await?;
    let found = likely_matches(app, actor, &case.profile, Some(case.id)).await?;
    Ok((case, found))
}

async fn likely_matches(
    app: &App,
    actor: &Actor,
    profile: &ReturneeProfile,
    not: Option<domain::CaseId>,
) -> Result<Vec<PossibleMatch>, Error> {
    let Some(scope) = case_list_scope(actor) else {
        return Ok(Vec::new());
    };
    let me = domain::duplicates::Prepared::of(profile);
    let keys = me.lookup_keys();
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    let candidates: Vec<CaseRecord> = app
        .store
        .cases_with_match_keys(scope, keys)
        .await?
        .into_iter()
        .filter(|c| Some(c.id) != not)
        .collect();
    let distinct = match not {
        Some(me) => {
            let ids = candidates.iter().map(|c| c.id).collect();
            app.store.known_distinct(me, ids).await?
        }
        None => Vec::new(),
    };
    let mut found: Vec<PossibleMatch> = candidates
        .into_iter()
        .filter(|c| !distinct.contains(&c.id))
        .filter_map(|case| {
            let comparison = me.compare(&domain::duplicates::Prepared::of(&case.profile));
            comparison
                .likely()
                .then_some(PossibleMatch { case, comparison })
        })
        .collect();
    found.sort_by(|a, b| {
        b.comparison
            .score
            .total_cmp(&a.comparison.score)
            .then_with(|| a.case.number.to_string().cmp(&b.case.number.to_string()))
    });
    found.truncate(MOST_MATCHES);
    Ok(found)
}

/// Registers a returnee in an office, with the consent given at registration, in one
/// transaction with its audit entry; unless cases the actor can read may be the same person and
/// the registration was not confirmed as someone else.
pub async fn register(app: &App, actor: &Actor, r: Registration) -> Result<Registered, Error> {
    authorize(actor, Action::CreateCase, Resource::Office(r.office))?;
    let mut errors = ValidationErrors::new();
    let case_manager = if actor.role == Role::CaseManager {
        Some(actor.user_id)
    } else {
        chosen_manager(app, &r.case_manager, r.office, &mut errors).await?
    };
    let today = app.today();
    let profile = r.profile.normalised();
    let profile = domain::text::clean_texts(profile).map_err(Error::validation)?;
    if let Err(e) = profile.check(today) {
        errors.merge(e);
    }
    for (i, c) in r.consents.iter().enumerate() {
        if let Err(e) = check_consent(c, &[], today) {
            for f in e.0 {
                errors.add(format!("consents.{i}.{}", f.field), f.code);
            }
        }
    }
    if !errors.is_empty() {
        return Err(Error::validation(errors));
    }
    let matches = possible_matches(app, actor, &profile).await?;
    if !r.confirmed_new && !matches.is_empty() {
        return Ok(Registered::PossibleMatches(matches));
    }
    let now = app.now();
    let consents = r
        .consents
        .into_iter()
        .map(|c| ConsentRecord {
            purpose: c.purpose,
            decision: c.decision,
            method: c.method,
            date: c.date,
            notes: c.notes,
            recorded_by: actor.user_id,
            recorded_at: now,
        })
        .collect();
    let case = app
        .store
        .create_case(
            NewCase {
                id: CaseId::new(),
                office: r.office,
                case_manager,
                profile,
                stage: CaseStage::Intake,
                consents,
            },
            AuditContext::by(actor.user_id, now),
        )
        .await?;
    // The person registering looked at these and said this is someone else: remember it, so
    // that neither this check nor the duplicates queue proposes them again.
    for m in &matches {
        app.store
            .mark_distinct(case.id, m.case.id, AuditContext::by(actor.user_id, now))
            .await?;
    }
    Ok(Registered::Case(Box::new(case)))
}

/// Replaces a case's profile (and, for programme managers, its case manager: `Some` with the
/// id as typed, blank to unassign). Refused as a conflict when the case changed since
/// `expected_version`. Saving without a change writes nothing.
pub async fn update(
    app: &App,
    actor: &Actor,
    case: &CaseRecord,
    expected_version: i64,
    case_manager: Option<&str>,
    profile: ReturneeProfile,
) -> Result<CaseRecord, Error> {
    authorize(actor, Action::UpdateCase, Resource::Case(case.access()))?;
    if case.anonymised_at.is_some() {
        // Its personal data was removed on purpose: nothing may bring it back.
        return Err(Error::with_detail(
            ErrorKind::Conflict,
            "the case was anonymised; its profile cannot be changed",
        ));
    }
    if expected_version != case.version {
        return Err(Error::with_detail(
            ErrorKind::Conflict,
            format!(
                "the case is at version {}; read it again and reapply your change",
                case.version
            ),
        ));
    }
    let mut errors = ValidationErrors::new();
    let case_manager = match (case_manager, actor.role) {
        (Some(choice), Role::ProgrammeManager) => {
            chosen_manager(app, choice, case.office.id, &mut errors).await?
        }
        _ => case.case_manager,
    };
    let profile = profile.normalised();
    let profile = domain::text::clean_texts(profile).map_err(Error::validation)?;
    if let Err(e) = profile.check(app.today()) {
        errors.merge(e);
    }
    if !errors.is_empty() {
        return Err(Error::validation(errors));
    }
    let changes = case_changes(app, case, case_manager, &profile).await?;
    if changes.is_empty() {
        return Ok(case.clone());
    }
    Ok(app
        .store
        .update_case(
            CaseUpdate {
                id: case.id,
                expected_version,
                case_manager,
                profile,
                changes,
            },
            AuditContext::by(actor.user_id, app.now()),
        )
        .await?)
}

/// A case's audit trail with who opened it, for those who may read audit trails.
pub async fn audit_trail(
    app: &App,
    actor: &Actor,
    id: &str,
) -> Result<(CaseRecord, Vec<store::AuditEntry>), Error> {
    let case = authorized_case(app, actor, id, Action::ReadAudit).await?;
    // A case merged into this one brought its history with it: its trail is shown here too
    // (each entry names the case it was recorded on), while the merge stands.
    let mut ids = vec![case.id.to_string()];
    for m in app.store.merges_into(case.id).await? {
        if m.undone_at.is_none() {
            ids.push(m.merged.to_string());
        }
    }
    let mut entries = Vec::new();
    for record in &ids {
        entries.extend(
            app.store
                .audit_for_record(
                    record_type::CASE,
                    record,
                    store::AuditScope::ChangesAndViews,
                )
                .await?,
        );
    }
    entries.sort_by_key(|e| e.id);
    Ok((case, entries))
}

/// What the case page shows of a case the actor has opened: its consent decisions and the
/// changes made to it (without the reads, which only the audit trail lists).
pub async fn history(
    app: &App,
    actor: &Actor,
    case: &CaseRecord,
) -> Result<(Vec<store::ConsentEntry>, Vec<store::AuditEntry>), Error> {
    authorize_record(actor, Action::ReadCase, Resource::Case(case.access()))?;
    let consents = app.store.consents(case.id).await?;
    let changes = app
        .store
        .audit_for_record(
            record_type::CASE,
            &case.id.to_string(),
            store::AuditScope::Changes,
        )
        .await?;
    Ok((consents, changes))
}

/// The consent decisions recorded for a case, oldest first.
pub async fn consents(
    app: &App,
    actor: &Actor,
    id: &str,
) -> Result<Vec<store::ConsentEntry>, Error> {
    let case = authorized_case(app, actor, id, Action::ReadCase).await?;
    Ok(app.store.consents(case.id).await?)
}
