//! Precision and recall of the cross-feed matcher on generated paired listings with realistic
//! noise (fixed seed). The figures are reported in `docs/feeds.md`; reproduce them with
//!
//! ```text
//! cargo test --workspace --release --test feeds_matcher_quality -- --nocapture
//! ```

use std::collections::BTreeSet;

use craic_core::feeds::{deduplicate, AliasTable, EventStatus, FeedEvent, MatchConfig};
use craic_core::rng::SplitMix64;
use craic_core::Item;

const FIRST: &[&str] = &[
    "Lankum",
    "Villagers",
    "Kneecap",
    "Gilla",
    "Saint",
    "Midnight",
    "Crystal",
    "Wild",
    "Silver",
    "Björn",
    "Niamh",
    "Síomha",
    "Electric",
    "Brown",
    "Paper",
    "Iron",
    "Velvet",
    "Northern",
    "Lost",
    "Golden",
    "Hollow",
    "Young",
    "Burning",
    "Quiet",
];
const SECOND: &[&str] = &[
    "Wallopers",
    "Harbour",
    "Lights",
    "Collective",
    "Orchestra",
    "Sisters",
    "Brothers",
    "Machine",
    "Ramblers",
    "Choir",
    "Theory",
    "Engine",
    "Parade",
    "Foxes",
    "Tide",
    "Kings",
    "Rivers",
    "Ghosts",
    "Dancers",
    "Static",
];
const TOURS: &[&str] = &[
    "Romance Tour",
    "Live 2026",
    "Album Launch",
    "Winter Tour",
    "Farewell",
];

/// (city, [(canonical venue name, another feed's spelling)]).
const VENUES: &[(&str, &[(&str, &str)])] = &[
    (
        "Dublin",
        &[
            ("Vicar Street", "Vicar St."),
            ("Whelan's", "Whelans"),
            ("3Arena", "3 Arena"),
            ("Olympia Theatre", "The Olympia Theater"),
            ("The Academy", "Academy Dublin"),
            ("Button Factory", "The Button Factory"),
            ("National Concert Hall", "National Concert Hall Dublin"),
            ("The Workman's Club", "Workmans Club"),
        ],
    ),
    (
        "Cork",
        &[
            ("Cyprus Avenue", "Cyprus Ave"),
            ("Cork Opera House", "Opera House Cork"),
            ("Coughlan's", "Coughlans Live"),
            ("Triskel Christchurch", "Triskel Arts Centre"),
        ],
    ),
    (
        "Galway",
        &[
            ("Róisín Dubh", "Roisin Dubh"),
            ("Monroe's Live", "Monroes"),
            ("Black Box Theatre", "Black Box Theater"),
        ],
    ),
    (
        "Belfast",
        &[
            ("Ulster Hall", "The Ulster Hall"),
            ("Limelight", "Limelight 1"),
            ("Empire Music Hall", "The Empire Music Hall"),
        ],
    ),
];

struct Truth {
    tm: Option<FeedEvent>,
    eb: Option<FeedEvent>,
}

fn listing(
    id: String,
    name: String,
    city: &str,
    venue: &str,
    start: i64,
    artist: Option<&str>,
) -> FeedEvent {
    let mut item = Item::new(id, start).city(city).venue(venue);
    if let Some(a) = artist {
        item.artists = vec![a.to_string()];
    }
    FeedEvent {
        item,
        name,
        status: EventStatus::Scheduled,
    }
}

fn pick<'a, T>(rng: &mut SplitMix64, xs: &'a [T]) -> &'a T {
    &xs[rng.below(xs.len() as u64) as usize]
}

/// Eventbrite's spelling of an event name.
fn eb_name(rng: &mut SplitMix64, artist: &str, tm_name: &str, venue: &str) -> String {
    match rng.below(8) {
        0 => format!("The {artist}"),
        1 => format!("{artist} (Live)"),
        2 => format!("{artist} live at {venue}"),
        3 => artist.to_uppercase(),
        4 => format!("{artist} - {}", pick(rng, TOURS)),
        5 => format!("{artist} + Special Guests"),
        6 => artist.replace('ö', "o").replace('í', "i"),
        _ => tm_name.to_string(),
    }
}

/// The two listings of one true event (each feed lists it with probability 3/4).
fn list(
    rng: &mut SplitMix64,
    id: &str,
    city: &str,
    venues: (&str, &str),
    artist: &str,
    start: i64,
) -> Truth {
    let (venue, venue_alt) = venues;
    let tm_name = if rng.chance(0.3) {
        format!("{artist}: {}", pick(rng, TOURS))
    } else {
        artist.to_string()
    };
    let feeds = rng.below(4); // 0, 1: both feeds; 2: Ticketmaster only; 3: Eventbrite only.
    let tm = (feeds != 3).then(|| {
        listing(
            format!("tm:{id}"),
            tm_name.clone(),
            city,
            venue,
            start,
            Some(artist),
        )
    });
    let eb = (feeds != 2).then(|| {
        let doors = 1800 * rng.below(4) as i64; // doors 0, 30, 60 or 90 minutes early
        let spelled = if rng.chance(0.5) { venue_alt } else { venue };
        let name = eb_name(rng, artist, &tm_name, spelled);
        listing(format!("eb:{id}"), name, city, spelled, start - doors, None)
    });
    Truth { tm, eb }
}

