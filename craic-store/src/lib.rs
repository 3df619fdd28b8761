//! # craic-store
//!
//! Storage adapters for craic behind one set of traits: the event catalogue, users' onboarding
//! preferences, the append-only interaction log (idempotency keys and a cursor to tail), experiment
//! data (definitions, first-wins assignments, exposures and conversions counted once per key),
//! model snapshots with a version registry, and retrain history.
//!
//! ```
//! # #[cfg(feature = "sqlite")] {
//! use craic_core::{Config, Interaction, Item};
//! use craic_store::{BlockingStore, LogEntry};
//!
//! let store = BlockingStore::open("sqlite::memory:")?;
//! store.upsert_items(&[Item::new("rave", 2_000_000_000), Item::new("folk", 2_000_000_000)])?;
//! let x = Interaction::new("ana", "rave", "save", 1_700_000_000);
//! assert_eq!(store.append(&[LogEntry::new(x.clone())])?.inserted, 1);
//! assert_eq!(store.append(&[LogEntry::new(x)])?.duplicates, 1); // re-sending is a no-op
//!
//! let loaded = store.load_engine(Config::default())?;
//! assert_eq!(loaded.engine.stats().interactions, 1);
//! // Later: apply what was appended since.
//! store.append(&[LogEntry::new(Interaction::new("ben", "folk", "click", 1_700_000_100))])?;
//! let tailed = store.tail(&loaded.engine, loaded.cursor)?;
//! assert_eq!(tailed.interactions, 1);
//! # }
//! # Ok::<(), craic_store::StoreError>(())
//! ```
//!
//! Open a store with [`open`] (async, returns `Box<dyn Store>`) or [`BlockingStore::open`]:
//! `sqlite:///path/to.db`, `sqlite::memory:`, `mysql://user:pass@host:port/db`,
//! `dynamodb://table-prefix?endpoint=...&region=...`. Each SQL backend runs its versioned schema
//! migrations on open (recorded in `schema_migrations`; re-running them is a no-op); DynamoDB
//! creates its tables if they are missing.
//!
//! The design (schema, cursor, idempotency, malformed-row policy, measurements) is described in
//! `docs/storage.md`.
//!
//! ## Crate features
//!
//! - `sqlite` (default): the embedded SQLite backend, rusqlite with its bundled SQLite library
//!   (no system library, no server). URLs `sqlite:///abs/path.db`, `sqlite://rel/path.db`,
//!   `sqlite::memory:`.
//! - `mysql`: the MySQL / MariaDB backend on mysql_async (no TLS). URL
//!   `mysql://user:pass@host:port/db`; the database must exist.
//! - `dynamodb`: the DynamoDB backend on aws-sdk-dynamodb (trimmed features, rustls). URL
//!   `dynamodb://table-prefix?endpoint=http://127.0.0.1:8000&region=us-east-1` (`endpoint` and
//!   `region` optional); credentials from the standard AWS chain. Tables `<prefix>_log` and
//!   `<prefix>_data` are created on open if missing.
//!
//! With a backend's feature off, opening its URL is an `InvalidUrl` error.
#![deny(missing_docs)]
#![deny(unsafe_code)]

mod blocking;
mod changes;
#[cfg(feature = "dynamodb")]
mod dynamodb;
mod engine_io;
mod error;
mod experiment_codec;
#[cfg(feature = "mysql")]
mod mysql;
#[cfg(feature = "sqlite")]
mod sqlite;
mod store;
mod types;

pub use blocking::BlockingStore;
pub use changes::{Change, ChangePage, ChangeRecord};
#[cfg(feature = "dynamodb")]
pub use dynamodb::DynamoStore;
pub use engine_io::{load_engine, tail, Loaded, Tailed, PAGE};
pub use error::{MalformedRow, Result, StoreError, StoreErrorKind};
#[cfg(feature = "mysql")]
pub use mysql::MysqlStore;
#[cfg(feature = "sqlite")]
pub use sqlite::SqliteStore;
pub use store::{open, Store, StoreFuture};
pub use types::{
    derived_key, AppendReport, Assignment, CheckedItems, Cursor, ExperimentEvent, ExperimentEvents,
    ExperimentRecord, LogEntry, LogPage, LogRecord, ModelInfo, ModelVersion, RetrainRun,
    VariantCounts, MAX_KEY_LEN,
};
