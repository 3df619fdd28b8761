//! The synthetic event-discovery dataset: `generate(preset, *, seed, **overrides)` and the
//! `Dataset` class. Re-exported by the pure-Python module `craic.synthetic`.

use std::fs::File;
use std::io::BufWriter;
use std::path::PathBuf;

use craic_core as core;
use craic_core::synthetic::{Dataset, SyntheticConfig};
use numpy::PyArray1;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};

use crate::args::Count;
use crate::catalog::{PyItem, PyPreferences};
use crate::errors;
use crate::interactions::PyInteraction;

fn invalid_config(msg: String) -> PyErr {
    errors::to_py(core::Error::InvalidConfig(msg))
}

fn preset(name: &str) -> PyResult<SyntheticConfig> {
    SyntheticConfig::preset(name).map_err(errors::to_py)
}

fn set_field(c: &mut SyntheticConfig, name: &str, value: &Bound<'_, PyAny>) -> PyResult<()> {
    match name {
        "seed" => c.seed = value.extract::<Count<_>>()?.get(),
        "users" => c.users = value.extract::<Count<_>>()?.get(),
        "items" => c.items = value.extract::<Count<_>>()?.get(),
        "interactions" => c.interactions = value.extract::<Count<_>>()?.get(),
        "cities" => c.cities = value.extract::<Count<_>>()?.get(),
        "genres" => c.genres = value.extract::<Count<_>>()?.get(),
        "artists" => c.artists = value.extract::<Count<_>>()?.get(),
        "venues_per_city" => c.venues_per_city = value.extract::<Count<_>>()?.get(),
        "clusters" => c.clusters = value.extract::<Count<_>>()?.get(),
        "start" => c.start = value.extract::<Count<_>>()?.get(),
        "days" => c.days = value.extract::<Count<_>>()?.get(),
        "lookahead_days" => c.lookahead_days = value.extract::<Count<_>>()?.get(),
        "preference_share" => c.preference_share = value.extract()?,
        "artist_share" => c.artist_share = value.extract()?,
        "explore_share" => c.explore_share = value.extract()?,
        "zipf_exponent" => c.zipf_exponent = value.extract()?,
        "activity_sigma" => c.activity_sigma = value.extract()?,
        "content_signal" => c.content_signal = value.extract()?,
        "collaborative_signal" => c.collaborative_signal = value.extract()?,
        "popularity_share" => c.popularity_share = value.extract()?,
        other => {
            return Err(invalid_config(format!(
                "unknown synthetic config field {other:?}"
            )))
        }
    }
    Ok(())
}

/// The config as a dict of field name to value.
fn config_dict<'py>(py: Python<'py>, c: &SyntheticConfig) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("seed", c.seed)?;
    d.set_item("users", c.users)?;
    d.set_item("items", c.items)?;
    d.set_item("interactions", c.interactions)?;
    d.set_item("cities", c.cities)?;
    d.set_item("genres", c.genres)?;
    d.set_item("artists", c.artists)?;
    d.set_item("venues_per_city", c.venues_per_city)?;
    d.set_item("clusters", c.clusters)?;
    d.set_item("start", c.start)?;
    d.set_item("days", c.days)?;
    d.set_item("lookahead_days", c.lookahead_days)?;
    d.set_item("preference_share", c.preference_share)?;
    d.set_item("artist_share", c.artist_share)?;
    d.set_item("explore_share", c.explore_share)?;
    d.set_item("zipf_exponent", c.zipf_exponent)?;
    d.set_item("activity_sigma", c.activity_sigma)?;
    d.set_item("content_signal", c.content_signal)?;
    d.set_item("collaborative_signal", c.collaborative_signal)?;
    d.set_item("popularity_share", c.popularity_share)?;
    Ok(d)
}

/// The settings of a preset (`"tiny"`, `"small"`, `"medium"`, `"large"`) as a dict; the keys
/// are the overrides `generate` accepts.
#[pyfunction]
#[pyo3(signature = (preset = String::from("small")), text_signature = "(preset='small')")]
pub(crate) fn preset_config<'py>(
    py: Python<'py>,
    #[pyo3(from_py_with = crate::args::arg)] preset: String,
) -> PyResult<Bound<'py, PyDict>> {
    config_dict(py, &self::preset(&preset)?)
}

