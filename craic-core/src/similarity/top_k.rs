//! A bounded top-k of neighbour entries, independent of the order they arrive in.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use super::Entry;

/// An entry as one integer that orders like the entries rank: a larger key ranks higher (higher
/// similarity, then lower index). Listed similarities are positive and finite, and the bits of
/// positive floats order like their values.
#[inline]
fn key(e: Entry) -> u64 {
    (u64::from(e.1.to_bits()) << 32) | u64::from(!e.0)
}

/// The entry of a [`key`].
#[inline]
fn entry(key: u64) -> Entry {
    (!(key as u32), f32::from_bits((key >> 32) as u32))
}

/// The best `keep` entries seen so far plus the best one left out (a bounded min-heap of keys
/// whose top is the worst entry kept), independent of the order entries arrive in.
#[derive(Debug, Clone, Default)]
pub(super) struct TopK {
    heap: BinaryHeap<Reverse<u64>>,
    /// Entries held: `keep + 1`.
    cap: usize,
}

impl TopK {
    pub(super) fn new(keep: usize) -> TopK {
        TopK {
            heap: BinaryHeap::new(),
            cap: keep + 1,
        }
    }

    #[inline]
    pub(super) fn push(&mut self, e: Entry) {
        let k = key(e);
        if self.heap.len() < self.cap {
            self.heap.push(Reverse(k));
        } else if let Some(mut worst) = self.heap.peek_mut() {
            if k > worst.0 {
                // Replaces the worst entry with one sift.
                *worst = Reverse(k);
            }
        }
    }

    /// The entries held, in no particular order.
    pub(super) fn entries(&self) -> impl Iterator<Item = Entry> + '_ {
        self.heap.iter().map(|r| entry(r.0))
    }

    /// The list, best first, and the bound (the best entry left out, or 0).
    pub(super) fn finish(self) -> (Vec<Entry>, f32) {
        let keep = self.cap - 1;
        // Ascending `Reverse` order: the best key first.
        let mut list: Vec<Entry> = self
            .heap
            .into_sorted_vec()
            .into_iter()
            .map(|r| entry(r.0))
            .collect();
        let bound = if list.len() > keep {
            list.pop().map_or(0.0, |e| e.1)
        } else {
            0.0
        };
        list.shrink_to_fit();
        (list, bound)
    }
}
