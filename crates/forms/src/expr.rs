//! The XLSForm expression language: the XPath subset that `relevant`, `constraint`,
//! `calculation`, `choice_filter` and `default` columns use.
//!
//! Expressions are parsed once, when a form is imported, into an [`Expr`] tree; a form whose
//! expressions do not parse, or that name a field or function that does not exist, is refused
//! then. Evaluation works on [`Value`]s with XPath 1.0 coercions, plus ODK's treatment of dates
//! (a date compares with a date, and counts as days since 1970 in arithmetic).

use std::fmt;

use regex::Regex;
use time::Date;

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

    fn as_date(&self) -> Option<Date> {
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

const DATE_FORMAT: &[time::format_description::BorrowedFormatItem<'static>] =
    time::macros::format_description!("[year]-[month]-[day]");

/// A `YYYY-MM-DD` date (what date questions store).
pub fn parse_date(s: &str) -> Option<Date> {
    if s.len() != 10 {
        return None;
    }
    Date::parse(s, DATE_FORMAT).ok()
}

fn days_since_epoch(d: Date) -> f64 {
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
    fn symbol(self) -> &'static str {
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
    fn lookup(name: &str) -> Option<Func> {
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
    fn arity(self) -> (usize, usize) {
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

/// Why an expression was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExprError {
    pub message: String,
}

impl fmt::Display for ExprError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

fn err<T>(message: impl Into<String>) -> Result<T, ExprError> {
    Err(ExprError {
        message: message.into(),
    })
}

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Str(String),
    Num(f64),
    Ref(String),
    Dot,
    Name(String),
    LParen,
    RParen,
    Comma,
    Op(&'static str),
}

fn describe(t: &Tok) -> String {
    match t {
        Tok::Str(s) => format!("'{s}'"),
        Tok::Num(n) => format_number(*n),
        Tok::Ref(r) => format!("${{{r}}}"),
        Tok::Dot => ".".into(),
        Tok::Name(n) => n.clone(),
        Tok::LParen => "(".into(),
        Tok::RParen => ")".into(),
        Tok::Comma => ",".into(),
        Tok::Op(o) => (*o).into(),
    }
}

fn tokenize(src: &str) -> Result<Vec<Tok>, ExprError> {
    let chars: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            c if c.is_whitespace() => i += 1,
            '\'' | '"' => {
                let close = chars[i + 1..].iter().position(|&d| d == c);
                let Some(len) = close else {
                    return err(format!(
                        "a text in quotes starting at position {} is never closed",
                        i + 1
                    ));
                };
                out.push(Tok::Str(chars[i + 1..i + 1 + len].iter().collect()));
                i += len + 2;
            }
            '$' => {
                if chars.get(i + 1) != Some(&'{') {
                    return err(format!(
                        "'$' at position {} must start a reference like ${{name}}",
                        i + 1
                    ));
                }
                let Some(len) = chars[i + 2..].iter().position(|&d| d == '}') else {
                    return err(format!(
                        "the reference at position {} has no closing '}}'",
                        i + 1
                    ));
                };
                let name: String = chars[i + 2..i + 2 + len].iter().collect();
                let name = name.trim().to_string();
                if name.is_empty() {
                    return err(format!(
                        "the reference at position {} names no field",
                        i + 1
                    ));
                }
                out.push(Tok::Ref(name));
                i += len + 3;
            }
            '0'..='9' => {
                let start = i;
                while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                    i += 1;
                }
                let s: String = chars[start..i].iter().collect();
                let Ok(n) = s.parse::<f64>() else {
                    return err(format!("'{s}' is not a number"));
                };
                out.push(Tok::Num(n));
            }
            '.' => {
                if chars.get(i + 1).is_some_and(|d| d.is_ascii_digit()) {
                    let start = i;
                    i += 1;
                    while i < chars.len() && chars[i].is_ascii_digit() {
                        i += 1;
                    }
                    let s: String = chars[start..i].iter().collect();
                    out.push(Tok::Num(s.parse::<f64>().unwrap_or(f64::NAN)));
                } else {
                    out.push(Tok::Dot);
                    i += 1;
                }
            }
            '(' => {
                out.push(Tok::LParen);
                i += 1;
            }
            ')' => {
                out.push(Tok::RParen);
                i += 1;
            }
            ',' => {
                out.push(Tok::Comma);
                i += 1;
            }
            '=' => {
                out.push(Tok::Op("="));
                i += 1;
            }
            '!' if chars.get(i + 1) == Some(&'=') => {
                out.push(Tok::Op("!="));
                i += 2;
            }
            '<' | '>' => {
                let two = chars.get(i + 1) == Some(&'=');
                out.push(Tok::Op(match (c, two) {
                    ('<', true) => "<=",
                    ('<', false) => "<",
                    (_, true) => ">=",
                    _ => ">",
                }));
                i += if two { 2 } else { 1 };
            }
            '+' | '-' | '*' => {
                out.push(Tok::Op(match c {
                    '+' => "+",
                    '-' => "-",
                    _ => "*",
                }));
                i += 1;
            }
            c if c.is_alphabetic() || c == '_' => {
                let start = i;
                while i < chars.len()
                    && (chars[i].is_alphanumeric() || matches!(chars[i], '_' | '-' | ':'))
                {
                    i += 1;
                }
                let word: String = chars[start..i].iter().collect();
                out.push(match word.as_str() {
                    "and" | "or" | "div" | "mod" => Tok::Op(match word.as_str() {
                        "and" => "and",
                        "or" => "or",
                        "div" => "div",
                        _ => "mod",
                    }),
                    _ => Tok::Name(word),
                });
            }
            other => {
                return err(format!(
                    "unexpected character '{other}' at position {}",
                    i + 1
                ));
            }
        }
    }
    Ok(out)
}

struct Parser {
    toks: Vec<Tok>,
    pos: usize,
    /// In a choice filter, a bare name is a column of the choices sheet.
    columns: bool,
}

/// Binding strength of each binary operator, XPath 1.0 order: `or` < `and` < equality <
/// relational < additive < multiplicative.
fn binding(op: &str) -> Option<(u8, BinOp)> {
    Some(match op {
        "or" => (1, BinOp::Or),
        "and" => (2, BinOp::And),
        "=" => (3, BinOp::Eq),
        "!=" => (3, BinOp::Ne),
        "<" => (4, BinOp::Lt),
        "<=" => (4, BinOp::Le),
        ">" => (4, BinOp::Gt),
        ">=" => (4, BinOp::Ge),
        "+" => (5, BinOp::Add),
        "-" => (5, BinOp::Sub),
        "*" => (6, BinOp::Mul),
        "div" => (6, BinOp::Div),
        "mod" => (6, BinOp::Mod),
        _ => return None,
    })
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }

    fn next(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.pos).cloned();
        self.pos += 1;
        t
    }

    fn expr(&mut self, min: u8) -> Result<Expr, ExprError> {
        let mut left = self.unary()?;
        while let Some(Tok::Op(op)) = self.peek() {
            let Some((strength, bin)) = binding(op) else {
                break;
            };
            if strength < min {
                break;
            }
            self.pos += 1;
            let right = self.expr(strength + 1)?;
            left = Expr::Bin(bin, Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Expr, ExprError> {
        if self.peek() == Some(&Tok::Op("-")) {
            self.pos += 1;
            return Ok(Expr::Neg(Box::new(self.unary()?)));
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Expr, ExprError> {
        match self.next() {
            None => err("the expression ends too early"),
            Some(Tok::Str(s)) => Ok(Expr::Str(s)),
            Some(Tok::Num(n)) => Ok(Expr::Num(n)),
            Some(Tok::Ref(r)) => Ok(Expr::Ref(r)),
            Some(Tok::Dot) => Ok(Expr::Current),
            Some(Tok::LParen) => {
                let e = self.expr(0)?;
                match self.next() {
                    Some(Tok::RParen) => Ok(e),
                    Some(t) => err(format!("expected ')' but found {}", describe(&t))),
                    None => err("a '(' is never closed"),
                }
            }
            Some(Tok::Name(name)) => {
                if self.peek() != Some(&Tok::LParen) && self.columns {
                    return Ok(Expr::Column(name));
                }
                if self.peek() != Some(&Tok::LParen) {
                    return err(format!(
                        "'{name}' is not understood here: refer to a field as ${{{name}}}, \
                         or put text in quotes"
                    ));
                }
                self.pos += 1;
                let Some(func) = Func::lookup(&name) else {
                    return err(format!("the function {name}() is not supported"));
                };
                let mut args = Vec::new();
                if self.peek() == Some(&Tok::RParen) {
                    self.pos += 1;
                } else {
                    loop {
                        args.push(self.expr(0)?);
                        match self.next() {
                            Some(Tok::Comma) => continue,
                            Some(Tok::RParen) => break,
                            Some(t) => {
                                return err(format!(
                                    "expected ',' or ')' in {name}() but found {}",
                                    describe(&t)
                                ));
                            }
                            None => return err(format!("{name}( is never closed")),
                        }
                    }
                }
                let (lo, hi) = func.arity();
                if args.len() < lo || args.len() > hi {
                    let wanted = if lo == hi {
                        format!("{lo}")
                    } else if hi == usize::MAX {
                        format!("at least {lo}")
                    } else {
                        format!("{lo} or {hi}")
                    };
                    return err(format!(
                        "{name}() takes {wanted} argument{}, not {}",
                        if wanted == "1" { "" } else { "s" },
                        args.len()
                    ));
                }
                if func == Func::Regex
                    && let Expr::Str(pattern) = &args[1]
                {
                    let re = Regex::new(pattern).map_err(|e| ExprError {
                        message: format!("the pattern in regex() is not valid: {e}"),
                    })?;
                    let subject = args.swap_remove(0);
                    return Ok(Expr::RegexMatch(Box::new(subject), Box::new(re)));
                }
                Ok(Expr::Call(func, args))
            }
            Some(t) => err(format!("unexpected {}", describe(&t))),
        }
    }
}

/// Parses an expression. Field references are not checked here (see [`Expr::references`]).
pub fn parse(src: &str) -> Result<Expr, ExprError> {
    parse_with(src, false)
}

/// Parses a `choice_filter`, where a bare name is a column of the choices sheet
/// (`country = ${country}`).
pub fn parse_filter(src: &str) -> Result<Expr, ExprError> {
    parse_with(src, true)
}

fn parse_with(src: &str, columns: bool) -> Result<Expr, ExprError> {
    let toks = tokenize(src)?;
    if toks.is_empty() {
        return err("the expression is empty");
    }
    let mut p = Parser {
        toks,
        pos: 0,
        columns,
    };
    let e = p.expr(0)?;
    if let Some(t) = p.peek() {
        return err(format!(
            "unexpected {} after a complete expression",
            describe(t)
        ));
    }
    Ok(e)
}

impl Expr {
    /// Every `${name}` the expression uses, in order of appearance.
    pub fn references(&self) -> Vec<&str> {
        let mut out = Vec::new();
        self.collect_refs(&mut out);
        out
    }

    fn collect_refs<'a>(&'a self, out: &mut Vec<&'a str>) {
        match self {
            Expr::Ref(r) => out.push(r),
            Expr::Neg(e) => e.collect_refs(out),
            Expr::Bin(_, a, b) => {
                a.collect_refs(out);
                b.collect_refs(out);
            }
            Expr::Call(_, args) => args.iter().for_each(|a| a.collect_refs(out)),
            Expr::RegexMatch(e, _) => e.collect_refs(out),
            Expr::Str(_) | Expr::Num(_) | Expr::Current | Expr::Column(_) => {}
        }
    }

    /// Every choice column a choice filter names.
    pub fn columns(&self) -> Vec<&str> {
        let mut out = Vec::new();
        self.collect_columns(&mut out);
        out
    }

    fn collect_columns<'a>(&'a self, out: &mut Vec<&'a str>) {
        match self {
            Expr::Column(c) => out.push(c),
            Expr::Neg(e) | Expr::RegexMatch(e, _) => e.collect_columns(out),
            Expr::Bin(_, a, b) => {
                a.collect_columns(out);
                b.collect_columns(out);
            }
            Expr::Call(_, args) => args.iter().for_each(|a| a.collect_columns(out)),
            _ => {}
        }
    }

    pub fn uses_current(&self) -> bool {
        match self {
            Expr::Current => true,
            Expr::Neg(e) | Expr::RegexMatch(e, _) => e.uses_current(),
            Expr::Bin(_, a, b) => a.uses_current() || b.uses_current(),
            Expr::Call(_, args) => args.iter().any(Expr::uses_current),
            _ => false,
        }
    }
}

/// Where references get their values from during evaluation.
pub trait Env {
    /// The value of `${name}`; empty when unanswered.
    fn lookup(&self, name: &str) -> Value;
    /// The value of `.`.
    fn current(&self) -> Value;
    fn today(&self) -> Date;
    /// A column of the choice being filtered (choice filters only).
    fn column(&self, _name: &str) -> Value {
        Value::empty()
    }
}

/// The evaluator: one for the server, used for relevance, calculations, constraints, defaults
/// and choice filters alike.
pub trait Evaluate {
    fn eval(&self, env: &dyn Env) -> Value;
}

impl Evaluate for Expr {
    fn eval(&self, env: &dyn Env) -> Value {
        eval(self, env)
    }
}

fn eval(e: &Expr, env: &dyn Env) -> Value {
    match e {
        Expr::Str(s) => Value::Str(s.clone()),
        Expr::Num(n) => Value::Num(*n),
        Expr::Ref(r) => env.lookup(r),
        Expr::Current => env.current(),
        Expr::Column(c) => env.column(c),
        Expr::Neg(a) => Value::Num(-eval(a, env).to_num()),
        Expr::Bin(BinOp::Or, a, b) => Value::Bool(eval(a, env).to_bool() || eval(b, env).to_bool()),
        Expr::Bin(BinOp::And, a, b) => {
            Value::Bool(eval(a, env).to_bool() && eval(b, env).to_bool())
        }
        Expr::Bin(op, a, b) => binary(*op, eval(a, env), eval(b, env)),
        Expr::RegexMatch(a, re) => Value::Bool(re.is_match(&eval(a, env).to_text())),
        Expr::Call(f, args) => call(*f, args, env),
    }
}

fn binary(op: BinOp, a: Value, b: Value) -> Value {
    match op {
        BinOp::Eq => Value::Bool(equal(&a, &b)),
        BinOp::Ne => Value::Bool(!equal(&a, &b)),
        BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
            let ord = match (a.as_date(), b.as_date()) {
                (Some(x), Some(y)) => Some(x.cmp(&y)),
                _ => a.to_num().partial_cmp(&b.to_num()),
            };
            Value::Bool(match ord {
                None => false,
                Some(o) => match op {
                    BinOp::Lt => o.is_lt(),
                    BinOp::Le => o.is_le(),
                    BinOp::Gt => o.is_gt(),
                    _ => o.is_ge(),
                },
            })
        }
        BinOp::Add => Value::Num(a.to_num() + b.to_num()),
        BinOp::Sub => Value::Num(a.to_num() - b.to_num()),
        BinOp::Mul => Value::Num(a.to_num() * b.to_num()),
        BinOp::Div => Value::Num(a.to_num() / b.to_num()),
        BinOp::Mod => Value::Num(a.to_num() % b.to_num()),
        BinOp::Or | BinOp::And => Value::Bool(false),
    }
}

/// XPath equality: booleans compare as booleans, then numbers as numbers, dates as dates,
/// anything else as text.
fn equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Bool(_), _) | (_, Value::Bool(_)) => a.to_bool() == b.to_bool(),
        (Value::Num(_), _) | (_, Value::Num(_)) => a.to_num() == b.to_num(),
        (Value::Date(_), _) | (_, Value::Date(_)) => match (a.as_date(), b.as_date()) {
            (Some(x), Some(y)) => x == y,
            _ => false,
        },
        _ => a.to_text() == b.to_text(),
    }
}

