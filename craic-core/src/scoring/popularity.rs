//! Time-decayed popularity: per item the sum of its cells (the column sum, hides count
//! negatively), kept in ranked sets overall and per city so the top eligible items are found by
//! walking a set from the front.

use std::cmp::Ordering;
use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::data::catalog::NO_CITY;
use crate::data::timeline::{Timeline, CHUNK};

/// Ranked-set key: higher score first, then lower item index.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Key {
    score: f64,
    item: u32,
}

impl Eq for Key {}

impl Ord for Key {
    fn cmp(&self, other: &Self) -> Ordering {
        other
            .score
            .total_cmp(&self.score)
            .then(self.item.cmp(&other.item))
    }
}

impl PartialOrd for Key {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct Popularity {
    pub score: Vec<f64>,
    /// City id of each item as indexed (u32::MAX = none).
    city: Vec<u32>,
    #[serde(skip)]
    global: BTreeSet<Key>,
    #[serde(skip)]
    by_city: Vec<BTreeSet<Key>>,
    /// Timeline position of each item (copied from the timeline).
    #[serde(skip)]
    pos: Vec<u32>,
    /// (score, city) of the items in timeline order, so scoring every upcoming event reads
    /// memory in sequence.
    #[serde(skip)]
    by_pos: Vec<(f64, u32)>,
    /// Per [`CHUNK`] of timeline positions, a score at least as high as any in the chunk (kept
    /// exact on increases, left as an upper bound on decreases until the next reposition).
    #[serde(skip)]
    chunk_max: Vec<f64>,
}

impl Popularity {
    /// Adds an item (score 0) or moves it to another city.
    pub fn place(&mut self, item: u32, city: u32) {
        let i = item as usize;
        if self.score.len() <= i {
            self.score.resize(i + 1, 0.0);
            self.city.resize(i + 1, NO_CITY);
        } else {
            self.unlink(item);
        }
        self.city[i] = city;
        self.link(item);
    }

    pub fn set(&mut self, item: u32, score: f64) {
        if self.score[item as usize] == score {
            return;
        }
        self.unlink(item);
        self.score[item as usize] = score;
        if let Some(&p) = self.pos.get(item as usize) {
            if let Some(slot) = self.by_pos.get_mut(p as usize) {
                slot.0 = score;
                let m = &mut self.chunk_max[p as usize / CHUNK];
                *m = m.max(score);
            }
        }
        self.link(item);
    }

    /// Re-reads the timeline (after the catalogue changed).
    pub fn reposition(&mut self, timeline: &Timeline) {
        self.pos.clone_from(&timeline.pos);
        self.by_pos = timeline
            .order
            .iter()
            .map(|&i| (self.score[i as usize], self.city[i as usize]))
            .collect();
        self.chunk_max = self
            .by_pos
            .chunks(CHUNK)
            .map(|c| c.iter().fold(f64::NEG_INFINITY, |m, x| m.max(x.0)))
            .collect();
    }

    fn key(&self, item: u32) -> Key {
        Key {
            score: self.score[item as usize],
            item,
        }
    }

    fn unlink(&mut self, item: u32) {
        let key = self.key(item);
        self.global.remove(&key);
        let c = self.city[item as usize];
        if let Some(set) = self.by_city.get_mut(c as usize) {
            set.remove(&key);
        }
    }

    fn link(&mut self, item: u32) {
        let key = self.key(item);
        self.global.insert(key);
        let c = self.city[item as usize];
        if c != NO_CITY {
            if self.by_city.len() <= c as usize {
                self.by_city.resize_with(c as usize + 1, BTreeSet::new);
            }
            self.by_city[c as usize].insert(key);
        }
    }

    /// Rebuilds the ranked sets (after deserialisation or a decay rebase).
    pub fn relink(&mut self) {
        self.global.clear();
        self.by_city.clear();
        for i in 0..self.score.len() as u32 {
            self.link(i);
        }
    }

    pub fn rescale(&mut self, factor: f64) {
        self.score.iter_mut().for_each(|s| *s *= factor);
        self.by_pos.iter_mut().for_each(|s| s.0 *= factor);
        self.chunk_max.iter_mut().for_each(|s| *s *= factor);
        self.relink();
    }

