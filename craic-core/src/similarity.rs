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
//! a full rebuild computes.
//! An item crossing the `max_item_users` cap changes similarities among all its users; they are
//! recomputed then (rare: once per item and direction).

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::matrix::Matrix;

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

/// An entry ordered best first (`a < b` when `a` ranks higher), so a max-heap keeps the worst
/// entry on top.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Ranked(Entry);

impl Eq for Ranked {}

impl Ord for Ranked {
    fn cmp(&self, other: &Self) -> Ordering {
        order(&self.0, &other.0)
    }
}

impl PartialOrd for Ranked {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
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

/// One user's running dot product and overlap with the user being scanned, side by side so an
/// addition touches one cache line.
#[derive(Debug, Clone, Copy, Default)]
struct Slot {
    dot: f64,
    cnt: u32,
}

/// Dense accumulator of dot products and overlaps over all users, with a two-level bitmap of
/// the touched slots: marking is branch-free, and draining visits touched users in increasing
/// index order (so the arrays indexed by user are walked forwards) at a cost of O(touched + n/4096).
#[derive(Debug, Clone, Default)]
struct PairAcc {
    slots: Vec<Slot>,
    /// Bit `v` set when slot `v` was touched.
    bits: Vec<u64>,
    /// Bit `w` set when word `w` of `bits` may be non-zero.
    words: Vec<u64>,
}

impl PairAcc {
    fn fit(&mut self, n: usize) {
        if self.slots.len() < n {
            self.slots.resize(n, Slot::default());
            self.bits.resize(n.div_ceil(64), 0);
            self.words.resize(n.div_ceil(64 * 64), 0);
        }
    }

    /// Calls `f(v, dot, overlap)` for every touched user in increasing order, resetting each
    /// slot as it goes (the accumulator is empty afterwards).
    fn drain(&mut self, mut f: impl FnMut(u32, f64, u32)) {
        for wi in 0..self.words.len() {
            let mut word = std::mem::take(&mut self.words[wi]);
            while word != 0 {
                let bi = wi * 64 + word.trailing_zeros() as usize;
                word &= word - 1;
                let mut bits = std::mem::take(&mut self.bits[bi]);
                while bits != 0 {
                    let v = bi * 64 + bits.trailing_zeros() as usize;
                    bits &= bits - 1;
                    let slot = std::mem::take(&mut self.slots[v]);
                    f(v as u32, slot.dot, slot.cnt);
                }
            }
        }
    }
}

/// The best `keep` entries seen so far plus the best one left out (a bounded max-heap whose top
/// is the worst entry kept), independent of the order entries arrive in.
struct TopK {
    heap: BinaryHeap<Ranked>,
    keep: usize,
}

impl TopK {
    fn new(keep: usize) -> TopK {
        TopK {
            heap: BinaryHeap::with_capacity(keep + 2),
            keep,
        }
    }

    #[inline]
    fn push(&mut self, e: Entry) {
        let e = Ranked(e);
        if self.heap.len() <= self.keep {
            self.heap.push(e);
        } else if self.heap.peek().is_some_and(|worst| e < *worst) {
            self.heap.pop();
            self.heap.push(e);
        }
    }

    /// The list, best first, and the bound (the best entry left out, or 0).
    fn finish(self) -> (Vec<Entry>, f32) {
        let keep = self.keep;
        let mut list: Vec<Entry> = self
            .heap
            .into_sorted_vec()
            .into_iter()
            .map(|r| r.0)
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
    /// Second accumulator, for lists recomputed while `acc` is being drained.
    #[serde(skip)]
    spare: PairAcc,
    /// Scratch rows for updates (who listed the user before and after), kept to save allocations.
    #[serde(skip)]
    spare_rows: (Vec<u32>, Vec<u32>),
}

/// State of one update's pass over the users whose entry for `u` may change.
struct Fixes {
    u: u32,
    /// Users listing `u` before the update (sorted); `listed[..next]` are done.
    listed: Vec<u32>,
    next: usize,
    /// Users listing `u` after the update, in the order visited (sorted): the new `rev[u]`.
    now: Vec<u32>,
    cost: UpdateCost,
}

/// How many listing users ahead an update starts loading the list it will edit.
const LOAD_AHEAD: usize = 4;

/// What an incremental update did (for observability and tests).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct UpdateCost {
    pub entries_touched: usize,
    pub lists_recomputed: usize,
}

impl Neighbours {
    /// Accumulates dot products and overlaps of `u` with every user sharing a non-capped item
    /// into `acc`. Each dot product is summed in item order, as from any other side.
    fn accumulate(m: &Matrix, capped: &[bool], u: u32, acc: &mut PairAcc) {
        acc.fit(m.rows.len());
        let PairAcc { slots, bits, words } = acc;
        for (i, rui) in m.rows[u as usize].iter() {
            if capped[i as usize] {
                continue;
            }
            let col = &m.cols[i as usize];
            for (&v, &rvi) in col.idx.iter().zip(&col.val) {
                if v == u {
                    continue;
                }
                let slot = &mut slots[v as usize];
                slot.dot += rui * rvi;
                slot.cnt += 1;
                // Marking `words` only when a word of `bits` is first set keeps consecutive
                // additions from waiting on each other's store to the same word.
                let w = &mut bits[(v >> 6) as usize];
                if *w == 0 {
                    words[(v >> 12) as usize] |= 1 << ((v >> 6) & 63);
                }
                *w |= 1 << (v & 63);
            }
        }
    }

