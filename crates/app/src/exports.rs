//! Exports of the case list to files people can use: CSV or XLSX, as filtered on screen; with
//! the returnees' personal data (always in an AES-256 encrypted ZIP file, under a passphrase the
//! user types and nothing keeps), or pseudonymised for analysis (`domain::export`).
//!
//! The list is walked in case-number order a page at a time, and the file is written by a
//! blocking task as the pages arrive, so memory stays flat whatever the list's length.

use std::collections::HashMap;

use domain::audit::{AuditAction, FieldChange};
use domain::authz::{Action, Actor, Resource, authorize};
use domain::export::{
    CASE_COLUMNS, Personal, SCORE_COLUMNS, SMALL_GROUP, case_headers, pseudonymised_value,
};
use domain::me::AgeBands;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use store::{AuditContext, CaseQuery, CaseRecord};

use crate::cases::CaseFilters;
use crate::{App, Error};

pub mod jobs;
mod records;
mod sheets;

pub use records::{Records, RecordsExport, export_records};
pub use sheets::{Batch, Sheet, Written, write_export};

/// Cases read from the store at a time.
const PAGE: u32 = 1_000;
/// The programme setting holding the secret pseudonyms are derived with (migration 0028).
const PSEUDONYM_SECRET: &str = "pseudonym_secret";

/// What an export holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum What {
    /// One row per case.
    Cases,
    /// One row per scored survey (RSS), with its returnee's columns and its breakdown.
    RssScores,
}

impl What {
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim() {
            "" | "cases" => Some(What::Cases),
            "rss_scores" => Some(What::RssScores),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            What::Cases => "cases",
            What::RssScores => "rss_scores",
        }
    }
}

/// A file format people open.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
}

impl Format {
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim() {
            "csv" => Some(Format::Csv),
            "xlsx" => Some(Format::Xlsx),
            _ => None,
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
        }
    }

    pub fn media_type(self) -> &'static str {
        match self {
            Format::Csv => "text/csv; charset=utf-8",
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }
}

/// What to export, as the user asked.
#[derive(Clone, Debug, Default)]
pub struct CaseExport {
    pub filters: CaseFilters,
    /// `cases` (the default) or `rss_scores`.
    pub what: String,
    /// `csv` or `xlsx`.
    pub format: String,
    pub pseudonymise: bool,
    /// Encrypts the file; required when it holds personal data. Never stored or logged.
    pub passphrase: Option<String>,
    /// Pseudonymised files made with the same key give a returnee the same pseudonym, so
    /// files of one analysis link up; another key gives unrelated pseudonyms.
    pub pseudonym_key: String,
    /// Counts the rows written, for a progress page.
    pub progress: Option<std::sync::Arc<std::sync::atomic::AtomicU64>>,
}

/// A finished export: a temporary file, removed when this is dropped.
pub struct ExportedFile {
    pub file: tempfile::NamedTempFile,
    /// What to call it when handing it over.
    pub name: String,
    pub media_type: &'static str,
    pub rows: u64,
    pub encrypted: bool,
}

/// What a case export is, once the checks that need no reading passed: the actor's right to
/// it, the choices and the passphrase. A refused request is refused before any export starts.
pub(crate) fn checked_case_export(
    actor: &Actor,
    request: &CaseExport,
) -> Result<(CaseQuery, Format, What, Option<String>), Error> {
    let (query, mut problems) = crate::cases::list_query(actor, &request.filters)?;
    let action = if request.pseudonymise {
        Action::ExportPseudonymised
    } else {
        Action::ExportPersonal
    };
    authorize(actor, action, Resource::Programme)?;
    let format = Format::parse(&request.format);
    if format.is_none() {
        problems.add("format", "error-choice");
    }
    let what = What::parse(&request.what);
    if what.is_none() {
        problems.add("what", "error-choice");
    }
    let what = what.unwrap_or(What::Cases);
    let passphrase = passphrase_of(&request.passphrase, !request.pseudonymise, &mut problems);
    if request.pseudonymise && request.pseudonym_key.trim().chars().count() > 100 {
        problems.add("pseudonym_key", "error-too-long");
    }
    match format.filter(|_| problems.is_empty()) {
        Some(format) => Ok((query, format, what, passphrase)),
        None => Err(Error::validation(problems)),
    }
}

