//! Offline quality on the seeded synthetic holdout: personalisation must beat the popularity
//! control twice over, and the hybrid must be the best of the four strategies.
//!
//! Seed 42 (the presets' default) is a favourable draw for the 2× ratio: other seeds of `small`
//! give 1.5–1.95× (`docs/evaluation.md` has the table), so this guards against regressions on
//! one fixed world rather than proving the ratio in general.
//!
//! The figures are printed (run with `--nocapture`) and recorded in `docs/evaluation.md`. The
//! generator's hidden-affinity oracle reaches about 0.37 NDCG@10 here; ranking by the hidden taste times the
//! popularity observed in training reaches 0.21 — the hybrid does better than that by judging
//! events nobody has seen yet by their artists' other events.

use std::collections::BTreeMap;

use craic_core::evaluation::{evaluate_relevant, time_split, Relevance};
use craic_core::synthetic::{Dataset, SyntheticConfig};
use craic_core::{Blend, Config, Engine, Request, Strategy};

#[test]
fn hybrid_beats_collaborative_beats_popularity() {
    let data = Dataset::generate(&SyntheticConfig::small());
    let split = time_split(&data.interactions, 0.2);
    let engine = Engine::build(
        data.items.clone(),
        &split.train,
        data.preferences.clone(),
        Config::default(),
    )
    .unwrap();
    let relevant = Relevance::default().relevant_items(&split.test);
    let ndcg = |s| holdout_ndcg(&engine, &relevant, data.items.len(), split.cutoff, s);
    let [pop, cf, content, hybrid] = Strategy::ALL.map(ndcg);
    assert!(hybrid >= cf, "hybrid {hybrid} < collaborative {cf}");
    assert!(cf >= pop, "collaborative {cf} < popularity {pop}");
    assert!(content > pop, "content {content} <= popularity {pop}");
    assert!(hybrid >= content, "hybrid {hybrid} < content {content}");
    assert!(
        hybrid >= 2.0 * pop,
        "hybrid {hybrid} < 2 × popularity {pop}"
    );
}

/// The opt-in item-based strategy (50 neighbours per event) on the same holdout: personal
/// evidence from the user's own history must beat the popularity control. Its lists do not
/// change the four other strategies (the engine without them ranks the same).
#[test]
fn item_based_beats_popularity() {
    let data = Dataset::generate(&SyntheticConfig::small());
    let split = time_split(&data.interactions, 0.2);
    let build = |item_neighbours| {
        // The fixed blend: a learned one weighs the item-based score, so the hybrid (and the
        // hyperparameters it tunes) would differ with the lists on.
        let config = Config {
            item_neighbours,
            blend: Blend::Fixed,
            ..Config::default()
        };
        Engine::build(
            data.items.clone(),
            &split.train,
            data.preferences.clone(),
            config,
        )
        .unwrap()
    };
    let (on, off) = (build(50), build(0));
    let relevant = Relevance::default().relevant_items(&split.test);
    let ndcg =
        |engine: &Engine, s| holdout_ndcg(engine, &relevant, data.items.len(), split.cutoff, s);
    let (item_based, pop) = (
        ndcg(&on, Strategy::ItemBased),
        ndcg(&on, Strategy::Popularity),
    );
    assert!(
        item_based > pop,
        "item_based {item_based} <= popularity {pop}"
    );
    for s in Strategy::ALL {
        assert_eq!(ndcg(&on, s), ndcg(&off, s), "{s:?}");
    }
}

/// NDCG@10 of `strategy` on the holdout's `relevant` items, recommending at `now` (printed).
fn holdout_ndcg(
    engine: &Engine,
    relevant: &BTreeMap<String, Vec<String>>,
    n_items: usize,
    now: i64,
    strategy: Strategy,
) -> f64 {
    let req = Request::new(10).strategy(strategy).now(now);
    let m = evaluate_relevant(relevant, 10, n_items, |u| {
        engine
            .recommend(u, &req)
            .unwrap()
            .into_iter()
            .map(|r| r.item_id)
            .collect()
    });
    println!("{strategy:>13}: {m}");
    m.ndcg
}
