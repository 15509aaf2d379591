//! A form checked and ready to run: expressions parsed, references resolved, groups and repeats
//! nested, calculations ordered. Built once per form version.

use std::collections::{BTreeSet, HashMap};

use crate::expr::{self, Expr};
use crate::model::*;

/// The parsed expressions and place in the structure of one survey row.
#[derive(Debug)]
pub struct Node {
    pub relevant: Option<Expr>,
    pub constraint: Option<Expr>,
    pub calculation: Option<Expr>,
    pub choice_filter: Option<Expr>,
    /// `required` as an expression (a plain yes is [`Question::required`]).
    pub required: Option<Expr>,
    /// How many items a repeat has, when the form says.
    pub repeat_count: Option<Expr>,
    /// The `begin_repeat` rows this row sits in, outermost first (indexes into questions).
    pub repeats: Vec<usize>,
    /// The calculation depends on no answer (`uuid()`, `now()`, a constant): computed once.
    pub settled_once: bool,
    /// The questions whose answer sets off the calculation (`trigger`).
    pub triggers: Vec<String>,
}

/// The form's structure, for rendering and evaluation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Item {
    /// A question, note, calculation or metadata row.
    Field(usize),
    Group(usize, Vec<Item>),
    Repeat(usize, Vec<Item>),
}

#[derive(Debug)]
pub struct Compiled {
    pub form: Form,
    pub nodes: Vec<Node>,
    pub items: Vec<Item>,
    /// Where each row's answer is kept: its name, or `group:name` when another row of the
    /// same repeat item (or of the form) has the same name in another group.
    keys: Vec<String>,
    by_key: HashMap<String, usize>,
    /// Rows by name; more than one when the name is used in several groups.
    by_name: HashMap<String, Vec<usize>>,
    /// Choices of `select_*_from_file` questions, by row, once their files are attached.
    pub file_choices: HashMap<usize, Vec<Choice>>,
    /// `pulldata()` tables by name (the CSV's name without `.csv`).
    pub tables: HashMap<String, crate::external::Table>,
}

const SHEET: &str = "survey";

/// A name every form has: the instance id a client or the server gives each submission.
pub const INSTANCE_ID: &str = "instanceID";

impl Compiled {
    /// Checks everything the spreadsheet cannot: expressions, references, structure, lists and
    /// cycles. Every problem names its row and column.
    pub fn new(form: Form) -> Result<Self, Vec<Problem>> {
        let mut problems = Vec::new();
        let mut by_name: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, q) in form.questions.iter().enumerate() {
            if !matches!(q.kind, Kind::EndGroup | Kind::EndRepeat) {
                by_name.entry(q.name.clone()).or_default().push(i);
            }
        }

        // Structure: every begin has its end, of the same kind.
        let mut stack: Vec<usize> = Vec::new();
        let mut enclosing: Vec<Vec<usize>> = Vec::with_capacity(form.questions.len());
        for (i, q) in form.questions.iter().enumerate() {
            enclosing.push(stack.clone());
            match q.kind {
                Kind::BeginGroup | Kind::BeginRepeat => stack.push(i),
                Kind::EndGroup | Kind::EndRepeat => {
                    let wanted = if q.kind == Kind::EndGroup {
                        Kind::BeginGroup
                    } else {
                        Kind::BeginRepeat
                    };
                    match stack.pop() {
                        Some(b) if form.questions[b].kind == wanted => {}
                        Some(b) => problems.push(Problem::at(
                            SHEET,
                            q.row,
                            "type",
                            format!(
                                "{} closes '{}' (row {}), which is a {}",
                                q.kind.type_cell(),
                                form.questions[b].name,
                                form.questions[b].row,
                                form.questions[b].kind.type_cell()
                            ),
                        )),
                        None => problems.push(Problem::at(
                            SHEET,
                            q.row,
                            "type",
                            format!("{} has no matching begin row above it", q.kind.type_cell()),
                        )),
                    }
                }
                _ => {}
            }
        }
        for &b in &stack {
            let q = &form.questions[b];
            problems.push(Problem::at(
                SHEET,
                q.row,
                "type",
                format!(
                    "'{}' is never closed: add an {} row",
                    q.name,
                    match q.kind {
                        Kind::BeginRepeat => "end_repeat",
                        _ => "end_group",
                    }
                ),
            ));
        }
        let repeats_of: Vec<Vec<usize>> = enclosing
            .iter()
            .map(|around| {
                around
                    .iter()
                    .copied()
                    .filter(|&b| form.questions[b].kind == Kind::BeginRepeat)
                    .collect()
            })
            .collect();
        let keys = answer_keys(&form, &enclosing);
        let by_key: HashMap<String, usize> = keys
            .iter()
            .enumerate()
            .filter(|(i, _)| !matches!(form.questions[*i].kind, Kind::EndGroup | Kind::EndRepeat))
            .map(|(i, k)| (k.clone(), i))
            .collect();
        let places = Places {
            form: &form,
            parent: enclosing.iter().map(|e| e.last().copied()).collect(),
            keys: &keys,
        };

