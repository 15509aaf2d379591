#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The forms crate's integration tests as one binary: the XLSForm corpus and pyxform's own files.

mod corpus;
mod corpus_cases;
mod engine_rules;
mod fuzz_inputs;
mod hostile;
mod pyxform_conformance;
