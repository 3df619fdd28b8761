//! The generator's sizes, determinism, validity and ground truth.

use super::csv::csv_field;
use super::*;
use crate::data::interaction::{CLICK, HIDE, SAVE};
use crate::limits::{MAX_SYNTHETIC_INTERACTIONS, MAX_SYNTHETIC_NAMES, MAX_SYNTHETIC_USERS};
use std::collections::HashSet;

/// Before: `users` and `items` were clamped to `u32::MAX` only, which still sized
/// allocations of tens of gigabytes.
#[test]
fn sizes_are_clamped_to_the_limits() {
    let huge = SyntheticConfig {
        users: usize::MAX,
        items: usize::MAX,
        interactions: usize::MAX,
        cities: usize::MAX,
        genres: usize::MAX,
        artists: usize::MAX,
        venues_per_city: usize::MAX,
        clusters: usize::MAX,
        ..SyntheticConfig::tiny()
    }
    .sanitized();
    assert_eq!(huge.users, MAX_SYNTHETIC_USERS);
    assert_eq!(huge.items, MAX_SYNTHETIC_ITEMS);
    assert_eq!(huge.interactions, MAX_SYNTHETIC_INTERACTIONS);
    for n in [
        huge.cities,
        huge.genres,
        huge.artists,
        huge.venues_per_city,
        huge.clusters,
    ] {
        assert_eq!(n, MAX_SYNTHETIC_NAMES);
    }
}

#[test]
fn deterministic_for_a_seed_and_seed_sensitive() {
    let cfg = SyntheticConfig::tiny();
    let a = Dataset::generate(&cfg);
    let b = Dataset::generate(&cfg);
    assert_eq!(a.items, b.items);
    assert_eq!(a.preferences, b.preferences);
    assert_eq!(a.interactions, b.interactions);
    assert_eq!(a.to_csv(), b.to_csv());
    let c = Dataset::generate(&cfg.clone().with_seed(7));
    assert_ne!(a.interactions, c.interactions);
}

#[test]
fn sizes_order_and_timing() {
    let cfg = SyntheticConfig::small();
    let d = Dataset::generate(&cfg);
    assert_eq!(d.items.len(), cfg.items);
    assert_eq!(d.user_count(), cfg.users);
    assert_eq!(d.interactions.len(), cfg.interactions);
    assert!(d
        .interactions
        .windows(2)
        .all(|w| w[0].timestamp <= w[1].timestamp));
    for i in &d.interactions {
        let item = &d.items[d.item_index(&i.item_id).expect("known item")];
        assert!(i.timestamp < item.starts_at, "{i:?} {item:?}");
        assert!(item.starts_at - i.timestamp <= cfg.lookahead_days as i64 * DAY);
        assert!(i.timestamp >= cfg.start && i.timestamp < cfg.end());
    }
    let kinds: HashSet<&str> = d.interactions.iter().map(|i| i.kind.as_str()).collect();
    assert_eq!(kinds, HashSet::from([CLICK, SAVE, HIDE]));
    let count = |k: &str| d.interactions.iter().filter(|i| i.kind == k).count();
    assert!(count(CLICK) > count(SAVE) && count(SAVE) > count(HIDE));
}

#[test]
fn ids_and_items_are_valid() {
    let d = Dataset::generate(&SyntheticConfig::small());
    for (i, it) in d.items.iter().enumerate() {
        it.validate().unwrap();
        assert_eq!(it.id, format!("e{i}"));
        assert!(d.cities.contains(&it.city));
        assert!(it.venue.starts_with(&format!("{}-venue-", it.city)));
        assert!((1..=3).contains(&it.genres.len()));
        assert!((1..=2).contains(&it.artists.len()));
        assert!(it.genres.iter().all(|g| d.genres.contains(g)));
        let end = it.ends_at.unwrap();
        assert!(end > it.starts_at && end - it.starts_at <= 5 * 3600);
    }
    for i in &d.interactions {
        i.validate().unwrap();
        assert!(d.user_index(&i.user_id).is_some());
        assert!(d.item_index(&i.item_id).is_some());
    }
    assert_eq!(d.user_index("u0"), Some(0));
    assert_eq!(d.user_index("u01"), None);
    assert_eq!(d.user_index("u2000"), None);
    assert_eq!(d.item_index("e-1"), None);
    assert_eq!(d.item_index("u1"), None);
    assert_eq!(d.affinity("nobody", "e1"), 0.0);
    assert_eq!(d.affinity_by_index(usize::MAX, 0), 0.0);
}

