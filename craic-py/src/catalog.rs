//! The catalogue's classes: `Item` (an event that can be recommended) and `Preferences` (what a
//! user said they like), and the `{user_id: Preferences}` argument.

use craic_core as core;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::PyMapping;

use crate::args::{ts, Timestamp};
use crate::repr::opt;

/// An event that can be recommended. Times are unix seconds.
#[pyclass(frozen, eq, module = "craic._craic", name = "Item")]
#[derive(Clone, PartialEq)]
pub struct PyItem {
    pub(crate) inner: core::Item,
}

#[pymethods]
impl PyItem {
    #[new]
    #[pyo3(signature = (id, starts_at, *, city = String::new(), venue = String::new(),
        genres = Vec::new(), artists = Vec::new(), ends_at = None, tags = Vec::new()))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        #[pyo3(from_py_with = crate::args::arg)] id: String,
        starts_at: Timestamp,
        #[pyo3(from_py_with = crate::args::arg)] city: String,
        #[pyo3(from_py_with = crate::args::arg)] venue: String,
        #[pyo3(from_py_with = crate::args::arg)] genres: Vec<String>,
        #[pyo3(from_py_with = crate::args::arg)] artists: Vec<String>,
        ends_at: Option<Timestamp>,
        #[pyo3(from_py_with = crate::args::arg)] tags: Vec<String>,
    ) -> Self {
        PyItem {
            inner: core::Item {
                id,
                city,
                venue,
                genres,
                artists,
                starts_at: starts_at.0,
                ends_at: ts(ends_at),
                tags,
            },
        }
    }

    /// Unique id.
    #[getter]
    fn id(&self) -> &str {
        &self.inner.id
    }

    /// Start time (unix seconds); started events are never recommended.
    #[getter]
    fn starts_at(&self) -> i64 {
        self.inner.starts_at
    }

    /// City ("" if unknown).
    #[getter]
    fn city(&self) -> &str {
        &self.inner.city
    }

    /// Venue ("" if unknown).
    #[getter]
    fn venue(&self) -> &str {
        &self.inner.venue
    }

    /// Genres.
    #[getter]
    fn genres(&self) -> Vec<String> {
        self.inner.genres.clone()
    }

    /// Performing artists.
    #[getter]
    fn artists(&self) -> Vec<String> {
        self.inner.artists.clone()
    }

    /// End time (unix seconds), if known.
    #[getter]
    fn ends_at(&self) -> Option<i64> {
        self.inner.ends_at
    }

    /// Free-form tags.
    #[getter]
    fn tags(&self) -> Vec<String> {
        self.inner.tags.clone()
    }

    fn __repr__(&self) -> String {
        let i = &self.inner;
        format!(
            "Item(id={:?}, starts_at={}, city={:?}, venue={:?}, genres={:?}, artists={:?}, \
             ends_at={}, tags={:?})",
            i.id,
            i.starts_at,
            i.city,
            i.venue,
            i.genres,
            i.artists,
            opt(&i.ends_at),
            i.tags
        )
    }
}

/// What a user said they like; the first city is their home city for popularity.
#[pyclass(frozen, eq, module = "craic._craic", name = "Preferences")]
#[derive(Clone, PartialEq)]
pub struct PyPreferences {
    pub(crate) inner: core::Preferences,
}

#[pymethods]
impl PyPreferences {
    #[new]
    #[pyo3(signature = (*, genres = Vec::new(), artists = Vec::new(), cities = Vec::new()))]
    fn new(
        #[pyo3(from_py_with = crate::args::arg)] genres: Vec<String>,
        #[pyo3(from_py_with = crate::args::arg)] artists: Vec<String>,
        #[pyo3(from_py_with = crate::args::arg)] cities: Vec<String>,
    ) -> Self {
        PyPreferences {
            inner: core::Preferences {
                genres,
                artists,
                cities,
            },
        }
    }

    /// Liked genres.
    #[getter]
    fn genres(&self) -> Vec<String> {
        self.inner.genres.clone()
    }

    /// Liked artists.
    #[getter]
    fn artists(&self) -> Vec<String> {
        self.inner.artists.clone()
    }

    /// Cities the user goes out in.
    #[getter]
    fn cities(&self) -> Vec<String> {
        self.inner.cities.clone()
    }

    fn __repr__(&self) -> String {
        let p = &self.inner;
        format!(
            "Preferences(genres={:?}, artists={:?}, cities={:?})",
            p.genres, p.artists, p.cities
        )
    }
}

/// Converts a `{user_id: Preferences}` mapping (anything with `.items()`); `None` is empty.
pub(crate) fn preferences_map(
    mapping: Option<&Bound<'_, PyAny>>,
) -> PyResult<Vec<(String, core::Preferences)>> {
    let mut prefs = Vec::new();
    if let Some(mapping) = mapping {
        let mapping = mapping.cast::<PyMapping>().map_err(|_| {
            PyTypeError::new_err("preferences must be a mapping of user id to Preferences")
        })?;
        for pair in mapping.items()?.try_iter()? {
            let (user, p): (String, PyRef<'_, PyPreferences>) = crate::args::arg(&pair?)?;
            prefs.push((user, p.inner.clone()));
        }
    }
    Ok(prefs)
}
