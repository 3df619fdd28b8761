//! Property: after any sequence of interaction batches — saves, clicks, hides, unsaves, custom
//! kinds, new users and new items arriving mid-stream, decay rebases, items crossing the
//! popularity cap — the incrementally maintained neighbour lists equal a full recompute, and an
//! engine built from scratch on the same log gives the same neighbours and recommendations.
//! Impressions are mixed in: the exposure maintained incrementally (showings, engagement ending
//! them, its own decay rebases) equals the one rebuilt from the log, bit for bit, and so do
//! similar events. Item–item neighbour lists (`item_neighbours` > 0 in most cases) are checked
//! the same way, and so is the `ItemBased` strategy.

use craic_core::{Config, Engine, Interaction, Item, Request, Strategy as Strat};
use proptest::prelude::*;

const T0: i64 = 1_700_000_000;

#[derive(Debug, Clone)]
enum Op {
    Act {
        user: u8,
        item: u8,
        kind: u8,
        dt: u32,
    },
    NewItem,
}

fn op() -> impl proptest::strategy::Strategy<Value = Op> {
    prop_oneof![
        12 => (0u8..14, 0u8..16, 0u8..7, 0u32..400).prop_map(|(user, item, kind, dt)| Op::Act { user, item, kind, dt }),
        1 => Just(Op::NewItem),
    ]
}

const KINDS: [&str; 7] = [
    "save",
    "click",
    "hide",
    "unsave",
    "purchase",
    "impression",
    "impression",
];

fn item(n: usize) -> Item {
    let genres = ["techno", "folk", "jazz", "comedy"];
    Item::new(format!("e{n}"), T0 + 1_000_000)
        .city(if n % 3 == 0 { "cork" } else { "dublin" })
        .genres([genres[n % 4]])
        .venue(format!("v{}", n % 5))
}

fn config(
    k: usize,
    buffer: usize,
    cap: usize,
    shrink: bool,
    overlap: u32,
    item_k: usize,
) -> Config {
    Config {
        neighbours: k,
        item_neighbours: item_k,
        neighbour_buffer: buffer,
        max_item_users: cap,
        shrinkage: if shrink { 2.0 } else { 0.0 },
        min_overlap: overlap,
        half_life_secs: Some(60.0),
        // Short enough for exposure rebases within a case.
        exposure_half_life_secs: 45.0,
        exposure_demotion: 0.7,
        ..Config::default()
    }
    .with_kind("purchase", 3.0)
    .unwrap()
}

/// Applies `ops` to `engine` (8 items to start with) in batches of `batch` interactions,
/// checking the neighbour lists against a recompute after every batch. Returns the log
/// recorded, the last interaction's time and the number of items.
fn replay(
    engine: &Engine,
    ops: Vec<Op>,
    batch: usize,
) -> Result<(Vec<Interaction>, i64, usize), TestCaseError> {
    let mut items = 8usize;
    engine.upsert_items((0..items).map(item).collect()).unwrap();
    let mut log: Vec<Interaction> = Vec::new();
    let mut t = T0;
    let mut pending: Vec<Interaction> = Vec::new();
    let verify = |engine: &Engine| {
        engine
            .verify_neighbours(0.0)
            .map_err(|e| TestCaseError::fail(e.to_string()))
    };
    for op in ops {
        match op {
            Op::NewItem => {
                engine.upsert_items(vec![item(items)]).unwrap();
                items += 1;
            }
            Op::Act {
                user,
                item,
                kind,
                dt,
            } => {
                t += dt as i64;
                let it = item as usize % items;
                pending.push(Interaction::new(
                    format!("u{user}"),
                    format!("e{it}"),
                    KINDS[kind as usize],
                    t,
                ));
                if pending.len() >= batch {
                    engine.record(&pending).unwrap();
                    log.append(&mut pending);
                    verify(engine)?;
                }
            }
        }
    }
    engine.record(&pending).unwrap();
    log.append(&mut pending);
    verify(engine)?;
    Ok((log, t, items))
}

/// New-event appeal of item `id` at `t` recomputed from the log: its saves, clicks and
/// purchases per day since its first interaction (at least a day).
fn expected_appeal(log: &[Interaction], id: &str, t: i64) -> f64 {
    let mine = log.iter().filter(|x| x.item_id == id);
    let first = mine.clone().map(|x| x.timestamp).min();
    let count = mine
        .filter(|x| ["save", "click", "purchase"].contains(&x.kind.as_str()))
        .count();
    match first {
        Some(f) if count > 0 => count as f64 * 86_400.0 / ((t - f) as f64).max(86_400.0),
        _ => 0.0,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn incremental_equals_full_recompute(
        ops in prop::collection::vec(op(), 1..120),
        batch in 1usize..5,
        k in 1usize..5,
        buffer in 0usize..3,
        cap in 2usize..8,
        shrink in any::<bool>(),
        overlap in 1u32..3,
        item_k in 0usize..5,
        user_cap in 2usize..8,
    ) {
        // Users with more than `user_cap` items leave the item side's overlap, and come back.
        let cfg = Config {
            max_user_items: user_cap,
            ..config(k, buffer, cap, shrink, overlap, item_k)
        };
        let engine = Engine::new(cfg.clone()).unwrap();
        let (log, t, items) = replay(&engine, ops, batch)?;

        // A fresh engine built from the whole log in one go agrees on everything.
        let full = Engine::build((0..items).map(item).collect(), &log, vec![], cfg).unwrap();
        for u in 0..14 {
            let user = format!("u{u}");
            // Same log, same interning order, sums in the same order: bit-for-bit equal.
            prop_assert_eq!(engine.neighbours(&user), full.neighbours(&user));
            prop_assert_eq!(engine.exposure(&user, t), full.exposure(&user, t));
        }
        for n in 0..items {
            let id = format!("e{n}");
            prop_assert_eq!(engine.item_neighbours(&id), full.item_neighbours(&id));
        }
        // New-event appeal: incremental, bulk and a recompute from the log agree exactly.
        for n in 0..items {
            let id = format!("e{n}");
            let expected = expected_appeal(&log, &id, t);
            prop_assert_eq!(engine.appeal(&id, t), Some(expected));
            prop_assert_eq!(full.appeal(&id, t), Some(expected));
        }
        // Similar events (co-engagement from the columns and their norms, kept in step by
        // every write): the same lists and scores as from the bulk-built engine.
        for n in 0..items {
            let id = format!("e{n}");
            prop_assert_eq!(
                engine.similar_items(&id, 5, Some(t), None).unwrap(),
                full.similar_items(&id, 5, Some(t), None).unwrap()
            );
        }
        for u in 0..14 {
            let user = format!("u{u}");
            let item_based = (item_k > 0).then_some(Strat::ItemBased);
            for s in Strat::ALL.into_iter().chain(item_based) {
                let req = Request::new(5).strategy(s).now(t);
                let ra = engine.recommend(&user, &req).unwrap();
                let rb = full.recommend(&user, &req).unwrap();
                // The README's bit-for-bit claim: same items, same order, same scores (tolerance 0).
                prop_assert_eq!(ra, rb);
            }
        }
    }
}
