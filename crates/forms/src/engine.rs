//! Filling a form: answers, relevance, calculations and validation. The server runs this on every
//! change and on submission; there is no second copy of the rules in the browser.

use std::collections::{BTreeMap, HashSet};

use serde::{Deserialize, Serialize};
use time::Date;

use crate::compiled::{Compiled, INSTANCE_ID, Item};
use crate::expr::{Env, Evaluate, Expr, Value};
use crate::model::{Kind, pick};

/// Answers, as stored: text values by question name, and repeats as lists of instances.
/// A select_multiple answer is its choice names separated by spaces, as in XLSForm.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Answers(pub BTreeMap<String, Answer>);

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Answer {
    Text(String),
    Repeat(Vec<Answers>),
}

impl Answers {
    pub fn text(&self, name: &str) -> &str {
        match self.0.get(name) {
            Some(Answer::Text(t)) => t,
            _ => "",
        }
    }

    pub fn instances(&self, name: &str) -> &[Answers] {
        match self.0.get(name) {
            Some(Answer::Repeat(v)) => v,
            _ => &[],
        }
    }

    pub fn set(&mut self, name: &str, value: String) {
        self.0.insert(name.to_string(), Answer::Text(value));
    }

    fn at_mut(&mut self, path: &[(usize, usize)], names: &[&str]) -> Option<&mut Answers> {
        let mut cur = self;
        for ((_, idx), name) in path.iter().zip(names) {
            cur = match cur.0.get_mut(*name) {
                Some(Answer::Repeat(v)) => v.get_mut(*idx)?,
                _ => return None,
            };
        }
        Some(cur)
    }
}

/// Where a field sits: its row index and, for each repeat around it, (repeat row, instance).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Position {
    pub repeats: Vec<(usize, usize)>,
}

/// A field's address in form posts and error lists: `name`, or `household/1/age` inside a
/// repeat.
pub fn path_of(c: &Compiled, pos: &Position, field: usize) -> String {
    let mut parts: Vec<String> = Vec::new();
    for (r, i) in &pos.repeats {
        parts.push(c.key(*r).to_string());
        parts.push(i.to_string());
    }
    parts.push(c.key(field).to_string());
    parts.join("/")
}

/// The state of a form being filled: the answers after relevance and calculations, and which
/// fields are shown.
#[derive(Clone, Debug)]
pub struct Filled {
    pub answers: Answers,
    /// Paths of the fields, groups and repeats that are relevant.
    pub shown: HashSet<String>,
}

/// Passes of relevance and calculation before giving up on settling; cycles are refused at
/// import, so a form settles in at most as many passes as it has levels of dependency.
const MAX_PASSES: usize = 16;

/// Items all counted repeats of a form may make together: a typo (or nested counts) must not
/// make a form of a million items. What passes it is cut.
pub const MAX_COUNTED_ITEMS: usize = 1_000;

struct Ctx<'a> {
    c: &'a Compiled,
    answers: &'a Answers,
    pos: &'a Position,
    current: Value,
    today: Date,
    choice: Option<&'a crate::model::Choice>,
    /// The language labels are read in (`jr:choice-name`).
    language: &'a str,
}

