//! Bulk import of returnees from a CSV or XLSX file an office already keeps.
//!
//! The file is read off the request threads within fixed bounds, its columns are matched to
//! fields (remembered per file layout), and a dry run says for every row what would be created
//! or what is wrong (the row, the column, why) and which rows look like returnees already
//! registered (the registration's duplicate rule) or like another row of the file. Nothing is
//! written until the user confirms; then the chosen rows go in one transaction with one audit
//! entry naming the file's hash, or nothing does.

use std::collections::HashMap;

use domain::audit::{AuditAction, FieldChange};
use domain::authz::{Action, Actor, Resource, authorize, case_list_scope};
use domain::case::{CaseStage, ReturneeProfile};
use domain::consent::{ConsentRecord, check_consent};
use domain::import::{ImportField, ImportedRow, guess_field, missing, read_row};
use domain::text::fold;
use domain::{CaseId, OfficeId, Role, UserId, Username};
use sha2::{Digest, Sha256};
use store::{AuditContext, ImportFile, NewCase};

use crate::{App, Error, ErrorKind};

/// The largest file read.
pub const MAX_FILE_BYTES: usize = 40 * 1024 * 1024;
/// The most rows a file may have.
pub const MAX_ROWS: usize = 200_000;
const MAX_COLUMNS: usize = 100;
/// How long an uploaded file is kept when it is not imported.
pub const KEPT_FOR: time::Duration = time::Duration::hours(24);

/// A file's cells: its header row, and each row with its number as the spreadsheet shows it.
#[derive(Clone, Debug, Default)]
pub struct Table {
    pub headers: Vec<String>,
    pub rows: Vec<(usize, Vec<String>)>,
}

/// Reads an uploaded file: the first sheet of an XLSX workbook, or a CSV file (comma or
/// semicolon separated, UTF-8). The message says what to fix when it cannot be read.
pub fn read_table(file_name: &str, bytes: &[u8]) -> Result<Table, String> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(format!(
            "the file is {:.1} MB; an import file must be under {} MB (split it)",
            bytes.len() as f64 / 1024.0 / 1024.0,
            MAX_FILE_BYTES / 1024 / 1024
        ));
    }
    let grid: Vec<(usize, Vec<String>)> = if bytes.starts_with(b"PK") {
        let limits = forms::xlsx::Limits {
            file_bytes: MAX_FILE_BYTES,
            unpacked_bytes: 400 * 1024 * 1024,
            rows: MAX_ROWS + 1,
            columns: MAX_COLUMNS,
            what: "an import file",
        };
        let book = forms::xlsx::read_within(bytes, limits, 1).map_err(|p| p.message)?;
        let sheet = book
            .sheets
            .into_iter()
            .next()
            .ok_or("the workbook has no sheet")?;
        sheet
            .rows
            .into_iter()
            .enumerate()
            .map(|(i, r)| (i + 1, r))
            .collect()
    } else if file_name.to_ascii_lowercase().ends_with(".xls") {
        return Err("this is an old Excel file (.xls): save it as .xlsx or .csv".into());
    } else {
        read_csv(bytes)?
    };
    let mut rows = grid
        .into_iter()
        .filter(|(_, r)| r.iter().any(|c| !c.trim().is_empty()));
    let Some((_, headers)) = rows.next() else {
        return Err("the file is empty: the first row names the columns".into());
    };
    let headers: Vec<String> = headers.iter().map(|h| h.trim().to_string()).collect();
    let rows: Vec<(usize, Vec<String>)> = rows.collect();
    if rows.len() > MAX_ROWS {
        return Err(format!(
            "the file has {} rows; import at most {MAX_ROWS} at a time",
            rows.len()
        ));
    }
    Ok(Table { headers, rows })
}

fn read_csv(bytes: &[u8]) -> Result<Vec<(usize, Vec<String>)>, String> {
    let text = std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes))
        .map_err(|_| "the file is not a CSV file in UTF-8: save it as 'CSV UTF-8' or as .xlsx")?;
    // Spreadsheets in French write semicolons.
    let first = text.lines().next().unwrap_or_default();
    let delimiter = if first.matches(';').count() > first.matches(',').count() {
        b';'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut out = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| format!("row {} cannot be read: {e}", i + 1))?;
        if record.len() > MAX_COLUMNS {
            return Err(format!("row {} has more than {MAX_COLUMNS} columns", i + 1));
        }
        if out.len() > MAX_ROWS {
            return Err(format!("the file has more than {MAX_ROWS} rows"));
        }
        out.push((i + 1, record.iter().map(str::to_string).collect()));
    }
    Ok(out)
}

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
    Ok(prepare(app, actor, office, table, mapping).await?.0)
}

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
    let name_columns: Vec<usize> = mapping
        .iter()
        .enumerate()
        .filter(|(_, m)| matches!(m, Some(ImportField::GivenName | ImportField::FamilyName)))
        .map(|(i, _)| i)
        .collect();
    let names = table
        .rows
        .iter()
        .flat_map(|(_, cells)| name_columns.iter().filter_map(|i| cells.get(*i)))
        .map(|n| fold(domain::text::tidy(n).as_str()))
        .collect();
    let known = KnownReturnees::read(app, actor, names).await?;
    let mut seen_in_file: HashMap<String, Vec<(usize, ReturneeProfile)>> = HashMap::new();
    let mut prepared = Vec::with_capacity(table.rows.len());
    for (number, cells) in &table.rows {
        let values: Vec<(ImportField, &str)> = mapping
            .iter()
            .zip(
                cells
                    .iter()
                    .map(String::as_str)
                    .chain(std::iter::repeat("")),
            )
            .filter_map(|(m, v)| m.map(|f| (f, v)))
            .collect();
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
            check.matches = known.matches(&r.profile);
            let key = fold(&r.profile.family_name);
            let earlier = seen_in_file.entry(key).or_default();
            check.same_as_row = earlier
                .iter()
                .find(|(_, p)| domain::duplicates::possibly_same(p, &r.profile))
                .map(|(n, _)| *n);
            earlier.push((*number, r.profile.clone()));
        }
        prepared.push(
            row.filter(|_| check.problems.is_empty())
                .map(|row| Prepared { case_manager, row }),
        );
        dry.rows.push(check);
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

