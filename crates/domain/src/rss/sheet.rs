//! An answer sheet: one complete survey's answers, checked against the question bank.

use std::collections::BTreeMap;

use serde_json::Value;

use super::{Mode, QUESTIONS, Special, question};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    /// The 1-based position of the option chosen.
    One(u8),
    /// The positions chosen in a select-all-applicable question, ascending, without repeats.
    Many(Vec<u8>),
    Special(Special),
}

/// A complete, valid sheet. Questions the skip logic passes over and the derived Q21 have no
/// entry.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Sheet {
    answers: BTreeMap<u8, Answer>,
}

/// What is wrong with a sheet, naming the question (`q7`).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SheetError {
    #[error("the answers must be a JSON object with keys q1 … q32")]
    NotAnObject,
    #[error("{0} is not a question of the survey (the questions are q1 … q32)")]
    UnknownQuestion(String),
    #[error("q{0} is not answered; a survey can only be scored when it was answered in full")]
    Missing(u8),
    #[error("q{question}: {problem}")]
    Invalid { question: u8, problem: String },
}

impl Sheet {
    pub fn get(&self, question: u8) -> Option<&Answer> {
        self.answers.get(&question)
    }

    pub fn answers(&self) -> impl Iterator<Item = (u8, &Answer)> {
        self.answers.iter().map(|(q, a)| (*q, a))
    }

    /// How many answers are "I don't know" or "I don't wish to answer".
    pub fn dk_dwa_count(&self) -> u32 {
        let n = self
            .answers
            .values()
            .filter(|a| matches!(a, Answer::Special(Special::Dk | Special::Dwa)))
            .count();
        u32::try_from(n).unwrap_or(u32::MAX)
    }

    /// Builds a sheet from answers already in positional form, checking each against the bank
    /// and the whole for completeness. Answers to questions the skip logic passes over, and to
    /// the derived Q21, are left out.
    pub fn new(answers: BTreeMap<u8, Answer>) -> Result<Sheet, SheetError> {
        let mut kept = BTreeMap::new();
        for spec in &QUESTIONS {
            if spec.mode == Mode::Derived {
                continue;
            }
            if let Some((on, option)) = spec.asked_when
                && answers.get(&on) != Some(&Answer::One(option))
            {
                continue;
            }
            let Some(answer) = answers.get(&spec.number) else {
                return Err(SheetError::Missing(spec.number));
            };
            check(spec.number, answer)?;
            kept.insert(spec.number, answer.clone());
        }
        for n in answers.keys() {
            if question(*n).is_none() {
                return Err(SheetError::UnknownQuestion(format!("q{n}")));
            }
        }
        Ok(Sheet { answers: kept })
    }

    /// Reads the exchange format of `reintegra rss score`: keys `q1` … `q32`; a single choice is
    /// the option's position (a number or a numeric string), a multiple choice a list of
    /// positions, the special answers `"dk"`, `"dwa"` and `"na"`. Keys that are not questions
    /// (explanations, notes such as `q19_reasons` or `notes`) are ignored: free text never
    /// counts.
    pub fn from_json(value: &Value) -> Result<Sheet, SheetError> {
        let Value::Object(map) = value else {
            return Err(SheetError::NotAnObject);
        };
        let mut answers = BTreeMap::new();
        for (key, v) in map {
            let Some(digits) = key.strip_prefix('q') else {
                continue;
            };
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                continue; // q19_reasons, q8_other …: explanations, never scored
            }
            let n: u8 = match digits.parse() {
                Ok(n) if question(n).is_some() => n,
                _ => return Err(SheetError::UnknownQuestion(key.clone())),
            };
            let Some(spec) = question(n) else { continue };
            if spec.mode == Mode::Derived {
                continue; // Q21 is always computed, whatever was sent
            }
            answers.insert(n, parse_value(n, v, spec.mode)?);
        }
        Sheet::new(answers)
    }
}

fn invalid(question: u8, problem: impl Into<String>) -> SheetError {
    SheetError::Invalid {
        question,
        problem: problem.into(),
    }
}

