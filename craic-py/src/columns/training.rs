//! The training data of `Engine.build` and `Service(...)`: each argument columnar (converted
//! with the GIL released) or rows (converted while reading the arguments).

use craic::service as svc;
use craic_core as core;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;

use super::{frame, ColumnError, Frame, InputError, Table};
use crate::catalog::PyItem;

/// An argument given as columns or as rows (already converted).
pub(crate) enum Source<T> {
    /// Columnar input, converted later (with the GIL released).
    Columns(Frame),
    /// Rows, converted.
    Rows(T),
}

impl<T> Source<T> {
    fn resolve(
        self,
        convert: impl FnOnce(&Frame) -> Result<T, ColumnError>,
    ) -> Result<T, ColumnError> {
        match self {
            Source::Columns(frame) => convert(&frame),
            Source::Rows(rows) => Ok(rows),
        }
    }
}

/// The training data of `Engine.build` and `Service(...)`: each argument columnar or rows.
pub(crate) struct Training {
    items: Source<Vec<core::Item>>,
    preferences: Source<Vec<(String, core::Preferences)>>,
    interactions: Source<Vec<core::Interaction>>,
}

/// Converts an `items` argument given as rows (`Item` objects).
fn item_rows(obj: &Bound<'_, PyAny>) -> PyResult<Vec<core::Item>> {
    let rows: Vec<PyRef<'_, PyItem>> = obj.extract().map_err(|e: PyErr| {
        let py = obj.py();
        let err = PyTypeError::new_err(format!(
            "argument 'items': expected a sequence of Item or a table ({})",
            e.value(py)
        ));
        err.set_cause(py, Some(e));
        err
    })?;
    Ok(rows.iter().map(|i| i.inner.clone()).collect())
}

impl Training {
    /// Reads the arguments: columnar ones are kept as Arrow data, rows converted now. `None`
    /// is empty.
    pub(crate) fn extract(
        items: Option<&Bound<'_, PyAny>>,
        interactions: Option<&Bound<'_, PyAny>>,
        preferences: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let items = match items {
            None => Source::Rows(Vec::new()),
            Some(obj) => match frame(obj, Table::Items)? {
                Some(f) => Source::Columns(f),
                None => Source::Rows(item_rows(obj)?),
            },
        };
        let interactions = match interactions {
            None => Source::Rows(Vec::new()),
            Some(obj) => match frame(obj, Table::Interactions)? {
                Some(f) => Source::Columns(f),
                None => Source::Rows(crate::interactions::interactions(obj)?),
            },
        };
        let preferences = match preferences {
            Some(obj) => match frame(obj, Table::Preferences)? {
                Some(f) => Source::Columns(f),
                None => Source::Rows(crate::catalog::preferences_map(Some(obj))?),
            },
            None => Source::Rows(Vec::new()),
        };
        Ok(Training {
            items,
            preferences,
            interactions,
        })
    }

    /// Builds an engine (call it with the GIL released). Columnar interactions are converted
    /// as the build consumes them, never all at once.
    pub(crate) fn build_engine(self, config: core::Config) -> Result<core::Engine, InputError> {
        let items = self.items.resolve(Frame::items)?;
        let preferences = self.preferences.resolve(Frame::preferences)?;
        let built = match self.interactions {
            Source::Rows(rows) => core::Engine::build(items, &rows, preferences, config),
            Source::Columns(frame) => {
                // Read again rather than kept when the blend is learned.
                let views = frame.interaction_rows()?;
                core::Engine::build_from_reader(items, || views.rows(), preferences, config)
            }
        };
        built.map_err(InputError::Core)
    }

    /// The data as the service keeps it (call it with the GIL released).
    pub(crate) fn into_data(self) -> Result<svc::TrainingData, InputError> {
        Ok(svc::TrainingData {
            items: self.items.resolve(Frame::items)?,
            preferences: self.preferences.resolve(Frame::preferences)?,
            interactions: self.interactions.resolve(|f| {
                Ok(f.interaction_rows()?
                    .rows()
                    .map(|r| r.to_interaction())
                    .collect())
            })?,
            removed: Vec::new(),
        })
    }
}
