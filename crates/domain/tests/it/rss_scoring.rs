//! The shipped RSS scoring model: golden vectors computed by hand (also in `docs/scoring.md`)
//! and the properties every model must keep.

use std::collections::BTreeMap;

use domain::rss::{
    Answer, Band, Dimension, Mode, QUESTIONS, Rule, ScoringModel, Sheet, Treatment, default_model,
    question,
};
use serde_json::json;

fn close(a: Option<f64>, b: f64) -> bool {
    a.is_some_and(|a| (a - b).abs() < 1e-9)
}

/// The mixed sheet of `docs/scoring.md`.
fn mixed() -> serde_json::Value {
    json!({
        "q1": 3, "q2": 3, "q3": 1, "q4": 2, "q5": 3, "q6": 4, "q7": 2, "q8": [2, 6], "q9": 1,
        "q10": [1],
        "q11": 2, "q12": 3, "q13": 2, "q14": 1, "q15": "dk", "q16": 1, "q17": 3, "q18": 1,
        "q19": 4, "q20": 3,
        "q22": 2, "q23": 3, "q24": 2, "q25": 2, "q26": 4, "q27": 2, "q28": 3, "q29": 1,
        "q30": 2, "q31": 2, "q32": [1, 2],
        "notes": "free text is never scored"
    })
}

#[test]
fn golden_mixed_sheet() {
    let m = default_model();
    let s = m.score(&Sheet::from_json(&mixed()).unwrap());
    assert!(close(s.economic, 5.25 / 12.0), "{:?}", s.economic);
    assert!(close(s.social, 5.625 / 9.0), "{:?}", s.social);
    assert!(close(s.psychosocial, 6.75 / 13.0), "{:?}", s.psychosocial);
    assert!(close(s.composite, 15.125 / 28.0), "{:?}", s.composite);
    assert_eq!(s.dk_dwa_count, 1);
    assert!(!s.low_accuracy);
    assert_eq!(s.model, "reintegra-default/2026.1");
    // Q21 is the mean of the four of its five sources that were answered.
    let q21 = s.breakdown.0.iter().find(|r| r.question == 21).unwrap();
    assert!(close(q21.value, 0.625));
    assert_eq!(q21.note, "mean of 4 of 5 (q13, q15, q17, q18, q19)");
    // Unscored questions are absent from the breakdown; dk is shown as left out.
    assert!(
        s.breakdown
            .0
            .iter()
            .all(|r| ![10, 31].contains(&r.question))
    );
    let q15 = s.breakdown.0.iter().find(|r| r.question == 15).unwrap();
    assert_eq!((q15.answer.as_str(), q15.value), ("dk", None));
}

#[test]
fn golden_low_accuracy_sheet() {
    // Twelve "don't know / don't wish to answer" answers, worst answers elsewhere.
    let v = json!({
        "q1": "dwa", "q2": "dwa", "q3": "dk", "q4": "dwa", "q5": "na", "q6": "dk", "q7": "na",
        "q8": [8], "q9": 1, "q10": [1, 5],
        "q11": "dk", "q12": "dwa", "q13": "dk", "q14": 3, "q15": "dk", "q16": 2, "q17": "dk",
        "q18": "dk", "q19": "dwa", "q20": 5,
        "q22": 5, "q23": 5, "q24": 5, "q25": 5, "q26": 1, "q27": 4, "q28": 4, "q29": 1,
        "q30": 2, "q31": 1, "q32": [10]
    });
    let m = default_model();
    let s = m.score(&Sheet::from_json(&v).unwrap());
    assert_eq!(s.dk_dwa_count, 12);
    assert!(s.low_accuracy);
    for x in [s.economic, s.social, s.psychosocial, s.composite] {
        assert!(close(x, 0.0), "{x:?}");
    }
    // Q21 has no source left: no value, and it does not pull the social score anywhere.
    let q21 = s.breakdown.0.iter().find(|r| r.question == 21).unwrap();
    assert_eq!(q21.value, None);
}

#[test]
fn seven_dont_knows_are_not_yet_flagged_eight_are() {
    let m = default_model();
    let mut v = best();
    for k in ["q1", "q2", "q3", "q4", "q5", "q7", "q8"] {
        v[k] = json!("dwa");
    }
    assert!(!m.score(&Sheet::from_json(&v).unwrap()).low_accuracy);
    v["q6"] = json!("dk");
    let s = m.score(&Sheet::from_json(&v).unwrap());
    assert!(s.low_accuracy && s.dk_dwa_count == 8);
}

#[test]
fn bands_follow_the_handbook_thresholds() {
    let m = default_model();
    assert_eq!(m.band(0.0), Band::Intensive);
    assert_eq!(m.band(0.3299), Band::Intensive);
    assert_eq!(m.band(0.33), Band::Standard);
    assert_eq!(m.band(0.66), Band::Standard);
    assert_eq!(m.band(0.6601), Band::Light);
    assert_eq!(m.band(1.0), Band::Light);
}

