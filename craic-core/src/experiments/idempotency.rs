//! The tracker's idempotency set, bounded by a time window relative to the newest event.
//!
//! Ids are kept as 64-bit hashes (FNV-1a with a final avalanche mix: stable across processes
//! and Rust versions, so a serialised tracker round-trips) together with their event's
//! timestamp, and evicted in time order (amortised O(log n) per event) once they fall more
//! than the window behind the newest event seen. An event older than that horizon is *late*:
//! it is ignored and counted, never recorded, because its id may already have been evicted
//! (recording it could count it twice).
//!
//! Two different ids with the same 64-bit hash inside one window would make the second look
//! like a duplicate: with `n` ids in a window the chance is about `n² / 2⁶⁵` (≈ 3·10⁻⁶ for 10 M).

use std::collections::{BTreeMap, HashSet};

use serde::{Deserialize, Serialize};

/// Default idempotency window: 7 days, in seconds.
pub const DEFAULT_IDEMPOTENCY_WINDOW_SECS: i64 = 7 * 86_400;

/// What [`IdempotencyWindow::check`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Check {
    /// A new id inside the window (its hash).
    New(u64),
    /// An id already recorded.
    Duplicate,
    /// Older than the window behind the newest event: ignored.
    Late,
}

/// Ids seen within `window` seconds of the newest event; see the module docs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct IdempotencyWindow {
    window: i64,
    /// Newest event timestamp recorded (`i64::MIN` before the first).
    newest: i64,
    seen: HashSet<u64>,
    /// Event timestamp → hashes of the ids recorded at it (eviction order).
    by_time: BTreeMap<i64, Vec<u64>>,
    /// Late events ignored so far.
    late: u64,
}

impl Default for IdempotencyWindow {
    fn default() -> Self {
        Self::new(DEFAULT_IDEMPOTENCY_WINDOW_SECS)
    }
}

/// A stable 64-bit hash of an id (FNV-1a, then the SplitMix64 finaliser).
pub(crate) fn id_hash(id: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in id.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h ^= h >> 30;
    h = h.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h ^= h >> 27;
    h = h.wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^ (h >> 31)
}

impl IdempotencyWindow {
    /// An empty set keeping ids for `window` seconds (must be positive; checked by the caller).
    pub fn new(window: i64) -> Self {
        IdempotencyWindow {
            window,
            newest: i64::MIN,
            seen: HashSet::new(),
            by_time: BTreeMap::new(),
            late: 0,
        }
    }

    /// The window in seconds.
    pub fn window(&self) -> i64 {
        self.window
    }

    /// Events older than this are late (`i64::MIN` before the first event).
    pub fn horizon(&self) -> i64 {
        self.newest.saturating_sub(self.window)
    }

    /// Late events ignored so far.
    pub fn late(&self) -> u64 {
        self.late
    }

    /// Ids currently held.
    pub fn len(&self) -> usize {
        self.seen.len()
    }

    /// Classifies an event; counts it when late. Changes nothing else.
    pub fn check(&mut self, id: &str, timestamp: i64) -> Check {
        if timestamp < self.horizon() {
            self.late += 1;
            return Check::Late;
        }
        let h = id_hash(id);
        if self.seen.contains(&h) {
            Check::Duplicate
        } else {
            Check::New(h)
        }
    }

