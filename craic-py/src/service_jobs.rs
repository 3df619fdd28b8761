//! The handles of the service's background work: `RetrainJob` (a retrain on its own thread,
//! `Service.retrain(wait=False)`) and `ScheduleHandle` (the daily schedule's thread).

use std::sync::{Condvar, Mutex, MutexGuard};

use craic::service as svc;
use pyo3::prelude::*;

use crate::errors;
use crate::repr::py_bool;
use crate::service_results::PyRetrainOutcome;

/// Locks a mutex, taking over a poisoned one (every critical section here leaves its data
/// consistent).
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

struct JobState {
    /// The running job, until a `wait` takes it.
    job: Option<svc::RetrainJob>,
    /// The outcome, once a `wait` has collected it.
    result: Option<Result<PyRetrainOutcome, PyErr>>,
}

/// A retrain running on a background thread (`Service.retrain(wait=False)`).
///
/// `wait()` blocks (the GIL released) until it finishes and returns its `RetrainOutcome`, or
/// raises what it failed with; it may be called again, from any thread, with the same result.
#[pyclass(frozen, module = "craic._craic", name = "RetrainJob")]
pub struct PyRetrainJob {
    state: Mutex<JobState>,
    finished: Condvar,
}

impl PyRetrainJob {
    /// The handle of a started retrain.
    pub(crate) fn new(job: svc::RetrainJob) -> Self {
        PyRetrainJob {
            state: Mutex::new(JobState {
                job: Some(job),
                result: None,
            }),
            finished: Condvar::new(),
        }
    }
}

#[pymethods]
impl PyRetrainJob {
    /// Waits for the outcome. Raises `StoppedError` if the retrain thread died, or the error
    /// the retrain failed with (e.g. `InvalidInputError` for a bad candidate configuration).
    fn wait(&self, py: Python<'_>) -> PyResult<PyRetrainOutcome> {
        py.detach(|| {
            let mut s = lock(&self.state);
            if let Some(job) = s.job.take() {
                drop(s);
                let result = job
                    .wait()
                    .map(PyRetrainOutcome::from)
                    .map_err(errors::service_to_py);
                s = lock(&self.state);
                s.result = Some(result);
                self.finished.notify_all();
            }
            loop {
                match &s.result {
                    Some(Ok(outcome)) => return Ok(outcome.clone()),
                    Some(Err(e)) => return Err(Python::attach(|py| e.clone_ref(py))),
                    // Another thread is collecting the outcome.
                    None => {
                        s = self
                            .finished
                            .wait(s)
                            .unwrap_or_else(std::sync::PoisonError::into_inner);
                    }
                }
            }
        })
    }

    /// True once the retrain has finished (`wait()` then returns at once).
    #[getter]
    fn done(&self, py: Python<'_>) -> bool {
        py.detach(|| {
            let s = lock(&self.state);
            s.result.is_some() || s.job.as_ref().is_some_and(svc::RetrainJob::is_finished)
        })
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        format!("RetrainJob(done={})", py_bool(self.done(py)))
    }
}

/// The daily retrain schedule's thread (`Service.start_schedule`). `stop()` stops it and waits
/// for it (a retrain in progress finishes first); dropping the handle stops it too.
#[pyclass(frozen, module = "craic._craic", name = "ScheduleHandle")]
pub struct PyScheduleHandle {
    inner: Mutex<Option<svc::ScheduleHandle>>,
}

impl PyScheduleHandle {
    /// The handle of a started schedule.
    pub(crate) fn new(handle: svc::ScheduleHandle) -> Self {
        PyScheduleHandle {
            inner: Mutex::new(Some(handle)),
        }
    }
}

#[pymethods]
impl PyScheduleHandle {
    /// Stops the schedule and waits for its thread (the GIL released). Idempotent.
    fn stop(&self, py: Python<'_>) {
        py.detach(|| {
            if let Some(h) = lock(&self.inner).take() {
                h.stop();
            }
        });
    }

    /// True until `stop()` is called.
    #[getter]
    fn running(&self, py: Python<'_>) -> bool {
        py.detach(|| lock(&self.inner).is_some())
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        format!("ScheduleHandle(running={})", py_bool(self.running(py)))
    }
}

impl Drop for PyScheduleHandle {
    fn drop(&mut self) {
        // Stopping joins the schedule thread, which may be calling an alert callback that waits
        // for the GIL this thread may hold: stop it from another thread instead.
        let handle = self
            .inner
            .get_mut()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        if let Some(h) = handle {
            std::thread::spawn(move || h.stop());
        }
    }
}
