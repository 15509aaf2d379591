//! Monitoring samples as records (Module 5: "monitor a sample of beneficiaries"): the design an
//! M&E officer chooses, the strata a returnee falls in, what became of each sampled returnee,
//! and how many replacements a top-up draws.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::sampling::{allocate, sample_size, simple_sample};
use crate::case::{Sex, named_enum};
use crate::ids::{CaseId, OfficeId};
use crate::rss::Round;
use crate::validation::ValidationErrors;

named_enum!(
    /// What a sample is stratified by.
    Strata {
        /// One simple random sample.
        None = "none",
        Office = "office",
        Sex = "sex",
        /// The kinds of assistance received, as a set ("economic+social", or "none").
        Assistance = "assistance",
    }
);

named_enum!(
    /// What became of a sampled returnee.
    Coverage {
        /// Not contacted yet.
        Pending = "pending",
        /// Met and surveyed.
        Reached = "reached",
        /// Contacted, declined to take part.
        Refused = "refused",
        /// Could not be contacted.
        Unreachable = "unreachable",
    }
);

impl Coverage {
    /// A member counted against the stratum's target: not (yet) lost to the sample.
    pub fn is_in_play(self) -> bool {
        matches!(self, Coverage::Pending | Coverage::Reached)
    }
}

/// Confidence levels offered (the z values of the usual tables).
pub const CONFIDENCE_LEVELS: [u32; 3] = [90, 95, 99];
/// The margins of error offered, in percentage points, lowest first.
pub const MARGIN_RANGE: (f64, f64) = (1.0, 20.0);

/// A sample's design as chosen.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Design {
    /// The survey round the sampled returnees are to be surveyed in.
    pub round: Round,
    pub strata: Strata,
    /// The margin of error, in percentage points (5 for ±5).
    pub margin: f64,
    /// The confidence level in percent (95).
    pub confidence: u32,
}

impl Design {
    /// Reads a design as typed; each problem is noted under its field's name.
    pub fn read(
        round: &str,
        strata: &str,
        margin: &str,
        confidence: &str,
    ) -> Result<Design, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let round = Round::parse(round.trim());
        if round.is_none() {
            e.add("round", "error-choice");
        }
        let strata = match strata.trim() {
            "" => Some(Strata::None),
            t => Strata::parse(t),
        };
        if strata.is_none() {
            e.add("strata", "error-choice");
        }
        let margin = match margin.trim().replace(',', ".").parse::<f64>() {
            Ok(m) if (MARGIN_RANGE.0..=MARGIN_RANGE.1).contains(&m) => Some(m),
            _ => {
                e.add("margin", "error-sample-margin");
                None
            }
        };
        let confidence = match confidence.trim().parse::<u32>() {
            Ok(c) if CONFIDENCE_LEVELS.contains(&c) => Some(c),
            _ => {
                e.add("confidence", "error-choice");
                None
            }
        };
        match (round, strata, margin, confidence) {
            (Some(round), Some(strata), Some(margin), Some(confidence)) => Ok(Design {
                round,
                strata,
                margin,
                confidence,
            }),
            _ => Err(e),
        }
    }

    /// How many to draw out of `population`.
    pub fn size(&self, population: usize) -> usize {
        sample_size(
            population as u64,
            self.margin / 100.0,
            f64::from(self.confidence) / 100.0,
        ) as usize
    }
}

/// Checks a sample's name: required, one line of ordinary text, not too long.
pub fn check_label(e: &mut ValidationErrors, label: &str) {
    let label = label.trim();
    if label.is_empty() {
        e.add("label", "error-required");
    } else if let Some(problem) = crate::text::text_problem(label, false) {
        e.add("label", problem);
    } else if label.chars().count() > crate::case::MAX_SHORT_TEXT {
        e.add("label", "error-too-long");
    }
}

/// A returnee who may be sampled, with what their strata are made of.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FrameCase {
    pub case: CaseId,
    pub office: OfficeId,
    /// The office's code, the stratum's name when stratified by office.
    pub office_code: String,
    pub sex: Sex,
    /// The kinds of assistance received (as "what works" names them).
    pub assistance: BTreeSet<String>,
}

/// The stratum a returnee falls in under `strata`.
pub fn stratum_of(case: &FrameCase, strata: Strata) -> String {
    match strata {
        Strata::None => "all".into(),
        Strata::Office => case.office_code.clone(),
        Strata::Sex => case.sex.as_str().into(),
        Strata::Assistance if case.assistance.is_empty() => "none".into(),
        Strata::Assistance => case
            .assistance
            .iter()
            .cloned()
            .collect::<Vec<_>>()
            .join("+"),
    }
}

