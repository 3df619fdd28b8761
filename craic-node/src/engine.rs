//! The `Engine` class: the core engine shared between the JS thread and worker threads.
//!
//! Cheap calls (`recommend`, `neighbours`, `stats`, …) are synchronous; work that can take more
//! than a few milliseconds (`Engine.build`, `record`, `recommendMany`, snapshots) returns a
//! Promise and runs on libuv's thread pool, so the event loop keeps serving.

use std::collections::HashMap;
use std::sync::Arc;

use craic_core as core;
use napi::bindgen_prelude::{AsyncTask, Buffer, Float64Array, JsObjectValue, Object, Uint32Array};
use napi::Env;
use napi_derive::napi;

use crate::config::Config;
use crate::convert::{self, strict};
use crate::errors::{Fallible, OrThrow};
use crate::values::{
    self, Applied, BlendWeights, Interaction, Item, Neighbour, Preferences, RecommendOptions,
    Recommendation, Stats,
};
use crate::work::{spawn, Work};

/// The core configuration of an optional JS config object (strict names).
pub(crate) fn config(env: &Env, obj: Option<Object>) -> napi::Result<core::Config> {
    let options: Option<Config> = strict(env, obj)?;
    options.unwrap_or_default().into_core().or_throw(env)
}

/// The core request of optional recommend options (strict names).
pub(crate) fn request(env: &Env, obj: Option<Object>) -> napi::Result<core::Request> {
    let options: Option<RecommendOptions> = strict(env, obj)?;
    values::request(options).or_throw(env)
}

/// An item shown to a user and its decayed number of showings.
#[napi(object)]
pub struct Exposure {
    /// The item.
    pub item_id: String,
    /// Showings since the user last interacted with it, decayed to the time asked for.
    pub showings: f64,
}

/// The current time in unix seconds (the core has no clock).
pub(crate) fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// Describes a model snapshot: the caller's version id and creation time, what the engine held
/// when it was saved and the caller's training metrics.
#[napi(object, use_nullable = true)]
pub struct SnapshotMeta {
    /// Version id chosen by the caller (`""` if none).
    pub version: String,
    /// Creation time, unix seconds.
    pub created_at: f64,
    /// Latest interaction timestamp included, if any.
    pub watermark: Option<f64>,
    /// Interactions applied to the engine when it was saved.
    pub interactions: f64,
    /// Training metrics given when saving (e.g. `{"ndcg@10": 0.21}`).
    pub metrics: HashMap<String, f64>,
}

impl From<core::SnapshotMeta> for SnapshotMeta {
    fn from(m: core::SnapshotMeta) -> Self {
        SnapshotMeta {
            version: m.version,
            created_at: m.created_at as f64,
            watermark: m.watermark.map(|w| w as f64),
            interactions: m.interactions as f64,
            metrics: m.metrics.into_iter().collect(),
        }
    }
}

convert::options! {
    /// Options of `toSnapshot`.
    pub struct SnapshotOptions: "snapshot options" {
        /// A free-form version id.
        pub version: [Option<String>],
        /// Creation time, unix seconds (default: now).
        pub created_at: [Option<f64>],
        /// Training metrics to keep with the snapshot.
        pub metrics: [Option<HashMap<String, f64>>],
    }
}

/// An engine loaded from a snapshot, and the snapshot's metadata.
#[napi(object, object_from_js = false)]
pub struct LoadedSnapshot {
    /// The engine, serving exactly what the saved one served.
    pub engine: Engine,
    /// What the snapshot says about itself.
    pub meta: SnapshotMeta,
}

/// The interaction matrix in CSR form: row `r` is user `userIds[r]`, column `c` item
/// `itemIds[c]`; a cell is the user's current (decayed, kind-weighted) score of the item.
#[napi(object)]
pub struct InteractionMatrix {
    /// Row start offsets (`userIds.length + 1` entries).
    pub indptr: Uint32Array,
    /// Column of each stored cell.
    pub indices: Uint32Array,
    /// Value of each stored cell.
    pub data: Float64Array,
    /// `[rows, columns]`.
    pub shape: Vec<u32>,
    /// The user id of each row.
    pub user_ids: Vec<String>,
    /// The item id of each column.
    pub item_ids: Vec<String>,
}

