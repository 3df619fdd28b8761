//! The `Strategy` class and the strategy argument: a `Strategy` or its name.

use craic_core as core;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;

use crate::errors;

/// A recommendation strategy. Anywhere a strategy is expected its name works too
/// (`"popularity"`, `"collaborative"`, `"content"`, `"hybrid"`, `"item_based"`).
#[pyclass(
    frozen,
    eq,
    module = "craic._craic",
    name = "Strategy",
    rename_all = "UPPERCASE"
)]
#[derive(Clone, Copy, PartialEq)]
pub enum PyStrategy {
    /// Time-decayed interaction counts, per city when the user has one.
    Popularity,
    /// Neighbour-weighted scores from the most similar users.
    Collaborative,
    /// Item metadata against the user's preferences and history.
    Content,
    /// A blend of the three, more collaborative as the user's history grows.
    Hybrid,
    /// The user's history times item–item weights: the linear item model's
    /// (`Config(linear_items=...)` > 0) or the item neighbourhoods'
    /// (`Config(item_neighbours=...)` > 0); with neither, an `invalid_config` error.
    #[pyo3(name = "ITEM_BASED")]
    ItemBased,
}

impl From<PyStrategy> for core::Strategy {
    fn from(s: PyStrategy) -> Self {
        match s {
            PyStrategy::Popularity => core::Strategy::Popularity,
            PyStrategy::Collaborative => core::Strategy::Collaborative,
            PyStrategy::Content => core::Strategy::Content,
            PyStrategy::Hybrid => core::Strategy::Hybrid,
            PyStrategy::ItemBased => core::Strategy::ItemBased,
        }
    }
}

impl From<core::Strategy> for PyStrategy {
    fn from(s: core::Strategy) -> Self {
        match s {
            core::Strategy::Popularity => PyStrategy::Popularity,
            core::Strategy::Collaborative => PyStrategy::Collaborative,
            core::Strategy::Content => PyStrategy::Content,
            core::Strategy::Hybrid => PyStrategy::Hybrid,
            core::Strategy::ItemBased => PyStrategy::ItemBased,
        }
    }
}

#[pymethods]
impl PyStrategy {
    /// The lower-case name (`"hybrid"`).
    #[getter]
    fn value(&self) -> &'static str {
        core::Strategy::from(*self).as_str()
    }

    fn __str__(&self) -> &'static str {
        core::Strategy::from(*self).as_str()
    }
}

/// A strategy argument: a `Strategy` or its name. Unknown names are an `InvalidInputError` with
/// kind `invalid_config`.
#[derive(Clone, Copy)]
pub(crate) struct StrategyArg(pub(crate) core::Strategy);

impl<'a, 'py> FromPyObject<'a, 'py> for StrategyArg {
    type Error = PyErr;

    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        if let Ok(s) = obj.cast::<PyStrategy>() {
            return Ok(StrategyArg((*s.get()).into()));
        }
        let name: String = obj.extract().map_err(|_| {
            PyTypeError::new_err("strategy must be a Strategy or one of its names (str)")
        })?;
        name.parse()
            .map(StrategyArg)
            .map_err(|e: core::Error| errors::to_py(e))
    }
}
