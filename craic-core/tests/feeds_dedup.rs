//! Cross-feed de-duplication on the fixture pages: what is merged and why, tuning, the alias
//! table, and splitting a wrong match without losing interactions.

use std::collections::BTreeMap;
use std::path::PathBuf;

use craic_core::feeds::{
    deduplicate, explain, import_eventbrite, import_ticketmaster, AliasTable, FeedEvent, Gate,
    ImportOptions, MatchConfig,
};
use craic_core::{Config, Engine, Interaction, Item};

fn fixture(name: &str) -> std::fs::File {
    let path: PathBuf = [env!("CARGO_MANIFEST_DIR"), "..", "testdata", "feeds", name]
        .iter()
        .collect();
    std::fs::File::open(path).expect("fixture")
}

fn listings() -> Vec<FeedEvent> {
    let options = ImportOptions::default();
    let mut all = import_ticketmaster(fixture("ticketmaster-events.json"), &options)
        .unwrap()
        .events;
    all.extend(
        import_eventbrite(fixture("eventbrite-events.json"), &options)
            .unwrap()
            .events,
    );
    all
}

fn find<'a>(all: &'a [FeedEvent], id: &str) -> &'a FeedEvent {
    all.iter().find(|e| e.item.id == id).expect(id)
}

const TM_LANKUM: &str = "tm:G5vYZ9nqXrO0A";
const EB_LANKUM: &str = "eb:801234567891";

#[test]
fn the_same_gig_on_both_feeds_becomes_one_item() {
    let all = listings();
    let dedup = deduplicate(&all, &MatchConfig::default(), &AliasTable::new());
    assert_eq!((all.len(), dedup.items.len()), (16, 14));
    let groups: Vec<(&str, Vec<&str>)> = dedup
        .groups
        .iter()
        .map(|g| {
            (
                g.canonical.as_str(),
                g.members.iter().map(String::as_str).collect(),
            )
        })
        .collect();
    assert_eq!(
        groups,
        [
            (
                "tm:G5vYZ9FDC3Ar",
                vec!["tm:G5vYZ9FDC3Ar", "eb:801234567892"]
            ),
            (TM_LANKUM, vec![TM_LANKUM, EB_LANKUM]),
        ]
    );
    assert_eq!(dedup.aliases.canonical(EB_LANKUM), TM_LANKUM);
    assert_eq!(
        dedup.aliases.canonical("eb:801234567892"),
        "tm:G5vYZ9FDC3Ar"
    );
    assert_eq!(dedup.aliases.canonical(TM_LANKUM), TM_LANKUM);
    assert_eq!(dedup.aliases.aliases(TM_LANKUM), [EB_LANKUM]);
    // The canonical item: Ticketmaster's fields, the end and tags Eventbrite adds.
    let lankum = dedup.items.iter().find(|i| i.id == TM_LANKUM).unwrap();
    assert_eq!(
        *lankum,
        Item::new(TM_LANKUM, 1_796_500_800)
            .ends_at(1_796_511_600)
            .venue("Vicar Street")
            .city("Dublin")
            .genres(["folk", "trad"])
            .artists(["Lankum"])
            .tags(["concert", "organizer:Vicar Street Presents"])
    );
    assert!(!dedup.items.iter().any(|i| i.id == EB_LANKUM));
    // Why: same venue spelled differently, one hour apart (doors), same name and artist.
    let why = &dedup.groups[1].explanations[0];
    assert_eq!((why.a.as_str(), why.b.as_str()), (EB_LANKUM, TM_LANKUM));
    assert_eq!((why.venue, why.same_city), (Some(1.0), Some(true)));
    assert_eq!(why.start_delta_secs, 3600);
    assert!((why.time - (1.0 - 2700.0 / 9900.0)).abs() < 1e-12);
    assert_eq!((why.name, why.artists), (1.0, Some(1.0)));
    assert!((why.score - (0.35 + 0.2 * why.time + 0.45)).abs() < 1e-12);
    assert!(why.is_match());
}

#[test]
fn near_misses_are_explained_and_thresholds_tune_them() {
    let all = listings();
    let (shanty, trad) = (find(&all, "tm:G5vYZ9Shanty"), find(&all, "eb:801234567896"));
    let why = explain(shanty, trad, &MatchConfig::default());
    assert_eq!(why.failed, [Gate::Name]);
    assert_eq!(
        (why.venue, why.same_city, why.start_delta_secs),
        (Some(1.0), None, 0)
    );
    assert!((why.name - 0.45).abs() < 1e-12, "{}", why.name);
    assert_eq!(why.artists, None);
    let loose = MatchConfig {
        min_name: 0.4,
        min_score: 0.6,
        ..MatchConfig::default()
    };
    assert!(explain(shanty, trad, &loose).is_match());
    assert_eq!(
        deduplicate(&all, &loose, &AliasTable::new()).items.len(),
        13
    );
    let tight = MatchConfig {
        window_secs: 1800,
        ..MatchConfig::default()
    };
    let lankum = explain(find(&all, EB_LANKUM), find(&all, TM_LANKUM), &tight);
    assert_eq!(lankum.failed, [Gate::StartWindow]);
    // Same feed: never merged, however similar.
    let tm = find(&all, TM_LANKUM);
    let mut twin = tm.clone();
    twin.item.id = "tm:other".into();
    assert_eq!(
        explain(tm, &twin, &MatchConfig::default()).failed,
        [Gate::SameSource]
    );
    // A different city is a different venue.
    let mut elsewhere = find(&all, EB_LANKUM).clone();
    elsewhere.item.city = "Cork".into();
    assert_eq!(
        explain(tm, &elsewhere, &MatchConfig::default()).failed,
        [Gate::Venue]
    );
}

