//! `Experiment` (definition and assignment), its `Variant`s and `Assignment`.

use craic_core as core;
use craic_core::experiments as exp;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;

use crate::args::Count;
use crate::config::PyConfig;
use crate::errors;
use crate::repr::opt;
use crate::strategy::PyStrategy;

// ---------------------------------------------------------------------------------------------
// Experiment and Assignment.

/// One arm of an experiment: `Variant(name, weight, strategy, *, config=None)`. With a
/// `config`, a `Service` serves the arm from an engine built with that `Config` on the same
/// data, so configurations (neighbours, half-life, blend, ...) can be A/B tested.
#[pyclass(frozen, eq, get_all, module = "craic._craic", name = "Variant")]
#[derive(Clone, PartialEq)]
pub struct PyVariant {
    /// Unique name within the experiment.
    pub name: String,
    /// Share of the covered traffic.
    pub weight: f64,
    /// The strategy users in this arm get.
    pub strategy: PyStrategy,
    /// The engine configuration users in this arm are served from (`None`: the serving one).
    pub config: Option<PyConfig>,
}

#[pymethods]
impl PyVariant {
    /// A variant; `strategy` is a `Strategy` or its name (checked when the experiment is
    /// built).
    #[new]
    #[pyo3(signature = (name, weight, strategy, *, config = None))]
    fn new(
        #[pyo3(from_py_with = crate::args::arg)] name: String,
        weight: f64,
        strategy: &Bound<'_, PyAny>,
        config: Option<PyRef<'_, PyConfig>>,
    ) -> PyResult<Self> {
        Ok(PyVariant {
            strategy: strategy_of("", &name, strategy)?.into(),
            name,
            weight,
            config: config.map(|c| c.clone()),
        })
    }

    fn __repr__(&self) -> String {
        let config = if self.config.is_some() {
            ", config=Config(...)"
        } else {
            ""
        };
        format!(
            "Variant(name={:?}, weight={:?}, strategy={:?}{config})",
            self.name,
            self.weight,
            core::Strategy::from(self.strategy).as_str()
        )
    }
}

impl PyVariant {
    /// The Python form of a core variant.
    pub(crate) fn of(v: &core::experiments::Variant) -> Self {
        PyVariant {
            name: v.name.clone(),
            weight: v.weight,
            strategy: v.strategy.into(),
            config: v.config.clone().map(|inner| PyConfig { inner }),
        }
    }
}

