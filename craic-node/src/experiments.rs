//! Experiments: GrowthBook-compatible hashing and assignment, event tracking and the
//! statistical report. Plain objects in, plain objects out; the maths is the core's.

use std::sync::{Arc, Mutex, MutexGuard};

use craic_core::experiments::{self as exp, growthbook};
use craic_core::{Error as CoreError, ErrorKind};
use napi::bindgen_prelude::Object;
use napi::Env;
use napi_derive::napi;

use crate::convert::{self, options, strict};
use crate::errors::{Fallible, JsFailure, OrThrow};

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

/// One arm of an experiment: its name, its share of the covered users, and the strategy it
/// serves (`"popularity"`, `"collaborative"`, `"content"`, `"hybrid"`).
#[napi(object)]
pub struct Variant {
    /// The variant's name.
    pub name: String,
    /// Its share of the covered users; the weights of an experiment sum to 1.
    pub weight: f64,
    /// The strategy it serves.
    pub strategy: String,
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
            .get(a.variant)
            .map(|v| v.name.clone())
            .unwrap_or_default(),
        index: u32::try_from(a.variant).unwrap_or(u32::MAX),
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
        let strategy = v.strategy.parse().map_err(|_| {
            invalid(format!(
                "experiment {:?}: variant {:?} has unknown strategy {:?}",
                spec.key, v.name, v.strategy
            ))
        })?;
        spec = spec.variant(v.name, v.weight, strategy);
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

/// One tracked fact: an exposure (`variant` set) or a conversion. `id` is an idempotency key:
/// recording the same id twice counts once.
#[napi(object)]
pub struct ExperimentEvent {
    /// `"exposure"` or `"conversion"`.
    #[napi(ts_type = "'exposure' | 'conversion'")]
    pub r#type: String,
    /// Idempotency key (unique per event).
    pub id: String,
    /// Experiment key.
    pub experiment: String,
    /// The user.
    pub user_id: String,
    /// The variant shown (exposures only).
    pub variant: Option<String>,
    /// When, unix seconds.
    pub timestamp: f64,
}

impl TryFrom<ExperimentEvent> for exp::ExperimentEvent {
    type Error = JsFailure;

