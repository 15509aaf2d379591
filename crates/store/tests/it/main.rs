#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The store's integration tests as one binary: the backend-agnostic conformance suite run
//! against SQLite, a check that the suite calls every method of the store, and SQLite's own
//! checks.

mod backup;
mod conformance;
mod coverage;
mod instance;
mod postgres;
mod sqlite;
