#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The web crate's integration tests as one binary: HTTP journeys against the real server, the
//! route × role authorization walk, and browser journeys in headless Chromium.

mod browser;
mod browser_erasure;
mod browser_field_devices;
mod browser_field_forms;
mod browser_form_files;
mod browser_forms;
mod browser_imports;
mod browser_keyboard;
mod browser_languages;
mod browser_phone;
mod browser_two_step;
mod case_list_due;
mod common;
mod community_journey;
mod double_posts;
mod erasure;
mod error_summaries;
mod exports;
mod field_forms;
mod form_files;
mod forms_journey;
mod hardening;
mod hostile_uploads;
mod http;
mod imports;
mod input_limits;
mod languages;
mod layers;
mod money;
mod monitoring_samples;
mod openrosa;
mod openrosa_sealed;
mod openrosa_survey;
mod partner_view;
mod pathway_journey;
mod plan_returns;
mod plan_suggestions;
mod possible_matches;
mod prefill;
mod record_exports;
mod referrals_journey;
mod results_journey;
mod role_matrix;
mod rss_journey;
mod session_ended;
mod sign_in_next;
mod sign_in_throttling;
mod spot_checks;
mod survey_imports;
mod two_step;
mod visit_window;
#[path = "common/browser.rs"]
mod webdriver;
mod what_works;
