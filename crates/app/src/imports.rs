//! Bulk import of returnees from a CSV or XLSX file an office already keeps.
//!
//! The file is read off the request threads within fixed bounds, its columns are matched to
//! fields (remembered per file layout), and a dry run says for every row what would be created
//! or what is wrong (the row, the column, why) and which rows look like returnees already
//! registered (the registration's duplicate check) or like another row of the file. Nothing is
//! written until the user confirms; then the chosen rows go in one transaction with one audit
//! entry naming the file's hash, or nothing does.

use std::collections::HashMap;
use std::sync::Arc;

use domain::audit::{AuditAction, FieldChange};
use domain::authz::{Action, Actor, Resource, authorize, case_list_scope};
use domain::case::CaseStage;
use domain::consent::{ConsentRecord, check_consent};
use domain::duplicates::Prepared as MatchRecord;
use domain::import::{ImportField, ImportedRow, guess_field, missing, read_row};
use domain::text::fold;
use domain::{CaseId, OfficeId, Role, UserId, Username};
use sha2::{Digest, Sha256};
use store::{AuditContext, NewCase};

use crate::{App, Error};

mod files;
pub mod surveys;

pub use files::*;

/// What each column fills (`None`: left out), in column order.
pub type Mapping = Vec<Option<ImportField>>;

/// The setting under which a file layout's mapping is remembered.
fn layout_key(headers: &[String]) -> String {
    let mut h = Sha256::new();
    for header in headers {
        h.update(fold(header).as_bytes());
        h.update([0x1f]);
    }
    let digest = h.finalize();
    let hex: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
    format!("import_layout_{hex}")
}

/// The mapping last used for files with these headers, or one guessed from the headers.
pub async fn suggested_mapping(app: &App, headers: &[String]) -> Result<Mapping, Error> {
    if let Some(saved) = app.store.setting(&layout_key(headers)).await? {
        let names: Vec<String> = serde_json::from_str(&saved).unwrap_or_default();
        if names.len() == headers.len() {
            return Ok(names.iter().map(|n| ImportField::parse(n)).collect());
        }
    }
    let mut seen = Vec::new();
    Ok(headers
        .iter()
        .map(|h| {
            let f = guess_field(h).filter(|f| !seen.contains(f));
            if let Some(f) = f {
                seen.push(f);
            }
            f
        })
        .collect())
}

/// A mapping as chosen on the page: one field name (or blank) per column.
pub fn mapping_from(names: &[String], columns: usize) -> Result<Mapping, Error> {
    if names.len() != columns {
        return Err(Error::invalid("mapping", "error-import-mapping"));
    }
    names
        .iter()
        .map(|n| match n.trim() {
            "" => Ok(None),
            n => ImportField::parse(n)
                .map(Some)
                .ok_or_else(|| Error::invalid("mapping", "error-choice")),
        })
        .collect()
}

/// One problem with one value: its column (as the file names it) and the message id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CellProblem {
    pub column: String,
    pub code: &'static str,
}

/// What the dry run found for one row.
#[derive(Clone, Debug)]
pub struct RowCheck {
    /// The row's number in the file.
    pub row: usize,
    pub name: String,
    pub problems: Vec<CellProblem>,
    /// Case numbers of registered returnees who may be this person.
    pub matches: Vec<String>,
    /// An earlier row of the file that may be the same person.
    pub same_as_row: Option<usize>,
}

impl RowCheck {
    pub fn is_ready(&self) -> bool {
        self.problems.is_empty()
    }
    pub fn looks_known(&self) -> bool {
        !self.matches.is_empty() || self.same_as_row.is_some()
    }
}

/// The dry run: every row, and the columns the file lacks.
#[derive(Clone, Debug, Default)]
pub struct DryRun {
    pub rows: Vec<RowCheck>,
    /// Required fields no column fills.
    pub missing_columns: Vec<ImportField>,
    /// Fields more than one column fills.
    pub repeated_columns: Vec<ImportField>,
}

impl DryRun {
    pub fn ready(&self) -> usize {
        self.rows.iter().filter(|r| r.is_ready()).count()
    }
    pub fn with_problems(&self) -> usize {
        self.rows.len() - self.ready()
    }
    pub fn looking_known(&self) -> usize {
        self.rows.iter().filter(|r| r.looks_known()).count()
    }
    /// Whether any row could be imported at all.
    pub fn columns_ok(&self) -> bool {
        self.missing_columns.is_empty() && self.repeated_columns.is_empty()
    }
}

/// Which rows to import.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rows {
    /// Every row: refused while any has a problem.
    All,
    /// The rows without problems.
    Ready,
    /// The rows without problems that look like no one known.
    ReadyAndNew,
}

