//! Work that runs off the JS thread and settles a Promise: builds, batch records, many-user
//! recommendations, evaluations, snapshots, retrains. A panic in the work rejects the Promise
//! with an error instead of aborting the process.

use std::panic::{catch_unwind, AssertUnwindSafe};

use napi::bindgen_prelude::{AsyncTask, ToNapiValue, TypeName};
use napi::{Env, Task};

use crate::errors::{Fallible, Family, JsFailure};

type Job<T> = Box<dyn FnOnce() -> Fallible<T> + Send>;

/// A closure run on libuv's thread pool; its result resolves the Promise, its [`JsFailure`]
/// rejects it with the matching craic error.
pub struct Work<T> {
    job: Option<Job<T>>,
    failure: Option<JsFailure>,
}

/// Runs `job` off the JS thread and returns the Promise of its result.
pub(crate) fn spawn<T, F>(job: F) -> AsyncTask<Work<T>>
where
    T: Send + 'static + ToNapiValue + TypeName,
    F: FnOnce() -> Fallible<T> + Send + 'static,
{
    AsyncTask::new(Work {
        job: Some(Box::new(job)),
        failure: None,
    })
}

/// The failure reported for a panic: the core never panics on bad input, so this is a bug.
pub(crate) fn panicked(payload: &(dyn std::any::Any + Send)) -> JsFailure {
    let detail = payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_owned());
    JsFailure::new(
        Family::Other,
        "internal",
        format!("internal error (a bug in craic): {detail}"),
    )
}

impl<T> Task for Work<T>
where
    T: Send + 'static + ToNapiValue + TypeName,
{
    type Output = T;
    type JsValue = T;

    fn compute(&mut self) -> napi::Result<T> {
        let job = self
            .job
            .take()
            .ok_or_else(|| napi::Error::from_reason("the work already ran"))?;
        let outcome = catch_unwind(AssertUnwindSafe(job)).unwrap_or_else(|p| Err(panicked(&*p)));
        outcome.map_err(|failure| {
            self.failure = Some(failure);
            napi::Error::from_reason("craic work failed")
        })
    }

    fn resolve(&mut self, _env: Env, output: T) -> napi::Result<T> {
        Ok(output)
    }

    fn reject(&mut self, env: Env, err: napi::Error) -> napi::Result<T> {
        Err(match self.failure.take() {
            Some(failure) => failure.into_napi(&env),
            None => err,
        })
    }
}
