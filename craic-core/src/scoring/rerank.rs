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

/// One candidate's features for the re-ranking.
struct Candidate {
    /// Genre and artist features, sorted (the similarity).
    similar: Vec<u32>,
    /// Artist and venue features (the caps).
    capped: Vec<(u32, bool)>,
}

fn candidate(content: &ContentIndex, i: u32) -> Candidate {
    let mut similar = Vec::new();
    let mut capped = Vec::new();
    for f in content.features_of(i) {
        match content.kind(f) {
            FeatureKind::Genre => similar.push(f),
            FeatureKind::Artist => {
                similar.push(f);
                capped.push((f, true));
            }
            FeatureKind::Venue => capped.push((f, false)),
            FeatureKind::City | FeatureKind::Tag => {}
        }
    }
    Candidate { similar, capped }
}

/// Jaccard index of two sorted feature lists (0 when both are empty).
fn jaccard(a: &[u32], b: &[u32]) -> f64 {
    let both = crate::data::sparse::shared_count(a, b);
    let union = a.len() + b.len() - both;
    if union == 0 {
        0.0
    } else {
        both as f64 / union as f64
    }
}

/// Per-feature counts of the picked items, for the caps.
#[derive(Default)]
struct Counts(Vec<(u32, usize)>);

impl Counts {
    fn get(&self, f: u32) -> usize {
        self.0.iter().find(|c| c.0 == f).map_or(0, |c| c.1)
    }

    fn add(&mut self, f: u32) {
        match self.0.iter_mut().find(|c| c.0 == f) {
            Some(c) => c.1 += 1,
            None => self.0.push((f, 1)),
        }
    }
}

impl Diversify {
    fn keeps_caps(&self, c: &Candidate, counts: &Counts) -> bool {
        c.capped.iter().all(|&(f, artist)| {
            let cap = if artist {
                self.max_per_artist
            } else {
                self.max_per_venue
            };
            counts.get(f) < cap
        })
    }

    /// Picks `k` of `pool` (`(item, score)`, best first) as the module docs describe; returns
    /// them in the order picked, and whether the caps had to be relaxed to fill the list.
    pub(crate) fn rerank(
        &self,
        content: &ContentIndex,
        pool: &[(u32, f64)],
        k: usize,
    ) -> (Vec<(u32, f64)>, bool) {
        let cands: Vec<Candidate> = pool.iter().map(|&(i, _)| candidate(content, i)).collect();
        let best = pool.iter().map(|x| x.1).fold(0.0, f64::max);
        let inv_best = if best > 0.0 { 1.0 / best } else { 0.0 };
        let mut taken = vec![false; pool.len()];
        let mut max_sim = vec![0.0f64; pool.len()];
        let mut counts = Counts::default();
        let mut out = Vec::with_capacity(k);
        while out.len() < k {
            let mut pick: Option<(usize, f64)> = None;
            for (c, cand) in cands.iter().enumerate() {
                if taken[c] || !self.keeps_caps(cand, &counts) {
                    continue;
                }
                let v = (1.0 - self.lambda) * pool[c].1 * inv_best - self.lambda * max_sim[c];
                if pick.is_none_or(|p| v > p.1) {
                    pick = Some((c, v));
                }
            }
            let Some((c, _)) = pick else { break };
            taken[c] = true;
            out.push(pool[c]);
            for &(f, _) in &cands[c].capped {
                counts.add(f);
            }
            if self.lambda > 0.0 {
                for (o, cand) in cands.iter().enumerate() {
                    if !taken[o] {
                        let s = jaccard(&cands[c].similar, &cand.similar);
                        max_sim[o] = max_sim[o].max(s);
                    }
                }
            }
        }
        // The caps could not be met: complete the list in score order.
        let short = out.len() < k.min(pool.len());
        let rest = pool.iter().zip(&taken).filter(|(_, &t)| !t);
        out.extend(rest.map(|(&x, _)| x).take(k - out.len()));
        (out, short)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jaccard_by_hand() {
        assert_eq!(jaccard(&[1, 2, 3], &[2, 3, 4]), 0.5);
        assert_eq!(jaccard(&[], &[]), 0.0);
        assert_eq!(jaccard(&[1], &[2]), 0.0);
        assert_eq!(jaccard(&[7], &[7]), 1.0);
    }

    #[test]
    fn validation_errors_are_typed() {
        use crate::ErrorKind;
        let kind = |r: Request| validate(&r).unwrap_err().kind();
        assert_eq!(
            kind(Request::new(3).diversity(f64::NAN)),
            ErrorKind::InvalidWeight
        );
        assert_eq!(
            kind(Request::new(3).diversity(1.5)),
            ErrorKind::InvalidWeight
        );
        assert_eq!(
            kind(Request::new(3).diversity(-0.1)),
            ErrorKind::InvalidWeight
        );
        assert_eq!(
            kind(Request::new(3).max_per_artist(0)),
            ErrorKind::OutOfRange
        );
        assert_eq!(
            kind(Request::new(3).max_per_venue(0)),
            ErrorKind::OutOfRange
        );
        assert_eq!(validate(&Request::new(3)).unwrap(), None);
        assert!(validate(&Request::new(3).diversity(1.0)).unwrap().is_some());
    }

    #[test]
    fn pool_over_fetches() {
        assert_eq!(pool_size(1), 21);
        assert_eq!(pool_size(10), 30);
        assert_eq!(pool_size(100), 300);
        assert_eq!(wider_pool(10, 30), Some(110));
        assert_eq!(wider_pool(10, 110), None);
        assert_eq!(wider_pool(20, 30), Some(200));
    }
}