    fn try_from(e: ExperimentEvent) -> Fallible<exp::ExperimentEvent> {
        let timestamp = convert::timestamp(e.timestamp, "timestamp")?;
        match (e.r#type.as_str(), e.variant) {
            ("exposure", Some(variant)) => Ok(exp::ExperimentEvent::exposure(
                e.id,
                e.experiment,
                e.user_id,
                variant,
                timestamp,
            )),
            ("conversion", None) => Ok(exp::ExperimentEvent::conversion(
                e.id,
                e.experiment,
                e.user_id,
                timestamp,
            )),
            (kind, variant) => Err(JsFailure::from(CoreError::InvalidExperiment(format!(
                "an event is {{type: 'exposure', variant}} or {{type: 'conversion'}} without a \
                 variant; got type {kind:?} with variant {variant:?}"
            )))),
        }
    }
}

/// Per-variant counts of an experiment.
#[napi(object)]
pub struct VariantCounts {
    /// The variant's name.
    pub variant: String,
    /// Distinct users exposed to it.
    pub exposed_users: f64,
    /// Distinct exposed users who converted afterwards.
    pub converting_users: f64,
    /// Conversions attributed to it.
    pub conversions: f64,
}

/// Counts of an experiment: per variant, and what could not be attributed.
#[napi(object)]
pub struct ExperimentCounts {
    /// The experiment key.
    pub experiment: String,
    /// Per-variant counts, control first.
    pub variants: Vec<VariantCounts>,
    /// Conversions of users never exposed.
    pub unattributed_conversions: f64,
    /// Users with conversions but no exposure.
    pub unattributed_users: f64,
    /// Users exposed to more than one variant (their data is excluded).
    pub users_in_multiple_variants: f64,
}

impl From<exp::ExperimentCounts> for ExperimentCounts {
    fn from(c: exp::ExperimentCounts) -> Self {
        ExperimentCounts {
            experiment: c.experiment,
            variants: c
                .variants
                .into_iter()
                .map(|v| VariantCounts {
                    variant: v.variant,
                    exposed_users: v.exposed_users as f64,
                    converting_users: v.converting_users as f64,
                    conversions: v.conversions as f64,
                })
                .collect(),
            unattributed_conversions: c.unattributed_conversions as f64,
            unattributed_users: c.unattributed_users as f64,
            users_in_multiple_variants: c.users_in_multiple_variants as f64,
        }
    }
}

/// An estimate with its confidence interval.
#[napi(object)]
pub struct Estimate {
    /// Point estimate.
    pub value: f64,
    /// Lower bound.
    pub lower: f64,
    /// Upper bound.
    pub upper: f64,
}

impl From<exp::Estimate> for Estimate {
    fn from(e: exp::Estimate) -> Self {
        Estimate {
            value: e.value,
            lower: e.lower,
            upper: e.upper,
        }
    }
}

/// The always-valid sequential test (mixture SPRT) of a variant against the control.
#[napi(object)]
pub struct SequentialResult {
    /// Log of the mixture likelihood ratio.
    pub log_likelihood_ratio: f64,
    /// Always-valid p-value.
    pub p_value: f64,
    /// Whether the null hypothesis is rejected at the report's alpha.
    pub reject: bool,
}

/// A variant against the control.
#[napi(object, use_nullable = true)]
pub struct Comparison {
    /// Difference of conversion rates, with its interval.
    pub absolute_lift: Option<Estimate>,
    /// Relative difference of conversion rates, with its interval.
    pub relative_lift: Option<Estimate>,
    /// Two-proportion z statistic.
    pub z: Option<f64>,
    /// Two-sided p-value of the z-test.
    pub p_value: Option<f64>,
    /// Whether the fixed-horizon test is significant at alpha.
    pub significant: bool,
    /// The sequential test.
    pub sequential: SequentialResult,
}

/// One variant's line of a report.
#[napi(object, use_nullable = true)]
pub struct VariantReport {
    /// The variant's name.
    pub variant: String,
    /// Its strategy.
    pub strategy: String,
    /// Its weight.
    pub weight: f64,
    /// Distinct users exposed.
    pub exposed_users: f64,
    /// Distinct exposed users who converted.
    pub converting_users: f64,
    /// Conversions.
    pub conversions: f64,
    /// Conversion rate with its Wilson interval (`null` without exposures).
    pub conversion_rate: Option<Estimate>,
    /// Against the control (`null` for the control itself).
    pub comparison: Option<Comparison>,
}

/// The sample-ratio-mismatch check: do exposures follow the weights?
#[napi(object)]
pub struct SampleRatioMismatch {
    /// Chi-square statistic.
    pub chi_square: f64,
    /// Degrees of freedom.
    pub degrees_of_freedom: u32,
    /// P-value.
    pub p_value: f64,
    /// Whether the mismatch is significant at the report's `srmAlpha`.
    pub mismatch: bool,
}

/// The statistical report of an experiment.
#[napi(object)]
pub struct Report {
    /// The experiment key.
    pub experiment: String,
    /// Significance level (and 1 − confidence of the intervals).
    pub alpha: f64,
    /// The sequential test's prior variance.
    pub mixing_variance: f64,
    /// Level of the sample-ratio-mismatch check.
    pub srm_alpha: f64,
    /// Distinct users exposed, over all variants.
    pub total_exposed_users: f64,
    /// Conversions of users never exposed.
    pub unattributed_conversions: f64,
    /// Users exposed to more than one variant.
    pub users_in_multiple_variants: f64,
    /// The sample-ratio-mismatch check.
    pub sample_ratio_mismatch: SampleRatioMismatch,
    /// Per-variant lines, control first.
    pub variants: Vec<VariantReport>,
}

impl From<exp::Report> for Report {
    fn from(r: exp::Report) -> Self {
        let srm = r.sample_ratio_mismatch;
        Report {
            experiment: r.experiment,
            alpha: r.config.alpha,
            mixing_variance: r.config.mixing_variance,
            srm_alpha: r.config.srm_alpha,
            total_exposed_users: r.total_exposed_users as f64,
            unattributed_conversions: r.unattributed_conversions as f64,
            users_in_multiple_variants: r.users_in_multiple_variants as f64,
            sample_ratio_mismatch: SampleRatioMismatch {
                chi_square: srm.chi_square,
                degrees_of_freedom: srm.degrees_of_freedom,
                p_value: srm.p_value,
                mismatch: srm.mismatch,
            },
            variants: r.variants.into_iter().map(variant_report).collect(),
        }
    }
}

fn variant_report(v: exp::VariantReport) -> VariantReport {
    VariantReport {
        variant: v.variant,
        strategy: v.strategy.as_str().to_owned(),
        weight: v.weight,
        exposed_users: v.exposed_users as f64,
        converting_users: v.converting_users as f64,
        conversions: v.conversions as f64,
        conversion_rate: v.conversion_rate.map(Estimate::from),
        comparison: v.comparison.map(|c| Comparison {
            absolute_lift: c.absolute_lift.map(Estimate::from),
            relative_lift: c.relative_lift.map(Estimate::from),
            z: c.z,
            p_value: c.p_value,
            significant: c.significant,
            sequential: SequentialResult {
                log_likelihood_ratio: c.sequential.log_likelihood_ratio,
                p_value: c.sequential.p_value,
                reject: c.sequential.reject,
            },
        }),
    }
}

options! {
    /// Settings of a report.
    pub struct ReportOptions: "report options" {
        /// Significance level and 1 − confidence of the intervals (default 0.05).
        pub alpha: [Option<f64>],
        /// The sequential test's prior variance.
        pub mixing_variance: [Option<f64>],
        /// Level of the sample-ratio-mismatch check (default 0.001).
        pub srm_alpha: [Option<f64>],
    }
}

impl From<ReportOptions> for exp::StatsConfig {
    fn from(o: ReportOptions) -> Self {
        exp::StatsConfig {
            alpha: o.alpha.unwrap_or(0.05),
            mixing_variance: o.mixing_variance.unwrap_or(exp::DEFAULT_MIXING_VARIANCE),
            srm_alpha: o.srm_alpha.unwrap_or(0.001),
        }
    }
}

/// Report options as the core's statistics settings (strict names).
pub(crate) fn stats_config(env: &Env, options: Option<Object>) -> napi::Result<exp::StatsConfig> {
    let options: ReportOptions = strict(env, options)?.unwrap_or_default();
    Ok(options.into())
}

/// Tracks exposures and conversions of registered experiments and reports on them.
/// Thread-safe; events are idempotent by `id`.
#[napi]
pub struct ExperimentTracker {
    inner: Arc<Mutex<exp::ExperimentTracker>>,
}

impl ExperimentTracker {
    fn lock(&self) -> MutexGuard<'_, exp::ExperimentTracker> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[napi]
impl ExperimentTracker {
    /// An empty tracker.
    #[napi(constructor, catch_unwind)]
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        ExperimentTracker {
            inner: Arc::new(Mutex::new(exp::ExperimentTracker::new())),
        }
    }