        let resolver = Resolver {
            form: &form,
            by_name: &by_name,
            by_key: &by_key,
        };
        let mut nodes = Vec::with_capacity(form.questions.len());
        for (i, q) in form.questions.iter().enumerate() {
            if let Some(list) = q.kind.list()
                && form.list(list).is_none()
            {
                problems.push(Problem::at(
                    SHEET,
                    q.row,
                    "type",
                    format!("the choice list '{list}' does not exist on the choices sheet"),
                ));
            }
            let mut parse = |col: &str, src: &Option<String>, filter: bool| -> Option<Expr> {
                let src = src.as_deref()?;
                let parsed = if filter {
                    expr::parse_filter(src)
                } else {
                    expr::parse(src)
                };
                match parsed {
                    Ok(mut e) => {
                        for why in e.resolve_paths(&mut |p| places.resolve(p, i)) {
                            problems.push(Problem::at(SHEET, q.row, col, why));
                        }
                        for r in e.references() {
                            resolver.check(r, SHEET, q.row, col, &mut problems);
                        }
                        Some(e)
                    }
                    Err(e) => {
                        let hint = if col == "required" {
                            " (write yes, no, or an expression)"
                        } else {
                            ""
                        };
                        problems.push(Problem::at(
                            SHEET,
                            q.row,
                            col,
                            format!("cannot read '{src}'{hint}: {e}"),
                        ));
                        None
                    }
                }
            };
            let relevant = parse("relevant", &q.relevant, false);
            let constraint = parse("constraint", &q.constraint, false);
            let calculation = parse("calculation", &q.calculation, false);
            let choice_filter = parse("choice_filter", &q.choice_filter, true);
            let required = parse("required", &q.required_when, false);
            let repeat_count = parse("repeat_count", &q.repeat_count, false);
            if let Some(d) = &q.default
                && d.contains("${")
            {
                parse("default", &Some(d.clone()), false);
            }
            if let Some(trigger) = &q.trigger {
                let refs = text_references(trigger);
                if refs.is_empty() {
                    problems.push(Problem::at(
                        SHEET,
                        q.row,
                        "trigger",
                        format!("'{trigger}' should name a question, as in ${{age}}"),
                    ));
                }
                for r in refs {
                    resolver.check(&r, SHEET, q.row, "trigger", &mut problems);
                }
            }
            // References inside texts are checked like those in expressions.
            for (col, text) in [
                ("label", &q.label),
                ("hint", &q.hint),
                ("constraint_message", &q.constraint_message),
                ("required_message", &q.required_message),
            ] {
                for r in text.values().flat_map(|t| text_references(t)) {
                    // A group shown in a text shows its answers' text, as in XPath.
                    if by_name.get(&r).is_some_and(|rows| {
                        rows.len() == 1 && form.questions[rows[0]].kind == Kind::BeginGroup
                    }) {
                        continue;
                    }
                    resolver.check(&r, SHEET, q.row, col, &mut problems);
                }
            }
            if let (Some(f), Some(list)) =
                (&choice_filter, q.kind.list().and_then(|l| form.list(l)))
            {
                for col in f.columns() {
                    // `label::English (en)` and other dotted or prefixed columns are named
                    // as written.
                    let known = col == "name"
                        || col == "label"
                        || col.starts_with("label:")
                        || list.choices.iter().any(|c| c.extra.contains_key(col));
                    if !known {
                        problems.push(Problem::at(
                            SHEET,
                            q.row,
                            "choice_filter",
                            format!("the choice list '{}' has no column '{col}'", list.name),
                        ));
                    }
                }
            }
            if q.choice_filter.is_some()
                && q.kind.list().is_none()
                && q.kind.choices_file().is_none()
            {
                problems.push(Problem::at(
                    SHEET,
                    q.row,
                    "choice_filter",
                    "only select questions can filter their choices",
                ));
            }
            let settled_once = calculation
                .as_ref()
                .is_some_and(|c| c.references().is_empty() && !c.uses_current());
            nodes.push(Node {
                relevant,
                constraint,
                calculation,
                choice_filter,
                required,
                repeat_count,
                repeats: repeats_of[i].clone(),
                settled_once,
                triggers: q
                    .trigger
                    .as_deref()
                    .map(text_references)
                    .unwrap_or_default(),
            });
        }
        for list in &form.choices {
            for c in &list.choices {
                for r in c.label.values().flat_map(|t| text_references(t)) {
                    resolver.check(&r, "choices", c.row, "label", &mut problems);
                }
            }
        }
        if let Some(name) = form.settings.extra.get("instance_name") {
            // A bare word is an XPath child path there, empty on every form (pyxform keeps
            // it as written): parsed as such rather than refused.
            match expr::parse_filter(name) {
                Ok(e) => {
                    for r in e.references() {
                        resolver.check(r, "settings", 2, "instance_name", &mut problems);
                    }
                }
                Err(e) => problems.push(Problem::at(
                    "settings",
                    2,
                    "instance_name",
                    format!("cannot read '{name}': {e}"),
                )),
            }
        }
        if problems.is_empty() {
            problems.extend(cycles(&form, &nodes, &by_name));
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        let items = nest(&form, &mut 0);
        Ok(Compiled {
            form,
            nodes,
            items,
            keys,
            by_key,
            by_name,
            file_choices: HashMap::new(),
            tables: HashMap::new(),
        })
    }