    /// Items best first, overall.
    pub fn ranked(&self) -> impl Iterator<Item = u32> + '_ {
        self.global.iter().map(|k| k.item)
    }

    /// Items best first, in one city.
    pub fn ranked_in(&self, city: u32) -> impl Iterator<Item = u32> + '_ {
        self.by_city
            .get(city as usize)
            .into_iter()
            .flat_map(|s| s.iter().map(|k| k.item))
    }

    /// The highest score (0 when empty or all non-positive).
    pub fn max(&self) -> f64 {
        self.global.first().map_or(0.0, |k| k.score.max(0.0))
    }

    /// The highest score in one city (0 when empty or all non-positive).
    pub fn max_in(&self, city: u32) -> f64 {
        self.by_city
            .get(city as usize)
            .and_then(|s| s.first())
            .map_or(0.0, |k| k.score.max(0.0))
    }

    /// Score scaled to [0, 1] by the top score (negative scores clamp to 0).
    #[cfg(test)]
    pub fn normalised(&self, item: u32) -> f64 {
        scaled(self.score[item as usize], inverse(self.max()))
    }

    /// The maxima [`Popularity::local`] needs for a user whose cities are `cities`, looked up
    /// once per request.
    pub fn context(&self, cities: &[u32]) -> LocalContext {
        LocalContext {
            inv_global_max: inverse(self.max()),
            cities: cities
                .iter()
                .map(|&c| (c, inverse(self.max_in(c))))
                .collect(),
        }
    }

    /// The popularity component for a user whose cities are in `ctx`: items in those cities
    /// score in [0.5, 1] (by popularity within the city), others in [0, 0.4] (by overall
    /// popularity), so local events always come first. Without cities: score / top score.
    #[inline]
    pub fn local(&self, item: u32, ctx: &LocalContext) -> f64 {
        local(self.score[item as usize], self.city[item as usize], ctx)
    }

    /// Hands the (score, city) of the first `n` items of the timeline to `visitor`, with the
    /// [`Band`] that turns them into [`Popularity::local`] values for `ctx` — a different type
    /// per case, so the visitor's loop carries no branch on the user's cities.
    pub fn visit_upcoming<V: BandVisitor>(&self, n: usize, ctx: &LocalContext, visitor: V) {
        let items = &self.by_pos[..n];
        let maxima = &self.chunk_max[..n.div_ceil(CHUNK)];
        let inv_global_max = ctx.inv_global_max;
        match ctx.cities.as_slice() {
            [] => visitor.visit(items, maxima, Everywhere { inv_global_max }),
            &[(home, inv_home_max)] => visitor.visit(
                items,
                maxima,
                OneCity {
                    home,
                    inv_home_max,
                    inv_global_max,
                },
            ),
            _ => visitor.visit(items, maxima, ctx),
        }
    }
}

#[inline]
fn local(score: f64, c: u32, ctx: &LocalContext) -> f64 {
    match ctx.cities.as_slice() {
        [] => scaled(score, ctx.inv_global_max),
        &[(home, inv_home)] => {
            if c == home && c != NO_CITY {
                home_band(score, inv_home)
            } else {
                away_band(score, ctx.inv_global_max)
            }
        }
        many => match many.iter().find(|x| x.0 == c) {
            Some(&(_, inv_home)) if c != NO_CITY => home_band(score, inv_home),
            _ => away_band(score, ctx.inv_global_max),
        },
    }
}

/// An item in one of the user's cities: [0.5, 1] by popularity within the city.
#[inline]
fn home_band(score: f64, inv_home_max: f64) -> f64 {
    0.5 + 0.5 * scaled(score, inv_home_max)
}

/// An item elsewhere: [0, 0.4] by popularity overall.
#[inline]
fn away_band(score: f64, inv_global_max: f64) -> f64 {
    0.4 * scaled(score, inv_global_max)
}

/// [`Popularity::local`] for one request, as a value a loop can be specialised on.
pub(crate) trait Band: Copy {
    /// The local popularity of an item with this score and city.
    fn local(self, score: f64, city: u32) -> f64;

