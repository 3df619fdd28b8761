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
mod world;

use world::{set_appeal, Catalogue, People};

use std::collections::HashMap;
use std::io::{self, Write};

use serde::{Deserialize, Serialize};

use crate::data::interaction::{Interaction, CLICK, HIDE, MAX_TIMESTAMP, SAVE};
use crate::data::item::{Item, Preferences};
use crate::limits::{
    MAX_SYNTHETIC_INTERACTIONS, MAX_SYNTHETIC_ITEMS, MAX_SYNTHETIC_NAMES, MAX_SYNTHETIC_USERS,
};
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

/// Knobs of the generator. Use a preset ([`SyntheticConfig::small`], ...) and adjust fields.
///
/// Out-of-range values never panic: [`Dataset::generate`] clamps them (counts of cities, genres,
/// clusters, artists and venues to `1..=`[`MAX_SYNTHETIC_NAMES`], users, items and interactions
/// to [`MAX_SYNTHETIC_USERS`], [`MAX_SYNTHETIC_ITEMS`] and [`MAX_SYNTHETIC_INTERACTIONS`],
/// shares to `0..=1`, `start` so that the whole period lies within valid timestamps). The clamped config is stored in [`Dataset::config`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyntheticConfig {
    /// Seed of every random choice.
    pub seed: u64,
    /// Number of users (`u0` ..).
    pub users: usize,
    /// Number of events (`e0` ..).
    pub items: usize,
    /// Number of interactions (exact, unless `users` or `items` is 0).
    pub interactions: usize,
    /// Number of cities (names from [`CITY_NAMES`], then `cityN`).
    pub cities: usize,
    /// Number of genres (names from [`GENRE_NAMES`], then `genreN`).
    pub genres: usize,
    /// Number of artists (`artist-0` ..).
    pub artists: usize,
    /// Venues per city (`dublin-venue-0` ..).
    pub venues_per_city: usize,
    /// Number of hidden taste clusters.
    pub clusters: usize,
    /// Start of the simulated period, unix seconds.
    pub start: i64,
    /// Length of the simulated period in days; interactions fall inside it.
    pub days: u32,
    /// Users act on events starting at most this many days ahead. Events start from `start` to
    /// `start + days + lookahead_days`, so there are upcoming events at the end of the period.
    pub lookahead_days: u32,
    /// Share of users with an onboarding preferences row (some of those rows are partial or empty).
    pub preference_share: f64,
    /// Share of interactions on events of a favourite artist, in any city.
    pub artist_share: f64,
    /// Share of interactions drawn by popularity alone, in any city (exploration and noise).
    pub explore_share: f64,
    /// Zipf exponent of artist popularity, which drives event popularity (higher = more
    /// concentrated).
    pub zipf_exponent: f64,
    /// Sigma of the log-normal user activity (higher = heavier tail).
    pub activity_sigma: f64,
}

impl Default for SyntheticConfig {
    /// The same as [`SyntheticConfig::small`].
    fn default() -> Self {
        SyntheticConfig::small()
    }
}

