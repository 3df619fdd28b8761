//! Event catalogue from ticketing feeds: importers for the Ticketmaster Discovery API (v2) event
//! search page and the Eventbrite API (v3) event list, a genre vocabulary shared by both, and
//! cross-feed de-duplication with an alias table.
//!
//! No network code: the caller fetches pages and hands them over as any [`std::io::Read`].
//! Each page is read as a stream: the top-level object is walked with a serde visitor and the
//! events array is deserialized one event at a time, so memory holds one event's JSON (plus the
//! items produced so far), never the whole page as a `serde_json::Value`.
//!
//! ```
//! use craic_core::feeds::{import_ticketmaster, ImportOptions};
//! let page = r#"{"_embedded":{"events":[{"id":"G5v","name":"Lankum",
//!   "dates":{"start":{"dateTime":"2026-12-05T20:00:00Z"},"status":{"code":"onsale"}},
//!   "_embedded":{"venues":[{"name":"Vicar Street","city":{"name":"Dublin"}}]}}]}}"#;
//! let report = import_ticketmaster(page.as_bytes(), &ImportOptions::default())?;
//! assert_eq!(report.items()[0].id, "tm:G5v");
//! assert_eq!(report.items()[0].venue, "Vicar Street");
//! # Ok::<(), craic_core::feeds::FeedError>(())
//! ```
//!
//! The policies (missing fields, statuses, time zones, genre mapping, matching) are described in
//! `docs/feeds.md`.

mod alias;
mod dedup;
mod eventbrite;
mod fields;
mod genres;
mod matching;
mod stream;
mod text;
mod ticketmaster;
mod time;

use std::collections::BTreeMap;
use std::fmt;

use crate::data::item::Item;

pub use alias::{AliasTable, Split};
pub use dedup::{deduplicate, explain, Dedup, Gate, MatchConfig, MatchExplanation, MatchedGroup};
pub use eventbrite::import_eventbrite;
pub use genres::GenreMap;
pub use ticketmaster::import_ticketmaster;
pub use time::{DstRule, Zones};

/// Which feed a listing came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Source {
    /// Ticketmaster Discovery API v2; item ids are `tm:<event id>`.
    Ticketmaster,
    /// Eventbrite API v3; item ids are `eb:<event id>`.
    Eventbrite,
}

impl Source {
    /// The id prefix of this source (`"tm"` or `"eb"`).
    pub fn prefix(self) -> &'static str {
        match self {
            Source::Ticketmaster => "tm",
            Source::Eventbrite => "eb",
        }
    }

    /// The source of an item id by its prefix (`tm:` / `eb:`), if any.
    pub fn of_id(id: &str) -> Option<Source> {
        match id.split_once(':')?.0 {
            "tm" => Some(Source::Ticketmaster),
            "eb" => Some(Source::Eventbrite),
            _ => None,
        }
    }
}

/// What a feed says about an event's schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventStatus {
    /// On sale, live, sold out, ended...: the event takes place as listed.
    Scheduled,
    /// Moved to the date now listed (Ticketmaster `rescheduled`).
    Rescheduled,
    /// Postponed without a new date (Ticketmaster `postponed`).
    Postponed,
    /// Cancelled (Ticketmaster `cancelled`, Eventbrite `canceled`).
    Cancelled,
}

/// One imported listing: the craic [`Item`] plus what de-duplication needs besides it.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedEvent {
    /// The item (`id` is `tm:…` / `eb:…`; city and venue as the feed spells them).
    pub item: Item,
    /// The event's display name (`name` on Ticketmaster, `name.text` on Eventbrite).
    pub name: String,
    /// The feed's status, [`EventStatus::Scheduled`] or [`EventStatus::Rescheduled`].
    pub status: EventStatus,
}

/// An event the import did not turn into an item, or a field it dropped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The source id (`tm:…`) if the event's id could be read.
    pub id: Option<String>,
    /// Position of the event in the page's events array.
    pub index: usize,
    /// JSON path of the bad or missing field, e.g. `$._embedded.events[3].dates.start`.
    pub path: String,
    /// What is wrong.
    pub kind: ProblemKind,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.kind)
    }
}