// ------------------------------------------------------------------------------ properties

/// For each question, the answers from best to worst under the model (positions only).
fn extremes(m: &ScoringModel, n: u8) -> (Answer, Answer) {
    let spec = question(n).unwrap();
    let ind = m.indicators.iter().find(|i| i.question == n);
    match spec.mode {
        Mode::Many { none } => {
            let good = ind
                .and_then(|i| i.any_of.as_ref())
                .map(|a| a[0])
                .unwrap_or(1);
            (
                Answer::Many(vec![good]),
                Answer::Many(vec![none.unwrap_or(spec.options)]),
            )
        }
        _ => {
            let values = ind.and_then(|i| i.values.clone()).unwrap_or_default();
            let pos = |want_max: bool| {
                let mut best = 1usize;
                for (i, v) in values.iter().enumerate() {
                    let better = if want_max {
                        *v > values[best - 1]
                    } else {
                        *v < values[best - 1]
                    };
                    if better {
                        best = i + 1;
                    }
                }
                Answer::One(best as u8)
            };
            (pos(true), pos(false))
        }
    }
}

fn sheet_of(pick: impl Fn(u8) -> Answer) -> BTreeMap<u8, Answer> {
    let mut a = BTreeMap::new();
    for spec in &QUESTIONS {
        if spec.mode != Mode::Derived {
            a.insert(spec.number, pick(spec.number));
        }
    }
    a
}

fn best() -> serde_json::Value {
    let mut v = mixed();
    let m = default_model();
    for spec in &QUESTIONS {
        if spec.mode == Mode::Derived {
            continue;
        }
        v[format!("q{}", spec.number)] = match extremes(&m, spec.number).0 {
            Answer::One(p) => json!(p),
            Answer::Many(ps) => json!(ps),
            Answer::Special(s) => json!(s.as_str()),
        };
    }
    v
}

#[test]
fn all_best_scores_one_and_all_worst_scores_zero() {
    let m = default_model();
    let s = m.score(&Sheet::new(sheet_of(|n| extremes(&m, n).0)).unwrap());
    for x in [s.economic, s.social, s.psychosocial, s.composite] {
        assert!(close(x, 1.0), "{x:?}");
    }
    let s = m.score(&Sheet::new(sheet_of(|n| extremes(&m, n).1)).unwrap());
    for x in [s.economic, s.social, s.psychosocial, s.composite] {
        assert!(close(x, 0.0), "{x:?}");
    }
}

/// A small deterministic generator, so failures reproduce.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn random_answer(rng: &mut Rng, n: u8) -> Answer {
    let spec = question(n).unwrap();
    let special_count = spec.specials.len() as u64;
    let roll = rng.below(u64::from(spec.options) + special_count);
    if roll >= u64::from(spec.options) {
        return Answer::Special(spec.specials[(roll - u64::from(spec.options)) as usize]);
    }
    let p = roll as u8 + 1;
    match spec.mode {
        Mode::Many { none } if Some(p) != none => {
            let mut ps = vec![p];
            let extra = rng.below(u64::from(spec.options)) as u8 + 1;
            if Some(extra) != none {
                ps.push(extra);
            }
            ps.sort_unstable();
            ps.dedup();
            Answer::Many(ps)
        }
        Mode::Many { .. } => Answer::Many(vec![p]),
        _ => Answer::One(p),
    }
}

fn random_sheet(rng: &mut Rng) -> BTreeMap<u8, Answer> {
    let mut a = BTreeMap::new();
    for spec in &QUESTIONS {
        if spec.mode != Mode::Derived {
            a.insert(spec.number, random_answer(rng, spec.number));
        }
    }
    a
}

fn all_scores(s: &domain::rss::Scores) -> [Option<f64>; 4] {
    [
        s.dimension(Dimension::Economic),
        s.dimension(Dimension::Social),
        s.dimension(Dimension::Psychosocial),
        s.composite,
    ]
}

#[test]
fn scores_stay_in_the_unit_interval_and_better_answers_never_lower_them() {
    let m = default_model();
    let mut rng = Rng(0x5eed_1234_abcd_0001);
    for _ in 0..2000 {
        let answers = random_sheet(&mut rng);
        let base = m.score(&Sheet::new(answers.clone()).unwrap());
        for x in all_scores(&base).into_iter().flatten() {
            assert!((0.0..=1.0).contains(&x), "{x}");
        }
        // Improve one scored select-one answer and check nothing drops.
        let ind = &m.indicators[rng.below(m.indicators.len() as u64) as usize];
        let Some(values) = &ind.values else { continue };
        let Some(Answer::One(p)) = answers.get(&ind.question) else {
            continue;
        };
        let now = values[usize::from(*p) - 1];
        for (i, v) in values.iter().enumerate() {
            if *v < now {
                continue;
            }
            let mut better = answers.clone();
            better.insert(ind.question, Answer::One(i as u8 + 1));
            let Ok(sheet) = Sheet::new(better) else {
                continue;
            };
            let after = m.score(&sheet);
            for (a, b) in all_scores(&base).into_iter().zip(all_scores(&after)) {
                if let (Some(a), Some(b)) = (a, b) {
                    assert!(b >= a - 1e-12, "q{}: {a} -> {b}", ind.question);
                }
            }
        }
    }
}