/// The recommender: catalogue, interaction matrix, neighbourhoods and scorers.
///
/// Reads run concurrently with writes on worker threads; a batch is applied whole before any
/// reader sees it. A batch with a bad row is rejected whole: nothing changes and the error's
/// `row` is the row's index.
#[napi]
pub struct Engine {
    pub(crate) inner: Arc<core::Engine>,
}

impl Engine {
    pub(crate) fn wrap(inner: core::Engine) -> Self {
        Engine {
            inner: Arc::new(inner),
        }
    }
}

#[napi]
impl Engine {
    /// An empty engine with the given configuration (defaults for every field left out).
    #[napi(constructor, catch_unwind)]
    pub fn new(
        env: Env,
        #[napi(ts_arg_type = "Config")] config: Option<Object>,
    ) -> napi::Result<Self> {
        let config = self::config(&env, config)?;
        core::Engine::new(config).map(Engine::wrap).or_throw(&env)
    }

    /// Builds an engine in one go, off the JS thread: catalogue, preferences
    /// (`{userId: preferences}`), then every interaction, with one parallel build of all
    /// neighbour lists. Same result as recording the interactions one by one, much faster.
    /// `options`: `{preferences, config}`.
    #[napi(catch_unwind, ts_return_type = "Promise<Engine>")]
    pub fn build(
        env: Env,
        items: Vec<Item>,
        interactions: Vec<Interaction>,
        #[napi(ts_arg_type = "{ preferences?: Record<string, Preferences>, config?: Config }")]
        options: Option<Object>,
    ) -> napi::Result<AsyncTask<Work<Engine>>> {
        let (preferences, config) = match options {
            None => (None, None),
            Some(o) => {
                convert::known_keys(&env, &o, "build options", &["preferences", "config"])?;
                (
                    o.get_named_property("preferences")?,
                    o.get_named_property("config")?,
                )
            }
        };
        let config = self::config(&env, config)?;
        let items = values::items(items).or_throw(&env)?;
        let prefs = values::preferences_map(preferences);
        let rows = values::interactions(interactions).or_throw(&env)?;
        Ok(spawn(move || {
            core::Engine::build(items, &rows, prefs, config)
                .map(Engine::wrap)
                .map_err(Into::into)
        }))
    }

    /// The configuration, every field filled in.
    #[napi(catch_unwind)]
    pub fn config(&self) -> Config {
        self.inner.config().into()
    }

    /// Inserts or replaces items (metadata replaced whole). Rejected whole on a bad item.
    #[napi(catch_unwind)]
    pub fn upsert_items(&self, env: Env, items: Vec<Item>) -> napi::Result<()> {
        let items = values::items(items).or_throw(&env)?;
        self.inner.upsert_items(items).or_throw(&env)
    }

    /// Stops items from being recommended; returns how many were live. An unknown id throws
    /// `NotFoundError` and nothing changes.
    #[napi(catch_unwind)]
    pub fn remove_items(&self, env: Env, ids: Vec<String>) -> napi::Result<u32> {
        let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
        self.inner
            .remove_items(&ids)
            .map(values::saturate)
            .or_throw(&env)
    }

    /// The ids of the removed items (`removeItems`), in catalogue order.
    #[napi(catch_unwind)]
    pub fn removed_items(&self) -> Vec<String> {
        self.inner.removed_items()
    }

    /// The catalogue entry of an item (removed items included), or `null`.
    #[napi(catch_unwind)]
    pub fn item(&self, id: String) -> Option<Item> {
        self.inner.item(&id).map(Item::from)
    }