/// Why a field or an event was not used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProblemKind {
    /// A required field is absent or null.
    Missing,
    /// The field has the wrong JSON type (`expected` names the type wanted).
    WrongType {
        /// The JSON type the importer needs there.
        expected: &'static str,
    },
    /// A date or time that does not parse (the value, truncated to 64 characters).
    BadDateTime(String),
    /// Only a local time is given and its zone is absent or not in [`Zones`].
    UnknownTimezone(String),
    /// The date is announced later (`dateTBA` / `dateTBD`): no start time.
    DateToBeAnnounced,
    /// The item does not pass [`Item::validate`] (the core's reason).
    InvalidItem(String),
    /// The end is before the start; the end was dropped (a warning, the item is imported).
    EndBeforeStart,
}

impl fmt::Display for ProblemKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProblemKind::Missing => write!(f, "missing"),
            ProblemKind::WrongType { expected } => write!(f, "expected {expected}"),
            ProblemKind::BadDateTime(v) => write!(f, "unparseable date/time {v:?}"),
            ProblemKind::UnknownTimezone(z) => write!(f, "unknown time zone {z:?}"),
            ProblemKind::DateToBeAnnounced => write!(f, "date to be announced"),
            ProblemKind::InvalidItem(r) => write!(f, "invalid item: {r}"),
            ProblemKind::EndBeforeStart => write!(f, "end before start (end dropped)"),
        }
    }
}

/// An event the feed marks cancelled or postponed: remove it from the engine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Removal {
    /// The source id (`tm:…` / `eb:…`).
    pub id: String,
    /// [`EventStatus::Cancelled`] or [`EventStatus::Postponed`].
    pub status: EventStatus,
}

/// Everything one page gave.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ImportReport {
    /// Events to upsert (scheduled and rescheduled), in page order.
    pub events: Vec<FeedEvent>,
    /// Cancelled / postponed events, to pass to `Engine::remove_items`.
    pub removed: Vec<Removal>,
    /// Events dropped for a bad or missing required field (the rest of the page is imported).
    pub rejected: Vec<Problem>,
    /// Fields dropped from imported events (bad optional fields).
    pub warnings: Vec<Problem>,
    /// Genre labels the [`GenreMap`] does not know, with how often they were seen (they are kept
    /// as slugs; add them to the map to fold them into the vocabulary).
    pub unmapped_genres: BTreeMap<String, usize>,
    /// Number of entries in the page's events array.
    pub seen: usize,
}

impl ImportReport {
    /// The imported items (clones), in page order.
    pub fn items(&self) -> Vec<Item> {
        self.events.iter().map(|e| e.item.clone()).collect()
    }

    /// Ids of the events to remove, in the form `Engine::remove_items` takes.
    pub fn removed_ids(&self) -> Vec<&str> {
        self.removed.iter().map(|r| r.id.as_str()).collect()
    }

    /// Ids of imported events whose date was moved (upsert them to replace the old date).
    pub fn rescheduled_ids(&self) -> Vec<&str> {
        self.events
            .iter()
            .filter(|e| e.status == EventStatus::Rescheduled)
            .map(|e| e.item.id.as_str())
            .collect()
    }
}

/// How to import: the genre vocabulary and the time zones local times are resolved in.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ImportOptions {
    /// Feed genre label → craic genres.
    pub genres: GenreMap,
    /// Zones for local times without an instant.
    pub zones: Zones,
}

/// Why a whole page could not be read (per-event problems are [`Problem`]s in the report).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum FeedError {
    /// The bytes are not JSON (or end early), or the read failed; `line`/`column` are 1-based
    /// (0 when unknown). Events before the error are not returned: a page is all or nothing at
    /// this level.
    #[error("page is not valid JSON at line {line}, column {column}: {message}")]
    Syntax {
        /// Line of the error.
        line: usize,
        /// Column of the error.
        column: usize,
        /// serde_json's message.
        message: String,
    },
    /// The JSON is valid but not a page of this feed (e.g. the events field is not an array).
    #[error("not a {feed} page: {path}: {reason}")]
    Shape {
        /// `"Ticketmaster"` or `"Eventbrite"`.
        feed: &'static str,
        /// JSON path of the offending value.
        path: String,
        /// What was expected there.
        reason: String,
    },
}