/// One `variants` entry: a `Variant`, or a `(name, weight, strategy)` tuple, the strategy a
/// `Strategy` or its name. An unknown strategy name makes the experiment invalid.
fn variant_row(key: &str, obj: &Bound<'_, PyAny>) -> PyResult<core::experiments::Variant> {
    if let Ok(v) = obj.cast::<PyVariant>() {
        let v = v.get();
        return Ok(core::experiments::Variant {
            name: v.name.clone(),
            weight: v.weight,
            strategy: v.strategy.into(),
            config: v.config.as_ref().map(|c| c.inner.clone()),
        });
    }
    let (name, weight, strategy): (String, f64, Bound<'_, PyAny>) =
        obj.extract().map_err(|e: PyErr| {
            let py = obj.py();
            let err = PyTypeError::new_err(format!(
                "experiment {key:?}: a variant must be a Variant or a (name, weight, strategy) \
                 tuple ({})",
                e.value(py)
            ));
            err.set_cause(py, Some(e));
            err
        })?;
    Ok(core::experiments::Variant {
        strategy: strategy_of(key, &name, &strategy)?,
        name,
        weight,
        config: None,
    })
}

/// A variant's strategy: a `Strategy` or its name.
fn strategy_of(key: &str, name: &str, strategy: &Bound<'_, PyAny>) -> PyResult<core::Strategy> {
    if let Ok(s) = strategy.cast::<PyStrategy>() {
        Ok(core::Strategy::from(*s.get()))
    } else {
        let text: String = strategy.extract().map_err(|_| {
            PyTypeError::new_err(format!(
                "experiment {key:?}: variant {name:?}: strategy must be a Strategy or its name"
            ))
        })?;
        text.parse().map_err(|_| {
            errors::to_py(core::Error::InvalidExperiment(format!(
                "experiment {key:?}: variant {name:?} has unknown strategy {text:?}"
            )))
        })
    }
}

/// A validated A/B experiment that deterministically assigns users to variants, exactly as
/// GrowthBook's SDKs do (same hash, ranges, coverage and namespaces).
///
/// `variants` lists `Variant`s (one with `config=` is served from an engine of its own by a
/// `Service`) or `(name, weight, strategy)` tuples, control first; the weights sum to 1.
/// `coverage` is the share of users included; `namespace=(id, start, end)` restricts the
/// experiment to a slice of a namespace (experiments in disjoint slices never share users);
/// `hash_version` is 1 or 2; `seed` overrides the key as hash seed. Every rule is checked here:
/// a bad definition raises `InvalidInputError` with kind `invalid_experiment`.
#[pyclass(frozen, eq, module = "craic._craic", name = "Experiment")]
#[derive(Clone, PartialEq)]
pub struct PyExperiment {
    pub(crate) inner: exp::Experiment,
}

#[pymethods]
impl PyExperiment {
    #[new]
    #[pyo3(
        signature = (key, variants, *, coverage = exp::Experiment::builder("").coverage,
            namespace = None, hash_version = Count(i64::from(exp::Experiment::builder("").hash_version)),
            seed = None),
        text_signature = "(key, variants, *, coverage=1.0, namespace=None, hash_version=2, seed=None)"
    )]
    fn new(
        #[pyo3(from_py_with = crate::args::arg)] key: String,
        variants: &Bound<'_, PyAny>,
        coverage: f64,
        #[pyo3(from_py_with = crate::args::arg)] namespace: Option<(String, f64, f64)>,
        hash_version: Count<i64>,
        #[pyo3(from_py_with = crate::args::arg)] seed: Option<String>,
    ) -> PyResult<Self> {
        let hash_version = hash_version.get();
        let hash_version = u32::try_from(hash_version).map_err(|_| {
            errors::to_py(core::Error::InvalidExperiment(format!(
                "experiment {key:?}: unknown hash version {hash_version} (expected 1 or 2)"
            )))
        })?;
        let mut spec = exp::ExperimentSpec::new(key)
            .coverage(coverage)
            .hash_version(hash_version);
        for row in variants.try_iter()? {
            let v = variant_row(&spec.key, &row?)?;
            spec.variants.push(v);
        }
        if let Some((id, start, end)) = namespace {
            spec = spec.namespace(id, start, end);
        }
        if let Some(seed) = seed {
            spec = spec.seed(seed);
        }
        let inner = spec.build().map_err(errors::to_py)?;
        Ok(PyExperiment { inner })
    }

    /// The experiment key.
    #[getter]
    fn key(&self) -> &str {
        self.inner.key()
    }

    /// The variants, control first.
    #[getter]
    fn variants(&self) -> Vec<PyVariant> {
        self.inner.variants().iter().map(PyVariant::of).collect()
    }

    /// Share of users included, in `[0, 1]`.
    #[getter]
    fn coverage(&self) -> f64 {
        self.inner.spec().coverage
    }

    /// The namespace slice `(id, start, end)`, or `None`.
    #[getter]
    fn namespace(&self) -> Option<(String, f64, f64)> {
        self.inner
            .spec()
            .namespace
            .as_ref()
            .map(|n| (n.id.clone(), n.start, n.end))
    }

    /// The GrowthBook hash version (1 or 2).
    #[getter]
    fn hash_version(&self) -> u32 {
        self.inner.spec().hash_version
    }

    /// The hash seed given (`None`: the key is the seed).
    #[getter]
    fn seed(&self) -> Option<String> {
        self.inner.spec().seed.clone()
    }

    /// The bucket ranges `(start, end)`, one per variant.
    #[getter]
    fn ranges(&self) -> Vec<(f64, f64)> {
        self.inner.ranges().to_vec()
    }

    /// Where `user_id` lands: an `Assignment`, or `None` when the user is not in the experiment
    /// (empty id, outside the namespace slice or outside the coverage). Deterministic.
    fn assign(
        &self,
        #[pyo3(from_py_with = crate::args::arg)] user_id: String,
    ) -> Option<PyAssignment> {
        self.inner
            .assign(&user_id)
            .map(|a| PyAssignment::new(&self.inner, a))
    }

    /// `assign` for many users at once (the GIL released); one entry per user, in order.
    fn assign_many(
        &self,
        py: Python<'_>,
        #[pyo3(from_py_with = crate::args::arg)] user_ids: Vec<String>,
    ) -> Vec<Option<PyAssignment>> {
        py.detach(|| {
            user_ids
                .iter()
                .map(|u| {
                    self.inner
                        .assign(u)
                        .map(|a| PyAssignment::new(&self.inner, a))
                })
                .collect()
        })
    }

    fn __repr__(&self) -> String {
        let s = self.inner.spec();
        let variants: Vec<String> = s
            .variants
            .iter()
            .map(|v| format!("({:?}, {:?}, {:?})", v.name, v.weight, v.strategy.as_str()))
            .collect();
        let namespace = s.namespace.as_ref().map_or_else(
            || "None".to_owned(),
            |n| format!("({:?}, {:?}, {:?})", n.id, n.start, n.end),
        );
        format!(
            "Experiment(key={:?}, variants=[{}], coverage={:?}, namespace={}, hash_version={}, \
             seed={})",
            s.key,
            variants.join(", "),
            s.coverage,
            namespace,
            s.hash_version,
            opt(&s.seed)
        )
    }
}

/// Where a user landed in an experiment.
#[pyclass(frozen, eq, get_all, module = "craic._craic", name = "Assignment")]
#[derive(Clone, PartialEq)]
pub struct PyAssignment {
    /// The variant's name.
    pub variant: String,
    /// The variant's index (0 = control).
    pub index: usize,
    /// The variant's strategy.
    pub strategy: PyStrategy,
    /// The user's hash bucket in `[0, 1)`.
    pub bucket: f64,
}

impl PyAssignment {
    fn new(experiment: &exp::Experiment, a: exp::Assignment) -> Self {
        PyAssignment {
            variant: experiment
                .variants()
                .get(a.index)
                .map(|v| v.name.clone())
                .unwrap_or_default(),
            index: a.index,
            strategy: a.strategy.into(),
            bucket: a.bucket,
        }
    }
}

#[pymethods]
impl PyAssignment {
    pub(crate) fn __repr__(&self) -> String {
        format!(
            "Assignment(variant={:?}, index={}, strategy={:?}, bucket={:?})",
            self.variant,
            self.index,
            core::Strategy::from(self.strategy).as_str(),
            self.bucket
        )
    }
}
