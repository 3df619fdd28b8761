//! The steps of a synthetic world: the catalogue (generated, or given in
//! [`super::Dataset::on_catalogue`]), the users, their preferences and their interactions.

use std::collections::HashMap;

use rayon::prelude::*;

use super::{
    cluster_weight, cumulative, name, pick, pick_distinct, sample_cum, shuffled, zipf_weights,
    Channel, Cluster, Interaction, Item, ItemMeta, Preferences, Raw, SplitMix64, SyntheticConfig,
    World, CITY_NAMES, DAY, GENRE_NAMES, KINDS, TAGS,
};

/// The catalogue side of a world: names, artists and events with their hidden metadata.
pub(super) struct Catalogue {
    pub(super) cities: Vec<String>,
    pub(super) genres: Vec<String>,
    pub(super) items: Vec<Item>,
    pub(super) meta: Vec<ItemMeta>,
    /// Main genre of every artist.
    pub(super) artist_genre: Vec<u32>,
    /// Zipf popularity of every artist.
    pub(super) artist_pop: Vec<f64>,
    /// Artist names (`artist-{a}` in generated catalogues).
    pub(super) artist_names: Vec<String>,
    /// Item id → index when ids are not `e{i}` (empty for generated catalogues).
    pub(super) index: HashMap<String, u32>,
    /// Most venues in one city.
    pub(super) venues_per_city: usize,
}

impl Catalogue {
    /// The generated catalogue (streams 1 and 2 of `root`).
    pub(super) fn generate(cfg: &SyntheticConfig, root: &SplitMix64) -> Catalogue {
        let mut world_rng = root.fork(1);
        let cities: Vec<String> = (0..cfg.cities)
            .map(|i| name(&CITY_NAMES, "city", i))
            .collect();
        let genres: Vec<String> = (0..cfg.genres)
            .map(|i| name(&GENRE_NAMES, "genre", i))
            .collect();
        let city_cum = cumulative(zipf_weights(cfg.cities, 1.0));
        let genre_cum = cumulative(zipf_weights(cfg.genres, 0.6));
        let venue_cum = cumulative(zipf_weights(cfg.venues_per_city, 0.8));

        let (artist_genre, artist_pop) = generated_artists(cfg, &genre_cum, &mut world_rng);
        let mut cat = Catalogue {
            cities,
            genres,
            items: Vec::with_capacity(cfg.items),
            meta: Vec::with_capacity(cfg.items),
            artist_genre,
            artist_pop,
            artist_names: (0..cfg.artists).map(|a| format!("artist-{a}")).collect(),
            index: HashMap::new(),
            venues_per_city: cfg.venues_per_city,
        };
        let pool = ArtistPool::new(&cat.artist_genre, &cat.artist_pop, cfg.genres);
        let mut item_rng = root.fork(2);
        let draws = Draws {
            city: city_cum,
            genre: genre_cum,
            venue: venue_cum,
        };
        for i in 0..cfg.items {
            let (item, meta) = cat.generated_item(cfg, i, &draws, &pool, &mut item_rng);
            cat.items.push(item);
            cat.meta.push(meta);
        }
        set_appeal(&mut cat.meta);
        cat
    }

