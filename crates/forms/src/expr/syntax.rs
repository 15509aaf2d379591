use super::*;

/// A value during evaluation.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Str(String),
    Num(f64),
    Bool(bool),
    Date(Date),
}

impl Value {
    pub fn empty() -> Self {
        Value::Str(String::new())
    }

    pub fn is_empty(&self) -> bool {
        matches!(self, Value::Str(s) if s.is_empty())
    }

    pub fn to_bool(&self) -> bool {
        match self {
            Value::Str(s) => !s.is_empty(),
            Value::Num(n) => *n != 0.0 && !n.is_nan(),
            Value::Bool(b) => *b,
            Value::Date(_) => true,
        }
    }

    pub fn to_num(&self) -> f64 {
        match self {
            Value::Str(s) => {
                let t = s.trim();
                if let Some(d) = parse_date(t) {
                    days_since_epoch(d)
                } else {
                    t.parse::<f64>().unwrap_or(f64::NAN)
                }
            }
            Value::Num(n) => *n,
            Value::Bool(b) => f64::from(u8::from(*b)),
            Value::Date(d) => days_since_epoch(*d),
        }
    }

    /// The value as text, as it would be stored as an answer.
    pub fn to_text(&self) -> String {
        match self {
            Value::Str(s) => s.clone(),
            Value::Num(n) => format_number(*n),
            Value::Bool(b) => if *b { "true" } else { "false" }.to_string(),
            Value::Date(d) => d.to_string(),
        }
    }

    pub(super) fn as_date(&self) -> Option<Date> {
        match self {
            Value::Date(d) => Some(*d),
            Value::Str(s) => parse_date(s.trim()),
            _ => None,
        }
    }
}

