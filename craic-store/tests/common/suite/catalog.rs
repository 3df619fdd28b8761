//! The catalogue and preferences: hostile strings, malformed rows, bad input, the change feed.

use craic_core::{Config, Engine, Item, Preferences};
use craic_store::{
    load_engine, tail, Cursor, ExperimentEvent, ExperimentRecord, LogEntry, ModelVersion,
    RetrainRun, Store, StoreErrorKind,
};

use crate::common::data::{big_text, gig, hostile, prefs, x};
use crate::common::Fixture;

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

/// Removing events: validated whole first, listed, announced, kept in the catalogue (so their
/// interactions load), removed again by `load_engine`, and live again when upserted.
pub async fn removed_events_stay_in_the_catalogue_and_the_feed(f: &impl Fixture) {
    use craic_store::Change;
    let s = f.store();
    s.upsert_items(&[gig("g1"), gig("g2"), gig("g3")])
        .await
        .unwrap();
    s.append(&[LogEntry::new(x("ana", "g1", "save", 1_700_000_000))])
        .await
        .unwrap();
    let head = s.changes_head().await.unwrap();
    // An unknown or invalid id: a typed error, nothing removed or announced.
    let err = s
        .remove_items(&["g1".into(), "nope".into()])
        .await
        .unwrap_err();
    assert_eq!(err.kind(), StoreErrorKind::NotFound);
    let err = s.remove_items(&["".into()]).await.unwrap_err();
    assert_eq!(
        err.kind(),
        StoreErrorKind::Core(craic_core::ErrorKind::InvalidId)
    );
    assert!(s.removed_items().await.unwrap().is_empty());
    assert_eq!(s.changes_head().await.unwrap(), head);

    // Removing twice counts once; both removals are announced.
    let ids = ["g1".to_owned(), "g2".to_owned(), "g1".to_owned()];
    assert_eq!(s.remove_items(&ids).await.unwrap(), 2);
    assert_eq!(s.remove_items(&ids[..1]).await.unwrap(), 0);
    assert_eq!(s.removed_items().await.unwrap(), ["g1", "g2"]);
    let page = s.read_changes(head, 10).await.unwrap();
    let got: Vec<Change> = page.changes.into_iter().map(|r| r.change).collect();
    let removed = |id: &str| Change::Removed(id.to_owned());
    assert_eq!(
        got,
        [removed("g1"), removed("g2"), removed("g1"), removed("g1")]
    );
    assert_eq!(s.items().await.unwrap().len(), 3);

    let loaded = load_engine(s, Config::default()).await.unwrap();
    assert_eq!(loaded.interactions, 1);
    assert_eq!(loaded.engine.stats().live_items, 1);
    assert_eq!(loaded.engine.removed_items(), ["g1", "g2"]);

    // Upserted again: live again.
    s.upsert_items(&[gig("g2")]).await.unwrap();
    assert_eq!(s.removed_items().await.unwrap(), ["g1"]);
}