/// Exports the case list, filtered as `request.filters` say, for `actor`.
pub async fn export_cases(
    app: &App,
    actor: &Actor,
    request: CaseExport,
) -> Result<ExportedFile, Error> {
    let (query, format, what, passphrase) = checked_case_export(actor, &request)?;

    let pseudonyms = if request.pseudonymise {
        Some(Pseudonyms::new(app, request.pseudonym_key.trim()).await?)
    } else {
        None
    };
    let small_groups = match &pseudonyms {
        Some(_) => Some(small_group_counts(app, &query).await?),
        None => None,
    };
    let indicators: Vec<String> = match what {
        What::Cases => Vec::new(),
        What::RssScores => crate::rss::scoring_model(app)
            .await?
            .indicators
            .into_iter()
            .map(|i| i.name)
            .collect(),
    };
    let mut headers: Vec<String> = case_headers(request.pseudonymise)
        .into_iter()
        .map(str::to_string)
        .collect();
    if what == What::RssScores {
        headers.extend(SCORE_COLUMNS.iter().map(|c| c.to_string()));
        headers.extend(indicators.iter().map(|i| format!("ind_{i}")));
    }
    let stem = format!(
        "{}{}-{}",
        what.as_str().replace('_', "-"),
        if request.pseudonymise {
            "-pseudonymised"
        } else {
            ""
        },
        app.today()
    );
    let mut out = Exporter::start(
        format,
        vec![Sheet {
            name: what.as_str().to_string(),
            headers,
        }],
        &stem,
        passphrase.as_deref(),
        request.progress.clone(),
    );
    let bands = AgeBands::default();
    let mut after = None;
    loop {
        let page = app.store.export_cases(&query, after.clone(), PAGE).await?;
        let Some(last) = page.last() else { break };
        after = Some(last.number.to_string());
        let row_of = |case: &CaseRecord| {
            let values = case_values(case);
            match (&pseudonyms, &small_groups) {
                (Some(p), Some(groups)) => pseudonymised_row(values, &p.of(case), &bands, groups),
                _ => values,
            }
        };
        let batch: Vec<Vec<String>> = match what {
            What::Cases => page.iter().map(row_of).collect(),
            What::RssScores => {
                let ids = page.iter().map(|c| c.id).collect();
                let scores = app.store.rss_scores_of_cases(ids).await?;
                let by_case: HashMap<_, &CaseRecord> = page.iter().map(|c| (c.id, c)).collect();
                scores
                    .iter()
                    .filter_map(|s| {
                        let mut row = row_of(by_case.get(&s.case)?);
                        row.extend(score_values(s, &indicators));
                        Some(row)
                    })
                    .collect()
            }
        };
        out.send(0, batch).await?;
    }
    // Rows written: cases, or surveys.
    let done = out.finish().await?;

    let filter = filter_summary(&request.filters);
    let mut changes = vec![
        FieldChange::noted("what", what.as_str()),
        FieldChange::noted("format", format.extension()),
        FieldChange::noted("rows", done.rows.to_string()),
        FieldChange::noted("filter", &filter),
        FieldChange::noted("encrypted", if passphrase.is_some() { "yes" } else { "no" }),
    ];
    if request.pseudonymise {
        changes.push(FieldChange::noted("pseudonymised", "yes"));
    }
    audit_export(app, actor, changes).await?;
    Ok(done)
}

/// The audit entry of an export: who, what, how many rows, which filter; never the passphrase.
async fn audit_export(app: &App, actor: &Actor, changes: Vec<FieldChange>) -> Result<(), Error> {
    app.store
        .append_audit(AuditContext::by(actor.user_id, app.now()).entry(
            AuditAction::Export,
            "export",
            actor.user_id.to_string(),
            changes,
        ))
        .await?;
    Ok(())
}

