//! Model snapshots: a loaded engine serves and updates exactly like the saved one, and broken
//! bytes are typed errors, never panics or half-loaded models.

mod common;

use common::*;
use craic_core::rng::SplitMix64;
use craic_core::synthetic::{Dataset, SyntheticConfig};
use craic_core::{
    Config, Engine, Error, ErrorKind, Interaction, Request, SnapshotMeta, SnapshotProblem, Strategy,
};

fn meta() -> SnapshotMeta {
    SnapshotMeta {
        version: "v1".into(),
        created_at: T0,
        metrics: [("ndcg@10".to_owned(), 0.25)].into_iter().collect(),
        ..SnapshotMeta::default()
    }
}

fn problem(e: &Error) -> SnapshotProblem {
    match e {
        Error::Snapshot { reason, .. } => *reason,
        other => panic!("not a snapshot error: {other:?}"),
    }
}

#[test]
fn round_trip_serves_and_updates_identically() {
    let data = Dataset::generate(&SyntheticConfig::tiny());
    let engine = data.engine(Config::default()).unwrap();
    let bytes = engine.to_snapshot(&meta()).unwrap();
    let (loaded, m) = Engine::from_snapshot(&bytes).unwrap();
    assert_eq!(m.version, "v1");
    assert_eq!(m.metrics["ndcg@10"], 0.25);
    assert_eq!(m.watermark, engine.stats().watermark);
    assert_eq!(m.interactions, data.interactions.len() as u64);
    assert_eq!(loaded.stats(), engine.stats());
    let now = data.config.start;
    let check = |a: &Engine, b: &Engine| {
        for u in 0..40 {
            let user = format!("u{u}");
            assert_eq!(a.neighbours(&user), b.neighbours(&user));
            for s in Strategy::ALL {
                let r = Request::new(10).strategy(s).now(now).explain(true);
                assert_eq!(
                    a.recommend(&user, &r).unwrap(),
                    b.recommend(&user, &r).unwrap()
                );
            }
        }
    };
    check(&engine, &loaded);
    // Both keep updating incrementally in lockstep.
    let more: Vec<Interaction> = (0..30)
        .map(|n| {
            Interaction::new(
                format!("u{}", n * 7 % 50),
                format!("e{}", n * 13 % 80),
                ["save", "click", "hide", "unsave"][n % 4],
                data.config.end() + n as i64,
            )
        })
        .collect();
    engine.record(&more).unwrap();
    loaded.record(&more).unwrap();
    check(&engine, &loaded);
    loaded.verify_neighbours(0.0).unwrap();
}

#[test]
fn broken_snapshots_are_typed_errors() {
    let bytes = engine().to_snapshot(&meta()).unwrap();
    for cut in [0, 1, 7, 8, 20, 31, 32, 33, bytes.len() / 2, bytes.len() - 1] {
        let err = Engine::from_snapshot(&bytes[..cut]).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidSnapshot);
        let want = if cut == 0 {
            SnapshotProblem::Foreign
        } else {
            SnapshotProblem::Truncated
        };
        assert_eq!(problem(&err), want, "cut at {cut}");
    }
    let mut flipped = bytes.clone();
    let at = bytes.len() - 10;
    flipped[at] ^= 0x20;
    assert_eq!(
        problem(&Engine::from_snapshot(&flipped).unwrap_err()),
        SnapshotProblem::Corrupt
    );
    let err = Engine::from_snapshot(b"{\"json\": true}").unwrap_err();
    assert_eq!(problem(&err), SnapshotProblem::Foreign);
    // Another kind of snapshot in the same container is foreign too.
    let other = craic_core::snapshot::encode(&vec![1u32, 2, 3]).unwrap();
    assert_eq!(
        problem(&Engine::from_snapshot(&other).unwrap_err()),
        SnapshotProblem::Foreign
    );
    // A model snapshot of the earlier payload layout (kind `MODL`, before `artist_prior`) is
    // refused, not misread.
    let mut old_layout = bytes.clone();
    old_layout[12..16].copy_from_slice(b"MODL");
    let crc = crc32fast::hash(&old_layout[..28]);
    old_layout[28..32].copy_from_slice(&crc.to_le_bytes());
    assert_eq!(
        problem(&Engine::from_snapshot(&old_layout).unwrap_err()),
        SnapshotProblem::Foreign
    );
    // A newer container version (with a valid header checksum) is refused as such.
    let mut newer = bytes.clone();
    newer[8..12].copy_from_slice(&2u32.to_le_bytes());
    let crc = crc32fast::hash(&newer[..28]);
    newer[28..32].copy_from_slice(&crc.to_le_bytes());
    assert_eq!(
        problem(&Engine::from_snapshot(&newer).unwrap_err()),
        SnapshotProblem::UnsupportedVersion
    );
}

#[test]
fn the_loader_survives_100k_random_and_mutated_inputs() {
    // 100 000 inputs against `Engine::from_snapshot`: random bytes, truncations, splices and bit
    // flips of a real snapshot (caught by the header and CRC checks), and 20 000 mutations whose
    // checksums are recomputed so they reach the decoder and the structural checks. Every input
    // is refused with a typed error or loads into an engine that serves and updates without
    // panicking.
    let bytes = engine().to_snapshot(&meta()).unwrap();
    let mut rng = SplitMix64::new(7);
    let mut loaded = 0;
    for n in 0..100_000u32 {
        let mut b = bytes.clone();
        match n % 5 {
            0 => {
                let len = rng.below(bytes.len() as u64 * 2) as usize;
                b = (0..len).map(|_| rng.next_u64() as u8).collect();
            }
            1 => b.truncate(rng.below(bytes.len() as u64) as usize),
            2 => {
                let at = rng.below(bytes.len() as u64) as usize;
                let other = rng.below(bytes.len() as u64) as usize;
                b.splice(at.., bytes[other..].iter().copied());
            }
            _ => {
                for _ in 0..=rng.below(3) {
                    let at = 32 + rng.below((b.len() - 32) as u64) as usize;
                    b[at] = rng.next_u64() as u8;
                }
                if n % 5 == 4 {
                    let crc = crc32fast::hash(&b[32..]);
                    b[24..28].copy_from_slice(&crc.to_le_bytes());
                    let hcrc = crc32fast::hash(&b[..28]);
                    b[28..32].copy_from_slice(&hcrc.to_le_bytes());
                }
            }
        }
        match Engine::from_snapshot(&b) {
            Err(e) => assert_eq!(e.kind(), ErrorKind::InvalidSnapshot),
            Ok((e, _)) => {
                loaded += 1;
                for u in ["ana", "ben", "eve", "newbie", "x"] {
                    let _ = e.recommend(u, &Request::new(5).now(NOW));
                    let _ = e.neighbours(u);
                }
                let _ = e.record(&[Interaction::new("ana", "trad", "save", T0 + 5)]);
            }
        }
    }
    assert!(loaded < 100_000);
}

/// Before: a user who only stated preferences after the last `record` had no neighbour list,
/// and the snapshot of such an engine failed to decode ("neighbour lists: 6 entries for 7").
#[test]
fn users_with_only_preferences_round_trip() {
    let e = engine();
    e.set_preferences(
        "late-newbie",
        craic_core::Preferences::new(["jazz"], Vec::<String>::new(), ["cork"]),
    )
    .unwrap();
    let bytes = e.to_snapshot(&meta()).unwrap();
    let (loaded, _) = Engine::from_snapshot(&bytes).unwrap();
    assert_eq!(
        loaded.preferences("late-newbie"),
        e.preferences("late-newbie")
    );
    assert_eq!(loaded.stats(), e.stats());
}
