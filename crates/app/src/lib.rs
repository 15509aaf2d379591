//! Reintegra's use cases: the application layer between the HTTP front ends (pages, JSON API),
//! the command line, and the rules (`domain`) and storage (`store`) below.
//!
//! Each user action is one function here. It authorizes once through
//! `domain::authz::authorize`, lets `domain` normalise and check the input, and writes through
//! one store call that commits the change with its audit entry. Pages, the API and the CLI call
//! these functions, never a copy of them, so they cannot drift apart. Nothing here knows about
//! HTTP, HTML or SQL.

pub mod accounts;
pub mod attachments;
pub mod cases;
pub mod community;
pub mod dashboards;
mod error;
pub mod exports;
pub mod feedback;
pub mod field;
pub mod forms;
pub mod handover;
pub mod imports;
pub mod instruments;
pub mod lookups;
pub mod merges;
mod page_reads;
pub mod pathway;
pub mod programme;
pub mod referrals;
pub mod replies;
pub mod results;
pub mod retention;
pub mod rss;
pub mod samples;
pub mod sessions;
pub mod spot_checks;
pub mod submissions;
pub mod two_factor;
pub mod what_works;

use std::sync::Arc;

use store::Store;
use time::{Date, OffsetDateTime};

pub use error::{Error, ErrorKind};

/// What every use case runs against: the store and the clock.
#[derive(Clone)]
pub struct App {
    pub store: Arc<dyn Store>,
    pub clock: Clock,
    /// Published form versions, compiled once (they never change).
    pub compiled_forms: Arc<crate::forms::CompiledForms>,
    /// Sessions read in the last moment (see [`sessions`]).
    pub sessions: Arc<sessions::SessionCache>,
    /// What the parts of one page share, for an application made for one page
    /// ([`App::for_one_page`]); `None` otherwise.
    page_reads: Option<Arc<page_reads::PageReads>>,
}

impl App {
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self {
            store,
            clock: Clock::System,
            compiled_forms: Arc::default(),
            sessions: Arc::default(),
            page_reads: None,
        }
    }

    /// The same application with a fixed clock (tests).
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    pub fn now(&self) -> OffsetDateTime {
        self.clock.now()
    }

    pub fn today(&self) -> Date {
        self.now().date()
    }
}

/// Where "now" comes from. Part of the application, not read ad hoc, so that a test can fix
/// the date every rule sees.
#[derive(Clone, Copy, Debug, Default)]
pub enum Clock {
    #[default]
    System,
    Fixed(OffsetDateTime),
}

impl Clock {
    pub fn now(self) -> OffsetDateTime {
        match self {
            Clock::System => OffsetDateTime::now_utc(),
            Clock::Fixed(at) => at,
        }
    }
}

/// Parses an identifier from a path or a form; one that cannot be read names nothing.
pub fn parse_id<T: std::str::FromStr>(s: &str) -> Result<T, Error> {
    s.parse().map_err(|_| Error::new(ErrorKind::NotFound))
}
