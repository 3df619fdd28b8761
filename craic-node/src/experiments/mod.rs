//! Experiments: GrowthBook-compatible hashing and assignment ([`Experiment`]), event tracking
//! ([`tracking`]) and the statistical report ([`report`]). Plain objects in, plain objects out;
//! the maths is the core's.

mod report;
mod tracking;

use craic_core::experiments::{self as exp, growthbook};
use craic_core::{Error as CoreError, ErrorKind};
use napi::bindgen_prelude::Object;
use napi::Env;
use napi_derive::napi;

use crate::config::Config;
use crate::convert::{self, options, strict};
use crate::errors::{Fallible, JsFailure, OrThrow};

pub(crate) use report::{stats_config, Report};

/// GrowthBook's hash of `value` with `seed` into `[0, 1)`: version 1 or 2, else `null`.
/// Strings are hashed as UTF-16 code units, like the JavaScript SDK.
#[napi(catch_unwind)]
pub fn hash(seed: String, value: String, version: f64) -> Option<f64> {
    let version = convert::whole(version, "version", ErrorKind::InvalidExperiment).ok()?;
    u32::try_from(version)
        .ok()
        .and_then(|v| growthbook::hash(&seed, &value, v))
}

/// `n` equal weights of `1 / n` (an empty list for `n <= 0`).
#[napi(catch_unwind)]
pub fn get_equal_weights(env: Env, n: f64) -> napi::Result<Vec<f64>> {
    let n = convert::whole(n, "n", ErrorKind::InvalidExperiment).or_throw(&env)?;
    growthbook::get_equal_weights(n).or_throw(&env)
}

/// GrowthBook's bucket ranges `[start, end]` of `numVariations` variations. `coverage`
/// (default 1) is clamped to `[0, 1]`; `weights` fall back to equal weights when absent, of the
/// wrong length, or not summing to 1 within 0.01.
#[napi(catch_unwind, ts_return_type = "Array<[number, number]>")]
pub fn get_bucket_ranges(
    env: Env,
    num_variations: f64,
    coverage: Option<f64>,
    weights: Option<Vec<f64>>,
) -> napi::Result<Vec<(f64, f64)>> {
    let n = convert::count(
        num_variations,
        "numVariations",
        ErrorKind::InvalidExperiment,
    )
    .or_throw(&env)?;
    growthbook::get_bucket_ranges(n, coverage.unwrap_or(1.0), weights.as_deref()).or_throw(&env)
}

/// Index of the first range `[start, end)` containing `n`, or `-1` when none does.
#[napi(catch_unwind)]
pub fn choose_variation(
    n: f64,
    #[napi(ts_arg_type = "Array<[number, number]>")] ranges: Vec<(f64, f64)>,
) -> i32 {
    growthbook::choose_variation(n, &ranges)
}

/// Whether `userId` falls in the slice `[start, end)` of namespace `id`, given as
/// `[id, start, end]`.
#[napi(catch_unwind)]
pub fn in_namespace(
    user_id: String,
    #[napi(ts_arg_type = "[string, number, number]")] namespace: (String, f64, f64),
) -> bool {
    growthbook::in_namespace(&user_id, (&namespace.0, namespace.1, namespace.2))
}

/// One arm of an experiment: its name, its share of the covered users, the strategy it
/// serves (`"popularity"`, `"collaborative"`, `"content"`, `"hybrid"`) and optionally an engine
/// `config` of its own (a `Service` serves the arm from an engine built with it on the same
/// data, so configurations can be A/B tested).
#[napi(object)]
pub struct Variant {
    /// The variant's name.
    pub name: String,
    /// Its share of the covered users; the weights of an experiment sum to 1.
    pub weight: f64,
    /// The strategy it serves.
    pub strategy: String,
    /// The engine configuration it is served from (absent: the serving engine's).
    pub config: Option<Config>,
}

options! {
    /// Options of an experiment beyond its key and variants.
    pub struct ExperimentOptions: "experiment options" {
        /// Share of users included (default 1).
        pub coverage: [Option<f64>],
        /// `[id, start, end]`: only users in this slice of the namespace (experiments in
        /// disjoint slices never share users).
        pub namespace: [Option<(String, f64, f64)>],
        /// GrowthBook hash version, 1 or 2 (default 2).
        pub hash_version: [Option<f64>],
        /// Hash seed (default: the key).
        pub seed: [Option<String>],
    }
}

/// A validated A/B experiment that deterministically assigns users to variants, exactly as
/// GrowthBook's SDKs do (same hash, ranges, coverage and namespaces). `variants` lists
/// `{name, weight, strategy}`, control first. A bad definition throws `InvalidInputError` with
/// code `CRAIC_INVALID_EXPERIMENT`.
#[napi]
pub struct Experiment {
    pub(crate) inner: exp::Experiment,
}

