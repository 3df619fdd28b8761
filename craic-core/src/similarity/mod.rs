//! User–user cosine neighbourhoods, built in parallel and maintained incrementally.
//!
//! `sim(u, v) = (r_u · r_v) / (‖r_u‖ ‖r_v‖) · n / (n + λ)` where the dot product runs over the
//! items both users touched (`n` of them), except items with more than `max_item_users` users,
//! which are left out of the overlap (norms still use whole rows). Every user keeps its top-k
//! neighbours with positive similarity, ordered by similarity (then by user index), plus an upper
//! bound on the best similarity that did not make the list.
//!
//! **Exactness.** A change to user `u`'s row changes only `sim(u, ·)`. The update recomputes
//! `u`'s list from scratch and, for every user `v` that shares an item with `u` after the change
//! or lists `u` before it (the reverse index), fixes `u`'s entry in `v`'s list; only when `u`
//! drops out of a full list below the bound of unlisted candidates is `v`'s list recomputed from
//! scratch. A user that shares nothing with `u` any more and does not list it needs no change.
//! Dot products are summed in item order from whichever side, so the result is bit-for-bit what
//! a full rebuild computes. A heavy user's update splits the other users into ranges handled in
//! parallel; each range owns its users' lists, and what crosses ranges is applied after, so the
//! split does not change the outcome either.
//! An item crossing the `max_item_users` cap changes similarities among all its users; they are
//! recomputed then (rare: once per item and direction).

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::data::matrix::Matrix;

/// Parameters of the similarity, copied from the configuration.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct SimParams {
    /// Neighbours served.
    pub k: usize,
    /// Neighbours kept (k plus a buffer, so most updates are fixed in place).
    pub keep: usize,
    pub shrinkage: f64,
    pub min_overlap: u32,
}

/// (neighbour, similarity)
pub(crate) type Entry = (u32, f32);

/// Best first: higher similarity, then lower index.
fn order(a: &Entry, b: &Entry) -> Ordering {
    b.1.total_cmp(&a.1).then(a.0.cmp(&b.0))
}

fn link(rev: &mut Vec<u32>, v: u32) {
    if let Err(at) = rev.binary_search(&v) {
        rev.insert(at, v);
    }
}

fn unlink(rev: &mut Vec<u32>, v: u32) {
    if let Ok(at) = rev.binary_search(&v) {
        rev.remove(at);
    }
}

/// Position of `u`'s entry in `list`. Compares a chunk at a time without early exit, which
/// vectorises.
fn find(list: &[Entry], u: u32) -> Option<usize> {
    let mut base = 0;
    for c in list.chunks(8) {
        if c.iter().fold(false, |hit, e| hit | (e.0 == u)) {
            return c.iter().position(|e| e.0 == u).map(|p| base + p);
        }
        base += c.len();
    }
    None
}