pub fn format_number(n: f64) -> String {
    if n.is_nan() {
        "NaN".into()
    } else if n.is_infinite() {
        if n > 0.0 { "Infinity" } else { "-Infinity" }.into()
    } else if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        let s = format!("{n:.10}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

pub(super) const DATE_FORMAT: &[time::format_description::BorrowedFormatItem<'static>] =
    time::macros::format_description!("[year]-[month]-[day]");

/// A `YYYY-MM-DD` date (what date questions store).
pub fn parse_date(s: &str) -> Option<Date> {
    if s.len() != 10 {
        return None;
    }
    Date::parse(s, DATE_FORMAT).ok()
}

pub(super) fn days_since_epoch(d: Date) -> f64 {
    f64::from(d.to_julian_day() - time::macros::date!(1970 - 01 - 01).to_julian_day())
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinOp {
    Or,
    And,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Add,
    Sub,
    Mul,
    Div,
    Mod,
}

impl BinOp {
    pub(super) fn symbol(self) -> &'static str {
        match self {
            BinOp::Or => "or",
            BinOp::And => "and",
            BinOp::Eq => "=",
            BinOp::Ne => "!=",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "div",
            BinOp::Mod => "mod",
        }
    }
}

/// The functions the evaluator knows, with how many arguments each takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Func {
    Not,
    Selected,
    CountSelected,
    If,
    Coalesce,
    Concat,
    StringLength,
    Regex,
    Today,
    True,
    False,
    Number,
    String,
    Int,
    Round,
    Contains,
    StartsWith,
    EndsWith,
    Boolean,
    BooleanFromString,
    Position,
    Count,
    CountNonEmpty,
    Sum,
    Max,
    Min,
    IndexedRepeat,
    Once,
    Uuid,
    Now,
    FormatDate,
    FormatDateTime,
    Date,
    DecimalDateTime,
    DecimalTime,
    Substr,
    Substring,
    SubstringBefore,
    SubstringAfter,
    Translate,
    NormalizeSpace,
    Join,
    SelectedAt,
    ChoiceName,
    Random,
    Pow,
    Abs,
    Log,
    Log10,
    Exp,
    Exp10,
    Sqrt,
    Sin,
    Cos,
    Tan,
    Asin,
    Acos,
    Atan,
    Atan2,
    Pi,
    Floor,
    Ceiling,
    Checklist,
    WeightedChecklist,
    Area,
    Distance,
    Current,
    Pulldata,
}

/// Name, minimum and maximum number of arguments of every function.
const FUNCTIONS: &[(Func, &str, usize, usize)] = &[
    (Func::Not, "not", 1, 1),
    (Func::Selected, "selected", 2, 2),
    (Func::CountSelected, "count-selected", 1, 1),
    (Func::If, "if", 3, 3),
    (Func::Coalesce, "coalesce", 2, 2),
    (Func::Concat, "concat", 0, usize::MAX),
    (Func::StringLength, "string-length", 0, 1),
    (Func::Regex, "regex", 2, 2),
    (Func::Today, "today", 0, 0),
    (Func::True, "true", 0, 0),
    (Func::False, "false", 0, 0),
    (Func::Number, "number", 0, 1),
    (Func::String, "string", 0, 1),
    (Func::Int, "int", 1, 1),
    (Func::Round, "round", 1, 2),
    (Func::Contains, "contains", 2, 2),
    (Func::StartsWith, "starts-with", 2, 2),
    (Func::EndsWith, "ends-with", 2, 2),
    (Func::Boolean, "boolean", 1, 1),
    (Func::BooleanFromString, "boolean-from-string", 1, 1),
    (Func::Position, "position", 0, 1),
    (Func::Count, "count", 1, 1),
    (Func::CountNonEmpty, "count-non-empty", 1, 1),
    (Func::Sum, "sum", 1, 1),
    (Func::Max, "max", 1, usize::MAX),
    (Func::Min, "min", 1, usize::MAX),
    (Func::IndexedRepeat, "indexed-repeat", 3, usize::MAX),
    (Func::Once, "once", 1, 1),
    (Func::Uuid, "uuid", 0, 1),
    (Func::Now, "now", 0, 0),
    (Func::FormatDate, "format-date", 2, 2),
    (Func::FormatDateTime, "format-date-time", 2, 2),
    (Func::Date, "date", 1, 1),
    (Func::DecimalDateTime, "decimal-date-time", 1, 1),
    (Func::DecimalTime, "decimal-time", 1, 1),
    (Func::Substr, "substr", 2, 3),
    (Func::Substring, "substring", 2, 3),
    (Func::SubstringBefore, "substring-before", 2, 2),
    (Func::SubstringAfter, "substring-after", 2, 2),
    (Func::Translate, "translate", 3, 3),
    (Func::NormalizeSpace, "normalize-space", 0, 1),
    (Func::Join, "join", 2, usize::MAX),
    (Func::SelectedAt, "selected-at", 2, 2),
    (Func::ChoiceName, "jr:choice-name", 2, 2),
    (Func::Random, "random", 0, 0),
    (Func::Pow, "pow", 2, 2),
    (Func::Abs, "abs", 1, 1),
    (Func::Log, "log", 1, 1),
    (Func::Log10, "log10", 1, 1),
    (Func::Exp, "exp", 1, 1),
    (Func::Exp10, "exp10", 1, 1),
    (Func::Sqrt, "sqrt", 1, 1),
    (Func::Sin, "sin", 1, 1),
    (Func::Cos, "cos", 1, 1),
    (Func::Tan, "tan", 1, 1),
    (Func::Asin, "asin", 1, 1),
    (Func::Acos, "acos", 1, 1),
    (Func::Atan, "atan", 1, 1),
    (Func::Atan2, "atan2", 2, 2),
    (Func::Pi, "pi", 0, 0),
    (Func::Floor, "floor", 1, 1),
    (Func::Ceiling, "ceiling", 1, 1),
    (Func::Checklist, "checklist", 2, usize::MAX),
    (Func::WeightedChecklist, "weighted-checklist", 4, usize::MAX),
    (Func::Area, "area", 1, 1),
    (Func::Distance, "distance", 1, usize::MAX),
    (Func::Current, "current", 0, 0),
    (Func::Pulldata, "pulldata", 4, 4),
];

impl Func {
    pub(super) fn lookup(name: &str) -> Option<Func> {
        FUNCTIONS
            .iter()
            .find(|(_, n, _, _)| *n == name)
            .map(|(f, _, _, _)| *f)
    }

    fn entry(self) -> &'static (Func, &'static str, usize, usize) {
        FUNCTIONS
            .iter()
            .find(|(f, _, _, _)| *f == self)
            .unwrap_or(&FUNCTIONS[0])
    }

    pub fn name(self) -> &'static str {
        self.entry().1
    }

    /// Minimum and maximum number of arguments.
    pub(super) fn arity(self) -> (usize, usize) {
        let (_, _, lo, hi) = *self.entry();
        (lo, hi)
    }

    /// Functions whose arguments are the answers of a question in every repeat item (node
    /// sets), not one value.
    pub fn takes_nodes(self) -> bool {
        matches!(
            self,
            Func::Count
                | Func::CountNonEmpty
                | Func::Sum
                | Func::Max
                | Func::Min
                | Func::Join
                | Func::IndexedRepeat
                | Func::Position
        )
    }

    /// Functions whose value changes without any answer changing.
    pub fn is_volatile(self) -> bool {
        matches!(self, Func::Uuid | Func::Now | Func::Random)
    }
}

/// A parsed expression.
#[derive(Clone, Debug)]
pub enum Expr {
    Str(String),
    Num(f64),
    /// `${name}`
    Ref(String),
    /// `../name`, `current()/../name`, `/data/group/name`: a question by its place. Resolved
    /// into a [`Expr::Ref`] when the form is compiled, against the row that holds it.
    Path(String),
    /// `.`, the answer being checked (in constraints) or the current node.
    Current,
    Neg(Box<Expr>),
    Bin(BinOp, Box<Expr>, Box<Expr>),
    Call(Func, Vec<Expr>),
    /// `regex(x, 'literal')`, compiled once at import.
    RegexMatch(Box<Expr>, Box<Regex>),
    /// A bare name in a `choice_filter`: a column of the choice being filtered.
    Column(String),
}
