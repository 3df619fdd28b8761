//! Experiment definitions and deterministic, allocation-free assignment.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use super::growthbook::{
    bucket_v1, bucket_v2, choose_variation, fnv_continue, fnv_continue_pair, fnv_continue_units,
    get_bucket_ranges, FNV_START,
};
use super::treatment::Treatment;
use crate::data::ids::MAX_ID_LEN;
use crate::model::config::Config;
use crate::model::error::{Error, Result};
use crate::scoring::request::Strategy;

/// One arm of an experiment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Variant {
    /// Unique name within the experiment (`"control"`, `"hybrid"`, ...).
    pub name: String,
    /// Share of the covered traffic, in `[0, 1]`; the weights of an experiment sum to 1 (± 0.01).
    pub weight: f64,
    /// The recommendation strategy users in this arm get.
    pub strategy: Strategy,
    /// The engine configuration users in this arm are served from (`None`: the serving
    /// engine's). A service builds one engine per distinct configuration (see
    /// [`Treatment`]); absent from the JSON form when `None`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config: Option<Config>,
}

/// A slice `[start, end)` of a namespace: experiments in disjoint slices of the same namespace never
/// share users.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Namespace {
    /// Namespace id (hashed with the seed `"__" + id`, GrowthBook's convention).
    pub id: String,
    /// Start of the slice, in `[0, 1)`.
    pub start: f64,
    /// End of the slice (exclusive), in `(start, 1]`.
    pub end: f64,
}

/// The plain, serialisable description of an experiment, also used as its builder.
///
/// [`ExperimentSpec::build`] validates it into an [`Experiment`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExperimentSpec {
    /// Unique key of the experiment; also the hash seed unless [`ExperimentSpec::seed`] is set.
    pub key: String,
    /// Hash seed overriding the key (keep it when renaming an experiment to keep its buckets).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<String>,
    /// The arms; the first is the control that the statistics compare against.
    pub variants: Vec<Variant>,
    /// Share of users included at all, in `[0, 1]` (default 1).
    #[serde(default = "default_coverage")]
    pub coverage: f64,
    /// Optional namespace slice the experiment is restricted to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<Namespace>,
    /// GrowthBook hash version, 1 or 2 (default 2).
    #[serde(default = "default_hash_version")]
    pub hash_version: u32,
}

fn default_coverage() -> f64 {
    1.0
}

fn default_hash_version() -> u32 {
    2
}

impl ExperimentSpec {
    /// A spec with this key, no variants yet, full coverage, no namespace and hash version 2.
    pub fn new(key: impl Into<String>) -> Self {
        ExperimentSpec {
            key: key.into(),
            seed: None,
            variants: Vec::new(),
            coverage: default_coverage(),
            namespace: None,
            hash_version: default_hash_version(),
        }
    }

    /// Appends a variant (the first one added is the control) serving `treatment`: a
    /// [`Strategy`], or a [`Treatment`] with an engine configuration of its own.
    pub fn variant(
        mut self,
        name: impl Into<String>,
        weight: f64,
        treatment: impl Into<Treatment>,
    ) -> Self {
        let Treatment { strategy, config } = treatment.into();
        self.variants.push(Variant {
            name: name.into(),
            weight,
            strategy,
            config,
        });
        self
    }

    /// Overrides the hash seed (defaults to the key).
    pub fn seed(mut self, seed: impl Into<String>) -> Self {
        self.seed = Some(seed.into());
        self
    }

    /// Sets the share of users included, in `[0, 1]`.
    pub fn coverage(mut self, coverage: f64) -> Self {
        self.coverage = coverage;
        self
    }

    /// Restricts the experiment to the slice `[start, end)` of namespace `id`.
    pub fn namespace(mut self, id: impl Into<String>, start: f64, end: f64) -> Self {
        self.namespace = Some(Namespace {
            id: id.into(),
            start,
            end,
        });
        self
    }

    /// Sets the GrowthBook hash version (1 or 2).
    pub fn hash_version(mut self, version: u32) -> Self {
        self.hash_version = version;
        self
    }

