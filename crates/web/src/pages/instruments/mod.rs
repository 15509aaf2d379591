//! Forms: the library of instruments (upload, preview, publish, export) and filling them for a
//! case (drafts, live relevance over htmx, validation on submit).
//!
//! All the rules (relevance, calculations, constraints) run in the `forms` crate on the server;
//! this module turns posted fields into answers and answers into HTML.

use std::collections::BTreeMap;

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use domain::authz::{Action, Resource, authorize};
use forms::{Answer, Answers, Compiled, Form, Item, Kind, Position, path_of, pick};
use serde::Deserialize;
use store::{CaseRecord, FormOrigin, Submission, SubmissionStatus};
use time::Date;

use super::Page;
use super::{Chrome, CsrfForm, render, render_status};
use crate::AppState;
use crate::auth::{Caller, SignedIn, csrf_matches};
use crate::error::{AppError, ErrorKind};
use crate::i18n::Tr;
use app::cases::{audit_view, authorized_case};

/// The address of a form version. Ids and versions may hold spaces and other characters that
/// must be escaped in a path.
pub fn version_path(form_id: &str, version: &str) -> String {
    fn segment(s: &str) -> String {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect()
    }
    format!("/forms/{}/{}", segment(form_id), segment(version))
}

/// The language to show a form in: the reader's, when the form has it.
pub(crate) fn form_language(tr: &Tr, form: &Form) -> String {
    form.language_for(tr.lang())
}

mod encrypted;
mod files;
mod fill;
mod library;
mod read;
mod render;

pub use encrypted::*;
pub use files::*;
pub use fill::*;
pub use library::*;
pub use read::*;
pub use render::*;