/// Sets sim(v, u) = s in v's `list` (with its `bound`) if that can be done exactly: `Some(whether
/// u is in the list afterwards)`, or `None` if the list must be recomputed from scratch. `listed`
/// tells whether `u` is in the list now. An entry pushed out of a full list is put in `evicted`
/// (its reverse-index link to v is the caller's to remove).
///
/// Invariants: a list is the exact top of v's candidates (by similarity, then index), at most
/// `keep` long; `bound` is ≥ every qualifying similarity left out and ≤ the list's smallest one;
/// a list shorter than `k` with a positive bound is never left behind.
#[allow(clippy::too_many_arguments)]
fn fix_list(
    list: &mut Vec<Entry>,
    bound: &mut f32,
    u: u32,
    s: f32,
    listed: bool,
    k: usize,
    keep: usize,
    evicted: &mut Option<u32>,
) -> Option<bool> {
    let qualifies = s > 0.0;
    if !listed && (s < *bound || !qualifies) {
        // Left out, and already covered by the bound (or not a candidate): nothing to touch.
        return Some(false);
    }
    let new = (u, s);
    if listed {
        // Index out of step: recompute to be safe.
        let pos = find(list, u)?;
        return if qualifies && s > *bound {
            // Still ahead of everything left out: move it to its new place.
            if pos > 0 && order(&new, &list[pos - 1]) == Ordering::Less {
                let at = list[..pos].partition_point(|e| order(e, &new) == Ordering::Less);
                list[at..=pos].rotate_right(1);
                list[at] = new;
            } else {
                let ahead = list[pos + 1..].partition_point(|e| order(e, &new) == Ordering::Less);
                list[pos..=pos + ahead].rotate_left(1);
                list[pos + ahead] = new;
            }
            Some(true)
        } else if qualifies && s == *bound {
            None // a tie with something left out: only a recompute can order it
        } else {
            // Below every other listed entry: it drops out (and is covered by the bound).
            list.remove(pos);
            (!(list.len() < k && *bound > 0.0)).then_some(false)
        };
    }
    let place = |list: &mut Vec<Entry>| {
        let at = list.partition_point(|e| order(e, &new) == Ordering::Less);
        list.insert(at, new);
    };
    if list.len() < keep {
        if s > *bound {
            place(list);
            return Some(true);
        } else if s == *bound
            && list
                .last()
                .is_some_and(|last| order(&new, last) == Ordering::Less)
        {
            return None; // ties with something left out and belongs in the list
        }
    } else if list
        .last()
        .is_some_and(|last| order(&new, last) == Ordering::Less)
    {
        place(list);
        if let Some(out) = list.pop() {
            *bound = bound.max(out.1);
            *evicted = Some(out.0);
        }
        return Some(true);
    } else {
        *bound = bound.max(s);
    }
    Some(false)
}

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

fn cosine(dot: f64, nu: f64, nv: f64, overlap: u32, p: &SimParams) -> f32 {
    if overlap < p.min_overlap || nu == 0.0 || nv == 0.0 {
        return 0.0;
    }
    let mut s = dot / (nu * nv);
    if p.shrinkage > 0.0 {
        s *= overlap as f64 / (overlap as f64 + p.shrinkage);
    }
    let s = s as f32;
    if s > 0.0 {
        s
    } else {
        0.0
    }
}

/// Users a scan accumulates at a time. A block's slots (192 KiB) stay in the core's second-level
/// cache while every column of the scanned user adds its share to them, and are cleared by
/// walking the same column ranges again, so an addition needs no test of whether its slot is
/// fresh (an unpredictable branch on most additions).
const BLOCK: u32 = 16_384;

#[cfg(test)]
thread_local! {
    /// Scans blocks of this many users (0: [`BLOCK`]), so small test worlds span many blocks.
    static FORCE_BLOCK: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
}

/// The users a scan takes at a time.
#[inline]
fn block() -> u32 {
    #[cfg(test)]
    if let forced @ 1.. = FORCE_BLOCK.with(std::cell::Cell::get) {
        return forced.min(BLOCK);
    }
    BLOCK
}

/// Where a scan is in one column of the scanned user: the item, where the current block's
/// entries start, the next position, and the scanned user's value for the item.
#[derive(Debug, Clone, Copy)]
struct Cursor {
    item: u32,
    from: u32,
    pos: u32,
    x: f64,
}

/// Accumulator of dot products and overlaps of one user with every other, a block of users at
/// a time, with a two-level bitmap of the slots whose overlap reached the minimum: draining
/// visits only those, in increasing index order (so the arrays indexed by user are walked
/// forwards). Users sharing fewer items than the minimum overlap (most co-occurring users
/// share a single item) are never visited.
#[derive(Debug, Clone, Default)]
struct PairAcc {
    /// Per user of the block: the running dot product and overlap (zero between blocks).
    dot: Vec<f64>,
    cnt: Vec<u32>,
    /// Bit `v` set when slot `v` qualified.
    bits: Vec<u64>,
    /// Bit `w` set when word `w` of `bits` may be non-zero.
    words: [u64; (BLOCK / 4096) as usize],
    cursors: Vec<Cursor>,
}