    /// Validates the spec and precomputes what assignment needs.
    ///
    /// # Errors
    /// [`Error::InvalidExperiment`] for an empty or over-long key, an empty seed, fewer than two
    /// variants, an empty or duplicate variant name, a negative / NaN / infinite weight, weights not
    /// summing to 1 ± 0.01, a coverage outside `[0, 1]` or NaN, a namespace with an empty id or a
    /// range not satisfying `0 <= start < end <= 1`, or a hash version other than 1 and 2; a
    /// variant's configuration that [`Config::validate`] refuses is its error.
    pub fn build(self) -> Result<Experiment> {
        Experiment::new(self)
    }
}

/// Which bucketing hash an experiment uses (validated form of `hash_version`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum HashVersion {
    V1,
    V2,
}

/// A validated experiment, ready to assign users.
///
/// Built with [`Experiment::builder`] (or [`ExperimentSpec::build`]); serialises as its
/// [`ExperimentSpec`] and re-validates when deserialised.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(try_from = "ExperimentSpec", into = "ExperimentSpec")]
pub struct Experiment {
    spec: ExperimentSpec,
    ranges: Vec<(f64, f64)>,
    version: HashVersion,
    /// FNV state after the seed (version 2 hashes `seed + value`).
    seed_state: u32,
    /// UTF-16 units of the seed (version 1 hashes `value + seed`).
    seed_units: Vec<u16>,
    /// UTF-16 units of `"__" + namespace id`, with the slice bounds.
    namespace: Option<(Vec<u16>, f64, f64)>,
}

impl PartialEq for Experiment {
    fn eq(&self, other: &Self) -> bool {
        self.spec == other.spec
    }
}

impl TryFrom<ExperimentSpec> for Experiment {
    type Error = Error;

    fn try_from(spec: ExperimentSpec) -> Result<Self> {
        Experiment::new(spec)
    }
}

impl From<Experiment> for ExperimentSpec {
    fn from(e: Experiment) -> Self {
        e.spec
    }
}

/// Where a user landed in an experiment.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Assignment {
    /// Index of the variant (0 = control) in [`Experiment::variants`]; its name is
    /// [`Assignment::variant_name`]. (The bindings' `Assignment` has the same `index` and the
    /// name as `variant`.)
    pub index: usize,
    /// The variant's strategy.
    pub strategy: Strategy,
    /// The user's hash bucket in `[0, 1)` (GrowthBook's `hashValue` result).
    pub bucket: f64,
}

impl Assignment {
    /// The name of the assigned variant in `experiment`, the experiment that made this
    /// assignment (`""` if the index is outside its variants: an assignment of another one).
    pub fn variant_name<'e>(&self, experiment: &'e Experiment) -> &'e str {
        experiment
            .variants()
            .get(self.index)
            .map_or("", |v| v.name.as_str())
    }
}

fn invalid(msg: impl Into<String>) -> Error {
    Error::InvalidExperiment(msg.into())
}

impl Experiment {
    /// Starts a builder for an experiment with this key.
    ///
    /// ```
    /// use craic_core::experiments::Experiment;
    /// use craic_core::Strategy;
    ///
    /// let exp = Experiment::builder("home-feed")
    ///     .variant("control", 0.5, Strategy::Popularity)
    ///     .variant("hybrid", 0.5, Strategy::Hybrid)
    ///     .build()
    ///     .unwrap();
    /// assert_eq!(exp.key(), "home-feed");
    /// assert!(Experiment::builder("").build().is_err());
    /// ```
    pub fn builder(key: impl Into<String>) -> ExperimentSpec {
        ExperimentSpec::new(key)
    }