impl Rows {
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim() {
            "all" => Some(Rows::All),
            "ready" => Some(Rows::Ready),
            "ready_new" => Some(Rows::ReadyAndNew),
            _ => None,
        }
    }
}

/// May the actor import into this office?
pub fn may_import(actor: &Actor, office: OfficeId) -> Result<(), Error> {
    authorize(actor, Action::ImportRecords, Resource::Office(office))?;
    authorize(actor, Action::CreateCase, Resource::Office(office))?;
    Ok(())
}

/// Checks every row as importing it would, writing nothing.
pub async fn check(
    app: &App,
    actor: &Actor,
    office: OfficeId,
    table: &Table,
    mapping: &Mapping,
) -> Result<DryRun, Error> {
    Ok(prepare(app, actor, office, table, mapping, None).await?.0)
}

/// The same, for an uploaded file whose page follows the check: how many rows are checked is
/// recorded as it goes (read back by [`progress`]).
pub async fn check_uploaded(
    app: &App,
    actor: &Actor,
    office: OfficeId,
    table: &Table,
    mapping: &Mapping,
    id: uuid::Uuid,
) -> Result<DryRun, Error> {
    Ok(prepare(app, actor, office, table, mapping, Some(id))
        .await?
        .0)
}

/// How far the check of an uploaded file of the actor's has got: rows checked, of all.
pub async fn progress(app: &App, actor: &Actor, id: uuid::Uuid) -> Result<(u64, u64), Error> {
    authorize(actor, Action::ImportRecords, Resource::Programme)?;
    let file = app
        .store
        .import_file(id)
        .await?
        .filter(|f| f.user == actor.user_id)
        .ok_or(Error::new(crate::ErrorKind::NotFound))?;
    Ok(app.store.import_progress(file.id).await?.unwrap_or((0, 0)))
}

/// Rows checked between two records of a check's progress.
const PROGRESS_EVERY: usize = 2_000;

/// A row ready to register.
struct Prepared {
    case_manager: Option<UserId>,
    row: ImportedRow,
}

