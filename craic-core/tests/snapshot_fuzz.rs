//! Fuzz-style robustness test of `craic_core::snapshot::decode`: 120,000 random and mutated
//! inputs (bit flips, truncations, splices, random and lying length fields, and mutated payloads
//! re-sealed with valid checksums so they reach bincode), asserting that decoding never panics,
//! returns either an error or exactly the original value, and never makes a huge allocation.

use std::alloc::{GlobalAlloc, Layout, System};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};

use craic_core::rng::SplitMix64;
use craic_core::snapshot::{decode, encode, HEADER_LEN};
use craic_core::Error;
use serde::{Deserialize, Serialize};

/// Records the largest single allocation request, to prove lying lengths allocate nothing absurd.
struct Counting;
static LARGEST: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LARGEST.fetch_max(layout.size(), Ordering::Relaxed);
        System.alloc(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        LARGEST.fetch_max(layout.size(), Ordering::Relaxed);
        System.alloc_zeroed(layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LARGEST.fetch_max(new_size, Ordering::Relaxed);
        System.realloc(ptr, layout, new_size)
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
enum Effect {
    Positive,
    Negative,
    Retract(String),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Neighbour {
    user: u32,
    sim: f32,
}

/// Shaped like an engine model: ids, sparse rows, maps, options, enums, nested vectors.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Model {
    version: u64,
    users: Vec<String>,
    items: Vec<String>,
    rows: Vec<Vec<(u32, f64)>>,
    neighbours: Vec<Vec<Neighbour>>,
    kinds: BTreeMap<String, (f64, Effect)>,
    half_life: Option<f64>,
    saved: Vec<(u32, u32)>,
    note: Option<String>,
}

fn model() -> Model {
    Model {
        version: 7,
        users: (0..6).map(|i| format!("user-{i}")).collect(),
        items: (0..8).map(|i| format!("event-{i}")).collect(),
        rows: (0..6)
            .map(|u| (0..u).map(|i| (i as u32, 0.25 * i as f64)).collect())
            .collect(),
        neighbours: (0..6)
            .map(|u| {
                vec![Neighbour {
                    user: (u + 1) % 6,
                    sim: 0.5,
                }]
            })
            .collect(),
        kinds: [
            ("save".to_string(), (1.0, Effect::Positive)),
            ("hide".to_string(), (1.0, Effect::Negative)),
            ("unsave".to_string(), (0.0, Effect::Retract("save".into()))),
        ]
        .into_iter()
        .collect(),
        half_life: Some(86_400.0 * 14.0),
        saved: vec![(0, 1), (2, 3)],
        note: None,
    }
}

fn reseal(b: &mut [u8]) {
    if b.len() < HEADER_LEN {
        return;
    }
    let len = (b.len() - HEADER_LEN) as u64;
    b[16..24].copy_from_slice(&len.to_le_bytes());
    let crc = crc32fast::hash(&b[HEADER_LEN..]);
    b[24..28].copy_from_slice(&crc.to_le_bytes());
    let h = crc32fast::hash(&b[0..28]);
    b[28..32].copy_from_slice(&h.to_le_bytes());
}

#[test]
fn decode_never_panics_on_120k_inputs() {
    let original = model();
    let good = encode(&original).unwrap();
    let other = encode(&(vec!["x".to_string(); 3], 9u64)).unwrap();
    let mut rng = SplitMix64::new(0x5EED_CAFE);
    let (mut ok, mut errs, mut reached_bincode) = (0u32, 0u32, 0u32);
    let n = 120_000;
    for case in 0..n {
        let mut b = good.clone();
        let resealed = case % 3 == 2;
        mutate(&mut b, &good, &other, &mut rng);
        if resealed && b.len() >= HEADER_LEN && b[..8] == *b"CRAICSNP" {
            b[8..12].copy_from_slice(&1u32.to_le_bytes());
            reseal(&mut b);
            reached_bincode += 1;
        }
        match decode::<Model>(&b) {
            Ok(m) => {
                // Only a re-sealed mutation can decode, and then to *some* valid model; an
                // unsealed one must be the untouched original.
                if !resealed || b == good {
                    assert_eq!(m, original, "case {case}");
                }
                ok += 1;
            }
            Err(Error::Snapshot { .. }) => errs += 1,
            Err(other) => panic!("case {case}: unexpected error {other:?}"),
        }
    }
    assert!(errs > n * 9 / 10, "{ok} ok, {errs} errors");
    assert!(reached_bincode > n / 4);
    let largest = LARGEST.load(Ordering::Relaxed);
    assert!(largest <= 2 << 20, "largest allocation {largest} bytes");
}

/// One random mutation of the snapshot `b` (a copy of `good`): bit flips, a truncation, a
/// splice of `other` or `good`, random bytes, an absurd length field, a huge varint marker, or
/// payload bytes inserted or deleted.
fn mutate(b: &mut Vec<u8>, good: &[u8], other: &[u8], rng: &mut SplitMix64) {
    match rng.below(7) {
        0 => {
            // 1–8 random bit flips anywhere.
            for _ in 0..1 + rng.below(8) {
                let i = rng.below(b.len() as u64) as usize;
                b[i] ^= 1 << rng.below(8);
            }
        }
        1 => b.truncate(rng.below(b.len() as u64) as usize),
        2 => {
            // Splice a random slice of another snapshot (or of itself) in.
            let src = if rng.chance(0.5) { other } else { good };
            let from = rng.below(src.len() as u64) as usize;
            let take = rng.below((src.len() - from) as u64 + 1) as usize;
            let at = rng.below(b.len() as u64) as usize;
            let end = (at + rng.below(16) as usize).min(b.len());
            b.splice(at..end, src[from..from + take].iter().copied());
        }
        3 => {
            // Random bytes, sometimes behind a valid magic.
            let len = rng.below(200) as usize;
            *b = (0..len).map(|_| rng.next_u64() as u8).collect();
            if rng.chance(0.5) && b.len() >= 12 {
                b[..8].copy_from_slice(b"CRAICSNP");
                b[8..12].copy_from_slice(&1u32.to_le_bytes());
            }
        }
        4 => {
            // A random (often absurd) payload length field.
            let v = match rng.below(3) {
                0 => rng.next_u64(),
                1 => rng.below(1 << 40),
                _ => rng.below(b.len() as u64 * 2),
            };
            b[16..24].copy_from_slice(&v.to_le_bytes());
            if rng.chance(0.5) {
                let h = crc32fast::hash(&b[0..28]);
                b[28..32].copy_from_slice(&h.to_le_bytes());
            }
        }
        5 => {
            // Overwrite a byte of the payload with a varint marker for a huge length.
            let i = HEADER_LEN + rng.below((b.len() - HEADER_LEN) as u64) as usize;
            b[i] = [251u8, 252, 253][rng.below(3) as usize];
            if i + 1 < b.len() {
                b[i + 1] = 0xFF;
            }
        }
        _ => {
            // Insert or delete a few payload bytes.
            let i = HEADER_LEN + rng.below((b.len() - HEADER_LEN) as u64) as usize;
            if rng.chance(0.5) {
                b.insert(i, rng.next_u64() as u8);
            } else {
                b.remove(i);
            }
        }
    }
}