    /// Validates `spec` (see [`ExperimentSpec::build`] for the rules).
    ///
    /// # Errors
    /// [`Error::InvalidExperiment`] describing the first problem found.
    pub fn new(spec: ExperimentSpec) -> Result<Self> {
        if spec.key.is_empty() {
            return Err(invalid("experiment key is empty"));
        }
        if spec.key.len() > MAX_ID_LEN {
            return Err(invalid(format!(
                "experiment key is longer than {MAX_ID_LEN} bytes"
            )));
        }
        if spec.seed.as_deref() == Some("") {
            return Err(invalid(format!("experiment {:?}: seed is empty", spec.key)));
        }
        let key = &spec.key;
        if spec.variants.len() < 2 {
            return Err(invalid(format!(
                "experiment {key:?} needs at least 2 variants, has {}",
                spec.variants.len()
            )));
        }
        check_variants(key, &spec.variants)?;
        // Same summation order and tolerance as GrowthBook, so valid weights are never replaced by
        // GrowthBook's equal-weight fallback.
        let total = spec.variants.iter().fold(0.0, |sum, v| sum + v.weight);
        if !(0.99..=1.01).contains(&total) {
            return Err(invalid(format!(
                "experiment {key:?}: weights sum to {total}, not 1 (± 0.01)"
            )));
        }
        if !(0.0..=1.0).contains(&spec.coverage) {
            return Err(invalid(format!(
                "experiment {key:?}: coverage {} is outside [0, 1]",
                spec.coverage
            )));
        }
        let namespace = spec
            .namespace
            .as_ref()
            .map(|ns| namespace_of(key, ns))
            .transpose()?;
        let version = match spec.hash_version {
            1 => HashVersion::V1,
            2 => HashVersion::V2,
            other => {
                return Err(invalid(format!(
                    "experiment {key:?}: unknown hash version {other} (expected 1 or 2)"
                )))
            }
        };
        let weights: Vec<f64> = spec.variants.iter().map(|v| v.weight).collect();
        let ranges = get_bucket_ranges(weights.len(), spec.coverage, Some(&weights))?;
        let seed = spec.seed.as_deref().unwrap_or(&spec.key);
        let seed_state = fnv_continue(FNV_START, seed);
        let seed_units = seed.encode_utf16().collect();
        Ok(Experiment {
            spec,
            ranges,
            version,
            seed_state,
            seed_units,
            namespace,
        })
    }

    /// The experiment key.
    pub fn key(&self) -> &str {
        &self.spec.key
    }

    /// The variants, control first.
    pub fn variants(&self) -> &[Variant] {
        &self.spec.variants
    }

    /// Index of the variant called `name`.
    pub fn variant_index(&self, name: &str) -> Option<usize> {
        self.spec.variants.iter().position(|v| v.name == name)
    }

    /// The validated definition.
    pub fn spec(&self) -> &ExperimentSpec {
        &self.spec
    }

    /// The precomputed GrowthBook bucket ranges, one per variant.
    pub fn ranges(&self) -> &[(f64, f64)] {
        &self.ranges
    }

    /// Assigns `user_id`: `None` when the user is not in the experiment (empty id, outside the
    /// namespace slice, or outside the coverage), else the variant GrowthBook would choose.
    ///
    /// Deterministic and allocation-free: the seed's hash state and the ranges are precomputed.
    #[inline]
    pub fn assign(&self, user_id: &str) -> Option<Assignment> {
        if user_id.is_empty() {
            return None;
        }
        // One pass over the id yields every hash state needed: the id alone (prefix of the
        // version-1 and namespace hashes) and the seed followed by the id (version 2).
        let (user_state, seeded_state) = match (self.version, &self.namespace) {
            (HashVersion::V1, _) => (fnv_continue(FNV_START, user_id), 0),
            (HashVersion::V2, None) => (0, fnv_continue(self.seed_state, user_id)),
            (HashVersion::V2, Some(_)) => fnv_continue_pair(FNV_START, self.seed_state, user_id),
        };
        if let Some((units, start, end)) = &self.namespace {
            let n = bucket_v1(fnv_continue_units(user_state, units));
            if !(n >= *start && n < *end) {
                return None;
            }
        }
        let bucket = match self.version {
            HashVersion::V1 => bucket_v1(fnv_continue_units(user_state, &self.seed_units)),
            HashVersion::V2 => bucket_v2(seeded_state),
        };
        let variant = usize::try_from(choose_variation(bucket, &self.ranges)).ok()?;
        let strategy = self.spec.variants.get(variant)?.strategy;
        Some(Assignment {
            index: variant,
            strategy,
            bucket,
        })
    }
}

/// Every variant named, names distinct, weights finite and ≥ 0, configurations valid.
fn check_variants(key: &str, variants: &[Variant]) -> Result<()> {
    let mut names = HashSet::with_capacity(variants.len());
    for v in variants {
        if v.name.is_empty() {
            return Err(invalid(format!(
                "experiment {key:?}: a variant name is empty"
            )));
        }
        if !names.insert(v.name.as_str()) {
            return Err(invalid(format!(
                "experiment {key:?}: duplicate variant name {:?}",
                v.name
            )));
        }
        if !v.weight.is_finite() || v.weight < 0.0 {
            return Err(invalid(format!(
                "experiment {key:?}: variant {:?} has invalid weight {}",
                v.name, v.weight
            )));
        }
        if let Some(config) = &v.config {
            config.validate()?;
        }
    }
    Ok(())
}

