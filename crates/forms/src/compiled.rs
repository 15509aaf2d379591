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
    /// The `begin_repeat` rows this row sits in, outermost first (indexes into questions).
    pub repeats: Vec<usize>,
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
    by_name: HashMap<String, usize>,
}

const SHEET: &str = "survey";

impl Compiled {
    /// Checks everything the spreadsheet cannot: expressions, references, structure, lists and
    /// cycles. Every problem names its row and column.
    pub fn new(form: Form) -> Result<Self, Vec<Problem>> {
        let mut problems = Vec::new();
        let by_name: HashMap<String, usize> = form
            .questions
            .iter()
            .enumerate()
            .filter(|(_, q)| !matches!(q.kind, Kind::EndGroup | Kind::EndRepeat))
            .map(|(i, q)| (q.name.clone(), i))
            .collect();

        // Structure: every begin has its end, of the same kind.
        let mut stack: Vec<usize> = Vec::new();
        let mut repeats_of: Vec<Vec<usize>> = Vec::with_capacity(form.questions.len());
        for (i, q) in form.questions.iter().enumerate() {
            let repeats: Vec<usize> = stack
                .iter()
                .copied()
                .filter(|&b| form.questions[b].kind == Kind::BeginRepeat)
                .collect();
            repeats_of.push(repeats);
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
        for b in stack {
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
                    Ok(e) => {
                        for r in e.references() {
                            match by_name.get(r) {
                                None => problems.push(Problem::at(
                                    SHEET,
                                    q.row,
                                    col,
                                    format!("${{{r}}} names no question of this form"),
                                )),
                                Some(&t) if !form.questions[t].kind.holds_value() => {
                                    problems.push(Problem::at(
                                        SHEET,
                                        q.row,
                                        col,
                                        format!(
                                            "${{{r}}} is a {} and has no answer to use",
                                            form.questions[t].kind.type_cell()
                                        ),
                                    ))
                                }
                                _ => {}
                            }
                        }
                        Some(e)
                    }
                    Err(e) => {
                        problems.push(Problem::at(
                            SHEET,
                            q.row,
                            col,
                            format!("cannot read '{src}': {e}"),
                        ));
                        None
                    }
                }
            };
            let relevant = parse("relevant", &q.relevant, false);
            let constraint = parse("constraint", &q.constraint, false);
            let calculation = parse("calculation", &q.calculation, false);
            let choice_filter = parse("choice_filter", &q.choice_filter, true);
            if let (Some(f), Some(list)) =
                (&choice_filter, q.kind.list().and_then(|l| form.list(l)))
            {
                for col in f.columns() {
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
            if q.choice_filter.is_some() && q.kind.list().is_none() {
                problems.push(Problem::at(
                    SHEET,
                    q.row,
                    "choice_filter",
                    "only select questions can filter their choices",
                ));
            }
            nodes.push(Node {
                relevant,
                constraint,
                calculation,
                choice_filter,
                repeats: repeats_of[i].clone(),
            });
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
            by_name,
        })
    }

    pub fn index(&self, name: &str) -> Option<usize> {
        self.by_name.get(name).copied()
    }

    pub fn question(&self, i: usize) -> &Question {
        &self.form.questions[i]
    }
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
fn cycles(form: &Form, nodes: &[Node], by_name: &HashMap<String, usize>) -> Vec<Problem> {
    let deps: Vec<Vec<usize>> = nodes
        .iter()
        .map(|n| {
            let mut d: Vec<usize> = [&n.relevant, &n.calculation]
                .into_iter()
                .flatten()
                .flat_map(|e| e.references())
                .filter_map(|r| by_name.get(r).copied())
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
