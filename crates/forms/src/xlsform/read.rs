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
    "repeat_count",
    "parameters",
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
        "required-message" | "requiredmsg" | "jr:requiredmsg" => "required_message".to_string(),
        "constraintmsg" | "jr:constraintmsg" => "constraint_message".to_string(),
        "list_name" | "list-name" => "list_name".to_string(),
        // pyxform's other names for the same columns.
        "caption" => "label".to_string(),
        "command" => "type".to_string(),
        "tag" | "value" => "name".to_string(),
        "count" | "jr:count" => "repeat_count".to_string(),
        "constraining_message" => "constraint_message".to_string(),
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

pub(crate) fn yes(cell: &str) -> Option<bool> {
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

/// Typographic quotes, which spreadsheet programs put in place of straight ones as people
/// type, and the straight quote each stands for (pyxform reads them the same way).
const SMART_QUOTES: [(char, char); 4] = [
    ('\u{2018}', '\''),
    ('\u{2019}', '\''),
    ('\u{201c}', '"'),
    ('\u{201d}', '"'),
];

fn has_smart_quotes(cell: &str) -> bool {
    cell.contains(|c| SMART_QUOTES.iter().any(|(q, _)| *q == c))
}

fn without_smart_quotes(book: &Workbook) -> Workbook {
    let straighten = |cell: &String| -> String {
        cell.chars()
            .map(|c| {
                SMART_QUOTES
                    .iter()
                    .find(|(q, _)| *q == c)
                    .map_or(c, |(_, s)| *s)
            })
            .collect()
    };
    Workbook {
        sheets: book
            .sheets
            .iter()
            .map(|s| Sheet {
                name: s.name.clone(),
                rows: s
                    .rows
                    .iter()
                    .map(|r| r.iter().map(straighten).collect())
                    .collect(),
            })
            .collect(),
    }
}

/// Reads an XLSForm's tables into a form. `fallback_id` names the form when the settings sheet
/// does not (XLSForm tools use the file name). Every problem found is returned, not just the
/// first; the form is also compiled, so expression and reference errors are among them.
pub fn read(book: &Workbook, fallback_id: &str) -> Result<Form, Vec<Problem>> {
    let cleaned;
    let book = if book
        .sheets
        .iter()
        .any(|s| s.rows.iter().flatten().any(|c| has_smart_quotes(c)))
    {
        cleaned = without_smart_quotes(book);
        &cleaned
    } else {
        book
    };
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
    let allow_duplicates = settings
        .extra
        .get("allow_choice_duplicates")
        .is_some_and(|v| yes(v) == Some(true));
    let mut choices = read_choices(book, allow_duplicates, &mut problems);
    let mut other_lists = Vec::new();
    let questions = read_survey(survey, &mut problems, &mut other_lists);
    add_other_choices(&mut choices, &other_lists);
    let form = Form {
        settings,
        questions,
        choices,
    };
    // Expressions are checked even when the structure has problems, so one pass reports
    // everything; rows refused above are simply absent.
    // A choices sheet that could not be read at all would make every list "missing".
    let choices_unreadable = problems
        .iter()
        .any(|p| p.sheet == "choices" && p.row.is_none());
    if let Err(mut more) = crate::Compiled::new(form.clone()) {
        for p in more.drain(..) {
            let cascade = choices_unreadable && p.message.contains("on the choices sheet");
            if !cascade && !problems.contains(&p) {
                problems.push(p);
            }
        }
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

pub(super) fn read_choices(
    book: &Workbook,
    allow_duplicates: bool,
    problems: &mut Vec<Problem>,
) -> Vec<ChoiceList> {
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
    // pyxform also takes `value` as the name column.
    let name_column = if !cols.has("name") && cols.has("value") {
        "value"
    } else {
        "name"
    };
    let mut lists: Vec<ChoiceList> = Vec::new();
    for (i, row) in sheet.rows.iter().enumerate().skip(1) {
        let line = i + 1;
        if is_blank(row) {
            continue;
        }
        let list = cols.get(row, "list_name");
        let name = cols.get(row, name_column);
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
            extra: cols.extra(row, &["list_name", name_column, "label"]),
            row: line,
        };
        match lists.iter_mut().find(|l| l.name == list) {
            Some(l) => {
                // A name may repeat (a county named alike in two states, told apart by a
                // cascading filter) only when the settings say so, as in pyxform.
                if let Some(first) = l.choices.iter().find(|c| c.name == name)
                    && !allow_duplicates
                {
                    problems.push(Problem::at(
                        "choices",
                        line,
                        name_column,
                        format!(
                            "the list '{list}' already has a choice named '{name}' (row {}); \
                             if that is intended, set allow_choice_duplicates to yes in the \
                             settings sheet",
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

/// Reads the survey sheet. The choice lists of selects with `or_other` are added to
/// `other_lists`: they gain an "other" choice.
pub(super) fn read_survey(
    sheet: &Sheet,
    problems: &mut Vec<Problem>,
    other_lists: &mut Vec<String>,
) -> Vec<Question> {
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
    // Names are unique among the children of one group or repeat (as in pyxform); one scope
    // per open group, the form itself at the bottom.
    let mut scopes: Vec<BTreeMap<String, usize>> = vec![BTreeMap::new()];
    for (i, row) in sheet.rows.iter().enumerate().skip(1) {
        let line = i + 1;
        if is_blank(row) {
            continue;
        }
        let type_cell = cols.get(row, "type");
        let name = cols.get(row, "name");
        if type_cell.is_empty() {
            // A row with neither type, name nor label is a comment, skipped as pyxform skips it.
            if name.is_empty() && cols.text(row, "label").is_empty() {
                continue;
            }
            problems.push(Problem::at("survey", line, "type", "this row has no type"));
            continue;
        }
        let (kind, or_other) = match parse_type(type_cell) {
            Ok(k) => k,
            Err(e) => {
                problems.push(Problem::at("survey", line, &cols.header("type"), e));
                continue;
            }
        };
        let is_end = matches!(kind, Kind::EndGroup | Kind::EndRepeat);
        if is_end {
            if scopes.len() > 1 {
                scopes.pop();
            }
        } else if name.is_empty() {
            problems.push(Problem::at(
                "survey",
                line,
                "name",
                format!("the {} row has no name", kind.type_cell()),
            ));
        } else if !valid_name(name) {
            problems.push(Problem::at(
                "survey",
                line,
                "name",
                format!("'{name}' is not a valid name: start with a letter or '_', then use letters, digits, '_', '-' or '.'"),
            ));
        } else if name == "meta" {
            problems.push(Problem::at(
                "survey",
                line,
                "name",
                "the name 'meta' is kept for the form's metadata (instanceID); choose another",
            ));
        } else if let Some(first) = scopes.last().and_then(|s| s.get(name)) {
            problems.push(Problem::at(
                "survey",
                line,
                "name",
                format!(
                    "the name '{name}' is already used on row {first} in the same group; names \
                     must be unique within a group"
                ),
            ));
        } else if let Some(scope) = scopes.last_mut() {
            scope.insert(name.to_string(), line);
        }
        if matches!(kind, Kind::BeginGroup | Kind::BeginRepeat) {
            scopes.push(BTreeMap::new());
        }
        let mut q = Question::new(kind, name, line);
        q.label = cols.text(row, "label");
        q.hint = cols.text(row, "hint");
        if q.hint.is_empty()
            && let Some(hint) = implied_hint(type_cell)
        {
            q.hint.insert(String::new(), hint.into());
        }
        q.required_message = cols.text(row, "required_message");
        q.constraint_message = cols.text(row, "constraint_message");
        let required = cols.get(row, "required");
        match yes(required) {
            Some(v) => q.required = v,
            // Anything else is an expression, checked like the other columns.
            None => q.required_when = Some(required.to_string()),
        }
        match yes(cols.get(row, "read_only")) {
            Some(v) => q.read_only = v,
            None => problems.push(Problem::at(
                "survey",
                line,
                "read_only",
                format!("'{}' should be 'yes' or empty", cols.get(row, "read_only")),
            )),
        }
        let opt = |col: &str| {
            let v = cols.get(row, col);
            (!v.is_empty()).then(|| v.to_string())
        };
        q.relevant = opt("relevant");
        q.constraint =
            opt("constraint").or_else(|| implied_constraint(type_cell).map(|(_, c)| c.to_string()));
        q.calculation = opt("calculation");
        q.default = opt("default");
        q.appearance = opt("appearance");
        q.choice_filter = opt("choice_filter");
        q.repeat_count = opt("repeat_count");
        q.parameters = opt("parameters");
        q.trigger = opt("trigger");
        q.extra = cols.extra(row, SURVEY_COLUMNS);
        check_row(&q, &cols, problems);
        if or_other {
            if let Some(list) = q.kind.list() {
                other_lists.push(list.to_string());
            }
            out.push(q);
            let Some(asked) = out.last() else { continue };
            let other = other_question(asked);
            if asked.choice_filter.is_some() {
                problems.push(Problem::at(
                    "survey",
                    line,
                    "choice_filter",
                    "a select with or_other cannot filter its choices; add an 'other' choice \
                     and a text question instead",
                ));
            }
            if let Some(scope) = scopes.last_mut() {
                if let Some(first) = scope.get(&other.name) {
                    problems.push(Problem::at(
                        "survey",
                        line,
                        "type",
                        format!(
                            "or_other adds a question named '{}', which row {first} already uses",
                            other.name
                        ),
                    ));
                }
                scope.entry(other.name.clone()).or_insert(line);
            }
            out.push(other);
        } else {
            out.push(q);
        }
    }
    out
}