    /// Generated event `i`: its city, venue, genres, artists (drawn from `pool`), time, tags
    /// and hidden popularity.
    fn generated_item(
        &self,
        cfg: &SyntheticConfig,
        i: usize,
        draws: &Draws,
        pool: &ArtistPool,
        rng: &mut SplitMix64,
    ) -> (Item, ItemMeta) {
        let span_days = (cfg.days + cfg.lookahead_days) as u64;
        let city = pick(&draws.city, rng) as u32;
        let venue = pick(&draws.venue, rng);
        let n_genres = match rng.next_f64() {
            x if x < 0.55 => 1,
            x if x < 0.9 => 2,
            _ => 3,
        };
        let item_genres = pick_distinct(&draws.genre, n_genres.min(cfg.genres), rng);
        let main = item_genres[0];
        let n_artists = if rng.chance(0.3) { 2 } else { 1 };
        let mut item_artists: Vec<u32> = Vec::with_capacity(2);
        for _ in 0..n_artists {
            let a = pool
                .pick(main, rng)
                .unwrap_or_else(|| rng.below(cfg.artists as u64) as u32);
            if !item_artists.contains(&a) {
                item_artists.push(a);
            }
        }
        let day = rng.below(span_days) as i64;
        let minute = 18 * 60 + 15 * rng.below(18) as i64; // 18:00 .. 22:15
        let starts_at = cfg.start + day * DAY + minute * 60;
        let ends_at = starts_at + 7_200 + 1_800 * rng.below(5) as i64;
        let tags: Vec<&str> = TAGS
            .iter()
            .filter(|(_, p)| rng.chance(*p))
            .map(|(t, _)| *t)
            .collect();
        let headliner = item_artists
            .iter()
            .map(|&a| self.artist_pop[a as usize])
            .fold(0.0, f64::max);
        let venue_size = 1.0 / (venue as f64 + 1.0).sqrt();
        let popularity = headliner * venue_size * (0.4 * rng.normal()).exp();
        let city_name = self.cities[city as usize].clone();
        let item = Item::new(format!("e{i}"), starts_at)
            .ends_at(ends_at)
            .city(city_name.clone())
            .venue(format!("{city_name}-venue-{venue}"))
            .genres(item_genres.iter().map(|&g| self.genres[g as usize].clone()))
            .artists(item_artists.iter().map(|&a| format!("artist-{a}")))
            .tags(tags);
        let meta = ItemMeta {
            city,
            genres: item_genres,
            artists: item_artists,
            popularity,
            appeal: 0.0,
            hidden: 0,
        };
        (item, meta)
    }
}

/// The cumulative weights events draw their city, genres and venue from.
struct Draws {
    city: Vec<f64>,
    genre: Vec<f64>,
    venue: Vec<f64>,
}

/// Generated artists' main genres and popularities: the first `genres` cover every genre once,
/// the rest follow genre popularity; popularity is Zipf over a shuffled rank.
fn generated_artists(
    cfg: &SyntheticConfig,
    genre_cum: &[f64],
    rng: &mut SplitMix64,
) -> (Vec<u32>, Vec<f64>) {
    let artist_genre: Vec<u32> = (0..cfg.artists)
        .map(|a| {
            if a < cfg.genres {
                a as u32
            } else {
                pick(genre_cum, rng) as u32
            }
        })
        .collect();
    let artist_pop = shuffled(cfg.artists, rng)
        .iter()
        .map(|&r| 1.0 / (r as f64 + 1.0).powf(cfg.zipf_exponent))
        .collect();
    (artist_genre, artist_pop)
}

/// `appeal = (popularity / max popularity)^0.3` (1 when every popularity is 0).
pub(super) fn set_appeal(meta: &mut [ItemMeta]) {
    let max_pop = meta.iter().map(|m| m.popularity).fold(0.0, f64::max);
    for m in meta {
        m.appeal = if max_pop > 0.0 {
            (m.popularity / max_pop).powf(0.3)
        } else {
            1.0
        };
    }
}

/// Artists grouped by main genre, drawn ∝ popularity.
struct ArtistPool {
    by_genre: Vec<Vec<u32>>,
    cum_by_genre: Vec<Vec<f64>>,
}

impl ArtistPool {
    fn new(artist_genre: &[u32], artist_pop: &[f64], genres: usize) -> Self {
        let mut by_genre: Vec<Vec<u32>> = vec![Vec::new(); genres];
        for (a, &g) in artist_genre.iter().enumerate() {
            if let Some(list) = by_genre.get_mut(g as usize) {
                list.push(a as u32);
            }
        }
        let cum_by_genre = by_genre
            .iter()
            .map(|list| cumulative(list.iter().map(|&a| artist_pop[a as usize])))
            .collect();
        ArtistPool {
            by_genre,
            cum_by_genre,
        }
    }

    /// An artist of genre `g` drawn ∝ popularity, or `None` if the genre has none.
    fn pick(&self, g: u32, rng: &mut SplitMix64) -> Option<u32> {
        let list = self.by_genre.get(g as usize)?;
        sample_cum(&self.cum_by_genre[g as usize], 0, list.len(), rng).map(|j| list[j])
    }
}

/// The users of a world: taste clusters, cluster of each user, favourite artists, activity.
pub(super) struct People {
    pub(super) clusters: Vec<Cluster>,
    pub(super) user_cluster: Vec<u32>,
    pub(super) user_artists: Vec<Vec<u32>>,
    activity: Vec<f64>,
}

