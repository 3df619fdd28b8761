//! Eventbrite API v3: a list of events (`{"pagination": {...}, "events": [...]}`, as returned by
//! the organization / venue event lists), with `venue`, `category`, `subcategory`, `format` and
//! `organizer` expanded (`?expand=venue,category,subcategory,format,organizer`).
//!
//! Fields read: `events[]` with `id`, `name.text`, `status`, `start` / `end` (`utc`, `local`,
//! `timezone`), `online_event`, `is_free`, `venue.name`, `venue.address.city`, `category.name`,
//! `subcategory.name`, `format.short_name` (or `format.name`) and `organizer.name`.

use std::io::Read;

use super::fields::{clip, finish_item, push_unique, Event, Outcome};
use super::time::{parse_instant, parse_local_datetime};
use super::{EventStatus, FeedError, FeedEvent, ImportOptions, ImportReport, Problem, ProblemKind};
use crate::data::item::Item;

/// Imports one page of an Eventbrite v3 event list.
///
/// Each event becomes an item `eb:<id>` (city and venue from the expanded venue, genres from the
/// category and subcategory through [`ImportOptions::genres`], the format, the organizer, `free`
/// and `online` as tags; Eventbrite events name no artists). `canceled` events go to
/// [`ImportReport::removed`]; an event without an id or a usable start is rejected with the JSON
/// path of the field and the rest of the page is imported. Fails only if the page is not JSON or
/// not shaped like an event list. See `docs/feeds.md` for the full policy.
pub fn import_eventbrite<R: Read>(
    reader: R,
    options: &ImportOptions,
) -> Result<ImportReport, FeedError> {
    let mut report = ImportReport::default();
    let seen =
        super::stream::for_each_event(reader, "Eventbrite", &["events"], &mut |index, json| {
            let mut ev = Event::new(&json, format!("$.events[{index}]"), index);
            let outcome = convert(&mut ev, options, &mut report);
            outcome.record(std::mem::take(&mut ev.warnings), &mut report);
        })?;
    report.seen = seen;
    Ok(report)
}

fn convert(ev: &mut Event<'_>, options: &ImportOptions, report: &mut ImportReport) -> Outcome {
    let id = match ev.id_at("id") {
        Ok(id) => format!("eb:{id}"),
        Err(p) => return Outcome::Reject(p),
    };
    ev.id = Some(id.clone());
    let cancelled = ev
        .opt_str("status")
        .is_some_and(|s| s.eq_ignore_ascii_case("canceled") || s.eq_ignore_ascii_case("cancelled"));
    if cancelled {
        return Outcome::remove(ev, id, EventStatus::Cancelled);
    }
    let start = match when(ev, options, "start") {
        Ok(Some(t)) => t,
        Ok(None) => return Outcome::Reject(ev.problem("start", ProblemKind::Missing)),
        Err(p) => return Outcome::Reject(p),
    };
    let mut item = Item::new(id, start);
    item.ends_at = when(ev, options, "end").unwrap_or_else(|p| {
        ev.warnings.push(p);
        None
    });
    if ev.flag("online_event") {
        push_unique(&mut item.tags, "online");
    }
    item.venue = ev.opt_str("venue.name").unwrap_or_default().into();
    item.city = ev.opt_str("venue.address.city").unwrap_or_default().into();
    for rel in ["category.name", "subcategory.name"] {
        if let Some(label) = ev.opt_str(rel) {
            options
                .genres
                .apply(label, &mut item.genres, &mut report.unmapped_genres);
        }
    }
    let format = ev
        .opt_str("format.short_name")
        .or(ev.opt_str("format.name"));
    if let Some(format) = format {
        push_unique(
            &mut item.tags,
            &super::genres::GenreMap::key(format).replace(' ', "-"),
        );
    }
    if ev.flag("is_free") {
        push_unique(&mut item.tags, "free");
    }
    if let Some(org) = ev.opt_str("organizer.name") {
        push_unique(&mut item.tags, &format!("organizer:{org}"));
    }
    let name = ev
        .opt_str("name.text")
        .or_else(|| ev.opt_str("name"))
        .unwrap_or_default()
        .to_string();
    match finish_item(ev, item, "end") {
        Ok(item) => Outcome::Import(FeedEvent {
            item,
            name,
            status: EventStatus::Scheduled,
        }),
        Err(p) => Outcome::Reject(p),
    }
}

/// `<which>.utc` if present, else `<which>.local` in `<which>.timezone`; `Ok(None)` if neither.
fn when(ev: &Event<'_>, options: &ImportOptions, which: &str) -> Result<Option<i64>, Problem> {
    let utc_rel = format!("{which}.utc");
    if let Some(utc) = ev.str(&utc_rel)? {
        return parse_instant(utc)
            .map(Some)
            .ok_or_else(|| ev.problem(&utc_rel, ProblemKind::BadDateTime(clip(utc))));
    }
    let local_rel = format!("{which}.local");
    let Some(local) = ev.str(&local_rel)? else {
        return Ok(None);
    };
    let secs = parse_local_datetime(local)
        .ok_or_else(|| ev.problem(&local_rel, ProblemKind::BadDateTime(clip(local))))?;
    let zone_rel = format!("{which}.timezone");
    let zone = ev.str(&zone_rel)?;
    ev.in_zone(&options.zones, secs, zone, &zone_rel).map(Some)
}