    /// Sets (replaces) what a user said they like; empty preferences clear them.
    #[napi(catch_unwind)]
    pub fn set_preferences(
        &self,
        env: Env,
        user_id: String,
        preferences: Preferences,
    ) -> napi::Result<()> {
        self.inner
            .set_preferences(&user_id, preferences.into())
            .or_throw(&env)
    }

    /// A user's stated preferences, or `null`.
    #[napi(catch_unwind)]
    pub fn preferences(&self, user_id: String) -> Option<Preferences> {
        self.inner.preferences(&user_id).map(Preferences::from)
    }

    /// Applies a batch of interactions incrementally, off the JS thread. The batch is validated
    /// first and rejected whole if any row is bad; the error's `row` gives its index.
    #[napi(catch_unwind, ts_return_type = "Promise<Applied>")]
    pub fn record(
        &self,
        env: Env,
        interactions: Vec<Interaction>,
    ) -> napi::Result<AsyncTask<Work<Applied>>> {
        let rows = values::interactions(interactions).or_throw(&env)?;
        let engine = Arc::clone(&self.inner);
        Ok(spawn(move || {
            engine.record(&rows).map(Applied::from).map_err(Into::into)
        }))
    }

    /// Records impressions (items shown to users, `{ userId, itemId, timestamp, rank }`), off
    /// the JS thread. Validated as a whole first: a negative or fractional rank throws
    /// `InvalidInputError` (`CRAIC_OUT_OF_RANGE`), an unknown item `NotFoundError`; they feed
    /// exposure-aware demotion and never count as engagement.
    #[napi(catch_unwind, ts_return_type = "Promise<Applied>")]
    pub fn record_impressions(
        &self,
        env: Env,
        impressions: Vec<values::Impression>,
    ) -> napi::Result<AsyncTask<Work<Applied>>> {
        let rows = values::impressions(impressions).or_throw(&env)?;
        let rows = core::impressions_to_interactions(&rows).or_throw(&env)?;
        let engine = Arc::clone(&self.inner);
        Ok(spawn(move || {
            engine.record(&rows).map(Applied::from).map_err(Into::into)
        }))
    }

    /// The items shown to a user since their last interaction with each, in catalogue order,
    /// with the decayed number of showings at `now` (what demotion counts).
    #[napi(catch_unwind)]
    pub fn exposure(&self, env: Env, user_id: String, now: f64) -> napi::Result<Vec<Exposure>> {
        let now = crate::convert::timestamp(now, "now").or_throw(&env)?;
        Ok(self
            .inner
            .exposure(&user_id, now)
            .into_iter()
            .map(|(item_id, showings)| Exposure { item_id, showings })
            .collect())
    }

    /// Applies one interaction, synchronously: `userId` did `kind` to `itemId` at `timestamp`.
    #[napi(catch_unwind)]
    pub fn record_one(
        &self,
        env: Env,
        user_id: String,
        item_id: String,
        kind: String,
        timestamp: f64,
    ) -> napi::Result<Applied> {
        let row = Interaction {
            user_id,
            item_id,
            kind,
            timestamp,
            rank: None,
        };
        let rows = values::interactions(vec![row]).or_throw(&env)?;
        self.inner.record(&rows).map(Applied::from).or_throw(&env)
    }

    /// Recomputes every neighbour list from the current matrix, off the JS thread.
    #[napi(catch_unwind, ts_return_type = "Promise<void>")]
    pub fn rebuild(&self) -> AsyncTask<Work<()>> {
        let engine = Arc::clone(&self.inner);
        spawn(move || {
            engine.rebuild();
            Ok(())
        })
    }

    /// Recommends up to `k` items for a user (exactly `k` whenever `k` items are eligible).
    /// Unknown users are cold-start users, not an error.
    #[napi(catch_unwind)]
    pub fn recommend(
        &self,
        env: Env,
        user_id: String,
        #[napi(ts_arg_type = "RecommendOptions")] options: Option<Object>,
    ) -> napi::Result<Vec<Recommendation>> {
        let req = request(&env, options)?;
        self.inner
            .recommend(&user_id, &req)
            .map(values::recommendations)
            .or_throw(&env)
    }

