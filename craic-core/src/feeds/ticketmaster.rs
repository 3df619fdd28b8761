//! Ticketmaster Discovery API v2: the event search page (`GET /discovery/v2/events`).
//!
//! Fields read (everything else is ignored): `_embedded.events[]` with `id`, `name`,
//! `dates.start` (`dateTime`, `localDate`, `localTime`, `dateTBD`, `dateTBA`, `timeTBA`,
//! `noSpecificTime`), `dates.end`, `dates.timezone`, `dates.spanMultipleDays`,
//! `dates.status.code`, `classifications[]` (`primary`, `segment`, `genre`, `subGenre` names),
//! `priceRanges[]` (`min`, `max`), `_embedded.venues[0]` (`name`, `city.name`, `timezone`) and
//! `_embedded.attractions[]` (`name`).

use std::io::Read;

use serde_json::Value;

use super::fields::{clip, finish_item, push_unique, Event, Outcome};
use super::time::{local_seconds, parse_date, parse_instant, parse_time};
use super::{EventStatus, FeedError, FeedEvent, ImportOptions, ImportReport, ProblemKind};
use crate::data::item::Item;

/// Imports one Ticketmaster Discovery v2 event search page.
///
/// Each event becomes an item `tm:<id>` (city and venue from the first embedded venue, artists
/// from the embedded attractions, genres from the classifications through
/// [`ImportOptions::genres`]); cancelled and postponed events go to
/// [`ImportReport::removed`]; an event without an id or a usable start is rejected with the
/// JSON path of the field, and the rest of the page is imported. Fails only if the page is not
/// JSON or not shaped like a search page. See `docs/feeds.md` for the full policy.
pub fn import_ticketmaster<R: Read>(
    reader: R,
    options: &ImportOptions,
) -> Result<ImportReport, FeedError> {
    let mut report = ImportReport::default();
    let seen = super::stream::for_each_event(
        reader,
        "Ticketmaster",
        &["_embedded", "events"],
        &mut |index, json| {
            let mut ev = Event::new(&json, format!("$._embedded.events[{index}]"), index);
            let outcome = convert(&mut ev, options, &mut report);
            outcome.record(std::mem::take(&mut ev.warnings), &mut report);
        },
    )?;
    report.seen = seen;
    Ok(report)
}

fn status(ev: &mut Event<'_>) -> EventStatus {
    match ev.opt_str("dates.status.code") {
        Some(code) => match code.to_ascii_lowercase().as_str() {
            "cancelled" | "canceled" => EventStatus::Cancelled,
            "postponed" => EventStatus::Postponed,
            "rescheduled" => EventStatus::Rescheduled,
            _ => EventStatus::Scheduled,
        },
        None => EventStatus::Scheduled,
    }
}

fn convert(ev: &mut Event<'_>, options: &ImportOptions, report: &mut ImportReport) -> Outcome {
    let id = match ev.id_at("id") {
        Ok(id) => format!("tm:{id}"),
        Err(p) => return Outcome::Reject(p),
    };
    ev.id = Some(id.clone());
    let status = status(ev);
    if matches!(status, EventStatus::Cancelled | EventStatus::Postponed) {
        return Outcome::remove(ev, id, status);
    }
    let venue_zone = ev.opt_str("_embedded.venues.0.timezone");
    let zone = ev.opt_str("dates.timezone").or(venue_zone);
    let mut tags = Vec::new();
    let start = match start(ev, options, zone, &mut tags) {
        Ok(s) => s,
        Err(p) => return Outcome::Reject(p),
    };
    let mut item = Item::new(id, start);
    item.ends_at = end(ev, options, zone);
    if ev.flag("dates.spanMultipleDays") {
        push_unique(&mut tags, "multi-day");
    }
    if is_free(ev) {
        push_unique(&mut tags, "free");
    }
    if status == EventStatus::Rescheduled {
        push_unique(&mut tags, "rescheduled");
    }
    item.tags = tags;
    item.venue = ev
        .opt_str("_embedded.venues.0.name")
        .unwrap_or_default()
        .into();
    item.city = ev
        .opt_str("_embedded.venues.0.city.name")
        .unwrap_or_default()
        .into();
    item.genres = genres(ev, options, report);
    for a in ev.array("_embedded.attractions") {
        if let Some(Value::String(name)) = a.get("name") {
            push_unique(&mut item.artists, name);
        }
    }
    let name = ev.opt_str("name").unwrap_or_default().to_string();
    match finish_item(ev, item, "dates.end") {
        Ok(item) => Outcome::Import(FeedEvent { item, name, status }),
        Err(p) => Outcome::Reject(p),
    }
}