/// A user's assignment: the variant's name and index (0 = control), its strategy, and the
/// user's hash bucket in `[0, 1)`.
#[napi(object)]
pub struct Assignment {
    /// The variant's name.
    pub variant: String,
    /// The variant's index (0 = control).
    pub index: u32,
    /// The variant's strategy.
    pub strategy: String,
    /// The user's hash bucket in `[0, 1)`.
    pub bucket: f64,
}

/// An assignment as a JS object.
pub(crate) fn assignment(experiment: &exp::Experiment, a: exp::Assignment) -> Assignment {
    Assignment {
        variant: experiment
            .variants()
            .get(a.index)
            .map(|v| v.name.clone())
            .unwrap_or_default(),
        index: u32::try_from(a.index).unwrap_or(u32::MAX),
        strategy: a.strategy.as_str().to_owned(),
        bucket: a.bucket,
    }
}

fn build_experiment(
    key: String,
    variants: Vec<Variant>,
    o: ExperimentOptions,
) -> Fallible<exp::Experiment> {
    let invalid = |msg: String| JsFailure::from(CoreError::InvalidExperiment(msg));
    let version = o.hash_version.unwrap_or(2.0);
    let version = convert::whole(version, "hashVersion", ErrorKind::InvalidExperiment)?;
    let version = u32::try_from(version).map_err(|_| {
        invalid(format!(
            "experiment {key:?}: unknown hash version {version}"
        ))
    })?;
    let mut spec = exp::ExperimentSpec::new(key)
        .coverage(o.coverage.unwrap_or(1.0))
        .hash_version(version);
    for v in variants {
        let strategy: craic_core::Strategy = v.strategy.parse().map_err(|_| {
            invalid(format!(
                "experiment {:?}: variant {:?} has unknown strategy {:?}",
                spec.key, v.name, v.strategy
            ))
        })?;
        let mut treatment = exp::Treatment::new(strategy);
        if let Some(config) = v.config {
            treatment = treatment.config(config.into_core()?);
        }
        spec = spec.variant(v.name, v.weight, treatment);
    }
    if let Some((id, start, end)) = o.namespace {
        spec = spec.namespace(id, start, end);
    }
    if let Some(seed) = o.seed {
        spec = spec.seed(seed);
    }
    Ok(spec.build()?)
}

#[napi]
impl Experiment {
    /// Defines an experiment; `options` are `{coverage, namespace, hashVersion, seed}`.
    #[napi(constructor, catch_unwind)]
    pub fn new(
        env: Env,
        key: String,
        variants: Vec<Variant>,
        #[napi(ts_arg_type = "ExperimentOptions")] options: Option<Object>,
    ) -> napi::Result<Self> {
        let options: ExperimentOptions = strict(&env, options)?.unwrap_or_default();
        let inner = build_experiment(key, variants, options).or_throw(&env)?;
        Ok(Experiment { inner })
    }

    /// The experiment key.
    #[napi(getter, catch_unwind)]
    pub fn key(&self) -> String {
        self.inner.key().to_owned()
    }

    /// The variants, control first.
    #[napi(getter, catch_unwind)]
    pub fn variants(&self) -> Vec<Variant> {
        self.inner
            .variants()
            .iter()
            .map(|v| Variant {
                name: v.name.clone(),
                weight: v.weight,
                strategy: v.strategy.as_str().to_owned(),
                config: v.config.clone().map(Config::from),
            })
            .collect()
    }

    /// Share of users included.
    #[napi(getter, catch_unwind)]
    pub fn coverage(&self) -> f64 {
        self.inner.spec().coverage
    }

    /// `[id, start, end]` of the namespace slice, or `null`.
    #[napi(
        getter,
        catch_unwind,
        ts_return_type = "[string, number, number] | null"
    )]
    pub fn namespace(&self) -> Option<(String, f64, f64)> {
        self.inner
            .spec()
            .namespace
            .as_ref()
            .map(|n| (n.id.clone(), n.start, n.end))
    }

    /// GrowthBook hash version (1 or 2).
    #[napi(getter, catch_unwind)]
    pub fn hash_version(&self) -> u32 {
        self.inner.spec().hash_version
    }

    /// The hash seed, or `null` when it is the key.
    #[napi(getter, catch_unwind)]
    pub fn seed(&self) -> Option<String> {
        self.inner.spec().seed.clone()
    }

    /// Each variant's bucket range `[start, end]`.
    #[napi(getter, catch_unwind, ts_return_type = "Array<[number, number]>")]
    pub fn ranges(&self) -> Vec<(f64, f64)> {
        self.inner.ranges().to_vec()
    }

    /// The user's variant, or `null` when the user is outside the coverage or namespace.
    #[napi(catch_unwind)]
    pub fn assign(&self, user_id: String) -> Option<Assignment> {
        self.inner
            .assign(&user_id)
            .map(|a| assignment(&self.inner, a))
    }

    /// `assign` for many users; `null` for those not in the experiment.
    #[napi(catch_unwind)]
    pub fn assign_many(&self, user_ids: Vec<String>) -> Vec<Option<Assignment>> {
        user_ids.iter().map(|u| self.assign(u.clone())).collect()
    }
}