    /// Reads the files attached to the form version (by file name): the choices of
    /// `select_*_from_file` questions and the `pulldata()` tables. Returns what is wrong with
    /// a file, by file name; a file the form does not name is ignored.
    pub fn attach_files(
        &mut self,
        files: &std::collections::BTreeMap<String, Vec<u8>>,
    ) -> Vec<(String, String)> {
        let mut problems = Vec::new();
        for (i, q) in self.form.questions.iter().enumerate() {
            let Some(file) = q.kind.choices_file() else {
                continue;
            };
            let Some(bytes) = files.get(file) else {
                continue;
            };
            let (value, label) = q.file_choice_columns();
            match crate::external::read_choices(file, bytes, value, label) {
                Ok(choices) => {
                    self.file_choices.insert(i, choices);
                }
                Err(e) => problems.push((file.to_string(), e)),
            }
        }
        for (name, used) in crate::external::files_used(&self.form) {
            if used != crate::external::FileUse::Data
                || !name.to_ascii_lowercase().ends_with(".csv")
            {
                continue;
            }
            let Some(bytes) = files.get(&name) else {
                continue;
            };
            match crate::external::read_table(bytes) {
                Ok(t) => {
                    let stem = name[..name.len() - 4].to_string();
                    self.tables.insert(stem, t);
                }
                Err(e) => {
                    if !problems.iter().any(|(f, _)| *f == name) {
                        problems.push((name.clone(), e));
                    }
                }
            }
        }
        problems
    }