/// The start: `dateTime` if present, else `localDate` + `localTime` in the event's zone.
fn start(
    ev: &mut Event<'_>,
    options: &ImportOptions,
    zone: Option<&str>,
    tags: &mut Vec<String>,
) -> Result<i64, super::Problem> {
    if ev.flag("dates.start.dateTBD") || ev.flag("dates.start.dateTBA") {
        return Err(ev.problem("dates.start", ProblemKind::DateToBeAnnounced));
    }
    if let Some(dt) = ev.str("dates.start.dateTime")? {
        return parse_instant(dt)
            .ok_or_else(|| ev.problem("dates.start.dateTime", ProblemKind::BadDateTime(clip(dt))));
    }
    let Some(d) = ev.str("dates.start.localDate")? else {
        return Err(ev.problem("dates.start", ProblemKind::Missing));
    };
    let date = parse_date(d)
        .ok_or_else(|| ev.problem("dates.start.localDate", ProblemKind::BadDateTime(clip(d))))?;
    let tba = ev.flag("dates.start.timeTBA") || ev.flag("dates.start.noSpecificTime");
    let time = match ev.str("dates.start.localTime")? {
        Some(t) if !tba => parse_time(t).ok_or_else(|| {
            ev.problem("dates.start.localTime", ProblemKind::BadDateTime(clip(t)))
        })?,
        _ => {
            push_unique(tags, "time-tba");
            0
        }
    };
    ev.in_zone(
        &options.zones,
        local_seconds(date, time),
        zone,
        "dates.timezone",
    )
}

/// The end, if given and readable (a bad end is a warning: the item is kept without it). A
/// date without a time ends at 23:59:59 local.
fn end(ev: &mut Event<'_>, options: &ImportOptions, zone: Option<&str>) -> Option<i64> {
    if let Some(dt) = ev.opt_str("dates.end.dateTime") {
        let parsed = parse_instant(dt);
        if parsed.is_none() {
            ev.warn("dates.end.dateTime", ProblemKind::BadDateTime(clip(dt)));
        }
        return parsed;
    }
    let d = ev.opt_str("dates.end.localDate")?;
    let Some(date) = parse_date(d) else {
        ev.warn("dates.end.localDate", ProblemKind::BadDateTime(clip(d)));
        return None;
    };
    let time = match ev.opt_str("dates.end.localTime") {
        Some(t) => match parse_time(t) {
            Some(t) => t,
            None => {
                ev.warn("dates.end.localTime", ProblemKind::BadDateTime(clip(t)));
                return None;
            }
        },
        None => 86_399,
    };
    match ev.in_zone(
        &options.zones,
        local_seconds(date, time),
        zone,
        "dates.timezone",
    ) {
        Ok(t) => Some(t),
        Err(p) => {
            ev.warnings.push(p);
            None
        }
    }
}

/// Genres of the primary classification (or of all of them when none is marked primary): the
/// genre and sub-genre labels, or the segment label when those give nothing.
fn genres(ev: &mut Event<'_>, options: &ImportOptions, report: &mut ImportReport) -> Vec<String> {
    let all = ev.array("classifications");
    let primary: Vec<&Value> = all
        .iter()
        .filter(|c| c.get("primary") == Some(&Value::Bool(true)))
        .collect();
    let chosen: Vec<&Value> = if primary.is_empty() {
        all.iter().collect()
    } else {
        primary
    };
    let label = |c: &Value, level: &str| -> Option<String> {
        match c.get(level)?.get("name")? {
            Value::String(s) => Some(s.clone()),
            _ => None,
        }
    };
    let mut out = Vec::new();
    for c in chosen {
        let before = out.len();
        for level in ["genre", "subGenre"] {
            if let Some(l) = label(c, level) {
                options
                    .genres
                    .apply(&l, &mut out, &mut report.unmapped_genres);
            }
        }
        if out.len() == before {
            if let Some(l) = label(c, "segment") {
                options
                    .genres
                    .apply(&l, &mut out, &mut report.unmapped_genres);
            }
        }
    }
    out
}

/// True when every price range says the event is free (`max` is 0).
fn is_free(ev: &mut Event<'_>) -> bool {
    let ranges = ev.array("priceRanges");
    !ranges.is_empty()
        && ranges
            .iter()
            .all(|r| r.get("max").and_then(Value::as_f64) == Some(0.0))
}