impl SyntheticConfig {
    /// The names of the presets, smallest first.
    pub const PRESETS: [&'static str; 4] = ["tiny", "small", "medium", "large"];

    /// A preset by name (`"tiny"`, `"small"`, `"medium"`, `"large"`); another name is
    /// [`crate::Error::InvalidConfig`].
    pub fn preset(name: &str) -> crate::Result<Self> {
        match name {
            "tiny" => Ok(Self::tiny()),
            "small" => Ok(Self::small()),
            "medium" => Ok(Self::medium()),
            "large" => Ok(Self::large()),
            other => Err(crate::Error::InvalidConfig(format!(
                "unknown synthetic preset {other:?} (expected one of {:?})",
                Self::PRESETS
            ))),
        }
    }

    /// 200 users, 80 events, 2 000 interactions: for doc tests and quick checks.
    pub fn tiny() -> Self {
        SyntheticConfig {
            users: 200,
            items: 80,
            interactions: 2_000,
            cities: 2,
            genres: 8,
            artists: 30,
            venues_per_city: 4,
            clusters: 6,
            days: 60,
            ..SyntheticConfig::small()
        }
    }

    /// 2 000 users, 500 events, 40 000 interactions over 90 days: fast in debug tests.
    pub fn small() -> Self {
        SyntheticConfig {
            seed: 42,
            users: 2_000,
            items: 500,
            interactions: 40_000,
            cities: 4,
            genres: 12,
            artists: 150,
            venues_per_city: 8,
            clusters: 16,
            start: 1_767_225_600, // 2026-01-01T00:00:00Z
            days: 90,
            lookahead_days: 30,
            preference_share: 0.75,
            artist_share: 0.1,
            explore_share: 0.12,
            zipf_exponent: 0.5,
            activity_sigma: 1.2,
        }
    }

    /// 100 000 users, 20 000 events, 2 000 000 interactions over 180 days.
    pub fn medium() -> Self {
        SyntheticConfig {
            users: 100_000,
            items: 20_000,
            interactions: 2_000_000,
            cities: 8,
            genres: 20,
            artists: 4_000,
            venues_per_city: 40,
            clusters: 120,
            days: 180,
            ..SyntheticConfig::small()
        }
    }

    /// 1 000 000 users, 100 000 events, 20 000 000 interactions over a year (several GiB as
    /// `Interaction`s).
    pub fn large() -> Self {
        SyntheticConfig {
            users: 1_000_000,
            items: 100_000,
            interactions: 20_000_000,
            cities: 12,
            genres: 24,
            artists: 20_000,
            venues_per_city: 120,
            clusters: 400,
            days: 365,
            ..SyntheticConfig::small()
        }
    }

    /// This config with another seed.
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// A copy with every value clamped into its usable range (see the type's docs).
    pub fn sanitized(&self) -> Self {
        let share = |x: f64, default: f64| {
            if x.is_nan() {
                default
            } else {
                x.clamp(0.0, 1.0)
            }
        };
        let positive = |x: f64, default: f64| {
            if x.is_finite() && x >= 0.0 {
                x.min(10.0)
            } else {
                default
            }
        };
        let mut c = self.clone();
        c.cities = c.cities.clamp(1, MAX_SYNTHETIC_NAMES);
        c.genres = c.genres.clamp(1, MAX_SYNTHETIC_NAMES);
        c.artists = c.artists.clamp(1, MAX_SYNTHETIC_NAMES);
        c.venues_per_city = c.venues_per_city.clamp(1, MAX_SYNTHETIC_NAMES);
        c.clusters = c.clusters.clamp(1, MAX_SYNTHETIC_NAMES);
        c.users = c.users.min(MAX_SYNTHETIC_USERS);
        c.items = c.items.min(MAX_SYNTHETIC_ITEMS);
        c.interactions = c.interactions.min(MAX_SYNTHETIC_INTERACTIONS);
        c.days = c.days.clamp(1, 36_500);
        c.lookahead_days = c.lookahead_days.clamp(1, 3_650);
        let span = (c.days as i64 + c.lookahead_days as i64 + 1) * DAY;
        c.start = c.start.clamp(0, (MAX_TIMESTAMP - span).max(0));
        c.preference_share = share(c.preference_share, 0.75);
        c.artist_share = share(c.artist_share, 0.1);
        c.explore_share = share(c.explore_share, 0.12).min(1.0 - c.artist_share);
        c.zipf_exponent = positive(c.zipf_exponent, 0.5);
        c.activity_sigma = positive(c.activity_sigma, 1.2);
        c
    }

    /// End of the simulated period (exclusive), unix seconds.
    pub fn end(&self) -> i64 {
        self.start + self.days as i64 * DAY
    }
}

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
}

