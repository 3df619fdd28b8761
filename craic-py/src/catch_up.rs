//! `CatchUp`: what `Service.catch_up` applied (the core's `craic::service::CatchUp`).

use craic::service as svc;
use pyo3::prelude::*;

use crate::store_results::{malformed, PyMalformedRow};

/// What `Service.catch_up` applied: log rows and catalogue / preference changes, and the
/// positions the serving model is at now.
#[pyclass(frozen, eq, get_all, module = "craic._craic", name = "CatchUp")]
#[derive(Clone, PartialEq)]
pub struct PyCatchUp {
    /// Interactions applied to the serving model.
    pub applied: u64,
    /// The log position of the serving model now.
    pub cursor: u64,
    /// Catalogue and preference changes applied (this service's own included).
    pub changes: u64,
    /// The change-feed position of the serving model now.
    pub changes_cursor: u64,
    /// Rows skipped under the store's malformed-row policy (reported once each).
    pub skipped: Vec<PyMalformedRow>,
    /// True when nothing was done because a retrain is running (its swap catches up).
    pub deferred: bool,
}

impl From<svc::CatchUp> for PyCatchUp {
    fn from(c: svc::CatchUp) -> Self {
        PyCatchUp {
            applied: c.applied,
            cursor: c.cursor.0,
            changes: c.changes,
            changes_cursor: c.changes_cursor.0,
            skipped: malformed(c.skipped),
            deferred: c.deferred,
        }
    }
}