/// Interactions per item id in the engine.
fn per_item(engine: &Engine) -> BTreeMap<String, usize> {
    let (m, _users, items) = engine.interaction_matrix();
    let mut out = BTreeMap::new();
    for (_, (_, col)) in m.iter() {
        *out.entry(items[col].clone()).or_default() += 1;
    }
    out
}

#[test]
fn splitting_a_wrong_match_loses_no_interaction() {
    let all = listings();
    let dedup = deduplicate(&all, &MatchConfig::default(), &AliasTable::new());
    // The log keeps the id each user acted on; the engine gets canonical ids.
    let log = vec![
        Interaction::new("ana", EB_LANKUM, "save", 1_790_000_000),
        Interaction::new("ben", TM_LANKUM, "save", 1_790_000_100),
        Interaction::new("cat", EB_LANKUM, "click", 1_790_000_200),
        Interaction::new("ana", "eb:801234567892", "save", 1_790_000_300),
    ];
    let engine = Engine::new(Config::default()).unwrap();
    engine.upsert_items(dedup.items.clone()).unwrap();
    engine.record(&dedup.aliases.rewrite_all(&log)).unwrap();
    let merged = per_item(&engine);
    assert_eq!(merged.get(TM_LANKUM), Some(&3));
    assert_eq!(merged.get(EB_LANKUM), None);
    assert_eq!(merged.get("tm:G5vYZ9FDC3Ar"), Some(&1));

    // The Lankum match was wrong: split it, de-duplicate again with the corrected table, and
    // rebuild from the log. Every interaction lands on the listing it was recorded against.
    let mut aliases = dedup.aliases.clone();
    let split = aliases.split(EB_LANKUM).unwrap();
    assert_eq!(
        (split.detached.as_str(), split.canonical),
        (EB_LANKUM, None)
    );
    assert_eq!(split.remaining, [TM_LANKUM]);
    assert!(aliases.kept_apart(TM_LANKUM, EB_LANKUM));
    let again = deduplicate(&all, &MatchConfig::default(), &aliases);
    assert_eq!(again.items.len(), 15);
    assert_eq!(again.groups.len(), 1);
    assert!(again.aliases.kept_apart(EB_LANKUM, TM_LANKUM));
    let rebuilt = Engine::build(
        again.items.clone(),
        &again.aliases.rewrite_all(&log),
        vec![],
        Config::default(),
    )
    .unwrap();
    engine.replace(rebuilt).unwrap();
    let split_counts = per_item(&engine);
    assert_eq!(split_counts.get(TM_LANKUM), Some(&1));
    assert_eq!(split_counts.get(EB_LANKUM), Some(&2));
    assert_eq!(split_counts.get("tm:G5vYZ9FDC3Ar"), Some(&1));
    assert_eq!(
        split_counts.values().sum::<usize>(),
        merged.values().sum::<usize>()
    );
    // The split item is its own listing again (Eventbrite's fields, not the merge).
    assert_eq!(engine.item(EB_LANKUM).unwrap(), find(&all, EB_LANKUM).item);
    assert_eq!(engine.item(TM_LANKUM).unwrap(), find(&all, TM_LANKUM).item);
}

#[test]
fn alias_table_merges_groups_and_splits_the_canonical() {
    let mut t = AliasTable::new();
    t.merge("tm:1", ["eb:1"]);
    t.merge("x:1", ["tm:1"]);
    assert_eq!(t.canonical("eb:1"), "x:1");
    assert_eq!(t.aliases("x:1"), ["eb:1", "tm:1"]);
    assert_eq!(t.len(), 2);
    let split = t.split("x:1").unwrap();
    assert_eq!(split.canonical.as_deref(), Some("eb:1"));
    assert_eq!(split.remaining, ["eb:1", "tm:1"]);
    assert_eq!(t.canonical("tm:1"), "eb:1");
    assert_eq!(t.canonical("x:1"), "x:1");
    assert!(t.kept_apart("tm:1", "x:1") && t.kept_apart("eb:1", "x:1"));
    assert!(!t.kept_apart("tm:1", "eb:1"));
    assert_eq!(t.split("nope"), None);
    let json = serde_json::to_string(&t).unwrap();
    assert_eq!(serde_json::from_str::<AliasTable>(&json).unwrap(), t);
}
