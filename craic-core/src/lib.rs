//! # craic-core
//!
//! The pure core of craic: typed implicit feedback, an incrementally maintained interaction matrix,
//! user–user cosine neighbourhoods that stay equal to a full recompute, popularity / content /
//! collaborative / hybrid scoring with eligibility rules, experiments, evaluation and a synthetic
//! event-discovery dataset. No I/O, no async, no global state.
#![deny(missing_docs)]

pub mod alerts;
pub mod cache;
mod config;
pub mod drift;
mod error;
mod ids;
mod interaction;
mod item;
pub mod monitoring;
mod request;
pub mod rng;
pub mod snapshot;

pub use config::{Config, Effect, KindSpec};
pub use error::{Error, ErrorKind, Result, SnapshotProblem};
pub use ids::{validate_id, MAX_ID_LEN};
pub use interaction::{
    validate_timestamp, Interaction, CLICK, HIDE, MAX_TIMESTAMP, MIN_TIMESTAMP, SAVE, UNSAVE,
};
pub use item::{Item, Preferences};
pub use request::{Component, Contribution, Explanation, Recommendation, Request, Strategy};