    /// `recommend` for many users at once, in parallel, off the JS thread and under one
    /// consistent view; one list per user, in order.
    #[napi(catch_unwind, ts_return_type = "Promise<Array<Array<Recommendation>>>")]
    pub fn recommend_many(
        &self,
        env: Env,
        user_ids: Vec<String>,
        #[napi(ts_arg_type = "RecommendOptions")] options: Option<Object>,
    ) -> napi::Result<AsyncTask<Work<Vec<Vec<Recommendation>>>>> {
        let req = request(&env, options)?;
        let engine = Arc::clone(&self.inner);
        Ok(spawn(move || {
            let users: Vec<&str> = user_ids.iter().map(String::as_str).collect();
            engine
                .recommend_many(&users, &req)
                .map(|all| all.into_iter().map(values::recommendations).collect())
                .map_err(Into::into)
        }))
    }

    /// Up to `k` upcoming events similar to `itemId`, for an event page (exactly `k` whenever
    /// `k` are eligible): co-engaged events first (people who engaged with this one also
    /// engaged with them, computed at call time), then events matching its content and
    /// artists, then popular ones, each with its explanation. Throws a `NotFoundError`
    /// (`CRAIC_UNKNOWN_ITEM`) for an unknown item, an `InvalidInputError` (`CRAIC_INVALID_K`)
    /// for a `k` outside `1..=maxK`.
    #[napi(catch_unwind)]
    pub fn similar_items(
        &self,
        env: Env,
        item_id: String,
        #[napi(ts_arg_type = "SimilarOptions")] options: Option<Object>,
    ) -> napi::Result<Vec<Recommendation>> {
        let (k, now, city) = values::similar(strict(&env, options)?).or_throw(&env)?;
        self.inner
            .similar_items(&item_id, k, now, city.as_deref())
            .map(values::recommendations)
            .or_throw(&env)
    }

    /// What the learned blend chose at the last build and how each component scored on its
    /// holdout (`null` with the fixed blend, or when the holdout was too
    /// small to learn from: fewer than `MIN_HOLDOUT_USERS` (100) users).
    #[napi(catch_unwind)]
    pub fn blend_report(&self) -> Option<crate::blend::BlendReport> {
        self.inner.blend_report().map(Into::into)
    }

    /// A user's neighbours, most similar first (empty if unknown).
    #[napi(catch_unwind)]
    pub fn neighbours(&self, user_id: String) -> Vec<Neighbour> {
        self.inner
            .neighbours(&user_id)
            .into_iter()
            .map(|(user_id, similarity)| Neighbour {
                user_id,
                similarity,
            })
            .collect()
    }

    /// An item's neighbours, most similar first, whether or not they have started: what the
    /// `"item_based"` strategy scores with (empty for unknown items, and with `itemNeighbours`
    /// 0, the default).
    #[napi(catch_unwind)]
    pub fn item_neighbours(&self, item_id: String) -> Vec<ItemNeighbour> {
        self.inner
            .item_neighbours(&item_id)
            .into_iter()
            .map(|(item_id, similarity)| ItemNeighbour {
                item_id,
                similarity,
            })
            .collect()
    }

    /// Cosine similarity of two users as the neighbour lists define it (0 for unknown users).
    #[napi(catch_unwind)]
    pub fn similarity(&self, a: String, b: String) -> f64 {
        self.inner.similarity(&a, &b)
    }

    /// The hybrid blend shares the user would get now.
    #[napi(catch_unwind)]
    pub fn blend_weights(&self, user_id: String) -> BlendWeights {
        self.inner.blend_weights(&user_id).into()
    }

    /// Counts of users, items, cells and interactions.
    #[napi(catch_unwind)]
    pub fn stats(&self) -> Stats {
        self.inner.stats().into()
    }

