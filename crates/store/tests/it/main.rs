#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The store's integration tests as one binary: the backend-agnostic conformance suite run
//! against SQLite, and SQLite's own checks.

mod conformance;
mod sqlite;
