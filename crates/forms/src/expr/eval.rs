use super::*;

impl Expr {
    /// Every `${name}` the expression uses, in order of appearance.
    pub fn references(&self) -> Vec<&str> {
        let mut out = Vec::new();
        self.collect_refs(&mut out);
        out
    }

    pub(super) fn collect_refs<'a>(&'a self, out: &mut Vec<&'a str>) {
        match self {
            Expr::Ref(r) => out.push(r),
            Expr::Neg(e) => e.collect_refs(out),
            Expr::Bin(_, a, b) => {
                a.collect_refs(out);
                b.collect_refs(out);
            }
            Expr::Call(_, args) => args.iter().for_each(|a| a.collect_refs(out)),
            Expr::RegexMatch(e, _) => e.collect_refs(out),
            Expr::Str(_) | Expr::Num(_) | Expr::Current | Expr::Column(_) | Expr::Path(_) => {}
        }
    }

    /// Rewrites every [`Expr::Path`] with `resolve` (compilation turns them into references).
    pub fn resolve_paths(
        &mut self,
        resolve: &mut dyn FnMut(&str) -> Result<String, String>,
    ) -> Vec<String> {
        let mut failures = Vec::new();
        self.visit_paths(resolve, &mut failures);
        failures
    }

    fn visit_paths(
        &mut self,
        resolve: &mut dyn FnMut(&str) -> Result<String, String>,
        failures: &mut Vec<String>,
    ) {
        match self {
            Expr::Path(p) => match resolve(p) {
                Ok(key) => *self = Expr::Ref(key),
                Err(why) => failures.push(why),
            },
            Expr::Neg(e) | Expr::RegexMatch(e, _) => e.visit_paths(resolve, failures),
            Expr::Bin(_, a, b) => {
                a.visit_paths(resolve, failures);
                b.visit_paths(resolve, failures);
            }
            Expr::Call(_, args) => args
                .iter_mut()
                .for_each(|a| a.visit_paths(resolve, failures)),
            _ => {}
        }
    }

    /// Every choice column a choice filter names.
    pub fn columns(&self) -> Vec<&str> {
        let mut out = Vec::new();
        self.collect_columns(&mut out);
        out
    }

    pub(super) fn collect_columns<'a>(&'a self, out: &mut Vec<&'a str>) {
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
    /// `${name}` as a node set: its answer in every repeat item reachable from here (one per
    /// item for a repeat itself).
    fn nodes(&self, name: &str) -> Vec<Value> {
        vec![self.lookup(name)]
    }
    /// `${field}` in the given items of the repeats named (`indexed-repeat`), 1-based.
    fn indexed(&self, _field: &str, _items: &[(String, usize)]) -> Value {
        Value::empty()
    }
    /// The 1-based number of the repeat item being evaluated (0 outside repeats); with a
    /// name, of the item of that repeat.
    fn position(&self, _repeat: Option<&str>) -> usize {
        0
    }
    /// The label of choice `value` of the select `${name}`, in the form's language.
    fn choice_label(&self, _name: &str, _value: &str) -> String {
        String::new()
    }
    /// The moment of evaluation, as `YYYY-MM-DDTHH:MM:SS.sss+HH:MM`.
    fn now(&self) -> String {
        format!("{}T00:00:00.000+00:00", self.today())
    }
    /// A number in [0, 1).
    fn random(&self) -> f64 {
        0.5
    }
    /// `pulldata(table, column, key_column, key)`: from a CSV attached to the form.
    fn pulldata(&self, _table: &str, _column: &str, _key_column: &str, _key: &str) -> Value {
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

pub(super) fn eval(e: &Expr, env: &dyn Env) -> Value {
    match e {
        Expr::Str(s) => Value::Str(s.clone()),
        Expr::Num(n) => Value::Num(*n),
        Expr::Ref(r) => env.lookup(r),
        Expr::Path(p) => env.lookup(p.rsplit('/').next().unwrap_or_default()),
        Expr::Current => env.current(),
        Expr::Column(c) => env.column(c),
        Expr::Neg(a) => Value::Num(-eval(a, env).to_num()),
        Expr::Bin(BinOp::Or, a, b) => Value::Bool(eval(a, env).to_bool() || eval(b, env).to_bool()),
        Expr::Bin(BinOp::And, a, b) => {
            Value::Bool(eval(a, env).to_bool() && eval(b, env).to_bool())
        }
        Expr::Bin(op, a, b) => binary(*op, eval(a, env), eval(b, env)),
        Expr::RegexMatch(a, re) => Value::Bool(re.is_match(&eval(a, env).to_text())),
        Expr::Call(f, args) if f.takes_nodes() || *f == Func::ChoiceName => {
            super::functions::on_nodes(*f, args, env)
        }
        Expr::Call(f, args) => call(*f, args, env),
    }
}

pub(super) fn binary(op: BinOp, a: Value, b: Value) -> Value {
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
pub(super) fn equal(a: &Value, b: &Value) -> bool {
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

pub(super) fn call(f: Func, args: &[Expr], env: &dyn Env) -> Value {
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
        Func::Number if args.is_empty() => Value::Num(env.current().to_num()),
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
        other => {
            let values: Vec<Value> = (0..args.len()).map(arg).collect();
            super::functions::scalar(other, &values, env)
        }
    }
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expr::Str(s) => write!(f, "'{s}'"),
            Expr::Num(n) => f.write_str(&format_number(*n)),
            Expr::Ref(r) => write!(f, "${{{r}}}"),
            Expr::Path(p) => f.write_str(p),
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
