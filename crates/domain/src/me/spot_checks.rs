//! Spot checks (Module 5: "validate data by random spot checks" against the beneficiary): a
//! programme manager draws a random share of recent records for verification, and a verifier
//! who did not record the item says whether the returnee confirms it.

use std::collections::BTreeMap;

use serde::Serialize;

use super::sampling::simple_sample;
use crate::case::{MAX_LONG_TEXT, named_enum};
use crate::ids::UserId;
use crate::validation::ValidationErrors;

named_enum!(
    /// What is checked.
    SpotKind {
        /// Disbursements of grants and hand-overs of goods, as recorded on the plan.
        Disbursement = "disbursement",
        /// Completed, scored RSS surveys.
        Survey = "survey",
    }
);

named_enum!(
    /// What the verification found.
    SpotOutcome {
        Pending = "pending",
        /// The returnee confirms what was recorded.
        Confirmed = "confirmed",
        /// The returnee's account differs from the record (the note says how).
        Discrepancy = "discrepancy",
        /// The returnee could not be reached.
        Unreachable = "unreachable",
    }
);

/// The most recent days a check may look back over.
pub const MAX_DAYS: u32 = 365;

/// A spot check's design as chosen.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct SpotDesign {
    pub kind: SpotKind,
    /// The share to verify, in percent (1–100).
    pub share: u32,
    /// How far back "recent" goes, in days.
    pub days: u32,
}

impl SpotDesign {
    pub fn read(kind: &str, share: &str, days: &str) -> Result<SpotDesign, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let kind = SpotKind::parse(kind);
        if kind.is_none() {
            e.add("kind", "error-choice");
        }
        let share = match share.trim().trim_end_matches('%').trim().parse::<u32>() {
            Ok(s) if (1..=100).contains(&s) => Some(s),
            _ => {
                e.add("share", "error-spot-share");
                None
            }
        };
        let days = match days.trim().parse::<u32>() {
            Ok(d) if (1..=MAX_DAYS).contains(&d) => Some(d),
            _ => {
                e.add("days", "error-spot-days");
                None
            }
        };
        match (kind, share, days) {
            (Some(kind), Some(share), Some(days)) => Ok(SpotDesign { kind, share, days }),
            _ => Err(e),
        }
    }

    /// How many of `population` items to verify: the share, rounded up (at least one when
    /// there is anything to check).
    pub fn size(&self, population: usize) -> usize {
        (population * self.share as usize)
            .div_ceil(100)
            .min(population)
    }
}

/// The items to verify, drawn at random from `items` (in a stable order) with `seed`.
pub fn draw<T: Clone>(items: &[T], design: &SpotDesign, seed: u64) -> Vec<T> {
    simple_sample(items, design.size(items.len()), seed)
}

/// Checks a verification: a real outcome, a note for a discrepancy, and a verifier who is not
/// the person who recorded the item.
pub fn check_verification(
    outcome: &str,
    note: &str,
    verifier: UserId,
    recorder: Option<UserId>,
) -> Result<SpotOutcome, ValidationErrors> {
    let mut e = ValidationErrors::new();
    let outcome = SpotOutcome::parse(outcome).filter(|o| *o != SpotOutcome::Pending);
    match outcome {
        None => e.add("outcome", "error-choice"),
        Some(SpotOutcome::Discrepancy) if note.trim().is_empty() => {
            e.add("note", "error-spot-note")
        }
        _ => {}
    }
    if note.chars().count() > MAX_LONG_TEXT {
        e.add("note", "error-too-long");
    }
    if recorder == Some(verifier) {
        e.add("outcome", "error-spot-own-item");
    }
    match outcome {
        Some(o) if e.is_empty() => Ok(o),
        _ => Err(e),
    }
}

/// Verified items of one group (an office, a recorder): how many were confirmed, how many
/// differed, how many could not be reached, and the share of those verified that differed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub struct DiscrepancyRate {
    pub confirmed: usize,
    pub discrepancies: usize,
    pub unreachable: usize,
    pub pending: usize,
    /// Discrepancies over items verified (confirmed or discrepancy); `None` before any.
    pub rate: Option<f64>,
}

/// Rates per group from (group, outcome) pairs.
pub fn rates<'a>(
    items: impl IntoIterator<Item = (&'a str, SpotOutcome)>,
) -> BTreeMap<String, DiscrepancyRate> {
    let mut out: BTreeMap<String, DiscrepancyRate> = BTreeMap::new();
    for (group, outcome) in items {
        let r = out.entry(group.to_string()).or_default();
        match outcome {
            SpotOutcome::Confirmed => r.confirmed += 1,
            SpotOutcome::Discrepancy => r.discrepancies += 1,
            SpotOutcome::Unreachable => r.unreachable += 1,
            SpotOutcome::Pending => r.pending += 1,
        }
    }
    for r in out.values_mut() {
        let verified = r.confirmed + r.discrepancies;
        r.rate = (verified > 0).then(|| r.discrepancies as f64 / verified as f64);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    #[test]
    fn a_design_is_read_with_a_message_per_field() {
        let e = SpotDesign::read("payment", "0", "400").unwrap_err();
        let fields: Vec<&str> = e.0.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["kind", "share", "days"]);
        let d = SpotDesign::read("survey", "10%", "90").unwrap();
        assert_eq!((d.kind, d.share, d.days), (SpotKind::Survey, 10, 90));
    }

    #[test]
    fn the_share_is_rounded_up_and_the_draw_reproducible() {
        let d = SpotDesign::read("disbursement", "10", "30").unwrap();
        assert_eq!(d.size(0), 0);
        assert_eq!(d.size(1), 1);
        assert_eq!(d.size(95), 10);
        assert_eq!(d.size(100), 10);
        let items: Vec<u32> = (0..95).collect();
        let a = draw(&items, &d, 3);
        assert_eq!(a.len(), 10);
        assert_eq!(a, draw(&items, &d, 3));
    }

    #[test]
    fn a_verifier_never_checks_their_own_record_and_explains_a_discrepancy() {
        let (me, other) = (UserId(Uuid::from_u128(1)), UserId(Uuid::from_u128(2)));
        assert_eq!(
            check_verification("confirmed", "", me, Some(other)),
            Ok(SpotOutcome::Confirmed)
        );
        let own = check_verification("confirmed", "", me, Some(me)).unwrap_err();
        assert_eq!(own.0[0].code, "error-spot-own-item");
        let bare = check_verification("discrepancy", " ", me, Some(other)).unwrap_err();
        assert_eq!(bare.0[0].field, "note");
        assert!(check_verification("pending", "", me, None).is_err());
        assert_eq!(
            check_verification("discrepancy", "received 50,000 not 150,000", me, None),
            Ok(SpotOutcome::Discrepancy)
        );
    }

    #[test]
    fn the_rate_counts_discrepancies_among_items_verified() {
        let r = rates([
            ("DKR", SpotOutcome::Confirmed),
            ("DKR", SpotOutcome::Discrepancy),
            ("DKR", SpotOutcome::Confirmed),
            ("DKR", SpotOutcome::Unreachable),
            ("THS", SpotOutcome::Pending),
        ]);
        assert_eq!(r["DKR"].rate, Some(1.0 / 3.0));
        assert_eq!(r["DKR"].unreachable, 1);
        assert_eq!(r["THS"].rate, None);
    }
}