#[derive(Debug, Clone)]
struct ItemMeta {
    city: u32,
    genres: Vec<u32>,
    artists: Vec<u32>,
    popularity: f64,
    /// `(popularity / max popularity)^0.3`, in `(0, 1]`.
    appeal: f64,
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

/// Cumulative weights of a time-sorted list of items, for sampling in a start-time window.
#[derive(Debug, Default)]
struct Channel {
    starts: Vec<i64>,
    members: Vec<u32>,
    cum: Vec<f64>,
}

impl Channel {
    fn build(mut entries: Vec<(i64, u32, f64)>) -> Self {
        entries.sort_unstable_by_key(|e| (e.0, e.1));
        let mut cum = Vec::with_capacity(entries.len() + 1);
        let mut total = 0.0;
        cum.push(0.0);
        for e in &entries {
            total += e.2.max(0.0);
            cum.push(total);
        }
        Channel {
            starts: entries.iter().map(|e| e.0).collect(),
            members: entries.iter().map(|e| e.1).collect(),
            cum,
        }
    }

    /// An item starting in `(after, until]`, drawn ∝ weight.
    fn sample(&self, rng: &mut SplitMix64, after: i64, until: i64) -> Option<u32> {
        let lo = self.starts.partition_point(|&s| s <= after);
        let hi = self.starts.partition_point(|&s| s <= until);
        sample_cum(&self.cum, lo, hi, rng).map(|j| self.members[j])
    }
}

/// Index in `lo..hi` drawn ∝ `cum[j + 1] - cum[j]`, or `None` when the range has no weight.
fn sample_cum(cum: &[f64], lo: usize, hi: usize, rng: &mut SplitMix64) -> Option<usize> {
    if lo >= hi || hi >= cum.len() {
        return None;
    }
    let total = cum[hi] - cum[lo];
    if total.is_nan() || total <= 0.0 {
        return None;
    }
    let x = cum[lo] + rng.next_f64() * total;
    let j = lo + cum[lo + 1..=hi].partition_point(|&c| c <= x);
    Some(j.min(hi - 1))
}

/// Cumulative array of `weights` (with a leading 0).
fn cumulative(weights: impl IntoIterator<Item = f64>) -> Vec<f64> {
    let mut cum = vec![0.0];
    let mut total = 0.0;
    for w in weights {
        total += w;
        cum.push(total);
    }
    cum
}

fn pick(cum: &[f64], rng: &mut SplitMix64) -> usize {
    sample_cum(cum, 0, cum.len().saturating_sub(1), rng).unwrap_or(0)
}

/// Up to `n` distinct indices drawn ∝ weight (rejection of repeats, bounded tries).
fn pick_distinct(cum: &[f64], n: usize, rng: &mut SplitMix64) -> Vec<u32> {
    let mut out: Vec<u32> = Vec::with_capacity(n);
    for _ in 0..n * 8 {
        if out.len() >= n {
            break;
        }
        let j = pick(cum, rng) as u32;
        if !out.contains(&j) {
            out.push(j);
        }
    }
    out
}

fn zipf_weights(n: usize, exponent: f64) -> Vec<f64> {
    (0..n)
        .map(|r| 1.0 / ((r + 1) as f64).powf(exponent))
        .collect()
}

fn shuffled(n: usize, rng: &mut SplitMix64) -> Vec<u32> {
    let mut v: Vec<u32> = (0..n as u32).collect();
    for i in (1..n).rev() {
        let j = rng.below(i as u64 + 1) as usize;
        v.swap(i, j);
    }
    v
}

fn name(list: &[&str], prefix: &str, i: usize) -> String {
    list.get(i)
        .map(|s| s.to_string())
        .unwrap_or_else(|| format!("{prefix}{i}"))
}

/// Genre-match factor: 0.03 for no shared genre (people rarely go to a genre they do not care
/// for), 0.7 for one, 0.85 for more.
fn genre_factor(item_genres: &[u32], taste: &[u32]) -> f64 {
    match item_genres.iter().filter(|g| taste.contains(g)).count() {
        0 => 0.03,
        1 => 0.7,
        _ => 0.85,
    }
}

/// See [`Dataset::taste_match_by_index`].
fn taste_match(m: &ItemMeta, cluster: &Cluster, fav_artists: &[u32]) -> f64 {
    let city = if m.city == cluster.city { 1.0 } else { 0.2 };
    let genre = genre_factor(&m.genres, &cluster.genres);
    let artist = if m.artists.iter().any(|a| fav_artists.contains(a)) {
        0.4
    } else {
        0.0
    };
    (city * (genre + artist)).min(1.0)
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

#[derive(Debug, Clone, Copy)]
struct Raw {
    ts: i64,
    user: u32,
    item: u32,
    kind: u8,
}

const KINDS: [&str; 3] = [CLICK, SAVE, HIDE];

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

    /// Users, their hidden taste, preferences and interactions on `cat` (streams 3 to 6 of
    /// `root`).
    fn populate(cfg: SyntheticConfig, root: &SplitMix64, cat: Catalogue) -> Dataset {
        let people = People::generate(&cfg, root, &cat);
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
    /// `city × min(1, genre + artist)` with city 1 at home and 0.2 elsewhere, genre 0.1 / 0.7 /
    /// 0.85 for 0 / 1 / 2+ shared genres, artist 0.4 when a favourite artist plays.
    /// Out-of-range indices give 0.
    pub fn taste_match_by_index(&self, user: usize, item: usize) -> f64 {
        let (Some(&c), Some(m)) = (self.user_cluster.get(user), self.meta.get(item)) else {
            return 0.0;
        };
        taste_match(m, &self.clusters[c as usize], &self.user_artists[user])
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

    /// Writes the catalogue as CSV with a header row:
    /// `item_id,city,venue,genres,artists,starts_at,ends_at,tags`.
    ///
    /// `genres`, `artists` and `tags` are `|`-separated lists; `starts_at` / `ends_at` are unix
    /// seconds (`ends_at` empty when unknown). Fields are quoted RFC 4180 style when needed (the
    /// generated values never need it). Pass a buffered writer for speed.
    pub fn write_items_csv<W: Write>(&self, mut w: W) -> io::Result<()> {
        writeln!(
            w,
            "item_id,city,venue,genres,artists,starts_at,ends_at,tags"
        )?;
        for it in &self.items {
            writeln!(
                w,
                "{},{},{},{},{},{},{},{}",
                csv_field(&it.id),
                csv_field(&it.city),
                csv_field(&it.venue),
                csv_field(&it.genres.join("|")),
                csv_field(&it.artists.join("|")),
                it.starts_at,
                it.ends_at.map(|e| e.to_string()).unwrap_or_default(),
                csv_field(&it.tags.join("|")),
            )?;
        }
        w.flush()
    }

    /// Writes the onboarding preferences as CSV with a header row:
    /// `user_id,genres,artists,cities` (`|`-separated lists, possibly empty; the first city is the
    /// home city). Users without a row stated nothing at onboarding.
    pub fn write_preferences_csv<W: Write>(&self, mut w: W) -> io::Result<()> {
        writeln!(w, "user_id,genres,artists,cities")?;
        for (user, p) in &self.preferences {
            writeln!(
                w,
                "{},{},{},{}",
                csv_field(user),
                csv_field(&p.genres.join("|")),
                csv_field(&p.artists.join("|")),
                csv_field(&p.cities.join("|")),
            )?;
        }
        w.flush()
    }

    /// Writes the interactions as CSV with a header row: `user_id,item_id,kind,timestamp`
    /// (`kind` is `click`, `save` or `hide`; `timestamp` unix seconds), sorted by timestamp.
    pub fn write_interactions_csv<W: Write>(&self, mut w: W) -> io::Result<()> {
        writeln!(w, "user_id,item_id,kind,timestamp")?;
        for i in &self.interactions {
            writeln!(
                w,
                "{},{},{},{}",
                csv_field(&i.user_id),
                csv_field(&i.item_id),
                csv_field(&i.kind),
                i.timestamp
            )?;
        }
        w.flush()
    }

    /// The three CSV documents (items, preferences, interactions) as strings; see the
    /// `write_*_csv` methods for the columns. Meant for small datasets.
    pub fn to_csv(&self) -> (String, String, String) {
        let mut out = (Vec::new(), Vec::new(), Vec::new());
        // Writing into a Vec cannot fail.
        let _ = self.write_items_csv(&mut out.0);
        let _ = self.write_preferences_csv(&mut out.1);
        let _ = self.write_interactions_csv(&mut out.2);
        let s = |v: Vec<u8>| String::from_utf8(v).unwrap_or_default();
        (s(out.0), s(out.1), s(out.2))
    }
}

fn csv_field(s: &str) -> std::borrow::Cow<'_, str> {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\"")).into()
    } else {
        s.into()
    }
}

struct World<'a> {
    cfg: &'a SyntheticConfig,
    meta: &'a [ItemMeta],
    clusters: &'a [Cluster],
    user_cluster: &'a [u32],
    user_artists: &'a [Vec<u32>],
    global: &'a Channel,
    artist_channels: &'a [Channel],
    cluster_channels: &'a [Channel],
}

