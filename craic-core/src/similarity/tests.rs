//! Updates against full rebuilds, and the accumulator's cleanliness.

use super::accumulator::{PairAcc, FORCE_BLOCK};
use super::shard::FORCE_RANGES;
use super::Neighbours;
use crate::data::interaction::Interaction;
use crate::data::item::Item;
use crate::model::config::Config;
use crate::model::state::Model;
use crate::rng::SplitMix64;

/// Updates split into user ranges (as heavy users' are) keep every list equal to a full
/// rebuild, bit for bit, like serial ones: random saves, clicks, hides and unsaves on a
/// small catalogue, with caps crossed both ways and decay, scanning in blocks of a few users.
#[test]
fn split_updates_equal_full_rebuild() {
    for ranges in [2, 3, 7] {
        FORCE_RANGES.with(|f| f.set(ranges));
        for seed in 0..50 {
            // Scans in blocks of a few users too (a full rebuild's workers use the
            // production block: the two must agree).
            FORCE_BLOCK.with(|f| f.set([0, 3, 5][seed as usize % 3]));
            let mut rng = SplitMix64::new(seed);
            let config = Config {
                neighbours: 1 + rng.below(4) as usize,
                neighbour_buffer: rng.below(3) as usize,
                max_item_users: 2 + rng.below(8) as usize,
                shrinkage: if rng.chance(0.5) { 2.0 } else { 0.0 },
                min_overlap: 1 + rng.below(2) as u32,
                item_neighbours: 1 + rng.below(4) as usize,
                // Users with more than 2–4 items leave the item side's overlap, and come back.
                max_user_items: 2 + seed as usize % 3,
                half_life_secs: Some(60.0),
                ..Config::default()
            };
            let k = config.neighbours;
            let mut model = Model::new(config).unwrap();
            model
                .upsert_items(
                    (0..10)
                        .map(|n| Item::new(format!("e{n}"), 1_800_000_000))
                        .collect(),
                )
                .unwrap();
            let kinds = ["save", "click", "hide", "unsave", "save", "click"];
            let mut t = 1_700_000_000;
            for step in 0..100 {
                t += rng.below(300) as i64;
                let x = Interaction::new(
                    format!("u{}", rng.below(24)),
                    format!("e{}", rng.below(10)),
                    kinds[rng.below(kinds.len() as u64) as usize],
                    t,
                );
                model.apply(&[x]).unwrap();
                let fresh =
                    Neighbours::build(model.matrix.users(), &model.capped, &model.sim_params());
                for u in 0..model.matrix.rows.len() as u32 {
                    assert_eq!(
                        model.neighbours.served(u, k),
                        fresh.served(u, k),
                        "ranges {ranges}, seed {seed}, step {step}, user {u}"
                    );
                }
                assert!(model.neighbours.reverse_index_consistent());
                // The item side, over the transposed matrix, through the same split updates.
                model
                    .verify_item_neighbours(0.0)
                    .unwrap_or_else(|e| panic!("ranges {ranges}, seed {seed}, step {step}: {e}"));
            }
        }
    }
    FORCE_RANGES.with(|f| f.set(0));
    FORCE_BLOCK.with(|f| f.set(0));
}

/// A scan leaves its accumulator clean: lists computed one after another with one
/// accumulator equal those of a fresh one, whether a scan spans one block or many.
#[test]
fn accumulator_is_clean_after_every_scan() {
    let data = crate::synthetic::Dataset::generate(&crate::synthetic::SyntheticConfig::tiny());
    let mut model = Model::new(Config::default()).unwrap();
    model.upsert_items(data.items.clone()).unwrap();
    model.apply(&data.interactions).unwrap();
    let (m, capped, p) = (model.matrix.users(), &model.capped, model.sim_params());
    for block in [0, 1, 7, 64] {
        FORCE_BLOCK.with(|f| f.set(block));
        let mut acc = PairAcc::default();
        for u in 0..m.rows.len() as u32 {
            let first = Neighbours::compute(m, capped, &p, u, &mut acc);
            let again = Neighbours::compute(m, capped, &p, u, &mut acc);
            let fresh = Neighbours::compute(m, capped, &p, u, &mut PairAcc::default());
            assert_eq!(first, fresh, "block {block}, user {u}");
            assert_eq!(again, fresh, "block {block}, user {u}");
            // Every listed similarity is the pair's exact one.
            for &(v, sim) in &fresh.0 {
                assert_eq!(sim, Neighbours::pair(m, capped, &p, u, v), "block {block}");
            }
        }
    }
    FORCE_BLOCK.with(|f| f.set(0));
}

/// One scan's lists at several shrinkages, cut to `k`, are exactly the lists a build with each
/// shrinkage serves (what the learned blend's hyperparameter search relies on).
#[test]
fn lists_for_several_shrinkages_equal_builds_at_each() {
    for seed in 0..20 {
        let mut rng = SplitMix64::new(seed);
        let config = Config {
            max_item_users: 2 + rng.below(8) as usize,
            min_overlap: 1 + rng.below(2) as u32,
            ..Config::default()
        };
        let mut model = Model::new(config).unwrap();
        model
            .upsert_items(
                (0..12)
                    .map(|n| Item::new(format!("e{n}"), 1_800_000_000))
                    .collect(),
            )
            .unwrap();
        let log: Vec<Interaction> = (0..150)
            .map(|n| {
                let kind = ["save", "click", "hide"][rng.below(3) as usize];
                let (u, i) = (rng.below(30), rng.below(12));
                Interaction::new(format!("u{u}"), format!("e{i}"), kind, 1_700_000_000 + n)
            })
            .collect();
        model.bulk_load(&log).unwrap();
        let shrinkages = [0.0, 2.0, 25.0];
        let mut acc = PairAcc::default();
        let p = model.sim_params();
        let wide = super::SimParams { keep: 8, ..p };
        for k in [1, 3, 8] {
            let built: Vec<Neighbours> = shrinkages
                .iter()
                .map(|&shrinkage| {
                    let q = super::SimParams {
                        k,
                        keep: k,
                        shrinkage,
                        ..p
                    };
                    Neighbours::build(model.matrix.users(), &model.capped, &q)
                })
                .collect();
            for u in 0..model.matrix.rows.len() as u32 {
                let (m, capped) = (model.matrix.users(), &model.capped);
                let lists = Neighbours::lists_for(m, capped, &wide, u, &shrinkages, &mut acc);
                for (list, built) in lists.iter().zip(&built) {
                    assert_eq!(
                        &list[..list.len().min(k)],
                        built.served(u, k),
                        "seed {seed}"
                    );
                }
            }
        }
    }
}
