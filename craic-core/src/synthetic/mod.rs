//! A deterministic synthetic event-discovery dataset with a hidden ground truth.
//!
//! [`Dataset::generate`] builds a catalogue of events ([`Item`]s), onboarding [`Preferences`] and a
//! stream of implicit feedback ([`Interaction`]s) from a [`SyntheticConfig`]. The data carries real
//! recommendation signal, and the hidden taste that produced it stays in the [`Dataset`] so
//! experiments can be simulated against it with [`Dataset::affinity`].
//!
//! How the world is built:
//!
//! * **Cities** have Zipf-distributed sizes (`dublin` is the biggest); each has its own venues.
//! * **Artists** each play one genre and have a Zipf popularity; popular artists play more events.
//! * **Events** (`e0`, `e1`, ...) take place in one city and venue (bigger venues host more
//!   events), have 1–3 genres and 1–2 artists of their main genre, start in the evening of a day
//!   spread over the simulated period plus the look-ahead window, and end 2–4 hours later. An
//!   event's base popularity is driven by who plays it, as in reality: its headliner's popularity
//!   × the venue's size (`rank^-0.5` within the city) × log-normal noise (σ 0.4). So an event
//!   nobody has seen yet is predictable from its artists' other events, but not exactly.
//! * **Taste clusters** each have a home city, 2–3 favourite genres and a pool of favourite
//!   artists. Every user (`u0`, `u1`, ...) belongs to one cluster, shares its city and genres and
//!   picks a few favourite artists from its pool. Stated preferences are a noisy subset of that
//!   hidden taste; about a quarter of the users (by default) state nothing at all.
//! * **Interactions** happen at a uniformly random time `t` of the simulated period, on an event
//!   starting within the look-ahead window after `t` (so always *before* the event starts). User
//!   activity is heavy-tailed (log-normal). The event is drawn ∝ base popularity × genre match
//!   among the events of the user's home city (most draws), among the events of a favourite artist
//!   (some draws), or ∝ popularity alone anywhere (exploration). Most interactions are clicks; saves
//!   are likelier the better the match; hides happen on poor matches.
//! * **How informative each signal is** is a knob: `content_signal` (0 = genres and artists say
//!   nothing about taste, which then follows hidden co-engagement groups drawn independently of
//!   the metadata), `collaborative_signal` (how sharply those groups separate),
//!   `popularity_share` (choices made by local popularity alone), and the history length
//!   through `interactions`, `users` and `activity_sigma`. The defaults leave the world above
//!   unchanged, bit for bit. [`SyntheticConfig::world`] names the worlds where one signal is
//!   missing or dominant, and [`judge`] scores recommenders on them.
//!
//! Everything is driven by [`SplitMix64`] streams derived from the seed, and per-user work uses a
//! generator forked by the user's index, so the result does not depend on thread scheduling: the
//! same config gives the same dataset, bit for bit, on a given platform. (Popularity weights use
//! `powf`/`exp`/`ln` from the platform's maths library, which may round differently elsewhere.)
//!
//! ```
//! use craic_core::synthetic::{Dataset, SyntheticConfig};
//!
//! let cfg = SyntheticConfig::tiny();
//! let data = Dataset::generate(&cfg);
//! assert_eq!(data.items.len(), cfg.items);
//! assert_eq!(data.interactions.len(), cfg.interactions);
//! assert!(data.interactions.windows(2).all(|w| w[0].timestamp <= w[1].timestamp));
//! // Every interaction happens before its event starts.
//! let first = &data.interactions[0];
//! let item = &data.items[data.item_index(&first.item_id).unwrap()];
//! assert!(first.timestamp < item.starts_at);
//! // The hidden ground truth is available for simulations.
//! let a = data.affinity(&first.user_id, &first.item_id);
//! assert!((0.0..=1.0).contains(&a));
//! // Same seed, same data.
//! assert_eq!(Dataset::generate(&cfg).interactions, data.interactions);
//! ```

mod catalogue;
mod config;
mod csv;
pub mod judge;
mod sampling;
mod simulate;
mod taste;
#[cfg(test)]
mod tests;
mod world;
mod worlds;

pub use config::SyntheticConfig;
use sampling::{cumulative, pick, pick_distinct, sample_cum, shuffled, zipf_weights, Channel};
use simulate::{Raw, World, KINDS};
use taste::{assign_hidden_groups, cluster_weight, taste_match};

