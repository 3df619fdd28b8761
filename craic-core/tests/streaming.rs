//! `Engine::build_from_iter`: a streamed build equals `Engine::build`, and a bad row anywhere in
//! the stream fails the build with its kind and index.

use craic_core::synthetic::{Dataset, SyntheticConfig};
use craic_core::{Blend, Config, Engine, ErrorKind, Interaction, Request, SnapshotMeta, Strategy};

/// More interactions than one validation chunk (65 536), so rows cross chunk boundaries.
fn data() -> Dataset {
    Dataset::generate(&SyntheticConfig {
        users: 1_500,
        items: 300,
        interactions: 150_000,
        ..SyntheticConfig::small()
    })
}

fn same_engine(a: &Engine, b: &Engine, now: i64) {
    assert_eq!(a.stats(), b.stats());
    for u in (0..1_500).step_by(37) {
        let user = format!("u{u}");
        assert_eq!(a.neighbours(&user), b.neighbours(&user));
        for s in Strategy::ALL {
            let r = Request::new(10).strategy(s).now(now);
            assert_eq!(
                a.recommend(&user, &r).unwrap(),
                b.recommend(&user, &r).unwrap()
            );
        }
    }
}

#[test]
fn build_from_iter_equals_build() {
    let data = data();
    let now = data.interactions.last().unwrap().timestamp;
    let build = |stream: Box<dyn Iterator<Item = Interaction>>| {
        Engine::build_from_iter(
            data.items.clone(),
            stream,
            data.preferences.clone(),
            Config::default(),
        )
        .unwrap()
    };
    let reference = Engine::build(
        data.items.clone(),
        &data.interactions,
        data.preferences.clone(),
        Config::default(),
    )
    .unwrap();
    assert_eq!(reference.stats().interactions, 150_000);
    // Owned rows, as a parser would produce them (no size hint), and borrowed rows.
    let mut rows = data.interactions.clone().into_iter();
    let owned = build(Box::new(std::iter::from_fn(move || rows.next())));
    same_engine(&reference, &owned, now);
    let borrowed = Engine::build_from_iter(
        data.items.clone(),
        data.interactions.iter(),
        data.preferences.clone(),
        Config::default(),
    )
    .unwrap();
    same_engine(&reference, &borrowed, now);
    // A log read again rather than kept (the default, learned blend reads it a few times).
    let reads = std::sync::atomic::AtomicUsize::new(0);
    let reread = Engine::build_from_reader(
        data.items.clone(),
        || {
            reads.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            data.interactions.iter()
        },
        data.preferences.clone(),
        Config::default(),
    )
    .unwrap();
    same_engine(&reference, &reread, now);
    assert_eq!(reread.blend_report(), reference.blend_report());
    assert!(reference.blend_report().is_some());
    assert!(reads.into_inner() > 1);

    // Without preferences (a hash map, in no fixed order) the whole state serialises to the
    // same bytes.
    let meta = SnapshotMeta::default();
    let snap = |e: Engine| e.to_snapshot(&meta).unwrap();
    let a = Engine::build(
        data.items.clone(),
        &data.interactions,
        vec![],
        Config::default(),
    );
    let b = Engine::build_from_iter(
        data.items.clone(),
        data.interactions.iter().cloned(),
        vec![],
        Config::default(),
    );
    assert!(snap(a.unwrap()) == snap(b.unwrap()));
}

#[test]
fn a_bad_row_mid_stream_fails_the_build_with_its_kind_and_index() {
    let data = data();
    let t = data.interactions[0].timestamp;
    let cases = [
        (
            Interaction::new("u1", "nope", "save", t),
            ErrorKind::UnknownItem,
        ),
        (
            Interaction::new("u1", "e1", "like", t),
            ErrorKind::UnknownKind,
        ),
        (Interaction::new("", "e1", "save", t), ErrorKind::InvalidId),
        (
            Interaction::new("u1", "e1", "save", t * 1000),
            ErrorKind::InvalidTimestamp,
        ),
    ];
    let fixed = Config {
        blend: Blend::Fixed,
        ..Config::default()
    };
    // In the first chunk, in a later one, and as the very last row; with the fixed blend
    // (streamed) and the learned one (the default: rows kept, checked before learning).
    for config in [fixed, Config::default()] {
        let streamed = config.blend == Blend::Fixed;
        for at in [3, 100_003, 150_000] {
            for (bad, kind) in &cases {
                let mut log = data.interactions.clone();
                log.insert(at, bad.clone());
                let mut read = 0usize;
                let mut rows = log.into_iter();
                let stream = std::iter::from_fn(|| {
                    read += 1;
                    rows.next()
                });
                let err = Engine::build_from_iter(
                    data.items.clone(),
                    stream,
                    data.preferences.clone(),
                    config.clone(),
                )
                .unwrap_err();
                assert_eq!((err.kind(), err.row()), (*kind, Some(at)), "{err}");
                assert!(
                    !streamed || read <= at + 1 + 65_536,
                    "stops reading soon after the bad row"
                );
                // `build` on a slice and `build_from_reader` report the same.
                let mut log = data.interactions.clone();
                log.insert(at, bad.clone());
                let err =
                    Engine::build(data.items.clone(), &log, vec![], config.clone()).unwrap_err();
                assert_eq!((err.kind(), err.row()), (*kind, Some(at)));
                let err = Engine::build_from_reader(
                    data.items.clone(),
                    || log.iter(),
                    vec![],
                    config.clone(),
                )
                .unwrap_err();
                assert_eq!((err.kind(), err.row()), (*kind, Some(at)));
            }
        }
    }
}
