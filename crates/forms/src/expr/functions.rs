//! The XLSForm functions beyond the XPath core: repeats (node sets), dates and times, text,
//! maths and geometry. Each follows what ODK's evaluator does with the same arguments.

use super::*;

/// Functions that read a question across repeat items, or need the question itself rather
/// than its value.
pub(super) fn on_nodes(f: Func, args: &[Expr], env: &dyn Env) -> Value {
    let nodes = |i: usize| -> Vec<Value> {
        match args.get(i) {
            Some(Expr::Ref(name)) => env.nodes(name),
            Some(other) => vec![eval(other, env)],
            None => Vec::new(),
        }
    };
    let numbers = |values: Vec<Value>| -> Vec<f64> { values.iter().map(Value::to_num).collect() };
    match f {
        Func::Count => Value::Num(nodes(0).len() as f64),
        Func::CountNonEmpty => Value::Num(nodes(0).iter().filter(|v| !v.is_empty()).count() as f64),
        Func::Sum => Value::Num(numbers(nodes(0)).iter().sum()),
        Func::Max | Func::Min => {
            let all: Vec<f64> = (0..args.len()).flat_map(|i| numbers(nodes(i))).collect();
            if all.is_empty() || all.iter().any(|n| n.is_nan()) {
                return Value::Num(f64::NAN);
            }
            let pick = if f == Func::Max { f64::max } else { f64::min };
            Value::Num(all.into_iter().reduce(pick).unwrap_or(f64::NAN))
        }
        Func::Join => {
            let sep = eval(&args[0], env).to_text();
            let parts: Vec<String> = (1..args.len())
                .flat_map(nodes)
                .map(|v| v.to_text())
                .collect();
            Value::Str(parts.join(&sep))
        }
        Func::IndexedRepeat => {
            let Some(Expr::Ref(field)) = args.first() else {
                return Value::empty();
            };
            let mut items = Vec::new();
            for pair in args[1..].chunks(2) {
                let (Some(Expr::Ref(repeat)), Some(index)) = (pair.first(), pair.get(1)) else {
                    return Value::empty();
                };
                let n = eval(index, env).to_num();
                if n.is_nan() || n < 1.0 || n.fract() != 0.0 {
                    return Value::empty();
                }
                items.push((repeat.clone(), n as usize));
            }
            env.indexed(field, &items)
        }
        Func::Position => match args.first() {
            Some(Expr::Ref(name)) => Value::Num(env.position(Some(name)) as f64),
            _ => Value::Num(env.position(None) as f64),
        },
        Func::ChoiceName => {
            let value = eval(&args[0], env).to_text();
            let name = match &args[1] {
                Expr::Ref(name) => name.clone(),
                // pyxform forms write the question's path as text: '${name}' or '/data/name'.
                Expr::Str(path) => path
                    .trim()
                    .trim_start_matches("${")
                    .trim_end_matches('}')
                    .rsplit('/')
                    .next()
                    .unwrap_or_default()
                    .to_string(),
                _ => return Value::empty(),
            };
            Value::Str(env.choice_label(&name, value.trim()))
        }
        _ => call(f, args, env),
    }
}

