//! Writing an export: one or more sheets of text cells, as CSV or XLSX, plain or inside an
//! AES-256 encrypted ZIP file, in one pass and in constant memory.
//!
//! Rows arrive in batches, sheet after sheet (a batch for sheet 2 closes sheet 1). Every byte
//! goes straight into the file handed over: the XLSX workbook is written here as the few XML
//! parts a spreadsheet needs, streamed into its ZIP, itself streamed into the encrypted entry
//! when there is a passphrase — so personal data never lands on disk unencrypted, not even in a
//! temporary file.

use std::io::{Seek, Write};

use tokio::sync::mpsc::Receiver;
use zip::ZipWriter;
use zip::write::SimpleFileOptions;

use super::Format;
use crate::Error;

/// A sheet of an export: its name and header row.
#[derive(Clone, Debug)]
pub struct Sheet {
    pub name: String,
    pub headers: Vec<String>,
}

/// Rows of one sheet (its index in the export's sheets).
pub type Batch = (usize, Vec<Vec<String>>);

/// Rows of one XLSX sheet, its header included (the format's limit): longer sheets go on in
/// a second sheet.
const SHEET_ROWS: u32 = 1_048_576;
/// The most characters a spreadsheet cell holds.
const CELL_CHARS: usize = 32_767;

/// A written export.
pub struct Written {
    pub file: tempfile::NamedTempFile,
    pub name: String,
    pub media_type: &'static str,
}

/// Writes the rows arriving on `rx` into a temporary file named after `stem`: a CSV file, a
/// ZIP of CSV files (one per sheet), or an XLSX workbook; inside an encrypted ZIP file when
/// there is a passphrase.
pub fn write_export(
    format: Format,
    sheets: &[Sheet],
    mut rx: Receiver<Batch>,
    stem: &str,
    passphrase: Option<&str>,
) -> Result<Written, Error> {
    let out = tempfile::NamedTempFile::new().map_err(Error::internal)?;
    let file = out.reopen().map_err(Error::internal)?;
    let zipped = passphrase.is_some() || (format == Format::Csv && sheets.len() > 1);
    if !zipped {
        let mut w = std::io::BufWriter::new(file);
        match format {
            Format::Csv => write_csv(&sheets[0], 0, &mut rx, &mut w)?,
            Format::Xlsx => {
                let mut book = ZipWriter::new(w);
                write_xlsx(&mut book, sheets, &mut rx)?;
                w = book.finish().map_err(Error::internal)?;
            }
        }
        w.flush().map_err(Error::internal)?;
        return Ok(Written {
            file: out,
            name: format!("{stem}.{}", format.extension()),
            media_type: format.media_type(),
        });
    }
    let mut zip = ZipWriter::new(std::io::BufWriter::new(file));
    let mut options = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    if let Some(p) = passphrase {
        options = options.with_aes_encryption(zip::AesMode::Aes256, p);
    }
    match format {
        Format::Csv => {
            let mut pending = rx.blocking_recv();
            for (i, sheet) in sheets.iter().enumerate() {
                let name = if sheets.len() == 1 {
                    format!("{stem}.csv")
                } else {
                    format!("{stem}-{}.csv", file_safe(&sheet.name))
                };
                zip.start_file(name, options).map_err(Error::internal)?;
                pending = write_csv_rows(sheet, i, pending, &mut rx, &mut zip)?;
            }
        }
        Format::Xlsx => {
            zip.start_file(format!("{stem}.xlsx"), options)
                .map_err(Error::internal)?;
            // The workbook is a ZIP file of its own, streamed into the encrypted entry.
            let mut book = ZipWriter::new_stream(&mut zip);
            write_xlsx(&mut book, sheets, &mut rx)?;
            book.finish().map_err(Error::internal)?;
        }
    }
    zip.finish()
        .and_then(|mut w| w.flush().map_err(Into::into))
        .map_err(Error::internal)?;
    Ok(Written {
        file: out,
        name: format!("{stem}.zip"),
        media_type: "application/zip",
    })
}

fn write_csv(
    sheet: &Sheet,
    index: usize,
    rx: &mut Receiver<Batch>,
    out: &mut impl Write,
) -> Result<(), Error> {
    let first = rx.blocking_recv();
    let rest = write_csv_rows(sheet, index, first, rx, out)?;
    debug_assert!(rest.is_none());
    Ok(())
}