    /// The row whose answer is kept under `key` (its name, unless the name is used twice).
    pub fn index(&self, key: &str) -> Option<usize> {
        self.by_key.get(key).copied()
    }

    /// The row `${name}` refers to (names used in several groups were refused at import).
    pub fn named(&self, name: &str) -> Option<usize> {
        match self.by_name.get(name).map(Vec::as_slice) {
            Some([one]) => Some(*one),
            _ => None,
        }
    }

    /// The row an expression's reference names: `${name}`, or the answer key a path was
    /// resolved to.
    pub fn target(&self, reference: &str) -> Option<usize> {
        self.named(reference).or_else(|| self.index(reference))
    }

    /// Where the answer of row `i` is kept in its repeat item.
    pub fn key(&self, i: usize) -> &str {
        &self.keys[i]
    }

    pub fn question(&self, i: usize) -> &Question {
        &self.form.questions[i]
    }
}

/// Answer keys: a row's name, or, when another row of the form has the same name (in another
/// group or repeat), every group and repeat around it and its name joined by ':'
/// (`mother:age`, `household:members:age`). Keys are unique in the whole form.
fn answer_keys(form: &Form, enclosing: &[Vec<usize>]) -> Vec<String> {
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for q in &form.questions {
        if !matches!(q.kind, Kind::EndGroup | Kind::EndRepeat) {
            *seen.entry(&q.name).or_default() += 1;
        }
    }
    form.questions
        .iter()
        .enumerate()
        .map(|(i, q)| {
            if seen.get(q.name.as_str()).copied().unwrap_or(0) <= 1 {
                return q.name.clone();
            }
            enclosing[i]
                .iter()
                .map(|&g| form.questions[g].name.as_str())
                .chain(std::iter::once(q.name.as_str()))
                .collect::<Vec<_>>()
                .join(":")
        })
        .collect()
}

/// Where rows sit, for resolving paths (`../name`, `/data/group/name`).
struct Places<'a> {
    form: &'a Form,
    /// The group or repeat each row sits in.
    parent: Vec<Option<usize>>,
    keys: &'a [String],
}

impl Places<'_> {
    fn child(&self, of: Option<usize>, name: &str) -> Option<usize> {
        (0..self.form.questions.len()).find(|&i| {
            self.parent[i] == of
                && self.form.questions[i].name == name
                && !matches!(
                    self.form.questions[i].kind,
                    Kind::EndGroup | Kind::EndRepeat
                )
        })
    }

    /// The answer key of the row `path` leads to from row `from`.
    fn resolve(&self, path: &str, from: usize) -> Result<String, String> {
        let fail = || format!("the path '{path}' leads to no question of this form");
        let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        // `None` is the form itself; `Some(Some(i))` a row; the context starts at the row.
        let (mut at, rest): (Option<usize>, &[&str]) = if path.starts_with('/') {
            (None, segments.get(1..).unwrap_or(&[]))
        } else {
            (Some(from), &segments[..])
        };
        for seg in rest {
            at = match *seg {
                "." => at,
                ".." => match at {
                    Some(r) => self.parent[r],
                    None => return Err(fail()),
                },
                name => Some(self.child(at, name).ok_or_else(fail)?),
            };
        }
        match at {
            Some(r) => Ok(self.keys[r].clone()),
            None => Err(fail()),
        }
    }
}

/// Checks `${name}` references against the form.
struct Resolver<'a> {
    form: &'a Form,
    by_name: &'a HashMap<String, Vec<usize>>,
    by_key: &'a HashMap<String, usize>,
}

