//! Synthetic users and interactions on a given catalogue (e.g. events imported from feeds).

use std::collections::HashMap;

use super::{
    set_appeal, Catalogue, Dataset, Item, ItemMeta, SplitMix64, SyntheticConfig,
    MAX_SYNTHETIC_ITEMS,
};

impl Dataset {
    /// Simulates users on the events of `items` instead of generated ones: the same taste
    /// clusters, users, onboarding preferences and interaction model as [`Dataset::generate`]
    /// (so [`Dataset::affinity`] is the hidden truth of the simulation), with the world read
    /// from the catalogue:
    ///
    /// * cities, genres and artists are those of the items, ranked by how many events have them
    ///   (an event without a city is in the city `""`); an artist's genre is the first genre of
    ///   the first event listing them;
    /// * an event's hidden popularity is its headliner's Zipf popularity (by rank of the artist's
    ///   event count; events without artists count as the least popular artist) × the venue's
    ///   size (`rank^-0.5` by event count within the city) × log-normal noise (σ 0.4);
    /// * interactions happen during `cfg.start .. cfg.end()` on events starting within
    ///   `cfg.lookahead_days` after them, as in [`Dataset::generate`]: choose `start`, `days` and
    ///   `lookahead_days` so that the events' dates fall in that window.
    ///
    /// `cfg.users`, `interactions`, `clusters`, the shares, `zipf_exponent`, `activity_sigma`,
    /// `seed` and the period are used; `items`, `cities`, `genres`, `artists` and
    /// `venues_per_city` are replaced by the catalogue's counts in [`Dataset::config`]. Items
    /// beyond [`MAX_SYNTHETIC_ITEMS`] are dropped; ids stay as given, and interactions refer to
    /// them (a repeated id keeps its first event).
    ///
    /// ```
    /// use craic_core::synthetic::{Dataset, SyntheticConfig};
    /// use craic_core::Item;
    /// let start = 1_900_000_000;
    /// let items: Vec<Item> = (0..20)
    ///     .map(|i| {
    ///         Item::new(format!("tm:{i}"), start + 86_400 * (40 + i))
    ///             .city(if i % 2 == 0 { "Dublin" } else { "Cork" })
    ///             .genres([if i % 3 == 0 { "folk" } else { "rock" }])
    ///             .artists([format!("Band {}", i % 7)])
    ///     })
    ///     .collect();
    /// let cfg = SyntheticConfig { users: 50, interactions: 500, start, days: 30,
    ///     lookahead_days: 60, ..SyntheticConfig::tiny() };
    /// let data = Dataset::on_catalogue(&cfg, items);
    /// assert_eq!(data.interactions.len(), 500);
    /// assert!(data.interactions.iter().all(|x| x.item_id.starts_with("tm:")));
    /// assert!(data.affinity("u0", "tm:3") > 0.0);
    /// assert_eq!(data.config.cities, 2);
    /// ```
    pub fn on_catalogue(cfg: &SyntheticConfig, mut items: Vec<Item>) -> Dataset {
        items.truncate(MAX_SYNTHETIC_ITEMS);
        let mut cfg = cfg.sanitized();
        let root = SplitMix64::new(cfg.seed);
        let cat = Catalogue::from_items(items, &root, cfg.zipf_exponent);
        cfg.items = cat.items.len();
        cfg.cities = cat.cities.len();
        cfg.genres = cat.genres.len();
        cfg.artists = cat.artist_names.len();
        cfg.venues_per_city = cat.venues_per_city;
        Dataset::populate(cfg, &root, cat)
    }
}

/// Names ranked by how often they occur (most first, ties by name), and name → rank.
fn ranked<'a>(names: impl Iterator<Item = &'a str>) -> (Vec<String>, HashMap<String, u32>) {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for n in names {
        *counts.entry(n).or_default() += 1;
    }
    let mut list: Vec<(&str, usize)> = counts.into_iter().collect();
    list.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let names: Vec<String> = list.into_iter().map(|(n, _)| n.to_string()).collect();
    let rank = names
        .iter()
        .enumerate()
        .map(|(i, n)| (n.clone(), i as u32))
        .collect();
    (names, rank)
}

