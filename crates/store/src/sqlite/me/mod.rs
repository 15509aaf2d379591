//! SQLite's own reading of the figures over every survey: whole tables scanned in case order
//! over covering indexes and merged in Rust, a row at a time, because SQLite's planner joins by
//! looking each row up (docs/benchmarks.md). The rest of monitoring and evaluation, and
//! PostgreSQL's forms of these, are in `crate::sql::me`.

mod dashboards;
mod indicators;
mod outcomes;
#[cfg(test)]
mod tests;

pub(crate) use dashboards::{follow_up_facts, item_means, survey_summary};
pub(crate) use indicators::tallies;
pub(crate) use outcomes::assistance_received;