/// The frame split into strata, each in a stable order (by case id), strata by name.
pub fn strata_of(frame: &[FrameCase], strata: Strata) -> Vec<(String, Vec<CaseId>)> {
    let mut by: BTreeMap<String, Vec<CaseId>> = BTreeMap::new();
    for case in frame {
        by.entry(stratum_of(case, strata))
            .or_default()
            .push(case.case);
    }
    by.into_iter()
        .map(|(k, mut v)| {
            v.sort();
            (k, v)
        })
        .collect()
}

/// The seed of one draw of a sample: the sample's own seed for the first, a stream of it for
/// each top-up.
fn draw_seed(seed: u64, draw: u32) -> u64 {
    seed.wrapping_add(u64::from(draw).wrapping_mul(0xD1B5_4A32_D192_ED03))
}

/// Draws `counts[i]` from stratum `i`, each stratum with its own stream of the draw's seed;
/// returns each drawn case with its stratum, in the order drawn.
pub fn draw(
    strata: &[(String, Vec<CaseId>)],
    counts: &[usize],
    seed: u64,
    draw: u32,
) -> Vec<(CaseId, String)> {
    let seed = draw_seed(seed, draw);
    strata
        .iter()
        .zip(counts)
        .enumerate()
        .flat_map(|(i, ((name, members), &k))| {
            let stream = seed.wrapping_add((i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
            simple_sample(members, k, stream)
                .into_iter()
                .map(move |c| (c, name.clone()))
        })
        .collect()
}

/// The first draw: the design's size out of the frame, spread over the strata in proportion.
pub fn first_draw(frame: &[FrameCase], design: &Design, seed: u64) -> Vec<(CaseId, String)> {
    let strata = strata_of(frame, design.strata);
    let sizes: Vec<usize> = strata.iter().map(|(_, m)| m.len()).collect();
    let counts = allocate(&sizes, design.size(frame.len()));
    draw(&strata, &counts, seed, 0)
}

/// A sampled returnee as a top-up sees them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member {
    pub case: CaseId,
    pub stratum: String,
    /// 0 for the first draw, then 1, 2… for each top-up.
    pub draw: u32,
    pub coverage: Coverage,
}

/// Replacements for those refused or not reachable: each stratum is brought back to what its
/// first draw gave it, from the frame's returnees not sampled yet, in the same way (draw
/// number `next_draw`). Returns the new members with their strata.
pub fn top_up(
    frame: &[FrameCase],
    strata: Strata,
    members: &[Member],
    seed: u64,
    next_draw: u32,
) -> Vec<(CaseId, String)> {
    let sampled: BTreeSet<CaseId> = members.iter().map(|m| m.case).collect();
    let unsampled: Vec<FrameCase> = frame
        .iter()
        .filter(|c| !sampled.contains(&c.case))
        .cloned()
        .collect();
    let pool = strata_of(&unsampled, strata);
    let needs: Vec<usize> = pool
        .iter()
        .map(|(name, _)| {
            let of = |m: &&Member| &m.stratum == name;
            let target = members.iter().filter(of).filter(|m| m.draw == 0).count();
            let in_play = members
                .iter()
                .filter(of)
                .filter(|m| m.coverage.is_in_play())
                .count();
            target.saturating_sub(in_play)
        })
        .collect();
    draw(&pool, &needs, seed, next_draw)
}

/// How a sample stands: members by what became of them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct CoverageCounts {
    pub pending: usize,
    pub reached: usize,
    pub refused: usize,
    pub unreachable: usize,
}

impl CoverageCounts {
    pub fn add(&mut self, c: Coverage) {
        match c {
            Coverage::Pending => self.pending += 1,
            Coverage::Reached => self.reached += 1,
            Coverage::Refused => self.refused += 1,
            Coverage::Unreachable => self.unreachable += 1,
        }
    }
    pub fn total(&self) -> usize {
        self.pending + self.reached + self.refused + self.unreachable
    }
}

