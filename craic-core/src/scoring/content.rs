//! Content-based scoring: items as IDF-weighted binary feature vectors (genres, artists, venue,
//! city, tags), users as profiles built from stated preferences plus their decayed history, and
//! cosine between the two.
//!
//! The profile of user `u` is `pref_weight · p̂ + Σ_i (r_ui / ‖r_u‖) · x̂_i`, where `p̂` is the
//! unit-length IDF vector of the stated genres, artists and cities and `x̂_i` the unit-length
//! vector of item `i`. Hidden items have negative `r_ui`, so their features count against.

use serde::{Deserialize, Serialize};

use crate::data::catalog::{canonical, Catalog};
use crate::data::ids::Interner;
use crate::data::pref_store::PrefView;
use crate::data::sparse::SparseVec;
use crate::data::timeline::Timeline;
use crate::model::config::FeatureWeights;
use crate::scoring::scratch::DenseAcc;

/// Features of a profile used for scoring (the strongest by absolute weight).
const MAX_PROFILE_FEATURES: usize = 32;

/// The kind of a content feature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum FeatureKind {
    Genre,
    Artist,
    Venue,
    City,
    Tag,
}

impl FeatureWeights {
    fn of(&self, kind: FeatureKind) -> f64 {
        match kind {
            FeatureKind::Genre => self.genre,
            FeatureKind::Artist => self.artist,
            FeatureKind::Venue => self.venue,
            FeatureKind::City => self.city,
            FeatureKind::Tag => self.tag,
        }
    }
}

impl FeatureKind {
    fn prefix(self) -> &'static str {
        match self {
            FeatureKind::Genre => "genre",
            FeatureKind::Artist => "artist",
            FeatureKind::Venue => "venue",
            FeatureKind::City => "city",
            FeatureKind::Tag => "tag",
        }
    }
}

/// Derived from the catalogue; rebuilt whenever the catalogue changes.
#[derive(Debug, Clone, Default)]
pub(crate) struct ContentIndex {
    features: Interner,
    kinds: Vec<FeatureKind>,
    labels: Vec<String>,
    pub item_features: Vec<Vec<u32>>,
    idf: Vec<f64>,
    /// 1 / ‖x_i‖ (0 for items without features).
    inv_norm: Vec<f64>,
    /// Feature → (timeline position, weight of the feature in the item's unit vector) of the
    /// live items carrying it, in timeline order (latest start first), so a scan stops at the
    /// first event that has already started.
    postings: Vec<Vec<Posting>>,
}

/// An item carrying a feature: its timeline position and the feature's weight in its unit vector.
#[derive(Debug, Clone, Copy, PartialEq)]
#[repr(C, packed(4))]
struct Posting {
    pos: u32,
    x: f64,
}

/// A user's content profile: (feature, weight) sorted by feature, and its norm.
#[derive(Debug, Clone, Default)]
pub(crate) struct Profile {
    pub weights: Vec<(u32, f64)>,
    pub norm: f64,
}

impl Profile {
    pub fn is_empty(&self) -> bool {
        self.norm == 0.0
    }

    fn weight(&self, f: u32) -> f64 {
        self.weights
            .binary_search_by_key(&f, |w| w.0)
            .map_or(0.0, |p| self.weights[p].1)
    }
}

fn feature_key(kind: FeatureKind, value: &str) -> String {
    format!("{}\u{1f}{}", kind.prefix(), canonical(value))
}

fn item_feature_keys(item: &crate::data::item::Item) -> Vec<(FeatureKind, String, String)> {
    let mut out = Vec::new();
    let mut push = |k: FeatureKind, v: &str, label: String| {
        if !v.trim().is_empty() {
            out.push((k, feature_key(k, v), label));
        }
    };
    for g in &item.genres {
        push(FeatureKind::Genre, g, canonical(g));
    }
    for a in &item.artists {
        push(FeatureKind::Artist, a, canonical(a));
    }
    let venue_key = format!("{}/{}", canonical(&item.city), canonical(&item.venue));
    if !item.venue.trim().is_empty() {
        push(FeatureKind::Venue, &venue_key, canonical(&item.venue));
    }
    push(FeatureKind::City, &item.city, canonical(&item.city));
    for t in &item.tags {
        push(FeatureKind::Tag, t, canonical(t));
    }
    out
}

