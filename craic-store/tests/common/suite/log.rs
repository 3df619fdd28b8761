//! The interaction log: idempotency, cursors and paging, tailing, concurrent writers.

use craic_core::synthetic::Dataset;
use craic_core::{Blend, Config, Engine, Interaction, Request, TrainingData};
use craic_store::{load_engine, tail, Cursor, LogEntry, Store, StoreErrorKind};

use crate::common::data::{gig, tiny, x};
use crate::common::Fixture;

pub async fn idempotent_reappend(f: &impl Fixture) {
    let s = f.store();
    s.upsert_items(&[gig("g1"), gig("g2")]).await.unwrap();
    let entries: Vec<LogEntry> = (0..10)
        .map(|n| LogEntry::new(x(&format!("u{n}"), "g1", "save", 1_700_000_000 + n)))
        .collect();
    let r = s.append(&entries).await.unwrap();
    assert_eq!((r.inserted, r.duplicates), (10, 0));
    assert_eq!(r.new_indices, (0..10).collect::<Vec<_>>());
    let r = s.append(&entries).await.unwrap();
    assert_eq!((r.inserted, r.duplicates), (0, 10), "re-sending is a no-op");
    assert!(r.new_indices.is_empty(), "nothing new to apply");
    // Duplicates inside one batch, and caller-supplied keys.
    let keyed = LogEntry::with_key("client-event-1", x("u0", "g2", "click", 1_700_000_500));
    let same_key_other_data = LogEntry::with_key("client-event-1", x("u9", "g1", "hide", 1));
    let r = s
        .append(&[keyed.clone(), keyed.clone(), same_key_other_data])
        .await
        .unwrap();
    assert_eq!((r.inserted, r.duplicates), (1, 2));
    assert_eq!(
        r.new_indices,
        [0],
        "only the first of a repeated key is new"
    );
    // A batch mixing stored and new keys reports exactly the new ones.
    let mixed = [
        LogEntry::new(x("m1", "g1", "save", 1_700_000_900)),
        entries[3].clone(),
        LogEntry::new(x("m2", "g2", "save", 1_700_000_901)),
        keyed.clone(),
    ];
    let r = s.append(&mixed).await.unwrap();
    assert_eq!(
        (r.inserted, r.duplicates, r.new_indices),
        (2, 2, vec![0, 2])
    );
    let page = s.read_log(Cursor::START, 100).await.unwrap();
    assert_eq!(page.records.len(), 13);
    assert!(page.malformed.is_empty());
    let keyed_row = &page.records[10];
    assert_eq!(
        (keyed_row.key.as_str(), &keyed_row.interaction),
        ("client-event-1", &keyed.interaction)
    );
    let last = page.records.last().unwrap();
    assert_eq!(last.interaction, mixed[2].interaction);
    assert_eq!(s.log_head().await.unwrap(), last.cursor);
}

pub async fn cursor_paging(f: &impl Fixture) {
    let s = f.store();
    s.upsert_items(&[gig("g")]).await.unwrap();
    assert_eq!(s.log_head().await.unwrap(), Cursor::START);
    assert!(s.read_log(Cursor::START, 10).await.unwrap().is_empty());
    let first: Vec<LogEntry> = (0..25)
        .map(|n| LogEntry::new(x(&format!("u{n}"), "g", "click", 1_700_000_000 + n)))
        .collect();
    s.append(&first).await.unwrap();
    let (mut cursor, mut seen) = (Cursor::START, Vec::new());
    loop {
        let page = s.read_log(cursor, 7).await.unwrap();
        if page.is_empty() {
            assert_eq!(page.next, cursor, "an empty page keeps the cursor");
            break;
        }
        assert!(page.records.len() <= 7);
        for r in &page.records {
            assert!(r.cursor > cursor, "cursors increase");
            cursor = r.cursor;
            seen.push(r.interaction.clone());
        }
        assert_eq!(page.next, cursor);
    }
    let want: Vec<Interaction> = first.iter().map(|e| e.interaction.clone()).collect();
    assert_eq!(seen, want, "every row once, in append order");
    assert_eq!(s.log_head().await.unwrap(), cursor);
    // Only what was appended since the cursor.
    let later = LogEntry::new(x("late", "g", "save", 1_700_001_000));
    s.append(std::slice::from_ref(&later)).await.unwrap();
    let page = s.read_log(cursor, 100).await.unwrap();
    assert_eq!(page.records.len(), 1);
    assert_eq!(page.records[0].interaction, later.interaction);
}

