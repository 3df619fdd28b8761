//! The generator's knobs and their presets.

use serde::{Deserialize, Serialize};

use super::DAY;
use crate::data::interaction::MAX_TIMESTAMP;
use crate::limits::{
    MAX_SYNTHETIC_INTERACTIONS, MAX_SYNTHETIC_ITEMS, MAX_SYNTHETIC_NAMES, MAX_SYNTHETIC_USERS,
};

/// Knobs of the generator. Use a preset ([`SyntheticConfig::small`], ...) and adjust fields.
///
/// Out-of-range values never panic: [`Dataset::generate`](super::Dataset::generate) clamps them (counts of cities, genres,
/// clusters, artists and venues to `1..=`[`MAX_SYNTHETIC_NAMES`], users, items and interactions
/// to [`MAX_SYNTHETIC_USERS`], [`MAX_SYNTHETIC_ITEMS`] and [`MAX_SYNTHETIC_INTERACTIONS`],
/// shares to `0..=1`, `start` so that the whole period lies within valid timestamps). The clamped config is stored in [`Dataset::config`](super::Dataset::config).
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
    /// How much the events' metadata reveal taste, in `0..=1`. At 1 (the default) a cluster's
    /// draws follow its genres and users follow their favourite artists; at 0 genres and
    /// artists are independent of taste, which then follows only the hidden co-engagement
    /// groups (see `collaborative_signal`); in between, the two are mixed in that proportion
    /// (the artist draws happen on `artist_share × content_signal` of the interactions).
    #[serde(default = "one")]
    pub content_signal: f64,
    /// How sharply the hidden co-engagement groups separate, in `0..=1`: the part of taste the
    /// metadata do not reveal (active when `content_signal < 1`). Every event belongs to one
    /// hidden group drawn independently of its metadata, every cluster likes 2–3 groups; an
    /// event outside them weighs `0.85 − 0.82 × collaborative_signal` against 0.85 inside. At 1
    /// (the default) the groups separate as sharply as genres do; at 0 there is no hidden
    /// structure, so with `content_signal = 0` choices follow popularity within the home city.
    #[serde(default = "one")]
    pub collaborative_signal: f64,
    /// Share of interactions drawn ∝ popularity alone among the events of the user's home city
    /// (no taste involved; default 0). `explore_share + artist_share + popularity_share ≤ 1`.
    #[serde(default)]
    pub popularity_share: f64,
}

fn one() -> f64 {
    1.0
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
            content_signal: 1.0,
            collaborative_signal: 1.0,
            popularity_share: 0.0,
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
        c.content_signal = share(c.content_signal, 1.0);
        c.collaborative_signal = share(c.collaborative_signal, 1.0);
        c.popularity_share = share(c.popularity_share, 0.0)
            .min(1.0 - c.artist_share - c.explore_share)
            .max(0.0);
        c
    }

    /// End of the simulated period (exclusive), unix seconds.
    pub fn end(&self) -> i64 {
        self.start + self.days as i64 * DAY
    }
}