/// A namespace's hashing units (`"__" + id`, UTF-16) and range, checked: a non-empty id and
/// `0 ≤ start < end ≤ 1`.
fn namespace_of(key: &str, ns: &Namespace) -> Result<(Vec<u16>, f64, f64)> {
    if ns.id.is_empty() {
        return Err(invalid(format!(
            "experiment {key:?}: namespace id is empty"
        )));
    }
    if !(ns.start >= 0.0 && ns.start < ns.end && ns.end <= 1.0) {
        return Err(invalid(format!(
            "experiment {key:?}: namespace range [{}, {}) is not within [0, 1] with start < end",
            ns.start, ns.end
        )));
    }
    let units: Vec<u16> = "__".encode_utf16().chain(ns.id.encode_utf16()).collect();
    Ok((units, ns.start, ns.end))
}

#[cfg(test)]
mod tests {
    use super::super::growthbook::{hash, in_namespace};
    use super::*;

    fn ab() -> ExperimentSpec {
        Experiment::builder("exp")
            .variant("control", 0.5, Strategy::Popularity)
            .variant("treatment", 0.5, Strategy::Hybrid)
    }

    fn err(spec: ExperimentSpec) -> String {
        match spec.build() {
            Err(Error::InvalidExperiment(m)) => m,
            other => panic!("expected InvalidExperiment, got {other:?}"),
        }
    }

    #[test]
    fn validation_rejects_every_bad_definition() {
        let mut empty_key = ab();
        empty_key.key.clear();
        assert!(err(empty_key).contains("key"));
        assert!(err(Experiment::builder("x")).contains("at least 2"));
        assert!(
            err(Experiment::builder("x").variant("a", 1.0, Strategy::Hybrid))
                .contains("at least 2")
        );
        let w = |a: f64, b: f64| {
            Experiment::builder("x")
                .variant("a", a, Strategy::Popularity)
                .variant("b", b, Strategy::Hybrid)
        };
        assert!(err(w(-0.1, 1.1)).contains("weight"));
        assert!(err(w(f64::NAN, 0.5)).contains("weight"));
        assert!(err(w(f64::INFINITY, 0.5)).contains("weight"));
        assert!(err(w(0.5, 0.4)).contains("sum"));
        assert!(err(w(0.7, 0.6)).contains("sum"));
        assert!(w(0.4, 0.5999).build().is_ok());
        assert!(err(ab().coverage(1.5)).contains("coverage"));
        assert!(err(ab().coverage(-0.1)).contains("coverage"));
        assert!(err(ab().coverage(f64::NAN)).contains("coverage"));
        assert!(err(ab().namespace("ns", 0.5, 0.5)).contains("namespace"));
        assert!(err(ab().namespace("ns", -0.1, 0.5)).contains("namespace"));
        assert!(err(ab().namespace("ns", 0.0, 1.1)).contains("namespace"));
        assert!(err(ab().namespace("ns", f64::NAN, 0.5)).contains("namespace"));
        assert!(err(ab().namespace("", 0.0, 0.5)).contains("namespace"));
        assert!(err(ab().hash_version(3)).contains("hash version"));
        assert!(err(ab().seed("")).contains("seed"));
        let dup = Experiment::builder("x")
            .variant("a", 0.5, Strategy::Popularity)
            .variant("a", 0.5, Strategy::Hybrid);
        assert!(err(dup).contains("duplicate"));
        let unnamed = Experiment::builder("x")
            .variant("", 0.5, Strategy::Popularity)
            .variant("a", 0.5, Strategy::Hybrid);
        assert!(err(unnamed).contains("name"));
    }

    /// The slow path spelled out with the public GrowthBook primitives.
    fn reference(spec: &ExperimentSpec, user: &str) -> Option<usize> {
        if user.is_empty() {
            return None;
        }
        if let Some(ns) = &spec.namespace {
            if !in_namespace(user, (&ns.id, ns.start, ns.end)) {
                return None;
            }
        }
        let seed = spec.seed.as_deref().unwrap_or(&spec.key);
        let n = hash(seed, user, spec.hash_version)?;
        let weights: Vec<f64> = spec.variants.iter().map(|v| v.weight).collect();
        let ranges = get_bucket_ranges(weights.len(), spec.coverage, Some(&weights)).ok()?;
        usize::try_from(choose_variation(n, &ranges)).ok()
    }