#[test]
fn a_cross_cutting_item_moves_the_composite_more_than_an_ordinary_one() {
    let m = default_model();
    let mut rng = Rng(0x0dd_ba11_cafe_f00d);
    let swing = |base: &BTreeMap<u8, Answer>, n: u8| {
        let (good, bad) = extremes(&m, n);
        let mut hi = base.clone();
        hi.insert(n, good);
        let mut lo = base.clone();
        lo.insert(n, bad);
        let c = |a: BTreeMap<u8, Answer>| Sheet::new(a).ok().map(|s| m.score(&s).composite);
        match (c(hi), c(lo)) {
            (Some(Some(h)), Some(Some(l))) => Some(h - l),
            _ => None,
        }
    };
    for _ in 0..300 {
        let base = random_sheet(&mut rng);
        for cross in [2u8, 25, 30] {
            let home = question(cross).unwrap().dimension;
            let cross_swing = swing(&base, cross).unwrap();
            for ind in &m.indicators {
                let spec = question(ind.question).unwrap();
                if ind.cross_cutting
                    || spec.dimension != home
                    || spec.mode == Mode::Derived
                    || !ind.weights.contains_key("composite")
                    || spec.asked_when.is_some()
                {
                    continue;
                }
                if let Some(ordinary) = swing(&base, ind.question) {
                    assert!(
                        cross_swing > ordinary,
                        "q{cross} swing {cross_swing} vs q{} {ordinary}",
                        ind.question
                    );
                }
            }
        }
    }
}

#[test]
fn the_shipped_model_scores_every_question_the_handbook_scores() {
    let m = default_model();
    let scored: Vec<u8> = m
        .indicators
        .iter()
        .filter(|i| !i.weights.is_empty())
        .map(|i| i.question)
        .collect();
    // Not scored directly: Q10 and Q31 (follow-ups), Q13/15/17/18/19 (through Q21).
    let expected: Vec<u8> = (1..=32)
        .filter(|n| ![10, 31, 13, 15, 17, 18, 19].contains(n))
        .collect();
    assert_eq!(scored, expected);
    for n in [2u8, 25, 30] {
        let i = m.indicators.iter().find(|i| i.question == n).unwrap();
        assert!(i.cross_cutting);
        let home = question(n).unwrap().dimension.as_str();
        assert!(i.weights[home] > 1.0 && i.weights["composite"] > 1.0);
        assert_eq!(i.weights.len(), 4, "q{n} counts in every dimension");
    }
    for t in [m.special.dk, m.special.dwa, m.special.na] {
        assert_eq!(t, Treatment::Rule(Rule::Exclude));
    }
}

#[test]
fn another_model_can_be_loaded_and_bad_models_are_refused_with_a_reason() {
    let other = domain::rss::DEFAULT_MODEL
        .replace("version = \"2026.1\"", "version = \"note-2017\"")
        .replace("dk = \"exclude\"", "dk = 0.5");
    let m = ScoringModel::from_toml(&other).unwrap();
    assert_eq!(m.label(), "reintegra-default/note-2017");
    let mut v = mixed();
    v["q1"] = json!("dwa");
    let s = m.score(&Sheet::from_json(&v).unwrap());
    // q15 "dk" now counts 0.5 in Q21: mean(.75, .5, .5, 1, .25).
    let q21 = s.breakdown.0.iter().find(|r| r.question == 21).unwrap();
    assert!(close(q21.value, 0.6));

    let broken = [
        (
            domain::rss::DEFAULT_MODEL.replacen(
                "values = [1.0, 0.75, 0.5, 0.25, 0.0]",
                "values = [1.0, 0.5]",
                1,
            ),
            "q1: values needs one number per option (5), found 2",
        ),
        (
            domain::rss::DEFAULT_MODEL.replacen(
                "any_of = [1, 2, 3, 4, 5, 6, 7]",
                "values = [1.0]",
                1,
            ),
            "q8: a select-all-applicable question is valued with any_of",
        ),
        (
            domain::rss::DEFAULT_MODEL.replace("intensive_below = 0.33", "intensive_below = 0.9"),
            "bands",
        ),
        (
            domain::rss::DEFAULT_MODEL.replacen(
                "economic = 1, composite = 1",
                "economic = -1, composite = 1",
                1,
            ),
            "weights must be zero or positive",
        ),
        ("id = 3".to_string(), "scoring model"),
    ];
    for (text, message) in broken {
        let e = ScoringModel::from_toml(&text).unwrap_err().to_string();
        assert!(e.contains(message), "{e}");
    }
}
