//! Anonymising a submission's answers: only answers that are codes or numbers stay (a choice,
//! a count, an amount, the day of the interview); text, dates (a date of birth), calculations
//! (which may join names) and anything the form does not know go. Scores computed from the
//! answers are kept elsewhere and do not change.

use crate::engine::{Answer, Answers};
use crate::model::{Form, Kind};

fn kept(kind: &Kind) -> bool {
    matches!(
        kind,
        Kind::Integer
            | Kind::Decimal
            | Kind::SelectOne(_)
            | Kind::SelectMultiple(_)
            | Kind::Acknowledge
            | Kind::Today
    )
}

/// The answers with everything that could describe the person removed.
pub fn anonymised_answers(form: &Form, answers: &Answers) -> Answers {
    let mut out = Answers::default();
    for (name, answer) in &answers.0 {
        let Some(q) = form.question(name) else {
            continue;
        };
        match answer {
            Answer::Text(t) if kept(&q.kind) => {
                out.0.insert(name.clone(), Answer::Text(t.clone()));
            }
            Answer::Repeat(instances) if q.kind == Kind::BeginRepeat => {
                let kept: Vec<Answers> = instances
                    .iter()
                    .map(|i| anonymised_answers(form, i))
                    .collect();
                out.0.insert(name.clone(), Answer::Repeat(kept));
            }
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_numbers_stay_text_and_dates_go() {
        let survey = "type,name,label\ntext,name,Name\ndate,dob,Date of birth\n\
             integer,children,Children\nselect_one yn,works,Works\n\
             begin_repeat,members,Members\ntext,member_name,Name\n\
             integer,member_age,Age\nend_repeat,,\n";
        let choices = "list_name,name,label\nyn,yes,Yes\nyn,no,No\n";
        let book = crate::text::read(&[("survey", survey), ("choices", choices)]).unwrap();
        let form = crate::xlsform::read(&book, "t").unwrap();
        let answers: Answers = serde_json::from_str(
            r#"{"name":"Awa Diop","dob":"1990-01-02","children":"3","works":"yes","unknown":"x",
               "members":[{"member_name":"Moussa","member_age":"7"}]}"#,
        )
        .unwrap();
        let out = serde_json::to_value(anonymised_answers(&form, &answers)).unwrap();
        assert_eq!(
            out,
            serde_json::json!({"children": "3", "works": "yes", "members": [{"member_age": "7"}]})
        );
    }
}
