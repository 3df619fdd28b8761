//! The one mapping from craic errors to JavaScript errors.
//!
//! Every error thrown (or rejected) by the binding is an instance of one of the classes in
//! `errors.js` (`CraicError` and its subclasses), with a stable `code` (`CRAIC_UNKNOWN_ITEM`, …),
//! the core's `kind` (`unknown_item`, …) and `row` (the index of the bad row of a batch, else
//! `null`). The classes are handed to the native module once per JS thread by the package entry
//! (`craic.js` calls `registerErrorClasses`); before that, errors are plain `Error`s with the same
//! properties.

use std::cell::RefCell;

use craic::service::ServiceError;
use craic_core::feeds::FeedError;
use craic_core::{Error as CoreError, ErrorKind};
use craic_store::{StoreError, StoreErrorKind};
use napi::bindgen_prelude::{Function, JsObjectValue, Null, Object, ObjectRef};
use napi::{Env, JsValue, Status, Unknown};
use napi_derive::napi;

/// The error classes of `errors.js`, one per family of kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// Bad input: ids, weights, timestamps, `k`, items, configuration, experiments.
    InvalidInput,
    /// The caller named something that does not exist.
    NotFound,
    /// Snapshot bytes that are foreign, truncated, corrupt or from a newer format.
    Snapshot,
    /// A file or storage backend failed (service kind `io`).
    Storage,
    /// A retrain was asked for while one runs (service kind `retrain_running`).
    RetrainRunning,
    /// The service or one of its jobs has stopped (service kind `stopped`).
    Stopped,
    /// A write panicked part-way; the engine refuses work until it is replaced.
    Poisoned,
    /// A kind this mapping does not know yet (the core's kinds are `#[non_exhaustive]`).
    Base,
}

impl Family {
    /// The class name in `errors.js`.
    pub(crate) const fn class_name(self) -> &'static str {
        match self {
            Family::InvalidInput => "InvalidInputError",
            Family::NotFound => "NotFoundError",
            Family::Snapshot => "SnapshotError",
            Family::Storage => "StorageError",
            Family::RetrainRunning => "RetrainRunningError",
            Family::Stopped => "StoppedError",
            Family::Poisoned => "PoisonedError",
            Family::Base => "CraicError",
        }
    }
}

/// THE mapping of core kinds, the same families as the Python exception classes
/// (`craic-py/src/errors.rs`). `ErrorKind` is `#[non_exhaustive]`: a kind a newer core adds falls
/// back to `CraicError` until it is listed here (a test checks that none does).
pub(crate) fn family_of(kind: ErrorKind) -> Family {
    match kind {
        ErrorKind::UnknownItem | ErrorKind::UnknownExperiment | ErrorKind::UnknownVariant => {
            Family::NotFound
        }
        ErrorKind::InvalidId
        | ErrorKind::UnknownKind
        | ErrorKind::InvalidWeight
        | ErrorKind::InvalidTimestamp
        | ErrorKind::InvalidK
        | ErrorKind::InvalidItem
        | ErrorKind::InvalidConfig
        | ErrorKind::InvalidExperiment
        | ErrorKind::OutOfRange => Family::InvalidInput,
        ErrorKind::InvalidSnapshot => Family::Snapshot,
        ErrorKind::Poisoned | ErrorKind::InconsistentModel => Family::Poisoned,
        _ => Family::Base,
    }
}

/// The family of a service kind (the core's kinds plus `io`, `retrain_running`, `stopped`).
pub(crate) fn family_of_service(err: &ServiceError) -> Family {
    match err {
        ServiceError::Core(e) => family_of(e.kind()),
        other => family_of_service_kind(other.kind().as_str()),
    }
}

/// The family of a kind the service adds to the core's.
fn family_of_service_kind(kind: &str) -> Family {
    match kind {
        "io" => Family::Storage,
        "retrain_running" => Family::RetrainRunning,
        "stopped" => Family::Stopped,
        _ => Family::Base,
    }
}