async fn prepare(
    app: &App,
    actor: &Actor,
    office: OfficeId,
    table: &Table,
    mapping: &Mapping,
    progress: Option<uuid::Uuid>,
) -> Result<(DryRun, Vec<Option<Prepared>>), Error> {
    may_import(actor, office)?;
    if mapping.len() != table.headers.len() {
        return Err(Error::invalid("mapping", "error-import-mapping"));
    }
    let mut dry = DryRun::default();
    for f in ImportField::ALL {
        let n = mapping.iter().filter(|m| **m == Some(*f)).count();
        if n > 1 {
            dry.repeated_columns.push(*f);
        }
        if n == 0 && ImportField::REQUIRED.contains(f) {
            dry.missing_columns.push(*f);
        }
    }
    if !dry.columns_ok() {
        return Ok((dry, Vec::new()));
    }
    let column_of = |f: ImportField| {
        mapping
            .iter()
            .position(|m| *m == Some(f))
            .and_then(|i| table.headers.get(i))
            .cloned()
            .unwrap_or_else(|| f.as_str().to_string())
    };
    let today = app.today();
    let mut managers: HashMap<String, Option<UserId>> = HashMap::new();
    // The keys under which every readable row's registered look-alikes are filed.
    let lookup = table
        .rows
        .iter()
        .filter_map(|(_, cells)| read_row(&row_values(mapping, cells)).ok())
        .flat_map(|r| MatchRecord::of(&r.profile).lookup_keys())
        .collect();
    let known = KnownReturnees::read(app, actor, lookup).await?;
    // Earlier rows of the file, by the keys they are filed under.
    let mut seen_in_file: HashMap<String, Vec<(usize, Arc<MatchRecord>)>> = HashMap::new();
    let mut prepared = Vec::with_capacity(table.rows.len());
    let total = table.rows.len() as u64;
    for (i, (number, cells)) in table.rows.iter().enumerate() {
        if let Some(id) = progress.filter(|_| i % PROGRESS_EVERY == 0) {
            app.store.set_import_progress(id, i as u64, total).await?;
        }
        let values = row_values(mapping, cells);
        let mut problems: Vec<(ImportField, &'static str)> = missing(&values)
            .into_iter()
            .map(|f| (f, "error-required"))
            .collect();
        let read = read_row(&values);
        let mut row = match read {
            Ok(r) => Some(r),
            Err(p) => {
                problems.extend(p);
                None
            }
        };
        if let Some(r) = row.as_mut().filter(|_| problems.is_empty()) {
            problems.extend(check_row(r, today));
        }
        let mut case_manager = None;
        let named = values
            .iter()
            .find(|(f, v)| *f == ImportField::CaseManager && !v.trim().is_empty())
            .map(|(_, v)| v.trim().to_string());
        if let Some(name) = named {
            case_manager = manager(app, office, &name, &mut managers).await?;
            if case_manager.is_none() {
                problems.push((ImportField::CaseManager, "error-import-case-manager"));
            }
        }
        let name = match &row {
            Some(r) => format!("{} {}", r.profile.given_name, r.profile.family_name),
            None => values
                .iter()
                .filter(|(f, _)| matches!(f, ImportField::GivenName | ImportField::FamilyName))
                .map(|(_, v)| v.trim())
                .collect::<Vec<_>>()
                .join(" "),
        };
        // In the file's column order, as the user reads the row.
        problems.sort_by_key(|(f, _)| mapping.iter().position(|m| *m == Some(*f)));
        let mut check = RowCheck {
            row: *number,
            name: name.trim().to_string(),
            problems: problems
                .iter()
                .map(|(f, code)| CellProblem {
                    column: column_of(*f),
                    code,
                })
                .collect(),
            matches: Vec::new(),
            same_as_row: None,
        };
        check.problems.dedup();
        if let Some(r) = row.as_ref().filter(|_| check.problems.is_empty()) {
            let me = Arc::new(MatchRecord::of(&r.profile));
            check.matches = known.matches(&me);
            check.same_as_row = me
                .lookup_keys()
                .iter()
                .filter_map(|k| seen_in_file.get(k))
                .flatten()
                .filter(|(_, earlier)| me.compare(earlier).likely())
                .map(|(n, _)| *n)
                .min();
            for key in me.blocking_keys() {
                seen_in_file
                    .entry(key)
                    .or_default()
                    .push((*number, me.clone()));
            }
        }
        prepared.push(
            row.filter(|_| check.problems.is_empty())
                .map(|row| Prepared { case_manager, row }),
        );
        dry.rows.push(check);
    }
    if let Some(id) = progress {
        app.store.set_import_progress(id, total, total).await?;
    }
    Ok((dry, prepared))
}

/// Normalises a read row as registration does and returns its problems by field.
fn check_row(r: &mut ImportedRow, today: time::Date) -> Vec<(ImportField, &'static str)> {
    let mut out = Vec::new();
    let profile = r.profile.clone().normalised();
    let field_of = |name: &str| {
        let head = name.split('.').next().unwrap_or_default();
        ImportField::parse(head).unwrap_or(match head {
            "consents" => ImportField::ConsentDate,
            _ => ImportField::Household,
        })
    };
    match domain::text::clean_texts(profile) {
        Err(e) => out.extend(e.0.iter().map(|f| (field_of(&f.field), f.code))),
        Ok(p) => {
            if let Err(e) = p.check(today) {
                out.extend(e.0.iter().map(|f| (field_of(&f.field), f.code)));
            }
            r.profile = p;
        }
    }
    for c in &r.consents {
        if let Err(e) = check_consent(c, &[], today) {
            out.extend(
                e.0.iter()
                    .map(|_| (ImportField::ConsentDate, "error-date-in-future")),
            );
        }
    }
    out
}

/// The case manager a row names, by username or by full name: an active case manager of the
/// office.
async fn manager(
    app: &App,
    office: OfficeId,
    name: &str,
    cache: &mut HashMap<String, Option<UserId>>,
) -> Result<Option<UserId>, Error> {
    if let Some(found) = cache.get(name) {
        return Ok(*found);
    }
    let managers = app.store.case_managers(Some(office)).await?;
    let by_username = Username::parse(name).ok();
    let found = managers
        .iter()
        .filter(|u| u.role == Role::CaseManager && u.office == Some(office) && !u.disabled)
        .find(|u| Some(&u.username) == by_username.as_ref() || fold(&u.display_name) == fold(name))
        .map(|u| u.id);
    cache.insert(name.to_string(), found);
    Ok(found)
}

/// The values of a row, by the field each mapped column holds.
fn row_values<'a>(
    mapping: &[Option<ImportField>],
    cells: &'a [String],
) -> Vec<(ImportField, &'a str)> {
    mapping
        .iter()
        .zip(
            cells
                .iter()
                .map(String::as_str)
                .chain(std::iter::repeat("")),
        )
        .filter_map(|(m, v)| m.map(|f| (f, v)))
        .collect()
}

/// Registered returnees the actor may see who may be someone in the file, by the keys of the
/// duplicate check they are filed under; read in a few queries before the rows are checked.
struct KnownReturnees {
    by_key: HashMap<String, Vec<Arc<(String, MatchRecord)>>>,
}

