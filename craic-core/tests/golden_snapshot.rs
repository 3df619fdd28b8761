//! Golden snapshot files, written once from a small, deterministic engine (the shared fixture
//! plus a few users' stated preferences): `testdata/golden/model-v1.snap` (layout `MOD2`),
//! `model-v2.snap` (layout `MOD3`, with impressions), `model-v3.snap` (layout `MOD4`, with
//! new-event appeal counts and `Config::blend`), `model-v4.snap` (layout `MOD5`, with
//! `Config::item_neighbours` and the item lists), `model-v5.snap` (layout `MOD6`, with the
//! learned blend's hyperparameter grid: the same engine, whose blend is fixed, so only the tag
//! differs from `model-v4.snap`), `model-v6.snap` (layout `MOD7`, with the learned blend's
//! popularity discount: again only the tag differs), `model-v7.snap` (layout `MOD8`, with
//! `Config::max_user_items`), `model-v8.snap` (layout `MOD9`, with `Config::linear_items` /
//! `linear_l2` and the linear item model) and `model-v9.snap` (layout `MODA`, with
//! `Config::linear_focus`). The current code must decode all nine to the
//! expected model, and re-encode the current one byte for byte, so any change of the on-disk
//! format (container, bincode layout, a field added, renamed or reordered) fails here and gets a
//! deliberate new format version instead of silently breaking stored snapshots.
//!
//! To write a missing file (only the current version's: e.g. for a new format version):
//! `CRAIC_WRITE_GOLDEN=1 cargo test --workspace --test golden_snapshot`.

mod common;

use std::path::PathBuf;

use common::*;
use craic_core::{Blend, Config, Engine, Impression, Preferences, Request, SnapshotMeta, Strategy};

fn golden_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("../testdata/golden/{name}"))
}

fn meta() -> SnapshotMeta {
    SnapshotMeta {
        version: "golden-v1".into(),
        created_at: T0,
        metrics: [("ndcg@10".to_owned(), 0.5), ("recall@10".to_owned(), 0.25)]
            .into_iter()
            .collect(),
        ..SnapshotMeta::default()
    }
}

/// The fixture engine, with stated preferences for enough users that a hash-ordered map
/// would come out in a different order from one build to the next.
fn golden_engine() -> Engine {
    golden_engine_with(fixed())
}

/// The default configuration with the fixed blend and a hide weighing 1.0, as every golden
/// file was written (the default was the fixed blend then, and a hide weighed 1.0).
fn fixed() -> Config {
    Config {
        blend: Blend::Fixed,
        ..Config::default()
    }
    .with_kind_weight("hide", 1.0)
    .unwrap()
}

fn golden_engine_with(config: Config) -> Engine {
    let e = engine_with(config);
    let genres = ["folk", "techno", "jazz", "comedy", "house"];
    for n in 0..24 {
        let prefs = Preferences::new(
            [genres[n % 5]],
            [format!("artist-{}", n % 3)],
            [if n % 2 == 0 { "dublin" } else { "cork" }],
        );
        e.set_preferences(&format!("pref-{n}"), prefs).unwrap();
    }
    e
}

fn users() -> Vec<String> {
    let mut users: Vec<String> = ["ana", "ben", "cat", "dan", "eve", "newbie", "nobody"]
        .map(String::from)
        .to_vec();
    users.extend((0..24).map(|n| format!("pref-{n}")));
    users
}

/// Before: the preferences were serialised in hash order, so two equal engines (or the same
/// one encoded in two processes) gave different snapshot bytes.
#[test]
fn equal_engines_encode_to_equal_bytes() {
    let a = golden_engine_v5().to_snapshot(&meta()).unwrap();
    let b = golden_engine_v5().to_snapshot(&meta()).unwrap();
    assert!(a == b, "two equal engines gave different snapshot bytes");
}

/// The golden engine of the current layout: the v1 engine, then items shown to a few users
/// (and one of them engaged with afterwards).
fn golden_engine_v2() -> Engine {
    impressions_on(golden_engine())
}

/// The golden engine of `MOD8`: the v2 engine's data with item lists kept.
fn golden_engine_v3() -> Engine {
    impressions_on(golden_engine_with(Config {
        item_neighbours: 3,
        ..fixed()
    }))
}

/// The golden engine of `MOD9`: the v3 engine's data with a linear item model too (fitted by
/// `rebuild`: the engine is fed by records), read without a recency focus.
fn golden_engine_v4() -> Engine {
    golden_engine_linear(0.0)
}

/// The golden engine of the current layout: the v4 engine with a recency focus of 2 events.
fn golden_engine_v5() -> Engine {
    golden_engine_linear(2.0)
}

fn golden_engine_linear(linear_focus: f64) -> Engine {
    let e = golden_engine_with(Config {
        item_neighbours: 3,
        linear_items: 8,
        linear_l2: 2.0,
        linear_focus,
        ..fixed()
    });
    e.rebuild();
    impressions_on(e)
}