fn call(f: Func, args: &[Expr], env: &dyn Env) -> Value {
    let arg = |i: usize| {
        args.get(i)
            .map(|a| eval(a, env))
            .unwrap_or_else(Value::empty)
    };
    match f {
        Func::Not => Value::Bool(!arg(0).to_bool()),
        Func::True => Value::Bool(true),
        Func::False => Value::Bool(false),
        Func::Today => Value::Date(env.today()),
        Func::Selected => {
            let list = arg(0).to_text();
            let wanted = arg(1).to_text();
            let wanted = wanted.trim();
            Value::Bool(list.split_whitespace().any(|c| c == wanted))
        }
        Func::CountSelected => Value::Num(arg(0).to_text().split_whitespace().count() as f64),
        Func::If => {
            if arg(0).to_bool() {
                arg(1)
            } else {
                arg(2)
            }
        }
        Func::Coalesce => {
            let first = arg(0);
            if first.is_empty() { arg(1) } else { first }
        }
        Func::Concat => Value::Str(
            (0..args.len())
                .map(|i| arg(i).to_text())
                .collect::<String>(),
        ),
        Func::StringLength => {
            let s = if args.is_empty() {
                env.current()
            } else {
                arg(0)
            };
            Value::Num(s.to_text().chars().count() as f64)
        }
        Func::String => Value::Str(if args.is_empty() {
            env.current().to_text()
        } else {
            arg(0).to_text()
        }),
        Func::Regex => {
            // The pattern was not a literal: compile it now; an invalid one matches nothing.
            let subject = arg(0).to_text();
            match Regex::new(&arg(1).to_text()) {
                Ok(re) => Value::Bool(re.is_match(&subject)),
                Err(_) => Value::Bool(false),
            }
        }
        Func::Number => Value::Num(arg(0).to_num()),
        Func::Int => Value::Num(arg(0).to_num().trunc()),
        Func::Round => {
            let n = arg(0).to_num();
            let digits = if args.len() > 1 { arg(1).to_num() } else { 0.0 };
            let scale = 10f64.powi(digits as i32);
            Value::Num((n * scale).round() / scale)
        }
        Func::Contains => Value::Bool(arg(0).to_text().contains(&arg(1).to_text())),
        Func::StartsWith => Value::Bool(arg(0).to_text().starts_with(&arg(1).to_text())),
    }
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expr::Str(s) => write!(f, "'{s}'"),
            Expr::Num(n) => f.write_str(&format_number(*n)),
            Expr::Ref(r) => write!(f, "${{{r}}}"),
            Expr::Current => f.write_str("."),
            Expr::Neg(e) => write!(f, "-{e}"),
            Expr::Bin(op, a, b) => write!(f, "({a} {} {b})", op.symbol()),
            Expr::Call(func, args) => {
                write!(f, "{}(", func.name())?;
                for (i, a) in args.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{a}")?;
                }
                f.write_str(")")
            }
            Expr::RegexMatch(e, re) => write!(f, "regex({e}, '{}')", re.as_str()),
            Expr::Column(c) => f.write_str(c),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;
    use std::collections::HashMap;
    use time::macros::date;

    struct Vars(HashMap<&'static str, Value>, Value);
    impl Env for Vars {
        fn lookup(&self, name: &str) -> Value {
            self.0.get(name).cloned().unwrap_or_else(Value::empty)
        }
        fn current(&self) -> Value {
            self.1.clone()
        }
        fn today(&self) -> Date {
            date!(2026 - 11 - 23)
        }
    }

    fn env() -> Vars {
        Vars(
            HashMap::from([
                ("age", Value::Num(17.0)),
                ("name", Value::Str("Awa".into())),
                ("needs", Value::Str("health housing".into())),
                ("returned", Value::Str("2026-02-01".into())),
                ("blank", Value::empty()),
                ("yes", Value::Str("yes".into())),
            ]),
            Value::Str("42".into()),
        )
    }

    fn run(src: &str) -> Value {
        parse(src)
            .unwrap_or_else(|e| panic!("{src}: {e}"))
            .eval(&env())
    }

    fn truth(src: &str) -> bool {
        run(src).to_bool()
    }

    #[test]
    fn arithmetic_and_precedence() {
        assert_eq!(run("1 + 2 * 3"), Value::Num(7.0));
        assert_eq!(run("(1 + 2) * 3"), Value::Num(9.0));
        assert_eq!(run("7 div 2"), Value::Num(3.5));
        assert_eq!(run("7 mod 3"), Value::Num(1.0));
        assert_eq!(run("10 - 2 - 3"), Value::Num(5.0), "left associative");
        assert_eq!(run("-2 * 3"), Value::Num(-6.0));
        assert_eq!(run("${age} + 1"), Value::Num(18.0));
        assert!(run("1 div 0").to_num().is_infinite());
        assert!(truth("1 + 1 = 2 and 3 > 2"));
        assert!(
            truth("1 = 2 or 2 = 2 and 3 = 3"),
            "and binds tighter than or"
        );
        assert!(!truth("(1 = 2 or 2 = 2) and 3 = 4"));
        assert!(
            truth("1 < 2 = true()"),
            "relational binds tighter than equality"
        );
    }

    #[test]
    fn comparisons_and_coercion() {
        assert!(truth("${age} < 18"));
        assert!(truth("${age} >= 17 and ${age} <= 17"));
        assert!(
            truth("${age} = '17'"),
            "number against text compares as numbers"
        );
        assert!(truth("${name} = 'Awa'"));
        assert!(truth("${name} != 'awa'"), "text comparison is exact");
        assert!(!truth("${blank} > 5"), "an empty answer is not a number");
        assert!(truth("${blank} = ''"));
        assert!(!truth("${name}  > 'A'"), "text is not ordered, as in XPath");
        assert!(truth("'3' > '10' = false()"));
        assert!(truth("${yes}"), "non-empty text is true");
        assert!(!truth("${blank}"));
        assert!(truth("not(${blank})"));
        assert!(truth(". = 42"), "the current answer");
        assert!(truth("true() != false()"));
    }

    #[test]
    fn dates() {
        assert!(truth("${returned} <= today()"));
        assert!(truth("${returned} > '2025-12-31'"));
        assert!(truth("today() = '2026-11-23'"));
        assert!(truth("today() - ${returned} = 295"), "days between");
        assert!(!truth("${blank} <= today()"));
    }

    #[test]
    fn functions() {
        assert!(truth("selected(${needs}, 'health')"));
        assert!(!truth("selected(${needs}, 'heal')"));
        assert_eq!(run("count-selected(${needs})"), Value::Num(2.0));
        assert_eq!(run("count-selected(${blank})"), Value::Num(0.0));
        assert_eq!(
            run("if(${age} < 18, 'minor', 'adult')"),
            Value::Str("minor".into())
        );
        assert_eq!(run("coalesce(${blank}, 'none')"), Value::Str("none".into()));
        assert_eq!(run("coalesce(${name}, 'none')"), Value::Str("Awa".into()));
        assert_eq!(
            run("concat(${name}, ' (', ${age}, ')')"),
            Value::Str("Awa (17)".into())
        );
        assert_eq!(run("string-length(${name})"), Value::Num(3.0));
        assert_eq!(
            run("string-length('Aïssatou')"),
            Value::Num(8.0),
            "characters, not bytes"
        );
        assert!(truth("regex(${name}, '^[A-Z][a-z]+$')"));
        assert!(!truth("regex('77 123', '^[0-9]+$')"));
        assert!(truth("regex(., '^[0-9]{2}$')"));
        assert_eq!(run("round(2.567, 2)"), Value::Num(2.57));
        assert_eq!(run("int(-2.7)"), Value::Num(-2.0));
        assert_eq!(run("number('4.5') * 2"), Value::Num(9.0));
        assert!(truth(
            "contains(${needs}, 'hous') and starts-with(${name}, 'Aw')"
        ));
        assert_eq!(run("0.5 + .25"), Value::Num(0.75));
    }

    #[test]
    fn choice_filters_name_choice_columns() {
        struct Choice;
        impl Env for Choice {
            fn lookup(&self, _: &str) -> Value {
                Value::Str("sn".into())
            }
            fn current(&self) -> Value {
                Value::empty()
            }
            fn today(&self) -> Date {
                date!(2026 - 11 - 23)
            }
            fn column(&self, name: &str) -> Value {
                Value::Str(if name == "country" { "sn" } else { "" }.into())
            }
        }
        let f = parse_filter("country = ${country} or name = 'other'").unwrap();
        assert_eq!(f.columns(), ["country", "name"]);
        assert!(f.eval(&Choice).to_bool());
        assert!(
            parse("country = 'sn'").is_err(),
            "bare names only in choice filters"
        );
    }

    #[test]
    fn references_are_listed() {
        let e = parse("if(${a} > 1, concat(${b}, .), ${a})").unwrap();
        assert_eq!(e.references(), ["a", "b", "a"]);
        assert!(e.uses_current());
        assert!(!parse("${a} = 1").unwrap().uses_current());
    }

    #[test]
    fn errors_say_what_is_wrong() {
        let msg = |src: &str| parse(src).unwrap_err().message;
        assert!(msg("${age} >").contains("ends too early"));
        assert!(msg("(1 + 2").contains("')'") || msg("(1 + 2").contains("never closed"));
        assert!(msg("'open").contains("never closed"));
        assert!(msg("${age").contains("no closing"));
        assert!(msg("$age").contains("${name}"));
        assert!(msg("foo(1)").contains("foo() is not supported"));
        assert!(msg("age > 3").contains("${age}"));
        assert!(msg("if(1, 2)").contains("takes 3 arguments, not 2"));
        assert!(msg("not()").contains("takes 1 argument, not 0"));
        assert!(msg("1 2").contains("after a complete expression"));
        assert!(msg("regex(., '[')").contains("pattern"));
        assert!(msg("1 # 2").contains("unexpected character '#'"));
        assert!(msg("").contains("empty"));
        assert!(msg("${}").contains("names no field"));
    }

    #[test]
    fn display_round_trips_through_the_parser() {
        for src in [
            "1 + 2 * 3",
            "if(${a} > 1, 'x', concat(${b}, .))",
            "-${a} mod 2",
            "regex(., '^a')",
        ] {
            let once = parse(src).unwrap().to_string();
            let twice = parse(&once).unwrap().to_string();
            assert_eq!(once, twice);
        }
    }
}