    /// Records a [`Check::New`] id, advances the newest time and evicts what fell behind.
    pub fn insert(&mut self, hash: u64, timestamp: i64) {
        self.seen.insert(hash);
        self.by_time.entry(timestamp).or_default().push(hash);
        if timestamp > self.newest {
            self.newest = timestamp;
            let horizon = self.horizon();
            while let Some(entry) = self.by_time.first_entry() {
                if *entry.key() >= horizon {
                    break;
                }
                for h in entry.remove() {
                    self.seen.remove(&h);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiments::{Experiment, ExperimentEvent, ExperimentTracker};
    use crate::scoring::request::Strategy;
    use proptest::prelude::*;

    const T0: i64 = 1_800_000_000;
    const DAY: i64 = 86_400;

    fn tracker(window: i64) -> ExperimentTracker {
        let mut t = ExperimentTracker::with_idempotency_window(window).unwrap();
        t.register(
            Experiment::builder("feed")
                .variant("control", 0.5, Strategy::Popularity)
                .variant("hybrid", 0.5, Strategy::Hybrid)
                .build()
                .unwrap(),
        )
        .unwrap();
        t
    }

    #[test]
    fn a_late_event_is_ignored_and_counted_never_double_counted() {
        let mut t = tracker(DAY);
        let old = ExperimentEvent::conversion("c-old", "feed", "ann", T0);
        assert!(t.record(&old).unwrap());
        let newer = ExperimentEvent::exposure("e", "feed", "bob", "control", T0 + 2 * DAY);
        assert!(t.record(&newer).unwrap());
        // "c-old" was forgotten with the window; replaying it must not count it again.
        assert!(!t.record(&old).unwrap());
        let fresh_but_late = ExperimentEvent::conversion("c-late", "feed", "ann", T0 + 1);
        assert!(!t.record(&fresh_but_late).unwrap());
        assert_eq!(t.late_events(), 2);
        let c = t.counts("feed").unwrap();
        assert_eq!(c.unattributed_conversions, 1);
        assert_eq!(t.remembered_ids(), 1);
        assert_eq!(
            ExperimentTracker::with_idempotency_window(0)
                .unwrap_err()
                .kind(),
            crate::ErrorKind::InvalidConfig
        );
    }

    #[test]
    fn memory_stays_at_the_window_under_a_long_stream() {
        let mut t = tracker(3_600);
        for i in 0..20_000i64 {
            let at = T0 + i * 60; // one event a minute: 61 inside a one-hour window
            let user = format!("u{}", i % 50);
            let ev = if i % 7 == 0 {
                ExperimentEvent::exposure(format!("e{i}"), "feed", &user, "control", at)
            } else {
                ExperimentEvent::conversion(format!("c{i}"), "feed", &user, at)
            };
            assert!(t.record(&ev).unwrap());
            assert!(
                t.remembered_ids() <= 61,
                "{} ids at {i}",
                t.remembered_ids()
            );
            // Settled when the user is next seen (every 50 min here): at most the events of
            // the window plus that interval are held individually.
            assert!(
                t.pending_conversions() <= 111,
                "{} pending",
                t.pending_conversions()
            );
        }
        assert_eq!(t.pending_conversions(), 0); // every user is exposed by now
        let c = t.counts("feed").unwrap();
        let total: u64 =
            c.variants.iter().map(|v| v.conversions).sum::<u64>() + c.unattributed_conversions;
        assert_eq!(total, 20_000 - 20_000_u64.div_ceil(7));
    }

    fn event(i: usize, kind: u8, user: u8, offset: i64) -> ExperimentEvent {
        let user = format!("u{user}");
        match kind % 3 {
            0 => ExperimentEvent::exposure(format!("x{i}"), "feed", &user, "control", T0 + offset),
            1 => ExperimentEvent::exposure(format!("x{i}"), "feed", &user, "hybrid", T0 + offset),
            _ => ExperimentEvent::conversion(format!("x{i}"), "feed", &user, T0 + offset),
        }
    }

    proptest! {
        /// Within the window, any order (with duplicates) gives the same counts, and the
        /// serialised tracker round-trips.
        #[test]
        fn order_independent_within_the_window(
            raw in proptest::collection::vec((0u8..3, 0u8..6, 0i64..1_000), 1..60),
            seed in any::<u64>(),
        ) {
            let events: Vec<_> = raw.iter().enumerate()
                .map(|(i, &(k, u, o))| event(i, k, u, o)).collect();
            let mut forward = tracker(1_000);
            forward.record_all(&events).unwrap();
            let mut shuffled = events.clone();
            shuffled.extend(events.iter().take(5).cloned());
            let mut s = seed;
            for i in (1..shuffled.len()).rev() {
                s = s.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                shuffled.swap(i, (s >> 33) as usize % (i + 1));
            }
            let mut other = tracker(1_000);
            prop_assert_eq!(other.record_all(&shuffled).unwrap(), events.len());
            prop_assert_eq!(forward.counts("feed"), other.counts("feed"));
            prop_assert_eq!(other.late_events(), 0);
            let json = serde_json::to_string(&other).unwrap();
            let back: ExperimentTracker = serde_json::from_str(&json).unwrap();
            prop_assert_eq!(&back, &other);
        }
    }

    #[test]
    fn ids_are_evicted_in_time_order_and_late_events_are_counted() {
        let mut w = IdempotencyWindow::new(100);
        for t in 0..1_000 {
            let Check::New(h) = w.check(&format!("e{t}"), t) else {
                panic!("new id reported as seen");
            };
            w.insert(h, t);
            assert!(w.len() <= 101, "{} ids held at t={t}", w.len());
        }
        assert_eq!(w.len(), 101); // 899..=999
        assert_eq!(w.check("e999", 999), Check::Duplicate);
        assert_eq!(w.check("e899", 899), Check::Duplicate);
        assert_eq!(w.check("e898", 898), Check::Late);
        assert_eq!(w.check("new", 10), Check::Late);
        assert_eq!(w.late(), 2);
    }

    #[test]
    fn hash_is_stable() {
        // A serialised tracker depends on it: this value must never change.
        assert_ne!(id_hash("a"), id_hash("b"));
        assert_eq!(id_hash("conv|feed|u1|i1|save|1"), 1_383_648_246_115_923_110);
    }
}
