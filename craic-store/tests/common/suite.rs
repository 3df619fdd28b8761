//! The shared tests (each takes a fresh fixture).

use craic_core::{Config, Engine, Interaction, Item, Preferences, Request};
use craic_store::{
    load_engine, tail, Cursor, ExperimentEvent, ExperimentRecord, LogEntry, ModelVersion,
    RetrainRun, Store, StoreErrorKind,
};

use super::data::{big_text, gig, hostile, prefs, tiny, x};
use super::Fixture;

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

pub async fn hostile_strings(f: &impl Fixture) {
    let s = f.store();
    let h = hostile();
    hostile_catalogue(s, &h).await;
    hostile_log(s, &h).await;
    hostile_registry(s, &h).await;
}

async fn hostile_catalogue(s: &dyn Store, h: &[String]) {
    let items: Vec<Item> = h
        .iter()
        .map(|id| {
            Item::new(id.clone(), 1_900_000_000)
                .city(id.clone())
                .venue(id.clone())
                .genres([id.clone(), "rock".into(), id.clone()])
                .artists([id.clone()])
                .tags([id.clone(), String::new()])
                .ends_at(1_900_003_600)
        })
        .collect();
    s.upsert_items(&items).await.unwrap();
    let mut want = items.clone();
    want.sort_by(|a, b| a.id.cmp(&b.id));
    let mut got = s.items().await.unwrap();
    got.sort_by(|a, b| a.id.cmp(&b.id));
    assert_eq!(got, want, "every item back unchanged");
    for item in &items {
        assert_eq!(s.item(&item.id).await.unwrap().as_ref(), Some(item));
    }
    let p: Vec<(String, Preferences)> = h.iter().map(|u| (u.clone(), prefs(u))).collect();
    s.set_preferences(&p).await.unwrap();
    let mut want = p.clone();
    want.sort_by(|a, b| a.0.cmp(&b.0));
    let mut got = s.preferences().await.unwrap();
    got.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(got, want);
}

async fn hostile_log(s: &dyn Store, h: &[String]) {
    let entries: Vec<LogEntry> = h
        .iter()
        .zip(h.iter().rev())
        .map(|(u, i)| LogEntry::new(x(u, i, u, 1_700_000_000)))
        .chain([LogEntry::with_key(
            big_text()[..1024].to_owned(),
            x("k", "A", "save", 1),
        )])
        .collect();
    assert_eq!(
        s.append(&entries).await.unwrap().inserted,
        entries.len() as u64
    );
    let page = s.read_log(Cursor::START, 1000).await.unwrap();
    let got: Vec<LogEntry> = page
        .records
        .into_iter()
        .map(|r| LogEntry::with_key(r.key, r.interaction))
        .collect();
    assert_eq!(got, entries);
}

async fn hostile_registry(s: &dyn Store, h: &[String]) {
    let experiment = ExperimentRecord {
        key: h[2].clone(),
        definition: big_text().into_bytes(),
        variants: h.to_vec(),
    };
    s.put_experiment(&experiment).await.unwrap();
    assert_eq!(s.experiments().await.unwrap(), vec![experiment.clone()]);
    for (u, v) in h.iter().zip(h.iter().rev()) {
        let a = s.assign(&h[2], u, v).await.unwrap();
        assert_eq!((a.variant.as_str(), a.new), (v.as_str(), true));
        assert_eq!(
            s.assignment(&h[2], u).await.unwrap().as_deref(),
            Some(v.as_str())
        );
    }
    let model = ModelVersion {
        version: h[4].clone(),
        bytes: big_text().into_bytes(),
        metrics_json: big_text(),
        trained_at: 1_700_000_000,
    };
    s.publish_model(&model, true).await.unwrap();
    assert_eq!(s.current_model().await.unwrap(), Some(model.clone()));
    let run = RetrainRun {
        id: 0,
        started_at: 1,
        finished_at: 2,
        outcome: h[3].clone(),
        version: Some(h[6].clone()),
        interactions: 3,
        detail_json: big_text(),
    };
    let id = s.record_retrain(&run).await.unwrap();
    assert_eq!(
        s.retrain_runs(10).await.unwrap(),
        vec![RetrainRun { id, ..run }]
    );
}