impl ContentIndex {
    pub fn build(catalog: &Catalog, weights: &FeatureWeights, timeline: &Timeline) -> ContentIndex {
        let mut ix = ContentIndex::default();
        let mut df: Vec<u32> = Vec::new();
        for (i, item) in catalog.items.iter().enumerate() {
            let mut feats = Vec::new();
            if !catalog.removed[i] {
                for (kind, key, label) in item_feature_keys(item) {
                    let f = ix.features.intern(&key);
                    if f as usize == ix.kinds.len() {
                        ix.kinds.push(kind);
                        ix.labels.push(label);
                        df.push(0);
                        ix.postings.push(Vec::new());
                    }
                    feats.push(f);
                }
                feats.sort_unstable();
                feats.dedup();
                for &f in &feats {
                    df[f as usize] += 1;
                }
            }
            ix.item_features.push(feats);
        }
        let n = catalog.live_count() as f64;
        ix.idf = df
            .iter()
            .zip(&ix.kinds)
            .map(|(&d, &kind)| weights.of(kind) * (((1.0 + n) / (1.0 + d as f64)).ln() + 1.0))
            .collect();
        ix.inv_norm = ix
            .item_features
            .iter()
            .map(|fs| {
                let sq: f64 = fs.iter().map(|&f| ix.idf[f as usize].powi(2)).sum();
                if sq > 0.0 {
                    1.0 / sq.sqrt()
                } else {
                    0.0
                }
            })
            .collect();
        for (p, &i) in timeline.order.iter().enumerate() {
            for &f in &ix.item_features[i as usize] {
                let x = ix.x(i, f);
                ix.postings[f as usize].push(Posting { pos: p as u32, x });
            }
        }
        ix
    }

    /// Number of distinct features.
    pub fn feature_count(&self) -> usize {
        self.kinds.len()
    }

