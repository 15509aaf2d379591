#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Domain integration tests: the RSS scoring golden vectors.

mod rss_scoring;