impl World<'_> {
    fn simulate_user(&self, u: usize, count: usize, mut rng: SplitMix64) -> Vec<Raw> {
        let cfg = self.cfg;
        let period = (cfg.days as i64 * DAY).max(1) as u64;
        let window = cfg.lookahead_days as i64 * DAY;
        let c = self.user_cluster[u] as usize;
        let cl = &self.clusters[c];
        let fav = &self.user_artists[u];
        let mut out = Vec::with_capacity(count);
        for _ in 0..count {
            let mut t = cfg.start + rng.below(period) as i64;
            let r = rng.next_f64();
            let until = t + window;
            let mut item = None;
            if r < cfg.explore_share {
                item = self.global.sample(&mut rng, t, until);
            } else if r < cfg.explore_share + cfg.artist_share && !fav.is_empty() {
                let a = fav[rng.below(fav.len() as u64) as usize];
                item = self.artist_channels[a as usize].sample(&mut rng, t, until);
            }
            let item = item
                .or_else(|| self.cluster_channels[c].sample(&mut rng, t, until))
                .or_else(|| self.global.sample(&mut rng, t, until))
                .or_else(|| self.global.sample(&mut rng, t, i64::MAX));
            let item = match item {
                Some(i) => i,
                None => {
                    // Nothing starts after `t`: act on the last event, shortly before it starts.
                    let Some((&s, &i)) = self.global.starts.last().zip(self.global.members.last())
                    else {
                        break;
                    };
                    let earliest = (s - window).max(cfg.start);
                    t = earliest + rng.below((s - earliest).max(1) as u64) as i64;
                    i
                }
            };
            let taste = taste_match(&self.meta[item as usize], cl, fav);
            let kind = if taste < 0.25 && rng.chance(0.2) {
                2
            } else if rng.chance(0.05 + 0.3 * taste) {
                1
            } else {
                0
            };
            out.push(Raw {
                ts: t,
                user: u as u32,
                item,
                kind,
            });
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    /// Before: `users` and `items` were clamped to `u32::MAX` only, which still sized
    /// allocations of tens of gigabytes.
    #[test]
    fn sizes_are_clamped_to_the_limits() {
        let huge = SyntheticConfig {
            users: usize::MAX,
            items: usize::MAX,
            interactions: usize::MAX,
            cities: usize::MAX,
            genres: usize::MAX,
            artists: usize::MAX,
            venues_per_city: usize::MAX,
            clusters: usize::MAX,
            ..SyntheticConfig::tiny()
        }
        .sanitized();
        assert_eq!(huge.users, MAX_SYNTHETIC_USERS);
        assert_eq!(huge.items, MAX_SYNTHETIC_ITEMS);
        assert_eq!(huge.interactions, MAX_SYNTHETIC_INTERACTIONS);
        for n in [
            huge.cities,
            huge.genres,
            huge.artists,
            huge.venues_per_city,
            huge.clusters,
        ] {
            assert_eq!(n, MAX_SYNTHETIC_NAMES);
        }
    }

    #[test]
    fn deterministic_for_a_seed_and_seed_sensitive() {
        let cfg = SyntheticConfig::tiny();
        let a = Dataset::generate(&cfg);
        let b = Dataset::generate(&cfg);
        assert_eq!(a.items, b.items);
        assert_eq!(a.preferences, b.preferences);
        assert_eq!(a.interactions, b.interactions);
        assert_eq!(a.to_csv(), b.to_csv());
        let c = Dataset::generate(&cfg.clone().with_seed(7));
        assert_ne!(a.interactions, c.interactions);
    }

    #[test]
    fn sizes_order_and_timing() {
        let cfg = SyntheticConfig::small();
        let d = Dataset::generate(&cfg);
        assert_eq!(d.items.len(), cfg.items);
        assert_eq!(d.user_count(), cfg.users);
        assert_eq!(d.interactions.len(), cfg.interactions);
        assert!(d
            .interactions
            .windows(2)
            .all(|w| w[0].timestamp <= w[1].timestamp));
        for i in &d.interactions {
            let item = &d.items[d.item_index(&i.item_id).expect("known item")];
            assert!(i.timestamp < item.starts_at, "{i:?} {item:?}");
            assert!(item.starts_at - i.timestamp <= cfg.lookahead_days as i64 * DAY);
            assert!(i.timestamp >= cfg.start && i.timestamp < cfg.end());
        }
        let kinds: HashSet<&str> = d.interactions.iter().map(|i| i.kind.as_str()).collect();
        assert_eq!(kinds, HashSet::from([CLICK, SAVE, HIDE]));
        let count = |k: &str| d.interactions.iter().filter(|i| i.kind == k).count();
        assert!(count(CLICK) > count(SAVE) && count(SAVE) > count(HIDE));
    }

    #[test]
    fn ids_and_items_are_valid() {
        let d = Dataset::generate(&SyntheticConfig::small());
        for (i, it) in d.items.iter().enumerate() {
            it.validate().unwrap();
            assert_eq!(it.id, format!("e{i}"));
            assert!(d.cities.contains(&it.city));
            assert!(it.venue.starts_with(&format!("{}-venue-", it.city)));
            assert!((1..=3).contains(&it.genres.len()));
            assert!((1..=2).contains(&it.artists.len()));
            assert!(it.genres.iter().all(|g| d.genres.contains(g)));
            let end = it.ends_at.unwrap();
            assert!(end > it.starts_at && end - it.starts_at <= 5 * 3600);
        }
        for i in &d.interactions {
            i.validate().unwrap();
            assert!(d.user_index(&i.user_id).is_some());
            assert!(d.item_index(&i.item_id).is_some());
        }
        assert_eq!(d.user_index("u0"), Some(0));
        assert_eq!(d.user_index("u01"), None);
        assert_eq!(d.user_index("u2000"), None);
        assert_eq!(d.item_index("e-1"), None);
        assert_eq!(d.item_index("u1"), None);
        assert_eq!(d.affinity("nobody", "e1"), 0.0);
        assert_eq!(d.affinity_by_index(usize::MAX, 0), 0.0);
    }

    #[test]
    fn preferences_are_partial_and_noisy_subsets() {
        let d = Dataset::generate(&SyntheticConfig::small());
        let n = d.user_count();
        let with = d.preferences.len();
        assert!(with > n / 2 && with < n, "{with} of {n}");
        assert!(d.preferences.iter().any(|(_, p)| p.genres.is_empty()));
        assert!(d.preferences.iter().any(|(_, p)| p.cities.is_empty()));
        let mut home_first = 0;
        for (u, p) in &d.preferences {
            let taste = d.taste(u).unwrap();
            if p.cities.first() == Some(&taste.home_city) {
                home_first += 1;
            }
            assert!(p.artists.iter().all(|a| taste.artists.contains(a)));
        }
        assert!(home_first * 10 > with * 7);
        // Most interactions are in the user's home city.
        let home = d
            .interactions
            .iter()
            .filter(|i| {
                let t = d.taste(&i.user_id).unwrap();
                d.items[d.item_index(&i.item_id).unwrap()].city == t.home_city
            })
            .count();
        assert!(home * 10 > d.interactions.len() * 7);
    }

    #[test]
    fn affinity_is_a_bounded_score_that_drives_saves() {
        let d = Dataset::generate(&SyntheticConfig::small());
        let mean = |kind: &str| {
            let v: Vec<f64> = d
                .interactions
                .iter()
                .filter(|i| i.kind == kind)
                .map(|i| d.affinity(&i.user_id, &i.item_id))
                .collect();
            assert!(v.iter().all(|a| (0.0..=1.0).contains(a)));
            v.iter().sum::<f64>() / v.len() as f64
        };
        assert!(mean(SAVE) > mean(CLICK));
        assert!(mean(CLICK) > mean(HIDE));
    }

    #[test]
    fn odd_configs_do_not_panic() {
        let mut cfg = SyntheticConfig::tiny();
        cfg.users = 0;
        assert!(Dataset::generate(&cfg).interactions.is_empty());
        let mut cfg = SyntheticConfig::tiny();
        cfg.items = 0;
        let d = Dataset::generate(&cfg);
        assert!(d.items.is_empty() && d.interactions.is_empty());
        let cfg = SyntheticConfig {
            users: 3,
            items: 1,
            interactions: 50,
            cities: 0,
            genres: 0,
            artists: 0,
            venues_per_city: 0,
            clusters: 0,
            start: i64::MAX,
            days: 0,
            lookahead_days: 0,
            preference_share: f64::NAN,
            artist_share: 2.0,
            explore_share: -1.0,
            zipf_exponent: f64::INFINITY,
            activity_sigma: f64::NAN,
            ..SyntheticConfig::tiny()
        };
        let d = Dataset::generate(&cfg);
        assert_eq!(d.interactions.len(), 50);
        for i in &d.interactions {
            i.validate().unwrap();
            assert!(i.timestamp < d.items[0].starts_at);
        }
        d.items[0].validate().unwrap();
        let mut cfg = SyntheticConfig::tiny();
        cfg.cities = 40;
        cfg.genres = 30;
        let d = Dataset::generate(&cfg);
        assert!(d.cities.contains(&"city39".to_string()));
        assert!(d.genres.contains(&"genre29".to_string()));
    }

    #[test]
    fn csv_has_documented_columns() {
        let d = Dataset::generate(&SyntheticConfig::tiny());
        let (items, prefs, inter) = d.to_csv();
        let first = |s: &str| s.lines().next().unwrap_or_default().to_string();
        assert_eq!(
            first(&items),
            "item_id,city,venue,genres,artists,starts_at,ends_at,tags"
        );
        assert_eq!(first(&prefs), "user_id,genres,artists,cities");
        assert_eq!(first(&inter), "user_id,item_id,kind,timestamp");
        assert_eq!(items.lines().count(), d.items.len() + 1);
        assert_eq!(prefs.lines().count(), d.preferences.len() + 1);
        assert_eq!(inter.lines().count(), d.interactions.len() + 1);
        assert!(items.lines().all(|l| l.split(',').count() == 8));
        let i = &d.interactions[0];
        assert_eq!(
            inter.lines().nth(1).unwrap(),
            format!("{},{},{},{}", i.user_id, i.item_id, i.kind, i.timestamp)
        );
        assert_eq!(csv_field("a,\"b\""), "\"a,\"\"b\"\"\"");
    }
}
