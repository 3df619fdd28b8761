//! Re-ranking for variety: the shared fixture `testdata/diversity.json` (also checked from
//! Python and Node), the caps on synthetic data for every strategy, and explanations.

use std::collections::HashMap;

use craic_core::synthetic::{Dataset, SyntheticConfig};
use craic_core::{Config, Engine, ErrorKind, Interaction, Item, Request, Strategy};
use serde::Deserialize;

#[derive(Deserialize)]
struct Fixture {
    now: i64,
    user: String,
    strategy: Strategy,
    items: Vec<Item>,
    interactions: Vec<Interaction>,
    cases: Vec<Case>,
    caps: Caps,
}

#[derive(Deserialize)]
struct Case {
    k: usize,
    #[serde(default)]
    diversity: f64,
    max_per_artist: Option<usize>,
    max_per_venue: Option<usize>,
    expect: Vec<String>,
}

#[derive(Deserialize)]
struct Caps {
    k: usize,
    max_per_artist: usize,
    max_per_venue: usize,
    users: Vec<String>,
}

fn fixture() -> Fixture {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../testdata/diversity.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn engine(f: &Fixture) -> Engine {
    let e = Engine::new(Config::default()).unwrap();
    e.upsert_items(f.items.clone()).unwrap();
    e.record(&f.interactions).unwrap();
    e
}

fn ids(recs: &[craic_core::Recommendation]) -> Vec<&str> {
    recs.iter().map(|r| r.item_id.as_str()).collect()
}

#[test]
fn fixture_lists() {
    let f = fixture();
    let e = engine(&f);
    for c in &f.cases {
        let req = Request {
            diversity: c.diversity,
            max_per_artist: c.max_per_artist,
            max_per_venue: c.max_per_venue,
            ..Request::new(c.k).strategy(f.strategy).now(f.now)
        };
        let got = e.recommend(&f.user, &req).unwrap();
        assert_eq!(ids(&got), c.expect, "case k={} d={}", c.k, c.diversity);
    }
}

/// Every strategy keeps the caps and still returns k items on the fixture.
#[test]
fn fixture_caps_hold_for_every_strategy() {
    let f = fixture();
    let e = engine(&f);
    let item: HashMap<&str, &Item> = f.items.iter().map(|i| (i.id.as_str(), i)).collect();
    for s in Strategy::ALL {
        for user in &f.caps.users {
            let req = Request::new(f.caps.k)
                .strategy(s)
                .now(f.now)
                .max_per_artist(f.caps.max_per_artist)
                .max_per_venue(f.caps.max_per_venue);
            let got = e.recommend(user, &req).unwrap();
            assert_eq!(got.len(), f.caps.k, "{s} {user}");
            let of = |get: fn(&Item) -> Vec<String>| {
                let mut n: HashMap<String, usize> = HashMap::new();
                for r in &got {
                    for v in get(item[r.item_id.as_str()]) {
                        *n.entry(v).or_default() += 1;
                    }
                }
                n.into_values().max().unwrap_or(0)
            };
            assert!(
                of(|i| i.artists.clone()) <= f.caps.max_per_artist,
                "{s} {user}"
            );
            assert!(
                of(|i| vec![i.venue.clone()]) <= f.caps.max_per_venue,
                "{s} {user}"
            );
        }
    }
}

#[test]
fn bad_options_are_typed_errors() {
    let f = fixture();
    let e = engine(&f);
    let kind = |r: Request| e.recommend("x", &r.now(f.now)).unwrap_err().kind();
    assert_eq!(
        kind(Request::new(3).diversity(f64::NAN)),
        ErrorKind::InvalidWeight
    );
    assert_eq!(
        kind(Request::new(3).diversity(1.01)),
        ErrorKind::InvalidWeight
    );
    assert_eq!(
        kind(Request::new(3).diversity(-1.0)),
        ErrorKind::InvalidWeight
    );
    assert_eq!(
        kind(Request::new(3).max_per_artist(0)),
        ErrorKind::OutOfRange
    );
    assert_eq!(
        kind(Request::new(3).max_per_venue(0)),
        ErrorKind::OutOfRange
    );
}

/// On a synthetic city: for every strategy the caps hold, k items come back, the items are
/// the plain ranking's own (scores and explanations unchanged), and diversity 0 is the plain
/// ranking.
#[test]
fn synthetic_caps_and_explanations() {
    let data = Dataset::generate(&SyntheticConfig::small());
    let now = data.config.end() - 20 * 86_400;
    let e = data.engine(Config::default()).unwrap();
    let item: HashMap<&str, &Item> = data.items.iter().map(|i| (i.id.as_str(), i)).collect();
    for s in Strategy::ALL {
        for u in (0..data.user_count()).step_by(97).take(12) {
            let user = Dataset::user_id(u);
            let plain = Request::new(10).strategy(s).now(now).explain(true);
            assert_eq!(
                e.recommend(&user, &plain.clone().diversity(0.0)).unwrap(),
                e.recommend(&user, &plain).unwrap()
            );
            let wide = e
                .recommend(
                    &user,
                    &Request {
                        k: 200,
                        ..plain.clone()
                    },
                )
                .unwrap();
            let req = plain
                .clone()
                .diversity(0.5)
                .max_per_artist(1)
                .max_per_venue(2);
            let got = e.recommend(&user, &req).unwrap();
            assert_eq!(got.len(), 10, "{s} {user}");
            let mut artists: HashMap<&str, usize> = HashMap::new();
            let mut venues: HashMap<(&str, &str), usize> = HashMap::new();
            for r in &got {
                let it = item[r.item_id.as_str()];
                for a in &it.artists {
                    *artists.entry(a).or_default() += 1;
                }
                *venues.entry((&it.city, &it.venue)).or_default() += 1;
                // The same item, score and explanation as in the plain ranking.
                let same = wide.iter().find(|w| w.item_id == r.item_id);
                assert_eq!(same, Some(r), "{s} {user} {}", r.item_id);
            }
            assert!(artists.values().all(|&n| n <= 1), "{s} {user} {artists:?}");
            assert!(venues.values().all(|&n| n <= 2), "{s} {user} {venues:?}");
        }
    }
}

#[derive(Deserialize)]
struct Evaluate {
    test: Vec<Interaction>,
    k: usize,
    cases: Vec<EvaluateCase>,
}

#[derive(Deserialize)]
struct EvaluateCase {
    diversity: f64,
    expect: HashMap<String, f64>,
}

/// The beyond-accuracy metrics on the fixture, by hand (the same numbers as Python and Node).
#[test]
fn fixture_metrics() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../testdata/diversity.json"
    ))
    .unwrap();
    let raw: serde_json::Value = serde_json::from_str(&text).unwrap();
    let ev: Evaluate = serde_json::from_value(raw["evaluate"].clone()).unwrap();
    let f = fixture();
    let e = engine(&f);
    for c in &ev.cases {
        let req = Request::new(ev.k)
            .strategy(f.strategy)
            .diversity(c.diversity);
        let m = craic_core::evaluation::evaluate_engine(
            &e,
            &ev.test,
            &req,
            &craic_core::evaluation::Relevance::default(),
        )
        .unwrap();
        let got = [
            ("users", m.users as f64),
            ("ndcg", m.ndcg),
            ("coverage", m.coverage),
            ("gini", m.gini),
            ("intra_list_diversity", m.intra_list_diversity),
            ("novelty", m.novelty),
        ];
        for (name, v) in got {
            assert!(
                (v - c.expect[name]).abs() < 1e-12,
                "{name}: {v} vs {}",
                c.expect[name]
            );
        }
    }
}