/// Functions of plain values.
pub(super) fn scalar(f: Func, a: &[Value], env: &dyn Env) -> Value {
    let text = |i: usize| a.get(i).map(Value::to_text).unwrap_or_default();
    let num = |i: usize| a.get(i).map_or(f64::NAN, Value::to_num);
    let maths = |g: fn(f64) -> f64| Value::Num(g(num(0)));
    match f {
        Func::EndsWith => Value::Bool(text(0).ends_with(&text(1))),
        Func::Boolean => Value::Bool(a.first().is_some_and(Value::to_bool)),
        Func::BooleanFromString => Value::Bool(matches!(text(0).trim(), "true" | "1")),
        Func::Once => {
            let current = env.current();
            if current.is_empty() {
                a.first().cloned().unwrap_or_else(Value::empty)
            } else {
                current
            }
        }
        Func::Uuid => Value::Str(match a.first() {
            None => uuid::Uuid::new_v4().to_string(),
            Some(len) => random_text(len.to_num().clamp(0.0, 1000.0) as usize),
        }),
        Func::Now => Value::Str(env.now()),
        Func::Current => env.current(),
        Func::Random => Value::Num(env.random()),
        Func::Pulldata => env.pulldata(&text(0), &text(1), &text(2), &text(3)),
        Func::Date => match a.first() {
            Some(Value::Num(n)) => date_from_days(*n),
            Some(v) => match v
                .as_date()
                .or_else(|| datetime(&v.to_text()).map(|(d, _)| d))
            {
                Some(d) => Value::Date(d),
                None => Value::empty(),
            },
            None => Value::empty(),
        },
        Func::DecimalDateTime => match datetime(&text(0)) {
            Some((d, seconds)) => Value::Num(days_since_epoch(d) + seconds / 86_400.0),
            None => Value::Num(f64::NAN),
        },
        Func::DecimalTime => match clock(&text(0)) {
            Some(seconds) => Value::Num(seconds / 86_400.0),
            None => Value::Num(f64::NAN),
        },
        Func::FormatDate | Func::FormatDateTime => format_date(&a[0], &text(1)),
        Func::Substr | Func::Substring => {
            let s: Vec<char> = text(0).chars().collect();
            // substr() counts from 0 (ODK); substring() from 1 (XPath).
            let offset = if f == Func::Substr { 0.0 } else { 1.0 };
            let start = (num(1) - offset).round().max(0.0) as usize;
            let end = if a.len() > 2 {
                if f == Func::Substr {
                    num(2).round().max(0.0) as usize
                } else {
                    start + num(2).round().max(0.0) as usize
                }
            } else {
                s.len()
            };
            let end = end.min(s.len());
            Value::Str(if start < end {
                s[start..end].iter().collect()
            } else {
                String::new()
            })
        }
        Func::SubstringBefore => {
            let s = text(0);
            Value::Str(
                s.split_once(&text(1))
                    .map(|(b, _)| b.to_string())
                    .unwrap_or_default(),
            )
        }
        Func::SubstringAfter => {
            let s = text(0);
            Value::Str(
                s.split_once(&text(1))
                    .map(|(_, b)| b.to_string())
                    .unwrap_or_default(),
            )
        }
        Func::Translate => {
            let from: Vec<char> = text(1).chars().collect();
            let to: Vec<char> = text(2).chars().collect();
            Value::Str(
                text(0)
                    .chars()
                    .filter_map(|c| match from.iter().position(|&x| x == c) {
                        Some(i) => to.get(i).copied(),
                        None => Some(c),
                    })
                    .collect(),
            )
        }
        Func::NormalizeSpace => {
            let s = if a.is_empty() {
                env.current().to_text()
            } else {
                text(0)
            };
            Value::Str(s.split_whitespace().collect::<Vec<_>>().join(" "))
        }
        Func::SelectedAt => {
            let n = num(1);
            let picked = text(0);
            Value::Str(if n >= 0.0 && n.fract() == 0.0 {
                picked
                    .split_whitespace()
                    .nth(n as usize)
                    .unwrap_or("")
                    .to_string()
            } else {
                String::new()
            })
        }
        Func::Pow => Value::Num(num(0).powf(num(1))),
        Func::Abs => maths(f64::abs),
        Func::Log => maths(f64::ln),
        Func::Log10 => maths(f64::log10),
        Func::Exp => maths(f64::exp),
        Func::Exp10 => maths(|x| 10f64.powf(x)),
        Func::Sqrt => maths(f64::sqrt),
        Func::Sin => maths(f64::sin),
        Func::Cos => maths(f64::cos),
        Func::Tan => maths(f64::tan),
        Func::Asin => maths(f64::asin),
        Func::Acos => maths(f64::acos),
        Func::Atan => maths(f64::atan),
        Func::Atan2 => Value::Num(num(0).atan2(num(1))),
        Func::Pi => Value::Num(std::f64::consts::PI),
        Func::Floor => maths(f64::floor),
        Func::Ceiling => maths(f64::ceil),
        Func::Checklist => {
            let yes = a[2..].iter().filter(|v| v.to_bool()).count() as f64;
            Value::Bool(within(yes, num(0), num(1)))
        }
        Func::WeightedChecklist => {
            let total: f64 = a[2..]
                .chunks(2)
                .filter(|p| p[0].to_bool())
                .map(|p| p.get(1).map_or(0.0, Value::to_num))
                .sum();
            Value::Bool(within(total, num(0), num(1)))
        }
        Func::Area => match points(&text(0)) {
            Some(p) if p.len() >= 3 => Value::Num(area(&p)),
            _ => Value::Num(f64::NAN),
        },
        Func::Distance => {
            let all: Option<Vec<(f64, f64)>> = if a.len() == 1 {
                points(&text(0))
            } else {
                a.iter()
                    .map(|v| points(&v.to_text()).and_then(|p| p.first().copied()))
                    .collect()
            };
            match all {
                Some(p) if p.len() >= 2 => Value::Num(distance(&p)),
                _ => Value::Num(f64::NAN),
            }
        }
        _ => Value::empty(),
    }
}