    /// Item `i`'s artist features.
    pub fn artist_features(&self, i: u32) -> impl Iterator<Item = u32> + '_ {
        self.item_features[i as usize]
            .iter()
            .copied()
            .filter(|&f| self.kinds[f as usize] == FeatureKind::Artist)
    }

    /// Item `i`'s features, sorted and distinct (none for an unknown index).
    pub fn features(&self, i: u32) -> &[u32] {
        self.item_features
            .get(i as usize)
            .map_or(&[], Vec::as_slice)
    }

    /// The kind of feature `f`.
    pub fn kind(&self, f: u32) -> FeatureKind {
        self.kinds[f as usize]
    }

    /// Weight of feature `f` in item `i`'s unit vector.
    #[inline]
    fn x(&self, i: u32, f: u32) -> f64 {
        self.idf[f as usize] * self.inv_norm[i as usize]
    }

    /// Builds a user's profile into `acc` (sized to the feature count) and returns it.
    pub fn profile(
        &self,
        prefs: Option<PrefView<'_>>,
        row: Option<&SparseVec>,
        row_norm: f64,
        pref_weight: f64,
        acc: &mut DenseAcc,
    ) -> Profile {
        acc.fit(self.kinds.len());
        if let Some(p) = prefs {
            let keys = p
                .genres()
                .map(|g| feature_key(FeatureKind::Genre, g))
                .chain(p.artists().map(|a| feature_key(FeatureKind::Artist, a)))
                .chain(p.cities().map(|c| feature_key(FeatureKind::City, c)));
            let mut fs: Vec<u32> = keys.filter_map(|k| self.features.get(&k)).collect();
            fs.sort_unstable();
            fs.dedup();
            let norm: f64 = fs
                .iter()
                .map(|&f| self.idf[f as usize].powi(2))
                .sum::<f64>()
                .sqrt();
            if norm > 0.0 {
                for f in fs {
                    acc.add(f, pref_weight * self.idf[f as usize] / norm);
                }
            }
        }
        if let Some(row) = row.filter(|_| row_norm > 0.0) {
            for (i, v) in row.iter() {
                let w = v / row_norm;
                if let Some(fs) = self.item_features.get(i as usize) {
                    for &f in fs {
                        acc.add(f, w * self.x(i, f));
                    }
                }
            }
        }
        let mut weights: Vec<(u32, f64)> = acc
            .touched
            .iter()
            .map(|&f| (f, acc.val[f as usize]))
            .filter(|w| w.1 != 0.0)
            .collect();
        acc.clear();
        // The norm covers the whole profile; scoring uses its strongest features only, which
        // bounds the work for users with long, varied histories (the weak tail moves scores by
        // little and rankings by less).
        let norm = weights.iter().map(|w| w.1 * w.1).sum::<f64>().sqrt();
        if weights.len() > MAX_PROFILE_FEATURES {
            weights.select_nth_unstable_by(MAX_PROFILE_FEATURES - 1, |a, b| {
                b.1.abs().total_cmp(&a.1.abs()).then(a.0.cmp(&b.0))
            });
            weights.truncate(MAX_PROFILE_FEATURES);
        }
        weights.sort_unstable_by_key(|w| w.0);
        Profile { weights, norm }
    }

    /// Adds the cosine of the profile with each of the first `scores.len()` items of the
    /// timeline (the upcoming ones) to `scores`, indexed by timeline position.
    pub fn score_upcoming(&self, profile: &Profile, scores: &mut [f64]) {
        if profile.is_empty() {
            return;
        }
        let n = scores.len();
        for &(f, w) in &profile.weights {
            let wf = w / profile.norm;
            for post in &self.postings[f as usize] {
                let p = post.pos as usize;
                if p >= n {
                    break;
                }
                scores[p] += wf * post.x;
            }
        }
    }

    /// Cosine of the profile with one item.
    #[cfg(test)]
    pub fn score(&self, profile: &Profile, i: u32) -> f64 {
        if profile.is_empty() {
            return 0.0;
        }
        let dot: f64 = self.item_features.get(i as usize).map_or(0.0, |fs| {
            fs.iter().map(|&f| profile.weight(f) * self.x(i, f)).sum()
        });
        dot / profile.norm
    }

    /// What items `i` and `j` share, the most telling kind first (artist, genre, venue, tag,
    /// city), as "same artist ellen allien".
    pub fn shared_reason(&self, i: u32, j: u32) -> Option<String> {
        let (a, b) = (
            self.item_features.get(i as usize)?,
            self.item_features.get(j as usize)?,
        );
        let telling = |k: FeatureKind| match k {
            FeatureKind::Artist => 0,
            FeatureKind::Genre => 1,
            FeatureKind::Venue => 2,
            FeatureKind::Tag => 3,
            FeatureKind::City => 4,
        };
        let f = a
            .iter()
            .filter(|f| b.binary_search(f).is_ok())
            .min_by_key(|&&f| (telling(self.kinds[f as usize]), f))?;
        let f = *f as usize;
        Some(format!(
            "same {} {}",
            self.kinds[f].prefix(),
            self.labels[f]
        ))
    }

    /// The feature of item `i` contributing most to its score, as "matches genre techno".
    pub fn reason(&self, profile: &Profile, i: u32) -> Option<String> {
        let fs = self.item_features.get(i as usize)?;
        let best = fs
            .iter()
            .map(|&f| (f, profile.weight(f) * self.x(i, f)))
            .filter(|c| c.1 > 0.0)
            .max_by(|a, b| a.1.total_cmp(&b.1))?;
        let f = best.0 as usize;
        Some(format!(
            "matches {} {}",
            self.kinds[f].prefix(),
            self.labels[f]
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::item::Item;

    #[test]
    fn candidate_scores_equal_direct_cosine() {
        let mut cat = Catalog::default();
        for (id, city, genres) in [
            ("a", "dublin", vec!["techno", "house"]),
            ("b", "dublin", vec!["folk"]),
            ("c", "cork", vec!["techno"]),
            ("d", "", vec![]),
        ] {
            cat.upsert(Item::new(id, 1).city(city).genres(genres).venue("v"));
        }
        let timeline = Timeline::build(&cat);
        let ix = ContentIndex::build(&cat, &FeatureWeights::default(), &timeline);
        let mut row = SparseVec::default();
        row.set(0, 2.0);
        row.set(1, -1.0);
        let mut prefs = crate::data::pref_store::PrefStore::default();
        prefs.set(
            0,
            &crate::Preferences::new(["Techno "], Vec::<String>::new(), ["CORK"]),
        );
        let mut acc = DenseAcc::default();
        let p = ix.profile(prefs.get(0), Some(&row), row.norm(), 1.0, &mut acc);
        assert!(!p.is_empty());
        let mut scores = vec![0.0; timeline.upcoming(0)];
        assert_eq!(scores.len(), 4);
        ix.score_upcoming(&p, &mut scores);
        for i in 0..4u32 {
            let at = timeline.pos[i as usize] as usize;
            assert!((scores[at] - ix.score(&p, i)).abs() < 1e-12);
        }
        let mut later = vec![0.0; timeline.upcoming(1)];
        ix.score_upcoming(&p, &mut later);
        assert!(later.is_empty(), "nothing starts after 1");
        assert!(
            ix.score(&p, 2) > ix.score(&p, 1),
            "techno in cork beats hidden-ish folk"
        );
        assert_eq!(ix.reason(&p, 2).unwrap(), "matches genre techno");
        assert_eq!(ix.score(&p, 3), 0.0);
    }
}
