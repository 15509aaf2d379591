//! Rules of filling found in review: a name used at the top and in a repeat keeps two answers,
//! counted repeats share one bound on the items they make, and a triggered calculation waits
//! for its trigger.

use forms::xlsform::{Sheet, Workbook};
use forms::{Answer, Answers, Compiled};
use time::macros::date;

fn compiled(survey: &[&[&str]], choices: &[&[&str]]) -> Compiled {
    let sheet = |name: &str, rows: &[&[&str]]| Sheet {
        name: name.into(),
        rows: rows
            .iter()
            .map(|r| r.iter().map(|c| (*c).to_string()).collect())
            .collect(),
    };
    let book = Workbook {
        sheets: vec![sheet("survey", survey), sheet("choices", choices)],
    };
    let form = forms::xlsform::read(&book, "rules").unwrap_or_else(|p| panic!("{p:?}"));
    Compiled::new(form).unwrap()
}

#[test]
fn a_name_at_the_top_and_in_a_repeat_keeps_two_answers() {
    let c = compiled(
        &[
            &["type", "name", "label", "repeat_count"],
            &["select_multiple needs", "needs", "Household needs", ""],
            &["begin_repeat", "members", "Members", "2"],
            &["select_one needs", "needs", "This member's main need", ""],
            &["end_repeat", "", "", ""],
        ],
        &[
            &["list_name", "name", "label"],
            &["needs", "health", "Health"],
            &["needs", "work", "Work"],
        ],
    );
    let top = c
        .form
        .questions
        .iter()
        .position(|q| q.name == "needs")
        .unwrap();
    let inner = c
        .form
        .questions
        .iter()
        .rposition(|q| q.name == "needs")
        .unwrap();
    assert_ne!(
        c.key(top),
        c.key(inner),
        "two rows, two places for their answers"
    );
    assert_eq!(c.index(c.key(top)), Some(top));
    assert_eq!(c.index(c.key(inner)), Some(inner));
    let mut answers = Answers::default();
    answers.set(c.key(top), "health work".into());
    let mut item = Answers::default();
    item.set(c.key(inner), "work".into());
    answers
        .0
        .insert("members".into(), Answer::Repeat(vec![item.clone(), item]));
    let filled = c.fill(&answers, date!(2026 - 11 - 23));
    assert_eq!(filled.answers.text(c.key(top)), "health work");
    assert_eq!(
        filled.answers.instances("members")[1].text(c.key(inner)),
        "work"
    );
}

#[test]
fn counted_repeats_share_one_bound() {
    let c = compiled(
        &[
            &["type", "name", "label", "repeat_count"],
            &["integer", "n", "How many?", ""],
            &["begin_repeat", "outer", "Outer", "${n}"],
            &["begin_repeat", "inner", "Inner", "${n}"],
            &["text", "x", "X", ""],
            &["end_repeat", "", "", ""],
            &["end_repeat", "", "", ""],
        ],
        &[&["list_name", "name", "label"]],
    );
    let mut answers = Answers::default();
    answers.set("n", "500".into());
    let filled = c.fill(&answers, date!(2026 - 11 - 23));
    let outer = filled.answers.instances("outer");
    let total: usize = outer.len()
        + outer
            .iter()
            .map(|o| o.instances("inner").len())
            .sum::<usize>();
    assert!(total <= forms::engine::MAX_COUNTED_ITEMS, "{total} items");
    assert!(!outer.is_empty());
}

#[test]
fn a_triggered_calculation_waits_for_its_trigger_then_keeps_its_value() {
    let c = compiled(
        &[
            &["type", "name", "label", "calculation", "trigger"],
            &["select_one yn", "consent", "Consent?", "", ""],
            &["calculate", "consent_time", "", "now()", "${consent}"],
        ],
        &[&["list_name", "name", "label"], &["yn", "yes", "Yes"]],
    );
    let today = date!(2026 - 11 - 23);
    let filled = c.fill(&Answers::default(), today);
    assert_eq!(
        filled.answers.text("consent_time"),
        "",
        "nothing before the trigger"
    );
    let mut answers = Answers::default();
    answers.set("consent", "yes".into());
    let first = c.fill(&answers, today).answers;
    let at = first.text("consent_time").to_string();
    assert!(!at.is_empty());
    std::thread::sleep(std::time::Duration::from_millis(5));
    assert_eq!(
        c.fill(&first, today).answers.text("consent_time"),
        at,
        "kept"
    );
}
