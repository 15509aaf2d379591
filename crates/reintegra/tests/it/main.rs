#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The binary's integration tests as one binary: the command line and the benchmark smoke run.

mod backup_cli;
mod bench_smoke;
mod cli;
mod common;
mod crash_smoke;
mod data_cli;
mod demo_what_works;
mod field_cli;
mod handover_cli;
mod postgres_cli;
mod retention;
mod run;
mod two_instances;
mod view_audit;