    /// Checks every neighbour list against a full recompute, within `tolerance` (default 1e-9)
    /// on similarities. Resolves when they all match; rejects with a `PoisonedError` (code
    /// `CRAIC_INCONSISTENT_MODEL`) naming the first structure or list that differs, an
    /// `InvalidInputError` (`CRAIC_INVALID_CONFIG`) for a negative or NaN tolerance.
    #[napi(catch_unwind, ts_return_type = "Promise<void>")]
    pub fn verify_neighbours(&self, tolerance: Option<f64>) -> AsyncTask<Work<()>> {
        let engine = Arc::clone(&self.inner);
        spawn(move || {
            engine
                .verify_neighbours(tolerance.unwrap_or(core::Engine::NEIGHBOUR_TOLERANCE))
                .map_err(Into::into)
        })
    }

    /// Serialises the engine's whole state into checksummed snapshot bytes, off the JS thread,
    /// with metadata (`version`, `createdAt` — default now — and training `metrics`).
    #[napi(catch_unwind, ts_return_type = "Promise<Buffer>")]
    pub fn to_snapshot(
        &self,
        env: Env,
        #[napi(ts_arg_type = "SnapshotOptions")] options: Option<Object>,
    ) -> napi::Result<AsyncTask<Work<Buffer>>> {
        let options: SnapshotOptions = strict(&env, options)?.unwrap_or_default();
        let created_at = convert::opt_timestamp(options.created_at, "createdAt").or_throw(&env)?;
        let meta = core::SnapshotMeta {
            version: options.version.unwrap_or_default(),
            created_at: created_at.unwrap_or_else(unix_now),
            metrics: options.metrics.unwrap_or_default().into_iter().collect(),
            ..core::SnapshotMeta::default()
        };
        let engine = Arc::clone(&self.inner);
        Ok(spawn(move || {
            engine
                .to_snapshot(&meta)
                .map(Buffer::from)
                .map_err(Into::into)
        }))
    }

    /// Loads an engine saved by `toSnapshot`, off the JS thread. Foreign, truncated, corrupt or
    /// newer-format bytes reject with `SnapshotError` (code `CRAIC_INVALID_SNAPSHOT`).
    #[napi(catch_unwind, ts_return_type = "Promise<LoadedSnapshot>")]
    pub fn from_snapshot(data: Buffer) -> AsyncTask<Work<LoadedSnapshot>> {
        let bytes: Vec<u8> = data.to_vec();
        spawn(move || load_snapshot(&bytes))
    }

    /// The interaction matrix in CSR form, as typed arrays.
    #[napi(catch_unwind)]
    pub fn interaction_matrix(&self) -> InteractionMatrix {
        let (matrix, user_ids, item_ids) = self.inner.interaction_matrix();
        let (rows, cols) = matrix.shape();
        let indptr: Vec<u32> = matrix
            .indptr()
            .raw_storage()
            .iter()
            .map(|&p| p as u32)
            .collect();
        let indices: Vec<u32> = matrix.indices().iter().map(|&c| c as u32).collect();
        InteractionMatrix {
            indptr: Uint32Array::new(indptr),
            indices: Uint32Array::new(indices),
            data: Float64Array::new(matrix.data().to_vec()),
            shape: vec![values::saturate(rows), values::saturate(cols)],
            user_ids,
            item_ids,
        }
    }
}

fn load_snapshot(bytes: &[u8]) -> Fallible<LoadedSnapshot> {
    let (engine, meta) = core::Engine::from_snapshot(bytes)?;
    Ok(LoadedSnapshot {
        engine: Engine::wrap(engine),
        meta: meta.into(),
    })
}

/// An item's neighbour and their similarity.
#[napi(object)]
pub struct ItemNeighbour {
    /// The neighbour's item id.
    pub item_id: String,
    /// Shrunk cosine of the two items' users.
    pub similarity: f64,
}