/// What became of a member, counting a scored survey of the sample's round since the draw as
/// reached even when nobody recorded it.
pub fn effective_coverage(recorded: Coverage, surveyed_since_draw: bool) -> Coverage {
    if surveyed_since_draw && recorded == Coverage::Pending {
        Coverage::Reached
    } else {
        recorded
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn frame(n: usize) -> Vec<FrameCase> {
        (0..n)
            .map(|i| FrameCase {
                case: CaseId(Uuid::from_u128(i as u128 + 1)),
                office: OfficeId(Uuid::from_u128(if i % 4 == 0 { 1 } else { 2 })),
                office_code: if i % 4 == 0 { "THS" } else { "DKR" }.into(),
                sex: if i % 3 == 0 { Sex::Female } else { Sex::Male },
                assistance: if i % 2 == 0 {
                    ["economic".to_string()].into()
                } else {
                    BTreeSet::new()
                },
            })
            .collect()
    }

    fn design(strata: Strata) -> Design {
        Design::read("final", strata.as_str(), "5", "95").unwrap()
    }

    #[test]
    fn a_design_is_read_with_a_message_per_field() {
        let e = Design::read("later", "colour", "0", "97").unwrap_err();
        let fields: Vec<&str> = e.0.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["round", "strata", "margin", "confidence"]);
        let d = Design::read("intermediate", "", "2,5", "90").unwrap();
        assert_eq!(d.strata, Strata::None);
        assert_eq!(d.margin, 2.5);
    }

    #[test]
    fn the_first_draw_is_the_formula_s_size_spread_in_proportion_and_reproducible() {
        let f = frame(1000);
        let d = design(Strata::Office);
        assert_eq!(d.size(1000), 278);
        let drawn = first_draw(&f, &d, 77);
        assert_eq!(drawn.len(), 278);
        // A quarter of the frame is in THS.
        let ths = drawn.iter().filter(|(_, s)| s == "THS").count();
        assert!((69..=70).contains(&ths), "{ths}");
        assert_eq!(drawn, first_draw(&f, &d, 77));
        assert_ne!(drawn, first_draw(&f, &d, 78));
        // The frame's order does not matter: strata are sorted by case.
        let mut shuffled = f.clone();
        shuffled.reverse();
        assert_eq!(drawn, first_draw(&shuffled, &d, 77));
    }

    #[test]
    fn assistance_strata_are_the_set_received() {
        let mut c = frame(1).remove(0);
        assert_eq!(stratum_of(&c, Strata::Assistance), "economic");
        c.assistance.insert("social".into());
        assert_eq!(stratum_of(&c, Strata::Assistance), "economic+social");
        c.assistance.clear();
        assert_eq!(stratum_of(&c, Strata::Assistance), "none");
    }

    #[test]
    fn a_top_up_replaces_the_lost_in_their_own_stratum_with_new_returnees() {
        let f = frame(200);
        let d = design(Strata::Sex);
        let mut members: Vec<Member> = first_draw(&f, &d, 5)
            .into_iter()
            .map(|(case, stratum)| Member {
                case,
                stratum,
                draw: 0,
                coverage: Coverage::Pending,
            })
            .collect();
        assert!(top_up(&f, d.strata, &members, 5, 1).is_empty(), "none lost");
        let females: Vec<usize> = members
            .iter()
            .enumerate()
            .filter(|(_, m)| m.stratum == "female")
            .map(|(i, _)| i)
            .take(3)
            .collect();
        members[females[0]].coverage = Coverage::Refused;
        members[females[1]].coverage = Coverage::Unreachable;
        members[females[2]].coverage = Coverage::Reached;
        let added = top_up(&f, d.strata, &members, 5, 1);
        assert_eq!(added.len(), 2);
        assert!(added.iter().all(|(_, s)| s == "female"));
        assert!(
            added
                .iter()
                .all(|(c, _)| members.iter().all(|m| m.case != *c))
        );
        assert_eq!(added, top_up(&f, d.strata, &members, 5, 1), "reproducible");
        // Once the replacements are members, the stratum is back to its target.
        members.extend(added.into_iter().map(|(case, stratum)| Member {
            case,
            stratum,
            draw: 1,
            coverage: Coverage::Pending,
        }));
        assert!(top_up(&f, d.strata, &members, 5, 2).is_empty());
    }

    #[test]
    fn a_survey_since_the_draw_counts_as_reached_unless_recorded_otherwise() {
        assert_eq!(
            effective_coverage(Coverage::Pending, true),
            Coverage::Reached
        );
        assert_eq!(
            effective_coverage(Coverage::Refused, true),
            Coverage::Refused
        );
        assert_eq!(
            effective_coverage(Coverage::Pending, false),
            Coverage::Pending
        );
    }
}
