//! Timings for `scripts/bench-forms`: reading and checking a large XLSForm, and re-evaluating
//! a form after one answer changes, as the server does on every change (the stored definition
//! read and compiled, then relevance, calculations and validation over every answer).
//!
//!     cargo run --release -p reintegra-forms --example forms_bench -- check FILE.xlsx RUNS
//!     cargo run --release -p reintegra-forms --example forms_bench -- eval FILE.xlsx CHANGES
//!
//! Prints one JSON object of timings in milliseconds.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Instant;

use forms::{Answer, Answers, Compiled, Item, Kind};

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

fn percentile(mut v: Vec<f64>, p: f64) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

/// An answer for every question: numbers for numbers, the first choice for selects, text
/// otherwise; each repeat given `items` items.
fn answer_all(c: &Compiled, items: &[Item], items_per_repeat: usize, out: &mut Answers) {
    for item in items {
        match item {
            Item::Field(i) => {
                let q = c.question(*i);
                let value = match &q.kind {
                    Kind::Integer | Kind::Decimal => "3".to_string(),
                    Kind::SelectOne(l) | Kind::SelectMultiple(l) => {
                        c.form.list(l).unwrap().choices[0].name.clone()
                    }
                    Kind::Date => "2026-01-15".to_string(),
                    k if k.is_answerable() => "some text".to_string(),
                    _ => continue,
                };
                out.set(c.key(*i), value);
            }
            Item::Group(_, ch) => answer_all(c, ch, items_per_repeat, out),
            Item::Repeat(r, ch) => {
                let mut list = Vec::new();
                for _ in 0..items_per_repeat {
                    let mut a = Answers::default();
                    answer_all(c, ch, items_per_repeat, &mut a);
                    list.push(a);
                }
                out.0.insert(c.key(*r).to_string(), Answer::Repeat(list));
            }
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (mode, file, n) = (&args[1], &args[2], args[3].parse::<usize>().unwrap());
    let bytes = std::fs::read(file).unwrap();
    let today = time::macros::date!(2026 - 11 - 23);
    match mode.as_str() {
        "check" => {
            let mut times = Vec::new();
            let mut questions = 0;
            for _ in 0..n {
                let t = Instant::now();
                let form = forms::import_xlsx(&bytes, file).unwrap();
                times.push(t.elapsed().as_secs_f64() * 1000.0);
                questions = form.question_count();
            }
            println!(
                "{{\"questions\": {questions}, \"check_median_ms\": {:.2}, \"check_min_ms\": {:.2}}}",
                median(times.clone()),
                times.iter().cloned().fold(f64::MAX, f64::min)
            );
        }
        "eval" => {
            let form = forms::import_xlsx(&bytes, file).unwrap();
            let stored = serde_json::to_string(&form).unwrap();
            let c = Compiled::new(form.clone()).unwrap();
            let mut answers = Answers::default();
            answer_all(&c, &c.items, 20, &mut answers);
            let first_number = c
                .form
                .questions
                .iter()
                .position(|q| {
                    q.kind == Kind::Integer && c.nodes[c.index(&q.name).unwrap()].repeats.is_empty()
                })
                .unwrap();
            let (mut compile, mut evaluate) = (Vec::new(), Vec::new());
            for change in 0..n {
                // One answer changes, as a user's edit does.
                answers.set(c.key(first_number), (change % 7).to_string());
                let t = Instant::now();
                let form: forms::Form = serde_json::from_str(&stored).unwrap();
                let compiled = Compiled::new(form).unwrap();
                let t1 = Instant::now();
                let filled = compiled.fill(&answers, today);
                let errors = compiled.validate(&filled, today, "");
                std::hint::black_box(errors);
                compile.push((t1 - t).as_secs_f64() * 1000.0);
                evaluate.push(t1.elapsed().as_secs_f64() * 1000.0);
            }
            let total: Vec<f64> = compile.iter().zip(&evaluate).map(|(a, b)| a + b).collect();
            println!(
                "{{\"questions\": {}, \"answers_in_repeats\": {}, \"compile_median_ms\": {:.3}, \"evaluate_median_ms\": {:.3}, \"total_median_ms\": {:.3}, \"total_p95_ms\": {:.3}}}",
                c.form.question_count(),
                answers
                    .0
                    .values()
                    .filter_map(|a| match a {
                        Answer::Repeat(v) => Some(v.len()),
                        _ => None,
                    })
                    .sum::<usize>(),
                median(compile),
                median(evaluate),
                median(total.clone()),
                percentile(total, 0.95)
            );
        }
        other => panic!("unknown mode {other}"),
    }
}
