//! The form definition: what an XLSForm says, as data. Stored as JSON with each published
//! version; expressions are kept as written and parsed by [`crate::Compiled`].

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

/// Text in several languages. The key is the language as written in the column header
/// (`English (en)`), or `""` for a column without a language (`label`).
pub type Text = BTreeMap<String, String>;

/// Picks the text for `language`, falling back to the default language, the untranslated
/// column, then any translation at all.
pub fn pick<'a>(text: &'a Text, language: &str, default_language: Option<&str>) -> &'a str {
    text.get(language)
        .or_else(|| default_language.and_then(|d| text.get(d)))
        .or_else(|| text.get(""))
        .or_else(|| text.values().next())
        .map(String::as_str)
        .unwrap_or("")
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Form {
    pub settings: Settings,
    pub questions: Vec<Question>,
    pub choices: Vec<ChoiceList>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings {
    pub form_id: String,
    pub title: String,
    pub version: String,
    pub default_language: Option<String>,
    /// Other settings columns, kept for the round trip (`source`, `style`, …).
    #[serde(default)]
    pub extra: BTreeMap<String, String>,
}

/// What a survey row is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "list", rename_all = "snake_case")]
pub enum Kind {
    Text,
    Integer,
    Decimal,
    Date,
    SelectOne(String),
    SelectMultiple(String),
    Note,
    Calculate,
    Acknowledge,
    /// Filled in by the server: when filling started, when it was completed, and the day.
    Start,
    End,
    Today,
    BeginGroup,
    EndGroup,
    BeginRepeat,
    EndRepeat,
    Time,
    DateTime,
    GeoPoint,
    GeoTrace,
    GeoShape,
    Barcode,
    /// A number on a scale; `parameters` gives `start`, `end` and `step`.
    Range,
    /// The choices of a list put in order; the answer is their names, first to last.
    Rank(String),
    /// A value with no control: set by a default or by the client.
    Hidden,
    Image,
    Audio,
    Video,
    File,
    /// Choices from a CSV or XML file attached to the form version (the file name).
    SelectOneFromFile(String),
    SelectMultipleFromFile(String),
    /// What a field client records about itself: `deviceid`, `username`, `email`,
    /// `phonenumber`, `simserial`, `subscriberid`, `audit`, `start-geopoint`,
    /// `background-audio`. The server keeps what it receives.
    Device(String),
}

/// The parameters of an `audit` row (ODK's location and change tracking).
pub const AUDIT_PARAMETERS: &[&str] = &[
    "location-priority",
    "location-min-interval",
    "location-max-age",
    "track-changes",
    "identify-user",
    "track-changes-reasons",
];

impl Kind {
    /// The `type` cell as Reintegra writes it.
    pub fn type_cell(&self) -> String {
        match self {
            Kind::Text => "text".into(),
            Kind::Integer => "integer".into(),
            Kind::Decimal => "decimal".into(),
            Kind::Date => "date".into(),
            Kind::SelectOne(l) => format!("select_one {l}"),
            Kind::SelectMultiple(l) => format!("select_multiple {l}"),
            Kind::Note => "note".into(),
            Kind::Calculate => "calculate".into(),
            Kind::Acknowledge => "acknowledge".into(),
            Kind::Start => "start".into(),
            Kind::End => "end".into(),
            Kind::Today => "today".into(),
            Kind::BeginGroup => "begin_group".into(),
            Kind::EndGroup => "end_group".into(),
            Kind::BeginRepeat => "begin_repeat".into(),
            Kind::EndRepeat => "end_repeat".into(),
            Kind::Time => "time".into(),
            Kind::DateTime => "dateTime".into(),
            Kind::GeoPoint => "geopoint".into(),
            Kind::GeoTrace => "geotrace".into(),
            Kind::GeoShape => "geoshape".into(),
            Kind::Barcode => "barcode".into(),
            Kind::Range => "range".into(),
            Kind::Rank(l) => format!("rank {l}"),
            Kind::Hidden => "hidden".into(),
            Kind::Image => "image".into(),
            Kind::Audio => "audio".into(),
            Kind::Video => "video".into(),
            Kind::File => "file".into(),
            Kind::SelectOneFromFile(f) => format!("select_one_from_file {f}"),
            Kind::SelectMultipleFromFile(f) => format!("select_multiple_from_file {f}"),
            Kind::Device(t) => t.clone(),
        }
    }

    /// An answer that is a file sent with the submission (photo, recording, document).
    pub fn is_attachment(&self) -> bool {
        matches!(self, Kind::Image | Kind::Audio | Kind::Video | Kind::File)
            || matches!(self, Kind::Device(t) if t == "audit" || t == "background-audio")
    }

    /// A question someone answers (not a structure row, note, calculation or metadata).
    pub fn is_answerable(&self) -> bool {
        matches!(
            self,
            Kind::Text
                | Kind::Integer
                | Kind::Decimal
                | Kind::Date
                | Kind::SelectOne(_)
                | Kind::SelectMultiple(_)
                | Kind::Acknowledge
                | Kind::Time
                | Kind::DateTime
                | Kind::GeoPoint
                | Kind::GeoTrace
                | Kind::GeoShape
                | Kind::Barcode
                | Kind::Range
                | Kind::Rank(_)
                | Kind::Image
                | Kind::Audio
                | Kind::Video
                | Kind::File
                | Kind::SelectOneFromFile(_)
                | Kind::SelectMultipleFromFile(_)
        )
    }

    /// Has a value in the answers (questions, calculations, metadata).
    pub fn holds_value(&self) -> bool {
        self.is_answerable()
            || matches!(
                self,
                Kind::Calculate
                    | Kind::Start
                    | Kind::End
                    | Kind::Today
                    | Kind::Hidden
                    | Kind::Device(_)
            )
    }

    pub fn list(&self) -> Option<&str> {
        match self {
            Kind::SelectOne(l) | Kind::SelectMultiple(l) | Kind::Rank(l) => Some(l),
            _ => None,
        }
    }

    /// The attached file a `select_*_from_file` takes its choices from.
    pub fn choices_file(&self) -> Option<&str> {
        match self {
            Kind::SelectOneFromFile(f) | Kind::SelectMultipleFromFile(f) => Some(f),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Question {
    pub kind: Kind,
    pub name: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub label: Text,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub hint: Text,
    #[serde(default)]
    pub required: bool,
    /// `required` given as an expression instead of yes/no.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required_when: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub required_message: Text,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relevant: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub constraint: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub constraint_message: Text,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calculation: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    #[serde(default)]
    pub read_only: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appearance: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub choice_filter: Option<String>,
    /// How many items a repeat has: a number or an expression.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repeat_count: Option<String>,
    /// `key=value` pairs for the type (`start=1 end=10 step=1` for a range, `max-pixels=1024`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parameters: Option<String>,
    /// The question whose change recomputes this calculation (`${name}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trigger: Option<String>,
    /// Columns Reintegra does not interpret, kept for the round trip.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub extra: BTreeMap<String, String>,
    /// The row on the survey sheet it came from (1-based, the header is row 1).
    pub row: usize,
}

impl Question {
    pub fn new(kind: Kind, name: &str, row: usize) -> Self {
        Question {
            kind,
            name: name.into(),
            label: Text::new(),
            hint: Text::new(),
            required: false,
            required_when: None,
            required_message: Text::new(),
            relevant: None,
            constraint: None,
            constraint_message: Text::new(),
            calculation: None,
            default: None,
            read_only: false,
            appearance: None,
            choice_filter: None,
            repeat_count: None,
            parameters: None,
            trigger: None,
            extra: BTreeMap::new(),
            row,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChoiceList {
    pub name: String,
    pub choices: Vec<Choice>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Choice {
    pub name: String,
    #[serde(default)]
    pub label: Text,
    /// Other columns (those a `choice_filter` uses, for instance).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub extra: BTreeMap<String, String>,
    pub row: usize,
}

impl Question {
    /// The columns of a choice file that give a choice's name and label: the `value` and
    /// `label` parameters, or ODK's defaults (`id` and `title` for GeoJSON, else `name` and
    /// `label`).
    pub fn file_choice_columns(&self) -> (&str, &str) {
        let geojson = self
            .kind
            .choices_file()
            .is_some_and(|f| f.to_ascii_lowercase().ends_with(".geojson"));
        (
            self.parameter("value")
                .unwrap_or(if geojson { "id" } else { "name" }),
            self.parameter("label")
                .unwrap_or(if geojson { "title" } else { "label" }),
        )
    }

    /// The `key=value` pairs of the parameters column, keys lower-cased.
    pub fn parameter(&self, key: &str) -> Option<&str> {
        parse_parameters(self.parameters.as_deref().unwrap_or(""))
            .into_iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    }
}

/// Splits a parameters cell (`start=1 end=10`, also with `;` or `,` between pairs).
pub fn parse_parameters(cell: &str) -> Vec<(&str, &str)> {
    cell.split(|c: char| c.is_whitespace() || c == ';' || c == ',')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (k.trim(), v.trim()),
            None => (p, ""),
        })
        .collect()
}

impl Form {
    pub fn list(&self, name: &str) -> Option<&ChoiceList> {
        self.choices.iter().find(|l| l.name == name)
    }

    /// Every language a label, hint or choice uses, the default first.
    pub fn languages(&self) -> Vec<String> {
        let mut langs: Vec<String> = Vec::new();
        let mut add = |t: &Text| {
            for k in t.keys() {
                if !langs.contains(k) {
                    langs.push(k.clone());
                }
            }
        };
        for q in &self.questions {
            add(&q.label);
            add(&q.hint);
            add(&q.required_message);
            add(&q.constraint_message);
        }
        for l in &self.choices {
            for c in &l.choices {
                add(&c.label);
            }
        }
        langs.sort();
        if let Some(d) = &self.settings.default_language
            && let Some(i) = langs.iter().position(|l| l == d)
        {
            let d = langs.remove(i);
            langs.insert(0, d);
        }
        langs
    }

    pub fn question(&self, name: &str) -> Option<&Question> {
        self.questions.iter().find(|q| q.name == name)
    }

    /// The form's language for a reader's language code (`fr` finds `Français (fr)` or
    /// `fr`), else its default language, else its first.
    pub fn language_for(&self, code: &str) -> String {
        let langs = self.languages();
        langs
            .iter()
            .find(|l| {
                l.to_ascii_lowercase().contains(&format!("({code})"))
                    || l.eq_ignore_ascii_case(code)
            })
            .or(self.settings.default_language.as_ref())
            .or(langs.first())
            .cloned()
            .unwrap_or_default()
    }

    /// Number of questions someone answers.
    pub fn question_count(&self) -> usize {
        self.questions
            .iter()
            .filter(|q| q.kind.is_answerable())
            .count()
    }
}

/// One thing wrong with a form, located the way its author will look for it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub sheet: String,
    /// 1-based spreadsheet row; none for a problem with the whole sheet or workbook.
    pub row: Option<usize>,
    pub column: Option<String>,
    pub message: String,
}

impl Problem {
    pub fn workbook(message: impl Into<String>) -> Self {
        Problem {
            sheet: String::new(),
            row: None,
            column: None,
            message: message.into(),
        }
    }

    /// A problem with a whole sheet (a missing column, say).
    pub fn sheet(sheet: &str, message: impl Into<String>) -> Self {
        Problem {
            sheet: sheet.into(),
            row: None,
            column: None,
            message: message.into(),
        }
    }

    pub fn at(sheet: &str, row: usize, column: &str, message: impl Into<String>) -> Self {
        Problem {
            sheet: sheet.into(),
            row: Some(row),
            column: (!column.is_empty()).then(|| column.into()),
            message: message.into(),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.sheet.is_empty() {
            write!(f, "sheet '{}'", self.sheet)?;
            if let Some(r) = self.row {
                write!(f, ", row {r}")?;
            }
            if let Some(c) = &self.column {
                write!(f, ", column '{c}'")?;
            }
            f.write_str(": ")?;
        }
        f.write_str(&self.message)
    }
}