    /// `u`'s list and bound from scratch. Keeps only the best k + 1 candidates while scanning
    /// (a bounded heap), without materialising every co-occurring user.
    fn compute(
        m: &Matrix,
        capped: &[bool],
        p: &SimParams,
        u: u32,
        acc: &mut PairAcc,
    ) -> (Vec<Entry>, f32) {
        Self::accumulate(m, capped, u, acc);
        let nu = m.norms[u as usize];
        let mut top = TopK::new(p.keep);
        acc.drain(|v, dot, cnt| {
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
    /// `rev[u]` is rewritten from the outcome (gathered in order) rather than edited entry by entry.
    pub fn update(&mut self, m: &Matrix, capped: &[bool], p: &SimParams, u: u32) -> UpdateCost {
        self.fit(m.rows.len());
        let mut acc = std::mem::take(&mut self.acc);
        let (mut listed, mut now) = std::mem::take(&mut self.spare_rows);
        listed.clear();
        listed.extend_from_slice(&self.rev[u as usize]);
        now.clear();
        let mut fix = Fixes {
            u,
            listed,
            next: 0,
            now,
            cost: UpdateCost {
                entries_touched: 0,
                lists_recomputed: 1,
            },
        };
        Self::accumulate(m, capped, u, &mut acc);
        let nu = m.norms[u as usize];
        let mut top = TopK::new(p.keep);
        acc.drain(|v, dot, cnt| {
            // Users that list u but no longer share anything with it: similarity 0.
            while let Some(&w) = fix.listed.get(fix.next).filter(|&&w| w < v) {
                fix.next += 1;
                self.fix(m, capped, p, &mut fix, w, 0.0, true);
            }
            let listed = fix.listed.get(fix.next) == Some(&v);
            fix.next += usize::from(listed);
            let s = if cnt < p.min_overlap {
                0.0 // as `cosine` says, without loading v's norm
            } else {
                cosine(dot, nu, m.norms[v as usize], cnt, p)
            };
            if s > 0.0 {
                top.push((v, s));
            }
            self.fix(m, capped, p, &mut fix, v, s, listed);
        });
        while let Some(&w) = fix.listed.get(fix.next) {
            fix.next += 1;
            self.fix(m, capped, p, &mut fix, w, 0.0, true);
        }
        self.acc = acc;
        // Recomputed lists may have linked and unlinked in rev[u] meanwhile: the outcome is what
        // counts.
        let rev = &mut self.rev[u as usize];
        rev.clear();
        rev.extend_from_slice(&fix.now);
        self.spare_rows = (fix.listed, fix.now);
        let (list, b) = top.finish();
        self.set_list(u, list, b);
        fix.cost
    }

    /// Sets sim(v, u) = s in v's list (recomputing the list when it cannot be fixed in place) and
    /// records in `fix.now` whether v lists u afterwards.
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    fn fix(
        &mut self,
        m: &Matrix,
        capped: &[bool],
        p: &SimParams,
        fix: &mut Fixes,
        v: u32,
        s: f32,
        listed: bool,
    ) {
        fix.cost.entries_touched += 1;
        // Fast path, most users: not listed and nothing to list (not qualifying, or below v's
        // bound).
        if listed || (s > 0.0 && s >= self.bound[v as usize]) {
            self.fix_listed(m, capped, p, fix, v, s, listed);
        }
    }

    /// [`Neighbours::fix`] for a user that lists `u` or may have to.
    #[allow(clippy::too_many_arguments)]
    #[inline(never)]
    fn fix_listed(
        &mut self,
        m: &Matrix,
        capped: &[bool],
        p: &SimParams,
        fix: &mut Fixes,
        v: u32,
        s: f32,
        listed: bool,
    ) {
        if listed {
            // Start loading a list the pass will edit soon (its cache misses then overlap).
            if let Some(&w) = fix.listed.get(fix.next + LOAD_AHEAD) {
                std::hint::black_box(self.lists[w as usize].first());
            }
        }
        let u = fix.u;
        let lists_u = match self.fix_entry(v, u, s, listed, p.k, p.keep) {
            Some(after) => after,
            None => {
                let (list, b) = Self::compute(m, capped, p, v, &mut self.spare);
                let after = list.iter().any(|e| e.0 == u);
                self.set_list(v, list, b);
                fix.cost.lists_recomputed += 1;
                after
            }
        };
        if lists_u {
            fix.now.push(v);
        }
    }

    /// Sets sim(v, u) = s in v's list if that can be done exactly: `Some(whether u is in v's list
    /// afterwards)`, or `None` if v's list must be recomputed from scratch. `listed` tells whether
    /// `u` is in v's list now. Leaves `rev[u]` to the caller.
    ///
    /// Invariants: a list is the exact top of v's candidates (by similarity, then index), at most
    /// `keep` long; `bound` is ≥ every qualifying similarity left out and ≤ the list's smallest
    /// one; a list shorter than `k` with a positive bound is never left behind.
    fn fix_entry(
        &mut self,
        v: u32,
        u: u32,
        s: f32,
        listed: bool,
        k: usize,
        keep: usize,
    ) -> Option<bool> {
        let qualifies = s > 0.0;
        if !listed && (s < self.bound[v as usize] || !qualifies) {
            // Left out, and already covered by the bound (or not a candidate): nothing to touch.
            return Some(false);
        }
        let list = &mut self.lists[v as usize];
        let bound = &mut self.bound[v as usize];
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
                    let ahead =
                        list[pos + 1..].partition_point(|e| order(e, &new) == Ordering::Less);
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
                unlink(&mut self.rev[out.0 as usize], v);
            }
            return Some(true);
        } else {
            *bound = bound.max(s);
        }
        Some(false)
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