impl People {
    /// Clusters (stream 3) and users (stream 4).
    pub(super) fn generate(cfg: &SyntheticConfig, root: &SplitMix64, cat: &Catalogue) -> People {
        let n_genres = cat.genres.len();
        let city_cum = cumulative(zipf_weights(cat.cities.len(), 1.0));
        let genre_cum = cumulative(zipf_weights(n_genres, 0.6));
        let pool = ArtistPool::new(&cat.artist_genre, &cat.artist_pop, n_genres);
        let mut cluster_rng = root.fork(3);
        let mut clusters = Vec::with_capacity(cfg.clusters);
        let mut cluster_pools: Vec<Vec<u32>> = Vec::with_capacity(cfg.clusters);
        for _ in 0..cfg.clusters {
            let rng = &mut cluster_rng;
            let city = pick(&city_cum, rng) as u32;
            let n = if rng.chance(0.5) { 2 } else { 3 };
            let cg = pick_distinct(&genre_cum, n.min(n_genres), rng);
            let mut artists = Vec::new();
            for _ in 0..16 {
                if artists.len() >= 8 || cg.is_empty() {
                    break;
                }
                let g = cg[rng.below(cg.len() as u64) as usize];
                if let Some(a) = pool.pick(g, rng) {
                    if !artists.contains(&a) {
                        artists.push(a);
                    }
                }
            }
            clusters.push(Cluster {
                city,
                genres: cg,
                hidden: Vec::new(),
            });
            cluster_pools.push(artists);
        }
        let cluster_cum = cumulative(zipf_weights(cfg.clusters, 0.5));
        let mut user_rng = root.fork(4);
        let mut people = People {
            clusters,
            user_cluster: Vec::with_capacity(cfg.users),
            user_artists: Vec::with_capacity(cfg.users),
            activity: Vec::with_capacity(cfg.users),
        };
        for _ in 0..cfg.users {
            let rng = &mut user_rng;
            let c = pick(&cluster_cum, rng);
            let favourites = &cluster_pools[c];
            let mut fav = Vec::new();
            if !favourites.is_empty() {
                for _ in 0..1 + rng.below(4) {
                    let a = favourites[rng.below(favourites.len() as u64) as usize];
                    if !fav.contains(&a) {
                        fav.push(a);
                    }
                }
            }
            if rng.chance(0.3) {
                let cg = &people.clusters[c].genres;
                if !cg.is_empty() {
                    if let Some(a) = pool.pick(cg[rng.below(cg.len() as u64) as usize], rng) {
                        if !fav.contains(&a) {
                            fav.push(a);
                        }
                    }
                }
            }
            people.user_cluster.push(c as u32);
            people.user_artists.push(fav);
            people
                .activity
                .push((cfg.activity_sigma * rng.normal()).exp());
        }
        people
    }

    /// Onboarding preferences: a noisy subset of the hidden taste (stream 5).
    pub(super) fn preferences(
        &self,
        cfg: &SyntheticConfig,
        root: &SplitMix64,
        cat: &Catalogue,
    ) -> Vec<(String, Preferences)> {
        let (cities, genres) = (&cat.cities, &cat.genres);
        let city_cum = cumulative(zipf_weights(cities.len(), 1.0));
        let genre_cum = cumulative(zipf_weights(genres.len(), 0.6));
        let mut pref_rng = root.fork(5);
        let mut preferences = Vec::new();
        for u in 0..cfg.users {
            let rng = &mut pref_rng;
            if !rng.chance(cfg.preference_share) {
                continue;
            }
            let cl = &self.clusters[self.user_cluster[u] as usize];
            let mut p = Preferences::default();
            for &g in &cl.genres {
                if rng.chance(0.7) {
                    p.genres.push(genres[g as usize].clone());
                }
            }
            if rng.chance(0.15) {
                let g = pick(&genre_cum, rng);
                if !p.genres.contains(&genres[g]) {
                    p.genres.push(genres[g].clone());
                }
            }
            for &a in &self.user_artists[u] {
                if rng.chance(0.4) {
                    p.artists.push(artist_name(cat, a));
                }
            }
            if rng.chance(0.8) {
                p.cities.push(cities[cl.city as usize].clone());
            }
            if rng.chance(0.1) {
                let c = pick(&city_cum, rng);
                if !p.cities.contains(&cities[c]) {
                    p.cities.push(cities[c].clone());
                }
            }
            preferences.push((format!("u{u}"), p));
        }
        preferences
    }