/// `checklist` bounds: -1 means no bound.
fn within(n: f64, min: f64, max: f64) -> bool {
    (min < 0.0 || n >= min) && (max < 0.0 || n <= max)
}

fn random_text(len: usize) -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let mut rng = rand::rng();
    (0..len)
        .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
        .collect()
}

fn date_from_days(n: f64) -> Value {
    if !n.is_finite() {
        return Value::empty();
    }
    let epoch = time::macros::date!(1970 - 01 - 01).to_julian_day();
    // A count of days far past any date (`date(8888…8)`) names none: the sum must not overflow.
    match (n.floor() as i64)
        .checked_add(i64::from(epoch))
        .and_then(|j| i32::try_from(j).ok())
        .and_then(|j| Date::from_julian_day(j).ok())
    {
        Some(d) => Value::Date(d),
        None => Value::empty(),
    }
}

/// Seconds since midnight of `HH:MM[:SS[.sss]][zone]`.
fn clock(s: &str) -> Option<f64> {
    let s = s.trim();
    let end = s
        .find(['Z', '+'])
        .or_else(|| s.rfind('-').filter(|&i| i >= 5))
        .unwrap_or(s.len());
    let mut parts = s[..end].split(':');
    let h: f64 = parts.next()?.parse().ok()?;
    let m: f64 = parts.next()?.parse().ok()?;
    let sec: f64 = parts.next().map_or(Some(0.0), |x| x.parse().ok())?;
    (h < 24.0 && m < 60.0 && sec < 61.0).then_some(h * 3600.0 + m * 60.0 + sec)
}

/// A `YYYY-MM-DD[THH:MM[:SS[.sss]][zone]]` value: the date and the seconds into the day.
pub fn datetime(s: &str) -> Option<(Date, f64)> {
    let s = s.trim();
    match s.split_once('T') {
        Some((d, t)) => Some((parse_date(d)?, clock(t)?)),
        None => Some((parse_date(s)?, 0.0)),
    }
}

/// A time answer: `HH:MM`, `HH:MM:SS`, with optional fraction and zone.
pub fn parse_time(s: &str) -> bool {
    clock(s).is_some()
}

fn format_date(value: &Value, pattern: &str) -> Value {
    let Some((d, seconds)) = value
        .as_date()
        .map(|d| (d, 0.0))
        .or_else(|| datetime(&value.to_text()))
    else {
        return Value::empty();
    };
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    let (h, m, s) = (
        (seconds / 3600.0) as u32,
        ((seconds % 3600.0) / 60.0) as u32,
        seconds % 60.0,
    );
    let mut out = String::new();
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('Y') => out.push_str(&format!("{:04}", d.year())),
            Some('y') => out.push_str(&format!("{:02}", d.year().rem_euclid(100))),
            Some('m') => out.push_str(&format!("{:02}", u8::from(d.month()))),
            Some('n') => out.push_str(&u8::from(d.month()).to_string()),
            Some('b') => out.push_str(MONTHS[usize::from(u8::from(d.month())) - 1]),
            Some('d') => out.push_str(&format!("{:02}", d.day())),
            Some('e') => out.push_str(&d.day().to_string()),
            Some('a') => out.push_str(DAYS[usize::from(d.weekday().number_days_from_monday())]),
            Some('H') => out.push_str(&format!("{h:02}")),
            Some('h') => out.push_str(&h.to_string()),
            Some('M') => out.push_str(&format!("{m:02}")),
            Some('S') => out.push_str(&format!("{:02}", s.floor() as u32)),
            Some('3') => out.push_str(&format!("{:03}", (s.fract() * 1000.0).round() as u32)),
            Some(other) => {
                out.push('%');
                out.push(other);
            }
            None => out.push('%'),
        }
    }
    Value::Str(out)
}