use world::{set_appeal, Catalogue, People};

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::data::interaction::Interaction;
use crate::data::item::{Item, Preferences};
use crate::limits::MAX_SYNTHETIC_ITEMS;
use crate::rng::SplitMix64;

const DAY: i64 = 86_400;

/// City names used first; further cities are called `city16`, `city17`, ...
pub const CITY_NAMES: [&str; 16] = [
    "dublin",
    "cork",
    "galway",
    "limerick",
    "belfast",
    "waterford",
    "kilkenny",
    "derry",
    "sligo",
    "athlone",
    "wexford",
    "drogheda",
    "dundalk",
    "ennis",
    "tralee",
    "letterkenny",
];

/// Genre names used first; further genres are called `genre24`, `genre25`, ...
pub const GENRE_NAMES: [&str; 24] = [
    "techno",
    "indie",
    "trad",
    "comedy",
    "rock",
    "folk",
    "house",
    "jazz",
    "theatre",
    "hiphop",
    "classical",
    "metal",
    "pop",
    "punk",
    "soul",
    "electronica",
    "improv",
    "opera",
    "blues",
    "country",
    "drum-and-bass",
    "spoken-word",
    "musical",
    "cabaret",
];

const TAGS: [(&str, f64); 4] = [
    ("free", 0.08),
    ("outdoor", 0.05),
    ("all-ages", 0.15),
    ("late", 0.1),
];

/// The hidden taste of one user, as names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Taste {
    /// Index of the user's taste cluster.
    pub cluster: usize,
    /// Home city: most of the user's activity is there.
    pub home_city: String,
    /// Favourite genres.
    pub genres: Vec<String>,
    /// Favourite artists.
    pub artists: Vec<String>,
}

#[derive(Debug, Clone)]
struct Cluster {
    city: u32,
    genres: Vec<u32>,
    /// Hidden co-engagement groups the cluster likes (see [`SyntheticConfig::collaborative_signal`]).
    hidden: Vec<u32>,
}

#[derive(Debug, Clone)]
struct ItemMeta {
    city: u32,
    genres: Vec<u32>,
    artists: Vec<u32>,
    popularity: f64,
    /// `(popularity / max popularity)^0.3`, in `(0, 1]`.
    appeal: f64,
    /// Hidden co-engagement group, independent of the metadata.
    hidden: u32,
}

/// A generated dataset plus the hidden taste that produced it.
#[derive(Debug, Clone)]
pub struct Dataset {
    /// The (sanitised) config it was generated from.
    pub config: SyntheticConfig,
    /// City names, biggest first.
    pub cities: Vec<String>,
    /// Genre names, most popular first.
    pub genres: Vec<String>,
    /// The catalogue; `items[i].id == format!("e{i}")`.
    pub items: Vec<Item>,
    /// Onboarding preferences for most (not all) users, in user order; some are partial or empty.
    pub preferences: Vec<(String, Preferences)>,
    /// Implicit feedback sorted by timestamp (ties by user, item, kind index).
    pub interactions: Vec<Interaction>,
    clusters: Vec<Cluster>,
    user_cluster: Vec<u32>,
    user_artists: Vec<Vec<u32>>,
    meta: Vec<ItemMeta>,
    /// Artist names by index.
    artist_names: Vec<String>,
    /// Item id → index for catalogues whose ids are not `e{i}` (see [`Dataset::on_catalogue`]).
    index: HashMap<String, u32>,
}

fn name(list: &[&str], prefix: &str, i: usize) -> String {
    list.get(i)
        .map(|s| s.to_string())
        .unwrap_or_else(|| format!("{prefix}{i}"))
}

/// Parses `"{prefix}{n}"` with `n < len` (no sign, no leading zeros).
fn parse_index(id: &str, prefix: char, len: usize) -> Option<usize> {
    let digits = id.strip_prefix(prefix)?;
    if digits.is_empty()
        || digits.len() > 19
        || (digits.len() > 1 && digits.starts_with('0'))
        || !digits.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let n: usize = digits.parse().ok()?;
    (n < len).then_some(n)
}

impl Dataset {
    /// Generates the dataset described by `cfg` (after [`SyntheticConfig::sanitized`]).
    ///
    /// Runs the per-user interaction simulation in parallel (rayon); the result does not depend
    /// on the number of threads.
    pub fn generate(cfg: &SyntheticConfig) -> Dataset {
        let cfg = cfg.sanitized();
        let root = SplitMix64::new(cfg.seed);
        let catalogue = Catalogue::generate(&cfg, &root);
        Dataset::populate(cfg, &root, catalogue)
    }