/// An export being written: batches of rows go to a blocking task that writes the file as
/// they come, a few batches ahead at most.
struct Exporter {
    tx: tokio::sync::mpsc::Sender<Batch>,
    writer: tokio::task::JoinHandle<Result<Written, Error>>,
    rows: u64,
    encrypted: bool,
    progress: Option<std::sync::Arc<std::sync::atomic::AtomicU64>>,
}

impl Exporter {
    fn start(
        format: Format,
        sheets: Vec<Sheet>,
        stem: &str,
        passphrase: Option<&str>,
        progress: Option<std::sync::Arc<std::sync::atomic::AtomicU64>>,
    ) -> Self {
        let (tx, rx) = tokio::sync::mpsc::channel::<Batch>(4);
        let (stem, secret) = (stem.to_string(), passphrase.map(str::to_string));
        let writer = tokio::task::spawn_blocking(move || {
            write_export(format, &sheets, rx, &stem, secret.as_deref())
        });
        Exporter {
            tx,
            writer,
            rows: 0,
            encrypted: passphrase.is_some(),
            progress,
        }
    }

    /// Rows of sheet `sheet`; sheets are sent in order.
    async fn send(&mut self, sheet: usize, rows: Vec<Vec<String>>) -> Result<(), Error> {
        self.rows += rows.len() as u64;
        if let Some(p) = &self.progress {
            p.store(self.rows, std::sync::atomic::Ordering::Relaxed);
        }
        if self.tx.send((sheet, rows)).await.is_err() {
            // The writer stopped: its error says why, when `finish` collects it.
            tracing::warn!("an export's writer stopped early");
        }
        Ok(())
    }

    async fn finish(self) -> Result<ExportedFile, Error> {
        drop(self.tx);
        let written = self.writer.await.map_err(Error::internal)??;
        Ok(ExportedFile {
            file: written.file,
            name: written.name,
            media_type: written.media_type,
            rows: self.rows,
            encrypted: self.encrypted,
        })
    }
}

/// The passphrase typed, if any, checked: required for a file with personal data, and strong
/// enough when given (a ZIP file's key derivation is cheap to attack).
fn passphrase_of(
    typed: &Option<String>,
    required: bool,
    problems: &mut domain::ValidationErrors,
) -> Option<String> {
    let passphrase = typed.clone().filter(|p| !p.trim().is_empty());
    match &passphrase {
        None if required => problems.add("passphrase", "error-passphrase-required"),
        Some(p) => {
            if let Err(code) = domain::security::check_passphrase(p) {
                problems.add("passphrase", code);
            }
        }
        None => {}
    }
    passphrase
}