impl Resolver<'_> {
    fn check(&self, r: &str, sheet: &str, row: usize, col: &str, problems: &mut Vec<Problem>) {
        let q = &self.form.questions;
        // A path resolved to a row whose name is used in several groups.
        if r.contains(':') && self.by_key.contains_key(r) {
            return;
        }
        match self.by_name.get(r).map(Vec::as_slice) {
            None | Some([]) if r == INSTANCE_ID => {}
            None | Some([]) => problems.push(Problem::at(
                sheet,
                row,
                col,
                format!("${{{r}}} names no question of this form"),
            )),
            Some([t]) if q[*t].kind == Kind::BeginGroup => problems.push(Problem::at(
                sheet,
                row,
                col,
                format!("${{{r}}} is a group and has no answer to use"),
            )),
            Some([_]) => {}
            Some(several) => {
                let rows: Vec<String> = several.iter().map(|&t| q[t].row.to_string()).collect();
                problems.push(Problem::at(
                    sheet,
                    row,
                    col,
                    format!(
                        "${{{r}}} is ambiguous: rows {} are all named '{r}'; rename all but one",
                        rows.join(" and ")
                    ),
                ));
            }
        }
    }
}

/// The `${name}` references inside a label, hint or message.
pub fn text_references(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        let after = &rest[start + 2..];
        match after.find('}') {
            Some(end) => {
                let name = after[..end].trim();
                if !name.is_empty() {
                    out.push(name.to_string());
                }
                rest = &after[end + 1..];
            }
            None => break,
        }
    }
    out
}

fn nest(form: &Form, pos: &mut usize) -> Vec<Item> {
    let mut out = Vec::new();
    while *pos < form.questions.len() {
        let i = *pos;
        *pos += 1;
        match form.questions[i].kind {
            Kind::BeginGroup => out.push(Item::Group(i, nest(form, pos))),
            Kind::BeginRepeat => out.push(Item::Repeat(i, nest(form, pos))),
            Kind::EndGroup | Kind::EndRepeat => return out,
            _ => out.push(Item::Field(i)),
        }
    }
    out
}

/// A calculation or relevance condition that depends, through others, on itself can never be
/// settled. Finds each such cycle once.
fn cycles(form: &Form, nodes: &[Node], by_name: &HashMap<String, Vec<usize>>) -> Vec<Problem> {
    let deps: Vec<Vec<usize>> = nodes
        .iter()
        .map(|n| {
            let mut d: Vec<usize> = [&n.relevant, &n.calculation]
                .into_iter()
                .flatten()
                .flat_map(|e| e.references())
                .filter_map(|r| by_name.get(r).and_then(|v| v.first()).copied())
                .collect();
            d.sort_unstable();
            d.dedup();
            d
        })
        .collect();
    // 0 = unvisited, 1 = on the current path, 2 = done.
    let mut state = vec![0u8; nodes.len()];
    let mut problems = Vec::new();
    let mut reported: BTreeSet<usize> = BTreeSet::new();
    fn visit(
        i: usize,
        deps: &[Vec<usize>],
        state: &mut [u8],
        path: &mut Vec<usize>,
        found: &mut Vec<Vec<usize>>,
    ) {
        state[i] = 1;
        path.push(i);
        for &d in &deps[i] {
            if state[d] == 1 {
                if let Some(start) = path.iter().position(|&p| p == d) {
                    found.push(path[start..].to_vec());
                }
            } else if state[d] == 0 {
                visit(d, deps, state, path, found);
            }
        }
        path.pop();
        state[i] = 2;
    }
    let mut found = Vec::new();
    for i in 0..nodes.len() {
        if state[i] == 0 {
            visit(i, &deps, &mut state, &mut Vec::new(), &mut found);
        }
    }
    for cycle in found {
        let first = cycle[0];
        if !reported.insert(first) {
            continue;
        }
        let q = &form.questions[first];
        let names: Vec<String> = cycle
            .iter()
            .chain(std::iter::once(&first))
            .map(|&i| format!("${{{}}}", form.questions[i].name))
            .collect();
        let column = if q.calculation.is_some() {
            "calculation"
        } else {
            "relevant"
        };
        problems.push(Problem::at(
            SHEET,
            q.row,
            column,
            format!(
                "these depend on each other in a circle: {}",
                names.join(" → ")
            ),
        ));
    }
    problems
}
