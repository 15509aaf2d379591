use super::*;

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

pub(super) fn err<T>(message: impl Into<String>) -> Result<T, ExprError> {
    Err(ExprError {
        message: message.into(),
    })
}

#[derive(Clone, Debug, PartialEq)]
pub(super) enum Tok {
    Str(String),
    Num(f64),
    Ref(String),
    /// `../name`, `/data/group/name`: a question by its place in the form.
    Path(String),
    Dot,
    Name(String),
    LParen,
    RParen,
    Comma,
    Op(&'static str),
}

pub(super) fn describe(t: &Tok) -> String {
    match t {
        Tok::Str(s) => format!("'{s}'"),
        Tok::Num(n) => format_number(*n),
        Tok::Ref(r) => format!("${{{r}}}"),
        Tok::Path(p) => p.clone(),
        Tok::Dot => ".".into(),
        Tok::Name(n) => n.clone(),
        Tok::LParen => "(".into(),
        Tok::RParen => ")".into(),
        Tok::Comma => ",".into(),
        Tok::Op(o) => (*o).into(),
    }
}

pub(super) fn tokenize(src: &str) -> Result<Vec<Tok>, ExprError> {
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
            '.' | '/' if c == '/' || matches!(chars.get(i + 1), Some('.' | '/')) => {
                // A path (`../name`, `current()/../name`, `/data/group/name`): the question it
                // ends on, resolved like ${name}.
                if c == '/'
                    && out.len() >= 3
                    && out[out.len() - 3..]
                        == [Tok::Name("current".into()), Tok::LParen, Tok::RParen]
                {
                    // `current()/..`: relative to the question, as `..` is.
                    out.truncate(out.len() - 3);
                    i += 1;
                }
                let start = i;
                while i < chars.len()
                    && (chars[i].is_alphanumeric()
                        || matches!(chars[i], '_' | '-' | '.' | '/' | ':'))
                {
                    i += 1;
                }
                let path: String = chars[start..i].iter().collect();
                let last = path.split('/').rfind(|s| !s.is_empty()).unwrap_or_default();
                if last == "." || last == ".." || last.is_empty() {
                    // `..` is the item around the current question (as in `position(..)`).
                    out.push(Tok::Dot);
                } else {
                    out.push(Tok::Path(path));
                }
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
            '[' => {
                return err(
                    "filters in square brackets ([…]) and instance() lookups are not supported",
                );
            }
            c if c.is_alphabetic() || c == '_' => {
                let start = i;
                // Names may hold '.', as XLSForm names do (`region.code`), but not end on it.
                while i < chars.len()
                    && (chars[i].is_alphanumeric()
                        || matches!(chars[i], '_' | '-' | ':')
                        || (chars[i] == '.'
                            && chars
                                .get(i + 1)
                                .is_some_and(|d| d.is_alphanumeric() || *d == '_')))
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

pub(super) struct Parser {
    pub(super) toks: Vec<Tok>,
    pub(super) pos: usize,
    /// In a choice filter, a bare name is a column of the choices sheet.
    pub(super) columns: bool,
}

/// Binding strength of each binary operator, XPath 1.0 order: `or` < `and` < equality <
/// relational < additive < multiplicative.
pub(super) fn binding(op: &str) -> Option<(u8, BinOp)> {
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
    pub(super) fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }

    pub(super) fn next(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.pos).cloned();
        self.pos += 1;
        t
    }

    pub(super) fn expr(&mut self, min: u8) -> Result<Expr, ExprError> {
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

    pub(super) fn unary(&mut self) -> Result<Expr, ExprError> {
        if self.peek() == Some(&Tok::Op("-")) {
            self.pos += 1;
            return Ok(Expr::Neg(Box::new(self.unary()?)));
        }
        self.primary()
    }

    pub(super) fn primary(&mut self) -> Result<Expr, ExprError> {
        match self.next() {
            None => err("the expression ends too early"),
            Some(Tok::Str(s)) => Ok(Expr::Str(s)),
            Some(Tok::Num(n)) => Ok(Expr::Num(n)),
            Some(Tok::Ref(r)) => Ok(Expr::Ref(r)),
            Some(Tok::Path(p)) => Ok(Expr::Path(p)),
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

pub(super) fn parse_with(src: &str, columns: bool) -> Result<Expr, ExprError> {
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