/// Items shown to a few users (and one of them engaged with afterwards).
fn impressions_on(e: Engine) -> Engine {
    let shown: Vec<Impression> = ["dan", "newbie", "pref-3"]
        .iter()
        .flat_map(|u| {
            ["rave", "trad", "standup"]
                .iter()
                .enumerate()
                .flat_map(move |(r, i)| {
                    (0..3).map(move |x| Impression::new(*u, *i, T0 + 200 + x, r as i64))
                })
        })
        .collect();
    e.record_impressions(&shown).unwrap();
    e.record(&[craic_core::Interaction::new(
        "dan",
        "trad",
        "click",
        T0 + 300,
    )])
    .unwrap();
    e
}

/// Before impressions: the previous layout still loads and serves what it served.
#[test]
fn golden_snapshot_v1_still_decodes_to_the_expected_model() {
    let golden = std::fs::read(golden_path("model-v1.snap")).unwrap();
    let (loaded, m) = Engine::from_snapshot(&golden).unwrap();
    assert_eq!(
        m,
        SnapshotMeta {
            watermark: Some(T0 + 130),
            interactions: 14,
            ..meta()
        }
    );
    assert_same(&loaded, &golden_engine());
    resaves_in_the_current_layout(&loaded, &m, &golden_engine());
}

/// Before the appeal counts and the learned blend: the previous layout still loads, with the
/// fixed blend, and serves what it served.
#[test]
fn golden_snapshot_v2_still_decodes_to_the_expected_model() {
    let golden = std::fs::read(golden_path("model-v2.snap")).unwrap();
    let (loaded, m) = Engine::from_snapshot(&golden).unwrap();
    assert_eq!(m.watermark, Some(T0 + 300));
    assert_same(&loaded, &golden_engine_v2());
    assert!(loaded.blend_report().is_none());
    assert_eq!(loaded.config().blend, craic_core::Blend::Fixed);
    // No appeal counts were stored: every appeal reads 0 until new interactions arrive.
    assert_eq!(loaded.appeal("rave", NOW), Some(0.0));
    resaves_in_the_current_layout(&loaded, &m, &golden_engine_v2());
}

/// Before item neighbours: the previous layout still loads, with no item lists (and
/// `item_neighbours` 0), and serves what it served.
#[test]
fn golden_snapshot_v3_still_decodes_to_the_expected_model() {
    let golden = std::fs::read(golden_path("model-v3.snap")).unwrap();
    let (loaded, m) = Engine::from_snapshot(&golden).unwrap();
    assert_eq!(m.watermark, Some(T0 + 300));
    assert_same(&loaded, &golden_engine_v2());
    assert_eq!(loaded.config().item_neighbours, 0);
    assert!(loaded.item_neighbours("rave").is_empty());
    let item_based = Request::new(5).strategy(Strategy::ItemBased).now(NOW);
    let err = loaded.recommend("ana", &item_based).unwrap_err();
    assert_eq!(err.kind(), craic_core::ErrorKind::InvalidConfig);
    resaves_in_the_current_layout(&loaded, &m, &golden_engine_v2());
}

/// Before the learned blend's hyperparameter grid: the previous layout still loads and serves
/// what it served (its learned-blend form is checked in the core's `legacy_snapshot` tests).
#[test]
fn golden_snapshot_v4_still_decodes_to_the_expected_model() {
    let golden = std::fs::read(golden_path("model-v4.snap")).unwrap();
    let (loaded, m) = Engine::from_snapshot(&golden).unwrap();
    let expected = golden_engine_v3();
    assert_same(&loaded, &expected);
    assert_eq!(
        loaded.item_neighbours("rave"),
        expected.item_neighbours("rave")
    );
    resaves_in_the_current_layout(&loaded, &m, &expected);
}

/// Before the learned blend's popularity discount: the previous layout still loads and serves
/// what it served (its learned-blend form is checked in the core's `legacy_mod6` tests).
#[test]
fn golden_snapshot_v5_still_decodes_to_the_expected_model() {
    let golden = std::fs::read(golden_path("model-v5.snap")).unwrap();
    let (loaded, m) = Engine::from_snapshot(&golden).unwrap();
    let expected = golden_engine_v3();
    assert_same(&loaded, &expected);
    resaves_in_the_current_layout(&loaded, &m, &expected);
}

/// Before `Config::max_user_items`: the previous layout still loads, with the item side's cost
/// guard of the time (100), and serves what it served.
#[test]
fn golden_snapshot_v6_still_decodes_to_the_expected_model() {
    let golden = std::fs::read(golden_path("model-v6.snap")).unwrap();
    assert_eq!(&golden[12..16], b"MOD7");
    let (loaded, m) = Engine::from_snapshot(&golden).unwrap();
    let expected = golden_engine_v3();
    assert_same(&loaded, &expected);
    assert_eq!(loaded.config().max_user_items, 100);
    assert_eq!(
        loaded.item_neighbours("rave"),
        expected.item_neighbours("rave")
    );
    resaves_in_the_current_layout(&loaded, &m, &expected);
}