/// True events over 40 nights, each listed on one or both feeds. An artist plays once a night,
/// except that 5% of shows have a second (late) show at the same venue 2.5 hours later: a
/// separate event, and the hardest case for the matcher.
fn generate(seed: u64, events: usize) -> Vec<Truth> {
    let mut rng = SplitMix64::new(seed);
    let base = 1_800_000_000 - 1_800_000_000 % 86_400;
    let mut out = Vec::with_capacity(events);
    let mut booked = BTreeSet::new();
    for n in 0..events {
        let (city, venues) = *pick(&mut rng, VENUES);
        let venue = *pick(&mut rng, venues);
        let night = rng.below(40) as i64;
        let artist = loop {
            let a = format!("{} {}", pick(&mut rng, FIRST), pick(&mut rng, SECOND));
            if booked.insert((a.clone(), night)) {
                break a;
            }
        };
        // Shows at 18:00..=22:30 in 30-minute steps: venues host several shows a night and
        // many gigs in a city start at the same time.
        let start = base + 86_400 * night + 18 * 3600 + 1800 * rng.below(10) as i64;
        out.push(list(&mut rng, &n.to_string(), city, venue, &artist, start));
        if rng.chance(0.05) {
            out.push(list(
                &mut rng,
                &format!("{n}late"),
                city,
                venue,
                &artist,
                start + 9000,
            ));
        }
    }
    out
}

struct Quality {
    true_pairs: usize,
    predicted: usize,
    correct: usize,
    /// Wrong pairs that join an early and a late show of the same artist at the same venue.
    second_show_confusions: usize,
}

fn measure(truth: &[Truth], config: &MatchConfig) -> Quality {
    let listings: Vec<FeedEvent> = truth
        .iter()
        .flat_map(|t| t.tm.iter().chain(t.eb.iter()).cloned())
        .collect();
    let expected: BTreeSet<(String, String)> = truth
        .iter()
        .filter_map(|t| {
            Some((
                t.tm.as_ref()?.item.id.clone(),
                t.eb.as_ref()?.item.id.clone(),
            ))
        })
        .collect();
    let dedup = deduplicate(&listings, config, &AliasTable::new());
    let mut predicted = BTreeSet::new();
    for g in &dedup.groups {
        for a in &g.members {
            for b in &g.members {
                if a.starts_with("tm:") && b.starts_with("eb:") {
                    predicted.insert((a.clone(), b.clone()));
                }
            }
        }
    }
    let show = |id: &str| id[3..].trim_end_matches("late").to_string();
    Quality {
        true_pairs: expected.len(),
        predicted: predicted.len(),
        correct: predicted.intersection(&expected).count(),
        second_show_confusions: predicted
            .difference(&expected)
            .filter(|(a, b)| show(a) == show(b))
            .count(),
    }
}

#[test]
fn matcher_precision_and_recall() {
    let truth = generate(17, 3000);
    let q = measure(&truth, &MatchConfig::default());
    let precision = q.correct as f64 / q.predicted as f64;
    let recall = q.correct as f64 / q.true_pairs as f64;
    println!(
        "default config: {} true pairs, {} predicted, {} correct: precision {:.4}, recall {:.4}; \
         {} of the {} wrong pairs join an early and a late show",
        q.true_pairs,
        q.predicted,
        q.correct,
        precision,
        recall,
        q.second_show_confusions,
        q.predicted - q.correct
    );
    for (label, config) in [
        (
            "window 1 h",
            MatchConfig {
                window_secs: 3600,
                ..MatchConfig::default()
            },
        ),
        (
            "min_name 0.8",
            MatchConfig {
                min_name: 0.8,
                ..MatchConfig::default()
            },
        ),
        (
            "min_score 0.6, min_name 0.5",
            MatchConfig {
                min_score: 0.6,
                min_name: 0.5,
                ..MatchConfig::default()
            },
        ),
    ] {
        let q = measure(&truth, &config);
        println!(
            "{label}: precision {:.4}, recall {:.4}",
            q.correct as f64 / q.predicted.max(1) as f64,
            q.correct as f64 / q.true_pairs as f64
        );
    }
    assert_eq!(q.true_pairs, 1637);
    assert!(precision >= 0.98, "precision {precision}");
    assert!(recall >= 0.995, "recall {recall}");
}
