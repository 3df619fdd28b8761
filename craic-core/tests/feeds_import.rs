//! The importers on the fixture pages under `testdata/feeds/` (written from the public API
//! documentation): exact items, removals, rejections with their JSON paths, and warnings.

use std::fs::File;
use std::path::PathBuf;

use craic_core::feeds::{
    import_eventbrite, import_ticketmaster, EventStatus, FeedError, FeedEvent, GenreMap,
    ImportOptions, Problem, ProblemKind, Removal,
};
use craic_core::Item;

fn fixture(name: &str) -> File {
    let path: PathBuf = [env!("CARGO_MANIFEST_DIR"), "..", "testdata", "feeds", name]
        .iter()
        .collect();
    File::open(path).expect("fixture")
}

fn ev(item: Item, name: &str) -> FeedEvent {
    FeedEvent {
        item,
        name: name.into(),
        status: EventStatus::Scheduled,
    }
}

fn problem(id: Option<&str>, index: usize, path: &str, kind: ProblemKind) -> Problem {
    Problem {
        id: id.map(Into::into),
        index,
        path: path.into(),
        kind,
    }
}

fn tm_expected() -> Vec<FeedEvent> {
    let mut villagers = ev(
        Item::new("tm:G5vYZ9Villag", 1_802_633_400)
            .venue("National Concert Hall")
            .city("Dublin")
            .genres(["folk"])
            .artists(["Villagers"])
            .tags(["rescheduled"]),
        "Villagers",
    );
    villagers.status = EventStatus::Rescheduled;
    vec![
        ev(
            Item::new("tm:G5vYZ9nqXrO0A", 1_796_500_800)
                .venue("Vicar Street")
                .city("Dublin")
                .genres(["folk", "trad"])
                .artists(["Lankum"]),
            "Lankum",
        ),
        ev(
            Item::new("tm:G5vYZ9EPw7n2B", 1_787_922_000)
                .ends_at(1_788_130_799)
                .venue("Stradbally Hall")
                .city("Stradbally")
                .genres(["rock", "indie"])
                .artists(["Fontaines D.C.", "Kneecap"])
                .tags(["multi-day"]),
            "Electric Picnic 2026 - Weekend Camping",
        ),
        ev(
            Item::new("tm:G5vYZ9DaraOB", 1_799_971_200)
                .venue("Olympia Theatre")
                .city("Dublin")
                .genres(["comedy"])
                .artists(["Dara Ó Briain"])
                .tags(["time-tba"]),
            "Dara Ó Briain: Voice of Reason",
        ),
        ev(
            Item::new("tm:G5vYZ9FDC3Ar", 1_783_710_000)
                .venue("3Arena")
                .city("Dublin")
                .genres(["indie", "rock"])
                .artists(["Fontaines D.C."]),
            "Fontaines D.C.",
        ),
        ev(
            Item::new("tm:G5vYZ9Shanty", 1_795_210_200)
                .venue("The Cobblestone")
                .genres(["folk", "sea-shanties"])
                .tags(["free"]),
            "Sea Shanty Session",
        ),
        villagers,
        ev(
            Item::new("tm:G5vYZ9Mum000", 1_791_050_400)
                .venue("Hallenstadion")
                .city("Zürich")
                .genres(["electronica"])
                .artists(["Múm"]),
            "Múm — Hallenstadion",
        ),
        ev(Item::new("tm:42", 1_796_500_800), "Numeric id"),
    ]
}

#[test]
fn ticketmaster_page_exactly() {
    let report = import_ticketmaster(
        fixture("ticketmaster-events.json"),
        &ImportOptions::default(),
    )
    .unwrap();
    assert_eq!(report.seen, 15);
    assert_eq!(report.events, tm_expected());
    assert_eq!(
        report.removed,
        vec![
            Removal {
                id: "tm:G5vYZ9Cancel".into(),
                status: EventStatus::Cancelled
            },
            Removal {
                id: "tm:G5vYZ9Postpo".into(),
                status: EventStatus::Postponed
            },
        ]
    );
    assert_eq!(report.removed_ids(), ["tm:G5vYZ9Cancel", "tm:G5vYZ9Postpo"]);
    assert_eq!(report.rescheduled_ids(), ["tm:G5vYZ9Villag"]);
    let base = "$._embedded.events";
    assert_eq!(
        report.rejected,
        vec![
            problem(
                Some("tm:G5vYZ9TBA000"),
                8,
                &format!("{base}[8].dates.start"),
                ProblemKind::DateToBeAnnounced
            ),
            problem(
                Some("tm:G5vYZ9NoStrt"),
                9,
                &format!("{base}[9].dates.start"),
                ProblemKind::Missing
            ),
            problem(
                Some("tm:G5vYZ9Broken"),
                10,
                &format!("{base}[10].dates.start.dateTime"),
                ProblemKind::BadDateTime("2026-13-45T99:00:00Z".into())
            ),
            problem(
                Some("tm:G5vYZ9Ktm000"),
                11,
                &format!("{base}[11].dates.timezone"),
                ProblemKind::UnknownTimezone("Asia/Kathmandu".into())
            ),
            problem(None, 14, &format!("{base}[14].id"), ProblemKind::Missing),
        ]
    );
    assert_eq!(
        report.warnings,
        vec![problem(
            Some("tm:G5vYZ9Mum000"),
            12,
            &format!("{base}[12].dates.end"),
            ProblemKind::EndBeforeStart
        )]
    );
    assert_eq!(
        report.unmapped_genres.into_iter().collect::<Vec<_>>(),
        [("Sea Shanties".to_string(), 1)]
    );
    assert_eq!(
        report.rejected[3].to_string(),
        "$._embedded.events[11].dates.timezone: unknown time zone \"Asia/Kathmandu\""
    );
}