/// Before the linear item model: the previous layout still loads, without one, and serves
/// what it served.
#[test]
fn golden_snapshot_v7_still_decodes_to_the_expected_model() {
    let golden = std::fs::read(golden_path("model-v7.snap")).unwrap();
    assert_eq!(&golden[12..16], b"MOD8");
    let (loaded, m) = Engine::from_snapshot(&golden).unwrap();
    let expected = golden_engine_v3();
    assert_same(&loaded, &expected);
    assert_eq!(loaded.config().linear_items, 0);
    resaves_in_the_current_layout(&loaded, &m, &expected);
}

/// Before the recency focus: the previous layout still loads, with the focus off and its
/// fitted linear item model, and serves what it served.
#[test]
fn golden_snapshot_v8_still_decodes_to_the_expected_model() {
    let golden = std::fs::read(golden_path("model-v8.snap")).unwrap();
    assert_eq!(&golden[12..16], b"MOD9");
    let (loaded, m) = Engine::from_snapshot(&golden).unwrap();
    let expected = golden_engine_v4();
    assert_same(&loaded, &expected);
    assert_eq!(loaded.config().linear_focus, 0.0);
    resaves_in_the_current_layout(&loaded, &m, &expected);
}

/// Saved again, an old snapshot is written in the current layout and loads back the same.
fn resaves_in_the_current_layout(loaded: &Engine, m: &SnapshotMeta, expected: &Engine) {
    let again = loaded.to_snapshot(m).unwrap();
    assert_eq!(&again[12..16], b"MODA");
    assert_same(&Engine::from_snapshot(&again).unwrap().0, expected);
}

fn assert_same(loaded: &Engine, expected: &Engine) {
    assert_eq!(loaded.stats(), expected.stats());
    assert_eq!(loaded.config(), expected.config());
    for user in users() {
        assert_eq!(
            loaded.neighbours(&user),
            expected.neighbours(&user),
            "{user}"
        );
        assert_eq!(
            loaded.preferences(&user),
            expected.preferences(&user),
            "{user}"
        );
        assert_eq!(loaded.exposure(&user, NOW), expected.exposure(&user, NOW));
        let c = expected.config();
        let item_based =
            (c.item_neighbours > 0 || c.linear_items > 0).then_some(Strategy::ItemBased);
        for s in Strategy::ALL.into_iter().chain(item_based) {
            let r = Request::new(5).strategy(s).now(NOW).explain(true);
            assert_eq!(
                loaded.recommend(&user, &r).unwrap(),
                expected.recommend(&user, &r).unwrap(),
                "{user} {s:?}"
            );
        }
    }
    for item in items() {
        assert_eq!(
            loaded.item_neighbours(&item.id),
            expected.item_neighbours(&item.id),
            "{}",
            item.id
        );
    }
    loaded.verify_neighbours(0.0).unwrap();
}

#[test]
fn golden_snapshot_decodes_to_the_expected_model_and_re_encodes_byte_identically() {
    let path = golden_path("model-v9.snap");
    let expected = golden_engine_v5();
    assert_ne!(
        expected.recommend(
            "ana",
            &Request::new(5).strategy(Strategy::ItemBased).now(NOW)
        ),
        golden_engine_v4().recommend(
            "ana",
            &Request::new(5).strategy(Strategy::ItemBased).now(NOW)
        ),
        "the focus should change what the golden engine serves"
    );
    assert!(!expected.item_neighbours("rave").is_empty());
    assert!(!expected.exposure("newbie", NOW).is_empty());
    assert!(expected.appeal("rave", NOW).unwrap() > 0.0);
    if !path.exists() && std::env::var_os("CRAIC_WRITE_GOLDEN").is_some() {
        std::fs::write(&path, expected.to_snapshot(&meta()).unwrap()).unwrap();
    }
    let golden = std::fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (write it once with CRAIC_WRITE_GOLDEN=1)",
            path.display()
        )
    });

    // The current code decodes it: metadata, counts, neighbours and recommendations are those
    // of the engine it was written from.
    let (loaded, m) = Engine::from_snapshot(&golden).unwrap();
    assert_eq!(
        m,
        SnapshotMeta {
            watermark: Some(T0 + 300),
            interactions: 14 + 27 + 1,
            ..meta()
        }
    );
    assert_same(&loaded, &expected);
    for item in ["rave", "trad", "standup"] {
        assert_eq!(loaded.appeal(item, NOW), expected.appeal(item, NOW));
    }

    // ... and encodes the same model to the same bytes, whether decoded or built afresh.
    let meta = m;
    assert!(
        loaded.to_snapshot(&meta).unwrap() == golden,
        "re-encoding changed the bytes"
    );
    assert!(
        expected.to_snapshot(&meta).unwrap() == golden,
        "the current code writes a different format for the same model"
    );
}