impl KnownReturnees {
    async fn read(app: &App, actor: &Actor, mut keys: Vec<String>) -> Result<Self, Error> {
        let mut known = KnownReturnees {
            by_key: HashMap::new(),
        };
        let Some(scope) = case_list_scope(actor) else {
            return Ok(known);
        };
        keys.sort();
        keys.dedup();
        let mut read = std::collections::HashSet::new();
        for chunk in keys.chunks(500) {
            for case in app
                .store
                .cases_with_match_keys(scope, chunk.to_vec())
                .await?
            {
                if !read.insert(case.id) {
                    continue;
                }
                let record = MatchRecord::of(&case.profile);
                let filed = record.blocking_keys();
                let known_case = Arc::new((case.number.to_string(), record));
                for key in filed {
                    known
                        .by_key
                        .entry(key)
                        .or_default()
                        .push(known_case.clone());
                }
            }
        }
        Ok(known)
    }

    /// The numbers of the registered cases likely to be this row's returnee.
    fn matches(&self, row: &MatchRecord) -> Vec<String> {
        let mut out: Vec<String> = row
            .lookup_keys()
            .iter()
            .filter_map(|k| self.by_key.get(k))
            .flatten()
            .filter(|c| row.compare(&c.1).likely())
            .map(|c| c.0.clone())
            .collect();
        out.sort();
        out.dedup();
        out
    }
}

/// What an import came to.
#[derive(Clone, Debug)]
pub struct Imported {
    pub numbers: Vec<String>,
    /// Rows left out (with problems, or looking known when asked to leave those out).
    pub left_out: usize,
}

/// The file an import reads, as the audit entry names it.
#[derive(Clone, Debug)]
pub struct FileFacts {
    pub name: String,
    pub sha256: String,
}

/// Imports the chosen rows in one transaction (every row, or none, of the choice), with one
/// audit entry naming the file and its hash; remembers the mapping for this file layout.
pub async fn import(
    app: &App,
    actor: &Actor,
    office: OfficeId,
    table: &Table,
    mapping: &Mapping,
    file: &FileFacts,
    rows: Rows,
) -> Result<Imported, Error> {
    let (dry, prepared) = prepare(app, actor, office, table, mapping, None).await?;
    // The same file twice (a retry, a second click, a colleague) would register everyone again.
    let before = app
        .store
        .audit_for_record("import", &file.sha256, store::AuditScope::Changes)
        .await?;
    if !before.is_empty() {
        return Err(Error::invalid("file", "error-import-already"));
    }
    if !dry.columns_ok() {
        return Err(Error::invalid("mapping", "error-import-columns"));
    }
    if rows == Rows::All && dry.with_problems() > 0 {
        return Err(Error::invalid("rows", "error-import-rows-have-problems"));
    }
    let now = app.now();
    let chosen: Vec<NewCase> = dry
        .rows
        .iter()
        .zip(prepared)
        .filter(|(check, _)| rows != Rows::ReadyAndNew || !check.looks_known())
        .filter_map(|(_, p)| p)
        .map(|p| NewCase {
            id: CaseId::new(),
            office,
            case_manager: p.case_manager,
            profile: p.row.profile,
            stage: CaseStage::Intake,
            consents: p
                .row
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
                .collect(),
        })
        .collect();
    if chosen.is_empty() {
        return Err(Error::invalid("rows", "error-import-nothing"));
    }
    let left_out = table.rows.len() - chosen.len();
    let audit = AuditContext {
        reason: Some(format!(
            "import of {} ({})",
            file.name,
            &file.sha256[..12.min(file.sha256.len())]
        )),
        ..AuditContext::by(actor.user_id, now)
    };
    let event = AuditContext::by(actor.user_id, now).entry(
        AuditAction::Import,
        "import",
        file.sha256.clone(),
        vec![
            FieldChange::noted("file", file.name.clone()),
            FieldChange::noted("sha256", file.sha256.clone()),
            FieldChange::noted("office", office.to_string()),
            FieldChange::noted("rows", table.rows.len().to_string()),
            FieldChange::noted("cases", chosen.len().to_string()),
        ],
    );
    let numbers = app.store.create_cases(chosen, audit, event).await?;
    let names: Vec<&str> = mapping
        .iter()
        .map(|m| m.map(ImportField::as_str).unwrap_or(""))
        .collect();
    let remembered = serde_json::to_string(&names).map_err(Error::internal)?;
    app.store
        .set_setting(
            &layout_key(&table.headers),
            remembered,
            AuditContext::by(actor.user_id, now),
        )
        .await?;
    Ok(Imported { numbers, left_out })
}
