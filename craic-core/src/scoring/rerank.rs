//! Re-ranking for variety, after scoring: per-artist and per-venue caps and a
//! maximal-marginal-relevance (MMR) trade-off on genres and artists.
//!
//! The scorers rank a pool of [`pool_size`] candidates (more than `k`, so that there is
//! something to choose from); this step then picks `k` of them greedily. Step by step it takes
//! the candidate with the best
//!
//! ```text
//! (1 − λ) · score / best score in the pool  −  λ · max similarity to the items already picked
//! ```
//!
//! among those that keep every cap, where λ is [`crate::Request::diversity`] and the similarity
//! of two items is the Jaccard index of their genre and artist sets. λ = 0 with no caps is
//! today's ranking exactly (the step is skipped and nothing is over-fetched).
//!
//! **When the caps cannot be met** — fewer than `k` candidates in the pool keep them — the
//! scorers rank a wider pool ([`wider_pool`]: `10k`, at least `k + 100`) and the step runs
//! again. If even that pool cannot fill the list within the caps, the list is completed with the
//! best-scoring remaining candidates in score order, so `k` items still come back whenever `k`
//! are eligible; only those last items may break a cap.
//!
//! **Cost.** The step allocates nothing per candidate: the pool's genre, artist and venue
//! features are renumbered `0..n` in buffers kept with the request's scratch
//! ([`RerankScratch`]), the caps count in a small array and the Jaccard index is two popcounts
//! of bit sets. It picks exactly what the first version (a feature `Vec` per candidate, sorted
//! lists) picked; a proptest holds the two equal. Its cost on recommend p99 is in
//! docs/performance.md.

use crate::model::error::{Error, Result};
use crate::scoring::content::{ContentIndex, FeatureKind};
use crate::scoring::request::Request;

/// The re-ranking a request asks for (validated).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Diversify {
    lambda: f64,
    max_per_artist: usize,
    max_per_venue: usize,
}

/// Checks the request's re-ranking options: `diversity` in `[0, 1]` (not NaN), caps ≥ 1.
/// `None` when nothing is to be re-ranked.
pub(crate) fn validate(req: &Request) -> Result<Option<Diversify>> {
    let d = req.diversity;
    if !(0.0..=1.0).contains(&d) {
        return Err(Error::InvalidWeight {
            what: "diversity (must be between 0 and 1)".to_owned(),
            value: d,
        });
    }
    for (what, cap) in [
        ("max_per_artist", req.max_per_artist),
        ("max_per_venue", req.max_per_venue),
    ] {
        if cap == Some(0) {
            return Err(Error::OutOfRange {
                what: what.to_owned(),
                value: 0,
                min: 1,
                max: usize::MAX as i128,
            });
        }
    }
    if d == 0.0 && req.max_per_artist.is_none() && req.max_per_venue.is_none() {
        return Ok(None);
    }
    Ok(Some(Diversify {
        lambda: d,
        max_per_artist: req.max_per_artist.unwrap_or(usize::MAX),
        max_per_venue: req.max_per_venue.unwrap_or(usize::MAX),
    }))
}

/// How many candidates the scorers rank when a request re-ranks: `3k`, and at least `k + 20`.
pub(crate) fn pool_size(k: usize) -> usize {
    (3 * k).max(k + 20)
}

/// The pool to try after `pool` could not meet the caps, if there is a wider one.
pub(crate) fn wider_pool(k: usize, pool: usize) -> Option<usize> {
    let widest = (10 * k).max(k + 100);
    (pool < widest).then_some(widest)
}

/// The re-ranking's buffers, kept with the per-thread scratch of a request so that a request
/// allocates nothing per candidate. A pool's genre, artist and venue features are renumbered
/// `0..n` in order of first appearance: the caps then count in a small array, and each
/// candidate's genres and artists (the similarity) are a bit set of `words` 64-bit words.
#[derive(Default)]
pub(crate) struct RerankScratch {
    /// Feature → its local id + 1 in this pool (0: none yet); sized to the feature count.
    local: Vec<u32>,
    /// The features given a local id, by local id (to reset `local`).
    seen: Vec<u32>,
    /// Per local feature: its cap (genres: none) and how many picked items carry it.
    cap: Vec<usize>,
    count: Vec<usize>,
    /// Candidate `c`'s artist and venue features are `capped[capped_at[c]..capped_at[c + 1]]`.
    capped_at: Vec<usize>,
    capped: Vec<u32>,
    /// The same for its genres and artists, and their bit set `bits[c * words..][..words]`.
    similar_at: Vec<usize>,
    similar: Vec<u32>,
    bits: Vec<u64>,
    words: usize,
    /// Per candidate: `(1 − λ) · score / best`, its highest similarity to a picked item, and
    /// whether it is picked.
    rel: Vec<f64>,
    max_sim: Vec<f64>,
    taken: Vec<bool>,
}

impl RerankScratch {
    /// Empties every buffer (O(features seen)), as between requests.
    pub(crate) fn clear(&mut self) {
        for &f in &self.seen {
            self.local[f as usize] = 0;
        }
        self.seen.clear();
        self.cap.clear();
        self.count.clear();
        self.capped_at.clear();
        self.capped.clear();
        self.similar_at.clear();
        self.similar.clear();
        self.bits.clear();
        self.rel.clear();
        self.max_sim.clear();
        self.taken.clear();
    }

    /// True when empty, as between requests.
    #[cfg(test)]
    pub(crate) fn is_clean(&self) -> bool {
        self.seen.is_empty() && self.taken.is_empty() && self.local.iter().all(|&l| l == 0)
    }

