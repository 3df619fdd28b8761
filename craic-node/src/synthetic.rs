//! The synthetic event-discovery dataset: `generate(preset, options)` and the `Dataset` class.

use std::collections::HashMap;
use std::fs::File;
use std::io::BufWriter;
use std::path::PathBuf;
use std::sync::Arc;

use craic_core::synthetic::{Dataset as CoreDataset, SyntheticConfig as CoreConfig};
use craic_core::ErrorKind;
use napi::bindgen_prelude::{AsyncTask, Object};
use napi::Env;
use napi_derive::napi;

use crate::convert::{self, options, strict};
use crate::errors::{Fallible, Family, JsFailure, OrThrow};
use crate::values::{self, Interaction, Item, Preferences};
use crate::work::{spawn, Work};

options! {
    /// The generator's settings; every field overrides the preset's value.
    pub struct SyntheticConfig: "synthetic config" {
        /// Seed of every random choice (default 42).
        pub seed: [Option<f64>],
        /// Number of users (`u0` ..).
        pub users: [Option<f64>],
        /// Number of events (`e0` ..).
        pub items: [Option<f64>],
        /// Number of interactions.
        pub interactions: [Option<f64>],
        /// Number of cities.
        pub cities: [Option<f64>],
        /// Number of genres.
        pub genres: [Option<f64>],
        /// Number of artists.
        pub artists: [Option<f64>],
        /// Venues per city.
        pub venues_per_city: [Option<f64>],
        /// Number of hidden taste clusters.
        pub clusters: [Option<f64>],
        /// Start of the simulated period, unix seconds.
        pub start: [Option<f64>],
        /// Length of the simulated period in days.
        pub days: [Option<f64>],
        /// Users act on events starting at most this many days ahead.
        pub lookahead_days: [Option<f64>],
        /// Share of users with an onboarding preferences row.
        pub preference_share: [Option<f64>],
        /// Share of interactions on events of a favourite artist.
        pub artist_share: [Option<f64>],
        /// Share of interactions drawn by popularity alone.
        pub explore_share: [Option<f64>],
        /// Zipf exponent of artist popularity.
        pub zipf_exponent: [Option<f64>],
        /// Sigma of the log-normal user activity.
        pub activity_sigma: [Option<f64>],
        /// How much genres and artists reveal taste, 0..1 (default 1; 0 = not at all).
        pub content_signal: [Option<f64>],
        /// How sharply the hidden co-engagement groups separate, 0..1 (default 1).
        pub collaborative_signal: [Option<f64>],
        /// Share of interactions drawn by local popularity alone (default 0).
        pub popularity_share: [Option<f64>],
        /// A named world (`worldConfig`) the preset is changed into before the other settings
        /// apply; only read by `generate` (a dataset's `config` holds the resulting values).
        pub world: [Option<String>],
    }
}

fn whole<T: TryFrom<i64>>(v: Option<f64>, name: &str, default: T) -> Fallible<T> {
    match v {
        None => Ok(default),
        Some(v) => {
            let n = convert::whole(v, name, ErrorKind::InvalidConfig)?;
            T::try_from(n).map_err(|_| {
                JsFailure::invalid(
                    ErrorKind::InvalidConfig,
                    format!("{name} is out of range: {v}"),
                )
            })
        }
    }
}