#[test]
fn preferences_are_partial_and_noisy_subsets() {
    let d = Dataset::generate(&SyntheticConfig::small());
    let n = d.user_count();
    let with = d.preferences.len();
    assert!(with > n / 2 && with < n, "{with} of {n}");
    assert!(d.preferences.iter().any(|(_, p)| p.genres.is_empty()));
    assert!(d.preferences.iter().any(|(_, p)| p.cities.is_empty()));
    let mut home_first = 0;
    for (u, p) in &d.preferences {
        let taste = d.taste(u).unwrap();
        if p.cities.first() == Some(&taste.home_city) {
            home_first += 1;
        }
        assert!(p.artists.iter().all(|a| taste.artists.contains(a)));
    }
    assert!(home_first * 10 > with * 7);
    // Most interactions are in the user's home city.
    let home = d
        .interactions
        .iter()
        .filter(|i| {
            let t = d.taste(&i.user_id).unwrap();
            d.items[d.item_index(&i.item_id).unwrap()].city == t.home_city
        })
        .count();
    assert!(home * 10 > d.interactions.len() * 7);
}

#[test]
fn affinity_is_a_bounded_score_that_drives_saves() {
    let d = Dataset::generate(&SyntheticConfig::small());
    let mean = |kind: &str| {
        let v: Vec<f64> = d
            .interactions
            .iter()
            .filter(|i| i.kind == kind)
            .map(|i| d.affinity(&i.user_id, &i.item_id))
            .collect();
        assert!(v.iter().all(|a| (0.0..=1.0).contains(a)));
        v.iter().sum::<f64>() / v.len() as f64
    };
    assert!(mean(SAVE) > mean(CLICK));
    assert!(mean(CLICK) > mean(HIDE));
}

#[test]
fn odd_configs_do_not_panic() {
    let mut cfg = SyntheticConfig::tiny();
    cfg.users = 0;
    assert!(Dataset::generate(&cfg).interactions.is_empty());
    let mut cfg = SyntheticConfig::tiny();
    cfg.items = 0;
    let d = Dataset::generate(&cfg);
    assert!(d.items.is_empty() && d.interactions.is_empty());
    let cfg = SyntheticConfig {
        users: 3,
        items: 1,
        interactions: 50,
        cities: 0,
        genres: 0,
        artists: 0,
        venues_per_city: 0,
        clusters: 0,
        start: i64::MAX,
        days: 0,
        lookahead_days: 0,
        preference_share: f64::NAN,
        artist_share: 2.0,
        explore_share: -1.0,
        zipf_exponent: f64::INFINITY,
        activity_sigma: f64::NAN,
        ..SyntheticConfig::tiny()
    };
    let d = Dataset::generate(&cfg);
    assert_eq!(d.interactions.len(), 50);
    for i in &d.interactions {
        i.validate().unwrap();
        assert!(i.timestamp < d.items[0].starts_at);
    }
    d.items[0].validate().unwrap();
    let mut cfg = SyntheticConfig::tiny();
    cfg.cities = 40;
    cfg.genres = 30;
    let d = Dataset::generate(&cfg);
    assert!(d.cities.contains(&"city39".to_string()));
    assert!(d.genres.contains(&"genre29".to_string()));
}

#[test]
fn csv_has_documented_columns() {
    let d = Dataset::generate(&SyntheticConfig::tiny());
    let (items, prefs, inter) = d.to_csv();
    let first = |s: &str| s.lines().next().unwrap_or_default().to_string();
    assert_eq!(
        first(&items),
        "item_id,city,venue,genres,artists,starts_at,ends_at,tags"
    );
    assert_eq!(first(&prefs), "user_id,genres,artists,cities");
    assert_eq!(first(&inter), "user_id,item_id,kind,timestamp");
    assert_eq!(items.lines().count(), d.items.len() + 1);
    assert_eq!(prefs.lines().count(), d.preferences.len() + 1);
    assert_eq!(inter.lines().count(), d.interactions.len() + 1);
    assert!(items.lines().all(|l| l.split(',').count() == 8));
    let i = &d.interactions[0];
    assert_eq!(
        inter.lines().nth(1).unwrap(),
        format!("{},{},{},{}", i.user_id, i.item_id, i.kind, i.timestamp)
    );
    assert_eq!(csv_field("a,\"b\""), "\"a,\"\"b\"\"\"");
}

#[test]
fn signal_knobs_are_clamped() {
    let c = SyntheticConfig {
        content_signal: f64::NAN,
        collaborative_signal: -3.0,
        popularity_share: 5.0,
        ..SyntheticConfig::tiny()
    }
    .sanitized();
    assert_eq!(c.content_signal, 1.0);
    assert_eq!(c.collaborative_signal, 0.0);
    assert!((c.popularity_share - (1.0 - c.artist_share - c.explore_share)).abs() < 1e-12);
    // Every draw is then by popularity, exploration or artist: still a valid dataset.
    let d = Dataset::generate(&c);
    assert_eq!(d.interactions.len(), c.interactions);
    let json = serde_json::to_string(&SyntheticConfig::tiny()).unwrap();
    let before = json.replace(
        ",\"content_signal\":1.0,\"collaborative_signal\":1.0,\"popularity_share\":0.0",
        "",
    );
    assert!(!before.contains("signal"), "{before}");
    let old: SyntheticConfig = serde_json::from_str(&before).unwrap();
    assert_eq!(
        old,
        SyntheticConfig::tiny(),
        "configs saved before the knobs still load"
    );
}
