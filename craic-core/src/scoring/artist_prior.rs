//! What an event's artists promise: a popularity prior for events that have barely been seen.
//!
//! A new event has no interactions yet, so its own popularity says nothing about it, but its
//! artists' other events do: a headliner whose past shows drew crowds will draw them again. For
//! every artist this keeps the mean popularity of the live events carrying it; an event's
//! *artist prior* is the best mean among its artists (0 without artists). Content and hybrid
//! scoring take the popularity prior of the content score of the larger of the event's own
//! popularity and its (scaled, weighted by `Config::artist_prior`) artist prior; the
//! popularity strategy never uses it.
//!
//! The prior is a pure function of the catalogue and the popularity scores: an update
//! recomputes the means of the artists of the items whose popularity changed, summing in item
//! order as a full build does, so incremental and rebuilt engines hold the same values bit for
//! bit.

use crate::data::timeline::{Timeline, CHUNK, OFF_TIMELINE};
use crate::scoring::content::ContentIndex;
use crate::scoring::lanes::max_or_zero as chunk_max;

#[derive(Debug, Clone, Default)]
pub(crate) struct ArtistPrior {
    /// Per artist: its live items, by index.
    members: Vec<Vec<u32>>,
    /// Per item: its artists (ids local to this structure).
    artists_of: Vec<Vec<u32>>,
    /// Per artist: mean popularity of its items.
    mean: Vec<f64>,
    /// Per item: the best mean among its artists, at least 0.
    value: Vec<f64>,
    /// `value` in timeline order.
    by_pos: Vec<f64>,
    /// Per [`CHUNK`] of timeline positions, the highest value in the chunk (kept exact, so the
    /// best value among the upcoming events is cheap to find and the same as a rebuild's).
    chunk_max: Vec<f64>,
}

impl ArtistPrior {
    /// From the content index's artist features and the current popularity `score`s.
    pub fn build(content: &ContentIndex, timeline: &Timeline, score: &[f64]) -> ArtistPrior {
        let mut local = vec![u32::MAX; content.feature_count()];
        let mut members: Vec<Vec<u32>> = Vec::new();
        let artists_of: Vec<Vec<u32>> = (0..content.item_features.len() as u32)
            .map(|i| {
                content
                    .artist_features(i)
                    .map(|f| {
                        let a = &mut local[f as usize];
                        if *a == u32::MAX {
                            *a = members.len() as u32;
                            members.push(Vec::new());
                        }
                        members[*a as usize].push(i);
                        *a
                    })
                    .collect()
            })
            .collect();
        let mut p = ArtistPrior {
            mean: vec![0.0; members.len()],
            members,
            value: vec![0.0; artists_of.len()],
            artists_of,
            by_pos: Vec::new(),
            chunk_max: Vec::new(),
        };
        for a in 0..p.members.len() {
            p.mean[a] = p.mean_of(a, score);
        }
        for i in 0..p.value.len() {
            p.value[i] = p.value_of(i);
        }
        p.by_pos = timeline
            .order
            .iter()
            .map(|&i| p.value[i as usize])
            .collect();
        p.chunk_max = p.by_pos.chunks(CHUNK).map(chunk_max).collect();
        p
    }

    fn mean_of(&self, a: usize, score: &[f64]) -> f64 {
        let items = &self.members[a];
        let sum: f64 = items
            .iter()
            .map(|&i| score.get(i as usize).copied().unwrap_or(0.0))
            .sum();
        sum / items.len().max(1) as f64
    }

    fn value_of(&self, i: usize) -> f64 {
        self.artists_of[i]
            .iter()
            .fold(0.0, |m: f64, &a| m.max(self.mean[a as usize]))
    }

