use super::*;

/// One sheet as rows of cells; row 0 is the header.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Sheet {
    pub name: String,
    pub rows: Vec<Vec<String>>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Workbook {
    pub sheets: Vec<Sheet>,
}

impl Workbook {
    pub(super) fn sheet(&self, name: &str) -> Option<&Sheet> {
        self.sheets
            .iter()
            .find(|s| s.name.trim().eq_ignore_ascii_case(name))
    }
}

/// Limits that keep a hostile or mistaken upload from tying up the server.
pub const MAX_ROWS: usize = 5_000;
pub const MAX_COLUMNS: usize = 200;

/// The survey columns Reintegra interprets, by their canonical name.
pub(super) const SURVEY_COLUMNS: &[&str] = &[
    "type",
    "name",
    "label",
    "hint",
    "required",
    "required_message",
    "relevant",
    "constraint",
    "constraint_message",
    "calculation",
    "default",
    "read_only",
    "appearance",
    "choice_filter",
];

/// Columns whose meaning Reintegra does not implement; a row that fills one is refused rather
/// than quietly behaving differently from other XLSForm tools.
pub(super) const UNSUPPORTED_COLUMNS: &[&str] =
    &["repeat_count", "trigger", "parameters", "body::accept"];

/// Types other XLSForm tools know that Reintegra does not collect.
pub(super) const UNSUPPORTED_TYPES: &[&str] = &[
    "geopoint",
    "geotrace",
    "geoshape",
    "image",
    "audio",
    "video",
    "file",
    "background-audio",
    "barcode",
    "time",
    "datetime",
    "range",
    "rank",
    "hidden",
    "deviceid",
    "subscriberid",
    "simserial",
    "phonenumber",
    "phone",
    "username",
    "email",
    "audit",
    "xml-external",
    "csv-external",
    "select_one_from_file",
    "select_multiple_from_file",
    "select_one_external",
    "include",
    "start-geopoint",
    "uri:deviceid",
    "uri:email",
    "uri:username",
    "uri:phonenumber",
    "uri:subscriberid",
    "uri:simserial",
    "osm",
    "trigger",
];

/// A header cell: base column and language (`label::English (en)` → `label`, `English (en)`).
pub(super) fn split_header(h: &str) -> (String, String) {
    let h = h.trim();
    // `bind::relevant` and friends name the same column as `relevant`; `body::` columns are
    // kept whole so they can be recognised (and refused) by name.
    let lower = h.to_ascii_lowercase();
    if let Some(rest) = lower.strip_prefix("bind::") {
        return (split_header(rest).0, String::new());
    }
    if lower.starts_with("body::") {
        return (lower, String::new());
    }
    let (base, lang) = match h.split_once("::") {
        Some((b, l)) => (b.trim(), l.trim()),
        None => match h.split_once(':') {
            // `label:English` (one colon) appears in older forms; `bind:` and `media:` prefixes too.
            Some((b, l))
                if ["label", "hint", "constraint_message", "required_message"]
                    .contains(&b.trim().to_ascii_lowercase().as_str()) =>
            {
                (b.trim(), l.trim())
            }
            _ => (h, ""),
        },
    };
    let base = base.to_ascii_lowercase().replace(' ', "_");
    let base = match base.as_str() {
        "relevance" => "relevant".to_string(),
        "calculate" => "calculation".to_string(),
        "readonly" => "read_only".to_string(),
        "constraint-message" | "constraint_msg" => "constraint_message".to_string(),
        "required-message" => "required_message".to_string(),
        "list_name" | "list-name" => "list_name".to_string(),
        _ => base,
    };
    (base, lang.to_string())
}

pub(super) struct Columns {
    /// (base, language) → column index.
    pub(super) index: BTreeMap<(String, String), usize>,
    pub(super) headers: Vec<String>,
}

impl Columns {
    pub(super) fn new(header: &[String]) -> (Self, Vec<(usize, String)>) {
        let mut index = BTreeMap::new();
        let mut duplicates = Vec::new();
        for (i, h) in header.iter().enumerate() {
            if h.trim().is_empty() {
                continue;
            }
            let key = split_header(h);
            if index.insert(key, i).is_some() {
                duplicates.push((i, h.clone()));
            }
        }
        (
            Columns {
                index,
                headers: header.to_vec(),
            },
            duplicates,
        )
    }