/// The settings of the named world `world` (`"default"`, `"content-uninformative"`,
/// `"purely-collaborative"`, `"popularity-dominant"`, `"short-histories"`, `"long-histories"`)
/// made from `preset`, as a dict; see `docs/evaluation.md` for what each world changes. An
/// unknown world or preset raises `InvalidInputError` (kind `invalid_config`).
#[pyfunction]
#[pyo3(
    signature = (world = String::from("default"), preset = String::from("small")),
    text_signature = "(world='default', preset='small')"
)]
pub(crate) fn world_config<'py>(
    py: Python<'py>,
    #[pyo3(from_py_with = crate::args::arg)] world: String,
    #[pyo3(from_py_with = crate::args::arg)] preset: String,
) -> PyResult<Bound<'py, PyDict>> {
    let config = SyntheticConfig::world(&world, &preset).map_err(errors::to_py)?;
    config_dict(py, &config)
}

/// Generates a synthetic event-discovery dataset: users with hidden tastes (home city, genres,
/// favourite artists), a catalogue of upcoming events and implicit feedback (`click`, `save`,
/// `hide`) drawn from those tastes. Deterministic for a given config.
///
/// `preset` is `"tiny"` (200 users, 80 events, 2 000 interactions), `"small"` (2 000 / 500 /
/// 40 000), `"medium"` (100 000 / 20 000 / 2 000 000) or `"large"` (1 000 000 / 100 000 /
/// 20 000 000); `overrides` set fields of the preset (`users=500`, `days=30`, ... — see
/// `preset_config`). `world` changes the preset into a named world first (see `world_config`),
/// then the overrides apply. Out-of-range values are clamped (see `Dataset.config`). An unknown
/// preset, world or field raises `InvalidInputError` (kind `invalid_config`). Runs with the GIL
/// released.
#[pyfunction]
#[pyo3(
    signature = (preset = String::from("small"), *, seed = Count(SyntheticConfig::small().seed),
        world = String::from("default"), **overrides),
    text_signature = "(preset='small', *, seed=42, world='default', **overrides)"
)]
pub(crate) fn generate(
    py: Python<'_>,
    #[pyo3(from_py_with = crate::args::arg)] preset: String,
    seed: Count<u64>,
    #[pyo3(from_py_with = crate::args::arg)] world: String,
    overrides: Option<&Bound<'_, PyDict>>,
) -> PyResult<PyDataset> {
    let mut config = self::preset(&preset)?
        .in_world(&world)
        .map_err(errors::to_py)?
        .with_seed(seed.get());
    if let Some(overrides) = overrides {
        for (name, value) in overrides.iter() {
            let name: String = crate::args::arg(&name)?;
            set_field(&mut config, &name, &value)?;
        }
    }
    let inner = py.detach(|| Dataset::generate(&config));
    Ok(PyDataset { inner })
}

/// A generated dataset: catalogue, onboarding preferences, interactions (sorted by time) and
/// the hidden ground truth (`affinity`). User ids are `u0`, `u1`, ...; item ids `e0`, `e1`, ...
/// (`items[i].id == f"e{i}"`).
#[pyclass(frozen, module = "craic._craic", name = "Dataset")]
pub struct PyDataset {
    inner: Dataset,
}