/// Two writers append while a reader tails: the reader sees every row exactly once, in cursor
/// order — rows never become visible below a cursor the reader has passed.
pub async fn concurrent_appends_are_tailed_without_gaps(f: &impl Fixture) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let s = f.store();
    const BATCHES: usize = 25;
    const PER_BATCH: usize = 150;
    let done = AtomicUsize::new(0);
    let writer = |w: usize| {
        let done = &done;
        async move {
            for b in 0..BATCHES {
                let batch: Vec<LogEntry> = (0..PER_BATCH)
                    .map(|n| {
                        LogEntry::new(x(&format!("w{w}-{b}-{n}"), "g", "click", 1_700_000_000))
                    })
                    .collect();
                s.append(&batch).await.unwrap();
            }
            done.fetch_add(1, Ordering::SeqCst);
        }
    };
    let reader = async {
        let (mut cursor, mut seen) = (Cursor::START, Vec::new());
        loop {
            // Read whether the writers had finished *before* reading: then an empty page means
            // everything was seen.
            let finished = done.load(Ordering::SeqCst) == 2;
            let page = s.read_log(cursor, 97).await.unwrap();
            for r in &page.records {
                assert!(r.cursor > cursor);
                cursor = r.cursor;
                seen.push(r.interaction.user_id.clone());
            }
            if page.is_empty() {
                if finished {
                    break;
                }
                tokio::task::yield_now().await;
            }
        }
        seen
    };
    let ((), (), seen) = tokio::join!(writer(0), writer(1), reader);
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(seen.len(), 2 * BATCHES * PER_BATCH, "every row seen");
    assert_eq!(unique.len(), seen.len(), "no row seen twice");
    let page = s.read_log(Cursor::START, 100_000).await.unwrap();
    let all: Vec<String> = page
        .records
        .into_iter()
        .map(|r| r.interaction.user_id)
        .collect();
    assert_eq!(all, seen, "the tail saw the log in cursor order");
}

/// The `tiny` dataset's catalogue and preferences stored, and its log as entries to append.
async fn tiny_catalogue(s: &dyn Store) -> (Dataset, Vec<LogEntry>) {
    let data = tiny();
    s.upsert_items(&data.items).await.unwrap();
    s.set_preferences(&data.preferences).await.unwrap();
    let entries = data
        .interactions
        .iter()
        .cloned()
        .map(LogEntry::new)
        .collect();
    (data, entries)
}

/// Loading once, then tailing the rest, gives the model loading everything at the end gives.
pub async fn load_then_tail_equals_load_at_end(f: &impl Fixture) {
    let s = f.store();
    let (data, entries) = tiny_catalogue(s).await;
    let (a, b) = entries.split_at(entries.len() * 2 / 3);
    s.append(a).await.unwrap();
    // The fixed blend: a learned one is fitted at load (on the log as it then was) and kept
    // until the next build, so only the model state, not the blend, follows the tail.
    let fixed = || Config {
        blend: Blend::Fixed,
        ..Config::default()
    };
    let early = load_engine(s, fixed()).await.unwrap();
    for chunk in b.chunks(300) {
        s.append(chunk).await.unwrap();
    }
    let tailed = tail(s, &early.engine, early.cursor).await.unwrap();
    assert_eq!(tailed.interactions, b.len() as u64);
    let late = load_engine(s, fixed()).await.unwrap();
    assert_eq!(tailed.cursor, late.cursor);
    assert!(late.skipped.is_empty() && tailed.skipped.is_empty());
    let users: Vec<String> = data.preferences.iter().map(|p| p.0.clone()).collect();
    assert_same_model(&early.engine, &late.engine, &users);
}

/// A load builds what `Engine::from_training` builds from the same data, removed events
/// included: with the (default) learned blend, fitted with them removed.
pub async fn a_load_fits_the_learned_blend_without_removed_events(f: &impl Fixture) {
    let s = f.store();
    let (data, entries) = tiny_catalogue(s).await;
    s.append(&entries).await.unwrap();
    // The events most engaged with in the latest fifth of the log: removing them changes the
    // holdout.
    let latest = &data.interactions[data.interactions.len() * 4 / 5..];
    let mut counts: std::collections::BTreeMap<&str, usize> = Default::default();
    for i in latest {
        *counts.entry(i.item_id.as_str()).or_default() += 1;
    }
    let mut by_count: Vec<(&str, usize)> = counts.into_iter().collect();
    by_count.sort_by_key(|x| std::cmp::Reverse(x.1));
    let removed: Vec<String> = by_count.iter().take(3).map(|x| x.0.to_owned()).collect();
    s.remove_items(&removed).await.unwrap();
    let loaded = load_engine(s, Config::default()).await.unwrap();
    // The store returns the catalogue and the preferences by id, and the order of
    // floating-point sums follows it.
    let mut items = data.items.clone();
    items.sort_by(|a, b| a.id.cmp(&b.id));
    let mut preferences = data.preferences.clone();
    preferences.sort_by(|a, b| a.0.cmp(&b.0));
    let training = TrainingData {
        items: items.clone(),
        preferences: preferences.clone(),
        interactions: data.interactions.clone(),
        removed: removed.clone(),
    };
    let reference =
        Engine::from_training(Config::default(), &training, &training.interactions).unwrap();
    let report = loaded.engine.blend_report().expect("a learned blend");
    assert_eq!(Some(report), reference.blend_report());
    let unremoved =
        Engine::build(items, &data.interactions, preferences, Config::default()).unwrap();
    assert_ne!(loaded.engine.blend_report(), unremoved.blend_report());
}

