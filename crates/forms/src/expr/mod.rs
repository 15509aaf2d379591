//! The XLSForm expression language: the XPath subset that `relevant`, `constraint`,
//! `calculation`, `choice_filter` and `default` columns use.
//!
//! Expressions are parsed once, when a form is imported, into an [`Expr`] tree; a form whose
//! expressions do not parse, or that name a field or function that does not exist, is refused
//! then. Evaluation works on [`Value`]s with XPath 1.0 coercions, plus ODK's treatment of dates
//! (a date compares with a date, and counts as days since 1970 in arithmetic).

use std::fmt;

use regex::Regex;
use time::Date;

mod eval;
mod functions;
pub use functions::{datetime, parse_time, points};
mod parse;
mod syntax;

pub use eval::*;
pub use parse::*;
pub use syntax::*;