/// Writes sheet `index` from `pending` and the batches that follow, up to the first batch of
/// a later sheet, which is returned.
fn write_csv_rows(
    sheet: &Sheet,
    index: usize,
    mut pending: Option<Batch>,
    rx: &mut Receiver<Batch>,
    out: &mut impl Write,
) -> Result<Option<Batch>, Error> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(&sheet.headers).map_err(Error::internal)?;
    while let Some((i, rows)) = pending.take() {
        if i > index {
            pending = Some((i, rows));
            break;
        }
        for row in rows {
            w.write_record(&row).map_err(Error::internal)?;
        }
        pending = rx.blocking_recv();
    }
    w.flush().map_err(Error::internal)?;
    Ok(pending)
}

/// Writes the workbook: each sheet's XML as its rows arrive, then the parts that list them.
fn write_xlsx<W: Write + Seek>(
    book: &mut ZipWriter<W>,
    sheets: &[Sheet],
    rx: &mut Receiver<Batch>,
) -> Result<(), Error> {
    let options = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    let mut names: Vec<String> = Vec::new();
    let mut pending = rx.blocking_recv();
    for (index, sheet) in sheets.iter().enumerate() {
        let mut part = 0;
        let mut row = SHEET_ROWS;
        let mut open = false;
        loop {
            if row == SHEET_ROWS {
                if open {
                    book.write_all(SHEET_END.as_bytes())
                        .map_err(Error::internal)?;
                }
                part += 1;
                names.push(sheet_name(&sheet.name, part, &names));
                book.start_file(format!("xl/worksheets/sheet{}.xml", names.len()), options)
                    .map_err(Error::internal)?;
                book.write_all(SHEET_START.as_bytes())
                    .map_err(Error::internal)?;
                write_row(book, 1, &sheet.headers)?;
                open = true;
                row = 1;
            }
            let Some((i, rows)) = pending.take() else {
                break;
            };
            if i > index {
                pending = Some((i, rows));
                break;
            }
            let mut rows = rows.into_iter();
            for values in rows.by_ref() {
                row += 1;
                write_row(book, row, &values)?;
                if row == SHEET_ROWS {
                    break;
                }
            }
            let rest: Vec<Vec<String>> = rows.collect();
            pending = if rest.is_empty() {
                rx.blocking_recv()
            } else {
                Some((i, rest))
            };
        }
        book.write_all(SHEET_END.as_bytes())
            .map_err(Error::internal)?;
    }
    let mut part = |path: &str, xml: String| -> Result<(), Error> {
        book.start_file(path, options).map_err(Error::internal)?;
        book.write_all(xml.as_bytes()).map_err(Error::internal)
    };
    let overrides: String = (1..=names.len())
        .map(|n| {
            format!(
                r#"<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>"#
            )
        })
        .collect();
    part(
        "[Content_Types].xml",
        format!(
            r#"{XML}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>{overrides}</Types>"#
        ),
    )?;
    part(
        "_rels/.rels",
        format!(
            r#"{XML}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#
        ),
    )?;
    let listed: String = names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            format!(
                r#"<sheet name="{}" sheetId="{n}" r:id="rId{n}"/>"#,
                escape(name),
                n = i + 1
            )
        })
        .collect();
    part(
        "xl/workbook.xml",
        format!(
            r#"{XML}<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>{listed}</sheets></workbook>"#
        ),
    )?;
    let links: String = (1..=names.len())
        .map(|n| {
            format!(
                r#"<Relationship Id="rId{n}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet{n}.xml"/>"#
            )
        })
        .collect();
    part(
        "xl/_rels/workbook.xml.rels",
        format!(
            r#"{XML}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{links}</Relationships>"#
        ),
    )?;
    Ok(())
}

const XML: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#;
const SHEET_START: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#;
const SHEET_END: &str = "</sheetData></worksheet>";