impl Env for Ctx<'_> {
    fn lookup(&self, name: &str) -> Value {
        // A name, or the answer key a path was resolved to (`mother:status`).
        match self.c.target(name) {
            Some(target) => typed(
                &self.c.question(target).kind,
                &self.c.value_at(self.answers, self.pos, target),
            ),
            None if name == INSTANCE_ID => Value::Str(self.answers.text(INSTANCE_ID).into()),
            None => Value::empty(),
        }
    }

    fn current(&self) -> Value {
        self.current.clone()
    }

    fn today(&self) -> Date {
        self.today
    }

    fn column(&self, name: &str) -> Value {
        let Some(choice) = self.choice else {
            return Value::empty();
        };
        Value::Str(match name {
            "name" => choice.name.clone(),
            "label" => choice.label.values().next().cloned().unwrap_or_default(),
            other => match other.strip_prefix("label:") {
                Some(lang) => {
                    let lang = lang.trim_start_matches(':').trim();
                    choice.label.get(lang).cloned().unwrap_or_default()
                }
                None => choice.extra.get(other).cloned().unwrap_or_default(),
            },
        })
    }

    fn nodes(&self, name: &str) -> Vec<Value> {
        let Some(target) = self.c.target(name) else {
            return vec![self.lookup(name)];
        };
        let kind = &self.c.question(target).kind;
        let mut out = Vec::new();
        self.c
            .collect_nodes(self.answers, self.pos, target, 0, &mut |scope| {
                if *kind == Kind::BeginRepeat {
                    out.extend(
                        scope
                            .instances(self.c.key(target))
                            .iter()
                            .map(|_| Value::empty()),
                    );
                } else {
                    out.push(typed(kind, scope.text(self.c.key(target))));
                }
            });
        out
    }

    fn indexed(&self, field: &str, items: &[(String, usize)]) -> Value {
        let Some(target) = self.c.target(field) else {
            return Value::empty();
        };
        let mut pos = self.pos.clone();
        for (repeat, n) in items {
            let Some(r) = self.c.target(repeat) else {
                return Value::empty();
            };
            pos.repeats.retain(|(pr, _)| *pr != r);
            pos.repeats.push((r, n.saturating_sub(1)));
        }
        // Outer repeats first, as `value_at` walks them.
        let order = &self.c.nodes[target].repeats;
        pos.repeats
            .sort_by_key(|(r, _)| order.iter().position(|o| o == r).unwrap_or(usize::MAX));
        let kind = &self.c.question(target).kind;
        typed(kind, &self.c.value_at(self.answers, &pos, target))
    }

    fn position(&self, repeat: Option<&str>) -> usize {
        let wanted = repeat.and_then(|r| self.c.target(r));
        let found = match wanted {
            Some(r) => self.pos.repeats.iter().find(|(pr, _)| *pr == r),
            None => self.pos.repeats.last(),
        };
        found.map_or(0, |(_, i)| i + 1)
    }

    fn choice_label(&self, name: &str, value: &str) -> String {
        let Some(list) = self
            .c
            .named(name)
            .and_then(|q| self.c.question(q).kind.list())
            .and_then(|l| self.c.form.list(l))
        else {
            return String::new();
        };
        list.choices
            .iter()
            .find(|c| c.name == value)
            .map(|c| {
                pick(
                    &c.label,
                    self.language,
                    self.c.form.settings.default_language.as_deref(),
                )
                .to_string()
            })
            .unwrap_or_default()
    }

    fn now(&self) -> String {
        let now = time::OffsetDateTime::now_utc();
        format!(
            "{}T{:02}:{:02}:{:02}.{:03}+00:00",
            now.date(),
            now.hour(),
            now.minute(),
            now.second(),
            now.millisecond()
        )
    }

    fn random(&self) -> f64 {
        rand::random::<f64>()
    }

    fn pulldata(&self, table: &str, column: &str, key_column: &str, key: &str) -> Value {
        self.c
            .tables
            .get(table)
            .and_then(|t| t.lookup(column, key_column, key))
            .map_or_else(Value::empty, |v| Value::Str(v.to_string()))
    }
}

pub(crate) fn typed(kind: &Kind, text: &str) -> Value {
    match kind {
        Kind::Integer | Kind::Decimal if !text.trim().is_empty() => {
            match text.trim().parse::<f64>() {
                Ok(n) => Value::Num(n),
                Err(_) => Value::Str(text.to_string()),
            }
        }
        _ => Value::Str(text.to_string()),
    }
}

impl Compiled {
    pub(crate) fn eval(
        &self,
        e: &Expr,
        answers: &Answers,
        pos: &Position,
        current: Value,
        today: Date,
    ) -> Value {
        e.eval(&Ctx {
            c: self,
            answers,
            pos,
            current,
            today,
            choice: None,
            language: "",
        })
    }

    /// The answer to `${name}` as seen from `pos`: from the same repeat item when the question
    /// is in a repeat around `pos`, otherwise from the first item. Empty when unanswered.
    pub fn text_of(&self, answers: &Answers, pos: &Position, name: &str) -> String {
        match self.named(name) {
            Some(target) => self.value_at(answers, pos, target),
            None => String::new(),
        }
    }

    /// The answer of row `target` as seen from `pos` (see [`Compiled::text_of`]).
    pub fn value_at(&self, answers: &Answers, pos: &Position, target: usize) -> String {
        let mut cur = answers;
        for &r in &self.nodes[target].repeats {
            let idx = pos
                .repeats
                .iter()
                .find(|(pr, _)| *pr == r)
                .map(|(_, i)| *i)
                .unwrap_or(0);
            match cur.instances(self.key(r)).get(idx) {
                Some(a) => cur = a,
                None => return String::new(),
            }
        }
        cur.text(self.key(target)).to_string()
    }

