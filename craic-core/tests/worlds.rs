//! The named synthetic worlds differ in the intended way: each one's missing (or dominant)
//! signal shows in how the strategies rank, and the history lengths are what the worlds say.
//! One seed at `small`; the reports over several seeds are `examples/worlds.rs` in craic-core.

use std::collections::HashMap;

use craic_core::synthetic::judge::{judge, Method, Trial};
use craic_core::synthetic::{Dataset, SyntheticConfig};

/// NDCG@10 of every strategy on `world` at `small`, seed 42, by strategy name.
fn ndcg(world: &str) -> HashMap<String, f64> {
    let trial = Trial::new(world, "small", 42).unwrap();
    let scores = judge(&trial, &Method::strategies(), 10).unwrap();
    let out: HashMap<String, f64> = scores
        .into_iter()
        .map(|s| (s.method, s.metrics.ndcg))
        .collect();
    println!("{world}: {out:?}");
    out
}

#[test]
fn content_carries_nothing_where_the_metadata_is_uninformative() {
    let default = ndcg("default");
    assert!(
        default["content"] > 1.8 * default["popularity"],
        "{default:?}"
    );
    let world = ndcg("content-uninformative");
    assert!(world["content"] < 1.3 * world["popularity"], "{world:?}");
    assert!(world["collaborative"] > world["content"], "{world:?}");
}

#[test]
fn collaborative_dominates_where_taste_is_purely_collaborative() {
    let world = ndcg("purely-collaborative");
    assert!(world["collaborative"] > 1.5 * world["content"], "{world:?}");
    assert!(
        world["collaborative"] > 1.5 * world["popularity"],
        "{world:?}"
    );
}

#[test]
fn popularity_comes_close_where_it_dominates() {
    // Popularity's share of the best single signal (the hybrid blends them).
    let share = |w: &HashMap<String, f64>| {
        let best = w
            .iter()
            .filter(|(method, _)| *method != "hybrid")
            .map(|(_, &v)| v)
            .fold(0.0, f64::max);
        w["popularity"] / best
    };
    let default = ndcg("default");
    let world = ndcg("popularity-dominant");
    assert!(share(&world) > 0.7, "{world:?}");
    assert!(
        share(&world) > share(&default) + 0.2,
        "{world:?} vs {default:?}"
    );
}

/// Interactions per user with at least one, mean and median.
fn history_lengths(world: &str) -> (f64, usize) {
    let data = Dataset::generate(&SyntheticConfig::world(world, "small").unwrap());
    let mut per_user: HashMap<&str, usize> = HashMap::new();
    for i in &data.interactions {
        *per_user.entry(&i.user_id).or_default() += 1;
    }
    let mut counts: Vec<usize> = per_user.into_values().collect();
    counts.sort_unstable();
    let mean = counts.iter().sum::<usize>() as f64 / counts.len() as f64;
    (mean, counts[counts.len() / 2])
}

#[test]
fn short_and_long_histories() {
    let (mean, median) = history_lengths("default");
    assert!(
        (15.0..30.0).contains(&mean) && median < 20,
        "{mean} {median}"
    );
    let (mean, median) = history_lengths("short-histories");
    assert!(mean < 6.0 && median <= 3, "{mean} {median}");
    let (mean, median) = history_lengths("long-histories");
    assert!(mean >= 110.0 && median >= 90, "{mean} {median}");
}

#[test]
fn the_default_world_is_the_preset_and_unknown_names_are_errors() {
    for preset in SyntheticConfig::PRESETS {
        assert_eq!(
            SyntheticConfig::world("default", preset).unwrap(),
            SyntheticConfig::preset(preset).unwrap()
        );
    }
    for world in SyntheticConfig::WORLDS {
        let c = SyntheticConfig::world(world, "small").unwrap();
        assert_eq!(c.sanitized(), c, "{world} is already within range");
    }
    assert!(SyntheticConfig::world("flat-earth", "small").is_err());
    assert!(SyntheticConfig::world("default", "huge").is_err());
}
