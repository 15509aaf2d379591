//! The reviewable text form of an instrument: one directory with `survey.csv`, `choices.csv` and
//! `settings.csv`, each the sheet of the same name, cell for cell. A change to a question is a
//! one-line diff.

use crate::xlsform::{Sheet, Workbook};

pub const SHEETS: [&str; 3] = ["survey", "choices", "settings"];

/// Reads sheets from CSV texts, given as (sheet name, contents).
pub fn read(files: &[(&str, &str)]) -> Result<Workbook, String> {
    let mut sheets = Vec::new();
    for (name, text) in files {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(text.as_bytes());
        let mut rows = Vec::new();
        for (i, record) in reader.records().enumerate() {
            let record = record.map_err(|e| format!("{name}.csv, line {}: {e}", i + 1))?;
            rows.push(record.iter().map(str::to_string).collect());
        }
        sheets.push(Sheet {
            name: (*name).to_string(),
            rows,
        });
    }
    Ok(Workbook { sheets })
}

/// Writes each sheet as CSV text, with every row as wide as the header.
pub fn write(book: &Workbook) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    for sheet in &book.sheets {
        let width = sheet.rows.iter().map(Vec::len).max().unwrap_or(0);
        let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
        for row in &sheet.rows {
            let mut cells = row.clone();
            cells.resize(width, String::new());
            w.write_record(&cells).map_err(|e| e.to_string())?;
        }
        let bytes = w.into_inner().map_err(|e| e.to_string())?;
        out.push((
            sheet.name.clone(),
            String::from_utf8(bytes).map_err(|e| e.to_string())?,
        ));
    }
    Ok(out)
}