/// Same stats, recommendations and neighbours for every user, bit for bit (tolerance 0): a
/// model loaded then tailed recorded the same log in the same order as one loaded at the end,
/// which the core guarantees gives the same state (README: incremental updates are bit-for-bit
/// a full rebuild).
pub fn assert_same_model(a: &Engine, b: &Engine, users: &[String]) {
    let (sa, sb) = (a.stats(), b.stats());
    assert_eq!(
        (sa.users, sa.items, sa.cells, sa.interactions),
        (sb.users, sb.items, sb.cells, sb.interactions)
    );
    let req = Request::new(10).now(1_767_225_600);
    for u in users {
        let (ra, rb) = (a.recommend(u, &req).unwrap(), b.recommend(u, &req).unwrap());
        assert_eq!(ra, rb, "recommendations of {u:?}");
        assert_eq!(a.neighbours(u), b.neighbours(u), "neighbours of {u:?}");
    }
}

/// Events added to the catalogue after the load are fetched when the log first names them.
pub async fn tail_fetches_new_events(f: &impl Fixture) {
    let s = f.store();
    s.upsert_items(&[gig("g1")]).await.unwrap();
    s.append(&[LogEntry::new(x("ana", "g1", "save", 1_700_000_000))])
        .await
        .unwrap();
    let loaded = load_engine(s, Config::default()).await.unwrap();
    assert!(loaded.engine.item("g2").is_none());
    s.upsert_items(&[gig("g2")]).await.unwrap();
    s.append(&[
        LogEntry::new(x("ben", "g2", "save", 1_700_000_100)),
        LogEntry::new(x("ben", "g3", "save", 1_700_000_100)),
        LogEntry::new(x("cy", "g3", "save", 1_700_000_100)),
    ])
    .await
    .unwrap();
    let tailed = tail(s, &loaded.engine, loaded.cursor).await.unwrap();
    assert_eq!(tailed.interactions, 1);
    assert_eq!(loaded.engine.item("g2"), Some(gig("g2")));
    let skipped: Vec<&str> = tailed.skipped.iter().map(|m| m.table).collect();
    assert_eq!(
        skipped,
        ["interactions", "interactions"],
        "g3 is in no catalogue"
    );
}

/// An impression's rank is stored and read back (tailing and a full load included); it is not
/// part of the derived idempotency key, so a showing re-sent with another rank is a duplicate
/// and the first rank stays; a rank on another kind is a typed error and writes nothing.
pub async fn impression_ranks_are_stored(f: &impl Fixture) {
    let s = f.store();
    s.upsert_items(&[gig("g1"), gig("g2")]).await.unwrap();
    let t = 1_700_000_000;
    let rows = [
        Interaction::impression("ana", "g1", t, 3),
        x("ana", "g2", "impression", t),
        x("ben", "g1", "save", t + 1),
        Interaction::impression("ben", "g2", t + 2, u32::MAX),
    ];
    let entries: Vec<LogEntry> = rows.iter().cloned().map(LogEntry::new).collect();
    assert_eq!(s.append(&entries).await.unwrap().inserted, 4);
    let resent = LogEntry::new(Interaction::impression("ana", "g1", t, 7));
    let r = s.append(&[resent]).await.unwrap();
    assert_eq!(
        (r.inserted, r.duplicates),
        (0, 1),
        "the rank is not identity"
    );
    let page = s.read_log(Cursor::START, 100).await.unwrap();
    let read: Vec<Interaction> = page.records.iter().map(|r| r.interaction.clone()).collect();
    assert_eq!(
        read, rows,
        "ranks read back as appended; the first one stays"
    );
    assert!(page.malformed.is_empty());

    let bad = LogEntry::new(x("cy", "g1", "click", t + 3).with_rank(1));
    let err = s.append(&[bad]).await.unwrap_err();
    assert_eq!(
        err.kind(),
        StoreErrorKind::Core(craic_core::ErrorKind::InvalidRank)
    );
    assert_eq!(s.log_head().await.unwrap(), page.next, "nothing written");

    let loaded = load_engine(s, Config::default()).await.unwrap();
    assert_eq!((loaded.interactions, loaded.skipped.len()), (4, 0));
    let later = Interaction::impression("cy", "g2", t + 4, 0);
    s.append(&[LogEntry::new(later.clone())]).await.unwrap();
    let tailed = tail(s, &loaded.engine, loaded.cursor).await.unwrap();
    assert_eq!(tailed.interactions, 1);
    let page = s.read_log(loaded.cursor, 10).await.unwrap();
    assert_eq!(page.records[0].interaction, later);
}