    fn local_id(&mut self, f: u32, cap: usize) -> u32 {
        let slot = &mut self.local[f as usize];
        if *slot == 0 {
            self.seen.push(f);
            self.cap.push(cap);
            self.count.push(0);
            *slot = self.seen.len() as u32;
        }
        *slot - 1
    }

    /// Loads the pool's features: the caps, and the similarity bit sets when `sim`.
    fn load(&mut self, d: &Diversify, content: &ContentIndex, pool: &[(u32, f64)], sim: bool) {
        self.clear();
        if self.local.len() < content.feature_count() {
            self.local.resize(content.feature_count(), 0);
        }
        self.capped_at.push(0);
        self.similar_at.push(0);
        // Every candidate's list first: independent loads, so their cache misses overlap.
        let lists: Vec<&[u32]> = pool.iter().map(|x| content.features(x.0)).collect();
        for fs in lists {
            for &f in fs {
                let kind = content.kind(f);
                let cap = match kind {
                    FeatureKind::Artist => d.max_per_artist,
                    FeatureKind::Venue => d.max_per_venue,
                    FeatureKind::Genre if sim => usize::MAX,
                    _ => continue,
                };
                let l = self.local_id(f, cap);
                if sim && kind != FeatureKind::Venue {
                    self.similar.push(l);
                }
                if kind != FeatureKind::Genre {
                    self.capped.push(l);
                }
            }
            self.capped_at.push(self.capped.len());
            self.similar_at.push(self.similar.len());
        }
        if sim {
            let words = self.seen.len().div_ceil(64).max(1);
            self.words = words;
            self.bits.resize(pool.len() * words, 0);
            for c in 0..pool.len() {
                let row = &mut self.bits[c * words..(c + 1) * words];
                for &l in &self.similar[self.similar_at[c]..self.similar_at[c + 1]] {
                    row[l as usize / 64] |= 1 << (l % 64);
                }
            }
        }
        self.max_sim.resize(pool.len(), 0.0);
        self.taken.resize(pool.len(), false);
    }

    fn keeps_caps(&self, c: usize) -> bool {
        self.capped[self.capped_at[c]..self.capped_at[c + 1]]
            .iter()
            .all(|&l| self.count[l as usize] < self.cap[l as usize])
    }

    /// Jaccard index of candidates `a` and `b`'s genres and artists (0 when both have none).
    fn jaccard(&self, a: usize, b: usize) -> f64 {
        let w = self.words;
        let (x, y) = (
            &self.bits[a * w..(a + 1) * w],
            &self.bits[b * w..(b + 1) * w],
        );
        let both: usize = x
            .iter()
            .zip(y)
            .map(|(p, q)| (p & q).count_ones() as usize)
            .sum();
        let size = |c: usize| self.similar_at[c + 1] - self.similar_at[c];
        let union = size(a) + size(b) - both;
        if union == 0 {
            0.0
        } else {
            both as f64 / union as f64
        }
    }
}

impl Diversify {
    /// Picks `k` of `pool` (`(item, score)`, best first), the best `size` candidates, as the
    /// module docs describe, and returns them in the order picked. `Err(wider)` when the caps
    /// cannot be met in this pool and there is a wider one to rank.
    pub(crate) fn rerank(
        &self,
        content: &ContentIndex,
        pool: &[(u32, f64)],
        k: usize,
        size: usize,
        s: &mut RerankScratch,
    ) -> std::result::Result<Vec<(u32, f64)>, usize> {
        let mut out = self.pick(content, pool, k, s);
        s.clear();
        if out.len() < k.min(pool.len()) {
            if let Some(wider) = wider_pool(k, size) {
                return Err(wider);
            }
            // Not even the widest pool meets the caps: complete the list in score order.
            let rest: Vec<(u32, f64)> = (pool.iter())
                .filter(|x| !out.iter().any(|o| o.0 == x.0))
                .take(k - out.len())
                .copied()
                .collect();
            out.extend(rest);
        }
        Ok(out)
    }

    /// The greedy steps: up to `k` picks that keep the caps, in the order picked.
    fn pick(
        &self,
        content: &ContentIndex,
        pool: &[(u32, f64)],
        k: usize,
        s: &mut RerankScratch,
    ) -> Vec<(u32, f64)> {
        let sim = self.lambda > 0.0;
        s.load(self, content, pool, sim);
        let best = pool.iter().map(|x| x.1).fold(0.0, f64::max);
        let inv_best = if best > 0.0 { 1.0 / best } else { 0.0 };
        let rel = pool.iter().map(|x| (1.0 - self.lambda) * x.1 * inv_best);
        s.rel.extend(rel);
        let mut out = Vec::with_capacity(k);
        while out.len() < k {
            let mut pick: Option<(usize, f64)> = None;
            for c in 0..pool.len() {
                if s.taken[c] || !s.keeps_caps(c) {
                    continue;
                }
                let v = s.rel[c] - self.lambda * s.max_sim[c];
                if pick.is_none_or(|p| v > p.1) {
                    pick = Some((c, v));
                }
            }
            let Some((c, _)) = pick else { break };
            s.taken[c] = true;
            out.push(pool[c]);
            for x in s.capped_at[c]..s.capped_at[c + 1] {
                s.count[s.capped[x] as usize] += 1;
            }
            if sim && out.len() < k {
                for o in 0..pool.len() {
                    if !s.taken[o] {
                        let j = s.jaccard(c, o);
                        s.max_sim[o] = s.max_sim[o].max(j);
                    }
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests;