#[pymethods]
impl PyDataset {
    /// The (clamped) settings it was generated from, as a dict.
    #[getter]
    fn config<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        config_dict(py, &self.inner.config)
    }

    /// The catalogue.
    #[getter]
    fn items(&self) -> Vec<PyItem> {
        self.inner
            .items
            .iter()
            .map(|i| PyItem { inner: i.clone() })
            .collect()
    }

    /// Onboarding preferences by user id, in user order (not every user has a row).
    #[getter]
    fn preferences<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        for (user, p) in &self.inner.preferences {
            d.set_item(user, PyPreferences { inner: p.clone() })?;
        }
        Ok(d)
    }

    /// The interactions, sorted by timestamp.
    #[getter]
    fn interactions(&self) -> Vec<PyInteraction> {
        self.inner
            .interactions
            .iter()
            .map(|i| PyInteraction { inner: i.clone() })
            .collect()
    }

    /// City names, biggest first.
    #[getter]
    fn cities(&self) -> Vec<String> {
        self.inner.cities.clone()
    }

    /// Genre names, most popular first.
    #[getter]
    fn genres(&self) -> Vec<String> {
        self.inner.genres.clone()
    }

    /// Number of users (`u0 .. u{n-1}`); some may have no interactions.
    #[getter]
    fn user_count(&self) -> usize {
        self.inner.user_count()
    }

    /// The interactions as columns of numpy arrays (fast for large datasets):
    /// `{"user_index": int64, "item_index": int64, "kind": object (str), "timestamp": int64}`,
    /// where user `i` is `f"u{i}"` and item `j` is `items[j]`. Requires numpy.
    fn interactions_arrays<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let data = &self.inner;
        let (users, items, kinds, times, names) = py.detach(|| {
            let n = data.interactions.len();
            let (mut users, mut items, mut kinds, mut times) = (
                Vec::with_capacity(n),
                Vec::with_capacity(n),
                Vec::with_capacity(n),
                Vec::with_capacity(n),
            );
            let mut names: Vec<&str> = Vec::new();
            let index = |x: Option<usize>| x.map_or(-1, |i| i64::try_from(i).unwrap_or(-1));
            for i in &data.interactions {
                users.push(index(data.user_index(&i.user_id)));
                items.push(index(data.item_index(&i.item_id)));
                let code = match names.iter().position(|k| *k == i.kind) {
                    Some(c) => c,
                    None => {
                        names.push(&i.kind);
                        names.len() - 1
                    }
                };
                kinds.push(code);
                times.push(i.timestamp);
            }
            (users, items, kinds, times, names)
        });
        let names: Vec<Py<PyAny>> = names
            .iter()
            .map(|k| PyString::new(py, k).into_any().unbind())
            .collect();
        let kinds: Vec<Py<PyAny>> = kinds.iter().map(|&c| names[c].clone_ref(py)).collect();
        let d = PyDict::new(py);
        d.set_item("user_index", PyArray1::from_vec(py, users))?;
        d.set_item("item_index", PyArray1::from_vec(py, items))?;
        d.set_item("kind", PyArray1::from_vec(py, kinds))?;
        d.set_item("timestamp", PyArray1::from_vec(py, times))?;
        Ok(d)
    }

    /// The hidden chance, in `[0, 1]`, that `user_id` converts when shown `item_id` (taste match
    /// × the item's appeal): the ground truth a recommender tries to recover. 0 for unknown ids.
    fn affinity(
        &self,
        #[pyo3(from_py_with = crate::args::arg)] user_id: String,
        #[pyo3(from_py_with = crate::args::arg)] item_id: String,
    ) -> f64 {
        self.inner.affinity(&user_id, &item_id)
    }

    /// Writes `items.csv`, `preferences.csv` and `interactions.csv` into `directory` (created if
    /// missing) with the core's CSV writers; returns the three paths. Lists inside a field are
    /// `|`-separated, times unix seconds. Raises `StorageError` (an `OSError`, kind `io`) when a
    /// file cannot be written.
    fn write_csv(
        &self,
        py: Python<'_>,
        #[pyo3(from_py_with = crate::args::arg)] directory: PathBuf,
    ) -> PyResult<(PathBuf, PathBuf, PathBuf)> {
        let data = &self.inner;
        py.detach(|| -> std::io::Result<_> {
            std::fs::create_dir_all(&directory)?;
            let paths = (
                directory.join("items.csv"),
                directory.join("preferences.csv"),
                directory.join("interactions.csv"),
            );
            data.write_items_csv(BufWriter::new(File::create(&paths.0)?))?;
            data.write_preferences_csv(BufWriter::new(File::create(&paths.1)?))?;
            data.write_interactions_csv(BufWriter::new(File::create(&paths.2)?))?;
            Ok(paths)
        })
        .map_err(|e| errors::io_to_py(e, &directory))
    }

    /// The three CSV documents `(items, preferences, interactions)` as strings (see
    /// `write_csv`); meant for small datasets.
    fn to_csv(&self, py: Python<'_>) -> (String, String, String) {
        py.detach(|| self.inner.to_csv())
    }

    fn __repr__(&self) -> String {
        let d = &self.inner;
        format!(
            "Dataset(users={}, items={}, interactions={}, preferences={}, seed={})",
            d.user_count(),
            d.items.len(),
            d.interactions.len(),
            d.preferences.len(),
            d.config.seed
        )
    }
}
