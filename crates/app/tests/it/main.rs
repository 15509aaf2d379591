#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The use cases' integration tests as one binary, against the embedded store with a fixed
//! clock.

mod transactions;