    /// The interaction log (stream 6), sorted by time.
    pub(super) fn simulate(
        &self,
        cfg: &SyntheticConfig,
        root: &SplitMix64,
        cat: &Catalogue,
    ) -> Vec<Interaction> {
        let items = &cat.items;
        let ch = self.channels(cfg, cat);
        let n = if items.is_empty() {
            0
        } else {
            cfg.interactions
        };
        let bounds = activity_bounds(&self.activity, n);
        let world = World {
            cfg,
            meta: &cat.meta,
            clusters: &self.clusters,
            user_cluster: &self.user_cluster,
            user_artists: &self.user_artists,
            global: &ch.global,
            artist_channels: &ch.artists,
            cluster_channels: &ch.clusters,
            city_channels: &ch.cities,
        };
        let sim_root = root.fork(6);
        let mut raw: Vec<Raw> = (0..cfg.users)
            .into_par_iter()
            .flat_map_iter(|u| {
                let count = bounds[u + 1] - bounds[u];
                world.simulate_user(u, count, sim_root.fork(u as u64))
            })
            .collect();
        raw.par_sort_unstable_by_key(|r| (r.ts, r.user, r.item, r.kind));
        raw.par_iter()
            .map(|r| Interaction {
                user_id: format!("u{}", r.user),
                item_id: items[r.item as usize].id.clone(),
                kind: KINDS[r.kind as usize].to_string(),
                timestamp: r.ts,
                rank: None,
            })
            .collect()
    }

    /// The channels users draw events from: all events, each artist's and each city's
    /// ∝ popularity, and each taste cluster's ∝ its weight.
    fn channels(&self, cfg: &SyntheticConfig, cat: &Catalogue) -> Channels {
        let (items, meta) = (&cat.items, &cat.meta);
        let global = Channel::build(
            meta.iter()
                .zip(items)
                .enumerate()
                .map(|(i, (m, it))| (it.starts_at, i as u32, m.popularity))
                .collect(),
        );
        let mut by_artist: Vec<Vec<(i64, u32, f64)>> = vec![Vec::new(); cat.artist_genre.len()];
        let mut by_city: Vec<Vec<u32>> = vec![Vec::new(); cat.cities.len()];
        for (i, m) in meta.iter().enumerate() {
            for &a in &m.artists {
                by_artist[a as usize].push((items[i].starts_at, i as u32, m.popularity));
            }
            by_city[m.city as usize].push(i as u32);
        }
        let artists: Vec<Channel> = by_artist.into_iter().map(Channel::build).collect();
        let cities: Vec<Channel> = if cfg.popularity_share > 0.0 {
            by_city
                .iter()
                .map(|list| {
                    let popularity =
                        |&i: &u32| (items[i as usize].starts_at, i, meta[i as usize].popularity);
                    Channel::build(list.iter().map(popularity).collect())
                })
                .collect()
        } else {
            Vec::new()
        };
        let clusters: Vec<Channel> = self
            .clusters
            .par_iter()
            .map(|cl| {
                Channel::build(
                    by_city[cl.city as usize]
                        .iter()
                        .map(|&i| {
                            let m = &meta[i as usize];
                            let w = cluster_weight(cfg, m, cl);
                            (items[i as usize].starts_at, i, w)
                        })
                        .collect(),
                )
            })
            .collect();
        Channels {
            global,
            artists,
            clusters,
            cities,
        }
    }
}

/// The channels of [`People::channels`], as [`World`] borrows them.
struct Channels {
    global: Channel,
    artists: Vec<Channel>,
    clusters: Vec<Channel>,
    cities: Vec<Channel>,
}

/// The name of artist `a`: `artist-{a}` in generated catalogues, the feed's name otherwise.
fn artist_name(cat: &Catalogue, a: u32) -> String {
    cat.artist_names
        .get(a as usize)
        .cloned()
        .unwrap_or_default()
}

/// Heavy-tailed activity, allocated so that the counts add up exactly to `n`: user `u` gets
/// `bounds[u + 1] - bounds[u]` interactions.
fn activity_bounds(activity: &[f64], n: usize) -> Vec<usize> {
    let total_activity: f64 = activity.iter().sum();
    let mut bounds = Vec::with_capacity(activity.len() + 1);
    bounds.push(0usize);
    let mut acc = 0.0;
    for (u, w) in activity.iter().enumerate() {
        acc += w;
        let b = if u + 1 == activity.len() {
            n
        } else if total_activity > 0.0 {
            ((n as f64 * acc / total_activity) as usize).min(n)
        } else {
            0
        };
        let prev = *bounds.last().unwrap_or(&0);
        bounds.push(b.max(prev));
    }
    bounds
}
