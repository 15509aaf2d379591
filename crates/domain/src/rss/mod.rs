//! The Reintegration Sustainability Survey (RSS, handbook Annex 4.B): its 32 questions as the
//! scorer sees them, answer sheets, the scoring model, the score interpretation and the schedule
//! of survey rounds.
//!
//! The question bank here is the shape of the survey (how many options each question has, which
//! of "I don't know", "I don't wish to answer" and "N/A" it offers, its skip logic); the wording
//! lives in the instrument (`instruments/rss/`). An answer is the 1-based position of the chosen
//! option in the handbook's list, the special answers not counted.

mod model;
mod schedule;
mod sheet;

pub use model::{
    Band, Breakdown, DEFAULT_MODEL, Indicator, IndicatorScore, ModelError, Rule, Scores,
    ScoringModel, Treatment, default_model,
};
pub use schedule::{Round, RoundState, RoundStatus, add_months, due_round, schedule};
pub use sheet::{Answer, Sheet, SheetError};

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    Economic,
    Social,
    Psychosocial,
}

impl Dimension {
    pub const ALL: [Dimension; 3] = [
        Dimension::Economic,
        Dimension::Social,
        Dimension::Psychosocial,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Dimension::Economic => "economic",
            Dimension::Social => "social",
            Dimension::Psychosocial => "psychosocial",
        }
    }
}

/// The answers that are not options of the scale.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Special {
    /// I don't know.
    Dk,
    /// I don't wish to answer.
    Dwa,
    /// Not applicable.
    Na,
}

impl Special {
    pub fn as_str(self) -> &'static str {
        match self {
            Special::Dk => "dk",
            Special::Dwa => "dwa",
            Special::Na => "na",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "dk" => Some(Special::Dk),
            "dwa" => Some(Special::Dwa),
            "na" => Some(Special::Na),
            _ => None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Select one.
    One,
    /// Select all applicable; `none` is the option that says "none of these" and cannot be
    /// combined with the others.
    Many { none: Option<u8> },
    /// Not asked: computed from other answers (Q21).
    Derived,
}

/// One question of the survey as the scorer needs it.
#[derive(Clone, Copy, Debug)]
pub struct QuestionSpec {
    pub number: u8,
    pub dimension: Dimension,
    pub mode: Mode,
    /// How many options the handbook lists, special answers not counted.
    pub options: u8,
    pub specials: &'static [Special],
    /// Asked only when another question got this option (skip logic).
    pub asked_when: Option<(u8, u8)>,
}

const fn q(
    number: u8,
    dimension: Dimension,
    mode: Mode,
    options: u8,
    specials: &'static [Special],
) -> QuestionSpec {
    QuestionSpec {
        number,
        dimension,
        mode,
        options,
        specials,
        asked_when: None,
    }
}

use Dimension::{Economic as E, Psychosocial as P, Social as S};
use Special::{Dk, Dwa, Na};
const ONE: Mode = Mode::One;
const DWA: &[Special] = &[Dwa];
const DK_DWA: &[Special] = &[Dk, Dwa];
const NONE: &[Special] = &[];

/// Q9 "yes" is option 1; Q30 "no" is option 2.
pub const Q9_YES: u8 = 1;
pub const Q30_NO: u8 = 2;
/// The questions whose mean is Q21, access to public services overall.
pub const Q21_SOURCES: [u8; 5] = [13, 15, 17, 18, 19];

/// The 32 questions of Annex 4.B, in order: Q1–10 economic, Q11–21 social, Q22–32 psychosocial.
pub const QUESTIONS: [QuestionSpec; 32] = [
    q(1, E, ONE, 5, DWA),
    q(2, E, ONE, 5, DWA),
    q(3, E, ONE, 2, DK_DWA),
    q(4, E, ONE, 5, DWA),
    q(5, E, ONE, 3, &[Dwa, Na]),
    q(6, E, ONE, 5, &[Dk]),
    q(7, E, ONE, 2, &[Dwa, Na]),
    // Land, animals, trees, buildings, vehicles, equipment, other, and 8 = "No".
    q(8, E, Mode::Many { none: Some(8) }, 8, DWA),
    q(9, E, ONE, 2, DWA),
    QuestionSpec {
        asked_when: Some((9, Q9_YES)),
        ..q(10, E, Mode::Many { none: None }, 5, NONE)
    },
    q(11, S, ONE, 5, DK_DWA),
    q(12, S, ONE, 5, DWA),
    q(13, S, ONE, 5, DK_DWA),
    q(14, S, ONE, 3, DWA),
    q(15, S, ONE, 5, DK_DWA),
    q(16, S, ONE, 2, DK_DWA),
    q(17, S, ONE, 5, DK_DWA),
    q(18, S, ONE, 5, DK_DWA),
    q(19, S, ONE, 5, DWA),
    q(20, S, ONE, 5, DK_DWA),
    q(21, S, Mode::Derived, 0, NONE),
    q(22, P, ONE, 5, DWA),
    q(23, P, ONE, 5, DK_DWA),
    q(24, P, ONE, 5, DK_DWA),
    q(25, P, ONE, 5, DWA),
    q(26, P, ONE, 5, DWA),
    q(27, P, ONE, 4, DWA),
    q(28, P, ONE, 4, DWA),
    q(29, P, ONE, 2, DK_DWA),
    q(30, P, ONE, 2, DK_DWA),
    QuestionSpec {
        asked_when: Some((30, Q30_NO)),
        ..q(31, P, ONE, 2, NONE)
    },
    // Family … other returnees, 9 = other, 10 = "No one".
    q(32, P, Mode::Many { none: Some(10) }, 10, NONE),
];

/// The question with this number (1–32).
pub fn question(number: u8) -> Option<&'static QuestionSpec> {
    QUESTIONS.get(usize::from(number).checked_sub(1)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bank_is_numbered_in_order_and_split_into_the_handbook_dimensions() {
        for (i, q) in QUESTIONS.iter().enumerate() {
            assert_eq!(usize::from(q.number), i + 1);
            let expected = match q.number {
                1..=10 => Dimension::Economic,
                11..=21 => Dimension::Social,
                _ => Dimension::Psychosocial,
            };
            assert_eq!(q.dimension, expected, "Q{}", q.number);
        }
        assert_eq!(question(21).map(|q| q.mode), Some(Mode::Derived));
        assert!(question(0).is_none() && question(33).is_none());
    }
}
