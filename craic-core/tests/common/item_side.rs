//! What the item-based fixtures (`testdata/item_based.json`, `testdata/linear_items.json`)
//! share: an expected list and its check, and the fixtures' kind weights.

use craic_core::{Config, Engine, Request, Strategy};
use serde::de::DeserializeOwned;
use serde::Deserialize;

/// The shared fixture `testdata/<name>`, parsed.
pub fn read_fixture<T: DeserializeOwned>(name: &str) -> T {
    let path = format!("{}/../testdata/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

/// The item side's values are kept as `f32`: the fixtures' exact values agree to this.
pub const TOLERANCE: f64 = 1e-6;

/// One expected `ItemBased` list: its items, scores and the reasons naming history items.
#[derive(Deserialize)]
pub struct ItemCase {
    pub user: String,
    pub k: usize,
    pub expect: Vec<String>,
    pub scores: Vec<f64>,
    pub reasons: Vec<String>,
}

/// An `ItemBased` request for `k` items at `now`, explained.
pub fn item_based(k: usize, now: i64) -> Request {
    Request::new(k)
        .strategy(Strategy::ItemBased)
        .now(now)
        .explain(true)
}

/// `config` with the fixture's kind weights.
pub fn with_kinds(config: Config, kinds: &std::collections::BTreeMap<String, f64>) -> Config {
    kinds
        .iter()
        .fold(config, |c, (kind, &w)| c.with_kind_weight(kind, w).unwrap())
}

/// `e` serves `c` at `now`: the same items in order, scores within [`TOLERANCE`], each
/// explained by the item-based component alone with the expected reason.
pub fn check_item_case(e: &Engine, c: &ItemCase, now: i64) {
    let got = e.recommend(&c.user, &item_based(c.k, now)).unwrap();
    let ids: Vec<&str> = got.iter().map(|r| r.item_id.as_str()).collect();
    assert_eq!(ids, c.expect, "{}", c.user);
    for (r, (score, reason)) in got.iter().zip(c.scores.iter().zip(&c.reasons)) {
        assert!(
            (r.score - score).abs() < TOLERANCE,
            "{} {}: {} vs {score}",
            c.user,
            r.item_id,
            r.score
        );
        let parts = &r.explanation.as_ref().unwrap().contributions;
        assert_eq!(parts.len(), 1);
        assert_eq!(parts[0].component.as_str(), "item_based");
        assert_eq!(&parts[0].reason, reason, "{} {}", c.user, r.item_id);
    }
}
