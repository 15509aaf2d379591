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
}

impl Func {
    pub(super) fn lookup(name: &str) -> Option<Func> {
        Some(match name {
            "not" => Func::Not,
            "selected" => Func::Selected,
            "count-selected" => Func::CountSelected,
            "if" => Func::If,
            "coalesce" => Func::Coalesce,
            "concat" => Func::Concat,
            "string-length" => Func::StringLength,
            "regex" => Func::Regex,
            "today" => Func::Today,
            "true" => Func::True,
            "false" => Func::False,
            "number" => Func::Number,
            "string" => Func::String,
            "int" => Func::Int,
            "round" => Func::Round,
            "contains" => Func::Contains,
            "starts-with" => Func::StartsWith,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Func::Not => "not",
            Func::Selected => "selected",
            Func::CountSelected => "count-selected",
            Func::If => "if",
            Func::Coalesce => "coalesce",
            Func::Concat => "concat",
            Func::StringLength => "string-length",
            Func::Regex => "regex",
            Func::Today => "today",
            Func::True => "true",
            Func::False => "false",
            Func::Number => "number",
            Func::String => "string",
            Func::Int => "int",
            Func::Round => "round",
            Func::Contains => "contains",
            Func::StartsWith => "starts-with",
        }
    }

    /// Minimum and maximum number of arguments.
    pub(super) fn arity(self) -> (usize, usize) {
        match self {
            Func::Today | Func::True | Func::False => (0, 0),
            Func::Not | Func::CountSelected | Func::Number | Func::Int => (1, 1),
            Func::String | Func::StringLength => (0, 1),
            Func::Selected | Func::Regex | Func::Contains | Func::StartsWith => (2, 2),
            Func::Round => (1, 2),
            Func::If => (3, 3),
            Func::Coalesce => (2, 2),
            Func::Concat => (0, usize::MAX),
        }
    }
}

/// A parsed expression.
#[derive(Clone, Debug)]
pub enum Expr {
    Str(String),
    Num(f64),
    /// `${name}`
    Ref(String),
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
