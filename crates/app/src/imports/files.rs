//! The files imports read: uploaded, kept a day for the pages that check and import them,
//! and read within fixed bounds off the request threads.

use domain::authz::{Action, Actor, Resource, authorize};
use store::ImportFile;

use super::FileFacts;
use crate::{App, Error, ErrorKind};

/// The largest file read.
pub const MAX_FILE_BYTES: usize = 40 * 1024 * 1024;
/// The most rows a file may have.
pub const MAX_ROWS: usize = 200_000;
const MAX_COLUMNS: usize = 100;
/// How long an uploaded file is kept when it is not imported.
pub const KEPT_FOR: time::Duration = time::Duration::hours(24);

/// A sheet's cells: its header row, and each row with its number as the spreadsheet shows it.
#[derive(Clone, Debug, Default)]
pub struct Table {
    /// The sheet's name (empty for a CSV file).
    pub sheet: String,
    pub headers: Vec<String>,
    pub rows: Vec<(usize, Vec<String>)>,
}

/// A sheet's rows, each with its number.
type Grid = Vec<(usize, Vec<String>)>;

/// Reads an uploaded file: the first sheet of an XLSX workbook, or a CSV file (comma or
/// semicolon separated, UTF-8). The message says what to fix when it cannot be read.
pub fn read_table(file_name: &str, bytes: &[u8]) -> Result<Table, String> {
    read_book(file_name, bytes, 1)?
        .into_iter()
        .next()
        .ok_or_else(|| "the workbook has no sheet".into())
}

/// Reads the first `sheets` sheets of an XLSX workbook (sheets without a row left out after
/// the first), or a CSV file as one sheet.
pub fn read_book(file_name: &str, bytes: &[u8], sheets: usize) -> Result<Vec<Table>, String> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(format!(
            "the file is {:.1} MB; an import file must be under {} MB (split it)",
            bytes.len() as f64 / 1024.0 / 1024.0,
            MAX_FILE_BYTES / 1024 / 1024
        ));
    }
    let grids: Vec<(String, Grid)> = if bytes.starts_with(b"PK") {
        let limits = forms::xlsx::Limits {
            file_bytes: MAX_FILE_BYTES,
            unpacked_bytes: 400 * 1024 * 1024,
            rows: MAX_ROWS + 1,
            columns: MAX_COLUMNS,
            what: "an import file",
        };
        let book = forms::xlsx::read_within(bytes, limits, sheets).map_err(|p| p.message)?;
        book.sheets
            .into_iter()
            .map(|sheet| {
                let rows = sheet
                    .rows
                    .into_iter()
                    .enumerate()
                    .map(|(i, r)| (i + 1, r))
                    .collect();
                (sheet.name, rows)
            })
            .collect()
    } else if file_name.to_ascii_lowercase().ends_with(".xls") {
        return Err("this is an old Excel file (.xls): save it as .xlsx or .csv".into());
    } else {
        vec![(String::new(), read_csv(bytes)?)]
    };
    let mut out = Vec::new();
    for (sheet, grid) in grids {
        let mut rows = grid
            .into_iter()
            .filter(|(_, r)| r.iter().any(|c| !c.trim().is_empty()));
        let Some((_, headers)) = rows.next() else {
            if out.is_empty() {
                return Err("the file is empty: the first row names the columns".into());
            }
            continue;
        };
        let headers: Vec<String> = headers.iter().map(|h| h.trim().to_string()).collect();
        let rows: Vec<(usize, Vec<String>)> = rows.collect();
        if rows.len() > MAX_ROWS {
            return Err(format!(
                "the file has {} rows; import at most {MAX_ROWS} at a time",
                rows.len()
            ));
        }
        out.push(Table {
            sheet,
            headers,
            rows,
        });
    }
    if out.is_empty() {
        return Err("the workbook has no sheet".into());
    }
    Ok(out)
}

fn read_csv(bytes: &[u8]) -> Result<Grid, String> {
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

/// An uploaded file of the actor's, read again: its first sheet.
pub async fn uploaded(
    app: &App,
    actor: &Actor,
    id: uuid::Uuid,
) -> Result<(FileFacts, Table), Error> {
    let (facts, mut book) = uploaded_book(app, actor, id, 1).await?;
    Ok((facts, book.remove(0)))
}

/// An uploaded file of the actor's, read again: its first `sheets` sheets.
pub async fn uploaded_book(
    app: &App,
    actor: &Actor,
    id: uuid::Uuid,
    sheets: usize,
) -> Result<(FileFacts, Vec<Table>), Error> {
    authorize(actor, Action::ImportRecords, Resource::Programme)?;
    let file = app
        .store
        .import_file(id)
        .await?
        .filter(|f| f.user == actor.user_id && app.now() - f.uploaded_at < KEPT_FOR)
        .ok_or(Error::new(ErrorKind::NotFound))?;
    let bytes = app.store.read_file(&file.sha256).await?;
    let name = file.file_name.clone();
    let book = tokio::task::spawn_blocking(move || read_book(&name, &bytes, sheets))
        .await
        .map_err(Error::internal)?
        .map_err(|message| Error::with_detail(ErrorKind::Validation, message))?;
    Ok((
        FileFacts {
            name: file.file_name,
            sha256: file.sha256,
        },
        book,
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
