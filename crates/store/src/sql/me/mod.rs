//! Monitoring and evaluation: indicator figures counted in the database, what the dashboards
//! and "what works" read, monitoring samples and spot checks.
//!
//! Samples, spot checks, the records behind a figure and the referrals' answer times are one
//! body of SQL for both engines. The figures over every survey are not: SQLite reads them as
//! scans in case order over covering indexes (with `INDEXED BY` to hold the plan) merged in
//! Rust, which its planner, joining by a lookup per row, needs at a million returnees
//! (`sqlite::me`, docs/benchmarks.md); PostgreSQL gets them in its own terms, grouped queries
//! and batches of cases (`dashboards`, `outcomes`). The trait implementations for both engines
//! are in [`super::me_store`].

pub(crate) mod batches;
pub(crate) mod dashboards;
#[cfg(test)]
mod engines_agree;
pub(crate) mod indicators;
pub(crate) mod outcomes;
pub(crate) mod query;
pub(crate) mod samples;
pub(crate) mod spot_checks;

use super::Engine;

/// The comparison that holds when both sides are equal or both are NULL (an office, or none
/// for every office's records).
fn same(engine: Engine) -> &'static str {
    match engine {
        // SQLite's `IS` compares values and NULLs alike.
        Engine::Sqlite => "IS",
        // PostgreSQL's `IS` takes only NULL, TRUE and the like on its right.
        Engine::Postgres => "IS NOT DISTINCT FROM",
    }
}