    /// An engine built on the whole dataset (its events, every interaction and the stated
    /// preferences) under `config`: what a test or a demo of the generator's world starts from.
    pub fn engine(&self, config: crate::Config) -> crate::Result<crate::Engine> {
        crate::Engine::build(
            self.items.clone(),
            &self.interactions,
            self.preferences.clone(),
            config,
        )
    }

    /// Users, their hidden taste, preferences and interactions on `cat` (streams 3 to 6 of
    /// `root`).
    fn populate(cfg: SyntheticConfig, root: &SplitMix64, cat: Catalogue) -> Dataset {
        let mut cat = cat;
        let mut people = People::generate(&cfg, root, &cat);
        assign_hidden_groups(root, &mut cat.meta, &mut people.clusters, cat.genres.len());
        let preferences = people.preferences(&cfg, root, &cat);
        let interactions = people.simulate(&cfg, root, &cat);
        Dataset {
            config: cfg,
            cities: cat.cities,
            genres: cat.genres,
            items: cat.items,
            preferences,
            interactions,
            clusters: people.clusters,
            user_cluster: people.user_cluster,
            user_artists: people.user_artists,
            meta: cat.meta,
            artist_names: cat.artist_names,
            index: cat.index,
        }
    }

    /// Number of users (`u0 .. u{n-1}`); some may have no interactions.
    pub fn user_count(&self) -> usize {
        self.user_cluster.len()
    }

    /// The id of user number `index` (`"u{index}"`).
    pub fn user_id(index: usize) -> String {
        format!("u{index}")
    }

    /// Index of a user id of this dataset, or `None`.
    pub fn user_index(&self, user_id: &str) -> Option<usize> {
        parse_index(user_id, 'u', self.user_count())
    }

    /// Index of an item id of this dataset in [`Dataset::items`], or `None`.
    pub fn item_index(&self, item_id: &str) -> Option<usize> {
        if !self.index.is_empty() {
            return self.index.get(item_id).map(|&i| i as usize);
        }
        parse_index(item_id, 'e', self.items.len())
    }

    /// The hidden taste of a user, or `None` for an unknown id.
    pub fn taste(&self, user_id: &str) -> Option<Taste> {
        let u = self.user_index(user_id)?;
        let c = self.user_cluster[u] as usize;
        let cl = &self.clusters[c];
        Some(Taste {
            cluster: c,
            home_city: self.cities[cl.city as usize].clone(),
            genres: cl
                .genres
                .iter()
                .map(|&g| self.genres[g as usize].clone())
                .collect(),
            artists: self.user_artists[u]
                .iter()
                .filter_map(|&a| self.artist_names.get(a as usize).cloned())
                .collect(),
        })
    }

    /// How well an item matches a user's hidden taste, in `[0, 1]`, ignoring popularity:
    /// `city × min(1, genre + artist)` with city 1 at home and 0.2 elsewhere, genre 0.03 / 0.7 /
    /// 0.85 for 0 / 1 / 2+ shared genres, artist 0.4 when a favourite artist plays. When
    /// [`SyntheticConfig::content_signal`] `s < 1`, `genre + artist` is replaced by
    /// `s × (genre + artist) + (1 − s) × hidden`, with `hidden` the event's hidden-group factor
    /// (see [`SyntheticConfig::collaborative_signal`]). Out-of-range indices give 0.
    pub fn taste_match_by_index(&self, user: usize, item: usize) -> f64 {
        let (Some(&c), Some(m)) = (self.user_cluster.get(user), self.meta.get(item)) else {
            return 0.0;
        };
        taste_match(
            &self.config,
            m,
            &self.clusters[c as usize],
            &self.user_artists[user],
        )
    }

    /// The hidden probability-like chance, in `[0, 1]`, that the user converts (e.g. saves) when
    /// shown the item: [`Dataset::taste_match_by_index`] × the item's appeal
    /// (`(popularity / max popularity)^0.3`). Out-of-range indices give 0.
    pub fn affinity_by_index(&self, user: usize, item: usize) -> f64 {
        match self.meta.get(item) {
            Some(m) => self.taste_match_by_index(user, item) * m.appeal,
            None => 0.0,
        }
    }

    /// [`Dataset::affinity_by_index`] by ids; 0 for ids this dataset does not know.
    pub fn affinity(&self, user_id: &str, item_id: &str) -> f64 {
        match (self.user_index(user_id), self.item_index(item_id)) {
            (Some(u), Some(i)) => self.affinity_by_index(u, i),
            _ => 0.0,
        }
    }
}