impl PairAcc {
    /// Adds `x` to slot `v`'s dot product and one to its overlap, marking it when the overlap
    /// reaches `need` (without a branch: which users reach it now is unpredictable).
    #[inline(always)]
    fn add(&mut self, v: u32, x: f64, need: u32) {
        let v = v as usize;
        self.dot[v] += x;
        self.cnt[v] += 1;
        let hit = u64::from(self.cnt[v] == need);
        self.bits[v >> 6] |= hit << (v & 63);
        self.words[v >> 12] |= hit << ((v >> 6) & 63);
    }

    /// Calls `f(base + v, dot, overlap)` for every qualifying slot `v` in increasing order (the
    /// bitmap is empty afterwards).
    fn drain(&mut self, base: u32, f: &mut impl FnMut(u32, f64, u32)) {
        for wi in 0..self.words.len() {
            let mut word = std::mem::take(&mut self.words[wi]);
            while word != 0 {
                let bi = wi * 64 + word.trailing_zeros() as usize;
                word &= word - 1;
                let mut bits = std::mem::take(&mut self.bits[bi]);
                while bits != 0 {
                    let v = bi * 64 + bits.trailing_zeros() as usize;
                    bits &= bits - 1;
                    f(base + v as u32, self.dot[v], self.cnt[v]);
                }
            }
        }
    }

    /// Dot products and overlaps of `u` with every user of `lo..hi` sharing a non-capped item:
    /// calls `f(v, dot, overlap)` in increasing `v` for those sharing at least `min_overlap`
    /// items. Each dot product is summed in item order, as from any other side.
    ///
    /// Goes a block of users at a time, each of `u`'s columns resuming where the last block
    /// left it, and skips blocks no column reaches.
    #[allow(clippy::too_many_arguments)]
    fn scan(
        &mut self,
        m: &Matrix,
        capped: &[bool],
        min_overlap: u32,
        u: u32,
        lo: u32,
        hi: u32,
        mut f: impl FnMut(u32, f64, u32),
    ) {
        let hi = hi.min(m.rows.len() as u32);
        let need = min_overlap.max(1);
        let block = block();
        let mut cursors = std::mem::take(&mut self.cursors);
        cursors.clear();
        let mut start = u32::MAX; // the first user any column reaches
        for (item, x) in m.rows[u as usize].iter() {
            if capped[item as usize] {
                continue;
            }
            let col = &m.cols[item as usize].idx;
            let pos = if lo == 0 {
                0
            } else {
                col.partition_point(|&v| v < lo)
            };
            if let Some(&v) = col.get(pos).filter(|&&v| v < hi) {
                start = start.min(v);
                cursors.push(Cursor {
                    item,
                    from: pos as u32,
                    pos: pos as u32,
                    x,
                });
            }
        }
        if self.dot.is_empty() {
            self.dot = vec![0.0; BLOCK as usize];
            self.cnt = vec![0; BLOCK as usize];
            self.bits = vec![0; (BLOCK / 64) as usize];
        }
        while start < hi {
            let end = start.saturating_add(block).min(hi);
            let mut next = u32::MAX;
            for c in &mut cursors {
                let col = &m.cols[c.item as usize];
                let (idx, val) = (&col.idx[c.pos as usize..], &col.val[c.pos as usize..]);
                let mut taken = 0;
                for (&v, &y) in idx.iter().zip(val) {
                    if v >= end {
                        next = next.min(v);
                        break;
                    }
                    taken += 1;
                    if v != u {
                        self.add(v - start, c.x * y, need);
                    }
                }
                c.from = c.pos;
                c.pos += taken;
            }
            self.drain(start, &mut f);
            // Clear what the block touched (the same entries, still in cache).
            for c in &cursors {
                for &v in &m.cols[c.item as usize].idx[c.from as usize..c.pos as usize] {
                    let v = (v - start) as usize;
                    self.dot[v] = 0.0;
                    self.cnt[v] = 0;
                }
            }
            start = next;
        }
        self.cursors = cursors;
    }
}