/// The points of a geopoint, geotrace or geoshape answer (`lat lon [alt acc]; …`) as
/// (latitude, longitude) in degrees.
pub fn points(s: &str) -> Option<Vec<(f64, f64)>> {
    s.split(';')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut n = p.split_whitespace().map(|x| x.parse::<f64>());
            let lat = n.next()?.ok()?;
            let lon = n.next()?.ok()?;
            for rest in n {
                rest.ok()?;
            }
            ((-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon)).then_some((lat, lon))
        })
        .collect()
}

/// ODK's Earth radius for geometry (metres).
const EARTH_RADIUS: f64 = 6_378_100.0;

/// Length of a path in metres (haversine between successive points).
fn distance(p: &[(f64, f64)]) -> f64 {
    p.windows(2)
        .map(|w| {
            let (la1, lo1) = (w[0].0.to_radians(), w[0].1.to_radians());
            let (la2, lo2) = (w[1].0.to_radians(), w[1].1.to_radians());
            let h = ((la2 - la1) / 2.0).sin().powi(2)
                + la1.cos() * la2.cos() * ((lo2 - lo1) / 2.0).sin().powi(2);
            2.0 * EARTH_RADIUS * h.sqrt().asin()
        })
        .sum()
}

/// Area of a polygon on the sphere in square metres.
fn area(p: &[(f64, f64)]) -> f64 {
    let n = p.len();
    let total: f64 = (0..n)
        .map(|i| {
            let (la1, lo1) = p[i];
            let (la2, lo2) = p[(i + 1) % n];
            (lo2 - lo1).to_radians() * (2.0 + la1.to_radians().sin() + la2.to_radians().sin())
        })
        .sum();
    (total * EARTH_RADIUS * EARTH_RADIUS / 2.0).abs()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]
    use std::collections::HashMap;

    use time::macros::date;

    use super::*;

    /// Answers by name; `items` holds a question's answer in each repeat item.
    struct Vars {
        one: HashMap<&'static str, Value>,
        items: HashMap<&'static str, Vec<Value>>,
        current: Value,
    }

    impl Env for Vars {
        fn lookup(&self, name: &str) -> Value {
            self.one.get(name).cloned().unwrap_or_else(Value::empty)
        }
        fn current(&self) -> Value {
            self.current.clone()
        }
        fn today(&self) -> Date {
            date!(2026 - 11 - 23)
        }
        fn nodes(&self, name: &str) -> Vec<Value> {
            match self.items.get(name) {
                Some(v) => v.clone(),
                None => vec![self.lookup(name)],
            }
        }
        fn indexed(&self, field: &str, items: &[(String, usize)]) -> Value {
            let n = items.last().map_or(0, |(_, n)| *n);
            self.items
                .get(field)
                .and_then(|v| v.get(n - 1))
                .cloned()
                .unwrap_or_else(Value::empty)
        }
        fn position(&self, _repeat: Option<&str>) -> usize {
            2
        }
        fn choice_label(&self, name: &str, value: &str) -> String {
            if name == "sex" && value == "f" {
                "Female".into()
            } else {
                String::new()
            }
        }
        fn now(&self) -> String {
            "2026-11-23T10:30:00.000+00:00".into()
        }
        fn random(&self) -> f64 {
            0.25
        }
        fn pulldata(&self, table: &str, column: &str, key_column: &str, key: &str) -> Value {
            match (table, column, key_column, key) {
                ("fees", "amount", "code", "B") => Value::Str("20".into()),
                _ => Value::empty(),
            }
        }
    }

    fn env(current: &str) -> Vars {
        let s = |t: &str| Value::Str(t.into());
        Vars {
            one: HashMap::from([
                ("name", s("  Awa   Diop ")),
                ("picked", s("health housing work")),
                ("when", s("2026-03-14T06:00:00")),
                ("day", s("2026-03-14")),
                ("sex", s("f")),
                ("point", s("14.0 -17.0 10 5")),
                ("trace", s("14 -17; 15 -17")),
                ("shape", s("0 0; 0 1; 1 1; 1 0; 0 0")),
            ]),
            items: HashMap::from([
                (
                    "age",
                    vec![Value::Num(30.0), Value::Num(4.0), Value::Num(12.0)],
                ),
                ("child", vec![s("Awa"), s(""), s("Moussa")]),
                (
                    "member",
                    vec![Value::empty(), Value::empty(), Value::empty()],
                ),
            ]),
            current: s(current),
        }
    }

    fn run(src: &str) -> Value {
        run_with(src, "")
    }

    fn run_with(src: &str, current: &str) -> Value {
        parse(src)
            .unwrap_or_else(|e| panic!("{src}: {e}"))
            .eval(&env(current))
    }

    fn num(src: &str) -> f64 {
        run(src).to_num()
    }

    fn text(src: &str) -> String {
        run(src).to_text()
    }

    #[test]
    fn maths() {
        assert_eq!(num("pow(2, 10)"), 1024.0);
        assert_eq!(num("abs(-3.5)"), 3.5);
        assert!((num("log(exp(2))") - 2.0).abs() < 1e-12);
        assert_eq!(num("log10(1000)"), 3.0);
        assert_eq!(num("exp10(2)"), 100.0);
        assert_eq!(num("sqrt(16)"), 4.0);
        assert!((num("sin(pi() div 2)") - 1.0).abs() < 1e-12);
        assert!((num("cos(0)") - 1.0).abs() < 1e-12);
        assert!(num("tan(0)").abs() < 1e-12);
        assert!((num("asin(1)") - std::f64::consts::FRAC_PI_2).abs() < 1e-12);
        assert!(num("acos(1)").abs() < 1e-12);
        assert!((num("atan(1)") - std::f64::consts::FRAC_PI_4).abs() < 1e-12);
        assert!((num("atan2(1, 1)") - std::f64::consts::FRAC_PI_4).abs() < 1e-12);
        assert_eq!(num("floor(-2.5)"), -3.0);
        assert_eq!(num("ceiling(2.1)"), 3.0);
        assert_eq!(num("random()"), 0.25);
        assert!(num("sqrt(-1)").is_nan());
    }

    #[test]
    fn text_functions() {
        assert_eq!(text("substr('reintegra', 2, 5)"), "int");
        assert_eq!(text("substr('reintegra', 5)"), "egra");
        assert_eq!(text("substring('reintegra', 1, 2)"), "re");
        assert_eq!(text("substring-before('14:30', ':')"), "14");
        assert_eq!(text("substring-after('14:30', ':')"), "30");
        assert_eq!(text("translate('abc', 'abc', 'AB')"), "AB");
        assert_eq!(text("normalize-space(${name})"), "Awa Diop");
        assert_eq!(
            run_with("normalize-space()", " a  b ").to_text(),
            "a b",
            "of the current answer"
        );
        assert_eq!(text("selected-at(${picked}, 1)"), "housing");
        assert_eq!(text("selected-at(${picked}, 9)"), "");
        assert!(run("ends-with('Diop', 'op')").to_bool());
        assert!(run("boolean-from-string('true')").to_bool());
        assert!(run("boolean-from-string('1')").to_bool());
        assert!(!run("boolean-from-string('yes')").to_bool());
        assert!(!run("boolean('')").to_bool());
        assert_eq!(text("jr:choice-name(${sex}, '${sex}')"), "Female");
        assert_eq!(text("jr:choice-name('f', '/data/sex')"), "Female");
    }

    #[test]
    fn dates_and_times() {
        assert_eq!(run("date(0)"), Value::Date(date!(1970 - 01 - 01)));
        assert_eq!(
            run("date('2026-03-14')"),
            Value::Date(date!(2026 - 03 - 14))
        );
        assert_eq!(run("date(${when})"), Value::Date(date!(2026 - 03 - 14)));
        assert_eq!(num("decimal-time('06:00')"), 0.25);
        let d = num("decimal-date-time(${when})");
        assert_eq!(
            d,
            f64::from(
                date!(2026 - 03 - 14).to_julian_day() - date!(1970 - 01 - 01).to_julian_day()
            ) + 0.25
        );
        assert_eq!(
            text("format-date(${day}, '%d/%m/%Y (%a %e %b %y, %n)')"),
            "14/03/2026 (Sat 14 Mar 26, 3)"
        );
        assert_eq!(
            text("format-date-time(${when}, '%H:%M:%S.%3 %h')"),
            "06:00:00.000 6"
        );
        assert_eq!(text("now()"), "2026-11-23T10:30:00.000+00:00");
        assert_eq!(text("format-date('not a date', '%Y')"), "");
    }

    #[test]
    fn repeats_are_read_as_node_sets() {
        assert_eq!(num("count(${member})"), 3.0);
        assert_eq!(num("count-non-empty(${child})"), 2.0);
        assert_eq!(num("sum(${age})"), 46.0);
        assert_eq!(num("max(${age})"), 30.0);
        assert_eq!(num("min(${age})"), 4.0);
        assert!(num("max(${child})").is_nan(), "text is not a number");
        assert_eq!(text("join(', ', ${child})"), "Awa, , Moussa");
        assert_eq!(text("indexed-repeat(${child}, ${member}, 3)"), "Moussa");
        assert_eq!(
            text("indexed-repeat(${child}, ${member}, 0)"),
            "",
            "items count from 1"
        );
        assert_eq!(num("position(..)"), 2.0);
    }

    #[test]
    fn once_uuid_and_lookups() {
        assert_eq!(run_with("once('new')", "").to_text(), "new");
        assert_eq!(run_with("once('new')", "kept").to_text(), "kept");
        let id = text("uuid()");
        assert_eq!(id.len(), 36);
        assert_ne!(id, text("uuid()"));
        assert_eq!(text("uuid(8)").len(), 8);
        assert_eq!(text("pulldata('fees', 'amount', 'code', 'B')"), "20");
        assert_eq!(text("pulldata('fees', 'amount', 'code', 'Z')"), "");
    }

    #[test]
    fn checklists_and_geometry() {
        assert!(run("checklist(2, 3, true(), true(), false())").to_bool());
        assert!(!run("checklist(3, -1, true(), true(), false())").to_bool());
        assert!(run("checklist(-1, -1, false())").to_bool());
        assert!(run("weighted-checklist(5, -1, true(), 3, true(), 2, false(), 10)").to_bool());
        assert!(!run("weighted-checklist(6, -1, true(), 3, true(), 2, false(), 10)").to_bool());
        // One degree of latitude on ODK's sphere.
        let degree = 6_378_100.0 * std::f64::consts::PI / 180.0;
        assert!((num("distance(${trace})") - degree).abs() < 1e-6);
        assert!((num("distance(${point}, '15 -17')") - degree).abs() < 1e-6);
        let square = num("area(${shape})");
        assert!(
            (square - degree * degree).abs() / (degree * degree) < 0.01,
            "{square}"
        );
        assert!(num("area('1 2')").is_nan());
    }

    #[test]
    fn paths_name_a_question_by_its_place() {
        let e = parse("../age + current()/../age + /data/group/age").unwrap();
        assert_eq!(e.to_string(), "((../age + ../age) + /data/group/age)");
        assert!(parse("count(instance('x')/root/item[a = 1])").is_err());
        assert!(
            parse("pulldata('fees', 'amount')")
                .unwrap_err()
                .message
                .contains("takes 4")
        );
    }
}