/// The family of a kind the store adds to the core's: a server or row that fails is a
/// `StorageError`, an unknown version or experiment `NotFoundError`, a bad URL or argument (and
/// a version published twice) `InvalidInputError`.
pub(crate) fn family_of_store(kind: StoreErrorKind) -> Family {
    match kind {
        StoreErrorKind::Core(k) => family_of(k),
        StoreErrorKind::NotFound => Family::NotFound,
        StoreErrorKind::InvalidUrl | StoreErrorKind::InvalidInput | StoreErrorKind::Conflict => {
            Family::InvalidInput
        }
        StoreErrorKind::Unavailable | StoreErrorKind::MalformedRow | StoreErrorKind::Backend => {
            Family::Storage
        }
        _ => Family::Base,
    }
}

/// The kinds the feeds add: a page that is not JSON or not a page of the feed
/// (`craic_core::feeds::FeedError`), and JSON that is not a saved `AliasTable`.
pub(crate) const FEED_KINDS: [&str; 2] = ["invalid_feed", "invalid_alias_table"];

/// The family of a feeds kind: both are bad input.
pub(crate) fn family_of_feed(kind: &str) -> Family {
    match kind {
        "invalid_feed" | "invalid_alias_table" => Family::InvalidInput,
        _ => Family::Base,
    }
}

/// The stable JS `code` of a kind: `CRAIC_` and the kind in upper case.
pub(crate) fn code_of(kind: &str) -> String {
    format!("CRAIC_{}", kind.to_ascii_uppercase())
}

/// A craic error on its way to JavaScript: everything needed to build the JS object, and `Send`
/// so it can cross from a worker thread to the JS thread of a Promise.
#[derive(Debug, Clone)]
pub struct JsFailure {
    family: Family,
    kind: String,
    row: Option<usize>,
    message: String,
}

impl From<CoreError> for JsFailure {
    fn from(e: CoreError) -> Self {
        JsFailure {
            family: family_of(e.kind()),
            kind: e.kind().as_str().to_owned(),
            row: e.row(),
            message: e.to_string(),
        }
    }
}

impl From<StoreError> for JsFailure {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Core(core) => core.into(),
            other => JsFailure {
                family: family_of_store(other.kind()),
                kind: other.kind().as_str().to_owned(),
                row: None,
                message: other.to_string(),
            },
        }
    }
}

impl From<FeedError> for JsFailure {
    fn from(e: FeedError) -> Self {
        JsFailure::feed("invalid_feed", e.to_string())
    }
}

impl From<ServiceError> for JsFailure {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::Core(core) => core.into(),
            // The same code as from a `Store`: `CRAIC_UNAVAILABLE`, not the service's
            // `store_unavailable` kind.
            ServiceError::Store(store) => store.into(),
            other => JsFailure {
                family: family_of_service(&other),
                kind: other.kind().as_str().to_owned(),
                row: None,
                message: other.to_string(),
            },
        }
    }
}

impl JsFailure {
    /// An `InvalidInputError` of `kind` for input the binding rejects before the core sees it
    /// (a fractional `k`, a timestamp that is not a safe integer, an unknown option name).
    pub(crate) fn invalid(kind: ErrorKind, message: impl Into<String>) -> Self {
        JsFailure {
            family: family_of(kind),
            kind: kind.as_str().to_owned(),
            row: None,
            message: message.into(),
        }
    }

    /// A failure of one of the [`FEED_KINDS`].
    pub(crate) fn feed(kind: &str, message: impl Into<String>) -> Self {
        JsFailure::new(family_of_feed(kind), kind, message)
    }

    /// A failure of `kind` in `family` with a message.
    pub(crate) fn new(family: Family, kind: &str, message: impl Into<String>) -> Self {
        JsFailure {
            family,
            kind: kind.to_owned(),
            row: None,
            message: message.into(),
        }
    }

    /// This failure as the row `index` of a batch.
    pub(crate) fn in_row(mut self, index: usize) -> Self {
        self.message = format!("row {index} of the batch: {}", self.message);
        self.row = Some(index);
        self
    }