    /// At least the local popularity of any item whose score is at most `max_score`, in any
    /// city (local popularity only grows with the score).
    fn bound(self, max_score: f64) -> f64;
}

/// Receives the upcoming items' (score, city), per [`CHUNK`] of them a score at least as high
/// as any in the chunk, and their [`Band`].
pub(crate) trait BandVisitor {
    fn visit<B: Band>(self, items: &[(f64, u32)], chunk_max: &[f64], band: B);
}

/// A user without cities.
#[derive(Clone, Copy)]
struct Everywhere {
    inv_global_max: f64,
}

impl Band for Everywhere {
    #[inline]
    fn local(self, score: f64, _: u32) -> f64 {
        scaled(score, self.inv_global_max)
    }

    #[inline]
    fn bound(self, max_score: f64) -> f64 {
        scaled(max_score, self.inv_global_max)
    }
}

/// A user with one city (no branch per item: both bands are computed and one is picked).
#[derive(Clone, Copy)]
struct OneCity {
    home: u32,
    inv_home_max: f64,
    inv_global_max: f64,
}

impl Band for OneCity {
    #[inline]
    fn local(self, score: f64, c: u32) -> f64 {
        let (near, far) = (
            home_band(score, self.inv_home_max),
            away_band(score, self.inv_global_max),
        );
        if c == self.home && c != NO_CITY {
            near
        } else {
            far
        }
    }

    #[inline]
    fn bound(self, max_score: f64) -> f64 {
        home_band(max_score, self.inv_home_max).max(away_band(max_score, self.inv_global_max))
    }
}

impl Band for &LocalContext {
    #[inline]
    fn local(self, score: f64, c: u32) -> f64 {
        local(score, c, self)
    }

    #[inline]
    fn bound(self, max_score: f64) -> f64 {
        if self.cities.is_empty() {
            // Without cities every item is scaled overall, as in `local` (not the away band).
            return scaled(max_score, self.inv_global_max);
        }
        self.cities
            .iter()
            .map(|&(_, inv_home)| home_band(max_score, inv_home))
            .fold(away_band(max_score, self.inv_global_max), f64::max)
    }
}

/// Per-request maxima for [`Popularity::local`].
#[derive(Debug, Clone, Default)]
pub(crate) struct LocalContext {
    /// 1 / the top score overall (0 when there is no positive score).
    inv_global_max: f64,
    /// (city, 1 / the top score in the city).
    cities: Vec<(u32, f64)>,
}

#[cfg(test)]
impl LocalContext {
    /// A context from its inverse maxima (tests of the scans that take one).
    pub(crate) fn from_inverses(inv_global_max: f64, cities: Vec<(u32, f64)>) -> LocalContext {
        LocalContext {
            inv_global_max,
            cities,
        }
    }
}

/// 1 / max, or 0 when there is no positive maximum.
fn inverse(max: f64) -> f64 {
    if max > 0.0 {
        1.0 / max
    } else {
        0.0
    }
}

/// Score times the inverse of its maximum, clamped to [0, 1].
#[inline]
fn scaled(x: f64, inv_max: f64) -> f64 {
    (x * inv_max).clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_overall_and_per_city() {
        let mut p = Popularity::default();
        p.place(0, 0);
        p.place(1, 1);
        p.place(2, 0);
        p.set(0, 1.0);
        p.set(1, 3.0);
        p.set(2, 2.0);
        assert_eq!(p.ranked().collect::<Vec<_>>(), vec![1, 2, 0]);
        assert_eq!(p.ranked_in(0).collect::<Vec<_>>(), vec![2, 0]);
        p.place(1, 0);
        assert_eq!(p.ranked_in(0).collect::<Vec<_>>(), vec![1, 2, 0]);
        assert_eq!(p.normalised(2), 2.0 / 3.0);
        p.rescale(0.5);
        assert_eq!(p.ranked().collect::<Vec<_>>(), vec![1, 2, 0]);
        assert_eq!(p.max(), 1.5);
    }
}
