//! Learning what works: how RSS scores changed between baseline and a later survey, compared
//! across kinds of assistance or profiles, raw and adjusted for baseline and profile. For M&E
//! officers and programme managers; viewers get the same figures, where no group is smaller
//! than the small-cell rule allows.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use domain::ValidationErrors;
use domain::authz::{Action, Actor, Resource, authorize, small_cell_threshold};
use domain::me::outcomes::{Comparing, Excluded, LaterRound, Outcome, WHAT_WORKS_AXES, groups_of};
use domain::me::what_works::{Comparison, LEVEL, MIN_GROUP, Sums};
use domain::me::{AgeBands, Axis};

use crate::{App, Error};

/// Comparisons made at once. Each reads every surveyed returnee of its scope, a second or two
/// of one core at a million returnees, so a burst of readers waits its turn rather than taking
/// every core from the other users.
static COMPARING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(1);

/// What is asked: which score, which later round, along which axis, and optionally within
/// each group of a second (profile) axis.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Question {
    pub outcome: Outcome,
    pub later: LaterRound,
    pub by: Axis,
    pub within: Option<Axis>,
}

impl Question {
    /// Reads a question as typed in a query string; blanks take the defaults (composite score,
    /// final round, by assistance). Unknown values are field errors, never guessed.
    pub fn read(
        outcome: &str,
        later: &str,
        by: &str,
        within: &str,
    ) -> Result<Question, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let axis = |t: &str| Axis::parse(t).filter(|a| WHAT_WORKS_AXES.contains(a));
        let outcome = choose(
            &mut e,
            "outcome",
            outcome,
            Some(Outcome::Composite),
            Outcome::parse,
        );
        let later = choose(
            &mut e,
            "later",
            later,
            Some(LaterRound::Final),
            LaterRound::parse,
        );
        let by = choose(&mut e, "by", by, Some(Axis::Assistance), axis);
        // Within a profile group only: kinds of assistance overlap, they cannot split returnees.
        let within = choose(&mut e, "within", within, None, |t| {
            axis(t).filter(|a| *a != Axis::Assistance && Some(*a) != by)
        });
        match (outcome, later, by) {
            (Some(outcome), Some(later), Some(by)) if e.is_empty() => Ok(Question {
                outcome,
                later,
                by,
                within,
            }),
            _ => Err(e),
        }
    }
}

/// A choice as typed: a blank takes `default`, anything else must parse (else a field error).
fn choose<T>(
    e: &mut ValidationErrors,
    field: &str,
    text: &str,
    default: Option<T>,
    parse: impl Fn(&str) -> Option<T>,
) -> Option<T> {
    let text = text.trim();
    if text.is_empty() {
        return default;
    }
    let chosen = parse(text);
    if chosen.is_none() {
        e.add(field, "error-choice");
    }
    chosen
}

/// One comparison: for everyone, or for the returnees of one group of the `within` axis.
pub struct Part {
    pub within: Option<String>,
    pub comparison: Comparison,
}

pub struct Answer {
    pub question: Question,
    pub parts: Vec<Part>,
    pub excluded: Excluded,
    /// Returnees compared in all; `None` for a reader under the small-cell rule when a group
    /// was left out (its size would follow from the total).
    pub observations: Option<usize>,
    pub min_group: usize,
    pub level: f64,
}

/// The comparison asked, over the returnees of the actor's office (all offices for national
/// readers). The returnees are added up as the store reads them: the memory used does not grow
/// with their number.
pub async fn what_works(app: &App, actor: &Actor, q: Question) -> Result<Answer, Error> {
    authorize(actor, Action::ReadAggregates, Resource::Programme)?;
    let _turn = COMPARING.acquire().await.map_err(Error::internal)?;
    let model = crate::rss::active_model(app.store.as_ref())
        .await
        .map_err(Error::internal)?;
    let threshold = small_cell_threshold(actor);
    let min_group = MIN_GROUP.max(threshold.unwrap_or(0) as usize);
    let comparing = Comparing {
        outcome: q.outcome,
        later: q.later,
        axis: q.by,
        model,
        age_bands: AgeBands::default(),
    };
    let tally = Arc::new(Mutex::new(Tally::default()));
    let adding = Arc::clone(&tally);
    app.store
        .visit_outcome_facts(
            actor.office,
            &comparing.rounds(),
            Box::new(move |facts| {
                let mut t = adding.lock().unwrap_or_else(|e| e.into_inner());
                let within = q.within.map(|w| {
                    groups_of(&facts, w, &comparing.age_bands)
                        .into_iter()
                        .next()
                        .unwrap_or_default()
                });
                if let Some(o) = comparing.observation(&facts, &mut t.excluded) {
                    t.parts.entry(within).or_default().add(&o);
                }
            }),
        )
        .await?;
    let tally = std::mem::take(&mut *tally.lock().unwrap_or_else(|e| e.into_inner()));
    let reference = (q.by == Axis::Assistance).then_some(domain::me::outcomes::NO_ASSISTANCE);
    // Solving the adjusted comparison is a little arithmetic per group, however many returnees.
    let parts: Vec<Part> = tally
        .parts
        .into_iter()
        .map(|(within, sums)| Part {
            within,
            comparison: sums.compare(reference, min_group, LEVEL),
        })
        .collect();
    let total = parts.iter().map(|p| p.comparison.observations).sum();
    let any_hidden = parts.iter().any(|p| p.comparison.hidden > 0);
    Ok(Answer {
        question: q,
        observations: (threshold.is_none() || !any_hidden).then_some(total),
        parts,
        excluded: tally.excluded,
        min_group,
        level: LEVEL,
    })
}

/// The sums of each part of a comparison, and what was left out, as the returnees are read.
#[derive(Default)]
struct Tally {
    parts: BTreeMap<Option<String>, Sums>,
    excluded: Excluded,
}
