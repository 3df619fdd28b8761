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

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Any sequence of batches, re-sent or overlapping, leaves each key in the log once, in
    /// first-sent order, and the reports count every entry as inserted or duplicate.
    #[test]
    fn appends_are_idempotent(
        log in log(),
        cuts in prop::collection::vec((0..120usize, 0..120usize), 1..12),
    ) {
        let store = BlockingStore::open("sqlite::memory:").unwrap();
        let entries: Vec<LogEntry> = log.iter().cloned().map(LogEntry::new).collect();
        let (mut sent, mut inserted, mut duplicates) = (Vec::new(), 0, 0);
        for (a, b) in cuts {
            let (a, b) = (a.min(b).min(entries.len()), a.max(b).min(entries.len()));
            let r = store.append(&entries[a..b]).unwrap();
            inserted += r.inserted;
            duplicates += r.duplicates;
            sent.extend_from_slice(&entries[a..b]);
        }
        prop_assert_eq!(inserted + duplicates, sent.len() as u64);
        let mut first_seen: Vec<LogEntry> = Vec::new();
        for e in sent {
            if !first_seen.iter().any(|f| f.key == e.key) {
                first_seen.push(e);
            }
        }
        prop_assert_eq!(inserted, first_seen.len() as u64);
        let page = store.read_log(craic_store::Cursor::START, 10_000).unwrap();
        let stored: Vec<LogEntry> = page
            .records
            .into_iter()
            .map(|r| LogEntry::with_key(r.key, r.interaction))
            .collect();
        prop_assert_eq!(stored, first_seen);
    }
}