impl SyntheticConfig {
    fn apply(self, mut c: CoreConfig) -> Fallible<CoreConfig> {
        c.seed = whole(self.seed, "seed", 42u64)?;
        c.users = whole(self.users, "users", c.users)?;
        c.items = whole(self.items, "items", c.items)?;
        c.interactions = whole(self.interactions, "interactions", c.interactions)?;
        c.cities = whole(self.cities, "cities", c.cities)?;
        c.genres = whole(self.genres, "genres", c.genres)?;
        c.artists = whole(self.artists, "artists", c.artists)?;
        c.venues_per_city = whole(self.venues_per_city, "venuesPerCity", c.venues_per_city)?;
        c.clusters = whole(self.clusters, "clusters", c.clusters)?;
        c.start = whole(self.start, "start", c.start)?;
        c.days = whole(self.days, "days", c.days)?;
        c.lookahead_days = whole(self.lookahead_days, "lookaheadDays", c.lookahead_days)?;
        c.preference_share = self.preference_share.unwrap_or(c.preference_share);
        c.artist_share = self.artist_share.unwrap_or(c.artist_share);
        c.explore_share = self.explore_share.unwrap_or(c.explore_share);
        c.zipf_exponent = self.zipf_exponent.unwrap_or(c.zipf_exponent);
        c.activity_sigma = self.activity_sigma.unwrap_or(c.activity_sigma);
        c.content_signal = self.content_signal.unwrap_or(c.content_signal);
        c.collaborative_signal = self.collaborative_signal.unwrap_or(c.collaborative_signal);
        c.popularity_share = self.popularity_share.unwrap_or(c.popularity_share);
        Ok(c)
    }
}

impl From<&CoreConfig> for SyntheticConfig {
    fn from(c: &CoreConfig) -> Self {
        SyntheticConfig {
            seed: Some(c.seed as f64),
            users: Some(c.users as f64),
            items: Some(c.items as f64),
            interactions: Some(c.interactions as f64),
            cities: Some(c.cities as f64),
            genres: Some(c.genres as f64),
            artists: Some(c.artists as f64),
            venues_per_city: Some(c.venues_per_city as f64),
            clusters: Some(c.clusters as f64),
            start: Some(c.start as f64),
            days: Some(f64::from(c.days)),
            lookahead_days: Some(f64::from(c.lookahead_days)),
            preference_share: Some(c.preference_share),
            artist_share: Some(c.artist_share),
            explore_share: Some(c.explore_share),
            zipf_exponent: Some(c.zipf_exponent),
            activity_sigma: Some(c.activity_sigma),
            content_signal: Some(c.content_signal),
            collaborative_signal: Some(c.collaborative_signal),
            popularity_share: Some(c.popularity_share),
            world: None,
        }
    }
}

/// The settings of a preset (`"tiny"`, `"small"` (default), `"medium"`, `"large"`).
#[napi(catch_unwind)]
pub fn preset_config(env: Env, preset: Option<String>) -> napi::Result<SyntheticConfig> {
    CoreConfig::preset(preset.as_deref().unwrap_or("small"))
        .map(|c| SyntheticConfig::from(&c))
        .or_throw(&env)
}

/// The settings of a named world (`"default"` (default), `"content-uninformative"`,
/// `"purely-collaborative"`, `"popularity-dominant"`, `"short-histories"`, `"long-histories"`)
/// made from a preset (default `"small"`).
#[napi(catch_unwind)]
pub fn world_config(
    env: Env,
    world: Option<String>,
    preset: Option<String>,
) -> napi::Result<SyntheticConfig> {
    CoreConfig::world(
        world.as_deref().unwrap_or("default"),
        preset.as_deref().unwrap_or("small"),
    )
    .map(|c| SyntheticConfig::from(&c))
    .or_throw(&env)
}

/// Generates a synthetic city off the JS thread: a preset (default `"small"`), changed into a
/// named world if `world` is given, with any settings overridden (`{seed: 7, users: 500}`; the
/// seed defaults to 42). Deterministic for a seed.
#[napi(catch_unwind, ts_return_type = "Promise<Dataset>")]
pub fn generate(
    env: Env,
    preset: Option<String>,
    #[napi(ts_arg_type = "SyntheticConfig")] options: Option<Object>,
) -> napi::Result<AsyncTask<Work<Dataset>>> {
    let options: SyntheticConfig = strict(&env, options)?.unwrap_or_default();
    let base = CoreConfig::world(
        options.world.as_deref().unwrap_or("default"),
        preset.as_deref().unwrap_or("small"),
    )
    .or_throw(&env)?;
    let config = options.apply(base).or_throw(&env)?;
    Ok(spawn(move || {
        Ok(Dataset {
            inner: Arc::new(CoreDataset::generate(&config)),
        })
    }))
}

