//! The shared fixture `testdata/fixture.json`: the same data and expectations are checked from
//! Python by `craic-py/tests/test_fixture.py`, so both languages agree on one file.

use std::collections::BTreeMap;

use craic_core::{Config, Engine, Interaction, Item, Preferences, Request, Strategy};
use serde::Deserialize;

#[derive(Deserialize)]
struct Fixture {
    now: i64,
    items: Vec<Item>,
    preferences: BTreeMap<String, Preferences>,
    interactions: Vec<Interaction>,
    neighbours: Vec<NeighbourCase>,
    recommend: Vec<RecommendCase>,
}

#[derive(Deserialize)]
struct NeighbourCase {
    user: String,
    first: String,
    min_similarity: f64,
}

#[derive(Deserialize)]
struct RecommendCase {
    user: String,
    strategies: Vec<Strategy>,
    k: usize,
    #[serde(default)]
    now: Option<i64>,
    #[serde(default)]
    city: Option<String>,
    #[serde(default)]
    exclude: Vec<String>,
    #[serde(default)]
    explain: bool,
    #[serde(default)]
    top: Vec<String>,
    #[serde(default)]
    top_set: Vec<String>,
    #[serde(default)]
    never: Vec<String>,
    #[serde(default)]
    len: Option<usize>,
    #[serde(default)]
    first_reason: Option<String>,
    #[serde(default)]
    first_component: Option<String>,
}

fn fixture() -> Fixture {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../testdata/fixture.json");
    let text = std::fs::read_to_string(path).expect("testdata/fixture.json");
    serde_json::from_str(&text).expect("fixture.json matches the core's types")
}

/// The fixture loaded both ways: `Engine::build`, and incrementally (`new`, `upsert_items`,
/// `set_preferences`, `record` one at a time).
fn engines(f: &Fixture) -> Vec<(&'static str, Engine)> {
    let prefs: Vec<(String, Preferences)> = f
        .preferences
        .iter()
        .map(|(u, p)| (u.clone(), p.clone()))
        .collect();
    let built = Engine::build(
        f.items.clone(),
        &f.interactions,
        prefs.clone(),
        Config::default(),
    )
    .unwrap();
    let incremental = Engine::new(Config::default()).unwrap();
    incremental.upsert_items(f.items.clone()).unwrap();
    for (u, p) in prefs {
        incremental.set_preferences(&u, p).unwrap();
    }
    for i in &f.interactions {
        incremental.record(std::slice::from_ref(i)).unwrap();
    }
    vec![("build", built), ("incremental", incremental)]
}

#[test]
fn fixture_neighbours() {
    let f = fixture();
    for (how, e) in engines(&f) {
        assert_eq!(e.verify_neighbours(0.0), Ok(()), "{how}");
        for case in &f.neighbours {
            let n = e.neighbours(&case.user);
            assert_eq!(n[0].0, case.first, "{how} {}: {n:?}", case.user);
            assert!(n[0].1 >= case.min_similarity, "{how} {n:?}");
        }
    }
}

#[test]
fn fixture_recommendations() {
    let f = fixture();
    assert!(f.recommend.len() >= 10);
    for (how, e) in engines(&f) {
        for case in &f.recommend {
            for &strategy in &case.strategies {
                let req = Request {
                    k: case.k,
                    strategy,
                    now: Some(case.now.unwrap_or(f.now)),
                    city: case.city.clone(),
                    exclude: case.exclude.clone(),
                    explain: case.explain,
                    exclude_saved: None,
                    ..Request::new(case.k)
                };
                let recs = e.recommend(&case.user, &req).unwrap();
                let got: Vec<&str> = recs.iter().map(|r| r.item_id.as_str()).collect();
                let ctx = format!("{how} {} {strategy}: {got:?}", case.user);
                assert!(got.len() >= case.top.len().max(case.top_set.len()), "{ctx}");
                assert_eq!(got[..case.top.len()], case.top, "{ctx}");
                let mut first: Vec<&str> = got[..case.top_set.len()].to_vec();
                let mut want: Vec<&str> = case.top_set.iter().map(String::as_str).collect();
                first.sort_unstable();
                want.sort_unstable();
                assert_eq!(first, want, "{ctx}");
                assert!(
                    case.never.iter().all(|n| !got.contains(&n.as_str())),
                    "{ctx}"
                );
                if let Some(len) = case.len {
                    assert_eq!(got.len(), len, "{ctx}");
                }
                let first_contribution = || {
                    recs[0]
                        .explanation
                        .as_ref()
                        .expect("explained")
                        .contributions[0]
                        .clone()
                };
                if let Some(reason) = &case.first_reason {
                    assert_eq!(&first_contribution().reason, reason, "{ctx}");
                }
                if let Some(component) = &case.first_component {
                    assert_eq!(first_contribution().component.as_str(), component, "{ctx}");
                }
            }
        }
    }
}