/// The best `keep` entries seen so far plus the best one left out (a bounded min-heap of keys
/// whose top is the worst entry kept), independent of the order entries arrive in.
#[derive(Debug, Clone, Default)]
struct TopK {
    heap: BinaryHeap<Reverse<u64>>,
    /// Entries held: `keep + 1`.
    cap: usize,
}

impl TopK {
    fn new(keep: usize) -> TopK {
        TopK {
            heap: BinaryHeap::new(),
            cap: keep + 1,
        }
    }

    #[inline]
    fn push(&mut self, e: Entry) {
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
    fn entries(&self) -> impl Iterator<Item = Entry> + '_ {
        self.heap.iter().map(|r| entry(r.0))
    }

    /// The list, best first, and the bound (the best entry left out, or 0).
    fn finish(self) -> (Vec<Entry>, f32) {
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

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct Neighbours {
    pub lists: Vec<Vec<Entry>>,
    /// Per user: ≥ every positive similarity not in the list (0 when there is none).
    pub bound: Vec<f32>,
    /// Reverse index: for each user, the (sorted) users whose list contains them. Derived.
    #[serde(skip)]
    rev: Vec<Vec<u32>>,
    #[serde(skip)]
    acc: PairAcc,
    /// Per user range, for updates (kept to save allocations).
    #[serde(skip)]
    shards: Vec<Shard>,
    /// Scratch copy of a reverse-index row.
    #[serde(skip)]
    listed: Vec<u32>,
}

/// A heavy update's users are split into ranges handled in parallel, one per rayon thread
/// (serial below this many additions into the accumulator).
const PARALLEL_ADDS: usize = 32_768;

#[cfg(test)]
thread_local! {
    /// Splits every update into this many user ranges (0: as in production).
    static FORCE_RANGES: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// At most this many user ranges (each range searches every column of the user for its start,
/// and each but the first costs a thread spawn).
const MAX_RANGES: usize = 4;

/// How many listing users ahead an update prefetches the list it will edit: the entries
/// `LOAD_AHEAD` users ahead, the list's header (length and pointer) twice as far.
const LOAD_AHEAD: usize = 4;

/// Asks the CPU to start loading the cache line at `p` (a hint: no effect on results, and no
/// fault whatever the address). The lists an update edits are scattered over memory; loading
/// them ahead overlaps their cache misses instead of paying for them one after another.
#[inline(always)]
#[allow(unsafe_code)] // the one `unsafe` of the crate: see the SAFETY note below
fn prefetch<T>(p: *const T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: `prefetcht0` only hints the cache; it never faults and reads nothing the program
    // sees, whatever the address.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(p.cast::<i8>());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

/// One user range's share of an update: its accumulator and what it found.
#[derive(Debug, Clone, Default)]
struct Shard {
    acc: PairAcc,
    /// Users visited.
    touched: usize,
    /// Users listing `u` after the update, in order.
    now: Vec<u32>,
    /// (evicted user, v): v's list pushed the evicted user out, so `rev[evicted]` loses v.
    evicted: Vec<(u32, u32)>,
    /// Users whose list must be recomputed from scratch.
    recompute: Vec<u32>,
    /// The best candidates for `u`'s own list in this range.
    top: Vec<Entry>,
}

impl Shard {
    /// Accumulates, then visits in order every user of `lo..hi` sharing an item with `u` or
    /// listing it (`listed`, sorted): fixes `u`'s entry in its list (`lists[v - lo]`,
    /// `bound[v - lo]`) and offers the similarity to `u`'s top.
    #[allow(clippy::too_many_arguments)]
    fn run(
        &mut self,
        m: &Matrix,
        capped: &[bool],
        p: &SimParams,
        u: u32,
        lo: u32,
        hi: u32,
        lists: &mut [Vec<Entry>],
        bound: &mut [f32],
        listed: &[u32],
    ) {
        self.touched = 0;
        self.now.clear();
        self.evicted.clear();
        self.recompute.clear();
        let nu = m.norms[u as usize];
        let mut top = TopK::new(p.keep);
        let mut next = 0; // listed[..next] are done
        let mut acc = std::mem::take(&mut self.acc);
        let mut visit = |v: u32, s: f32, is_listed: bool, next: usize| {
            self.touched += 1;
            let at = (v - lo) as usize;
            // Fast path, most users: not listed and nothing to list (not qualifying, or below
            // v's bound).
            if !is_listed && (s <= 0.0 || s < bound[at]) {
                return;
            }
            if is_listed {
                // Start loading a list the pass will edit soon (its cache misses then overlap).
                if let Some(&w) = listed.get(next + 2 * LOAD_AHEAD) {
                    prefetch(&lists[(w - lo) as usize]);
                }
                if let Some(&w) = listed.get(next + LOAD_AHEAD) {
                    // The whole list: `u`'s entry may be anywhere in it.
                    for line in lists[(w - lo) as usize].chunks(8) {
                        prefetch(line.as_ptr());
                    }
                }
            }
            let mut evicted = None;
            match fix_list(
                &mut lists[at],
                &mut bound[at],
                u,
                s,
                is_listed,
                p.k,
                p.keep,
                &mut evicted,
            ) {
                Some(after) => {
                    if let Some(out) = evicted {
                        self.evicted.push((out, v));
                    }
                    if after {
                        self.now.push(v);
                    }
                }
                None => self.recompute.push(v),
            }
        };
        acc.scan(m, capped, p.min_overlap, u, lo, hi, |v, dot, cnt| {
            // Users that list u but share fewer than `min_overlap` items with it now
            // (similarity 0; they were not drained).
            while let Some(&w) = listed.get(next).filter(|&&w| w < v) {
                next += 1;
                visit(w, 0.0, true, next);
            }
            let is_listed = listed.get(next) == Some(&v);
            next += usize::from(is_listed);
            let s = cosine(dot, nu, m.norms[v as usize], cnt, p);
            if s > 0.0 {
                top.push((v, s));
            }
            visit(v, s, is_listed, next);
        });
        while let Some(&w) = listed.get(next) {
            next += 1;
            visit(w, 0.0, true, next);
        }
        self.acc = acc;
        self.top.clear();
        self.top.extend(top.entries());
    }
}

/// What an incremental update did (for observability and tests).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct UpdateCost {
    pub entries_touched: usize,
    pub lists_recomputed: usize,
}

impl Neighbours {
    /// `u`'s list and bound from scratch. Keeps only the best k + 1 candidates while scanning
    /// (a bounded heap), without materialising every co-occurring user.
    fn compute(
        m: &Matrix,
        capped: &[bool],
        p: &SimParams,
        u: u32,
        acc: &mut PairAcc,
    ) -> (Vec<Entry>, f32) {
        let nu = m.norms[u as usize];
        let mut top = TopK::new(p.keep);
        acc.scan(m, capped, p.min_overlap, u, 0, u32::MAX, |v, dot, cnt| {
            let sim = cosine(dot, nu, m.norms[v as usize], cnt, p);
            if sim > 0.0 {
                top.push((v, sim));
            }
        });
        top.finish()
    }

    /// Recomputes every list from scratch, in parallel.
    pub fn build(m: &Matrix, capped: &[bool], p: &SimParams) -> Neighbours {
        let n = m.rows.len();
        let (lists, bound) = (0..n as u32)
            .into_par_iter()
            .map_init(PairAcc::default, |acc, u| {
                Self::compute(m, capped, p, u, acc)
            })
            .unzip();
        let mut out = Neighbours {
            lists,
            bound,
            ..Neighbours::default()
        };
        out.reindex();
        out
    }

    /// Rebuilds the reverse index from the lists (after a build or deserialisation).
    pub fn reindex(&mut self) {
        let mut rev = vec![Vec::new(); self.lists.len()];
        for (v, list) in self.lists.iter().enumerate() {
            for &(w, _) in list {
                if let Some(r) = rev.get_mut(w as usize) {
                    r.push(v as u32);
                }
            }
        }
        self.rev = rev;
    }

    /// True when the maintained reverse index equals one rebuilt from the lists.
    pub fn reverse_index_consistent(&self) -> bool {
        let mut fresh = Neighbours {
            lists: self.lists.clone(),
            ..Neighbours::default()
        };
        fresh.reindex();
        fresh.rev.iter().zip(&self.rev).all(|(a, b)| a == b)
    }

    /// Replaces `u`'s list, keeping the reverse index in step.
    fn set_list(&mut self, u: u32, list: Vec<Entry>, bound: f32) {
        let mut old: Vec<u32> = self.lists[u as usize].iter().map(|e| e.0).collect();
        let mut new: Vec<u32> = list.iter().map(|e| e.0).collect();
        old.sort_unstable();
        new.sort_unstable();
        let (mut i, mut j) = (0, 0);
        while i < old.len() || j < new.len() {
            match (old.get(i), new.get(j)) {
                (Some(a), Some(b)) if a == b => {
                    i += 1;
                    j += 1;
                }
                (Some(&a), b) if b.is_none_or(|&b| a < b) => {
                    unlink(&mut self.rev[a as usize], u);
                    i += 1;
                }
                (_, Some(&b)) => {
                    link(&mut self.rev[b as usize], u);
                    j += 1;
                }
                _ => break,
            }
        }
        self.lists[u as usize] = list;
        self.bound[u as usize] = bound;
    }

    /// Recomputes the lists of `users` from scratch (in parallel when there are many).
    pub fn recompute(&mut self, m: &Matrix, capped: &[bool], p: &SimParams, users: &[u32]) {
        self.fit(m.rows.len());
        let fresh: Vec<(Vec<Entry>, f32)> = if users.len() > 32 {
            users
                .par_iter()
                .map_init(PairAcc::default, |acc, &u| {
                    Self::compute(m, capped, p, u, acc)
                })
                .collect()
        } else {
            users
                .iter()
                .map(|&u| Self::compute(m, capped, p, u, &mut self.acc))
                .collect()
        };
        for (&u, (list, b)) in users.iter().zip(fresh) {
            self.set_list(u, list, b);
        }
    }

    pub fn fit(&mut self, n: usize) {
        if self.lists.len() < n {
            self.lists.resize_with(n, Vec::new);
            self.bound.resize(n, 0.0);
        }
        if self.rev.len() < n {
            self.rev.resize_with(n, Vec::new);
        }
    }

    /// After `u`'s row changed: recomputes `u`'s list and fixes `u`'s entry in every list it can
    /// appear in — the lists of users sharing an item with `u`, and those that list `u` now
    /// (through the reverse index), whose similarity to `u` may have dropped to 0.
    ///
    /// One pass over the accumulated dot products, in user order, merged with the reverse index:
    /// each similarity is fixed in the other user's list and offered to `u`'s own (bounded) top.
    /// A heavy update splits the users into ranges handled in parallel (each range's lists and
    /// bounds belong to it alone); what crosses ranges — reverse-index links of evicted entries,
    /// lists to recompute, `u`'s own top — is gathered and applied after, so the outcome does
    /// not depend on the split. `rev[u]` is rewritten from the outcome rather than edited entry
    /// by entry.
    pub fn update(&mut self, m: &Matrix, capped: &[bool], p: &SimParams, u: u32) -> UpdateCost {
        let n = m.rows.len();
        self.fit(n);
        let adds: usize = m.rows[u as usize]
            .idx
            .iter()
            .filter(|&&i| !capped[i as usize])
            .map(|&i| m.cols[i as usize].len())
            .sum();
        let threads = rayon::current_num_threads();
        let ranges = if adds >= PARALLEL_ADDS && threads > 1 {
            threads.min(MAX_RANGES)
        } else {
            1
        };
        #[cfg(test)]
        let ranges = match FORCE_RANGES.with(std::cell::Cell::get) {
            0 => ranges,
            forced => forced,
        };
        let mut shards = std::mem::take(&mut self.shards);
        shards.resize_with(shards.len().max(ranges), Shard::default);
        let mut listed = std::mem::take(&mut self.listed);
        listed.clear();
        listed.extend_from_slice(&self.rev[u as usize]);
        {
            // Users [lo, hi) with their lists, bounds and the part of `listed` among them.
            let mut jobs = Vec::with_capacity(ranges);
            let (mut lists, mut bound, mut rest) =
                (&mut self.lists[..n], &mut self.bound[..n], &listed[..]);
            let mut lo = 0;
            for (r, shard) in shards.iter_mut().take(ranges).enumerate() {
                let hi = n * (r + 1) / ranges;
                let (l, lists_rest) = std::mem::take(&mut lists).split_at_mut(hi - lo);
                let (b, bound_rest) = std::mem::take(&mut bound).split_at_mut(hi - lo);
                let (here, after) = rest.split_at(rest.partition_point(|&w| (w as usize) < hi));
                jobs.push((lo as u32, hi as u32, l, b, here, shard));
                (lists, bound, rest, lo) = (lists_rest, bound_rest, after, hi);
            }
            let run = |(lo, hi, l, b, here, shard): (u32, u32, _, _, _, &mut Shard)| {
                shard.run(m, capped, p, u, lo, hi, l, b, here);
            };
            // Scoped threads rather than the rayon pool: the caller holds the engine's write lock,
            // and a rayon worker waiting for its share could pick up a queued task that wants the
            // same lock. The calling thread handles the first range itself.
            let mut jobs = jobs.into_iter();
            let first = jobs.next();
            std::thread::scope(|scope| {
                for job in jobs {
                    scope.spawn(move || run(job));
                }
                if let Some(job) = first {
                    run(job);
                }
            });
        }
        let mut cost = UpdateCost {
            entries_touched: 0,
            lists_recomputed: 1,
        };
        let mut top = TopK::new(p.keep);
        let mut now = std::mem::take(&mut self.rev[u as usize]);
        now.clear();
        let mut recompute = Vec::new();
        for shard in &mut shards[..ranges] {
            cost.entries_touched += shard.touched;
            for &(out, v) in &shard.evicted {
                unlink(&mut self.rev[out as usize], v);
            }
            now.extend_from_slice(&shard.now);
            recompute.append(&mut shard.recompute);
            for e in shard.top.drain(..) {
                top.push(e);
            }
        }
        let mut extra = false;
        for &v in &recompute {
            let (list, b) = Self::compute(m, capped, p, v, &mut self.acc);
            if list.iter().any(|e| e.0 == u) {
                now.push(v);
                extra = true;
            }
            self.set_list(v, list, b);
            cost.lists_recomputed += 1;
        }
        if extra {
            now.sort_unstable();
        }
        // Recomputed lists may have linked and unlinked in rev[u] meanwhile: the outcome counts.
        self.rev[u as usize] = now;
        self.listed = listed;
        self.shards = shards;
        let (list, b) = top.finish();
        self.set_list(u, list, b);
        cost
    }

    /// The neighbours served for `u`: the first k of its list.
    pub fn served(&self, u: u32, k: usize) -> &[Entry] {
        self.lists
            .get(u as usize)
            .map_or(&[][..], |l| &l[..l.len().min(k)])
    }

    /// Exact similarity of two users by merging their rows (for checks and explanations).
    pub fn pair(m: &Matrix, capped: &[bool], p: &SimParams, u: u32, v: u32) -> f32 {
        let (a, b) = (&m.rows[u as usize], &m.rows[v as usize]);
        let (mut x, mut y, mut dot, mut n) = (0, 0, 0.0, 0u32);
        while x < a.idx.len() && y < b.idx.len() {
            match a.idx[x].cmp(&b.idx[y]) {
                Ordering::Less => x += 1,
                Ordering::Greater => y += 1,
                Ordering::Equal => {
                    if !capped[a.idx[x] as usize] {
                        dot += a.val[x] * b.val[y];
                        n += 1;
                    }
                    x += 1;
                    y += 1;
                }
            }
        }
        if u == v {
            return 0.0;
        }
        cosine(dot, m.norms[u as usize], m.norms[v as usize], n, p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::interaction::Interaction;
    use crate::data::item::Item;
    use crate::model::config::Config;
    use crate::model::state::Model;
    use crate::rng::SplitMix64;

    /// Updates split into user ranges (as heavy users' are) keep every list equal to a full
    /// rebuild, bit for bit, like serial ones: random saves, clicks, hides and unsaves on a
    /// small catalogue, with caps crossed both ways and decay, scanning in blocks of a few users.
    #[test]
    fn split_updates_equal_full_rebuild() {
        for ranges in [2, 3, 7] {
            FORCE_RANGES.with(|f| f.set(ranges));
            for seed in 0..50 {
                // Scans in blocks of a few users too (a full rebuild's workers use the
                // production block: the two must agree).
                FORCE_BLOCK.with(|f| f.set([0, 3, 5][seed as usize % 3]));
                let mut rng = SplitMix64::new(seed);
                let config = Config {
                    neighbours: 1 + rng.below(4) as usize,
                    neighbour_buffer: rng.below(3) as usize,
                    max_item_users: 2 + rng.below(8) as usize,
                    shrinkage: if rng.chance(0.5) { 2.0 } else { 0.0 },
                    min_overlap: 1 + rng.below(2) as u32,
                    half_life_secs: Some(60.0),
                    ..Config::default()
                };
                let k = config.neighbours;
                let mut model = Model::new(config).unwrap();
                model
                    .upsert_items(
                        (0..10)
                            .map(|n| Item::new(format!("e{n}"), 1_800_000_000))
                            .collect(),
                    )
                    .unwrap();
                let kinds = ["save", "click", "hide", "unsave", "save", "click"];
                let mut t = 1_700_000_000;
                for step in 0..100 {
                    t += rng.below(300) as i64;
                    let x = Interaction::new(
                        format!("u{}", rng.below(24)),
                        format!("e{}", rng.below(10)),
                        kinds[rng.below(kinds.len() as u64) as usize],
                        t,
                    );
                    model.apply(&[x]).unwrap();
                    let fresh =
                        Neighbours::build(&model.matrix, &model.capped, &model.sim_params());
                    for u in 0..model.matrix.rows.len() as u32 {
                        assert_eq!(
                            model.neighbours.served(u, k),
                            fresh.served(u, k),
                            "ranges {ranges}, seed {seed}, step {step}, user {u}"
                        );
                    }
                    assert!(model.neighbours.reverse_index_consistent());
                }
            }
        }
        FORCE_RANGES.with(|f| f.set(0));
        FORCE_BLOCK.with(|f| f.set(0));
    }

    /// A scan leaves its accumulator clean: lists computed one after another with one
    /// accumulator equal those of a fresh one, whether a scan spans one block or many.
    #[test]
    fn accumulator_is_clean_after_every_scan() {
        let data = crate::synthetic::Dataset::generate(&crate::synthetic::SyntheticConfig::tiny());
        let mut model = Model::new(Config::default()).unwrap();
        model.upsert_items(data.items.clone()).unwrap();
        model.apply(&data.interactions).unwrap();
        let (m, capped, p) = (&model.matrix, &model.capped, model.sim_params());
        for block in [0, 1, 7, 64] {
            FORCE_BLOCK.with(|f| f.set(block));
            let mut acc = PairAcc::default();
            for u in 0..m.rows.len() as u32 {
                let first = Neighbours::compute(m, capped, &p, u, &mut acc);
                let again = Neighbours::compute(m, capped, &p, u, &mut acc);
                let fresh = Neighbours::compute(m, capped, &p, u, &mut PairAcc::default());
                assert_eq!(first, fresh, "block {block}, user {u}");
                assert_eq!(again, fresh, "block {block}, user {u}");
                // Every listed similarity is the pair's exact one.
                for &(v, sim) in &fresh.0 {
                    assert_eq!(sim, Neighbours::pair(m, capped, &p, u, v), "block {block}");
                }
            }
        }
        FORCE_BLOCK.with(|f| f.set(0));
    }
}
