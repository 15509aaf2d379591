//! Files attached to a form version that the form reads: choices for `select_one_from_file`
//! (CSV, XML or GeoJSON, as ODK reads them) and tables for `pulldata()` (CSV). Media files
//! (images, sounds, videos of labels) are only stored and served.

use std::collections::BTreeMap;

use crate::model::{Choice, Form, Text};

/// What a form does with an attached file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileUse {
    /// Choices or a lookup table: the form cannot work without it.
    Data,
    /// An image, sound or video shown with a label.
    Media,
}

/// The files a form names: choice files, `pulldata()` tables (`name` → `name.csv`), and media
/// in label and choice columns. Sorted by name.
pub fn files_used(form: &Form) -> BTreeMap<String, FileUse> {
    let mut out = BTreeMap::new();
    for q in &form.questions {
        if let Some(f) = q.kind.choices_file() {
            out.insert(f.to_string(), FileUse::Data);
        }
        let columns = [
            &q.calculation,
            &q.relevant,
            &q.constraint,
            &q.default,
            &q.choice_filter,
            &q.required_when,
            &q.repeat_count,
        ];
        for src in columns.into_iter().flatten() {
            for table in pulldata_tables(src) {
                out.insert(format!("{table}.csv"), FileUse::Data);
            }
        }
        for (header, file) in &q.extra {
            if is_media(header) {
                out.entry(file.clone()).or_insert(FileUse::Media);
            }
        }
    }
    for list in &form.choices {
        for c in &list.choices {
            for (header, file) in &c.extra {
                if is_media(header) {
                    out.entry(file.clone()).or_insert(FileUse::Media);
                }
            }
        }
    }
    out
}

/// A media column: `image`, `media::audio::French (fr)`, `big-image` …
pub fn is_media(header: &str) -> bool {
    let lower = header.to_ascii_lowercase();
    let base = lower.strip_prefix("media::").unwrap_or(&lower);
    let base = base.split("::").next().unwrap_or(base);
    matches!(base, "image" | "big-image" | "audio" | "video")
}

/// The first arguments of `pulldata('name', …)` in an expression's text.
fn pulldata_tables(src: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = src;
    while let Some(at) = rest.find("pulldata(") {
        rest = &rest[at + "pulldata(".len()..];
        let t = rest.trim_start();
        if let Some(q) = t.chars().next().filter(|c| *c == '\'' || *c == '"')
            && let Some(end) = t[1..].find(q)
        {
            out.push(t[1..1 + end].to_string());
        }
    }
    out
}

/// A CSV table (header and rows), as `pulldata()` and CSV choice files read it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Table {
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    /// `pulldata`: the value of `column` in the first row whose `key_column` is `key`.
    pub fn lookup(&self, column: &str, key_column: &str, key: &str) -> Option<&str> {
        let c = self.header.iter().position(|h| h == column)?;
        let k = self.header.iter().position(|h| h == key_column)?;
        self.rows
            .iter()
            .find(|r| r.get(k).map(String::as_str) == Some(key))
            .and_then(|r| r.get(c))
            .map(String::as_str)
    }
}

/// Reads a CSV file with a header row.
pub fn read_table(bytes: &[u8]) -> Result<Table, String> {
    let text = std::str::from_utf8(bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes))
        .map_err(|_| "the file is not UTF-8 text".to_string())?;
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| format!("cannot read the header row: {e}"))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    if header.iter().all(String::is_empty) {
        return Err("the file has no header row".into());
    }
    let mut rows = Vec::new();
    for (i, r) in reader.records().enumerate() {
        let r = r.map_err(|e| format!("row {}: {e}", i + 2))?;
        rows.push(r.iter().map(|c| c.trim().to_string()).collect());
    }
    Ok(Table { header, rows })
}

/// The choices a choice file offers, read as ODK reads it: CSV rows (`name` and `label`
/// columns, or those the question's parameters name), XML `root/item` elements, or GeoJSON
/// features (`id` and `title`). Other columns stay available to choice filters.
pub fn read_choices(
    file: &str,
    bytes: &[u8],
    value: &str,
    label: &str,
) -> Result<Vec<Choice>, String> {
    let lower = file.to_ascii_lowercase();
    let rows: Vec<BTreeMap<String, String>> = if lower.ends_with(".csv") {
        let t = read_table(bytes)?;
        t.rows
            .iter()
            .map(|r| t.header.iter().cloned().zip(r.iter().cloned()).collect())
            .collect()
    } else if lower.ends_with(".geojson") {
        geojson_rows(bytes)?
    } else {
        xml_rows(bytes)?
    };
    let mut out = Vec::new();
    for (i, row) in rows.into_iter().enumerate() {
        // The value column stays among the others, for choice filters that name it.
        let Some(name) = row.get(value).cloned().filter(|n| !n.is_empty()) else {
            return Err(format!("item {} has no '{value}'", i + 1));
        };
        let mut text = Text::new();
        if let Some(l) = row.get(label) {
            text.insert(String::new(), l.clone());
        }
        out.push(Choice {
            name,
            label: text,
            extra: row,
            row: i + 2,
        });
    }
    if out.is_empty() {
        return Err("the file offers no choices".into());
    }
    Ok(out)
}