    #[test]
    fn fast_assignment_equals_the_reference_path() {
        let specs = [
            ab(),
            ab().hash_version(1),
            ab().coverage(0.3).seed("s€ed🎉"),
            ab().namespace("ns", 0.2, 0.7).hash_version(1),
            ab().namespace("ñs", 0.0, 0.5).coverage(0.8),
            Experiment::builder("three")
                .variant("a", 0.2, Strategy::Popularity)
                .variant("b", 0.3, Strategy::Content)
                .variant("c", 0.5, Strategy::Hybrid),
        ];
        let users: Vec<String> = (0..3000)
            .map(|i| match i % 4 {
                0 => format!("user-{i}"),
                1 => format!("ü{i}é"),
                2 => format!("{i}🎉👩‍👩‍👧"),
                _ => i.to_string(),
            })
            .chain(["".to_string()])
            .collect();
        for spec in specs {
            let exp = spec.clone().build().unwrap();
            for u in &users {
                let fast = exp.assign(u);
                assert_eq!(fast.map(|a| a.index), reference(&spec, u), "{u:?}");
                if let Some(a) = fast {
                    assert_eq!(a.strategy, spec.variants[a.index].strategy);
                    assert_eq!(a.variant_name(&exp), spec.variants[a.index].name);
                }
            }
        }
    }

    #[test]
    fn assignment_is_balanced_and_deterministic() {
        let exp = ab().build().unwrap();
        let n = 20_000;
        let treated = (0..n)
            .filter(|i| exp.assign(&format!("u{i}")).unwrap().index == 1)
            .count();
        assert!((treated as f64 / n as f64 - 0.5).abs() < 0.02, "{treated}");
        assert_eq!(exp.assign("alice"), exp.assign("alice"));
        assert_eq!(exp.assign(""), None);
    }

    #[test]
    fn serde_round_trip_revalidates() {
        let exp = ab()
            .coverage(0.5)
            .namespace("ns", 0.0, 0.5)
            .build()
            .unwrap();
        let json = serde_json::to_string(&exp).unwrap();
        let back: Experiment = serde_json::from_str(&json).unwrap();
        assert_eq!(back, exp);
        assert_eq!(back.assign("bob"), exp.assign("bob"));
        let bad = json.replace("\"coverage\":0.5", "\"coverage\":2.0");
        assert!(serde_json::from_str::<Experiment>(&bad).is_err());
        let minimal = r#"{"key":"k","variants":[{"name":"a","weight":0.5,"strategy":"popularity"},{"name":"b","weight":0.5,"strategy":"content"}]}"#;
        let m: Experiment = serde_json::from_str(minimal).unwrap();
        assert_eq!(m.spec().hash_version, 2);
        assert_eq!(m.spec().coverage, 1.0);
    }

    #[test]
    fn a_variant_config_is_validated_and_round_trips() {
        let bad = Config {
            neighbours: 0,
            ..Config::default()
        };
        let spec = Experiment::builder("c")
            .variant("a", 0.5, Strategy::Hybrid)
            .variant("b", 0.5, Treatment::new(Strategy::Hybrid).config(bad));
        let kind = spec.build().map(drop).unwrap_err().kind();
        assert_eq!(kind, crate::ErrorKind::InvalidConfig);

        let ten = Config {
            neighbours: 10,
            ..Config::default()
        };
        let exp = Experiment::builder("c")
            .variant("a", 0.5, Strategy::Hybrid)
            .variant(
                "b",
                0.5,
                Treatment::new(Strategy::Hybrid).config(ten.clone()),
            )
            .build()
            .unwrap();
        let json = serde_json::to_string(&exp).unwrap();
        let back: Experiment = serde_json::from_str(&json).unwrap();
        assert_eq!(back.variants()[1].config, Some(ten));
        assert_eq!(back.variants()[0].config, None);
        // Without a config the stored form is what it was before configs existed.
        let plain = serde_json::to_string(&ab().build().unwrap()).unwrap();
        assert!(!plain.contains("config"), "{plain}");
    }
}