/// The filters as `name=value` pairs (those set), for the audit entry.
fn filter_summary(f: &CaseFilters) -> String {
    f.set()
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// A case's values in the order of `domain::export::CASE_COLUMNS`.
fn case_values(case: &CaseRecord) -> Vec<String> {
    let p = &case.profile;
    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
    let yes_no = |v: bool| if v { "yes" } else { "no" }.to_string();
    let values = vec![
        case.number.to_string(),
        case.office.code.to_string(),
        case.stage.as_str().to_string(),
        opt(&case.case_manager_name),
        p.given_name.clone(),
        p.family_name.clone(),
        p.sex.as_str().to_string(),
        opt(&p.gender),
        p.date_of_birth.map(|d| d.to_string()).unwrap_or_default(),
        p.age_at_return().map(|a| a.to_string()).unwrap_or_default(),
        p.nationality.clone(),
        p.return_date.to_string(),
        p.returned_from.clone(),
        p.absence_months.map(|m| m.to_string()).unwrap_or_default(),
        p.return_type.as_str().to_string(),
        p.return_country.clone(),
        p.return_province.clone(),
        opt(&p.return_community),
        p.vulnerabilities
            .iter()
            .map(|v| v.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        yes_no(p.is_restricted()),
        opt(&p.phone),
        opt(&p.email),
        opt(&p.address),
        opt(&p.preferred_language),
        p.household.len().to_string(),
        case.created_at.date().to_string(),
    ];
    debug_assert_eq!(values.len(), CASE_COLUMNS.len());
    values
}

/// A scored survey's own values, in the order of `SCORE_COLUMNS` and then the indicators.
fn score_values(s: &store::RssScore, indicators: &[String]) -> Vec<String> {
    let n = |x: Option<f64>| x.map(|v| format!("{v:.4}")).unwrap_or_default();
    let sc = &s.scores;
    let mut out = vec![
        s.round.as_str().to_string(),
        s.interview_date.to_string(),
        n(sc.economic),
        n(sc.social),
        n(sc.psychosocial),
        n(sc.composite),
        sc.dk_dwa_count.to_string(),
        if sc.low_accuracy { "yes" } else { "no" }.to_string(),
        sc.model.clone(),
    ];
    out.extend(indicators.iter().map(|name| {
        sc.breakdown
            .0
            .iter()
            .find(|i| &i.name == name)
            .and_then(|i| i.value)
            .map(|v| format!("{v:.4}"))
            .unwrap_or_default()
    }));
    out
}

/// A row of a pseudonymised file: identifying values left out, the pseudonym in place of the
/// case number, ages as bands, and the small-group flag last.
fn pseudonymised_row(
    values: Vec<String>,
    pseudonym: &str,
    bands: &AgeBands,
    groups: &HashMap<Vec<String>, u64>,
) -> Vec<String> {
    let key = quasi_key_banded(&values, bands);
    let mut row: Vec<String> = CASE_COLUMNS
        .iter()
        .zip(values)
        .filter_map(|((_, personal), v)| pseudonymised_value(*personal, v, pseudonym, bands))
        .collect();
    let small = groups.get(&key).copied().unwrap_or(0) < SMALL_GROUP;
    row.push(if small { "yes" } else { "" }.into());
    row
}

/// The row's quasi-identifiers, with the age as its band.
fn quasi_key_banded(values: &[String], bands: &AgeBands) -> Vec<String> {
    CASE_COLUMNS
        .iter()
        .zip(values)
        .filter_map(|((_, personal), v)| match personal {
            Personal::Quasi => Some(v.clone()),
            Personal::Age => Some(bands.band(v.parse().ok()).unwrap_or_default()),
            _ => None,
        })
        .collect()
}

/// How many cases of the export share each combination of quasi-identifiers: a first pass.
async fn small_group_counts(
    app: &App,
    query: &CaseQuery,
) -> Result<HashMap<Vec<String>, u64>, Error> {
    let bands = AgeBands::default();
    let mut counts = HashMap::new();
    let mut after = None;
    loop {
        let page = app.store.export_cases(query, after.clone(), PAGE).await?;
        let Some(last) = page.last() else { break };
        after = Some(last.number.to_string());
        for case in &page {
            *counts
                .entry(quasi_key_banded(&case_values(case), &bands))
                .or_insert(0) += 1;
        }
    }
    Ok(counts)
}

/// Stable pseudonyms: HMAC-SHA-256 of the case id under the programme's secret and the export
/// key. Without the secret (kept in the database, never exported) nobody can link a pseudonym
/// to a case, nor two files made with different keys.
struct Pseudonyms {
    mac: Hmac<Sha256>,
}

impl Pseudonyms {
    async fn new(app: &App, key: &str) -> Result<Self, Error> {
        // Made by a migration, once (never in the audit trail).
        let secret = app
            .store
            .setting(PSEUDONYM_SECRET)
            .await?
            .ok_or_else(|| Error::internal("the pseudonym secret is missing"))?;
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).map_err(Error::internal)?;
        mac.update(key.as_bytes());
        mac.update(b"\0");
        Ok(Pseudonyms { mac })
    }

    fn of(&self, case: &CaseRecord) -> String {
        let mut mac = self.mac.clone();
        mac.update(case.id.to_string().as_bytes());
        let digest = mac.finalize().into_bytes();
        let hex: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
        format!("R-{hex}")
    }
}
