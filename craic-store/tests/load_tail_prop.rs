//! Property: loading an engine from a store and then tailing it gives the same model as loading
//! once at the end, whatever the log and wherever the load happens.

mod common;

use craic_core::{Config, Interaction, Item};
use craic_store::{BlockingStore, LogEntry};
use proptest::prelude::*;

const USERS: [&str; 6] = ["ana", "ben", "cy", "dee", "eve", "fin"];
const KINDS: [&str; 4] = ["save", "click", "hide", "unsave"];

fn items() -> Vec<Item> {
    (0..8)
        .map(|n| {
            Item::new(format!("g{n}"), 1_800_000_000 + n)
                .city(["dublin", "cork"][n as usize % 2])
                .genres([["techno", "folk", "jazz"][n as usize % 3]])
        })
        .collect()
}

fn log() -> impl Strategy<Value = Vec<Interaction>> {
    prop::collection::vec((0..6usize, 0..8usize, 0..4usize, 0..500_000i64), 0..120).prop_map(
        |rows| {
            rows.into_iter()
                .map(|(u, i, k, t)| {
                    Interaction::new(USERS[u], format!("g{i}"), KINDS[k], 1_700_000_000 + t)
                })
                .collect()
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn load_then_tail_equals_load_at_end(
        log in log(),
        split in 0.0..=1.0f64,
        page in 1..40usize,
        resend in any::<bool>(),
    ) {
        let store = BlockingStore::open("sqlite::memory:").unwrap();
        store.upsert_items(&items()).unwrap();
        let entries: Vec<LogEntry> = log.iter().cloned().map(LogEntry::new).collect();
        let at = (entries.len() as f64 * split) as usize;
        store.append(&entries[..at]).unwrap();
        let early = store.load_engine(Config::default()).unwrap();
        for chunk in entries[at..].chunks(page) {
            store.append(chunk).unwrap();
            if resend {
                // Re-sent batches are no-ops, so tailing never applies a row twice.
                assert_eq!(store.append(chunk).unwrap().inserted, 0);
            }
        }
        let tailed = store.tail(&early.engine, early.cursor).unwrap();
        let late = store.load_engine(Config::default()).unwrap();
        prop_assert_eq!(tailed.cursor, late.cursor);
        prop_assert_eq!(early.engine.stats().interactions, late.engine.stats().interactions);
        let users: Vec<String> = USERS.iter().map(|u| u.to_string()).collect();
        common::suite::assert_same_model(&early.engine, &late.engine, &users);
    }
}