    /// Registers an experiment (a key can be registered once).
    #[napi(catch_unwind)]
    pub fn register(&self, env: Env, experiment: &Experiment) -> napi::Result<()> {
        self.lock()
            .register(experiment.inner.clone())
            .or_throw(&env)
    }

    /// A registered experiment, or `null`.
    #[napi(catch_unwind)]
    pub fn experiment(&self, key: String) -> Option<Experiment> {
        self.lock()
            .experiment(&key)
            .map(|e| Experiment { inner: e.clone() })
    }

    /// Records that `userId` was shown `variant` of `experiment`; `false` when the event id
    /// was already recorded.
    #[napi(catch_unwind)]
    pub fn record_exposure(
        &self,
        env: Env,
        id: String,
        experiment: String,
        user_id: String,
        variant: String,
        timestamp: f64,
    ) -> napi::Result<bool> {
        let timestamp = convert::timestamp(timestamp, "timestamp").or_throw(&env)?;
        let event = exp::ExperimentEvent::exposure(id, experiment, user_id, variant, timestamp);
        self.lock().record(&event).or_throw(&env)
    }

    /// Records that `userId` converted while `experiment` ran; `false` when the event id was
    /// already recorded.
    #[napi(catch_unwind)]
    pub fn record_conversion(
        &self,
        env: Env,
        id: String,
        experiment: String,
        user_id: String,
        timestamp: f64,
    ) -> napi::Result<bool> {
        let timestamp = convert::timestamp(timestamp, "timestamp").or_throw(&env)?;
        let event = exp::ExperimentEvent::conversion(id, experiment, user_id, timestamp);
        self.lock().record(&event).or_throw(&env)
    }

    /// Records a batch atomically: returns how many events were new, or throws on the first bad
    /// row (`row` is its index) and records nothing.
    #[napi(catch_unwind)]
    pub fn record_all(&self, env: Env, events: Vec<ExperimentEvent>) -> napi::Result<u32> {
        let rows = events
            .into_iter()
            .enumerate()
            .map(|(n, e)| exp::ExperimentEvent::try_from(e).map_err(|f| f.in_row(n)))
            .collect::<Fallible<Vec<_>>>()
            .or_throw(&env)?;
        self.lock()
            .record_all(&rows)
            .map(|n| u32::try_from(n).unwrap_or(u32::MAX))
            .or_throw(&env)
    }

    /// Per-variant counts of experiment `key` (`NotFoundError` for an unknown key).
    #[napi(catch_unwind)]
    pub fn counts(&self, env: Env, key: String) -> napi::Result<ExperimentCounts> {
        self.lock()
            .counts(&key)
            .map(ExperimentCounts::from)
            .or_throw(&env)
    }

    /// The statistical report of experiment `key`: conversion rates with Wilson intervals, lifts
    /// against the control with intervals, the z-test, the always-valid sequential test and the
    /// sample-ratio-mismatch check. `options`: `{alpha, mixingVariance, srmAlpha}`.
    #[napi(catch_unwind)]
    pub fn report(
        &self,
        env: Env,
        key: String,
        #[napi(ts_arg_type = "ReportOptions")] options: Option<Object>,
    ) -> napi::Result<Report> {
        let config = stats_config(&env, options)?;
        self.lock()
            .report(&key, &config)
            .map(Report::from)
            .or_throw(&env)
    }
}
