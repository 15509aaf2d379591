//! The generated programme hides a finding: its cash grants for microbusinesses help women
//! and do nothing for men. Comparing by assistance within each sex, as the "what works" page
//! does, finds it in the data `reintegra demo` writes.

use domain::case::Sex;
use domain::me::outcomes::{LaterRound, Outcome, observations};
use domain::me::what_works::{LEVEL, MIN_GROUP, compare};
use domain::me::{AgeBands, Axis};
use store::prelude::*;

use crate::run::{reintegra_with, text};

#[tokio::test]
async fn the_generated_grant_is_found_to_help_women_and_not_men() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    let demo = reintegra_with(Some(&dir), &["demo", "--cases", "900"], "");
    assert!(demo.status.success(), "{}", text(&demo));
    let store = store::SqliteStore::open_in(&dir).await.unwrap();
    let given = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = std::sync::Arc::clone(&given);
    store
        .visit_outcome_facts(
            None,
            &domain::rss::Round::ALL,
            Box::new(move |f| sink.lock().unwrap().push(f)),
        )
        .await
        .unwrap();
    let facts = std::mem::take(&mut *given.lock().unwrap());
    let model = domain::rss::default_model();
    let mut found = Vec::new();
    for sex in [Sex::Female, Sex::Male] {
        let these: Vec<_> = facts.iter().filter(|f| f.sex == sex).cloned().collect();
        let (obs, _) = observations(
            &these,
            Outcome::Composite,
            LaterRound::Intermediate,
            Axis::Assistance,
            &model,
            &AgeBands::default(),
        );
        let c = compare(&obs, Some("none"), MIN_GROUP, LEVEL);
        let cash = c
            .groups
            .iter()
            .find(|g| g.group == "cash")
            .unwrap_or_else(|| panic!("a cash group for {sex:?}: {c:?}"));
        found.push((sex, cash.n, cash.adjusted.unwrap()));
    }
    let (_, n, women) = found[0];
    assert!(n >= MIN_GROUP, "{found:?}");
    assert!(women.low > 0.0 && women.estimate > 0.05, "{found:?}");
    let (_, _, men) = found[1];
    assert!(men.estimate.abs() < 0.03, "{found:?}");
    assert!(men.estimate < women.low, "{found:?}");
}
