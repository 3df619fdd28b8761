//! Ticketing feeds, mirroring Python's `craic.feeds`: `importTicketmaster` / `importEventbrite`
//! (a page as a JSON string or a Buffer) into the import report as plain objects, with the
//! built-in genre map (`defaultGenreMap`); cross-feed de-duplication and the `AliasTable` are in
//! [`dedup`]. Conversion only: the core (`craic_core::feeds`) does the work.

mod dedup;

use std::collections::HashMap;

use craic_core::feeds::{
    self as core_feeds, DstRule, EventStatus, FeedError, ImportOptions as CoreOptions,
    ImportReport as CoreReport, ProblemKind,
};
use craic_core::ErrorKind;
use napi::bindgen_prelude::{Buffer, Either, Object};
use napi::Env;
use napi_derive::napi;

use crate::convert::{self, options, strict};
use crate::errors::{Fallible, OrThrow};
use crate::values::Item;

pub(crate) fn status_name(s: EventStatus) -> &'static str {
    match s {
        EventStatus::Scheduled => "scheduled",
        EventStatus::Rescheduled => "rescheduled",
        EventStatus::Postponed => "postponed",
        EventStatus::Cancelled => "cancelled",
    }
}

fn kind_name(k: &ProblemKind) -> &'static str {
    match k {
        ProblemKind::Missing => "missing",
        ProblemKind::WrongType { .. } => "wrong_type",
        ProblemKind::BadDateTime(_) => "bad_datetime",
        ProblemKind::UnknownTimezone(_) => "unknown_timezone",
        ProblemKind::DateToBeAnnounced => "date_to_be_announced",
        ProblemKind::InvalidItem(_) => "invalid_item",
        ProblemKind::EndBeforeStart => "end_before_start",
    }
}

options! {
    /// One imported listing: the item, the event's display name and its status.
    pub struct FeedEvent: "a feed event" {
        /// The item (`id` is `tm:…` / `eb:…`).
        pub item: [Item],
        /// The event's display name.
        pub name: [String],
        /// `"scheduled"` or `"rescheduled"`.
        #[napi(ts_type = "'scheduled' | 'rescheduled'")]
        pub status: [String],
    }
}

/// A cancelled or postponed event: pass its id to `Engine.removeItems`.
#[napi(object)]
pub struct Removal {
    /// The source id.
    pub id: String,
    /// `"cancelled"` or `"postponed"`.
    #[napi(ts_type = "'cancelled' | 'postponed'")]
    pub status: String,
}

/// A rejected event or a dropped field, with the JSON path of the field.
#[napi(object, use_nullable = true)]
pub struct Problem {
    /// The event's source id, if it could be read.
    pub id: Option<String>,
    /// Position of the event in the page's events array.
    pub index: u32,
    /// JSON path of the field, e.g. `$._embedded.events[3].dates.start`.
    pub path: String,
    /// `missing`, `wrong_type`, `bad_datetime`, `unknown_timezone`, `date_to_be_announced`,
    /// `invalid_item` or `end_before_start`.
    pub kind: String,
    /// Path and reason, readable.
    pub message: String,
}

impl From<&core_feeds::Problem> for Problem {
    fn from(p: &core_feeds::Problem) -> Self {
        Problem {
            id: p.id.clone(),
            index: u32::try_from(p.index).unwrap_or(u32::MAX),
            path: p.path.clone(),
            kind: kind_name(&p.kind).to_string(),
            message: p.to_string(),
        }
    }
}

/// Everything one feed page gave.
#[napi(object, object_from_js = false)]
pub struct ImportReport {
    /// Events to upsert, in page order.
    pub events: Vec<FeedEvent>,
    /// Cancelled / postponed events.
    pub removed: Vec<Removal>,
    /// Events not imported (the rest of the page was).
    pub rejected: Vec<Problem>,
    /// Fields dropped from imported events.
    pub warnings: Vec<Problem>,
    /// Genre labels the mapping does not know, with counts (kept as slugs).
    pub unmapped_genres: HashMap<String, u32>,
    /// Entries in the page's events array.
    pub seen: u32,
    /// The imported items, in page order (`events[i].item`).
    pub items: Vec<Item>,
    /// Ids of cancelled / postponed events, for `Engine.removeItems`.
    pub removed_ids: Vec<String>,
    /// Ids of imported events whose date was moved.
    pub rescheduled_ids: Vec<String>,
}