/// Indices of `names` in `rank`, without repeats, in order.
fn indices(names: &[String], rank: &HashMap<String, u32>) -> Vec<u32> {
    let mut out: Vec<u32> = Vec::with_capacity(names.len());
    for n in names {
        if let Some(&i) = rank.get(n) {
            if !out.contains(&i) {
                out.push(i);
            }
        }
    }
    out
}

impl Catalogue {
    /// The world of a given catalogue (stream 2 of `root` for the popularity noise).
    fn from_items(items: Vec<Item>, root: &SplitMix64, zipf_exponent: f64) -> Catalogue {
        let (mut cities, city_rank) = ranked(items.iter().map(|it| it.city.as_str()));
        let (mut genres, genre_rank) = ranked(
            items
                .iter()
                .flat_map(|it| it.genres.iter().map(String::as_str)),
        );
        let (artist_names, artist_rank) = ranked(
            items
                .iter()
                .flat_map(|it| it.artists.iter().map(String::as_str)),
        );
        if cities.is_empty() {
            cities.push(String::new());
        }
        if genres.is_empty() {
            genres.push("other".to_string());
        }
        let artist_pop: Vec<f64> = (0..artist_names.len())
            .map(|r| 1.0 / (r as f64 + 1.0).powf(zipf_exponent))
            .collect();
        let mut artist_genre: Vec<Option<u32>> = vec![None; artist_names.len()];
        let (venue_rank, venues_per_city) = venue_ranks(&items);
        let least = 1.0 / (artist_names.len() as f64 + 1.0).powf(zipf_exponent);
        let mut rng = root.fork(2);
        let mut meta = Vec::with_capacity(items.len());
        let mut index = HashMap::with_capacity(items.len());
        for (i, it) in items.iter().enumerate() {
            index.entry(it.id.clone()).or_insert(i as u32);
            let genres = indices(&it.genres, &genre_rank);
            let artists = indices(&it.artists, &artist_rank);
            for &a in &artists {
                let slot = &mut artist_genre[a as usize];
                if slot.is_none() {
                    *slot = Some(genres.first().copied().unwrap_or(0));
                }
            }
            let headliner = artists
                .iter()
                .map(|&a| artist_pop[a as usize])
                .fold(least, f64::max);
            let venue = venue_rank
                .get(&(it.city.as_str(), it.venue.as_str()))
                .copied()
                .unwrap_or(0);
            let venue_size = 1.0 / (venue as f64 + 1.0).sqrt();
            meta.push(ItemMeta {
                city: city_rank.get(&it.city).copied().unwrap_or(0),
                genres,
                artists,
                popularity: headliner * venue_size * (0.4 * rng.normal()).exp(),
                appeal: 0.0,
                hidden: 0,
            });
        }
        set_appeal(&mut meta);
        Catalogue {
            cities,
            genres,
            items,
            meta,
            artist_genre: artist_genre.into_iter().map(|g| g.unwrap_or(0)).collect(),
            artist_pop,
            artist_names,
            index,
            venues_per_city,
        }
    }
}

/// Rank of every (city, venue) by event count within its city, and the most venues of a city.
fn venue_ranks(items: &[Item]) -> (HashMap<(&str, &str), usize>, usize) {
    let mut counts: HashMap<(&str, &str), usize> = HashMap::new();
    for it in items {
        *counts
            .entry((it.city.as_str(), it.venue.as_str()))
            .or_default() += 1;
    }
    let mut list: Vec<((&str, &str), usize)> = counts.into_iter().collect();
    list.sort_unstable_by(|a, b| {
        a.0 .0
            .cmp(b.0 .0)
            .then(b.1.cmp(&a.1))
            .then(a.0 .1.cmp(b.0 .1))
    });
    let mut ranks = HashMap::with_capacity(list.len());
    let mut most = 0;
    let mut current: Option<&str> = None;
    let mut r = 0;
    for ((city, venue), _) in list {
        if current != Some(city) {
            current = Some(city);
            r = 0;
        }
        ranks.insert((city, venue), r);
        r += 1;
        most = most.max(r);
    }
    (ranks, most)
}
