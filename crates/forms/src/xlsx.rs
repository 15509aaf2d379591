//! `.xlsx` files in and out. Reading goes through calamine, writing through rust_xlsxwriter;
//! both only move cells, [`crate::xlsform`] gives them meaning.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};

use crate::model::Problem;
use crate::xlsform::{MAX_COLUMNS, MAX_ROWS, Sheet, Workbook};

/// The largest upload read: XLSForms are tens of kilobytes; anything near this is not a form.
pub const MAX_FILE_BYTES: usize = 5 * 1024 * 1024;

/// The most a workbook may unpack to. Checked against the sizes the zip declares before
/// anything is unpacked, so a small file that inflates enormously is refused cheaply.
pub const MAX_UNPACKED_BYTES: u64 = 40 * 1024 * 1024;

/// How much of a workbook is read: its file size, what it unpacks to (checked against the sizes
/// the zip declares, before anything is unpacked, so a small file that inflates enormously is
/// refused cheaply), and the rows and columns of a sheet.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub file_bytes: usize,
    pub unpacked_bytes: u64,
    pub rows: usize,
    pub columns: usize,
    /// What the file is expected to be, for messages ("an XLSForm").
    pub what: &'static str,
}

/// An XLSForm's limits.
pub const FORM_LIMITS: Limits = Limits {
    file_bytes: MAX_FILE_BYTES,
    unpacked_bytes: MAX_UNPACKED_BYTES,
    rows: MAX_ROWS,
    columns: MAX_COLUMNS,
    what: "an XLSForm",
};

/// Reads every sheet of an `.xlsx` file as text cells.
pub fn read(bytes: &[u8]) -> Result<Workbook, Problem> {
    read_within(bytes, FORM_LIMITS, usize::MAX)
}

/// Reads the first `sheets` sheets of an `.xlsx` file as text cells, within `limits`.
pub fn read_within(bytes: &[u8], limits: Limits, sheets: usize) -> Result<Workbook, Problem> {
    if bytes.len() > limits.file_bytes {
        return Err(Problem::workbook(format!(
            "the file is {:.1} MB; {} must be under {} MB",
            bytes.len() as f64 / 1024.0 / 1024.0,
            limits.what,
            limits.file_bytes / 1024 / 1024
        )));
    }
    if !bytes.starts_with(b"PK") {
        return Err(Problem::workbook(
            "this is not an .xlsx file (an Excel workbook saved as .xlsx is expected)",
        ));
    }
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| Problem::workbook(format!("the .xlsx file cannot be read: {e}")))?;
    let mut unpacked: u64 = 0;
    for i in 0..archive.len() {
        let entry = archive
            .by_index_raw(i)
            .map_err(|e| Problem::workbook(format!("the .xlsx file cannot be read: {e}")))?;
        unpacked = unpacked.saturating_add(entry.size());
    }
    if unpacked > limits.unpacked_bytes {
        return Err(Problem::workbook(format!(
            "the workbook unpacks to {} MB; {} is far smaller (is this the right file?)",
            unpacked / 1024 / 1024,
            limits.what
        )));
    }
    // The reader is another project's code: a damaged file that trips it (fuzzing found cell
    // references that overflow its arithmetic) is a file that cannot be read, not a crash.
    std::panic::catch_unwind(|| read_sheets(bytes, limits, sheets)).unwrap_or_else(|_| {
        Err(Problem::workbook(
            "the .xlsx file is damaged and cannot be read; save it again from the spreadsheet program",
        ))
    })
}

fn read_sheets(bytes: &[u8], limits: Limits, count: usize) -> Result<Workbook, Problem> {
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes))
        .map_err(|e| Problem::workbook(format!("the .xlsx file cannot be read: {e}")))?;
    let mut sheets = Vec::new();
    for name in book.sheet_names().into_iter().take(count) {
        let rows = read_sheet(&mut book, &name, limits)?;
        sheets.push(Sheet { name, rows });
    }
    Ok(Workbook { sheets })
}

/// Reads one sheet cell by cell, keeping spreadsheet row and column numbers. The sheet is
/// streamed, never laid out as a grid: a sheet that declares (or holds one value at) a far
/// corner such as `XFD1048576` would otherwise make a grid of billions of cells. A value
/// outside the limits of a form refuses the workbook before anything of that size exists.
fn read_sheet(
    book: &mut Xlsx<Cursor<&[u8]>>,
    name: &str,
    limits: Limits,
) -> Result<Vec<Vec<String>>, Problem> {
    let unreadable = |e: calamine::XlsxError| {
        Problem::workbook(format!("the sheet '{name}' cannot be read: {e}"))
    };
    let mut cells = book.worksheet_cells_reader(name).map_err(unreadable)?;
    let mut rows: Vec<Vec<String>> = Vec::new();
    while let Some(cell) = cells.next_cell().map_err(unreadable)? {
        let value = Data::from(cell.get_value().clone());
        let text = cell_text(&value);
        if text.is_empty() {
            continue;
        }
        let (row, column) = cell.get_position();
        let (row, column) = (row as usize, column as usize);
        if row > limits.rows || column >= limits.columns {
            return Err(Problem::workbook(format!(
                "the sheet '{name}' has a value in row {} and column {}; {} may have at most \
                 {} rows and {} columns",
                row + 1,
                column + 1,
                limits.what,
                limits.rows,
                limits.columns
            )));
        }
        if rows.len() <= row {
            rows.resize_with(row + 1, Vec::new);
        }
        let cells_of_row = &mut rows[row];
        if cells_of_row.len() <= column {
            cells_of_row.resize(column + 1, String::new());
        }
        cells_of_row[column] = text;
    }
    Ok(rows)
}

fn cell_text(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => crate::expr::format_number(*f),
        Data::Bool(b) => if *b { "TRUE" } else { "FALSE" }.into(),
        Data::DateTime(dt) => {
            let (y, m, d, hh, mm, ss, _) = dt.to_ymd_hms_milli();
            if dt.is_datetime() && (hh, mm, ss) != (0, 0, 0) {
                format!("{y:04}-{m:02}-{d:02}T{hh:02}:{mm:02}:{ss:02}")
            } else {
                format!("{y:04}-{m:02}-{d:02}")
            }
        }
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("#{e:?}"),
    }
}

/// Writes the sheets to an `.xlsx` file, every cell as text so nothing is reinterpreted.
pub fn write(book: &Workbook) -> Result<Vec<u8>, String> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let bold = rust_xlsxwriter::Format::new().set_bold();
    for sheet in &book.sheets {
        let ws = wb.add_worksheet();
        ws.set_name(&sheet.name).map_err(|e| e.to_string())?;
        for (r, row) in sheet.rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                if cell.is_empty() {
                    continue;
                }
                let (r, c) = (r as u32, c as u16);
                if r == 0 {
                    ws.write_string_with_format(r, c, cell, &bold)
                } else {
                    ws.write_string(r, c, cell)
                }
                .map_err(|e| e.to_string())?;
            }
        }
        ws.set_freeze_panes(1, 0).map_err(|e| e.to_string())?;
    }
    wb.save_to_buffer().map_err(|e| e.to_string())
}
