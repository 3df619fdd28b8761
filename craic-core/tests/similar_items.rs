//! Similar events and the item-based strategy on the shared fixture `testdata/similar.json`
//! (also checked from Python and Node): co-engagement first, content for a brand-new event,
//! only upcoming events, the city filter, explanations and typed errors.

use craic_core::{Config, Engine, Interaction, Item, Request, Strategy};
use serde::Deserialize;

#[derive(Deserialize)]
struct Fixture {
    now: i64,
    items: Vec<Item>,
    interactions: Vec<Interaction>,
    similar: Vec<SimilarCase>,
    item_based: Vec<ItemBasedCase>,
    errors: Vec<ErrorCase>,
}

#[derive(Deserialize)]
struct SimilarCase {
    item: String,
    k: usize,
    #[serde(default)]
    city: Option<String>,
    #[serde(default)]
    now: Option<i64>,
    expect: Vec<String>,
    /// The component and reason of each expected event.
    components: Vec<String>,
    reasons: Vec<String>,
}

#[derive(Deserialize)]
struct ItemBasedCase {
    user: String,
    k: usize,
    expect: Vec<String>,
    /// The first recommendation's component and reason.
    component: String,
    reason: String,
}

#[derive(Deserialize)]
struct ErrorCase {
    item: String,
    k: usize,
    kind: String,
}

fn fixture() -> Fixture {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../testdata/similar.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn engine(f: &Fixture) -> Engine {
    let e = Engine::new(Config::default()).unwrap();
    e.upsert_items(f.items.clone()).unwrap();
    e.record(&f.interactions).unwrap();
    e
}

#[test]
fn fixture_similar_items() {
    let f = fixture();
    let e = engine(&f);
    for c in &f.similar {
        let got = e
            .similar_items(
                &c.item,
                c.k,
                Some(c.now.unwrap_or(f.now)),
                c.city.as_deref(),
            )
            .unwrap();
        let ids: Vec<&str> = got.iter().map(|r| r.item_id.as_str()).collect();
        let parts: Vec<_> = got
            .iter()
            .map(|r| &r.explanation.as_ref().unwrap().contributions[0])
            .collect();
        let components: Vec<&str> = parts.iter().map(|p| p.component.as_str()).collect();
        let reasons: Vec<&str> = parts.iter().map(|p| p.reason.as_str()).collect();
        if std::env::var_os("CRAIC_PRINT_FIXTURE").is_some() {
            println!(
                "{} {:?} {:?}: {ids:?} {components:?} {reasons:?}",
                c.item, c.k, c.city
            );
            continue;
        }
        assert_eq!(ids, c.expect, "{} k={} city={:?}", c.item, c.k, c.city);
        assert_eq!(components, c.components, "{}", c.item);
        assert_eq!(reasons, c.reasons, "{}", c.item);
    }
}

#[test]
fn fixture_item_based_strategy() {
    let f = fixture();
    let e = engine(&f);
    for c in &f.item_based {
        let req = Request::new(c.k)
            .strategy(Strategy::ItemBased)
            .now(f.now)
            .explain(true);
        let got = e.recommend(&c.user, &req).unwrap();
        let ids: Vec<&str> = got.iter().map(|r| r.item_id.as_str()).collect();
        let first = &got[0].explanation.as_ref().unwrap().contributions[0];
        if std::env::var_os("CRAIC_PRINT_FIXTURE").is_some() {
            println!("{}: {ids:?} {:?} {}", c.user, first.component, first.reason);
            continue;
        }
        assert_eq!(ids, c.expect, "{}", c.user);
        assert_eq!(first.component.as_str(), c.component);
        assert_eq!(first.reason, c.reason);
    }
}

#[test]
fn fixture_errors_are_typed() {
    let f = fixture();
    let e = engine(&f);
    for c in &f.errors {
        let err = e
            .similar_items(&c.item, c.k, Some(f.now), None)
            .unwrap_err();
        assert_eq!(err.kind().as_str(), c.kind, "{} k={}", c.item, c.k);
    }
}