#[test]
fn ticketmaster_user_extended_genres_and_zones() {
    let mut options = ImportOptions::default();
    options.genres.insert("Sea Shanties", ["folk", "trad"]);
    options.zones.insert(
        "Asia/Kathmandu",
        5 * 3600 + 45 * 60,
        craic_core::feeds::DstRule::None,
    );
    let report = import_ticketmaster(fixture("ticketmaster-events.json"), &options).unwrap();
    let shanty = report
        .events
        .iter()
        .find(|e| e.item.id == "tm:G5vYZ9Shanty");
    assert_eq!(shanty.unwrap().item.genres, ["folk", "trad"]);
    assert!(report.unmapped_genres.is_empty());
    // 2026-10-30T18:00 at +05:45 = 12:15 UTC.
    let ktm = report
        .events
        .iter()
        .find(|e| e.item.id == "tm:G5vYZ9Ktm000");
    assert_eq!(ktm.unwrap().item.starts_at, 1_793_362_500);
    assert_eq!(report.rejected.len(), 4);
}

fn eb_expected() -> Vec<FeedEvent> {
    vec![
        ev(
            Item::new("eb:801234567891", 1_796_497_200)
                .ends_at(1_796_511_600)
                .venue("Vicar St.")
                .city("Dublin")
                .genres(["folk"])
                .tags(["concert", "organizer:Vicar Street Presents"]),
            "LANKUM (Live)",
        ),
        ev(
            Item::new("eb:801234567892", 1_783_708_200)
                .ends_at(1_783_720_800)
                .venue("3 Arena")
                .city("Dublin")
                .genres(["indie"])
                .tags(["concert"]),
            "Fontaines D.C. - Romance Tour",
        ),
        ev(
            Item::new("eb:801234567893", 1_773_014_400)
                .ends_at(1_773_027_000)
                .venue("Sunnyside Community Hall")
                .city("New York")
                .genres(["community", "trad"])
                .tags(["party"]),
            "Céilí in Queens",
        ),
        ev(
            Item::new("eb:801234567895", 1_796_925_600)
                .ends_at(1_796_932_800)
                .tags([
                    "online",
                    "class",
                    "free",
                    "organizer:Irish Songwriters' Circle",
                ]),
            "Songwriting Workshop (Online)",
        ),
        ev(
            Item::new("eb:801234567896", 1_795_210_200).venue("Cobblestone"),
            "Trad Session",
        ),
        ev(Item::new("eb:801234567899", 1_797_112_800), "Numeric id"),
        ev(
            Item::new("eb:801234567900", 1_781_866_800)
                .ends_at(1_782_079_200)
                .venue("Ballinlough Castle")
                .city("Clonmellon")
                .genres(["electronica"])
                .tags(["festival", "multi-day"]),
            "Body & Soul Festival",
        ),
        ev(
            Item::new("eb:801234567901", 1_789_243_200)
                .venue("Harpa")
                .city("Reykjavík")
                .genres(["indie"]),
            "Sigur Rós — Ágætis byrjun",
        ),
    ]
}

#[test]
fn eventbrite_page_exactly() {
    let report =
        import_eventbrite(fixture("eventbrite-events.json"), &ImportOptions::default()).unwrap();
    assert_eq!(report.seen, 12);
    assert_eq!(report.events, eb_expected());
    assert_eq!(report.removed_ids(), ["eb:801234567894"]);
    assert_eq!(report.removed[0].status, EventStatus::Cancelled);
    assert!(report.rescheduled_ids().is_empty());
    assert_eq!(
        report.rejected,
        vec![
            problem(
                Some("eb:801234567897"),
                6,
                "$.events[6].start",
                ProblemKind::Missing
            ),
            problem(
                Some("eb:801234567898"),
                7,
                "$.events[7].start.timezone",
                ProblemKind::UnknownTimezone("Mars/Olympus".into())
            ),
            problem(
                Some("eb:801234567902"),
                11,
                "$.events[11].start.utc",
                ProblemKind::WrongType { expected: "string" }
            ),
        ]
    );
    assert_eq!(
        report.warnings,
        vec![problem(
            Some("eb:801234567901"),
            10,
            "$.events[10].end.utc",
            ProblemKind::BadDateTime("not a date".into())
        )]
    );
    assert!(report.unmapped_genres.is_empty());
}