    pub(super) fn get<'a>(&self, row: &'a [String], base: &str) -> &'a str {
        self.index
            .get(&(base.to_string(), String::new()))
            .and_then(|&i| row.get(i))
            .map(|s| s.trim())
            .unwrap_or("")
    }

    pub(super) fn header(&self, base: &str) -> String {
        self.index
            .get(&(base.to_string(), String::new()))
            .and_then(|&i| self.headers.get(i))
            .cloned()
            .unwrap_or_else(|| base.to_string())
    }

    pub(super) fn has(&self, base: &str) -> bool {
        self.index.keys().any(|(b, _)| b == base)
    }

    pub(super) fn text(&self, row: &[String], base: &str) -> Text {
        self.index
            .iter()
            .filter(|((b, _), _)| b == base)
            .filter_map(|((_, lang), &i)| {
                let v = row.get(i).map(|s| s.trim()).unwrap_or("");
                (!v.is_empty()).then(|| (lang.clone(), v.to_string()))
            })
            .collect()
    }

    /// Cells of columns not in `known`, by their header as written.
    pub(super) fn extra(&self, row: &[String], known: &[&str]) -> BTreeMap<String, String> {
        self.index
            .iter()
            .filter(|((b, _), _)| !known.contains(&b.as_str()))
            .filter_map(|(_, &i)| {
                let v = row.get(i).map(|s| s.trim()).unwrap_or("");
                (!v.is_empty()).then(|| (self.headers[i].trim().to_string(), v.to_string()))
            })
            .collect()
    }
}

pub(super) fn yes(cell: &str) -> Option<bool> {
    match cell.trim().to_ascii_lowercase().as_str() {
        "" | "no" | "false" | "false()" | "0" => Some(false),
        "yes" | "true" | "true()" | "1" => Some(true),
        _ => None,
    }
}

pub(super) fn is_blank(row: &[String]) -> bool {
    row.iter().all(|c| c.trim().is_empty())
}

/// A valid field or choice-list name: starts with a letter or `_`, then letters, digits, `_`,
/// `-` or `.` (XML names without the colon).
pub fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

/// Form ids and versions appear in addresses; other tools allow spaces, so Reintegra does too.
pub(super) fn valid_id(id: &str) -> bool {
    id.chars().count() <= 100
        && !id
            .chars()
            .any(|c| c.is_control() || matches!(c, '/' | '?' | '#' | '\\'))
}

pub(super) fn parse_type(cell: &str) -> Result<Kind, String> {
    let t = cell.trim();
    let lower = t.to_ascii_lowercase();
    let words: Vec<&str> = lower.split_whitespace().collect();
    let orig_words: Vec<&str> = t.split_whitespace().collect();
    let list_after = |n: usize| -> Result<String, String> {
        match orig_words.get(n..) {
            Some([list]) => Ok((*list).to_string()),
            Some([_, extra, ..])
                if extra.eq_ignore_ascii_case("or_other") || extra.eq_ignore_ascii_case("or") =>
            {
                Err(format!(
                    "'{t}': 'or_other' is not supported; add an 'other' choice and a text question \
                     shown when it is selected"
                ))
            }
            _ => Err(format!(
                "'{t}' must name one choice list, as in 'select_one yes_no'"
            )),
        }
    };
    Ok(match words.as_slice() {
        ["text"] | ["string"] => Kind::Text,
        ["integer"] | ["int"] => Kind::Integer,
        ["decimal"] => Kind::Decimal,
        ["date"] => Kind::Date,
        ["note"] => Kind::Note,
        ["calculate"] => Kind::Calculate,
        ["acknowledge"] => Kind::Acknowledge,
        ["start"] => Kind::Start,
        ["end"] => Kind::End,
        ["today"] => Kind::Today,
        ["begin_group"] | ["begin", "group"] => Kind::BeginGroup,
        ["end_group"] | ["end", "group"] => Kind::EndGroup,
        ["begin_repeat"] | ["begin", "repeat"] => Kind::BeginRepeat,
        ["end_repeat"] | ["end", "repeat"] => Kind::EndRepeat,
        ["select_one", ..] => Kind::SelectOne(list_after(1)?),
        ["select_multiple", ..] => Kind::SelectMultiple(list_after(1)?),
        ["select", "one", "from", ..] => Kind::SelectOne(list_after(3)?),
        ["select", "one", ..] => Kind::SelectOne(list_after(2)?),
        ["select", "all", "that", "apply", "from", ..] => Kind::SelectMultiple(list_after(5)?),
        ["select", "all", "that", "apply", ..] => Kind::SelectMultiple(list_after(4)?),
        ["select", "multiple", ..] => Kind::SelectMultiple(list_after(2)?),
        ["begin", "loop", ..] | ["end", "loop"] | ["begin_loop", ..] | ["end_loop"] => {
            return Err(format!(
                "'{t}': loops are not supported; use a repeat (begin_repeat)"
            ));
        }
        [first, ..] if UNSUPPORTED_TYPES.contains(first) => {
            return Err(format!(
                "the question type '{first}' is not supported by Reintegra"
            ));
        }
        [first, ..]
            if first.starts_with("select_one_from_file")
                || first.starts_with("select_multiple_from_file") =>
        {
            return Err(format!(
                "the question type '{first}' (choices from a file) is not supported"
            ));
        }
        _ => return Err(format!("'{t}' is not a question type Reintegra knows")),
    })
}