impl From<CoreReport> for ImportReport {
    fn from(r: CoreReport) -> Self {
        let removed_ids = r.removed_ids().into_iter().map(str::to_owned).collect();
        let rescheduled_ids = r.rescheduled_ids().into_iter().map(str::to_owned).collect();
        let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        ImportReport {
            items: r.items().into_iter().map(Item::from).collect(),
            events: r
                .events
                .into_iter()
                .map(|e| FeedEvent {
                    status: status_name(e.status).to_string(),
                    item: e.item.into(),
                    name: e.name,
                })
                .collect(),
            removed: r
                .removed
                .into_iter()
                .map(|x| Removal {
                    id: x.id,
                    status: status_name(x.status).to_string(),
                })
                .collect(),
            rejected: r.rejected.iter().map(Problem::from).collect(),
            warnings: r.warnings.iter().map(Problem::from).collect(),
            unmapped_genres: r
                .unmapped_genres
                .into_iter()
                .map(|(k, v)| (k, count(v)))
                .collect(),
            seen: count(r.seen),
            removed_ids,
            rescheduled_ids,
        }
    }
}

options! {
    /// Import options: extra genre mappings and fixed-offset time zones.
    pub struct ImportOptions: "import options" {
        /// Adds or overrides genre mappings: feed label → craic genres.
        pub genres: [Option<HashMap<String, Vec<String>>>],
        /// Adds fixed-offset zones: IANA name → seconds east of UTC (whole numbers).
        pub zones: [Option<HashMap<String, f64>>],
    }
}

impl ImportOptions {
    fn into_core(self) -> Fallible<CoreOptions> {
        let mut o = CoreOptions::default();
        let mut genres: Vec<(String, Vec<String>)> =
            self.genres.unwrap_or_default().into_iter().collect();
        genres.sort();
        for (label, g) in genres {
            o.genres.insert(&label, g);
        }
        for (zone, offset) in self.zones.unwrap_or_default() {
            let what = format!("zones[{zone:?}]");
            let secs = convert::whole(offset, &what, ErrorKind::InvalidConfig)?;
            o.zones.insert(zone, secs, DstRule::None);
        }
        Ok(o)
    }
}

type Importer = fn(&[u8], &CoreOptions) -> Result<CoreReport, FeedError>;

fn run(
    env: &Env,
    json: Either<String, Buffer>,
    options: Option<Object>,
    import: Importer,
) -> napi::Result<ImportReport> {
    let options: Option<ImportOptions> = strict(env, options)?;
    let options = options.unwrap_or_default().into_core().or_throw(env)?;
    let bytes: &[u8] = match &json {
        Either::A(s) => s.as_bytes(),
        Either::B(b) => b,
    };
    import(bytes, &options).map(Into::into).or_throw(env)
}

/// Imports a Ticketmaster Discovery v2 event search page (the JSON text, or its bytes). A page
/// that is not JSON, or not such a page, throws an `InvalidInputError` (`CRAIC_INVALID_FEED`);
/// a bad event is reported in `rejected` and the rest of the page imported.
#[napi(catch_unwind)]
pub fn import_ticketmaster(
    env: Env,
    json: Either<String, Buffer>,
    #[napi(ts_arg_type = "ImportOptions")] options: Option<Object>,
) -> napi::Result<ImportReport> {
    run(&env, json, options, |b, o| {
        core_feeds::import_ticketmaster(b, o)
    })
}

/// Imports an Eventbrite v3 event list page; see `importTicketmaster`.
#[napi(catch_unwind)]
pub fn import_eventbrite(
    env: Env,
    json: Either<String, Buffer>,
    #[napi(ts_arg_type = "ImportOptions")] options: Option<Object>,
) -> napi::Result<ImportReport> {
    run(&env, json, options, |b, o| {
        core_feeds::import_eventbrite(b, o)
    })
}

/// The built-in genre mapping: normalised feed label → craic genres.
#[napi(catch_unwind)]
pub fn default_genre_map() -> HashMap<String, Vec<String>> {
    core_feeds::GenreMap::default()
        .entries()
        .map(|(k, v)| (k.to_string(), v.to_vec()))
        .collect()
}
