//! User–user cosine neighbourhoods, built in parallel and maintained incrementally.
//!
//! `sim(u, v) = (r_u · r_v) / (‖r_u‖ ‖r_v‖) · n / (n + λ)` where the dot product runs over the
//! items both users touched (`n` of them), except items with more than `max_item_users` users,
//! which are left out of the overlap (norms still use whole rows). Every user keeps its top-k
//! neighbours with positive similarity, ordered by similarity (then by user index), plus an upper
//! bound on the best similarity that did not make the list.
//!
//! **Exactness.** A change to user `u`'s row changes only `sim(u, ·)`. The update recomputes
//! `u`'s list from scratch and, for every user `v` that shares an item with `u` before or after
//! the change, fixes `u`'s entry in `v`'s list; only when `u` drops out of a full list below the
//! bound of unlisted candidates is `v`'s list recomputed from scratch. Dot products are summed in
//! item order from whichever side, so the result is bit-for-bit what a full rebuild computes.
//! An item crossing the `max_item_users` cap changes similarities among all its users; they are
//! recomputed then (rare: once per item and direction).

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::matrix::Matrix;
use crate::scratch::DenseAcc;

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

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct Neighbours {
    pub lists: Vec<Vec<Entry>>,
    /// Per user: ≥ every positive similarity not in the list (0 when there is none).
    pub bound: Vec<f32>,
    /// Reverse index: for each user, the (sorted) users whose list contains them. Derived.
    #[serde(skip)]
    rev: Vec<Vec<u32>>,
    #[serde(skip)]
    acc: DenseAcc,
}

/// What an incremental update did (for observability and tests).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct UpdateCost {
    pub entries_touched: usize,
    pub lists_recomputed: usize,
}

impl Neighbours {
    /// Accumulates dot products and overlaps of `u` with every user sharing a non-capped item
    /// into `acc` (whose `touched` lists those users). The caller clears `acc`.
    fn accumulate(m: &Matrix, capped: &[bool], u: u32, acc: &mut DenseAcc) {
        acc.fit(m.rows.len());
        for (i, rui) in m.rows[u as usize].iter() {
            if capped[i as usize] {
                continue;
            }
            for (v, rvi) in m.cols[i as usize].iter() {
                if v != u {
                    acc.add(v, rui * rvi);
                }
            }
        }
    }

    /// Similarity of every user sharing a non-capped item with `u` (0 where not qualifying).
    fn scan(m: &Matrix, capped: &[bool], p: &SimParams, u: u32, acc: &mut DenseAcc) -> Vec<Entry> {
        Self::accumulate(m, capped, u, acc);
        let nu = m.norms[u as usize];
        let out = acc
            .touched
            .iter()
            .map(|&v| {
                let s = v as usize;
                (v, cosine(acc.val[s], nu, m.norms[s], acc.cnt[s], p))
            })
            .collect();
        acc.clear();
        out
    }

    /// Top-k of the qualifying entries, and the best similarity left out.
    fn top_k(mut all: Vec<Entry>, k: usize) -> (Vec<Entry>, f32) {
        all.retain(|e| e.1 > 0.0);
        let bound = if all.len() > k {
            all.select_nth_unstable_by(k, order);
            let b = all[k].1;
            all.truncate(k);
            b
        } else {
            0.0
        };
        all.sort_unstable_by(order);
        // `all` held every co-occurring user: keep only what the list needs.
        all.shrink_to_fit();
        (all, bound)
    }

    /// `u`'s list and bound from scratch. Keeps only the best k + 1 candidates while scanning
    /// (a bounded heap), which gives exactly `top_k(scan(..))` without materialising every
    /// co-occurring user.
    fn compute(
        m: &Matrix,
        capped: &[bool],
        p: &SimParams,
        u: u32,
        acc: &mut DenseAcc,
    ) -> (Vec<Entry>, f32) {
        Self::accumulate(m, capped, u, acc);
        let nu = m.norms[u as usize];
        let mut heap: BinaryHeap<Ranked> = BinaryHeap::with_capacity(p.keep + 2);
        for &v in &acc.touched {
            let s = v as usize;
            let sim = cosine(acc.val[s], nu, m.norms[s], acc.cnt[s], p);
            if sim <= 0.0 {
                continue;
            }
            let e = Ranked((v, sim));
            if heap.len() <= p.keep {
                heap.push(e);
            } else if heap.peek().is_some_and(|worst| e < *worst) {
                heap.pop();
                heap.push(e);
            }
        }
        acc.clear();
        let mut list: Vec<Entry> = heap.into_sorted_vec().into_iter().map(|r| r.0).collect();
        let bound = if list.len() > p.keep {
            list.pop().map_or(0.0, |e| e.1)
        } else {
            0.0
        };
        list.shrink_to_fit();
        (list, bound)
    }