/// Reads an XLSForm's tables into a form. `fallback_id` names the form when the settings sheet
/// does not (XLSForm tools use the file name). Every problem found is returned, not just the
/// first; the form is also compiled, so expression and reference errors are among them.
pub fn read(book: &Workbook, fallback_id: &str) -> Result<Form, Vec<Problem>> {
    let mut problems = Vec::new();
    for s in &book.sheets {
        if s.rows.len() > MAX_ROWS + 1 {
            problems.push(Problem::workbook(format!(
                "the sheet '{}' has {} rows; a form may have at most {MAX_ROWS}",
                s.name,
                s.rows.len()
            )));
        }
        if s.rows.iter().any(|r| r.len() > MAX_COLUMNS) {
            problems.push(Problem::workbook(format!(
                "the sheet '{}' has more than {MAX_COLUMNS} columns",
                s.name
            )));
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    // A workbook with one sheet that has a type column is a survey, whatever the sheet's name.
    let lone = match book.sheets.as_slice() {
        [only]
            if only
                .rows
                .first()
                .is_some_and(|h| h.iter().any(|c| split_header(c).0 == "type")) =>
        {
            Some(only)
        }
        _ => None,
    };
    let Some(survey) = book.sheet("survey").or(lone) else {
        let names: Vec<&str> = book.sheets.iter().map(|s| s.name.as_str()).collect();
        return Err(vec![Problem::workbook(format!(
            "the workbook has no 'survey' sheet (it has: {})",
            if names.is_empty() {
                "no sheets".to_string()
            } else {
                names.join(", ")
            }
        ))]);
    };
    let settings = read_settings(book, fallback_id, &mut problems);
    let choices = read_choices(book, &mut problems);
    let questions = read_survey(survey, &mut problems);
    let form = Form {
        settings,
        questions,
        choices,
    };
    if problems.is_empty()
        && let Err(mut more) = crate::Compiled::new(form.clone())
    {
        problems.append(&mut more);
    }
    if problems.is_empty() {
        Ok(form)
    } else {
        Err(problems)
    }
}

pub(super) fn read_settings(
    book: &Workbook,
    fallback_id: &str,
    problems: &mut Vec<Problem>,
) -> Settings {
    let mut settings = Settings {
        form_id: fallback_id.to_string(),
        title: String::new(),
        version: "1".into(),
        default_language: None,
        extra: BTreeMap::new(),
    };
    let Some(sheet) = book.sheet("settings") else {
        settings.title = fallback_id.to_string();
        return settings;
    };
    let Some(header) = sheet.rows.first() else {
        settings.title = fallback_id.to_string();
        return settings;
    };
    let (cols, _) = Columns::new(header);
    let (line, row) = sheet
        .rows
        .iter()
        .enumerate()
        .skip(1)
        .find(|(_, r)| !is_blank(r))
        .map(|(i, r)| (i + 1, r.clone()))
        .unwrap_or((2, Vec::new()));
    let (id, id_column) = match cols.get(&row, "form_id") {
        "" => (cols.get(&row, "id_string"), cols.header("id_string")),
        id => (id, cols.header("form_id")),
    };
    if !id.is_empty() {
        if valid_id(id) {
            settings.form_id = id.to_string();
        } else {
            problems.push(Problem::at(
                "settings",
                line,
                &id_column,
                format!(
                    "'{id}' is not a usable form id: at most 100 characters, without '/' or '?'"
                ),
            ));
        }
    }
    settings.title = match cols.get(&row, "form_title") {
        "" => settings.form_id.clone(),
        t => t.to_string(),
    };
    let version = cols.get(&row, "version");
    if !version.is_empty() {
        if valid_id(version) {
            settings.version = version.to_string();
        } else {
            problems.push(Problem::at(
                "settings",
                line,
                &cols.header("version"),
                format!("'{version}' is not a usable version: at most 100 characters, without '/' or '?'"),
            ));
        }
    }
    let lang = cols.get(&row, "default_language");
    settings.default_language = (!lang.is_empty()).then(|| lang.to_string());
    settings.extra = cols.extra(
        &row,
        &[
            "form_id",
            "id_string",
            "form_title",
            "version",
            "default_language",
        ],
    );
    settings
}

pub(super) fn read_choices(book: &Workbook, problems: &mut Vec<Problem>) -> Vec<ChoiceList> {
    let Some(sheet) = book.sheet("choices") else {
        return Vec::new();
    };
    let Some(header) = sheet.rows.first() else {
        return Vec::new();
    };
    let (cols, duplicates) = Columns::new(header);
    for (i, h) in duplicates {
        problems.push(Problem::at(
            "choices",
            1,
            h.trim(),
            format!("the column '{}' appears twice (column {})", h.trim(), i + 1),
        ));
    }
    if !cols.has("list_name") {
        problems.push(Problem::sheet(
            "choices",
            "the 'choices' sheet has no 'list_name' column",
        ));
        return Vec::new();
    }
    let mut lists: Vec<ChoiceList> = Vec::new();
    for (i, row) in sheet.rows.iter().enumerate().skip(1) {
        let line = i + 1;
        if is_blank(row) {
            continue;
        }
        let list = cols.get(row, "list_name");
        let name = cols.get(row, "name");
        if list.is_empty() {
            problems.push(Problem::at(
                "choices",
                line,
                "list_name",
                "this choice belongs to no list: fill in list_name",
            ));
            continue;
        }
        if name.is_empty() {
            problems.push(Problem::at(
                "choices",
                line,
                "name",
                format!("a choice of the list '{list}' has no name"),
            ));
            continue;
        }
        let choice = Choice {
            name: name.to_string(),
            label: cols.text(row, "label"),
            extra: cols.extra(row, &["list_name", "name", "label"]),
            row: line,
        };
        match lists.iter_mut().find(|l| l.name == list) {
            Some(l) => {
                // A list filtered by other columns may repeat a name under another filter
                // value (a county named alike in two states); elsewhere it is a mistake.
                let filtered = !choice.extra.is_empty();
                if let Some(first) = l.choices.iter().find(|c| c.name == name && !filtered) {
                    problems.push(Problem::at(
                        "choices",
                        line,
                        "name",
                        format!(
                            "the list '{list}' already has a choice named '{name}' (row {})",
                            first.row
                        ),
                    ));
                    continue;
                }
                l.choices.push(choice);
            }
            None => lists.push(ChoiceList {
                name: list.to_string(),
                choices: vec![choice],
            }),
        }
    }
    lists
}

pub(super) fn read_survey(sheet: &Sheet, problems: &mut Vec<Problem>) -> Vec<Question> {
    let Some(header) = sheet.rows.first() else {
        problems.push(Problem::sheet("survey", "the 'survey' sheet is empty"));
        return Vec::new();
    };
    let (cols, duplicates) = Columns::new(header);
    let mut header_problems = Vec::new();
    for (i, h) in duplicates {
        header_problems.push(Problem::at(
            "survey",
            1,
            h.trim(),
            format!("the column '{}' appears twice (column {})", h.trim(), i + 1),
        ));
    }
    for needed in ["type", "name"] {
        if !cols.has(needed) {
            header_problems.push(Problem::sheet(
                "survey",
                format!("the 'survey' sheet has no '{needed}' column"),
            ));
        }
    }
    if !header_problems.is_empty() {
        problems.append(&mut header_problems);
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for (i, row) in sheet.rows.iter().enumerate().skip(1) {
        let line = i + 1;
        if is_blank(row) {
            continue;
        }
        let type_cell = cols.get(row, "type");
        if type_cell.is_empty() {
            problems.push(Problem::at("survey", line, "type", "this row has no type"));
            continue;
        }
        let kind = match parse_type(type_cell) {
            Ok(k) => k,
            Err(e) => {
                problems.push(Problem::at("survey", line, &cols.header("type"), e));
                continue;
            }
        };
        for col in UNSUPPORTED_COLUMNS {
            if !cols.get(row, col).is_empty() {
                problems.push(Problem::at(
                    "survey",
                    line,
                    col,
                    format!("the column '{col}' is not supported by Reintegra"),
                ));
            }
        }
        let name = cols.get(row, "name");
        let is_end = matches!(kind, Kind::EndGroup | Kind::EndRepeat);
        if name.is_empty() && !is_end {
            problems.push(Problem::at(
                "survey",
                line,
                "name",
                format!("the {} row has no name", kind.type_cell()),
            ));
            continue;
        }
        if !name.is_empty() && !valid_name(name) {
            problems.push(Problem::at(
                "survey",
                line,
                "name",
                format!("'{name}' is not a valid name: start with a letter or '_', then use letters, digits, '_', '-' or '.'"),
            ));
            continue;
        }
        if !is_end {
            if let Some(first) = seen.get(name) {
                problems.push(Problem::at(
                    "survey",
                    line,
                    "name",
                    format!(
                        "the name '{name}' is already used on row {first}; names must be unique"
                    ),
                ));
                continue;
            }
            seen.insert(name.to_string(), line);
        }
        let mut q = Question::new(kind, name, line);
        q.label = cols.text(row, "label");
        q.hint = cols.text(row, "hint");
        q.required_message = cols.text(row, "required_message");
        q.constraint_message = cols.text(row, "constraint_message");
        for (col, flag) in [
            ("required", &mut q.required),
            ("read_only", &mut q.read_only),
        ] {
            match yes(cols.get(row, col)) {
                Some(v) => *flag = v,
                None => problems.push(Problem::at(
                    "survey",
                    line,
                    col,
                    format!("'{}' should be 'yes' or empty", cols.get(row, col)),
                )),
            }
        }
        let opt = |col: &str| {
            let v = cols.get(row, col);
            (!v.is_empty()).then(|| v.to_string())
        };
        q.relevant = opt("relevant");
        q.constraint = opt("constraint");
        q.calculation = opt("calculation");
        q.default = opt("default");
        q.appearance = opt("appearance");
        q.choice_filter = opt("choice_filter");
        q.extra = cols.extra(row, SURVEY_COLUMNS);
        for col in UNSUPPORTED_COLUMNS {
            q.extra.remove(*col);
        }
        if q.kind == Kind::Calculate && q.calculation.is_none() {
            problems.push(Problem::at(
                "survey",
                line,
                "calculation",
                format!("the calculate row '{name}' needs a calculation"),
            ));
        }
        if q.kind.is_answerable() && q.label.is_empty() && !matches!(q.kind, Kind::Acknowledge) {
            // XLSForm tools accept this with a warning; a question nobody can read cannot be
            // answered well, so refuse it.
            problems.push(Problem::at(
                "survey",
                line,
                "label",
                format!("the question '{name}' has no label"),
            ));
        }
        out.push(q);
    }
    out
}