fn parse_value(n: u8, v: &Value, mode: Mode) -> Result<Answer, SheetError> {
    let position = |v: &Value| -> Option<u8> {
        match v {
            Value::Number(x) => x.as_u64().and_then(|x| u8::try_from(x).ok()),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    };
    let special = |s: &str| Special::parse(&s.trim().to_ascii_lowercase());
    if let Value::String(s) = v
        && let Some(special) = special(s)
    {
        return Ok(Answer::Special(special));
    }
    match (mode, v) {
        (Mode::Many { .. }, Value::Array(items)) => {
            // A list holding one special answer is read as that answer.
            if let [Value::String(s)] = items.as_slice()
                && let Some(special) = special(s)
            {
                return Ok(Answer::Special(special));
            }
            let mut chosen = Vec::new();
            for item in items {
                let p = position(item)
                    .ok_or_else(|| invalid(n, format!("{item} is not an option position")))?;
                chosen.push(p);
            }
            chosen.sort_unstable();
            chosen.dedup();
            Ok(Answer::Many(chosen))
        }
        (Mode::Many { .. }, _) => position(v)
            .map(|p| Answer::Many(vec![p]))
            .ok_or_else(|| invalid(n, format!("{v} is not a list of option positions"))),
        (_, Value::Array(_)) => Err(invalid(
            n,
            "only one option can be chosen; give one position, not a list",
        )),
        _ => position(v)
            .map(Answer::One)
            .ok_or_else(|| invalid(n, format!("{v} is not an option position"))),
    }
}

/// Checks one answer against what the question offers.
fn check(n: u8, answer: &Answer) -> Result<(), SheetError> {
    let Some(spec) = question(n) else {
        return Err(SheetError::UnknownQuestion(format!("q{n}")));
    };
    let range = |p: u8| {
        if p == 0 || p > spec.options {
            Err(invalid(
                n,
                format!("{p} is not an option; choose 1 to {}", spec.options),
            ))
        } else {
            Ok(())
        }
    };
    match (spec.mode, answer) {
        (_, Answer::Special(s)) if spec.specials.contains(s) => Ok(()),
        (_, Answer::Special(s)) => Err(invalid(
            n,
            format!(
                "\"{}\" is not offered by this question{}",
                s.as_str(),
                if spec.specials.is_empty() {
                    String::new()
                } else {
                    format!(
                        " (it offers {})",
                        spec.specials
                            .iter()
                            .map(|s| format!("\"{}\"", s.as_str()))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                }
            ),
        )),
        (Mode::One, Answer::One(p)) => range(*p),
        (Mode::Many { none }, Answer::Many(ps)) => {
            if ps.is_empty() {
                return Err(invalid(n, "choose at least one option"));
            }
            for p in ps {
                range(*p)?;
            }
            if let Some(none) = none
                && ps.contains(&none)
                && ps.len() > 1
            {
                return Err(invalid(
                    n,
                    format!("option {none} (none) cannot be combined with other options"),
                ));
            }
            Ok(())
        }
        (Mode::One, Answer::Many(_)) => Err(invalid(n, "only one option can be chosen")),
        (Mode::Many { .. }, Answer::One(p)) => {
            range(*p)?;
            Err(invalid(n, "give the chosen options as a list"))
        }
        (Mode::Derived, _) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    pub fn best_json() -> Value {
        let mut m = serde_json::Map::new();
        for spec in &QUESTIONS {
            let v = match spec.mode {
                Mode::Derived => continue,
                Mode::Many { .. } => json!([1]),
                Mode::One => json!(1),
            };
            m.insert(format!("q{}", spec.number), v);
        }
        Value::Object(m)
    }

    #[test]
    fn a_full_sheet_reads_and_skip_logic_drops_what_was_not_asked() {
        let mut v = best_json();
        v["q9"] = json!(2); // not looking for a job: q10 is not asked
        v["q30"] = json!(1); // able to stay: q31 is not asked
        v["q21"] = json!(3); // computed, ignored
        v["q19_reasons"] = json!("far"); // free text, ignored
        let s = Sheet::from_json(&v).unwrap();
        assert!(s.get(10).is_none() && s.get(31).is_none() && s.get(21).is_none());
        assert_eq!(s.get(8), Some(&Answer::Many(vec![1])));
        assert_eq!(s.get(1), Some(&Answer::One(1)));
    }

    #[test]
    fn conditional_questions_are_required_when_asked() {
        let mut v = best_json();
        v["q9"] = json!(1);
        v.as_object_mut().unwrap().remove("q10");
        assert_eq!(Sheet::from_json(&v), Err(SheetError::Missing(10)));
        let mut v = best_json();
        v["q30"] = json!("2");
        v.as_object_mut().unwrap().remove("q31");
        assert_eq!(Sheet::from_json(&v), Err(SheetError::Missing(31)));
    }

    #[test]
    fn problems_name_the_question() {
        let cases = [
            ("q1", json!(6), "q1: 6 is not an option; choose 1 to 5"),
            ("q6", json!("dwa"), "q6: \"dwa\" is not offered"),
            (
                "q8",
                json!([1, 8]),
                "q8: option 8 (none) cannot be combined",
            ),
            ("q2", json!([1, 2]), "q2: only one option"),
            ("q32", json!([]), "q32: choose at least one"),
            (
                "q4",
                json!("often"),
                "q4: \"often\" is not an option position",
            ),
        ];
        for (key, value, message) in cases {
            let mut v = best_json();
            v[key] = value;
            let e = Sheet::from_json(&v).unwrap_err().to_string();
            assert!(e.starts_with(message), "{key}: {e}");
        }
        let mut v = best_json();
        v["q33"] = json!(1);
        assert!(
            Sheet::from_json(&v)
                .unwrap_err()
                .to_string()
                .contains("q33")
        );
        let mut v = best_json();
        v.as_object_mut().unwrap().remove("q17");
        assert!(
            Sheet::from_json(&v)
                .unwrap_err()
                .to_string()
                .starts_with("q17 is not answered")
        );
        assert_eq!(Sheet::from_json(&json!([1])), Err(SheetError::NotAnObject));
    }

    #[test]
    fn special_answers_are_counted() {
        let mut v = best_json();
        for k in ["q1", "q2", "q3"] {
            v[k] = json!("dwa");
        }
        v["q6"] = json!("dk");
        v["q7"] = json!("NA"); // not applicable is not a "don't know"; case does not matter
        v["q8"] = json!(["dwa"]);
        assert_eq!(Sheet::from_json(&v).unwrap().dk_dwa_count(), 5);
    }
}