/// Rows planted with raw SQL: the same statements work on every backend's `interactions`.
pub async fn malformed_rows(f: &impl Fixture) {
    let s = f.store();
    s.upsert_items(&[gig("g1"), gig("g2")]).await.unwrap();
    let good = |n: i64| {
        LogEntry::new(x(
            &format!("u{n}"),
            if n % 2 == 0 { "g1" } else { "g2" },
            "save",
            1_700_000_000 + n,
        ))
    };
    s.append(&[good(0), good(1)]).await.unwrap();
    for (key, user, item, kind, ts) in [
        ("bad-kind", "u1", "g1", "teleport", 1_700_000_000i64),
        ("dangling", "u1", "no-such-gig", "save", 1_700_000_000),
        ("millis", "u1", "g1", "save", 1_700_000_000_000),
        ("empty-user", "", "g1", "save", 1_700_000_000),
    ] {
        let sql = format!(
            "INSERT INTO interactions (idem_key, user_id, item_id, kind, ts) \
             VALUES ('{key}', '{user}', '{item}', '{kind}', {ts})"
        );
        f.raw(&sql).await.unwrap();
    }
    s.append(&[good(2), good(3)]).await.unwrap();
    let head = s.log_head().await.unwrap();

    let loaded = load_engine(s, Config::default()).await.unwrap();
    assert_eq!(loaded.interactions, 4, "everything else is loaded");
    assert_eq!(loaded.cursor, head, "the cursor moves past skipped rows");
    let page = s.read_log(Cursor::START, 100).await.unwrap();
    let bad_ids: Vec<i64> = page
        .records
        .iter()
        .filter(|r| r.key.len() < 20)
        .map(|r| r.cursor.0 as i64)
        .collect();
    let skipped: Vec<(&str, i64)> = loaded.skipped.iter().map(|m| (m.table, m.row_id)).collect();
    assert_eq!(
        skipped,
        bad_ids
            .iter()
            .map(|&r| ("interactions", r))
            .collect::<Vec<_>>()
    );
    let reasons: Vec<&str> = loaded.skipped.iter().map(|m| m.reason.as_str()).collect();
    assert!(reasons[0].contains("teleport"), "{reasons:?}");
    assert!(reasons[1].contains("no-such-gig"), "{reasons:?}");
    assert!(reasons[2].contains("timestamp"), "{reasons:?}");
    assert!(reasons[3].contains("id"), "{reasons:?}");

    // Tailing over the same rows reports them the same way and applies the rest.
    let fresh = Engine::new(Config::default()).unwrap();
    fresh.upsert_items(vec![gig("g1"), gig("g2")]).unwrap();
    let tailed = tail(s, &fresh, Cursor::START).await.unwrap();
    assert_eq!(tailed.interactions, 4);
    assert_eq!(tailed.skipped, loaded.skipped);
    assert_eq!(tailed.cursor, head);
}