    /// After the popularity of `items` changed: recomputes their artists' means and the values
    /// of every item of those artists (`timeline` is the one the prior was built with).
    pub fn refresh(&mut self, items: &[u32], score: &[f64], timeline: &Timeline) {
        let mut artists: Vec<u32> = items
            .iter()
            .filter_map(|&i| self.artists_of.get(i as usize))
            .flatten()
            .copied()
            .collect();
        if artists.is_empty() {
            return;
        }
        artists.sort_unstable();
        artists.dedup();
        for &a in &artists {
            self.mean[a as usize] = self.mean_of(a as usize, score);
        }
        let mut chunks = Vec::new();
        for &a in &artists {
            for n in 0..self.members[a as usize].len() {
                let i = self.members[a as usize][n] as usize;
                let v = self.value_of(i);
                self.value[i] = v;
                let p = timeline.pos[i];
                if p != OFF_TIMELINE {
                    self.by_pos[p as usize] = v;
                    chunks.push(p as usize / CHUNK);
                }
            }
        }
        chunks.sort_unstable();
        chunks.dedup();
        for c in chunks {
            self.chunk_max[c] =
                chunk_max(&self.by_pos[c * CHUNK..((c + 1) * CHUNK).min(self.by_pos.len())]);
        }
    }

    /// The highest prior among the first `n` timeline positions (0 when none is positive).
    pub fn best_upcoming(&self, n: usize) -> f64 {
        let full = n / CHUNK;
        let head = self.chunk_max[..full]
            .iter()
            .fold(0.0, |m: f64, &x| m.max(x));
        head.max(chunk_max(&self.by_pos[full * CHUNK..n]))
    }

    /// Item `i`'s prior (0 for items it does not know).
    pub fn value(&self, i: u32) -> f64 {
        self.value.get(i as usize).copied().unwrap_or(0.0)
    }

    /// The priors of the first `n` timeline positions, and per chunk of them the highest.
    pub fn upcoming(&self, n: usize) -> (&[f64], &[f64]) {
        (&self.by_pos[..n], &self.chunk_max[..n.div_ceil(CHUNK)])
    }

    /// True when every value (and chunk maximum) equals a fresh build's from the same scores.
    pub fn consistent(&self, content: &ContentIndex, timeline: &Timeline, score: &[f64]) -> bool {
        let fresh = ArtistPrior::build(content, timeline, score);
        fresh.value == self.value
            && fresh.by_pos == self.by_pos
            && fresh.chunk_max == self.chunk_max
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::catalog::Catalog;
    use crate::data::item::Item;

    #[test]
    fn best_mean_of_the_artists_and_refresh_equals_build() {
        let mut catalog = Catalog::default();
        for item in [
            Item::new("a1", 10).artists(["Ana"]),
            Item::new("a2", 20).artists(["ana ", "Ben"]),
            Item::new("b1", 30).artists(["Ben"]),
            Item::new("none", 40),
        ] {
            catalog.upsert(item);
        }
        let timeline = Timeline::build(&catalog);
        let weights = crate::model::config::Config::default().content_weights;
        let content = ContentIndex::build(&catalog, &weights, &timeline);
        let mut score = vec![4.0, 2.0, 10.0, 7.0];
        let mut p = ArtistPrior::build(&content, &timeline, &score);
        // ana: (4 + 2) / 2 = 3; ben: (2 + 10) / 2 = 6.
        assert_eq!(
            (0..4).map(|i| p.value(i)).collect::<Vec<_>>(),
            [3.0, 6.0, 6.0, 0.0]
        );
        score[0] = 20.0;
        p.refresh(&[0], &score, &timeline);
        assert_eq!(p.value(0), 11.0);
        assert_eq!(p.value(1), 11.0, "a2 now follows ana");
        assert!(p.consistent(&content, &timeline, &score));
        let (values, maxima) = p.upcoming(4);
        assert_eq!(values.len(), 4);
        assert_eq!(maxima[0], 11.0);
        // Latest start first: none (0), b1 (6), a2 (11), a1 (11).
        assert_eq!(
            (p.best_upcoming(4), p.best_upcoming(2), p.best_upcoming(0)),
            (11.0, 6.0, 0.0)
        );
    }
}