/// Paths of the three CSV files `writeCsv` wrote.
#[napi(object)]
pub struct CsvFiles {
    /// `items.csv`.
    pub items: String,
    /// `preferences.csv`.
    pub preferences: String,
    /// `interactions.csv`.
    pub interactions: String,
}

/// A generated city: catalogue, onboarding preferences, interaction log, and the hidden
/// affinities that produced them.
#[napi]
pub struct Dataset {
    inner: Arc<CoreDataset>,
}

#[napi]
impl Dataset {
    /// The settings it was generated with (after clamping).
    #[napi(getter, catch_unwind)]
    pub fn config(&self) -> SyntheticConfig {
        SyntheticConfig::from(&self.inner.config)
    }

    /// The events.
    #[napi(catch_unwind)]
    pub fn items(&self) -> Vec<Item> {
        self.inner.items.iter().cloned().map(Item::from).collect()
    }

    /// Onboarding preferences, by user id.
    #[napi(catch_unwind)]
    pub fn preferences(&self) -> HashMap<String, Preferences> {
        self.inner
            .preferences
            .iter()
            .map(|(u, p)| (u.clone(), Preferences::from(p.clone())))
            .collect()
    }

    /// The interaction log, in time order.
    #[napi(catch_unwind)]
    pub fn interactions(&self) -> Vec<Interaction> {
        self.inner
            .interactions
            .iter()
            .cloned()
            .map(Interaction::from)
            .collect()
    }

    /// City names.
    #[napi(getter, catch_unwind)]
    pub fn cities(&self) -> Vec<String> {
        self.inner.cities.clone()
    }

    /// Genre names.
    #[napi(getter, catch_unwind)]
    pub fn genres(&self) -> Vec<String> {
        self.inner.genres.clone()
    }

    /// Number of users.
    #[napi(getter, catch_unwind)]
    pub fn user_count(&self) -> u32 {
        values::saturate(self.inner.user_count())
    }

    /// The hidden appeal of an item to a user (0 for unknown ids).
    #[napi(catch_unwind)]
    pub fn affinity(&self, user_id: String, item_id: String) -> f64 {
        self.inner.affinity(&user_id, &item_id)
    }

    /// The three CSV documents as strings (meant for small datasets).
    #[napi(catch_unwind)]
    pub fn to_csv(&self) -> Vec<String> {
        let (items, prefs, interactions) = self.inner.to_csv();
        vec![items, prefs, interactions]
    }

    /// Writes `items.csv`, `preferences.csv` and `interactions.csv` into `directory` (created
    /// if missing), off the JS thread; resolves to their paths. Rejects with `StorageError`
    /// (code `CRAIC_IO`) when a file cannot be written.
    #[napi(catch_unwind, ts_return_type = "Promise<CsvFiles>")]
    pub fn write_csv(&self, directory: String) -> AsyncTask<Work<CsvFiles>> {
        let data = Arc::clone(&self.inner);
        spawn(move || write_csv(&data, PathBuf::from(directory)))
    }
}

fn write_csv(data: &CoreDataset, directory: PathBuf) -> Fallible<CsvFiles> {
    let io = |e: std::io::Error| {
        JsFailure::new(
            Family::Storage,
            "io",
            format!("I/O error on {}: {e}", directory.display()),
        )
    };
    std::fs::create_dir_all(&directory).map_err(io)?;
    let path = |name: &str| directory.join(name);
    let open = |name: &str| File::create(path(name)).map(BufWriter::new);
    data.write_items_csv(open("items.csv").map_err(io)?)
        .map_err(io)?;
    data.write_preferences_csv(open("preferences.csv").map_err(io)?)
        .map_err(io)?;
    data.write_interactions_csv(open("interactions.csv").map_err(io)?)
        .map_err(io)?;
    let show = |name: &str| path(name).to_string_lossy().into_owned();
    Ok(CsvFiles {
        items: show("items.csv"),
        preferences: show("preferences.csv"),
        interactions: show("interactions.csv"),
    })
}