#[test]
fn items_are_valid_and_feed_the_engine() {
    let options = ImportOptions::default();
    let tm = import_ticketmaster(fixture("ticketmaster-events.json"), &options).unwrap();
    let eb = import_eventbrite(fixture("eventbrite-events.json"), &options).unwrap();
    let engine = craic_core::Engine::new(craic_core::Config::default()).unwrap();
    let mut items = tm.items();
    items.extend(eb.items());
    assert!(items.iter().all(|i| i.validate().is_ok()));
    engine.upsert_items(items).unwrap();
    assert_eq!(engine.stats().items, 16);
    // A later page cancels an event: the report's removals go straight to the engine.
    let later = r#"{"_embedded":{"events":[{"id":"G5vYZ9nqXrO0A","name":"Lankum",
        "dates":{"start":{"dateTime":"2026-12-05T20:00:00Z"},"status":{"code":"cancelled"}}}]}}"#;
    let later = import_ticketmaster(later.as_bytes(), &options).unwrap();
    assert_eq!(engine.remove_items(&later.removed_ids()).unwrap(), 1);
}

#[test]
fn empty_and_malformed_pages() {
    let options = ImportOptions {
        genres: GenreMap::empty(),
        ..ImportOptions::default()
    };
    // Ticketmaster omits `_embedded` when nothing matches.
    let empty = import_ticketmaster(&br#"{"page":{"totalElements":0}}"#[..], &options).unwrap();
    assert_eq!((empty.seen, empty.events.len()), (0, 0));
    let err = import_eventbrite(&br#"{"events": 3}"#[..], &options).unwrap_err();
    assert_eq!(
        err,
        FeedError::Shape {
            feed: "Eventbrite",
            path: "$.events".into(),
            reason: "expected an array, found a number".into()
        }
    );
    let err = import_eventbrite(&br#"{"events": [{"id": "1"#[..], &options).unwrap_err();
    assert!(matches!(err, FeedError::Syntax { line: 1, .. }), "{err:?}");
}

/// A page generated while it is read: `{"_embedded":{"events":[e0,e1,...]}}`, never in memory
/// as a whole.
struct GeneratedPage {
    events: usize,
    next: usize,
    buf: Vec<u8>,
    pos: usize,
    bytes_read: usize,
}

impl std::io::Read for GeneratedPage {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        if self.pos == self.buf.len() {
            self.buf.clear();
            self.pos = 0;
            if self.next == 0 {
                self.buf
                    .extend_from_slice(br#"{"page":{"size":0},"_embedded":{"events":["#);
            }
            if self.next < self.events {
                let n = self.next;
                let sep = if n == 0 { "" } else { "," };
                let event = format!(
                    r#"{sep}{{"id":"E{n}","name":"Gig {n}","dates":{{"start":{{"dateTime":"2026-12-05T20:00:00Z"}}}},"_embedded":{{"venues":[{{"name":"V{v}","city":{{"name":"Dublin"}}}}]}}}}"#,
                    v = n % 50
                );
                self.buf.extend_from_slice(event.as_bytes());
                self.next += 1;
            } else if self.next == self.events {
                self.buf.extend_from_slice(b"]}}");
                self.next += 1;
            }
        }
        let n = out.len().min(self.buf.len() - self.pos);
        out[..n].copy_from_slice(&self.buf[self.pos..self.pos + n]);
        self.pos += n;
        self.bytes_read += n;
        Ok(n)
    }
}

#[test]
fn large_pages_stream_from_any_reader() {
    let mut page = GeneratedPage {
        events: 20_000,
        next: 0,
        buf: Vec::new(),
        pos: 0,
        bytes_read: 0,
    };
    let report = import_ticketmaster(&mut page, &ImportOptions::default()).unwrap();
    assert_eq!((report.seen, report.events.len()), (20_000, 20_000));
    assert_eq!(report.events[19_999].item.id, "tm:E19999");
    assert_eq!(report.events[19_999].item.venue, "V49");
    assert!(page.bytes_read > 2_000_000, "{}", page.bytes_read);
}

#[test]
fn unusable_ids_are_rejected_even_for_removals() {
    let long = "x".repeat(300);
    let page = format!(
        r#"{{"events":[{{"id":"{long}","status":"canceled"}},{{"id":"{long}","start":{{"utc":"2026-12-05T20:00:00Z"}}}}]}}"#
    );
    let report = import_eventbrite(page.as_bytes(), &ImportOptions::default()).unwrap();
    assert!(report.removed.is_empty() && report.events.is_empty());
    assert_eq!(report.rejected.len(), 2);
    assert_eq!(report.rejected[0].path, "$.events[0].id");
    assert_eq!(report.rejected[1].path, "$.events[1]");
    assert!(report
        .rejected
        .iter()
        .all(|p| matches!(p.kind, ProblemKind::InvalidItem(_))));
}