    /// Builds the JS error object and wraps it in a `napi::Error` that throws exactly it.
    pub(crate) fn into_napi(self, env: &Env) -> napi::Error {
        match self.build(env) {
            Ok(value) => napi::Error::from(value),
            Err(e) => e,
        }
    }

    fn build<'env>(&self, env: &'env Env) -> napi::Result<Unknown<'env>> {
        let mut error = match registered_class(env, self.family)? {
            Some(class) => class
                .new_instance(env.create_string(&self.message)?.to_unknown())?
                .coerce_to_object()?,
            None => {
                let mut plain =
                    env.create_error(napi::Error::new(Status::GenericFailure, &self.message))?;
                plain.set_named_property("name", self.family.class_name())?;
                plain
            }
        };
        error.set_named_property("code", code_of(&self.kind))?;
        error.set_named_property("kind", self.kind.as_str())?;
        match self.row {
            Some(row) => error.set_named_property("row", row as f64)?,
            None => error.set_named_property("row", Null)?,
        }
        Ok(error.to_unknown())
    }
}

/// A `Result` whose error is a [`JsFailure`], for code that runs without an `Env`.
pub type Fallible<T> = std::result::Result<T, JsFailure>;

/// Converts a fallible result into a napi result, building the JS error on `env`.
pub(crate) trait OrThrow<T> {
    /// `Ok` as is; `Err` as the matching JS error.
    fn or_throw(self, env: &Env) -> napi::Result<T>;
}

impl<T, E: Into<JsFailure>> OrThrow<T> for std::result::Result<T, E> {
    fn or_throw(self, env: &Env) -> napi::Result<T> {
        self.map_err(|e| e.into().into_napi(env))
    }
}

thread_local! {
    /// The `errors.js` classes of this thread's JS environment (one per main thread or worker).
    static CLASSES: RefCell<Option<ObjectRef<false>>> = const { RefCell::new(None) };
}

fn registered_class<'env>(
    env: &'env Env,
    family: Family,
) -> napi::Result<Option<Function<'env, Unknown<'env>, Unknown<'env>>>> {
    CLASSES.with(|cell| {
        let guard = cell.borrow();
        let Some(reference) = guard.as_ref() else {
            return Ok(None);
        };
        let classes: Object<'env> = reference.get_value(env)?;
        classes.get_named_property::<Option<Function<'env, Unknown<'env>, Unknown<'env>>>>(
            family.class_name(),
        )
    })
}

/// Called once by the package entry (`craic.js`) with `{CraicError, InvalidInputError, …}`:
/// errors thrown from then on are instances of these classes.
#[napi(catch_unwind)]
pub fn register_error_classes(classes: Object) -> napi::Result<()> {
    let reference = classes.create_ref::<false>()?;
    CLASSES.with(|cell| *cell.borrow_mut() = Some(reference));
    Ok(())
}

/// `{kind: code}` for every kind the core, the service, the store and the feeds define, and the class each maps to
/// (used by the tests to check the mapping is exhaustive).
#[napi(catch_unwind)]
pub fn error_codes() -> Vec<ErrorCode> {
    let core = ErrorKind::ALL.iter().map(|&k| (k.as_str(), family_of(k)));
    let service = ServiceError::SERVICE_KINDS
        .iter()
        .map(|&k| (k, family_of_service_kind(k)));
    let store = StoreErrorKind::STORE_KINDS
        .iter()
        .map(|&k| (k.as_str(), family_of_store(k)));
    let feeds = FEED_KINDS.iter().map(|&k| (k, family_of_feed(k)));
    core.chain(service)
        .chain(store)
        .chain(feeds)
        .map(|(kind, family)| ErrorCode {
            kind: kind.to_owned(),
            code: code_of(kind),
            class_name: family.class_name().to_owned(),
        })
        .collect()
}

/// One row of [`error_codes`].
#[napi(object)]
pub struct ErrorCode {
    /// The core's snake_case kind (`unknown_item`).
    pub kind: String,
    /// The JS `code` (`CRAIC_UNKNOWN_ITEM`).
    pub code: String,
    /// The class of `errors.js` errors of this kind are instances of.
    pub class_name: String,
}