fn geojson_rows(bytes: &[u8]) -> Result<Vec<BTreeMap<String, String>>, String> {
    let doc: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| format!("not GeoJSON: {e}"))?;
    let features = doc
        .get("features")
        .and_then(|f| f.as_array())
        .ok_or("not GeoJSON: no 'features'")?;
    Ok(features
        .iter()
        .map(|f| {
            let mut row = BTreeMap::new();
            if let Some(id) = f.get("id") {
                row.insert("id".to_string(), scalar(id));
            }
            if let Some(props) = f.get("properties").and_then(|p| p.as_object()) {
                for (k, v) in props {
                    row.insert(k.clone(), scalar(v));
                }
            }
            row
        })
        .collect())
}

fn scalar(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// `<root><item><name>…</name><label>…</label></item>…</root>`, read without a DOM: each
/// `<item>`'s child elements become columns.
fn xml_rows(bytes: &[u8]) -> Result<Vec<BTreeMap<String, String>>, String> {
    let text = std::str::from_utf8(bytes).map_err(|_| "the file is not UTF-8 text".to_string())?;
    if !text.trim_start().starts_with('<') {
        return Err("not XML".into());
    }
    let mut rows = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("<item>") {
        let body = &rest[start + 6..];
        let end = body.find("</item>").ok_or("an <item> is never closed")?;
        let mut row = BTreeMap::new();
        let mut inner = &body[..end];
        while let Some(open) = inner.find('<') {
            let after = &inner[open + 1..];
            let Some(close) = after.find('>') else { break };
            let tag = &after[..close];
            if tag.starts_with('/') || tag.ends_with('/') {
                inner = &after[close + 1..];
                continue;
            }
            let content = &after[close + 1..];
            let end_tag = format!("</{tag}>");
            let Some(stop) = content.find(&end_tag) else {
                return Err(format!("<{tag}> is never closed"));
            };
            row.insert(tag.to_string(), unescape(content[..stop].trim()));
            inner = &content[stop + end_tag.len()..];
        }
        rows.push(row);
        rest = &body[end + 7..];
    }
    Ok(rows)
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn choice_files_are_read_as_odk_reads_them() {
        let csv = b"name,label,region\ndk1,Pikine,dk\nth1,Mbour,th\n";
        let c = read_choices("villages.csv", csv, "name", "label").unwrap();
        assert_eq!(c.len(), 2);
        assert_eq!(c[1].name, "th1");
        assert_eq!(c[1].label.get("").unwrap(), "Mbour");
        assert_eq!(c[1].extra.get("region").unwrap(), "th");
        assert_eq!(
            c[1].extra.get("name").unwrap(),
            "th1",
            "filters may name the value column"
        );
        let xml = b"<root><item><name>a</name><label>A &amp; B</label></item><item><name>b</name><label>B</label></item></root>";
        let c = read_choices("x.xml", xml, "name", "label").unwrap();
        assert_eq!(c[0].label.get("").unwrap(), "A & B");
        let geo = br#"{"type":"FeatureCollection","features":[{"type":"Feature","id":"f1","properties":{"title":"Clinic"}}]}"#;
        let c = read_choices("h.geojson", geo, "id", "title").unwrap();
        assert_eq!(
            (c[0].name.as_str(), c[0].label.get("").unwrap().as_str()),
            ("f1", "Clinic")
        );
        assert!(read_choices("v.csv", b"name,label\n", "name", "label").is_err());
        assert!(
            read_choices("v.csv", b"label\nx\n", "name", "label")
                .unwrap_err()
                .contains("'name'")
        );
    }

    #[test]
    fn pulldata_reads_the_first_matching_row() {
        let t = read_table(b"code,fee\nA,10\nB,20\n").unwrap();
        assert_eq!(t.lookup("fee", "code", "B"), Some("20"));
        assert_eq!(t.lookup("fee", "code", "C"), None);
        assert_eq!(
            pulldata_tables("pulldata('fees', 'fee', 'code', ${c}) + 1"),
            ["fees"]
        );
    }
}
