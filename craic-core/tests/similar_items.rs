//! Similar events on the shared fixture `testdata/similar.json` (also checked from Python and
//! Node): co-engagement first, content for a brand-new event, only upcoming events, the city
//! filter, explanations and typed errors; the co-engagement scores against a direct computation
//! from the interaction matrix; freshness, removals and snapshots.

use craic_core::{Config, Engine, Interaction, Item, SnapshotMeta};
use proptest::prelude::*;
use serde::Deserialize;

#[derive(Deserialize)]
struct Fixture {
    now: i64,
    items: Vec<Item>,
    interactions: Vec<Interaction>,
    similar: Vec<SimilarCase>,
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

fn ids(list: &[craic_core::Recommendation]) -> Vec<&str> {
    list.iter().map(|r| r.item_id.as_str()).collect()
}

#[test]
fn fixture_similar_items() {
    let f = fixture();
    let e = engine(&f);
    for c in &f.similar {
        let now = Some(c.now.unwrap_or(f.now));
        let got = e
            .similar_items(&c.item, c.k, now, c.city.as_deref())
            .unwrap();
        let parts: Vec<_> = got
            .iter()
            .map(|r| &r.explanation.as_ref().unwrap().contributions[0])
            .collect();
        let components: Vec<&str> = parts.iter().map(|p| p.component.as_str()).collect();
        let reasons: Vec<&str> = parts.iter().map(|p| p.reason.as_str()).collect();
        assert_eq!(
            ids(&got),
            c.expect,
            "{} k={} city={:?}",
            c.item,
            c.k,
            c.city
        );
        assert_eq!(components, c.components, "{}", c.item);
        assert_eq!(reasons, c.reasons, "{}", c.item);
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

/// An interaction recorded a moment ago counts at once, and a removed event is never returned.
#[test]
fn co_engagement_is_current_and_removals_are_respected() {
    let f = fixture();
    let e = engine(&f);
    let before = e.similar_items("d", 3, Some(f.now), None).unwrap();
    assert_ne!(before[0].item_id, "new");
    // Two people engage with d and new: new becomes d's first similar event by co-engagement.
    let t = f.now;
    e.record(&[
        Interaction::new("p1", "d", "save", t),
        Interaction::new("p1", "new", "save", t),
        Interaction::new("p2", "d", "save", t),
        Interaction::new("p2", "new", "click", t),
    ])
    .unwrap();
    let after = e.similar_items("d", 3, Some(f.now), None).unwrap();
    assert_eq!(after[0].item_id, "new");
    let first = &after[0].explanation.as_ref().unwrap().contributions[0];
    assert_eq!(first.component.as_str(), "item_based");
    assert_eq!(first.reason, "2 people interacted with both");

    e.remove_items(&["new"]).unwrap();
    let removed = e.similar_items("d", 5, Some(f.now), None).unwrap();
    // Every other upcoming event that is left: a, b, c and e (old has started).
    let mut left = ids(&removed);
    left.sort_unstable();
    assert_eq!(left, ["a", "b", "c", "e"]);
}

/// Column norms are not stored in snapshots: a loaded engine rebuilds them and agrees exactly.
#[test]
fn snapshot_round_trip_keeps_similar_items() {
    let f = fixture();
    let e = engine(&f);
    let bytes = e.to_snapshot(&SnapshotMeta::default()).unwrap();
    let (back, _) = Engine::from_snapshot(&bytes).unwrap();
    back.verify_neighbours(0.0).unwrap();
    for item in ["a", "b", "c", "new", "e"] {
        assert_eq!(
            e.similar_items(item, 4, Some(f.now), None).unwrap(),
            back.similar_items(item, 4, Some(f.now), None).unwrap()
        );
    }
}

/// The shrunk cosine of two item columns, computed directly from the exported matrix (users in
/// index order, as the engine sums them).
fn direct_similarity(engine: &Engine, cfg: &Config, a: &str, b: &str) -> f32 {
    let (m, _, items) = engine.interaction_matrix();
    let csc = m.to_csc();
    let col = |id: &str| {
        let i = items.iter().position(|x| x == id).unwrap();
        let c = csc.outer_view(i).unwrap();
        c.indices()
            .iter()
            .copied()
            .zip(c.data().iter().copied())
            .collect::<Vec<_>>()
    };
    let (ca, cb) = (col(a), col(b));
    let norm = |c: &[(usize, f64)]| c.iter().map(|x| x.1 * x.1).sum::<f64>().sqrt();
    let (mut dot, mut overlap) = (0.0, 0u32);
    for &(u, wa) in &ca {
        if let Some(&(_, wb)) = cb.iter().find(|x| x.0 == u) {
            dot += wa * wb;
            overlap += 1;
        }
    }
    let (na, nb) = (norm(&ca), norm(&cb));
    if overlap < cfg.min_overlap || na == 0.0 || nb == 0.0 {
        return 0.0;
    }
    let mut s = dot / (na * nb);
    if cfg.shrinkage > 0.0 {
        s *= overlap as f64 / (overlap as f64 + cfg.shrinkage);
    }
    (s as f32).max(0.0)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    /// Every co-engaged event similar_items returns carries exactly the direct shrunk cosine,
    /// in non-increasing order, and (with k above the catalogue) every event with a positive
    /// direct similarity is among them.
    #[test]
    fn co_engagement_equals_direct_cosine(
        acts in prop::collection::vec((0u8..10, 0u8..8, 0u8..3), 1..80),
        shrink in any::<bool>(),
        overlap in 1u32..3,
    ) {
        let cfg = Config {
            shrinkage: if shrink { 3.0 } else { 0.0 },
            min_overlap: overlap,
            half_life_secs: None,
            ..Config::default()
        };
        let t0 = 1_700_000_000;
        let items: Vec<Item> = (0..8).map(|n| Item::new(format!("e{n}"), t0 + 1_000_000)).collect();
        let kinds = ["save", "click", "hide"];
        let log: Vec<Interaction> = acts
            .iter()
            .enumerate()
            .map(|(n, &(u, i, k))| Interaction::new(format!("u{u}"), format!("e{i}"), kinds[k as usize], t0 + n as i64))
            .collect();
        let engine = Engine::build(items, &log, vec![], cfg.clone()).unwrap();
        for a in 0..8 {
            let a = format!("e{a}");
            let got = engine.similar_items(&a, 7, Some(t0), None).unwrap();
            let co: Vec<(&str, f64)> = got
                .iter()
                .filter(|r| r.explanation.as_ref().unwrap().contributions[0].component.as_str() == "item_based")
                .map(|r| (r.item_id.as_str(), r.score))
                .collect();
            for w in co.windows(2) {
                prop_assert!(w[0].1 >= w[1].1);
            }
            for &(b, score) in &co {
                prop_assert_eq!(score, f64::from(direct_similarity(&engine, &cfg, &a, b)));
            }
            for b in (0..8).map(|b| format!("e{b}")).filter(|b| *b != a) {
                let direct = direct_similarity(&engine, &cfg, &a, &b);
                prop_assert!(direct == 0.0 || co.iter().any(|x| x.0 == b), "{} missing for {}", b, a);
            }
        }
    }
}