    /// Recomputes every list from scratch, in parallel.
    pub fn build(m: &Matrix, capped: &[bool], p: &SimParams) -> Neighbours {
        let n = m.rows.len();
        let (lists, bound) = (0..n as u32)
            .into_par_iter()
            .map_init(DenseAcc::default, |acc, u| {
                Self::compute(m, capped, p, u, acc)
            })
            .unzip();
        let mut out = Neighbours {
            lists,
            bound,
            rev: Vec::new(),
            acc: DenseAcc::default(),
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
                .map_init(DenseAcc::default, |acc, &u| {
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
    /// appear in. `former` are users that shared an item with `u` through cells `u` no longer has.
    pub fn update(
        &mut self,
        m: &Matrix,
        capped: &[bool],
        p: &SimParams,
        u: u32,
        former: &[u32],
    ) -> UpdateCost {
        self.fit(m.rows.len());
        let mut all = Self::scan(m, capped, p, u, &mut self.acc);
        // Users that no longer share anything with u now have similarity 0 with it.
        if !former.is_empty() {
            self.acc.fit(m.rows.len());
            for &(v, _) in &all {
                self.acc.add(v, 0.0);
            }
            for &v in former {
                if v != u && self.acc.cnt[v as usize] == 0 {
                    self.acc.add(v, 0.0);
                    all.push((v, 0.0));
                }
            }
            self.acc.clear();
        }
        let mut cost = UpdateCost {
            entries_touched: all.len(),
            lists_recomputed: 1,
        };
        for &(v, s) in &all {
            if !self.fix_entry(v, u, s, p.k, p.keep) {
                let (list, b) = Self::compute(m, capped, p, v, &mut self.acc);
                self.set_list(v, list, b);
                cost.lists_recomputed += 1;
            }
        }
        let (list, b) = Self::top_k(all, p.keep);
        self.set_list(u, list, b);
        cost
    }

    /// Sets sim(v, u) = s in v's list if that can be done exactly; false if v's list must be
    /// recomputed from scratch.
    ///
    /// Invariants: a list is the exact top of v's candidates (by similarity, then index), at most
    /// `keep` long; `bound` is ≥ every qualifying similarity left out and ≤ the list's smallest
    /// one; a list shorter than `k` with a positive bound is never left behind.
    fn fix_entry(&mut self, v: u32, u: u32, s: f32, k: usize, keep: usize) -> bool {
        let listed = self.rev[u as usize].binary_search(&v).is_ok();
        if !listed && s < self.bound[v as usize] {
            return true; // left out, and already covered by the bound: nothing to touch
        }
        let list = &mut self.lists[v as usize];
        let bound = &mut self.bound[v as usize];
        let new = (u, s);
        let qualifies = s > 0.0;
        let place = |list: &mut Vec<Entry>| {
            let at = list.partition_point(|e| order(e, &new) == Ordering::Less);
            list.insert(at, new);
        };
        if listed {
            let Some(pos) = list.iter().position(|e| e.0 == u) else {
                return false; // index out of step: recompute to be safe
            };
            return if qualifies && s > *bound {
                // Still ahead of everything left out: move it to its new place.
                list.remove(pos);
                place(list);
                true
            } else if qualifies && s == *bound {
                false // a tie with something left out: only a recompute can order it
            } else {
                // Below every other listed entry: it drops out (and is covered by the bound).
                list.remove(pos);
                unlink(&mut self.rev[u as usize], v);
                !(list.len() < k && *bound > 0.0)
            };
        }
        if !qualifies {
            return true;
        }
        if list.len() < keep {
            if s > *bound {
                place(list);
                link(&mut self.rev[u as usize], v);
            } else if s == *bound
                && list
                    .last()
                    .is_some_and(|last| order(&new, last) == Ordering::Less)
            {
                return false; // ties with something left out and belongs in the list
            }
        } else if list
            .last()
            .is_some_and(|last| order(&new, last) == Ordering::Less)
        {
            place(list);
            link(&mut self.rev[u as usize], v);
            if let Some(out) = list.pop() {
                *bound = bound.max(out.1);
                unlink(&mut self.rev[out.0 as usize], v);
            }
        } else {
            *bound = bound.max(s);
        }
        true
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