    /// Calls `visit` with every repeat item (or the top level) holding `target`'s answer
    /// reachable from `pos`: repeats around `pos` stay on their current item, others give all
    /// their items.
    fn collect_nodes<'a>(
        &self,
        answers: &'a Answers,
        pos: &Position,
        target: usize,
        depth: usize,
        visit: &mut dyn FnMut(&'a Answers),
    ) {
        let repeats = &self.nodes[target].repeats;
        // A repeat itself is counted from the scope around it.
        let Some(&r) = repeats.get(depth) else {
            visit(answers);
            return;
        };
        let items = answers.instances(self.key(r));
        match pos.repeats.iter().find(|(pr, _)| *pr == r) {
            Some((_, i)) => {
                if let Some(item) = items.get(*i) {
                    self.collect_nodes(item, pos, target, depth + 1, visit);
                }
            }
            None => {
                for item in items {
                    self.collect_nodes(item, pos, target, depth + 1, visit);
                }
            }
        }
    }

    /// Records when filling ended in the form's `end` questions, unless a client already did.
    pub fn stamp_end(&self, answers: &mut Answers, at: &str) {
        for (i, q) in self.form.questions.iter().enumerate() {
            // A field client stamps its own end; the server stamps what pages complete.
            if q.kind == Kind::End
                && self.nodes[i].repeats.is_empty()
                && answers.text(self.key(i)).is_empty()
            {
                answers.set(self.key(i), at.to_string());
            }
        }
    }

    /// Fresh answers: defaults filled in and the day recorded.
    pub fn blank(&self, today: Date) -> Answers {
        let mut a = Answers::default();
        for (i, q) in self.form.questions.iter().enumerate() {
            if !self.nodes[i].repeats.is_empty() {
                continue;
            }
            if let Some(d) = &q.default {
                a.set(self.key(i), default_value(d, today));
            }
            if q.kind == Kind::Today {
                a.set(self.key(i), today.to_string());
            }
        }
        a
    }

    /// A new instance of a repeat, with its defaults.
    pub fn blank_instance(&self, repeat: usize, today: Date) -> Answers {
        let mut a = Answers::default();
        for (i, q) in self.form.questions.iter().enumerate() {
            if self.nodes[i].repeats.last() == Some(&repeat)
                && let Some(d) = &q.default
            {
                a.set(self.key(i), default_value(d, today));
            }
        }
        a
    }

    /// Applies relevance and calculations until they settle: answers to questions that are not
    /// relevant are dropped, calculations are filled in.
    pub fn fill(&self, answers: &Answers, today: Date) -> Filled {
        let mut work = answers.clone();
        let mut shown = HashSet::new();
        for _ in 0..MAX_PASSES {
            let before = work.clone();
            shown.clear();
            // Each pass starts again from what was typed: a question judged hidden on an early
            // pass (before the calculations it depends on were filled in) keeps its answer once
            // a later pass shows it.
            let mut out = answers.clone();
            let mut budget = MAX_COUNTED_ITEMS;
            self.pass(
                &self.items,
                &work,
                &mut out,
                &Position::default(),
                (true, today),
                &mut shown,
                &mut budget,
            );
            work = out;
            if work == before {
                break;
            }
        }
        Filled {
            answers: work,
            shown,
        }
    }