fn write_row(out: &mut impl Write, row: u32, values: &[String]) -> Result<(), Error> {
    let mut xml = format!(r#"<row r="{row}">"#);
    for (col, value) in values.iter().enumerate() {
        if value.is_empty() {
            continue;
        }
        let text = escape(&value.chars().take(CELL_CHARS).collect::<String>());
        xml.push_str(&format!(
            r#"<c r="{}{row}" t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>"#,
            column_letters(col)
        ));
    }
    xml.push_str("</row>");
    out.write_all(xml.as_bytes()).map_err(Error::internal)
}

/// `A`, `B`, … `Z`, `AA`, …
fn column_letters(mut col: usize) -> String {
    let mut out = Vec::new();
    loop {
        out.push(b'A' + (col % 26) as u8);
        if col < 26 {
            break;
        }
        col = col / 26 - 1;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// Text as XML character data: markup escaped, characters XML cannot hold left out.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

/// A sheet name a spreadsheet accepts: no `[]:*?/\`, at most 31 characters, unique; the
/// second part of a long sheet is numbered.
fn sheet_name(name: &str, part: usize, taken: &[String]) -> String {
    let clean: String = name.chars().filter(|c| !"[]:*?/\\".contains(*c)).collect();
    let base = if clean.trim().is_empty() {
        "sheet".to_string()
    } else {
        clean
    };
    let mut n = part;
    loop {
        let suffix = if n == 1 {
            String::new()
        } else {
            format!(" {n}")
        };
        let keep = 31 - suffix.chars().count();
        let candidate = format!("{}{suffix}", base.chars().take(keep).collect::<String>());
        if !taken.iter().any(|t| t.eq_ignore_ascii_case(&candidate)) {
            return candidate;
        }
        n += 1;
    }
}

/// A sheet name as part of a file name.
fn file_safe(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::{Reader, Xlsx};

    fn sheets() -> Vec<Sheet> {
        vec![
            Sheet {
                name: "main".into(),
                headers: vec!["id".into(), "name".into()],
            },
            Sheet {
                name: "members".into(),
                headers: vec!["parent".into(), "age".into()],
            },
        ]
    }

    fn write(format: Format, passphrase: Option<&str>) -> Written {
        let (tx, rx) = tokio::sync::mpsc::channel(4);
        let handle = std::thread::spawn(move || {
            tx.blocking_send((0, vec![vec!["1".into(), "Awa & <Ba>".into()]]))
                .unwrap();
            tx.blocking_send((0, vec![vec!["2".into(), "Ibou\u{1}".into()]]))
                .unwrap();
            tx.blocking_send((1, vec![vec!["1".into(), "7".into()]]))
                .unwrap();
        });
        let written = write_export(format, &sheets(), rx, "export", passphrase).unwrap();
        handle.join().unwrap();
        written
    }

    fn cells(bytes: Vec<u8>) -> Vec<(String, Vec<Vec<String>>)> {
        let mut book: Xlsx<_> =
            calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
        book.sheet_names()
            .into_iter()
            .map(|name| {
                let range = book.worksheet_range(&name).unwrap();
                let rows = range
                    .rows()
                    .map(|r| r.iter().map(|c| c.to_string()).collect())
                    .collect();
                (name, rows)
            })
            .collect()
    }

    #[test]
    fn a_workbook_has_one_sheet_per_sheet_with_escaped_text() {
        let w = write(Format::Xlsx, None);
        assert_eq!(w.name, "export.xlsx");
        let book = cells(std::fs::read(w.file.path()).unwrap());
        assert_eq!(book[0].0, "main");
        assert_eq!(book[0].1[1], vec!["1", "Awa & <Ba>"]);
        assert_eq!(book[0].1[2], vec!["2", "Ibou"]);
        assert_eq!(book[1].1, vec![vec!["parent", "age"], vec!["1", "7"]]);
    }

    #[test]
    fn an_encrypted_workbook_opens_with_the_passphrase_only() {
        let w = write(Format::Xlsx, Some("a long passphrase"));
        assert_eq!(w.name, "export.zip");
        let mut zip = zip::ZipArchive::new(std::fs::File::open(w.file.path()).unwrap()).unwrap();
        assert!(zip.by_index_decrypt(0, b"wrong").is_err());
        let mut inner = Vec::new();
        std::io::Read::read_to_end(
            &mut zip.by_index_decrypt(0, b"a long passphrase").unwrap(),
            &mut inner,
        )
        .unwrap();
        let book = cells(inner);
        assert_eq!(book[1].1[1], vec!["1", "7"]);
    }

    #[test]
    fn several_csv_sheets_come_as_a_zip_of_csv_files() {
        let w = write(Format::Csv, None);
        assert_eq!(w.name, "export.zip");
        let mut zip = zip::ZipArchive::new(std::fs::File::open(w.file.path()).unwrap()).unwrap();
        let mut members = String::new();
        std::io::Read::read_to_string(
            &mut zip.by_name("export-members.csv").unwrap(),
            &mut members,
        )
        .unwrap();
        assert_eq!(members, "parent,age\n1,7\n");
    }

    #[test]
    fn sheet_names_are_cut_cleaned_and_unique() {
        let taken = vec!["cases".to_string()];
        assert_eq!(sheet_name("cases", 1, &taken), "cases 2");
        assert_eq!(sheet_name("a/b", 1, &[]), "ab");
        assert_eq!(sheet_name(&"x".repeat(40), 1, &[]).chars().count(), 31);
        assert_eq!(column_letters(0), "A");
        assert_eq!(column_letters(27), "AB");
    }
}