pub async fn model_registry(f: &impl Fixture) {
    let s = f.store();
    assert_eq!(s.current_model().await.unwrap(), None);
    // Every byte value, larger than one MySQL chunk.
    let bytes: Vec<u8> = (0..3_000_000u32)
        .map(|n| (n.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let v1 = ModelVersion {
        version: "v1".into(),
        bytes: bytes.clone(),
        metrics_json: r#"{"ndcg@10": 0.31}"#.into(),
        trained_at: 1_700_000_000,
    };
    let v2 = ModelVersion {
        version: "v2".into(),
        bytes: vec![],
        metrics_json: "{}".into(),
        trained_at: 1_700_000_100,
    };
    s.publish_model(&v1, true).await.unwrap();
    s.publish_model(&v2, false).await.unwrap();
    assert_eq!(s.current_model().await.unwrap(), Some(v1.clone()));
    assert_eq!(s.model("v2").await.unwrap(), Some(v2.clone()));
    assert_eq!(s.model("v3").await.unwrap(), None);
    let err = s.publish_model(&v1, true).await.unwrap_err();
    assert_eq!(err.kind(), StoreErrorKind::Conflict);
    let err = s.set_current_model("v3").await.unwrap_err();
    assert_eq!(err.kind(), StoreErrorKind::NotFound);
    s.set_current_model("v2").await.unwrap();
    assert_eq!(s.current_model().await.unwrap(), Some(v2));
    let list = s.models().await.unwrap();
    let summary: Vec<(&str, u64, bool)> = list
        .iter()
        .map(|m| (m.version.as_str(), m.size, m.current))
        .collect();
    assert_eq!(
        summary,
        vec![("v1", bytes.len() as u64, false), ("v2", 0, true)]
    );
    assert_eq!(
        s.model("v1").await.unwrap().unwrap().bytes,
        bytes,
        "bytes exactly"
    );
}

pub async fn experiments(f: &impl Fixture) {
    let s = f.store();
    let e = ExperimentRecord {
        key: "blend".into(),
        definition: br#"{"variants":["a","b"]}"#.to_vec(),
        variants: vec!["a".into(), "b".into()],
    };
    assert_eq!(
        s.assign("blend", "u", "a").await.unwrap_err().kind(),
        StoreErrorKind::NotFound
    );
    s.put_experiment(&e).await.unwrap();
    s.put_experiment(&e).await.unwrap();
    assert_eq!(s.experiments().await.unwrap(), vec![e]);
    let first = s.assign("blend", "ana", "b").await.unwrap();
    assert!(first.new);
    let again = s.assign("blend", "ana", "a").await.unwrap();
    assert_eq!(
        (again.variant.as_str(), again.new),
        ("b", false),
        "first assignment wins"
    );
    s.assign("blend", "ben", "a").await.unwrap();
    assert_eq!(
        s.assign("blend", "cy", "zz").await.unwrap_err().kind(),
        StoreErrorKind::NotFound
    );
    assert_eq!(s.assignment("blend", "nobody").await.unwrap(), None);
    experiment_events(s).await;
}

/// Exposures and conversions of the `blend` experiment (ana in b, ben in a).
async fn experiment_events(s: &dyn Store) {
    let event = |key: &str, user: &str, variant: &str, value: f64| ExperimentEvent {
        experiment: "blend".into(),
        user: user.into(),
        variant: variant.into(),
        key: key.into(),
        at: 1_700_000_000,
        value,
    };
    assert!(s
        .record_exposure(&event("x1", "ana", "b", 1.0))
        .await
        .unwrap());
    assert!(!s
        .record_exposure(&event("x1", "ana", "b", 1.0))
        .await
        .unwrap());
    assert!(s
        .record_exposure(&event("x2", "ana", "b", 1.0))
        .await
        .unwrap());
    assert!(s
        .record_exposure(&event("x3", "ben", "a", 1.0))
        .await
        .unwrap());
    assert!(s
        .record_conversion(&event("c1", "ana", "b", 2.5))
        .await
        .unwrap());
    assert!(!s
        .record_conversion(&event("c1", "ana", "b", 2.5))
        .await
        .unwrap());
    // Exposure and conversion keys are separate namespaces.
    assert!(s
        .record_conversion(&event("x1", "ana", "b", 1.0))
        .await
        .unwrap());
    let counts = s.experiment_counts("blend").await.unwrap();
    let summary: Vec<_> = counts
        .iter()
        .map(|c| {
            (
                c.variant.as_str(),
                c.assignments,
                c.exposures,
                c.conversions,
                c.conversion_value,
            )
        })
        .collect();
    assert_eq!(summary, vec![("a", 1, 1, 0, 0.0), ("b", 1, 2, 2, 3.5)]);
    // Every event is listed once (what a restarted service replays).
    let listed = s.experiment_events("blend").await.unwrap();
    let mut exposures: Vec<_> = listed.exposures.iter().map(|e| e.key.as_str()).collect();
    exposures.sort_unstable();
    assert_eq!(exposures, ["x1", "x2", "x3"]);
    let mut conversions: Vec<_> = listed
        .conversions
        .iter()
        .map(|e| (e.key.as_str(), e.user.as_str(), e.variant.as_str(), e.value))
        .collect();
    conversions.sort_by(|a, b| a.0.cmp(b.0));
    assert_eq!(
        conversions,
        [("c1", "ana", "b", 2.5), ("x1", "ana", "b", 1.0)]
    );
    assert_eq!(
        s.experiment_events("nope").await.unwrap_err().kind(),
        StoreErrorKind::NotFound
    );
    let err = s.experiment_counts("nope").await.unwrap_err();
    assert_eq!(err.kind(), StoreErrorKind::NotFound);
}

pub async fn retrain_history(f: &impl Fixture) {
    let s = f.store();
    let run = |n: i64| RetrainRun {
        id: 0,
        started_at: n,
        finished_at: n + 1,
        outcome: if n % 2 == 0 {
            "published".into()
        } else {
            "rejected".into()
        },
        version: (n % 2 == 0).then(|| format!("v{n}")),
        interactions: n as u64 * 10,
        detail_json: "{}".into(),
    };
    let mut ids = Vec::new();
    for n in 0..5 {
        ids.push(s.record_retrain(&run(n)).await.unwrap());
    }
    assert!(ids.windows(2).all(|w| w[0] < w[1]));
    let latest = s.retrain_runs(2).await.unwrap();
    assert_eq!(
        latest,
        vec![
            RetrainRun {
                id: ids[4],
                ..run(4)
            },
            RetrainRun {
                id: ids[3],
                ..run(3)
            }
        ]
    );
}

/// Loading once, then tailing the rest, gives the model loading everything at the end gives.
pub async fn load_then_tail_equals_load_at_end(f: &impl Fixture) {
    let s = f.store();
    let data = tiny();
    s.upsert_items(&data.items).await.unwrap();
    s.set_preferences(&data.preferences).await.unwrap();
    let entries: Vec<LogEntry> = data
        .interactions
        .iter()
        .cloned()
        .map(LogEntry::new)
        .collect();
    let (a, b) = entries.split_at(entries.len() * 2 / 3);
    s.append(a).await.unwrap();
    let early = load_engine(s, Config::default()).await.unwrap();
    for chunk in b.chunks(300) {
        s.append(chunk).await.unwrap();
    }
    let tailed = tail(s, &early.engine, early.cursor).await.unwrap();
    assert_eq!(tailed.interactions, b.len() as u64);
    let late = load_engine(s, Config::default()).await.unwrap();
    assert_eq!(tailed.cursor, late.cursor);
    assert!(late.skipped.is_empty() && tailed.skipped.is_empty());
    let users: Vec<String> = data.preferences.iter().map(|p| p.0.clone()).collect();
    assert_same_model(&early.engine, &late.engine, &users);
}

/// Same stats, recommendations and neighbours for every user.
pub fn assert_same_model(a: &Engine, b: &Engine, users: &[String]) {
    let (sa, sb) = (a.stats(), b.stats());
    assert_eq!(
        (sa.users, sa.items, sa.cells, sa.interactions),
        (sb.users, sb.items, sb.cells, sb.interactions)
    );
    let req = Request::new(10).now(1_767_225_600);
    for u in users {
        let (ra, rb) = (a.recommend(u, &req).unwrap(), b.recommend(u, &req).unwrap());
        let ids = |r: &[craic_core::Recommendation]| {
            r.iter().map(|x| x.item_id.clone()).collect::<Vec<_>>()
        };
        assert_eq!(ids(&ra), ids(&rb), "recommendations of {u:?}");
        for (x, y) in ra.iter().zip(&rb) {
            assert!(
                (x.score - y.score).abs() <= 1e-9,
                "{u:?}: {} vs {}",
                x.score,
                y.score
            );
        }
        let (na, nb) = (a.neighbours(u), b.neighbours(u));
        assert_eq!(na.len(), nb.len(), "neighbours of {u:?}");
        for ((ua, wa), (ub, wb)) in na.iter().zip(&nb) {
            assert!((wa - wb).abs() <= 1e-9, "{u:?}: similarity {wa} vs {wb}");
            assert!(ua == ub || (wa - wb).abs() <= 1e-9);
            assert!((a.similarity(u, ua) - b.similarity(u, ua)).abs() <= 1e-9);
        }
    }
}

pub async fn bad_input_is_typed(f: &impl Fixture) {
    let s = f.store();
    let too_long = "x".repeat(craic_core::MAX_ID_LEN + 1);
    let err = s.upsert_items(&[gig(&too_long)]).await.unwrap_err();
    assert!(matches!(err.kind(), StoreErrorKind::Core(_)), "{err}");
    let err = s
        .append(&[LogEntry::new(x(&too_long, "g", "save", 1))])
        .await
        .unwrap_err();
    assert!(matches!(err.kind(), StoreErrorKind::Core(_)), "{err}");
    let err = s
        .append(&[LogEntry::with_key(
            "k".repeat(craic_store::MAX_KEY_LEN + 1),
            x("u", "g", "save", 1),
        )])
        .await
        .unwrap_err();
    assert_eq!(err.kind(), StoreErrorKind::InvalidInput);
    let err = s
        .append(&[LogEntry::new(x("u", "g", "save", -5))])
        .await
        .unwrap_err();
    assert!(matches!(err.kind(), StoreErrorKind::Core(_)));
    assert!(
        s.read_log(Cursor::START, 10).await.unwrap().is_empty(),
        "nothing written"
    );
    let nan = ExperimentEvent {
        experiment: "e".into(),
        user: "u".into(),
        variant: "v".into(),
        key: "k".into(),
        at: 0,
        value: f64::NAN,
    };
    assert_eq!(
        s.record_conversion(&nan).await.unwrap_err().kind(),
        StoreErrorKind::InvalidInput
    );
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

/// Writing the same event or user twice in one call keeps the last, like writing them in turn.
pub async fn repeated_ids_in_one_write_keep_the_last(f: &impl Fixture) {
    let s = f.store();
    let second = gig("g").genres(["jazz"]).city("cork");
    s.upsert_items(&[gig("g"), gig("h"), second.clone()])
        .await
        .unwrap();
    assert_eq!(s.items().await.unwrap(), vec![second, gig("h")]);
    s.set_preferences(&[("u".into(), prefs("a")), ("u".into(), prefs("b"))])
        .await
        .unwrap();
    assert_eq!(
        s.preferences().await.unwrap(),
        vec![("u".to_string(), prefs("b"))]
    );
    // Empty preferences clear a user's.
    s.set_preferences(&[("u".into(), Preferences::default())])
        .await
        .unwrap();
    assert!(s.preferences().await.unwrap().is_empty());
}

/// An event the core rejects, planted with raw SQL, is reported with its row id; the rest of
/// the catalogue and the log load.
pub async fn malformed_events_are_reported_by_row_id(f: &impl Fixture) {
    let s = f.store();
    s.upsert_items(&[gig("g1")]).await.unwrap();
    f.raw(f.bad_event_sql()).await.unwrap();
    s.upsert_items(&[gig("g2")]).await.unwrap();
    s.append(&[
        LogEntry::new(x("ana", "g1", "save", 1_700_000_000)),
        LogEntry::new(x("ana", "backwards", "save", 1_700_000_000)),
    ])
    .await
    .unwrap();
    let checked = s.checked_items().await.unwrap();
    assert_eq!(checked.items, vec![gig("g1"), gig("g2")]);
    assert_eq!(checked.malformed.len(), 1);
    let bad = &checked.malformed[0];
    assert_eq!(bad.table, "events");
    assert!(bad.row_id > 0, "a real row id: {bad:?}");
    assert!(bad.reason.contains("backwards"), "{bad:?}");
    let loaded = load_engine(s, Config::default()).await.unwrap();
    assert_eq!(loaded.interactions, 1);
    let tables: Vec<&str> = loaded.skipped.iter().map(|m| m.table).collect();
    assert_eq!(tables, ["events", "interactions"]);
    assert_eq!(&loaded.skipped[0], bad);
    assert_eq!(loaded.engine.stats().items, 2);
}

pub async fn catalogue_changes_are_a_feed(f: &impl Fixture) {
    use craic_store::Change;
    let s = f.store();
    assert_eq!(s.changes_head().await.unwrap(), Cursor::START);
    assert!(s.read_changes(Cursor::START, 10).await.unwrap().is_empty());
    let moved = gig("g1").city("cork");
    s.upsert_items(&[gig("g1"), gig("g2")]).await.unwrap();
    let p = vec![
        ("ana".to_owned(), prefs("ana")),
        ("ben".to_owned(), Preferences::default()),
    ];
    s.set_preferences(&p).await.unwrap();
    s.upsert_items(std::slice::from_ref(&moved)).await.unwrap();
    let want = vec![
        Change::Item(gig("g1")),
        Change::Item(gig("g2")),
        Change::Preferences("ana".into(), prefs("ana")),
        Change::Preferences("ben".into(), Preferences::default()),
        Change::Item(moved),
    ];
    // Paged in twos: every change once, in order, positions increasing.
    let (mut cursor, mut got) = (Cursor::START, Vec::new());
    loop {
        let page = s.read_changes(cursor, 2).await.unwrap();
        if page.is_empty() {
            assert_eq!(page.next, cursor);
            break;
        }
        assert!(page.malformed.is_empty());
        for r in page.changes {
            assert!(r.cursor > cursor);
            cursor = r.cursor;
            got.push(r.change);
        }
        assert_eq!(page.next, cursor);
    }
    assert_eq!(got, want);
    assert_eq!(s.changes_head().await.unwrap(), cursor);
    // A write the store rejects announces nothing.
    let bad = Item::new("", 1);
    assert!(s.upsert_items(&[bad]).await.is_err());
    assert_eq!(s.changes_head().await.unwrap(), cursor);
}