    /// One pass of relevance and calculations over `items`; `budget` is what counted repeats
    /// may still make.
    #[allow(clippy::too_many_arguments)]
    fn pass(
        &self,
        items: &[Item],
        read: &Answers,
        write: &mut Answers,
        pos: &Position,
        (parent_shown, today): (bool, Date),
        shown: &mut HashSet<String>,
        budget: &mut usize,
    ) {
        for item in items {
            let (Item::Field(idx) | Item::Group(idx, _) | Item::Repeat(idx, _)) = item;
            let idx = *idx;
            let node = &self.nodes[idx];
            let relevant = parent_shown
                && node
                    .relevant
                    .as_ref()
                    .is_none_or(|e| self.eval(e, read, pos, Value::empty(), today).to_bool());
            let path = path_of(self, pos, idx);
            if relevant {
                shown.insert(path.clone());
            }
            let names: Vec<&str> = pos.repeats.iter().map(|(r, _)| self.key(*r)).collect();
            let key = self.key(idx);
            match item {
                Item::Field(_) => {
                    let Some(target) = write.at_mut(&pos.repeats, &names) else {
                        continue;
                    };
                    if !relevant {
                        target.0.remove(key);
                    } else if let Some(calc) = &node.calculation {
                        let before = self.answers_at(read, pos).text(key).to_string();
                        // A triggered calculation waits for its trigger's answer, then keeps
                        // the value it got then (the server cannot tell a later change).
                        if !node.triggers.is_empty() {
                            let set_off = node.triggers.iter().any(|t| {
                                !self
                                    .eval(&Expr::Ref(t.clone()), read, pos, Value::empty(), today)
                                    .is_empty()
                            });
                            if !set_off {
                                target.0.remove(key);
                                continue;
                            }
                        }
                        // A calculation that reads no answer (uuid(), now()) keeps its first
                        // value, as a field client computes it once; so does a triggered one.
                        if (node.settled_once || !node.triggers.is_empty()) && !before.is_empty() {
                            target.set(key, before);
                            continue;
                        }
                        let v = self
                            .eval(calc, read, pos, Value::Str(before), today)
                            .to_text();
                        target.set(key, if v == "NaN" { String::new() } else { v });
                    }
                }
                Item::Group(_, ch) => {
                    self.pass(ch, read, write, pos, (relevant, today), shown, budget)
                }
                Item::Repeat(_, ch) => {
                    if !relevant {
                        if let Some(target) = write.at_mut(&pos.repeats, &names) {
                            target.0.remove(key);
                        }
                        continue;
                    }
                    if let Some(count) = &node.repeat_count {
                        let n = self.eval(count, read, pos, Value::empty(), today).to_num();
                        let n = if n.is_finite() && n > 0.0 {
                            (n as usize).min(*budget)
                        } else {
                            0
                        };
                        *budget -= n;
                        if let Some(target) = write.at_mut(&pos.repeats, &names) {
                            let mut items = target.instances(key).to_vec();
                            items.resize_with(n, || self.blank_instance(idx, today));
                            target.0.insert(key.to_string(), Answer::Repeat(items));
                        }
                        for i in 0..n {
                            let mut inner = pos.clone();
                            inner.repeats.push((idx, i));
                            self.pass(ch, read, write, &inner, (true, today), shown, budget);
                        }
                        continue;
                    }
                    let count = self.answers_at(read, pos).instances(key).len();
                    for n in 0..count {
                        let mut inner = pos.clone();
                        inner.repeats.push((idx, n));
                        self.pass(ch, read, write, &inner, (true, today), shown, budget);
                    }
                }
            }
        }
    }

    /// The choices a select offers at this position, after its choice filter.
    pub fn choices_for(
        &self,
        field: usize,
        answers: &Answers,
        pos: &Position,
        today: Date,
    ) -> Vec<&crate::model::Choice> {
        let q = self.question(field);
        let choices: &[crate::model::Choice] = match q.kind.list().and_then(|l| self.form.list(l)) {
            Some(list) => &list.choices,
            None => match self.file_choices.get(&field) {
                Some(from_file) => from_file,
                None => return Vec::new(),
            },
        };
        match &self.nodes[field].choice_filter {
            None => choices.iter().collect(),
            Some(f) => choices
                .iter()
                .filter(|c| {
                    f.eval(&Ctx {
                        c: self,
                        answers,
                        pos,
                        current: Value::empty(),
                        today,
                        choice: Some(c),
                        language: "",
                    })
                    .to_bool()
                })
                .collect(),
        }
    }

    /// The answers of the repeat item at `pos` (the top level when `pos` has no repeats).
    pub fn answers_at<'a>(&self, answers: &'a Answers, pos: &Position) -> &'a Answers {
        let mut cur = answers;
        for (r, i) in &pos.repeats {
            match cur.instances(self.key(*r)).get(*i) {
                Some(a) => cur = a,
                None => return cur,
            }
        }
        cur
    }
}

/// A default is literal text, except `today()`.
fn default_value(d: &str, today: Date) -> String {
    if d.trim() == "today()" {
        today.to_string()
    } else {
        d.to_string()
    }
}
