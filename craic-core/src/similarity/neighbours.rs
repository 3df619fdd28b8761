//! Every user's neighbour list: built in parallel, kept exact by incremental updates, with a
//! reverse index of who lists whom.

use std::cmp::Ordering;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::accumulator::PairAcc;
use super::formula::{cosine, SimParams};
use super::shard::{ranges, run_shards, Shard};
use super::top_k::TopK;
use super::Entry;
use super::Side;

/// Adds `v` to a sorted reverse-index row.
fn link(rev: &mut Vec<u32>, v: u32) {
    if let Err(at) = rev.binary_search(&v) {
        rev.insert(at, v);
    }
}

/// Removes `v` from a sorted reverse-index row.
fn unlink(rev: &mut Vec<u32>, v: u32) {
    if let Ok(at) = rev.binary_search(&v) {
        rev.remove(at);
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

/// What an incremental update did (for observability and tests).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct UpdateCost {
    pub entries_touched: usize,
    pub lists_recomputed: usize,
}

impl Neighbours {
    /// `u`'s list and bound from scratch. Keeps only the best k + 1 candidates while scanning
    /// (a bounded heap), without materialising every co-occurring user.
    pub(super) fn compute(
        m: Side<'_>,
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

    /// `u`'s best `keep` neighbours under each of `shrinkages` (`p`'s other parameters), from
    /// one scan: each is the list [`Neighbours::compute`] finds with that shrinkage, cut to
    /// `keep` — so its first `k` are exactly the `k` a build with that shrinkage serves.
    pub fn lists_for(
        m: Side<'_>,
        capped: &[bool],
        p: &SimParams,
        u: u32,
        shrinkages: &[f64],
        acc: &mut PairAcc,
    ) -> Vec<Vec<Entry>> {
        let nu = m.norms[u as usize];
        let params: Vec<SimParams> = shrinkages
            .iter()
            .map(|&shrinkage| SimParams { shrinkage, ..*p })
            .collect();
        let mut tops: Vec<TopK> = params.iter().map(|q| TopK::new(q.keep)).collect();
        acc.scan(m, capped, p.min_overlap, u, 0, u32::MAX, |v, dot, cnt| {
            for (q, top) in params.iter().zip(&mut tops) {
                let sim = cosine(dot, nu, m.norms[v as usize], cnt, q);
                if sim > 0.0 {
                    top.push((v, sim));
                }
            }
        });
        tops.into_iter().map(|t| t.finish().0).collect()
    }

    /// Recomputes every list from scratch, in parallel.
    pub fn build(m: Side<'_>, capped: &[bool], p: &SimParams) -> Neighbours {
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
    pub fn recompute(&mut self, m: Side<'_>, capped: &[bool], p: &SimParams, users: &[u32]) {
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
    pub fn update(&mut self, m: Side<'_>, capped: &[bool], p: &SimParams, u: u32) -> UpdateCost {
        let n = m.rows.len();
        self.fit(n);
        let ranges = ranges(m, capped, u);
        let mut shards = std::mem::take(&mut self.shards);
        shards.resize_with(shards.len().max(ranges), Shard::default);
        let mut listed = std::mem::take(&mut self.listed);
        listed.clear();
        listed.extend_from_slice(&self.rev[u as usize]);
        run_shards(
            &mut shards[..ranges],
            (m, capped, p, u),
            &mut self.lists[..n],
            &mut self.bound[..n],
            &listed,
        );
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
    pub fn pair(m: Side<'_>, capped: &[bool], p: &SimParams, u: u32, v: u32) -> f32 {
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