/// Registered returnees the actor may see who share a name with someone in the file, read in
/// a few queries before the rows are checked.
struct KnownReturnees {
    by_folded_family_name: HashMap<String, Vec<store::CaseRecord>>,
}

impl KnownReturnees {
    /// Reads the candidates for every given and family name of the file's rows (either may be
    /// the other's family name: the duplicate rule accepts names in either order).
    async fn read(app: &App, actor: &Actor, names: Vec<String>) -> Result<Self, Error> {
        let mut known = KnownReturnees {
            by_folded_family_name: HashMap::new(),
        };
        let Some(scope) = case_list_scope(actor) else {
            return Ok(known);
        };
        let mut names: Vec<String> = names.into_iter().filter(|n| !n.is_empty()).collect();
        names.sort();
        names.dedup();
        for chunk in names.chunks(500) {
            for case in app
                .store
                .cases_with_family_names(scope, chunk.to_vec())
                .await?
            {
                known
                    .by_folded_family_name
                    .entry(fold(&case.profile.family_name))
                    .or_default()
                    .push(case);
            }
        }
        Ok(known)
    }

    fn matches(&self, p: &ReturneeProfile) -> Vec<String> {
        let mut out: Vec<String> = [fold(&p.family_name), fold(&p.given_name)]
            .iter()
            .filter_map(|n| self.by_folded_family_name.get(n))
            .flatten()
            .filter(|c| domain::duplicates::possibly_same(&c.profile, p))
            .map(|c| c.number.to_string())
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
    let (dry, prepared) = prepare(app, actor, office, table, mapping).await?;
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
    let change = |field: &str, after: String| FieldChange {
        field: field.into(),
        before: None,
        after: Some(after),
    };
    let event = AuditContext::by(actor.user_id, now).entry(
        AuditAction::Import,
        "import",
        file.sha256.clone(),
        vec![
            change("file", file.name.clone()),
            change("sha256", file.sha256.clone()),
            change("office", office.to_string()),
            change("rows", table.rows.len().to_string()),
            change("cases", chosen.len().to_string()),
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

/// Keeps an uploaded file for the import pages, after reading it (off the request threads):
/// returns its id and table. A file that cannot be read is refused with what to fix.
pub async fn upload(
    app: &App,
    actor: &Actor,
    file_name: &str,
    bytes: Vec<u8>,
) -> Result<(uuid::Uuid, Table), Error> {
    authorize(actor, Action::ImportRecords, Resource::Programme)?;
    let name = file_name.to_string();
    let (table, bytes) = tokio::task::spawn_blocking(move || (read_table(&name, &bytes), bytes))
        .await
        .map_err(Error::internal)?;
    let table = table.map_err(|message| Error::with_detail(ErrorKind::Validation, message))?;
    let sha256 = app.store.put_file(bytes).await?;
    let id = uuid::Uuid::new_v4();
    app.store
        .add_import_file(ImportFile {
            id,
            user: actor.user_id,
            file_name: file_name.chars().take(200).collect(),
            sha256,
            uploaded_at: app.now(),
        })
        .await?;
    Ok((id, table))
}

/// An uploaded file of the actor's, read again.
pub async fn uploaded(
    app: &App,
    actor: &Actor,
    id: uuid::Uuid,
) -> Result<(FileFacts, Table), Error> {
    authorize(actor, Action::ImportRecords, Resource::Programme)?;
    let file = app
        .store
        .import_file(id)
        .await?
        .filter(|f| f.user == actor.user_id && app.now() - f.uploaded_at < KEPT_FOR)
        .ok_or(Error::new(ErrorKind::NotFound))?;
    let bytes = app.store.read_file(&file.sha256).await?;
    let name = file.file_name.clone();
    let table = tokio::task::spawn_blocking(move || read_table(&name, &bytes))
        .await
        .map_err(Error::internal)?
        .map_err(|message| Error::with_detail(ErrorKind::Validation, message))?;
    Ok((
        FileFacts {
            name: file.file_name,
            sha256: file.sha256,
        },
        table,
    ))
}

/// Forgets an uploaded file once imported (and any left over a day).
pub async fn forget(app: &App, id: uuid::Uuid) -> Result<(), Error> {
    app.store
        .remove_import_files(Some(id), app.now() - KEPT_FOR)
        .await?;
    Ok(())
}

/// The hash of a file's content, as the audit entry names it.
pub fn sha256_hex(bytes: &[u8]) -> String {
    store::files::content_hash(bytes)
}
